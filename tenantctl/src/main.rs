//! `tenantctl`: the operator CLI of the tenant credential vendor.
//!
//! - `tenantctl audit` proves offline that the policies in `policies/` keep
//!   tenants apart (the `isolation-audit` library); exit 0 pass, 1 violation,
//!   2 bad input.
//! - `tenantctl simulate` answers ad-hoc IAM questions from JSON lines.
//!
//! `main` only parses arguments and maps results to exit codes.

mod error;
mod lifecycle_cli;
mod simulate;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use isolation_audit::{AuditOptions, AuditReport, report};

#[derive(Debug, Parser)]
#[command(
    name = "tenantctl",
    version,
    about = "Operator CLI of the tenant credential vendor"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    Table,
    Json,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Prove tenant isolation of the policies offline (exit 0 pass, 1 violation, 2 unusable input).
    Audit {
        /// Directory holding the policy documents.
        #[arg(long, default_value = "policies")]
        policies: PathBuf,
        /// The SAM template to lint.
        #[arg(long, default_value = "template.yaml")]
        template: PathBuf,
        /// Skip the template lints (policies only).
        #[arg(long)]
        no_template: bool,
        /// Placeholder value, e.g. --param TenantBucket=my-bucket (repeatable).
        #[arg(long = "param", value_name = "NAME=VALUE")]
        params: Vec<String>,
        /// Tenant API key IDs to check against each other (at least two).
        #[arg(long = "tenant", value_name = "API_KEY_ID", default_values_t = ["k1".to_owned(), "k1x".to_owned(), "K1".to_owned()])]
        tenants: Vec<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// List every check, not only failures.
        #[arg(long)]
        verbose: bool,
        /// Decide the tenant-session checks with IAM's SimulatePrincipalPolicy
        /// for a deployed role (AWS credentials and region from the environment).
        /// The rows it can't simulate (trust, vendor, empty key sets) are
        /// reported as skipped, never as passed or denied.
        #[arg(long, requires = "role_arn")]
        live: bool,
        /// The deployed tenant role to simulate with --live.
        #[arg(long, value_name = "ARN")]
        role_arn: Option<String>,
    },
    /// Decide requests read as JSON lines on stdin; print one JSON line each.
    Simulate {
        /// Identity policy file (repeatable).
        #[arg(long = "policy", value_name = "FILE")]
        policies: Vec<PathBuf>,
        /// Session policy file, intersected with the identity policies.
        #[arg(long)]
        session_policy: Option<PathBuf>,
        /// Trust policy file: requests with a principal are decided against it.
        #[arg(long)]
        trust_policy: Option<PathBuf>,
        /// Placeholder value (repeatable).
        #[arg(long = "param", value_name = "NAME=VALUE")]
        params: Vec<String>,
    },
    #[command(flatten)]
    Lifecycle(Box<lifecycle_cli::LifecycleCommand>),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Audit {
            policies,
            template,
            no_template,
            params,
            tenants,
            format,
            verbose,
            live,
            role_arn,
        } => {
            let options = AuditOptions {
                policies,
                template: (!no_template).then_some(template),
                params,
                tenants,
            };
            let result = if live {
                run_live(&options, role_arn)
            } else {
                isolation_audit::run(&options).map_err(error::CliError::from)
            };
            match result {
                Ok(report) => {
                    match format {
                        Format::Table => print!("{}", report::table(&report, verbose)),
                        Format::Json => println!("{:#}", report::json(&report, verbose)),
                    }
                    if report.passed() {
                        ExitCode::SUCCESS
                    } else {
                        ExitCode::from(1)
                    }
                }
                Err(e) => {
                    eprintln!("tenantctl audit: {e}");
                    ExitCode::from(2)
                }
            }
        }
        Command::Simulate {
            policies,
            session_policy,
            trust_policy,
            params,
        } => {
            let options = simulate::SimulateOptions {
                policies,
                session_policy,
                trust_policy,
                params,
            };
            let stdin = std::io::stdin().lock();
            let stdout = std::io::stdout().lock();
            match simulate::run(&options, stdin, stdout) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("tenantctl simulate: {e}");
                    ExitCode::from(2)
                }
            }
        }
        Command::Lifecycle(command) => lifecycle_cli::run(*command),
    }
}

/// Builds the IAM client from the environment and runs the live audit.
fn run_live(
    options: &AuditOptions,
    role_arn: Option<String>,
) -> Result<AuditReport, error::CliError> {
    let role_arn = role_arn.ok_or(error::CliError::LiveNeedsRole)?;
    let runtime = tokio::runtime::Runtime::new().map_err(error::CliError::Runtime)?;
    runtime.block_on(async {
        let config = aws_config::load_from_env().await;
        let client = aws_sdk_iam::Client::new(&config);
        Ok(isolation_audit::live::run(options, &client, &role_arn).await?)
    })
}
