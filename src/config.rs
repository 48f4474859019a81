//! The one configuration struct, loaded from the environment.
//!
//! Every variable is read once at start. Secrets may also come from a file
//! named by `<VAR>_FILE` (Kubernetes secret mounts). Loading never stops at the
//! first problem: every problem is collected with the variable it concerns, so
//! an operator fixes them all in one round. `production_problems` adds the
//! stricter rules that `advisoryhub check` and a production start enforce.

use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

/// The development default for `SECRET_KEY`; refused in production.
pub const DEV_SECRET_KEY: &str = "insecure-change-me";

/// Shortest `SECRET_KEY` accepted in production.
const MIN_SECRET_KEY_LEN: usize = 32;

/// Where the process runs; drives cookie security, HSTS and config strictness.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AppEnv {
    Production,
    Development,
    Test,
}

impl AppEnv {
    pub fn is_production(self) -> bool {
        self == AppEnv::Production
    }
}

/// How log lines are written to stderr.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    /// One JSON object per line (sorted keys), for log shippers.
    Json,
    /// `[ts] LEVEL logger req=id :: msg`, for humans.
    Plain,
}

/// Where `/metrics` is served.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MetricsListener {
    /// On the public web port (`METRICS_PORT` unset).
    WebPort,
    /// On a private listener of its own (`METRICS_PORT=N`).
    Port(u16),
    /// Nowhere (`METRICS_PORT=0`).
    Disabled,
}

/// A host pattern from `ALLOWED_HOSTS`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HostPattern {
    /// `*`: any host (development only).
    Any,
    /// `example.org`: exactly that host.
    Exact(String),
    /// `.example.org`: that host and every subdomain.
    Suffix(String),
}

impl HostPattern {
    /// Whether a lower-cased host name (without port) matches.
    pub fn matches(&self, host: &str) -> bool {
        match self {
            HostPattern::Any => true,
            HostPattern::Exact(h) => host == h,
            HostPattern::Suffix(s) => host == &s[1..] || host.ends_with(s.as_str()),
        }
    }
}

/// A value that must never reach a log line or an error message.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value (for settings built outside `from_vars`, such as
    /// a publication repository resolved elsewhere, and tests).
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// The whole configuration of a process.
#[derive(Clone, Debug)]
#[expect(
    clippy::struct_excessive_bools,
    reason = "each flag is one environment variable"
)]
pub struct Config {
    /// `APP_ENV`: `production` (default), `development` or `test`.
    pub app_env: AppEnv,
    /// `SECRET_KEY` (or `SECRET_KEY_FILE`): signs cookies; long and random in production.
    pub secret_key: Secret,
    /// `ALLOWED_HOSTS`: comma-separated host names accepted in `Host`; `*` outside production.
    pub allowed_hosts: Vec<HostPattern>,
    /// `WEB_BIND`: the web listener address (`0.0.0.0:8000`).
    pub web_bind: SocketAddr,
    /// `METRICS_PORT`: private metrics listener; unset serves `/metrics` on the web port.
    pub metrics: MetricsListener,
    /// `DATABASE_URL` (or `DATABASE_URL_FILE`): the PostgreSQL connection string.
    pub database_url: Secret,
    /// `DATABASE_MAX_CONNECTIONS`: pool size per process (10).
    pub database_max_connections: u32,
    /// `LOG_FORMAT`: `json` (default) or `plain`.
    pub log_format: LogFormat,
    /// `LOG_LEVEL`: a level or a filter such as `info,advisoryhub::web=debug`.
    pub log_level: String,
    /// `USE_X_FORWARDED_PROTO`: trust `X-Forwarded-Proto` from the edge proxy.
    pub use_x_forwarded_proto: bool,
    /// `TRUSTED_PROXY_COUNT`: proxies appending to `X-Forwarded-For` (0 = use the peer).
    pub trusted_proxy_count: usize,
    /// `CSRF_TRUSTED_ORIGINS`: extra `Origin`s accepted on unsafe requests.
    pub csrf_trusted_origins: Vec<String>,
    /// `CSP_REPORT_ONLY`: send the CSP as `Content-Security-Policy-Report-Only`.
    pub csp_report_only: bool,
    /// `CSP_REPORT_URI`: adds `report-uri` to the CSP.
    pub csp_report_uri: Option<String>,
    /// `ADVISORYHUB_BASE_URL`: absolute base for links in e-mails and OIDC redirects.
    pub base_url: Option<String>,
    /// `ADVISORYHUB_REPO_URL`: base of the footer's "Report an issue" links; blank hides them.
    pub repo_url: Option<String>,
    /// `ADVISORYHUB_DISCUSSIONS_URL`: the footer's "Ask a question" link; blank hides it.
    pub discussions_url: Option<String>,
    /// `MAX_REQUEST_BODY_BYTES`: largest accepted request body (1 MiB).
    pub max_request_body_bytes: usize,
    /// `DATABASE_LISTEN_URL` (or `_FILE`): where the `LISTEN` connection goes,
    /// straight to PostgreSQL when the pool passes through PgBouncer;
    /// `DATABASE_URL` when unset.
    pub database_listen_url: Option<Secret>,
    /// `WORKER_CONCURRENCY`: jobs run at once per worker process (4).
    pub worker_concurrency: usize,
    /// `WORKER_PERIODIC_ENABLED`: whether this worker enqueues periodic ticks.
    pub worker_periodic_enabled: bool,
    /// `WORKER_LEASE_SECONDS`: a worker silent this long is presumed dead and
    /// its jobs recovered (3).
    pub worker_lease: Duration,
    /// `WORKER_SHUTDOWN_GRACE_SECONDS`: time running jobs get after SIGTERM (110).
    pub worker_shutdown_grace: Duration,
    /// `WORKER_DB_OUTAGE_EXIT_SECONDS`: how long the database may be
    /// unreachable before the worker exits non-zero (300).
    pub worker_db_outage_exit: Duration,
    /// `JOB_RETENTION_DAYS`: completed jobs kept before pruning (7).
    pub job_retention_days: u32,
    /// `RATELIMIT_ENABLE`: master switch for every rate limit.
    pub ratelimit_enabled: bool,
    /// `SCHEDULE_INTERVALS`: `name=seconds,…` overrides of periodic intervals.
    pub schedule_intervals: HashMap<String, Duration>,
    /// Sign-in through the OIDC provider.
    pub oidc: OidcConfig,
    /// `SESSION_IDLE_TIMEOUT_SECONDS`: a session unused this long ends (3 days).
    pub session_idle: Duration,
    /// `SESSION_MAX_AGE_SECONDS`: a session ends this long after sign-in,
    /// however much it is used (14 days).
    pub session_max_age: Duration,
    /// `STEP_UP_REQUIRED`: sensitive actions demand a fresh re-authentication
    /// (true; false is refused in production).
    pub step_up_required: bool,
    /// `STEP_UP_MAX_AGE_SECONDS`: how fresh that re-authentication must be (300).
    pub step_up_max_age: Duration,
    /// `AUDIT_ACCESS_LOG_RETENTION_DAYS`: access-log months older than this are dropped (90).
    pub access_log_retention_days: u32,
    /// `AUDIT_ACCESS_LOG_RETENTION_ENABLED`: whether the periodic job drops old months.
    pub access_log_retention_enabled: bool,
    // retention commands (90 §8)
    /// `RETENTION_DATABASE_URL` (or `_FILE`): where `prune-audit`,
    /// `forget-user` and `prune-reports` connect, as a member of
    /// `hub_retention`; `DATABASE_URL` when unset.
    pub retention_database_url: Option<Secret>,
    /// `INTAKE_REPORT_RETENTION_DAYS`: `prune-reports` scrubs reporter data
    /// of reports older than this (365).
    pub intake_report_retention_days: u32,
    /// Outgoing e-mail.
    pub email: EmailConfig,
    /// The publication repository and its documents' paths.
    pub publication: PublicationConfig,
    // intake settings (50 §15)
    /// The public intake form.
    pub intake: IntakeConfig,
    /// Not problems, but worth a line in the log: deprecated spellings in use.
    pub warnings: Vec<String>,
}

