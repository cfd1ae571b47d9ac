//! The DynamoDB gateway (JSON protocol, `X-Amz-Target`).

use std::sync::Arc;

use bytes::Bytes;
use http::{Response, StatusCode};
use http_body_util::Full;
use serde_json::json;

use crate::server::{AuthFailure, State};
use crate::sessions::Session;

/// A DynamoDB error: `{"__type": "<namespace>#<Code>", "message": "…"}`.
pub fn error_response(status: StatusCode, kind: &str, message: &str, request_id: &str) -> Response<Full<Bytes>> {
    // AccessDeniedException spells its message key with a capital M.
    let body = if kind.ends_with("#AccessDeniedException") {
        json!({"__type": kind, "Message": message})
    } else {
        json!({"__type": kind, "message": message})
    };
    let mut response = Response::new(Full::new(Bytes::from(body.to_string())));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert("content-type", http::HeaderValue::from_static("application/x-amz-json-1.0"));
    if let Ok(id) = http::HeaderValue::from_str(request_id) {
        headers.insert("x-amzn-requestid", id);
    }
    response
}

/// The error for a request that could not be authenticated.
pub fn auth_error(failure: &AuthFailure, request_id: &str) -> Response<Full<Bytes>> {
    let (kind, message) = match failure {
        AuthFailure::Missing => (
            "com.amazon.coral.service#MissingAuthenticationTokenException",
            "Request is missing Authentication Token".to_owned(),
        ),
        AuthFailure::Malformed => (
            "com.amazon.coral.service#IncompleteSignatureException",
            "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters.".to_owned(),
        ),
        AuthFailure::UnknownKey => (
            "com.amazon.coral.service#UnrecognizedClientException",
            "The security token included in the request is invalid.".to_owned(),
        ),
        AuthFailure::Expired => (
            "com.amazon.coral.service#ExpiredTokenException",
            "The security token included in the request is expired".to_owned(),
        ),
        AuthFailure::Signature(problem) => ("com.amazon.coral.service#InvalidSignatureException", problem.to_string()),
    };
    error_response(StatusCode::BAD_REQUEST, kind, &message, request_id)
}

/// Handles an authenticated DynamoDB request.
#[allow(clippy::unused_async)] // mapping comes in the next change
pub async fn handle(
    _state: &Arc<State>,
    session: &Session,
    _parts: &http::request::Parts,
    _body: Bytes,
    request_id: &str,
) -> Response<Full<Bytes>> {
    error_response(
        StatusCode::BAD_REQUEST,
        "com.amazon.coral.service#AccessDeniedException",
        &format!("User: {} is not authorized: the sandbox's DynamoDB gateway maps no operations yet", session.principal.arn()),
        request_id,
    )
}
