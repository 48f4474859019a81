//! Operating the queue: listing jobs, re-queuing dead ones, pruning, and the
//! backlog counts behind the metrics. Used by `advisoryhub jobs` and the admin
//! console (`/admin/jobs/`).

use serde::Serialize;
use sqlx::{Acquire, PgConnection, PgPool};
use time::OffsetDateTime;

/// A job as an operator sees it.
#[derive(Debug, Clone, Serialize)]
pub struct JobRow {
    pub id: i64,
    pub name: String,
    pub queue: String,
    pub status: String,
    pub attempts: i32,
    pub max_attempts: i32,
    #[serde(with = "time::serde::rfc3339")]
    pub run_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub finished_at: Option<OffsetDateTime>,
    pub last_error: Option<String>,
    pub dedupe_key: Option<String>,
}

/// The statuses a job can have.
pub const STATUSES: [&str; 5] = ["pending", "running", "completed", "dead", "cancelled"];

/// The newest jobs with `status` (any status when `None`), at most `limit`.
pub async fn list(
    pool: &PgPool,
    status: Option<&str>,
    limit: i64,
) -> Result<Vec<JobRow>, sqlx::Error> {
    sqlx::query_as!(
        JobRow,
        "SELECT id, name, queue, status, attempts, max_attempts, run_at, finished_at, last_error, dedupe_key
         FROM jobs
         WHERE $1::text IS NULL OR status = $1
         ORDER BY id DESC
         LIMIT $2",
        status,
        limit
    )
    .fetch_all(pool)
    .await
}

/// Why a job could not be re-queued.
#[derive(Debug, thiserror::Error)]
pub enum RetryError {
    #[error("no job {0}")]
    NotFound(i64),
    #[error("job {0} is {1}; only dead jobs can be re-queued")]
    NotDead(i64, String),
    #[error("job {0} cannot be re-queued: a job with the same dedupe key is pending or running")]
    Duplicate(i64),
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
}

/// Puts a dead job back in the queue with a fresh set of attempts.
pub async fn retry(pool: &PgPool, id: i64) -> Result<(), RetryError> {
    let mut tx = pool.begin().await?;
    requeue(&mut tx, id).await?;
    tx.commit().await?;
    Ok(())
}

/// [`retry`] inside the caller's transaction (the admin console audits the
/// re-queue in the same one); the job's name and queue. A refused re-queue
/// has written nothing.
pub async fn requeue(conn: &mut PgConnection, id: i64) -> Result<(String, String), RetryError> {
    let status = sqlx::query_scalar!("SELECT status FROM jobs WHERE id = $1 FOR UPDATE", id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(RetryError::NotFound(id))?;
    if status != "dead" {
        return Err(RetryError::NotDead(id, status));
    }
    // A savepoint, so a refused update leaves the caller's transaction usable.
    let mut sp = conn.begin().await?;
    let requeued = sqlx::query!(
        "UPDATE jobs SET status = 'pending', attempts = 0, run_at = now(), finished_at = NULL
         WHERE id = $1
         RETURNING name, queue",
        id
    )
    .fetch_one(&mut *sp)
    .await;
    let row = match requeued {
        Ok(row) => row,
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
            sp.rollback().await?;
            return Err(RetryError::Duplicate(id));
        }
        Err(e) => return Err(e.into()),
    };
    sp.commit().await?;
    sqlx::query!("SELECT pg_notify($1, $2)", super::CHANNEL, row.queue)
        .execute(&mut *conn)
        .await?;
    Ok((row.name, row.queue))
}

/// Deletes completed and cancelled jobs, and schedule ticks, older than
/// `days`. Dead jobs are kept: they wait for an operator.
pub async fn prune(pool: &PgPool, days: u32) -> Result<u64, sqlx::Error> {
    let days = f64::from(days);
    let jobs = sqlx::query!(
        "DELETE FROM jobs
         WHERE status IN ('completed', 'cancelled')
           AND finished_at < now() - make_interval(days => $1::float8::int)",
        days
    )
    .execute(pool)
    .await?
    .rows_affected();
    sqlx::query!(
        "DELETE FROM schedule_runs WHERE enqueued_at < now() - make_interval(days => $1::float8::int)",
        days
    )
    .execute(pool)
    .await?;
    Ok(jobs)
}

/// Live job counts by queue and status (pending, running, dead).
pub async fn backlog(pool: &PgPool) -> Result<Vec<(String, String, i64)>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT queue, status, count(*) AS "n!"
           FROM jobs
           WHERE status IN ('pending', 'running', 'dead')
           GROUP BY queue, status"#
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|r| (r.queue, r.status, r.n)).collect())
}
