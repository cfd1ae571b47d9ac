//! A refreshing credentials provider for aws-config.

use std::fmt;
use std::sync::Arc;

use aws_credential_types::provider::{self, ProvideCredentials, future};

use crate::{Error, Settings, Vended, VendorClient};

/// The provider name the SDK records on the credentials it gets here.
pub const PROVIDER_NAME: &str = "tenant-credentials";

/// Fetches the tenant's credentials from the vendor whenever the SDK asks.
///
/// The credentials carry their expiry, so the SDK's identity cache (which
/// wraps every provider in an `SdkConfig`) serves them until shortly before
/// they expire and then calls again: a long-running client never holds
/// expired credentials and never asks the vendor per request.
///
/// ```no_run
/// # async fn run() -> Result<(), tenant_credentials::Error> {
/// let provider = tenant_credentials::TenantCredentialsProvider::from_env()?;
/// let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
///     .credentials_provider(provider)
///     .load()
///     .await;
/// # Ok(()) }
/// ```
///
/// Cloning is cheap and shares one HTTP connection pool.
#[derive(Clone)]
pub struct TenantCredentialsProvider {
    client: Arc<VendorClient>,
}

impl fmt::Debug for TenantCredentialsProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TenantCredentialsProvider")
            .field("client", &self.client)
            .finish()
    }
}

impl TenantCredentialsProvider {
    /// A provider over `client`.
    pub fn new(client: VendorClient) -> Self {
        Self {
            client: Arc::new(client),
        }
    }

    /// A provider for the settings in the environment (`CREDENTIALS_ENDPOINT`,
    /// `TENANT_API_KEY`, optionally `DURATION_SECONDS` and `SCOPE`).
    ///
    /// # Errors
    /// [`Error::Config`] naming the variable that is missing or invalid.
    pub fn from_env() -> Result<Self, Error> {
        Ok(Self::new(VendorClient::new(Settings::from_env()?)))
    }

    /// Fetches the whole body now: the credentials and what they reach
    /// (`Resources`: the table, the partition key, the bucket and prefix),
    /// for an app that learns its resources from the vendor.
    ///
    /// # Errors
    /// What [`VendorClient::fetch`] returns.
    pub async fn vend(&self) -> Result<Vended, Error> {
        self.client.fetch().await
    }

    /// Fetches credentials now, as the SDK would.
    ///
    /// # Errors
    /// What [`VendorClient::fetch`] returns.
    pub async fn credentials(&self) -> Result<aws_credential_types::Credentials, Error> {
        let vended = self.vend().await?;
        Ok(vended.body.to_sdk_credentials(PROVIDER_NAME))
    }
}

impl ProvideCredentials for TenantCredentialsProvider {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::new(async move {
            self.credentials()
                .await
                .map_err(provider::error::CredentialsError::from)
        })
    }
}
