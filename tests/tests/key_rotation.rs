//! Key rotation through the whole local system, with the real `tenantctl`
//! under `operatorEnv` (issue 15's "Show"): write items and an object with
//! key 1; rotate; read them with key 2's credentials; retire key 1 with
//! `--revoke-sessions`; key 1 gets 403 and its earlier credentials are
//! refused, while key 2's keep working.

mod system_support;

use std::process::Command;

use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_s3::primitives::ByteStream;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use sandbox::api_client::{ApiClient, ApiResponse};
use sandbox::system::System;
use system_support::{dynamodb, get, run_tenantctl, s3, start, tenantctl};

fn key(pk: &str, sk: &str) -> std::collections::HashMap<String, AttributeValue> {
    [
        ("pk".to_owned(), AttributeValue::S(pk.into())),
        ("sk".to_owned(), AttributeValue::S(sk.into())),
    ]
    .into()
}

/// Whether `response`'s credentials read the tenant's item and object.
async fn reads_own_data(system: &System, response: &ApiResponse, partition: &str) -> bool {
    let d = system.deployment();
    let item = dynamodb(system, response)
        .get_item()
        .table_name(&d.data_table)
        .set_key(Some(key(partition, "written-with-key-1")))
        .send()
        .await;
    let object = s3(system, response)
        .get_object()
        .bucket(&d.bucket)
        .key(format!("{partition}/written-with-key-1.txt"))
        .send()
        .await;
    match (item, object) {
        (Ok(item), Ok(_)) => {
            assert!(item.item.is_some(), "the item written with key 1 is there");
            true
        }
        (Err(item), Err(object)) => {
            assert_eq!(item.code(), Some("AccessDeniedException"), "{item:?}");
            assert_eq!(object.code(), Some("AccessDenied"), "{object:?}");
            false
        }
        (item, object) => panic!("DynamoDB and S3 disagree: {item:?} / {object:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[allow(clippy::too_many_lines)] // one scenario, step by step
async fn a_rotated_tenant_keeps_its_data_and_retiring_the_old_key_refuses_only_its_sessions() {
    let system = start().await;
    let demo = system.onboard_demo_tenants().await.expect("demo tenants");
    let env = system.operator_env();
    let d = system.deployment().clone();
    let (onboarded, _) = run_tenantctl(
        &env,
        &[
            "onboard",
            "--name",
            "Rotor",
            "--email",
            "ops@rotor.example",
            "--tier",
            "standard",
            "--output",
            "json",
        ],
    );
    let key1_id = onboarded["apiKeyId"].as_str().unwrap().to_owned();
    let key1 = onboarded["apiKey"].as_str().unwrap().to_owned();

    // 1. Items and an object with key 1.
    let with_key1 = get(&system, Some(&key1)).await;
    assert_eq!(with_key1.status, 200, "{}", with_key1.body);
    dynamodb(&system, &with_key1)
        .put_item()
        .table_name(&d.data_table)
        .set_item(Some(key(&key1_id, "written-with-key-1")))
        .send()
        .await
        .expect("key 1 writes its item");
    s3(&system, &with_key1)
        .put_object()
        .bucket(&d.bucket)
        .key(format!("{key1_id}/written-with-key-1.txt"))
        .body(ByteStream::from_static(b"data of the tenant"))
        .send()
        .await
        .expect("key 1 writes its object");

    // 2. Rotate: exactly the contract's three fields.
    let (rotated, progress) =
        run_tenantctl(&env, &["rotate-key", "--name", "Rotor", "--output", "json"]);
    let mut fields: Vec<&String> = rotated.as_object().unwrap().keys().collect();
    fields.sort();
    assert_eq!(
        fields,
        ["apiKey", "apiKeyId", "previousApiKeyId"],
        "{rotated}"
    );
    assert_eq!(rotated["previousApiKeyId"], key1_id.as_str());
    let key2_id = rotated["apiKeyId"].as_str().unwrap().to_owned();
    let key2 = rotated["apiKey"].as_str().unwrap().to_owned();
    assert_ne!(key2_id, key1_id);
    assert!(
        !progress.contains(&key2),
        "the new value never reaches stderr"
    );
    let (shown, _) = run_tenantctl(&env, &["show", "--name", "Rotor", "--output", "json"]);
    assert_eq!(
        shown["apiKeyId"],
        key2_id.as_str(),
        "the new key is current"
    );
    assert_eq!(shown["partitionKeyId"], key1_id.as_str());
    let states: Vec<(String, String)> = shown["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            (
                k["apiKeyId"].as_str().unwrap().to_owned(),
                k["state"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(
        states.contains(&(key1_id.clone(), "replaced".into())),
        "{shown}"
    );
    assert!(
        states.contains(&(key2_id.clone(), "current".into())),
        "{shown}"
    );
    let (listed, _) = run_tenantctl(&env, &["list", "--output", "json"]);
    let rotors = listed
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["tenantName"] == "Rotor")
        .count();
    assert_eq!(rotors, 1, "one tenant, two keys: {listed}");
    assert!(!listed.to_string().contains(&key1) && !listed.to_string().contains(&key2));

    // 3. Key 2's credentials read what key 1 wrote; both keys vend.
    let with_key2 = get(&system, Some(&key2)).await;
    assert_eq!(with_key2.status, 200, "{}", with_key2.body);
    let body = with_key2.json();
    assert_eq!(body["Tenant"]["ApiKeyId"], key2_id.as_str());
    assert_eq!(body["Resources"]["PartitionKey"], key1_id.as_str());
    assert!(reads_own_data(&system, &with_key2, &key1_id).await);
    // The container provider's header works for the new key too.
    let via_authorization = ApiClient::default()
        .send(
            http::Method::GET,
            &system.credentials_url(),
            None,
            &[("authorization", &key2)],
            None,
        )
        .await
        .unwrap();
    assert_eq!(via_authorization.status, 200, "{}", via_authorization.body);
    let key1_again = get(&system, Some(&key1)).await;
    assert_eq!(key1_again.status, 200, "key 1 vends until retired");
    // Neither key reaches another tenant's partition.
    let other = dynamodb(&system, &with_key2)
        .get_item()
        .table_name(&d.data_table)
        .set_key(Some(key(&demo[0].api_key_id, "x")))
        .send()
        .await
        .expect_err("another tenant's item");
    assert_eq!(other.code(), Some("AccessDeniedException"));

    // 4. Retire key 1 with its sessions.
    let (retired, _) = run_tenantctl(
        &env,
        &[
            "retire-key",
            "--name",
            "Rotor",
            "--api-key-id",
            &key1_id,
            "--revoke-sessions",
            "--output",
            "json",
        ],
    );
    assert_eq!(retired["apiKeyId"], key1_id.as_str(), "{retired}");
    assert!(retired["sessionsRevokedBefore"].is_string(), "{retired}");

    // 5. Key 1 gets 403, its earlier credentials are refused, key 2's work.
    let refused = get(&system, Some(&key1)).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(
        !reads_own_data(&system, &with_key1, &key1_id).await,
        "key 1's credentials vended before the retirement are refused"
    );
    assert!(
        reads_own_data(&system, &with_key2, &key1_id).await,
        "key 2's credentials, vended before the retirement too, keep working"
    );
    let fresh = get(&system, Some(&key2)).await;
    assert_eq!(fresh.status, 200, "{}", fresh.body);
    assert!(reads_own_data(&system, &fresh, &key1_id).await);
    // And the current key can't be retired.
    let output = Command::new(tenantctl())
        .args(["retire-key", "--name", "Rotor", "--api-key-id", &key2_id])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(4), "{output:?}");
}
