//! The IAM documents in `policies/`: they parse, use only documented
//! placeholders, and pass every lint of the isolation-audit library: the
//! pitfalls of DESIGN.md ("Policies", `ISO001`–`ISO011`, what `tenantctl
//! audit` runs) and the strict lints that pin their reviewed shape
//! (`ISO012`–`ISO026`, `ISO029`). Each pitfall test runs its lint on the real file and
//! on a copy with the pitfall put back, so a lint that can't fail is caught
//! too, and pairs that copy with a request it now wrongly allows (a row of
//! the audit's request matrix, or a request written out, decided by
//! iam-eval), so a mutation that leaves the documents safe can't pass for
//! a reintroduced pitfall.

mod repo_files;

use iam_eval::{Decision, Matcher, Request, RequestContext, evaluate};
use isolation_audit::inputs::parse_policy;
use isolation_audit::lints::{self, strict};
use isolation_audit::matrix::{self, Names};
use isolation_audit::placeholders::references;
use isolation_audit::{Decided, Outcome};
use isolation_audit::{Params, PolicySet};
use repo_files::{
    POLICY_FILES, SESSION_READ_ONLY, TENANT_ROLE_PERMISSIONS, TENANT_ROLE_TRUST,
    VENDOR_FN_PERMISSIONS, all_strings, policy, read_text, repo_root,
};
use serde_json::{Value, json};

/// The deploy-time placeholders documented in `policies/README.md`.
const DOCUMENTED_PLACEHOLDERS: [&str; 12] = [
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
    "${VendorFunctionArn}",
    "${KeyAuthorizerLogGroup}",
];

/// The IAM policy variables the documents may use: the session tag, as seen
/// by the tenant's requests and by the `AssumeRole` request that sets it.
const POLICY_VARIABLES: [&str; 2] = [
    "${aws:PrincipalTag/api-key-id}",
    "${aws:RequestTag/api-key-id}",
];

/// Every `${...}` in a document, as written.
fn references_in(doc: &Value) -> Vec<String> {
    all_strings(doc)
        .into_iter()
        .flat_map(references)
        .map(|r| r.to_string())
        .collect()
}

/// The reviewed documents, `name` replaced by `doc` (as written), filled with
/// the audit's example values.
fn policy_set(name: &str, doc: &Value) -> (PolicySet, Names) {
    let params = Params::new(&[]).expect("the example values");
    let parse = |file: &str| {
        let raw = if file == name {
            doc.clone()
        } else {
            policy(file)
        };
        let parsed = parse_policy(file, &raw, &params)
            .unwrap_or_else(|e| panic!("policies/{file} (or its mutated copy): {e}"));
        (parsed, raw)
    };
    let (session_read_only, session_read_only_raw) = parse(SESSION_READ_ONLY);
    let set = PolicySet {
        tenant_permissions: parse(TENANT_ROLE_PERMISSIONS).0,
        tenant_trust: parse(TENANT_ROLE_TRUST).0,
        session_read_only,
        session_read_only_raw,
        vendor_permissions: Some(parse(VENDOR_FN_PERMISSIONS).0),
    };
    (set, Names::new(&params))
}

/// The findings of lint `id` over the reviewed documents with `name`
/// replaced by `doc`, each as "file statement: message".
fn findings(id: &str, name: &str, doc: &Value) -> Vec<String> {
    let (set, names) = policy_set(name, doc);
    lints::run(&set, None)
        .into_iter()
        .chain(strict::run(&set, &names, None))
        .filter(|f| f.id == id)
        .map(|f| format!("{} {}: {}", f.file, f.location, f.message))
        .collect()
}

/// The findings of lint `id` over the reviewed documents as they are.
fn findings_on_reviewed(id: &str) -> Vec<String> {
    findings(
        id,
        TENANT_ROLE_PERMISSIONS,
        &policy(TENANT_ROLE_PERMISSIONS),
    )
}

fn assert_clean(what: &str, problems: &[String]) {
    assert!(problems.is_empty(), "{what}:\n  {}", problems.join("\n  "));
}

fn assert_caught(mutation: &str, problems: &[String], expected: &str) {
    assert!(
        problems.iter().any(|p| p.contains(expected)),
        "the lint missed a reintroduced pitfall ({mutation}); expected a finding mentioning {expected:?}, got {problems:?}"
    );
}

/// The audit's request matrix for `k1`, `k1x` and `K1` (what `tenantctl
/// audit` checks), decided by iam-eval over the reviewed documents with
/// `name` replaced by `doc`.
fn audit_rows(name: &str, doc: &Value) -> Vec<Decided> {
    let (set, names) = policy_set(name, doc);
    let tenants = ["k1", "k1x", "K1"].map(String::from);
    matrix::build(&names, &tenants)
        .into_iter()
        .map(|check| isolation_audit::decide(&set, check))
        .collect()
}

