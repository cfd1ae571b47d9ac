//! The IAM documents in `policies/`: they parse, use only documented
//! placeholders, and avoid every pitfall in DESIGN.md ("Policies"). Each
//! pitfall test runs its check on the real file and on a copy with the
//! pitfall put back, so a check that can't fail is caught too.

mod policy_support;

use policy_support::{
    DOCUMENTED_PLACEHOLDERS, POLICY_FILES, POLICY_VARIABLES, READ_ACTIONS, SESSION_READ_ONLY,
    TENANT_ROLE_PERMISSIONS, TENANT_ROLE_TRUST, VENDOR_FN_PERMISSIONS, actions, all_strings,
    dynamodb_resource_problems, is_allow, leading_keys_problems, non_item_action_problems,
    partiql_scan_problems, placeholders, policy, prefix_match_problems, read_text, resources,
    s3_scope_problems, source_identity_problems, statement_mut, statements,
    transitive_tag_problems, trust_principal_problems, trust_tag_problems,
    wildcard_action_problems,
};
use serde_json::{Value, json};

fn assert_clean(what: &str, problems: &[String]) {
    assert!(problems.is_empty(), "{what}:\n  {}", problems.join("\n  "));
}

fn assert_caught(mutation: &str, problems: &[String], expected: &str) {
    assert!(
        problems.iter().any(|p| p.contains(expected)),
        "the check missed a reintroduced pitfall ({mutation}); expected a problem mentioning {expected:?}, got {problems:?}"
    );
}

// ------------------------------------------------------------- shape

