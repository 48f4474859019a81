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
use advisoryhub::advisories::service::{self, Ctx, Edit};
use advisoryhub::audit::redact::Redactor;
use common::site::{Browser, Site};
use common::world::{create_advisory, grant, projects, sign_in, summary};
use serde_json::{Value, json};

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
        let theia = projects(&site.db.pool).await.theia;
        let alice = sign_in(&site, "alice").await;
        let bob = sign_in(&site, "bob").await;
        let carol = sign_in(&site, "carol").await;
        let dave = sign_in(&site, "dave").await;
        let erin = sign_in(&site, "erin").await;
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
    async fn create(&self, text: &str) -> String {
        let bob = self.site.actor("bob@example.org").await;
        let content = Payload {
            details: "line one\nline two".into(),
            ..summary(text)
        };
        create_advisory(&self.site.db.pool, &bob, self.theia, content).await
    }

    async fn edit_summary(&self, id: &str, summary: &str, base: i32) {
        let actor = self.site.actor("bob@example.org").await;
        let mut tx = self.site.db.pool.begin().await.unwrap();
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
        grant(&self.site.db.pool, id, email, permission).await;
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
    // A panel's refresh reads the same statement without recording a view.
    let refresh = w
        .alice
        .get(&w.site.url(&format!("/advisories/{id}/timeline/")))
        .await;
    assert_eq!(refresh.status, 200);
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
    // Each view's row is what `audit::record` writes for the action: the
    // viewer, the advisory, empty metadata and the request's origin.
    let rows: Vec<(String, Value, Option<String>, String)> = sqlx::query_as(
        "SELECT l.action, l.metadata, host(l.ip_address), l.user_agent
         FROM (SELECT action, actor_id, advisory_id, metadata, ip_address, user_agent FROM access_log_entry
               UNION ALL
               SELECT action, actor_id, advisory_id, metadata, ip_address, user_agent FROM audit_log_entry) l
         JOIN app_user u ON u.id = l.actor_id AND u.email = 'alice@example.org'
         JOIN advisory a ON a.id = l.advisory_id AND a.advisory_id = $1
         WHERE l.action IN ('advisory.viewed', 'advisory.first_seen')
         ORDER BY l.action DESC",
    )
    .bind(&id)
    .fetch_all(&w.site.db.pool)
    .await
    .unwrap();
    let viewed = (
        "advisory.viewed".to_owned(),
        json!({}),
        Some("127.0.0.1".to_owned()),
        "AdvisoryHub-e2e/1.0".to_owned(),
    );
    let receipt = (
        "advisory.first_seen".to_owned(),
        json!({}),
        None,
        String::new(),
    );
    assert_eq!(rows, vec![viewed.clone(), viewed, receipt]);
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
    // A report in triage shows the triage card with its intake record and
    // project picker: read by the same statements.
    let report = w.create("A report").await;
    sqlx::query(
        "WITH a AS (UPDATE advisory SET state = 'triage' WHERE advisory_id = $1 RETURNING id)
         INSERT INTO advisory_intake (advisory_id, reporter_display_name)
         SELECT id, 'Rita Reporter' FROM a",
    )
    .bind(&report)
    .execute(&w.site.db.pool)
    .await
    .unwrap();
    let triage = measure(w.site.url(&format!("/advisories/{report}/"))).await;
    let card = w
        .bob
        .get(&w.site.url(&format!("/advisories/{report}/")))
        .await;
    assert!(card.body.contains("Rita Reporter"), "{}", card.body);
    assert!(card.body.contains("id=\"workflow-promote-form\""));
    assert!(list_one > 0 && detail_one > 0, "statements are counted");
    assert_eq!(list_one, list_many, "list page statements");
    assert_eq!(detail_one, detail_many, "detail page statements");
    assert_eq!(detail_one, triage, "a triage report's page statements");
}

/// The form's own encoding of `form`, plus the CSRF token of `page`.
fn form_pairs(
    form: &advisoryhub::advisories::form::AdvisoryForm,
    page: &common::site::Page,
) -> Vec<(String, String)> {
    let mut pairs = form.to_pairs();
    pairs.push(("csrf_token".into(), page.csrf()));
    pairs
}

async fn post_pairs(b: &Browser, url: &str, pairs: &[(String, String)]) -> common::site::Page {
    let borrowed: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    b.post(url, &borrowed, &[]).await
}

