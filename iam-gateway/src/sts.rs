//! STS over the query protocol: AssumeRole and GetCallerIdentity, with XML
//! responses and errors shaped as AWS sends them.
//!
//! Its part of the [`pipeline`](crate::pipeline): AssumeRole maps to
//! `sts:AssumeRole` (plus `sts:TagSession`, `sts:SetSourceIdentity`) on the
//! role, each to be allowed by the role's trust policy and the caller's own
//! policies, after STS's own parameter and role-chaining rules; an allowed
//! request is answered here with a new session (nothing goes to moto).
//! GetCallerIdentity needs no permission.

use std::collections::BTreeMap;

use bytes::Bytes;
use chrono::Duration;
use http::{Response, StatusCode};
use http_body_util::Full;
use iam_eval::{Policy, RequestContext};

use crate::account::{ACCOUNT_ID, PARTITION};
use crate::auth::AuthFailure;
use crate::authz::Check;
use crate::pipeline::{AwsService, Head, HttpResponse, MAX_BODY_BYTES, Mapped, Refusal};
use crate::sessions::{IssuedCredentials, RoleSession};
use crate::state::State;
use crate::xml::escape;

const NAMESPACE: &str = "https://sts.amazonaws.com/doc/2011-06-15/";
/// Role chaining caps a session at one hour.
pub const CHAINED_MAX_SECONDS: i64 = 3600;
const MIN_SECONDS: i64 = 900;
const MAX_SECONDS: i64 = 43_200;
const MAX_TAGS: usize = 50;
const MAX_POLICY_CHARS: usize = 2048;

/// An STS error: code, HTTP status, message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StsError {
    /// AWS error code (`AccessDenied`, `ValidationError`, …).
    pub code: &'static str,
    /// HTTP status.
    pub status: StatusCode,
    /// Message (never secret).
    pub message: String,
}

impl StsError {
    fn new(code: &'static str, status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            code,
            status,
            message: message.into(),
        }
    }

    /// `ValidationError` (400).
    pub fn validation(message: impl Into<String>) -> Self {
        Self::new("ValidationError", StatusCode::BAD_REQUEST, message)
    }

    fn invalid_parameter(message: impl Into<String>) -> Self {
        Self::new("InvalidParameterValue", StatusCode::BAD_REQUEST, message)
    }

    fn access_denied(principal: &str, action: &str, resource: &str) -> Self {
        Self::new(
            "AccessDenied",
            StatusCode::FORBIDDEN,
            format!(
                "User: {principal} is not authorized to perform: {action} on resource: {resource}"
            ),
        )
    }

    /// Renders the `ErrorResponse` XML.
    pub fn into_response(self, request_id: &str) -> Response<Full<Bytes>> {
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
        xml_response(self.status, body, request_id)
    }

    /// `InvalidClientTokenId`: unknown access key or token.
    fn invalid_client_token() -> Self {
        Self::new(
            "InvalidClientTokenId",
            StatusCode::FORBIDDEN,
            "The security token included in the request is invalid.",
        )
    }

    /// `ExpiredToken`.
    fn expired_token() -> Self {
        Self::new(
            "ExpiredToken",
            StatusCode::BAD_REQUEST,
            "The security token included in the request is expired",
        )
    }

    /// `SignatureDoesNotMatch`.
    fn signature(message: String) -> Self {
        Self::new("SignatureDoesNotMatch", StatusCode::FORBIDDEN, message)
    }

    /// `MissingAuthenticationToken`.
    fn missing_authentication() -> Self {
        Self::new(
            "MissingAuthenticationToken",
            StatusCode::FORBIDDEN,
            "Request is missing Authentication Token",
        )
    }

    /// `InternalFailure` (500), without internal detail.
    fn internal() -> Self {
        Self::new(
            "InternalFailure",
            StatusCode::INTERNAL_SERVER_ERROR,
            "An internal error occurred.",
        )
    }
}

