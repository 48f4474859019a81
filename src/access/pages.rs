//! The access routes (50-web-ui §9, §6.6; consistency ruling 9): the panel
//! as a fragment or a page, its save (plain forms, enhanced by htmx), the
//! access-review acknowledgement, and the invitation link. Handlers resolve
//! the caller, call one service, and render; the services decide.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use tower_sessions::Session;

use super::grants::{self, AccessError, Change, Done, Problem};
use super::invitations::{self, Followed, Refusal};
use super::panel::{self, Panel};
use super::privacy::mask_email;
use crate::advisories::caller::Caller;
use crate::advisories::id::{self, OsEntropy};
use crate::audit::access_log::RequestOrigin;
use crate::auth::session_error;
use crate::ratelimit::Rate;
use crate::web::AppState;
use crate::web::context::PageContext;
use crate::web::error::AppError;
use crate::web::flash::{self, Level};
use crate::web::htmx::Fragment;
use crate::web::{ratelimit, routes};

/// 20-lifecycle §20: the access batch save, per user.
const SAVE_RATE: Rate = Rate {
    limit: 20,
    period: std::time::Duration::from_hours(1),
};

#[derive(Template, WebTemplate)]
#[template(path = "access/page.html", blocks = ["panel"])]
pub struct AccessPage {
    pub ctx: PageContext,
    pub summary: String,
    pub access: Panel,
}

impl AccessPage {
    fn detail_path(&self) -> String {
        routes::advisory(&self.access.advisory_id)
    }
}

/// The panel alone for a targeted htmx request, else the whole page.
fn render(view: AccessPage, fragment: bool, status: StatusCode) -> Result<Response, AppError> {
    if fragment {
        Ok((status, Html(view.as_panel().render()?)).into_response())
    } else {
        Ok((status, view).into_response())
    }
}

async fn load_page(
    state: &AppState,
    caller: &Caller,
    ctx: PageContext,
    raw_id: &str,
) -> Result<AccessPage, AppError> {
    let mut tx = caller.begin(state).await?;
    let (row, facts) = caller.visible(&mut tx, raw_id).await?;
    let access = panel::load(
        &mut tx,
        &state.config.oidc.admin_group,
        &caller.actor,
        &row,
        &facts,
    )
    .await?;
    tx.commit().await?;
    Ok(AccessPage {
        ctx,
        summary: row.summary,
        access,
    })
}

fn access_error(e: AccessError) -> AppError {
    match e {
        AccessError::NotFound => AppError::NotFound,
        AccessError::Forbidden(m) => AppError::Forbidden(m),
        AccessError::Invalid(problems) => AppError::BadRequest(
            problems
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; "),
        ),
        other => AppError::Internal(Box::new(other)),
    }
}

/// `GET /advisories/{id}/access/`.
#[tracing::instrument(name = "http.advisories.access.get", skip_all)]
pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageContext,
    Fragment(fragment): Fragment,
    Path(raw_id): Path<String>,
) -> Result<Response, AppError> {
    let view = load_page(&state, &caller, ctx, &raw_id).await?;
    render(view, fragment, StatusCode::OK)
}

/// The form's one change (`op` of 50-web-ui §9.1).
fn parse_form(pairs: &[(String, String)]) -> Result<Change, Problem> {
    let field = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_default()
    };
    let number = |name: &str| {
        let raw = field(name);
        raw.parse::<i64>().map_err(|_| Problem::InvalidId(raw))
    };
    match field("op").as_str() {
        "add" => Ok(Change::Add {
            principal: field("principal"),
            permission: field("permission"),
        }),
        "update" => Ok(Change::Update {
            grant_id: number("grant_id")?,
            permission: field("permission"),
        }),
        "revoke" => Ok(Change::Revoke {
            grant_id: number("grant_id")?,
        }),
        "update_invitation" => Ok(Change::UpdateInvitation {
            invitation_id: number("invitation_id")?,
            permission: field("permission"),
        }),
        "revoke_invitation" => Ok(Change::RevokeInvitation {
            invitation_id: number("invitation_id")?,
        }),
        other => Err(Problem::UnknownOperation(other.to_owned())),
    }
}

