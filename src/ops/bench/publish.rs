//! `advisoryhub bench publish`: the time from the committed publish action
//! to the pushed commit and the `published` state, with an idle worker in
//! this process and a bare repository in a scratch directory. It writes
//! advisories, so it refuses to run with `APP_ENV=production`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use sqlx::PgPool;

use super::{Running, db_err, local_worker, percentile};
use crate::access::permissions::Actor;
use crate::advisories::content::Payload;
use crate::advisories::service::{self, Ctx, NewAdvisory};
use crate::advisories::{projects, repo};
use crate::audit::redact::Redactor;
use crate::config::Config;
use crate::jobs::registry::Registry;
use crate::publication::jobs::PublicationRun;

/// Options of `bench publish`.
#[derive(Debug, Clone, clap::Args)]
pub struct PublishOptions {
    /// Measured publications, each of a fresh draft.
    #[arg(long, default_value_t = 50)]
    pub n: usize,
    /// Publications run first and left out of the figures.
    #[arg(long, default_value_t = 3)]
    pub warmup: usize,
}

const PROJECT_SLUG: &str = "bench.publication";
const PUBLISHER_EMAIL: &str = "bench-publisher@example.invalid";

/// A directory removed when the run ends, however it ends.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn git(cwd: &Path, args: &[&str]) -> Result<(), String> {
    let out = std::process::Command::new("git")
        .current_dir(cwd)
        .args(args)
        .output()
        .map_err(|e| format!("git: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "git {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// A bare repository with one commit on `main`, as a publication remote has.
fn seed_remote(root: &Path) -> Result<PathBuf, String> {
    let bare = root.join("publication.git");
    let seed = root.join("seed");
    std::fs::create_dir_all(&seed).map_err(|e| e.to_string())?;
    let bare_str = bare.to_str().ok_or("temp dir is not UTF-8")?;
    git(root, &["init", "--quiet", "--bare", "-b", "main", bare_str])?;
    git(&seed, &["init", "--quiet", "-b", "main"])?;
    std::fs::write(seed.join("README.md"), "Advisories\n").map_err(|e| e.to_string())?;
    git(&seed, &["add", "README.md"])?;
    git(
        &seed,
        &[
            "-c",
            "user.name=Bench",
            "-c",
            "user.email=bench@example.invalid",
            "commit",
            "--quiet",
            "-m",
            "Seed",
        ],
    )?;
    git(&seed, &["push", "--quiet", bare_str, "main"])?;
    // A hosted remote does its housekeeping apart from the push; git's
    // default here runs it inside every push.
    git(&bare, &["config", "receive.autogc", "false"])?;
    // Hosted remotes (GitHub, GitLab) serve partial clones; a bare
    // repository only once told to.
    git(&bare, &["config", "uploadpack.allowFilter", "true"])?;
    Ok(bare)
}

/// An admin who publishes, and the project the drafts belong to.
async fn publisher(pool: &PgPool, config: &Config) -> Result<(Actor, uuid::Uuid), String> {
    let mut conn = pool.acquire().await.map_err(db_err)?;
    let project = projects::upsert(
        &mut conn,
        PROJECT_SLUG,
        "Benchmark project",
        "bench-publication-security",
        false,
    )
    .await
    .map_err(db_err)?;
    let user_id = sqlx::query_scalar!(
        "INSERT INTO app_user (email) VALUES ($1)
         ON CONFLICT ((lower(email))) DO UPDATE SET email = EXCLUDED.email RETURNING id",
        PUBLISHER_EMAIL
    )
    .fetch_one(&mut *conn)
    .await
    .map_err(db_err)?;
    sqlx::query!(
        "WITH g AS (INSERT INTO oidc_group (name) VALUES ($2)
                    ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING id)
         INSERT INTO user_group (user_id, group_id) SELECT $1, id FROM g ON CONFLICT DO NOTHING",
        user_id,
        config.oidc.admin_group
    )
    .execute(&mut *conn)
    .await
    .map_err(db_err)?;
    let actor = repo::load_actor(&mut conn, user_id, &config.oidc.admin_group)
        .await
        .map_err(db_err)?
        .ok_or("the benchmark publisher vanished")?;
    Ok((actor, project))
}

/// Content of the size a real advisory has: a range, a CVSS vector, a CWE,
/// references and a credit.
fn content(i: usize) -> Result<Payload, String> {
    Payload::from_json(&json!({
        "summary": format!("Request smuggling in the HTTP/1.1 parser ({i})"),
        "details": "The parser accepted a bare `LF` as the end of a chunk extension.\n\n\
                    Upgrade to 12.0.9 or later.",
        "references": [
            {"type": "FIX", "url": "https://github.com/example/server/pull/4242"},
            {"type": "WEB", "url": "https://example.org/security/notes"}
        ],
        "affected": [{
            "package": {"ecosystem": "Maven", "name": "org.example:server-http"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "12.0.0"}, {"fixed": "12.0.9"}]}]
        }],
        "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:H/A:N"}],
        "cwe_ids": ["CWE-444"],
        "credits": [{"name": "A. Finder", "type": "FINDER"}]
    }))
    .map_err(|e| format!("benchmark content: {e:?}"))
}

