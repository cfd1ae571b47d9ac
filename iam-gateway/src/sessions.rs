//! Credentials the gateway issued, and the sessions behind them.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, RwLock};

use chrono::{DateTime, Duration, Utc};
use iam_eval::Policy;
pub use tenant_registry::Secret;

/// Credentials handed to a caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IssuedCredentials {
    /// Access key ID (`ASIA…`).
    pub access_key_id: String,
    /// Secret access key.
    pub secret_access_key: Secret,
    /// Session token.
    pub session_token: Secret,
    /// When they stop working; `None` for the gateway's long-lived role credentials.
    pub expiration: Option<DateTime<Utc>>,
}

impl IssuedCredentials {
    /// The same credentials as the AWS SDK's type, for building clients.
    pub fn to_sdk(&self) -> aws_credential_types::Credentials {
        aws_credential_types::Credentials::new(
            &self.access_key_id,
            self.secret_access_key.expose(),
            Some(self.session_token.expose().to_owned()),
            self.expiration.map(Into::into),
            "sandbox",
        )
    }
}

/// Who a session is: a role session, as `assumed-role/<role>/<session>`.
#[derive(Clone, Debug)]
pub struct RoleSession {
    /// The role's name.
    pub role_name: String,
    /// The role's ARN.
    pub role_arn: String,
    /// The role's unique ID (`AROA…`), as moto reports it.
    pub role_id: String,
    /// The RoleSessionName.
    pub session_name: String,
    /// Session tags, which become `aws:PrincipalTag/<key>`.
    pub tags: BTreeMap<String, String>,
    /// Keys of tags that pass on to a chained session.
    pub transitive_tag_keys: Vec<String>,
    /// The source identity, if set.
    pub source_identity: Option<String>,
    /// The session policy, if one was passed.
    pub session_policy: Option<Policy>,
    /// When the credentials were issued: `aws:TokenIssueTime`, which
    /// session revocations compare against. Set by [`SessionStore::issue`].
    pub token_issue_time: Option<DateTime<Utc>>,
    /// `lambda:SourceFunctionArn`: set for the credentials Lambda hands a
    /// function's own code (its execution role, in its environment), and for
    /// nothing else: "Lambda injects the source function ARN into the
    /// credentials context if the request is an AWS API request that comes
    /// from within your execution environment"
    /// (<https://docs.aws.amazon.com/lambda/latest/dg/permissions-source-function-arn.html>).
    /// A session assumed from them does not carry it.
    pub source_function_arn: Option<String>,
}

impl RoleSession {
    /// `arn:aws:sts::<account>:assumed-role/<role>/<session>`.
    pub fn arn(&self) -> String {
        format!(
            "arn:aws:sts::{}:assumed-role/{}/{}",
            crate::account::ACCOUNT_ID,
            self.role_name,
            self.session_name
        )
    }

    /// `<role id>:<session>`, the `aws:userid` of a role session.
    pub fn user_id(&self) -> String {
        format!("{}:{}", self.role_id, self.session_name)
    }
}

/// A live session: its credentials' secrets and who it is.
#[derive(Clone, Debug)]
pub struct Session {
    /// Secret access key.
    pub secret_access_key: Secret,
    /// Session token.
    pub session_token: Secret,
    /// The principal.
    pub principal: RoleSession,
    /// Expiry; `None` never expires.
    pub expiration: Option<DateTime<Utc>>,
}

/// The gateway's clock: real time plus an offset tests can advance.
#[derive(Debug, Default)]
pub struct Clock {
    offset_seconds: AtomicI64,
}

impl Clock {
    /// The gateway's current time.
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + Duration::seconds(self.offset_seconds.load(Ordering::SeqCst))
    }

    /// Moves the clock forward (sessions expire; signatures are still
    /// checked against real time, as the caller's clock has not moved).
    pub fn advance(&self, by: std::time::Duration) {
        let seconds = i64::try_from(by.as_secs()).unwrap_or(i64::MAX / 2);
        self.offset_seconds.fetch_add(seconds, Ordering::SeqCst);
    }
}

/// Issued sessions by access key ID.
#[derive(Debug, Default)]
pub struct SessionStore {
    sessions: RwLock<HashMap<String, Arc<Session>>>,
}

/// Why a presented access key can't be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup {
    /// No such key, or the token does not belong to it.
    Unknown,
    /// The session has expired.
    Expired,
}

