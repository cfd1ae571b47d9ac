//! Differential test: iam-eval against @cloud-copilot/iam-simulate on a
//! generated corpus (deterministic seed), covering every condition operator
//! with every set modifier and `IfExists`, variables, wildcards, Not-elements,
//! session policies and trust policies.
//!
//! The reference is installed by `./scripts/setup.sh` into
//! `tools/iam-reference/node_modules` (AGPL: test-time only, never vendored).
//! A missing `node` or package fails this test with the install command.
//!
//! Where iam-simulate departs from AWS's documented semantics, the case is
//! tagged with a [`Deviation`] and a disagreement there is reported, not
//! failed; every other disagreement fails the test.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use iam_eval::{
    BaseOperator, Decision, Policy, Request, RequestContext, SetModifier, evaluate, evaluate_trust,
};
use serde_json::{Map, Value, json};

const CASES: usize = 3000;
const SEED: u64 = 0x1a3e_7a11_2026_0004;

/// `IAM_EVAL_CORPUS_CASES` / `IAM_EVAL_CORPUS_SEED` run a larger or other
/// corpus by hand; CI runs the fixed one.
fn corpus_settings() -> (usize, u64) {
    let cases = std::env::var("IAM_EVAL_CORPUS_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(CASES);
    let seed = std::env::var("IAM_EVAL_CORPUS_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(SEED);
    (cases, seed)
}

/// Known departures of iam-simulate from AWS's documentation. Each case whose
/// shape touches one is tagged. A disagreement on a tagged case is tolerated
/// only if it is *explained*: after [`emulate`] rewrites the case so that
/// iam-eval's documented semantics reproduce iam-simulate's behaviour for the
/// tagged deviations, iam-eval must give iam-simulate's answer.
///
/// One more departure is avoided rather than tagged: iam-simulate reads a `*`
/// in the *request's* resource ARN as a wildcard pattern (it simulates
/// wildcard resources), while AWS authorizes concrete ARNs whose S3 keys may
/// contain `*`. The corpus therefore sends no request resource with `*`; the
/// `${*}` escape is still exercised through `${*}` and `?` patterns, and
/// iam-eval's unit tests match a literal `*` key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Deviation {
    /// iam-simulate parses an all-digit date as epoch *seconds* but an ISO
    /// date as *milliseconds* (JS `Date.parse`), so comparing the two forms
    /// is off by 1000x. AWS documents both forms for Date operators.
    MixedEpochAndIsoDates,
    /// iam-simulate reads a variable whose context value is the empty string
    /// as if the key were missing (JS truthiness): it takes the default if
    /// there is one, and otherwise keeps `${key}` as literal text. AWS
    /// substitutes the empty value (its "no value" rule is about absent keys).
    EmptyVariableValue,
    /// iam-simulate leaves `${*}`, `${?}`, `${$}` unsubstituted in operators
    /// without wildcards (StringEquals, Bool, ...). AWS documents them as
    /// escapes for "any place where you can use policy variables".
    EscapeInPlainOperator,
    /// iam-simulate substitutes variables regardless of the policy Version;
    /// AWS substitutes only under "2012-10-17" and reads `${...}` literally
    /// otherwise.
    VariableUnderOldVersion,
    /// With `...IfExists` under a set modifier and the key absent, AWS's
    /// IfExists rule ("if the key is not present, the condition is true")
    /// applies; iam-simulate ignores IfExists for set modifiers, so
    /// `ForAnyValue:...IfExists` on an absent key is false there.
    IfExistsUnderForAnyValue,
    /// iam-simulate compares a policy IP written without a `/prefix` only
    /// with a request address of the same family and otherwise answers "no"
    /// for IpAddress *and* NotIpAddress. AWS documents NotIpAddress as the
    /// negation, and an IPv6 address is plainly not the IPv4 address
    /// `10.1.2.3`, so iam-eval answers NotIpAddress true there.
    BareIpAcrossFamilies,
}

impl Deviation {
    fn name(self) -> &'static str {
        match self {
            Self::MixedEpochAndIsoDates => "mixed epoch/ISO dates",
            Self::EmptyVariableValue => "empty variable value or default",
            Self::EscapeInPlainOperator => "${*}/${?}/${$} in a non-wildcard operator",
            Self::VariableUnderOldVersion => "variable under Version 2008-10-17 or none",
            Self::IfExistsUnderForAnyValue => "ForAnyValue:...IfExists on an absent key",
            Self::BareIpAcrossFamilies => {
                "NotIpAddress with a bare IP and a request of the other family"
            }
        }
    }
}

