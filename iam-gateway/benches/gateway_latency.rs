//! The data path through the gateway against moto's own speed, one run.
//!
//! A tenant's own-partition PutItem + GetItem pairs, sent with the Rust SDK
//! through the gateway (SigV4 verified, IAM decided against the role's
//! cached policies, re-signed, forwarded) and straight to moto, at 1 and at
//! 8 concurrent clients. Rounds alternate between the two sides so drift
//! and other load on the machine hit both alike; each side's throughput
//! (pairs/s) and pair latency (p50, p99) are printed with their ratios.
//!
//! `cargo bench -p iam-gateway --bench gateway_latency` measures (cargo
//! passes `--bench`). Under `cargo test --all-targets` (no `--bench`) it
//! times nothing: it checks, in a few requests, that both sides serve the
//! pairs, that both paths return the same stored item, and that the gateway
//! still refuses another tenant's partition.

use std::time::{Duration, Instant};

use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::types::AttributeValue;
use iam_gateway::Gateway;

const TENANT: &str = "k1";
const CONCURRENCY: [usize; 2] = [1, 8];
const ROUNDS: usize = 6;
/// Pairs per client per round.
const PAIRS: usize = 25;

fn dynamodb(endpoint: &str, credentials: &Credentials) -> aws_sdk_dynamodb::Client {
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(iam_gateway::REGION))
        .endpoint_url(endpoint)
        .credentials_provider(credentials.clone())
        .build();
    aws_sdk_dynamodb::Client::from_conf(config)
}

/// One own-partition PutItem then GetItem of the same item.
async fn pair(client: &aws_sdk_dynamodb::Client, table: &str, sk: &str) -> Result<(), String> {
    client
        .put_item()
        .table_name(table)
        .item("pk", AttributeValue::S(TENANT.into()))
        .item("sk", AttributeValue::S(sk.into()))
        .item("v", AttributeValue::S("bench".into()))
        .send()
        .await
        .map_err(|e| format!("put: {:?}", e.code()))?;
    let got = client
        .get_item()
        .table_name(table)
        .key("pk", AttributeValue::S(TENANT.into()))
        .key("sk", AttributeValue::S(sk.into()))
        .send()
        .await
        .map_err(|e| format!("get: {:?}", e.code()))?;
    if got.item().is_none() {
        return Err(format!("the item {sk} written is not read back"));
    }
    Ok(())
}

/// The item under `sk`, as one path returns it.
async fn read_back(
    client: &aws_sdk_dynamodb::Client,
    table: &str,
    sk: &str,
) -> Option<std::collections::HashMap<String, AttributeValue>> {
    client
        .get_item()
        .table_name(table)
        .key("pk", AttributeValue::S(TENANT.into()))
        .key("sk", AttributeValue::S(sk.into()))
        .consistent_read(true)
        .send()
        .await
        .expect("get item")
        .item
}

/// `clients` concurrent clients doing `pairs` pairs each; per-pair latencies
/// and the wall time of the whole round.
async fn round(
    clients: &[aws_sdk_dynamodb::Client],
    table: &str,
    pairs: usize,
    side: &str,
) -> (Vec<Duration>, Duration) {
    let started = Instant::now();
    let tasks: Vec<_> = clients
        .iter()
        .enumerate()
        .map(|(n, client)| {
            let (client, table, side) = (client.clone(), table.to_owned(), side.to_owned());
            tokio::spawn(async move {
                let mut latencies = Vec::with_capacity(pairs);
                for i in 0..pairs {
                    let t = Instant::now();
                    pair(&client, &table, &format!("{side}-{n}-{i}"))
                        .await
                        .unwrap_or_else(|e| panic!("{side}: {e}"));
                    latencies.push(t.elapsed());
                }
                latencies
            })
        })
        .collect();
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await.expect("client task"));
    }
    (latencies, started.elapsed())
}

#[derive(Default)]
struct Side {
    latencies: Vec<Duration>,
    wall: Duration,
}

impl Side {
    fn add(&mut self, (latencies, wall): (Vec<Duration>, Duration)) {
        self.latencies.extend(latencies);
        self.wall += wall;
    }

    #[allow(clippy::cast_precision_loss)]
    fn per_second(&self) -> f64 {
        self.latencies.len() as f64 / self.wall.as_secs_f64()
    }

