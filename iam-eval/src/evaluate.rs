//! Deciding a request: explicit deny over allow over implicit deny.

use serde::Serialize;

use crate::condition::{arn_like, arn_parts, pattern_parts};
use crate::context::RequestContext;
use crate::pattern::{Pattern, glob_match};
use crate::policy::{Effect, Matcher, Policy, PrincipalEntry, Statement};
use crate::variables::{Reading, resolve};

/// A request to decide.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Request {
    /// `service:Action`, e.g. `dynamodb:GetItem`.
    pub action: String,
    /// The resource ARN (the role ARN for trust policies).
    pub resource: String,
    /// The calling principal's ARN, for trust (resource) policies.
    pub principal: Option<String>,
    /// Condition keys.
    pub context: RequestContext,
}

impl Request {
    /// A request without principal or context.
    pub fn new(action: impl Into<String>, resource: impl Into<String>) -> Self {
        Self {
            action: action.into(),
            resource: resource.into(),
            ..Self::default()
        }
    }

    /// Sets the calling principal.
    #[must_use]
    pub fn with_principal(mut self, principal: impl Into<String>) -> Self {
        self.principal = Some(principal.into());
        self
    }

    /// Sets the context.
    #[must_use]
    pub fn with_context(mut self, context: RequestContext) -> Self {
        self.context = context;
        self
    }
}

/// The outcome, named as AWS's policy simulator names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Decision {
    /// Some statement allows and nothing denies.
    Allowed,
    /// Nothing allows (in every policy layer that must allow).
    ImplicitDeny,
    /// Some statement denies.
    ExplicitDeny,
}

impl Decision {
    /// The name used in output: `allowed`, `implicitDeny`, `explicitDeny`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Allowed => "allowed",
            Self::ImplicitDeny => "implicitDeny",
            Self::ExplicitDeny => "explicitDeny",
        }
    }
}

/// A statement that took part in a decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatementRef {
    /// The policy's name.
    pub policy: String,
    /// The statement's `Sid` (or `#index`).
    pub sid: String,
    /// Its effect.
    pub effect: Effect,
}

/// A decision and the statements behind it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evaluation {
    /// The decision.
    pub decision: Decision,
    /// Denying statements for an explicit deny, allowing ones for an allow.
    pub deciding: Vec<StatementRef>,
}

/// Decides `request` for a principal with `identity` policies and an optional
/// session policy: both must allow; a deny in either denies.
pub fn evaluate(request: &Request, identity: &[Policy], session: Option<&Policy>) -> Evaluation {
    let layers: Vec<&[Policy]> = match session {
        Some(s) => vec![identity, std::slice::from_ref(s)],
        None => vec![identity],
    };
    decide(request, &layers, false)
}

/// Decides `request` against a role's trust policy alone (the resource policy
/// of `sts:AssumeRole`, `sts:TagSession`, `sts:SetSourceIdentity`). An
/// account principal (`123456789012` or `...:root`) matches every principal
/// of that account, as AWS then defers to that principal's identity policies.
pub fn evaluate_trust(request: &Request, trust: &Policy) -> Evaluation {
    decide(request, &[std::slice::from_ref(trust)], true)
}

/// Whether an Allow of `trust` that applies to `request` names the calling
/// principal itself (its ARN, its role's ARN for a role session, or `*`),
/// rather than only its account.
///
/// That is AWS's same-account rule for role trust policies: a trust policy
/// that names the principal grants `sts:AssumeRole` on its own, with no
/// identity-based permission needed; one that names the account (`…:root`
/// or the account ID) only defers to the principal's identity-based
/// policies, which must then allow it too ("Policy evaluation for requests
/// within a single account", IAM User Guide; `@cloud-copilot/iam-simulate`'s
/// `StsServiceAuthorizer` decides the same). An explicit deny anywhere still
/// denies: callers combine this with [`evaluate`] and [`evaluate_trust`].
pub fn trust_names_principal(request: &Request, trust: &Policy) -> bool {
    trust.statements.iter().any(|statement| {
        statement.effect == Effect::Allow
            && applies(statement, request, trust.substitutes_variables(), true)
            && match &statement.principals {
                Some(Matcher::Listed(entries)) => entries
                    .iter()
                    .any(|e| principal_matches(e, request.principal.as_deref()) && !is_account(e)),
                // NotPrincipal in a trust policy matches everyone it does not
                // list: not a grant to this principal by name.
                _ => false,
            }
    })
}

/// An account principal: `123456789012` or `arn:…:iam::123456789012:root`.
fn is_account(entry: &PrincipalEntry) -> bool {
    let PrincipalEntry::Aws(id) = entry else {
        return false;
    };
    (id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit()))
        || arn_parts(id).is_some_and(|p| p[2] == "iam" && p[5] == "root")
}

