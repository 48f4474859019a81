//! The OSV record (70-publication §4.2, 00-decisions "Surfaces").
//!
//! Invariants kept: `schema_version` is the vendored schema's version;
//! `published` is the first publication and does not move on re-publish,
//! `modified` is the pinned version's time; content fields are copied from
//! the payload in their OSV shape and omitted when empty; a withdrawal sets
//! `withdrawn` to `modified`.

use serde_json::{Map, Value, json};

use super::{Facts, Input, timestamp};
use crate::advisories::content::{Affected, Credit, RefType};

/// The version of the vendored OSV schema (`vendor/schemas/osv.json`,
/// osv-schema v1.7.5), which the documents declare.
pub const SCHEMA_VERSION: &str = "1.7.5";

/// The OSV document of `input` (not yet validated).
pub fn build(input: &Input<'_>) -> Value {
    let facts = Facts::read(input);
    let content = &facts.content;
    let mut doc = Map::new();
    doc.insert("schema_version".into(), json!(SCHEMA_VERSION));
    doc.insert("id".into(), json!(facts.advisory_id));
    doc.insert("modified".into(), json!(timestamp(facts.modified)));
    doc.insert("published".into(), json!(timestamp(facts.published)));

    let mut aliases: Vec<&str> = content
        .aliases
        .iter()
        .map(|a| a.trim())
        .chain([facts.assigned_cve_id])
        .filter(|a| !a.is_empty())
        .collect();
    aliases.sort_unstable();
    aliases.dedup();
    if !aliases.is_empty() {
        doc.insert("aliases".into(), json!(aliases));
    }
    if !content.summary.is_empty() {
        doc.insert("summary".into(), json!(content.summary));
    }
    if !content.details.is_empty() {
        doc.insert("details".into(), json!(content.details));
    }

    let severity: Vec<Value> = content
        .severity
        .iter()
        .filter(|s| !s.score.trim().is_empty())
        .map(|s| json!({"type": s.kind.trim(), "score": s.score.trim()}))
        .collect();
    if !severity.is_empty() {
        doc.insert("severity".into(), Value::Array(severity));
    }
    if !content.affected.is_empty() {
        let affected = content.affected.iter().map(Affected::to_json).collect();
        doc.insert("affected".into(), Value::Array(affected));
    }
    let references: Vec<Value> = content
        .references
        .iter()
        .filter(|r| !r.url.trim().is_empty())
        .map(|r| {
            let kind = match r.kind.trim() {
                "" => RefType::Web.as_str(),
                kind => kind,
            };
            json!({"type": kind, "url": r.url.trim()})
        })
        .collect();
    if !references.is_empty() {
        doc.insert("references".into(), Value::Array(references));
    }
    if !content.credits.is_empty() {
        let credits = content.credits.iter().map(Credit::to_json).collect();
        doc.insert("credits".into(), Value::Array(credits));
    }
    if facts.withdrawn() {
        doc.insert("withdrawn".into(), json!(timestamp(facts.modified)));
    }

    let mut database_specific = Map::new();
    database_specific.insert(
        "advisoryhub".into(),
        json!({"project_slug": facts.project_slug}),
    );
    if !content.cwe_ids.is_empty() {
        database_specific.insert("cwe_ids".into(), json!(content.cwe_ids));
    }
    doc.insert("database_specific".into(), Value::Object(database_specific));
    Value::Object(doc)
}
