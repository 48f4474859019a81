//! The two ends of a publication run on a real database (20-lifecycle
//! §13.2, 70-publication §3, §7, §8): only a queued task is taken
//! (ruling 6); a clean push publishes (INV-PUB-4, the first `published_at`
//! kept) or completes a withdrawal (L-11, the CVE orphaned); a failure fails
//! the task with a redacted error and never touches the advisory
//! (INV-LIFECYCLE-3, INV-SECRET-3); the reaper fails stale tasks
//! (INV-PUB-7).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on purpose"
)]

mod common;

use advisoryhub::access::permissions::Actor;
use advisoryhub::advisories::service::Ctx;
use advisoryhub::advisories::workflow::withdrawal;
use advisoryhub::audit::redact::Redactor;
use advisoryhub::publication::outcome::{self, Failure, Settled, StaleAfter};
use advisoryhub::publication::start;
use common::TestDb;
use common::world::{self, ADMIN_GROUP, actor, create_advisory, summary, user};
use sqlx::PgPool;

/// The defaults of 70-publication §8.
const STALE_AFTER: StaleAfter = StaleAfter {
    running: std::time::Duration::from_secs(1800),
    queued: std::time::Duration::from_secs(7200),
};

struct W {
    db: TestDb,
    admin: Actor,
    redactor: Redactor,
}

impl W {
    async fn new() -> W {
        let db = TestDb::new().await;
        world::projects(&db.pool).await;
        let admin = user(&db.pool, "alice@example.org", &[ADMIN_GROUP]).await;
        let admin = actor(&db.pool, admin).await;
        W {
            db,
            admin,
            redactor: Redactor::new(["s3cr3t-token".to_owned()]),
        }
    }

    fn pool(&self) -> &PgPool {
        &self.db.pool
    }

    fn ctx(&self) -> Ctx<'_> {
        Ctx {
            actor: &self.admin,
            origin: None,
            redactor: &self.redactor,
        }
    }

    /// A draft of Theia with a queued publication task; (public id, task).
    async fn queued(&self) -> (String, i64) {
        let projects = world::projects(self.pool()).await;
        let id = create_advisory(self.pool(), &self.admin, projects.theia, summary("A flaw")).await;
        let mut tx = self.pool().begin().await.unwrap();
        let row = advisoryhub::advisories::repo::load(&mut tx, &id, Some(&self.admin), false)
            .await
            .unwrap()
            .unwrap();
        let task = start(&mut tx, self.ctx(), &row, false, false)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        (id, task)
    }

    async fn text(&self, sql: &'static str, id: &str) -> String {
        sqlx::query_scalar(sql)
            .bind(id)
            .fetch_one(self.pool())
            .await
            .unwrap()
    }

    async fn actions(&self, id: &str) -> Vec<String> {
        sqlx::query_scalar(
            "SELECT e.action FROM audit_log_entry e JOIN advisory a ON a.id = e.advisory_id
             WHERE a.advisory_id = $1 ORDER BY e.id",
        )
        .bind(id)
        .fetch_all(self.pool())
        .await
        .unwrap()
    }

    /// `notify.advisory_event` jobs of `event`.
    async fn events(&self, event: &str) -> i64 {
        sqlx::query_scalar(
            "SELECT count(*) FROM jobs WHERE name = 'notify.advisory_event'
             AND payload ->> 'event' = $1",
        )
        .bind(event)
        .fetch_one(self.pool())
        .await
        .unwrap()
    }
}

// Ruling 6: a task is taken once, from `queued` only.
#[tokio::test]
async fn inv_concurrency_1_a_task_is_taken_once() {
    let w = W::new().await;
    let (_, task) = w.queued().await;
    let claimed = outcome::claim(w.pool(), task, 1).await.unwrap().unwrap();
    assert_eq!(claimed.task_id, task);
    assert_eq!(claimed.version, 1);
    assert_eq!(claimed.payload["summary"], "A flaw");
    assert!(!claimed.is_withdrawal());
    assert!(outcome::claim(w.pool(), task, 2).await.unwrap().is_none());
    let attempts: i32 = sqlx::query_scalar("SELECT attempts FROM publication_task WHERE id = $1")
        .bind(task)
        .fetch_one(w.pool())
        .await
        .unwrap();
    assert_eq!(attempts, 1);
}

