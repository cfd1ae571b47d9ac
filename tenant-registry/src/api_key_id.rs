use std::fmt;
use std::str::FromStr;

use crate::RegistryError;

/// An API Gateway API key ID, checked to be safe everywhere the vendor uses it.
///
/// The same value becomes a session tag value, the `RoleSessionName`, the
/// `SourceIdentity`, a DynamoDB partition value, an S3 prefix and part of a
/// silo table name. The intersection of what those accept, minus anything an
/// IAM wildcard or a path could read specially, is ASCII letters and digits,
/// 2 to 64 characters. Real API Gateway key IDs (10 lowercase alphanumerics)
/// fit; anything else is refused before it reaches AWS.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ApiKeyId(String);

impl ApiKeyId {
    /// Shortest accepted ID (`SourceIdentity` and `RoleSessionName` need 2).
    pub const MIN_LEN: usize = 2;
    /// Longest accepted ID (`RoleSessionName` and `SourceIdentity` allow 64).
    pub const MAX_LEN: usize = 64;

    /// Parses an ID from the API Gateway request context or a registry item.
    ///
    /// # Errors
    /// [`RegistryError::InvalidApiKeyId`] when the value is empty, too short,
    /// too long, or holds anything but ASCII letters and digits.
    pub fn parse(raw: &str) -> Result<Self, RegistryError> {
        let reason = if raw.len() < Self::MIN_LEN {
            Some("shorter than 2 characters")
        } else if raw.len() > Self::MAX_LEN {
            Some("longer than 64 characters")
        } else if !raw.bytes().all(|b| b.is_ascii_alphanumeric()) {
            Some("holds characters other than ASCII letters and digits")
        } else {
            None
        };
        match reason {
            Some(reason) => Err(RegistryError::InvalidApiKeyId { reason }),
            None => Ok(Self(raw.to_owned())),
        }
    }

    /// The ID as a string slice, for SDK calls and JSON output.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for ApiKeyId {
    type Err = RegistryError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for ApiKeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

// The ID is an identifier, not a secret (the API key *value* is the secret and
// never enters this type), so Debug shows it: logs need it to name the tenant.
impl fmt::Debug for ApiKeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ApiKeyId({})", self.0)
    }
}

impl serde::Serialize for ApiKeyId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for ApiKeyId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        Self::parse(&raw).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_real_api_gateway_key_ids_and_the_bounds() {
        for ok in ["a1b2c3d4e5", "k1", "AbC9", &"x".repeat(64)] {
            assert_eq!(ApiKeyId::parse(ok).unwrap().as_str(), ok);
        }
    }

    #[test]
    fn refuses_anything_unsafe_as_a_tag_value_session_name_or_prefix() {
        for bad in [
            "",
            "a",
            &"x".repeat(65),
            "tenant-a",
            "a*",
            "a?",
            "a/b",
            "../x",
            "a b",
            "a\nb",
            "a:b",
            "a=b",
            "a@b",
            "a.b",
            "a,b",
            "a+b",
            "a_b",
            "é1",
            "k1\0",
            "${aws:username}",
        ] {
            assert!(ApiKeyId::parse(bad).is_err(), "accepted {bad:?}");
        }
    }

    #[test]
    fn deserializing_goes_through_the_same_check() {
        assert!(serde_json::from_str::<ApiKeyId>("\"ab*\"").is_err());
        assert_eq!(
            serde_json::from_str::<ApiKeyId>("\"ab12\"")
                .unwrap()
                .as_str(),
            "ab12"
        );
    }
}
