//! The body of a successful vend: written by vendor-fn, read by every
//! client (the tenant-side crate, the sandbox's demo, the examples).
//!
//! It is at once `credential_process` output (`Version`, `SessionToken`,
//! `Expiration`) and a container-credentials response (`Token`), so any AWS
//! SDK consumes it unchanged (DESIGN.md, "Contracts").

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{ApiKeyId, RegistryError, Secret, Tier};

/// `credential_process` format version; the only one AWS defines.
pub const CREDENTIALS_BODY_VERSION: u8 = 1;

/// The response body of `GET`/`POST /credentials` on success.
///
/// Reading is lenient about fields it does not know (the body may grow)
/// and strict about the ones it does: `Version` must be 1, `Token` must
/// equal `SessionToken`, no credential field may be empty.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", try_from = "RawBody")]
pub struct CredentialsBody {
    /// Always [`CREDENTIALS_BODY_VERSION`].
    pub version: u8,
    /// Access key ID (not secret: CloudTrail shows it).
    pub access_key_id: String,
    /// Secret access key.
    pub secret_access_key: Secret,
    /// Session token (`credential_process` name).
    pub session_token: Secret,
    /// The session token again (container-credentials name).
    pub token: Secret,
    /// When the credentials stop working, RFC 3339 in UTC.
    #[serde(with = "rfc3339")]
    pub expiration: DateTime<Utc>,
    /// Region the tenant's data lives in.
    pub region: String,
    /// Who these credentials are for.
    pub tenant: TenantSummary,
    /// Where the tenant's data lives.
    pub resources: Resources,
}

/// The tenant part of the body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TenantSummary {
    /// The API key ID the credentials were vended for.
    pub api_key_id: ApiKeyId,
    /// The tenant's tier.
    pub tier: Tier,
}

/// The resources the credentials reach, named so a tenant SDK needs no
/// other configuration. Absent fields are omitted, not null.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Resources {
    /// The table holding the tenant's items (the pooled table or its silo).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dynamo_db_table: Option<String>,
    /// The partition key value the tenant's items must use.
    pub partition_key: String,
    /// The tenant bucket.
    #[serde(rename = "S3Bucket", default, skip_serializing_if = "Option::is_none")]
    pub s3_bucket: Option<String>,
    /// The tenant's prefix in the bucket, with its trailing slash.
    #[serde(rename = "S3Prefix", default, skip_serializing_if = "Option::is_none")]
    pub s3_prefix: Option<String>,
}

impl CredentialsBody {
    /// The body for credentials STS issued. `Token` is the session token.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        access_key_id: String,
        secret_access_key: Secret,
        session_token: Secret,
        expiration: DateTime<Utc>,
        region: String,
        tenant: TenantSummary,
        resources: Resources,
    ) -> Self {
        Self {
            version: CREDENTIALS_BODY_VERSION,
            access_key_id,
            secret_access_key,
            token: session_token.clone(),
            session_token,
            expiration,
            region,
            tenant,
            resources,
        }
    }

    /// Parses and checks a body as the API sent it.
    ///
    /// # Errors
    /// [`RegistryError::InvalidCredentialsBody`] saying which rule the body
    /// broke; the message never quotes the body (it holds secrets).
    pub fn parse(text: &str) -> Result<Self, RegistryError> {
        serde_json::from_str(text).map_err(|e| RegistryError::InvalidCredentialsBody {
            // serde's message can quote input; keep only where it stopped
            // and, for our own checks, the rule (which quotes nothing).
            reason: if e.is_data() && !e.to_string().contains('"') {
                e.to_string()
            } else {
                format!(
                    "not a credentials body (line {} column {})",
                    e.line(),
                    e.column()
                )
            },
        })
    }

    /// The credentials as the AWS SDK's type, with their expiry, so the
    /// SDK's identity cache refreshes ahead of it.
    pub fn to_sdk_credentials(
        &self,
        provider_name: &'static str,
    ) -> aws_credential_types::Credentials {
        aws_credential_types::Credentials::new(
            &self.access_key_id,
            self.secret_access_key.expose(),
            Some(self.session_token.expose().to_owned()),
            Some(self.expiration.into()),
            provider_name,
        )
    }
}

/// The wire shape before the checks of [`CredentialsBody`].
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawBody {
    version: u8,
    access_key_id: String,
    secret_access_key: Secret,
    session_token: Secret,
    token: Option<Secret>,
    #[serde(with = "rfc3339")]
    expiration: DateTime<Utc>,
    region: String,
    tenant: TenantSummary,
    resources: Resources,
}

impl TryFrom<RawBody> for CredentialsBody {
    type Error = String;

