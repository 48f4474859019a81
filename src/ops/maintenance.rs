//! Maintenance mode (90-operations §7, INV-MAINT-1): the switch, its audit,
//! the gate that pauses every non-admin write, and each web process's banner
//! snapshot.
//!
//! The database row is the truth. The gate reads it on every unsafe request,
//! uncached, so a toggle holds on the very next write on every replica. The
//! banner shown on pages reads a per-process snapshot at most 30 s old, which
//! a change also invalidates at once through `NOTIFY maintenance` (decision
//! 33): the lag is cosmetic either way.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use askama::Template;
use axum::extract::{OptionalFromRequestParts, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;

use crate::access::permissions;
use crate::advisories::caller::Caller;
use crate::audit::access_log::RequestOrigin;
use crate::audit::catalogue::Action;
use crate::audit::redact::Redactor;
use crate::audit::{self, Entry};
use crate::i18n::{Lang, Translator};
use crate::signals::{Signals, SignalsError};
use crate::web::AppState;
use crate::web::assets::ASSETS;
use crate::web::routes;

/// The `NOTIFY` channel a change is announced on.
pub const CHANNEL: &str = "maintenance";
/// What a paused request is told to wait (90-operations §7).
pub const RETRY_AFTER_SECONDS: u32 = 3600;
/// The longest a banner snapshot is used without re-reading the row.
const SNAPSHOT_MAX_AGE: Duration = Duration::from_secs(30);
/// Longest banner message kept.
pub const MESSAGE_MAX_CHARS: usize = 2000;
/// The JSON answer of a paused `/api/` request (60-api §1).
pub const API_DETAIL: &str = "AdvisoryHub is in maintenance mode. Actions are temporarily paused.";

/// Paths that stay open while paused: sign-in plumbing, probes, metrics,
/// static assets and the GitHub webhook (INV-MAINT-1).
const EXEMPT_PREFIXES: [&str; 6] = [
    "/oidc/",
    routes::HEALTHZ,
    routes::READYZ,
    routes::METRICS,
    "/static/",
    "/ghsa/webhook/",
];

/// The switch as stored.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Switch {
    pub is_enabled: bool,
    pub message: String,
    pub updated_at: Option<OffsetDateTime>,
    /// The e-mail of whoever changed it last.
    pub updated_by: Option<String>,
}

/// Reads the switch; no row is "off".
pub async fn current(conn: &mut PgConnection) -> Result<Switch, sqlx::Error> {
    let row = sqlx::query!(
        r#"SELECT m.is_enabled, m.message, m.updated_at, u.email AS "email?"
           FROM maintenance_mode m LEFT JOIN app_user u ON u.id = m.updated_by
           WHERE m.id = 1"#
    )
    .fetch_optional(conn)
    .await?;
    Ok(row.map_or_else(Switch::default, |r| Switch {
        is_enabled: r.is_enabled,
        message: r.message,
        updated_at: Some(r.updated_at),
        updated_by: r.email,
    }))
}

/// The banner text while the switch is on: the message, if any.
async fn read_banner(pool: &PgPool) -> Result<Option<Banner>, sqlx::Error> {
    let row = sqlx::query!("SELECT is_enabled, message FROM maintenance_mode WHERE id = 1")
        .fetch_optional(pool)
        .await?;
    Ok(row
        .filter(|r| r.is_enabled)
        .map(|r| Banner { message: r.message }))
}

/// What a save did (50-web-ui §14.11).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Switched on, or its message changed while on: `maintenance.enabled`.
    On,
    /// Switched off: `maintenance.disabled`.
    Off,
    /// The message changed while off; saved, not audited (20-lifecycle §17.5).
    MessageSaved,
    Unchanged,
}

/// Why a save was refused.
#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    #[error("the message is longer than {MESSAGE_MAX_CHARS} characters")]
    TooLong,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl From<audit::ledger::RecordError> for SaveError {
    fn from(e: audit::ledger::RecordError) -> Self {
        SaveError::Database(e.into())
    }
}

