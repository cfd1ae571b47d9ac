//! Rendering an audit report: [`table`] for people, [`json()`] for machines.
//! `tenantctl audit` prints exactly these.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde_json::{Value, json};

use crate::matrix::Expectation;
use crate::{AuditReport, Decided, Outcome};

fn expectation_name(e: Expectation) -> &'static str {
    match e {
        Expectation::MustAllow => "allow (intended)",
        Expectation::MustDeny => "deny",
        Expectation::MayAllow => "either",
    }
}

fn outcome_name(o: Outcome) -> &'static str {
    match o {
        Outcome::Pass => "ok",
        Outcome::Violation => "VIOLATION",
        Outcome::IntendedDenied => "INTENDED DENIED",
        Outcome::Skipped => "skipped",
    }
}

fn deciding(r: &Decided) -> String {
    r.deciding
        .iter()
        .map(|s| format!("{}#{}", s.policy, s.sid))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Lays out rows in columns, two spaces apart.
fn columns(rows: &[Vec<String>]) -> String {
    let mut widths = Vec::new();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if widths.len() <= i {
                widths.push(0);
            }
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            if i + 1 == row.len() {
                line.push_str(cell);
            } else {
                let _ = write!(line, "{cell:<width$}  ", width = widths[i]);
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[derive(Default)]
struct Tally {
    checks: usize,
    allowed: usize,
    violations: usize,
    intended_denied: usize,
    skipped: usize,
}

fn tallies(report: &AuditReport) -> BTreeMap<&'static str, Tally> {
    let mut by_area: BTreeMap<&'static str, Tally> = BTreeMap::new();
    for r in &report.results {
        let t = by_area.entry(r.check.area).or_default();
        t.checks += 1;
        t.allowed += usize::from(r.decision == iam_eval::Decision::Allowed);
        t.violations += usize::from(r.outcome == Outcome::Violation);
        t.intended_denied += usize::from(r.outcome == Outcome::IntendedDenied);
        t.skipped += usize::from(r.outcome == Outcome::Skipped);
    }
    by_area
}

/// The human-readable report: a tally per area, the failed checks (every
/// check with `verbose`), the lint findings and the result line.
pub fn table(report: &AuditReport, verbose: bool) -> String {
    let mut out = String::new();
    let template = report
        .template
        .as_ref()
        .map_or_else(|| "(none)".to_owned(), |t| t.display().to_string());
    let _ = writeln!(
        out,
        "tenantctl audit: policies {}  template {}  tenants {}\n",
        report.policies.display(),
        template,
        report.tenants.join(", ")
    );
    let mut rows = vec![vec![
        "area".into(),
        "checks".into(),
        "allowed".into(),
        "denied".into(),
        "violations".into(),
        "intended denied".into(),
    ]];
    let mut total = Tally::default();
    for (area, t) in tallies(report) {
        rows.push(vec![
            area.into(),
            t.checks.to_string(),
            t.allowed.to_string(),
            (t.checks - t.allowed).to_string(),
            t.violations.to_string(),
            t.intended_denied.to_string(),
        ]);
        total.checks += t.checks;
        total.allowed += t.allowed;
        total.violations += t.violations;
        total.intended_denied += t.intended_denied;
        total.skipped += t.skipped;
    }
    rows.push(vec![
        "total".into(),
        total.checks.to_string(),
        total.allowed.to_string(),
        (total.checks - total.allowed).to_string(),
        total.violations.to_string(),
        total.intended_denied.to_string(),
    ]);
    out.push_str(&columns(&rows));

    out.push_str(&checks_section(report, verbose));
    out.push_str(&lints_section(report));
    let _ = writeln!(
        out,
        "\nresult: {} ({} violations, {} intended actions denied, {} lint findings)",
        if report.passed() { "PASS" } else { "FAIL" },
        total.violations,
        total.intended_denied,
        report.findings.len()
    );
    if total.skipped > 0 {
        let _ = writeln!(
            out,
            "{} checks skipped: --live simulates tenant sessions only",
            total.skipped
        );
    }
    out
}

fn checks_section(report: &AuditReport, verbose: bool) -> String {
    let mut out = String::new();
    let shown: Vec<&Decided> = report
        .results
        .iter()
        .filter(|r| verbose || !matches!(r.outcome, Outcome::Pass | Outcome::Skipped))
        .collect();
    if !shown.is_empty() {
        out.push_str(if verbose {
            "\nall checks:\n"
        } else {
            "\nfailed checks:\n"
        });
        let mut rows = vec![
            [
                "outcome",
                "area",
                "actor",
                "scope",
                "action",
                "resource",
                "case",
                "expected",
                "decision",
                "deciding statements",
            ]
            .map(String::from)
            .to_vec(),
        ];
        for r in shown {
            rows.push(vec![
                outcome_name(r.outcome).into(),
                r.check.area.into(),
                r.check.actor.clone(),
                r.check.scope.into(),
                r.check.action.clone(),
                r.check.resource.clone(),
                r.check.detail.clone(),
                expectation_name(r.check.expectation).into(),
                r.decision.as_str().into(),
                deciding(r),
            ]);
        }
        out.push_str(&columns(&rows));
    }

    out
}

fn lints_section(report: &AuditReport) -> String {
    let mut out = String::new();
    if report.findings.is_empty() {
        out.push_str("\nlints: no findings\n");
    } else {
        out.push_str("\nlint findings:\n");
        let mut rows = vec![
            ["id", "lint", "file", "where", "finding"]
                .map(String::from)
                .to_vec(),
        ];
        for f in &report.findings {
            rows.push(vec![
                f.id.into(),
                f.name.into(),
                f.file.clone(),
                f.location.clone(),
                f.message.clone(),
            ]);
        }
        out.push_str(&columns(&rows));
    }
    out
}

fn check_json(r: &Decided) -> Value {
    json!({
        "outcome": r.outcome,
        "area": r.check.area,
        "actor": r.check.actor,
        "scope": r.check.scope,
        "action": r.check.action,
        "resource": r.check.resource,
        "case": r.check.detail,
        "expected": r.check.expectation,
        "decision": r.decision.as_str(),
        "deciding": r.deciding,
    })
}

/// The machine-readable report: result, tallies, failures and lint findings
/// (and every result with `verbose`).
pub fn json(report: &AuditReport, verbose: bool) -> Value {
    let areas: serde_json::Map<String, Value> = tallies(report)
        .into_iter()
        .map(|(area, t)| {
            (
                area.to_owned(),
                json!({"checks": t.checks, "allowed": t.allowed, "violations": t.violations, "intendedDenied": t.intended_denied, "skipped": t.skipped}),
            )
        })
        .collect();
    let failures: Vec<Value> = report
        .results
        .iter()
        .filter(|r| !matches!(r.outcome, Outcome::Pass | Outcome::Skipped))
        .map(check_json)
        .collect();
    let mut out = json!({
        "result": if report.passed() { "pass" } else { "fail" },
        "policies": report.policies.display().to_string(),
        "template": report.template.as_ref().map(|t| t.display().to_string()),
        "tenants": report.tenants,
        "checks": report.results.len(),
        "areas": areas,
        "failures": failures,
        "lints": report.findings,
    });
    if verbose {
        out["results"] = report.results.iter().map(check_json).collect();
    }
    out
}