/// Asserts that the mutated copy fails a row of the audit that the reviewed
/// documents pass: `Violation` (a request the isolation rule forbids, now
/// allowed) or `IntendedDenied`. The row is the first whose area, actor and
/// detail are the given ones, whose action contains `action` and whose
/// resource ends with `resource`.
fn assert_breaks(mutation: &str, name: &str, doc: &Value, outcome: Outcome, row: Row<'_>) {
    let Row {
        area,
        actor,
        action,
        resource,
        detail,
    } = row;
    let reviewed = audit_rows(name, &policy(name));
    let mutated = audit_rows(name, doc);
    let position = mutated
        .iter()
        .position(|r| {
            r.check.area == area
                && r.check.actor == actor
                && r.check.action.contains(action)
                && r.check.resource.ends_with(resource)
                && r.check.detail == detail
        })
        .unwrap_or_else(|| panic!("no audit row {area} {actor} {action} {resource} {detail:?}"));
    let (before, after) = (&reviewed[position], &mutated[position]);
    assert_eq!(
        before.outcome,
        Outcome::Pass,
        "the reviewed documents already fail {area} {action} {detail:?}"
    );
    assert_eq!(
        after.outcome,
        outcome,
        "{mutation}: expected {outcome:?} on {area} {} {} {} {detail:?}, got {:?} ({})",
        after.check.actor,
        after.check.action,
        after.check.resource,
        after.outcome,
        after.decision.map_or("-", Decision::as_str)
    );
    if outcome == Outcome::Violation {
        assert_eq!(after.decision, Some(Decision::Allowed));
    }
}

/// Which audit row [`assert_breaks`] looks at.
#[derive(Clone, Copy)]
struct Row<'a> {
    area: &'a str,
    actor: &'a str,
    action: &'a str,
    resource: &'a str,
    detail: &'a str,
}

/// A row of tenant `k1`'s checks.
fn k1<'a>(area: &'a str, action: &'a str, resource: &'a str, detail: &'a str) -> Row<'a> {
    Row {
        area,
        actor: "k1",
        action,
        resource,
        detail,
    }
}

/// The trust checks' actor for the vendor function's own session.
const VENDOR: &str = "vendor function role session";

/// A row of the trust checks (`AssumeRole` calls on the tenant role).
fn trust<'a>(actor: &'a str, detail: &'a str) -> Row<'a> {
    Row {
        area: "trust",
        actor,
        action: "sts:AssumeRole",
        resource: "role/TenantRole",
        detail,
    }
}

/// A tenant session's request (tenant `k1`, with the context a vended
/// session carries), decided over the reviewed documents with `name`
/// replaced by `doc`.
fn tenant_decision(name: &str, doc: &Value, read_only: bool, request: &Request) -> Decision {
    let (set, _) = policy_set(name, doc);
    let session = read_only.then_some(&set.session_read_only);
    evaluate(
        request,
        std::slice::from_ref(&set.tenant_permissions),
        session,
    )
    .decision
}

/// Asserts that `request` is denied by the reviewed documents and allowed
/// by the mutated copy.
fn assert_newly_allowed(
    mutation: &str,
    name: &str,
    doc: &Value,
    read_only: bool,
    request: &Request,
) {
    assert_ne!(
        tenant_decision(name, &policy(name), read_only, request),
        Decision::Allowed,
        "the reviewed documents already allow {request:?}"
    );
    assert_eq!(
        tenant_decision(name, doc, read_only, request),
        Decision::Allowed,
        "{mutation}: the mutated copy still denies {request:?}"
    );
}

/// `arn:aws:dynamodb:…:table/<table>` with the audit's example values.
fn table_arn(table: &str) -> String {
    let params = Params::new(&[]).unwrap();
    format!(
        "arn:{}:dynamodb:{}:{}:table/{table}",
        params.get("AWS::Partition"),
        params.get("AWS::Region"),
        params.get("AWS::AccountId")
    )
}

fn tenant_k1() -> RequestContext {
    RequestContext::new().with("aws:PrincipalTag/api-key-id", "k1")
}

/// The mutable statement with this `Sid`, for building mutated copies.
fn statement_mut<'a>(doc: &'a mut Value, wanted: &str) -> &'a mut Value {
    doc["Statement"]
        .as_array_mut()
        .and_then(|list| list.iter_mut().find(|s| s["Sid"] == wanted))
        .unwrap_or_else(|| panic!("no statement with Sid {wanted}"))
}

// ------------------------------------------------------------- shape

#[test]
fn every_policy_document_is_iam_json_with_explicit_statements() {
    let params = Params::new(&[]).unwrap();
    for name in POLICY_FILES {
        // iam-eval refuses unknown elements and an Effect other than Allow or Deny.
        let doc = parse_policy(name, &policy(name), &params)
            .unwrap_or_else(|e| panic!("policies/{name} is not an IAM policy: {e}"));
        assert_eq!(
            doc.version.as_deref(),
            Some(iam_eval::VERSION_2012),
            "policies/{name}: Version must be 2012-10-17 (older versions ignore policy variables)"
        );
        assert!(!doc.statements.is_empty(), "policies/{name}: no statements");
        for (i, stmt) in doc.statements.iter().enumerate() {
            assert_ne!(
                stmt.sid,
                format!("#{i}"),
                "policies/{name}: every statement needs a Sid saying what it is for: statement {i}"
            );
            assert!(
                matches!(&stmt.actions, Matcher::Listed(a) if !a.is_empty()),
                "policies/{name}: statement {} has no Action",
                stmt.sid
            );
            let has_target = if name == TENANT_ROLE_TRUST {
                stmt.principals.is_some()
            } else {
                matches!(&stmt.resources, Some(Matcher::Listed(r)) if !r.is_empty())
            };
            assert!(
                has_target,
                "policies/{name}: statement {} has no {}",
                stmt.sid,
                if name == TENANT_ROLE_TRUST {
                    "Principal"
                } else {
                    "Resource"
                }
            );
        }
    }
}

