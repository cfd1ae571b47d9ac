//! Lints: the pitfalls of DESIGN.md ("Policies"), each with a stable ID.
//!
//! [`run`] runs `ISO001`–`ISO011`, `ISO027` and `ISO028` over a [`PolicySet`] and the template:
//! what `tenantctl audit` reports. [`strict::run`] runs `ISO012`–`ISO026` and `ISO029`,
//! which hold the reviewed documents to their exact shape (the system tests
//! run them). Each finding names the lint, the file, the statement and what
//! is wrong.

mod reach;
pub mod strict;

use std::path::Path;

use iam_eval::{
    BaseOperator, Effect, Matcher, Policy, PrincipalEntry, SetModifier, Statement, action_matches,
};
use serde::Serialize;
use serde_json::Value;

use crate::inputs::PolicySet;
use crate::placeholders::{Reference, has_placeholder, references};

/// One lint finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Stable ID, e.g. `ISO001`.
    pub id: &'static str,
    /// Stable short name, e.g. `forallvalues-without-null-guard`.
    pub name: &'static str,
    /// File the finding is in.
    pub file: String,
    /// Statement `Sid` (or `#index`), or the template path.
    pub location: String,
    /// What is wrong and why it matters.
    pub message: String,
}

/// A lint: its stable ID and name, and the pitfall it catches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lint {
    /// Stable ID, e.g. `ISO001`.
    pub id: &'static str,
    /// Stable short name, e.g. `forallvalues-without-null-guard`.
    pub name: &'static str,
    /// The pitfall, in one line.
    pub summary: &'static str,
}

const fn lint(id: &'static str, name: &'static str, summary: &'static str) -> Lint {
    Lint { id, name, summary }
}

/// Every lint [`run`] runs, for listings and the README.
pub const LINTS: &[Lint] = &[
    lint(
        "ISO001",
        "forallvalues-without-null-guard",
        "ForAllValues is true when the key is absent: add Null {key: false}",
    ),
    lint(
        "ISO002",
        "dynamodb-wildcard-action",
        "wildcard DynamoDB actions (or NotAction) allow Scan, streams and exports",
    ),
    lint(
        "ISO003",
        "resource-star",
        "an Allow on Resource \"*\" (or NotResource) in the tenant role reaches every tenant",
    ),
    lint(
        "ISO004",
        "prefix-tag-match",
        "a wildcard right after the tenant id (or another literal) matches look-alike tenants",
    ),
    lint(
        "ISO005",
        "unrestricted-tag-session",
        "TagSession must require the api-key-id tag and allow no other tag keys",
    ),
    lint(
        "ISO006",
        "transitive-tags",
        "TagSession must forbid transitive tags (Null sts:TransitiveTagKeys true)",
    ),
    lint(
        "ISO007",
        "no-fulltablescan-deny",
        "PartiQLSelect is allowed without a Deny on dynamodb:FullTableScan",
    ),
    lint(
        "ISO008",
        "unescaped-variable-in-sub",
        "inside Fn::Sub a policy variable must be written ${!...}",
    ),
    lint(
        "ISO009",
        "broad-trust-principal",
        "the trust policy must name the vendor role, not *, an account or NotPrincipal",
    ),
    lint(
        "ISO010",
        "tenant-may-assume-roles",
        "the tenant role must not call STS AssumeRole/TagSession or iam:PassRole",
    ),
    lint(
        "ISO011",
        "session-policy-placeholder",
        "the session policy is sent verbatim by vendor-fn: no placeholders",
    ),
    lint(
        "ISO027",
        "index-not-partitioned-by-tenant",
        "an index of a table the tenant role reaches (or of a silo table) must be partitioned by the tenant key: LeadingKeys on an index is its own partition key",
    ),
    lint(
        "ISO028",
        "role-trusts-tenant-sessions",
        "no role may trust the tenant role (or *): tenant sessions could chain into it with no permission of their own",
    ),
];

