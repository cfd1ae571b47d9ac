//! The whole system, locally: the deployed vendor-fn binary under a local
//! Lambda, behind a local API Gateway, on the AWS stand-in of the
//! `iam-gateway` crate (moto, STS, IAM enforced for DynamoDB and S3). This
//! is what `sandbox up`, `sandbox demo` and `vend-latency` run.
//!
//! - [`lambda_host`] is a local Lambda: the Runtime API, and the deployed
//!   vendor-fn binary run as execution environments (one warm process per
//!   concurrent request; a process that dies or overruns the timeout is
//!   replaced), with cold starts measured.
//! - [`api_front`] is a local API Gateway for `/credentials`: API keys and
//!   usage plans read from moto, the plan's throttle ([`throttle`]: token
//!   buckets on a clock tests can hold still), the Lambda proxy event
//!   with `requestContext.identity.apiKeyId`; signed AWS requests on the same
//!   port are relayed to the [`iam_gateway::Gateway`].
//! - [`system`] starts all of it from template.yaml (the function's
//!   environment, timeout, usage plans) and onboards tenants with
//!   tenant-lifecycle; [`demo`] is the guided tour; [`cli`] the commands;
//!   [`api_client`] a tenant's side of the API.
//!
//! Everything listens and connects on 127.0.0.1 only.

pub mod api_client;
pub mod api_front;
pub mod cli;
pub mod demo;
pub mod error;
pub mod lambda_host;
pub mod system;
pub mod throttle;

pub use error::SandboxError;
