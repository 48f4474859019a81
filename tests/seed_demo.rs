//! `advisoryhub seed-demo` through the real binary: the development IdP's
//! users become accounts that the IdP's `sub` signs in to, mallory is banned,
//! users without groups get the IdP's, the demo projects and a spread of
//! advisories in every state are created through the advisory service, a
//! second run changes nothing, `--reset` deletes and re-creates the demo
//! advisories (and needs a superuser), and production refuses all of it.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failing test should panic"
)]

mod common;

use advisoryhub::access::permissions as perm;
use advisoryhub::access::users::{self, SignInClaims, SignInRefused};
use advisoryhub::advisories::content::{self, Payload};
use advisoryhub::advisories::repo;
use advisoryhub::demo::{self, BAN_REASON};
use common::{TestDb, run_cli};
use sqlx::PgPool;
use time::OffsetDateTime;

const USERS_FILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/bin/idp/users.json");

/// The demo advisories: 14, in 22 versions.
const ADVISORIES: i64 = 14;
const VERSIONS: i64 = 22;

type UserRow = (String, String, String, String, String, bool, Option<String>);

async fn users_in(pool: &PgPool) -> Vec<UserRow> {
    sqlx::query_as(
        "SELECT email, display_name, first_name, last_name, oidc_subject, is_active,
                CASE WHEN banned_at IS NOT NULL THEN ban_reason END
         FROM app_user ORDER BY email",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}

async fn count(pool: &PgPool, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

/// `(email, group)` of every membership in the mirror.
async fn memberships(pool: &PgPool) -> Vec<(String, String)> {
    sqlx::query_as(
        "SELECT u.email::text, g.name::text FROM user_group ug
         JOIN app_user u ON u.id = ug.user_id JOIN oidc_group g ON g.id = ug.group_id
         ORDER BY 1, 2",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}

/// Public ids of every advisory, sorted.
async fn public_ids(pool: &PgPool) -> Vec<String> {
    sqlx::query_scalar("SELECT advisory_id::text FROM advisory ORDER BY 1")
        .fetch_all(pool)
        .await
        .unwrap()
}

fn row(email: &str, name: &str, first: &str, last: &str, sub: &str) -> UserRow {
    (
        email.into(),
        name.into(),
        first.into(),
        last.into(),
        sub.into(),
        true,
        None,
    )
}

fn demo_rows() -> Vec<UserRow> {
    vec![
        row(
            "alice@example.org",
            "Alice Lindqvist",
            "Alice",
            "Lindqvist",
            "alice",
        ),
        row("bob@example.org", "Bob Okafor", "Bob", "Okafor", "bob"),
        row(
            "carol@example.org",
            "Carol Moreau",
            "Carol",
            "Moreau",
            "carol",
        ),
        row(
            "dave@example.org",
            "Dave Hoffmann",
            "Dave",
            "Hoffmann",
            "dave",
        ),
        row(
            "erin@example.org",
            "Erin Castillo",
            "Erin",
            "Castillo",
            "erin",
        ),
        (
            "mallory@example.org".into(),
            "Mallory Quinn".into(),
            "Mallory".into(),
            "Quinn".into(),
            "mallory".into(),
            false,
            Some(BAN_REASON.into()),
        ),
    ]
}

fn claims(sub: &str, email: &str) -> SignInClaims {
    SignInClaims {
        subject: sub.into(),
        email: Some(email.into()),
        email_trusted: true,
        ..SignInClaims::default()
    }
}

fn dev_env(db: &TestDb) -> [(&'static str, &str); 2] {
    [
        ("APP_ENV", "development"),
        ("DATABASE_URL", db.url.as_str()),
    ]
}

const FIRST_RUN: &str = "created alice@example.org\n\
    groups of alice@example.org: advisoryhub-security\n\
    created bob@example.org\n\
    groups of bob@example.org: theia-security\n\
    created carol@example.org\n\
    groups of carol@example.org: jetty-security\n\
    created dave@example.org\n\
    groups of dave@example.org: eclipse-committers\n\
    created erin@example.org\n\
    created mallory@example.org\n\
    banned mallory@example.org\n\
    6 demo user(s) from bin/idp/users.json: 6 created, 0 updated, 1 banned now, \
    4 given their IdP groups\n\
    3 demo project(s) (ecd.theia, rt.jetty, technology.dash): 3 created, 0 updated\n\
    14 demo advisories created with 22 versions: 6 draft (1 submitted for review), \
    5 published, 1 dismissed, 2 triage\n";

#[tokio::test]
async fn seed_demo_creates_users_projects_and_advisories_in_every_state() {
    let db = TestDb::new().await;
    // The default --users is bin/idp/users.json, relative to the repository
    // root where bin/dev (and this test) runs it.
    let (code, out, err) = run_cli(&["seed-demo"], &dev_env(&db)).await;
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, FIRST_RUN);
    assert_eq!(users_in(&db.pool).await, demo_rows());

    // The IdP's groups, for users without any; mallory is banned, erin has none.
    let expected: Vec<(String, String)> = [
        ("alice@example.org", "advisoryhub-security"),
        ("bob@example.org", "theia-security"),
        ("carol@example.org", "jetty-security"),
        ("dave@example.org", "eclipse-committers"),
    ]
    .iter()
    .map(|(e, g)| ((*e).to_owned(), (*g).to_owned()))
    .collect();
    assert_eq!(memberships(&db.pool).await, expected);

    check_projects(&db.pool).await;
    check_states(&db.pool).await;
    check_versions_and_grants(&db.pool).await;
    check_content(&db.pool).await;
    check_sign_in(&db.pool).await;
}

/// The projects and their teams.
async fn check_projects(pool: &PgPool) {
    // The projects and their teams.
    let projects: Vec<(String, String, String, bool)> = sqlx::query_as(
        "SELECT p.slug::text, p.name::text, g.name::text, p.is_mature_publisher
         FROM project p JOIN oidc_group g ON g.id = p.security_team_id ORDER BY p.slug",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let project = |slug: &str, name: &str, team: &str, mature: bool| {
        (slug.to_owned(), name.to_owned(), team.to_owned(), mature)
    };
    assert_eq!(
        projects,
        [
            project("ecd.theia", "Eclipse Theia", "theia-security", false),
            project("rt.jetty", "Eclipse Jetty", "jetty-security", true),
            project("technology.dash", "Eclipse Dash", "dash-security", false),
            project(
                "unsorted",
                "Unsorted reports",
                "advisoryhub-security",
                false
            ),
        ]
    );
}

/// Advisories in every state.
async fn check_states(pool: &PgPool) {
    // Advisories in every state.
    let states: Vec<(String, String, String, i64)> = sqlx::query_as(
        "SELECT p.slug::text, a.state, a.review_status, count(*) FROM advisory a
         JOIN project p ON p.id = a.project_id GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let state = |slug: &str, state: &str, review: &str, n: i64| {
        (slug.to_owned(), state.to_owned(), review.to_owned(), n)
    };
    assert_eq!(
        states,
        [
            state("ecd.theia", "dismissed", "none", 1),
            state("ecd.theia", "draft", "none", 2),
            state("ecd.theia", "draft", "submitted", 1),
            state("ecd.theia", "published", "none", 2),
            state("ecd.theia", "triage", "none", 1),
            state("rt.jetty", "draft", "none", 3),
            state("rt.jetty", "published", "none", 3),
            state("unsorted", "triage", "none", 1),
        ]
    );
    assert_eq!(
        count(
            pool,
            "SELECT count(*) FROM advisory WHERE (state = 'published') <> (published_at IS NOT NULL)"
        )
        .await,
        0
    );
    assert_eq!(
        count(
            pool,
            "SELECT count(*) FROM advisory WHERE state = 'dismissed'
               AND dismissed_from_state = 'draft' AND dismissed_reason <> ''"
        )
        .await,
        1
    );
    assert_eq!(
        count(
            pool,
            "SELECT count(*) FROM advisory WHERE review_status = 'submitted'
               AND submitted_for_review_at IS NOT NULL AND submitted_for_review_by IS NOT NULL"
        )
        .await,
        1
    );
    // Each triage report has its sidecar; the one on unsorted is flagged.
    let intake: Vec<(String, bool)> = sqlx::query_as(
        "SELECT p.slug::text, i.needs_admin_routing FROM advisory a
         JOIN project p ON p.id = a.project_id JOIN advisory_intake i ON i.advisory_id = a.id
         WHERE a.state = 'triage' ORDER BY 1",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    assert_eq!(
        intake,
        [
            ("ecd.theia".to_owned(), false),
            ("unsorted".to_owned(), true)
        ]
    );
    // A spread of severities.
    assert_eq!(
        count(pool, "SELECT count(DISTINCT severity_level) FROM advisory").await,
        5
    );
}

/// Versions and grants.
async fn check_versions_and_grants(pool: &PgPool) {
    // Versions: some advisories were edited once or twice.
    assert_eq!(
        count(pool, "SELECT count(*) FROM advisory_version").await,
        VERSIONS
    );
    let latest: Vec<i32> = sqlx::query_scalar(
        "SELECT max(version) FROM advisory_version GROUP BY advisory_id ORDER BY 1",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    assert_eq!(latest.len(), 14);
    assert!(latest.contains(&2) && latest.contains(&3), "{latest:?}");
    assert_eq!(
        count(
            pool,
            "SELECT count(*) FROM audit_log_entry WHERE action = 'advisory.edited'"
        )
        .await,
        VERSIONS - ADVISORIES
    );

    // Grants for the collaborator and the viewer demo accounts, on two
    // different Theia advisories.
    let grants: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT u.email::text, g.permission, a.advisory_id::text FROM access_grant g
         JOIN app_user u ON g.principal_type = 'user' AND u.id = g.principal_id
         JOIN advisory a ON a.id = g.advisory_id JOIN project p ON p.id = a.project_id
         WHERE p.slug = 'ecd.theia' ORDER BY 1",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    assert_eq!(grants.len(), 2, "{grants:?}");
    assert_eq!(
        (grants[0].0.as_str(), grants[0].1.as_str()),
        ("dave@example.org", "collaborator")
    );
    assert_eq!(
        (grants[1].0.as_str(), grants[1].1.as_str()),
        ("erin@example.org", "viewer")
    );
    assert_ne!(grants[0].2, grants[1].2);
}

/// Content and snapshots.
async fn check_content(pool: &PgPool) {
    // What the service wrote: the content passes the validator as stored,
    // and the latest version is the row's content.
    let mut conn = pool.acquire().await.unwrap();
    let dave_id: i64 = sqlx::query_scalar("SELECT id FROM app_user WHERE oidc_subject = 'dave'")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    let dave = repo::load_actor(&mut conn, dave_id, "advisoryhub-security")
        .await
        .unwrap()
        .unwrap();
    let mut dave_can_edit = 0;
    for public_id in public_ids(pool).await {
        let row = repo::load(&mut conn, &public_id, Some(&dave), false)
            .await
            .unwrap()
            .unwrap();
        let stored = row.payload();
        let normalized = content::validate(&stored)
            .unwrap_or_else(|e| panic!("{public_id} {:?}: {e}", row.summary));
        assert_eq!(
            normalized.payload(),
            &stored,
            "{public_id}: stored normalised"
        );
        let snapshot: serde_json::Value = sqlx::query_scalar(
            "SELECT payload FROM advisory_version WHERE advisory_id = $1 ORDER BY version DESC LIMIT 1",
        )
        .bind(row.id)
        .fetch_one(&mut *conn)
        .await
        .unwrap();
        assert_eq!(Payload::from_snapshot(&snapshot), stored, "{public_id}");
        assert_eq!(snapshot["advisory_id"], public_id.as_str());
        assert!(demo::titles().contains(&row.summary), "{}", row.summary);
        if perm::can_edit(Some(&dave), &row.facts().unwrap()) {
            dave_can_edit += 1;
        }
    }
    assert_eq!(dave_can_edit, 1, "dave collaborates on one draft");
}

/// Sign-in to the seeded accounts.
async fn check_sign_in(pool: &PgPool) {
    // The IdP's `sub` resolves to the seeded account; mallory is refused.
    let mut tx = pool.begin().await.unwrap();
    let alice_id: i64 =
        sqlx::query_scalar("SELECT id FROM app_user WHERE email = 'alice@example.org'")
            .fetch_one(&mut *tx)
            .await
            .unwrap();
    let now = OffsetDateTime::now_utc();
    let signed_in = users::sign_in(
        &mut tx,
        &claims("alice", "alice@example.org"),
        "advisoryhub-security",
        now,
    )
    .await
    .unwrap();
    assert_eq!(signed_in.id, alice_id);
    let refused = users::sign_in(
        &mut tx,
        &claims("mallory", "mallory@example.org"),
        "advisoryhub-security",
        now,
    )
    .await;
    assert!(matches!(refused, Err(SignInRefused::Banned)), "{refused:?}");
}

#[tokio::test]
async fn seed_demo_matches_email_case_insensitively_and_runs_again_without_change() {
    let db = TestDb::new().await;
    // An account alice made before, under another spelling, with a group
    // mirrored at an earlier sign-in.
    let alice_id: i64 = sqlx::query_scalar(
        "INSERT INTO app_user (email, display_name) VALUES ('Alice@Example.ORG', 'old name') RETURNING id",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    sqlx::query(
        "WITH g AS (INSERT INTO oidc_group (name) VALUES ('advisoryhub-security')
                    ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING id)
         INSERT INTO user_group (user_id, group_id) SELECT $1, id FROM g",
    )
    .bind(alice_id)
    .execute(&db.pool)
    .await
    .unwrap();
    let env = dev_env(&db);
    let args = ["seed-demo", "--users", USERS_FILE];

    let (code, out, err) = run_cli(&args, &env).await;
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with("updated alice@example.org\ncreated bob@example.org\n"),
        "{out}"
    );
    assert!(
        out.contains(": 5 created, 1 updated, 1 banned now, 3 given their IdP groups\n"),
        "{out}"
    );
    assert_eq!(users_in(&db.pool).await, demo_rows());
    let alice_now: i64 = sqlx::query_scalar("SELECT id FROM app_user WHERE oidc_subject = 'alice'")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(alice_now, alice_id, "the existing account was updated");
    let groups = memberships(&db.pool).await;
    assert!(
        groups.contains(&("alice@example.org".into(), "advisoryhub-security".into())),
        "{groups:?}"
    );
    assert_eq!(
        groups.len(),
        4,
        "alice's groups, from a sign-in, are left alone: {groups:?}"
    );
    assert!(!out.contains("groups of alice"), "{out}");
    assert!(out.ends_with(" 2 triage\n"), "{out}");

    let banned_at = |pool: PgPool| async move {
        sqlx::query_scalar::<_, OffsetDateTime>(
            "SELECT banned_at FROM app_user WHERE oidc_subject = 'mallory'",
        )
        .fetch_one(&pool)
        .await
        .unwrap()
    };
    let first_ban = banned_at(db.pool.clone()).await;
    let ids = public_ids(&db.pool).await;
    let ledger = count(&db.pool, "SELECT count(*) FROM audit_log_entry").await;

    let (code, out, err) = run_cli(&args, &env).await;
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains("banned mallory"), "{out}");
    assert!(!out.contains("groups of"), "{out}");
    assert!(
        out.contains(": 0 created, 6 updated, 0 banned now, 0 given their IdP groups\n"),
        "{out}"
    );
    assert!(
        out.ends_with(
            "3 demo project(s) (ecd.theia, rt.jetty, technology.dash): 0 created, 3 updated\n\
             14 demo advisories already present, none created (seed-demo --reset re-creates them)\n"
        ),
        "{out}"
    );
    assert_eq!(users_in(&db.pool).await, demo_rows());
    assert_eq!(
        banned_at(db.pool.clone()).await,
        first_ban,
        "the ban is not renewed"
    );
    assert_eq!(count(&db.pool, "SELECT count(*) FROM app_user").await, 6);
    assert_eq!(memberships(&db.pool).await, groups);
    assert_eq!(public_ids(&db.pool).await, ids, "no advisory is duplicated");
    assert_eq!(
        count(&db.pool, "SELECT count(*) FROM advisory_version").await,
        VERSIONS
    );
    assert_eq!(
        count(&db.pool, "SELECT count(*) FROM audit_log_entry").await,
        ledger
    );
    assert_eq!(count(&db.pool, "SELECT count(*) FROM project").await, 4);
}

#[tokio::test]
async fn seed_demo_reset_deletes_and_recreates_the_demo_advisories() {
    let db = TestDb::new().await;
    let env = dev_env(&db);
    let (code, _, err) = run_cli(&["seed-demo"], &env).await;
    assert_eq!(code, 0, "{err}");
    let before = public_ids(&db.pool).await;
    assert_eq!(before.len(), 14);

    // Rows hanging off a demo advisory that the seed does not write itself,
    // and an advisory on unsorted that is not demo data.
    let some_demo: i64 = sqlx::query_scalar(
        "SELECT a.id FROM advisory a JOIN project p ON p.id = a.project_id
         WHERE p.slug = 'rt.jetty' ORDER BY a.id LIMIT 1",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO advisory_visit (user_id, advisory_id)
         SELECT id, $1 FROM app_user WHERE oidc_subject = 'carol'",
    )
    .bind(some_demo)
    .execute(&db.pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO access_log_entry (action, advisory_id) VALUES ('advisory.viewed', $1)",
    )
    .bind(some_demo)
    .execute(&db.pool)
    .await
    .unwrap();
    let kept: i64 = sqlx::query_scalar(
        "INSERT INTO advisory (advisory_id, project_id, summary)
         SELECT 'ECL-cf23-gh45-jm67', id, 'A report that is not demo data' FROM project
         WHERE slug = 'unsorted' RETURNING id",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();

    let (code, out, err) = run_cli(&["seed-demo", "--reset"], &env).await;
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with(
            "reset: deleted 14 demo advisories with 22 versions, 43 ledger entries, 1 access-log \
             entries, 1 visit markers, 2 grants and 2 intake reports\n"
        ),
        "{out}"
    );
    assert!(
        out.ends_with(
            "14 demo advisories created with 22 versions: 6 draft (1 submitted for review), \
             5 published, 1 dismissed, 2 triage\n"
        ),
        "{out}"
    );
    let after = public_ids(&db.pool).await;
    assert_eq!(after.len(), 15);
    assert!(after.contains(&"ECL-cf23-gh45-jm67".to_owned()));
    assert!(
        before.iter().all(|id| !after.contains(id)),
        "new public ids"
    );
    assert_eq!(
        count(&db.pool, "SELECT count(*) FROM advisory_version").await,
        VERSIONS
    );
    // Nothing refers to a deleted advisory.
    for sql in [
        "SELECT count(*) FROM audit_log_entry e WHERE e.advisory_id IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM advisory a WHERE a.id = e.advisory_id)",
        "SELECT count(*) FROM access_log_entry e WHERE e.advisory_id IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM advisory a WHERE a.id = e.advisory_id)",
        "SELECT count(*) FROM advisory_visit",
        "SELECT count(*) FROM access_grant g
           WHERE NOT EXISTS (SELECT 1 FROM advisory a WHERE a.id = g.advisory_id)",
        "SELECT count(*) FROM advisory_intake i
           WHERE NOT EXISTS (SELECT 1 FROM advisory a WHERE a.id = i.advisory_id)",
    ] {
        assert_eq!(count(&db.pool, sql).await, 0, "{sql}");
    }

    // The bypass lasted for the reset's transaction only.
    let refused = sqlx::query("DELETE FROM advisory WHERE id = $1")
        .bind(kept)
        .execute(&db.pool)
        .await
        .unwrap_err();
    assert!(
        refused.to_string().contains("advisories are never deleted"),
        "{refused}"
    );
}

#[tokio::test]
async fn seed_demo_reset_needs_a_superuser() {
    let db = TestDb::new().await;
    let (code, _, err) = run_cli(&["seed-demo"], &dev_env(&db)).await;
    assert_eq!(code, 0, "{err}");

    // A role of this test's own, dropped at the end.
    let role = format!("{}_app", db.name);
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE ROLE \"{role}\" LOGIN")))
        .execute(&db.pool)
        .await
        .unwrap();
    let mut url = url::Url::parse(&db.url).unwrap();
    url.set_username(&role).unwrap();
    url.set_password(None).unwrap();
    let env = [("APP_ENV", "development"), ("DATABASE_URL", url.as_str())];
    let (code, out, err) = run_cli(&["seed-demo", "--reset"], &env).await;
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP ROLE \"{role}\"")))
        .execute(&db.pool)
        .await
        .unwrap();
    assert_eq!(code, 1, "{out}");
    assert!(
        err.contains("--reset needs a superuser connection"),
        "{err}"
    );
    assert_eq!(out, "", "nothing was seeded");
    assert_eq!(
        count(&db.pool, "SELECT count(*) FROM advisory").await,
        ADVISORIES
    );
}