// INV-PUB-4: only the final transaction publishes; `published_at` is set
// once and kept by a re-publication.
#[tokio::test]
async fn inv_pub_4_a_clean_push_publishes_and_keeps_the_first_date() {
    let w = W::new().await;
    let (id, task) = w.queued().await;
    let claimed = outcome::claim(w.pool(), task, 1).await.unwrap().unwrap();
    assert_eq!(
        w.text("SELECT state FROM advisory WHERE advisory_id = $1", &id)
            .await,
        "draft",
        "a running task changes nothing yet"
    );
    let settled = outcome::succeed(
        w.pool(),
        &w.redactor,
        ADMIN_GROUP,
        &claimed,
        "abc123",
        "main",
    )
    .await
    .unwrap();
    assert_eq!(settled, Settled::Published);
    assert_eq!(
        w.text("SELECT state FROM advisory WHERE advisory_id = $1", &id)
            .await,
        "published"
    );
    let first: time::OffsetDateTime =
        sqlx::query_scalar("SELECT published_at FROM advisory WHERE advisory_id = $1")
            .bind(&id)
            .fetch_one(w.pool())
            .await
            .unwrap();
    let (status, sha): (String, String) =
        sqlx::query_as("SELECT status, commit_sha FROM publication_task WHERE id = $1")
            .bind(task)
            .fetch_one(w.pool())
            .await
            .unwrap();
    assert_eq!((status.as_str(), sha.as_str()), ("succeeded", "abc123"));
    let actions = w.actions(&id).await;
    assert!(actions.contains(&"advisory.published".to_owned()));
    assert!(actions.contains(&"publication.export_completed".to_owned()));
    assert_eq!(w.events("advisory_published").await, 1);

    // A re-publication keeps the first date.
    let mut tx = w.pool().begin().await.unwrap();
    let row = advisoryhub::advisories::repo::load(&mut tx, &id, Some(&w.admin), false)
        .await
        .unwrap()
        .unwrap();
    let again = start(&mut tx, w.ctx(), &row, false, false).await.unwrap();
    tx.commit().await.unwrap();
    let claimed = outcome::claim(w.pool(), again, 2).await.unwrap().unwrap();
    outcome::succeed(
        w.pool(),
        &w.redactor,
        ADMIN_GROUP,
        &claimed,
        "def456",
        "main",
    )
    .await
    .unwrap();
    let kept: time::OffsetDateTime =
        sqlx::query_scalar("SELECT published_at FROM advisory WHERE advisory_id = $1")
            .bind(&id)
            .fetch_one(w.pool())
            .await
            .unwrap();
    assert_eq!(kept, first);
}

// INV-LIFECYCLE-3, INV-SECRET-3: a failure fails the task with a redacted,
// prefixed error and leaves the advisory as it was; settling twice does
// nothing the second time.
#[tokio::test]
async fn inv_lifecycle_3_a_failure_changes_only_the_task() {
    let w = W::new().await;
    let (id, task) = w.queued().await;
    let claimed = outcome::claim(w.pool(), task, 1).await.unwrap().unwrap();
    let failed = outcome::fail(
        w.pool(),
        &w.redactor,
        &claimed,
        &Failure::Git("push to https://user:s3cr3t-token@example.org/x.git refused".into()),
    )
    .await
    .unwrap();
    assert!(failed);
    let (status, error): (String, String) =
        sqlx::query_as("SELECT status, last_error FROM publication_task WHERE id = $1")
            .bind(task)
            .fetch_one(w.pool())
            .await
            .unwrap();
    assert_eq!(status, "failed");
    assert!(error.starts_with("git: "), "{error}");
    assert!(!error.contains("s3cr3t-token"), "{error}");
    assert_eq!(
        w.text("SELECT state FROM advisory WHERE advisory_id = $1", &id)
            .await,
        "draft"
    );
    assert!(
        w.actions(&id)
            .await
            .contains(&"publication.git_push_failed".to_owned())
    );
    assert_eq!(w.events("publication_export_status").await, 1);
    let metadata: serde_json::Value = sqlx::query_scalar(
        "SELECT metadata FROM audit_log_entry WHERE action = 'publication.git_push_failed'",
    )
    .fetch_one(w.pool())
    .await
    .unwrap();
    assert!(!metadata.to_string().contains("s3cr3t-token"));
    // Settled already: neither a second failure nor a success changes it.
    assert!(
        !outcome::fail(
            w.pool(),
            &w.redactor,
            &claimed,
            &Failure::Unexpected("x".into())
        )
        .await
        .unwrap()
    );
    assert_eq!(
        outcome::succeed(w.pool(), &w.redactor, ADMIN_GROUP, &claimed, "abc", "main")
            .await
            .unwrap(),
        Settled::Stale
    );
    assert_eq!(
        w.text("SELECT state FROM advisory WHERE advisory_id = $1", &id)
            .await,
        "draft"
    );
}

