//! The moto server: started and stopped by the gateway, and spoken to with
//! requests signed by the gateway's own credentials.
//!
//! moto stores state (tables, items, objects, roles, policies) and enforces
//! nothing; every decision is the gateway's. It listens on loopback only.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::error::GatewayError;
use crate::iam_changes::{self, IamChanges};
use crate::sigv4::{self, Service};

/// The command that installs moto into the project's `.venv/`.
pub const INSTALL_COMMAND: &str = "./scripts/setup.sh";

/// Credentials the gateway signs its own requests to moto with. moto maps an
/// unknown access key to its default account, which is the one we want.
const MOTO_ACCESS_KEY: &str = "LOCALSANDBOXMOTO0001";
const MOTO_SECRET_KEY: &str = "sandbox-moto-secret";

/// How long moto may take to start (a cold Python import of moto is slow on
/// a loaded machine).
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// Lines of moto's log kept for failure messages.
const LOG_TAIL: usize = 40;

type Log = Arc<Mutex<VecDeque<String>>>;

/// A running `moto_server` child process, killed when dropped.
///
/// Whoever talks to it talks to this child, for sure: moto is started on
/// port 0, so the kernel gives its socket a free port that no other process
/// can hold, and the port is read from moto's start-up line
/// (` * Running on http://127.0.0.1:<port>`). Picking a free port first and
/// handing it to moto would leave a window in which another server (another
/// test's, say) takes it, and an answer on it would prove nothing. moto uses
/// its port setting only to build URLs back to itself (Lambda,
/// CloudFormation custom resources, Step Functions, Batch), which nothing
/// here uses.
#[derive(Debug)]
pub struct MotoServer {
    child: Child,
    addr: SocketAddr,
    log: Log,
}

impl MotoServer {
    /// Starts `<root>/.venv/bin/moto_server` on a free loopback port and waits
    /// until it answers `GET /moto-api/` with 200, the child still running.
    ///
    /// # Errors
    /// [`GatewayError::MotoMissing`] (naming the install command) when the
    /// executable is absent, [`GatewayError::MotoStart`] with the tail of
    /// moto's log when it exits early or does not come up within 30 seconds.
    pub async fn start(root: &Path) -> Result<Self, GatewayError> {
        let exe = moto_executable(root);
        if !exe.is_file() {
            return Err(GatewayError::MotoMissing {
                path: exe.display().to_string(),
                install: INSTALL_COMMAND,
            });
        }
        let mut child = Command::new(&exe)
            .args(["-H", "127.0.0.1", "-p", "0"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| GatewayError::MotoStart(format!("spawning {}: {e}", exe.display())))?;
        let stderr = child
            .stderr
            .take()
            .ok_or_else(|| GatewayError::MotoStart("moto's stderr is not piped".into()))?;
        let log = Log::default();
        let mut ports = drain(stderr, Arc::clone(&log));
        let deadline = Instant::now() + START_TIMEOUT;
        let port = loop {
            match tokio::time::timeout(Duration::from_millis(200), ports.recv()).await {
                Ok(Some(port)) => break port,
                // stderr closed: moto is exiting; try_wait below says so.
                Ok(None) => tokio::time::sleep(Duration::from_millis(50)).await,
                Err(_elapsed) => {}
            }
            if let Ok(Some(status)) = child.try_wait() {
                return Err(GatewayError::MotoStart(format!(
                    "moto_server exited early ({status}):\n{}",
                    tail(&log)
                )));
            }
            if Instant::now() >= deadline {
                return Err(GatewayError::MotoStart(format!(
                    "moto_server did not report its port within {START_TIMEOUT:?}:\n{}",
                    tail(&log)
                )));
            }
        };
        let mut server = Self {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            log,
        };
        server.wait_ready(deadline).await?;
        Ok(server)
    }

    /// Where moto listens (always 127.0.0.1).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    async fn wait_ready(&mut self, deadline: Instant) -> Result<(), GatewayError> {
        let client = http_client();
        let uri = format!("http://{}/moto-api/", self.addr);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(GatewayError::MotoStart(format!(
                    "moto_server exited early ({status}):\n{}",
                    tail(&self.log)
                )));
            }
            let request = Request::get(&uri)
                .body(Full::new(Bytes::new()))
                .map_err(|e| GatewayError::MotoStart(e.to_string()))?;
            if let Ok(response) = client.request(request).await
                && response.status() == StatusCode::OK
            {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(GatewayError::MotoStart(format!(
                    "moto_server did not answer on {} within {START_TIMEOUT:?}:\n{}",
                    self.addr,
                    tail(&self.log)
                )));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for MotoServer {
    fn drop(&mut self) {
        // kill_on_drop also does this; starting the kill here makes it immediate.
        let _ = self.child.start_kill();
    }
}

/// Reads moto's log to its end (so moto never blocks on a full pipe), keeps
/// its tail, and sends the port from the start-up line.
fn drain(
    stderr: tokio::process::ChildStderr,
    log: Log,
) -> tokio::sync::mpsc::UnboundedReceiver<u16> {
    let (ports, port) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        let mut lines = BufReader::new(stderr).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            if let Some(port) = announced_port(&line) {
                let _ = ports.send(port);
            }
            let mut log = log
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if log.len() == LOG_TAIL {
                log.pop_front();
            }
            log.push_back(line);
        }
    });
    port
}

