//! The one secret type of the workspace.

use std::fmt;

/// A secret value: a secret access key, a session token, an API key value.
///
/// It has no `Display`, and its `Debug` is `[redacted]`, so it reaches no
/// log line, error or panic message by accident. [`Secret::expose`] is the
/// one way out, for the places that must send it (signing, the response
/// body). It serializes as the plain string, because the credentials body
/// must carry it; nothing else in the workspace serializes a `Secret`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself, for the one place that must use it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the value is empty (an empty secret is never a real one).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl serde::Serialize for Secret {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_value() {
        let s = Secret::new("wJalrXUtnFEMI/K7MDENG");
        assert_eq!(format!("{s:?}"), "[redacted]");
        assert_eq!(format!("{:?}", Some(&s)), "Some([redacted])");
    }

    #[test]
    fn serializes_as_the_plain_string_and_back() {
        let s = Secret::new("tok/en+=");
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(json, "\"tok/en+=\"");
        assert_eq!(serde_json::from_str::<Secret>(&json).unwrap(), s);
    }
}
