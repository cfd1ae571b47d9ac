//! The full life cycle of a pooled and a siloed tenant against moto, over
//! the real wire formats of API Gateway, DynamoDB, IAM and CloudFormation.

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType,
    ScalarAttributeType, TableStatus,
};
use aws_smithy_runtime_api::http::Response as HttpResponse;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use chrono::{DateTime, Utc};
use tenant_lifecycle::{
    Clients, DataDeletion, Email, Lifecycle, LifecycleError, OnboardRequest, Resources, Silent,
    TenantName, TenantRef, exit_code,
};
use tenant_registry::{ApiKeyId, Isolation, TenantStatus, Tier};
use test_support::Moto;

const TENANT_TABLE: &str = "tcv-Tenants";
const DATA_TABLE: &str = "tcv-TenantData";
const SILO_PREFIX: &str = "tcv-silo";
const ROLE_NAME: &str = "tcv-TenantRole";

/// A deployment in moto: the tables, the three usage plans and the tenant role.
struct Deployment {
    moto: Moto,
    clients: Clients,
    resources: Resources,
}

async fn create_table(client: &aws_sdk_dynamodb::Client, name: &str, keys: &[(&str, KeyType)]) {
    let mut request = client
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest);
    for (key, kind) in keys {
        request = request
            .attribute_definitions(
                AttributeDefinition::builder()
                    .attribute_name(*key)
                    .attribute_type(ScalarAttributeType::S)
                    .build()
                    .unwrap(),
            )
            .key_schema(
                KeySchemaElement::builder()
                    .attribute_name(*key)
                    .key_type(kind.clone())
                    .build()
                    .unwrap(),
            );
    }
    request.send().await.unwrap();
}

