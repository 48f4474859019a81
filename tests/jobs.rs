//! The job queue through the real worker path (in this process) on a real
//! database: transactional enqueue, retries and dead letters, dedupe, queue
//! limits, wake-ups, shutdown, schedules, reaper, cache, rate limits, signals.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failing test should panic"
)]

mod common;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use advisoryhub::jobs::registry::Registry;
use advisoryhub::jobs::schedule::{self, Schedule};
use advisoryhub::jobs::worker::WorkerSettings;
use advisoryhub::jobs::{self, Job, JobContext, JobError, NewJob};
use advisoryhub::ratelimit::{self, Rate};
use advisoryhub::signals::Signals;
use advisoryhub::{cache, jobs::admin};
use common::worker::{self, Running};
use common::{TestDb, config};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

/// Records each run in `test_marks`.
#[derive(Debug, Serialize, Deserialize)]
struct Mark {
    key: String,
    #[serde(default)]
    sleep_ms: u64,
}

impl Job for Mark {
    const NAME: &'static str = "test.mark";

    fn dedupe_key(&self) -> Option<String> {
        self.key.strip_prefix("dedupe:").map(str::to_owned)
    }

    async fn run(&self, ctx: &JobContext) -> Result<(), JobError> {
        let started: (time::OffsetDateTime,) = sqlx::query_as("SELECT clock_timestamp()")
            .fetch_one(&ctx.pool)
            .await?;
        tokio::time::sleep(Duration::from_millis(self.sleep_ms)).await;
        sqlx::query(
            "INSERT INTO test_marks (key, job_id, started_at, ended_at) VALUES ($1, $2, $3, clock_timestamp())",
        )
        .bind(&self.key)
        .bind(ctx.job_id)
        .bind(started.0)
        .execute(&ctx.pool)
        .await?;
        Ok(())
    }
}

/// Like `Mark`, on a queue limited to one job at a time.
#[derive(Debug, Serialize, Deserialize)]
struct SerialMark(Mark);

impl Job for SerialMark {
    const NAME: &'static str = "test.serial_mark";
    const QUEUE: &'static str = "serial";

    async fn run(&self, ctx: &JobContext) -> Result<(), JobError> {
        self.0.run(ctx).await
    }
}

/// Always fails, quickly retried.
#[derive(Debug, Serialize, Deserialize)]
struct Flaky;

impl Job for Flaky {
    const NAME: &'static str = "test.flaky";
    const MAX_ATTEMPTS: i32 = 3;
    const RETRY_BASE: Duration = Duration::from_secs(1);

    async fn run(&self, _ctx: &JobContext) -> Result<(), JobError> {
        Err(JobError::Retry("the remote said no".into()))
    }
}

async fn marks_table(pool: &PgPool) {
    sqlx::query(
        "CREATE TABLE test_marks (key text, job_id bigint, started_at timestamptz, ended_at timestamptz)",
    )
    .execute(pool)
    .await
    .unwrap();
}

async fn marks(pool: &PgPool, key: &str) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM test_marks WHERE key = $1")
        .bind(key)
        .fetch_one(pool)
        .await
        .unwrap()
}

async fn job_status(pool: &PgPool, id: impl Into<Option<i64>>) -> String {
    sqlx::query_scalar("SELECT status FROM jobs WHERE id = $1")
        .bind(id.into())
        .fetch_one(pool)
        .await
        .unwrap()
}

