//! The `advisoryhub` command line: one binary, several roles.

use std::collections::HashMap;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use tokio::net::TcpListener;

use crate::config::{AppEnv, Config, ConfigErrors, MetricsListener};
use crate::ops::metrics::Metrics;
use crate::web::{self, AppState};
use crate::{db, telemetry};

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
    /// Local development: migrate, then serve web (and later the worker) in
    /// one process with APP_ENV=development unless set otherwise.
    Dev,
}

/// Parses the command line and runs it.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    // One TLS provider for the whole process (database, outbound HTTPS).
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    match cli.command {
        Command::Check => check(),
        Command::Web => run_async(web_command(env_vars())),
        Command::Migrate => run_async(migrate_command()),
        Command::Dev => {
            let mut vars = env_vars();
            vars.entry("APP_ENV".into())
                .or_insert_with(|| "development".into());
            vars.entry("LOG_FORMAT".into())
                .or_insert_with(|| "plain".into());
            run_async(dev_command(vars))
        }
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

fn check() -> ExitCode {
    match load(&env_vars()) {
        Ok(config) => {
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

async fn migrate_command() -> Result<(), String> {
    let config = load(&env_vars())?;
    telemetry::init(config.log_format, &config.log_level);
    let pool = db::pool(&config).map_err(|e| format!("DATABASE_URL: {e}"))?;
    db::migrate(&pool)
        .await
        .map_err(|e| format!("migration failed: {e}"))?;
    tracing::info!(
        migrations = db::MIGRATOR.iter().count(),
        "database schema is up to date"
    );
    Ok(())
}

async fn web_command(vars: HashMap<String, String>) -> Result<(), String> {
    let config = load(&vars)?;
    telemetry::init(config.log_format, &config.log_level);
    serve_web(config).await
}

async fn dev_command(vars: HashMap<String, String>) -> Result<(), String> {
    let config = load(&vars)?;
    if config.app_env.is_production() {
        return Err("`dev` is for local development; unset APP_ENV=production".into());
    }
    telemetry::init(config.log_format, &config.log_level);
    let pool = db::pool(&config).map_err(|e| format!("DATABASE_URL: {e}"))?;
    db::migrate(&pool)
        .await
        .map_err(|e| format!("migration failed: {e}"))?;
    serve_web(config).await
}

async fn serve_web(config: Config) -> Result<(), String> {
    let pool = db::pool(&config).map_err(|e| format!("DATABASE_URL: {e}"))?;
    let metrics = Metrics::new().map_err(|e| format!("metrics: {e}"))?;
    let listener = TcpListener::bind(config.web_bind)
        .await
        .map_err(|e| format!("WEB_BIND {}: {e}", config.web_bind))?;
    let addr = listener
        .local_addr()
        .map_err(|e| format!("WEB_BIND: {e}"))?;
    if let MetricsListener::Port(port) = config.metrics {
        let metrics_listener = TcpListener::bind((config.web_bind.ip(), port))
            .await
            .map_err(|e| format!("METRICS_PORT {port}: {e}"))?;
        let m = metrics.clone();
        tokio::spawn(async move {
            if let Err(e) = web::serve_metrics(m, metrics_listener, shutdown_signal()).await {
                tracing::error!(error = %e, "metrics listener failed");
            }
        });
    }
    tracing::info!(url = %format!("http://{addr}/"), "AdvisoryHub web is listening");
    let state = AppState {
        config: Arc::new(config),
        pool,
        metrics,
    };
    web::serve(state, listener, shutdown_signal())
        .await
        .map_err(|e| format!("web server: {e}"))
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}
