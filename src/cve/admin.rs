//! The CVE assignment page of the admin console (`/admin/cves/`,
//! 50-web-ui §14.2): queued requests with the reserve and reject forms,
//! orphan CVEs awaiting rejection at cve.org, queued orphan reassignment
//! tasks with their resolution form, advisories whose requests are banned,
//! and what was resolved recently. Global admins only (P-46): anyone else is
//! refused with 403, like every admin-console route. Row actions answer as
//! the advisory page's do: 303 back here with a flash, 422 with the page and
//! the row's field errors, 409 (htmx) or a flash for a state refusal.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use sqlx::PgConnection;
use time::OffsetDateTime;
use tower_sessions::Session;

use super::panel::FormState;
use super::routes::{TransitionForm, field_messages, transitioned_message, unbanned_message};
use super::service::{self, ResolveInput};
use crate::access::permissions as perm;
use crate::admin::console::{AdminNav, Section};
use crate::advisories::caller::{Caller, checked_id};
use crate::advisories::pages::when;
use crate::advisories::service::ServiceError;
use crate::audit::access_log::RequestOrigin;
use crate::auth::session_error;
use crate::db::Tx;
use crate::web::AppState;
use crate::web::context::PageContext;
use crate::web::error::AppError;
use crate::web::flash::{self, Level};
use crate::web::htmx::Fragment;
use crate::web::routes;

/// Rows per section: the page is a work queue, not an archive.
const SECTION_LIMIT: i64 = 200;
/// Recently resolved rows shown.
const RESOLVED_LIMIT: i64 = 25;

/// A queued CVE request.
pub struct QueuedRow {
    pub task_id: i64,
    pub advisory_id: String,
    pub project: String,
    pub requested: String,
    pub requester: String,
}

/// An orphan CVE.
pub struct OrphanRow {
    pub id: i64,
    pub cve_id: String,
    /// The previous advisory's public id, `None` once it is gone.
    pub advisory_id: Option<String>,
    pub label: String,
    pub status: String,
    pub unassigned: String,
    pub unassigned_by: String,
    pub reason: String,
    pub notes: String,
}

/// An orphan reassignment task.
pub struct ReassignmentRow {
    pub id: i64,
    pub cve_id: String,
    pub advisory_id: String,
    pub orphan_status: String,
    pub status: String,
    pub requested: String,
    pub requester: String,
    pub resolver: String,
    pub finished: String,
    pub replacement: String,
    pub notes: String,
}

/// An advisory whose CVE requests are banned.
pub struct BannedRow {
    pub advisory_id: String,
    pub project: String,
}

/// Everything the page shows.
#[derive(Default)]
pub struct AdminView {
    pub queued: Vec<QueuedRow>,
    pub orphans: Vec<OrphanRow>,
    pub reassignments: Vec<ReassignmentRow>,
    pub banned: Vec<BannedRow>,
    pub resolved_orphans: Vec<OrphanRow>,
    pub resolved_reassignments: Vec<ReassignmentRow>,
    /// The row a refused form came from (its DOM id), and what it held.
    pub form_row: String,
    pub form: FormState,
    /// A confirmation (htmx answers, which have no flash).
    pub status: Option<String>,
}

impl AdminView {
    pub fn advisory_path(&self, id: &str) -> String {
        routes::advisory(id)
    }

    pub fn transition_path(&self, task_id: &i64) -> String {
        routes::of_cve_admin(routes::ADMIN_CVE_TRANSITION, *task_id)
    }

    pub fn allow_path(&self, advisory_id: &str) -> String {
        routes::of_advisory(routes::ADMIN_CVE_ALLOW, advisory_id)
    }

    pub fn mark_rejected_path(&self, orphan_id: &i64) -> String {
        routes::of_cve_admin(routes::ADMIN_ORPHAN_MARK_REJECTED, *orphan_id)
    }

    pub fn resolve_path(&self, task_id: &i64) -> String {
        routes::of_cve_admin(routes::ADMIN_ORPHAN_RESOLVE, *task_id)
    }

