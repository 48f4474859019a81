//! The two ends of a publication run (20-lifecycle §13.2, 70-publication
//! §3, §7, §8): taking a queued task (the entry guard), and the one
//! transaction that settles it — success (the advisory becomes `published`,
//! or `dismissed` for a withdrawal) or failure (the task fails; the advisory
//! never changes, INV-LIFECYCLE-3) — plus the stale-task reaper (INV-PUB-7).
//!
//! The run acts on behalf of whoever enqueued it: audit rows name them;
//! rows written here carry no IP or User-Agent (§2.2).

use std::time::Duration;

use serde_json::{Value, json};
use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;

use crate::advisories::repo;
use crate::advisories::service::{Ctx, ServiceError};
use crate::advisories::workflow::common::{
    self, ClearedBy, ReassignmentCleared, clear_reassignment_request_if_pending,
};
use crate::audit::catalogue::Action;
use crate::audit::redact::{Redactor, truncate_error};
use crate::audit::{self, Entry};
use crate::db::{self, Principal};
use crate::jobs;
use crate::notifications::advisory_event::{AdvisoryEvent, Event};

/// A task taken by a run: what the documents are built from.
#[derive(Clone, Debug)]
pub struct Claimed {
    pub task_id: i64,
    pub advisory_id: i64,
    pub public_id: String,
    pub version_id: i64,
    pub version: i32,
    pub version_created_at: OffsetDateTime,
    /// The pinned version's snapshot (INV-VERSION-3): the only content input.
    pub payload: Value,
    pub enqueued_by: Option<i64>,
    /// Set once, at the first publication; fixes the year of the paths.
    pub published_at: Option<OffsetDateTime>,
    pub started_at: OffsetDateTime,
}

impl Claimed {
    /// A run whose pinned version carries a withdrawal reason (§10.1).
    pub fn is_withdrawal(&self) -> bool {
        !self.withdrawn_reason().is_empty()
    }

    pub fn withdrawn_reason(&self) -> &str {
        self.payload["withdrawn_reason"]
            .as_str()
            .unwrap_or_default()
            .trim()
    }
}

/// Takes task `task_id` for job `job_id`: only a `queued` task is taken
/// (ruling 6); anything else — a redelivered job, a reaped or finished task
/// — is left alone and `None` comes back.
pub async fn claim(
    pool: &PgPool,
    task_id: i64,
    job_id: i64,
) -> Result<Option<Claimed>, sqlx::Error> {
    let mut tx = db::begin_as(pool, Principal::System).await?;
    let claimed = sqlx::query!(
        r#"WITH taken AS (
               UPDATE publication_task SET status = 'running', attempts = attempts + 1,
                      started_at = now(), job_id = $2
               WHERE id = $1 AND status = 'queued'
               RETURNING id, advisory_id, version_id, enqueued_by, started_at)
           SELECT t.id, t.advisory_id, t.version_id, t.enqueued_by,
                  t.started_at AS "started_at!", a.advisory_id AS public_id, a.published_at,
                  v.version, v.payload, v.created_at AS version_created_at
           FROM taken t
           JOIN advisory a ON a.id = t.advisory_id
           JOIN advisory_version v ON v.id = t.version_id"#,
        task_id,
        job_id
    )
    .fetch_optional(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(claimed.map(|r| Claimed {
        task_id: r.id,
        advisory_id: r.advisory_id,
        public_id: r.public_id,
        version_id: r.version_id,
        version: r.version,
        version_created_at: r.version_created_at,
        payload: r.payload,
        enqueued_by: r.enqueued_by,
        published_at: r.published_at,
        started_at: r.started_at,
    }))
}

/// A validated document and where it goes in the publication repository.
#[derive(Clone, Debug)]
pub struct Artifact {
    /// `osv`, `csaf` or `cve`.
    pub kind: &'static str,
    pub path: String,
    pub content: Value,
}

