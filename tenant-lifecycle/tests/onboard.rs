//! `onboard`: each step's request, a rollback for a failure at every step,
//! and a re-run after a crash that left an API key behind.

mod common;

use aws_sdk_apigateway::operation::create_api_key::{CreateApiKeyError, CreateApiKeyOutput};
use aws_sdk_apigateway::operation::create_usage_plan_key::{
    CreateUsagePlanKeyError, CreateUsagePlanKeyOutput,
};
use aws_sdk_apigateway::operation::delete_api_key::{DeleteApiKeyError, DeleteApiKeyOutput};
use aws_sdk_apigateway::operation::delete_usage_plan_key::DeleteUsagePlanKeyOutput;
use aws_sdk_apigateway::operation::get_api_keys::{GetApiKeysError, GetApiKeysOutput};
use aws_sdk_apigateway::operation::get_usage_plan_key::{
    GetUsagePlanKeyError, GetUsagePlanKeyOutput,
};
use aws_sdk_apigateway::types::ApiKey;
use aws_sdk_dynamodb::operation::create_table::{CreateTableError, CreateTableOutput};
use aws_sdk_dynamodb::operation::delete_table::DeleteTableOutput;
use aws_sdk_dynamodb::operation::describe_table::{DescribeTableError, DescribeTableOutput};
use aws_sdk_dynamodb::operation::get_item::{GetItemError, GetItemOutput};
use aws_sdk_dynamodb::operation::put_item::{PutItemError, PutItemOutput};
use aws_sdk_dynamodb::operation::scan::{ScanError, ScanOutput};
use aws_sdk_dynamodb::types::{AttributeValue, KeyType, TableDescription, TableStatus};
use aws_smithy_mocks::{MockResponse, Rule, mock};
use common::*;
use tenant_lifecycle::{Contact, Email, LifecycleError, OnboardRequest, TenantName, exit_code};
use tenant_registry::{Isolation, TenantRecord, TenantStatus, Tier};

fn request(isolation: Isolation) -> OnboardRequest {
    OnboardRequest {
        name: TenantName::parse(NAME).unwrap(),
        email: Email::parse("ops@acme.example").unwrap(),
        contact: Some(Contact::parse("Jo, +1 555 0100").unwrap()),
        tier: Tier::Standard,
        isolation,
    }
}

/// The steps of a siloed onboarding, in order, where a failure is injected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Step {
    ScanRegistry,
    FindLeftoverKeys,
    CreateKey,
    AddToPlan,
    CreateTable,
    WaitForTable,
    PutItem,
}

const ALL_STEPS: [Step; 7] = [
    Step::ScanRegistry,
    Step::FindLeftoverKeys,
    Step::CreateKey,
    Step::AddToPlan,
    Step::CreateTable,
    Step::WaitForTable,
    Step::PutItem,
];

/// Every rule a siloed onboarding and its rollback can touch; `fail` swaps
/// one step's rule for a failure.
struct World {
    scan: Rule,
    get_api_keys: Rule,
    create_key: Rule,
    add_to_plan: Rule,
    create_table: Rule,
    describe_table: Rule,
    put_item: Rule,
    get_item: Rule,
    // rollback
    delete_table: Rule,
    get_plan_key: Rule,
    delete_plan_key: Rule,
    delete_key: Rule,
}

fn scan_returns(records: Vec<TenantRecord>) -> Rule {
    mock!(aws_sdk_dynamodb::Client::scan)
        .match_requests(|r| {
            r.table_name() == Some(TENANT_TABLE)
                && r.expression_attribute_values().and_then(|v| v.get(":name"))
                    == Some(&AttributeValue::S(NAME.into()))
                && r.consistent_read() == Some(true)
        })
        .then_output(move || {
            ScanOutput::builder()
                .set_items(Some(records.iter().map(TenantRecord::to_item).collect()))
                .build()
        })
}

fn api_keys_named(ids: &'static [&'static str]) -> Rule {
    mock!(aws_sdk_apigateway::Client::get_api_keys)
        .match_requests(|r| r.name_query() == Some(NAME))
        .then_output(move || {
            let key = |id: &str, name: &str| {
                ApiKey::builder()
                    .id(id)
                    .name(name)
                    .tags("managed-by", "tenantctl")
                    .enabled(true)
                    .build()
            };
            let mut items: Vec<ApiKey> = ids.iter().map(|id| key(id, NAME)).collect();
            // Prefix matches and hand-made keys of the same name are not leftovers.
            items.push(key("p1r2e3f4i5", "Acme Corp"));
            items.push(ApiKey::builder().id("h1a2n3d4m5").name(NAME).build());
            GetApiKeysOutput::builder().set_items(Some(items)).build()
        })
}

