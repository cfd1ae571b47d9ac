//! IAM (query protocol) for the operator's side: `tenantctl` and the AWS
//! CLI manage roles and their policies through the gateway, as on AWS.
//!
//! Each call is one check, `iam:<Action>`, on the resource its parameters
//! name (the role for `RoleName`, the policy for `PolicyArn`, …, `*` when
//! none), decided for the caller like any other request. Tenant sessions
//! hold no IAM permission, so only the operator's reach moto. A form with a
//! parameter given twice, or an action name that is not one, is refused as
//! unmappable. Allowed calls are forwarded to moto re-encoded from the
//! parameters that were checked.

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, StatusCode};

use crate::account::{ACCOUNT_ID, PARTITION};
use crate::auth::AuthFailure;
use crate::authz::Check;
use crate::moto::relay;
use crate::pipeline::{self, AwsService, Head, HttpResponse, MAX_BODY_BYTES, Refusal, Unmappable};
use crate::sessions::RoleSession;
use crate::sigv4::Service;
use crate::state::State;
use crate::xml::escape;

const NAMESPACE: &str = "https://iam.amazonaws.com/doc/2010-05-08/";

/// The IAM service.
#[derive(Debug, Default)]
pub struct Iam;

/// An IAM error: code, status, message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IamError {
    /// AWS error code.
    pub code: &'static str,
    /// HTTP status.
    pub status: StatusCode,
    /// Message (never secret).
    pub message: String,
}

impl IamError {
    fn new(code: &'static str, status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            code,
            status,
            message: message.into(),
        }
    }

    fn into_response(self, request_id: &str) -> HttpResponse {
        let kind = if self.status.is_server_error() {
            "Receiver"
        } else {
            "Sender"
        };
        let body = format!(
            "<ErrorResponse xmlns=\"{NAMESPACE}\">\n  <Error>\n    <Type>{kind}</Type>\n    <Code>{}</Code>\n    <Message>{}</Message>\n  </Error>\n  <RequestId>{request_id}</RequestId>\n</ErrorResponse>\n",
            self.code,
            escape(&self.message)
        );
        let mut response = http::Response::new(http_body_util::Full::new(Bytes::from(body)));
        *response.status_mut() = self.status;
        response
            .headers_mut()
            .insert("content-type", HeaderValue::from_static("text/xml"));
        if let Ok(id) = HeaderValue::from_str(request_id) {
            response.headers_mut().insert("x-amzn-requestid", id);
        }
        response
    }
}

/// The parameters that name an IAM resource, most specific first, and the
/// ARN each one means.
const RESOURCE_PARAMETERS: [(&str, &str); 5] = [
    ("RoleName", "role/"),
    ("UserName", "user/"),
    ("GroupName", "group/"),
    ("InstanceProfileName", "instance-profile/"),
    ("PolicyArn", ""),
];

/// The IAM check a call makes, or why it can't be mapped.
///
/// # Errors
/// A sentence saying what could not be read with certainty.
pub fn map(params: &[(String, String)]) -> Result<Check, String> {
    if params
        .iter()
        .enumerate()
        .any(|(i, (k, _))| params[..i].iter().any(|(seen, _)| seen == k))
    {
        return Err("a parameter given twice".into());
    }
    let get = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let action = get("Action").ok_or("no Action")?;
    if action.is_empty() || !action.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err("an Action that is not an IAM action name".into());
    }
    let mut resource = "*".to_owned();
    for (param, kind) in RESOURCE_PARAMETERS {
        if let Some(value) = get(param) {
            let safe = !value.is_empty()
                && value
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-/:".contains(&b));
            if !safe {
                return Err(format!("a {param} IAM would not accept"));
            }
            resource = if kind.is_empty() {
                value.to_owned()
            } else {
                format!("arn:{PARTITION}:iam::{ACCOUNT_ID}:{kind}{value}")
            };
            break;
        }
    }
    Ok(Check::new(format!("iam:{action}"), resource))
}

fn auth_error(failure: &AuthFailure) -> IamError {
    let forbidden = StatusCode::FORBIDDEN;
    match failure {
        AuthFailure::Missing => IamError::new(
            "MissingAuthenticationToken",
            forbidden,
            "Request is missing Authentication Token",
        ),
        AuthFailure::Malformed => IamError::new(
            "IncompleteSignature",
            StatusCode::BAD_REQUEST,
            "Authorization header is not a valid AWS4-HMAC-SHA256 header.",
        ),
        AuthFailure::UnknownKey => IamError::new(
            "InvalidClientTokenId",
            forbidden,
            "The security token included in the request is invalid.",
        ),
        AuthFailure::Expired => IamError::new(
            "ExpiredToken",
            StatusCode::BAD_REQUEST,
            "The security token included in the request is expired",
        ),
        AuthFailure::Signature(problem) => {
            IamError::new("SignatureDoesNotMatch", forbidden, problem.to_string())
        }
    }
}

