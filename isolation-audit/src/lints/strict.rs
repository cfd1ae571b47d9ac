//! Strict lints (`ISO012`–`ISO026`, `ISO029`): the reviewed documents' exact shape.
//!
//! The pitfall lints ([`run`](super::run)) and the matrix ask "can a tenant
//! reach another tenant's data?". These ask more: is each document written
//! the one way this project reviewed (the tenant tag pinned exactly, every
//! action listed, S3 and DynamoDB only on the deployment's own resources, the
//! vendor role allowed nothing it doesn't use)? A different policy set can
//! isolate tenants and still fail them, so `tenantctl audit` does not run
//! them; the system tests hold `policies/` and `template.yaml` to them, so a
//! change of shape is a deliberate, reviewed edit.
//!
//! They read the filled documents of a [`PolicySet`], with the deployment's
//! names from [`Names`] standing in for the placeholders.

use std::path::Path;

use iam_eval::{
    BaseOperator, Condition, Effect, Matcher, Operator, Policy, PrincipalEntry, Request,
    RequestContext, SetModifier, Statement, action_matches, applies,
};
use serde_json::Value;

use super::{Finding, Lint, finding, lint, walk};
use crate::inputs::PolicySet;
use crate::matrix::{Names, is_item_action};
use crate::placeholders::{Reference, references};

/// Every strict lint [`run`] runs.
pub const STRICT_LINTS: &[Lint] = &[
    lint(
        "ISO012",
        "leading-keys-not-pinned",
        "a DynamoDB grant must pin dynamodb:LeadingKeys to exactly the tenant tag (ForAllValues:StringEquals and a Null guard)",
    ),
    lint(
        "ISO013",
        "wildcard-action",
        "every document lists its actions: no wildcard, no NotAction",
    ),
    lint(
        "ISO014",
        "non-item-dynamodb-action",
        "the tenant role allows only DynamoDB item actions, the ones that carry dynamodb:LeadingKeys",
    ),
    lint(
        "ISO015",
        "partiql-scan-deny-incomplete",
        "the FullTableScan deny must cover every table and hang on nothing else",
    ),
    lint(
        "ISO016",
        "trust-not-only-vendor",
        "the trust policy admits only the vendor role, for AssumeRole, TagSession and SetSourceIdentity",
    ),
    lint(
        "ISO017",
        "trust-tag-not-exact",
        "AssumeRole and TagSession require a non-empty api-key-id tag and no other tag key",
    ),
    lint(
        "ISO018",
        "transitive-tags-allowed",
        "every statement that starts or tags the session forbids transitive tags",
    ),
    lint(
        "ISO019",
        "session-name-not-tag",
        "AssumeRole requires a source identity (the vending key) and a session name equal to the api-key-id tag (the tenant)",
    ),
    lint(
        "ISO020",
        "tag-variable-prefix-match",
        "the tenant tag variable ends its string or is followed by /, with no wildcard before it",
    ),
    lint(
        "ISO021",
        "s3-beyond-own-prefix",
        "S3 objects only under <bucket>/<tag>/, listing only of that prefix, in its own statement",
    ),
    lint(
        "ISO022",
        "dynamodb-beyond-own-tables",
        "DynamoDB only on the pooled table, the tenant's own silo table and their indexes",
    ),
    lint(
        "ISO023",
        "session-policy-not-read-only",
        "the read-only session policy only allows, and only read actions",
    ),
    lint(
        "ISO024",
        "session-policy-too-large",
        "the session policy stays under half of STS's 2,048-character limit",
    ),
    lint(
        "ISO025",
        "vendor-beyond-need",
        "the vendor role reads the registry by key, assumes the tenant role and writes its logs: nothing else",
    ),
    lint(
        "ISO026",
        "escaped-variable-outside-sub",
        "outside Fn::Sub nothing unescapes ${!...}: IAM would see it literally",
    ),
    lint(
        "ISO029",
        "vendor-not-bound-to-function",
        "the vendor role may assume the tenant role only from the vendor function's own code (ArnEquals lambda:SourceFunctionArn, and a Deny on ArnNotEquals)",
    ),
];

