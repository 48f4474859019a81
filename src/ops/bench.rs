//! `advisoryhub bench …`: the queue benchmarks, run against the configured
//! database with the real worker. Results are reported in
//! docs/performance.md; nothing here asserts a timing.

use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use sqlx::PgPool;
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::config::Config;
use crate::jobs::bench::{BenchJob, RESULTS_DDL, epoch_seconds};
use crate::jobs::registry::Registry;
use crate::jobs::worker::{Worker, WorkerSettings};
use crate::jobs::{self, Job};
use crate::notifications::mail::Mailer;
use crate::ops::metrics::Metrics;
use crate::signals::Signals;

mod publish;
pub use publish::{PublishOptions, publish};

/// Options of `bench queue`.
#[derive(Debug, Clone, clap::Args)]
pub struct QueueOptions {
    /// Jobs per throughput run.
    #[arg(long, default_value_t = 20_000)]
    pub jobs: usize,
    /// Jobs per statement in the batched enqueue run.
    #[arg(long, default_value_t = 500)]
    pub batch: usize,
    /// Jobs run at once per worker.
    #[arg(long, default_value_t = 32)]
    pub concurrency: usize,
    /// Worker processes in the multi-process run.
    #[arg(long, default_value_t = 2)]
    pub processes: usize,
    /// Jobs in the wake-up latency run, enqueued one at a time.
    #[arg(long, default_value_t = 300)]
    pub latency_jobs: usize,
    /// Milliseconds between those jobs.
    #[arg(long, default_value_t = 20)]
    pub latency_interval_ms: u64,
}

/// Options of `bench enqueue`.
#[derive(Debug, Clone, clap::Args)]
pub struct EnqueueOptions {
    /// How many jobs.
    #[arg(long)]
    pub n: usize,
    /// Jobs per statement; 1 inserts one at a time.
    #[arg(long, default_value_t = 1)]
    pub batch: usize,
    /// Id of the first job; the others follow.
    #[arg(long, default_value_t = 0)]
    pub start_id: i64,
    /// Milliseconds each job sleeps.
    #[arg(long, default_value_t = 0)]
    pub sleep_ms: u64,
    /// 1: each job records its start before it is acknowledged; 0: buffered.
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u8).range(0..=1))]
    pub record: u8,
    /// Enqueue one job at a time at this many jobs per second.
    #[arg(long)]
    pub rate: Option<f64>,
}

fn db_err(e: impl std::fmt::Display) -> String {
    format!("database: {e}")
}

fn job(id: i64, sleep_ms: u64, record: u8) -> BenchJob {
    BenchJob {
        id,
        t: epoch_seconds(),
        s: sleep_ms,
        r: record,
    }
}

async fn insert_one(pool: &PgPool, j: &BenchJob) -> Result<(), String> {
    let mut conn = pool.acquire().await.map_err(db_err)?;
    jobs::enqueue(&mut conn, j).await.map_err(db_err)?;
    Ok(())
}

async fn insert_batch(pool: &PgPool, batch: &[BenchJob]) -> Result<(), String> {
    let mut conn = pool.acquire().await.map_err(db_err)?;
    jobs::enqueue_batch(&mut conn, batch)
        .await
        .map_err(db_err)?;
    Ok(())
}

/// `bench enqueue`: for outside harnesses driving `advisoryhub worker`.
pub async fn enqueue(pool: &PgPool, opts: &EnqueueOptions) -> Result<serde_json::Value, String> {
    let started = Instant::now();
    let ids = opts.start_id..opts.start_id + i64::try_from(opts.n).map_err(|e| e.to_string())?;
    if let Some(rate) = opts.rate.filter(|r| *r > 0.0) {
        let gap = Duration::from_secs_f64(1.0 / rate);
        let mut next = tokio::time::Instant::now();
        for id in ids {
            tokio::time::sleep_until(next).await;
            insert_one(pool, &job(id, opts.sleep_ms, opts.record)).await?;
            next += gap;
        }
    } else if opts.batch <= 1 {
        for id in ids {
            insert_one(pool, &job(id, opts.sleep_ms, opts.record)).await?;
        }
    } else {
        let all: Vec<i64> = ids.collect();
        for chunk in all.chunks(opts.batch) {
            let batch: Vec<BenchJob> = chunk
                .iter()
                .map(|id| job(*id, opts.sleep_ms, opts.record))
                .collect();
            insert_batch(pool, &batch).await?;
        }
    }
    Ok(json!({"n": opts.n, "seconds": started.elapsed().as_secs_f64()}))
}

