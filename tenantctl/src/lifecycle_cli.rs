//! `tenantctl onboard | suspend | resume | offboard | list | show |
//! prune-revocations | backfill-key-hashes`: thin wrappers over the `tenant-lifecycle` library.
//!
//! Each command finds the deployment (`--stack` outputs and/or explicit
//! names), runs one library call, prints the result as a table or JSON on
//! stdout and progress lines on stderr, and exits with the error's code
//! (see `exit_codes!`). The API key value is printed by `onboard` only, once.

use std::process::ExitCode;

use aws_config::{BehaviorVersion, Region};
use clap::{Args, Subcommand, ValueEnum};
use serde_json::{Value, json};
use tenant_lifecycle::{
    Backfill, Clients, Contact, DataDeletion, Email, Lifecycle, LifecycleError, Offboarding,
    OnboardRequest, Onboarded, Progress, Pruned, Resources, Retired, Rotated, StatusChange,
    TenantKeys, TenantName, TenantRef, role_name_from_arn,
};
use tenant_registry::{ApiKeyId, Isolation, TenantRecord, Tier};

// Macros, not consts, so `concat!` can join them into each command's help.
macro_rules! exit_codes {
    () => {
        "Exit codes:
  0  done
  2  invalid input or missing configuration (unknown tier, invalid email, no --tenant-table, ...)
  3  no such tenant
  4  duplicate name, or the tenant's status does not allow the command
  5  an AWS call failed; nothing was left half-done (onboard rolled back)
  6  an AWS call failed and some changes remain: re-run the same command"
    };
}

macro_rules! deployment_help {
    () => {
        "Resources come from --stack (the CloudFormation outputs of template.yaml) and/or
explicit flags or environment variables, which win over the stack's outputs.
Credentials and region come from the usual AWS sources (AWS_PROFILE, AWS_REGION, ...);
--endpoint-url or AWS_ENDPOINT_URL points every call at a local stand-in."
    };
}

macro_rules! help {
    ($examples:literal) => {
        concat!(
            "Examples:\n",
            $examples,
            "\n\n",
            exit_codes!(),
            "\n\n",
            deployment_help!()
        )
    };
}

/// The tenant life-cycle subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum LifecycleCommand {
    /// Create a tenant: API key, usage plan membership, registry item, and a table if siloed.
    #[command(after_help = help!("  tenantctl onboard --stack tcv --name Acme --email ops@acme.example --tier standard
  tenantctl onboard --stack tcv --name Globex --email it@globex.example --tier premium \\
      --isolation siloed --contact 'Hank, +1 555 0100' --output json
Re-running the same command after a crash or a failed rollback cleans up and finishes."))]
    Onboard(OnboardArgs),
    /// Refuse a tenant: registry status suspended and API key disabled.
    #[command(after_help = help!("  tenantctl suspend --stack tcv k1a2b3c4d5
  tenantctl suspend --stack tcv --name Acme --revoke-sessions   # also cut off issued credentials"))]
    Suspend(SuspendArgs),
    /// Let a suspended tenant back in: status active and API key enabled.
    #[command(after_help = help!("  tenantctl resume --stack tcv --name Acme"))]
    Resume(ResumeArgs),
    /// Retire a tenant for good: status offboarded, API key and plan membership removed.
    #[command(after_help = help!("  tenantctl offboard --stack tcv --name Acme
  tenantctl offboard --stack tcv k1a2b3c4d5 --delete-data --revoke-sessions"))]
    Offboard(OffboardArgs),
    /// Replace a tenant's API key: a new key in the same usage plan, reaching the same data.
    #[command(after_help = help!("  tenantctl rotate-key --stack tcv --name Acme
  tenantctl rotate-key --stack tcv --name Acme --output json   # {\"apiKeyId\", \"apiKey\", \"previousApiKeyId\"}
Both keys vend until the old one is retired (retire-key). The new key's value
is shown this once. Re-running after a crash cleans up and rotates."))]
    RotateKey(RotateKeyArgs),
    /// Retire a tenant's old API key after a rotation: registry item retired, key disabled and deleted.
    #[command(after_help = help!("  tenantctl retire-key --stack tcv --name Acme --api-key-id k1a2b3c4d5
  tenantctl retire-key --stack tcv --name Acme --api-key-id k1a2b3c4d5 --revoke-sessions