/// The session tag as the tenant's requests carry it.
const TAG: &str = "${aws:PrincipalTag/api-key-id}";
/// The session tag as the `AssumeRole` request that sets it carries it.
const REQUEST_TAG: &str = "${aws:RequestTag/api-key-id}";
const REQUEST_TAG_KEY: &str = "aws:RequestTag/api-key-id";
const TRUST_ACTIONS: [&str; 3] = ["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"];
/// What the read-only session policy may allow.
const READ_ACTIONS: [&str; 7] = [
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:ConditionCheckItem",
    "dynamodb:PartiQLSelect",
    "s3:GetObject",
    "s3:ListBucket",
];
/// STS's limit on a plaintext session policy, before the packed-size limit
/// it shares with the session tags.
const SESSION_POLICY_MAX_CHARS: usize = 2048;

/// Runs every strict lint over the policy set and, when given, the template
/// (its path, for findings, and its JSON).
pub fn run(set: &PolicySet, names: &Names, template: Option<(&Path, &Value)>) -> Vec<Finding> {
    let mut out = Vec::new();
    let permissions = &set.tenant_permissions;
    leading_keys(permissions, &mut out);
    non_item_actions(permissions, &mut out);
    partiql_scan_deny(permissions, names, &mut out);
    s3_scope(permissions, names, &mut out);
    dynamodb_resources(permissions, names, &mut out);
    trust_principal(&set.tenant_trust, names, &mut out);
    trust_tag(&set.tenant_trust, &mut out);
    transitive_tags(&set.tenant_trust, &mut out);
    source_identity(&set.tenant_trust, &mut out);
    session_policy(&set.session_read_only, &set.session_read_only_raw, &mut out);
    let mut every = vec![permissions, &set.tenant_trust, &set.session_read_only];
    if let Some(vendor) = &set.vendor_permissions {
        vendor_permissions(vendor, names, &mut out);
        vendor_bound_to_function(vendor, names, &mut out);
        every.push(vendor);
    }
    for policy in every {
        wildcard_actions(policy, &mut out);
        tag_prefix_matches(policy, &mut out);
    }
    if let Some((path, doc)) = template {
        escaped_outside_sub(path, doc, &mut out);
    }
    out
}

// ------------------------------------------------------------ helpers

/// Actions as listed; empty for `NotAction`.
fn listed(matcher: Option<&Matcher<String>>) -> &[String] {
    match matcher {
        Some(Matcher::Listed(items)) => items,
        _ => &[],
    }
}

/// Whether the statement's `Action`/`NotAction` covers `action`.
fn covers(s: &Statement, action: &str) -> bool {
    match &s.actions {
        Matcher::Listed(p) => p.iter().any(|p| action_matches(p, action)),
        Matcher::NotListed(p) => !p.iter().any(|p| action_matches(p, action)),
    }
}

fn allows_any(s: &Statement, actions: &[&str]) -> bool {
    s.effect == Effect::Allow && actions.iter().any(|a| covers(s, a))
}

/// Whether the statement may grant actions of `service` (`NotAction` may).
fn touches(s: &Statement, service: &str) -> bool {
    match &s.actions {
        Matcher::Listed(p) => p.iter().any(|p| {
            let prefix = p.split(':').next().unwrap_or(p);
            action_matches(prefix, service)
        }),
        Matcher::NotListed(_) => true,
    }
}

fn service_actions<'a>(s: &'a Statement, service: &str) -> Vec<&'a str> {
    listed(Some(&s.actions))
        .iter()
        .filter(|a| {
            a.split_once(':')
                .is_some_and(|(svc, _)| svc.eq_ignore_ascii_case(service))
        })
        .map(String::as_str)
        .collect()
}

fn conditions_on<'a>(s: &'a Statement, key: &'a str) -> impl Iterator<Item = &'a Condition> {
    s.conditions
        .iter()
        .filter(move |c| c.key.eq_ignore_ascii_case(key))
}