/// Stores the run's documents (upserted per kind, §3 step 10), before the
/// push: the previews show what was, or would have been, published.
pub async fn store_artifacts(
    pool: &PgPool,
    task_id: i64,
    artifacts: &[Artifact],
) -> Result<(), sqlx::Error> {
    let mut tx = db::begin_as(pool, Principal::System).await?;
    for a in artifacts {
        sqlx::query!(
            "INSERT INTO publication_artifact (task_id, kind, path, content)
             VALUES ($1, $2, $3, $4)
             ON CONFLICT (task_id, kind) DO UPDATE SET path = EXCLUDED.path,
                 content = EXCLUDED.content, created_at = now()",
            task_id,
            a.kind,
            a.path,
            a.content
        )
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await
}

/// One stage of the run on the ledger (`publication.osv_generated`,
/// `publication.git_commit`, ...), on behalf of the enqueuer.
pub async fn record_stage(
    pool: &PgPool,
    redactor: &Redactor,
    claimed: &Claimed,
    action: Action,
    new_value: Option<Value>,
    mut metadata: Value,
) -> Result<(), sqlx::Error> {
    metadata["task_id"] = json!(claimed.task_id);
    let mut tx = db::begin_as(pool, Principal::System).await?;
    audit::record(
        &mut tx,
        redactor,
        Entry::new(action, claimed.enqueued_by, None)
            .advisory(claimed.advisory_id)
            .values(None, new_value)
            .metadata(metadata),
    )
    .await?;
    tx.commit().await
}

/// Why a run failed (§7): the class decides the stored prefix and the
/// audit action.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    /// A document failed its schema or the CSAF checks, or could not be built.
    Validation(String),
    /// Any error of the git layer.
    Git(String),
    Unexpected(String),
}

impl Failure {
    fn stored(&self, redactor: &Redactor) -> String {
        let (prefix, message) = match self {
            Failure::Validation(m) => ("validation: ", m),
            Failure::Git(m) => ("git: ", m),
            Failure::Unexpected(m) => ("unexpected: ", m),
        };
        truncate_error(&format!("{prefix}{}", redactor.redact_error(message))).to_owned()
    }

    fn action(&self) -> Action {
        match self {
            Failure::Git(_) => Action::PublicationGitPushFailed,
            Failure::Validation(_) | Failure::Unexpected(_) => Action::PublicationExportFailed,
        }
    }
}

/// The failure funnel of §7: the running task fails with the redacted
/// error, the failure is audited and announced (the e-mail never carries
/// the error). The advisory is not touched. Returns whether this call
/// failed the task (a task settled meanwhile is left as it is).
pub async fn fail(
    pool: &PgPool,
    redactor: &Redactor,
    claimed: &Claimed,
    failure: &Failure,
) -> Result<bool, sqlx::Error> {
    let error = failure.stored(redactor);
    let mut tx = db::begin_as(pool, Principal::System).await?;
    let failed = sqlx::query_scalar!(
        "UPDATE publication_task SET status = 'failed', finished_at = now(), last_error = $2
         WHERE id = $1 AND status = 'running' RETURNING id",
        claimed.task_id,
        error
    )
    .fetch_optional(&mut *tx)
    .await?;
    if failed.is_none() {
        return Ok(false);
    }
    audit::record(
        &mut tx,
        redactor,
        Entry::new(failure.action(), claimed.enqueued_by, None)
            .advisory(claimed.advisory_id)
            .metadata(json!({"task_id": claimed.task_id, "error": error})),
    )
    .await?;
    enqueue_export_status(&mut tx, claimed.advisory_id, claimed.enqueued_by).await?;
    tx.commit().await?;
    Ok(true)
}

async fn enqueue_export_status(
    conn: &mut PgConnection,
    advisory_id: i64,
    actor_id: Option<i64>,
) -> Result<(), sqlx::Error> {
    jobs::enqueue(
        conn,
        &AdvisoryEvent {
            advisory_id,
            event: Event::PublicationExportStatus,
            actor_id,
        },
    )
    .await
    .map_err(|e| match e {
        jobs::EnqueueError::Db(db) => db,
        jobs::EnqueueError::Payload(p) => sqlx::Error::Encode(Box::new(p)),
    })?;
    Ok(())
}

