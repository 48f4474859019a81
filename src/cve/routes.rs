//! The CVE actions of the advisory page (20-lifecycle §8, 50-web-ui §6.2,
//! §6.6): thin handlers over the CVE services. Every form works without
//! JavaScript: success is a 303 back to the advisory with a flash; a field
//! error re-renders the CVE panel on a page of its own with 422; a refusal
//! because of the advisory's state is a flash and 303 back (ruling 8); a
//! caller who may not act gets 403, one who cannot see the advisory 404
//! . Targeted htmx requests get the panel fragment instead: 200 with a
//! confirmation, 422 with the field errors, 409 with the refusal.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tower_sessions::Session;

use super::panel::{self, FormState, Panel};
use super::service::{self, TransitionInput, Transitioned};
use crate::advisories::caller::{Caller, checked_id};
use crate::advisories::service::ServiceError;
use crate::audit::access_log::RequestOrigin;
use crate::auth::session_error;
use crate::db::Tx;
use crate::web::AppState;
use crate::web::context::PageContext;
use crate::web::error::AppError;
use crate::web::flash::{self, Level};
use crate::web::htmx::Fragment;

/// The CVE panel alone (htmx swaps `#cve`).
#[derive(Template, WebTemplate)]
#[template(path = "cve/panel_fragment.html")]
pub struct PanelFragment {
    pub ctx: PageContext,
    pub cve: Panel,
}

/// The CVE panel on a page of its own: the no-JavaScript answer to a form
/// with field errors, with what was typed and what is wrong.
#[derive(Template, WebTemplate)]
#[template(path = "cve/panel_page.html")]
pub struct PanelPage {
    pub ctx: PageContext,
    pub cve: Panel,
    pub summary: String,
}

/// Translates the field errors of a refused form (their messages are
/// catalogue keys, `service::refusal`).
pub fn field_messages(
    ctx: &PageContext,
    errors: &crate::advisories::content::FieldErrors,
) -> Vec<String> {
    errors.iter().map(|e| ctx.t(&e.message)).collect()
}

/// One request's answer, once the service has spoken.
struct Answer<'a> {
    state: &'a AppState,
    caller: &'a Caller,
    ctx: PageContext,
    session: &'a Session,
    htmx: bool,
    public_id: &'a str,
}

impl Answer<'_> {
    /// Commits and answers a success, or rolls back and answers a refusal.
    async fn settle<T>(
        self,
        tx: Tx<'static>,
        outcome: Result<T, ServiceError>,
        done: impl FnOnce(&PageContext, &T) -> String,
        mut typed: FormState,
    ) -> Result<Response, AppError> {
        let (status, message) = match outcome {
            Ok(value) => {
                tx.commit().await?;
                let message = done(&self.ctx, &value);
                if !self.htmx {
                    return self.back(Level::Success, message).await;
                }
                typed = FormState::default();
                typed.status = Some(message);
                (StatusCode::OK, None)
            }
            Err(ServiceError::Invalid(errors)) => {
                tx.rollback().await?;
                typed.errors = field_messages(&self.ctx, &errors);
                (StatusCode::UNPROCESSABLE_ENTITY, None)
            }
            Err(ServiceError::InvalidState(key)) => {
                tx.rollback().await?;
                let message = self.ctx.t(&key);
                if !self.htmx {
                    return self.back(Level::Error, message).await;
                }
                (StatusCode::CONFLICT, Some(message))
            }
            Err(ServiceError::Forbidden(key)) => {
                return Err(AppError::Forbidden(self.ctx.t(&key)));
            }
            Err(e) => return Err(e.into()),
        };
        if let Some(message) = message {
            typed = FormState {
                errors: vec![message],
                ..FormState::default()
            };
        }
        self.panel(status, typed).await
    }

    /// A flash, and back to the panel on the advisory page.
    async fn back(self, level: Level, message: String) -> Result<Response, AppError> {
        flash::push(self.session, level, message)
            .await
            .map_err(session_error)?;
        Ok(Redirect::to(&format!(
            "{}#cve",
            crate::web::routes::advisory(self.public_id)
        ))
        .into_response())
    }

    /// The panel as it is now, with `typed`: the fragment for htmx, else
    /// the panel's page. Reloaded through `can_view` (a refused form never
    /// shows what the caller may not see).
    async fn panel(self, status: StatusCode, typed: FormState) -> Result<Response, AppError> {
        let mut tx = self.caller.begin(self.state).await?;
        let (row, facts) = self.caller.visible(&mut tx, self.public_id).await?;
        let mut cve = panel::load(&mut tx, &self.caller.actor, &row, &facts).await?;
        tx.commit().await?;
        cve.form = typed;
        let ctx = self.ctx;
        let body = if self.htmx {
            PanelFragment { ctx, cve }.into_response()
        } else {
            PanelPage {
                ctx,
                cve,
                summary: row.summary,
            }
            .into_response()
        };
        Ok((status, body).into_response())
    }
}

