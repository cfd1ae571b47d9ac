//! The reference evaluator: `tools/iam-reference/decide.js` over
//! `@cloud-copilot/iam-simulate`, one JSON case per line in, one decision
//! per line out.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

/// iam-simulate's decision for each case, in order: `allowed`,
/// `implicitDeny`, `explicitDeny` or `error: …`.
pub fn decisions(cases: &[Value]) -> Vec<String> {
    let tool = repo_root().join("tools/iam-reference");
    let install = "./scripts/setup.sh   (or: npm ci --prefix tools/iam-reference)";
    assert!(
        tool.join("node_modules/@cloud-copilot/iam-simulate/package.json")
            .exists(),
        "the reference evaluator is not installed; run {install}"
    );
    let mut child = Command::new("node")
        .arg(tool.join("decide.js"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run node ({e}); install Node.js 20+ (apt-get install -y nodejs npm) and run {install}"));
    let mut stdin = child.stdin.take().expect("stdin");
    let input: String = cases.iter().map(|c| c.to_string() + "\n").collect();
    let writer =
        std::thread::spawn(move || stdin.write_all(input.as_bytes()).expect("write cases"));
    let output = child.wait_with_output().expect("node finishes");
    writer.join().expect("writer");
    assert!(
        output.status.success(),
        "reference evaluator failed: {}",
        output.status
    );
    let decisions: Vec<String> = String::from_utf8(output.stdout)
        .expect("utf-8")
        .lines()
        .map(|line| {
            let v: Value = serde_json::from_str(line).expect("reference output is JSON");
            v["decision"].as_str().expect("decision").to_owned()
        })
        .collect();
    assert_eq!(
        decisions.len(),
        cases.len(),
        "one reference decision per case"
    );
    decisions
}
