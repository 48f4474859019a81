//! The worker: claims jobs, runs them, records their outcome.
//!
//! Guarantees, and how they are kept:
//! - a job runs at least once: claims are rows marked `running` with this
//!   worker's identity; a worker that stops heart-beating has its running jobs
//!   handed back to the queue by any other worker's sweep;
//! - in normal operation a job runs once: `FOR UPDATE SKIP LOCKED` hands each
//!   row to one claimer, and outcomes are written only while the row is still
//!   locked by this worker;
//! - a database outage does not kill the worker: it waits and reconnects, and
//!   gives up (exit non-zero) only after `WORKER_DB_OUTAGE_EXIT_SECONDS`;
//! - on shutdown it stops claiming, lets running jobs finish within the grace
//!   period, records their outcomes and leaves; what is left is recovered.

use std::collections::VecDeque;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use futures_util::FutureExt;
use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, PgConnection, PgPool};
use tokio::sync::{Notify, Semaphore, broadcast, mpsc, watch};
use tracing::Instrument;

use super::registry::Registry;
use super::schedule::{self, Schedule};
use super::{JobContext, JobError};
use crate::config::Config;
use crate::notifications::mail::Mailer;
use crate::ops::metrics::Metrics;

/// How a worker behaves; from the configuration, or set by tests.
#[derive(Clone, Debug)]
pub struct WorkerSettings {
    /// Jobs run at once in this process.
    pub concurrency: usize,
    /// A worker silent for this long is presumed dead and its jobs recovered.
    pub lease: Duration,
    /// How long running jobs may take to finish after SIGTERM.
    pub shutdown_grace: Duration,
    /// How long the database may be unreachable before the worker exits.
    pub outage_exit: Duration,
    /// Whether this replica enqueues periodic ticks.
    pub periodic: bool,
    pub schedules: Vec<Schedule>,
}

impl WorkerSettings {
    pub fn from_config(config: &Config) -> WorkerSettings {
        WorkerSettings {
            concurrency: config.worker_concurrency,
            lease: config.worker_lease,
            shutdown_grace: config.worker_shutdown_grace,
            outage_exit: config.worker_db_outage_exit,
            periodic: config.worker_periodic_enabled,
            schedules: schedule::schedules(config),
        }
    }
}

/// Liveness of the job loop, for the worker's `/healthz`.
#[derive(Debug, Default)]
pub struct Heartbeat {
    last_poll_ms: AtomicI64,
}

fn now_ms() -> i64 {
    i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_millis(),
    )
    .unwrap_or(i64::MAX)
}

impl Heartbeat {
    fn touch(&self) {
        self.last_poll_ms.store(now_ms(), Ordering::Relaxed);
    }

    /// Whether the job loop polled the database within `max_age`.
    pub fn is_fresh(&self, max_age: Duration) -> bool {
        let last = self.last_poll_ms.load(Ordering::Relaxed);
        let age = now_ms().saturating_sub(last);
        last > 0 && u128::try_from(age).unwrap_or(u128::MAX) <= max_age.as_millis()
    }
}

/// Why a worker stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    #[error(
        "the database was unreachable for {0:?}; exiting so the orchestrator restarts the worker"
    )]
    Outage(Duration),
}

/// A periodic loop that ends when the worker stops.
pub(crate) struct Ticker {
    interval: tokio::time::Interval,
    stop: watch::Receiver<bool>,
}

impl Ticker {
    pub(crate) fn new(period: Duration, stop: watch::Receiver<bool>) -> Ticker {
        let mut interval = tokio::time::interval(period);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        Ticker { interval, stop }
    }

    /// Waits for the next tick; `false` once the worker is stopping.
    pub(crate) async fn tick(&mut self) -> bool {
        tokio::select! {
            _ = self.interval.tick() => true,
            _ = self.stop.changed() => false,
        }
    }
}

/// A random duration in `[min, max)`, so replicas do not poll in lockstep.
pub fn jitter(min: Duration, max: Duration) -> Duration {
    let spread = max.saturating_sub(min).as_millis().max(1);
    // A v4 UUID is 122 random bits from the OS; no extra crate needed.
    let r = uuid::Uuid::new_v4().as_u128() % spread;
    min + Duration::from_millis(u64::try_from(r).unwrap_or(0))
}