/// SplitMix64: small, deterministic, good enough to spread choices.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % (n as u64)).expect("fits")
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const BUCKET: &str = "arn:aws:s3:::tenant-bucket";
const TABLE: &str = "arn:aws:dynamodb:us-east-1:123456789012:table/TenantData";
const TENANT_ROLE: &str = "arn:aws:iam::123456789012:role/TenantRole";
const VENDOR_ROLE: &str = "arn:aws:iam::123456789012:role/VendorFunctionRole";
const TAG: &str = "aws:PrincipalTag/api-key-id";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    String,
    Numeric,
    Date,
    Bool,
    Ip,
    Arn,
    Binary,
    Null,
}

fn kind_of(op: BaseOperator) -> Kind {
    let name = op.name();
    if name.starts_with("String") {
        Kind::String
    } else if name.starts_with("Numeric") {
        Kind::Numeric
    } else if name.starts_with("Date") {
        Kind::Date
    } else if name.starts_with("Arn") {
        Kind::Arn
    } else if name.contains("IpAddress") {
        Kind::Ip
    } else if op == BaseOperator::Bool {
        Kind::Bool
    } else if op == BaseOperator::BinaryEquals {
        Kind::Binary
    } else {
        Kind::Null
    }
}

fn keys_for(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::String => &[
            "aws:PrincipalTag/team",
            "s3:prefix",
            "my:str",
            "aws:TagKeys",
            "dynamodb:LeadingKeys",
        ],
        Kind::Numeric => &["s3:max-keys", "my:num"],
        Kind::Date => &["my:date", "aws:EpochTime"],
        Kind::Bool => &["aws:SecureTransport", "my:flag"],
        Kind::Ip => &["aws:SourceIp"],
        Kind::Arn => &["aws:SourceArn", "my:arn"],
        Kind::Binary => &["my:bin"],
        Kind::Null => &[
            "my:str",
            "aws:TagKeys",
            "dynamodb:LeadingKeys",
            "aws:SourceIp",
        ],
    }
}

/// Request-side values of a kind.
fn request_values(kind: Kind, epoch: bool) -> &'static [&'static str] {
    match kind {
        Kind::String | Kind::Null => &["k1", "k1x", "K1", "k2", "a", "ab", "a*b", "x/y"],
        Kind::Numeric => &["0", "1", "2", "3", "10", "2.5", "-1", "abc"],
        Kind::Date if epoch => &["1767225600", "1780315200", "1790000000", "0"],
        Kind::Date => &[
            "2026-01-01T00:00:00Z",
            "2026-06-01T12:00:00Z",
            "2026-06-01T12:00:00.000Z",
            "2027-01-01T00:00:00Z",
            "notadate",
        ],
        Kind::Bool => &["true", "false", "TRUE", "yes"],
        Kind::Ip => &[
            "10.1.2.3",
            "192.168.1.1",
            "10.255.0.1",
            "2001:db8::1",
            "not-an-ip",
        ],
        Kind::Arn => &[
            VENDOR_ROLE,
            "arn:aws:iam::123456789012:role/path/Other",
            "arn:aws:s3:::tenant-bucket/k1/x",
            "arn:aws:iam::999999999999:role/VendorFunctionRole",
            "notanarn",
        ],
        Kind::Binary => &["QUJD", "qujd", "AAAA"],
    }
}

/// Policy-side values of an operator.
fn policy_values(op: BaseOperator, epoch: bool) -> Vec<&'static str> {
    use BaseOperator as B;
    let kind = kind_of(op);
    match kind {
        Kind::String => {
            let mut v = vec![
                "k1",
                "k1x",
                "K1",
                "a",
                "ab",
                "${aws:PrincipalTag/api-key-id}",
                "${aws:username, 'k1'}",
                "${my:undefined}",
                "a${*}b",
            ];
            if matches!(op, B::StringLike | B::StringNotLike) {
                v.extend([
                    "k1*",
                    "k?",
                    "*",
                    "a*",
                    "${aws:PrincipalTag/api-key-id}*",
                    "x/*",
                ]);
            }
            v
        }
        Kind::Numeric => vec!["0", "1", "2", "3", "2.5", "10", "-1"],
        Kind::Date if epoch => vec!["1767225600", "1780315200", "1790000000"],
        Kind::Date => vec![
            "2026-01-01T00:00:00Z",
            "2026-06-01T12:00:00Z",
            "2026-06-01",
            "2026-12-31T23:59:59Z",
        ],
        Kind::Bool => vec!["true", "false", "True"],
        Kind::Ip => vec![
            "10.0.0.0/8",
            "10.1.2.3/32",
            "192.168.0.0/16",
            "2001:db8::/32",
            "10.1.2.3",
        ],
        Kind::Arn => vec![
            "arn:aws:iam::123456789012:role/*",
            "arn:aws:iam::*:role/VendorFunctionRole",
            VENDOR_ROLE,
            "arn:aws:iam::123456789012:role/?endorFunctionRole",
            "arn:aws:s3:::tenant-bucket/${aws:PrincipalTag/api-key-id}/*",
            "arn:aws:*:*:*:*",
        ],
        Kind::Binary => vec!["QUJD", "AAAA"],
        Kind::Null => vec!["true", "false"],
    }
}

