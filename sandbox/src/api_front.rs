//! A local API Gateway for the credentials API: `GET`/`POST /credentials`,
//! in front of the [`LambdaHost`] running vendor-fn.
//!
//! What API Gateway does for this REST API (key source AUTHORIZER, as
//! template.yaml deploys it), in its order:
//! 1. only `GET` and `POST` on `/credentials` exist (else 403
//!    `Missing Authentication Token`);
//! 2. the key authorizer (the real `key-authorizer` binary, under its own
//!    local Lambda) gets the REQUEST authorizer event; a Deny is 403 (`User
//!    is not authorized to access this resource with an explicit deny`), an
//!    authorizer that fails or answers nonsense is 500;
//! 3. the `usageIdentifierKey` it returned must be an API key that exists,
//!    is enabled and belongs to a usage plan of the stage, else 403
//!    `{"message":"Forbidden"}`; keys live in moto, where tenant-lifecycle
//!    puts them, and are read back on every request so a disabled or
//!    deleted key is refused at once;
//! 4. the plan's throttle (token bucket: rate per second, burst) per key
//!    (the key the authorizer returned), under the stage's own ceiling,
//!    else 429 `Too Many Requests`;
//! 5. the Lambda proxy event, with `requestContext.identity.apiKey` and
//!    `apiKeyId` (that key) and `requestContext.authorizer` (the
//!    authorizer's `context` and `principalId`);
//! 6. the function's proxy response becomes the HTTP response; a function
//!    that fails, crashes or times out gives 502 `Internal server error`.
//!
//! [`KeySource::Header`] (the key from `x-api-key`, no authorizer) is what
//! the API did before; `vend-latency` uses it as the baseline of what the
//! authorizer adds.
//!
//! Every other request on the same port is relayed to the AWS stand-in
//! (iam-gateway) unchanged, so one endpoint serves both: a SigV4-signed
//! call (an `Authorization` header starting `AWS4-HMAC-SHA256`) is an AWS
//! call even on `/credentials`; any other `Authorization` there is a
//! tenant's token.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::lambda_host::LambdaHost;
pub use crate::throttle::Throttle;
use crate::throttle::{Bucket, ThrottleClock};

/// The resource path of the credentials API.
pub const CREDENTIALS_PATH: &str = "/credentials";
/// The stage template.yaml deploys.
pub const STAGE: &str = "v1";
/// API Gateway's payload limit (10 MB).
const MAX_BODY_BYTES: usize = 10 * 1024 * 1024;

/// A resolved, enabled API key.
struct KeyContext {
    id: String,
    value: String,
    throttle: Throttle,
}

/// API keys and usage plans, read from moto's API Gateway.
pub struct ApiKeyStore {
    client: aws_sdk_apigateway::Client,
    /// The plans of this API's stage.
    plan_ids: Vec<String>,
    /// Key value → key ID (values never change; cached so the hot path
    /// makes one call, GetApiKey, to see whether the key is still enabled).
    ids_by_value: Mutex<HashMap<String, String>>,
    throttles: Mutex<HashMap<String, Throttle>>,
}

impl std::fmt::Debug for ApiKeyStore {
    // The cache is keyed by API key values: secrets, never shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiKeyStore")
            .field("plan_ids", &self.plan_ids)
            .field("cached_keys", &lock(&self.ids_by_value).len())
            .finish_non_exhaustive()
    }
}

impl ApiKeyStore {
    /// Keys of the usage plans `plan_ids`, read through `client` (moto).
    pub fn new(client: aws_sdk_apigateway::Client, plan_ids: Vec<String>) -> Self {
        Self {
            client,
            plan_ids,
            ids_by_value: Mutex::new(HashMap::new()),
            throttles: Mutex::new(HashMap::new()),
        }
    }