--revoke-sessions denies the sessions that key vended, and only those. The
current key can't be retired."))]
    RetireKey(RetireKeyArgs),
    /// List every tenant in the registry (never API key values).
    #[command(after_help = help!("  tenantctl list --stack tcv
  TENANT_TABLE=tcv-TenantTable-1ABC tenantctl list --output json"))]
    List(ListArgs),
    /// Show one tenant's registry record (never its API key value).
    #[command(after_help = help!("  tenantctl show --stack tcv k1a2b3c4d5
  tenantctl show --stack tcv --name Acme --output json"))]
    Show(ShowArgs),
    /// Remove session revocations from the tenant role once their sessions have expired.
    #[command(after_help = help!("  tenantctl prune-revocations --stack tcv"))]
    PruneRevocations(PruneArgs),
    /// Write apiKeySha256 for tenants onboarded before it existed (vendor-fn refuses them until then).
    #[command(after_help = help!("  tenantctl backfill-key-hashes --stack tcv
Reads each key's value from API Gateway once, hashes it, never prints it;
safe to re-run (records that have a hash are left alone)."))]
    BackfillKeyHashes(PruneArgs),
}

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Output {
    /// For people.
    Table,
    /// For scripts.
    Json,
}

/// Where the deployment's resources are, and how to reach AWS.
#[derive(Debug, Args)]
pub(crate) struct Deployment {
    /// CloudFormation stack whose outputs name the resources.
    #[arg(long, env = "TENANTCTL_STACK", value_name = "NAME")]
    stack: Option<String>,
    /// Tenant registry table (stack output TenantTableName).
    #[arg(long, env = "TENANT_TABLE", value_name = "TABLE")]
    tenant_table: Option<String>,
    /// Pooled data table (stack output TenantDataTableName).
    #[arg(long, env = "DATA_TABLE", value_name = "TABLE")]
    data_table: Option<String>,
    /// Prefix of silo table names (stack output SiloTablePrefix).
    #[arg(long, env = "SILO_TABLE_PREFIX", value_name = "PREFIX")]
    silo_prefix: Option<String>,
    /// Usage plan ID of the basic tier (stack output BasicUsagePlanId).
    #[arg(long, env = "BASIC_USAGE_PLAN_ID", value_name = "ID")]
    usage_plan_basic: Option<String>,
    /// Usage plan ID of the standard tier (stack output StandardUsagePlanId).
    #[arg(long, env = "STANDARD_USAGE_PLAN_ID", value_name = "ID")]
    usage_plan_standard: Option<String>,
    /// Usage plan ID of the premium tier (stack output PremiumUsagePlanId).
    #[arg(long, env = "PREMIUM_USAGE_PLAN_ID", value_name = "ID")]
    usage_plan_premium: Option<String>,
    /// Tenant role name or ARN, for session revocations (stack output TenantRoleArn).
    #[arg(long, env = "TENANT_ROLE_NAME", value_name = "NAME_OR_ARN")]
    tenant_role_name: Option<String>,
    /// Send every AWS call here (e.g. http://127.0.0.1:5000); else AWS_ENDPOINT_URL or AWS.
    #[arg(long, value_name = "URL")]
    endpoint_url: Option<String>,
    /// AWS Region; else AWS_REGION or the profile's.
    #[arg(long, value_name = "REGION")]
    region: Option<String>,
}

