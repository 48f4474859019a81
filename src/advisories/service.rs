//! Creating and editing native advisories (20-lifecycle §4.2, §5), in the
//! transaction shape of B-3: lock, re-check the predicate on the locked row,
//! validate, write the row, its version and its audit rows together.

use serde_json::{Value, json};
use sqlx::PgConnection;
use uuid::Uuid;

use super::content::{self, FieldError, FieldErrors, Normalized, Payload};
use super::id::{self, Entropy};
use super::repo::{self, AdvisoryRow};
use crate::access::permissions::{self as perm, Actor, Kind, ReviewStatus, State};
use crate::audit::access_log::RequestOrigin;
use crate::audit::catalogue::Action;
use crate::audit::redact::Redactor;
use crate::audit::{self, Entry};
use crate::jobs;
use crate::notifications::advisory_event::{AdvisoryEvent, Event};

/// Who acts, from where, and how to redact what they write.
#[derive(Clone, Copy, Debug)]
pub struct Ctx<'a> {
    pub actor: &'a Actor,
    pub origin: Option<&'a RequestOrigin>,
    pub redactor: &'a Redactor,
}

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// Unknown, or not visible to the caller: the same answer (Q-19).
    #[error("no such advisory")]
    NotFound,
    #[error("{0}")]
    Forbidden(String),
    /// Field errors to show on the form.
    #[error("invalid input")]
    Invalid(FieldErrors),
    /// The action does not apply to the advisory as it is now (ruling 8:
    /// 303 back with a flash, 409 for htmx).
    #[error("{0}")]
    InvalidState(String),
    /// Someone saved a newer version since the form was loaded.
    #[error("version {latest} was saved since version {base}")]
    Conflict {
        base: i32,
        latest: i32,
        editor: Option<String>,
        changed_fields: Vec<String>,
    },
    #[error("could not draw a free advisory id in {0} attempts")]
    IdsExhausted(usize),
    #[error(transparent)]
    Corrupt(#[from] repo::Corrupt),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl From<crate::jobs::EnqueueError> for ServiceError {
    fn from(e: crate::jobs::EnqueueError) -> Self {
        match e {
            crate::jobs::EnqueueError::Db(db) => ServiceError::Database(db),
            crate::jobs::EnqueueError::Payload(p) => {
                ServiceError::Database(sqlx::Error::Encode(Box::new(p)))
            }
        }
    }
}

impl From<audit::ledger::RecordError> for ServiceError {
    fn from(e: audit::ledger::RecordError) -> Self {
        ServiceError::Database(e.into())
    }
}

fn field_error(field: &str, message: &str) -> ServiceError {
    ServiceError::Invalid(FieldErrors::from(vec![FieldError {
        field: field.to_owned(),
        code: "invalid_project",
        message: message.to_owned(),
    }]))
}

/// Locks advisory `public_id`, re-reads it (B-3) and derives its predicate
/// facts; an advisory the caller cannot see does not exist for them (Q-19).
/// Every transition starts here.
pub async fn lock_visible(
    conn: &mut PgConnection,
    actor: &Actor,
    public_id: &str,
) -> Result<(AdvisoryRow, perm::AdvisoryFacts), ServiceError> {
    let row = repo::load(conn, public_id, Some(actor), true)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let facts = row.facts()?;
    if !perm::can_view(Some(actor), &facts) {
        return Err(ServiceError::NotFound);
    }
    Ok((row, facts))
}

/// The project as creation and edits need it.
struct ProjectInfo {
    slug: String,
    name: String,
    security_team_id: i64,
}

async fn project(conn: &mut PgConnection, id: Uuid) -> Result<Option<ProjectInfo>, sqlx::Error> {
    sqlx::query_as!(
        ProjectInfo,
        "SELECT slug, name, security_team_id FROM project WHERE id = $1",
        id
    )
    .fetch_optional(conn)
    .await
}

