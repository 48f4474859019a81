//! The advisory pages over HTTP, signed in through the real identity
//! provider: visibility (INV-AUTH-1, INV-AUTH-7, Q-19), list scoping and
//! counts (INV-PRIVACY-1), the detail page's receipts (INV-AUDIT-6), the
//! history diff, and a query budget that does not grow with the rows.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on purpose"
)]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use advisoryhub::advisories::content::Payload;
use advisoryhub::advisories::id::OsEntropy;
use advisoryhub::advisories::service::{self, Ctx, Edit, NewAdvisory};
use advisoryhub::advisories::{projects, repo};
use advisoryhub::audit::redact::Redactor;
use common::site::{Browser, Site};

struct World {
    site: Site,
    alice: Browser,
    bob: Browser,
    carol: Browser,
    dave: Browser,
    erin: Browser,
    theia: uuid::Uuid,
}

impl World {
    async fn new() -> World {
        let site = Site::start(&[]).await;
        let mut conn = site.db.pool.acquire().await.unwrap();
        let theia = projects::upsert(
            &mut conn,
            "ecd.theia",
            "Eclipse Theia",
            "theia-security",
            false,
        )
        .await
        .unwrap();
        projects::upsert(
            &mut conn,
            "rt.jetty",
            "Eclipse Jetty",
            "jetty-security",
            false,
        )
        .await
        .unwrap();
        drop(conn);
        let sign_in = |who: &'static str| {
            let site = &site;
            async move {
                let b = Browser::new();
                b.sign_in(site, &format!("{who}@example.org")).await;
                b
            }
        };
        let alice = sign_in("alice").await;
        let bob = sign_in("bob").await;
        let carol = sign_in("carol").await;
        let dave = sign_in("dave").await;
        let erin = sign_in("erin").await;
        World {
            site,
            alice,
            bob,
            carol,
            dave,
            erin,
            theia,
        }
    }

    /// Creates an advisory as bob (Theia's team) through the service.
    async fn create(&self, summary: &str) -> String {
        let bob = self.site.user_id("bob@example.org").await;
        let mut tx = self.site.db.pool.begin().await.unwrap();
        let actor = repo::load_actor(&mut tx, bob, "advisoryhub-security")
            .await
            .unwrap()
            .unwrap();
        let redactor = Redactor::default();
        let id = service::create(
            &mut tx,
            Ctx {
                actor: &actor,
                origin: None,
                redactor: &redactor,
            },
            &NewAdvisory {
                project_id: Some(self.theia),
                content: Payload {
                    summary: summary.into(),
                    details: "line one\nline two".into(),
                    ..Payload::default()
                },
            },
            &mut OsEntropy,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        id
    }

    async fn edit_summary(&self, id: &str, summary: &str, base: i32) {
        let bob = self.site.user_id("bob@example.org").await;
        let mut tx = self.site.db.pool.begin().await.unwrap();
        let actor = repo::load_actor(&mut tx, bob, "advisoryhub-security")
            .await
            .unwrap()
            .unwrap();
        let redactor = Redactor::default();
        service::edit(
            &mut tx,
            Ctx {
                actor: &actor,
                origin: None,
                redactor: &redactor,
            },
            id,
            &Edit {
                project_id: None,
                content: Payload {
                    summary: summary.into(),
                    details: "line one\nline 2".into(),
                    ..Payload::default()
                },
                base_version: base,
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }

    async fn grant(&self, id: &str, email: &str, permission: &str) {
        sqlx::query(
            "INSERT INTO access_grant (advisory_id, principal_type, principal_id, permission)
             SELECT a.id, 'user', u.id, $3 FROM advisory a, app_user u WHERE a.advisory_id = $1 AND u.email = $2",
        )
        .bind(id)
        .bind(email)
        .bind(permission)
        .execute(&self.site.db.pool)
        .await
        .unwrap();
    }
}

// Mandatory tests 2 and 3 of 30-permissions §11.4; INV-AUTH-7: publishing
// grants no read access.
#[tokio::test]
async fn who_sees_an_advisory_and_what_everyone_else_gets() {
    let w = World::new().await;
    let id = w.create("Path traversal in the file service").await;
    w.grant(&id, "dave@example.org", "viewer").await;
    sqlx::query(
        "UPDATE advisory SET state = 'published', published_at = now() WHERE advisory_id = $1",
    )
    .bind(&id)
    .execute(&w.site.db.pool)
    .await
    .unwrap();
    let detail = w.site.url(&format!("/advisories/{id}/"));
    for (who, b) in [("alice", &w.alice), ("bob", &w.bob), ("dave", &w.dave)] {
        let page = b.get(&detail).await;
        assert_eq!(page.status, 200, "{who}: {}", page.body);
        assert!(page.body.contains("Path traversal"), "{who}");
    }
    for path in ["", "edit/", "history/"] {
        let url = w.site.url(&format!("/advisories/{id}/{path}"));
        for (who, b) in [("carol", &w.carol), ("erin", &w.erin)] {
            let page = b.get(&url).await;
            assert_eq!(page.status, 404, "{who} on {url}");
            assert!(!page.body.contains("Path traversal"));
        }
        let anonymous = Browser::new().get(&url).await;
        assert_eq!(anonymous.status, 302, "anonymous on {url}");
    }
    // A well-formed id that does not exist, and a malformed one: 404 too.
    assert_eq!(
        w.bob
            .get(&w.site.url("/advisories/ECL-2222-2222-2222/"))
            .await
            .status,
        404
    );
    assert_eq!(
        w.bob
            .get(&w.site.url("/advisories/ECL-0000-2222-2222/"))
            .await
            .status,
        404
    );
}

// Mandatory test 4 of §11.4; INV-PRIVACY-1.
#[tokio::test]
async fn lists_and_counts_hold_only_the_visible_set() {
    let w = World::new().await;
    let a = w.create("First theia issue").await;
    w.create("Second theia issue").await;
    w.grant(&a, "dave@example.org", "collaborator").await;
    let list = w.site.url("/advisories/");
    let count = |body: &str| -> usize { body.matches("<td class=\"id\">").count() };
    let bob = w.bob.get(&list).await;
    assert_eq!(count(&bob.body), 2);
    assert!(
        bob.body.contains("All <span class=\"count\">2</span>"),
        "{}",
        bob.body
    );
    let dave = w.dave.get(&list).await;
    assert_eq!(count(&dave.body), 1);
    assert!(dave.body.contains("All <span class=\"count\">1</span>"));
    let carol = w.carol.get(&list).await;
    assert_eq!(count(&carol.body), 0);
    assert!(carol.body.contains("All <span class=\"count\">0</span>"));
    assert!(carol.body.contains("No advisories match"));
    // Searching does not reveal anything either.
    let search = w.carol.get(&w.site.url("/advisories/?q=theia")).await;
    assert_eq!(count(&search.body), 0);
    let found = w.bob.get(&w.site.url("/advisories/?q=SECOND")).await;
    assert_eq!(count(&found.body), 1);
    // Unknown filter values are refused clearly.
    let bad = w
        .bob
        .get(&w.site.url("/advisories/?review_status=maybe"))
        .await;
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("review_status"), "{}", bad.body);
    // The htmx request gets the results fragment with the tabs out of band.
    let partial = w
        .bob
        .get_with(
            &w.site.url("/advisories/?q=first"),
            &[("hx-request", "true")],
        )
        .await;
    assert!(!partial.body.contains("<html"));
    assert!(partial.body.contains("hx-swap-oob=\"true\""));
}

// INV-AUDIT-6 and the "new" / "changed" markers.
#[tokio::test]
async fn opening_an_advisory_leaves_receipts_and_clears_the_new_marker() {
    let w = World::new().await;
    let id = w.create("Marker test").await;
    let list = w.site.url("/advisories/");
    assert!(w.alice.get(&list).await.body.contains("badge new"));
    w.alice
        .get(&w.site.url(&format!("/advisories/{id}/")))
        .await;
    w.alice
        .get(&w.site.url(&format!("/advisories/{id}/")))
        .await;
    let after = w.alice.get(&list).await;
    assert!(!after.body.contains("badge new"));
    assert!(!after.body.contains("badge changed"));
    w.edit_summary(&id, "Marker test, edited", 1).await;
    assert!(w.alice.get(&list).await.body.contains("badge changed"));

    let (first_seen, ip): (i64, Option<String>) = sqlx::query_as(
        "SELECT count(*), max(host(ip_address)) FROM audit_log_entry WHERE action = 'advisory.first_seen'",
    )
    .fetch_one(&w.site.db.pool)
    .await
    .unwrap();
    assert_eq!(first_seen, 1, "one receipt for two views");
    assert_eq!(ip, None, "the receipt carries no network data");
    let views: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM access_log_entry WHERE action = 'advisory.viewed'",
    )
    .fetch_one(&w.site.db.pool)
    .await
    .unwrap();
    assert_eq!(views, 2);
}