/// Names one tenant: by API key ID, or by `--name`.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub(crate) struct TenantArg {
    /// The tenant's API key ID.
    #[arg(value_name = "API_KEY_ID")]
    api_key_id: Option<String>,
    /// The tenant's name instead of its API key ID.
    #[arg(long, value_name = "NAME")]
    name: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct OnboardArgs {
    /// Unique tenant name (letters, digits, space, '-', '_', '.'); also the API key's name.
    #[arg(long)]
    name: String,
    /// Contact e-mail.
    #[arg(long)]
    email: String,
    /// Optional contact details (a person, a phone number).
    #[arg(long)]
    contact: Option<String>,
    /// Commercial tier: decides the usage plan and the session length.
    #[arg(long, value_parser = ["basic", "standard", "premium"])]
    tier: String,
    /// Where the tenant's items live.
    #[arg(long, value_parser = ["pooled", "siloed"], default_value = "pooled")]
    isolation: String,
    /// Print a table (people) or JSON (scripts).
    #[arg(long, value_enum, default_value_t = Output::Table)]
    output: Output,
    #[command(flatten)]
    deployment: Deployment,
}

#[derive(Debug, Args)]
pub(crate) struct SuspendArgs {
    #[command(flatten)]
    tenant: TenantArg,
    /// Also deny the tenant's sessions already issued (a Deny on the tenant role,
    /// removed by later commands once the sessions have expired, after an hour).
    #[arg(long)]
    revoke_sessions: bool,
    /// Print a table (people) or JSON (scripts).
    #[arg(long, value_enum, default_value_t = Output::Table)]
    output: Output,
    #[command(flatten)]
    deployment: Deployment,
}

#[derive(Debug, Args)]
pub(crate) struct ResumeArgs {
    #[command(flatten)]
    tenant: TenantArg,
    /// Print a table (people) or JSON (scripts).
    #[arg(long, value_enum, default_value_t = Output::Table)]
    output: Output,
    #[command(flatten)]
    deployment: Deployment,
}

#[derive(Debug, Args)]
pub(crate) struct OffboardArgs {
    #[command(flatten)]
    tenant: TenantArg,
    /// Also delete the tenant's data: its silo table, or its items in the pooled table.
    #[arg(long)]
    delete_data: bool,
    /// Also deny the tenant's sessions already issued.
    #[arg(long)]
    revoke_sessions: bool,
    /// Print a table (people) or JSON (scripts).
    #[arg(long, value_enum, default_value_t = Output::Table)]
    output: Output,
    #[command(flatten)]
    deployment: Deployment,
}

#[derive(Debug, Args)]
pub(crate) struct RotateKeyArgs {
    #[command(flatten)]
    tenant: TenantArg,
    /// Print a table (people) or JSON (scripts).
    #[arg(long, value_enum, default_value_t = Output::Table)]
    output: Output,
    #[command(flatten)]
    deployment: Deployment,
}

#[derive(Debug, Args)]
pub(crate) struct RetireKeyArgs {
    /// The tenant's name.
    #[arg(long, value_name = "NAME")]
    name: String,
    /// The key to retire: a replaced key, never the current one.
    #[arg(long, value_name = "API_KEY_ID")]
    api_key_id: String,
    /// Also deny the sessions this key vended (aws:SourceIdentity), and only those.
    #[arg(long)]
    revoke_sessions: bool,
    /// Print a table (people) or JSON (scripts).
    #[arg(long, value_enum, default_value_t = Output::Table)]
    output: Output,
    #[command(flatten)]
    deployment: Deployment,
}

#[derive(Debug, Args)]
pub(crate) struct ListArgs {
    /// Print a table (people) or JSON (scripts).
    #[arg(long, value_enum, default_value_t = Output::Table)]
    output: Output,
    #[command(flatten)]
    deployment: Deployment,
}

#[derive(Debug, Args)]
pub(crate) struct ShowArgs {
    #[command(flatten)]
    tenant: TenantArg,
    /// Print a table (people) or JSON (scripts).
    #[arg(long, value_enum, default_value_t = Output::Table)]
    output: Output,
    #[command(flatten)]
    deployment: Deployment,
}

#[derive(Debug, Args)]
pub(crate) struct PruneArgs {
    /// Print a table (people) or JSON (scripts).
    #[arg(long, value_enum, default_value_t = Output::Table)]
    output: Output,
    #[command(flatten)]
    deployment: Deployment,
}

