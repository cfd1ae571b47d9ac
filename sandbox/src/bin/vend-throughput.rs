//! `vend-throughput`: vends per second, p50 and p99 through the whole local
//! stack at 1, 8 and 32 concurrent clients, side by side from one run, with
//! the throttle raised so the system (not the usage plan) is measured.
//!
//! Each level first warms as many function instances as it has clients
//! (cold starts are `vend-latency`'s figure), then runs its vends; the
//! levels run back to back on the same system.
//!
//! `cargo run --release -p sandbox --bin vend-throughput -- [vends per level]`
//! (build vendor-fn with the same profile first: `cargo build --release -p vendor-fn`).

use std::time::{Duration, Instant};

use sandbox::api_client::ApiClient;
use sandbox::api_front::Throttle;
use sandbox::system::{Options, System};
use tenant_registry::{Isolation, Tier};

const LEVELS: [usize; 3] = [1, 8, 32];
const TENANTS: usize = 8;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("vend-throughput: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), String> {
    let vends: usize = std::env::args()
        .nth(1)
        .map_or(Ok(320), |a| a.parse())
        .map_err(|e| format!("vends per level: {e}"))?;
    let raised = Throttle {
        rate: 100_000.0,
        burst: 100_000.0,
    };
    let system = System::start(
        &System::workspace_root(),
        Options {
            throttle: Some(raised),
            ..Options::default()
        },
    )
    .await
    .map_err(|e| e.to_string())?;
    let mut keys = Vec::new();
    for n in 0..TENANTS {
        let (tier, isolation) = match n % 3 {
            0 => (Tier::Basic, Isolation::Pooled),
            1 => (Tier::Standard, Isolation::Pooled),
            _ => (Tier::Premium, Isolation::Siloed),
        };
        let tenant = system
            .onboard(&format!("Load {n}"), tier, isolation)
            .await
            .map_err(|e| e.to_string())?;
        keys.push(tenant.api_key);
    }
    let url = system.credentials_url();
    let profile = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    println!(
        "vends through the whole local stack ({profile} build), {TENANTS} tenants of mixed tiers, throttle raised, one run:"
    );
    println!("  clients   vends    vends/s    p50 ms    p99 ms");
    for clients in LEVELS {
        // Warm: one instance per client, connections open.
        level(&url, &keys, clients, clients * 2).await?;
        let (mut latencies, wall) = level(&url, &keys, clients, vends).await?;
        latencies.sort();
        #[allow(clippy::cast_precision_loss)]
        let per_second = latencies.len() as f64 / wall.as_secs_f64();
        println!(
            "  {clients:>7} {:>7} {per_second:>10.1} {:>9.2} {:>9.2}",
            latencies.len(),
            ms(percentile(&latencies, 0.5)),
            ms(percentile(&latencies, 0.99))
        );
    }
    Ok(())
}

/// `vends` vends spread over `clients` concurrent clients, each with its
/// own connection, round-robin over the tenants' keys.
async fn level(
    url: &str,
    keys: &[String],
    clients: usize,
    vends: usize,
) -> Result<(Vec<Duration>, Duration), String> {
    let started = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|client| {
            let (url, keys) = (url.to_owned(), keys.to_vec());
            let share = vends / clients + usize::from(client < vends % clients);
            tokio::spawn(async move {
                let api = ApiClient::default();
                let mut latencies = Vec::with_capacity(share);
                for i in 0..share {
                    let key = &keys[(client + i * clients) % keys.len()];
                    let t = Instant::now();
                    let response = api.get(&url, Some(key)).await?;
                    if response.status != 200 {
                        return Err(format!(
                            "vend answered {} {}",
                            response.status, response.body
                        ));
                    }
                    latencies.push(t.elapsed());
                }
                Ok::<_, String>(latencies)
            })
        })
        .collect();
    let mut latencies = Vec::with_capacity(vends);
    for task in tasks {
        latencies.extend(task.await.map_err(|e| e.to_string())??);
    }
    Ok((latencies, started.elapsed()))
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(index).copied().unwrap_or_default()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}
