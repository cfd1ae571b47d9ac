//! [`Gateway`]: the running AWS stand-in, its endpoint, and the principals
//! it hands credentials to.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::task::JoinHandle;

use crate::bootstrap::{self, Deployment};
use crate::error::GatewayError;
use crate::moto::{MotoClient, MotoServer};
use crate::server;
use crate::sessions::{IssuedCredentials, RoleSession};
use crate::state::State;

/// A running AWS stand-in: moto with the deployment bootstrapped, and the
/// gateway in front of it listening on 127.0.0.1. Dropping it stops both.
#[derive(Debug)]
pub struct Gateway {
    moto: MotoServer,
    state: Arc<State>,
    addr: SocketAddr,
    server: JoinHandle<()>,
}

impl Gateway {
    /// Starts moto from `<root>/.venv`, bootstraps the deployment from
    /// `<root>/template.yaml` and `<root>/policies/`, and listens on
    /// `127.0.0.1:<port>` (0: any free port).
    ///
    /// # Errors
    /// [`GatewayError::MotoMissing`] with the install command when moto is
    /// not installed; other variants when start-up or bootstrap fails.
    pub async fn start_on(root: &Path, port: u16) -> Result<Self, GatewayError> {
        let moto = MotoServer::start(root).await?;
        let client = MotoClient::new(moto.addr());
        let deployment = Deployment::default();
        bootstrap::bootstrap(&client, root, &deployment).await?;
        let state = Arc::new(State::new(client, deployment));
        let (addr, server) = server::serve(port, Arc::clone(&state))
            .await
            .map_err(GatewayError::Listen)?;
        Ok(Self {
            moto,
            state,
            addr,
            server,
        })
    }

    /// [`Gateway::start_on`] any free port.
    ///
    /// # Errors
    /// As [`Gateway::start_on`].
    pub async fn start(root: &Path) -> Result<Self, GatewayError> {
        Self::start_on(root, 0).await
    }

