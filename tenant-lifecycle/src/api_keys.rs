//! API Gateway API keys and their usage plan membership.

use aws_sdk_apigateway::types::{Op, PatchOperation};
use tenant_registry::ApiKeyId;

use crate::LifecycleError;
use crate::input::TenantName;
use aws_failure::AwsFailure;
use tenant_registry::Secret;

/// Tag on every key tenantctl creates, so leftovers are told apart from keys
/// someone made by hand with the same name.
pub const MANAGED_BY_TAG: (&str, &str) = ("managed-by", "tenantctl");

/// The API keys of tenants, in API Gateway.
#[derive(Clone, Debug)]
pub struct ApiKeys {
    client: aws_sdk_apigateway::Client,
}

/// A freshly created key: its ID and, this once, its value.
#[derive(Debug)]
pub(crate) struct CreatedKey {
    pub(crate) id: ApiKeyId,
    pub(crate) value: Secret,
}

impl ApiKeys {
    /// Keys managed through `client`.
    pub fn new(client: aws_sdk_apigateway::Client) -> Self {
        Self { client }
    }

    /// Creates an enabled key named after the tenant.
    pub(crate) async fn create(&self, name: &TenantName) -> Result<CreatedKey, LifecycleError> {
        let output = self
            .client
            .create_api_key()
            .name(name.as_str())
            .description("tenant API key, created by tenantctl onboard")
            .enabled(true)
            .tags(MANAGED_BY_TAG.0, MANAGED_BY_TAG.1)
            .send()
            .await
            .map_err(|e| LifecycleError::Aws {
                step: "create the API key",
                failure: AwsFailure::classify(&e),
            })?;
        let raw_id = output.id().unwrap_or_default().to_owned();
        let value = output.value().map(|v| Secret::new(v.to_owned()));
        match (ApiKeyId::parse(&raw_id), value) {
            (Ok(id), Some(value)) => Ok(CreatedKey { id, value }),
            (parsed, _) => {
                // Don't leave a key we can't use; best effort, the error says why.
                if !raw_id.is_empty() {
                    let _ = self.client.delete_api_key().api_key(&raw_id).send().await;
                }
                Err(LifecycleError::UnusableApiKeyId(parsed.err().unwrap_or(
                    tenant_registry::RegistryError::MissingAttribute("value"),
                )))
            }
        }
    }

    /// IDs of keys tenantctl created with exactly this name.
    pub(crate) async fn find_by_name(
        &self,
        name: &TenantName,
    ) -> Result<Vec<ApiKeyId>, LifecycleError> {
        let mut found = Vec::new();
        let mut pages = self
            .client
            .get_api_keys()
            .name_query(name.as_str())
            .limit(500)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| LifecycleError::Aws {
                step: "look up API keys by name",
                failure: AwsFailure::classify(&e),
            })?;
            // nameQuery is a prefix match: keep exact names only.
            for key in page.items() {
                let managed = key
                    .tags()
                    .and_then(|t| t.get(MANAGED_BY_TAG.0))
                    .is_some_and(|v| v == MANAGED_BY_TAG.1);
                if key.name() == Some(name.as_str())
                    && managed
                    && let Some(Ok(id)) = key.id().map(ApiKeyId::parse)
                {
                    found.push(id);
                }
            }
        }
        Ok(found)
    }

    /// Adds the key to a usage plan; a key already in it is fine.
    pub(crate) async fn add_to_plan(
        &self,
        plan: &str,
        id: &ApiKeyId,
    ) -> Result<(), LifecycleError> {
        let result = self
            .client
            .create_usage_plan_key()
            .usage_plan_id(plan)
            .key_id(id.as_str())
            .key_type("API_KEY")
            .send()
            .await;
        match result.map_err(|e| AwsFailure::classify(&e)) {
            Ok(_) => Ok(()),
            Err(f) if f.is_conflict() => Ok(()),
            Err(failure) => Err(LifecycleError::Aws {
                step: "add the API key to the usage plan",
                failure,
            }),
        }
    }

    /// Removes the key from a usage plan; returns whether it was in it.
    pub(crate) async fn remove_from_plan(
        &self,
        plan: &str,
        id: &ApiKeyId,
    ) -> Result<bool, LifecycleError> {
        const STEP: &str = "remove the API key from its usage plan";
        // Asking first keeps a missing membership from looking like a failure.
        match self
            .client
            .get_usage_plan_key()
            .usage_plan_id(plan)
            .key_id(id.as_str())
            .send()
            .await
        {
            Ok(_) => {}
            Err(e) => {
                let failure = AwsFailure::classify(&e);
                return if failure.is_not_found() {
                    Ok(false)
                } else {
                    Err(LifecycleError::Aws {
                        step: STEP,
                        failure,
                    })
                };
            }
        }
        match self
            .client
            .delete_usage_plan_key()
            .usage_plan_id(plan)
            .key_id(id.as_str())
            .send()
            .await
        {
            Ok(_) => Ok(true),
            Err(e) => {
                let failure = AwsFailure::classify(&e);
                if failure.is_not_found() {
                    Ok(false)
                } else {
                    Err(LifecycleError::Aws {
                        step: STEP,
                        failure,
                    })
                }
            }
        }
    }

    /// The key's value, read from API Gateway (`includeValue`); `None` when
    /// the key no longer exists. Only the backfill of `apiKeySha256` reads it,
    /// to hash it: the value is never printed.
    pub(crate) async fn value(&self, id: &ApiKeyId) -> Result<Option<Secret>, LifecycleError> {
        match self
            .client
            .get_api_key()
            .api_key(id.as_str())
            .include_value(true)
            .send()
            .await
        {
            Ok(key) => Ok(key.value().map(Secret::new)),
            Err(e) => {
                let failure = AwsFailure::classify(&e);
                if failure.is_not_found() {
                    Ok(None)
                } else {
                    Err(LifecycleError::Aws {
                        step: "read the API key's value",
                        failure,
                    })
                }
            }
        }
    }

    /// Enables or disables the key.
    pub(crate) async fn set_enabled(
        &self,
        id: &ApiKeyId,
        enabled: bool,
    ) -> Result<(), LifecycleError> {
        let step = if enabled {
            "enable the API key"
        } else {
            "disable the API key"
        };
        let patch = PatchOperation::builder()
            .op(Op::Replace)
            .path("/enabled")
            .value(enabled.to_string())
            .build();
        self.client
            .update_api_key()
            .api_key(id.as_str())
            .patch_operations(patch)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| LifecycleError::Aws {
                step,
                failure: AwsFailure::classify(&e),
            })
    }

    /// Deletes the key; returns whether it existed.
    pub(crate) async fn delete(&self, id: &ApiKeyId) -> Result<bool, LifecycleError> {
        match self
            .client
            .delete_api_key()
            .api_key(id.as_str())
            .send()
            .await
        {
            Ok(_) => Ok(true),
            Err(e) => {
                let failure = AwsFailure::classify(&e);
                if failure.is_not_found() {
                    Ok(false)
                } else {
                    Err(LifecycleError::Aws {
                        step: "delete the API key",
                        failure,
                    })
                }
            }
        }
    }
}
