//! `rotate-key`: each step's request, a rollback for a failure injected at
//! every step, a key ID that would merge two tenants, and a re-run after a
//! crash that left the new key behind.

mod common;

use aws_sdk_apigateway::operation::create_api_key::{CreateApiKeyError, CreateApiKeyOutput};
use aws_sdk_apigateway::operation::create_usage_plan_key::{
    CreateUsagePlanKeyError, CreateUsagePlanKeyOutput,
};
use aws_sdk_apigateway::operation::delete_api_key::DeleteApiKeyOutput;
use aws_sdk_apigateway::operation::delete_usage_plan_key::DeleteUsagePlanKeyOutput;
use aws_sdk_apigateway::operation::get_api_keys::{GetApiKeysError, GetApiKeysOutput};
use aws_sdk_apigateway::operation::get_usage_plan_key::GetUsagePlanKeyOutput;
use aws_sdk_apigateway::types::ApiKey;
use aws_sdk_dynamodb::operation::delete_table::DeleteTableOutput;
use aws_sdk_dynamodb::operation::get_item::GetItemOutput;
use aws_sdk_dynamodb::operation::put_item::{PutItemError, PutItemOutput};
use aws_sdk_dynamodb::operation::scan::{ScanError, ScanOutput};
use aws_sdk_dynamodb::operation::update_item::{UpdateItemError, UpdateItemOutput};
use aws_sdk_dynamodb::types::AttributeValue;
use aws_smithy_mocks::{Rule, mock};
use common::*;
use tenant_lifecycle::{LifecycleError, TenantRef, exit_code};
use tenant_registry::{ApiKeyHash, Isolation, TenantRecord, TenantStatus};

/// The key API Gateway creates for the rotation.
const NEW_ID: &str = "n2e3w4k5e6";
const NEW_VALUE: &str = "Rq8NnewSecretApiKeyValue0123456789abcdKL";
/// A key a crashed rotation left: named after the tenant, in no registry item.
const LEFT_ID: &str = "l3e4f5t6o7";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Step {
    FindLeftoverKeys,
    CreateKey,
    CheckPartitionCollision,
    AddToPlan,
    MarkReplacedKey,
    PutItem,
}

const ALL_STEPS: [Step; 6] = [
    Step::FindLeftoverKeys,
    Step::CreateKey,
    Step::CheckPartitionCollision,
    Step::AddToPlan,
    Step::MarkReplacedKey,
    Step::PutItem,
];

fn item_for(key: &'static str, record: Option<TenantRecord>) -> Rule {
    mock!(aws_sdk_dynamodb::Client::get_item)
        .match_requests(move |r| {
            r.key().and_then(|k| k.get("apiKeyId")) == Some(&AttributeValue::S(key.into()))
        })
        .then_output(move || {
            GetItemOutput::builder()
                .set_item(record.as_ref().map(TenantRecord::to_item))
                .build()
        })
}

fn managed_key(id: &str) -> ApiKey {
    ApiKey::builder()
        .id(id)
        .name(NAME)
        .tags("managed-by", "tenantctl")
        .enabled(true)
        .build()
}

/// Every rule a rotation and its rollback can touch; `fail` swaps one
/// step's rule for a failure.
struct World {
    get_current: Rule,
    get_new: Rule,
    get_left: Rule,
    get_api_keys: Rule,
    create_key: Rule,
    scan_partition: Rule,
    add_to_plan: Rule,
    mark_replaced: Rule,
    put_item: Rule,
    // rollback, and the leftover's cleanup
    get_plan_key: Rule,
    delete_plan_key: Rule,
    delete_key: Rule,
    delete_left: Rule,
    delete_table: Rule,
}

