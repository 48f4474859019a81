//! Per-route rate limits, counted before the handler runs so a throttled
//! request performs no write, e-mail or push.

use std::net::IpAddr;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::error::AppError;
use super::layers::ClientAddr;
use crate::ratelimit::{self, Rate};

/// A route's limit: a stable group name (the key prefix and metric label)
/// and its rate.
#[derive(Clone)]
pub struct RouteLimit {
    pub state: AppState,
    pub group: &'static str,
    pub rate: Rate,
}

/// Counts the hit and refuses with 429 and `Retry-After` above the limit.
pub async fn enforce(State(limit): State<RouteLimit>, req: Request, next: Next) -> Response {
    let ip = req.extensions().get::<ClientAddr>().map(|c| c.0);
    match check_ip(&limit.state, limit.group, limit.rate, ip).await {
        Ok(()) => next.run(req).await,
        Err(refused) => refused.into_response(),
    }
}

/// A per-client-address limit (key `<group>:ip:<address>`), for handlers
/// whose key depends on who is signed in (the intake form). Call it before
/// anything else in the handler (INV-RATELIMIT-1).
pub async fn check_ip(
    state: &AppState,
    group: &'static str,
    rate: Rate,
    ip: Option<IpAddr>,
) -> Result<(), AppError> {
    let ip = ip.map_or_else(|| "unknown".to_owned(), |ip| ip.to_string());
    check(state, group, rate, &format!("{group}:ip:{ip}")).await
}

/// A per-user limit (key `<group>:u:<user id>`, 20-lifecycle §20), for
/// routes limited per signed-in user. Call it before anything else in the
/// handler, so a refused request has no effect (INV-RATELIMIT-1).
pub async fn check_user(
    state: &AppState,
    group: &'static str,
    rate: Rate,
    user_id: i64,
) -> Result<(), AppError> {
    check(state, group, rate, &format!("{group}:u:{user_id}")).await
}

async fn check(
    state: &AppState,
    group: &'static str,
    rate: Rate,
    key: &str,
) -> Result<(), AppError> {
    if !state.config.ratelimit_enabled {
        return Ok(());
    }
    match ratelimit::hit(&state.pool, key, rate).await {
        Ok(decision) if decision.limited => {
            state.metrics.observe_rate_limited(group);
            Err(AppError::RateLimited(decision.retry_after))
        }
        Ok(_) => Ok(()),
        Err(e) => {
            // Failing open: the handler needs the same database and will
            // report its own error if it is really down.
            tracing::warn!(error = %e, group, "rate limit check failed");
            Ok(())
        }
    }
}