/// The registry as template.yaml declares it: keyed by `apiKeyId`, with the
/// key authorizer's index on `apiKeySha256`.
async fn create_registry_table(client: &aws_sdk_dynamodb::Client) {
    let attribute = |name: &str| {
        AttributeDefinition::builder()
            .attribute_name(name)
            .attribute_type(ScalarAttributeType::S)
            .build()
            .unwrap()
    };
    let hash_key = |name: &str| {
        KeySchemaElement::builder()
            .attribute_name(name)
            .key_type(KeyType::Hash)
            .build()
            .unwrap()
    };
    client
        .create_table()
        .table_name(TENANT_TABLE)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(attribute("apiKeyId"))
        .attribute_definitions(attribute("apiKeySha256"))
        .key_schema(hash_key("apiKeyId"))
        .global_secondary_indexes(
            aws_sdk_dynamodb::types::GlobalSecondaryIndex::builder()
                .index_name(tenant_registry::API_KEY_HASH_INDEX)
                .key_schema(hash_key("apiKeySha256"))
                .projection(
                    aws_sdk_dynamodb::types::Projection::builder()
                        .projection_type(aws_sdk_dynamodb::types::ProjectionType::All)
                        .build(),
                )
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
}

async fn deploy() -> Deployment {
    let moto = Moto::start().await;
    let conf = moto.sdk_config().await;
    let clients = Clients::from_conf(&conf);
    create_registry_table(&clients.dynamodb).await;
    create_table(
        &clients.dynamodb,
        DATA_TABLE,
        &[("pk", KeyType::Hash), ("sk", KeyType::Range)],
    )
    .await;
    let mut plans = Vec::new();
    for tier in ["basic", "standard", "premium"] {
        let plan = clients
            .apigateway
            .create_usage_plan()
            .name(format!("tcv-{tier}"))
            .send()
            .await
            .unwrap();
        plans.push(plan.id().unwrap().to_owned());
    }
    clients
        .iam
        .create_role()
        .role_name(ROLE_NAME)
        .assume_role_policy_document(include_str!("../../policies/tenant-role-trust.json"))
        .send()
        .await
        .unwrap();
    let resources = Resources {
        tenant_table: Some(TENANT_TABLE.into()),
        data_table: Some(DATA_TABLE.into()),
        silo_table_prefix: Some(SILO_PREFIX.into()),
        basic_usage_plan: Some(plans[0].clone()),
        standard_usage_plan: Some(plans[1].clone()),
        premium_usage_plan: Some(plans[2].clone()),
        tenant_role_name: Some(ROLE_NAME.into()),
    };
    Deployment {
        moto,
        clients,
        resources,
    }
}

impl Deployment {
    fn lifecycle(&self) -> Lifecycle {
        Lifecycle::new(self.clients.clone(), self.resources.clone())
            .unwrap()
            .with_poll_interval(Duration::from_millis(50))
    }

    async fn key(
        &self,
        id: &str,
    ) -> Option<aws_sdk_apigateway::operation::get_api_key::GetApiKeyOutput> {
        let result = self
            .clients
            .apigateway
            .get_api_key()
            .api_key(id)
            .send()
            .await;
        found(result, "NotFoundException").unwrap_or_else(|e| panic!("api key {id}: {e}"))
    }

    async fn plan_key_ids(&self, plan: &str) -> Vec<String> {
        let keys = self
            .clients
            .apigateway
            .get_usage_plan_keys()
            .usage_plan_id(plan)
            .send()
            .await
            .unwrap();
        keys.items()
            .iter()
            .filter_map(|k| k.id().map(str::to_owned))
            .collect()
    }

    async fn role_policy(&self, name: &str) -> Option<String> {
        let result = self
            .clients
            .iam
            .get_role_policy()
            .role_name(ROLE_NAME)
            .policy_name(name)
            .send()
            .await;
        found(result, "NoSuchEntity")
            .unwrap_or_else(|e| panic!("role policy {name}: {e}"))
            .map(|output| output.policy_document().to_owned())
    }

    async fn put_data(&self, table: &str, pk: &str, sk: &str) {
        self.clients
            .dynamodb
            .put_item()
            .table_name(table)
            .item("pk", AttributeValue::S(pk.into()))
            .item("sk", AttributeValue::S(sk.into()))
            .send()
            .await
            .unwrap();
    }

    async fn partition_len(&self, pk: &str) -> usize {
        let output = self
            .clients
            .dynamodb
            .query()
            .table_name(DATA_TABLE)
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", AttributeValue::S(pk.into()))
            .send()
            .await
            .unwrap();
        output.items().len()
    }

    async fn table_exists(&self, table: &str) -> bool {
        let result = self
            .clients
            .dynamodb
            .describe_table()
            .table_name(table)
            .send()
            .await;
        found(result, "ResourceNotFoundException")
            .unwrap_or_else(|e| panic!("table {table}: {e}"))
            .is_some()
    }
}

/// `Some(output)` when the call found the resource, `None` when AWS said
/// exactly `not_found`; any other failure (a 500, throttling, a refused
/// signature) is an error, so a "gone" check can't pass on a broken call.
/// A wrong endpoint or Region answers `not_found` too: every "gone" check
/// below follows a check that found the same resource with the same client.
fn found<T, E>(
    result: Result<T, aws_smithy_runtime_api::client::result::SdkError<E, HttpResponse>>,
    not_found: &str,
) -> Result<Option<T>, String>
where
    E: ProvideErrorMetadata + std::fmt::Debug,
{
    match result {
        Ok(output) => Ok(Some(output)),
        Err(e) if e.as_service_error().and_then(ProvideErrorMetadata::code) == Some(not_found) => {
            Ok(None)
        }
        Err(e) => Err(format!("expected the resource or {not_found}, got {e:?}")),
    }
}

#[tokio::test]
async fn gone_checks_accept_only_the_services_not_found_code() {
    use aws_sdk_apigateway::operation::get_api_key::GetApiKeyError;
    use aws_sdk_dynamodb::operation::describe_table::DescribeTableError;
    use aws_sdk_iam::operation::get_role_policy::GetRolePolicyError;
    use aws_smithy_mocks::{RuleMode, mock, mock_client};
    use test_support::mocks::error_code;

    let key = |code: &'static str| {
        mock!(aws_sdk_apigateway::Client::get_api_key)
            .then_error(move || GetApiKeyError::generic(error_code(code)))
    };
    for (code, gone) in [
        ("NotFoundException", Ok(true)),
        ("TooManyRequestsException", Err(())),
        ("InternalFailure", Err(())),
        ("ResourceNotFoundException", Err(())),
    ] {
        let rule = key(code);
        let client = mock_client!(aws_sdk_apigateway, RuleMode::MatchAny, &[&rule], |c| c
            .retry_config(aws_sdk_apigateway::config::retry::RetryConfig::disabled()));
        let result = client.get_api_key().api_key("k1").send().await;
        assert_eq!(
            found(result, "NotFoundException")
                .map(|o| o.is_none())
                .map_err(|_| ()),
            gone,
            "API Gateway {code}"
        );
    }
    for (code, gone) in [
        ("ResourceNotFoundException", Ok(true)),
        ("ProvisionedThroughputExceededException", Err(())),
        ("InternalServerError", Err(())),
        ("UnrecognizedClientException", Err(())),
    ] {
        let rule = mock!(aws_sdk_dynamodb::Client::describe_table)
            .then_error(move || DescribeTableError::generic(error_code(code)));
        let client = mock_client!(aws_sdk_dynamodb, RuleMode::MatchAny, &[&rule], |c| c
            .retry_config(aws_sdk_dynamodb::config::retry::RetryConfig::disabled()));
        let result = client.describe_table().table_name("t").send().await;
        assert_eq!(
            found(result, "ResourceNotFoundException")
                .map(|o| o.is_none())
                .map_err(|_| ()),
            gone,
            "DynamoDB {code}"
        );
    }
    for (code, gone) in [
        ("NoSuchEntity", Ok(true)),
        ("Throttling", Err(())),
        ("ServiceFailure", Err(())),
    ] {
        let rule = mock!(aws_sdk_iam::Client::get_role_policy)
            .then_error(move || GetRolePolicyError::generic(error_code(code)));
        let client = mock_client!(aws_sdk_iam, RuleMode::MatchAny, &[&rule], |c| c
            .retry_config(aws_sdk_iam::config::retry::RetryConfig::disabled()));
        let result = client
            .get_role_policy()
            .role_name("r")
            .policy_name("p")
            .send()
            .await;
        assert_eq!(
            found(result, "NoSuchEntity")
                .map(|o| o.is_none())
                .map_err(|_| ()),
            gone,
            "IAM {code}"
        );
    }
}

