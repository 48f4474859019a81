//! CSRF protection for every unsafe method (CONVENTIONS 7): a synchronizer
//! token in the session, sent back in the `csrf_token` form field or, for
//! htmx, in the `X-CSRF-Token` header read from `<meta name="csrf-token">`;
//! compared in constant time. `Origin` and `Sec-Fetch-Site` are checked too.

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use subtle::ConstantTimeEq;
use tower_sessions::Session;

use super::session::keys;
use crate::web::AppState;
use crate::web::error::{ErrorDetail, RetryLink};
use crate::web::layers::is_same_origin;
use crate::web::routes;

/// The form field that carries the token.
pub const FIELD: &str = "csrf_token";
/// Headers that carry the token for requests without a form body. The second
/// is the spelling of `50-web-ui.md`.
pub const HEADERS: [&str; 2] = ["x-csrf-token", "x-csrftoken"];

/// Paths that authenticate their callers otherwise (HMAC-signed webhooks) or
/// change nothing (probes, metrics, static files).
fn exempt(path: &str) -> bool {
    path.starts_with("/ghsa/webhook/")
        || path.starts_with("/static/")
        || matches!(path, routes::HEALTHZ | routes::READYZ | routes::METRICS)
}

fn new_token() -> String {
    let mut bytes = [0u8; 32];
    bytes[..16].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
    bytes[16..].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The session's token, created on first use.
pub async fn token(session: &Session) -> Result<String, tower_sessions::session::Error> {
    if let Some(t) = session.get::<String>(keys::CSRF).await? {
        return Ok(t);
    }
    let t = new_token();
    session.insert(keys::CSRF, &t).await?;
    Ok(t)
}

/// A fresh token at sign-in, so a token seen before it is worthless after.
pub async fn rotate(session: &Session) -> Result<(), tower_sessions::session::Error> {
    session.insert(keys::CSRF, new_token()).await
}

/// Why a request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refusal {
    CrossSite,
    MissingToken,
    WrongToken,
    /// The body could not be read within the size limit.
    TooLarge,
}

impl Refusal {
    fn as_str(self) -> &'static str {
        match self {
            Refusal::CrossSite => "cross-site",
            Refusal::MissingToken => "missing-token",
            Refusal::WrongToken => "wrong-token",
            Refusal::TooLarge => "body-too-large",
        }
    }
}

/// The middleware: lets safe methods through, checks the rest.
pub async fn protect(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS)
        || exempt(req.uri().path())
    {
        return next.run(req).await;
    }
    match check(&state, req).await {
        Ok(req) => next.run(req).await,
        Err((Refusal::TooLarge, _)) => StatusCode::PAYLOAD_TOO_LARGE.into_response(),
        Err((refusal, retry)) => {
            tracing::warn!(
                reason = refusal.as_str(),
                "refused a request that failed the CSRF check"
            );
            refused(retry)
        }
    }
}

/// The 403 page: says what happened and links back to a page that gives a
/// fresh token.
fn refused(retry: Option<String>) -> Response {
    let mut resp = StatusCode::FORBIDDEN.into_response();
    resp.extensions_mut().insert(ErrorDetail(
        "This request could not be verified. The form may have been open for a long time, \
         or you signed in or out in another tab. Reload the page and try again."
            .into(),
    ));
    resp.extensions_mut()
        .insert(RetryLink(retry.unwrap_or_else(|| "/".to_owned())));
    resp
}

/// The page the user came from, when it is one of ours.
fn referring_path(headers: &HeaderMap) -> Option<String> {
    let referer = headers.get(header::REFERER)?.to_str().ok()?;
    let host = headers.get(header::HOST)?.to_str().ok()?;
    let rest = referer
        .strip_prefix("https://")
        .or_else(|| referer.strip_prefix("http://"))?;
    let (ref_host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    (ref_host.eq_ignore_ascii_case(host) && routes::is_local_path(path)).then(|| path.to_owned())
}

async fn check(state: &AppState, req: Request) -> Result<Request, (Refusal, Option<String>)> {
    let retry = referring_path(req.headers());
    if !is_same_origin(&state.config, req.headers()) {
        return Err((Refusal::CrossSite, retry));
    }
    let Some(session) = req.extensions().get::<Session>().cloned() else {
        return Err((Refusal::MissingToken, retry));
    };
    let expected = match session.get::<String>(keys::CSRF).await {
        Ok(Some(t)) => t,
        Ok(None) => return Err((Refusal::MissingToken, retry)),
        Err(e) => {
            tracing::error!(error = %e, "could not load the session for the CSRF check");
            return Err((Refusal::MissingToken, retry));
        }
    };
    let header_token = HEADERS
        .iter()
        .find_map(|h| req.headers().get(*h))
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let (req, sent) = match header_token {
        Some(t) => (req, Some(t)),
        None => form_token(req, state.config.max_request_body_bytes)
            .await
            .map_err(|()| (Refusal::TooLarge, retry.clone()))?,
    };
    let Some(sent) = sent else {
        return Err((Refusal::MissingToken, retry));
    };
    if bool::from(sent.as_bytes().ct_eq(expected.as_bytes())) {
        Ok(req)
    } else {
        Err((Refusal::WrongToken, retry))
    }
}

/// Reads the token from an urlencoded body and puts the body back; `Err`
/// when the body is over the size limit.
async fn form_token(req: Request, limit: usize) -> Result<(Request, Option<String>), ()> {
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Ok((req, None));
    }
    let (parts, body) = req.into_parts();
    let bytes = to_bytes(body, limit).await.map_err(|_| ())?;
    let token = url_form_value(&bytes, FIELD);
    Ok((Request::from_parts(parts, Body::from(bytes)), token))
}

fn url_form_value(body: &[u8], name: &str) -> Option<String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_is_found_among_other_fields() {
        assert_eq!(
            url_form_value(b"a=1&csrf_token=abc%2Bd&b=2", FIELD).as_deref(),
            Some("abc+d")
        );
        assert_eq!(url_form_value(b"a=1", FIELD), None);
        assert_eq!(url_form_value(b"\xff\xfe", FIELD), None);
    }

    #[test]
    fn tokens_are_long_and_fresh() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
    }
}
