//! Shared test utilities: fixtures, registry items, mocked AWS clients.
#![allow(dead_code)] // each test binary uses a different subset

use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_lambda_events::apigw::ApiGatewayProxyResponse;
use aws_lambda_events::encodings::Body;
use aws_sdk_dynamodb::operation::get_item::{GetItemInput, GetItemOutput};
use aws_sdk_sts::operation::assume_role::{AssumeRoleInput, AssumeRoleOutput};
use aws_sdk_sts::types::Credentials;
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
use aws_smithy_types::DateTime;
use serde_json::Value;
use tenant_registry::{ApiKeyId, Isolation, TenantRecord, TenantStatus, Tier};
use vendor_fn::issuer::StsIssuer;
use vendor_fn::session_cache::SessionCache;
use vendor_fn::tenant_directory::TenantDirectory;
use vendor_fn::{Config, Vendor, sdk_settings};

/// The tenant the fixtures' request context names.
pub const TENANT_ID: &str = "a1b2c3d4e5";
/// The API key *value* in the fixtures: a secret that must never be logged.
pub const API_KEY_VALUE: &str = "Xq7TsecretApiKeyValue0123456789abcdefGHIJ";
/// The identity the spoofing fixture claims in body, query and headers.
pub const VICTIM_ID: &str = "v1c7i8m9z0";

pub const ROLE_ARN: &str = "arn:aws:iam::123456789012:role/tcv-TenantRole";
pub const TENANT_TABLE: &str = "tcv-Tenants";
pub const ACCESS_KEY_ID: &str = "ASIAEXAMPLEVENDED001";
pub const SECRET_ACCESS_KEY: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYsecretKEY01";
pub const SESSION_TOKEN: &str = "FwoGZXIvYXdzEBYaDSESSIONTOKENsecretValueXYZ0123456789==";
/// 2026-11-27T10:15:00Z
pub const EXPIRATION_SECS: i64 = 1_795_774_500;

pub fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap()
}

pub fn config() -> Config {
    Config {
        tenant_table: TENANT_TABLE.into(),
        tenant_role_arn: ROLE_ARN.into(),
        data_table: Some("tcv-TenantData".into()),
        data_bucket: Some("tcv-tenant-bucket".into()),
        silo_table_prefix: Some("tcv-silo".into()),
    }
}

pub fn tenant(tier: Tier, status: TenantStatus) -> TenantRecord {
    TenantRecord {
        api_key_id: ApiKeyId::parse(TENANT_ID).unwrap(),
        tenant_name: "Acme".into(),
        email: "ops@acme.example".into(),
        tier,
        status,
        isolation: Isolation::Pooled,
        created_at: "2026-11-01T00:00:00Z".parse().unwrap(),
        contact: None,
        api_key_sha256: Some(tenant_registry::ApiKeyHash::of(API_KEY_VALUE)),
        revision: 1,
        partition_key_id: None,
        previous_api_key_id: None,
        retired_at: None,
        new_sessions_refused_until: None,
    }
}

/// Records every input a rule sees, so tests assert on exactly what was sent.
pub use test_support::mocks::Captured;

pub fn get_item_returns(record: Option<TenantRecord>, seen: &Captured<GetItemInput>) -> Rule {
    mock!(aws_sdk_dynamodb::Client::get_item)
        .match_requests(seen.recorder())
        .then_output(move || {
            GetItemOutput::builder()
                .set_item(record.as_ref().map(TenantRecord::to_item))
                .build()
        })
}

pub fn vended_credentials() -> Credentials {
    Credentials::builder()
        .access_key_id(ACCESS_KEY_ID)
        .secret_access_key(SECRET_ACCESS_KEY)
        .session_token(SESSION_TOKEN)
        .expiration(DateTime::from_secs(EXPIRATION_SECS))
        .build()
        .unwrap()
}

pub fn assume_role_succeeds(seen: &Captured<AssumeRoleInput>) -> Rule {
    mock!(aws_sdk_sts::Client::assume_role)
        .match_requests(seen.recorder())
        .then_output(|| {
            AssumeRoleOutput::builder()
                .credentials(vended_credentials())
                .build()
        })
}

