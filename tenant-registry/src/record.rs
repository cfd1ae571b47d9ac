use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, SecondsFormat, Utc};

use crate::{ApiKeyHash, ApiKeyId, Isolation, RegistryError, TenantStatus, Tier};

/// Attribute names of a registry item, as DESIGN.md fixes them.
pub mod attr {
    /// Partition key of the registry table (type S).
    pub const API_KEY_ID: &str = "apiKeyId";
    /// Human name of the tenant.
    pub const TENANT_NAME: &str = "tenantName";
    /// Contact e-mail.
    pub const EMAIL: &str = "email";
    /// `basic` | `standard` | `premium`.
    pub const TIER: &str = "tier";
    /// `active` | `suspended` | `offboarded`. A retired key's item is
    /// `offboarded` (and has [`RETIRED_AT`]): that key never vends again,
    /// which is what every reader of the status takes `offboarded` to mean.
    pub const STATUS: &str = "status";
    /// `pooled` | `siloed`.
    pub const ISOLATION: &str = "isolation";
    /// RFC 3339 creation time.
    pub const CREATED_AT: &str = "createdAt";
    /// Optional contact details (free text: a name, a phone number).
    pub const CONTACT: &str = "contact";
    /// Lowercase hex SHA-256 of the API key value ([`crate::ApiKeyHash`]).
    pub const API_KEY_SHA256: &str = "apiKeySha256";
    /// A number every life-cycle write increments.
    pub const REVISION: &str = "revision";
    /// The key ID that owns the tenant's data; absent means `apiKeyId`.
    pub const PARTITION_KEY_ID: &str = "partitionKeyId";
    /// On a key created by `rotate-key`: the key it replaces.
    pub const PREVIOUS_API_KEY_ID: &str = "previousApiKeyId";
    /// On a key retired by `retire-key` (status `offboarded`): when. The
    /// tenant itself lives on under its other keys.
    pub const RETIRED_AT: &str = "retiredAt";
    /// RFC 3339: until then, a session vended now would still fall under a
    /// session revocation (`suspend --revoke-sessions` denies every session
    /// issued before a deadline a little after the command). `resume`
    /// writes it; vendor-fn answers 503 with `Retry-After` until it passes
    /// rather than hand out credentials AWS would refuse.
    pub const NEW_SESSIONS_REFUSED_UNTIL: &str = "newSessionsRefusedUntil";
}

/// The registry's global secondary index on `apiKeySha256` (projection
/// ALL): how the key authorizer finds the tenant of a presented key value
/// without the registry ever holding the value.
pub const API_KEY_HASH_INDEX: &str = "byApiKeySha256";

/// One tenant, as the registry table stores it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TenantRecord {
    /// The API key ID: the registry key. Until a key rotation it is also
    /// the session tag and the data partition ([`TenantRecord::partition_key_id`]).
    pub api_key_id: ApiKeyId,
    /// Display name, unique among tenants (tenantctl enforces that).
    pub tenant_name: String,
    /// Where the operator reaches the tenant.
    pub email: String,
    /// Commercial tier.
    pub tier: Tier,
    /// Life-cycle status; only `active` tenants get credentials.
    pub status: TenantStatus,
    /// Pooled or siloed data.
    pub isolation: Isolation,
    /// When the tenant was onboarded.
    pub created_at: DateTime<Utc>,
    /// Optional contact details.
    pub contact: Option<String>,
    /// `apiKeySha256`: the hash of the API key value. vendor-fn refuses a
    /// record without it (onboarding writes it; `tenantctl backfill-key-hashes`
    /// adds it to records written before).
    pub api_key_sha256: Option<ApiKeyHash>,
    /// `revision`: incremented by every life-cycle write; 0 when absent
    /// (records written before it existed). Caches key on it.
    pub revision: u64,
    /// `partitionKeyId`: the key ID that owns the tenant's data, when it is
    /// not this item's own `apiKeyId` (after a key rotation).
    pub partition_key_id: Option<ApiKeyId>,
    /// `previousApiKeyId`: the key this one replaced (set by `rotate-key`).
    pub previous_api_key_id: Option<ApiKeyId>,
    /// `retiredAt`: when `retire-key` retired this key (its status is then
    /// `offboarded`; the tenant's other keys are unaffected).
    pub retired_at: Option<DateTime<Utc>>,
    /// `newSessionsRefusedUntil`: sessions issued before this moment are
    /// denied by a revocation still in force ([`attr::NEW_SESSIONS_REFUSED_UNTIL`]).
    pub new_sessions_refused_until: Option<DateTime<Utc>>,
}

