//! The audit itself: reads the policy files and the template, builds the
//! request matrix for the given tenants ([`matrix`](crate::matrix)), decides
//! each request with `iam-eval`, compares with the expectation the isolation
//! rule gives, and runs the lints ([`lints`](crate::lints)).

use std::path::PathBuf;

use iam_eval::{Decision, StatementRef, evaluate, evaluate_trust};
use tenant_registry::ApiKeyId;

use crate::error::AuditError;
use crate::inputs::{Params, PolicySet, read_template};
use crate::lints::{self, Finding};
use crate::matrix::{self, Check, Expectation, Names, Subject};

/// What the audit was asked to do.
#[derive(Debug, Clone)]
pub struct AuditOptions {
    /// Directory holding the policy documents (`policies/`).
    pub policies: PathBuf,
    /// The SAM template to lint, or `None` for the policies only.
    pub template: Option<PathBuf>,
    /// Placeholder overrides, `Name=Value` each (see [`Params::new`]).
    pub params: Vec<String>,
    /// Tenant API key IDs to check against each other (at least two
    /// distinct ones; repeats are dropped).
    pub tenants: Vec<String>,
}

/// A check's result against its expectation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Outcome {
    /// The decision is what the expectation allows.
    Pass,
    /// Allowed where the isolation rule says deny.
    Violation,
    /// Denied where the product needs it allowed.
    IntendedDenied,
    /// Not decided: `--live` can't simulate this kind of check. Neither a
    /// pass nor a failure; reports count it on its own.
    Skipped,
}

/// One decided check.
#[derive(Debug, Clone)]
pub struct Decided {
    /// The request and what was expected of it.
    pub check: Check,
    /// What the evaluator (or IAM's simulator) decided; `None` when the
    /// check was skipped.
    pub decision: Option<Decision>,
    /// The statements behind the decision.
    pub deciding: Vec<StatementRef>,
    /// The decision judged against the expectation.
    pub outcome: Outcome,
}

/// Everything the audit found.
#[derive(Debug)]
pub struct AuditReport {
    /// The policy directory audited.
    pub policies: PathBuf,
    /// The template linted, if any.
    pub template: Option<PathBuf>,
    /// The tenants checked against each other, as parsed.
    pub tenants: Vec<String>,
    /// Every check of the matrix, decided.
    pub results: Vec<Decided>,
    /// Every lint finding.
    pub findings: Vec<Finding>,
}

impl Decided {
    /// A check nobody decided (`--live` for a row the simulator can't express).
    pub fn skipped(check: Check) -> Self {
        Self {
            check,
            decision: None,
            deciding: Vec::new(),
            outcome: Outcome::Skipped,
        }
    }
}

impl AuditReport {
    /// Whether nothing failed: no finding, at least one check decided, and
    /// every decided check passed. Skipped checks are not failures, but they
    /// are not passes either: [`AuditReport::skipped`] counts them and the
    /// reports show them on their own.
    pub fn passed(&self) -> bool {
        self.findings.is_empty()
            && self.decided() > 0
            && self
                .results
                .iter()
                .all(|r| matches!(r.outcome, Outcome::Pass | Outcome::Skipped))
    }

    /// How many checks were decided (by iam-eval or the simulator).
    pub fn decided(&self) -> usize {
        self.results.len() - self.skipped()
    }

    /// How many checks were skipped, not decided.
    pub fn skipped(&self) -> usize {
        self.results
            .iter()
            .filter(|r| r.outcome == Outcome::Skipped)
            .count()
    }
}

/// The inputs read, the matrix built and the lints run: everything but the
/// decisions, for a caller that decides the checks itself.
#[derive(Debug)]
pub struct Prepared {
    /// The documents, filled and parsed.
    pub set: PolicySet,
    /// The checks to decide.
    pub checks: Vec<Check>,
    /// The report so far: findings, no results yet.
    pub report: AuditReport,
}

