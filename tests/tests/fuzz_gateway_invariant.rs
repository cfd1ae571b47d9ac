//! The gateway's invariant, as a property over generated DynamoDB requests:
//! a request the mapper can't fully understand is refused, never
//! forwarded; so a tenant's request that names another tenant's partition,
//! in whatever shape, never reaches moto.
//!
//! Tenant `k1` sends every DynamoDB data operation (item, batch,
//! transaction, Query on the table and the index, Scan, PartiQL), through
//! the real gateway, with partition values drawn from its own (`k1`) and
//! others' (`k1x`, `K1`, `k2`) in every position and shape the generator
//! knows: S, N, B, two types at once, sets, a missing key, a key given
//! twice, aliased names, legacy `KeyConditions`, both condition styles at
//! once. Other tenants' values appear only where they would name a
//! partition, so the property is simply: if the body names another
//! tenant's value, the gateway refused it (moto never sends
//! AccessDeniedException: it enforces nothing). Afterwards moto itself is
//! asked: no other tenant's partition holds an item. The run also counts
//! forwarded requests, so the property can't hold by refusing everything.

mod gateway_support;

use std::sync::atomic::{AtomicUsize, Ordering};

use gateway_support::{TENANT_A, raw, start, tenant};
use iam_gateway::sigv4::Service;
use serde_json::{Value, json};
use test_support::fuzz::proptest::collection::vec;
use test_support::fuzz::proptest::prelude::*;
use test_support::fuzz::{self, proptest::option};
use vendor_fn::Scope;

/// Other tenants: a look-alike, a case variant, another.
const OTHERS: [&str; 3] = ["k1x", "K1", "k2"];

fn partition() -> impl Strategy<Value = &'static str> {
    prop_oneof![3 => Just(TENANT_A), 1 => Just("k1x"), 1 => Just("K1"), 1 => Just("k2")]
}

/// A partition key value in one of the shapes DynamoDB has (and some it rejects).
fn key_value() -> impl Strategy<Value = Value> {
    (partition(), 0..8u8).prop_map(|(p, shape)| match shape {
        0..=3 => json!({"S": p}),
        4 => json!({"N": "1"}),
        5 => json!({"B": "azI="}),
        6 => json!({"S": p, "N": "1"}),
        _ => json!({"SS": [p]}),
    })
}

/// `Key` or `Item`: the partition key (or not, or under another name), a sort key.
fn key() -> impl Strategy<Value = Value> {
    (
        option::of(key_value()),
        prop_oneof![Just("pk"), Just("PK"), Just("pk ")],
        any::<bool>(),
    )
        .prop_map(|(value, name, item)| {
            let mut key = serde_json::Map::new();
            if let Some(value) = value {
                key.insert(name.to_owned(), value);
            }
            key.insert("sk".into(), json!({"S": "s1"}));
            if item {
                key.insert("note".into(), json!({"S": "v1"}));
            }
            Value::Object(key)
        })
}

const TABLES: [&str; 4] = [
    "TenantDataTable",
    "arn:aws:dynamodb:us-east-1:123456789012:table/TenantDataTable",
    "tenant-silo-k2",
    "TenantDataTableX",
];

fn table() -> impl Strategy<Value = &'static str> {
    prop_oneof![4 => Just(TABLES[0]), 1 => Just(TABLES[1]), 1 => Just(TABLES[2]), 1 => Just(TABLES[3])]
}

