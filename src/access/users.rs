//! The `app_user` row: matching a sign-in to an account, the group mirror, and
//! bans.

use serde::{Deserialize, Serialize};
use sqlx::PgConnection;
use time::OffsetDateTime;

/// What the provider told us about the person signing in, already checked.
#[derive(Clone, Debug, Default)]
pub struct SignInClaims {
    pub subject: String,
    pub email: Option<String>,
    /// Whether the e-mail may be trusted (see `email_trusted`).
    pub email_trusted: bool,
    pub name: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    /// Bare group names, already filtered (see `mirror_group_names`).
    pub groups: Vec<String>,
}

impl SignInClaims {
    /// The e-mail, only when the provider vouches for it (INV-OIDC-6): it
    /// may link, create or fill an account and redeem invitations.
    pub fn trusted_email(&self) -> Option<&str> {
        self.email
            .as_deref()
            .map(str::trim)
            .filter(|e| self.email_trusted && !e.is_empty() && e.len() <= 254)
    }
}

/// The account a sign-in resolved to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedInUser {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub groups: Vec<String>,
    pub is_admin: bool,
}

/// Why a sign-in was refused.
#[derive(Debug, thiserror::Error)]
pub enum SignInRefused {
    #[error("the provider gave no verified e-mail address, which a new account needs")]
    UntrustedEmail,
    #[error("this account is banned")]
    Banned,
    #[error("the e-mail address belongs to another sign-in identity")]
    SubjectConflict,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// OIDC `email_verified` rules (80-integrations §2.3 step 3): an explicit
/// value is trusted only when it says true; an absent one is trusted unless
/// the deployment requires verification.
pub fn email_trusted(claim: Option<&serde_json::Value>, require_verified: bool) -> bool {
    use serde_json::Value;
    match claim {
        None => !require_verified,
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => matches!(s.to_ascii_lowercase().as_str(), "true" | "1" | "yes"),
        Some(_) => false,
    }
}

/// The group claim turned into bare group names (INV-OIDC-4): only SPN-form
/// values (`name@domain`) count, the name is the part before the first `@`,
/// empty names and names starting with `idm_` are dropped. A single string is
/// a one-element list; anything else is no groups.
pub fn mirror_group_names(claim: Option<&serde_json::Value>) -> Vec<String> {
    use serde_json::Value;
    let values: Vec<&str> = match claim {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
        None => Vec::new(),
        Some(other) => {
            tracing::warn!(kind = %json_kind(other), "group claim is neither a list nor a string; no groups");
            Vec::new()
        }
    };
    let mut names: Vec<String> = values
        .into_iter()
        .filter_map(|v| v.split_once('@'))
        .map(|(name, _)| name.trim())
        .filter(|name| !name.is_empty() && !name.starts_with("idm_") && name.len() <= 150)
        .map(str::to_owned)
        .collect();
    names.sort();
    names.dedup();
    names
}

fn json_kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "boolean",
        serde_json::Value::Number(_) => "number",
        serde_json::Value::String(_) => "string",
        serde_json::Value::Array(_) => "array",
        serde_json::Value::Object(_) => "object",
    }
}

struct Matched {
    id: i64,
    is_active: bool,
    oidc_subject: String,
}

/// Finds or creates the account for a sign-in, applies the claims, mirrors
/// the groups in full and records the login time (80-integrations §2.3 steps
/// 4–6 and 8). Runs in the caller's transaction.
pub async fn sign_in(
    conn: &mut PgConnection,
    claims: &SignInClaims,
    admin_group: &str,
    now: OffsetDateTime,
) -> Result<SignedInUser, SignInRefused> {
    let trusted_email = claims.trusted_email();

    let mut found = sqlx::query_as!(
        Matched,
        "SELECT id, is_active, oidc_subject FROM app_user
         WHERE oidc_subject = $1 AND oidc_subject <> '' FOR UPDATE",
        claims.subject
    )
    .fetch_optional(&mut *conn)
    .await?;
    if found.is_none()
        && let Some(email) = trusted_email
    {
        found = sqlx::query_as!(
            Matched,
            "SELECT id, is_active, oidc_subject FROM app_user
             WHERE lower(email) = lower($1) FOR UPDATE",
            email
        )
        .fetch_optional(&mut *conn)
        .await?;
        // An account already bound to another subject is not taken over by
        // whoever presents the same address.
        if found
            .as_ref()
            .is_some_and(|m| !m.oidc_subject.is_empty() && m.oidc_subject != claims.subject)
        {
            return Err(SignInRefused::SubjectConflict);
        }
    }
    let user = if let Some(m) = found {
        m
    } else {
        let email = trusted_email.ok_or(SignInRefused::UntrustedEmail)?;
        sqlx::query_as!(
            Matched,
            "INSERT INTO app_user (email, oidc_subject) VALUES ($1, $2)
                 RETURNING id, is_active, oidc_subject",
            email,
            claims.subject
        )
        .fetch_one(&mut *conn)
        .await?
    };
    if !user.is_active {
        return Err(SignInRefused::Banned);
    }

    let is_admin = claims.groups.iter().any(|g| g == admin_group);
    let row = sqlx::query!(
        r#"UPDATE app_user SET
             oidc_subject = $2,
             display_name = COALESCE($3, display_name),
             first_name = COALESCE($4, first_name),
             last_name = COALESCE($5, last_name),
             -- A sign-in never overwrites an e-mail; it only fills a blank one.
             email = CASE WHEN email = '' AND $6::text IS NOT NULL THEN $6 ELSE email END,
             is_provisioned = false,
             is_staff = $7,
             is_superuser = $7,
             last_login = $8
           WHERE id = $1
           RETURNING email, display_name"#,
        user.id,
        claims.subject,
        claims.name.as_deref().map(|s| truncate(s, 200)),
        claims.given_name.as_deref().map(|s| truncate(s, 150)),
        claims.family_name.as_deref().map(|s| truncate(s, 150)),
        trusted_email,
        is_admin,
        now
    )
    .fetch_one(&mut *conn)
    .await?;

    replace_groups(conn, user.id, &claims.groups).await?;
    Ok(SignedInUser {
        id: user.id,
        email: row.email,
        display_name: row.display_name,
        groups: claims.groups.clone(),
        is_admin,
    })
}