fn request(name: &str, tier: Tier, isolation: Isolation) -> OnboardRequest {
    OnboardRequest {
        name: TenantName::parse(name).unwrap(),
        email: Email::parse("ops@tenant.example").unwrap(),
        contact: None,
        tier,
        isolation,
    }
}

fn two_hours_later() -> DateTime<Utc> {
    Utc::now() + chrono::Duration::hours(2)
}

/// Suspends with revocation, checks status, key and the Deny on the role,
/// then prunes the Deny once the hour has passed.
async fn suspend_with_revocation_then_prune(d: &Deployment, lifecycle: &Lifecycle, id: &ApiKeyId) {
    // Suspend with revocation: status, key and the Deny on the role.
    let change = lifecycle
        .suspend(&TenantRef::Id(id.clone()), true, &Silent)
        .await
        .unwrap();
    assert_eq!(change.record.status, TenantStatus::Suspended);
    assert!(!d.key(id.as_str()).await.unwrap().enabled());
    let document = d
        .role_policy("tenant-revocations")
        .await
        .expect("revocation policy on the role");
    assert!(document.contains("TokenIssueTime"), "{document}");
    assert!(document.contains(id.as_str()), "{document}");
    assert!(
        change.sessions_revoked_before.unwrap() > Utc::now(),
        "the deadline lies after the command: vends in flight are covered"
    );
    assert_eq!(
        lifecycle
            .show(&TenantRef::Id(id.clone()))
            .await
            .unwrap()
            .status,
        TenantStatus::Suspended
    );

    // Within the hour the revocation stays; after it, pruning removes it.
    assert!(
        lifecycle
            .prune_expired_revocations()
            .await
            .unwrap()
            .removed
            .is_empty()
    );
    let pruned = lifecycle
        .clone()
        .with_clock(two_hours_later)
        .prune_expired_revocations()
        .await
        .unwrap();
    assert_eq!(pruned.removed.len(), 1, "{pruned:?}");
    assert!(
        pruned.removed[0].starts_with(&format!("tenant {id} before ")),
        "{pruned:?}"
    );
    assert_eq!(d.role_policy("tenant-revocations").await, None);
}