/// The OIDC relying-party settings. Endpoints and keys come from the
/// provider's discovery document under `OIDC_OP_ISSUER`.
#[derive(Clone, Debug)]
pub struct OidcConfig {
    /// `OIDC_OP_ISSUER`: the provider's issuer URL, the expected `iss` of ID
    /// tokens. Required in production; unset elsewhere, sign-in is unavailable.
    pub issuer: Option<String>,
    /// `OIDC_RP_CLIENT_ID`: our client id at the provider.
    pub client_id: String,
    /// `OIDC_RP_CLIENT_SECRET` (or `_FILE`): our client secret.
    pub client_secret: Secret,
    /// `OIDC_RP_SIGN_ALGO`: the ID-token signature algorithm (`RS256`).
    pub sign_algo: String,
    /// `OIDC_USE_PKCE`: send a PKCE S256 challenge (true).
    pub use_pkce: bool,
    /// `OIDC_VERIFY_SSL`: verify the provider's TLS certificate (true; false
    /// only outside production, for a self-signed local provider).
    pub verify_tls: bool,
    /// `OIDC_GROUPS_CLAIM`: the claim that carries groups (`groups`).
    pub groups_claim: String,
    /// `OIDC_ADMIN_GROUP`: membership makes a global admin (`advisoryhub-security`).
    pub admin_group: String,
    /// `OIDC_REQUIRE_EMAIL_VERIFIED`: treat an absent `email_verified` as unverified.
    pub require_email_verified: bool,
}

/// Where outgoing e-mail goes (`EMAIL_BACKEND`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EmailBackend {
    /// Through the SMTP server of the `EMAIL_HOST*` settings.
    Smtp,
    /// Logged, not sent (the default).
    Console,
    /// Kept in the process, for unit tests; refused in production.
    Memory,
}

/// The e-mail settings (80-integrations §5.1).
#[derive(Clone, Debug)]
pub struct EmailConfig {
    /// `EMAIL_BACKEND`: `smtp`, `console` (default) or `memory`; the old
    /// dotted class names are accepted with a warning.
    pub backend: EmailBackend,
    /// `DEFAULT_FROM_EMAIL`: the sender (`AdvisoryHub <noreply@example.org>`).
    pub from: lettre::message::Mailbox,
    /// `EMAIL_HOST`: the SMTP server (`localhost`).
    pub host: String,
    /// `EMAIL_PORT`: its port (25).
    pub port: u16,
    /// `EMAIL_HOST_USER`: the SMTP user; empty means no authentication.
    pub user: String,
    /// `EMAIL_HOST_PASSWORD` (or `_FILE`): the SMTP password.
    pub password: Secret,
    /// `EMAIL_USE_TLS`: upgrade the connection with STARTTLS, required (false).
    pub starttls: bool,
    /// `EMAIL_USE_SSL`: TLS from the first byte, as on port 465 (false).
    pub implicit_tls: bool,
    /// `EMAIL_TIMEOUT`: bounds every SMTP operation (30 s).
    pub timeout: Duration,
}

/// How an SSH remote's host key is checked (ruling 26).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SshHostKeyPolicy {
    /// Only hosts already in a known-hosts file (`StrictHostKeyChecking=yes`).
    Strict,
    /// Known hosts are verified; an unknown host's key is accepted for the
    /// run (`StrictHostKeyChecking=accept-new`).
    AcceptNew,
}

impl SshHostKeyPolicy {
    /// The value of ssh's `StrictHostKeyChecking` option.
    pub fn ssh_option(self) -> &'static str {
        match self {
            SshHostKeyPolicy::Strict => "yes",
            SshHostKeyPolicy::AcceptNew => "accept-new",
        }
    }
}

/// How the publication repository authenticates (`PUB_REPO_AUTH`); the two
/// are mutually exclusive (INV-PUB-2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RepoAuth {
    /// A deploy key, through the per-call SSH wrapper.
    Ssh {
        /// `PUB_REPO_SSH_KEY_PATH`: the key file (a path, never the key).
        key_path: Option<std::path::PathBuf>,
        /// `PUB_REPO_SSH_HOST_KEY_POLICY`.
        host_key_policy: SshHostKeyPolicy,
        /// `PUB_REPO_SSH_KNOWN_HOSTS`: trusted host keys, on top of
        /// `/etc/ssh/ssh_known_hosts`.
        known_hosts: Option<std::path::PathBuf>,
    },
    /// An HTTPS token, through the per-call askpass helper; sent only to an
    /// `https://` remote.
    Token {
        /// `PUB_REPO_TOKEN` (or `_FILE`).
        token: Secret,
    },
}

/// The publication settings (70-publication §5, §6; 90-operations §2).
#[derive(Clone, Debug)]
pub struct PublicationConfig {
    /// `PUB_REPO_URL`: the publication remote; empty means publishing is
    /// not configured. https or ssh (scp-style too); http and local paths
    /// outside production only; never credentials in the URL.
    pub repo_url: String,
    /// `PUB_REPO_BRANCH`: the branch cloned and pushed (`main`).
    pub branch: String,
    /// `PUB_REPO_AUTH` (`ssh`, the default, or `token`) with its settings.
    pub auth: RepoAuth,
    /// `PUB_REPO_CA_FILE`: extra PEM certificates trusted for an https
    /// remote (a private CA); the system roots otherwise.
    pub ca_file: Option<std::path::PathBuf>,
    /// `PUB_COMMIT_AUTHOR_NAME`: author and committer (`AdvisoryHub Bot`).
    pub commit_author_name: String,
    /// `PUB_COMMIT_AUTHOR_EMAIL`: their e-mail (`advisoryhub-bot@example.org`).
    pub commit_author_email: String,
    /// `PUB_OSV_PATH_TEMPLATE` (`osv/{year}/{advisory_id}.json`).
    pub osv_path_template: String,
    /// `PUB_CSAF_PATH_TEMPLATE` (`csaf/{year}/{advisory_id}.json`).
    pub csaf_path_template: String,
    /// `PUB_CVE_PATH_TEMPLATE` (`cves/{year}/{bucket}/{cve_id}.json`).
    pub cve_path_template: String,
    /// `PUB_GIT_NETWORK_TIMEOUT_SECONDS`: clone, push and `ls-remote` (300).
    pub git_network_timeout: Duration,
    /// `PUB_GIT_LOCAL_TIMEOUT_SECONDS`: add, commit, rev-parse (60).
    pub git_local_timeout: Duration,
    /// `PUB_REPO_LOCK_WAIT_SECONDS`: how long a run waits for another
    /// worker's push to the same repository (600).
    pub lock_wait: Duration,
    /// `READYZ_INCLUDE_PUB_REPO`: `/readyz` also runs `git ls-remote` (false).
    pub readyz_include_repo: bool,
    /// `PUB_CVE_ASSIGNER_ORG_ID`: the CNA's organisation UUID written into
    /// CVE records; without it a CVE-bearing publication fails validation.
    pub cve_assigner_org_id: String,
    /// `PUB_CVE_ASSIGNER_SHORT_NAME`: the CNA's short name (`eclipse`).
    pub cve_assigner_short_name: String,
    /// `PUB_TASK_STALE_RUNNING_AFTER_SECONDS`: a run still running after
    /// this is failed by the reaper (1800).
    pub stale_running_after: Duration,
    /// `PUB_TASK_STALE_QUEUED_AFTER_SECONDS`: a run still queued after this
    /// is failed by the reaper (7200).
    pub stale_queued_after: Duration,
}

impl PublicationConfig {
    /// Whether a publication remote is configured.
    pub fn is_configured(&self) -> bool {
        !self.repo_url.is_empty()
    }
}

// intake settings (50 §15)
/// The public intake form (50-web-ui §15, 90-operations §2).
#[derive(Clone, Debug)]
pub struct IntakeConfig {
    /// `INTAKE_DISABLED`: `/report/` answers 503 (false).
    pub disabled: bool,
    /// `RATELIMIT_INTAKE_ANON`: reports per client address (`5/h`).
    pub rate_anonymous: crate::ratelimit::Rate,
    /// `RATELIMIT_INTAKE_USER`: reports per signed-in user (`20/h`).
    pub rate_user: crate::ratelimit::Rate,
    /// `ALTCHA_HMAC_KEY` (or `_FILE`): signs the proof-of-work challenges
    /// anonymous reporters solve; empty turns the captcha off.
    pub altcha_hmac_key: Secret,
}

fn read_intake(r: &mut Reader<'_>) -> IntakeConfig {
    use crate::ratelimit::Rate;
    let hourly = |limit| Rate {
        limit,
        period: Duration::from_hours(1),
    };
    IntakeConfig {
        disabled: r.bool("INTAKE_DISABLED", false),
        rate_anonymous: r.parse("RATELIMIT_INTAKE_ANON", hourly(5), "a rate such as 5/h"),
        rate_user: r.parse("RATELIMIT_INTAKE_USER", hourly(20), "a rate such as 20/h"),
        altcha_hmac_key: Secret(
            r.secret("ALTCHA_HMAC_KEY", "ALTCHA_HMAC_KEY_FILE")
                .unwrap_or_default(),
        ),
    }
}

