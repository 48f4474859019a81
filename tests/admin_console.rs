//! The admin console's management pages (50-web-ui §14.5, §14.6, §14.8,
//! §14.9, consistency ruling 13): the project service against PostgreSQL
//! (validation, group binding, the `unsorted` sentinel, its audit rows), and
//! the pages over HTTP as a global admin: projects, the user and group
//! directories, the audit and access logs with their filters, and the
//! dead-letter list with its audited re-queue.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::too_many_lines,
    reason = "tests fail loudly on purpose; scenarios read top to bottom"
)]

mod common;

use advisoryhub::admin::projects::{self, Ctx, ProjectError, ProjectForm, Saved};
use advisoryhub::audit::redact::Redactor;
use common::TestDb;
use common::site::{Browser, Page, Site};
use common::world::{ADMIN_GROUP, sign_in, user};
use serde_json::Value;
use sqlx::PgPool;

fn form(slug: &str, name: &str, team: &str) -> ProjectForm {
    ProjectForm {
        slug: slug.into(),
        name: name.into(),
        security_team_group_name: team.into(),
        ..ProjectForm::default()
    }
}

/// The ledger rows with `action`: (actor, previous, new, metadata).
async fn audits(
    pool: &PgPool,
    action: &str,
) -> Vec<(Option<i64>, Option<Value>, Option<Value>, Value)> {
    sqlx::query_as(
        "SELECT actor_id, previous_value, new_value, metadata FROM audit_log_entry
         WHERE action = $1 ORDER BY id",
    )
    .bind(action)
    .fetch_all(pool)
    .await
    .unwrap()
}

async fn create(pool: &PgPool, actor: i64, form: &ProjectForm) -> Result<uuid::Uuid, ProjectError> {
    let redactor = Redactor::default();
    let ctx = Ctx {
        actor_id: actor,
        origin: None,
        redactor: &redactor,
        admin_group: ADMIN_GROUP,
    };
    let mut tx = pool.begin().await.unwrap();
    let out = projects::create(&mut tx, &ctx, form).await;
    if out.is_ok() {
        tx.commit().await.unwrap();
    }
    out
}

async fn update(
    pool: &PgPool,
    actor: i64,
    id: uuid::Uuid,
    form: &ProjectForm,
) -> Result<Saved, ProjectError> {
    let redactor = Redactor::default();
    let ctx = Ctx {
        actor_id: actor,
        origin: None,
        redactor: &redactor,
        admin_group: ADMIN_GROUP,
    };
    let mut tx = pool.begin().await.unwrap();
    let out = projects::update(&mut tx, &ctx, id, form).await;
    if out.is_ok() {
        tx.commit().await.unwrap();
    }
    out
}

fn fields(e: ProjectError) -> Vec<&'static str> {
    match e {
        ProjectError::Invalid(errors) => errors.into_iter().map(|(f, _)| f).collect(),
        other => panic!("expected field errors, got {other:?}"),
    }
}