    fn try_from(raw: RawBody) -> Result<Self, Self::Error> {
        if raw.version != CREDENTIALS_BODY_VERSION {
            return Err(format!(
                "Version is {}, only {CREDENTIALS_BODY_VERSION} is defined",
                raw.version
            ));
        }
        if raw.access_key_id.is_empty()
            || raw.secret_access_key.is_empty()
            || raw.session_token.is_empty()
        {
            return Err("a credential field is empty".into());
        }
        let token = raw.token.unwrap_or_else(|| raw.session_token.clone());
        if token != raw.session_token {
            return Err("Token and SessionToken differ".into());
        }
        Ok(Self {
            version: raw.version,
            access_key_id: raw.access_key_id,
            secret_access_key: raw.secret_access_key,
            session_token: raw.session_token,
            token,
            expiration: raw.expiration,
            region: raw.region,
            tenant: raw.tenant,
            resources: raw.resources,
        })
    }
}

/// `Expiration` as STS and the SDKs write it: `2026-11-27T10:15:00Z`
/// (fractional seconds only when there are any).
mod rfc3339 {
    use chrono::{DateTime, SecondsFormat, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&t.to_rfc3339_opts(SecondsFormat::AutoSi, true))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let text = String::deserialize(d)?;
        DateTime::parse_from_rfc3339(&text)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|_| serde::de::Error::custom("Expiration is not an RFC 3339 time"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body() -> CredentialsBody {
        CredentialsBody::new(
            "ASIAEXAMPLE".into(),
            Secret::new("secret/key"),
            Secret::new("session-token"),
            "2026-11-27T10:15:00Z".parse().unwrap(),
            "us-east-1".into(),
            TenantSummary {
                api_key_id: ApiKeyId::parse("a1b2c3d4e5").unwrap(),
                tier: Tier::Standard,
            },
            Resources {
                dynamo_db_table: Some("TenantData".into()),
                partition_key: "a1b2c3d4e5".into(),
                s3_bucket: None,
                s3_prefix: None,
            },
        )
    }

    #[test]
    fn serializes_to_the_documented_shape() {
        let json: serde_json::Value = serde_json::to_value(body()).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "Version": 1,
                "AccessKeyId": "ASIAEXAMPLE",
                "SecretAccessKey": "secret/key",
                "SessionToken": "session-token",
                "Token": "session-token",
                "Expiration": "2026-11-27T10:15:00Z",
                "Region": "us-east-1",
                "Tenant": {"ApiKeyId": "a1b2c3d4e5", "Tier": "standard"},
                "Resources": {"DynamoDbTable": "TenantData", "PartitionKey": "a1b2c3d4e5"}
            })
        );
    }

    #[test]
    fn round_trips_and_tolerates_fields_it_does_not_know() {
        let mut json = serde_json::to_value(body()).unwrap();
        json["SomethingNew"] = serde_json::json!(true);
        assert_eq!(CredentialsBody::parse(&json.to_string()).unwrap(), body());
    }

    #[test]
    fn refuses_bodies_that_break_the_contract_without_quoting_them() {
        let good = serde_json::to_value(body()).unwrap();
        let cases: [(&str, serde_json::Value); 6] = [
            ("Version", serde_json::json!(2)),
            ("Token", serde_json::json!("another-token")),
            ("SecretAccessKey", serde_json::json!("")),
            ("Expiration", serde_json::json!("tomorrow")),
            (
                "Tenant",
                serde_json::json!({"ApiKeyId": "k1*", "Tier": "standard"}),
            ),
            ("AccessKeyId", serde_json::Value::Null),
        ];
        for (field, value) in cases {
            let mut json = good.clone();
            json[field] = value;
            let err = CredentialsBody::parse(&json.to_string()).unwrap_err();
            let text = err.to_string();
            assert!(
                !text.contains("secret/key") && !text.contains("session-token"),
                "{field}: {text}"
            );
        }
        assert!(CredentialsBody::parse("not json").is_err());
    }

    #[test]
    fn a_missing_token_is_the_session_token() {
        let mut json = serde_json::to_value(body()).unwrap();
        json.as_object_mut().unwrap().remove("Token");
        assert_eq!(CredentialsBody::parse(&json.to_string()).unwrap(), body());
    }

    #[test]
    fn gives_the_sdk_its_expiry() {
        let creds = body().to_sdk_credentials("test");
        assert_eq!(creds.access_key_id(), "ASIAEXAMPLE");
        assert_eq!(creds.session_token(), Some("session-token"));
        assert_eq!(
            creds.expiry(),
            Some(std::time::SystemTime::from(body().expiration))
        );
    }
}
