//! Sessions in PostgreSQL through tower-sessions, with our own store.
//!
//! The cookie holds a random id, signed with `SECRET_KEY`; the `web_session`
//! table keeps only the id's SHA-256. Loading a session is one query, and the
//! same query is the ban check (INV-AUTH-8): a session whose user is inactive,
//! or whose absolute lifetime is over, does not load, so the request is
//! anonymous. No other query runs per request for identity.

use std::time::Duration;

use async_trait::async_trait;
use sha2::{Digest, Sha256, Sha512};
use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;
use tower_sessions::cookie::{Key, SameSite};
use tower_sessions::service::SignedCookie;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};
use tower_sessions::{Expiry, SessionManagerLayer};

use crate::config::Config;

/// Session keys. Everything a session holds is listed here.
pub mod keys {
    /// The signed-in user (`auth::Identity`).
    pub const IDENTITY: &str = "auth.identity";
    /// Unix time of the sign-in; the absolute lifetime counts from it.
    pub const SIGNED_IN_AT: &str = "auth.signed_in_at";
    /// The raw ID token, for the provider's end-session `id_token_hint`.
    pub const ID_TOKEN: &str = "auth.id_token";
    /// Unix time of the last confirmed step-up re-authentication.
    pub const STEP_UP_AT: &str = "auth.step_up_at";
    /// Set while a step-up re-authentication is under way.
    pub const STEP_UP_PENDING: &str = "auth.step_up_pending";
    /// The GET-able page to return to after a step-up.
    pub const STEP_UP_NEXT: &str = "auth.step_up_next";
    /// Client address and User-Agent at sign-in, shown on the account page.
    pub const IP: &str = "auth.ip";
    pub const USER_AGENT: &str = "auth.user_agent";
    /// Unix time the idle expiry was last pushed forward.
    pub const TOUCHED_AT: &str = "auth.touched_at";
    /// The authorization requests under way (`oidc::PendingFlow`).
    pub const OIDC_FLOWS: &str = "oidc.flows";
    /// The synchronizer CSRF token.
    pub const CSRF: &str = "csrf.token";
    /// The user's current groups (`Access`), read from the group mirror by
    /// the session's load query; never stored.
    pub const ACCESS: &str = "auth.access";
}

/// The signed-in user's groups as the mirror holds them now, loaded with the
/// session so a request needs no other query to know who it acts for.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Access {
    pub group_ids: Vec<i64>,
    pub is_admin: bool,
    /// Unread inbox rows, for the header's badge.
    pub unread: i64,
}

/// Cookie name: `__Host-sessionid` when cookies are secure, else `sessionid`.
pub fn cookie_name(config: &Config) -> &'static str {
    if config.secure_cookies() {
        "__Host-sessionid"
    } else {
        "sessionid"
    }
}

/// The session layer: HttpOnly, SameSite=Lax, Path=/, no Domain, Secure with
/// a `__Host-` name in production, signed with a key derived from `SECRET_KEY`.
pub fn layer(config: &Config, pool: PgPool) -> SessionManagerLayer<PgStore, SignedCookie> {
    let store = PgStore {
        pool,
        max_age: config.session_max_age,
        admin_group: config.oidc.admin_group.clone(),
    };
    SessionManagerLayer::new(store)
        .with_name(cookie_name(config))
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(config.secure_cookies())
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(to_time(config.session_idle)))
        .with_signed(cookie_key(config.secret_key.expose()))
}

fn cookie_key(secret: &str) -> Key {
    // Key wants 64 bytes; a domain-separated SHA-512 of the secret gives them
    // whatever the secret's length.
    let digest = Sha512::new()
        .chain_update(b"advisoryhub session cookie\0")
        .chain_update(secret.as_bytes())
        .finalize();
    Key::from(&digest)
}

