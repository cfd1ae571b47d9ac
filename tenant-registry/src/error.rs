/// Everything that can be wrong with registry data.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RegistryError {
    /// The API key ID is not one the vendor can safely use.
    #[error("invalid api key id: {reason}")]
    InvalidApiKeyId {
        /// Which rule the value broke (never the value itself).
        reason: &'static str,
    },
    /// A required attribute is absent from a registry item.
    #[error("registry item lacks attribute {0}")]
    MissingAttribute(&'static str),
    /// An attribute is present but has the wrong type or an unknown value.
    #[error("registry item attribute {name} is invalid: {reason}")]
    InvalidAttribute {
        /// The attribute name.
        name: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// A tier, status or isolation name outside the closed set.
    #[error("unknown {kind} {value:?}")]
    UnknownVariant {
        /// Which set (tier, status, isolation).
        kind: &'static str,
        /// The offending value.
        value: String,
    },
    /// A credentials body that breaks the contract (DESIGN.md, "Contracts").
    #[error("invalid credentials body: {reason}")]
    InvalidCredentialsBody {
        /// Which rule it broke (never the body's text: it holds secrets).
        reason: String,
    },
}
