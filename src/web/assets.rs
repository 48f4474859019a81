//! Static assets and data files: vendored files embedded in the binary (the
//! JSON schemas and the CWE catalogue included, which the code reads), served under
//! `/static/` with a content hash in the file name, a one-year immutable cache
//! and Subresource Integrity values for the layout.
//!
//! A stylesheet may name another asset by its logical URL
//! (`/static/<vendor path>`); that reference is rewritten to the hashed URL
//! before the stylesheet itself is hashed, so a font change busts the CSS too.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use sha2::{Digest, Sha256};

/// URL prefix of every asset.
pub const PREFIX: &str = "/static/";

/// The served files: path under `vendor/` and contents. Assets referenced by
/// stylesheets must come before the stylesheets.
const FILES: &[(&str, &[u8])] = &[
    (
        "htmx.org@2.0.4/htmx.min.js",
        include_bytes!("../../vendor/htmx.org@2.0.4/htmx.min.js"),
    ),
    (
        "@fontsource-variable/inter@5.2.8/inter-latin-wght-normal.woff2",
        include_bytes!(
            "../../vendor/@fontsource-variable/inter@5.2.8/inter-latin-wght-normal.woff2"
        ),
    ),
    (
        "@fontsource-variable/inter@5.2.8/inter-latin-wght-italic.woff2",
        include_bytes!(
            "../../vendor/@fontsource-variable/inter@5.2.8/inter-latin-wght-italic.woff2"
        ),
    ),
    (
        "@fontsource-variable/inter@5.2.8/inter-latin-ext-wght-normal.woff2",
        include_bytes!(
            "../../vendor/@fontsource-variable/inter@5.2.8/inter-latin-ext-wght-normal.woff2"
        ),
    ),
    (
        "@fontsource-variable/inter@5.2.8/inter-latin-ext-wght-italic.woff2",
        include_bytes!(
            "../../vendor/@fontsource-variable/inter@5.2.8/inter-latin-ext-wght-italic.woff2"
        ),
    ),
    (
        "schemas/osv.json",
        include_bytes!("../../vendor/schemas/osv.json"),
    ),
    (
        "schemas/csaf.json",
        include_bytes!("../../vendor/schemas/csaf.json"),
    ),
    (
        "schemas/cve.json",
        include_bytes!("../../vendor/schemas/cve.json"),
    ),
    (
        "schemas/cvss/cvss-v2.0.json",
        include_bytes!("../../vendor/schemas/cvss/cvss-v2.0.json"),
    ),
    (
        "schemas/cvss/cvss-v3.0.json",
        include_bytes!("../../vendor/schemas/cvss/cvss-v3.0.json"),
    ),
    (
        "schemas/cvss/cvss-v3.1.json",
        include_bytes!("../../vendor/schemas/cvss/cvss-v3.1.json"),
    ),
    (
        "schemas/cvss/cvss-v4.0.json",
        include_bytes!("../../vendor/schemas/cvss/cvss-v4.0.json"),
    ),
    (
        "cwe/cwes.json",
        include_bytes!("../../vendor/cwe/cwes.json"),
    ),
    // intake assets (50 §15.4)
    (
        "altcha@3.1.0/altcha.min.js",
        include_bytes!("../../vendor/altcha@3.1.0/altcha.min.js"),
    ),
    (
        "altcha@3.1.0/altcha.css",
        include_bytes!("../../vendor/altcha@3.1.0/altcha.css"),
    ),
    (
        "altcha@3.1.0/workers/sha.js",
        include_bytes!("../../vendor/altcha@3.1.0/workers/sha.js"),
    ),
    (
        "app/intake.js",
        include_bytes!("../../vendor/app/intake.js"),
    ),
    ("app/app.js", include_bytes!("../../vendor/app/app.js")),
    ("app/app.css", include_bytes!("../../vendor/app/app.css")),
    (
        "app/favicon.svg",
        include_bytes!("../../vendor/app/favicon.svg"),
    ),
];

