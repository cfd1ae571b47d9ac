//! Starting the gateway and building real SDK clients against it.
#![allow(dead_code)]

use aws_sdk_dynamodb::config::{BehaviorVersion, Region};
use iam_gateway::{Gateway, IssuedCredentials};
use tenant_registry::ApiKeyId;
use vendor_fn::Scope;
use vendor_fn::issuer::{SessionRequest, StsIssuer};

/// Tenant A's and B's API key IDs: `k1` and its look-alike `k1x`.
pub const TENANT_A: &str = "k1";
pub const TENANT_B: &str = "k1x";

pub async fn start() -> Gateway {
    Gateway::start(&Gateway::workspace_root())
        .await
        .unwrap_or_else(|e| panic!("sandbox starts: {e}"))
}

fn region() -> Region {
    Region::new(iam_gateway::REGION)
}

pub fn sts(gateway: &Gateway, credentials: &IssuedCredentials) -> aws_sdk_sts::Client {
    let config = aws_sdk_sts::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(region())
        .endpoint_url(gateway.endpoint_url())
        .credentials_provider(credentials.to_sdk())
        .retry_config(aws_sdk_sts::config::retry::RetryConfig::disabled())
        .build();
    aws_sdk_sts::Client::from_conf(config)
}

pub fn dynamodb(gateway: &Gateway, credentials: &IssuedCredentials) -> aws_sdk_dynamodb::Client {
    dynamodb_with(gateway, credentials.to_sdk())
}

pub fn dynamodb_with(
    gateway: &Gateway,
    credentials: aws_credential_types::Credentials,
) -> aws_sdk_dynamodb::Client {
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(region())
        .endpoint_url(gateway.endpoint_url())
        .credentials_provider(credentials)
        .retry_config(aws_sdk_dynamodb::config::retry::RetryConfig::disabled())
        .build();
    aws_sdk_dynamodb::Client::from_conf(config)
}

pub fn s3(gateway: &Gateway, credentials: &IssuedCredentials) -> aws_sdk_s3::Client {
    let config = aws_sdk_s3::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(region())
        .endpoint_url(gateway.endpoint_url())
        .force_path_style(true)
        .credentials_provider(credentials.to_sdk())
        .retry_config(aws_sdk_s3::config::retry::RetryConfig::disabled())
        .build();
    aws_sdk_s3::Client::from_conf(config)
}

/// A tenant session, issued the way production issues it: vendor-fn's own
/// `StsIssuer` (tag, source identity, session name) on the vendor role's
/// credentials, against the gateway's STS.
pub async fn tenant(gateway: &Gateway, api_key_id: &str, scope: Scope) -> IssuedCredentials {
    tenant_key(gateway, api_key_id, api_key_id, scope).await
}

/// A session vended by key `api_key_id` of the tenant whose data is
/// `partition_key_id` (after a rotation the two differ).
pub async fn tenant_key(
    gateway: &Gateway,
    api_key_id: &str,
    partition_key_id: &str,
    scope: Scope,
) -> IssuedCredentials {
    let vendor = gateway
        .vendor_credentials()
        .await
        .expect("vendor credentials");
    let issuer = StsIssuer::new(
        sts(gateway, &vendor),
        gateway.deployment().tenant_role_arn(),
    );
    let request = SessionRequest {
        api_key_id: ApiKeyId::parse(api_key_id).expect("valid key id"),
        partition_key_id: ApiKeyId::parse(partition_key_id).expect("valid key id"),
        duration_seconds: 900,
        scope,
    };
    let vended = issuer
        .issue(&request)
        .await
        .unwrap_or_else(|e| panic!("vendor-fn issues a session: {e:?}"));
    IssuedCredentials {
        access_key_id: vended.access_key_id,
        secret_access_key: vended.secret_access_key,
        session_token: vended.session_token,
        expiration: None,
    }
}

/// A raw HTTP/1.1 exchange with the gateway, signed with `credentials`
/// for `service` unless `credentials` is `None`. Returns status and body.
pub async fn raw(
    gateway: &Gateway,
    credentials: Option<&IssuedCredentials>,
    service: iam_gateway::sigv4::Service,
    method: &str,
    path: &str,
    extra_headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, String) {
    use std::fmt::Write as _;

    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let endpoint = gateway.endpoint_url();
    let host = endpoint.trim_start_matches("http://").to_owned();
    let mut headers = http::HeaderMap::new();
    headers.insert("host", http::HeaderValue::from_str(&host).expect("host"));
    for (name, value) in extra_headers {
        headers.insert(
            http::HeaderName::from_bytes(name.as_bytes()).expect("name"),
            http::HeaderValue::from_str(value).expect("value"),
        );
    }
    if let Some(credentials) = credentials {
        let signed = iam_gateway::sigv4::sign(
            service,
            method,
            &format!("{endpoint}{path}"),
            &headers,
            body,
            &credentials.access_key_id,
            credentials.secret_access_key.expose(),
            Some(credentials.session_token.expose()),
            std::time::SystemTime::now(),
        )
        .expect("signs");
        for (name, value) in signed {
            headers.insert(name, value);
        }
    }
    let mut request = format!("{method} {path} HTTP/1.1\r\n");
    for (name, value) in &headers {
        let _ = write!(request, "{name}: {}\r\n", value.to_str().expect("ascii"));
    }
    let _ = write!(
        request,
        "content-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    );
    let mut stream = tokio::net::TcpStream::connect(&host)
        .await
        .expect("connects");
    stream
        .write_all(request.as_bytes())
        .await
        .expect("writes head");
    // The gateway may answer (and close) before reading an oversized body.
    let _ = stream.write_all(body).await;
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response).await;
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no HTTP status in {text:?}"));
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}
