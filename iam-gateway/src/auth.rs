//! Authentication: who signed a request. The SigV4 signature is recomputed
//! with the session's secret ([`crate::sigv4`]); the access key, session
//! token and expiry are checked against the issued sessions.

use std::sync::Arc;
use std::time::SystemTime;

use http::HeaderMap;

use crate::sessions::{Lookup, Session};
use crate::sigv4::{self, Authorization, Received, Service, SignatureProblem};
use crate::state::State;

/// Why a request could not be authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthFailure {
    /// No `Authorization` header.
    Missing,
    /// An `Authorization` header that is not SigV4.
    Malformed,
    /// Unknown access key, or a token that is not the key's.
    UnknownKey,
    /// The session has expired.
    Expired,
    /// The signature does not verify.
    Signature(SignatureProblem),
}

/// The request's SigV4 `Authorization` header, parsed.
///
/// # Errors
/// [`AuthFailure::Missing`] without one (or one that is not text),
/// [`AuthFailure::Malformed`] when it is not SigV4.
pub fn authorization(headers: &HeaderMap) -> Result<Authorization, AuthFailure> {
    let header = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .ok_or(AuthFailure::Missing)?;
    Authorization::parse(header).ok_or(AuthFailure::Malformed)
}

/// The session that signed a request for `service`: the key and its token
/// are known and unexpired, and the signature verifies over the request.
///
/// # Errors
/// The [`AuthFailure`] that refuses the request.
pub fn authenticate(
    state: &State,
    auth: &Authorization,
    service: Service,
    parts: &http::request::Parts,
    body: &[u8],
) -> Result<Arc<Session>, AuthFailure> {
    let token = parts
        .headers
        .get("x-amz-security-token")
        .and_then(|v| v.to_str().ok());
    let session = state
        .sessions
        .find(&auth.access_key_id, token, state.clock.now())
        .map_err(|e| match e {
            Lookup::Unknown => AuthFailure::UnknownKey,
            Lookup::Expired => AuthFailure::Expired,
        })?;
    let received = Received {
        method: parts.method.as_str(),
        path_and_query: parts.uri.path_and_query().map_or("/", |p| p.as_str()),
        headers: &parts.headers,
        body,
    };
    sigv4::verify(
        auth,
        &received,
        service,
        session.secret_access_key.expose(),
        Some(session.session_token.expose()),
        SystemTime::now(),
    )
    .map_err(AuthFailure::Signature)?;
    Ok(session)
}
