//! What to ask the vendor for, parsed once at the edge: the endpoint, the
//! tenant's API key, and the request's options.
//!
//! The variables are those of `examples/credential-process.sh`:
//! `CREDENTIALS_ENDPOINT`, `TENANT_API_KEY`, and optionally
//! `DURATION_SECONDS` and `SCOPE`.

use std::collections::HashMap;
use std::fmt;

use tenant_registry::{MAX_CHAINED_SESSION_SECONDS, MIN_SESSION_SECONDS, Scope, Secret};

use crate::Error;

/// The credentials endpoint (the stack's `CredentialsEndpoint` output).
pub const ENDPOINT_VAR: &str = "CREDENTIALS_ENDPOINT";
/// The tenant's API key value.
pub const API_KEY_VAR: &str = "TENANT_API_KEY";
/// Optional session duration in seconds (900 to the tier's maximum).
pub const DURATION_VAR: &str = "DURATION_SECONDS";
/// Optional scope: `read-write` or `read-only`.
pub const SCOPE_VAR: &str = "SCOPE";

/// An `http(s)` URL of the credentials API.
///
/// Plain `http` is accepted for loopback hosts only (the local sandbox):
/// anywhere else it would send the API key across the network in clear.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint(http::Uri);

impl Endpoint {
    /// Parses and checks an endpoint URL.
    ///
    /// # Errors
    /// [`Error::Config`] saying which rule the URL broke.
    pub fn parse(text: &str) -> Result<Self, Error> {
        let invalid = |problem: &str| Error::Config {
            setting: ENDPOINT_VAR,
            problem: problem.to_owned(),
        };
        let uri: http::Uri = text.trim().parse().map_err(|_| invalid("is not a URL"))?;
        let host = uri.host().ok_or_else(|| invalid("has no host"))?;
        match uri.scheme_str() {
            Some("https") => {}
            Some("http") if is_loopback(host) => {}
            Some("http") => {
                return Err(invalid(
                    "uses http:// to a host that is not loopback; the API key would travel in clear (use https://)",
                ));
            }
            _ => return Err(invalid("must start with https://")),
        }
        Ok(Self(uri))
    }

    /// The URL.
    pub fn uri(&self) -> &http::Uri {
        &self.0
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The tenant's API key value: a secret, redacted in `Debug`, never displayed.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(Secret);

impl ApiKey {
    /// Checks a key value: not empty, and only characters an HTTP header can carry.
    ///
    /// # Errors
    /// [`Error::Config`] naming the rule, never the value.
    pub fn parse(value: &str) -> Result<Self, Error> {
        let invalid = |problem: &str| Error::Config {
            setting: API_KEY_VAR,
            problem: problem.to_owned(),
        };
        if value.is_empty() {
            return Err(invalid("is empty"));
        }
        if !value.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(invalid(
                "holds spaces or characters that are not printable ASCII (a stray newline?)",
            ));
        }
        Ok(Self(Secret::new(value)))
    }

    /// The value, for the one place that sends it: the `x-api-key` header.
    pub fn expose(&self) -> &str {
        self.0.expose()
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

/// The optional parts of a request; `None` leaves the choice to the vendor
/// (the tier's longest duration, read-write).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct VendOptions {
    /// `durationSeconds`, within 900..=3600 (the vendor checks the tier's maximum).
    pub duration_seconds: Option<u32>,
    /// `scope`.
    pub scope: Option<Scope>,
}

impl VendOptions {
    /// The POST body: a JSON object with just the options that are set.
    pub fn to_body(self) -> String {
        let mut body = serde_json::Map::new();
        if let Some(seconds) = self.duration_seconds {
            body.insert("durationSeconds".into(), seconds.into());
        }
        if let Some(scope) = self.scope {
            body.insert("scope".into(), scope.as_str().into());
        }
        serde_json::Value::Object(body).to_string()
    }
}

/// Everything needed to ask for credentials.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    /// Where.
    pub endpoint: Endpoint,
    /// Who.
    pub api_key: ApiKey,
    /// What.
    pub options: VendOptions,
}

impl Settings {
    /// Reads the process environment.
    ///
    /// # Errors
    /// [`Error::Config`] naming the variable that is missing or invalid.
    pub fn from_env() -> Result<Self, Error> {
        Self::from_vars(
            &std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
                .collect(),
        )
    }

