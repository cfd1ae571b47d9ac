//! Where tenants' items live: siloed tenants' own tables, and their
//! partitions of the pooled table.

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, DeleteRequest, GlobalSecondaryIndex,
    KeySchemaElement, KeyType, Projection, ProjectionType, ScalarAttributeType, TableStatus, Tag,
    WriteRequest,
};
use tenant_registry::{
    ApiKeyId, PARTITION_KEY, SESSION_TAG_KEY, SILO_TABLE_INDEXES, SORT_KEY, SecondaryIndex,
};

use crate::LifecycleError;
use crate::api_keys::MANAGED_BY_TAG;
use aws_failure::AwsFailure;

/// Tenant data tables in DynamoDB.
#[derive(Clone, Debug)]
pub struct TenantData {
    client: aws_sdk_dynamodb::Client,
    /// Pause between polls of a table's status and between retries of
    /// unprocessed batch deletes.
    pub poll_interval: Duration,
    /// How long to wait for a new table to become active.
    pub table_timeout: Duration,
}

impl TenantData {
    /// Data tables reached through `client`; polls every 2 s, waits up to 5 minutes.
    pub fn new(client: aws_sdk_dynamodb::Client) -> Self {
        Self {
            client,
            poll_interval: Duration::from_secs(2),
            table_timeout: Duration::from_mins(5),
        }
    }

    /// Creates a silo table with the pooled table's key schema. An existing
    /// table of that name is accepted: the name embeds the key ID, so it can
    /// only be this tenant's, left by an earlier attempt.
    pub(crate) async fn create_silo_table(
        &self,
        table: &str,
        id: &ApiKeyId,
    ) -> Result<(), LifecycleError> {
        let attribute = |name: &str| {
            AttributeDefinition::builder()
                .attribute_name(name)
                .attribute_type(ScalarAttributeType::S)
                .build()
        };
        let key = |name: &str, kind| {
            KeySchemaElement::builder()
                .attribute_name(name)
                .key_type(kind)
                .build()
        };
        let tag = |k: &str, v: &str| Tag::builder().key(k).value(v).build();
        let mut request = self
            .client
            .create_table()
            .table_name(table)
            .billing_mode(BillingMode::PayPerRequest)
            .attribute_definitions(attribute(PARTITION_KEY).map_err(build_error)?)
            .attribute_definitions(attribute(SORT_KEY).map_err(build_error)?)
            .key_schema(key(PARTITION_KEY, KeyType::Hash).map_err(build_error)?)
            .key_schema(key(SORT_KEY, KeyType::Range).map_err(build_error)?)
            .tags(tag(MANAGED_BY_TAG.0, MANAGED_BY_TAG.1).map_err(build_error)?)
            .tags(tag(SESSION_TAG_KEY, id.as_str()).map_err(build_error)?);
        // The contract's silo indexes, which the audit checks are partitioned
        // by the tenant key (ISO027): what is created is what was checked.
        for index in SILO_TABLE_INDEXES {
            for name in [Some(index.partition_key), index.sort_key]
                .into_iter()
                .flatten()
            {
                if name != PARTITION_KEY && name != SORT_KEY {
                    request = request.attribute_definitions(attribute(name).map_err(build_error)?);
                }
            }
            request = request.global_secondary_indexes(secondary_index(index)?);
        }
        let result = request.send().await;
        match result.map_err(|e| AwsFailure::classify(&e)) {
            Ok(_) => Ok(()),
            Err(f) if f.is_conflict() => Ok(()),
            Err(failure) => Err(LifecycleError::Aws {
                step: "create the silo table",
                failure,
            }),
        }
    }

    /// Polls until the table is ACTIVE, up to `table_timeout`.
    pub(crate) async fn wait_until_active(&self, table: &str) -> Result<(), LifecycleError> {
        let started = tokio::time::Instant::now();
        loop {
            let output = self
                .client
                .describe_table()
                .table_name(table)
                .send()
                .await
                .map_err(|e| LifecycleError::Aws {
                    step: "check the silo table",
                    failure: AwsFailure::classify(&e),
                })?;
            if output.table().and_then(|t| t.table_status()) == Some(&TableStatus::Active) {
                return Ok(());
            }
            if started.elapsed() >= self.table_timeout {
                return Err(LifecycleError::TableNotActive {
                    table: table.to_owned(),
                    waited_seconds: self.table_timeout.as_secs(),
                });
            }
            tokio::time::sleep(self.poll_interval).await;
        }
    }