async fn reset(pool: &PgPool) -> Result<(), String> {
    // The results table belongs to the harness (a fixed statement).
    sqlx::query(RESULTS_DDL)
        .execute(pool)
        .await
        .map_err(db_err)?;
    sqlx::query("TRUNCATE qbench_results")
        .execute(pool)
        .await
        .map_err(db_err)?;
    sqlx::query!("DELETE FROM jobs WHERE name = $1", BenchJob::NAME)
        .execute(pool)
        .await
        .map_err(db_err)?;
    Ok(())
}

async fn completed(pool: &PgPool) -> Result<i64, String> {
    sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM jobs WHERE name = $1 AND status = 'completed'"#,
        BenchJob::NAME
    )
    .fetch_one(pool)
    .await
    .map_err(db_err)
}

async fn wait_for_completed(pool: &PgPool, n: usize, limit: Duration) -> Result<(), String> {
    let deadline = Instant::now() + limit;
    let want = i64::try_from(n).map_err(|e| e.to_string())?;
    while completed(pool).await? < want {
        if Instant::now() > deadline {
            return Err(format!("jobs did not complete within {limit:?}"));
        }
        // Coarse polling keeps the count query from loading the database;
        // the elapsed time comes from the rows, not from this loop.
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(())
}

fn rate(n: usize, elapsed: Duration) -> f64 {
    #[expect(clippy::cast_precision_loss, reason = "job counts are far below 2^52")]
    let n = n as f64;
    (n / elapsed.as_secs_f64()).round()
}

async fn enqueue_rates(pool: &PgPool, opts: &QueueOptions) -> Result<(f64, f64), String> {
    let single_n = opts.jobs.min(5_000);
    let started = Instant::now();
    for id in 0..single_n {
        insert_one(pool, &job(i64::try_from(id).unwrap_or(0), 0, 0)).await?;
    }
    let single = rate(single_n, started.elapsed());
    reset(pool).await?;
    let started = Instant::now();
    let all: Vec<BenchJob> = (0..opts.jobs)
        .map(|id| job(i64::try_from(id).unwrap_or(0), 0, 0))
        .collect();
    for chunk in all.chunks(opts.batch.max(1)) {
        insert_batch(pool, chunk).await?;
    }
    let batched = rate(opts.jobs, started.elapsed());
    reset(pool).await?;
    Ok((single, batched))
}

/// A worker in this process that runs only the jobs of `registry`.
fn local_worker(
    config: &Arc<Config>,
    pool: &PgPool,
    concurrency: usize,
    registry: Registry,
) -> Result<Worker, String> {
    let mut settings = WorkerSettings::from_config(config);
    settings.concurrency = concurrency;
    settings.periodic = false;
    let metrics = Metrics::new().map_err(|e| e.to_string())?;
    let mailer = Mailer::from_config(config).map_err(|e| e.to_string())?;
    let worker = Worker::new(
        pool.clone(),
        config.clone(),
        mailer,
        registry,
        settings,
        metrics,
    );
    let listen = config
        .database_listen_url
        .as_ref()
        .unwrap_or(&config.database_url);
    let signals = Signals::start(listen.expose()).map_err(|e| e.to_string())?;
    worker.wake_on(
        signals
            .subscribe(jobs::CHANNEL)
            .map_err(|e| e.to_string())?,
    );
    Ok(worker)
}

fn bench_jobs() -> Registry {
    Registry::new().register::<BenchJob>()
}

/// A worker running in this process until `stop`.
struct Running {
    stop: tokio::sync::oneshot::Sender<()>,
    handle: tokio::task::JoinHandle<Result<(), crate::jobs::worker::WorkerError>>,
}

impl Running {
    /// Starts `worker` and returns once it claims jobs.
    async fn start(worker: Worker) -> Running {
        let (stop, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let (ready_tx, ready_rx) = tokio::sync::oneshot::channel::<()>();
        let handle = tokio::spawn(worker.run(
            async {
                let _ = stop_rx.await;
            },
            move || {
                let _ = ready_tx.send(());
            },
        ));
        let _ = ready_rx.await;
        Running { stop, handle }
    }

    async fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.handle.await;
    }
}

/// Enqueues `n` jobs and waits for them; the rate is `n` over the time from
/// the first insert to the last completion, both on the database's clock.
async fn drain(pool: &PgPool, n: usize, batch: usize) -> Result<f64, String> {
    let started: f64 =
        sqlx::query_scalar!(r#"SELECT extract(epoch FROM clock_timestamp())::float8 AS "t!""#)
            .fetch_one(pool)
            .await
            .map_err(db_err)?;
    let all: Vec<BenchJob> = (0..n)
        .map(|id| job(i64::try_from(id).unwrap_or(0), 0, 0))
        .collect();
    for chunk in all.chunks(batch.max(1)) {
        insert_batch(pool, chunk).await?;
    }
    wait_for_completed(pool, n, Duration::from_mins(10)).await?;
    let finished: f64 = sqlx::query_scalar!(
        r#"SELECT extract(epoch FROM max(finished_at))::float8 AS "t!" FROM jobs WHERE name = $1"#,
        BenchJob::NAME
    )
    .fetch_one(pool)
    .await
    .map_err(db_err)?;
    Ok(rate(
        n,
        Duration::from_secs_f64((finished - started).max(1e-6)),
    ))
}

async fn in_process_throughput(
    config: &Arc<Config>,
    pool: &PgPool,
    opts: &QueueOptions,
) -> Result<f64, String> {
    let worker = local_worker(config, pool, opts.concurrency, bench_jobs())?;
    let running = Running::start(worker).await;
    let result = drain(pool, opts.jobs, opts.batch).await;
    running.stop().await;
    reset(pool).await?;
    result
}

async fn multi_process_throughput(pool: &PgPool, opts: &QueueOptions) -> Result<f64, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut children = Vec::new();
    for _ in 0..opts.processes.max(1) {
        let mut child = tokio::process::Command::new(&exe)
            .args(["worker", "--concurrency", &opts.concurrency.to_string()])
            .env("WORKER_PERIODIC_ENABLED", "false")
            .env_remove("METRICS_PORT")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| format!("start a worker process: {e}"))?;
        let stdout = child.stdout.take().ok_or("worker stdout")?;
        let mut lines = BufReader::new(stdout).lines();
        loop {
            match tokio::time::timeout(Duration::from_secs(30), lines.next_line()).await {
                Ok(Ok(Some(line))) if line.trim() == "READY" => break,
                Ok(Ok(Some(_))) => {}
                _ => return Err("a worker process did not become ready".into()),
            }
        }
        children.push(child);
    }
    let result = drain(pool, opts.jobs, opts.batch).await;
    for child in &mut children {
        if let Some(pid) = child.id() {
            let _ = tokio::process::Command::new("kill")
                .args(["-TERM", &pid.to_string()])
                .status()
                .await;
        }
    }
    for child in &mut children {
        let _ = tokio::time::timeout(Duration::from_secs(15), child.wait()).await;
    }
    reset(pool).await?;
    result
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss,
        reason = "an index into a short sample"
    )]
    let idx = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

