//! Periodic work without a leader.
//!
//! Every worker replica (with `WORKER_PERIODIC_ENABLED`) checks each schedule
//! every second. The current tick is `floor(epoch / interval)` on the
//! database's clock; inserting `(schedule, tick)` into `schedule_runs` succeeds
//! for exactly one replica, which enqueues the job in the same transaction
//! with the dedupe key `{schedule}:{tick}`. Only the current tick is ever
//! inserted, so ticks missed while no worker ran are caught up once, not one
//! by one.

use std::time::Duration;

use sqlx::PgPool;
use tokio::sync::watch;

use super::housekeeping::{PruneJobs, SweepEphemeral};
use super::{EnqueueError, NewJob};
use crate::audit::partitions::MaintainAccessLogPartitions;
use crate::config::Config;
use crate::ops::metrics::Metrics;
use crate::publication::jobs::ReapStaleTasks;

/// A periodic job.
#[derive(Clone, Debug)]
pub struct Schedule {
    pub name: &'static str,
    pub interval: Duration,
    pub job: fn() -> Result<NewJob, serde_json::Error>,
}

/// The schedules and their default intervals; `SCHEDULE_INTERVALS` may
/// override an interval by name.
pub const DEFAULTS: [(&str, Duration); 4] = [
    ("prune-jobs", Duration::from_hours(1)),
    ("ephemeral-sweep", Duration::from_mins(5)),
    ("access-log-partitions", Duration::from_hours(24)),
    ("publication-task-reaper", Duration::from_mins(10)),
];

fn job_for(name: &str) -> Option<fn() -> Result<NewJob, serde_json::Error>> {
    match name {
        "prune-jobs" => Some(|| NewJob::of(&PruneJobs)),
        "ephemeral-sweep" => Some(|| NewJob::of(&SweepEphemeral)),
        "access-log-partitions" => Some(|| NewJob::of(&MaintainAccessLogPartitions)),
        "publication-task-reaper" => Some(|| NewJob::of(&ReapStaleTasks)),
        _ => None,
    }
}

/// The schedules of this release with the configured intervals.
pub fn schedules(config: &Config) -> Vec<Schedule> {
    DEFAULTS
        .iter()
        .filter_map(|(name, default)| {
            Some(Schedule {
                name,
                interval: config
                    .schedule_intervals
                    .get(*name)
                    .copied()
                    .unwrap_or(*default),
                job: job_for(name)?,
            })
        })
        .collect()
}

/// Enqueues the current tick of `schedule` unless a replica already did.
/// Returns the tick when this call enqueued it.
pub async fn enqueue_due(pool: &PgPool, schedule: &Schedule) -> Result<Option<i64>, EnqueueError> {
    let mut tx = pool.begin().await?;
    let tick = sqlx::query_scalar!(
        r#"INSERT INTO schedule_runs (schedule, tick)
         VALUES ($1, floor(extract(epoch FROM clock_timestamp())::float8 / $2::float8)::bigint)
         ON CONFLICT DO NOTHING
         RETURNING tick AS "tick!""#,
        schedule.name,
        schedule.interval.as_secs_f64().max(1.0),
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(tick) = tick else {
        return Ok(None);
    };
    let job = (schedule.job)()?.with_dedupe_key(format!("{}:{tick}", schedule.name));
    let job_id = super::insert(&mut tx, job).await?;
    sqlx::query!(
        "UPDATE schedule_runs SET job_id = $3 WHERE schedule = $1 AND tick = $2",
        schedule.name,
        tick,
        job_id
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Some(tick))
}

/// The scheduler loop of one replica.
pub async fn run(
    pool: PgPool,
    schedules: Vec<Schedule>,
    metrics: Metrics,
    stop: watch::Receiver<bool>,
) {
    let mut ticker = super::worker::Ticker::new(Duration::from_secs(1), stop);
    while ticker.tick().await {
        for schedule in &schedules {
            match enqueue_due(&pool, schedule).await {
                Ok(Some(t)) => {
                    metrics.observe_periodic(schedule.name, "enqueued");
                    tracing::info!(schedule = schedule.name, tick = t, "periodic job enqueued");
                }
                Ok(None) => {}
                Err(e) => {
                    metrics.observe_periodic(schedule.name, "error");
                    tracing::warn!(schedule = schedule.name, error = %e, "could not enqueue a periodic job");
                }
            }
        }
    }
}