fn xml_response(status: StatusCode, body: String, request_id: &str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert("content-type", http::HeaderValue::from_static("text/xml"));
    if let Ok(id) = http::HeaderValue::from_str(request_id) {
        response.headers_mut().insert("x-amzn-requestid", id);
    }
    response
}

/// STS as the gateway serves it: AssumeRole and GetCallerIdentity.
#[derive(Debug, Default, Clone, Copy)]
pub struct Sts;

/// What STS answers once a request is allowed.
#[derive(Debug)]
pub enum Answer {
    /// GetCallerIdentity: who the caller is.
    CallerIdentity,
    /// AssumeRole: a new session of the role.
    Session(Box<NewSession>),
}

/// The session AssumeRole issues once every check is allowed.
#[derive(Debug)]
pub struct NewSession {
    /// The request, syntax-checked.
    pub input: AssumeRoleInput,
    /// Who the new session is: its tags (the caller's transitive ones
    /// included), source identity and session policy.
    pub principal: RoleSession,
}

impl AwsService for Sts {
    type Forward = Answer;
    type Error = StsError;
    const NAME: &'static str = "sts";

    async fn map(
        &self,
        state: &State,
        caller: &RoleSession,
        head: Head<'_>,
        body: &Bytes,
    ) -> Result<Mapped<Answer>, Refusal<StsError>> {
        // The query protocol: parameters in the query string and the form body.
        let mut params: Vec<(String, String)> = head
            .parts
            .uri
            .query()
            .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
            .unwrap_or_default();
        params.extend(form_urlencoded::parse(body).into_owned());
        match param(&params, "Action").unwrap_or_default() {
            // AWS asks no permission for it.
            "GetCallerIdentity" => Ok(Mapped::unchecked(Answer::CallerIdentity)),
            "AssumeRole" => map_assume_role(state, caller, &params)
                .await
                .map_err(Refusal::Service),
            other => Err(Refusal::Service(StsError::new(
                "InvalidAction",
                StatusCode::BAD_REQUEST,
                format!("Could not find operation {other} for version 2011-06-15"),
            ))),
        }
    }

    async fn forward(
        &self,
        state: &State,
        caller: &RoleSession,
        answer: Answer,
        head: Head<'_>,
    ) -> Result<HttpResponse, Refusal<StsError>> {
        Ok(match answer {
            Answer::CallerIdentity => get_caller_identity(caller, head.request_id),
            Answer::Session(session) => issue(state, caller, *session, head.request_id),
        })
    }

    fn refuse(&self, refusal: Refusal<StsError>, head: Head<'_>) -> HttpResponse {
        let error = match refusal {
            Refusal::Unauthenticated(failure) => auth_error(&failure),
            Refusal::TooLarge => {
                StsError::validation(format!("Request body exceeds {MAX_BODY_BYTES} bytes"))
            }
            Refusal::Service(error) => error,
            Refusal::Unmappable(u) => StsError::new(
                "AccessDenied",
                StatusCode::FORBIDDEN,
                format!(
                    "User: {} is not authorized to perform this request: the sandbox can't map it with certainty ({})",
                    u.principal, u.why
                ),
            ),
            Refusal::Denied(denial) => {
                StsError::access_denied(&denial.principal, &denial.action, &denial.resource)
            }
            Refusal::Internal => StsError::internal(),
        };
        error.into_response(head.request_id)
    }
}

