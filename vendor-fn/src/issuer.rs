//! STS AssumeRole on the tenant's behalf.
//!
//! It takes a [`SessionRequest`] and returns [`IssuedCredentials`], nothing
//! else: the seam [`crate::session_cache`] wraps to reuse sessions.

use aws_failure::{AwsFailure, FailureKind};
use aws_sdk_sts::types::Tag;
use chrono::{DateTime, Utc};
use tenant_registry::{ApiKeyId, SESSION_TAG_KEY, Secret};

use crate::VendError;
use crate::request::Scope;

/// The scope-down session policy for `scope: "read-only"`, embedded at build
/// time so the deployed binary and the reviewed document cannot differ.
pub const READ_ONLY_SESSION_POLICY: &str = include_str!("../../policies/session-read-only.json");

/// What to ask STS for: one tenant, one duration (already checked against
/// the tier), one scope.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SessionRequest {
    /// The key that asked: the session's `SourceIdentity`, so CloudTrail
    /// names which key vended every session (and `retire-key
    /// --revoke-sessions` can refuse exactly those).
    pub api_key_id: ApiKeyId,
    /// The tenant's partition (`partitionKeyId`): the `api-key-id` tag every
    /// policy keys on, and the `RoleSessionName`, so the session's ARN names
    /// the tenant whichever of its keys vended it.
    pub partition_key_id: ApiKeyId,
    /// Within 900..=3600, already checked against the tier.
    pub duration_seconds: u32,
    /// Whether to attach the read-only session policy.
    pub scope: Scope,
}

/// Temporary credentials as STS returned them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IssuedCredentials {
    /// Access key ID (not secret: it appears in CloudTrail).
    pub access_key_id: String,
    /// Secret access key.
    pub secret_access_key: Secret,
    /// Session token.
    pub session_token: Secret,
    /// When STS says the credentials expire.
    pub expiration: DateTime<Utc>,
}

/// Issues tenant sessions by assuming the tenant role.
#[derive(Clone, Debug)]
pub struct StsIssuer {
    client: aws_sdk_sts::Client,
    role_arn: String,
}

impl StsIssuer {
    /// An issuer for `role_arn`, using a client built once in `main`.
    pub fn new(client: aws_sdk_sts::Client, role_arn: impl Into<String>) -> Self {
        Self {
            client,
            role_arn: role_arn.into(),
        }
    }

    /// Assumes the tenant role with the tenant's tag and source identity.
    ///
    /// The tag is not transitive: a tenant that chains further cannot carry
    /// it, and so cannot impersonate itself into another role's policies.
    ///
    /// # Errors
    /// [`VendError::Sts`] classified by AWS's error code.
    pub async fn issue(&self, request: &SessionRequest) -> Result<IssuedCredentials, VendError> {
        let key = request.api_key_id.as_str();
        let partition = request.partition_key_id.as_str();
        let tag = Tag::builder()
            .key(SESSION_TAG_KEY)
            .value(partition)
            .build()
            .map_err(|_| VendError::Sts(AwsFailure::new(FailureKind::Invalid, "TagBuild")))?;
        let policy = match request.scope {
            Scope::ReadWrite => None,
            Scope::ReadOnly => Some(READ_ONLY_SESSION_POLICY),
        };
        let output = self
            .client
            .assume_role()
            .role_arn(&self.role_arn)
            // ApiKeyId admits only [A-Za-z0-9]{2,64}, valid for both fields:
            // CloudTrail names the tenant in the session ARN and the vending
            // key in the source identity (the trust policy requires the
            // session name to equal the tag).
            .role_session_name(partition)
            .source_identity(key)
            .tags(tag)
            .duration_seconds(i32::try_from(request.duration_seconds).unwrap_or(i32::MAX))
            .set_policy(policy.map(str::to_owned))
            .send()
            .await
            .map_err(|e| VendError::Sts(AwsFailure::classify(&e)))?;
        let creds = output.credentials.ok_or_else(|| {
            VendError::Sts(AwsFailure::new(
                FailureKind::Rejected,
                "NoCredentialsInResponse",
            ))
        })?;
        let expiration =
            DateTime::from_timestamp(creds.expiration.secs(), creds.expiration.subsec_nanos())
                .ok_or_else(|| {
                    VendError::Sts(AwsFailure::new(FailureKind::Rejected, "BadExpiration"))
                })?;
        Ok(IssuedCredentials {
            access_key_id: creds.access_key_id,
            secret_access_key: Secret::new(creds.secret_access_key),
            session_token: Secret::new(creds.session_token),
            expiration,
        })
    }
}
