//! Helpers for `aws-smithy-mocks` rules.
//!
//! The clients themselves stay with each test (`mock_client!` names the SDK
//! crate, and each crate picks its retry settings); what repeats is
//! recording a rule's inputs and building AWS's error metadata.

use std::sync::{Arc, Mutex};

use aws_smithy_types::error::ErrorMetadata;

/// The message text of every [`error_code`] error. AWS's message text is
/// internal: no response, error or log line may contain it, so tests search
/// for this.
pub const AWS_MESSAGE: &str = "AWS's message text, never shown";

/// Error metadata carrying the AWS error `code` (and [`AWS_MESSAGE`]), as
/// the SDK parses it from a response.
pub fn error_code(code: &str) -> ErrorMetadata {
    ErrorMetadata::builder()
        .code(code)
        .message(AWS_MESSAGE)
        .build()
}

/// Records every value a rule sees (an operation's input, say), so a test
/// asserts on exactly what was sent. Clones share the record.
#[derive(Debug)]
pub struct Captured<T>(Arc<Mutex<Vec<T>>>);

impl<T> Default for Captured<T> {
    fn default() -> Self {
        Self(Arc::default())
    }
}

impl<T> Clone for Captured<T> {
    fn clone(&self) -> Self {
        Self(Arc::clone(&self.0))
    }
}

impl<T: Clone> Captured<T> {
    /// Records `value`.
    ///
    /// # Panics
    /// If another thread panicked while recording.
    pub fn push(&self, value: T) {
        self.0.lock().expect("record").push(value);
    }

    /// Everything recorded, in order.
    ///
    /// # Panics
    /// If another thread panicked while recording.
    pub fn all(&self) -> Vec<T> {
        self.0.lock().expect("record").clone()
    }

    /// The one value recorded.
    ///
    /// # Panics
    /// Unless exactly one value was recorded.
    pub fn only(&self) -> T {
        let all = self.all();
        assert_eq!(all.len(), 1, "expected exactly one call, got {}", all.len());
        all.into_iter().next().expect("one value")
    }
}

impl<T: Clone + Send + 'static> Captured<T> {
    /// A request matcher for `mock!(…).match_requests(…)` that records every
    /// input and matches all of them.
    pub fn recorder(&self) -> impl Fn(&T) -> bool + Send + Sync + 'static {
        let record = self.clone();
        move |input| {
            record.push(input.clone());
            true
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_share_one_record() {
        let seen = Captured::default();
        let matcher = seen.recorder();
        assert!(matcher(&"a".to_owned()));
        seen.clone().push("b".to_owned());
        assert_eq!(seen.all(), ["a", "b"]);
    }

    #[test]
    #[should_panic(expected = "expected exactly one call, got 2")]
    fn only_insists_on_one() {
        let seen = Captured::default();
        seen.push(1);
        seen.push(2);
        seen.only();
    }

    #[test]
    fn error_metadata_has_the_code_and_the_marked_message() {
        let e = error_code("Throttling");
        assert_eq!(e.code(), Some("Throttling"));
        assert_eq!(e.message(), Some(AWS_MESSAGE));
    }
}