/// STS's errors for a request that could not be authenticated.
fn auth_error(failure: &AuthFailure) -> StsError {
    match failure {
        AuthFailure::Missing => StsError::missing_authentication(),
        AuthFailure::Malformed => StsError::signature(
            "Authorization header is not a valid AWS4-HMAC-SHA256 header.".into(),
        ),
        AuthFailure::UnknownKey => StsError::invalid_client_token(),
        AuthFailure::Expired => StsError::expired_token(),
        AuthFailure::Signature(problem) => StsError::signature(problem.to_string()),
    }
}

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn get_caller_identity(principal: &RoleSession, request_id: &str) -> HttpResponse {
    let body = format!(
        "<GetCallerIdentityResponse xmlns=\"{NAMESPACE}\">\n  <GetCallerIdentityResult>\n    <Arn>{}</Arn>\n    <UserId>{}</UserId>\n    <Account>{ACCOUNT_ID}</Account>\n  </GetCallerIdentityResult>\n  <ResponseMetadata>\n    <RequestId>{request_id}</RequestId>\n  </ResponseMetadata>\n</GetCallerIdentityResponse>\n",
        escape(&principal.arn()),
        escape(&principal.user_id()),
    );
    xml_response(StatusCode::OK, body, request_id)
}

/// A parsed, syntax-checked AssumeRole request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssumeRoleInput {
    /// Role ARN.
    pub role_arn: String,
    /// Role name (last path segment of the ARN).
    pub role_name: String,
    /// RoleSessionName.
    pub session_name: String,
    /// DurationSeconds (default 3600).
    pub duration_seconds: i64,
    /// Session tags in request order.
    pub tags: Vec<(String, String)>,
    /// TransitiveTagKeys.
    pub transitive_tag_keys: Vec<String>,
    /// SourceIdentity.
    pub source_identity: Option<String>,
    /// Session policy text.
    pub policy: Option<String>,
    /// ExternalId.
    pub external_id: Option<String>,
}

/// Checks parameter syntax the way STS does.
///
/// # Errors
/// `ValidationError`, `InvalidParameterValue` or `MalformedPolicyDocument`.
pub fn parse_assume_role(params: &[(String, String)]) -> Result<AssumeRoleInput, StsError> {
    for (key, value) in params {
        // The query protocol sends an empty list as `Tags=`.
        let empty_list =
            value.is_empty() && matches!(key.as_str(), "Tags" | "TransitiveTagKeys" | "PolicyArns");
        let supported = empty_list
            || matches!(
                key.as_str(),
                "Action"
                    | "Version"
                    | "RoleArn"
                    | "RoleSessionName"
                    | "DurationSeconds"
                    | "SourceIdentity"
                    | "Policy"
                    | "ExternalId"
            )
            || key.starts_with("Tags.member.")
            || key.starts_with("TransitiveTagKeys.member.");
        if !supported {
            // PolicyArns, SerialNumber/TokenCode, ProvidedContexts: not modelled,
            // so refused rather than ignored.
            return Err(StsError::validation(format!(
                "The sandbox does not support the parameter {key}"
            )));
        }
    }
    let role_arn = param(params, "RoleArn")
        .ok_or_else(|| StsError::validation("1 validation error detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null"))?
        .to_owned();
    let role_name = role_arn
        .strip_prefix(&format!("arn:{PARTITION}:iam::{ACCOUNT_ID}:role/"))
        .and_then(|path| path.rsplit('/').next())
        .filter(|n| !n.is_empty())
        .ok_or_else(|| StsError::validation(format!("{role_arn} is invalid")))?
        .to_owned();
    let session_name = param(params, "RoleSessionName")
        .ok_or_else(|| StsError::validation("1 validation error detected: Value null at 'roleSessionName' failed to satisfy constraint: Member must not be null"))?
        .to_owned();
    check_name(&session_name, "roleSessionName")?;
    let duration_seconds = match param(params, "DurationSeconds") {
        None => 3600,
        Some(text) => text.parse::<i64>().map_err(|_| {
            StsError::validation(format!(
                "Value '{text}' at 'durationSeconds' is not a number"
            ))
        })?,
    };
    if duration_seconds < MIN_SECONDS {
        return Err(StsError::validation(format!(
            "1 validation error detected: Value '{duration_seconds}' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to {MIN_SECONDS}"
        )));
    }
    if duration_seconds > MAX_SECONDS {
        return Err(StsError::validation(format!(
            "1 validation error detected: Value '{duration_seconds}' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to {MAX_SECONDS}"
        )));
    }
    let tags = indexed_tags(params)?;
    let transitive_tag_keys = indexed_members(params, "TransitiveTagKeys.member.");
    for key in &transitive_tag_keys {
        if !tags.iter().any(|(k, _)| k.eq_ignore_ascii_case(key)) {
            return Err(StsError::invalid_parameter(
                "The specified transitive tag key must be included in the requested tags.",
            ));
        }
    }
    let source_identity = param(params, "SourceIdentity").map(str::to_owned);
    if let Some(source) = &source_identity {
        check_name(source, "sourceIdentity")?;
        if source.to_ascii_lowercase().starts_with("aws:") {
            return Err(StsError::invalid_parameter(
                "SourceIdentity can't start with aws:",
            ));
        }
    }
    let policy = param(params, "Policy").map(str::to_owned);
    if let Some(policy) = &policy {
        if policy.chars().count() > MAX_POLICY_CHARS {
            return Err(StsError::validation(format!(
                "1 validation error detected: Value at 'policy' failed to satisfy constraint: Member must have length less than or equal to {MAX_POLICY_CHARS}"
            )));
        }
        Policy::parse("session policy", policy).map_err(|_| {
            StsError::new(
                "MalformedPolicyDocument",
                StatusCode::BAD_REQUEST,
                "The policy is not in the valid JSON format.",
            )
        })?;
    }
    Ok(AssumeRoleInput {
        role_arn,
        role_name,
        session_name,
        duration_seconds,
        tags,
        transitive_tag_keys,
        source_identity,
        policy,
        external_id: param(params, "ExternalId").map(str::to_owned),
    })
}