struct Generated {
    case: Value,
    identity: Vec<Policy>,
    session: Option<Policy>,
    trust: Option<Policy>,
    request: Request,
    deviations: BTreeSet<Deviation>,
    operators: Vec<(String, bool)>,
}

/// Builds one condition block entry and notes what it exercises.
struct Builder<'a> {
    rng: &'a mut Rng,
    context: Map<String, Value>,
    deviations: BTreeSet<Deviation>,
    operators: Vec<String>,
    version_2012: bool,
    mixed_dates: bool,
    /// Per date key: whether epoch and/or ISO forms appear (policy or request).
    date_forms: BTreeMap<String, BTreeSet<bool>>,
}

fn is_epoch(value: &str) -> bool {
    !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit())
}

impl Builder<'_> {
    fn condition(
        &mut self,
        op: BaseOperator,
        set: Option<SetModifier>,
        if_exists: bool,
        epoch: bool,
    ) -> (String, String, Value) {
        let kind = kind_of(op);
        let key = *self.rng.pick(keys_for(kind));
        let mut name = String::new();
        match set {
            Some(SetModifier::ForAllValues) => name.push_str("ForAllValues:"),
            Some(SetModifier::ForAnyValue) => name.push_str("ForAnyValue:"),
            None => {}
        }
        name.push_str(op.name());
        if if_exists {
            name.push_str("IfExists");
        }
        let candidates = policy_values(op, epoch);
        let count = 1 + self.rng.below(3);
        let values: Vec<&str> = (0..count).map(|_| *self.rng.pick(&candidates)).collect();
        for v in &values {
            if v.contains("${*}")
                && matches!(kind, Kind::String)
                && !matches!(op, BaseOperator::StringLike | BaseOperator::StringNotLike)
            {
                self.deviations.insert(Deviation::EscapeInPlainOperator);
            }
            if v.contains("${") && !self.version_2012 {
                self.deviations.insert(Deviation::VariableUnderOldVersion);
            }
        }
        if kind == Kind::Date && self.rng.chance(5) {
            self.mixed_dates = true;
        }
        if kind == Kind::Date {
            let forms = self.date_forms.entry(key.to_owned()).or_default();
            forms.extend(values.iter().map(|v| is_epoch(v)));
        }
        // Key names are case-insensitive: vary the spelling in the policy.
        let written_key = if self.rng.chance(20) {
            key.to_uppercase()
        } else {
            key.to_owned()
        };
        self.ensure_context(key, kind, set.is_some(), epoch);
        if if_exists && set == Some(SetModifier::ForAnyValue) && !self.context.contains_key(key) {
            self.deviations.insert(Deviation::IfExistsUnderForAnyValue);
        }
        if op == BaseOperator::NotIpAddress && values.iter().any(|v| !v.contains('/')) {
            let v6 = match self.context.get(key) {
                Some(Value::String(v)) => v.contains(':'),
                Some(Value::Array(items)) => items
                    .iter()
                    .any(|i| i.as_str().is_some_and(|v| v.contains(':'))),
                _ => false,
            };
            if v6 {
                self.deviations.insert(Deviation::BareIpAcrossFamilies);
            }
        }
        self.operators.push(name.clone());
        let values = if values.len() == 1 && self.rng.chance(50) {
            json!(values[0])
        } else {
            json!(values)
        };
        (name, written_key, values)
    }

    /// Gives `key` a state in the request: absent, empty, single or a set.
    fn ensure_context(&mut self, key: &str, kind: Kind, set: bool, epoch: bool) {
        if self.context.contains_key(key) {
            return;
        }
        let pool = request_values(kind, epoch);
        let roll = self.rng.below(100);
        let (absent, empty, single) = if set { (20, 35, 50) } else { (25, 25, 85) };
        let value = if roll < absent {
            return;
        } else if roll < empty {
            if set {
                json!([])
            } else {
                json!(*self.rng.pick(pool))
            }
        } else if roll < single {
            json!(*self.rng.pick(pool))
        } else {
            let n = 1 + self.rng.below(3);
            json!((0..n).map(|_| *self.rng.pick(pool)).collect::<Vec<_>>())
        };
        let value = if kind == Kind::Date && self.mixed_dates {
            json!(*self.rng.pick(request_values(kind, !epoch)))
        } else {
            value
        };
        self.context.insert(key.to_owned(), value);
    }
}

