//! A tenant's API keys: `rotate-key` and `retire-key`.
//!
//! The API key ID is the tenant's partition (pooled `pk`, S3 prefix, silo
//! table), so a new key can't simply replace the old one: the data would
//! stay under the old ID. A tenant is therefore the set of registry items
//! that share one `partitionKeyId`, one item per key:
//! - the first key's item (its `partitionKeyId` is its own ID; absent means
//!   the same, and `rotate-key` writes it explicitly, so an item without it
//!   is its tenant's only key);
//! - each key `rotate-key` created: its own `apiKeySha256`, the tenant's
//!   `partitionKeyId`, and `previousApiKeyId` = the key it replaces;
//! - a retired key's item: status `offboarded` plus `retiredAt`. Every
//!   reader that knows only DESIGN.md's status set (active, suspended,
//!   offboarded) refuses it, which is right: that key never vends again.
//!   `retiredAt` tells a retired key from an offboarded tenant.
//!
//! The current key is the live (not offboarded) key no other live key
//! names as its previous one. A tenant has at most two live keys: a second
//! rotation waits until the first old key is retired.

use chrono::SecondsFormat;
use tenant_registry::{ApiKeyHash, ApiKeyId, Secret, TenantRecord, TenantStatus};

use crate::input::TenantRef;
use crate::revocation::{Pruned, RevokedBy};
use crate::{Lifecycle, LifecycleError, Progress};

/// Every key of one tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantKeys {
    /// The current key's record (the tenant's status, tier, name).
    pub current: TenantRecord,
    /// Live keys other than the current one: replaced, not yet retired
    /// (they still vend).
    pub replaced: Vec<TenantRecord>,
    /// Retired keys (and, for an offboarded tenant, its keys).
    pub retired: Vec<TenantRecord>,
}

impl TenantKeys {
    /// Groups the items of one tenant (they share a partition).
    ///
    /// # Errors
    /// [`LifecycleError::TenantNotFound`] for no items.
    pub(crate) fn from_items(
        mut items: Vec<TenantRecord>,
        what: &str,
    ) -> Result<Self, LifecycleError> {
        items.sort_by(|a, b| (a.created_at, &a.api_key_id).cmp(&(b.created_at, &b.api_key_id)));
        let (live, gone): (Vec<_>, Vec<_>) = items
            .into_iter()
            .partition(|r| r.status != TenantStatus::Offboarded);
        let current = live
            .iter()
            .find(|r| {
                !live
                    .iter()
                    .any(|o| o.previous_api_key_id.as_ref() == Some(&r.api_key_id))
            })
            .or_else(|| live.last())
            .cloned();
        let Some(current) = current.or_else(|| {
            // An offboarded tenant: its newest key stands for it.
            gone.iter()
                .filter(|r| !r.is_retired())
                .max_by_key(|r| r.created_at)
                .cloned()
        }) else {
            return gone
                .last()
                .cloned()
                .map(|current| Self {
                    current,
                    replaced: Vec::new(),
                    retired: gone[..gone.len() - 1].to_vec(),
                })
                .ok_or_else(|| LifecycleError::TenantNotFound(what.to_owned()));
        };
        let replaced = live
            .into_iter()
            .filter(|r| r.api_key_id != current.api_key_id)
            .collect();
        let retired = gone
            .into_iter()
            .filter(|r| r.api_key_id != current.api_key_id)
            .collect();
        Ok(Self {
            current,
            replaced,
            retired,
        })
    }

    /// The live keys: the current one and any replaced one.
    pub fn live(&self) -> impl Iterator<Item = &TenantRecord> {
        (self.current.status != TenantStatus::Offboarded)
            .then_some(&self.current)
            .into_iter()
            .chain(&self.replaced)
    }

    /// What `key` is to this tenant: `current`, `replaced` (still vends) or
    /// `retired`.
    pub fn role_of(&self, key: &TenantRecord) -> &'static str {
        if key.is_retired() {
            "retired"
        } else if key.api_key_id == self.current.api_key_id {
            "current"
        } else {
            "replaced"
        }
    }

    /// Every key, oldest first.
    pub fn all(&self) -> Vec<&TenantRecord> {
        let mut all: Vec<&TenantRecord> = std::iter::once(&self.current)
            .chain(&self.replaced)
            .chain(&self.retired)
            .collect();
        all.sort_by_key(|r| (r.created_at, r.api_key_id.clone()));
        all
    }
}