pub(crate) fn to_time(d: Duration) -> time::Duration {
    time::Duration::seconds(i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

fn pg_interval(d: Duration) -> Result<sqlx::postgres::types::PgInterval, sqlx::Error> {
    sqlx::postgres::types::PgInterval::try_from(to_time(d))
        .map_err(|e| sqlx::Error::Encode(e.to_string().into()))
}

fn id_hash(id: &Id) -> Vec<u8> {
    Sha256::digest(id.to_string().as_bytes()).to_vec()
}

/// The SHA-256 of a session id as stored, to recognise "this session".
pub fn stored_id(id: &Id) -> Vec<u8> {
    id_hash(id)
}

/// The `web_session` store.
#[derive(Clone, Debug)]
pub struct PgStore {
    pool: PgPool,
    max_age: Duration,
    admin_group: String,
}

/// The columns kept beside the JSON data, for listing and ending sessions.
struct Columns {
    user_id: Option<i64>,
    signed_in_at: Option<OffsetDateTime>,
    ip: Option<sqlx::types::ipnet::IpNet>,
    user_agent: String,
}

impl Columns {
    fn of(record: &Record) -> Columns {
        let user_id = record
            .data
            .get(keys::IDENTITY)
            .and_then(|v| v.get("id"))
            .and_then(serde_json::Value::as_i64);
        let signed_in_at = user_id.and_then(|_| {
            record
                .data
                .get(keys::SIGNED_IN_AT)
                .and_then(serde_json::Value::as_i64)
                .and_then(|t| OffsetDateTime::from_unix_timestamp(t).ok())
        });
        let ip = record
            .data
            .get(keys::IP)
            .and_then(serde_json::Value::as_str)
            .and_then(|s| s.parse::<std::net::IpAddr>().ok())
            .map(sqlx::types::ipnet::IpNet::from);
        let user_agent = record
            .data
            .get(keys::USER_AGENT)
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default()
            .chars()
            .take(512)
            .collect();
        Columns {
            // A half-written sign-in (user without time) stays anonymous.
            user_id: user_id.filter(|_| signed_in_at.is_some()),
            signed_in_at,
            ip,
            user_agent,
        }
    }
}

fn backend(e: impl std::fmt::Display) -> session_store::Error {
    session_store::Error::Backend(e.to_string())
}

fn encode(record: &Record) -> session_store::Result<serde_json::Value> {
    let mut data = record.data.clone();
    data.remove(keys::ACCESS);
    serde_json::to_value(&data).map_err(|e| session_store::Error::Encode(e.to_string()))
}

#[async_trait]
impl SessionStore for PgStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        let data = encode(record)?;
        let c = Columns::of(record);
        // A colliding id is astronomically unlikely; draw again rather than
        // overwrite someone's session.
        loop {
            let inserted = sqlx::query!(
                "INSERT INTO web_session (id_hash, data, expires_at, user_id, signed_in_at, ip_address, user_agent)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id_hash) DO NOTHING",
                id_hash(&record.id),
                data,
                record.expiry_date,
                c.user_id,
                c.signed_in_at,
                c.ip,
                c.user_agent
            )
            .execute(&self.pool)
            .await
            .map_err(backend)?
            .rows_affected();
            if inserted == 1 {
                return Ok(());
            }
            record.id = Id::default();
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let data = encode(record)?;
        let c = Columns::of(record);
        // Update only: a session ended elsewhere (sign-out everywhere, a ban)
        // while this request ran must not come back.
        sqlx::query!(
            "UPDATE web_session SET data = $2, expires_at = $3, user_id = $4, signed_in_at = $5,
                 ip_address = $6, user_agent = $7, updated_at = now()
             WHERE id_hash = $1",
            id_hash(&record.id),
            data,
            record.expiry_date,
            c.user_id,
            c.signed_in_at,
            c.ip,
            c.user_agent
        )
        .execute(&self.pool)
        .await
        .map_err(backend)?;
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let max_age = pg_interval(self.max_age).map_err(backend)?;
        let row = sqlx::query!(
            r#"SELECT s.data, s.expires_at, s.user_id,
                      array(SELECT ug.group_id FROM user_group ug WHERE ug.user_id = s.user_id) AS "group_ids!",
                      EXISTS (SELECT 1 FROM user_group ug JOIN oidc_group g ON g.id = ug.group_id
                              WHERE ug.user_id = s.user_id AND g.name = $3) AS "is_admin!",
                      (SELECT count(*) FROM notification n
                       WHERE n.recipient_id = s.user_id AND n.read_at IS NULL) AS "unread!"
               FROM web_session s
               LEFT JOIN app_user u ON u.id = s.user_id
               WHERE s.id_hash = $1 AND s.expires_at > now()
                 AND (s.user_id IS NULL OR (u.is_active AND s.signed_in_at > now() - $2::interval))"#,
            id_hash(id),
            max_age,
            self.admin_group
        )
        .fetch_optional(&self.pool)
        .await
        .map_err(backend)?;
        row.map(|r| {
            let mut data: std::collections::HashMap<String, serde_json::Value> =
                serde_json::from_value(r.data)
                    .map_err(|e| session_store::Error::Decode(e.to_string()))?;
            if r.user_id.is_some() {
                let access = Access {
                    group_ids: r.group_ids,
                    is_admin: r.is_admin,
                    unread: r.unread,
                };
                data.insert(
                    keys::ACCESS.to_owned(),
                    serde_json::to_value(access)
                        .map_err(|e| session_store::Error::Encode(e.to_string()))?,
                );
            }
            Ok(Record {
                id: *id,
                data,
                expiry_date: r.expires_at,
            })
        })
        .transpose()
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        sqlx::query!("DELETE FROM web_session WHERE id_hash = $1", id_hash(id))
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(())
    }
}

/// Ends every session of a user (ban, sign-out everywhere).
pub async fn end_all_for_user(conn: &mut PgConnection, user_id: i64) -> Result<u64, sqlx::Error> {
    Ok(
        sqlx::query!("DELETE FROM web_session WHERE user_id = $1", user_id)
            .execute(conn)
            .await?
            .rows_affected(),
    )
}

/// One of a user's live sessions, for the account page.
#[derive(Clone, Debug)]
pub struct ActiveSession {
    pub id_hash: Vec<u8>,
    pub signed_in_at: OffsetDateTime,
    pub last_used_at: OffsetDateTime,
    pub ip: Option<String>,
    pub user_agent: String,
}

/// The user's live sessions, most recently used first.
pub async fn active_for_user(
    conn: &mut PgConnection,
    user_id: i64,
    max_age: Duration,
) -> Result<Vec<ActiveSession>, sqlx::Error> {
    let max_age = pg_interval(max_age)?;
    let rows = sqlx::query!(
        r#"SELECT id_hash, signed_in_at AS "signed_in_at!", updated_at, host(ip_address) AS ip, user_agent
           FROM web_session
           WHERE user_id = $1 AND expires_at > now() AND signed_in_at > now() - $2::interval
           ORDER BY updated_at DESC"#,
        user_id,
        max_age
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| ActiveSession {
            id_hash: r.id_hash,
            signed_in_at: r.signed_in_at,
            last_used_at: r.updated_at,
            ip: r.ip,
            user_agent: r.user_agent,
        })
        .collect())
}

/// Deletes expired sessions (the ephemeral sweep).
pub async fn purge_expired(pool: &PgPool, max_age: Duration) -> Result<u64, sqlx::Error> {
    let max_age = pg_interval(max_age)?;
    Ok(sqlx::query!(
        "DELETE FROM web_session WHERE expires_at <= now() OR signed_in_at <= now() - $1::interval",
        max_age
    )
    .execute(pool)
    .await?
    .rows_affected())
}
