//! The reviewed documents in `policies/` themselves, placeholders filled
//! with the audit's example values, through the independent reference
//! evaluator (`@cloud-copilot/iam-simulate`, as iam-eval's differential test
//! runs it): every request of the audit's matrix for `k1`, `k1x` and `K1`
//! must get the same decision from both, so the audit's verdicts on the
//! real files don't rest on iam-eval alone.
//!
//! The reference is installed by `./scripts/setup.sh` into
//! `tools/iam-reference/node_modules` (AGPL: test-time only). A missing
//! `node` or package fails this test with the install command.

mod repo_files;

use std::collections::BTreeMap;
use std::io::Write;
use std::process::{Command, Stdio};

use iam_eval::{ContextValue, Request, evaluate, evaluate_trust};
use isolation_audit::matrix::{self, Names, Subject};
use isolation_audit::placeholders::fill_json;
use isolation_audit::{Params, PolicySet};
use repo_files::{
    SESSION_READ_ONLY, TENANT_ROLE_PERMISSIONS, TENANT_ROLE_TRUST, VENDOR_FN_PERMISSIONS, policy,
    repo_root,
};
use serde_json::{Map, Value, json};

/// iam-simulate's decision for each case, in order.
fn reference_decisions(cases: &[Value]) -> Vec<String> {
    let tool = repo_root().join("tools/iam-reference");
    let install = "./scripts/setup.sh   (or: npm ci --prefix tools/iam-reference)";
    assert!(
        tool.join("node_modules/@cloud-copilot/iam-simulate/package.json")
            .exists(),
        "the reference evaluator is not installed; run {install}"
    );
    let mut child = Command::new("node")
        .arg(tool.join("decide.js"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run node ({e}); install Node.js 20+ and run {install}"));
    let mut stdin = child.stdin.take().expect("stdin");
    let input: String = cases.iter().map(|c| c.to_string() + "\n").collect();
    let writer =
        std::thread::spawn(move || stdin.write_all(input.as_bytes()).expect("write cases"));
    let output = child.wait_with_output().expect("node finishes");
    writer.join().expect("writer");
    assert!(output.status.success(), "reference evaluator failed");
    let decisions: Vec<String> = String::from_utf8(output.stdout)
        .expect("utf-8")
        .lines()
        .map(|line| {
            let v: Value = serde_json::from_str(line).expect("JSON");
            v["decision"].as_str().expect("decision").to_owned()
        })
        .collect();
    assert_eq!(decisions.len(), cases.len(), "one decision per case");
    decisions
}

/// `policies/<name>` with the audit's example values filled in, as JSON.
fn filled(name: &str, params: &Params) -> Value {
    let mut doc = policy(name);
    fill_json(&mut doc, params).unwrap_or_else(|e| panic!("policies/{name}: {e}"));
    doc
}

fn context_json(request: &Request) -> Value {
    let map: Map<String, Value> = request
        .context
        .iter()
        .map(|(k, v)| {
            let value = match v {
                ContextValue::Single(s) => json!(s),
                ContextValue::Multi(items) => json!(items),
            };
            (k.to_owned(), value)
        })
        .collect();
    Value::Object(map)
}

/// One request as the reference reads it, with what iam-eval decided.
struct Case {
    what: String,
    json: Value,
    ours: &'static str,
}

/// The reviewed documents, parsed (for iam-eval) and filled as JSON (for
/// the reference).
struct Documents {
    set: PolicySet,
    permissions: Value,
    trust: Value,
    session: Value,
    vendor: Value,
    /// `arn:aws:sts::…:assumed-role/TenantRole`, the tenants' sessions.
    tenant_session: String,
}

impl Documents {
    fn load(params: &Params) -> Self {
        Self {
            set: PolicySet::load(&repo_root().join("policies"), params).expect("policies/ load"),
            permissions: filled(TENANT_ROLE_PERMISSIONS, params),
            trust: filled(TENANT_ROLE_TRUST, params),
            session: filled(SESSION_READ_ONLY, params),
            vendor: filled(VENDOR_FN_PERMISSIONS, params),
            tenant_session: params
                .get("TenantRoleArn")
                .replace(":iam::", ":sts::")
                .replace(":role/", ":assumed-role/"),
        }
    }

    /// A check of the matrix as reference cases (one per request: an
    /// `AssumeRole` call has several), each with iam-eval's decision.
    fn cases(&self, check: &matrix::Check) -> Vec<Case> {
        let what = format!(
            "{} {} {} {} {} ({})",
            check.area, check.actor, check.scope, check.action, check.resource, check.detail
        );
        let json = |request: &Request,
                    identity: Vec<&Value>,
                    session: Option<&Value>,
                    trust: Option<&Value>,
                    principal: String| {
            json!({
                "identity": identity,
                "session": session,
                "trust": trust,
                "action": request.action,
                "resource": request.resource,
                "principal": request.principal.clone().unwrap_or(principal),
                "context": context_json(request),
            })
        };
        match &check.subject {
            Subject::TenantSession { read_only, request } => {
                let ours = evaluate(
                    request,
                    std::slice::from_ref(&self.set.tenant_permissions),
                    read_only.then_some(&self.set.session_read_only),
                )
                .decision;
                vec![Case {
                    json: json(
                        request,
                        vec![&self.permissions],
                        read_only.then_some(&self.session),
                        None,
                        format!("{}/{}", self.tenant_session, check.actor),
                    ),
                    what,
                    ours: ours.as_str(),
                }]
            }
            Subject::Vendor { request } => {
                let ours = evaluate(request, self.set.vendor_permissions.as_slice(), None).decision;
                vec![Case {
                    json: json(
                        request,
                        vec![&self.vendor],
                        None,
                        None,
                        "arn:aws:sts::123456789012:assumed-role/VendorFunctionRole/vendor-fn"
                            .into(),
                    ),
                    what,
                    ours: ours.as_str(),
                }]
            }
            Subject::AssumeCall { requests } => requests
                .iter()
                .map(|request| Case {
                    json: json(request, vec![], None, Some(&self.trust), String::new()),
                    what: format!("{what}: {}", request.action),
                    ours: evaluate_trust(request, &self.set.tenant_trust)
                        .decision
                        .as_str(),
                })
                .collect(),
        }
    }
}

#[test]
fn the_reviewed_policies_get_the_same_decision_from_the_reference_on_every_audit_request() {
    let params = Params::new(&[]).expect("the audit's example values");
    let documents = Documents::load(&params);
    let names = Names::new(&params);
    let tenants = ["k1", "k1x", "K1"].map(String::from);
    let mut cases: Vec<Case> = matrix::build(&names, &tenants)
        .iter()
        .flat_map(|check| documents.cases(check))
        .collect();
    for (id, case) in cases.iter_mut().enumerate() {
        case.json["id"] = json!(id);
    }
    let input: Vec<Value> = cases.iter().map(|c| c.json.clone()).collect();
    let reference = reference_decisions(&input);

    let mut decisions: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    let mut disagreements = Vec::new();
    for (case, theirs) in cases.iter().zip(&reference) {
        *decisions.entry((case.ours, theirs.as_str())).or_default() += 1;
        if case.ours != theirs {
            disagreements.push(format!(
                "{}: iam-eval {} vs iam-simulate {theirs}\n  {}",
                case.what, case.ours, case.json
            ));
        }
    }
    println!(
        "policies/ through the reference: {} requests, (iam-eval, iam-simulate) {decisions:?}",
        cases.len()
    );
    assert!(
        disagreements.is_empty(),
        "{} of {} requests decided differently:\n{}",
        disagreements.len(),
        cases.len(),
        disagreements
            .iter()
            .take(10)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    // Both answers occur for every kind of document: the comparison is not
    // all denials.
    for area in ["dynamodb", "s3", "trust", "vendor"] {
        let allowed = cases
            .iter()
            .zip(&reference)
            .filter(|(c, r)| c.what.starts_with(area) && r.as_str() == "allowed")
            .count();
        assert!(allowed > 0, "no request of {area} is allowed");
    }
}