/// Polls `check` until it holds or `limit` passes.
async fn eventually<F, Fut>(limit: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + limit;
    while tokio::time::Instant::now() < deadline {
        if check().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

fn settings(concurrency: usize) -> WorkerSettings {
    let mut s = WorkerSettings::from_config(&config(&[]));
    s.concurrency = concurrency;
    s.periodic = false;
    s.shutdown_grace = Duration::from_secs(10);
    s
}

async fn start(db: &TestDb, registry: Registry, settings: WorkerSettings) -> Running {
    let cfg = Arc::new(config(&[("DATABASE_URL", db.url.as_str())]));
    let worker = worker::new(db, cfg, registry, settings);
    let signals = Signals::start(&db.url).unwrap();
    worker.wake_on(signals.subscribe(jobs::CHANNEL).unwrap());
    Running::start(worker).await
}

fn mark(key: &str) -> Mark {
    Mark {
        key: key.into(),
        sleep_ms: 0,
    }
}

#[tokio::test]
async fn a_rolled_back_change_leaves_no_job_and_a_committed_one_always_runs() {
    let db = TestDb::new().await;
    marks_table(&db.pool).await;
    let worker = start(&db, Registry::new().register::<Mark>(), settings(4)).await;

    let mut tx = db.pool.begin().await.unwrap();
    jobs::enqueue(&mut tx, &mark("rolled-back")).await.unwrap();
    tx.rollback().await.unwrap();
    let mut tx = db.pool.begin().await.unwrap();
    let id = jobs::enqueue(&mut tx, &mark("committed")).await.unwrap();
    assert!(id.is_some());
    tx.commit().await.unwrap();

    assert!(
        eventually(Duration::from_secs(10), || async {
            marks(&db.pool, "committed").await == 1
        })
        .await
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(marks(&db.pool, "rolled-back").await, 0);
    let jobs: i64 = sqlx::query_scalar("SELECT count(*) FROM jobs")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(jobs, 1);
    let status = job_status(&db.pool, id).await;
    assert!(
        eventually(Duration::from_secs(5), || async {
            job_status(&db.pool, id).await == "completed"
        })
        .await,
        "last seen {status}"
    );
    worker.stop().await;
}

#[tokio::test]
async fn failures_back_off_then_dead_letter_and_can_be_requeued() {
    let db = TestDb::new().await;
    let worker = start(&db, Registry::new().register::<Flaky>(), settings(2)).await;
    let mut conn = db.pool.acquire().await.unwrap();
    let id = jobs::enqueue(&mut conn, &Flaky).await.unwrap().unwrap();
    drop(conn);

    // Read the backoff each failure recorded: run_at − locked_at.
    let mut delays: Vec<(i32, f64)> = Vec::new();
    let mut dead = false;
    for _ in 0..600 {
        let (status, attempts, delay): (String, i32, Option<f64>) = sqlx::query_as(
            "SELECT status, attempts, extract(epoch FROM run_at - locked_at)::float8 FROM jobs WHERE id = $1",
        )
        .bind(id)
        .fetch_one(&db.pool)
        .await
        .unwrap();
        if status == "pending"
            && let Some(d) = delay
            && attempts > 0
            && !delays.iter().any(|(a, _)| *a == attempts)
        {
            delays.push((attempts, d));
        }
        if status == "dead" {
            dead = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        dead,
        "the job never reached the dead-letter state: {delays:?}"
    );
    assert_eq!(delays.len(), 2, "{delays:?}");
    let (first, second) = (delays[0].1, delays[1].1);
    assert!((1.0..1.5).contains(&first), "first delay {first}");
    assert!((2.0..2.7).contains(&second), "second delay {second}");

    let row = &admin::list(&db.pool, Some("dead"), 10).await.unwrap()[0];
    assert_eq!(row.id, id);
    assert_eq!(row.attempts, 3);
    assert_eq!(row.last_error.as_deref(), Some("the remote said no"));
    assert!(row.finished_at.is_some());

    admin::retry(&db.pool, id).await.unwrap();
    let (status, attempts): (String, i32) =
        sqlx::query_as("SELECT status, attempts FROM jobs WHERE id = $1")
            .bind(id)
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert!(status == "pending" || status == "running", "{status}");
    assert!(attempts <= 1);
    assert!(matches!(
        admin::retry(&db.pool, id).await,
        Err(admin::RetryError::NotDead(..))
    ));
    assert!(matches!(
        admin::retry(&db.pool, 999_999).await,
        Err(admin::RetryError::NotFound(_))
    ));
    worker.stop().await;
}

#[tokio::test]
async fn a_second_job_with_a_live_dedupe_key_is_skipped() {
    let db = TestDb::new().await;
    let mut conn = db.pool.acquire().await.unwrap();
    let first = jobs::enqueue(&mut conn, &mark("dedupe:k1")).await.unwrap();
    let second = jobs::enqueue(&mut conn, &mark("dedupe:k1")).await.unwrap();
    let other = jobs::enqueue(&mut conn, &mark("dedupe:k2")).await.unwrap();
    assert!(first.is_some());
    assert_eq!(second, None);
    assert!(other.is_some());
    // Once the first is finished the key is free again.
    sqlx::query("UPDATE jobs SET status = 'completed', finished_at = now() WHERE id = $1")
        .bind(first)
        .execute(&mut *conn)
        .await
        .unwrap();
    assert!(
        jobs::enqueue(&mut conn, &mark("dedupe:k1"))
            .await
            .unwrap()
            .is_some()
    );
}

#[tokio::test]
async fn a_limited_queue_never_runs_more_than_its_limit() {
    let db = TestDb::new().await;
    marks_table(&db.pool).await;
    let registry = Registry::new()
        .register::<SerialMark>()
        .register::<Mark>()
        .limit_queue("serial", 1);
    let worker = start(&db, registry, settings(8)).await;
    let mut conn = db.pool.acquire().await.unwrap();
    for _ in 0..4 {
        jobs::enqueue(
            &mut conn,
            &SerialMark(Mark {
                key: "serial".into(),
                sleep_ms: 150,
            }),
        )
        .await
        .unwrap();
    }
    drop(conn);
    assert!(
        eventually(Duration::from_secs(20), || async {
            marks(&db.pool, "serial").await == 4
        })
        .await
    );
    let overlaps: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM test_marks a JOIN test_marks b
         ON a.job_id < b.job_id AND a.started_at < b.ended_at AND b.started_at < a.ended_at",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(overlaps, 0, "jobs of a queue limited to 1 overlapped");
    worker.stop().await;
}

#[tokio::test]
async fn a_notify_lost_while_the_listener_reconnects_is_covered_by_polling() {
    let db = TestDb::new().await;
    marks_table(&db.pool).await;
    let worker = start(&db, Registry::new().register::<Mark>(), settings(2)).await;
    // Wait for the listener, then cut it and enqueue while it reconnects.
    assert!(eventually(Duration::from_secs(10), || async {
        sqlx::query_scalar::<_, i64>(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'advisoryhub-listener' AND datname = current_database()",
        )
        .fetch_one(&db.pool)
        .await
        .unwrap()
            == 1
    })
    .await);
    sqlx::query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE application_name = 'advisoryhub-listener' AND datname = current_database()",
    )
    .execute(&db.pool)
    .await
    .unwrap();
    let mut conn = db.pool.acquire().await.unwrap();
    jobs::enqueue(&mut conn, &mark("during-reconnect"))
        .await
        .unwrap();
    drop(conn);
    assert!(
        eventually(Duration::from_secs(10), || async {
            marks(&db.pool, "during-reconnect").await == 1
        })
        .await
    );
    worker.stop().await;
}

#[tokio::test]
async fn shutdown_lets_a_running_job_finish_and_records_it() {
    let db = TestDb::new().await;
    marks_table(&db.pool).await;
    let worker = start(&db, Registry::new().register::<Mark>(), settings(2)).await;
    let mut conn = db.pool.acquire().await.unwrap();
    let id = jobs::enqueue(
        &mut conn,
        &Mark {
            key: "slow".into(),
            sleep_ms: 800,
        },
    )
    .await
    .unwrap();
    drop(conn);
    assert!(
        eventually(Duration::from_secs(10), || async {
            job_status(&db.pool, id).await == "running"
        })
        .await
    );
    let worker_id = worker.id.clone();
    worker.stop().await;
    assert_eq!(marks(&db.pool, "slow").await, 1);
    let status = job_status(&db.pool, id).await;
    assert_eq!(status, "completed");
    let registered: i64 = sqlx::query_scalar("SELECT count(*) FROM job_workers WHERE id = $1")
        .bind(worker_id)
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(registered, 0, "a stopped worker deregisters");
}

#[tokio::test]
async fn jobs_of_a_vanished_worker_are_recovered_or_dead_lettered() {
    let db = TestDb::new().await;
    let mut conn = db.pool.acquire().await.unwrap();
    let alive = jobs::enqueue(&mut conn, &mark("a")).await.unwrap().unwrap();
    let exhausted = jobs::enqueue(&mut conn, &mark("b")).await.unwrap().unwrap();
    sqlx::query("INSERT INTO job_workers (id, host, pid, last_seen_at) VALUES ('ghost', 'h', 1, now() - interval '1 hour')")
        .execute(&mut *conn)
        .await
        .unwrap();
    sqlx::query(
        "UPDATE jobs SET status = 'running', locked_by = 'ghost', attempts = 1 WHERE id = $1",
    )
    .bind(alive)
    .execute(&mut *conn)
    .await
    .unwrap();
    sqlx::query("UPDATE jobs SET status = 'running', locked_by = 'ghost', attempts = max_attempts WHERE id = $1")
        .bind(exhausted)
        .execute(&mut *conn)
        .await
        .unwrap();
    let recovered =
        advisoryhub::jobs::worker::recover_orphans(&mut conn, "me", Duration::from_secs(3))
            .await
            .unwrap();
    assert_eq!(recovered, 2);
    let statuses: Vec<(i64, String, Option<String>)> =
        sqlx::query_as("SELECT id, status, last_error FROM jobs ORDER BY id")
            .fetch_all(&mut *conn)
            .await
            .unwrap();
    assert_eq!(statuses[0].1, "pending");
    assert_eq!(statuses[1].1, "dead");
    assert!(statuses[0].2.as_deref().unwrap().contains("ghost"));
}

#[tokio::test]
async fn prune_deletes_old_finished_jobs_and_keeps_dead_ones() {
    let db = TestDb::new().await;
    let mut conn = db.pool.acquire().await.unwrap();
    for key in ["old-done", "new-done", "old-dead"] {
        jobs::enqueue(&mut conn, &mark(key)).await.unwrap();
    }
    sqlx::query(
        "UPDATE jobs SET status = CASE WHEN payload->>'key' = 'old-dead' THEN 'dead' ELSE 'completed' END,
                         finished_at = CASE WHEN payload->>'key' LIKE 'old%' THEN now() - interval '30 days' ELSE now() END",
    )
    .execute(&mut *conn)
    .await
    .unwrap();
    drop(conn);
    assert_eq!(admin::prune(&db.pool, 7).await.unwrap(), 1);
    let left: Vec<String> = sqlx::query_scalar("SELECT payload->>'key' FROM jobs ORDER BY id")
        .fetch_all(&db.pool)
        .await
        .unwrap();
    assert_eq!(left, vec!["new-done", "old-dead"]);
}

fn test_schedule(interval: Duration) -> Schedule {
    Schedule {
        name: "ephemeral-sweep",
        interval,
        job: || NewJob::of(&jobs::housekeeping::SweepEphemeral),
    }
}

#[tokio::test]
async fn replicas_racing_for_a_tick_enqueue_it_once() {
    let db = TestDb::new().await;
    let s = test_schedule(Duration::from_hours(1));
    let results =
        futures_util::future::join_all((0..8).map(|_| schedule::enqueue_due(&db.pool, &s))).await;
    let won = results.iter().filter(|r| matches!(r, Ok(Some(_)))).count();
    assert_eq!(won, 1, "{results:?}");
    let (ticks, jobs): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM schedule_runs), (SELECT count(*) FROM jobs WHERE dedupe_key LIKE 'ephemeral-sweep:%')",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!((ticks, jobs), (1, 1));
}

#[tokio::test]
async fn ticks_missed_while_no_worker_ran_are_caught_up_once() {
    let db = TestDb::new().await;
    let s = test_schedule(Duration::from_mins(1));
    let tick = schedule::enqueue_due(&db.pool, &s).await.unwrap().unwrap();
    // Pretend the last run was five periods ago, as after a long outage.
    sqlx::query("UPDATE schedule_runs SET tick = tick - 5")
        .execute(&db.pool)
        .await
        .unwrap();
    assert_eq!(
        schedule::enqueue_due(&db.pool, &s).await.unwrap(),
        Some(tick)
    );
    assert_eq!(schedule::enqueue_due(&db.pool, &s).await.unwrap(), None);
    let ticks: Vec<i64> = sqlx::query_scalar("SELECT tick FROM schedule_runs ORDER BY tick")
        .fetch_all(&db.pool)
        .await
        .unwrap();
    assert_eq!(ticks, vec![tick - 5, tick], "one catch-up run, not five");
}

#[tokio::test]
async fn the_reaper_fails_rows_stuck_past_their_deadline() {
    let db = TestDb::new().await;
    sqlx::query(
        "CREATE TABLE tasks (id int, status text, since timestamptz, error text, finished_at timestamptz)",
    )
    .execute(&db.pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO tasks VALUES
           (1, 'queued', now() - interval '3 hours', NULL, NULL),
           (2, 'running', now() - interval '1 hour', NULL, NULL),
           (3, 'queued', now(), NULL, NULL),
           (4, 'succeeded', now() - interval '9 hours', NULL, NULL)",
    )
    .execute(&db.pool)
    .await
    .unwrap();
    let rule = advisoryhub::jobs::reaper::StaleRule {
        table: "tasks",
        status_column: "status",
        since_column: "since",
        error_column: "error",
        finished_column: "finished_at",
        queued_after: Duration::from_hours(2),
        running_after: Duration::from_mins(30),
    };
    let mut conn = db.pool.acquire().await.unwrap();
    assert_eq!(
        advisoryhub::jobs::reaper::fail_stale(&mut conn, &rule)
            .await
            .unwrap(),
        2
    );
    let rows: Vec<(i32, String, Option<String>)> =
        sqlx::query_as("SELECT id, status, error FROM tasks ORDER BY id")
            .fetch_all(&mut *conn)
            .await
            .unwrap();
    assert_eq!(rows[0].1, "failed");
    assert_eq!(
        rows[0].2.as_deref(),
        Some("stale: still queued after 7200 s")
    );
    assert_eq!(
        rows[1].2.as_deref(),
        Some("stale: still running after 1800 s")
    );
    assert_eq!(rows[2].1, "queued");
    assert_eq!(rows[3].1, "succeeded");
}

#[tokio::test]
async fn the_cache_honours_its_ttl() {
    let db = TestDb::new().await;
    cache::set(&db.pool, "k", &"v", Duration::from_millis(800))
        .await
        .unwrap();
    assert_eq!(
        cache::get::<String>(&db.pool, "k")
            .await
            .unwrap()
            .as_deref(),
        Some("v")
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(cache::get::<String>(&db.pool, "k").await.unwrap(), None);
    assert_eq!(cache::purge_expired(&db.pool).await.unwrap(), 1);

    let calls = std::sync::atomic::AtomicUsize::new(0);
    for _ in 0..3 {
        let v: u32 =
            cache::get_or_compute(&db.pool, "computed", Duration::from_mins(1), || async {
                calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                Ok::<_, cache::CacheError>(42)
            })
            .await
            .unwrap();
        assert_eq!(v, 42);
    }
    assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 1);
}

#[tokio::test]
async fn concurrent_hits_from_two_pools_never_exceed_the_limit() {
    let db = TestDb::new().await;
    // Two pools stand for two replicas: separate connections, one table.
    let other = sqlx::postgres::PgPoolOptions::new()
        .max_connections(5)
        .connect(&db.url)
        .await
        .unwrap();
    let rate: Rate = "25/h".parse().unwrap();
    let hits = (0..100).map(|i| {
        let pool = if i % 2 == 0 {
            db.pool.clone()
        } else {
            other.clone()
        };
        async move {
            ratelimit::hit(&pool, "test:ip:203.0.113.7", rate)
                .await
                .unwrap()
        }
    });
    let decisions = futures_util::future::join_all(hits).await;
    let allowed = decisions.iter().filter(|d| !d.limited).count();
    assert_eq!(allowed, 25);
    let mut counts: Vec<i64> = decisions.iter().map(|d| d.count).collect();
    counts.sort_unstable();
    assert_eq!(
        counts,
        (1..=100).collect::<Vec<_>>(),
        "every hit got its own count"
    );
    assert!(
        decisions
            .iter()
            .all(|d| d.retry_after <= Duration::from_hours(1))
    );
}

#[tokio::test]
async fn notifications_reach_subscribers() {
    let db = TestDb::new().await;
    let signals = Signals::start(&db.url).unwrap();
    let mut rx = signals.subscribe("advisoryhub_test").unwrap();
    assert!(signals.subscribe("Bad Channel").is_err());
    // The listener connects in the background; repeat until one arrives.
    let mut payload = None;
    for _ in 0..100 {
        sqlx::query("SELECT pg_notify('advisoryhub_test', 'hello')")
            .execute(&db.pool)
            .await
            .unwrap();
        if let Ok(Ok(p)) = tokio::time::timeout(Duration::from_millis(100), rx.recv()).await {
            payload = Some(p);
            break;
        }
    }
    let payload = payload.expect("no notification arrived");
    assert_eq!(payload, "hello");
}

#[tokio::test]
async fn an_exclusive_section_admits_one_transaction_at_a_time() {
    let db = TestDb::new().await;
    let mut first = db.pool.begin().await.unwrap();
    let mut second = db.pool.begin().await.unwrap();
    assert!(
        jobs::exclusive::try_lock(&mut first, "push:repo-a")
            .await
            .unwrap()
    );
    assert!(
        !jobs::exclusive::try_lock(&mut second, "push:repo-a")
            .await
            .unwrap()
    );
    assert!(
        jobs::exclusive::try_lock(&mut second, "push:repo-b")
            .await
            .unwrap()
    );
    // The waiting form blocks until the holder commits.
    let pool = db.pool.clone();
    let waiter = tokio::spawn(async move {
        let mut third = pool.begin().await.unwrap();
        jobs::exclusive::lock(&mut third, "push:repo-a")
            .await
            .unwrap();
        third.commit().await.unwrap();
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!waiter.is_finished(), "the lock was granted while held");
    first.commit().await.unwrap();
    tokio::time::timeout(Duration::from_secs(10), waiter)
        .await
        .unwrap()
        .unwrap();
    second.rollback().await.unwrap();
}

#[tokio::test]
async fn jobs_claimed_but_not_started_go_back_to_the_queue_on_shutdown() {
    let db = TestDb::new().await;
    marks_table(&db.pool).await;
    let worker = start(&db, Registry::new().register::<Mark>(), settings(1)).await;
    let mut conn = db.pool.acquire().await.unwrap();
    for _ in 0..3 {
        jobs::enqueue(
            &mut conn,
            &Mark {
                key: "queued".into(),
                sleep_ms: 600,
            },
        )
        .await
        .unwrap();
    }
    drop(conn);
    assert!(
        eventually(Duration::from_secs(10), || async {
            sqlx::query_scalar::<_, i64>("SELECT count(*) FROM jobs WHERE status = 'running'")
                .fetch_one(&db.pool)
                .await
                .unwrap()
                >= 2
        })
        .await,
        "one job runs and one waits in the local buffer"
    );
    worker.stop().await;
    let rows: Vec<(String, i32)> = sqlx::query_as("SELECT status, attempts FROM jobs ORDER BY id")
        .fetch_all(&db.pool)
        .await
        .unwrap();
    assert_eq!(rows[0], ("completed".to_owned(), 1));
    assert_eq!(
        rows[1],
        ("pending".to_owned(), 0),
        "the buffered job was handed back untouched"
    );
    assert_eq!(rows[2], ("pending".to_owned(), 0));
}
