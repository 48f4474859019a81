//! The `advisoryhub` command line: one binary, several roles.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use tokio::net::TcpListener;

use std::io::Write as _;

use crate::config::{AppEnv, Config, ConfigErrors, MetricsListener};
use crate::jobs::worker::{Worker, WorkerSettings};
use crate::notifications::mail::Mailer;
use crate::ops::metrics::Metrics;
use crate::signals::Signals;
use crate::web::{self, AppState};
use crate::{db, jobs, telemetry};

/// AdvisoryHub: author, review, publish and audit security advisories.
///
/// Configuration comes from environment variables (see docs/configuration.md);
/// secrets may also be read from files named by `<VAR>_FILE`.
#[derive(Debug, Parser)]
#[command(name = "advisoryhub", version, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the web application (HTML pages, JSON API, probes) on WEB_BIND.
    ///
    /// Refuses to start on invalid configuration; answers /readyz with 503
    /// until the database is reachable and migrated.
    Web,
    /// Run background jobs and the periodic schedule.
    ///
    /// Prints READY on stdout once it claims jobs. Metrics and /healthz are on
    /// METRICS_PORT when set. SIGTERM stops claiming and lets running jobs
    /// finish within WORKER_SHUTDOWN_GRACE_SECONDS.
    Worker {
        /// Jobs run at once (default: WORKER_CONCURRENCY).
        #[arg(long)]
        concurrency: Option<usize>,
    },
    /// Apply the database migrations embedded in this binary, then exit.
    ///
    /// Safe to run repeatedly: applied migrations are skipped.
    Migrate,
    /// Validate the configuration for its APP_ENV and exit 0 only when clean.
    ///
    /// With APP_ENV=production (the default) this is the release gate: a
    /// secret key that is set and not the development default, ALLOWED_HOSTS
    /// without `*`, https URLs for cookies that are always Secure. Needs no
    /// database.
    Check,
    /// Local development: migrate, then run web and worker in one process
    /// with APP_ENV=development unless set otherwise.
    Dev,
    /// Inspect the job queue and re-queue dead jobs.
    #[command(subcommand)]
    Jobs(JobsCommand),
    /// Delete completed and cancelled jobs older than the retention; dead jobs are kept.
    PruneJobs {
        /// Horizon in days (default: JOB_RETENTION_DAYS).
        #[arg(long)]
        older_than_days: Option<u32>,
    },
    /// Delete expired cache entries and rate-limit windows now.
    SweepEphemeral,
    /// Create the current and next month's access-log partitions; drop months
    /// past the retention.
    ///
    /// Rows the default partition holds for a month being created are moved
    /// into it. A month is dropped only when it ended more than N days ago and
    /// holds no newer row; the default partition never is. With
    /// AUDIT_ACCESS_LOG_RETENTION_ENABLED=false nothing is dropped unless
    /// --retention-days is given. Prints one line per partition and a summary.
    MaintainAccessLogPartitions {
        /// Drop months that ended more than N days ago (default:
        /// AUDIT_ACCESS_LOG_RETENTION_DAYS).
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=36_500))]
        retention_days: Option<u32>,
        /// Print what would be created and dropped, and change nothing.
        #[arg(long)]
        dry_run: bool,
    },
    // retention commands (90 §8)
    /// Delete audit-ledger rows older than the horizon, through the
    /// append-only bypass; records audit.pruned.
    ///
    /// First-view receipts (advisory.first_seen) and earlier audit.pruned
    /// rows are kept. Needs a database role that is a member of
    /// hub_retention. Timelines of advisories created before the cutoff say
    /// that older events were pruned.
    PruneAudit {
        /// Delete rows older than N days.
        #[arg(long, value_name = "N", default_value_t = crate::ops::retention::DEFAULT_AUDIT_DAYS,
              value_parser = clap::value_parser!(u32).range(1..=36_500))]
        older_than_days: u32,
        /// Print how many rows would go, and change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Why (recorded on audit.pruned); required unless --dry-run.
        #[arg(long, value_name = "TEXT", default_value = "")]
        reason: String,
    },
    /// GDPR erasure of one account, in one transaction through the
    /// append-only bypass; records user.forgotten without personal data.
    ///
    /// Replaces the e-mail (and blanks names) inside ledger values, deletes
    /// access-log rows and sessions, redacts the account's comments and all
    /// their versions, deletes pending invitations it sent or received,
    /// scrubs intake reports it filed, removes credits naming
    /// mailto:<EMAIL> (with a new advisory version, no editor), and
    /// pseudonymises the user row (deactivated).
    ForgetUser {
        /// The account's e-mail (case-insensitive).
        email: String,
        /// Replacement e-mail (default: forgotten-<id>@example.invalid).
        #[arg(long, value_name = "EMAIL")]
        pseudo: Option<String>,
        /// Why (recorded on user.forgotten).
        #[arg(long, value_name = "TEXT")]
        reason: String,
        /// Delete the user row instead of keeping it pseudonymised (refused
        /// for an account that edited advisories).
        #[arg(long)]
        also_delete: bool,
    },
    /// Scrub reporter data (user link, name, address, browser) from intake
    /// reports of advisories out of triage and unmodified for the retention,
    /// and from honeypot rows as old; records intake.reports_pruned.
    PruneReports {
        /// Print the counts, and change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Scrub this advisory's report whatever its age (ECL-…).
        #[arg(long, value_name = "ID", conflicts_with = "retention_days")]
        advisory_id: Option<String>,
        /// Horizon in days (default: INTAKE_REPORT_RETENTION_DAYS).
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=36_500))]
        retention_days: Option<u32>,
    },
    /// Development only: demo users, projects and advisories (refused with
    /// APP_ENV=production).
    ///
    /// Users: the development identity provider's, matched by e-mail, with
    /// their names and OIDC subject (the IdP's `id`); those marked
    /// `"banned": true` are banned, and a user without any group gets the
    /// IdP's groups (sign-in mirrors them from the ID token afterwards).
    /// Projects: ecd.theia (team theia-security), rt.jetty (jetty-security,
    /// mature publisher), technology.dash (dash-security). Advisories: a
    /// spread in every state, created and edited through the advisory
    /// service; skipped when they are already there.
    SeedDemo {
        /// The IdP's users file.
        #[arg(long, value_name = "PATH", default_value = "bin/idp/users.json")]
        users: PathBuf,
        /// Delete the demo advisories (every advisory of the demo projects,
        /// and the demo report on unsorted) and everything hanging off them
        /// first, then seed again. Advisories, versions and the ledger are
        /// protected by triggers, so this dev-only bypass sets
        /// session_replication_role = replica for its transaction, which
        /// needs a superuser connection.
        #[arg(long)]
        reset: bool,
    },
    /// Measure the job queue against the configured database.
    #[command(subcommand)]
    Bench(BenchCommand),
}