/// Progress lines on stderr.
struct Stderr(&'static str);

impl Progress for Stderr {
    fn step(&self, message: &str) {
        eprintln!("tenantctl {}: {message}", self.0);
    }
}

/// Runs one life-cycle command and returns its exit code.
pub(crate) fn run(command: LifecycleCommand) -> ExitCode {
    let name = command_name(&command);
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("tenantctl {name}: error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(dispatch(command, name)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tenantctl {name}: error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

fn command_name(command: &LifecycleCommand) -> &'static str {
    match command {
        LifecycleCommand::Onboard(_) => "onboard",
        LifecycleCommand::Suspend(_) => "suspend",
        LifecycleCommand::Resume(_) => "resume",
        LifecycleCommand::Offboard(_) => "offboard",
        LifecycleCommand::List(_) => "list",
        LifecycleCommand::Show(_) => "show",
        LifecycleCommand::PruneRevocations(_) => "prune-revocations",
        LifecycleCommand::BackfillKeyHashes(_) => "backfill-key-hashes",
        LifecycleCommand::RotateKey(_) => "rotate-key",
        LifecycleCommand::RetireKey(_) => "retire-key",
    }
}

async fn dispatch(command: LifecycleCommand, name: &'static str) -> Result<(), LifecycleError> {
    let progress = Stderr(name);
    match command {
        LifecycleCommand::Onboard(args) => {
            let request = OnboardRequest {
                name: TenantName::parse(&args.name)?,
                email: Email::parse(&args.email)?,
                contact: args.contact.as_deref().map(Contact::parse).transpose()?,
                tier: args.tier.parse::<Tier>().map_err(invalid("tier"))?,
                isolation: args
                    .isolation
                    .parse::<Isolation>()
                    .map_err(invalid("isolation"))?,
            };
            let lifecycle = connect(&args.deployment).await?;
            let onboarded = lifecycle.onboard(&request, &progress).await?;
            print_onboarded(&onboarded, args.output);
        }
        LifecycleCommand::Suspend(args) => {
            let tenant = tenant_ref(&args.tenant)?;
            let lifecycle = connect(&args.deployment).await?;
            let change = lifecycle
                .suspend(&tenant, args.revoke_sessions, &progress)
                .await?;
            print_status_change(&change, args.output);
        }
        LifecycleCommand::Resume(args) => {
            let tenant = tenant_ref(&args.tenant)?;
            let lifecycle = connect(&args.deployment).await?;
            let change = lifecycle.resume(&tenant, &progress).await?;
            print_status_change(&change, args.output);
        }
        LifecycleCommand::Offboard(args) => {
            let tenant = tenant_ref(&args.tenant)?;
            let lifecycle = connect(&args.deployment).await?;
            let done = lifecycle
                .offboard(&tenant, args.delete_data, args.revoke_sessions, &progress)
                .await?;
            print_offboarding(&done, args.output);
        }
        LifecycleCommand::List(args) => {
            let lifecycle = connect(&args.deployment).await?;
            let tenants = lifecycle.tenants().await?;
            match args.output {
                Output::Json => println!(
                    "{:#}",
                    Value::Array(tenants.iter().map(tenant_json).collect())
                ),
                Output::Table => print!("{}", table(&tenants)),
            }
        }
        LifecycleCommand::Show(args) => show(&args).await?,
        LifecycleCommand::RotateKey(args) => rotate_key(&args, &progress).await?,
        LifecycleCommand::RetireKey(args) => retire_key(&args, &progress).await?,
        LifecycleCommand::PruneRevocations(args) => {
            let lifecycle = connect(&args.deployment).await?;
            let pruned = lifecycle.prune_expired_revocations().await?;
            print_pruned(&pruned, args.output);
        }
        LifecycleCommand::BackfillKeyHashes(args) => {
            let lifecycle = connect(&args.deployment).await?;
            let done = lifecycle.backfill_key_hashes(&progress).await?;
            print_backfill(&done, args.output);
        }
    }
    Ok(())
}

async fn show(args: &ShowArgs) -> Result<(), LifecycleError> {
    let tenant = tenant_ref(&args.tenant)?;
    let lifecycle = connect(&args.deployment).await?;
    let keys = lifecycle.keys(&tenant).await?;
    match args.output {
        Output::Json => println!("{:#}", tenant_json(&keys)),
        Output::Table => {
            for (key, value) in record_fields(&keys.current) {
                println!("{key:<11} {value}");
            }
            println!("{:<11} {}", "partition", keys.current.partition_key_id());
            for key in keys.all() {
                println!(
                    "{:<11} {} {} (created {})",
                    "key",
                    key.api_key_id,
                    keys.role_of(key),
                    rfc3339(key.created_at)
                );
            }
        }
    }
    Ok(())
}

async fn rotate_key(args: &RotateKeyArgs, progress: &Stderr) -> Result<(), LifecycleError> {
    let tenant = tenant_ref(&args.tenant)?;
    let lifecycle = connect(&args.deployment).await?;
    let rotated = lifecycle.rotate_key(&tenant, progress).await?;
    print_rotated(&rotated, args.output);
    Ok(())
}

async fn retire_key(args: &RetireKeyArgs, progress: &Stderr) -> Result<(), LifecycleError> {
    let tenant = TenantRef::Name(TenantName::parse(&args.name)?);
    let TenantRef::Id(key) = tenant_ref(&TenantArg {
        api_key_id: Some(args.api_key_id.clone()),
        name: None,
    })?
    else {
        unreachable!("an API key ID parses to TenantRef::Id")
    };
    let lifecycle = connect(&args.deployment).await?;
    let retired = lifecycle
        .retire_key(&tenant, &key, args.revoke_sessions, progress)
        .await?;
    print_retired(&retired, args.output);
    Ok(())
}

fn invalid(field: &'static str) -> impl Fn(tenant_registry::RegistryError) -> LifecycleError {
    move |e| LifecycleError::InvalidInput {
        field,
        reason: e.to_string(),
    }
}

fn tenant_ref(arg: &TenantArg) -> Result<TenantRef, LifecycleError> {
    match (&arg.api_key_id, &arg.name) {
        (Some(id), _) => ApiKeyId::parse(id).map(TenantRef::Id).map_err(|e| match e {
            tenant_registry::RegistryError::InvalidApiKeyId { reason } => {
                LifecycleError::InvalidInput {
                    field: "api key id",
                    reason: reason.into(),
                }
            }
            other => invalid("api key id")(other),
        }),
        (None, Some(name)) => Ok(TenantRef::Name(TenantName::parse(name)?)),
        (None, None) => Err(LifecycleError::InvalidInput {
            field: "tenant",
            reason: "name an API key ID or --name".into(),
        }),
    }
}

/// Loads the SDK configuration, reads the stack's outputs if asked, and
/// builds the life cycle over the merged resource names.
async fn connect(deployment: &Deployment) -> Result<Lifecycle, LifecycleError> {
    let mut loader = aws_config::defaults(BehaviorVersion::latest());
    if let Some(url) = &deployment.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    if let Some(region) = &deployment.region {
        loader = loader.region(Region::new(region.clone()));
    }
    let conf = loader.load().await;
    if conf.region().is_none() {
        return Err(LifecycleError::InvalidInput {
            field: "region",
            reason: "no AWS Region configured: pass --region or set AWS_REGION".into(),
        });
    }
    let explicit = Resources {
        tenant_table: deployment.tenant_table.clone(),
        data_table: deployment.data_table.clone(),
        silo_table_prefix: deployment.silo_prefix.clone(),
        basic_usage_plan: deployment.usage_plan_basic.clone(),
        standard_usage_plan: deployment.usage_plan_standard.clone(),
        premium_usage_plan: deployment.usage_plan_premium.clone(),
        tenant_role_name: deployment.tenant_role_name.as_deref().map(|r| {
            if r.starts_with("arn:") {
                role_name_from_arn(r).unwrap_or_default()
            } else {
                r.to_owned()
            }
        }),
    };
    let resources = match &deployment.stack {
        Some(stack) => {
            let cfn = aws_sdk_cloudformation::Client::new(&conf);
            let outputs = tenant_lifecycle::stack_outputs(&cfn, stack).await?;
            Resources::from_stack_outputs(&outputs).overridden_by(explicit)
        }
        None => explicit,
    };
    Lifecycle::new(Clients::from_conf(&conf), resources)
}

fn rfc3339(time: chrono::DateTime<chrono::Utc>) -> String {
    time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The registry record as JSON, with DESIGN.md's attribute names.
fn record_json(record: &TenantRecord) -> Value {
    json!({
        "apiKeyId": record.api_key_id.as_str(),
        "tenantName": record.tenant_name,
        "email": record.email,
        "tier": record.tier.as_str(),
        "status": record.status.as_str(),
        "isolation": record.isolation.as_str(),
        "createdAt": rfc3339(record.created_at),
        "contact": record.contact,
    })
}

/// A tenant as `list` and `show` print it: its current key's record, its
/// partition, and every key with what it is now.
fn tenant_json(keys: &TenantKeys) -> Value {
    let mut value = record_json(&keys.current);
    value["partitionKeyId"] = json!(keys.current.partition_key_id().as_str());
    value["keys"] = Value::Array(
        keys.all()
            .into_iter()
            .map(|key| {
                json!({
                    "apiKeyId": key.api_key_id.as_str(),
                    "state": keys.role_of(key),
                    "createdAt": rfc3339(key.created_at),
                })
            })
            .collect(),
    );
    value
}

fn record_fields(record: &TenantRecord) -> Vec<(&'static str, String)> {
    vec![
        ("api key id", record.api_key_id.to_string()),
        ("name", record.tenant_name.clone()),
        ("email", record.email.clone()),
        ("tier", record.tier.to_string()),
        ("status", record.status.to_string()),
        ("isolation", record.isolation.to_string()),
        ("created at", rfc3339(record.created_at)),
        (
            "contact",
            record.contact.clone().unwrap_or_else(|| "-".into()),
        ),
    ]
}

fn table(tenants: &[TenantKeys]) -> String {
    const HEADERS: [&str; 8] = [
        "API KEY ID",
        "NAME",
        "TIER",
        "STATUS",
        "ISOLATION",
        "CREATED",
        "EMAIL",
        "OTHER KEYS",
    ];
    let rows: Vec<[String; 8]> = tenants
        .iter()
        .map(|t| {
            let r = &t.current;
            let others: Vec<String> = t
                .all()
                .into_iter()
                .filter(|k| k.api_key_id != r.api_key_id)
                .map(|k| format!("{} ({})", k.api_key_id, t.role_of(k)))
                .collect();
            [
                r.api_key_id.to_string(),
                r.tenant_name.clone(),
                r.tier.to_string(),
                r.status.to_string(),
                r.isolation.to_string(),
                rfc3339(r.created_at),
                r.email.clone(),
                if others.is_empty() {
                    "-".into()
                } else {
                    others.join(", ")
                },
            ]
        })
        .collect();
    let mut widths = HEADERS.map(str::len);
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.len());
        }
    }
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        format!("{}\n", padded.join("  ").trim_end())
    };
    let mut out = line(HEADERS.to_vec());
    for row in &rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    if rows.is_empty() {
        out.push_str("(no tenants)\n");
    }
    out
}

