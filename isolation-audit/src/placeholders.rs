//! Placeholders: the `${Name}` deploy-time values in the reviewed documents.
//!
//! `policies/` holds IAM JSON with CloudFormation-style placeholders
//! (`${AWS::AccountId}`, `${TenantBucket}`), which template.yaml's `Fn::Sub`
//! fills at deploy time. Every offline user of those files fills them the
//! same way, with [`fill`]: the audit with its example values
//! ([`Params`](crate::Params)), the AWS stand-in with its deployment's names.
//!
//! One semantics for every caller. In each `${…}`:
//! - `${aws:PrincipalTag/api-key-id}` (a key with one `:`, optionally with a
//!   default after a comma) is an IAM policy variable: it stays, for IAM to
//!   resolve per request.
//! - `${!Literal}` (CloudFormation's escape) and `${*}`, `${?}`, `${$}`
//!   (IAM's escapes for special characters) stay as written.
//! - Anything else is a placeholder (`${Name}`, `${AWS::Region}`,
//!   `${Resource.Attr}`): it is replaced by its value, and one without a
//!   value is an error naming it, so a new or misspelt placeholder can't
//!   slip through unfilled.
//! - A `${` without a closing `}` is an error: nothing would fill it, and IAM
//!   would match it literally.

use std::borrow::Borrow;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::hash::{BuildHasher, Hash};

use serde_json::Value;

use crate::error::AuditError;

/// Where [`fill`] looks up a placeholder's value.
///
/// Implemented for maps from names to values (`HashMap<&str, String>`,
/// `BTreeMap<String, String>`, …) and for [`Params`](crate::Params).
pub trait PlaceholderValues {
    /// The value of placeholder `name` (as written between `${` and `}`),
    /// or `None` when there is none.
    fn value(&self, name: &str) -> Option<&str>;
}

impl<K, V, S> PlaceholderValues for HashMap<K, V, S>
where
    K: Borrow<str> + Hash + Eq,
    V: AsRef<str>,
    S: BuildHasher,
{
    fn value(&self, name: &str) -> Option<&str> {
        self.get(name).map(AsRef::as_ref)
    }
}

impl<K, V> PlaceholderValues for BTreeMap<K, V>
where
    K: Borrow<str> + Ord,
    V: AsRef<str>,
{
    fn value(&self, name: &str) -> Option<&str> {
        self.get(name).map(AsRef::as_ref)
    }
}

/// One `${…}` in a text, by what it means; it holds the text between `${`
/// and `}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reference<'a> {
    /// A deploy-time value: `AWS::Region`, `TenantBucket`.
    Placeholder(&'a str),
    /// An IAM policy variable: `aws:PrincipalTag/api-key-id`.
    PolicyVariable(&'a str),
    /// Kept as written: `!Literal`, `*`, `?`, `$`.
    Escape(&'a str),
}

impl<'a> Reference<'a> {
    /// What the text between `${` and `}` is.
    pub fn classify(inner: &'a str) -> Self {
        let key = inner.split_once(',').map_or(inner, |(key, _default)| key);
        if inner.starts_with('!') || matches!(inner, "*" | "?" | "$") {
            Self::Escape(inner)
        } else if key.contains(':') && !key.contains("::") {
            Self::PolicyVariable(inner)
        } else {
            Self::Placeholder(inner)
        }
    }

    /// The text between `${` and `}`.
    pub fn inner(self) -> &'a str {
        match self {
            Self::Placeholder(s) | Self::PolicyVariable(s) | Self::Escape(s) => s,
        }
    }
}

/// As written: `${inner}`.
impl fmt::Display for Reference<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "${{{}}}", self.inner())
    }
}

/// Every complete `${…}` in `text`, in order; scanning stops at a `${`
/// without a closing `}` (which [`fill`] rejects).
pub fn references(text: &str) -> impl Iterator<Item = Reference<'_>> {
    let mut rest = text;
    std::iter::from_fn(move || {
        let start = rest.find("${")?;
        let after = &rest[start + 2..];
        let end = after.find('}')?;
        rest = &after[end + 1..];
        Some(Reference::classify(&after[..end]))
    })
}

/// Whether `text` holds a placeholder (policy variables and escapes don't
/// count).
pub fn has_placeholder(text: &str) -> bool {
    references(text).any(|r| matches!(r, Reference::Placeholder(_)))
}