impl TenantRecord {
    /// Whole seconds until a session issued at `now` would no longer fall
    /// under a revocation (rounded up, at least 1); `None` when it wouldn't.
    pub fn new_sessions_refused_for(&self, now: DateTime<Utc>) -> Option<u32> {
        let until = self.new_sessions_refused_until?;
        let left = until.signed_duration_since(now);
        if left <= chrono::TimeDelta::zero() {
            return None;
        }
        let whole = left.num_seconds() + i64::from(left.subsec_nanos() > 0);
        Some(u32::try_from(whole.max(1)).unwrap_or(u32::MAX))
    }

    /// The key ID that owns the tenant's data: its pooled partition, S3
    /// prefix and silo table, and the `api-key-id` session tag.
    pub fn partition_key_id(&self) -> &ApiKeyId {
        self.partition_key_id.as_ref().unwrap_or(&self.api_key_id)
    }

    /// Whether this key was retired (the tenant may live on under another key).
    pub fn is_retired(&self) -> bool {
        self.retired_at.is_some()
    }

    /// The DynamoDB item for this record.
    pub fn to_item(&self) -> HashMap<String, AttributeValue> {
        let s = |v: &str| AttributeValue::S(v.to_owned());
        let mut item = HashMap::from([
            (attr::API_KEY_ID.to_owned(), s(self.api_key_id.as_str())),
            (attr::TENANT_NAME.to_owned(), s(&self.tenant_name)),
            (attr::EMAIL.to_owned(), s(&self.email)),
            (attr::TIER.to_owned(), s(self.tier.as_str())),
            (attr::STATUS.to_owned(), s(self.status.as_str())),
            (attr::ISOLATION.to_owned(), s(self.isolation.as_str())),
            (
                attr::CREATED_AT.to_owned(),
                s(&self.created_at.to_rfc3339_opts(SecondsFormat::Secs, true)),
            ),
        ]);
        if let Some(contact) = &self.contact {
            item.insert(attr::CONTACT.to_owned(), s(contact));
        }
        if let Some(hash) = &self.api_key_sha256 {
            item.insert(attr::API_KEY_SHA256.to_owned(), s(&hash.to_hex()));
        }
        item.insert(
            attr::REVISION.to_owned(),
            AttributeValue::N(self.revision.to_string()),
        );
        if let Some(partition) = &self.partition_key_id {
            item.insert(attr::PARTITION_KEY_ID.to_owned(), s(partition.as_str()));
        }
        if let Some(previous) = &self.previous_api_key_id {
            item.insert(attr::PREVIOUS_API_KEY_ID.to_owned(), s(previous.as_str()));
        }
        if let Some(retired) = &self.retired_at {
            item.insert(
                attr::RETIRED_AT.to_owned(),
                s(&retired.to_rfc3339_opts(SecondsFormat::Secs, true)),
            );
        }
        if let Some(until) = &self.new_sessions_refused_until {
            item.insert(
                attr::NEW_SESSIONS_REFUSED_UNTIL.to_owned(),
                s(&until.to_rfc3339_opts(SecondsFormat::Secs, true)),
            );
        }
        item
    }
}

fn string_attr<'a>(
    item: &'a HashMap<String, AttributeValue>,
    name: &'static str,
) -> Result<&'a str, RegistryError> {
    match item.get(name) {
        None => Err(RegistryError::MissingAttribute(name)),
        Some(AttributeValue::S(v)) => Ok(v),
        Some(_) => Err(RegistryError::InvalidAttribute {
            name,
            reason: "not a string".into(),
        }),
    }
}

/// An optional key ID attribute (absent or NULL: `None`).
fn optional_id(
    item: &HashMap<String, AttributeValue>,
    name: &'static str,
) -> Result<Option<ApiKeyId>, RegistryError> {
    match item.get(name) {
        None | Some(AttributeValue::Null(_)) => Ok(None),
        Some(AttributeValue::S(v)) => ApiKeyId::parse(v).map(Some),
        Some(_) => Err(RegistryError::InvalidAttribute {
            name,
            reason: "not a string".into(),
        }),
    }
}

/// An optional RFC 3339 time attribute.
fn optional_time(
    item: &HashMap<String, AttributeValue>,
    name: &'static str,
) -> Result<Option<DateTime<Utc>>, RegistryError> {
    match item.get(name) {
        None | Some(AttributeValue::Null(_)) => Ok(None),
        Some(AttributeValue::S(v)) => DateTime::parse_from_rfc3339(v)
            .map(|t| Some(t.with_timezone(&Utc)))
            .map_err(|e| RegistryError::InvalidAttribute {
                name,
                reason: e.to_string(),
            }),
        Some(_) => Err(RegistryError::InvalidAttribute {
            name,
            reason: "not a string".into(),
        }),
    }
}

impl TryFrom<&HashMap<String, AttributeValue>> for TenantRecord {
    type Error = RegistryError;

