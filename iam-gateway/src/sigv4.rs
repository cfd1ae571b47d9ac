//! SigV4: reading a caller's `Authorization` header, recomputing its
//! signature with `aws-sigv4` (the SDK's own signer), and signing the
//! gateway's requests to moto.

use std::borrow::Cow;
use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{
    PayloadChecksumKind, PercentEncodingMode, SignableBody, SignableRequest, SigningSettings,
    UriPathNormalizationMode, sign as sigv4_sign,
};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use chrono::{NaiveDateTime, TimeZone, Utc};
use http::{HeaderMap, HeaderName, HeaderValue};
use sha2::{Digest, Sha256};

use crate::account::REGION;

/// How far a request's signing time may be from the gateway's clock, as AWS allows.
pub const MAX_CLOCK_SKEW: Duration = Duration::from_mins(15);

/// The AWS services the gateway speaks for (and IAM, to read moto's state).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    /// STS, query protocol.
    Sts,
    /// DynamoDB, JSON protocol.
    DynamoDb,
    /// S3, REST protocol (path-style).
    S3,
    /// IAM, query protocol.
    Iam,
    /// API Gateway's management API, REST.
    ApiGateway,
}

impl Service {
    /// The signing name in the credential scope.
    pub fn signing_name(self) -> &'static str {
        match self {
            Self::Sts => "sts",
            Self::DynamoDb => "dynamodb",
            Self::S3 => "s3",
            Self::Iam => "iam",
            Self::ApiGateway => "apigateway",
        }
    }

    fn from_signing_name(name: &str) -> Option<Self> {
        match name {
            "sts" => Some(Self::Sts),
            "dynamodb" => Some(Self::DynamoDb),
            "s3" => Some(Self::S3),
            "iam" => Some(Self::Iam),
            "apigateway" => Some(Self::ApiGateway),
            _ => None,
        }
    }
}

/// The parts of an `AWS4-HMAC-SHA256` `Authorization` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    /// The access key ID (not secret).
    pub access_key_id: String,
    /// `yyyymmdd` of the credential scope.
    pub date: String,
    /// Region of the credential scope.
    pub region: String,
    /// Service signing name of the credential scope.
    pub service_name: String,
    /// Lowercase header names, as listed.
    pub signed_headers: Vec<String>,
    /// Hex signature.
    pub signature: String,
}

impl Authorization {
    /// Parses the header value; `None` when it is not a well-formed SigV4 header.
    pub fn parse(value: &str) -> Option<Self> {
        let rest = value.strip_prefix("AWS4-HMAC-SHA256 ")?;
        let mut credential = None;
        let mut signed_headers = None;
        let mut signature = None;
        for part in rest.split(',') {
            let (name, value) = part.trim().split_once('=')?;
            match name {
                "Credential" => credential = Some(value),
                "SignedHeaders" => signed_headers = Some(value),
                "Signature" => signature = Some(value),
                _ => return None,
            }
        }
        let scope: Vec<&str> = credential?.split('/').collect();
        let [access_key_id, date, region, service_name, "aws4_request"] = scope.as_slice() else {
            return None;
        };
        let signature = signature?;
        if signature.len() != 64 || !signature.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let signed_headers: Vec<String> = signed_headers?.split(';').map(str::to_owned).collect();
        if signed_headers.iter().any(String::is_empty) || access_key_id.is_empty() {
            return None;
        }
        Some(Self {
            access_key_id: (*access_key_id).to_owned(),
            date: (*date).to_owned(),
            region: (*region).to_owned(),
            service_name: (*service_name).to_owned(),
            signed_headers,
            signature: signature.to_owned(),
        })
    }

    /// The service named in the credential scope, if the gateway serves it.
    pub fn service(&self) -> Option<Service> {
        Service::from_signing_name(&self.service_name)
    }
}

/// Why a signature did not verify. Messages are safe to show callers.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureProblem {
    /// Signature mismatch, missing signed header, bad scope.
    #[error(
        "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
    )]
    Mismatch,
    /// Signing time too far from now.
    #[error("Signature expired: {0} is outside the 15 minute window of the sandbox's clock.")]
    Expired(String),
    /// The body does not hash to `x-amz-content-sha256`.
    #[error("The provided 'x-amz-content-sha256' header does not match what was computed.")]
    PayloadMismatch,
}

/// A request as received, for verification.
#[derive(Debug)]
pub struct Received<'a> {
    /// HTTP method.
    pub method: &'a str,
    /// Path and query exactly as sent (still percent-encoded).
    pub path_and_query: &'a str,
    /// All headers.
    pub headers: &'a HeaderMap,
    /// The body.
    pub body: &'a [u8],
}

