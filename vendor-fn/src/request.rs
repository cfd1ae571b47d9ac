//! The API Gateway proxy event, parsed once into what the vendor acts on.

use aws_lambda_events::apigw::ApiGatewayProxyRequest;
use aws_lambda_events::http::Method;
use serde_json::Value;
use tenant_registry::{ApiKeyId, Secret};

use crate::{VendError, request_body};

/// The only resource this function serves.
pub const CREDENTIALS_PATH: &str = "/credentials";

/// What the credentials may do: the contract's type, re-exported here
/// because requests are where it is read.
pub use tenant_registry::Scope;

/// A request for credentials, with the tenant identity taken only from the
/// API Gateway request context.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CredentialRequest {
    /// The API key that made the request, from `requestContext.identity.apiKeyId`.
    pub api_key_id: ApiKeyId,
    /// The key value API Gateway validated, from
    /// `requestContext.identity.apiKey`: checked against the registry's
    /// `apiKeySha256`, so an event forged without the key gets nothing.
    pub presented_key: Secret,
    /// `durationSeconds` from a POST body, not yet checked against the tier.
    pub requested_duration: Option<u64>,
    /// Requested scope.
    pub scope: Scope,
}

/// The parts of the event worth logging even when the request is refused.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RequestMeta {
    /// API Gateway's request ID (`requestContext.requestId`).
    pub api_request_id: Option<String>,
}

/// Parses a raw Lambda event.
///
/// Check order: event shape, route, identity, body. The identity is checked
/// before the body so that nothing a caller sends is interpreted before we
/// know which tenant is asking.
///
/// # Errors
/// 400 / 403 / 404 / 405 variants of [`VendError`]; never an AWS call.
pub fn parse_event(event: Value) -> (RequestMeta, Result<CredentialRequest, VendError>) {
    let event: ApiGatewayProxyRequest = match serde_json::from_value(event) {
        Ok(e) => e,
        Err(e) => {
            return (
                RequestMeta::default(),
                Err(VendError::MalformedEvent {
                    line: e.line(),
                    column: e.column(),
                }),
            );
        }
    };
    let meta = RequestMeta {
        api_request_id: event.request_context.request_id.clone(),
    };
    (meta, parse_request(&event))
}

fn parse_request(event: &ApiGatewayProxyRequest) -> Result<CredentialRequest, VendError> {
    // `resource` is the route template API Gateway matched; `path` the raw path.
    let route = event
        .resource
        .as_deref()
        .or(event.path.as_deref())
        .unwrap_or_default();
    if route.trim_end_matches('/') != CREDENTIALS_PATH {
        return Err(VendError::NotFound);
    }
    let is_post = match event.http_method {
        Method::GET => false,
        Method::POST => true,
        _ => return Err(VendError::MethodNotAllowed),
    };

    // Identity comes from `requestContext.identity` only: API Gateway writes
    // it, a caller can't. A caller sets headers, query string and body (see
    // "Input to an API Gateway Lambda authorizer", REQUEST input format:
    // "API callers can set the path parameters, headers, and query string
    // parameters ... API Gateway provides the request context at runtime",
    // https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-lambda-authorizer-input.html).
    // `$context.identity.apiKeyId` is "the API key ID associated with an API
    // request that requires an API key" and `$context.identity.apiKey` the
    // key itself
    // (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-mapping-template-reference.html);
    // with key source AUTHORIZER that key is the `usageIdentifierKey` our
    // key authorizer returned
    // (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-key-source.html,
    // https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-lambda-authorizer-output.html).
    // The `x-api-key` and `Authorization` headers are the caller's words
    // and are never read here.
    let identity = &event.request_context.identity;
    let raw_id = identity
        .api_key_id
        .as_deref()
        .filter(|id| !id.is_empty())
        .ok_or(VendError::MissingApiKeyContext)?;
    let api_key_id = ApiKeyId::parse(raw_id).map_err(VendError::InvalidApiKeyId)?;
    let presented_key = identity
        .api_key
        .as_deref()
        .filter(|value| !value.is_empty())
        .map(Secret::new)
        .ok_or(VendError::MissingApiKeyContext)?;

    let body = if is_post {
        request_body::parse(event.body.as_deref(), event.is_base64_encoded)?
    } else {
        request_body::BodyRequest::default()
    };
    Ok(CredentialRequest {
        api_key_id,
        presented_key,
        requested_duration: body.duration_seconds,
        scope: body.scope,
    })
}