#[test]
fn policy_documents_use_only_documented_placeholders_and_policy_variables() {
    for name in POLICY_FILES {
        let unknown: Vec<String> = references_in(&policy(name))
            .into_iter()
            .filter(|p| {
                !DOCUMENTED_PLACEHOLDERS.contains(&p.as_str())
                    && !POLICY_VARIABLES.contains(&p.as_str())
            })
            .collect();
        assert!(
            unknown.is_empty(),
            "policies/{name} uses undocumented placeholders {unknown:?}; document them in policies/README.md and the template mapping, or fix the typo"
        );
    }
}

#[test]
fn placeholder_check_catches_a_misspelt_placeholder() {
    let mut doc = policy(TENANT_ROLE_PERMISSIONS);
    doc["Statement"][0]["Resource"] = json!(
        "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${TenantDataTabel}"
    );
    let unknown: Vec<String> = references_in(&doc)
        .into_iter()
        .filter(|p| {
            !DOCUMENTED_PLACEHOLDERS.contains(&p.as_str())
                && !POLICY_VARIABLES.contains(&p.as_str())
        })
        .collect();
    assert_eq!(
        unknown,
        ["${TenantDataTabel}"],
        "a misspelt placeholder must be reported"
    );
}

#[test]
fn policies_readme_documents_every_placeholder_and_document() {
    let readme = read_text("policies/README.md");
    for p in DOCUMENTED_PLACEHOLDERS {
        assert!(
            readme.contains(&format!("`{p}`")),
            "policies/README.md does not document the placeholder `{p}`"
        );
    }
    for name in POLICY_FILES {
        assert!(
            readme.contains(name),
            "policies/README.md does not describe {name}"
        );
    }
    let used: Vec<String> = POLICY_FILES
        .iter()
        .flat_map(|n| references_in(&policy(n)))
        .collect();
    for p in DOCUMENTED_PLACEHOLDERS {
        assert!(
            used.iter().any(|u| u == p),
            "placeholder {p} is documented but no policy uses it; drop it from the README and the test list"
        );
    }
}

#[test]
fn the_reviewed_documents_pass_every_lint() {
    let (set, names) = policy_set(TENANT_ROLE_PERMISSIONS, &policy(TENANT_ROLE_PERMISSIONS));
    let template_path = repo_root().join("template.yaml");
    let template = isolation_audit::inputs::read_template(&template_path).expect("template.yaml");
    let all: Vec<String> = lints::run(&set, Some((&template_path, &template)))
        .into_iter()
        .chain(strict::run(&set, &names, Some((&template_path, &template))))
        .map(|f| format!("{} {} {}: {}", f.id, f.file, f.location, f.message))
        .collect();
    assert_clean("policies/ and template.yaml", &all);
}

// --------------------------------------------------- session policy

#[test]
fn read_only_session_policy_is_compact_read_only_and_placeholder_free() {
    for id in ["ISO023", "ISO024", "ISO011"] {
        assert_clean(
            &format!("policies/session-read-only.json ({id})"),
            &findings_on_reviewed(id),
        );
    }
}

#[test]
fn read_only_session_policy_check_catches_a_write_action_or_a_placeholder() {
    let mut doc = policy(SESSION_READ_ONLY);
    doc["Statement"][0]["Action"]
        .as_array_mut()
        .unwrap()
        .push(json!("dynamodb:PutItem"));
    assert_caught(
        "PutItem in the read-only policy",
        &findings("ISO023", SESSION_READ_ONLY, &doc),
        "dynamodb:PutItem",
    );
    assert_newly_allowed(
        "PutItem in the read-only policy",
        SESSION_READ_ONLY,
        &doc,
        true,
        &Request::new("dynamodb:PutItem", table_arn("TenantData"))
            .with_context(tenant_k1().with_multi("dynamodb:LeadingKeys", ["k1"])),
    );
    let mut doc = policy(SESSION_READ_ONLY);
    doc["Statement"][0]["Resource"] = json!("arn:aws:s3:::${TenantBucket}/*");
    assert_caught(
        "a placeholder in the session policy",
        &findings("ISO011", SESSION_READ_ONLY, &doc),
        "placeholder that nothing fills",
    );
    // STS gets the file as written (vendor-fn embeds it): `${TenantBucket}`
    // is then an unresolvable policy variable, and the tenant's own reads fail.
    let (set, _) = policy_set(SESSION_READ_ONLY, &policy(SESSION_READ_ONLY));
    let own_object = Request::new("s3:GetObject", "arn:aws:s3:::tenant-bucket/k1/doc.txt")
        .with_context(tenant_k1());
    let as_sent = |doc: &Value| {
        let session = iam_eval::Policy::from_value(SESSION_READ_ONLY, doc).unwrap();
        evaluate(
            &own_object,
            std::slice::from_ref(&set.tenant_permissions),
            Some(&session),
        )
        .decision
    };
    assert_eq!(as_sent(&policy(SESSION_READ_ONLY)), Decision::Allowed);
    assert_ne!(
        as_sent(&doc),
        Decision::Allowed,
        "the unfilled placeholder denies the tenant's own read"
    );
}

