//! Classification of AWS SDK errors by error code and HTTP status, never by
//! message text (messages can quote inputs, and they change).

use std::fmt;

use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_runtime_api::http::Response as HttpResponse;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

/// What a failed AWS call means for the operator. `code` is AWS's error code
/// (or the transport failure's kind): safe to print, it never holds a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsFailure {
    /// The kind of failure, which decides what the operator should do.
    pub kind: FailureKind,
    /// AWS's error code.
    pub code: String,
}

/// The kinds of failure a caller acts on differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// Throttled even after the SDK's retries: try again later.
    Throttled,
    /// 5xx, timeout or no connection, after the SDK's retries.
    Unavailable,
    /// The operator's credentials were refused.
    AccessDenied,
    /// The named resource does not exist.
    NotFound,
    /// The resource exists already or is busy (`ConflictException`,
    /// `ResourceInUseException`, `EntityAlreadyExists`).
    Conflict,
    /// A DynamoDB condition expression did not hold.
    ConditionFailed,
    /// Any other refusal.
    Rejected,
}

const THROTTLING: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "ProvisionedThroughputExceededException",
    "LimitExceededException",
];
const ACCESS_DENIED: &[&str] = &[
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedException",
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "SignatureDoesNotMatch",
    "InvalidSignatureException",
    "ExpiredToken",
    "ExpiredTokenException",
    "MissingAuthenticationToken",
];
const NOT_FOUND: &[&str] = &[
    "NotFoundException",
    "ResourceNotFoundException",
    "NoSuchEntity",
    "NoSuchEntityException",
];
const CONFLICT: &[&str] = &[
    "ConflictException",
    "ResourceInUseException",
    "EntityAlreadyExists",
];

impl AwsFailure {
    /// Classifies a failed SDK call.
    pub fn classify<E: ProvideErrorMetadata>(err: &SdkError<E, HttpResponse>) -> Self {
        match err {
            SdkError::TimeoutError(_) => Self::new(FailureKind::Unavailable, "Timeout"),
            SdkError::DispatchFailure(_) => Self::new(FailureKind::Unavailable, "DispatchFailure"),
            SdkError::ConstructionFailure(_) => {
                Self::new(FailureKind::Rejected, "ConstructionFailure")
            }
            SdkError::ResponseError(e) => {
                Self::by_status(e.raw().status().as_u16(), "UnparseableResponse")
            }
            SdkError::ServiceError(e) => {
                let status = e.raw().status().as_u16();
                match e.err().code() {
                    Some(code) => Self::by_code(code, status),
                    None => Self::by_status(status, "Unknown"),
                }
            }
            // SdkError is non_exhaustive: anything new is treated as an outage.
            _ => Self::new(FailureKind::Unavailable, "Unknown"),
        }
    }

    fn new(kind: FailureKind, code: &str) -> Self {
        Self {
            kind,
            code: code.to_owned(),
        }
    }

    fn by_code(code: &str, status: u16) -> Self {
        let kind = if THROTTLING.contains(&code) {
            FailureKind::Throttled
        } else if ACCESS_DENIED.contains(&code) {
            FailureKind::AccessDenied
        } else if NOT_FOUND.contains(&code) {
            FailureKind::NotFound
        } else if CONFLICT.contains(&code) {
            FailureKind::Conflict
        } else if code == "ConditionalCheckFailedException" {
            FailureKind::ConditionFailed
        } else {
            return Self::by_status(status, code);
        };
        Self::new(kind, code)
    }

    fn by_status(status: u16, code: &str) -> Self {
        let kind = match status {
            429 => FailureKind::Throttled,
            500..=599 => FailureKind::Unavailable,
            404 => FailureKind::NotFound,
            _ => FailureKind::Rejected,
        };
        Self::new(kind, code)
    }

    /// The named resource does not exist.
    pub fn is_not_found(&self) -> bool {
        self.kind == FailureKind::NotFound
    }

    /// The resource exists already or is busy.
    pub fn is_conflict(&self) -> bool {
        self.kind == FailureKind::Conflict
    }

    /// A DynamoDB condition expression did not hold.
    pub fn is_condition_failed(&self) -> bool {
        self.kind == FailureKind::ConditionFailed
    }
}

impl fmt::Display for AwsFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hint = match self.kind {
            FailureKind::Throttled => "throttled; try again shortly",
            FailureKind::Unavailable => "service unavailable or unreachable; try again shortly",
            FailureKind::AccessDenied => {
                "access denied; check the credentials and their permissions"
            }
            FailureKind::NotFound => "not found",
            FailureKind::Conflict => "already exists or busy",
            FailureKind::ConditionFailed => "condition not met",
            FailureKind::Rejected => "rejected",
        };
        write!(f, "{} ({hint})", self.code)
    }
}