#[tokio::test]
async fn a_pooled_tenant_lives_and_leaves_in_moto() {
    let d = deploy().await;
    let lifecycle = d.lifecycle();

    let onboarded = lifecycle
        .onboard(&request("Acme", Tier::Standard, Isolation::Pooled), &Silent)
        .await
        .unwrap();
    let id = onboarded.record.api_key_id.clone();
    let key = d.key(id.as_str()).await.expect("the key exists");
    assert!(key.enabled());
    assert_eq!(key.name(), Some("Acme"));
    assert!(!onboarded.api_key.expose().is_empty());
    assert_eq!(
        d.plan_key_ids(d.resources.standard_usage_plan.as_ref().unwrap())
            .await,
        [id.as_str()]
    );
    assert!(
        d.plan_key_ids(d.resources.basic_usage_plan.as_ref().unwrap())
            .await
            .is_empty()
    );
    let shown = lifecycle.show(&TenantRef::Id(id.clone())).await.unwrap();
    assert_eq!(shown, onboarded.record);
    assert_eq!(shown.status, TenantStatus::Active);

    // A second tenant with the same name is refused.
    let err = lifecycle
        .onboard(&request("Acme", Tier::Basic, Isolation::Pooled), &Silent)
        .await
        .unwrap_err();
    assert_eq!(err.exit_code(), exit_code::CONFLICT, "{err}");

    suspend_with_revocation_then_prune(&d, &lifecycle, &id).await;

    // Resume by name.
    let by_name = TenantRef::Name(TenantName::parse("Acme").unwrap());
    let change = lifecycle.resume(&by_name, &Silent).await.unwrap();
    assert_eq!(change.record.status, TenantStatus::Active);
    assert!(d.key(id.as_str()).await.unwrap().enabled());

    // Offboard with data deletion: only this tenant's partition goes.
    for sk in ["a", "b", "c"] {
        d.put_data(DATA_TABLE, id.as_str(), sk).await;
    }
    d.put_data(DATA_TABLE, "otherTenant1", "a").await;
    let done = lifecycle
        .offboard(&TenantRef::Id(id.clone()), true, false, &Silent)
        .await
        .unwrap();
    assert_eq!(
        done.data,
        Some(DataDeletion::PooledItems {
            table: DATA_TABLE.into(),
            count: 3
        })
    );
    assert!(done.key_deleted);
    assert_eq!(d.partition_len(id.as_str()).await, 0);
    assert_eq!(d.partition_len("otherTenant1").await, 1);
    assert!(d.key(id.as_str()).await.is_none());
    assert!(
        d.plan_key_ids(d.resources.standard_usage_plan.as_ref().unwrap())
            .await
            .is_empty()
    );
    let listed = lifecycle.list().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].status, TenantStatus::Offboarded);

    // Offboarded tenants stay offboarded; the name is free again.
    let err = lifecycle
        .resume(&TenantRef::Id(id.clone()), &Silent)
        .await
        .unwrap_err();
    assert!(matches!(err, LifecycleError::WrongState { .. }), "{err}");
    lifecycle
        .onboard(&request("Acme", Tier::Basic, Isolation::Pooled), &Silent)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_siloed_tenant_gets_its_own_table_and_loses_it_on_offboard() {
    let d = deploy().await;
    let lifecycle = d.lifecycle();
    let onboarded = lifecycle
        .onboard(
            &request("Globex", Tier::Premium, Isolation::Siloed),
            &Silent,
        )
        .await
        .unwrap();
    let id = onboarded.record.api_key_id.clone();
    let table = format!("{SILO_PREFIX}-{id}");
    assert_eq!(onboarded.silo_table.as_deref(), Some(table.as_str()));
    assert!(d.table_exists(&table).await);
    assert!(d.key(id.as_str()).await.is_some());

    let described = d
        .clients
        .dynamodb
        .describe_table()
        .table_name(&table)
        .send()
        .await
        .unwrap();
    let description = described.table().unwrap();
    assert_eq!(description.table_status(), Some(&TableStatus::Active));
    let keys: HashMap<&str, &KeyType> = description
        .key_schema()
        .iter()
        .map(|k| (k.attribute_name(), k.key_type()))
        .collect();
    assert_eq!(
        keys,
        HashMap::from([("pk", &KeyType::Hash), ("sk", &KeyType::Range)])
    );
    assert_eq!(
        d.plan_key_ids(d.resources.premium_usage_plan.as_ref().unwrap())
            .await,
        [id.as_str()]
    );

    d.put_data(&table, id.as_str(), "x").await;
    lifecycle
        .suspend(&TenantRef::Id(id.clone()), false, &Silent)
        .await
        .unwrap();
    let done = lifecycle
        .offboard(&TenantRef::Id(id.clone()), true, true, &Silent)
        .await
        .unwrap();
    assert_eq!(done.previous, TenantStatus::Suspended);
    assert_eq!(
        done.data,
        Some(DataDeletion::SiloTable {
            table: table.clone(),
            existed: true
        })
    );
    assert!(!d.table_exists(&table).await);
    assert!(
        d.role_policy("tenant-revocations")
            .await
            .is_some_and(|doc| doc.contains(id.as_str())),
        "offboard --revoke-sessions"
    );
    assert!(d.key(id.as_str()).await.is_none());

    // A re-run finishes quietly: nothing left to delete.
    let again = lifecycle
        .offboard(&TenantRef::Id(id.clone()), true, false, &Silent)
        .await
        .unwrap();
    assert!(!again.key_deleted);
    assert_eq!(
        again.data,
        Some(DataDeletion::SiloTable {
            table,
            existed: false
        })
    );
}

