//! The HTTP edge: shared state, the request layers, error rendering, the page
//! context, assets and the listeners.

pub mod assets;
pub mod context;
pub mod error;
pub mod flash;
pub mod htmx;
pub mod layers;
pub mod markdown;
pub mod pages;
pub mod ratelimit;
pub mod router;
pub mod routes;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::FromRef;
use sqlx::PgPool;
use tokio::net::TcpListener;

use crate::audit::redact::Redactor;
use crate::auth::oidc::Oidc;
use crate::config::Config;
use crate::notifications::mail::Mailer;
use crate::ops::metrics::Metrics;

/// What every handler may reach. Extractors and layers clone it on every
/// request, so a clone is one reference count.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

pub struct Shared {
    pub config: Arc<Config>,
    pub pool: PgPool,
    pub metrics: Metrics,
    pub oidc: Arc<Oidc>,
    /// Outgoing e-mail.
    pub mailer: Mailer,
    /// Applied to everything the audit records (INV-AUDIT-2).
    pub redactor: Arc<Redactor>,
    /// This process's view of maintenance mode, for banners.
    pub maintenance: crate::ops::maintenance::Snapshot,
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl AppState {
    pub fn new(config: Arc<Config>, pool: PgPool, metrics: Metrics) -> Result<AppState, String> {
        let oidc = Oidc::new(config.clone()).map_err(|e| format!("OIDC HTTP client: {e}"))?;
        let redactor = Arc::new(config.redactor());
        let mailer = Mailer::from_config(&config).map_err(|e| format!("e-mail: {e}"))?;
        Ok(AppState(Arc::new(Shared {
            config,
            pool,
            metrics,
            oidc: Arc::new(oidc),
            mailer,
            redactor,
            maintenance: crate::ops::maintenance::Snapshot::default(),
        })))
    }
}

impl FromRef<AppState> for PgPool {
    fn from_ref(state: &AppState) -> PgPool {
        state.pool.clone()
    }
}

impl FromRef<AppState> for Metrics {
    fn from_ref(state: &AppState) -> Metrics {
        state.metrics.clone()
    }
}

impl FromRef<AppState> for Arc<Config> {
    fn from_ref(state: &AppState) -> Arc<Config> {
        state.config.clone()
    }
}

/// Serves the web router on `listener` until `shutdown` resolves, then lets
/// in-flight requests finish.
pub async fn serve(
    state: AppState,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router::app(state);
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

/// Serves a private listener (metrics, worker liveness) until `shutdown`.
pub async fn serve_private(
    app: axum::Router,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}
