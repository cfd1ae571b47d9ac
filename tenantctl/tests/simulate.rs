//! `tenantctl simulate` end to end: JSON lines in, one decision line out each.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use serde_json::Value;

fn run(args: &[&str], input: &str) -> (i32, Vec<Value>, String) {
    // The audit's fixtures, kept with the isolation-audit library.
    let fixtures =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../isolation-audit/tests/fixtures/good");
    let mut child = Command::new(env!("CARGO_BIN_EXE_tenantctl"))
        .args(args)
        .current_dir(fixtures)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("tenantctl runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let lines = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (
        out.status.code().unwrap(),
        lines,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn decides_identity_session_and_trust_requests() {
    let input = [
        r#"{"action":"dynamodb:PutItem","resource":"arn:aws:dynamodb:us-east-1:123456789012:table/TenantData","context":{"aws:PrincipalTag/api-key-id":"k1","dynamodb:LeadingKeys":["k1"]}}"#,
        r#"{"action":"dynamodb:GetItem","resource":"arn:aws:dynamodb:us-east-1:123456789012:table/TenantData","context":{"aws:PrincipalTag/api-key-id":"k1","dynamodb:LeadingKeys":["k1x"]}}"#,
        r#"{"action":"dynamodb:PartiQLSelect","resource":"arn:aws:dynamodb:us-east-1:123456789012:table/TenantData","context":{"aws:PrincipalTag/api-key-id":"k1","dynamodb:LeadingKeys":["k1"],"dynamodb:FullTableScan":true}}"#,
        r#"{"action":"sts:TagSession","resource":"arn:aws:iam::123456789012:role/TenantRole","principal":"arn:aws:sts::123456789012:assumed-role/VendorFunctionRole/v","context":{"aws:RequestTag/api-key-id":"k1","aws:TagKeys":["api-key-id","team"]}}"#,
        // The allowed twins of lines 1 and 4: a read where the read-only
        // session refused a write, the tenant tag alone where a second key was refused.
        r#"{"action":"dynamodb:GetItem","resource":"arn:aws:dynamodb:us-east-1:123456789012:table/TenantData","context":{"aws:PrincipalTag/api-key-id":"k1","dynamodb:LeadingKeys":["k1"]}}"#,
        r#"{"action":"sts:TagSession","resource":"arn:aws:iam::123456789012:role/TenantRole","principal":"arn:aws:sts::123456789012:assumed-role/VendorFunctionRole/v","context":{"aws:RequestTag/api-key-id":"k1","aws:TagKeys":["api-key-id"]}}"#,
    ]
    .join("\n");
    let (code, lines, stderr) = run(
        &[
            "simulate",
            "--policy",
            "tenant-role-permissions.json",
            "--session-policy",
            "session-read-only.json",
            "--trust-policy",
            "tenant-role-trust.json",
        ],
        &input,
    );
    assert_eq!(code, 0, "{stderr}");
    let decisions: Vec<&str> = lines
        .iter()
        .map(|l| l["decision"].as_str().unwrap())
        .collect();
    assert_eq!(
        decisions,
        [
            "implicitDeny",
            "implicitDeny",
            "explicitDeny",
            "implicitDeny",
            "allowed",
            "allowed"
        ]
    );
    let deciding = |line: &Value| -> Vec<(String, String)> {
        line["deciding"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                (
                    d["sid"].as_str().unwrap().to_owned(),
                    d["effect"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    assert_eq!(
        deciding(&lines[2]),
        [("NoPartiQLFullTableScan".to_owned(), "Deny".to_owned())]
    );
    // An allow names the statement of each layer that allowed it: the
    // role's permissions and the read-only session policy.
    let read = deciding(&lines[4]);
    assert!(
        read.contains(&("OwnPartitionOfPooledTableAndOwnSilo".into(), "Allow".into()))
            && read.contains(&("ReadOnly".into(), "Allow".into())),
        "{read:?}"
    );
    assert_eq!(
        deciding(&lines[5]),
        [("VendorTagsOnlyTheTenantTag".to_owned(), "Allow".to_owned())]
    );
}

#[test]
fn a_malformed_line_exits_2_naming_the_line() {
    let (code, _, stderr) = run(
        &["simulate", "--policy", "tenant-role-permissions.json"],
        "{\"action\":\"s3:GetObject\"}\nnot json\n",
    );
    assert_eq!(code, 2);
    assert!(stderr.contains("line 2"), "{stderr}");
}
