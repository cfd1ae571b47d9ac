//! Per-instance reuse of tenant sessions, wrapped around the STS issuer.
//!
//! Every vend used to be one `sts:AssumeRole`, and the account's STS request
//! quota is shared by every tenant and everything else in the account and
//! Region: one tenant whose client fetched credentials per request could
//! exhaust it for all. A warm instance now hands a tenant the session it
//! issued a moment ago, under a rule narrow enough that reuse never gives a
//! tenant more than a fresh AssumeRole would have:
//!
//! - **Key**: everything AssumeRole is asked for (the [`SessionRequest`]:
//!   key ID, scope, duration) plus the record's partition key ID
//!   ([`TenantRecord::partition_key_id`]) and `revision`. Any life-cycle
//!   write (suspend, resume, offboard, rotate, revoke) bumps the revision,
//!   so every session cached before it becomes unreachable at once.
//! - **Window**: a session is served only while its remaining lifetime is
//!   at least the requested duration minus [`REUSE_MARGIN_SECONDS`], and
//!   never when it lives longer than the duration asked for (give or take
//!   [`CLOCK_SKEW_SECONDS`] between this instance's clock and STS's).
//! - **Registry first**: the handler reads the record and checks the status
//!   before it gets here, so a tenant that is not active is never served.
//! - **Bounded** in entries ([`DEFAULT_CAPACITY`]); `Debug` shows counts
//!   only, because the entries hold secret keys and session tokens.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Mutex, MutexGuard, PoisonError};

use chrono::{DateTime, Duration, Utc};
use tenant_registry::{ApiKeyId, TenantRecord};

use crate::VendError;
use crate::issuer::{IssuedCredentials, SessionRequest, StsIssuer};

/// How much of a session's life a reused one may have spent: a cached
/// session is served while `remaining >= requested - 300 s`.
pub const REUSE_MARGIN_SECONDS: u32 = 300;

/// How far STS's clock may run ahead of the instance's. STS stamps
/// `Expiration` by its own clock; without this slack a fresh session could
/// measure a little longer than asked and never be reused at all.
pub const CLOCK_SKEW_SECONDS: u32 = 5;

/// Entries one instance keeps. An entry is about 1.5 KiB (the session token
/// dominates), so the bound is about 1.5 MiB of a Lambda's memory.
pub const DEFAULT_CAPACITY: usize = 1024;

/// What a cached session answers for.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SessionKey {
    /// Exactly what AssumeRole would be asked for.
    request: SessionRequest,
    /// The key ID that owns the tenant's data.
    partition_key_id: ApiKeyId,
    /// The record's revision when the session was issued.
    revision: u64,
}

impl SessionKey {
    /// The key for `request` on behalf of `tenant`, as the registry has it now.
    pub fn new(tenant: &TenantRecord, request: &SessionRequest) -> Self {
        Self {
            request: request.clone(),
            partition_key_id: tenant.partition_key_id().clone(),
            revision: tenant.revision,
        }
    }

    /// Whether `other` is the same tenant's same request at an older revision:
    /// unreachable from now on, so not worth its slot.
    fn superseded_by(&self, other: &Self) -> bool {
        self.request == other.request
            && self.partition_key_id == other.partition_key_id
            && self.revision < other.revision
    }
}

/// Counts, for `Debug` and tests: never the sessions themselves.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Sessions held now.
    pub entries: usize,
    /// Vends served from the cache.
    pub hits: u64,
    /// Vends that needed an AssumeRole.
    pub misses: u64,
}

/// Reused tenant sessions of one warm instance.
pub struct SessionCache {
    capacity: usize,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    entries: HashMap<SessionKey, IssuedCredentials>,
    hits: u64,
    misses: u64,
}

impl Default for SessionCache {
    fn default() -> Self {
        Self::new(DEFAULT_CAPACITY)
    }
}

// Counts only: the entries hold secret keys and session tokens.
#[allow(clippy::missing_fields_in_debug)]
impl fmt::Debug for SessionCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let stats = self.stats();
        f.debug_struct("SessionCache")
            .field("capacity", &self.capacity)
            .field("entries", &stats.entries)
            .field("hits", &stats.hits)
            .field("misses", &stats.misses)
            .finish()
    }
}

