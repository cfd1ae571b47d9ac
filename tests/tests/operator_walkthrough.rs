//! The operator's side of the local system, as README's walk-through does
//! it: the real `tenantctl` binary under `operatorEnv` (the state file's
//! environment) against the running system, its calls decided by the
//! gateway like anyone's. Onboard a tenant, the tenant vends and writes,
//! `suspend --revoke-sessions` right after the vend, the credentials
//! already issued are refused on DynamoDB and S3 while another tenant's
//! keep working, resume, and new credentials work once the revocation's
//! deadline has passed.

mod system_support;

use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_s3::primitives::ByteStream;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use serde_json::Value;
use system_support::{dynamodb, get, run_tenantctl, s3, start};

/// Whether the vended credentials still write the tenant's own item and object.
/// Runs `tenantctl args` under `env` only (plus PATH), returns its JSON output.
fn run(env: &[(&'static str, String)], args: &[&str]) -> Value {
    run_tenantctl(env, args).0
}

async fn own_data_works(
    system: &sandbox::system::System,
    response: &sandbox::api_client::ApiResponse,
    id: &str,
) -> bool {
    let item = dynamodb(system, response)
        .put_item()
        .table_name(&system.deployment().data_table)
        .item("pk", AttributeValue::S(id.to_owned()))
        .item("sk", AttributeValue::S("walkthrough".to_owned()))
        .send()
        .await;
    let object = s3(system, response)
        .put_object()
        .bucket(&system.deployment().bucket)
        .key(format!("{id}/walkthrough.txt"))
        .body(ByteStream::from_static(b"hello"))
        .send()
        .await;
    match (item, object) {
        (Ok(_), Ok(_)) => true,
        (Err(item), Err(object)) => {
            assert_eq!(item.code(), Some("AccessDeniedException"), "{item:?}");
            assert_eq!(object.code(), Some("AccessDenied"), "{object:?}");
            false
        }
        (item, object) => panic!("DynamoDB and S3 disagree: {item:?} / {object:?}"),
    }
}

/// Moves the registry's `newSessionsRefusedUntil` back by `seconds`: the
/// wall clock vendor-fn reads can't be advanced the way the gateway's can.
async fn move_refusal_back(
    system: &sandbox::system::System,
    id: &str,
    resumed: &Value,
    seconds: i64,
) {
    let until = resumed["newSessionsRefusedUntil"].as_str().unwrap();
    let passed =
        chrono::DateTime::parse_from_rfc3339(until).unwrap() - chrono::TimeDelta::seconds(seconds);
    aws_sdk_dynamodb::Client::new(system.admin_config())
        .update_item()
        .table_name(&system.deployment().tenant_table)
        .key(
            tenant_registry::attr::API_KEY_ID,
            AttributeValue::S(id.to_owned()),
        )
        .update_expression("SET #u = :u")
        .expression_attribute_names("#u", tenant_registry::attr::NEW_SESSIONS_REFUSED_UNTIL)
        .expression_attribute_values(
            ":u",
            AttributeValue::S(passed.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        )
        .send()
        .await
        .expect("registry write");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_operator_walkthrough_works_with_tenantctl_under_operator_env() {
    let system = start().await;
    let demo = system.onboard_demo_tenants().await.expect("demo tenants");
    let env = system.operator_env();

    // 1. Onboard a third tenant.
    let onboarded = run(
        &env,
        &[
            "onboard",
            "--name",
            "Initech",
            "--email",
            "ops@initech.example",
            "--tier",
            "basic",
            "--output",
            "json",
        ],
    );
    let id = onboarded["apiKeyId"].as_str().expect("apiKeyId").to_owned();
    let key = onboarded["apiKey"].as_str().expect("apiKey").to_owned();
    let listed = run(&env, &["list", "--output", "json"]);
    assert!(listed.to_string().contains(&id), "{listed}");
    assert!(
        !listed.to_string().contains(&key),
        "list never shows a key value"
    );

    // 2. The tenant vends and writes its item; 3. suspend right after.
    let vended = get(&system, Some(&key)).await;
    assert_eq!(vended.status, 200, "{}", vended.body);
    assert!(own_data_works(&system, &vended, &id).await);
    let acme = get(&system, Some(&demo[0].api_key)).await;
    let suspended = run(
        &env,
        &[
            "suspend",
            "--name",
            "Initech",
            "--revoke-sessions",
            "--output",
            "json",
        ],
    );
    assert_eq!(suspended["status"], "suspended", "{suspended}");
    assert!(
        suspended["sessionsRevokedBefore"].is_string(),
        "{suspended}"
    );

    // 4. The credentials already issued are refused by the enforcement.
    assert!(
        !own_data_works(&system, &vended, &id).await,
        "the session vended before the suspend is refused"
    );
    assert!(
        own_data_works(&system, &acme, &demo[0].api_key_id).await,
        "another tenant's session is untouched"
    );
    let refused = get(&system, Some(&key)).await;
    assert_eq!(refused.status, 403, "{}", refused.body);

    // 5. Resume; 6. new credentials work once the deadline has passed.
    let resumed = run(&env, &["resume", "--name", "Initech", "--output", "json"]);
    assert_eq!(resumed["status"], "active", "{resumed}");
    assert!(
        resumed["newSessionsRefusedUntil"].is_string(),
        "resume says until when: {resumed}"
    );
    // Inside the window, vendor-fn says when to come back instead of vending
    // a session the revocation still denies.
    let early = get(&system, Some(&key)).await;
    assert_eq!(early.status, 503, "{}", early.body);
    assert!(early.body.contains("NewSessionsRefused"), "{}", early.body);
    let bound = tenant_lifecycle::revocation::max_refusal_after_suspend();
    let retry_after: i64 = early
        .headers
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .expect("Retry-After")
        .parse()
        .expect("whole seconds");
    assert!(
        (1..=bound.num_seconds() + 1).contains(&retry_after),
        "{retry_after}"
    );
    system.gateway().advance_clock(Duration::from_secs(
        u64::try_from(bound.num_seconds()).unwrap() + 1,
    ));
    // The gateway's clock moved; vendor-fn reads the wall clock, so the
    // registry's deadline moves back by as much instead.
    move_refusal_back(&system, &id, &resumed, bound.num_seconds() + 1).await;
    let fresh = get(&system, Some(&key)).await;
    assert_eq!(fresh.status, 200, "{}", fresh.body);
    assert!(own_data_works(&system, &fresh, &id).await);
    assert!(
        !own_data_works(&system, &vended, &id).await,
        "the old one stays refused"
    );
}
