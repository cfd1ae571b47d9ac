//! A tenant's side of the credential vendor, as a tenant would write it.
//!
//! - `fetch-credentials` calls the credentials API with the tenant's API key
//!   and prints the body: valid `credential_process` output.
//! - `own-items` uses the credentials with aws-sdk-dynamodb: writes and reads
//!   the tenant's own items, and shows that another tenant's are refused.
//!
//! Both read `CREDENTIALS_ENDPOINT` and `TENANT_API_KEY` (as
//! `examples/credential-process.sh` does); the SDK honours `AWS_ENDPOINT_URL`,
//! which points it at the local sandbox.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;
use tenant_registry::CredentialsBody;

/// Credentials vended for this tenant, with what they reach.
pub struct Vended {
    /// The response body, parsed and checked against the contract.
    pub body: CredentialsBody,
    /// For the AWS SDK.
    pub credentials: aws_credential_types::Credentials,
    /// The region to use.
    pub region: String,
    /// The table holding the tenant's items.
    pub table: String,
    /// The tenant's partition key value.
    pub partition_key: String,
}

impl std::fmt::Debug for Vended {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vended")
            .field("table", &self.table)
            .field("partition_key", &self.partition_key)
            .finish_non_exhaustive()
    }
}

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

/// Fetches and parses credentials.
///
/// # Errors
/// As [`fetch_body`], or a body without the credential fields.
pub async fn fetch(endpoint: &str, api_key: &str, request: Option<&str>) -> Result<Vended, String> {
    let text = fetch_body(endpoint, api_key, request).await?;
    let body = CredentialsBody::parse(&text).map_err(|e| e.to_string())?;
    let table = body
        .resources
        .dynamo_db_table
        .clone()
        .ok_or_else(|| "the credentials body names no DynamoDbTable".to_owned())?;
    Ok(Vended {
        credentials: body.to_sdk_credentials("tenant-credentials-api"),
        region: body.region.clone(),
        table,
        partition_key: body.resources.partition_key.clone(),
        body,
    })
}

/// A DynamoDB client on the vended credentials (endpoint from the
/// environment: `AWS_ENDPOINT_URL` for the sandbox, AWS itself otherwise).
pub async fn dynamodb(vended: &Vended) -> aws_sdk_dynamodb::Client {
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new(vended.region.clone()))
        .credentials_provider(vended.credentials.clone())
        .load()
        .await;
    aws_sdk_dynamodb::Client::new(&config)
}
