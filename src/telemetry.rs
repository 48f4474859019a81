//! Log lines on stderr: JSON objects with sorted keys for shippers, or a plain
//! line for humans. Each line carries the request id of the request it belongs
//! to (`-` outside a request), taken from the nearest span that recorded a
//! `request_id` field.

use std::collections::BTreeMap;
use std::fmt;

use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id};
use tracing::{Event, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

use crate::config::LogFormat;

/// The request id a span carries, kept in the span's extensions.
struct SpanRequestId(String);

/// Remembers the `request_id` field of spans so that events can find it.
struct RequestIdLayer;

impl<S> Layer<S> for RequestIdLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut fields = FieldMap::default();
        attrs.record(&mut fields);
        if let Some(Value::String(rid)) = fields.0.remove("request_id")
            && let Some(span) = ctx.span(id)
        {
            span.extensions_mut().insert(SpanRequestId(rid));
        }
    }
}

/// Field values of an event or span, by name.
#[derive(Default)]
struct FieldMap(BTreeMap<String, Value>);

impl Visit for FieldMap {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0
            .insert(field.name().to_owned(), Value::String(format!("{value:?}")));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0
            .insert(field.name().to_owned(), Value::String(value.to_owned()));
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.insert(field.name().to_owned(), Value::from(value));
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().to_owned(), Value::from(value));
    }
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.0.insert(field.name().to_owned(), Value::from(value));
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.insert(field.name().to_owned(), Value::from(value));
    }
    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        let mut chain = value.to_string();
        let mut source = value.source();
        while let Some(s) = source {
            chain.push_str(": ");
            chain.push_str(&s.to_string());
            source = s.source();
        }
        self.0.insert(field.name().to_owned(), Value::String(chain));
    }
}

/// Writes each event as one line in the configured format.
struct LineFormat(LogFormat);

fn timestamp() -> String {
    let now = OffsetDateTime::now_utc();
    // RFC 3339 with exactly six fractional digits and a `Z`.
    let whole = now.replace_nanosecond(0).unwrap_or(now);
    let base = whole.format(&Rfc3339).unwrap_or_default();
    format!("{}.{:06}Z", base.trim_end_matches('Z'), now.microsecond())
}

impl<S, N> FormatEvent<S, N> for LineFormat
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let request_id = ctx
            .event_scope()
            .and_then(|scope| {
                scope.into_iter().find_map(|span| {
                    span.extensions()
                        .get::<SpanRequestId>()
                        .map(|r| r.0.clone())
                })
            })
            .unwrap_or_else(|| "-".to_owned());
        let mut fields = FieldMap::default();
        event.record(&mut fields);
        let msg = match fields.0.remove("message") {
            Some(Value::String(s)) => s,
            Some(other) => other.to_string(),
            None => String::new(),
        };
        let meta = event.metadata();
        let ts = timestamp();
        match self.0 {
            LogFormat::Json => {
                let mut line = fields.0;
                if let Some(err) = line.remove("error") {
                    line.insert("exc".into(), err);
                }
                line.insert("ts".into(), Value::String(ts));
                line.insert("level".into(), Value::String(meta.level().to_string()));
                line.insert("logger".into(), Value::String(meta.target().to_owned()));
                line.insert("msg".into(), Value::String(msg));
                line.insert("request_id".into(), Value::String(request_id));
                let text = serde_json::to_string(&line).map_err(|_| fmt::Error)?;
                writeln!(writer, "{text}")
            }
            LogFormat::Plain => {
                write!(
                    writer,
                    "[{ts}] {} {} req={request_id} :: {msg}",
                    meta.level(),
                    meta.target()
                )?;
                for (k, v) in &fields.0 {
                    match v {
                        Value::String(s) => write!(writer, " {k}={s}")?,
                        other => write!(writer, " {k}={other}")?,
                    }
                }
                writeln!(writer)
            }
        }
    }
}

/// Installs the global subscriber. `level` is a level or an `EnvFilter`
/// directive list; it was validated with the configuration.
pub fn init(format: LogFormat, level: &str) {
    // Postgres NOTICEs ("relation already exists, skipping") are noise at INFO.
    let directives = format!("sqlx::postgres::notice=warn,{}", level.to_lowercase());
    let filter = EnvFilter::builder()
        .parse(directives)
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let fmt_layer = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .event_format(LineFormat(format));
    // A second init (tests building several apps) keeps the first subscriber.
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(RequestIdLayer)
        .with(fmt_layer)
        .try_init();
}

#[cfg(test)]
mod tests {
    use super::timestamp;

    #[test]
    fn timestamps_have_microseconds_and_z() {
        let ts = timestamp();
        assert_eq!(ts.len(), "2026-06-05T14:30:00.123456Z".len(), "{ts}");
        assert!(ts.ends_with('Z'));
        assert_eq!(&ts[19..20], ".");
    }
}
