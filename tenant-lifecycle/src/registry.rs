//! The tenant registry table: conditional writes, lookups by key and by name.

use std::collections::HashMap;

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::AttributeValue;
use aws_smithy_runtime_api::http::Response as HttpResponse;
use chrono::{DateTime, SecondsFormat, Utc};
use tenant_registry::{ApiKeyHash, ApiKeyId, TenantRecord, TenantStatus, attr};

use crate::LifecycleError;
use crate::input::TenantName;
use aws_failure::AwsFailure;

/// The registry table, written only with conditions so concurrent commands
/// never overwrite each other.
#[derive(Clone, Debug)]
pub struct Registry {
    client: aws_sdk_dynamodb::Client,
    table: String,
}

/// The outcome of a conditional status change.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum StatusUpdate {
    /// The status was one of the expected ones and is now the new one.
    Changed,
    /// The item's status is not one of those expected (the current record).
    Refused(Box<TenantRecord>),
}

fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.to_owned())
}

fn parse(item: &HashMap<String, AttributeValue>) -> Result<TenantRecord, LifecycleError> {
    TenantRecord::try_from(item).map_err(|source| LifecycleError::InvalidRecord {
        api_key_id: match item.get(attr::API_KEY_ID) {
            Some(AttributeValue::S(id)) => id.clone(),
            _ => "(no apiKeyId)".into(),
        },
        source,
    })
}