/// The values of `operator` (as written in a policy) on `key`.
fn condition<'a>(s: &'a Statement, operator: &str, key: &str) -> Option<&'a [String]> {
    let operator = Operator::parse(operator)?;
    s.conditions
        .iter()
        .find(|c| c.operator == operator && c.key.eq_ignore_ascii_case(key))
        .map(|c| c.values.as_slice())
}

fn null_is(s: &Statement, key: &str, expected: &str) -> bool {
    condition(s, "Null", key).is_some_and(|v| v == [expected])
}

fn is_exactly(values: Option<&[String]>, expected: &str) -> bool {
    values.is_some_and(|v| v == [expected])
}

/// Every string a statement holds that a tenant's data could hang on.
fn statement_strings(s: &Statement) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    for m in [Some(&s.actions), s.resources.as_ref()]
        .into_iter()
        .flatten()
    {
        match m {
            Matcher::Listed(items) | Matcher::NotListed(items) => {
                out.extend(items.iter().map(String::as_str));
            }
        }
    }
    if let Some(Matcher::Listed(entries) | Matcher::NotListed(entries)) = &s.principals {
        out.extend(entries.iter().filter_map(|e| match e {
            PrincipalEntry::Any => None,
            PrincipalEntry::Aws(id)
            | PrincipalEntry::Service(id)
            | PrincipalEntry::Federated(id)
            | PrincipalEntry::CanonicalUser(id) => Some(id.as_str()),
        }));
    }
    out.extend(
        s.conditions
            .iter()
            .flat_map(|c| c.values.iter().map(String::as_str)),
    );
    out
}

fn principal_text(principals: Option<&Matcher<PrincipalEntry>>) -> String {
    let entries = match principals {
        None => return "(none)".into(),
        Some(Matcher::NotListed(_)) => return "NotPrincipal".into(),
        Some(Matcher::Listed(entries)) => entries,
    };
    let shown: Vec<String> = entries
        .iter()
        .map(|e| match e {
            PrincipalEntry::Any => "*".to_owned(),
            PrincipalEntry::Aws(id) => id.clone(),
            PrincipalEntry::Service(id) => format!("service {id}"),
            PrincipalEntry::Federated(id) => format!("federated {id}"),
            PrincipalEntry::CanonicalUser(id) => format!("canonical user {id}"),
        })
        .collect();
    format!("[{}]", shown.join(", "))
}

// ------------------------------------------------------ the lints

/// ISO012: `ForAllValues` is true when the key is absent, so every DynamoDB
/// grant pins `dynamodb:LeadingKeys` to exactly the tag with
/// `ForAllValues:StringEquals` and a `Null` guard, and nothing looser.
fn leading_keys(policy: &Policy, out: &mut Vec<Finding>) {
    const KEY: &str = "dynamodb:LeadingKeys";
    for s in &policy.statements {
        if s.effect != Effect::Allow || !touches(s, "dynamodb") {
            continue;
        }
        let mut push = |message: String| out.push(finding("ISO012", &policy.name, &s.sid, message));
        match condition(s, "ForAllValues:StringEquals", KEY) {
            Some(values) if values == [TAG] => {}
            Some(values) => push(format!(
                "dynamodb:LeadingKeys must equal exactly [{TAG}], found {values:?}"
            )),
            None => push(format!(
                "grants DynamoDB without ForAllValues:StringEquals dynamodb:LeadingKeys = {TAG}"
            )),
        }
        if !null_is(s, KEY, "false") {
            push("no \"Null\": {\"dynamodb:LeadingKeys\": \"false\"} guard; ForAllValues is vacuously true for Scan and other key-less requests".into());
        }
        for c in conditions_on(s, KEY) {
            if c.operator.set == Some(SetModifier::ForAnyValue)
                || c.operator.base == BaseOperator::StringLike
            {
                push(format!(
                    "dynamodb:LeadingKeys under {}; only an exact ForAllValues:StringEquals keeps a tenant in its own partition",
                    c.operator.name()
                ));
            }
        }
    }
}