/// A key just created by `rotate-key`.
#[derive(Debug)]
pub struct Rotated {
    /// The new key's registry item.
    pub record: TenantRecord,
    /// The new key's value: shown once.
    pub api_key: Secret,
    /// The key it replaces (still vends until retired).
    pub previous: ApiKeyId,
}

/// What `retire-key` did.
#[derive(Debug)]
pub struct Retired {
    /// The retired key's item as it is now.
    pub record: TenantRecord,
    /// Whether the API key still existed and was deleted.
    pub key_deleted: bool,
    /// `--revoke-sessions`: sessions that key vended before this are denied.
    pub sessions_revoked_before: Option<chrono::DateTime<chrono::Utc>>,
    /// Expired revocations removed.
    pub pruned: Option<Pruned>,
}

/// What a rotation has created so far, to undo on failure.
#[derive(Debug, Default)]
struct Created {
    key: Option<ApiKeyId>,
    plan: Option<String>,
}

impl Lifecycle {
    /// Every key of the tenant `tenant` names (by name, or by any of its key IDs).
    ///
    /// # Errors
    /// [`LifecycleError::TenantNotFound`], [`LifecycleError::AmbiguousName`], registry failures.
    pub async fn keys(&self, tenant: &TenantRef) -> Result<TenantKeys, LifecycleError> {
        let record = self.resolve(tenant).await?;
        self.keys_of(record).await
    }