fn tail(log: &Log) -> String {
    let log = log
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    log.iter().cloned().collect::<Vec<_>>().join("\n")
}

/// The port in werkzeug's start-up line ` * Running on http://127.0.0.1:<port>`.
fn announced_port(line: &str) -> Option<u16> {
    let address = line.split("Running on http://127.0.0.1:").nth(1)?;
    let digits: String = address.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok().filter(|port| *port != 0)
}

/// `<root>/.venv/bin/moto_server`.
pub fn moto_executable(root: &Path) -> PathBuf {
    root.join(".venv").join("bin").join("moto_server")
}

type HttpClient = Client<HttpConnector, Full<Bytes>>;

pub(crate) fn http_client() -> HttpClient {
    // Requests and answers are small: don't let Nagle's algorithm hold one
    // back waiting for the peer's delayed ACK.
    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    Client::builder(TokioExecutor::new()).build(connector)
}

/// Signed requests to moto: the control plane (bootstrap, IAM reads) and
/// forwarding of requests the gateway allowed.
///
/// Every IAM call that may write (anything but `Get*`/`List*`) advances
/// [`MotoClient::iam_changes`] once moto has answered (or failed: a write
/// that may have happened counts), shared by all clones, so roles read
/// before it are read again ([`crate::role_cache`]).
#[derive(Clone, Debug)]
pub struct MotoClient {
    addr: SocketAddr,
    client: HttpClient,
    iam_changes: IamChanges,
}

/// A response from moto, fully read.
#[derive(Debug)]
pub struct MotoResponse {
    /// HTTP status.
    pub status: StatusCode,
    /// Headers as moto sent them.
    pub headers: HeaderMap,
    /// Body.
    pub body: Bytes,
}

impl MotoClient {
    /// A client for the moto server at `addr`.
    pub fn new(addr: SocketAddr) -> Self {
        Self {
            addr,
            client: http_client(),
            iam_changes: IamChanges::default(),
        }
    }

    /// The count of IAM writes made through this client (and its clones).
    pub fn iam_changes(&self) -> &IamChanges {
        &self.iam_changes
    }

    /// Sends a request to moto after signing it for `service` with the
    /// sandbox's own credentials. `path_and_query` must be already encoded.
    ///
    /// # Errors
    /// [`GatewayError::Moto`] when moto can't be reached.
    pub async fn send(
        &self,
        service: Service,
        method: &Method,
        path_and_query: &str,
        headers: &HeaderMap,
        body: Bytes,
    ) -> Result<MotoResponse, GatewayError> {
        let writes_iam = service == Service::Iam
            && (iam_changes::may_write(&body)
                || path_and_query
                    .split_once('?')
                    .is_some_and(|(_, query)| iam_changes::may_write(query.as_bytes())));
        let result = self
            .send_signed(service, method, path_and_query, headers, body)
            .await;
        if writes_iam {
            self.iam_changes.record();
        }
        result
    }

    async fn send_signed(
        &self,
        service: Service,
        method: &Method,
        path_and_query: &str,
        headers: &HeaderMap,
        body: Bytes,
    ) -> Result<MotoResponse, GatewayError> {
        let uri = format!("http://{}{}", self.addr, path_and_query);
        let mut forwarded = HeaderMap::new();
        for (name, value) in headers {
            if !is_hop_or_auth_header(name.as_str()) {
                forwarded.append(name.clone(), value.clone());
            }
        }
        forwarded.insert(
            http::header::HOST,
            HeaderValue::from_str(&self.addr.to_string())
                .map_err(|e| GatewayError::Moto(e.to_string()))?,
        );
        let signed = sigv4::sign(
            service,
            method.as_str(),
            &uri,
            &forwarded,
            &body,
            MOTO_ACCESS_KEY,
            MOTO_SECRET_KEY,
            None,
            SystemTime::now(),
        )
        .map_err(|e| GatewayError::Moto(format!("signing for moto: {e}")))?;
        for (name, value) in signed {
            forwarded.insert(name, value);
        }
        let mut request = Request::builder()
            .method(method.clone())
            .uri(&uri)
            .body(Full::new(body))
            .map_err(|e| GatewayError::Moto(e.to_string()))?;
        *request.headers_mut() = forwarded;
        let response = self
            .client
            .request(request)
            .await
            .map_err(|e| GatewayError::Moto(format!("moto unreachable: {e}")))?;
        let (parts, body) = response.into_parts();
        let body = body
            .collect()
            .await
            .map_err(|e| GatewayError::Moto(format!("reading moto's response: {e}")))?
            .to_bytes();
        Ok(MotoResponse {
            status: parts.status,
            headers: parts.headers,
            body,
        })
    }

