//! API Gateway's management API (REST) for the operator's side: the API
//! keys and usage plans `tenantctl` manages, through the gateway as on AWS.
//!
//! API Gateway's own IAM model is the HTTP method on the resource path:
//! `apigateway:PATCH` on `arn:aws:apigateway:<region>::/apikeys/<id>`. So
//! each call is one check, decided for the caller like any other request;
//! tenant sessions hold no such permission. Paths with anything but the
//! characters API Gateway's IDs and names use, or with empty, `.` or `..`
//! segments, are refused as unmappable: moto might read them differently
//! than the check did.

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, StatusCode};
use http_body_util::Full;
use serde_json::json;

use crate::account::{PARTITION, REGION};
use crate::auth::AuthFailure;
use crate::authz::Check;
use crate::moto::relay;
use crate::pipeline::{self, AwsService, Head, HttpResponse, Refusal, Unmappable};
use crate::sessions::RoleSession;
use crate::sigv4::Service;
use crate::state::State;

/// The API Gateway management service.
#[derive(Debug, Default)]
pub struct ApiGateway;

/// What an allowed call forwards: path and query as received, the body.
#[derive(Debug)]
pub struct Forward {
    path_and_query: String,
    body: Bytes,
}

/// Headers forwarded to moto.
const FORWARDED_HEADERS: [&str; 2] = ["content-type", "accept"];

/// The check a call makes, or why it can't be mapped.
///
/// # Errors
/// A sentence saying what could not be read with certainty.
pub fn map(method: &Method, path: &str) -> Result<Check, String> {
    if !matches!(
        *method,
        Method::GET | Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    ) {
        return Err("a method API Gateway's API does not use".into());
    }
    let rest = path.strip_prefix('/').ok_or("a path without /")?;
    if rest.is_empty() {
        return Err("no resource in the path".into());
    }
    for segment in rest.split('/') {
        let safe = !segment.is_empty()
            && segment != "."
            && segment != ".."
            && segment
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.~".contains(&b));
        if !safe {
            return Err("a path segment API Gateway's IDs never hold".into());
        }
    }
    Ok(Check::new(
        format!("apigateway:{method}"),
        format!("arn:{PARTITION}:apigateway:{REGION}::{path}"),
    ))
}

fn error(status: StatusCode, kind: &str, message: &str, request_id: &str) -> HttpResponse {
    let mut response = http::Response::new(Full::new(Bytes::from(
        json!({ "message": message }).to_string(),
    )));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert("content-type", HeaderValue::from_static("application/json"));
    if let Ok(kind) = HeaderValue::from_str(kind) {
        headers.insert("x-amzn-errortype", kind);
    }
    if let Ok(id) = HeaderValue::from_str(request_id) {
        headers.insert("x-amzn-requestid", id);
    }
    response
}

fn auth_error(failure: &AuthFailure) -> (StatusCode, &'static str, String) {
    match failure {
        AuthFailure::Missing => (
            StatusCode::FORBIDDEN,
            "MissingAuthenticationTokenException",
            "Missing Authentication Token".into(),
        ),
        AuthFailure::Malformed => (
            StatusCode::FORBIDDEN,
            "IncompleteSignatureException",
            "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters."
                .into(),
        ),
        AuthFailure::UnknownKey => (
            StatusCode::FORBIDDEN,
            "UnrecognizedClientException",
            "The security token included in the request is invalid.".into(),
        ),
        AuthFailure::Expired => (
            StatusCode::FORBIDDEN,
            "ExpiredTokenException",
            "The security token included in the request is expired".into(),
        ),
        AuthFailure::Signature(problem) => (
            StatusCode::FORBIDDEN,
            "InvalidSignatureException",
            problem.to_string(),
        ),
    }
}

impl AwsService for ApiGateway {
    type Forward = Forward;
    type Error = ();
    const NAME: &'static str = "apigateway";

    async fn map(
        &self,
        _state: &State,
        caller: &RoleSession,
        head: Head<'_>,
        body: &Bytes,
    ) -> Result<pipeline::Mapped<Forward>, Refusal<()>> {
        let parts = head.parts;
        let check =
            map(&parts.method, parts.uri.path()).map_err(|why| Unmappable::new(caller, why))?;
        Ok(pipeline::Mapped::checked(
            vec![check],
            Forward {
                path_and_query: parts
                    .uri
                    .path_and_query()
                    .map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned()),
                body: body.clone(),
            },
        ))
    }

    async fn forward(
        &self,
        state: &State,
        _caller: &RoleSession,
        forward: Forward,
        head: Head<'_>,
    ) -> Result<HttpResponse, Refusal<()>> {
        let mut headers = HeaderMap::new();
        for name in FORWARDED_HEADERS {
            if let Some(value) = head.parts.headers.get(name) {
                headers.insert(name, value.clone());
            }
        }
        match state
            .moto
            .send(
                Service::ApiGateway,
                &head.parts.method,
                &forward.path_and_query,
                &headers,
                forward.body,
            )
            .await
        {
            Ok(response) => Ok(relay(response)),
            Err(e) => {
                tracing::error!(error = %e, "forwarding to moto");
                Err(Refusal::Internal)
            }
        }
    }

    fn refuse(&self, refusal: Refusal<()>, head: Head<'_>) -> HttpResponse {
        let (status, kind, message) = match refusal {
            Refusal::Unauthenticated(failure) => auth_error(&failure),
            Refusal::TooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "RequestTooLargeException",
                "Request Too Long".into(),
            ),
            Refusal::Service(()) => (
                StatusCode::BAD_REQUEST,
                "BadRequestException",
                "Invalid request".into(),
            ),
            Refusal::Unmappable(u) => (
                StatusCode::FORBIDDEN,
                "AccessDeniedException",
                format!(
                    "User: {} is not authorized to perform this request: the sandbox can't map it with certainty ({})",
                    u.principal, u.why
                ),
            ),
            Refusal::Denied(denial) => (
                StatusCode::FORBIDDEN,
                "AccessDeniedException",
                denial.message(),
            ),
            Refusal::Internal => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "InternalFailure",
                "An internal error occurred.".into(),
            ),
        };
        error(status, kind, &message, head.request_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_call_is_its_method_on_its_path() {
        let check = map(&Method::PATCH, "/apikeys/a1b2c3d4e5").unwrap();
        assert_eq!(check.action, "apigateway:PATCH");
        assert_eq!(
            check.resource,
            "arn:aws:apigateway:us-east-1::/apikeys/a1b2c3d4e5"
        );
        assert!(map(&Method::POST, "/usageplans/p1/keys").is_ok());
    }

    #[test]
    fn what_it_can_not_read_with_certainty_is_unmappable() {
        for (method, path) in [
            (Method::GET, "/"),
            (Method::GET, "/apikeys//x"),
            (Method::GET, "/apikeys/../restapis"),
            (Method::GET, "/apikeys/a%2Fb"),
            (Method::HEAD, "/apikeys"),
            (Method::GET, "apikeys"),
        ] {
            assert!(map(&method, path).is_err(), "{method} {path}");
        }
    }
}