    /// Every tenant in the registry with all its keys, oldest first.
    ///
    /// # Errors
    /// Registry failures, or an item that is not a valid record.
    pub async fn tenants(&self) -> Result<Vec<TenantKeys>, LifecycleError> {
        let mut by_partition: std::collections::BTreeMap<ApiKeyId, Vec<TenantRecord>> =
            std::collections::BTreeMap::new();
        for record in self.registry.all().await? {
            by_partition
                .entry(record.partition_key_id().clone())
                .or_default()
                .push(record);
        }
        let mut tenants = by_partition
            .into_iter()
            .map(|(partition, items)| {
                TenantKeys::from_items(items, &format!("with partition {partition}"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        tenants.sort_by(|a, b| {
            let first = |t: &TenantKeys| t.all().first().map(|r| r.created_at);
            (first(a), &a.current.tenant_name).cmp(&(first(b), &b.current.tenant_name))
        });
        Ok(tenants)
    }

    /// Every key of the tenant `record` belongs to.
    pub(crate) async fn keys_of(&self, record: TenantRecord) -> Result<TenantKeys, LifecycleError> {
        let what = format!("with api key id {}", record.api_key_id);
        if record.partition_key_id.is_none() {
            // Never rotated: the item is the tenant's only key.
            return TenantKeys::from_items(vec![record], &what);
        }
        let items = self
            .registry
            .find_by_partition(record.partition_key_id())
            .await?;
        TenantKeys::from_items(items, &what)
    }

    /// Creates a new API key for the tenant in the same usage plan and
    /// writes its registry item (its own `apiKeySha256`, the tenant's
    /// `partitionKeyId`). Both keys vend until the old one is retired. A
    /// failed step is rolled back; a crashed run's key is removed by the
    /// re-run (as onboarding does).
    ///
    /// # Errors
    /// [`LifecycleError::WrongState`] unless the tenant is active,
    /// [`LifecycleError::RotationPending`] when a newer key already waits,
    /// [`LifecycleError::RotateFailed`] listing what was rolled back.
    pub async fn rotate_key(
        &self,
        tenant: &TenantRef,
        progress: &dyn Progress,
    ) -> Result<Rotated, LifecycleError> {
        let keys = self.keys(tenant).await?;
        let current = keys.current.clone();
        if current.status != TenantStatus::Active {
            return Err(LifecycleError::WrongState {
                api_key_id: current.api_key_id.clone(),
                status: current.status,
                command: "rotate-key",
                needs: "needs an active tenant",
            });
        }
        if let Some(old) = keys.replaced.first() {
            return Err(LifecycleError::RotationPending {
                api_key_id: current.api_key_id.clone(),
                previous: old.api_key_id.clone(),
            });
        }
        let plan = self.resources.usage_plan(current.tier)?.to_owned();
        let name = crate::input::TenantName::parse(&current.tenant_name)?;
        self.remove_interrupted_onboardings(&name, progress).await?;
        let mut created = Created::default();
        match self
            .create_rotated_key(&current, &plan, &mut created, progress)
            .await
        {
            Ok(rotated) => Ok(rotated),
            Err(cause) => Err(self.roll_back_rotation(cause, created, progress).await),
        }
    }

    async fn create_rotated_key(
        &self,
        current: &TenantRecord,
        plan: &str,
        created: &mut Created,
        progress: &dyn Progress,
    ) -> Result<Rotated, LifecycleError> {
        let name = crate::input::TenantName::parse(&current.tenant_name)?;
        progress.step(&format!(
            "creating a new API key {:?} to replace {}",
            name.as_str(),
            current.api_key_id
        ));
        let key = self.api_keys.create(&name).await?;
        let id = key.id.clone();
        created.key = Some(id.clone());
        // Keys are random, but a collision would make two tenants one.
        if self.registry.id_in_use(&id).await? {
            return Err(LifecycleError::PartitionCollision(id));
        }
        progress.step(&format!(
            "adding API key {id} to the {} usage plan {plan}",
            current.tier
        ));
        created.plan = Some(plan.to_owned());
        self.api_keys.add_to_plan(plan, &id).await?;
        progress.step(&format!(
            "marking {} as the owner of partition {}",
            current.api_key_id,
            current.partition_key_id()
        ));
        self.registry.mark_rotated(&current.api_key_id).await?;
        let record = TenantRecord {
            api_key_id: id.clone(),
            created_at: self.now(),
            status: TenantStatus::Active,
            api_key_sha256: Some(ApiKeyHash::of(key.value.expose())),
            revision: 1,
            partition_key_id: Some(current.partition_key_id().clone()),
            previous_api_key_id: Some(current.api_key_id.clone()),
            retired_at: None,
            new_sessions_refused_until: None,
            ..current.clone()
        };
        progress.step(&format!(
            "writing the registry item for {id} (partition {})",
            current.partition_key_id()
        ));
        if let Err(e) = self.registry.create(&record).await {
            match self.registry.get(&id).await {
                Ok(Some(stored)) if stored == record => {}
                Ok(_) => return Err(e),
                Err(_) => {
                    *created = Created::default();
                    return Err(LifecycleError::RotateFailed {
                        cause: Box::new(e),
                        undone: Vec::new(),
                        left_behind: vec![format!(
                            "API key {id} (the registry write's outcome is unknown)"
                        )],
                    });
                }
            }
        }
        Ok(Rotated {
            record,
            api_key: key.value,
            previous: current.api_key_id.clone(),
        })
    }

    async fn roll_back_rotation(
        &self,
        cause: LifecycleError,
        created: Created,
        progress: &dyn Progress,
    ) -> LifecycleError {
        if let LifecycleError::RotateFailed { .. } = cause {
            return cause;
        }
        let Some(id) = created.key else {
            return cause;
        };
        progress.step(&format!("key rotation failed ({cause}); rolling back"));
        let mut undone = Vec::new();
        let mut left_behind = Vec::new();
        if let Some(plan) = &created.plan {
            match self.api_keys.remove_from_plan(plan, &id).await {
                Ok(_) => undone.push(format!("removed API key {id} from usage plan {plan}")),
                Err(e) => left_behind.push(format!("API key {id} in usage plan {plan} ({e})")),
            }
        }
        match self.api_keys.delete(&id).await {
            Ok(_) => undone.push(format!("deleted API key {id}")),
            Err(e) => left_behind.push(format!("API key {id} ({e})")),
        }
        for line in &undone {
            progress.step(&format!("rolled back: {line}"));
        }
        LifecycleError::RotateFailed {
            cause: Box::new(cause),
            undone,
            left_behind,
        }
    }

    /// Retires a replaced key: its registry item becomes `offboarded` with
    /// `retiredAt` (vendor-fn and the authorizer refuse it at once), then
    /// the API key is disabled, removed from its usage plan and deleted.
    /// With `revoke_sessions`, the sessions that key vended (and only those:
    /// `aws:SourceIdentity`) are denied. Re-running finishes a failed run.
    ///
    /// # Errors
    /// [`LifecycleError::CurrentKey`] for the tenant's current key,
    /// [`LifecycleError::TenantNotFound`] for a key that is not the
    /// tenant's, [`LifecycleError::PartiallyApplied`] after the registry write.
    pub async fn retire_key(
        &self,
        tenant: &TenantRef,
        key: &ApiKeyId,
        revoke_sessions: bool,
        progress: &dyn Progress,
    ) -> Result<Retired, LifecycleError> {
        let revoker = if revoke_sessions {
            Some(self.revoker()?)
        } else {
            None
        };
        let keys = self.keys(tenant).await?;
        if keys.current.api_key_id == *key && !keys.current.is_retired() {
            return Err(LifecycleError::CurrentKey(key.clone()));
        }
        let Some(old) = keys
            .all()
            .into_iter()
            .find(|r| r.api_key_id == *key)
            .cloned()
        else {
            return Err(LifecycleError::TenantNotFound(format!(
                "key {key} of tenant {tenant}"
            )));
        };
        if old.status == TenantStatus::Offboarded && !old.is_retired() {
            return Err(LifecycleError::WrongState {
                api_key_id: key.clone(),
                status: old.status,
                command: "retire-key",
                needs: "needs a key of a tenant that is not offboarded",
            });
        }
        let plan = self.resources.usage_plan(old.tier)?.to_owned();
        let now = self.now();
        if old.is_retired() {
            progress.step(&format!(
                "key {key} is already retired; finishing the cleanup"
            ));
        } else {
            progress.step(&format!("marking key {key} retired in the registry"));
            self.registry
                .retire(key, &now.to_rfc3339_opts(SecondsFormat::Secs, true))
                .await?;
        }
        let mut done = vec![format!("registry item {key} retired")];
        progress.step(&format!("disabling API key {key}"));
        match self.api_keys.set_enabled(key, false).await {
            Ok(()) => done.push(format!("API key {key} disabled")),
            // Gone already (an earlier run deleted it): nothing to disable.
            Err(LifecycleError::Aws { failure, .. }) if failure.is_not_found() => {}
            Err(e) => return Err(partially(&done, e)),
        }
        progress.step(&format!("removing API key {key} from usage plan {plan}"));
        self.api_keys
            .remove_from_plan(&plan, key)
            .await
            .map_err(|e| partially(&done, e))?;
        progress.step(&format!("deleting API key {key}"));
        let key_deleted = self
            .api_keys
            .delete(key)
            .await
            .map_err(|e| partially(&done, e))?;
        done.push(format!("API key {key} deleted"));
        let (sessions_revoked_before, pruned) = match revoker {
            Some(revoker) => {
                let written = (self.now)();
                progress.step(&format!(
                    "revoking the sessions key {key} vended before {}",
                    crate::revocation::deadline(written)
                ));
                let (before, pruned) = revoker
                    .revoke(RevokedBy::Key, key, written)
                    .await
                    .map_err(|e| partially(&done, e))?;
                (Some(before), Some(pruned))
            }
            None => (None, self.prune_revocations(progress).await),
        };
        let record = TenantRecord {
            status: TenantStatus::Offboarded,
            retired_at: old.retired_at.or(Some(now)),
            ..old
        };
        Ok(Retired {
            record,
            key_deleted,
            sessions_revoked_before,
            pruned,
        })
    }
}

fn partially(done: &[String], cause: LifecycleError) -> LifecycleError {
    LifecycleError::PartiallyApplied {
        done: done.to_vec(),
        cause: Box::new(cause),
    }
}
