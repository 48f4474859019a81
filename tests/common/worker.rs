//! Running the application's background jobs in a test: a real worker
//! (every job kind the binary registers) on the test database, until no job
//! is due, so notifications go out through the real mailer.

use std::sync::Arc;
use std::time::Duration;

use advisoryhub::config::Config;
use advisoryhub::jobs::kinds;
use advisoryhub::jobs::registry::Registry;
use advisoryhub::jobs::worker::{Worker, WorkerError, WorkerSettings};
use advisoryhub::notifications::mail::Mailer;
use advisoryhub::ops::metrics::Metrics;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::TestDb;

/// A worker on `db` running the job kinds of `registry`, with the mailer and
/// metrics the binary would give it.
pub fn new(
    db: &TestDb,
    config: Arc<Config>,
    registry: Registry,
    settings: WorkerSettings,
) -> Worker {
    let mailer = Mailer::from_config(&config).unwrap();
    Worker::new(
        db.pool.clone(),
        config,
        mailer,
        registry,
        settings,
        Metrics::new().unwrap(),
    )
}

/// A worker running in this process until [`Running::stop`].
pub struct Running {
    stop: oneshot::Sender<()>,
    handle: JoinHandle<Result<(), WorkerError>>,
    /// The worker's id in `job_workers`.
    pub id: String,
}

impl Running {
    /// Runs `worker` and waits until it is ready to claim jobs.
    pub async fn start(worker: Worker) -> Running {
        let id = worker.id.clone();
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let (ready_tx, ready_rx) = oneshot::channel::<()>();
        let handle = tokio::spawn(worker.run(
            async {
                let _ = stop_rx.await;
            },
            move || {
                let _ = ready_tx.send(());
            },
        ));
        ready_rx.await.unwrap();
        Running {
            stop: stop_tx,
            handle,
            id,
        }
    }

    /// Shuts the worker down and waits until it has finished cleanly.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        self.handle.await.unwrap().unwrap();
    }
}

/// Jobs that may run now.
async fn due(db: &TestDb) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM jobs
         WHERE status = 'running' OR (status = 'pending' AND run_at <= now())",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap()
}

/// Runs a worker configured with `overrides` (for instance a mail catcher's
/// settings) until no job is due, at most `limit`.
pub async fn drain(db: &TestDb, overrides: &[(&str, &str)], limit: Duration) {
    let mut vars = vec![("DATABASE_URL", db.url.as_str())];
    vars.extend_from_slice(overrides);
    let config = Arc::new(super::config(&vars));
    let mut settings = WorkerSettings::from_config(&config);
    settings.periodic = false;
    settings.shutdown_grace = Duration::from_secs(10);
    let running = Running::start(new(db, config, kinds::registry(), settings)).await;
    let deadline = tokio::time::Instant::now() + limit;
    // The claim loop polls; give it a moment to pick up what is there.
    tokio::time::sleep(Duration::from_millis(200)).await;
    while due(db).await > 0 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    running.stop().await;
}

/// Makes every pending job due now (skips a retry's backoff).
pub async fn hurry(db: &TestDb) {
    sqlx::query("UPDATE jobs SET run_at = now() WHERE status = 'pending'")
        .execute(&db.pool)
        .await
        .unwrap();
}
