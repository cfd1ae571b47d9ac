//! The container-credentials path through the whole local system: the SDKs'
//! provider (`AWS_CONTAINER_CREDENTIALS_FULL_URI` +
//! `AWS_CONTAINER_AUTHORIZATION_TOKEN`) sends the key as the raw
//! `Authorization` header, the key authorizer (the real binary, under the
//! local Lambda) turns it into the usage plan key, and vendor-fn checks the
//! key value against the registry's hash. (The Rust SDK's own container
//! provider is driven by examples/tenant-app's `own-items --default-chain`,
//! in that crate's tests.)

mod system_support;

use sandbox::api_client::ApiClient;
use sandbox::system::{Options, System};
use sandbox::throttle::ThrottleClock;
use system_support::{get, onboard, start};
use tenant_registry::Tier;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_or_missing_token_gets_nothing_and_a_sigv4_header_is_not_a_token() {
    let system = start().await;
    let me = onboard(&system, "Token Co", Tier::Standard).await;
    let api = ApiClient::default();
    let url = system.credentials_url();
    // (HTTP drops whitespace around a header value, so a trailing space
    // never reaches API Gateway; the handler tests cover it in the context.)
    let mut one_off = me.api_key.clone();
    one_off.pop();
    one_off.push('!');
    for header in ["wrong", &me.api_key.to_uppercase(), &one_off, ""] {
        let response = api
            .send(
                http::Method::GET,
                &url,
                None,
                &[("authorization", header)],
                None,
            )
            .await
            .unwrap();
        assert_eq!(response.status, 403, "{header:?}: {}", response.body);
        assert!(!response.body.contains(&me.api_key));
    }
    let response = api
        .send(
            http::Method::GET,
            &url,
            None,
            &[("authorization", &me.api_key)],
            None,
        )
        .await
        .unwrap();
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(
        response.json()["Tenant"]["ApiKeyId"],
        me.api_key_id.as_str()
    );
    // x-api-key still works, for the same tenant.
    let response = get(&system, Some(&me.api_key)).await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(
        response.json()["Tenant"]["ApiKeyId"],
        me.api_key_id.as_str()
    );
    // A SigV4 Authorization on /credentials is an AWS call: relayed to the
    // AWS stand-in, which refuses the made-up signature in its own words.
    let response = api
        .send(
            http::Method::GET,
            &url,
            None,
            &[(
                "authorization",
                "AWS4-HMAC-SHA256 Credential=ASIAUNKNOWN/20261127/us-east-1/sts/aws4_request, SignedHeaders=host;x-amz-date, Signature=00",
            )],
            None,
        )
        .await
        .unwrap();
    assert_ne!(response.status, 200);
    assert!(
        !response.body.contains("explicit deny") && !response.body.contains("\"Forbidden\""),
        "answered by the AWS stand-in, not the API: {}",
        response.body
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_on_a_basic_key_gets_429_on_both_paths() {
    // The throttle's clock stands still, so the count doesn't depend on
    // how fast the vends run.
    let system = System::start(
        &System::workspace_root(),
        Options {
            throttle_clock: ThrottleClock::manual(),
            ..Options::default()
        },
    )
    .await
    .unwrap_or_else(|e| panic!("the system starts: {e}"));
    let api = ApiClient::default();
    let url = system.credentials_url();
    for path in ["x-api-key", "authorization"] {
        let tenant = onboard(&system, &format!("Bursty {path}"), Tier::Basic).await;
        let mut statuses = Vec::new();
        for _ in 0..7 {
            let response = api
                .send(
                    http::Method::GET,
                    &url,
                    None,
                    &[(path, &tenant.api_key)],
                    None,
                )
                .await
                .unwrap();
            statuses.push(response.status.as_u16());
        }
        assert_eq!(
            statuses,
            [200, 200, 200, 200, 200, 429, 429],
            "{path}: the basic plan (burst 5) throttles the key the authorizer returned"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn boto3s_container_provider_works_unchanged() {
    let system = start().await;
    let table = system.deployment().data_table.clone();
    let me = onboard(&system, "Python Co", Tier::Standard).await;
    let other = onboard(&system, "Other Python Co", Tier::Standard).await;
    let python = System::workspace_root().join(".venv/bin/python");
    assert!(
        python.is_file(),
        "{} is missing: run ./scripts/setup.sh (it installs boto3 with moto)",
        python.display()
    );
    // boto3's default chain, seeing only the two variables; then own
    // item, another tenant's item and a Scan.
    let script = r#"
import json, os, boto3
from botocore.exceptions import ClientError
table, me, other = os.environ["TABLE"], os.environ["ME"], os.environ["OTHER"]
ddb = boto3.client("dynamodb")
creds = boto3.Session().get_credentials()
out = {"method": creds.method}
ddb.put_item(TableName=table, Item={"pk": {"S": me}, "sk": {"S": "boto3"}})
out["own"] = "Item" in ddb.get_item(TableName=table, Key={"pk": {"S": me}, "sk": {"S": "boto3"}})
for name, call in [("other", lambda: ddb.get_item(TableName=table, Key={"pk": {"S": other}, "sk": {"S": "boto3"}})),
                   ("scan", lambda: ddb.scan(TableName=table))]:
    try:
        call()
        out[name] = "allowed"
    except ClientError as e:
        out[name] = e.response["Error"]["Code"]
print(json.dumps(out))
"#;
    let output = tokio::process::Command::new(&python)
        .arg("-c")
        .arg(script)
        .env_clear()
        .env(
            "AWS_CONTAINER_CREDENTIALS_FULL_URI",
            system.credentials_url(),
        )
        .env("AWS_CONTAINER_AUTHORIZATION_TOKEN", &me.api_key)
        .env("AWS_ENDPOINT_URL", system.endpoint_url())
        .env("AWS_DEFAULT_REGION", iam_gateway::REGION)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env("TABLE", &table)
        .env("ME", &me.api_key_id)
        .env("OTHER", &other.api_key_id)
        .output()
        .await
        .expect("python runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    let report: serde_json::Value = serde_json::from_str(stdout.trim()).expect("JSON");
    assert_eq!(report["method"], "container-role", "{report}");
    assert_eq!(report["own"], true, "{report}");
    assert_eq!(report["other"], "AccessDeniedException", "{report}");
    assert_eq!(report["scan"], "AccessDeniedException", "{report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_event_naming_a_real_key_id_without_its_key_gets_nothing() {
    // What anyone allowed lambda:InvokeFunction could send straight to the
    // function, bypassing API Gateway.
    let system = start().await;
    let victim = onboard(&system, "Victim Co", Tier::Premium).await;
    let mut event: serde_json::Value = serde_json::from_str(include_str!(
        "../../vendor-fn/tests/fixtures/get_credentials.json"
    ))
    .unwrap();
    event["requestContext"]["identity"]["apiKeyId"] = victim.api_key_id.as_str().into();
    for presented in [serde_json::Value::Null, "guessed-key-value".into()] {
        event["requestContext"]["identity"]["apiKey"] = presented.clone();
        let payload = system
            .host()
            .invoke("forged", bytes::Bytes::from(event.to_string()))
            .await
            .expect("the function answers");
        let response: serde_json::Value = serde_json::from_slice(&payload).unwrap();
        assert_eq!(response["statusCode"], 403, "{presented}: {response}");
        assert!(!response.to_string().contains("SessionToken"));
    }
}
