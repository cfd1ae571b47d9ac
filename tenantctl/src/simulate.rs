//! `tenantctl simulate`: ad-hoc decisions for requests read as JSON lines.
//!
//! Input, one per line: `{"action": "...", "resource": "...", "principal":
//! "...", "context": {"key": "value" | ["v1", "v2"]}}`. A request with a
//! `principal` is decided against `--trust-policy` when one is given;
//! otherwise against the identity policies ∩ the session policy.

use std::io::{BufRead, Write};
use std::path::PathBuf;

use iam_eval::{Policy, Request, RequestContext, evaluate, evaluate_trust};
use isolation_audit::Params;
use isolation_audit::inputs::load_policy;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::error::CliError;

/// Which policies decide.
#[derive(Debug, Clone)]
pub(crate) struct SimulateOptions {
    pub(crate) policies: Vec<PathBuf>,
    pub(crate) session_policy: Option<PathBuf>,
    pub(crate) trust_policy: Option<PathBuf>,
    pub(crate) params: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Line {
    action: String,
    #[serde(default)]
    resource: String,
    #[serde(default)]
    principal: Option<String>,
    #[serde(default)]
    context: serde_json::Map<String, Value>,
}

/// Decides every request on `input`, writing one JSON line each to `output`.
pub(crate) fn run(
    options: &SimulateOptions,
    input: impl BufRead,
    mut output: impl Write,
) -> Result<(), CliError> {
    let params = Params::new(&options.params)?;
    let load = |p: &PathBuf| load_policy(p, &params).map(|(policy, _)| policy);
    let identity: Vec<Policy> = options
        .policies
        .iter()
        .map(load)
        .collect::<Result<_, _>>()?;
    let session = options.session_policy.as_ref().map(load).transpose()?;
    let trust = options.trust_policy.as_ref().map(load).transpose()?;
    for (index, line) in input.lines().enumerate() {
        let number = index + 1;
        let bad = |reason: String| CliError::SimulateInput {
            line: number,
            reason,
        };
        let line = line.map_err(|e| bad(e.to_string()))?;
        if line.trim().is_empty() {
            continue;
        }
        let parsed: Line = serde_json::from_str(&line).map_err(|e| bad(e.to_string()))?;
        let mut context = RequestContext::new();
        for (key, value) in &parsed.context {
            match value {
                Value::String(s) => context.set(key, s.clone()),
                Value::Bool(b) => context.set(key, b.to_string()),
                Value::Number(n) => context.set(key, n.to_string()),
                Value::Array(items) => {
                    let values = items
                        .iter()
                        .map(|i| match i {
                            Value::String(s) => Ok(s.clone()),
                            Value::Bool(_) | Value::Number(_) => Ok(i.to_string()),
                            _ => Err(bad(format!("context key {key}: values must be strings"))),
                        })
                        .collect::<Result<Vec<_>, _>>()?;
                    context.set_multi(key, values)
                }
                _ => {
                    return Err(bad(format!(
                        "context key {key}: expected a string or an array"
                    )));
                }
            };
        }
        let mut request = Request::new(parsed.action, parsed.resource).with_context(context);
        request.principal = parsed.principal;
        let evaluation = match (&trust, &request.principal) {
            (Some(trust), Some(_)) => evaluate_trust(&request, trust),
            _ => evaluate(&request, &identity, session.as_ref()),
        };
        let out =
            json!({"decision": evaluation.decision.as_str(), "deciding": evaluation.deciding});
        writeln!(output, "{out}").map_err(|e| bad(e.to_string()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decides_each_line_with_aws_decision_names() {
        let dir = std::env::temp_dir().join(format!("tenantctl-simulate-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let policy = dir.join("p.json");
        std::fs::write(
            &policy,
            r#"{"Version":"2012-10-17","Statement":[{"Sid":"Own","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:${AWS::Partition}:s3:::b/${aws:PrincipalTag/api-key-id}/*"},
                {"Sid":"NoDelete","Effect":"Deny","Action":"s3:DeleteObject","Resource":"*"}]}"#,
        )
        .unwrap();
        let options = SimulateOptions {
            policies: vec![policy],
            session_policy: None,
            trust_policy: None,
            params: vec![],
        };
        let input = concat!(
            r#"{"action":"s3:GetObject","resource":"arn:aws:s3:::b/k1/x","context":{"aws:PrincipalTag/api-key-id":"k1"}}"#,
            "\n",
            r#"{"action":"s3:GetObject","resource":"arn:aws:s3:::b/k2/x","context":{"aws:PrincipalTag/api-key-id":"k1"}}"#,
            "\n",
            r#"{"action":"s3:DeleteObject","resource":"arn:aws:s3:::b/k1/x"}"#,
            "\n"
        );
        let mut out = Vec::new();
        run(&options, input.as_bytes(), &mut out).unwrap();
        let lines: Vec<Value> = String::from_utf8(out)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines[0]["decision"], "allowed");
        assert_eq!(lines[0]["deciding"][0]["sid"], "Own");
        assert_eq!(lines[1]["decision"], "implicitDeny");
        assert_eq!(lines[2]["decision"], "explicitDeny");
        let bad = run(&options, "{\"nope\":1}\n".as_bytes(), Vec::new());
        assert!(matches!(bad, Err(CliError::SimulateInput { line: 1, .. })));
    }
}
