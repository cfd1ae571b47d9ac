//! What every request handler shares: moto, the roles read from it, the
//! deployment's names, the issued sessions and the gateway's clock.

use crate::bootstrap::Deployment;
use crate::moto::MotoClient;
use crate::role_cache::RoleCache;
use crate::sessions::{Clock, SessionStore};

/// What every request handler shares.
#[derive(Debug)]
pub struct State {
    /// moto, for state and forwarding.
    pub moto: MotoClient,
    /// The roles' documents, read through `moto` and dropped by its IAM writes.
    pub roles: RoleCache,
    /// The deployed names.
    pub deployment: Deployment,
    /// Issued sessions.
    pub sessions: SessionStore,
    /// The gateway's clock.
    pub clock: Clock,
}

const _: () = {
    const fn shared<T: Send + Sync>() {}
    shared::<State>();
};

impl State {
    /// The state of a gateway over `moto` (with a role cache reading through
    /// it) for `deployment`, with no sessions issued yet.
    pub fn new(moto: MotoClient, deployment: Deployment) -> Self {
        Self {
            roles: RoleCache::new(moto.clone()),
            moto,
            deployment,
            sessions: SessionStore::default(),
            clock: Clock::default(),
        }
    }
}
