//! One vend through the handler, AWS clients mocked with aws-smithy-mocks
//! (the SDK's real serialization, interceptors and response parsing run; only
//! the network is absent). Measures vendor-fn's own per-request overhead.

use aws_sdk_dynamodb::operation::get_item::GetItemOutput;
use aws_sdk_sts::operation::assume_role::AssumeRoleOutput;
use aws_sdk_sts::types::Credentials;
use aws_smithy_mocks::{RuleMode, mock, mock_client};
use aws_smithy_types::DateTime;
use criterion::{Criterion, criterion_group, criterion_main};
use tenant_registry::{ApiKeyId, Isolation, TenantRecord, TenantStatus, Tier};
use vendor_fn::issuer::{SessionRequest, StsIssuer};
use vendor_fn::tenant_directory::TenantDirectory;
use vendor_fn::{Config, Scope, Vendor, handle};

fn vendor() -> Vendor {
    let record = TenantRecord {
        api_key_id: ApiKeyId::parse("a1b2c3d4e5").unwrap(),
        tenant_name: "Acme".into(),
        email: "ops@acme.example".into(),
        tier: Tier::Standard,
        status: TenantStatus::Active,
        isolation: Isolation::Pooled,
        created_at: "2026-11-01T00:00:00Z".parse().unwrap(),
        contact: None,
        api_key_sha256: None,
        revision: 1,
        partition_key_id: None,
    };
    let get = mock!(aws_sdk_dynamodb::Client::get_item).then_output(move || {
        GetItemOutput::builder()
            .set_item(Some(record.to_item()))
            .build()
    });
    let assume = mock!(aws_sdk_sts::Client::assume_role).then_output(|| {
        AssumeRoleOutput::builder()
            .credentials(
                Credentials::builder()
                    .access_key_id("ASIAEXAMPLE")
                    .secret_access_key("secret")
                    .session_token("token")
                    .expiration(DateTime::from_secs(1_795_774_500))
                    .build()
                    .unwrap(),
            )
            .build()
    });
    let config = Config {
        tenant_table: "Tenants".into(),
        tenant_role_arn: "arn:aws:iam::123456789012:role/TenantRole".into(),
        data_table: Some("TenantData".into()),
        data_bucket: Some("tenant-bucket".into()),
        silo_table_prefix: None,
    };
    Vendor {
        tenants: TenantDirectory::new(
            mock_client!(aws_sdk_dynamodb, RuleMode::MatchAny, [&get]),
            config.tenant_table.clone(),
        ),
        issuer: StsIssuer::new(
            mock_client!(aws_sdk_sts, RuleMode::MatchAny, [&assume]),
            config.tenant_role_arn.clone(),
        ),
        region: "us-east-1".into(),
        config,
    }
}

fn event() -> serde_json::Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/post_read_only_1200.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn bench_vend(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let vendor = vendor();
    let event = event();
    // Sanity: the benchmark measures a successful vend, not a fast refusal.
    let first = runtime.block_on(handle(&vendor, event.clone(), "bench"));
    assert_eq!(first.status_code, 200, "{:?}", first.body);

    c.bench_function("vend (handler, mocked STS + DynamoDB)", |b| {
        b.iter(|| runtime.block_on(handle(&vendor, event.clone(), "bench")));
    });
    // The two SDK calls alone, so the handler's own share is the difference.
    let id = ApiKeyId::parse("a1b2c3d4e5").unwrap();
    c.bench_function("sdk: registry GetItem alone (mocked)", |b| {
        b.iter(|| runtime.block_on(vendor.tenants.find(&id)).unwrap());
    });
    let session = SessionRequest {
        api_key_id: id.clone(),
        duration_seconds: 1200,
        scope: Scope::ReadOnly,
    };
    c.bench_function("sdk: STS AssumeRole alone (mocked)", |b| {
        b.iter(|| runtime.block_on(vendor.issuer.issue(&session)).unwrap());
    });
    c.bench_function("parse event only (refused: unknown route)", |b| {
        let mut wrong = event.clone();
        wrong["resource"] = "/nope".into();
        b.iter(|| runtime.block_on(handle(&vendor, wrong.clone(), "bench")));
    });
}

criterion_group!(benches, bench_vend);
criterion_main!(benches);
