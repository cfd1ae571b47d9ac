//! The live audit (`tenantctl audit --live`, feature `live`): the
//! tenant-session rows of the matrix, decided
//! by IAM's policy simulator (`SimulatePrincipalPolicy`) for a deployed
//! tenant role instead of by iam-eval.
//!
//! Each check becomes one call: the role as `PolicySourceArn`, the action,
//! the resource and the request context as context entries. The read-only
//! session policy goes in as a permissions boundary, which the simulator
//! intersects with the role's policies the way STS intersects a session
//! policy. Trust-policy and vendor rows are skipped (the simulator evaluates
//! a role's trust policy only for IAM user callers), as are rows with an
//! empty multivalued key, which the simulator can't express.

use aws_sdk_iam::Client;
use aws_sdk_iam::error::ProvideErrorMetadata;
use aws_sdk_iam::types::{ContextEntry, ContextKeyTypeEnum, PolicyEvaluationDecisionType};
use iam_eval::{ContextValue, Decision, Effect, Request, StatementRef};

use crate::error::AuditError;
use crate::matrix::Subject;
use crate::{AuditOptions, AuditReport, Decided, Outcome, Prepared, judge, prepare};

/// Runs the audit with IAM's simulator deciding the tenant-session checks
/// for the deployed role `role_arn`; the other checks come back
/// [`Outcome::Skipped`].
///
/// # Errors
/// As [`prepare`], and [`AuditError::Live`] (with the AWS error code) when
/// a simulator call fails.
pub async fn run(
    options: &AuditOptions,
    client: &Client,
    role_arn: &str,
) -> Result<AuditReport, AuditError> {
    let Prepared {
        set,
        checks,
        mut report,
    } = prepare(options)?;
    let session_policy = set.session_read_only_raw.to_string();
    let mut results = Vec::with_capacity(checks.len());
    for check in checks {
        let decided = match &check.subject {
            Subject::TenantSession { read_only, request } if expressible(request) => {
                let boundary = read_only.then_some(session_policy.as_str());
                let (decision, deciding) = simulate(client, role_arn, request, boundary).await?;
                judge(check, decision, deciding)
            }
            _ => Decided {
                check,
                decision: Decision::ImplicitDeny,
                deciding: Vec::new(),
                outcome: Outcome::Skipped,
            },
        };
        results.push(decided);
    }
    report.results = results;
    Ok(report)
}

fn expressible(request: &Request) -> bool {
    request
        .context
        .iter()
        .all(|(_, v)| !matches!(v, ContextValue::Multi(values) if values.is_empty()))
}

/// The simulator's type for a context key: lists for multivalued keys,
/// Boolean for the one boolean key the matrix sends.
fn context_entries(request: &Request) -> Vec<ContextEntry> {
    request
        .context
        .iter()
        .map(|(key, value)| {
            let (kind, values) = match value {
                ContextValue::Multi(values) => (ContextKeyTypeEnum::StringList, values.clone()),
                ContextValue::Single(v) if key == "dynamodb:fulltablescan" => {
                    (ContextKeyTypeEnum::Boolean, vec![v.clone()])
                }
                ContextValue::Single(v) => (ContextKeyTypeEnum::String, vec![v.clone()]),
            };
            ContextEntry::builder()
                .context_key_name(key)
                .set_context_key_values(Some(values))
                .context_key_type(kind)
                .build()
        })
        .collect()
}