#[tokio::test]
async fn a_re_run_after_a_crash_cleans_up_and_onboards_one_tenant() {
    let d = deploy().await;
    // What a run that crashed after creating the key, joining the plan and
    // creating the silo table leaves behind.
    let crashed = d
        .clients
        .apigateway
        .create_api_key()
        .name("Initech")
        .enabled(true)
        .tags("managed-by", "tenantctl")
        .send()
        .await
        .unwrap();
    let old_id = crashed.id().unwrap().to_owned();
    let basic = d.resources.basic_usage_plan.clone().unwrap();
    d.clients
        .apigateway
        .create_usage_plan_key()
        .usage_plan_id(&basic)
        .key_id(&old_id)
        .key_type("API_KEY")
        .send()
        .await
        .unwrap();
    create_table(
        &d.clients.dynamodb,
        &format!("{SILO_PREFIX}-{old_id}"),
        &[("pk", KeyType::Hash), ("sk", KeyType::Range)],
    )
    .await;
    assert!(d.key(&old_id).await.is_some());
    assert!(d.table_exists(&format!("{SILO_PREFIX}-{old_id}")).await);
    // A key someone made by hand with the same name is not ours to delete.
    let manual = d
        .clients
        .apigateway
        .create_api_key()
        .name("Initech")
        .send()
        .await
        .unwrap();

    let onboarded = d
        .lifecycle()
        .onboard(&request("Initech", Tier::Basic, Isolation::Siloed), &Silent)
        .await
        .unwrap();
    let id = onboarded.record.api_key_id.as_str();
    assert_ne!(id, old_id);
    assert!(d.key(&old_id).await.is_none(), "the leftover key is gone");
    assert!(
        !d.table_exists(&format!("{SILO_PREFIX}-{old_id}")).await,
        "and its table"
    );
    assert_eq!(d.plan_key_ids(&basic).await, [id]);
    assert!(
        d.key(manual.id().unwrap()).await.is_some(),
        "the hand-made key stays"
    );
    assert_eq!(
        d.lifecycle().list().await.unwrap().len(),
        1,
        "one tenant, not two"
    );
}

#[tokio::test]
async fn resources_are_read_from_the_stack_outputs() {
    let d = deploy().await;
    let cfn = aws_sdk_cloudformation::Client::new(&d.moto.sdk_config().await);
    let template = serde_json::json!({
        "Resources": { "Topic": { "Type": "AWS::SNS::Topic" } },
        "Outputs": {
            "TenantTableName": { "Value": TENANT_TABLE },
            "TenantDataTableName": { "Value": DATA_TABLE },
            "SiloTablePrefix": { "Value": SILO_PREFIX },
            "BasicUsagePlanId": { "Value": d.resources.basic_usage_plan.clone().unwrap() },
            "StandardUsagePlanId": { "Value": d.resources.standard_usage_plan.clone().unwrap() },
            "PremiumUsagePlanId": { "Value": d.resources.premium_usage_plan.clone().unwrap() },
            "TenantRoleArn": { "Value": format!("arn:aws:iam::123456789012:role/{ROLE_NAME}") }
        }
    });
    cfn.create_stack()
        .stack_name("tcv")
        .template_body(template.to_string())
        .send()
        .await
        .unwrap();
    let outputs = tenant_lifecycle::stack_outputs(&cfn, "tcv").await.unwrap();
    assert_eq!(Resources::from_stack_outputs(&outputs), d.resources);

    let err = tenant_lifecycle::stack_outputs(&cfn, "nope")
        .await
        .unwrap_err();
    assert_eq!(err.exit_code(), exit_code::INVALID_INPUT, "{err}");
}

