//! Errors of this crate.

/// Why a policy document could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// The text is not JSON.
    #[error("{0}: not valid json: {1}")]
    Json(String, String),
    /// The JSON is not a policy this crate understands.
    #[error("{0}: invalid policy: {1}")]
    Invalid(String, String),
}
