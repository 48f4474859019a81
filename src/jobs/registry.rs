//! The kinds of job a worker can run, and the concurrency limit of each queue.

use std::collections::BTreeMap;
use std::time::Duration;

use futures_util::future::BoxFuture;

use super::{Job, JobContext, JobError};

type RunFn = for<'a> fn(serde_json::Value, &'a JobContext) -> BoxFuture<'a, Result<(), JobError>>;

/// One registered job kind, its type erased.
pub struct JobKind {
    pub name: &'static str,
    pub queue: &'static str,
    pub timeout: Duration,
    pub retry_base: Duration,
    pub run: RunFn,
}

fn run_erased<J: Job>(
    payload: serde_json::Value,
    ctx: &JobContext,
) -> BoxFuture<'_, Result<(), JobError>> {
    Box::pin(async move {
        let job: J = serde_json::from_value(payload)
            .map_err(|e| JobError::Fatal(format!("payload does not match {}: {e}", J::NAME)))?;
        job.run(ctx).await
    })
}

/// Job kinds by name, and queue limits.
#[derive(Default)]
pub struct Registry {
    kinds: BTreeMap<&'static str, JobKind>,
    queue_limits: BTreeMap<&'static str, usize>,
}

impl Registry {
    pub fn new() -> Registry {
        Registry::default()
    }

    /// Adds a job kind.
    #[must_use]
    pub fn register<J: Job>(mut self) -> Registry {
        self.kinds.insert(
            J::NAME,
            JobKind {
                name: J::NAME,
                queue: J::QUEUE,
                timeout: J::TIMEOUT,
                retry_base: J::RETRY_BASE,
                run: run_erased::<J>,
            },
        );
        self
    }

    /// At most `limit` jobs of `queue` run at once in one worker process
    /// (the process-wide concurrency still applies).
    #[must_use]
    pub fn limit_queue(mut self, queue: &'static str, limit: usize) -> Registry {
        self.queue_limits.insert(queue, limit.max(1));
        self
    }

    pub fn get(&self, name: &str) -> Option<&JobKind> {
        self.kinds.get(name)
    }

    /// The names this worker can run; it claims no other jobs, so a newer
    /// release's job kinds wait for a worker that knows them.
    pub fn names(&self) -> Vec<String> {
        self.kinds.keys().map(|k| (*k).to_owned()).collect()
    }

    /// Every queue with a registered job, with its limit (`None`: only the
    /// process-wide concurrency).
    pub fn queues(&self) -> Vec<(&'static str, Option<usize>)> {
        let mut queues: Vec<&'static str> = self.kinds.values().map(|k| k.queue).collect();
        queues.sort_unstable();
        queues.dedup();
        queues
            .into_iter()
            .map(|q| (q, self.queue_limits.get(q).copied()))
            .collect()
    }
}
