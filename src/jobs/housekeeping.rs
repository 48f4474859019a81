//! The queue's own periodic jobs: pruning finished jobs and sweeping expired
//! rows from the UNLOGGED tables.

use serde::{Deserialize, Serialize};

use super::{Job, JobContext, JobError};
use crate::cache;
use crate::config::Config;

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

/// Deletes expired cache entries, rate-limit windows and sessions.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct SweepEphemeral;

impl Job for SweepEphemeral {
    const NAME: &'static str = "queue.sweep_ephemeral";
    const MAX_ATTEMPTS: i32 = 3;

    async fn run(&self, ctx: &JobContext) -> Result<(), JobError> {
        let swept = sweep(&ctx.pool, &ctx.config).await?;
        tracing::info!(
            cache_rows = swept.cache_rows,
            limit_rows = swept.limit_rows,
            session_rows = swept.session_rows,
            "swept expired rows"
        );
        Ok(())
    }
}

/// What one sweep deleted.
#[derive(Clone, Copy, Debug, Default)]
pub struct Swept {
    pub cache_rows: u64,
    pub limit_rows: u64,
    pub session_rows: u64,
}

/// The sweep itself, shared by the job and `advisoryhub sweep-ephemeral`.
pub async fn sweep(pool: &sqlx::PgPool, config: &Config) -> Result<Swept, JobError> {
    let cache_rows = cache::purge_expired(pool)
        .await
        .map_err(|e| JobError::Retry(e.to_string()))?;
    let limit_rows = crate::ratelimit::purge_expired(pool).await?;
    let session_rows = crate::auth::session::purge_expired(pool, config.session_max_age).await?;
    Ok(Swept {
        cache_rows,
        limit_rows,
        session_rows,
    })
}
