//! Tenant isolation in DynamoDB, with real SDK calls through the gateway:
//! every item operation works on the tenant's own partition and is refused
//! with AccessDeniedException on the other tenant's, in mixed batches and
//! transactions, and for Scan. Tenant B's key (`k1x`) starts with tenant
//! A's (`k1`), so a prefix match anywhere would show.

mod gateway_support;

use std::collections::HashMap;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::types::{
    AttributeValue, ComparisonOperator, Condition, ConditionCheck, Delete, DeleteRequest, Get,
    KeysAndAttributes, Put, PutRequest, TransactGetItem, TransactWriteItem, Update, WriteRequest,
};
use gateway_support::{TENANT_A, TENANT_B, dynamodb, start, tenant};
use iam_gateway::Gateway;
use vendor_fn::Scope;

type Item = HashMap<String, AttributeValue>;

fn s(value: &str) -> AttributeValue {
    AttributeValue::S(value.to_owned())
}

fn key(tenant: &str, sk: &str) -> Item {
    HashMap::from([("pk".to_owned(), s(tenant)), ("sk".to_owned(), s(sk))])
}

fn item(tenant: &str, sk: &str) -> Item {
    let mut item = key(tenant, sk);
    item.insert("gsi1sk".into(), s("g"));
    item.insert("note".into(), s("hello"));
    item
}

/// Asserts the call was refused with DynamoDB's AccessDeniedException.
fn assert_denied<T: std::fmt::Debug, E: ProvideErrorMetadata + std::fmt::Debug>(
    result: Result<T, E>,
    what: &str,
) {
    match result {
        Ok(out) => panic!("{what}: allowed, expected AccessDeniedException ({out:?})"),
        Err(e) => assert_eq!(e.code(), Some("AccessDeniedException"), "{what}: {e:?}"),
    }
}

/// The modelled error, for readable failures.
fn service<E, R>(
    result: Result<R, aws_sdk_dynamodb::error::SdkError<E, aws_smithy_runtime_api::http::Response>>,
) -> Result<R, E>
where
    E: std::error::Error
        + Send
        + Sync
        + 'static
        + aws_smithy_runtime_api::client::result::CreateUnhandledError,
{
    result.map_err(aws_sdk_dynamodb::error::SdkError::into_service_error)
}

struct Tenants {
    gateway: Gateway,
    table: String,
    index: String,
    a: Client,
    b: Client,
}

async fn two_tenants() -> Tenants {
    let gateway = start().await;
    let table = gateway.deployment().data_table.clone();
    let index = gateway.deployment().data_index.clone();
    let a = dynamodb(
        &gateway,
        &tenant(&gateway, TENANT_A, Scope::ReadWrite).await,
    );
    let b = dynamodb(
        &gateway,
        &tenant(&gateway, TENANT_B, Scope::ReadWrite).await,
    );
    for (client, id) in [(&a, TENANT_A), (&b, TENANT_B)] {
        client
            .put_item()
            .table_name(&table)
            .set_item(Some(item(id, "seed")))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{id} writes its own item: {:?}", e.into_service_error()));
    }
    Tenants {
        gateway,
        table,
        index,
        a,
        b,
    }
}

