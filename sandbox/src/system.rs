//! The whole system on one loopback endpoint: the AWS stand-in
//! ([`Gateway`]: moto, STS, DynamoDB and S3 with IAM enforced), the REST API's usage plans in moto,
//! the deployed vendor-fn binary under the [`LambdaHost`], and the
//! [`ApiFront`] that turns `x-api-key` requests into proxy events.
//!
//! Tenants are onboarded with tenant-lifecycle, the code behind tenantctl,
//! against moto (API key, usage plan membership, registry item, silo table).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use serde_json::{Value, json};
use tenant_lifecycle::{Clients, Email, Lifecycle, OnboardRequest, Resources, Silent, TenantName};
use tenant_registry::{Isolation, Tier};
use tokio::task::JoinHandle;

use iam_gateway::bootstrap::Deployment;
use iam_gateway::{ACCOUNT_ID, Gateway, IssuedCredentials, REGION};

use crate::api_front::{self, ApiFront, ApiKeyStore, KeySource, Throttle};
use crate::error::SandboxError;
use crate::lambda_host::{FunctionSpec, LambdaHost};
use crate::throttle::ThrottleClock;

/// The name of the vendor-fn executable Cargo builds.
pub const VENDOR_FN_BINARY: &str = "vendor-fn";
/// Overrides where the vendor-fn executable is looked for.
pub const VENDOR_FN_BINARY_VAR: &str = "VENDOR_FN_BINARY";
/// The name of the key authorizer executable (vendor-fn's second binary).
pub const KEY_AUTHORIZER_BINARY: &str = "key-authorizer";
/// Overrides where the key authorizer executable is looked for.
pub const KEY_AUTHORIZER_BINARY_VAR: &str = "KEY_AUTHORIZER_BINARY";

/// How to start the system.
#[derive(Debug, Clone)]
pub struct Options {
    /// Port on 127.0.0.1 of the one endpoint (0: any free port).
    pub port: u16,
    /// The vendor-fn executable; [`locate_vendor_fn`] when `None`.
    pub vendor_fn: Option<PathBuf>,
    /// The key authorizer executable; [`locate_key_authorizer`] when `None`.
    pub key_authorizer: Option<PathBuf>,
    /// API key source AUTHORIZER (template.yaml's, the default): every
    /// request goes through the key authorizer. `false` reads `x-api-key`
    /// only, with no authorizer: the baseline `vend-latency` compares with.
    pub use_key_authorizer: bool,
    /// Start one instance of each function before the first request.
    pub prewarm: bool,
    /// The clock of the usage plans' throttle (the real one by default;
    /// [`ThrottleClock::manual`] holds it still for tests).
    pub throttle_clock: ThrottleClock,
    /// Variables set on the vendor function on top of template.yaml's, replacing
    /// one of the same name (tests show the function reads them).
    pub function_environment: Vec<(String, String)>,
    /// For measurements only: this throttle for every usage plan and the
    /// stage instead of template.yaml's, so a load test measures the
    /// system rather than the throttle. `None` (the default) keeps the
    /// deployed throttles.
    pub throttle: Option<Throttle>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            port: 0,
            vendor_fn: None,
            key_authorizer: None,
            use_key_authorizer: true,
            prewarm: true,
            throttle_clock: ThrottleClock::default(),
            function_environment: Vec::new(),
            throttle: None,
        }
    }
}

/// A usage plan of the deployed API, one per tier.
#[derive(Debug, Clone)]
pub struct UsagePlan {
    /// The tier it serves.
    pub tier: Tier,
    /// Its ID in moto.
    pub id: String,
    /// Its throttle, from template.yaml.
    pub throttle: Throttle,
}

/// A tenant onboarded into the running system.
#[derive(Clone)]
pub struct Tenant {
    /// The tenant's name.
    pub name: String,
    /// The API key ID (registry key, session tag, partition).
    pub api_key_id: String,
    /// The API key value: the tenant's secret.
    pub api_key: String,
    /// Its tier.
    pub tier: Tier,
    /// Pooled or siloed.
    pub isolation: Isolation,
}

impl std::fmt::Debug for Tenant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tenant")
            .field("name", &self.name)
            .field("api_key_id", &self.api_key_id)
            .field("api_key", &"<redacted>")
            .field("tier", &self.tier)
            .field("isolation", &self.isolation)
            .finish()
    }
}

