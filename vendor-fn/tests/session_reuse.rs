//! The session cache through the handler: one warm instance, mocked STS and
//! registry, counting AssumeRole calls with aws-smithy-mocks' `num_calls`.

mod common;

use std::sync::{Arc, Mutex};

use common::*;
use tenant_registry::{TenantRecord, TenantStatus, Tier};
use vendor_fn::session_cache::SessionCache;
use vendor_fn::{Vendor, handle};

/// A warm instance whose registry holds `record` and whose STS issues a new
/// session per call.
struct Instance {
    record: Arc<Mutex<TenantRecord>>,
    get: aws_smithy_mocks::Rule,
    assume: aws_smithy_mocks::Rule,
    vendor: Vendor,
}

impl Instance {
    fn new(record: TenantRecord, sessions: SessionCache) -> Self {
        let record = Arc::new(Mutex::new(record));
        let get = registry_holding(&record);
        let assume = assume_role_issues_fresh_sessions();
        let mut vendor = vendor(&[&get], &[&assume]);
        vendor.sessions = sessions;
        Self {
            record,
            get,
            assume,
            vendor,
        }
    }

    /// One GET /credentials: the status and, on 200, the AccessKeyId.
    async fn vend(&self) -> (i64, String) {
        self.vend_fixture("get_credentials").await
    }

    async fn vend_fixture(&self, name: &str) -> (i64, String) {
        let response = handle(&self.vendor, fixture(name), "lambda-req").await;
        let body = body_json(&response);
        let id = body["AccessKeyId"].as_str().unwrap_or_default().to_owned();
        let id = if response.status_code == 200 {
            id
        } else {
            body["code"].as_str().unwrap_or_default().to_owned()
        };
        (response.status_code, id)
    }

    /// A life-cycle write as tenant-lifecycle does it: the status, and the revision bumped.
    fn write_status(&self, status: TenantStatus) {
        let mut record = self.record.lock().unwrap();
        record.status = status;
        record.revision += 1;
    }
}

fn active() -> TenantRecord {
    tenant(Tier::Standard, TenantStatus::Active)
}

#[tokio::test]
async fn fifty_vends_for_one_tenant_on_one_warm_instance_cost_one_assume_role() {
    let instance = Instance::new(active(), SessionCache::default());
    for n in 1..=50 {
        let (status, id) = instance.vend().await;
        assert_eq!(
            (status, id.as_str()),
            (200, fresh_access_key_id(1).as_str()),
            "vend {n}"
        );
    }
    assert_eq!(instance.assume.num_calls(), 1, "exactly one AssumeRole");
    assert_eq!(
        instance.get.num_calls(),
        50,
        "the registry is read on every vend"
    );
    let stats = instance.vendor.sessions.stats();
    assert_eq!((stats.hits, stats.misses, stats.entries), (49, 1, 1));
}

#[tokio::test]
async fn a_suspend_then_a_resume_leads_to_a_fresh_assume_role() {
    let instance = Instance::new(active(), SessionCache::default());
    let (_, before) = instance.vend().await;
    assert_eq!(
        instance.vend().await.1,
        before,
        "reused while nothing changed"
    );

    instance.write_status(TenantStatus::Suspended);
    assert_eq!(instance.vend().await, (403, "TenantSuspended".to_owned()));
    assert_eq!(
        instance.assume.num_calls(),
        1,
        "a refusal costs no AssumeRole"
    );

    instance.write_status(TenantStatus::Active);
    let (status, after) = instance.vend().await;
    assert_eq!(status, 200);
    assert_ne!(
        after, before,
        "the pre-suspend session is never served again"
    );
    assert_eq!(instance.assume.num_calls(), 2);
    assert_eq!(instance.vend().await.1, after, "and the new one is reused");
    assert_eq!(instance.assume.num_calls(), 2);
}

#[tokio::test]
async fn a_revision_change_alone_makes_the_cached_session_unreachable() {
    let instance = Instance::new(active(), SessionCache::default());
    let (_, first) = instance.vend().await;
    // A rotation or a revocation with the status unchanged: only the revision moves.
    instance.record.lock().unwrap().revision += 1;
    let (_, second) = instance.vend().await;
    assert_ne!(second, first);
    assert_eq!(instance.assume.num_calls(), 2);
}

#[tokio::test]
async fn a_suspended_tenant_is_refused_even_when_its_revision_did_not_move() {
    // A write that forgot the revision must still not be served from the
    // cache: the status is checked on every request before the cache.
    let instance = Instance::new(active(), SessionCache::default());
    assert_eq!(instance.vend().await.0, 200);
    for status in [TenantStatus::Suspended, TenantStatus::Offboarded] {
        instance.record.lock().unwrap().status = status;
        let (code, text) = instance.vend().await;
        assert_eq!(code, 403, "{status}: {text}");
        assert!(text.starts_with("Tenant"), "{text}");
    }
    assert_eq!(instance.assume.num_calls(), 1);
}

#[tokio::test]
async fn another_scope_or_duration_is_another_session() {
    let instance = Instance::new(active(), SessionCache::default());
    let (_, read_write) = instance.vend().await;
    let (_, read_only) = instance.vend_fixture("post_read_only_1200").await;
    assert_ne!(read_only, read_write);
    assert_eq!(
        instance.vend_fixture("post_read_only_1200").await.1,
        read_only
    );
    assert_eq!(instance.vend().await.1, read_write);
    assert_eq!(instance.assume.num_calls(), 2);
}

#[tokio::test]
async fn with_reuse_off_every_vend_is_an_assume_role() {
    let instance = Instance::new(active(), SessionCache::new(0));
    for _ in 0..5 {
        assert_eq!(instance.vend().await.0, 200);
    }
    assert_eq!(instance.assume.num_calls(), 5);
}

#[tokio::test]
async fn a_session_sts_issued_already_expired_is_not_reused() {
    // The fixtures' STS answer expires on 2026-11-27, in the past: each vend
    // must ask STS again rather than hand out what is dead.
    let (gets, assumes) = (Captured::default(), Captured::default());
    let get = get_item_returns(Some(active()), &gets);
    let assume = assume_role_succeeds(&assumes);
    let vendor = vendor(&[&get], &[&assume]);
    for _ in 0..3 {
        handle(&vendor, fixture("get_credentials"), "r").await;
    }
    assert_eq!(assume.num_calls(), 3);
    assert_eq!(vendor.sessions.stats().entries, 0);
}
