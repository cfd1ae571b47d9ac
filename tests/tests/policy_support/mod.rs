//! Reading the IAM documents in `policies/` and `template.yaml`, and the
//! checks for each pitfall in DESIGN.md ("Policies"). A check returns the
//! problems it found, each a sentence naming the statement and what is wrong,
//! so a test can assert both that the real documents pass and that a mutated
//! copy is caught.
#![allow(dead_code)]

use std::path::PathBuf;

use serde_json::Value;

pub const TENANT_ROLE_PERMISSIONS: &str = "tenant-role-permissions.json";
pub const TENANT_ROLE_TRUST: &str = "tenant-role-trust.json";
pub const VENDOR_FN_PERMISSIONS: &str = "vendor-fn-permissions.json";
pub const SESSION_READ_ONLY: &str = "session-read-only.json";

/// Every policy document in `policies/`.
pub const POLICY_FILES: [&str; 4] = [
    TENANT_ROLE_PERMISSIONS,
    TENANT_ROLE_TRUST,
    VENDOR_FN_PERMISSIONS,
    SESSION_READ_ONLY,
];

/// The deploy-time placeholders documented in `policies/README.md`.
pub const DOCUMENTED_PLACEHOLDERS: [&str; 10] = [
    "${AWS::Partition}",
    "${AWS::Region}",
    "${AWS::AccountId}",
    "${TenantDataTable}",
    "${TenantBucket}",
    "${SiloTablePrefix}",
    "${TenantTable}",
    "${TenantRoleArn}",
    "${VendorFunctionRoleArn}",
    "${VendorFunctionLogGroup}",
];

/// The IAM policy variables the documents may use: the session tag, as seen
/// by the tenant's requests and by the `AssumeRole` request that sets it.
pub const POLICY_VARIABLES: [&str; 2] = [TAG, REQUEST_TAG];

pub const TAG: &str = "${aws:PrincipalTag/api-key-id}";
pub const REQUEST_TAG: &str = "${aws:RequestTag/api-key-id}";
pub const VENDOR_ROLE: &str = "${VendorFunctionRoleArn}";

const TABLE_ARN_PREFIX: &str =
    "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/";
const BUCKET_ARN: &str = "arn:${AWS::Partition}:s3:::${TenantBucket}";

/// `DynamoDB` actions that name their keys, so `dynamodb:LeadingKeys` is
/// present. Anything else (Scan, streams, exports, table admin) stays out.
pub const DYNAMODB_ITEM_ACTIONS: [&str; 12] = [
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:PartiQLSelect",
    "dynamodb:PartiQLInsert",
    "dynamodb:PartiQLUpdate",
    "dynamodb:PartiQLDelete",
];

/// Actions the read-only session policy may allow.
pub const READ_ACTIONS: [&str; 7] = [
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:ConditionCheckItem",
    "dynamodb:PartiQLSelect",
    "s3:GetObject",
    "s3:ListBucket",
];

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the system-tests crate sits in the repository root")
        .to_path_buf()
}

