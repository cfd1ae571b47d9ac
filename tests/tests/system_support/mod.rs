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
