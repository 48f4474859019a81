//! Request layers, outermost first: request id + trace + metrics, security
//! headers with a per-request CSP nonce, error rendering, panic catching,
//! client address, host allowlist, HTTPS redirect. `router::app` stacks them.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Instant;

use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use tracing::Instrument;

use super::AppState;
use super::routes;
use crate::config::Config;

pub const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
const X_FORWARDED_FOR: &str = "x-forwarded-for";
const X_FORWARDED_PROTO: &str = "x-forwarded-proto";

/// The id of the current request, echoed in `X-Request-ID` and every log line.
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

/// The per-request CSP nonce.
#[derive(Clone, Debug)]
pub struct CspNonce(pub String);

/// The client's address, decided by `TRUSTED_PROXY_COUNT`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

/// An inbound id is kept when it is 1–128 characters of `[A-Za-z0-9._:-]`.
fn inbound_request_id(headers: &HeaderMap) -> Option<String> {
    let v = headers.get(X_REQUEST_ID)?.to_str().ok()?;
    let ok = (1..=128).contains(&v.len())
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'));
    ok.then(|| v.to_owned())
}

/// Outermost layer: request id, the request's tracing span, metrics by route
/// template, and a log line for every 4xx/5xx.
pub async fn observe(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let request_id = inbound_request_id(req.headers())
        .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string());
    req.extensions_mut().insert(RequestId(request_id.clone()));
    let method = req.method().as_str().to_owned();
    // Unmatched paths share one label so scanners cannot explode the series.
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or("<unmatched>", MatchedPath::as_str)
        .to_owned();
    let span = tracing::info_span!("http.request", request_id = %request_id, method = %method, route = %route);
    let started = Instant::now();
    // Jobs enqueued while serving this request carry its id.
    let mut resp = crate::jobs::CURRENT_REQUEST_ID
        .scope(request_id.clone(), next.run(req).instrument(span.clone()))
        .await;
    let elapsed = started.elapsed();
    let status = resp.status();
    state
        .metrics
        .observe_http(&method, &route, status.as_u16(), elapsed);
    span.in_scope(|| {
        let ms = elapsed.as_millis();
        if status.is_server_error() {
            tracing::error!(
                status = status.as_u16(),
                duration_ms = ms,
                "{method} {route} answered {status}"
            );
        } else if status.is_client_error() {
            tracing::warn!(
                status = status.as_u16(),
                duration_ms = ms,
                "{method} {route} answered {status}"
            );
        }
    });
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        resp.headers_mut().insert(X_REQUEST_ID, v);
    }
    resp
}

fn new_nonce() -> String {
    base64::engine::general_purpose::STANDARD.encode(uuid::Uuid::new_v4().as_bytes())
}

/// The identity provider's origin: forms that sign out (or need a step-up)
/// end in a redirect there, and browsers apply `form-action` to the whole
/// redirect chain of a form POST.
fn provider_origin(config: &Config) -> Option<String> {
    let issuer = config.oidc.issuer.as_deref()?;
    let (scheme, rest) = issuer.split_once("://")?;
    let authority = rest.split('/').next()?;
    (!authority.is_empty() && !authority.contains(['\'', ';', ' ']))
        .then(|| format!("{scheme}://{authority}"))
}

/// The Content-Security-Policy for one nonce.
pub fn content_security_policy(config: &Config, nonce: &str) -> String {
    let mut csp = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'strict-dynamic' 'report-sample'; \
         style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; \
         form-action 'self'{}; base-uri 'none'; object-src 'none'; frame-ancestors 'none'",
        provider_origin(config)
            .map(|o| format!(" {o}"))
            .unwrap_or_default()
    );
    if let Some(uri) = &config.csp_report_uri {
        csp.push_str("; report-uri ");
        csp.push_str(uri);
    }
    csp
}