#[tokio::test]
async fn backfill_writes_the_hash_once_for_records_that_lack_it() {
    let d = deploy().await;
    let lifecycle = d.lifecycle();
    let a = lifecycle
        .onboard(&request("Old A", Tier::Basic, Isolation::Pooled), &Silent)
        .await
        .unwrap();
    let b = lifecycle
        .onboard(&request("Old B", Tier::Basic, Isolation::Pooled), &Silent)
        .await
        .unwrap();
    let c = lifecycle
        .onboard(&request("New C", Tier::Basic, Isolation::Pooled), &Silent)
        .await
        .unwrap();
    // A and B as records written before apiKeySha256 existed.
    for id in [&a.record.api_key_id, &b.record.api_key_id] {
        d.clients
            .dynamodb
            .update_item()
            .table_name(TENANT_TABLE)
            .key("apiKeyId", AttributeValue::S(id.as_str().into()))
            .update_expression("REMOVE apiKeySha256")
            .send()
            .await
            .unwrap();
    }
    let revision_before = lifecycle
        .show(&TenantRef::Id(a.record.api_key_id.clone()))
        .await
        .unwrap()
        .revision;

    let done = lifecycle.backfill_key_hashes(&Silent).await.unwrap();
    assert_eq!(
        (done.written, done.already_had, done.offboarded),
        (2, 1, 0),
        "{done:?}"
    );
    assert!(done.key_missing.is_empty());
    for onboarded in [&a, &b, &c] {
        let record = lifecycle
            .show(&TenantRef::Id(onboarded.record.api_key_id.clone()))
            .await
            .unwrap();
        let hash = record
            .api_key_sha256
            .expect("every live tenant has its hash");
        assert!(
            hash.matches(onboarded.api_key.expose()),
            "the hash of its own key"
        );
    }
    let a_now = lifecycle
        .show(&TenantRef::Id(a.record.api_key_id.clone()))
        .await
        .unwrap();
    assert_eq!(
        a_now.revision,
        revision_before + 1,
        "the backfill bumps the revision"
    );

    // Idempotent: nothing left to write.
    let again = lifecycle.backfill_key_hashes(&Silent).await.unwrap();
    assert_eq!((again.written, again.already_had), (0, 3), "{again:?}");
    let a_again = lifecycle
        .show(&TenantRef::Id(a.record.api_key_id.clone()))
        .await
        .unwrap();
    assert_eq!(a_again.revision, a_now.revision, "a re-run writes nothing");
}