// ---------------------------------------------- pitfall: LeadingKeys

#[test]
fn dynamodb_grants_pin_leading_keys_with_for_all_values_and_a_null_guard() {
    for id in ["ISO001", "ISO012"] {
        assert_clean(
            &format!("policies/tenant-role-permissions.json ({id})"),
            &findings_on_reviewed(id),
        );
    }
}

#[test]
fn leading_keys_check_catches_a_missing_null_guard() {
    let mut doc = policy(TENANT_ROLE_PERMISSIONS);
    statement_mut(&mut doc, "PooledTableOwnPartitionOnly")["Condition"]
        .as_object_mut()
        .unwrap()
        .remove("Null");
    for id in ["ISO001", "ISO012"] {
        assert_caught(
            "Null guard removed",
            &findings(id, TENANT_ROLE_PERMISSIONS, &doc),
            "Null",
        );
    }
    // ForAllValues holds on an absent key: a request naming no partition passes.
    assert_breaks(
        "Null guard removed",
        TENANT_ROLE_PERMISSIONS,
        &doc,
        Outcome::Violation,
        k1(
            "dynamodb",
            "dynamodb:GetItem",
            "table/TenantData",
            "leading keys absent",
        ),
    );
}

#[test]
fn leading_keys_check_catches_for_any_value_and_a_missing_condition() {
    for sid in [
        "PooledTableOwnPartitionOnly",
        "SiloTableOwnTableOwnPartitionOnly",
    ] {
        let mut doc = policy(TENANT_ROLE_PERMISSIONS);
        let cond = statement_mut(&mut doc, sid)["Condition"]
            .as_object_mut()
            .unwrap();
        let v = cond.remove("ForAllValues:StringEquals").unwrap();
        cond.insert("ForAnyValue:StringEquals".into(), v);
        assert_caught(
            &format!("ForAnyValue instead of ForAllValues in {sid}"),
            &findings("ISO012", TENANT_ROLE_PERMISSIONS, &doc),
            "ForAnyValue",
        );
        // In the silo statement the Resource (the tenant's own table) still
        // isolates; in the pooled one, a batch naming one own and one other
        // partition now passes.
        if sid == "PooledTableOwnPartitionOnly" {
            assert_breaks(
                "ForAnyValue instead of ForAllValues",
                TENANT_ROLE_PERMISSIONS,
                &doc,
                Outcome::Violation,
                k1(
                    "dynamodb",
                    "dynamodb:BatchGetItem",
                    "table/TenantData",
                    "leading keys mixed [k1, k1x]",
                ),
            );
        }
    }

    let mut doc = policy(TENANT_ROLE_PERMISSIONS);
    statement_mut(&mut doc, "PooledTableOwnPartitionOnly")
        .as_object_mut()
        .unwrap()
        .remove("Condition");
    assert_caught(
        "no condition at all",
        &findings("ISO012", TENANT_ROLE_PERMISSIONS, &doc),
        "without ForAllValues",
    );
    assert_breaks(
        "no condition at all",
        TENANT_ROLE_PERMISSIONS,
        &doc,
        Outcome::Violation,
        k1(
            "dynamodb",
            "dynamodb:GetItem",
            "table/TenantData",
            "leading keys other [k1x]",
        ),
    );
}

// ------------------------------------------ pitfall: explicit actions

#[test]
fn actions_are_listed_explicitly_in_every_document() {
    for id in ["ISO002", "ISO013"] {
        assert_clean(
            &format!("every document in policies/ ({id})"),
            &findings_on_reviewed(id),
        );
    }
}

#[test]
fn explicit_action_check_catches_dynamodb_star() {
    let mut doc = policy(TENANT_ROLE_PERMISSIONS);
    statement_mut(&mut doc, "PooledTableOwnPartitionOnly")["Action"] = json!("dynamodb:*");
    for id in ["ISO013", "ISO014"] {
        assert_caught(
            "dynamodb:*",
            &findings(id, TENANT_ROLE_PERMISSIONS, &doc),
            "dynamodb:*",
        );
    }
    // The Null guard still stops what arrives without leading keys; what
    // dynamodb:* opens is every other action that carries the tenant's own
    // key set: here, deleting the pooled table.
    assert_breaks(
        "dynamodb:*",
        TENANT_ROLE_PERMISSIONS,
        &doc,
        Outcome::Violation,
        k1(
            "dynamodb",
            "dynamodb:DeleteTable",
            "table/TenantData",
            "leading keys own [k1]",
        ),
    );
}