/// `POST /advisories/{id}/cve/request/`.
#[tracing::instrument(name = "http.cve.request", skip_all)]
pub async fn request(
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
    let sctx = caller.service_ctx(&state, &origin);
    let outcome = service::request_cve(&mut tx, sctx, public_id).await;
    let answer = Answer {
        state: &state,
        caller: &caller,
        ctx,
        session: &session,
        htmx,
        public_id,
    };
    answer
        .settle(
            tx,
            outcome,
            |ctx, _| ctx.t("cve-requested-flash"),
            FormState::default(),
        )
        .await
}

/// The reserve, reject and cancel forms.
#[derive(Debug, Default, Deserialize)]
pub struct TransitionForm {
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub cve_id: String,
    #[serde(default)]
    pub notes: String,
    /// A checkbox: present when ticked.
    #[serde(default)]
    pub ban_future_requests: Option<String>,
}

impl TransitionForm {
    pub fn input(&self) -> TransitionInput {
        TransitionInput {
            status: self.status.clone(),
            cve_id: self.cve_id.clone(),
            notes: self.notes.clone(),
            ban_future_requests: self.ban_future_requests.is_some(),
        }
    }

    /// What to show again when the form comes back.
    pub fn typed(&self) -> FormState {
        FormState {
            cve_id: self.cve_id.clone(),
            notes: self.notes.clone(),
            ban: self.ban_future_requests.is_some(),
            ..FormState::default()
        }
    }
}

/// The confirmation of a transition.
pub fn transitioned_message(ctx: &PageContext, outcome: &Transitioned) -> String {
    match outcome {
        Transitioned::Reserved(cve) => ctx.t1("cve-reserved-flash", "cve", cve),
        Transitioned::Rejected { banned: true } => ctx.t("cve-rejected-banned-flash"),
        Transitioned::Rejected { banned: false } => ctx.t("cve-rejected-flash"),
        Transitioned::Cancelled => ctx.t("cve-cancelled-flash"),
    }
}

/// `POST /advisories/{id}/cve/requests/{task_id}/transition/`.
#[tracing::instrument(name = "http.cve.transition", skip_all)]
#[expect(clippy::too_many_arguments, reason = "one extractor per input")]
pub async fn transition(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageContext,
    origin: RequestOrigin,
    session: Session,
    Fragment(htmx): Fragment,
    Path((raw_id, task_id)): Path<(String, i64)>,
    Form(form): Form<TransitionForm>,
) -> Result<Response, AppError> {
    let public_id = checked_id(&raw_id)?;
    let mut tx = caller.begin(&state).await?;
    let sctx = caller.service_ctx(&state, &origin);
    let outcome =
        service::transition_cve_request(&mut tx, sctx, public_id, task_id, &form.input()).await;
    let answer = Answer {
        state: &state,
        caller: &caller,
        ctx,
        session: &session,
        htmx,
        public_id,
    };
    answer
        .settle(tx, outcome, transitioned_message, form.typed())
        .await
}

#[derive(Debug, Default, Deserialize)]
pub struct UnassignForm {
    #[serde(default)]
    reason: String,
}

/// `POST /advisories/{id}/cve/unassign/`.
#[tracing::instrument(name = "http.cve.unassign", skip_all)]
#[expect(clippy::too_many_arguments, reason = "one extractor per input")]
pub async fn unassign(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageContext,
    origin: RequestOrigin,
    session: Session,
    Fragment(htmx): Fragment,
    Path(raw_id): Path<String>,
    Form(form): Form<UnassignForm>,
) -> Result<Response, AppError> {
    let public_id = checked_id(&raw_id)?;
    let mut tx = caller.begin(&state).await?;
    let sctx = caller.service_ctx(&state, &origin);
    let outcome = service::unassign_cve(&mut tx, sctx, public_id, &form.reason).await;
    let answer = Answer {
        state: &state,
        caller: &caller,
        ctx,
        session: &session,
        htmx,
        public_id,
    };
    let typed = FormState {
        reason: form.reason,
        ..FormState::default()
    };
    answer
        .settle(tx, outcome, |ctx, _| ctx.t("cve-unassigned-flash"), typed)
        .await
}

/// The confirmation of an unban (INV-CVE-3: lifting nothing is no error).
pub fn unbanned_message(ctx: &PageContext, lifted: &bool) -> String {
    if *lifted {
        ctx.t("cve-unbanned-flash")
    } else {
        ctx.t("cve-not-banned-flash")
    }
}

/// `POST /advisories/{id}/cve/unban/`.
#[tracing::instrument(name = "http.cve.unban", skip_all)]
pub async fn unban(
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
    let sctx = caller.service_ctx(&state, &origin);
    let outcome = service::unban_cve_requests(&mut tx, sctx, public_id).await;
    let answer = Answer {
        state: &state,
        caller: &caller,
        ctx,
        session: &session,
        htmx,
        public_id,
    };
    answer
        .settle(tx, outcome, unbanned_message, FormState::default())
        .await
}
