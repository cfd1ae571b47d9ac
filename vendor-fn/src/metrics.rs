//! CloudWatch Embedded Metric Format (EMF) for the per-request log line.
//!
//! CloudWatch Logs turns a JSON log line with an `_aws` object into metrics,
//! with no API call and no agent: the line the handler writes anyway is the
//! metric. Each request publishes, in namespace [`NAMESPACE`], by `Tier`
//! and across all tiers: `Requests`, `Vends`, `Refusals` (any answer but
//! 200), `ServerErrors` (5xx), `StsFailures`, `StsThrottles`,
//! `RegistryFailures` (the registry's DynamoDB) and `Latency`
//! (milliseconds); a refusal also publishes `Refusals` by its error `Code`.
//!
//! The tenant ID stays a property of the line (`api_key_id`), never a
//! dimension: one metric per tenant would multiply the metrics (and their
//! cost) by the number of tenants, and Logs Insights finds a tenant's
//! lines by the property.

use aws_failure::FailureKind;
use serde_json::{Map, Value, json};

use crate::VendError;

/// The metrics' namespace (template.yaml's alarms and dashboard name it).
pub const NAMESPACE: &str = "TenantCredentialVendor";

/// The `Tier` dimension's value before the tenant is known (malformed
/// request, unknown key): a dimension must always have a value, or
/// CloudWatch drops the whole line's metrics.
pub const NO_TIER: &str = "none";

/// What the metrics of one request say.
#[derive(Debug, Clone, Copy)]
pub struct RequestMetrics<'a> {
    /// The tenant's tier, when known.
    pub tier: Option<&'a str>,
    /// The HTTP status answered.
    pub status: i64,
    /// The error, when the request was refused.
    pub error: Option<&'a VendError>,
    /// Milliseconds from event to response.
    pub latency_ms: f64,
    /// Epoch milliseconds of the line (EMF's `Timestamp`).
    pub timestamp_ms: i64,
}

impl RequestMetrics<'_> {
    /// The members EMF needs at the top of the line: `_aws`, the
    /// dimensions' values and the metrics' values.
    pub fn members(&self) -> Map<String, Value> {
        let count = |yes: bool| Value::from(u8::from(yes));
        let sts = matches!(self.error, Some(VendError::Sts(_)));
        let throttled =
            matches!(self.error, Some(VendError::Sts(f)) if f.kind == FailureKind::Throttled);
        let registry = matches!(self.error, Some(VendError::Registry(_)));
        let mut directives = vec![json!({
            "Namespace": NAMESPACE,
            "Dimensions": [["Tier"], []],
            "Metrics": [
                {"Name": "Requests", "Unit": "Count"},
                {"Name": "Vends", "Unit": "Count"},
                {"Name": "Refusals", "Unit": "Count"},
                {"Name": "ServerErrors", "Unit": "Count"},
                {"Name": "StsFailures", "Unit": "Count"},
                {"Name": "StsThrottles", "Unit": "Count"},
                {"Name": "RegistryFailures", "Unit": "Count"},
                {"Name": "Latency", "Unit": "Milliseconds"},
            ],
        })];
        let mut members = Map::new();
        if let Some(error) = self.error {
            directives.push(json!({
                "Namespace": NAMESPACE,
                "Dimensions": [["Code"]],
                "Metrics": [{"Name": "Refusals", "Unit": "Count"}],
            }));
            members.insert("Code".into(), Value::from(error.code()));
        }
        members.insert(
            "_aws".into(),
            json!({"Timestamp": self.timestamp_ms, "CloudWatchMetrics": directives}),
        );
        members.insert("Tier".into(), Value::from(self.tier.unwrap_or(NO_TIER)));
        members.insert("Requests".into(), count(true));
        members.insert("Vends".into(), count(self.error.is_none()));
        members.insert("Refusals".into(), count(self.error.is_some()));
        members.insert("ServerErrors".into(), count(self.status >= 500));
        members.insert("StsFailures".into(), count(sts));
        members.insert("StsThrottles".into(), count(throttled));
        members.insert("RegistryFailures".into(), count(registry));
        members.insert("Latency".into(), Value::from(self.latency_ms));
        members
    }
}

impl std::fmt::Display for RequestMetrics<'_> {
    /// The members as one JSON object, for the log line's `emf` field
    /// (which the log formatter merges into the line).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", Value::Object(self.members()))
    }
}
