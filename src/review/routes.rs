//! The review routes (50-web-ui §2.2, §6.6): thin handlers over the review
//! services. Each is a plain form POST (CSRF checked by the layer) that
//! answers 303 back to the advisory's review card with a flash. A refusal
//! because of the advisory's state is a flash too, or a 409 fragment for a
//! targeted htmx request (ruling 8); a caller who may not act gets 403, and
//! one who cannot see the advisory 404. §20 lists no rate limit for
//! these routes.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use fluent_bundle::FluentValue;
use serde::Deserialize;
use tower_sessions::Session;

use super::service::{self, Decision};
use crate::access::permissions as perm;
use crate::advisories::caller::{Caller, checked_id};
use crate::advisories::service::ServiceError;
use crate::audit::access_log::RequestOrigin;
use crate::auth::session_error;
use crate::db::Tx;
use crate::web::AppState;
use crate::web::context::PageContext;
use crate::web::error::{AppError, with_detail};
use crate::web::flash::{self, Level};
use crate::web::htmx::Fragment;
use crate::web::routes;

/// The review decision form.
#[derive(Debug, Deserialize)]
pub struct DecideForm {
    #[serde(default)]
    pub decision: String,
    #[serde(default)]
    pub notes: String,
}

/// The revoke-approval form.
#[derive(Debug, Deserialize)]
pub struct RevokeForm {
    #[serde(default)]
    pub reason: String,
}

/// `POST /advisories/{id}/submit-review/`.
#[tracing::instrument(name = "http.review.submit", skip_all)]
pub async fn submit(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageContext,
    origin: RequestOrigin,
    session: Session,
    Fragment(fragment): Fragment,
    Path(raw_id): Path<String>,
) -> Result<Response, AppError> {
    let public_id = checked_id(&raw_id)?;
    let mut tx = caller.begin(&state).await?;
    let sctx = caller.service_ctx(&state, &origin);
    let outcome = service::submit_for_review(&mut tx, sctx, public_id)
        .await
        .map(|_| ());
    let answer = Answer {
        session: &session,
        ctx: &ctx,
        fragment,
        public_id,
    };
    answer.settle(tx, outcome, "review-submitted-flash").await
}

/// `POST /advisories/{id}/withdraw-review/`.
#[tracing::instrument(name = "http.review.withdraw", skip_all)]
pub async fn withdraw(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageContext,
    origin: RequestOrigin,
    session: Session,
    Fragment(fragment): Fragment,
    Path(raw_id): Path<String>,
) -> Result<Response, AppError> {
    let public_id = checked_id(&raw_id)?;
    let mut tx = caller.begin(&state).await?;
    let sctx = caller.service_ctx(&state, &origin);
    let outcome = service::withdraw_review(&mut tx, sctx, public_id).await;
    let answer = Answer {
        session: &session,
        ctx: &ctx,
        fragment,
        public_id,
    };
    answer.settle(tx, outcome, "review-withdrawn-flash").await
}

/// `POST /advisories/{id}/reopen-review/`.
#[tracing::instrument(name = "http.review.reopen", skip_all)]
pub async fn reopen(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageContext,
    origin: RequestOrigin,
    session: Session,
    Fragment(fragment): Fragment,
    Path(raw_id): Path<String>,
) -> Result<Response, AppError> {
    let public_id = checked_id(&raw_id)?;
    let mut tx = caller.begin(&state).await?;
    let sctx = caller.service_ctx(&state, &origin);
    let outcome = service::reopen_review(&mut tx, sctx, public_id).await;
    let answer = Answer {
        session: &session,
        ctx: &ctx,
        fragment,
        public_id,
    };
    answer.settle(tx, outcome, "review-reopened-flash").await
}

