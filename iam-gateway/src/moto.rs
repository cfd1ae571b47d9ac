//! The moto server: started and stopped by the gateway, and spoken to with
//! requests signed by the gateway's own credentials.
//!
//! moto stores state (tables, items, objects, roles, policies) and enforces
//! nothing; every decision is the gateway's. It listens on loopback only.

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use tokio::process::{Child, Command};

use crate::error::GatewayError;
use crate::sigv4::{self, Service};

/// The command that installs moto into the project's `.venv/`.
pub const INSTALL_COMMAND: &str = "./scripts/setup.sh";

/// Credentials the gateway signs its own requests to moto with. moto maps an
/// unknown access key to its default account, which is the one we want.
const MOTO_ACCESS_KEY: &str = "LOCALSANDBOXMOTO0001";
const MOTO_SECRET_KEY: &str = "sandbox-moto-secret";

/// A running `moto_server` child process, killed when dropped.
#[derive(Debug)]
pub struct MotoServer {
    child: Child,
    addr: SocketAddr,
}

impl MotoServer {
    /// Starts `<root>/.venv/bin/moto_server` on a free loopback port and waits
    /// until it answers.
    ///
    /// # Errors
    /// [`GatewayError::MotoMissing`] (naming the install command) when the
    /// executable is absent, [`GatewayError::MotoStart`] when it does not
    /// come up within 30 seconds.
    pub async fn start(root: &Path) -> Result<Self, GatewayError> {
        let exe = moto_executable(root);
        if !exe.is_file() {
            return Err(GatewayError::MotoMissing {
                path: exe.display().to_string(),
                install: INSTALL_COMMAND,
            });
        }
        let port = free_port()?;
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let child = Command::new(&exe)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| GatewayError::MotoStart(format!("spawning {}: {e}", exe.display())))?;
        let mut server = Self { child, addr };
        server.wait_ready().await?;
        Ok(server)
    }

    /// Where moto listens (always 127.0.0.1).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    async fn wait_ready(&mut self) -> Result<(), GatewayError> {
        let deadline = Instant::now() + Duration::from_secs(30);
        let client = http_client();
        let uri = format!("http://{}/moto-api/", self.addr);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(GatewayError::MotoStart(format!(
                    "moto_server exited early ({status})"
                )));
            }
            let request = Request::get(&uri)
                .body(Full::new(Bytes::new()))
                .map_err(|e| GatewayError::MotoStart(e.to_string()))?;
            if let Ok(response) = client.request(request).await
                && response.status().is_success()
            {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(GatewayError::MotoStart(format!(
                    "moto_server did not answer on {} within 30 s",
                    self.addr
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

/// `<root>/.venv/bin/moto_server`.
pub fn moto_executable(root: &Path) -> PathBuf {
    root.join(".venv").join("bin").join("moto_server")
}

fn free_port() -> Result<u16, GatewayError> {
    let listener = TcpListener::bind(("127.0.0.1", 0))
        .map_err(|e| GatewayError::MotoStart(format!("finding a free port: {e}")))?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| GatewayError::MotoStart(format!("finding a free port: {e}")))
}

type HttpClient = Client<HttpConnector, Full<Bytes>>;

pub(crate) fn http_client() -> HttpClient {
    Client::builder(TokioExecutor::new()).build_http()
}

/// Signed requests to moto: the control plane (bootstrap, IAM reads) and
/// forwarding of requests the gateway allowed.
#[derive(Clone, Debug)]
pub struct MotoClient {
    addr: SocketAddr,
    client: HttpClient,
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
        }
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
