//! What template.yaml and policies/ assume about vendor-fn, checked on the
//! real binary: the sandbox runs it under the local Lambda with the
//! template's environment (references resolved to the sandbox's names), and
//! the tests assert what the credentials body, and the session the gateway
//! issued for it, say. A second system sets every variable to another value
//! and sees the answers follow, so a name the function assumed instead of
//! reading would show.

mod repo_files;
mod system_support;

use iam_gateway::IssuedCredentials;
use iam_gateway::sessions::RoleSession;
use repo_files::{read_text, template};
use sandbox::api_client::ApiResponse;
use sandbox::system::{Options, System, Tenant};
use serde_json::{Value, json};
use system_support::{get, post};
use tenant_registry::{CredentialsBody, Isolation, Tier};

/// The variables template.yaml sets on the function.
fn template_variables() -> Vec<String> {
    template()["Resources"]["VendorFunction"]["Properties"]["Environment"]["Variables"]
        .as_object()
        .expect("VendorFunction sets Environment.Variables")
        .keys()
        .cloned()
        .collect()
}

fn body(response: &ApiResponse) -> CredentialsBody {
    assert_eq!(response.status, 200, "{}", response.body);
    CredentialsBody::parse(&response.body).expect("a credentials body")
}

/// The session the gateway issued for a body's credentials.
fn session(system: &System, body: &CredentialsBody) -> RoleSession {
    system
        .gateway()
        .session(&IssuedCredentials {
            access_key_id: body.access_key_id.clone(),
            secret_access_key: body.secret_access_key.clone(),
            session_token: body.session_token.clone(),
            expiration: None,
        })
        .expect("the gateway issued these credentials")
}

async fn onboard(system: &System, name: &str, tier: Tier, isolation: Isolation) -> Tenant {
    system
        .onboard(name, tier, isolation)
        .await
        .unwrap_or_else(|e| panic!("onboarding {name}: {e}"))
}

/// The names the function's answers show: what each variable set.
struct Shown {
    registry_tier: Tier,
    role_arn: String,
    pooled_table: Option<String>,
    bucket: Option<String>,
    silo_table: Option<String>,
}

/// Vends for a pooled and a siloed tenant and reads off what the function
/// used for each variable.
async fn shown(system: &System, pooled: &Tenant, siloed: &Tenant) -> Shown {
    let pooled_body = body(&get(system, Some(&pooled.api_key)).await);
    let siloed_body = body(&get(system, Some(&siloed.api_key)).await);
    assert_eq!(pooled_body.tenant.api_key_id.as_str(), pooled.api_key_id);
    assert_eq!(
        pooled_body.resources.s3_prefix.as_deref(),
        Some(format!("{}/", pooled.api_key_id).as_str())
    );
    Shown {
        registry_tier: pooled_body.tenant.tier,
        role_arn: session(system, &pooled_body).role_arn,
        pooled_table: pooled_body.resources.dynamo_db_table.clone(),
        bucket: pooled_body.resources.s3_bucket.clone(),
        silo_table: siloed_body.resources.dynamo_db_table.clone(),
    }
}

/// Asserts each variable of template.yaml against what the function showed
/// of it; a variable this test doesn't know fails it, so a new one gets a check.
fn assert_each_variable(shown: &Shown, expected: &Shown, silo_id: &str, silo_prefix: &str) {
    for name in template_variables() {
        match name.as_str() {
            // The tier comes from the record the function read in that table.
            "TENANT_TABLE" => assert_eq!(shown.registry_tier, expected.registry_tier, "{name}"),
            "TENANT_ROLE_ARN" => assert_eq!(shown.role_arn, expected.role_arn, "{name}"),
            "DATA_TABLE" => assert_eq!(shown.pooled_table, expected.pooled_table, "{name}"),
            "DATA_BUCKET" => assert_eq!(shown.bucket, expected.bucket, "{name}"),
            "SILO_TABLE_PREFIX" => assert_eq!(
                shown.silo_table.as_deref(),
                Some(format!("{silo_prefix}-{silo_id}").as_str()),
                "{name}"
            ),
            // The log level shows in the log, not the body: vendor-fn's
            // tests/log_lines.rs reads it.
            "RUST_LOG" => {}
            other => panic!(
                "template.yaml sets {other} for the function; add what the function's answer shows of it to this test"
            ),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_function_uses_every_variable_the_template_sets() {
    let system = system_support::start().await;
    let d = system.deployment().clone();
    let pooled = onboard(&system, "Pooled Co", Tier::Standard, Isolation::Pooled).await;
    let siloed = onboard(&system, "Silo Co", Tier::Premium, Isolation::Siloed).await;
    let shown = shown(&system, &pooled, &siloed).await;
    let expected = Shown {
        registry_tier: Tier::Standard,
        role_arn: d.tenant_role_arn(),
        pooled_table: Some(d.data_table.clone()),
        bucket: Some(d.bucket.clone()),
        silo_table: None,
    };
    assert_each_variable(&shown, &expected, &siloed.api_key_id, &d.silo_table_prefix);
}

/// A second tenant role, as the template's, named `OtherTenantRole`, and
/// the grants a deployment naming it and `OtherRegistry` would give the
/// function's role.
async fn create_the_other_tenant_role(gateway: &iam_gateway::Gateway) {
    let root = System::workspace_root();
    // A second tenant role, as the template's, under the other name.
    let trust = iam_gateway::bootstrap::policy_document(
        &root,
        "tenant-role-trust.json",
        gateway.deployment(),
    )
    .expect("trust policy");
    let permissions = iam_gateway::bootstrap::policy_document(
        &root,
        "tenant-role-permissions.json",
        gateway.deployment(),
    )
    .expect("permissions");
    gateway
        .moto()
        .iam(
            "CreateRole",
            &[
                ("RoleName", "OtherTenantRole"),
                ("AssumeRolePolicyDocument", &trust),
            ],
        )
        .await
        .expect("role");
    gateway
        .moto()
        .iam(
            "PutRolePolicy",
            &[
                ("RoleName", "OtherTenantRole"),
                ("PolicyName", "permissions"),
                ("PolicyDocument", &permissions),
            ],
        )
        .await
        .expect("role policy");
    // The function's role may use them, as a deployment naming them would grant.
    let vendor_may = json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "dynamodb:GetItem",
         "Resource": "arn:aws:dynamodb:us-east-1:123456789012:table/OtherRegistry"},
        {"Effect": "Allow", "Action": ["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"],
         "Resource": "arn:aws:iam::123456789012:role/OtherTenantRole"}]})
    .to_string();
    gateway
        .moto()
        .iam(
            "PutRolePolicy",
            &[
                ("RoleName", &gateway.deployment().vendor_role),
                ("PolicyName", "elsewhere"),
                ("PolicyDocument", &vendor_may),
            ],
        )
        .await
        .expect("vendor role policy");
}

