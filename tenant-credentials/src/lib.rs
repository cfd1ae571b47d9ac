//! # tenant-credentials
//!
//! The tenant's side of the credential vendor: credentials that refresh
//! themselves, for any AWS SDK and the AWS CLI, without asking the vendor
//! more than needed.
//!
//! Two ways in:
//! - [`TenantCredentialsProvider`]: a `ProvideCredentials` for aws-config.
//!   It fetches with the tenant's key and hands the SDK the expiry, so the
//!   SDK's identity cache refreshes shortly before it.
//! - The `tenant-credentials` binary: a `credential_process` for every other
//!   SDK and the CLI ([`process::run`]), with an on-disk cache
//!   ([`disk_cache`]) reused until five minutes before expiry, and served
//!   while the vendor is unreachable as long as it has not expired.
//!
//! The tour:
//! 1. [`settings`]: `CREDENTIALS_ENDPOINT`, `TENANT_API_KEY` and the optional
//!    `DURATION_SECONDS` and `SCOPE`, parsed into [`Settings`]; the key is an
//!    [`ApiKey`] that never displays itself.
//! 2. [`client`]: one `POST` to the vendor ([`VendorClient::fetch`]) on the
//!    SDK's own HTTPS stack; the 200 body is checked with the contract's
//!    [`tenant_registry::CredentialsBody`].
//! 3. [`retry`]: throttled or busy answers are retried never sooner than
//!    `Retry-After`, a bounded number of times.
//! 4. [`Error`]: refused (with the vendor's code), throttled, unreachable,
//!    or not credentials; never holding the key or a credential.

pub mod client;
pub mod disk_cache;
pub mod error;
pub mod process;
pub mod provider;
pub mod retry;
pub mod settings;

pub use client::{Vended, VendorClient};
pub use error::Error;
pub use provider::TenantCredentialsProvider;
pub use retry::RetryPolicy;
pub use settings::{ApiKey, Endpoint, Settings, VendOptions};

// Shared by the SDK across tasks: must stay Send + Sync.
const _: () = {
    const fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<TenantCredentialsProvider>();
};