/// The running system. Dropping it stops the API, every function instance
/// and moto.
#[derive(Debug)]
pub struct System {
    gateway: Gateway,
    front: Arc<ApiFront>,
    addr: std::net::SocketAddr,
    server: JoinHandle<()>,
    plans: Vec<UsagePlan>,
    moto_config: SdkConfig,
    operator: IssuedCredentials,
    lifecycle: Lifecycle,
}

impl System {
    /// Starts the AWS stand-in from `root`, creates the API's usage plans,
    /// prepares the vendor function and serves the API and the AWS services
    /// on `127.0.0.1:<port>`.
    ///
    /// # Errors
    /// [`SandboxError`] when moto, the bootstrap, the function or the
    /// listener fails.
    pub async fn start(root: &Path, options: Options) -> Result<Self, SandboxError> {
        let binary = match options.vendor_fn {
            Some(path) => path,
            None => locate_vendor_fn()?,
        };
        let template = read_template(root)?;
        let gateway = Gateway::start(root).await?;
        let moto_config = moto_sdk_config(gateway.moto_addr());
        let apigateway = aws_sdk_apigateway::Client::new(&moto_config);
        let (api_id, plans) = create_api(&apigateway, &template, options.throttle).await?;

        let spec =
            function_spec(&gateway, &template, binary, &options.function_environment).await?;
        let host = Arc::new(LambdaHost::new(spec));
        if options.prewarm {
            host.prewarm()
                .await
                .map_err(|e| SandboxError::Bootstrap(format!("vendor-fn: {e}")))?;
        }
        let key_source = if options.use_key_authorizer {
            let binary = match options.key_authorizer {
                Some(path) => path,
                None => locate_key_authorizer()?,
            };
            let spec = authorizer_spec(&gateway, &template, binary).await?;
            let authorizer = Arc::new(LambdaHost::new(spec));
            if options.prewarm {
                authorizer
                    .prewarm()
                    .await
                    .map_err(|e| SandboxError::Bootstrap(format!("key-authorizer: {e}")))?;
            }
            KeySource::Authorizer(authorizer)
        } else {
            KeySource::Header
        };
        let aws_endpoint = gateway
            .endpoint_url()
            .trim_start_matches("http://")
            .parse()
            .map_err(|e| SandboxError::Bootstrap(format!("sandbox endpoint: {e}")))?;
        let keys = ApiKeyStore::new(apigateway, plans.iter().map(|p| p.id.clone()).collect());
        let front = Arc::new(
            ApiFront::new(
                keys,
                host,
                key_source,
                options
                    .throttle
                    .unwrap_or_else(|| stage_throttle(&template)),
                aws_endpoint,
                api_id,
            )
            .with_throttle_clock(options.throttle_clock.clone()),
        );
        let (addr, server) = api_front::serve(options.port, Arc::clone(&front))
            .await
            .map_err(SandboxError::Listen)?;

        let d = gateway.deployment();
        let plan_of = |tier: Tier| plans.iter().find(|p| p.tier == tier).map(|p| p.id.clone());
        let resources = Resources {
            tenant_table: Some(d.tenant_table.clone()),
            data_table: Some(d.data_table.clone()),
            silo_table_prefix: Some(d.silo_table_prefix.clone()),
            basic_usage_plan: plan_of(Tier::Basic),
            standard_usage_plan: plan_of(Tier::Standard),
            premium_usage_plan: plan_of(Tier::Premium),
            tenant_role_name: Some(d.tenant_role.clone()),
        };
        // The life cycle acts as the operator does on AWS: through the
        // gateway, with credentials its policies decide (and every IAM
        // write passing where the gateway sees it).
        let operator = gateway.operator_credentials().await?;
        let operator_config = sdk_config(&gateway.endpoint_url(), operator.to_sdk());
        let lifecycle = Lifecycle::new(Clients::from_conf(&operator_config), resources)
            .map_err(|e| SandboxError::Bootstrap(format!("tenant-lifecycle: {e}")))?
            .with_poll_interval(Duration::from_millis(50));
        Ok(Self {
            gateway,
            front,
            addr,
            server,
            plans,
            moto_config,
            operator,
            lifecycle,
        })
    }

    /// `http://127.0.0.1:<port>`: the credentials API and, for SigV4-signed
    /// requests, STS, DynamoDB and S3 (path-style).
    pub fn endpoint_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The URL tenants call: `<endpoint>/credentials`.
    pub fn credentials_url(&self) -> String {
        format!("{}{}", self.endpoint_url(), api_front::CREDENTIALS_PATH)
    }

    /// The AWS stand-in underneath (moto, deployment names, role credentials).
    pub fn gateway(&self) -> &Gateway {
        &self.gateway
    }

