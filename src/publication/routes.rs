//! The publication pages (50-web-ui §2.3, §11): publishing with the typed
//! advisory id, retrying a failed run, the stored documents' previews and
//! downloads, and the publication card alone for polling.
//!
//! Publish and retry are plain forms. The rate limit is counted first
//! (ruling 35, INV-RATELIMIT-1); then `can_publish` on the row as read, so
//! nobody without the right is sent through a re-authentication; then the
//! step-up, which returns to the advisory page (a GET); then, for publish,
//! the typed id. The service decides again on the locked row. Refusals of
//! state are a flash and 303 back to the advisory for a plain request, 409
//! for htmx (ruling 8).

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::Value;
use tower_sessions::Session;

use super::panel::{self, Panel};
use crate::access::permissions as perm;
use crate::advisories::caller::{Caller, checked_id};
use crate::advisories::repo::AdvisoryRow;
use crate::advisories::service::ServiceError;
use crate::advisories::workflow::routes::localize;
use crate::audit::access_log::RequestOrigin;
use crate::auth::{session_error, step_up};
use crate::ratelimit::Rate;
use crate::web::AppState;
use crate::web::context::PageContext;
use crate::web::error::{AppError, with_detail};
use crate::web::flash::{self, Level};
use crate::web::htmx::{Fragment, refresh};
use crate::web::ratelimit::check_user;
use crate::web::routes;

/// 50-web-ui §2.3: publish and retry, per user.
const PUBLISH_RATE: Rate = Rate {
    limit: 10,
    period: std::time::Duration::from_hours(1),
};

/// The card alone, for htmx polling.
#[derive(Template, WebTemplate)]
#[template(path = "publication/fragment.html")]
pub struct CardFragment {
    pub ctx: PageContext,
    pub publication: Panel,
}

/// The card on a page of its own, for a request without htmx.
#[derive(Template, WebTemplate)]
#[template(path = "publication/page.html")]
pub struct CardPage {
    pub ctx: PageContext,
    pub publication: Panel,
}

/// A stored document (50-web-ui §11).
#[derive(Template, WebTemplate)]
#[template(path = "publication/artifact.html")]
pub struct ArtifactPage {
    pub ctx: PageContext,
    pub advisory_id: String,
    pub task_id: i64,
    pub kind: String,
    /// "OSV", "CSAF" or "CVE".
    pub kind_label: &'static str,
    pub status: String,
    pub path: String,
    /// The first 12 characters of the commit, or `""`.
    pub commit: String,
    /// Sorted keys, two-space indent.
    pub json: String,
}

impl ArtifactPage {
    fn download_path(&self) -> String {
        routes::of_publication_task(
            routes::PUBLICATION_ARTIFACT_DOWNLOAD,
            self.task_id,
            &self.kind,
        )
    }

    fn advisory_path(&self) -> String {
        routes::advisory(&self.advisory_id)
    }

