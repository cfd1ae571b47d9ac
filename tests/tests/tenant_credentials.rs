//! The tenant's side against the whole local system: the
//! `tenant-credentials` binary (as the Rust SDK's and the AWS CLI's
//! `credential_process`) and the provider, on the real vendor-fn behind the
//! local API Gateway, with IAM enforced on the data.

mod system_support;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Output;

use aws_credential_types::provider::ProvideCredentials;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use sandbox::system::{System, Tenant};
use system_support::{get, onboard, start};
use tenant_credentials::settings::{API_KEY_VAR, ENDPOINT_VAR};
use tenant_credentials::{Settings, TenantCredentialsProvider, VendorClient};
use tenant_lifecycle::{Silent, TenantRef};
use tenant_registry::{ApiKeyId, Tier};

/// The binary Cargo built beside this test (`target/<profile>/`).
fn binary() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let candidates: Vec<PathBuf> = exe
        .ancestors()
        .skip(1)
        .take(2)
        .map(|dir| dir.join("tenant-credentials"))
        .collect();
    candidates
        .iter()
        .find(|p| p.is_file())
        .cloned()
        .unwrap_or_else(|| {
            panic!(
                "tenant-credentials not found at {candidates:?}: build it with \
                 `cargo build -p tenant-credentials` (`cargo test --workspace` does)"
            )
        })
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "system-tenant-credentials-{name}-{}-{}",
        std::process::id(),
        chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn item(pk: &str, sk: &str) -> HashMap<String, AttributeValue> {
    [
        ("pk".to_owned(), AttributeValue::S(pk.into())),
        ("sk".to_owned(), AttributeValue::S(sk.into())),
    ]
    .into()
}

/// Runs the binary as an SDK would, with only its own variables.
async fn run_binary(system: &System, tenant: &Tenant, cache_home: &Path) -> Output {
    let output = tokio::process::Command::new(binary())
        .env_clear()
        .env("CREDENTIALS_ENDPOINT", system.credentials_url())
        .env("TENANT_API_KEY", &tenant.api_key)
        .env("XDG_CACHE_HOME", cache_home)
        .output()
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains(&tenant.api_key), "{stderr}");
    output
}

fn access_key_id(output: &Output) -> String {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let body: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(body["Version"], 1);
    body["AccessKeyId"].as_str().unwrap().to_owned()
}

fn provider(system: &System, tenant: &Tenant) -> TenantCredentialsProvider {
    let vars: HashMap<String, String> = [
        (ENDPOINT_VAR.to_owned(), system.credentials_url()),
        (API_KEY_VAR.to_owned(), tenant.api_key.clone()),
    ]
    .into();
    TenantCredentialsProvider::new(VendorClient::new(Settings::from_vars(&vars).unwrap()))
}

async fn dynamodb_with(
    system: &System,
    provider: impl ProvideCredentials + 'static,
) -> aws_sdk_dynamodb::Client {
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .endpoint_url(system.endpoint_url())
        .credentials_provider(provider)
        .load()
        .await;
    aws_sdk_dynamodb::Client::new(&config)
}

