//! Revoking sessions already issued, AWS's documented way: a Deny on the
//! tenant role for sessions whose `aws:TokenIssueTime` is before a moment,
//! narrowed to one tenant (`aws:PrincipalTag/api-key-id`) or to the sessions
//! one API key vended (`aws:SourceIdentity`).
//!
//! # What is refused
//! A vend reads the registry, then calls AssumeRole; it finishes within the
//! vendor function's timeout ([`IN_FLIGHT_VEND_SECONDS`]). So a session a
//! vend issues after `suspend` wrote the registry was asked for by a vend
//! that read the record while it was still active, and was issued at most
//! that long after the write. The deadline of a revocation is therefore
//! *after* the moment it is written: the write time, plus the in-flight
//! bound, plus [`CLOCK_SKEW_SECONDS`] between this machine and AWS, rounded
//! up to whole seconds (`aws:TokenIssueTime` has no fractions) and to a
//! multiple of [`DEADLINE_GRANULARITY_SECONDS`]. Every session whose
//! AssumeRole completed before the command returned, one issued in the same
//! second and one in flight during the suspend included, is refused.
//!
//! The price: after a resume, the tenant's new sessions are refused until
//! the deadline passes, at most [`max_refusal_after_suspend`] after the
//! suspend (2 min 15 s), and not at all when the resume comes later.
//!
//! # The representation, and its capacity
//! A role's inline policies share one quota (10,240 characters, white space
//! not counted), which the role's own permissions policy uses too. Every
//! revocation lives in one inline policy, [`REVOCATIONS_POLICY`], with one
//! statement per deadline listing every tenant (or key) revoked with that
//! deadline. Rounding deadlines to 2 minutes bounds the number of
//! statements in force (sessions live at most an hour, so at most 34), and
//! each further tenant costs its quoted ID only: at least 100 tenants fit
//! even when every revocation falls in a different 2-minute window (a test
//! measures it against the real permissions policy). Earlier tenantctl
//! versions wrote one `revoke-<apiKeyId>` policy per tenant (about 30 fit);
//! those are still read and pruned, never written.
//!
//! Expired statements are pruned before a new one is added, so a role full
//! of expired revocations never blocks a new one.

use std::collections::{BTreeMap, BTreeSet};

use aws_failure::{AwsFailure, FailureKind};
use chrono::{DateTime, Duration, SecondsFormat, TimeZone, Utc};
use serde_json::{Value, json};
use tenant_registry::{ApiKeyId, MAX_CHAINED_SESSION_SECONDS, SESSION_TAG_KEY};

use crate::LifecycleError;

/// The inline policy on the tenant role holding every revocation.
pub const REVOCATIONS_POLICY: &str = "tenant-revocations";

/// Per-tenant inline policies of earlier versions: `revoke-<apiKeyId>`.
pub const LEGACY_POLICY_PREFIX: &str = "revoke-";

/// How long a vend that read the registry can take to finish AssumeRole:
/// the vendor function's timeout (template.yaml `Timeout`; a test checks).
pub const IN_FLIGHT_VEND_SECONDS: i64 = 10;

/// Allowed difference between this machine's clock and AWS's.
pub const CLOCK_SKEW_SECONDS: i64 = 5;

/// Deadlines are rounded up to a multiple of this (see the module docs).
pub const DEADLINE_GRANULARITY_SECONDS: i64 = 120;

/// IAM's quota on the aggregate size of a role's inline policies.
pub const INLINE_POLICY_QUOTA_CHARS: usize = 10_240;

/// The condition key a revocation narrows on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RevokedBy {
    /// Every session of a tenant: `aws:PrincipalTag/api-key-id`, the
    /// tenant's partition key ID, whichever key vended the session.
    Tenant,
    /// The sessions one API key vended: `aws:SourceIdentity`.
    Key,
}

impl RevokedBy {
    fn condition_key(self) -> String {
        match self {
            Self::Tenant => format!("aws:PrincipalTag/{SESSION_TAG_KEY}"),
            Self::Key => "aws:SourceIdentity".to_owned(),
        }
    }

    fn from_condition_key(key: &str) -> Option<Self> {
        [Self::Tenant, Self::Key]
            .into_iter()
            .find(|k| k.condition_key() == key)
    }
}

