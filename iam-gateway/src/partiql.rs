//! The IAM view of a PartiQL statement: action, table (or index), and the
//! partition key value it is confined to.
//!
//! Only a strict subset is read, each shape one AWS documents:
//! - `SELECT <names or *> FROM <table>[.<index>] [WHERE <conditions>]`
//! - `INSERT INTO <table> VALUE {'<attr>': <value>, …}` (scalar values)
//! - `UPDATE <table> SET … WHERE <conditions>`
//! - `DELETE FROM <table> WHERE <conditions>`
//!
//! where `<conditions>` is `AND`-joined `<attr> = | < | <= | > | >= <value>`,
//! `<attr> BETWEEN <value> AND <value>` and `begins_with(<attr>, <value>)`,
//! and a value is `?` or a string or number literal. A SELECT without an
//! equality on the partition key is a full table scan. Anything else is
//! not read with certainty and the caller refuses it.

use std::fmt;

/// Why a statement could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Unreadable(pub String);

fn unreadable(why: impl Into<String>) -> Unreadable {
    Unreadable(why.into())
}

/// The PartiQL action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    /// `dynamodb:PartiQLSelect`.
    Select,
    /// `dynamodb:PartiQLInsert`.
    Insert,
    /// `dynamodb:PartiQLUpdate`.
    Update,
    /// `dynamodb:PartiQLDelete`.
    Delete,
}

impl fmt::Display for Verb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Select => "dynamodb:PartiQLSelect",
            Self::Insert => "dynamodb:PartiQLInsert",
            Self::Update => "dynamodb:PartiQLUpdate",
            Self::Delete => "dynamodb:PartiQLDelete",
        })
    }
}

/// A value in a statement: the n-th `?` (0-based) or a literal's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operand {
    /// The n-th parameter.
    Parameter(usize),
    /// A string literal's content or a number's text.
    Literal(String),
}

/// What IAM needs from a statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// The action.
    pub verb: Verb,
    /// The table name.
    pub table: String,
    /// The index, for a SELECT on one.
    pub index: Option<String>,
    /// `(attribute, value)` of every `=` condition (INSERT: every attribute).
    pub equalities: Vec<(String, Operand)>,
    /// Attributes with any other condition.
    pub other_conditions: Vec<String>,
    /// How many `?` the statement has.
    pub parameters: usize,
}