#[tokio::test]
#[allow(clippy::too_many_lines)] // the whole repertoire of one tenant, in order
async fn each_tenant_can_use_every_item_operation_on_its_own_partition() {
    let t = two_tenants().await;
    for (client, id) in [(&t.a, TENANT_A), (&t.b, TENANT_B)] {
        let table = &t.table;
        service(
            client
                .put_item()
                .table_name(table)
                .set_item(Some(item(id, "1")))
                .send()
                .await,
        )
        .expect("put");
        let got = service(
            client
                .get_item()
                .table_name(table)
                .set_key(Some(key(id, "1")))
                .send()
                .await,
        )
        .expect("get");
        assert_eq!(got.item().and_then(|i| i.get("note")), Some(&s("hello")));
        service(
            client
                .update_item()
                .table_name(table)
                .set_key(Some(key(id, "1")))
                .update_expression("SET note = :n")
                .expression_attribute_values(":n", s("updated"))
                .send()
                .await,
        )
        .expect("update");

        let query = service(
            client
                .query()
                .table_name(table)
                .key_condition_expression("#p = :p AND begins_with(sk, :s)")
                .expression_attribute_names("#p", "pk")
                .expression_attribute_values(":p", s(id))
                .expression_attribute_values(":s", s("1"))
                .send()
                .await,
        )
        .expect("query");
        assert_eq!(query.count(), 1);
        let by_index = service(
            client
                .query()
                .table_name(table)
                .index_name(&t.index)
                .key_condition_expression("pk = :p")
                .expression_attribute_values(":p", s(id))
                .send()
                .await,
        )
        .expect("query index");
        assert_eq!(
            by_index.count(),
            2,
            "seed and 1, and nothing of the other tenant"
        );
        let legacy = service(
            client
                .query()
                .table_name(table)
                .key_conditions(
                    "pk",
                    Condition::builder()
                        .comparison_operator(ComparisonOperator::Eq)
                        .attribute_value_list(s(id))
                        .build()
                        .expect("condition"),
                )
                .send()
                .await,
        )
        .expect("query with KeyConditions");
        assert_eq!(legacy.count(), 2);

        service(
            client
                .batch_write_item()
                .request_items(
                    table,
                    vec![
                        WriteRequest::builder()
                            .put_request(
                                PutRequest::builder()
                                    .set_item(Some(item(id, "2")))
                                    .build()
                                    .expect("put"),
                            )
                            .build(),
                        WriteRequest::builder()
                            .put_request(
                                PutRequest::builder()
                                    .set_item(Some(item(id, "3")))
                                    .build()
                                    .expect("put"),
                            )
                            .build(),
                    ],
                )
                .send()
                .await,
        )
        .expect("batch write");
        let batch = service(
            client
                .batch_get_item()
                .request_items(
                    table,
                    KeysAndAttributes::builder()
                        .keys(key(id, "2"))
                        .keys(key(id, "3"))
                        .build()
                        .expect("keys"),
                )
                .send()
                .await,
        )
        .expect("batch get");
        assert_eq!(
            batch.responses().and_then(|r| r.get(table)).map(Vec::len),
            Some(2)
        );

        service(
            client
                .transact_write_items()
                .transact_items(
                    TransactWriteItem::builder()
                        .put(put(table, id, "4"))
                        .build(),
                )
                .transact_items(
                    TransactWriteItem::builder()
                        .update(update(table, id, "2"))
                        .build(),
                )
                .transact_items(
                    TransactWriteItem::builder()
                        .condition_check(condition_check(table, id, "3"))
                        .build(),
                )
                .transact_items(
                    TransactWriteItem::builder()
                        .delete(delete(table, id, "seed"))
                        .build(),
                )
                .send()
                .await,
        )
        .expect("transact write");
        let got = service(
            client
                .transact_get_items()
                .transact_items(TransactGetItem::builder().get(get(table, id, "4")).build())
                .transact_items(TransactGetItem::builder().get(get(table, id, "2")).build())
                .send()
                .await,
        )
        .expect("transact get");
        assert_eq!(got.responses().len(), 2);

        service(
            client
                .delete_item()
                .table_name(table)
                .set_key(Some(key(id, "1")))
                .send()
                .await,
        )
        .expect("delete");
    }
}

fn put(table: &str, tenant: &str, sk: &str) -> Put {
    Put::builder()
        .table_name(table)
        .set_item(Some(item(tenant, sk)))
        .build()
        .expect("put")
}

fn update(table: &str, tenant: &str, sk: &str) -> Update {
    Update::builder()
        .table_name(table)
        .set_key(Some(key(tenant, sk)))
        .update_expression("SET note = :n")
        .expression_attribute_values(":n", s("tx"))
        .build()
        .expect("update")
}

fn condition_check(table: &str, tenant: &str, sk: &str) -> ConditionCheck {
    ConditionCheck::builder()
        .table_name(table)
        .set_key(Some(key(tenant, sk)))
        .condition_expression("attribute_exists(pk)")
        .build()
        .expect("condition check")
}

fn delete(table: &str, tenant: &str, sk: &str) -> Delete {
    Delete::builder()
        .table_name(table)
        .set_key(Some(key(tenant, sk)))
        .build()
        .expect("delete")
}

fn get(table: &str, tenant: &str, sk: &str) -> Get {
    Get::builder()
        .table_name(table)
        .set_key(Some(key(tenant, sk)))
        .build()
        .expect("get")
}

