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
        t.allowed += usize::from(r.decision == Some(iam_eval::Decision::Allowed));
        t.violations += usize::from(r.outcome == Outcome::Violation);
        t.intended_denied += usize::from(r.outcome == Outcome::IntendedDenied);
        t.skipped += usize::from(r.outcome == Outcome::Skipped);
    }
    by_area
}

impl Tally {
    fn denied(&self) -> usize {
        self.checks - self.allowed - self.skipped
    }

    /// The table row: `skipped` only when some check was skipped.
    fn row(&self, name: &str, with_skipped: bool) -> Vec<String> {
        let mut row = vec![
            name.to_owned(),
            self.checks.to_string(),
            self.allowed.to_string(),
            self.denied().to_string(),
        ];
        if with_skipped {
            row.push(self.skipped.to_string());
        }
        row.push(self.violations.to_string());
        row.push(self.intended_denied.to_string());
        row
    }
}

/// The human-readable report: a tally per area, the failed checks (every
/// check with `verbose`), the lint findings and the result line. Skipped
/// checks (`--live`) get their own column and line: they are neither
/// allowed, denied nor passed.
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
    let with_skipped = report.skipped() > 0;
    let mut header = vec!["area", "checks", "allowed", "denied"];
    if with_skipped {
        header.push("skipped");
    }
    header.extend(["violations", "intended denied"]);
    let mut rows = vec![header.into_iter().map(String::from).collect()];
    let mut total = Tally::default();
    for (area, t) in tallies(report) {
        rows.push(t.row(area, with_skipped));
        total.checks += t.checks;
        total.allowed += t.allowed;
        total.violations += t.violations;
        total.intended_denied += t.intended_denied;
        total.skipped += t.skipped;
    }
    rows.push(total.row("total", with_skipped));
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
            "skipped: {} of {} checks were not decided (--live simulates tenant sessions only: trust and vendor rows, and rows with an empty multivalued key, are not checked); the result covers the {} decided checks",
            total.skipped,
            total.checks,
            report.decided()
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
                r.decision.map_or("-", |d| d.as_str()).into(),
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
        "decision": r.decision.map(iam_eval::Decision::as_str),
        "deciding": r.deciding,
    })
}

/// The machine-readable report: result, tallies, failures and lint findings
/// (and every result with `verbose`). `checks` = `decided` + `skipped`; a
/// skipped check has `"outcome": "skipped"` and `"decision": null`.
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
        "decided": report.decided(),
        "skipped": report.skipped(),
        "areas": areas,
        "failures": failures,
        "lints": report.findings,
    });
    if verbose {
        out["results"] = report.results.iter().map(check_json).collect();
    }
    out
}
