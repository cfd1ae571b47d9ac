//! `sandbox`: runs moto and the gateway (iam-gateway's AWS stand-in) until
//! interrupted; `sandbox up` and `sandbox demo` run the whole system.
//!
//! Writes the vendor role's credentials to a file (mode 0600) as
//! environment assignments, so vendor-fn or the AWS CLI can use them:
//! `set -a; . target/sandbox/vendor.env; set +a`.

use std::path::PathBuf;

use clap::Parser;
use iam_gateway::Gateway;

/// Local STS and IAM enforcement for DynamoDB and S3, on 127.0.0.1.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Project root (holds .venv/, policies/, template.yaml).
    #[arg(long, default_value = ".")]
    root: PathBuf,
    /// Port on 127.0.0.1 (0: any free port).
    #[arg(long, default_value_t = 4566)]
    port: u16,
    /// Where to write the vendor role's credentials and the deployment's names.
    #[arg(long, default_value = "target/sandbox/vendor.env")]
    env_file: PathBuf,
    #[command(subcommand)]
    command: Option<Subcommand>,
}

/// The whole system: the vendor-fn binary behind a local API Gateway.
#[derive(Debug, clap::Subcommand)]
enum Subcommand {
    /// Boot everything, onboard two demo tenants, print the endpoint, their
    /// API keys and a curl line, write the state file; serve until Ctrl-C.
    Up {
        /// Port on 127.0.0.1 of the credentials API and the AWS endpoint (0: any free port).
        #[arg(long, default_value_t = 4566)]
        port: u16,
        /// The state file (endpoint, names, tenants and their API keys);
        /// default <root>/target/sandbox/state.json.
        #[arg(long)]
        state_file: Option<PathBuf>,
    },
    /// The guided tour: both demo tenants fetch credentials, use their own
    /// items, are refused each other's and a Scan. Exit 0 only if all held.
    Demo,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = Args::parse();
    // The demo's own lines are the output; logs go to stderr, quieter there.
    let default_level = if matches!(args.command, Some(Subcommand::Demo)) {
        "warn"
    } else {
        "info"
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| default_level.into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let result = match &args.command {
        None => run(&args).await,
        Some(Subcommand::Up { port, state_file }) => {
            let state_file = state_file
                .clone()
                .unwrap_or_else(|| sandbox::cli::default_state_file(&args.root));
            sandbox::cli::up(&args.root, *port, &state_file).await
        }
        Some(Subcommand::Demo) => match sandbox::cli::demo(&args.root).await {
            Ok(true) => Ok(()),
            Ok(false) => Err("the demo's expectations did not all hold".to_owned()),
            Err(e) => Err(e),
        },
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("sandbox: {message}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(args: &Args) -> Result<(), String> {
    let gateway = Gateway::start_on(&args.root, args.port)
        .await
        .map_err(|e| e.to_string())?;
    let vendor = gateway
        .vendor_credentials()
        .await
        .map_err(|e| e.to_string())?;
    let d = gateway.deployment();
    let endpoint = gateway.endpoint_url();
    let env = format!(
        "AWS_ENDPOINT_URL={endpoint}\nAWS_REGION={region}\nAWS_ACCESS_KEY_ID={}\nAWS_SECRET_ACCESS_KEY={}\nAWS_SESSION_TOKEN={}\nTENANT_TABLE={}\nTENANT_ROLE_ARN={}\nDATA_TABLE={}\nDATA_BUCKET={}\nSILO_TABLE_PREFIX={}\n",
        vendor.access_key_id,
        vendor.secret_access_key.expose(),
        vendor.session_token.expose(),
        d.tenant_table,
        d.tenant_role_arn(),
        d.data_table,
        d.bucket,
        d.silo_table_prefix,
        region = iam_gateway::REGION,
    );
    sandbox::cli::write_private(&args.env_file, &env)
        .map_err(|e| format!("writing {}: {e}", args.env_file.display()))?;
    tracing::info!(%endpoint, env_file = %args.env_file.display(), "sandbox ready; vendor role credentials written to the env file");
    shutdown_signal().await?;
    tracing::info!("stopping");
    // Dropping the gateway stops its listener and kills moto.
    drop(gateway);
    Ok(())
}

/// Ctrl-C or SIGTERM: both must end in `drop`, or moto would outlive us.
async fn shutdown_signal() -> Result<(), String> {
    #[cfg(unix)]
    {
        let mut terminate =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                .map_err(|e| e.to_string())?;
        tokio::select! {
            result = tokio::signal::ctrl_c() => result.map_err(|e| e.to_string()),
            _ = terminate.recv() => Ok(()),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await.map_err(|e| e.to_string())
    }
}
