//! Where the tenant resources are: the stack's outputs, explicit names, or both.

use std::collections::HashMap;

use tenant_registry::Tier;

use crate::LifecycleError;
use aws_failure::AwsFailure;

/// Names of the deployed resources life-cycle commands touch. Each command
/// checks for the ones it needs, so `list` works with only a registry table.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Resources {
    /// The tenant registry table (`TenantTableName`).
    pub tenant_table: Option<String>,
    /// The pooled data table (`TenantDataTableName`).
    pub data_table: Option<String>,
    /// Prefix of silo table names (`SiloTablePrefix`).
    pub silo_table_prefix: Option<String>,
    /// Usage plan of the basic tier (`BasicUsagePlanId`).
    pub basic_usage_plan: Option<String>,
    /// Usage plan of the standard tier (`StandardUsagePlanId`).
    pub standard_usage_plan: Option<String>,
    /// Usage plan of the premium tier (`PremiumUsagePlanId`).
    pub premium_usage_plan: Option<String>,
    /// Name of the tenant role (from `TenantRoleArn`), for session revocation.
    pub tenant_role_name: Option<String>,
}

impl Resources {
    /// Reads template.yaml's stack outputs (see the README's Outputs table).
    pub fn from_stack_outputs(outputs: &HashMap<String, String>) -> Self {
        let get = |key: &str| outputs.get(key).cloned();
        Self {
            tenant_table: get("TenantTableName"),
            data_table: get("TenantDataTableName"),
            silo_table_prefix: get("SiloTablePrefix"),
            basic_usage_plan: get("BasicUsagePlanId"),
            standard_usage_plan: get("StandardUsagePlanId"),
            premium_usage_plan: get("PremiumUsagePlanId"),
            tenant_role_name: outputs
                .get("TenantRoleArn")
                .and_then(|arn| role_name_from_arn(arn)),
        }
    }

    /// These resources, with every name set in `explicit` taking precedence.
    #[must_use]
    pub fn overridden_by(self, explicit: Self) -> Self {
        Self {
            tenant_table: explicit.tenant_table.or(self.tenant_table),
            data_table: explicit.data_table.or(self.data_table),
            silo_table_prefix: explicit.silo_table_prefix.or(self.silo_table_prefix),
            basic_usage_plan: explicit.basic_usage_plan.or(self.basic_usage_plan),
            standard_usage_plan: explicit.standard_usage_plan.or(self.standard_usage_plan),
            premium_usage_plan: explicit.premium_usage_plan.or(self.premium_usage_plan),
            tenant_role_name: explicit.tenant_role_name.or(self.tenant_role_name),
        }
    }

    pub(crate) fn tenant_table(&self) -> Result<&str, LifecycleError> {
        need(
            self.tenant_table.as_deref(),
            "tenant registry table",
            "--tenant-table",
            "TENANT_TABLE",
        )
    }

    pub(crate) fn data_table(&self) -> Result<&str, LifecycleError> {
        need(
            self.data_table.as_deref(),
            "pooled data table",
            "--data-table",
            "DATA_TABLE",
        )
    }

    pub(crate) fn silo_table_prefix(&self) -> Result<&str, LifecycleError> {
        need(
            self.silo_table_prefix.as_deref(),
            "silo table prefix",
            "--silo-prefix",
            "SILO_TABLE_PREFIX",
        )
    }

    pub(crate) fn tenant_role_name(&self) -> Result<&str, LifecycleError> {
        need(
            self.tenant_role_name.as_deref(),
            "tenant role name",
            "--tenant-role-name",
            "TENANT_ROLE_NAME",
        )
    }

    /// The tier's usage plan.
    pub(crate) fn usage_plan(&self, tier: Tier) -> Result<&str, LifecycleError> {
        match tier {
            Tier::Basic => need(
                self.basic_usage_plan.as_deref(),
                "basic usage plan",
                "--usage-plan-basic",
                "BASIC_USAGE_PLAN_ID",
            ),
            Tier::Standard => need(
                self.standard_usage_plan.as_deref(),
                "standard usage plan",
                "--usage-plan-standard",
                "STANDARD_USAGE_PLAN_ID",
            ),
            Tier::Premium => need(
                self.premium_usage_plan.as_deref(),
                "premium usage plan",
                "--usage-plan-premium",
                "PREMIUM_USAGE_PLAN_ID",
            ),
        }
    }

