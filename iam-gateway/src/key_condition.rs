//! The partition key value of a Query's `KeyConditionExpression`.
//!
//! Only the shapes DynamoDB accepts are read: `H = :v`, optionally `AND`
//! one sort key condition (`=`, `<`, `<=`, `>`, `>=`, `BETWEEN … AND …`,
//! `begins_with(…, …)`), either order, each optionally parenthesized. Any
//! other shape is not read with certainty, so the caller refuses it.

use serde_json::{Map, Value};

/// Why an expression could not be read with certainty.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Unreadable(pub String);

fn unreadable(why: impl Into<String>) -> Unreadable {
    Unreadable(why.into())
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Open,
    Close,
    Comma,
    Op(String),
    Word(String),
}

fn tokenize(text: &str) -> Result<Vec<Token>, Unreadable> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            c if c.is_whitespace() => i += 1,
            '(' => {
                tokens.push(Token::Open);
                i += 1;
            }
            ')' => {
                tokens.push(Token::Close);
                i += 1;
            }
            ',' => {
                tokens.push(Token::Comma);
                i += 1;
            }
            '=' => {
                tokens.push(Token::Op("=".into()));
                i += 1;
            }
            '<' | '>' => {
                let mut op = c.to_string();
                if chars.get(i + 1) == Some(&'=') || (c == '<' && chars.get(i + 1) == Some(&'>')) {
                    op.push(chars[i + 1]);
                    i += 1;
                }
                tokens.push(Token::Op(op));
                i += 1;
            }
            c if c.is_alphanumeric() || "_#:.-".contains(c) => {
                let start = i;
                while i < chars.len() && (chars[i].is_alphanumeric() || "_#:.-".contains(chars[i]))
                {
                    i += 1;
                }
                tokens.push(Token::Word(chars[start..i].iter().collect()));
            }
            other => return Err(unreadable(format!("unexpected character {other:?}"))),
        }
    }
    Ok(tokens)
}

/// Resolves an attribute name token (`#n` through the names map, or a plain name).
fn name(token: &Token, names: Option<&Map<String, Value>>) -> Result<String, Unreadable> {
    let Token::Word(word) = token else {
        return Err(unreadable("expected an attribute name"));
    };
    if word.starts_with('#') {
        return names
            .and_then(|n| n.get(word))
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| unreadable(format!("{word} is not in ExpressionAttributeNames")));
    }
    let plain = word
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && word.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if plain && !is_keyword(word) {
        Ok(word.clone())
    } else {
        Err(unreadable(format!("{word} is not an attribute name")))
    }
}

fn is_keyword(word: &str) -> bool {
    [
        "and",
        "or",
        "not",
        "between",
        "in",
        "begins_with",
        "size",
        "attribute_exists",
        "attribute_not_exists",
        "contains",
    ]
    .iter()
    .any(|k| k.eq_ignore_ascii_case(word))
}

fn value_token(token: &Token) -> Result<&str, Unreadable> {
    match token {
        Token::Word(w) if w.starts_with(':') && w.len() > 1 => Ok(w),
        _ => Err(unreadable("expected a :value placeholder")),
    }
}

fn is_and(token: &Token) -> bool {
    matches!(token, Token::Word(w) if w.eq_ignore_ascii_case("and"))
}

/// One clause: `(attribute, is an equality, value placeholders)`.
type Clause = (String, bool, Vec<String>);

fn strip_parens(mut tokens: &[Token]) -> &[Token] {
    while tokens.len() >= 2 && tokens[0] == Token::Open && tokens[tokens.len() - 1] == Token::Close
    {
        tokens = &tokens[1..tokens.len() - 1];
    }
    tokens
}

fn clause(tokens: &[Token], names: Option<&Map<String, Value>>) -> Result<Clause, Unreadable> {
    let tokens = strip_parens(tokens);
    match tokens {
        [
            Token::Word(f),
            Token::Open,
            a,
            Token::Comma,
            v,
            Token::Close,
        ] if f.eq_ignore_ascii_case("begins_with") => {
            Ok((name(a, names)?, false, vec![value_token(v)?.to_owned()]))
        }
        [a, Token::Word(between), v1, and, v2]
            if between.eq_ignore_ascii_case("between") && is_and(and) =>
        {
            Ok((
                name(a, names)?,
                false,
                vec![value_token(v1)?.to_owned(), value_token(v2)?.to_owned()],
            ))
        }
        [a, Token::Op(op), v] if ["=", "<", "<=", ">", ">="].contains(&op.as_str()) => {
            Ok((name(a, names)?, op == "=", vec![value_token(v)?.to_owned()]))
        }
        _ => Err(unreadable("not a key condition DynamoDB accepts")),
    }
}

