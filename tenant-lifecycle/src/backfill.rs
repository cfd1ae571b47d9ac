//! `backfill-key-hashes`: `apiKeySha256` for tenants onboarded before it existed.
//!
//! vendor-fn refuses a record without the hash (`TenantKeyHashMissing`), so
//! such tenants get no credentials until this runs. Each key value is read
//! from API Gateway once (`GetApiKey` with `includeValue`), hashed, and
//! dropped; the write is conditional on the record still having no hash, so
//! re-runs and concurrent runs change nothing twice.

use tenant_registry::{ApiKeyHash, ApiKeyId, TenantStatus};

use crate::{Lifecycle, LifecycleError, Progress};

/// What a backfill did, by tenant count. Never holds a key value.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Backfill {
    /// Records that got their hash now.
    pub written: u64,
    /// Records that had one already.
    pub already_had: u64,
    /// Offboarded tenants without a hash: their key is deleted and they can
    /// never vend again, so there is nothing to hash.
    pub offboarded: u64,
    /// Tenants whose API key no longer exists in API Gateway: left without
    /// a hash (vendor-fn keeps refusing them); offboard them.
    pub key_missing: Vec<ApiKeyId>,
}

impl Lifecycle {
    /// Writes `apiKeySha256` for every registry record that lacks it.
    ///
    /// # Errors
    /// Registry or API Gateway failures; records already written stay
    /// written, so a re-run continues where this one stopped.
    pub async fn backfill_key_hashes(
        &self,
        progress: &dyn Progress,
    ) -> Result<Backfill, LifecycleError> {
        let mut done = Backfill::default();
        for record in self.registry.all().await? {
            let id = &record.api_key_id;
            if record.api_key_sha256.is_some() {
                done.already_had += 1;
                continue;
            }
            if record.status == TenantStatus::Offboarded {
                done.offboarded += 1;
                continue;
            }
            progress.step(&format!("reading the value of API key {id} to hash it"));
            let Some(value) = self.api_keys.value(id).await? else {
                progress.step(&format!(
                    "API key {id} no longer exists; left without a hash"
                ));
                done.key_missing.push(id.clone());
                continue;
            };
            if self
                .registry
                .set_key_hash(id, &ApiKeyHash::of(value.expose()))
                .await?
            {
                progress.step(&format!("wrote apiKeySha256 for {id}"));
                done.written += 1;
            } else {
                done.already_had += 1;
            }
        }
        Ok(done)
    }
}
