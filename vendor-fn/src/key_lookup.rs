//! The key authorizer's registry lookup: a tenant by the hash of its key
//! value, through the registry's index on `apiKeySha256`.

use aws_failure::AwsFailure;
use aws_sdk_dynamodb::types::AttributeValue;
use tenant_registry::{API_KEY_HASH_INDEX, ApiKeyHash, RegistryError, TenantRecord, attr};

use crate::VendError;

/// Finds registry records by key hash (a Query on [`API_KEY_HASH_INDEX`],
/// the one action the authorizer's role allows).
#[derive(Clone, Debug)]
pub struct KeyLookup {
    client: aws_sdk_dynamodb::Client,
    table: String,
}

impl KeyLookup {
    /// A lookup over `table`'s index, with a client built once in `main`.
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    /// The record whose `apiKeySha256` is `hash`, or `None`.
    ///
    /// The index is eventually consistent (a GSI can't be read strongly):
    /// a key onboarded a moment ago may be unknown for a moment, and one
    /// suspended a moment ago may still pass here; vendor-fn reads the
    /// record strongly consistently after this and refuses it then.
    ///
    /// # Errors
    /// [`VendError::Registry`] when DynamoDB fails; [`VendError::TenantRecordInvalid`]
    /// when an item can't be read, or two items share the hash (keys are
    /// random, so that is corruption, never a tenant to pick).
    pub async fn find(&self, hash: &ApiKeyHash) -> Result<Option<TenantRecord>, VendError> {
        let output = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(API_KEY_HASH_INDEX)
            .key_condition_expression("#h = :h")
            .expression_attribute_names("#h", attr::API_KEY_SHA256)
            .expression_attribute_values(":h", AttributeValue::S(hash.to_hex()))
            // Two are enough to see that there is more than one.
            .limit(2)
            .send()
            .await
            .map_err(|e| VendError::Registry(AwsFailure::classify(&e)))?;
        match output.items() {
            [] => Ok(None),
            [item] => TenantRecord::try_from(item)
                .map(Some)
                .map_err(VendError::TenantRecordInvalid),
            _ => Err(VendError::TenantRecordInvalid(
                RegistryError::InvalidAttribute {
                    name: attr::API_KEY_SHA256,
                    reason: "two registry items share this key hash".into(),
                },
            )),
        }
    }
}