// One flat recipe reads better than helpers passing the builder around.
#[allow(clippy::too_many_lines)]
fn generate(rng: &mut Rng, id: usize, plan: &mut Plan) -> Generated {
    let version_2012 = !rng.chance(4);
    let mut b = Builder {
        rng,
        context: Map::new(),
        deviations: BTreeSet::new(),
        operators: Vec::new(),
        version_2012,
        mixed_dates: false,
        date_forms: BTreeMap::new(),
    };
    // Base context: the tenant tag and a username, sometimes absent or empty.
    match b.rng.below(10) {
        0 => {}
        1 => {
            b.context.insert(TAG.into(), json!(""));
        }
        n => {
            b.context
                .insert(TAG.into(), json!(if n < 6 { "k1" } else { "k1x" }));
        }
    }
    if b.rng.chance(40) {
        b.context.insert(
            "aws:username".into(),
            json!(*b.rng.pick(&["k1", "k1x", ""])),
        );
    }
    let trust_case = b.rng.chance(15);
    let (action, resource, principal) = if trust_case {
        let action = *b
            .rng
            .pick(&["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"]);
        let principal = *b.rng.pick(&[
            "arn:aws:sts::123456789012:assumed-role/VendorFunctionRole/vendor-fn",
            VENDOR_ROLE,
            "arn:aws:sts::123456789012:assumed-role/TenantRole/k1",
            "lambda.amazonaws.com",
        ]);
        // Callers stay in the role's account: evaluate_trust decides the trust
        // policy's part only, and for a caller from another account AWS
        // (and iam-simulate) also require that caller's identity policy.
        (action, TENANT_ROLE.to_owned(), principal)
    } else {
        let (action, resource) = match b.rng.below(7) {
            0 => (
                "s3:GetObject",
                format!(
                    "{BUCKET}/{}/doc.txt",
                    b.rng.pick(&["k1", "k1x", "k2", "a-b"])
                ),
            ),
            1 => (
                "s3:PutObject",
                format!("{BUCKET}/{}/doc.txt", b.rng.pick(&["k1", "k1x"])),
            ),
            2 => ("s3:ListBucket", BUCKET.to_owned()),
            3 => ("dynamodb:GetItem", TABLE.to_owned()),
            4 => (
                "dynamodb:Query",
                format!("{TABLE}/index/{}", b.rng.pick(&["ByOwner", "k1"])),
            ),
            5 => ("dynamodb:Scan", TABLE.to_owned()),
            _ => ("dynamodb:PartiQLSelect", TABLE.to_owned()),
        };
        (
            action,
            resource,
            "arn:aws:sts::123456789012:assumed-role/TenantRole/k1",
        )
    };

    let version = if version_2012 {
        json!("2012-10-17")
    } else if b.rng.chance(50) {
        json!("2008-10-17")
    } else {
        Value::Null
    };
    let statements = 1 + b.rng.below(3);
    let mut body = Vec::new();
    for s in 0..statements {
        let mut st = Map::new();
        st.insert("Sid".into(), json!(format!("S{s}")));
        let deny = b.rng.chance(if s == 0 { 15 } else { 35 });
        st.insert("Effect".into(), json!(if deny { "Deny" } else { "Allow" }));
        let action_patterns: &[&str] = if trust_case {
            &[
                "sts:AssumeRole",
                "sts:*",
                "STS:tagsession",
                "sts:Set*",
                "*",
                "sts:?ssumeRole",
            ]
        } else {
            &[
                "s3:GetObject",
                "s3:get*",
                "S3:*Object",
                "s3:*",
                "*",
                "dynamodb:*",
                "dynamodb:?etItem",
                "dynamodb:Query",
                "dynamodb:PartiQL*",
                "s3:List*",
                "dynamodb:Scan",
            ]
        };
        let n = 1 + b.rng.below(2);
        let actions: Vec<&str> = (0..n).map(|_| *b.rng.pick(action_patterns)).collect();
        st.insert(
            if b.rng.chance(12) {
                "NotAction"
            } else {
                "Action"
            }
            .into(),
            json!(actions),
        );
        if trust_case {
            let principals = [
                json!({"AWS": VENDOR_ROLE}),
                json!({"AWS": [VENDOR_ROLE, "arn:aws:iam::123456789012:role/Other"]}),
                json!("*"),
                json!({"AWS": "*"}),
                json!({"AWS": TENANT_ROLE}),
                json!({"AWS": "arn:aws:sts::123456789012:assumed-role/VendorFunctionRole/vendor-fn"}),
                json!({"Service": "lambda.amazonaws.com"}),
            ];
            let p = b.rng.pick(&principals).clone();
            st.insert(
                if b.rng.chance(8) {
                    "NotPrincipal"
                } else {
                    "Principal"
                }
                .into(),
                p,
            );
        } else {
            let patterns: &[&str] = &[
                "*",
                "arn:aws:s3:::tenant-bucket/*",
                "arn:aws:s3:::tenant-bucket/${aws:PrincipalTag/api-key-id}/*",
                "arn:aws:s3:::tenant-bucket/${aws:username, 'k1'}/*",
                "arn:aws:s3:::tenant-bucket/${aws:username}/*",
                "arn:aws:s3:::tenant-bucket/k1?/*",
                "arn:aws:s3:::tenant-bucket/k1*",
                "arn:aws:s3:::Tenant-Bucket/*",
                "arn:aws:s3:::tenant-bucket/a${*}b/*",
                "arn:aws:s3:::tenant-bucket/a?b/*",
                "arn:aws:s3:::tenant-bucket",
                TABLE,
                "arn:aws:dynamodb:*:123456789012:table/TenantData",
                "arn:aws:dynamodb:us-east-1:123456789012:table/TenantData/index/*",
                "arn:aws:dynamodb:us-east-1:*:table/*",
                "arn:aws:dynamodb:us-east-1:123456789012:table/${aws:PrincipalTag/api-key-id}",
                "arn:aws:*:*:123456789012:*",
            ];
            let n = 1 + b.rng.below(2);
            let resources: Vec<&str> = (0..n).map(|_| *b.rng.pick(patterns)).collect();
            let not = b.rng.chance(12);
            for r in &resources {
                if r.contains("${") && !version_2012 {
                    b.deviations.insert(Deviation::VariableUnderOldVersion);
                }
            }
            st.insert(
                if not { "NotResource" } else { "Resource" }.into(),
                json!(resources),
            );
        }
        // Conditions: the plan walks every operator x modifier x IfExists.
        let conditions = if s == 0 {
            1 + b.rng.below(2)
        } else {
            b.rng.below(2)
        };
        let mut block: Map<String, Value> = Map::new();
        for _ in 0..conditions {
            let (op, set, if_exists, epoch) = plan.next(b.rng);
            let (name, key, values) = b.condition(op, set, if_exists, epoch);
            let entry = block.entry(name).or_insert_with(|| json!({}));
            entry.as_object_mut().expect("object").insert(key, values);
        }
        if trust_case && b.rng.chance(50) {
            let (name, key, values) = match b.rng.below(3) {
                0 => (
                    "Null".to_owned(),
                    "aws:RequestTag/api-key-id".to_owned(),
                    json!("false"),
                ),
                1 => (
                    "ForAllValues:StringEquals".to_owned(),
                    "aws:TagKeys".to_owned(),
                    json!(["api-key-id"]),
                ),
                _ => (
                    "StringEquals".to_owned(),
                    "sts:SourceIdentity".to_owned(),
                    json!("${aws:RequestTag/api-key-id}"),
                ),
            };
            block
                .entry(name)
                .or_insert_with(|| json!({}))
                .as_object_mut()
                .expect("object")
                .insert(key, values);
            b.context
                .entry("aws:RequestTag/api-key-id")
                .or_insert_with(|| json!("k1"));
            b.context
                .entry("aws:TagKeys")
                .or_insert_with(|| json!(["api-key-id"]));
            b.context
                .entry("sts:SourceIdentity")
                .or_insert_with(|| json!("k1"));
        }
        if !block.is_empty() {
            st.insert("Condition".into(), Value::Object(block));
        }
        body.push(Value::Object(st));
    }
    let mut doc = Map::new();
    if !version.is_null() {
        doc.insert("Version".into(), version);
    }
    doc.insert("Statement".into(), Value::Array(body));
    let doc = Value::Object(doc);

    let session_doc = (!trust_case && b.rng.chance(30)).then(|| {
        let actions = b
            .rng
            .pick(&[
                json!("*"),
                json!(["s3:Get*", "dynamodb:Query"]),
                json!(["s3:*", "dynamodb:GetItem"]),
                json!("dynamodb:*"),
            ])
            .clone();
        let mut statements = vec![json!({"Effect": "Allow", "Action": actions, "Resource": "*"})];
        if b.rng.chance(30) {
            statements.push(json!({"Effect": "Deny", "Action": "s3:PutObject", "Resource": "*"}));
        }
        json!({"Version": "2012-10-17", "Statement": statements})
    });

    for (key, forms) in &mut b.date_forms {
        match b.context.get(key.as_str()) {
            Some(Value::String(v)) => {
                forms.insert(is_epoch(v));
            }
            Some(Value::Array(items)) => {
                forms.extend(items.iter().filter_map(Value::as_str).map(is_epoch));
            }
            _ => {}
        }
        if forms.len() > 1 {
            b.deviations.insert(Deviation::MixedEpochAndIsoDates);
        }
    }
    // An empty string that a variable could read: a known reference quirk.
    let empty_tag = b.context.get(TAG) == Some(&json!(""));
    let empty_user = b.context.get("aws:username") == Some(&json!(""));
    let text = doc.to_string();
    if !version_2012 && text.contains("${") {
        b.deviations.insert(Deviation::VariableUnderOldVersion);
    }
    if (empty_tag && text.contains("${aws:PrincipalTag/api-key-id"))
        || (empty_user && text.contains("${aws:username"))
        || text.contains("''")
    {
        b.deviations.insert(Deviation::EmptyVariableValue);
    }

    let mut context = RequestContext::new();
    for (k, v) in &b.context {
        match v {
            Value::String(s) => context.set(k, s.clone()),
            Value::Array(items) => context.set_multi(
                k,
                items
                    .iter()
                    .map(|i| i.as_str().expect("strings").to_owned()),
            ),
            _ => unreachable!("context values are strings or arrays"),
        };
    }
    let request = Request::new(action, resource.clone())
        .with_principal(principal)
        .with_context(context);
    let policy = Policy::from_value("identity0", &doc).expect("generated policy parses");
    let case = json!({
        "id": id,
        "identity": if trust_case { json!([]) } else { json!([doc]) },
        "session": session_doc,
        "trust": if trust_case { doc.clone() } else { Value::Null },
        "action": action,
        "resource": resource,
        "principal": principal,
        "context": Value::Object(b.context.clone()),
    });
    let operators = b.operators.iter().map(|o| (o.clone(), false)).collect();
    let session = session_doc.map(|s| Policy::from_value("session", &s).expect("session parses"));
    let (identity, trust) = if trust_case {
        (Vec::new(), Some(policy))
    } else {
        (vec![policy], None)
    };
    Generated {
        case,
        identity,
        session,
        trust,
        request,
        deviations: b.deviations,
        operators,
    }
}

