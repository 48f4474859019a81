//! What the base layout needs on every page: language, CSP nonce, asset URLs
//! and footer links. Handlers take a `PageContext` and hand it to their
//! template as `ctx`.

use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;

use super::assets::ASSETS;
use super::layers::CspNonce;
use super::routes;
use crate::config::Config;
use crate::i18n::{Lang, Translator};

/// htmx settings, read by htmx from `<meta name="htmx-config">`: no eval, no
/// inline script execution, no injected styles (CSP), and validation
/// re-renders (400, 409, 422) are swapped instead of treated as failures.
pub const HTMX_CONFIG: &str = r#"{"allowEval":false,"allowScriptTags":false,"includeIndicatorStyles":false,"selfRequestsOnly":true,"responseHandling":[{"code":"204","swap":false},{"code":"[23]..","swap":true},{"code":"(400|409|422)","swap":true,"error":false},{"code":"[45]..","swap":false,"error":true}]}"#;

/// The layout context of one request.
#[derive(Clone, Debug)]
pub struct PageContext {
    pub t: Translator,
    pub nonce: String,
    /// Path and query of the current page, where the language switcher returns.
    pub here: String,
    pub repo_url: Option<String>,
    pub discussions_url: Option<String>,
}

impl PageContext {
    /// A translated string.
    pub fn t(&self, key: &str) -> String {
        self.t.t(key)
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

    pub fn version(&self) -> &'static str {
        env!("CARGO_PKG_VERSION")
    }
}

impl<S> FromRequestParts<S> for PageContext
where
    S: Send + Sync,
    Arc<Config>: FromRef<S>,
{
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let config = Arc::<Config>::from_ref(state);
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
        })
    }
}
