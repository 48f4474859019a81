//! The web shell through the real router on a real database: probes, metrics,
//! headers, hosts, assets, error pages and the language switcher.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failing test should panic"
)]

mod common;

use axum::Router;
use axum::body::Body;
use axum::http::Request;
use axum::routing::get as route_get;
use base64::Engine;
use common::{Csrf, TestDb, app, config, get, send};
use sha2::{Digest, Sha256};

async fn test_app(overrides: &[(&str, &str)]) -> (TestDb, Router) {
    let db = TestDb::new().await;
    let app = app(config(overrides), db.pool.clone());
    (db, app)
}

fn empty_post(path: &str) -> Request<Body> {
    Request::post(path)
        .header("host", "localhost")
        .body(Body::empty())
        .unwrap()
}

fn with_header(mut req: Request<Body>, name: &'static str, value: &str) -> Request<Body> {
    req.headers_mut().insert(name, value.parse().unwrap());
    req
}

#[tokio::test]
async fn healthz_answers_ok_and_refuses_other_methods() {
    let (_db, app) = test_app(&[]).await;
    let a = send(&app, get("/healthz")).await;
    assert_eq!(a.status, 200);
    assert_eq!(a.json(), serde_json::json!({"status": "ok"}));
    let a = send(&app, empty_post("/healthz")).await;
    assert_eq!(a.status, 405);
    assert_eq!(a.header("allow"), "GET,HEAD");
}

#[tokio::test]
async fn readyz_is_ok_on_a_migrated_database() {
    let (_db, app) = test_app(&[]).await;
    let a = send(&app, get("/readyz")).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.json(), serde_json::json!({"status": "ok"}));
}

#[tokio::test]
async fn readyz_names_the_schema_behind_the_binary() {
    let db = TestDb::empty().await;
    let app = app(config(&[]), db.pool.clone());
    let a = send(&app, get("/readyz")).await;
    assert_eq!(a.status, 503);
    let body = a.json();
    assert_eq!(body["status"], "fail");
    assert_eq!(body["failures"]["migrations"], "SchemaBehind");
    assert_eq!(body["failures"]["cache"], "CacheError");
    assert!(body["failures"].get("db").is_none());
}

#[tokio::test]
async fn readyz_names_an_unreachable_database_and_healthz_stays_up() {
    // A port nothing listens on: the pool cannot connect.
    let cfg = config(&[("DATABASE_URL", "postgres://nobody@127.0.0.1:9/nothing")]);
    let pool = advisoryhub::db::pool(&cfg).unwrap();
    let app = app(cfg, pool);
    let a = send(&app, get("/readyz")).await;
    assert_eq!(a.status, 503);
    let failures = &a.json()["failures"];
    assert_eq!(failures["db"], "DatabaseError");
    assert!(failures.get("migrations").is_some());
    assert!(failures.get("cache").is_some());
    assert_eq!(send(&app, get("/healthz")).await.status, 200);
}

/// Connections in steady use skip the ping on checkout; one that sat idle is
/// pinged, so a connection the server dropped meanwhile (a restart, a
/// failover) is replaced instead of failing the next request.
#[tokio::test]
async fn an_idle_connection_the_server_dropped_is_replaced_on_checkout() {
    let db = TestDb::new().await;
    let cfg = config(&[("DATABASE_URL", &db.url), ("DATABASE_MAX_CONNECTIONS", "1")]);
    let pool = advisoryhub::db::pool(&cfg).unwrap();
    let pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(&pool)
        .await
        .unwrap();
    let killed: bool = sqlx::query_scalar("SELECT pg_terminate_backend($1)")
        .bind(pid)
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert!(killed);
    tokio::time::sleep(std::time::Duration::from_secs(6)).await;
    let next: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(&pool)
        .await
        .expect("the dropped connection is replaced");
    assert_ne!(next, pid);
}

