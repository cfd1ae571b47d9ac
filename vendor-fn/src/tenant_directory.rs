//! Tenant lookup in the registry table.

use aws_sdk_dynamodb::types::AttributeValue;
use tenant_registry::{ApiKeyId, TenantRecord, attr};

use aws_failure::AwsFailure;

use crate::VendError;

/// Reads tenant records from the registry table.
///
/// No cache: every vend reads the record with a strongly consistent GetItem,
/// so a suspension or offboarding refuses the very next request. Credentials
/// already issued live until they expire (at most one hour) unless the
/// operator also revokes the tenant's sessions.
#[derive(Clone, Debug)]
pub struct TenantDirectory {
    client: aws_sdk_dynamodb::Client,
    table: String,
}

impl TenantDirectory {
    /// A directory over `table`, using a client built once in `main`.
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    /// The tenant's record, or `None` when the key ID is not registered.
    ///
    /// # Errors
    /// [`VendError::Registry`] when DynamoDB fails, [`VendError::TenantRecordInvalid`]
    /// when the stored item cannot be read.
    pub async fn find(&self, id: &ApiKeyId) -> Result<Option<TenantRecord>, VendError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(attr::API_KEY_ID, AttributeValue::S(id.as_str().to_owned()))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| VendError::Registry(AwsFailure::classify(&e)))?;
        let Some(item) = output.item else {
            return Ok(None);
        };
        let record = TenantRecord::try_from(&item).map_err(VendError::TenantRecordInvalid)?;
        // A record stored under one key but naming another would hand out
        // credentials for the wrong partition: refuse it.
        if record.api_key_id != *id {
            return Err(VendError::TenantRecordInvalid(
                tenant_registry::RegistryError::InvalidAttribute {
                    name: attr::API_KEY_ID,
                    reason: "does not match the item's key".into(),
                },
            ));
        }
        Ok(Some(record))
    }
}