#[tokio::test]
#[expect(clippy::too_many_lines, reason = "one scenario, read top to bottom")]
async fn every_item_operation_on_the_other_tenants_partition_is_denied() {
    let t = two_tenants().await;
    let table = &t.table;
    for (client, other) in [(&t.a, TENANT_B), (&t.b, TENANT_A)] {
        assert_denied(
            client
                .put_item()
                .table_name(table)
                .set_item(Some(item(other, "x")))
                .send()
                .await,
            "put",
        );
        assert_denied(
            client
                .get_item()
                .table_name(table)
                .set_key(Some(key(other, "seed")))
                .send()
                .await,
            "get",
        );
        assert_denied(
            client
                .update_item()
                .table_name(table)
                .set_key(Some(key(other, "seed")))
                .update_expression("SET note = :n")
                .expression_attribute_values(":n", s("pwned"))
                .send()
                .await,
            "update",
        );
        assert_denied(
            client
                .delete_item()
                .table_name(table)
                .set_key(Some(key(other, "seed")))
                .send()
                .await,
            "delete",
        );
        assert_denied(
            client
                .query()
                .table_name(table)
                .key_condition_expression("pk = :p")
                .expression_attribute_values(":p", s(other))
                .send()
                .await,
            "query",
        );
        assert_denied(
            client
                .query()
                .table_name(table)
                .index_name(&t.index)
                .key_condition_expression("pk = :p")
                .expression_attribute_values(":p", s(other))
                .send()
                .await,
            "query index",
        );
        assert_denied(
            client
                .batch_write_item()
                .request_items(
                    table,
                    vec![
                        WriteRequest::builder()
                            .delete_request(
                                DeleteRequest::builder()
                                    .set_key(Some(key(other, "seed")))
                                    .build()
                                    .expect("delete"),
                            )
                            .build(),
                    ],
                )
                .send()
                .await,
            "batch write",
        );
        assert_denied(
            client
                .batch_get_item()
                .request_items(
                    table,
                    KeysAndAttributes::builder()
                        .keys(key(other, "seed"))
                        .build()
                        .expect("keys"),
                )
                .send()
                .await,
            "batch get",
        );
        for (what, write) in [
            (
                "transact put",
                TransactWriteItem::builder()
                    .put(put(table, other, "x"))
                    .build(),
            ),
            (
                "transact update",
                TransactWriteItem::builder()
                    .update(update(table, other, "seed"))
                    .build(),
            ),
            (
                "transact delete",
                TransactWriteItem::builder()
                    .delete(delete(table, other, "seed"))
                    .build(),
            ),
            (
                "condition check",
                TransactWriteItem::builder()
                    .condition_check(condition_check(table, other, "seed"))
                    .build(),
            ),
        ] {
            assert_denied(
                client
                    .transact_write_items()
                    .transact_items(write)
                    .send()
                    .await,
                what,
            );
        }
        assert_denied(
            client
                .transact_get_items()
                .transact_items(
                    TransactGetItem::builder()
                        .get(get(table, other, "seed"))
                        .build(),
                )
                .send()
                .await,
            "transact get",
        );
    }
    // Nothing of the other tenant changed: the seed items are as written.
    for (client, id) in [(&t.a, TENANT_A), (&t.b, TENANT_B)] {
        let got = service(
            client
                .get_item()
                .table_name(table)
                .set_key(Some(key(id, "seed")))
                .send()
                .await,
        )
        .expect("own");
        assert_eq!(
            got.item().and_then(|i| i.get("note")),
            Some(&s("hello")),
            "{id}'s item untouched"
        );
    }
    drop(t.gateway);
}

#[tokio::test]
async fn a_batch_or_transaction_mixing_tenants_is_denied_as_a_whole() {
    let t = two_tenants().await;
    let table = &t.table;
    assert_denied(
        t.a.batch_get_item()
            .request_items(
                table,
                KeysAndAttributes::builder()
                    .keys(key(TENANT_A, "seed"))
                    .keys(key(TENANT_B, "seed"))
                    .build()
                    .expect("keys"),
            )
            .send()
            .await,
        "mixed batch get",
    );
    assert_denied(
        t.a.batch_write_item()
            .request_items(
                table,
                vec![
                    WriteRequest::builder()
                        .put_request(
                            PutRequest::builder()
                                .set_item(Some(item(TENANT_A, "m")))
                                .build()
                                .expect("put"),
                        )
                        .build(),
                    WriteRequest::builder()
                        .put_request(
                            PutRequest::builder()
                                .set_item(Some(item(TENANT_B, "m")))
                                .build()
                                .expect("put"),
                        )
                        .build(),
                ],
            )
            .send()
            .await,
        "mixed batch write",
    );
    assert_denied(
        t.a.transact_write_items()
            .transact_items(
                TransactWriteItem::builder()
                    .put(put(table, TENANT_A, "m"))
                    .build(),
            )
            .transact_items(
                TransactWriteItem::builder()
                    .put(put(table, TENANT_B, "m"))
                    .build(),
            )
            .send()
            .await,
        "mixed transact write",
    );
    assert_denied(
        t.a.transact_get_items()
            .transact_items(
                TransactGetItem::builder()
                    .get(get(table, TENANT_A, "seed"))
                    .build(),
            )
            .transact_items(
                TransactGetItem::builder()
                    .get(get(table, TENANT_B, "seed"))
                    .build(),
            )
            .send()
            .await,
        "mixed transact get",
    );
    // The allowed half did not land either.
    let got = service(
        t.a.get_item()
            .table_name(table)
            .set_key(Some(key(TENANT_A, "m")))
            .send()
            .await,
    )
    .expect("get");
    assert!(got.item().is_none(), "a refused batch wrote nothing");
}