/// The delay before retry number `attempts` (1-based): base × 2^(attempts−1),
/// at most an hour.
pub fn backoff(base: Duration, attempts: i32) -> Duration {
    let exp = u32::try_from(attempts.saturating_sub(1))
        .unwrap_or(0)
        .min(20);
    base.saturating_mul(2u32.saturating_pow(exp))
        .min(Duration::from_hours(1))
}

/// A claimed job.
struct Claimed {
    id: i64,
    name: String,
    payload: serde_json::Value,
    attempts: i32,
    request_id: Option<String>,
}

/// How a run ended.
enum Outcome {
    Done,
    Failed { error: String, fatal: bool },
}

struct Finished {
    id: i64,
    name: String,
    attempts: i32,
    retry_base: Duration,
    outcome: Outcome,
}

/// One worker process.
pub struct Worker {
    pub id: String,
    pool: PgPool,
    /// Claims and outcomes go through connections with asynchronous commit:
    /// a claim or an outcome lost in a database crash only makes a job run
    /// again, which at-least-once jobs allow, and it spares a WAL flush per
    /// claim and per batch of outcomes.
    queue_pool: PgPool,
    config: Arc<Config>,
    mailer: Mailer,
    registry: Arc<Registry>,
    settings: WorkerSettings,
    metrics: Metrics,
    pub heartbeat: Arc<Heartbeat>,
    wake: Arc<Notify>,
    /// Jobs finished by this process, for the claim buffer's size.
    completed: Arc<AtomicUsize>,
}

/// The claim buffer's size, from the completion rate.
struct BufferSize {
    floor: usize,
    size: usize,
    sampled_at: Instant,
    sampled_count: usize,
    rate: f64,
}

impl BufferSize {
    const TARGET: Duration = Duration::from_millis(50);
    const CEILING: usize = 1000;

    fn new(floor: usize) -> BufferSize {
        BufferSize {
            floor,
            size: floor,
            sampled_at: Instant::now(),
            sampled_count: 0,
            rate: 0.0,
        }
    }

    /// Folds in the completion count and returns the current size.
    fn update(&mut self, completed: usize) -> usize {
        let elapsed = self.sampled_at.elapsed();
        if elapsed >= Duration::from_millis(100) {
            #[expect(clippy::cast_precision_loss, reason = "a rate estimate")]
            let rate = completed.saturating_sub(self.sampled_count) as f64 / elapsed.as_secs_f64();
            self.rate = 0.5 * self.rate + 0.5 * rate;
            self.sampled_at = Instant::now();
            self.sampled_count = completed;
            #[expect(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                reason = "clamped to a small positive range"
            )]
            let wanted = (self.rate * Self::TARGET.as_secs_f64()) as usize;
            self.size = wanted.clamp(self.floor, Self::CEILING.max(self.floor));
        }
        self.size
    }
}

/// The host name, for the worker identity.
fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "localhost".to_owned())
}

