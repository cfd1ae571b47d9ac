//! Both tenant programs, run as a tenant runs them, against the whole local
//! system (`sandbox::system`): the API key in the environment, the SDK
//! pointed at the sandbox with `AWS_ENDPOINT_URL`.

use std::process::Output;

use aws_sdk_dynamodb::types::AttributeValue;
use sandbox::system::{Options, System, Tenant};
use tenant_registry::{CredentialsBody, Isolation, Tier};

async fn start() -> System {
    System::start(&System::workspace_root(), Options::default())
        .await
        .unwrap_or_else(|e| panic!("the system starts: {e}"))
}

async fn run(system: &System, tenant: &Tenant, exe: &str, args: &[&str]) -> Output {
    tokio::process::Command::new(exe)
        .args(args)
        .env_clear()
        .env("CREDENTIALS_ENDPOINT", system.credentials_url())
        .env("TENANT_API_KEY", &tenant.api_key)
        .env("AWS_ENDPOINT_URL", system.endpoint_url())
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .output()
        .await
        .expect("the program runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The credentials body a program printed.
fn credentials(stdout: &[u8]) -> CredentialsBody {
    CredentialsBody::parse(&text(stdout)).expect("a credentials body on stdout")
}

/// Asserts the credentials expire in about `seconds` (a minute of slack).
fn assert_expires_in(body: &CredentialsBody, seconds: i64) {
    let left = (body.expiration - chrono::Utc::now()).num_seconds();
    assert!(
        (seconds - 60..=seconds).contains(&left),
        "expires in {left} s, expected about {seconds}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fetch_credentials_prints_the_tenants_credential_process_body() {
    let system = start().await;
    let tenant = system
        .onboard("Fetcher", Tier::Standard, Isolation::Pooled)
        .await
        .unwrap();
    let output = run(
        &system,
        &tenant,
        env!("CARGO_BIN_EXE_fetch-credentials"),
        &[],
    )
    .await;
    assert!(output.status.success(), "{}", text(&output.stderr));
    let body: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON on stdout");
    assert_eq!(body["Version"], 1);
    assert_eq!(body["Tenant"]["ApiKeyId"], tenant.api_key_id.as_str());
    assert!(body["SessionToken"].is_string() && body["Expiration"].is_string());
    let read_write = credentials(&output.stdout);
    assert_eq!(read_write.tenant.tier, Tier::Standard);
    assert_expires_in(&read_write, 1800);

    let output = run(
        &system,
        &tenant,
        env!("CARGO_BIN_EXE_fetch-credentials"),
        &["--read-only", "--duration", "900"],
    )
    .await;
    assert!(output.status.success(), "{}", text(&output.stderr));
    let read_only = credentials(&output.stdout);
    assert_eq!(read_only.tenant.api_key_id.as_str(), tenant.api_key_id);
    assert_expires_in(&read_only, 900);
    assert_ne!(read_only.access_key_id, read_write.access_key_id);
    // What the flag asked for, the sandbox enforces: the read-only
    // credentials read the tenant's own item and may not write it.
    let table = read_only
        .resources
        .dynamo_db_table
        .clone()
        .expect("the pooled table");
    let key = |sk: &str| {
        std::collections::HashMap::from([
            (
                "pk".to_owned(),
                AttributeValue::S(tenant.api_key_id.clone()),
            ),
            ("sk".to_owned(), AttributeValue::S(sk.into())),
        ])
    };
    let client = |body: &CredentialsBody| {
        sandbox::demo::tenant_dynamodb(
            &system.endpoint_url(),
            body.to_sdk_credentials("fetch-credentials"),
        )
    };
    client(&read_write)
        .put_item()
        .table_name(&table)
        .set_item(Some(key("seed")))
        .send()
        .await
        .expect("the read-write credentials write");
    let read = client(&read_only)
        .get_item()
        .table_name(&table)
        .set_key(Some(key("seed")))
        .send()
        .await
        .expect("the read-only credentials read");
    assert!(read.item().is_some());
    let write = client(&read_only)
        .put_item()
        .table_name(&table)
        .set_item(Some(key("again")))
        .send()
        .await;
    assert_eq!(
        write.map_err(|e| e.into_service_error().meta().code().map(str::to_owned)),
        Err(Some("AccessDeniedException".to_owned())),
        "the read-only credentials write"
    );

    let mut wrong = tenant.clone();
    wrong.api_key = "not-a-real-key-0123456789abcdefghijklmn".into();
    let output = run(
        &system,
        &wrong,
        env!("CARGO_BIN_EXE_fetch-credentials"),
        &[],
    )
    .await;
    assert!(!output.status.success());
    let stderr = text(&output.stderr);
    assert!(stderr.contains("403"), "{stderr}");
    assert!(
        !stderr.contains(&wrong.api_key),
        "the key is never printed: {stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn own_items_writes_and_reads_its_own_and_is_refused_another_tenants() {
    let system = start().await;
    let tenants = system.onboard_demo_tenants().await.unwrap();
    let (acme, globex) = (&tenants[0], &tenants[1]);
    for (me, other) in [(acme, globex), (globex, acme)] {
        let output = run(
            &system,
            me,
            env!("CARGO_BIN_EXE_own-items"),
            &[&other.api_key_id],
        )
        .await;
        let stdout = text(&output.stdout);
        assert!(
            output.status.success(),
            "{}: {stdout}\n{}",
            me.name,
            text(&output.stderr)
        );
        assert!(
            stdout.contains(&format!(
                "pk={} (another tenant): refused, AccessDeniedException",
                other.api_key_id
            )),
            "{stdout}"
        );
        assert!(stdout.contains("query   pk="), "{stdout}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rust_sdks_container_provider_needs_only_the_two_variables() {
    // No credentials code and no API key handling in the program: the SDK's
    // default chain finds the container provider's two variables, which send
    // the key as the raw Authorization header, through the key authorizer.
    let system = start().await;
    let me = system
        .onboard("Container Co", Tier::Standard, Isolation::Pooled)
        .await
        .unwrap();
    let other = system
        .onboard("Neighbour Co", Tier::Standard, Isolation::Pooled)
        .await
        .unwrap();
    let table = system.deployment().data_table.clone();
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_own-items"))
        .args(["--default-chain", &table, &me.api_key_id, &other.api_key_id])
        .env_clear()
        .env(
            "AWS_CONTAINER_CREDENTIALS_FULL_URI",
            system.credentials_url(),
        )
        .env("AWS_CONTAINER_AUTHORIZATION_TOKEN", &me.api_key)
        .env("AWS_ENDPOINT_URL", system.endpoint_url())
        .env("AWS_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .output()
        .await
        .expect("the program runs");
    let stdout = text(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        text(&output.stderr)
    );
    assert!(
        stdout.contains(&format!("put     pk={}", me.api_key_id)),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!(
            "pk={} (another tenant): refused, AccessDeniedException",
            other.api_key_id
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains("refused, AccessDeniedException") && stdout.contains("scan"),
        "{stdout}"
    );
}
