//! One request pipeline for every service: authenticate, map to IAM checks,
//! decide, forward or refuse.
//!
//! [`run`] takes each request through the same steps, in this order:
//!
//! 1. read the body, at most [`MAX_BODY_BYTES`];
//! 2. authenticate it ([`auth`]): the session that signed it;
//! 3. map it ([`AwsService::map`]): the IAM checks AWS would make for it and
//!    what to forward once they are allowed;
//! 4. decide every check ([`authz::decide`]);
//! 5. forward it ([`AwsService::forward`]: to moto, or STS answers itself).
//!
//! A step that refuses ends the request with a [`Refusal`], which the
//! service puts in its own wire shape ([`AwsService::refuse`]). So a service
//! (STS, DynamoDB, S3) supplies only its mapping and its error format.
//!
//! The invariant: a request the mapper can't fully understand is refused,
//! never forwarded. A mapper says so with [`Refusal::Unmappable`], and a
//! mapping without checks is refused as unmappable too, unless the mapper
//! names the request as one that needs no permission ([`Mapped::unchecked`],
//! for GetCallerIdentity).

use std::future::Future;

use bytes::Bytes;
use http::request::Parts;
use http::{Method, Request, Response};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Body;

use crate::auth::{self, AuthFailure};
use crate::authz::{self, Check, Denial};
use crate::sessions::RoleSession;
use crate::sigv4::{Authorization, Service};
use crate::state::State;

/// The largest request body the gateway reads (DynamoDB's own limit is 16 MB).
pub const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

/// What every step answers with.
pub type HttpResponse = Response<Full<Bytes>>;

/// The request being served, as the steps and the error formats see it.
#[derive(Debug, Clone, Copy)]
pub struct Head<'a> {
    /// Method, URI and headers as received.
    pub parts: &'a Parts,
    /// The gateway's ID for this request (in every error it answers with).
    pub request_id: &'a str,
}

impl Head<'_> {
    /// A HEAD request, whose errors carry no body.
    pub fn is_head(self) -> bool {
        self.parts.method == Method::HEAD
    }
}

/// What a mapper made of a request it understands: the checks to decide and
/// what to forward once they are all allowed.
#[derive(Debug)]
pub struct Mapped<F> {
    checks: Option<Vec<Check>>,
    forward: F,
}

impl<F> Mapped<F> {
    /// Forwarded only if every check is allowed.
    pub fn checked(checks: Vec<Check>, forward: F) -> Self {
        Self {
            checks: Some(checks),
            forward,
        }
    }

    /// A request AWS lets every authenticated caller make
    /// (GetCallerIdentity): nothing to decide.
    pub fn unchecked(forward: F) -> Self {
        Self {
            checks: None,
            forward,
        }
    }
}

/// A request the gateway can't map with certainty, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unmappable {
    /// The caller's ARN.
    pub principal: String,
    /// The action, when the request names one (`dynamodb:Query`).
    pub action: Option<String>,
    /// The resource, when the request names one.
    pub resource: Option<String>,
    /// What could not be read with certainty (it goes into the message).
    pub why: String,
}

impl Unmappable {
    /// `caller`'s request, unmappable because of `why`.
    pub fn new(caller: &RoleSession, why: impl Into<String>) -> Self {
        Self {
            principal: caller.arn(),
            action: None,
            resource: None,
            why: why.into(),
        }
    }
}

/// Why a request is not forwarded: each one a service words its own way.
#[derive(Debug)]
pub enum Refusal<E> {
    /// Not authenticated.
    Unauthenticated(AuthFailure),
    /// A body over [`MAX_BODY_BYTES`].
    TooLarge,
    /// The service's own error, as AWS gives it before any authorization:
    /// an unknown operation, a body that does not parse, invalid
    /// parameters, STS's rules for roles and sessions.
    Service(E),
    /// The mapper can't fully understand it: the service's AccessDenied.
    Unmappable(Unmappable),
    /// A check was not allowed: the service's AccessDenied.
    Denied(Denial),
    /// The gateway failed (moto unreachable, a role it can't read). Logged
    /// where it happens; the answer says nothing internal.
    Internal,
}

impl<E> From<Unmappable> for Refusal<E> {
    fn from(unmappable: Unmappable) -> Self {
        Self::Unmappable(unmappable)
    }
}

/// An AWS service as the gateway serves it: its mapping and its error
/// format. The steps around them are [`run`]'s.
pub trait AwsService: Sync {
    /// What an allowed request carries on to [`AwsService::forward`].
    type Forward: Send;
    /// The service's own errors ([`Refusal::Service`]).
    type Error: Send;

