//! What a failed AWS call means, decided by AWS's error code and the HTTP
//! status, never by message text (messages quote inputs, and they change).
//!
//! There is one classifier for the workspace: vendor-fn and
//! tenant-lifecycle both call [`AwsFailure::classify`] and map the
//! [`FailureKind`] to their own errors (a 503 with `Retry-After` for the
//! vendor, an exit code and a hint for the operator). A code one of them
//! learns is learnt by both.
//!
//! The `code` is kept for logs and operator messages: an AWS error code or
//! the kind of transport failure, never a secret and never AWS's message.

use std::fmt;

use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_runtime_api::http::Response as HttpResponse;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

/// A failed AWS call: what kind of failure, and AWS's code for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsFailure {
    /// The kind, which decides what the caller does.
    pub kind: FailureKind,
    /// AWS's error code, or the transport failure's kind (`Timeout`,
    /// `DispatchFailure`, `ConstructionFailure`, `UnparseableResponse`).
    pub code: String,
}

/// The kinds of failure callers act on differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FailureKind {
    /// Throttled even after the SDK's own retries: try again later.
    Throttled,
    /// 5xx, a timeout or no connection, after the SDK's own retries.
    Unavailable,
    /// The caller's credentials were refused or are not allowed this call.
    AccessDenied,
    /// The named resource does not exist.
    NotFound,
    /// The resource exists already or is busy.
    Conflict,
    /// A DynamoDB condition expression did not hold.
    ConditionFailed,
    /// The request as sent can't be accepted: a malformed or too large
    /// policy, a failed validation, a request the SDK could not build.
    Invalid,
    /// The service is not enabled in this Region for the account.
    RegionDisabled,
    /// An account or resource quota is full (IAM's `LimitExceeded`: for
    /// instance the role's inline policy size): waiting does not help.
    QuotaExceeded,
    /// Any other refusal.
    Rejected,
}

/// Error codes by kind. A code not listed is classified by HTTP status.
pub const CODES: &[(FailureKind, &[&str])] = &[
    (
        FailureKind::Throttled,
        &[
            "Throttling",
            "ThrottlingException",
            "ThrottledException",
            "TooManyRequestsException",
            "RequestLimitExceeded",
            "RequestThrottled",
            "RequestThrottledException",
            "ProvisionedThroughputExceededException",
            "LimitExceededException",
        ],
    ),
    (
        FailureKind::AccessDenied,
        &[
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
        ],
    ),
    (
        FailureKind::NotFound,
        &[
            "NotFoundException",
            "ResourceNotFoundException",
            "NoSuchEntity",
            "NoSuchEntityException",
        ],
    ),
    (
        FailureKind::Conflict,
        &[
            "ConflictException",
            "ResourceInUseException",
            "EntityAlreadyExists",
        ],
    ),
    (
        FailureKind::ConditionFailed,
        &["ConditionalCheckFailedException"],
    ),
    (
        FailureKind::Invalid,
        &[
            "MalformedPolicyDocument",
            "MalformedPolicyDocumentException",
            "PackedPolicyTooLarge",
            "PackedPolicyTooLargeException",
            "ValidationError",
            "ValidationException",
        ],
    ),
    (FailureKind::RegionDisabled, &["RegionDisabledException"]),
    (
        FailureKind::QuotaExceeded,
        &["LimitExceeded", "ServiceQuotaExceededException"],
    ),
];

impl AwsFailure {
    /// A failure of `kind` with `code` (for failures found outside the SDK,
    /// such as a response without the expected field).
    pub fn new(kind: FailureKind, code: impl Into<String>) -> Self {
        Self {
            kind,
            code: code.into(),
        }
    }

