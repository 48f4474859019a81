//! The publication pages (50-web-ui §6.3, §11; 20-lifecycle §13.1;
//! 70-publication §2) over real HTTP through the identity provider: the card
//! per role, the publish gates in order (predicate, step-up, typed id), one
//! queued task pinned to the latest version, the refusal while a run is
//! open, polling only while a run is open, retry of a failed run on the
//! current latest version, the stored documents' previews and downloads,
//! and the redacted error shown to owners only.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::too_many_lines,
    reason = "tests fail loudly on purpose, and walk whole scenarios"
)]

mod common;

use advisoryhub::advisories::content::Payload;
use advisoryhub::advisories::service::{self, Ctx, Edit};
use advisoryhub::audit::redact::Redactor;
use common::site::{Browser, Page, Site};
use common::world;

struct W {
    site: Site,
    bob: Browser,
    /// A viewer grant.
    dave: Browser,
    /// No access at all.
    erin: Browser,
    id: String,
}

impl W {
    /// Bob's draft on Theia, which publishes without review (a mature
    /// publisher); dave views it; erin does not see it.
    async fn new() -> W {
        let site = Site::start(&[]).await;
        let world::BobsAdvisory { bob, id, .. } = world::bobs_advisory(&site).await;
        sqlx::query("UPDATE project SET is_mature_publisher = true WHERE slug = 'ecd.theia'")
            .execute(&site.db.pool)
            .await
            .unwrap();
        let dave = world::sign_in(&site, "dave").await;
        let erin = world::sign_in(&site, "erin").await;
        world::grant(&site.db.pool, &id, "dave@example.org", "viewer").await;
        W {
            site,
            bob,
            dave,
            erin,
            id,
        }
    }

    fn page(&self) -> String {
        self.site.url(&format!("/advisories/{}/", self.id))
    }

    fn publish_url(&self) -> String {
        self.site.url(&format!("/publication/{}/publish/", self.id))
    }

    async fn publish(&self, b: &Browser, typed: &str) -> Page {
        let csrf = b.get(&self.site.url("/advisories/")).await.csrf();
        b.post(
            &self.publish_url(),
            &[
                ("csrf_token", csrf.as_str()),
                ("confirm_advisory_id", typed),
            ],
            &[],
        )
        .await
    }

    async fn retry(&self, b: &Browser, task: i64) -> Page {
        let csrf = b.get(&self.site.url("/advisories/")).await.csrf();
        b.post(
            &self.site.url(&format!("/publication/tasks/{task}/retry/")),
            &[("csrf_token", csrf.as_str())],
            &[],
        )
        .await
    }

    /// A fresh step-up for bob, through the provider's login form.
    async fn step_up(&self) {
        let prompt = self.bob.open(&self.site.url("/oidc/step-up/")).await;
        let back = self
            .bob
            .log_in_at_provider(prompt, "bob@example.org", "demo")
            .await;
        assert_eq!(back.status, 200);
    }

    /// (id, status, version number) of every task, oldest first.
    async fn tasks(&self) -> Vec<(i64, String, i32)> {
        sqlx::query_as(
            "SELECT t.id, t.status, v.version FROM publication_task t
             JOIN advisory_version v ON v.id = t.version_id ORDER BY t.id",
        )
        .fetch_all(&self.site.db.pool)
        .await
        .unwrap()
    }

    async fn latest_version(&self) -> i32 {
        sqlx::query_scalar(
            "SELECT max(v.version) FROM advisory_version v JOIN advisory a ON a.id = v.advisory_id
             WHERE a.advisory_id = $1",
        )
        .bind(&self.id)
        .fetch_one(&self.site.db.pool)
        .await
        .unwrap()
    }

    async fn sql(&self, sql: &'static str) {
        sqlx::query(sql).execute(&self.site.db.pool).await.unwrap();
    }

