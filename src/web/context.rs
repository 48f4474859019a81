//! What the base layout needs on every page: language, CSP nonce, asset URLs
//! and footer links. Handlers take a `PageContext` and hand it to their
//! template as `ctx`.

use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;

use super::assets::ASSETS;
use super::error::AppError;
use super::flash::{self, Flash};
use super::layers::CspNonce;
use super::routes;
use crate::auth::session::{self, Access};
use crate::auth::{Identity, MaybeUser, csrf, session_error, session_of};
use crate::config::Config;
use crate::i18n::{Lang, Translator};

/// htmx settings, read by htmx from `<meta name="htmx-config">`: no eval, no
/// inline script execution, no injected styles (CSP), and validation
/// re-renders (400, 409, 422) are swapped instead of treated as failures.
pub const HTMX_CONFIG: &str = r#"{"allowEval":false,"allowScriptTags":false,"includeIndicatorStyles":false,"selfRequestsOnly":true,"responseHandling":[{"code":"204","swap":false},{"code":"[23]..","swap":true},{"code":"(400|409|422)","swap":true,"error":false},{"code":"[45]..","swap":false,"error":true}]}"#;

/// Numbers stay numbers, so Fluent can choose a plural form.
fn fluent_value(value: impl std::fmt::Display) -> fluent_bundle::FluentValue<'static> {
    let text = value.to_string();
    match text.parse::<f64>() {
        Ok(n) => fluent_bundle::FluentValue::from(n),
        Err(_) => fluent_bundle::FluentValue::from(text),
    }
}

/// The layout context of one request.
#[derive(Clone, Debug)]
pub struct PageContext {
    pub t: Translator,
    pub nonce: String,
    /// Path and query of the current page, where the language switcher returns.
    pub here: String,
    pub repo_url: Option<String>,
    pub discussions_url: Option<String>,
    /// The signed-in user, if any.
    pub user: Option<Identity>,
    /// The session's CSRF token, for every form and the htmx meta tag.
    pub csrf_token: String,
    /// One-time messages queued by the previous request.
    pub messages: Vec<Flash>,
    /// The signed-in user's unread notifications.
    pub unread: i64,
    /// Set while maintenance mode is on, message already redacted.
    pub maintenance: Option<crate::ops::maintenance::Banner>,
}

impl PageContext {
    /// A translated string.
    pub fn t(&self, key: &str) -> String {
        self.t.t(key)
    }

    /// A translated string with one argument; a numeric value selects plurals.
    pub fn t1(&self, key: &str, name: &str, value: impl std::fmt::Display) -> String {
        self.t.t_with(key, &[(name, fluent_value(value))])
    }

    /// A translated string with two arguments.
    pub fn t2(
        &self,
        key: &str,
        n1: &str,
        v1: impl std::fmt::Display,
        n2: &str,
        v2: impl std::fmt::Display,
    ) -> String {
        self.t
            .t_with(key, &[(n1, fluent_value(v1)), (n2, fluent_value(v2))])
    }

    pub fn lang(&self) -> Lang {
        self.t.lang
    }

    pub fn languages(&self) -> [Lang; 2] {
        Lang::ALL
    }

    pub fn asset_url(&self, path: &str) -> &'static str {
        ASSETS.url(path)
    }

    pub fn asset_integrity(&self, path: &str) -> &'static str {
        ASSETS.integrity(path)
    }

    pub fn htmx_config(&self) -> &'static str {
        HTMX_CONFIG
    }

    pub fn home_path(&self) -> &'static str {
        routes::HOME
    }

    pub fn set_language_path(&self) -> &'static str {
        routes::SET_LANGUAGE
    }

    pub fn sign_in_path(&self) -> String {
        routes::sign_in_url(Some(&self.here))
    }

    pub fn sign_out_path(&self) -> &'static str {
        routes::SIGN_OUT
    }

    pub fn account_path(&self) -> &'static str {
        routes::ACCOUNT
    }

    pub fn inbox_path(&self) -> &'static str {
        routes::NOTIFICATIONS
    }

    /// The public report form (50-web-ui §3).
    pub fn report_path(&self) -> &'static str {
        routes::REPORT
    }

    /// The name to show for the signed-in user.
    pub fn user_label(&self) -> &str {
        self.user.as_ref().map_or("", |u| {
            if u.display_name.trim().is_empty() {
                u.email.as_str()
            } else {
                u.display_name.trim()
            }
        })
    }

    pub fn version(&self) -> &'static str {
        env!("CARGO_PKG_VERSION")
    }

    /// Whether this reader's writes are paused (the banner's wording and
    /// `data-maintenance-paused`; display only, the gate decides).
    pub fn maintenance_paused(&self) -> bool {
        self.maintenance.is_some() && !self.user.as_ref().is_some_and(|u| u.is_admin)
    }

    pub fn maintenance_path(&self) -> &'static str {
        routes::ADMIN_MAINTENANCE
    }
}

impl<S> FromRequestParts<S> for PageContext
where
    S: Send + Sync,
    Arc<Config>: FromRef<S>,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let config = Arc::<Config>::from_ref(state);
        let MaybeUser(user) = MaybeUser::from_request_parts(parts, state).await?;
        let session = session_of(parts)?;
        let csrf_token = csrf::token(&session).await.map_err(session_error)?;
        let messages = flash::take(&session).await.map_err(session_error)?;
        let unread = if user.is_some() {
            session
                .get::<Access>(session::keys::ACCESS)
                .await
                .map_err(session_error)?
                .map_or(0, |a| a.unread)
        } else {
            0
        };
        let nonce = parts
            .extensions
            .get::<CspNonce>()
            .map(|n| n.0.clone())
            .unwrap_or_default();
        Ok(PageContext {
            t: Translator::new(Lang::negotiate(&parts.headers)),
            nonce,
            here: parts
                .uri
                .path_and_query()
                .map_or_else(|| routes::HOME.to_owned(), |p| p.as_str().to_owned()),
            repo_url: config.repo_url.clone(),
            discussions_url: config.discussions_url.clone(),
            user,
            csrf_token,
            messages,
            unread,
            maintenance: parts
                .extensions
                .get::<crate::ops::maintenance::Banner>()
                .cloned(),
        })
    }
}
