//! A tenant's side of the credential vendor, as a tenant would write it.
//!
//! - `fetch-credentials` calls the credentials API with the tenant's API key
//!   and prints the body: valid `credential_process` output.
//! - `own-items` uses aws-sdk-dynamodb with the `tenant-credentials`
//!   provider (credentials that refresh themselves): writes and reads the
//!   tenant's own items, and shows that another tenant's are refused.
//!
//! Both read `CREDENTIALS_ENDPOINT` and `TENANT_API_KEY` (as
//! `examples/credential-process.sh` does); the SDK honours `AWS_ENDPOINT_URL`,
//! which points it at the local sandbox.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;

/// A required environment variable.
///
/// # Errors
/// A message naming the variable.
pub fn env(name: &str) -> Result<String, String> {
    std::env::var(name)
        .ok()
        .filter(|v| !v.is_empty())
        .ok_or_else(|| format!("{name} is not set"))
}

/// Calls the credentials API: `GET`, or `POST` with `request` as the body.
/// Returns the raw body on 200.
///
/// # Errors
/// The API's status and error code (never the key), or the transport error.
pub async fn fetch_body(
    endpoint: &str,
    api_key: &str,
    request: Option<&str>,
) -> Result<String, String> {
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let builder = http::Request::builder()
        .method(if request.is_some() {
            http::Method::POST
        } else {
            http::Method::GET
        })
        .uri(endpoint)
        .header("x-api-key", api_key)
        .header("accept", "application/json");
    let http_request = builder
        .body(Full::new(Bytes::from(
            request.unwrap_or_default().to_owned(),
        )))
        .map_err(|e| format!("bad CREDENTIALS_ENDPOINT: {e}"))?;
    let response = client
        .request(http_request)
        .await
        .map_err(|e| format!("credentials API unreachable: {e}"))?;
    let status = response.status();
    let body = response
        .into_body()
        .collect()
        .await
        .map_err(|e| e.to_string())?
        .to_bytes();
    let text = String::from_utf8_lossy(&body).into_owned();
    if status.is_success() {
        return Ok(text);
    }
    let json: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    let code = json["code"]
        .as_str()
        .or_else(|| json["message"].as_str())
        .unwrap_or("no error code");
    Err(format!(
        "credentials API answered {}: {code}",
        status.as_u16()
    ))
}