impl World {
    fn new() -> Self {
        Self {
            get_current: item_for(
                KEY_ID,
                Some(record(TenantStatus::Active, Isolation::Pooled)),
            ),
            get_new: item_for(NEW_ID, None),
            get_left: item_for(LEFT_ID, None),
            get_api_keys: mock!(aws_sdk_apigateway::Client::get_api_keys)
                .match_requests(|r| r.name_query() == Some(NAME))
                .then_output(|| {
                    GetApiKeysOutput::builder()
                        .items(managed_key(KEY_ID))
                        .build()
                }),
            create_key: mock!(aws_sdk_apigateway::Client::create_api_key)
                .match_requests(|r| {
                    r.name() == Some(NAME)
                        && r.enabled() == Some(true)
                        && r.tags()
                            .and_then(|t| t.get("managed-by"))
                            .map(String::as_str)
                            == Some("tenantctl")
                })
                .then_output(|| {
                    CreateApiKeyOutput::builder()
                        .id(NEW_ID)
                        .value(NEW_VALUE)
                        .name(NAME)
                        .enabled(true)
                        .build()
                }),
            scan_partition: mock!(aws_sdk_dynamodb::Client::scan)
                .match_requests(|r| {
                    r.expression_attribute_values().and_then(|v| v.get(":part"))
                        == Some(&AttributeValue::S(NEW_ID.into()))
                })
                .then_output(|| ScanOutput::builder().build()),
            add_to_plan: mock!(aws_sdk_apigateway::Client::create_usage_plan_key)
                .match_requests(|r| {
                    r.usage_plan_id() == Some(STANDARD_PLAN) && r.key_id() == Some(NEW_ID)
                })
                .then_output(|| CreateUsagePlanKeyOutput::builder().id(NEW_ID).build()),
            mark_replaced: mock!(aws_sdk_dynamodb::Client::update_item)
                .match_requests(|r| {
                    r.key().and_then(|k| k.get("apiKeyId"))
                        == Some(&AttributeValue::S(KEY_ID.into()))
                        && r.update_expression()
                            .is_some_and(|e| e.contains("if_not_exists(#part, :own)"))
                        && r.expression_attribute_values().and_then(|v| v.get(":own"))
                            == Some(&AttributeValue::S(KEY_ID.into()))
                })
                .then_output(|| UpdateItemOutput::builder().build()),
            put_item: mock!(aws_sdk_dynamodb::Client::put_item)
                .match_requests(|r| {
                    r.table_name() == Some(TENANT_TABLE)
                        && r.condition_expression() == Some("attribute_not_exists(#id)")
                })
                .then_output(|| PutItemOutput::builder().build()),
            get_plan_key: mock!(aws_sdk_apigateway::Client::get_usage_plan_key)
                .then_output(|| GetUsagePlanKeyOutput::builder().build()),
            delete_plan_key: mock!(aws_sdk_apigateway::Client::delete_usage_plan_key)
                .then_output(|| DeleteUsagePlanKeyOutput::builder().build()),
            delete_key: mock!(aws_sdk_apigateway::Client::delete_api_key)
                .match_requests(|r| r.api_key() == Some(NEW_ID))
                .then_output(|| DeleteApiKeyOutput::builder().build()),
            delete_left: mock!(aws_sdk_apigateway::Client::delete_api_key)
                .match_requests(|r| r.api_key() == Some(LEFT_ID))
                .then_output(|| DeleteApiKeyOutput::builder().build()),
            delete_table: mock!(aws_sdk_dynamodb::Client::delete_table)
                .then_output(|| DeleteTableOutput::builder().build()),
        }
    }

    fn fail(mut self, step: Step) -> Self {
        let unavailable = || code("ServiceUnavailable");
        match step {
            Step::FindLeftoverKeys => {
                self.get_api_keys = mock!(aws_sdk_apigateway::Client::get_api_keys)
                    .then_error(move || GetApiKeysError::generic(unavailable()));
            }
            Step::CreateKey => {
                self.create_key = mock!(aws_sdk_apigateway::Client::create_api_key)
                    .then_error(move || CreateApiKeyError::generic(code("LimitExceededException")));
            }
            Step::CheckPartitionCollision => {
                self.scan_partition = mock!(aws_sdk_dynamodb::Client::scan)
                    .then_error(move || ScanError::generic(unavailable()));
            }
            Step::AddToPlan => {
                self.add_to_plan = mock!(aws_sdk_apigateway::Client::create_usage_plan_key)
                    .then_error(move || CreateUsagePlanKeyError::generic(unavailable()));
            }
            Step::MarkReplacedKey => {
                self.mark_replaced = mock!(aws_sdk_dynamodb::Client::update_item)
                    .then_error(move || UpdateItemError::generic(unavailable()));
            }
            Step::PutItem => {
                self.put_item = mock!(aws_sdk_dynamodb::Client::put_item)
                    .then_error(move || PutItemError::generic(code("AccessDeniedException")));
            }
        }
        self
    }