/// The version snapshot of §6.1: exactly these keys, always present.
pub fn snapshot(
    row: &AdvisoryRow,
    project_slug: &str,
    project_name: &str,
    content: &Normalized,
) -> Value {
    let mut payload = content.to_json();
    if let Value::Object(map) = &mut payload {
        let synced = row.ghsa_metadata_synced_at.and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        });
        for (key, value) in [
            ("advisory_id", json!(row.advisory_id)),
            ("project_slug", json!(project_slug)),
            ("project_name", json!(project_name)),
            ("assigned_cve_id", json!(row.assigned_cve_id)),
            ("withdrawn_reason", json!(row.withdrawn_reason)),
            ("kind", json!(row.kind)),
            ("ghsa_id", json!(row.ghsa_id)),
            ("ghsa_owner", json!(row.ghsa_owner)),
            ("ghsa_repo", json!(row.ghsa_repo)),
            ("ghsa_metadata_synced_at", json!(synced)),
        ] {
            map.insert(key.to_owned(), value);
        }
    }
    payload
}

/// Top-level snapshot keys whose values differ (§6.2 rule 5), sorted.
pub fn changed_fields(before: &Value, after: &Value) -> Vec<String> {
    let (Value::Object(a), Value::Object(b)) = (before, after) else {
        return Vec::new();
    };
    let mut keys: Vec<String> = a
        .keys()
        .chain(b.keys())
        .filter(|k| a.get(*k) != b.get(*k))
        .cloned()
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

/// Appends `payload` as the next version unless, with `if_changed`, it
/// equals the latest one (§6.2). The caller holds the row lock.
pub async fn record_version(
    conn: &mut PgConnection,
    advisory: i64,
    editor: Option<i64>,
    payload: &Value,
    if_changed: bool,
) -> Result<Option<i32>, sqlx::Error> {
    let latest = sqlx::query!(
        "SELECT version, payload FROM advisory_version WHERE advisory_id = $1 ORDER BY version DESC LIMIT 1",
        advisory
    )
    .fetch_optional(&mut *conn)
    .await?;
    if if_changed && latest.as_ref().is_some_and(|l| &l.payload == payload) {
        return Ok(None);
    }
    let next = latest.map_or(1, |l| l.version + 1);
    sqlx::query!(
        "INSERT INTO advisory_version (advisory_id, version, payload, editor_id) VALUES ($1, $2, $3, $4)",
        advisory,
        next,
        payload,
        editor
    )
    .execute(conn)
    .await?;
    Ok(Some(next))
}

/// A new native draft.
#[derive(Clone, Debug)]
pub struct NewAdvisory {
    pub project_id: Option<Uuid>,
    pub content: Payload,
}

/// Creates a draft with version 1 and its `advisory.created` entry; returns
/// the public id.
pub async fn create(
    conn: &mut PgConnection,
    ctx: Ctx<'_>,
    input: &NewAdvisory,
    entropy: &mut impl Entropy,
) -> Result<String, ServiceError> {
    let actor = ctx.actor;
    let Some(project_id) = input.project_id else {
        return Err(field_error(
            "project",
            "Choose the project this advisory belongs to.",
        ));
    };
    let Some(project) = project(conn, project_id).await? else {
        return Err(field_error("project", "This project does not exist."));
    };
    if !perm::can_create_advisory_for_project(Some(actor), project.security_team_id) {
        return Err(ServiceError::Forbidden(format!(
            "You are not on the security team of {}.",
            project.name
        )));
    }
    let content = content::validate(&input.content).map_err(ServiceError::Invalid)?;
    let columns = content::to_json_columns(&content);
    let (level, score) = content.severity();

    let mut created = None;
    for _ in 0..id::MAX_ATTEMPTS {
        let candidate = id::generate(entropy)
            .map_err(|e| ServiceError::Database(sqlx::Error::Protocol(e.to_string())))?;
        // A collision inserts nothing and draws again (INV-IMPL-4).
        created = sqlx::query_scalar!(
            r#"INSERT INTO advisory (advisory_id, project_id, state, kind, created_by, summary, details,
                   aliases, refs, affected, severity, cwe_ids, credits, severity_level, severity_score)
               VALUES ($1, $2, 'draft', 'native', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
               ON CONFLICT (advisory_id) DO NOTHING
               RETURNING id"#,
            candidate,
            project_id,
            actor.user_id,
            columns.summary,
            columns.details,
            columns.aliases,
            columns.references,
            columns.affected,
            columns.severity,
            columns.cwe_ids,
            columns.credits,
            level.as_str(),
            score
        )
        .fetch_optional(&mut *conn)
        .await?
        .map(|id| (id, candidate));
        if created.is_some() {
            break;
        }
    }
    let Some((id, public_id)) = created else {
        return Err(ServiceError::IdsExhausted(id::MAX_ATTEMPTS));
    };
    let row = repo::load(conn, &public_id, Some(actor), false)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let snap = snapshot(&row, &project.slug, &project.name, &content);
    record_version(conn, id, Some(actor.user_id), &snap, false).await?;
    audit::record(
        conn,
        ctx.redactor,
        Entry::new(Action::AdvisoryCreated, Some(actor.user_id), ctx.origin)
            .advisory(id)
            .values(
                None,
                Some(json!({"project": project.slug, "advisory_id": public_id})),
            ),
    )
    .await?;
    // 20-lifecycle §18: the project's security team hears of a new draft.
    jobs::enqueue(
        conn,
        &AdvisoryEvent {
            advisory_id: id,
            event: Event::AdvisoryCreated,
            actor_id: Some(actor.user_id),
        },
    )
    .await?;
    Ok(public_id)
}

/// An edit as submitted.
#[derive(Clone, Debug)]
pub struct Edit {
    pub project_id: Option<Uuid>,
    pub content: Payload,
    /// The version the form was loaded from (consistency ruling 10).
    pub base_version: i32,
}

/// What an edit did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edited {
    /// The appended version, `None` when the payload did not change.
    pub version: Option<i32>,
    pub changed_fields: Vec<String>,
    pub approval_voided: bool,
}