/// What a successful run changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Settled {
    Published,
    Withdrawn,
    /// The task was no longer running (reaped meanwhile): nothing changed.
    Stale,
}

/// The final transaction of a clean push (§3 step 13, INV-PUB-4), with the
/// advisory row locked: `published` (the first `published_at` kept; a first
/// publication is stamped with the run's start, the date its documents
/// carry), or for a
/// withdrawal `dismissed` with its CVE orphaned (§10.1, L-11).
pub async fn succeed(
    pool: &PgPool,
    redactor: &Redactor,
    admin_group: &str,
    claimed: &Claimed,
    commit_sha: &str,
    branch: &str,
) -> Result<Settled, ServiceError> {
    let mut tx = db::begin_as(pool, Principal::System).await?;
    let row = repo::load(&mut tx, &claimed.public_id, None, true)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let running = sqlx::query_scalar!(
        "SELECT id FROM publication_task WHERE id = $1 AND status = 'running' FOR UPDATE",
        claimed.task_id
    )
    .fetch_optional(&mut *tx)
    .await?;
    if running.is_none() {
        return Ok(Settled::Stale);
    }
    sqlx::query!(
        "UPDATE publication_task SET status = 'succeeded', commit_sha = $2, finished_at = now(),
                last_error = ''
         WHERE id = $1",
        claimed.task_id,
        commit_sha
    )
    .execute(&mut *tx)
    .await?;
    let by = claimed.enqueued_by;
    let settled = if claimed.is_withdrawal() {
        complete_withdrawal(&mut tx, redactor, admin_group, claimed, &row).await?;
        Settled::Withdrawn
    } else {
        sqlx::query!(
            "UPDATE advisory SET state = 'published', published_at = coalesce(published_at, $2),
                    republish_required = false
             WHERE id = $1",
            row.id,
            claimed.started_at
        )
        .execute(&mut *tx)
        .await?;
        audit::record(
            &mut tx,
            redactor,
            Entry::new(Action::AdvisoryPublished, by, None)
                .advisory(row.id)
                .values(
                    Some(json!(row.state)),
                    Some(json!({"state": "published", "commit_sha": commit_sha})),
                ),
        )
        .await?;
        clear_reassignment_request_if_pending(
            &mut tx,
            ClearedBy {
                actor_id: by,
                origin: None,
                redactor,
            },
            row.id,
            ReassignmentCleared::Published,
            "",
        )
        .await?;
        jobs::enqueue(
            &mut tx,
            &AdvisoryEvent {
                advisory_id: row.id,
                event: Event::AdvisoryPublished,
                actor_id: by,
            },
        )
        .await?;
        Settled::Published
    };
    audit::record(
        &mut tx,
        redactor,
        Entry::new(Action::PublicationExportCompleted, by, None)
            .advisory(row.id)
            .values(None, Some(json!({"commit_sha": commit_sha})))
            .metadata(json!({
                "task_id": claimed.task_id,
                "branch": branch,
                "withdrawn": settled == Settled::Withdrawn,
            })),
    )
    .await?;
    tx.commit().await?;
    Ok(settled)
}

/// The withdrawal side of [`succeed`] (§10.1, L-11): `dismissed` from
/// `published` with the withdrawal reason, narrated, the CVE orphaned — all
/// on behalf of whoever withdrew it.
async fn complete_withdrawal(
    tx: &mut PgConnection,
    redactor: &Redactor,
    admin_group: &str,
    claimed: &Claimed,
    row: &repo::AdvisoryRow,
) -> Result<(), ServiceError> {
    let by = claimed.enqueued_by;
    let reason = claimed.withdrawn_reason().to_owned();
    sqlx::query!(
        "UPDATE advisory SET state = 'dismissed', dismissed_from_state = state,
                dismissed_reason = $2, republish_required = false
         WHERE id = $1",
        row.id,
        reason
    )
    .execute(&mut *tx)
    .await?;
    // The withdrawal's own actor: orphaning and the narrated pair are
    // theirs (a withdrawal always has one; GHSA automation is not here).
    let actor = match by {
        Some(id) => repo::load_actor(tx, id, admin_group).await?,
        None => None,
    }
    .ok_or_else(|| {
        ServiceError::InvalidState("the person who withdrew the advisory is gone".into())
    })?;
    let ctx = Ctx {
        actor: &actor,
        origin: None,
        redactor,
    };
    common::audit_dismissed(tx, ctx, row, &row.state, &reason, true).await?;
    if !row.assigned_cve_id.is_empty() {
        crate::cve::service::orphan_cve(tx, ctx, row, &format!("Advisory withdrawn: {reason}"))
            .await?;
    }
    Ok(())
}

