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