// L-11, §10.1: a completed withdrawal dismisses the advisory from
// `published` with its reason, narrated, and orphans its CVE.
#[tokio::test]
async fn inv_withdraw_a_completed_withdrawal_dismisses_and_orphans_the_cve() {
    let w = W::new().await;
    let (id, task) = w.queued().await;
    let claimed = outcome::claim(w.pool(), task, 1).await.unwrap().unwrap();
    outcome::succeed(w.pool(), &w.redactor, ADMIN_GROUP, &claimed, "abc", "main")
        .await
        .unwrap();
    sqlx::query("UPDATE advisory SET assigned_cve_id = 'CVE-2026-1234' WHERE advisory_id = $1")
        .bind(&id)
        .execute(w.pool())
        .await
        .unwrap();
    let mut tx = w.pool().begin().await.unwrap();
    withdrawal::withdraw_advisory(&mut tx, w.ctx(), &id, "Not a vulnerability.", true)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let task: i64 = sqlx::query_scalar(
        "SELECT id FROM publication_task WHERE status = 'queued' ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(w.pool())
    .await
    .unwrap();
    let claimed = outcome::claim(w.pool(), task, 2).await.unwrap().unwrap();
    assert!(claimed.is_withdrawal());
    let settled = outcome::succeed(w.pool(), &w.redactor, ADMIN_GROUP, &claimed, "def", "main")
        .await
        .unwrap();
    assert_eq!(settled, Settled::Withdrawn);
    let (state, from, reason, cve): (String, String, String, String) = sqlx::query_as(
        "SELECT state, dismissed_from_state, dismissed_reason, assigned_cve_id
         FROM advisory WHERE advisory_id = $1",
    )
    .bind(&id)
    .fetch_one(w.pool())
    .await
    .unwrap();
    assert_eq!(state, "dismissed");
    assert_eq!(from, "published");
    assert_eq!(reason, "Not a vulnerability.");
    assert_eq!(cve, "");
    let orphan: String = sqlx::query_scalar("SELECT unassign_reason FROM orphan_cve")
        .fetch_one(w.pool())
        .await
        .unwrap();
    assert_eq!(orphan, "Advisory withdrawn: Not a vulnerability.");
    let dismissed: serde_json::Value = sqlx::query_scalar(
        "SELECT metadata FROM audit_log_entry WHERE action = 'advisory.dismissed'",
    )
    .fetch_one(w.pool())
    .await
    .unwrap();
    assert_eq!(dismissed["withdrawn"], true);
    assert_eq!(
        w.events("advisory_published").await,
        1,
        "only the first publication announced"
    );
}

// INV-PUB-7: the reaper fails a task stuck queued or running past its
// deadline, audited by the system, and leaves fresh tasks and the advisory.
#[tokio::test]
async fn inv_pub_7_the_reaper_fails_stale_tasks_only() {
    let w = W::new().await;
    let (stuck_id, stuck) = w.queued().await;
    let (_, fresh) = w.queued().await;
    let (_, lost) = w.queued().await;
    outcome::claim(w.pool(), lost, 9).await.unwrap().unwrap();
    sqlx::query(
        "UPDATE publication_task SET created_at = now() - interval '3 hours' WHERE id = $1",
    )
    .bind(stuck)
    .execute(w.pool())
    .await
    .unwrap();
    sqlx::query("UPDATE publication_task SET started_at = now() - interval '1 hour' WHERE id = $1")
        .bind(lost)
        .execute(w.pool())
        .await
        .unwrap();
    let reaped = outcome::reap_stale(w.pool(), &w.redactor, STALE_AFTER)
        .await
        .unwrap();
    assert_eq!((reaped.queued, reaped.running), (1, 1));
    let statuses: Vec<(i64, String, String)> =
        sqlx::query_as("SELECT id, status, last_error FROM publication_task ORDER BY id")
            .fetch_all(w.pool())
            .await
            .unwrap();
    for (id, status, error) in statuses {
        if id == fresh {
            assert_eq!(status, "queued");
        } else {
            assert_eq!(status, "failed");
            assert!(error.starts_with("reaped: task stuck in '"), "{error}");
            assert!(error.ends_with("safe to retry"), "{error}");
        }
    }
    assert_eq!(
        w.text(
            "SELECT state FROM advisory WHERE advisory_id = $1",
            &stuck_id
        )
        .await,
        "draft"
    );
    let actor: Option<i64> = sqlx::query_scalar(
        "SELECT actor_id FROM audit_log_entry WHERE action = 'publication.task_reaped' LIMIT 1",
    )
    .fetch_one(w.pool())
    .await
    .unwrap();
    assert_eq!(actor, None);
    // Nothing left to reap.
    let again = outcome::reap_stale(w.pool(), &w.redactor, STALE_AFTER)
        .await
        .unwrap();
    assert_eq!((again.queued, again.running), (0, 0));
}