/// Sets the switch in the caller's transaction, audits it, and announces it
/// on [`CHANNEL`] (delivered at commit). `message` is trimmed.
pub async fn save(
    conn: &mut PgConnection,
    redactor: &Redactor,
    actor_id: i64,
    enabled: bool,
    message: &str,
    origin: Option<&RequestOrigin>,
) -> Result<Outcome, SaveError> {
    let message = message.trim();
    if message.chars().count() > MESSAGE_MAX_CHARS {
        return Err(SaveError::TooLong);
    }
    sqlx::query!("INSERT INTO maintenance_mode (id) VALUES (1) ON CONFLICT (id) DO NOTHING")
        .execute(&mut *conn)
        .await?;
    let before =
        sqlx::query!("SELECT is_enabled, message FROM maintenance_mode WHERE id = 1 FOR UPDATE")
            .fetch_one(&mut *conn)
            .await?;
    let outcome = match (before.is_enabled, enabled) {
        (false, true) => Outcome::On,
        (true, false) => Outcome::Off,
        _ if before.message == message => Outcome::Unchanged,
        (true, true) => Outcome::On,
        (false, false) => Outcome::MessageSaved,
    };
    if outcome == Outcome::Unchanged {
        return Ok(outcome);
    }
    sqlx::query!(
        "UPDATE maintenance_mode SET is_enabled = $1, message = $2, updated_at = now(), updated_by = $3
         WHERE id = 1",
        enabled,
        message,
        actor_id
    )
    .execute(&mut *conn)
    .await?;
    let entry = match outcome {
        Outcome::On => Some(
            Entry::new(Action::MaintenanceEnabled, Some(actor_id), origin)
                .metadata(json!({ "message": message })),
        ),
        Outcome::Off => Some(
            Entry::new(Action::MaintenanceDisabled, Some(actor_id), origin)
                .metadata(json!({ "previous_message": before.message })),
        ),
        Outcome::MessageSaved | Outcome::Unchanged => None,
    };
    if let Some(entry) = entry {
        audit::record(conn, redactor, entry).await?;
    }
    sqlx::query!("SELECT pg_notify($1, '')", CHANNEL)
        .execute(&mut *conn)
        .await?;
    Ok(outcome)
}

/// The banner of a page while maintenance is on, put on the request by
/// [`gate`] for the page context.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Banner {
    /// As stored; redact before display.
    pub message: String,
}

/// The banner as last read, and when.
struct Cached {
    at: Instant,
    banner: Option<Banner>,
}

/// One process's snapshot of the switch for banners; cheap to clone.
#[derive(Clone, Default)]
pub struct Snapshot {
    cached: Arc<Mutex<Option<Cached>>>,
}

impl Snapshot {
    /// The banner, from the snapshot when it is fresh. A failed read shows
    /// no banner until the snapshot ages out: it is display only, and pages
    /// should not each wait on a database that is away.
    pub async fn banner(&self, pool: &PgPool) -> Option<Banner> {
        if let Ok(guard) = self.cached.lock()
            && let Some(cached) = guard.as_ref()
            && cached.at.elapsed() < SNAPSHOT_MAX_AGE
        {
            return cached.banner.clone();
        }
        match read_banner(pool).await {
            Ok(banner) => {
                self.store(banner.clone());
                banner
            }
            Err(e) => {
                tracing::warn!(error = %e, "maintenance banner: cannot read the switch");
                self.store(None);
                None
            }
        }
    }

    fn store(&self, banner: Option<Banner>) {
        if let Ok(mut guard) = self.cached.lock() {
            *guard = Some(Cached {
                at: Instant::now(),
                banner,
            });
        }
    }

    /// Forgets the snapshot: the next page reads the row.
    pub fn invalidate(&self) {
        if let Ok(mut guard) = self.cached.lock() {
            *guard = None;
        }
    }

    /// Invalidates the snapshot whenever any process announces a change.
    /// Notifications lost while the listener reconnects are covered by the
    /// 30-second age limit.
    pub fn follow(&self, signals: &Signals) -> Result<(), SignalsError> {
        let mut changes = signals.subscribe(CHANNEL)?;
        let snapshot = self.clone();
        tokio::spawn(async move {
            loop {
                match changes.recv().await {
                    Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                        snapshot.invalidate();
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
                }
            }
        });
        Ok(())
    }
}

fn is_safe(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    )
}

