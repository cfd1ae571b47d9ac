//! JSON whose meaning doesn't depend on the parser: no duplicate object keys.
//!
//! serde_json keeps the last of duplicate keys, as does moto's Python; but a
//! gateway that decides on one reading and forwards bytes another parser
//! reads must not rely on parsers agreeing, so such bodies are refused.

use std::collections::HashSet;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};

struct Checked;

struct CheckedVisitor;

impl<'de> Visitor<'de> for CheckedVisitor {
    type Value = Checked;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("JSON")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_str<E>(self, _: &str) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_unit<E>(self) -> Result<Checked, E> {
        Ok(Checked)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Checked, A::Error> {
        while seq.next_element::<Checked>()?.is_some() {}
        Ok(Checked)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Checked, A::Error> {
        let mut seen = HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            if !seen.insert(key) {
                return Err(de::Error::custom("duplicate object key"));
            }
            map.next_value::<Checked>()?;
        }
        Ok(Checked)
    }
}

impl<'de> Deserialize<'de> for Checked {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(CheckedVisitor)
    }
}

/// Whether some object in `body` repeats a key (`false` for invalid JSON,
/// which the caller rejects on its own).
pub fn has_duplicate_keys(body: &[u8]) -> bool {
    match serde_json::from_slice::<Checked>(body) {
        Ok(Checked) => false,
        Err(e) => e.to_string().starts_with("duplicate object key"),
    }
}

#[cfg(test)]
mod tests {
    use super::has_duplicate_keys;

    #[test]
    fn finds_repeated_keys_at_any_depth() {
        assert!(!has_duplicate_keys(
            br#"{"a":{"b":1,"c":[{"d":1},{"d":2}]}}"#
        ));
        assert!(has_duplicate_keys(
            br#"{"Key":{"pk":{"S":"k1"},"pk":{"S":"k1x"}}}"#
        ));
        assert!(has_duplicate_keys(br#"[{"x":1,"x":1}]"#));
        assert!(!has_duplicate_keys(b"{not json"));
    }
}
