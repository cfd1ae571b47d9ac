//! Where a tenant's data lives: the key names of the data tables, a silo
//! table's name and the S3 prefix, as the tenant role's policy expects them.

use crate::ApiKeyId;

/// Partition key of the pooled table and of every silo table; a tenant's
/// items carry its key ID here (`dynamodb:LeadingKeys`).
pub const PARTITION_KEY: &str = "pk";

/// Sort key of the pooled table and of every silo table.
pub const SORT_KEY: &str = "sk";

/// A secondary index of a tenant data table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SecondaryIndex {
    /// The index's name.
    pub name: &'static str,
    /// Its partition key attribute. `dynamodb:LeadingKeys` on an index is
    /// this attribute, so it must be [`PARTITION_KEY`] for the tenant's
    /// own-partition rule to hold there (the audit's `ISO027` checks).
    pub partition_key: &'static str,
    /// Its sort key attribute, if any.
    pub sort_key: Option<&'static str>,
}

/// The secondary indexes tenantctl creates on a silo table (keys
/// [`PARTITION_KEY`], [`SORT_KEY`]). None today; one added here is created by
/// tenant-lifecycle and checked by the audit.
pub const SILO_TABLE_INDEXES: &[SecondaryIndex] = &[];

/// A siloed tenant's own table: `<prefix>-<apiKeyId>`, which the policy's
/// `table/${SiloTablePrefix}-${aws:PrincipalTag/api-key-id}` resource matches.
pub fn silo_table_name(prefix: &str, id: &ApiKeyId) -> String {
    format!("{prefix}-{id}")
}

/// A tenant's prefix in the pooled bucket: `<apiKeyId>/`, trailing slash
/// included, so `k1/` never covers `k1x/…`.
pub fn s3_prefix(id: &ApiKeyId) -> String {
    format!("{id}/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_policy_resources() {
        let id = ApiKeyId::parse("k1").unwrap();
        assert_eq!(silo_table_name("tenant-silo", &id), "tenant-silo-k1");
        assert_eq!(s3_prefix(&id), "k1/");
    }
}
