//! JSON logs: one line per request, carrying its metrics
//! ([`crate::metrics`], written by [`crate::log_format`]), and nothing
//! secret in any line.

use tracing_subscriber::EnvFilter;
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::fmt::MakeWriter;

/// The log filter. `RUST_LOG` sets the level of vendor-fn's own events only
/// (a plain level such as `debug`; anything else means `info`). Every other
/// crate is fixed at `warn`: the SDK's debug and trace events print signing
/// inputs and wire data, and an AssumeRole response holds a secret key.
pub fn filter(rust_log: Option<&str>) -> EnvFilter {
    let level = rust_log
        .and_then(|l| l.trim().parse::<LevelFilter>().ok())
        .unwrap_or(LevelFilter::INFO);
    EnvFilter::new(format!("warn,vendor_fn={level}"))
}

/// Installs [`subscriber`] on stdout with `RUST_LOG`, as both Lambdas start.
///
/// # Errors
/// When a global subscriber is already set.
pub fn init_from_env() -> Result<(), tracing::subscriber::SetGlobalDefaultError> {
    let rust_log = std::env::var("RUST_LOG").ok();
    tracing::subscriber::set_global_default(subscriber(std::io::stdout, rust_log.as_deref()))
}

/// A JSON subscriber writing to `writer`, as the Lambda uses it.
pub fn subscriber<W>(writer: W, rust_log: Option<&str>) -> impl tracing::Subscriber + Send + Sync
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    tracing_subscriber::fmt()
        .event_format(crate::log_format::JsonLines)
        .with_env_filter(filter(rust_log))
        .with_writer(writer)
        .finish()
}