    /// The project root of this checkout (for tests: the workspace root).
    pub fn workspace_root() -> PathBuf {
        Gateway::workspace_root()
    }

    /// The deployed resources' names.
    pub fn deployment(&self) -> &Deployment {
        self.gateway.deployment()
    }

    /// The local Lambda running vendor-fn.
    pub fn host(&self) -> &LambdaHost {
        self.front.host()
    }

    /// The local Lambda running the key authorizer (none with
    /// [`Options::use_key_authorizer`] off).
    pub fn authorizer_host(&self) -> Option<&LambdaHost> {
        self.front.authorizer_host().map(AsRef::as_ref)
    }

    /// The usage plans, one per tier.
    pub fn usage_plans(&self) -> &[UsagePlan] {
        &self.plans
    }

    /// The operator's life-cycle commands against this system (tenantctl's code).
    pub fn lifecycle(&self) -> &Lifecycle {
        &self.lifecycle
    }

    /// SDK configuration that talks to moto directly, as an administrator
    /// (no IAM enforced): for setup and for what tests must arrange. After
    /// changing IAM with it, call `gateway().invalidate_policies()`: the
    /// gateway can't see writes that bypass it.
    pub fn admin_config(&self) -> &SdkConfig {
        &self.moto_config
    }

    /// Onboards a tenant through tenant-lifecycle and returns its key.
    ///
    /// # Errors
    /// [`SandboxError::Bootstrap`] with the life-cycle error.
    pub async fn onboard(
        &self,
        name: &str,
        tier: Tier,
        isolation: Isolation,
    ) -> Result<Tenant, SandboxError> {
        let fail = |e: tenant_lifecycle::LifecycleError| {
            SandboxError::Bootstrap(format!("onboarding {name}: {e}"))
        };
        let slug: String = name
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_ascii_lowercase();
        let request = OnboardRequest {
            name: TenantName::parse(name).map_err(fail)?,
            email: Email::parse(&format!("ops@{slug}.example")).map_err(fail)?,
            contact: None,
            tier,
            isolation,
        };
        let onboarded = self
            .lifecycle
            .onboard(&request, &Silent)
            .await
            .map_err(fail)?;
        Ok(Tenant {
            name: name.to_owned(),
            api_key_id: onboarded.record.api_key_id.as_str().to_owned(),
            api_key: onboarded.api_key.expose().to_owned(),
            tier,
            isolation,
        })
    }

    /// Onboards the demo tenants: Acme (standard, pooled) and Globex
    /// (premium, siloed).
    ///
    /// # Errors
    /// As [`System::onboard`].
    pub async fn onboard_demo_tenants(&self) -> Result<Vec<Tenant>, SandboxError> {
        Ok(vec![
            self.onboard("Acme", Tier::Standard, Isolation::Pooled)
                .await?,
            self.onboard("Globex", Tier::Premium, Isolation::Siloed)
                .await?,
        ])
    }

    /// Environment variables under which `tenantctl` and the AWS CLI act as
    /// the operator on this system: the endpoint, the operator's
    /// credentials (a session allowed everything, decided by the gateway
    /// like any caller's), the region, and the resource names tenantctl
    /// reads (DESIGN.md, `operatorEnv`).
    pub fn operator_env(&self) -> Vec<(&'static str, String)> {
        let d = self.deployment();
        let plan_of = |tier: Tier| {
            self.plans
                .iter()
                .find(|p| p.tier == tier)
                .map(|p| p.id.clone())
                .unwrap_or_default()
        };
        vec![
            ("AWS_ENDPOINT_URL", self.endpoint_url()),
            ("AWS_REGION", REGION.to_owned()),
            ("AWS_DEFAULT_REGION", REGION.to_owned()),
            ("AWS_ACCESS_KEY_ID", self.operator.access_key_id.clone()),
            (
                "AWS_SECRET_ACCESS_KEY",
                self.operator.secret_access_key.expose().to_owned(),
            ),
            (
                "AWS_SESSION_TOKEN",
                self.operator.session_token.expose().to_owned(),
            ),
            // Nothing on loopback answers the instance metadata service.
            ("AWS_EC2_METADATA_DISABLED", "true".to_owned()),
            ("TENANT_TABLE", d.tenant_table.clone()),
            ("DATA_TABLE", d.data_table.clone()),
            ("SILO_TABLE_PREFIX", d.silo_table_prefix.clone()),
            ("BASIC_USAGE_PLAN_ID", plan_of(Tier::Basic)),
            ("STANDARD_USAGE_PLAN_ID", plan_of(Tier::Standard)),
            ("PREMIUM_USAGE_PLAN_ID", plan_of(Tier::Premium)),
            ("TENANT_ROLE_NAME", d.tenant_role.clone()),
        ]
    }

