//! Creates in moto what template.yaml deploys, from the same files.
//!
//! Tables take their key schema from template.yaml; roles take their trust
//! and permission documents from policies/ (identical to the template's, a
//! system test checks that) with the `${Name}` placeholders filled with this
//! deployment's names. `${aws:…}` policy variables stay for IAM to resolve.

use std::collections::HashMap;
use std::path::Path;

use bytes::Bytes;
use http::Method;
use serde_json::{Value, json};

use crate::account::{ACCOUNT_ID, PARTITION, REGION};
use crate::error::GatewayError;
use crate::moto::MotoClient;

/// Names of the resources the gateway deploys, as a stack would name them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deployment {
    /// The tenant registry table (`TENANT_TABLE`, partition key `apiKeyId`).
    pub tenant_table: String,
    /// The pooled data table (`DATA_TABLE`, keys `pk`/`sk`).
    pub data_table: String,
    /// A global secondary index of the data table whose partition key is
    /// also `pk` (the tenant), sort key `gsi1sk`. template.yaml declares no
    /// index; the gateway adds this one so index access is tested.
    pub data_index: String,
    /// The pooled bucket (`DATA_BUCKET`).
    pub bucket: String,
    /// `SiloTablePrefix` (the template parameter's default).
    pub silo_table_prefix: String,
    /// The tenant role's name.
    pub tenant_role: String,
    /// The vendor function's execution role's name.
    pub vendor_role: String,
    /// The session name of the vendor role's credentials (the function's name).
    pub vendor_session_name: String,
    /// The vendor function's log group.
    pub vendor_log_group: String,
    /// The key authorizer function's name.
    pub authorizer_function: String,
    /// The key authorizer's execution role.
    pub authorizer_role: String,
    /// The key authorizer's log group.
    pub authorizer_log_group: String,
    /// The operator's role (not in template.yaml: on AWS the operator
    /// brings their own credentials). Allowed everything, like an
    /// administrator; `tenantctl` and the AWS CLI act with its sessions
    /// through the gateway (`state.json`'s `operatorEnv`).
    pub operator_role: String,
}

impl Default for Deployment {
    fn default() -> Self {
        Self {
            tenant_table: "TenantTable".into(),
            data_table: "TenantDataTable".into(),
            data_index: "byTenant".into(),
            bucket: "tenant-bucket".into(),
            silo_table_prefix: "tenant-silo".into(),
            tenant_role: "TenantRole".into(),
            vendor_role: "VendorFunctionRole".into(),
            vendor_session_name: "VendorFunction".into(),
            vendor_log_group: "/aws/lambda/VendorFunction".into(),
            authorizer_function: "KeyAuthorizerFunction".into(),
            authorizer_role: "KeyAuthorizerRole".into(),
            authorizer_log_group: "/aws/lambda/KeyAuthorizerFunction".into(),
            operator_role: "SandboxOperator".into(),
        }
    }
}

impl Deployment {
    /// `arn:aws:iam::<account>:role/<name>`.
    pub fn role_arn(name: &str) -> String {
        format!("arn:{PARTITION}:iam::{ACCOUNT_ID}:role/{name}")
    }

    /// The tenant role's ARN (`TENANT_ROLE_ARN`).
    pub fn tenant_role_arn(&self) -> String {
        Self::role_arn(&self.tenant_role)
    }

    /// The vendor role's ARN, the trust policy's only principal.
    pub fn vendor_role_arn(&self) -> String {
        Self::role_arn(&self.vendor_role)
    }

    /// `arn:aws:lambda:<region>:<account>:function:<name>`.
    pub fn function_arn(name: &str) -> String {
        format!("arn:{PARTITION}:lambda:{REGION}:{ACCOUNT_ID}:function:{name}")
    }

    /// The vendor function's ARN: its code's credentials carry it as
    /// `lambda:SourceFunctionArn` (`${VendorFunctionArn}`).
    pub fn vendor_function_arn(&self) -> String {
        Self::function_arn(&self.vendor_session_name)
    }

    /// The key authorizer function's ARN.
    pub fn authorizer_function_arn(&self) -> String {
        Self::function_arn(&self.authorizer_function)
    }

    /// Values of the `${Name}` placeholders in policies/.
    pub fn placeholders(&self) -> HashMap<&'static str, String> {
        HashMap::from([
            ("AWS::Partition", PARTITION.to_owned()),
            ("AWS::Region", REGION.to_owned()),
            ("AWS::AccountId", ACCOUNT_ID.to_owned()),
            ("TenantTable", self.tenant_table.clone()),
            ("TenantDataTable", self.data_table.clone()),
            ("TenantBucket", self.bucket.clone()),
            ("SiloTablePrefix", self.silo_table_prefix.clone()),
            ("TenantRoleArn", self.tenant_role_arn()),
            ("VendorFunctionRoleArn", self.vendor_role_arn()),
            ("VendorFunctionLogGroup", self.vendor_log_group.clone()),
            ("VendorFunctionArn", self.vendor_function_arn()),
            ("KeyAuthorizerLogGroup", self.authorizer_log_group.clone()),
        ])
    }
}