/// ISO013: actions are listed explicitly: no wildcard, no `NotAction`.
fn wildcard_actions(policy: &Policy, out: &mut Vec<Finding>) {
    for s in &policy.statements {
        match &s.actions {
            Matcher::NotListed(_) => out.push(finding(
                "ISO013",
                &policy.name,
                &s.sid,
                "uses NotAction; list actions explicitly".into(),
            )),
            Matcher::Listed(actions) => {
                for a in actions.iter().filter(|a| a.contains(['*', '?'])) {
                    out.push(finding(
                        "ISO013",
                        &policy.name,
                        &s.sid,
                        format!("wildcard action {a:?}; list actions explicitly"),
                    ));
                }
            }
        }
    }
}

/// ISO014: the tenant may use only item actions, the ones that carry
/// `dynamodb:LeadingKeys` (no Scan, streams, exports or table admin).
fn non_item_actions(policy: &Policy, out: &mut Vec<Finding>) {
    for s in policy
        .statements
        .iter()
        .filter(|s| s.effect == Effect::Allow)
    {
        if matches!(s.actions, Matcher::NotListed(_)) && covers(s, "dynamodb:Scan") {
            out.push(finding(
                "ISO014",
                &policy.name,
                &s.sid,
                "NotAction allows dynamodb:Scan and every other non-item action".into(),
            ));
        }
        for a in service_actions(s, "dynamodb")
            .into_iter()
            .filter(|a| !is_item_action(a))
        {
            out.push(finding(
                "ISO014",
                &policy.name,
                &s.sid,
                format!("allows {a}, which is not a keyed item action"),
            ));
        }
    }
}

/// ISO015: PartiQL: a Deny on `dynamodb:FullTableScan` that covers the
/// pooled table, every silo table and any other, and depends on nothing but
/// that key.
fn partiql_scan_deny(policy: &Policy, names: &Names, out: &mut Vec<Finding>) {
    const SELECT: &str = "dynamodb:PartiQLSelect";
    if !policy.statements.iter().any(|s| allows_any(s, &[SELECT])) {
        return;
    }
    let tables = [
        names.table_arn(&names.pooled_table),
        names.table_arn(&format!("{}-k1", names.silo_prefix)),
        names.table_arn("AnyOtherTable"),
    ];
    let scan = RequestContext::new().with("dynamodb:FullTableScan", "true");
    let denied = policy.statements.iter().any(|s| {
        s.effect == Effect::Deny
            && covers(s, SELECT)
            && s.conditions.len() == 1
            && is_exactly(condition(s, "Bool", "dynamodb:FullTableScan"), "true")
            && tables.iter().all(|table| {
                let request = Request::new(SELECT, table.clone()).with_context(scan.clone());
                applies(s, &request, policy.substitutes_variables(), false)
            })
    });
    if !denied {
        out.push(finding(
            "ISO015",
            &policy.name,
            "-",
            format!(
                "dynamodb:PartiQLSelect is allowed but no Deny statement with Bool dynamodb:FullTableScan = \"true\" as its only condition covers every table ({})",
                names.table_arn("*")
            ),
        ));
    }
}

/// ISO016: the trust policy allows only the vendor's execution role, only
/// the three STS actions of a vend, and does allow `AssumeRole`.
fn trust_principal(policy: &Policy, names: &Names, out: &mut Vec<Finding>) {
    let vendor = PrincipalEntry::Aws(names.vendor_role.clone());
    for s in &policy.statements {
        let mut push = |message: String| out.push(finding("ISO016", &policy.name, &s.sid, message));
        if matches!(s.principals, Some(Matcher::NotListed(_))) {
            push("NotPrincipal admits everyone else".into());
        }
        if s.effect != Effect::Allow {
            continue;
        }
        let only_vendor =
            matches!(&s.principals, Some(Matcher::Listed(e)) if *e == [vendor.clone()]);
        if !only_vendor {
            push(format!(
                "principal {} is not only the vendor role {}",
                principal_text(s.principals.as_ref()),
                names.vendor_role
            ));
        }
        match &s.actions {
            Matcher::NotListed(_) => push("trust uses NotAction; list the STS actions".into()),
            Matcher::Listed(actions) => {
                for a in actions {
                    if !TRUST_ACTIONS.iter().any(|t| t.eq_ignore_ascii_case(a)) {
                        push(format!("trust allows {a}; only {TRUST_ACTIONS:?}"));
                    }
                }
            }
        }
    }
    if !policy
        .statements
        .iter()
        .any(|s| allows_any(s, &["sts:AssumeRole"]))
    {
        out.push(finding(
            "ISO016",
            &policy.name,
            "-",
            "no statement allows sts:AssumeRole".into(),
        ));
    }
}

