//! The optional JSON body of `POST /credentials`, read strictly.
//!
//! `{"durationSeconds": n, "scope": "read-write" | "read-only"}` and nothing
//! else. A field we do not know is refused, naming it, rather than ignored:
//! a typo such as `durationSecond` would otherwise silently get the tier's
//! longest session, longer than the tenant asked for. A field given twice
//! is refused too (parsers disagree on which copy wins), and so is a body
//! larger than [`MAX_BODY_BYTES`], before any AWS call.

use std::fmt;

use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::Value;

use crate::VendError;
use tenant_registry::Scope;

/// The largest body accepted, in bytes (as sent, before any base64
/// decoding). The documented body is under 100 bytes; 4 KiB leaves room
/// for whitespace without reading megabytes of nothing.
pub const MAX_BODY_BYTES: usize = 4096;

/// The fields a body may carry.
pub const FIELDS: [&str; 2] = ["durationSeconds", "scope"];

/// What a body asks for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BodyRequest {
    /// `durationSeconds`, not yet checked against the tier.
    pub duration_seconds: Option<u64>,
    /// `scope`.
    pub scope: Scope,
}

/// Parses the body of a POST.
///
/// # Errors
/// [`VendError::BodyTooLarge`], [`VendError::MalformedBody`],
/// [`VendError::UnknownField`], [`VendError::DuplicateField`] or
/// [`VendError::InvalidScope`].
pub fn parse(body: Option<&str>, base64: bool) -> Result<BodyRequest, VendError> {
    let Some(raw) = body else {
        return Ok(BodyRequest::default());
    };
    if raw.len() > MAX_BODY_BYTES {
        return Err(VendError::BodyTooLarge {
            limit: MAX_BODY_BYTES,
        });
    }
    let decoded;
    let text = if base64 {
        let bytes = aws_smithy_types::base64::decode(raw)
            .map_err(|_| VendError::MalformedBody("the base64 body does not decode"))?;
        decoded = String::from_utf8(bytes)
            .map_err(|_| VendError::MalformedBody("the body is not UTF-8"))?;
        decoded.as_str()
    } else {
        raw
    };
    if text.trim().is_empty() {
        return Ok(BodyRequest::default());
    }
    let entries: Entries = match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(_)) => serde_json::from_str(text)
            .map_err(|_| VendError::MalformedBody("the body is not valid JSON"))?,
        Ok(_) => return Err(VendError::MalformedBody("the body must be a JSON object")),
        Err(_) => return Err(VendError::MalformedBody("the body is not valid JSON")),
    };
    let mut request = BodyRequest::default();
    let mut seen: Vec<&str> = Vec::new();
    for (name, value) in &entries.0 {
        let Some(field) = FIELDS.iter().find(|f| **f == name) else {
            return Err(VendError::UnknownField(FieldName::new(name)));
        };
        if seen.contains(field) {
            return Err(VendError::DuplicateField(field));
        }
        seen.push(field);
        match *field {
            "durationSeconds" => request.duration_seconds = duration(value)?,
            _ => request.scope = scope(value)?,
        }
    }
    Ok(request)
}

fn duration(value: &Value) -> Result<Option<u64>, VendError> {
    match value {
        Value::Null => Ok(None),
        Value::Number(n) if n.as_u64().is_some() => Ok(n.as_u64()),
        _ => Err(VendError::MalformedBody(
            "durationSeconds must be a whole number of seconds",
        )),
    }
}

fn scope(value: &Value) -> Result<Scope, VendError> {
    match value {
        Value::Null => Ok(Scope::default()),
        Value::String(s) if s == "read-write" => Ok(Scope::ReadWrite),
        Value::String(s) if s == "read-only" => Ok(Scope::ReadOnly),
        _ => Err(VendError::InvalidScope),
    }
}

/// A field name from the request, made safe to echo in a message and a
/// log line: at most 64 characters, control characters escaped.
#[derive(Clone, PartialEq, Eq)]
pub struct FieldName(String);

impl FieldName {
    const MAX_CHARS: usize = 64;

    fn new(raw: &str) -> Self {
        let mut shown: String = raw
            .chars()
            .take(Self::MAX_CHARS)
            .flat_map(char::escape_debug)
            .collect();
        if raw.chars().count() > Self::MAX_CHARS {
            shown.push('…');
        }
        Self(shown)
    }

    /// The name as it may be shown.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for FieldName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for FieldName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FieldName({:?})", self.0)
    }
}

/// Every member of a JSON object in order, duplicates kept (a map type
/// would silently keep only one copy).
struct Entries(Vec<(String, Value)>);

