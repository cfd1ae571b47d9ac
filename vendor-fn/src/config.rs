//! Configuration from the environment, read once at start-up.

use std::collections::HashMap;

use crate::VendError;

/// Where vendor-fn finds its registry, which role it assumes for tenants, and
/// which pooled resources it names back to them.
///
/// Endpoints and region are not here: the SDK reads its standard variables
/// (`AWS_ENDPOINT_URL*`, `AWS_REGION`) itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// `TENANT_TABLE`: the tenant registry table.
    pub tenant_table: String,
    /// `TENANT_ROLE_ARN`: the role assumed on each tenant's behalf.
    pub tenant_role_arn: String,
    /// `DATA_TABLE`: the pooled data table (optional; named in responses).
    pub data_table: Option<String>,
    /// `DATA_BUCKET`: the tenant bucket (optional; named in responses).
    pub data_bucket: Option<String>,
    /// `SILO_TABLE_PREFIX`: siloed tenants' tables are `<prefix>-<api key id>`.
    pub silo_table_prefix: Option<String>,
}

impl Config {
    /// Reads the process environment.
    ///
    /// # Errors
    /// [`VendError::Config`] naming the variable that is missing or invalid.
    pub fn from_env() -> Result<Self, VendError> {
        Self::from_vars(&std::env::vars().collect())
    }

    /// Reads configuration from a map of variables (the environment, in
    /// production; a literal map in tests).
    ///
    /// # Errors
    /// [`VendError::Config`] naming the variable that is missing or invalid.
    pub fn from_vars(vars: &HashMap<String, String>) -> Result<Self, VendError> {
        let optional = |name: &str| {
            vars.get(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let required = |name: &'static str| {
            optional(name).ok_or(VendError::Config {
                variable: name,
                problem: "is not set",
            })
        };
        let tenant_role_arn = required("TENANT_ROLE_ARN")?;
        // Catch a table name or a typo here, at cold start, rather than as an
        // STS error on every request.
        if !is_role_arn(&tenant_role_arn) {
            return Err(VendError::Config {
                variable: "TENANT_ROLE_ARN",
                problem: "is not an IAM role ARN (arn:<partition>:iam::<account>:role/<name>)",
            });
        }
        Ok(Self {
            tenant_table: required("TENANT_TABLE")?,
            tenant_role_arn,
            data_table: optional("DATA_TABLE"),
            data_bucket: optional("DATA_BUCKET"),
            silo_table_prefix: optional("SILO_TABLE_PREFIX"),
        })
    }
}

fn is_role_arn(arn: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    matches!(
        parts.as_slice(),
        ["arn", partition, "iam", "", account, resource]
            if !partition.is_empty()
                && account.len() == 12
                && account.bytes().all(|b| b.is_ascii_digit())
                && resource.strip_prefix("role/").is_some_and(|name| !name.is_empty())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    const ROLE: &str = "arn:aws:iam::123456789012:role/TenantRole";

    #[test]
    fn reads_required_and_optional_variables() {
        let c = Config::from_vars(&vars(&[
            ("TENANT_TABLE", "Tenants"),
            ("TENANT_ROLE_ARN", ROLE),
            ("DATA_TABLE", "TenantData"),
            ("DATA_BUCKET", ""),
        ]))
        .unwrap();
        assert_eq!(c.tenant_table, "Tenants");
        assert_eq!(c.data_table.as_deref(), Some("TenantData"));
        assert_eq!(c.data_bucket, None, "an empty variable counts as unset");
    }

    #[test]
    fn a_missing_variable_is_named_in_the_error() {
        let err = Config::from_vars(&vars(&[("TENANT_ROLE_ARN", ROLE)])).unwrap_err();
        assert!(err.to_string().contains("TENANT_TABLE"), "{err}");
        let err = Config::from_vars(&vars(&[("TENANT_TABLE", "T")])).unwrap_err();
        assert!(err.to_string().contains("TENANT_ROLE_ARN"), "{err}");
    }

    #[test]
    fn a_role_arn_that_is_not_a_role_arn_is_refused_at_start_up() {
        for bad in [
            "TenantRole",
            "arn:aws:iam::123:role/x",
            "arn:aws:iam::123456789012:user/x",
            "arn:aws:s3:::b",
        ] {
            let err = Config::from_vars(&vars(&[("TENANT_TABLE", "T"), ("TENANT_ROLE_ARN", bad)]))
                .unwrap_err();
            assert!(err.to_string().contains("TENANT_ROLE_ARN"), "{bad}: {err}");
        }
        assert!(is_role_arn("arn:aws-cn:iam::123456789012:role/path/to/R"));
    }
}
