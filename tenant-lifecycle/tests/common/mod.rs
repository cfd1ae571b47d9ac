//! Shared test utilities: fixed names, mocked AWS clients, recorded progress.
#![allow(dead_code)] // each test binary uses a different subset

use std::time::Duration;

use aws_smithy_mocks::{Rule, RuleMode, mock_client};
use aws_smithy_types::retry::RetryConfig;
use chrono::{DateTime, Utc};
use tenant_lifecycle::{Clients, Lifecycle, Progress, Resources};
use tenant_registry::{ApiKeyId, Isolation, TenantRecord, TenantStatus, Tier};
use test_support::mocks::Captured;

/// Error metadata carrying only an AWS error code (and a message text that
/// must never be shown), as the SDK parses it.
pub use test_support::mocks::error_code as code;

/// The key ID API Gateway hands out in these tests.
pub const KEY_ID: &str = "k1a2b3c4d5";
/// A key left by an interrupted earlier onboarding.
pub const OLD_KEY_ID: &str = "o1d2k3e4y5";
/// The API key value: a secret no error or progress line may contain.
pub const KEY_VALUE: &str = "Xq7TsecretApiKeyValue0123456789abcdefGHIJ";
pub const NAME: &str = "Acme";
pub const TENANT_TABLE: &str = "tcv-Tenants";
pub const DATA_TABLE: &str = "tcv-TenantData";
pub const SILO_PREFIX: &str = "tcv-silo";
pub const ROLE_NAME: &str = "tcv-TenantRole";
pub const BASIC_PLAN: &str = "planbasic";
pub const STANDARD_PLAN: &str = "planstandard";
pub const PREMIUM_PLAN: &str = "planpremium";
/// The fixed clock of these tests.
pub const NOW: &str = "2026-11-27T10:00:00Z";

pub fn now() -> DateTime<Utc> {
    NOW.parse().unwrap()
}

pub fn id(raw: &str) -> ApiKeyId {
    ApiKeyId::parse(raw).unwrap()
}

pub fn resources() -> Resources {
    Resources {
        tenant_table: Some(TENANT_TABLE.into()),
        data_table: Some(DATA_TABLE.into()),
        silo_table_prefix: Some(SILO_PREFIX.into()),
        basic_usage_plan: Some(BASIC_PLAN.into()),
        standard_usage_plan: Some(STANDARD_PLAN.into()),
        premium_usage_plan: Some(PREMIUM_PLAN.into()),
        tenant_role_name: Some(ROLE_NAME.into()),
    }
}

pub fn record(status: TenantStatus, isolation: Isolation) -> TenantRecord {
    TenantRecord {
        api_key_id: id(KEY_ID),
        tenant_name: NAME.into(),
        email: "ops@acme.example".into(),
        tier: Tier::Standard,
        status,
        isolation,
        created_at: "2026-11-01T00:00:00Z".parse().unwrap(),
        contact: None,
        api_key_sha256: Some(tenant_registry::ApiKeyHash::of(KEY_VALUE)),
        revision: 1,
        partition_key_id: None,
        previous_api_key_id: None,
        retired_at: None,
        new_sessions_refused_until: None,
    }
}

/// A life-cycle over mocked clients: unmatched requests fail the test, no
/// retries (each injected failure is seen once), 1 ms polling, fixed clock.
pub fn lifecycle_with(
    resources: Resources,
    apigateway: &[&Rule],
    dynamodb: &[&Rule],
    iam: &[&Rule],
) -> Lifecycle {
    let clients = Clients {
        apigateway: mock_client!(
            aws_sdk_apigateway,
            RuleMode::MatchAny,
            apigateway.iter().copied(),
            |c| c.retry_config(RetryConfig::disabled())
        ),
        dynamodb: mock_client!(
            aws_sdk_dynamodb,
            RuleMode::MatchAny,
            dynamodb.iter().copied(),
            |c| c.retry_config(RetryConfig::disabled())
        ),
        iam: mock_client!(aws_sdk_iam, RuleMode::MatchAny, iam.iter().copied(), |c| c
            .retry_config(RetryConfig::disabled())),
    };
    Lifecycle::new(clients, resources)
        .unwrap()
        .with_poll_interval(Duration::from_millis(1))
        .with_clock(now)
}

pub fn lifecycle(apigateway: &[&Rule], dynamodb: &[&Rule], iam: &[&Rule]) -> Lifecycle {
    lifecycle_with(resources(), apigateway, dynamodb, iam)
}

/// Progress lines, kept for assertions.
#[derive(Debug, Default)]
pub struct Recorded(Captured<String>);

impl Progress for Recorded {
    fn step(&self, message: &str) {
        self.0.push(message.to_owned());
    }
}

impl Recorded {
    pub fn lines(&self) -> Vec<String> {
        self.0.all()
    }
}

/// Asserts that no text shown to the operator or a log holds the key value
/// or AWS's message text.
pub fn assert_no_secret(texts: &[String]) {
    for text in texts {
        assert!(!text.contains(KEY_VALUE), "leaks the API key value: {text}");
        assert!(
            !text.contains("never shown"),
            "leaks AWS's message text: {text}"
        );
    }
}
