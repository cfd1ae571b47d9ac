//! A stand-in of the vendor on 127.0.0.1, for the provider and binary tests.
//!
//! `POST …/credentials` answers like vendor-fn behind API Gateway: with the
//! right `x-api-key`, a fresh credentials body whose lifetime the test
//! chooses (or a scripted refusal); without it, API Gateway's
//! `{"message":"Forbidden"}`. Any other `POST` is a DynamoDB call (the SDK's
//! JSON protocol), answered `{}` only when it is signed with credentials the
//! stand-in issued and that have not expired: so a client that keeps
//! working across expiries has really refreshed.
#![allow(dead_code)] // each test binary uses a different subset

use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tenant_registry::{ApiKeyId, CredentialsBody, Resources, Secret, TenantSummary, Tier};
use tokio::net::TcpListener;

/// The tenant's API key value: a secret no output may ever contain.
pub const API_KEY: &str = "Xq7TsecretApiKeyValue0123456789abcdefGHIJ";
/// The issued secret access keys and tokens share this stem, so a test can
/// check no log line holds one.
pub const SECRET_STEM: &str = "standInSecret";

/// A scripted answer to the next credentials request.
#[derive(Clone, Debug)]
pub enum Reply {
    /// Fresh credentials.
    Issue,
    /// An error status with a body and, optionally, a `Retry-After`.
    Status {
        status: u16,
        body: String,
        retry_after: Option<String>,
    },
}