const PERMISSIONS_POLICY: &str = "accelerometer=(), autoplay=(), camera=(), display-capture=(), \
     encrypted-media=(), fullscreen=(), geolocation=(), gyroscope=(), magnetometer=(), \
     microphone=(), midi=(), payment=(), usb=()";

/// Security headers on every response, and the nonce the page renders with.
pub async fn security_headers(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let nonce = new_nonce();
    req.extensions_mut().insert(CspNonce(nonce.clone()));
    let mut resp = next.run(req).await;
    let config = &state.config;
    let csp_name = if config.csp_report_only {
        HeaderName::from_static("content-security-policy-report-only")
    } else {
        header::CONTENT_SECURITY_POLICY
    };
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&content_security_policy(config, &nonce)) {
        h.insert(csp_name, v);
    }
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        HeaderName::from_static("permissions-policy"),
        HeaderValue::from_static(PERMISSIONS_POLICY),
    );
    h.insert(
        HeaderName::from_static("cross-origin-opener-policy"),
        HeaderValue::from_static("same-origin"),
    );
    // The same URL answers a fragment or a page depending on htmx's headers
    // (CONVENTIONS 6): no cache may hand one for the other.
    h.append(header::VARY, HeaderValue::from_static("HX-Request"));
    if config.app_env.is_production() {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains; preload"),
        );
    }
    resp
}

/// The client address: the socket peer, or with `trusted` proxies the
/// `trusted`-th `X-Forwarded-For` entry from the right, which the nearest
/// trusted proxy wrote; entries further left are the client's own claims.
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: usize) -> IpAddr {
    if trusted == 0 {
        return peer;
    }
    let entries: Vec<&str> = headers
        .get_all(X_FORWARDED_FOR)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    if entries.len() < trusted {
        return peer;
    }
    let entry = entries[entries.len() - trusted];
    entry
        .parse::<IpAddr>()
        .or_else(|_| entry.parse::<SocketAddr>().map(|s| s.ip()))
        .unwrap_or(peer)
}

/// Records the client address for rate limits, audit rows and intake records.
pub async fn client_addr(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0.ip());
    let ip = client_ip(peer, req.headers(), state.config.trusted_proxy_count);
    req.extensions_mut().insert(ClientAddr(ip));
    next.run(req).await
}

/// The host name of a request (lower case, port removed), if well formed.
pub fn request_host(req: &Request) -> Option<String> {
    let raw = match req.headers().get(header::HOST) {
        Some(v) => v.to_str().ok()?.to_owned(),
        None => req.uri().authority()?.as_str().to_owned(),
    };
    let raw = raw.to_ascii_lowercase();
    let (name, port) = if let Some(rest) = raw.strip_prefix('[') {
        let (ip, after) = rest.split_once(']')?;
        ip.parse::<std::net::Ipv6Addr>().ok()?;
        (format!("[{ip}]"), after.strip_prefix(':'))
    } else {
        match raw.split_once(':') {
            Some((n, p)) => (n.to_owned(), Some(p)),
            None => (raw.clone(), None),
        }
    };
    if let Some(p) = port
        && p.parse::<u16>().is_err()
    {
        return None;
    }
    let valid_name = name.starts_with('[')
        || (!name.is_empty()
            && name.len() <= 253
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.'));
    valid_name.then_some(name)
}

/// Refuses a `Host` that is malformed or not in `ALLOWED_HOSTS` with 400.
pub async fn allowed_hosts(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let allowed = request_host(&req)
        .is_some_and(|host| state.config.allowed_hosts.iter().any(|p| p.matches(&host)));
    if !allowed {
        tracing::warn!(host = ?req.headers().get(header::HOST), "refused a request for a host not in ALLOWED_HOSTS");
        return super::error::AppError::BadRequest("Invalid Host header.".into()).into_response();
    }
    next.run(req).await
}

/// Whether the request reached the edge over HTTPS.
pub fn is_secure(config: &Config, headers: &HeaderMap) -> bool {
    config.use_x_forwarded_proto
        && headers
            .get(X_FORWARDED_PROTO)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"))
}

/// In production, plain-HTTP requests move to HTTPS (301), probes excepted.
pub async fn https_redirect(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let config = &state.config;
    if !config.app_env.is_production()
        || routes::exempt_from_https_redirect(req.uri().path())
        || is_secure(config, req.headers())
    {
        return next.run(req).await;
    }
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let path = req.uri().path_and_query().map_or("/", |p| p.as_str());
    match HeaderValue::from_str(&format!("https://{host}{path}")) {
        Ok(location) => (
            StatusCode::MOVED_PERMANENTLY,
            [(header::LOCATION, location)],
        )
            .into_response(),
        Err(_) => StatusCode::BAD_REQUEST.into_response(),
    }
}

/// Whether an unsafe request comes from this site: `Sec-Fetch-Site` is not
/// cross-site, and `Origin` (when sent) is this host or a trusted origin.
pub fn is_same_origin(config: &Config, req_headers: &HeaderMap) -> bool {
    if req_headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == "cross-site")
    {
        return false;
    }
    let Some(origin) = req_headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
    else {
        return true;
    };
    if config.csrf_trusted_origins.iter().any(|o| o == origin) {
        return true;
    }
    let host = req_headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let origin_host = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"));
    origin_host.is_some_and(|h| !host.is_empty() && h.eq_ignore_ascii_case(host))
}