/// ISO017: `AssumeRole` and `TagSession` require the `api-key-id` tag,
/// non-empty, and `TagSession` allows no other tag key.
fn trust_tag(policy: &Policy, out: &mut Vec<Finding>) {
    if !policy
        .statements
        .iter()
        .any(|s| allows_any(s, &["sts:TagSession"]))
    {
        out.push(finding(
            "ISO017",
            &policy.name,
            "-",
            "no statement allows sts:TagSession, so the api-key-id tag can't be set".into(),
        ));
    }
    let empty_tag = RequestContext::new().with(REQUEST_TAG_KEY, "");
    for s in &policy.statements {
        if !allows_any(s, &["sts:TagSession", "sts:AssumeRole"]) {
            continue;
        }
        let mut push = |message: String| out.push(finding("ISO017", &policy.name, &s.sid, message));
        if !null_is(s, REQUEST_TAG_KEY, "false") {
            push(format!(
                "does not require the api-key-id tag (\"Null\": {{\"{REQUEST_TAG_KEY}\": \"false\"}})"
            ));
        }
        let like = Operator::parse("StringLike");
        let patterns = conditions_on(s, REQUEST_TAG_KEY).find(|c| Some(c.operator) == like);
        let admits_empty = patterns.is_none_or(|c| {
            c.values.is_empty() || c.holds(&empty_tag, policy.substitutes_variables())
        });
        if admits_empty {
            push(format!(
                "the api-key-id tag may be empty (StringLike {REQUEST_TAG_KEY} is {:?}; use \"??*\")",
                patterns.map(|c| &c.values)
            ));
        }
        if covers(s, "sts:TagSession") {
            let keys = condition(s, "ForAllValues:StringEquals", "aws:TagKeys");
            if !is_exactly(keys, tenant_registry::SESSION_TAG_KEY) {
                push(format!(
                    "tag keys are not limited to [\"api-key-id\"] (ForAllValues:StringEquals aws:TagKeys is {keys:?})"
                ));
            }
            for c in conditions_on(s, "aws:TagKeys") {
                if c.operator.set == Some(SetModifier::ForAnyValue) {
                    push(format!(
                        "{} on aws:TagKeys admits other keys too",
                        c.operator.name()
                    ));
                }
            }
        }
    }
}

/// ISO018: tags must not be transitive, on every statement that starts or
/// tags the session: the session could otherwise pass its tag on to roles
/// it chains into.
fn transitive_tags(policy: &Policy, out: &mut Vec<Finding>) {
    for s in &policy.statements {
        if allows_any(s, &["sts:TagSession", "sts:AssumeRole"])
            && !null_is(s, "sts:TransitiveTagKeys", "true")
        {
            out.push(finding(
                "ISO018",
                &policy.name,
                &s.sid,
                "transitive tags are not forbidden (\"Null\": {\"sts:TransitiveTagKeys\": \"true\"})"
                    .into(),
            ));
        }
    }
}