/// RoleSessionName and SourceIdentity: 2 to 64 of `[\w+=,.@-]`.
fn check_name(value: &str, field: &str) -> Result<(), StsError> {
    let length_ok = (2..=64).contains(&value.chars().count());
    let chars_ok = value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c));
    if length_ok && chars_ok {
        Ok(())
    } else {
        Err(StsError::validation(format!(
            "1 validation error detected: Value '{value}' at '{field}' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]* and have length between 2 and 64"
        )))
    }
}

fn tag_char_ok(c: char) -> bool {
    c.is_alphanumeric() || c.is_whitespace() || "_.:/=+-@".contains(c)
}

fn indexed_members(params: &[(String, String)], prefix: &str) -> Vec<String> {
    let mut members: BTreeMap<u32, String> = BTreeMap::new();
    for (key, value) in params {
        if let Some(index) = key.strip_prefix(prefix).and_then(|i| i.parse().ok()) {
            members.insert(index, value.clone());
        }
    }
    members.into_values().collect()
}

fn indexed_tags(params: &[(String, String)]) -> Result<Vec<(String, String)>, StsError> {
    let mut by_index: BTreeMap<u32, (Option<String>, Option<String>)> = BTreeMap::new();
    for (key, value) in params {
        let Some(rest) = key.strip_prefix("Tags.member.") else {
            continue;
        };
        let (index, field) = rest
            .split_once('.')
            .ok_or_else(|| StsError::validation(format!("Malformed tag parameter {key}")))?;
        let index: u32 = index
            .parse()
            .map_err(|_| StsError::validation(format!("Malformed tag parameter {key}")))?;
        let entry = by_index.entry(index).or_default();
        match field {
            "Key" => entry.0 = Some(value.clone()),
            "Value" => entry.1 = Some(value.clone()),
            _ => {
                return Err(StsError::validation(format!(
                    "Malformed tag parameter {key}"
                )));
            }
        }
    }
    if by_index.len() > MAX_TAGS {
        return Err(StsError::validation(format!(
            "1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to {MAX_TAGS}"
        )));
    }
    let mut tags: Vec<(String, String)> = Vec::new();
    for (position, (_, (key, value))) in by_index.into_iter().enumerate() {
        let n = position + 1;
        let key = key.ok_or_else(|| {
            StsError::validation(format!("1 validation error detected: Value null at 'tags.{n}.member.key' failed to satisfy constraint: Member must not be null"))
        })?;
        let value = value.ok_or_else(|| {
            StsError::validation(format!("1 validation error detected: Value null at 'tags.{n}.member.value' failed to satisfy constraint: Member must not be null"))
        })?;
        if key.is_empty() || key.chars().count() > 128 || !key.chars().all(tag_char_ok) {
            return Err(StsError::validation(format!(
                "1 validation error detected: Value '{key}' at 'tags.{n}.member.key' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{{L}}\\p{{Z}}\\p{{N}}_.:/=+\\-@]+ and have length between 1 and 128"
            )));
        }
        if value.chars().count() > 256 || !value.chars().all(tag_char_ok) {
            return Err(StsError::validation(format!(
                "1 validation error detected: Value '{value}' at 'tags.{n}.member.value' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{{L}}\\p{{Z}}\\p{{N}}_.:/=+\\-@]* and have length less than or equal to 256"
            )));
        }
        if key.to_ascii_lowercase().starts_with("aws:") {
            return Err(StsError::invalid_parameter(
                "Tag keys can't start with aws:",
            ));
        }
        if tags.iter().any(|(k, _)| k.eq_ignore_ascii_case(&key)) {
            return Err(StsError::invalid_parameter(
                "Duplicate tag keys found. Please note that Tag keys are case insensitive.",
            ));
        }
        tags.push((key, value));
    }
    Ok(tags)
}

