//! The handlers of this workflow (50-web-ui §2.2, §6.6): thin wrappers over
//! the services. Every action is a plain form: a plain request is answered
//! with 303 back to the advisory and a flash (ruling 8); an htmx request
//! with 204 and `HX-Refresh` on success, 409 for a refusal of state and 422
//! for a missing note (ruling 7). A plain request with a missing note gets
//! the action's form again on a page of its own, with 422. Withdrawing,
//! approving a withdrawal and reopening a withdrawal need a fresh step-up
//! (30-permissions §8, Q-14), asked only of callers the predicate allows,
//! and returning to the advisory page (a GET), never to the POST. That
//! pre-check reads the row unlocked; the services decide again on the
//! locked row, told whether the session holds a fresh step-up.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use fluent_bundle::FluentValue;
use serde::Deserialize;
use tower_sessions::Session;
use uuid::Uuid;

use super::dismissal::{self, Dismissal, Reopened};
use super::panel::{self, ActionForm};
use super::{common, reassignment, withdrawal};
use crate::access::permissions::{self as perm, State as Lifecycle};
use crate::advisories::caller::{Caller, checked_id};
use crate::advisories::projects::{self, UNSORTED};
use crate::advisories::repo;
use crate::advisories::service::ServiceError;
use crate::audit::access_log::RequestOrigin;
use crate::auth::{session_error, step_up};
use crate::db::Tx;
use crate::ratelimit::Rate;
use crate::web::AppState;
use crate::web::context::PageContext;
use crate::web::error::{AppError, with_detail};
use crate::web::flash::{self, Level};
use crate::web::htmx::{Fragment, refresh};
use crate::web::ratelimit::check_user;
use crate::web::routes;

/// 20-lifecycle §20: requesting a reassignment or a withdrawal.
pub(super) const REQUEST_RATE: Rate = Rate {
    limit: 20,
    period: std::time::Duration::from_hours(1),
};

/// One action's form on a page of its own: the no-JavaScript dismiss page
/// (50-web-ui §8), the modal endpoints without htmx, and a form sent back
/// with what was missing.
#[derive(Template, WebTemplate)]
#[template(path = "advisories/workflow/page.html")]
pub struct ActionPage {
    pub ctx: PageContext,
    pub advisory_id: String,
    pub f: ActionForm,
}

impl ActionPage {
    fn advisory_href(&self) -> String {
        routes::advisory(&self.advisory_id)
    }
}

/// The same form alone, for an htmx modal.
#[derive(Template, WebTemplate)]
#[template(path = "advisories/workflow/form_fragment.html")]
pub struct ActionFragment {
    pub ctx: PageContext,
    pub f: ActionForm,
}

/// Whether `message` is a catalogue key (the services' refusals are) rather
/// than text.
fn is_key(message: &str) -> bool {
    message.contains('-')
        && message
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// A service message in the caller's language.
pub fn localize(ctx: &PageContext, message: &str) -> String {
    if is_key(message) {
        ctx.t(message)
    } else {
        message.to_owned()
    }
}

/// Where a request answers from, and the form to show again when a note
/// was missing.
pub(super) struct Answer<'a> {
    pub(super) session: &'a Session,
    pub(super) ctx: PageContext,
    pub(super) htmx: bool,
    pub(super) public_id: &'a str,
    /// The form as posted (with the typed value), for a 422 page.
    pub(super) form: Option<ActionForm>,
}