/// ID-token algorithms we accept for `OIDC_RP_SIGN_ALGO`.
pub const OIDC_SIGN_ALGOS: &[&str] = &[
    "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA", "HS256",
];

/// One problem with one variable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigProblem {
    pub var: &'static str,
    pub message: String,
}

impl fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.var, self.message)
    }
}

/// Every problem found while loading, listed at once.
#[derive(Debug, thiserror::Error)]
pub struct ConfigErrors(pub Vec<ConfigProblem>);

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "invalid configuration ({} problem(s)):", self.0.len())?;
        for p in &self.0 {
            writeln!(f, "  - {p}")?;
        }
        Ok(())
    }
}

/// Reads variables from a source (the process environment, or a map in tests)
/// and collects the problems it meets.
struct Reader<'a> {
    vars: &'a HashMap<String, String>,
    problems: Vec<ConfigProblem>,
}

impl Reader<'_> {
    fn problem(&mut self, var: &'static str, message: impl Into<String>) {
        self.problems.push(ConfigProblem {
            var,
            message: message.into(),
        });
    }

    /// A trimmed, non-empty value, or `None`.
    fn get(&self, var: &str) -> Option<String> {
        self.vars
            .get(var)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    }

    /// A secret from `VAR` or from the file named by `VAR_FILE`, never both.
    fn secret(&mut self, var: &'static str, file_var: &'static str) -> Option<String> {
        match (self.get(var), self.get(file_var)) {
            (Some(_), Some(_)) => {
                self.problem(var, format!("set either {var} or {file_var}, not both"));
                None
            }
            (Some(v), None) => Some(v),
            (None, Some(path)) => match std::fs::read_to_string(&path) {
                Ok(v) if !v.trim().is_empty() => Some(v.trim().to_owned()),
                Ok(_) => {
                    self.problem(file_var, format!("the file {path} is empty"));
                    None
                }
                Err(e) => {
                    self.problem(file_var, format!("cannot read {path}: {e}"));
                    None
                }
            },
            (None, None) => None,
        }
    }

    fn parse<T: std::str::FromStr>(&mut self, var: &'static str, default: T, what: &str) -> T {
        match self.get(var) {
            None => default,
            Some(v) => v.parse().unwrap_or_else(|_| {
                self.problem(var, format!("expected {what}, got {v:?}"));
                default
            }),
        }
    }

    /// A whole number of seconds between 1 and `max`.
    fn seconds(&mut self, var: &'static str, default: u64, max: u64) -> Duration {
        let v = self.parse(var, default, "a number of seconds");
        if !(1..=max).contains(&v) {
            self.problem(var, format!("must be between 1 and {max} seconds"));
        }
        Duration::from_secs(v)
    }

    /// A whole number of days between 1 and `max`.
    fn days(&mut self, var: &'static str, default: u32, max: u32) -> u32 {
        let v = self.parse(var, default, "a number of days");
        if !(1..=max).contains(&v) {
            self.problem(var, format!("must be between 1 and {max}"));
        }
        v
    }

    fn bool(&mut self, var: &'static str, default: bool) -> bool {
        match self.get(var).map(|v| v.to_ascii_lowercase()) {
            None => default,
            Some(v) => match v.as_str() {
                "1" | "true" | "yes" | "on" => true,
                "0" | "false" | "no" | "off" => false,
                _ => {
                    self.problem(var, format!("expected true or false, got {v:?}"));
                    default
                }
            },
        }
    }

    fn url(&mut self, var: &'static str) -> Option<String> {
        let v = self.get(var)?;
        if v.starts_with("https://") || v.starts_with("http://") {
            Some(v.trim_end_matches('/').to_owned())
        } else {
            self.problem(var, format!("expected an http(s):// URL, got {v:?}"));
            None
        }
    }
}

fn read_oidc(r: &mut Reader<'_>, warnings: &mut Vec<String>) -> OidcConfig {
    // Kept exactly as given: `iss` must match it character for character,
    // trailing slash included.
    let issuer = r.get("OIDC_OP_ISSUER");
    if let Some(url) = issuer.as_deref()
        && !(url.starts_with("https://") || url.starts_with("http://"))
    {
        r.problem(
            "OIDC_OP_ISSUER",
            format!("expected an http(s):// URL, got {url:?}"),
        );
    }
    let client_id = r.get("OIDC_RP_CLIENT_ID").unwrap_or_default();
    if issuer.is_some() && client_id.is_empty() {
        r.problem("OIDC_RP_CLIENT_ID", "required when OIDC_OP_ISSUER is set");
    }
    let client_secret = r
        .secret("OIDC_RP_CLIENT_SECRET", "OIDC_RP_CLIENT_SECRET_FILE")
        .unwrap_or_default();
    let sign_algo = r.get("OIDC_RP_SIGN_ALGO").unwrap_or_else(|| "RS256".into());
    if !OIDC_SIGN_ALGOS.contains(&sign_algo.as_str()) {
        r.problem(
            "OIDC_RP_SIGN_ALGO",
            format!(
                "expected one of {}, got {sign_algo:?}",
                OIDC_SIGN_ALGOS.join(", ")
            ),
        );
    }
    if sign_algo == "HS256" && client_secret.is_empty() {
        r.problem(
            "OIDC_RP_CLIENT_SECRET",
            "HS256 signs with the client secret, which is empty",
        );
    }
    let groups_claim = match (r.get("OIDC_GROUPS_CLAIM"), r.get("OIDC_GROUP_CLAIM")) {
        (Some(claim), _) => claim,
        (None, Some(claim)) => {
            warnings.push("OIDC_GROUP_CLAIM is deprecated; set OIDC_GROUPS_CLAIM instead".into());
            claim
        }
        (None, None) => "groups".into(),
    };
    let admin_group = r
        .get("OIDC_ADMIN_GROUP")
        .unwrap_or_else(|| "advisoryhub-security".into());
    OidcConfig {
        issuer,
        client_id,
        client_secret: Secret(client_secret),
        sign_algo,
        use_pkce: r.bool("OIDC_USE_PKCE", true),
        verify_tls: r.bool("OIDC_VERIFY_SSL", true),
        groups_claim,
        admin_group,
        require_email_verified: r.bool("OIDC_REQUIRE_EMAIL_VERIFIED", false),
    }
}

fn read_email(r: &mut Reader<'_>, app_env: AppEnv, warnings: &mut Vec<String>) -> EmailConfig {
    let backend = match r.get("EMAIL_BACKEND").as_deref() {
        None | Some("console") => EmailBackend::Console,
        Some("smtp") => EmailBackend::Smtp,
        Some("memory") => EmailBackend::Memory,
        Some(legacy @ "django.core.mail.backends.smtp.EmailBackend") => {
            warnings.push(format!("EMAIL_BACKEND={legacy} is deprecated; set smtp"));
            EmailBackend::Smtp
        }
        Some(legacy @ "django.core.mail.backends.console.EmailBackend") => {
            warnings.push(format!("EMAIL_BACKEND={legacy} is deprecated; set console"));
            EmailBackend::Console
        }
        Some(legacy @ "django.core.mail.backends.locmem.EmailBackend") => {
            warnings.push(format!("EMAIL_BACKEND={legacy} is deprecated; set memory"));
            EmailBackend::Memory
        }
        Some(other) => {
            r.problem(
                "EMAIL_BACKEND",
                format!("expected smtp, console or memory, got {other:?}"),
            );
            EmailBackend::Console
        }
    };
    if backend == EmailBackend::Console && app_env.is_production() {
        warnings.push("EMAIL_BACKEND=console: e-mails are only logged, never sent".into());
    }
    let default_from = || {
        lettre::message::Mailbox::new(
            Some("AdvisoryHub".into()),
            // Unchecked only because it is this constant, a valid address.
            lettre::Address::new_dangerous("noreply", "example.org"),
        )
    };
    let from = match r.get("DEFAULT_FROM_EMAIL") {
        None => default_from(),
        Some(v) => v.parse().unwrap_or_else(|e| {
            r.problem(
                "DEFAULT_FROM_EMAIL",
                format!("expected an address such as `Name <user@example.org>`, got {v:?}: {e}"),
            );
            default_from()
        }),
    };
    let host = r.get("EMAIL_HOST").unwrap_or_else(|| "localhost".into());
    let port = r.parse("EMAIL_PORT", 25u16, "a port number");
    if port == 0 {
        r.problem("EMAIL_PORT", "must be between 1 and 65535");
    }
    let user = r.get("EMAIL_HOST_USER").unwrap_or_default();
    let password = r
        .secret("EMAIL_HOST_PASSWORD", "EMAIL_HOST_PASSWORD_FILE")
        .unwrap_or_default();
    let starttls = r.bool("EMAIL_USE_TLS", false);
    let implicit_tls = r.bool("EMAIL_USE_SSL", false);
    if starttls && implicit_tls {
        r.problem(
            "EMAIL_USE_TLS",
            "EMAIL_USE_TLS (STARTTLS) and EMAIL_USE_SSL (implicit TLS) exclude each other; \
             set one of them",
        );
    }
    let timeout = r.parse("EMAIL_TIMEOUT", 30u64, "a number of seconds");
    if !(1..=600).contains(&timeout) {
        r.problem("EMAIL_TIMEOUT", "must be between 1 and 600 seconds");
    }
    EmailConfig {
        backend,
        from,
        host,
        port,
        user,
        password: Secret(password),
        starttls,
        implicit_tls,
        timeout: Duration::from_secs(timeout),
    }
}