impl World {
    fn new() -> Self {
        Self {
            scan: scan_returns(Vec::new()),
            get_api_keys: api_keys_named(&[]),
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
                        .id(KEY_ID)
                        .value(KEY_VALUE)
                        .name(NAME)
                        .enabled(true)
                        .build()
                }),
            add_to_plan: mock!(aws_sdk_apigateway::Client::create_usage_plan_key)
                .match_requests(|r| {
                    r.usage_plan_id() == Some(STANDARD_PLAN)
                        && r.key_id() == Some(KEY_ID)
                        && r.key_type() == Some("API_KEY")
                })
                .then_output(|| CreateUsagePlanKeyOutput::builder().id(KEY_ID).build()),
            create_table: mock!(aws_sdk_dynamodb::Client::create_table)
                .match_requests(|r| {
                    let keys: Vec<_> = r
                        .key_schema()
                        .iter()
                        .map(|k| (k.attribute_name(), k.key_type().clone()))
                        .collect();
                    let silo = format!("{SILO_PREFIX}-{KEY_ID}");
                    r.table_name() == Some(silo.as_str())
                        && keys == [("pk", KeyType::Hash), ("sk", KeyType::Range)]
                        && r.attribute_definitions()
                            .iter()
                            .all(|a| a.attribute_type().as_str() == "S")
                })
                .then_output(|| CreateTableOutput::builder().build()),
            describe_table: mock!(aws_sdk_dynamodb::Client::describe_table)
                .sequence()
                .output(|| describe(TableStatus::Creating))
                .output(|| describe(TableStatus::Active))
                .repeatedly()
                .build(),
            put_item: mock!(aws_sdk_dynamodb::Client::put_item)
                .match_requests(|r| r.table_name() == Some(TENANT_TABLE))
                .then_output(|| PutItemOutput::builder().build()),
            get_item: mock!(aws_sdk_dynamodb::Client::get_item)
                .then_output(|| GetItemOutput::builder().build()),
            delete_table: mock!(aws_sdk_dynamodb::Client::delete_table)
                .then_output(|| DeleteTableOutput::builder().build()),
            get_plan_key: mock!(aws_sdk_apigateway::Client::get_usage_plan_key)
                .match_requests(|r| r.usage_plan_id() == Some(STANDARD_PLAN))
                .then_output(|| GetUsagePlanKeyOutput::builder().build()),
            delete_plan_key: mock!(aws_sdk_apigateway::Client::delete_usage_plan_key)
                .match_requests(|r| {
                    r.usage_plan_id() == Some(STANDARD_PLAN) && r.key_id() == Some(KEY_ID)
                })
                .then_output(|| DeleteUsagePlanKeyOutput::builder().build()),
            delete_key: mock!(aws_sdk_apigateway::Client::delete_api_key)
                .match_requests(|r| r.api_key() == Some(KEY_ID))
                .then_output(|| DeleteApiKeyOutput::builder().build()),
        }
    }

    fn fail(mut self, step: Step) -> Self {
        let unavailable = || code("ServiceUnavailable");
        match step {
            Step::ScanRegistry => {
                self.scan = mock!(aws_sdk_dynamodb::Client::scan)
                    .then_error(move || ScanError::generic(unavailable()));
            }
            Step::FindLeftoverKeys => {
                self.get_api_keys = mock!(aws_sdk_apigateway::Client::get_api_keys)
                    .then_error(move || GetApiKeysError::generic(unavailable()));
            }
            Step::CreateKey => {
                self.create_key = mock!(aws_sdk_apigateway::Client::create_api_key)
                    .then_error(move || CreateApiKeyError::generic(code("LimitExceededException")));
            }
            Step::AddToPlan => {
                self.add_to_plan = mock!(aws_sdk_apigateway::Client::create_usage_plan_key)
                    .then_error(move || CreateUsagePlanKeyError::generic(unavailable()));
            }
            Step::CreateTable => {
                self.create_table = mock!(aws_sdk_dynamodb::Client::create_table)
                    .then_error(move || CreateTableError::generic(code("LimitExceededException")));
            }
            Step::WaitForTable => {
                self.describe_table = mock!(aws_sdk_dynamodb::Client::describe_table)
                    .then_error(move || DescribeTableError::generic(unavailable()));
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
            ],
            &[
                &self.scan,
                &self.create_table,
                &self.describe_table,
                &self.put_item,
                &self.get_item,
                &self.delete_table,
            ],
            &[],
        )
    }
}

