//! Bounded fuzzing on stable Rust: proptest's generators and shrinking, run
//! for a fixed number of executions per target, each target's count and
//! time printed.
//!
//! `cargo test` runs [`DEFAULT_CASES`] executions per target (seconds in
//! all, so CI runs them on every push); `FUZZ_CASES=100000 cargo test
//! --test <file> -- --nocapture` runs a longer campaign. A panic in the
//! code under test is caught and reported as a failure with the smallest
//! input proptest could shrink it to.

use std::time::Instant;

pub use proptest;
use proptest::strategy::Strategy;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

/// Executions per target when `FUZZ_CASES` is not set.
pub const DEFAULT_CASES: u32 = 512;

/// The executions per target: `FUZZ_CASES`, else [`DEFAULT_CASES`].
///
/// # Panics
/// When `FUZZ_CASES` is set but not a number.
pub fn cases() -> u32 {
    std::env::var("FUZZ_CASES").map_or(DEFAULT_CASES, |v| {
        v.parse()
            .unwrap_or_else(|_| panic!("FUZZ_CASES={v:?} is not a number"))
    })
}

/// Runs `property` on [`cases`] inputs from `strategy` and prints
/// `fuzz <target>: <n> executions in <time>` to stderr.
///
/// # Panics
/// When the property fails or panics for some input (shrunk, in the message).
pub fn run<S>(target: &str, strategy: S, property: impl Fn(S::Value) -> Result<(), TestCaseError>)
where
    S: Strategy,
    S::Value: std::fmt::Debug,
{
    let cases = cases();
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let started = Instant::now();
    let result = runner.run(&strategy, property);
    let elapsed = started.elapsed();
    eprintln!("fuzz {target}: {cases} executions in {elapsed:.2?}");
    if let Err(failure) = result {
        panic!("fuzz {target}: {failure}");
    }
}
