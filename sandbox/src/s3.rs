//! The S3 gateway (REST, path-style).

use std::sync::Arc;

use bytes::Bytes;
use http::{Response, StatusCode};
use http_body_util::Full;

use crate::server::{AuthFailure, State};
use crate::sessions::Session;
use crate::xml::escape;

/// An S3 error document; HEAD responses carry no body.
pub fn error_response(status: StatusCode, code: &str, message: &str, head: bool, request_id: &str) -> Response<Full<Bytes>> {
    let body = if head {
        Bytes::new()
    } else {
        Bytes::from(format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{}</Message><RequestId>{request_id}</RequestId><HostId>{request_id}</HostId></Error>",
            escape(message)
        ))
    };
    let mut response = Response::new(Full::new(body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert("content-type", http::HeaderValue::from_static("application/xml"));
    if let Ok(id) = http::HeaderValue::from_str(request_id) {
        headers.insert("x-amz-request-id", id);
    }
    response
}

/// The error for a request that could not be authenticated.
pub fn auth_error(failure: &AuthFailure, head: bool, request_id: &str) -> Response<Full<Bytes>> {
    let (status, code, message) = match failure {
        AuthFailure::Missing => (StatusCode::FORBIDDEN, "AccessDenied", "Access Denied".to_owned()),
        AuthFailure::Malformed => (
            StatusCode::BAD_REQUEST,
            "AuthorizationHeaderMalformed",
            "The authorization header is malformed.".to_owned(),
        ),
        AuthFailure::UnknownKey => (
            StatusCode::FORBIDDEN,
            "InvalidAccessKeyId",
            "The AWS Access Key Id you provided does not exist in our records.".to_owned(),
        ),
        AuthFailure::Expired => (StatusCode::BAD_REQUEST, "ExpiredToken", "The provided token has expired.".to_owned()),
        AuthFailure::Signature(crate::sigv4::SignatureProblem::PayloadMismatch) => (
            StatusCode::BAD_REQUEST,
            "XAmzContentSHA256Mismatch",
            "The provided 'x-amz-content-sha256' header does not match what was computed.".to_owned(),
        ),
        AuthFailure::Signature(_) => (
            StatusCode::FORBIDDEN,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided. Check your key and signing method.".to_owned(),
        ),
    };
    error_response(status, code, &message, head, request_id)
}

/// Handles an authenticated S3 request.
#[allow(clippy::unused_async)] // mapping comes in a later change
pub async fn handle(
    _state: &Arc<State>,
    _session: &Session,
    parts: &http::request::Parts,
    _body: Bytes,
    request_id: &str,
) -> Response<Full<Bytes>> {
    error_response(StatusCode::FORBIDDEN, "AccessDenied", "Access Denied", parts.method == http::Method::HEAD, request_id)
}
