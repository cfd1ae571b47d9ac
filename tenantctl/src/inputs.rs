//! Reading policy files with CloudFormation placeholders filled in.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use iam_eval::Policy;
use serde_json::Value;

use crate::error::CliError;

/// Example values for the template's placeholders, overridable by `--param`.
#[derive(Debug, Clone)]
pub(crate) struct Params {
    values: BTreeMap<String, String>,
}

impl Params {
    /// The defaults, then `overrides` (`Name=Value`), then values derived
    /// from partition, region and account unless given explicitly.
    pub(crate) fn new(overrides: &[String]) -> Result<Self, CliError> {
        let mut given = BTreeMap::new();
        for raw in overrides {
            let (name, value) = raw
                .split_once('=')
                .filter(|(n, _)| !n.is_empty())
                .ok_or_else(|| CliError::Param(raw.clone()))?;
            given.insert(name.to_owned(), value.to_owned());
        }
        let get = |name: &str, default: &str| {
            given
                .get(name)
                .cloned()
                .unwrap_or_else(|| default.to_owned())
        };
        let partition = get("AWS::Partition", "aws");
        let region = get("AWS::Region", "us-east-1");
        let account = get("AWS::AccountId", "123456789012");
        let mut values = BTreeMap::new();
        let mut put = |name: &str, default: String| {
            values.insert(name.to_owned(), given.get(name).cloned().unwrap_or(default));
        };
        put("AWS::Partition", partition.clone());
        put("AWS::Region", region.clone());
        put("AWS::AccountId", account.clone());
        put("AWS::StackName", "tenant-vendor".into());
        put("AWS::URLSuffix", "amazonaws.com".into());
        put("TenantDataTable", "TenantData".into());
        put("TenantTable", "TenantTable".into());
        put("TenantBucket", "tenant-bucket".into());
        put("SiloTablePrefix", "tenant-silo".into());
        put(
            "VendorFunctionRoleArn",
            format!("arn:{partition}:iam::{account}:role/VendorFunctionRole"),
        );
        put(
            "TenantRoleArn",
            format!("arn:{partition}:iam::{account}:role/TenantRole"),
        );
        put("VendorFunctionLogGroup", "/aws/lambda/vendor-fn".into());
        for (name, value) in given {
            values.entry(name).or_insert(value);
        }
        Ok(Self { values })
    }

    /// A placeholder's value; every name `new` sets is present.
    pub(crate) fn get(&self, name: &str) -> &str {
        self.values.get(name).map_or("", String::as_str)
    }

    /// Replaces `${Name}` placeholders (not policy variables, which hold a
    /// single colon, nor `${!...}` escapes) in every string of `value`.
    fn fill(&self, value: &mut Value, path: &Path) -> Result<(), CliError> {
        match value {
            Value::String(text) => *text = self.fill_str(text, path)?,
            Value::Array(items) => {
                for item in items {
                    self.fill(item, path)?;
                }
            }
            Value::Object(map) => {
                for item in map.values_mut() {
                    self.fill(item, path)?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn fill_str(&self, text: &str, path: &Path) -> Result<String, CliError> {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let Some(end) = after.find('}') else {
                out.push_str(&rest[start..]);
                return Ok(out);
            };
            let name = &after[..end];
            if is_placeholder(name) {
                let value = self
                    .values
                    .get(name)
                    .ok_or_else(|| CliError::UnknownPlaceholder {
                        path: path.to_owned(),
                        name: name.to_owned(),
                    })?;
                out.push_str(value);
            } else {
                out.push_str(&rest[start..=start + 2 + end]);
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }
}

/// A CloudFormation placeholder: `Name` or `AWS::Name`; policy variables
/// (`aws:username`) and escapes (`*`, `!x`) are not.
pub(crate) fn is_placeholder(name: &str) -> bool {
    let simple = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_')
    };
    match name.split_once("::") {
        Some((a, b)) => simple(a) && simple(b),
        None => simple(name),
    }
}

/// Reads a policy file, fills placeholders and parses it. The name in
/// results is the file name.
pub(crate) fn load_policy(path: &Path, params: &Params) -> Result<(Policy, Value), CliError> {
    let text = std::fs::read_to_string(path).map_err(|source| CliError::Read {
        path: path.to_owned(),
        source,
    })?;
    let mut value: Value = serde_json::from_str(&text).map_err(|e| CliError::Json {
        path: path.to_owned(),
        reason: e.to_string(),
    })?;
    let raw = value.clone();
    params.fill(&mut value, path)?;
    let name = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    Ok((Policy::from_value(&name, &value)?, raw))
}

/// The documents the audit needs, by role.
#[derive(Debug)]
pub(crate) struct PolicySet {
    pub(crate) tenant_permissions: Policy,
    pub(crate) tenant_trust: Policy,
    pub(crate) session_read_only: Policy,
    /// Raw (unfilled) session policy, to check it has no placeholders.
    pub(crate) session_read_only_raw: Value,
    pub(crate) vendor_permissions: Option<Policy>,
}

pub(crate) const TENANT_PERMISSIONS: &str = "tenant-role-permissions.json";
pub(crate) const TENANT_TRUST: &str = "tenant-role-trust.json";
pub(crate) const SESSION_READ_ONLY: &str = "session-read-only.json";
pub(crate) const VENDOR_PERMISSIONS: &str = "vendor-fn-permissions.json";

impl PolicySet {
    pub(crate) fn load(dir: &Path, params: &Params) -> Result<Self, CliError> {
        let file = |name: &str| -> PathBuf { dir.join(name) };
        let (tenant_permissions, _) = load_policy(&file(TENANT_PERMISSIONS), params)?;
        let (tenant_trust, _) = load_policy(&file(TENANT_TRUST), params)?;
        let (session_read_only, session_read_only_raw) =
            load_policy(&file(SESSION_READ_ONLY), params)?;
        let vendor = file(VENDOR_PERMISSIONS);
        let vendor_permissions = if vendor.exists() {
            Some(load_policy(&vendor, params)?.0)
        } else {
            None
        };
        Ok(Self {
            tenant_permissions,
            tenant_trust,
            session_read_only,
            session_read_only_raw,
            vendor_permissions,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_placeholders_but_keeps_policy_variables_and_escapes() {
        let params = Params::new(&["TenantBucket=b".into()]).unwrap();
        let out = params
            .fill_str("arn:${AWS::Partition}:s3:::${TenantBucket}/${aws:PrincipalTag/api-key-id}/${!x}${*}", Path::new("p"))
            .unwrap();
        assert_eq!(
            out,
            "arn:aws:s3:::b/${aws:PrincipalTag/api-key-id}/${!x}${*}"
        );
    }

    #[test]
    fn unknown_placeholders_and_bad_params_are_errors() {
        let params = Params::new(&[]).unwrap();
        assert!(matches!(
            params.fill_str("${Nope}", Path::new("p")),
            Err(CliError::UnknownPlaceholder { .. })
        ));
        assert!(Params::new(&["novalue".into()]).is_err());
    }

    #[test]
    fn derived_arns_follow_the_account() {
        let params = Params::new(&["AWS::AccountId=111122223333".into()]).unwrap();
        assert_eq!(
            params.get("TenantRoleArn"),
            "arn:aws:iam::111122223333:role/TenantRole"
        );
    }
}