    /// The state file's document: where everything is, the tenants' keys
    /// and the operator's environment.
    pub fn state(&self, tenants: &[Tenant]) -> Value {
        let d = self.deployment();
        let operator_env: serde_json::Map<String, Value> = self
            .operator_env()
            .into_iter()
            .map(|(k, v)| (k.to_owned(), Value::String(v)))
            .collect();
        json!({
            "operatorEnv": operator_env,
            "endpoint": self.endpoint_url(),
            "region": REGION,
            "credentialsUrl": self.credentials_url(),
            "tenantTable": d.tenant_table,
            "dataTable": d.data_table,
            "bucket": d.bucket,
            "tenantRoleArn": d.tenant_role_arn(),
            "tenants": tenants.iter().map(|t| json!({
                "name": t.name,
                "apiKeyId": t.api_key_id,
                "apiKey": t.api_key,
                "tier": t.tier.as_str(),
                "isolation": t.isolation.as_str(),
            })).collect::<Vec<_>>(),
        })
    }

    /// Stops the API and kills every function instance (moto stops when
    /// the system is dropped).
    pub fn shutdown(&self) {
        self.server.abort();
        self.host().shutdown();
        if let Some(authorizer) = self.authorizer_host() {
            authorizer.shutdown();
        }
    }
}

impl Drop for System {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Finds the vendor-fn executable: `$VENDOR_FN_BINARY`, else beside the
/// running executable (`target/<profile>/`), else one level up (a test
/// binary in `target/<profile>/deps/`).
///
/// # Errors
/// [`SandboxError::Bootstrap`] saying how to build it.
pub fn locate_vendor_fn() -> Result<PathBuf, SandboxError> {
    locate_binary(VENDOR_FN_BINARY, VENDOR_FN_BINARY_VAR)
}

/// Finds the key authorizer executable, as [`locate_vendor_fn`] does
/// (`$KEY_AUTHORIZER_BINARY` overrides).
///
/// # Errors
/// [`SandboxError::Bootstrap`] saying how to build it.
pub fn locate_key_authorizer() -> Result<PathBuf, SandboxError> {
    locate_binary(KEY_AUTHORIZER_BINARY, KEY_AUTHORIZER_BINARY_VAR)
}

fn locate_binary(name: &str, variable: &str) -> Result<PathBuf, SandboxError> {
    if let Some(path) = std::env::var_os(variable) {
        return Ok(PathBuf::from(path));
    }
    let exe = std::env::current_exe()
        .map_err(|e| SandboxError::Bootstrap(format!("current executable: {e}")))?;
    let candidates: Vec<PathBuf> = exe
        .ancestors()
        .skip(1)
        .take(2)
        .map(|dir| dir.join(name))
        .collect();
    candidates.iter().find(|p| p.is_file()).cloned().ok_or_else(|| {
        SandboxError::Bootstrap(format!(
            "{name} executable not found (looked at {}); build it with `cargo build -p vendor-fn` \
             (same profile as the sandbox) or set {variable}",
            candidates.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
        ))
    })
}

fn moto_sdk_config(addr: std::net::SocketAddr) -> SdkConfig {
    let credentials = aws_credential_types::Credentials::new(
        "LOCALSANDBOXADMIN001",
        "sandbox-admin-secret",
        None,
        None,
        "sandbox-admin",
    );
    sdk_config(&format!("http://{addr}"), credentials)
}

fn sdk_config(endpoint: &str, credentials: aws_credential_types::Credentials) -> SdkConfig {
    SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(REGION))
        .endpoint_url(endpoint)
        .credentials_provider(
            aws_credential_types::provider::SharedCredentialsProvider::new(credentials),
        )
        .build()
}

fn read_template(root: &Path) -> Result<Value, SandboxError> {
    let path = root.join("template.yaml");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| SandboxError::Bootstrap(format!("reading {}: {e}", path.display())))?;
    let yaml: serde_yaml_ng::Value = serde_yaml_ng::from_str(&text)
        .map_err(|e| SandboxError::Bootstrap(format!("template.yaml: {e}")))?;
    serde_json::to_value(yaml).map_err(|e| SandboxError::Bootstrap(format!("template.yaml: {e}")))
}

