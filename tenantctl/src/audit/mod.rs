//! `tenantctl audit`: proves tenant isolation of the policies offline.
//!
//! Reads the policy files and the template, builds the request matrix for
//! the given tenants ([`matrix`]), decides each request with `iam-eval`,
//! compares with the expectation the isolation rule gives, and runs the lints
//! ([`lints`]). Exit 0 when everything holds, 1 on any violation or finding,
//! 2 when the input is unusable.

pub(crate) mod lints;
pub(crate) mod live;
pub(crate) mod matrix;
pub(crate) mod report;

use std::path::{Path, PathBuf};

use iam_eval::{Decision, StatementRef, evaluate, evaluate_trust};
use serde_json::Value;
use tenant_registry::ApiKeyId;

use crate::error::CliError;
use crate::inputs::{Params, PolicySet};
use lints::Finding;
use matrix::{Check, Expectation, Names, Subject};

/// What the audit was asked to do.
#[derive(Debug, Clone)]
pub(crate) struct AuditOptions {
    pub(crate) policies: PathBuf,
    pub(crate) template: Option<PathBuf>,
    pub(crate) params: Vec<String>,
    pub(crate) tenants: Vec<String>,
}

/// A check's result against its expectation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) enum Outcome {
    Pass,
    /// Allowed where the isolation rule says deny.
    Violation,
    /// Denied where the product needs it allowed.
    IntendedDenied,
    /// Not decided: `--live` can't simulate this kind of check.
    Skipped,
}

/// One decided check.
#[derive(Debug, Clone)]
pub(crate) struct Decided {
    pub(crate) check: Check,
    pub(crate) decision: Decision,
    pub(crate) deciding: Vec<StatementRef>,
    pub(crate) outcome: Outcome,
}

/// Everything the audit found.
#[derive(Debug)]
pub(crate) struct AuditReport {
    pub(crate) policies: PathBuf,
    pub(crate) template: Option<PathBuf>,
    pub(crate) tenants: Vec<String>,
    pub(crate) results: Vec<Decided>,
    pub(crate) findings: Vec<Finding>,
}

impl AuditReport {
    pub(crate) fn passed(&self) -> bool {
        self.findings.is_empty()
            && self
                .results
                .iter()
                .all(|r| matches!(r.outcome, Outcome::Pass | Outcome::Skipped))
    }
}

/// The inputs read, the matrix built and the lints run: everything but the decisions.
#[derive(Debug)]
pub(crate) struct Prepared {
    pub(crate) set: PolicySet,
    pub(crate) checks: Vec<Check>,
    pub(crate) report: AuditReport,
}

/// Reads the inputs, builds the matrix and runs the lints.
pub(crate) fn prepare(options: &AuditOptions) -> Result<Prepared, CliError> {
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
pub(crate) fn run(options: &AuditOptions) -> Result<AuditReport, CliError> {
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

/// Compares a decision with the check's expectation.
pub(crate) fn judge(check: Check, decision: Decision, deciding: Vec<StatementRef>) -> Decided {
    let allowed = decision == Decision::Allowed;
    let outcome = match (check.expectation, allowed) {
        (Expectation::MustDeny, true) => Outcome::Violation,
        (Expectation::MustAllow, false) => Outcome::IntendedDenied,
        _ => Outcome::Pass,
    };
    Decided {
        check,
        decision,
        deciding,
        outcome,
    }
}

fn parse_tenants(raw: &[String]) -> Result<Vec<String>, CliError> {
    let mut tenants: Vec<String> = Vec::new();
    for id in raw {
        let parsed = ApiKeyId::parse(id).map_err(|e| CliError::Tenant {
            id: id.clone(),
            reason: e.to_string(),
        })?;
        if !tenants.iter().any(|t| t == parsed.as_str()) {
            tenants.push(parsed.as_str().to_owned());
        }
    }
    if tenants.len() < 2 {
        return Err(CliError::TooFewTenants);
    }
    Ok(tenants)
}

fn read_template(path: &Path) -> Result<Value, CliError> {
    let text = std::fs::read_to_string(path).map_err(|source| CliError::Read {
        path: path.to_owned(),
        source,
    })?;
    let yaml: serde_yaml_ng::Value =
        serde_yaml_ng::from_str(&text).map_err(|e| CliError::Yaml {
            path: path.to_owned(),
            reason: e.to_string(),
        })?;
    Ok(yaml_to_json(yaml))
}

/// Converts YAML to JSON, turning short-form tags (`!Sub x`) into their
/// long form (`{"Fn::Sub": x}`) so lints see one shape.
fn yaml_to_json(value: serde_yaml_ng::Value) -> Value {
    use serde_yaml_ng::Value as Y;
    match value {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => serde_json::to_value(&n).unwrap_or(Value::Null),
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => Value::Array(items.into_iter().map(yaml_to_json).collect()),
        Y::Mapping(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| {
                    let key = match k {
                        Y::String(s) => s,
                        other => serde_yaml_ng::to_string(&other)
                            .unwrap_or_default()
                            .trim()
                            .to_owned(),
                    };
                    (key, yaml_to_json(v))
                })
                .collect(),
        ),
        Y::Tagged(tagged) => {
            let tag = tagged.tag.to_string();
            let name = tag.trim_start_matches('!');
            let key = if name == "Ref" || name == "Condition" {
                name.to_owned()
            } else {
                format!("Fn::{name}")
            };
            let mut map = serde_json::Map::new();
            map.insert(key, yaml_to_json(tagged.value));
            Value::Object(map)
        }
    }
}

fn decide(set: &PolicySet, check: Check) -> Decided {
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
