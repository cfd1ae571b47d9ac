//! `tenant-credentials`: a caching `credential_process`. Wiring only; the
//! flow is [`tenant_credentials::process::run`].

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use tenant_credentials::disk_cache::DiskCache;
use tenant_credentials::process::{self, rfc3339};
use tenant_credentials::{Settings, VendorClient};

/// Prints the tenant's AWS credentials as `credential_process` output.
///
/// Reads CREDENTIALS_ENDPOINT (the stack output CredentialsEndpoint) and
/// TENANT_API_KEY (your API key value), and optionally DURATION_SECONDS
/// (900 to your tier's maximum) and SCOPE (read-write or read-only).
/// Credentials are cached under $XDG_CACHE_HOME/tenant-credentials/ (or
/// ~/.cache/tenant-credentials/) and reused until 5 minutes before they
/// expire. Exit status: 0 printed; 1 the vendor refused; 2 invalid
/// configuration; 3 the vendor is unreachable or throttling and nothing
/// valid is cached; 4 the vendor's answer is not credentials.
#[derive(Debug, Parser)]
#[command(
    name = "tenant-credentials",
    version,
    after_help = "In ~/.aws/config:\n  [profile tenant]\n  credential_process = tenant-credentials"
)]
struct Args {
    /// Neither read nor write the cache: always ask the vendor.
    #[arg(long)]
    no_cache: bool,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args = Args::parse();
    let settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(e) => {
            eprintln!("tenant-credentials: error: {e}");
            return ExitCode::from(e.exit_code());
        }
    };
    let mut warnings = Vec::new();
    let cache = if args.no_cache {
        None
    } else {
        DiskCache::from_env()
            .map_err(|e| warnings.push(format!("{e}; going on without the cache")))
            .ok()
    };
    let client = VendorClient::new(settings);
    let outcome = process::run(&client, cache.as_ref()).await;
    let (stdout, error, code) = match outcome {
        Ok(served) => {
            warnings.extend(served.warnings);
            (Some(served.text), None, 0)
        }
        Err(failed) => {
            warnings.extend(failed.warnings);
            let mut message = failed.error.to_string();
            if let Some(at) = failed.expired_at {
                message += "; the cached credentials expired at ";
                message += &rfc3339(at);
                message += ", so they are not served";
            }
            (None, Some(message), failed.error.exit_code())
        }
    };
    let mut seen = std::collections::HashSet::new();
    for warning in warnings.iter().filter(|w| seen.insert(w.as_str())) {
        eprintln!("tenant-credentials: warning: {warning}");
    }
    if let Some(error) = error {
        eprintln!("tenant-credentials: error: {error}");
    }
    if let Some(text) = stdout {
        let mut out = std::io::stdout().lock();
        // Nothing else goes to stdout: the SDK parses all of it.
        if writeln!(out, "{text}").and_then(|()| out.flush()).is_err() {
            return ExitCode::from(1);
        }
    }
    ExitCode::from(code)
}