/// The deadlines of the stale-task reaper (§8;
/// `PUB_TASK_STALE_*_AFTER_SECONDS`).
#[derive(Clone, Copy, Debug)]
pub struct StaleAfter {
    pub running: Duration,
    pub queued: Duration,
}

/// What one reaper pass failed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Reaped {
    pub running: u64,
    pub queued: u64,
}

/// The stale-task reaper (§8, INV-PUB-7): each candidate is re-taken alone
/// with `FOR UPDATE SKIP LOCKED` and its status and age re-checked (a task
/// settled or taken meanwhile is skipped), then failed through the funnel's
/// effects with a `reaped:` error, audited `publication.task_reaped` by the
/// system and announced. Never touches the advisory.
pub async fn reap_stale(
    pool: &PgPool,
    redactor: &Redactor,
    after: StaleAfter,
) -> Result<Reaped, sqlx::Error> {
    let running_after = after.running.as_secs_f64();
    let queued_after = after.queued.as_secs_f64();
    let candidates = sqlx::query_scalar!(
        "SELECT id FROM publication_task
         WHERE (status = 'running'
                AND coalesce(started_at, created_at) < now() - make_interval(secs => $1))
            OR (status = 'queued' AND created_at < now() - make_interval(secs => $2))
         ORDER BY id",
        running_after,
        queued_after
    )
    .fetch_all(pool)
    .await?;
    let mut reaped = Reaped::default();
    for id in candidates {
        let mut tx = db::begin_as(pool, Principal::System).await?;
        let Some(task) = sqlx::query!(
            r#"SELECT id, advisory_id, status, enqueued_by,
                      extract(epoch FROM now() - coalesce(started_at, created_at))::float8 AS "age!"
               FROM publication_task
               WHERE id = $1
                 AND ((status = 'running'
                       AND coalesce(started_at, created_at) < now() - make_interval(secs => $2))
                   OR (status = 'queued' AND created_at < now() - make_interval(secs => $3)))
               FOR UPDATE SKIP LOCKED"#,
            id,
            running_after,
            queued_after
        )
        .fetch_optional(&mut *tx)
        .await?
        else {
            continue;
        };
        let (threshold, cause) = if task.status == "running" {
            (after.running, "worker likely lost mid-run")
        } else {
            (after.queued, "enqueue likely lost")
        };
        #[expect(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "whole seconds of a positive age"
        )]
        let age = task.age.max(0.0) as u64;
        let error = format!(
            "reaped: task stuck in '{}' for {age}s ({cause}); safe to retry",
            task.status
        );
        sqlx::query!(
            "UPDATE publication_task SET status = 'failed', finished_at = now(), last_error = $2
             WHERE id = $1",
            task.id,
            error
        )
        .execute(&mut *tx)
        .await?;
        audit::record(
            &mut tx,
            redactor,
            Entry::new(Action::PublicationTaskReaped, None, None)
                .advisory(task.advisory_id)
                .metadata(json!({
                    "task_id": task.id,
                    "previous_status": task.status,
                    "age_seconds": age,
                    "stale_after_seconds": threshold.as_secs(),
                    "error": error,
                })),
        )
        .await?;
        enqueue_export_status(&mut tx, task.advisory_id, task.enqueued_by).await?;
        tx.commit().await?;
        if task.status == "running" {
            reaped.running += 1;
        } else {
            reaped.queued += 1;
        }
    }
    Ok(reaped)
}
