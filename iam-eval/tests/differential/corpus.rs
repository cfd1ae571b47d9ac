//! The generated corpus: policies, session policies and trust policies
//! over every condition operator with every set modifier and `IfExists`,
//! variables, wildcards and Not-elements, with requests to match.
//! Deterministic for a seed.

use iam_eval::{BaseOperator, SetModifier};
use serde_json::{Map, Value, json};

/// SplitMix64: small, deterministic, good enough to spread choices.
pub struct Rng(pub u64);

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

/// One generated case: the JSON both evaluators read, and the condition
/// operators it exercises (for the coverage check).
pub struct Generated {
    /// `{"id", "identity": [..], "session", "trust", "action", "resource",
    /// "principal", "context"}`, as `tools/iam-reference/decide.js` reads it.
    pub case: Value,
    /// Every condition operator written, as named in the policy.
    pub operators: Vec<String>,
}

/// Builds one condition block entry and notes what it exercises.
struct Builder<'a> {
    rng: &'a mut Rng,
    context: Map<String, Value>,
    operators: Vec<String>,
    mixed_dates: bool,
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
        if kind == Kind::Date && self.rng.chance(5) {
            self.mixed_dates = true;
        }
        // Key names are case-insensitive: vary the spelling in the policy.
        let written_key = if self.rng.chance(20) {
            key.to_uppercase()
        } else {
            key.to_owned()
        };
        self.ensure_context(key, kind, set.is_some(), epoch);
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
pub fn generate(rng: &mut Rng, id: usize, plan: &mut Plan) -> Generated {
    let version_2012 = !rng.chance(4);
    let mut b = Builder {
        rng,
        context: Map::new(),
        operators: Vec::new(),
        mixed_dates: false,
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
    Generated {
        case,
        operators: b.operators,
    }
}

/// Cycles through every operator x {none, ForAllValues, ForAnyValue} x
/// {plain, IfExists}, so coverage doesn't depend on luck.
pub struct Plan {
    /// Every combination, in the order they are dealt.
    pub combos: Vec<(BaseOperator, Option<SetModifier>, bool)>,
    next: usize,
}

impl Plan {
    pub fn new() -> Self {
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