/// AssumeRole's checks, as AWS makes them: `sts:AssumeRole`, plus
/// `sts:TagSession` with tags and `sts:SetSourceIdentity` with a source
/// identity, each to be allowed by the role's trust policy and by the
/// caller's own policies; and the session it will issue.
async fn map_assume_role(
    state: &State,
    caller: &RoleSession,
    params: &[(String, String)],
) -> Result<Mapped<Answer>, StsError> {
    let input = parse_assume_role(params)?;
    let caller_arn = caller.arn();
    // Every gateway principal is a role session, so this is role chaining.
    if input.duration_seconds > CHAINED_MAX_SECONDS {
        return Err(StsError::validation(
            "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
        ));
    }
    let denied = || StsError::access_denied(&caller_arn, "sts:AssumeRole", &input.role_arn);
    let role = state
        .roles
        .role(&input.role_name)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "reading the role from moto");
            StsError::internal()
        })?
        .filter(|r| r.arn == input.role_arn)
        .ok_or_else(denied)?;
    if input.duration_seconds > i64::from(role.max_session_duration) {
        return Err(StsError::validation(
            "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
        ));
    }

    // Transitive tags of the caller carry into the new session.
    let mut tags = input.tags.clone();
    for key in &caller.transitive_tag_keys {
        if let Some(value) = caller.tags.get(key) {
            if tags.iter().any(|(k, _)| k.eq_ignore_ascii_case(key)) {
                return Err(StsError::invalid_parameter(
                    "One or more of the specified transitive tag keys can't be set because it conflicts with a transitive tag key from the calling session.",
                ));
            }
            tags.push((key.clone(), value.clone()));
        }
    }
    // A source identity, once set, stays for the whole chain.
    let source_identity = match (&caller.source_identity, &input.source_identity) {
        (Some(old), Some(new)) if old != new => return Err(denied()),
        (Some(old), _) => Some(old.clone()),
        (None, new) => new.clone(),
    };

    let context = trust_context(&input, &tags, source_identity.as_deref());
    let mut actions = vec!["sts:AssumeRole"];
    if !tags.is_empty() {
        actions.push("sts:TagSession");
    }
    if source_identity.is_some() {
        actions.push("sts:SetSourceIdentity");
    }
    let checks = actions
        .into_iter()
        .map(|action| {
            Check::new(action, &input.role_arn)
                .with_context(context.clone())
                .with_resource_policy(role.trust.clone())
        })
        .collect();

    let session_policy = input
        .policy
        .as_deref()
        .map(|text| Policy::parse("session policy", text))
        .transpose()
        .map_err(|_| {
            StsError::new(
                "MalformedPolicyDocument",
                StatusCode::BAD_REQUEST,
                "The policy is not in the valid JSON format.",
            )
        })?;
    let principal = RoleSession {
        role_name: input.role_name.clone(),
        role_arn: input.role_arn.clone(),
        role_id: role.role_id.clone(),
        session_name: input.session_name.clone(),
        tags: tags.into_iter().collect(),
        transitive_tag_keys: input.transitive_tag_keys.clone(),
        source_identity,
        session_policy,
        token_issue_time: None,
        source_function_arn: None,
    };
    Ok(Mapped::checked(
        checks,
        Answer::Session(Box::new(NewSession { input, principal })),
    ))
}

