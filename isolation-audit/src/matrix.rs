//! The request matrix and the expected outcome of each request.
//!
//! Expectations follow from one rule, not from per-case answers: a tenant's
//! session acts only on its own partition of the pooled table (and its
//! indexes), its own silo table and its own S3 prefix; only the vendor
//! function's role assumes the tenant role, and only with exactly the
//! `api-key-id` tag and a matching source identity. On top, the product's
//! intended actions (item reads and writes on its own data; reads only under
//! the read-only session policy) must be allowed.

use iam_eval::{Request, RequestContext};
use serde::Serialize;
use tenant_registry::SESSION_TAG_KEY;

use crate::inputs::Params;

/// What the isolation rule and the product say about one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Expectation {
    /// An intended action on the tenant's own data: denying it breaks the product.
    MustAllow,
    /// Crosses a tenant boundary (or is not the vendor assuming): must be denied.
    MustDeny,
    /// Within the tenant's own data but not needed: either answer holds.
    MayAllow,
}

impl Expectation {
    fn from(safe: bool, intended: bool) -> Self {
        match (safe, intended) {
            (false, _) => Self::MustDeny,
            (true, true) => Self::MustAllow,
            (true, false) => Self::MayAllow,
        }
    }
}

/// Which policies decide a check.
#[derive(Debug, Clone)]
pub enum Subject {
    /// A tenant session: tenant permissions, optionally ∩ the read-only session policy.
    TenantSession {
        /// Whether the read-only session policy applies.
        read_only: bool,
        /// The request the session makes.
        request: Request,
    },
    /// The vendor function's role, by its identity policy.
    Vendor {
        /// The request the function makes.
        request: Request,
    },
    /// One `AssumeRole` call on the tenant role: every STS action it implies
    /// (`AssumeRole`, `TagSession` with tags, `SetSourceIdentity` with a
    /// source identity) must pass the trust policy.
    AssumeCall {
        /// One request per implied action, all with the call's context.
        requests: Vec<Request>,
    },
}

/// One row of the matrix.
#[derive(Debug, Clone)]
pub struct Check {
    /// `dynamodb`, `s3`, `sts`, `trust` or `vendor`: the report tallies by it.
    pub area: &'static str,
    /// Who acts: a tenant ID or a principal's description.
    pub actor: String,
    /// `read-write`, `read-only` or `-`.
    pub scope: &'static str,
    /// The action (`+`-joined for an `AssumeRole` call).
    pub action: String,
    /// The resource ARN.
    pub resource: String,
    /// The case: leading-key shape, prefix, tag shape.
    pub detail: String,
    /// What the isolation rule expects.
    pub expectation: Expectation,
    /// Which policies decide, and the request(s).
    pub subject: Subject,
}

/// How a DynamoDB action relates to partitions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DynamoKind {
    /// Touches exactly the partitions in `dynamodb:LeadingKeys`.
    Item { read: bool },
    /// Reads every partition of the table (Scan, exports, streams).
    TableWide,
    /// Changes or describes the table itself.
    ControlPlane,
}

const DYNAMODB_ACTIONS: &[(&str, DynamoKind)] = &[
    ("dynamodb:GetItem", DynamoKind::Item { read: true }),
    ("dynamodb:BatchGetItem", DynamoKind::Item { read: true }),
    ("dynamodb:Query", DynamoKind::Item { read: true }),
    (
        "dynamodb:ConditionCheckItem",
        DynamoKind::Item { read: true },
    ),
    ("dynamodb:PutItem", DynamoKind::Item { read: false }),
    ("dynamodb:UpdateItem", DynamoKind::Item { read: false }),
    ("dynamodb:DeleteItem", DynamoKind::Item { read: false }),
    ("dynamodb:BatchWriteItem", DynamoKind::Item { read: false }),
    ("dynamodb:PartiQLSelect", DynamoKind::Item { read: true }),
    ("dynamodb:PartiQLInsert", DynamoKind::Item { read: false }),
    ("dynamodb:PartiQLUpdate", DynamoKind::Item { read: false }),
    ("dynamodb:PartiQLDelete", DynamoKind::Item { read: false }),
    ("dynamodb:Scan", DynamoKind::TableWide),
    ("dynamodb:ExportTableToPointInTime", DynamoKind::TableWide),
    ("dynamodb:GetRecords", DynamoKind::TableWide),
    ("dynamodb:GetShardIterator", DynamoKind::TableWide),
    ("dynamodb:DescribeStream", DynamoKind::TableWide),
    ("dynamodb:DeleteTable", DynamoKind::ControlPlane),
    ("dynamodb:UpdateTable", DynamoKind::ControlPlane),
];

