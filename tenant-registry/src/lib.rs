//! The contract of the tenant credential vendor, in one place: everything
//! vendor-fn, tenant-lifecycle (and tenantctl), the AWS stand-in and the
//! tenant's side must agree on.
//!
//! - [`ApiKeyId`]: the tenant's identity. It is the API Gateway API key ID, the
//!   registry's partition key, the `api-key-id` session tag and the tenant's
//!   data partition at once, so it admits only what is safe in all of those.
//! - [`TenantRecord`]: one registry item, mapped to and from DynamoDB
//!   attributes exactly once, here ([`attr`] names them).
//! - [`Tier`], [`TenantStatus`], [`Isolation`]: the closed sets DESIGN.md names.
//! - [`Scope`]: what a credentials request may ask for (`read-write`, `read-only`).
//! - [`SESSION_TAG_KEY`] and the session duration bounds
//!   ([`MIN_SESSION_SECONDS`], [`MAX_CHAINED_SESSION_SECONDS`]).
//! - The data layout the policies expect: [`PARTITION_KEY`], [`SORT_KEY`],
//!   [`silo_table_name`], [`s3_prefix`].
//! - [`CredentialsBody`]: the 200 body of the credentials API, written by
//!   vendor-fn and read (and checked) by every client.
//! - [`ApiKeyHash`]: `apiKeySha256`, how the registry recognises a key
//!   value without holding it (constant-time comparison), and
//!   [`API_KEY_HASH_INDEX`], the registry index the key authorizer queries.
//! - [`Secret`]: the workspace's one type for secret values; its `Debug` is
//!   `[redacted]` and it has no `Display`.

mod api_key_hash;
mod api_key_id;
mod credentials_body;
mod data_layout;
mod error;
mod record;
mod scope;
mod secret;
mod session;
mod tenant_enums;

pub use api_key_hash::ApiKeyHash;
pub use api_key_id::ApiKeyId;
pub use credentials_body::{CREDENTIALS_BODY_VERSION, CredentialsBody, Resources, TenantSummary};
pub use data_layout::{
    PARTITION_KEY, SILO_TABLE_INDEXES, SORT_KEY, SecondaryIndex, s3_prefix, silo_table_name,
};
pub use error::RegistryError;
pub use record::{API_KEY_HASH_INDEX, TenantRecord, attr};
pub use scope::Scope;
pub use secret::Secret;
pub use session::{MAX_CHAINED_SESSION_SECONDS, MIN_SESSION_SECONDS, SESSION_TAG_KEY};
pub use tenant_enums::{Isolation, TenantStatus, Tier};