/// Runs the rest of the request in a task of its own, so a client that hangs
/// up does not cancel it halfway. A cancelled future can stop between
/// sending `BEGIN` and reading its answer, and the connection then goes back
/// to the pool inside a transaction that the next request would join
/// (`tests/cancelled_requests.rs`). Started work finishes; its answer is
/// simply not read.
pub async fn run_to_completion(req: Request, next: Next) -> Response {
    match tokio::spawn(next.run(req)).await {
        Ok(resp) => resp,
        Err(e) => {
            tracing::error!(error = %e, "request task failed");
            axum::http::StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn xff(v: &'static str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(X_FORWARDED_FOR, HeaderValue::from_static(v));
        h
    }

    const PEER: IpAddr = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1));

    #[test]
    fn without_trusted_proxies_the_header_is_ignored() {
        assert_eq!(client_ip(PEER, &xff("1.2.3.4"), 0), PEER);
    }

    #[test]
    fn a_client_cannot_spoof_through_one_proxy() {
        // The client sent "1.2.3.4"; our proxy appended the real address.
        let ip = client_ip(PEER, &xff("1.2.3.4, 203.0.113.9"), 1);
        assert_eq!(ip, "203.0.113.9".parse::<IpAddr>().unwrap());
        let ip = client_ip(PEER, &xff("1.2.3.4, 203.0.113.9 , 198.51.100.2"), 2);
        assert_eq!(ip, "203.0.113.9".parse::<IpAddr>().unwrap());
    }

    #[test]
    fn too_few_entries_or_garbage_fall_back_to_the_peer() {
        assert_eq!(client_ip(PEER, &xff("203.0.113.9"), 2), PEER);
        assert_eq!(client_ip(PEER, &HeaderMap::new(), 1), PEER);
        assert_eq!(client_ip(PEER, &xff("not-an-ip"), 1), PEER);
        assert_eq!(client_ip(PEER, &xff(" , ,"), 1), PEER);
    }

    #[test]
    fn request_ids_are_validated() {
        let mut h = HeaderMap::new();
        h.insert(X_REQUEST_ID, HeaderValue::from_static("abc-123:x.y_z"));
        assert_eq!(inbound_request_id(&h).as_deref(), Some("abc-123:x.y_z"));
        h.insert(X_REQUEST_ID, HeaderValue::from_static("bad id"));
        assert_eq!(inbound_request_id(&h), None);
    }
}
