//! What the tenant role reaches beyond its own policy: the indexes of the
//! tables it may query (`ISO027`) and the roles it could chain into
//! (`ISO028`). Both read the template (and the silo table layout of the
//! contract) rather than the policy documents alone.
//!
//! - `ISO027`: `dynamodb:LeadingKeys` on an index is the *index's*
//!   partition key. An index of the pooled table (or of a silo table)
//!   partitioned by another attribute lets a tenant query its own ID there
//!   and read other tenants' items, while every policy lint passes.
//! - `ISO028`: a trust policy that names the tenant role (or `*`) lets every
//!   tenant session assume that role with no identity-based permission
//!   (AWS's same-account rule), out of its partition.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use iam_eval::{Decision, Policy, Request, RequestContext, evaluate_trust, trust_names_principal};
use serde_json::Value;
use tenant_registry::{PARTITION_KEY, SESSION_TAG_KEY, SILO_TABLE_INDEXES, SecondaryIndex};

use super::{Finding, finding};

/// The account, partition and region the template's intrinsic functions
/// resolve to here: any consistent values do, the lints compare ARNs with
/// each other.
const ACCOUNT: &str = "123456789012";
const PARTITION: &str = "aws";
const REGION: &str = "us-east-1";

/// A tenant's session as the tenant role's trust decides it when chained:
/// its ARN and the keys it carries.
const TENANT: &str = "k1";

/// `ISO027` for the silo table tenantctl creates (the contract's
/// [`SILO_TABLE_INDEXES`]), and, with a template, `ISO027` for the tables
/// the tenant role reaches and `ISO028` for every role.
pub(super) fn run(template: Option<(&Path, &Value)>, out: &mut Vec<Finding>) {
    silo_index_lints(SILO_TABLE_INDEXES, out);
    if let Some((path, doc)) = template {
        let file = path.display().to_string();
        let resources = resources(doc);
        let tenant_role = tenant_role(&resources);
        if let Some(role) = &tenant_role {
            for table in tables_reached(&resources, role) {
                table_index_lints(&file, &table, &resources[table.as_str()], out);
            }
        }
        chaining_lints(
            &file,
            &resources,
            tenant_role.as_deref().unwrap_or("TenantRole"),
            out,
        );
    }
}

/// `ISO027` for the indexes tenantctl puts on a silo table.
pub(super) fn silo_index_lints(indexes: &[SecondaryIndex], out: &mut Vec<Finding>) {
    for index in indexes {
        if index.partition_key != PARTITION_KEY {
            out.push(finding(
                "ISO027",
                "silo table (tenant_registry::SILO_TABLE_INDEXES)",
                index.name,
                format!(
                    "index {} is partitioned by {}, not {PARTITION_KEY}: dynamodb:LeadingKeys on it is {} and a tenant querying its own ID there reads other tenants' items",
                    index.name, index.partition_key, index.partition_key
                ),
            ));
        }
    }
}

fn resources(doc: &Value) -> BTreeMap<String, Value> {
    doc["Resources"]
        .as_object()
        .map(|r| r.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default()
}

fn of_type<'a>(resources: &'a BTreeMap<String, Value>, kind: &str) -> Vec<&'a str> {
    resources
        .iter()
        .filter(|(_, r)| r["Type"] == kind)
        .map(|(name, _)| name.as_str())
        .collect()
}

/// The tenant role: the role holding the `tenant-role-permissions` policy
/// (the reviewed document's name), else one named `TenantRole`.
fn tenant_role(resources: &BTreeMap<String, Value>) -> Option<String> {
    let roles = of_type(resources, "AWS::IAM::Role");
    roles
        .iter()
        .find(|name| {
            resources[**name]["Properties"]["Policies"]
                .as_array()
                .is_some_and(|p| {
                    p.iter()
                        .any(|p| p["PolicyName"] == "tenant-role-permissions")
                })
        })
        .or_else(|| roles.iter().find(|name| **name == "TenantRole"))
        .map(|name| (*name).to_owned())
}

