//! Demo data for development (`advisoryhub seed-demo`, 90-operations §8):
//! the accounts of the development identity provider (`bin/idp/users.json`),
//! so that each demo user signs in to an account that already exists.
//!
//! Users are upserted by case-insensitive e-mail with the `sub` the IdP
//! issues (the user's `id`) as their OIDC subject. Groups are not written:
//! they are mirrored from the ID token at sign-in only (INV-OIDC-1). A user
//! the file marks `"banned": true` is banned through the ordinary ban service
//! (INV-AUTH-8). Running it again changes nothing that is already in place.

use serde::Deserialize;
use sqlx::{Connection, PgConnection};

use crate::access::users::{self, BanChange};

/// The reason recorded on demo bans.
pub const BAN_REASON: &str = "Demo: a banned account";

/// One entry of the IdP's users file; other fields (password, groups, role)
/// are the IdP's business and ignored here.
#[derive(Clone, Debug, Deserialize)]
pub struct DemoUser {
    /// The IdP's `sub` for this user.
    pub id: String,
    pub email: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub given_name: String,
    #[serde(default)]
    pub family_name: String,
    /// Whether the app should hold this account banned.
    #[serde(default)]
    pub banned: bool,
}

/// What happened to one user.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Seeded {
    Created,
    Updated,
}

/// The outcome for one user, in file order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeededUser {
    pub email: String,
    pub id: i64,
    pub outcome: Seeded,
    /// The ban was written by this run (false when already banned or not to be banned).
    pub newly_banned: bool,
}

/// A seeding failure.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("users file: {0}")]
    File(String),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

/// Parses the IdP's users file (a JSON array of users) and checks what the
/// `app_user` columns require.
pub fn parse_users(json: &str) -> Result<Vec<DemoUser>, SeedError> {
    let users: Vec<DemoUser> = serde_json::from_str(json)
        .map_err(|e| SeedError::File(format!("expected a JSON array of users: {e}")))?;
    for u in &users {
        let too_long = |value: &str, max: usize| value.chars().count() > max;
        if u.id.trim().is_empty() || too_long(&u.id, 255) {
            return Err(SeedError::File(format!(
                "user {:?}: \"id\" must be 1 to 255 characters",
                u.email
            )));
        }
        if !u.email.contains('@') || too_long(&u.email, 254) {
            return Err(SeedError::File(format!(
                "user {:?}: \"email\" must be an address of at most 254 characters",
                u.id
            )));
        }
        if too_long(&u.name, 200) || too_long(&u.given_name, 150) || too_long(&u.family_name, 150) {
            return Err(SeedError::File(format!(
                "user {:?}: a name is too long",
                u.id
            )));
        }
    }
    Ok(users)
}

/// Upserts `users` into `app_user` and bans those marked banned, in one
/// transaction (a savepoint when `conn` is already in one).
#[tracing::instrument(name = "db.demo.seed_users", skip_all, fields(users = users.len()))]
pub async fn seed_users(
    conn: &mut PgConnection,
    users: &[DemoUser],
) -> Result<Vec<SeededUser>, SeedError> {
    let mut tx = conn.begin().await?;
    let mut out = Vec::with_capacity(users.len());
    for u in users {
        let email = u.email.trim();
        let row = sqlx::query!(
            r#"INSERT INTO app_user (email, display_name, first_name, last_name, oidc_subject)
               VALUES ($1, $2, $3, $4, $5)
               ON CONFLICT ((lower(email))) DO UPDATE SET
                 email = EXCLUDED.email,
                 display_name = EXCLUDED.display_name,
                 first_name = EXCLUDED.first_name,
                 last_name = EXCLUDED.last_name,
                 oidc_subject = EXCLUDED.oidc_subject
               RETURNING id, (xmax = 0) AS "inserted!""#,
            email,
            u.name,
            u.given_name,
            u.family_name,
            u.id
        )
        .fetch_one(&mut *tx)
        .await?;
        let newly_banned =
            u.banned && users::ban(&mut tx, row.id, None, BAN_REASON).await? == BanChange::Changed;
        out.push(SeededUser {
            email: email.to_owned(),
            id: row.id,
            outcome: if row.inserted {
                Seeded::Created
            } else {
                Seeded::Updated
            },
            newly_banned,
        });
    }
    tx.commit().await?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_idp_users_file_parses() {
        let users = parse_users(include_str!("../bin/idp/users.json")).unwrap();
        let ids: Vec<&str> = users.iter().map(|u| u.id.as_str()).collect();
        assert_eq!(ids, ["alice", "bob", "carol", "dave", "erin", "mallory"]);
        let banned: Vec<&str> = users
            .iter()
            .filter(|u| u.banned)
            .map(|u| u.id.as_str())
            .collect();
        assert_eq!(banned, ["mallory"]);
    }

    #[test]
    fn a_malformed_users_file_is_refused() {
        assert!(parse_users(r#"{"alice": {}}"#).is_err());
        assert!(parse_users(r#"[{"id": "", "email": "a@example.org"}]"#).is_err());
        assert!(parse_users(r#"[{"id": "a", "email": "nobody"}]"#).is_err());
        assert!(parse_users(r#"[{"id": "a"}]"#).is_err());
        assert_eq!(parse_users("[]").unwrap().len(), 0);
    }
}
