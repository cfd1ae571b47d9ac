//! A tenant's own key where it must reach nothing: its record in the tenant
//! registry, and another tenant's silo table.
//!
//! Registry items are keyed by the API key ID, the very value the tenant
//! role's `dynamodb:LeadingKeys` condition requires, so that condition
//! alone would let a tenant read and rewrite its own record (un-suspend
//! itself, raise its tier). Only the statements' Resource lists keep it out:
//! iam-eval shows the real policy denying and a copy with `Resource: "*"`
//! allowing, and the gateway refuses the real calls. Silo tables are named
//! by the key ID too: a tenant may write items under its own key in its own
//! silo table only.

mod gateway_support;
mod repo_files;

use std::collections::HashMap;

use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::types::AttributeValue;
use gateway_support::{TENANT_A, TENANT_B, dynamodb, start, tenant};
use iam_eval::{Decision, Request, RequestContext, evaluate};
use isolation_audit::Params;
use isolation_audit::inputs::parse_policy;
use repo_files::{TENANT_ROLE_PERMISSIONS, policy};
use serde_json::json;
use vendor_fn::Scope;

/// What a tenant would do to its own registry record.
const RECORD_WRITES: [&str; 4] = [
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
];

/// Tenant `k1`'s request on its own registry record, as DynamoDB sends it.
fn on_own_record(action: &str) -> Request {
    Request::new(
        action,
        "arn:aws:dynamodb:us-east-1:123456789012:table/TenantTable",
    )
    .with_context(
        RequestContext::new()
            .with("aws:PrincipalTag/api-key-id", TENANT_A)
            .with_multi("dynamodb:LeadingKeys", [TENANT_A]),
    )
}

fn decide(doc: &serde_json::Value, request: &Request) -> Decision {
    let params = Params::new(&[]).expect("the audit's example values");
    let permissions = parse_policy(TENANT_ROLE_PERMISSIONS, doc, &params).expect("parses");
    evaluate(request, &[permissions], None).decision
}

#[test]
fn only_the_resource_lists_keep_a_tenant_off_its_own_registry_record() {
    let reviewed = policy(TENANT_ROLE_PERMISSIONS);
    let mut widened = reviewed.clone();
    for st in widened["Statement"].as_array_mut().unwrap() {
        if st["Effect"] == "Allow" && st["Sid"].as_str().unwrap().contains("Table") {
            st["Resource"] = json!("*");
        }
    }
    for action in RECORD_WRITES {
        let request = on_own_record(action);
        assert_eq!(
            decide(&reviewed, &request),
            Decision::ImplicitDeny,
            "{action} on the tenant's own registry record"
        );
        assert_eq!(
            decide(&widened, &request),
            Decision::Allowed,
            "with Resource \"*\", LeadingKeys alone lets {action} through"
        );
    }
}

fn s(value: &str) -> AttributeValue {
    AttributeValue::S(value.to_owned())
}

fn code<T, E: ProvideErrorMetadata>(result: Result<T, E>) -> Option<String> {
    result.err().and_then(|e| e.code().map(str::to_owned))
}