/// The DynamoDB tables of the template the tenant role's inline policies
/// name (`table/${Logical}` in a `Fn::Sub`, or a `Ref`).
fn tables_reached(resources: &BTreeMap<String, Value>, role: &str) -> BTreeSet<String> {
    let tables = of_type(resources, "AWS::DynamoDB::Table");
    let mut reached = BTreeSet::new();
    super::walk(
        &resources[role]["Properties"]["Policies"],
        "",
        &mut |_, node| {
            let text = match node {
                Value::Object(map) => match (map.get("Fn::Sub"), map.get("Ref")) {
                    (Some(Value::String(s)), _) => s.clone(),
                    (Some(Value::Array(items)), _) => items
                        .first()
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_owned(),
                    (_, Some(Value::String(r))) => format!("table/${{{r}}}"),
                    _ => return,
                },
                _ => return,
            };
            for table in &tables {
                if text.contains(&format!("table/${{{table}}}")) {
                    reached.insert((*table).to_owned());
                }
            }
        },
    );
    reached
}

/// `ISO027` for one table of the template: its own partition key and every
/// index's must be the tenant partition key.
fn table_index_lints(file: &str, table: &str, resource: &Value, out: &mut Vec<Finding>) {
    let properties = &resource["Properties"];
    let hash = |key_schema: &Value| {
        key_schema.as_array().and_then(|keys| {
            keys.iter()
                .find(|k| k["KeyType"] == "HASH")
                .and_then(|k| k["AttributeName"].as_str())
                .map(str::to_owned)
        })
    };
    match hash(&properties["KeySchema"]) {
        Some(key) if key == PARTITION_KEY => {}
        other => out.push(finding(
            "ISO027",
            file,
            &format!("/Resources/{table}/Properties/KeySchema"),
            format!(
                "table {table}, which the tenant role reaches, is partitioned by {}, not {PARTITION_KEY}",
                other.as_deref().unwrap_or("nothing readable")
            ),
        )),
    }
    for kind in ["GlobalSecondaryIndexes", "LocalSecondaryIndexes"] {
        for (i, index) in properties[kind]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
        {
            let name = index["IndexName"].as_str().unwrap_or("(unnamed)");
            match hash(&index["KeySchema"]) {
                Some(key) if key == PARTITION_KEY => {}
                other => out.push(finding(
                    "ISO027",
                    file,
                    &format!("/Resources/{table}/Properties/{kind}/{i}"),
                    format!(
                        "index {name} of {table} is partitioned by {}, not {PARTITION_KEY}: dynamodb:LeadingKeys on an index is the index's partition key, so a tenant querying its own ID there reads other tenants' items",
                        other.as_deref().unwrap_or("nothing readable")
                    ),
                )),
            }
        }
    }
}

/// `ISO028` for every role of the template.
fn chaining_lints(
    file: &str,
    resources: &BTreeMap<String, Value>,
    tenant_role: &str,
    out: &mut Vec<Finding>,
) {
    let roles = of_type(resources, "AWS::IAM::Role");
    let tenant_role_arn = role_arn(tenant_role);
    let session = format!("arn:{PARTITION}:sts::{ACCOUNT}:assumed-role/{tenant_role}/{TENANT}");
    for role in &roles {
        let location = format!("/Resources/{role}/Properties/AssumeRolePolicyDocument");
        let document = &resources[*role]["Properties"]["AssumeRolePolicyDocument"];
        // A stand-in template may leave a role's trust out: nothing to judge.
        if document.is_null() {
            continue;
        }
        let Some(resolved) = resolve(document, &roles) else {
            out.push(finding(
                "ISO028",
                file,
                &location,
                format!("the trust policy of {role} uses an intrinsic function the audit can't resolve: check by hand that tenant sessions can't assume it"),
            ));
            continue;
        };
        let Ok(trust) = Policy::from_value(&format!("{role} trust policy"), &resolved) else {
            out.push(finding(
                "ISO028",
                file,
                &location,
                format!("the trust policy of {role} does not parse as IAM JSON"),
            ));
            continue;
        };
        let context = RequestContext::new()
            .with("aws:PrincipalArn", tenant_role_arn.as_str())
            .with("aws:PrincipalAccount", ACCOUNT)
            .with("aws:PrincipalType", "AssumedRole")
            .with(&format!("aws:PrincipalTag/{SESSION_TAG_KEY}"), TENANT)
            .with("aws:SourceIdentity", TENANT)
            .with("sts:SourceIdentity", TENANT)
            .with("sts:RoleSessionName", "chained");
        let request = Request::new("sts:AssumeRole", role_arn(role))
            .with_principal(session.as_str())
            .with_context(context);
        if evaluate_trust(&request, &trust).decision == Decision::Allowed
            && trust_names_principal(&request, &trust)
        {
            out.push(finding(
                "ISO028",
                file,
                &location,
                format!(
                    "the trust policy of {role} lets sessions of {tenant_role} assume it with no identity-based permission (a same-account trust naming the role, or *): a tenant could chain out of its partition"
                ),
            ));
        }
    }
}