    async fn resolve(&self, value: &str) -> Option<KeyContext> {
        let cached = lock(&self.ids_by_value).get(value).cloned();
        let id = if let Some(id) = cached {
            id
        } else {
            let keys = self
                .client
                .get_api_keys()
                .include_values(true)
                .limit(500)
                .send()
                .await
                .ok()?;
            let id = keys
                .items()
                .iter()
                .find(|k| k.value() == Some(value))?
                .id()?
                .to_owned();
            lock(&self.ids_by_value).insert(value.to_owned(), id.clone());
            id
        };
        match self.client.get_api_key().api_key(&id).send().await {
            Ok(key) if key.enabled() => {}
            Ok(_) => return None,
            Err(_) => {
                lock(&self.ids_by_value).remove(value);
                return None;
            }
        }
        let throttle = self.throttle(&id).await?;
        Some(KeyContext {
            id,
            value: value.to_owned(),
            throttle,
        })
    }

    async fn throttle(&self, key_id: &str) -> Option<Throttle> {
        if let Some(throttle) = lock(&self.throttles).get(key_id) {
            return Some(*throttle);
        }
        let plans = self
            .client
            .get_usage_plans()
            .key_id(key_id)
            .send()
            .await
            .ok()?;
        let plan = plans.items().iter().find(|p| {
            p.id()
                .is_some_and(|id| self.plan_ids.iter().any(|ours| ours == id))
        })?;
        let throttle = plan.throttle().map_or(
            Throttle {
                rate: 10_000.0,
                burst: 5_000.0,
            },
            |t| Throttle {
                rate: t.rate_limit(),
                burst: f64::from(t.burst_limit()),
            },
        );
        lock(&self.throttles).insert(key_id.to_owned(), throttle);
        Some(throttle)
    }
}

/// Where the API reads the API key from (`ApiKeySourceType`).
#[derive(Debug, Clone)]
pub enum KeySource {
    /// The `x-api-key` header.
    Header,
    /// The `usageIdentifierKey` of the key authorizer running under this host.
    Authorizer(Arc<LambdaHost>),
}

/// The API front's shared state.
#[derive(Debug)]
pub struct ApiFront {
    keys: ApiKeyStore,
    host: Arc<LambdaHost>,
    key_source: KeySource,
    /// The stage's ceiling over all keys (template.yaml's MethodSettings).
    stage: Mutex<Bucket>,
    buckets: Mutex<HashMap<String, Bucket>>,
    clock: ThrottleClock,
    /// Where signed AWS requests go (iam-gateway's `Gateway`).
    aws_endpoint: SocketAddr,
    relay: Client<HttpConnector, Full<Bytes>>,
    account_id: String,
    api_id: String,
}

const _: () = {
    const fn shared<T: Send + Sync>() {}
    shared::<ApiFront>();
};

impl ApiFront {
    /// An API front over `keys` and `host`; `stage_throttle` is the
    /// ceiling over all keys; other requests are relayed to `aws_endpoint`.
    pub fn new(
        keys: ApiKeyStore,
        host: Arc<LambdaHost>,
        key_source: KeySource,
        stage_throttle: Throttle,
        aws_endpoint: SocketAddr,
        api_id: String,
    ) -> Self {
        Self {
            keys,
            host,
            key_source,
            stage: Mutex::new(Bucket::new(stage_throttle, Instant::now())),
            buckets: Mutex::new(HashMap::new()),
            clock: ThrottleClock::default(),
            aws_endpoint,
            relay: Client::builder(TokioExecutor::new()).build(nodelay_connector()),
            account_id: iam_gateway::ACCOUNT_ID.to_owned(),
            api_id,
        }
    }

    /// The throttle reads `clock` instead of the real clock (tests hold it
    /// still and move it by hand).
    #[must_use]
    pub fn with_throttle_clock(mut self, clock: ThrottleClock) -> Self {
        let stage = lock(&self.stage).throttle();
        self.stage = Mutex::new(Bucket::new(stage, clock.now()));
        self.clock = clock;
        self
    }

    /// The Lambda host behind the API.
    pub fn host(&self) -> &Arc<LambdaHost> {
        &self.host
    }

    /// The key authorizer's Lambda host, with key source AUTHORIZER.
    pub fn authorizer_host(&self) -> Option<&Arc<LambdaHost>> {
        match &self.key_source {
            KeySource::Authorizer(host) => Some(host),
            KeySource::Header => None,
        }
    }
}

/// A connector for the relay: small requests go out at once (no Nagle delay).
fn nodelay_connector() -> HttpConnector {
    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    connector
}

