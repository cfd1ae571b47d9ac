//! Deciding a request for a session with iam-eval: the role's policies as
//! stored in moto (through the [`RoleCache`], current as of the last IAM
//! write), intersected with the session policy, with the session's
//! principal keys in the context; and, where a check names one, a resource
//! policy (a role's trust policy) that must allow it too.

use iam_eval::{
    Decision, Policy, Request, RequestContext, evaluate, evaluate_trust, trust_names_principal,
};

use crate::account::{ACCOUNT_ID, REGION};
use crate::error::GatewayError;
use crate::role_cache::RoleCache;
use crate::sessions::RoleSession;

/// One IAM authorization a request needs: action, resource, condition keys.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    /// `service:Action`.
    pub action: String,
    /// Resource ARN.
    pub resource: String,
    /// Request-specific condition keys (principal keys are added by [`decide`]).
    pub context: RequestContext,
    /// A resource-based policy that must allow the check: the role's trust
    /// policy for `sts:AssumeRole`, `sts:TagSession`, `sts:SetSourceIdentity`,
    /// decided with AWS's same-account rule (see [`decide_one`]). `None` for
    /// DynamoDB and S3, whose resource policies are not modelled.
    pub resource_policy: Option<Policy>,
}

impl Check {
    /// A check with an empty context and no resource policy.
    pub fn new(action: impl Into<String>, resource: impl Into<String>) -> Self {
        Self {
            action: action.into(),
            resource: resource.into(),
            context: RequestContext::new(),
            resource_policy: None,
        }
    }

    /// The check with `context` as its request-specific condition keys.
    #[must_use]
    pub fn with_context(mut self, context: RequestContext) -> Self {
        self.context = context;
        self
    }

    /// The check, also to be allowed by `policy` (see [`Check::resource_policy`]).
    #[must_use]
    pub fn with_resource_policy(mut self, policy: Policy) -> Self {
        self.resource_policy = Some(policy);
        self
    }
}

/// Why a request was refused, in the words AWS uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denial {
    /// The caller's ARN.
    pub principal: String,
    /// The action that was not allowed.
    pub action: String,
    /// The resource it was not allowed on.
    pub resource: String,
    /// `because …` clause.
    pub reason: String,
}

impl Denial {
    /// `User: <arn> is not authorized to perform: <action> on resource: <arn> because …`.
    pub fn message(&self) -> String {
        format!(
            "User: {} is not authorized to perform: {} on resource: {} {}",
            self.principal, self.action, self.resource, self.reason
        )
    }
}

/// Adds the keys AWS sets for a role session's requests.
pub fn add_principal_keys(context: &mut RequestContext, session: &RoleSession) {
    for (key, value) in &session.tags {
        context.set(&format!("aws:PrincipalTag/{key}"), value.clone());
    }
    context.set("aws:PrincipalArn", session.role_arn.clone());
    context.set("aws:PrincipalAccount", ACCOUNT_ID);
    context.set("aws:PrincipalType", "AssumedRole");
    context.set("aws:userid", session.user_id());
    context.set("aws:RequestedRegion", REGION);
    if let Some(source) = &session.source_identity {
        context.set("aws:SourceIdentity", source.clone());
    }
    if let Some(function) = &session.source_function_arn {
        context.set("lambda:SourceFunctionArn", function.clone());
    }
    // Whole seconds, as STS issues them: a revocation's DateLessThan then
    // compares exactly what AWS would.
    if let Some(issued) = session.token_issue_time {
        context.set(
            "aws:TokenIssueTime",
            issued.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        );
    }
}

/// Decides every check (all must be allowed) for `session`.
///
/// # Errors
/// [`GatewayError`] when the role can't be read from moto. A role that no
/// longer exists denies everything.
pub async fn decide(
    roles: &RoleCache,
    session: &RoleSession,
    checks: &[Check],
) -> Result<Result<(), Denial>, GatewayError> {
    let role = roles.role(&session.role_name).await?;
    let permissions = role.as_ref().map_or(&[][..], |r| r.permissions.as_slice());
    for check in checks {
        if let Err(denial) = decide_one(permissions, session, check) {
            return Ok(Err(denial));
        }
    }
    Ok(Ok(()))
}