/// Whose data a table holds, seen from the acting tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Owner {
    /// The pooled table: every tenant's partitions.
    Shared,
    /// The acting tenant's own silo table.
    Own,
    /// Another tenant's silo table.
    Foreign,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Table,
    Index,
    Stream,
}

/// Whether `action` names the items it touches, so DynamoDB sends
/// `dynamodb:LeadingKeys` (case-insensitive).
pub(crate) fn is_item_action(action: &str) -> bool {
    DYNAMODB_ACTIONS
        .iter()
        .any(|(a, kind)| matches!(kind, DynamoKind::Item { .. }) && a.eq_ignore_ascii_case(action))
}

fn is_stream_action(action: &str) -> bool {
    matches!(
        action,
        "dynamodb:GetRecords" | "dynamodb:GetShardIterator" | "dynamodb:DescribeStream"
    )
}

/// The shapes of `dynamodb:LeadingKeys` a request can carry.
fn leading_key_shapes(own: &str, other: &str) -> Vec<(String, Option<Vec<String>>)> {
    vec![
        (format!("own [{own}]"), Some(vec![own.to_owned()])),
        (format!("other [{other}]"), Some(vec![other.to_owned()])),
        (
            format!("mixed [{own}, {other}]"),
            Some(vec![own.to_owned(), other.to_owned()]),
        ),
        ("absent".to_owned(), None),
        ("empty []".to_owned(), Some(Vec::new())),
    ]
}

/// The deployment's names the matrix (and the strict lints) use, taken from
/// the placeholder values.
#[derive(Debug, Clone)]
pub struct Names {
    pub(crate) partition: String,
    pub(crate) region: String,
    pub(crate) account: String,
    pub(crate) pooled_table: String,
    pub(crate) silo_prefix: String,
    pub(crate) bucket: String,
    pub(crate) tenant_role: String,
    pub(crate) vendor_role: String,
    pub(crate) registry_table: String,
    pub(crate) vendor_log_group: String,
    pub(crate) vendor_function: String,
}

impl Names {
    /// The names `params` gives.
    pub fn new(params: &Params) -> Self {
        Self {
            partition: params.get("AWS::Partition").to_owned(),
            region: params.get("AWS::Region").to_owned(),
            account: params.get("AWS::AccountId").to_owned(),
            pooled_table: params.get("TenantDataTable").to_owned(),
            silo_prefix: params.get("SiloTablePrefix").to_owned(),
            bucket: params.get("TenantBucket").to_owned(),
            tenant_role: params.get("TenantRoleArn").to_owned(),
            vendor_role: params.get("VendorFunctionRoleArn").to_owned(),
            registry_table: params.get("TenantTable").to_owned(),
            vendor_log_group: params.get("VendorFunctionLogGroup").to_owned(),
            vendor_function: params.get("VendorFunctionArn").to_owned(),
        }
    }

    pub(crate) fn table_arn(&self, table: &str) -> String {
        format!(
            "arn:{}:dynamodb:{}:{}:table/{table}",
            self.partition, self.region, self.account
        )
    }

    pub(crate) fn bucket_arn(&self) -> String {
        format!("arn:{}:s3:::{}", self.partition, self.bucket)
    }

    fn role_name(arn: &str) -> &str {
        arn.rsplit('/').next().unwrap_or(arn)
    }

    /// The session ARN a role's credentials sign with.
    fn session_of(&self, role_arn: &str, session: &str) -> String {
        format!(
            "arn:{}:sts::{}:assumed-role/{}/{session}",
            self.partition,
            self.account,
            Self::role_name(role_arn)
        )
    }
}

/// The context a session vended by `key` for the tenant whose data is
/// `tenant` carries: the tag is the tenant's partition, the source identity
/// the key (the same until the tenant rotates its key).
fn tenant_context(names: &Names, tenant: &str, key: &str) -> RequestContext {
    RequestContext::new()
        .with("aws:PrincipalTag/api-key-id", tenant)
        .with("aws:SourceIdentity", key)
        .with("aws:PrincipalArn", names.tenant_role.clone())
        .with("aws:PrincipalAccount", names.account.clone())
}

