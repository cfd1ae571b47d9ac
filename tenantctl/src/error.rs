//! Errors of tenantctl: each one means the input was unusable (exit 2).

use isolation_audit::AuditError;

/// Why a command could not run on its input.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CliError {
    #[error("{}", audit_message(.0))]
    Audit(#[from] AuditError),
    #[error("start failed: {0}")]
    Runtime(std::io::Error),
    #[error("--live needs --role-arn: the deployed tenant role to simulate")]
    LiveNeedsRole,
    #[error("line {line}: {reason}")]
    SimulateInput { line: usize, reason: String },
}

/// The library's message, in the CLI's words where the fix is a flag.
fn audit_message(e: &AuditError) -> String {
    match e {
        AuditError::Param(raw) => format!("invalid --param {raw:?}: expected Name=Value"),
        AuditError::UnknownPlaceholder {
            path: Some(path),
            name,
        } => format!(
            "{}: unknown placeholder ${{{name}}}; pass --param {name}=VALUE",
            path.display()
        ),
        other => other.to_string(),
    }
}