/// The `PUB_*` settings of the publication repository (70-publication §6).
#[expect(clippy::too_many_lines, reason = "one short stanza per variable")]
fn read_publication(r: &mut Reader<'_>, app_env: AppEnv) -> PublicationConfig {
    use crate::publication::documents;
    use crate::publication::git::remote::{RemoteKind, valid_branch};
    use std::path::PathBuf;

    let repo_url = r.get("PUB_REPO_URL").unwrap_or_default();
    let kind = if repo_url.is_empty() {
        None
    } else {
        match RemoteKind::of(&repo_url) {
            Ok(kind) => Some(kind),
            Err(e) => {
                r.problem("PUB_REPO_URL", e);
                None
            }
        }
    };
    if let Some(kind) = kind
        && app_env.is_production()
        && !kind.allowed_in_production()
    {
        r.problem(
            "PUB_REPO_URL",
            format!("{kind} is refused in production; use https:// or ssh"),
        );
    }
    let branch = r.get("PUB_REPO_BRANCH").unwrap_or_else(|| "main".into());
    if !valid_branch(&branch) {
        r.problem(
            "PUB_REPO_BRANCH",
            format!("{branch:?} is not a branch name (letters, digits, `._/-`)"),
        );
    }
    let token = r.secret("PUB_REPO_TOKEN", "PUB_REPO_TOKEN_FILE");
    let key_path = r.get("PUB_REPO_SSH_KEY_PATH").map(PathBuf::from);
    let known_hosts = r.get("PUB_REPO_SSH_KNOWN_HOSTS").map(PathBuf::from);
    let host_key_policy = match r
        .get("PUB_REPO_SSH_HOST_KEY_POLICY")
        .map(|v| v.to_ascii_lowercase())
        .as_deref()
    {
        // Strict by default in production only (ruling 26).
        None if !app_env.is_production() => SshHostKeyPolicy::AcceptNew,
        Some("accept-new") => SshHostKeyPolicy::AcceptNew,
        None | Some("strict") => SshHostKeyPolicy::Strict,
        Some(other) => {
            r.problem(
                "PUB_REPO_SSH_HOST_KEY_POLICY",
                format!("expected strict or accept-new, got {other:?}"),
            );
            SshHostKeyPolicy::Strict
        }
    };
    let auth = match r
        .get("PUB_REPO_AUTH")
        .map(|v| v.to_ascii_lowercase())
        .as_deref()
    {
        None | Some("ssh") => {
            if token.is_some() {
                r.problem(
                    "PUB_REPO_TOKEN",
                    "set only with PUB_REPO_AUTH=token (ssh and token exclude each other)",
                );
            }
            if kind == Some(RemoteKind::Ssh) && key_path.is_none() {
                r.problem(
                    "PUB_REPO_SSH_KEY_PATH",
                    "required for an ssh remote (the deploy key file)",
                );
            }
            if let Some(path) = &key_path
                && !path.is_file()
            {
                r.problem(
                    "PUB_REPO_SSH_KEY_PATH",
                    format!("{} is not a readable file", path.display()),
                );
            }
            if let Some(path) = &known_hosts
                && !path.is_file()
            {
                r.problem(
                    "PUB_REPO_SSH_KNOWN_HOSTS",
                    format!("{} is not a readable file", path.display()),
                );
            }
            if app_env.is_production()
                && kind == Some(RemoteKind::Ssh)
                && host_key_policy == SshHostKeyPolicy::AcceptNew
                && known_hosts.is_none()
            {
                r.problem(
                    "PUB_REPO_SSH_HOST_KEY_POLICY",
                    "accept-new is refused in production without PUB_REPO_SSH_KNOWN_HOSTS",
                );
            }
            RepoAuth::Ssh {
                key_path,
                host_key_policy,
                known_hosts,
            }
        }
        Some("token") => {
            if key_path.is_some() {
                r.problem(
                    "PUB_REPO_SSH_KEY_PATH",
                    "set only with PUB_REPO_AUTH=ssh (ssh and token exclude each other)",
                );
            }
            if kind == Some(RemoteKind::Ssh) {
                r.problem(
                    "PUB_REPO_AUTH",
                    "token authentication needs an https:// remote, not an ssh one",
                );
            }
            if kind == Some(RemoteKind::Https) && token.is_none() {
                r.problem(
                    "PUB_REPO_TOKEN",
                    "required with PUB_REPO_AUTH=token and an https:// remote",
                );
            }
            RepoAuth::Token {
                token: Secret(token.unwrap_or_default()),
            }
        }
        Some(other) => {
            r.problem(
                "PUB_REPO_AUTH",
                format!("expected ssh or token, got {other:?}"),
            );
            RepoAuth::Token {
                token: Secret(String::new()),
            }
        }
    };
    let ca_file = r.get("PUB_REPO_CA_FILE").map(PathBuf::from);
    if let Some(path) = &ca_file
        && !path.is_file()
    {
        r.problem(
            "PUB_REPO_CA_FILE",
            format!("{} is not a readable file", path.display()),
        );
    }
    let commit_author_name = r
        .get("PUB_COMMIT_AUTHOR_NAME")
        .unwrap_or_else(|| "AdvisoryHub Bot".into());
    if commit_author_name.contains(['<', '>']) {
        r.problem("PUB_COMMIT_AUTHOR_NAME", "must not contain `<` or `>`");
    }
    let commit_author_email = r
        .get("PUB_COMMIT_AUTHOR_EMAIL")
        .unwrap_or_else(|| "advisoryhub-bot@example.org".into());
    if commit_author_email.contains(['<', '>'])
        || commit_author_email.chars().any(char::is_whitespace)
        || !commit_author_email.contains('@')
    {
        r.problem(
            "PUB_COMMIT_AUTHOR_EMAIL",
            format!("expected an e-mail address, got {commit_author_email:?}"),
        );
    }
    let osv_path_template = r
        .get("PUB_OSV_PATH_TEMPLATE")
        .unwrap_or_else(|| "osv/{year}/{advisory_id}.json".into());
    let csaf_path_template = r
        .get("PUB_CSAF_PATH_TEMPLATE")
        .unwrap_or_else(|| "csaf/{year}/{advisory_id}.json".into());
    let cve_path_template = r
        .get("PUB_CVE_PATH_TEMPLATE")
        .unwrap_or_else(|| "cves/{year}/{bucket}/{cve_id}.json".into());
    let git_network_timeout = r.seconds("PUB_GIT_NETWORK_TIMEOUT_SECONDS", 300, 3600);
    let git_local_timeout = r.seconds("PUB_GIT_LOCAL_TIMEOUT_SECONDS", 60, 3600);
    let lock_wait = r.seconds("PUB_REPO_LOCK_WAIT_SECONDS", 600, 3600);
    let stale_running_after = r.seconds("PUB_TASK_STALE_RUNNING_AFTER_SECONDS", 1800, 86_400);
    let stale_queued_after = r.seconds("PUB_TASK_STALE_QUEUED_AFTER_SECONDS", 7200, 86_400);
    let readyz_include_repo = r.bool("READYZ_INCLUDE_PUB_REPO", false);
    if readyz_include_repo && repo_url.is_empty() {
        r.problem(
            "READYZ_INCLUDE_PUB_REPO",
            "true needs PUB_REPO_URL (there is no repository to check)",
        );
    }
    let cve_assigner_org_id = r.get("PUB_CVE_ASSIGNER_ORG_ID").unwrap_or_default();
    if !cve_assigner_org_id.is_empty() && uuid::Uuid::parse_str(&cve_assigner_org_id).is_err() {
        r.problem("PUB_CVE_ASSIGNER_ORG_ID", "expected a UUID");
    }
    let cve_assigner_short_name = r
        .get("PUB_CVE_ASSIGNER_SHORT_NAME")
        .unwrap_or_else(|| "eclipse".into());
    for (var, template, kind) in [
        (
            "PUB_OSV_PATH_TEMPLATE",
            &osv_path_template,
            documents::Kind::Osv,
        ),
        (
            "PUB_CSAF_PATH_TEMPLATE",
            &csaf_path_template,
            documents::Kind::Csaf,
        ),
        (
            "PUB_CVE_PATH_TEMPLATE",
            &cve_path_template,
            documents::Kind::Cve,
        ),
    ] {
        if let Err(e) = documents::paths::check(kind, template) {
            r.problem(var, e.to_string());
        }
    }
    PublicationConfig {
        repo_url,
        branch,
        auth,
        ca_file,
        commit_author_name,
        commit_author_email,
        osv_path_template,
        csaf_path_template,
        cve_path_template,
        git_network_timeout,
        git_local_timeout,
        lock_wait,
        readyz_include_repo,
        cve_assigner_org_id,
        cve_assigner_short_name,
        stale_running_after,
        stale_queued_after,
    }
}