/// Replaces `${Name}` with its value, as the audit fills the same files
/// ([`isolation_audit::placeholders::fill`]: `${aws:…}` policy variables and
/// `${!…}` escapes stay).
///
/// # Errors
/// [`GatewayError::Bootstrap`] naming a placeholder that has no value (or an
/// unterminated `${`), so a new placeholder in policies/ can't slip through
/// unfilled.
pub fn fill_placeholders<S: std::hash::BuildHasher>(
    text: &str,
    values: &HashMap<&'static str, String, S>,
) -> Result<String, GatewayError> {
    isolation_audit::placeholders::fill(text, values)
        .map_err(|e| GatewayError::Bootstrap(e.to_string()))
}

/// Reads and fills `policies/<file>`.
///
/// # Errors
/// [`GatewayError::Bootstrap`] when it can't be read or filled.
pub fn policy_document(
    root: &Path,
    file: &str,
    deployment: &Deployment,
) -> Result<String, GatewayError> {
    let path = root.join("policies").join(file);
    let text = std::fs::read_to_string(&path)
        .map_err(|e| GatewayError::Bootstrap(format!("reading {}: {e}", path.display())))?;
    fill_placeholders(&text, &deployment.placeholders())
}

/// The parts of template.yaml the gateway mirrors.
#[derive(Debug, Clone)]
struct Template {
    resources: Value,
}

impl Template {
    fn read(root: &Path) -> Result<Self, GatewayError> {
        let path = root.join("template.yaml");
        let text = std::fs::read_to_string(&path)
            .map_err(|e| GatewayError::Bootstrap(format!("reading {}: {e}", path.display())))?;
        let yaml: serde_yaml_ng::Value = serde_yaml_ng::from_str(&text)
            .map_err(|e| GatewayError::Bootstrap(format!("template.yaml: {e}")))?;
        let json = serde_json::to_value(yaml)
            .map_err(|e| GatewayError::Bootstrap(format!("template.yaml: {e}")))?;
        Ok(Self {
            resources: json["Resources"].clone(),
        })
    }

    fn properties(&self, logical_id: &str) -> Result<&Value, GatewayError> {
        let properties = &self.resources[logical_id]["Properties"];
        if properties.is_object() {
            Ok(properties)
        } else {
            Err(GatewayError::Bootstrap(format!(
                "template.yaml has no {logical_id}"
            )))
        }
    }

    fn table(&self, logical_id: &str, name: &str) -> Result<Value, GatewayError> {
        let p = self.properties(logical_id)?;
        let mut table = json!({
            "TableName": name,
            "AttributeDefinitions": p["AttributeDefinitions"],
            "KeySchema": p["KeySchema"],
            "BillingMode": "PAY_PER_REQUEST",
        });
        // The registry's index on apiKeySha256, which the key authorizer queries.
        if p["GlobalSecondaryIndexes"].is_array() {
            table["GlobalSecondaryIndexes"] = p["GlobalSecondaryIndexes"].clone();
        }
        Ok(table)
    }
}