#[tokio::test]
async fn scan_is_denied_on_the_table_and_the_index() {
    let t = two_tenants().await;
    assert_denied(t.a.scan().table_name(&t.table).send().await, "scan");
    assert_denied(
        t.a.scan()
            .table_name(&t.table)
            .index_name(&t.index)
            .send()
            .await,
        "scan index",
    );
    assert_denied(
        t.a.describe_table().table_name(&t.table).send().await,
        "describe table",
    );
    assert_denied(
        t.a.execute_statement()
            .statement(format!("SELECT * FROM \"{}\"", t.table))
            .send()
            .await,
        "PartiQL without a key (a full table scan)",
    );
}

#[tokio::test]
async fn a_read_only_session_reads_its_own_items_but_cannot_write() {
    let t = two_tenants().await;
    let reader = dynamodb(
        &t.gateway,
        &tenant(&t.gateway, TENANT_A, Scope::ReadOnly).await,
    );
    let got = service(
        reader
            .get_item()
            .table_name(&t.table)
            .set_key(Some(key(TENANT_A, "seed")))
            .send()
            .await,
    )
    .expect("read own");
    assert!(got.item().is_some());
    assert_denied(
        reader
            .put_item()
            .table_name(&t.table)
            .set_item(Some(item(TENANT_A, "ro")))
            .send()
            .await,
        "write own",
    );
    assert_denied(
        reader
            .get_item()
            .table_name(&t.table)
            .set_key(Some(key(TENANT_B, "seed")))
            .send()
            .await,
        "read other",
    );
}

#[tokio::test]
async fn partiql_is_confined_to_the_tenants_partition_and_never_scans() {
    let t = two_tenants().await;
    let table = &t.table;
    let select = format!("SELECT * FROM \"{table}\" WHERE pk = ? AND sk = ?");
    let own = service(
        t.a.execute_statement()
            .statement(&select)
            .parameters(s(TENANT_A))
            .parameters(s("seed"))
            .send()
            .await,
    )
    .expect("select own partition");
    assert_eq!(own.items().len(), 1);
    // moto 5.2.5 answers PartiQL INSERT/DELETE with an HTML 500, so own
    // writes are not exercised here; their refusals below never reach moto.
    assert_denied(
        t.a.execute_statement()
            .statement(&select)
            .parameters(s(TENANT_B))
            .parameters(s("seed"))
            .send()
            .await,
        "select other",
    );
    assert_denied(
        t.a.execute_statement()
            .statement(format!(
                "UPDATE \"{table}\" SET note = 'x' WHERE pk = 'k1x' AND sk = 'seed'"
            ))
            .send()
            .await,
        "update other",
    );
    assert_denied(
        t.a.execute_statement()
            .statement(format!(
                "INSERT INTO \"{table}\" VALUE {{'pk': ?, 'sk': 'p1'}}"
            ))
            .parameters(s(TENANT_B))
            .send()
            .await,
        "insert other",
    );
    assert_denied(
        t.a.execute_statement()
            .statement(format!("SELECT * FROM \"{table}\" WHERE sk = 'seed'"))
            .send()
            .await,
        "full table scan",
    );
    assert_denied(
        t.a.execute_statement()
            .statement(format!(
                "SELECT * FROM \"{table}\" WHERE pk = 'k1' OR pk = 'k1x'"
            ))
            .send()
            .await,
        "OR across tenants",
    );
    assert_denied(
        t.a.batch_execute_statement()
            .statements(
                aws_sdk_dynamodb::types::BatchStatementRequest::builder()
                    .statement(&select)
                    .parameters(s(TENANT_A))
                    .parameters(s("seed"))
                    .build()
                    .expect("statement"),
            )
            .statements(
                aws_sdk_dynamodb::types::BatchStatementRequest::builder()
                    .statement(&select)
                    .parameters(s(TENANT_B))
                    .parameters(s("seed"))
                    .build()
                    .expect("statement"),
            )
            .send()
            .await,
        "mixed batch statement",
    );
}
