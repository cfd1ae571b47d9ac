//! The DynamoDB gateway (JSON protocol, `X-Amz-Target`).
//!
//! Each operation becomes the IAM checks AWS makes for it: one per table
//! for batches, one per item action for transactions (with
//! `dynamodb:EnclosingOperation`), `dynamodb:LeadingKeys` from every key or
//! item (Query: from the key condition, for the table or the index). Scan
//! carries no leading keys. PartiQL statements map to the PartiQL actions
//! with the partition key from the WHERE clause (or INSERT value) and
//! `dynamodb:FullTableScan` for SELECT ([`crate::partiql`]). Anything the
//! gateway can't map with certainty (unknown shapes, binary partition keys,
//! tables it can't describe) is refused with AccessDeniedException and
//! never reaches moto.
//!
//! [`DynamoDb`] is this mapping and DynamoDB's error format for the
//! [`pipeline`](crate::pipeline); an allowed request is forwarded to moto
//! as it came.

use std::collections::HashMap;
use std::sync::Mutex;

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, Response, StatusCode};
use http_body_util::Full;
use serde_json::{Map, Value, json};

use crate::account::{ACCOUNT_ID, PARTITION, REGION};
use crate::auth::AuthFailure;
use crate::authz::Check;
use crate::key_condition::partition_value_placeholder;
use crate::moto::{MotoClient, relay};
use crate::partiql;
use crate::pipeline::{
    AwsService, Head, HttpResponse, MAX_BODY_BYTES, Mapped, Refusal, Unmappable,
};
use crate::sessions::RoleSession;
use crate::sigv4::Service;
use crate::state::State;
use crate::strict_json;

const TARGET_PREFIX: &str = "DynamoDB_20120810.";
const ACCESS_DENIED: &str = "com.amazon.coral.service#AccessDeniedException";

/// A DynamoDB error: `{"__type": "<namespace>#<Code>", "message": "…"}`.
fn error_response(status: StatusCode, kind: &str, message: &str, request_id: &str) -> HttpResponse {
    // AccessDeniedException spells its message key with a capital M.
    let body = if kind.ends_with("#AccessDeniedException") {
        json!({"__type": kind, "Message": message})
    } else {
        json!({"__type": kind, "message": message})
    };
    let mut response = Response::new(Full::new(Bytes::from(body.to_string())));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        "content-type",
        http::HeaderValue::from_static("application/x-amz-json-1.0"),
    );
    if let Ok(id) = http::HeaderValue::from_str(request_id) {
        headers.insert("x-amzn-requestid", id);
    }
    response
}

/// The error for a request that could not be authenticated.
fn auth_error(failure: &AuthFailure) -> (StatusCode, &'static str, String) {
    let (kind, message) = match failure {
        AuthFailure::Missing => (
            "com.amazon.coral.service#MissingAuthenticationTokenException",
            "Request is missing Authentication Token".to_owned(),
        ),
        AuthFailure::Malformed => (
            "com.amazon.coral.service#IncompleteSignatureException",
            "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters.".to_owned(),
        ),
        AuthFailure::UnknownKey => (
            "com.amazon.coral.service#UnrecognizedClientException",
            "The security token included in the request is invalid.".to_owned(),
        ),
        AuthFailure::Expired => (
            "com.amazon.coral.service#ExpiredTokenException",
            "The security token included in the request is expired".to_owned(),
        ),
        AuthFailure::Signature(problem) => ("com.amazon.coral.service#InvalidSignatureException", problem.to_string()),
    };
    (StatusCode::BAD_REQUEST, kind, message)
}

/// Partition key names of a table and its indexes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableSchema {
    /// The table's partition (HASH) key attribute.
    pub hash_key: String,
    /// Each index's partition key attribute, by index name.
    pub indexes: HashMap<String, String>,
}

/// Table schemas read from moto. Key schemas never change; an index
/// missing here is looked up again.
#[derive(Debug, Default)]
pub struct SchemaCache {
    tables: Mutex<HashMap<String, TableSchema>>,
}

