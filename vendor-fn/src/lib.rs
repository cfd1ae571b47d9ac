//! # vendor-fn
//!
//! The Lambda behind `GET`/`POST /credentials`: it turns the API Gateway API
//! key context of a request into temporary AWS credentials that reach only
//! that tenant's data.
//!
//! The tour, in request order:
//! 1. [`request`]: the proxy event becomes a [`CredentialRequest`]; the tenant
//!    is `requestContext.identity.apiKeyId` and nothing else.
//! 2. [`tenant_directory`]: the tenant's registry record (unknown, suspended,
//!    offboarded: 403).
//! 3. [`issuer`]: STS AssumeRole with the `api-key-id` session tag, source
//!    identity and session name from the key ID, duration by tier;
//!    [`session_cache`] wraps it, so a warm instance reuses a session it
//!    issued moments ago instead of another AssumeRole.
//! 4. [`credentials_body`]: the 200 body, valid for `credential_process` and
//!    for container credentials at once.
//!
//! [`handler::handle`] ties them together and writes one JSON log line per
//! request, which is also the request's CloudWatch metrics ([`metrics`]:
//! Embedded Metric Format, by tier); [`VendError`] says what every failure
//! looks like to the caller.
//!
//! The second binary, `key-authorizer`, is API Gateway's Lambda authorizer
//! ([`key_authorizer`], with [`key_lookup`]): it finds the tenant of the key
//! a request presents (in `x-api-key` or, as the SDKs' container-credentials
//! provider sends it, `Authorization`) and hands it to API Gateway as the
//! usage plan key. It lives here rather than in its own crate because it is
//! the vendor's front door: the same registry contract, error codes, SDK
//! settings and log rules, built and deployed with the same cargo-lambda
//! step (`--bin key-authorizer`).

pub mod config;
pub mod credentials_body;
pub mod error;
pub mod handler;
pub mod issuer;
pub mod key_authorizer;
pub mod key_lookup;
pub mod log_format;
pub mod logging;
pub mod metrics;
pub mod request;
pub mod request_body;
pub mod sdk_settings;
pub mod session_cache;
pub mod tenant_directory;

pub use config::Config;
pub use error::VendError;
pub use handler::{Vendor, handle};
pub use request::{CredentialRequest, Scope};

// Shared across concurrent invocations by reference: must stay Send + Sync.
const _: () = {
    const fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Vendor>();
};
