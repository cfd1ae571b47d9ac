//! The gateway's added latency per DynamoDB request: the same GetItem sent
//! with the Rust SDK through the gateway (SigV4 verified, IAM decided with
//! the role read from moto, re-signed, forwarded) and straight to moto.
//!
//! `cargo bench -p iam-gateway --bench gateway_latency` prints both means and
//! their ratio from one run. Rounds alternate so drift hits both sides.
//!
//! `cargo test --all-targets` runs this binary too, without `--bench`: then
//! it times nothing (600 requests would only slow the test run and assert
//! nothing) and checks instead that both paths return the same stored item,
//! so the figures a real run prints compare like with like.

use std::time::{Duration, Instant};

use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_dynamodb::types::AttributeValue;
use iam_gateway::Gateway;

const ROUNDS: usize = 10;
const PER_ROUND: usize = 30;

fn dynamodb(endpoint: String, credentials: Credentials) -> aws_sdk_dynamodb::Client {
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(iam_gateway::REGION))
        .endpoint_url(endpoint)
        .credentials_provider(credentials)
        .build();
    aws_sdk_dynamodb::Client::from_conf(config)
}

async fn time_gets(client: &aws_sdk_dynamodb::Client, table: &str, n: usize) -> Duration {
    let start = Instant::now();
    for _ in 0..n {
        client
            .get_item()
            .table_name(table)
            .key("pk", AttributeValue::S("k1".into()))
            .key("sk", AttributeValue::S("bench".into()))
            .send()
            .await
            .expect("get item");
    }
    start.elapsed()
}

/// The item both clients read, as each path returns it.
async fn read_back(
    client: &aws_sdk_dynamodb::Client,
    table: &str,
) -> Option<std::collections::HashMap<String, AttributeValue>> {
    client
        .get_item()
        .table_name(table)
        .key("pk", AttributeValue::S("k1".into()))
        .key("sk", AttributeValue::S("bench".into()))
        .consistent_read(true)
        .send()
        .await
        .expect("get item")
        .item
}

#[tokio::main]
async fn main() {
    // `cargo bench` passes `--bench`; `cargo test` doesn't.
    let timed = std::env::args().any(|a| a == "--bench");
    let gateway = Gateway::start(&Gateway::workspace_root())
        .await
        .expect("sandbox starts");
    let table = gateway.deployment().data_table.clone();
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
        .role_session_name("k1")
        .source_identity("k1")
        .tags(
            aws_sdk_sts::types::Tag::builder()
                .key("api-key-id")
                .value("k1")
                .build()
                .expect("tag"),
        )
        .duration_seconds(3600)
        .send()
        .await
        .expect("assume role");
    let c = assumed.credentials().expect("credentials");
    let tenant = Credentials::new(
        c.access_key_id(),
        c.secret_access_key(),
        Some(c.session_token().to_owned()),
        None,
        "bench",
    );
    let through = dynamodb(gateway.endpoint_url(), tenant);
    let direct = dynamodb(
        format!("http://{}", gateway.moto_addr()),
        Credentials::new("LOCALBENCHDIRECT0001", "bench", None, None, "bench"),
    );
    through
        .put_item()
        .table_name(&table)
        .item("pk", AttributeValue::S("k1".into()))
        .item("sk", AttributeValue::S("bench".into()))
        .send()
        .await
        .expect("put item");
    let (via_gateway, via_moto) = (
        read_back(&through, &table).await,
        read_back(&direct, &table).await,
    );
    assert!(via_gateway.is_some(), "the gateway path reads the item");
    assert_eq!(via_gateway, via_moto, "both paths return the same item");
    if !timed {
        println!("gateway_latency: both paths agree; timings only under `cargo bench`");
        return;
    }
    // Warm both paths (connections, schema cache).
    time_gets(&through, &table, 10).await;
    time_gets(&direct, &table, 10).await;

    let (mut via_gateway, mut via_moto) = (Duration::ZERO, Duration::ZERO);
    for _ in 0..ROUNDS {
        via_moto += time_gets(&direct, &table, PER_ROUND).await;
        via_gateway += time_gets(&through, &table, PER_ROUND).await;
    }
    let n = u32::try_from(ROUNDS * PER_ROUND).expect("small");
    let moto_mean = via_moto / n;
    let gateway_mean = via_gateway / n;
    println!("GetItem, {n} requests each, one run");
    println!("  straight to moto:     {moto_mean:?} per request");
    println!("  through the gateway:  {gateway_mean:?} per request");
    println!(
        "  ratio gateway/moto:   {:.2} (added {:?} per request)",
        gateway_mean.as_secs_f64() / moto_mean.as_secs_f64(),
        gateway_mean.saturating_sub(moto_mean)
    );
}
