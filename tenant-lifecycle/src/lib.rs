//! The tenant life cycle of the credential vendor: onboard, suspend, resume,
//! offboard, show and list. `tenantctl` is a thin CLI over it, and the
//! sandbox onboards its demo tenants with the same code.
//!
//! The tour:
//! - [`Lifecycle`] runs the commands against one deployment, given the AWS
//!   [`Clients`] and the [`Resources`] (from the stack's outputs via
//!   [`stack_outputs`], or named explicitly).
//! - Onboarding creates the API key, puts it in the tier's usage plan,
//!   creates a siloed tenant's table, and writes the registry item last:
//!   the item is what makes a tenant exist. A failure rolls back what was
//!   created ([`LifecycleError::OnboardFailed`]), and a re-run with the same
//!   name removes what an interrupted run left before starting again.
//! - A tenant may have several API keys ([`TenantKeys`]): [`Lifecycle::rotate_key`]
//!   adds one that reaches the same data (`partitionKeyId`),
//!   [`Lifecycle::retire_key`] retires the old one. Suspend, resume and
//!   offboard act on every key.
//! - Suspend, resume and offboard change the registry status first (with a
//!   condition), then the API key; each is idempotent, so a re-run after a
//!   failure ([`LifecycleError::PartiallyApplied`]) finishes the job.
//! - [`Lifecycle::backfill_key_hashes`] writes `apiKeySha256` for tenants
//!   onboarded before it existed ([`Backfill`] counts what it did).
//! - [`SessionRevoker`] cuts off sessions already issued with a Deny on the
//!   tenant role, and prunes such Denies once those sessions have expired.
//! - Inputs are parsed once ([`TenantName`], [`Email`], [`Contact`]); the
//!   API key value is a [`tenant_registry::Secret`], which never shows itself
//!   in `Debug`.
//! - Every error maps to an exit code ([`exit_code`]).

mod api_keys;
mod backfill;
mod error;
mod input;
mod keys;
mod lifecycle;
mod progress;
mod registry;
mod resources;
pub mod revocation;
mod tenant_data;

pub use api_keys::MANAGED_BY_TAG;
pub use aws_failure::{AwsFailure, FailureKind};
pub use backfill::Backfill;
pub use error::{LifecycleError, exit_code};
pub use input::{Contact, Email, OnboardRequest, TenantName, TenantRef};
pub use keys::{Retired, Rotated, TenantKeys};
pub use lifecycle::{Clients, DataDeletion, Lifecycle, Offboarding, Onboarded, StatusChange};
pub use progress::{Progress, Silent};
pub use resources::{Resources, role_name_from_arn, stack_outputs};
pub use revocation::{Pruned, Revocations, RevokedBy, SessionRevoker};

// Clients are shared across tasks by the sandbox.
const _: fn() = || {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Lifecycle>();
};
