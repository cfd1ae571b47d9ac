//! The crate's one error type, and the exit code each error means.

use tenant_registry::{ApiKeyId, RegistryError, TenantStatus};

use aws_failure::AwsFailure;

/// Exit codes scripts can rely on (`tenantctl` returns these).
pub mod exit_code {
    /// Done.
    pub const OK: u8 = 0;
    /// Bad input or missing configuration (also clap's code for usage errors).
    pub const INVALID_INPUT: u8 = 2;
    /// No such tenant.
    pub const NOT_FOUND: u8 = 3;
    /// Duplicate name, or the tenant's status does not allow the command.
    pub const CONFLICT: u8 = 4;
    /// An AWS call failed; nothing was left half-done.
    pub const AWS_FAILED: u8 = 5;
    /// An AWS call failed and some changes remain: re-run the same command.
    pub const INCOMPLETE: u8 = 6;
}

/// Why a life-cycle command failed. Messages carry AWS error codes, names and
/// API key IDs, never an API key value or AWS's message text.
#[derive(Debug, thiserror::Error)]
pub enum LifecycleError {
    /// An operator input is not acceptable.
    #[error("invalid {field}: {reason}")]
    InvalidInput {
        /// The input's name (as the CLI calls it).
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// A resource name the command needs is not configured.
    #[error("no {what} configured: pass {flag}, set {env}, or use --stack")]
    MissingResource {
        /// What is missing.
        what: &'static str,
        /// The CLI flag that sets it.
        flag: &'static str,
        /// The environment variable that sets it.
        env: &'static str,
    },
    /// Another tenant that is not offboarded has this name.
    #[error("a tenant named {name:?} already exists (api key id {api_key_id}, {status})")]
    DuplicateName {
        /// The name asked for.
        name: String,
        /// The existing tenant.
        api_key_id: ApiKeyId,
        /// Its status.
        status: TenantStatus,
    },
    /// No tenant has this API key ID or name.
    #[error("no tenant {0}")]
    TenantNotFound(String),
    /// More than one tenant that is not offboarded has this name.
    #[error("{count} tenants are named {name:?}; name one by its api key id")]
    AmbiguousName {
        /// The name.
        name: String,
        /// How many tenants carry it.
        count: usize,
    },
    /// The tenant's status does not allow the command.
    #[error("tenant {api_key_id} is {status}; {command} {needs}")]
    WrongState {
        /// The tenant.
        api_key_id: ApiKeyId,
        /// Its current status.
        status: TenantStatus,
        /// The command refused.
        command: &'static str,
        /// What the command needs.
        needs: &'static str,
    },
    /// An AWS call failed.
    #[error("{step} failed: {failure}")]
    Aws {
        /// What the command was doing.
        step: &'static str,
        /// AWS's error code and its meaning.
        failure: AwsFailure,
    },
    /// A registry item cannot be read.
    #[error("registry item {api_key_id} is invalid: {source}")]
    InvalidRecord {
        /// The item's key, as stored.
        api_key_id: String,
        /// What is wrong.
        source: RegistryError,
    },
    /// API Gateway issued a key ID the vendor could not use.
    #[error("api gateway returned an unusable api key id: {0}")]
    UnusableApiKeyId(RegistryError),
    /// A silo table did not become active in time.
    #[error("table {table} is not active after {waited_seconds} s")]
    TableNotActive {
        /// The table.
        table: String,
        /// How long we waited.
        waited_seconds: u64,
    },
    /// The tenant role's inline policies have no room for another
    /// revocation, even after expired ones were pruned.
    #[error(
        "no room for another session revocation: {in_force} are in force and the role's inline \
         policies would use {used} of IAM's {quota} characters; revocations expire an hour and \
         five minutes after their deadline"
    )]
    RevocationCapacity {
        /// Revocations (tenant or key, deadline) already in force.
        in_force: usize,
        /// Characters the inline policies would use.
        used: usize,
        /// IAM's quota.
        quota: usize,
    },
    /// The revocations policy holds something tenantctl did not write.
    #[error(
        "the inline policy {policy} on the tenant role is not as tenantctl writes it: {reason}"
    )]
    RevocationsUnreadable {
        /// The policy's name.
        policy: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// An onboarding step failed; `undone` lists what was rolled back and
    /// `left_behind` what could not be (re-running onboard cleans that up).
    #[error("{}", onboard_failed_message(cause, undone, left_behind))]
    OnboardFailed {
        /// The failure that stopped onboarding.
        cause: Box<LifecycleError>,
        /// Steps rolled back.
        undone: Vec<String>,
        /// Steps that could not be rolled back.
        left_behind: Vec<String>,
    },
    /// `rotate-key` on a tenant that already has a newer key waiting for
    /// its predecessor to be retired.
    #[error(
        "api key {api_key_id} already replaces {previous}: retire {previous} first (tenantctl retire-key --api-key-id {previous}); if its value was lost, read it with aws apigateway get-api-key --api-key {api_key_id} --include-value"
    )]
    RotationPending {
        /// The newer key.
        api_key_id: ApiKeyId,
        /// The key it replaces.
        previous: ApiKeyId,
    },
    /// `retire-key` on the tenant's current key.
    #[error("api key {0} is the tenant's current key; rotate-key first, then retire the old one")]
    CurrentKey(ApiKeyId),
    /// API Gateway issued a key ID that is already a registry key or a
    /// tenant's partition: using it would let two tenants share data.
    #[error("api gateway issued key id {0}, which is already a key or a partition in the registry")]
    PartitionCollision(ApiKeyId),
    /// A `rotate-key` step failed; `undone` lists what was rolled back and
    /// `left_behind` what could not be (re-running rotate-key cleans up).
    #[error("{}", rotate_failed_message(cause, undone, left_behind))]
    RotateFailed {
        /// The failure that stopped the rotation.
        cause: Box<LifecycleError>,
        /// Steps rolled back.
        undone: Vec<String>,
        /// Steps that could not be rolled back.
        left_behind: Vec<String>,
    },
    /// The registry changed but a later step failed: the command is
    /// idempotent, so re-running it finishes the job.
    #[error("{cause}; already done: {}; re-run the same command to finish", done.join(", "))]
    PartiallyApplied {
        /// What succeeded.
        done: Vec<String>,
        /// The failure.
        cause: Box<LifecycleError>,
    },
}

