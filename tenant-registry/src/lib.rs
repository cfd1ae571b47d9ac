//! The tenant registry model, shared by `vendor-fn` (which reads it on every
//! vend) and `tenantctl` (which writes it when operators onboard, suspend or
//! offboard tenants).
//!
//! - [`ApiKeyId`]: the tenant's identity. It is the API Gateway API key ID, the
//!   registry's partition key, the `api-key-id` session tag and the tenant's
//!   data partition at once, so it admits only what is safe in all of those.
//! - [`TenantRecord`]: one registry item, mapped to and from DynamoDB
//!   attributes exactly once, here.
//! - [`Tier`], [`TenantStatus`], [`Isolation`]: the closed sets DESIGN.md names.

mod api_key_id;
mod error;
mod record;
mod tenant_enums;

pub use api_key_id::ApiKeyId;
pub use error::RegistryError;
pub use record::{TenantRecord, attr};
pub use tenant_enums::{Isolation, TenantStatus, Tier};