#[tokio::test]
async fn a_tenants_credentials_neither_read_nor_rewrite_its_registry_record() {
    let gateway = start().await;
    let registry = gateway.deployment().tenant_table.clone();
    // The record as the operator left it: suspended, basic.
    let record = json!({"TableName": registry, "Item": {
        "apiKeyId": {"S": TENANT_A}, "tenantName": {"S": "Acme"}, "email": {"S": "ops@acme.example"},
        "tier": {"S": "basic"}, "status": {"S": "suspended"}, "isolation": {"S": "pooled"},
        "createdAt": {"S": "2026-11-27T10:00:00Z"}, "revision": {"N": "2"}}});
    gateway
        .moto()
        .dynamodb("PutItem", &record)
        .await
        .expect("seed the registry");
    // Issued before the suspension: the credentials still work elsewhere.
    let client = dynamodb(
        &gateway,
        &tenant(&gateway, TENANT_A, Scope::ReadWrite).await,
    );
    let key = HashMap::from([("apiKeyId".to_owned(), s(TENANT_A))]);

    let read = client
        .get_item()
        .table_name(&registry)
        .set_key(Some(key.clone()))
        .consistent_read(true)
        .send()
        .await;
    assert_eq!(code(read).as_deref(), Some("AccessDeniedException"));
    let unsuspend = client
        .update_item()
        .table_name(&registry)
        .set_key(Some(key.clone()))
        .update_expression("SET #s = :active, tier = :premium")
        .expression_attribute_names("#s", "status")
        .expression_attribute_values(":active", s("active"))
        .expression_attribute_values(":premium", s("premium"))
        .send()
        .await;
    assert_eq!(code(unsuspend).as_deref(), Some("AccessDeniedException"));
    let mut rewritten = HashMap::from([
        ("apiKeyId".to_owned(), s(TENANT_A)),
        ("status".to_owned(), s("active")),
        ("tier".to_owned(), s("premium")),
    ]);
    rewritten.insert("tenantName".into(), s("Acme"));
    let put = client
        .put_item()
        .table_name(&registry)
        .set_item(Some(rewritten))
        .send()
        .await;
    assert_eq!(code(put).as_deref(), Some("AccessDeniedException"));
    let delete = client
        .delete_item()
        .table_name(&registry)
        .set_key(Some(key))
        .send()
        .await;
    assert_eq!(code(delete).as_deref(), Some("AccessDeniedException"));

    let stored = gateway
        .moto()
        .dynamodb(
            "GetItem",
            &json!({"TableName": registry, "Key": {"apiKeyId": {"S": TENANT_A}}, "ConsistentRead": true}),
        )
        .await
        .expect("read back");
    assert_eq!(stored["Item"]["status"]["S"], "suspended");
    assert_eq!(stored["Item"]["tier"]["S"], "basic");
    assert_eq!(stored["Item"]["revision"]["N"], "2");
}

/// Creates a silo table in moto directly, as tenant-lifecycle would.
async fn create_silo_table(gateway: &iam_gateway::Gateway, name: &str) {
    let table = json!({
        "TableName": name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"}
        ],
        "KeySchema": [
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"}
        ]
    });
    gateway
        .moto()
        .dynamodb("CreateTable", &table)
        .await
        .expect("silo table");
}

#[tokio::test]
async fn a_tenant_writes_under_its_own_key_only_into_its_own_silo_table() {
    let gateway = start().await;
    let prefix = gateway.deployment().silo_table_prefix.clone();
    let (own, other) = (
        format!("{prefix}-{TENANT_A}"),
        format!("{prefix}-{TENANT_B}"),
    );
    for table in [&own, &other] {
        create_silo_table(&gateway, table).await;
    }
    let a = dynamodb(
        &gateway,
        &tenant(&gateway, TENANT_A, Scope::ReadWrite).await,
    );
    let b = dynamodb(
        &gateway,
        &tenant(&gateway, TENANT_B, Scope::ReadWrite).await,
    );
    let item =
        |pk: &str| HashMap::from([("pk".to_owned(), s(pk)), ("sk".to_owned(), s("planted"))]);
    a.put_item()
        .table_name(&own)
        .set_item(Some(item(TENANT_A)))
        .send()
        .await
        .expect("its own key in its own silo table");
    b.put_item()
        .table_name(&other)
        .set_item(Some(item(TENANT_B)))
        .send()
        .await
        .expect("the other tenant's own key in its own silo table");
    // Its own key, which LeadingKeys accepts, in the other tenant's table.
    let planted = a
        .put_item()
        .table_name(&other)
        .set_item(Some(item(TENANT_A)))
        .send()
        .await;
    assert_eq!(code(planted).as_deref(), Some("AccessDeniedException"));
    let batch = a
        .batch_write_item()
        .request_items(
            &other,
            vec![
                aws_sdk_dynamodb::types::WriteRequest::builder()
                    .put_request(
                        aws_sdk_dynamodb::types::PutRequest::builder()
                            .set_item(Some(item(TENANT_A)))
                            .build()
                            .expect("put"),
                    )
                    .build(),
            ],
        )
        .send()
        .await;
    assert_eq!(code(batch).as_deref(), Some("AccessDeniedException"));
    let inserted = a
        .execute_statement()
        .statement(format!(
            "INSERT INTO \"{other}\" VALUE {{'pk': '{TENANT_A}', 'sk': 'partiql'}}"
        ))
        .send()
        .await;
    assert_eq!(code(inserted).as_deref(), Some("AccessDeniedException"));
    let stored = gateway
        .moto()
        .dynamodb("Scan", &json!({"TableName": other}))
        .await
        .expect("read back");
    let keys: Vec<&str> = stored["Items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["pk"]["S"].as_str())
        .collect();
    assert_eq!(keys, [TENANT_B], "nothing of k1's landed in k1x's table");
}