/// A tenant's whole key rotation in moto: both keys vend-ready until the old
/// is retired, every command acts on every key, the data stays where it is.
#[allow(clippy::too_many_lines)] // one scenario, step by step
async fn rotate_retire_and_leave(isolation: Isolation) {
    let d = deploy().await;
    let lifecycle = d.lifecycle();
    let plan = d.resources.standard_usage_plan.clone().unwrap();
    let onboarded = lifecycle
        .onboard(&request("Rotor", Tier::Standard, isolation), &Silent)
        .await
        .unwrap();
    let first = onboarded.record.api_key_id.clone();
    let by_name = TenantRef::Name(TenantName::parse("Rotor").unwrap());
    let data_table = match isolation {
        Isolation::Pooled => DATA_TABLE.to_owned(),
        Isolation::Siloed => format!("{SILO_PREFIX}-{first}"),
    };
    d.put_data(&data_table, first.as_str(), "before-rotation")
        .await;

    let rotated = lifecycle.rotate_key(&by_name, &Silent).await.unwrap();
    let second = rotated.record.api_key_id.clone();
    assert_ne!(second, first);
    assert_eq!(rotated.previous, first);
    assert_eq!(rotated.record.partition_key_id(), &first, "the data stays");
    assert_eq!(rotated.record.previous_api_key_id.as_ref(), Some(&first));
    assert!(
        rotated
            .record
            .api_key_sha256
            .unwrap()
            .matches(rotated.api_key.expose()),
        "its own hash"
    );
    assert!(d.key(second.as_str()).await.unwrap().enabled());
    let mut in_plan = d.plan_key_ids(&plan).await;
    in_plan.sort();
    let mut both = vec![first.to_string(), second.to_string()];
    both.sort();
    assert_eq!(in_plan, both, "the same usage plan");
    let keys = lifecycle.keys(&by_name).await.unwrap();
    assert_eq!(keys.current.api_key_id, second, "the new key is current");
    assert_eq!(keys.replaced.len(), 1);
    assert_eq!(keys.replaced[0].api_key_id, first);
    assert_eq!(keys.replaced[0].partition_key_id.as_ref(), Some(&first));
    // Either key names the same tenant.
    assert_eq!(
        lifecycle.keys(&TenantRef::Id(first.clone())).await.unwrap(),
        keys
    );
    // A second rotation waits for the first old key to be retired.
    let err = lifecycle.rotate_key(&by_name, &Silent).await.unwrap_err();
    assert!(
        matches!(err, LifecycleError::RotationPending { .. }),
        "{err}"
    );
    // The name is still one tenant, and still taken.
    let err = lifecycle
        .onboard(&request("Rotor", Tier::Basic, Isolation::Pooled), &Silent)
        .await
        .unwrap_err();
    assert_eq!(err.exit_code(), exit_code::CONFLICT, "{err}");

    // Suspend and resume act on both keys.
    lifecycle.suspend(&by_name, false, &Silent).await.unwrap();
    for id in [&first, &second] {
        let record = lifecycle.show(&TenantRef::Id(id.clone())).await.unwrap();
        assert_eq!(record.status, TenantStatus::Suspended, "{id}");
        assert!(!d.key(id.as_str()).await.unwrap().enabled(), "{id}");
    }
    lifecycle.resume(&by_name, &Silent).await.unwrap();
    for id in [&first, &second] {
        let record = lifecycle.show(&TenantRef::Id(id.clone())).await.unwrap();
        assert_eq!(record.status, TenantStatus::Active, "{id}");
        assert!(d.key(id.as_str()).await.unwrap().enabled(), "{id}");
    }

    // The current key can't be retired; the old one can, with its sessions.
    let err = lifecycle
        .retire_key(&by_name, &second, false, &Silent)
        .await
        .unwrap_err();
    assert!(matches!(err, LifecycleError::CurrentKey(_)), "{err}");
    assert_eq!(err.exit_code(), exit_code::CONFLICT);
    let retired = lifecycle
        .retire_key(&by_name, &first, true, &Silent)
        .await
        .unwrap();
    assert!(retired.key_deleted);
    assert!(retired.record.is_retired());
    assert!(
        d.key(first.as_str()).await.is_none(),
        "the old key is deleted"
    );
    assert_eq!(d.plan_key_ids(&plan).await, [second.as_str()]);
    let old = lifecycle.show(&TenantRef::Id(first.clone())).await.unwrap();
    assert_eq!(old.status, TenantStatus::Offboarded);
    assert!(old.is_retired());
    let revocations = percent_decoded(&d.role_policy("tenant-revocations").await.unwrap());
    assert!(
        revocations.contains("aws:SourceIdentity") && revocations.contains(first.as_str()),
        "the old key's sessions only: {revocations}"
    );
    assert!(!revocations.contains("aws:PrincipalTag"), "{revocations}");
    // A re-run finishes, changes nothing.
    let again = lifecycle
        .retire_key(&by_name, &first, false, &Silent)
        .await
        .unwrap();
    assert!(!again.key_deleted);
    let keys = lifecycle.keys(&by_name).await.unwrap();
    assert_eq!(keys.current.api_key_id, second);
    assert!(keys.replaced.is_empty());
    assert_eq!(keys.retired.len(), 1);
    assert_eq!(
        lifecycle.show(&by_name).await.unwrap().api_key_id,
        second,
        "show by name gives the current key"
    );

    // Offboard with data: the partition of the first key, under the new key.
    let done = lifecycle
        .offboard(&by_name, true, false, &Silent)
        .await
        .unwrap();
    assert!(d.key(second.as_str()).await.is_none());
    match (isolation, done.data.unwrap()) {
        (Isolation::Pooled, DataDeletion::PooledItems { count, .. }) => {
            assert_eq!(count, 1, "the partition of the first key");
            assert_eq!(d.partition_len(first.as_str()).await, 0);
        }
        (Isolation::Siloed, DataDeletion::SiloTable { table, existed }) => {
            assert_eq!(table, data_table);
            assert!(existed && !d.table_exists(&table).await);
        }
        other => panic!("{other:?}"),
    }
    let old = lifecycle.show(&TenantRef::Id(first.clone())).await.unwrap();
    assert!(old.is_retired(), "a retired key stays retired");
}