/// Whether `path` stays open while paused.
pub fn is_exempt(path: &str) -> bool {
    EXEMPT_PREFIXES.iter().any(|p| path.starts_with(p))
}

/// The gate (INV-MAINT-1), before any handler: while the switch is on, an
/// unsafe request from anyone but a global admin answers 503. Requests to
/// everything but the exempt paths carry the banner for their page.
pub async fn gate(State(state): State<AppState>, req: Request, next: Next) -> Response {
    // Probes and assets never wait on the database for a banner.
    if is_exempt(req.uri().path()) {
        return next.run(req).await;
    }
    if is_safe(req.method()) {
        let banner = state.maintenance.banner(&state.pool).await;
        return next.run(with_banner(&state, req, banner)).await;
    }
    // Authoritative and uncached: the row decides.
    let banner = match read_banner(&state.pool).await {
        Ok(banner) => banner,
        Err(e) => return crate::web::error::AppError::from(e).into_response(),
    };
    state.maintenance.store(banner.clone());
    let Some(banner) = banner else {
        return next.run(req).await;
    };
    let (mut parts, body) = req.into_parts();
    let caller = match <Caller as OptionalFromRequestParts<AppState>>::from_request_parts(
        &mut parts, &state,
    )
    .await
    {
        Ok(caller) => caller,
        Err(resp) => return resp,
    };
    if permissions::can_write_during_maintenance(caller.as_ref().map(|c| &c.actor)) {
        let req = Request::from_parts(parts, body);
        return next.run(with_banner(&state, req, Some(banner))).await;
    }
    paused(&state, &parts.headers, parts.uri.path(), &banner)
}

/// Puts the banner, its message redacted for display, on the request.
fn with_banner(state: &AppState, mut req: Request, banner: Option<Banner>) -> Request {
    if let Some(banner) = banner {
        let message = state
            .redactor
            .redact_str(banner.message.trim())
            .into_owned();
        req.extensions_mut().insert(Banner { message });
    }
    req
}

/// The "Maintenance in progress" page; its shell, like the error pages',
/// uses no session.
#[derive(Template)]
#[template(path = "maintenance.html")]
struct PausedPage<'a> {
    t: Translator,
    message: &'a str,
    css_url: &'a str,
    css_integrity: &'a str,
}

/// The 503 of a paused request: JSON under `/api/`, else the page, with
/// `HX-Refresh` for htmx so the browser reloads into the banner state.
fn paused(
    state: &AppState,
    headers: &axum::http::HeaderMap,
    path: &str,
    banner: &Banner,
) -> Response {
    let mut resp = if path.starts_with(routes::API_PREFIX) {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            axum::Json(json!({ "detail": API_DETAIL })),
        )
            .into_response()
    } else {
        let message = state.redactor.redact_str(banner.message.trim());
        let page = PausedPage {
            t: Translator::new(Lang::negotiate(headers)),
            message: &message,
            css_url: ASSETS.url("app/app.css"),
            css_integrity: ASSETS.integrity("app/app.css"),
        };
        match page.render() {
            Ok(html) => (
                StatusCode::SERVICE_UNAVAILABLE,
                [(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/html; charset=utf-8"),
                )],
                html,
            )
                .into_response(),
            Err(e) => {
                tracing::error!(error = %e, "cannot render the maintenance page");
                StatusCode::SERVICE_UNAVAILABLE.into_response()
            }
        }
    };
    let h = resp.headers_mut();
    h.insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECONDS));
    if headers.get("hx-request").is_some_and(|v| v == "true") {
        h.insert("hx-refresh", HeaderValue::from_static("true"));
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_in_probes_assets_and_webhooks_stay_open() {
        for open in [
            "/oidc/logout/",
            "/oidc/callback/",
            "/healthz",
            "/readyz",
            "/metrics",
            "/static/app/app.css",
            "/ghsa/webhook/",
        ] {
            assert!(is_exempt(open), "{open}");
        }
        for paused in [
            "/advisories/new/",
            "/admin/maintenance/",
            "/i18n/lang",
            "/api/v1/x",
        ] {
            assert!(!is_exempt(paused), "{paused}");
        }
        assert!(is_safe(&Method::HEAD) && !is_safe(&Method::DELETE));
    }
}