/// ISO019: `sts:SetSourceIdentity` is allowed only with a non-empty source
/// identity (the vending key), and AssumeRole requires one and a session
/// name equal to the tag. Before key rotation the source identity was the
/// tag itself; now the tag follows the data and the source identity the key.
fn source_identity(policy: &Policy, out: &mut Vec<Finding>) {
    let setting: Vec<&Statement> = policy
        .statements
        .iter()
        .filter(|s| allows_any(s, &["sts:SetSourceIdentity"]))
        .collect();
    if setting.is_empty() {
        out.push(finding(
            "ISO019",
            &policy.name,
            "-",
            "no statement allows sts:SetSourceIdentity; AssumeRole with SourceIdentity would fail"
                .into(),
        ));
    }
    // After a rotation the source identity is the vending key, not the tag:
    // it must be there and non-empty; what it names is vendor-fn's business.
    for s in setting {
        if !is_exactly(condition(s, "StringLike", "sts:SourceIdentity"), "??*") {
            out.push(finding(
                "ISO019",
                &policy.name,
                &s.sid,
                "sts:SourceIdentity is not required to be a key ID (StringLike \"??*\")".into(),
            ));
        }
    }
    for s in &policy.statements {
        if !allows_any(s, &["sts:AssumeRole"]) {
            continue;
        }
        if !null_is(s, "sts:SourceIdentity", "false") {
            out.push(finding(
                "ISO019",
                &policy.name,
                &s.sid,
                "AssumeRole does not require a source identity (\"Null\": {\"sts:SourceIdentity\": \"false\"})".into(),
            ));
        }
        // The session ARN (CloudTrail's principal) names the tenant: the
        // session name is the tag, whichever key vended the session.
        if !is_exactly(
            condition(s, "StringEquals", "sts:RoleSessionName"),
            REQUEST_TAG,
        ) {
            out.push(finding(
                "ISO019",
                &policy.name,
                &s.sid,
                format!("sts:RoleSessionName is not required to equal {REQUEST_TAG}"),
            ));
        }
    }
}

/// ISO020: never a prefix match on a tag value. Wherever the tag variable
/// is used it ends the string or is followed by `/` (an S3 key or index
/// path separator, which neither a table name nor the tag can contain), and
/// no wildcard comes right before it.
fn tag_prefix_matches(policy: &Policy, out: &mut Vec<Finding>) {
    for s in &policy.statements {
        for text in statement_strings(s) {
            let lower = text.to_ascii_lowercase();
            for variable in [TAG, REQUEST_TAG] {
                let needle = variable.to_ascii_lowercase();
                let mut from = 0;
                while let Some(at) = lower[from..].find(&needle) {
                    let start = from + at;
                    let end = start + needle.len();
                    let after = text[end..].chars().next();
                    let before = text[..start].chars().next_back();
                    if !matches!(after, None | Some('/')) {
                        out.push(finding(
                            "ISO020",
                            &policy.name,
                            &s.sid,
                            format!(
                                "{text:?}: {variable} is followed by {:?}, a prefix match (tenant ab would match abc)",
                                after.unwrap_or_default()
                            ),
                        ));
                    }
                    if matches!(before, Some('*' | '?')) {
                        out.push(finding(
                            "ISO020",
                            &policy.name,
                            &s.sid,
                            format!("{text:?}: wildcard right before {variable}, a suffix match"),
                        ));
                    }
                    from = end;
                }
            }
        }
    }
}

/// ISO021: S3 objects only under `<bucket>/<tag>/`, listing only with that
/// prefix, in a statement of its own.
fn s3_scope(policy: &Policy, names: &Names, out: &mut Vec<Finding>) {
    let bucket = names.bucket_arn();
    let own_objects = format!("{bucket}/{TAG}/*");
    let own_prefixes = [format!("{TAG}/"), format!("{TAG}/*")];
    for s in policy
        .statements
        .iter()
        .filter(|s| s.effect == Effect::Allow)
    {
        let s3 = service_actions(s, "s3");
        if s3.is_empty() {
            continue;
        }
        let mut push = |message: String| out.push(finding("ISO021", &policy.name, &s.sid, message));
        let resources = listed(s.resources.as_ref());
        let lists = s3.iter().any(|a| a.eq_ignore_ascii_case("s3:ListBucket"));
        if lists && s3.len() > 1 {
            push("mixes s3:ListBucket with object actions; give listing its own statement".into());
        } else if lists {
            if resources != [bucket.as_str()] {
                push(format!("s3:ListBucket on {resources:?}, not {bucket}"));
            }
            match condition(s, "StringLike", "s3:prefix") {
                Some(p) if !p.is_empty() && p.iter().all(|x| own_prefixes.contains(x)) => {}
                other => push(format!(
                    "s3:prefix is {other:?}, not limited to {own_prefixes:?}"
                )),
            }
            if !null_is(s, "s3:prefix", "false") {
                push("no \"Null\": {\"s3:prefix\": \"false\"} guard".into());
            }
        } else if resources != [own_objects.as_str()] {
            push(format!(
                "object actions on {resources:?}, not only {own_objects}"
            ));
        }
    }
}

