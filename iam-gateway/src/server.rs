//! The gateway's HTTP listener: one loopback port for STS, DynamoDB and S3,
//! routed by the service named in the SigV4 credential scope. Every request
//! then goes through the [`pipeline`] with that service's mapping and error
//! format.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use http::{HeaderMap, Request};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::apigateway::ApiGateway;
use crate::auth;
use crate::dynamodb::DynamoDb;
use crate::iam::Iam;
use crate::pipeline::{self, HttpResponse};
use crate::s3::S3;
use crate::sessions::request_id;
use crate::sigv4::{Authorization, Service};
use crate::state::State;
use crate::sts::{Sts, StsError};

/// The services on the one port.
#[derive(Debug, Default)]
struct Services {
    sts: Sts,
    dynamodb: DynamoDb,
    s3: S3,
    iam: Iam,
    apigateway: ApiGateway,
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
    let services = Arc::new(Services::default());
    let task = tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            // Small answers go out at once (no Nagle delay).
            let _ = stream.set_nodelay(true);
            let state = Arc::clone(&state);
            let services = Arc::clone(&services);
            tokio::spawn(async move {
                let service = service_fn(move |request| {
                    let state = Arc::clone(&state);
                    let services = Arc::clone(&services);
                    async move { Ok::<_, Infallible>(handle(&state, &services, request).await) }
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

async fn handle(state: &State, services: &Services, request: Request<Incoming>) -> HttpResponse {
    let request_id = request_id();
    let authorization = auth::authorization(request.headers());
    let Some(service) = route(request.headers(), authorization.as_ref().ok()) else {
        return StsError::validation(
            "The sandbox serves sts, dynamodb, s3, iam and apigateway only.",
        )
        .into_response(&request_id);
    };
    match service {
        Service::Sts => {
            pipeline::run(
                state,
                &services.sts,
                service,
                authorization,
                request,
                &request_id,
            )
            .await
        }
        Service::DynamoDb => {
            pipeline::run(
                state,
                &services.dynamodb,
                service,
                authorization,
                request,
                &request_id,
            )
            .await
        }
        Service::S3 => {
            pipeline::run(
                state,
                &services.s3,
                service,
                authorization,
                request,
                &request_id,
            )
            .await
        }
        Service::Iam => {
            pipeline::run(
                state,
                &services.iam,
                service,
                authorization,
                request,
                &request_id,
            )
            .await
        }
        Service::ApiGateway => {
            pipeline::run(
                state,
                &services.apigateway,
                service,
                authorization,
                request,
                &request_id,
            )
            .await
        }
    }
}