#[tokio::test]
async fn metrics_count_requests_by_route_template() {
    let (_db, app) = test_app(&[]).await;
    send(&app, get("/")).await;
    send(&app, get("/no/such/page/123")).await;
    let css = advisoryhub::web::assets::ASSETS
        .url("app/app.css")
        .to_owned();
    send(&app, get(&css)).await;
    let a = send(&app, get("/metrics")).await;
    assert_eq!(a.status, 200);
    assert!(a.header("content-type").starts_with("text/plain"));
    let text = a.body;
    assert!(
        text.contains(r#"advisoryhub_http_requests_total{method="GET",route="/",status="200"} 1"#),
        "{text}"
    );
    assert!(text.contains(
        r#"advisoryhub_http_requests_total{method="GET",route="<unmatched>",status="404"} 1"#
    ));
    assert!(text.contains(r#"route="/static/{*path}",status="200"} 1"#));
    assert!(!text.contains("/no/such/page"));
    assert!(text.contains(
        r#"advisoryhub_http_request_duration_seconds_bucket{method="GET",route="/",le="0.01"}"#
    ));
    assert!(text.contains("advisoryhub_build_info"));
}

#[tokio::test]
async fn metrics_leave_the_web_port_when_metrics_port_is_set() {
    let (_db, app) = test_app(&[("METRICS_PORT", "9808")]).await;
    assert_eq!(send(&app, get("/metrics")).await.status, 404);
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let (_db, app) = test_app(&[]).await;
    for path in ["/", "/healthz", "/does-not-exist"] {
        let a = send(&app, get(path)).await;
        let csp = a.header("content-security-policy");
        assert!(csp.contains("script-src 'self' 'nonce-"), "{path}: {csp}");
        for part in [
            "'strict-dynamic'",
            "style-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
            "default-src 'self'",
        ] {
            assert!(csp.contains(part), "{path}: {part} missing from {csp}");
        }
        assert_eq!(a.header("x-frame-options"), "DENY");
        assert_eq!(a.header("x-content-type-options"), "nosniff");
        assert_eq!(a.header("referrer-policy"), "same-origin");
        assert!(a.header("permissions-policy").contains("camera=()"));
        assert_eq!(a.header("x-request-id").len(), 32);
        assert!(a.headers.get("strict-transport-security").is_none());
    }
}

#[tokio::test]
async fn the_nonce_is_fresh_per_request_and_used_by_the_page_scripts() {
    let (_db, app) = test_app(&[]).await;
    let first = send(&app, get("/")).await;
    let second = send(&app, get("/")).await;
    let nonce_of = |csp: &str| {
        let start = csp.find("'nonce-").unwrap() + 7;
        csp[start..start + csp[start..].find('\'').unwrap()].to_owned()
    };
    let n1 = nonce_of(first.header("content-security-policy"));
    let n2 = nonce_of(second.header("content-security-policy"));
    assert_ne!(n1, n2);
    assert!(n1.len() >= 22);
    assert_eq!(first.body.matches(&format!("nonce=\"{n1}\"")).count(), 2);
    assert!(!first.body.contains("style="), "no inline styles");
    assert!(!first.body.contains("hx-on"), "no hx-on");
}

#[tokio::test]
async fn request_ids_are_echoed_when_valid_and_replaced_when_not() {
    let (_db, app) = test_app(&[]).await;
    let a = send(
        &app,
        with_header(get("/healthz"), "x-request-id", "edge-42:abc.DEF_1"),
    )
    .await;
    assert_eq!(a.header("x-request-id"), "edge-42:abc.DEF_1");
    let a = send(
        &app,
        with_header(get("/healthz"), "x-request-id", "<script>"),
    )
    .await;
    let rid = a.header("x-request-id");
    assert_eq!(rid.len(), 32);
    assert!(rid.chars().all(|c| c.is_ascii_hexdigit()));
}

#[tokio::test]
async fn production_adds_hsts_and_redirects_plain_http_except_probes() {
    let db = TestDb::new().await;
    let prod = config(&[
        ("APP_ENV", "production"),
        ("SECRET_KEY", "a-production-secret-of-sufficient-length-123"),
        ("ALLOWED_HOSTS", "advisories.example.org"),
        ("USE_X_FORWARDED_PROTO", "true"),
        ("OIDC_OP_ISSUER", "https://id.example.org"),
        ("OIDC_RP_CLIENT_ID", "advisoryhub"),
    ]);
    let app = app(prod, db.pool.clone());
    let plain = |path: &str| {
        Request::get(path)
            .header("host", "advisories.example.org")
            .body(Body::empty())
            .unwrap()
    };
    let a = send(&app, plain("/some/page?x=1")).await;
    assert_eq!(a.status, 301);
    assert_eq!(
        a.header("location"),
        "https://advisories.example.org/some/page?x=1"
    );
    assert!(
        a.header("strict-transport-security")
            .contains("max-age=31536000")
    );
    assert_eq!(send(&app, plain("/healthz")).await.status, 200);
    assert_eq!(send(&app, plain("/readyz")).await.status, 200);
    let a = send(&app, with_header(plain("/"), "x-forwarded-proto", "https")).await;
    assert_eq!(a.status, 200);
    assert!(
        a.header("strict-transport-security")
            .contains("includeSubDomains")
    );
}

#[tokio::test]
async fn production_session_cookies_are_secure_host_only_and_http_only() {
    let db = TestDb::new().await;
    let prod = config(&[
        ("APP_ENV", "production"),
        ("SECRET_KEY", "a-production-secret-of-sufficient-length-123"),
        ("ALLOWED_HOSTS", "advisories.example.org"),
        ("USE_X_FORWARDED_PROTO", "true"),
        ("OIDC_OP_ISSUER", "https://id.example.org"),
        ("OIDC_RP_CLIENT_ID", "advisoryhub"),
    ]);
    let app = app(prod, db.pool.clone());
    let req = Request::get("/")
        .header("host", "advisories.example.org")
        .header("x-forwarded-proto", "https")
        .body(Body::empty())
        .unwrap();
    let page = send(&app, req).await;
    let cookie = page.header("set-cookie");
    assert!(cookie.starts_with("__Host-sessionid="), "{cookie}");
    for attribute in ["Secure", "HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(
            cookie.contains(attribute),
            "{attribute} missing from {cookie}"
        );
    }
    assert!(!cookie.contains("Domain"), "{cookie}");
    // The CSP lets a sign-out form end at the provider.
    assert!(
        page.header("content-security-policy")
            .contains("form-action 'self' https://id.example.org;")
    );
}

#[tokio::test]
async fn hosts_outside_allowed_hosts_are_refused_with_400() {
    let (_db, app) = test_app(&[("ALLOWED_HOSTS", "advisories.example.org,.corp.example")]).await;
    let host = |h: &str| {
        Request::get("/")
            .header("host", h)
            .body(Body::empty())
            .unwrap()
    };
    assert_eq!(send(&app, host("advisories.example.org")).await.status, 200);
    assert_eq!(
        send(&app, host("ADVISORIES.example.org:8443")).await.status,
        200
    );
    assert_eq!(send(&app, host("a.corp.example")).await.status, 200);
    for bad in [
        "evil.example",
        "advisories.example.org.evil",
        "x:notaport",
        "a b",
        "[::1",
    ] {
        let a = send(&app, host(bad)).await;
        assert_eq!(a.status, 400, "{bad}");
        assert!(a.body.contains("Invalid Host header."), "{bad}: {}", a.body);
    }
    let no_host = Request::get("/").body(Body::empty()).unwrap();
    assert_eq!(send(&app, no_host).await.status, 400);
}

#[tokio::test]
async fn assets_are_hashed_immutable_and_match_their_integrity() {
    let (_db, app) = test_app(&[]).await;
    let page = send(&app, get("/")).await.body;
    let mut checked = 0;
    for tag in page
        .split('<')
        .filter(|t| t.starts_with("script") || t.starts_with("link rel=\"stylesheet\""))
    {
        let attr = |name: &str| {
            let start = tag.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
            tag[start..start + tag[start..].find('"').unwrap()].to_owned()
        };
        let url = if tag.starts_with("script") {
            attr("src")
        } else {
            attr("href")
        };
        let integrity = attr("integrity");
        let a = send(&app, get(&url)).await;
        assert_eq!(a.status, 200, "{url}");
        assert_eq!(
            a.header("cache-control"),
            "public, max-age=31536000, immutable"
        );
        let digest = Sha256::digest(a.body.as_bytes());
        let expected = format!(
            "sha256-{}",
            base64::engine::general_purpose::STANDARD.encode(digest)
        );
        assert_eq!(integrity, expected, "{url}");
        checked += 1;
    }
    assert_eq!(checked, 3, "stylesheet, htmx and app.js");
    assert_eq!(send(&app, get("/static/app/app.css")).await.status, 404);
    assert_eq!(
        send(&app, get("/static/htmx.org@2.0.4/htmx.min.js"))
            .await
            .status,
        404
    );
    let font = advisoryhub::web::assets::ASSETS
        .url("@fontsource-variable/inter@5.2.8/inter-latin-wght-normal.woff2")
        .to_owned();
    let a = send(&app, get(&font)).await;
    assert_eq!(a.header("content-type"), "font/woff2");
}

#[tokio::test]
async fn errors_are_pages_fragments_or_json_as_the_caller_needs() {
    let (_db, app) = test_app(&[]).await;
    let page = send(&app, get("/nowhere")).await;
    assert_eq!(page.status, 404);
    assert!(page.header("content-type").starts_with("text/html"));
    assert!(page.body.starts_with("<!doctype html>"));
    assert!(page.body.contains("Page not found"));

    let frag = send(&app, with_header(get("/nowhere"), "hx-request", "true")).await;
    assert_eq!(frag.status, 404);
    assert!(
        frag.body
            .trim_start()
            .starts_with("<div class=\"error-fragment\"")
    );

    let boosted = with_header(
        with_header(get("/nowhere"), "hx-request", "true"),
        "hx-boosted",
        "true",
    );
    assert!(
        send(&app, boosted)
            .await
            .body
            .starts_with("<!doctype html>")
    );

    let api = send(&app, get("/api/nowhere/")).await;
    assert_eq!(api.status, 404);
    assert_eq!(
        api.json(),
        serde_json::json!({"error": "not_found", "message": "There is nothing at this address."})
    );

    // Unsafe requests are checked for CSRF before routing; with a valid
    // token, a method the route lacks is 405.
    assert_eq!(send(&app, empty_post("/")).await.status, 403);
    let csrf = Csrf::from_home(&app).await;
    let a = send(&app, csrf.sign(empty_post("/"))).await;
    assert_eq!(a.status, 405);
    assert_eq!(a.header("allow"), "GET,HEAD");
    assert!(a.body.contains("Method not allowed"));
}

#[tokio::test]
async fn bad_bodies_get_clear_4xx_answers() {
    let (_db, app) = test_app(&[("MAX_REQUEST_BODY_BYTES", "2048")]).await;
    let csrf = Csrf::from_home(&app).await;
    let form = |body: String, ct: &str| {
        csrf.sign(
            Request::post("/i18n/lang")
                .header("host", "localhost")
                .header("content-type", ct)
                .body(Body::from(body))
                .unwrap(),
        )
    };
    let a = send(
        &app,
        form("nonsense=1".into(), "application/x-www-form-urlencoded"),
    )
    .await;
    assert_eq!(a.status, 422, "{}", a.body);
    assert!(
        a.body.contains("lang"),
        "the page names the missing field: {}",
        a.body
    );
    let a = send(&app, form("lang=fr".into(), "application/json")).await;
    assert_eq!(a.status, 415);
    let a = send(
        &app,
        form(
            format!("lang=fr&next={}", "a".repeat(5000)),
            "application/x-www-form-urlencoded",
        ),
    )
    .await;
    assert_eq!(a.status, 413);
    assert!(a.body.contains("Request too large"));
}

async fn panics_with_a_secret() -> &'static str {
    panic!("internal detail that must not leak")
}

async fn panics_kaboom() -> &'static str {
    panic!("kaboom")
}