/// Cycles through every operator x {none, ForAllValues, ForAnyValue} x
/// {plain, IfExists}, so coverage doesn't depend on luck.
struct Plan {
    combos: Vec<(BaseOperator, Option<SetModifier>, bool)>,
    next: usize,
}

impl Plan {
    fn new() -> Self {
        let mut combos = Vec::new();
        for op in BaseOperator::ALL {
            if op == BaseOperator::Null {
                combos.push((op, None, false));
                continue;
            }
            for set in [
                None,
                Some(SetModifier::ForAllValues),
                Some(SetModifier::ForAnyValue),
            ] {
                for if_exists in [false, true] {
                    combos.push((op, set, if_exists));
                }
            }
        }
        Self { combos, next: 0 }
    }

    fn next(&mut self, rng: &mut Rng) -> (BaseOperator, Option<SetModifier>, bool, bool) {
        let (op, set, if_exists) = self.combos[self.next % self.combos.len()];
        self.next += 1;
        (op, set, if_exists, rng.chance(30))
    }
}

/// Rewrites a case so that iam-eval, with AWS's semantics, reproduces what
/// iam-simulate does for the given deviations; returns iam-eval's decision.
#[allow(clippy::too_many_lines)]
fn emulate(case: &Value, deviations: &BTreeSet<Deviation>) -> Decision {
    let mut case = case.clone();
    let context = case["context"].as_object().cloned().unwrap_or_default();
    let absent = |key: &str| !context.keys().any(|k| k.eq_ignore_ascii_case(key));
    let docs: Vec<&mut Value> = {
        let Value::Object(map) = &mut case else {
            unreachable!()
        };
        let mut docs = Vec::new();
        for (k, v) in map.iter_mut() {
            match k.as_str() {
                "identity" => docs.extend(v.as_array_mut().expect("array").iter_mut()),
                "session" | "trust" if !v.is_null() => docs.push(v),
                _ => {}
            }
        }
        docs
    };
    let mut date_keys = BTreeSet::new();
    for doc in docs {
        if deviations.contains(&Deviation::VariableUnderOldVersion) {
            doc["Version"] = json!("2012-10-17");
        }
        if deviations.contains(&Deviation::EmptyVariableValue) {
            let mut text = doc.to_string();
            for (key, value) in &context {
                if value == &json!("") {
                    // Literal text, as iam-simulate leaves it; defaults still apply
                    // because the key is dropped from the context below.
                    text = text.replace(&format!("${{{key}}}"), &format!("${{$}}{{{key}}}"));
                }
            }
            *doc = serde_json::from_str(&text).expect("still JSON");
        }
        for st in doc["Statement"].as_array_mut().expect("statements") {
            let Some(Value::Object(block)) = st.get_mut("Condition") else {
                continue;
            };
            let operators: Vec<String> = block.keys().cloned().collect();
            for op in operators {
                let base = op.rsplit(':').next().expect("name").to_owned();
                if deviations.contains(&Deviation::IfExistsUnderForAnyValue)
                    && op.starts_with("ForAnyValue:")
                    && op.ends_with("IfExists")
                {
                    let plain = op.trim_end_matches("IfExists").to_owned();
                    let entries = block[&op].as_object().expect("keys").clone();
                    for (key, values) in entries {
                        if absent(&key) {
                            block[&op].as_object_mut().expect("keys").remove(&key);
                            let target = block.entry(plain.clone()).or_insert_with(|| json!({}));
                            target
                                .as_object_mut()
                                .expect("keys")
                                .entry(key)
                                .or_insert(values);
                        }
                    }
                    if block[&op].as_object().expect("keys").is_empty() {
                        block.remove(&op);
                        continue;
                    }
                }
                if deviations.contains(&Deviation::BareIpAcrossFamilies)
                    && base.trim_end_matches("IfExists") == "NotIpAddress"
                {
                    for values in block[&op].as_object_mut().expect("keys").values_mut() {
                        let mut list: Vec<Value> = match &*values {
                            Value::Array(items) => items.clone(),
                            other => vec![other.clone()],
                        };
                        if list.iter().any(|v| !v.as_str().unwrap_or("").contains('/')) {
                            // Every IPv6 address now fails the NOR, as iam-simulate has it.
                            list.push(json!("::/0"));
                        }
                        *values = Value::Array(list);
                    }
                    continue;
                }
                let plain_string = [
                    "StringEquals",
                    "StringNotEquals",
                    "StringEqualsIgnoreCase",
                    "StringNotEqualsIgnoreCase",
                    "Bool",
                ]
                .iter()
                .any(|b| base.trim_end_matches("IfExists") == *b);
                let date = base.starts_with("Date");
                for (key, values) in block[&op].as_object_mut().expect("keys").iter_mut() {
                    let rewrite = |v: &str| -> String {
                        if deviations.contains(&Deviation::EscapeInPlainOperator) && plain_string {
                            // iam-simulate keeps the escape as literal text.
                            return v.replace("${*}", "${$}{*}");
                        }
                        if deviations.contains(&Deviation::MixedEpochAndIsoDates) && date {
                            return iso_to_millis(v);
                        }
                        v.to_owned()
                    };
                    if date {
                        date_keys.insert(key.to_lowercase());
                    }
                    let rewritten = match &*values {
                        Value::String(v) => json!(rewrite(v)),
                        Value::Array(items) => json!(
                            items
                                .iter()
                                .map(|i| rewrite(i.as_str().expect("string")))
                                .collect::<Vec<_>>()
                        ),
                        other => other.clone(),
                    };
                    *values = rewritten;
                }
            }
        }
    }
    let mut context = RequestContext::new();
    for (k, v) in &context_map(&case) {
        let date = deviations.contains(&Deviation::MixedEpochAndIsoDates)
            && date_keys.contains(&k.to_lowercase());
        let fix = |s: &str| if date { iso_to_millis(s) } else { s.to_owned() };
        match v {
            // iam-simulate reads an empty variable value as missing.
            Value::String(s)
                if s.is_empty() && deviations.contains(&Deviation::EmptyVariableValue) => {}
            Value::String(s) => {
                context.set(k, fix(s));
            }
            Value::Array(items) => {
                context.set_multi(k, items.iter().map(|i| fix(i.as_str().expect("string"))));
            }
            _ => {}
        }
    }
    let request = Request::new(
        case["action"].as_str().expect("action"),
        case["resource"].as_str().expect("resource"),
    )
    .with_principal(case["principal"].as_str().expect("principal"))
    .with_context(context);
    if case["trust"].is_null() {
        let identity: Vec<Policy> = case["identity"]
            .as_array()
            .expect("array")
            .iter()
            .map(|p| Policy::from_value("identity", p).expect("parses"))
            .collect();
        let session = (!case["session"].is_null())
            .then(|| Policy::from_value("session", &case["session"]).expect("parses"));
        evaluate(&request, &identity, session.as_ref()).decision
    } else {
        evaluate_trust(
            &request,
            &Policy::from_value("trust", &case["trust"]).expect("parses"),
        )
        .decision
    }
}