/// Writes and reads the tenant's own item, and is refused another's.
async fn reaches_only_its_own_items(
    dynamodb: &aws_sdk_dynamodb::Client,
    table: &str,
    me: &Tenant,
    other: &Tenant,
) {
    dynamodb
        .put_item()
        .table_name(table)
        .set_item(Some(item(&me.api_key_id, "hello")))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{} writes its own item: {e:?}", me.name));
    let read = dynamodb
        .get_item()
        .table_name(table)
        .set_key(Some(item(&me.api_key_id, "hello")))
        .send()
        .await
        .unwrap();
    assert!(read.item().is_some());
    let theirs = dynamodb
        .get_item()
        .table_name(table)
        .set_key(Some(item(&other.api_key_id, "hello")))
        .send()
        .await;
    assert_eq!(theirs.unwrap_err().code(), Some("AccessDeniedException"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_provider_gives_an_sdk_client_the_tenants_own_items_and_nothing_else() {
    let system = start().await;
    let me = onboard(&system, "Provider Co", Tier::Standard).await;
    let other = onboard(&system, "Other Co", Tier::Standard).await;
    let table = system.deployment().data_table.clone();
    let provider = provider(&system, &me);
    let vended = provider.vend().await.expect("vends through the local API");
    assert_eq!(vended.body.tenant.api_key_id.as_str(), me.api_key_id);
    let dynamodb = dynamodb_with(&system, provider).await;
    reaches_only_its_own_items(&dynamodb, &table, &me, &other).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_is_a_credential_process_for_the_rust_sdk_and_caches_across_runs() {
    let system = start().await;
    let me = onboard(&system, "Process Co", Tier::Basic).await;
    let other = onboard(&system, "Other Co", Tier::Basic).await;
    let table = system.deployment().data_table.clone();
    let home = temp_dir("rust-sdk");

    // The SDK's own credential_process provider runs the binary (sh -c).
    let command = format!(
        "env CREDENTIALS_ENDPOINT='{}' TENANT_API_KEY='{}' XDG_CACHE_HOME='{}' '{}'",
        system.credentials_url(),
        me.api_key,
        home.display(),
        binary().display()
    );
    let provider = aws_config::credential_process::CredentialProcessProvider::new(command);
    let dynamodb = dynamodb_with(&system, provider).await;
    reaches_only_its_own_items(&dynamodb, &table, &me, &other).await;

    // It wrote the cache; with the whole system stopped, the next run is
    // still served from it, so it asked no one.
    let cached = access_key_id(&run_binary(&system, &me, &home).await);
    system.shutdown();
    let output = run_binary(&system, &me, &home).await;
    assert_eq!(access_key_id(&output), cached);
    assert!(
        output.stderr.is_empty(),
        "a fresh entry needs no vendor and no warning: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_aws_cli_uses_the_binary_as_its_credential_process() {
    let aws = which("aws").unwrap_or_else(|| {
        panic!(
            "the AWS CLI is not on PATH; install it with `apt-get install -y awscli` \
             (./scripts/setup.sh does) or `pip install awscli`"
        )
    });
    let system = start().await;
    let me = onboard(&system, "Cli Co", Tier::Standard).await;
    let other = onboard(&system, "Other Co", Tier::Standard).await;
    let table = system.deployment().data_table.clone();
    let home = temp_dir("aws-cli");
    let config = home.join("aws-config");
    std::fs::write(
        &config,
        format!(
            "[default]\nregion = us-east-1\ncredential_process = {}\n",
            binary().display()
        ),
    )
    .unwrap();
    let cli = |args: &[&str]| {
        let mut command = std::process::Command::new(&aws);
        command
            .args(args)
            .args(["--output", "json"])
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", &home)
            .env("AWS_CONFIG_FILE", &config)
            .env("AWS_SHARED_CREDENTIALS_FILE", home.join("no-credentials"))
            .env("AWS_ENDPOINT_URL", system.endpoint_url())
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("CREDENTIALS_ENDPOINT", system.credentials_url())
            .env("TENANT_API_KEY", &me.api_key)
            .env("XDG_CACHE_HOME", &home);
        tokio::task::spawn_blocking(move || command.output().unwrap())
    };
    let identity = cli(&["sts", "get-caller-identity"]).await.unwrap();
    assert!(
        identity.status.success(),
        "{}",
        String::from_utf8_lossy(&identity.stderr)
    );
    let identity: serde_json::Value = serde_json::from_slice(&identity.stdout).unwrap();
    let arn = identity["Arn"].as_str().unwrap();
    assert!(
        arn.contains(":assumed-role/") && arn.ends_with(&format!("/{}", me.api_key_id)),
        "{arn}"
    );
    let mine = format!(
        r#"{{"pk":{{"S":"{}"}},"sk":{{"S":"hello"}}}}"#,
        me.api_key_id
    );
    let put = cli(&[
        "dynamodb",
        "put-item",
        "--table-name",
        &table,
        "--item",
        &mine,
    ])
    .await
    .unwrap();
    assert!(
        put.status.success(),
        "{}",
        String::from_utf8_lossy(&put.stderr)
    );
    let theirs = format!(
        r#"{{"pk":{{"S":"{}"}},"sk":{{"S":"hello"}}}}"#,
        other.api_key_id
    );
    let get = cli(&[
        "dynamodb",
        "get-item",
        "--table-name",
        &table,
        "--key",
        &theirs,
    ])
    .await
    .unwrap();
    assert!(!get.status.success());
    assert!(
        String::from_utf8_lossy(&get.stderr).contains("AccessDenied"),
        "{}",
        String::from_utf8_lossy(&get.stderr)
    );
    let entries = std::fs::read_dir(home.join("tenant-credentials"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "json")
        })
        .count();
    assert_eq!(entries, 1, "three CLI commands, one cached entry");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_warm_vendor_fn_reuses_its_session_until_a_suspend_and_resume() {
    let system = start().await;
    let tenant = onboard(&system, "Reuse Co", Tier::Standard).await;
    let first = get(&system, Some(&tenant.api_key)).await;
    let second = get(&system, Some(&tenant.api_key)).await;
    let id =
        |r: &sandbox::api_client::ApiResponse| r.json()["AccessKeyId"].as_str().unwrap().to_owned();
    assert_eq!(
        id(&second),
        id(&first),
        "the warm instance served its session again"
    );

    let tenant_ref = TenantRef::Id(ApiKeyId::parse(&tenant.api_key_id).unwrap());
    system
        .lifecycle()
        .suspend(&tenant_ref, false, &Silent)
        .await
        .unwrap();
    assert_eq!(get(&system, Some(&tenant.api_key)).await.status, 403);
    system
        .lifecycle()
        .resume(&tenant_ref, &Silent)
        .await
        .unwrap();
    let after = get(&system, Some(&tenant.api_key)).await;
    assert_eq!(after.status, 200, "{}", after.body);
    assert_ne!(
        id(&after),
        id(&first),
        "the resume bumped the revision: a fresh AssumeRole"
    );
}

fn which(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    })
}
