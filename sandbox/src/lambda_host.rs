//! A local Lambda: the Runtime API, and the deployed vendor-fn binary run as
//! its execution environments.
//!
//! Like Lambda, each execution environment (an [`Instance`]) is one process
//! with its own Runtime API endpoint (`AWS_LAMBDA_RUNTIME_API`) and serves
//! one invocation at a time: concurrent requests get concurrent instances,
//! and an instance that finished goes back to the warm pool. An instance that
//! dies or overruns the function timeout is discarded (killed), so the next
//! request gets a fresh one; a request never waits longer than the timeout.
//!
//! Cold start is measured from spawn to the process's first
//! `GET /2018-06-01/runtime/invocation/next`.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::net::TcpListener;
use tokio::process::Command;
use tokio::sync::{mpsc, oneshot, watch};

/// Lambda's limit on a synchronous invocation's payload (6 MB).
const MAX_PAYLOAD_BYTES: usize = 6 * 1024 * 1024;
const RUNTIME_PREFIX: &str = "/2018-06-01/runtime/";

/// What the host runs: the function's binary, its environment and limits.
#[derive(Clone)]
pub struct FunctionSpec {
    /// The executable (the `bootstrap` of a `provided.al2023` function).
    pub binary: PathBuf,
    /// The function's name (`AWS_LAMBDA_FUNCTION_NAME`).
    pub name: String,
    /// The function's ARN, sent as `Lambda-Runtime-Invoked-Function-Arn`.
    pub arn: String,
    /// Memory size in MB (`AWS_LAMBDA_FUNCTION_MEMORY_SIZE`).
    pub memory_mb: u32,
    /// The function timeout: an invocation that takes longer fails and its
    /// instance is killed.
    pub timeout: Duration,
    /// How long an instance may take from spawn to its first `next`.
    pub init_timeout: Duration,
    /// Environment variables (the function's configuration, credentials and
    /// endpoints). Nothing else of the host's environment is passed on.
    pub environment: Vec<(String, String)>,
}

impl std::fmt::Debug for FunctionSpec {
    // The environment holds the role's secret key and session token.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FunctionSpec")
            .field("binary", &self.binary)
            .field("name", &self.name)
            .field("memory_mb", &self.memory_mb)
            .field("timeout", &self.timeout)
            .field(
                "environment",
                &self.environment.iter().map(|(k, _)| k).collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

/// Why an invocation produced no function response.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvokeError {
    /// The function ran past its timeout; its instance was killed.
    #[error("the function timed out")]
    Timeout,
    /// The instance exited while handling the invocation.
    #[error("the function's process exited during the invocation")]
    Crashed,
    /// The function reported an error (`/invocation/{id}/error`).
    #[error("the function returned an error")]
    FunctionError,
    /// No instance could be started (spawn failed, init error, init timeout).
    #[error("the function could not start: {0}")]
    InitFailed(String),
}

/// What the host measured: one entry per instance started.
#[derive(Debug, Clone, Default)]
pub struct HostStats {
    /// Spawn to first `next`, for each instance started.
    pub cold_starts: Vec<Duration>,
    /// Invocations served by a warm instance.
    pub warm_invocations: u64,
}

/// The local Lambda service for one function.
#[derive(Debug)]
pub struct LambdaHost {
    spec: FunctionSpec,
    idle: Mutex<Vec<Instance>>,
    live: Mutex<HashMap<u64, watch::Sender<bool>>>,
    stats: Mutex<HostStats>,
    next_instance: AtomicU64,
}

const _: () = {
    const fn shared<T: Send + Sync>() {}
    shared::<LambdaHost>();
};

/// One invocation waiting for, or being handled by, an instance.
struct Job {
    request_id: String,
    payload: Bytes,
    deadline_ms: u64,
    delivered: Arc<AtomicBool>,
    reply: oneshot::Sender<Result<Bytes, InvokeError>>,
}

/// A running execution environment.
#[derive(Debug)]
struct Instance {
    id: u64,
    pid: Option<u32>,
    jobs: mpsc::Sender<Job>,
    exited: watch::Receiver<bool>,
}

impl Instance {
    fn is_alive(&self) -> bool {
        !*self.exited.borrow() && !self.jobs.is_closed()
    }
}

/// Shared between an instance's Runtime API server and its supervisor.
struct RuntimeState {
    jobs: tokio::sync::Mutex<mpsc::Receiver<Job>>,
    in_flight: Mutex<HashMap<String, oneshot::Sender<Result<Bytes, InvokeError>>>>,
    ready: Mutex<Option<oneshot::Sender<Result<(), String>>>>,
    function_arn: String,
}

impl LambdaHost {
    /// A host for `spec`; instances start on the first invocation.
    pub fn new(spec: FunctionSpec) -> Self {
        Self {
            spec,
            idle: Mutex::new(Vec::new()),
            live: Mutex::new(HashMap::new()),
            stats: Mutex::new(HostStats::default()),
            next_instance: AtomicU64::new(1),
        }
    }