fn describe(status: TableStatus) -> DescribeTableOutput {
    DescribeTableOutput::builder()
        .table(TableDescription::builder().table_status(status).build())
        .build()
}

#[tokio::test]
async fn onboards_a_siloed_tenant_key_first_registry_item_last() {
    let world = World::new();
    let progress = Recorded::default();
    let onboarded = world
        .lifecycle()
        .onboard(&request(Isolation::Siloed), &progress)
        .await
        .unwrap();

    assert_eq!(onboarded.api_key.expose(), KEY_VALUE);
    assert_eq!(onboarded.record.api_key_id.as_str(), KEY_ID);
    assert_eq!(onboarded.record.status, TenantStatus::Active);
    assert_eq!(
        onboarded.silo_table.as_deref(),
        Some(format!("{SILO_PREFIX}-{KEY_ID}").as_str())
    );
    for (rule, calls) in [
        (&world.create_key, 1),
        (&world.add_to_plan, 1),
        (&world.create_table, 1),
        (&world.describe_table, 2), // CREATING, then ACTIVE
        (&world.put_item, 1),
        (&world.delete_key, 0),
        (&world.delete_table, 0),
    ] {
        assert_eq!(rule.num_calls(), calls);
    }
    let lines = progress.lines();
    assert!(
        lines.iter().any(|l| l.contains("waiting for table")),
        "{lines:?}"
    );
    assert_no_secret(&lines);
    assert_eq!(
        format!("{onboarded:?}").matches(KEY_VALUE).count(),
        0,
        "Debug shows the key value"
    );
}

#[tokio::test]
async fn the_registry_item_is_written_conditionally_with_every_contract_attribute() {
    let put = mock!(aws_sdk_dynamodb::Client::put_item)
        .match_requests(|r| {
            let item = r.item().unwrap();
            let s = |k: &str| item.get(k).and_then(|v| v.as_s().ok()).map(String::as_str);
            r.condition_expression() == Some("attribute_not_exists(#id)")
                && r.expression_attribute_names()
                    .and_then(|n| n.get("#id"))
                    .map(String::as_str)
                    == Some("apiKeyId")
                && s("apiKeyId") == Some(KEY_ID)
                && s("tenantName") == Some(NAME)
                && s("email") == Some("ops@acme.example")
                && s("tier") == Some("standard")
                && s("status") == Some("active")
                && s("isolation") == Some("pooled")
                && s("createdAt") == Some(NOW)
                && s("contact") == Some("Jo, +1 555 0100")
                // The hash of the key value, never the value itself.
                && s("apiKeySha256")
                    == Some(tenant_registry::ApiKeyHash::of(KEY_VALUE).to_hex().as_str())
                && item.values().all(|v| v.as_s().map_or(true, |t| !t.contains(KEY_VALUE)))
                && item.get("revision") == Some(&AttributeValue::N("1".into()))
                && !item.contains_key("partitionKeyId")
        })
        .then_output(|| PutItemOutput::builder().build());
    let world = World {
        put_item: put,
        ..World::new()
    };
    let onboarded = world
        .lifecycle()
        .onboard(&request(Isolation::Pooled), &Recorded::default())
        .await
        .unwrap();
    assert_eq!(world.put_item.num_calls(), 1);
    assert_eq!(onboarded.silo_table, None);
    assert_eq!(
        world.create_table.num_calls(),
        0,
        "pooled tenants get no table"
    );
}

#[tokio::test]
async fn a_failure_at_any_step_rolls_back_every_earlier_step() {
    for step in ALL_STEPS {
        let world = World::new().fail(step);
        let progress = Recorded::default();
        let err = world
            .lifecycle()
            .onboard(&request(Isolation::Siloed), &progress)
            .await
            .unwrap_err();

        let key_created = step > Step::CreateKey;
        let plan_requested = step > Step::CreateKey;
        // Recorded before the call: a CreateTable that timed out may have worked.
        let table_requested = step >= Step::CreateTable;
        assert_eq!(
            world.delete_key.num_calls(),
            usize::from(key_created),
            "{step:?}: delete key"
        );
        assert_eq!(
            world.delete_plan_key.num_calls(),
            usize::from(plan_requested),
            "{step:?}: leave plan"
        );
        assert_eq!(
            world.delete_table.num_calls(),
            usize::from(table_requested),
            "{step:?}: delete table"
        );
        assert_eq!(
            world.put_item.num_calls(),
            usize::from(step == Step::PutItem),
            "{step:?}: no registry item"
        );
        if key_created {
            let LifecycleError::OnboardFailed {
                undone,
                left_behind,
                ..
            } = &err
            else {
                panic!("{step:?}: expected OnboardFailed, got {err:?}");
            };
            assert!(left_behind.is_empty(), "{step:?}: {left_behind:?}");
            assert!(
                undone
                    .iter()
                    .any(|u| u == &format!("deleted API key {KEY_ID}")),
                "{step:?}: {undone:?}"
            );
        } else {
            assert_eq!(
                world.create_key.num_calls(),
                usize::from(step == Step::CreateKey),
                "{step:?}"
            );
        }
        assert_eq!(err.exit_code(), exit_code::AWS_FAILED, "{step:?}: {err}");
        let mut texts = progress.lines();
        texts.push(err.to_string());
        texts.push(format!("{err:?}"));
        assert_no_secret(&texts);
    }
}