/// `POST /advisories/{id}/revoke-approval/`.
#[tracing::instrument(name = "http.review.revoke", skip_all)]
#[expect(clippy::too_many_arguments, reason = "one extractor per input")]
pub async fn revoke(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageContext,
    origin: RequestOrigin,
    session: Session,
    Fragment(fragment): Fragment,
    Path(raw_id): Path<String>,
    Form(form): Form<RevokeForm>,
) -> Result<Response, AppError> {
    let public_id = checked_id(&raw_id)?;
    let mut tx = caller.begin(&state).await?;
    let sctx = caller.service_ctx(&state, &origin);
    let outcome = service::revoke_approval(&mut tx, sctx, public_id, &form.reason).await;
    let answer = Answer {
        session: &session,
        ctx: &ctx,
        fragment,
        public_id,
    };
    answer.settle(tx, outcome, "review-revoked-flash").await
}

/// `POST /advisories/{id}/review/decide/`: `decision` is `approved` or
/// `changes_requested`; anything else is a 400.
#[tracing::instrument(name = "http.review.decide", skip_all)]
#[expect(clippy::too_many_arguments, reason = "one extractor per input")]
pub async fn decide(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageContext,
    origin: RequestOrigin,
    session: Session,
    Fragment(fragment): Fragment,
    Path(raw_id): Path<String>,
    Form(form): Form<DecideForm>,
) -> Result<Response, AppError> {
    let public_id = checked_id(&raw_id)?;
    let decision = match form.decision.as_str() {
        "approved" => Decision::Approved,
        "changes_requested" => Decision::ChangesRequested,
        other => {
            // The advisory must exist for the caller before we say anything
            // about the form.
            let mut tx = caller.begin(&state).await?;
            caller.visible(&mut tx, public_id).await?;
            // Authorization before validation (20 §2.1 step 4).
            if !perm::can_review(Some(&caller.actor)) {
                return Err(AppError::Forbidden(ctx.t(service::refusal::NOT_REVIEWER)));
            }
            return Err(AppError::BadRequest(ctx.t.t_with(
                "review-unknown-decision",
                &[("decision", FluentValue::from(other))],
            )));
        }
    };
    let mut tx = caller.begin(&state).await?;
    let sctx = caller.service_ctx(&state, &origin);
    let outcome = service::decide(&mut tx, sctx, public_id, decision, &form.notes).await;
    let done = match decision {
        Decision::Approved => "review-approved-flash",
        Decision::ChangesRequested => "review-changes-requested-flash",
    };
    let answer = Answer {
        session: &session,
        ctx: &ctx,
        fragment,
        public_id,
    };
    answer.settle(tx, outcome, done).await
}

/// How a review action answers.
struct Answer<'a> {
    session: &'a Session,
    ctx: &'a PageContext,
    fragment: bool,
    public_id: &'a str,
}

impl Answer<'_> {
    /// Commits a done action and goes back to the review card with a
    /// flash; a targeted htmx request reloads the page instead, since the
    /// header and the publication card change with the review status. A
    /// refusal changes nothing (the transaction is dropped, so rolled back).
    async fn settle(
        &self,
        tx: Tx<'static>,
        outcome: Result<(), ServiceError>,
        done_key: &str,
    ) -> Result<Response, AppError> {
        let t = |key: &str| self.ctx.t(key);
        let (level, message) = match outcome {
            Ok(()) => {
                tx.commit().await?;
                (Level::Success, t(done_key))
            }
            Err(ServiceError::InvalidState(key)) if self.fragment => {
                return Err(AppError::Conflict(t(&key)));
            }
            Err(ServiceError::InvalidState(key)) => (Level::Error, t(&key)),
            Err(ServiceError::Forbidden(key)) => return Err(AppError::Forbidden(t(&key))),
            Err(ServiceError::Invalid(errors)) => {
                let messages: Vec<String> = errors.iter().map(|e| t(&e.message)).collect();
                return Ok(with_detail(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    messages.join(" "),
                ));
            }
            Err(e) => return Err(e.into()),
        };
        flash::push(self.session, level, message)
            .await
            .map_err(session_error)?;
        if self.fragment {
            return Ok(crate::web::htmx::refresh());
        }
        Ok(Redirect::to(&format!("{}#review", routes::advisory(self.public_id))).into_response())
    }
}
