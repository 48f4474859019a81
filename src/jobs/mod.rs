//! The job queue, on PostgreSQL alone.
//!
//! A job is a typed struct implementing [`Job`]; [`enqueue`] inserts it with
//! the caller's transaction, so a rolled-back change leaves no job and a
//! committed one always has its job. Workers ([`worker`]) claim pending rows
//! with `FOR UPDATE SKIP LOCKED`, wake on `NOTIFY` (sent by a trigger at
//! commit) with a jittered poll as the fallback, retry failures with
//! exponential backoff kept in the row, and move a job that used up its
//! attempts to the dead-letter state. Jobs are at-least-once: a worker that
//! dies mid-job has its jobs handed to the others, so every job must be
//! idempotent. This module is the only code that knows how jobs are stored.

pub mod admin;
pub mod bench;
pub mod exclusive;
pub mod housekeeping;
pub mod kinds;
pub mod reaper;
pub mod registry;
pub mod schedule;
pub mod worker;

use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::{PgConnection, PgPool};

use crate::config::Config;

/// The `NOTIFY` channel that wakes workers; the payload is the queue name.
pub const CHANNEL: &str = "advisoryhub_jobs";

/// The default queue.
pub const DEFAULT_QUEUE: &str = "default";

tokio::task_local! {
    /// The id of the request being served, copied into jobs it enqueues.
    pub static CURRENT_REQUEST_ID: String;
}

/// A kind of background work.
pub trait Job: Serialize + DeserializeOwned + Send + Sync + 'static {
    /// Stable name, stored in the row; renaming it orphans queued jobs.
    const NAME: &'static str;
    const QUEUE: &'static str = DEFAULT_QUEUE;
    /// Higher runs first.
    const PRIORITY: i16 = 0;
    /// Attempts before the job is dead-lettered.
    const MAX_ATTEMPTS: i32 = 5;
    /// Delay before the first retry; it doubles with each further attempt.
    const RETRY_BASE: Duration = Duration::from_secs(10);
    /// A run that takes longer fails (and is retried like any failure).
    const TIMEOUT: Duration = Duration::from_mins(2);

    /// While a job with this key is pending or running, enqueuing another
    /// with the same key is skipped.
    fn dedupe_key(&self) -> Option<String> {
        None
    }

    /// Does the work. Must be idempotent: it may run more than once.
    fn run(&self, ctx: &JobContext) -> impl Future<Output = Result<(), JobError>> + Send;
}

/// What a running job may reach.
#[derive(Clone)]
pub struct JobContext {
    pub pool: PgPool,
    pub config: std::sync::Arc<Config>,
    /// Outgoing e-mail, shared by every job of the process.
    pub mailer: crate::notifications::mail::Mailer,
    pub metrics: crate::ops::metrics::Metrics,
    pub job_id: i64,
    /// 1 on the first run.
    pub attempt: i32,
}

/// Why a run failed.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// Worth another attempt (until the job's attempts run out).
    #[error("{0}")]
    Retry(String),
    /// Never worth retrying: the job goes straight to the dead-letter state.
    #[error("{0}")]
    Fatal(String),
}

impl From<sqlx::Error> for JobError {
    fn from(e: sqlx::Error) -> Self {
        JobError::Retry(format!("database: {e}"))
    }
}

/// A job ready to insert, its type erased.
#[derive(Debug, Clone)]
pub struct NewJob {
    pub name: &'static str,
    pub queue: &'static str,
    pub payload: serde_json::Value,
    pub priority: i16,
    pub max_attempts: i32,
    pub dedupe_key: Option<String>,
}

impl NewJob {
    pub fn of<J: Job>(job: &J) -> Result<NewJob, serde_json::Error> {
        Ok(NewJob {
            name: J::NAME,
            queue: J::QUEUE,
            payload: serde_json::to_value(job)?,
            priority: J::PRIORITY,
            max_attempts: J::MAX_ATTEMPTS,
            dedupe_key: job.dedupe_key(),
        })
    }

    /// The same job under another dedupe key.
    #[must_use]
    pub fn with_dedupe_key(mut self, key: String) -> NewJob {
        self.dedupe_key = Some(key);
        self
    }
}

/// An enqueue failure.
#[derive(Debug, thiserror::Error)]
pub enum EnqueueError {
    #[error("job payload: {0}")]
    Payload(#[from] serde_json::Error),
    #[error("job storage: {0}")]
    Db(#[from] sqlx::Error),
}

/// Inserts `job` on the caller's connection (normally inside its
/// transaction). Returns the new job's id, or `None` when a job with the same
/// dedupe key is already pending or running (skipped, not an error).
pub async fn enqueue<J: Job>(
    conn: &mut PgConnection,
    job: &J,
) -> Result<Option<i64>, EnqueueError> {
    insert(conn, NewJob::of(job)?).await
}

/// Inserts an erased job; see [`enqueue`].
pub async fn insert(conn: &mut PgConnection, job: NewJob) -> Result<Option<i64>, EnqueueError> {
    let request_id = CURRENT_REQUEST_ID.try_with(Clone::clone).ok();
    let id = sqlx::query_scalar!(
        "INSERT INTO jobs (name, queue, payload, priority, max_attempts, dedupe_key, request_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (dedupe_key) WHERE dedupe_key IS NOT NULL AND status IN ('pending', 'running')
         DO NOTHING
         RETURNING id",
        job.name,
        job.queue,
        job.payload,
        job.priority,
        job.max_attempts,
        job.dedupe_key,
        request_id,
    )
    .fetch_optional(conn)
    .await?;
    Ok(id)
}

/// Inserts many jobs of one kind in one statement (no dedupe keys).
pub async fn enqueue_batch<J: Job>(
    conn: &mut PgConnection,
    jobs: &[J],
) -> Result<u64, EnqueueError> {
    let payloads = jobs
        .iter()
        .map(serde_json::to_value)
        .collect::<Result<Vec<_>, _>>()?;
    let request_id = CURRENT_REQUEST_ID.try_with(Clone::clone).ok();
    let done = sqlx::query!(
        "INSERT INTO jobs (name, queue, payload, priority, max_attempts, request_id)
         SELECT $1, $2, p, $4, $5, $6 FROM unnest($3::jsonb[]) AS p",
        J::NAME,
        J::QUEUE,
        &payloads,
        J::PRIORITY,
        J::MAX_ATTEMPTS,
        request_id,
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}