impl SessionCache {
    /// A cache of at most `capacity` sessions; 0 turns reuse off (every vend
    /// is an AssumeRole).
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            state: Mutex::default(),
        }
    }

    /// The session for `request`: a cached one if the reuse rule allows,
    /// else a fresh one from `issuer`, kept for the next request.
    ///
    /// Call it only for a tenant whose record was just read and found active.
    ///
    /// # Errors
    /// What [`StsIssuer::issue`] returns; a failure caches nothing.
    pub async fn issue(
        &self,
        issuer: &StsIssuer,
        tenant: &TenantRecord,
        request: &SessionRequest,
    ) -> Result<IssuedCredentials, VendError> {
        let key = SessionKey::new(tenant, request);
        if let Some(creds) = self.lookup(&key, Utc::now()) {
            return Ok(creds);
        }
        let creds = issuer.issue(request).await?;
        self.store(key, creds.clone(), Utc::now());
        Ok(creds)
    }

    /// Counts of entries, hits and misses.
    pub fn stats(&self) -> CacheStats {
        let state = self.lock();
        CacheStats {
            entries: state.entries.len(),
            hits: state.hits,
            misses: state.misses,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // The state is a map and two counters, consistent after every
        // statement: a panic elsewhere cannot leave it half-written.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn lookup(&self, key: &SessionKey, now: DateTime<Utc>) -> Option<IssuedCredentials> {
        let mut state = self.lock();
        let found = state
            .entries
            .get(key)
            .filter(|creds| servable(creds, key.request.duration_seconds, now))
            .cloned();
        if found.is_some() {
            state.hits += 1;
        } else {
            state.misses += 1;
        }
        found
    }

    fn store(&self, key: SessionKey, creds: IssuedCredentials, now: DateTime<Utc>) {
        if self.capacity == 0 || !servable(&creds, key.request.duration_seconds, now) {
            return;
        }
        let mut state = self.lock();
        state
            .entries
            .retain(|k, v| servable(v, k.request.duration_seconds, now) && !k.superseded_by(&key));
        if state.entries.len() >= self.capacity && !state.entries.contains_key(&key) {
            // Full of live sessions: drop the one with the least life left,
            // the least a tenant would lose by a fresh AssumeRole.
            let soonest = state
                .entries
                .iter()
                .min_by_key(|(_, v)| v.expiration)
                .map(|(k, _)| k.clone());
            if let Some(soonest) = soonest {
                state.entries.remove(&soonest);
            }
        }
        state.entries.insert(key, creds);
    }
}

/// The reuse rule: at least `duration - 300 s` of life left, and never more
/// than `duration` (plus the clock skew): a session outliving what was asked
/// for is not served.
fn servable(creds: &IssuedCredentials, duration_seconds: u32, now: DateTime<Utc>) -> bool {
    let remaining = creds.expiration - now;
    let most = Duration::seconds(i64::from(duration_seconds) + i64::from(CLOCK_SKEW_SECONDS));
    let least = Duration::seconds(i64::from(
        duration_seconds.saturating_sub(REUSE_MARGIN_SECONDS),
    ));
    remaining >= least && remaining <= most
}

#[cfg(test)]
mod tests {
    use tenant_registry::{Isolation, Secret, TenantStatus, Tier};

    use super::*;
    use crate::Scope;

    fn tenant(id: &str, revision: u64) -> TenantRecord {
        TenantRecord {
            api_key_id: ApiKeyId::parse(id).unwrap(),
            tenant_name: "Acme".into(),
            email: "ops@acme.example".into(),
            tier: Tier::Standard,
            status: TenantStatus::Active,
            isolation: Isolation::Pooled,
            created_at: "2026-11-01T00:00:00Z".parse().unwrap(),
            contact: None,
            api_key_sha256: None,
            revision,
            partition_key_id: None,
            previous_api_key_id: None,
            retired_at: None,
            new_sessions_refused_until: None,
        }
    }

    fn request(id: &str, duration_seconds: u32, scope: Scope) -> SessionRequest {
        SessionRequest {
            api_key_id: ApiKeyId::parse(id).unwrap(),
            partition_key_id: ApiKeyId::parse(id).unwrap(),
            duration_seconds,
            scope,
        }
    }

    fn now() -> DateTime<Utc> {
        "2026-12-01T12:00:00Z".parse().unwrap()
    }

    fn creds(name: &str, expiration: DateTime<Utc>) -> IssuedCredentials {
        IssuedCredentials {
            access_key_id: name.into(),
            secret_access_key: Secret::new("secret-access-key"),
            session_token: Secret::new("session-token"),
            expiration,
        }
    }

    fn key(id: &str, revision: u64, duration: u32, scope: Scope) -> SessionKey {
        SessionKey::new(&tenant(id, revision), &request(id, duration, scope))
    }

    fn secs(s: i64) -> Duration {
        Duration::seconds(s)
    }

    #[test]
    fn a_session_is_reused_until_300_seconds_of_its_life_are_spent() {
        let cache = SessionCache::default();
        let k = key("k1", 1, 1800, Scope::ReadWrite);
        cache.store(k.clone(), creds("A", now() + secs(1800)), now());
        let at = |s| cache.lookup(&k, now() + secs(s)).map(|c| c.access_key_id);
        assert_eq!(at(0).as_deref(), Some("A"), "fresh");
        assert_eq!(at(300).as_deref(), Some("A"), "exactly 1500 s left");
        assert_eq!(at(301), None, "1499 s left: below 1800 - 300");
        assert_eq!(cache.stats().hits, 2);
        assert_eq!(cache.stats().misses, 1);
    }