/// Reads the inputs, builds the matrix and runs the lints.
///
/// # Errors
/// [`AuditError`] when the input is unusable: a bad override or tenant, or a
/// document that can't be read, filled or parsed.
pub fn prepare(options: &AuditOptions) -> Result<Prepared, AuditError> {
    let params = Params::new(&options.params)?;
    let tenants = parse_tenants(&options.tenants)?;
    let set = PolicySet::load(&options.policies, &params)?;
    let template = options.template.as_deref().map(read_template).transpose()?;
    let names = Names::new(&params);
    let checks = matrix::build(&names, &tenants)
        .into_iter()
        .filter(|c| {
            set.vendor_permissions.is_some() || !matches!(c.subject, Subject::Vendor { .. })
        })
        .collect();
    let findings = lints::run(&set, options.template.as_deref().zip(template.as_ref()));
    let report = AuditReport {
        policies: options.policies.clone(),
        template: options.template.clone(),
        tenants,
        results: Vec::new(),
        findings,
    };
    Ok(Prepared {
        set,
        checks,
        report,
    })
}

/// Runs the audit offline, deciding every check with iam-eval.
///
/// # Errors
/// As [`prepare`]; a policy that breaks isolation is not an error but a
/// report that has not [`passed`](AuditReport::passed).
pub fn run(options: &AuditOptions) -> Result<AuditReport, AuditError> {
    let Prepared {
        set,
        checks,
        mut report,
    } = prepare(options)?;
    report.results = checks
        .into_iter()
        .map(|check| decide(&set, check))
        .collect();
    Ok(report)
}

/// Compares a decision with the check's expectation: an allowed `MustDeny`
/// is a violation, a denied `MustAllow` an intended action denied.
pub fn judge(check: Check, decision: Decision, deciding: Vec<StatementRef>) -> Decided {
    let allowed = decision == Decision::Allowed;
    let outcome = match (check.expectation, allowed) {
        (Expectation::MustDeny, true) => Outcome::Violation,
        (Expectation::MustAllow, false) => Outcome::IntendedDenied,
        _ => Outcome::Pass,
    };
    Decided {
        check,
        decision: Some(decision),
        deciding,
        outcome,
    }
}

fn parse_tenants(raw: &[String]) -> Result<Vec<String>, AuditError> {
    let mut tenants: Vec<String> = Vec::new();
    for id in raw {
        let parsed = ApiKeyId::parse(id).map_err(|e| AuditError::Tenant {
            id: id.clone(),
            reason: e.to_string(),
        })?;
        if !tenants.iter().any(|t| t == parsed.as_str()) {
            tenants.push(parsed.as_str().to_owned());
        }
    }
    if tenants.len() < 2 {
        return Err(AuditError::TooFewTenants);
    }
    Ok(tenants)
}

/// Decides one check of the matrix with iam-eval over `set` and judges it:
/// what [`run`] does for every check.
pub fn decide(set: &PolicySet, check: Check) -> Decided {
    let (decision, deciding) = match &check.subject {
        Subject::TenantSession { read_only, request } => {
            let session = read_only.then_some(&set.session_read_only);
            let e = evaluate(
                request,
                std::slice::from_ref(&set.tenant_permissions),
                session,
            );
            (e.decision, e.deciding)
        }
        Subject::Vendor { request } => {
            let policies = set.vendor_permissions.as_slice();
            let e = evaluate(request, policies, None);
            (e.decision, e.deciding)
        }
        Subject::AssumeCall { requests } => {
            // The call succeeds only if every implied STS action is allowed;
            // report the first one that isn't, or all allowing statements.
            let mut deciding = Vec::new();
            let mut decision = Decision::Allowed;
            for request in requests {
                let e = evaluate_trust(request, &set.tenant_trust);
                if e.decision == Decision::Allowed {
                    deciding.extend(e.deciding);
                } else {
                    decision = e.decision;
                    deciding = e.deciding;
                    break;
                }
            }
            (decision, deciding)
        }
    };
    judge(check, decision, deciding)
}