/// Recomputes the signature of `request` with the caller's secret (and
/// session token) and compares it with the one sent.
///
/// # Errors
/// A [`SignatureProblem`] saying why the request is not authentic.
pub fn verify(
    auth: &Authorization,
    request: &Received<'_>,
    service: Service,
    secret_access_key: &str,
    session_token: Option<&str>,
    now: SystemTime,
) -> Result<(), SignatureProblem> {
    let amz_date = header_str(request.headers, "x-amz-date").ok_or(SignatureProblem::Mismatch)?;
    let time = parse_amz_date(amz_date).ok_or(SignatureProblem::Mismatch)?;
    if !amz_date.starts_with(&auth.date) || auth.region != REGION {
        return Err(SignatureProblem::Mismatch);
    }
    let skew = now.duration_since(time).unwrap_or_else(|e| e.duration());
    if skew > MAX_CLOCK_SKEW {
        return Err(SignatureProblem::Expired(amz_date.to_owned()));
    }
    if !auth.signed_headers.iter().any(|h| h == "host") {
        return Err(SignatureProblem::Mismatch);
    }
    let mut signed: Vec<(&str, &str)> = Vec::new();
    for name in &auth.signed_headers {
        let values = request.headers.get_all(name.as_str());
        let mut any = false;
        for value in values {
            let value = value.to_str().map_err(|_| SignatureProblem::Mismatch)?;
            signed.push((name.as_str(), value));
            any = true;
        }
        if !any {
            return Err(SignatureProblem::Mismatch);
        }
    }
    let host = header_str(request.headers, "host").ok_or(SignatureProblem::Mismatch)?;
    let uri = format!("http://{host}{}", request.path_and_query);
    let body = if service == Service::S3 {
        let declared = header_str(request.headers, "x-amz-content-sha256")
            .ok_or(SignatureProblem::Mismatch)?;
        if declared.len() == 64 && declared.bytes().all(|b| b.is_ascii_hexdigit()) {
            if !declared.eq_ignore_ascii_case(&sha256_hex(request.body)) {
                return Err(SignatureProblem::PayloadMismatch);
            }
        } else if !matches!(
            declared,
            "UNSIGNED-PAYLOAD" | "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
        ) {
            // Signed aws-chunked payloads would need per-chunk verification.
            return Err(SignatureProblem::Mismatch);
        }
        SignableBody::Precomputed(declared.to_owned())
    } else {
        SignableBody::Bytes(request.body)
    };
    let identity: Identity = Credentials::new(
        &auth.access_key_id,
        secret_access_key,
        session_token.map(str::to_owned),
        None,
        "sandbox-verify",
    )
    .into();
    let mut settings = settings_for(service);
    // Sign exactly the headers the caller listed, nothing more, nothing less.
    settings.excluded_headers = Some(Vec::<Cow<'static, str>>::new());
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(&auth.region)
        .name(&auth.service_name)
        .time(time)
        .settings(settings)
        .build()
        .map_err(|_| SignatureProblem::Mismatch)?
        .into();
    let signable = SignableRequest::new(request.method, uri, signed.into_iter(), body)
        .map_err(|_| SignatureProblem::Mismatch)?;
    let (instructions, signature) = sigv4_sign(signable, &params)
        .map_err(|_| SignatureProblem::Mismatch)?
        .into_parts();
    // The recomputed SignedHeaders list must be the caller's too: the signer
    // adds x-amz-date, the token and the payload hash on its own.
    let listed = auth.signed_headers.join(";");
    let recomputed_lists_same = instructions
        .headers()
        .any(|(n, v)| n == "authorization" && v.contains(&format!("SignedHeaders={listed},")));
    if recomputed_lists_same && constant_time_eq(signature.as_bytes(), auth.signature.as_bytes()) {
        Ok(())
    } else {
        Err(SignatureProblem::Mismatch)
    }
}

/// Signs a request to moto; returns the headers to set.
///
/// # Errors
/// The signer's error text (no secrets in it).
#[allow(clippy::too_many_arguments)]
pub fn sign(
    service: Service,
    method: &str,
    uri: &str,
    headers: &HeaderMap,
    body: &[u8],
    access_key_id: &str,
    secret_access_key: &str,
    session_token: Option<&str>,
    time: SystemTime,
) -> Result<Vec<(HeaderName, HeaderValue)>, String> {
    let identity: Identity = Credentials::new(
        access_key_id,
        secret_access_key,
        session_token.map(str::to_owned),
        None,
        "sandbox-moto",
    )
    .into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(REGION)
        .name(service.signing_name())
        .time(time)
        .settings(settings_for(service))
        .build()
        .map_err(|e| e.to_string())?
        .into();
    let pairs: Vec<(&str, &str)> = headers
        .iter()
        .filter_map(|(n, v)| v.to_str().ok().map(|v| (n.as_str(), v)))
        .collect();
    let body = if service == Service::S3 {
        let declared = header_str(headers, "x-amz-content-sha256")
            .map_or_else(|| sha256_hex(body), str::to_owned);
        SignableBody::Precomputed(declared)
    } else {
        SignableBody::Bytes(body)
    };
    let signable =
        SignableRequest::new(method, uri, pairs.into_iter(), body).map_err(|e| e.to_string())?;
    let (instructions, _) = sigv4_sign(signable, &params)
        .map_err(|e| e.to_string())?
        .into_parts();
    let (out, _) = instructions.into_parts();
    out.into_iter()
        .map(|h| {
            let name = HeaderName::from_bytes(h.name().as_bytes()).map_err(|e| e.to_string())?;
            let value = HeaderValue::from_str(h.value()).map_err(|e| e.to_string())?;
            Ok((name, value))
        })
        .collect()
}

fn settings_for(service: Service) -> SigningSettings {
    let mut settings = SigningSettings::default();
    if service == Service::S3 {
        settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
        settings.percent_encoding_mode = PercentEncodingMode::Single;
        settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
    }
    settings
}

/// Lowercase hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Parses `yyyymmddThhmmssZ`.
pub fn parse_amz_date(value: &str) -> Option<SystemTime> {
    let naive = NaiveDateTime::parse_from_str(value, "%Y%m%dT%H%M%SZ").ok()?;
    Some(Utc.from_utc_datetime(&naive).into())
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signed_request(secret: &str, body: &[u8]) -> (HeaderMap, Authorization) {
        let mut headers = HeaderMap::new();
        headers.insert("host", HeaderValue::from_static("127.0.0.1:4566"));
        headers.insert(
            "x-amz-target",
            HeaderValue::from_static("DynamoDB_20120810.GetItem"),
        );
        let out = sign(
            Service::DynamoDb,
            "POST",
            "http://127.0.0.1:4566/",
            &headers,
            body,
            "ASIAEXAMPLE",
            secret,
            Some("token"),
            SystemTime::now(),
        )
        .expect("signs");
        for (n, v) in out {
            headers.insert(n, v);
        }
        let auth = Authorization::parse(headers["authorization"].to_str().expect("ascii"))
            .expect("parses");
        (headers, auth)
    }

    fn check(
        headers: &HeaderMap,
        auth: &Authorization,
        body: &[u8],
        secret: &str,
    ) -> Result<(), SignatureProblem> {
        let received = Received {
            method: "POST",
            path_and_query: "/",
            headers,
            body,
        };
        verify(
            auth,
            &received,
            Service::DynamoDb,
            secret,
            Some("token"),
            SystemTime::now(),
        )
    }

    #[test]
    fn a_request_signed_with_the_secret_verifies() {
        let (headers, auth) = signed_request("secret", b"{}");
        assert_eq!(auth.service(), Some(Service::DynamoDb));
        assert_eq!(check(&headers, &auth, b"{}", "secret"), Ok(()));
    }

    #[test]
    fn a_changed_body_or_wrong_secret_fails() {
        let (headers, auth) = signed_request("secret", b"{}");
        assert_eq!(
            check(&headers, &auth, b"{ }", "secret"),
            Err(SignatureProblem::Mismatch)
        );
        assert_eq!(
            check(&headers, &auth, b"{}", "other"),
            Err(SignatureProblem::Mismatch)
        );
    }

    #[test]
    fn a_changed_signed_header_fails() {
        let (mut headers, auth) = signed_request("secret", b"{}");
        headers.insert(
            "x-amz-target",
            HeaderValue::from_static("DynamoDB_20120810.Scan"),
        );
        assert_eq!(
            check(&headers, &auth, b"{}", "secret"),
            Err(SignatureProblem::Mismatch)
        );
    }

    #[test]
    fn malformed_authorization_headers_do_not_parse() {
        for bad in [
            "",
            "AWS4-HMAC-SHA256",
            "AWS4-HMAC-SHA256 Credential=a/b/c/d/e, SignedHeaders=host, Signature=00",
            "Basic abc",
        ] {
            assert_eq!(Authorization::parse(bad), None, "{bad}");
        }
    }
}
