//! `vend-latency`: vend latency through the whole local stack (HTTP → local
//! API Gateway with key lookup and throttle → local Lambda → vendor-fn →
//! registry GetItem and STS AssumeRole through the sandbox's IAM checks →
//! back), and the vendor-fn cold start (spawn to first `/next`).
//!
//! `cargo run -p sandbox --bin vend-latency [--release] -- [requests] [cold starts]`
//! (build vendor-fn with the same profile first).

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

    let system = System::start(&System::workspace_root(), Options::default())
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
    for key in keys.iter().cycle().take(20) {
        api.get(&url, Some(key)).await?;
    }
    let mut latencies = Vec::with_capacity(requests);
    for key in keys.iter().cycle().take(requests) {
        let started = Instant::now();
        let response = api.get(&url, Some(key)).await?;
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
    }
    let colds = system.host().stats().cold_starts;

    let profile = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    println!(
        "whole local stack, {profile} build, {requests} sequential vends over one keep-alive connection:"
    );
    print_percentiles("vend latency", &mut latencies);
    println!(
        "vendor-fn cold start (spawn to first /next), {} instances:",
        colds.len()
    );
    print_percentiles("cold start", &mut colds.clone());
    Ok(())
}

fn print_percentiles(what: &str, samples: &mut [Duration]) {
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
}