/// The deadline of a revocation written at `written`: sessions issued
/// before it are refused.
pub fn deadline(written: DateTime<Utc>) -> DateTime<Utc> {
    let earliest = written + Duration::seconds(IN_FLIGHT_VEND_SECONDS + CLOCK_SKEW_SECONDS);
    let mut seconds = earliest.timestamp();
    if earliest.timestamp_subsec_nanos() > 0 {
        seconds += 1;
    }
    let rounded = seconds.div_euclid(DEADLINE_GRANULARITY_SECONDS) * DEADLINE_GRANULARITY_SECONDS;
    let rounded = if rounded < seconds {
        rounded + DEADLINE_GRANULARITY_SECONDS
    } else {
        rounded
    };
    Utc.timestamp_opt(rounded, 0).single().unwrap_or(earliest)
}

/// The longest a revocation refuses sessions issued after the command that
/// wrote it: what a resume right after a suspend waits for new sessions.
pub fn max_refusal_after_suspend() -> Duration {
    Duration::seconds(
        IN_FLIGHT_VEND_SECONDS + CLOCK_SKEW_SECONDS + DEADLINE_GRANULARITY_SECONDS + 1,
    )
}

/// A revocation can go once every session it targets has expired:
/// sessions last at most an hour (role chaining), plus five minutes of skew.
pub fn revocation_lifetime() -> Duration {
    Duration::seconds(i64::from(MAX_CHAINED_SESSION_SECONDS) + 300)
}

/// Every revocation in force, by condition key and deadline.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Revocations {
    entries: BTreeMap<(RevokedBy, DateTime<Utc>), BTreeSet<String>>,
}

impl Revocations {
    /// Parses [`REVOCATIONS_POLICY`] as tenantctl writes it. A statement of
    /// another shape makes the whole document unreadable: tenantctl never
    /// rewrites what it did not write.
    ///
    /// # Errors
    /// A sentence saying what is not in the expected shape.
    pub fn parse(document: &str) -> Result<Self, String> {
        let policy: Value = serde_json::from_str(document).map_err(|_| "not JSON".to_owned())?;
        let statements = match &policy["Statement"] {
            Value::Array(s) => s.clone(),
            Value::Null => Vec::new(),
            single => vec![single.clone()],
        };
        let mut revocations = Self::default();
        for statement in &statements {
            let (by, before, ids) = parse_statement(statement)
                .ok_or_else(|| "a statement tenantctl did not write".to_owned())?;
            revocations
                .entries
                .entry((by, before))
                .or_default()
                .extend(ids);
        }
        Ok(revocations)
    }

    /// Adds a revocation of `id` with `deadline`.
    pub fn add(&mut self, by: RevokedBy, id: &ApiKeyId, deadline: DateTime<Utc>) {
        self.entries
            .entry((by, deadline))
            .or_default()
            .insert(id.to_string());
    }

    /// Removes the statements whose sessions have all expired at `now`;
    /// returns what they revoked, described as in [`Revocations::describe`].
    pub fn prune(&mut self, now: DateTime<Utc>) -> Vec<String> {
        let mut removed = Vec::new();
        self.entries.retain(|(by, before), ids| {
            let keep = *before + revocation_lifetime() > now;
            if !keep {
                removed.extend(ids.iter().map(|id| describe(*by, id, *before)));
            }
            keep
        });
        removed
    }

    /// Every revocation in force, one line each:
    /// `tenant k1a2b3c4d5 before 2026-11-27T10:02:00Z`.
    pub fn describe(&self) -> Vec<String> {
        self.entries
            .iter()
            .flat_map(|((by, before), ids)| ids.iter().map(|id| describe(*by, id, *before)))
            .collect()
    }

    /// Whether nothing is revoked.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// How many (tenant or key, deadline) pairs are in force.
    pub fn len(&self) -> usize {
        self.entries.values().map(BTreeSet::len).sum()
    }

    /// The latest deadline in force for `id` revoked `by`.
    pub fn deadline_of(&self, by: RevokedBy, id: &ApiKeyId) -> Option<DateTime<Utc>> {
        self.entries
            .iter()
            .filter(|((b, _), ids)| *b == by && ids.contains(id.as_str()))
            .map(|((_, before), _)| *before)
            .max()
    }

