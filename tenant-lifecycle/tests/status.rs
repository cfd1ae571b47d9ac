//! suspend, resume, offboard, show and list: conditional registry updates,
//! the API key following the status, revocations on the tenant role.

mod common;

use std::collections::HashMap;

use aws_sdk_apigateway::operation::delete_api_key::{DeleteApiKeyError, DeleteApiKeyOutput};
use aws_sdk_apigateway::operation::delete_usage_plan_key::DeleteUsagePlanKeyOutput;
use aws_sdk_apigateway::operation::get_usage_plan_key::GetUsagePlanKeyOutput;
use aws_sdk_apigateway::operation::update_api_key::{UpdateApiKeyError, UpdateApiKeyOutput};
use aws_sdk_apigateway::types::Op;
use aws_sdk_dynamodb::operation::batch_write_item::BatchWriteItemOutput;
use aws_sdk_dynamodb::operation::delete_table::DeleteTableOutput;
use aws_sdk_dynamodb::operation::get_item::GetItemOutput;
use aws_sdk_dynamodb::operation::query::QueryOutput;
use aws_sdk_dynamodb::operation::scan::ScanOutput;
use aws_sdk_dynamodb::operation::update_item::{UpdateItemError, UpdateItemOutput};
use aws_sdk_dynamodb::types::{AttributeValue, DeleteRequest, WriteRequest};
use aws_sdk_iam::operation::delete_role_policy::DeleteRolePolicyOutput;
use aws_sdk_iam::operation::get_role_policy::GetRolePolicyOutput;
use aws_sdk_iam::operation::list_role_policies::ListRolePoliciesOutput;
use aws_sdk_iam::operation::put_role_policy::PutRolePolicyOutput;
use aws_smithy_mocks::{Rule, mock};
use common::*;
use serde_json::Value;
use tenant_lifecycle::{DataDeletion, LifecycleError, Resources, TenantName, TenantRef, exit_code};
use tenant_registry::{Isolation, TenantRecord, TenantStatus};

fn by_id() -> TenantRef {
    TenantRef::Id(id(KEY_ID))
}

fn get_item_returns(record: Option<TenantRecord>) -> Rule {
    mock!(aws_sdk_dynamodb::Client::get_item)
        .match_requests(|r| {
            r.table_name() == Some(TENANT_TABLE)
                && r.consistent_read() == Some(true)
                && r.key().and_then(|k| k.get("apiKeyId"))
                    == Some(&AttributeValue::S(KEY_ID.into()))
        })
        .then_output(move || {
            GetItemOutput::builder()
                .set_item(record.as_ref().map(TenantRecord::to_item))
                .build()
        })
}

/// An UpdateItem that only matches `from` → `to` with the condition on the status.
fn update_status(from: &'static [&'static str], to: &'static str) -> Rule {
    mock!(aws_sdk_dynamodb::Client::update_item)
        .match_requests(move |r| {
            let values = r.expression_attribute_values().unwrap();
            let froms: Vec<&str> = (0..from.len())
                .filter_map(|i| {
                    values
                        .get(&format!(":from{i}"))?
                        .as_s()
                        .ok()
                        .map(String::as_str)
                })
                .collect();
            r.table_name() == Some(TENANT_TABLE)
                && r.update_expression()
                    == Some("SET #status = :to, #rev = if_not_exists(#rev, :zero) + :one")
                && r.expression_attribute_names().and_then(|n| n.get("#rev"))
                    == Some(&"revision".to_owned())
                && values.get(":one") == Some(&AttributeValue::N("1".into()))
                && r.condition_expression().is_some_and(|c| {
                    c.contains("#status IN (") && c.contains("attribute_exists(#id)")
                })
                && values.get(":to") == Some(&AttributeValue::S(to.into()))
                && froms == from
        })
        .then_output(|| UpdateItemOutput::builder().build())
}

fn set_key_enabled(enabled: bool) -> Rule {
    mock!(aws_sdk_apigateway::Client::update_api_key)
        .match_requests(move |r| {
            let ops = r.patch_operations();
            r.api_key() == Some(KEY_ID)
                && ops.len() == 1
                && ops[0].op() == Some(&Op::Replace)
                && ops[0].path() == Some("/enabled")
                && ops[0].value() == Some(if enabled { "true" } else { "false" })
        })
        .then_output(|| UpdateApiKeyOutput::builder().build())
}

fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The deadline a revocation written at [`NOW`] gets: 10:00:00 plus the
/// in-flight bound and the skew allowance, rounded up to 2 minutes.
const DEADLINE: &str = "2026-11-27T10:02:00Z";

/// IAM rules: the tenant role holds its own policy, the revocations policy
/// with an expired and a fresh revocation of other tenants, and two legacy
/// per-tenant revocations (one expired, one fresh).
struct Iam {
    /// A put that adds this tenant's revocation (and keeps only the fresh one).
    put_revocation: Rule,
    /// A put that only drops the expired revocation.
    put_pruned: Rule,
    list: Rule,
    get: Rule,
    delete_expired: Rule,
}

fn revoked_ids(doc: &Value) -> Vec<(String, String)> {
    doc["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|st| {
            let before = st["Condition"]["DateLessThan"]["aws:TokenIssueTime"]
                .as_str()
                .unwrap()
                .to_owned();
            st["Condition"]["StringEquals"]["aws:PrincipalTag/api-key-id"]
                .as_array()
                .unwrap()
                .iter()
                .map(move |id| (id.as_str().unwrap().to_owned(), before.clone()))
                .collect::<Vec<_>>()
        })
        .collect()
}

impl Iam {
    fn new() -> Self {
        let mut current = tenant_lifecycle::Revocations::default();
        current.add(
            tenant_lifecycle::RevokedBy::Tenant,
            &id("e1x2p3i4r5"),
            "2026-11-27T08:50:00Z".parse().unwrap(),
        );
        current.add(
            tenant_lifecycle::RevokedBy::Tenant,
            &id("f2r3e4s5h6"),
            "2026-11-27T09:40:00Z".parse().unwrap(),
        );
        let legacy = |tenant: &str, at: &str| {
            let mut r = tenant_lifecycle::Revocations::default();
            r.add(
                tenant_lifecycle::RevokedBy::Tenant,
                &id(tenant),
                at.parse().unwrap(),
            );
            url_encode(&r.to_document())
        };
        let docs: HashMap<String, String> = HashMap::from([
            (
                "tenant-role-permissions".into(),
                url_encode(include_str!("../../policies/tenant-role-permissions.json")),
            ),
            (
                "tenant-revocations".into(),
                url_encode(&current.to_document()),
            ),
            (
                "revoke-o1d2k3e4y5".into(),
                legacy(OLD_KEY_ID, "2026-11-27T08:54:59Z"),
            ),
            (
                "revoke-f1r2e3s4h5".into(),
                legacy("f1r2e3s4h5", "2026-11-27T09:30:00Z"),
            ),
        ]);
        let is_revocations_put =
            |r: &aws_sdk_iam::operation::put_role_policy::PutRolePolicyInput| {
                r.role_name() == Some(ROLE_NAME) && r.policy_name() == Some("tenant-revocations")
            };
        Self {
            put_revocation: mock!(aws_sdk_iam::Client::put_role_policy)
                .match_requests(move |r| {
                    let doc: Value = serde_json::from_str(r.policy_document().unwrap()).unwrap();
                    is_revocations_put(r)
                        && doc["Statement"].as_array().unwrap().iter().all(|st| {
                            st["Effect"] == "Deny" && st["Action"] == "*" && st["Resource"] == "*"
                        })
                        && revoked_ids(&doc)
                            == [
                                ("f2r3e4s5h6".to_owned(), "2026-11-27T09:40:00Z".to_owned()),
                                (KEY_ID.to_owned(), DEADLINE.to_owned()),
                            ]
                })
                .then_output(|| PutRolePolicyOutput::builder().build()),
            put_pruned: mock!(aws_sdk_iam::Client::put_role_policy)
                .match_requests(move |r| {
                    let doc: Value = serde_json::from_str(r.policy_document().unwrap()).unwrap();
                    is_revocations_put(r)
                        && revoked_ids(&doc)
                            == [("f2r3e4s5h6".to_owned(), "2026-11-27T09:40:00Z".to_owned())]
                })
                .then_output(|| PutRolePolicyOutput::builder().build()),
            list: mock!(aws_sdk_iam::Client::list_role_policies)
                .match_requests(|r| r.role_name() == Some(ROLE_NAME))
                .then_output(|| {
                    ListRolePoliciesOutput::builder()
                        .policy_names("tenant-role-permissions")
                        .policy_names("tenant-revocations")
                        .policy_names("revoke-o1d2k3e4y5")
                        .policy_names("revoke-f1r2e3s4h5")
                        .build()
                        .unwrap()
                }),
            get: mock!(aws_sdk_iam::Client::get_role_policy).then_compute_output(move |r| {
                let name = r.policy_name().unwrap();
                GetRolePolicyOutput::builder()
                    .role_name(ROLE_NAME)
                    .policy_name(name)
                    .policy_document(docs.get(name).expect("a policy the list named"))
                    .build()
                    .unwrap()
            }),
            delete_expired: mock!(aws_sdk_iam::Client::delete_role_policy)
                .match_requests(|r| {
                    r.role_name() == Some(ROLE_NAME) && r.policy_name() == Some("revoke-o1d2k3e4y5")
                })
                .then_output(|| DeleteRolePolicyOutput::builder().build()),
        }
    }

