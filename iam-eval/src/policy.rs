//! IAM policy documents, parsed from JSON into what evaluation needs.

use serde_json::Value;

use crate::condition::{Condition, Operator};
use crate::error::PolicyError;

/// The policy language version under which policy variables are substituted.
pub const VERSION_2012: &str = "2012-10-17";

/// A parsed IAM policy document (identity, session or trust policy).
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// Name used in evaluation results (a file name, say).
    pub name: String,
    /// `Version`; variables are substituted only under 2012-10-17.
    pub version: Option<String>,
    /// The statements in document order.
    pub statements: Vec<Statement>,
}

/// Allow or Deny.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Effect {
    /// Grants when everything matches.
    Allow,
    /// Overrides every allow when everything matches.
    Deny,
}

/// `Action` or `NotAction` (likewise for resources and principals).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Matcher<T> {
    /// The element lists what matches.
    Listed(Vec<T>),
    /// The `Not...` form lists what doesn't.
    NotListed(Vec<T>),
}

/// One principal entry of a trust policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrincipalEntry {
    /// `"*"` or `{"AWS": "*"}`: everyone.
    Any,
    /// `{"AWS": "..."}`: an ARN or account ID.
    Aws(String),
    /// `{"Service": "..."}`.
    Service(String),
    /// `{"Federated": "..."}`.
    Federated(String),
    /// `{"CanonicalUser": "..."}`.
    CanonicalUser(String),
}

/// One statement.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    /// `Sid`, or `#<index>` when it has none.
    pub sid: String,
    /// Allow or Deny.
    pub effect: Effect,
    /// `Action` / `NotAction`.
    pub actions: Matcher<String>,
    /// `Resource` / `NotResource`; `None` in trust policies.
    pub resources: Option<Matcher<String>>,
    /// `Principal` / `NotPrincipal`; `None` in identity policies.
    pub principals: Option<Matcher<PrincipalEntry>>,
    /// Every condition must hold (AND).
    pub conditions: Vec<Condition>,
}

impl Policy {
    /// Parses a policy document from JSON text.
    pub fn parse(name: &str, json: &str) -> Result<Self, PolicyError> {
        let value: Value = serde_json::from_str(json)
            .map_err(|e| PolicyError::Json(name.to_owned(), e.to_string()))?;
        Self::from_value(name, &value)
    }

    /// Parses a policy document from a JSON value.
    pub fn from_value(name: &str, value: &Value) -> Result<Self, PolicyError> {
        let bad = |what: String| PolicyError::Invalid(name.to_owned(), what);
        let object = value
            .as_object()
            .ok_or_else(|| bad("document is not a JSON object".into()))?;
        let version = match object.get("Version") {
            None => None,
            Some(Value::String(v)) => Some(v.clone()),
            Some(_) => return Err(bad("Version is not a string".into())),
        };
        let statements = match object.get("Statement") {
            Some(Value::Array(items)) => items.iter().collect(),
            Some(single @ Value::Object(_)) => vec![single],
            _ => return Err(bad("Statement is missing or not an object or array".into())),
        };
        let statements = statements
            .into_iter()
            .enumerate()
            .map(|(i, s)| parse_statement(i, s).map_err(&bad))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            name: name.to_owned(),
            version,
            statements,
        })
    }

    /// Whether policy variables are substituted in this document.
    pub fn substitutes_variables(&self) -> bool {
        self.version.as_deref() == Some(VERSION_2012)
    }
}

fn parse_statement(index: usize, value: &Value) -> Result<Statement, String> {
    let object = value
        .as_object()
        .ok_or_else(|| format!("statement {index} is not an object"))?;
    let sid = match object.get("Sid") {
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        _ => format!("#{index}"),
    };
    let here = |what: &str| format!("statement {sid}: {what}");
    for key in object.keys() {
        if !matches!(
            key.as_str(),
            "Sid"
                | "Effect"
                | "Action"
                | "NotAction"
                | "Resource"
                | "NotResource"
                | "Principal"
                | "NotPrincipal"
                | "Condition"
        ) {
            return Err(here(&format!("unknown element {key}")));
        }
    }
    let effect = match object.get("Effect").and_then(Value::as_str) {
        Some("Allow") => Effect::Allow,
        Some("Deny") => Effect::Deny,
        _ => return Err(here("Effect must be \"Allow\" or \"Deny\"")),
    };
    let actions = pair(object, "Action", "NotAction", strings)
        .map_err(|e| here(&e))?
        .ok_or_else(|| here("needs Action or NotAction"))?;
    let resources = pair(object, "Resource", "NotResource", strings).map_err(|e| here(&e))?;
    let principals =
        pair(object, "Principal", "NotPrincipal", principal_entries).map_err(|e| here(&e))?;
    let conditions = match object.get("Condition") {
        None => Vec::new(),
        Some(Value::Object(blocks)) => {
            let mut conditions = Vec::new();
            for (operator, keys) in blocks {
                let operator = Operator::parse(operator)
                    .ok_or_else(|| here(&format!("unknown condition operator {operator}")))?;
                let keys = keys
                    .as_object()
                    .ok_or_else(|| here("condition block is not an object"))?;
                for (key, values) in keys {
                    let values = condition_values(values)
                        .ok_or_else(|| here(&format!("bad values for condition key {key}")))?;
                    conditions.push(Condition {
                        operator,
                        key: key.clone(),
                        values,
                    });
                }
            }
            conditions
        }
        Some(_) => return Err(here("Condition is not an object")),
    };
    Ok(Statement {
        sid,
        effect,
        actions,
        resources,
        principals,
        conditions,
    })
}