    /// Bob edits the advisory through the service: a new version.
    async fn edit(&self, summary: &str) {
        let actor = self.site.actor("bob@example.org").await;
        let base = self.latest_version().await;
        let mut tx = self.site.db.pool.begin().await.unwrap();
        let redactor = Redactor::default();
        service::edit(
            &mut tx,
            Ctx {
                actor: &actor,
                origin: None,
                redactor: &redactor,
            },
            &self.id,
            &Edit {
                project_id: None,
                content: Payload {
                    summary: summary.into(),
                    ..Payload::default()
                },
                base_version: base,
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
}

const POLLING: &str = "hx-trigger=\"every 3s\"";
const FORM: &str = "id=\"publication-publish-form\"";

// 50-web-ui §6.3, §11, 20-lifecycle §13.1: the owner sees the Publish…
// disclosure, a viewer does not; the gates run in order (predicate before
// step-up, so a viewer is refused and an outsider finds nothing, then the
// step-up returning to the advisory page, then the typed id); a mismatch
// starts nothing; the id typed in another case with spaces starts one
// queued task on the latest version with its audit row; the card then
// polls and offers no form, and a second publish is refused as in
// progress.
#[tokio::test]
async fn publish_with_the_typed_id_starts_one_run() {
    let w = W::new().await;
    let page = w.bob.get(&w.page()).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("id=\"publication\""), "{}", page.body);
    assert!(page.body.contains("Never run"));
    assert!(page.body.contains(FORM));
    assert!(page.body.contains("name=\"confirm_advisory_id\""));
    assert!(!page.body.contains(POLLING));
    let viewer = w.dave.get(&w.page()).await;
    assert!(viewer.body.contains("id=\"publication\""));
    assert!(!viewer.body.contains(FORM));

    let step_up = w.site.url("/oidc/step-up/");
    assert_eq!(w.publish(&w.dave, &w.id).await.status, 403);
    assert_eq!(w.publish(&w.erin, &w.id).await.status, 404);
    let sent = w.publish(&w.bob, &w.id).await;
    assert_eq!(sent.status, 303);
    assert_eq!(sent.location().unwrap(), step_up);
    assert!(w.tasks().await.is_empty(), "nothing before the step-up");
    let prompt = w.bob.open(&step_up).await;
    let back = w
        .bob
        .log_in_at_provider(prompt, "bob@example.org", "demo")
        .await;
    assert_eq!(back.url, w.page(), "back on the advisory page");

    let wrong = w.publish(&w.bob, "ECL-0000-0000").await;
    assert_eq!(wrong.status, 303);
    assert_eq!(wrong.location().unwrap(), w.page());
    let shown = w.bob.follow(wrong).await;
    assert!(
        shown
            .body
            .contains("The advisory ID you entered did not match. Nothing was published."),
        "{}",
        shown.body
    );
    assert!(w.tasks().await.is_empty(), "a mismatch starts nothing");

    let typed = format!("  {}  ", w.id.to_lowercase());
    let done = w.publish(&w.bob, &typed).await;
    assert_eq!(done.status, 303);
    assert_eq!(done.location().unwrap(), w.page());
    let shown = w.bob.follow(done).await;
    assert!(shown.body.contains("Publication started."));
    let tasks = w.tasks().await;
    assert_eq!(tasks.len(), 1);
    assert_eq!(tasks[0].1, "queued");
    assert_eq!(tasks[0].2, w.latest_version().await);
    let audited: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log_entry WHERE action = 'publication.export_started'
         AND (metadata ->> 'task_id')::bigint = $1",
    )
    .bind(tasks[0].0)
    .fetch_one(&w.site.db.pool)
    .await
    .unwrap();
    assert_eq!(audited, 1);
    assert!(shown.body.contains(POLLING), "polls while queued");
    assert!(
        shown
            .body
            .contains(&format!("hx-get=\"/advisories/{}/publication/\"", w.id))
    );
    assert!(shown.body.contains("id=\"publication-refresh\""));
    assert!(!shown.body.contains(FORM), "no form while a run is open");

    let again = w.publish(&w.bob, &w.id).await;
    assert_eq!(again.status, 303);
    let shown = w.bob.follow(again).await;
    assert!(shown.body.contains("already in progress"), "{}", shown.body);
    assert_eq!(w.tasks().await.len(), 1);

    // The card alone: a fragment for htmx, a page otherwise; it still polls
    // while running and stops once the run is over.
    let card = w.site.url(&format!("/advisories/{}/publication/", w.id));
    let fragment = w.bob.get_with(&card, &[("hx-request", "true")]).await;
    assert_eq!(fragment.status, 200);
    assert!(
        fragment.body.trim_start().starts_with("<section"),
        "{}",
        fragment.body
    );
    assert!(fragment.body.contains(POLLING));
    let full = w.bob.get(&card).await;
    assert!(full.body.contains("<html"));
    assert_eq!(w.erin.get(&card).await.status, 404);
    w.sql("UPDATE publication_task SET status = 'running', attempts = 1, started_at = now()")
        .await;
    let running = w.bob.get_with(&card, &[("hx-request", "true")]).await;
    assert!(running.body.contains(POLLING));
    assert!(running.body.contains("Running"));
    w.sql(
        "UPDATE publication_task SET status = 'succeeded', finished_at = now(),
         commit_sha = '0123456789abcdef0123456789abcdef01234567'",
    )
    .await;
    let over = w.bob.get_with(&card, &[("hx-request", "true")]).await;
    assert!(!over.body.contains(POLLING), "polling ends");
    assert!(
        over.body
            .contains("<code id=\"publication-commit\">0123456789ab</code>")
    );
}

// 20-lifecycle §13.2, 70-publication §2, 50-web-ui §11: a failed run shows
// its redacted error to owners only; a viewer cannot retry (403); the owner
// retries after a step-up and gets a new task pinned to the current latest
// version, back on the advisory page; retrying a task that has not failed
// is a 400.
#[tokio::test]
async fn a_failed_run_is_retried_on_the_latest_version() {
    let w = W::new().await;
    w.step_up().await;
    assert_eq!(w.publish(&w.bob, &w.id).await.status, 303);
    let first = w.tasks().await[0].0;
    w.sql(
        "UPDATE publication_task SET status = 'failed', attempts = 1, finished_at = now(),
         last_error = 'git: push rejected by the remote'",
    )
    .await;
    w.edit("Token leak in the terminal, fixed in 1.2").await;
    let latest = w.latest_version().await;
    assert!(latest > w.tasks().await[0].2, "edited since");

    let owner = w.bob.get(&w.page()).await;
    assert!(owner.body.contains("push rejected by the remote"));
    assert!(owner.body.contains("id=\"publication-retry-form\""));
    assert!(owner.body.contains("Failed"));
    // 50-web-ui §6.3: "Diff against current", the pinned version against
    // the newest.
    let pinned = w.tasks().await[0].2;
    assert!(
        owner.body.contains(&format!(
            "href=\"/advisories/{}/history/?from={pinned}&#38;to={latest}\" id=\"publication-diff\"",
            w.id
        )),
        "{}",
        owner.body
    );
    assert!(!owner.body.contains(POLLING));
    let viewer = w.dave.get(&w.page()).await;
    assert!(viewer.body.contains("Failed"));
    assert!(
        !viewer.body.contains("push rejected"),
        "a viewer never sees the error"
    );
    assert!(!viewer.body.contains("id=\"publication-retry-form\""));

    assert_eq!(w.retry(&w.dave, first).await.status, 403);
    assert_eq!(w.retry(&w.erin, first).await.status, 404);
    assert_eq!(w.retry(&w.bob, 999_999).await.status, 404);
    let done = w.retry(&w.bob, first).await;
    assert_eq!(done.status, 303);
    assert_eq!(done.location().unwrap(), w.page());
    let shown = w.bob.follow(done).await;
    assert!(shown.body.contains("Publication retry started."));
    let tasks = w.tasks().await;
    assert_eq!(tasks.len(), 2, "a new task, the old one kept");
    assert_eq!(tasks[0].1, "failed");
    assert_eq!(tasks[1].1, "queued");
    assert_eq!(tasks[1].2, latest, "pinned to the current latest version");

    let refused = w.retry(&w.bob, tasks[1].0).await;
    assert_eq!(refused.status, 400);
    assert!(
        refused
            .body
            .contains("Task is not in &#39;failed&#39; state."),
        "{}",
        refused.body
    );
    assert_eq!(w.tasks().await.len(), 2);
}

// The step-up comes after the predicate for a retry too, and returns to
// the advisory page.
#[tokio::test]
async fn retry_needs_a_step_up() {
    let w = W::new().await;
    let actor = w.site.actor("bob@example.org").await;
    let redactor = Redactor::default();
    let mut tx = w.site.db.pool.begin().await.unwrap();
    let row = advisoryhub::advisories::repo::load(&mut tx, &w.id, Some(&actor), false)
        .await
        .unwrap()
        .unwrap();
    let task = advisoryhub::publication::start(
        &mut tx,
        Ctx {
            actor: &actor,
            origin: None,
            redactor: &redactor,
        },
        &row,
        false,
        false,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    w.sql("UPDATE publication_task SET status = 'failed', finished_at = now()")
        .await;
    let sent = w.retry(&w.bob, task).await;
    assert_eq!(sent.status, 303);
    assert_eq!(sent.location().unwrap(), w.site.url("/oidc/step-up/"));
    assert_eq!(w.tasks().await.len(), 1);
}

// 50-web-ui §11: the stored documents of a run — the preview page (title,
// path, task and status, commit, sorted pretty JSON) and the download
// (JSON attachment named after the advisory); an unknown kind is a 400, a
// missing document a 404, and an outsider finds nothing. The card links
// the latest run's documents.
#[tokio::test]
async fn stored_documents_are_previewed_and_downloaded() {
    let w = W::new().await;
    w.step_up().await;
    assert_eq!(w.publish(&w.bob, &w.id).await.status, 303);
    let task = w.tasks().await[0].0;
    sqlx::query(
        "INSERT INTO publication_artifact (task_id, kind, path, content)
         VALUES ($1, 'osv', $2, '{\"b\": 1, \"a\": {\"d\": [2, \"é\"], \"c\": 3}}')",
    )
    .bind(task)
    .bind(format!("osv/2026/{}.json", w.id))
    .execute(&w.site.db.pool)
    .await
    .unwrap();
    w.sql(
        "UPDATE publication_task SET status = 'succeeded', finished_at = now(),
         commit_sha = 'fedcba9876543210fedcba9876543210fedcba98'",
    )
    .await;

    let card = w.bob.get(&w.page()).await;
    let preview = format!("/publication/tasks/{task}/artifact/osv/");
    assert!(
        card.body.contains(&format!("href=\"{preview}\"")),
        "{}",
        card.body
    );
    assert!(!card.body.contains("id=\"publication-preview-csaf\""));

    let page = w.dave.get(&w.site.url(&preview)).await;
    assert_eq!(page.status, 200, "a viewer may read it");
    assert!(
        page.body
            .contains(&format!("OSV — <span class=\"id\">{}</span>", w.id))
    );
    assert!(page.body.contains(&format!("osv/2026/{}.json", w.id)));
    assert!(page.body.contains(&format!("#{task} · Succeeded")));
    assert!(page.body.contains("fedcba987654<"));
    assert!(page.body.contains("Download JSON"));

    let download = w.bob.get(&w.site.url(&format!("{preview}download/"))).await;
    assert_eq!(download.status, 200);
    assert_eq!(download.headers["content-type"], "application/json");
    assert_eq!(
        download.headers["content-disposition"],
        format!("attachment; filename=\"{}.osv.json\"", w.id).as_str()
    );
    assert_eq!(
        download.body,
        "{\n  \"a\": {\n    \"c\": 3,\n    \"d\": [\n      2,\n      \"é\"\n    ]\n  },\n  \"b\": 1\n}\n"
    );

    let unknown = w
        .bob
        .get(
            &w.site
                .url(&format!("/publication/tasks/{task}/artifact/spdx/")),
        )
        .await;
    assert_eq!(unknown.status, 400);
    assert!(unknown.body.contains("Unknown artifact kind."));
    let missing = format!("/publication/tasks/{task}/artifact/csaf/");
    assert_eq!(w.bob.get(&w.site.url(&missing)).await.status, 404);
    assert_eq!(
        w.bob
            .get(&w.site.url(&format!("{missing}download/")))
            .await
            .status,
        404
    );
    assert_eq!(w.erin.get(&w.site.url(&preview)).await.status, 404);
    assert_eq!(
        w.erin
            .get(&w.site.url(&format!("{preview}download/")))
            .await
            .status,
        404
    );
}

// 50-web-ui §14.3: the console's publication page, for admins only — the
// queue, the failed exports with the redacted error and a retry that comes
// back here, the published advisories awaiting re-publication (not those
// whose last run failed), and the recently published.
#[tokio::test]
async fn the_admin_publication_page_lists_queue_failures_and_stale_exports() {
    let w = W::new().await;
    assert_eq!(
        w.bob.get(&w.site.url("/admin/publications/")).await.status,
        403
    );
    let alice = world::sign_in(&w.site, "alice").await;
    let empty = alice.get(&w.site.url("/admin/publications/")).await;
    assert_eq!(empty.status, 200);
    assert!(!empty.body.contains(&w.id));

    w.step_up().await;
    assert_eq!(w.publish(&w.bob, &w.id).await.status, 303);
    let task = w.tasks().await[0].0;
    let queued = alice.get(&w.site.url("/admin/publications/")).await;
    assert!(queued.body.contains(&format!("id=\"pub-task-{task}\"")));
    assert!(
        queued.body.contains("every 5s"),
        "polls while a run is open"
    );

    w.sql(
        "UPDATE publication_task SET status = 'failed', attempts = 1, finished_at = now(),
         last_error = 'git: push rejected by the remote'",
    )
    .await;
    let failed = alice.get(&w.site.url("/admin/publications/")).await;
    assert!(failed.body.contains("push rejected by the remote"));
    assert!(!failed.body.contains("every 5s"));
    let prompt = alice.open(&w.site.url("/oidc/step-up/")).await;
    alice
        .log_in_at_provider(prompt, "alice@example.org", "demo")
        .await;
    let retried = w.retry(&alice, task).await;
    assert_eq!(retried.status, 303);
    assert_eq!(
        retried.location().unwrap(),
        w.site.url("/admin/publications/")
    );

    // Published, then edited: awaiting re-publication, unless its last run
    // failed (listed with the failures instead).
    w.sql(
        "UPDATE publication_task SET status = 'succeeded', finished_at = now(), commit_sha = 'abc'
         WHERE status = 'queued'",
    )
    .await;
    w.sql(
        "UPDATE advisory SET state = 'published', published_at = now(), republish_required = true",
    )
    .await;
    let stale = alice.get(&w.site.url("/admin/publications/")).await;
    let awaiting = stale
        .body
        .split("id=\"publication-awaiting\"")
        .nth(1)
        .and_then(|rest| rest.split("id=\"publication-recent\"").next())
        .unwrap();
    assert!(awaiting.contains(&w.id), "{awaiting}");
    let recent = stale
        .body
        .split("id=\"publication-recent\"")
        .nth(1)
        .unwrap();
    assert!(recent.contains(&w.id));
}
