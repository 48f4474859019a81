//! Projects: who owns an advisory, and which group is its security team
//! (INV-PROJECT-1). The `unsorted` project is the routing sentinel owned by
//! the admin group (INV-PROJECT-2).

use sqlx::PgConnection;
use uuid::Uuid;

/// The routing sentinel's slug.
pub const UNSORTED: &str = "unsorted";

#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize)]
pub struct Project {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    pub security_team_id: i64,
    pub security_team: String,
    pub is_mature_publisher: bool,
}

impl Project {
    pub fn is_unsorted(&self) -> bool {
        self.slug == UNSORTED
    }
}

/// Every project, by name.
pub async fn all(conn: &mut PgConnection) -> Result<Vec<Project>, sqlx::Error> {
    sqlx::query_as!(
        Project,
        r#"SELECT p.id, p.slug, p.name, p.security_team_id, g.name AS security_team, p.is_mature_publisher
           FROM project p JOIN oidc_group g ON g.id = p.security_team_id
           ORDER BY lower(p.name), p.slug"#
    )
    .fetch_all(conn)
    .await
}

pub async fn by_slug(conn: &mut PgConnection, slug: &str) -> Result<Option<Project>, sqlx::Error> {
    sqlx::query_as!(
        Project,
        r#"SELECT p.id, p.slug, p.name, p.security_team_id, g.name AS security_team, p.is_mature_publisher
           FROM project p JOIN oidc_group g ON g.id = p.security_team_id
           WHERE p.slug = $1"#,
        slug
    )
    .fetch_optional(conn)
    .await
}

/// Creates a project, or updates its name, team and maturity; the team is
/// bound by group name, created when unknown.
pub async fn upsert(
    conn: &mut PgConnection,
    slug: &str,
    name: &str,
    security_team: &str,
    is_mature_publisher: bool,
) -> Result<Uuid, sqlx::Error> {
    sqlx::query_scalar!(
        r#"WITH g AS (
             INSERT INTO oidc_group (name) VALUES ($3) ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name
             RETURNING id
           )
           INSERT INTO project (slug, name, security_team_id, is_mature_publisher)
           SELECT $1, $2, g.id, $4 FROM g
           ON CONFLICT (slug) DO UPDATE SET name = EXCLUDED.name,
               security_team_id = EXCLUDED.security_team_id,
               is_mature_publisher = EXCLUDED.is_mature_publisher
           RETURNING id"#,
        slug,
        name,
        security_team,
        is_mature_publisher
    )
    .fetch_one(conn)
    .await
}

/// Makes sure `unsorted` exists and is owned by the configured admin group
/// (the migration creates it with the default group name).
pub async fn ensure_unsorted(
    conn: &mut PgConnection,
    admin_group: &str,
) -> Result<(), sqlx::Error> {
    upsert(conn, UNSORTED, "Unsorted reports", admin_group, false).await?;
    Ok(())
}