    fn lifecycle(&self) -> tenant_lifecycle::Lifecycle {
        lifecycle(
            &[
                &self.get_api_keys,
                &self.create_key,
                &self.add_to_plan,
                &self.get_plan_key,
                &self.delete_plan_key,
                &self.delete_key,
                &self.delete_left,
            ],
            &[
                &self.get_current,
                &self.get_new,
                &self.get_left,
                &self.scan_partition,
                &self.mark_replaced,
                &self.put_item,
                &self.delete_table,
            ],
            &[],
        )
    }
}

fn current() -> TenantRef {
    TenantRef::Id(id(KEY_ID))
}

#[tokio::test]
async fn rotates_into_the_same_plan_with_the_tenants_partition_and_its_own_hash() {
    let world = World::new();
    let written = test_support::mocks::Captured::default();
    let put = mock!(aws_sdk_dynamodb::Client::put_item)
        .match_requests(written.recorder())
        .then_output(|| PutItemOutput::builder().build());
    let world = World {
        put_item: put,
        ..world
    };
    let progress = Recorded::default();
    let rotated = world
        .lifecycle()
        .rotate_key(&current(), &progress)
        .await
        .unwrap();
    assert_eq!(rotated.record.api_key_id.as_str(), NEW_ID);
    assert_eq!(rotated.previous.as_str(), KEY_ID);
    assert_eq!(rotated.api_key.expose(), NEW_VALUE);
    assert_eq!(world.add_to_plan.num_calls(), 1, "the tier's own plan");
    assert_eq!(world.mark_replaced.num_calls(), 1);
    let input: aws_sdk_dynamodb::operation::put_item::PutItemInput = written.only();
    let item = input.item.unwrap();
    let stored = TenantRecord::try_from(&item).unwrap();
    assert_eq!(stored.partition_key_id().as_str(), KEY_ID, "the data stays");
    assert_eq!(
        stored
            .previous_api_key_id
            .as_ref()
            .map(tenant_registry::ApiKeyId::as_str),
        Some(KEY_ID)
    );
    assert_eq!(stored.api_key_sha256, Some(ApiKeyHash::of(NEW_VALUE)));
    assert_eq!(stored.status, TenantStatus::Active);
    assert_eq!(stored.revision, 1);
    assert_eq!(
        (stored.tenant_name.as_str(), stored.tier, stored.isolation),
        (NAME, tenant_registry::Tier::Standard, Isolation::Pooled)
    );
    assert_eq!(world.delete_key.num_calls(), 0, "nothing rolled back");
    let mut texts = progress.lines();
    texts.push(format!("{rotated:?}"));
    for text in &texts {
        assert!(!text.contains(NEW_VALUE), "leaks the new key: {text}");
    }
    assert_no_secret(&texts);
}

#[tokio::test]
async fn a_failure_at_any_step_of_rotate_key_rolls_back_every_earlier_step() {
    for step in ALL_STEPS {
        let world = World::new().fail(step);
        let progress = Recorded::default();
        let err = world
            .lifecycle()
            .rotate_key(&current(), &progress)
            .await
            .unwrap_err();
        let key_created = step > Step::CreateKey;
        // Recorded before the call: an add that timed out may have worked.
        let plan_requested = step >= Step::AddToPlan;
        assert_eq!(
            world.delete_key.num_calls(),
            usize::from(key_created),
            "{step:?}: delete the new key"
        );
        assert_eq!(
            world.delete_plan_key.num_calls(),
            usize::from(plan_requested),
            "{step:?}: leave the plan"
        );
        assert_eq!(
            world.put_item.num_calls(),
            usize::from(step == Step::PutItem),
            "{step:?}: no registry item"
        );
        if key_created {
            let LifecycleError::RotateFailed {
                undone,
                left_behind,
                ..
            } = &err
            else {
                panic!("{step:?}: expected RotateFailed, got {err:?}");
            };
            assert!(left_behind.is_empty(), "{step:?}: {left_behind:?}");
            assert!(
                undone
                    .iter()
                    .any(|u| u == &format!("deleted API key {NEW_ID}")),
                "{step:?}: {undone:?}"
            );
            assert!(err.to_string().starts_with("key rotation failed"), "{err}");
        }
        assert_eq!(err.exit_code(), exit_code::AWS_FAILED, "{step:?}: {err}");
        let mut texts = progress.lines();
        texts.push(err.to_string());
        texts.push(format!("{err:?}"));
        for text in &texts {
            assert!(
                !text.contains(NEW_VALUE),
                "{step:?} leaks the new key: {text}"
            );
        }
        assert_no_secret(&texts);
    }
}

