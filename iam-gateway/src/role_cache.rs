//! The roles' documents, read from moto once per IAM change.
//!
//! Deciding a request needs the caller's role (its permission policies) and,
//! for AssumeRole, the target role (its trust policy): four or more IAM
//! reads from moto each time. The cache keeps what it read, tagged with the
//! [`IamChanges`] count taken *before* reading, and serves it only while
//! that count is unchanged. Every IAM write through the gateway's
//! [`MotoClient`] advances the count once moto has answered, so the request
//! after a revocation reads the role afresh: nothing stale is served. A
//! read racing a write is tagged with the older count and so is dropped too.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::error::GatewayError;
use crate::iam_changes::IamChanges;
use crate::moto::MotoClient;
use crate::roles::{RoleDocuments, read_role};

/// A role as read under one count of IAM changes.
#[derive(Debug, Clone)]
struct Entry {
    changes: u64,
    role: Arc<RoleDocuments>,
}

/// Roles by name, current as of the last IAM change.
#[derive(Debug)]
pub struct RoleCache {
    moto: MotoClient,
    roles: Mutex<HashMap<String, Entry>>,
}

impl RoleCache {
    /// A cache reading through `moto`, invalidated by its IAM writes.
    pub fn new(moto: MotoClient) -> Self {
        Self {
            moto,
            roles: Mutex::new(HashMap::new()),
        }
    }

    /// The count every IAM write advances (shared with the moto client).
    pub fn changes(&self) -> &IamChanges {
        self.moto.iam_changes()
    }

    /// The role's documents as IAM holds them now; `Ok(None)` when there is
    /// no such role.
    ///
    /// Only roles that exist are kept (so the cache holds at most one entry
    /// per role in IAM, whatever names callers ask for); a missing role is
    /// looked up again each time.
    ///
    /// # Errors
    /// As [`read_role`]; a failed read is not cached.
    pub async fn role(&self, name: &str) -> Result<Option<Arc<RoleDocuments>>, GatewayError> {
        let now = self.changes().current();
        if let Some(entry) = self.lock().get(name)
            && entry.changes == now
        {
            return Ok(Some(Arc::clone(&entry.role)));
        }
        let Some(role) = read_role(&self.moto, name).await?.map(Arc::new) else {
            self.lock().remove(name);
            return Ok(None);
        };
        let mut roles = self.lock();
        // Never replace what a later read (under a newer count) stored.
        if roles.get(name).is_none_or(|e| e.changes <= now) {
            roles.insert(
                name.to_owned(),
                Entry {
                    changes: now,
                    role: Arc::clone(&role),
                },
            );
        }
        Ok(Some(role))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry>> {
        self.roles
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