/// Binds `127.0.0.1:<port>` (0: any free port) and serves until the task is
/// aborted.
///
/// # Errors
/// The bind error's text.
pub async fn serve(
    port: u16,
    front: Arc<ApiFront>,
) -> Result<(SocketAddr, JoinHandle<()>), String> {
    let listener = TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let task = tokio::spawn(async move {
        loop {
            let Ok((stream, peer)) = listener.accept().await else {
                continue;
            };
            // Small answers go out at once (no Nagle delay).
            let _ = stream.set_nodelay(true);
            let front = Arc::clone(&front);
            tokio::spawn(async move {
                let service = service_fn(move |request| {
                    let front = Arc::clone(&front);
                    async move { Ok::<_, Infallible>(route(&front, request, peer, addr).await) }
                });
                let _ = auto::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    Ok((addr, task))
}

/// Whether an `Authorization` header is a SigV4 signature (an AWS call),
/// not a tenant's token.
fn is_sigv4(value: &HeaderValue) -> bool {
    value.as_bytes().starts_with(b"AWS4-HMAC-SHA256")
}

fn is_api_request(request: &Request<Incoming>) -> bool {
    let path = request.uri().path();
    let signed = request
        .headers()
        .get_all("authorization")
        .iter()
        .any(is_sigv4);
    !signed && (path == CREDENTIALS_PATH || path == format!("/{STAGE}{CREDENTIALS_PATH}"))
}

async fn route(
    front: &ApiFront,
    request: Request<Incoming>,
    peer: SocketAddr,
    local: SocketAddr,
) -> Response<Full<Bytes>> {
    if is_api_request(&request) {
        handle(front, request, peer, local).await
    } else {
        relay(front, request).await
    }
}

async fn relay(front: &ApiFront, request: Request<Incoming>) -> Response<Full<Bytes>> {
    let (mut parts, body) = request.into_parts();
    let Ok(body) = Limited::new(body, iam_gateway::pipeline::MAX_BODY_BYTES + 1)
        .collect()
        .await
    else {
        return message(StatusCode::PAYLOAD_TOO_LARGE, "Request Too Long");
    };
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let Ok(uri) = format!("http://{}{path}", front.aws_endpoint).parse() else {
        return message(StatusCode::BAD_REQUEST, "Bad Request");
    };
    parts.uri = uri;
    let request = Request::from_parts(parts, Full::new(body.to_bytes()));
    match front.relay.request(request).await {
        Ok(response) => {
            let (parts, body) = response.into_parts();
            match body.collect().await {
                Ok(body) => Response::from_parts(parts, Full::new(body.to_bytes())),
                Err(_) => message(StatusCode::BAD_GATEWAY, "Bad Gateway"),
            }
        }
        Err(e) => {
            tracing::warn!(error = %e, "relaying to the sandbox's aws endpoint failed");
            message(StatusCode::BAD_GATEWAY, "Bad Gateway")
        }
    }
}

async fn handle(
    front: &ApiFront,
    request: Request<Incoming>,
    peer: SocketAddr,
    local: SocketAddr,
) -> Response<Full<Bytes>> {
    let started = Instant::now();
    let request_id = uuid();
    let mut response = respond(front, request, peer, local, &request_id).await;
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert("x-amzn-requestid", value);
    }
    tracing::info!(
        request_id,
        status = response.status().as_u16(),
        latency_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX),
        "api request"
    );
    response
}

async fn respond(
    front: &ApiFront,
    request: Request<Incoming>,
    peer: SocketAddr,
    local: SocketAddr,
    request_id: &str,
) -> Response<Full<Bytes>> {
    let (parts, body) = request.into_parts();
    if parts.method != Method::GET && parts.method != Method::POST {
        return message(StatusCode::FORBIDDEN, "Missing Authentication Token");
    }
    let Ok(body) = Limited::new(body, MAX_BODY_BYTES).collect().await else {
        return message(StatusCode::PAYLOAD_TOO_LARGE, "Request Too Long");
    };
    let body = body.to_bytes();
    let request = ProxyRequest {
        method: &parts.method,
        uri: &parts.uri,
        headers: &parts.headers,
        body: &body,
        peer,
        local,
    };
    let context = Context {
        request_id,
        account_id: &front.account_id,
        api_id: &front.api_id,
    };
    let (value, authorizer) = match &front.key_source {
        KeySource::Header => {
            let Some(value) = parts
                .headers
                .get("x-api-key")
                .and_then(|v| v.to_str().ok())
                .filter(|v| !v.is_empty())
            else {
                return message(StatusCode::FORBIDDEN, "Forbidden");
            };
            (value.to_owned(), None)
        }
        KeySource::Authorizer(host) => match authorize(host, &request, &context).await {
            Ok(granted) => (granted.usage_identifier_key, Some(granted.context)),
            Err(response) => return response,
        },
    };
    let Some(key) = front.keys.resolve(&value).await else {
        return message(StatusCode::FORBIDDEN, "Forbidden");
    };
    let now = front.clock.now();
    if !lock(&front.stage).try_take(now) {
        return message(StatusCode::TOO_MANY_REQUESTS, "Too Many Requests");
    }
    let allowed = lock(&front.buckets)
        .entry(key.id.clone())
        .or_insert_with(|| Bucket::new(key.throttle, now))
        .try_take(now);
    if !allowed {
        return message(StatusCode::TOO_MANY_REQUESTS, "Too Many Requests");
    }
    let mut event = proxy_event(&request, &context);
    let identity = &mut event["requestContext"]["identity"];
    identity["apiKey"] = Value::from(key.value.as_str());
    identity["apiKeyId"] = Value::from(key.id.as_str());
    if let Some(authorizer) = authorizer {
        event["requestContext"]["authorizer"] = authorizer;
    }
    match front
        .host
        .invoke(request_id, Bytes::from(event.to_string()))
        .await
    {
        Ok(payload) => proxy_response(&payload),
        Err(error) => {
            tracing::warn!(request_id, %error, "lambda invocation failed");
            message(StatusCode::BAD_GATEWAY, "Internal server error")
        }
    }
}

/// What an Allow from the key authorizer gives the request.
struct Granted {
    /// The API key value API Gateway meters.
    usage_identifier_key: String,
    /// `requestContext.authorizer`: the authorizer's context, its
    /// `principalId` and `integrationLatency`.
    context: Value,
}

/// Runs the key authorizer as API Gateway does: the REQUEST authorizer
/// event (the request's headers, query string and context, without the
/// body and without an API key: with key source AUTHORIZER the authorizer
/// decides it), then its answer. The response is the refusal to send when
/// it does not allow.
async fn authorize(
    host: &LambdaHost,
    request: &ProxyRequest<'_>,
    context: &Context<'_>,
) -> Result<Granted, Response<Full<Bytes>>> {
    let mut event = proxy_event(request, context);
    if let Some(map) = event.as_object_mut() {
        map.remove("body");
        map.remove("isBase64Encoded");
        map.insert("type".into(), Value::from("REQUEST"));
        map.insert(
            "methodArn".into(),
            Value::from(format!(
                "arn:aws:execute-api:{}:{}:{}/{STAGE}/{}{CREDENTIALS_PATH}",
                iam_gateway::REGION,
                context.account_id,
                context.api_id,
                request.method.as_str()
            )),
        );
    }
    let started = Instant::now();
    let failed = || message(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error");
    let payload = match host
        .invoke(context.request_id, Bytes::from(event.to_string()))
        .await
    {
        Ok(payload) => payload,
        Err(error) => {
            tracing::warn!(request_id = context.request_id, %error, "key authorizer invocation failed");
            return Err(failed());
        }
    };
    let latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    let Ok(answer) = serde_json::from_slice::<Value>(&payload) else {
        return Err(failed());
    };
    let statements = answer["policyDocument"]["Statement"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let denies = statements.iter().any(|s| s["Effect"] == "Deny");
    let allows = statements.iter().any(|s| s["Effect"] == "Allow");
    let Some(principal) = answer["principalId"].as_str() else {
        return Err(failed());
    };
    if denies || !allows {
        return Err(message(
            StatusCode::FORBIDDEN,
            "User is not authorized to access this resource with an explicit deny",
        ));
    }
    // API Gateway passes the context's values on as strings.
    let mut authorizer = serde_json::Map::new();
    if let Some(map) = answer["context"].as_object() {
        for (k, v) in map {
            let text = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
            authorizer.insert(k.clone(), Value::from(text));
        }
    }
    authorizer.insert("principalId".into(), Value::from(principal));
    authorizer.insert("integrationLatency".into(), Value::from(latency_ms));
    // With key source AUTHORIZER a missing key is API Gateway's 403.
    let Some(key) = answer["usageIdentifierKey"]
        .as_str()
        .filter(|k| !k.is_empty())
    else {
        return Err(message(StatusCode::FORBIDDEN, "Forbidden"));
    };
    Ok(Granted {
        usage_identifier_key: key.to_owned(),
        context: Value::Object(authorizer),
    })
}

/// The HTTP request as API Gateway sees it.
struct ProxyRequest<'a> {
    method: &'a Method,
    uri: &'a http::Uri,
    headers: &'a HeaderMap,
    body: &'a [u8],
    peer: SocketAddr,
    local: SocketAddr,
}

#[allow(clippy::struct_field_names)]
struct Context<'a> {
    request_id: &'a str,
    account_id: &'a str,
    api_id: &'a str,
}

/// The REST API Lambda proxy event, as API Gateway builds it (see
/// vendor-fn/tests/fixtures/get_credentials.json), before the API key is
/// known: `identity.apiKey`/`apiKeyId` are null until the caller fills them.
fn proxy_event(request: &ProxyRequest<'_>, context: &Context<'_>) -> Value {
    let mut headers = serde_json::Map::new();
    let mut multi_headers: serde_json::Map<String, Value> = serde_json::Map::new();
    let mut add = |name: &str, value: &str| {
        headers.insert(name.to_owned(), Value::from(value));
        if let Some(Value::Array(values)) = multi_headers.get_mut(name) {
            values.push(Value::from(value));
        } else {
            multi_headers.insert(name.to_owned(), json!([value]));
        }
    };
    for (name, value) in request.headers {
        if let Ok(value) = value.to_str() {
            add(name.as_str(), value);
        }
    }
    let source_ip = request.peer.ip().to_string();
    add("X-Forwarded-For", &source_ip);
    add("X-Forwarded-Port", &request.local.port().to_string());
    add("X-Forwarded-Proto", "http");

    let query: Vec<(String, String)> = request
        .uri
        .query()
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default();
    let (single_query, multi_query) = if query.is_empty() {
        (Value::Null, Value::Null)
    } else {
        let mut single = serde_json::Map::new();
        let mut multi: serde_json::Map<String, Value> = serde_json::Map::new();
        for (k, v) in query {
            single.insert(k.clone(), Value::from(v.clone()));
            match multi.get_mut(&k) {
                Some(Value::Array(values)) => values.push(Value::from(v)),
                _ => {
                    multi.insert(k, json!([v]));
                }
            }
        }
        (Value::Object(single), Value::Object(multi))
    };
    let body = if request.body.is_empty() {
        Value::Null
    } else {
        Value::from(String::from_utf8_lossy(request.body).into_owned())
    };
    let user_agent = request
        .headers
        .get("user-agent")
        .and_then(|v| v.to_str().ok());
    let now = chrono::Utc::now();
    let domain = request
        .headers
        .get("host")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("127.0.0.1");
    json!({
        "resource": CREDENTIALS_PATH,
        "path": CREDENTIALS_PATH,
        "httpMethod": request.method.as_str(),
        "headers": headers,
        "multiValueHeaders": multi_headers,
        "queryStringParameters": single_query,
        "multiValueQueryStringParameters": multi_query,
        "pathParameters": null,
        "stageVariables": null,
        "requestContext": {
            "resourceId": "credres",
            "resourcePath": CREDENTIALS_PATH,
            "httpMethod": request.method.as_str(),
            "extendedRequestId": context.request_id,
            "requestTime": now.format("%d/%b/%Y:%H:%M:%S +0000").to_string(),
            "path": format!("/{STAGE}{CREDENTIALS_PATH}"),
            "accountId": context.account_id,
            "protocol": "HTTP/1.1",
            "stage": STAGE,
            "domainPrefix": context.api_id,
            "requestTimeEpoch": now.timestamp_millis(),
            "requestId": context.request_id,
            "identity": {
                "cognitoIdentityPoolId": null,
                "accountId": null,
                "cognitoIdentityId": null,
                "caller": null,
                "sourceIp": source_ip,
                "principalOrgId": null,
                "accessKey": null,
                "cognitoAuthenticationType": null,
                "cognitoAuthenticationProvider": null,
                "userArn": null,
                "userAgent": user_agent,
                "user": null,
                "apiKey": null,
                "apiKeyId": null,
            },
            "domainName": domain,
            "apiId": context.api_id,
        },
        "body": body,
        "isBase64Encoded": false,
    })
}

/// The function's proxy response as HTTP; anything malformed is a 502, as
/// API Gateway answers it.
fn proxy_response(payload: &[u8]) -> Response<Full<Bytes>> {
    let Ok(value) = serde_json::from_slice::<Value>(payload) else {
        return message(StatusCode::BAD_GATEWAY, "Internal server error");
    };
    let Some(status) = value["statusCode"]
        .as_u64()
        .and_then(|s| u16::try_from(s).ok())
        .and_then(|s| StatusCode::from_u16(s).ok())
    else {
        return message(StatusCode::BAD_GATEWAY, "Internal server error");
    };
    let body = value["body"].as_str().unwrap_or_default().to_owned();
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    if let Some(map) = value["headers"].as_object() {
        for (name, v) in map {
            if let (Ok(name), Some(Ok(v))) = (
                http::HeaderName::try_from(name.as_str()),
                v.as_str().map(HeaderValue::from_str),
            ) {
                headers.insert(name, v);
            }
        }
    }
    if let Some(map) = value["multiValueHeaders"].as_object() {
        for (name, values) in map {
            let Ok(name) = http::HeaderName::try_from(name.as_str()) else {
                continue;
            };
            headers.remove(&name);
            for v in values
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                if let Ok(v) = HeaderValue::from_str(v) {
                    headers.append(name.clone(), v);
                }
            }
        }
    }
    response
}

/// API Gateway's own error body: `{"message": "..."}`.
fn message(status: StatusCode, text: &str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(
        json!({ "message": text }).to_string(),
    )));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert("content-type", HeaderValue::from_static("application/json"));
    if status == StatusCode::FORBIDDEN || status == StatusCode::TOO_MANY_REQUESTS {
        response.headers_mut().insert(
            "x-amzn-errortype",
            HeaderValue::from_static(if status == StatusCode::FORBIDDEN {
                "ForbiddenException"
            } else {
                "TooManyRequestsException"
            }),
        );
    }
    response
}

