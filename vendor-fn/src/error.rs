//! The crate's one error type and what each error looks like to a caller.
//!
//! Every variant maps to a status, a stable `code` and a fixed message. No
//! message carries internal error text, a value from the request, or another
//! tenant's ARN: internal detail goes to the log line, never the response.

use aws_failure::{AwsFailure, FailureKind};
use tenant_registry::RegistryError;

/// Why a vend failed (or why the function could not start).
#[derive(Debug, thiserror::Error)]
pub enum VendError {
    /// A configuration variable is missing or invalid (start-up only).
    #[error("configuration variable {variable} {problem}")]
    Config {
        /// The variable's name.
        variable: &'static str,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// The Lambda event is not an API Gateway REST proxy event.
    #[error("malformed event at line {line} column {column}")]
    MalformedEvent {
        /// Where parsing stopped (serde's message is not kept: it can quote input).
        line: usize,
        /// Where parsing stopped.
        column: usize,
    },
    /// No such route.
    #[error("no route for this path")]
    NotFound,
    /// The route exists but not for this method.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// The POST body is not a JSON object of the documented shape.
    #[error("malformed body: {0}")]
    MalformedBody(&'static str),
    /// The POST body names a field the API does not know.
    // Display goes to the log line: the name stays out of it (it is caller
    // text and could be anything); the response names it.
    #[error("unknown field in the body")]
    UnknownField(crate::request_body::FieldName),
    /// The POST body gives a field twice.
    #[error("field {0} given twice in the body")]
    DuplicateField(&'static str),
    /// The POST body is larger than the API reads.
    #[error("body larger than {limit} bytes")]
    BodyTooLarge {
        /// The limit, which the message tells the caller.
        limit: usize,
    },
    /// `durationSeconds` outside 900..=the tier's maximum.
    #[error("duration out of range for tier (max {max})")]
    InvalidDuration {
        /// The tier's ceiling, which the message tells the caller.
        max: u32,
    },
    /// `scope` is not `read-write` or `read-only`.
    #[error("invalid scope")]
    InvalidScope,
    /// The request carries no API key context: not called through an API key route.
    #[error("no api key id in the request context")]
    MissingApiKeyContext,
    /// The key ID in the request context is not a safe API key ID.
    #[error("api key id in the request context is invalid")]
    InvalidApiKeyId(#[source] RegistryError),
    /// No registry item for this key ID.
    #[error("tenant not registered")]
    UnknownTenant,
    /// The presented key value does not hash to the record's `apiKeySha256`.
    // Display goes to the log line: nothing of the presented value.
    #[error("the presented api key does not match the registry's hash")]
    InvalidApiKey,
    /// The record has no `apiKeySha256`: it was written before the hash
    /// existed. Refused, never trusted; the operator backfills it.
    #[error("the registry record has no api key hash")]
    KeyHashMissing,
    /// The tenant is suspended.
    #[error("tenant suspended")]
    TenantSuspended,
    /// The tenant is offboarded.
    #[error("tenant offboarded")]
    TenantOffboarded,
    /// This key was retired (`retire-key`); the tenant's current key vends.
    #[error("api key retired")]
    KeyRetired,
    /// The tenant was resumed moments after `suspend --revoke-sessions`:
    /// a session issued now would still fall under that revocation.
    #[error("new sessions refused while a session revocation is in force")]
    NewSessionsRefused {
        /// Seconds until a new session would be honoured.
        retry_after: u32,
    },
    /// The registry item exists but cannot be read.
    #[error("registry item is invalid")]
    TenantRecordInvalid(#[source] RegistryError),
    /// GetItem on the registry failed.
    #[error("registry lookup failed: {0}")]
    Registry(AwsFailure),
    /// AssumeRole failed.
    #[error("sts assume role failed: {0}")]
    Sts(AwsFailure),
}

/// Seconds a caller is told to wait before retrying a retryable failure.
pub const RETRY_AFTER_SECONDS: u32 = 1;

impl VendError {
    /// HTTP status for the caller.
    pub fn status(&self) -> u16 {
        match self {
            Self::MalformedEvent { .. }
            | Self::MalformedBody(_)
            | Self::UnknownField(_)
            | Self::DuplicateField(_)
            | Self::InvalidDuration { .. }
            | Self::InvalidScope => 400,
            Self::BodyTooLarge { .. } => 413,
            Self::MissingApiKeyContext
            | Self::InvalidApiKeyId(_)
            | Self::UnknownTenant
            | Self::InvalidApiKey
            | Self::TenantSuspended
            | Self::TenantOffboarded
            | Self::KeyRetired => 403,
            Self::NotFound => 404,
            Self::MethodNotAllowed => 405,
            Self::Config { .. } | Self::TenantRecordInvalid(_) | Self::KeyHashMissing => 500,
            Self::NewSessionsRefused { .. } => 503,
            Self::Registry(f) | Self::Sts(f) => match Class::of(f) {
                Class::Retryable => 503,
                Class::AccessDenied | Class::Misconfigured => 500,
                Class::Rejected => 502,
            },
        }
    }

    /// Stable machine-readable code for the caller.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Config { .. } => "VendorMisconfigured",
            Self::MalformedEvent { .. } => "MalformedEvent",
            Self::NotFound => "NotFound",
            Self::MethodNotAllowed => "MethodNotAllowed",
            Self::MalformedBody(_) => "MalformedRequest",
            Self::UnknownField(_) => "UnknownField",
            Self::DuplicateField(_) => "DuplicateField",
            Self::BodyTooLarge { .. } => "RequestTooLarge",
            Self::InvalidDuration { .. } => "InvalidDuration",
            Self::InvalidScope => "InvalidScope",
            Self::MissingApiKeyContext => "MissingApiKey",
            Self::InvalidApiKeyId(_) => "InvalidApiKeyId",
            Self::UnknownTenant => "UnknownTenant",
            Self::InvalidApiKey => "InvalidApiKey",
            Self::KeyHashMissing => "TenantKeyHashMissing",
            Self::TenantSuspended => "TenantSuspended",
            Self::TenantOffboarded => "TenantOffboarded",
            Self::KeyRetired => "ApiKeyRetired",
            Self::TenantRecordInvalid(_) => "TenantRecordInvalid",
            Self::NewSessionsRefused { .. } => "NewSessionsRefused",
            Self::Registry(f) => match (f.kind, Class::of(f)) {
                (FailureKind::Throttled, _) => "RegistryThrottled",
                (_, Class::Retryable) => "RegistryUnavailable",
                (_, Class::AccessDenied | Class::Misconfigured) => "RegistryMisconfigured",
                (_, Class::Rejected) => "RegistryFailed",
            },
            Self::Sts(f) => match (f.kind, Class::of(f)) {
                (FailureKind::Throttled, _) => "StsThrottled",
                (_, Class::Retryable) => "StsUnavailable",
                (_, Class::AccessDenied) => "StsAccessDenied",
                (_, Class::Misconfigured) => "StsMisconfigured",
                (_, Class::Rejected) => "StsFailed",
            },
        }
    }

    /// Fixed, caller-safe message. Never built from request data or AWS error text.
    pub fn public_message(&self) -> String {
        let retry = "retryable: try again shortly";
        match self {
            Self::Config { .. } => "the credential vendor is misconfigured".into(),
            Self::MalformedEvent { .. } => "the request is not an API Gateway proxy request".into(),
            Self::NotFound => "no such resource; use /credentials".into(),
            Self::MethodNotAllowed => "use GET or POST on /credentials".into(),
            Self::MalformedBody(reason) => format!("malformed request body: {reason}"),
            Self::UnknownField(name) => format!(
                "unknown field \"{name}\" in the request body; the fields are {}",
                crate::request_body::FIELDS.join(", ")
            ),
            Self::DuplicateField(name) => {
                format!("the field \"{name}\" is given more than once in the request body")
            }
            Self::BodyTooLarge { limit } => {
                format!("the request body is larger than {limit} bytes")
            }
            Self::InvalidDuration { max } => {
                format!(
                    "durationSeconds must be an integer from 900 to {max} for this tenant's tier"
                )
            }
            Self::InvalidScope => "scope must be \"read-write\" or \"read-only\"".into(),
            Self::MissingApiKeyContext => "an API key is required".into(),
            Self::InvalidApiKeyId(_) => "the API key ID is not valid".into(),
            Self::UnknownTenant => "no tenant is registered for this API key".into(),
            Self::InvalidApiKey => "the API key is not valid".into(),
            Self::KeyHashMissing => {
                "this tenant's registry record has no API key hash; the operator must run `tenantctl backfill-key-hashes`".into()
            }
            Self::TenantSuspended => "this tenant is suspended".into(),
            Self::TenantOffboarded => "this tenant has been offboarded".into(),
            Self::KeyRetired => {
                "this API key has been retired; use the tenant's current key".into()
            }
            Self::TenantRecordInvalid(_) => {
                "this tenant's registry record is invalid; contact the operator".into()
            }
            Self::NewSessionsRefused { .. } => {
                "this tenant was resumed moments after its sessions were revoked; new sessions are refused until that revocation lapses: retry after Retry-After seconds".into()
            }
            Self::Registry(f) | Self::Sts(f) => {
                let what = if matches!(self, Self::Registry(_)) {
                    "tenant registry"
                } else {
                    "AWS STS"
                };
                match (f.kind, Class::of(f)) {
                    (FailureKind::Throttled, _) => {
                        format!("{what} is throttling requests; {retry}")
                    }
                    (_, Class::Retryable) => format!("{what} is unavailable; {retry}"),
                    (_, Class::AccessDenied) => {
                        format!(
                            "{what} denied the credential vendor: a deployment fault; contact the operator"
                        )
                    }
                    (_, Class::Misconfigured) => {
                        format!("{what} rejected the vendor's configuration; contact the operator")
                    }
                    (_, Class::Rejected) => {
                        format!("{what} rejected the request; not retryable")
                    }
                }
            }
        }
    }

    /// `Retry-After` seconds, for failures worth retrying.
    pub fn retry_after(&self) -> Option<u32> {
        match self {
            Self::Registry(f) | Self::Sts(f) if f.is_retryable() => Some(RETRY_AFTER_SECONDS),
            Self::NewSessionsRefused { retry_after } => Some(*retry_after),
            _ => None,
        }
    }

    /// AWS's error code behind a registry or STS failure, for the log line.
    pub fn aws_code(&self) -> &str {
        match self {
            Self::Registry(f) | Self::Sts(f) => &f.code,
            _ => "",
        }
    }
}

/// What an AWS failure means for the vendor's caller. The shared
/// classifier's kinds fold into these four: a missing table, a refused
/// policy or a disabled Region is the deployment's fault, not the tenant's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    /// Throttled or unavailable after the SDK's own retries: 503.
    Retryable,
    /// The vendor's own credentials were refused: 500.
    AccessDenied,
    /// A resource or setting the vendor relies on is wrong: 500.
    Misconfigured,
    /// Any other refusal; not retryable: 502.
    Rejected,
}

impl Class {
    fn of(failure: &AwsFailure) -> Self {
        match failure.kind {
            FailureKind::Throttled | FailureKind::Unavailable => Self::Retryable,
            FailureKind::AccessDenied => Self::AccessDenied,
            FailureKind::NotFound | FailureKind::Invalid | FailureKind::RegionDisabled => {
                Self::Misconfigured
            }
            FailureKind::Conflict
            | FailureKind::ConditionFailed
            | FailureKind::QuotaExceeded
            | FailureKind::Rejected => Self::Rejected,
        }
    }
}