    /// Every configured usage plan, for cleaning up a key whose tier is unknown.
    pub(crate) fn all_usage_plans(&self) -> Vec<&str> {
        [
            &self.basic_usage_plan,
            &self.standard_usage_plan,
            &self.premium_usage_plan,
        ]
        .into_iter()
        .filter_map(|p| p.as_deref())
        .collect()
    }
}

fn need<'a>(
    value: Option<&'a str>,
    what: &'static str,
    flag: &'static str,
    env: &'static str,
) -> Result<&'a str, LifecycleError> {
    value
        .filter(|v| !v.is_empty())
        .ok_or(LifecycleError::MissingResource { what, flag, env })
}

/// `arn:aws:iam::123456789012:role/path/Name` → `Name`.
pub fn role_name_from_arn(arn: &str) -> Option<String> {
    let resource = arn.strip_prefix("arn:")?.split(':').nth(4)?;
    let name = resource.strip_prefix("role/")?.rsplit('/').next()?;
    (!name.is_empty()).then(|| name.to_owned())
}

/// The outputs of a CloudFormation stack, by output key.
///
/// # Errors
/// [`LifecycleError::InvalidInput`] on `stack` when there is no such stack,
/// [`LifecycleError::Aws`] when CloudFormation fails.
pub async fn stack_outputs(
    client: &aws_sdk_cloudformation::Client,
    stack_name: &str,
) -> Result<HashMap<String, String>, LifecycleError> {
    let output = client
        .describe_stacks()
        .stack_name(stack_name)
        .send()
        .await
        .map_err(|e| {
            let failure = AwsFailure::classify(&e);
            // CloudFormation answers a missing stack with ValidationError.
            if failure.code == "ValidationError" {
                LifecycleError::InvalidInput {
                    field: "stack",
                    reason: format!("no stack named {stack_name:?}"),
                }
            } else {
                LifecycleError::Aws {
                    step: "describe the stack",
                    failure,
                }
            }
        })?;
    let stack = output
        .stacks()
        .first()
        .ok_or_else(|| LifecycleError::InvalidInput {
            field: "stack",
            reason: format!("no stack named {stack_name:?}"),
        })?;
    Ok(stack
        .outputs()
        .iter()
        .filter_map(|o| Some((o.output_key()?.to_owned(), o.output_value()?.to_owned())))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stack_outputs_name_every_resource_and_explicit_names_win() {
        let outputs: HashMap<String, String> = [
            ("TenantTableName", "tcv-Tenants"),
            ("TenantDataTableName", "tcv-Data"),
            ("SiloTablePrefix", "tenant-silo"),
            ("BasicUsagePlanId", "p1"),
            ("StandardUsagePlanId", "p2"),
            ("PremiumUsagePlanId", "p3"),
            (
                "TenantRoleArn",
                "arn:aws:iam::123456789012:role/tcv-TenantRole-ABC",
            ),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let from_stack = Resources::from_stack_outputs(&outputs);
        assert_eq!(
            from_stack.tenant_role_name.as_deref(),
            Some("tcv-TenantRole-ABC")
        );
        assert_eq!(from_stack.usage_plan(Tier::Premium).unwrap(), "p3");

        let merged = from_stack.overridden_by(Resources {
            data_table: Some("other".into()),
            ..Resources::default()
        });
        assert_eq!(merged.data_table().unwrap(), "other");
        assert_eq!(merged.tenant_table().unwrap(), "tcv-Tenants");
    }

    #[test]
    fn a_missing_resource_names_its_flag_and_variable() {
        let err = Resources::default().usage_plan(Tier::Basic).unwrap_err();
        assert_eq!(
            err.to_string(),
            "no basic usage plan configured: pass --usage-plan-basic, set BASIC_USAGE_PLAN_ID, or use --stack"
        );
    }

    #[test]
    fn role_names_come_from_the_last_path_segment() {
        assert_eq!(
            role_name_from_arn("arn:aws:iam::1:role/a/b/Name").as_deref(),
            Some("Name")
        );
        assert_eq!(role_name_from_arn("arn:aws:iam::1:user/Name"), None);
        assert_eq!(role_name_from_arn("Name"), None);
    }
}
