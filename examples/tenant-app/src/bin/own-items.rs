//! `own-items [OTHER_TENANT_ID]`: writes and reads the tenant's own items
//! with aws-sdk-dynamodb on credentials that refresh themselves
//! (`tenant_credentials::TenantCredentialsProvider`), then tries another tenant's
//! partition (default `someone-else`) and shows that IAM refuses it.
//! Exits 0 only if the own items worked and the other tenant's were refused.
//! Reads `CREDENTIALS_ENDPOINT`, `TENANT_API_KEY` and the SDK's usual
//! variables (`AWS_ENDPOINT_URL` for the local sandbox).
//!
//! `own-items --default-chain TABLE PARTITION_KEY [OTHER_TENANT_ID]` does the
//! same with no credentials code at all: the SDK's default chain finds
//! them, e.g. its container provider with `AWS_CONTAINER_CREDENTIALS_FULL_URI`
//! (the credentials endpoint) and `AWS_CONTAINER_AUTHORIZATION_TOKEN` (the
//! API key), which the credentials API serves unchanged.

use std::process::ExitCode;

use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::types::AttributeValue;
use tenant_credentials::TenantCredentialsProvider;
use tenant_registry::{PARTITION_KEY, SORT_KEY};

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("own-items: {message}");
            ExitCode::FAILURE
        }
    }
}

fn key(pk: &str, sk: &str) -> std::collections::HashMap<String, AttributeValue> {
    [
        (PARTITION_KEY.to_owned(), AttributeValue::S(pk.to_owned())),
        (SORT_KEY.to_owned(), AttributeValue::S(sk.to_owned())),
    ]
    .into()
}

async fn run() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--default-chain") {
        let [table, me, rest @ ..] = &args[1..] else {
            return Err("usage: own-items --default-chain TABLE PARTITION_KEY [OTHER]".into());
        };
        let other = rest.first().map_or("someone-else", String::as_str);
        let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        let dynamodb = aws_sdk_dynamodb::Client::new(&config);
        println!("credentials from the SDK's default chain, tenant {me}, table {table}");
        use_own_items(&dynamodb, table, me).await?;
        return others_are_refused(&dynamodb, table, other).await;
    }
    let other = args
        .first()
        .cloned()
        .unwrap_or_else(|| "someone-else".to_owned());
    // The provider refreshes the credentials whenever the SDK needs it; one
    // vend up front tells the app its table and partition.
    let provider = TenantCredentialsProvider::from_env().map_err(|e| e.to_string())?;
    let vended = provider.vend().await.map_err(|e| e.to_string())?;
    let resources = &vended.body.resources;
    let me = resources.partition_key.clone();
    let table = resources
        .dynamo_db_table
        .clone()
        .ok_or("the credentials body names no DynamoDbTable")?;
    println!(
        "credentials for tenant {me}, table {table}, expiring {}",
        vended
            .body
            .expiration
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    );
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new(vended.body.region.clone()))
        .credentials_provider(provider)
        .load()
        .await;
    let dynamodb = aws_sdk_dynamodb::Client::new(&config);
    use_own_items(&dynamodb, &table, &me).await?;
    others_are_refused(&dynamodb, &table, &other).await
}

/// Writes two items in the tenant's partition, reads one back, queries them.
async fn use_own_items(
    dynamodb: &aws_sdk_dynamodb::Client,
    table: &str,
    me: &str,
) -> Result<(), String> {
    for n in 1..=2 {
        dynamodb
            .put_item()
            .table_name(table)
            .set_item(Some(key(me, &format!("note#{n}"))))
            .item("text", AttributeValue::S(format!("note {n} of {me}")))
            .send()
            .await
            .map_err(|e| {
                format!(
                    "writing my own item failed: {}",
                    e.code().unwrap_or("no code")
                )
            })?;
        println!("put     pk={me} sk=note#{n}: ok");
    }
    let item = dynamodb
        .get_item()
        .table_name(table)
        .set_key(Some(key(me, "note#1")))
        .consistent_read(true)
        .send()
        .await
        .map_err(|e| {
            format!(
                "reading my own item failed: {}",
                e.code().unwrap_or("no code")
            )
        })?;
    let text = item
        .item()
        .and_then(|i| i.get("text"))
        .and_then(|t| t.as_s().ok())
        .ok_or("my item was not there")?;
    println!("get     pk={me} sk=note#1: {text:?}");
    let mine = dynamodb
        .query()
        .table_name(table)
        .key_condition_expression("#pk = :me")
        .expression_attribute_names("#pk", PARTITION_KEY)
        .expression_attribute_values(":me", AttributeValue::S(me.to_owned()))
        .send()
        .await
        .map_err(|e| {
            format!(
                "querying my partition failed: {}",
                e.code().unwrap_or("no code")
            )
        })?;
    println!("query   pk={me}: {} items", mine.count());
    Ok(())
}

/// Another tenant's item and a Scan of the whole table must both be refused.
async fn others_are_refused(
    dynamodb: &aws_sdk_dynamodb::Client,
    table: &str,
    other: &str,
) -> Result<(), String> {
    let theirs = dynamodb
        .get_item()
        .table_name(table)
        .set_key(Some(key(other, "note#1")))
        .send()
        .await;
    match theirs {
        Err(e) if e.code() == Some("AccessDeniedException") => {
            println!("get     pk={other} (another tenant): refused, AccessDeniedException");
        }
        Err(e) => {
            return Err(format!(
                "another tenant's item failed for an unexpected reason: {}",
                e.code().unwrap_or("no code")
            ));
        }
        Ok(_) => {
            return Err(format!(
                "another tenant's item (pk={other}) was readable: isolation is broken"
            ));
        }
    }
    let scan = dynamodb.scan().table_name(table).send().await;
    match scan {
        Err(e) if e.code() == Some("AccessDeniedException") => {
            println!("scan    {table}: refused, AccessDeniedException");
        }
        Err(e) => {
            return Err(format!(
                "scan failed for an unexpected reason: {}",
                e.code().unwrap_or("no code")
            ));
        }
        Ok(_) => {
            return Err("a Scan of the whole table was allowed: isolation is broken".to_owned());
        }
    }
    Ok(())
}