#[test]
fn every_policy_document_is_iam_json_with_explicit_statements() {
    for name in POLICY_FILES {
        let doc = policy(name);
        assert_eq!(
            doc["Version"], "2012-10-17",
            "policies/{name}: Version must be 2012-10-17 (older versions ignore policy variables)"
        );
        let stmts = statements(&doc);
        assert!(!stmts.is_empty(), "policies/{name}: no statements");
        for stmt in stmts {
            let effect = &stmt["Effect"];
            assert!(
                effect == "Allow" || effect == "Deny",
                "policies/{name}: statement {stmt} has Effect {effect}"
            );
            assert!(
                stmt["Sid"].is_string(),
                "policies/{name}: every statement needs a Sid saying what it is for: {stmt}"
            );
            assert!(
                !actions(stmt).is_empty(),
                "policies/{name}: statement {} has no Action",
                stmt["Sid"]
            );
            let has_target = if name == TENANT_ROLE_TRUST {
                stmt.get("Principal").is_some()
            } else {
                !resources(stmt).is_empty()
            };
            assert!(
                has_target,
                "policies/{name}: statement {} has no {}",
                stmt["Sid"],
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
        let doc = policy(name);
        let unknown: Vec<&str> = all_strings(&doc)
            .into_iter()
            .flat_map(placeholders)
            .filter(|p| !DOCUMENTED_PLACEHOLDERS.contains(p) && !POLICY_VARIABLES.contains(p))
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
    let unknown: Vec<&str> = all_strings(&doc)
        .into_iter()
        .flat_map(placeholders)
        .filter(|p| !DOCUMENTED_PLACEHOLDERS.contains(p) && !POLICY_VARIABLES.contains(p))
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
        .flat_map(|n| {
            all_strings(&policy(n))
                .into_iter()
                .flat_map(placeholders)
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .collect();
    for p in DOCUMENTED_PLACEHOLDERS {
        assert!(
            used.iter().any(|u| u == p),
            "placeholder {p} is documented but no policy uses it; drop it from the README and the test list"
        );
    }
}

// --------------------------------------------------- session policy

/// STS limits a plaintext session policy to 2,048 characters, before the
/// packed-size limit it shares with the session tags.
const SESSION_POLICY_MAX_CHARS: usize = 2048;

fn session_policy_problems(doc: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let compact = serde_json::to_string(doc).expect("a JSON value serializes");
    if compact.len() > SESSION_POLICY_MAX_CHARS / 2 {
        problems.push(format!("compact form is {} characters; keep it under {} (STS allows {SESSION_POLICY_MAX_CHARS}, shared headroom with tags)", compact.len(), SESSION_POLICY_MAX_CHARS / 2));
    }
    for p in all_strings(doc).into_iter().flat_map(placeholders) {
        problems.push(format!(
            "contains {p}; vendor-fn embeds the file verbatim, so nothing can fill it in"
        ));
    }
    for stmt in statements(doc) {
        if !is_allow(stmt) {
            problems.push(format!(
                "statement {} is not Allow; a session policy only narrows",
                stmt["Sid"]
            ));
        }
        for a in actions(stmt) {
            if !READ_ACTIONS.contains(&a) {
                problems.push(format!("allows {a}, which is not a read action"));
            }
        }
    }
    problems
}

#[test]
fn read_only_session_policy_is_compact_read_only_and_placeholder_free() {
    assert_clean(
        "policies/session-read-only.json",
        &session_policy_problems(&policy(SESSION_READ_ONLY)),
    );
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
        &session_policy_problems(&doc),
        "dynamodb:PutItem",
    );
    let mut doc = policy(SESSION_READ_ONLY);
    doc["Statement"][0]["Resource"] = json!("arn:aws:s3:::${TenantBucket}/*");
    assert_caught(
        "a placeholder in the session policy",
        &session_policy_problems(&doc),
        "${TenantBucket}",
    );
}

// ---------------------------------------------- pitfall: LeadingKeys

#[test]
fn dynamodb_grants_pin_leading_keys_with_for_all_values_and_a_null_guard() {
    assert_clean(
        "policies/tenant-role-permissions.json",
        &leading_keys_problems(&policy(TENANT_ROLE_PERMISSIONS)),
    );
}

#[test]
fn leading_keys_check_catches_a_missing_null_guard() {
    let mut doc = policy(TENANT_ROLE_PERMISSIONS);
    statement_mut(&mut doc, "PooledTableOwnPartitionOnly")["Condition"]
        .as_object_mut()
        .unwrap()
        .remove("Null");
    assert_caught("Null guard removed", &leading_keys_problems(&doc), "Null");
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
        &leading_keys_problems(&doc),
        "ForAnyValue",
    );

    let mut doc = policy(TENANT_ROLE_PERMISSIONS);
    statement_mut(&mut doc, "PooledTableOwnPartitionOnly")
        .as_object_mut()
        .unwrap()
        .remove("Condition");
    assert_caught(
        "no condition at all",
        &leading_keys_problems(&doc),
        "without ForAllValues",
    );
}

// ------------------------------------------ pitfall: explicit actions

#[test]
fn actions_are_listed_explicitly_in_every_document() {
    for name in POLICY_FILES {
        assert_clean(
            &format!("policies/{name}"),
            &wildcard_action_problems(&policy(name)),
        );
    }
}

#[test]
fn explicit_action_check_catches_dynamodb_star() {
    let mut doc = policy(TENANT_ROLE_PERMISSIONS);
    statement_mut(&mut doc, "PooledTableOwnPartitionOnly")["Action"] = json!("dynamodb:*");
    assert_caught("dynamodb:*", &wildcard_action_problems(&doc), "dynamodb:*");
    assert_caught("dynamodb:*", &non_item_action_problems(&doc), "dynamodb:*");
}

#[test]
fn tenant_role_allows_only_keyed_dynamodb_item_actions() {
    assert_clean(
        "policies/tenant-role-permissions.json",
        &non_item_action_problems(&policy(TENANT_ROLE_PERMISSIONS)),
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
        &non_item_action_problems(&doc),
        "dynamodb:Scan",
    );
}

// ------------------------------------------ pitfall: PartiQL scans

#[test]
fn partiql_full_table_scans_are_denied() {
    assert_clean(
        "policies/tenant-role-permissions.json",
        &partiql_scan_problems(&policy(TENANT_ROLE_PERMISSIONS)),
    );
}

#[test]
fn partiql_check_catches_a_removed_or_weakened_deny() {
    let mut doc = policy(TENANT_ROLE_PERMISSIONS);
    doc["Statement"]
        .as_array_mut()
        .unwrap()
        .retain(|s| s["Sid"] != "DenyPartiQLFullTableScan");
    assert_caught(
        "FullTableScan deny removed",
        &partiql_scan_problems(&doc),
        "FullTableScan",
    );

    let mut doc = policy(TENANT_ROLE_PERMISSIONS);
    statement_mut(&mut doc, "DenyPartiQLFullTableScan")["Resource"] = json!(
        "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${TenantDataTable}"
    );
    assert_caught(
        "deny narrowed to the pooled table (silo tables left open)",
        &partiql_scan_problems(&doc),
        "FullTableScan",
    );
}

// ------------------------------------------------- pitfall: trust

#[test]
fn trust_admits_only_the_vendor_function_role() {
    assert_clean(
        "policies/tenant-role-trust.json",
        &trust_principal_problems(&policy(TENANT_ROLE_TRUST)),
    );
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
            &trust_principal_problems(&doc),
            "not only the vendor role",
        );
    }
}

#[test]
fn trust_requires_exactly_one_non_empty_api_key_id_tag() {
    assert_clean(
        "policies/tenant-role-trust.json",
        &trust_tag_problems(&policy(TENANT_ROLE_TRUST)),
    );
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
        &trust_tag_problems(&doc),
        "not limited",
    );

    let mut doc = policy(TENANT_ROLE_TRUST);
    statement_mut(&mut doc, "TagSessionWithTheApiKeyIdOnly")["Condition"]["ForAllValues:StringEquals"]
        ["aws:TagKeys"] = json!(["api-key-id", "tier"]);
    assert_caught(
        "a second tag key admitted",
        &trust_tag_problems(&doc),
        "not limited",
    );

    let mut doc = policy(TENANT_ROLE_TRUST);
    statement_mut(&mut doc, "TagSessionWithTheApiKeyIdOnly")["Condition"]["StringLike"]["aws:RequestTag/api-key-id"] =
        json!("*");
    assert_caught(
        "empty tag value admitted",
        &trust_tag_problems(&doc),
        "may be empty",
    );

    let mut doc = policy(TENANT_ROLE_TRUST);
    statement_mut(&mut doc, "OnlyTheVendorFunctionMayAssume")["Condition"]["Null"]
        .as_object_mut()
        .unwrap()
        .remove("aws:RequestTag/api-key-id");
    assert_caught(
        "AssumeRole without the tag",
        &trust_tag_problems(&doc),
        "does not require the api-key-id tag",
    );
}

