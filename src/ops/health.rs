//! Liveness and readiness probes.
//!
//! `/healthz` answers whenever the process does and touches nothing, so a
//! database outage never restarts pods. `/readyz` runs every check and names
//! the failing ones with a short error class; details go to the log only.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use sqlx::PgPool;

use crate::cache;
use crate::config::Config;
use crate::db::{self, SchemaStatus};
use crate::publication::git;

/// Longest time one readiness check may take.
const CHECK_TIMEOUT: Duration = Duration::from_secs(4);

/// `GET /healthz`.
pub async fn healthz() -> Response {
    Json(json!({"status": "ok"})).into_response()
}

/// `GET /healthz` of a worker: alive while the job loop polls.
pub fn worker_healthz(heartbeat: &crate::jobs::worker::Heartbeat) -> Response {
    if heartbeat.is_fresh(Duration::from_mins(1)) {
        Json(json!({"status": "ok"})).into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"status": "fail", "failures": {"job_loop": "Stalled"}})),
        )
            .into_response()
    }
}

async fn check_db(pool: &PgPool) -> Result<(), &'static str> {
    sqlx::query_scalar!("SELECT 1 AS \"one!\"")
        .fetch_one(pool)
        .await
        .map(|_| ())
        .map_err(|e| {
            tracing::warn!(error = %e, "readiness: database check failed");
            "DatabaseError"
        })
}

async fn check_migrations(pool: &PgPool) -> Result<(), &'static str> {
    match db::schema_status(pool).await {
        Ok(SchemaStatus::Current) => Ok(()),
        Ok(SchemaStatus::Behind(missing)) => {
            tracing::warn!(?missing, "readiness: database schema is behind the binary");
            Err("SchemaBehind")
        }
        Ok(SchemaStatus::Dirty(version)) => {
            tracing::warn!(version, "readiness: a migration did not finish");
            Err("SchemaDirty")
        }
        Err(e) => {
            tracing::warn!(error = %e, "readiness: migration check failed");
            Err("DatabaseError")
        }
    }
}

async fn check_cache(pool: &PgPool) -> Result<(), &'static str> {
    let key = format!("readyz:{}", uuid::Uuid::new_v4().simple());
    let round_trip = async {
        cache::set(pool, &key, &true, Duration::from_mins(1)).await?;
        let back: Option<bool> = cache::get(pool, &key).await?;
        cache::delete(pool, &key).await?;
        Ok::<_, cache::CacheError>(back)
    };
    match round_trip.await {
        Ok(Some(true)) => Ok(()),
        Ok(_) => Err("CacheMismatch"),
        Err(e) => {
            tracing::warn!(error = %e, "readiness: cache check failed");
            Err("CacheError")
        }
    }
}

/// `READYZ_INCLUDE_PUB_REPO=true`: the publication remote answers a
/// `git ls-remote`, within the check's time limit (the git child is killed
/// when it runs out).
async fn check_pub_repo(config: &Config) -> Result<(), &'static str> {
    let remote = git::Remote::from_config(&config.publication);
    git::ls_remote(&remote, CHECK_TIMEOUT).await.map_err(|e| {
        tracing::warn!(error = %e, "readiness: publication repository check failed");
        e.class()
    })
}

async fn timed<F>(check: F) -> Result<(), &'static str>
where
    F: Future<Output = Result<(), &'static str>>,
{
    tokio::time::timeout(CHECK_TIMEOUT, check)
        .await
        .unwrap_or(Err("Timeout"))
}

/// `GET /readyz`.
pub async fn readyz(State(pool): State<PgPool>, State(config): State<Arc<Config>>) -> Response {
    let pub_repo = async {
        if config.publication.readyz_include_repo {
            Some(timed(check_pub_repo(&config)).await)
        } else {
            None
        }
    };
    let (db, migrations, cache, pub_repo) = tokio::join!(
        timed(check_db(&pool)),
        timed(check_migrations(&pool)),
        timed(check_cache(&pool)),
        pub_repo,
    );
    let failures: BTreeMap<&str, &str> = [("db", db), ("migrations", migrations), ("cache", cache)]
        .into_iter()
        .chain(pub_repo.map(|r| ("publication_repo", r)))
        .filter_map(|(name, r)| r.err().map(|class| (name, class)))
        .collect();
    if failures.is_empty() {
        Json(json!({"status": "ok"})).into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"status": "fail", "failures": failures})),
        )
            .into_response()
    }
}