/// ISO022: DynamoDB only on the pooled table or the tenant's own silo
/// table, named by the exact tag, and their indexes.
fn dynamodb_resources(policy: &Policy, names: &Names, out: &mut Vec<Finding>) {
    let pooled = names.table_arn(&names.pooled_table);
    let silo = names.table_arn(&format!("{}-{TAG}", names.silo_prefix));
    let allowed = [
        pooled.clone(),
        format!("{pooled}/index/*"),
        silo.clone(),
        format!("{silo}/index/*"),
    ];
    for s in policy
        .statements
        .iter()
        .filter(|s| s.effect == Effect::Allow)
    {
        if !touches(s, "dynamodb") {
            continue;
        }
        if !matches!(s.resources, Some(Matcher::Listed(_))) {
            out.push(finding(
                "ISO022",
                &policy.name,
                &s.sid,
                "grants DynamoDB on NotResource (or no Resource): neither the pooled table nor the tenant's own silo table".into(),
            ));
        }
        for r in listed(s.resources.as_ref()) {
            if !allowed.contains(r) {
                out.push(finding(
                    "ISO022",
                    &policy.name,
                    &s.sid,
                    format!("DynamoDB resource {r:?} is neither the pooled table nor the tenant's own silo table"),
                ));
            }
        }
    }
}

/// ISO023 and ISO024: the read-only session policy only narrows, to read
/// actions, and stays compact (STS limits its size; the session tags share
/// the packed size).
fn session_policy(policy: &Policy, raw: &Value, out: &mut Vec<Finding>) {
    for s in &policy.statements {
        let mut push = |message: String| out.push(finding("ISO023", &policy.name, &s.sid, message));
        if s.effect != Effect::Allow {
            push("is not Allow; a session policy only narrows".into());
        }
        match &s.actions {
            Matcher::NotListed(_) => push("uses NotAction; list the read actions".into()),
            Matcher::Listed(actions) => {
                for a in actions {
                    if !READ_ACTIONS.contains(&a.as_str()) {
                        push(format!("allows {a}, which is not a read action"));
                    }
                }
            }
        }
    }
    let compact = raw.to_string().len();
    if compact > SESSION_POLICY_MAX_CHARS / 2 {
        out.push(finding(
            "ISO024",
            &policy.name,
            "-",
            format!(
                "compact form is {compact} characters; keep it under {} (STS allows {SESSION_POLICY_MAX_CHARS}, shared headroom with tags)",
                SESSION_POLICY_MAX_CHARS / 2
            ),
        ));
    }
}

/// ISO025: the vendor function reads tenant records by key, assumes the
/// tenant role and writes its own logs; every action on exactly its resource.
fn vendor_permissions(policy: &Policy, names: &Names, out: &mut Vec<Finding>) {
    let registry = names.table_arn(&names.registry_table);
    let log_group = format!(
        "arn:{}:logs:{}:{}:log-group:{}:*",
        names.partition, names.region, names.account, names.vendor_log_group
    );
    for s in policy
        .statements
        .iter()
        .filter(|s| s.effect == Effect::Allow)
    {
        let mut push = |message: String| out.push(finding("ISO025", &policy.name, &s.sid, message));
        let resources = listed(s.resources.as_ref());
        if resources.iter().any(|r| r == "*") || !matches!(s.resources, Some(Matcher::Listed(_))) {
            push("Resource \"*\" (or NotResource): the vendor reaches more than it uses".into());
        }
        if matches!(s.actions, Matcher::NotListed(_)) {
            push("uses NotAction; list what the vendor does".into());
        }
        for a in listed(Some(&s.actions)) {
            let service = a.split(':').next().unwrap_or_default().to_ascii_lowercase();
            let expected = match service.as_str() {
                "sts" => &names.tenant_role,
                "dynamodb" => &registry,
                "logs" => &log_group,
                _ => {
                    push(format!("unexpected action {a}"));
                    continue;
                }
            };
            if resources != [expected.as_str()] {
                push(format!(
                    "{a} on {resources:?}, expected only [{expected:?}]"
                ));
            }
            if service == "dynamodb" && !a.eq_ignore_ascii_case("dynamodb:GetItem") {
                push(format!(
                    "the vendor only reads tenant records by key; {a} is not needed"
                ));
            }
        }
    }
}

