//! Errors of starting and running the whole system.

use iam_gateway::GatewayError;

/// Why the system could not start or onboard a tenant.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// The AWS stand-in (moto, its bootstrap, the gateway) failed.
    #[error(transparent)]
    Gateway(#[from] GatewayError),
    /// template.yaml, the API's usage plans, vendor-fn or onboarding failed.
    #[error("bootstrap: {0}")]
    Bootstrap(String),
    /// The listener could not be bound.
    #[error("listening on 127.0.0.1: {0}")]
    Listen(String),
}
