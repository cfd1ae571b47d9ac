//! What vended credentials may do: the API's `scope`.

use std::fmt;
use std::str::FromStr;

use crate::RegistryError;

/// The `scope` of a credentials request: all the tenant role allows on the
/// tenant's own data, or its read actions only (vendor-fn attaches
/// `policies/session-read-only.json` as the session policy).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Scope {
    /// The role's full permissions on the tenant's own data (the default).
    #[default]
    ReadWrite,
    /// Narrowed by `policies/session-read-only.json` as a session policy.
    ReadOnly,
}

impl Scope {
    /// Both scopes.
    pub const ALL: &'static [Self] = &[Self::ReadWrite, Self::ReadOnly];

    /// The name the API takes and logs show.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ReadWrite => "read-write",
            Self::ReadOnly => "read-only",
        }
    }
}

impl FromStr for Scope {
    type Err = RegistryError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .iter()
            .copied()
            .find(|scope| scope.as_str() == s)
            .ok_or_else(|| RegistryError::UnknownVariant {
                kind: "scope",
                value: s.to_owned(),
            })
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_api_names_round_trip_and_nothing_else_parses() {
        for scope in Scope::ALL {
            assert_eq!(scope.as_str().parse::<Scope>().unwrap(), *scope);
        }
        for bad in ["readonly", "READ-ONLY", "admin", ""] {
            assert!(bad.parse::<Scope>().is_err(), "{bad}");
        }
        assert_eq!(Scope::default(), Scope::ReadWrite);
    }
}
