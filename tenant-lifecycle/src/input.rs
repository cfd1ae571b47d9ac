//! Operator input, parsed once at the edge: nothing downstream sees a raw string.

use std::fmt;

use tenant_registry::{ApiKeyId, Isolation, Tier};

use crate::LifecycleError;

/// A tenant's name: unique among tenants that are not offboarded, and the
/// name of its API key, which is how a re-run finds an interrupted onboarding.
///
/// 1 to 128 characters: ASCII letters, digits, space, `-`, `_`, `.`; no
/// leading or trailing space. That fits an API key name and a tag value.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct TenantName(String);

impl TenantName {
    /// Longest accepted name.
    pub const MAX_LEN: usize = 128;

    /// Parses a tenant name.
    ///
    /// # Errors
    /// [`LifecycleError::InvalidInput`] naming the rule broken.
    pub fn parse(raw: &str) -> Result<Self, LifecycleError> {
        let reason = if raw.is_empty() {
            Some("is empty")
        } else if raw.len() > Self::MAX_LEN {
            Some("is longer than 128 characters")
        } else if raw.trim() != raw {
            Some("starts or ends with a space")
        } else if !raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b" -_.".contains(&b))
        {
            Some("may hold only ASCII letters, digits, space, '-', '_' and '.'")
        } else {
            None
        };
        match reason {
            Some(reason) => Err(LifecycleError::InvalidInput {
                field: "name",
                reason: reason.into(),
            }),
            None => Ok(Self(raw.to_owned())),
        }
    }

    /// The name as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TenantName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for TenantName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TenantName({:?})", self.0)
    }
}

/// A contact e-mail address, checked for shape only (one `@`, a dotted
/// domain, no spaces or control characters, at most 254 characters).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    /// Parses an e-mail address.
    ///
    /// # Errors
    /// [`LifecycleError::InvalidInput`] naming the rule broken.
    pub fn parse(raw: &str) -> Result<Self, LifecycleError> {
        let invalid = |reason: &str| LifecycleError::InvalidInput {
            field: "email",
            reason: reason.into(),
        };
        if raw.len() > 254 {
            return Err(invalid("is longer than 254 characters"));
        }
        if raw.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(invalid("holds spaces or control characters"));
        }
        let Some((local, domain)) = raw.split_once('@') else {
            return Err(invalid("has no '@'"));
        };
        if local.is_empty() || domain.contains('@') {
            return Err(invalid("needs exactly one '@' with a name before it"));
        }
        if !domain.contains('.')
            || domain.starts_with('.')
            || domain.ends_with('.')
            || domain.contains("..")
        {
            return Err(invalid("needs a domain like example.com after the '@'"));
        }
        Ok(Self(raw.to_owned()))
    }

    /// The address as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Free-text contact details (a person, a phone number): at most 256
/// characters, no control characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Contact(String);

impl Contact {
    /// Parses contact details.
    ///
    /// # Errors
    /// [`LifecycleError::InvalidInput`] naming the rule broken.
    pub fn parse(raw: &str) -> Result<Self, LifecycleError> {
        let invalid = |reason: &str| LifecycleError::InvalidInput {
            field: "contact",
            reason: reason.into(),
        };
        if raw.trim().is_empty() {
            return Err(invalid("is empty"));
        }
        if raw.chars().count() > 256 {
            return Err(invalid("is longer than 256 characters"));
        }
        if raw.chars().any(char::is_control) {
            return Err(invalid("holds control characters"));
        }
        Ok(Self(raw.to_owned()))
    }

    /// The details as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Everything `onboard` needs to know about a new tenant.
#[derive(Clone, Debug)]
pub struct OnboardRequest {
    /// Unique name; also the API key's name.
    pub name: TenantName,
    /// Contact e-mail.
    pub email: Email,
    /// Optional contact details.
    pub contact: Option<Contact>,
    /// Commercial tier: decides the usage plan.
    pub tier: Tier,
    /// Pooled (shared table) or siloed (own table).
    pub isolation: Isolation,
}

/// How an operator names an existing tenant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TenantRef {
    /// By API key ID (the registry key).
    Id(ApiKeyId),
    /// By tenant name (a registry scan).
    Name(TenantName),
}

impl fmt::Display for TenantRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Id(id) => write!(f, "with api key id {id}"),
            Self::Name(name) => write!(f, "named {:?}", name.as_str()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenant_names_admit_a_safe_alphabet_only() {
        for ok in ["acme", "Acme Corp", "a", "acme-2.eu_west", &"x".repeat(128)] {
            assert_eq!(TenantName::parse(ok).unwrap().as_str(), ok);
        }
        for bad in [
            "",
            " acme",
            "acme ",
            "ac*me",
            "acme/1",
            "acme\n",
            "é",
            &"x".repeat(129),
        ] {
            assert!(TenantName::parse(bad).is_err(), "accepted {bad:?}");
        }
    }

    #[test]
    fn emails_need_one_at_and_a_dotted_domain() {
        assert!(Email::parse("ops@acme.example").is_ok());
        for bad in [
            "",
            "ops",
            "@acme.example",
            "ops@acme",
            "ops@@acme.example",
            "o ps@acme.example",
            "ops@.acme",
            "ops@acme..example",
        ] {
            let err = Email::parse(bad).unwrap_err();
            assert!(
                matches!(err, LifecycleError::InvalidInput { field: "email", .. }),
                "{bad:?}: {err}"
            );
        }
    }

    #[test]
    fn contact_is_free_text_without_control_characters() {
        assert!(Contact::parse("Jo, +1 555 0100").is_ok());
        assert!(Contact::parse(" ").is_err());
        assert!(Contact::parse("a\u{7}b").is_err());
    }
}
