//! Errors at the web edge.
//!
//! Handlers return `AppError` (or plain status codes); axum's own rejections,
//! the method router's 405, the body limit's 413 and caught panics produce bare
//! error responses too. `render_errors` turns every error response that is not
//! already HTML or JSON into what the caller asked for: JSON under `/api/`, an
//! htmx fragment for a targeted htmx request, otherwise a full page. A 5xx
//! never shows internal details.

use std::any::Any;

use askama::Template;
use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::assets::ASSETS;
use super::layers::RequestId;
use super::routes;
use crate::i18n::{Lang, Translator};

/// A human-readable reason attached to an error response for its renderer.
#[derive(Clone, Debug)]
pub struct ErrorDetail(pub String);

/// An error answer with `status` whose page (or fragment) says `message`.
pub fn with_detail(status: StatusCode, message: String) -> Response {
    let mut resp = status.into_response();
    resp.extensions_mut().insert(ErrorDetail(message));
    resp
}

/// A local page the error page offers to go back to and try again.
#[derive(Clone, Debug)]
pub struct RetryLink(pub String);

/// An error a handler returns.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("forbidden: {0}")]
    Forbidden(String),
    #[error("not found")]
    NotFound,
    /// The action does not apply to the resource as it is now (409).
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("rate limited for {0:?}")]
    RateLimited(std::time::Duration),
    #[error("internal error: {0}")]
    Internal(Box<dyn std::error::Error + Send + Sync>),
}

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        AppError::Internal(Box::new(e))
    }
}

/// A refused service call, as the edge answers it (20-lifecycle §2.5).
impl From<crate::advisories::service::ServiceError> for AppError {
    fn from(e: crate::advisories::service::ServiceError) -> Self {
        use crate::advisories::service::ServiceError;
        match e {
            ServiceError::NotFound => AppError::NotFound,
            ServiceError::Forbidden(m) => AppError::Forbidden(m),
            ServiceError::Invalid(errors) => AppError::BadRequest(errors.to_string()),
            ServiceError::InvalidState(m) => AppError::Conflict(m),
            other => AppError::Internal(Box::new(other)),
        }
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        AppError::Internal(Box::new(e))
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, detail) = match self {
            AppError::BadRequest(m) => (StatusCode::BAD_REQUEST, Some(m)),
            AppError::Forbidden(m) => (StatusCode::FORBIDDEN, Some(m)),
            AppError::NotFound => (StatusCode::NOT_FOUND, None),
            AppError::Conflict(m) => (StatusCode::CONFLICT, Some(m)),
            AppError::RateLimited(retry_after) => {
                let secs = retry_after.as_secs().max(1);
                let mut resp = StatusCode::TOO_MANY_REQUESTS.into_response();
                resp.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(secs));
                resp.extensions_mut().insert(ErrorDetail(format!(
                    "Rate limit exceeded. Try again in {secs} seconds."
                )));
                return resp;
            }
            AppError::Internal(e) => {
                tracing::error!(error = &*e as &dyn std::error::Error, "internal error");
                (StatusCode::INTERNAL_SERVER_ERROR, None)
            }
        };
        let mut resp = status.into_response();
        if let Some(d) = detail {
            resp.extensions_mut().insert(ErrorDetail(d));
        }
        resp
    }
}

/// Turns a panic into a bare 500 (rendered by `render_errors`) and logs it.
#[expect(
    clippy::needless_pass_by_value,
    reason = "CatchPanicLayer hands the payload over by value"
)]
pub fn panic_response(payload: Box<dyn Any + Send + 'static>) -> Response {
    let message = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "non-string panic payload".to_owned());
    tracing::error!(panic = %message, "handler panicked");
    StatusCode::INTERNAL_SERVER_ERROR.into_response()
}

/// What shape an error answer takes for a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shape {
    Json,
    Fragment,
    Page,
}

impl Shape {
    fn of(path: &str, headers: &HeaderMap) -> Shape {
        let is = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v == "true")
        };
        if path.starts_with(routes::API_PREFIX) {
            Shape::Json
        } else if is("hx-request") && !is("hx-boosted") {
            Shape::Fragment
        } else {
            Shape::Page
        }
    }
}

