//! Starting the whole system (the iam-gateway AWS stand-in, local API Gateway,
//! vendor-fn under the local Lambda) for end-to-end tests over HTTP.
#![allow(dead_code)]

use sandbox::api_client::{ApiClient, ApiResponse};
use sandbox::system::{Options, System, Tenant};
use tenant_registry::{Isolation, Tier};

/// Starts the system on a free port. Needs moto (`./scripts/setup.sh`) and
/// the vendor-fn executable (`cargo build -p vendor-fn`; `cargo test
/// --workspace` builds it).
pub async fn start() -> System {
    System::start(&System::workspace_root(), Options::default())
        .await
        .unwrap_or_else(|e| panic!("the system starts: {e}"))
}

pub async fn onboard(system: &System, name: &str, tier: Tier) -> Tenant {
    system
        .onboard(name, tier, Isolation::Pooled)
        .await
        .unwrap_or_else(|e| panic!("onboarding {name}: {e}"))
}

pub async fn get(system: &System, api_key: Option<&str>) -> ApiResponse {
    ApiClient::default()
        .get(&system.credentials_url(), api_key)
        .await
        .unwrap_or_else(|e| panic!("GET /credentials: {e}"))
}

pub async fn post(
    system: &System,
    api_key: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> ApiResponse {
    ApiClient::default()
        .post(&system.credentials_url(), Some(api_key), headers, body)
        .await
        .unwrap_or_else(|e| panic!("POST /credentials: {e}"))
}

/// A DynamoDB client with vended credentials, through the system's endpoint.
pub fn dynamodb(system: &System, response: &ApiResponse) -> aws_sdk_dynamodb::Client {
    let credentials = response
        .credentials()
        .unwrap_or_else(|| panic!("credentials in a {} response", response.status));
    sandbox::demo::tenant_dynamodb(&system.endpoint_url(), credentials)
}

/// An administrator's DynamoDB client on moto (no IAM): arranges state.
pub fn admin_dynamodb(system: &System) -> aws_sdk_dynamodb::Client {
    aws_sdk_dynamodb::Client::new(system.admin_config())
}

/// Seconds from now until the body's `Expiration`.
pub fn seconds_to_expiry(response: &ApiResponse) -> i64 {
    let expiration = response.json()["Expiration"]
        .as_str()
        .map(str::to_owned)
        .expect("Expiration");
    let expiration = chrono::DateTime::parse_from_rfc3339(&expiration).expect("RFC 3339");
    (expiration.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_seconds()
}

/// The tenantctl executable Cargo built beside this test.
pub fn tenantctl() -> std::path::PathBuf {
    let exe = std::env::current_exe().expect("test executable");
    exe.ancestors()
        .skip(1)
        .take(2)
        .map(|dir| dir.join("tenantctl"))
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!("tenantctl not built: run `cargo build -p tenantctl` (cargo test --workspace builds it)")
        })
}

/// Runs `tenantctl args` under `env` only (plus PATH); asserts success and
/// returns its JSON output and its stderr.
pub fn run_tenantctl(env: &[(&'static str, String)], args: &[&str]) -> (serde_json::Value, String) {
    let output = std::process::Command::new(tenantctl())
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .output()
        .expect("tenantctl runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(
        output.status.success(),
        "tenantctl {args:?} failed ({}): {stdout}\n{stderr}",
        output.status
    );
    let json = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("JSON from {args:?}: {e}: {stdout}"));
    (json, stderr)
}

/// An S3 client on the credentials a vend returned, aimed at the gateway.
pub fn s3(system: &System, response: &ApiResponse) -> aws_sdk_s3::Client {
    let config = aws_sdk_s3::Config::builder()
        .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
        .region(aws_sdk_s3::config::Region::new(iam_gateway::REGION))
        .endpoint_url(system.endpoint_url())
        .force_path_style(true)
        .credentials_provider(response.credentials().expect("credentials"))
        .retry_config(aws_sdk_s3::config::retry::RetryConfig::disabled())
        .build();
    aws_sdk_s3::Client::from_conf(config)
}
