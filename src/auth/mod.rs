//! Who is asking: sign-in through the OIDC provider, sessions, CSRF, step-up.
//!
//! The signed-in identity lives in the session, written at sign-in from the
//! database mirror; requests never read groups from anything the browser
//! sends (INV-OIDC-2). A banned user's session stops loading (INV-AUTH-8).

pub mod csrf;
pub mod oidc;
pub mod routes;
pub mod session;
pub mod step_up;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use time::OffsetDateTime;
use tower_sessions::Session;

pub use crate::access::users::SignedInUser as Identity;
use crate::web::error::AppError;

/// How often the idle expiry of a signed-in session is pushed forward; in
/// between, using a session writes nothing.
const TOUCH_INTERVAL_SECONDS: i64 = 60;

/// The request's session, put there by the session layer.
pub fn session_of(parts: &Parts) -> Result<Session, AppError> {
    parts
        .extensions
        .get::<Session>()
        .cloned()
        .ok_or_else(|| AppError::Internal("the session layer is missing".into()))
}

pub(crate) fn session_error(e: tower_sessions::session::Error) -> AppError {
    AppError::Internal(Box::new(e))
}

/// A 302 redirect, as the sign-in redirects are specified (axum's `Redirect`
/// offers 303 and 307 only).
pub(crate) fn found(url: &str) -> Response {
    let mut resp = Redirect::to(url).into_response();
    *resp.status_mut() = StatusCode::FOUND;
    resp
}

/// The signed-in user, if any. Loading it is the session's one query.
#[derive(Clone, Debug)]
pub struct MaybeUser(pub Option<Identity>);

impl<S: Send + Sync> FromRequestParts<S> for MaybeUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        if let Some(cached) = parts.extensions.get::<MaybeUser>() {
            return Ok(cached.clone());
        }
        let session = session_of(parts)?;
        let identity: Option<Identity> = session
            .get(session::keys::IDENTITY)
            .await
            .map_err(session_error)?;
        if identity.is_some() {
            touch(&session).await?;
        }
        let user = MaybeUser(identity);
        parts.extensions.insert(user.clone());
        Ok(user)
    }
}

/// Pushes the idle expiry forward at most once a minute.
async fn touch(session: &Session) -> Result<(), AppError> {
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let touched: Option<i64> = session
        .get(session::keys::TOUCHED_AT)
        .await
        .map_err(session_error)?;
    if touched.is_none_or(|t| now - t >= TOUCH_INTERVAL_SECONDS) {
        session
            .insert(session::keys::TOUCHED_AT, now)
            .await
            .map_err(session_error)?;
    }
    Ok(())
}

/// A signed-in user; anyone else is sent to sign in and brought back.
#[derive(Clone, Debug)]
pub struct RequireUser(pub Identity);

/// What an anonymous request to a sign-in-only page gets (50-web-ui §1.4):
/// 302 to sign in, or for htmx a 200 with `HX-Redirect`.
#[derive(Debug)]
pub struct SignInRequired {
    next: String,
    htmx: bool,
}

impl IntoResponse for SignInRequired {
    fn into_response(self) -> Response {
        let url = crate::web::routes::sign_in_url(Some(&self.next));
        if self.htmx {
            let mut resp = StatusCode::OK.into_response();
            if let Ok(v) = HeaderValue::from_str(&url) {
                resp.headers_mut().insert("hx-redirect", v);
            }
            resp
        } else {
            found(&url)
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for RequireUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match MaybeUser::from_request_parts(parts, state).await {
            Ok(MaybeUser(Some(identity))) => Ok(RequireUser(identity)),
            Ok(MaybeUser(None)) => Err(SignInRequired {
                // Only a page that loads with GET is worth returning to.
                next: parts
                    .uri
                    .path_and_query()
                    .filter(|_| parts.method == Method::GET)
                    .map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned()),
                htmx: parts.headers.get("hx-request").is_some_and(|v| v == "true"),
            }
            .into_response()),
            Err(e) => Err(e.into_response()),
        }
    }
}
