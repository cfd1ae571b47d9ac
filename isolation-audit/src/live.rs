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
use crate::{AuditOptions, AuditReport, Decided, Prepared, judge, prepare};

/// Runs the audit with IAM's simulator deciding the tenant-session checks
/// for the deployed role `role_arn`; the other checks come back
/// [`Outcome::Skipped`](crate::Outcome::Skipped), without a decision.
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
            _ => Decided::skipped(check),
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

    use super::*;
    use crate::Outcome;

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

    const POOLED: &str = "arn:aws:dynamodb:us-east-1:123456789012:table/TenantData";

    /// The values the input sent for a context key, and its type.
    fn entry<'a>(
        input: &'a SimulatePrincipalPolicyInput,
        key: &str,
    ) -> Option<(&'a [String], Option<&'a ContextKeyTypeEnum>)> {
        input
            .context_entries()
            .iter()
            .find(|e| e.context_key_name() == Some(key))
            .map(|e| (e.context_key_values(), e.context_key_type()))
    }

    /// A simulator's answers, written out by hand for the requests this test
    /// looks at (tenant `k1`'s on the pooled table); everything else gets
    /// `implicitDeny`. Not an evaluator: a role that allows a Scan is
    /// answered as such, to see the audit call it a violation.
    fn fixed_answer(input: &SimulatePrincipalPolicyInput) -> SimulatePrincipalPolicyOutput {
        let action = input.action_names()[0].as_str();
        let resource = input.resource_arns()[0].as_str();
        let tag = entry(input, "aws:principaltag/api-key-id").map(|(v, _)| v);
        let keys = entry(input, "dynamodb:leadingkeys");
        let scan = entry(input, "dynamodb:fulltablescan").map(|(v, _)| v);
        let session_policy = !input.permissions_boundary_policy_input_list().is_empty();
        let k1 = ["k1".to_owned()];
        let k1 = &k1[..];
        let decision = match (action, resource == POOLED, session_policy) {
            ("dynamodb:GetItem", true, false)
                if tag == Some(k1) && keys == Some((k1, Some(&ContextKeyTypeEnum::StringList))) =>
            {
                "allowed"
            }
            ("dynamodb:Scan", true, false) if tag == Some(k1) && keys.is_none() => "allowed",
            ("dynamodb:PartiQLSelect", true, _) if scan == Some(&["true".to_owned()][..]) => {
                "explicitDeny"
            }
            _ => "implicitDeny",
        };
        let mut result = EvaluationResult::builder()
            .eval_action_name(action)
            .eval_decision(PolicyEvaluationDecisionType::from(decision));
        if decision != "implicitDeny" {
            result = result.matched_statements(
                aws_sdk_iam::types::Statement::builder()
                    .source_policy_id("TenantRolePolicy")
                    .start_position(aws_sdk_iam::types::Position::builder().line(7).build())
                    .build(),
            );
        }
        SimulatePrincipalPolicyOutput::builder()
            .evaluation_results(result.build().expect("complete result"))
            .build()
    }

    /// The one row of the report for tenant `k1`'s `action` on the pooled
    /// table with these leading keys and scope.
    fn row<'a>(report: &'a AuditReport, action: &str, keys: &str, scope: &str) -> &'a Decided {
        report
            .results
            .iter()
            .find(|r| {
                r.check.actor == "k1"
                    && r.check.action == action
                    && r.check.resource == POOLED
                    && r.check.detail == format!("leading keys {keys}")
                    && r.check.scope == scope
            })
            .unwrap_or_else(|| panic!("no row {action} {keys} {scope}"))
    }

    #[tokio::test]
    async fn judges_each_simulator_answer_and_reports_skipped_rows_as_skipped() {
        let rule = mock!(Client::simulate_principal_policy)
            .match_requests(|r| r.policy_source_arn() == Some(ROLE))
            .then_compute_output(fixed_answer);
        let client = mock_client!(aws_sdk_iam, RuleMode::MatchAny, &[&rule]);
        let report = run(&options(), &client, ROLE)
            .await
            .expect("live audit runs");

        let own_read = row(&report, "dynamodb:GetItem", "own [k1]", "read-write");
        assert_eq!(own_read.decision, Some(Decision::Allowed));
        assert_eq!(own_read.outcome, Outcome::Pass);
        assert_eq!(own_read.deciding[0].policy, "TenantRolePolicy");
        assert_eq!(own_read.deciding[0].sid, "line 7");
        // The read-only row carried the session policy as a boundary, so
        // the hand-written simulator refused it: an intended read denied.
        let read_only = row(&report, "dynamodb:GetItem", "own [k1]", "read-only");
        assert_eq!(read_only.outcome, Outcome::IntendedDenied);
        let scan = row(&report, "dynamodb:Scan", "absent", "read-write");
        assert_eq!(scan.decision, Some(Decision::Allowed));
        assert_eq!(scan.outcome, Outcome::Violation);
        let partiql = row(&report, "dynamodb:PartiQLSelect", "absent", "read-write");
        assert_eq!(partiql.decision, Some(Decision::ExplicitDeny));
        assert_eq!(partiql.outcome, Outcome::Pass);
        assert_eq!(partiql.deciding[0].effect, Effect::Deny);
        let write = row(&report, "dynamodb:PutItem", "own [k1]", "read-write");
        assert_eq!(write.decision, Some(Decision::ImplicitDeny));
        assert_eq!(write.outcome, Outcome::IntendedDenied);
        assert!(!report.passed());

        // Trust and vendor rows, and rows with an empty key set, were never
        // sent: skipped, without a decision, and not counted as passes.
        let empty = row(&report, "dynamodb:GetItem", "empty []", "read-write");
        assert_eq!(empty.outcome, Outcome::Skipped);
        for r in &report.results {
            let sent = r.check.area != "trust"
                && r.check.area != "vendor"
                && !r.check.detail.contains("[]");
            assert_eq!(r.outcome == Outcome::Skipped, !sent, "{:?}", r.check);
            assert_eq!(r.decision.is_none(), !sent, "{:?}", r.check);
        }
        assert!(report.skipped() > 100, "{}", report.skipped());
        assert_eq!(rule.num_calls(), report.decided());
        assert_eq!(report.decided() + report.skipped(), report.results.len());

        let table = crate::report::table(&report, false);
        assert!(
            table
                .lines()
                .next_back()
                .is_some_and(|l| l.starts_with(&format!(
                    "skipped: {} of {} checks were not decided",
                    report.skipped(),
                    report.results.len()
                ))),
            "{table}"
        );
        let header = table.lines().nth(2).expect("tally header");
        assert!(header.contains("denied  skipped  violations"), "{header}");
        let trust = table
            .lines()
            .find(|l| l.starts_with("trust "))
            .expect("trust tally");
        let cells: Vec<&str> = trust.split_whitespace().collect();
        // checks, allowed 0, denied 0, skipped = checks: none counted as denied.
        assert_eq!(cells[2..5], ["0", "0", cells[1]], "{trust}");
        let json = crate::report::json(&report, true);
        assert_eq!(json["skipped"], report.skipped());
        assert_eq!(json["decided"], report.decided());
        let skipped_trust = json["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["area"] == "trust")
            .expect("a trust row");
        assert_eq!(skipped_trust["outcome"], "skipped");
        assert!(skipped_trust["decision"].is_null());

        // A report whose every row was skipped decided nothing: no pass.
        let mut only_skipped = report;
        only_skipped
            .results
            .retain(|r| r.outcome == Outcome::Skipped);
        assert!(!only_skipped.passed());
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
