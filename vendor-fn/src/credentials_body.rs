//! The 200 body: at once `credential_process` output and a container
//! credentials response, so any AWS SDK consumes it unchanged.

use serde::Serialize;
use tenant_registry::{Isolation, TenantRecord, Tier};

use crate::Config;
use crate::issuer::IssuedCredentials;
use crate::secret::Secret;

/// The response body of a successful vend (DESIGN.md, "Contracts").
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CredentialsBody<'a> {
    /// `credential_process` format version; always 1.
    pub version: u8,
    /// Access key ID.
    pub access_key_id: &'a str,
    /// Secret access key.
    pub secret_access_key: &'a Secret,
    /// Session token (`credential_process` name).
    pub session_token: &'a Secret,
    /// Session token again (container credentials name).
    pub token: &'a Secret,
    /// RFC 3339 expiry.
    pub expiration: &'a str,
    /// Region the tenant's data lives in.
    pub region: &'a str,
    /// Who these credentials are for.
    pub tenant: TenantSummary<'a>,
    /// Where the tenant's data lives.
    pub resources: Resources,
}

/// The tenant part of the body.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TenantSummary<'a> {
    /// The tenant's API key ID.
    pub api_key_id: &'a str,
    /// Its tier.
    pub tier: Tier,
}

/// The resources the credentials reach, named so a tenant SDK needs no other
/// configuration. Absent fields are omitted, not null.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Resources {
    /// The table holding the tenant's items (pooled or its own silo).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dynamo_db_table: Option<String>,
    /// The partition key value the tenant's items must use.
    pub partition_key: String,
    /// The tenant bucket.
    #[serde(rename = "S3Bucket", skip_serializing_if = "Option::is_none")]
    pub s3_bucket: Option<String>,
    /// The tenant's prefix in the bucket, with its trailing slash.
    #[serde(rename = "S3Prefix", skip_serializing_if = "Option::is_none")]
    pub s3_prefix: Option<String>,
}

impl Resources {
    /// The resources for `tenant` under this deployment's configuration.
    pub fn for_tenant(config: &Config, tenant: &TenantRecord) -> Self {
        let id = tenant.api_key_id.as_str();
        let dynamo_db_table = match tenant.isolation {
            Isolation::Pooled => config.data_table.clone(),
            Isolation::Siloed => config
                .silo_table_prefix
                .as_ref()
                .map(|p| format!("{p}-{id}")),
        };
        Self {
            dynamo_db_table,
            partition_key: id.to_owned(),
            s3_prefix: config.data_bucket.as_ref().map(|_| format!("{id}/")),
            s3_bucket: config.data_bucket.clone(),
        }
    }
}

impl<'a> CredentialsBody<'a> {
    /// Assembles the body from issued credentials.
    pub fn new(
        creds: &'a IssuedCredentials,
        region: &'a str,
        tenant: &'a TenantRecord,
        resources: Resources,
    ) -> Self {
        Self {
            version: 1,
            access_key_id: &creds.access_key_id,
            secret_access_key: &creds.secret_access_key,
            session_token: &creds.session_token,
            token: &creds.session_token,
            expiration: &creds.expiration,
            region,
            tenant: TenantSummary {
                api_key_id: tenant.api_key_id.as_str(),
                tier: tenant.tier,
            },
            resources,
        }
    }
}
