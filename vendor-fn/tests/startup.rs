//! The deployed binary refuses to start without its configuration, naming
//! the variable, before it contacts anything.

use std::process::Command;

fn start(vars: &[(&str, &str)]) -> (bool, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_vendor-fn"));
    command.env_clear();
    // Keep the SDK off the network entirely: no instance metadata lookups.
    command.env("AWS_EC2_METADATA_DISABLED", "true");
    for (k, v) in vars {
        command.env(k, v);
    }
    let out = command.output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_missing_tenant_table_stops_start_up_naming_the_variable() {
    let (ok, stderr) = start(&[("TENANT_ROLE_ARN", "arn:aws:iam::123456789012:role/R")]);
    assert!(!ok);
    assert!(stderr.contains("TENANT_TABLE"), "{stderr}");
}

#[test]
fn an_invalid_role_arn_stops_start_up_naming_the_variable() {
    let (ok, stderr) = start(&[
        ("TENANT_TABLE", "Tenants"),
        ("TENANT_ROLE_ARN", "TenantRole"),
    ]);
    assert!(!ok);
    assert!(stderr.contains("TENANT_ROLE_ARN"), "{stderr}");
}

#[test]
fn a_missing_region_stops_start_up_naming_aws_region() {
    let (ok, stderr) = start(&[
        ("TENANT_TABLE", "Tenants"),
        ("TENANT_ROLE_ARN", "arn:aws:iam::123456789012:role/R"),
        ("AWS_CONFIG_FILE", "/nonexistent"),
        ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent"),
    ]);
    assert!(!ok);
    assert!(stderr.contains("AWS_REGION"), "{stderr}");
}