impl Statement {
    /// The value the statement pins `hash_key` to; `Ok(None)` when it
    /// doesn't (a scan, for SELECT).
    ///
    /// # Errors
    /// When the partition key has more than one condition or a non-`=` one.
    pub fn partition_value(&self, hash_key: &str) -> Result<Option<&Operand>, Unreadable> {
        let equal: Vec<&Operand> = self
            .equalities
            .iter()
            .filter(|(a, _)| a == hash_key)
            .map(|(_, v)| v)
            .collect();
        if self.other_conditions.iter().any(|a| a == hash_key) {
            return Err(unreadable("a non-equality condition on the partition key"));
        }
        match equal.as_slice() {
            [] => Ok(None),
            [value] => Ok(Some(value)),
            _ => Err(unreadable("several conditions on the partition key")),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Word(String),
    Quoted(String),
    Str(String),
    Number(String),
    Param,
    Punct(String),
}

fn tokenize(text: &str) -> Result<Vec<Token>, Unreadable> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '\'' || c == '"' {
            let mut content = String::new();
            i += 1;
            loop {
                match chars.get(i) {
                    None => return Err(unreadable("an unterminated quote")),
                    Some(&q) if q == c && chars.get(i + 1) == Some(&c) => {
                        content.push(c);
                        i += 2;
                    }
                    Some(&q) if q == c => {
                        i += 1;
                        break;
                    }
                    Some(&other) => {
                        content.push(other);
                        i += 1;
                    }
                }
            }
            tokens.push(if c == '"' {
                Token::Quoted(content)
            } else {
                Token::Str(content)
            });
        } else if c == '?' {
            tokens.push(Token::Param);
            i += 1;
        } else if c.is_ascii_digit()
            || (c == '-' && chars.get(i + 1).is_some_and(char::is_ascii_digit))
        {
            let start = i;
            i += 1;
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                i += 1;
            }
            tokens.push(Token::Number(chars[start..i].iter().collect()));
        } else if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            tokens.push(Token::Word(chars[start..i].iter().collect()));
        } else {
            let two: String = chars[i..chars.len().min(i + 2)].iter().collect();
            if ["<=", ">=", "<>", "!="].contains(&two.as_str()) {
                tokens.push(Token::Punct(two));
                i += 2;
            } else if "=<>(),.{}:*+-[]".contains(c) {
                tokens.push(Token::Punct(c.to_string()));
                i += 1;
            } else {
                return Err(unreadable(format!("unexpected character {c:?}")));
            }
        }
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
    parameters: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.at).cloned();
        if matches!(token, Some(Token::Param)) {
            self.parameters += 1;
        }
        self.at += 1;
        token
    }

    fn keyword(&mut self, word: &str) -> Result<(), Unreadable> {
        match self.next() {
            Some(Token::Word(w)) if w.eq_ignore_ascii_case(word) => Ok(()),
            _ => Err(unreadable(format!("expected {word}"))),
        }
    }

    fn at_keyword(&self, word: &str) -> bool {
        matches!(self.peek(), Some(Token::Word(w)) if w.eq_ignore_ascii_case(word))
    }

    fn punct(&mut self, p: &str) -> Result<(), Unreadable> {
        match self.next() {
            Some(Token::Punct(q)) if q == p => Ok(()),
            _ => Err(unreadable(format!("expected {p}"))),
        }
    }

    fn name(&mut self) -> Result<String, Unreadable> {
        match self.next() {
            Some(Token::Quoted(q)) if !q.is_empty() => Ok(q),
            Some(Token::Word(w)) if !is_reserved(&w) => Ok(w),
            _ => Err(unreadable("expected a name")),
        }
    }

    fn value(&mut self) -> Result<Operand, Unreadable> {
        let index = self.parameters;
        match self.next() {
            Some(Token::Param) => Ok(Operand::Parameter(index)),
            Some(Token::Str(s) | Token::Number(s)) => Ok(Operand::Literal(s)),
            _ => Err(unreadable("expected ? or a literal")),
        }
    }

    fn target(&mut self) -> Result<(String, Option<String>), Unreadable> {
        let table = self.name()?;
        if matches!(self.peek(), Some(Token::Punct(p)) if p == ".") {
            self.next();
            return Ok((table, Some(self.name()?)));
        }
        Ok((table, None))
    }

    /// `WHERE` conditions joined by AND, to the end of the statement.
    fn conditions(
        &mut self,
        equalities: &mut Vec<(String, Operand)>,
        others: &mut Vec<String>,
    ) -> Result<(), Unreadable> {
        loop {
            if matches!(self.peek(), Some(Token::Word(w)) if w.eq_ignore_ascii_case("begins_with"))
            {
                self.next();
                self.punct("(")?;
                others.push(self.name()?);
                self.punct(",")?;
                self.value()?;
                self.punct(")")?;
            } else {
                let attribute = self.name()?;
                match self.next() {
                    Some(Token::Punct(op)) if op == "=" => {
                        equalities.push((attribute, self.value()?));
                    }
                    Some(Token::Punct(op)) if ["<", "<=", ">", ">="].contains(&op.as_str()) => {
                        self.value()?;
                        others.push(attribute);
                    }
                    Some(Token::Word(w)) if w.eq_ignore_ascii_case("between") => {
                        self.value()?;
                        self.keyword("and")?;
                        self.value()?;
                        others.push(attribute);
                    }
                    _ => return Err(unreadable("a condition the sandbox does not read")),
                }
            }
            match self.peek() {
                None => return Ok(()),
                Some(Token::Word(w)) if w.eq_ignore_ascii_case("and") => {
                    self.next();
                }
                _ => return Err(unreadable("only AND-joined conditions are read")),
            }
        }
    }
}

fn is_reserved(word: &str) -> bool {
    [
        "select",
        "from",
        "where",
        "and",
        "or",
        "not",
        "in",
        "between",
        "insert",
        "into",
        "value",
        "update",
        "set",
        "delete",
        "remove",
        "returning",
        "exists",
        "missing",
        "null",
    ]
    .iter()
    .any(|k| k.eq_ignore_ascii_case(word))
}

