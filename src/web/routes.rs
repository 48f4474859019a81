//! Typed route values: the one place where paths are spelled, used by the
//! router and by templates alike.

pub const HOME: &str = "/";
pub const HEALTHZ: &str = "/healthz";
pub const READYZ: &str = "/readyz";
pub const METRICS: &str = "/metrics";
pub const SET_LANGUAGE: &str = "/i18n/lang";
pub const STATIC: &str = "/static/{*path}";
/// Prefix of the JSON API, whose errors are JSON.
pub const API_PREFIX: &str = "/api/";

/// Paths that never redirect to HTTPS (probes come in over plain HTTP).
pub fn exempt_from_https_redirect(path: &str) -> bool {
    matches!(path, HEALTHZ | READYZ | METRICS)
}

/// Whether `next` is a path on this site, safe to redirect to.
pub fn is_local_path(next: &str) -> bool {
    next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && !next.chars().any(char::is_control)
}
