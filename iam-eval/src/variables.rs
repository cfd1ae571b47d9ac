//! Policy variables: `${aws:PrincipalTag/x}`, `${key, 'default'}` and the
//! escapes `${*}`, `${?}`, `${$}`.
//!
//! A variable whose key is absent or multivalued, and that has no default,
//! cannot be resolved: the caller treats the whole element as not matching
//! (AWS: "the statement doesn't match any resource or condition with it").

use std::borrow::Cow;

use crate::context::RequestContext;
use crate::pattern::Piece;

/// How a policy string is read.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Reading {
    /// Policy variables are substituted (policy `Version` 2012-10-17).
    pub(crate) variables: bool,
    /// `*` and `?` are wildcards (resources, `...Like`, ARN operators).
    pub(crate) wildcards: bool,
}

/// Splits a policy string into pattern pieces, substituting variables from
/// `context`. `None` when a variable can't be resolved.
pub(crate) fn resolve(
    text: &str,
    context: &RequestContext,
    reading: Reading,
) -> Option<Vec<Piece>> {
    let mut pieces = Vec::new();
    let mut literal = String::new();
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if reading.variables
            && rest.starts_with("${")
            && let Some(end) = rest.find('}')
        {
            literal.push_str(&substitute(&rest[2..end], context)?);
            rest = &rest[end + 1..];
            continue;
        }
        if reading.wildcards && (c == '*' || c == '?') {
            if !literal.is_empty() {
                pieces.push(Piece::Literal(std::mem::take(&mut literal)));
            }
            pieces.push(if c == '*' {
                Piece::AnyRun
            } else {
                Piece::AnyOne
            });
        } else {
            literal.push(c);
        }
        rest = &rest[c.len_utf8()..];
    }
    if !literal.is_empty() {
        pieces.push(Piece::Literal(literal));
    }
    Some(pieces)
}

/// Resolves a policy string to a plain value (no wildcards).
pub(crate) fn resolve_plain<'a>(
    text: &'a str,
    context: &RequestContext,
    variables: bool,
) -> Option<Cow<'a, str>> {
    if !(variables && text.contains("${")) {
        return Some(Cow::Borrowed(text));
    }
    let pieces = resolve(
        text,
        context,
        Reading {
            variables,
            wildcards: false,
        },
    )?;
    Some(Cow::Owned(
        pieces
            .into_iter()
            .map(|p| match p {
                Piece::Literal(s) => s,
                Piece::AnyRun => "*".to_owned(),
                Piece::AnyOne => "?".to_owned(),
            })
            .collect(),
    ))
}

fn substitute(inner: &str, context: &RequestContext) -> Option<String> {
    match inner {
        "*" | "?" | "$" => return Some(inner.to_owned()),
        _ => {}
    }
    let (name, default) = match inner.split_once(',') {
        Some((name, default)) => {
            let default = default.trim();
            let quoted = default.len() >= 2 && default.starts_with('\'') && default.ends_with('\'');
            if !quoted {
                return None;
            }
            (name.trim(), Some(&default[1..default.len() - 1]))
        }
        None => (inner.trim(), None),
    };
    if name.is_empty() {
        return None;
    }
    context.variable(name).or(default).map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLAIN: Reading = Reading {
        variables: true,
        wildcards: false,
    };

    fn ctx() -> RequestContext {
        RequestContext::new()
            .with("aws:PrincipalTag/api-key-id", "k1")
            .with_multi("aws:TagKeys", ["a", "b"])
    }

    #[test]
    fn substitutes_a_tag_case_insensitively() {
        assert_eq!(
            resolve_plain("t/${AWS:principaltag/API-KEY-ID}/x", &ctx(), true).as_deref(),
            Some("t/k1/x")
        );
    }

    #[test]
    fn an_absent_key_without_default_is_unresolvable() {
        assert_eq!(resolve("${aws:username}", &ctx(), PLAIN), None);
    }

    #[test]
    fn a_multivalued_key_is_unresolvable() {
        assert_eq!(resolve("${aws:TagKeys}", &ctx(), PLAIN), None);
        assert_eq!(
            resolve_plain("${aws:TagKeys, 'd'}", &ctx(), true).as_deref(),
            Some("d")
        );
    }

    #[test]
    fn defaults_apply_only_when_the_key_is_missing() {
        assert_eq!(
            resolve_plain("${aws:username, 'anon'}", &ctx(), true).as_deref(),
            Some("anon")
        );
        assert_eq!(
            resolve_plain("${aws:PrincipalTag/api-key-id, 'x'}", &ctx(), true).as_deref(),
            Some("k1")
        );
    }

    #[test]
    fn escapes_produce_literal_characters() {
        let pieces = resolve(
            "a${*}b*${?}${$}",
            &ctx(),
            Reading {
                variables: true,
                wildcards: true,
            },
        )
        .unwrap();
        assert_eq!(
            pieces,
            vec![
                Piece::Literal("a*b".into()),
                Piece::AnyRun,
                Piece::Literal("?$".into())
            ]
        );
    }

    #[test]
    fn without_version_2012_variables_are_literal_text() {
        assert_eq!(
            resolve_plain("${aws:username}", &ctx(), false).as_deref(),
            Some("${aws:username}")
        );
    }

    #[test]
    fn substituted_values_are_literal_even_with_wildcard_characters() {
        let c = RequestContext::new().with("k", "a*");
        let pieces = resolve(
            "${k}",
            &c,
            Reading {
                variables: true,
                wildcards: true,
            },
        )
        .unwrap();
        assert_eq!(pieces, vec![Piece::Literal("a*".into())]);
    }
}
