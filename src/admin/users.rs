//! A user's page in the admin console, with the break-glass ban and unban
//! (50-web-ui §14.9). Both need a fresh step-up (30-permissions §8.1).

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tower_sessions::Session;

use crate::access::users::{self, BanChange};
use crate::auth::{Identity, RequireUser, session_error, step_up};
use crate::ops::retention::RetentionError;
use crate::web::AppState;
use crate::web::context::PageContext;
use crate::web::error::AppError;
use crate::web::flash::{self, Level};
use crate::web::routes;

fn require_admin(user: &Identity) -> Result<(), AppError> {
    if user.is_admin {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "Only global admins may use the admin console.".into(),
        ))
    }
}

struct UserRow {
    id: i64,
    email: String,
    display_name: String,
    oidc_subject: String,
    is_active: bool,
    banned_at: Option<time::OffsetDateTime>,
    ban_reason: String,
    banned_by_email: Option<String>,
    last_login: Option<time::OffsetDateTime>,
    date_joined: time::OffsetDateTime,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/user.html")]
pub struct UserPage {
    pub ctx: PageContext,
    id: i64,
    email: String,
    display_name: String,
    subject: String,
    active: bool,
    banned_at: String,
    ban_reason: String,
    banned_by: String,
    last_login: String,
    joined: String,
    groups: Vec<String>,
    is_self: bool,
}

impl UserPage {
    fn ban_path(&self) -> String {
        routes::admin_user_ban(self.id)
    }

    fn unban_path(&self) -> String {
        routes::admin_user_unban(self.id)
    }