fn onboard_failed_message(
    cause: &LifecycleError,
    undone: &[String],
    left_behind: &[String],
) -> String {
    let mut message = format!("onboarding failed: {cause}");
    if !undone.is_empty() {
        message = format!("{message}; rolled back: {}", undone.join(", "));
    }
    if !left_behind.is_empty() {
        message = format!(
            "{message}; could not roll back: {}; re-run the same onboard command to clean up",
            left_behind.join(", ")
        );
    }
    message
}

fn rotate_failed_message(
    cause: &LifecycleError,
    undone: &[String],
    left_behind: &[String],
) -> String {
    let mut message = format!("key rotation failed: {cause}");
    if !undone.is_empty() {
        message = format!("{message}; rolled back: {}", undone.join(", "));
    }
    if !left_behind.is_empty() {
        message = format!(
            "{message}; could not roll back: {}; re-run the same rotate-key command to clean up",
            left_behind.join(", ")
        );
    }
    message
}

impl LifecycleError {
    /// The process exit code for this error (see [`exit_code`]).
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::InvalidInput { .. } | Self::MissingResource { .. } => exit_code::INVALID_INPUT,
            Self::TenantNotFound(_) => exit_code::NOT_FOUND,
            Self::DuplicateName { .. }
            | Self::AmbiguousName { .. }
            | Self::WrongState { .. }
            | Self::RotationPending { .. }
            | Self::CurrentKey(_) => exit_code::CONFLICT,
            Self::Aws { .. }
            | Self::InvalidRecord { .. }
            | Self::UnusableApiKeyId(_)
            | Self::TableNotActive { .. }
            | Self::RevocationCapacity { .. }
            | Self::RevocationsUnreadable { .. }
            | Self::PartitionCollision(_) => exit_code::AWS_FAILED,
            Self::RotateFailed { left_behind, .. } if left_behind.is_empty() => {
                exit_code::AWS_FAILED
            }
            Self::OnboardFailed { left_behind, .. } if left_behind.is_empty() => {
                exit_code::AWS_FAILED
            }
            Self::OnboardFailed { .. }
            | Self::RotateFailed { .. }
            | Self::PartiallyApplied { .. } => exit_code::INCOMPLETE,
        }
    }
}
