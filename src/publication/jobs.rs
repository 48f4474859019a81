//! The `publication.run` job (20-lifecycle §13.2): one attempt (ruling 1);
//! the stale-task reaper and explicit retries do the rest.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::jobs::{Job, JobContext, JobError};

/// Runs publication task `task_id`. Carries only the id: the task row holds
/// the pinned version and the outcome.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicationRun {
    pub task_id: i64,
}

impl Job for PublicationRun {
    const NAME: &'static str = "publication.run";
    const MAX_ATTEMPTS: i32 = 1;
    const TIMEOUT: Duration = Duration::from_mins(10);

    fn dedupe_key(&self) -> Option<String> {
        Some(format!("publication.run:{}", self.task_id))
    }

    /// One attempt (ruling 1): whatever happens ends in the task's status,
    /// so only a database error while settling is worth a job retry — and
    /// the entry guard makes that retry a no-op once the task moved on.
    async fn run(&self, ctx: &JobContext) -> Result<(), JobError> {
        super::run::run(
            &ctx.pool,
            &ctx.config,
            &ctx.metrics,
            self.task_id,
            ctx.job_id,
        )
        .await?;
        Ok(())
    }
}

/// The stale-task reaper's tick (70-publication §8, INV-PUB-7): fails
/// publication tasks stuck queued or running past their deadline.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ReapStaleTasks;

impl Job for ReapStaleTasks {
    const NAME: &'static str = "publication.reap_stale";
    const MAX_ATTEMPTS: i32 = 3;

    async fn run(&self, ctx: &JobContext) -> Result<(), JobError> {
        let reaped = super::outcome::reap_stale(
            &ctx.pool,
            &ctx.config.redactor(),
            super::outcome::StaleAfter {
                running: ctx.config.publication.stale_running_after,
                queued: ctx.config.publication.stale_queued_after,
            },
        )
        .await?;
        ctx.metrics
            .observe_publications_reaped(reaped.running + reaped.queued);
        if reaped.running + reaped.queued > 0 {
            tracing::warn!(
                running = reaped.running,
                queued = reaped.queued,
                "failed stale publication tasks"
            );
        }
        Ok(())
    }
}