/// Issues the allowed session and answers AssumeRole with its credentials.
fn issue(
    state: &State,
    caller: &RoleSession,
    session: NewSession,
    request_id: &str,
) -> HttpResponse {
    let NewSession { input, principal } = session;
    let expiration = state.clock.now() + Duration::seconds(input.duration_seconds);
    let arn = principal.arn();
    let user_id = principal.user_id();
    let source_identity = principal.source_identity.clone();
    let credentials = state
        .sessions
        .issue(principal, state.clock.now(), Some(expiration));
    tracing::info!(caller = %caller.arn(), session = %arn, access_key_id = %credentials.access_key_id, "assumed role");
    xml_response(
        StatusCode::OK,
        assume_role_xml(
            &credentials,
            &arn,
            &user_id,
            source_identity.as_deref(),
            &input,
            request_id,
        ),
        request_id,
    )
}

/// The condition keys of an AssumeRole request (the caller's principal keys
/// are added when it is decided).
fn trust_context(
    input: &AssumeRoleInput,
    tags: &[(String, String)],
    source_identity: Option<&str>,
) -> RequestContext {
    let mut context = RequestContext::new();
    for (key, value) in tags {
        context.set(&format!("aws:RequestTag/{key}"), value.clone());
    }
    if !tags.is_empty() {
        context.set_multi("aws:TagKeys", tags.iter().map(|(k, _)| k.clone()));
    }
    if !input.transitive_tag_keys.is_empty() {
        context.set_multi(
            "sts:TransitiveTagKeys",
            input.transitive_tag_keys.iter().cloned(),
        );
    }
    if let Some(source) = source_identity {
        context.set("sts:SourceIdentity", source);
    }
    context.set("sts:RoleSessionName", input.session_name.clone());
    if let Some(external) = &input.external_id {
        context.set("sts:ExternalId", external.clone());
    }
    context
}

