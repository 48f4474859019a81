//! Per-route rate limits, counted before the handler runs so a throttled
//! request performs no write, e-mail or push.

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
    if !limit.state.config.ratelimit_enabled {
        return next.run(req).await;
    }
    let ip = req
        .extensions()
        .get::<ClientAddr>()
        .map_or_else(|| "unknown".to_owned(), |c| c.0.to_string());
    let key = format!("{}:ip:{ip}", limit.group);
    match ratelimit::hit(&limit.state.pool, &key, limit.rate).await {
        Ok(decision) if decision.limited => {
            limit.state.metrics.observe_rate_limited(limit.group);
            AppError::RateLimited(decision.retry_after).into_response()
        }
        Ok(_) => next.run(req).await,
        Err(e) => {
            // Failing open: the handler needs the same database and will
            // report its own error if it is really down.
            tracing::warn!(error = %e, group = limit.group, "rate limit check failed");
            next.run(req).await
        }
    }
}
