//! The key authorizer: an API Gateway Lambda authorizer of type REQUEST
//! that turns the key a tenant presents into the API key API Gateway
//! meters, so the same API serves `x-api-key` and the SDKs'
//! container-credentials provider (which sends its token in
//! `Authorization`).
//!
//! 1. The key value is the `x-api-key` header, else the raw `Authorization`
//!    header (`AWS_CONTAINER_AUTHORIZATION_TOKEN`, sent as is). A SigV4
//!    `Authorization` (`AWS4-HMAC-SHA256 …`) is not a key; two different
//!    values in the two headers are refused rather than guessed between.
//! 2. The tenant is found by the key's SHA-256 through the registry index
//!    on `apiKeySha256` ([`KeyLookup`]): the registry never holds a value.
//! 3. Unknown and retired keys and tenants that are not active get a Deny (API Gateway
//!    answers 403 without calling vendor-fn).
//! 4. An Allow for the method, `principalId` = the key ID, `context` naming
//!    the key ID, and `usageIdentifierKey` = the key value: with the API's
//!    key source AUTHORIZER, API Gateway matches that against the usage
//!    plans and throttles per key, and passes it to vendor-fn as
//!    `requestContext.identity.apiKey` (with its ID as `apiKeyId`); the
//!    `context` arrives as `requestContext.authorizer`
//!    (<https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-lambda-authorizer-output.html>,
//!    <https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-key-source.html>).
//!
//! Every request writes one log line with the outcome and, when known, the
//! key ID; never the value or any part of it.

use std::collections::HashMap;
use std::time::Instant;

use aws_lambda_events::apigw::ApiGatewayCustomAuthorizerRequestTypeRequest;
use aws_lambda_events::http::HeaderMap;
use serde_json::{Value, json};
use tenant_registry::{ApiKeyHash, Secret, TenantRecord, TenantStatus};

use crate::VendError;
use crate::key_lookup::KeyLookup;

/// Configuration of the key authorizer, from the environment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthorizerConfig {
    /// `TENANT_TABLE`: the registry, queried through its key-hash index.
    pub tenant_table: String,
}

impl AuthorizerConfig {
    /// Reads configuration from a map of variables.
    ///
    /// # Errors
    /// [`VendError::Config`] naming the missing variable.
    pub fn from_vars(vars: &HashMap<String, String>) -> Result<Self, VendError> {
        let tenant_table = vars
            .get("TENANT_TABLE")
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
            .ok_or(VendError::Config {
                variable: "TENANT_TABLE",
                problem: "is not set",
            })?;
        Ok(Self { tenant_table })
    }

    /// Reads the process environment.
    ///
    /// # Errors
    /// As [`AuthorizerConfig::from_vars`].
    pub fn from_env() -> Result<Self, VendError> {
        Self::from_vars(&std::env::vars().collect())
    }
}

/// The principal of every refusal: API Gateway requires one.
const ANONYMOUS: &str = "anonymous";

/// The key value a request presents, from `x-api-key` or `Authorization`.
///
/// # Errors
/// [`VendError::MissingApiKeyContext`] when neither header holds a key (an
/// empty or SigV4 `Authorization` included), [`VendError::InvalidApiKey`]
/// when the two headers hold different values.
pub fn presented_key(headers: &HeaderMap) -> Result<Secret, VendError> {
    let value = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .filter(|v| !v.is_empty())
    };
    let from_header = value("x-api-key");
    // The SDKs send AWS_CONTAINER_AUTHORIZATION_TOKEN as the whole header
    // value. A SigV4 signature starts with its algorithm; it is a signed
    // AWS call, not a tenant's key.
    let from_authorization = value("authorization").filter(|v| !v.starts_with("AWS4-HMAC-SHA256"));
    match (from_header, from_authorization) {
        (Some(a), Some(b)) if a != b => Err(VendError::InvalidApiKey),
        (Some(key), _) | (None, Some(key)) => Ok(Secret::new(key)),
        (None, None) => Err(VendError::MissingApiKeyContext),
    }
}

/// Authorizes one REQUEST authorizer event. Never fails: a refusal is a
/// Deny policy, and every call writes one log line.
pub async fn authorize(lookup: &KeyLookup, event: Value, lambda_request_id: &str) -> Value {
    let started = Instant::now();
    let method_arn = event
        .get("methodArn")
        .and_then(Value::as_str)
        .unwrap_or("*")
        .to_owned();
    let result = match serde_json::from_value::<ApiGatewayCustomAuthorizerRequestTypeRequest>(event)
    {
        Ok(request) => find_tenant(lookup, &request.headers).await,
        Err(e) => Err(VendError::MalformedEvent {
            line: e.line(),
            column: e.column(),
        }),
    };
    let latency_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
    match result {
        Ok((record, key)) => {
            tracing::info!(
                lambda_request_id,
                api_key_id = record.api_key_id.as_str(),
                outcome = "allowed",
                latency_us,
                "authorize"
            );
            allow(&record, &key, &method_arn)
        }
        Err(e) => {
            // Our own Display text: fixed words, never request data.
            let error = e.to_string();
            if e.status() >= 500 {
                tracing::error!(
                    lambda_request_id,
                    outcome = e.code(),
                    aws_code = e.aws_code(),
                    error,
                    latency_us,
                    "authorize"
                );
            } else {
                tracing::warn!(
                    lambda_request_id,
                    outcome = e.code(),
                    error,
                    latency_us,
                    "authorize"
                );
            }
            deny(&method_arn)
        }
    }
}

async fn find_tenant(
    lookup: &KeyLookup,
    headers: &HeaderMap,
) -> Result<(TenantRecord, Secret), VendError> {
    let key = presented_key(headers)?;
    let record = lookup
        .find(&ApiKeyHash::of(key.expose()))
        .await?
        .ok_or(VendError::UnknownTenant)?;
    match record.status {
        TenantStatus::Active => Ok((record, key)),
        TenantStatus::Suspended => Err(VendError::TenantSuspended),
        TenantStatus::Offboarded if record.is_retired() => Err(VendError::KeyRetired),
        TenantStatus::Offboarded => Err(VendError::TenantOffboarded),
    }
}

fn policy(effect: &str, method_arn: &str) -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Action": "execute-api:Invoke",
            "Effect": effect,
            "Resource": method_arn,
        }]
    })
}

fn allow(record: &TenantRecord, key: &Secret, method_arn: &str) -> Value {
    json!({
        "principalId": record.api_key_id.as_str(),
        "policyDocument": policy("Allow", method_arn),
        "context": {
            "apiKeyId": record.api_key_id.as_str(),
            "partitionKeyId": record.partition_key_id().as_str(),
            "tier": record.tier.as_str(),
        },
        // The value, not the ID: API Gateway matches usage plan keys by value.
        "usageIdentifierKey": key.expose(),
    })
}

fn deny(method_arn: &str) -> Value {
    json!({
        "principalId": ANONYMOUS,
        "policyDocument": policy("Deny", method_arn),
    })
}