    /// Reads a map of variables (the environment, or a literal map in tests).
    ///
    /// # Errors
    /// [`Error::Config`] naming the variable that is missing or invalid.
    pub fn from_vars(vars: &HashMap<String, String>) -> Result<Self, Error> {
        let set = |name: &str| vars.get(name).filter(|v| !v.trim().is_empty());
        let missing = |setting: &'static str, what: &str| Error::Config {
            setting,
            problem: format!("is not set; set it to {what}"),
        };
        let endpoint = set(ENDPOINT_VAR)
            .ok_or_else(|| missing(ENDPOINT_VAR, "the stack output CredentialsEndpoint"))?;
        let api_key = vars
            .get(API_KEY_VAR)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| missing(API_KEY_VAR, "your API key value"))?;
        let duration_seconds = set(DURATION_VAR)
            .map(|text| {
                text.trim()
                    .parse::<u32>()
                    .ok()
                    .filter(|d| (MIN_SESSION_SECONDS..=MAX_CHAINED_SESSION_SECONDS).contains(d))
                    .ok_or_else(|| Error::Config {
                        setting: DURATION_VAR,
                        problem: format!(
                            "must be a whole number of seconds from {MIN_SESSION_SECONDS} to {MAX_CHAINED_SESSION_SECONDS}"
                        ),
                    })
            })
            .transpose()?;
        let scope = set(SCOPE_VAR)
            .map(|text| {
                text.trim().parse::<Scope>().map_err(|_| Error::Config {
                    setting: SCOPE_VAR,
                    problem: "must be read-write or read-only".into(),
                })
            })
            .transpose()?;
        Ok(Self {
            endpoint: Endpoint::parse(endpoint)?,
            api_key: ApiKey::parse(api_key)?,
            options: VendOptions {
                duration_seconds,
                scope,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "Xq7TsecretApiKeyValue0123456789abcdefGHIJ";

    fn vars(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn reads_the_variables_of_the_shell_script() {
        let s = Settings::from_vars(&vars(&[
            (
                ENDPOINT_VAR,
                "https://abc.execute-api.us-east-1.amazonaws.com/prod/credentials",
            ),
            (API_KEY_VAR, KEY),
            (DURATION_VAR, "900"),
            (SCOPE_VAR, "read-only"),
        ]))
        .unwrap();
        assert_eq!(s.api_key.expose(), KEY);
        assert_eq!(s.options.duration_seconds, Some(900));
        assert_eq!(s.options.scope, Some(Scope::ReadOnly));
        assert_eq!(
            s.options.to_body(),
            r#"{"durationSeconds":900,"scope":"read-only"}"#
        );
        assert_eq!(VendOptions::default().to_body(), "{}");
    }

    #[test]
    fn a_missing_or_invalid_variable_is_named_and_the_key_never_shown() {
        let cases = [
            (vec![(API_KEY_VAR, KEY)], ENDPOINT_VAR),
            (vec![(ENDPOINT_VAR, "https://h/credentials")], API_KEY_VAR),
            (
                vec![(ENDPOINT_VAR, "https://h/c"), (API_KEY_VAR, "with space")],
                API_KEY_VAR,
            ),
            (
                vec![(ENDPOINT_VAR, "https://h/c"), (API_KEY_VAR, "k\n")],
                API_KEY_VAR,
            ),
            (
                vec![
                    (ENDPOINT_VAR, "https://h/c"),
                    (API_KEY_VAR, KEY),
                    (DURATION_VAR, "899"),
                ],
                DURATION_VAR,
            ),
            (
                vec![
                    (ENDPOINT_VAR, "https://h/c"),
                    (API_KEY_VAR, KEY),
                    (DURATION_VAR, "1h"),
                ],
                DURATION_VAR,
            ),
            (
                vec![
                    (ENDPOINT_VAR, "https://h/c"),
                    (API_KEY_VAR, KEY),
                    (SCOPE_VAR, "admin"),
                ],
                SCOPE_VAR,
            ),
        ];
        for (pairs, named) in cases {
            let err = Settings::from_vars(&vars(&pairs)).unwrap_err();
            let text = err.to_string();
            assert!(text.contains(named), "{pairs:?}: {text}");
            assert!(
                !text.contains(KEY) && !text.contains("with space"),
                "{text}"
            );
            assert_eq!(err.exit_code(), 2);
        }
    }

    #[test]
    fn plain_http_is_for_loopback_only() {
        for ok in [
            "https://abc.execute-api.us-east-1.amazonaws.com/prod/credentials",
            "http://127.0.0.1:4566/credentials",
            "http://localhost:4566/credentials",
            "http://[::1]:4566/credentials",
        ] {
            assert!(Endpoint::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://abc.execute-api.us-east-1.amazonaws.com/prod/credentials",
            "http://10.0.0.1/credentials",
            "ftp://127.0.0.1/credentials",
            "127.0.0.1:4566/credentials",
            "not a url",
        ] {
            assert!(Endpoint::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn debug_never_shows_the_key() {
        let s = Settings::from_vars(&vars(&[(ENDPOINT_VAR, "https://h/c"), (API_KEY_VAR, KEY)]))
            .unwrap();
        let text = format!("{s:?}");
        assert!(!text.contains(KEY), "{text}");
        assert!(text.contains("[redacted]"), "{text}");
    }
}