#[test]
fn tenant_role_allows_only_keyed_dynamodb_item_actions() {
    assert_clean(
        "policies/tenant-role-permissions.json (ISO014)",
        &findings_on_reviewed("ISO014"),
    );
}

#[test]
fn item_action_check_catches_scan() {
    let mut doc = policy(TENANT_ROLE_PERMISSIONS);
    statement_mut(&mut doc, "PooledTableOwnPartitionOnly")["Action"]
        .as_array_mut()
        .unwrap()
        .push(json!("dynamodb:Scan"));
    assert_caught(
        "dynamodb:Scan",
        &findings("ISO014", TENANT_ROLE_PERMISSIONS, &doc),
        "dynamodb:Scan",
    );
    // A Scan reads every partition; with an empty key set it passes both
    // the ForAllValues condition and the Null guard.
    assert_breaks(
        "dynamodb:Scan",
        TENANT_ROLE_PERMISSIONS,
        &doc,
        Outcome::Violation,
        k1(
            "dynamodb",
            "dynamodb:Scan",
            "table/TenantData",
            "leading keys empty []",
        ),
    );
}

// ------------------------------------------ pitfall: PartiQL scans

#[test]
fn partiql_full_table_scans_are_denied() {
    for id in ["ISO007", "ISO015"] {
        assert_clean(
            &format!("policies/tenant-role-permissions.json ({id})"),
            &findings_on_reviewed(id),
        );
    }
}

#[test]
fn partiql_check_catches_a_removed_or_weakened_deny() {
    let mut doc = policy(TENANT_ROLE_PERMISSIONS);
    doc["Statement"]
        .as_array_mut()
        .unwrap()
        .retain(|s| s["Sid"] != "DenyPartiQLFullTableScan");
    for id in ["ISO007", "ISO015"] {
        assert_caught(
            "FullTableScan deny removed",
            &findings(id, TENANT_ROLE_PERMISSIONS, &doc),
            "FullTableScan",
        );
    }
    let full_scan = |table: &str| {
        Request::new("dynamodb:PartiQLSelect", table_arn(table)).with_context(
            tenant_k1()
                .with_multi("dynamodb:LeadingKeys", ["k1"])
                .with("dynamodb:FullTableScan", "true"),
        )
    };
    // A statement DynamoDB runs as a scan of the pooled table reads every
    // tenant's partition.
    assert_newly_allowed(
        "FullTableScan deny removed",
        TENANT_ROLE_PERMISSIONS,
        &doc,
        false,
        &full_scan("TenantData"),
    );

    let mut doc = policy(TENANT_ROLE_PERMISSIONS);
    statement_mut(&mut doc, "DenyPartiQLFullTableScan")["Resource"] = json!(
        "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${TenantDataTable}"
    );
    assert_caught(
        "deny narrowed to the pooled table (silo tables left open)",
        &findings("ISO015", TENANT_ROLE_PERMISSIONS, &doc),
        "FullTableScan",
    );
    // The silo statement only names the tenant's own table, so this scan
    // stays within its data; what breaks is the rule that PartiQL never
    // scans, which the narrowed deny drops for silo tables.
    assert_newly_allowed(
        "deny narrowed to the pooled table",
        TENANT_ROLE_PERMISSIONS,
        &doc,
        false,
        &full_scan("tenant-silo-k1"),
    );
}

// ------------------------------------------------- pitfall: trust

#[test]
fn trust_admits_only_the_vendor_function_role() {
    for id in ["ISO009", "ISO016"] {
        assert_clean(
            &format!("policies/tenant-role-trust.json ({id})"),
            &findings_on_reviewed(id),
        );
    }
}

#[test]
fn trust_principal_check_catches_the_account_root_or_anyone() {
    // The account root defers to identity policies: any role of the account
    // allowed sts:AssumeRole can then mint tenant sessions with any tag. `*`
    // lets in other accounts, whose own policies they write.
    for (principal, who) in [
        (
            json!({"AWS": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}),
            "another role of the account",
        ),
        (json!("*"), "same role name, another account"),
        (
            json!({"AWS": ["${VendorFunctionRoleArn}", "*"]}),
            "same role name, another account",
        ),
    ] {
        let mut doc = policy(TENANT_ROLE_TRUST);
        statement_mut(&mut doc, "OnlyTheVendorFunctionMayAssume")["Principal"] = principal.clone();
        assert_caught(
            &format!("principal {principal}"),
            &findings("ISO016", TENANT_ROLE_TRUST, &doc),
            "not only the vendor role",
        );
        assert_caught(
            &format!("principal {principal}"),
            &findings("ISO009", TENANT_ROLE_TRUST, &doc),
            "lets more than the vendor role assume",
        );
        // The other two statements still name only the vendor role, and
        // the call needs all three (tags, source identity): open them too.
        let mut everywhere = policy(TENANT_ROLE_TRUST);
        for st in everywhere["Statement"].as_array_mut().unwrap() {
            st["Principal"] = principal.clone();
        }
        assert_caught(
            &format!("principal {principal} on every statement"),
            &findings("ISO009", TENANT_ROLE_TRUST, &everywhere),
            "lets more than the vendor role assume",
        );
        assert_breaks(
            &format!("principal {principal} on every statement"),
            TENANT_ROLE_TRUST,
            &everywhere,
            Outcome::Violation,
            trust(who, "correct tag and source identity"),
        );
    }
}