    fn percentile(&mut self, p: f64) -> Duration {
        self.latencies.sort();
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            clippy::cast_precision_loss
        )]
        let index = ((self.latencies.len() as f64 - 1.0) * p).round() as usize;
        self.latencies[index]
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// A tenant session of `k1`, issued by the gateway's STS to the vendor role.
async fn tenant_credentials(gateway: &Gateway) -> Credentials {
    let vendor = gateway.vendor_credentials().await.expect("vendor");
    let sts = aws_sdk_sts::Client::from_conf(
        aws_sdk_sts::Config::builder()
            .behavior_version(aws_sdk_sts::config::BehaviorVersion::latest())
            .region(aws_sdk_sts::config::Region::new(iam_gateway::REGION))
            .endpoint_url(gateway.endpoint_url())
            .credentials_provider(vendor.to_sdk())
            .build(),
    );
    let assumed = sts
        .assume_role()
        .role_arn(gateway.deployment().tenant_role_arn())
        .role_session_name(TENANT)
        .source_identity(TENANT)
        .tags(
            aws_sdk_sts::types::Tag::builder()
                .key("api-key-id")
                .value(TENANT)
                .build()
                .expect("tag"),
        )
        .duration_seconds(3600)
        .send()
        .await
        .expect("assume role");
    let c = assumed.credentials().expect("credentials");
    Credentials::new(
        c.access_key_id(),
        c.secret_access_key(),
        Some(c.session_token().to_owned()),
        None,
        "bench",
    )
}

#[tokio::main(flavor = "multi_thread", worker_threads = 8)]
async fn main() {
    let measure = std::env::args().any(|a| a == "--bench");
    let gateway = Gateway::start(&Gateway::workspace_root())
        .await
        .expect("gateway starts");
    let table = gateway.deployment().data_table.clone();
    let tenant = tenant_credentials(&gateway).await;
    let moto = Credentials::new("LOCALBENCHDIRECT0001", "bench", None, None, "bench");
    let (through, direct) = (
        gateway.endpoint_url(),
        format!("http://{}", gateway.moto_addr()),
    );

    if !measure {
        // Sanity: both sides serve a pair, and the gateway still enforces.
        let client = dynamodb(&through, &tenant);
        pair(&client, &table, "sanity")
            .await
            .expect("through the gateway");
        let moto_client = dynamodb(&direct, &moto);
        pair(&moto_client, &table, "sanity")
            .await
            .expect("straight to moto");
        // Both paths return the same stored item, so the figures a real
        // run prints compare like with like.
        let (via_gateway, via_moto) = (
            read_back(&client, &table, "sanity").await,
            read_back(&moto_client, &table, "sanity").await,
        );
        assert!(via_gateway.is_some(), "the gateway path reads the item");
        assert_eq!(via_gateway, via_moto, "both paths return the same item");
        let foreign = client
            .put_item()
            .table_name(&table)
            .item("pk", AttributeValue::S("k2".into()))
            .item("sk", AttributeValue::S("x".into()))
            .send()
            .await
            .expect_err("another tenant's partition");
        assert_eq!(foreign.code(), Some("AccessDeniedException"));
        println!("gateway_latency: sanity run passed (cargo bench measures)");
        return;
    }

    println!(
        "own-partition PutItem+GetItem pairs, {ROUNDS} alternating rounds of {PAIRS} pairs per client, one run"
    );
    for concurrency in CONCURRENCY {
        let gateway_clients: Vec<_> = (0..concurrency)
            .map(|_| dynamodb(&through, &tenant))
            .collect();
        let moto_clients: Vec<_> = (0..concurrency).map(|_| dynamodb(&direct, &moto)).collect();
        // Warm both paths: connections, the schema and role caches.
        round(&gateway_clients, &table, 3, "warm").await;
        round(&moto_clients, &table, 3, "warm").await;
        let (mut via_gateway, mut via_moto) = (Side::default(), Side::default());
        for _ in 0..ROUNDS {
            via_moto.add(round(&moto_clients, &table, PAIRS, "moto").await);
            via_gateway.add(round(&gateway_clients, &table, PAIRS, "gateway").await);
        }
        let (g50, m50) = (via_gateway.percentile(0.5), via_moto.percentile(0.5));
        let (g99, m99) = (via_gateway.percentile(0.99), via_moto.percentile(0.99));
        println!(
            "{concurrency} client(s), {} pairs per side:",
            via_moto.latencies.len()
        );
        println!(
            "  straight to moto:     {:8.1} pairs/s  p50 {:6.2} ms  p99 {:6.2} ms",
            via_moto.per_second(),
            ms(m50),
            ms(m99)
        );
        println!(
            "  through the gateway:  {:8.1} pairs/s  p50 {:6.2} ms  p99 {:6.2} ms",
            via_gateway.per_second(),
            ms(g50),
            ms(g99)
        );
        println!(
            "  gateway/moto:         throughput x{:.2} slower, p50 x{:.2}, p99 x{:.2}",
            via_moto.per_second() / via_gateway.per_second(),
            ms(g50) / ms(m50),
            ms(g99) / ms(m99)
        );
    }
}
