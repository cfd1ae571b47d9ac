//! Bounded fuzzing of vendor-fn's parsers of outside bytes: the API
//! Gateway proxy event, the POST body, and the key authorizer's headers.
//!
//! `test_support::fuzz::cases()` inputs per target (512 under `cargo test`;
//! `FUZZ_CASES=N cargo test -p vendor-fn --test fuzz_parsers -- --nocapture`
//! for a longer run with each target's executions and time). Zero panics
//! first; then: the tenant is only ever the request context's key ID, a
//! body is read only when it is exactly the documented object, and no
//! caller text reaches a message beyond the escaped, bounded field name.
//!
//! The key authorizer's target, `key_authorizer_headers`: no panic, and a
//! key is only ever read from `x-api-key` or a non-SigV4 `Authorization`.

mod common;

use common::{TENANT_ID, VICTIM_ID, fixture};
use serde_json::{Value, json};
use test_support::fuzz::proptest::collection::vec;
use test_support::fuzz::proptest::prelude::*;
use test_support::fuzz::{self, proptest::option};
use vendor_fn::request::parse_event;
use vendor_fn::request_body::{self, MAX_BODY_BYTES};

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[ -~]{0,80}",
        vec(any::<u8>(), 0..64).prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
    ]
}

/// Any JSON value, a few levels deep.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        text().prop_map(Value::from),
        Just(json!(TENANT_ID)),
        Just(json!(VICTIM_ID)),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..4).prop_map(Value::from),
            vec((text(), inner), 0..4).prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Where in an event a mutation lands.
const PATHS: [&[&str]; 12] = [
    &["resource"],
    &["path"],
    &["httpMethod"],
    &["body"],
    &["isBase64Encoded"],
    &["headers"],
    &["headers", "x-api-key-id"],
    &["queryStringParameters"],
    &["requestContext"],
    &["requestContext", "identity"],
    &["requestContext", "identity", "apiKeyId"],
    &["requestContext", "requestId"],
];

fn set(event: &mut Value, path: &[&str], value: Value) {
    let mut at = event;
    for key in &path[..path.len() - 1] {
        if !at[*key].is_object() {
            at[*key] = json!({});
        }
        at = &mut at[*key];
    }
    at[path[path.len() - 1]] = value;
}

/// A real event with some fields replaced by anything, or anything at all.
fn event() -> impl Strategy<Value = Value> {
    let mutated = (
        prop_oneof![
            Just("get_credentials"),
            Just("post_read_only_1200"),
            Just("spoofed_identity")
        ],
        vec((prop::sample::select(PATHS.to_vec()), json_value()), 0..4),
    )
        .prop_map(|(name, changes)| {
            let mut event = fixture(name);
            for (path, value) in changes {
                set(&mut event, path, value);
            }
            event
        });
    prop_oneof![3 => mutated, 1 => json_value()]
}

#[test]
fn proxy_events() {
    fuzz::run("proxy event", event(), |event| {
        let context_id = event["requestContext"]["identity"]["apiKeyId"]
            .as_str()
            .map(str::to_owned);
        let (_, parsed) = parse_event(event);
        match parsed {
            Ok(request) => {
                // The tenant is the context's key ID and nothing else.
                prop_assert_eq!(Some(request.api_key_id.as_str()), context_id.as_deref());
            }
            Err(error) => {
                let message = error.public_message();
                prop_assert!(!message.contains(VICTIM_ID), "{message}");
                prop_assert!((400..500).contains(&error.status()), "{error:?}");
            }
        }
        Ok(())
    });
}