#[test]
fn trust_requires_exactly_one_non_empty_api_key_id_tag() {
    for id in ["ISO005", "ISO017"] {
        assert_clean(
            &format!("policies/tenant-role-trust.json ({id})"),
            &findings_on_reviewed(id),
        );
    }
}

#[test]
fn trust_tag_check_catches_extra_keys_empty_values_and_untagged_sessions() {
    let mut doc = policy(TENANT_ROLE_TRUST);
    statement_mut(&mut doc, "TagSessionWithTheApiKeyIdOnly")["Condition"]
        .as_object_mut()
        .unwrap()
        .remove("ForAllValues:StringEquals");
    assert_caught(
        "aws:TagKeys restriction removed",
        &findings("ISO017", TENANT_ROLE_TRUST, &doc),
        "not limited",
    );
    assert_breaks(
        "aws:TagKeys restriction removed",
        TENANT_ROLE_TRUST,
        &doc,
        Outcome::Violation,
        trust(VENDOR, "extra tag key"),
    );

    let mut doc = policy(TENANT_ROLE_TRUST);
    statement_mut(&mut doc, "TagSessionWithTheApiKeyIdOnly")["Condition"]["ForAllValues:StringEquals"]
        ["aws:TagKeys"] = json!(["api-key-id", "team"]);
    assert_caught(
        "a second tag key admitted",
        &findings("ISO017", TENANT_ROLE_TRUST, &doc),
        "not limited",
    );
    assert_breaks(
        "a second tag key admitted",
        TENANT_ROLE_TRUST,
        &doc,
        Outcome::Violation,
        trust(VENDOR, "extra tag key"),
    );

    // Three guards keep an empty tag out: both statements' `??*`, and the
    // session name, which must equal the tag (and which STS requires to be
    // at least two characters). The pairing widens all three.
    let mut doc = policy(TENANT_ROLE_TRUST);
    statement_mut(&mut doc, "TagSessionWithTheApiKeyIdOnly")["Condition"]["StringLike"]["aws:RequestTag/api-key-id"] =
        json!("*");
    assert_caught(
        "empty tag value admitted",
        &findings("ISO017", TENANT_ROLE_TRUST, &doc),
        "may be empty",
    );
    statement_mut(&mut doc, "OnlyTheVendorFunctionMayAssume")["Condition"]["StringLike"]["aws:RequestTag/api-key-id"] =
        json!("*");
    statement_mut(&mut doc, "OnlyTheVendorFunctionMayAssume")["Condition"]
        .as_object_mut()
        .unwrap()
        .remove("StringEquals");
    assert_caught(
        "empty tag value and any session name admitted",
        &findings("ISO017", TENANT_ROLE_TRUST, &doc),
        "may be empty",
    );
    assert_breaks(
        "empty tag value and any session name admitted",
        TENANT_ROLE_TRUST,
        &doc,
        Outcome::Violation,
        trust(VENDOR, "empty tag value"),
    );

    // Four guards keep an untagged session out: the Null on the tag, the
    // `??*` (false on an absent key), the source identity (required) and
    // the session name (equal to the tag, which an absent tag never is).
    // The pairing drops all four.
    let mut doc = policy(TENANT_ROLE_TRUST);
    statement_mut(&mut doc, "OnlyTheVendorFunctionMayAssume")["Condition"]["Null"]
        .as_object_mut()
        .unwrap()
        .remove("aws:RequestTag/api-key-id");
    assert_caught(
        "AssumeRole without the tag",
        &findings("ISO017", TENANT_ROLE_TRUST, &doc),
        "does not require the api-key-id tag",
    );
    let assume = statement_mut(&mut doc, "OnlyTheVendorFunctionMayAssume")["Condition"]
        .as_object_mut()
        .unwrap();
    assume.remove("StringLike");
    assume.remove("StringEquals");
    assume["Null"]
        .as_object_mut()
        .unwrap()
        .remove("sts:SourceIdentity");
    assert_caught(
        "AssumeRole without tag, source identity or session name",
        &findings("ISO017", TENANT_ROLE_TRUST, &doc),
        "does not require the api-key-id tag",
    );
    assert_breaks(
        "AssumeRole without tag, source identity or session name",
        TENANT_ROLE_TRUST,
        &doc,
        Outcome::Violation,
        trust(VENDOR, "no tags, no source identity"),
    );
}

#[test]
fn trust_forbids_transitive_tags() {
    for id in ["ISO006", "ISO018"] {
        assert_clean(
            &format!("policies/tenant-role-trust.json ({id})"),
            &findings_on_reviewed(id),
        );
    }
}

