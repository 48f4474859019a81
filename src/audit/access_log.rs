//! The access log: one row per sign-in, sign-out, failed sign-in, step-up and
//! (later) advisory view, with the client's IP and User-Agent.

use std::net::IpAddr;

use sqlx::PgConnection;

/// Actions routed to the access log (10-domain-model §13.3, store `A`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccessAction {
    Login,
    Logout,
    FailedLogin,
    StepUpCompleted,
}

impl AccessAction {
    pub fn as_str(self) -> &'static str {
        match self {
            AccessAction::Login => "auth.login",
            AccessAction::Logout => "auth.logout",
            AccessAction::FailedLogin => "auth.failed_login",
            AccessAction::StepUpCompleted => "auth.step_up_completed",
        }
    }
}

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
    fn stored_user_agent(&self) -> &str {
        self.user_agent
            .char_indices()
            .nth(512)
            .map_or(self.user_agent.as_str(), |(i, _)| &self.user_agent[..i])
    }
}

/// Appends one entry.
pub async fn record(
    conn: &mut PgConnection,
    action: AccessAction,
    actor_id: Option<i64>,
    metadata: serde_json::Value,
    origin: &RequestOrigin,
) -> Result<(), sqlx::Error> {
    let ip = origin.ip.map(sqlx::types::ipnet::IpNet::from);
    sqlx::query!(
        "INSERT INTO access_log_entry (actor_id, action, metadata, ip_address, user_agent)
         VALUES ($1, $2, $3, $4, $5)",
        actor_id,
        action.as_str(),
        metadata,
        ip,
        origin.stored_user_agent()
    )
    .execute(conn)
    .await?;
    Ok(())
}
