//! Revoking a tenant's sessions already issued, AWS's documented way: a Deny
//! on the role for sessions whose `aws:TokenIssueTime` is before a moment,
//! here narrowed to the tenant's `aws:PrincipalTag/api-key-id`.

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use serde_json::{Value, json};
use tenant_registry::ApiKeyId;

use crate::LifecycleError;
use aws_failure::AwsFailure;

/// Inline policies tenantctl adds are named `revoke-<apiKeyId>`.
pub const POLICY_PREFIX: &str = "revoke-";

/// A revocation can go once every session it targets has expired: sessions
/// last at most 3600 s (role chaining), plus five minutes for clock skew.
pub fn revocation_lifetime() -> Duration {
    Duration::seconds(3600 + 300)
}

/// The inline policy name for a tenant's revocation.
pub fn policy_name(id: &ApiKeyId) -> String {
    format!("{POLICY_PREFIX}{id}")
}

/// The Deny statement: every action, for this tenant's sessions issued before `before`.
pub fn revocation_policy(id: &ApiKeyId, before: DateTime<Utc>) -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "RevokeSessionsOfOneTenant",
            "Effect": "Deny",
            "Action": "*",
            "Resource": "*",
            "Condition": {
                "StringEquals": { "aws:PrincipalTag/api-key-id": id.as_str() },
                "DateLessThan": { "aws:TokenIssueTime": before.to_rfc3339_opts(SecondsFormat::Secs, true) }
            }
        }]
    })
}

/// The `DateLessThan aws:TokenIssueTime` of a revocation policy, if it is one.
fn revoked_before(document: &str) -> Option<DateTime<Utc>> {
    let policy: Value = serde_json::from_str(document).ok()?;
    let statements = match &policy["Statement"] {
        Value::Array(s) => s.clone(),
        single => vec![single.clone()],
    };
    statements
        .iter()
        .filter_map(|s| s["Condition"]["DateLessThan"]["aws:TokenIssueTime"].as_str())
        .filter_map(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc))
        .max()
}

/// IAM returns policy documents URL-encoded (RFC 3986).
fn percent_decode(encoded: &str) -> String {
    let bytes = encoded.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && bytes[i + 1].is_ascii_hexdigit()
            && bytes[i + 2].is_ascii_hexdigit()
        {
            let hex = |b: u8| u8::try_from(char::from(b).to_digit(16).unwrap_or(0)).unwrap_or(0);
            out.push(hex(bytes[i + 1]) * 16 + hex(bytes[i + 2]));
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// What pruning found.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Pruned {
    /// Policies deleted because every session they targeted has expired.
    pub removed: Vec<String>,
    /// Revocations still in force.
    pub kept: Vec<String>,
}

/// Adds and prunes revocation policies on the tenant role.
#[derive(Clone, Debug)]
pub struct SessionRevoker {
    client: aws_sdk_iam::Client,
    role_name: String,
}

impl SessionRevoker {
    /// Revocations on the role `role_name`.
    pub fn new(client: aws_sdk_iam::Client, role_name: impl Into<String>) -> Self {
        Self {
            client,
            role_name: role_name.into(),
        }
    }

    /// Denies every session of the tenant issued before `now`. Replaces an
    /// earlier revocation of the same tenant, which a later time subsumes.
    pub(crate) async fn revoke(
        &self,
        id: &ApiKeyId,
        now: DateTime<Utc>,
    ) -> Result<(), LifecycleError> {
        self.client
            .put_role_policy()
            .role_name(&self.role_name)
            .policy_name(policy_name(id))
            .policy_document(revocation_policy(id, now).to_string())
            .send()
            .await
            .map(|_| ())
            .map_err(|e| LifecycleError::Aws {
                step: "add the session revocation to the tenant role",
                failure: AwsFailure::classify(&e),
            })
    }

    /// Deletes revocations (of any tenant) older than [`revocation_lifetime`].
    /// Inline policies not named `revoke-…`, or not in the shape tenantctl
    /// writes, are never touched.
    pub async fn prune(&self, now: DateTime<Utc>) -> Result<Pruned, LifecycleError> {
        let mut pruned = Pruned::default();
        let mut names = Vec::new();
        let mut pages = self
            .client
            .list_role_policies()
            .role_name(&self.role_name)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| LifecycleError::Aws {
                step: "list the tenant role's inline policies",
                failure: AwsFailure::classify(&e),
            })?;
            names.extend(
                page.policy_names()
                    .iter()
                    .filter(|n| n.starts_with(POLICY_PREFIX))
                    .cloned(),
            );
        }
        for name in names {
            let output = match self
                .client
                .get_role_policy()
                .role_name(&self.role_name)
                .policy_name(&name)
                .send()
                .await
            {
                Ok(output) => output,
                Err(e) if AwsFailure::classify(&e).is_not_found() => continue,
                Err(e) => {
                    return Err(LifecycleError::Aws {
                        step: "read a session revocation",
                        failure: AwsFailure::classify(&e),
                    });
                }
            };
            let expired = revoked_before(&percent_decode(output.policy_document()))
                .is_some_and(|before| before + revocation_lifetime() <= now);
            if !expired {
                pruned.kept.push(name);
                continue;
            }
            match self
                .client
                .delete_role_policy()
                .role_name(&self.role_name)
                .policy_name(&name)
                .send()
                .await
            {
                Ok(_) => pruned.removed.push(name),
                Err(e) if AwsFailure::classify(&e).is_not_found() => {}
                Err(e) => {
                    return Err(LifecycleError::Aws {
                        step: "remove an expired session revocation",
                        failure: AwsFailure::classify(&e),
                    });
                }
            }
        }
        Ok(pruned)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_deny_names_the_tenant_exactly_and_the_moment() {
        let id = ApiKeyId::parse("a1b2c3d4e5").unwrap();
        let at: DateTime<Utc> = "2026-11-27T10:00:00Z".parse().unwrap();
        let doc = revocation_policy(&id, at);
        let statement = &doc["Statement"][0];
        assert_eq!(statement["Effect"], "Deny");
        assert_eq!(
            statement["Condition"]["StringEquals"]["aws:PrincipalTag/api-key-id"],
            "a1b2c3d4e5"
        );
        assert_eq!(
            statement["Condition"]["DateLessThan"]["aws:TokenIssueTime"],
            "2026-11-27T10:00:00Z"
        );
        assert_eq!(revoked_before(&doc.to_string()), Some(at));
    }

    #[test]
    fn url_encoded_documents_decode_as_iam_returns_them() {
        assert_eq!(percent_decode("%7B%22a%22%3A%201%7D"), "{\"a\": 1}");
        assert_eq!(percent_decode("{\"plain\":true}"), "{\"plain\":true}");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz"), "%zz");
    }

    #[test]
    fn documents_of_another_shape_have_no_revocation_time() {
        assert_eq!(
            revoked_before("{\"Statement\":[{\"Effect\":\"Allow\"}]}"),
            None
        );
        assert_eq!(revoked_before("not json"), None);
    }
}