    /// The errors of the row with DOM id `row`, when the refused form was
    /// its own.
    pub fn errors_for(&self, row: &str) -> &[String] {
        if self.form_row == row {
            &self.form.errors
        } else {
            &[]
        }
    }

    /// What was typed into the row `row`'s field `name`.
    pub fn typed(&self, row: &str, name: &str) -> &str {
        if self.form_row != row {
            return "";
        }
        match name {
            "cve_id" => &self.form.cve_id,
            "notes" => &self.form.notes,
            _ => "",
        }
    }

    pub fn orphan_status_key(&self, status: &str) -> &'static str {
        match status {
            "orphaned" => "cve-orphan-status-orphaned",
            "marked_rejected" => "cve-orphan-status-marked_rejected",
            "reassigned" => "cve-orphan-status-reassigned",
            _ => "cve-status-unknown",
        }
    }

    pub fn task_status_key(&self, status: &str) -> &'static str {
        match status {
            "queued" => "cve-task-status-queued",
            "resolved_reassigned" => "cve-task-status-resolved_reassigned",
            "resolved_replaced" => "cve-task-status-resolved_replaced",
            _ => "cve-status-unknown",
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "cve/admin.html")]
pub struct AdminPage {
    pub ctx: PageContext,
    pub nav: AdminNav,
    pub admin: AdminView,
}

#[derive(Template, WebTemplate)]
#[template(path = "cve/admin_fragment.html")]
pub struct AdminFragment {
    pub ctx: PageContext,
    pub admin: AdminView,
}

/// P-46: the admin console is for global admins.
fn require_admin(caller: &Caller, ctx: &PageContext) -> Result<(), AppError> {
    if perm::admin_console(Some(&caller.actor)) {
        Ok(())
    } else {
        Err(AppError::Forbidden(ctx.t(service::refusal::NOT_ADMIN)))
    }
}

fn label(name: Option<String>, email: Option<String>) -> String {
    // Admin-console pages show e-mail addresses (30-permissions §10.4).
    match (name, email) {
        (Some(name), _) if !name.trim().is_empty() => name,
        (_, Some(email)) => email,
        _ => "—".to_owned(),
    }
}

fn at(t: Option<OffsetDateTime>) -> String {
    t.map(when).unwrap_or_default()
}

/// Loads the page's sections (the caller is an admin: every row is
/// visible to them).
async fn load(conn: &mut PgConnection) -> Result<AdminView, sqlx::Error> {
    let queued = sqlx::query!(
        r#"SELECT t.id, a.advisory_id, p.slug, t.created_at,
                  u.display_name AS "name?", u.email AS "email?"
           FROM cve_request_task t
           JOIN advisory a ON a.id = t.advisory_id
           JOIN project p ON p.id = a.project_id
           LEFT JOIN app_user u ON u.id = t.requested_by
           WHERE t.status = 'queued'
           ORDER BY t.created_at, t.id
           LIMIT $1"#,
        SECTION_LIMIT
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|r| QueuedRow {
        task_id: r.id,
        advisory_id: r.advisory_id,
        project: r.slug,
        requested: when(r.created_at),
        requester: label(r.name, r.email),
    })
    .collect();
    let orphans = orphans(conn, &["orphaned"], SECTION_LIMIT).await?;
    let resolved_orphans = orphans_marked(conn).await?;
    let reassignments = load_reassignments(conn, true).await?;
    let resolved_reassignments = load_reassignments(conn, false).await?;
    let banned = sqlx::query!(
        r#"SELECT a.advisory_id, p.slug FROM advisory a JOIN project p ON p.id = a.project_id
           WHERE a.cve_requests_banned ORDER BY a.advisory_id LIMIT $1"#,
        SECTION_LIMIT
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|r| BannedRow {
        advisory_id: r.advisory_id,
        project: r.slug,
    })
    .collect();
    Ok(AdminView {
        queued,
        orphans,
        reassignments,
        banned,
        resolved_orphans,
        resolved_reassignments,
        ..AdminView::default()
    })
}

struct OrphanRecord {
    id: i64,
    cve_id: String,
    advisory_id: Option<String>,
    previous_advisory_label: String,
    status: String,
    unassigned_at: OffsetDateTime,
    name: Option<String>,
    email: Option<String>,
    unassign_reason: String,
    marked_rejected_notes: String,
}

