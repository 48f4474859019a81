//! The publication page of the admin console (`/admin/publications/`,
//! 50-web-ui §14.3): the queue, the failed exports with their retry and
//! previews, the published advisories awaiting re-publication, and what was
//! published lately. Global admins only (P-46), like every console route.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use sqlx::PgConnection;
use time::OffsetDateTime;

use crate::access::permissions as perm;
use crate::admin::console::{AdminNav, Section};
use crate::advisories::caller::Caller;
use crate::advisories::pages::when;
use crate::web::AppState;
use crate::web::context::PageContext;
use crate::web::error::AppError;
use crate::web::htmx::Fragment;
use crate::web::routes;

/// The queue is shown whole up to this many rows.
const QUEUE_LIMIT: i64 = 200;
/// Failed exports and advisories awaiting re-publication shown (§14.3).
const FAILED_LIMIT: i64 = 50;
/// Recently published advisories shown.
const RECENT_LIMIT: i64 = 25;

/// A queued or running task.
pub struct QueuedRow {
    pub task_id: i64,
    pub advisory_id: String,
    pub status: String,
    pub attempts: i32,
    pub started: String,
}

/// A failed task: its redacted error, retry, and the documents it stored.
pub struct FailedRow {
    pub task_id: i64,
    pub advisory_id: String,
    pub failed: String,
    pub last_error: String,
    pub kinds: Vec<String>,
}

/// A published advisory whose export is stale.
pub struct AwaitingRow {
    pub advisory_id: String,
    pub project: String,
    pub edited: String,
}

/// A recently published advisory.
pub struct PublishedRow {
    pub advisory_id: String,
    pub summary: String,
    pub published: String,
}

/// Everything the page shows.
pub struct AdminView {
    pub queue: Vec<QueuedRow>,
    pub failed: Vec<FailedRow>,
    pub awaiting: Vec<AwaitingRow>,
    pub recent: Vec<PublishedRow>,
}

impl AdminView {
    /// The page polls itself while runs are open.
    pub fn poll_path(&self) -> &'static str {
        routes::ADMIN_PUBLICATIONS
    }

    pub fn advisory_path(&self, id: &str) -> String {
        routes::advisory(id)
    }

    pub fn retry_path(&self, task_id: &i64) -> String {
        routes::of_publication_task(routes::PUBLICATION_RETRY, *task_id, "")
    }

    pub fn artifact_path(&self, task_id: &i64, kind: &str) -> String {
        routes::of_publication_task(routes::PUBLICATION_ARTIFACT, *task_id, kind)
    }

    pub fn status_key(&self, status: &str) -> &'static str {
        match status {
            "queued" => "publication-status-queued",
            "running" => "publication-status-running",
            _ => "publication-status-unknown",
        }
    }

    pub fn preview_key(&self, kind: &str) -> &'static str {
        super::panel::preview_key(kind)
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "publication/admin.html")]
pub struct AdminPage {
    pub ctx: PageContext,
    pub nav: AdminNav,
    pub admin: AdminView,
}

#[derive(Template, WebTemplate)]
#[template(path = "publication/admin_body.html")]
pub struct AdminFragment {
    pub ctx: PageContext,
    pub admin: AdminView,
}

fn at(t: Option<OffsetDateTime>) -> String {
    t.map(when).unwrap_or_default()
}

/// Loads the four sections (the caller is an admin: every row is visible).
async fn load(conn: &mut PgConnection) -> Result<AdminView, sqlx::Error> {
    let queue = sqlx::query!(
        r#"SELECT t.id, a.advisory_id, t.status, t.attempts, t.started_at
           FROM publication_task t JOIN advisory a ON a.id = t.advisory_id
           WHERE t.status IN ('queued', 'running')
           ORDER BY t.created_at, t.id
           LIMIT $1"#,
        QUEUE_LIMIT
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|r| QueuedRow {
        task_id: r.id,
        advisory_id: r.advisory_id,
        status: r.status,
        attempts: r.attempts,
        started: at(r.started_at),
    })
    .collect();
    let failed = sqlx::query!(
        r#"SELECT t.id, a.advisory_id, t.finished_at, t.last_error,
                  coalesce(array_agg(d.kind ORDER BY d.kind) FILTER (WHERE d.kind IS NOT NULL),
                           '{}') AS "kinds!"
           FROM publication_task t
           JOIN advisory a ON a.id = t.advisory_id
           LEFT JOIN publication_artifact d ON d.task_id = t.id
           WHERE t.status = 'failed'
           GROUP BY t.id, a.advisory_id
           ORDER BY t.finished_at DESC NULLS LAST, t.id DESC
           LIMIT $1"#,
        FAILED_LIMIT
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|r| FailedRow {
        task_id: r.id,
        advisory_id: r.advisory_id,
        failed: at(r.finished_at),
        last_error: r.last_error,
        kinds: r.kinds,
    })
    .collect();
    // "Not already failed": an advisory whose latest run failed is listed
    // above, with its retry.
    let awaiting = sqlx::query!(
        r#"SELECT a.advisory_id, p.slug, a.modified_at
           FROM advisory a JOIN project p ON p.id = a.project_id
           WHERE a.state = 'published' AND a.republish_required AND a.kind = 'native'
             AND coalesce((SELECT t.status FROM publication_task t WHERE t.advisory_id = a.id
                           ORDER BY t.id DESC LIMIT 1), '') <> 'failed'
           ORDER BY a.modified_at, a.id
           LIMIT $1"#,
        FAILED_LIMIT
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|r| AwaitingRow {
        advisory_id: r.advisory_id,
        project: r.slug,
        edited: when(r.modified_at),
    })
    .collect();
    let recent = sqlx::query!(
        r#"SELECT a.advisory_id, a.summary, a.published_at
           FROM advisory a
           WHERE a.state = 'published' AND a.published_at IS NOT NULL
           ORDER BY a.published_at DESC, a.id DESC
           LIMIT $1"#,
        RECENT_LIMIT
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|r| PublishedRow {
        advisory_id: r.advisory_id,
        summary: r.summary,
        published: at(r.published_at),
    })
    .collect();
    Ok(AdminView {
        queue,
        failed,
        awaiting,
        recent,
    })
}

/// `GET /admin/publications/`: the page, or its body for htmx.
#[tracing::instrument(name = "http.admin.publications", skip_all)]
pub async fn page(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageContext,
    Fragment(htmx): Fragment,
) -> Result<Response, AppError> {
    if !perm::admin_console(Some(&caller.actor)) {
        return Err(AppError::Forbidden(ctx.t("publication-admin-forbidden")));
    }
    let mut tx = caller.begin(&state).await?;
    let admin = load(&mut tx).await?;
    tx.commit().await?;
    Ok(if htmx {
        AdminFragment { ctx, admin }.into_response()
    } else {
        AdminPage {
            ctx,
            nav: AdminNav(Section::Publications),
            admin,
        }
        .into_response()
    })
}