    /// Calls a DynamoDB operation with a JSON body; non-2xx is an error.
    ///
    /// # Errors
    /// [`GatewayError::Moto`] when moto fails or answers with an error.
    pub async fn dynamodb(
        &self,
        operation: &str,
        body: &serde_json::Value,
    ) -> Result<serde_json::Value, GatewayError> {
        let mut headers = HeaderMap::new();
        headers.insert(
            "content-type",
            HeaderValue::from_static("application/x-amz-json-1.0"),
        );
        headers.insert(
            "x-amz-target",
            HeaderValue::from_str(&format!("DynamoDB_20120810.{operation}"))
                .map_err(|e| GatewayError::Moto(e.to_string()))?,
        );
        let response = self
            .send(
                Service::DynamoDb,
                &Method::POST,
                "/",
                &headers,
                Bytes::from(body.to_string()),
            )
            .await?;
        if !response.status.is_success() {
            return Err(GatewayError::Moto(format!(
                "dynamodb {operation}: {} {}",
                response.status,
                String::from_utf8_lossy(&response.body)
            )));
        }
        serde_json::from_slice(&response.body)
            .map_err(|e| GatewayError::Moto(format!("dynamodb {operation}: {e}")))
    }

    /// Calls an IAM (query protocol) action; returns the XML body.
    ///
    /// # Errors
    /// [`GatewayError::Moto`] on transport failure; [`GatewayError::MotoRefused`]
    /// with the AWS error code when moto answers with an error.
    pub async fn iam(&self, action: &str, params: &[(&str, &str)]) -> Result<String, GatewayError> {
        let form = {
            let mut form = form_urlencoded::Serializer::new(String::new());
            form.append_pair("Action", action);
            form.append_pair("Version", "2010-05-08");
            for (k, v) in params {
                form.append_pair(k, v);
            }
            form.finish()
        };
        let mut headers = HeaderMap::new();
        headers.insert(
            "content-type",
            HeaderValue::from_static("application/x-www-form-urlencoded; charset=utf-8"),
        );
        let response = self
            .send(
                Service::Iam,
                &Method::POST,
                "/",
                &headers,
                Bytes::from(form),
            )
            .await?;
        let text = String::from_utf8_lossy(&response.body).into_owned();
        if response.status.is_success() {
            Ok(text)
        } else {
            let code = crate::xml::first_text(&text, "Code").unwrap_or_default();
            Err(GatewayError::MotoRefused {
                action: action.to_owned(),
                code,
            })
        }
    }

    /// Sends an S3 request (path-style); non-2xx is an error.
    ///
    /// # Errors
    /// [`GatewayError::Moto`] when moto fails or answers with an error.
    pub async fn s3(
        &self,
        method: &Method,
        path: &str,
        body: Bytes,
    ) -> Result<MotoResponse, GatewayError> {
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-amz-content-sha256",
            HeaderValue::from_str(&sigv4::sha256_hex(&body))
                .map_err(|e| GatewayError::Moto(e.to_string()))?,
        );
        let response = self.send(Service::S3, method, path, &headers, body).await?;
        if response.status.is_success() {
            Ok(response)
        } else {
            Err(GatewayError::Moto(format!(
                "s3 {method} {path}: {} {}",
                response.status,
                String::from_utf8_lossy(&response.body)
            )))
        }
    }
}

fn is_hop_or_auth_header(name: &str) -> bool {
    matches!(
        name,
        "authorization"
            | "x-amz-security-token"
            | "x-amz-date"
            | "host"
            | "connection"
            | "keep-alive"
            | "transfer-encoding"
            | "content-length"
            | "upgrade"
            | "proxy-connection"
            | "te"
            | "trailer"
    )
}

/// Builds a hyper response from moto's, dropping hop-by-hop headers.
pub fn relay(response: MotoResponse) -> Response<Full<Bytes>> {
    let mut out = Response::new(Full::new(response.body));
    *out.status_mut() = response.status;
    for (name, value) in &response.headers {
        if !matches!(
            name.as_str(),
            "connection" | "keep-alive" | "transfer-encoding" | "server" | "date"
        ) {
            out.headers_mut().append(name.clone(), value.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::announced_port;

    #[test]
    fn reads_the_port_from_the_start_up_line_only() {
        assert_eq!(
            announced_port(" * Running on http://127.0.0.1:37993"),
            Some(37993)
        );
        assert_eq!(
            announced_port("\u{1b}[33m * Running on http://127.0.0.1:5000\u{1b}[0m"),
            Some(5000)
        );
        assert_eq!(announced_port("Press CTRL+C to quit"), None);
        assert_eq!(announced_port(" * Running on http://127.0.0.1:0"), None);
        assert_eq!(
            announced_port("127.0.0.1 - - \"GET /moto-api/ HTTP/1.0\" 200 -"),
            None
        );
    }
}