impl From<OrphanRecord> for OrphanRow {
    fn from(r: OrphanRecord) -> Self {
        OrphanRow {
            id: r.id,
            cve_id: r.cve_id,
            advisory_id: r.advisory_id,
            label: r.previous_advisory_label,
            status: r.status,
            unassigned: when(r.unassigned_at),
            unassigned_by: label(r.name, r.email),
            reason: r.unassign_reason,
            notes: r.marked_rejected_notes,
        }
    }
}

async fn orphans(
    conn: &mut PgConnection,
    statuses: &[&str],
    limit: i64,
) -> Result<Vec<OrphanRow>, sqlx::Error> {
    let statuses: Vec<String> = statuses.iter().map(|s| (*s).to_owned()).collect();
    Ok(sqlx::query_as!(
        OrphanRecord,
        r#"SELECT o.id, o.cve_id, a.advisory_id AS "advisory_id?", o.previous_advisory_label,
                  o.status, o.unassigned_at, u.display_name AS "name?", u.email AS "email?",
                  o.unassign_reason, o.marked_rejected_notes
           FROM orphan_cve o
           LEFT JOIN advisory a ON a.id = o.previous_advisory_id
           LEFT JOIN app_user u ON u.id = o.unassigned_by
           WHERE o.status = ANY($1)
           ORDER BY o.unassigned_at, o.id
           LIMIT $2"#,
        &statuses,
        limit
    )
    .fetch_all(conn)
    .await?
    .into_iter()
    .map(OrphanRow::from)
    .collect())
}

/// The orphans marked rejected most recently.
async fn orphans_marked(conn: &mut PgConnection) -> Result<Vec<OrphanRow>, sqlx::Error> {
    Ok(sqlx::query_as!(
        OrphanRecord,
        r#"SELECT o.id, o.cve_id, a.advisory_id AS "advisory_id?", o.previous_advisory_label,
                  o.status, o.unassigned_at, u.display_name AS "name?", u.email AS "email?",
                  o.unassign_reason, o.marked_rejected_notes
           FROM orphan_cve o
           LEFT JOIN advisory a ON a.id = o.previous_advisory_id
           LEFT JOIN app_user u ON u.id = o.marked_rejected_by
           WHERE o.status = 'marked_rejected'
           ORDER BY o.marked_rejected_at DESC, o.id DESC
           LIMIT $1"#,
        RESOLVED_LIMIT
    )
    .fetch_all(conn)
    .await?
    .into_iter()
    .map(OrphanRow::from)
    .collect())
}

/// The queued reassignment tasks, oldest first; or the resolved ones,
/// newest first.
async fn load_reassignments(
    conn: &mut PgConnection,
    queued: bool,
) -> Result<Vec<ReassignmentRow>, sqlx::Error> {
    let limit = if queued {
        SECTION_LIMIT
    } else {
        RESOLVED_LIMIT
    };
    Ok(sqlx::query!(
        r#"SELECT t.id, o.cve_id, a.advisory_id, o.status AS orphan_status, t.status,
                  t.created_at, t.finished_at, t.replacement_cve_id, t.resolution_notes,
                  r.display_name AS "requester_name?", r.email AS "requester_email?",
                  s.display_name AS "resolver_name?", s.email AS "resolver_email?"
           FROM orphan_cve_reassignment_task t
           JOIN orphan_cve o ON o.id = t.orphan_cve_id
           JOIN advisory a ON a.id = t.advisory_id
           LEFT JOIN app_user r ON r.id = t.requested_by
           LEFT JOIN app_user s ON s.id = t.resolved_by
           WHERE (t.status = 'queued') = $1
           ORDER BY CASE WHEN $1 THEN t.created_at END ASC,
                    t.finished_at DESC NULLS LAST, t.id
           LIMIT $2"#,
        queued,
        limit
    )
    .fetch_all(conn)
    .await?
    .into_iter()
    .map(|r| ReassignmentRow {
        id: r.id,
        cve_id: r.cve_id,
        advisory_id: r.advisory_id,
        orphan_status: r.orphan_status,
        status: r.status,
        requested: when(r.created_at),
        requester: label(r.requester_name, r.requester_email),
        resolver: label(r.resolver_name, r.resolver_email),
        finished: at(r.finished_at),
        replacement: r.replacement_cve_id,
        notes: r.resolution_notes,
    })
    .collect())
}

