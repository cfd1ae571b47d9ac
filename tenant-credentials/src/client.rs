//! One conversation with the vendor: `POST` the options with the key in
//! `x-api-key`, classify the answer, retry throttling as the policy allows.

use std::fmt;
use std::time::Duration;

use aws_smithy_async::rt::sleep::TokioSleep;
use aws_smithy_http_client::Connector;
use aws_smithy_http_client::tls::{Provider, rustls_provider::CryptoMode};
use aws_smithy_runtime_api::client::http::{HttpConnector, HttpConnectorSettings};
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_types::body::SdkBody;
use chrono::Utc;
use http_body_util::BodyExt;
use tenant_registry::CredentialsBody;

use crate::retry::{RetryPolicy, jitter, parse_retry_after};
use crate::{Error, Settings};

/// The largest body read from the vendor. A credentials body is about
/// 2 KiB; anything far larger is not one.
const MAX_BODY_BYTES: usize = 64 * 1024;

/// Connect and first-byte timeouts. A vend is a registry read and at most
/// one AssumeRole behind API Gateway: seconds at worst.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
const READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Credentials as the vendor sent them.
#[derive(Clone, PartialEq, Eq)]
pub struct Vended {
    /// The body, checked against the contract.
    pub body: CredentialsBody,
    /// The body exactly as received: valid `credential_process` output.
    pub text: String,
}

impl fmt::Debug for Vended {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Vended")
            .field("access_key_id", &self.body.access_key_id)
            .field("expiration", &self.body.expiration)
            .finish_non_exhaustive()
    }
}

/// A client of the credentials API for one tenant and one set of options.
pub struct VendorClient {
    settings: Settings,
    retry: RetryPolicy,
    connector: Connector,
}

impl fmt::Debug for VendorClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VendorClient")
            .field("endpoint", &self.settings.endpoint.to_string())
            .field("options", &self.settings.options)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

/// One answer, before the retry decision.
enum Answer {
    Credentials(Box<Vended>),
    Busy {
        status: u16,
        code: String,
        retry_after: Option<Duration>,
    },
}

impl VendorClient {
    /// A client with the default [`RetryPolicy`], on the SDK's HTTPS stack
    /// (rustls, the system's root certificates).
    pub fn new(settings: Settings) -> Self {
        let connector = Connector::builder()
            .sleep_impl(TokioSleep::new())
            .connector_settings(
                HttpConnectorSettings::builder()
                    .connect_timeout(CONNECT_TIMEOUT)
                    .read_timeout(READ_TIMEOUT)
                    .build(),
            )
            .tls_provider(Provider::Rustls(CryptoMode::AwsLc))
            .build();
        Self {
            settings,
            retry: RetryPolicy::default(),
            connector,
        }
    }

    /// The same client with another retry policy.
    #[must_use]
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// What this client asks for.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Fetches credentials, retrying throttled or busy answers as the
    /// policy allows and never sooner than `Retry-After` says.
    ///
    /// # Errors
    /// [`Error::Refused`], [`Error::Throttled`], [`Error::Unreachable`] or
    /// [`Error::InvalidResponse`]; none carries the key.
    pub async fn fetch(&self) -> Result<Vended, Error> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.attempt().await? {
                Answer::Credentials(vended) => return Ok(*vended),
                Answer::Busy {
                    status,
                    code,
                    retry_after,
                } => match self.retry.wait_after(attempt, retry_after, jitter()) {
                    Some(wait) => tokio::time::sleep(wait).await,
                    None => {
                        return Err(Error::Throttled {
                            status,
                            code,
                            retry_after,
                            attempts: attempt,
                        });
                    }
                },
            }
        }
    }

    async fn attempt(&self) -> Result<Answer, Error> {
        let request = http::Request::builder()
            .method(http::Method::POST)
            .uri(self.settings.endpoint.uri().clone())
            .header("x-api-key", self.settings.api_key.expose())
            .header("content-type", "application/json")
            .header("accept", "application/json")
            .body(SdkBody::from(self.settings.options.to_body()))
            .map_err(|_| Error::Config {
                setting: crate::settings::API_KEY_VAR,
                problem: "cannot be sent as an HTTP header".into(),
            })?;
        let request = request.try_into().map_err(|_| Error::Config {
            setting: crate::settings::ENDPOINT_VAR,
            problem: "cannot be requested".into(),
        })?;
        let response = self
            .connector
            .call(request)
            .await
            .map_err(|e| unreachable(&e))?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| parse_retry_after(v, Utc::now()));
        let body = http_body_util::Limited::new(response.into_body(), MAX_BODY_BYTES)
            .collect()
            .await
            .map_err(|e| {
                if e.is::<http_body_util::LengthLimitError>() {
                    Error::InvalidResponse {
                        reason: format!("the answer is larger than {MAX_BODY_BYTES} bytes"),
                    }
                } else {
                    Error::Unreachable {
                        reason: format!("reading the answer failed ({})", source_chain(&*e)),
                    }
                }
            })?
            .to_bytes();
        let text = String::from_utf8_lossy(&body).into_owned();
        match status {
            200 => credentials(text).map(|v| Answer::Credentials(Box::new(v))),
            429 | 503 | 504 => Ok(Answer::Busy {
                status,
                code: error_code(&text, status),
                retry_after,
            }),
            _ => Err(Error::Refused {
                status,
                code: error_code(&text, status),
                message: error_message(&text),
            }),
        }
    }
}