impl Worker {
    pub fn new(
        pool: PgPool,
        config: Arc<Config>,
        mailer: Mailer,
        registry: Registry,
        settings: WorkerSettings,
        metrics: Metrics,
    ) -> Worker {
        let suffix = uuid::Uuid::new_v4().simple().to_string();
        let queue_options = pool
            .connect_options()
            .as_ref()
            .clone()
            // The claim is prepared once per connection; a generic plan made
            // while the table was empty scans it whole once it fills again.
            .options([
                ("synchronous_commit", "off"),
                ("plan_cache_mode", "force_custom_plan"),
            ]);
        let queue_pool = sqlx::postgres::PgPoolOptions::new()
            .max_connections(4)
            .acquire_timeout(Duration::from_secs(3))
            .connect_lazy_with(queue_options);
        Worker {
            // Unique per process start, so a restarted worker never adopts
            // the claims of its previous life.
            id: format!("{}-{}-{}", host_name(), std::process::id(), &suffix[..12]),
            pool,
            queue_pool,
            config,
            mailer,
            registry: Arc::new(registry),
            settings,
            metrics,
            heartbeat: Arc::new(Heartbeat::default()),
            wake: Arc::new(Notify::new()),
            completed: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// Wakes the claim loop whenever a notification arrives on `rx`.
    pub fn wake_on(&self, mut rx: broadcast::Receiver<String>) {
        let wake = self.wake.clone();
        tokio::spawn(async move {
            while !matches!(rx.recv().await, Err(broadcast::error::RecvError::Closed)) {
                wake.notify_one();
            }
        });
    }

    /// Runs until `shutdown` resolves (then drains) or the database stays
    /// unreachable too long. `on_ready` is called once jobs are being claimed.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send,
        on_ready: impl FnOnce() + Send,
    ) -> Result<(), WorkerError> {
        let (stop_tx, stop_rx) = watch::channel(false);
        self.register().await?;
        let mut sweeper = tokio::spawn(sweep_loop(
            self.pool.connect_options().as_ref().clone(),
            self.id.clone(),
            self.settings.lease,
            stop_rx.clone(),
        ));
        let (ack_tx, ack_rx) = mpsc::unbounded_channel();
        let acker = tokio::spawn(ack_loop(
            self.queue_pool.clone(),
            self.id.clone(),
            ack_rx,
            self.metrics.clone(),
        ));
        if self.settings.periodic {
            tokio::spawn(schedule::run(
                self.pool.clone(),
                self.settings.schedules.clone(),
                self.metrics.clone(),
                stop_rx.clone(),
            ));
        }
        tokio::spawn(backlog_loop(
            self.pool.clone(),
            self.metrics.clone(),
            stop_rx.clone(),
        ));
        tracing::info!(worker = %self.id, concurrency = self.settings.concurrency, "worker started");
        on_ready();

        let global = Arc::new(Semaphore::new(self.settings.concurrency.max(1)));
        let released = Arc::new(Notify::new());
        let claimed = {
            let (stop_claims, claims_stopped) = watch::channel(false);
            let claims = self.claim_loop(&global, &released, &ack_tx, claims_stopped);
            tokio::pin!(claims);
            tokio::pin!(shutdown);
            tokio::select! {
                r = &mut claims => r,
                () = &mut shutdown => {
                    let _ = stop_claims.send(true);
                    claims.await
                }
                r = &mut sweeper => {
                    tracing::error!(?r, "worker heartbeat stopped");
                    let _ = stop_claims.send(true);
                    claims.await
                }
            }
        };
        let outcome = match claimed {
            Ok(unstarted) => {
                self.release(&unstarted).await;
                Ok(())
            }
            Err(e) => Err(e),
        };
        let _ = stop_tx.send(true);
        tracing::info!("worker stopping: letting running jobs finish");
        let all = u32::try_from(self.settings.concurrency.max(1)).unwrap_or(u32::MAX);
        if tokio::time::timeout(self.settings.shutdown_grace, global.acquire_many(all))
            .await
            .is_err()
        {
            tracing::warn!("jobs still running after the grace period; they will be recovered");
        }
        drop(ack_tx);
        if tokio::time::timeout(Duration::from_secs(10), acker)
            .await
            .is_err()
        {
            tracing::warn!("could not record every job outcome; those jobs will run again");
        }
        sweeper.abort();
        // Leaving the worker table hands any job still marked as ours back to
        // the queue at the next sweep of another worker.
        if let Err(e) = sqlx::query!("DELETE FROM job_workers WHERE id = $1", self.id)
            .execute(&self.pool)
            .await
        {
            tracing::warn!(error = %e, "could not deregister the worker");
        }
        outcome
    }

    async fn register(&self) -> Result<(), WorkerError> {
        let started = Instant::now();
        loop {
            match sqlx::query!(
                "INSERT INTO job_workers (id, host, pid) VALUES ($1, $2, $3)
                 ON CONFLICT (id) DO UPDATE SET last_seen_at = now()",
                self.id,
                host_name(),
                i32::try_from(std::process::id()).unwrap_or(0),
            )
            .execute(&self.pool)
            .await
            {
                Ok(_) => return Ok(()),
                Err(e) if started.elapsed() < self.settings.outage_exit => {
                    tracing::warn!(error = %e, "database unavailable; waiting to register the worker");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
                Err(_) => return Err(WorkerError::Outage(started.elapsed())),
            }
        }
    }

    /// Claims jobs into a local buffer and starts them as slots free up.
    /// The buffer holds about 50 ms of work at the recent completion rate, at
    /// least `concurrency` jobs and at most 1,000 (never more than a limited
    /// queue's free slots): fast jobs are claimed in large batches, which
    /// keeps round trips and index scans per job low, while slow jobs are
    /// never hoarded away from other workers. Returns the buffered jobs that
    /// never started, for `release`.
    async fn claim_loop(
        &self,
        global: &Arc<Semaphore>,
        released: &Arc<Notify>,
        ack_tx: &mpsc::UnboundedSender<Finished>,
        mut stop: watch::Receiver<bool>,
    ) -> Result<Vec<i64>, WorkerError> {
        let names = self.registry.names();
        let queues: Vec<(&'static str, Option<Arc<Semaphore>>)> = self
            .registry
            .queues()
            .into_iter()
            .map(|(q, limit)| (q, limit.map(|l| Arc::new(Semaphore::new(l)))))
            .collect();
        let mut capacity = BufferSize::new(self.settings.concurrency.max(1));
        let mut buffers: Vec<VecDeque<Claimed>> = queues.iter().map(|_| VecDeque::new()).collect();
        let mut failing_since: Option<Instant> = None;
        let mut last_warning: Option<Instant> = None;
        while !*stop.borrow() {
            let mut progressed = false;
            let mut buffered: usize = buffers.iter().map(VecDeque::len).sum();
            let mut error = None;
            let capacity = capacity.update(self.completed.load(Ordering::Relaxed));
            if buffered <= capacity / 2 {
                for ((queue, limit), buffer) in queues.iter().zip(buffers.iter_mut()) {
                    let mut room = (capacity + global.available_permits()).saturating_sub(buffered);
                    if let Some(s) = limit {
                        room = room.min(s.available_permits().saturating_sub(buffer.len()));
                    }
                    if room == 0 {
                        continue;
                    }
                    match self.claim(queue, &names, room).await {
                        Ok(jobs) => {
                            progressed |= !jobs.is_empty();
                            buffered += jobs.len();
                            buffer.extend(jobs);
                        }
                        Err(e) => {
                            error = Some(e);
                            break;
                        }
                    }
                }
            }
            // Jobs start in the same pass that claimed them, with no check for
            // shutdown in between: a job marked running in the database while
            // a slot was free is never handed back unstarted.
            for ((_, limit), buffer) in queues.iter().zip(buffers.iter_mut()) {
                while global.available_permits() > 0
                    && limit.as_ref().is_none_or(|s| s.available_permits() > 0)
                {
                    let Some(job) = buffer.pop_front() else { break };
                    self.start(job, global, limit.as_ref(), released, ack_tx)
                        .await;
                    progressed = true;
                }
            }
            match error {
                None => {
                    failing_since = None;
                    self.heartbeat.touch();
                }
                Some(e) => {
                    let since = *failing_since.get_or_insert_with(Instant::now);
                    if since.elapsed() >= self.settings.outage_exit {
                        return Err(WorkerError::Outage(since.elapsed()));
                    }
                    if last_warning.is_none_or(|w| w.elapsed() > Duration::from_secs(30)) {
                        tracing::warn!(error = %e, "cannot claim jobs; retrying");
                        last_warning = Some(Instant::now());
                    }
                    tokio::select! {
                        () = tokio::time::sleep(Duration::from_secs(1)) => {}
                        _ = stop.changed() => {}
                    }
                    continue;
                }
            }
            if progressed {
                continue;
            }
            // A finished job frees a slot (perhaps of a limited queue whose
            // next job is buffered or waiting), so it is a reason to look again.
            tokio::select! {
                () = self.wake.notified() => {}
                () = tokio::time::sleep(jitter(Duration::from_secs(1), Duration::from_secs(2))) => {}
                () = released.notified() => {}
                _ = stop.changed() => {}
            }
        }
        Ok(buffers.into_iter().flatten().map(|j| j.id).collect())
    }

    /// Hands claimed jobs that never started back to the queue, as if they
    /// had not been claimed.
    async fn release(&self, ids: &[i64]) {
        if ids.is_empty() {
            return;
        }
        let released = sqlx::query!(
            "UPDATE jobs SET status = 'pending', locked_by = NULL, locked_at = NULL,
                             attempts = greatest(attempts - 1, 0)
             WHERE id = ANY($1) AND locked_by = $2 AND status = 'running'",
            ids,
            self.id
        )
        .execute(&self.pool)
        .await;
        if let Err(e) = released {
            tracing::warn!(error = %e, jobs = ids.len(), "could not hand back unstarted jobs; they will be recovered");
        }
    }

    async fn claim(
        &self,
        queue: &str,
        names: &[String],
        limit: usize,
    ) -> Result<Vec<Claimed>, sqlx::Error> {
        let rows = sqlx::query!(
            r#"WITH picked AS (
                   SELECT id FROM jobs
                   WHERE status = 'pending' AND queue = $2 AND name = ANY($3) AND run_at <= now()
                   ORDER BY priority DESC, run_at, id
                   LIMIT $4
                   FOR UPDATE SKIP LOCKED
               )
               UPDATE jobs AS j
               SET status = 'running', locked_by = $1, locked_at = now(), attempts = j.attempts + 1
               FROM picked
               WHERE j.id = picked.id
               RETURNING j.id, j.name, j.payload, j.attempts, j.request_id"#,
            self.id,
            queue,
            names,
            i64::try_from(limit).unwrap_or(i64::MAX),
        )
        .fetch_all(&self.queue_pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| Claimed {
                id: r.id,
                name: r.name,
                payload: r.payload,
                attempts: r.attempts,
                request_id: r.request_id,
            })
            .collect())
    }

    async fn start(
        &self,
        job: Claimed,
        global: &Arc<Semaphore>,
        limit: Option<&Arc<Semaphore>>,
        released: &Arc<Notify>,
        ack_tx: &mpsc::UnboundedSender<Finished>,
    ) {
        // Only this loop takes permits and it counted them first, so these
        // acquisitions do not wait.
        let Ok(permit) = global.clone().acquire_owned().await else {
            return;
        };
        let queue_permit = match limit {
            Some(s) => s.clone().acquire_owned().await.ok(),
            None => None,
        };
        let Some(kind) = self.registry.get(&job.name) else {
            return;
        };
        let (timeout, retry_base, run) = (kind.timeout, kind.retry_base, kind.run);
        let ctx = JobContext {
            pool: self.pool.clone(),
            config: self.config.clone(),
            mailer: self.mailer.clone(),
            metrics: self.metrics.clone(),
            job_id: job.id,
            attempt: job.attempts,
        };
        let metrics = self.metrics.clone();
        let completed = self.completed.clone();
        let released = released.clone();
        let ack_tx = ack_tx.clone();
        let request_id = job
            .request_id
            .clone()
            .unwrap_or_else(|| format!("job-{}", job.id));
        let span = tracing::info_span!("job", request_id = %request_id, job = %job.name, job_id = job.id, attempt = job.attempts);
        tokio::spawn(
            async move {
                let started = Instant::now();
                let outcome = execute(run, timeout, job.payload, &ctx, &job.name).await;
                metrics.observe_job(
                    &job.name,
                    matches!(outcome, Outcome::Done),
                    started.elapsed(),
                );
                let _ = ack_tx.send(Finished {
                    id: job.id,
                    name: job.name,
                    attempts: job.attempts,
                    retry_base,
                    outcome,
                });
                drop(queue_permit);
                drop(permit);
                completed.fetch_add(1, Ordering::Relaxed);
                released.notify_one();
            }
            .instrument(span),
        );
    }
}

async fn execute(
    run: for<'a> fn(
        serde_json::Value,
        &'a JobContext,
    ) -> futures_util::future::BoxFuture<'a, Result<(), JobError>>,
    timeout: Duration,
    payload: serde_json::Value,
    ctx: &JobContext,
    name: &str,
) -> Outcome {
    let result = AssertUnwindSafe(tokio::time::timeout(timeout, run(payload, ctx)))
        .catch_unwind()
        .await;
    match result {
        Ok(Ok(Ok(()))) => Outcome::Done,
        Ok(Ok(Err(JobError::Retry(error)))) => Outcome::Failed {
            error,
            fatal: false,
        },
        Ok(Ok(Err(JobError::Fatal(error)))) => Outcome::Failed { error, fatal: true },
        Ok(Err(_)) => Outcome::Failed {
            error: format!("{name} timed out after {timeout:?}"),
            fatal: false,
        },
        Err(panic) => {
            let message = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            Outcome::Failed {
                error: format!("{name} panicked: {message}"),
                fatal: false,
            }
        }
    }
}

