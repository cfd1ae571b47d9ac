//! `tenantctl audit` end to end: the real policies pass, each known-bad
//! fixture fails naming its flaw, unusable input exits 2.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The audit's fixtures live with the library.
fn fixtures() -> PathBuf {
    crate_dir().join("../isolation-audit/tests/fixtures")
}

fn tenantctl(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tenantctl"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("tenantctl runs")
}

/// `good/` with the files of `broken/<flaw>/` laid over it, in a fresh directory.
fn fixture_with(flaw: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tenantctl-audit-{}-{flaw}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for source in [
        fixtures().join("good"),
        fixtures().join("broken").join(flaw),
    ] {
        for entry in
            std::fs::read_dir(&source).unwrap_or_else(|e| panic!("{}: {e}", source.display()))
        {
            let path = entry.unwrap().path();
            std::fs::copy(&path, dir.join(path.file_name().unwrap())).unwrap();
        }
    }
    dir
}

fn audit_json(dir: &Path) -> (i32, Value) {
    let policies = dir.to_str().unwrap();
    let template = dir.join("template.yaml");
    let out = tenantctl(
        &[
            "audit",
            "--policies",
            policies,
            "--template",
            template.to_str().unwrap(),
            "--format",
            "json",
        ],
        dir,
    );
    let code = out.status.code().expect("exit code");
    let json = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "json output ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    (code, json)
}