/// The short machine code of a status, for JSON errors.
fn error_code(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "bad_request",
        401 => "not_authenticated",
        403 => "forbidden",
        404 => "not_found",
        405 => "method_not_allowed",
        408 => "request_timeout",
        413 => "payload_too_large",
        415 => "unsupported_media_type",
        422 => "unprocessable",
        429 => "rate_limited",
        503 => "unavailable",
        500..=599 => "internal_error",
        _ => "error",
    }
}

fn message_keys(status: StatusCode) -> (&'static str, &'static str) {
    match status.as_u16() {
        400 => ("error-400-title", "error-400-body"),
        403 => ("error-403-title", "error-403-body"),
        404 => ("error-404-title", "error-404-body"),
        405 => ("error-405-title", "error-405-body"),
        408 => ("error-408-title", "error-408-body"),
        413 | 431 => ("error-413-title", "error-413-body"),
        415 => ("error-415-title", "error-415-body"),
        422 => ("error-422-title", "error-422-body"),
        429 => ("error-429-title", "error-429-body"),
        503 => ("error-503-title", "error-503-body"),
        500..=599 => ("error-500-title", "error-500-body"),
        _ => ("error-other-title", "error-other-body"),
    }
}

/// A full error page. Its shell uses no session, user or nonce: it must render
/// whatever went wrong.
#[derive(Template)]
#[template(path = "errors/page.html")]
struct ErrorPage<'a> {
    t: Translator,
    status: u16,
    title: String,
    body: String,
    detail: Option<&'a str>,
    retry: Option<&'a str>,
    request_id: Option<&'a str>,
    css_url: &'a str,
    css_integrity: &'a str,
}

/// The same error as an htmx fragment.
#[derive(Template)]
#[template(path = "errors/fragment.html")]
struct ErrorFragment<'a> {
    title: String,
    body: String,
    detail: Option<&'a str>,
}

/// Renders bare error responses; leaves HTML and JSON responses alone.
pub async fn render_errors(req: Request, next: Next) -> Response {
    let shape = Shape::of(req.uri().path(), req.headers());
    let lang = Lang::negotiate(req.headers());
    let request_id = req.extensions().get::<RequestId>().cloned();
    let resp = next.run(req).await;
    let status = resp.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return resp;
    }
    let already_rendered = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("text/html") || ct.starts_with("application/json"));
    if already_rendered {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    let detail = match parts.extensions.remove::<ErrorDetail>() {
        Some(d) => Some(d.0),
        // axum's rejections explain themselves in a short text body.
        None if status.is_client_error() => to_bytes(body, 2048)
            .await
            .ok()
            .map(|b| String::from_utf8_lossy(&b).trim().to_owned())
            .filter(|s| !s.is_empty()),
        None => None,
    };
    let detail = detail.filter(|_| status.is_client_error());
    let retry = parts.extensions.remove::<RetryLink>().map(|r| r.0);
    let t = Translator::new(lang);
    let (title_key, body_key) = message_keys(status);
    let rendered: Result<(HeaderValue, String), askama::Error> = match shape {
        Shape::Json => {
            let message = detail
                .clone()
                .unwrap_or_else(|| Translator::new(Lang::En).t(body_key));
            Ok((
                HeaderValue::from_static("application/json"),
                json!({"error": error_code(status), "message": message}).to_string(),
            ))
        }
        Shape::Fragment => ErrorFragment {
            title: t.t(title_key),
            body: t.t(body_key),
            detail: detail.as_deref(),
        }
        .render()
        .map(|html| (HeaderValue::from_static("text/html; charset=utf-8"), html)),
        Shape::Page => {
            let css = ASSETS.get("app/app.css");
            ErrorPage {
                t,
                status: status.as_u16(),
                title: t.t(title_key),
                body: t.t(body_key),
                detail: detail.as_deref(),
                retry: retry.as_deref(),
                request_id: request_id.as_ref().map(|r| r.0.as_str()),
                css_url: css.map_or("", |a| a.url.as_str()),
                css_integrity: css.map_or("", |a| a.integrity.as_str()),
            }
            .render()
            .map(|html| (HeaderValue::from_static("text/html; charset=utf-8"), html))
        }
    };
    let (content_type, text) = match rendered {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(error = %e, "error page failed to render");
            (
                HeaderValue::from_static("text/plain; charset=utf-8"),
                status.canonical_reason().unwrap_or("Error").to_owned(),
            )
        }
    };
    parts.headers.insert(header::CONTENT_TYPE, content_type);
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(text))
}