#[tokio::test]
async fn a_pooled_tenant_rotates_its_key_and_keeps_its_data() {
    rotate_retire_and_leave(Isolation::Pooled).await;
}

#[tokio::test]
async fn a_siloed_tenant_rotates_its_key_and_keeps_its_table() {
    rotate_retire_and_leave(Isolation::Siloed).await;
}

#[tokio::test]
async fn no_two_tenants_ever_share_a_partition() {
    // Onboard, rotate, retire and offboard in a mix; after every command the
    // registry's items, grouped by partition, belong to one tenant each, and
    // no key ID is reused as another tenant's partition.
    let d = deploy().await;
    let lifecycle = d.lifecycle();
    let check = |items: Vec<tenant_registry::TenantRecord>| {
        let mut owner: HashMap<String, String> = HashMap::new();
        for item in &items {
            let partition = item.partition_key_id().to_string();
            let name = owner
                .entry(partition.clone())
                .or_insert_with(|| item.tenant_name.clone());
            assert_eq!(name, &item.tenant_name, "partition {partition} shared");
        }
        let ids: std::collections::HashSet<_> =
            items.iter().map(|i| i.api_key_id.to_string()).collect();
        assert_eq!(ids.len(), items.len(), "a key ID twice");
    };
    let names = ["Alpha", "Beta", "Gamma"];
    for name in names {
        lifecycle
            .onboard(&request(name, Tier::Basic, Isolation::Pooled), &Silent)
            .await
            .unwrap();
        check(lifecycle.list().await.unwrap());
    }
    for round in 0..2 {
        for name in names {
            let tenant = TenantRef::Name(TenantName::parse(name).unwrap());
            let rotated = lifecycle.rotate_key(&tenant, &Silent).await.unwrap();
            check(lifecycle.list().await.unwrap());
            lifecycle
                .retire_key(&tenant, &rotated.previous, false, &Silent)
                .await
                .unwrap();
            check(lifecycle.list().await.unwrap());
        }
        if round == 0 {
            let beta = TenantRef::Name(TenantName::parse("Beta").unwrap());
            lifecycle
                .offboard(&beta, false, false, &Silent)
                .await
                .unwrap();
            check(lifecycle.list().await.unwrap());
            // A new tenant may take an offboarded name: it gets its own partition.
            lifecycle
                .onboard(&request("Beta", Tier::Basic, Isolation::Pooled), &Silent)
                .await
                .unwrap();
            check(lifecycle.list().await.unwrap());
        }
    }
    let partitions: std::collections::HashSet<_> = lifecycle
        .list()
        .await
        .unwrap()
        .iter()
        .map(|r| r.partition_key_id().to_string())
        .collect();
    assert_eq!(partitions.len(), 4, "Alpha, Beta (old), Beta (new), Gamma");
}

/// moto hands policy documents back URL-encoded, as IAM does.
fn percent_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&text[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[tokio::test]
async fn a_resume_inside_the_revocation_window_tells_the_registry_until_when() {
    let d = deploy().await;
    let lifecycle = d.lifecycle();
    let onboarded = lifecycle
        .onboard(&request("Brisk", Tier::Basic, Isolation::Pooled), &Silent)
        .await
        .unwrap();
    let id = TenantRef::Id(onboarded.record.api_key_id.clone());
    assert_eq!(onboarded.record.new_sessions_refused_until, None);

    let suspended = lifecycle.suspend(&id, true, &Silent).await.unwrap();
    let deadline = suspended.sessions_revoked_before.expect("a revocation");
    let resumed = lifecycle.resume(&id, &Silent).await.unwrap();
    assert_eq!(resumed.new_sessions_refused_until, Some(deadline));
    // What vendor-fn reads: written with the status, in the same item.
    let stored = lifecycle.show(&id).await.unwrap();
    assert_eq!(stored.status, TenantStatus::Active);
    assert_eq!(stored.new_sessions_refused_until, Some(deadline));
    assert!(
        stored.new_sessions_refused_for(Utc::now()).is_some(),
        "a vend now would be refused with Retry-After"
    );

    // A suspend without revocation leaves nothing to wait for.
    lifecycle.suspend(&id, false, &Silent).await.unwrap();
    let later = lifecycle
        .clone()
        .with_clock(two_hours_later)
        .resume(&id, &Silent)
        .await
        .unwrap();
    assert_eq!(later.new_sessions_refused_until, None);
}
