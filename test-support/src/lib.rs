//! # test-support
//!
//! What the workspace's tests share, so no test borrows another crate's test
//! files:
//! - [`moto`]: a `moto_server` of the test's own, on a loopback port moto
//!   chose and reported, killed when dropped; [`Moto::sdk_config`] points
//!   the SDK at it.
//! - [`sdk`]: SDK configuration for a local endpoint with fake credentials,
//!   and those credentials for a child process's environment.
//! - [`fuzz`]: bounded fuzzing of parsers on stable Rust (proptest), each
//!   target's executions and time printed.
//! - [`mocks`]: helpers for `aws-smithy-mocks` rules: [`mocks::Captured`]
//!   records what a rule saw, [`mocks::error_code`] builds the error
//!   metadata AWS would send.
//!
//! Only ever a dev-dependency.
#![warn(missing_docs)]

pub mod fuzz;
pub mod mocks;
pub mod moto;
pub mod sdk;

pub use moto::Moto;
