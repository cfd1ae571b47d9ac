//! What every request handler shares: moto, the deployment's names, the
//! issued sessions and the gateway's clock.

use crate::bootstrap::Deployment;
use crate::moto::MotoClient;
use crate::sessions::{Clock, SessionStore};

/// What every request handler shares.
#[derive(Debug)]
pub struct State {
    /// moto, for state and forwarding.
    pub moto: MotoClient,
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