// INV-PROJECT-1, INV-AUDIT-3: a project binds its team by group name, the
// group is created when missing, and creation is audited once with the
// snapshot; a refused creation writes nothing.
#[tokio::test]
async fn inv_project_1_create_binds_the_team_and_audits() {
    let db = TestDb::new().await;
    let admin = user(&db.pool, "admin@example.org", &[ADMIN_GROUP]).await;
    let mut f = form(" technology.jetty ", " Eclipse Jetty ", " jetty-security ");
    f.homepage_url = "https://jetty.org/".into();
    f.description = "An HTTP server".into();
    f.is_mature_publisher = Some("on".into());
    let id = create(&db.pool, admin, &f).await.unwrap();
    let (slug, name, team, mature): (String, String, String, bool) = sqlx::query_as(
        "SELECT p.slug, p.name, g.name, p.is_mature_publisher FROM project p
         JOIN oidc_group g ON g.id = p.security_team_id WHERE p.id = $1",
    )
    .bind(id)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(
        (slug.as_str(), name.as_str(), team.as_str(), mature),
        ("technology.jetty", "Eclipse Jetty", "jetty-security", true)
    );
    let rows = audits(&db.pool, "project.created").await;
    assert_eq!(rows.len(), 1);
    let (actor, previous, new, metadata) = &rows[0];
    assert_eq!(*actor, Some(admin));
    assert!(previous.is_none());
    assert_eq!(
        new.as_ref().unwrap(),
        &serde_json::json!({
            "slug": "technology.jetty", "name": "Eclipse Jetty", "security_team": "jetty-security",
            "homepage_url": "https://jetty.org/", "is_mature_publisher": true,
        })
    );
    assert_eq!(metadata["project_id"], id.to_string());
    assert_eq!(metadata["security_team_group_created"], true);

    // A second project on the same, now existing, group.
    create(
        &db.pool,
        admin,
        &form("rt.jetty-2", "Jetty 2", "jetty-security"),
    )
    .await
    .unwrap();
    let rows = audits(&db.pool, "project.created").await;
    assert_eq!(rows[1].3["security_team_group_created"], false);

    // Refusals: each field says why, and nothing is written.
    assert_eq!(
        fields(
            create(&db.pool, admin, &form("technology.jetty", "X", "t"))
                .await
                .unwrap_err()
        ),
        ["slug"]
    );
    assert_eq!(
        fields(
            create(&db.pool, admin, &form("unsorted", "X", "t"))
                .await
                .unwrap_err()
        ),
        ["slug"]
    );
    let mut bad = form("Bad Slug", "", "");
    bad.homepage_url = "javascript:alert(1)".into();
    assert_eq!(
        fields(create(&db.pool, admin, &bad).await.unwrap_err()),
        ["slug", "name", "homepage_url", "security_team_group_name"]
    );
    assert_eq!(audits(&db.pool, "project.created").await.len(), 2);
    let groups: i64 = sqlx::query_scalar("SELECT count(*) FROM oidc_group WHERE name = 't'")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(groups, 0, "a refused creation creates no group");
}

