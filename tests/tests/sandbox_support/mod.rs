//! Starting the sandbox and building real SDK clients against it.
#![allow(dead_code)]

use aws_sdk_dynamodb::config::{BehaviorVersion, Region};
use sandbox::{IssuedCredentials, Sandbox};
use tenant_registry::ApiKeyId;
use vendor_fn::issuer::{SessionRequest, StsIssuer};
use vendor_fn::Scope;

/// Tenant A's and B's API key IDs: `k1` and its look-alike `k1x`.
pub const TENANT_A: &str = "k1";
pub const TENANT_B: &str = "k1x";

pub async fn start() -> Sandbox {
    Sandbox::start(&Sandbox::workspace_root())
        .await
        .unwrap_or_else(|e| panic!("sandbox starts: {e}"))
}

fn region() -> Region {
    Region::new(sandbox::REGION)
}

pub fn sts(sandbox: &Sandbox, credentials: &IssuedCredentials) -> aws_sdk_sts::Client {
    let config = aws_sdk_sts::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(region())
        .endpoint_url(sandbox.endpoint_url())
        .credentials_provider(credentials.to_sdk())
        .retry_config(aws_sdk_sts::config::retry::RetryConfig::disabled())
        .build();
    aws_sdk_sts::Client::from_conf(config)
}

pub fn dynamodb(sandbox: &Sandbox, credentials: &IssuedCredentials) -> aws_sdk_dynamodb::Client {
    dynamodb_with(sandbox, credentials.to_sdk())
}

pub fn dynamodb_with(sandbox: &Sandbox, credentials: aws_credential_types::Credentials) -> aws_sdk_dynamodb::Client {
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(region())
        .endpoint_url(sandbox.endpoint_url())
        .credentials_provider(credentials)
        .retry_config(aws_sdk_dynamodb::config::retry::RetryConfig::disabled())
        .build();
    aws_sdk_dynamodb::Client::from_conf(config)
}

pub fn s3(sandbox: &Sandbox, credentials: &IssuedCredentials) -> aws_sdk_s3::Client {
    let config = aws_sdk_s3::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(region())
        .endpoint_url(sandbox.endpoint_url())
        .force_path_style(true)
        .credentials_provider(credentials.to_sdk())
        .retry_config(aws_sdk_s3::config::retry::RetryConfig::disabled())
        .build();
    aws_sdk_s3::Client::from_conf(config)
}

/// A tenant session, issued the way production issues it: vendor-fn's own
/// `StsIssuer` (tag, source identity, session name) on the vendor role's
/// credentials, against the sandbox's STS.
pub async fn tenant(sandbox: &Sandbox, api_key_id: &str, scope: Scope) -> IssuedCredentials {
    let vendor = sandbox.vendor_credentials().await.expect("vendor credentials");
    let issuer = StsIssuer::new(sts(sandbox, &vendor), sandbox.deployment().tenant_role_arn());
    let request = SessionRequest {
        api_key_id: ApiKeyId::parse(api_key_id).expect("valid key id"),
        duration_seconds: 900,
        scope,
    };
    let vended = issuer.issue(&request).await.unwrap_or_else(|e| panic!("vendor-fn issues a session: {e:?}"));
    IssuedCredentials {
        access_key_id: vended.access_key_id,
        secret_access_key: sandbox::Secret::new(vended.secret_access_key.expose().to_owned()),
        session_token: sandbox::Secret::new(vended.session_token.expose().to_owned()),
        expiration: None,
    }
}