/// Builds the whole matrix for `tenants` (at least two, else the trust
/// checks panic; [`prepare`](crate::prepare) ensures it).
pub fn build(names: &Names, tenants: &[String]) -> Vec<Check> {
    let mut checks = Vec::new();
    for (n, tenant) in tenants.iter().enumerate() {
        // The first tenant has also rotated its key: sessions vended by the
        // second key carry the same tag and must reach exactly the same.
        let rotated = rotated_key(tenant);
        let keys: Vec<&str> = if n == 0 {
            vec![tenant, &rotated]
        } else {
            vec![tenant]
        };
        for other in tenants.iter().filter(|o| *o != tenant) {
            for key in &keys {
                let actor = Actor { tenant, key };
                for read_only in [false, true] {
                    dynamodb_checks(&mut checks, names, actor, other, read_only);
                    s3_checks(&mut checks, names, actor, other, tenants, read_only);
                }
                sts_checks(&mut checks, names, actor);
            }
        }
    }
    trust_checks(&mut checks, names, tenants);
    vendor_checks(&mut checks, names);
    checks
}

/// Who makes a tenant request: the tenant (its partition, the tag) and the
/// key that vended the session (its source identity).
#[derive(Clone, Copy)]
struct Actor<'a> {
    tenant: &'a str,
    key: &'a str,
}

impl Actor<'_> {
    fn name(self) -> String {
        if self.tenant == self.key {
            self.tenant.to_owned()
        } else {
            format!("{} (rotated key {})", self.tenant, self.key)
        }
    }

    fn context(self, names: &Names) -> RequestContext {
        tenant_context(names, self.tenant, self.key)
    }
}

/// A second key ID of `tenant`, as `rotate-key` would create (letters and
/// digits, at most 64).
fn rotated_key(tenant: &str) -> String {
    let mut key: String = tenant.chars().take(60).collect();
    key.push_str("rot2");
    key
}

fn scope_name(read_only: bool) -> &'static str {
    if read_only { "read-only" } else { "read-write" }
}

fn dynamodb_checks(
    checks: &mut Vec<Check>,
    names: &Names,
    actor: Actor<'_>,
    other: &str,
    read_only: bool,
) {
    let tenant = actor.tenant;
    let pooled = names.table_arn(&names.pooled_table);
    let own_silo = names.table_arn(&format!("{}-{tenant}", names.silo_prefix));
    let other_silo = names.table_arn(&format!("{}-{other}", names.silo_prefix));
    let targets = [
        (Owner::Shared, pooled.clone()),
        (Owner::Own, own_silo),
        (Owner::Foreign, other_silo),
    ];
    for (owner, table) in &targets {
        for part in [Part::Table, Part::Index, Part::Stream] {
            let resource = match part {
                Part::Table => table.clone(),
                Part::Index => format!("{table}/index/ByOwner"),
                Part::Stream => format!("{table}/stream/2026-11-27T00:00:00.000"),
            };
            for &(action, kind) in DYNAMODB_ACTIONS {
                // Each action against the resource type it names.
                if is_stream_action(action) != (part == Part::Stream) {
                    continue;
                }
                if part == Part::Index
                    && !matches!(
                        action,
                        "dynamodb:Query" | "dynamodb:Scan" | "dynamodb:PartiQLSelect"
                    )
                {
                    continue;
                }
                for (shape, keys) in leading_key_shapes(tenant, other) {
                    // An item request touches exactly the partitions it names. An
                    // empty set names none, so it reaches no tenant's data; an
                    // absent key means DynamoDB sent none (table-wide access).
                    let own_keys = keys.as_ref().is_some_and(|k| k.iter().all(|v| v == tenant));
                    let safe = match (owner, kind) {
                        (Owner::Foreign, _)
                        | (_, DynamoKind::ControlPlane)
                        | (Owner::Shared, DynamoKind::TableWide) => false,
                        (Owner::Own, _) => true,
                        (Owner::Shared, DynamoKind::Item { .. }) => own_keys,
                    };
                    let intended = matches!(kind, DynamoKind::Item { read } if !read_only || read)
                        && *owner != Owner::Foreign
                        && own_keys
                        && keys.as_ref().is_some_and(|k| k.len() == 1)
                        && (part == Part::Table
                            || matches!(action, "dynamodb:Query" | "dynamodb:PartiQLSelect"));
                    let mut context = actor.context(names);
                    if let Some(keys) = &keys {
                        context.set_multi("dynamodb:LeadingKeys", keys.iter().cloned());
                    }
                    if action == "dynamodb:PartiQLSelect" {
                        let keyed = keys.as_ref().is_some_and(|k| !k.is_empty());
                        context.set(
                            "dynamodb:FullTableScan",
                            if keyed { "false" } else { "true" },
                        );
                    }
                    checks.push(Check {
                        area: "dynamodb",
                        actor: actor.name(),
                        scope: scope_name(read_only),
                        action: action.to_owned(),
                        resource: resource.clone(),
                        detail: format!("leading keys {shape}"),
                        expectation: Expectation::from(safe, intended),
                        subject: Subject::TenantSession {
                            read_only,
                            request: Request::new(action, resource.clone()).with_context(context),
                        },
                    });
                }
            }
        }
    }
}