/// Saves an edit of a native advisory with the rules of 20-lifecycle §5.
pub async fn edit(
    conn: &mut PgConnection,
    ctx: Ctx<'_>,
    public_id: &str,
    input: &Edit,
) -> Result<Edited, ServiceError> {
    let actor = ctx.actor;
    let (row, facts) = lock_visible(conn, actor, public_id).await?;
    if facts.kind != Kind::Native {
        return Err(ServiceError::Forbidden(
            "A GHSA-linked advisory is edited on GitHub; its content here follows the GHSA.".into(),
        ));
    }
    if !perm::can_edit(Some(actor), &facts) {
        return Err(ServiceError::Forbidden(
            "You may not edit this advisory in its current state.".into(),
        ));
    }
    let latest = latest_version(conn, row.id, input.base_version).await?;

    let (project_id, slug, name) = destination(conn, actor, &row, &facts, input.project_id).await?;
    let moved = project_id != row.project_id;
    let content = content::validate(&input.content).map_err(ServiceError::Invalid)?;
    let columns = content::to_json_columns(&content);
    let (level, score) = content.severity();
    let void_approval = facts.review_status == ReviewStatus::Approved && !actor.is_admin;
    let republish = facts.state == State::Published;

    sqlx::query!(
        r#"UPDATE advisory SET project_id = $2, summary = $3, details = $4, aliases = $5, refs = $6,
               affected = $7, severity = $8, cwe_ids = $9, credits = $10, severity_level = $11,
               severity_score = $12,
               review_status = CASE WHEN $13 THEN 'none' ELSE review_status END,
               republish_required = republish_required OR $14,
               access_review_required_at = CASE WHEN $15 THEN now() ELSE access_review_required_at END
           WHERE id = $1"#,
        row.id,
        project_id,
        columns.summary,
        columns.details,
        columns.aliases,
        columns.references,
        columns.affected,
        columns.severity,
        columns.cwe_ids,
        columns.credits,
        level.as_str(),
        score,
        void_approval,
        republish,
        moved
    )
    .execute(&mut *conn)
    .await?;

    let snap = snapshot(&row, &slug, &name, &content);
    let changed = latest
        .as_ref()
        .map_or_else(Vec::new, |l| changed_fields(&l.payload, &snap));
    let version = record_version(conn, row.id, Some(actor.user_id), &snap, true).await?;
    let after = json!({"summary": columns.summary, "project": slug, "state": row.state, "version": version});
    record_edit(
        conn,
        ctx,
        &row,
        after,
        &changed,
        void_approval,
        moved.then_some(slug.as_str()),
    )
    .await?;
    // A move outside triage settles any pending reassignment request (§5
    // step 8) and is news for the new project's team.
    if moved && facts.state != State::Triage {
        super::workflow::common::clear_reassignment_request_if_pending(
            conn,
            ctx.into(),
            row.id,
            super::workflow::common::ReassignmentCleared::Accepted,
            "",
        )
        .await?;
        jobs::enqueue(
            conn,
            &AdvisoryEvent {
                advisory_id: row.id,
                event: Event::AdvisoryCreated,
                actor_id: Some(actor.user_id),
            },
        )
        .await?;
    }
    Ok(Edited {
        version,
        changed_fields: changed,
        approval_voided: void_approval,
    })
}

