//! `soak`: a bounded load of the whole local system, loopback only.
//!
//! On a fresh system with the deployed throttles, six tenants of every
//! tier (pooled and siloed) make 10,000 vends (GET and POST, both scopes),
//! then 10,000 data operations with the credentials they got (5,000 own
//! PutItems, each read back by a GetItem), from 8 concurrent clients. It
//! then checks isolation: every tenant is refused every other tenant's
//! partition or silo table (read and write) and a Scan of the pooled table,
//! and moto holds in each tenant's partition exactly the items it wrote.
//!
//! Exit 0 only if: no answer but 200 and the documented 429 (`{"message":
//! "Too Many Requests"}`), every write read back with its value, and
//! isolation held. Bounded in count (above) and time (15 minutes, then it
//! fails).
//!
//! `cargo run --release -p sandbox --bin soak -- [vends] [data operations]`
//! (build vendor-fn with the same profile first).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::types::AttributeValue;
use sandbox::api_client::ApiClient;
use sandbox::system::{Options, System, Tenant};
use tenant_registry::{CredentialsBody, Isolation, Tier};
use tokio::sync::Mutex;

const CLIENTS: usize = 8;
const DEADLINE: Duration = Duration::from_mins(15);
const TENANTS: [(&str, Tier, Isolation); 6] = [
    ("Soak Basic A", Tier::Basic, Isolation::Pooled),
    ("Soak Basic B", Tier::Basic, Isolation::Siloed),
    ("Soak Standard A", Tier::Standard, Isolation::Pooled),
    ("Soak Standard B", Tier::Standard, Isolation::Siloed),
    ("Soak Premium A", Tier::Premium, Isolation::Pooled),
    ("Soak Premium B", Tier::Premium, Isolation::Siloed),
];

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match tokio::time::timeout(DEADLINE, run()).await {
        Ok(Ok(())) => std::process::ExitCode::SUCCESS,
        Ok(Err(e)) => {
            eprintln!("soak: FAILED: {e}");
            std::process::ExitCode::FAILURE
        }
        Err(_) => {
            eprintln!("soak: FAILED: not done within {DEADLINE:?}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn count(arg: Option<String>, default: usize, what: &str) -> Result<usize, String> {
    arg.map_or(Ok(default), |a| a.parse())
        .map_err(|e| format!("{what}: {e}"))
}

async fn run() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let vends = count(args.next(), 10_000, "vends")?;
    let operations = count(args.next(), 10_000, "data operations")?;
    let started = Instant::now();
    let system = System::start(&System::workspace_root(), Options::default())
        .await
        .map_err(|e| e.to_string())?;
    let mut tenants = Vec::new();
    for (name, tier, isolation) in TENANTS {
        tenants.push(
            system
                .onboard(name, tier, isolation)
                .await
                .map_err(|e| e.to_string())?,
        );
    }
    let tenants = Arc::new(tenants);

    let vended = vend_phase(&system.credentials_url(), &tenants, vends).await?;
    let bodies: Vec<CredentialsBody> = (0..tenants.len())
        .map(|i| {
            vended.last_body[i]
                .clone()
                .ok_or_else(|| format!("{} never got credentials", tenants[i].name))
        })
        .collect::<Result<_, _>>()?;
    let clients: Vec<_> = bodies
        .iter()
        .map(|b| dynamodb(&system.endpoint_url(), b))
        .collect();
    let written = data_phase(&clients, &bodies, operations).await?;
    let refused = isolation_phase(&system, &clients, &bodies, &written).await?;

    println!(
        "soak passed in {:.1?} (one run, loopback only):",
        started.elapsed()
    );
    println!("  vends: {vends} attempts from {CLIENTS} clients");
    for (tier, (ok, throttled)) in &vended.by_tier {
        println!("    {tier:<8}  200: {ok:>5}   429: {throttled:>5}");
    }
    print_latency("    vend (200)", vended.latencies);
    println!(
        "  data: {operations} operations ({} PutItem, each read back by GetItem), 0 errors",
        written.values().map(Vec::len).sum::<usize>()
    );
    print_latency(
        "    put+get",
        written.into_values().flatten().map(|w| w.1).collect(),
    );
    println!(
        "  isolation: {refused} cross-tenant requests, all refused; every partition holds exactly its own writes"
    );
    Ok(())
}

#[derive(Default)]
struct Vended {
    by_tier: BTreeMap<&'static str, (usize, usize)>,
    latencies: Vec<Duration>,
    last_body: Vec<Option<CredentialsBody>>,
}

async fn vend_phase(url: &str, tenants: &Arc<Vec<Tenant>>, vends: usize) -> Result<Vended, String> {
    let shared = Arc::new(Mutex::new(Vended {
        last_body: vec![None; tenants.len()],
        ..Vended::default()
    }));
    let tasks: Vec<_> = (0..CLIENTS)
        .map(|client| {
            let (url, tenants, shared) = (url.to_owned(), Arc::clone(tenants), Arc::clone(&shared));
            tokio::spawn(async move {
                let api = ApiClient::default();
                for i in (client..vends).step_by(CLIENTS) {
                    let n = i % tenants.len();
                    let tenant = &tenants[n];
                    let t = Instant::now();
                    let response = match i % 4 {
                        0 => {
                            api.post(
                                &url,
                                Some(&tenant.api_key),
                                &[],
                                r#"{"scope": "read-only", "durationSeconds": 900}"#,
                            )
                            .await?
                        }
                        1 => {
                            api.post(
                                &url,
                                Some(&tenant.api_key),
                                &[],
                                r#"{"durationSeconds": 900}"#,
                            )
                            .await?
                        }
                        _ => api.get(&url, Some(&tenant.api_key)).await?,
                    };
                    let elapsed = t.elapsed();
                    let mut v = shared.lock().await;
                    let entry = v.by_tier.entry(tenant.tier.as_str()).or_default();
                    match response.status.as_u16() {
                        200 => {
                            let body = response.credentials_body().ok_or_else(|| {
                                format!("a 200 that is not a credentials body: {}", response.body)
                            })?;
                            if body.tenant.api_key_id.as_str() != tenant.api_key_id {
                                return Err(format!(
                                    "{} got another tenant's credentials",
                                    tenant.name
                                ));
                            }
                            entry.0 += 1;
                            v.latencies.push(elapsed);
                            // Keep read-write credentials for the data phase.
                            if i % 4 != 0 {
                                v.last_body[n] = Some(body);
                            }
                        }
                        429 if response.json()
                            == serde_json::json!({"message": "Too Many Requests"}) =>
                        {
                            entry.1 += 1;
                        }
                        status => {
                            return Err(format!(
                                "vend for {} answered {status} {}",
                                tenant.name, response.body
                            ));
                        }
                    }
                }
                Ok::<_, String>(())
            })
        })
        .collect();
    for task in tasks {
        task.await.map_err(|e| e.to_string())??;
    }
    Arc::try_unwrap(shared)
        .map(Mutex::into_inner)
        .map_err(|_| "vend tasks still hold the results".to_owned())
}

fn dynamodb(endpoint: &str, body: &CredentialsBody) -> aws_sdk_dynamodb::Client {
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(aws_sdk_dynamodb::config::BehaviorVersion::latest())
        .region(aws_sdk_dynamodb::config::Region::new(body.region.clone()))
        .endpoint_url(endpoint)
        .credentials_provider(body.to_sdk_credentials("soak"))
        // An error is a finding here, not something to retry away.
        .retry_config(aws_sdk_dynamodb::config::retry::RetryConfig::disabled())
        .build();
    aws_sdk_dynamodb::Client::from_conf(config)
}

fn table(body: &CredentialsBody) -> Result<String, String> {
    body.resources
        .dynamo_db_table
        .clone()
        .ok_or_else(|| "credentials name no table".to_owned())
}

fn key(partition: &str, sort: &str) -> HashMap<String, AttributeValue> {
    HashMap::from([
        ("pk".to_owned(), AttributeValue::S(partition.to_owned())),
        ("sk".to_owned(), AttributeValue::S(sort.to_owned())),
    ])
}

/// Each tenant's written sort keys, with the time its put + get took.
type Written = BTreeMap<usize, Vec<(String, Duration)>>;

async fn data_phase(
    clients: &[aws_sdk_dynamodb::Client],
    bodies: &[CredentialsBody],
    operations: usize,
) -> Result<Written, String> {
    let pairs = operations / 2;
    let tasks: Vec<_> = (0..CLIENTS)
        .map(|client| {
            let (clients, bodies) = (clients.to_vec(), bodies.to_vec());
            tokio::spawn(async move {
                let mut written: Written = BTreeMap::new();
                for i in (client..pairs).step_by(CLIENTS) {
                    let n = i % bodies.len();
                    let (db, body) = (&clients[n], &bodies[n]);
                    let (table, partition) = (table(body)?, body.resources.partition_key.clone());
                    let sort = format!("soak-{i}");
                    let value = format!("value-{i}-{partition}");
                    let t = Instant::now();
                    let mut item = key(&partition, &sort);
                    item.insert("v".into(), AttributeValue::S(value.clone()));
                    db.put_item()
                        .table_name(&table)
                        .set_item(Some(item))
                        .send()
                        .await
                        .map_err(|e| format!("own PutItem {partition}/{sort}: {:?}", e.code()))?;
                    let got = db
                        .get_item()
                        .table_name(&table)
                        .set_key(Some(key(&partition, &sort)))
                        .consistent_read(true)
                        .send()
                        .await
                        .map_err(|e| format!("own GetItem {partition}/{sort}: {:?}", e.code()))?;
                    let read = got
                        .item()
                        .and_then(|i| i.get("v"))
                        .and_then(|v| v.as_s().ok());
                    if read != Some(&value) {
                        return Err(format!(
                            "{partition}/{sort} written but read back as {read:?}"
                        ));
                    }
                    written.entry(n).or_default().push((sort, t.elapsed()));
                }
                Ok::<_, String>(written)
            })
        })
        .collect();
    let mut all: Written = BTreeMap::new();
    for task in tasks {
        for (n, w) in task.await.map_err(|e| e.to_string())?? {
            all.entry(n).or_default().extend(w);
        }
    }
    Ok(all)
}

fn refused<T, E: ProvideErrorMetadata + std::fmt::Debug>(
    result: Result<T, E>,
    what: &str,
) -> Result<(), String> {
    match result {
        Err(e) if e.code() == Some("AccessDeniedException") => Ok(()),
        Err(e) => Err(format!("{what}: refused, but not by IAM: {e:?}")),
        Ok(_) => Err(format!("{what}: ALLOWED (isolation broken)")),
    }
}

async fn isolation_phase(
    system: &System,
    clients: &[aws_sdk_dynamodb::Client],
    bodies: &[CredentialsBody],
    written: &Written,
) -> Result<usize, String> {
    let mut attempts = 0;
    let pooled = system.deployment().data_table.clone();
    for (a, db) in clients.iter().enumerate() {
        refused(
            db.scan().table_name(&pooled).send().await,
            "a Scan of the pooled table",
        )?;
        attempts += 1;
        for (b, other) in bodies.iter().enumerate() {
            if a == b {
                continue;
            }
            let (table, partition) = (table(other)?, other.resources.partition_key.as_str());
            let what = format!(
                "{} on {partition} in {table}",
                bodies[a].resources.partition_key
            );
            let sort = written
                .get(&b)
                .and_then(|w| w.first())
                .map_or("none", |w| w.0.as_str());
            refused(
                db.get_item()
                    .table_name(&table)
                    .set_key(Some(key(partition, sort)))
                    .send()
                    .await,
                &format!("GetItem by {what}"),
            )?;
            refused(
                db.put_item()
                    .table_name(&table)
                    .set_item(Some(key(partition, "intruder")))
                    .send()
                    .await,
                &format!("PutItem by {what}"),
            )?;
            attempts += 2;
        }
    }
    // moto itself: each partition holds exactly what its tenant wrote.
    let admin = aws_sdk_dynamodb::Client::new(system.admin_config());
    for (n, body) in bodies.iter().enumerate() {
        let (table, partition) = (table(body)?, &body.resources.partition_key);
        let held = admin
            .query()
            .table_name(&table)
            .key_condition_expression("pk = :p")
            .expression_attribute_values(":p", AttributeValue::S(partition.clone()))
            .select(aws_sdk_dynamodb::types::Select::Count)
            .send()
            .await
            .map_err(|e| format!("counting {partition}: {e:?}"))?
            .count();
        let wrote = written.get(&n).map_or(0, Vec::len);
        if usize::try_from(held).ok() != Some(wrote) {
            return Err(format!("{partition} holds {held} items, wrote {wrote}"));
        }
    }
    Ok(attempts)
}

fn print_latency(what: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let at = |p: f64| {
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            clippy::cast_precision_loss
        )]
        let i = ((samples.len() as f64 - 1.0) * p).round() as usize;
        samples.get(i).map_or(f64::NAN, |d| d.as_secs_f64() * 1e3)
    };
    println!(
        "{what}: p50 {:.2} ms  p99 {:.2} ms  ({} samples)",
        at(0.5),
        at(0.99),
        samples.len()
    );
}