    fn rules(&self) -> [&Rule; 5] {
        [
            &self.put_revocation,
            &self.put_pruned,
            &self.list,
            &self.get,
            &self.delete_expired,
        ]
    }
}

#[tokio::test]
async fn suspend_flips_the_status_conditionally_then_disables_the_key() {
    let get = get_item_returns(Some(record(TenantStatus::Active, Isolation::Pooled)));
    let update = update_status(&["active"], "suspended");
    let disable = set_key_enabled(false);
    let iam = Iam::new();
    let lifecycle = lifecycle(&[&disable], &[&get, &update], &iam.rules());
    let change = lifecycle
        .suspend(&by_id(), false, &Recorded::default())
        .await
        .unwrap();

    assert_eq!(
        (change.previous, change.record.status),
        (TenantStatus::Active, TenantStatus::Suspended)
    );
    assert_eq!((update.num_calls(), disable.num_calls()), (1, 1));
    assert_eq!(change.sessions_revoked_before, None);
    assert_eq!(
        iam.put_revocation.num_calls(),
        0,
        "no revocation unless asked"
    );
    assert_eq!(
        iam.put_pruned.num_calls(),
        1,
        "the expired revocation is dropped"
    );
    let pruned = change.pruned.unwrap();
    assert_eq!(
        pruned.removed,
        [
            "tenant e1x2p3i4r5 before 2026-11-27T08:50:00Z",
            "revoke-o1d2k3e4y5"
        ]
    );
    assert_eq!(
        pruned.kept,
        [
            "tenant f2r3e4s5h6 before 2026-11-27T09:40:00Z",
            "revoke-f1r2e3s4h5"
        ]
    );
}

#[tokio::test]
async fn suspend_revoke_sessions_prunes_first_then_denies_sessions_up_to_the_deadline() {
    let get = get_item_returns(Some(record(TenantStatus::Active, Isolation::Pooled)));
    let update = update_status(&["active"], "suspended");
    let disable = set_key_enabled(false);
    let iam = Iam::new();
    let lifecycle = lifecycle(&[&disable], &[&get, &update], &iam.rules());
    let progress = Recorded::default();
    let change = lifecycle.suspend(&by_id(), true, &progress).await.unwrap();

    assert_eq!(
        change.sessions_revoked_before,
        Some(DEADLINE.parse().unwrap()),
        "after now: the same second and vends in flight are covered"
    );
    // One write: the expired revocation pruned and this one added together,
    // so a policy full of expired revocations never blocks a new one.
    assert_eq!(iam.put_revocation.num_calls(), 1);
    // Only the legacy revocation older than one hour (plus skew) goes.
    assert_eq!(iam.delete_expired.num_calls(), 1);
    assert!(
        progress
            .lines()
            .iter()
            .any(|l| l == "revoking sessions of k1a2b3c4d5 issued before 2026-11-27 10:02:00 UTC"),
        "{:?}",
        progress.lines()
    );
}