const S3_OBJECT_ACTIONS: &[(&str, bool, bool)] = &[
    // (action, read, intended on own prefix)
    ("s3:GetObject", true, true),
    ("s3:PutObject", false, true),
    ("s3:DeleteObject", false, true),
    ("s3:AbortMultipartUpload", false, false),
    ("s3:ListMultipartUploadParts", true, false),
    ("s3:GetObjectAcl", true, false),
    ("s3:PutObjectAcl", false, false),
];

const S3_LIST_ACTIONS: &[(&str, bool)] = &[
    // (action, intended with own prefix)
    ("s3:ListBucket", true),
    ("s3:ListBucketVersions", false),
    ("s3:ListBucketMultipartUploads", false),
];

fn s3_checks(
    checks: &mut Vec<Check>,
    names: &Names,
    actor: Actor<'_>,
    other: &str,
    tenants: &[String],
    read_only: bool,
) {
    let tenant = actor.tenant;
    let bucket = names.bucket_arn();
    let own = format!("{tenant}/");
    let lookalike = format!("{tenant}x");
    let mut keys = vec![
        ("own prefix", format!("{tenant}/doc.txt")),
        ("own nested", format!("{tenant}/a/b.txt")),
        ("other prefix", format!("{other}/doc.txt")),
        ("look-alike prefix", format!("{lookalike}/doc.txt")),
        ("bucket root", "doc.txt".to_owned()),
        ("object named like the tenant", tenant.to_owned()),
    ];
    if !tenants
        .iter()
        .any(|t| t.eq_ignore_ascii_case(tenant) && t != tenant)
    {
        keys.push((
            "case variant prefix",
            format!("{}/doc.txt", swap_case(tenant)),
        ));
    }
    for &(action, read, intended_action) in S3_OBJECT_ACTIONS {
        for (what, key) in &keys {
            let safe = key.starts_with(&own);
            let intended = safe && intended_action && (!read_only || read) && *what == "own prefix";
            let resource = format!("{bucket}/{key}");
            checks.push(Check {
                area: "s3",
                actor: actor.name(),
                scope: scope_name(read_only),
                action: action.to_owned(),
                resource: resource.clone(),
                detail: (*what).to_owned(),
                expectation: Expectation::from(safe, intended),
                subject: Subject::TenantSession {
                    read_only,
                    request: Request::new(action, resource).with_context(actor.context(names)),
                },
            });
        }
    }
    let other_bucket = format!(
        "arn:{}:s3:::some-other-bucket/{tenant}/doc.txt",
        names.partition
    );
    checks.push(Check {
        area: "s3",
        actor: actor.name(),
        scope: scope_name(read_only),
        action: "s3:GetObject".into(),
        resource: other_bucket.clone(),
        detail: "another bucket, own prefix".into(),
        expectation: Expectation::MustDeny,
        subject: Subject::TenantSession {
            read_only,
            request: Request::new("s3:GetObject", other_bucket).with_context(actor.context(names)),
        },
    });
    let prefixes: Vec<(&str, Option<String>)> = vec![
        ("own prefix", Some(own.clone())),
        ("own nested prefix", Some(format!("{tenant}/docs/"))),
        ("tenant id without slash", Some(tenant.to_owned())),
        ("other prefix", Some(format!("{other}/"))),
        ("look-alike prefix", Some(format!("{lookalike}/"))),
        ("bucket root", Some(String::new())),
        ("no prefix", None),
    ];
    for &(action, intended_action) in S3_LIST_ACTIONS {
        for (what, prefix) in &prefixes {
            let safe = prefix.as_ref().is_some_and(|p| p.starts_with(&own));
            let intended = safe && intended_action && what.starts_with("own");
            let mut context = actor.context(names);
            if let Some(prefix) = prefix {
                context.set("s3:prefix", prefix.clone());
            }
            checks.push(Check {
                area: "s3",
                actor: actor.name(),
                scope: scope_name(read_only),
                action: action.to_owned(),
                resource: bucket.clone(),
                detail: match prefix {
                    Some(p) => format!("{what} {p:?}"),
                    None => (*what).to_owned(),
                },
                expectation: Expectation::from(safe, intended),
                subject: Subject::TenantSession {
                    read_only,
                    request: Request::new(action, bucket.clone()).with_context(context),
                },
            });
        }
    }
}

