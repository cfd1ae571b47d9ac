//! `sandbox demo`: the guided tour. Two tenants fetch credentials over HTTP
//! with their API keys, write and read their own items, try each other's
//! and a Scan, and are refused. Every step states what it expects; the tour
//! passes only if every expectation held.

use aws_config::{BehaviorVersion, Region};
use aws_sdk_dynamodb::types::AttributeValue;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use crate::api_client::ApiClient;
use crate::system::{System, Tenant};

/// A tenant during the tour: its key, its vended credentials and its table.
struct Actor {
    tenant: Tenant,
    table: String,
    dynamodb: aws_sdk_dynamodb::Client,
}

/// What one step expected and what happened.
#[derive(Debug)]
pub struct Step {
    /// What was tried.
    pub description: String,
    /// Whether the expectation held.
    pub held: bool,
    /// What happened (status, error code).
    pub outcome: String,
}

/// The tour's result, step by step.
#[derive(Debug, Default)]
pub struct Tour {
    /// The steps in order.
    pub steps: Vec<Step>,
}

impl Tour {
    /// Whether every expectation held.
    pub fn passed(&self) -> bool {
        !self.steps.is_empty() && self.steps.iter().all(|s| s.held)
    }

    fn record(
        &mut self,
        description: String,
        held: bool,
        outcome: String,
        out: &mut dyn FnMut(&Step),
    ) {
        let step = Step {
            description,
            held,
            outcome,
        };
        out(&step);
        self.steps.push(step);
    }
}

/// A DynamoDB client for vended credentials against the system's endpoint.
pub fn tenant_dynamodb(
    endpoint: &str,
    credentials: aws_credential_types::Credentials,
) -> aws_sdk_dynamodb::Client {
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(iam_gateway::REGION))
        .endpoint_url(endpoint)
        .credentials_provider(credentials)
        .retry_config(aws_sdk_dynamodb::config::retry::RetryConfig::disabled())
        .build();
    aws_sdk_dynamodb::Client::from_conf(config)
}

fn outcome<T, E: ProvideErrorMetadata>(result: &Result<T, E>) -> (bool, String) {
    match result {
        Ok(_) => (true, "succeeded".to_owned()),
        Err(e) => (false, e.code().unwrap_or("no error code").to_owned()),
    }
}

/// Runs the tour on a running system with two tenants, reporting each step
/// to `out` as it completes.
pub async fn run(system: &System, tenants: &[Tenant], out: &mut dyn FnMut(&Step)) -> Tour {
    let mut tour = Tour::default();
    let api = ApiClient::default();
    let url = system.credentials_url();

    let mut actors = Vec::new();
    for tenant in tenants.iter().take(2) {
        let response = api.get(&url, Some(&tenant.api_key)).await;
        let (held, happened, body) = match response {
            Ok(r) => (
                r.status.is_success(),
                format!("HTTP {}", r.status.as_u16()),
                Some(r),
            ),
            Err(e) => (false, format!("transport error: {e}"), None),
        };
        let detail = body
            .as_ref()
            .map(crate::api_client::ApiResponse::json)
            .map_or_else(String::new, |b| {
                format!(
                    ", tier {}, table {}, expires {}",
                    b["Tenant"]["Tier"], b["Resources"]["DynamoDbTable"], b["Expiration"]
                )
            });
        tour.record(
            format!(
                "{} fetches credentials with its API key (expect 200)",
                tenant.name
            ),
            held,
            format!("{happened}{detail}"),
            out,
        );
        let Some(credentials) = body
            .as_ref()
            .and_then(super::api_client::ApiResponse::credentials)
        else {
            continue;
        };
        let table = body
            .as_ref()
            .and_then(|r| {
                r.json()["Resources"]["DynamoDbTable"]
                    .as_str()
                    .map(str::to_owned)
            })
            .unwrap_or_else(|| system.deployment().data_table.clone());
        actors.push(Actor {
            tenant: tenant.clone(),
            table,
            dynamodb: tenant_dynamodb(&system.endpoint_url(), credentials),
        });
    }

    let refused = api.get(&url, Some("not-a-key-of-anyone-0123456789")).await;
    let (held, happened) = match refused {
        Ok(r) => (
            r.status.as_u16() == 403,
            format!("HTTP {} {}", r.status.as_u16(), r.body),
        ),
        Err(e) => (false, e),
    };
    tour.record(
        "an unknown API key is refused (expect 403)".into(),
        held,
        happened,
        out,
    );

    if let [a, b] = actors.as_slice() {
        for actor in [a, b] {
            own_items(actor, &mut tour, out).await;
        }
        for (me, other) in [(a, b), (b, a)] {
            others_items(me, other, &mut tour, out).await;
        }
        for actor in [a, b] {
            let result = actor.dynamodb.scan().table_name(&actor.table).send().await;
            let (ok, code) = outcome(&result);
            tour.record(
                format!(
                    "{} scans its table {} (expect AccessDeniedException)",
                    actor.tenant.name, actor.table
                ),
                !ok && code == "AccessDeniedException",
                code,
                out,
            );
        }
    }
    tour
}

