//! Reading the audit's inputs: the policy documents with their placeholders
//! filled in, by role, and the template as JSON.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use iam_eval::Policy;
use serde_json::Value;

use crate::error::AuditError;
use crate::placeholders::{self, PlaceholderValues};

/// Example values for the template's placeholders, overridable by `--param`.
///
/// The audit needs concrete names (an account, a bucket, role ARNs) to build
/// requests; these stand in for a deployment's. Every placeholder
/// `policies/README.md` documents has a value, plus `AWS::StackName` and
/// `AWS::URLSuffix`.
#[derive(Debug, Clone)]
pub struct Params {
    values: BTreeMap<String, String>,
}

impl Params {
    /// The defaults, then `overrides` (`Name=Value`), then values derived
    /// from partition, region and account unless given explicitly: with
    /// `AWS::AccountId=111122223333`, `TenantRoleArn` is
    /// `arn:aws:iam::111122223333:role/TenantRole`.
    ///
    /// # Errors
    /// [`AuditError::Param`] for an override that is not `Name=Value`.
    pub fn new(overrides: &[String]) -> Result<Self, AuditError> {
        let mut given = BTreeMap::new();
        for raw in overrides {
            let (name, value) = raw
                .split_once('=')
                .filter(|(n, _)| !n.is_empty())
                .ok_or_else(|| AuditError::Param(raw.clone()))?;
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
        put(
            "VendorFunctionArn",
            format!("arn:{partition}:lambda:{region}:{account}:function:tenant-vendor-vendor-fn"),
        );
        put(
            "KeyAuthorizerLogGroup",
            "/aws/lambda/tenant-vendor-key-authorizer".into(),
        );
        for (name, value) in given {
            values.entry(name).or_insert(value);
        }
        Ok(Self { values })
    }

    /// A placeholder's value, or `""` for a name it has none for (every
    /// name [`Params::new`] sets is present).
    pub fn get(&self, name: &str) -> &str {
        self.values.get(name).map_or("", String::as_str)
    }
}

/// The example values (and overrides) for [`placeholders::fill`].
impl PlaceholderValues for Params {
    fn value(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }
}

/// Reads a policy file, fills placeholders and parses it: the policy (named
/// by its file name, as evaluation results show it) and the document as
/// written.
///
/// # Errors
/// [`AuditError`] when the file can't be read, is not JSON, holds a
/// placeholder without a value (naming the file) or is not an IAM policy.
pub fn load_policy(
    path: &Path,
    values: &dyn PlaceholderValues,
) -> Result<(Policy, Value), AuditError> {
    let text = std::fs::read_to_string(path).map_err(|source| AuditError::Read {
        path: path.to_owned(),
        source,
    })?;
    let value: Value = serde_json::from_str(&text).map_err(|e| AuditError::Json {
        path: path.to_owned(),
        reason: e.to_string(),
    })?;
    let name = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let policy = parse_policy(&name, &value, values).map_err(|e| e.in_file(path))?;
    Ok((policy, value))
}

/// Fills the placeholders of a policy document as written and parses it,
/// named `name`: for documents that are not (or no longer) files, such as a
/// test's mutated copy.
///
/// # Errors
/// [`AuditError`] for a placeholder without a value or a document that is
/// not an IAM policy.
pub fn parse_policy(
    name: &str,
    raw: &Value,
    values: &dyn PlaceholderValues,
) -> Result<Policy, AuditError> {
    let mut filled = raw.clone();
    placeholders::fill_json(&mut filled, values)?;
    Ok(Policy::from_value(name, &filled)?)
}

/// The documents the audit needs, by role, filled and parsed.
#[derive(Debug, Clone)]
pub struct PolicySet {
    /// The tenant role's permissions ([`TENANT_PERMISSIONS`]).
    pub tenant_permissions: Policy,
    /// The tenant role's trust policy ([`TENANT_TRUST`]).
    pub tenant_trust: Policy,
    /// The read-only session policy ([`SESSION_READ_ONLY`]).
    pub session_read_only: Policy,
    /// The session policy as written (unfilled): vendor-fn sends it
    /// verbatim, so it must hold no placeholders.
    pub session_read_only_raw: Value,
    /// The vendor function's permissions ([`VENDOR_PERMISSIONS`]), when the
    /// directory has them; without, the vendor checks are left out.
    pub vendor_permissions: Option<Policy>,
}

/// File name of the tenant role's permissions.
pub const TENANT_PERMISSIONS: &str = "tenant-role-permissions.json";
/// File name of the tenant role's trust policy.
pub const TENANT_TRUST: &str = "tenant-role-trust.json";
/// File name of the read-only session policy.
pub const SESSION_READ_ONLY: &str = "session-read-only.json";
/// File name of the vendor function's permissions (optional).
pub const VENDOR_PERMISSIONS: &str = "vendor-fn-permissions.json";

impl PolicySet {
    /// Loads the documents from `dir` (see [`load_policy`]).
    ///
    /// # Errors
    /// [`AuditError`] when a required file is missing or any file is
    /// unusable.
    pub fn load(dir: &Path, values: &dyn PlaceholderValues) -> Result<Self, AuditError> {
        let file = |name: &str| -> PathBuf { dir.join(name) };
        let (tenant_permissions, _) = load_policy(&file(TENANT_PERMISSIONS), values)?;
        let (tenant_trust, _) = load_policy(&file(TENANT_TRUST), values)?;
        let (session_read_only, session_read_only_raw) =
            load_policy(&file(SESSION_READ_ONLY), values)?;
        let vendor = file(VENDOR_PERMISSIONS);
        let vendor_permissions = if vendor.exists() {
            Some(load_policy(&vendor, values)?.0)
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

/// Reads the SAM template as JSON, short-form tags (`!Sub x`) turned into
/// their long form (`{"Fn::Sub": x}`) so lints see one shape.
///
/// # Errors
/// [`AuditError::Read`] or [`AuditError::Yaml`].
pub fn read_template(path: &Path) -> Result<Value, AuditError> {
    let text = std::fs::read_to_string(path).map_err(|source| AuditError::Read {
        path: path.to_owned(),
        source,
    })?;
    let yaml: serde_yaml_ng::Value =
        serde_yaml_ng::from_str(&text).map_err(|e| AuditError::Yaml {
            path: path.to_owned(),
            reason: e.to_string(),
        })?;
    Ok(yaml_to_json(yaml))
}

/// Converts YAML to JSON, turning short-form tags (`!Sub x`) into their
/// long form (`{"Fn::Sub": x}`) so lints see one shape.
fn yaml_to_json(value: serde_yaml_ng::Value) -> Value {
    use serde_yaml_ng::Value as Y;
    match value {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => serde_json::to_value(&n).unwrap_or(Value::Null),
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => Value::Array(items.into_iter().map(yaml_to_json).collect()),
        Y::Mapping(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| {
                    let key = match k {
                        Y::String(s) => s,
                        other => serde_yaml_ng::to_string(&other)
                            .unwrap_or_default()
                            .trim()
                            .to_owned(),
                    };
                    (key, yaml_to_json(v))
                })
                .collect(),
        ),
        Y::Tagged(tagged) => {
            let tag = tagged.tag.to_string();
            let name = tag.trim_start_matches('!');
            let key = if name == "Ref" || name == "Condition" {
                name.to_owned()
            } else {
                format!("Fn::{name}")
            };
            let mut map = serde_json::Map::new();
            map.insert(key, yaml_to_json(tagged.value));
            Value::Object(map)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_fill_placeholders_but_keep_policy_variables_and_escapes() {
        let params = Params::new(&["TenantBucket=b".into()]).unwrap();
        let out = placeholders::fill(
            "arn:${AWS::Partition}:s3:::${TenantBucket}/${aws:PrincipalTag/api-key-id}/${!x}${*}",
            &params,
        )
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
            placeholders::fill("${Nope}", &params),
            Err(AuditError::UnknownPlaceholder { .. })
        ));
        assert!(matches!(
            Params::new(&["novalue".into()]),
            Err(AuditError::Param(_))
        ));
        assert!(Params::new(&["=value".into()]).is_err());
    }

    #[test]
    fn derived_arns_follow_the_account() {
        let params = Params::new(&["AWS::AccountId=111122223333".into()]).unwrap();
        assert_eq!(
            params.get("TenantRoleArn"),
            "arn:aws:iam::111122223333:role/TenantRole"
        );
    }

    #[test]
    fn an_unknown_placeholder_in_a_file_names_the_file() {
        let dir =
            std::env::temp_dir().join(format!("isolation-audit-inputs-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("p.json");
        std::fs::write(
            &path,
            r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"${Unknown}"}]}"#,
        )
        .unwrap();
        let err = load_policy(&path, &Params::new(&[]).unwrap()).unwrap_err();
        assert!(
            matches!(&err, AuditError::UnknownPlaceholder { path: Some(p), name } if *p == path && name == "Unknown"),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            format!("{}: no value for placeholder ${{Unknown}}", path.display())
        );
    }
}
