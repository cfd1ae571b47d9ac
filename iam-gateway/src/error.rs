//! Errors of the gateway's own operation (not the AWS errors it answers with).

/// Why the gateway could not start or reach its store.
#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    /// `moto_server` is not installed in the project's venv.
    #[error("moto_server not found at {path}; install it with: {install}")]
    MotoMissing {
        /// Where it was looked for.
        path: String,
        /// The command that installs it.
        install: &'static str,
    },
    /// moto did not start or answer.
    #[error("moto did not start: {0}")]
    MotoStart(String),
    /// A request to moto failed.
    #[error("moto request failed: {0}")]
    Moto(String),
    /// moto answered an IAM call with an AWS error code.
    #[error("moto refused iam {action}: {code}")]
    MotoRefused {
        /// The IAM action.
        action: String,
        /// The AWS error code.
        code: String,
    },
    /// policies/ or template.yaml could not be read or used.
    #[error("bootstrap: {0}")]
    Bootstrap(String),
    /// The listener could not be bound.
    #[error("listening on 127.0.0.1: {0}")]
    Listen(String),
}