/// `OtherRegistry`: the tenants' records with tier `basic`, so a body says
/// which table the function read.
async fn copy_the_registry_as_basic(gateway: &iam_gateway::Gateway, tenants: &[&Tenant]) {
    let registry = &gateway.deployment().tenant_table;
    let schema = gateway
        .moto()
        .dynamodb("DescribeTable", &json!({"TableName": registry}))
        .await
        .expect("registry");
    // The key schema's attributes only: the registry also defines its key
    // hash index's, which a table without that index must not list.
    let keys: Vec<&Value> = schema["Table"]["KeySchema"]
        .as_array()
        .map(|k| k.iter().map(|k| &k["AttributeName"]).collect())
        .unwrap_or_default();
    let definitions: Vec<&Value> = schema["Table"]["AttributeDefinitions"]
        .as_array()
        .map(|d| {
            d.iter()
                .filter(|d| keys.contains(&&d["AttributeName"]))
                .collect()
        })
        .unwrap_or_default();
    gateway
        .moto()
        .dynamodb(
            "CreateTable",
            &json!({
                "TableName": "OtherRegistry",
                "BillingMode": "PAY_PER_REQUEST",
                "AttributeDefinitions": definitions,
                "KeySchema": schema["Table"]["KeySchema"],
            }),
        )
        .await
        .expect("other registry");
    for tenant in tenants {
        let mut item = gateway
            .moto()
            .dynamodb(
                "GetItem",
                &json!({"TableName": registry, "Key": {"apiKeyId": {"S": tenant.api_key_id}}}),
            )
            .await
            .expect("record")["Item"]
            .clone();
        item["tier"] = json!({"S": "basic"});
        gateway
            .moto()
            .dynamodb(
                "PutItem",
                &json!({"TableName": "OtherRegistry", "Item": item}),
            )
            .await
            .expect("copy");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_function_follows_each_variable_to_another_value() {
    let elsewhere = [
        ("TENANT_TABLE", "OtherRegistry"),
        (
            "TENANT_ROLE_ARN",
            "arn:aws:iam::123456789012:role/OtherTenantRole",
        ),
        ("DATA_TABLE", "OtherData"),
        ("DATA_BUCKET", "other-bucket"),
        ("SILO_TABLE_PREFIX", "other-silo"),
    ];
    let system = System::start(
        &System::workspace_root(),
        Options {
            function_environment: elsewhere
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            ..Options::default()
        },
    )
    .await
    .unwrap_or_else(|e| panic!("the system starts: {e}"));
    let gateway = system.gateway();
    create_the_other_tenant_role(gateway).await;
    let pooled = onboard(&system, "Pooled Co", Tier::Standard, Isolation::Pooled).await;
    let siloed = onboard(&system, "Silo Co", Tier::Premium, Isolation::Siloed).await;
    copy_the_registry_as_basic(gateway, &[&pooled, &siloed]).await;
    let shown = shown(&system, &pooled, &siloed).await;
    let expected = Shown {
        registry_tier: Tier::Basic,
        role_arn: "arn:aws:iam::123456789012:role/OtherTenantRole".into(),
        pooled_table: Some("OtherData".into()),
        bucket: Some("other-bucket".into()),
        silo_table: None,
    };
    assert_each_variable(&shown, &expected, &siloed.api_key_id, "other-silo");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_read_only_scope_sends_the_reviewed_session_policy_and_read_write_none() {
    let system = system_support::start().await;
    let tenant = onboard(&system, "Reader Co", Tier::Premium, Isolation::Pooled).await;
    let read_only = body(&post(&system, &tenant.api_key, &[], r#"{"scope": "read-only"}"#).await);
    let reviewed = iam_eval::Policy::parse(
        "policies/session-read-only.json",
        &read_text("policies/session-read-only.json"),
    )
    .expect("the reviewed policy parses");
    let sent = session(&system, &read_only)
        .session_policy
        .expect("a session policy on the read-only session");
    assert_eq!(sent.version, reviewed.version);
    assert_eq!(sent.statements, reviewed.statements);

    let read_write = body(&post(&system, &tenant.api_key, &[], r#"{"scope": "read-write"}"#).await);
    let plain = session(&system, &read_write);
    assert!(plain.session_policy.is_none(), "{plain:?}");
    // The tenant identity the trust policy requires, from the record.
    assert_eq!(
        plain.tags.get("api-key-id").map(String::as_str),
        Some(tenant.api_key_id.as_str())
    );
}