fn role_arn(role: &str) -> String {
    format!("arn:{PARTITION}:iam::{ACCOUNT}:role/{role}")
}

/// The document with the intrinsic functions a trust policy uses resolved
/// (`Fn::GetAtt [Role, Arn]`, `Ref`, `Fn::Sub` over pseudo parameters and
/// role ARNs); `None` for anything else.
fn resolve(value: &Value, roles: &[&str]) -> Option<Value> {
    match value {
        Value::Object(map)
            if map.len() == 1 && map.keys().all(|k| k.starts_with("Fn::") || k == "Ref") =>
        {
            let (function, argument) = map.iter().next()?;
            let text = match (function.as_str(), argument) {
                ("Fn::GetAtt", Value::Array(parts)) => {
                    let logical = parts.first()?.as_str()?;
                    (parts.get(1)?.as_str()? == "Arn" && roles.contains(&logical))
                        .then(|| role_arn(logical))?
                }
                ("Fn::GetAtt", Value::String(dotted)) => {
                    let logical = dotted.strip_suffix(".Arn")?;
                    roles.contains(&logical).then(|| role_arn(logical))?
                }
                ("Ref", Value::String(name)) => match name.as_str() {
                    "AWS::AccountId" => ACCOUNT.to_owned(),
                    "AWS::Partition" => PARTITION.to_owned(),
                    "AWS::Region" => REGION.to_owned(),
                    other => other.to_owned(),
                },
                ("Fn::Sub", Value::String(template)) => {
                    let mut values: BTreeMap<String, String> = BTreeMap::from([
                        ("AWS::AccountId".to_owned(), ACCOUNT.to_owned()),
                        ("AWS::Partition".to_owned(), PARTITION.to_owned()),
                        ("AWS::Region".to_owned(), REGION.to_owned()),
                    ]);
                    for role in roles {
                        values.insert(format!("{role}.Arn"), role_arn(role));
                        values.insert((*role).to_owned(), (*role).to_owned());
                    }
                    // Fn::Sub writes a literal ${x} as ${!x}; IAM then sees ${x}.
                    crate::placeholders::fill(template, &values)
                        .ok()?
                        .replace("${!", "${")
                }
                _ => return None,
            };
            Some(Value::String(text))
        }
        Value::Object(map) => Some(Value::Object(
            map.iter()
                .map(|(k, v)| Some((k.clone(), resolve(v, roles)?)))
                .collect::<Option<_>>()?,
        )),
        Value::Array(items) => Some(Value::Array(
            items
                .iter()
                .map(|v| resolve(v, roles))
                .collect::<Option<_>>()?,
        )),
        other => Some(other.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template(yaml: &str) -> Value {
        let value: serde_yaml_ng::Value = serde_yaml_ng::from_str(yaml).unwrap();
        serde_json::to_value(value).unwrap()
    }

    fn findings(yaml: &str) -> Vec<Finding> {
        let mut out = Vec::new();
        run(
            Some((Path::new("template.yaml"), &template(yaml))),
            &mut out,
        );
        out
    }

    const TENANT_ROLE: &str = r"
  TenantRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal: { AWS: { 'Fn::GetAtt': [VendorFunctionRole, Arn] } }
            Action: sts:AssumeRole
      Policies:
        - PolicyName: tenant-role-permissions
          PolicyDocument:
            Statement:
              - Effect: Allow
                Action: dynamodb:Query
                Resource:
                  - 'Fn::Sub': 'arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${TenantDataTable}'
                  - 'Fn::Sub': 'arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${TenantDataTable}/index/*'
  VendorFunctionRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Principal: { Service: lambda.amazonaws.com }
            Action: sts:AssumeRole
";

    fn with_data_table(index_hash: &str) -> String {
        format!(
            "Resources:{TENANT_ROLE}
  TenantDataTable:
    Type: AWS::DynamoDB::Table
    Properties:
      KeySchema: [{{ AttributeName: pk, KeyType: HASH }}, {{ AttributeName: sk, KeyType: RANGE }}]
      GlobalSecondaryIndexes:
        - IndexName: byOwner
          KeySchema: [{{ AttributeName: {index_hash}, KeyType: HASH }}]
  TenantTable:
    Type: AWS::DynamoDB::Table
    Properties:
      KeySchema: [{{ AttributeName: apiKeyId, KeyType: HASH }}]
      GlobalSecondaryIndexes:
        - IndexName: byApiKeySha256
          KeySchema: [{{ AttributeName: apiKeySha256, KeyType: HASH }}]
"
        )
    }

    #[test]
    fn an_index_of_a_reachable_table_partitioned_by_another_attribute_is_a_violation() {
        let found = findings(&with_data_table("owner"));
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(found[0].id, "ISO027");
        assert!(found[0].message.contains("byOwner"), "{}", found[0].message);
        assert!(found[0].location.contains("TenantDataTable"));
    }

    #[test]
    fn indexes_on_the_tenant_key_and_tables_the_tenant_role_does_not_reach_pass() {
        // The registry's index by key hash is the vendor's, not the tenants'.
        assert!(findings(&with_data_table("pk")).is_empty());
    }

    #[test]
    fn a_silo_index_partitioned_by_another_attribute_is_a_violation() {
        let mut out = Vec::new();
        silo_index_lints(
            &[SecondaryIndex {
                name: "byOwner",
                partition_key: "owner",
                sort_key: None,
            }],
            &mut out,
        );
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].id, "ISO027");
        let mut none = Vec::new();
        silo_index_lints(SILO_TABLE_INDEXES, &mut none);
        assert!(none.is_empty(), "the contract's silo indexes pass");
    }

    fn with_role(principal: &str) -> String {
        format!(
            "Resources:{TENANT_ROLE}
  ReportsRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {{ AWS: {principal} }}
            Action: sts:AssumeRole
"
        )
    }

    #[test]
    fn a_role_trusting_the_tenant_role_or_anyone_is_a_violation() {
        for principal in [
            "{ 'Fn::GetAtt': [TenantRole, Arn] }",
            "{ 'Fn::Sub': '${TenantRole.Arn}' }",
            "{ 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/TenantRole' }",
            "'*'",
        ] {
            let found = findings(&with_role(principal));
            assert_eq!(found.len(), 1, "{principal}: {found:#?}");
            assert_eq!(found[0].id, "ISO028");
            assert!(found[0].location.contains("ReportsRole"));
        }
    }

    #[test]
    fn a_role_trusting_the_vendor_or_the_account_passes() {
        // The account defers to identity policies; the tenant role has none
        // for STS (ISO010 holds it to that).
        for principal in [
            "{ 'Fn::GetAtt': [VendorFunctionRole, Arn] }",
            "{ 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root' }",
        ] {
            assert!(findings(&with_role(principal)).is_empty(), "{principal}");
        }
    }

    #[test]
    fn an_unresolvable_trust_is_reported_not_passed() {
        let found = findings(&with_role("{ 'Fn::ImportValue': 'shared-role-arn' }"));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].id, "ISO028");
        assert!(found[0].message.contains("by hand"));
    }
}
