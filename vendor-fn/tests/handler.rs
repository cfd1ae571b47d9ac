//! Handler behaviour from JSON event fixtures, with mocked AWS clients.

mod common;

use aws_sdk_dynamodb::operation::get_item::GetItemError;
use aws_sdk_sts::operation::assume_role::AssumeRoleError;
use aws_smithy_mocks::mock;
use aws_smithy_runtime_api::http::{Response as HttpResponse, StatusCode};
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::error::ErrorMetadata;
use common::*;
use tenant_registry::{TenantStatus, Tier};
use vendor_fn::handle;

async fn run(
    fixture_name: &str,
    tier: Tier,
    status: TenantStatus,
) -> (
    aws_lambda_events::apigw::ApiGatewayProxyResponse,
    Captured<aws_sdk_dynamodb::operation::get_item::GetItemInput>,
    Captured<aws_sdk_sts::operation::assume_role::AssumeRoleInput>,
) {
    let gets = Captured::default();
    let assumes = Captured::default();
    let get = get_item_returns(Some(tenant(tier, status)), &gets);
    let assume = assume_role_succeeds(&assumes);
    let vendor = vendor(&[&get], &[&assume]);
    let response = handle(&vendor, fixture(fixture_name), "lambda-req-1").await;
    (response, gets, assumes)
}

#[tokio::test]
async fn vends_credentials_for_an_active_tenant() {
    let (response, gets, assumes) =
        run("get_credentials", Tier::Standard, TenantStatus::Active).await;
    assert_eq!(response.status_code, 200, "{:?}", response.body);
    assert_eq!(header(&response, "content-type"), Some("application/json"));
    assert_eq!(header(&response, "cache-control"), Some("no-store"));
    let body = body_json(&response);
    assert_eq!(
        body,
        serde_json::json!({
            "Version": 1,
            "AccessKeyId": ACCESS_KEY_ID,
            "SecretAccessKey": SECRET_ACCESS_KEY,
            "SessionToken": SESSION_TOKEN,
            "Token": SESSION_TOKEN,
            "Expiration": "2026-11-27T10:15:00Z",
            "Region": "us-east-1",
            "Tenant": { "ApiKeyId": TENANT_ID, "Tier": "standard" },
            "Resources": {
                "DynamoDbTable": "tcv-TenantData",
                "PartitionKey": TENANT_ID,
                "S3Bucket": "tcv-tenant-bucket",
                "S3Prefix": "a1b2c3d4e5/"
            }
        })
    );
    assert_eq!(gets.all().len(), 1);
    let assume = assumes.only();
    assert_eq!(assume.duration_seconds, Some(1800), "standard tier default");
    assert_eq!(assume.policy, None, "GET is read-write: no session policy");
}

#[tokio::test]
async fn a_siloed_tenant_is_pointed_at_its_own_table() {
    let gets = Captured::default();
    let assumes = Captured::default();
    let mut record = tenant(Tier::Basic, TenantStatus::Active);
    record.isolation = tenant_registry::Isolation::Siloed;
    let get = get_item_returns(Some(record), &gets);
    let assume = assume_role_succeeds(&assumes);
    let response = handle(
        &vendor(&[&get], &[&assume]),
        fixture("get_credentials"),
        "r",
    )
    .await;
    let body = body_json(&response);
    assert_eq!(body["Resources"]["DynamoDbTable"], "tcv-silo-a1b2c3d4e5");
    assert_eq!(body["Resources"]["PartitionKey"], TENANT_ID);
}

#[tokio::test]
async fn post_with_duration_and_read_only_scope_is_honoured() {
    let (response, _, assumes) =
        run("post_read_only_1200", Tier::Standard, TenantStatus::Active).await;
    assert_eq!(response.status_code, 200);
    let assume = assumes.only();
    assert_eq!(assume.duration_seconds, Some(1200));
    assert_eq!(
        assume.policy.as_deref(),
        Some(vendor_fn::issuer::READ_ONLY_SESSION_POLICY)
    );
}