/// `GET /admin/cves/`.
#[tracing::instrument(name = "http.admin.cves", skip_all)]
pub async fn page(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageContext,
    Fragment(htmx): Fragment,
) -> Result<Response, AppError> {
    require_admin(&caller, &ctx)?;
    let mut tx = caller.begin(&state).await?;
    let admin = load(&mut tx).await?;
    tx.commit().await?;
    Ok(if htmx {
        AdminFragment { ctx, admin }.into_response()
    } else {
        AdminPage {
            ctx,
            nav: AdminNav(Section::Cves),
            admin,
        }
        .into_response()
    })
}

/// One row action's answer, once the service has spoken.
struct Answer<'a> {
    state: &'a AppState,
    caller: &'a Caller,
    ctx: PageContext,
    session: &'a Session,
    htmx: bool,
    /// The DOM id of the row the form belongs to.
    row: String,
}

impl Answer<'_> {
    async fn settle<T>(
        self,
        tx: Tx<'static>,
        outcome: Result<T, ServiceError>,
        done: impl FnOnce(&PageContext, &T) -> String,
        mut typed: FormState,
    ) -> Result<Response, AppError> {
        let mut status_line = None;
        let status = match outcome {
            Ok(value) => {
                tx.commit().await?;
                let message = done(&self.ctx, &value);
                if !self.htmx {
                    return self.back(Level::Success, message).await;
                }
                typed = FormState::default();
                status_line = Some(message);
                StatusCode::OK
            }
            Err(ServiceError::Invalid(errors)) => {
                tx.rollback().await?;
                typed.errors = field_messages(&self.ctx, &errors);
                StatusCode::UNPROCESSABLE_ENTITY
            }
            Err(ServiceError::InvalidState(key)) => {
                tx.rollback().await?;
                let message = self.ctx.t(&key);
                if !self.htmx {
                    return self.back(Level::Error, message).await;
                }
                typed = FormState {
                    errors: vec![message],
                    ..FormState::default()
                };
                StatusCode::CONFLICT
            }
            Err(ServiceError::Forbidden(key)) => {
                return Err(AppError::Forbidden(self.ctx.t(&key)));
            }
            Err(e) => return Err(e.into()),
        };
        let mut tx = self.caller.begin(self.state).await?;
        let mut admin = load(&mut tx).await?;
        tx.commit().await?;
        admin.form_row = self.row;
        admin.form = typed;
        admin.status = status_line;
        let ctx = self.ctx;
        let body = if self.htmx {
            AdminFragment { ctx, admin }.into_response()
        } else {
            AdminPage {
                ctx,
                nav: AdminNav(Section::Cves),
                admin,
            }
            .into_response()
        };
        Ok((status, body).into_response())
    }

    async fn back(self, level: Level, message: String) -> Result<Response, AppError> {
        flash::push(self.session, level, message)
            .await
            .map_err(session_error)?;
        Ok(Redirect::to(&format!("{}#{}", routes::ADMIN_CVES, self.row)).into_response())
    }
}