fn swap_case(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_lowercase() {
                c.to_ascii_uppercase()
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect()
}

/// Tenants must not assume or tag roles themselves.
fn sts_checks(checks: &mut Vec<Check>, names: &Names, actor: Actor<'_>) {
    let other_role = format!(
        "arn:{}:iam::{}:role/SomeOtherRole",
        names.partition, names.account
    );
    for action in ["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"] {
        for role in [&names.tenant_role, &other_role] {
            checks.push(Check {
                area: "sts",
                actor: actor.name(),
                scope: "read-write",
                action: action.to_owned(),
                resource: role.clone(),
                detail: "tenant session calling STS".into(),
                expectation: Expectation::MustDeny,
                subject: Subject::TenantSession {
                    read_only: false,
                    request: Request::new(action, role.clone()).with_context(actor.context(names)),
                },
            });
        }
    }
}

/// The tag and source-identity variants of an `AssumeRole` call.
struct CallShape {
    what: &'static str,
    tags: Vec<(&'static str, String)>,
    transitive: bool,
    source_identity: Option<String>,
    /// `RoleSessionName`: the tenant (the tag), whichever key vends.
    session_name: String,
    correct: bool,
}

fn call_shapes(tenant: &str, other: &str) -> Vec<CallShape> {
    let tag = |v: &str| vec![(SESSION_TAG_KEY, v.to_owned())];
    vec![
        CallShape {
            what: "correct tag and source identity",
            tags: tag(tenant),
            transitive: false,
            source_identity: Some(tenant.into()),
            session_name: tenant.into(),
            correct: true,
        },
        CallShape {
            what: "no tags",
            tags: vec![],
            transitive: false,
            source_identity: Some(tenant.into()),
            session_name: tenant.into(),
            correct: false,
        },
        CallShape {
            what: "no tags, no source identity",
            tags: vec![],
            transitive: false,
            source_identity: None,
            session_name: tenant.into(),
            correct: false,
        },
        CallShape {
            what: "tag without source identity",
            tags: tag(tenant),
            transitive: false,
            source_identity: None,
            session_name: tenant.into(),
            correct: false,
        },
        CallShape {
            what: "extra tag key",
            tags: vec![(SESSION_TAG_KEY, tenant.into()), ("team", "x".into())],
            transitive: false,
            source_identity: Some(tenant.into()),
            session_name: tenant.into(),
            correct: false,
        },
        CallShape {
            what: "other tag key only",
            tags: vec![("team", tenant.into())],
            transitive: false,
            source_identity: Some(tenant.into()),
            session_name: tenant.into(),
            correct: false,
        },
        CallShape {
            what: "empty tag value",
            tags: tag(""),
            transitive: false,
            source_identity: Some(tenant.into()),
            session_name: tenant.into(),
            correct: false,
        },
        CallShape {
            what: "transitive tag",
            tags: tag(tenant),
            transitive: true,
            source_identity: Some(tenant.into()),
            session_name: tenant.into(),
            correct: false,
        },
        CallShape {
            what: "source identity of a rotated key (the tag stays the tenant's)",
            tags: tag(tenant),
            transitive: false,
            source_identity: Some(rotated_key(tenant)),
            session_name: tenant.into(),
            correct: true,
        },
        CallShape {
            what: "session name of another tenant",
            tags: tag(tenant),
            transitive: false,
            source_identity: Some(tenant.into()),
            session_name: other.into(),
            correct: false,
        },
        CallShape {
            what: "session name other than the tag",
            tags: tag(tenant),
            transitive: false,
            source_identity: Some(tenant.into()),
            session_name: format!("{tenant}x"),
            correct: false,
        },
    ]
}

fn trust_checks(checks: &mut Vec<Check>, names: &Names, tenants: &[String]) {
    let tenant = &tenants[0];
    let other = &tenants[1];
    let foreign_vendor = format!(
        "arn:{}:sts::999999999999:assumed-role/{}/vendor-fn",
        names.partition,
        Names::role_name(&names.vendor_role)
    );
    let principals = [
        (
            "vendor function role session",
            names.session_of(&names.vendor_role, "vendor-fn"),
            true,
        ),
        (
            "tenant role session",
            names.session_of(&names.tenant_role, tenant),
            false,
        ),
        (
            "another role of the account",
            names.session_of("role/SomeOtherRole", "x"),
            false,
        ),
        ("same role name, another account", foreign_vendor, false),
        (
            "account root",
            format!("arn:{}:iam::{}:root", names.partition, names.account),
            false,
        ),
        ("lambda service", "lambda.amazonaws.com".to_owned(), false),
    ];
    for (who, principal, is_vendor) in &principals {
        for shape in call_shapes(tenant, other) {
            let mut context = RequestContext::new().with("aws:PrincipalArn", principal.clone());
            if !shape.tags.is_empty() {
                for (k, v) in &shape.tags {
                    context.set(&format!("aws:RequestTag/{k}"), v.clone());
                }
                context.set_multi(
                    "aws:TagKeys",
                    shape.tags.iter().map(|(k, _)| (*k).to_owned()),
                );
            }
            if shape.transitive {
                context.set_multi(
                    "sts:TransitiveTagKeys",
                    shape.tags.iter().map(|(k, _)| (*k).to_owned()),
                );
            }
            if let Some(s) = &shape.source_identity {
                context.set("sts:SourceIdentity", s.clone());
            }
            context.set("sts:RoleSessionName", shape.session_name.clone());
            let mut actions = vec!["sts:AssumeRole"];
            if !shape.tags.is_empty() {
                actions.push("sts:TagSession");
            }
            if shape.source_identity.is_some() {
                actions.push("sts:SetSourceIdentity");
            }
            let requests = actions
                .iter()
                .map(|a| {
                    Request::new(*a, names.tenant_role.clone())
                        .with_principal(principal.clone())
                        .with_context(context.clone())
                })
                .collect();
            checks.push(Check {
                area: "trust",
                actor: (*who).to_owned(),
                scope: "-",
                action: actions.join("+"),
                resource: names.tenant_role.clone(),
                detail: shape.what.to_owned(),
                expectation: if *is_vendor && shape.correct {
                    Expectation::MustAllow
                } else {
                    Expectation::MustDeny
                },
                subject: Subject::AssumeCall { requests },
            });
        }
    }
}

fn vendor_checks(checks: &mut Vec<Check>, names: &Names) {
    let registry = names.table_arn(&names.registry_table);
    let other_role = format!(
        "arn:{}:iam::{}:role/SomeOtherRole",
        names.partition, names.account
    );
    let other_function = format!(
        "arn:{}:lambda:{}:{}:function:SomeOtherFunction",
        names.partition, names.region, names.account
    );
    // What the vendor function's own code sends: Lambda sets
    // lambda:SourceFunctionArn on the credentials it hands the function.
    let from_function = |function: Option<&str>| {
        let mut context = RequestContext::new();
        if let Some(f) = function {
            context.set("lambda:SourceFunctionArn", f.to_owned());
        }
        context
    };
    let mut push = |action: &str,
                    resource: &str,
                    function: Option<&str>,
                    expectation: Expectation,
                    detail: &str| {
        checks.push(Check {
            area: "vendor",
            actor: "vendor function".into(),
            scope: "-",
            action: action.to_owned(),
            resource: resource.to_owned(),
            detail: detail.to_owned(),
            expectation,
            subject: Subject::Vendor {
                request: Request::new(action, resource).with_context(from_function(function)),
            },
        });
    };
    let own = Some(names.vendor_function.as_str());
    push(
        "dynamodb:GetItem",
        &registry,
        own,
        Expectation::MustAllow,
        "read a tenant record",
    );
    for action in ["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"] {
        push(
            action,
            &names.tenant_role,
            own,
            Expectation::MustAllow,
            "vend credentials",
        );
        push(
            action,
            &other_role,
            own,
            Expectation::MustDeny,
            "only the tenant role",
        );
        push(
            action,
            &names.tenant_role,
            None,
            Expectation::MustDeny,
            "the role's credentials outside its function",
        );
        push(
            action,
            &names.tenant_role,
            Some(&other_function),
            Expectation::MustDeny,
            "another function running as the vendor role",
        );
    }
}