/// ISO029: every statement of the vendor policy that lets it assume the
/// tenant role requires `ArnEquals` `lambda:SourceFunctionArn` = the vendor
/// function, and a Deny refuses the three trust actions on the tenant role
/// whenever `lambda:SourceFunctionArn` is anything else or absent
/// (`ArnNotEquals`, no `IfExists`). Lambda sets the key for the function's
/// own code only, and it is valid in identity policies only. The Deny is
/// what holds: the trust policy names the vendor role, and within one
/// account a resource-based policy that names the principal allows on its
/// own, whatever the identity policy's Allow requires.
fn vendor_bound_to_function(policy: &Policy, names: &Names, out: &mut Vec<Finding>) {
    let mut push = |sid: &str, message: String| {
        out.push(finding("ISO029", &policy.name, sid, message));
    };
    for s in policy
        .statements
        .iter()
        .filter(|s| allows_any(s, &["sts:AssumeRole"]))
    {
        let bound = is_exactly(
            condition(s, "ArnEquals", "lambda:SourceFunctionArn"),
            &names.vendor_function,
        );
        // Any other condition on the key (ArnLike, a second value, IfExists)
        // would widen it.
        let only = conditions_on(s, "lambda:SourceFunctionArn").count() == 1;
        if !bound || !only {
            push(
                &s.sid,
                format!(
                    "sts:AssumeRole without exactly ArnEquals lambda:SourceFunctionArn = {:?}: any code running as the vendor role could mint tenant sessions",
                    names.vendor_function
                ),
            );
        }
    }
    let denied = |action: &str| {
        policy.statements.iter().any(|s| {
            s.effect == Effect::Deny
                && covers(s, action)
                && listed(s.resources.as_ref()) == [names.tenant_role.as_str()]
                && s.conditions.len() == 1
                && is_exactly(
                    condition(s, "ArnNotEquals", "lambda:SourceFunctionArn"),
                    &names.vendor_function,
                )
        })
    };
    for action in TRUST_ACTIONS {
        if !denied(action) {
            push(
                "-",
                format!(
                    "no Deny of {action} on the tenant role when lambda:SourceFunctionArn is not {:?} (ArnNotEquals): the trust policy names the vendor role, so an Allow's condition alone binds nothing",
                    names.vendor_function
                ),
            );
        }
    }
}

/// ISO026: outside `Fn::Sub` nothing unescapes `${!…}`, so IAM would see it
/// literally (the converse of ISO008).
fn escaped_outside_sub(path: &Path, doc: &Value, out: &mut Vec<Finding>) {
    let file = path.display().to_string();
    let mut inside_sub: Vec<String> = Vec::new();
    walk(doc, "", &mut |location, node| {
        if let Value::Object(map) = node
            && map.contains_key("Fn::Sub")
        {
            inside_sub.push(format!("{location}/Fn::Sub"));
        }
        let Value::String(text) = node else { return };
        let under = |sub: &String| {
            location == sub
                || location
                    .strip_prefix(sub.as_str())
                    .is_some_and(|r| r.starts_with('/'))
        };
        if inside_sub.iter().any(under) {
            return;
        }
        for reference in references(text) {
            if let Reference::Escape(inner) = reference
                && let Some(literal) = inner.strip_prefix('!')
            {
                out.push(finding(
                    "ISO026",
                    &file,
                    location,
                    format!(
                        "{reference} outside Fn::Sub reaches IAM literally; write ${{{literal}}}"
                    ),
                ));
            }
        }
    });
}

#[cfg(test)]
mod tests;
