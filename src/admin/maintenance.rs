//! The maintenance page of the admin console (50-web-ui §14.11): the switch
//! and its banner message. Saving needs a fresh step-up (30-permissions §8.1)
//! and comes back here after it (50-web-ui §2.9).

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tower_sessions::Session;

use crate::access::permissions as perm;
use crate::advisories::caller::Caller;
use crate::audit::access_log::RequestOrigin;
use crate::auth::{session_error, step_up};
use crate::db::{self, Principal};
use crate::ops::maintenance::{self, Outcome, SaveError, Switch};
use crate::web::AppState;
use crate::web::context::PageContext;
use crate::web::error::AppError;
use crate::web::flash::{self, Level};
use crate::web::routes;

#[derive(Template, WebTemplate)]
#[template(path = "admin/maintenance.html")]
pub struct MaintenancePage {
    pub ctx: PageContext,
    switch: Switch,
    changed_by: String,
    changed_at: String,
    /// The form as typed, back after a refusal.
    enabled: bool,
    message: String,
    error: Option<String>,
    action: &'static str,
    max_chars: usize,
}

fn require_admin(caller: &Caller, ctx: &PageContext) -> Result<(), AppError> {
    if perm::admin_console(Some(&caller.actor)) {
        Ok(())
    } else {
        Err(AppError::Forbidden(ctx.t("maintenance-forbidden")))
    }
}

async fn page(
    state: &AppState,
    ctx: PageContext,
    typed: Option<(bool, String, String)>,
) -> Result<MaintenancePage, AppError> {
    let mut conn = state.pool.acquire().await?;
    let switch = maintenance::current(&mut conn).await?;
    let f = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    let changed_at = switch
        .updated_at
        .and_then(|t| t.to_offset(time::UtcOffset::UTC).format(&f).ok())
        .unwrap_or_default();
    let changed_by = switch.updated_by.clone().unwrap_or_else(|| "—".to_owned());
    let (enabled, message, error) = match typed {
        Some((enabled, message, error)) => (enabled, message, Some(error)),
        None => (switch.is_enabled, switch.message.clone(), None),
    };
    Ok(MaintenancePage {
        ctx,
        switch,
        changed_by,
        changed_at,
        enabled,
        message,
        error,
        action: routes::ADMIN_MAINTENANCE,
        max_chars: maintenance::MESSAGE_MAX_CHARS,
    })
}

/// `GET /admin/maintenance/`.
#[tracing::instrument(name = "http.admin.maintenance.show", skip_all)]
pub async fn show(
    State(state): State<AppState>,
    ctx: PageContext,
    caller: Caller,
) -> Result<MaintenancePage, AppError> {
    require_admin(&caller, &ctx)?;
    page(&state, ctx, None).await
}

#[derive(Debug, Deserialize)]
pub struct MaintenanceForm {
    /// A checkbox: present when on.
    #[serde(default)]
    is_enabled: Option<String>,
    #[serde(default)]
    message: String,
}

/// `POST /admin/maintenance/`: admin, then step-up, then the switch.
#[tracing::instrument(name = "http.admin.maintenance.save", skip_all)]
pub async fn save(
    State(state): State<AppState>,
    session: Session,
    ctx: PageContext,
    axum_htmx::HxRequest(htmx): axum_htmx::HxRequest,
    caller: Caller,
    origin: RequestOrigin,
    Form(form): Form<MaintenanceForm>,
) -> Result<Response, Response> {
    require_admin(&caller, &ctx).map_err(IntoResponse::into_response)?;
    step_up::require(&session, &state.config, routes::ADMIN_MAINTENANCE, htmx).await?;
    let enabled = form.is_enabled.is_some();
    let saved = async {
        let mut tx = db::begin_as(&state.pool, Principal::System).await?;
        let outcome = maintenance::save(
            &mut tx,
            &state.redactor,
            caller.actor.user_id,
            enabled,
            &form.message,
            Some(&origin),
        )
        .await?;
        tx.commit().await?;
        Ok::<_, SaveError>(outcome)
    }
    .await;
    let (level, key) = match saved {
        Ok(Outcome::On) => (Level::Success, "maintenance-now-on"),
        Ok(Outcome::Off) => (Level::Success, "maintenance-now-off"),
        Ok(Outcome::MessageSaved) => (Level::Success, "maintenance-message-saved"),
        Ok(Outcome::Unchanged) => (Level::Info, "maintenance-no-change"),
        Err(SaveError::TooLong) => {
            let error = ctx.t1(
                "maintenance-too-long",
                "max",
                maintenance::MESSAGE_MAX_CHARS,
            );
            let page = page(&state, ctx, Some((enabled, form.message, error)))
                .await
                .map_err(IntoResponse::into_response)?;
            return Err((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
        Err(SaveError::Database(e)) => return Err(AppError::from(e).into_response()),
    };
    // This process's banner follows at once; others hear the NOTIFY.
    state.maintenance.invalidate();
    flash::push(&session, level, ctx.t(key))
        .await
        .map_err(|e| session_error(e).into_response())?;
    Ok(Redirect::to(routes::ADMIN_MAINTENANCE).into_response())
}
