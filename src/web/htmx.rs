//! Whether a request wants a fragment: an htmx request aimed at part of the
//! page. A boosted request (a plain link or form that htmx took over) wants
//! the whole page, exactly as it would without JavaScript.

use std::convert::Infallible;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

/// `true` for a targeted htmx request.
#[derive(Clone, Copy, Debug)]
pub struct Fragment(pub bool);

impl<S: Send + Sync> FromRequestParts<S> for Fragment {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        let header = |name: &str| parts.headers.get(name).is_some_and(|v| v == "true");
        Ok(Fragment(header("hx-request") && !header("hx-boosted")))
    }
}

/// The answer to an htmx request whose action succeeded and changed more
/// than its own fragment: 204 asking htmx to reload the page, which then
/// shows the flash.
pub fn refresh() -> axum::response::Response {
    use axum::response::IntoResponse;
    let mut resp = axum::http::StatusCode::NO_CONTENT.into_response();
    resp.headers_mut()
        .insert("hx-refresh", axum::http::HeaderValue::from_static("true"));
    resp
}