#[tokio::test]
async fn the_history_lists_versions_and_shows_a_readable_diff() {
    let w = World::new().await;
    let id = w.create("Original summary").await;
    w.edit_summary(&id, "Better summary", 1).await;
    let page = w
        .bob
        .get(&w.site.url(&format!("/advisories/{id}/history/")))
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Changes from version 1 to version 2"));
    assert!(page.body.contains("- Original summary"));
    assert!(page.body.contains("+ Better summary"));
    assert!(page.body.contains("- line two"));
    assert!(page.body.contains("+ line 2"));
    assert!(
        page.body.contains("  line one"),
        "unchanged lines stay as context"
    );
    let bad = w
        .bob
        .get(&w.site.url(&format!("/advisories/{id}/history/?from=9")))
        .await;
    assert_eq!(bad.status, 400);
    let detail = w.bob.get(&w.site.url(&format!("/advisories/{id}/"))).await;
    assert!(
        detail.body.contains("edited details, summary"),
        "{}",
        detail.body
    );
}

/// Counts the statements sqlx runs, process-wide.
#[derive(Clone, Default)]
struct Statements(Arc<AtomicUsize>);

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Statements {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        if event.metadata().target() == "sqlx::query" {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
}

// Quality bar of the advisory-core issue: the list and detail pages run a
// fixed number of statements whatever the number of rows.
#[tokio::test]
async fn list_and_detail_pages_run_a_fixed_number_of_statements() {
    use tracing_subscriber::Layer as _;
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let counter = Statements::default();
    tracing_subscriber::registry()
        .with(
            counter.clone().with_filter(
                tracing_subscriber::filter::Targets::new()
                    .with_target("sqlx::query", tracing::Level::TRACE),
            ),
        )
        .init();
    let w = World::new().await;
    let measure = |url: String| {
        let counter = counter.clone();
        let bob = &w.bob;
        async move {
            // Warm: the session row and the visit are written once first.
            bob.get(&url).await;
            let before = counter.0.load(Ordering::SeqCst);
            let page = bob.get(&url).await;
            assert_eq!(page.status, 200, "{url}");
            counter.0.load(Ordering::SeqCst) - before
        }
    };
    let id = w.create("One").await;
    let list_one = measure(w.site.url("/advisories/")).await;
    let detail_one = measure(w.site.url(&format!("/advisories/{id}/"))).await;
    for i in 0..12 {
        let other = w.create(&format!("More {i}")).await;
        w.edit_summary(&other, &format!("More {i}, edited"), 1)
            .await;
    }
    w.edit_summary(&id, "One, edited", 1).await;
    let list_many = measure(w.site.url("/advisories/")).await;
    let detail_many = measure(w.site.url(&format!("/advisories/{id}/"))).await;
    assert!(list_one > 0 && detail_one > 0, "statements are counted");
    assert_eq!(list_one, list_many, "list page statements");
    assert_eq!(detail_one, detail_many, "detail page statements");
}
