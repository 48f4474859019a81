//! The access log in the admin console (`/admin/access-log/`, 50-web-ui
//! §14.6): the audit page's filters over the ephemeral store (INV-AUDIT-5),
//! with its actions only, `q` over the metadata, the last 7 days unless a
//! window is asked for, and the client's address and User-Agent.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{RawQuery, State};

use super::audit_log::{LogFilters, LogRow, LogView, actor_label};
use super::console::{AdminNav, PER_PAGE, Section, contains_pattern, offset, require_admin};
use crate::advisories::caller::Caller;
use crate::audit::catalogue::Store;
use crate::web::AppState;
use crate::web::context::PageContext;
use crate::web::error::AppError;
use crate::web::routes;

/// The window shown when none is asked for.
const DEFAULT_DAYS: i64 = 7;

#[derive(Template, WebTemplate)]
#[template(path = "admin/access_log.html")]
pub struct AccessLogPage {
    pub ctx: PageContext,
    pub nav: AdminNav,
    pub view: LogView,
}

/// `GET /admin/access-log/`.
#[tracing::instrument(name = "http.admin.access_log", skip_all)]
pub async fn page(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageContext,
    RawQuery(raw): RawQuery,
) -> Result<AccessLogPage, AppError> {
    require_admin(&caller, &ctx)?;
    let mut filters = LogFilters::parse(raw.as_deref(), Store::AccessLog, &ctx)?;
    filters.default_window(DEFAULT_DAYS);
    let (since, until) = filters.window();
    let (actor, system) = filters.actor_sql();
    let mut tx = caller.begin(&state).await?;
    let records = sqlx::query!(
        r#"SELECT e.created_at, e.action, e.actor_id, u.display_name AS "name?", u.email AS "email?",
                  a.advisory_id AS "advisory?", host(e.ip_address) AS ip, e.user_agent,
                  e.metadata::text AS "metadata!", count(*) OVER () AS "total!"
           FROM access_log_entry e
           LEFT JOIN app_user u ON u.id = e.actor_id
           LEFT JOIN advisory a ON a.id = e.advisory_id
           WHERE (cardinality($1::text[]) = 0 OR e.action = ANY($1))
             AND (NOT $2 OR e.actor_id IS NULL)
             AND ($3::text IS NULL OR u.email ILIKE $3 OR u.display_name ILIKE $3
                  OR u.first_name ILIKE $3 OR u.last_name ILIKE $3)
             AND ($4::text IS NULL OR a.advisory_id ILIKE $4)
             AND ($5::timestamptz IS NULL OR e.created_at >= $5)
             AND ($6::timestamptz IS NULL OR e.created_at < $6)
             AND ($7::text IS NULL OR e.metadata::text ILIKE $7)
           ORDER BY e.created_at DESC, e.id DESC
           LIMIT $8 OFFSET $9"#,
        &filters.action_sql(),
        system,
        actor,
        filters.advisory.as_deref().map(contains_pattern),
        since,
        until,
        filters.q.as_deref().map(contains_pattern),
        PER_PAGE,
        offset(filters.page)
    )
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    let total = records.first().map_or(0, |r| r.total);
    let rows = records
        .into_iter()
        .map(|r| LogRow {
            at: r.created_at,
            actor: actor_label(r.actor_id, r.name, r.email),
            action: r.action,
            advisory: r.advisory,
            ip: r.ip.unwrap_or_default(),
            user_agent: r.user_agent,
            metadata: r.metadata,
        })
        .collect();
    Ok(AccessLogPage {
        ctx,
        nav: AdminNav(Section::AccessLog),
        view: LogView::new(
            routes::ADMIN_ACCESS_LOG,
            Store::AccessLog,
            filters,
            rows,
            total,
        ),
    })
}
