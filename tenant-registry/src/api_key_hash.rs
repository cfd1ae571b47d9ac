//! `apiKeySha256`: how the registry recognises an API key without holding it.

use std::fmt;

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::RegistryError;

/// The SHA-256 of an API key value (its UTF-8 bytes), stored in the
/// registry as 64 lowercase hex digits (`apiKeySha256`).
///
/// vendor-fn vends only when the key value a request presented hashes to
/// the record's hash; [`ApiKeyHash::matches`] compares in constant time, so
/// the time a refusal takes says nothing about how much of a guess was
/// right. The key authorizer finds the tenant by this hash (a registry
/// index), never by the value.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ApiKeyHash([u8; 32]);

impl ApiKeyHash {
    /// The hash of a key value, exactly as presented (no trimming, no case
    /// folding: `Key ` and `key` are other keys).
    pub fn of(key_value: &str) -> Self {
        Self(Sha256::digest(key_value.as_bytes()).into())
    }

    /// Parses the stored form: 64 lowercase hex digits.
    ///
    /// # Errors
    /// [`RegistryError::InvalidAttribute`] for anything else (uppercase
    /// included: the contract fixes one spelling, so an index lookup by the
    /// hash can't miss a record written another way).
    pub fn parse(stored: &str) -> Result<Self, RegistryError> {
        let invalid = |reason: &str| RegistryError::InvalidAttribute {
            name: crate::attr::API_KEY_SHA256,
            reason: reason.to_owned(),
        };
        if stored.len() != 64 {
            return Err(invalid("not 64 hex digits"));
        }
        if !stored
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            return Err(invalid("not lowercase hex"));
        }
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(stored, &mut bytes).map_err(|_| invalid("not hex"))?;
        Ok(Self(bytes))
    }

    /// Whether `key_value` hashes to this hash, compared in constant time.
    pub fn matches(&self, key_value: &str) -> bool {
        bool::from(Self::of(key_value).0.ct_eq(&self.0))
    }

    /// The stored form: 64 lowercase hex digits.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
}

// A hash of a high-entropy key is not the key, but there is no reason to
// print all of it: the first 8 digits identify it in a log or a test.
impl fmt::Debug for ApiKeyHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ApiKeyHash({}…)", &self.to_hex()[..8])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_the_utf8_bytes_as_lowercase_hex() {
        // sha256("abc"), the FIPS 180-2 test vector.
        let h = ApiKeyHash::of("abc");
        assert_eq!(
            h.to_hex(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(ApiKeyHash::parse(&h.to_hex()).unwrap(), h);
    }

    #[test]
    fn matches_only_the_exact_value() {
        let h = ApiKeyHash::of("Xq7TsecretApiKeyValue0123456789abcdefGHIJ");
        assert!(h.matches("Xq7TsecretApiKeyValue0123456789abcdefGHIJ"));
        for other in [
            "xq7TsecretApiKeyValue0123456789abcdefGHIJ",
            "Xq7TsecretApiKeyValue0123456789abcdefGHIJ ",
            " Xq7TsecretApiKeyValue0123456789abcdefGHIJ",
            "",
            "Xq7TsecretApiKeyValue0123456789abcdefGHI",
        ] {
            assert!(!h.matches(other), "{other:?}");
        }
    }

    #[test]
    fn only_the_stored_spelling_parses() {
        let h = ApiKeyHash::of("k").to_hex();
        assert!(ApiKeyHash::parse(&h.to_uppercase()).is_err());
        assert!(ApiKeyHash::parse(&h[..63]).is_err());
        assert!(ApiKeyHash::parse(&format!("{}g", &h[..63])).is_err());
        assert!(ApiKeyHash::parse("").is_err());
    }

    #[test]
    fn debug_shows_a_prefix_only() {
        let h = ApiKeyHash::of("abc");
        assert_eq!(format!("{h:?}"), "ApiKeyHash(ba7816bf…)");
    }
}
