//! A real SMTP server for one test: the MailDev catcher of `bin/mail/run` on
//! free loopback ports, stopped (and its mail directory removed) when
//! dropped. What it received is read back through its REST API.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde::Deserialize;
use tokio::process::{Child, Command};

use super::site::{free_port, repo_root};

/// The catcher, stopped when dropped.
pub struct MailCatcher {
    child: Child,
    smtp_port: u16,
    web: String,
    dir: PathBuf,
    client: reqwest::Client,
}

/// One message as the catcher parsed it.
#[derive(Clone, Debug)]
pub struct CaughtMail {
    /// The `From` address.
    pub from: String,
    /// The `To` addresses.
    pub to: Vec<String>,
    /// Decoded.
    pub subject: String,
    pub text: Option<String>,
    pub html: Option<String>,
    /// Header names in lower case, values as MailDev gives them.
    pub headers: serde_json::Map<String, serde_json::Value>,
}

#[derive(Deserialize)]
struct Address {
    address: String,
}

#[derive(Deserialize)]
struct ApiMail {
    #[serde(default)]
    from: Vec<Address>,
    #[serde(default)]
    to: Vec<Address>,
    #[serde(default)]
    subject: String,
    text: Option<String>,
    // MailDev sends `false` for "none" in some versions.
    html: Option<serde_json::Value>,
    #[serde(default)]
    headers: serde_json::Map<String, serde_json::Value>,
}

impl MailCatcher {
    /// Starts a catcher and waits until it answers (a first run installs
    /// its npm packages, hence the long limit).
    pub async fn start() -> MailCatcher {
        let smtp_port = free_port();
        let web_port = free_port();
        let dir = std::env::temp_dir().join(format!("ah-mail-{}", uuid::Uuid::new_v4().simple()));
        let child = Command::new(repo_root().join("bin/mail/run"))
            .arg(smtp_port.to_string())
            .arg(web_port.to_string())
            .arg(&dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("start bin/mail/run");
        let catcher = MailCatcher {
            child,
            smtp_port,
            web: format!("http://127.0.0.1:{web_port}"),
            dir,
            client: reqwest::Client::new(),
        };
        let deadline = Instant::now() + Duration::from_secs(300);
        loop {
            let web_up = catcher
                .client
                .get(format!("{}/healthz", catcher.web))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success());
            if web_up
                && tokio::net::TcpStream::connect(("127.0.0.1", smtp_port))
                    .await
                    .is_ok()
            {
                return catcher;
            }
            assert!(
                Instant::now() < deadline,
                "the SMTP catcher (bin/mail/run) did not start"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub fn smtp_port(&self) -> u16 {
        self.smtp_port
    }

    /// The settings that point the application at this catcher, for
    /// [`super::config`] overrides.
    pub fn settings(&self) -> [(&'static str, String); 3] {
        [
            ("EMAIL_BACKEND", "smtp".into()),
            ("EMAIL_HOST", "127.0.0.1".into()),
            ("EMAIL_PORT", self.smtp_port.to_string()),
        ]
    }

    /// Everything received so far, oldest first.
    pub async fn messages(&self) -> Vec<CaughtMail> {
        let mails: Vec<ApiMail> = self
            .client
            .get(format!("{}/email", self.web))
            .send()
            .await
            .expect("the catcher's REST API")
            .error_for_status()
            .unwrap()
            .json()
            .await
            .unwrap();
        mails
            .into_iter()
            .map(|m| CaughtMail {
                from: m
                    .from
                    .into_iter()
                    .next()
                    .map(|a| a.address)
                    .unwrap_or_default(),
                to: m.to.into_iter().map(|a| a.address).collect(),
                subject: m.subject,
                text: m.text,
                html: m.html.and_then(|h| h.as_str().map(str::to_owned)),
                headers: m.headers,
            })
            .collect()
    }

    /// Waits until at least `n` messages arrived and returns them all;
    /// fails the test, listing what did arrive, after `timeout`.
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> Vec<CaughtMail> {
        let deadline = Instant::now() + timeout;
        loop {
            let got = self.messages().await;
            if got.len() >= n {
                return got;
            }
            assert!(
                Instant::now() < deadline,
                "expected {n} message(s) within {timeout:?}, got {}: {got:#?}",
                got.len()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for MailCatcher {
    fn drop(&mut self) {
        // Stopped first, so that nothing writes into the directory after it went.
        let _ = self.child.start_kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