/// A DynamoDB client answering from `rules`, with production retry
/// settings (3 attempts) but millisecond backoff to keep tests fast.
pub fn dynamodb(rules: &[&Rule]) -> aws_sdk_dynamodb::Client {
    mock_client!(
        aws_sdk_dynamodb,
        RuleMode::MatchAny,
        rules.iter().copied(),
        |c| c.retry_config(
            sdk_settings::retry_config().with_initial_backoff(Duration::from_millis(1))
        )
    )
}

/// An STS client answering from `rules`, retrying as in production.
pub fn sts(rules: &[&Rule]) -> aws_sdk_sts::Client {
    mock_client!(
        aws_sdk_sts,
        RuleMode::MatchAny,
        rules.iter().copied(),
        |c| c.retry_config(
            sdk_settings::retry_config().with_initial_backoff(Duration::from_millis(1))
        )
    )
}

pub fn vendor(ddb_rules: &[&Rule], sts_rules: &[&Rule]) -> Vendor {
    let config = config();
    Vendor {
        tenants: TenantDirectory::new(dynamodb(ddb_rules), config.tenant_table.clone()),
        issuer: StsIssuer::new(sts(sts_rules), config.tenant_role_arn.clone()),
        sessions: SessionCache::default(),
        region: "us-east-1".into(),
        config,
    }
}

pub fn body_json(response: &ApiGatewayProxyResponse) -> Value {
    match &response.body {
        Some(Body::Text(t)) => serde_json::from_str(t).expect("body is JSON"),
        other => panic!("expected a text body, got {other:?}"),
    }
}

pub fn header<'a>(response: &'a ApiGatewayProxyResponse, name: &str) -> Option<&'a str> {
    response.headers.get(name).map(|v| v.to_str().unwrap())
}

/// Asserts an error response's status and code, and that it carries no secret.
pub fn assert_error(response: &ApiGatewayProxyResponse, status: i64, code: &str) {
    let body = body_json(response);
    assert_eq!(
        response.status_code, status,
        "status for {code}; body {body}"
    );
    assert_eq!(body["code"], code, "code; body {body}");
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "message; body {body}"
    );
    assert_eq!(
        body.as_object().unwrap().len(),
        2,
        "only code and message; body {body}"
    );
    assert_eq!(header(response, "content-type"), Some("application/json"));
    assert_eq!(header(response, "cache-control"), Some("no-store"));
    let text = body.to_string();
    for secret in [API_KEY_VALUE, SECRET_ACCESS_KEY, SESSION_TOKEN, ROLE_ARN] {
        assert!(!text.contains(secret), "error body leaks {secret}: {text}");
    }
}

/// Access key IDs the STS stand-in below hands out, one per AssumeRole.
pub fn fresh_access_key_id(n: usize) -> String {
    format!("ASIAFRESHSESSION{n:04}")
}

/// AssumeRole as STS answers it: a new session per call, expiring the
/// requested duration from now (so the session cache may reuse it).
pub fn assume_role_issues_fresh_sessions() -> Rule {
    let issued = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    mock!(aws_sdk_sts::Client::assume_role).then_compute_output(move |input| {
        let n = issued.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
        let seconds = i64::from(input.duration_seconds.unwrap_or(3600));
        let expiration = chrono::Utc::now() + chrono::Duration::seconds(seconds);
        AssumeRoleOutput::builder()
            .credentials(
                Credentials::builder()
                    .access_key_id(fresh_access_key_id(n))
                    .secret_access_key(SECRET_ACCESS_KEY)
                    .session_token(SESSION_TOKEN)
                    .expiration(DateTime::from_secs(expiration.timestamp()))
                    .build()
                    .unwrap(),
            )
            .build()
    })
}

/// The registry as a test arranges it: GetItem answers with whatever record
/// the test last put in `record`, as a life-cycle write would leave it.
pub fn registry_holding(record: &Arc<Mutex<TenantRecord>>) -> Rule {
    let record = Arc::clone(record);
    mock!(aws_sdk_dynamodb::Client::get_item).then_output(move || {
        GetItemOutput::builder()
            .set_item(Some(record.lock().unwrap().to_item()))
            .build()
    })
}