impl SessionStore {
    /// Issues new credentials for `principal`, issued at `issued_at` (the
    /// gateway's clock; its `aws:TokenIssueTime`).
    pub fn issue(
        &self,
        mut principal: RoleSession,
        issued_at: DateTime<Utc>,
        expiration: Option<DateTime<Utc>>,
    ) -> IssuedCredentials {
        principal.token_issue_time = Some(issued_at);
        let credentials = IssuedCredentials {
            access_key_id: format!("ASIA{}", random_upper_alnum(16)),
            secret_access_key: Secret::new(random_token(30)),
            session_token: Secret::new(random_token(120)),
            expiration,
        };
        let session = Session {
            secret_access_key: credentials.secret_access_key.clone(),
            session_token: credentials.session_token.clone(),
            principal,
            expiration,
        };
        self.sessions
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(credentials.access_key_id.clone(), Arc::new(session));
        credentials
    }

    /// The session of `access_key_id` if `token` is its token and it has not
    /// expired at `now`.
    ///
    /// # Errors
    /// [`Lookup::Unknown`] or [`Lookup::Expired`].
    pub fn find(
        &self,
        access_key_id: &str,
        token: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Arc<Session>, Lookup> {
        let session = self
            .sessions
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(access_key_id)
            .cloned()
            .ok_or(Lookup::Unknown)?;
        let token_matches = token.is_some_and(|t| {
            let expected = session.session_token.expose().as_bytes();
            t.len() == expected.len()
                && t.as_bytes()
                    .iter()
                    .zip(expected)
                    .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                    == 0
        });
        if !token_matches {
            return Err(Lookup::Unknown);
        }
        if session.expiration.is_some_and(|e| e <= now) {
            return Err(Lookup::Expired);
        }
        Ok(session)
    }
}

fn random_bytes(n: usize) -> Vec<u8> {
    let mut buf = vec![0u8; n];
    // No entropy would make every credential guessable: stop rather than continue.
    getrandom::getrandom(&mut buf).expect("the OS random number generator is available");
    buf
}

fn random_upper_alnum(n: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    random_bytes(n)
        .into_iter()
        .map(|b| char::from(ALPHABET[usize::from(b) % ALPHABET.len()]))
        .collect()
}

fn random_token(bytes: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    random_bytes(bytes)
        .into_iter()
        .map(|b| char::from(ALPHABET[usize::from(b) % ALPHABET.len()]))
        .collect()
}

/// A request ID in AWS's shape (uppercase alphanumerics).
pub fn request_id() -> String {
    random_upper_alnum(32)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal() -> RoleSession {
        RoleSession {
            role_name: "R".into(),
            role_arn: "arn:aws:iam::123456789012:role/R".into(),
            role_id: "AROAEXAMPLE".into(),
            session_name: "s".into(),
            tags: BTreeMap::new(),
            transitive_tag_keys: Vec::new(),
            source_identity: None,
            session_policy: None,
            token_issue_time: None,
            source_function_arn: None,
        }
    }

    #[test]
    fn finds_a_session_only_with_its_token_and_before_expiry() {
        let store = SessionStore::default();
        let now = Utc::now();
        let creds = store.issue(principal(), now, Some(now + Duration::seconds(900)));
        assert!(creds.access_key_id.starts_with("ASIA") && creds.access_key_id.len() == 20);
        let token = creds.session_token.expose();
        assert!(store.find(&creds.access_key_id, Some(token), now).is_ok());
        assert_eq!(
            store.find(&creds.access_key_id, Some("nope"), now).err(),
            Some(Lookup::Unknown)
        );
        assert_eq!(
            store.find(&creds.access_key_id, None, now).err(),
            Some(Lookup::Unknown)
        );
        assert_eq!(
            store.find("ASIAUNKNOWN", Some(token), now).err(),
            Some(Lookup::Unknown)
        );
        assert_eq!(
            store
                .find(
                    &creds.access_key_id,
                    Some(token),
                    now + Duration::seconds(901)
                )
                .err(),
            Some(Lookup::Expired)
        );
    }

    #[test]
    fn secrets_do_not_print() {
        let creds = SessionStore::default().issue(principal(), Utc::now(), None);
        let printed = format!("{creds:?}");
        assert!(!printed.contains(creds.secret_access_key.expose()));
        assert!(!printed.contains(creds.session_token.expose()));
    }
}