    /// Cold starts and warm invocations so far.
    pub fn stats(&self) -> HostStats {
        lock(&self.stats).clone()
    }

    /// Process IDs of the warm, idle instances (tests kill them).
    pub fn idle_pids(&self) -> Vec<u32> {
        lock(&self.idle).iter().filter_map(|i| i.pid).collect()
    }

    /// Starts one instance ahead of the first request (a provisioned
    /// instance), so the first caller does not pay the cold start.
    ///
    /// # Errors
    /// [`InvokeError::InitFailed`] when it does not start.
    pub async fn prewarm(&self) -> Result<(), InvokeError> {
        let instance = self.start_instance().await?;
        lock(&self.idle).push(instance);
        Ok(())
    }

    /// Invokes the function synchronously with `payload` (a JSON event) and
    /// returns its response payload. Waits at most the function timeout
    /// (plus the init timeout when an instance has to start).
    ///
    /// # Errors
    /// [`InvokeError`]: timeout, crash, function error, or no instance.
    pub async fn invoke(&self, request_id: &str, payload: Bytes) -> Result<Bytes, InvokeError> {
        // An idle instance may die between being taken and receiving the
        // job (killed, crashed); the job was not delivered, so it is safe to
        // run it once more on a fresh instance.
        for _attempt in 0..2 {
            let (instance, warm) = match self.take_idle() {
                Some(instance) => (instance, true),
                None => (self.start_instance().await?, false),
            };
            let delivered = Arc::new(AtomicBool::new(false));
            let (reply, outcome) = oneshot::channel();
            let deadline = SystemTime::now() + self.spec.timeout;
            let job = Job {
                request_id: request_id.to_owned(),
                payload: payload.clone(),
                deadline_ms: deadline
                    .duration_since(UNIX_EPOCH)
                    .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
                delivered: Arc::clone(&delivered),
                reply,
            };
            if instance.jobs.send(job).await.is_err() {
                self.discard(&instance);
                continue;
            }
            let result = match tokio::time::timeout(self.spec.timeout, outcome).await {
                Ok(Ok(result)) => result,
                Ok(Err(_)) => Err(InvokeError::Crashed),
                Err(_) => Err(InvokeError::Timeout),
            };
            match result {
                Ok(body) => {
                    if warm {
                        lock(&self.stats).warm_invocations += 1;
                    }
                    self.release(instance);
                    return Ok(body);
                }
                Err(InvokeError::FunctionError) => {
                    // Lambda keeps an environment after a handled error.
                    self.release(instance);
                    return Err(InvokeError::FunctionError);
                }
                Err(error) => {
                    self.discard(&instance);
                    if error == InvokeError::Crashed && !delivered.load(Ordering::SeqCst) {
                        continue;
                    }
                    tracing::warn!(instance = instance.id, %error, "invocation failed; instance discarded");
                    return Err(error);
                }
            }
        }
        Err(InvokeError::Crashed)
    }

    /// Kills every instance (idle or busy).
    pub fn shutdown(&self) {
        lock(&self.idle).clear();
        for (_, kill) in lock(&self.live).drain() {
            let _ = kill.send(true);
        }
    }

    fn take_idle(&self) -> Option<Instance> {
        let mut idle = lock(&self.idle);
        while let Some(instance) = idle.pop() {
            if instance.is_alive() {
                return Some(instance);
            }
            tracing::info!(
                instance = instance.id,
                "idle instance found dead; replacing it"
            );
        }
        None
    }

    fn release(&self, instance: Instance) {
        if instance.is_alive() {
            lock(&self.idle).push(instance);
        }
    }

    fn discard(&self, instance: &Instance) {
        if let Some(kill) = lock(&self.live).remove(&instance.id) {
            let _ = kill.send(true);
        }
    }

