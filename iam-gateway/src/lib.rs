//! The AWS stand-in: the part of AWS that keeps tenants apart, locally.
//! STS, and IAM enforcement in front of DynamoDB and S3.
//!
//! moto stores the state (tables, items, objects, roles and their policies)
//! but enforces no IAM at all: it drops session tags and ignores
//! `dynamodb:LeadingKeys`, session policies and trust conditions. The
//! [`Gateway`] sits in front of it and does what AWS does:
//!
//! - [`moto`] starts `moto_server` from the project's `.venv/` on a free
//!   loopback port and stops it when the gateway is dropped.
//! - [`bootstrap`] creates what template.yaml deploys (registry table,
//!   pooled data table with an index, bucket, tenant role, vendor role) from
//!   template.yaml and policies/, placeholders filled.
//! - [`server`] listens on one loopback port for all three services and
//!   routes by the service in the SigV4 credential scope. Every request is
//!   authenticated ([`auth`], with [`sigv4`]: signature recomputed with the
//!   caller's secret, session token and expiry checked against
//!   [`sessions`]). What the handlers share is [`state`]; the account and
//!   region are [`account`]'s.
//! - [`sts`] answers AssumeRole (trust policy and the caller's own policies
//!   evaluated with iam-eval; tag, source identity and duration syntax as
//!   STS checks them; one-hour cap for role chaining) and GetCallerIdentity.
//! - [`dynamodb`] and [`s3`] map each request to the IAM actions, resources
//!   and condition keys AWS would check, decide them with [`authz`] (the
//!   role's policies read back from moto, intersected with the session
//!   policy, with the session's tags), and forward only allowed requests.
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
pub mod auth;
pub mod authz;
pub mod bootstrap;
pub mod dynamodb;
pub mod error;
pub mod gateway;
pub mod key_condition;
pub mod moto;
pub mod partiql;
pub mod percent;
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