impl SchemaCache {
    async fn get(
        &self,
        moto: &MotoClient,
        table: &str,
        index: Option<&str>,
    ) -> Option<TableSchema> {
        let cached = self
            .tables
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(table)
            .cloned();
        if let Some(schema) = cached
            && index.is_none_or(|i| schema.indexes.contains_key(i))
        {
            return Some(schema);
        }
        let described = moto
            .dynamodb("DescribeTable", &json!({"TableName": table}))
            .await
            .ok()?;
        let schema = schema_of(&described["Table"])?;
        self.tables
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(table.to_owned(), schema.clone());
        Some(schema)
    }
}

fn hash_of(key_schema: &Value) -> Option<String> {
    key_schema
        .as_array()?
        .iter()
        .find(|k| k["KeyType"] == "HASH")?["AttributeName"]
        .as_str()
        .map(str::to_owned)
}

fn schema_of(table: &Value) -> Option<TableSchema> {
    let hash_key = hash_of(&table["KeySchema"])?;
    let mut indexes = HashMap::new();
    for kind in ["GlobalSecondaryIndexes", "LocalSecondaryIndexes"] {
        for index in table[kind].as_array().into_iter().flatten() {
            let name = index["IndexName"].as_str()?;
            indexes.insert(name.to_owned(), hash_of(&index["KeySchema"])?);
        }
    }
    Some(TableSchema { hash_key, indexes })
}

/// Why a request can't be mapped with certainty (goes into the refusal message).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Uncertain(String);

fn unmappable(why: impl Into<String>) -> Uncertain {
    Uncertain(why.into())
}

/// The table ARN for a `TableName` (a name, or an ARN of this account and region).
fn table_arn(table: &str) -> Result<(String, String), Uncertain> {
    let prefix = format!("arn:{PARTITION}:dynamodb:{REGION}:{ACCOUNT_ID}:table/");
    let name = if let Some(name) = table.strip_prefix(&prefix) {
        name
    } else if table.starts_with("arn:") {
        return Err(unmappable("a table ARN outside this account and region"));
    } else {
        table
    };
    let valid = (3..=255).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b));
    if valid {
        Ok((name.to_owned(), format!("{prefix}{name}")))
    } else {
        Err(unmappable("an invalid table name"))
    }
}

fn table_name_of(request: &Value) -> Result<(String, String), Uncertain> {
    let table = request["TableName"]
        .as_str()
        .ok_or_else(|| unmappable("no TableName"))?;
    table_arn(table)
}

/// The string IAM compares for a key attribute value (`S` or `N`).
fn leading_key(attributes: &Value, hash_key: &str) -> Result<String, Uncertain> {
    let value = attributes
        .get(hash_key)
        .and_then(Value::as_object)
        .ok_or_else(|| unmappable(format!("no value for the partition key {hash_key}")))?;
    if value.len() != 1 {
        return Err(unmappable("a key value must have exactly one type"));
    }
    match (value.get("S"), value.get("N")) {
        (Some(Value::String(s)), None) | (None, Some(Value::String(s))) => Ok(s.clone()),
        _ => Err(unmappable("a partition key that is neither S nor N")),
    }
}

/// A check whose context carries `dynamodb:LeadingKeys` (and optional extras).
fn keyed(action: &str, resource: &str, keys: Vec<String>) -> Check {
    let mut check = Check::new(format!("dynamodb:{action}"), resource);
    check.context.set_multi("dynamodb:LeadingKeys", keys);
    check
}

fn add_request_keys(check: &mut Check, request: &Value) {
    for (field, key) in [
        ("ReturnValues", "dynamodb:ReturnValues"),
        ("Select", "dynamodb:Select"),
        ("ReturnConsumedCapacity", "dynamodb:ReturnConsumedCapacity"),
    ] {
        if let Some(value) = request[field].as_str() {
            check.context.set(key, value);
        }
    }
}

/// Operations with a `TableName` and no item keys: checked as is.
const TABLE_OPERATIONS: [&str; 8] = [
    "DescribeTable",
    "CreateTable",
    "DeleteTable",
    "UpdateTable",
    "DescribeTimeToLive",
    "UpdateTimeToLive",
    "DescribeContinuousBackups",
    "DescribeTableReplicaAutoScaling",
];

/// Operations on no particular resource.
const ACCOUNT_OPERATIONS: [&str; 3] = ["ListTables", "DescribeLimits", "DescribeEndpoints"];