pub fn read_text(relative: &str) -> String {
    let path = repo_root().join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

pub fn policy(name: &str) -> Value {
    let text = read_text(&format!("policies/{name}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("policies/{name} is not valid JSON: {e}"))
}

pub fn template() -> Value {
    let text = read_text("template.yaml");
    serde_yaml_ng::from_str(&text)
        .unwrap_or_else(|e| panic!("template.yaml is not YAML a plain parser can read: {e}"))
}

// ------------------------------------------------------------ accessors

/// The statements of a policy (`Statement` may be one object or a list).
pub fn statements(doc: &Value) -> Vec<&Value> {
    match &doc["Statement"] {
        Value::Array(list) => list.iter().collect(),
        Value::Object(_) => vec![&doc["Statement"]],
        _ => Vec::new(),
    }
}

/// A string or list of strings as a list; anything else is empty.
pub fn strings(v: &Value) -> Vec<&str> {
    match v {
        Value::String(s) => vec![s.as_str()],
        Value::Array(list) => list.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

pub fn sid(stmt: &Value) -> &str {
    stmt["Sid"].as_str().unwrap_or("<no Sid>")
}

pub fn is_allow(stmt: &Value) -> bool {
    stmt["Effect"] == "Allow"
}

pub fn actions(stmt: &Value) -> Vec<&str> {
    strings(&stmt["Action"])
}

pub fn resources(stmt: &Value) -> Vec<&str> {
    strings(&stmt["Resource"])
}

/// Whether a statement's actions cover `action` (IAM action names are
/// case-insensitive; `*` and `?` are wildcards).
pub fn allows_action(stmt: &Value, action: &str) -> bool {
    actions(stmt)
        .iter()
        .any(|pattern| wildcard_match(&pattern.to_ascii_lowercase(), &action.to_ascii_lowercase()))
}

/// The values of a condition `operator` on `key` (keys are case-insensitive).
pub fn condition<'a>(stmt: &'a Value, operator: &str, key: &str) -> Option<Vec<&'a str>> {
    let block = stmt["Condition"].get(operator)?.as_object()?;
    block
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| match v {
            Value::Bool(b) => vec![if *b { "true" } else { "false" }],
            other => strings(other),
        })
}

/// Whether `Null` on `key` is exactly `expected` ("true" or "false").
pub fn null_guard_is(stmt: &Value, key: &str, expected: &str) -> bool {
    condition(stmt, "Null", key).is_some_and(|v| v == [expected])
}

/// Every condition operator used on `key` in a statement.
pub fn operators_on<'a>(stmt: &'a Value, key: &str) -> Vec<&'a str> {
    stmt["Condition"]
        .as_object()
        .map(|ops| {
            ops.iter()
                .filter(|(_, block)| {
                    block
                        .as_object()
                        .is_some_and(|b| b.keys().any(|k| k.eq_ignore_ascii_case(key)))
                })
                .map(|(op, _)| op.as_str())
                .collect()
        })
        .unwrap_or_default()
}

/// The mutable statement with this `Sid`, for building mutated copies.
pub fn statement_mut<'a>(doc: &'a mut Value, wanted: &str) -> &'a mut Value {
    doc["Statement"]
        .as_array_mut()
        .and_then(|list| list.iter_mut().find(|s| s["Sid"] == wanted))
        .unwrap_or_else(|| panic!("no statement with Sid {wanted}"))
}

/// Every string value in a JSON document, depth first.
pub fn all_strings(v: &Value) -> Vec<&str> {
    let mut out = Vec::new();
    collect_strings(v, &mut out);
    out
}

fn collect_strings<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
    match v {
        Value::String(s) => out.push(s),
        Value::Array(list) => list.iter().for_each(|x| collect_strings(x, out)),
        Value::Object(map) => map.values().for_each(|x| collect_strings(x, out)),
        _ => {}
    }
}

/// Every `${...}` in a string, braces included.
pub fn placeholders(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = s;
    let mut offset = 0;
    while let Some(start) = rest.find("${") {
        let Some(len) = rest[start..].find('}') else {
            break;
        };
        out.push(&s[offset + start..=offset + start + len]);
        offset += start + len + 1;
        rest = &s[offset..];
    }
    out
}