#[tokio::test]
async fn post_with_an_empty_body_gets_the_tier_default() {
    let (response, _, assumes) = run("post_empty_body", Tier::Premium, TenantStatus::Active).await;
    assert_eq!(response.status_code, 200);
    assert_eq!(assumes.only().duration_seconds, Some(3600));
}

#[tokio::test]
async fn each_tier_gets_its_own_default_duration() {
    for (tier, seconds) in [
        (Tier::Basic, 900),
        (Tier::Standard, 1800),
        (Tier::Premium, 3600),
    ] {
        let (response, _, assumes) = run("get_credentials", tier, TenantStatus::Active).await;
        assert_eq!(response.status_code, 200);
        assert_eq!(assumes.only().duration_seconds, Some(seconds), "{tier}");
    }
}

#[tokio::test]
async fn identity_claimed_in_the_query_or_headers_is_ignored() {
    let (response, gets, assumes) =
        run("spoofed_identity", Tier::Basic, TenantStatus::Active).await;
    assert_eq!(response.status_code, 200, "{:?}", response.body);
    let key = gets.only().key.unwrap();
    assert_eq!(
        key["apiKeyId"].as_s().unwrap(),
        TENANT_ID,
        "looked up the context's tenant"
    );
    let assume = assumes.only();
    assert_eq!(
        assume.tags.unwrap()[0].value,
        TENANT_ID,
        "tagged with the context's tenant"
    );
    let body = response.body.map(|b| format!("{b:?}")).unwrap_or_default();
    assert!(
        !body.contains(VICTIM_ID),
        "the claimed identity never reaches the response"
    );
}

async fn refused_before_any_aws_call(fixture_name: &str, status: i64, code: &str) {
    let (response, gets, assumes) = run(fixture_name, Tier::Standard, TenantStatus::Active).await;
    assert_error(&response, status, code);
    assert!(gets.all().is_empty(), "{fixture_name}: no registry lookup");
    assert!(assumes.all().is_empty(), "{fixture_name}: no AssumeRole");
}

/// A fixture's event with another body.
fn with_body(fixture_name: &str, body: &str, base64: bool) -> serde_json::Value {
    let mut event = fixture(fixture_name);
    event["body"] = body.into();
    event["isBase64Encoded"] = base64.into();
    event
}

async fn refused_body(body: &str, base64: bool, status: i64, code: &str) -> serde_json::Value {
    let gets = Captured::default();
    let assumes = Captured::default();
    let get = get_item_returns(Some(tenant(Tier::Standard, TenantStatus::Active)), &gets);
    let assume = assume_role_succeeds(&assumes);
    let event = with_body("post_read_only_1200", body, base64);
    let response = handle(&vendor(&[&get], &[&assume]), event, "r").await;
    assert_error(&response, status, code);
    assert!(gets.all().is_empty(), "{body}: no registry lookup");
    assert!(assumes.all().is_empty(), "{body}: no AssumeRole");
    body_json(&response)
}

#[tokio::test]
async fn identity_claimed_in_the_body_is_refused_by_field_name() {
    refused_before_any_aws_call("identity_claimed_in_body", 400, "UnknownField").await;
    let (response, _, _) = run(
        "identity_claimed_in_body",
        Tier::Standard,
        TenantStatus::Active,
    )
    .await;
    let message = body_json(&response)["message"].as_str().unwrap().to_owned();
    assert!(message.contains("\"apiKeyId\""), "{message}");
    assert!(
        !message.contains(VICTIM_ID),
        "names the field, not its value: {message}"
    );
}

