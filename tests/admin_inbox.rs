//! The admin console's inbox (`/admin/`, 50-web-ui §14.1): the counts agree
//! with the backlog queues of 90-operations §4 (with the two differences
//! the spec names), each category lists only its own kind of work, chips
//! filter through plain links, and only global admins get in (P-46).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::too_many_lines,
    reason = "tests fail loudly on purpose, and walk whole scenarios"
)]

mod common;

use advisoryhub::access::permissions::Actor;
use advisoryhub::admin::inbox::{self, Counts};
use common::TestDb;
use common::site::Site;
use common::world::{self, ADMIN_GROUP, actor, create_advisory, summary, user};
use sqlx::PgPool;

async fn exec(pool: &PgPool, sql: &'static str, id: &str) {
    sqlx::query(sql).bind(id).execute(pool).await.unwrap();
}

/// Open work of every kind, and some that is not open any more:
/// - a queued CVE request (and a cancelled one);
/// - an open review task (and a decided one);
/// - two failed publication runs, one of them on a republish-required
///   advisory, and a republish-required advisory without a failed run;
/// - a report on Theia, a flagged one on `unsorted`, a GHSA-linked mirror
///   in triage (not the admins' to triage) and a promoted one;
/// - an orphan CVE awaiting rejection and one already rejected, a queued
///   orphan reassignment task;
/// - a pending withdrawal request.
async fn open_work(pool: &PgPool, alice: &Actor) {
    let p = world::projects(pool).await;
    let new = |text: &'static str| create_advisory(pool, alice, p.theia, summary(text));
    let cve = new("Queued CVE").await;
    exec(
        pool,
        "INSERT INTO cve_request_task (advisory_id, requested_by)
         SELECT id, created_by FROM advisory WHERE advisory_id = $1",
        &cve,
    )
    .await;
    let cancelled = new("Cancelled CVE").await;
    exec(
        pool,
        "INSERT INTO cve_request_task (advisory_id, status, finished_at)
         SELECT id, 'cancelled', now() FROM advisory WHERE advisory_id = $1",
        &cancelled,
    )
    .await;
    let review = new("In review").await;
    for status in ["approved", "open"] {
        sqlx::query(
            "INSERT INTO review_task (advisory_id, version_id, status, submitted_by, decided_at)
             SELECT a.id, v.id, $2, a.created_by, CASE WHEN $2 = 'open' THEN NULL ELSE now() END
             FROM advisory a JOIN advisory_version v ON v.advisory_id = a.id
             WHERE a.advisory_id = $1",
        )
        .bind(&review)
        .bind(status)
        .execute(pool)
        .await
        .unwrap();
    }
    let failed = new("Failed run").await;
    let failed_and_edited = new("Failed and edited").await;
    let edited = new("Edited since publish").await;
    for id in [&failed, &failed_and_edited, &edited] {
        exec(
            pool,
            "UPDATE advisory SET state = 'published', published_at = now(),
                    republish_required = true
             WHERE advisory_id = $1",
            id,
        )
        .await;
    }
    exec(
        pool,
        "UPDATE advisory SET republish_required = false WHERE advisory_id = $1",
        &failed,
    )
    .await;
    for id in [&failed, &failed_and_edited] {
        exec(
            pool,
            "INSERT INTO publication_task (advisory_id, version_id, status, last_error, finished_at)
             SELECT a.id, v.id, 'failed', 'git push rejected: the remote moved', now()
             FROM advisory a JOIN advisory_version v ON v.advisory_id = a.id
             WHERE a.advisory_id = $1",
            id,
        )
        .await;
    }
    exec(
        pool,
        "UPDATE advisory SET withdrawal_requested_at = now(), withdrawal_request_note = 'Wrong.'
         WHERE advisory_id = $1",
        &failed,
    )
    .await;

    let report = new("Report on Theia").await;
    exec(
        pool,
        "UPDATE advisory SET state = 'triage' WHERE advisory_id = $1",
        &report,
    )
    .await;
    exec(
        pool,
        "INSERT INTO advisory_intake (advisory_id, reporter_display_name)
         SELECT id, 'Rita Reporter' FROM advisory WHERE advisory_id = $1",
        &report,
    )
    .await;
    let unsorted: uuid::Uuid = sqlx::query_scalar("SELECT id FROM project WHERE slug = 'unsorted'")
        .fetch_one(pool)
        .await
        .unwrap();
    let routed = create_advisory(pool, alice, unsorted, summary("Report without a project")).await;
    let mut tx = pool.begin().await.unwrap();
    for sql in [
        "UPDATE advisory SET state = 'triage' WHERE advisory_id = $1",
        "INSERT INTO advisory_intake (advisory_id, needs_admin_routing, admin_routing_note,
                                      flagged_for_routing_at)
         SELECT id, true, 'Filed without a project.', now() FROM advisory WHERE advisory_id = $1",
    ] {
        sqlx::query(sql)
            .bind(&routed)
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    let mirror = new("GHSA mirror").await;
    exec(
        pool,
        "UPDATE advisory SET state = 'triage', kind = 'ghsa_linked', ghsa_id = 'GHSA-aaaa-bbbb-cccc',
                ghsa_owner = 'eclipse', ghsa_repo = 'theia'
         WHERE advisory_id = $1",
        &mirror,
    )
    .await;

    let orphaned = new("Orphaned CVE").await;
    exec(
        pool,
        "INSERT INTO orphan_cve (cve_id, previous_advisory_id, previous_advisory_label, unassign_reason)
         SELECT 'CVE-2026-1111', id, advisory_id, 'Dismissed.' FROM advisory WHERE advisory_id = $1",
        &orphaned,
    )
    .await;
    exec(
        pool,
        "INSERT INTO orphan_cve (cve_id, previous_advisory_label, unassign_reason, status,
                                 marked_rejected_at)
         VALUES ('CVE-2026-2222', $1, 'Dismissed.', 'marked_rejected', now())",
        "ECL-gone",
    )
    .await;
    exec(
        pool,
        "INSERT INTO orphan_cve_reassignment_task (orphan_cve_id, advisory_id)
         SELECT o.id, a.id FROM orphan_cve o, advisory a
         WHERE o.cve_id = 'CVE-2026-2222' AND a.advisory_id = $1",
        &orphaned,
    )
    .await;
}