fn query() -> impl Strategy<Value = Value> {
    (
        table(),
        option::of(prop_oneof![Just("byTenant"), Just("noSuchIndex")]),
        prop_oneof![
            Just("pk = :p"),
            Just("#k = :p"),
            Just("pk = :p AND sk > :s"),
            Just("pk = :p OR pk = :q"),
            Just("pk = :p AND pk = :q"),
            Just("pk < :p"),
            Just("begins_with(pk, :p)"),
            Just("sk = :s"),
            Just("(pk = :p)"),
            Just("pk = :q"),
            Just("pk IN (:p, :q)"),
        ],
        key_value(),
        key_value(),
        0..3u8,
    )
        .prop_map(|(table, index, expression, p, q, style)| {
            let mut request = json!({"TableName": table});
            if let Some(index) = index {
                request["IndexName"] = json!(index);
            }
            let conditions =
                json!({"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [p.clone()]}});
            if style != 1 {
                request["KeyConditionExpression"] = json!(expression);
                if expression.contains("#k") {
                    request["ExpressionAttributeNames"] = json!({"#k": "pk"});
                }
                // Only the values the expression uses (DynamoDB refuses
                // unused ones; an unused foreign value names no partition).
                let mut values = serde_json::Map::new();
                for (name, value) in [(":p", p), (":q", q), (":s", json!({"S": "s1"}))] {
                    if expression.contains(name) {
                        values.insert(name.to_owned(), value);
                    }
                }
                request["ExpressionAttributeValues"] = Value::Object(values);
            }
            if style != 0 {
                request["KeyConditions"] = conditions;
            }
            request
        })
}

fn partiql() -> impl Strategy<Value = Value> {
    (
        prop_oneof![
            Just("SELECT * FROM \"TenantDataTable\" WHERE pk = 'P'"),
            Just("SELECT * FROM \"TenantDataTable\".\"byTenant\" WHERE pk = 'P'"),
            Just("SELECT * FROM \"TenantDataTable\" WHERE pk = ?"),
            Just("SELECT * FROM \"TenantDataTable\" WHERE pk = 'P' OR pk = 'k1'"),
            Just("SELECT * FROM \"TenantDataTable\" WHERE pk IN ['P', 'k1']"),
            Just("UPDATE \"TenantDataTable\" SET note = 'v1' WHERE pk = 'P' AND sk = 's1'"),
            Just("DELETE FROM \"TenantDataTable\" WHERE pk = ? AND sk = 's1'"),
            Just("INSERT INTO \"TenantDataTable\" VALUE {'pk': 'P', 'sk': 's1'}"),
            Just("SELECT * FROM \"TenantDataTable\" WHERE pk = 'k1' -- AND pk = 'P'"),
        ],
        partition(),
        option::of(vec(key_value(), 0..2)),
    )
        .prop_map(|(statement, p, parameters)| {
            let mut request = json!({"Statement": statement.replace('P', p)});
            if let Some(parameters) = parameters {
                request["Parameters"] = json!(parameters);
            }
            request
        })
}

/// An operation (`X-Amz-Target`) and its body.
fn request() -> impl Strategy<Value = (&'static str, Value)> {
    prop_oneof![
        (prop_oneof![Just("GetItem"), Just("DeleteItem"), Just("UpdateItem")], table(), key()).prop_map(
            |(op, table, key)| {
                let mut body = json!({"TableName": table, "Key": key});
                if op == "UpdateItem" {
                    body["UpdateExpression"] = json!("SET note = :n");
                    body["ExpressionAttributeValues"] = json!({":n": {"S": "v1"}});
                }
                (op, body)
            }
        ),
        (table(), key()).prop_map(|(table, item)| ("PutItem", json!({"TableName": table, "Item": item}))),
        query().prop_map(|q| ("Query", q)),
        table().prop_map(|t| ("Scan", json!({"TableName": t}))),
        vec(key(), 1..3).prop_map(|keys| ("BatchGetItem", json!({"RequestItems": {"TenantDataTable": {"Keys": keys}}}))),
        vec((key(), any::<bool>()), 1..3).prop_map(|writes| {
            let writes: Vec<Value> = writes
                .into_iter()
                .map(|(k, put)| if put { json!({"PutRequest": {"Item": k}}) } else { json!({"DeleteRequest": {"Key": k}}) })
                .collect();
            ("BatchWriteItem", json!({"RequestItems": {"TenantDataTable": writes}}))
        }),
        vec((key(), 0..3u8), 1..3).prop_map(|items| {
            let items: Vec<Value> = items
                .into_iter()
                .map(|(k, kind)| match kind {
                    0 => json!({"Put": {"TableName": "TenantDataTable", "Item": k}}),
                    1 => json!({"Delete": {"TableName": "TenantDataTable", "Key": k}}),
                    _ => json!({"ConditionCheck": {"TableName": "TenantDataTable", "Key": k, "ConditionExpression": "attribute_exists(sk)"}}),
                })
                .collect();
            ("TransactWriteItems", json!({"TransactItems": items}))
        }),
        vec(key(), 1..3).prop_map(|keys| {
            let items: Vec<Value> = keys.into_iter().map(|k| json!({"Get": {"TableName": "TenantDataTable", "Key": k}})).collect();
            ("TransactGetItems", json!({"TransactItems": items}))
        }),
        partiql().prop_map(|s| ("ExecuteStatement", s)),
        vec(partiql(), 1..3).prop_map(|s| ("BatchExecuteStatement", json!({"Statements": s}))),
    ]
}

/// The body as sent: the JSON, or with a partition key given twice (JSON
/// parsers disagree on which copy wins).
fn sent((op, body): (&'static str, Value), twice: Option<&'static str>) -> (&'static str, String) {
    let text = body.to_string();
    let text = match twice {
        Some(other) if text.contains("\"pk\":") => text.replacen(
            "\"pk\":",
            &format!("\"pk\":{{\"S\":\"{other}\"}},\"pk\":"),
            1,
        ),
        _ => text,
    };
    (op, text)
}

#[test]
fn a_request_the_gateway_cannot_fully_map_is_refused_never_forwarded() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let gateway = runtime.block_on(start());
    let session = runtime.block_on(tenant(&gateway, TENANT_A, Scope::ReadWrite));
    let (forwarded, refused_foreign) = (AtomicUsize::new(0), AtomicUsize::new(0));

    let strategy = (
        request(),
        option::weighted(0.1, prop::sample::select(OTHERS.to_vec())),
    );
    fuzz::run(
        "gateway invariant (DynamoDB)",
        strategy,
        |(generated, twice)| {
            let (op, body) = sent(generated, twice);
            let target = format!("DynamoDB_20120810.{op}");
            let (status, answer) = runtime.block_on(raw(
                &gateway,
                Some(&session),
                Service::DynamoDb,
                "POST",
                "/",
                &[
                    ("x-amz-target", &target),
                    ("content-type", "application/x-amz-json-1.0"),
                ],
                body.as_bytes(),
            ));
            let answer: Value = serde_json::from_str(&answer).unwrap_or(Value::Null);
            let refused = answer["__type"]
                .as_str()
                .is_some_and(|t| t.ends_with("#AccessDeniedException"));
            let names_another = OTHERS.iter().any(|other| {
                body.contains(&format!("\"{other}\"")) || body.contains(&format!("'{other}'"))
            });
            if names_another {
                prop_assert!(
                    refused,
                    "forwarded a request naming another tenant: {} {} -> {} {}",
                    op,
                    body,
                    status,
                    answer
                );
                refused_foreign.fetch_add(1, Ordering::Relaxed);
            } else if !refused {
                forwarded.fetch_add(1, Ordering::Relaxed);
            }
            // The gateway's own failure is `InternalFailure`: never. moto
            // answers some PartiQL it doesn't implement (a DELETE in a
            // BatchExecuteStatement) with a bare 500, which the gateway,
            // having allowed an own-partition request, relays as it is.
            let gateways_own_failure = answer["__type"]
                .as_str()
                .is_some_and(|t| t.ends_with("#InternalFailure"));
            prop_assert!(!gateways_own_failure, "{op} {body} -> {status} {answer}");
            prop_assert!(
                status < 500 || (op.ends_with("ExecuteStatement") && !refused),
                "{op} {body} -> {status} {answer}"
            );
            Ok(())
        },
    );

    let (forwarded, refused_foreign) = (forwarded.into_inner(), refused_foreign.into_inner());
    eprintln!(
        "gateway invariant: {forwarded} forwarded, {refused_foreign} naming another tenant refused"
    );
    assert!(
        forwarded > 0 && refused_foreign > 0,
        "the generator must reach both outcomes"
    );
    // And moto agrees: no other tenant's partition holds anything.
    for other in OTHERS {
        let items = runtime
            .block_on(gateway.moto().dynamodb(
                "Query",
                &json!({
                    "TableName": "TenantDataTable",
                    "KeyConditionExpression": "pk = :p",
                    "ExpressionAttributeValues": {":p": {"S": other}},
                }),
            ))
            .expect("moto answers");
        assert_eq!(
            items["Count"], 0,
            "{other}'s partition was written: {items}"
        );
    }
}
