//! Errors of tenantctl: each one means the input was unusable (exit 2).

use std::path::PathBuf;

/// Why a command could not run on its input.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CliError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Policy(#[from] iam_eval::PolicyError),
    #[error("{path}: not valid json: {reason}")]
    Json { path: PathBuf, reason: String },
    #[error("{path}: not valid yaml: {reason}")]
    Yaml { path: PathBuf, reason: String },
    #[error("{path}: unknown placeholder ${{{name}}}; pass --param {name}=VALUE")]
    UnknownPlaceholder { path: PathBuf, name: String },
    #[error("invalid --param {0:?}: expected Name=Value")]
    Param(String),
    #[error("invalid tenant {id:?}: {reason}")]
    Tenant { id: String, reason: String },
    #[error("the audit needs at least two distinct tenants")]
    TooFewTenants,
    #[error("{operation} failed: {code}")]
    Live {
        operation: &'static str,
        code: String,
    },
    #[error("--live needs --role-arn: the deployed tenant role to simulate")]
    LiveNeedsRole,
    #[error("line {line}: {reason}")]
    SimulateInput { line: usize, reason: String },
}
