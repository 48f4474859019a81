//! `advisoryhub seed-demo` through the real binary: the development IdP's
//! users become accounts that the IdP's `sub` signs in to, mallory is banned,
//! groups are left to sign-in (INV-OIDC-1), a second run changes nothing, and
//! production refuses it.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failing test should panic"
)]

mod common;

use advisoryhub::access::users::{self, SignInClaims, SignInRefused};
use advisoryhub::demo::BAN_REASON;
use common::{TestDb, run_cli};
use sqlx::PgPool;
use time::OffsetDateTime;

const USERS_FILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/bin/idp/users.json");

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

#[tokio::test]
async fn seed_demo_creates_the_idp_users_and_bans_mallory() {
    let db = TestDb::new().await;
    let env = [
        ("APP_ENV", "development"),
        ("DATABASE_URL", db.url.as_str()),
    ];
    // The default --users is bin/idp/users.json, relative to the repository
    // root where bin/dev (and this test) runs it.
    let (code, out, err) = run_cli(&["seed-demo"], &env).await;
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "created alice@example.org\ncreated bob@example.org\ncreated carol@example.org\n\
         created dave@example.org\ncreated erin@example.org\ncreated mallory@example.org\n\
         banned mallory@example.org\n\
         6 demo user(s) from bin/idp/users.json: 6 created, 0 updated, 1 banned now\n"
    );
    assert_eq!(users_in(&db.pool).await, demo_rows());
    // INV-OIDC-1: groups are written by sign-in only.
    assert_eq!(count(&db.pool, "SELECT count(*) FROM user_group").await, 0);
    assert_eq!(count(&db.pool, "SELECT count(*) FROM oidc_group").await, 0);

    // The IdP's `sub` resolves to the seeded account; mallory is refused.
    let mut tx = db.pool.begin().await.unwrap();
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
        "WITH g AS (INSERT INTO oidc_group (name) VALUES ('advisoryhub-security') RETURNING id)
         INSERT INTO user_group (user_id, group_id) SELECT $1, id FROM g",
    )
    .bind(alice_id)
    .execute(&db.pool)
    .await
    .unwrap();
    let env = [
        ("APP_ENV", "development"),
        ("DATABASE_URL", db.url.as_str()),
    ];
    let args = ["seed-demo", "--users", USERS_FILE];

    let (code, out, err) = run_cli(&args, &env).await;
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with("updated alice@example.org\ncreated bob@example.org\n"),
        "{out}"
    );
    assert!(
        out.ends_with(": 5 created, 1 updated, 1 banned now\n"),
        "{out}"
    );
    assert_eq!(users_in(&db.pool).await, demo_rows());
    let alice_now: i64 = sqlx::query_scalar("SELECT id FROM app_user WHERE oidc_subject = 'alice'")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(alice_now, alice_id, "the existing account was updated");
    assert_eq!(
        count(&db.pool, "SELECT count(*) FROM user_group").await,
        1,
        "groups are not seed-demo's to change (INV-OIDC-1)"
    );

    let banned_at = |pool: PgPool| async move {
        sqlx::query_scalar::<_, OffsetDateTime>(
            "SELECT banned_at FROM app_user WHERE oidc_subject = 'mallory'",
        )
        .fetch_one(&pool)
        .await
        .unwrap()
    };
    let first_ban = banned_at(db.pool.clone()).await;
    let (code, out, err) = run_cli(&args, &env).await;
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains("banned mallory"), "{out}");
    assert!(
        out.ends_with(": 0 created, 6 updated, 0 banned now\n"),
        "{out}"
    );
    assert_eq!(users_in(&db.pool).await, demo_rows());
    assert_eq!(
        banned_at(db.pool.clone()).await,
        first_ban,
        "the ban is not renewed"
    );
    assert_eq!(count(&db.pool, "SELECT count(*) FROM app_user").await, 6);
}

#[tokio::test]
async fn seed_demo_is_refused_in_production() {
    let db = TestDb::new().await;
    for app_env in [Some("production"), Some("PRODUCTION"), None] {
        let mut env = vec![("DATABASE_URL", db.url.as_str())];
        if let Some(v) = app_env {
            env.push(("APP_ENV", v));
        }
        let (code, out, err) = run_cli(&["seed-demo", "--users", USERS_FILE], &env).await;
        assert_eq!(code, 1, "{app_env:?}: {out}");
        assert!(
            err.contains("seed-demo is for development and refused with APP_ENV=production"),
            "{err}"
        );
    }
    assert_eq!(count(&db.pool, "SELECT count(*) FROM app_user").await, 0);
}

#[tokio::test]
async fn seed_demo_reports_a_bad_users_file() {
    let db = TestDb::new().await;
    let env = [
        ("APP_ENV", "development"),
        ("DATABASE_URL", db.url.as_str()),
    ];
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
