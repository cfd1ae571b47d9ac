//! Retry and timeout settings for the SDK clients.

use std::time::Duration;

use aws_smithy_types::retry::RetryConfig;
use aws_smithy_types::timeout::TimeoutConfig;

/// Standard retries, 3 attempts: throttling and 5xx are retried by the SDK
/// before a caller ever sees a 503.
pub fn retry_config() -> RetryConfig {
    RetryConfig::standard().with_max_attempts(3)
}

/// Each attempt gets 2 s and the whole call 6 s, well inside the function's
/// timeout, so a stalled dependency becomes a 503, not a Lambda timeout.
pub fn timeout_config() -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(1))
        .operation_attempt_timeout(Duration::from_secs(2))
        .operation_timeout(Duration::from_secs(6))
        .build()
}
