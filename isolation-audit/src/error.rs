//! The one error type of the audit: every way its input can be unusable.

use std::path::{Path, PathBuf};

/// Why the audit (or placeholder filling, or loading a document) could not
/// run on its input. None of these is a finding: a policy that breaks
/// isolation is reported in an [`AuditReport`](crate::AuditReport), not here.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuditError {
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// A document is JSON but not an IAM policy `iam-eval` accepts.
    #[error("{0}")]
    Policy(#[from] iam_eval::PolicyError),
    /// A policy file is not JSON.
    #[error("{path}: not valid json: {reason}")]
    Json {
        /// The file.
        path: PathBuf,
        /// The parser's message.
        reason: String,
    },
    /// The template is not YAML.
    #[error("{path}: not valid yaml: {reason}")]
    Yaml {
        /// The file.
        path: PathBuf,
        /// The parser's message.
        reason: String,
    },
    /// A `${Name}` placeholder has no value.
    #[error("{}no value for placeholder ${{{name}}}", in_file(.path.as_deref()))]
    UnknownPlaceholder {
        /// The document it is in, when filling a file.
        path: Option<PathBuf>,
        /// The placeholder's name, without `${` and `}`.
        name: String,
    },
    /// A `${` without its closing `}`.
    #[error("{}unterminated ${{ in {text:?}", in_file(.path.as_deref()))]
    UnterminatedPlaceholder {
        /// The document it is in, when filling a file.
        path: Option<PathBuf>,
        /// The text from the `${` on (at most 40 characters).
        text: String,
    },
    /// A placeholder value override is not `Name=Value`.
    #[error("invalid parameter {0:?}: expected Name=Value")]
    Param(String),
    /// A tenant is not a valid API key ID.
    #[error("invalid tenant {id:?}: {reason}")]
    Tenant {
        /// The tenant as given.
        id: String,
        /// Why it is not an API key ID.
        reason: String,
    },
    /// Isolation needs someone to be isolated from.
    #[error("the audit needs at least two distinct tenants")]
    TooFewTenants,
    /// IAM's policy simulator refused a call (`--live`).
    #[error("{operation} failed: {code}")]
    Live {
        /// The IAM operation.
        operation: &'static str,
        /// The AWS error code (never the message text).
        code: String,
    },
}

impl AuditError {
    /// The same error, located in `path` (placeholder errors only).
    pub(crate) fn in_file(self, path: &Path) -> Self {
        match self {
            Self::UnknownPlaceholder { path: None, name } => Self::UnknownPlaceholder {
                path: Some(path.to_owned()),
                name,
            },
            Self::UnterminatedPlaceholder { path: None, text } => Self::UnterminatedPlaceholder {
                path: Some(path.to_owned()),
                text,
            },
            other => other,
        }
    }
}

fn in_file(path: Option<&Path>) -> String {
    path.map(|p| format!("{}: ", p.display()))
        .unwrap_or_default()
}