async fn counted(pool: &PgPool) -> Counts {
    let mut conn = pool.acquire().await.unwrap();
    inbox::counts(&mut conn).await.unwrap()
}

async fn scalar(pool: &PgPool, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

// 90-operations §4: `cve_open`, `review_open`, `pub_failed`,
// `triage_routing`, `orphan` and `reassignment` are the chips' counts;
// "publish required" adds republish-required advisories without a failed
// run, and "awaiting triage" leaves GHSA-linked mirrors out (50 §14.1).
#[tokio::test]
async fn counts_follow_the_backlog_definitions() {
    let db = TestDb::new().await;
    let pool = &db.pool;
    assert_eq!(counted(pool).await, Counts::default());
    let alice = actor(pool, user(pool, "alice@example.org", &[ADMIN_GROUP]).await).await;
    open_work(pool, &alice).await;
    let c = counted(pool).await;
    let backlog = [
        (
            c.cve,
            "SELECT count(*) FROM cve_request_task WHERE status = 'queued'",
        ),
        (
            c.review,
            "SELECT count(*) FROM review_task WHERE status = 'open'",
        ),
        (
            c.pub_failed,
            "SELECT count(*) FROM publication_task WHERE status = 'failed'",
        ),
        (
            c.triage_routing,
            "SELECT count(*) FROM advisory a JOIN advisory_intake i ON i.advisory_id = a.id
             WHERE a.state = 'triage' AND i.needs_admin_routing",
        ),
        (
            c.orphan,
            "SELECT count(*) FROM orphan_cve WHERE status = 'orphaned'",
        ),
        (
            c.reassignment,
            "SELECT count(*) FROM orphan_cve_reassignment_task WHERE status = 'queued'",
        ),
    ];
    for (count, sql) in backlog {
        assert_eq!(count, scalar(pool, sql).await, "{sql}");
    }
    assert_eq!(
        c,
        Counts {
            cve: 1,
            review: 1,
            pub_failed: 2,
            republish: 1,
            triage: 2,
            triage_routing: 1,
            orphan: 1,
            reassignment: 1,
            withdrawal: 1,
        }
    );
    assert_eq!(c.needs_publish(), 3);
    // The `triage` backlog queue counts every kind; the chip only native.
    assert_eq!(
        scalar(pool, "SELECT count(*) FROM advisory WHERE state = 'triage'").await,
        c.triage + 1
    );
}

/// The kinds of the inbox rows of a page, in order.
fn kinds(body: &str) -> Vec<String> {
    body.split("data-kind=\"")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap().to_owned())
        .collect()
}

