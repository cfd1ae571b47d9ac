//! Vends through the handler, AWS clients mocked with aws-smithy-mocks (the
//! SDK's real serialization, interceptors and response parsing run; only the
//! network is absent). Measures vendor-fn's own per-request overhead, and
//! what the session cache saves:
//!
//! - criterion: a vend served from the session cache against one that needs
//!   an AssumeRole (the same instance with reuse off), and the SDK calls alone;
//! - then, printed at the end: the two vend latencies measured interleaved
//!   in this run and their ratio, and the AssumeRole calls per tenant under
//!   a loop of vends.
//!
//! `cargo bench -p vendor-fn --bench vend`. STS is mocked, so the "with an
//! AssumeRole" figure is a floor: a real AssumeRole adds a network round
//! trip (tens of milliseconds) on top.

use std::time::{Duration, Instant};

use aws_sdk_dynamodb::operation::get_item::GetItemOutput;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_sts::operation::assume_role::AssumeRoleOutput;
use aws_sdk_sts::types::Credentials;
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
use aws_smithy_types::DateTime;
use criterion::{Criterion, criterion_group};
use tenant_registry::{ApiKeyId, Isolation, TenantRecord, TenantStatus, Tier};
use vendor_fn::issuer::{SessionRequest, StsIssuer};
use vendor_fn::session_cache::SessionCache;
use vendor_fn::tenant_directory::TenantDirectory;
use vendor_fn::{Config, Scope, Vendor, handle};

fn record(id: &str) -> TenantRecord {
    TenantRecord {
        api_key_id: ApiKeyId::parse(id).unwrap(),
        tenant_name: format!("Tenant {id}"),
        email: "ops@acme.example".into(),
        tier: Tier::Standard,
        status: TenantStatus::Active,
        isolation: Isolation::Pooled,
        created_at: "2026-11-01T00:00:00Z".parse().unwrap(),
        contact: None,
        // The fixture's key value: the bench measures a vend that passes the check.
        api_key_sha256: Some(tenant_registry::ApiKeyHash::of(
            "Xq7TsecretApiKeyValue0123456789abcdefGHIJ",
        )),
        revision: 1,
        partition_key_id: None,
        previous_api_key_id: None,
        retired_at: None,
        new_sessions_refused_until: None,
    }
}

/// The registry: every key ID the event names is an active tenant.
fn registry() -> Rule {
    mock!(aws_sdk_dynamodb::Client::get_item).then_compute_output(|input| {
        let id = match input.key.as_ref().and_then(|k| k.get("apiKeyId")) {
            Some(AttributeValue::S(id)) => id.clone(),
            _ => "a1b2c3d4e5".to_owned(),
        };
        GetItemOutput::builder()
            .set_item(Some(record(&id).to_item()))
            .build()
    })
}

/// STS: a session expiring the requested duration from now, so it may be reused.
fn sts() -> Rule {
    mock!(aws_sdk_sts::Client::assume_role).then_compute_output(|input| {
        let seconds = i64::from(input.duration_seconds.unwrap_or(900));
        let expiration = chrono::Utc::now().timestamp() + seconds;
        AssumeRoleOutput::builder()
            .credentials(
                Credentials::builder()
                    .access_key_id("ASIAEXAMPLE")
                    .secret_access_key("secret")
                    .session_token("token")
                    .expiration(DateTime::from_secs(expiration))
                    .build()
                    .unwrap(),
            )
            .build()
    })
}