#[tokio::test]
async fn panics_become_a_generic_500_page_without_details() {
    let db = TestDb::new().await;
    let state = common::state(config(&[]), db.pool.clone());
    let routes = Router::new().route("/boom", route_get(panics_with_a_secret));
    let app = advisoryhub::web::router::with_layers(routes, state);
    let a = send(&app, get("/boom")).await;
    assert_eq!(a.status, 500);
    assert!(a.body.contains("Something went wrong"));
    assert!(!a.body.contains("internal detail"));
    assert!(a.headers.get("content-security-policy").is_some());
    let api = Router::new().route("/api/boom", route_get(panics_kaboom));
    let app =
        advisoryhub::web::router::with_layers(api, common::state(config(&[]), db.pool.clone()));
    let a = send(&app, get("/api/boom")).await;
    assert_eq!(a.status, 500);
    assert_eq!(a.json()["error"], "internal_error");
    assert!(!a.body.contains("kaboom"));
}

#[tokio::test]
async fn the_language_follows_accept_language_and_the_cookie() {
    let (_db, app) = test_app(&[]).await;
    let en = send(&app, get("/")).await;
    assert!(en.body.contains("<html lang=\"en\">"));
    assert!(en.body.contains("Skip to content"));
    let fr = send(
        &app,
        with_header(get("/"), "accept-language", "fr-FR,fr;q=0.9,en;q=0.5"),
    )
    .await;
    assert!(fr.body.contains("<html lang=\"fr\">"));
    assert!(fr.body.contains("Aller au contenu"));
    let cookie = with_header(
        with_header(get("/"), "accept-language", "fr"),
        "cookie",
        "lang=en",
    );
    assert!(send(&app, cookie).await.body.contains("<html lang=\"en\">"));
    let err = send(&app, with_header(get("/nowhere"), "cookie", "lang=fr")).await;
    assert!(err.body.contains("Page introuvable"));
}