/// A version-4 UUID from the OS's random source, as API Gateway's request IDs look.
fn uuid() -> String {
    let mut b = [0u8; 16];
    if getrandom::getrandom(&mut b).is_err() {
        return iam_gateway::sessions::request_id();
    }
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_malformed_function_response_is_a_502() {
        assert_eq!(
            proxy_response(b"not json").status(),
            StatusCode::BAD_GATEWAY
        );
        assert_eq!(
            proxy_response(br#"{"body":"x"}"#).status(),
            StatusCode::BAD_GATEWAY
        );
        let ok = proxy_response(
            br#"{"statusCode":200,"headers":{"cache-control":"no-store"},"body":"{}"}"#,
        );
        assert_eq!(ok.status(), StatusCode::OK);
        assert_eq!(ok.headers()["cache-control"], "no-store");
    }

    #[test]
    fn the_key_store_never_shows_key_values_in_debug() {
        let config = aws_sdk_apigateway::Config::builder()
            .behavior_version(aws_sdk_apigateway::config::BehaviorVersion::latest())
            .build();
        let store = ApiKeyStore::new(
            aws_sdk_apigateway::Client::from_conf(config),
            vec!["p1".into()],
        );
        lock(&store.ids_by_value).insert("Xq7TsecretApiKeyValue".into(), "a1b2c3".into());
        let shown = format!("{store:?}");
        assert!(!shown.contains("Xq7TsecretApiKeyValue"), "{shown}");
    }

    #[test]
    fn request_ids_look_like_uuids() {
        let id = uuid();
        assert_eq!(id.len(), 36);
        assert_eq!(id.as_bytes()[14], b'4');
    }
}
