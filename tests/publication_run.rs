//! The whole `publication.run` pipeline against a real bare repository over
//! `file://` (70-publication §3, §11): a draft is published in one commit
//! with its OSV and CSAF documents (and the CVE record when it has a CVE),
//! re-published into the same paths, withdrawn; a failing remote fails the
//! task and leaves the advisory as it was (INV-LIFECYCLE-3, INV-PUB-4).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on purpose"
)]

mod common;

use std::path::Path;
use std::process::Command;

use advisoryhub::access::permissions::Actor;
use advisoryhub::advisories::content::{Affected, Package, Reference};
use advisoryhub::advisories::repo;
use advisoryhub::advisories::service::Ctx;
use advisoryhub::advisories::workflow::withdrawal;
use advisoryhub::audit::redact::Redactor;
use advisoryhub::config::Config;
use advisoryhub::ops::metrics::Metrics;
use advisoryhub::publication::outcome::Settled;
use advisoryhub::publication::{run, start};
use common::TestDb;
use common::world::{self, ADMIN_GROUP, actor, create_advisory, summary, user};

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A bare repository with one commit on `main`.
fn bare_repository(root: &Path) -> std::path::PathBuf {
    let bare = root.join("publication.git");
    let seed = root.join("seed");
    std::fs::create_dir_all(&seed).unwrap();
    git(
        root,
        &["init", "--bare", "-b", "main", bare.to_str().unwrap()],
    );
    git(&seed, &["init", "-b", "main"]);
    std::fs::write(seed.join("README.md"), "Advisories\n").unwrap();
    git(&seed, &["add", "README.md"]);
    git(
        &seed,
        &[
            "-c",
            "user.name=Seed",
            "-c",
            "user.email=seed@example.org",
            "commit",
            "-m",
            "Seed",
        ],
    );
    git(&seed, &["push", bare.to_str().unwrap(), "main"]);
    bare
}

struct W {
    db: TestDb,
    admin: Actor,
    config: Config,
    redactor: Redactor,
    theia: uuid::Uuid,
    bare: std::path::PathBuf,
    metrics: Metrics,
    _dir: Scratch,
}

/// A directory removed when the test ends.
struct Scratch(std::path::PathBuf);

