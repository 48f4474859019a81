//! The one way to record an audit event (INV-AUDIT-3): a catalogue action,
//! redacted (INV-AUDIT-2), routed to the durable ledger or the access log by
//! the catalogue (INV-AUDIT-5), in the caller's transaction.

use serde_json::{Value, json};
use sqlx::PgConnection;

use super::access_log::{self, RequestOrigin};
use super::catalogue::{Action, Store};
use super::redact::Redactor;

/// One event.
#[derive(Clone, Debug)]
pub struct Entry<'a> {
    pub action: Action,
    pub actor_id: Option<i64>,
    /// The advisory's surrogate key.
    pub advisory_id: Option<i64>,
    pub comment_id: Option<i64>,
    pub previous: Option<Value>,
    pub new: Option<Value>,
    pub metadata: Value,
    /// The request it came from; `None` for jobs, operator commands, and
    /// `advisory.first_seen` (INV-AUDIT-6).
    pub origin: Option<&'a RequestOrigin>,
}

impl<'a> Entry<'a> {
    /// An event with no values and no metadata.
    pub fn new(action: Action, actor_id: Option<i64>, origin: Option<&'a RequestOrigin>) -> Self {
        Entry {
            action,
            actor_id,
            advisory_id: None,
            comment_id: None,
            previous: None,
            new: None,
            metadata: json!({}),
            origin,
        }
    }

    #[must_use]
    pub fn advisory(mut self, id: i64) -> Self {
        self.advisory_id = Some(id);
        self
    }

    #[must_use]
    pub fn comment(mut self, id: i64) -> Self {
        self.comment_id = Some(id);
        self
    }

    #[must_use]
    pub fn values(mut self, previous: Option<Value>, new: Option<Value>) -> Self {
        self.previous = previous;
        self.new = new;
        self
    }

    #[must_use]
    pub fn metadata(mut self, metadata: Value) -> Self {
        self.metadata = metadata;
        self
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error("{0} is a legacy action and is never recorded")]
    Legacy(Action),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl From<RecordError> for sqlx::Error {
    fn from(e: RecordError) -> Self {
        match e {
            RecordError::Database(db) => db,
            legacy @ RecordError::Legacy(_) => sqlx::Error::Protocol(legacy.to_string()),
        }
    }
}

/// Writes the event.
pub async fn record(
    conn: &mut PgConnection,
    redactor: &Redactor,
    entry: Entry<'_>,
) -> Result<(), RecordError> {
    if !entry.action.is_recordable() {
        return Err(RecordError::Legacy(entry.action));
    }
    let action = entry.action.as_str();
    let previous = entry.previous.map(|v| redactor.redact_json(v));
    let new = entry.new.map(|v| redactor.redact_json(v));
    let mut metadata = redactor.redact_json(entry.metadata);
    // INV-AUDIT-6: the first-view receipt never carries network data.
    let origin = entry
        .origin
        .filter(|_| entry.action != Action::AdvisoryFirstSeen);
    match entry.action.store() {
        Store::AccessLog => {
            // The access log has no value columns: values go into metadata.
            if let Value::Object(map) = &mut metadata {
                if let Some(p) = previous {
                    map.insert("_previous_value".into(), p);
                }
                if let Some(n) = new {
                    map.insert("_new_value".into(), n);
                }
            }
            access_log::insert(
                conn,
                action,
                entry.actor_id,
                entry.advisory_id,
                metadata,
                origin,
            )
            .await?;
        }
        Store::Ledger => {
            sqlx::query!(
                "INSERT INTO audit_log_entry
                   (actor_id, action, advisory_id, comment_id, previous_value, new_value, metadata,
                    ip_address, user_agent)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                entry.actor_id,
                action,
                entry.advisory_id,
                entry.comment_id,
                previous,
                new,
                metadata,
                origin.and_then(RequestOrigin::stored_ip),
                origin.map_or("", RequestOrigin::stored_user_agent)
            )
            .execute(conn)
            .await?;
        }
    }
    Ok(())
}