/// POST bodies: documented ones, near misses and anything at all.
fn body() -> impl Strategy<Value = String> {
    let field = prop_oneof![
        Just("\"durationSeconds\"".to_owned()),
        Just("\"scope\"".to_owned()),
        Just("\"durationSecond\"".to_owned()),
        Just("\"apiKeyId\"".to_owned()),
        Just("\"\\u0073cope\"".to_owned()),
        "\"[ -~]{0,10}\"",
    ];
    let value = prop_oneof![
        Just("900".to_owned()),
        Just("3600".to_owned()),
        Just("-1".to_owned()),
        Just("1e3".to_owned()),
        Just("18446744073709551616".to_owned()),
        Just("\"read-only\"".to_owned()),
        Just("\"read-write\"".to_owned()),
        Just("\"admin\"".to_owned()),
        Just("null".to_owned()),
        Just("[]".to_owned()),
        Just("{}".to_owned()),
    ];
    let object = vec((field, value), 0..4).prop_map(|members| {
        format!(
            "{{{}}}",
            members
                .iter()
                .map(|(k, v)| format!("{k}: {v}"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    });
    prop_oneof![3 => object, 1 => text(), 1 => (0..3usize).prop_map(|n| " ".repeat(MAX_BODY_BYTES - 1 + n))]
}

#[test]
fn post_bodies() {
    let strategy = (option::of(body()), any::<bool>());
    fuzz::run("POST body", strategy, |(body, base64)| {
        let sent = body.map(|b| {
            if base64 {
                aws_smithy_types::base64::encode(&b)
            } else {
                b
            }
        });
        match request_body::parse(sent.as_deref(), base64) {
            Ok(request) => {
                let raw = sent.unwrap_or_default();
                prop_assert!(raw.len() <= MAX_BODY_BYTES);
                let text = if base64 {
                    String::from_utf8(aws_smithy_types::base64::decode(&raw).expect("decoded once"))
                        .expect("utf-8")
                } else {
                    raw
                };
                if !text.trim().is_empty() {
                    // Only the documented object: known fields, each once.
                    let value: Value =
                        serde_json::from_str(&text).expect("accepted bodies are JSON");
                    let object = value.as_object().expect("accepted bodies are objects");
                    prop_assert!(
                        object
                            .keys()
                            .all(|k| request_body::FIELDS.contains(&k.as_str())),
                        "{text}"
                    );
                    prop_assert_eq!(
                        request.duration_seconds,
                        object.get("durationSeconds").and_then(Value::as_u64)
                    );
                }
            }
            Err(error) => {
                prop_assert!([400, 413].contains(&error.status()), "{error:?}");
                // The only caller text a message may hold is a field name,
                // escaped and cut to 64 characters (plus the fixed words).
                prop_assert!(error.public_message().chars().count() < 64 * 8 + 200);
            }
        }
        Ok(())
    });
}

/// Header values an authorizer sees: keys, SigV4 signatures, schemes, junk.
fn header_value() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        "[A-Za-z0-9]{20,40}".prop_map(String::into_bytes),
        "AWS4-HMAC-SHA256 Credential=[A-Z0-9]{4,20}/[0-9]{8}/us-east-1/execute-api/aws4_request, SignedHeaders=host, Signature=[0-9a-f]{8}"
            .prop_map(String::into_bytes),
        "(Bearer|Basic) [ -~]{0,30}".prop_map(String::into_bytes),
        Just(Vec::new()),
        "[ -~]{0,40}".prop_map(String::into_bytes),
        vec(any::<u8>(), 0..48),
    ]
}

fn header_name() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("x-api-key".to_owned()),
        Just("X-Api-Key".to_owned()),
        Just("authorization".to_owned()),
        Just("Authorization".to_owned()),
        Just("x-api-keys".to_owned()),
        Just("proxy-authorization".to_owned()),
        "[a-z-]{1,16}",
    ]
}

/// The key authorizer's header parsing (`key_authorizer::presented_key`):
/// no panic; a key is only ever the value of `x-api-key` or of a non-SigV4
/// `Authorization`; two different keys are refused; and no error text or
/// `Debug` output carries a presented value.
#[test]
fn key_authorizer_headers() {
    use aws_lambda_events::http::{HeaderMap, HeaderName, HeaderValue};
    use vendor_fn::VendError;
    use vendor_fn::key_authorizer::presented_key;

    fuzz::run(
        "key authorizer headers",
        vec((header_name(), header_value()), 0..5),
        |headers| {
            let mut map = HeaderMap::new();
            for (name, value) in &headers {
                // What API Gateway could not deliver either: not a header.
                if let (Ok(name), Ok(value)) = (
                    HeaderName::from_bytes(name.as_bytes()),
                    HeaderValue::from_bytes(value),
                ) {
                    map.append(name, value);
                }
            }
            let first = |name: &str| {
                map.get(name)
                    .and_then(|v| v.to_str().ok())
                    .filter(|v| !v.is_empty())
            };
            let api_key = first("x-api-key");
            let authorization =
                first("authorization").filter(|v| !v.starts_with("AWS4-HMAC-SHA256"));
            match presented_key(&map) {
                Ok(key) => {
                    let key = key.expose();
                    prop_assert!(!key.is_empty());
                    prop_assert!(
                        api_key == Some(key) || authorization == Some(key),
                        "a key from somewhere else: {key:?} in {map:?}"
                    );
                    // x-api-key is a key whatever it holds (an unknown one
                    // is then refused by the lookup); Authorization is one
                    // only when it is not a SigV4 signature.
                    prop_assert!(
                        api_key.is_some() || !key.starts_with("AWS4-HMAC-SHA256"),
                        "a SigV4 Authorization taken as a key"
                    );
                    if let (Some(a), Some(b)) = (api_key, authorization) {
                        prop_assert_eq!(a, b, "two different keys accepted");
                    }
                }
                Err(error) => {
                    match (api_key, authorization) {
                        (None, None) => prop_assert!(
                            matches!(error, VendError::MissingApiKeyContext),
                            "{error:?}"
                        ),
                        (Some(a), Some(b)) => {
                            prop_assert!(a != b);
                            prop_assert!(matches!(error, VendError::InvalidApiKey), "{error:?}");
                        }
                        _ => prop_assert!(false, "a single key refused: {error:?}"),
                    }
                    let shown = format!("{error} {error:?} {}", error.public_message());
                    for value in [api_key, authorization].into_iter().flatten() {
                        prop_assert!(value.len() < 8 || !shown.contains(value), "{shown}");
                    }
                }
            }
            Ok(())
        },
    );
}