fn switch(body: &str) -> Request<Body> {
    Request::post("/i18n/lang")
        .header("host", "localhost")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(body.to_owned()))
        .unwrap()
}

#[tokio::test]
async fn the_language_switcher_works_without_javascript() {
    let (_db, app) = test_app(&[]).await;
    let page = send(&app, get("/")).await.body;
    assert!(page.contains("<form method=\"post\" action=\"/i18n/lang\""));
    assert!(page.contains("name=\"csrf_token\""));
    let csrf = Csrf::from_home(&app).await;
    let switch = |body: &str| csrf.sign(switch(body));
    let a = send(&app, switch("lang=fr&next=%2F%3Fpage%3D2")).await;
    assert_eq!(a.status, 303, "{}", a.body);
    assert_eq!(a.header("location"), "/?page=2");
    let cookie = a.header("set-cookie");
    assert!(cookie.starts_with("lang=fr;"));
    assert!(cookie.contains("SameSite=Lax"));
    // Another site is never a destination.
    for next in [
        "https%3A%2F%2Fevil.example%2F",
        "%2F%2Fevil.example",
        "%2F%5Cevil.example",
    ] {
        let a = send(&app, switch(&format!("lang=en&next={next}"))).await;
        assert_eq!(a.header("location"), "/", "{next}");
    }
    let a = send(&app, switch("lang=de&next=%2F")).await;
    assert_eq!(a.status, 400);
    assert!(a.body.contains("Unknown language"));
    let cross = with_header(switch("lang=fr&next=%2F"), "origin", "https://evil.example");
    assert_eq!(send(&app, cross).await.status, 403);
    let cross = with_header(switch("lang=fr&next=%2F"), "sec-fetch-site", "cross-site");
    assert_eq!(send(&app, cross).await.status, 403);
    let same = with_header(switch("lang=fr&next=%2F"), "origin", "http://localhost");
    assert_eq!(send(&app, same).await.status, 303);
}

