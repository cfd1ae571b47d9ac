//! # isolation-audit
//!
//! Proves offline that the IAM documents in `policies/` keep tenants apart:
//! the library behind `tenantctl audit`, also used by the system tests and by
//! the AWS stand-in's bootstrap (for placeholder filling).
//!
//! The tour, in the order an audit runs:
//! 1. [`placeholders`]: `${Name}` in the reviewed documents becomes a value
//!    ([`placeholders::fill`]); `${aws:…}` policy variables and escapes stay.
//!    Any map of values works; [`Params`] holds the audit's example values
//!    with `--param Name=Value` overrides.
//! 2. [`inputs`]: the documents are read, filled and parsed into a
//!    [`PolicySet`] by role (tenant permissions, trust, read-only session
//!    policy, vendor permissions), and the template is read as JSON.
//! 3. [`matrix`]: thousands of requests for a set of tenants, each with the
//!    outcome the isolation rule expects ([`matrix::Expectation`]).
//! 4. [`run`] decides every request with `iam-eval` and [`judge`]s it;
//!    with the `live` feature, `live::run` asks IAM's policy simulator
//!    about a deployed role instead.
//! 5. [`lints`]: the pitfalls of DESIGN.md, each with a stable ID
//!    (`ISO001`–`ISO011`, `ISO027`, `ISO028`: what the audit runs), and [`lints::strict`]
//!    (`ISO012`–`ISO026`, `ISO029`), the exact shape the test suite holds the reviewed
//!    documents to.
//! 6. [`report`]: the [`AuditReport`] as a table for people or JSON for
//!    machines.
//!
//! Every failure is an [`AuditError`]; a caller decides what it means (for
//! `tenantctl`, exit 2: the input was unusable).
//!
//! ```no_run
//! use isolation_audit::{AuditOptions, report};
//!
//! let options = AuditOptions {
//!     policies: "policies".into(),
//!     template: Some("template.yaml".into()),
//!     params: vec![],
//!     tenants: vec!["k1".into(), "k1x".into(), "K1".into()],
//! };
//! let audit = isolation_audit::run(&options)?;
//! print!("{}", report::table(&audit, false));
//! assert!(audit.passed());
//! # Ok::<(), isolation_audit::AuditError>(())
//! ```
#![warn(missing_docs)]

mod audit;
mod error;
pub mod inputs;
pub mod lints;
#[cfg(feature = "live")]
pub mod live;
pub mod matrix;
pub mod placeholders;
pub mod report;

pub use audit::{
    AuditOptions, AuditReport, Decided, Outcome, Prepared, decide, judge, prepare, run,
};
pub use error::AuditError;
pub use inputs::{Params, PolicySet};
