//! The pieces most tests build their world from: the Theia and Jetty
//! projects, users (signed in through the identity provider or inserted
//! directly), their actors, advisories created through the service, and the
//! plain application role that row-level security is checked against.

use advisoryhub::access::permissions::Actor;
use advisoryhub::advisories::content::Payload;
use advisoryhub::advisories::id::OsEntropy;
use advisoryhub::advisories::service::{self, Ctx, NewAdvisory};
use advisoryhub::advisories::{projects, repo};
use advisoryhub::audit::redact::Redactor;
use sqlx::{PgPool, Postgres, Transaction};

use super::site::{Browser, Site};

/// The administrators' group of the test configuration.
pub const ADMIN_GROUP: &str = "advisoryhub-security";

/// The two projects, each with its security team's group.
pub struct Projects {
    /// `ecd.theia`, team `theia-security`.
    pub theia: uuid::Uuid,
    /// `rt.jetty`, team `jetty-security`.
    pub jetty: uuid::Uuid,
}

/// Eclipse Theia and Eclipse Jetty.
pub async fn projects(pool: &PgPool) -> Projects {
    let mut conn = pool.acquire().await.unwrap();
    let theia = projects::upsert(
        &mut conn,
        "ecd.theia",
        "Eclipse Theia",
        "theia-security",
        false,
    )
    .await
    .unwrap();
    let jetty = projects::upsert(
        &mut conn,
        "rt.jetty",
        "Eclipse Jetty",
        "jetty-security",
        false,
    )
    .await
    .unwrap();
    Projects { theia, jetty }
}

/// A browser signed in as `who@example.org` through the identity provider.
pub async fn sign_in(site: &Site, who: &str) -> Browser {
    let b = Browser::new();
    b.sign_in(site, &format!("{who}@example.org")).await;
    b
}

/// A user inserted directly (no identity provider) into `groups`; its id.
pub async fn user(pool: &PgPool, email: &str, groups: &[&str]) -> i64 {
    let id: i64 = sqlx::query_scalar("INSERT INTO app_user (email) VALUES ($1) RETURNING id")
        .bind(email)
        .fetch_one(pool)
        .await
        .unwrap();
    for g in groups {
        sqlx::query(
            "WITH g AS (INSERT INTO oidc_group (name) VALUES ($2) ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING id)
             INSERT INTO user_group (user_id, group_id) SELECT $1, id FROM g",
        )
        .bind(id)
        .bind(g)
        .execute(pool)
        .await
        .unwrap();
    }
    id
}

/// User `user_id` as the services see them.
pub async fn actor(pool: &PgPool, user_id: i64) -> Actor {
    let mut conn = pool.acquire().await.unwrap();
    repo::load_actor(&mut conn, user_id, ADMIN_GROUP)
        .await
        .unwrap()
        .unwrap()
}

/// Advisory content with only a summary.
pub fn summary(text: &str) -> Payload {
    Payload {
        summary: text.into(),
        ..Payload::default()
    }
}

/// An advisory of `project` with `content`, created by `author` through the
/// service and committed; its public id.
pub async fn create_advisory(
    pool: &PgPool,
    author: &Actor,
    project: uuid::Uuid,
    content: Payload,
) -> String {
    let redactor = Redactor::default();
    let mut tx = pool.begin().await.unwrap();
    let id = service::create(
        &mut tx,
        Ctx {
            actor: author,
            origin: None,
            redactor: &redactor,
        },
        &NewAdvisory {
            project_id: Some(project),
            content,
        },
        &mut OsEntropy,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    id
}

/// Grants the user with `email` (signed in before) `permission` on
/// advisory `id`, directly in the database; a grant already there is updated.
pub async fn grant(pool: &PgPool, id: &str, email: &str, permission: &str) {
    sqlx::query(
        "INSERT INTO access_grant (advisory_id, principal_type, principal_id, permission)
         SELECT a.id, 'user', u.id, $3 FROM advisory a, app_user u
         WHERE a.advisory_id = $1 AND u.email = $2
         ON CONFLICT (advisory_id, principal_type, principal_id) DO UPDATE SET permission = $3",
    )
    .bind(id)
    .bind(email)
    .bind(permission)
    .execute(pool)
    .await
    .unwrap();
}

/// Where the web tests start: bob of Theia's security team signed in, and
/// an advisory of Theia's he created.
pub struct BobsAdvisory {
    pub theia: uuid::Uuid,
    pub bob: Browser,
    /// The advisory's public id.
    pub id: String,
}

/// Theia and Jetty, bob signed in through the identity provider, and his
/// advisory "Token leak in the terminal".
pub async fn bobs_advisory(site: &Site) -> BobsAdvisory {
    let theia = projects(&site.db.pool).await.theia;
    let bob = sign_in(site, "bob").await;
    let author = site.actor("bob@example.org").await;
    let id = create_advisory(
        &site.db.pool,
        &author,
        theia,
        summary("Token leak in the terminal"),
    )
    .await;
    BobsAdvisory { theia, bob, id }
}

/// A bare advisory row, bypassing the service; its internal id.
pub async fn raw_advisory(pool: &PgPool, public_id: &str, project: uuid::Uuid) -> i64 {
    sqlx::query_scalar(
        "INSERT INTO advisory (advisory_id, project_id, summary) VALUES ($1, $2, 's') RETURNING id",
    )
    .bind(public_id)
    .bind(project)
    .fetch_one(pool)
    .await
    .unwrap()
}

/// Creates `ah_test_app`, a role like the production application role: no
/// superuser, no BYPASSRLS, not the tables' owner. Roles are cluster-wide,
/// so every test shares one.
pub async fn app_role(pool: &PgPool) {
    sqlx::query(
        "DO $$ BEGIN CREATE ROLE ah_test_app NOLOGIN NOSUPERUSER NOBYPASSRLS;
         EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$",
    )
    .execute(pool)
    .await
    .unwrap();
    sqlx::query(
        "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ah_test_app",
    )
    .execute(pool)
    .await
    .unwrap();
}

/// A transaction running as the role [`app_role`] created.
pub async fn app_role_tx(pool: &PgPool) -> Transaction<'static, Postgres> {
    let mut tx = pool.begin().await.unwrap();
    sqlx::query("SET LOCAL ROLE ah_test_app")
        .execute(&mut *tx)
        .await
        .unwrap();
    tx
}
