//! JSON logs: one line per request, and nothing secret in any line.

use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::EnvFilter;

/// Crates whose debug and trace output can contain raw HTTP bodies; an
/// AssumeRole response body holds a secret key and a session token. They are
/// capped at `warn` whatever `RUST_LOG` says.
const CAPPED_AT_WARN: &[&str] = &[
    "aws_smithy_runtime",
    "aws_smithy_runtime_api",
    "aws_smithy_http",
    "aws_smithy_http_client",
    "aws_sdk_sts",
    "aws_sdk_dynamodb",
    "aws_config",
    "aws_runtime",
    "hyper",
    "hyper_util",
    "h2",
    "rustls",
    "lambda_runtime",
    "lambda_runtime_api_client",
];

/// The log filter: `RUST_LOG` (default `info`) with the caps above applied last.
pub fn filter(rust_log: Option<&str>) -> EnvFilter {
    let mut filter = EnvFilter::try_new(rust_log.unwrap_or("info")).unwrap_or_else(|_| EnvFilter::new("info"));
    for target in CAPPED_AT_WARN {
        if let Ok(directive) = format!("{target}=warn").parse() {
            filter = filter.add_directive(directive);
        }
    }
    filter
}

/// A JSON subscriber writing to `writer`, as the Lambda uses it.
pub fn subscriber<W>(writer: W, rust_log: Option<&str>) -> impl tracing::Subscriber + Send + Sync
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_current_span(false)
        .with_span_list(false)
        .with_target(false)
        .with_env_filter(filter(rust_log))
        .with_writer(writer)
        .finish()
}