// INV-PERM-2, INV-AUDIT-3: an update records the previous and new snapshot
// and the changed keys; the description is listed, never logged; saving
// the same values writes nothing.
#[tokio::test]
async fn inv_perm_2_updates_are_audited_with_what_changed() {
    let db = TestDb::new().await;
    let admin = user(&db.pool, "admin@example.org", &[ADMIN_GROUP]).await;
    let id = create(
        &db.pool,
        admin,
        &form("ecd.theia", "Eclipse Theia", "theia-security"),
    )
    .await
    .unwrap();
    let mut f = form("ecd.theia", "Eclipse Theia", "theia-security");
    assert_eq!(
        update(&db.pool, admin, id, &f).await.unwrap(),
        Saved::Unchanged
    );
    assert!(audits(&db.pool, "project.updated").await.is_empty());

    f.description = "confidential roadmap".into();
    f.is_mature_publisher = Some("on".into());
    f.security_team_group_name = "theia-team".into();
    assert_eq!(
        update(&db.pool, admin, id, &f).await.unwrap(),
        Saved::Changed
    );
    let rows = audits(&db.pool, "project.updated").await;
    assert_eq!(rows.len(), 1);
    let (_, previous, new, metadata) = &rows[0];
    assert_eq!(previous.as_ref().unwrap()["is_mature_publisher"], false);
    assert_eq!(new.as_ref().unwrap()["is_mature_publisher"], true);
    assert_eq!(new.as_ref().unwrap()["security_team"], "theia-team");
    assert_eq!(
        metadata["changed"],
        serde_json::json!(["description", "is_mature_publisher", "security_team"])
    );
    assert_eq!(metadata["security_team_group_created"], true);
    let everything: String = sqlx::query_scalar(
        "SELECT string_agg(coalesce(previous_value::text, '') || new_value::text || metadata::text, ' ')
         FROM audit_log_entry",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert!(!everything.contains("confidential"));
    let mature: bool = sqlx::query_scalar("SELECT is_mature_publisher FROM project WHERE id = $1")
        .bind(id)
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert!(mature);

    // A rename onto another project's slug is a field error.
    create(
        &db.pool,
        admin,
        &form("rt.jetty", "Jetty", "jetty-security"),
    )
    .await
    .unwrap();
    f.slug = "rt.jetty".into();
    assert_eq!(
        fields(update(&db.pool, admin, id, &f).await.unwrap_err()),
        ["slug"]
    );
    assert!(matches!(
        update(&db.pool, admin, uuid::Uuid::nil(), &f).await,
        Err(ProjectError::NotFound)
    ));
    assert_eq!(audits(&db.pool, "project.updated").await.len(), 1);
}

// INV-PROJECT-2: the routing sentinel keeps its slug, its admin-group team
// and its non-mature flag; its name and description may change.
#[tokio::test]
async fn inv_project_2_unsorted_cannot_be_renamed_away() {
    let db = TestDb::new().await;
    let admin = user(&db.pool, "admin@example.org", &[ADMIN_GROUP]).await;
    let id: uuid::Uuid = sqlx::query_scalar("SELECT id FROM project WHERE slug = 'unsorted'")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    let mut f = form("unsorted-reports", "Unsorted reports", "someone-else");
    f.is_mature_publisher = Some("on".into());
    assert_eq!(
        fields(update(&db.pool, admin, id, &f).await.unwrap_err()),
        ["slug", "security_team_group_name", "is_mature_publisher"]
    );
    let f = form("unsorted", "Reports without a project", ADMIN_GROUP);
    assert_eq!(
        update(&db.pool, admin, id, &f).await.unwrap(),
        Saved::Changed
    );
    let (slug, name): (String, String) =
        sqlx::query_as("SELECT slug, name FROM project WHERE id = $1")
            .bind(id)
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(
        (slug.as_str(), name.as_str()),
        ("unsorted", "Reports without a project")
    );
}

// ---------------------------------------------------------------- HTTP

/// A POST with `b`'s CSRF token.
async fn post(site: &Site, b: &Browser, path: &str, form: &[(&str, &str)]) -> Page {
    let token = b.get(&site.url("/")).await.csrf();
    let mut fields = vec![("csrf_token", token.as_str())];
    fields.extend_from_slice(form);
    b.post(&site.url(path), &fields, &[]).await
}

#[tokio::test]
async fn projects_are_created_and_edited_through_the_forms() {
    let site = Site::start(&[]).await;
    let alice = sign_in(&site, "alice").await;
    let list = alice.get(&site.url("/admin/projects/")).await;
    assert_eq!(list.status, 200, "{}", list.body);
    assert!(list.body.contains("<code>unsorted</code>"));
    assert!(
        list.body.contains("aria-current=\"page\""),
        "the console navigation"
    );

    let new = alice.get(&site.url("/admin/projects/new/")).await;
    assert_eq!(new.status, 200);
    assert!(new.body.contains("name=\"security_team_group_name\""));

    // Field errors: 422 with the form as typed and the messages.
    let refused = post(
        &site,
        &alice,
        "/admin/projects/new/",
        &[
            ("slug", "Not A Slug"),
            ("name", "Eclipse Dash"),
            ("security_team_group_name", "dash-security"),
        ],
    )
    .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(refused.body.contains("value=\"Eclipse Dash\""));
    assert!(refused.body.contains("lower-case letters"));

    let created = post(
        &site,
        &alice,
        "/admin/projects/new/",
        &[
            ("slug", "technology.dash"),
            ("name", "Eclipse Dash"),
            (
                "homepage_url",
                "https://projects.eclipse.org/projects/technology.dash",
            ),
            ("security_team_group_name", "dash-security"),
            ("is_mature_publisher", "on"),
        ],
    )
    .await;
    assert_eq!(created.status, 303, "{}", created.body);
    assert_eq!(created.location().unwrap(), site.url("/admin/projects/"));
    let list = alice.get(&site.url("/admin/projects/")).await;
    assert!(
        list.body.contains("Project technology.dash created."),
        "{}",
        list.body
    );
    assert!(list.body.contains("dash-security"));
    let (id, ip, agent): (uuid::Uuid, Option<String>, String) = sqlx::query_as(
        "SELECT p.id, host(e.ip_address), e.user_agent FROM project p, audit_log_entry e
         WHERE p.slug = 'technology.dash' AND e.action = 'project.created'",
    )
    .fetch_one(&site.db.pool)
    .await
    .unwrap();
    // INV-AUDIT-4: request-originated rows carry the client.
    assert_eq!(ip.as_deref(), Some("127.0.0.1"));
    assert_eq!(agent, "AdvisoryHub-e2e/1.0");

    let edit = format!("/admin/projects/{id}/edit/");
    let page = alice.get(&site.url(&edit)).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("value=\"technology.dash\""));
    assert!(page.body.contains(" checked"), "the mature flag is shown");
    let saved = post(
        &site,
        &alice,
        &edit,
        &[
            ("slug", "technology.dash"),
            ("name", "Eclipse Dash License Tool"),
            ("security_team_group_name", "dash-security"),
        ],
    )
    .await;
    assert_eq!(saved.status, 303);
    let list = alice.get(&site.url("/admin/projects/")).await;
    assert!(list.body.contains("Project technology.dash updated."));
    assert!(list.body.contains("Eclipse Dash License Tool"));
    let mature: bool = sqlx::query_scalar("SELECT is_mature_publisher FROM project WHERE id = $1")
        .bind(id)
        .fetch_one(&site.db.pool)
        .await
        .unwrap();
    assert!(!mature, "an unticked box clears the flag");

    // The sentinel's slug stays.
    let unsorted: uuid::Uuid = sqlx::query_scalar("SELECT id FROM project WHERE slug = 'unsorted'")
        .fetch_one(&site.db.pool)
        .await
        .unwrap();
    let refused = post(
        &site,
        &alice,
        &format!("/admin/projects/{unsorted}/edit/"),
        &[
            ("slug", "elsewhere"),
            ("name", "Unsorted reports"),
            ("security_team_group_name", ADMIN_GROUP),
        ],
    )
    .await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("keeps the slug"));
    assert_eq!(
        alice
            .get(&site.url("/admin/projects/not-a-uuid/edit/"))
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn the_directories_filter_and_page_without_javascript() {
    let site = Site::start(&[]).await;
    let alice = sign_in(&site, "alice").await;
    sign_in(&site, "bob").await;
    for i in 0..55 {
        user(
            &site.db.pool,
            &format!("user{i:02}@example.org"),
            &["bulk-group"],
        )
        .await;
    }
    let banned = user(&site.db.pool, "gone@example.org", &[]).await;
    sqlx::query("UPDATE app_user SET is_active = false, banned_at = now() WHERE id = $1")
        .bind(banned)
        .execute(&site.db.pool)
        .await
        .unwrap();

    let all = alice.get(&site.url("/admin/users/")).await;
    assert_eq!(all.status, 200, "{}", all.body);
    assert!(all.body.contains("58 entries"), "{}", all.body);
    assert!(all.body.contains("rel=\"next\""));
    let second = alice.get(&site.url("/admin/users/?page=2")).await;
    assert!(second.body.contains("user54@example.org"));
    assert!(second.body.contains("rel=\"prev\""));

    let bob = alice.get(&site.url("/admin/users/?q=okafor")).await;
    assert!(bob.body.contains("bob@example.org"));
    assert!(bob.body.contains("theia-security"));
    let alice_id = site.user_id("alice@example.org").await;
    assert!(
        !bob.body
            .contains(&format!("href=\"/admin/users/{alice_id}/\""))
    );
    let bob_id = site.user_id("bob@example.org").await;
    assert!(
        bob.body
            .contains(&format!("href=\"/admin/users/{bob_id}/\""))
    );

    let banned_only = alice.get(&site.url("/admin/users/?status=banned")).await;
    assert!(banned_only.body.contains("gone@example.org"));
    assert!(banned_only.body.contains("1 entry"));

    let group: i64 = sqlx::query_scalar("SELECT id FROM oidc_group WHERE name = 'bulk-group'")
        .fetch_one(&site.db.pool)
        .await
        .unwrap();
    let by_group = alice
        .get(&site.url(&format!("/admin/users/?group={group}&page=2")))
        .await;
    assert!(by_group.body.contains("55 entries"));
    assert!(
        by_group.body.contains(&format!(
            "href=\"/admin/users/?group={group}\" rel=\"prev\""
        )),
        "paging keeps the filters: {}",
        by_group.body
    );

    for bad in [
        "?status=sleeping",
        "?group=abc",
        &format!("?q={}", "x".repeat(201)),
    ] {
        let page = alice.get(&site.url(&format!("/admin/users/{bad}"))).await;
        assert_eq!(page.status, 400, "{bad}");
    }

    let groups = alice.get(&site.url("/admin/groups/")).await;
    assert_eq!(groups.status, 200);
    assert!(
        groups
            .body
            .contains("Eclipse Foundation Security Team <code>advisoryhub-security</code>")
    );
    let filtered = alice.get(&site.url("/admin/groups/?q=bulk")).await;
    assert!(filtered.body.contains("bulk-group"));
    assert!(!filtered.body.contains("theia-security"));
    let detail = alice
        .get(&site.url(&format!("/admin/groups/{group}/")))
        .await;
    assert_eq!(detail.status, 200);
    assert!(detail.body.contains("user00@example.org"));
    assert_eq!(
        alice.get(&site.url("/admin/groups/999999/")).await.status,
        404
    );
}

async fn ledger(pool: &PgPool, action: &str, actor: Option<i64>, metadata: &str, age: &str) {
    sqlx::query(
        "INSERT INTO audit_log_entry (action, actor_id, metadata, created_at)
         VALUES ($1, $2, $3::jsonb, now() - $4::interval)",
    )
    .bind(action)
    .bind(actor)
    .bind(metadata)
    .bind(age)
    .execute(pool)
    .await
    .unwrap();
}

#[tokio::test]
async fn the_audit_log_filters_are_validated_and_kept_across_pages() {
    let site = Site::start(&[]).await;
    let alice = sign_in(&site, "alice").await;
    let admin = site.user_id("alice@example.org").await;
    for i in 0..60 {
        ledger(
            &site.db.pool,
            "user.banned",
            Some(admin),
            &format!(r#"{{"n": {i}}}"#),
            "1 hour",
        )
        .await;
    }
    ledger(
        &site.db.pool,
        "audit.pruned",
        None,
        r#"{"cutoff": "2026-01-01T00:00:00Z"}"#,
        "1 minute",
    )
    .await;
    ledger(
        &site.db.pool,
        "project.created",
        None,
        r#"{"note": "needle"}"#,
        "40 days",
    )
    .await;

    let page = alice.get(&site.url("/admin/audit/")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("62 entries"), "{}", page.body);
    assert!(page.body.contains("Entries before 2026-01-01"));

    let banned = alice
        .get(&site.url("/admin/audit/?action=user.banned&action=user.unbanned&actor=lindqvist"))
        .await;
    assert!(banned.body.contains("60 entries"), "{}", banned.body);
    assert!(
        banned
            .body
            .contains("Alice Lindqvist &#60;alice@example.org&#62;")
    );
    assert!(banned.body.contains(
        "href=\"/admin/audit/?action=user.banned&#38;action=user.unbanned&#38;actor=lindqvist&#38;page=2\""
    ), "{}", banned.body);
    let next =
        alice
            .get(&site.url(
                "/admin/audit/?action=user.banned&action=user.unbanned&actor=lindqvist&page=2",
            ))
            .await;
    assert!(next.body.contains("value=\"user.banned\" checked"));
    assert!(next.body.contains("Page 2 of 2"));

    let system = alice.get(&site.url("/admin/audit/?actor=system")).await;
    assert!(system.body.contains("2 entries"));
    let needle = alice.get(&site.url("/admin/audit/?q=needle")).await;
    assert!(needle.body.contains("1 entry"));
    let recent = alice.get(&site.url("/admin/audit/?preset=30d")).await;
    assert!(recent.body.contains("61 entries"));
    let until = alice.get(&site.url("/admin/audit/?until=2000-01-01")).await;
    assert!(until.body.contains("0 entries"));

    for bad in [
        "action=advisory.viewed",
        "action=nope",
        "since=yesterday",
        "until=2026-02-30",
        "preset=1y",
        &format!("q={}", "x".repeat(201)),
    ] {
        let page = alice.get(&site.url(&format!("/admin/audit/?{bad}"))).await;
        assert_eq!(page.status, 400, "{bad}: {}", page.body);
    }
}

#[tokio::test]
async fn the_access_log_shows_the_last_week_unless_asked() {
    let site = Site::start(&[]).await;
    let alice = sign_in(&site, "alice").await;
    sqlx::query(
        "INSERT INTO access_log_entry (action, metadata, ip_address, user_agent, created_at)
         VALUES ('auth.logout', '{\"old\": true}', '10.0.0.9', 'OldBrowser/1', now() - interval '10 days')",
    )
    .execute(&site.db.pool)
    .await
    .unwrap();
    let page = alice.get(&site.url("/admin/access-log/")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    // Alice's own sign-in, with her client.
    assert!(page.body.contains("auth.login"));
    assert!(page.body.contains("AdvisoryHub-e2e/1.0"));
    assert!(!page.body.contains("OldBrowser/1"));
    let old = alice
        .get(&site.url("/admin/access-log/?since=2000-01-01&action=auth.logout"))
        .await;
    assert!(old.body.contains("OldBrowser/1"), "{}", old.body);
    assert!(old.body.contains("10.0.0.9"));
    assert!(old.body.contains("1 entry"));
    // Ledger actions are not access-log actions.
    assert_eq!(
        alice
            .get(&site.url("/admin/access-log/?action=user.banned"))
            .await
            .status,
        400
    );
}

// Consistency ruling 13: dead letters are listed and re-queued, audited.
#[tokio::test]
async fn dead_jobs_are_requeued_and_audited() {
    let site = Site::start(&[]).await;
    let alice = sign_in(&site, "alice").await;
    let dead: i64 = sqlx::query_scalar(
        "INSERT INTO jobs (name, queue, payload, status, attempts, max_attempts, finished_at, last_error)
         VALUES ('notification.send', 'mail', '{}', 'dead', 5, 5, now(), 'smtp said no')
         RETURNING id",
    )
    .fetch_one(&site.db.pool)
    .await
    .unwrap();
    let page = alice.get(&site.url("/admin/jobs/")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains(&format!("id=\"job-{dead}\"")));
    assert!(page.body.contains("smtp said no"));

    let retried = post(&site, &alice, &format!("/admin/jobs/{dead}/retry/"), &[]).await;
    assert_eq!(retried.status, 303, "{}", retried.body);
    let status: String = sqlx::query_scalar("SELECT status FROM jobs WHERE id = $1")
        .bind(dead)
        .fetch_one(&site.db.pool)
        .await
        .unwrap();
    assert_eq!(status, "pending");
    let rows = audits(&site.db.pool, "job.requeued").await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].0, Some(site.user_id("alice@example.org").await));
    assert_eq!(rows[0].3["job_id"], dead);
    assert_eq!(rows[0].3["name"], "notification.send");
    let after = alice.get(&site.url("/admin/jobs/")).await;
    assert!(after.body.contains(&format!("Job {dead} re-queued.")));
    assert!(!after.body.contains(&format!("id=\"job-{dead}\"")));

    // Not dead any more: a flash, nothing audited.
    let again = post(&site, &alice, &format!("/admin/jobs/{dead}/retry/"), &[]).await;
    assert_eq!(again.status, 303);
    assert_eq!(audits(&site.db.pool, "job.requeued").await.len(), 1);
    assert_eq!(
        post(&site, &alice, "/admin/jobs/999999/retry/", &[])
            .await
            .status,
        404
    );
}