fn credentials(text: String) -> Result<Vended, Error> {
    let body = CredentialsBody::parse(&text).map_err(|e| Error::InvalidResponse {
        reason: e.to_string(),
    })?;
    if body.expiration <= Utc::now() {
        return Err(Error::InvalidResponse {
            reason: "the credentials have already expired".into(),
        });
    }
    Ok(Vended { body, text })
}

fn unreachable(err: &ConnectorError) -> Error {
    let kind = if err.is_timeout() {
        "timed out"
    } else if err.is_io() {
        "connection failed"
    } else {
        "request failed"
    };
    Error::Unreachable {
        reason: format!("{kind} ({})", source_chain(err)),
    }
}

/// The innermost cause, which names what happened ("Connection refused").
fn source_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut last = err;
    while let Some(next) = last.source() {
        last = next;
    }
    last.to_string()
}

/// The vendor's `code`, else API Gateway's `message` (its own errors carry
/// only that), else the status: trimmed to a safe, short word.
fn error_code(text: &str, status: u16) -> String {
    let json: serde_json::Value = serde_json::from_str(text).unwrap_or_default();
    ["code", "message"]
        .iter()
        .filter_map(|field| json[*field].as_str())
        .find_map(safe_text)
        .unwrap_or_else(|| format!("HTTP {status}"))
}

/// The vendor's fixed message, when it sent a code too.
fn error_message(text: &str) -> Option<String> {
    let json: serde_json::Value = serde_json::from_str(text).ok()?;
    json["code"].as_str()?;
    json["message"].as_str().and_then(safe_text)
}

/// Text from the answer, fit for a terminal: printable ASCII, at most 200
/// characters, or nothing.
fn safe_text(text: &str) -> Option<String> {
    let ok = !text.is_empty()
        && text.len() <= 200
        && text.bytes().all(|b| b.is_ascii_graphic() || b == b' ');
    ok.then(|| text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_code_comes_from_the_vendor_or_api_gateway_or_the_status() {
        assert_eq!(
            error_code(
                r#"{"code":"TenantSuspended","message":"this tenant is suspended"}"#,
                403
            ),
            "TenantSuspended"
        );
        assert_eq!(error_code(r#"{"message":"Forbidden"}"#, 403), "Forbidden");
        assert_eq!(error_code("<html>", 502), "HTTP 502");
        assert_eq!(error_code(r#"{"code":"bad\u001b[31m"}"#, 400), "HTTP 400");
        assert_eq!(
            error_message(r#"{"code":"TenantSuspended","message":"this tenant is suspended"}"#)
                .as_deref(),
            Some("this tenant is suspended")
        );
        assert_eq!(
            error_message(r#"{"message":"Forbidden"}"#),
            None,
            "already the code"
        );
    }
}