async fn wakeup_latency(
    config: &Arc<Config>,
    pool: &PgPool,
    opts: &QueueOptions,
) -> Result<serde_json::Value, String> {
    let worker = local_worker(config, pool, 4, bench_jobs())?;
    let running = Running::start(worker).await;
    // Let the listener connect before the first job.
    tokio::time::sleep(Duration::from_millis(500)).await;
    for id in 0..opts.latency_jobs {
        insert_one(pool, &job(i64::try_from(id).unwrap_or(0), 0, 1)).await?;
        tokio::time::sleep(Duration::from_millis(opts.latency_interval_ms)).await;
    }
    wait_for_completed(pool, opts.latency_jobs, Duration::from_mins(1)).await?;
    running.stop().await;
    let mut ms: Vec<f64> =
        sqlx::query_scalar::<_, f64>("SELECT (t_start - t_enq) * 1000.0 FROM qbench_results")
            .fetch_all(pool)
            .await
            .map_err(db_err)?;
    ms.sort_by(f64::total_cmp);
    reset(pool).await?;
    let round = |v: f64| (v * 100.0).round() / 100.0;
    Ok(json!({
        "samples": ms.len(),
        "p50_ms": round(percentile(&ms, 0.50)),
        "p95_ms": round(percentile(&ms, 0.95)),
        "p99_ms": round(percentile(&ms, 0.99)),
    }))
}

/// `bench queue`.
pub async fn queue(
    config: &Arc<Config>,
    pool: &PgPool,
    opts: &QueueOptions,
) -> Result<serde_json::Value, String> {
    crate::db::migrate(pool).await.map_err(db_err)?;
    reset(pool).await?;
    let (single, batched) = enqueue_rates(pool, opts).await?;
    let in_process = in_process_throughput(config, pool, opts).await?;
    let processes = multi_process_throughput(pool, opts).await?;
    let latency = wakeup_latency(config, pool, opts).await?;
    Ok(json!({
        "enqueue_jobs_per_s": {"single": single, "batched": batched, "batch_size": opts.batch},
        "throughput_jobs_per_s": {
            "in_process": in_process,
            "processes": processes,
            "process_count": opts.processes,
            "concurrency": opts.concurrency,
            "jobs": opts.jobs,
        },
        "wakeup_latency": latency,
    }))
}