/// Replaces every placeholder in `text` with its value from `values`;
/// policy variables and escapes stay as written.
///
/// ```
/// use std::collections::HashMap;
///
/// let values = HashMap::from([("AWS::Partition", "aws"), ("TenantBucket", "b")]);
/// let filled = isolation_audit::placeholders::fill(
///     "arn:${AWS::Partition}:s3:::${TenantBucket}/${aws:PrincipalTag/api-key-id}/*",
///     &values,
/// )?;
/// assert_eq!(filled, "arn:aws:s3:::b/${aws:PrincipalTag/api-key-id}/*");
/// # Ok::<(), isolation_audit::AuditError>(())
/// ```
///
/// # Errors
/// [`AuditError::UnknownPlaceholder`] naming the first placeholder without a
/// value, [`AuditError::UnterminatedPlaceholder`] for a `${` without `}`.
pub fn fill(text: &str, values: &dyn PlaceholderValues) -> Result<String, AuditError> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            return Err(AuditError::UnterminatedPlaceholder {
                path: None,
                text: rest[start..].chars().take(40).collect(),
            });
        };
        match Reference::classify(&after[..end]) {
            Reference::Placeholder(name) => {
                let value = values
                    .value(name)
                    .ok_or_else(|| AuditError::UnknownPlaceholder {
                        path: None,
                        name: name.to_owned(),
                    })?;
                out.push_str(value);
            }
            Reference::PolicyVariable(_) | Reference::Escape(_) => {
                out.push_str(&rest[start..=start + 2 + end]);
            }
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// [`fill`]s every string in a JSON document (values, not keys).
///
/// # Errors
/// As [`fill`].
pub fn fill_json(value: &mut Value, values: &dyn PlaceholderValues) -> Result<(), AuditError> {
    match value {
        Value::String(text) => *text = fill(text, values)?,
        Value::Array(items) => {
            for item in items {
                fill_json(item, values)?;
            }
        }
        Value::Object(map) => {
            for item in map.values_mut() {
                fill_json(item, values)?;
            }
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values() -> HashMap<&'static str, String> {
        HashMap::from([
            ("AWS::Partition", "aws".to_owned()),
            ("TenantBucket", "b".to_owned()),
            ("Role.Arn", "arn:aws:iam::1:role/r".to_owned()),
        ])
    }

    #[test]
    fn fills_placeholders_and_keeps_policy_variables_and_escapes() {
        let out = fill(
            "arn:${AWS::Partition}:s3:::${TenantBucket}/${aws:PrincipalTag/api-key-id}/${!x}${*}${?}${$}",
            &values(),
        )
        .unwrap();
        assert_eq!(
            out,
            "arn:aws:s3:::b/${aws:PrincipalTag/api-key-id}/${!x}${*}${?}${$}"
        );
    }

    #[test]
    fn a_policy_variable_with_a_default_stays() {
        let text = "${aws:username, 'anonymous'}/${s3:prefix}";
        assert_eq!(fill(text, &values()).unwrap(), text);
    }

    #[test]
    fn attribute_placeholders_are_filled_like_names() {
        assert_eq!(
            fill("${Role.Arn}", &values()).unwrap(),
            "arn:aws:iam::1:role/r"
        );
    }

    #[test]
    fn a_placeholder_without_a_value_is_an_error_naming_it() {
        for (text, name) in [
            ("x/${Nope}/y", "Nope"),
            ("${AWS::Nope}", "AWS::Nope"),
            // A typo in a name is not a policy variable: it is named, not kept.
            ("${TenantBucket }", "TenantBucket "),
            ("${}", ""),
        ] {
            let err = fill(text, &values()).unwrap_err();
            assert!(
                matches!(&err, AuditError::UnknownPlaceholder { path: None, name: n } if n == name),
                "{text}: {err:?}"
            );
            assert!(err.to_string().contains(&format!("${{{name}}}")), "{err}");
        }
    }

    #[test]
    fn an_unterminated_placeholder_is_an_error() {
        for text in [
            "${TenantBucket",
            "arn:${AWS::Partition}:s3:::${TenantBucket/x",
            "${",
        ] {
            let err = fill(text, &values()).unwrap_err();
            assert!(
                matches!(err, AuditError::UnterminatedPlaceholder { path: None, .. }),
                "{text}: {err:?}"
            );
        }
        let err = fill("a ${TenantBucket", &values()).unwrap_err();
        assert_eq!(err.to_string(), "unterminated ${ in \"${TenantBucket\"");
    }

    #[test]
    fn text_without_placeholders_is_unchanged_and_a_lone_dollar_is_not_one() {
        for text in ["", "plain", "$ {x}", "cost: $5", "}{"] {
            assert_eq!(fill(text, &values()).unwrap(), text);
        }
    }

    #[test]
    fn any_map_of_values_works() {
        let btree = BTreeMap::from([("TenantBucket".to_owned(), "b2".to_owned())]);
        assert_eq!(fill("${TenantBucket}", &btree).unwrap(), "b2");
        let borrowed: HashMap<String, &str> = HashMap::from([("TenantBucket".to_owned(), "b3")]);
        assert_eq!(fill("${TenantBucket}", &borrowed).unwrap(), "b3");
    }

    #[test]
    fn references_classify_each_kind() {
        let found: Vec<Reference<'_>> =
            references("${A}${AWS::Region}${aws:x}${!y}${*}${Bad").collect();
        assert_eq!(
            found,
            [
                Reference::Placeholder("A"),
                Reference::Placeholder("AWS::Region"),
                Reference::PolicyVariable("aws:x"),
                Reference::Escape("!y"),
                Reference::Escape("*"),
            ]
        );
        assert_eq!(found[2].to_string(), "${aws:x}");
        assert!(has_placeholder("x${A}"));
        assert!(!has_placeholder("${aws:x}${!A}"));
    }

    #[test]
    fn fill_json_fills_values_not_keys() {
        let mut doc =
            serde_json::json!({"${TenantBucket}": ["${TenantBucket}", 1, {"k": "${aws:x}"}]});
        fill_json(&mut doc, &values()).unwrap();
        assert_eq!(
            doc,
            serde_json::json!({"${TenantBucket}": ["b", 1, {"k": "${aws:x}"}]})
        );
    }
}