fn finding(id: &'static str, policy: &str, location: &str, message: String) -> Finding {
    let name = LINTS
        .iter()
        .chain(strict::STRICT_LINTS)
        .find(|l| l.id == id)
        .map_or("", |l| l.name);
    Finding {
        id,
        name,
        file: policy.to_owned(),
        location: location.to_owned(),
        message,
    }
}

fn allows(statement: &Statement, action: &str) -> bool {
    statement.effect == Effect::Allow
        && match &statement.actions {
            Matcher::Listed(p) => p.iter().any(|p| action_matches(p, action)),
            Matcher::NotListed(p) => !p.iter().any(|p| action_matches(p, action)),
        }
}

fn has_null_false(statement: &Statement, key: &str) -> bool {
    statement.conditions.iter().any(|c| {
        c.operator.base == BaseOperator::Null
            && c.key.eq_ignore_ascii_case(key)
            && c.values.iter().all(|v| v.eq_ignore_ascii_case("false"))
    })
}

fn has_null_true(statement: &Statement, key: &str) -> bool {
    statement.conditions.iter().any(|c| {
        c.operator.base == BaseOperator::Null
            && c.key.eq_ignore_ascii_case(key)
            && c.values.iter().all(|v| v.eq_ignore_ascii_case("true"))
    })
}

/// A wildcard directly after a letter, digit or a variable's closing brace:
/// `tenant-a*`, `${aws:PrincipalTag/api-key-id}*`.
fn is_prefix_pattern(value: &str) -> bool {
    let chars: Vec<char> = value.chars().collect();
    chars.windows(2).any(|w| {
        matches!(w[1], '*' | '?')
            && (w[0].is_ascii_alphanumeric() || w[0] == '}' || w[0] == '-' || w[0] == '_')
    })
}

/// Runs `ISO001`–`ISO011`, `ISO027` and `ISO028` over the policy set, the
/// contract's silo table layout and, when given, the template (its path,
/// for findings, and its JSON from
/// [`read_template`](crate::inputs::read_template)).
pub fn run(set: &PolicySet, template: Option<(&Path, &Value)>) -> Vec<Finding> {
    let mut out = Vec::new();
    tenant_permission_lints(&set.tenant_permissions, &mut out);
    trust_lints(&set.tenant_trust, &mut out);
    if contains_placeholder(&set.session_read_only_raw) {
        out.push(finding(
            "ISO011",
            &set.session_read_only.name,
            "-",
            "holds a ${...} placeholder that nothing fills at run time".into(),
        ));
    }
    if let Some((path, doc)) = template {
        template_lints(path, doc, &mut out);
    }
    reach::run(template, &mut out);
    out
}