fn lint_ids(report: &Value) -> Vec<String> {
    let mut ids: Vec<String> = report["lints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

fn has_failure(report: &Value, outcome: &str, area: &str, action: &str, case: &str) -> bool {
    report["failures"].as_array().unwrap().iter().any(|f| {
        f["outcome"] == outcome
            && f["area"] == area
            && f["action"].as_str().unwrap().contains(action)
            && f["case"].as_str().unwrap().contains(case)
    })
}

#[test]
fn the_repository_policies_pass() {
    let root = crate_dir().parent().unwrap().to_path_buf();
    assert!(
        root.join("policies/tenant-role-permissions.json").exists(),
        "policies/ is missing"
    );
    let out = tenantctl(&["audit"], &root);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "audit of policies/ failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("result: PASS"));
}

#[test]
fn the_good_fixture_passes_every_check() {
    let (code, report) = audit_json(&fixtures().join("good"));
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["result"], "pass");
    assert!(report["checks"].as_u64().unwrap() > 1000);
}

#[test]
fn catches_dynamodb_star_without_null_guard_as_cross_tenant_scan() {
    let (code, report) = audit_json(&fixture_with("dynamodb-star-no-null-guard"));
    assert_eq!(code, 1);
    assert!(lint_ids(&report).contains(&"ISO001".to_owned()));
    assert!(lint_ids(&report).contains(&"ISO002".to_owned()));
    assert!(has_failure(
        &report,
        "violation",
        "dynamodb",
        "dynamodb:Scan",
        "absent"
    ));
    assert!(has_failure(
        &report,
        "violation",
        "dynamodb",
        "dynamodb:ExportTableToPointInTime",
        "absent"
    ));
}

#[test]
fn catches_a_missing_null_guard() {
    let (code, report) = audit_json(&fixture_with("missing-null-guard"));
    assert_eq!(code, 1);
    assert_eq!(lint_ids(&report), ["ISO001"]);
    assert!(has_failure(
        &report,
        "violation",
        "dynamodb",
        "dynamodb:GetItem",
        "absent"
    ));
}

#[test]
fn catches_prefix_matched_tags_with_the_look_alike_tenant() {
    let (code, report) = audit_json(&fixture_with("prefix-tag-match"));
    assert_eq!(code, 1);
    assert!(lint_ids(&report).contains(&"ISO004".to_owned()));
    assert!(has_failure(
        &report,
        "violation",
        "s3",
        "s3:GetObject",
        "look-alike prefix"
    ));
    assert!(has_failure(
        &report,
        "violation",
        "dynamodb",
        "dynamodb:GetItem",
        "other [k1x]"
    ));
}

#[test]
fn catches_an_unrestricted_tag_session() {
    let (code, report) = audit_json(&fixture_with("unrestricted-tag-session"));
    assert_eq!(code, 1);
    assert_eq!(lint_ids(&report), ["ISO005", "ISO006"]);
    assert!(has_failure(
        &report,
        "violation",
        "trust",
        "sts:TagSession",
        "extra tag key"
    ));
    assert!(has_failure(
        &report,
        "violation",
        "trust",
        "sts:TagSession",
        "transitive tag"
    ));
}

#[test]
fn catches_a_trust_policy_open_to_any_principal() {
    let (code, report) = audit_json(&fixture_with("trust-any-principal"));
    assert_eq!(code, 1);
    assert!(lint_ids(&report).contains(&"ISO009".to_owned()));
    // Every principal other than the vendor gets through (`{"AWS": "*"}`
    // is everyone, the Lambda service included), each with the two call
    // shapes the vendor itself uses (a tenant's first key, and a rotated
    // key as source identity); the rest of the matrix passes.
    let failures = report["failures"].as_array().unwrap();
    let mut who: Vec<&str> = failures
        .iter()
        .map(|f| f["actor"].as_str().unwrap())
        .collect();
    who.sort_unstable();
    assert_eq!(
        who,
        [
            "account root",
            "account root",
            "another role of the account",
            "another role of the account",
            "lambda service",
            "lambda service",
            "same role name, another account",
            "same role name, another account",
            "tenant role session",
            "tenant role session"
        ],
        "{report:#}"
    );
    for f in failures {
        assert_eq!(f["outcome"], "violation", "{f:#}");
        assert_eq!(f["area"], "trust", "{f:#}");
        assert!(
            [
                "correct tag and source identity",
                "source identity of a rotated key (the tag stays the tenant's)"
            ]
            .contains(&f["case"].as_str().unwrap()),
            "{f:#}"
        );
        assert_eq!(
            f["action"],
            "sts:AssumeRole+sts:TagSession+sts:SetSourceIdentity"
        );
        assert_eq!(f["decision"], "allowed", "{f:#}");
        let sids: Vec<&str> = f["deciding"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["sid"].as_str().unwrap())
            .collect();
        assert_eq!(
            sids,
            [
                "AnyPrincipalWithATag",
                "VendorTagsOnlyTheTenantTag",
                "SourceIdentityNamesTheVendingKey"
            ],
            "{f:#}"
        );
    }
}

#[test]
fn catches_a_policy_that_lets_tenants_assume_roles() {
    let (code, report) = audit_json(&fixture_with("tenant-assumes-roles"));
    assert_eq!(code, 1);
    assert!(lint_ids(&report).contains(&"ISO010".to_owned()));
    assert!(has_failure(
        &report,
        "violation",
        "sts",
        "sts:AssumeRole",
        "tenant session"
    ));
}

#[test]
fn catches_a_missing_full_table_scan_deny() {
    let (code, report) = audit_json(&fixture_with("no-fulltablescan-deny"));
    assert_eq!(code, 1);
    assert_eq!(lint_ids(&report), ["ISO007"]);
}

#[test]
fn catches_an_unescaped_variable_in_fn_sub() {
    let (code, report) = audit_json(&fixture_with("unescaped-variable"));
    assert_eq!(code, 1);
    assert_eq!(lint_ids(&report), ["ISO008"]);
    assert!(report["failures"].as_array().unwrap().is_empty());
}

#[test]
fn reports_intended_actions_that_isolation_denies() {
    let (code, report) = audit_json(&fixture_with("intended-denied"));
    assert_eq!(code, 1);
    assert!(lint_ids(&report).is_empty());
    assert!(has_failure(
        &report,
        "intendedDenied",
        "dynamodb",
        "dynamodb:PutItem",
        "own [k1]"
    ));
    assert!(has_failure(
        &report,
        "intendedDenied",
        "s3",
        "s3:PutObject",
        "own prefix"
    ));
    assert!(
        !report["failures"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["outcome"] == "violation")
    );
}

#[test]
fn the_table_names_failed_checks_and_the_result() {
    let dir = fixture_with("missing-null-guard");
    let out = tenantctl(
        &[
            "audit",
            "--policies",
            dir.to_str().unwrap(),
            "--no-template",
        ],
        &dir,
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout.contains("VIOLATION"), "{stdout}");
    assert!(stdout.contains("ISO001"), "{stdout}");
    assert!(stdout.contains("result: FAIL"), "{stdout}");
}

#[test]
fn unusable_input_exits_2() {
    let good = fixtures().join("good");
    let good = good.to_str().unwrap();
    let template = fixtures().join("good/template.yaml");
    let template = template.to_str().unwrap();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec![
                "audit",
                "--policies",
                "/nonexistent-policies",
                "--no-template",
            ],
            "cannot read",
        ),
        (
            vec![
                "audit",
                "--policies",
                good,
                "--template",
                "/nonexistent.yaml",
            ],
            "cannot read",
        ),
        (
            vec![
                "audit",
                "--policies",
                good,
                "--template",
                template,
                "--tenant",
                "k1",
            ],
            "at least two",
        ),
        (
            vec![
                "audit",
                "--policies",
                good,
                "--template",
                template,
                "--tenant",
                "k1",
                "--tenant",
                "bad-id",
            ],
            "invalid tenant",
        ),
        (
            vec![
                "audit",
                "--policies",
                good,
                "--template",
                template,
                "--param",
                "novalue",
            ],
            "--param",
        ),
    ];
    for (args, message) in cases {
        let out = tenantctl(&args, &fixtures());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    }
    let dir = fixture_with("unescaped-variable");
    std::fs::write(dir.join("session-read-only.json"), "{ not json").unwrap();
    let out = tenantctl(
        &[
            "audit",
            "--policies",
            dir.to_str().unwrap(),
            "--no-template",
        ],
        &dir,
    );
    assert_eq!(out.status.code(), Some(2));
    std::fs::write(
        dir.join("session-read-only.json"),
        r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"${Unknown}"}]}"#,
    )
    .unwrap();
    let out = tenantctl(
        &[
            "audit",
            "--policies",
            dir.to_str().unwrap(),
            "--no-template",
        ],
        &dir,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--param Unknown=VALUE"));
}

#[test]
fn catches_an_index_of_the_pooled_table_partitioned_by_another_attribute() {
    let (code, report) = audit_json(&fixture_with("index-other-partition"));
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(lint_ids(&report), ["ISO027"]);
    let finding = &report["lints"][0];
    assert!(
        finding["message"]
            .as_str()
            .unwrap()
            .contains("byOwnerEmail"),
        "{finding}"
    );
    assert!(
        finding["location"]
            .as_str()
            .unwrap()
            .contains("TenantDataTable")
    );
}

#[test]
fn catches_a_role_whose_trust_lets_tenant_sessions_chain_into_it() {
    let (code, report) = audit_json(&fixture_with("role-trusts-tenant-role"));
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(lint_ids(&report), ["ISO028"]);
    assert!(
        report["lints"][0]["location"]
            .as_str()
            .unwrap()
            .contains("ReportingRole"),
        "{report:#}"
    );
}