fn print_onboarded(onboarded: &Onboarded, output: Output) {
    let record = &onboarded.record;
    match output {
        Output::Json => println!(
            "{:#}",
            json!({
                "apiKeyId": record.api_key_id.as_str(),
                "apiKey": onboarded.api_key.expose(),
                "siloTable": onboarded.silo_table,
                "tenant": record_json(record),
            })
        ),
        Output::Table => {
            println!("onboarded tenant {:?}", record.tenant_name);
            println!("  api key id   {}", record.api_key_id);
            println!("  api key      {}", onboarded.api_key.expose());
            println!(
                "               (shown this once: hand it to the tenant over a secure channel)"
            );
            println!("  tier         {}", record.tier);
            println!("  isolation    {}", record.isolation);
            if let Some(table) = &onboarded.silo_table {
                println!("  silo table   {table}");
            }
            println!("  status       {}", record.status);
        }
    }
}

fn print_offboarding(done: &Offboarding, output: Output) {
    let (deleted_table, deleted_items) = match &done.data {
        Some(DataDeletion::SiloTable { table, existed }) => {
            (Some(json!({"table": table, "existed": existed})), None)
        }
        Some(DataDeletion::PooledItems { table, count }) => {
            (None, Some(json!({"table": table, "count": count})))
        }
        None => (None, None),
    };
    match output {
        Output::Json => println!(
            "{:#}",
            json!({
                "apiKeyId": done.record.api_key_id.as_str(),
                "previousStatus": done.previous.as_str(),
                "status": done.record.status.as_str(),
                "apiKeyDeleted": done.key_deleted,
                "deletedTable": deleted_table,
                "deletedItems": deleted_items,
                "sessionsRevokedBefore": done.sessions_revoked_before.map(rfc3339),
                "prunedRevocations": done.pruned.as_ref().map(|p| &p.removed),
            })
        ),
        Output::Table => {
            println!(
                "tenant {} is offboarded (was {})",
                done.record.api_key_id, done.previous
            );
            match &done.data {
                Some(DataDeletion::SiloTable {
                    table,
                    existed: true,
                }) => println!("deleted table {table}"),
                Some(DataDeletion::SiloTable {
                    table,
                    existed: false,
                }) => {
                    println!("table {table} was already deleted");
                }
                Some(DataDeletion::PooledItems { table, count }) => {
                    println!("deleted {count} items from {table}");
                }
                None => println!("data kept; offboard again with --delete-data to delete it"),
            }
            if let Some(before) = done.sessions_revoked_before {
                println!("sessions issued before {before} are revoked");
            }
        }
    }
}