fn tenant_permission_lints(policy: &Policy, out: &mut Vec<Finding>) {
    let name = &policy.name;
    for s in &policy.statements {
        let sid = &s.sid;
        if s.effect == Effect::Allow {
            for c in &s.conditions {
                if c.operator.set == Some(SetModifier::ForAllValues)
                    && !c.operator.if_exists
                    && !has_null_false(s, &c.key)
                {
                    out.push(finding(
                        "ISO001",
                        name,
                        sid,
                        format!("{} on {} without \"Null\": {{\"{}\": \"false\"}}: requests without the key (Scan, streams, exports) pass", c.operator.name(), c.key, c.key),
                    ));
                }
            }
            let wildcard_dynamodb = match &s.actions {
                Matcher::NotListed(_) => true,
                Matcher::Listed(p) => p.iter().any(|a| {
                    a == "*"
                        || (a.to_ascii_lowercase().starts_with("dynamodb:")
                            && (a.contains('*') || a.contains('?')))
                }),
            };
            if wildcard_dynamodb && allows(s, "dynamodb:Scan") {
                out.push(finding("ISO002", name, sid, "wildcard DynamoDB action (or NotAction) also allows Scan, streams and exports; list item actions".into()));
            }
            let resource_star = match &s.resources {
                Some(Matcher::Listed(r)) => r.iter().any(|r| r == "*"),
                Some(Matcher::NotListed(_)) | None => true,
            };
            if resource_star {
                out.push(finding("ISO003", name, sid, "allows on every resource (Resource \"*\" or NotResource); name the pooled table, silo tables and bucket".into()));
            }
            for action in ["sts:AssumeRole", "sts:TagSession", "iam:PassRole"] {
                if allows(s, action) {
                    out.push(finding(
                        "ISO010",
                        name,
                        sid,
                        format!("allows {action}: a tenant session could step into another role"),
                    ));
                }
            }
        }
        prefix_lints(name, s, out);
    }
    let partiql_allowed = policy
        .statements
        .iter()
        .any(|s| allows(s, "dynamodb:PartiQLSelect"));
    let scan_denied = policy.statements.iter().any(|s| {
        s.effect == Effect::Deny
            && match &s.actions {
                Matcher::Listed(p) => p
                    .iter()
                    .any(|p| action_matches(p, "dynamodb:PartiQLSelect")),
                Matcher::NotListed(p) => !p
                    .iter()
                    .any(|p| action_matches(p, "dynamodb:PartiQLSelect")),
            }
            && s.conditions.iter().any(|c| {
                c.operator.base == BaseOperator::Bool
                    && c.key.eq_ignore_ascii_case("dynamodb:FullTableScan")
                    && c.values.iter().any(|v| v.eq_ignore_ascii_case("true"))
            })
    });
    if partiql_allowed && !scan_denied {
        out.push(finding("ISO007", name, "-", "PartiQLSelect is allowed but no statement denies it when dynamodb:FullTableScan is true".into()));
    }
}

fn prefix_lints(name: &str, s: &Statement, out: &mut Vec<Finding>) {
    if s.effect != Effect::Allow {
        return;
    }
    if let Some(Matcher::Listed(resources)) = &s.resources {
        for r in resources
            .iter()
            .filter(|r| r.contains("${aws:PrincipalTag") && is_prefix_pattern(r))
        {
            out.push(finding(
                "ISO004",
                name,
                &s.sid,
                format!("resource {r} matches any tenant whose id starts with this one"),
            ));
        }
    }
    for c in &s.conditions {
        let like = matches!(
            c.operator.base,
            BaseOperator::StringLike | BaseOperator::ArnLike
        );
        let tenant_key = {
            let k = c.key.to_ascii_lowercase();
            k == "dynamodb:leadingkeys"
                || k.starts_with("aws:principaltag/")
                || k.starts_with("aws:requesttag/")
                || k == "s3:prefix"
                || k == "sts:sourceidentity"
        };
        if like && tenant_key {
            for v in c.values.iter().filter(|v| is_prefix_pattern(v)) {
                out.push(finding(
                    "ISO004",
                    name,
                    &s.sid,
                    format!(
                        "{} {} {v:?} is a prefix match: it also matches look-alike tenants",
                        c.operator.name(),
                        c.key
                    ),
                ));
            }
        }
    }
}

