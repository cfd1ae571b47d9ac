//! The request context: condition keys and their values.

use std::collections::HashMap;

/// The value of one context key: single-valued, or a set (possibly empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContextValue {
    /// A single value, e.g. `aws:PrincipalTag/api-key-id`.
    Single(String),
    /// A multivalued key, e.g. `dynamodb:LeadingKeys` or `aws:TagKeys`.
    Multi(Vec<String>),
}

/// Condition keys of a request. Key names are case-insensitive, as in AWS.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestContext {
    keys: HashMap<String, ContextValue>,
}

impl RequestContext {
    /// An empty context.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets a single-valued key, replacing any previous value.
    pub fn set(&mut self, key: &str, value: impl Into<String>) -> &mut Self {
        self.keys
            .insert(key.to_lowercase(), ContextValue::Single(value.into()));
        self
    }

    /// Sets a multivalued key (an empty list is present but empty).
    pub fn set_multi<I, S>(&mut self, key: &str, values: I) -> &mut Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let values = values.into_iter().map(Into::into).collect();
        self.keys
            .insert(key.to_lowercase(), ContextValue::Multi(values));
        self
    }

    /// Builder form of [`RequestContext::set`].
    #[must_use]
    pub fn with(mut self, key: &str, value: impl Into<String>) -> Self {
        self.set(key, value);
        self
    }

    /// Builder form of [`RequestContext::set_multi`].
    #[must_use]
    pub fn with_multi<I, S>(mut self, key: &str, values: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.set_multi(key, values);
        self
    }

    /// Removes a key.
    pub fn remove(&mut self, key: &str) {
        self.keys.remove(&key.to_lowercase());
    }

    /// The value of a key, looked up case-insensitively.
    pub fn get(&self, key: &str) -> Option<&ContextValue> {
        self.keys.get(&key.to_lowercase())
    }

    /// The value usable as a policy variable: present and single-valued.
    pub(crate) fn variable(&self, key: &str) -> Option<&str> {
        match self.get(key) {
            Some(ContextValue::Single(v)) => Some(v),
            _ => None,
        }
    }
}