    /// Reads a registry item; unknown extra attributes are ignored so the
    /// registry can grow without breaking deployed vendors.
    fn try_from(item: &HashMap<String, AttributeValue>) -> Result<Self, Self::Error> {
        let created_raw = string_attr(item, attr::CREATED_AT)?;
        let created_at = DateTime::parse_from_rfc3339(created_raw)
            .map_err(|e| RegistryError::InvalidAttribute {
                name: attr::CREATED_AT,
                reason: e.to_string(),
            })?
            .with_timezone(&Utc);
        let contact = match item.get(attr::CONTACT) {
            None | Some(AttributeValue::Null(_)) => None,
            Some(AttributeValue::S(v)) => Some(v.clone()),
            Some(_) => {
                return Err(RegistryError::InvalidAttribute {
                    name: attr::CONTACT,
                    reason: "not a string".into(),
                });
            }
        };
        let api_key_sha256 = match item.get(attr::API_KEY_SHA256) {
            None | Some(AttributeValue::Null(_)) => None,
            Some(AttributeValue::S(v)) => Some(ApiKeyHash::parse(v)?),
            Some(_) => {
                return Err(RegistryError::InvalidAttribute {
                    name: attr::API_KEY_SHA256,
                    reason: "not a string".into(),
                });
            }
        };
        let revision = match item.get(attr::REVISION) {
            None | Some(AttributeValue::Null(_)) => 0,
            Some(AttributeValue::N(n)) => {
                n.parse::<u64>()
                    .map_err(|_| RegistryError::InvalidAttribute {
                        name: attr::REVISION,
                        reason: "not a whole number".into(),
                    })?
            }
            Some(_) => {
                return Err(RegistryError::InvalidAttribute {
                    name: attr::REVISION,
                    reason: "not a number".into(),
                });
            }
        };
        let partition_key_id = optional_id(item, attr::PARTITION_KEY_ID)?;
        let previous_api_key_id = optional_id(item, attr::PREVIOUS_API_KEY_ID)?;
        let retired_at = optional_time(item, attr::RETIRED_AT)?;
        let new_sessions_refused_until = optional_time(item, attr::NEW_SESSIONS_REFUSED_UNTIL)?;
        let status: TenantStatus = string_attr(item, attr::STATUS)?.parse()?;
        // A retired key is offboarded for every reader; any other status
        // with retiredAt would let a reader that knows only the status vend.
        if retired_at.is_some() && status != TenantStatus::Offboarded {
            return Err(RegistryError::InvalidAttribute {
                name: attr::RETIRED_AT,
                reason: "set on an item whose status is not offboarded".into(),
            });
        }
        Ok(Self {
            api_key_id: ApiKeyId::parse(string_attr(item, attr::API_KEY_ID)?)?,
            tenant_name: string_attr(item, attr::TENANT_NAME)?.to_owned(),
            email: string_attr(item, attr::EMAIL)?.to_owned(),
            tier: string_attr(item, attr::TIER)?.parse()?,
            status,
            isolation: string_attr(item, attr::ISOLATION)?.parse()?,
            created_at,
            contact,
            api_key_sha256,
            revision,
            partition_key_id,
            previous_api_key_id,
            retired_at,
            new_sessions_refused_until,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> TenantRecord {
        TenantRecord {
            api_key_id: ApiKeyId::parse("a1b2c3d4e5").unwrap(),
            tenant_name: "Acme".into(),
            email: "ops@acme.example".into(),
            tier: Tier::Standard,
            status: TenantStatus::Active,
            isolation: Isolation::Pooled,
            created_at: "2026-11-27T09:00:00Z".parse().unwrap(),
            contact: Some("Jo, +1 555 0100".into()),
            api_key_sha256: Some(ApiKeyHash::of("Xq7TsecretApiKeyValue")),
            revision: 7,
            partition_key_id: None,
            previous_api_key_id: None,
            retired_at: None,
            new_sessions_refused_until: None,
        }
    }

    #[test]
    fn an_item_round_trips_through_dynamodb_attributes() {
        let r = record();
        let item = r.to_item();
        assert_eq!(
            item[attr::CREATED_AT],
            AttributeValue::S("2026-11-27T09:00:00Z".into())
        );
        assert_eq!(TenantRecord::try_from(&item).unwrap(), r);
    }

    #[test]
    fn missing_or_mistyped_attributes_are_named_in_the_error() {
        let mut item = record().to_item();
        item.remove(attr::STATUS);
        assert_eq!(
            TenantRecord::try_from(&item),
            Err(RegistryError::MissingAttribute("status"))
        );

        let mut item = record().to_item();
        item.insert(attr::TIER.into(), AttributeValue::N("3".into()));
        assert!(matches!(
            TenantRecord::try_from(&item),
            Err(RegistryError::InvalidAttribute { name: "tier", .. })
        ));
    }

    #[test]
    fn unknown_status_and_bad_key_ids_are_refused() {
        let mut item = record().to_item();
        item.insert(attr::STATUS.into(), AttributeValue::S("ACTIVE".into()));
        assert!(TenantRecord::try_from(&item).is_err());

        let mut item = record().to_item();
        item.insert(attr::API_KEY_ID.into(), AttributeValue::S("k1*".into()));
        assert!(matches!(
            TenantRecord::try_from(&item),
            Err(RegistryError::InvalidApiKeyId { .. })
        ));
    }

    #[test]
    fn the_second_wave_attributes_round_trip_and_are_optional() {
        let mut r = record();
        r.partition_key_id = Some(ApiKeyId::parse("p1a2r3t4i5").unwrap());
        let item = r.to_item();
        assert_eq!(item[attr::REVISION], AttributeValue::N("7".into()));
        assert_eq!(
            item[attr::API_KEY_SHA256],
            AttributeValue::S(ApiKeyHash::of("Xq7TsecretApiKeyValue").to_hex())
        );
        let back = TenantRecord::try_from(&item).unwrap();
        assert_eq!(back, r);
        assert_eq!(back.partition_key_id().as_str(), "p1a2r3t4i5");

        let mut old = record().to_item();
        for name in [attr::API_KEY_SHA256, attr::REVISION, attr::PARTITION_KEY_ID] {
            old.remove(name);
        }
        let read = TenantRecord::try_from(&old).unwrap();
        assert_eq!((read.api_key_sha256, read.revision), (None, 0));
        assert_eq!(
            read.partition_key_id(),
            &read.api_key_id,
            "absent: its own key"
        );
    }

    #[test]
    fn malformed_second_wave_attributes_are_refused_by_name() {
        for (name, value) in [
            (attr::API_KEY_SHA256, AttributeValue::S("ABC".into())),
            (attr::REVISION, AttributeValue::N("-1".into())),
            (attr::REVISION, AttributeValue::S("1".into())),
            (attr::PARTITION_KEY_ID, AttributeValue::S("p-1".into())),
        ] {
            let mut item = record().to_item();
            item.insert(name.into(), value);
            assert!(TenantRecord::try_from(&item).is_err(), "{name}");
        }
    }

    #[test]
    fn a_rotated_and_a_retired_key_round_trip() {
        let mut r = record();
        r.partition_key_id = Some(ApiKeyId::parse("p1a2r3t4i5").unwrap());
        r.previous_api_key_id = Some(ApiKeyId::parse("p1a2r3t4i5").unwrap());
        assert_eq!(TenantRecord::try_from(&r.to_item()).unwrap(), r);
        r.status = TenantStatus::Offboarded;
        r.retired_at = Some("2026-11-28T09:00:00Z".parse().unwrap());
        let back = TenantRecord::try_from(&r.to_item()).unwrap();
        assert!(back.is_retired());
        assert_eq!(back, r);
    }

    #[test]
    fn retired_at_on_a_key_that_is_not_offboarded_is_refused() {
        let mut item = record().to_item();
        item.insert(
            attr::RETIRED_AT.into(),
            AttributeValue::S("2026-11-28T09:00:00Z".into()),
        );
        assert!(TenantRecord::try_from(&item).is_err());
    }

    #[test]
    fn extra_attributes_are_ignored_and_contact_is_optional() {
        let mut item = record().to_item();
        item.remove(attr::CONTACT);
        item.insert("futureField".into(), AttributeValue::Bool(true));
        let r = TenantRecord::try_from(&item).unwrap();
        assert_eq!(r.contact, None);
    }

    #[test]
    fn new_sessions_refused_until_round_trips_and_counts_whole_seconds_up() {
        let now: DateTime<Utc> = "2026-12-01T10:00:00Z".parse().unwrap();
        let mut r = record();
        assert_eq!(r.new_sessions_refused_for(now), None);
        r.new_sessions_refused_until = Some("2026-12-01T10:02:00Z".parse().unwrap());
        let item = r.to_item();
        assert_eq!(
            item[attr::NEW_SESSIONS_REFUSED_UNTIL],
            AttributeValue::S("2026-12-01T10:02:00Z".into())
        );
        let read = TenantRecord::try_from(&item).unwrap();
        assert_eq!(read, r);
        assert_eq!(r.new_sessions_refused_for(now), Some(120));
        let just_before = now + chrono::TimeDelta::milliseconds(119_500);
        assert_eq!(r.new_sessions_refused_for(just_before), Some(1));
        let at = now + chrono::TimeDelta::seconds(120);
        assert_eq!(
            r.new_sessions_refused_for(at),
            None,
            "the moment itself is honoured"
        );
        let mut bad = item.clone();
        bad.insert(
            attr::NEW_SESSIONS_REFUSED_UNTIL.into(),
            AttributeValue::S("soon".into()),
        );
        assert!(TenantRecord::try_from(&bad).is_err());
    }
}
