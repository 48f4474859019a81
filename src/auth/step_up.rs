//! Step-up re-authentication (30-permissions §8): sensitive actions need a
//! sign-in no older than `STEP_UP_MAX_AGE_SECONDS`, obtained with
//! `prompt=login` and `max_age=0`. Handlers check the permission first and
//! only then call `require`, so nobody without the right is sent through a
//! re-authentication.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use time::OffsetDateTime;
use tower_sessions::Session;

use super::session::keys;
use super::session_error;
use crate::config::Config;
use crate::web::error::AppError;
use crate::web::routes;

/// Whether the session holds a step-up fresh enough for a sensitive action.
pub async fn is_fresh(session: &Session, config: &Config) -> Result<bool, AppError> {
    if !config.step_up_required {
        return Ok(true);
    }
    let at: Option<i64> = session.get(keys::STEP_UP_AT).await.map_err(session_error)?;
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let max_age = i64::try_from(config.step_up_max_age.as_secs()).unwrap_or(i64::MAX);
    Ok(at.is_some_and(|t| t <= now + 1 && now - t <= max_age))
}

/// Whether an ID token's `auth_time` proves credentials were just entered.
/// Fails closed: no `auth_time`, no step-up.
pub fn grants_step_up(auth_time: Option<i64>, now: i64, config: &Config) -> bool {
    let max_age = i64::try_from(config.step_up_max_age.as_secs()).unwrap_or(i64::MAX);
    // The provider's clock may run a little ahead of ours.
    auth_time.is_some_and(|t| t <= now + 5 && now - t <= max_age)
}

/// Lets the action run when the step-up is fresh; otherwise remembers where
/// to come back to (a page that loads with GET, never the POST itself, see
/// 50-web-ui §2.9) and sends the browser to re-authenticate.
pub async fn require(
    session: &Session,
    config: &Config,
    return_to: &str,
    htmx: bool,
) -> Result<(), Response> {
    match is_fresh(session, config).await {
        Ok(true) => return Ok(()),
        Ok(false) => {}
        Err(e) => return Err(e.into_response()),
    }
    if let Err(e) = session.insert(keys::STEP_UP_NEXT, return_to).await {
        return Err(session_error(e).into_response());
    }
    Err(if htmx {
        let mut resp = StatusCode::OK.into_response();
        resp.headers_mut()
            .insert("hx-redirect", HeaderValue::from_static(routes::STEP_UP));
        resp
    } else {
        Redirect::to(routes::STEP_UP).into_response()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_recent_auth_time_grants_a_step_up() {
        let config = Config::for_tests(&[("STEP_UP_MAX_AGE_SECONDS", "300")]).unwrap();
        let now = 1_000_000;
        assert!(grants_step_up(Some(now - 10), now, &config));
        assert!(grants_step_up(Some(now + 1), now, &config));
        assert!(!grants_step_up(Some(now - 301), now, &config));
        assert!(!grants_step_up(Some(now + 60), now, &config));
        assert!(!grants_step_up(None, now, &config));
    }
}