impl<'de> serde::Deserialize<'de> for Entries {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct EntriesVisitor;
        impl<'de> Visitor<'de> for EntriesVisitor {
            type Value = Entries;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Entries, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry::<String, Value>()? {
                    entries.push(entry);
                }
                Ok(Entries(entries))
            }
        }
        d.deserialize_map(EntriesVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(body: &str) -> BodyRequest {
        parse(Some(body), false).unwrap()
    }

    #[test]
    fn reads_the_documented_fields() {
        assert_eq!(
            ok(r#"{"durationSeconds": 900, "scope": "read-only"}"#),
            BodyRequest {
                duration_seconds: Some(900),
                scope: Scope::ReadOnly
            }
        );
        assert_eq!(ok(r#"{"scope": "read-write"}"#).scope, Scope::ReadWrite);
        assert_eq!(ok("  "), BodyRequest::default());
        assert_eq!(ok("{}"), BodyRequest::default());
        assert_eq!(parse(None, false).unwrap(), BodyRequest::default());
        assert_eq!(ok(r#"{"durationSeconds": null}"#).duration_seconds, None);
    }

    #[test]
    fn an_unknown_field_is_refused_by_name() {
        let err = parse(Some(r#"{"durationSecond": 900}"#), false).unwrap_err();
        assert_eq!(err.code(), "UnknownField");
        assert_eq!(err.status(), 400);
        assert!(
            err.public_message().contains("\"durationSecond\""),
            "{}",
            err.public_message()
        );
    }

    #[test]
    fn a_shown_field_name_is_bounded_and_escaped() {
        let name = FieldName::new(&format!("a\n\u{7}{}", "x".repeat(100)));
        assert!(name.as_str().starts_with("a\\n\\u{7}"), "{name}");
        assert!(name.as_str().chars().count() <= 64 * 8 + 1);
        assert!(name.as_str().ends_with('…'));
    }

    #[test]
    fn a_field_given_twice_is_refused() {
        let err = parse(
            Some(r#"{"durationSeconds": 900, "durationSeconds": 3600}"#),
            false,
        )
        .unwrap_err();
        assert_eq!(err.code(), "DuplicateField");
    }

    #[test]
    fn a_body_over_the_limit_is_413_whatever_it_holds() {
        let padded = format!("{{\"scope\": \"read-only\"{}}}", " ".repeat(MAX_BODY_BYTES));
        let err = parse(Some(&padded), false).unwrap_err();
        assert_eq!((err.status(), err.code()), (413, "RequestTooLarge"));
        let at_limit = format!("{{{}}}", " ".repeat(MAX_BODY_BYTES - 2));
        assert_eq!(
            parse(Some(&at_limit), false).unwrap(),
            BodyRequest::default()
        );
    }

    #[test]
    fn base64_bodies_are_decoded_then_read_as_strictly() {
        let encoded = aws_smithy_types::base64::encode(r#"{"durationSeconds": 1200}"#);
        assert_eq!(
            parse(Some(&encoded), true).unwrap().duration_seconds,
            Some(1200)
        );
        let typo = aws_smithy_types::base64::encode(r#"{"scop": "read-only"}"#);
        assert_eq!(parse(Some(&typo), true).unwrap_err().code(), "UnknownField");
        assert_eq!(
            parse(Some("%%%"), true).unwrap_err().code(),
            "MalformedRequest"
        );
        let not_utf8 = aws_smithy_types::base64::encode([0xff, 0xfe]);
        assert_eq!(
            parse(Some(&not_utf8), true).unwrap_err().code(),
            "MalformedRequest"
        );
    }

    #[test]
    fn durations_must_be_whole_non_negative_numbers() {
        for bad in ["900.5", "-900", "\"900\"", "true", "[900]"] {
            let err = parse(Some(&format!(r#"{{"durationSeconds": {bad}}}"#)), false).unwrap_err();
            assert_eq!(err.code(), "MalformedRequest", "{bad}");
        }
        // Beyond u32 parses here; the tier check refuses it (InvalidDuration).
        assert_eq!(
            ok(r#"{"durationSeconds": 4294967296}"#).duration_seconds,
            Some(4_294_967_296)
        );
    }

    #[test]
    fn non_objects_and_bad_scopes_are_refused() {
        for (body, code) in [
            ("[]", "MalformedRequest"),
            ("\"x\"", "MalformedRequest"),
            ("{", "MalformedRequest"),
            (r#"{"scope": "admin"}"#, "InvalidScope"),
            (r#"{"scope": 1}"#, "InvalidScope"),
        ] {
            assert_eq!(parse(Some(body), false).unwrap_err().code(), code, "{body}");
        }
    }
}