/// Splits at the top-level `AND` that is not part of `BETWEEN … AND …`.
fn split_clauses(tokens: &[Token]) -> Result<Vec<&[Token]>, Unreadable> {
    let mut depth = 0i32;
    let mut pending_between = false;
    let mut cuts = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        match token {
            Token::Open => depth += 1,
            Token::Close => depth -= 1,
            Token::Word(w) if w.eq_ignore_ascii_case("between") => pending_between = true,
            t if is_and(t) => {
                if pending_between {
                    pending_between = false;
                } else if depth == 0 {
                    cuts.push(i);
                }
            }
            Token::Word(w) if w.eq_ignore_ascii_case("or") || w.eq_ignore_ascii_case("not") => {
                return Err(unreadable("OR/NOT in a key condition"));
            }
            _ => {}
        }
        if depth < 0 {
            return Err(unreadable("unbalanced parentheses"));
        }
    }
    if depth != 0 {
        return Err(unreadable("unbalanced parentheses"));
    }
    let mut parts = Vec::new();
    let mut start = 0;
    for cut in cuts {
        parts.push(&tokens[start..cut]);
        start = cut + 1;
    }
    parts.push(&tokens[start..]);
    Ok(parts)
}

/// The placeholder (`:v`) the expression compares the partition key
/// `hash_key` to with `=`.
///
/// # Errors
/// [`Unreadable`] unless the expression is exactly one equality on the
/// partition key and at most one condition on another attribute.
pub fn partition_value_placeholder(
    expression: &str,
    names: Option<&Map<String, Value>>,
    hash_key: &str,
) -> Result<String, Unreadable> {
    let tokens = tokenize(expression)?;
    let parts = split_clauses(&tokens)?;
    if parts.is_empty() || parts.len() > 2 {
        return Err(unreadable("a key condition has one or two clauses"));
    }
    let clauses = parts
        .into_iter()
        .map(|p| clause(p, names))
        .collect::<Result<Vec<_>, _>>()?;
    let on_hash: Vec<&Clause> = clauses.iter().filter(|c| c.0 == hash_key).collect();
    match on_hash.as_slice() {
        [(_, true, values)] if values.len() == 1 => {
            if clauses.len() == 2 && clauses.iter().all(|c| c.0 == hash_key) {
                return Err(unreadable("two conditions on the partition key"));
            }
            Ok(values[0].clone())
        }
        _ => Err(unreadable(
            "the partition key must be compared with = exactly once",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read(expression: &str) -> Result<String, Unreadable> {
        let names = json!({"#p": "pk", "#s": "sk"});
        partition_value_placeholder(expression, names.as_object(), "pk")
    }

    #[test]
    fn reads_the_partition_equality_in_every_accepted_shape() {
        for expression in [
            "pk = :p",
            "#p = :p",
            "pk = :p AND sk > :s",
            "sk >= :s and pk = :p",
            "(pk = :p) AND (begins_with(sk, :s))",
            "#p = :p AND #s BETWEEN :a AND :b",
            "pk=:p AND begins_with ( #s , :s )",
        ] {
            assert_eq!(read(expression).as_deref(), Ok(":p"), "{expression}");
        }
    }

    #[test]
    fn refuses_anything_else() {
        for expression in [
            "",
            "pk > :p",
            "sk = :s",
            "pk = :p OR pk = :q",
            "pk = :p AND pk = :q",
            "#x = :p",
            "pk = :p AND sk > :s AND sk < :t",
            "pk IN (:p, :q)",
            "begins_with(pk, :p)",
            "pk = :p AND (sk > :s",
            "pk = pk",
            "pk = :p; DROP",
        ] {
            assert!(read(expression).is_err(), "{expression}");
        }
    }
}