async fn simulate(
    client: &Client,
    role_arn: &str,
    request: &Request,
    session_policy: Option<&str>,
) -> Result<(Decision, Vec<StatementRef>), AuditError> {
    let mut call = client
        .simulate_principal_policy()
        .policy_source_arn(role_arn)
        .action_names(&request.action)
        .resource_arns(&request.resource)
        .set_context_entries(Some(context_entries(request)));
    if let Some(policy) = session_policy {
        call = call.permissions_boundary_policy_input_list(policy);
    }
    let output = call.send().await.map_err(|e| AuditError::Live {
        operation: "SimulatePrincipalPolicy",
        code: e.code().unwrap_or("unknown").to_owned(),
    })?;
    let Some(result) = output.evaluation_results().first() else {
        return Err(AuditError::Live {
            operation: "SimulatePrincipalPolicy",
            code: "EmptyResult".into(),
        });
    };
    let decision = match result.eval_decision() {
        PolicyEvaluationDecisionType::Allowed => Decision::Allowed,
        PolicyEvaluationDecisionType::ExplicitDeny => Decision::ExplicitDeny,
        _ => Decision::ImplicitDeny,
    };
    let effect = if decision == Decision::ExplicitDeny {
        Effect::Deny
    } else {
        Effect::Allow
    };
    let deciding = result
        .matched_statements()
        .iter()
        .map(|s| StatementRef {
            policy: s.source_policy_id().unwrap_or("?").to_owned(),
            sid: s
                .start_position()
                .map_or_else(|| "?".to_owned(), |p| format!("line {}", p.line())),
            effect,
        })
        .collect();
    Ok((decision, deciding))
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use aws_sdk_iam::operation::simulate_principal_policy::{
        SimulatePrincipalPolicyInput, SimulatePrincipalPolicyOutput,
    };
    use aws_sdk_iam::types::EvaluationResult;
    use aws_smithy_mocks::{RuleMode, mock, mock_client};
    use iam_eval::{Policy, RequestContext, evaluate};

    use super::*;
    use crate::{Params, PolicySet};

    const ROLE: &str = "arn:aws:iam::123456789012:role/TenantRole";

    fn good() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/good")
    }

    fn options() -> AuditOptions {
        AuditOptions {
            policies: good(),
            template: None,
            params: Vec::new(),
            tenants: vec!["k1".into(), "k1x".into()],
        }
    }

    fn answer(
        input: &SimulatePrincipalPolicyInput,
        decision: &str,
    ) -> SimulatePrincipalPolicyOutput {
        let result = EvaluationResult::builder()
            .eval_action_name(input.action_names().first().cloned().unwrap_or_default())
            .eval_decision(PolicyEvaluationDecisionType::from(decision))
            .build()
            .expect("complete result");
        SimulatePrincipalPolicyOutput::builder()
            .evaluation_results(result)
            .build()
    }

    /// What a simulator holding the good fixture's policies would answer.
    fn reference_answer(
        permissions: &Policy,
        input: &SimulatePrincipalPolicyInput,
    ) -> SimulatePrincipalPolicyOutput {
        let mut context = RequestContext::new();
        for entry in input.context_entries() {
            let key = entry.context_key_name().expect("key");
            match entry.context_key_type() {
                Some(ContextKeyTypeEnum::StringList) => {
                    context.set_multi(key, entry.context_key_values().iter().cloned());
                }
                _ => {
                    context.set(key, entry.context_key_values()[0].clone());
                }
            }
        }
        let request = Request::new(
            input.action_names()[0].clone(),
            input.resource_arns()[0].clone(),
        )
        .with_context(context);
        let session = input
            .permissions_boundary_policy_input_list()
            .first()
            .map(|p| Policy::parse("session", p).expect("session policy"));
        answer(
            input,
            evaluate(
                &request,
                std::slice::from_ref(permissions),
                session.as_ref(),
            )
            .decision
            .as_str(),
        )
    }

    #[tokio::test]
    async fn sends_each_tenant_check_with_its_context_and_judges_the_answer() {
        let set = PolicySet::load(&good(), &Params::new(&[]).unwrap()).unwrap();
        let permissions = set.tenant_permissions.clone();
        let rule = mock!(Client::simulate_principal_policy)
            .match_requests(|r| {
                r.policy_source_arn() == Some(ROLE)
                    && r.context_entries().iter().any(|e| {
                        e.context_key_name() == Some("aws:principaltag/api-key-id")
                            && e.context_key_type() == Some(&ContextKeyTypeEnum::String)
                    })
            })
            .then_compute_output(move |input| reference_answer(&permissions, input));
        let client = mock_client!(aws_sdk_iam, RuleMode::MatchAny, &[&rule]);
        let report = run(&options(), &client, ROLE)
            .await
            .expect("live audit runs");
        let simulated = report
            .results
            .iter()
            .filter(|r| r.outcome != Outcome::Skipped)
            .count();
        assert!(
            simulated > 1000,
            "tenant checks go through the simulator: {simulated}"
        );
        assert_eq!(rule.num_calls(), simulated);
        assert!(report.passed(), "{}", crate::report::table(&report, false));
        assert!(
            report
                .results
                .iter()
                .any(|r| r.check.area == "trust" && r.outcome == Outcome::Skipped)
        );
    }

    #[tokio::test]
    async fn a_role_that_allows_everything_fails_the_live_audit() {
        let rule = mock!(Client::simulate_principal_policy)
            .then_compute_output(|input| answer(input, "allowed"));
        let client = mock_client!(aws_sdk_iam, RuleMode::MatchAny, &[&rule]);
        let report = run(&options(), &client, ROLE)
            .await
            .expect("live audit runs");
        assert!(!report.passed());
        assert!(
            report
                .results
                .iter()
                .any(|r| r.outcome == Outcome::Violation && r.check.action == "dynamodb:Scan")
        );
    }

    #[tokio::test]
    async fn an_access_denied_simulator_is_unusable_input() {
        use aws_sdk_iam::operation::simulate_principal_policy::SimulatePrincipalPolicyError;
        let rule = mock!(Client::simulate_principal_policy).then_error(|| {
            SimulatePrincipalPolicyError::generic(
                aws_sdk_iam::error::ErrorMetadata::builder()
                    .code("AccessDenied")
                    .build(),
            )
        });
        let client = mock_client!(aws_sdk_iam, RuleMode::MatchAny, &[&rule]);
        let err = run(&options(), &client, ROLE).await.expect_err("fails");
        assert!(err.to_string().contains("AccessDenied"), "{err}");
    }
}