fn truncate(s: &str, max_chars: usize) -> &str {
    s.char_indices().nth(max_chars).map_or(s, |(i, _)| &s[..i])
}

/// Sets the user's groups to exactly `names`, creating unknown groups
/// (INV-OIDC-1: the only writer of `user_group`).
async fn replace_groups(
    conn: &mut PgConnection,
    user_id: i64,
    names: &[String],
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO oidc_group (name) SELECT unnest($1::text[]) ON CONFLICT (name) DO NOTHING",
        names
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        "DELETE FROM user_group ug USING oidc_group g
         WHERE ug.user_id = $1 AND g.id = ug.group_id AND g.name <> ALL($2::text[])",
        user_id,
        names
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        "INSERT INTO user_group (user_id, group_id)
         SELECT $1, id FROM oidc_group WHERE name = ANY($2::text[])
         ON CONFLICT DO NOTHING",
        user_id,
        names
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The group names a user holds in the mirror, sorted.
pub async fn group_names(
    conn: &mut PgConnection,
    user_id: i64,
) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar!(
        "SELECT g.name FROM user_group ug JOIN oidc_group g ON g.id = ug.group_id
         WHERE ug.user_id = $1 ORDER BY g.name",
        user_id
    )
    .fetch_all(conn)
    .await
}

/// Outcome of a ban or unban request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BanChange {
    Changed,
    /// Already in the requested state: nothing written.
    Unchanged,
    NoSuchUser,
}

/// Bans an account (INV-AUTH-8): inactive at once, and every session it holds
/// ends, so its next request is anonymous.
pub async fn ban(
    conn: &mut PgConnection,
    user_id: i64,
    banned_by: Option<i64>,
    reason: &str,
) -> Result<BanChange, sqlx::Error> {
    let updated = sqlx::query!(
        "UPDATE app_user SET is_active = false, banned_at = now(), banned_by = $2, ban_reason = $3
         WHERE id = $1 AND banned_at IS NULL",
        user_id,
        banned_by,
        reason
    )
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if updated == 0 {
        return Ok(if exists(conn, user_id).await? {
            BanChange::Unchanged
        } else {
            BanChange::NoSuchUser
        });
    }
    crate::auth::session::end_all_for_user(conn, user_id).await?;
    Ok(BanChange::Changed)
}

/// Lifts a ban; returns the reason it had.
pub async fn unban(
    conn: &mut PgConnection,
    user_id: i64,
) -> Result<(BanChange, String), sqlx::Error> {
    let previous = sqlx::query_scalar!(
        "UPDATE app_user u SET is_active = true, banned_at = NULL, banned_by = NULL, ban_reason = ''
         FROM app_user old WHERE u.id = $1 AND old.id = u.id AND u.banned_at IS NOT NULL
         RETURNING old.ban_reason",
        user_id
    )
    .fetch_optional(&mut *conn)
    .await?;
    match previous {
        Some(reason) => Ok((BanChange::Changed, reason)),
        None if exists(conn, user_id).await? => Ok((BanChange::Unchanged, String::new())),
        None => Ok((BanChange::NoSuchUser, String::new())),
    }
}

async fn exists(conn: &mut PgConnection, user_id: i64) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query_scalar!(
        "SELECT EXISTS (SELECT 1 FROM app_user WHERE id = $1)",
        user_id
    )
    .fetch_one(conn)
    .await?
    .unwrap_or(false))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn email_verified_is_trusted_only_when_it_says_true() {
        assert!(email_trusted(None, false));
        assert!(!email_trusted(None, true));
        for yes in [json!(true), json!("true"), json!("1"), json!("YES")] {
            assert!(email_trusted(Some(&yes), true), "{yes}");
        }
        for no in [
            json!(false),
            json!("false"),
            json!(null),
            json!(1),
            json!("maybe"),
        ] {
            assert!(!email_trusted(Some(&no), false), "{no}");
        }
    }

    // INV-OIDC-4
    #[test]
    fn group_claim_keeps_spn_names_only() {
        let claim = json!([
            "theia-security@example.org",
            "plain-name",
            "idm_all_persons@example.org",
            "@example.org",
            "advisoryhub-security@example.org",
            "theia-security@other.example",
            42
        ]);
        assert_eq!(
            mirror_group_names(Some(&claim)),
            vec!["advisoryhub-security", "theia-security"]
        );
        assert_eq!(mirror_group_names(Some(&json!("a@b"))), vec!["a"]);
        assert!(mirror_group_names(Some(&json!({"a": 1}))).is_empty());
        assert!(mirror_group_names(None).is_empty());
    }
}