#[test]
fn transitive_tag_check_catches_a_removed_guard() {
    let mut doc = policy(TENANT_ROLE_TRUST);
    statement_mut(&mut doc, "TagSessionWithTheApiKeyIdOnly")["Condition"]["Null"]
        .as_object_mut()
        .unwrap()
        .remove("sts:TransitiveTagKeys");
    for id in ["ISO006", "ISO018"] {
        assert_caught(
            "transitive tags admitted",
            &findings(id, TENANT_ROLE_TRUST, &doc),
            "TagSessionWithTheApiKeyIdOnly",
        );
    }
    // The AssumeRole statement refuses transitive tags too; with both guards
    // gone, a chained session would carry the tenant's tag on.
    statement_mut(&mut doc, "OnlyTheVendorFunctionMayAssume")["Condition"]["Null"]
        .as_object_mut()
        .unwrap()
        .remove("sts:TransitiveTagKeys");
    assert_caught(
        "transitive tags admitted by both statements",
        &findings("ISO018", TENANT_ROLE_TRUST, &doc),
        "OnlyTheVendorFunctionMayAssume",
    );
    assert_breaks(
        "transitive tags admitted by both statements",
        TENANT_ROLE_TRUST,
        &doc,
        Outcome::Violation,
        trust(VENDOR, "transitive tag"),
    );
}

#[test]
fn trust_requires_a_source_identity_and_a_session_name_equal_to_the_tag() {
    assert_clean(
        "policies/tenant-role-trust.json (ISO019)",
        &findings_on_reviewed("ISO019"),
    );
}

#[test]
fn source_identity_check_catches_any_value_or_no_permission() {
    let mut doc = policy(TENANT_ROLE_TRUST);
    statement_mut(&mut doc, "SourceIdentityNamesTheVendingKey")
        .as_object_mut()
        .unwrap()
        .remove("Condition");
    assert_caught(
        "any source identity",
        &findings("ISO019", TENANT_ROLE_TRUST, &doc),
        "not required to be a key ID",
    );

    let mut doc = policy(TENANT_ROLE_TRUST);
    statement_mut(&mut doc, "OnlyTheVendorFunctionMayAssume")["Condition"]
        .as_object_mut()
        .unwrap()
        .remove("StringEquals");
    assert_caught(
        "any session name",
        &findings("ISO019", TENANT_ROLE_TRUST, &doc),
        "sts:RoleSessionName is not required to equal",
    );
    assert_breaks(
        "any session name",
        TENANT_ROLE_TRUST,
        &doc,
        Outcome::Violation,
        trust(VENDOR, "session name of another tenant"),
    );

    let mut doc = policy(TENANT_ROLE_TRUST);
    doc["Statement"]
        .as_array_mut()
        .unwrap()
        .retain(|s| s["Sid"] != "SourceIdentityNamesTheVendingKey");
    assert_caught(
        "SetSourceIdentity not allowed",
        &findings("ISO019", TENANT_ROLE_TRUST, &doc),
        "no statement allows sts:SetSourceIdentity",
    );
    // Not a wrong allow but the opposite: vendor-fn's own call fails.
    assert_breaks(
        "SetSourceIdentity not allowed",
        TENANT_ROLE_TRUST,
        &doc,
        Outcome::IntendedDenied,
        trust(VENDOR, "correct tag and source identity"),
    );
}

// ------------------------------------------ pitfall: prefix matches

#[test]
fn tag_values_are_never_prefix_matched() {
    for id in ["ISO004", "ISO020"] {
        assert_clean(
            &format!("every document in policies/ ({id})"),
            &findings_on_reviewed(id),
        );
    }
}

#[test]
fn prefix_match_check_catches_a_wildcard_after_the_tag() {
    let mut doc = policy(TENANT_ROLE_PERMISSIONS);
    statement_mut(&mut doc, "PooledTableOwnPartitionOnly")["Condition"]["ForAllValues:StringEquals"]
        ["dynamodb:LeadingKeys"] = json!(["${aws:PrincipalTag/api-key-id}*"]);
    assert_caught(
        "LeadingKeys tag*",
        &findings("ISO020", TENANT_ROLE_PERMISSIONS, &doc),
        "prefix match",
    );
    // Under StringEquals the `*` is a literal character, so the copy is
    // still safe; under StringLike it is the prefix match the lint means.
    let cond = statement_mut(&mut doc, "PooledTableOwnPartitionOnly")["Condition"]
        .as_object_mut()
        .unwrap();
    let keys = cond.remove("ForAllValues:StringEquals").unwrap();
    cond.insert("ForAllValues:StringLike".into(), keys);
    assert_caught(
        "LeadingKeys StringLike tag*",
        &findings("ISO020", TENANT_ROLE_PERMISSIONS, &doc),
        "prefix match",
    );
    assert_breaks(
        "LeadingKeys StringLike tag*",
        TENANT_ROLE_PERMISSIONS,
        &doc,
        Outcome::Violation,
        k1(
            "dynamodb",
            "dynamodb:GetItem",
            "table/TenantData",
            "leading keys other [k1x]",
        ),
    );

    let mut doc = policy(TENANT_ROLE_PERMISSIONS);
    statement_mut(&mut doc, "ObjectsUnderOwnPrefixOnly")["Resource"] =
        json!("arn:${AWS::Partition}:s3:::${TenantBucket}/${aws:PrincipalTag/api-key-id}*");
    for (id, expected) in [
        ("ISO004", "matches any tenant whose id starts with this one"),
        ("ISO020", "prefix match"),
    ] {
        assert_caught(
            "S3 object ARN without the trailing slash",
            &findings(id, TENANT_ROLE_PERMISSIONS, &doc),
            expected,
        );
    }
    assert_breaks(
        "S3 object ARN without the trailing slash",
        TENANT_ROLE_PERMISSIONS,
        &doc,
        Outcome::Violation,
        k1(
            "s3",
            "s3:GetObject",
            "tenant-bucket/k1x/doc.txt",
            "look-alike prefix",
        ),
    );
}