fn assume_role_xml(
    credentials: &IssuedCredentials,
    arn: &str,
    user_id: &str,
    source_identity: Option<&str>,
    input: &AssumeRoleInput,
    request_id: &str,
) -> String {
    let expiration = credentials
        .expiration
        .map(|e| e.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default();
    let source = source_identity
        .map(|s| format!("    <SourceIdentity>{}</SourceIdentity>\n", escape(s)))
        .unwrap_or_default();
    // PackedPolicySize is a percentage of the allowed packed size; present
    // when tags or a session policy were passed.
    let packed = if input.tags.is_empty() && input.policy.is_none() {
        String::new()
    } else {
        let size = input
            .tags
            .iter()
            .map(|(k, v)| k.len() + v.len())
            .sum::<usize>()
            + input.policy.as_ref().map_or(0, String::len);
        format!(
            "    <PackedPolicySize>{}</PackedPolicySize>\n",
            (size * 100 / 2048).max(1)
        )
    };
    format!(
        "<AssumeRoleResponse xmlns=\"{NAMESPACE}\">\n  <AssumeRoleResult>\n{source}    <AssumedRoleUser>\n      <AssumedRoleId>{}</AssumedRoleId>\n      <Arn>{}</Arn>\n    </AssumedRoleUser>\n    <Credentials>\n      <AccessKeyId>{}</AccessKeyId>\n      <SecretAccessKey>{}</SecretAccessKey>\n      <SessionToken>{}</SessionToken>\n      <Expiration>{expiration}</Expiration>\n    </Credentials>\n{packed}  </AssumeRoleResult>\n  <ResponseMetadata>\n    <RequestId>{request_id}</RequestId>\n  </ResponseMetadata>\n</AssumeRoleResponse>\n",
        escape(user_id),
        escape(arn),
        escape(&credentials.access_key_id),
        escape(credentials.secret_access_key.expose()),
        escape(credentials.session_token.expose()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        let mut all = vec![
            ("Action".to_owned(), "AssumeRole".to_owned()),
            (
                "RoleArn".to_owned(),
                "arn:aws:iam::123456789012:role/TenantRole".to_owned(),
            ),
            ("RoleSessionName".to_owned(), "k1abc".to_owned()),
        ];
        all.extend(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        );
        all
    }

    #[test]
    fn parses_tags_in_index_order_and_the_source_identity() {
        let input = parse_assume_role(&params(&[
            ("Tags.member.2.Key", "b"),
            ("Tags.member.2.Value", "2"),
            ("Tags.member.1.Key", "api-key-id"),
            ("Tags.member.1.Value", "k1abc"),
            ("SourceIdentity", "k1abc"),
            ("DurationSeconds", "900"),
        ]))
        .expect("valid");
        assert_eq!(input.role_name, "TenantRole");
        assert_eq!(input.tags[0], ("api-key-id".to_owned(), "k1abc".to_owned()));
        assert_eq!(input.tags.len(), 2);
        assert_eq!(input.duration_seconds, 900);
    }

    #[test]
    fn refuses_bad_syntax_as_sts_does() {
        let code =
            |extra: &[(&str, &str)]| parse_assume_role(&params(extra)).expect_err("invalid").code;
        assert_eq!(code(&[("DurationSeconds", "899")]), "ValidationError");
        assert_eq!(code(&[("DurationSeconds", "43201")]), "ValidationError");
        assert_eq!(code(&[("SourceIdentity", "a")]), "ValidationError");
        assert_eq!(code(&[("SourceIdentity", "k1 abc")]), "ValidationError");
        assert_eq!(
            code(&[
                ("Tags.member.1.Key", "bad*key"),
                ("Tags.member.1.Value", "v")
            ]),
            "ValidationError"
        );
        assert_eq!(code(&[("Tags.member.1.Key", "k")]), "ValidationError");
        assert_eq!(
            code(&[
                ("Tags.member.1.Key", "K"),
                ("Tags.member.1.Value", "1"),
                ("Tags.member.2.Key", "k"),
                ("Tags.member.2.Value", "2")
            ]),
            "InvalidParameterValue"
        );
        assert_eq!(
            code(&[("TransitiveTagKeys.member.1", "x")]),
            "InvalidParameterValue"
        );
        assert_eq!(code(&[("Policy", "{not json")]), "MalformedPolicyDocument");
        assert_eq!(
            code(&[("PolicyArns.member.1.arn", "arn:aws:iam::aws:policy/x")]),
            "ValidationError"
        );
    }

    #[test]
    fn a_session_name_must_be_two_to_sixty_four_safe_characters() {
        let mut p = params(&[]);
        p[2].1 = "x".repeat(65);
        assert_eq!(
            parse_assume_role(&p).expect_err("too long").code,
            "ValidationError"
        );
    }
}