fn key(pk: &str, sk: &str) -> std::collections::HashMap<String, AttributeValue> {
    [
        ("pk".to_owned(), AttributeValue::S(pk.to_owned())),
        ("sk".to_owned(), AttributeValue::S(sk.to_owned())),
    ]
    .into()
}

async fn own_items(actor: &Actor, tour: &mut Tour, out: &mut dyn FnMut(&Step)) {
    let name = &actor.tenant.name;
    let id = &actor.tenant.api_key_id;
    let put = actor
        .dynamodb
        .put_item()
        .table_name(&actor.table)
        .set_item(Some(key(id, "demo#greeting")))
        .item("message", AttributeValue::S(format!("hello from {name}")))
        .send()
        .await;
    let (ok, code) = outcome(&put);
    tour.record(
        format!(
            "{name} writes its own item (pk={id}) in {} (expect success)",
            actor.table
        ),
        ok,
        code,
        out,
    );

    let get = actor
        .dynamodb
        .get_item()
        .table_name(&actor.table)
        .set_key(Some(key(id, "demo#greeting")))
        .consistent_read(true)
        .send()
        .await;
    let message = get
        .as_ref()
        .ok()
        .and_then(|g| g.item())
        .and_then(|i| i.get("message"))
        .and_then(|m| m.as_s().ok())
        .cloned();
    let (ok, code) = outcome(&get);
    tour.record(
        format!("{name} reads it back (expect the message it wrote)"),
        ok && message.as_deref() == Some(&format!("hello from {name}")),
        message.map_or(code, |m| format!("read {m:?}")),
        out,
    );
}

async fn others_items(me: &Actor, other: &Actor, tour: &mut Tour, out: &mut dyn FnMut(&Step)) {
    let name = &me.tenant.name;
    let other_id = &other.tenant.api_key_id;
    let get = me
        .dynamodb
        .get_item()
        .table_name(&other.table)
        .set_key(Some(key(other_id, "demo#greeting")))
        .send()
        .await;
    let (ok, code) = outcome(&get);
    tour.record(
        format!(
            "{name} reads {}'s item in {} (expect AccessDeniedException)",
            other.tenant.name, other.table
        ),
        !ok && code == "AccessDeniedException",
        code,
        out,
    );
    let put = me
        .dynamodb
        .put_item()
        .table_name(&me.table)
        .set_item(Some(key(other_id, "demo#intruder")))
        .send()
        .await;
    let (ok, code) = outcome(&put);
    tour.record(
        format!("{name} writes into {}'s partition (pk={other_id}) of {} (expect AccessDeniedException)", other.tenant.name, me.table),
        !ok && code == "AccessDeniedException",
        code,
        out,
    );
}