    /// The policy document, one statement per deadline.
    pub fn to_policy(&self) -> Value {
        let statements: Vec<Value> = self
            .entries
            .iter()
            .map(|((by, before), ids)| {
                let ids: Vec<&String> = ids.iter().collect();
                json!({
                    "Effect": "Deny",
                    "Action": "*",
                    "Resource": "*",
                    "Condition": {
                        "StringEquals": { by.condition_key(): ids },
                        "DateLessThan": {
                            "aws:TokenIssueTime": before.to_rfc3339_opts(SecondsFormat::Secs, true)
                        }
                    }
                })
            })
            .collect();
        json!({ "Version": "2012-10-17", "Statement": statements })
    }

    /// The document as written: without white space, which IAM's quota
    /// does not count anyway.
    pub fn to_document(&self) -> String {
        self.to_policy().to_string()
    }
}

fn describe(by: RevokedBy, id: &str, before: DateTime<Utc>) -> String {
    let what = match by {
        RevokedBy::Tenant => "tenant",
        RevokedBy::Key => "key",
    };
    format!(
        "{what} {id} before {}",
        before.to_rfc3339_opts(SecondsFormat::Secs, true)
    )
}

fn parse_statement(statement: &Value) -> Option<(RevokedBy, DateTime<Utc>, Vec<String>)> {
    let object = statement.as_object()?;
    let known = ["Sid", "Effect", "Action", "Resource", "Condition"];
    if object.keys().any(|k| !known.contains(&k.as_str()))
        || statement["Effect"] != "Deny"
        || statement["Action"] != "*"
        || statement["Resource"] != "*"
    {
        return None;
    }
    let condition = statement["Condition"].as_object()?;
    if condition.len() != 2 {
        return None;
    }
    let equals = condition.get("StringEquals")?.as_object()?;
    let [(key, ids)] = equals.iter().collect::<Vec<_>>()[..] else {
        return None;
    };
    let by = RevokedBy::from_condition_key(key)?;
    let ids = match ids {
        Value::String(one) => vec![one.clone()],
        Value::Array(many) => many
            .iter()
            .map(|v| v.as_str().map(str::to_owned))
            .collect::<Option<Vec<_>>>()?,
        _ => return None,
    };
    let before = condition
        .get("DateLessThan")?
        .get("aws:TokenIssueTime")?
        .as_str()?;
    let before = DateTime::parse_from_rfc3339(before)
        .ok()?
        .with_timezone(&Utc);
    Some((by, before, ids))
}

/// The `DateLessThan aws:TokenIssueTime` of a legacy `revoke-<id>` policy.
fn legacy_revoked_before(document: &str) -> Option<DateTime<Utc>> {
    Revocations::parse(document)
        .ok()?
        .entries
        .keys()
        .map(|(_, before)| *before)
        .max()
}

/// Characters IAM counts for a policy document: everything but white space.
pub fn quota_chars(document: &str) -> usize {
    document.chars().filter(|c| !c.is_whitespace()).count()
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

/// What pruning found: revocations as `tenant <id> before <deadline>`
/// (or `key …`), and the names of legacy `revoke-<id>` policies.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Pruned {
    /// Removed: every session they targeted has expired.
    pub removed: Vec<String>,
    /// Still in force.
    pub kept: Vec<String>,
}

/// The tenant role's inline policies, as read for one revoke or prune.
#[derive(Debug, Default)]
struct RoleState {
    revocations: Revocations,
    /// Legacy revocations: name, deadline.
    legacy: Vec<(String, Option<DateTime<Utc>>)>,
    /// Quota characters used by every other inline policy.
    other_chars: usize,
}