fn parse_host_patterns(raw: &str) -> Result<Vec<HostPattern>, String> {
    let mut out = Vec::new();
    for item in raw.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let lower = item.to_ascii_lowercase();
        if lower == "*" {
            out.push(HostPattern::Any);
            continue;
        }
        let name = lower.strip_prefix('.').unwrap_or(&lower);
        let valid = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
        if !valid {
            return Err(format!("{item:?} is not a host name"));
        }
        out.push(if lower.starts_with('.') {
            HostPattern::Suffix(lower)
        } else {
            HostPattern::Exact(lower)
        });
    }
    if out.is_empty() {
        return Err("no host names given".into());
    }
    Ok(out)
}

/// `name=seconds,…` with names of known schedules.
fn parse_schedule_intervals(raw: &str) -> Result<HashMap<String, Duration>, String> {
    let known: Vec<&str> = crate::jobs::schedule::DEFAULTS
        .iter()
        .map(|(n, _)| *n)
        .collect();
    let mut out = HashMap::new();
    for item in raw.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let (name, secs) = item
            .split_once('=')
            .ok_or_else(|| format!("{item:?} is not name=seconds"))?;
        let name = name.trim();
        if !known.contains(&name) {
            return Err(format!(
                "unknown schedule {name:?}; known: {}",
                known.join(", ")
            ));
        }
        let secs: u64 = secs
            .trim()
            .parse()
            .ok()
            .filter(|s| *s >= 1)
            .ok_or_else(|| {
                format!("{item:?}: the interval must be a whole number of seconds ≥ 1")
            })?;
        out.insert(name.to_owned(), Duration::from_secs(secs));
    }
    Ok(out)
}

impl Config {
    /// Loads from the process environment.
    pub fn from_env() -> Result<Config, ConfigErrors> {
        Self::from_vars(&std::env::vars().collect())
    }