#[tokio::test]
async fn a_typo_in_a_field_name_is_400_not_the_tiers_longest_session() {
    let body = refused_body(r#"{"durationSecond": 900}"#, false, 400, "UnknownField").await;
    assert!(body["message"].as_str().unwrap().contains("durationSecond"));
    refused_body(
        r#"{"scope": "read-only", "scope": "read-write"}"#,
        false,
        400,
        "DuplicateField",
    )
    .await;
}

#[tokio::test]
async fn a_body_over_the_limit_is_413_before_any_aws_call() {
    let big = format!(
        r#"{{"durationSeconds": 900, "pad": "{}"}}"#,
        "x".repeat(1024 * 1024)
    );
    let body = refused_body(&big, false, 413, "RequestTooLarge").await;
    assert!(body["message"].as_str().unwrap().contains("4096"));
    let padded = format!("{{{}}}", " ".repeat(5000));
    refused_body(&padded, false, 413, "RequestTooLarge").await;
}

#[tokio::test]
async fn base64_bodies_are_honoured_and_checked_like_plain_ones() {
    let (gets, assumes) = (Captured::default(), Captured::default());
    let get = get_item_returns(Some(tenant(Tier::Standard, TenantStatus::Active)), &gets);
    let assume = assume_role_succeeds(&assumes);
    let encoded =
        aws_smithy_types::base64::encode(r#"{"durationSeconds": 1000, "scope": "read-write"}"#);
    let event = with_body("post_read_only_1200", &encoded, true);
    let response = handle(&vendor(&[&get], &[&assume]), event, "r").await;
    assert_eq!(response.status_code, 200, "{:?}", response.body);
    let assume = assumes.only();
    assert_eq!(assume.duration_seconds, Some(1000));
    assert_eq!(assume.policy, None, "read-write: no session policy");
    refused_body("not base64!", true, 400, "MalformedRequest").await;
    let typo = aws_smithy_types::base64::encode(r#"{"scop": "read-only"}"#);
    refused_body(&typo, true, 400, "UnknownField").await;
}

#[tokio::test]
async fn durations_that_are_not_whole_seconds_are_400_before_any_aws_call() {
    for bad in ["900.5", "-900", "\"900\"", "1e3"] {
        refused_body(
            &format!(r#"{{"durationSeconds": {bad}}}"#),
            false,
            400,
            "MalformedRequest",
        )
        .await;
    }
}

#[tokio::test]
async fn durations_at_the_bounds_are_honoured_and_beyond_u32_is_out_of_range() {
    for (tier, seconds) in [
        (Tier::Standard, 900),
        (Tier::Standard, 1800),
        (Tier::Premium, 3600),
    ] {
        let (gets, assumes) = (Captured::default(), Captured::default());
        let get = get_item_returns(Some(tenant(tier, TenantStatus::Active)), &gets);
        let assume = assume_role_succeeds(&assumes);
        let event = with_body(
            "post_read_only_1200",
            &format!(r#"{{"durationSeconds": {seconds}}}"#),
            false,
        );
        let response = handle(&vendor(&[&get], &[&assume]), event, "r").await;
        assert_eq!(response.status_code, 200, "{tier} {seconds}");
        assert_eq!(assumes.only().duration_seconds, Some(seconds));
    }
    let (gets, assumes) = (Captured::default(), Captured::default());
    let get = get_item_returns(Some(tenant(Tier::Premium, TenantStatus::Active)), &gets);
    let assume = assume_role_succeeds(&assumes);
    let event = with_body(
        "post_read_only_1200",
        r#"{"durationSeconds": 4294968196}"#,
        false,
    );
    let response = handle(&vendor(&[&get], &[&assume]), event, "r").await;
    assert_error(&response, 400, "InvalidDuration");
    assert!(assumes.all().is_empty(), "2^32 + 900 must not wrap to 900");
}

#[tokio::test]
async fn missing_api_key_context_is_403() {
    refused_before_any_aws_call("missing_api_key_context", 403, "MissingApiKey").await;
    refused_before_any_aws_call("empty_api_key_id", 403, "MissingApiKey").await;
}

#[tokio::test]
async fn an_api_key_id_with_unsafe_characters_is_refused_before_any_aws_call() {
    refused_before_any_aws_call("invalid_api_key_id_chars", 403, "InvalidApiKeyId").await;
}

#[tokio::test]
async fn a_malformed_json_body_is_400() {
    refused_before_any_aws_call("malformed_json_body", 400, "MalformedRequest").await;
}

#[tokio::test]
async fn an_unknown_scope_is_400() {
    refused_before_any_aws_call("invalid_scope", 400, "InvalidScope").await;
}

#[tokio::test]
async fn other_routes_and_methods_get_json_404_and_405() {
    refused_before_any_aws_call("unknown_route", 404, "NotFound").await;
    let (response, _, _) = run("delete_method", Tier::Basic, TenantStatus::Active).await;
    assert_error(&response, 405, "MethodNotAllowed");
    assert_eq!(header(&response, "allow"), Some("GET, POST"));
}

#[tokio::test]
async fn an_event_that_is_not_a_proxy_event_is_400() {
    let vendor = vendor(&[], &[]);
    for event in [
        serde_json::json!("hello"),
        serde_json::json!({"httpMethod": 7}),
        serde_json::json!([]),
    ] {
        let response = handle(&vendor, event, "r").await;
        assert_error(&response, 400, "MalformedEvent");
    }
}

#[tokio::test]
async fn a_duration_beyond_the_tier_or_below_900_is_400_and_never_clamped() {
    for fixture_name in ["duration_out_of_range", "duration_below_minimum"] {
        let (response, gets, assumes) =
            run(fixture_name, Tier::Standard, TenantStatus::Active).await;
        assert_error(&response, 400, "InvalidDuration");
        assert!(
            body_json(&response)["message"]
                .as_str()
                .unwrap()
                .contains("1800"),
            "names the tier's maximum"
        );
        assert_eq!(gets.all().len(), 1, "the tier comes from the registry");
        assert!(assumes.all().is_empty(), "{fixture_name}: no AssumeRole");
    }
}

#[tokio::test]
async fn an_unknown_tenant_is_403() {
    let gets = Captured::default();
    let assumes = Captured::default();
    let get = get_item_returns(None, &gets);
    let assume = assume_role_succeeds(&assumes);
    let response = handle(
        &vendor(&[&get], &[&assume]),
        fixture("get_credentials"),
        "r",
    )
    .await;
    assert_error(&response, 403, "UnknownTenant");
    assert!(assumes.all().is_empty());
}

#[tokio::test]
async fn suspended_and_offboarded_tenants_get_403_with_their_own_codes() {
    for (status, code) in [
        (TenantStatus::Suspended, "TenantSuspended"),
        (TenantStatus::Offboarded, "TenantOffboarded"),
    ] {
        let (response, _, assumes) = run("get_credentials", Tier::Premium, status).await;
        assert_error(&response, 403, code);
        assert!(assumes.all().is_empty(), "{status}: no AssumeRole");
    }
}

#[tokio::test]
async fn a_corrupt_registry_item_is_500_without_credentials() {
    let assumes = Captured::default();
    let get = mock!(aws_sdk_dynamodb::Client::get_item).then_output(|| {
        let mut item = tenant(Tier::Basic, TenantStatus::Active).to_item();
        item.remove("tier");
        aws_sdk_dynamodb::operation::get_item::GetItemOutput::builder()
            .set_item(Some(item))
            .build()
    });
    let assume = assume_role_succeeds(&assumes);
    let response = handle(
        &vendor(&[&get], &[&assume]),
        fixture("get_credentials"),
        "r",
    )
    .await;
    assert_error(&response, 500, "TenantRecordInvalid");
    assert!(assumes.all().is_empty());
}

fn sts_error(code: &'static str) -> AssumeRoleError {
    AssumeRoleError::generic(
        ErrorMetadata::builder()
            .code(code)
            .message("internal detail arn:aws:iam::999999999999:role/Other")
            .build(),
    )
}

#[tokio::test]
async fn sts_throttling_after_the_sdk_retries_is_503_with_retry_after() {
    let gets = Captured::default();
    let get = get_item_returns(Some(tenant(Tier::Basic, TenantStatus::Active)), &gets);
    let throttled = mock!(aws_sdk_sts::Client::assume_role).then_error(|| sts_error("Throttling"));
    let response = handle(
        &vendor(&[&get], &[&throttled]),
        fixture("get_credentials"),
        "r",
    )
    .await;
    assert_error(&response, 503, "StsThrottled");
    assert_eq!(header(&response, "retry-after"), Some("1"));
    assert_eq!(throttled.num_calls(), 3, "the SDK retried before giving up");
    assert!(
        !body_json(&response).to_string().contains("999999999999"),
        "no AWS error text"
    );
}

#[tokio::test]
async fn a_throttle_that_clears_within_the_sdk_retries_still_vends() {
    let gets = Captured::default();
    let get = get_item_returns(Some(tenant(Tier::Basic, TenantStatus::Active)), &gets);
    let flaky = mock!(aws_sdk_sts::Client::assume_role)
        .sequence()
        .error(|| sts_error("Throttling"))
        .output(|| {
            aws_sdk_sts::operation::assume_role::AssumeRoleOutput::builder()
                .credentials(vended_credentials())
                .build()
        })
        .build();
    let response = handle(&vendor(&[&get], &[&flaky]), fixture("get_credentials"), "r").await;
    assert_eq!(response.status_code, 200);
    assert_eq!(flaky.num_calls(), 2);
}

#[tokio::test]
async fn sts_access_denied_is_a_500_deployment_fault_and_not_retried() {
    let gets = Captured::default();
    let get = get_item_returns(Some(tenant(Tier::Basic, TenantStatus::Active)), &gets);
    let denied = mock!(aws_sdk_sts::Client::assume_role).then_error(|| sts_error("AccessDenied"));
    let response = handle(
        &vendor(&[&get], &[&denied]),
        fixture("get_credentials"),
        "r",
    )
    .await;
    assert_error(&response, 500, "StsAccessDenied");
    assert_eq!(header(&response, "retry-after"), None);
    assert_eq!(denied.num_calls(), 1);
}

#[tokio::test]
async fn sts_5xx_is_503() {
    let gets = Captured::default();
    let get = get_item_returns(Some(tenant(Tier::Basic, TenantStatus::Active)), &gets);
    let down = mock!(aws_sdk_sts::Client::assume_role).then_http_response(|| {
        HttpResponse::new(StatusCode::try_from(503).unwrap(), SdkBody::from(""))
    });
    let response = handle(&vendor(&[&get], &[&down]), fixture("get_credentials"), "r").await;
    assert_error(&response, 503, "StsUnavailable");
    assert_eq!(header(&response, "retry-after"), Some("1"));
}

#[tokio::test]
async fn dynamodb_unavailable_is_503_and_no_credentials_are_issued() {
    let assumes = Captured::default();
    let down = mock!(aws_sdk_dynamodb::Client::get_item).then_http_response(|| {
        HttpResponse::new(
            StatusCode::try_from(500).unwrap(),
            SdkBody::from(r#"{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"boom"}"#),
        )
    });
    let assume = assume_role_succeeds(&assumes);
    let response = handle(
        &vendor(&[&down], &[&assume]),
        fixture("get_credentials"),
        "r",
    )
    .await;
    assert_error(&response, 503, "RegistryUnavailable");
    assert_eq!(header(&response, "retry-after"), Some("1"));
    assert_eq!(down.num_calls(), 3, "the SDK retried before giving up");
    assert!(assumes.all().is_empty());
}

#[tokio::test]
async fn dynamodb_throttling_is_503_and_a_missing_registry_table_is_500() {
    let throttled = mock!(aws_sdk_dynamodb::Client::get_item).then_error(|| {
        GetItemError::generic(
            ErrorMetadata::builder()
                .code("ProvisionedThroughputExceededException")
                .build(),
        )
    });
    let response = handle(&vendor(&[&throttled], &[]), fixture("get_credentials"), "r").await;
    assert_error(&response, 503, "RegistryThrottled");
    assert_eq!(header(&response, "retry-after"), Some("1"));
    assert_eq!(throttled.num_calls(), 3, "the SDK retried before giving up");

    let missing = mock!(aws_sdk_dynamodb::Client::get_item).then_error(|| {
        GetItemError::generic(
            ErrorMetadata::builder()
                .code("ResourceNotFoundException")
                .build(),
        )
    });
    let response = handle(&vendor(&[&missing], &[]), fixture("get_credentials"), "r").await;
    assert_error(&response, 500, "RegistryMisconfigured");
}

/// An STS error as it comes over the wire (the Query protocol's XML).
fn sts_wire_error(status: u16, code: &str) -> HttpResponse {
    HttpResponse::new(
        StatusCode::try_from(status).unwrap(),
        SdkBody::from(format!(
            "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type><Code>{code}</Code><Message>internal detail arn:aws:iam::999999999999:role/Other</Message></Error><RequestId>4c0f1e2a</RequestId></ErrorResponse>"
        )),
    )
}

/// Runs one vend whose AssumeRole answers with `response`, and returns the
/// vendor's response and how often STS was called.
async fn vend_with_sts_answering(
    response: fn() -> HttpResponse,
) -> (aws_lambda_events::apigw::ApiGatewayProxyResponse, usize) {
    let gets = Captured::default();
    let get = get_item_returns(Some(tenant(Tier::Basic, TenantStatus::Active)), &gets);
    let refused = mock!(aws_sdk_sts::Client::assume_role).then_http_response(response);
    let vended = handle(
        &vendor(&[&get], &[&refused]),
        fixture("get_credentials"),
        "r",
    )
    .await;
    (vended, refused.num_calls())
}

#[tokio::test]
async fn sts_refusing_the_vendors_request_as_malformed_or_its_region_as_disabled_is_500_sts_misconfigured()
 {
    let answers: [fn() -> HttpResponse; 3] = [
        || sts_wire_error(400, "MalformedPolicyDocument"),
        || sts_wire_error(400, "PackedPolicyTooLarge"),
        || sts_wire_error(403, "RegionDisabledException"),
    ];
    for answer in answers {
        let (response, calls) = vend_with_sts_answering(answer).await;
        assert_error(&response, 500, "StsMisconfigured");
        assert_eq!(header(&response, "retry-after"), None);
        assert_eq!(calls, 1, "a deployment fault is not retried");
        let body = body_json(&response).to_string();
        assert!(
            !body.contains("999999999999") && !body.contains("internal detail"),
            "no AWS error text: {body}"
        );
    }
}

#[tokio::test]
async fn any_other_sts_refusal_is_502_sts_failed_and_not_retried() {
    let (response, calls) =
        vend_with_sts_answering(|| sts_wire_error(400, "InvalidParameterValue")).await;
    assert_error(&response, 502, "StsFailed");
    assert_eq!(header(&response, "retry-after"), None);
    assert_eq!(calls, 1);
    assert!(!body_json(&response).to_string().contains("internal detail"));
}

#[tokio::test]
async fn any_other_registry_refusal_is_502_registry_failed_and_no_credentials_are_issued() {
    let assumes = Captured::default();
    // A GetItem error the classifier has no entry for, with a 4xx status.
    let refused = mock!(aws_sdk_dynamodb::Client::get_item).then_http_response(|| {
        HttpResponse::new(
            StatusCode::try_from(421).unwrap(),
            SdkBody::from(
                r#"{"__type":"com.amazonaws.dynamodb.v20120810#InvalidEndpointException","message":"internal detail"}"#,
            ),
        )
    });
    let assume = assume_role_succeeds(&assumes);
    let response = handle(
        &vendor(&[&refused], &[&assume]),
        fixture("get_credentials"),
        "r",
    )
    .await;
    assert_error(&response, 502, "RegistryFailed");
    assert_eq!(header(&response, "retry-after"), None);
    assert_eq!(refused.num_calls(), 1);
    assert!(assumes.all().is_empty());
    assert!(!body_json(&response).to_string().contains("internal detail"));
}

/// The `get_credentials` event with `requestContext.identity.apiKey` set
/// to `value` (`None`: absent, as in a forged event that names a key ID only).
fn presenting(value: Option<&str>) -> serde_json::Value {
    let mut event = fixture("get_credentials");
    let identity = event["requestContext"]["identity"].as_object_mut().unwrap();
    match value {
        Some(v) => {
            identity.insert("apiKey".into(), v.into());
        }
        None => {
            identity.remove("apiKey");
        }
    }
    event
}

/// Runs `event` against an active tenant `record`; returns the response
/// and how many AssumeRole calls were made.
async fn vend_for(
    record: tenant_registry::TenantRecord,
    event: serde_json::Value,
) -> (aws_lambda_events::apigw::ApiGatewayProxyResponse, usize) {
    let (gets, assumes) = (Captured::default(), Captured::default());
    let get = get_item_returns(Some(record), &gets);
    let assume = assume_role_succeeds(&assumes);
    let response = handle(&vendor(&[&get], &[&assume]), event, "r").await;
    (response, assumes.all().len())
}

#[tokio::test]
async fn a_wrong_key_value_is_403_without_sts() {
    let (response, sts_calls) = vend_for(
        tenant(Tier::Standard, TenantStatus::Active),
        presenting(Some("Xq7TwrongValue0123456789abcdefGHIJKLMNO")),
    )
    .await;
    assert_error(&response, 403, "InvalidApiKey");
    assert_eq!(sts_calls, 0);
}

#[tokio::test]
async fn another_tenants_key_value_is_403_without_sts() {
    // A forged event naming tenant A's key ID with tenant B's (real) key.
    let other_tenants_key = "Bq9OtherTenantsRealKey0123456789abcdefXY";
    let (response, sts_calls) = vend_for(
        tenant(Tier::Standard, TenantStatus::Active),
        presenting(Some(other_tenants_key)),
    )
    .await;
    assert_error(&response, 403, "InvalidApiKey");
    assert_eq!(sts_calls, 0);
}

#[tokio::test]
async fn no_key_value_is_403_before_any_aws_call() {
    for event in [presenting(None), presenting(Some(""))] {
        let (gets, assumes) = (Captured::default(), Captured::default());
        let get = get_item_returns(Some(tenant(Tier::Standard, TenantStatus::Active)), &gets);
        let assume = assume_role_succeeds(&assumes);
        let response = handle(&vendor(&[&get], &[&assume]), event, "r").await;
        assert_error(&response, 403, "MissingApiKey");
        assert!(gets.all().is_empty(), "no registry lookup");
        assert!(assumes.all().is_empty(), "no AssumeRole");
    }
}

#[tokio::test]
async fn the_key_value_in_another_case_or_with_a_space_is_403_without_sts() {
    for variant in [
        API_KEY_VALUE.to_uppercase(),
        API_KEY_VALUE.to_lowercase(),
        format!("{API_KEY_VALUE} "),
        format!(" {API_KEY_VALUE}"),
        format!("{API_KEY_VALUE}\n"),
    ] {
        let (response, sts_calls) = vend_for(
            tenant(Tier::Standard, TenantStatus::Active),
            presenting(Some(&variant)),
        )
        .await;
        assert_error(&response, 403, "InvalidApiKey");
        assert_eq!(sts_calls, 0, "{variant:?}");
    }
}

#[tokio::test]
async fn a_record_without_the_hash_is_refused_with_its_own_code() {
    let mut record = tenant(Tier::Standard, TenantStatus::Active);
    record.api_key_sha256 = None;
    let (response, sts_calls) = vend_for(record, fixture("get_credentials")).await;
    assert_error(&response, 500, "TenantKeyHashMissing");
    assert_eq!(sts_calls, 0);
    let message = body_json(&response)["message"].as_str().unwrap().to_owned();
    assert!(message.contains("backfill-key-hashes"), "{message}");
}

#[tokio::test]
async fn the_key_is_checked_before_the_status_is_told() {
    let (response, _) = vend_for(
        tenant(Tier::Standard, TenantStatus::Suspended),
        presenting(Some("wrong")),
    )
    .await;
    assert_error(&response, 403, "InvalidApiKey");
}

#[tokio::test]
async fn a_rotated_key_vends_for_the_tenants_partition_and_names_itself() {
    let mut record = tenant(Tier::Standard, TenantStatus::Active);
    record.partition_key_id = Some(tenant_registry::ApiKeyId::parse("p0r1g2i3n4").unwrap());
    let (gets, assumes) = (Captured::default(), Captured::default());
    let get = get_item_returns(Some(record), &gets);
    let assume = assume_role_succeeds(&assumes);
    let response = handle(
        &vendor(&[&get], &[&assume]),
        fixture("get_credentials"),
        "r",
    )
    .await;
    assert_eq!(response.status_code, 200, "{:?}", response.body);
    let body = body_json(&response);
    assert_eq!(body["Tenant"]["ApiKeyId"], TENANT_ID, "the key that asked");
    assert_eq!(body["Resources"]["PartitionKey"], "p0r1g2i3n4");
    assert_eq!(body["Resources"]["S3Prefix"], "p0r1g2i3n4/");
    let input = assumes.only();
    assert_eq!(input.tags.unwrap()[0].value, "p0r1g2i3n4");
    assert_eq!(input.role_session_name.as_deref(), Some("p0r1g2i3n4"));
    assert_eq!(input.source_identity.as_deref(), Some(TENANT_ID));
}

#[tokio::test]
async fn a_retired_key_is_403_with_its_own_code_and_no_sts() {
    let mut record = tenant(Tier::Standard, TenantStatus::Offboarded);
    record.retired_at = Some("2026-11-28T09:00:00Z".parse().unwrap());
    let (response, sts_calls) = vend_for(record, fixture("get_credentials")).await;
    assert_error(&response, 403, "ApiKeyRetired");
    assert_eq!(sts_calls, 0);
}

#[tokio::test]
async fn a_tenant_resumed_inside_its_revocation_window_gets_503_with_retry_after_and_no_session() {
    // `resume` moments after `suspend --revoke-sessions`: a session issued
    // now would still be denied, so none is issued.
    let mut record = tenant(Tier::Standard, TenantStatus::Active);
    record.new_sessions_refused_until = Some(chrono::Utc::now() + chrono::TimeDelta::seconds(90));
    let (response, sts_calls) = vend_for(record.clone(), fixture("get_credentials")).await;
    assert_error(&response, 503, "NewSessionsRefused");
    assert_eq!(sts_calls, 0, "no AssumeRole for a session AWS would deny");
    let retry_after: u32 = header(&response, "retry-after")
        .expect("Retry-After")
        .parse()
        .expect("whole seconds");
    assert!(
        (85..=90).contains(&retry_after),
        "until the revocation lapses, got {retry_after}"
    );

    // Once the moment has passed, the tenant vends as usual.
    record.new_sessions_refused_until = Some(chrono::Utc::now() - chrono::TimeDelta::seconds(1));
    let (response, sts_calls) = vend_for(record, fixture("get_credentials")).await;
    assert_eq!(response.status_code, 200, "{:?}", response.body);
    assert_eq!(sts_calls, 1);
}