/// Adds and prunes revocations on the tenant role.
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

    /// Refuses every session of `id` (revoked `by` tenant or key) issued
    /// before [`deadline`]`(written)`, pruning expired revocations first,
    /// in the same write. Returns the deadline and what was pruned.
    ///
    /// # Errors
    /// [`LifecycleError::RevocationCapacity`] when even after pruning the
    /// role's inline policies would exceed IAM's quota; IAM failures.
    pub(crate) async fn revoke(
        &self,
        by: RevokedBy,
        id: &ApiKeyId,
        written: DateTime<Utc>,
    ) -> Result<(DateTime<Utc>, Pruned), LifecycleError> {
        let mut state = self.read().await?;
        let removed = state.revocations.prune(written);
        let before = deadline(written);
        state.revocations.add(by, id, before);
        let document = state.revocations.to_document();
        let used = state.other_chars + quota_chars(&document);
        if used > INLINE_POLICY_QUOTA_CHARS {
            return Err(LifecycleError::RevocationCapacity {
                in_force: state.revocations.len() - 1,
                used,
                quota: INLINE_POLICY_QUOTA_CHARS,
            });
        }
        self.put(&document, "add the session revocation to the tenant role")
            .await?;
        let mut pruned = Pruned {
            removed,
            kept: state.revocations.describe(),
        };
        self.report_legacy(&state, written, &mut pruned).await?;
        Ok((before, pruned))
    }

    /// Deletes revocations (of any tenant) whose sessions have all expired.
    /// Inline policies tenantctl did not write are never touched.
    pub async fn prune(&self, now: DateTime<Utc>) -> Result<Pruned, LifecycleError> {
        let mut state = self.read().await?;
        let mut pruned = Pruned {
            removed: state.revocations.prune(now),
            kept: state.revocations.describe(),
        };
        if !pruned.removed.is_empty() {
            if state.revocations.is_empty() {
                self.delete(REVOCATIONS_POLICY).await?;
            } else {
                self.put(
                    &state.revocations.to_document(),
                    "remove expired session revocations",
                )
                .await?;
            }
        }
        self.report_legacy(&state, now, &mut pruned).await?;
        Ok(pruned)
    }

    /// Deletes the expired legacy policies and reports every legacy one.
    async fn report_legacy(
        &self,
        state: &RoleState,
        now: DateTime<Utc>,
        pruned: &mut Pruned,
    ) -> Result<(), LifecycleError> {
        let deleted = self.delete_expired_legacy(state, now).await?;
        for (name, before) in &state.legacy {
            if deleted.contains(name) {
                pruned.removed.push(name.clone());
            } else if before.is_some() {
                pruned.kept.push(name.clone());
            }
        }
        Ok(())
    }

    /// The latest deadline in force for `id` revoked `by`, if any.
    ///
    /// # Errors
    /// IAM failures.
    pub async fn deadline_of(
        &self,
        by: RevokedBy,
        id: &ApiKeyId,
    ) -> Result<Option<DateTime<Utc>>, LifecycleError> {
        let state = self.read().await?;
        let legacy = state
            .legacy
            .iter()
            .filter(|(name, _)| by == RevokedBy::Tenant && *name == legacy_name(id))
            .filter_map(|(_, before)| *before);
        Ok(state
            .revocations
            .deadline_of(by, id)
            .into_iter()
            .chain(legacy)
            .max())
    }

    async fn read(&self) -> Result<RoleState, LifecycleError> {
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
            names.extend(page.policy_names().iter().cloned());
        }
        let mut state = RoleState::default();
        for name in names {
            let Some(document) = self.get(&name).await? else {
                continue;
            };
            if name == REVOCATIONS_POLICY {
                state.revocations = Revocations::parse(&document).map_err(|reason| {
                    LifecycleError::RevocationsUnreadable {
                        policy: REVOCATIONS_POLICY,
                        reason,
                    }
                })?;
            } else if name.starts_with(LEGACY_POLICY_PREFIX) {
                state.other_chars += quota_chars(&document);
                state.legacy.push((name, legacy_revoked_before(&document)));
            } else {
                state.other_chars += quota_chars(&document);
            }
        }
        Ok(state)
    }

    async fn get(&self, name: &str) -> Result<Option<String>, LifecycleError> {
        match self
            .client
            .get_role_policy()
            .role_name(&self.role_name)
            .policy_name(name)
            .send()
            .await
        {
            Ok(output) => Ok(Some(percent_decode(output.policy_document()))),
            Err(e) if AwsFailure::classify(&e).is_not_found() => Ok(None),
            Err(e) => Err(LifecycleError::Aws {
                step: "read an inline policy of the tenant role",
                failure: AwsFailure::classify(&e),
            }),
        }
    }

    async fn put(&self, document: &str, step: &'static str) -> Result<(), LifecycleError> {
        self.client
            .put_role_policy()
            .role_name(&self.role_name)
            .policy_name(REVOCATIONS_POLICY)
            .policy_document(document)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| {
                let failure = AwsFailure::classify(&e);
                if failure.kind == FailureKind::QuotaExceeded {
                    LifecycleError::RevocationCapacity {
                        in_force: Revocations::parse(document).map_or(0, |r| r.len()),
                        used: quota_chars(document),
                        quota: INLINE_POLICY_QUOTA_CHARS,
                    }
                } else {
                    LifecycleError::Aws { step, failure }
                }
            })
    }

    async fn delete(&self, name: &str) -> Result<bool, LifecycleError> {
        match self
            .client
            .delete_role_policy()
            .role_name(&self.role_name)
            .policy_name(name)
            .send()
            .await
        {
            Ok(_) => Ok(true),
            Err(e) if AwsFailure::classify(&e).is_not_found() => Ok(false),
            Err(e) => Err(LifecycleError::Aws {
                step: "remove an expired session revocation",
                failure: AwsFailure::classify(&e),
            }),
        }
    }

    /// Deletes the legacy per-tenant policies whose sessions have expired.
    async fn delete_expired_legacy(
        &self,
        state: &RoleState,
        now: DateTime<Utc>,
    ) -> Result<Vec<String>, LifecycleError> {
        let mut deleted = Vec::new();
        for (name, before) in &state.legacy {
            if before.is_some_and(|b| b + revocation_lifetime() <= now) && self.delete(name).await?
            {
                deleted.push(name.clone());
            }
        }
        Ok(deleted)
    }
}

