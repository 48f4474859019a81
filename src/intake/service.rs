//! Filing a public report (20-lifecycle §4.1, L-1) and the honeypot branch
//! (INV-INTAKE-1). Both run in a transaction of the system principal: the
//! reporter, anonymous or not, cannot see the advisory they are creating
//! until the grant below, and row-level security must not hide it from the
//! service writing it.

use serde_json::json;
use sqlx::PgConnection;
use uuid::Uuid;

use super::form::{Choice, Report};
use crate::access::grants::{self, AccessError, GrantBy, Mode, Permission};
use crate::advisories::content::{self, FieldErrors, Payload};
use crate::advisories::id::{self, Entropy};
use crate::advisories::projects::UNSORTED;
use crate::advisories::{repo, service as advisories};
use crate::audit::access_log::RequestOrigin;
use crate::audit::catalogue::Action;
use crate::audit::redact::Redactor;
use crate::audit::{self, Entry};
use crate::jobs::{self, EnqueueError};
use crate::notifications::triage_event::{TriageEvent, TriageEventKind};

/// The most projects the form's select lists (50-web-ui §15.1).
pub const SELECT_MAX: i64 = 500;
/// The most projects `projects.json` answers with (60-api §5).
pub const PICKER_MAX: i64 = 200;

#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    /// The content validator refused what the form checks let through.
    #[error("invalid report: {0}")]
    Invalid(FieldErrors),
    #[error("could not draw a free advisory id in {0} attempts")]
    IdsExhausted(usize),
    #[error(transparent)]
    Corrupt(#[from] repo::Corrupt),
    #[error(transparent)]
    Access(#[from] AccessError),
    #[error(transparent)]
    Enqueue(#[from] EnqueueError),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl From<audit::ledger::RecordError> for IntakeError {
    fn from(e: audit::ledger::RecordError) -> Self {
        IntakeError::Database(e.into())
    }
}

/// A project a report can be filed on.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Choosable {
    #[serde(skip)]
    pub id: Uuid,
    pub slug: String,
    pub name: String,
}

/// The projects a reporter may choose, by name: every project but the
/// `unsorted` sentinel, whose slug matches `q` (case-insensitive substring
/// of slug or name) when given; at most `limit`.
pub async fn choosable(
    conn: &mut PgConnection,
    q: Option<&str>,
    limit: i64,
) -> Result<Vec<Choosable>, sqlx::Error> {
    let q = q.map(str::trim).filter(|q| !q.is_empty()).unwrap_or("");
    sqlx::query_as!(
        Choosable,
        r#"SELECT id, slug, name FROM project
           WHERE slug <> $1
             AND ($2 = '' OR strpos(lower(slug), lower($2)) > 0 OR strpos(lower(name), lower($2)) > 0)
           ORDER BY lower(name), slug
           LIMIT $3"#,
        UNSORTED,
        q,
        limit
    )
    .fetch_all(conn)
    .await
}

/// The project a choice names, if it exists (the sentinel for "I don't
/// know"; never the sentinel by its slug).
pub async fn project_of(
    conn: &mut PgConnection,
    choice: &Choice,
) -> Result<Option<Choosable>, sqlx::Error> {
    let slug = match choice {
        Choice::Unsorted => UNSORTED,
        Choice::Project(slug) if slug == UNSORTED => return Ok(None),
        Choice::Project(slug) => slug.as_str(),
    };
    sqlx::query_as!(
        Choosable,
        "SELECT id, slug, name FROM project WHERE slug = $1",
        slug
    )
    .fetch_optional(conn)
    .await
}

/// Stores one honeypot trip: where it came from and what the trap caught.
/// No advisory, no audit entry, no notification (INV-INTAKE-1).
pub async fn record_honeypot(
    conn: &mut PgConnection,
    origin: &RequestOrigin,
    trap_value: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO honeypot_submission (submitted_ip, submitted_user_agent, honeypot_field_value)
         VALUES ($1, $2, $3)",
        origin.stored_ip(),
        origin.stored_user_agent(),
        trap_value
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// A signed-in reporter, from the session (never from the form, INV-INTAKE-2).
#[derive(Clone, Copy, Debug)]
pub struct Reporter<'a> {
    pub user_id: i64,
    pub email: &'a str,
}

/// Who files the report and from where.
#[derive(Clone, Copy)]
pub struct Filing<'a> {
    pub reporter: Option<Reporter<'a>>,
    pub origin: &'a RequestOrigin,
    pub redactor: &'a Redactor,
}