/// Records outcomes in batches: while one write is in flight the next batch
/// gathers, so a busy worker needs few round trips and an idle one answers at
/// once. A failed write is retried; outcomes are never dropped while the
/// worker lives.
async fn ack_loop(
    pool: PgPool,
    worker_id: String,
    mut rx: mpsc::UnboundedReceiver<Finished>,
    metrics: Metrics,
) {
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        while batch.len() < 2000 {
            match rx.try_recv() {
                Ok(f) => batch.push(f),
                Err(_) => break,
            }
        }
        let mut delay = Duration::from_millis(100);
        while let Err(e) = record(&pool, &worker_id, &batch, &metrics).await {
            tracing::warn!(error = %e, jobs = batch.len(), "cannot record job outcomes; retrying");
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_secs(5));
        }
    }
}

async fn record(
    pool: &PgPool,
    worker_id: &str,
    batch: &[Finished],
    metrics: &Metrics,
) -> Result<(), sqlx::Error> {
    let done: Vec<i64> = batch
        .iter()
        .filter(|f| matches!(f.outcome, Outcome::Done))
        .map(|f| f.id)
        .collect();
    let mut tx = pool.begin().await?;
    if !done.is_empty() {
        sqlx::query!(
            "UPDATE jobs SET status = 'completed', locked_by = NULL, locked_at = NULL, finished_at = now()
             WHERE id = ANY($1) AND locked_by = $2 AND status = 'running'",
            &done,
            worker_id
        )
        .execute(&mut *tx)
        .await?;
    }
    for f in batch {
        let Outcome::Failed { error, fatal } = &f.outcome else {
            continue;
        };
        let delay = backoff(f.retry_base, f.attempts).as_secs_f64()
            * (1.0 + jitter(Duration::ZERO, Duration::from_millis(100)).as_secs_f64());
        let status = sqlx::query_scalar!(
            r#"UPDATE jobs SET
                   status = CASE WHEN $3 OR attempts >= max_attempts THEN 'dead' ELSE 'pending' END,
                   run_at = CASE WHEN $3 OR attempts >= max_attempts THEN run_at
                                 ELSE now() + make_interval(secs => $4) END,
                   finished_at = CASE WHEN $3 OR attempts >= max_attempts THEN now() END,
                   locked_by = NULL, last_error = left($5, 4000)
               WHERE id = $1 AND locked_by = $2 AND status = 'running'
               RETURNING status"#,
            f.id,
            worker_id,
            fatal,
            delay,
            error,
        )
        .fetch_optional(&mut *tx)
        .await?;
        if status.as_deref() == Some("dead") {
            metrics.observe_dead(&f.name);
            tracing::error!(job_id = f.id, job = %f.name, error = %error, "job dead-lettered");
        } else {
            tracing::warn!(job_id = f.id, job = %f.name, error = %error, attempt = f.attempts, "job failed; will retry");
        }
    }
    tx.commit().await
}