#[derive(Debug, Subcommand)]
pub enum JobsCommand {
    /// List the newest jobs, dead ones by default.
    List {
        /// pending, running, completed, dead, cancelled or all.
        #[arg(long, default_value = "dead")]
        status: String,
        #[arg(long, default_value_t = 50)]
        limit: i64,
        /// One JSON object per line instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Put a dead job back in the queue with fresh attempts.
    Retry {
        /// The job's id (from `jobs list`).
        id: i64,
    },
}

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Enqueue rate, end-to-end throughput and wake-up latency; prints one JSON object.
    Queue(crate::ops::bench::QueueOptions),
    /// Enqueue benchmark jobs for an outside harness; prints {"n", "seconds"}.
    Enqueue(crate::ops::bench::EnqueueOptions),
    /// Publish-to-published latency against a local bare repository; prints one JSON object.
    Publish(crate::ops::bench::PublishOptions),
}

/// Parses the command line and runs it.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    // One TLS provider for the whole process (database, outbound HTTPS).
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    match cli.command {
        Command::Check => check(),
        Command::Web => run_async(web_command(env_vars())),
        Command::Worker { concurrency } => run_async(worker_command(concurrency)),
        Command::Migrate => run_async(migrate_command()),
        Command::Dev => {
            let mut vars = env_vars();
            vars.entry("APP_ENV".into())
                .or_insert_with(|| "development".into());
            vars.entry("LOG_FORMAT".into())
                .or_insert_with(|| "plain".into());
            run_async(dev_command(vars))
        }
        Command::Jobs(cmd) => run_async(jobs_command(cmd)),
        Command::PruneJobs { older_than_days } => run_async(prune_jobs_command(older_than_days)),
        Command::SweepEphemeral => run_async(sweep_command()),
        Command::MaintainAccessLogPartitions {
            retention_days,
            dry_run,
        } => run_async(access_log_partitions_command(retention_days, dry_run)),
        Command::PruneAudit {
            older_than_days,
            dry_run,
            reason,
        } => run_async(prune_audit_command(older_than_days, dry_run, reason)),
        Command::ForgetUser {
            email,
            pseudo,
            reason,
            also_delete,
        } => run_async(forget_user_command(email, pseudo, reason, also_delete)),
        Command::PruneReports {
            dry_run,
            advisory_id,
            retention_days,
        } => run_async(prune_reports_command(dry_run, advisory_id, retention_days)),
        Command::SeedDemo { users, reset } => {
            run_async(seed_demo_command(env_vars(), users, reset))
        }
        Command::Bench(cmd) => run_async(bench_command(cmd)),
    }
}