    fn status_key(&self) -> &'static str {
        panel::status_key(&self.status)
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct PublishForm {
    #[serde(default)]
    confirm_advisory_id: String,
}

/// Whether `typed` names the advisory `public_id`: trimmed, any case
/// (20-lifecycle §13.1).
pub fn confirms(typed: &str, public_id: &str) -> bool {
    typed.trim().eq_ignore_ascii_case(public_id)
}

fn back(public_id: &str) -> Response {
    Redirect::to(&routes::advisory(public_id)).into_response()
}

/// Where a retry returns, and where its step-up comes back to: the admin
/// console's publication page for admins, the advisory otherwise (§2.9, §11).
fn retry_home(caller: &Caller, public_id: &str) -> String {
    if perm::admin_console(Some(&caller.actor)) {
        routes::ADMIN_PUBLICATIONS.to_owned()
    } else {
        routes::advisory(public_id)
    }
}

async fn push(session: &Session, level: Level, message: String) -> Result<(), AppError> {
    flash::push(session, level, message)
        .await
        .map_err(session_error)
}

/// Starts a run for `row` in `tx` and answers: a flash and 303 back (or an
/// htmx refresh) on success or a refusal of state, 403 for a refusal of the
/// service.
#[expect(clippy::too_many_arguments, reason = "the request's parts")]
async fn start_and_answer(
    state: &AppState,
    caller: &Caller,
    ctx: &PageContext,
    origin: &RequestOrigin,
    session: &Session,
    htmx: bool,
    mut tx: crate::db::Tx<'static>,
    row: &AdvisoryRow,
    done_key: &str,
    home: &str,
) -> Result<Response, AppError> {
    let sctx = caller.service_ctx(state, origin);
    match super::start(&mut tx, sctx, row, false, false).await {
        Ok(_) => {
            tx.commit().await?;
            push(session, Level::Success, ctx.t(done_key)).await?;
            Ok(if htmx {
                refresh()
            } else {
                Redirect::to(home).into_response()
            })
        }
        Err(ServiceError::InvalidState(m)) => {
            tx.rollback().await?;
            let message = localize(ctx, &m);
            if htmx {
                return Ok(with_detail(StatusCode::CONFLICT, message));
            }
            push(session, Level::Warning, message).await?;
            Ok(Redirect::to(home).into_response())
        }
        Err(ServiceError::Forbidden(m)) => {
            tx.rollback().await?;
            Err(AppError::Forbidden(localize(ctx, &m)))
        }
        Err(other) => Err(other.into()),
    }
}

/// `POST /publication/{id}/publish/` with `confirm_advisory_id`.
#[tracing::instrument(name = "http.publication.publish", skip_all)]
#[expect(clippy::too_many_arguments, reason = "one extractor per input")]
pub async fn publish(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageContext,
    origin: RequestOrigin,
    session: Session,
    Fragment(htmx): Fragment,
    Path(raw_id): Path<String>,
    Form(form): Form<PublishForm>,
) -> Result<Response, AppError> {
    check_user(
        &state,
        "publication.publish",
        PUBLISH_RATE,
        caller.actor.user_id,
    )
    .await?;
    let public_id = checked_id(&raw_id)?;
    let mut tx = caller.begin(&state).await?;
    let (row, facts) = caller.visible(&mut tx, public_id).await?;
    if !perm::can_publish(Some(&caller.actor), &facts) {
        tx.rollback().await?;
        return Err(AppError::Forbidden(
            ctx.t("lifecycle-error-publish-forbidden"),
        ));
    }
    if let Err(go) =
        step_up::require(&session, &state.config, &routes::advisory(public_id), htmx).await
    {
        tx.rollback().await?;
        return Ok(go);
    }
    if !confirms(&form.confirm_advisory_id, &row.advisory_id) {
        tx.rollback().await?;
        let message = ctx.t("publication-flash-mismatch");
        if htmx {
            return Ok(with_detail(StatusCode::UNPROCESSABLE_ENTITY, message));
        }
        push(&session, Level::Error, message).await?;
        return Ok(back(&row.advisory_id));
    }
    start_and_answer(
        &state,
        &caller,
        &ctx,
        &origin,
        &session,
        htmx,
        tx,
        &row,
        "publication-flash-started",
        &routes::advisory(&row.advisory_id),
    )
    .await
}

/// `POST /publication/tasks/{task_id}/retry/`: a new run of a failed one's
/// advisory, pinned to its current latest version (70-publication §2).
/// Admins return to the console's publication page, owners to the advisory.
#[tracing::instrument(name = "http.publication.retry", skip_all)]
pub async fn retry(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageContext,
    origin: RequestOrigin,
    session: Session,
    Fragment(htmx): Fragment,
    Path(task_id): Path<i64>,
) -> Result<Response, AppError> {
    check_user(
        &state,
        "publication.retry",
        PUBLISH_RATE,
        caller.actor.user_id,
    )
    .await?;
    let mut tx = caller.begin(&state).await?;
    // Row-level security hides the tasks of advisories the caller cannot
    // see; `visible` decides the rest.
    let task = sqlx::query!(
        "SELECT t.status, a.advisory_id FROM publication_task t
         JOIN advisory a ON a.id = t.advisory_id WHERE t.id = $1",
        task_id
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(AppError::NotFound)?;
    let (row, facts) = caller.visible(&mut tx, &task.advisory_id).await?;
    if !perm::can_publish(Some(&caller.actor), &facts) {
        tx.rollback().await?;
        return Err(AppError::Forbidden(
            ctx.t("lifecycle-error-publish-forbidden"),
        ));
    }
    if task.status != "failed" {
        tx.rollback().await?;
        return Err(AppError::BadRequest(ctx.t("publication-error-not-failed")));
    }
    let home = retry_home(&caller, &row.advisory_id);
    if let Err(go) = step_up::require(&session, &state.config, &home, htmx).await {
        tx.rollback().await?;
        return Ok(go);
    }
    start_and_answer(
        &state,
        &caller,
        &ctx,
        &origin,
        &session,
        htmx,
        tx,
        &row,
        "publication-flash-retry-started",
        &home,
    )
    .await
}

/// `GET /advisories/{id}/publication/`: the card alone for htmx (polled
/// while a run is open), else on a page of its own.
#[tracing::instrument(name = "http.publication.card", skip_all)]
pub async fn card(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageContext,
    Fragment(htmx): Fragment,
    Path(raw_id): Path<String>,
) -> Result<Response, AppError> {
    let public_id = checked_id(&raw_id)?;
    let mut tx = caller.begin(&state).await?;
    let (row, facts) = caller.visible(&mut tx, public_id).await?;
    let publication = panel::load(&mut tx, &caller.actor, &row, &facts).await?;
    tx.commit().await?;
    Ok(if htmx {
        CardFragment { ctx, publication }.into_response()
    } else {
        CardPage { ctx, publication }.into_response()
    })
}

/// One stored document, as read for the caller.
struct Artifact {
    advisory_id: String,
    status: String,
    commit: String,
    path: String,
    content: Value,
}

/// The document `kind` of task `task_id`: 400 for an unknown kind, 404 when
/// the task or the document is missing or the caller cannot see the
/// advisory (Q-19).
async fn load_artifact(
    state: &AppState,
    caller: &Caller,
    ctx: &PageContext,
    task_id: i64,
    kind: &str,
) -> Result<Artifact, AppError> {
    if !panel::KINDS.contains(&kind) {
        return Err(AppError::BadRequest(
            ctx.t("publication-error-unknown-kind"),
        ));
    }
    let mut tx = caller.begin(state).await?;
    let found = sqlx::query!(
        r#"SELECT a.advisory_id, t.status, t.commit_sha,
                  d.path AS "path?", d.content AS "content?"
           FROM publication_task t
           JOIN advisory a ON a.id = t.advisory_id
           LEFT JOIN publication_artifact d ON d.task_id = t.id AND d.kind = $2
           WHERE t.id = $1"#,
        task_id,
        kind
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(AppError::NotFound)?;
    caller.visible(&mut tx, &found.advisory_id).await?;
    tx.commit().await?;
    let (Some(path), Some(content)) = (found.path, found.content) else {
        return Err(AppError::NotFound);
    };
    Ok(Artifact {
        advisory_id: found.advisory_id,
        status: found.status,
        commit: found.commit_sha.chars().take(12).collect(),
        path,
        content,
    })
}

/// `value` with every object's keys in order, whatever map the JSON library
/// was built with.
fn sorted(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(entries.into_iter().map(|(k, v)| (k, sorted(v))).collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}

/// Sorted keys, two-space indent, UTF-8 (50-web-ui §11).
pub fn pretty(value: Value) -> Result<String, AppError> {
    serde_json::to_string_pretty(&sorted(value)).map_err(|e| AppError::Internal(Box::new(e)))
}

fn kind_label(kind: &str) -> &'static str {
    match kind {
        "osv" => "OSV",
        "csaf" => "CSAF",
        _ => "CVE",
    }
}

/// `GET /publication/tasks/{task_id}/artifact/{kind}/`.
#[tracing::instrument(name = "http.publication.artifact", skip_all)]
pub async fn artifact(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageContext,
    Path((task_id, kind)): Path<(i64, String)>,
) -> Result<ArtifactPage, AppError> {
    let found = load_artifact(&state, &caller, &ctx, task_id, &kind).await?;
    Ok(ArtifactPage {
        json: pretty(found.content)?,
        kind_label: kind_label(&kind),
        advisory_id: found.advisory_id,
        task_id,
        kind,
        status: found.status,
        path: found.path,
        commit: found.commit,
        ctx,
    })
}

/// `GET /publication/tasks/{task_id}/artifact/{kind}/download/`.
#[tracing::instrument(name = "http.publication.artifact.download", skip_all)]
pub async fn download(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageContext,
    Path((task_id, kind)): Path<(i64, String)>,
) -> Result<Response, AppError> {
    let found = load_artifact(&state, &caller, &ctx, task_id, &kind).await?;
    let mut body = pretty(found.content)?;
    body.push('\n');
    // The advisory id is `ECL-…` and the kind one of three words: nothing
    // to quote.
    let disposition = format!("attachment; filename=\"{}.{kind}.json\"", found.advisory_id);
    Ok((
        [
            (header::CONTENT_TYPE, "application/json".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response())
}