/// DynamoDB's other operations: real, but not mapped by the gateway.
const UNMAPPED_OPERATIONS: [&str; 27] = [
    "CreateBackup",
    "DeleteBackup",
    "DescribeBackup",
    "ListBackups",
    "RestoreTableFromBackup",
    "RestoreTableToPointInTime",
    "UpdateContinuousBackups",
    "ExportTableToPointInTime",
    "DescribeExport",
    "ListExports",
    "ImportTable",
    "DescribeImport",
    "ListImports",
    "TagResource",
    "UntagResource",
    "ListTagsOfResource",
    "CreateGlobalTable",
    "UpdateGlobalTable",
    "DescribeGlobalTable",
    "ListGlobalTables",
    "DescribeGlobalTableSettings",
    "UpdateGlobalTableSettings",
    "EnableKinesisStreamingDestination",
    "DisableKinesisStreamingDestination",
    "DescribeKinesisStreamingDestination",
    "GetResourcePolicy",
    "PutResourcePolicy",
];

/// What the gateway needs from moto to map a request: schemas.
struct Mapper<'a> {
    moto: &'a MotoClient,
    schemas: &'a SchemaCache,
}

impl Mapper<'_> {
    async fn schema(&self, table: &str, index: Option<&str>) -> Result<TableSchema, Uncertain> {
        self.schemas
            .get(self.moto, table, index)
            .await
            .ok_or_else(|| unmappable(format!("the table {table} can't be described")))
    }

    async fn hash_key(&self, table: &str) -> Result<String, Uncertain> {
        Ok(self.schema(table, None).await?.hash_key)
    }

    /// The IAM checks for `operation` with body `request`.
    async fn checks(&self, operation: &str, request: &Value) -> Result<Vec<Check>, Uncertain> {
        match operation {
            "GetItem" | "UpdateItem" | "DeleteItem" | "PutItem" => {
                let (table, arn) = table_name_of(request)?;
                let hash = self.hash_key(&table).await?;
                let field = if operation == "PutItem" {
                    "Item"
                } else {
                    "Key"
                };
                let mut check = keyed(operation, &arn, vec![leading_key(&request[field], &hash)?]);
                add_request_keys(&mut check, request);
                Ok(vec![check])
            }
            "Query" => Ok(vec![self.query(request).await?]),
            "Scan" => {
                let (_, arn) = table_name_of(request)?;
                let resource = match request["IndexName"].as_str() {
                    Some(index) => format!("{arn}/index/{index}"),
                    None => arn,
                };
                let mut check = Check::new("dynamodb:Scan", resource);
                add_request_keys(&mut check, request);
                Ok(vec![check])
            }
            "BatchGetItem" => self.batch(request, "BatchGetItem").await,
            "BatchWriteItem" => self.batch(request, "BatchWriteItem").await,
            "TransactGetItems" | "TransactWriteItems" => self.transaction(operation, request).await,
            "ExecuteStatement" => Ok(vec![self.partiql(request).await?]),
            "BatchExecuteStatement" | "ExecuteTransaction" => {
                let field = if operation == "ExecuteTransaction" {
                    "TransactStatements"
                } else {
                    "Statements"
                };
                let statements = request[field]
                    .as_array()
                    .filter(|s| !s.is_empty())
                    .ok_or_else(|| unmappable(format!("no {field}")))?;
                let mut checks = Vec::new();
                for statement in statements {
                    checks.push(self.partiql(statement).await?);
                }
                Ok(checks)
            }
            op if TABLE_OPERATIONS.contains(&op) => {
                let (_, arn) = table_name_of(request)?;
                Ok(vec![Check::new(format!("dynamodb:{op}"), arn)])
            }
            op if ACCOUNT_OPERATIONS.contains(&op) => {
                Ok(vec![Check::new(format!("dynamodb:{op}"), "*")])
            }
            _ => Err(unmappable(format!(
                "{operation} is not mapped by the sandbox"
            ))),
        }
    }

    async fn query(&self, request: &Value) -> Result<Check, Uncertain> {
        let (table, arn) = table_name_of(request)?;
        let index = request["IndexName"].as_str();
        let schema = self.schema(&table, index).await?;
        let (hash, resource) = match index {
            Some(index) => (
                schema
                    .indexes
                    .get(index)
                    .cloned()
                    .ok_or_else(|| unmappable(format!("no index {index}")))?,
                format!("{arn}/index/{index}"),
            ),
            None => (schema.hash_key.clone(), arn),
        };
        let value = match (
            request.get("KeyConditionExpression"),
            request.get("KeyConditions"),
        ) {
            (Some(Value::String(expression)), None) => {
                let placeholder = partition_value_placeholder(
                    expression,
                    request["ExpressionAttributeNames"].as_object(),
                    &hash,
                )
                .map_err(|e| unmappable(format!("KeyConditionExpression: {e}")))?;
                let values = request["ExpressionAttributeValues"]
                    .as_object()
                    .ok_or_else(|| unmappable("no ExpressionAttributeValues"))?;
                leading_key(
                    &Value::Object(Map::from_iter([(
                        hash.clone(),
                        values.get(&placeholder).cloned().unwrap_or(Value::Null),
                    )])),
                    &hash,
                )?
            }
            (None, Some(Value::Object(conditions))) => {
                let condition = conditions
                    .get(&hash)
                    .ok_or_else(|| unmappable("KeyConditions without the partition key"))?;
                let list = condition["AttributeValueList"].as_array();
                match (
                    condition["ComparisonOperator"].as_str(),
                    list.map(Vec::as_slice),
                ) {
                    (Some("EQ"), Some([value])) => leading_key(
                        &Value::Object(Map::from_iter([(hash.clone(), value.clone())])),
                        &hash,
                    )?,
                    _ => {
                        return Err(unmappable(
                            "KeyConditions on the partition key must be one EQ",
                        ));
                    }
                }
            }
            _ => {
                return Err(unmappable(
                    "a Query needs exactly one of KeyConditionExpression and KeyConditions",
                ));
            }
        };
        let mut check = keyed("Query", &resource, vec![value]);
        add_request_keys(&mut check, request);
        Ok(check)
    }

    /// One PartiQL statement (`Statement`, `Parameters`) as its IAM check.
    async fn partiql(&self, request: &Value) -> Result<Check, Uncertain> {
        let text = request["Statement"]
            .as_str()
            .ok_or_else(|| unmappable("no Statement"))?;
        let statement = partiql::parse(text).map_err(|e| unmappable(format!("PartiQL: {e}")))?;
        let parameters = request["Parameters"]
            .as_array()
            .map_or(&[][..], Vec::as_slice);
        if parameters.len() != statement.parameters {
            return Err(unmappable("the number of Parameters does not match the ?s"));
        }
        let (table, arn) = table_arn(&statement.table)?;
        let schema = self.schema(&table, statement.index.as_deref()).await?;
        let (hash, resource) = match &statement.index {
            Some(index) => (
                schema
                    .indexes
                    .get(index)
                    .cloned()
                    .ok_or_else(|| unmappable(format!("no index {index}")))?,
                format!("{arn}/index/{index}"),
            ),
            None => (schema.hash_key.clone(), arn),
        };
        let value = statement
            .partition_value(&hash)
            .map_err(|e| unmappable(format!("PartiQL: {e}")))?;
        let leading = match value {
            Some(partiql::Operand::Literal(text)) => Some(text.clone()),
            Some(partiql::Operand::Parameter(n)) => {
                let attribute =
                    Value::Object(Map::from_iter([(hash.clone(), parameters[*n].clone())]));
                Some(leading_key(&attribute, &hash)?)
            }
            None => None,
        };
        let mut check = Check::new(statement.verb.to_string(), resource);
        match (leading, statement.verb) {
            (Some(key), verb) => {
                check.context.set_multi("dynamodb:LeadingKeys", [key]);
                if verb == partiql::Verb::Select {
                    check.context.set("dynamodb:FullTableScan", "false");
                }
            }
            (None, partiql::Verb::Select) => {
                check.context.set("dynamodb:FullTableScan", "true");
            }
            (None, _) => return Err(unmappable("a PartiQL write without the partition key")),
        }
        Ok(check)
    }

    async fn batch(&self, request: &Value, action: &str) -> Result<Vec<Check>, Uncertain> {
        let tables = request["RequestItems"]
            .as_object()
            .filter(|t| !t.is_empty())
            .ok_or_else(|| unmappable("no RequestItems"))?;
        let mut checks = Vec::new();
        for (table, entry) in tables {
            let (name, arn) = table_arn(table)?;
            let hash = self.hash_key(&name).await?;
            let mut keys = Vec::new();
            if action == "BatchGetItem" {
                for key in entry["Keys"].as_array().into_iter().flatten() {
                    keys.push(leading_key(key, &hash)?);
                }
            } else {
                for write in entry.as_array().into_iter().flatten() {
                    let attributes = match (write.get("PutRequest"), write.get("DeleteRequest")) {
                        (Some(put), None) => &put["Item"],
                        (None, Some(delete)) => &delete["Key"],
                        _ => {
                            return Err(unmappable(
                                "a write request is neither one PutRequest nor one DeleteRequest",
                            ));
                        }
                    };
                    keys.push(leading_key(attributes, &hash)?);
                }
            }
            if keys.is_empty() {
                return Err(unmappable(format!("no keys for {name}")));
            }
            checks.push(keyed(action, &arn, keys));
        }
        Ok(checks)
    }

    async fn transaction(&self, operation: &str, request: &Value) -> Result<Vec<Check>, Uncertain> {
        let items = request["TransactItems"]
            .as_array()
            .filter(|i| !i.is_empty())
            .ok_or_else(|| unmappable("no TransactItems"))?;
        let mut checks = Vec::new();
        for item in items {
            let entries = item
                .as_object()
                .ok_or_else(|| unmappable("a transaction item is not an object"))?;
            let [(kind, body)] = entries.iter().collect::<Vec<_>>()[..] else {
                return Err(unmappable(
                    "a transaction item must have exactly one action",
                ));
            };
            let (action, field) = match (operation, kind.as_str()) {
                ("TransactGetItems", "Get") => ("GetItem", "Key"),
                ("TransactWriteItems", "Put") => ("PutItem", "Item"),
                ("TransactWriteItems", "Update") => ("UpdateItem", "Key"),
                ("TransactWriteItems", "Delete") => ("DeleteItem", "Key"),
                ("TransactWriteItems", "ConditionCheck") => ("ConditionCheckItem", "Key"),
                _ => return Err(unmappable(format!("{kind} in {operation}"))),
            };
            let (name, arn) = table_name_of(body)?;
            let hash = self.hash_key(&name).await?;
            let mut check = keyed(action, &arn, vec![leading_key(&body[field], &hash)?]);
            check.context.set("dynamodb:EnclosingOperation", operation);
            add_request_keys(&mut check, body);
            checks.push(check);
        }
        Ok(checks)
    }
}

