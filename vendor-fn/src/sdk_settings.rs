//! Retry and timeout settings for the SDK clients.

use std::time::Duration;

use aws_smithy_types::retry::RetryConfig;
use aws_smithy_types::timeout::TimeoutConfig;

/// Standard retries, 3 attempts: throttling and 5xx are retried by the SDK
/// before a caller ever sees a 503.
pub fn retry_config() -> RetryConfig {
    RetryConfig::standard().with_max_attempts(3)
}

/// The SDK configuration both Lambdas (vendor-fn and key-authorizer) build
/// their clients from: the environment's, with these retries and timeouts.
pub async fn load() -> aws_config::SdkConfig {
    aws_config::from_env()
        .retry_config(retry_config())
        .timeout_config(timeout_config())
        .load()
        .await
}

/// Each attempt gets 1.5 s and each call 4 s, so the two calls of a vend
/// (GetItem, AssumeRole) together stay under the function's 10 s timeout in
/// template.yaml: a stalled dependency becomes a 503, not a Lambda timeout.
pub fn timeout_config() -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(1))
        .operation_attempt_timeout(Duration::from_millis(1500))
        .operation_timeout(Duration::from_secs(4))
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_calls_at_their_timeout_fit_in_the_function_timeout() {
        let template = include_str!("../../template.yaml");
        let function_timeout: u64 = template
            .lines()
            .find_map(|l| l.trim().strip_prefix("Timeout:"))
            .and_then(|v| v.trim().parse().ok())
            .expect("template.yaml sets the function Timeout");
        let per_call = timeout_config().operation_timeout().unwrap();
        assert!(
            per_call * 2 < Duration::from_secs(function_timeout),
            "{per_call:?} x2 vs {function_timeout}s"
        );
        assert!(timeout_config().operation_attempt_timeout().unwrap() < per_call);
    }
}