/// Creates one draft, publishes it and waits for the outcome; the time from
/// the publish transaction's commit to the task's success as seen here (up
/// to one 5 ms poll late).
async fn one(
    pool: &PgPool,
    actor: &Actor,
    project: uuid::Uuid,
    i: usize,
) -> Result<Duration, String> {
    let redactor = Redactor::default();
    let ctx = Ctx {
        actor,
        origin: None,
        redactor: &redactor,
    };
    let mut tx = pool.begin().await.map_err(db_err)?;
    let id = service::create(
        &mut tx,
        ctx,
        &NewAdvisory {
            project_id: Some(project),
            content: content(i)?,
        },
        &mut crate::advisories::id::OsEntropy,
    )
    .await
    .map_err(|e| format!("create: {e}"))?;
    tx.commit().await.map_err(db_err)?;

    let mut tx = pool.begin().await.map_err(db_err)?;
    let row = repo::load(&mut tx, &id, Some(actor), false)
        .await
        .map_err(db_err)?
        .ok_or("the draft vanished")?;
    let task = crate::publication::start(&mut tx, ctx, &row, false, false)
        .await
        .map_err(|e| format!("publish: {e}"))?;
    tx.commit().await.map_err(db_err)?;
    let committed = Instant::now();

    let deadline = committed + Duration::from_secs(60);
    loop {
        let (status, error) = sqlx::query_as::<_, (String, String)>(
            "SELECT status, last_error FROM publication_task WHERE id = $1",
        )
        .bind(task)
        .fetch_one(pool)
        .await
        .map_err(db_err)?;
        match status.as_str() {
            "succeeded" => return Ok(committed.elapsed()),
            "failed" => return Err(format!("publication of {id} failed: {error}")),
            _ if Instant::now() > deadline => {
                return Err(format!("publication of {id} did not finish within 60 s"));
            }
            // Coarse enough that this loop and its database backend do not
            // take the cores the run needs; it adds 2.5 ms on average.
            _ => tokio::time::sleep(Duration::from_millis(5)).await,
        }
    }
}

/// `bench publish`.
pub async fn publish(
    config: &Arc<Config>,
    pool: &PgPool,
    opts: &PublishOptions,
) -> Result<serde_json::Value, String> {
    if config.app_env.is_production() {
        return Err(
            "bench publish creates and publishes advisories: run it against a scratch database \
             with APP_ENV=development"
                .into(),
        );
    }
    crate::db::migrate(pool).await.map_err(db_err)?;
    let scratch = Scratch(
        std::env::temp_dir().join(format!("advisoryhub-bench-publish-{}", std::process::id())),
    );
    std::fs::create_dir_all(&scratch.0).map_err(|e| e.to_string())?;
    let remote = seed_remote(&scratch.0)?;
    let mut settings = (**config).clone();
    settings.publication.repo_url = remote.to_string_lossy().into_owned();
    let config = Arc::new(settings);
    let (actor, project) = publisher(pool, &config).await?;

    let worker = local_worker(
        &config,
        pool,
        1,
        Registry::new().register::<PublicationRun>(),
    )?;
    let running = Running::start(worker).await;
    // Let the listener connect before the first publication.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut ms = Vec::with_capacity(opts.n);
    let mut outcome = Ok(());
    for i in 0..opts.warmup + opts.n {
        match one(pool, &actor, project, i).await {
            Ok(t) if i >= opts.warmup => ms.push(t.as_secs_f64() * 1000.0),
            Ok(_) => {}
            Err(e) => {
                outcome = Err(e);
                break;
            }
        }
    }
    running.stop().await;
    outcome?;
    ms.sort_by(f64::total_cmp);
    let round = |v: f64| (v * 10.0).round() / 10.0;
    Ok(json!({
        "publications": ms.len(),
        "p50_ms": round(percentile(&ms, 0.50)),
        "p95_ms": round(percentile(&ms, 0.95)),
        "max_ms": round(ms.last().copied().unwrap_or(f64::NAN)),
    }))
}
