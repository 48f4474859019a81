//! Dead-lettered jobs in the admin console (`/admin/jobs/`, consistency
//! ruling 13): the jobs that used up their attempts, the live backlog per
//! queue, and a re-queue button per job. A re-queue writes `job.requeued` in
//! its own transaction (INV-AUDIT-3); `advisoryhub jobs list|retry` is the
//! same over the command line.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::json;
use tower_sessions::Session;

use super::console::{AdminNav, Section, require_admin, when};
use crate::advisories::caller::Caller;
use crate::audit::access_log::RequestOrigin;
use crate::audit::catalogue::Action;
use crate::audit::{self, Entry};
use crate::auth::session_error;
use crate::jobs::admin::{self as queue, JobRow, RetryError};
use crate::web::AppState;
use crate::web::context::PageContext;
use crate::web::error::AppError;
use crate::web::flash::{self, Level};
use crate::web::routes;

/// Dead jobs listed, newest first.
const DEAD_LIMIT: i64 = 200;

/// Longest error text shown per job.
const ERROR_CHARS: usize = 500;

#[derive(Template, WebTemplate)]
#[template(path = "admin/jobs.html")]
pub struct JobsPage {
    pub ctx: PageContext,
    pub nav: AdminNav,
    pub dead: Vec<JobRow>,
    /// (queue, status, count) of pending, running and dead jobs.
    pub backlog: Vec<(String, String, i64)>,
}

impl JobsPage {
    pub fn retry_path(&self, id: &i64) -> String {
        routes::of_admin(routes::ADMIN_JOB_RETRY, id)
    }

    pub fn finished(&self, job: &JobRow) -> String {
        when(job.finished_at)
    }

    pub fn error(&self, job: &JobRow) -> String {
        job.last_error
            .as_deref()
            .unwrap_or_default()
            .chars()
            .take(ERROR_CHARS)
            .collect()
    }
}

/// `GET /admin/jobs/`.
#[tracing::instrument(name = "http.admin.jobs", skip_all)]
pub async fn page(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageContext,
) -> Result<JobsPage, AppError> {
    require_admin(&caller, &ctx)?;
    let dead = queue::list(&state.pool, Some("dead"), DEAD_LIMIT).await?;
    let mut backlog = queue::backlog(&state.pool).await?;
    backlog.sort();
    Ok(JobsPage {
        ctx,
        nav: AdminNav(Section::Jobs),
        dead,
        backlog,
    })
}

/// `POST /admin/jobs/{job_id}/retry/`: 303 back to the list with a flash,
/// also when the job is no longer dead (ruling 8).
#[tracing::instrument(name = "http.admin.jobs.retry", skip_all)]
pub async fn retry(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageContext,
    session: Session,
    origin: RequestOrigin,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    require_admin(&caller, &ctx)?;
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let mut tx = caller.begin(&state).await?;
    let (level, message) = match queue::requeue(&mut tx, id).await {
        Ok((name, queue_name)) => {
            audit::record(
                &mut tx,
                &state.redactor,
                Entry::new(
                    Action::JobRequeued,
                    Some(caller.actor.user_id),
                    Some(&origin),
                )
                .metadata(json!({ "job_id": id, "name": name, "queue": queue_name })),
            )
            .await
            .map_err(sqlx::Error::from)?;
            tx.commit().await?;
            (Level::Success, ctx.t1("admin-job-requeued", "id", id))
        }
        Err(RetryError::NotFound(_)) => return Err(AppError::NotFound),
        Err(RetryError::NotDead(..)) => (Level::Info, ctx.t1("admin-job-not-dead", "id", id)),
        Err(RetryError::Duplicate(_)) => (Level::Error, ctx.t1("admin-job-duplicate", "id", id)),
        Err(RetryError::Db(e)) => return Err(e.into()),
    };
    flash::push(&session, level, message)
        .await
        .map_err(session_error)?;
    Ok(Redirect::to(routes::ADMIN_JOBS).into_response())
}
