//! The gateway's HTTP listener: one loopback port for STS, DynamoDB and S3,
//! routed by the service named in the SigV4 credential scope.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderMap, Request, Response};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::auth::{self, AuthFailure};
use crate::sigv4::{Authorization, Service};
use crate::state::State;
use crate::{dynamodb, s3, sts};

/// The largest request body the gateway reads (DynamoDB's own limit is 16 MB).
pub const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

/// Binds `127.0.0.1:<port>` (0 for any free port) and serves until the
/// returned task is aborted.
///
/// # Errors
/// The bind error's text.
pub async fn serve(port: u16, state: Arc<State>) -> Result<(SocketAddr, JoinHandle<()>), String> {
    let listener = TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let task = tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let state = Arc::clone(&state);
            tokio::spawn(async move {
                let service = service_fn(move |request| {
                    let state = Arc::clone(&state);
                    async move { Ok::<_, Infallible>(handle(&state, request).await) }
                });
                if let Err(e) = auto::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(stream), service)
                    .await
                {
                    tracing::debug!(error = %e, "connection ended");
                }
            });
        }
    });
    Ok((addr, task))
}

/// Which service a request is for: the credential scope, else a guess
/// from the request's shape (for AWS-shaped errors on unsigned requests).
fn route(headers: &HeaderMap, auth: Option<&Authorization>) -> Option<Service> {
    if let Some(auth) = auth {
        return auth.service();
    }
    if headers.contains_key("x-amz-target") {
        return Some(Service::DynamoDb);
    }
    let form = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    Some(if form { Service::Sts } else { Service::S3 })
}

async fn handle(state: &Arc<State>, request: Request<Incoming>) -> Response<Full<Bytes>> {
    let request_id = crate::sessions::request_id();
    let (parts, body) = request.into_parts();
    let auth = auth::authorization(&parts.headers);
    let Some(service) = route(&parts.headers, auth.as_ref().ok()) else {
        return sts::StsError::validation("The sandbox serves sts, dynamodb and s3 only.")
            .into_response(&request_id);
    };
    let body = match Limited::new(body, MAX_BODY_BYTES).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => return too_large(service, &request_id),
    };
    let session = auth.and_then(|auth| auth::authenticate(state, &auth, service, &parts, &body));
    let session = match session {
        Ok(session) => session,
        Err(failure) => {
            tracing::info!(
                ?failure,
                service = service.signing_name(),
                "request not authenticated"
            );
            return match service {
                Service::Sts | Service::Iam => sts_auth_error(&failure).into_response(&request_id),
                Service::DynamoDb => dynamodb::auth_error(&failure, &request_id),
                Service::S3 => {
                    s3::auth_error(&failure, parts.method == http::Method::HEAD, &request_id)
                }
            };
        }
    };
    match service {
        Service::Sts | Service::Iam => {
            let mut params: Vec<(String, String)> = parts
                .uri
                .query()
                .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
                .unwrap_or_default();
            params.extend(form_urlencoded::parse(&body).into_owned());
            sts::handle(state, &session, &params, &request_id).await
        }
        Service::DynamoDb => dynamodb::handle(state, &session, &parts, body, &request_id).await,
        Service::S3 => s3::handle(state, &session, &parts, body, &request_id).await,
    }
}

fn sts_auth_error(failure: &AuthFailure) -> sts::StsError {
    match failure {
        AuthFailure::Missing => sts::StsError::missing_authentication(),
        AuthFailure::Malformed => sts::StsError::signature(
            "Authorization header is not a valid AWS4-HMAC-SHA256 header.".into(),
        ),
        AuthFailure::UnknownKey => sts::StsError::invalid_client_token(),
        AuthFailure::Expired => sts::StsError::expired_token(),
        AuthFailure::Signature(problem) => sts::StsError::signature(problem.to_string()),
    }
}

fn too_large(service: Service, request_id: &str) -> Response<Full<Bytes>> {
    match service {
        Service::Sts | Service::Iam => {
            sts::StsError::validation(format!("Request body exceeds {MAX_BODY_BYTES} bytes"))
                .into_response(request_id)
        }
        Service::DynamoDb => dynamodb::error_response(
            http::StatusCode::PAYLOAD_TOO_LARGE,
            "com.amazon.coral.service#RequestEntityTooLarge",
            &format!("Request size exceeded {MAX_BODY_BYTES} bytes"),
            request_id,
        ),
        Service::S3 => s3::error_response(
            http::StatusCode::PAYLOAD_TOO_LARGE,
            "EntityTooLarge",
            "Your proposed upload exceeds the maximum allowed size",
            false,
            request_id,
        ),
    }
}
