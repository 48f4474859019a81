//! The pages of the web shell: the landing page and the language switcher.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::AppState;
use super::context::PageContext;
use super::error::AppError;
use super::routes;
use crate::i18n::{LANG_COOKIE, Lang};

#[derive(Template, WebTemplate)]
#[template(path = "home.html")]
pub struct HomePage {
    pub ctx: PageContext,
}

/// `GET /`.
#[tracing::instrument(name = "http.home.get", skip_all)]
pub async fn home(ctx: PageContext) -> HomePage {
    HomePage { ctx }
}

/// The language switcher's form.
#[derive(Debug, Deserialize)]
pub struct LanguageForm {
    lang: String,
    #[serde(default)]
    next: String,
}

/// `POST /i18n/lang`: remembers the language in a cookie and returns to the
/// page the form was on (a local path only, never another site).
#[tracing::instrument(name = "http.i18n.lang.post", skip_all)]
pub async fn set_language(
    State(state): State<AppState>,
    Form(form): Form<LanguageForm>,
) -> Result<Response, AppError> {
    let Some(lang) = Lang::from_tag(&form.lang).filter(|l| l.tag() == form.lang) else {
        return Err(AppError::BadRequest(format!(
            "Unknown language {:?}.",
            form.lang.chars().take(16).collect::<String>()
        )));
    };
    let next = if routes::is_local_path(&form.next) {
        form.next.as_str()
    } else {
        routes::HOME
    };
    let secure = if state.config.secure_cookies() {
        "; Secure"
    } else {
        ""
    };
    let cookie = format!(
        "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax{secure}",
        lang.tag()
    );
    let cookie = HeaderValue::from_str(&cookie).map_err(|e| AppError::Internal(Box::new(e)))?;
    let mut resp = Redirect::to(next).into_response();
    *resp.status_mut() = StatusCode::SEE_OTHER;
    resp.headers_mut().insert(header::SET_COOKIE, cookie);
    Ok(resp)
}
