//! The queue's own periodic jobs: pruning finished jobs and sweeping expired
//! rows from the UNLOGGED tables.

use serde::{Deserialize, Serialize};

use super::{Job, JobContext, JobError};
use crate::cache;

/// Deletes completed and cancelled jobs older than `JOB_RETENTION_DAYS`, and
/// schedule ticks older than that; dead jobs stay until an operator acts.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct PruneJobs;

impl Job for PruneJobs {
    const NAME: &'static str = "queue.prune_jobs";
    const MAX_ATTEMPTS: i32 = 3;

    async fn run(&self, ctx: &JobContext) -> Result<(), JobError> {
        let deleted = super::admin::prune(&ctx.pool, ctx.config.job_retention_days).await?;
        tracing::info!(deleted, "pruned finished jobs");
        Ok(())
    }
}

/// Deletes expired cache entries and rate-limit windows.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct SweepEphemeral;

impl Job for SweepEphemeral {
    const NAME: &'static str = "queue.sweep_ephemeral";
    const MAX_ATTEMPTS: i32 = 3;

    async fn run(&self, ctx: &JobContext) -> Result<(), JobError> {
        let (cache_rows, limit_rows) = sweep(&ctx.pool).await?;
        tracing::info!(cache_rows, limit_rows, "swept expired rows");
        Ok(())
    }
}

/// The sweep itself, shared by the job and `advisoryhub sweep-ephemeral`.
pub async fn sweep(pool: &sqlx::PgPool) -> Result<(u64, u64), JobError> {
    let cache_rows = cache::purge_expired(pool)
        .await
        .map_err(|e| JobError::Retry(e.to_string()))?;
    let limit_rows = crate::ratelimit::purge_expired(pool).await?;
    Ok((cache_rows, limit_rows))
}