/// DynamoDB as the gateway serves it; its schema cache is its own.
#[derive(Debug, Default)]
pub struct DynamoDb {
    schemas: SchemaCache,
}

/// A request DynamoDB refuses before any authorization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DynamoDbError {
    /// Not a POST, or an `X-Amz-Target` that names no DynamoDB operation.
    UnknownOperation,
    /// A body that is not a JSON object.
    Serialization,
}

impl AwsService for DynamoDb {
    /// The body, forwarded as it was checked (with its `X-Amz-Target`).
    type Forward = Bytes;
    type Error = DynamoDbError;
    const NAME: &'static str = "dynamodb";

    async fn map(
        &self,
        state: &State,
        caller: &RoleSession,
        head: Head<'_>,
        body: &Bytes,
    ) -> Result<Mapped<Bytes>, Refusal<DynamoDbError>> {
        let operation = operation(head.parts);
        if head.parts.method != Method::POST || !is_known(operation) {
            return Err(Refusal::Service(DynamoDbError::UnknownOperation));
        }
        let request: Value = match serde_json::from_slice::<Value>(body) {
            Ok(value) if value.is_object() => value,
            _ => return Err(Refusal::Service(DynamoDbError::Serialization)),
        };
        let action = Some(format!("dynamodb:{operation}"));
        if strict_json::has_duplicate_keys(body) {
            return Err(Unmappable {
                action,
                ..Unmappable::new(caller, "duplicate JSON object keys")
            }
            .into());
        }
        let mapper = Mapper {
            moto: &state.moto,
            schemas: &self.schemas,
        };
        match mapper.checks(operation, &request).await {
            Ok(checks) => Ok(Mapped::checked(checks, body.clone())),
            Err(Uncertain(why)) => {
                let resource = request["TableName"]
                    .as_str()
                    .and_then(|t| table_arn(t).ok())
                    .map_or_else(|| "*".to_owned(), |(_, arn)| arn);
                Err(Unmappable {
                    action,
                    resource: Some(resource),
                    ..Unmappable::new(caller, why)
                }
                .into())
            }
        }
    }