/// Reads a statement.
///
/// # Errors
/// [`Unreadable`] for anything outside the subset in the module docs.
pub fn parse(statement: &str) -> Result<Statement, Unreadable> {
    let mut p = Parser {
        tokens: tokenize(statement)?,
        at: 0,
        parameters: 0,
    };
    let mut equalities = Vec::new();
    let mut others = Vec::new();
    let first = match p.next() {
        Some(Token::Word(w)) => w.to_ascii_lowercase(),
        _ => return Err(unreadable("no statement")),
    };
    let (verb, table, index) = match first.as_str() {
        "select" => {
            if matches!(p.peek(), Some(Token::Punct(s)) if s == "*") {
                p.next();
            } else {
                loop {
                    p.name()?;
                    if matches!(p.peek(), Some(Token::Punct(s)) if s == ",") {
                        p.next();
                    } else {
                        break;
                    }
                }
            }
            p.keyword("from")?;
            let (table, index) = p.target()?;
            if p.peek().is_some() {
                p.keyword("where")?;
                p.conditions(&mut equalities, &mut others)?;
            }
            (Verb::Select, table, index)
        }
        "insert" => {
            p.keyword("into")?;
            let table = p.name()?;
            p.keyword("value")?;
            p.punct("{")?;
            loop {
                let attribute = match p.next() {
                    Some(Token::Str(s)) if !s.is_empty() => s,
                    _ => return Err(unreadable("an INSERT attribute must be a 'string'")),
                };
                p.punct(":")?;
                equalities.push((attribute, p.value()?));
                match p.next() {
                    Some(Token::Punct(s)) if s == "," => {}
                    Some(Token::Punct(s)) if s == "}" => break,
                    _ => return Err(unreadable("an INSERT value the sandbox does not read")),
                }
            }
            if p.peek().is_some() {
                return Err(unreadable("text after the INSERT value"));
            }
            (Verb::Insert, table, None)
        }
        "update" => {
            let table = p.name()?;
            if !(p.at_keyword("set") || p.at_keyword("remove")) {
                return Err(unreadable("expected SET or REMOVE"));
            }
            // The assignments only matter for counting parameters.
            while p.peek().is_some() && !p.at_keyword("where") {
                p.next();
            }
            p.keyword("where")?;
            p.conditions(&mut equalities, &mut others)?;
            (Verb::Update, table, None)
        }
        "delete" => {
            p.keyword("from")?;
            let table = p.name()?;
            p.keyword("where")?;
            p.conditions(&mut equalities, &mut others)?;
            (Verb::Delete, table, None)
        }
        _ => return Err(unreadable("not SELECT, INSERT, UPDATE or DELETE")),
    };
    Ok(Statement {
        verb,
        table,
        index,
        equalities,
        other_conditions: others,
        parameters: p.parameters,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pk(statement: &str) -> Result<(Verb, Option<Operand>), Unreadable> {
        let parsed = parse(statement)?;
        Ok((parsed.verb, parsed.partition_value("pk")?.cloned()))
    }

    #[test]
    fn reads_each_verb_and_its_partition_value() {
        assert_eq!(
            pk(r#"SELECT * FROM "T" WHERE pk = ? AND sk > ?"#),
            Ok((Verb::Select, Some(Operand::Parameter(0))))
        );
        assert_eq!(
            pk(r#"select a, "b" from T where "pk" = 'k1'"#),
            Ok((Verb::Select, Some(Operand::Literal("k1".into()))))
        );
        assert_eq!(pk(r#"SELECT * FROM "T""#), Ok((Verb::Select, None)));
        assert_eq!(
            pk(r#"SELECT * FROM "T"."byTenant" WHERE pk = ?"#).map(|r| r.0),
            Ok(Verb::Select)
        );
        assert_eq!(
            pk(r#"INSERT INTO "T" VALUE {'sk': ?, 'pk': ?, 'n': 1}"#),
            Ok((Verb::Insert, Some(Operand::Parameter(1))))
        );
        assert_eq!(
            pk(r#"UPDATE "T" SET n = n + ? SET m = ? WHERE pk = ? AND sk = ?"#),
            Ok((Verb::Update, Some(Operand::Parameter(2))))
        );
        assert_eq!(
            pk(r#"DELETE FROM "T" WHERE sk = 'x' AND pk = 'k''1'"#),
            Ok((Verb::Delete, Some(Operand::Literal("k'1".into()))))
        );
    }

    #[test]
    fn refuses_what_it_does_not_read() {
        for statement in [
            "",
            r#"SELECT * FROM "T" WHERE pk = ? OR pk = ?"#,
            r#"SELECT * FROM "T" WHERE pk IN (?, ?)"#,
            r#"SELECT * FROM "T" WHERE pk = ? AND pk = ?"#,
            r#"SELECT * FROM "T" WHERE pk > ?"#,
            r#"SELECT * FROM "T" WHERE NOT pk = ?"#,
            r#"INSERT INTO "T" VALUE {'pk': {'a': 1}}"#,
            r#"DELETE FROM "T""#,
            r#"UPDATE "T" SET a = 1"#,
            r#"EXISTS(SELECT * FROM "T")"#,
            r#"SELECT * FROM "T" WHERE pk = ? ; DELETE FROM "T" WHERE pk = ?"#,
        ] {
            assert!(pk(statement).is_err(), "{statement}");
        }
    }
}
