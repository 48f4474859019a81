//! A key/value cache with a time to live in an UNLOGGED table, shared by every
//! replica. Losing it on a crash is harmless by design; nothing that must
//! survive belongs here. Expired rows are invisible to `get` and removed by
//! `purge_expired`.

use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::PgExecutor;

/// A cache failure: the database, or a stored value of another shape.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    #[error("cache storage: {0}")]
    Db(#[from] sqlx::Error),
    #[error("cache value: {0}")]
    Value(#[from] serde_json::Error),
}

fn ttl_seconds(ttl: Duration) -> f64 {
    ttl.as_secs_f64()
}

/// The live value under `key`, if any.
pub async fn get<T: DeserializeOwned>(
    db: impl PgExecutor<'_>,
    key: &str,
) -> Result<Option<T>, CacheError> {
    let value = sqlx::query_scalar!(
        "SELECT value FROM cache_entries WHERE key = $1 AND expires_at > now()",
        key
    )
    .fetch_optional(db)
    .await?;
    Ok(value.map(serde_json::from_value).transpose()?)
}

/// Stores `value` under `key` for `ttl`, replacing what was there.
pub async fn set<T: Serialize + Sync>(
    db: impl PgExecutor<'_>,
    key: &str,
    value: &T,
    ttl: Duration,
) -> Result<(), CacheError> {
    let value = serde_json::to_value(value)?;
    sqlx::query!(
        "INSERT INTO cache_entries (key, value, expires_at)
         VALUES ($1, $2, now() + make_interval(secs => $3))
         ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, expires_at = EXCLUDED.expires_at",
        key,
        value,
        ttl_seconds(ttl)
    )
    .execute(db)
    .await?;
    Ok(())
}

/// The live value under `key`, or `compute()`'s result stored for `ttl`.
/// Two replicas may both compute on a miss; the last write wins, which is
/// fine for a cache.
pub async fn get_or_compute<T, F, Fut, E>(
    pool: &sqlx::PgPool,
    key: &str,
    ttl: Duration,
    compute: F,
) -> Result<T, E>
where
    T: Serialize + DeserializeOwned + Sync,
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<T, E>>,
    E: From<CacheError>,
{
    if let Some(hit) = get(pool, key).await? {
        return Ok(hit);
    }
    let value = compute().await?;
    set(pool, key, &value, ttl).await?;
    Ok(value)
}

/// Removes `key`.
pub async fn delete(db: impl PgExecutor<'_>, key: &str) -> Result<(), CacheError> {
    sqlx::query!("DELETE FROM cache_entries WHERE key = $1", key)
        .execute(db)
        .await?;
    Ok(())
}

/// Deletes expired rows; returns how many.
pub async fn purge_expired(db: impl PgExecutor<'_>) -> Result<u64, CacheError> {
    let done = sqlx::query!("DELETE FROM cache_entries WHERE expires_at <= now()")
        .execute(db)
        .await?;
    Ok(done.rows_affected())
}