#[tokio::test]
async fn a_revocation_that_would_overflow_the_roles_quota_is_refused_with_the_count() {
    let get = get_item_returns(Some(record(TenantStatus::Active, Isolation::Pooled)));
    let update = update_status(&["active"], "suspended");
    let disable = set_key_enabled(false);
    let mut full = tenant_lifecycle::Revocations::default();
    for n in 0..800 {
        full.add(
            tenant_lifecycle::RevokedBy::Tenant,
            &id(&format!("t{n:09}")),
            "2026-11-27T09:58:00Z".parse().unwrap(),
        );
    }
    let doc = url_encode(&full.to_document());
    let list = mock!(aws_sdk_iam::Client::list_role_policies).then_output(|| {
        ListRolePoliciesOutput::builder()
            .policy_names("tenant-revocations")
            .build()
            .unwrap()
    });
    let get_policy = mock!(aws_sdk_iam::Client::get_role_policy).then_compute_output(move |r| {
        GetRolePolicyOutput::builder()
            .role_name(ROLE_NAME)
            .policy_name(r.policy_name().unwrap())
            .policy_document(&doc)
            .build()
            .unwrap()
    });
    let put = mock!(aws_sdk_iam::Client::put_role_policy)
        .then_output(|| PutRolePolicyOutput::builder().build());
    let lifecycle = lifecycle(&[&disable], &[&get, &update], &[&list, &get_policy, &put]);
    let err = lifecycle
        .suspend(&by_id(), true, &Recorded::default())
        .await
        .unwrap_err();
    assert_eq!(err.exit_code(), exit_code::INCOMPLETE, "{err}");
    assert!(err.to_string().contains("800 are in force"), "{err}");
    assert_eq!(put.num_calls(), 0, "nothing written that IAM would refuse");
}

#[tokio::test]
async fn revoking_without_a_tenant_role_is_refused_before_any_change() {
    let get = get_item_returns(Some(record(TenantStatus::Active, Isolation::Pooled)));
    let resources = Resources {
        tenant_role_name: None,
        ..resources()
    };
    let lifecycle = lifecycle_with(resources, &[], &[&get], &[]);
    let err = lifecycle
        .suspend(&by_id(), true, &Recorded::default())
        .await
        .unwrap_err();
    assert_eq!(err.exit_code(), exit_code::INVALID_INPUT);
    assert!(err.to_string().contains("--tenant-role-name"), "{err}");
    assert_eq!(get.num_calls(), 0);
}

#[tokio::test]
async fn suspending_a_suspended_tenant_finishes_the_job_without_a_registry_write() {
    let get = get_item_returns(Some(record(TenantStatus::Suspended, Isolation::Pooled)));
    let disable = set_key_enabled(false);
    let lifecycle = lifecycle_with(
        Resources {
            tenant_role_name: None,
            ..resources()
        },
        &[&disable],
        &[&get],
        &[],
    );
    let change = lifecycle
        .suspend(&by_id(), false, &Recorded::default())
        .await
        .unwrap();
    assert_eq!(change.previous, TenantStatus::Suspended);
    assert_eq!(disable.num_calls(), 1);
    assert!(
        change.pruned.is_none(),
        "no role configured, nothing to prune"
    );
}

#[tokio::test]
async fn an_offboarded_tenant_can_be_neither_suspended_nor_resumed() {
    let get = get_item_returns(Some(record(TenantStatus::Offboarded, Isolation::Pooled)));
    let lifecycle = lifecycle(&[], &[&get], &[]);
    for result in [
        lifecycle
            .suspend(&by_id(), false, &Recorded::default())
            .await,
        lifecycle.resume(&by_id(), &Recorded::default()).await,
    ] {
        let err = result.unwrap_err();
        assert!(
            matches!(
                err,
                LifecycleError::WrongState {
                    status: TenantStatus::Offboarded,
                    ..
                }
            ),
            "{err:?}"
        );
        assert_eq!(err.exit_code(), exit_code::CONFLICT);
    }
}

