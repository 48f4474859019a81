//! End-to-end harness for sign-in: the dev identity provider (`bin/idp/run`)
//! as a real process, the application served over real HTTP on loopback, and
//! a scripted browser (cookie jar, redirects followed by hand).

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use advisoryhub::access::permissions::Actor;
use reqwest::cookie::{CookieStore, Jar};
use reqwest::header::{HeaderMap, HeaderValue};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::net::TcpListener;
use tokio::process::{Child, Command};
use url::Url;

use super::TestDb;

pub const CLIENT_ID: &str = "advisoryhub-test";
pub const CLIENT_SECRET: &str = "advisoryhub-test-secret";

/// The identity provider, stopped when dropped.
pub struct Idp {
    _child: Child,
    pub issuer: String,
    pub users_file: PathBuf,
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

impl Drop for Idp {
    /// The users file's directory goes with the provider.
    fn drop(&mut self) {
        if let Some(dir) = self.users_file.parent() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

impl Idp {
    /// Starts a provider whose only client redirects to `site_base`.
    pub async fn start(site_base: &str) -> Idp {
        let dir = std::env::temp_dir().join(format!("ah-idp-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let users_file = dir.join("users.json");
        std::fs::copy(repo_root().join("bin/idp/users.json"), &users_file).unwrap();
        let port = free_port();
        let mut child = Command::new(repo_root().join("bin/idp/run"))
            .env("IDP_PORT", port.to_string())
            .env("IDP_CLIENT_ID", CLIENT_ID)
            .env("IDP_CLIENT_SECRET", CLIENT_SECRET)
            .env("IDP_REDIRECT_URIS", format!("{site_base}/oidc/callback/"))
            .env(
                "IDP_POST_LOGOUT_REDIRECT_URIS",
                format!("{site_base}/accounts/signed-out/"),
            )
            .env("IDP_USERS_FILE", &users_file)
            .env("IDP_QUIET", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("start bin/idp/run");
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let ready = tokio::time::timeout(Duration::from_secs(300), async {
            while let Ok(Some(line)) = lines.next_line().await {
                if let Some(issuer) = line.strip_prefix("READY ") {
                    return Some(issuer.trim().to_owned());
                }
            }
            None
        })
        .await
        .ok()
        .flatten()
        .expect("the identity provider did not print READY");
        Idp {
            _child: child,
            issuer: ready,
            users_file,
        }
    }

    /// Rewrites one user of the provider's users file (atomically).
    pub fn update_user(&self, id: &str, change: impl FnOnce(&mut serde_json::Value)) {
        let mut users: Vec<serde_json::Value> =
            serde_json::from_str(&std::fs::read_to_string(&self.users_file).unwrap()).unwrap();
        let user = users.iter_mut().find(|u| u["id"] == id).unwrap();
        change(user);
        let tmp = self.users_file.with_extension("tmp");
        std::fs::write(&tmp, serde_json::to_vec_pretty(&users).unwrap()).unwrap();
        std::fs::rename(tmp, &self.users_file).unwrap();
    }
}

/// The application on a loopback port, configured to the provider.
pub struct Site {
    pub db: TestDb,
    pub base: String,
    pub idp: Idp,
}

impl Site {
    pub async fn start(overrides: &[(&str, &str)]) -> Site {
        let db = TestDb::new().await;
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
        let idp = Idp::start(&base).await;
        let mut vars = vec![
            ("OIDC_OP_ISSUER", idp.issuer.as_str()),
            ("OIDC_RP_CLIENT_ID", CLIENT_ID),
            ("OIDC_RP_CLIENT_SECRET", CLIENT_SECRET),
            ("OIDC_RP_SIGN_ALGO", "ES256"),
            ("RATELIMIT_ENABLE", "false"),
        ];
        vars.extend_from_slice(overrides);
        let state = super::state(super::config(&vars), db.pool.clone());
        tokio::spawn(advisoryhub::web::serve(
            state,
            listener,
            std::future::pending(),
        ));
        Site { db, base, idp }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn user_id(&self, email: &str) -> i64 {
        sqlx::query_scalar("SELECT id FROM app_user WHERE lower(email) = lower($1)")
            .bind(email)
            .fetch_one(&self.db.pool)
            .await
            .unwrap()
    }

    /// The user with `email` (signed in before) as the services see them.
    pub async fn actor(&self, email: &str) -> Actor {
        super::world::actor(&self.db.pool, self.user_id(email).await).await
    }

    /// Access-log actions recorded so far, oldest first.
    pub async fn access_log(
        &self,
    ) -> Vec<(
        String,
        Option<i64>,
        serde_json::Value,
        Option<String>,
        String,
    )> {
        sqlx::query_as(
            "SELECT action, actor_id, metadata, host(ip_address), user_agent
             FROM access_log_entry ORDER BY id",
        )
        .fetch_all(&self.db.pool)
        .await
        .unwrap()
    }
}

/// One answer, body read.
#[derive(Debug)]
pub struct Page {
    pub url: String,
    pub status: u16,
    pub headers: HeaderMap,
    pub body: String,
}

impl Page {
    pub fn location(&self) -> Option<String> {
        let loc = self.headers.get("location")?.to_str().ok()?;
        Some(
            Url::parse(&self.url)
                .unwrap()
                .join(loc)
                .unwrap()
                .to_string(),
        )
    }

    /// The value of the first `name="<field>" value="…"` in the page.
    pub fn field(&self, name: &str) -> Option<String> {
        let marker = format!("name=\"{name}\"");
        let at = self.body.find(&marker)?;
        let rest = &self.body[at..];
        let v = rest.find("value=\"")? + 7;
        let end = rest[v..].find('"')?;
        Some(html_unescape(&rest[v..v + end]))
    }

    pub fn csrf(&self) -> String {
        self.field("csrf_token").expect("a CSRF token on the page")
    }
}

fn html_unescape(s: &str) -> String {
    s.replace("&amp;", "&")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
}

/// A scripted browser: a cookie jar and hand-followed redirects.
pub struct Browser {
    pub client: reqwest::Client,
    pub jar: Arc<Jar>,
    /// Every URL visited, in order.
    pub visited: std::sync::Mutex<Vec<String>>,
}

impl Default for Browser {
    fn default() -> Self {
        Self::new()
    }
}

impl Browser {
    pub fn new() -> Browser {
        let jar = Arc::new(Jar::default());
        let client = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .user_agent("AdvisoryHub-e2e/1.0")
            .build()
            .unwrap();
        Browser {
            client,
            jar,
            visited: std::sync::Mutex::new(Vec::new()),
        }
    }

    async fn read(&self, url: &str, resp: reqwest::Response) -> Page {
        self.visited.lock().unwrap().push(url.to_owned());
        Page {
            url: url.to_owned(),
            status: resp.status().as_u16(),
            headers: resp.headers().clone(),
            body: resp.text().await.unwrap(),
        }
    }

    pub async fn get(&self, url: &str) -> Page {
        let resp = self.client.get(url).send().await.unwrap();
        self.read(url, resp).await
    }

    pub async fn get_with(&self, url: &str, headers: &[(&str, &str)]) -> Page {
        let mut req = self.client.get(url);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let resp = req.send().await.unwrap();
        self.read(url, resp).await
    }

    /// A form POST, with extra headers; the `Origin` of `url` is sent unless
    /// a header overrides it, as a browser would.
    pub async fn post(&self, url: &str, form: &[(&str, &str)], headers: &[(&str, &str)]) -> Page {
        let parsed = Url::parse(url).unwrap();
        let origin = parsed.origin().ascii_serialization();
        let mut req = self.client.post(url).form(form);
        if !headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("origin"))
        {
            req = req.header("origin", origin);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let resp = req.send().await.unwrap();
        self.read(url, resp).await
    }

    /// Follows redirects from `page` until an answer that is not one.
    pub async fn follow(&self, mut page: Page) -> Page {
        for _ in 0..20 {
            match (page.status, page.location()) {
                (301 | 302 | 303 | 307, Some(next)) => page = self.get(&next).await,
                _ => return page,
            }
        }
        panic!("redirect loop: {:?}", self.visited.lock().unwrap());
    }

    pub async fn open(&self, url: &str) -> Page {
        let page = self.get(url).await;
        self.follow(page).await
    }

    /// Answers the provider's login form if `page` is one, then follows on.
    pub async fn log_in_at_provider(&self, page: Page, login: &str, password: &str) -> Page {
        if !page.body.contains("id=\"login-form\"") {
            return page;
        }
        let posted = self
            .post(&page.url, &[("login", login), ("password", password)], &[])
            .await;
        assert_eq!(
            posted.status, 303,
            "provider refused the login: {}",
            posted.body
        );
        self.follow(posted).await
    }

    /// Signs in to `site` as `login` (password `demo`), landing where the
    /// site sends the browser afterwards.
    pub async fn sign_in(&self, site: &Site, login: &str) -> Page {
        let page = self.open(&site.url("/oidc/authenticate/")).await;
        self.log_in_at_provider(page, login, "demo").await
    }

    /// The value of a cookie for `url`.
    pub fn cookie(&self, url: &str, name: &str) -> Option<String> {
        let header: HeaderValue = self.jar.cookies(&Url::parse(url).unwrap())?;
        header
            .to_str()
            .unwrap()
            .split("; ")
            .find_map(|c| c.strip_prefix(&format!("{name}=")).map(str::to_owned))
    }

    /// The callback URL the provider sent the browser to, if any.
    pub fn last_callback(&self) -> Option<String> {
        self.visited
            .lock()
            .unwrap()
            .iter()
            .rev()
            .find(|u| u.contains("/oidc/callback/"))
            .cloned()
    }
}
