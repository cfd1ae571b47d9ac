//! `vend-latency`: vend latency through the whole local stack (HTTP → local
//! API Gateway → key authorizer under its local Lambda → key lookup and
//! throttle → local Lambda → vendor-fn → registry GetItem and STS
//! AssumeRole through the sandbox's IAM checks → back), and the cold starts
//! of vendor-fn and the key authorizer (spawn to first `/next`).
//!
//! What the authorizer adds is measured against a baseline in the same run:
//! the same system with key source HEADER (`x-api-key`, no authorizer), then
//! with the authorizer (`x-api-key` and `Authorization` alternating), and
//! the ratio of the medians.
//!
//! `cargo run -p sandbox --bin vend-latency [--release] -- [requests] [cold starts]`
//! (build vendor-fn's two binaries with the same profile first).

use std::time::{Duration, Instant};

use sandbox::api_client::ApiClient;
use sandbox::system::{Options, System};
use tenant_registry::{Isolation, Tier};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("vend-latency: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let requests: usize = args
        .next()
        .map_or(Ok(500), |a| a.parse())
        .map_err(|e| format!("requests: {e}"))?;
    let cold_starts: usize = args
        .next()
        .map_or(Ok(10), |a| a.parse())
        .map_err(|e| format!("cold starts: {e}"))?;

    let profile = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    println!(
        "whole local stack, {profile} build, {requests} sequential vends over one keep-alive connection:"
    );
    let header_only = Options {
        use_key_authorizer: false,
        ..Options::default()
    };
    let (mut baseline, _) = measure(header_only, requests, 0, false).await?;
    let (mut with_authorizer, authorizer_colds) =
        measure(Options::default(), requests, cold_starts, true).await?;
    let base_p50 = print_percentiles("vend, key source HEADER (baseline)", &mut baseline);
    let auth_p50 = print_percentiles("vend, key authorizer", &mut with_authorizer);
    println!(
        "  the authorizer adds {:.2} ms per vend at the median ({:.2}x the baseline)",
        auth_p50 - base_p50,
        auth_p50 / base_p50
    );
    let (vendor_colds, mut authorizer_colds) = authorizer_colds;
    println!(
        "cold start (spawn to first /next), {} instances each:",
        vendor_colds.len()
    );
    print_percentiles("vendor-fn", &mut vendor_colds.clone());
    print_percentiles("key-authorizer", &mut authorizer_colds);
    Ok(())
}

type ColdStarts = (Vec<Duration>, Vec<Duration>);

/// Vend latencies on a fresh system started with `options`, alternating
/// `x-api-key` and `Authorization` when `both_headers`; then `cold_starts`
/// fresh instances of each function.
async fn measure(
    options: Options,
    requests: usize,
    cold_starts: usize,
    both_headers: bool,
) -> Result<(Vec<Duration>, ColdStarts), String> {
    let system = System::start(&System::workspace_root(), options)
        .await
        .map_err(|e| e.to_string())?;
    // Premium tenants round-robin, so the usage plan's 50 requests/s per
    // key does not throttle the measurement.
    let mut keys = Vec::new();
    for n in 0..5 {
        let tenant = system
            .onboard(&format!("Bench {n}"), Tier::Premium, Isolation::Pooled)
            .await
            .map_err(|e| e.to_string())?;
        keys.push(tenant.api_key);
    }
    let api = ApiClient::default();
    let url = system.credentials_url();
    let send = |n: usize, key: String| {
        let header = if both_headers && n % 2 == 1 {
            "authorization"
        } else {
            "x-api-key"
        };
        let api = &api;
        let url = &url;
        async move {
            api.send(http::Method::GET, url, None, &[(header, &key)], None)
                .await
        }
    };
    for (n, key) in keys.iter().cycle().take(20).enumerate() {
        send(n, key.clone()).await?;
    }
    let mut latencies = Vec::with_capacity(requests);
    for (n, key) in keys.iter().cycle().take(requests).enumerate() {
        let started = Instant::now();
        let response = send(n, key.clone()).await?;
        latencies.push(started.elapsed());
        if response.status != 200 {
            return Err(format!(
                "vend answered {} {}",
                response.status, response.body
            ));
        }
    }
    for _ in 0..cold_starts {
        system.host().prewarm().await.map_err(|e| e.to_string())?;
        if let Some(authorizer) = system.authorizer_host() {
            authorizer.prewarm().await.map_err(|e| e.to_string())?;
        }
    }
    // The first instance of each was started before any request.
    let skip_prewarmed = |mut colds: Vec<Duration>| {
        if !colds.is_empty() {
            colds.remove(0);
        }
        colds
    };
    let vendor = skip_prewarmed(system.host().stats().cold_starts);
    let authorizer = system
        .authorizer_host()
        .map(|h| skip_prewarmed(h.stats().cold_starts))
        .unwrap_or_default();
    Ok((latencies, (vendor, authorizer)))
}

/// Prints p50, p99, min and max in ms; returns the p50.
fn print_percentiles(what: &str, samples: &mut [Duration]) -> f64 {
    samples.sort();
    let at = |p: f64| -> f64 {
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            clippy::cast_precision_loss
        )]
        let index = ((samples.len() as f64 - 1.0) * p).round() as usize;
        samples
            .get(index)
            .map_or(f64::NAN, |d| d.as_secs_f64() * 1e3)
    };
    println!(
        "  {what}: p50 {:.2} ms  p99 {:.2} ms  min {:.2} ms  max {:.2} ms",
        at(0.5),
        at(0.99),
        at(0.0),
        at(1.0)
    );
    at(0.5)
}