/// Keeps this worker's row fresh and hands the jobs of silent workers back to
/// the queue. Runs on a connection of its own so a pool busy with long jobs
/// can never make a live worker look dead.
async fn sweep_loop(
    options: PgConnectOptions,
    worker_id: String,
    lease: Duration,
    stop: watch::Receiver<bool>,
) {
    let mut conn: Option<PgConnection> = None;
    let mut ticker = Ticker::new(Duration::from_secs(1), stop);
    while ticker.tick().await {
        if conn.is_none() {
            conn = options
                .clone()
                .application_name("advisoryhub-worker-heartbeat")
                .connect()
                .await
                .ok();
        }
        let Some(c) = conn.as_mut() else { continue };
        if let Err(e) = heartbeat_and_sweep(c, &worker_id, lease).await {
            tracing::debug!(error = %e, "heartbeat failed; reconnecting");
            conn = None;
        }
    }
}

async fn heartbeat_and_sweep(
    conn: &mut PgConnection,
    worker_id: &str,
    lease: Duration,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO job_workers (id, host, pid) VALUES ($1, $2, $3)
         ON CONFLICT (id) DO UPDATE SET last_seen_at = now()",
        worker_id,
        host_name(),
        i32::try_from(std::process::id()).unwrap_or(0),
    )
    .execute(&mut *conn)
    .await?;
    let recovered = recover_orphans(conn, worker_id, lease).await?;
    if recovered > 0 {
        tracing::warn!(
            jobs = recovered,
            "recovered jobs of a worker that stopped responding"
        );
    }
    Ok(())
}