/// IAM string matching: `*` any run of characters, `?` any one character.
pub fn wildcard_match(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

// ---------------------------------------------------------- the checks

/// DESIGN.md: `ForAllValues` is true when the key is absent, so every
/// statement granting `DynamoDB` must pin `dynamodb:LeadingKeys` to the tag
/// with `ForAllValues:StringEquals` AND a `Null` guard in the same statement.
pub fn leading_keys_problems(doc: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    for stmt in statements(doc).into_iter().filter(|s| is_allow(s)) {
        if !actions(stmt)
            .iter()
            .any(|a| a.to_ascii_lowercase().starts_with("dynamodb:"))
        {
            continue;
        }
        match condition(stmt, "ForAllValues:StringEquals", "dynamodb:LeadingKeys") {
            Some(values) if values == [TAG] => {}
            Some(values) => problems.push(format!(
                "statement {}: dynamodb:LeadingKeys must equal exactly [{TAG}], found {values:?}",
                sid(stmt)
            )),
            None => problems.push(format!(
                "statement {}: grants DynamoDB without ForAllValues:StringEquals dynamodb:LeadingKeys = {TAG}",
                sid(stmt)
            )),
        }
        if !null_guard_is(stmt, "dynamodb:LeadingKeys", "false") {
            problems.push(format!(
                "statement {}: no \"Null\": {{\"dynamodb:LeadingKeys\": \"false\"}} guard; ForAllValues is \
                 vacuously true for Scan and other key-less requests",
                sid(stmt)
            ));
        }
        for op in operators_on(stmt, "dynamodb:LeadingKeys") {
            if op.starts_with("ForAnyValue")
                || op.starts_with("StringLike")
                || op.ends_with("StringLike")
            {
                problems.push(format!(
                    "statement {}: dynamodb:LeadingKeys under {op}; only an exact ForAllValues:StringEquals \
                     keeps a tenant in its own partition",
                    sid(stmt)
                ));
            }
        }
    }
    problems
}

/// DESIGN.md: list actions explicitly, never `dynamodb:*` (or any wildcard),
/// and no `NotAction`.
pub fn wildcard_action_problems(doc: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    for stmt in statements(doc) {
        if stmt.get("NotAction").is_some() {
            problems.push(format!(
                "statement {}: uses NotAction; list actions explicitly",
                sid(stmt)
            ));
        }
        for action in actions(stmt) {
            if action.contains(['*', '?']) {
                problems.push(format!(
                    "statement {}: wildcard action {action:?}; list actions explicitly",
                    sid(stmt)
                ));
            }
        }
    }
    problems
}

/// The tenant may only use item actions, the ones that carry
/// `dynamodb:LeadingKeys` (no Scan, streams, exports or table admin).
pub fn non_item_action_problems(doc: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    for stmt in statements(doc).into_iter().filter(|s| is_allow(s)) {
        for action in actions(stmt) {
            if action.to_ascii_lowercase().starts_with("dynamodb:")
                && !DYNAMODB_ITEM_ACTIONS
                    .iter()
                    .any(|ok| ok.eq_ignore_ascii_case(action))
            {
                problems.push(format!(
                    "statement {}: allows {action}, which is not a keyed item action",
                    sid(stmt)
                ));
            }
        }
    }
    problems
}

/// DESIGN.md: `PartiQL`: deny `dynamodb:FullTableScan`.
pub fn partiql_scan_problems(doc: &Value) -> Vec<String> {
    let allows_select = statements(doc)
        .into_iter()
        .any(|s| is_allow(s) && allows_action(s, "dynamodb:PartiQLSelect"));
    if !allows_select {
        return Vec::new();
    }
    let denied = statements(doc).into_iter().any(|s| {
        s["Effect"] == "Deny"
            && allows_action(s, "dynamodb:PartiQLSelect")
            && condition(s, "Bool", "dynamodb:FullTableScan").is_some_and(|v| v == ["true"])
            && s["Condition"].as_object().is_some_and(|c| c.len() == 1)
            && resources(s)
                .iter()
                .any(|r| *r == "*" || *r == format!("{TABLE_ARN_PREFIX}*"))
    });
    if denied {
        Vec::new()
    } else {
        vec![format!(
            "dynamodb:PartiQLSelect is allowed but no Deny statement with Bool dynamodb:FullTableScan = \"true\" \
             covers every table ({TABLE_ARN_PREFIX}*)"
        )]
    }
}

/// DESIGN.md: the trust policy allows only the vendor's execution role.
pub fn trust_principal_problems(doc: &Value) -> Vec<String> {
    const TRUST_ACTIONS: [&str; 3] = ["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"];
    let mut problems = Vec::new();
    for stmt in statements(doc) {
        if stmt.get("NotPrincipal").is_some() {
            problems.push(format!(
                "statement {}: NotPrincipal admits everyone else",
                sid(stmt)
            ));
        }
        if !is_allow(stmt) {
            continue;
        }
        let principal = &stmt["Principal"];
        let only_vendor = principal.as_object().is_some_and(|p| p.len() == 1)
            && strings(&principal["AWS"]) == [VENDOR_ROLE];
        if !only_vendor {
            problems.push(format!(
                "statement {}: principal {principal} is not only the vendor role {VENDOR_ROLE}",
                sid(stmt)
            ));
        }
        for action in actions(stmt) {
            if !TRUST_ACTIONS.contains(&action) {
                problems.push(format!(
                    "statement {}: trust allows {action}; only {TRUST_ACTIONS:?}",
                    sid(stmt)
                ));
            }
        }
    }
    if !statements(doc)
        .iter()
        .any(|s| is_allow(s) && allows_action(s, "sts:AssumeRole"))
    {
        problems.push("no statement allows sts:AssumeRole".to_owned());
    }
    problems
}

/// DESIGN.md: `sts:TagSession` with the `api-key-id` tag present, non-empty,
/// and no other tag keys; `AssumeRole` itself requires the tag too, so an
/// untagged session can't exist.
pub fn trust_tag_problems(doc: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let tag_key = "aws:RequestTag/api-key-id";
    let tagging: Vec<&Value> = statements(doc)
        .into_iter()
        .filter(|s| is_allow(s) && allows_action(s, "sts:TagSession"))
        .collect();
    if tagging.is_empty() {
        problems.push(
            "no statement allows sts:TagSession, so the api-key-id tag can't be set".to_owned(),
        );
    }
    for stmt in statements(doc).into_iter().filter(|s| is_allow(s)) {
        let tags = allows_action(stmt, "sts:TagSession");
        if !tags && !allows_action(stmt, "sts:AssumeRole") {
            continue;
        }
        if !null_guard_is(stmt, tag_key, "false") {
            problems.push(format!(
                "statement {}: does not require the api-key-id tag (\"Null\": {{\"{tag_key}\": \"false\"}})",
                sid(stmt)
            ));
        }
        match condition(stmt, "StringLike", tag_key) {
            Some(patterns) if !patterns.is_empty() && patterns.iter().all(|p| !wildcard_match(p, "")) => {}
            other => problems.push(format!(
                "statement {}: the api-key-id tag may be empty (StringLike {tag_key} is {other:?}; use \"??*\")",
                sid(stmt)
            )),
        }
        if tags {
            match condition(stmt, "ForAllValues:StringEquals", "aws:TagKeys") {
                Some(keys) if keys == ["api-key-id"] => {}
                other => problems.push(format!(
                    "statement {}: tag keys are not limited to [\"api-key-id\"] (ForAllValues:StringEquals \
                     aws:TagKeys is {other:?})",
                    sid(stmt)
                )),
            }
            for op in operators_on(stmt, "aws:TagKeys") {
                if op.starts_with("ForAnyValue") {
                    problems.push(format!(
                        "statement {}: {op} on aws:TagKeys admits other keys too",
                        sid(stmt)
                    ));
                }
            }
        }
    }
    problems
}

/// Tags must not be transitive: the session could otherwise pass its tag on
/// to roles it chains into.
pub fn transitive_tag_problems(doc: &Value) -> Vec<String> {
    statements(doc)
        .into_iter()
        .filter(|s| is_allow(s) && (allows_action(s, "sts:TagSession") || allows_action(s, "sts:AssumeRole")))
        .filter(|s| !null_guard_is(s, "sts:TransitiveTagKeys", "true"))
        .map(|s| {
            format!(
                "statement {}: transitive tags are not forbidden (\"Null\": {{\"sts:TransitiveTagKeys\": \"true\"}})",
                sid(s)
            )
        })
        .collect()
}

/// `sts:SetSourceIdentity` is allowed, only with the source identity equal
/// to the tag, and `AssumeRole` requires a source identity.
pub fn source_identity_problems(doc: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let setting: Vec<&Value> = statements(doc)
        .into_iter()
        .filter(|s| is_allow(s) && allows_action(s, "sts:SetSourceIdentity"))
        .collect();
    if setting.is_empty() {
        problems.push(
            "no statement allows sts:SetSourceIdentity; AssumeRole with SourceIdentity would fail"
                .to_owned(),
        );
    }
    for stmt in setting {
        if condition(stmt, "StringEquals", "sts:SourceIdentity").is_none_or(|v| v != [REQUEST_TAG])
        {
            problems.push(format!(
                "statement {}: sts:SourceIdentity is not required to equal {REQUEST_TAG}",
                sid(stmt)
            ));
        }
    }
    for stmt in statements(doc)
        .into_iter()
        .filter(|s| is_allow(s) && allows_action(s, "sts:AssumeRole"))
    {
        if !null_guard_is(stmt, "sts:SourceIdentity", "false") {
            problems.push(format!(
                "statement {}: AssumeRole does not require a source identity (\"Null\": {{\"sts:SourceIdentity\": \"false\"}})",
                sid(stmt)
            ));
        }
    }
    problems
}

/// DESIGN.md: never a prefix match on a tag value. Wherever the tag is
/// used, it must end the string or be followed by `/` (S3 key or index path
/// separator, which neither a table name nor the tag can contain), and no
/// wildcard may come right before it.
pub fn prefix_match_problems(doc: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    for s in all_strings(doc) {
        let lower = s.to_ascii_lowercase();
        for variable in POLICY_VARIABLES {
            let needle = variable.to_ascii_lowercase();
            let mut from = 0;
            while let Some(at) = lower[from..].find(&needle) {
                let start = from + at;
                let end = start + needle.len();
                let after = s[end..].chars().next();
                let before = s[..start].chars().next_back();
                if !matches!(after, None | Some('/')) {
                    problems.push(format!(
                        "{s:?}: {variable} is followed by {:?}, a prefix match (tenant ab would match abc)",
                        after.unwrap_or_default()
                    ));
                }
                if matches!(before, Some('*' | '?')) {
                    problems.push(format!(
                        "{s:?}: wildcard right before {variable}, a suffix match"
                    ));
                }
                from = end;
            }
        }
    }
    problems
}

/// S3: objects only under `<bucket>/<tag>/`, listing only with that prefix.
pub fn s3_scope_problems(doc: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let own_objects = format!("{BUCKET_ARN}/{TAG}/*");
    let own_prefixes = [format!("{TAG}/"), format!("{TAG}/*")];
    for stmt in statements(doc).into_iter().filter(|s| is_allow(s)) {
        let s3: Vec<&str> = actions(stmt)
            .into_iter()
            .filter(|a| a.to_ascii_lowercase().starts_with("s3:"))
            .collect();
        if s3.is_empty() {
            continue;
        }
        let lists = s3.iter().any(|a| a.eq_ignore_ascii_case("s3:ListBucket"));
        if lists && s3.len() > 1 {
            problems.push(format!(
                "statement {}: mixes s3:ListBucket with object actions; give listing its own statement",
                sid(stmt)
            ));
            continue;
        }
        if lists {
            if resources(stmt) != [BUCKET_ARN] {
                problems.push(format!(
                    "statement {}: s3:ListBucket on {:?}, not {BUCKET_ARN}",
                    sid(stmt),
                    resources(stmt)
                ));
            }
            match condition(stmt, "StringLike", "s3:prefix") {
                Some(p)
                    if !p.is_empty() && p.iter().all(|x| own_prefixes.iter().any(|o| o == x)) => {}
                other => problems.push(format!(
                    "statement {}: s3:prefix is {other:?}, not limited to {own_prefixes:?}",
                    sid(stmt)
                )),
            }
            if !null_guard_is(stmt, "s3:prefix", "false") {
                problems.push(format!(
                    "statement {}: no \"Null\": {{\"s3:prefix\": \"false\"}} guard",
                    sid(stmt)
                ));
            }
        } else if resources(stmt) != [own_objects.as_str()] {
            problems.push(format!(
                "statement {}: object actions on {:?}, not only {own_objects}",
                sid(stmt),
                resources(stmt)
            ));
        }
    }
    problems
}

/// `DynamoDB` resources: the pooled table, or the tenant's own silo table
/// named by the exact tag, and their indexes; nothing else.
pub fn dynamodb_resource_problems(doc: &Value) -> Vec<String> {
    let pooled = format!("{TABLE_ARN_PREFIX}${{TenantDataTable}}");
    let silo = format!("{TABLE_ARN_PREFIX}${{SiloTablePrefix}}-{TAG}");
    let allowed = [
        pooled.clone(),
        format!("{pooled}/index/*"),
        silo.clone(),
        format!("{silo}/index/*"),
    ];
    let mut problems = Vec::new();
    for stmt in statements(doc).into_iter().filter(|s| is_allow(s)) {
        if !actions(stmt)
            .iter()
            .any(|a| a.to_ascii_lowercase().starts_with("dynamodb:"))
        {
            continue;
        }
        for r in resources(stmt) {
            if !allowed.iter().any(|a| a == r) {
                problems.push(format!(
                    "statement {}: DynamoDB resource {r:?} is neither the pooled table nor the tenant's own silo table",
                    sid(stmt)
                ));
            }
        }
    }
    problems
}
