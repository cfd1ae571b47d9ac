//! A local stand-in for the part of AWS that keeps tenants apart: STS, and
//! IAM enforcement in front of DynamoDB and S3.
//!
//! moto stores the state (tables, items, objects, roles and their policies)
//! but enforces no IAM at all: it drops session tags and ignores
//! `dynamodb:LeadingKeys`, session policies and trust conditions. The
//! sandbox puts a gateway in front of it that does what AWS does:
//!
//! - [`moto`] starts `moto_server` from the project's `.venv/` on a free
//!   loopback port and stops it when the sandbox is dropped.
//! - [`bootstrap`] creates what template.yaml deploys (registry table,
//!   pooled data table with an index, bucket, tenant role, vendor role) from
//!   template.yaml and policies/, placeholders filled.
//!
//! Everything listens and connects on 127.0.0.1 only.

pub mod bootstrap;
pub mod error;
pub mod moto;
pub mod roles;
pub mod sessions;
pub mod sigv4;
pub mod xml;

use std::path::{Path, PathBuf};

pub use bootstrap::Deployment;
pub use error::SandboxError;
pub use sessions::{IssuedCredentials, Secret};

use moto::{MotoClient, MotoServer};

/// The account moto (and so the sandbox) uses.
pub const ACCOUNT_ID: &str = "123456789012";
/// The only region the sandbox serves.
pub const REGION: &str = "us-east-1";
/// The partition.
pub const PARTITION: &str = "aws";

/// A running sandbox: moto with the deployment bootstrapped.
#[derive(Debug)]
pub struct Sandbox {
    moto: MotoServer,
    client: MotoClient,
    deployment: Deployment,
}

impl Sandbox {
    /// Starts moto from `<root>/.venv` and bootstraps the deployment from
    /// `<root>/template.yaml` and `<root>/policies/`.
    ///
    /// # Errors
    /// [`SandboxError::MotoMissing`] with the install command when moto is
    /// not installed; other variants when start-up or bootstrap fails.
    pub async fn start(root: &Path) -> Result<Self, SandboxError> {
        let moto = MotoServer::start(root).await?;
        let client = MotoClient::new(moto.addr());
        let deployment = Deployment::default();
        bootstrap::bootstrap(&client, root, &deployment).await?;
        Ok(Self { moto, client, deployment })
    }

    /// The project root of this checkout (for tests: the workspace root).
    pub fn workspace_root() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
    }

    /// The names of the deployed resources.
    pub fn deployment(&self) -> &Deployment {
        &self.deployment
    }

    /// A client for moto itself (bypasses the gateway: for setup and benchmarks).
    pub fn moto(&self) -> &MotoClient {
        &self.client
    }

    /// moto's address.
    pub fn moto_addr(&self) -> std::net::SocketAddr {
        self.moto.addr()
    }
}