/// `POST /admin/cve/{task_id}/transition/`: reserve or reject a queued
/// request from the queue (the advisory page's service, 20-lifecycle §8.2).
#[tracing::instrument(name = "http.admin.cves.transition", skip_all)]
#[expect(clippy::too_many_arguments, reason = "one extractor per input")]
pub async fn transition(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageContext,
    origin: RequestOrigin,
    session: Session,
    Fragment(htmx): Fragment,
    Path(task_id): Path<i64>,
    Form(form): Form<TransitionForm>,
) -> Result<Response, AppError> {
    require_admin(&caller, &ctx)?;
    let mut tx = caller.begin(&state).await?;
    let public_id = sqlx::query_scalar!(
        "SELECT a.advisory_id FROM cve_request_task t JOIN advisory a ON a.id = t.advisory_id
         WHERE t.id = $1",
        task_id
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(AppError::NotFound)?;
    let sctx = caller.service_ctx(&state, &origin);
    let outcome =
        service::transition_cve_request(&mut tx, sctx, &public_id, task_id, &form.input()).await;
    let answer = Answer {
        state: &state,
        caller: &caller,
        ctx,
        session: &session,
        htmx,
        row: format!("cve-task-{task_id}"),
    };
    answer
        .settle(tx, outcome, transitioned_message, form.typed())
        .await
}

/// `POST /admin/cve/allow/{id}/`: lift an advisory's request ban.
#[tracing::instrument(name = "http.admin.cves.allow", skip_all)]
pub async fn allow(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageContext,
    origin: RequestOrigin,
    session: Session,
    Fragment(htmx): Fragment,
    Path(raw_id): Path<String>,
) -> Result<Response, AppError> {
    require_admin(&caller, &ctx)?;
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
        row: format!("cve-banned-{public_id}"),
    };
    answer
        .settle(tx, outcome, unbanned_message, FormState::default())
        .await
}

#[derive(Debug, Default, Deserialize)]
pub struct NotesForm {
    #[serde(default)]
    notes: String,
}

/// `POST /admin/orphans/{orphan_id}/mark-rejected/`.
#[tracing::instrument(name = "http.admin.cves.mark_rejected", skip_all)]
#[expect(clippy::too_many_arguments, reason = "one extractor per input")]
pub async fn mark_rejected(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageContext,
    origin: RequestOrigin,
    session: Session,
    Fragment(htmx): Fragment,
    Path(orphan_id): Path<i64>,
    Form(form): Form<NotesForm>,
) -> Result<Response, AppError> {
    require_admin(&caller, &ctx)?;
    let mut tx = caller.begin(&state).await?;
    let cve_id = sqlx::query_scalar!("SELECT cve_id FROM orphan_cve WHERE id = $1", orphan_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(AppError::NotFound)?;
    let sctx = caller.service_ctx(&state, &origin);
    let outcome = service::mark_orphan_rejected(&mut tx, sctx, orphan_id, &form.notes).await;
    let answer = Answer {
        state: &state,
        caller: &caller,
        ctx,
        session: &session,
        htmx,
        row: format!("orphan-{orphan_id}"),
    };
    let typed = FormState {
        notes: form.notes,
        ..FormState::default()
    };
    answer
        .settle(
            tx,
            outcome,
            |ctx, ()| ctx.t1("cve-marked-rejected-flash", "cve", &cve_id),
            typed,
        )
        .await
}

#[derive(Debug, Default, Deserialize)]
pub struct ResolveForm {
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    replacement_cve_id: String,
    #[serde(default)]
    notes: String,
}

/// `POST /admin/orphans/reassignment/{task_id}/resolve/`.
#[tracing::instrument(name = "http.admin.cves.resolve", skip_all)]
#[expect(clippy::too_many_arguments, reason = "one extractor per input")]
pub async fn resolve(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageContext,
    origin: RequestOrigin,
    session: Session,
    Fragment(htmx): Fragment,
    Path(task_id): Path<i64>,
    Form(form): Form<ResolveForm>,
) -> Result<Response, AppError> {
    require_admin(&caller, &ctx)?;
    let mut tx = caller.begin(&state).await?;
    let sctx = caller.service_ctx(&state, &origin);
    let input = ResolveInput {
        outcome: form.outcome,
        replacement_cve_id: form.replacement_cve_id.clone(),
        notes: form.notes.clone(),
    };
    let outcome = service::resolve_orphan_reassignment(&mut tx, sctx, task_id, &input).await;
    let answer = Answer {
        state: &state,
        caller: &caller,
        ctx,
        session: &session,
        htmx,
        row: format!("reassignment-{task_id}"),
    };
    let typed = FormState {
        cve_id: form.replacement_cve_id,
        notes: form.notes,
        ..FormState::default()
    };
    answer
        .settle(
            tx,
            outcome,
            |ctx, cve: &String| ctx.t1("cve-resolved-flash", "cve", cve),
            typed,
        )
        .await
}