    /// Loads from a map of variables; collects every problem.
    #[expect(clippy::too_many_lines, reason = "one short stanza per variable")]
    pub fn from_vars(vars: &HashMap<String, String>) -> Result<Config, ConfigErrors> {
        let mut r = Reader {
            vars,
            problems: Vec::new(),
        };

        let app_env = match r.get("APP_ENV").map(|v| v.to_ascii_lowercase()).as_deref() {
            None | Some("production") => AppEnv::Production,
            Some("development") => AppEnv::Development,
            Some("test") => AppEnv::Test,
            Some(other) => {
                r.problem(
                    "APP_ENV",
                    format!("expected production, development or test, got {other:?}"),
                );
                AppEnv::Production
            }
        };

        let secret_key = r.secret("SECRET_KEY", "SECRET_KEY_FILE");
        let secret_key = match secret_key {
            Some(k) => k,
            None if app_env.is_production() => {
                r.problem(
                    "SECRET_KEY",
                    "required in production (a long random string)",
                );
                String::new()
            }
            None => DEV_SECRET_KEY.to_owned(),
        };

        let allowed_hosts = match r.get("ALLOWED_HOSTS") {
            Some(raw) => parse_host_patterns(&raw).unwrap_or_else(|e| {
                r.problem("ALLOWED_HOSTS", e);
                Vec::new()
            }),
            None if app_env.is_production() => {
                r.problem(
                    "ALLOWED_HOSTS",
                    "required in production (comma-separated host names)",
                );
                Vec::new()
            }
            None => vec![HostPattern::Any],
        };

        let web_bind = r.parse(
            "WEB_BIND",
            SocketAddr::from(([0, 0, 0, 0], 8000)),
            "an address such as 0.0.0.0:8000",
        );
        let metrics = match r.get("METRICS_PORT") {
            None => MetricsListener::WebPort,
            Some(v) => match v.parse::<u16>() {
                Ok(0) => MetricsListener::Disabled,
                Ok(p) => MetricsListener::Port(p),
                Err(_) => {
                    r.problem("METRICS_PORT", format!("expected a port number, got {v:?}"));
                    MetricsListener::Disabled
                }
            },
        };

        let database_url = r
            .secret("DATABASE_URL", "DATABASE_URL_FILE")
            .unwrap_or_else(|| {
                "postgres://advisoryhub:advisoryhub@localhost:5432/advisoryhub".into()
            });
        if !(database_url.starts_with("postgres://") || database_url.starts_with("postgresql://")) {
            r.problem(
                "DATABASE_URL",
                "expected a postgres:// or postgresql:// URL",
            );
        }
        let database_max_connections = r.parse("DATABASE_MAX_CONNECTIONS", 10u32, "a whole number");
        if !(1..=1000).contains(&database_max_connections) {
            r.problem("DATABASE_MAX_CONNECTIONS", "must be between 1 and 1000");
        }

        let log_format = match r
            .get("LOG_FORMAT")
            .map(|v| v.to_ascii_lowercase())
            .as_deref()
        {
            None | Some("json") => LogFormat::Json,
            Some("plain") => LogFormat::Plain,
            Some(other) => {
                r.problem(
                    "LOG_FORMAT",
                    format!("expected json or plain, got {other:?}"),
                );
                LogFormat::Json
            }
        };
        let log_level = r.get("LOG_LEVEL").unwrap_or_else(|| "info".into());
        if let Err(e) = tracing_subscriber::EnvFilter::builder().parse(log_level.to_lowercase()) {
            r.problem("LOG_LEVEL", format!("not a level or filter: {e}"));
        }

        let use_x_forwarded_proto = r.bool("USE_X_FORWARDED_PROTO", false);
        let trusted_proxy_count = r.parse("TRUSTED_PROXY_COUNT", 0usize, "a whole number");
        if trusted_proxy_count > 16 {
            r.problem(
                "TRUSTED_PROXY_COUNT",
                "more than 16 proxies is surely a mistake",
            );
        }
        let csrf_trusted_origins: Vec<String> = r
            .get("CSRF_TRUSTED_ORIGINS")
            .map(|v| {
                v.split(',')
                    .map(|s| s.trim().trim_end_matches('/').to_owned())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        for origin in &csrf_trusted_origins {
            if !(origin.starts_with("https://") || origin.starts_with("http://")) {
                r.problem(
                    "CSRF_TRUSTED_ORIGINS",
                    format!("{origin:?} is not an origin such as https://advisoryhub.example.org"),
                );
            }
        }
        let csp_report_only = r.bool("CSP_REPORT_ONLY", false);
        let csp_report_uri = r.get("CSP_REPORT_URI");
        if csp_report_uri
            .as_deref()
            .is_some_and(|u| u.chars().any(|c| c.is_whitespace() || c == ';' || c == ','))
        {
            r.problem("CSP_REPORT_URI", "must be a single URI");
        }
        let base_url = r.url("ADVISORYHUB_BASE_URL");
        let repo_url = r.url("ADVISORYHUB_REPO_URL");
        let discussions_url = r.url("ADVISORYHUB_DISCUSSIONS_URL");
        let max_request_body_bytes = r.parse(
            "MAX_REQUEST_BODY_BYTES",
            1024 * 1024usize,
            "a number of bytes",
        );
        if max_request_body_bytes < 1024 {
            r.problem("MAX_REQUEST_BODY_BYTES", "must be at least 1024");
        }

        let database_listen_url = r
            .secret("DATABASE_LISTEN_URL", "DATABASE_LISTEN_URL_FILE")
            .map(Secret);
        let worker_concurrency = r.parse("WORKER_CONCURRENCY", 4usize, "a whole number");
        if !(1..=1024).contains(&worker_concurrency) {
            r.problem("WORKER_CONCURRENCY", "must be between 1 and 1024");
        }
        let worker_periodic_enabled = r.bool("WORKER_PERIODIC_ENABLED", true);
        let worker_lease = r.seconds("WORKER_LEASE_SECONDS", 3, 600);
        let worker_shutdown_grace = r.seconds("WORKER_SHUTDOWN_GRACE_SECONDS", 110, 3600);
        let worker_db_outage_exit = r.seconds("WORKER_DB_OUTAGE_EXIT_SECONDS", 300, 86_400);
        let job_retention_days = r.days("JOB_RETENTION_DAYS", 7, 3650);
        let ratelimit_enabled = r.bool("RATELIMIT_ENABLE", true);
        let schedule_intervals = match r.get("SCHEDULE_INTERVALS") {
            None => HashMap::new(),
            Some(raw) => parse_schedule_intervals(&raw).unwrap_or_else(|e| {
                r.problem("SCHEDULE_INTERVALS", e);
                HashMap::new()
            }),
        };

        let mut warnings = Vec::new();
        let oidc = read_oidc(&mut r, &mut warnings);
        let session_idle = r.seconds("SESSION_IDLE_TIMEOUT_SECONDS", 3 * 86_400, 365 * 86_400);
        let session_max_age = r.seconds("SESSION_MAX_AGE_SECONDS", 14 * 86_400, 365 * 86_400);
        let step_up_required = r.bool("STEP_UP_REQUIRED", true);
        let step_up_max_age = r.seconds("STEP_UP_MAX_AGE_SECONDS", 300, 86_400);
        let access_log_retention_days = r.days("AUDIT_ACCESS_LOG_RETENTION_DAYS", 90, 36_500);
        let access_log_retention_enabled = r.bool("AUDIT_ACCESS_LOG_RETENTION_ENABLED", true);
        // retention commands (90 §8)
        let retention_database_url = r
            .secret("RETENTION_DATABASE_URL", "RETENTION_DATABASE_URL_FILE")
            .map(Secret);
        let intake_report_retention_days = r.days("INTAKE_REPORT_RETENTION_DAYS", 365, 36_500);
        let email = read_email(&mut r, app_env, &mut warnings);
        let publication = read_publication(&mut r, app_env);
        let intake = read_intake(&mut r);

        let config = Config {
            app_env,
            secret_key: Secret(secret_key),
            allowed_hosts,
            web_bind,
            metrics,
            database_url: Secret(database_url),
            database_max_connections,
            log_format,
            log_level,
            use_x_forwarded_proto,
            trusted_proxy_count,
            csrf_trusted_origins,
            csp_report_only,
            csp_report_uri,
            base_url,
            repo_url,
            discussions_url,
            max_request_body_bytes,
            database_listen_url,
            worker_concurrency,
            worker_periodic_enabled,
            worker_lease,
            worker_shutdown_grace,
            worker_db_outage_exit,
            job_retention_days,
            ratelimit_enabled,
            schedule_intervals,
            oidc,
            session_idle,
            session_max_age,
            step_up_required,
            step_up_max_age,
            access_log_retention_days,
            access_log_retention_enabled,
            retention_database_url,
            intake_report_retention_days,
            email,
            publication,
            intake,
            warnings,
        };
        let mut problems = r.problems;
        if config.app_env.is_production() {
            problems.extend(config.production_problems());
        }
        if problems.is_empty() {
            Ok(config)
        } else {
            Err(ConfigErrors(problems))
        }
    }

    /// The rules a production deployment must meet on top of parsing.
    fn production_problems(&self) -> Vec<ConfigProblem> {
        let mut out = Vec::new();
        let mut push = |var, message: &str| {
            out.push(ConfigProblem {
                var,
                message: message.to_owned(),
            });
        };
        let key = self.secret_key.expose();
        if key == DEV_SECRET_KEY {
            push(
                "SECRET_KEY",
                "the development default is refused in production",
            );
        } else if !key.is_empty() && key.len() < MIN_SECRET_KEY_LEN {
            push("SECRET_KEY", "must be at least 32 characters in production");
        }
        if self.allowed_hosts.contains(&HostPattern::Any) {
            push(
                "ALLOWED_HOSTS",
                "`*` is refused in production; list the host names",
            );
        }
        if !self.use_x_forwarded_proto {
            push(
                "USE_X_FORWARDED_PROTO",
                "must be true in production: TLS ends at the proxy in front of AdvisoryHub, \
                 and without it every request would be redirected to HTTPS again",
            );
        }
        if self
            .base_url
            .as_deref()
            .is_some_and(|u| !u.starts_with("https://"))
        {
            push(
                "ADVISORYHUB_BASE_URL",
                "must be https:// in production (cookies are Secure)",
            );
        }
        if self
            .csrf_trusted_origins
            .iter()
            .any(|o| !o.starts_with("https://"))
        {
            push(
                "CSRF_TRUSTED_ORIGINS",
                "origins must be https:// in production",
            );
        }
        if self.oidc.issuer.is_none() {
            push(
                "OIDC_OP_ISSUER",
                "required in production: users sign in through OIDC",
            );
        }
        if self
            .oidc
            .issuer
            .as_deref()
            .is_some_and(|u| !u.starts_with("https://"))
        {
            push("OIDC_OP_ISSUER", "must be https:// in production");
        }
        if !self.oidc.verify_tls {
            push(
                "OIDC_VERIFY_SSL",
                "false is for a local development provider only",
            );
        }
        if self.email.backend == EmailBackend::Memory {
            push(
                "EMAIL_BACKEND",
                "memory keeps e-mails inside the process and is for tests only",
            );
        }
        if !self.step_up_required {
            push(
                "STEP_UP_REQUIRED",
                "false is for development only: sensitive actions need a fresh sign-in",
            );
        }
        out
    }

    /// A redactor that also masks this deployment's own secret values
    /// (80-integrations §1.3).
    pub fn redactor(&self) -> crate::audit::redact::Redactor {
        let mut secrets = vec![
            self.secret_key.expose().to_owned(),
            self.oidc.client_secret.expose().to_owned(),
            self.email.password.expose().to_owned(),
            self.intake.altcha_hmac_key.expose().to_owned(),
        ];
        if let RepoAuth::Token { token } = &self.publication.auth {
            secrets.push(token.expose().to_owned());
        }
        // The password inside a database URL (`scheme://user:password@host`).
        for url in [
            Some(&self.database_url),
            self.database_listen_url.as_ref(),
            self.retention_database_url.as_ref(),
        ]
        .into_iter()
        .flatten()
        {
            if let Ok(parsed) = url::Url::parse(url.expose())
                && let Some(password) = parsed.password()
            {
                secrets.push(password.to_owned());
            }
        }
        crate::audit::redact::Redactor::new(secrets)
    }

    /// Whether cookies carry `Secure` and the `__Host-` prefix.
    pub fn secure_cookies(&self) -> bool {
        self.app_env.is_production()
    }

    /// A development configuration for tests, from overrides on top of defaults.
    pub fn for_tests(overrides: &[(&str, &str)]) -> Result<Config, ConfigErrors> {
        let mut vars: HashMap<String, String> = HashMap::from([
            ("APP_ENV".into(), "test".into()),
            ("LOG_FORMAT".into(), "plain".into()),
        ]);
        for (k, v) in overrides {
            vars.insert((*k).to_owned(), (*v).to_owned());
        }
        Self::from_vars(&vars)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(pairs: &[(&str, &str)]) -> Result<Config, ConfigErrors> {
        Config::from_vars(
            &pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        )
    }

    fn vars_of(err: &ConfigErrors) -> Vec<&'static str> {
        err.0.iter().map(|p| p.var).collect()
    }

    #[test]
    fn development_defaults_are_usable() {
        let c = load(&[("APP_ENV", "development")]).unwrap();
        assert_eq!(c.secret_key.expose(), DEV_SECRET_KEY);
        assert_eq!(c.allowed_hosts, vec![HostPattern::Any]);
        assert_eq!(c.metrics, MetricsListener::WebPort);
        assert!(!c.secure_cookies());
    }

    #[test]
    fn production_lists_every_problem_at_once() {
        let err = load(&[("APP_ENV", "production"), ("LOG_FORMAT", "xml")]).unwrap_err();
        let vars = vars_of(&err);
        assert!(vars.contains(&"SECRET_KEY"));
        assert!(vars.contains(&"ALLOWED_HOSTS"));
        assert!(vars.contains(&"LOG_FORMAT"));
    }

    #[test]
    fn production_refuses_dev_key_star_hosts_and_http_urls() {
        let err = load(&[
            ("SECRET_KEY", DEV_SECRET_KEY),
            ("ALLOWED_HOSTS", "*"),
            ("ADVISORYHUB_BASE_URL", "http://advisories.example.org"),
            ("OIDC_OP_ISSUER", "https://id.example.org"),
            ("OIDC_RP_CLIENT_ID", "advisoryhub"),
        ])
        .unwrap_err();
        assert_eq!(
            vars_of(&err),
            vec![
                "SECRET_KEY",
                "ALLOWED_HOSTS",
                "USE_X_FORWARDED_PROTO",
                "ADVISORYHUB_BASE_URL"
            ]
        );
    }

    #[test]
    fn production_accepts_a_safe_configuration() {
        let c = load(&[
            ("SECRET_KEY", "k3y-with-enough-entropy-0123456789abcdef"),
            (
                "ALLOWED_HOSTS",
                "advisories.example.org, .internal.example.org",
            ),
            ("METRICS_PORT", "9808"),
            ("USE_X_FORWARDED_PROTO", "true"),
            ("OIDC_OP_ISSUER", "https://id.example.org/"),
            ("OIDC_RP_CLIENT_ID", "advisoryhub"),
        ])
        .unwrap();
        assert!(c.secure_cookies());
        assert_eq!(c.oidc.issuer.as_deref(), Some("https://id.example.org/"));
        assert!(c.step_up_required);
        assert_eq!(c.metrics, MetricsListener::Port(9808));
        assert!(c.allowed_hosts[1].matches("a.internal.example.org"));
        assert!(c.allowed_hosts[1].matches("internal.example.org"));
        assert!(!c.allowed_hosts[1].matches("evilinternal.example.org"));
    }

    #[test]
    fn the_old_group_claim_name_still_works_with_a_warning() {
        let c = load(&[("APP_ENV", "test"), ("OIDC_GROUP_CLAIM", "roles")]).unwrap();
        assert_eq!(c.oidc.groups_claim, "roles");
        assert_eq!(c.warnings.len(), 1);
        let c = load(&[
            ("APP_ENV", "test"),
            ("OIDC_GROUP_CLAIM", "roles"),
            ("OIDC_GROUPS_CLAIM", "teams"),
        ])
        .unwrap();
        assert_eq!(c.oidc.groups_claim, "teams");
    }

    #[test]
    fn production_refuses_a_development_sign_in() {
        let err = load(&[
            ("OIDC_OP_ISSUER", "http://127.0.0.1:8701"),
            ("OIDC_VERIFY_SSL", "false"),
            ("STEP_UP_REQUIRED", "false"),
        ])
        .unwrap_err();
        let vars = vars_of(&err);
        for var in [
            "OIDC_OP_ISSUER",
            "OIDC_RP_CLIENT_ID",
            "OIDC_VERIFY_SSL",
            "STEP_UP_REQUIRED",
        ] {
            assert!(vars.contains(&var), "{var} missing from {vars:?}");
        }
        let err = load(&[("SECRET_KEY", "k3y-with-enough-entropy-0123456789abcdef")]).unwrap_err();
        assert!(vars_of(&err).contains(&"OIDC_OP_ISSUER"));
    }

    #[test]
    fn invalid_values_name_their_variable() {
        let err = load(&[
            ("APP_ENV", "staging"),
            ("WEB_BIND", "nope"),
            ("METRICS_PORT", "99999"),
            ("DATABASE_MAX_CONNECTIONS", "0"),
            ("TRUSTED_PROXY_COUNT", "-1"),
            ("USE_X_FORWARDED_PROTO", "maybe"),
            ("ALLOWED_HOSTS", "exa mple.org"),
            ("DATABASE_URL", "mysql://x"),
            ("LOG_LEVEL", "loud=="),
        ])
        .unwrap_err();
        let vars = vars_of(&err);
        for v in [
            "APP_ENV",
            "WEB_BIND",
            "METRICS_PORT",
            "DATABASE_MAX_CONNECTIONS",
            "TRUSTED_PROXY_COUNT",
            "USE_X_FORWARDED_PROTO",
            "ALLOWED_HOSTS",
            "DATABASE_URL",
            "LOG_LEVEL",
        ] {
            assert!(vars.contains(&v), "{v} missing from {vars:?}");
        }
    }

    #[test]
    fn secrets_come_from_files_but_not_from_both() {
        let dir = std::env::temp_dir().join(format!("ah-cfg-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("key");
        std::fs::write(&path, "from-a-file-0123456789-0123456789-abc\n").unwrap();
        let p = path.to_str().unwrap();
        let c = load(&[("SECRET_KEY_FILE", p), ("APP_ENV", "test")]).unwrap();
        assert_eq!(
            c.secret_key.expose(),
            "from-a-file-0123456789-0123456789-abc"
        );
        let err = load(&[
            ("SECRET_KEY_FILE", p),
            ("SECRET_KEY", "x"),
            ("APP_ENV", "test"),
        ])
        .unwrap_err();
        assert_eq!(vars_of(&err), vec!["SECRET_KEY"]);
        let err =
            load(&[("SECRET_KEY_FILE", "/nonexistent/key"), ("APP_ENV", "test")]).unwrap_err();
        assert_eq!(vars_of(&err), vec!["SECRET_KEY_FILE"]);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn worker_settings_are_validated() {
        let c = load(&[
            ("APP_ENV", "test"),
            ("SCHEDULE_INTERVALS", "ephemeral-sweep=1, prune-jobs=60"),
        ])
        .unwrap();
        assert_eq!(
            c.schedule_intervals["ephemeral-sweep"],
            Duration::from_secs(1)
        );
        assert_eq!(c.worker_concurrency, 4);
        let err = load(&[
            ("APP_ENV", "test"),
            ("SCHEDULE_INTERVALS", "nightly=5"),
            ("WORKER_CONCURRENCY", "0"),
            ("WORKER_LEASE_SECONDS", "0"),
            ("JOB_RETENTION_DAYS", "many"),
        ])
        .unwrap_err();
        assert_eq!(
            vars_of(&err),
            vec![
                "WORKER_CONCURRENCY",
                "WORKER_LEASE_SECONDS",
                "JOB_RETENTION_DAYS",
                "SCHEDULE_INTERVALS"
            ]
        );
    }

    #[test]
    fn retention_days_are_bounded() {
        let c = load(&[("APP_ENV", "test")]).unwrap();
        assert_eq!(
            (c.access_log_retention_days, c.intake_report_retention_days),
            (90, 365)
        );
        let err = load(&[
            ("APP_ENV", "test"),
            ("AUDIT_ACCESS_LOG_RETENTION_DAYS", "0"),
            ("INTAKE_REPORT_RETENTION_DAYS", "36501"),
        ])
        .unwrap_err();
        assert_eq!(
            vars_of(&err),
            vec![
                "AUDIT_ACCESS_LOG_RETENTION_DAYS",
                "INTAKE_REPORT_RETENTION_DAYS"
            ]
        );
    }

    #[test]
    fn email_settings_are_read_and_validated() {
        let c = load(&[("APP_ENV", "test")]).unwrap();
        assert_eq!(c.email.backend, EmailBackend::Console);
        assert_eq!(
            c.email.from.to_string(),
            "AdvisoryHub <noreply@example.org>"
        );
        assert_eq!((c.email.host.as_str(), c.email.port), ("localhost", 25));
        assert_eq!(c.email.timeout, Duration::from_secs(30));
        assert!(!c.email.starttls && !c.email.implicit_tls && c.email.user.is_empty());

        let c = load(&[
            ("APP_ENV", "test"),
            (
                "EMAIL_BACKEND",
                "django.core.mail.backends.locmem.EmailBackend",
            ),
            ("DEFAULT_FROM_EMAIL", "Sécurité <security@example.net>"),
            ("EMAIL_USE_SSL", "true"),
            ("EMAIL_PORT", "465"),
            ("EMAIL_HOST_USER", "mailer"),
            ("EMAIL_HOST_PASSWORD", "smtp-password-123"),
        ])
        .unwrap();
        assert_eq!(c.email.backend, EmailBackend::Memory);
        assert_eq!(c.warnings.len(), 1, "{:?}", c.warnings);
        assert_eq!(c.email.from.email.to_string(), "security@example.net");
        assert!(c.email.implicit_tls);
        assert_eq!(
            c.redactor().redact_str("auth smtp-password-123"),
            "auth ***"
        );

        let err = load(&[
            ("APP_ENV", "test"),
            ("EMAIL_BACKEND", "sendmail"),
            ("DEFAULT_FROM_EMAIL", "not an address"),
            ("EMAIL_PORT", "0"),
            ("EMAIL_USE_TLS", "true"),
            ("EMAIL_USE_SSL", "true"),
            ("EMAIL_TIMEOUT", "0"),
        ])
        .unwrap_err();
        assert_eq!(
            vars_of(&err),
            vec![
                "EMAIL_BACKEND",
                "DEFAULT_FROM_EMAIL",
                "EMAIL_PORT",
                "EMAIL_USE_TLS",
                "EMAIL_TIMEOUT"
            ]
        );
    }

    #[test]
    fn production_refuses_the_memory_backend_and_warns_about_the_console() {
        let safe = [
            ("SECRET_KEY", "k3y-with-enough-entropy-0123456789abcdef"),
            ("ALLOWED_HOSTS", "advisories.example.org"),
            ("USE_X_FORWARDED_PROTO", "true"),
            ("OIDC_OP_ISSUER", "https://id.example.org/"),
            ("OIDC_RP_CLIENT_ID", "advisoryhub"),
        ];
        let c = load(&safe).unwrap();
        assert!(
            c.warnings
                .iter()
                .any(|w| w.contains("EMAIL_BACKEND=console"))
        );
        let err = load(&[&safe[..], &[("EMAIL_BACKEND", "memory")]].concat()).unwrap_err();
        assert_eq!(vars_of(&err), vec!["EMAIL_BACKEND"]);
        let c = load(&[&safe[..], &[("EMAIL_BACKEND", "smtp")]].concat()).unwrap();
        assert!(c.warnings.is_empty());
    }

    #[test]
    fn email_password_from_a_file_is_not_printed() {
        let dir = std::env::temp_dir().join(format!("ah-cfg-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("smtp");
        std::fs::write(&path, "smtp-pass-from-file\n").unwrap();
        let c = load(&[
            ("APP_ENV", "test"),
            ("EMAIL_HOST_PASSWORD_FILE", path.to_str().unwrap()),
        ])
        .unwrap();
        assert_eq!(c.email.password.expose(), "smtp-pass-from-file");
        assert!(!format!("{c:?}").contains("smtp-pass-from-file"));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn secrets_are_not_printed() {
        let c = load(&[("APP_ENV", "test"), ("SECRET_KEY", "hunter2")]).unwrap();
        assert!(!format!("{c:?}").contains("hunter2"));
    }

    #[test]
    fn publication_defaults_follow_the_spec() {
        let c = load(&[("APP_ENV", "test")]).unwrap();
        let p = &c.publication;
        assert!(!p.is_configured());
        assert_eq!(p.branch, "main");
        assert_eq!(p.commit_author_name, "AdvisoryHub Bot");
        assert_eq!(p.commit_author_email, "advisoryhub-bot@example.org");
        assert_eq!(p.osv_path_template, "osv/{year}/{advisory_id}.json");
        assert_eq!(p.csaf_path_template, "csaf/{year}/{advisory_id}.json");
        assert_eq!(p.cve_path_template, "cves/{year}/{bucket}/{cve_id}.json");
        assert_eq!(p.git_network_timeout, Duration::from_secs(300));
        assert_eq!(p.git_local_timeout, Duration::from_secs(60));
        assert!(!p.readyz_include_repo);
        assert_eq!(
            p.auth,
            RepoAuth::Ssh {
                key_path: None,
                host_key_policy: SshHostKeyPolicy::AcceptNew,
                known_hosts: None,
            }
        );
    }

    #[test]
    fn publication_settings_are_validated() {
        let err = load(&[
            ("APP_ENV", "test"),
            ("PUB_REPO_URL", "ext::sh -c id"),
            ("PUB_REPO_BRANCH", "-f"),
            ("PUB_REPO_AUTH", "password"),
            ("PUB_REPO_SSH_HOST_KEY_POLICY", "maybe"),
            ("PUB_COMMIT_AUTHOR_EMAIL", "bot"),
            ("PUB_GIT_NETWORK_TIMEOUT_SECONDS", "0"),
            ("READYZ_INCLUDE_PUB_REPO", "sometimes"),
        ])
        .unwrap_err();
        for var in [
            "PUB_REPO_URL",
            "PUB_REPO_BRANCH",
            "PUB_REPO_AUTH",
            "PUB_REPO_SSH_HOST_KEY_POLICY",
            "PUB_COMMIT_AUTHOR_EMAIL",
            "PUB_GIT_NETWORK_TIMEOUT_SECONDS",
            "READYZ_INCLUDE_PUB_REPO",
        ] {
            assert!(vars_of(&err).contains(&var), "{var} missing from {err}");
        }
        // ssh and token exclude each other (INV-PUB-2).
        let err = load(&[
            ("APP_ENV", "test"),
            ("PUB_REPO_URL", "https://git.example.org/pub.git"),
            ("PUB_REPO_AUTH", "token"),
            ("PUB_REPO_SSH_KEY_PATH", "/etc/hostname"),
        ])
        .unwrap_err();
        assert_eq!(
            vars_of(&err),
            vec!["PUB_REPO_SSH_KEY_PATH", "PUB_REPO_TOKEN"]
        );
        let err = load(&[
            ("APP_ENV", "test"),
            ("PUB_REPO_URL", "git@git.example.org:pub.git"),
            ("PUB_REPO_TOKEN", "tok-0123456789"),
        ])
        .unwrap_err();
        assert_eq!(
            vars_of(&err),
            vec!["PUB_REPO_TOKEN", "PUB_REPO_SSH_KEY_PATH"]
        );
        let err = load(&[
            ("APP_ENV", "test"),
            ("PUB_REPO_URL", "https://tok@git.example.org/pub.git"),
        ])
        .unwrap_err();
        assert_eq!(vars_of(&err), vec!["PUB_REPO_URL"]);
    }

    #[test]
    fn production_takes_https_or_ssh_with_a_pinned_host_key() {
        let safe = [
            ("SECRET_KEY", "k3y-with-enough-entropy-0123456789abcdef"),
            ("ALLOWED_HOSTS", "advisories.example.org"),
            ("USE_X_FORWARDED_PROTO", "true"),
            ("OIDC_OP_ISSUER", "https://id.example.org"),
            ("OIDC_RP_CLIENT_ID", "advisoryhub"),
        ];
        for url in [
            "/srv/pub.git",
            "file:///srv/pub.git",
            "http://git.example.org/p.git",
        ] {
            let err = load(&[&safe[..], &[("PUB_REPO_URL", url)]].concat()).unwrap_err();
            assert_eq!(vars_of(&err), vec!["PUB_REPO_URL"], "{url}");
        }
        let c = load(
            &[
                &safe[..],
                &[
                    ("PUB_REPO_URL", "https://git.example.org/pub.git"),
                    ("PUB_REPO_AUTH", "token"),
                    ("PUB_REPO_TOKEN", "tok-0123456789"),
                ],
            ]
            .concat(),
        )
        .unwrap();
        assert!(c.publication.is_configured());
        // The token is masked wherever the redactor runs, and never printed.
        assert_eq!(c.redactor().redact_str("echo tok-0123456789"), "echo ***");
        assert!(!format!("{c:?}").contains("tok-0123456789"));

        let ssh = [
            ("PUB_REPO_URL", "git@git.example.org:pub.git"),
            ("PUB_REPO_SSH_KEY_PATH", "/etc/hostname"),
        ];
        let c = load(&[&safe[..], &ssh[..]].concat()).unwrap();
        assert!(matches!(
            c.publication.auth,
            RepoAuth::Ssh {
                host_key_policy: SshHostKeyPolicy::Strict,
                ..
            }
        ));
        // Ruling 26: accept-new needs a known-hosts file in production.
        let accept_new = [("PUB_REPO_SSH_HOST_KEY_POLICY", "accept-new")];
        let err = load(&[&safe[..], &ssh[..], &accept_new[..]].concat()).unwrap_err();
        assert_eq!(vars_of(&err), vec!["PUB_REPO_SSH_HOST_KEY_POLICY"]);
        let known = [("PUB_REPO_SSH_KNOWN_HOSTS", "/etc/hostname")];
        load(&[&safe[..], &ssh[..], &accept_new[..], &known[..]].concat()).unwrap();
    }

    #[test]
    fn the_publication_token_comes_from_a_file_too() {
        let dir = std::env::temp_dir().join(format!("ah-cfg-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("token");
        std::fs::write(&path, "token-from-a-file-123\n").unwrap();
        let c = load(&[
            ("APP_ENV", "test"),
            ("PUB_REPO_URL", "https://git.example.org/pub.git"),
            ("PUB_REPO_AUTH", "token"),
            ("PUB_REPO_TOKEN_FILE", path.to_str().unwrap()),
        ])
        .unwrap();
        assert_eq!(
            c.publication.auth,
            RepoAuth::Token {
                token: Secret::new("token-from-a-file-123")
            }
        );
        assert!(!format!("{c:?}").contains("token-from-a-file-123"));
        std::fs::remove_dir_all(dir).unwrap();
    }
}