/// The legacy policy name of a tenant's revocation.
fn legacy_name(id: &ApiKeyId) -> String {
    format!("{LEGACY_POLICY_PREFIX}{id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(t: &str) -> DateTime<Utc> {
        t.parse().unwrap()
    }

    fn id(s: &str) -> ApiKeyId {
        ApiKeyId::parse(s).unwrap()
    }

    #[test]
    fn the_deadline_covers_the_same_second_and_in_flight_vends() {
        // Written at 10:00:00.400: a session issued at 10:00:00 (same second)
        // and one issued 10 s later by a vend in flight are both before it.
        let written = at("2026-11-27T10:00:00.400Z");
        let d = deadline(written);
        assert!(d > at("2026-11-27T10:00:10.999Z"), "{d}");
        assert_eq!(d.timestamp() % DEADLINE_GRANULARITY_SECONDS, 0);
        assert!(d - written <= max_refusal_after_suspend(), "{d}");
        // On a boundary already, it is not pushed a whole step further.
        assert_eq!(
            deadline(at("2026-11-27T10:01:45Z")),
            at("2026-11-27T10:02:00Z")
        );
        assert_eq!(
            deadline(at("2026-11-27T10:01:45.001Z")),
            at("2026-11-27T10:04:00Z")
        );
    }

    #[test]
    fn the_in_flight_bound_is_at_least_the_functions_timeout() {
        let template = include_str!("../../template.yaml");
        let timeout: i64 = template
            .lines()
            .find_map(|l| l.trim().strip_prefix("Timeout:"))
            .and_then(|v| v.trim().parse().ok())
            .expect("template.yaml sets the function Timeout");
        assert!(IN_FLIGHT_VEND_SECONDS >= timeout, "{timeout}");
    }

    #[test]
    fn tenants_with_one_deadline_share_one_statement() {
        let mut r = Revocations::default();
        let d = at("2026-11-27T10:02:00Z");
        r.add(RevokedBy::Tenant, &id("k1a2b3c4d5"), d);
        r.add(RevokedBy::Tenant, &id("z9y8x7w6v5"), d);
        r.add(RevokedBy::Key, &id("o1d2k3e4y5"), d);
        let doc = r.to_policy();
        let statements = doc["Statement"].as_array().unwrap();
        assert_eq!(statements.len(), 2, "{doc}");
        assert_eq!(
            statements[0]["Condition"]["StringEquals"]["aws:PrincipalTag/api-key-id"],
            json!(["k1a2b3c4d5", "z9y8x7w6v5"])
        );
        assert_eq!(
            statements[1]["Condition"]["StringEquals"]["aws:SourceIdentity"],
            json!(["o1d2k3e4y5"])
        );
        assert_eq!(
            statements[0]["Condition"]["DateLessThan"]["aws:TokenIssueTime"],
            "2026-11-27T10:02:00Z"
        );
        assert_eq!(Revocations::parse(&r.to_document()).unwrap(), r);
        assert_eq!(r.deadline_of(RevokedBy::Tenant, &id("z9y8x7w6v5")), Some(d));
        assert_eq!(r.deadline_of(RevokedBy::Key, &id("z9y8x7w6v5")), None);
    }

    #[test]
    fn pruning_drops_only_statements_whose_sessions_have_expired() {
        let mut r = Revocations::default();
        r.add(RevokedBy::Tenant, &id("old1"), at("2026-11-27T08:00:00Z"));
        r.add(RevokedBy::Tenant, &id("old2"), at("2026-11-27T08:00:00Z"));
        r.add(RevokedBy::Tenant, &id("new1"), at("2026-11-27T09:00:00Z"));
        assert_eq!(
            r.prune(at("2026-11-27T09:05:00Z")),
            [
                "tenant old1 before 2026-11-27T08:00:00Z",
                "tenant old2 before 2026-11-27T08:00:00Z"
            ]
        );
        assert_eq!(r.describe(), ["tenant new1 before 2026-11-27T09:00:00Z"]);
        assert!(
            r.prune(at("2026-11-27T10:04:59Z")).is_empty(),
            "an hour and 5 min"
        );
        assert_eq!(r.prune(at("2026-11-27T10:05:00Z")).len(), 1);
        assert!(r.is_empty());
    }

    #[test]
    fn documents_of_another_shape_are_not_ours() {
        for doc in [
            r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
            r#"{"Statement":[{"Effect":"Deny","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/api-key-id":"k1"},"DateLessThan":{"aws:TokenIssueTime":"2026-11-27T10:00:00Z"}}}]}"#,
            r#"{"Statement":[{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:username":"k1"},"DateLessThan":{"aws:TokenIssueTime":"2026-11-27T10:00:00Z"}}}]}"#,
            "not json",
        ] {
            assert!(Revocations::parse(doc).is_err(), "{doc}");
        }
        assert!(
            Revocations::parse(r#"{"Version":"2012-10-17","Statement":[]}"#)
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn url_encoded_documents_decode_as_iam_returns_them() {
        assert_eq!(percent_decode("%7B%22a%22%3A%201%7D"), "{\"a\": 1}");
        assert_eq!(percent_decode("{\"plain\":true}"), "{\"plain\":true}");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz"), "%zz");
    }

    /// The capacity claim: with the real permissions policy on the role
    /// (placeholders filled with realistic stack names), every revocation
    /// in a different 2-minute window over the whole hour they stay in
    /// force, and 10-character API key IDs as API Gateway issues them.
    #[test]
    fn at_least_100_tenants_can_have_revocations_in_force_at_once() {
        let params = isolation_audit::Params::new(&[
            "AWS::Region=ap-southeast-2".into(),
            "TenantDataTable=tcv-production-TenantDataTable-1A2B3C4D5E6F7".into(),
            "TenantBucket=tcv-production-tenantbucket-1a2b3c4d5e6f".into(),
        ])
        .unwrap();
        let permissions = isolation_audit::placeholders::fill(
            include_str!("../../policies/tenant-role-permissions.json"),
            &params,
        )
        .unwrap();
        let permissions_chars = quota_chars(&permissions);
        let start = at("2026-11-27T09:00:00Z");
        // Deadlines that can be in force at once: one per window.
        let windows = revocation_lifetime().num_seconds() / DEADLINE_GRANULARITY_SECONDS + 1;
        let mut revocations = Revocations::default();
        let mut capacity = 0;
        // Round-robin over the windows: every window gets a statement of its
        // own first, the most expensive way to fill the quota.
        for n in 0.. {
            let written = start + Duration::seconds((n % windows) * DEADLINE_GRANULARITY_SECONDS);
            let mut trial = revocations.clone();
            trial.add(
                RevokedBy::Tenant,
                &id(&format!("t{n:09}")),
                deadline(written),
            );
            if permissions_chars + quota_chars(&trial.to_document()) > INLINE_POLICY_QUOTA_CHARS {
                break;
            }
            revocations = trial;
            capacity += 1;
        }
        println!(
            "revocation capacity: {capacity} tenants in force at once (over {windows} deadlines), \
             beside a {permissions_chars}-character permissions policy"
        );
        assert!(capacity > windows, "every window holds one at least");
        assert!(capacity >= 100, "only {capacity} tenants fit");
    }
}