impl AwsService for Iam {
    type Forward = Bytes;
    type Error = IamError;
    const NAME: &'static str = "iam";

    async fn map(
        &self,
        _state: &State,
        caller: &RoleSession,
        head: Head<'_>,
        body: &Bytes,
    ) -> Result<pipeline::Mapped<Bytes>, Refusal<IamError>> {
        let mut params: Vec<(String, String)> = head
            .parts
            .uri
            .query()
            .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
            .unwrap_or_default();
        params.extend(form_urlencoded::parse(body).into_owned());
        let check = map(&params).map_err(|why| Unmappable::new(caller, why))?;
        let mut form = form_urlencoded::Serializer::new(String::new());
        for (k, v) in &params {
            form.append_pair(k, v);
        }
        Ok(pipeline::Mapped::checked(
            vec![check],
            Bytes::from(form.finish()),
        ))
    }

    async fn forward(
        &self,
        state: &State,
        _caller: &RoleSession,
        form: Bytes,
        _head: Head<'_>,
    ) -> Result<HttpResponse, Refusal<IamError>> {
        let mut headers = HeaderMap::new();
        headers.insert(
            "content-type",
            HeaderValue::from_static("application/x-www-form-urlencoded; charset=utf-8"),
        );
        match state
            .moto
            .send(Service::Iam, &Method::POST, "/", &headers, form)
            .await
        {
            Ok(response) => Ok(relay(response)),
            Err(e) => {
                tracing::error!(error = %e, "forwarding to moto");
                Err(Refusal::Internal)
            }
        }
    }

    fn refuse(&self, refusal: Refusal<IamError>, head: Head<'_>) -> HttpResponse {
        let error = match refusal {
            Refusal::Unauthenticated(failure) => auth_error(&failure),
            Refusal::TooLarge => IamError::new(
                "ValidationError",
                StatusCode::BAD_REQUEST,
                format!("Request body exceeds {MAX_BODY_BYTES} bytes"),
            ),
            Refusal::Service(error) => error,
            Refusal::Unmappable(u) => IamError::new(
                "AccessDenied",
                StatusCode::FORBIDDEN,
                format!(
                    "User: {} is not authorized to perform this request: the sandbox can't map it with certainty ({})",
                    u.principal, u.why
                ),
            ),
            Refusal::Denied(denial) => {
                IamError::new("AccessDenied", StatusCode::FORBIDDEN, denial.message())
            }
            Refusal::Internal => IamError::new(
                "ServiceFailure",
                StatusCode::INTERNAL_SERVER_ERROR,
                "An internal error occurred.",
            ),
        };
        error.into_response(head.request_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn a_call_is_its_action_on_the_resource_its_parameters_name() {
        let check = map(&params(&[
            ("Action", "PutRolePolicy"),
            ("RoleName", "TenantRole"),
            ("PolicyName", "tenant-revocations"),
        ]))
        .unwrap();
        assert_eq!(check.action, "iam:PutRolePolicy");
        assert_eq!(check.resource, "arn:aws:iam::123456789012:role/TenantRole");
        let attach = map(&params(&[
            ("Action", "AttachRolePolicy"),
            ("PolicyArn", "arn:aws:iam::aws:policy/AdministratorAccess"),
            ("RoleName", "TenantRole"),
        ]))
        .unwrap();
        assert_eq!(attach.resource, "arn:aws:iam::123456789012:role/TenantRole");
        assert_eq!(
            map(&params(&[("Action", "ListRoles")])).unwrap().resource,
            "*"
        );
    }

    #[test]
    fn what_it_can_not_read_with_certainty_is_unmappable() {
        for bad in [
            params(&[("RoleName", "R")]),
            params(&[("Action", "Put Role")]),
            params(&[("Action", "GetRole"), ("RoleName", "A"), ("RoleName", "B")]),
            params(&[("Action", "GetRole"), ("RoleName", "a*b")]),
            params(&[("Action", "GetRole"), ("RoleName", "")]),
        ] {
            assert!(map(&bad).is_err(), "{bad:?}");
        }
    }
}
