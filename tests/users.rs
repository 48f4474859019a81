//! The sign-in service against PostgreSQL: account matching, e-mail trust,
//! the group mirror and bans (INV-OIDC-1, INV-OIDC-3, INV-OIDC-5, INV-OIDC-6,
//! INV-AUTH-8).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on purpose"
)]

mod common;

use advisoryhub::access::users::{self, BanChange, SignInClaims, SignInRefused};
use common::TestDb;
use time::OffsetDateTime;

const ADMIN: &str = "advisoryhub-security";

fn claims(subject: &str, email: &str, groups: &[&str]) -> SignInClaims {
    SignInClaims {
        subject: subject.into(),
        email: Some(email.into()),
        email_trusted: true,
        name: Some("Some Body".into()),
        given_name: None,
        family_name: None,
        groups: groups.iter().map(|g| (*g).to_owned()).collect(),
    }
}

async fn sign_in(db: &TestDb, c: &SignInClaims) -> Result<users::SignedInUser, SignInRefused> {
    let mut tx = db.pool.begin().await.unwrap();
    let r = users::sign_in(&mut tx, c, ADMIN, OffsetDateTime::now_utc()).await;
    tx.commit().await.unwrap();
    r
}

#[tokio::test]
async fn the_subject_matches_before_the_email_and_a_login_never_overwrites_an_email() {
    let db = TestDb::new().await;
    let first = sign_in(&db, &claims("sub-1", "Ann@Example.org", &[]))
        .await
        .unwrap();
    let again = sign_in(&db, &claims("sub-1", "other@example.org", &[]))
        .await
        .unwrap();
    assert_eq!(first.id, again.id);
    assert_eq!(again.email, "Ann@Example.org");
}

// INV-OIDC-5, INV-OIDC-6: a trusted e-mail links a shadow row and clears the flag.
#[tokio::test]
async fn a_trusted_email_links_a_shadow_user() {
    let db = TestDb::new().await;
    let shadow: i64 = sqlx::query_scalar(
        "INSERT INTO app_user (email, is_provisioned) VALUES ('roster@example.org', true) RETURNING id",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    let user = sign_in(&db, &claims("sub-r", "ROSTER@example.org", &[]))
        .await
        .unwrap();
    assert_eq!(user.id, shadow);
    let (provisioned, subject): (bool, String) =
        sqlx::query_as("SELECT is_provisioned, oidc_subject FROM app_user WHERE id = $1")
            .bind(shadow)
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert!(!provisioned);
    assert_eq!(subject, "sub-r");
}

// INV-OIDC-6
#[tokio::test]
async fn an_untrusted_email_neither_creates_nor_links_an_account() {
    let db = TestDb::new().await;
    sqlx::query("INSERT INTO app_user (email) VALUES ('victim@example.org')")
        .execute(&db.pool)
        .await
        .unwrap();
    let mut c = claims("attacker", "victim@example.org", &[]);
    c.email_trusted = false;
    assert!(matches!(
        sign_in(&db, &c).await,
        Err(SignInRefused::UntrustedEmail)
    ));
    let subject: String =
        sqlx::query_scalar("SELECT oidc_subject FROM app_user WHERE email = 'victim@example.org'")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(subject, "");
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM app_user")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(count, 1);
}

#[tokio::test]
async fn an_email_bound_to_another_subject_is_not_taken_over() {
    let db = TestDb::new().await;
    sign_in(&db, &claims("owner", "shared@example.org", &[]))
        .await
        .unwrap();
    assert!(matches!(
        sign_in(&db, &claims("intruder", "shared@example.org", &[])).await,
        Err(SignInRefused::SubjectConflict)
    ));
}

// INV-OIDC-1, INV-OIDC-3
#[tokio::test]
async fn groups_are_replaced_in_full_and_admin_follows_the_admin_group() {
    let db = TestDb::new().await;
    let u = sign_in(
        &db,
        &claims("s", "g@example.org", &[ADMIN, "theia-security"]),
    )
    .await
    .unwrap();
    assert!(u.is_admin);
    let u = sign_in(&db, &claims("s", "g@example.org", &["jetty-security"]))
        .await
        .unwrap();
    assert!(!u.is_admin);
    let mut conn = db.pool.acquire().await.unwrap();
    assert_eq!(
        users::group_names(&mut conn, u.id).await.unwrap(),
        ["jetty-security"]
    );
    let (staff, superuser): (bool, bool) =
        sqlx::query_as("SELECT is_staff, is_superuser FROM app_user WHERE id = $1")
            .bind(u.id)
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert!(
        !staff && !superuser,
        "an IdP demotion applies at the next sign-in"
    );
    // Groups are kept for others.
    let groups: i64 = sqlx::query_scalar("SELECT count(*) FROM oidc_group")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(groups, 3);
}

// INV-AUTH-8
#[tokio::test]
async fn ban_is_idempotent_ends_sessions_and_unban_returns_the_reason() {
    let db = TestDb::new().await;
    let u = sign_in(&db, &claims("b", "b@example.org", &[]))
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO web_session (id_hash, data, expires_at, user_id, signed_in_at)
         VALUES (sha256('x'), '{}', now() + interval '1 day', $1, now())",
    )
    .bind(u.id)
    .execute(&db.pool)
    .await
    .unwrap();
    let mut conn = db.pool.acquire().await.unwrap();
    assert_eq!(
        users::ban(&mut conn, u.id, None, "spam").await.unwrap(),
        BanChange::Changed
    );
    assert_eq!(
        users::ban(&mut conn, u.id, None, "again").await.unwrap(),
        BanChange::Unchanged
    );
    assert_eq!(
        users::ban(&mut conn, 999_999, None, "x").await.unwrap(),
        BanChange::NoSuchUser
    );
    let sessions: i64 = sqlx::query_scalar("SELECT count(*) FROM web_session")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(sessions, 0);
    drop(conn);
    assert!(matches!(
        sign_in(&db, &claims("b", "b@example.org", &[])).await,
        Err(SignInRefused::Banned)
    ));
    let mut conn = db.pool.acquire().await.unwrap();
    let (change, reason) = users::unban(&mut conn, u.id).await.unwrap();
    assert_eq!((change, reason.as_str()), (BanChange::Changed, "spam"));
    assert_eq!(
        users::unban(&mut conn, u.id).await.unwrap().0,
        BanChange::Unchanged
    );
    drop(conn);
    sign_in(&db, &claims("b", "b@example.org", &[]))
        .await
        .unwrap();
}

#[tokio::test]
async fn the_ephemeral_sweep_deletes_expired_and_too_old_sessions() {
    let db = TestDb::new().await;
    let u = sign_in(&db, &claims("s", "s@example.org", &[]))
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO web_session (id_hash, data, expires_at, user_id, signed_in_at) VALUES
           (sha256('idle'), '{}', now() - interval '1 second', NULL, NULL),
           (sha256('old'), '{}', now() + interval '1 day', $1, now() - interval '15 days'),
           (sha256('live'), '{}', now() + interval '1 day', $1, now())",
    )
    .bind(u.id)
    .execute(&db.pool)
    .await
    .unwrap();
    let config = common::config(&[]);
    let swept = advisoryhub::jobs::housekeeping::sweep(&db.pool, &config)
        .await
        .unwrap();
    assert_eq!(swept.session_rows, 2);
    let left: Vec<Vec<u8>> = sqlx::query_scalar("SELECT id_hash FROM web_session")
        .fetch_all(&db.pool)
        .await
        .unwrap();
    assert_eq!(left.len(), 1);
}
