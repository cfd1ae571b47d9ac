//! The IAM documents in `policies/`: they parse, use only documented
//! placeholders, and pass every lint of the isolation-audit library: the
//! pitfalls of DESIGN.md ("Policies", `ISO001`–`ISO011`, what `tenantctl
//! audit` runs) and the strict lints that pin their reviewed shape
//! (`ISO012`–`ISO026`). Each pitfall test runs its lint on the real file and
//! on a copy with the pitfall put back, so a lint that can't fail is caught
//! too.

mod repo_files;

use iam_eval::Matcher;
use isolation_audit::inputs::parse_policy;
use isolation_audit::lints::{self, strict};
use isolation_audit::matrix::Names;
use isolation_audit::placeholders::references;
use isolation_audit::{Params, PolicySet};
use repo_files::{
    POLICY_FILES, SESSION_READ_ONLY, TENANT_ROLE_PERMISSIONS, TENANT_ROLE_TRUST,
    VENDOR_FN_PERMISSIONS, all_strings, policy, read_text, repo_root,
};
use serde_json::{Value, json};

/// The deploy-time placeholders documented in `policies/README.md`.
const DOCUMENTED_PLACEHOLDERS: [&str; 10] = [
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
    let mut doc = policy(SESSION_READ_ONLY);
    doc["Statement"][0]["Resource"] = json!("arn:aws:s3:::${TenantBucket}/*");
    assert_caught(
        "a placeholder in the session policy",
        &findings("ISO011", SESSION_READ_ONLY, &doc),
        "placeholder that nothing fills",
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
}

#[test]
fn leading_keys_check_catches_for_any_value_and_a_missing_condition() {
    let mut doc = policy(TENANT_ROLE_PERMISSIONS);
    let cond = statement_mut(&mut doc, "SiloTableOwnTableOwnPartitionOnly")["Condition"]
        .as_object_mut()
        .unwrap();
    let v = cond.remove("ForAllValues:StringEquals").unwrap();
    cond.insert("ForAnyValue:StringEquals".into(), v);
    assert_caught(
        "ForAnyValue instead of ForAllValues",
        &findings("ISO012", TENANT_ROLE_PERMISSIONS, &doc),
        "ForAnyValue",
    );

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

    let mut doc = policy(TENANT_ROLE_PERMISSIONS);
    statement_mut(&mut doc, "DenyPartiQLFullTableScan")["Resource"] = json!(
        "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${TenantDataTable}"
    );
    assert_caught(
        "deny narrowed to the pooled table (silo tables left open)",
        &findings("ISO015", TENANT_ROLE_PERMISSIONS, &doc),
        "FullTableScan",
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
    for principal in [
        json!({"AWS": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}),
        json!("*"),
        json!({"AWS": ["${VendorFunctionRoleArn}", "*"]}),
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

    let mut doc = policy(TENANT_ROLE_TRUST);
    statement_mut(&mut doc, "TagSessionWithTheApiKeyIdOnly")["Condition"]["ForAllValues:StringEquals"]
        ["aws:TagKeys"] = json!(["api-key-id", "tier"]);
    assert_caught(
        "a second tag key admitted",
        &findings("ISO017", TENANT_ROLE_TRUST, &doc),
        "not limited",
    );

    let mut doc = policy(TENANT_ROLE_TRUST);
    statement_mut(&mut doc, "TagSessionWithTheApiKeyIdOnly")["Condition"]["StringLike"]["aws:RequestTag/api-key-id"] =
        json!("*");
    assert_caught(
        "empty tag value admitted",
        &findings("ISO017", TENANT_ROLE_TRUST, &doc),
        "may be empty",
    );

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
}

#[test]
fn trust_allows_a_source_identity_equal_to_the_tag() {
    assert_clean(
        "policies/tenant-role-trust.json (ISO019)",
        &findings_on_reviewed("ISO019"),
    );
}

#[test]
fn source_identity_check_catches_any_value_or_no_permission() {
    let mut doc = policy(TENANT_ROLE_TRUST);
    statement_mut(&mut doc, "SourceIdentityIsTheApiKeyId")
        .as_object_mut()
        .unwrap()
        .remove("Condition");
    assert_caught(
        "any source identity",
        &findings("ISO019", TENANT_ROLE_TRUST, &doc),
        "not required to equal",
    );

    let mut doc = policy(TENANT_ROLE_TRUST);
    doc["Statement"]
        .as_array_mut()
        .unwrap()
        .retain(|s| s["Sid"] != "SourceIdentityIsTheApiKeyId");
    assert_caught(
        "SetSourceIdentity not allowed",
        &findings("ISO019", TENANT_ROLE_TRUST, &doc),
        "no statement allows sts:SetSourceIdentity",
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

    let mut doc = policy(TENANT_ROLE_PERMISSIONS);
    statement_mut(&mut doc, "ListOwnPrefixOnly")["Condition"]["StringLike"]["s3:prefix"] =
        json!(["*"]);
    assert_caught(
        "listing any prefix",
        &findings("ISO021", TENANT_ROLE_PERMISSIONS, &doc),
        "not limited",
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
}