#[test]
fn trust_forbids_transitive_tags() {
    assert_clean(
        "policies/tenant-role-trust.json",
        &transitive_tag_problems(&policy(TENANT_ROLE_TRUST)),
    );
}

#[test]
fn transitive_tag_check_catches_a_removed_guard() {
    let mut doc = policy(TENANT_ROLE_TRUST);
    statement_mut(&mut doc, "TagSessionWithTheApiKeyIdOnly")["Condition"]["Null"]
        .as_object_mut()
        .unwrap()
        .remove("sts:TransitiveTagKeys");
    assert_caught(
        "transitive tags admitted",
        &transitive_tag_problems(&doc),
        "TagSessionWithTheApiKeyIdOnly",
    );
}

#[test]
fn trust_allows_a_source_identity_equal_to_the_tag() {
    assert_clean(
        "policies/tenant-role-trust.json",
        &source_identity_problems(&policy(TENANT_ROLE_TRUST)),
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
        &source_identity_problems(&doc),
        "not required to equal",
    );

    let mut doc = policy(TENANT_ROLE_TRUST);
    doc["Statement"]
        .as_array_mut()
        .unwrap()
        .retain(|s| s["Sid"] != "SourceIdentityIsTheApiKeyId");
    assert_caught(
        "SetSourceIdentity not allowed",
        &source_identity_problems(&doc),
        "no statement allows sts:SetSourceIdentity",
    );
}

// ------------------------------------------ pitfall: prefix matches

