//! Counting IAM writes, so that what was read from IAM can be known current.
//!
//! The gateway keeps the roles' documents it read from moto ([`crate::role_cache`])
//! instead of reading four IAM documents per request. A revocation must
//! still refuse the very next request, so every IAM write that reaches
//! moto through the gateway's own [`MotoClient`](crate::moto::MotoClient)
//! (the gateway's IAM service forwarding the operator's calls, the
//! bootstrap, tests writing with `gateway.moto().iam(…)`) advances one
//! counter *after* moto answered, and a document read under an older count
//! is never served. A write that reaches moto some other way must call
//! [`IamChanges::record`] itself (`Gateway::invalidate_policies`).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// The number of IAM writes so far: shared by every clone.
#[derive(Debug, Clone, Default)]
pub struct IamChanges(Arc<AtomicU64>);

impl IamChanges {
    /// The count now. Read it *before* reading IAM: the documents read are
    /// current for as long as the count stays the same.
    pub fn current(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }

    /// Records that IAM changed (call it once the write has completed).
    pub fn record(&self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// Whether an IAM query-protocol form (`Action=…&…`) may change IAM: every
/// action but `Get*` and `List*`, and any form whose action can't be read.
pub fn may_write(form: &[u8]) -> bool {
    let mut actions = form_urlencoded::parse(form).filter(|(k, _)| k == "Action");
    match (actions.next(), actions.next()) {
        (Some((_, action)), None) => !(action.starts_with("Get") || action.starts_with("List")),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_are_get_and_list_and_everything_else_may_write() {
        assert!(!may_write(b"Action=GetRole&RoleName=R&Version=2010-05-08"));
        assert!(!may_write(b"Version=2010-05-08&Action=ListRolePolicies"));
        for write in [
            &b"Action=PutRolePolicy&RoleName=R"[..],
            b"Action=DeleteRolePolicy",
            b"Action=AttachRolePolicy",
            b"Action=CreatePolicyVersion",
            b"Action=UpdateAssumeRolePolicy",
            b"Action=DeleteRole",
            // Unreadable: counted as a write rather than trusted.
            b"",
            b"Action=GetRole&Action=PutRolePolicy",
            b"\xff\xfe",
        ] {
            assert!(may_write(write), "{}", String::from_utf8_lossy(write));
        }
    }

    #[test]
    fn every_clone_sees_the_same_count() {
        let changes = IamChanges::default();
        let other = changes.clone();
        let before = changes.current();
        other.record();
        assert_eq!(changes.current(), before + 1);
    }
}
