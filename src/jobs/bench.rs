//! The benchmark job: sleeps `s` milliseconds and records when it started, so
//! a harness (ours, `advisoryhub bench queue`, or an outside one) measures the
//! real worker end to end.
//!
//! It writes `(job_id, pid, t_enq, t_start)` into `qbench_results`, a table the
//! harness creates; with `r = 1` before the job is acknowledged, with `r = 0`
//! through a buffer flushed at least every 100 ms.

use std::sync::{LazyLock, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use sqlx::PgPool;

use super::{Job, JobContext, JobError};

/// One benchmark job; the field names are the wire format harnesses write.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BenchJob {
    /// Harness-assigned id.
    pub id: i64,
    /// Epoch seconds taken just before the insert.
    pub t: f64,
    /// Milliseconds to sleep.
    #[serde(default)]
    pub s: u64,
    /// 1: record before acknowledging; 0: buffered.
    #[serde(default)]
    pub r: u8,
}

/// The table harnesses create before a run.
pub const RESULTS_DDL: &str = "CREATE TABLE IF NOT EXISTS qbench_results (
    job_id bigint NOT NULL, pid integer NOT NULL, t_enq double precision NOT NULL,
    t_start double precision NOT NULL)";

struct Record {
    job_id: i64,
    t_enq: f64,
    t_start: f64,
}

static BUFFER: LazyLock<Mutex<Vec<Record>>> = LazyLock::new(|| Mutex::new(Vec::new()));
static FLUSHER: std::sync::Once = std::sync::Once::new();

pub fn epoch_seconds() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs_f64()
}

fn pid() -> i32 {
    i32::try_from(std::process::id()).unwrap_or(0)
}

// qbench_results belongs to the harness, not to our schema, so these
// statements cannot be checked at compile time; they are fixed strings.
async fn write(pool: &PgPool, records: &[Record]) -> Result<(), sqlx::Error> {
    if records.is_empty() {
        return Ok(());
    }
    let ids: Vec<i64> = records.iter().map(|r| r.job_id).collect();
    let enq: Vec<f64> = records.iter().map(|r| r.t_enq).collect();
    let start: Vec<f64> = records.iter().map(|r| r.t_start).collect();
    sqlx::query(
        "INSERT INTO qbench_results (job_id, pid, t_enq, t_start)
         SELECT i, $4, e, s FROM unnest($1::bigint[], $2::float8[], $3::float8[]) AS u(i, e, s)",
    )
    .bind(&ids)
    .bind(&enq)
    .bind(&start)
    .bind(pid())
    .execute(pool)
    .await?;
    Ok(())
}

fn take_buffer() -> Vec<Record> {
    BUFFER
        .lock()
        .map(|mut b| std::mem::take(&mut *b))
        .unwrap_or_default()
}

fn start_flusher(pool: PgPool) {
    FLUSHER.call_once(|| {
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_millis(50));
            loop {
                tick.tick().await;
                let records = take_buffer();
                if let Err(e) = write(&pool, &records).await {
                    tracing::warn!(error = %e, lost = records.len(), "bench results not written");
                }
            }
        });
    });
}

impl Job for BenchJob {
    const NAME: &'static str = "bench.noop";
    const QUEUE: &'static str = "bench";
    const MAX_ATTEMPTS: i32 = 3;
    const RETRY_BASE: Duration = Duration::from_millis(100);

    async fn run(&self, ctx: &JobContext) -> Result<(), JobError> {
        let t_start = epoch_seconds();
        if self.s > 0 {
            tokio::time::sleep(Duration::from_millis(self.s)).await;
        }
        let record = Record {
            job_id: self.id,
            t_enq: self.t,
            t_start,
        };
        if self.r == 1 {
            write(&ctx.pool, &[record]).await?;
        } else {
            start_flusher(ctx.pool.clone());
            if let Ok(mut b) = BUFFER.lock() {
                b.push(record);
            }
        }
        Ok(())
    }
}