fn env_vars() -> HashMap<String, String> {
    std::env::vars().collect()
}

fn run_async(fut: impl Future<Output = Result<(), String>>) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("advisoryhub: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(fut) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            tracing::error!("{message}");
            eprintln!("advisoryhub: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Loads the configuration, or prints every problem.
fn load(vars: &HashMap<String, String>) -> Result<Config, String> {
    Config::from_vars(vars).map_err(|e: ConfigErrors| e.to_string().trim_end().to_owned())
}

/// Starts logging, then logs what the configuration had to say.
fn init_logging(config: &Config) {
    telemetry::init(config.log_format, &config.log_level);
    for warning in &config.warnings {
        tracing::warn!("configuration: {warning}");
    }
}

fn check() -> ExitCode {
    match load(&env_vars()) {
        Ok(config) => {
            for warning in &config.warnings {
                println!("warning: {warning}");
            }
            let env = match config.app_env {
                AppEnv::Production => "production",
                AppEnv::Development => "development",
                AppEnv::Test => "test",
            };
            println!("configuration OK for APP_ENV={env}");
            if !config.app_env.is_production() {
                println!("note: production rules apply only with APP_ENV=production");
            }
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

/// Applies the migrations, then binds the `unsorted` project to the
/// configured admin group (INV-PROJECT-2).
async fn migrate(pool: &sqlx::PgPool, config: &Config) -> Result<(), String> {
    db::migrate(pool)
        .await
        .map_err(|e| format!("migration failed: {e}"))?;
    let mut conn = pool.acquire().await.map_err(|e| format!("database: {e}"))?;
    crate::advisories::projects::ensure_unsorted(&mut conn, &config.oidc.admin_group)
        .await
        .map_err(|e| format!("the unsorted project: {e}"))
}

async fn migrate_command() -> Result<(), String> {
    let config = load(&env_vars())?;
    init_logging(&config);
    let pool = connect(&config)?;
    migrate(&pool, &config).await?;
    tracing::info!(
        migrations = db::MIGRATOR.iter().count(),
        "database schema is up to date"
    );
    Ok(())
}

async fn dev_command(vars: HashMap<String, String>) -> Result<(), String> {
    let config = load(&vars)?;
    if config.app_env.is_production() {
        return Err("`dev` is for local development; unset APP_ENV=production".into());
    }
    init_logging(&config);
    let pool = connect(&config)?;
    migrate(&pool, &config).await?;
    let metrics = Metrics::new().map_err(|e| format!("metrics: {e}"))?;
    let config = Arc::new(config);
    let worker = start_worker(&config, &pool, &metrics, config.worker_concurrency)?;
    let worker = tokio::spawn(worker.run(shutdown_signal(), || {}));
    let served = serve_web(config, pool, metrics).await;
    match worker.await {
        Ok(Err(e)) => return Err(e.to_string()),
        Err(e) => return Err(format!("worker task: {e}")),
        Ok(Ok(())) => {}
    }
    served
}

fn connect(config: &Config) -> Result<sqlx::PgPool, String> {
    db::pool(config).map_err(|e| format!("DATABASE_URL: {e}"))
}

async fn bind_private(config: &Config, app: axum::Router) -> Result<(), String> {
    let MetricsListener::Port(port) = config.metrics else {
        return Ok(());
    };
    let listener = TcpListener::bind((config.web_bind.ip(), port))
        .await
        .map_err(|e| format!("METRICS_PORT {port}: {e}"))?;
    let shutdown = shutdown_signal();
    tokio::spawn(async move {
        if let Err(e) = web::serve_private(app, listener, shutdown).await {
            tracing::error!(error = %e, "metrics listener failed");
        }
    });
    Ok(())
}

async fn web_command(vars: HashMap<String, String>) -> Result<(), String> {
    let config = load(&vars)?;
    init_logging(&config);
    let pool = connect(&config)?;
    let metrics = Metrics::new().map_err(|e| format!("metrics: {e}"))?;
    serve_web(Arc::new(config), pool, metrics).await
}

async fn serve_web(
    config: Arc<Config>,
    pool: sqlx::PgPool,
    metrics: Metrics,
) -> Result<(), String> {
    let listener = TcpListener::bind(config.web_bind)
        .await
        .map_err(|e| format!("WEB_BIND {}: {e}", config.web_bind))?;
    let addr = listener
        .local_addr()
        .map_err(|e| format!("WEB_BIND: {e}"))?;
    bind_private(&config, web::router::metrics_app(metrics.clone())).await?;
    tokio::spawn(db::warn_if_rls_bypassed(pool.clone()));
    let shutdown = shutdown_signal();
    tracing::info!(url = %format!("http://{addr}/"), "AdvisoryHub web is listening");
    let state = AppState::new(config, pool, metrics)?;
    // Every replica's banner follows a maintenance toggle at once.
    let signals = Signals::start(listen_url(&state.config).expose()).map_err(|e| e.to_string())?;
    state
        .maintenance
        .follow(&signals)
        .map_err(|e| e.to_string())?;
    web::serve(state, listener, shutdown)
        .await
        .map_err(|e| format!("web server: {e}"))
}

/// Where `LISTEN` connects: `DATABASE_LISTEN_URL`, else the pool's URL.
fn listen_url(config: &Config) -> &crate::config::Secret {
    config
        .database_listen_url
        .as_ref()
        .unwrap_or(&config.database_url)
}

/// A worker wired to the process's notification listener.
fn start_worker(
    config: &Arc<Config>,
    pool: &sqlx::PgPool,
    metrics: &Metrics,
    concurrency: usize,
) -> Result<Worker, String> {
    let signals = Signals::start(listen_url(config).expose()).map_err(|e| e.to_string())?;
    let mut settings = WorkerSettings::from_config(config);
    settings.concurrency = concurrency;
    let mailer = Mailer::from_config(config).map_err(|e| format!("e-mail: {e}"))?;
    let worker = Worker::new(
        pool.clone(),
        config.clone(),
        mailer,
        jobs::kinds::registry(),
        settings,
        metrics.clone(),
    );
    worker.wake_on(
        signals
            .subscribe(jobs::CHANNEL)
            .map_err(|e| e.to_string())?,
    );
    Ok(worker)
}

async fn worker_command(concurrency: Option<usize>) -> Result<(), String> {
    let config = Arc::new(load(&env_vars())?);
    init_logging(&config);
    let pool = connect(&config)?;
    let metrics = Metrics::new().map_err(|e| format!("metrics: {e}"))?;
    let concurrency = concurrency.unwrap_or(config.worker_concurrency).max(1);
    let worker = start_worker(&config, &pool, &metrics, concurrency)?;
    bind_private(
        &config,
        web::router::worker_metrics_app(metrics, worker.heartbeat.clone()),
    )
    .await?;
    worker
        .run(shutdown_signal(), || {
            // Harnesses wait for this line before they measure.
            let mut out = std::io::stdout();
            let _ = writeln!(out, "READY");
            let _ = out.flush();
        })
        .await
        .map_err(|e| e.to_string())
}

async fn jobs_command(cmd: JobsCommand) -> Result<(), String> {
    let config = load(&env_vars())?;
    init_logging(&config);
    let pool = connect(&config)?;
    match cmd {
        JobsCommand::List {
            status,
            limit,
            json,
        } => {
            let filter = match status.as_str() {
                "all" => None,
                s if jobs::admin::STATUSES.contains(&s) => Some(s),
                other => {
                    return Err(format!(
                        "unknown status {other:?}; use one of {} or all",
                        jobs::admin::STATUSES.join(", ")
                    ));
                }
            };
            let rows = jobs::admin::list(&pool, filter, limit.clamp(1, 10_000))
                .await
                .map_err(|e| format!("database: {e}"))?;
            let mut out = std::io::stdout().lock();
            for row in rows {
                let line = if json {
                    serde_json::to_string(&row).map_err(|e| e.to_string())?
                } else {
                    format!(
                        "{:>8}  {:<9}  {:<28}  {}/{}  {}",
                        row.id,
                        row.status,
                        row.name,
                        row.attempts,
                        row.max_attempts,
                        row.last_error.as_deref().unwrap_or("")
                    )
                };
                writeln!(out, "{line}").map_err(|e| e.to_string())?;
            }
            Ok(())
        }
        JobsCommand::Retry { id } => {
            jobs::admin::retry(&pool, id)
                .await
                .map_err(|e| e.to_string())?;
            println!("job {id} re-queued");
            Ok(())
        }
    }
}

async fn prune_jobs_command(days: Option<u32>) -> Result<(), String> {
    let config = load(&env_vars())?;
    init_logging(&config);
    let pool = connect(&config)?;
    let days = days.unwrap_or(config.job_retention_days);
    if days == 0 {
        return Err("--older-than-days must be at least 1".into());
    }
    let deleted = jobs::admin::prune(&pool, days)
        .await
        .map_err(|e| format!("database: {e}"))?;
    println!("deleted {deleted} finished job(s) older than {days} day(s)");
    Ok(())
}

async fn sweep_command() -> Result<(), String> {
    let config = load(&env_vars())?;
    init_logging(&config);
    let pool = connect(&config)?;
    let swept = jobs::housekeeping::sweep(&pool, &config)
        .await
        .map_err(|e| e.to_string())?;
    println!(
        "deleted {} cache entr(ies), {} rate-limit window(s) and {} expired session(s)",
        swept.cache_rows, swept.limit_rows, swept.session_rows
    );
    Ok(())
}

async fn access_log_partitions_command(
    retention_days: Option<u32>,
    dry_run: bool,
) -> Result<(), String> {
    let config = load(&env_vars())?;
    init_logging(&config);
    let retention = match retention_days {
        Some(days) => Some(days),
        None if config.access_log_retention_enabled => Some(config.access_log_retention_days),
        None => {
            println!(
                "access-log retention is disabled (AUDIT_ACCESS_LOG_RETENTION_ENABLED=false): \
                 creating partitions only; --retention-days N drops old months by hand"
            );
            None
        }
    };
    let pool = connect(&config)?;
    let mut conn = pool.acquire().await.map_err(|e| format!("database: {e}"))?;
    let report = crate::audit::partitions::maintain(
        &mut conn,
        time::OffsetDateTime::now_utc(),
        retention,
        dry_run,
    )
    .await
    .map_err(|e| format!("access-log partitions: {e}"))?;
    let (create, drop) = if dry_run {
        ("would create", "would drop")
    } else {
        ("created", "dropped")
    };
    for name in &report.created {
        println!("{create} {name}");
    }
    for name in &report.dropped {
        println!("{drop} {name}");
    }
    let horizon = retention.map_or_else(
        || "no retention".to_owned(),
        |days| format!("retention {days} day(s)"),
    );
    let summary = format!(
        "{} partition(s) created, {} dropped, {} row(s) moved from the default partition ({horizon})",
        report.created.len(),
        report.dropped.len(),
        report.moved_rows,
    );
    if dry_run {
        println!("dry run, nothing changed: {summary}");
    } else {
        println!("{summary}");
    }
    Ok(())
}

// retention commands (90 §8)
/// The configuration and pool of a retention command, on
/// `RETENTION_DATABASE_URL` when set; each runs in one transaction as the
/// system principal (row-level security hides nothing).
fn retention_setup() -> Result<(sqlx::PgPool, Config), String> {
    let config = load(&env_vars())?;
    init_logging(&config);
    let mut retention = config.clone();
    if let Some(url) = &config.retention_database_url {
        retention.database_url = url.clone();
    }
    let pool = db::pool(&retention).map_err(|e| format!("RETENTION_DATABASE_URL: {e}"))?;
    Ok((pool, config))
}

async fn prune_audit_command(days: u32, dry_run: bool, reason: String) -> Result<(), String> {
    let (pool, config) = retention_setup()?;
    let mut tx = db::begin_as(&pool, db::Principal::System)
        .await
        .map_err(|e| format!("database: {e}"))?;
    let now = time::OffsetDateTime::now_utc();
    let report = crate::ops::retention::prune_audit(
        &mut tx,
        &config.redactor(),
        now,
        days,
        &reason,
        dry_run,
    )
    .await
    .map_err(|e| format!("prune-audit: {e}"))?;
    tx.commit().await.map_err(|e| format!("database: {e}"))?;
    let cutoff = report
        .cutoff
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let kept = format!(
        "{} older row(s) kept (first-view receipts and prune records)",
        report.kept
    );
    if dry_run {
        println!(
            "dry run, nothing changed: would delete {} ledger row(s) older than {cutoff} ({days} day(s)); {kept}",
            report.deleted
        );
    } else {
        println!(
            "deleted {} ledger row(s) older than {cutoff} ({days} day(s)); {kept}; recorded audit.pruned",
            report.deleted
        );
    }
    Ok(())
}

async fn forget_user_command(
    email: String,
    pseudo: Option<String>,
    reason: String,
    also_delete: bool,
) -> Result<(), String> {
    let (pool, config) = retention_setup()?;
    let mut tx = db::begin_as(&pool, db::Principal::System)
        .await
        .map_err(|e| format!("database: {e}"))?;
    let request = crate::admin::forget::Request {
        email: &email,
        pseudo: pseudo.as_deref(),
        reason: &reason,
        also_delete,
        via: crate::admin::forget::Via::Cli,
        operator: None,
        origin: None,
    };
    let done = crate::admin::forget::forget(&mut tx, &config.redactor(), &request)
        .await
        .map_err(|e| format!("forget-user: {e}"))?;
    tx.commit().await.map_err(|e| format!("database: {e}"))?;
    let c = &done.counters;
    println!(
        "forgot user {} (now {}): {} ledger row(s) rewritten, {} access-log row(s) and {} session(s) deleted,          {} comment(s) and {} comment version(s) redacted, {} invitation(s) deleted and {} re-addressed,          {} intake report(s) scrubbed, credits removed from {} advisory(ies); user row {}; recorded user.forgotten",
        done.user_id,
        done.pseudo,
        c.ledger_rows,
        c.access_log_rows,
        c.sessions,
        c.comments,
        c.comment_versions,
        c.invitations_deleted,
        c.invitations_readdressed,
        c.intake_reports,
        c.credited_advisories,
        if c.user_deleted {
            "deleted"
        } else {
            "pseudonymised and deactivated"
        },
    );
    Ok(())
}

async fn prune_reports_command(
    dry_run: bool,
    advisory_id: Option<String>,
    retention_days: Option<u32>,
) -> Result<(), String> {
    use crate::ops::retention::ReportsScope;
    let (pool, config) = retention_setup()?;
    let days = retention_days.unwrap_or(config.intake_report_retention_days);
    let scope = match advisory_id.as_deref() {
        Some(id) => ReportsScope::Advisory(id),
        None => ReportsScope::OlderThan(days),
    };
    let mut tx = db::begin_as(&pool, db::Principal::System)
        .await
        .map_err(|e| format!("database: {e}"))?;
    let report = crate::ops::retention::prune_reports(
        &mut tx,
        &config.redactor(),
        time::OffsetDateTime::now_utc(),
        scope,
        dry_run,
    )
    .await
    .map_err(|e| format!("prune-reports: {e}"))?;
    tx.commit().await.map_err(|e| format!("database: {e}"))?;
    let scope = advisory_id.map_or_else(
        || format!("older than {days} day(s)"),
        |id| format!("of {id}"),
    );
    let counts = format!(
        "{} intake report(s) and {} honeypot row(s) {scope}",
        report.sidecars, report.honeypots
    );
    if dry_run {
        println!("dry run, nothing changed: would scrub {counts}");
    } else {
        println!("scrubbed {counts}; recorded intake.reports_pruned");
    }
    Ok(())
}

async fn seed_demo_command(
    vars: HashMap<String, String>,
    users_file: PathBuf,
    reset: bool,
) -> Result<(), String> {
    // Checked before the configuration is loaded, so the refusal is the
    // message even where a production configuration would be incomplete.
    if vars
        .get("APP_ENV")
        .is_none_or(|v| v.eq_ignore_ascii_case("production"))
    {
        return Err(
            "seed-demo is for development and refused with APP_ENV=production (the default); \
             set APP_ENV=development"
                .into(),
        );
    }
    let config = load(&vars)?;
    init_logging(&config);
    let json = tokio::fs::read_to_string(&users_file)
        .await
        .map_err(|e| format!("cannot read {}: {e}", users_file.display()))?;
    let users =
        crate::demo::parse_users(&json).map_err(|e| format!("{}: {e}", users_file.display()))?;
    let pool = connect(&config)?;
    let mut conn = pool.acquire().await.map_err(|e| format!("database: {e}"))?;
    let redactor = config.redactor();
    let options = crate::demo::Options {
        reset,
        production: config.app_env.is_production(),
        admin_group: &config.oidc.admin_group,
        redactor: &redactor,
        users_file: &users_file.display().to_string(),
    };
    crate::demo::run(&mut conn, &users, &options, &mut std::io::stdout())
        .await
        .map_err(|e| e.to_string())
}

async fn bench_command(cmd: BenchCommand) -> Result<(), String> {
    let config = Arc::new(load(&env_vars())?);
    init_logging(&config);
    let pool = connect(&config)?;
    let report = match cmd {
        BenchCommand::Queue(opts) => crate::ops::bench::queue(&config, &pool, &opts).await,
        BenchCommand::Enqueue(opts) => crate::ops::bench::enqueue(&pool, &opts).await,
        BenchCommand::Publish(opts) => crate::ops::bench::publish(&config, &pool, &opts).await,
    }?;
    println!("{report}");
    Ok(())
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM. The handlers are installed when
/// this is called, not when the future is first polled, so a signal that
/// arrives right after start-up is never missed.
fn shutdown_signal() -> impl Future<Output = ()> + Send + 'static {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).ok();
    let mut int = signal(SignalKind::interrupt()).ok();
    async move {
        let term = async {
            match term.as_mut() {
                Some(s) => {
                    s.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        let int = async {
            match int.as_mut() {
                Some(s) => {
                    s.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            () = term => {},
            () = int => {},
        }
        tracing::info!("shutting down: finishing in-flight work");
    }
}
