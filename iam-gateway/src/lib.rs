//! The AWS stand-in: the part of AWS that keeps tenants apart, locally.
//! STS, and IAM enforcement in front of DynamoDB and S3.
//!
//! moto stores the state (tables, items, objects, roles and their policies)
//! but enforces no IAM at all: it drops session tags and ignores
//! `dynamodb:LeadingKeys`, session policies and trust conditions. The
//! [`Gateway`] sits in front of it and does what AWS does.
//!
//! The tour, from the top:
//!
//! - [`gateway`]: [`Gateway`] starts moto ([`moto`]: `moto_server` from the
//!   project's `.venv/` on a free loopback port, stopped when the gateway is
//!   dropped), creates what template.yaml deploys ([`bootstrap`]: registry
//!   table, pooled data table with an index, bucket, tenant role, vendor
//!   role, from template.yaml and policies/ with placeholders filled), and
//!   hands out credentials for roles ([`sessions`]).
//! - [`server`] listens on one loopback port for all three services and
//!   routes by the service in the SigV4 credential scope.
//! - [`pipeline`] serves every request the same way: read the body,
//!   authenticate ([`auth`], with [`sigv4`]: the signature recomputed with
//!   the session's secret, token and expiry checked), map to IAM checks,
//!   decide them ([`authz`]: the role's policies read back from moto through
//!   [`roles`] and kept by [`role_cache`] until the next IAM write
//!   ([`iam_changes`]), intersected with the session policy, with the
//!   session's tags; plus a trust policy where the check names one), then forward or
//!   refuse. A request the mapper can't fully understand is refused, never
//!   forwarded.
//! - Each service supplies only its mapping and its error format, as an
//!   [`pipeline::AwsService`]: [`sts`] (AssumeRole with STS's syntax and
//!   role-chaining rules, decided against the trust policy and the caller's
//!   own policies, answered with a new session; GetCallerIdentity),
//!   [`dynamodb`] (every operation as the checks AWS makes, with
//!   [`key_condition`] and [`partiql`] for the partition key, bodies kept
//!   parser-independent by [`strict_json`]) and [`s3`] (path-style object
//!   and bucket requests, keys decoded with [`percent`]).
//! - [`state`] is what the steps share; [`account`] the account, region and
//!   partition; [`error`] the gateway's own failures; [`xml`] small helpers.
//!
//! Modules depend one way only; none imports a module that imports it back
//! (each layer uses only layers above it):
//!
//! ```text
//! account, error, iam_changes, key_condition, partiql, percent, strict_json, xml
//! sessions, sigv4
//! moto
//! bootstrap, roles
//! role_cache
//! authz, state
//! auth
//! pipeline
//! sts, dynamodb, s3
//! server
//! gateway
//! ```
//!
//! and no module reaches for this crate root: it only declares and
//! re-exports.
//!
//! Principals: the gateway hands out credentials for a role directly, as
//! Lambda hands them to a function ([`Gateway::role_credentials`]): an
//! `assumed-role/<role>/<session>` session with a token that lives as long
//! as the gateway. [`Gateway::vendor_credentials`] is the vendor function's
//! execution role, the principal the tenant role's trust policy names.
//!
//! The whole system on top of it (local Lambda, local API Gateway,
//! `sandbox up`) is the `sandbox` crate. Everything listens and connects on
//! 127.0.0.1 only.

pub mod account;
pub mod apigateway;
pub mod auth;
pub mod authz;
pub mod bootstrap;
pub mod dynamodb;
pub mod error;
pub mod gateway;
pub mod iam;
pub mod iam_changes;
pub mod key_condition;
pub mod moto;
pub mod partiql;
pub mod percent;
pub mod pipeline;
pub mod role_cache;
pub mod roles;
pub mod s3;
pub mod server;
pub mod sessions;
pub mod sigv4;
pub mod state;
pub mod strict_json;
pub mod sts;
pub mod xml;

pub use account::{ACCOUNT_ID, PARTITION, REGION};
pub use bootstrap::Deployment;
pub use error::GatewayError;
pub use gateway::Gateway;
pub use sessions::{IssuedCredentials, Secret};