#[tokio::test]
async fn seed_demo_is_refused_in_production() {
    let db = TestDb::new().await;
    for args in [
        &["seed-demo", "--users", USERS_FILE][..],
        &["seed-demo", "--reset"][..],
    ] {
        for app_env in [Some("production"), Some("PRODUCTION"), None] {
            let mut env = vec![("DATABASE_URL", db.url.as_str())];
            if let Some(v) = app_env {
                env.push(("APP_ENV", v));
            }
            let (code, out, err) = run_cli(args, &env).await;
            assert_eq!(code, 1, "{args:?} {app_env:?}: {out}");
            assert!(
                err.contains("seed-demo is for development and refused with APP_ENV=production"),
                "{err}"
            );
        }
    }
    assert_eq!(count(&db.pool, "SELECT count(*) FROM app_user").await, 0);
    assert_eq!(count(&db.pool, "SELECT count(*) FROM project").await, 1);
    assert_eq!(count(&db.pool, "SELECT count(*) FROM advisory").await, 0);
}

#[tokio::test]
async fn seed_demo_reports_a_bad_users_file() {
    let db = TestDb::new().await;
    let env = dev_env(&db);
    let dir = std::env::temp_dir().join(format!("ah-seed-{}", db.name));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("users.json");
    std::fs::write(&bad, r#"[{"id": "x", "email": "not-an-address"}]"#).unwrap();
    let missing = dir.join("missing.json");

    let (code, _, err) = run_cli(&["seed-demo", "--users", bad.to_str().unwrap()], &env).await;
    assert_eq!(code, 1);
    assert!(err.contains("\"email\" must be an address"), "{err}");
    let (code, _, err) = run_cli(&["seed-demo", "--users", missing.to_str().unwrap()], &env).await;
    assert_eq!(code, 1);
    assert!(err.contains("cannot read"), "{err}");
    let (code, _, _) = run_cli(&["seed-demo", "--users"], &env).await;
    assert_eq!(code, 2, "a usage error");
    assert_eq!(count(&db.pool, "SELECT count(*) FROM app_user").await, 0);
    std::fs::remove_dir_all(&dir).unwrap();
}
