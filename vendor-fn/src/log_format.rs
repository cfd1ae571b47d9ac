//! The JSON line format: one object per event, with the event's fields at
//! the top, and an `emf` field merged in as JSON.
//!
//! tracing records a field as a string or a number, but CloudWatch's
//! Embedded Metric Format needs `_aws` to be an object at the top of the
//! line. So the handler passes the metrics' members as one JSON text in a
//! field named [`EMF_FIELD`] ([`crate::metrics`]), and this formatter puts
//! them at the top of the line; a member never replaces one of the event's
//! own fields. Only vendor-fn's own code writes that field: the events of
//! other crates are written as they are.

use std::fmt;

use serde_json::{Map, Value};
use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

/// The field whose JSON object is merged into the line.
pub const EMF_FIELD: &str = "emf";

/// The line format (see the module docs).
#[derive(Debug, Clone, Copy, Default)]
pub struct JsonLines;

impl<S, N> FormatEvent<S, N> for JsonLines
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        _ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let mut line = Map::new();
        line.insert(
            "timestamp".into(),
            Value::from(chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true)),
        );
        line.insert(
            "level".into(),
            Value::from(event.metadata().level().as_str()),
        );
        let mut fields = Fields::default();
        event.record(&mut fields);
        line.extend(fields.own);
        if let Some(Value::Object(members)) = fields.emf {
            for (name, value) in members {
                line.entry(name).or_insert(value);
            }
        }
        writeln!(writer, "{}", Value::Object(line))
    }
}

/// An event's fields as JSON values, the `emf` one parsed.
#[derive(Default)]
struct Fields {
    own: Map<String, Value>,
    emf: Option<Value>,
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == EMF_FIELD {
            self.emf = serde_json::from_str(value).ok();
        } else {
            self.own.insert(field.name().into(), Value::from(value));
        }
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.own.insert(field.name().into(), Value::from(value));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.own.insert(field.name().into(), Value::from(value));
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        self.own.insert(field.name().into(), Value::from(value));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.own.insert(field.name().into(), Value::from(value));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == EMF_FIELD {
            // `emf = %metrics` arrives here as its Display text.
            self.emf = serde_json::from_str(&format!("{value:?}")).ok();
        } else {
            self.own
                .insert(field.name().into(), Value::from(format!("{value:?}")));
        }
    }
}