#[tokio::test]
async fn a_concurrent_change_refused_by_the_condition_is_reported_with_the_current_status() {
    let get = mock!(aws_sdk_dynamodb::Client::get_item)
        .sequence()
        .output(|| {
            GetItemOutput::builder()
                .item_from(record(TenantStatus::Active, Isolation::Pooled))
                .build()
        })
        .output(|| {
            GetItemOutput::builder()
                .item_from(record(TenantStatus::Offboarded, Isolation::Pooled))
                .build()
        })
        .build();
    let update = mock!(aws_sdk_dynamodb::Client::update_item)
        .then_error(|| UpdateItemError::generic(code("ConditionalCheckFailedException")));
    let disable = set_key_enabled(false);
    let lifecycle = lifecycle(&[&disable], &[&get, &update], &[]);
    let err = lifecycle
        .suspend(&by_id(), false, &Recorded::default())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            LifecycleError::WrongState {
                status: TenantStatus::Offboarded,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(disable.num_calls(), 0);
}

trait ItemFrom {
    fn item_from(self, record: TenantRecord) -> Self;
}

impl ItemFrom for aws_sdk_dynamodb::operation::get_item::builders::GetItemOutputBuilder {
    fn item_from(self, record: TenantRecord) -> Self {
        self.set_item(Some(record.to_item()))
    }
}

#[tokio::test]
async fn a_key_that_cannot_be_disabled_leaves_a_re_runnable_partial_suspension() {
    let get = get_item_returns(Some(record(TenantStatus::Active, Isolation::Pooled)));
    let update = update_status(&["active"], "suspended");
    let disable = mock!(aws_sdk_apigateway::Client::update_api_key)
        .then_error(|| UpdateApiKeyError::generic(code("TooManyRequestsException")));
    let lifecycle = lifecycle(&[&disable], &[&get, &update], &[]);
    let err = lifecycle
        .suspend(&by_id(), false, &Recorded::default())
        .await
        .unwrap_err();
    assert_eq!(err.exit_code(), exit_code::INCOMPLETE);
    let message = err.to_string();
    assert!(
        message.contains("registry status of k1a2b3c4d5 is suspended"),
        "{message}"
    );
    assert!(message.contains("re-run the same command"), "{message}");
}

#[tokio::test]
async fn resume_reactivates_then_enables_the_key_and_is_idempotent() {
    let get = get_item_returns(Some(record(TenantStatus::Suspended, Isolation::Pooled)));
    let update = update_status(&["suspended"], "active");
    let enable = set_key_enabled(true);
    let iam = Iam::new();
    let lifecycle = lifecycle(&[&enable], &[&get, &update], &iam.rules());
    let change = lifecycle
        .resume(&by_id(), &Recorded::default())
        .await
        .unwrap();
    assert_eq!(change.record.status, TenantStatus::Active);
    assert_eq!((update.num_calls(), enable.num_calls()), (1, 1));

    let get = get_item_returns(Some(record(TenantStatus::Active, Isolation::Pooled)));
    let lifecycle = lifecycle_with(
        Resources {
            tenant_role_name: None,
            ..resources()
        },
        &[&enable],
        &[&get],
        &[],
    );
    let change = lifecycle
        .resume(&by_id(), &Recorded::default())
        .await
        .unwrap();
    assert_eq!(change.previous, TenantStatus::Active);
    assert_eq!(enable.num_calls(), 2);
}

#[tokio::test]
async fn an_unknown_tenant_is_not_found_by_id_or_by_name() {
    let get = get_item_returns(None);
    let scan = mock!(aws_sdk_dynamodb::Client::scan).then_output(|| ScanOutput::builder().build());
    let lifecycle = lifecycle(&[], &[&get, &scan], &[]);
    let err = lifecycle
        .suspend(&by_id(), false, &Recorded::default())
        .await
        .unwrap_err();
    assert_eq!(err.exit_code(), exit_code::NOT_FOUND);
    assert_eq!(err.to_string(), "no tenant with api key id k1a2b3c4d5");
    let err = lifecycle
        .show(&TenantRef::Name(TenantName::parse("Nobody").unwrap()))
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "no tenant named \"Nobody\"");
}

