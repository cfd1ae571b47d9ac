//! The whole system over HTTP: API keys through the local API Gateway, the
//! real vendor-fn binary under the local Lambda, and the vended credentials
//! used with the Rust SDK against the sandbox's IAM enforcement.

mod system_support;

use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::AttributeValue;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use sandbox::system::{Options, System};
use sandbox::throttle::ThrottleClock;
use system_support::{admin_dynamodb, dynamodb, get, onboard, post, seconds_to_expiry, start};
use tenant_lifecycle::{Silent, TenantRef};
use tenant_registry::{ApiKeyId, Tier};

fn item(pk: &str, sk: &str) -> std::collections::HashMap<String, AttributeValue> {
    [
        ("pk".to_owned(), AttributeValue::S(pk.into())),
        ("sk".to_owned(), AttributeValue::S(sk.into())),
    ]
    .into()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_tier_vends_its_duration_and_the_credentials_reach_only_its_own_items() {
    let system = start().await;
    let table = system.deployment().data_table.clone();
    let mut tenants = Vec::new();
    for (name, tier, seconds) in [
        ("Basic Co", Tier::Basic, 900),
        ("Standard Co", Tier::Standard, 1800),
        ("Premium Co", Tier::Premium, 3600),
    ] {
        let tenant = onboard(&system, name, tier).await;
        let response = get(&system, Some(&tenant.api_key)).await;
        assert_eq!(response.status, 200, "{name}: {}", response.body);
        assert_eq!(response.headers["cache-control"], "no-store");
        let body = response.json();
        assert_eq!(body["Tenant"]["Tier"], tier.as_str());
        assert_eq!(body["Tenant"]["ApiKeyId"], tenant.api_key_id.as_str());
        let left = seconds_to_expiry(&response);
        assert!(
            (seconds - 60..=seconds).contains(&left),
            "{name}: expires in {left} s, expected about {seconds}"
        );
        tenants.push((tenant, dynamodb(&system, &response)));
    }
    for (tenant, client) in &tenants {
        client
            .put_item()
            .table_name(&table)
            .set_item(Some(item(&tenant.api_key_id, "hello")))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{} writes its own item: {:?}", tenant.name, e.code()));
        let read = client
            .get_item()
            .table_name(&table)
            .set_key(Some(item(&tenant.api_key_id, "hello")))
            .send()
            .await;
        assert!(read.expect("reads its own item").item().is_some());
    }
    let (basic, basic_client) = &tenants[0];
    let (premium, _) = &tenants[2];
    let refused = basic_client
        .get_item()
        .table_name(&table)
        .set_key(Some(item(&premium.api_key_id, "hello")))
        .send()
        .await;
    assert_eq!(
        refused.unwrap_err().code(),
        Some("AccessDeniedException"),
        "{} reads another tenant's item",
        basic.name
    );
    let scan = basic_client.scan().table_name(&table).send().await;
    assert_eq!(scan.unwrap_err().code(), Some("AccessDeniedException"));
}

/// The credentials event API Gateway would send after an Allow from the key
/// authorizer for `tenant` (identity from the request context, as on AWS).
fn event_for(tenant: &sandbox::system::Tenant) -> serde_json::Value {
    let mut event: serde_json::Value = serde_json::from_str(include_str!(
        "../../vendor-fn/tests/fixtures/get_credentials.json"
    ))
    .unwrap();
    let identity = &mut event["requestContext"]["identity"];
    identity["apiKeyId"] = tenant.api_key_id.as_str().into();
    identity["apiKey"] = tenant.api_key.as_str().into();
    event
}

/// vendor-fn's answer to `event`, invoked through the local Lambda.
async fn invoke(system: &sandbox::system::System, event: &serde_json::Value) -> serde_json::Value {
    let payload = system
        .host()
        .invoke("direct", bytes::Bytes::from(event.to_string()))
        .await
        .expect("the function answers");
    let response: serde_json::Value = serde_json::from_slice(&payload).unwrap();
    let body = response["body"].as_str().unwrap_or("null");
    serde_json::json!({
        "status": response["statusCode"],
        "body": serde_json::from_str::<serde_json::Value>(body).unwrap_or_default(),
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn suspended_and_unknown_tenants_are_refused_by_the_authorizer_and_by_vendor_fn() {
    let system = start().await;
    let tenant = onboard(&system, "Soon Suspended", Tier::Standard).await;
    let admin = admin_dynamodb(&system);
    let registry = system.deployment().tenant_table.clone();
    let key = || {
        [(
            "apiKeyId".to_owned(),
            AttributeValue::S(tenant.api_key_id.clone()),
        )]
        .into()
    };
    let explicit_deny = serde_json::json!({
        "message": "User is not authorized to access this resource with an explicit deny"
    });

    // The registry says suspended while API Gateway still accepts the key
    // (a suspend half-way): the key authorizer denies it.
    admin
        .update_item()
        .table_name(&registry)
        .set_key(Some(key()))
        .update_expression("SET #s = :s")
        .expression_attribute_names("#s", "status")
        .expression_attribute_values(":s", AttributeValue::S("suspended".into()))
        .send()
        .await
        .unwrap();
    let response = get(&system, Some(&tenant.api_key)).await;
    assert_eq!(
        (response.status.as_u16(), response.json()),
        (403, explicit_deny.clone())
    );
    // vendor-fn refuses too, should it be called anyway (the authorizer
    // reads an eventually consistent index; vendor-fn reads strongly).
    let answer = invoke(&system, &event_for(&tenant)).await;
    assert_eq!(answer["status"], 403, "{answer}");
    assert_eq!(answer["body"]["code"], "TenantSuspended", "{answer}");

    // A key API Gateway knows but the registry does not.
    admin
        .delete_item()
        .table_name(&registry)
        .set_key(Some(key()))
        .send()
        .await
        .unwrap();
    let response = get(&system, Some(&tenant.api_key)).await;
    assert_eq!(
        (response.status.as_u16(), response.json()),
        (403, explicit_deny)
    );
    let answer = invoke(&system, &event_for(&tenant)).await;
    assert_eq!(answer["status"], 403, "{answer}");
    assert_eq!(answer["body"]["code"], "UnknownTenant", "{answer}");
    assert!(
        !response.body.contains(&tenant.api_key) && !answer.to_string().contains(&tenant.api_key),
        "the key value is never echoed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_unknown_suspended_and_disabled_api_keys_are_refused_by_the_gateway() {
    let system = start().await;
    let tenant = onboard(&system, "Acme", Tier::Standard).await;
    let explicit_deny = serde_json::json!({
        "message": "User is not authorized to access this resource with an explicit deny"
    });
    // No identity source on the authorizer: API Gateway calls it even with
    // no key, and it denies.
    for key in [
        None,
        Some(""),
        Some("no-such-key-0123456789abcdefghijklmnopq"),
    ] {
        let response = get(&system, key).await;
        assert_eq!(response.status, 403, "{key:?}");
        assert_eq!(response.json(), explicit_deny, "{key:?}");
    }
    // tenantctl suspend: registry suspended (the authorizer denies) and the
    // key disabled.
    let id = TenantRef::Id(ApiKeyId::parse(&tenant.api_key_id).unwrap());
    system
        .lifecycle()
        .suspend(&id, false, &Silent)
        .await
        .expect("suspends");
    let response = get(&system, Some(&tenant.api_key)).await;
    assert_eq!(
        (response.status.as_u16(), response.json()),
        (403, explicit_deny)
    );
    system
        .lifecycle()
        .resume(&id, &Silent)
        .await
        .expect("resumes");
    assert_eq!(get(&system, Some(&tenant.api_key)).await.status, 200);

    // A key disabled in API Gateway whose tenant is active: the authorizer
    // allows, and API Gateway refuses the usageIdentifierKey it returned.
    let apigateway = aws_sdk_apigateway::Client::new(system.admin_config());
    apigateway
        .update_api_key()
        .api_key(&tenant.api_key_id)
        .patch_operations(
            aws_sdk_apigateway::types::PatchOperation::builder()
                .op(aws_sdk_apigateway::types::Op::Replace)
                .path("/enabled")
                .value("false")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let response = get(&system, Some(&tenant.api_key)).await;
    assert_eq!(
        (response.status.as_u16(), response.json()),
        (403, serde_json::json!({"message": "Forbidden"}))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spoofed_identity_in_headers_or_query_is_ignored_and_in_the_body_refused() {
    let system = start().await;
    let me = onboard(&system, "Me", Tier::Standard).await;
    let victim = onboard(&system, "Victim", Tier::Premium).await;
    let body = format!(
        r#"{{"apiKeyId": "{v}", "tenant": "{v}", "requestContext": {{"identity": {{"apiKeyId": "{v}"}}}}}}"#,
        v = victim.api_key_id
    );
    let headers = [
        ("x-api-key-id", victim.api_key_id.as_str()),
        ("x-tenant-id", victim.api_key_id.as_str()),
    ];
    let url = format!(
        "{}?apiKeyId={}",
        system.credentials_url(),
        victim.api_key_id
    );
    // A body that claims an identity is refused outright (strict bodies).
    let refused_body = sandbox::api_client::ApiClient::default()
        .send(
            http::Method::POST,
            &url,
            Some(&me.api_key),
            &headers,
            Some(&body),
        )
        .await
        .unwrap();
    assert_eq!(refused_body.status, 400, "{}", refused_body.body);
    assert_eq!(refused_body.json()["code"], "UnknownField");
    assert!(refused_body.credentials().is_none());
    assert!(!refused_body.body.contains(victim.api_key_id.as_str()));

    // Claims in headers and the query string are ignored.
    let response = sandbox::api_client::ApiClient::default()
        .send(
            http::Method::POST,
            &url,
            Some(&me.api_key),
            &headers,
            Some(r#"{"scope": "read-write"}"#),
        )
        .await
        .unwrap();
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(
        response.json()["Tenant"]["ApiKeyId"],
        me.api_key_id.as_str()
    );
    assert_eq!(response.json()["Tenant"]["Tier"], "standard");
    let client = dynamodb(&system, &response);
    let table = system.deployment().data_table.clone();
    let refused = client
        .put_item()
        .table_name(&table)
        .set_item(Some(item(&victim.api_key_id, "x")))
        .send()
        .await;
    assert_eq!(refused.unwrap_err().code(), Some("AccessDeniedException"));
    assert!(
        !response.body.contains(&victim.api_key_id),
        "{}",
        response.body
    );

    let response = sandbox::api_client::ApiClient::default()
        .send(http::Method::GET, &url, Some(&me.api_key), &headers, None)
        .await
        .unwrap();
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(
        response.json()["Tenant"]["ApiKeyId"],
        me.api_key_id.as_str()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_usage_plan_throttles_a_burst_with_429() {
    // The throttle's clock stands still unless the test moves it, so the
    // count doesn't depend on how fast the vends run.
    let clock = ThrottleClock::manual();
    let system = System::start(
        &System::workspace_root(),
        Options {
            throttle_clock: clock.clone(),
            ..Options::default()
        },
    )
    .await
    .unwrap_or_else(|e| panic!("the system starts: {e}"));
    // basic: 2 requests per second, burst 5 (template.yaml).
    let tenant = onboard(&system, "Bursty", Tier::Basic).await;
    let mut statuses = Vec::new();
    for _ in 0..8 {
        let response = get(&system, Some(&tenant.api_key)).await;
        if response.status == 429 {
            assert_eq!(
                response.json(),
                serde_json::json!({"message": "Too Many Requests"})
            );
        }
        statuses.push(response.status.as_u16());
    }
    assert_eq!(statuses, [200, 200, 200, 200, 200, 429, 429, 429]);
    // Half a second refills one token at 2 per second; a whole second, two.
    clock.advance(Duration::from_millis(500));
    let mut after = Vec::new();
    for _ in 0..2 {
        after.push(get(&system, Some(&tenant.api_key)).await.status.as_u16());
    }
    assert_eq!(after, [200, 429]);
    clock.advance(Duration::from_secs(1));
    let mut after = Vec::new();
    for _ in 0..3 {
        after.push(get(&system, Some(&tenant.api_key)).await.status.as_u16());
    }
    assert_eq!(after, [200, 200, 429]);
    // A premium tenant (burst 100) is not affected by the basic one's bucket.
    let premium = onboard(&system, "Calm", Tier::Premium).await;
    assert_eq!(get(&system, Some(&premium.api_key)).await.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_credential_reads_but_cannot_write() {
    let system = start().await;
    let tenant = onboard(&system, "Reader", Tier::Premium).await;
    let table = system.deployment().data_table.clone();
    let writer = dynamodb(&system, &get(&system, Some(&tenant.api_key)).await);
    writer
        .put_item()
        .table_name(&table)
        .set_item(Some(item(&tenant.api_key_id, "doc")))
        .send()
        .await
        .expect("read-write writes");

    let response = post(
        &system,
        &tenant.api_key,
        &[],
        r#"{"durationSeconds": 900, "scope": "read-only"}"#,
    )
    .await;
    assert_eq!(response.status, 200, "{}", response.body);
    let left = seconds_to_expiry(&response);
    assert!((840..=900).contains(&left), "{left}");
    let reader = dynamodb(&system, &response);
    let read = reader
        .get_item()
        .table_name(&table)
        .set_key(Some(item(&tenant.api_key_id, "doc")))
        .send()
        .await;
    assert!(read.expect("read-only reads").item().is_some());
    let write = reader
        .put_item()
        .table_name(&table)
        .set_item(Some(item(&tenant.api_key_id, "new")))
        .send()
        .await;
    assert_eq!(write.unwrap_err().code(), Some("AccessDeniedException"));
    let delete = reader
        .delete_item()
        .table_name(&table)
        .set_key(Some(item(&tenant.api_key_id, "doc")))
        .send()
        .await;
    assert_eq!(delete.unwrap_err().code(), Some("AccessDeniedException"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_vendor_fn_process_is_replaced_and_the_next_request_does_not_hang() {
    let system = start().await;
    let tenant = onboard(&system, "Survivor", Tier::Premium).await;
    assert_eq!(get(&system, Some(&tenant.api_key)).await.status, 200);
    let before = system.host().stats().cold_starts.len();
    let pids = system.host().idle_pids();
    assert!(
        !pids.is_empty(),
        "a warm instance waits for the next request"
    );
    for pid in &pids {
        let status = std::process::Command::new("kill")
            .args(["-9", &pid.to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success());
    }
    let started = Instant::now();
    let response =
        tokio::time::timeout(Duration::from_secs(15), get(&system, Some(&tenant.api_key)))
            .await
            .expect("the next request is answered, not left hanging");
    assert_eq!(response.status, 200, "{}", response.body);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert!(
        system.host().stats().cold_starts.len() > before,
        "a fresh instance served it"
    );
    assert!(system.host().idle_pids().iter().all(|p| !pids.contains(p)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_guided_tour_holds_every_expectation_and_the_state_file_has_the_documented_shape() {
    let system = start().await;
    let tenants = system.onboard_demo_tenants().await.expect("demo tenants");
    assert_ne!(tenants[0].tier, tenants[1].tier, "two tiers");
    let tour = sandbox::demo::run(&system, &tenants, &mut |_| {}).await;
    let failed: Vec<_> = tour.steps.iter().filter(|s| !s.held).collect();
    assert!(tour.passed(), "{failed:#?}");

    let state = system.state(&tenants);
    let mut keys: Vec<_> = state.as_object().unwrap().keys().cloned().collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "bucket",
            "credentialsUrl",
            "dataTable",
            "endpoint",
            "operatorEnv",
            "region",
            "tenantRoleArn",
            "tenantTable",
            "tenants"
        ]
    );
    assert_eq!(
        state["credentialsUrl"],
        format!("{}/credentials", state["endpoint"].as_str().unwrap())
    );
    let operator = &state["operatorEnv"];
    assert_eq!(operator["AWS_ENDPOINT_URL"], state["endpoint"]);
    assert_eq!(operator["TENANT_TABLE"], state["tenantTable"]);
    for name in [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_REGION",
        "DATA_TABLE",
        "SILO_TABLE_PREFIX",
        "BASIC_USAGE_PLAN_ID",
        "STANDARD_USAGE_PLAN_ID",
        "PREMIUM_USAGE_PLAN_ID",
        "TENANT_ROLE_NAME",
    ] {
        assert!(
            operator[name].as_str().is_some_and(|v| !v.is_empty()),
            "operatorEnv.{name}: {operator}"
        );
    }
    for (tenant, entry) in tenants.iter().zip(state["tenants"].as_array().unwrap()) {
        let mut keys: Vec<_> = entry.as_object().unwrap().keys().cloned().collect();
        keys.sort();
        assert_eq!(keys, ["apiKey", "apiKeyId", "isolation", "name", "tier"]);
        assert_eq!(entry["apiKey"], tenant.api_key.as_str());
        let response = get(&system, entry["apiKey"].as_str()).await;
        assert_eq!(response.status, 200, "the state file's key works");
    }
}
