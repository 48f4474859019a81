//! The real `advisoryhub` binary as an operator runs it: `check`, `migrate`,
//! `web` with its listeners, logs and shutdown, and bad input at the socket.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failing test should panic"
)]

mod common;

use std::collections::HashMap;
use std::time::Duration;

use common::{Server, TestDb, run_cli};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const SAFE_KEY: &str = "a-production-secret-of-sufficient-length-123";
const NO_ENV: &[(&str, &str)] = &[];

#[tokio::test]
async fn check_passes_only_a_safe_production_configuration() {
    let (code, out, _) = run_cli(
        &["check"],
        &[
            ("SECRET_KEY", SAFE_KEY),
            ("ALLOWED_HOSTS", "advisories.example.org"),
            ("USE_X_FORWARDED_PROTO", "true"),
            ("OIDC_OP_ISSUER", "https://id.example.org"),
            ("OIDC_RP_CLIENT_ID", "advisoryhub"),
        ],
    )
    .await;
    assert_eq!(code, 0);
    assert!(out.contains("configuration OK for APP_ENV=production"));

    let (code, _, err) = run_cli(&["check"], NO_ENV).await;
    assert_eq!(code, 1);
    assert!(err.contains("SECRET_KEY: required in production"), "{err}");
    assert!(
        err.contains("ALLOWED_HOSTS: required in production"),
        "{err}"
    );

    let (code, _, err) = run_cli(
        &["check"],
        &[
            ("SECRET_KEY", "insecure-change-me"),
            ("ALLOWED_HOSTS", "*"),
            ("LOG_FORMAT", "xml"),
            ("WEB_BIND", "everywhere"),
            ("USE_X_FORWARDED_PROTO", "true"),
        ],
    )
    .await;
    assert_eq!(code, 1);
    for var in [
        "SECRET_KEY",
        "ALLOWED_HOSTS",
        "LOG_FORMAT",
        "WEB_BIND",
        "OIDC_OP_ISSUER",
    ] {
        assert!(
            err.contains(&format!("- {var}:")),
            "{var} not listed in {err}"
        );
    }
    assert!(err.contains("5 problem(s)"), "{err}");
}

#[tokio::test]
async fn every_subcommand_explains_itself() {
    for sub in ["web", "migrate", "check", "dev"] {
        let (code, out, _) = run_cli(&[sub, "--help"], NO_ENV).await;
        assert_eq!(code, 0, "{sub}");
        assert!(out.contains("Usage: advisoryhub"), "{sub}: {out}");
    }
    let (code, _, err) = run_cli(&["frobnicate"], NO_ENV).await;
    assert_eq!(code, 2);
    assert!(err.contains("unrecognized subcommand"));
}

#[tokio::test]
async fn migrate_is_idempotent() {
    let db = TestDb::empty().await;
    let env = [("APP_ENV", "test"), ("DATABASE_URL", db.url.as_str())];
    for _ in 0..2 {
        let (code, _, err) = run_cli(&["migrate"], &env).await;
        assert_eq!(code, 0, "{err}");
    }
    assert_eq!(
        advisoryhub::db::schema_status(&db.pool).await.unwrap(),
        advisoryhub::db::SchemaStatus::Current
    );
}

#[tokio::test]
async fn migrate_reports_an_unreachable_database() {
    let (code, _, err) = run_cli(
        &["migrate"],
        &[
            ("APP_ENV", "test"),
            ("DATABASE_URL", "postgres://x@127.0.0.1:9/none"),
        ],
    )
    .await;
    assert_eq!(code, 1);
    assert!(err.contains("migration failed"), "{err}");
}

#[tokio::test]
async fn web_refuses_to_start_on_invalid_configuration() {
    let (code, _, err) = run_cli(&["web"], &[("APP_ENV", "production")]).await;
    assert_eq!(code, 1);
    assert!(err.contains("SECRET_KEY"));
    assert!(err.contains("ALLOWED_HOSTS"));
}