/// Creates the tables, bucket and roles in a fresh moto.
///
/// # Errors
/// [`GatewayError`] when a file can't be read or moto refuses a call.
pub async fn bootstrap(
    moto: &MotoClient,
    root: &Path,
    deployment: &Deployment,
) -> Result<(), GatewayError> {
    let template = Template::read(root)?;

    moto.dynamodb(
        "CreateTable",
        &template.table("TenantTable", &deployment.tenant_table)?,
    )
    .await?;

    let mut data = template.table("TenantDataTable", &deployment.data_table)?;
    if let Some(defs) = data["AttributeDefinitions"].as_array_mut() {
        defs.push(json!({"AttributeName": "gsi1sk", "AttributeType": "S"}));
    }
    let partition_key = data["KeySchema"]
        .as_array()
        .and_then(|k| k.iter().find(|e| e["KeyType"] == "HASH"))
        .and_then(|e| e["AttributeName"].as_str())
        .ok_or_else(|| GatewayError::Bootstrap("TenantDataTable has no HASH key".into()))?
        .to_owned();
    data["GlobalSecondaryIndexes"] = json!([{
        "IndexName": deployment.data_index,
        "KeySchema": [
            {"AttributeName": partition_key, "KeyType": "HASH"},
            {"AttributeName": "gsi1sk", "KeyType": "RANGE"}
        ],
        "Projection": {"ProjectionType": "ALL"}
    }]);
    moto.dynamodb("CreateTable", &data).await?;

    moto.s3(
        &Method::PUT,
        &format!("/{}", deployment.bucket),
        Bytes::new(),
    )
    .await?;

    let vendor_trust = serde_json::to_string(
        &template.properties("VendorFunctionRole")?["AssumeRolePolicyDocument"],
    )
    .map_err(|e| GatewayError::Bootstrap(e.to_string()))?;
    moto.iam(
        "CreateRole",
        &[
            ("RoleName", &deployment.vendor_role),
            ("AssumeRolePolicyDocument", &vendor_trust),
        ],
    )
    .await?;
    let vendor_permissions = policy_document(root, "vendor-fn-permissions.json", deployment)?;
    moto.iam(
        "PutRolePolicy",
        &[
            ("RoleName", &deployment.vendor_role),
            ("PolicyName", "vendor-fn-permissions"),
            ("PolicyDocument", &vendor_permissions),
        ],
    )
    .await?;

    let tenant_role = template.properties("TenantRole")?;
    let max_session = tenant_role["MaxSessionDuration"]
        .as_u64()
        .unwrap_or(3600)
        .to_string();
    let trust = policy_document(root, "tenant-role-trust.json", deployment)?;
    moto.iam(
        "CreateRole",
        &[
            ("RoleName", &deployment.tenant_role),
            ("AssumeRolePolicyDocument", &trust),
            ("MaxSessionDuration", &max_session),
        ],
    )
    .await?;
    let permissions = policy_document(root, "tenant-role-permissions.json", deployment)?;
    moto.iam(
        "PutRolePolicy",
        &[
            ("RoleName", &deployment.tenant_role),
            ("PolicyName", "tenant-role-permissions"),
            ("PolicyDocument", &permissions),
        ],
    )
    .await?;
    create_function_role(
        moto,
        root,
        deployment,
        &template,
        "KeyAuthorizerRole",
        &deployment.authorizer_role,
        "key-authorizer-permissions",
    )
    .await?;
    create_operator_role(moto, deployment).await
}

/// A function's execution role, with its trust policy from template.yaml
/// and its permissions from `policies/<policy_name>.json`.
async fn create_function_role(
    moto: &MotoClient,
    root: &Path,
    deployment: &Deployment,
    template: &Template,
    logical_id: &str,
    role_name: &str,
    policy_name: &str,
) -> Result<(), GatewayError> {
    let trust =
        serde_json::to_string(&template.properties(logical_id)?["AssumeRolePolicyDocument"])
            .map_err(|e| GatewayError::Bootstrap(e.to_string()))?;
    moto.iam(
        "CreateRole",
        &[
            ("RoleName", role_name),
            ("AssumeRolePolicyDocument", &trust),
        ],
    )
    .await?;
    let permissions = policy_document(root, &format!("{policy_name}.json"), deployment)?;
    moto.iam(
        "PutRolePolicy",
        &[
            ("RoleName", role_name),
            ("PolicyName", policy_name),
            ("PolicyDocument", &permissions),
        ],
    )
    .await?;
    Ok(())
}

/// The operator's role: trusted by nobody (its sessions are handed out
/// directly), allowed everything.
async fn create_operator_role(
    moto: &MotoClient,
    deployment: &Deployment,
) -> Result<(), GatewayError> {
    // A service principal no local caller can be: the operator's sessions
    // are handed out directly, never assumed.
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"operator.sandbox.invalid"},"Action":"sts:AssumeRole"}]}"#;
    moto.iam(
        "CreateRole",
        &[
            ("RoleName", &deployment.operator_role),
            ("AssumeRolePolicyDocument", trust),
        ],
    )
    .await?;
    moto.iam(
        "PutRolePolicy",
        &[
            ("RoleName", &deployment.operator_role),
            ("PolicyName", "administrator"),
            (
                "PolicyDocument",
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
            ),
        ],
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_names_and_keeps_policy_variables() {
        let values = Deployment::default().placeholders();
        let filled = fill_placeholders(
            "arn:${AWS::Partition}:s3:::${TenantBucket}/${aws:PrincipalTag/api-key-id}/*",
            &values,
        )
        .expect("fills");
        assert_eq!(
            filled,
            "arn:aws:s3:::tenant-bucket/${aws:PrincipalTag/api-key-id}/*"
        );
    }

    #[test]
    fn an_unknown_placeholder_is_an_error() {
        let values = Deployment::default().placeholders();
        assert!(fill_placeholders("${Nope}", &values).is_err());
        assert!(fill_placeholders("${TenantTable", &values).is_err());
    }

    #[test]
    fn every_policy_file_fills_and_parses() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let deployment = Deployment::default();
        for file in [
            "tenant-role-trust.json",
            "tenant-role-permissions.json",
            "vendor-fn-permissions.json",
            "session-read-only.json",
            "key-authorizer-permissions.json",
        ] {
            let text = policy_document(&root, file, &deployment).expect("fills");
            iam_eval::Policy::parse(file, &text).expect("parses");
        }
    }
}