#[tokio::test]
async fn a_rollback_that_fails_says_what_is_left_and_to_re_run() {
    let mut world = World::new().fail(Step::PutItem);
    world.delete_key = mock!(aws_sdk_apigateway::Client::delete_api_key)
        .then_error(|| DeleteApiKeyError::generic(code("TooManyRequestsException")));
    let err = world
        .lifecycle()
        .onboard(&request(Isolation::Pooled), &Recorded::default())
        .await
        .unwrap_err();
    assert_eq!(err.exit_code(), exit_code::INCOMPLETE);
    let message = err.to_string();
    assert!(
        message.contains(&format!("could not roll back: API key {KEY_ID}")),
        "{message}"
    );
    assert!(
        message.contains("re-run the same onboard command"),
        "{message}"
    );
    assert_eq!(world.delete_plan_key.num_calls(), 1);
}

#[tokio::test]
async fn a_registry_write_that_landed_despite_an_error_is_success() {
    let mut world = World::new().fail(Step::PutItem);
    let stored = TenantRecord {
        created_at: now(),
        contact: Some("Jo, +1 555 0100".into()),
        ..record(TenantStatus::Active, Isolation::Pooled)
    };
    world.get_item = mock!(aws_sdk_dynamodb::Client::get_item).then_output(move || {
        GetItemOutput::builder()
            .set_item(Some(stored.to_item()))
            .build()
    });
    let onboarded = world
        .lifecycle()
        .onboard(&request(Isolation::Pooled), &Recorded::default())
        .await
        .unwrap();
    assert_eq!(onboarded.record.api_key_id.as_str(), KEY_ID);
    assert_eq!(world.delete_key.num_calls(), 0);
}

#[tokio::test]
async fn an_unknown_registry_outcome_keeps_everything_for_a_re_run() {
    let mut world = World::new().fail(Step::PutItem);
    world.get_item = mock!(aws_sdk_dynamodb::Client::get_item)
        .then_error(|| GetItemError::generic(code("ServiceUnavailable")));
    let err = world
        .lifecycle()
        .onboard(&request(Isolation::Pooled), &Recorded::default())
        .await
        .unwrap_err();
    assert_eq!(err.exit_code(), exit_code::INCOMPLETE);
    assert_eq!(
        world.delete_key.num_calls(),
        0,
        "a registry item may point at this key"
    );
    assert_eq!(world.delete_plan_key.num_calls(), 0);
}