    fn forget_path(&self) -> String {
        routes::admin_user_forget(self.id)
    }
}

fn when(t: Option<time::OffsetDateTime>) -> String {
    let f = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    t.and_then(|t| t.to_offset(time::UtcOffset::UTC).format(&f).ok())
        .unwrap_or_else(|| "—".to_owned())
}

/// `GET /admin/users/{id}/`.
#[tracing::instrument(name = "http.admin.users.show", skip_all)]
pub async fn show(
    State(state): State<AppState>,
    ctx: PageContext,
    RequireUser(me): RequireUser,
    Path(id): Path<i64>,
) -> Result<UserPage, AppError> {
    require_admin(&me)?;
    let mut conn = state.pool.acquire().await?;
    let row = sqlx::query_as!(
        UserRow,
        "SELECT u.id, u.email, u.display_name, u.oidc_subject, u.is_active, u.banned_at,
                u.ban_reason, b.email AS \"banned_by_email?\", u.last_login, u.date_joined
         FROM app_user u LEFT JOIN app_user b ON b.id = u.banned_by WHERE u.id = $1",
        id
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(AppError::NotFound)?;
    let groups = users::group_names(&mut conn, id).await?;
    Ok(UserPage {
        ctx,
        id: row.id,
        email: row.email,
        display_name: row.display_name,
        subject: row.oidc_subject,
        active: row.is_active,
        banned_at: when(row.banned_at),
        ban_reason: row.ban_reason,
        banned_by: row.banned_by_email.unwrap_or_else(|| "—".to_owned()),
        last_login: when(row.last_login),
        joined: when(Some(row.date_joined)),
        groups,
        is_self: row.id == me.id,
    })
}

#[derive(Debug, Deserialize)]
pub struct BanForm {
    #[serde(default)]
    reason: String,
}

/// Checks admin, then step-up; answers with where to go when either fails.
async fn gate(
    state: &AppState,
    session: &Session,
    me: &Identity,
    id: i64,
    htmx: bool,
) -> Result<(), Response> {
    require_admin(me).map_err(IntoResponse::into_response)?;
    step_up::require(session, &state.config, &routes::admin_user(id), htmx).await
}

/// `POST /admin/users/{id}/ban/`.
#[tracing::instrument(name = "http.admin.users.ban", skip_all)]
pub async fn ban(
    State(state): State<AppState>,
    session: Session,
    axum_htmx::HxRequest(htmx): axum_htmx::HxRequest,
    RequireUser(me): RequireUser,
    Path(id): Path<i64>,
    Form(form): Form<BanForm>,
) -> Result<Response, Response> {
    gate(&state, &session, &me, id, htmx).await?;
    let back = Redirect::to(&routes::admin_user(id)).into_response();
    let (level, message) = if id == me.id {
        (Level::Error, "You cannot ban your own account.".to_owned())
    } else if form.reason.trim().is_empty() {
        (
            Level::Error,
            "A reason is required to ban an account.".to_owned(),
        )
    } else {
        let mut conn = state.pool.acquire().await.map_err(to_response)?;
        match users::ban(&mut conn, id, Some(me.id), form.reason.trim())
            .await
            .map_err(to_response)?
        {
            BanChange::Changed => (
                Level::Success,
                "The account has been banned and signed out.".to_owned(),
            ),
            BanChange::Unchanged => (Level::Info, "The account was already banned.".to_owned()),
            BanChange::NoSuchUser => return Err(AppError::NotFound.into_response()),
        }
    };
    flash::push(&session, level, message)
        .await
        .map_err(|e| session_error(e).into_response())?;
    Ok(back)
}

/// `POST /admin/users/{id}/unban/`.
#[tracing::instrument(name = "http.admin.users.unban", skip_all)]
pub async fn unban(
    State(state): State<AppState>,
    session: Session,
    axum_htmx::HxRequest(htmx): axum_htmx::HxRequest,
    RequireUser(me): RequireUser,
    Path(id): Path<i64>,
) -> Result<Response, Response> {
    gate(&state, &session, &me, id, htmx).await?;
    let mut conn = state.pool.acquire().await.map_err(to_response)?;
    let (level, message) = match users::unban(&mut conn, id).await.map_err(to_response)?.0 {
        BanChange::Changed => (Level::Success, "The ban has been lifted."),
        BanChange::Unchanged => (Level::Info, "The account is not banned."),
        BanChange::NoSuchUser => return Err(AppError::NotFound.into_response()),
    };
    flash::push(&session, level, message)
        .await
        .map_err(|e| session_error(e).into_response())?;
    Ok(Redirect::to(&routes::admin_user(id)).into_response())
}

// forget (50 §14.9)
#[derive(Debug, Deserialize)]
pub struct ForgetForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    confirm_email: String,
}

/// `POST /admin/users/{id}/forget/`: the same operation as `forget-user`
/// (90-operations §8), after the admin check and a step-up.
#[tracing::instrument(name = "http.admin.users.forget", skip_all)]
#[expect(clippy::too_many_arguments, reason = "one extractor per input")]
pub async fn forget(
    State(state): State<AppState>,
    session: Session,
    ctx: PageContext,
    axum_htmx::HxRequest(htmx): axum_htmx::HxRequest,
    RequireUser(me): RequireUser,
    origin: crate::audit::access_log::RequestOrigin,
    Path(id): Path<i64>,
    Form(form): Form<ForgetForm>,
) -> Result<Response, Response> {
    use crate::admin::forget::{self, ForgetError, Via};
    gate(&state, &session, &me, id, htmx).await?;
    let email = sqlx::query_scalar!("SELECT email FROM app_user WHERE id = $1", id)
        .fetch_optional(&state.pool)
        .await
        .map_err(to_response)?
        .ok_or_else(|| AppError::NotFound.into_response())?;
    let (level, message) = if id == me.id {
        (Level::Error, ctx.t("forget-self"))
    } else if form.reason.trim().is_empty() {
        (Level::Error, ctx.t("forget-reason-required"))
    } else if !form.confirm_email.trim().eq_ignore_ascii_case(&email) {
        (Level::Error, ctx.t("forget-confirm-mismatch"))
    } else {
        let request = forget::Request {
            email: &email,
            pseudo: None,
            reason: &form.reason,
            also_delete: false,
            via: Via::AdminConsole,
            operator: Some(me.id),
            origin: Some(&origin),
        };
        let mut tx = crate::db::begin_as(&state.pool, crate::db::Principal::System)
            .await
            .map_err(to_response)?;
        match forget::forget(&mut tx, &state.redactor, &request).await {
            Ok(_) => {
                tx.commit().await.map_err(to_response)?;
                (Level::Success, ctx.t1("forget-done", "email", &email))
            }
            // The web role may not be a retention member: say so, change nothing.
            Err(ForgetError::Retention(RetentionError::NotRetentionRole(role))) => {
                tracing::warn!(role, "forget refused: the web role is not in hub_retention");
                (Level::Error, ctx.t("forget-not-permitted"))
            }
            Err(e) => return Err(AppError::Internal(Box::new(e)).into_response()),
        }
    };
    flash::push(&session, level, message)
        .await
        .map_err(|e| session_error(e).into_response())?;
    Ok(Redirect::to(&routes::admin_user(id)).into_response())
}

fn to_response(e: sqlx::Error) -> Response {
    AppError::from(e).into_response()
}