fn print_status_change(change: &StatusChange, output: Output) {
    match output {
        Output::Json => println!(
            "{:#}",
            json!({
                "apiKeyId": change.record.api_key_id.as_str(),
                "previousStatus": change.previous.as_str(),
                "status": change.record.status.as_str(),
                "sessionsRevokedBefore": change.sessions_revoked_before.map(rfc3339),
                "newSessionsRefusedUntil": change.new_sessions_refused_until.map(rfc3339),
                "prunedRevocations": change.pruned.as_ref().map(|p| &p.removed),
            })
        ),
        Output::Table => {
            if change.previous == change.record.status {
                println!(
                    "tenant {} was already {}",
                    change.record.api_key_id, change.record.status
                );
            } else {
                println!(
                    "tenant {} is {} (was {})",
                    change.record.api_key_id, change.record.status, change.previous
                );
            }
            if let Some(before) = change.sessions_revoked_before {
                println!("sessions issued before {before} are revoked");
            } else if let Some(until) = change.new_sessions_refused_until {
                println!(
                    "new sessions of this tenant stay refused until {until} (the suspension's revocation)"
                );
            }
        }
    }
}

fn print_pruned(pruned: &Pruned, output: Output) {
    match output {
        Output::Json => println!(
            "{:#}",
            json!({ "removed": pruned.removed, "kept": pruned.kept })
        ),
        Output::Table => {
            println!(
                "removed {} expired revocation(s), {} still in force",
                pruned.removed.len(),
                pruned.kept.len()
            );
            for name in &pruned.removed {
                println!("  removed {name}");
            }
        }
    }
}

