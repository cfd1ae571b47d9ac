//! What template.yaml and policies/ assume about vendor-fn, checked against
//! vendor-fn's source text (no build dependency on it, so this crate stays
//! light): the session policy it embeds is the reviewed file, and it reads
//! the environment variables the template sets.

mod repo_files;

use repo_files::{read_text, repo_root, template};

/// Every `.rs` file under `vendor-fn/src`, as (path, text).
fn vendor_fn_sources() -> Vec<(String, String)> {
    fn walk(dir: &std::path::Path, out: &mut Vec<(String, String)>) {
        let entries =
            std::fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()));
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                out.push((path.display().to_string(), text));
            }
        }
    }
    let mut out = Vec::new();
    walk(&repo_root().join("vendor-fn/src"), &mut out);
    out
}

#[test]
fn vendor_fn_embeds_the_reviewed_read_only_session_policy() {
    let embeds = vendor_fn_sources()
        .iter()
        .any(|(_, text)| text.contains("include_str!(\"../../policies/session-read-only.json\")"));
    assert!(
        embeds,
        "no file in vendor-fn/src embeds policies/session-read-only.json with include_str!; the read-only scope must use the reviewed document, not a copy"
    );
    // The reviewed file exists where that path points.
    read_text("policies/session-read-only.json");
}

#[test]
fn vendor_fn_reads_every_configuration_variable_the_template_sets() {
    let tpl = template();
    let vars = tpl["Resources"]["VendorFunction"]["Properties"]["Environment"]["Variables"]
        .as_object()
        .expect("VendorFunction sets Environment.Variables");
    let sources = vendor_fn_sources();
    for name in vars.keys().filter(|n| *n != "RUST_LOG") {
        let read = sources
            .iter()
            .any(|(_, text)| text.contains(&format!("\"{name}\"")));
        assert!(
            read,
            "template.yaml sets {name} for the function but nothing in vendor-fn/src reads it; rename one side (DESIGN.md lists the contract)"
        );
    }
}