/// The latest version, after checking the form was loaded from it
/// (consistency ruling 10).
async fn latest_version(
    conn: &mut PgConnection,
    advisory: i64,
    base_version: i32,
) -> Result<Option<LatestVersion>, ServiceError> {
    let latest = sqlx::query_as!(
        LatestVersion,
        r#"SELECT v.version, v.payload, u.display_name AS "editor_name?", u.email AS "editor_email?"
           FROM advisory_version v LEFT JOIN app_user u ON u.id = v.editor_id
           WHERE v.advisory_id = $1 ORDER BY v.version DESC LIMIT 1"#,
        advisory
    )
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(latest) = &latest
        && latest.version != base_version
    {
        let base: Option<Value> = sqlx::query_scalar!(
            "SELECT payload FROM advisory_version WHERE advisory_id = $1 AND version = $2",
            advisory,
            base_version
        )
        .fetch_optional(&mut *conn)
        .await?;
        let editor = latest
            .editor_name
            .clone()
            .filter(|n| !n.trim().is_empty())
            .or_else(|| latest.editor_email.clone());
        return Err(ServiceError::Conflict {
            base: base_version,
            latest: latest.version,
            editor,
            changed_fields: base.map_or_else(Vec::new, |b| changed_fields(&b, &latest.payload)),
        });
    }
    Ok(latest)
}

struct LatestVersion {
    version: i32,
    payload: Value,
    editor_name: Option<String>,
    editor_email: Option<String>,
}

/// Where the edit puts the advisory: its project id, slug and name, after
/// the project-change rules (20-lifecycle §5 step 3).
async fn destination(
    conn: &mut PgConnection,
    actor: &Actor,
    row: &AdvisoryRow,
    facts: &crate::access::permissions::AdvisoryFacts,
    requested: Option<Uuid>,
) -> Result<(Uuid, String, String), ServiceError> {
    let project_id = requested.unwrap_or(row.project_id);
    if project_id == row.project_id {
        return Ok((
            project_id,
            row.project_slug.clone(),
            row.project_name.clone(),
        ));
    }
    let Some(target) = project(conn, project_id).await? else {
        return Err(field_error("project", "This project does not exist."));
    };
    if facts.state == State::Triage {
        return Err(field_error(
            "project",
            "A triage report moves to another project through reassignment, not the edit form.",
        ));
    }
    if !perm::can_change_project(Some(actor), facts, target.security_team_id) {
        return Err(ServiceError::Forbidden(format!(
            "You may not move this advisory to {}.",
            target.name
        )));
    }
    Ok((project_id, target.slug, target.name))
}

/// The ledger entries of an edit (20-lifecycle §5 steps 6–8).
async fn record_edit(
    conn: &mut PgConnection,
    ctx: Ctx<'_>,
    row: &AdvisoryRow,
    after: Value,
    changed: &[String],
    void_approval: bool,
    moved_to: Option<&str>,
) -> Result<(), ServiceError> {
    let actor = Some(ctx.actor.user_id);
    let before = json!({"summary": row.summary, "project": row.project_slug, "state": row.state});
    audit::record(
        conn,
        ctx.redactor,
        Entry::new(Action::AdvisoryEdited, actor, ctx.origin)
            .advisory(row.id)
            .values(Some(before), Some(after))
            .metadata(json!({"changed_fields": changed})),
    )
    .await?;
    if void_approval {
        audit::record(
            conn,
            ctx.redactor,
            Entry::new(Action::AdvisoryReviewApprovalInvalidated, actor, ctx.origin)
                .advisory(row.id)
                .values(Some(json!("approved")), Some(json!("none"))),
        )
        .await?;
    }
    if let Some(slug) = moved_to {
        audit::record(
            conn,
            ctx.redactor,
            Entry::new(Action::AdvisoryProjectChanged, actor, ctx.origin)
                .advisory(row.id)
                .values(Some(json!(row.project_slug)), Some(json!(slug))),
        )
        .await?;
    }
    Ok(())
}