/// A refusal in the reader's language; the English catalogue holds the
/// specification's wording.
fn problem_text(ctx: &PageContext, problem: &Problem) -> String {
    match problem {
        Problem::OwnerNotGrantable => ctx.t("access-error-owner"),
        Problem::UnknownPermission(p) => ctx.t1("access-error-permission", "permission", p),
        Problem::MissingPrincipal => ctx.t("access-error-missing-principal"),
        Problem::EmptyGroupName => ctx.t("access-error-empty-group"),
        Problem::GroupNotGrantable(g) => ctx.t1("access-error-group-not-grantable", "group", g),
        Problem::UnknownGroup(g) => ctx.t1("access-error-unknown-group", "group", g),
        Problem::TeamGroup(g) => ctx.t1("access-error-team-group", "group", g),
        Problem::UnknownGrant(id) => ctx.t1("access-error-unknown-grant", "id", id),
        Problem::UnknownInvitation(id) => ctx.t1("access-error-unknown-invitation", "id", id),
        Problem::InvalidEmail(e) => ctx.t1("access-error-invalid-email", "email", e),
        Problem::InactiveUser(e) => ctx.t1("access-error-inactive-user", "email", e),
        Problem::InvalidId(v) => ctx.t1("access-error-invalid-id", "value", v),
        Problem::UnknownOperation(op) => ctx.t1("access-error-operation", "op", op),
    }
}