#[test]
fn s3_access_is_limited_to_the_tenants_own_prefix() {
    assert_clean(
        "policies/tenant-role-permissions.json (ISO021)",
        &findings_on_reviewed("ISO021"),
    );
}

#[test]
fn s3_scope_check_catches_the_whole_bucket_and_unconditioned_listing() {
    let mut doc = policy(TENANT_ROLE_PERMISSIONS);
    statement_mut(&mut doc, "ObjectsUnderOwnPrefixOnly")["Resource"] =
        json!("arn:${AWS::Partition}:s3:::${TenantBucket}/*");
    assert_caught(
        "objects of the whole bucket",
        &findings("ISO021", TENANT_ROLE_PERMISSIONS, &doc),
        "not only",
    );
    assert_breaks(
        "objects of the whole bucket",
        TENANT_ROLE_PERMISSIONS,
        &doc,
        Outcome::Violation,
        k1("s3", "s3:GetObject", "tenant-bucket/doc.txt", "bucket root"),
    );

    let mut doc = policy(TENANT_ROLE_PERMISSIONS);
    statement_mut(&mut doc, "ListOwnPrefixOnly")
        .as_object_mut()
        .unwrap()
        .remove("Condition");
    assert_caught(
        "listing without s3:prefix",
        &findings("ISO021", TENANT_ROLE_PERMISSIONS, &doc),
        "s3:prefix",
    );
    assert_breaks(
        "listing without s3:prefix",
        TENANT_ROLE_PERMISSIONS,
        &doc,
        Outcome::Violation,
        k1("s3", "s3:ListBucket", "tenant-bucket", "no prefix"),
    );

    let mut doc = policy(TENANT_ROLE_PERMISSIONS);
    statement_mut(&mut doc, "ListOwnPrefixOnly")["Condition"]["StringLike"]["s3:prefix"] =
        json!(["*"]);
    assert_caught(
        "listing any prefix",
        &findings("ISO021", TENANT_ROLE_PERMISSIONS, &doc),
        "not limited",
    );
    assert_breaks(
        "listing any prefix",
        TENANT_ROLE_PERMISSIONS,
        &doc,
        Outcome::Violation,
        k1(
            "s3",
            "s3:ListBucket",
            "tenant-bucket",
            "other prefix \"k1x/\"",
        ),
    );
}

#[test]
fn dynamodb_access_is_limited_to_the_pooled_table_and_the_tenants_own_silo_table() {
    assert_clean(
        "policies/tenant-role-permissions.json (ISO022)",
        &findings_on_reviewed("ISO022"),
    );
}

#[test]
fn silo_check_catches_a_wildcard_table_name() {
    let mut doc = policy(TENANT_ROLE_PERMISSIONS);
    statement_mut(&mut doc, "SiloTableOwnTableOwnPartitionOnly")["Resource"] = json!(
        "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${SiloTablePrefix}-*"
    );
    assert_caught(
        "every silo table",
        &findings("ISO022", TENANT_ROLE_PERMISSIONS, &doc),
        "neither the pooled table",
    );
    // Another tenant's silo table, with items keyed by the caller's own ID.
    assert_breaks(
        "every silo table",
        TENANT_ROLE_PERMISSIONS,
        &doc,
        Outcome::Violation,
        k1(
            "dynamodb",
            "dynamodb:PutItem",
            "table/tenant-silo-k1x",
            "leading keys own [k1]",
        ),
    );
}

// ------------------------------------------------ vendor function

#[test]
fn vendor_function_may_only_read_the_registry_assume_the_tenant_role_and_log() {
    assert_clean(
        "policies/vendor-fn-permissions.json (ISO025)",
        &findings_on_reviewed("ISO025"),
    );
}

#[test]
fn vendor_check_catches_assuming_any_role() {
    let mut doc = policy(VENDOR_FN_PERMISSIONS);
    statement_mut(&mut doc, "AssumeTenantRoleWithTagAndSourceIdentity")["Resource"] = json!("*");
    assert_caught(
        "sts:AssumeRole on *",
        &findings("ISO025", VENDOR_FN_PERMISSIONS, &doc),
        "Resource \"*\"",
    );
    assert_breaks(
        "sts:AssumeRole on *",
        VENDOR_FN_PERMISSIONS,
        &doc,
        Outcome::Violation,
        Row {
            area: "vendor",
            actor: "vendor function",
            action: "sts:AssumeRole",
            resource: "role/SomeOtherRole",
            detail: "only the tenant role",
        },
    );
}