fn vendor(get: &Rule, assume: &Rule, sessions: SessionCache) -> Vendor {
    let config = Config {
        tenant_table: "Tenants".into(),
        tenant_role_arn: "arn:aws:iam::123456789012:role/TenantRole".into(),
        data_table: Some("TenantData".into()),
        data_bucket: Some("tenant-bucket".into()),
        silo_table_prefix: None,
    };
    Vendor {
        tenants: TenantDirectory::new(
            mock_client!(aws_sdk_dynamodb, RuleMode::MatchAny, [get]),
            config.tenant_table.clone(),
        ),
        issuer: StsIssuer::new(
            mock_client!(aws_sdk_sts, RuleMode::MatchAny, [assume]),
            config.tenant_role_arn.clone(),
        ),
        sessions,
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

fn event_for(id: &str) -> serde_json::Value {
    let mut event = event();
    event["requestContext"]["identity"]["apiKeyId"] = id.into();
    event
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn bench_vend(c: &mut Criterion) {
    let runtime = runtime();
    let (get, assume) = (registry(), sts());
    let cached = vendor(&get, &assume, SessionCache::default());
    let uncached = vendor(&get, &assume, SessionCache::new(0));
    let event = event();
    // Sanity: the benchmark measures successful vends, not fast refusals.
    for v in [&cached, &uncached] {
        let first = runtime.block_on(handle(v, event.clone(), "bench"));
        assert_eq!(first.status_code, 200, "{:?}", first.body);
    }

    let mut group = c.benchmark_group("vend (handler, mocked STS + DynamoDB)");
    group.bench_function("served from the session cache", |b| {
        b.iter(|| runtime.block_on(handle(&cached, event.clone(), "bench")));
    });
    group.bench_function("with an AssumeRole (reuse off)", |b| {
        b.iter(|| runtime.block_on(handle(&uncached, event.clone(), "bench")));
    });
    group.finish();

    // The two SDK calls alone, so the handler's own share is the difference.
    let id = ApiKeyId::parse("a1b2c3d4e5").unwrap();
    c.bench_function("sdk: registry GetItem alone (mocked)", |b| {
        b.iter(|| runtime.block_on(cached.tenants.find(&id)).unwrap());
    });
    let session = SessionRequest {
        api_key_id: id.clone(),
        partition_key_id: id.clone(),
        duration_seconds: 1200,
        scope: Scope::ReadOnly,
    };
    c.bench_function("sdk: STS AssumeRole alone (mocked)", |b| {
        b.iter(|| runtime.block_on(cached.issuer.issue(&session)).unwrap());
    });
}

/// Median of `rounds` batches of `batch` vends, for both instances
/// interleaved, so drift on a shared machine hits both alike.
fn interleaved_medians(rounds: usize, batch: u32) -> (Duration, Duration) {
    let runtime = runtime();
    let (get, assume) = (registry(), sts());
    let cached = vendor(&get, &assume, SessionCache::default());
    let uncached = vendor(&get, &assume, SessionCache::new(0));
    let event = event();
    let time = |v: &Vendor| {
        let started = Instant::now();
        for _ in 0..batch {
            let response = runtime.block_on(handle(v, event.clone(), "bench"));
            assert_eq!(response.status_code, 200);
        }
        started.elapsed() / batch
    };
    let (mut hits, mut misses) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        hits.push(time(&cached));
        misses.push(time(&uncached));
    }
    hits.sort();
    misses.sort();
    (hits[rounds / 2], misses[rounds / 2])
}

/// AssumeRole calls per tenant when `tenants` tenants each vend `vends` times
/// on one warm instance.
fn sts_calls_per_tenant(tenants: usize, vends: usize) -> f64 {
    let runtime = runtime();
    let (get, assume) = (registry(), sts());
    let instance = vendor(&get, &assume, SessionCache::default());
    let events: Vec<_> = (0..tenants)
        .map(|n| event_for(&format!("t{n:04}")))
        .collect();
    for _ in 0..vends {
        for event in &events {
            let response = runtime.block_on(handle(&instance, event.clone(), "bench"));
            assert_eq!(response.status_code, 200);
        }
    }
    #[allow(clippy::cast_precision_loss)] // counts far below 2^52
    let per_tenant = assume.num_calls() as f64 / tenants as f64;
    per_tenant
}

fn summary() {
    let (hit, miss) = interleaved_medians(21, 200);
    println!();
    println!(
        "session cache, measured interleaved in this run (median of 21 batches of 200 vends):"
    );
    println!(
        "  vend served from the cache:  {:>8.1} µs",
        hit.as_secs_f64() * 1e6
    );
    println!(
        "  vend with an AssumeRole:     {:>8.1} µs (mocked STS: no network)",
        miss.as_secs_f64() * 1e6
    );
    println!(
        "  ratio (AssumeRole / cache):  {:>8.2}x",
        miss.as_secs_f64() / hit.as_secs_f64()
    );
    let (tenants, vends) = (20, 500);
    println!(
        "STS AssumeRole calls per tenant, {tenants} tenants x {vends} vends on one warm instance: {:.2} (without the cache: {vends})",
        sts_calls_per_tenant(tenants, vends)
    );
}

criterion_group!(benches, bench_vend);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    // As criterion decides: only `cargo bench` (which passes --bench, and not
    // --test or --list) measures; `cargo test --benches` just checks it runs.
    let args: Vec<String> = std::env::args().collect();
    let has = |flag: &str| args.iter().any(|a| a == flag);
    if has("--bench") && !has("--test") && !has("--list") {
        summary();
    }
}