fn print_rotated(rotated: &Rotated, output: Output) {
    let id = &rotated.record.api_key_id;
    match output {
        // Exactly the contract's fields (DESIGN.md, key rotation).
        Output::Json => println!(
            "{:#}",
            json!({
                "apiKeyId": id.as_str(),
                "apiKey": rotated.api_key.expose(),
                "previousApiKeyId": rotated.previous.as_str(),
            })
        ),
        Output::Table => {
            println!("rotated the API key of {:?}", rotated.record.tenant_name);
            println!("  api key id       {id}");
            println!("  api key          {}", rotated.api_key.expose());
            println!(
                "                   (shown this once: hand it to the tenant over a secure channel)"
            );
            println!("  replaces         {}", rotated.previous);
            println!("  partition        {}", rotated.record.partition_key_id());
            println!(
                "  both keys vend until: tenantctl retire-key --name {:?} --api-key-id {}",
                rotated.record.tenant_name, rotated.previous
            );
        }
    }
}

fn print_retired(retired: &Retired, output: Output) {
    let id = &retired.record.api_key_id;
    let revoked = retired.sessions_revoked_before.map(rfc3339);
    match output {
        Output::Json => println!(
            "{:#}",
            json!({
                "apiKeyId": id.as_str(),
                "retiredAt": retired.record.retired_at.map(rfc3339),
                "keyDeleted": retired.key_deleted,
                "sessionsRevokedBefore": revoked,
            })
        ),
        Output::Table => {
            println!("retired API key {id} of {:?}", retired.record.tenant_name);
            println!(
                "  api key          {}",
                if retired.key_deleted {
                    "disabled and deleted"
                } else {
                    "already deleted"
                }
            );
            if let Some(before) = revoked {
                println!("  sessions it vended before {before} are refused");
            }
        }
    }
}