impl Answer<'_> {
    fn back(&self) -> Response {
        Redirect::to(&routes::advisory(self.public_id)).into_response()
    }

    async fn flash(&self, level: Level, message: String) -> Result<(), AppError> {
        flash::push(self.session, level, message)
            .await
            .map_err(session_error)
    }

    /// Commits a successful action, or answers its refusal (§2.5, ruling 8).
    pub(super) async fn settle(
        self,
        tx: Tx<'static>,
        outcome: Result<(Level, String), ServiceError>,
    ) -> Result<Response, AppError> {
        match outcome {
            Ok((level, message)) => {
                tx.commit().await?;
                self.flash(level, message).await?;
                Ok(if self.htmx { refresh() } else { self.back() })
            }
            Err(e) => {
                tx.rollback().await?;
                self.refused(e).await
            }
        }
    }

    async fn refused(self, e: ServiceError) -> Result<Response, AppError> {
        match e {
            ServiceError::InvalidState(m) => {
                let message = localize(&self.ctx, &m);
                if self.htmx {
                    Ok(with_detail(StatusCode::CONFLICT, message))
                } else {
                    self.flash(Level::Error, message).await?;
                    Ok(self.back())
                }
            }
            ServiceError::Invalid(errors) => {
                let message = errors
                    .iter()
                    .map(|e| localize(&self.ctx, &e.message))
                    .collect::<Vec<_>>()
                    .join(" ");
                if self.htmx {
                    return Ok(with_detail(StatusCode::UNPROCESSABLE_ENTITY, message));
                }
                let Some(mut f) = self.form else {
                    self.flash(Level::Error, message).await?;
                    return Ok(self.back());
                };
                f.error = Some(message);
                let page = ActionPage {
                    ctx: self.ctx,
                    advisory_id: self.public_id.to_owned(),
                    f,
                };
                Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
            }
            ServiceError::Forbidden(m) => Err(AppError::Forbidden(localize(&self.ctx, &m))),
            other => Err(other.into()),
        }
    }
}

/// The form as posted, for showing it again.
pub(super) fn typed(mut f: ActionForm, value: &str) -> ActionForm {
    if let Some(field) = f.field.as_mut() {
        value.clone_into(&mut field.value);
    }
    f
}

