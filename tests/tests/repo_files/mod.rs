//! The repository's documents as the tests read them: `policies/`, the
//! template and any other file, by path. Plain reading only: the checks on
//! the IAM documents are the isolation-audit library's lints.
#![allow(dead_code)] // each test binary uses a different subset

use std::path::PathBuf;

use serde_json::Value;

pub const TENANT_ROLE_PERMISSIONS: &str = isolation_audit::inputs::TENANT_PERMISSIONS;
pub const TENANT_ROLE_TRUST: &str = isolation_audit::inputs::TENANT_TRUST;
pub const VENDOR_FN_PERMISSIONS: &str = isolation_audit::inputs::VENDOR_PERMISSIONS;
pub const SESSION_READ_ONLY: &str = isolation_audit::inputs::SESSION_READ_ONLY;
/// The key authorizer's permissions (not a tenant-isolation document: the
/// audit does not read it; the drift test and the placeholder checks do).
pub const KEY_AUTHORIZER_PERMISSIONS: &str = "key-authorizer-permissions.json";

/// Every policy document in `policies/`.
pub const POLICY_FILES: [&str; 5] = [
    TENANT_ROLE_PERMISSIONS,
    TENANT_ROLE_TRUST,
    VENDOR_FN_PERMISSIONS,
    SESSION_READ_ONLY,
    KEY_AUTHORIZER_PERMISSIONS,
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

/// `policies/<name>` as written (placeholders unfilled).
pub fn policy(name: &str) -> Value {
    let text = read_text(&format!("policies/{name}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("policies/{name} is not valid JSON: {e}"))
}

/// `template.yaml`, read by a plain YAML parser (no CloudFormation tags).
pub fn template() -> Value {
    let text = read_text("template.yaml");
    serde_yaml_ng::from_str(&text)
        .unwrap_or_else(|e| panic!("template.yaml is not YAML a plain parser can read: {e}"))
}

/// A string or list of strings as a list; anything else is empty.
pub fn strings(v: &Value) -> Vec<&str> {
    match v {
        Value::String(s) => vec![s.as_str()],
        Value::Array(list) => list.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
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
