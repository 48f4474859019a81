//! Test harness: a fresh database per test, cloned from a migrated template,
//! the router driven in-process, and the real binary started as a process.
#![allow(
    dead_code,
    reason = "each test crate uses a different part of the harness"
)]

use std::collections::HashMap;
use std::fmt::Write as _;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use advisoryhub::config::Config;
use advisoryhub::db::MIGRATOR;
use advisoryhub::ops::metrics::Metrics;
use advisoryhub::web::{AppState, router};
use axum::Router;
use axum::body::Body;
use axum::http::{Request, Response};
use http_body_util::BodyExt;
use sha2::{Digest, Sha256};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{AssertSqlSafe, ConnectOptions, Connection, PgConnection, PgPool};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tower::ServiceExt;

pub mod browser;
pub mod mail;
pub mod site;
pub mod worker;
pub mod world;

/// The server the suite runs against (`bin/test` sets it).
pub fn database_url() -> String {
    std::env::var("DATABASE_URL").expect("DATABASE_URL is not set: run the suite with bin/test")
}

fn admin_options() -> PgConnectOptions {
    database_url()
        .parse()
        .expect("DATABASE_URL is not a valid URL")
}

/// A database of its own for one test.
pub struct TestDb {
    pub name: String,
    pub url: String,
    pub pool: PgPool,
}

fn template_name() -> String {
    let mut h = Sha256::new();
    for m in MIGRATOR.iter() {
        h.update(m.version.to_le_bytes());
        h.update(&m.checksum);
    }
    let digest = h.finalize();
    let hex: String = digest[..6].iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    });
    format!("ah_tmpl_{hex}")
}

/// The URL of database `name` on the suite's server.
pub fn url_for(name: &str) -> String {
    let mut url = url::Url::parse(&database_url()).expect("DATABASE_URL");
    url.set_path(&format!("/{name}"));
    url.to_string()
}

async fn ensure_template(admin: &mut PgConnection, name: &str) {
    // One test process migrates the template; the others wait on the lock.
    sqlx::query("SELECT pg_advisory_lock(7340001)")
        .execute(&mut *admin)
        .await
        .unwrap();
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(name)
            .fetch_one(&mut *admin)
            .await
            .unwrap();
    if !exists {
        let building = format!("{name}_building");
        sqlx::query(AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS \"{building}\""
        )))
        .execute(&mut *admin)
        .await
        .unwrap();
        sqlx::query(AssertSqlSafe(format!("CREATE DATABASE \"{building}\"")))
            .execute(&mut *admin)
            .await
            .unwrap();
        let pool = PgPoolOptions::new()
            .max_connections(1)
            .connect(&url_for(&building))
            .await
            .unwrap();
        MIGRATOR.run(&pool).await.unwrap();
        pool.close().await;
        sqlx::query(AssertSqlSafe(format!(
            "ALTER DATABASE \"{building}\" RENAME TO \"{name}\""
        )))
        .execute(&mut *admin)
        .await
        .unwrap();
    }
    sqlx::query("SELECT pg_advisory_unlock(7340001)")
        .execute(&mut *admin)
        .await
        .unwrap();
}

impl TestDb {
    /// A migrated database.
    pub async fn new() -> TestDb {
        Self::create(true).await
    }

    /// An empty database, as before `advisoryhub migrate`.
    pub async fn empty() -> TestDb {
        Self::create(false).await
    }

    async fn create(migrated: bool) -> TestDb {
        let mut admin = admin_options()
            .connect()
            .await
            .expect("connect to DATABASE_URL");
        let name = format!("ah_test_{}", uuid::Uuid::new_v4().simple());
        if migrated {
            let template = template_name();
            ensure_template(&mut admin, &template).await;
            sqlx::query(AssertSqlSafe(format!(
                "CREATE DATABASE \"{name}\" TEMPLATE \"{template}\""
            )))
            .execute(&mut admin)
            .await
            .unwrap();
        } else {
            sqlx::query(AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
                .execute(&mut admin)
                .await
                .unwrap();
        }
        admin.close().await.ok();
        let url = url_for(&name);
        let pool = PgPoolOptions::new()
            .max_connections(5)
            .connect(&url)
            .await
            .unwrap();
        TestDb { name, url, pool }
    }
}

/// A test configuration (APP_ENV=test) with overrides.
pub fn config(overrides: &[(&str, &str)]) -> Config {
    Config::for_tests(overrides).expect("test configuration")
}

/// The web router on `pool` with `config`.
pub fn app(config: Config, pool: PgPool) -> Router {
    router::app(state(config, pool))
}

pub fn state(config: Config, pool: PgPool) -> AppState {
    AppState::new(Arc::new(config), pool, Metrics::new().unwrap()).unwrap()
}

/// The token in a page's `<meta name="csrf-token">`.
pub fn csrf_meta(body: &str) -> String {
    let marker = "name=\"csrf-token\" content=\"";
    let start = body.find(marker).expect("the csrf-token meta tag") + marker.len();
    let end = start + body[start..].find('"').unwrap();
    body[start..end].to_owned()
}

/// An anonymous session and its CSRF token, as a browser holds them after
/// loading a page; `sign` adds both to an unsafe request.
#[derive(Clone, Debug)]
pub struct Csrf {
    pub cookie: String,
    pub token: String,
}

impl Csrf {
    pub async fn from_home(app: &Router) -> Csrf {
        let page = send(app, get("/")).await;
        let cookie = page
            .header("set-cookie")
            .split(';')
            .next()
            .expect("a session cookie")
            .to_owned();
        Csrf {
            cookie,
            token: csrf_meta(&page.body),
        }
    }

