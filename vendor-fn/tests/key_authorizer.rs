//! The key authorizer from JSON fixtures, with the registry index mocked.

mod common;

use aws_sdk_dynamodb::operation::query::{QueryInput, QueryOutput};
use aws_smithy_mocks::{Rule, mock};
use common::*;
use serde_json::Value;
use tenant_registry::{API_KEY_HASH_INDEX, ApiKeyHash, TenantRecord, TenantStatus, Tier};
use vendor_fn::key_authorizer::authorize;
use vendor_fn::key_lookup::KeyLookup;

const METHOD_ARN: &str = "arn:aws:execute-api:us-east-1:123456789012:abc123defg/v1/GET/credentials";

fn authorizer_fixture(name: &str) -> Value {
    fixture(&format!("authorizer/{name}"))
}

/// The index answers with `records` whatever the hash (the rule records
/// which hash was asked for).
fn index_returns(records: Vec<TenantRecord>, seen: &Captured<QueryInput>) -> Rule {
    mock!(aws_sdk_dynamodb::Client::query)
        .match_requests(seen.recorder())
        .then_output(move || {
            QueryOutput::builder()
                .set_items(Some(records.iter().map(TenantRecord::to_item).collect()))
                .build()
        })
}

/// Runs `event` against an index holding `records`; returns the response
/// and the queries made.
async fn run(records: Vec<TenantRecord>, event: Value) -> (Value, Vec<QueryInput>) {
    let seen = Captured::default();
    let rule = index_returns(records, &seen);
    let lookup = KeyLookup::new(dynamodb(&[&rule]), TENANT_TABLE);
    let response = authorize(&lookup, event, "lambda-req-9").await;
    (response, seen.all())
}

fn assert_denied(response: &Value) {
    assert_eq!(response["principalId"], "anonymous", "{response}");
    assert_eq!(
        response["policyDocument"]["Statement"][0]["Effect"], "Deny",
        "{response}"
    );
    assert!(response.get("usageIdentifierKey").is_none(), "{response}");
    assert!(
        !response.to_string().contains(API_KEY_VALUE),
        "a refusal echoes no key: {response}"
    );
}

fn assert_allowed_for_the_tenant(response: &Value) {
    assert_eq!(response["principalId"], TENANT_ID, "{response}");
    let statement = &response["policyDocument"]["Statement"][0];
    assert_eq!(statement["Effect"], "Allow");
    assert_eq!(statement["Action"], "execute-api:Invoke");
    assert_eq!(statement["Resource"], METHOD_ARN, "this method only");
    assert_eq!(
        response["usageIdentifierKey"], API_KEY_VALUE,
        "the value: usage plans match values"
    );
    assert_eq!(response["context"]["apiKeyId"], TENANT_ID);
    assert_eq!(response["context"]["partitionKeyId"], TENANT_ID);
}

fn active() -> TenantRecord {
    tenant(Tier::Basic, TenantStatus::Active)
}

#[tokio::test]
async fn accepts_the_key_in_x_api_key() {
    let (response, queries) = run(vec![active()], authorizer_fixture("x_api_key")).await;
    assert_allowed_for_the_tenant(&response);
    let query = &queries[0];
    assert_eq!(query.index_name.as_deref(), Some(API_KEY_HASH_INDEX));
    assert_eq!(query.table_name.as_deref(), Some(TENANT_TABLE));
    assert_eq!(
        query.expression_attribute_values.as_ref().unwrap()[":h"]
            .as_s()
            .unwrap(),
        &ApiKeyHash::of(API_KEY_VALUE).to_hex(),
        "looked up by the hash, never the value"
    );
}

#[tokio::test]
async fn accepts_the_raw_token_in_authorization_as_the_sdks_send_it() {
    let (response, _) = run(vec![active()], authorizer_fixture("authorization")).await;
    assert_allowed_for_the_tenant(&response);
}

#[tokio::test]
async fn an_unknown_key_is_denied() {
    let (response, queries) = run(vec![], authorizer_fixture("x_api_key")).await;
    assert_denied(&response);
    assert_eq!(queries.len(), 1);
}

#[tokio::test]
async fn suspended_and_offboarded_tenants_are_denied() {
    for status in [TenantStatus::Suspended, TenantStatus::Offboarded] {
        let (response, _) = run(
            vec![tenant(Tier::Basic, status)],
            authorizer_fixture("authorization"),
        )
        .await;
        assert_denied(&response);
    }
}

#[tokio::test]
async fn an_empty_missing_or_sigv4_header_is_denied_without_a_lookup() {
    let sigv4 = "AWS4-HMAC-SHA256 Credential=ASIAEXAMPLE/20261127/us-east-1/execute-api/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc";
    for (header, value) in [
        ("Authorization", Some("")),
        ("Authorization", Some(sigv4)),
        ("Authorization", None),
    ] {
        let mut event = authorizer_fixture("authorization");
        match value {
            Some(v) => event["headers"][header] = v.into(),
            None => {
                event["headers"].as_object_mut().unwrap().remove(header);
            }
        }
        let (response, queries) = run(vec![active()], event).await;
        assert_denied(&response);
        assert!(queries.is_empty(), "{header}={value:?}: no lookup");
    }
    let mut event = authorizer_fixture("x_api_key");
    event["headers"]["X-Api-Key"] = "".into();
    let (response, queries) = run(vec![active()], event).await;
    assert_denied(&response);
    assert!(queries.is_empty());
}

#[tokio::test]
async fn a_garbage_key_is_looked_up_by_its_hash_and_denied() {
    for garbage in [
        "garbage",
        "Bearer Xq7TsecretApiKeyValue0123456789abcdefGHIJ",
        "\u{7f}\u{1}",
    ] {
        let mut event = authorizer_fixture("authorization");
        event["headers"]["Authorization"] = garbage.into();
        let (response, queries) = run(vec![], event).await;
        assert_denied(&response);
        assert!(queries.len() <= 1, "{garbage:?}");
    }
}

#[tokio::test]
async fn two_different_keys_in_the_two_headers_are_denied() {
    let mut event = authorizer_fixture("authorization");
    event["headers"]["x-api-key"] = "Other0123456789abcdefghijklmnopqrstuvwxyzAB".into();
    let (response, queries) = run(vec![active()], event).await;
    assert_denied(&response);
    assert!(queries.is_empty());
}

#[tokio::test]
async fn a_malformed_event_or_a_shared_hash_is_denied() {
    let (response, _) = run(vec![active()], serde_json::json!({"type": "REQUEST"})).await;
    assert_denied(&response);
    let (response, _) = run(vec![active(), active()], authorizer_fixture("x_api_key")).await;
    assert_denied(&response);
}

#[tokio::test]
async fn a_retired_key_is_denied_and_a_rotated_key_names_its_partition() {
    let mut retired = tenant(Tier::Basic, TenantStatus::Offboarded);
    retired.retired_at = Some("2026-11-28T09:00:00Z".parse().unwrap());
    let (response, _) = run(vec![retired], authorizer_fixture("x_api_key")).await;
    assert_denied(&response);

    let mut rotated = active();
    rotated.partition_key_id = Some(tenant_registry::ApiKeyId::parse("p0r1g2i3n4").unwrap());
    let (response, _) = run(vec![rotated], authorizer_fixture("x_api_key")).await;
    assert_eq!(response["principalId"], TENANT_ID);
    assert_eq!(response["context"]["apiKeyId"], TENANT_ID);
    assert_eq!(response["context"]["partitionKeyId"], "p0r1g2i3n4");
}