fn throttle_of(value: &Value) -> Option<Throttle> {
    let number = |v: &Value| v.as_f64().or_else(|| v.as_str()?.parse().ok());
    Some(Throttle {
        rate: number(
            value
                .get("RateLimit")
                .or_else(|| value.get("ThrottlingRateLimit"))?,
        )?,
        burst: number(
            value
                .get("BurstLimit")
                .or_else(|| value.get("ThrottlingBurstLimit"))?,
        )?,
    })
}

fn stage_throttle(template: &Value) -> Throttle {
    template["Resources"]["CredentialsApi"]["Properties"]["MethodSettings"]
        .as_array()
        .and_then(|s| s.first())
        .and_then(throttle_of)
        .unwrap_or(Throttle {
            rate: 10_000.0,
            burst: 5_000.0,
        })
}

/// Creates the REST API and one usage plan per tier, with template.yaml's
/// throttles (or `raised` for all of them), in moto.
async fn create_api(
    client: &aws_sdk_apigateway::Client,
    template: &Value,
    raised: Option<Throttle>,
) -> Result<(String, Vec<UsagePlan>), SandboxError> {
    let fail = |what: &str, e: &dyn std::fmt::Display| {
        SandboxError::Bootstrap(format!("api gateway {what}: {e}"))
    };
    let api = client
        .create_rest_api()
        .name("CredentialsApi")
        .send()
        .await
        .map_err(|e| {
            fail(
                "CreateRestApi",
                &aws_smithy_types::error::display::DisplayErrorContext(e),
            )
        })?;
    let api_id = api.id().unwrap_or_default().to_owned();
    let mut plans = Vec::new();
    for (tier, logical_id) in [
        (Tier::Basic, "BasicUsagePlan"),
        (Tier::Standard, "StandardUsagePlan"),
        (Tier::Premium, "PremiumUsagePlan"),
    ] {
        let throttle = throttle_of(&template["Resources"][logical_id]["Properties"]["Throttle"])
            .ok_or_else(|| {
                SandboxError::Bootstrap(format!("template.yaml: {logical_id} has no Throttle"))
            })?;
        let throttle = raised.unwrap_or(throttle);
        let plan = client
            .create_usage_plan()
            .name(format!("sandbox-{}", tier.as_str()))
            .description(format!("Tier {}", tier.as_str()))
            .throttle(
                aws_sdk_apigateway::types::ThrottleSettings::builder()
                    .rate_limit(throttle.rate)
                    .burst_limit(float_to_i32(throttle.burst))
                    .build(),
            )
            .send()
            .await
            .map_err(|e| {
                fail(
                    "CreateUsagePlan",
                    &aws_smithy_types::error::display::DisplayErrorContext(e),
                )
            })?;
        plans.push(UsagePlan {
            tier,
            id: plan.id().unwrap_or_default().to_owned(),
            throttle,
        });
    }
    Ok((api_id, plans))
}

#[allow(clippy::cast_possible_truncation)]
fn float_to_i32(value: f64) -> i32 {
    value.round().clamp(0.0, f64::from(i32::MAX)) as i32
}

/// The vendor function as template.yaml configures it: its environment
/// variables with references resolved to the deployment's names, its
/// timeout and memory; plus the execution role's credentials and the
/// gateway's endpoint, as Lambda would give them.
async fn function_spec(
    gateway: &Gateway,
    template: &Value,
    binary: PathBuf,
    overrides: &[(String, String)],
) -> Result<FunctionSpec, SandboxError> {
    let d = gateway.deployment();
    let credentials = gateway.vendor_credentials().await?;
    spec_of(
        gateway,
        template,
        "VendorFunction",
        binary,
        &d.vendor_session_name,
        &credentials,
        overrides,
    )
}

/// The key authorizer function, likewise.
async fn authorizer_spec(
    gateway: &Gateway,
    template: &Value,
    binary: PathBuf,
) -> Result<FunctionSpec, SandboxError> {
    let d = gateway.deployment();
    let credentials = gateway.authorizer_credentials().await?;
    spec_of(
        gateway,
        template,
        "KeyAuthorizerFunction",
        binary,
        &d.authorizer_function,
        &credentials,
        &[],
    )
}