    /// The project root of this checkout (for tests: the workspace root).
    pub fn workspace_root() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
    }

    /// `http://127.0.0.1:<port>`: the endpoint for STS, DynamoDB and S3
    /// (S3 path-style).
    pub fn endpoint_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The names of the deployed resources.
    pub fn deployment(&self) -> &Deployment {
        &self.state.deployment
    }

    /// A client for moto itself (bypasses the gateway: for setup and
    /// benchmarks). Its IAM writes invalidate the gateway's cached roles
    /// once moto has answered, so a revocation written with it refuses the
    /// very next request.
    pub fn moto(&self) -> &MotoClient {
        &self.state.moto
    }

    /// Drops every role document the gateway has read from IAM, so the next
    /// request reads them again. IAM writes through the gateway or through
    /// [`Gateway::moto`] do this on their own; call it after changing IAM in
    /// moto any other way (an SDK client aimed at [`Gateway::moto_addr`]).
    pub fn invalidate_policies(&self) {
        self.state.roles.changes().record();
    }

    /// moto's address.
    pub fn moto_addr(&self) -> SocketAddr {
        self.moto.addr()
    }

    /// Credentials of a session of `role_name` (which must exist in moto)
    /// named `session_name`, without tags, that do not expire: what Lambda
    /// hands a function running as that role.
    ///
    /// # Errors
    /// [`GatewayError::Bootstrap`] when the role does not exist.
    pub async fn role_credentials(
        &self,
        role_name: &str,
        session_name: &str,
    ) -> Result<IssuedCredentials, GatewayError> {
        self.session_credentials(role_name, session_name, None)
            .await
    }

    /// Credentials Lambda hands the code of the function `function_arn`
    /// running as `role_name`: as [`Gateway::role_credentials`], and their
    /// requests carry `lambda:SourceFunctionArn` = `function_arn`, as AWS's
    /// do (only the function's own code gets such credentials).
    ///
    /// # Errors
    /// As [`Gateway::role_credentials`].
    pub async fn function_credentials(
        &self,
        role_name: &str,
        function_arn: &str,
    ) -> Result<IssuedCredentials, GatewayError> {
        let session_name = function_arn.rsplit(':').next().unwrap_or(function_arn);
        self.session_credentials(role_name, session_name, Some(function_arn.to_owned()))
            .await
    }

    async fn session_credentials(
        &self,
        role_name: &str,
        session_name: &str,
        source_function_arn: Option<String>,
    ) -> Result<IssuedCredentials, GatewayError> {
        let role = self
            .state
            .roles
            .role(role_name)
            .await?
            .ok_or_else(|| GatewayError::Bootstrap(format!("no role {role_name}")))?;
        let principal = RoleSession {
            role_name: role_name.to_owned(),
            role_arn: role.arn.clone(),
            role_id: role.role_id.clone(),
            session_name: session_name.to_owned(),
            tags: BTreeMap::new(),
            transitive_tag_keys: Vec::new(),
            source_identity: None,
            session_policy: None,
            token_issue_time: None,
            source_function_arn,
        };
        Ok(self
            .state
            .sessions
            .issue(principal, self.state.clock.now(), None))
    }

    /// Credentials of the vendor function's execution role (session
    /// `VendorFunction`), the principal the tenant role trusts, as Lambda
    /// hands them to the function's code: with `lambda:SourceFunctionArn`,
    /// which the vendor policy's AssumeRole statement requires.
    ///
    /// # Errors
    /// As [`Gateway::role_credentials`].
    pub async fn vendor_credentials(&self) -> Result<IssuedCredentials, GatewayError> {
        let d = &self.state.deployment;
        self.function_credentials(&d.vendor_role, &d.vendor_function_arn())
            .await
    }

    /// Credentials of the key authorizer's execution role, as Lambda hands
    /// them to its code.
    ///
    /// # Errors
    /// As [`Gateway::role_credentials`].
    pub async fn authorizer_credentials(&self) -> Result<IssuedCredentials, GatewayError> {
        let d = &self.state.deployment;
        self.function_credentials(&d.authorizer_role, &d.authorizer_function_arn())
            .await
    }

    /// Credentials of the operator's role (session `operator`), allowed
    /// everything: what `tenantctl` and the AWS CLI act with on the local
    /// system, through the gateway like any caller.
    ///
    /// # Errors
    /// As [`Gateway::role_credentials`].
    pub async fn operator_credentials(&self) -> Result<IssuedCredentials, GatewayError> {
        let role = self.state.deployment.operator_role.clone();
        self.role_credentials(&role, "operator").await
    }

    /// Creates a role with one inline permission policy (for principals
    /// other than the vendor, e.g. one the trust policy does not name).
    ///
    /// # Errors
    /// [`GatewayError`] when moto refuses.
    pub async fn create_role(
        &self,
        role_name: &str,
        permissions: &str,
    ) -> Result<(), GatewayError> {
        let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
        self.state
            .moto
            .iam(
                "CreateRole",
                &[("RoleName", role_name), ("AssumeRolePolicyDocument", trust)],
            )
            .await?;
        self.state
            .moto
            .iam(
                "PutRolePolicy",
                &[
                    ("RoleName", role_name),
                    ("PolicyName", "permissions"),
                    ("PolicyDocument", permissions),
                ],
            )
            .await?;
        Ok(())
    }

    /// The session behind credentials this gateway issued (its role, tags,
    /// source identity and session policy), as a request signed with them
    /// would be seen; `None` when they are unknown or expired.
    pub fn session(&self, credentials: &IssuedCredentials) -> Option<RoleSession> {
        self.state
            .sessions
            .find(
                &credentials.access_key_id,
                Some(credentials.session_token.expose()),
                self.state.clock.now(),
            )
            .ok()
            .map(|session| session.principal.clone())
    }

    /// Moves the gateway's clock forward, so sessions expire without waiting.
    pub fn advance_clock(&self, by: std::time::Duration) {
        self.state.clock.advance(by);
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        self.server.abort();
    }
}