#[tokio::test]
async fn a_new_key_id_that_is_already_a_partition_is_refused_and_rolled_back() {
    // Another tenant's partition (a rotated tenant's first key) has this ID.
    let mut other = record(TenantStatus::Active, Isolation::Pooled);
    other.api_key_id = id("o9t8h7e6r5");
    other.tenant_name = "Other".into();
    other.partition_key_id = Some(id(NEW_ID));
    let world = World {
        scan_partition: mock!(aws_sdk_dynamodb::Client::scan)
            .then_output(move || ScanOutput::builder().items(other.to_item()).build()),
        ..World::new()
    };
    let err = world
        .lifecycle()
        .rotate_key(&current(), &Recorded::default())
        .await
        .unwrap_err();
    let LifecycleError::RotateFailed { cause, .. } = &err else {
        panic!("{err:?}");
    };
    assert!(
        matches!(**cause, LifecycleError::PartitionCollision(_)),
        "{cause:?}"
    );
    assert_eq!(world.delete_key.num_calls(), 1, "the new key is deleted");
    assert_eq!(world.add_to_plan.num_calls(), 0);
    assert_eq!(world.put_item.num_calls(), 0);
}

#[tokio::test]
async fn a_re_run_after_a_crash_removes_the_leftover_key_then_rotates() {
    let world = World {
        get_api_keys: mock!(aws_sdk_apigateway::Client::get_api_keys)
            .match_requests(|r| r.name_query() == Some(NAME))
            .then_output(|| {
                GetApiKeysOutput::builder()
                    .items(managed_key(KEY_ID))
                    .items(managed_key(LEFT_ID))
                    .build()
            }),
        ..World::new()
    };
    let rotated = world
        .lifecycle()
        .rotate_key(&current(), &Recorded::default())
        .await
        .unwrap();
    assert_eq!(rotated.record.api_key_id.as_str(), NEW_ID);
    assert_eq!(
        world.delete_left.num_calls(),
        1,
        "the crashed run's key is gone"
    );
    assert_eq!(world.delete_key.num_calls(), 0);
}

#[tokio::test]
async fn a_tenant_that_is_not_active_or_already_rotating_is_refused_before_any_change() {
    let world = World {
        get_current: item_for(
            KEY_ID,
            Some(record(TenantStatus::Suspended, Isolation::Pooled)),
        ),
        ..World::new()
    };
    let err = world
        .lifecycle()
        .rotate_key(&current(), &Recorded::default())
        .await
        .unwrap_err();
    assert_eq!(err.exit_code(), exit_code::CONFLICT, "{err}");
    assert_eq!(world.create_key.num_calls(), 0);

    // A newer key already waits for this one to be retired.
    let mut first = record(TenantStatus::Active, Isolation::Pooled);
    first.partition_key_id = Some(id(KEY_ID));
    let mut newer = record(TenantStatus::Active, Isolation::Pooled);
    newer.api_key_id = id(NEW_ID);
    newer.partition_key_id = Some(id(KEY_ID));
    newer.previous_api_key_id = Some(id(KEY_ID));
    let items = [first.clone(), newer];
    let world = World {
        get_current: item_for(KEY_ID, Some(first)),
        scan_partition: mock!(aws_sdk_dynamodb::Client::scan)
            .match_requests(|r| {
                r.expression_attribute_values().and_then(|v| v.get(":part"))
                    == Some(&AttributeValue::S(KEY_ID.into()))
            })
            .then_output(move || {
                ScanOutput::builder()
                    .set_items(Some(items.iter().map(TenantRecord::to_item).collect()))
                    .build()
            }),
        ..World::new()
    };
    let err = world
        .lifecycle()
        .rotate_key(&current(), &Recorded::default())
        .await
        .unwrap_err();
    assert!(
        matches!(err, LifecycleError::RotationPending { .. }),
        "{err}"
    );
    assert!(
        err.to_string().contains(&format!("retire {KEY_ID} first")),
        "{err}"
    );
    assert_eq!(world.create_key.num_calls(), 0);
}
