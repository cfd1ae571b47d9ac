//! The 200 body for one tenant: the contract's [`CredentialsBody`], with the
//! resources this deployment names back to the tenant.

use tenant_registry::{
    CredentialsBody, Isolation, Resources, TenantRecord, TenantSummary, s3_prefix, silo_table_name,
};

use crate::Config;
use crate::issuer::IssuedCredentials;

/// The resources `tenant` reaches under this deployment's configuration:
/// its table (the pooled one, or its silo), its partition key value and,
/// when a bucket is configured, its prefix there; all by its
/// `partitionKeyId`, which a rotated key shares with the first.
pub fn resources(config: &Config, tenant: &TenantRecord) -> Resources {
    let id = tenant.partition_key_id();
    let dynamo_db_table = match tenant.isolation {
        Isolation::Pooled => config.data_table.clone(),
        Isolation::Siloed => config
            .silo_table_prefix
            .as_deref()
            .map(|prefix| silo_table_name(prefix, id)),
    };
    Resources {
        dynamo_db_table,
        partition_key: id.to_string(),
        s3_prefix: config.data_bucket.as_ref().map(|_| s3_prefix(id)),
        s3_bucket: config.data_bucket.clone(),
    }
}

/// The body for credentials issued to `tenant`.
pub fn for_tenant(
    creds: IssuedCredentials,
    region: &str,
    config: &Config,
    tenant: &TenantRecord,
) -> CredentialsBody {
    CredentialsBody::new(
        creds.access_key_id,
        creds.secret_access_key,
        creds.session_token,
        creds.expiration,
        region.to_owned(),
        TenantSummary {
            api_key_id: tenant.api_key_id.clone(),
            tier: tenant.tier,
        },
        resources(config, tenant),
    )
}
