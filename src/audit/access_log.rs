//! The access log: sign-ins, sign-outs, failed sign-ins, step-ups, advisory
//! views and deliveries, with the client's IP and User-Agent. Rows are
//! written through `audit::record`, which routes every catalogue action to
//! its store; only the advisory view is written by the advisory page itself,
//! in the one statement that also moves the visit marker
//! (`advisories::panels::PanelData::fetch_viewing`).

use std::net::IpAddr;

use sqlx::PgConnection;

/// Where a request came from.
#[derive(Clone, Debug, Default)]
pub struct RequestOrigin {
    pub ip: Option<IpAddr>,
    pub user_agent: String,
}

/// Extracted from a request: the client address (see `web::layers::client_addr`)
/// and the User-Agent.
impl<S: Send + Sync> axum::extract::FromRequestParts<S> for RequestOrigin {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(RequestOrigin {
            ip: parts
                .extensions
                .get::<crate::web::layers::ClientAddr>()
                .map(|a| a.0),
            user_agent: parts
                .headers
                .get(axum::http::header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned(),
        })
    }
}

impl RequestOrigin {
    /// The User-Agent as stored: at most 512 characters.
    pub fn stored_user_agent(&self) -> &str {
        self.user_agent
            .char_indices()
            .nth(512)
            .map_or(self.user_agent.as_str(), |(i, _)| &self.user_agent[..i])
    }

    pub fn stored_ip(&self) -> Option<sqlx::types::ipnet::IpNet> {
        self.ip.map(sqlx::types::ipnet::IpNet::from)
    }
}

/// Appends one row (already redacted by the caller).
pub(super) async fn insert(
    conn: &mut PgConnection,
    action: &str,
    actor_id: Option<i64>,
    advisory_id: Option<i64>,
    metadata: serde_json::Value,
    origin: Option<&RequestOrigin>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO access_log_entry (actor_id, action, advisory_id, metadata, ip_address, user_agent)
         VALUES ($1, $2, $3, $4, $5, $6)",
        actor_id,
        action,
        advisory_id,
        metadata,
        origin.and_then(RequestOrigin::stored_ip),
        origin.map_or("", RequestOrigin::stored_user_agent)
    )
    .execute(conn)
    .await?;
    Ok(())
}
