//! The handlers of the triage decisions (50-web-ui §2.2, §6.6): promote,
//! flag for admin routing (and its form alone), clear the flag, and move a
//! report to another project. Thin wrappers over [`super::triage`],
//! answering like the other workflow actions: 303 back to the advisory with
//! a flash, or 204 with `HX-Refresh` for htmx; a state refusal is a flash
//! (409 for htmx), a missing note re-shows its form with 422, a caller who
//! may see the report but not decide gets 403 and one who cannot see it
//! 404. Rate limits of 20-lifecycle §20 are counted first.

use axum::Form;
use axum::extract::{Path, State};
use axum::response::Response;
use fluent_bundle::FluentValue;
use serde::Deserialize;
use tower_sessions::Session;
use uuid::Uuid;

use super::routes::{Answer, NoteForm, REQUEST_RATE, form_response, project_by_slug, typed};
use super::{triage, triage_panel};
use crate::access::permissions as perm;
use crate::advisories::caller::{Caller, checked_id};
use crate::audit::access_log::RequestOrigin;
use crate::web::AppState;
use crate::web::context::PageContext;
use crate::web::error::AppError;
use crate::web::flash::Level;
use crate::web::htmx::Fragment;
use crate::web::ratelimit::check_user;

#[derive(Debug, Default, Deserialize)]
pub struct ProjectForm {
    #[serde(default)]
    project_slug: String,
    #[serde(default)]
    note: String,
}

/// The project a posted slug names: `None` for no choice, the nil id for a
/// slug that names none (the service refuses it after checking who asks).
async fn chosen_project(
    conn: &mut sqlx::PgConnection,
    slug: &str,
) -> Result<Option<Uuid>, sqlx::Error> {
    let slug = slug.trim();
    if slug.is_empty() {
        return Ok(None);
    }
    Ok(Some(
        project_by_slug(conn, slug)
            .await?
            .map_or(Uuid::nil(), |p| p.id),
    ))
}

/// `POST /advisories/{id}/promote/` with an optional `project_slug` (§6.4).
#[tracing::instrument(name = "http.triage.promote", skip_all)]
#[expect(clippy::too_many_arguments, reason = "one extractor per input")]
pub async fn promote(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageContext,
    origin: RequestOrigin,
    session: Session,
    Fragment(htmx): Fragment,
    Path(raw_id): Path<String>,
    Form(form): Form<ProjectForm>,
) -> Result<Response, AppError> {
    check_user(&state, "triage.promote", REQUEST_RATE, caller.actor.user_id).await?;
    let public_id = checked_id(&raw_id)?;
    let mut tx = caller.begin(&state).await?;
    let target = chosen_project(&mut tx, &form.project_slug).await?;
    let sctx = caller.service_ctx(&state, &origin);
    let outcome = triage::promote_triage(&mut tx, sctx, public_id, target)
        .await
        .map(|_| (Level::Success, ctx.t("triage-flash-promoted")));
    Answer {
        session: &session,
        ctx,
        htmx,
        public_id,
        form: None,
    }
    .settle(tx, outcome)
    .await
}

/// `GET /advisories/{id}/flag/modal/`: the flag form alone for htmx, on a
/// page of its own otherwise; 404 unless the advisory is in triage.
#[tracing::instrument(name = "http.triage.flag.form", skip_all)]
pub async fn flag_form(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageContext,
    Fragment(htmx): Fragment,
    Path(raw_id): Path<String>,
) -> Result<Response, AppError> {
    let public_id = checked_id(&raw_id)?;
    let mut tx = caller.begin(&state).await?;
    let (_, facts) = caller.visible(&mut tx, public_id).await?;
    tx.commit().await?;
    if facts.state != perm::State::Triage {
        return Err(AppError::NotFound);
    }
    if !perm::can_flag_for_admin_routing(Some(&caller.actor), &facts) {
        return Err(AppError::Forbidden(ctx.t("triage-error-flag-forbidden")));
    }
    let f = triage_panel::flag_form(public_id);
    Ok(form_response(ctx, htmx, public_id, f))
}

/// `POST /advisories/{id}/flag/` with a required `note` (§6.1).
#[tracing::instrument(name = "http.triage.flag", skip_all)]
#[expect(clippy::too_many_arguments, reason = "one extractor per input")]
pub async fn flag(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageContext,
    origin: RequestOrigin,
    session: Session,
    Fragment(htmx): Fragment,
    Path(raw_id): Path<String>,
    Form(form): Form<NoteForm>,
) -> Result<Response, AppError> {
    check_user(&state, "triage.flag", REQUEST_RATE, caller.actor.user_id).await?;
    let public_id = checked_id(&raw_id)?;
    let mut tx = caller.begin(&state).await?;
    let sctx = caller.service_ctx(&state, &origin);
    let outcome = triage::flag_for_admin_routing(&mut tx, sctx, public_id, &form.note)
        .await
        .map(|()| (Level::Success, ctx.t("triage-flash-flagged")));
    let f = typed(triage_panel::flag_form(public_id), &form.note);
    Answer {
        session: &session,
        ctx,
        htmx,
        public_id,
        form: Some(f),
    }
    .settle(tx, outcome)
    .await
}

/// `POST /advisories/{id}/clear-routing-flag/` with an optional `note`
/// (§6.2).
#[tracing::instrument(name = "http.triage.clear_flag", skip_all)]
#[expect(clippy::too_many_arguments, reason = "one extractor per input")]
pub async fn clear_flag(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageContext,
    origin: RequestOrigin,
    session: Session,
    Fragment(htmx): Fragment,
    Path(raw_id): Path<String>,
    Form(form): Form<NoteForm>,
) -> Result<Response, AppError> {
    check_user(
        &state,
        "triage.clear_flag",
        REQUEST_RATE,
        caller.actor.user_id,
    )
    .await?;
    let public_id = checked_id(&raw_id)?;
    let mut tx = caller.begin(&state).await?;
    let sctx = caller.service_ctx(&state, &origin);
    let outcome = triage::clear_admin_routing_flag(&mut tx, sctx, public_id, &form.note)
        .await
        .map(|()| (Level::Success, ctx.t("triage-flash-flag-cleared")));
    let f = typed(triage_panel::clear_flag_form(public_id), &form.note);
    Answer {
        session: &session,
        ctx,
        htmx,
        public_id,
        form: Some(f),
    }
    .settle(tx, outcome)
    .await
}

/// `POST /advisories/{id}/reassign/` with a required `project_slug` and an
/// optional `note` (§6.3).
#[tracing::instrument(name = "http.triage.reassign", skip_all)]
#[expect(clippy::too_many_arguments, reason = "one extractor per input")]
pub async fn reassign(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageContext,
    origin: RequestOrigin,
    session: Session,
    Fragment(htmx): Fragment,
    Path(raw_id): Path<String>,
    Form(form): Form<ProjectForm>,
) -> Result<Response, AppError> {
    let public_id = checked_id(&raw_id)?;
    let mut tx = caller.begin(&state).await?;
    let destination = chosen_project(&mut tx, &form.project_slug).await?;
    let sctx = caller.service_ctx(&state, &origin);
    let outcome =
        triage::reassign_triage_project(&mut tx, sctx, public_id, destination, &form.note)
            .await
            .map(|done| {
                (
                    Level::Success,
                    ctx.t.t_with(
                        "triage-flash-reassigned",
                        &[("project", FluentValue::from(done.project.name))],
                    ),
                )
            });
    Answer {
        session: &session,
        ctx,
        htmx,
        public_id,
        form: None,
    }
    .settle(tx, outcome)
    .await
}