/// The offboarding rules shared by the pooled and siloed cases.
struct Offboard {
    get: Rule,
    update: Rule,
    get_plan_key: Rule,
    delete_plan_key: Rule,
    delete_key: Rule,
}

impl Offboard {
    fn new(status: TenantStatus, isolation: Isolation) -> Self {
        Self {
            get: get_item_returns(Some(record(status, isolation))),
            update: update_status(&["active", "suspended"], "offboarded"),
            get_plan_key: mock!(aws_sdk_apigateway::Client::get_usage_plan_key)
                .match_requests(|r| {
                    r.usage_plan_id() == Some(STANDARD_PLAN) && r.key_id() == Some(KEY_ID)
                })
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

    fn apigateway(&self) -> [&Rule; 3] {
        [&self.get_plan_key, &self.delete_plan_key, &self.delete_key]
    }
}

fn keys(count: usize, offset: usize) -> Vec<HashMap<String, AttributeValue>> {
    (offset..offset + count)
        .map(|i| {
            HashMap::from([
                ("pk".to_owned(), AttributeValue::S(KEY_ID.into())),
                ("sk".to_owned(), AttributeValue::S(format!("item{i:03}"))),
            ])
        })
        .collect()
}

#[tokio::test]
async fn offboard_delete_data_deletes_a_pooled_tenants_partition_by_query_and_counts() {
    let o = Offboard::new(TenantStatus::Suspended, Isolation::Pooled);
    // Two pages: 27 items, then 3.
    let query = mock!(aws_sdk_dynamodb::Client::query)
        .match_requests(|r| {
            r.table_name() == Some(DATA_TABLE)
                && r.key_condition_expression() == Some("#pk = :pk")
                && r.expression_attribute_values().and_then(|v| v.get(":pk"))
                    == Some(&AttributeValue::S(KEY_ID.into()))
        })
        .then_compute_output(|r| match r.exclusive_start_key() {
            None => QueryOutput::builder()
                .set_items(Some(keys(27, 0)))
                .set_last_evaluated_key(keys(1, 26).pop())
                .build(),
            Some(_) => QueryOutput::builder().set_items(Some(keys(3, 27))).build(),
        });
    // DynamoDB hands back one item unprocessed the first time.
    let batch = mock!(aws_sdk_dynamodb::Client::batch_write_item)
        .match_requests(|r| r.request_items().is_some_and(|i| i.keys().eq([DATA_TABLE])))
        .sequence()
        .output(|| {
            let unprocessed = WriteRequest::builder()
                .delete_request(
                    DeleteRequest::builder()
                        .set_key(keys(1, 0).pop())
                        .build()
                        .unwrap(),
                )
                .build();
            BatchWriteItemOutput::builder()
                .unprocessed_items(DATA_TABLE, vec![unprocessed])
                .build()
        })
        .output(|| BatchWriteItemOutput::builder().build())
        .repeatedly()
        .build();
    let lifecycle = lifecycle(
        &o.apigateway(),
        &[&o.get, &o.update, &query, &batch],
        &Iam::new().rules(),
    );
    let progress = Recorded::default();
    let done = lifecycle
        .offboard(&by_id(), true, false, &progress)
        .await
        .unwrap();

    assert_eq!(
        done.data,
        Some(DataDeletion::PooledItems {
            table: DATA_TABLE.into(),
            count: 30
        })
    );
    assert_eq!(done.record.status, TenantStatus::Offboarded);
    assert!(done.key_deleted);
    assert_eq!(query.num_calls(), 2);
    assert_eq!(batch.num_calls(), 4, "25 + retry of 1 + 2 + 3");
    assert_eq!(
        (
            o.update.num_calls(),
            o.delete_plan_key.num_calls(),
            o.delete_key.num_calls()
        ),
        (1, 1, 1)
    );
    assert!(progress.lines().iter().any(|l| l == "deleted 30 items"));
}

#[tokio::test]
async fn offboard_delete_data_deletes_a_siloed_tenants_table() {
    let o = Offboard::new(TenantStatus::Active, Isolation::Siloed);
    let delete_table = mock!(aws_sdk_dynamodb::Client::delete_table)
        .match_requests(|r| r.table_name() == Some("tcv-silo-k1a2b3c4d5"))
        .then_output(|| DeleteTableOutput::builder().build());
    let lifecycle = lifecycle(
        &o.apigateway(),
        &[&o.get, &o.update, &delete_table],
        &Iam::new().rules(),
    );
    let done = lifecycle
        .offboard(&by_id(), true, false, &Recorded::default())
        .await
        .unwrap();
    assert_eq!(
        done.data,
        Some(DataDeletion::SiloTable {
            table: "tcv-silo-k1a2b3c4d5".into(),
            existed: true
        })
    );
    assert_eq!(delete_table.num_calls(), 1);
}

#[tokio::test]
async fn offboard_without_delete_data_keeps_the_data_and_a_re_run_finishes_the_cleanup() {
    let o = Offboard::new(TenantStatus::Active, Isolation::Pooled);
    let first_run = lifecycle(&o.apigateway(), &[&o.get, &o.update], &Iam::new().rules());
    let done = first_run
        .offboard(&by_id(), false, false, &Recorded::default())
        .await
        .unwrap();
    assert_eq!(done.data, None);

    // The key deletion failed last time: the re-run sees "offboarded" and deletes the key.
    let o = Offboard::new(TenantStatus::Offboarded, Isolation::Pooled);
    let failing = mock!(aws_sdk_apigateway::Client::delete_api_key)
        .then_error(|| DeleteApiKeyError::generic(code("ServiceUnavailable")));
    let first = lifecycle(
        &[&o.get_plan_key, &o.delete_plan_key, &failing],
        &[&o.get],
        &Iam::new().rules(),
    );
    let err = first
        .offboard(&by_id(), false, false, &Recorded::default())
        .await
        .unwrap_err();
    assert_eq!(err.exit_code(), exit_code::INCOMPLETE);
    let rerun = lifecycle(&o.apigateway(), &[&o.get], &Iam::new().rules());
    let done = rerun
        .offboard(&by_id(), false, false, &Recorded::default())
        .await
        .unwrap();
    assert_eq!(done.previous, TenantStatus::Offboarded);
    assert_eq!(
        o.update.num_calls(),
        0,
        "no registry write for an offboarded tenant"
    );
    assert_eq!(o.delete_key.num_calls(), 1);
}

#[tokio::test]
async fn list_is_sorted_by_creation_and_show_by_name_prefers_the_live_tenant() {
    let older = TenantRecord {
        tenant_name: "Zed".into(),
        api_key_id: id("z1z1z1z1z1"),
        ..record(TenantStatus::Active, Isolation::Pooled)
    };
    let newer = TenantRecord {
        created_at: "2026-11-20T00:00:00Z".parse().unwrap(),
        ..record(TenantStatus::Active, Isolation::Siloed)
    };
    let gone = TenantRecord {
        api_key_id: id("g1g1g1g1g1"),
        ..record(TenantStatus::Offboarded, Isolation::Pooled)
    };
    let all = [newer.clone(), gone, older];
    let scan = mock!(aws_sdk_dynamodb::Client::scan).then_compute_output(move |r| {
        let wanted = r
            .expression_attribute_values()
            .and_then(|v| v.get(":name"))
            .and_then(|v| v.as_s().ok())
            .cloned();
        let items = all
            .iter()
            .filter(|t| wanted.as_ref().is_none_or(|w| &t.tenant_name == w))
            .map(TenantRecord::to_item);
        ScanOutput::builder()
            .set_items(Some(items.collect()))
            .build()
    });
    let lifecycle = lifecycle(&[], &[&scan], &[]);
    let listed = lifecycle.list().await.unwrap();
    let names: Vec<_> = listed.iter().map(|r| r.api_key_id.as_str()).collect();
    assert_eq!(names, ["g1g1g1g1g1", "z1z1z1z1z1", KEY_ID]);

    let shown = lifecycle
        .show(&TenantRef::Name(TenantName::parse(NAME).unwrap()))
        .await
        .unwrap();
    assert_eq!(shown, newer, "the live Acme, not the offboarded one");
}
