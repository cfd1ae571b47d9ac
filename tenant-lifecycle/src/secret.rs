//! The API key value: the tenant's secret, shown once.

use std::fmt;

/// An API Gateway API key value. It has no `Display`, and its `Debug` is
/// `[redacted]`, so it reaches no log, error or panic message by accident;
/// [`ApiKeyValue::expose`] is the one way out, for the one line that prints it.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKeyValue(String);

impl ApiKeyValue {
    pub(crate) fn new(value: String) -> Self {
        Self(value)
    }

    /// The secret itself, for handing it to the tenant once.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApiKeyValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_value() {
        let v = ApiKeyValue::new("Xq7TsecretApiKeyValue0123456789abcdefGHIJ".into());
        assert_eq!(format!("{v:?}"), "[redacted]");
        assert_eq!(format!("{:?}", Some(&v)), "Some([redacted])");
    }
}