#[tokio::test]
async fn a_team_member_creates_and_edits_an_advisory_through_the_form() {
    use advisoryhub::advisories::form::{AdvisoryForm, EventRow};
    let w = World::new().await;
    let new_url = w.site.url("/advisories/new/");
    let page = w.bob.get(&new_url).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("name=\"affected-TOTAL_FORMS\""));
    // Someone on no team may not author.
    assert_eq!(w.erin.get(&new_url).await.status, 403);

    let mut form = AdvisoryForm::blank(Some(w.theia));
    form.summary = "Remote code execution in the debug adapter".into();
    form.details = "An attacker can *run code*.".into();
    form.affected[0].package_ecosystem = "npm".into();
    form.affected[0].package_name = "@theia/debug".into();
    form.affected[0].range_type = "SEMVER".into();
    form.affected[0].events = vec![
        EventRow {
            kind: "introduced".into(),
            value: "1.0.0".into(),
        },
        EventRow {
            kind: "fixed".into(),
            value: "1.45.1".into(),
        },
    ];
    form.severity[0].kind = "CVSS_V4".into();
    form.severity[0].score =
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N".into();
    form.cwe_ids[0].value = "94".into();

    // Add-row without JavaScript: one more reference row, nothing saved.
    let mut pairs = form_pairs(&form, &page);
    pairs.push(("_add".into(), "references".into()));
    let more = post_pairs(&w.bob, &new_url, &pairs).await;
    assert_eq!(more.status, 200);
    assert!(
        more.body.contains("name=\"references-1-url\""),
        "a second reference row"
    );
    let none: i64 = sqlx::query_scalar("SELECT count(*) FROM advisory")
        .fetch_one(&w.site.db.pool)
        .await
        .unwrap();
    assert_eq!(none, 0);

    // Invalid input: 422 with the error on the field.
    let mut bad = form.clone();
    bad.references[0].url = "javascript:alert(1)".into();
    let invalid = post_pairs(&w.bob, &new_url, &form_pairs(&bad, &page)).await;
    assert_eq!(invalid.status, 422, "{}", invalid.body);
    assert!(invalid.body.contains("id=\"form-errors\""));
    assert!(
        invalid.body.contains("references-0-url"),
        "{}",
        invalid.body
    );

    let created = post_pairs(&w.bob, &new_url, &form_pairs(&form, &page)).await;
    assert_eq!(created.status, 303, "{}", created.body);
    let detail = w.bob.follow(created).await;
    assert_eq!(detail.status, 200);
    assert!(detail.body.contains("Advisory created."));
    assert!(
        detail.body.contains("<em>run code</em>"),
        "markdown rendered"
    );
    assert!(detail.body.contains("CWE-94"));
    assert!(detail.body.contains("9.3 critical"), "{}", detail.body);
    assert!(detail.body.contains("fixed 1.45.1"));
    let public_id = detail
        .url
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();

    // Edit: a change makes version 2; a stale form gets 409.
    let edit_url = w.site.url(&format!("/advisories/{public_id}/edit/"));
    let edit_page = w.bob.get(&edit_url).await;
    assert_eq!(edit_page.status, 200);
    assert!(edit_page.body.contains("name=\"base_version\" value=\"1\""));
    let mut edited = form.clone();
    edited.base_version = Some(1);
    edited.summary = "RCE in the debug adapter".into();
    let saved = post_pairs(&w.bob, &edit_url, &form_pairs(&edited, &edit_page)).await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let stale = post_pairs(
        &w.alice,
        &edit_url,
        &form_pairs(&edited, &w.alice.get(&edit_url).await),
    )
    .await;
    assert_eq!(stale.status, 409, "{}", stale.body);
    assert!(
        stale
            .body
            .contains("saved version 2 while you were editing")
    );
    let history = w
        .bob
        .get(&w.site.url(&format!("/advisories/{public_id}/history/")))
        .await;
    assert!(history.body.contains("+ RCE in the debug adapter"));
}

#[tokio::test]
async fn the_dashboard_shows_mine_recent_and_what_waits_for_me() {
    let w = World::new().await;
    let mine = w.create("Bob's own advisory").await;
    let review = w.create("Waiting for review").await;
    sqlx::query("UPDATE advisory SET review_status = 'submitted' WHERE advisory_id = $1")
        .bind(&review)
        .execute(&w.site.db.pool)
        .await
        .unwrap();
    let bob = w.bob.get(&w.site.url("/")).await;
    assert!(bob.body.contains("id=\"my-advisories\""));
    assert!(bob.body.contains(&mine));
    assert!(
        bob.body.contains("2 advisories visible to you"),
        "{}",
        bob.body
    );
    let alice = w.alice.get(&w.site.url("/")).await;
    let waiting = &alice.body[alice.body.find("id=\"needs-action\"").unwrap()..];
    assert!(waiting.contains(&review) && waiting.contains("review requested"));
    let carol = w.carol.get(&w.site.url("/")).await;
    assert!(!carol.body.contains(&mine), "nothing of another team leaks");
    assert!(carol.body.contains("0 advisories visible to you"));
}

#[tokio::test]
async fn authoring_is_refused_outside_ones_projects_and_for_a_garbage_body() {
    use advisoryhub::advisories::form::AdvisoryForm;
    let w = World::new().await;
    let new_url = w.site.url("/advisories/new/");
    let mut form = AdvisoryForm::blank(Some(w.theia));
    form.summary = "Not Carol's project".into();
    // Carol (Jetty's team) may author, but not in Theia.
    let carol_page = w.carol.get(&new_url).await;
    assert_eq!(carol_page.status, 200);
    let refused = post_pairs(&w.carol, &new_url, &form_pairs(&form, &carol_page)).await;
    assert_eq!(refused.status, 403);
    // A body that is not the form at all is refused clearly.
    let page = w.bob.get(&new_url).await;
    let garbage = w
        .bob
        .post(
            &new_url,
            &[
                ("csrf_token", page.csrf().as_str()),
                ("affected-TOTAL_FORMS", "99999999999"),
            ],
            &[],
        )
        .await;
    assert_eq!(garbage.status, 422, "{}", garbage.body);
    let none: i64 = sqlx::query_scalar("SELECT count(*) FROM advisory")
        .fetch_one(&w.site.db.pool)
        .await
        .unwrap();
    assert_eq!(none, 0, "nothing saved");
}