fn context_map(case: &Value) -> Map<String, Value> {
    case["context"].as_object().cloned().unwrap_or_default()
}

/// iam-simulate compares an ISO date in milliseconds with an epoch date in
/// seconds; writing the ISO date as its millisecond count (which iam-eval
/// reads as seconds) reproduces that comparison.
fn iso_to_millis(value: &str) -> String {
    if is_epoch(value) {
        return value.to_owned();
    }
    let parsed = chrono::DateTime::parse_from_rfc3339(value)
        .map(|d| d.timestamp_millis())
        .ok()
        .or_else(|| {
            chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d")
                .ok()
                .map(|d| {
                    d.and_hms_opt(0, 0, 0)
                        .expect("midnight")
                        .and_utc()
                        .timestamp_millis()
                })
        });
    parsed.map_or_else(|| value.to_owned(), |ms| ms.to_string())
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

fn reference_decisions(input: &str) -> Vec<String> {
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
        .unwrap_or_else(|e| panic!("cannot run node ({e}); install Node.js 20+ (apt-get install -y nodejs npm) and run {install}"));
    let mut stdin = child.stdin.take().expect("stdin");
    let input = input.to_owned();
    let writer =
        std::thread::spawn(move || stdin.write_all(input.as_bytes()).expect("write cases"));
    let output = child.wait_with_output().expect("node finishes");
    writer.join().expect("writer");
    assert!(
        output.status.success(),
        "reference evaluator failed: {}",
        output.status
    );
    String::from_utf8(output.stdout)
        .expect("utf-8")
        .lines()
        .map(|line| {
            let v: Value = serde_json::from_str(line).expect("reference output is JSON");
            v["decision"].as_str().expect("decision").to_owned()
        })
        .collect()
}

#[test]
#[allow(clippy::too_many_lines)]
fn agrees_with_iam_simulate_on_a_generated_corpus() {
    let (count, seed) = corpus_settings();
    let mut rng = Rng(seed);
    let mut plan = Plan::new();
    let cases: Vec<Generated> = (0..count)
        .map(|id| generate(&mut rng, id, &mut plan))
        .collect();
    let input: String = cases.iter().map(|c| c.case.to_string() + "\n").collect();
    let reference = reference_decisions(&input);
    assert_eq!(
        reference.len(),
        cases.len(),
        "one reference decision per case"
    );

    let mut agree = 0usize;
    let mut tolerated: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let mut failures = Vec::new();
    let mut decisions: BTreeMap<&str, usize> = BTreeMap::new();
    let mut coverage: BTreeMap<String, usize> = BTreeMap::new();
    for (case, expected) in cases.iter().zip(&reference) {
        let ours = match &case.trust {
            Some(trust) => evaluate_trust(&case.request, trust),
            None => evaluate(&case.request, &case.identity, case.session.as_ref()),
        }
        .decision;
        *decisions.entry(ours.as_str()).or_default() += 1;
        for (op, _) in &case.operators {
            *coverage.entry(op.clone()).or_default() += 1;
        }
        for d in &case.deviations {
            tolerated.entry(d.name()).or_default().0 += 1;
        }
        // The emulation must reproduce iam-simulate on *every* tagged case,
        // agreeing ones included: that keeps it from explaining away bugs.
        if !case.deviations.is_empty() && emulate(&case.case, &case.deviations).as_str() != expected
        {
            failures.push(format!(
                "case {}: emulating {:?} does not reproduce iam-simulate's {expected}\n  {}",
                case.case["id"], case.deviations, case.case
            ));
            continue;
        }
        if ours.as_str() == expected {
            agree += 1;
        } else if !case.deviations.is_empty()
            && emulate(&case.case, &case.deviations).as_str() == expected
        {
            for d in &case.deviations {
                tolerated.entry(d.name()).or_default().1 += 1;
            }
            if std::env::var_os("IAM_EVAL_SHOW_DEVIATIONS").is_some() {
                let names: Vec<_> = case.deviations.iter().map(|d| d.name()).collect();
                println!(
                    "explained by {names:?}: iam-eval {} vs iam-simulate {expected}\n  {}",
                    ours.as_str(),
                    case.case
                );
            }
        } else {
            failures.push(format!(
                "case {}: iam-eval {} vs iam-simulate {expected}\n  {}",
                case.case["id"],
                ours.as_str(),
                case.case
            ));
        }
    }
    let trust_cases = cases.iter().filter(|c| c.trust.is_some()).count();
    let session_cases = cases.iter().filter(|c| c.session.is_some()).count();
    let tagged = cases.iter().filter(|c| !c.deviations.is_empty()).count();
    println!(
        "corpus: {trust_cases} trust-policy cases, {session_cases} with a session policy, {tagged} tagged with a known deviation"
    );
    println!(
        "corpus: {} cases, {agree} agree, decisions {decisions:?}",
        cases.len()
    );
    for (name, (tagged, differ)) in &tolerated {
        println!(
            "known deviation '{name}': {tagged} cases tagged, {differ} disagreements explained by it"
        );
    }
    assert!(
        failures.is_empty(),
        "{} disagreements:\n{}",
        failures.len(),
        failures
            .iter()
            .take(15)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    let expected_combos = Plan::new().combos.len();
    assert_eq!(
        coverage.len(),
        expected_combos,
        "every operator x set modifier x IfExists appears"
    );
    assert!(
        coverage.values().all(|n| *n >= 10),
        "each combination appears at least 10 times: {coverage:?}"
    );
    for d in [
        Decision::Allowed,
        Decision::ImplicitDeny,
        Decision::ExplicitDeny,
    ] {
        assert!(
            decisions.get(d.as_str()).copied().unwrap_or(0) >= 100,
            "too few {} cases: {decisions:?}",
            d.as_str()
        );
    }
}