/// Forgets workers silent for longer than `lease` (never `except`) and hands
/// every job claimed by a worker that is no longer registered back to the
/// queue, or to the dead-letter state when it has no attempts left.
pub async fn recover_orphans(
    conn: &mut PgConnection,
    except: &str,
    lease: Duration,
) -> Result<u64, sqlx::Error> {
    sqlx::query!(
        "DELETE FROM job_workers WHERE last_seen_at < now() - make_interval(secs => $1) AND id <> $2",
        lease.as_secs_f64(),
        except
    )
    .execute(&mut *conn)
    .await?;
    let queues = sqlx::query_scalar!(
        r#"WITH orphaned AS (
               UPDATE jobs SET
                   status = CASE WHEN attempts >= max_attempts THEN 'dead' ELSE 'pending' END,
                   finished_at = CASE WHEN attempts >= max_attempts THEN now() END,
                   last_error = 'worker ' || locked_by || ' stopped before the job finished',
                   -- run_at is left as it was: it is older than anything
                   -- enqueued since, so the job goes to the front of the queue.
                   locked_by = NULL, locked_at = NULL
               WHERE status = 'running'
                 AND NOT EXISTS (SELECT 1 FROM job_workers w WHERE w.id = jobs.locked_by)
               RETURNING queue
           )
           SELECT queue AS "queue!" FROM orphaned"#
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut distinct = queues.clone();
    distinct.sort_unstable();
    distinct.dedup();
    for queue in &distinct {
        sqlx::query!("SELECT pg_notify($1, $2)", super::CHANNEL, queue)
            .execute(&mut *conn)
            .await?;
    }
    Ok(u64::try_from(queues.len()).unwrap_or(0))
}

/// Refreshes the backlog gauge from live counts, in every replica.
async fn backlog_loop(pool: PgPool, metrics: Metrics, stop: watch::Receiver<bool>) {
    let mut ticker = Ticker::new(Duration::from_secs(15), stop);
    while ticker.tick().await {
        match super::admin::backlog(&pool).await {
            Ok(rows) => metrics.set_backlog(&rows),
            Err(e) => tracing::debug!(error = %e, "backlog refresh failed"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        let base = Duration::from_secs(10);
        assert_eq!(backoff(base, 1), Duration::from_secs(10));
        assert_eq!(backoff(base, 2), Duration::from_secs(20));
        assert_eq!(backoff(base, 4), Duration::from_secs(80));
        assert_eq!(backoff(base, 40), Duration::from_hours(1));
    }

    #[test]
    fn jitter_stays_in_range() {
        for _ in 0..200 {
            let j = jitter(Duration::from_secs(1), Duration::from_secs(2));
            assert!(j >= Duration::from_secs(1) && j < Duration::from_secs(2));
        }
    }
}