fn trust_lints(policy: &Policy, out: &mut Vec<Finding>) {
    let name = &policy.name;
    for s in &policy.statements {
        if s.effect != Effect::Allow {
            continue;
        }
        match &s.principals {
            Some(Matcher::Listed(entries)) => {
                for e in entries {
                    let broad = match e {
                        PrincipalEntry::Any => Some("\"*\"".to_owned()),
                        PrincipalEntry::Aws(id)
                            if id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit()) =>
                        {
                            Some(format!("account {id}"))
                        }
                        PrincipalEntry::Aws(id) if id.ends_with(":root") => {
                            Some(format!("account {id}"))
                        }
                        _ => None,
                    };
                    if let Some(what) = broad {
                        out.push(finding(
                            "ISO009",
                            name,
                            &s.sid,
                            format!("Principal {what} lets more than the vendor role assume"),
                        ));
                    }
                }
            }
            Some(Matcher::NotListed(_)) => out.push(finding(
                "ISO009",
                name,
                &s.sid,
                "NotPrincipal in an Allow admits everyone not listed".into(),
            )),
            None => {}
        }
        if allows(s, "sts:TagSession") {
            let keys_limited = s.conditions.iter().any(|c| {
                c.operator.set == Some(SetModifier::ForAllValues)
                    && c.key.eq_ignore_ascii_case("aws:TagKeys")
                    && matches!(
                        c.operator.base,
                        BaseOperator::StringEquals | BaseOperator::StringEqualsIgnoreCase
                    )
                    && !c.operator.if_exists
            });
            let tag_required = has_null_false(s, "aws:RequestTag/api-key-id")
                || s.conditions.iter().any(|c| {
                    c.key.eq_ignore_ascii_case("aws:RequestTag/api-key-id")
                        && !c.operator.base.is_negated()
                        && !c.operator.if_exists
                        && c.operator.base != BaseOperator::Null
                });
            if !keys_limited || !tag_required {
                out.push(finding("ISO005", name, &s.sid, "sts:TagSession is allowed without requiring the api-key-id tag and limiting aws:TagKeys to it".into()));
            }
            if !has_null_true(s, "sts:TransitiveTagKeys") {
                out.push(finding("ISO006", name, &s.sid, "sts:TagSession is allowed without \"Null\": {\"sts:TransitiveTagKeys\": \"true\"}: tags could survive role chaining".into()));
            }
        }
        prefix_lints(name, s, out);
    }
}

fn contains_placeholder(value: &Value) -> bool {
    match value {
        Value::String(s) => has_placeholder(s),
        Value::Array(items) => items.iter().any(contains_placeholder),
        Value::Object(map) => map.values().any(contains_placeholder),
        _ => false,
    }
}

/// A policy variable inside `Fn::Sub` must be `${!aws:...}`, or CloudFormation
/// rejects the template (or, worse, substitutes a parameter of that name).
fn template_lints(path: &Path, doc: &Value, out: &mut Vec<Finding>) {
    let file = path.display().to_string();
    walk(doc, "", &mut |location, node| {
        let Value::Object(map) = node else { return };
        let Some(sub) = map.get("Fn::Sub") else {
            return;
        };
        let text = match sub {
            Value::String(s) => s.as_str(),
            Value::Array(items) => items.first().and_then(Value::as_str).unwrap_or(""),
            _ => "",
        };
        for reference in references(text) {
            if let Reference::PolicyVariable(inner) = reference {
                out.push(finding(
                    "ISO008",
                    &file,
                    location,
                    format!("Fn::Sub holds ${{{inner}}}: write ${{!{inner}}}"),
                ));
            }
        }
    });
}

fn walk(value: &Value, path: &str, visit: &mut dyn FnMut(&str, &Value)) {
    visit(path, value);
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                walk(v, &format!("{path}/{k}"), visit);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                walk(v, &format!("{path}/{i}"), visit);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_patterns_are_wildcards_glued_to_an_id() {
        assert!(is_prefix_pattern("tenant-a*"));
        assert!(is_prefix_pattern("${aws:PrincipalTag/api-key-id}*"));
        assert!(!is_prefix_pattern("${aws:PrincipalTag/api-key-id}/*"));
        assert!(!is_prefix_pattern("??*"));
        assert!(!is_prefix_pattern("arn:aws:dynamodb:*:1:table/T/index/*"));
    }

    #[test]
    fn finds_unescaped_variables_in_fn_sub_only() {
        let doc = serde_json::json!({"A": {"Fn::Sub": "arn:${AWS::Partition}:s3:::${Bucket}/${aws:PrincipalTag/api-key-id}/*"},
                                     "B": {"Fn::Sub": "x/${!aws:PrincipalTag/api-key-id}"},
                                     "C": "${aws:PrincipalTag/api-key-id}"});
        let mut out = Vec::new();
        template_lints(Path::new("t.yaml"), &doc, &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].id, "ISO008");
        assert_eq!(out[0].location, "/A");
    }
}
