//! The queue across real `advisoryhub worker` processes: exactly-once in
//! normal operation, recovery after kill -9, one run per periodic tick,
//! surviving a PostgreSQL restart, outage exit, rate limits across two web
//! processes, the worker's metrics and liveness, and the operator commands.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failing test should panic"
)]

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use common::{Server, TestDb, binary, run_cli};
use sqlx::PgPool;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Child;

const RESULTS_DDL: &str = "CREATE TABLE IF NOT EXISTS qbench_results (job_id bigint NOT NULL, pid integer NOT NULL, t_enq double precision NOT NULL, t_start double precision NOT NULL)";

fn env_for(url: &str) -> Vec<(&'static str, String)> {
    vec![
        ("APP_ENV", "test".into()),
        ("DATABASE_URL", url.into()),
        ("LOG_FORMAT", "json".into()),
        ("LOG_LEVEL", "warn".into()),
        ("WORKER_PERIODIC_ENABLED", "false".into()),
    ]
}

/// Starts `advisoryhub worker` and waits for its READY line.
async fn start_worker(env: &[(&'static str, String)], concurrency: usize) -> Child {
    let mut child = binary()
        .args(["worker", "--concurrency", &concurrency.to_string()])
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let ready = tokio::time::timeout(Duration::from_secs(30), async {
        while let Ok(Some(line)) = lines.next_line().await {
            if line.trim() == "READY" {
                return true;
            }
        }
        false
    })
    .await;
    assert_eq!(ready, Ok(true), "worker did not become ready");
    // Keep reading so the worker never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    child
}

async fn bench_enqueue(env: &[(&'static str, String)], extra: &[&str]) {
    let mut args = vec!["bench", "enqueue"];
    args.extend_from_slice(extra);
    let (code, out, err) = run_cli(&args, env).await;
    assert_eq!(code, 0, "{out}{err}");
}

async fn scalar(pool: &PgPool, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

async fn wait_until(pool: &PgPool, sql: &'static str, want: i64, limit: Duration) -> i64 {
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        let got = scalar(pool, sql).await;
        if got >= want || tokio::time::Instant::now() > deadline {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn terminate(child: &mut Child) -> std::process::ExitStatus {
    let pid = child.id().unwrap();
    tokio::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .await
        .unwrap();
    tokio::time::timeout(Duration::from_secs(30), child.wait())
        .await
        .expect("worker did not stop after SIGTERM")
        .unwrap()
}

#[tokio::test]
async fn two_worker_processes_run_each_job_exactly_once() {
    let db = TestDb::new().await;
    sqlx::query(RESULTS_DDL).execute(&db.pool).await.unwrap();
    let env = env_for(&db.url);
    let mut a = start_worker(&env, 8).await;
    let mut b = start_worker(&env, 8).await;
    bench_enqueue(&env, &["--n", "3000", "--batch", "100", "--record", "1"]).await;
    let done = wait_until(
        &db.pool,
        "SELECT count(*) FROM qbench_results",
        3000,
        Duration::from_secs(120),
    )
    .await;
    assert_eq!(done, 3000);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        scalar(&db.pool, "SELECT count(*) FROM qbench_results").await,
        3000
    );
    assert_eq!(
        scalar(
            &db.pool,
            "SELECT count(DISTINCT job_id) FROM qbench_results"
        )
        .await,
        3000
    );
    assert_eq!(
        scalar(&db.pool, "SELECT count(DISTINCT pid) FROM qbench_results").await,
        2
    );
    assert!(terminate(&mut a).await.success());
    assert!(terminate(&mut b).await.success());
    assert_eq!(
        scalar(
            &db.pool,
            "SELECT count(*) FROM jobs WHERE status <> 'completed'"
        )
        .await,
        0
    );
}

#[tokio::test]
async fn kill_9_of_a_worker_hands_its_jobs_to_the_other() {
    let db = TestDb::new().await;
    sqlx::query(RESULTS_DDL).execute(&db.pool).await.unwrap();
    let env = env_for(&db.url);
    let mut victim = start_worker(&env, 8).await;
    let mut survivor = start_worker(&env, 8).await;
    bench_enqueue(
        &env,
        &[
            "--n",
            "10000",
            "--batch",
            "500",
            "--sleep-ms",
            "10",
            "--record",
            "1",
        ],
    )
    .await;
    wait_until(
        &db.pool,
        "SELECT count(*) FROM qbench_results",
        2000,
        Duration::from_secs(120),
    )
    .await;
    let pid = i32::try_from(victim.id().unwrap()).unwrap();
    victim.kill().await.unwrap();
    let in_flight: Vec<i64> = sqlx::query_scalar(
        "SELECT j.id FROM jobs j JOIN job_workers w ON w.id = j.locked_by
         WHERE j.status = 'running' AND w.pid = $1",
    )
    .bind(pid)
    .fetch_all(&db.pool)
    .await
    .unwrap();
    assert!(!in_flight.is_empty(), "the victim had nothing in flight");

    let distinct = wait_until(
        &db.pool,
        "SELECT count(DISTINCT job_id) FROM qbench_results",
        10_000,
        Duration::from_secs(180),
    )
    .await;
    assert_eq!(distinct, 10_000, "every job ran at least once");
    let total = scalar(&db.pool, "SELECT count(*) FROM qbench_results").await;
    let twice = total - distinct;
    assert!(
        twice <= i64::try_from(in_flight.len()).unwrap(),
        "{twice} jobs ran twice but only {} were in flight",
        in_flight.len()
    );
    let unfinished: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM jobs WHERE id = ANY($1) AND status <> 'completed'",
    )
    .bind(&in_flight)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    let unfinished = if unfinished > 0 {
        tokio::time::sleep(Duration::from_secs(2)).await;
        sqlx::query_scalar::<_, i64>(
            "SELECT count(*) FROM jobs WHERE id = ANY($1) AND status <> 'completed'",
        )
        .bind(&in_flight)
        .fetch_one(&db.pool)
        .await
        .unwrap()
    } else {
        0
    };
    assert_eq!(
        unfinished, 0,
        "the victim's jobs were completed by the survivor"
    );
    assert!(terminate(&mut survivor).await.success());
}

#[tokio::test]
async fn two_workers_run_each_periodic_tick_once() {
    let db = TestDb::new().await;
    let mut env = env_for(&db.url);
    env.retain(|(k, _)| *k != "WORKER_PERIODIC_ENABLED");
    env.push(("SCHEDULE_INTERVALS", "ephemeral-sweep=1".into()));
    let mut a = start_worker(&env, 2).await;
    let mut b = start_worker(&env, 2).await;
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert!(terminate(&mut a).await.success());
    assert!(terminate(&mut b).await.success());
    // A COMMIT sent just before a worker exited may still be finishing on
    // the server: count only once the workers' sessions are gone.
    for _ in 0..50 {
        let sessions = scalar(
            &db.pool,
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'advisoryhub'",
        )
        .await;
        if sessions == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let ticks = scalar(
        &db.pool,
        "SELECT count(*) FROM schedule_runs WHERE schedule = 'ephemeral-sweep'",
    )
    .await;
    assert!(ticks >= 3, "only {ticks} ticks in 5 s");
    let jobs = scalar(
        &db.pool,
        "SELECT count(*) FROM jobs WHERE dedupe_key LIKE 'ephemeral-sweep:%'",
    )
    .await;
    let distinct = scalar(
        &db.pool,
        "SELECT count(DISTINCT dedupe_key) FROM jobs WHERE dedupe_key LIKE 'ephemeral-sweep:%'",
    )
    .await;
    assert_eq!((jobs, distinct), (ticks, ticks), "one job per tick");
    assert_eq!(
        scalar(
            &db.pool,
            "SELECT count(*) FROM jobs WHERE dedupe_key LIKE 'ephemeral-sweep:%' AND status = 'completed' AND attempts = 1"
        )
        .await,
        ticks,
        "each tick ran once"
    );
}

/// A throwaway PostgreSQL cluster this test may restart at will.
struct TempCluster {
    dir: PathBuf,
    bin: PathBuf,
}

fn pg_bin() -> PathBuf {
    if let Ok(out) = std::process::Command::new("pg_config")
        .arg("--bindir")
        .output()
    {
        let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if dir.join("initdb").exists() {
            return dir;
        }
    }
    let mut candidates: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|d| {
            d.filter_map(Result::ok)
                .map(|e| e.path().join("bin"))
                .collect()
        })
        .unwrap_or_default();
    candidates.sort();
    candidates
        .pop()
        .filter(|p| p.join("initdb").exists())
        .expect("PostgreSQL server programs (initdb) are needed; bin/test says how to install them")
}

fn as_pg_user(program: &Path) -> std::process::Command {
    // initdb and postgres refuse to run as root.
    let is_root = std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    if is_root {
        let mut c = std::process::Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        std::process::Command::new(program)
    }
}

impl TempCluster {
    fn start() -> TempCluster {
        let dir = std::env::temp_dir().join(format!(
            "ah-pg-{}",
            &uuid::Uuid::new_v4().simple().to_string()[..10]
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let _ = std::process::Command::new("chown")
            .arg("postgres")
            .arg(&dir)
            .status();
        let bin = pg_bin();
        let ok = as_pg_user(&bin.join("initdb"))
            .args(["-D"])
            .arg(dir.join("data"))
            .args([
                "-U",
                "advisoryhub",
                "--auth=trust",
                "--no-locale",
                "-E",
                "UTF8",
            ])
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(ok.success(), "initdb failed");
        let cluster = TempCluster { dir, bin };
        cluster.ctl(&["start"]);
        cluster
    }

    fn ctl(&self, action: &[&str]) {
        let ok = as_pg_user(&self.bin.join("pg_ctl"))
            .arg("-D")
            .arg(self.dir.join("data"))
            .arg("-l")
            .arg(self.dir.join("log"))
            .args(["-w", "-m", "fast", "-o"])
            .arg(format!(
                "-c listen_addresses='' -c unix_socket_directories='{}'",
                self.dir.display()
            ))
            .args(action)
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(ok.success(), "pg_ctl {action:?} failed");
    }

    fn url(&self) -> String {
        format!(
            "postgres://advisoryhub@localhost/postgres?host={}",
            self.dir.display()
        )
    }
}

impl Drop for TempCluster {
    fn drop(&mut self) {
        let _ = as_pg_user(&self.bin.join("pg_ctl"))
            .arg("-D")
            .arg(self.dir.join("data"))
            .args(["-m", "immediate", "stop"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[tokio::test]
async fn the_worker_survives_a_postgres_restart() {
    let cluster = TempCluster::start();
    let env = {
        let mut e = env_for(&cluster.url());
        e.push(("WORKER_DB_OUTAGE_EXIT_SECONDS", "120".into()));
        e
    };
    let (code, _, err) = run_cli(&["migrate"], &env).await;
    assert_eq!(code, 0, "{err}");
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(2)
        .connect(&cluster.url())
        .await
        .unwrap();
    sqlx::query(RESULTS_DDL).execute(&pool).await.unwrap();
    let mut worker = start_worker(&env, 4).await;
    bench_enqueue(&env, &["--n", "10", "--record", "1"]).await;
    assert_eq!(
        wait_until(
            &pool,
            "SELECT count(*) FROM qbench_results",
            10,
            Duration::from_secs(30)
        )
        .await,
        10
    );
    pool.close().await;

    cluster.ctl(&["restart"]);
    // Enqueue again once the server is back.
    let mut enqueued = false;
    for _ in 0..50 {
        let (code, _, _) = run_cli(
            &[
                "bench",
                "enqueue",
                "--n",
                "10",
                "--start-id",
                "10",
                "--record",
                "1",
            ],
            &env,
        )
        .await;
        if code == 0 {
            enqueued = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(enqueued);
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(2)
        .connect(&cluster.url())
        .await
        .unwrap();
    assert_eq!(
        wait_until(
            &pool,
            "SELECT count(DISTINCT job_id) FROM qbench_results",
            20,
            Duration::from_secs(60)
        )
        .await,
        20,
        "jobs enqueued after the restart ran"
    );
    assert!(
        worker.try_wait().unwrap().is_none(),
        "the worker is still running"
    );
    assert!(terminate(&mut worker).await.success());
    pool.close().await;
}

#[tokio::test]
async fn a_long_outage_makes_the_worker_exit_non_zero() {
    let env = vec![
        ("APP_ENV", "test".to_owned()),
        (
            "DATABASE_URL",
            "postgres://nobody@127.0.0.1:9/none".to_owned(),
        ),
        ("LOG_FORMAT", "plain".to_owned()),
        ("WORKER_DB_OUTAGE_EXIT_SECONDS", "2".to_owned()),
    ];
    let out = tokio::time::timeout(Duration::from_secs(60), run_cli(&["worker"], &env))
        .await
        .expect("the worker kept waiting");
    assert_eq!(out.0, 1);
    assert!(out.2.contains("unreachable"), "{}", out.2);
}

#[tokio::test]
async fn a_rate_limit_holds_across_two_web_processes() {
    let db = TestDb::new().await;
    let env: HashMap<&str, String> = HashMap::from([
        ("APP_ENV", "test".to_owned()),
        ("DATABASE_URL", db.url.clone()),
        ("LOG_FORMAT", "json".to_owned()),
    ]);
    let a = Server::start(&["web"], &env).await;
    let b = Server::start(&["web"], &env).await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    // One session, shared by both replicas through the database.
    let home = client.get(format!("{}/", a.base)).send().await.unwrap();
    let cookie = home.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let token = common::csrf_meta(&home.text().await.unwrap());
    let requests = (0..60).map(|i| {
        let base = if i % 2 == 0 { &a.base } else { &b.base };
        client
            .post(format!("{base}/i18n/lang"))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("cookie", &cookie)
            .header("x-csrf-token", &token)
            .body("lang=fr&next=%2F")
            .send()
    });
    let answers = futures_util::future::join_all(requests).await;
    let mut accepted = 0;
    let mut limited = 0;
    for r in answers {
        let r = r.unwrap();
        match r.status().as_u16() {
            303 => accepted += 1,
            429 => {
                limited += 1;
                let retry: u64 = r.headers()["retry-after"]
                    .to_str()
                    .unwrap()
                    .parse()
                    .unwrap();
                assert!((1..=60).contains(&retry));
            }
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!((accepted, limited), (30, 30));
}

#[tokio::test]
async fn the_worker_reports_metrics_and_liveness_on_its_own_port() {
    let db = TestDb::new().await;
    sqlx::query(RESULTS_DDL).execute(&db.pool).await.unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut env = env_for(&db.url);
    env.push(("METRICS_PORT", port.to_string()));
    env.push(("WEB_BIND", "127.0.0.1:0".into()));
    let mut worker = start_worker(&env, 2).await;
    bench_enqueue(&env, &["--n", "3", "--record", "1"]).await;
    wait_until(
        &db.pool,
        "SELECT count(*) FROM jobs WHERE status = 'completed'",
        3,
        Duration::from_secs(30),
    )
    .await;
    let client = reqwest::Client::new();
    let health = client
        .get(format!("http://127.0.0.1:{port}/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    let text = common::get_text(&format!("http://127.0.0.1:{port}/metrics")).await;
    assert!(
        text.contains(r#"advisoryhub_job_total{job="bench.noop",status="success"} 3"#),
        "{text}"
    );
    assert!(text.contains("advisoryhub_job_duration_seconds_bucket{job=\"bench.noop\""));
    assert!(terminate(&mut worker).await.success());
}

#[tokio::test]
async fn operators_list_and_requeue_dead_jobs_from_the_command_line() {
    let db = TestDb::new().await;
    let env = env_for(&db.url);
    bench_enqueue(&env, &["--n", "2"]).await;
    let id: i64 = sqlx::query_scalar(
        "UPDATE jobs SET status = 'dead', attempts = 3, last_error = 'boom', finished_at = now()
         WHERE id = (SELECT min(id) FROM jobs) RETURNING id",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    let (code, out, _) = run_cli(&["jobs", "list"], &env).await;
    assert_eq!(code, 0);
    assert!(
        out.contains(&id.to_string()) && out.contains("dead") && out.contains("boom"),
        "{out}"
    );
    assert_eq!(out.lines().count(), 1, "only dead jobs by default: {out}");
    let (_, out, _) = run_cli(&["jobs", "list", "--status", "all", "--json"], &env).await;
    assert_eq!(out.lines().count(), 2);
    assert!(serde_json::from_str::<serde_json::Value>(out.lines().next().unwrap()).is_ok());

    let (code, out, _) = run_cli(&["jobs", "retry", &id.to_string()], &env).await;
    assert_eq!(code, 0);
    assert!(out.contains("re-queued"));
    let (code, _, err) = run_cli(&["jobs", "retry", &id.to_string()], &env).await;
    assert_eq!(code, 1);
    assert!(err.contains("only dead jobs"), "{err}");
    let (code, _, err) = run_cli(&["jobs", "list", "--status", "bogus"], &env).await;
    assert_eq!(code, 1);
    assert!(err.contains("unknown status"), "{err}");
    let (code, _, _) = run_cli(&["jobs", "retry", "not-a-number"], &env).await;
    assert_eq!(code, 2);
    let (code, out, _) = run_cli(&["prune-jobs"], &env).await;
    assert_eq!(code, 0, "{out}");
    let (code, _, _) = run_cli(&["sweep-ephemeral"], &env).await;
    assert_eq!(code, 0);
}

#[tokio::test]
async fn sigterm_lets_a_running_job_finish() {
    let db = TestDb::new().await;
    sqlx::query(RESULTS_DDL).execute(&db.pool).await.unwrap();
    let env = env_for(&db.url);
    let mut worker = start_worker(&env, 2).await;
    bench_enqueue(&env, &["--n", "1", "--sleep-ms", "1500", "--record", "1"]).await;
    wait_until(
        &db.pool,
        "SELECT count(*) FROM jobs WHERE status = 'running'",
        1,
        Duration::from_secs(20),
    )
    .await;
    assert!(terminate(&mut worker).await.success());
    assert_eq!(
        scalar(&db.pool, "SELECT count(*) FROM qbench_results").await,
        1
    );
    assert_eq!(
        scalar(
            &db.pool,
            "SELECT count(*) FROM jobs WHERE status = 'completed'"
        )
        .await,
        1
    );
}