fn decide(request: &Request, layers: &[&[Policy]], resource_policy: bool) -> Evaluation {
    let mut denies = Vec::new();
    let mut allows = Vec::new();
    let mut every_layer_allows = true;
    for layer in layers {
        let mut layer_allows = false;
        for policy in *layer {
            for statement in &policy.statements {
                if !applies(
                    statement,
                    request,
                    policy.substitutes_variables(),
                    resource_policy,
                ) {
                    continue;
                }
                let reference = StatementRef {
                    policy: policy.name.clone(),
                    sid: statement.sid.clone(),
                    effect: statement.effect,
                };
                match statement.effect {
                    Effect::Deny => denies.push(reference),
                    Effect::Allow => {
                        layer_allows = true;
                        allows.push(reference);
                    }
                }
            }
        }
        every_layer_allows &= layer_allows;
    }
    if !denies.is_empty() {
        Evaluation {
            decision: Decision::ExplicitDeny,
            deciding: denies,
        }
    } else if every_layer_allows {
        Evaluation {
            decision: Decision::Allowed,
            deciding: allows,
        }
    } else {
        Evaluation {
            decision: Decision::ImplicitDeny,
            deciding: Vec::new(),
        }
    }
}

/// Whether every element of `statement` matches `request`.
pub fn applies(
    statement: &Statement,
    request: &Request,
    variables: bool,
    resource_policy: bool,
) -> bool {
    let action_ok = match &statement.actions {
        Matcher::Listed(patterns) => patterns.iter().any(|p| action_matches(p, &request.action)),
        Matcher::NotListed(patterns) => {
            !patterns.iter().any(|p| action_matches(p, &request.action))
        }
    };
    if !action_ok {
        return false;
    }
    let resource_ok = match &statement.resources {
        None => resource_policy,
        Some(Matcher::Listed(patterns)) => patterns.iter().any(|p| {
            resource_matches(p, &request.resource, &request.context, variables) == Some(true)
        }),
        // An unresolvable pattern makes the element fail rather than exclude nothing.
        Some(Matcher::NotListed(patterns)) => patterns.iter().all(|p| {
            resource_matches(p, &request.resource, &request.context, variables) == Some(false)
        }),
    };
    if !resource_ok {
        return false;
    }
    let principal_ok = match (&statement.principals, resource_policy) {
        (None, false) => true,
        (None, true) | (Some(_), false) => false,
        (Some(Matcher::Listed(entries)), true) => entries
            .iter()
            .any(|e| principal_matches(e, request.principal.as_deref())),
        (Some(Matcher::NotListed(entries)), true) => !entries
            .iter()
            .any(|e| principal_matches(e, request.principal.as_deref())),
    };
    principal_ok
        && statement
            .conditions
            .iter()
            .all(|c| c.holds(&request.context, variables))
}

/// Actions match case-insensitively, with `*` and `?`.
pub fn action_matches(pattern: &str, action: &str) -> bool {
    pattern == "*" || glob_match(pattern, action, true)
}

/// Resources match case-sensitively; ARNs part by part. `None` when the
/// pattern holds a variable that can't be resolved.
fn resource_matches(
    pattern: &str,
    resource: &str,
    context: &RequestContext,
    variables: bool,
) -> Option<bool> {
    if pattern == "*" {
        return Some(true);
    }
    if pattern.starts_with("arn:") && arn_parts(resource).is_some() {
        // A short ARN pattern is padded with `*` parts, so its wildcards
        // still stay inside their own parts.
        let parts = pattern_parts(pattern).len();
        let padded = format!("{pattern}{}", ":*".repeat(6usize.saturating_sub(parts)));
        return arn_like(resource, &padded, context, variables);
    }
    let pieces = resolve(
        pattern,
        context,
        Reading {
            variables,
            wildcards: true,
        },
    )?;
    Some(Pattern::from_pieces(&pieces, false).matches(resource))
}

fn principal_matches(entry: &PrincipalEntry, principal: Option<&str>) -> bool {
    let Some(principal) = principal else {
        return matches!(entry, PrincipalEntry::Any);
    };
    match entry {
        PrincipalEntry::Any => true,
        PrincipalEntry::Service(s)
        | PrincipalEntry::Federated(s)
        | PrincipalEntry::CanonicalUser(s) => s == principal,
        PrincipalEntry::Aws(id) => aws_principal_matches(id, principal),
    }
}

fn aws_principal_matches(id: &str, principal: &str) -> bool {
    let caller = arn_parts(principal);
    let account_of_caller = caller.map(|p| p[4]);
    if id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit()) {
        return account_of_caller == Some(id);
    }
    let Some(named) = arn_parts(id) else {
        return id == principal;
    };
    if named[2] == "iam" && named[5] == "root" {
        return account_of_caller == Some(named[4]);
    }
    if id == principal {
        return true;
    }
    // A role principal also names every session of that role.
    if let (Some(role_path), Some(caller)) = (named[5].strip_prefix("role/"), caller) {
        let role_name = role_path.rsplit('/').next().unwrap_or(role_path);
        if let Some(session) = caller[5].strip_prefix("assumed-role/") {
            return named[2] == "iam"
                && caller[2] == "sts"
                && caller[1] == named[1]
                && caller[4] == named[4]
                && session.split('/').next() == Some(role_name);
        }
    }
    false
}