fn print_backfill(done: &Backfill, output: Output) {
    match output {
        Output::Json => println!(
            "{:#}",
            json!({
                "written": done.written,
                "alreadyHad": done.already_had,
                "offboarded": done.offboarded,
                "keyMissing": done.key_missing,
            })
        ),
        Output::Table => {
            println!(
                "wrote apiKeySha256 for {} tenant(s); {} had it already; {} offboarded skipped",
                done.written, done.already_had, done.offboarded
            );
            for id in &done.key_missing {
                println!("  {id}: its API key no longer exists; offboard it");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use tenant_lifecycle::exit_code;

    use super::*;

    #[test]
    fn exit_codes_in_the_help_match_the_library() {
        for (code, meaning) in [
            (exit_code::INVALID_INPUT, "2  invalid input"),
            (exit_code::NOT_FOUND, "3  no such tenant"),
            (exit_code::CONFLICT, "4  duplicate name"),
            (exit_code::AWS_FAILED, "5  an AWS call failed"),
            (
                exit_code::INCOMPLETE,
                "6  an AWS call failed and some changes remain",
            ),
        ] {
            assert!(exit_codes!().contains(meaning) && meaning.starts_with(&code.to_string()));
        }
    }

    #[test]
    fn the_table_lays_out_each_record_in_its_columns_and_never_the_key_hash() {
        let record = |id: &str, name: &str, status| TenantRecord {
            api_key_id: ApiKeyId::parse(id).unwrap(),
            tenant_name: name.into(),
            email: format!(
                "ops@{}.example",
                name.split(' ').next().unwrap().to_lowercase()
            ),
            tier: Tier::Standard,
            status,
            isolation: Isolation::Pooled,
            created_at: "2026-11-27T10:00:00Z".parse().unwrap(),
            contact: None,
            api_key_sha256: Some(tenant_registry::ApiKeyHash::of("the-key-value-itself")),
            revision: 1,
            partition_key_id: None,
            previous_api_key_id: None,
            retired_at: None,
            new_sessions_refused_until: None,
        };
        let records = [
            record("k1a2b3c4d5", "Acme", tenant_registry::TenantStatus::Active),
            record(
                "z9y8x7w6v5",
                "Globex Corporation",
                tenant_registry::TenantStatus::Suspended,
            ),
        ];
        let tenants: Vec<TenantKeys> = records
            .iter()
            .map(|r| TenantKeys {
                current: r.clone(),
                replaced: Vec::new(),
                retired: Vec::new(),
            })
            .collect();
        let text = table(&tenants);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines,
            [
                "API KEY ID  NAME                TIER      STATUS     ISOLATION  CREATED               EMAIL               OTHER KEYS",
                "k1a2b3c4d5  Acme                standard  active     pooled     2026-11-27T10:00:00Z  ops@acme.example    -",
                "z9y8x7w6v5  Globex Corporation  standard  suspended  pooled     2026-11-27T10:00:00Z  ops@globex.example  -",
            ],
            "{text}"
        );
        // The record holds the key's hash; the table (what operators paste
        // into tickets) must not.
        let hash = records[0].api_key_sha256.as_ref().unwrap().to_hex();
        assert!(!text.contains(&hash[..8]), "{text}");
        assert!(!text.contains("the-key-value-itself"), "{text}");
    }
}