#[test]
fn tag_values_are_never_prefix_matched() {
    for name in POLICY_FILES {
        assert_clean(
            &format!("policies/{name}"),
            &prefix_match_problems(&policy(name)),
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
        &prefix_match_problems(&doc),
        "prefix match",
    );

    let mut doc = policy(TENANT_ROLE_PERMISSIONS);
    statement_mut(&mut doc, "ObjectsUnderOwnPrefixOnly")["Resource"] =
        json!("arn:${AWS::Partition}:s3:::${TenantBucket}/${aws:PrincipalTag/api-key-id}*");
    assert_caught(
        "S3 object ARN without the trailing slash",
        &prefix_match_problems(&doc),
        "prefix match",
    );
}

#[test]
fn s3_access_is_limited_to_the_tenants_own_prefix() {
    assert_clean(
        "policies/tenant-role-permissions.json",
        &s3_scope_problems(&policy(TENANT_ROLE_PERMISSIONS)),
    );
}

#[test]
fn s3_scope_check_catches_the_whole_bucket_and_unconditioned_listing() {
    let mut doc = policy(TENANT_ROLE_PERMISSIONS);
    statement_mut(&mut doc, "ObjectsUnderOwnPrefixOnly")["Resource"] =
        json!("arn:${AWS::Partition}:s3:::${TenantBucket}/*");
    assert_caught(
        "objects of the whole bucket",
        &s3_scope_problems(&doc),
        "not only",
    );

    let mut doc = policy(TENANT_ROLE_PERMISSIONS);
    statement_mut(&mut doc, "ListOwnPrefixOnly")
        .as_object_mut()
        .unwrap()
        .remove("Condition");
    assert_caught(
        "listing without s3:prefix",
        &s3_scope_problems(&doc),
        "s3:prefix",
    );

    let mut doc = policy(TENANT_ROLE_PERMISSIONS);
    statement_mut(&mut doc, "ListOwnPrefixOnly")["Condition"]["StringLike"]["s3:prefix"] =
        json!(["*"]);
    assert_caught(
        "listing any prefix",
        &s3_scope_problems(&doc),
        "not limited",
    );
}

#[test]
fn dynamodb_access_is_limited_to_the_pooled_table_and_the_tenants_own_silo_table() {
    assert_clean(
        "policies/tenant-role-permissions.json",
        &dynamodb_resource_problems(&policy(TENANT_ROLE_PERMISSIONS)),
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
        &dynamodb_resource_problems(&doc),
        "neither the pooled table",
    );
}

// ------------------------------------------------ vendor function

fn vendor_problems(doc: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    for stmt in statements(doc).into_iter().filter(|s| is_allow(s)) {
        for r in resources(stmt) {
            if r == "*" {
                problems.push(format!("statement {}: Resource \"*\"", stmt["Sid"]));
            }
        }
        for a in actions(stmt) {
            let expected: &[&str] = if a.starts_with("sts:") {
                &["${TenantRoleArn}"]
            } else if a.starts_with("dynamodb:") {
                &[
                    "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${TenantTable}",
                ]
            } else if a.starts_with("logs:") {
                &[
                    "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:${VendorFunctionLogGroup}:*",
                ]
            } else {
                problems.push(format!("statement {}: unexpected action {a}", stmt["Sid"]));
                continue;
            };
            if resources(stmt) != expected {
                problems.push(format!(
                    "statement {}: {a} on {:?}, expected only {expected:?}",
                    stmt["Sid"],
                    resources(stmt)
                ));
            }
            if a.starts_with("dynamodb:") && a != "dynamodb:GetItem" {
                problems.push(format!(
                    "statement {}: the vendor only reads tenant records by key; {a} is not needed",
                    stmt["Sid"]
                ));
            }
        }
    }
    problems
}

#[test]
fn vendor_function_may_only_read_the_registry_assume_the_tenant_role_and_log() {
    assert_clean(
        "policies/vendor-fn-permissions.json",
        &vendor_problems(&policy(VENDOR_FN_PERMISSIONS)),
    );
}

#[test]
fn vendor_check_catches_assuming_any_role() {
    let mut doc = policy(VENDOR_FN_PERMISSIONS);
    statement_mut(&mut doc, "AssumeTenantRoleWithTagAndSourceIdentity")["Resource"] = json!("*");
    assert_caught(
        "sts:AssumeRole on *",
        &vendor_problems(&doc),
        "Resource \"*\"",
    );
}