    /// Classifies a failed SDK call.
    pub fn classify<E: ProvideErrorMetadata>(err: &SdkError<E, HttpResponse>) -> Self {
        match err {
            SdkError::TimeoutError(_) => Self::new(FailureKind::Unavailable, "Timeout"),
            SdkError::DispatchFailure(_) => Self::new(FailureKind::Unavailable, "DispatchFailure"),
            SdkError::ConstructionFailure(_) => {
                Self::new(FailureKind::Invalid, "ConstructionFailure")
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

    /// Classifies an error code with the response's HTTP status.
    pub fn by_code(code: &str, status: u16) -> Self {
        match kind_of_code(code) {
            Some(kind) => Self::new(kind, code),
            None => Self::by_status(status, code),
        }
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

    /// Worth a retry by the caller (throttled or unavailable).
    pub fn is_retryable(&self) -> bool {
        self.kind.is_retryable()
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

/// The kind a listed code belongs to.
pub fn kind_of_code(code: &str) -> Option<FailureKind> {
    CODES
        .iter()
        .find(|(_, codes)| codes.contains(&code))
        .map(|(kind, _)| *kind)
}

impl FailureKind {
    /// Throttled or unavailable: the same call may succeed later.
    pub fn is_retryable(self) -> bool {
        matches!(self, Self::Throttled | Self::Unavailable)
    }

    /// A short hint of what the failure means, for operators.
    pub fn hint(self) -> &'static str {
        match self {
            Self::Throttled => "throttled; try again shortly",
            Self::Unavailable => "service unavailable or unreachable; try again shortly",
            Self::AccessDenied => "access denied; check the credentials and their permissions",
            Self::NotFound => "not found",
            Self::Conflict => "already exists or busy",
            Self::ConditionFailed => "condition not met",
            Self::Invalid => "invalid request",
            Self::RegionDisabled => "the service is not enabled in this region",
            Self::QuotaExceeded => "a quota is full; waiting will not help",
            Self::Rejected => "rejected",
        }
    }
}

impl fmt::Display for AwsFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.code, self.kind.hint())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_smithy_runtime_api::client::orchestrator::HttpResponse as RawResponse;
    use aws_smithy_runtime_api::http::StatusCode;
    use aws_smithy_types::body::SdkBody;
    use aws_smithy_types::error::ErrorMetadata;

    /// Every code vendor-fn or tenant-lifecycle classified before they
    /// shared this crate, with the kind it has now, and the codes added since. vendor-fn folds
    /// NotFound, Invalid and RegionDisabled into "misconfigured", as before.
    const PINNED: &[(&str, FailureKind)] = &[
        ("Throttling", FailureKind::Throttled),
        ("ThrottlingException", FailureKind::Throttled),
        ("ThrottledException", FailureKind::Throttled),
        ("TooManyRequestsException", FailureKind::Throttled),
        ("RequestLimitExceeded", FailureKind::Throttled),
        ("RequestThrottled", FailureKind::Throttled),
        ("RequestThrottledException", FailureKind::Throttled),
        (
            "ProvisionedThroughputExceededException",
            FailureKind::Throttled,
        ),
        ("LimitExceededException", FailureKind::Throttled),
        ("AccessDenied", FailureKind::AccessDenied),
        ("AccessDeniedException", FailureKind::AccessDenied),
        ("UnauthorizedException", FailureKind::AccessDenied),
        ("UnrecognizedClientException", FailureKind::AccessDenied),
        ("InvalidClientTokenId", FailureKind::AccessDenied),
        ("SignatureDoesNotMatch", FailureKind::AccessDenied),
        ("InvalidSignatureException", FailureKind::AccessDenied),
        ("ExpiredToken", FailureKind::AccessDenied),
        ("ExpiredTokenException", FailureKind::AccessDenied),
        ("MissingAuthenticationToken", FailureKind::AccessDenied),
        ("NotFoundException", FailureKind::NotFound),
        ("ResourceNotFoundException", FailureKind::NotFound),
        ("NoSuchEntity", FailureKind::NotFound),
        ("NoSuchEntityException", FailureKind::NotFound),
        ("ConflictException", FailureKind::Conflict),
        ("ResourceInUseException", FailureKind::Conflict),
        ("EntityAlreadyExists", FailureKind::Conflict),
        (
            "ConditionalCheckFailedException",
            FailureKind::ConditionFailed,
        ),
        ("MalformedPolicyDocument", FailureKind::Invalid),
        ("MalformedPolicyDocumentException", FailureKind::Invalid),
        ("PackedPolicyTooLarge", FailureKind::Invalid),
        ("PackedPolicyTooLargeException", FailureKind::Invalid),
        ("ValidationError", FailureKind::Invalid),
        ("ValidationException", FailureKind::Invalid),
        ("RegionDisabledException", FailureKind::RegionDisabled),
        // New with the shared crate: IAM's quota error (tenant-lifecycle's
        // revocations) is not a throttle, unlike API Gateway's
        // LimitExceededException.
        ("LimitExceeded", FailureKind::QuotaExceeded),
        ("ServiceQuotaExceededException", FailureKind::QuotaExceeded),
    ];

    #[test]
    fn pins_the_union_of_the_codes_both_crates_knew() {
        for (code, kind) in PINNED {
            // The status must not matter for a listed code.
            for status in [400, 403, 404, 429, 500] {
                assert_eq!(
                    AwsFailure::by_code(code, status).kind,
                    *kind,
                    "{code} {status}"
                );
            }
        }
        let listed: usize = CODES.iter().map(|(_, codes)| codes.len()).sum();
        assert_eq!(listed, PINNED.len(), "a code was added without pinning it");
    }

    #[test]
    fn unknown_codes_fall_back_to_the_status() {
        assert_eq!(
            AwsFailure::by_code("Weird", 429).kind,
            FailureKind::Throttled
        );
        assert_eq!(
            AwsFailure::by_code("Weird", 503).kind,
            FailureKind::Unavailable
        );
        assert_eq!(
            AwsFailure::by_code("Weird", 404).kind,
            FailureKind::NotFound
        );
        assert_eq!(
            AwsFailure::by_code("Weird", 400).kind,
            FailureKind::Rejected
        );
        assert_eq!(AwsFailure::by_code("Weird", 400).code, "Weird");
    }

    #[derive(Debug)]
    struct ServiceErr(ErrorMetadata);
    impl ProvideErrorMetadata for ServiceErr {
        fn meta(&self) -> &ErrorMetadata {
            &self.0
        }
    }
    impl std::fmt::Display for ServiceErr {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("service error")
        }
    }
    impl std::error::Error for ServiceErr {}

    fn service_error(code: Option<&str>, status: u16) -> SdkError<ServiceErr, RawResponse> {
        let mut meta = ErrorMetadata::builder().message("a message that must not matter");
        if let Some(code) = code {
            meta = meta.code(code);
        }
        let raw = RawResponse::new(StatusCode::try_from(status).unwrap(), SdkBody::empty());
        SdkError::service_error(ServiceErr(meta.build()), raw)
    }

    #[test]
    fn classifies_sdk_errors_by_code_then_status_never_by_message() {
        let f = AwsFailure::classify(&service_error(Some("ThrottlingException"), 400));
        assert_eq!(
            f,
            AwsFailure::new(FailureKind::Throttled, "ThrottlingException")
        );
        let f = AwsFailure::classify(&service_error(None, 500));
        assert_eq!(f, AwsFailure::new(FailureKind::Unavailable, "Unknown"));
        let timeout: SdkError<ServiceErr, RawResponse> = SdkError::timeout_error("slow");
        assert_eq!(
            AwsFailure::classify(&timeout).kind,
            FailureKind::Unavailable
        );
        let construction: SdkError<ServiceErr, RawResponse> =
            SdkError::construction_failure("missing field");
        assert_eq!(
            AwsFailure::classify(&construction).kind,
            FailureKind::Invalid
        );
        assert!(AwsFailure::classify(&timeout).is_retryable());
    }

    #[test]
    fn display_shows_the_code_and_a_hint_only() {
        let f = AwsFailure::classify(&service_error(Some("AccessDenied"), 403));
        assert_eq!(
            f.to_string(),
            "AccessDenied (access denied; check the credentials and their permissions)"
        );
    }
}