#[tokio::test]
async fn a_re_run_after_a_crash_removes_the_leftover_key_and_its_table_then_onboards() {
    let mut world = World::new();
    world.get_api_keys = api_keys_named(&[OLD_KEY_ID]);
    // The crashed run had put the old key in the premium plan only.
    world.get_plan_key = mock!(aws_sdk_apigateway::Client::get_usage_plan_key)
        .then_compute_response(|r| {
            if r.usage_plan_id() == Some(PREMIUM_PLAN) {
                MockResponse::Output(GetUsagePlanKeyOutput::builder().build())
            } else {
                MockResponse::Error(GetUsagePlanKeyError::generic(code("NotFoundException")))
            }
        });
    let delete_old_plan_key = mock!(aws_sdk_apigateway::Client::delete_usage_plan_key)
        .match_requests(|r| {
            r.usage_plan_id() == Some(PREMIUM_PLAN) && r.key_id() == Some(OLD_KEY_ID)
        })
        .then_output(|| DeleteUsagePlanKeyOutput::builder().build());
    let delete_old_key = mock!(aws_sdk_apigateway::Client::delete_api_key)
        .match_requests(|r| r.api_key() == Some(OLD_KEY_ID))
        .then_output(|| DeleteApiKeyOutput::builder().build());
    let old_table = format!("{SILO_PREFIX}-{OLD_KEY_ID}");
    let delete_old_table = mock!(aws_sdk_dynamodb::Client::delete_table)
        .match_requests(move |r| r.table_name() == Some(old_table.as_str()))
        .then_output(|| DeleteTableOutput::builder().build());
    let no_registry_item = mock!(aws_sdk_dynamodb::Client::get_item)
        .match_requests(|r| {
            r.key().and_then(|k| k.get("apiKeyId")) == Some(&AttributeValue::S(OLD_KEY_ID.into()))
        })
        .then_output(|| GetItemOutput::builder().build());

    let lifecycle = lifecycle(
        &[
            &world.get_api_keys,
            &world.get_plan_key,
            &delete_old_plan_key,
            &delete_old_key,
            &world.create_key,
            &world.add_to_plan,
        ],
        &[
            &world.scan,
            &no_registry_item,
            &delete_old_table,
            &world.create_table,
            &world.describe_table,
            &world.put_item,
        ],
        &[],
    );
    let progress = Recorded::default();
    let onboarded = lifecycle
        .onboard(&request(Isolation::Siloed), &progress)
        .await
        .unwrap();

    assert_eq!(
        onboarded.record.api_key_id.as_str(),
        KEY_ID,
        "a fresh key, not a second tenant"
    );
    assert_eq!(
        world.get_plan_key.num_calls(),
        3,
        "every tier's plan is checked"
    );
    assert_eq!(delete_old_plan_key.num_calls(), 1);
    assert_eq!(delete_old_table.num_calls(), 1);
    assert_eq!(delete_old_key.num_calls(), 1);
    assert_eq!(world.put_item.num_calls(), 1);
    let lines = progress.lines();
    assert!(
        lines.iter().any(|l| l.contains("interrupted onboarding")),
        "{lines:?}"
    );
}

#[tokio::test]
async fn a_leftover_key_that_a_registry_item_names_is_left_alone() {
    let mut world = World::new();
    world.get_api_keys = api_keys_named(&[OLD_KEY_ID]);
    let offboarded = TenantRecord {
        api_key_id: id(OLD_KEY_ID),
        ..record(TenantStatus::Offboarded, Isolation::Pooled)
    };
    world.get_item = mock!(aws_sdk_dynamodb::Client::get_item).then_output(move || {
        GetItemOutput::builder()
            .set_item(Some(offboarded.to_item()))
            .build()
    });
    world.onboard_ok().await;
    assert_eq!(world.delete_key.num_calls(), 0);
}

impl World {
    async fn onboard_ok(&self) {
        self.lifecycle()
            .onboard(&request(Isolation::Pooled), &Recorded::default())
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn a_name_taken_by_a_live_tenant_is_refused_before_anything_is_created() {
    for status in [TenantStatus::Active, TenantStatus::Suspended] {
        let world = World {
            scan: scan_returns(vec![record(status, Isolation::Pooled)]),
            ..World::new()
        };
        let err = world
            .lifecycle()
            .onboard(&request(Isolation::Pooled), &Recorded::default())
            .await
            .unwrap_err();
        assert!(
            matches!(err, LifecycleError::DuplicateName { .. }),
            "{err:?}"
        );
        assert_eq!(err.exit_code(), exit_code::CONFLICT);
        assert_eq!(world.create_key.num_calls(), 0);
    }
    // An offboarded tenant's name may be reused.
    let world = World {
        scan: scan_returns(vec![record(TenantStatus::Offboarded, Isolation::Pooled)]),
        ..World::new()
    };
    world.onboard_ok().await;
}

#[tokio::test]
async fn missing_configuration_is_refused_before_any_call() {
    let world = World::new();
    let resources = tenant_lifecycle::Resources {
        silo_table_prefix: None,
        ..resources()
    };
    let lifecycle = lifecycle_with(resources, &[&world.create_key], &[&world.scan], &[]);
    let err = lifecycle
        .onboard(&request(Isolation::Siloed), &Recorded::default())
        .await
        .unwrap_err();
    assert_eq!(err.exit_code(), exit_code::INVALID_INPUT);
    assert!(err.to_string().contains("--silo-prefix"), "{err}");
    assert_eq!(world.scan.num_calls(), 0);
}

#[tokio::test]
async fn a_table_that_never_becomes_active_is_rolled_back() {
    let world = World {
        describe_table: mock!(aws_sdk_dynamodb::Client::describe_table)
            .then_output(|| describe(TableStatus::Creating)),
        ..World::new()
    };
    let err = world
        .lifecycle()
        .onboard(&request(Isolation::Siloed), &Recorded::default())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("is not active after"), "{err}");
    assert_eq!(world.delete_table.num_calls(), 1);
    assert_eq!(world.delete_key.num_calls(), 1);
}