    /// The service's name in logs.
    const NAME: &'static str;

    /// Maps an authenticated request from `caller` to the IAM checks AWS
    /// would make for it and what to forward, or refuses it.
    fn map(
        &self,
        state: &State,
        caller: &RoleSession,
        head: Head<'_>,
        body: &Bytes,
    ) -> impl Future<Output = Result<Mapped<Self::Forward>, Refusal<Self::Error>>> + Send;

    /// Carries out an allowed request: forwards it to moto (or, for STS,
    /// answers it).
    fn forward(
        &self,
        state: &State,
        caller: &RoleSession,
        forward: Self::Forward,
        head: Head<'_>,
    ) -> impl Future<Output = Result<HttpResponse, Refusal<Self::Error>>> + Send;

    /// The refusal in the service's wire shape.
    fn refuse(&self, refusal: Refusal<Self::Error>, head: Head<'_>) -> HttpResponse;
}

/// Serves one request with `service`, for which it was signed
/// (`signed_for`; `authorization` is its parsed `Authorization` header).
pub async fn run<S, B>(
    state: &State,
    service: &S,
    signed_for: Service,
    authorization: Result<Authorization, AuthFailure>,
    request: Request<B>,
    request_id: &str,
) -> HttpResponse
where
    S: AwsService,
    B: Body<Data = Bytes> + Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let (parts, body) = request.into_parts();
    let head = Head {
        parts: &parts,
        request_id,
    };
    match steps(state, service, signed_for, authorization, head, body).await {
        Ok(response) => response,
        Err(refusal) => service.refuse(refusal, head),
    }
}

async fn steps<S, B>(
    state: &State,
    service: &S,
    signed_for: Service,
    authorization: Result<Authorization, AuthFailure>,
    head: Head<'_>,
    body: B,
) -> Result<HttpResponse, Refusal<S::Error>>
where
    S: AwsService,
    B: Body<Data = Bytes> + Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let body = Limited::new(body, MAX_BODY_BYTES)
        .collect()
        .await
        .map_err(|_| Refusal::TooLarge)?
        .to_bytes();

    let session = authorization
        .and_then(|a| auth::authenticate(state, &a, signed_for, head.parts, &body))
        .map_err(|failure| {
            tracing::info!(
                ?failure,
                service = signed_for.signing_name(),
                "request not authenticated"
            );
            Refusal::Unauthenticated(failure)
        })?;
    let caller = &session.principal;

    let mapped = service
        .map(state, caller, head, &body)
        .await
        .inspect_err(|refusal| {
            if let Refusal::Unmappable(u) = refusal {
                log_unmappable::<S>(u, head);
            }
        })?;

    if let Some(checks) = &mapped.checks {
        if checks.is_empty() {
            let u = Unmappable::new(caller, "no IAM check for this request");
            log_unmappable::<S>(&u, head);
            return Err(u.into());
        }
        match authz::decide(&state.roles, caller, checks).await {
            Ok(Ok(())) => {}
            Ok(Err(denial)) => {
                tracing::info!(
                    service = S::NAME,
                    caller = %denial.principal,
                    action = %denial.action,
                    resource = %denial.resource,
                    reason = %denial.reason,
                    "request denied"
                );
                return Err(Refusal::Denied(denial));
            }
            Err(e) => {
                tracing::error!(service = S::NAME, error = %e, "deciding a request");
                return Err(Refusal::Internal);
            }
        }
    }

    service.forward(state, caller, mapped.forward, head).await
}

