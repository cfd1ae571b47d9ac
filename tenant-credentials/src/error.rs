//! The crate's one error type.
//!
//! The variants keep apart what a caller does differently: a refusal (fix
//! the key or call the operator; retrying won't help), throttling (wait the
//! time the vendor said), an unreachable vendor (the network, or the vendor
//! is down), and an answer that is not credentials. No variant holds the API
//! key or a credential: every field is safe to print.

use std::path::PathBuf;
use std::time::Duration;

/// Why credentials could not be had.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A setting is missing or invalid (an environment variable, a flag).
    #[error("{setting} {problem}")]
    Config {
        /// The variable or option, by name.
        setting: &'static str,
        /// What is wrong with it (never its value when it is the key).
        problem: String,
    },
    /// The vendor answered and refused: a 4xx or a 5xx that is not worth
    /// retrying. `code` is the vendor's error code (`TenantSuspended`, …), or
    /// API Gateway's message (`Forbidden`) when the request never reached it.
    #[error("the credentials vendor refused the request ({status} {code}){}", detail(message.as_deref()))]
    Refused {
        /// HTTP status.
        status: u16,
        /// The vendor's code.
        code: String,
        /// The vendor's fixed message, when it sent one.
        message: Option<String>,
    },
    /// The vendor said to come back later (429, or 503 with its retryable
    /// codes) and still did after the retries the policy allows, or asked
    /// for a longer wait than the policy would take.
    #[error("the credentials vendor is throttling or busy ({status} {code}) after {attempts} attempt(s){}", retry_hint(*retry_after))]
    Throttled {
        /// HTTP status of the last answer.
        status: u16,
        /// The vendor's code, or API Gateway's message.
        code: String,
        /// The `Retry-After` of the last answer.
        retry_after: Option<Duration>,
        /// How many requests were sent.
        attempts: u32,
    },
    /// No answer: connection refused, DNS, TLS, or a timeout.
    #[error("the credentials vendor is unreachable: {reason}")]
    Unreachable {
        /// What the transport said (it never carries request headers).
        reason: String,
    },
    /// A 200 whose body is not valid credentials.
    #[error("the credentials vendor's answer is not valid credentials: {reason}")]
    InvalidResponse {
        /// Which rule the body broke (never the body: it holds secrets).
        reason: String,
    },
    /// The on-disk cache cannot be used.
    #[error("credentials cache {}: {problem}", path.display())]
    Cache {
        /// The file or directory.
        path: PathBuf,
        /// What went wrong.
        problem: String,
    },
}

fn detail(message: Option<&str>) -> String {
    message.map(|m| format!(": {m}")).unwrap_or_default()
}

fn retry_hint(retry_after: Option<Duration>) -> String {
    retry_after
        .map(|d| format!("; it asks to retry after {} s", d.as_secs()))
        .unwrap_or_default()
}

impl Error {
    /// Whether serving still-valid cached credentials is the right answer:
    /// the vendor could not be asked, as opposed to having said no.
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Throttled { .. } | Self::Unreachable { .. })
    }

    /// The exit status of the `tenant-credentials` binary for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Refused { .. } => 1,
            Self::Config { .. } => 2,
            Self::Throttled { .. } | Self::Unreachable { .. } => 3,
            Self::InvalidResponse { .. } => 4,
            Self::Cache { .. } => 5,
        }
    }
}

impl From<Error> for aws_credential_types::provider::error::CredentialsError {
    fn from(err: Error) -> Self {
        use aws_credential_types::provider::error::CredentialsError;
        match err {
            Error::Config { .. } => CredentialsError::invalid_configuration(err),
            _ => CredentialsError::provider_error(err),
        }
    }
}