    async fn forward(
        &self,
        state: &State,
        _caller: &RoleSession,
        body: Bytes,
        head: Head<'_>,
    ) -> Result<HttpResponse, Refusal<DynamoDbError>> {
        let mut headers = HeaderMap::new();
        headers.insert(
            "content-type",
            HeaderValue::from_static("application/x-amz-json-1.0"),
        );
        if let Some(target) = head.parts.headers.get("x-amz-target") {
            headers.insert("x-amz-target", target.clone());
        }
        match state
            .moto
            .send(Service::DynamoDb, &Method::POST, "/", &headers, body)
            .await
        {
            Ok(response) => Ok(relay(response)),
            Err(e) => {
                tracing::error!(error = %e, "forwarding to moto");
                Err(Refusal::Internal)
            }
        }
    }

    fn refuse(&self, refusal: Refusal<DynamoDbError>, head: Head<'_>) -> HttpResponse {
        let (status, kind, message) = match refusal {
            Refusal::Unauthenticated(failure) => auth_error(&failure),
            Refusal::TooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "com.amazon.coral.service#RequestEntityTooLarge",
                format!("Request size exceeded {MAX_BODY_BYTES} bytes"),
            ),
            Refusal::Service(DynamoDbError::UnknownOperation) => (
                StatusCode::BAD_REQUEST,
                "com.amazon.coral.service#UnknownOperationException",
                String::new(),
            ),
            Refusal::Service(DynamoDbError::Serialization) => (
                StatusCode::BAD_REQUEST,
                "com.amazon.coral.service#SerializationException",
                "Start of structure or map found where not expected".to_owned(),
            ),
            Refusal::Unmappable(u) => (
                StatusCode::BAD_REQUEST,
                ACCESS_DENIED,
                unmappable_message(&u),
            ),
            Refusal::Denied(denial) => (StatusCode::BAD_REQUEST, ACCESS_DENIED, denial.message()),
            Refusal::Internal => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "com.amazon.coral.service#InternalFailure",
                "The request processing has failed because of an unknown error.".to_owned(),
            ),
        };
        error_response(status, kind, &message, head.request_id)
    }
}