/// What a save did, for the flash or the status line.
fn done_text(ctx: &PageContext, done: &[Done]) -> String {
    let role = |p: grants::Permission| ctx.t(&format!("role-{}", p.as_str()));
    done.iter()
        .map(|d| match d {
            Done::Granted { label, permission } => ctx.t2(
                "access-granted",
                "who",
                label,
                "permission",
                role(*permission),
            ),
            Done::Changed { label, permission } => ctx.t2(
                "access-changed",
                "who",
                label,
                "permission",
                role(*permission),
            ),
            Done::Unchanged { label } => ctx.t1("access-unchanged", "who", label),
            Done::Invited { email, permission } => ctx.t2(
                "access-invited",
                "who",
                email,
                "permission",
                role(*permission),
            ),
            Done::Revoked { label } => ctx.t1("access-revoked", "who", label),
            Done::InvitationRevoked { email } => ctx.t1("access-invitation-revoked", "who", email),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// `POST /advisories/{id}/access/save/`: one change per form (each no-JS
/// row is its own form), validated in full before anything is written.
/// Success: 303 to the panel on the detail page with a flash, or the
/// re-rendered panel for htmx; refusal: the panel again with the messages
/// and 422 (consistency ruling 7).
#[tracing::instrument(name = "http.advisories.access.save", skip_all)]
#[expect(clippy::too_many_arguments, reason = "one extractor per input")]
pub async fn save(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageContext,
    session: Session,
    origin: RequestOrigin,
    Fragment(fragment): Fragment,
    Path(raw_id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    ratelimit::check_user(&state, "access.save", SAVE_RATE, caller.actor.user_id).await?;
    if !id::is_valid(&raw_id) {
        return Err(AppError::NotFound);
    }
    let service = caller.service_ctx(&state, &origin);
    let mut tx = caller.begin(&state).await?;
    let outcome = match parse_form(&pairs) {
        Ok(change) => grants::apply(&mut tx, service, &raw_id, &[change], &mut OsEntropy).await,
        // Authorization before validation (B-3): a stranger learns nothing
        // from the message.
        Err(problem) => grants::lock_managed(&mut tx, &caller.actor, &raw_id)
            .await
            .and(Err(AccessError::Invalid(vec![problem]))),
    };
    match outcome {
        Ok(done) => {
            tx.commit().await?;
            let message = done_text(&ctx, &done);
            if fragment {
                let mut view = load_page(&state, &caller, ctx, &raw_id).await?;
                view.access.status = Some(message);
                return render(view, true, StatusCode::OK);
            }
            flash::push(&session, Level::Success, message)
                .await
                .map_err(session_error)?;
            Ok(
                Redirect::to(&format!("{}#access-panel", routes::advisory(&raw_id)))
                    .into_response(),
            )
        }
        Err(AccessError::Invalid(problems)) => {
            tx.rollback().await?;
            let errors = problems.iter().map(|p| problem_text(&ctx, p)).collect();
            let mut view = load_page(&state, &caller, ctx, &raw_id).await?;
            view.access.errors = errors;
            if pairs.iter().any(|(k, v)| k == "op" && v == "add") {
                let field = |name: &str| {
                    pairs
                        .iter()
                        .find(|(k, _)| k == name)
                        .map(|(_, v)| v.clone())
                        .unwrap_or_default()
                };
                view.access.principal = field("principal");
                view.access.permission = field("permission");
            }
            render(view, fragment, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(e) => Err(access_error(e)),
    }
}

/// `POST /advisories/{id}/access-review/dismiss/`: "Mark as reviewed".
/// Always back to the advisory (50-web-ui §6.6).
#[tracing::instrument(name = "http.advisories.access_review.dismiss", skip_all)]
pub async fn dismiss_review(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageContext,
    session: Session,
    origin: RequestOrigin,
    Path(raw_id): Path<String>,
) -> Result<Response, AppError> {
    if !id::is_valid(&raw_id) {
        return Err(AppError::NotFound);
    }
    let service = caller.service_ctx(&state, &origin);
    let mut tx = caller.begin(&state).await?;
    let cleared = grants::dismiss_access_review(&mut tx, service, &raw_id)
        .await
        .map_err(access_error)?;
    tx.commit().await?;
    if cleared {
        flash::push(&session, Level::Success, ctx.t("access-review-dismissed"))
            .await
            .map_err(session_error)?;
    }
    Ok(Redirect::to(&routes::advisory(&raw_id)).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "access/invitation_refused.html")]
pub struct RefusedPage {
    pub ctx: PageContext,
    pub title: String,
    pub message: String,
}

/// `GET /invitations/{token}/` (consistency ruling 9): signed in, the
/// verified account e-mail must be the invited one. Refusals are pages that
/// say why: 404 unknown or revoked, 403 another address, 410 expired or
/// already used by someone else.
#[tracing::instrument(name = "http.invitations.follow", skip_all)]
pub async fn follow(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageContext,
    session: Session,
    origin: RequestOrigin,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    // Tokens are URL-safe base64; anything else names no invitation.
    if token.is_empty()
        || token.len() > 64
        || !token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(AppError::NotFound);
    }
    let mut tx = caller.begin(&state).await?;
    // The account's address was verified when the account was linked
    // (INV-OIDC-6); the session's copy is not trusted for this.
    let email = sqlx::query_scalar!(
        "SELECT email FROM app_user WHERE id = $1 AND is_active",
        caller.actor.user_id
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(AppError::NotFound)?;
    let followed = invitations::follow_link(
        &mut tx,
        &state.redactor,
        Some(&origin),
        caller.actor.user_id,
        &email,
        &token,
    )
    .await
    .map_err(access_error)?;
    let refusal = match followed {
        Ok(Followed::Redeemed { advisory_id } | Followed::AlreadyRedeemed { advisory_id }) => {
            let public_id = sqlx::query_scalar!(
                "SELECT advisory_id FROM advisory WHERE id = $1",
                advisory_id
            )
            .fetch_optional(&mut *tx)
            .await?;
            tx.commit().await?;
            match public_id {
                Some(public_id) => {
                    let key = if matches!(followed, Ok(Followed::Redeemed { .. })) {
                        "invitation-accepted"
                    } else {
                        "invitation-already-accepted"
                    };
                    flash::push(&session, Level::Success, ctx.t(key))
                        .await
                        .map_err(session_error)?;
                    return Ok(Redirect::to(&routes::advisory(&public_id)).into_response());
                }
                // Redeemed earlier, but the access has since been revoked.
                None => Refusal::Unknown,
            }
        }
        Err(refusal) => {
            tx.rollback().await?;
            refusal
        }
    };
    let (status, message) = match &refusal {
        Refusal::Unknown => (StatusCode::NOT_FOUND, ctx.t("invitation-unknown")),
        Refusal::Expired => (StatusCode::GONE, ctx.t("invitation-expired")),
        Refusal::Used => (StatusCode::GONE, ctx.t("invitation-used")),
        Refusal::OtherAddress(invited) => (
            StatusCode::FORBIDDEN,
            ctx.t2(
                "invitation-other-address",
                "invited",
                mask_email(invited),
                "mine",
                &email,
            ),
        ),
    };
    let page = RefusedPage {
        title: ctx.t("invitation-refused-title"),
        message,
        ctx,
    };
    Ok((status, page).into_response())
}