/// Files `report` on `project` as a triage advisory with version 1, its
/// intake sidecar (flagged for admin routing on `unsorted`, INV-INTAKE-4),
/// the reporter's viewer grant when signed in (INV-INTAKE-3), the ledger
/// entry and the triage notification job; returns the public id.
pub async fn submit(
    conn: &mut PgConnection,
    filing: Filing<'_>,
    project: &Choosable,
    report: &Report,
    entropy: &mut impl Entropy,
) -> Result<String, IntakeError> {
    let reporter_id = filing.reporter.map(|r| r.user_id);
    let content = content::validate(&Payload {
        summary: report.summary.clone(),
        details: report.details.clone(),
        ..Payload::default()
    })
    .map_err(IntakeError::Invalid)?;

    let (id, public_id) = insert_triage(conn, project.id, reporter_id, &content, entropy).await?;
    let row = repo::load(conn, &public_id, None, false)
        .await?
        .ok_or(IntakeError::Database(sqlx::Error::RowNotFound))?;
    let snapshot = advisories::snapshot(&row, &project.slug, &project.name, &content);
    advisories::record_version(conn, id, reporter_id, &snapshot, false).await?;

    let unsorted = project.slug == UNSORTED;
    sqlx::query!(
        r#"INSERT INTO advisory_intake (advisory_id, reporter_user_id, reporter_display_name,
               submitted_ip, submitted_user_agent, needs_admin_routing, flagged_for_routing_at)
           VALUES ($1, $2, $3, $4, $5, $6, CASE WHEN $6 THEN now() END)"#,
        id,
        reporter_id,
        report.display_name,
        filing.origin.stored_ip(),
        filing.origin.stored_user_agent(),
        unsorted
    )
    .execute(&mut *conn)
    .await?;

    if let Some(reporter) = filing.reporter {
        // The system grants it (no actor, `created_by` NULL); a grant the
        // reporter somehow holds already is never lowered.
        grants::upsert(
            conn,
            GrantBy {
                actor_id: None,
                origin: Some(filing.origin),
                redactor: filing.redactor,
            },
            id,
            grants::Principal::User(reporter.user_id),
            reporter.email,
            Permission::Viewer,
            Mode::NeverDowngrade,
        )
        .await?;
    }
    audit::record(
        conn,
        filing.redactor,
        Entry::new(
            Action::AdvisoryTriageSubmitted,
            reporter_id,
            Some(filing.origin),
        )
        .advisory(id)
        .metadata(json!({
            "advisory_id": public_id,
            "project_slug": project.slug,
            "authenticated": reporter_id.is_some(),
            "unsorted": unsorted,
        })),
    )
    .await?;
    jobs::enqueue(
        conn,
        &TriageEvent {
            advisory_id: id,
            event: TriageEventKind::AdvisoryTriageSubmitted,
            actor_id: reporter_id,
        },
    )
    .await?;
    Ok(public_id)
}

/// Inserts the advisory row in `triage` under a fresh public id (a
/// collision draws again, INV-IMPL-4); its surrogate and public ids.
async fn insert_triage(
    conn: &mut PgConnection,
    project_id: Uuid,
    reporter_id: Option<i64>,
    content: &content::Normalized,
    entropy: &mut impl Entropy,
) -> Result<(i64, String), IntakeError> {
    let columns = content::to_json_columns(content);
    let (level, score) = content.severity();
    for _ in 0..id::MAX_ATTEMPTS {
        let candidate = id::generate(entropy)
            .map_err(|e| IntakeError::Database(sqlx::Error::Protocol(e.to_string())))?;
        let inserted = sqlx::query_scalar!(
            r#"INSERT INTO advisory (advisory_id, project_id, state, kind, created_by, summary, details,
                   aliases, refs, affected, severity, cwe_ids, credits, severity_level, severity_score)
               VALUES ($1, $2, 'triage', 'native', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
               ON CONFLICT (advisory_id) DO NOTHING
               RETURNING id"#,
            candidate,
            project_id,
            reporter_id,
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
        .await?;
        if let Some(id) = inserted {
            return Ok((id, candidate));
        }
    }
    Err(IntakeError::IdsExhausted(id::MAX_ATTEMPTS))
}