fn spec_of(
    gateway: &Gateway,
    template: &Value,
    logical_id: &str,
    binary: PathBuf,
    name: &str,
    credentials: &IssuedCredentials,
    overrides: &[(String, String)],
) -> Result<FunctionSpec, SandboxError> {
    let d = gateway.deployment();
    let globals = &template["Globals"]["Function"];
    let function = &template["Resources"][logical_id]["Properties"];
    let number = |key: &str, default: u64| {
        function[key]
            .as_u64()
            .or_else(|| globals[key].as_u64())
            .unwrap_or(default)
    };
    let mut environment = Vec::new();
    if let Some(variables) = function["Environment"]["Variables"].as_object() {
        for (variable, value) in variables {
            environment.push((variable.clone(), resolve(value, d)?));
        }
    }
    for (variable, value) in overrides {
        environment.retain(|(n, _)| n != variable);
        environment.push((variable.clone(), value.clone()));
    }
    environment.extend([
        ("AWS_REGION".to_owned(), REGION.to_owned()),
        ("AWS_DEFAULT_REGION".to_owned(), REGION.to_owned()),
        (
            "AWS_ACCESS_KEY_ID".to_owned(),
            credentials.access_key_id.clone(),
        ),
        (
            "AWS_SECRET_ACCESS_KEY".to_owned(),
            credentials.secret_access_key.expose().to_owned(),
        ),
        (
            "AWS_SESSION_TOKEN".to_owned(),
            credentials.session_token.expose().to_owned(),
        ),
        ("AWS_ENDPOINT_URL".to_owned(), gateway.endpoint_url()),
    ]);
    Ok(FunctionSpec {
        binary,
        name: name.to_owned(),
        arn: Deployment::function_arn(name),
        memory_mb: u32::try_from(number("MemorySize", 256)).unwrap_or(256),
        timeout: Duration::from_secs(number("Timeout", 10)),
        init_timeout: Duration::from_secs(10),
        environment,
    })
}

/// A template value: a literal, `Ref` or `Fn::GetAtt [X, Arn]`, with the
/// sandbox's names.
fn resolve(value: &Value, d: &Deployment) -> Result<String, SandboxError> {
    if let Some(text) = value.as_str() {
        return Ok(text.to_owned());
    }
    if let Some(n) = value.as_i64() {
        return Ok(n.to_string());
    }
    let unknown = || {
        SandboxError::Bootstrap(format!(
            "template.yaml: VendorFunction variable {value} is not supported"
        ))
    };
    if let Some(name) = value["Ref"].as_str() {
        return Ok(match name {
            "TenantTable" => d.tenant_table.clone(),
            "TenantDataTable" => d.data_table.clone(),
            "TenantBucket" => d.bucket.clone(),
            "SiloTablePrefix" => d.silo_table_prefix.clone(),
            "AWS::Region" => REGION.to_owned(),
            "AWS::AccountId" => ACCOUNT_ID.to_owned(),
            _ => return Err(unknown()),
        });
    }
    match value["Fn::GetAtt"].as_array().map(Vec::as_slice) {
        Some([resource, attribute]) if attribute == "Arn" => match resource.as_str() {
            Some("TenantRole") => Ok(d.tenant_role_arn()),
            Some("VendorFunctionRole") => Ok(d.vendor_role_arn()),
            _ => Err(unknown()),
        },
        _ => Err(unknown()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template() -> Value {
        read_template(&Gateway::workspace_root()).expect("template.yaml reads")
    }

    #[test]
    fn every_tier_has_the_templates_throttle() {
        let t = template();
        let basic =
            throttle_of(&t["Resources"]["BasicUsagePlan"]["Properties"]["Throttle"]).unwrap();
        assert_eq!(
            basic,
            Throttle {
                rate: 2.0,
                burst: 5.0
            }
        );
        assert_eq!(
            stage_throttle(&t),
            Throttle {
                rate: 200.0,
                burst: 400.0
            }
        );
    }

    #[test]
    fn the_functions_variables_resolve_to_the_sandboxs_names() {
        let t = template();
        let d = Deployment::default();
        let vars = t["Resources"]["VendorFunction"]["Properties"]["Environment"]["Variables"]
            .as_object()
            .unwrap();
        let resolved: std::collections::HashMap<_, _> = vars
            .iter()
            .map(|(k, v)| (k.as_str(), resolve(v, &d).unwrap()))
            .collect();
        assert_eq!(resolved["TENANT_TABLE"], d.tenant_table);
        assert_eq!(resolved["TENANT_ROLE_ARN"], d.tenant_role_arn());
        assert_eq!(resolved["DATA_BUCKET"], d.bucket);
        assert_eq!(resolved["SILO_TABLE_PREFIX"], d.silo_table_prefix);
    }
}