type Parser<T> = fn(&Value) -> Result<Vec<T>, String>;

fn pair<T>(
    object: &serde_json::Map<String, Value>,
    listed: &str,
    not_listed: &str,
    parse: Parser<T>,
) -> Result<Option<Matcher<T>>, String> {
    match (object.get(listed), object.get(not_listed)) {
        (Some(_), Some(_)) => Err(format!("has both {listed} and {not_listed}")),
        (Some(v), None) => Ok(Some(Matcher::Listed(
            parse(v).map_err(|e| format!("{listed}: {e}"))?,
        ))),
        (None, Some(v)) => Ok(Some(Matcher::NotListed(
            parse(v).map_err(|e| format!("{not_listed}: {e}"))?,
        ))),
        (None, None) => Ok(None),
    }
}

fn strings(value: &Value) -> Result<Vec<String>, String> {
    match value {
        Value::String(s) => Ok(vec![s.clone()]),
        Value::Array(items) => items
            .iter()
            .map(|i| {
                i.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| "expected strings".to_owned())
            })
            .collect(),
        _ => Err("expected a string or an array of strings".into()),
    }
}

fn principal_entries(value: &Value) -> Result<Vec<PrincipalEntry>, String> {
    match value {
        Value::String(s) if s == "*" => Ok(vec![PrincipalEntry::Any]),
        Value::Object(kinds) => {
            let mut entries = Vec::new();
            for (kind, ids) in kinds {
                for id in strings(ids)? {
                    entries.push(match kind.as_str() {
                        "AWS" if id == "*" => PrincipalEntry::Any,
                        "AWS" => PrincipalEntry::Aws(id),
                        "Service" => PrincipalEntry::Service(id),
                        "Federated" => PrincipalEntry::Federated(id),
                        "CanonicalUser" => PrincipalEntry::CanonicalUser(id),
                        other => return Err(format!("unknown principal type {other}")),
                    });
                }
            }
            Ok(entries)
        }
        _ => Err("expected \"*\" or an object".into()),
    }
}

/// Condition values may be written as strings, booleans or numbers.
fn condition_values(value: &Value) -> Option<Vec<String>> {
    let one = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    match value {
        Value::Array(items) => items.iter().map(one).collect(),
        other => one(other).map(|v| vec![v]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_single_statement_and_scalar_elements() {
        let p = Policy::parse(
            "p",
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*",
                "Condition":{"Bool":{"aws:SecureTransport":true},"NumericLessThan":{"s3:max-keys":10}}}}"#,
        )
        .unwrap();
        assert!(p.substitutes_variables());
        let s = &p.statements[0];
        assert_eq!(s.sid, "#0");
        assert_eq!(s.actions, Matcher::Listed(vec!["s3:GetObject".into()]));
        assert_eq!(s.conditions.len(), 2);
        assert!(s.conditions.iter().any(|c| c.values == ["true"]));
        assert!(s.conditions.iter().any(|c| c.values == ["10"]));
    }

    #[test]
    fn rejects_unknown_operators_and_elements() {
        assert!(Policy::parse("p", r#"{"Statement":[{"Effect":"Allow","Action":"*","Condition":{"StringEqualz":{"a":"b"}}}]}"#).is_err());
        assert!(
            Policy::parse(
                "p",
                r#"{"Statement":[{"Effect":"Allow","Action":"*","Resources":"*"}]}"#
            )
            .is_err()
        );
        assert!(
            Policy::parse(
                "p",
                r#"{"Statement":[{"Effect":"Allow","Action":"*","NotAction":"*"}]}"#
            )
            .is_err()
        );
    }

    #[test]
    fn parses_principals() {
        let p = Policy::parse(
            "t",
            r#"{"Statement":[{"Effect":"Allow","Action":"sts:AssumeRole",
                "Principal":{"AWS":["arn:aws:iam::1:role/r","*"],"Service":"lambda.amazonaws.com"}}]}"#,
        )
        .unwrap();
        let Some(Matcher::Listed(entries)) = &p.statements[0].principals else {
            panic!()
        };
        assert!(entries.contains(&PrincipalEntry::Any));
        assert!(entries.contains(&PrincipalEntry::Service("lambda.amazonaws.com".into())));
    }
}