#[tokio::test]
async fn the_layout_has_the_shell_regions_and_footer_links() {
    let (_db, app) = test_app(&[
        (
            "ADVISORYHUB_REPO_URL",
            "https://git.example.org/advisoryhub",
        ),
        ("ADVISORYHUB_DISCUSSIONS_URL", "https://forum.example.org/"),
    ])
    .await;
    let page = send(&app, get("/")).await.body;
    for needle in [
        "<header class=\"topbar\">",
        "<main id=\"content\"",
        "id=\"messages\"",
        "<footer>",
        "href=\"#content\"",
        "https://git.example.org/advisoryhub/issues/new",
        "https://git.example.org/advisoryhub/security/advisories/new",
        "https://forum.example.org",
        "rel=\"noopener noreferrer\"",
        "name=\"htmx-config\"",
    ] {
        assert!(page.contains(needle), "{needle} missing");
    }
    let (_db, bare) = test_app(&[]).await;
    assert!(!send(&bare, get("/")).await.body.contains("issues/new"));
}

#[tokio::test]
async fn over_the_limit_answers_429_with_retry_after_in_the_callers_shape() {
    let (_db, app) = test_app(&[]).await;
    let csrf = Csrf::from_home(&app).await;
    let signed = |body: &str| csrf.sign(switch(body));
    for _ in 0..30 {
        assert_eq!(send(&app, signed("lang=fr&next=%2F")).await.status, 303);
    }
    let page = send(&app, signed("lang=fr&next=%2F")).await;
    assert_eq!(page.status, 429);
    let retry: u64 = page.header("retry-after").parse().unwrap();
    assert!((1..=60).contains(&retry));
    assert!(page.body.contains("Too many requests"));
    assert!(page.body.contains("Rate limit exceeded"));
    let frag = send(
        &app,
        with_header(signed("lang=fr&next=%2F"), "hx-request", "true"),
    )
    .await;
    assert_eq!(frag.status, 429);
    assert!(
        frag.body
            .trim_start()
            .starts_with("<div class=\"error-fragment\"")
    );

    let (_db, unlimited) = test_app(&[("RATELIMIT_ENABLE", "false")]).await;
    let csrf = Csrf::from_home(&unlimited).await;
    for _ in 0..40 {
        assert_eq!(
            send(&unlimited, csrf.sign(switch("lang=en&next=%2F")))
                .await
                .status,
            303
        );
    }
}