impl Registry {
    /// The registry in `table`.
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    /// Writes a new tenant; refuses to overwrite an item with the same key.
    pub(crate) async fn create(&self, record: &TenantRecord) -> Result<(), LifecycleError> {
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(record.to_item()))
            .condition_expression("attribute_not_exists(#id)")
            .expression_attribute_names("#id", attr::API_KEY_ID)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| LifecycleError::Aws {
                step: "write the registry item",
                failure: AwsFailure::classify(&e),
            })
    }

    /// The tenant with this key ID, read strongly consistently.
    pub(crate) async fn get(&self, id: &ApiKeyId) -> Result<Option<TenantRecord>, LifecycleError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(attr::API_KEY_ID, s(id.as_str()))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| LifecycleError::Aws {
                step: "read the registry",
                failure: AwsFailure::classify(&e),
            })?;
        output.item.as_ref().map(parse).transpose()
    }

    /// Every tenant with this name, offboarded ones included.
    ///
    /// The registry has no index on the name, so this is a Scan: fine for an
    /// operator command, and the registry holds one small item per tenant.
    pub(crate) async fn find_by_name(
        &self,
        name: &TenantName,
    ) -> Result<Vec<TenantRecord>, LifecycleError> {
        self.scan(Some(name)).await
    }

    /// Every key item of the tenant whose data is `partition` (a Scan: the
    /// registry has no index on `partitionKeyId`). Only tenants that rotated
    /// have items with the attribute; `rotate-key` writes it on the first
    /// key too, so an item without it is its tenant's only key.
    pub(crate) async fn find_by_partition(
        &self,
        partition: &ApiKeyId,
    ) -> Result<Vec<TenantRecord>, LifecycleError> {
        let mut pages = self
            .client
            .scan()
            .table_name(&self.table)
            .consistent_read(true)
            .filter_expression("#part = :part OR #id = :part")
            .expression_attribute_names("#part", attr::PARTITION_KEY_ID)
            .expression_attribute_names("#id", attr::API_KEY_ID)
            .expression_attribute_values(":part", s(partition.as_str()))
            .into_paginator()
            .send();
        let mut records = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| LifecycleError::Aws {
                step: "scan the registry",
                failure: AwsFailure::classify(&e),
            })?;
            for item in page.items() {
                let record = parse(item)?;
                if record.partition_key_id() == partition {
                    records.push(record);
                }
            }
        }
        Ok(records)
    }

    /// Whether any item has `id` as its key or as its partition: a new key
    /// with such an ID would share a partition with another tenant.
    pub(crate) async fn id_in_use(&self, id: &ApiKeyId) -> Result<bool, LifecycleError> {
        Ok(self.get(id).await?.is_some() || !self.find_by_partition(id).await?.is_empty())
    }

    /// Marks the first key of a tenant as the owner of its partition
    /// (`partitionKeyId` = its own ID, if absent) and bumps its revision:
    /// `rotate-key`'s write on the key it replaces.
    pub(crate) async fn mark_rotated(&self, id: &ApiKeyId) -> Result<(), LifecycleError> {
        self.client
            .update_item()
            .table_name(&self.table)
            .key(attr::API_KEY_ID, s(id.as_str()))
            .update_expression(
                "SET #part = if_not_exists(#part, :own), #rev = if_not_exists(#rev, :zero) + :one",
            )
            .condition_expression("attribute_exists(#id)")
            .expression_attribute_names("#part", attr::PARTITION_KEY_ID)
            .expression_attribute_names("#id", attr::API_KEY_ID)
            .expression_attribute_names("#rev", attr::REVISION)
            .expression_attribute_values(":own", s(id.as_str()))
            .expression_attribute_values(":zero", AttributeValue::N("0".into()))
            .expression_attribute_values(":one", AttributeValue::N("1".into()))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| LifecycleError::Aws {
                step: "mark the replaced key in the registry",
                failure: AwsFailure::classify(&e),
            })
    }

    /// Retires a key: status `offboarded` and `retiredAt`, revision bumped;
    /// refused (returns `false`) when the item is already offboarded.
    pub(crate) async fn retire(&self, id: &ApiKeyId, at: &str) -> Result<bool, LifecycleError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(attr::API_KEY_ID, s(id.as_str()))
            .update_expression(
                "SET #status = :off, #retired = :at, #rev = if_not_exists(#rev, :zero) + :one",
            )
            .condition_expression("attribute_exists(#id) AND #status <> :off")
            .expression_attribute_names("#status", attr::STATUS)
            .expression_attribute_names("#retired", attr::RETIRED_AT)
            .expression_attribute_names("#id", attr::API_KEY_ID)
            .expression_attribute_names("#rev", attr::REVISION)
            .expression_attribute_values(":off", s(TenantStatus::Offboarded.as_str()))
            .expression_attribute_values(":at", s(at))
            .expression_attribute_values(":zero", AttributeValue::N("0".into()))
            .expression_attribute_values(":one", AttributeValue::N("1".into()))
            .send()
            .await;
        applied(result, "mark the key retired in the registry")
    }

    /// Every tenant (a Scan of the registry).
    pub(crate) async fn all(&self) -> Result<Vec<TenantRecord>, LifecycleError> {
        self.scan(None).await
    }

    async fn scan(&self, name: Option<&TenantName>) -> Result<Vec<TenantRecord>, LifecycleError> {
        let mut request = self
            .client
            .scan()
            .table_name(&self.table)
            .consistent_read(true);
        if let Some(name) = name {
            request = request
                .filter_expression("#name = :name")
                .expression_attribute_names("#name", attr::TENANT_NAME)
                .expression_attribute_values(":name", s(name.as_str()));
        }
        let mut pages = request.into_paginator().send();
        let mut records = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| LifecycleError::Aws {
                step: "scan the registry",
                failure: AwsFailure::classify(&e),
            })?;
            for item in page.items() {
                records.push(parse(item)?);
            }
        }
        Ok(records)
    }

    /// Writes `apiKeySha256` to a record that has none (and bumps the
    /// revision); returns `false` when the record has one already (another
    /// run wrote it first) or is gone.
    pub(crate) async fn set_key_hash(
        &self,
        id: &ApiKeyId,
        hash: &ApiKeyHash,
    ) -> Result<bool, LifecycleError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(attr::API_KEY_ID, s(id.as_str()))
            .update_expression("SET #hash = :hash, #rev = if_not_exists(#rev, :zero) + :one")
            .condition_expression("attribute_exists(#id) AND attribute_not_exists(#hash)")
            .expression_attribute_names("#hash", attr::API_KEY_SHA256)
            .expression_attribute_names("#id", attr::API_KEY_ID)
            .expression_attribute_names("#rev", attr::REVISION)
            .expression_attribute_values(":hash", s(&hash.to_hex()))
            .expression_attribute_values(":zero", AttributeValue::N("0".into()))
            .expression_attribute_values(":one", AttributeValue::N("1".into()))
            .send()
            .await;
        applied(result, "write the key hash to the registry")
    }

    /// Sets the status if it is currently one of `from`; with
    /// `refused_until`, also `newSessionsRefusedUntil` in the same write, so
    /// no reader ever sees the new status without it.
    pub(crate) async fn update_status(
        &self,
        id: &ApiKeyId,
        from: &[TenantStatus],
        to: TenantStatus,
        refused_until: Option<DateTime<Utc>>,
    ) -> Result<StatusUpdate, LifecycleError> {
        const STEP: &str = "update the tenant's status in the registry";
        let placeholders: Vec<String> = (0..from.len()).map(|i| format!(":from{i}")).collect();
        // Every life-cycle write bumps the revision, so whatever a vendor
        // instance cached about the tenant is keyed on a stale value.
        let mut set = String::from("SET #status = :to, #rev = if_not_exists(#rev, :zero) + :one");
        if refused_until.is_some() {
            set.push_str(", #until = :until");
        }
        let mut request = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(attr::API_KEY_ID, s(id.as_str()))
            .update_expression(set)
            .condition_expression(format!(
                "attribute_exists(#id) AND #status IN ({})",
                placeholders.join(", ")
            ))
            .expression_attribute_names("#status", attr::STATUS)
            .expression_attribute_names("#id", attr::API_KEY_ID)
            .expression_attribute_names("#rev", attr::REVISION)
            .expression_attribute_values(":to", s(to.as_str()))
            .expression_attribute_values(":zero", AttributeValue::N("0".into()))
            .expression_attribute_values(":one", AttributeValue::N("1".into()));
        for (placeholder, status) in placeholders.iter().zip(from) {
            request = request.expression_attribute_values(placeholder, s(status.as_str()));
        }
        if let Some(until) = refused_until {
            request = request
                .expression_attribute_names("#until", attr::NEW_SESSIONS_REFUSED_UNTIL)
                .expression_attribute_values(
                    ":until",
                    s(&until.to_rfc3339_opts(SecondsFormat::Secs, true)),
                );
        }
        match request.send().await {
            Ok(_) => Ok(StatusUpdate::Changed),
            Err(e) => {
                let failure = AwsFailure::classify(&e);
                if !failure.is_condition_failed() {
                    return Err(LifecycleError::Aws {
                        step: STEP,
                        failure,
                    });
                }
                // Someone else changed it (or deleted it) since we read it.
                match self.get(id).await? {
                    Some(record) => Ok(StatusUpdate::Refused(Box::new(record))),
                    None => Err(LifecycleError::TenantNotFound(format!(
                        "with api key id {id}"
                    ))),
                }
            }
        }
    }
}

/// A conditional write's outcome: `true` when it was applied, `false` when
/// its condition refused it; any other failure is an error of `step`.
fn applied<T, E: ProvideErrorMetadata>(
    result: Result<T, SdkError<E, HttpResponse>>,
    step: &'static str,
) -> Result<bool, LifecycleError> {
    match result {
        Ok(_) => Ok(true),
        Err(e) => {
            let failure = AwsFailure::classify(&e);
            if failure.is_condition_failed() {
                Ok(false)
            } else {
                Err(LifecycleError::Aws { step, failure })
            }
        }
    }
}