fn log_unmappable<S: AwsService>(u: &Unmappable, head: Head<'_>) {
    tracing::info!(
        service = S::NAME,
        caller = %u.principal,
        method = %head.parts.method,
        action = u.action.as_deref().unwrap_or("-"),
        why = %u.why,
        "request refused: not mappable"
    );
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::sync::Mutex;
    use std::time::SystemTime;

    use http::{HeaderMap, HeaderValue, StatusCode};

    use super::*;
    use crate::bootstrap::Deployment;
    use crate::moto::MotoClient;
    use crate::sessions::IssuedCredentials;
    use crate::sigv4;

    /// A service whose mapper says what it is told, and which records what
    /// reached `forward` and `refuse`.
    struct Probe {
        mapping: fn(&RoleSession) -> Result<Mapped<()>, Refusal<()>>,
        seen: Mutex<Vec<&'static str>>,
    }

    impl AwsService for Probe {
        type Forward = ();
        type Error = ();
        const NAME: &'static str = "probe";

        async fn map(
            &self,
            _state: &State,
            caller: &RoleSession,
            _head: Head<'_>,
            _body: &Bytes,
        ) -> Result<Mapped<()>, Refusal<()>> {
            self.seen.lock().unwrap().push("map");
            (self.mapping)(caller)
        }

        async fn forward(
            &self,
            _state: &State,
            _caller: &RoleSession,
            (): (),
            _head: Head<'_>,
        ) -> Result<HttpResponse, Refusal<()>> {
            self.seen.lock().unwrap().push("forward");
            Ok(Response::new(Full::new(Bytes::from_static(b"forwarded"))))
        }

        fn refuse(&self, refusal: Refusal<()>, _head: Head<'_>) -> HttpResponse {
            self.seen.lock().unwrap().push(match refusal {
                Refusal::Unauthenticated(_) => "unauthenticated",
                Refusal::TooLarge => "too large",
                Refusal::Service(()) => "service",
                Refusal::Unmappable(_) => "unmappable",
                Refusal::Denied(_) => "denied",
                Refusal::Internal => "internal",
            });
            let mut response = Response::new(Full::new(Bytes::new()));
            *response.status_mut() = StatusCode::FORBIDDEN;
            response
        }
    }

    fn state() -> (State, IssuedCredentials) {
        // moto is never reached on these paths: nothing listens there.
        let state = State::new(
            MotoClient::new(([127, 0, 0, 1], 9).into()),
            Deployment::default(),
        );
        let caller = RoleSession {
            role_name: "TenantRole".into(),
            role_arn: "arn:aws:iam::123456789012:role/TenantRole".into(),
            role_id: "AROAEXAMPLE".into(),
            session_name: "k1".into(),
            tags: BTreeMap::new(),
            transitive_tag_keys: Vec::new(),
            source_identity: None,
            session_policy: None,
            token_issue_time: None,
            source_function_arn: None,
        };
        let credentials = state.sessions.issue(caller, state.clock.now(), None);
        (state, credentials)
    }

    fn signed(credentials: Option<&IssuedCredentials>) -> Request<Full<Bytes>> {
        let body = b"Action=Probe";
        let mut headers = HeaderMap::new();
        headers.insert("host", HeaderValue::from_static("127.0.0.1:1"));
        if let Some(c) = credentials {
            let signed = sigv4::sign(
                Service::Sts,
                "POST",
                "http://127.0.0.1:1/",
                &headers,
                body,
                &c.access_key_id,
                c.secret_access_key.expose(),
                Some(c.session_token.expose()),
                SystemTime::now(),
            )
            .expect("signs");
            for (name, value) in signed {
                headers.insert(name, value);
            }
        }
        let mut request = Request::new(Full::new(Bytes::from_static(body)));
        *request.method_mut() = Method::POST;
        *request.headers_mut() = headers;
        request
    }

    async fn serve(
        mapping: fn(&RoleSession) -> Result<Mapped<()>, Refusal<()>>,
        signed_by_caller: bool,
    ) -> Vec<&'static str> {
        let (state, credentials) = state();
        let probe = Probe {
            mapping,
            seen: Mutex::new(Vec::new()),
        };
        let request = signed(signed_by_caller.then_some(&credentials));
        let authorization = auth::authorization(request.headers());
        run(
            &state,
            &probe,
            Service::Sts,
            authorization,
            request,
            "req-1",
        )
        .await;
        probe.seen.into_inner().unwrap()
    }

    #[tokio::test]
    async fn an_unmappable_request_is_refused_and_never_forwarded() {
        let seen = serve(
            |caller| Err(Unmappable::new(caller, "a shape it can't read").into()),
            true,
        )
        .await;
        assert_eq!(seen, ["map", "unmappable"]);
    }

    #[tokio::test]
    async fn a_mapping_without_checks_is_refused_as_unmappable() {
        let seen = serve(|_| Ok(Mapped::checked(Vec::new(), ())), true).await;
        assert_eq!(seen, ["map", "unmappable"]);
    }

    #[tokio::test]
    async fn only_a_request_named_as_needing_no_permission_skips_the_decision() {
        let seen = serve(|_| Ok(Mapped::unchecked(())), true).await;
        assert_eq!(seen, ["map", "forward"]);
    }

    #[tokio::test]
    async fn an_unauthenticated_request_is_never_mapped() {
        let seen = serve(|_| Ok(Mapped::unchecked(())), false).await;
        assert_eq!(seen, ["unauthenticated"]);
    }

    #[tokio::test]
    async fn the_services_own_errors_are_its_to_word() {
        let seen = serve(|_| Err(Refusal::Service(())), true).await;
        assert_eq!(seen, ["map", "service"]);
    }
}