    /// Deletes a table; returns whether it existed.
    pub(crate) async fn delete_table(&self, table: &str) -> Result<bool, LifecycleError> {
        match self.client.delete_table().table_name(table).send().await {
            Ok(_) => Ok(true),
            Err(e) => {
                let failure = AwsFailure::classify(&e);
                if failure.is_not_found() {
                    Ok(false)
                } else {
                    Err(LifecycleError::Aws {
                        step: "delete the silo table",
                        failure,
                    })
                }
            }
        }
    }

    /// Deletes every item of the tenant's partition in the pooled table:
    /// a Query on `pk` (never a Scan), then batched deletes. Returns the count.
    pub(crate) async fn delete_partition(
        &self,
        table: &str,
        id: &ApiKeyId,
    ) -> Result<u64, LifecycleError> {
        let mut pages = self
            .client
            .query()
            .table_name(table)
            .key_condition_expression("#pk = :pk")
            .projection_expression("#pk, #sk")
            .expression_attribute_names("#pk", PARTITION_KEY)
            .expression_attribute_names("#sk", SORT_KEY)
            .expression_attribute_values(":pk", AttributeValue::S(id.as_str().to_owned()))
            .consistent_read(true)
            .into_paginator()
            .send();
        let mut deleted = 0;
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| LifecycleError::Aws {
                step: "query the tenant's items",
                failure: AwsFailure::classify(&e),
            })?;
            for chunk in page.items().chunks(25) {
                self.delete_batch(table, chunk).await?;
                deleted += chunk.len() as u64;
            }
        }
        Ok(deleted)
    }

    async fn delete_batch(
        &self,
        table: &str,
        keys: &[HashMap<String, AttributeValue>],
    ) -> Result<(), LifecycleError> {
        const STEP: &str = "delete the tenant's items";
        let mut requests = keys
            .iter()
            .map(|key| {
                let delete = DeleteRequest::builder()
                    .set_key(Some(key.clone()))
                    .build()
                    .map_err(build_error)?;
                Ok(WriteRequest::builder().delete_request(delete).build())
            })
            .collect::<Result<Vec<_>, LifecycleError>>()?;
        // DynamoDB may hand back part of a batch under load: retry that part.
        for _ in 0..10 {
            let output = self
                .client
                .batch_write_item()
                .request_items(table, requests)
                .send()
                .await
                .map_err(|e| LifecycleError::Aws {
                    step: STEP,
                    failure: AwsFailure::classify(&e),
                })?;
            requests = output
                .unprocessed_items
                .and_then(|mut u| u.remove(table))
                .unwrap_or_default();
            if requests.is_empty() {
                return Ok(());
            }
            tokio::time::sleep(self.poll_interval).await;
        }
        Err(LifecycleError::Aws {
            step: STEP,
            failure: AwsFailure {
                kind: aws_failure::FailureKind::Throttled,
                code: "UnprocessedItems".into(),
            },
        })
    }
}

#[allow(clippy::needless_pass_by_value)] // used as map_err(build_error)
fn build_error(e: aws_sdk_dynamodb::error::BuildError) -> LifecycleError {
    LifecycleError::InvalidInput {
        field: "request",
        reason: e.to_string(),
    }
}

/// A silo table index as DynamoDB's CreateTable takes it (all attributes
/// projected, so a Query on it returns what one on the table would).
fn secondary_index(index: &SecondaryIndex) -> Result<GlobalSecondaryIndex, LifecycleError> {
    let key = |name: &str, kind| {
        KeySchemaElement::builder()
            .attribute_name(name)
            .key_type(kind)
            .build()
            .map_err(build_error)
    };
    let mut builder = GlobalSecondaryIndex::builder()
        .index_name(index.name)
        .key_schema(key(index.partition_key, KeyType::Hash)?)
        .projection(
            Projection::builder()
                .projection_type(ProjectionType::All)
                .build(),
        );
    if let Some(sort) = index.sort_key {
        builder = builder.key_schema(key(sort, KeyType::Range)?);
    }
    builder.build().map_err(build_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_contract_index_becomes_a_projected_gsi_with_its_keys() {
        let gsi = secondary_index(&SecondaryIndex {
            name: "byDate",
            partition_key: PARTITION_KEY,
            sort_key: Some("date"),
        })
        .unwrap();
        assert_eq!(gsi.index_name(), "byDate");
        let keys: Vec<(&str, &KeyType)> = gsi
            .key_schema()
            .iter()
            .map(|k| (k.attribute_name(), k.key_type()))
            .collect();
        assert_eq!(
            keys,
            [(PARTITION_KEY, &KeyType::Hash), ("date", &KeyType::Range)]
        );
        assert_eq!(
            gsi.projection().and_then(|p| p.projection_type()),
            Some(&ProjectionType::All)
        );
    }
}
