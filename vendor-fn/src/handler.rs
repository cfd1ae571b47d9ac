//! The request handler: event in, API Gateway proxy response out.

use std::time::Instant;

use aws_failure::{AwsFailure, FailureKind};
use aws_lambda_events::apigw::ApiGatewayProxyResponse;
use aws_lambda_events::encodings::Body;
use aws_lambda_events::http::{HeaderMap, HeaderValue};
use serde_json::{Value, json};
use tenant_registry::{MIN_SESSION_SECONDS, TenantRecord, TenantStatus};

use crate::credentials_body;
use crate::issuer::{SessionRequest, StsIssuer};
use crate::metrics::RequestMetrics;
use crate::request::{CredentialRequest, RequestMeta, parse_event};
use crate::session_cache::SessionCache;
use crate::tenant_directory::TenantDirectory;
use crate::{Config, VendError};

/// Everything a request needs, built once in `main` and lent to each call.
#[derive(Debug)]
pub struct Vendor {
    /// Deployment configuration.
    pub config: Config,
    /// The region the tenant's data and STS endpoint live in.
    pub region: String,
    /// Registry lookups.
    pub tenants: TenantDirectory,
    /// STS sessions.
    pub issuer: StsIssuer,
    /// Sessions this instance issued, reused while the reuse rule allows.
    pub sessions: SessionCache,
}

/// What one request did, for its log line.
#[derive(Debug, Default)]
struct Outcome {
    api_key_id: Option<String>,
    tier: Option<&'static str>,
    duration_seconds: Option<u32>,
    scope: Option<&'static str>,
}

/// Handles one API Gateway proxy event. Never fails: every error becomes a
/// JSON error response, and every request writes exactly one log line.
pub async fn handle(
    vendor: &Vendor,
    event: Value,
    lambda_request_id: &str,
) -> ApiGatewayProxyResponse {
    let started = Instant::now();
    let mut outcome = Outcome::default();
    let (meta, parsed) = parse_event(event);
    let result = match parsed {
        Ok(request) => vend(vendor, &request, &mut outcome).await,
        Err(e) => Err(e),
    };
    let response = match &result {
        Ok(body) => success_response(body.clone()),
        Err(e) => error_response(e),
    };
    log_request(
        lambda_request_id,
        &meta,
        &outcome,
        &result,
        response.status_code,
        started,
    );
    response
}

async fn vend(
    vendor: &Vendor,
    request: &CredentialRequest,
    outcome: &mut Outcome,
) -> Result<String, VendError> {
    outcome.api_key_id = Some(request.api_key_id.to_string());
    outcome.scope = Some(request.scope.as_str());
    let tenant = vendor
        .tenants
        .find(&request.api_key_id)
        .await?
        .ok_or(VendError::UnknownTenant)?;
    outcome.tier = Some(tenant.tier.as_str());
    // The key before the status: without the key, nothing about the tenant
    // is worth telling.
    ensure_key_matches(&tenant, request)?;
    ensure_active(&tenant)?;
    // Resumed moments after `suspend --revoke-sessions`: any session issued
    // now would still be denied by that revocation. Say when to come back
    // rather than hand out credentials AWS refuses (and that the tenant's
    // credential cache would keep).
    if let Some(retry_after) = tenant.new_sessions_refused_for(chrono::Utc::now()) {
        return Err(VendError::NewSessionsRefused { retry_after });
    }
    let duration_seconds = session_duration(&tenant, request.requested_duration)?;
    outcome.duration_seconds = Some(duration_seconds);
    let session = SessionRequest {
        api_key_id: request.api_key_id.clone(),
        partition_key_id: tenant.partition_key_id().clone(),
        duration_seconds,
        scope: request.scope,
    };
    // After the registry read and the status check: a cached session goes
    // only to a tenant that is active at this very request.
    let creds = vendor
        .sessions
        .issue(&vendor.issuer, &tenant, &session)
        .await?;
    let body = credentials_body::for_tenant(creds, &vendor.region, &vendor.config, &tenant);
    // Serializing plain strings and numbers cannot fail; map it anyway rather than panic.
    serde_json::to_string(&body)
        .map_err(|_| VendError::Sts(AwsFailure::new(FailureKind::Rejected, "Serialize")))
}