/// Decides one check against already-read identity policies.
///
/// A check with a resource policy (a role's trust policy) follows AWS's
/// same-account rule: the trust policy must always allow; when an allowing
/// statement names the caller (its session, its role or `*`) that is
/// enough, and when it names only the account the caller's identity-based
/// policies must allow too ([`iam_eval::trust_names_principal`]). A
/// session policy, when the caller has one, must allow either way (AWS
/// waives it only for a trust policy naming the session's own ARN; the
/// gateway is stricter there). An explicit deny anywhere denies.
///
/// # Errors
/// The [`Denial`] when the check is not allowed.
pub fn decide_one(identity: &[Policy], session: &RoleSession, check: &Check) -> Result<(), Denial> {
    let mut context = check.context.clone();
    add_principal_keys(&mut context, session);
    let request = Request::new(&check.action, &check.resource)
        .with_principal(session.arn())
        .with_context(context);
    let evaluation = evaluate(&request, identity, session.session_policy.as_ref());
    let reason = match (&check.resource_policy, evaluation.decision) {
        (_, Decision::ExplicitDeny) => explicit_deny_reason(session, &evaluation),
        (None, Decision::Allowed) => return Ok(()),
        (None, Decision::ImplicitDeny) => implicit_deny_reason(identity, session, &request, check),
        (Some(trust), decision) => match evaluate_trust(&request, trust).decision {
            Decision::ExplicitDeny => "with an explicit deny in a resource-based policy".to_owned(),
            Decision::ImplicitDeny => format!(
                "because no resource-based policy allows the {} action",
                check.action
            ),
            Decision::Allowed if decision == Decision::Allowed => return Ok(()),
            Decision::Allowed => {
                let session_allows = session.session_policy.as_ref().is_none_or(|policy| {
                    evaluate(&request, std::slice::from_ref(policy), None).decision
                        == Decision::Allowed
                });
                if trust_names_principal(&request, trust) && session_allows {
                    return Ok(());
                }
                implicit_deny_reason(identity, session, &request, check)
            }
        },
    };
    Err(Denial {
        principal: session.arn(),
        action: check.action.clone(),
        resource: check.resource.clone(),
        reason,
    })
}

fn explicit_deny_reason(session: &RoleSession, evaluation: &iam_eval::Evaluation) -> String {
    let in_session = session
        .session_policy
        .as_ref()
        .is_some_and(|p| evaluation.deciding.iter().all(|s| s.policy == p.name));
    if in_session {
        "with an explicit deny in a session policy".to_owned()
    } else {
        "with an explicit deny in an identity-based policy".to_owned()
    }
}

fn implicit_deny_reason(
    identity: &[Policy],
    session: &RoleSession,
    request: &Request,
    check: &Check,
) -> String {
    if session.session_policy.is_some()
        && evaluate(request, identity, None).decision == Decision::Allowed
    {
        format!(
            "because no session policy allows the {} action",
            check.action
        )
    } else {
        format!(
            "because no identity-based policy allows the {} action",
            check.action
        )
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn caller() -> RoleSession {
        RoleSession {
            role_name: "VendorFunctionRole".into(),
            role_arn: "arn:aws:iam::123456789012:role/VendorFunctionRole".into(),
            role_id: "AROAEXAMPLE".into(),
            session_name: "VendorFunction".into(),
            tags: BTreeMap::new(),
            transitive_tag_keys: Vec::new(),
            source_identity: None,
            session_policy: None,
            token_issue_time: None,
            source_function_arn: None,
        }
    }

    fn policy(name: &str, text: &str) -> Policy {
        Policy::parse(name, text).expect("valid policy")
    }

    const ROLE: &str = "arn:aws:iam::123456789012:role/TenantRole";

    #[test]
    fn a_trust_policy_follows_the_same_account_rule() {
        let identity = [policy(
            "permissions",
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}"#,
        )];
        let trusting = policy(
            "trust",
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:role/VendorFunctionRole"},"Action":"sts:AssumeRole"}]}"#,
        );
        let other = policy(
            "trust",
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:role/Other"},"Action":"sts:AssumeRole"}]}"#,
        );
        let check =
            |trust: &Policy| Check::new("sts:AssumeRole", ROLE).with_resource_policy(trust.clone());

        assert_eq!(decide_one(&identity, &caller(), &check(&trusting)), Ok(()));
        let denial = decide_one(&identity, &caller(), &check(&other)).expect_err("not trusted");
        assert_eq!(
            denial.reason,
            "because no resource-based policy allows the sts:AssumeRole action"
        );
        // A trust policy naming the caller's role grants on its own (AWS's
        // same-account rule): no identity-based permission needed.
        assert_eq!(decide_one(&[], &caller(), &check(&trusting)), Ok(()));
        // One naming only the account defers to the identity policies.
        let account = policy(
            "trust",
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}"#,
        );
        assert_eq!(decide_one(&identity, &caller(), &check(&account)), Ok(()));
        let denial = decide_one(&[], &caller(), &check(&account)).expect_err("not permitted");
        assert_eq!(
            denial.reason,
            "because no identity-based policy allows the sts:AssumeRole action"
        );
        // An explicit deny in the caller's policies wins over a direct grant.
        let denying = [policy(
            "deny",
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"sts:*","Resource":"*"}]}"#,
        )];
        let denial = decide_one(&denying, &caller(), &check(&trusting)).expect_err("denied");
        assert_eq!(
            denial.reason,
            "with an explicit deny in an identity-based policy"
        );
    }

    #[test]
    fn a_check_without_a_resource_policy_is_decided_by_the_callers_policies() {
        let identity = [policy(
            "permissions",
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"dynamodb:GetItem","Resource":"*"}]}"#,
        )];
        let check = Check::new(
            "dynamodb:GetItem",
            "arn:aws:dynamodb:us-east-1:123456789012:table/T",
        );
        assert_eq!(decide_one(&identity, &caller(), &check), Ok(()));
    }
}
