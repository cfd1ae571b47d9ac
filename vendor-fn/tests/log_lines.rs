//! The log a real vend writes: one JSON line per request, and no secret in it.

mod common;

use std::io;
use std::sync::{Arc, Mutex};

use aws_smithy_mocks::mock;
use common::*;
use tenant_registry::{TenantStatus, Tier};
use tracing_subscriber::fmt::MakeWriter;
use vendor_fn::{handle, logging};

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl io::Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Buffer {
    type Writer = Buffer;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

impl Buffer {
    fn lines(&self) -> Vec<serde_json::Value> {
        let text = String::from_utf8(self.0.lock().unwrap().clone()).unwrap();
        for secret in [SECRET_ACCESS_KEY, SESSION_TOKEN, API_KEY_VALUE] {
            assert!(
                !text.contains(secret),
                "log leaks a secret ({secret}):\n{text}"
            );
        }
        text.lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
            .collect()
    }
}

/// Runs `requests` through the handler under the production subscriber with
/// `rust_log`, on this thread (current-thread runtime) so the default holds.
async fn logged(rust_log: &str, requests: &[(&str, TenantStatus)]) -> Vec<serde_json::Value> {
    let buffer = Buffer::default();
    let _guard =
        tracing::subscriber::set_default(logging::subscriber(buffer.clone(), Some(rust_log)));
    for (fixture_name, status) in requests {
        let (gets, assumes) = (Captured::default(), Captured::default());
        let get = get_item_returns(Some(tenant(Tier::Premium, *status)), &gets);
        let assume = assume_role_succeeds(&assumes);
        handle(
            &vendor(&[&get], &[&assume]),
            fixture(fixture_name),
            "lambda-req-7",
        )
        .await;
    }
    buffer.lines()
}

#[tokio::test(flavor = "current_thread")]
async fn a_full_vend_logs_one_structured_line_without_secrets() {
    let lines = logged("info", &[("get_credentials", TenantStatus::Active)]).await;
    assert_eq!(lines.len(), 1, "{lines:#?}");
    let line = &lines[0];
    assert_eq!(line["lambda_request_id"], "lambda-req-7");
    assert_eq!(
        line["api_request_id"],
        "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"
    );
    assert_eq!(line["api_key_id"], TENANT_ID);
    assert_eq!(line["tier"], "premium");
    assert_eq!(line["outcome"], "issued");
    assert_eq!(line["status"], 200);
    assert_eq!(line["duration_seconds"], 3600);
    assert!(line["latency_us"].is_u64(), "{line}");
    assert_eq!(line["level"], "INFO");
}

#[tokio::test(flavor = "current_thread")]
async fn refusals_log_their_code_and_nothing_from_the_request() {
    let lines = logged(
        "info",
        &[
            ("get_credentials", TenantStatus::Suspended),
            ("invalid_api_key_id_chars", TenantStatus::Active),
        ],
    )
    .await;
    assert_eq!(lines.len(), 2, "{lines:#?}");
    assert_eq!(lines[0]["outcome"], "TenantSuspended");
    assert_eq!(lines[0]["status"], 403);
    assert_eq!(lines[1]["outcome"], "InvalidApiKeyId");
    assert_eq!(lines[1]["api_key_id"], "", "an invalid ID is not echoed");
    assert!(!lines[1].to_string().contains("a1b2*"));
}

#[tokio::test(flavor = "current_thread")]
async fn rust_log_trace_cannot_open_the_sdk_wire_logs() {
    // The SDK logs requests and responses at debug/trace; an AssumeRole
    // response carries the secret key. Even at trace only our line appears.
    for rust_log in [
        "trace",
        "trace,aws_smithy_runtime=trace,aws_sigv4=trace,aws_sdk_sts=trace",
    ] {
        let lines = logged(rust_log, &[("get_credentials", TenantStatus::Active)]).await;
        assert_eq!(lines.len(), 1, "RUST_LOG={rust_log}: {lines:#?}");
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_failed_sts_call_logs_the_aws_code_not_the_aws_message() {
    let buffer = Buffer::default();
    let _guard =
        tracing::subscriber::set_default(logging::subscriber(buffer.clone(), Some("info")));
    let gets = Captured::default();
    let get = get_item_returns(Some(tenant(Tier::Basic, TenantStatus::Active)), &gets);
    let denied = mock!(aws_sdk_sts::Client::assume_role).then_error(|| {
        aws_sdk_sts::operation::assume_role::AssumeRoleError::generic(
            aws_smithy_types::error::ErrorMetadata::builder()
                .code("AccessDenied")
                .message("User: arn:aws:sts::123456789012:assumed-role/x is not authorized")
                .build(),
        )
    });
    handle(
        &vendor(&[&get], &[&denied]),
        fixture("get_credentials"),
        "r",
    )
    .await;
    let lines = buffer.lines();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["level"], "ERROR");
    assert_eq!(lines[0]["aws_code"], "AccessDenied");
    assert!(
        !lines[0].to_string().contains("not authorized"),
        "{}",
        lines[0]
    );
}

/// Checks `line` against CloudWatch's Embedded Metric Format specification:
/// an `_aws` object with a millisecond `Timestamp` and `CloudWatchMetrics`
/// directives; every dimension key at the top as a non-empty string (else
/// CloudWatch drops the line's metrics), every metric at the top as a
/// number, units from CloudWatch's list. Returns each directive's
/// dimension sets and metric names.
fn emf(line: &serde_json::Value) -> Vec<(Vec<Vec<String>>, Vec<String>)> {
    const UNITS: [&str; 27] = [
        "Seconds",
        "Microseconds",
        "Milliseconds",
        "Bytes",
        "Kilobytes",
        "Megabytes",
        "Gigabytes",
        "Terabytes",
        "Bits",
        "Kilobits",
        "Megabits",
        "Gigabits",
        "Terabits",
        "Percent",
        "Count",
        "Bytes/Second",
        "Kilobytes/Second",
        "Megabytes/Second",
        "Gigabytes/Second",
        "Terabytes/Second",
        "Bits/Second",
        "Kilobits/Second",
        "Megabits/Second",
        "Gigabits/Second",
        "Terabits/Second",
        "Count/Second",
        "None",
    ];
    let root = line.as_object().expect("a line is a JSON object");
    let aws = root["_aws"].as_object().expect("_aws is an object");
    let timestamp = aws["Timestamp"].as_i64().expect("Timestamp in epoch ms");
    let now = chrono::Utc::now().timestamp_millis();
    assert!(
        (now - timestamp).abs() < 60_000,
        "Timestamp {timestamp} is not now"
    );
    let directives = aws["CloudWatchMetrics"]
        .as_array()
        .expect("CloudWatchMetrics");
    assert!(!directives.is_empty());
    directives
        .iter()
        .map(|directive| {
            let namespace = directive["Namespace"].as_str().expect("Namespace");
            assert!(!namespace.is_empty() && !namespace.starts_with("AWS/"));
            let sets: Vec<Vec<String>> = directive["Dimensions"]
                .as_array()
                .expect("Dimensions")
                .iter()
                .map(|set| {
                    let keys: Vec<String> = set
                        .as_array()
                        .expect("a dimension set is an array")
                        .iter()
                        .map(|k| k.as_str().expect("a dimension key").to_owned())
                        .collect();
                    assert!(keys.len() <= 30);
                    for key in &keys {
                        let value = root[key].as_str().unwrap_or_else(|| {
                            panic!("dimension {key} has no string value at the top: {line}")
                        });
                        assert!((1..=1024).contains(&value.len()), "{key}={value:?}");
                    }
                    keys
                })
                .collect();
            let metrics = directive["Metrics"].as_array().expect("Metrics");
            assert!(!metrics.is_empty() && metrics.len() <= 100);
            let names = metrics
                .iter()
                .map(|metric| {
                    let name = metric["Name"].as_str().expect("a metric Name").to_owned();
                    assert!(
                        root[&name].is_number(),
                        "metric {name} has no number: {line}"
                    );
                    let unit = metric["Unit"].as_str().unwrap_or("None");
                    assert!(UNITS.contains(&unit), "{unit}");
                    name
                })
                .collect();
            (sets, names)
        })
        .collect()
}

fn no_dimension_names_the_tenant(line: &serde_json::Value) {
    for (sets, _) in emf(line) {
        for key in sets.iter().flatten() {
            assert_ne!(key, "api_key_id");
            assert_ne!(
                line[key], TENANT_ID,
                "the tenant ID is a property, not a dimension"
            );
        }
    }
    assert_eq!(
        line["api_key_id"], TENANT_ID,
        "the tenant ID is a property of the line"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn a_vends_log_line_is_its_metrics_in_embedded_metric_format_by_tier() {
    let lines = logged("info", &[("get_credentials", TenantStatus::Active)]).await;
    let line = &lines[0];
    let directives = emf(line);
    assert_eq!(directives.len(), 1, "no refusal, so no Code directive");
    let (sets, names) = &directives[0];
    assert_eq!(
        sets,
        &[vec!["Tier".to_owned()], vec![]],
        "by tier and across tiers"
    );
    for name in [
        "Requests",
        "Vends",
        "Refusals",
        "ServerErrors",
        "StsFailures",
        "StsThrottles",
        "RegistryFailures",
        "Latency",
    ] {
        assert!(names.iter().any(|n| n == name), "{name} in {names:?}");
    }
    assert_eq!(
        line["_aws"]["CloudWatchMetrics"][0]["Namespace"],
        vendor_fn::metrics::NAMESPACE
    );
    assert_eq!(line["Tier"], "premium");
    assert_eq!(
        (line["Requests"].as_u64(), line["Vends"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(line["Refusals"], 0);
    assert_eq!(line["ServerErrors"], 0);
    assert!(
        line["Latency"].as_f64().is_some_and(|ms| ms >= 0.0),
        "{line}"
    );
    no_dimension_names_the_tenant(line);
}

#[tokio::test(flavor = "current_thread")]
async fn a_refusal_counts_by_its_code_and_a_request_without_a_tenant_by_no_tier() {
    let lines = logged(
        "info",
        &[
            ("get_credentials", TenantStatus::Suspended),
            ("missing_api_key_context", TenantStatus::Active),
        ],
    )
    .await;
    let suspended = &lines[0];
    let directives = emf(suspended);
    assert_eq!(directives[1].0, [vec!["Code".to_owned()]]);
    assert_eq!(directives[1].1, ["Refusals"]);
    assert_eq!(suspended["Code"], "TenantSuspended");
    assert_eq!(
        (suspended["Refusals"].as_u64(), suspended["Vends"].as_u64()),
        (Some(1), Some(0))
    );
    assert_eq!(suspended["Tier"], "premium");
    no_dimension_names_the_tenant(suspended);

    let anonymous = &lines[1];
    emf(anonymous);
    assert_eq!(anonymous["Tier"], vendor_fn::metrics::NO_TIER);
    assert_eq!(anonymous["Code"], "MissingApiKey");
}

#[tokio::test(flavor = "current_thread")]
async fn sts_throttling_and_registry_failures_are_their_own_metrics() {
    let buffer = Buffer::default();
    let _guard =
        tracing::subscriber::set_default(logging::subscriber(buffer.clone(), Some("info")));
    let sts_error = |code: &'static str| {
        move || {
            aws_sdk_sts::operation::assume_role::AssumeRoleError::generic(
                aws_smithy_types::error::ErrorMetadata::builder()
                    .code(code)
                    .build(),
            )
        }
    };
    let gets = Captured::default();
    let get = get_item_returns(Some(tenant(Tier::Basic, TenantStatus::Active)), &gets);
    let throttled = mock!(aws_sdk_sts::Client::assume_role).then_error(sts_error("Throttling"));
    handle(
        &vendor(&[&get], &[&throttled]),
        fixture("get_credentials"),
        "r1",
    )
    .await;
    let registry_down = mock!(aws_sdk_dynamodb::Client::get_item).then_error(|| {
        aws_sdk_dynamodb::operation::get_item::GetItemError::generic(
            aws_smithy_types::error::ErrorMetadata::builder()
                .code("InternalServerError")
                .build(),
        )
    });
    handle(
        &vendor(&[&registry_down], &[]),
        fixture("get_credentials"),
        "r2",
    )
    .await;

    let lines = buffer.lines();
    let (sts, registry) = (&lines[0], &lines[1]);
    emf(sts);
    emf(registry);
    assert_eq!(sts["Code"], "StsThrottled");
    assert_eq!(sts["Tier"], "basic");
    for (metric, value) in [
        ("StsThrottles", 1),
        ("StsFailures", 1),
        ("ServerErrors", 1),
        ("RegistryFailures", 0),
    ] {
        assert_eq!(sts[metric], value, "{metric}: {sts}");
    }
    assert_eq!(registry["RegistryFailures"], 1, "{registry}");
    assert_eq!(
        (
            registry["StsFailures"].as_u64(),
            registry["ServerErrors"].as_u64()
        ),
        (Some(0), Some(1))
    );
}

#[tokio::test(flavor = "current_thread")]
async fn a_wrong_key_value_is_refused_and_never_logged() {
    const PRESENTED: &str = "Zz9PresentedButWrongKeyValue0123456789ab";
    let buffer = Buffer::default();
    let _guard =
        tracing::subscriber::set_default(logging::subscriber(buffer.clone(), Some("trace")));
    let gets = Captured::default();
    let get = get_item_returns(Some(tenant(Tier::Basic, TenantStatus::Active)), &gets);
    let mut event = fixture("get_credentials");
    event["requestContext"]["identity"]["apiKey"] = PRESENTED.into();
    event["headers"]["x-api-key"] = PRESENTED.into();
    handle(&vendor(&[&get], &[]), event, "r").await;
    let text = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
    assert!(
        !text.contains(PRESENTED),
        "the presented value leaks:\n{text}"
    );
    assert!(!text.contains(&PRESENTED[..12]), "a prefix leaks:\n{text}");
    let lines = buffer.lines();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["outcome"], "InvalidApiKey");
    assert_eq!(lines[0]["status"], 403);
}