fn web_env(db: &TestDb) -> HashMap<&'static str, String> {
    HashMap::from([
        ("APP_ENV", "test".to_owned()),
        ("DATABASE_URL", db.url.clone()),
        ("LOG_FORMAT", "json".to_owned()),
    ])
}

#[tokio::test]
async fn web_serves_pages_and_logs_json_with_the_request_id() {
    let db = TestDb::new().await;
    let server = Server::start(&["web"], &web_env(&db)).await;
    let client = reqwest::Client::new();
    let home = client
        .get(format!("{}/", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(home.status(), 200);
    assert!(
        home.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("'nonce-")
    );
    let ready = client
        .get(format!("{}/readyz", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 200);

    let missing = client
        .get(format!("{}/missing", server.base))
        .header("x-request-id", "trace-me-123")
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let lines = server.log_lines().await;
    let line = lines
        .iter()
        .find(|l| l.contains("trace-me-123"))
        .unwrap_or_else(|| panic!("no log line for the request: {lines:?}"));
    let v: serde_json::Value = serde_json::from_str(line).unwrap();
    assert_eq!(v["request_id"], "trace-me-123");
    assert_eq!(v["level"], "WARN");
    assert_eq!(v["status"], 404);
    for key in ["ts", "logger", "msg"] {
        assert!(v.get(key).is_some(), "{key} missing in {line}");
    }
    // Keys are sorted so lines diff and grep predictably.
    let keys: Vec<_> = v.as_object().unwrap().keys().cloned().collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    for l in &lines {
        assert!(
            serde_json::from_str::<serde_json::Value>(l).is_ok(),
            "not JSON: {l}"
        );
    }
}

async fn raw(base: &str, request: &[u8]) -> String {
    let addr = base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(request).await.unwrap();
    let mut buf = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut buf)).await;
    String::from_utf8_lossy(&buf).into_owned()
}

#[tokio::test]
async fn malformed_requests_get_4xx_never_5xx() {
    let db = TestDb::new().await;
    let server = Server::start(&["web"], &web_env(&db)).await;
    let huge = format!(
        "GET / HTTP/1.1\r\nHost: localhost\r\nX-Big: {}\r\n\r\n",
        "a".repeat(1024 * 1024)
    );
    let answer = raw(&server.base, huge.as_bytes()).await;
    assert!(
        answer.starts_with("HTTP/1.1 431"),
        "{}",
        &answer[..answer.len().min(200)]
    );
    let answer = raw(&server.base, b"NOT A REQUEST\r\n\r\n").await;
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    let answer = raw(
        &server.base,
        b"GET / HTTP/1.1\r\nHost: bad host!\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    let client = reqwest::Client::new();
    let big_body = client
        .post(format!("{}/i18n/lang", server.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(vec![b'a'; 2 * 1024 * 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(big_body.status(), 413);
}

#[tokio::test]
async fn metrics_port_serves_metrics_apart_from_the_web_port() {
    let db = TestDb::new().await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut env = web_env(&db);
    env.insert("METRICS_PORT", port.to_string());
    let server = Server::start(&["web"], &env).await;
    let client = reqwest::Client::new();
    client
        .get(format!("{}/", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(
        client
            .get(format!("{}/metrics", server.base))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    let text = common::get_text(&format!("http://127.0.0.1:{port}/metrics")).await;
    assert!(
        text.contains(r#"advisoryhub_http_requests_total{method="GET",route="/",status="200"} 1"#),
        "{text}"
    );
    assert!(text.contains("process_resident_memory_bytes"));
}

#[tokio::test]
async fn sigterm_stops_the_server_cleanly() {
    let db = TestDb::new().await;
    let mut server = Server::start(&["web"], &web_env(&db)).await;
    let pid = server.child.id().unwrap();
    let status = tokio::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .await
        .unwrap();
    assert!(status.success());
    let exit = tokio::time::timeout(Duration::from_secs(15), server.child.wait())
        .await
        .expect("web did not stop after SIGTERM")
        .unwrap();
    assert!(exit.success(), "{exit:?}");
}
