use std::fmt;
use std::str::FromStr;

use crate::RegistryError;

macro_rules! closed_set {
    ($(#[$meta:meta])* $name:ident, $kind:literal, { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "lowercase")]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The name as stored in the registry.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),+ }
            }
        }

        impl FromStr for $name {
            type Err = RegistryError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok(Self::$variant),)+
                    other => Err(RegistryError::UnknownVariant { kind: $kind, value: other.to_owned() }),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

closed_set!(
    /// The commercial tier: decides the API usage plan and the session length.
    Tier, "tier", {
        /// 15-minute sessions.
        Basic => "basic",
        /// 30-minute sessions.
        Standard => "standard",
        /// One-hour sessions.
        Premium => "premium",
    }
);

closed_set!(
    /// Where the tenant is in its life cycle. Only `Active` tenants get credentials.
    TenantStatus, "status", {
        /// Gets credentials.
        Active => "active",
        /// Temporarily refused; can be resumed.
        Suspended => "suspended",
        /// Gone for good.
        Offboarded => "offboarded",
    }
);

closed_set!(
    /// Where the tenant's items live.
    Isolation, "isolation", {
        /// In the shared data table, under the tenant's partition key.
        Pooled => "pooled",
        /// In the tenant's own table, `<silo prefix>-<api key id>`.
        Siloed => "siloed",
    }
);

impl Tier {
    /// The longest session, in seconds, this tier's credentials may last.
    ///
    /// The vendor runs on role credentials, so every AssumeRole is role
    /// chaining and 3600 s is AWS's hard ceiling; 900 s is STS's minimum.
    pub fn max_session_seconds(self) -> u32 {
        match self {
            Self::Basic => 900,
            Self::Standard => 1800,
            Self::Premium => 3600,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_names_are_refused() {
        for t in Tier::ALL {
            assert_eq!(t.as_str().parse::<Tier>().unwrap(), *t);
        }
        for s in TenantStatus::ALL {
            assert_eq!(s.as_str().parse::<TenantStatus>().unwrap(), *s);
        }
        for i in Isolation::ALL {
            assert_eq!(i.as_str().parse::<Isolation>().unwrap(), *i);
        }
        assert!("Premium".parse::<Tier>().is_err());
        assert!("deleted".parse::<TenantStatus>().is_err());
    }

    #[test]
    fn tier_session_ceilings_stay_within_the_role_chaining_limit() {
        assert_eq!(Tier::Basic.max_session_seconds(), 900);
        assert_eq!(Tier::Standard.max_session_seconds(), 1800);
        assert_eq!(Tier::Premium.max_session_seconds(), 3600);
        assert!(Tier::ALL.iter().all(|t| {
            (crate::MIN_SESSION_SECONDS..=crate::MAX_CHAINED_SESSION_SECONDS)
                .contains(&t.max_session_seconds())
        }));
    }
}
