//! Classification of AWS SDK errors by error code and HTTP status, never by
//! message text.

use std::fmt;

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_runtime_api::http::Response as HttpResponse;

/// What an AWS call's failure means for the caller. `code` is AWS's error
/// code, kept for the log line only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AwsFailure {
    /// Throttled even after the SDK's own retries.
    Throttled {
        /// AWS error code.
        code: String,
    },
    /// 5xx, timeout or connection failure, after the SDK's own retries.
    Unavailable {
        /// AWS error code, or the transport failure kind.
        code: String,
    },
    /// The vendor's own credentials were refused: a deployment fault.
    AccessDenied {
        /// AWS error code.
        code: String,
    },
    /// A resource or setting the vendor relies on is wrong (missing table,
    /// disabled region, a session policy STS refuses): a deployment fault.
    Misconfigured {
        /// AWS error code.
        code: String,
    },
    /// Any other refusal; not retryable.
    Rejected {
        /// AWS error code.
        code: String,
    },
}

const THROTTLING: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestLimitExceeded",
    "ProvisionedThroughputExceededException",
    "TooManyRequestsException",
    "RequestThrottled",
    "RequestThrottledException",
];

const ACCESS_DENIED: &[&str] = &[
    "AccessDenied",
    "AccessDeniedException",
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "SignatureDoesNotMatch",
    "InvalidSignatureException",
    "ExpiredToken",
    "ExpiredTokenException",
    "MissingAuthenticationToken",
];

const MISCONFIGURED: &[&str] = &[
    "ResourceNotFoundException",
    "RegionDisabledException",
    "MalformedPolicyDocument",
    "MalformedPolicyDocumentException",
    "PackedPolicyTooLarge",
    "PackedPolicyTooLargeException",
    "ValidationError",
    "ValidationException",
];

impl AwsFailure {
    /// Classifies a failed SDK call.
    pub fn classify<E: ProvideErrorMetadata>(err: &SdkError<E, HttpResponse>) -> Self {
        match err {
            SdkError::TimeoutError(_) => Self::Unavailable {
                code: "Timeout".into(),
            },
            SdkError::DispatchFailure(_) => Self::Unavailable {
                code: "DispatchFailure".into(),
            },
            SdkError::ConstructionFailure(_) => Self::Misconfigured {
                code: "ConstructionFailure".into(),
            },
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
            _ => Self::Unavailable {
                code: "Unknown".into(),
            },
        }
    }

    fn by_code(code: &str, status: u16) -> Self {
        let code_owned = code.to_owned();
        if THROTTLING.contains(&code) {
            Self::Throttled { code: code_owned }
        } else if ACCESS_DENIED.contains(&code) {
            Self::AccessDenied { code: code_owned }
        } else if MISCONFIGURED.contains(&code) {
            Self::Misconfigured { code: code_owned }
        } else {
            Self::by_status(status, code)
        }
    }

    fn by_status(status: u16, code: &str) -> Self {
        let code = code.to_owned();
        match status {
            429 => Self::Throttled { code },
            500..=599 => Self::Unavailable { code },
            _ => Self::Rejected { code },
        }
    }

    /// Worth a retry by the caller.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Throttled { .. } | Self::Unavailable { .. })
    }

    /// HTTP status the caller sees.
    pub fn status(&self) -> u16 {
        match self {
            Self::Throttled { .. } | Self::Unavailable { .. } => 503,
            Self::AccessDenied { .. } | Self::Misconfigured { .. } => 500,
            Self::Rejected { .. } => 502,
        }
    }

    /// AWS's error code, for logs.
    pub fn aws_code(&self) -> &str {
        match self {
            Self::Throttled { code }
            | Self::Unavailable { code }
            | Self::AccessDenied { code }
            | Self::Misconfigured { code }
            | Self::Rejected { code } => code,
        }
    }
}

impl fmt::Display for AwsFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self {
            Self::Throttled { .. } => "throttled",
            Self::Unavailable { .. } => "unavailable",
            Self::AccessDenied { .. } => "access denied",
            Self::Misconfigured { .. } => "misconfigured",
            Self::Rejected { .. } => "rejected",
        };
        write!(f, "{kind} ({})", self.aws_code())
    }
}