/// The presented key value must hash to the record's `apiKeySha256`
/// (constant-time compare). This is what makes a forged event (a direct
/// invoke naming a real key ID) worthless without the key itself.
fn ensure_key_matches(tenant: &TenantRecord, request: &CredentialRequest) -> Result<(), VendError> {
    let hash = tenant
        .api_key_sha256
        .as_ref()
        .ok_or(VendError::KeyHashMissing)?;
    if hash.matches(request.presented_key.expose()) {
        Ok(())
    } else {
        Err(VendError::InvalidApiKey)
    }
}

fn ensure_active(tenant: &TenantRecord) -> Result<(), VendError> {
    match tenant.status {
        TenantStatus::Active => Ok(()),
        TenantStatus::Suspended => Err(VendError::TenantSuspended),
        TenantStatus::Offboarded if tenant.is_retired() => Err(VendError::KeyRetired),
        TenantStatus::Offboarded => Err(VendError::TenantOffboarded),
    }
}

/// The tier's ceiling by default; a requested duration only within
/// 900..=ceiling, never clamped.
fn session_duration(tenant: &TenantRecord, requested: Option<u64>) -> Result<u32, VendError> {
    let max = tenant.tier.max_session_seconds();
    match requested {
        None => Ok(max),
        Some(d) => u32::try_from(d)
            .ok()
            .filter(|d| (MIN_SESSION_SECONDS..=max).contains(d))
            .ok_or(VendError::InvalidDuration { max }),
    }
}

fn json_headers() -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert("content-type", HeaderValue::from_static("application/json"));
    // Credentials and refusals alike must never be cached by a proxy or client.
    headers.insert("cache-control", HeaderValue::from_static("no-store"));
    headers
}

fn success_response(body: String) -> ApiGatewayProxyResponse {
    let mut response = ApiGatewayProxyResponse::default();
    response.status_code = 200;
    response.headers = json_headers();
    response.body = Some(Body::Text(body));
    response
}

fn error_response(err: &VendError) -> ApiGatewayProxyResponse {
    let mut headers = json_headers();
    if let Some(seconds) = err.retry_after() {
        headers.insert("retry-after", HeaderValue::from(seconds));
    }
    if matches!(err, VendError::MethodNotAllowed) {
        headers.insert("allow", HeaderValue::from_static("GET, POST"));
    }
    let body = json!({ "code": err.code(), "message": err.public_message() });
    let mut response = ApiGatewayProxyResponse::default();
    response.status_code = i64::from(err.status());
    response.headers = headers;
    response.body = Some(Body::Text(body.to_string()));
    response
}

fn log_request(
    lambda_request_id: &str,
    meta: &RequestMeta,
    outcome: &Outcome,
    result: &Result<String, VendError>,
    status: i64,
    started: Instant,
) {
    let elapsed = started.elapsed();
    let latency_us = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
    let emf = RequestMetrics {
        tier: outcome.tier,
        status,
        error: result.as_ref().err(),
        latency_ms: elapsed.as_secs_f64() * 1e3,
        timestamp_ms: chrono::Utc::now().timestamp_millis(),
    };
    let api_request_id = meta.api_request_id.as_deref().unwrap_or("");
    let api_key_id = outcome.api_key_id.as_deref().unwrap_or("");
    let tier = outcome.tier.unwrap_or("");
    let scope = outcome.scope.unwrap_or("");
    let duration_seconds = outcome.duration_seconds.unwrap_or(0);
    match result {
        Ok(_) => tracing::info!(
            lambda_request_id,
            api_request_id,
            api_key_id,
            tier,
            scope,
            duration_seconds,
            status,
            outcome = "issued",
            latency_us,
            emf = %emf,
            "vend"
        ),
        Err(e) => {
            let aws_code = e.aws_code();
            // `error` is our own Display text: codes and fixed words, never
            // request data or AWS messages.
            let error = e.to_string();
            if status >= 500 {
                tracing::error!(
                    lambda_request_id,
                    api_request_id,
                    api_key_id,
                    tier,
                    scope,
                    status,
                    outcome = e.code(),
                    aws_code,
                    error,
                    latency_us,
                    emf = %emf,
                    "vend"
                );
            } else {
                tracing::warn!(
                    lambda_request_id,
                    api_request_id,
                    api_key_id,
                    tier,
                    scope,
                    status,
                    outcome = e.code(),
                    aws_code,
                    error,
                    latency_us,
                    emf = %emf,
                    "vend"
                );
            }
        }
    }
}