/// One servable asset.
#[derive(Debug)]
pub struct Asset {
    /// The content-hashed URL, e.g. `/static/app/app.3f2a1b2c9d.css`.
    pub url: String,
    /// The SRI value, `sha256-<base64>`.
    pub integrity: String,
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

/// Every asset, by vendor path and by hashed URL.
#[derive(Debug)]
pub struct Assets {
    by_path: HashMap<&'static str, Asset>,
    by_url: HashMap<String, &'static str>,
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next() {
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("woff2") => "font/woff2",
        Some("json") => "application/json",
        Some("svg") => "image/svg+xml",
        _ => "application/octet-stream",
    }
}

fn hashed_url(path: &str, digest: &[u8]) -> String {
    let hash: String = digest[..5].iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    });
    match path.rsplit_once('.') {
        Some((stem, ext)) if !stem.ends_with('/') => format!("{PREFIX}{stem}.{hash}.{ext}"),
        _ => format!("{PREFIX}{path}.{hash}"),
    }
}

impl Assets {
    fn build() -> Assets {
        let mut by_path: HashMap<&'static str, Asset> = HashMap::new();
        for (path, raw) in FILES {
            let mut bytes = raw.to_vec();
            if content_type(path).starts_with("text/css") {
                let mut text = String::from_utf8_lossy(&bytes).into_owned();
                for (dep, asset) in &by_path {
                    text = text.replace(&format!("{PREFIX}{dep}"), &asset.url);
                }
                bytes = text.into_bytes();
            }
            let digest = Sha256::digest(&bytes);
            let asset = Asset {
                url: hashed_url(path, &digest),
                integrity: format!(
                    "sha256-{}",
                    base64::engine::general_purpose::STANDARD.encode(digest)
                ),
                content_type: content_type(path),
                bytes,
            };
            by_path.insert(path, asset);
        }
        let by_url = by_path.iter().map(|(p, a)| (a.url.clone(), *p)).collect();
        Assets { by_path, by_url }
    }

    /// The asset at a vendor path. Unknown paths are a programming error
    /// caught by the layout tests; they render as an empty URL, never a panic.
    pub fn get(&self, path: &str) -> Option<&Asset> {
        self.by_path.get(path)
    }

    /// The hashed URL of a vendor path.
    pub fn url(&self, path: &str) -> &str {
        self.get(path).map_or("", |a| a.url.as_str())
    }

    /// The SRI value of a vendor path.
    pub fn integrity(&self, path: &str) -> &str {
        self.get(path).map_or("", |a| a.integrity.as_str())
    }

    pub fn by_url(&self, url: &str) -> Option<&Asset> {
        self.by_url.get(url).and_then(|p| self.by_path.get(p))
    }

    pub fn iter(&self) -> impl Iterator<Item = (&&'static str, &Asset)> {
        self.by_path.iter()
    }
}

/// The assets of this binary, hashed once at first use.
pub static ASSETS: LazyLock<Assets> = LazyLock::new(Assets::build);

/// `GET /static/{*path}`: only hashed URLs exist, so caching forever is safe.
pub async fn serve(Path(path): Path<String>) -> Response {
    let Some(asset) = ASSETS.by_url(&format!("{PREFIX}{path}")) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(asset.content_type),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=31536000, immutable"),
            ),
        ],
        asset.bytes.clone(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_carry_a_content_hash() {
        let url = ASSETS.url("htmx.org@2.0.4/htmx.min.js");
        assert!(url.starts_with("/static/htmx.org@2.0.4/htmx.min."), "{url}");
        assert!(url.rsplit('.').next() == Some("js"));
        assert!(ASSETS.integrity("app/app.css").starts_with("sha256-"));
    }

    #[test]
    fn stylesheet_references_point_at_hashed_fonts() {
        let css = String::from_utf8(ASSETS.get("app/app.css").unwrap().bytes.clone()).unwrap();
        let font = ASSETS.url("@fontsource-variable/inter@5.2.8/inter-latin-wght-normal.woff2");
        assert!(css.contains(font), "css does not reference {font}");
        assert!(!css.contains("inter-latin-wght-normal.woff2\""));
    }
}