impl Scratch {
    fn new() -> Scratch {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let dir = std::env::temp_dir().join(format!("ah-pub-run-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl W {
    async fn new(remote: Option<&str>) -> W {
        let dir = Scratch::new();
        let bare = bare_repository(dir.path());
        let url = remote.map_or_else(|| format!("file://{}", bare.display()), str::to_owned);
        let config = common::config(&[
            ("PUB_REPO_URL", url.as_str()),
            ("PUB_COMMIT_AUTHOR_NAME", "Publisher Bot"),
            ("PUB_COMMIT_AUTHOR_EMAIL", "bot@example.org"),
            (
                "PUB_CVE_ASSIGNER_ORG_ID",
                "2d7f6b4e-4b5a-4c9e-9a3e-1f2b3c4d5e6f",
            ),
            ("PUB_CVE_ASSIGNER_SHORT_NAME", "eclipse"),
        ]);
        let db = TestDb::new().await;
        let theia = world::projects(&db.pool).await.theia;
        let admin = user(&db.pool, "alice@example.org", &[ADMIN_GROUP]).await;
        let admin = actor(&db.pool, admin).await;
        W {
            db,
            admin,
            redactor: config.redactor(),
            config,
            theia,
            bare,
            metrics: Metrics::new().unwrap(),
            _dir: dir,
        }
    }

    fn ctx(&self) -> Ctx<'_> {
        Ctx {
            actor: &self.admin,
            origin: None,
            redactor: &self.redactor,
        }
    }

    async fn publish(&self, id: &str) -> i64 {
        let mut tx = self.db.pool.begin().await.unwrap();
        let row = repo::load(&mut tx, id, Some(&self.admin), false)
            .await
            .unwrap()
            .unwrap();
        let task = start(&mut tx, self.ctx(), &row, false, false)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        task
    }

    async fn run(&self, task: i64) -> Option<Settled> {
        run::run(&self.db.pool, &self.config, &self.metrics, task, task)
            .await
            .unwrap()
    }

    async fn task(&self, task: i64) -> (String, String, String) {
        sqlx::query_as("SELECT status, commit_sha, last_error FROM publication_task WHERE id = $1")
            .bind(task)
            .fetch_one(&self.db.pool)
            .await
            .unwrap()
    }

    async fn state(&self, id: &str) -> String {
        sqlx::query_scalar("SELECT state FROM advisory WHERE advisory_id = $1")
            .bind(id)
            .fetch_one(&self.db.pool)
            .await
            .unwrap()
    }

    /// The value of one sample line of the process's metrics, 0 when absent.
    fn metric(&self, sample: &str) -> u64 {
        self.metrics
            .render()
            .lines()
            .find_map(|l| l.strip_prefix(sample)?.trim().parse().ok())
            .unwrap_or(0)
    }

    fn files(&self) -> Vec<String> {
        git(&self.bare, &["ls-tree", "-r", "--name-only", "main"])
            .lines()
            .map(str::to_owned)
            .collect()
    }

    fn show(&self, path: &str) -> serde_json::Value {
        serde_json::from_str(&git(&self.bare, &["show", &format!("main:{path}")])).unwrap()
    }
}

// INV-PUB-4: a clean push publishes; one commit holds the documents, by the
// configured author; the artifacts are stored; a re-publication writes the
// same paths.
#[tokio::test]
async fn inv_pub_4_a_draft_is_published_in_one_commit() {
    let w = W::new(None).await;
    let mut content = summary("A flaw in the parser");
    content.references = vec![Reference {
        kind: "FIX".into(),
        url: "https://github.com/eclipse/theia/pull/1".into(),
    }];
    content.affected = vec![Affected {
        package: Package {
            ecosystem: "npm".into(),
            name: "@theia/core".into(),
            purl: String::new(),
        },
        versions: vec!["1.0.0".into()],
        ..Affected::default()
    }];
    let id = create_advisory(&w.db.pool, &w.admin, w.theia, content).await;
    let task = w.publish(&id).await;
    assert_eq!(w.run(task).await, Some(Settled::Published));
    let (status, sha, error) = w.task(task).await;
    assert_eq!(status, "succeeded", "{error}");
    assert_eq!(w.state(&id).await, "published");
    assert_eq!(git(&w.bare, &["rev-parse", "main"]).trim(), sha);
    let log = git(&w.bare, &["log", "--format=%an <%ae>|%s", "main"]);
    assert_eq!(
        log.lines().next().unwrap(),
        format!("Publisher Bot <bot@example.org>|Publish advisory {id}")
    );
    let year = time::OffsetDateTime::now_utc().year();
    let osv = format!("osv/{year}/{id}.json");
    let csaf = format!("csaf/{year}/{id}.json");
    let files = w.files();
    assert!(files.contains(&osv) && files.contains(&csaf), "{files:?}");
    assert_eq!(w.show(&osv)["id"], id.as_str());
    assert_eq!(w.show(&osv)["summary"], "A flaw in the parser");
    let kinds: Vec<String> = sqlx::query_scalar(
        "SELECT kind FROM publication_artifact WHERE task_id = $1 ORDER BY kind",
    )
    .bind(task)
    .fetch_all(&w.db.pool)
    .await
    .unwrap();
    assert_eq!(kinds, ["csaf", "osv"]);
    // Running the same job again does nothing (the entry guard), and is not
    // counted as an attempt.
    assert_eq!(w.run(task).await, None);
    assert_eq!(
        w.metric(r#"advisoryhub_publication_total{status="started"}"#),
        1
    );
    assert_eq!(
        w.metric(r#"advisoryhub_publication_total{status="succeeded"}"#),
        1
    );
    assert_eq!(
        w.metric(r#"advisoryhub_publication_total{status="failed"}"#),
        0
    );
    assert_eq!(
        w.metric(r#"advisoryhub_publication_stage_total{stage="git_push"}"#),
        1
    );
    assert_eq!(
        w.metric("advisoryhub_publication_duration_seconds_count"),
        1
    );

    // A re-publication after an edit lands in the same paths.
    sqlx::query("UPDATE advisory SET assigned_cve_id = 'CVE-2026-4242' WHERE advisory_id = $1")
        .bind(&id)
        .execute(&w.db.pool)
        .await
        .unwrap();
    let mut tx = w.db.pool.begin().await.unwrap();
    advisoryhub::advisories::workflow::common::record_current_version(&mut tx, w.ctx(), &id)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let again = w.publish(&id).await;
    let settled = w.run(again).await;
    assert_eq!(
        settled,
        Some(Settled::Published),
        "{:?}",
        w.task(again).await
    );
    let files = w.files();
    assert!(
        files.contains(&"cves/2026/4xxx/CVE-2026-4242.json".to_owned()),
        "{files:?}"
    );
    assert_eq!(files.iter().filter(|f| f.starts_with("osv/")).count(), 1);
    assert_eq!(w.show(&osv)["aliases"][0], "CVE-2026-4242");
}

// L-11: a withdrawal run re-exports the documents as withdrawn and then
// dismisses the advisory.
#[tokio::test]
async fn inv_withdraw_a_withdrawal_run_dismisses_after_the_push() {
    let w = W::new(None).await;
    let id = create_advisory(&w.db.pool, &w.admin, w.theia, summary("A flaw")).await;
    let task = w.publish(&id).await;
    w.run(task).await;
    let mut tx = w.db.pool.begin().await.unwrap();
    withdrawal::withdraw_advisory(&mut tx, w.ctx(), &id, "Not a vulnerability.", true)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let task: i64 = sqlx::query_scalar("SELECT max(id) FROM publication_task")
        .fetch_one(&w.db.pool)
        .await
        .unwrap();
    assert_eq!(w.state(&id).await, "published", "until the push");
    assert_eq!(w.run(task).await, Some(Settled::Withdrawn));
    assert_eq!(w.state(&id).await, "dismissed");
    let year = time::OffsetDateTime::now_utc().year();
    let osv = w.show(&format!("osv/{year}/{id}.json"));
    assert!(osv["withdrawn"].is_string(), "{osv}");
}

// INV-LIFECYCLE-3: an unreachable remote fails the task with a `git:` error
// and leaves the draft a draft.
#[tokio::test]
async fn inv_lifecycle_3_a_failing_remote_leaves_the_advisory_unchanged() {
    let w = W::new(Some("file:///nonexistent/advisoryhub/publication.git")).await;
    let id = create_advisory(&w.db.pool, &w.admin, w.theia, summary("A flaw")).await;
    let task = w.publish(&id).await;
    assert_eq!(w.run(task).await, None);
    let (status, sha, error) = w.task(task).await;
    assert_eq!(status, "failed");
    assert_eq!(sha, "");
    assert!(error.starts_with("git: "), "{error}");
    assert_eq!(w.state(&id).await, "draft");
    assert_eq!(
        w.metric(r#"advisoryhub_publication_total{status="failed"}"#),
        1
    );
    assert_eq!(
        w.metric(r#"advisoryhub_publication_total{status="succeeded"}"#),
        0
    );
    assert_eq!(
        w.metric(r#"advisoryhub_publication_stage_total{stage="git_push_failed"}"#),
        1
    );
    let failed: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log_entry WHERE action = 'publication.git_push_failed'",
    )
    .fetch_one(&w.db.pool)
    .await
    .unwrap();
    assert_eq!(failed, 1);
}