    #[test]
    fn a_session_that_lives_longer_than_asked_is_never_served_or_kept() {
        let cache = SessionCache::default();
        let k = key("k1", 1, 900, Scope::ReadWrite);
        cache.store(k.clone(), creds("A", now() + secs(900)), now());
        assert!(cache.lookup(&k, now()).is_some(), "exactly 900 s: served");
        // Issued for 900 s but 906 s of life, beyond any clock skew: never
        // handed to a tenant that asked for 900, and not kept either.
        cache.store(k.clone(), creds("B", now() + secs(906)), now());
        assert_eq!(
            cache.lookup(&k, now()).map(|c| c.access_key_id).as_deref(),
            Some("A")
        );
        let fresh = SessionCache::default();
        fresh.store(k.clone(), creds("B", now() + secs(906)), now());
        assert_eq!(fresh.stats().entries, 0);
        assert_eq!(fresh.lookup(&k, now()), None);
        // STS's clock 5 s ahead of ours: still the session that was asked for.
        fresh.store(k.clone(), creds("C", now() + secs(905)), now());
        assert!(fresh.lookup(&k, now()).is_some());
    }

    #[test]
    fn a_revision_change_makes_the_earlier_session_unreachable_and_frees_its_slot() {
        let cache = SessionCache::default();
        let old = key("k1", 1, 1800, Scope::ReadWrite);
        cache.store(old.clone(), creds("A", now() + secs(1800)), now());
        let new = key("k1", 2, 1800, Scope::ReadWrite);
        assert_eq!(cache.lookup(&new, now()), None, "revision 2 misses");
        cache.store(new.clone(), creds("B", now() + secs(1800)), now());
        assert_eq!(cache.stats().entries, 1, "revision 1's session was dropped");
        assert_eq!(cache.lookup(&old, now()), None);
        assert_eq!(cache.lookup(&new, now()).unwrap().access_key_id, "B");
    }

    #[test]
    fn scope_duration_and_partition_each_get_their_own_session() {
        let cache = SessionCache::default();
        let base = key("k1", 1, 1800, Scope::ReadWrite);
        cache.store(base.clone(), creds("A", now() + secs(1800)), now());
        for other in [
            key("k1", 1, 1800, Scope::ReadOnly),
            key("k1", 1, 1200, Scope::ReadWrite),
            key("k2", 1, 1800, Scope::ReadWrite),
        ] {
            assert_eq!(cache.lookup(&other, now()), None, "{other:?}");
        }
        let mut rotated = tenant("k1", 1);
        rotated.partition_key_id = Some(ApiKeyId::parse("p1").unwrap());
        let moved = SessionKey::new(&rotated, &request("k1", 1800, Scope::ReadWrite));
        assert_eq!(cache.lookup(&moved, now()), None, "another partition");
        assert!(cache.lookup(&base, now()).is_some());
    }

    #[test]
    fn the_cache_never_holds_more_than_its_capacity_and_drops_the_shortest_lived() {
        let cache = SessionCache::new(3);
        for (n, life) in [(1, 1800), (2, 1700), (3, 1750), (4, 1790)] {
            let id = format!("k{n}");
            cache.store(
                key(&id, 1, 1800, Scope::ReadWrite),
                creds(&id, now() + secs(life)),
                now(),
            );
            assert!(cache.stats().entries <= 3);
        }
        assert_eq!(cache.stats().entries, 3);
        let present = |id: &str| {
            cache
                .lookup(&key(id, 1, 1800, Scope::ReadWrite), now())
                .is_some()
        };
        assert!(!present("k2"), "the one with the least life left went");
        assert!(present("k1") && present("k3") && present("k4"));
    }

    #[test]
    fn sessions_past_their_window_are_pruned_before_anything_live_is_evicted() {
        let cache = SessionCache::new(2);
        cache.store(
            key("k1", 1, 900, Scope::ReadWrite),
            creds("A", now() + secs(900)),
            now(),
        );
        cache.store(
            key("k2", 1, 900, Scope::ReadWrite),
            creds("B", now() + secs(900)),
            now(),
        );
        // 400 s later k1 and k2 are past their window; k3 takes a slot, both go.
        let later = now() + secs(400);
        cache.store(
            key("k3", 1, 900, Scope::ReadWrite),
            creds("C", later + secs(900)),
            later,
        );
        assert_eq!(cache.stats().entries, 1);
    }

    #[test]
    fn capacity_zero_turns_reuse_off() {
        let cache = SessionCache::new(0);
        let k = key("k1", 1, 900, Scope::ReadWrite);
        cache.store(k.clone(), creds("A", now() + secs(900)), now());
        assert_eq!(cache.lookup(&k, now()), None);
        assert_eq!(cache.stats().entries, 0);
    }

    #[test]
    fn debug_shows_counts_and_never_a_secret() {
        let cache = SessionCache::default();
        let k = key("k1", 1, 900, Scope::ReadWrite);
        cache.store(k.clone(), creds("ASIAVISIBLE", now() + secs(900)), now());
        let text = format!("{cache:?}");
        assert_eq!(
            text,
            "SessionCache { capacity: 1024, entries: 1, hits: 0, misses: 0 }"
        );
        for hidden in ["ASIAVISIBLE", "secret-access-key", "session-token", "k1"] {
            assert!(!text.contains(hidden), "{text}");
        }
    }
}