    pub fn sign(&self, mut req: Request<Body>) -> Request<Body> {
        let h = req.headers_mut();
        h.insert("cookie", self.cookie.parse().unwrap());
        h.insert("x-csrf-token", self.token.parse().unwrap());
        req
    }
}

/// A response with its body read.
pub struct Answer {
    pub status: u16,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl Answer {
    pub fn header(&self, name: &str) -> &str {
        match self.headers.get(name) {
            Some(v) => v.to_str().unwrap(),
            None => panic!("no {name} header in {:?}", self.headers),
        }
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
}

pub async fn read(resp: Response<Body>) -> Answer {
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    Answer {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

/// Sends one request through the router.
pub async fn send(app: &Router, req: Request<Body>) -> Answer {
    read(app.clone().oneshot(req).await.unwrap()).await
}

/// A GET with a Host header.
pub fn get(path: &str) -> Request<Body> {
    Request::get(path)
        .header("host", "localhost")
        .body(Body::empty())
        .unwrap()
}

/// The real binary, started with `env` (and nothing else from the test's
/// environment but PATH), its stderr captured line by line.
pub struct Server {
    pub child: Child,
    pub base: String,
    pub logs: Arc<tokio::sync::Mutex<Vec<String>>>,
}

pub fn binary() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_advisoryhub"));
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .stdin(Stdio::null())
        .kill_on_drop(true);
    cmd
}

impl Server {
    /// Starts `advisoryhub <args>` with `env` and waits for its listening line.
    pub async fn start(args: &[&str], env: &HashMap<&str, String>) -> Server {
        let mut cmd = binary();
        cmd.args(args)
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .env("WEB_BIND", "127.0.0.1:0")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("start advisoryhub");
        let stderr = child.stderr.take().unwrap();
        let logs = Arc::new(tokio::sync::Mutex::new(Vec::new()));
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let sink = logs.clone();
        tokio::spawn(async move {
            let mut lines = BufReader::new(stderr).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                if let Some(url) = listening_url(&line) {
                    let _ = tx.send(url);
                }
                sink.lock().await.push(line);
            }
        });
        let base = tokio::time::timeout(Duration::from_secs(30), rx.recv())
            .await
            .ok()
            .flatten()
            .unwrap_or_else(|| panic!("advisoryhub did not start; logs: {logs:?}"));
        Server { child, base, logs }
    }

    pub async fn log_lines(&self) -> Vec<String> {
        self.logs.lock().await.clone()
    }
}

/// The URL in the "listening" log line, in either log format.
fn listening_url(line: &str) -> Option<String> {
    if !line.contains("is listening") {
        return None;
    }
    if let Ok(v) = serde_json::from_str::<serde_json::Value>(line) {
        return v["url"]
            .as_str()
            .map(|s| s.trim_end_matches('/').to_owned());
    }
    let start = line.find("url=")? + 4;
    Some(line[start..].trim().trim_end_matches('/').to_owned())
}

/// The body of a GET to `url`.
pub async fn get_text(url: &str) -> String {
    reqwest::get(url).await.unwrap().text().await.unwrap()
}

/// Runs `advisoryhub <args>` with `env` to completion: exit code, stdout, stderr.
pub async fn run_cli<K, V>(args: &[&str], env: &[(K, V)]) -> (i32, String, String)
where
    K: AsRef<std::ffi::OsStr>,
    V: AsRef<std::ffi::OsStr>,
{
    let out = binary()
        .args(args)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .output()
        .await
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