/// The operation an `X-Amz-Target` names (empty when it names none).
fn operation(parts: &http::request::Parts) -> &str {
    parts
        .headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .and_then(|t| t.strip_prefix(TARGET_PREFIX))
        .unwrap_or_default()
}

/// Item and query operations, mapped one by one.
const ITEM_OPERATIONS: [&str; 13] = [
    "GetItem",
    "PutItem",
    "UpdateItem",
    "DeleteItem",
    "Query",
    "Scan",
    "BatchGetItem",
    "BatchWriteItem",
    "TransactGetItems",
    "TransactWriteItems",
    "ExecuteStatement",
    "BatchExecuteStatement",
    "ExecuteTransaction",
];

/// A DynamoDB operation (mapped or not; unknown ones are refused as DynamoDB refuses them).
fn is_known(operation: &str) -> bool {
    ITEM_OPERATIONS.contains(&operation)
        || TABLE_OPERATIONS.contains(&operation)
        || ACCOUNT_OPERATIONS.contains(&operation)
        || UNMAPPED_OPERATIONS.contains(&operation)
}

fn unmappable_message(u: &Unmappable) -> String {
    let action = u
        .action
        .as_deref()
        .map_or_else(|| " this request".to_owned(), |a| format!(": {a}"));
    let resource = u
        .resource
        .as_deref()
        .map(|r| format!(" on resource: {r}"))
        .unwrap_or_default();
    format!(
        "User: {} is not authorized to perform{action}{resource} because the sandbox can't map this request with certainty ({})",
        u.principal, u.why
    )
}
