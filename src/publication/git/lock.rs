//! One push per publication repository at a time, across every worker
//! (ruling 36): a session-level advisory lock keyed on the repository URL,
//! held on a dedicated pooled connection around clone → push.
//!
//! The lock is taken with `pg_try_advisory_lock` in short polls, never a
//! blocking wait, so a cancelled run can never leave a connection queued
//! for the lock. It is released explicitly on every normal path; if the
//! holder is dropped without that (a cancelled or panicking run, or a failed
//! unlock), its connection is closed instead of returned to the pool, and the
//! session's end releases the lock.

use std::time::Duration;

use sqlx::PgPool;
use sqlx::pool::PoolConnection;
use sqlx::postgres::Postgres;

use super::GitError;

/// First and longest pause between two tries.
const POLL_MIN: Duration = Duration::from_millis(10);
const POLL_MAX: Duration = Duration::from_millis(250);

/// The lock name of a repository; `hashtextextended` turns it into the key.
pub fn lock_name(url: &str) -> String {
    format!("advisoryhub.publication-repo:{url}")
}

/// The held lock on one repository.
pub struct RepositoryLock {
    conn: Option<PoolConnection<Postgres>>,
    name: String,
}

/// Takes the lock on the repository at `url`, waiting up to `wait` for
/// another holder to finish.
pub async fn lock_repository(
    pool: &PgPool,
    url: &str,
    wait: Duration,
) -> Result<RepositoryLock, GitError> {
    let name = lock_name(url);
    let conn = pool.acquire().await.map_err(db_error)?;
    // From here on, dropping `lock` closes the connection unless released.
    let mut lock = RepositoryLock {
        conn: Some(conn),
        name,
    };
    let deadline = tokio::time::Instant::now() + wait;
    let mut pause = POLL_MIN;
    loop {
        let conn = lock.conn.as_deref_mut().ok_or_else(gone)?;
        let got = sqlx::query_scalar!(
            r#"SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS "got!""#,
            lock.name
        )
        .fetch_one(conn)
        .await
        .map_err(db_error)?;
        if got {
            return Ok(lock);
        }
        let now = tokio::time::Instant::now();
        if now >= deadline {
            // Not held: the connection may go back to the pool.
            lock.forget_unheld();
            return Err(GitError::Lock(format!(
                "another publication held the repository for more than {}s",
                wait.as_secs()
            )));
        }
        tokio::time::sleep(pause.min(deadline - now)).await;
        pause = (pause * 2).min(POLL_MAX);
    }
}

impl RepositoryLock {
    /// Releases the lock and returns the connection to the pool; on any
    /// doubt the connection is closed instead.
    pub async fn release(mut self) {
        let Some(mut conn) = self.conn.take() else {
            return;
        };
        let released = sqlx::query_scalar!(
            r#"SELECT pg_advisory_unlock(hashtextextended($1, 0)) AS "released!""#,
            self.name
        )
        .fetch_one(&mut *conn)
        .await;
        if !matches!(released, Ok(true)) {
            tracing::warn!(
                "the publication repository lock was not released cleanly; closing its connection"
            );
            conn.close_on_drop();
        }
    }

    /// The lock was never taken: hand the connection back as it is.
    fn forget_unheld(&mut self) {
        self.conn = None;
    }
}

impl Drop for RepositoryLock {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.as_mut() {
            conn.close_on_drop();
        }
    }
}

/// Runs `f` holding the lock on the repository at `url`, then releases it,
/// whatever `f` returned.
pub async fn with_repository_lock<T, F, Fut>(
    pool: &PgPool,
    url: &str,
    wait: Duration,
    f: F,
) -> Result<T, GitError>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<T, GitError>>,
{
    let lock = lock_repository(pool, url, wait).await?;
    let result = f().await;
    lock.release().await;
    result
}

#[expect(clippy::needless_pass_by_value, reason = "used as a map_err function")]
fn db_error(e: sqlx::Error) -> GitError {
    // Database errors carry no secret of the publication remote; the
    // redactor still masks a connection URL's password if one shows up.
    GitError::Lock(
        crate::audit::redact::Redactor::default()
            .redact_str(&e.to_string())
            .into_owned(),
    )
}

fn gone() -> GitError {
    GitError::Lock("the lock connection was lost".into())
}
