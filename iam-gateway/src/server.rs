//! The gateway's HTTP listener: one loopback port for STS, DynamoDB and S3,
//! routed by the service named in the SigV4 credential scope.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::SystemTime;

use bytes::Bytes;
use http::{HeaderMap, Request, Response};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::bootstrap::Deployment;
use crate::moto::MotoClient;
use crate::sessions::{Clock, Lookup, Session, SessionStore};
use crate::sigv4::{self, Authorization, Received, Service, SignatureProblem};
use crate::{dynamodb, s3, sts};

/// The largest request body the gateway reads (DynamoDB's own limit is 16 MB).
pub const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

/// What every request handler shares.
#[derive(Debug)]
pub struct State {
    /// moto, for state and forwarding.
    pub moto: MotoClient,
    /// The deployed names.
    pub deployment: Deployment,
    /// Issued sessions.
    pub sessions: SessionStore,
    /// The gateway's clock.
    pub clock: Clock,
    /// DynamoDB key schemas read from moto.
    pub schemas: dynamodb::SchemaCache,
}

const _: () = {
    const fn shared<T: Send + Sync>() {}
    shared::<State>();
};

/// Why a request could not be authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthFailure {
    /// No `Authorization` header.
    Missing,
    /// An `Authorization` header that is not SigV4.
    Malformed,
    /// Unknown access key, or a token that is not the key's.
    UnknownKey,
    /// The session has expired.
    Expired,
    /// The signature does not verify.
    Signature(SignatureProblem),
}

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
    let auth_header = parts
        .headers
        .get("authorization")
        .and_then(|v| v.to_str().ok());
    let auth = auth_header.and_then(Authorization::parse);
    let Some(service) = route(&parts.headers, auth.as_ref()) else {
        return sts::StsError::validation("The sandbox serves sts, dynamodb and s3 only.")
            .into_response(&request_id);
    };
    let body = match Limited::new(body, MAX_BODY_BYTES).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => return too_large(service, &request_id),
    };
    let path_and_query = parts
        .uri
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_owned();
    let failure = match (auth_header, &auth) {
        (None, _) => Err(AuthFailure::Missing),
        (Some(_), None) => Err(AuthFailure::Malformed),
        (Some(_), Some(auth)) => authenticate(
            state,
            auth,
            &parts.method,
            &path_and_query,
            &parts.headers,
            &body,
            service,
        ),
    };
    let session = match failure {
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

fn authenticate(
    state: &State,
    auth: &Authorization,
    method: &http::Method,
    path_and_query: &str,
    headers: &HeaderMap,
    body: &[u8],
    service: Service,
) -> Result<Arc<Session>, AuthFailure> {
    let token = headers
        .get("x-amz-security-token")
        .and_then(|v| v.to_str().ok());
    let session = state
        .sessions
        .find(&auth.access_key_id, token, state.clock.now())
        .map_err(|e| match e {
            Lookup::Unknown => AuthFailure::UnknownKey,
            Lookup::Expired => AuthFailure::Expired,
        })?;
    let received = Received {
        method: method.as_str(),
        path_and_query,
        headers,
        body,
    };
    sigv4::verify(
        auth,
        &received,
        service,
        session.secret_access_key.expose(),
        Some(session.session_token.expose()),
        SystemTime::now(),
    )
    .map_err(AuthFailure::Signature)?;
    Ok(session)
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
