//! The review services (20-lifecycle §7), each one transaction in the shape
//! of B-3.
//!
//! Invariants kept here: INV-REVIEW-1 (only `review_status` and
//! `review_task` change, never `state`), INV-REVIEW-2 (a submission pins the
//! latest version under the advisory lock; the database refuses a change of
//! the pin), INV-REVIEW-3 (the predicates keep admins from submitting and
//! withdrawing), and "at most one open review task" (the row lock
//! serialises submissions; the partial unique index is the last guard).

use serde_json::json;
use sqlx::PgConnection;

use crate::advisories::repo::AdvisoryRow;
use crate::advisories::service::{Ctx, ServiceError};
use crate::audit::catalogue::Action;
use crate::audit::{self, Entry};

/// `cancel_pending_review` (§7, teardown): the side effect of an
/// authorised dismissal (or Move to GHSA) on a row the caller has already
/// locked. Nothing when the review status is `none`; otherwise the status
/// returns to `none` and an open task is closed as `withdrawn`, with
/// `advisory.review_withdrawn` (metadata `cancelled_on_dismiss`,
/// `reason_length`, `task_id`) and, when a task was closed,
/// `review.task_status_changed`.
///
/// The status is read from the database, not from `advisory`, so a copy
/// loaded before the caller's own writes cannot make this skip or repeat.
pub async fn cancel_pending_review(
    conn: &mut PgConnection,
    ctx: Ctx<'_>,
    advisory: &AdvisoryRow,
    reason: &str,
) -> Result<(), ServiceError> {
    let previous = sqlx::query_scalar!(
        r#"WITH before AS (SELECT review_status FROM advisory WHERE id = $1 FOR UPDATE)
           UPDATE advisory a SET review_status = 'none'
           FROM before WHERE a.id = $1 AND before.review_status <> 'none'
           RETURNING before.review_status"#,
        advisory.id
    )
    .fetch_optional(&mut *conn)
    .await?;
    let Some(previous) = previous else {
        return Ok(());
    };
    let task = close_open_task(conn, advisory.id, "withdrawn", None, "").await?;
    let actor = Some(ctx.actor.user_id);
    audit::record(
        conn,
        ctx.redactor,
        Entry::new(Action::AdvisoryReviewWithdrawn, actor, ctx.origin)
            .advisory(advisory.id)
            .values(Some(json!(previous)), Some(json!("none")))
            .metadata(json!({
                "cancelled_on_dismiss": true,
                "reason_length": reason.trim().chars().count(),
                "task_id": task,
            })),
    )
    .await?;
    if let Some(task) = task {
        record_task_change(conn, ctx, advisory.id, task, "withdrawn").await?;
    }
    Ok(())
}

/// Closes the advisory's open task, if any, as `status`; its id.
async fn close_open_task(
    conn: &mut PgConnection,
    advisory_id: i64,
    status: &str,
    reviewer: Option<i64>,
    notes: &str,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar!(
        "UPDATE review_task SET status = $2, decided_at = now(),
                reviewer = coalesce($3, reviewer), decision_notes = $4
         WHERE advisory_id = $1 AND status = 'open'
         RETURNING id",
        advisory_id,
        status,
        reviewer,
        notes
    )
    .fetch_optional(conn)
    .await
}

/// The ledger-only twin of a task closing (`open → status`).
async fn record_task_change(
    conn: &mut PgConnection,
    ctx: Ctx<'_>,
    advisory_id: i64,
    task: i64,
    status: &str,
) -> Result<(), ServiceError> {
    audit::record(
        conn,
        ctx.redactor,
        Entry::new(
            Action::ReviewTaskStatusChanged,
            Some(ctx.actor.user_id),
            ctx.origin,
        )
        .advisory(advisory_id)
        .values(Some(json!("open")), Some(json!(status)))
        .metadata(json!({"task_id": task})),
    )
    .await?;
    Ok(())
}