    async fn start_instance(&self) -> Result<Instance, InvokeError> {
        let id = self.next_instance.fetch_add(1, Ordering::Relaxed);
        let init_failed = |what: String| InvokeError::InitFailed(what);
        let listener = TcpListener::bind(("127.0.0.1", 0))
            .await
            .map_err(|e| init_failed(format!("runtime api listener: {e}")))?;
        let api_addr = listener
            .local_addr()
            .map_err(|e| init_failed(e.to_string()))?;
        // One job at a time: the instance takes the next only after answering.
        let (jobs, receiver) = mpsc::channel(1);
        let (ready_tx, ready_rx) = oneshot::channel();
        let state = Arc::new(RuntimeState {
            jobs: tokio::sync::Mutex::new(receiver),
            in_flight: Mutex::new(HashMap::new()),
            ready: Mutex::new(Some(ready_tx)),
            function_arn: self.spec.arn.clone(),
        });
        let server = tokio::spawn(serve_runtime_api(listener, Arc::clone(&state)));

        let spawned_at = Instant::now();
        let mut child = Command::new(&self.spec.binary)
            .env_clear()
            .envs(
                self.spec
                    .environment
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str())),
            )
            .envs(self.lambda_variables(id, api_addr))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| {
                server.abort();
                init_failed(format!("spawning {}: {e}", self.spec.binary.display()))
            })?;
        let pid = child.id();
        forward_logs(id, child.stdout.take());
        forward_logs(id, child.stderr.take());

        let (exited_tx, exited) = watch::channel(false);
        let (kill_tx, mut kill_rx) = watch::channel(false);
        lock(&self.live).insert(id, kill_tx);
        let supervised = Arc::clone(&state);
        tokio::spawn(async move {
            tokio::select! {
                status = child.wait() => {
                    tracing::info!(instance = id, status = ?status.ok(), "function process exited");
                }
                () = async { let _ = kill_rx.wait_for(|kill| *kill).await; } => {
                    let _ = child.start_kill();
                    let _ = child.wait().await;
                }
            }
            server.abort();
            let _ = exited_tx.send(true);
            // Pending invocations learn at once that nobody will answer.
            lock(&supervised.in_flight).clear();
            lock(&supervised.ready).take();
        });

        let mut exited_wait = exited.clone();
        let outcome = tokio::select! {
            ready = ready_rx => match ready {
                Ok(Ok(())) => Ok(()),
                Ok(Err(body)) => Err(init_failed(format!("init error: {body}"))),
                Err(_) => Err(init_failed("the process exited before asking for an invocation".into())),
            },
            _ = exited_wait.wait_for(|exited| *exited) => {
                Err(init_failed("the process exited before asking for an invocation".into()))
            }
            () = tokio::time::sleep(self.spec.init_timeout) => {
                Err(init_failed(format!("no request for an invocation within {:?}", self.spec.init_timeout)))
            }
        };
        let instance = Instance {
            id,
            pid,
            jobs,
            exited,
        };
        match outcome {
            Ok(()) => {
                let cold_start = spawned_at.elapsed();
                tracing::info!(
                    instance = id,
                    cold_start_ms = cold_start.as_secs_f64() * 1e3,
                    "instance ready"
                );
                lock(&self.stats).cold_starts.push(cold_start);
                Ok(instance)
            }
            Err(error) => {
                self.discard(&instance);
                tracing::warn!(instance = id, %error, "instance failed to start");
                Err(error)
            }
        }
    }

    fn lambda_variables(&self, id: u64, api_addr: SocketAddr) -> Vec<(String, String)> {
        let spec = &self.spec;
        [
            ("AWS_LAMBDA_RUNTIME_API", api_addr.to_string()),
            ("AWS_LAMBDA_FUNCTION_NAME", spec.name.clone()),
            ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".to_owned()),
            (
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
                spec.memory_mb.to_string(),
            ),
            (
                "AWS_LAMBDA_LOG_GROUP_NAME",
                format!("/aws/lambda/{}", spec.name),
            ),
            (
                "AWS_LAMBDA_LOG_STREAM_NAME",
                format!("sandbox/[$LATEST]instance-{id}"),
            ),
            ("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand".to_owned()),
            ("AWS_EXECUTION_ENV", "AWS_Lambda_provided.al2023".to_owned()),
            ("_HANDLER", "bootstrap".to_owned()),
            ("TZ", ":UTC".to_owned()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
    }
}

impl Drop for LambdaHost {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The function's stdout and stderr become the host's log lines (vendor-fn
/// writes no secrets to its log; a test of its own checks that).
fn forward_logs<R: tokio::io::AsyncRead + Unpin + Send + 'static>(
    instance: u64,
    stream: Option<R>,
) {
    let Some(stream) = stream else { return };
    tokio::spawn(async move {
        let mut lines = BufReader::new(stream).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            tracing::info!(target: "vendor_fn", instance, "{line}");
        }
    });
}

async fn serve_runtime_api(listener: TcpListener, state: Arc<RuntimeState>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let state = Arc::clone(&state);
        tokio::spawn(async move {
            let service = service_fn(move |request| {
                let state = Arc::clone(&state);
                async move { Ok::<_, Infallible>(runtime_api(&state, request).await) }
            });
            let _ = auto::Builder::new(TokioExecutor::new())
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

/// The Runtime API, as Lambda serves it to one execution environment.
async fn runtime_api(state: &RuntimeState, request: Request<Incoming>) -> Response<Full<Bytes>> {
    let (parts, body) = request.into_parts();
    let Some(route) = parts.uri.path().strip_prefix(RUNTIME_PREFIX) else {
        return runtime_error(StatusCode::NOT_FOUND, "InvalidRequest", "unknown path");
    };
    let segments: Vec<&str> = route.split('/').collect();
    match (&parts.method, segments.as_slice()) {
        (&Method::GET, ["invocation", "next"]) => next_invocation(state).await,
        (&Method::POST, ["invocation", id, outcome @ ("response" | "error")]) => {
            let Ok(collected) = Limited::new(body, MAX_PAYLOAD_BYTES).collect().await else {
                return runtime_error(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "RequestTooLarge",
                    "payload exceeds 6 MB",
                );
            };
            let Some(reply) = lock(&state.in_flight).remove(*id) else {
                return runtime_error(
                    StatusCode::BAD_REQUEST,
                    "InvalidRequestID",
                    "unknown request id",
                );
            };
            let result = if *outcome == "response" {
                Ok(collected.to_bytes())
            } else {
                tracing::warn!(error_type = ?parts.headers.get("lambda-runtime-function-error-type"), "function error");
                Err(InvokeError::FunctionError)
            };
            let _ = reply.send(result);
            accepted()
        }
        (&Method::POST, ["init", "error"]) => {
            let body = body
                .collect()
                .await
                .map(http_body_util::Collected::to_bytes)
                .unwrap_or_default();
            if let Some(ready) = lock(&state.ready).take() {
                let _ = ready.send(Err(String::from_utf8_lossy(&body)
                    .chars()
                    .take(500)
                    .collect()));
            }
            accepted()
        }
        _ => runtime_error(StatusCode::NOT_FOUND, "InvalidRequest", "unknown route"),
    }
}

async fn next_invocation(state: &RuntimeState) -> Response<Full<Bytes>> {
    if let Some(ready) = lock(&state.ready).take() {
        let _ = ready.send(Ok(()));
    }
    let job = {
        let mut jobs = state.jobs.lock().await;
        jobs.recv().await
    };
    let Some(job) = job else {
        return runtime_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "ServiceException",
            "host shutting down",
        );
    };
    job.delivered.store(true, Ordering::SeqCst);
    lock(&state.in_flight).insert(job.request_id.clone(), job.reply);
    let random: String = iam_gateway::sessions::request_id()
        .to_ascii_lowercase()
        .chars()
        .filter(char::is_ascii_hexdigit)
        .take(24)
        .collect();
    let trace_id = format!(
        "Root=1-{:08x}-{random};Sampled=0",
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
    );
    Response::builder()
        .status(StatusCode::OK)
        .header("content-type", "application/json")
        .header("lambda-runtime-aws-request-id", &job.request_id)
        .header("lambda-runtime-deadline-ms", job.deadline_ms.to_string())
        .header("lambda-runtime-invoked-function-arn", &state.function_arn)
        .header("lambda-runtime-trace-id", trace_id)
        .body(Full::new(job.payload))
        .unwrap_or_else(|_| {
            runtime_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "ServiceException",
                "bad header",
            )
        })
}

fn accepted() -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from_static(br#"{"status":"OK"}"#)));
    *response.status_mut() = StatusCode::ACCEPTED;
    response
}

fn runtime_error(status: StatusCode, error_type: &str, message: &str) -> Response<Full<Bytes>> {
    let body = serde_json::json!({"errorType": error_type, "errorMessage": message}).to_string();
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response
}
