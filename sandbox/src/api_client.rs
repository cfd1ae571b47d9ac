//! A tenant's side of the credentials API: call it with an API key, turn
//! the body into SDK credentials. Used by `sandbox demo`, the tests and the
//! benchmark.

use bytes::Bytes;
use http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;
use tenant_registry::CredentialsBody;

/// An HTTP/1.1 client for the local API (keeps connections alive).
#[derive(Debug, Clone)]
pub struct ApiClient {
    client: Client<HttpConnector, Full<Bytes>>,
}

/// A response of the API, read in full.
#[derive(Debug)]
pub struct ApiResponse {
    /// HTTP status.
    pub status: StatusCode,
    /// Headers.
    pub headers: HeaderMap,
    /// Body text.
    pub body: String,
}

impl ApiResponse {
    /// The body as JSON (`Value::Null` when it is not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }

    /// The credentials body, parsed and checked, when the call succeeded.
    pub fn credentials_body(&self) -> Option<CredentialsBody> {
        if self.status != StatusCode::OK {
            return None;
        }
        CredentialsBody::parse(&self.body).ok()
    }

    /// The vended credentials for an AWS SDK, when the call succeeded.
    pub fn credentials(&self) -> Option<aws_credential_types::Credentials> {
        self.credentials_body()
            .map(|body| body.to_sdk_credentials("credentials-api"))
    }
}

impl Default for ApiClient {
    fn default() -> Self {
        Self {
            client: Client::builder(TokioExecutor::new()).build_http(),
        }
    }
}

impl ApiClient {
    /// `GET url` with `x-api-key: api_key` (none when `None`).
    ///
    /// # Errors
    /// The transport error's text.
    pub async fn get(&self, url: &str, api_key: Option<&str>) -> Result<ApiResponse, String> {
        self.send(Method::GET, url, api_key, &[], None).await
    }

    /// `POST url` with the API key, extra headers and a body.
    ///
    /// # Errors
    /// The transport error's text.
    pub async fn post(
        &self,
        url: &str,
        api_key: Option<&str>,
        headers: &[(&str, &str)],
        body: &str,
    ) -> Result<ApiResponse, String> {
        self.send(Method::POST, url, api_key, headers, Some(body))
            .await
    }

    /// Any request to the API.
    ///
    /// # Errors
    /// The transport error's text.
    pub async fn send(
        &self,
        method: Method,
        url: &str,
        api_key: Option<&str>,
        headers: &[(&str, &str)],
        body: Option<&str>,
    ) -> Result<ApiResponse, String> {
        let mut request = Request::builder().method(method).uri(url);
        if let Some(key) = api_key {
            request = request.header("x-api-key", key);
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if body.is_some() {
            request = request.header("content-type", "application/json");
        }
        let request = request
            .body(Full::new(Bytes::from(body.unwrap_or_default().to_owned())))
            .map_err(|e| e.to_string())?;
        let response = self
            .client
            .request(request)
            .await
            .map_err(|e| e.to_string())?;
        let (parts, body) = response.into_parts();
        let body = body.collect().await.map_err(|e| e.to_string())?.to_bytes();
        Ok(ApiResponse {
            status: parts.status,
            headers: parts.headers,
            body: String::from_utf8_lossy(&body).into_owned(),
        })
    }
}