impl Reply {
    pub fn refused(code: &str) -> Self {
        Self::Status {
            status: 403,
            body: format!(r#"{{"code":"{code}","message":"refused by the stand-in"}}"#),
            retry_after: None,
        }
    }

    pub fn throttled(status: u16, retry_after: &str) -> Self {
        Self::Status {
            status,
            body: r#"{"code":"StsThrottled","message":"AWS STS is throttling requests; retryable: try again shortly"}"#.into(),
            retry_after: Some(retry_after.into()),
        }
    }
}

/// What one credentials request carried.
#[derive(Clone, Debug)]
pub struct VendSeen {
    pub api_key: Option<String>,
    pub body: String,
}

/// A DynamoDB call and whether its credentials were good.
#[derive(Clone, Debug)]
pub struct ServiceCall {
    pub access_key_id: String,
    pub accepted: bool,
}

#[derive(Default)]
struct State {
    lifetime: chrono::Duration,
    delay: Duration,
    down: bool,
    script: VecDeque<Reply>,
    vends: Vec<VendSeen>,
    issued: HashMap<String, (String, DateTime<Utc>)>,
    service_calls: Vec<ServiceCall>,
}

/// The running stand-in. Stops when dropped.
pub struct StandIn {
    pub url: String,
    pub base: String,
    state: Arc<Mutex<State>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for StandIn {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl StandIn {
    /// Starts on a free loopback port, issuing credentials that live `lifetime`.
    pub async fn start(lifetime: Duration) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(Mutex::new(State {
            lifetime: chrono::Duration::from_std(lifetime).unwrap(),
            ..State::default()
        }));
        let shared = Arc::clone(&state);
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                if shared.lock().unwrap().down {
                    // Down: the connection closes before any answer.
                    drop(stream);
                    continue;
                }
                let state = Arc::clone(&shared);
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |request| {
                        let state = Arc::clone(&state);
                        async move { Ok::<_, Infallible>(answer(&state, request).await) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Self {
            url: format!("http://{addr}/prod/credentials"),
            base: format!("http://{addr}"),
            state,
            task,
        }
    }

    /// Queues answers for the next credentials requests (then: fresh ones).
    pub fn script(&self, replies: impl IntoIterator<Item = Reply>) {
        self.state.lock().unwrap().script.extend(replies);
    }

    /// Credentials from now on live this long.
    pub fn set_lifetime(&self, lifetime: Duration) {
        self.state.lock().unwrap().lifetime = chrono::Duration::from_std(lifetime).unwrap();
    }

    /// Each credentials answer waits this long first (to make callers overlap).
    pub fn set_delay(&self, delay: Duration) {
        self.state.lock().unwrap().delay = delay;
    }

    /// Down: every connection is closed before an answer.
    pub fn set_down(&self, down: bool) {
        self.state.lock().unwrap().down = down;
    }

    /// Credentials requests so far.
    pub fn vends(&self) -> Vec<VendSeen> {
        self.state.lock().unwrap().vends.clone()
    }

    /// DynamoDB calls so far.
    pub fn service_calls(&self) -> Vec<ServiceCall> {
        self.state.lock().unwrap().service_calls.clone()
    }
}

async fn answer(state: &Mutex<State>, request: Request<Incoming>) -> Response<Full<Bytes>> {
    let path = request.uri().path().to_owned();
    let header = |name: &str| {
        request
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let api_key = header("x-api-key");
    let authorization = header("authorization");
    let token = header("x-amz-security-token");
    let body = request.into_body().collect().await.unwrap().to_bytes();
    let body = String::from_utf8_lossy(&body).into_owned();
    if path.ends_with("/credentials") {
        let delay = state.lock().unwrap().delay;
        tokio::time::sleep(delay).await;
        vend(state, api_key.as_deref(), body)
    } else {
        dynamodb(state, authorization.as_deref(), token.as_deref())
    }
}

fn vend(state: &Mutex<State>, api_key: Option<&str>, body: String) -> Response<Full<Bytes>> {
    let mut state = state.lock().unwrap();
    state.vends.push(VendSeen {
        api_key: api_key.map(str::to_owned),
        body,
    });
    if api_key != Some(API_KEY) {
        return json(403, r#"{"message":"Forbidden"}"#.into(), None);
    }
    match state.script.pop_front().unwrap_or(Reply::Issue) {
        Reply::Status {
            status,
            body,
            retry_after,
        } => json(status, body, retry_after),
        Reply::Issue => {
            let n = state.issued.len() + 1;
            let access_key_id = format!("ASIASTANDIN{n:06}");
            let token = format!("{SECRET_STEM}Token{n}");
            let expiration = Utc::now() + state.lifetime;
            state
                .issued
                .insert(access_key_id.clone(), (token.clone(), expiration));
            let body = CredentialsBody::new(
                access_key_id,
                Secret::new(format!("{SECRET_STEM}Key{n}")),
                Secret::new(token),
                expiration,
                "us-east-1".into(),
                TenantSummary {
                    api_key_id: ApiKeyId::parse("a1b2c3d4e5").unwrap(),
                    tier: Tier::Standard,
                },
                Resources {
                    dynamo_db_table: Some("TenantData".into()),
                    partition_key: "a1b2c3d4e5".into(),
                    s3_bucket: None,
                    s3_prefix: None,
                },
            );
            json(200, serde_json::to_string(&body).unwrap(), None)
        }
    }
}

/// Accepts a call signed with issued, unexpired credentials and their token.
fn dynamodb(
    state: &Mutex<State>,
    authorization: Option<&str>,
    token: Option<&str>,
) -> Response<Full<Bytes>> {
    let mut state = state.lock().unwrap();
    let access_key_id = authorization
        .and_then(|a| a.split("Credential=").nth(1))
        .and_then(|c| c.split('/').next())
        .unwrap_or_default()
        .to_owned();
    let verdict = match state.issued.get(&access_key_id) {
        None => Err("UnrecognizedClientException"),
        Some((issued_token, _)) if Some(issued_token.as_str()) != token => {
            Err("UnrecognizedClientException")
        }
        Some((_, expiration)) if *expiration <= Utc::now() => Err("ExpiredTokenException"),
        Some(_) => Ok(()),
    };
    state.service_calls.push(ServiceCall {
        access_key_id,
        accepted: verdict.is_ok(),
    });
    match verdict {
        Ok(()) => amz_json(200, "{}".into()),
        Err(code) => amz_json(
            400,
            format!(r#"{{"__type":"com.amazonaws.dynamodb.v20120810#{code}","message":"{code}"}}"#),
        ),
    }
}

fn json(status: u16, body: String, retry_after: Option<String>) -> Response<Full<Bytes>> {
    let mut response = Response::builder()
        .status(status)
        .header("content-type", "application/json");
    if let Some(seconds) = retry_after {
        response = response.header("retry-after", seconds);
    }
    response.body(Full::new(Bytes::from(body))).unwrap()
}

fn amz_json(status: u16, body: String) -> Response<Full<Bytes>> {
    Response::builder()
        .status(status)
        .header("content-type", "application/x-amz-json-1.0")
        .body(Full::new(Bytes::from(body)))
        .unwrap()
}

/// A fresh, empty directory for one test's cache.
pub fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "tenant-credentials-test-{name}-{}-{}",
        std::process::id(),
        Utc::now().timestamp_nanos_opt().unwrap_or_default()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