#[derive(Debug, Default, Deserialize)]
pub struct ReasonForm {
    #[serde(default)]
    reason: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct NoteForm {
    #[serde(default)]
    pub(super) note: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct RequestReassignmentForm {
    #[serde(default)]
    note: String,
    #[serde(default)]
    suggested_project_slug: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct AcceptForm {
    #[serde(default)]
    project_slug: String,
}

/// Shows `f` as a page, or alone for htmx.
pub(super) fn form_response(
    ctx: PageContext,
    htmx: bool,
    public_id: &str,
    f: ActionForm,
) -> Response {
    if htmx {
        ActionFragment { ctx, f }.into_response()
    } else {
        ActionPage {
            ctx,
            advisory_id: public_id.to_owned(),
            f,
        }
        .into_response()
    }
}

/// `GET /advisories/{id}/dismiss/`: the dismiss form (50-web-ui §8).
#[tracing::instrument(name = "http.workflow.dismiss.form", skip_all)]
pub async fn dismiss_form(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageContext,
    Fragment(htmx): Fragment,
    Path(raw_id): Path<String>,
) -> Result<Response, AppError> {
    let public_id = checked_id(&raw_id)?;
    let mut tx = caller.begin(&state).await?;
    let (row, facts) = caller.visible(&mut tx, public_id).await?;
    tx.commit().await?;
    let me = Some(&caller.actor);
    let allowed = match facts.state {
        Lifecycle::Triage => perm::can_triage(me, &facts),
        Lifecycle::Draft | Lifecycle::Published | Lifecycle::Dismissed => {
            perm::can_dismiss(me, &facts)
        }
    };
    if !allowed {
        return Err(AppError::Forbidden(
            ctx.t("lifecycle-error-dismiss-forbidden"),
        ));
    }
    let f = panel::dismiss_form(public_id, !row.assigned_cve_id.is_empty());
    Ok(form_response(ctx, htmx, public_id, f))
}

/// `POST /advisories/{id}/dismiss/` with `reason`: a triage report or a
/// draft (§9.1, §9.2).
#[tracing::instrument(name = "http.workflow.dismiss", skip_all)]
#[expect(clippy::too_many_arguments, reason = "one extractor per input")]
pub async fn dismiss(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageContext,
    origin: RequestOrigin,
    session: Session,
    Fragment(htmx): Fragment,
    Path(raw_id): Path<String>,
    Form(form): Form<ReasonForm>,
) -> Result<Response, AppError> {
    let public_id = checked_id(&raw_id)?;
    let mut tx = caller.begin(&state).await?;
    let sctx = caller.service_ctx(&state, &origin);
    let outcome = dismissal::dismiss_advisory(&mut tx, sctx, public_id, &form.reason)
        .await
        .map(|done| match done {
            Dismissal::Dismissed { .. } => (Level::Success, ctx.t("lifecycle-flash-dismissed")),
            Dismissal::AlreadyDismissed => {
                (Level::Info, ctx.t("lifecycle-flash-already-dismissed"))
            }
        });
    // A form shown again says what it said before.
    let cve_assigned = if matches!(outcome, Err(ServiceError::Invalid(_))) {
        repo::load(&mut tx, public_id, Some(&caller.actor), false)
            .await?
            .is_some_and(|r| !r.assigned_cve_id.is_empty())
    } else {
        false
    };
    let f = typed(panel::dismiss_form(public_id, cve_assigned), &form.reason);
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

/// `POST /advisories/{id}/reopen/` (§9.3); reopening a withdrawal
/// re-publishes it and needs a fresh step-up (§10.4, Q-14).
#[tracing::instrument(name = "http.workflow.reopen", skip_all)]
pub async fn reopen(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageContext,
    origin: RequestOrigin,
    session: Session,
    Fragment(htmx): Fragment,
    Path(raw_id): Path<String>,
) -> Result<Response, AppError> {
    let public_id = checked_id(&raw_id)?;
    let mut tx = caller.begin(&state).await?;
    let (_, facts) = caller.visible(&mut tx, public_id).await?;
    if dismissal::is_unwithdraw(facts.dismissed_from_state)
        && facts.state == Lifecycle::Dismissed
        && perm::can_reopen(Some(&caller.actor), &facts)
        && let Err(go) = step_up(&state, &session, public_id, htmx).await
    {
        return Ok(go);
    }
    let fresh = step_up::is_fresh(&session, &state.config).await?;
    let sctx = caller.service_ctx(&state, &origin);
    let outcome = dismissal::reopen_advisory(&mut tx, sctx, public_id, fresh)
        .await
        .map(|done| match done {
            Reopened::Restored { .. } => (Level::Success, ctx.t("lifecycle-flash-reopened")),
            Reopened::Unwithdrawn { .. } => (Level::Success, ctx.t("lifecycle-flash-unwithdrawn")),
        });
    if needs_step_up(&outcome)
        && let Err(go) = step_up(&state, &session, public_id, htmx).await
    {
        tx.rollback().await?;
        return Ok(go);
    }
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

/// Whether the service refused for want of a fresh step-up: the locked row
/// needed one where the row read before did not.
fn needs_step_up<T>(outcome: &Result<T, ServiceError>) -> bool {
    matches!(outcome, Err(ServiceError::Forbidden(m)) if m == common::STEP_UP_REQUIRED)
}

/// The step-up gate, returning to the advisory page afterwards.
async fn step_up(
    state: &AppState,
    session: &Session,
    public_id: &str,
    htmx: bool,
) -> Result<(), Response> {
    step_up::require(session, &state.config, &routes::advisory(public_id), htmx).await
}

/// `POST /advisories/{id}/withdraw/` with `reason` (§10.1): predicate,
/// then step-up, then the reason.
#[tracing::instrument(name = "http.workflow.withdraw", skip_all)]
#[expect(clippy::too_many_arguments, reason = "one extractor per input")]
pub async fn withdraw(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageContext,
    origin: RequestOrigin,
    session: Session,
    Fragment(htmx): Fragment,
    Path(raw_id): Path<String>,
    Form(form): Form<ReasonForm>,
) -> Result<Response, AppError> {
    let public_id = checked_id(&raw_id)?;
    let mut tx = caller.begin(&state).await?;
    let (_, facts) = caller.visible(&mut tx, public_id).await?;
    if perm::can_withdraw_published(Some(&caller.actor), &facts)
        && let Err(go) = step_up(&state, &session, public_id, htmx).await
    {
        return Ok(go);
    }
    let fresh = step_up::is_fresh(&session, &state.config).await?;
    let sctx = caller.service_ctx(&state, &origin);
    let outcome = withdrawal::withdraw_advisory(&mut tx, sctx, public_id, &form.reason, fresh)
        .await
        .map(|_| (Level::Success, ctx.t("lifecycle-flash-withdrawal-started")));
    if needs_step_up(&outcome)
        && let Err(go) = step_up(&state, &session, public_id, htmx).await
    {
        tx.rollback().await?;
        return Ok(go);
    }
    let f = typed(panel::withdraw_form(public_id, None), &form.reason);
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

/// `POST /advisories/{id}/approve-withdrawal/` (§10.3): admins, step-up.
#[tracing::instrument(name = "http.workflow.approve_withdrawal", skip_all)]
pub async fn approve_withdrawal(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageContext,
    origin: RequestOrigin,
    session: Session,
    Fragment(htmx): Fragment,
    Path(raw_id): Path<String>,
) -> Result<Response, AppError> {
    let public_id = checked_id(&raw_id)?;
    let mut tx = caller.begin(&state).await?;
    let (_, facts) = caller.visible(&mut tx, public_id).await?;
    if perm::can_approve_withdrawal(Some(&caller.actor), &facts)
        && let Err(go) = step_up(&state, &session, public_id, htmx).await
    {
        return Ok(go);
    }
    let fresh = step_up::is_fresh(&session, &state.config).await?;
    let sctx = caller.service_ctx(&state, &origin);
    let outcome = withdrawal::approve_withdrawal(&mut tx, sctx, public_id, fresh)
        .await
        .map(|_| (Level::Success, ctx.t("lifecycle-flash-withdrawal-approved")));
    if needs_step_up(&outcome)
        && let Err(go) = step_up(&state, &session, public_id, htmx).await
    {
        tx.rollback().await?;
        return Ok(go);
    }
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

/// `POST /advisories/{id}/request-withdrawal/` with `note` (§10.2).
#[tracing::instrument(name = "http.workflow.request_withdrawal", skip_all)]
#[expect(clippy::too_many_arguments, reason = "one extractor per input")]
pub async fn request_withdrawal(
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
        "workflow.request_withdrawal",
        REQUEST_RATE,
        caller.actor.user_id,
    )
    .await?;
    let public_id = checked_id(&raw_id)?;
    let mut tx = caller.begin(&state).await?;
    let sctx = caller.service_ctx(&state, &origin);
    let outcome = withdrawal::request_withdrawal(&mut tx, sctx, public_id, &form.note)
        .await
        .map(|()| {
            (
                Level::Success,
                ctx.t("lifecycle-flash-withdrawal-requested"),
            )
        });
    let f = typed(panel::request_withdrawal_form(public_id), &form.note);
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

/// `POST /advisories/{id}/cancel-withdrawal-request/` with an optional
/// `note` (§10.3).
#[tracing::instrument(name = "http.workflow.cancel_withdrawal_request", skip_all)]
#[expect(clippy::too_many_arguments, reason = "one extractor per input")]
pub async fn cancel_withdrawal_request(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageContext,
    origin: RequestOrigin,
    session: Session,
    Fragment(htmx): Fragment,
    Path(raw_id): Path<String>,
    Form(form): Form<NoteForm>,
) -> Result<Response, AppError> {
    let public_id = checked_id(&raw_id)?;
    let mut tx = caller.begin(&state).await?;
    let sctx = caller.service_ctx(&state, &origin);
    let outcome = withdrawal::cancel_withdrawal_request(&mut tx, sctx, public_id, &form.note)
        .await
        .map(|()| {
            (
                Level::Success,
                ctx.t("lifecycle-flash-withdrawal-request-cancelled"),
            )
        });
    let f = typed(panel::cancel_withdrawal_request_form(public_id), &form.note);
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

/// Whether `slug` could name a project: the pattern and length of the
/// `project` table's CHECK. Anything else (a NUL, which PostgreSQL refuses
/// in text, included) names no project and is answered as an unknown one
/// without asking the database.
fn plausible_slug(slug: &str) -> bool {
    let bytes = slug.as_bytes();
    let edge = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    let inner = |b: &u8| edge(b) || matches!(b, b'.' | b'_' | b'-');
    match (bytes.first(), bytes.last()) {
        (Some(first), Some(last)) => {
            bytes.len() <= 100 && edge(first) && edge(last) && bytes.iter().all(inner)
        }
        _ => false,
    }
}

/// The project `slug` names, if it could name one and does.
pub(super) async fn project_by_slug(
    conn: &mut sqlx::PgConnection,
    slug: &str,
) -> Result<Option<projects::Project>, sqlx::Error> {
    if plausible_slug(slug) {
        projects::by_slug(conn, slug).await
    } else {
        Ok(None)
    }
}

/// The projects offered in the request form: all but the current one and
/// `unsorted` (50-web-ui §6.6).
async fn offered_projects(
    conn: &mut sqlx::PgConnection,
    current: Uuid,
) -> Result<Vec<(String, String)>, sqlx::Error> {
    Ok(projects::all(conn)
        .await?
        .into_iter()
        .filter(|p| p.id != current && p.slug != UNSORTED)
        .map(|p| (p.slug, p.name))
        .collect())
}

/// `GET /advisories/{id}/request-reassignment/modal/`.
#[tracing::instrument(name = "http.workflow.request_reassignment.form", skip_all)]
pub async fn request_reassignment_form(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageContext,
    Fragment(htmx): Fragment,
    Path(raw_id): Path<String>,
) -> Result<Response, AppError> {
    let public_id = checked_id(&raw_id)?;
    let mut tx = caller.begin(&state).await?;
    let (row, facts) = caller.visible(&mut tx, public_id).await?;
    if !perm::can_request_reassignment(Some(&caller.actor), &facts) {
        return Err(AppError::Forbidden(
            ctx.t("lifecycle-error-reassignment-request-forbidden"),
        ));
    }
    let offered = offered_projects(&mut tx, row.project_id).await?;
    tx.commit().await?;
    let f = panel::request_reassignment_form(public_id, offered);
    Ok(form_response(ctx, htmx, public_id, f))
}

/// `POST /advisories/{id}/request-reassignment/` with `note` and an
/// optional `suggested_project_slug` (an unknown slug suggests nothing).
#[tracing::instrument(name = "http.workflow.request_reassignment", skip_all)]
#[expect(clippy::too_many_arguments, reason = "one extractor per input")]
pub async fn request_reassignment(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageContext,
    origin: RequestOrigin,
    session: Session,
    Fragment(htmx): Fragment,
    Path(raw_id): Path<String>,
    Form(form): Form<RequestReassignmentForm>,
) -> Result<Response, AppError> {
    check_user(
        &state,
        "workflow.request_reassignment",
        REQUEST_RATE,
        caller.actor.user_id,
    )
    .await?;
    let public_id = checked_id(&raw_id)?;
    let mut tx = caller.begin(&state).await?;
    let slug = form.suggested_project_slug.trim();
    let suggested = if slug.is_empty() || slug == UNSORTED {
        None
    } else {
        project_by_slug(&mut tx, slug).await?.map(|p| p.id)
    };
    let sctx = caller.service_ctx(&state, &origin);
    let outcome =
        reassignment::request_admin_reassignment(&mut tx, sctx, public_id, &form.note, suggested)
            .await
            .map(|()| {
                (
                    Level::Success,
                    ctx.t("lifecycle-flash-reassignment-requested"),
                )
            });
    let mut f = typed(
        panel::request_reassignment_form(public_id, Vec::new()),
        &form.note,
    );
    // The form shown again offers the projects it offered before.
    if matches!(outcome, Err(ServiceError::Invalid(_)))
        && let Some(picker) = f.picker.as_mut()
        && let Some(row) = repo::load(&mut tx, public_id, Some(&caller.actor), false).await?
    {
        picker.options = offered_projects(&mut tx, row.project_id).await?;
        slug.clone_into(&mut picker.selected);
    }
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

/// `GET /advisories/{id}/withdraw-reassignment/modal/`.
#[tracing::instrument(name = "http.workflow.withdraw_reassignment.form", skip_all)]
pub async fn withdraw_reassignment_form(
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
    if !perm::can_withdraw_reassignment_request(Some(&caller.actor), &facts) {
        return Err(AppError::Forbidden(
            ctx.t("lifecycle-error-reassignment-withdraw-forbidden"),
        ));
    }
    let f = panel::withdraw_reassignment_form(public_id);
    Ok(form_response(ctx, htmx, public_id, f))
}

/// `POST /advisories/{id}/withdraw-reassignment/` with an optional `note`.
#[tracing::instrument(name = "http.workflow.withdraw_reassignment", skip_all)]
#[expect(clippy::too_many_arguments, reason = "one extractor per input")]
pub async fn withdraw_reassignment(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageContext,
    origin: RequestOrigin,
    session: Session,
    Fragment(htmx): Fragment,
    Path(raw_id): Path<String>,
    Form(form): Form<NoteForm>,
) -> Result<Response, AppError> {
    let public_id = checked_id(&raw_id)?;
    let mut tx = caller.begin(&state).await?;
    let sctx = caller.service_ctx(&state, &origin);
    let outcome = reassignment::withdraw_admin_reassignment(&mut tx, sctx, public_id, &form.note)
        .await
        .map(|()| {
            (
                Level::Success,
                ctx.t("lifecycle-flash-reassignment-withdrawn"),
            )
        });
    let f = typed(panel::withdraw_reassignment_form(public_id), &form.note);
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

/// `POST /advisories/{id}/accept-reassignment/` with an optional
/// `project_slug`: none accepts the suggestion; an admin may name any
/// project (an unknown one is refused as no choice).
#[tracing::instrument(name = "http.workflow.accept_reassignment", skip_all)]
#[expect(clippy::too_many_arguments, reason = "one extractor per input")]
pub async fn accept_reassignment(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageContext,
    origin: RequestOrigin,
    session: Session,
    Fragment(htmx): Fragment,
    Path(raw_id): Path<String>,
    Form(form): Form<AcceptForm>,
) -> Result<Response, AppError> {
    let public_id = checked_id(&raw_id)?;
    let mut tx = caller.begin(&state).await?;
    let slug = form.project_slug.trim();
    let target = if slug.is_empty() {
        None
    } else {
        // An unknown slug names no project: the service answers it after
        // checking who asks.
        Some(
            project_by_slug(&mut tx, slug)
                .await?
                .map_or(Uuid::nil(), |p| p.id),
        )
    };
    let sctx = caller.service_ctx(&state, &origin);
    let outcome = reassignment::resolve_admin_reassignment(&mut tx, sctx, public_id, target)
        .await
        .map(|done| {
            (
                Level::Success,
                ctx.t.t_with(
                    "lifecycle-flash-reassigned",
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_catalogue_keys_are_translated() {
        assert!(is_key("lifecycle-error-not-dismissed"));
        assert!(is_key("cve-refused-pending"));
        assert!(!is_key("Comments are already locked."));
        assert!(!is_key("plain"));
        assert!(!is_key(""));
    }

    #[test]
    fn only_what_the_project_check_allows_is_looked_up() {
        for ok in ["rt.jetty", "unsorted", "a", "ee4j_x-1.2", &"a".repeat(100)] {
            assert!(plausible_slug(ok), "{ok}");
        }
        for bad in [
            "",
            "\0",
            "rt.jetty\0",
            "Rt.jetty",
            "-a",
            "a.",
            "a b",
            "é",
            &"a".repeat(101),
        ] {
            assert!(!plausible_slug(bad), "{bad:?}");
        }
    }
}
