//! IAM policy evaluation, the way AWS decides a request, offline.
//!
//! The tour:
//! - [`Policy::parse`] reads an IAM JSON document (identity, session or
//!   trust policy) into statements with typed [`Condition`]s.
//! - [`Request`] is an action, a resource, optionally the calling principal,
//!   and a [`RequestContext`] of condition keys (single or multivalued).
//! - [`evaluate`] decides a request for identity policies intersected with an
//!   optional session policy; [`evaluate_trust`] decides it against a role's
//!   trust policy. Both return AWS's names: `allowed`, `implicitDeny`,
//!   `explicitDeny`, with the statements that decided.
//!
//! Semantics follow AWS's documentation of policy evaluation logic, condition
//! operators, policy variables and multivalued context keys. Where documents
//! are silent, the behaviour agrees with `@cloud-copilot/iam-simulate`
//! (checked on every case of this crate's differential corpus test). Where
//! that reference departs from the documentation, the test names the
//! deviation and judges iam-eval on an equivalent form of the case, and
//! `src/reference_deviations.rs` pins iam-eval's documented answer. The most security-relevant rule: a policy variable that
//! can't be resolved (absent key, multivalued key, no default) makes the
//! element that holds it fail to match; it never becomes an empty string.
//!
//! Not modelled: SCPs, RCPs, permission boundaries, resource policies of
//! data services, and service-specific rules (which keys a service sends).

mod condition;
mod context;
mod error;
mod evaluate;
mod pattern;
mod policy;
mod variables;

pub use condition::{BaseOperator, Condition, Operator, SetModifier};
pub use context::{ContextValue, RequestContext};
pub use error::PolicyError;
pub use evaluate::{
    Decision, Evaluation, Request, StatementRef, action_matches, applies, evaluate, evaluate_trust,
    trust_names_principal,
};
pub use policy::{Effect, Matcher, Policy, PrincipalEntry, Statement, VERSION_2012};

#[cfg(test)]
mod reference_deviations;
#[cfg(test)]
mod tests;
