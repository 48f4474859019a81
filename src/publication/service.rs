//! Starting a publication run — `publish` of 20-lifecycle §13.1 — for every
//! entry point: the Publish button and the API, a retry, a withdrawal and an
//! un-withdraw (§10), GHSA auto-publish (§14.4).
//!
//! Refusals carry message keys of the `lifecycle` catalogue, which the web
//! edge translates.

use serde_json::json;
use sqlx::PgConnection;

use super::jobs::PublicationRun;
use crate::access::permissions::{self as perm, State};
use crate::advisories::repo::{self, AdvisoryRow};
use crate::advisories::service::{Ctx, ServiceError};
use crate::audit::catalogue::Action;
use crate::audit::{self, Entry};
use crate::jobs;

/// The refusal when a run is already queued or running (INV-CONCURRENCY-1).
pub const IN_PROGRESS: &str = "lifecycle-error-publication-in-progress";

/// Whether a publication task of `advisory_id` is queued or running.
pub async fn in_progress(conn: &mut PgConnection, advisory_id: i64) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM publication_task
                          WHERE advisory_id = $1 AND status IN ('queued', 'running')) AS "busy!""#,
        advisory_id
    )
    .fetch_one(conn)
    .await
}

/// Inserts a `queued` publication task pinned to the latest version of
/// `advisory`, audits `publication.export_started` and enqueues its
/// `publication.run` job, all in the caller's transaction. Returns the task
/// id.
///
/// The row is locked and re-read here (B-3), so `advisory` may be a copy
/// read earlier in the transaction. Unless `system` (a withdrawal, an
/// un-withdraw, GHSA automation), the actor must pass `can_publish` on the
/// locked row. A dismissed advisory is refused unless `allow_from_dismissed`
/// (the un-withdraw of §10.4). The task is enqueued by the actor, on whose
/// behalf the job later writes.
///
/// Not yet here: the GHSA refresh of §13.1 step 5 (GHSA-linked advisories
/// without a withdrawal reason), which belongs to the GHSA integration.
pub async fn start(
    conn: &mut PgConnection,
    ctx: Ctx<'_>,
    advisory: &AdvisoryRow,
    system: bool,
    allow_from_dismissed: bool,
) -> Result<i64, ServiceError> {
    let row = repo::load(conn, &advisory.advisory_id, Some(ctx.actor), true)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let facts = row.facts()?;
    if !system && !perm::can_publish(Some(ctx.actor), &facts) {
        return Err(ServiceError::Forbidden(
            "lifecycle-error-publish-forbidden".into(),
        ));
    }
    if facts.state == State::Dismissed && !allow_from_dismissed {
        return Err(ServiceError::Forbidden(
            "lifecycle-error-publish-dismissed".into(),
        ));
    }
    if in_progress(conn, row.id).await? {
        return Err(ServiceError::InvalidState(IN_PROGRESS.into()));
    }
    let Some(version) = sqlx::query!(
        "SELECT id, version FROM advisory_version WHERE advisory_id = $1
         ORDER BY version DESC LIMIT 1",
        row.id
    )
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Err(ServiceError::InvalidState(
            "lifecycle-error-publish-no-version".into(),
        ));
    };
    // The partial unique index is the last guard; under the row lock it
    // cannot fire, but a refusal is still a refusal, not a 500.
    let task = sqlx::query_scalar!(
        "INSERT INTO publication_task (advisory_id, version_id, enqueued_by)
         VALUES ($1, $2, $3)
         ON CONFLICT (advisory_id) WHERE status IN ('queued', 'running') DO NOTHING
         RETURNING id",
        row.id,
        version.id,
        ctx.actor.user_id
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| ServiceError::InvalidState(IN_PROGRESS.into()))?;
    audit::record(
        conn,
        ctx.redactor,
        Entry::new(
            Action::PublicationExportStarted,
            Some(ctx.actor.user_id),
            ctx.origin,
        )
        .advisory(row.id)
        .values(None, Some(json!({"task_id": task, "status": "queued"})))
        .metadata(json!({
            "task_id": task,
            "version_id": version.id,
            "version": version.version,
            "system": system,
        })),
    )
    .await?;
    jobs::enqueue(conn, &PublicationRun { task_id: task }).await?;
    Ok(task)
}