// 50-web-ui §2.6, §14.1, P-46: admins only (403 for a signed-in
// non-admin, sign-in for nobody); each chip is a link that filters the
// list without JavaScript, counts shown; an unknown category shows
// everything; "Recent activity" lists the ledger.
#[tokio::test]
async fn the_inbox_filters_through_its_chips_for_admins_only() {
    let site = Site::start(&[]).await;
    let alice = world::sign_in(&site, "alice").await;
    let bob = world::sign_in(&site, "bob").await;
    open_work(&site.db.pool, &site.actor("alice@example.org").await).await;

    let refused = bob.get(&site.url("/admin/")).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert_eq!(
        bob.get(&site.url("/admin/?category=triage")).await.status,
        403
    );
    let nobody = common::site::Browser::new();
    let anonymous = nobody.get(&site.url("/admin/")).await;
    assert!(
        anonymous
            .location()
            .is_some_and(|l| l.contains("/oidc/authenticate/")),
        "{:?}",
        anonymous.location()
    );
    assert!(
        !bob.get(&site.url("/advisories/"))
            .await
            .body
            .contains("id=\"nav-admin\"")
    );

    let page = alice.get(&site.url("/admin/")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("id=\"nav-admin\""));
    for (chip, text) in [
        ("cve", "1 CVE request"),
        ("review", "1 review pending"),
        ("needs_publish", "3 publish required"),
        ("triage", "2 awaiting triage"),
        ("triage_routing", "1 awaiting routing"),
        ("orphan", "1 orphan CVE"),
        ("reassignment", "1 CVE reassignment"),
        ("withdrawal", "1 withdrawal request"),
    ] {
        let link = format!("href=\"/admin/?category={chip}\" id=\"chip-{chip}\"");
        assert!(page.body.contains(&link), "{link}\n{}", page.body);
        assert!(page.body.contains(text), "{text}");
    }
    let mut all = kinds(&page.body);
    all.sort();
    assert_eq!(
        all,
        [
            "cve",
            "orphan",
            "pub_failed",
            "pub_failed",
            "reassignment",
            "republish",
            "review",
            "triage",
            "triage_routing",
            "withdrawal"
        ]
    );
    assert!(page.body.contains("Rita Reporter"));
    assert!(
        !page.body.contains("id=\"inbox-more\""),
        "everything fits on one page"
    );
    assert!(
        !page.body.contains("GHSA mirror"),
        "mirrors are not triaged here"
    );

    for (category, expected) in [
        ("cve", vec!["cve"]),
        ("review", vec!["review"]),
        (
            "needs_publish",
            vec!["pub_failed", "pub_failed", "republish"],
        ),
        ("triage", vec!["triage", "triage_routing"]),
        ("triage_routing", vec!["triage_routing"]),
        ("orphan", vec!["orphan"]),
        ("reassignment", vec!["reassignment"]),
        ("withdrawal", vec!["withdrawal"]),
    ] {
        let page = alice
            .get(&site.url(&format!("/admin/?category={category}")))
            .await;
        assert_eq!(page.status, 200);
        let mut got = kinds(&page.body);
        got.sort();
        assert_eq!(got, expected, "{category}");
        assert!(
            page.body
                .contains(&format!("id=\"chip-{category}\" class=\"chip")),
            "{category}"
        );
        let current = format!("id=\"chip-{category}\"");
        let at = page.body.find(&current).unwrap();
        assert!(
            page.body[at..]
                .split('>')
                .next()
                .unwrap()
                .contains("aria-current=\"page\""),
            "{category} is the current chip"
        );
    }
    let unknown = alice.get(&site.url("/admin/?category=nope")).await;
    assert_eq!(kinds(&unknown.body).len(), 10, "unknown shows everything");

    // 25 a page; the pager keeps the category.
    let alphabet: Vec<char> = "23456789cfghjmpqrvwx".chars().collect();
    let theia: uuid::Uuid = sqlx::query_scalar("SELECT id FROM project WHERE slug = 'ecd.theia'")
        .fetch_one(&site.db.pool)
        .await
        .unwrap();
    for i in 0..26 {
        let id = format!("ECL-pppp-qqqq-22{}{}", alphabet[i / 20], alphabet[i % 20]);
        sqlx::query(
            "INSERT INTO advisory (advisory_id, project_id, summary, state)
             VALUES ($1, $2, 'Bulk report', 'triage')",
        )
        .bind(&id)
        .bind(theia)
        .execute(&site.db.pool)
        .await
        .unwrap();
    }
    let first = alice.get(&site.url("/admin/?category=triage")).await;
    assert_eq!(kinds(&first.body).len(), 25);
    assert!(first.body.contains("28 awaiting triage"), "{}", first.body);
    assert!(
        first
            .body
            .contains("href=\"/admin/?category=triage&#38;page=2\" rel=\"next\""),
        "{}",
        first.body
    );
    let second = alice.get(&site.url("/admin/?category=triage&page=2")).await;
    assert_eq!(kinds(&second.body).len(), 3);
    assert!(
        second
            .body
            .contains("href=\"/admin/?category=triage\" rel=\"prev\"")
    );

    let recent = alice.get(&site.url("/admin/?category=recent")).await;
    assert_eq!(recent.status, 200);
    assert!(recent.body.contains("id=\"inbox-recent\""));
    assert!(recent.body.contains("advisory.created"), "{}", recent.body);
    assert!(kinds(&recent.body).is_empty());
}
