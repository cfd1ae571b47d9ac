//! The request context: condition keys and their values.

/// The value of one context key: single-valued, or a set (possibly empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContextValue {
    /// A single value, e.g. `aws:PrincipalTag/api-key-id`.
    Single(String),
    /// A multivalued key, e.g. `dynamodb:LeadingKeys` or `aws:TagKeys`.
    Multi(Vec<String>),
}

/// Condition keys of a request. Key names are case-insensitive, as in AWS.
#[derive(Debug, Clone, Default)]
pub struct RequestContext {
    // A handful of keys per request: a scan beats hashing a lowercased copy.
    keys: Vec<(String, ContextValue)>,
}

impl RequestContext {
    /// An empty context.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets a single-valued key, replacing any previous value.
    pub fn set(&mut self, key: &str, value: impl Into<String>) -> &mut Self {
        self.insert(key, ContextValue::Single(value.into()));
        self
    }

    /// Sets a multivalued key (an empty list is present but empty).
    pub fn set_multi<I, S>(&mut self, key: &str, values: I) -> &mut Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let values = values.into_iter().map(Into::into).collect();
        self.insert(key, ContextValue::Multi(values));
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
        self.keys.retain(|(k, _)| !same_key(k, key));
    }

    /// Every key (lowercased, as stored) with its value, in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &ContextValue)> {
        self.keys.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// The value of a key, looked up case-insensitively.
    pub fn get(&self, key: &str) -> Option<&ContextValue> {
        self.keys
            .iter()
            .find(|(k, _)| same_key(k, key))
            .map(|(_, v)| v)
    }

    fn insert(&mut self, key: &str, value: ContextValue) {
        match self.keys.iter_mut().find(|(k, _)| same_key(k, key)) {
            Some(entry) => entry.1 = value,
            None => self.keys.push((key.to_lowercase(), value)),
        }
    }

    /// The value usable as a policy variable: present and single-valued.
    pub(crate) fn variable(&self, key: &str) -> Option<&str> {
        match self.get(key) {
            Some(ContextValue::Single(v)) => Some(v),
            _ => None,
        }
    }
}

/// Key names compare case-insensitively (stored keys are already lowercase).
fn same_key(stored: &str, key: &str) -> bool {
    if key.is_ascii() {
        stored.eq_ignore_ascii_case(key)
    } else {
        stored == key.to_lowercase()
    }
}

impl PartialEq for RequestContext {
    fn eq(&self, other: &Self) -> bool {
        self.keys.len() == other.keys.len()
            && self.keys.iter().all(|(k, v)| other.get(k) == Some(v))
    }
}

impl Eq for RequestContext {}
