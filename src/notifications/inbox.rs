//! The in-app inbox (50-web-ui §13.1, ruling 22): `/notifications/`, the
//! signed-in user's rows only (anyone else's answers 404). A row links to its
//! advisory only while the reader can still see it, which row-level security
//! decides at display time.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tower_sessions::Session;

use crate::advisories::caller::Caller;
use crate::advisories::pages::{iso, when};
use crate::auth::session_error;
use crate::web::AppState;
use crate::web::context::PageContext;
use crate::web::error::AppError;
use crate::web::flash::{self, Level};
use crate::web::htmx::Fragment;
use crate::web::routes;

const PAGE_SIZE: i64 = 30;

pub struct Row {
    pub id: i64,
    pub kind: String,
    pub subject: String,
    pub summary: String,
    /// The advisory's page, while the reader may still see it.
    pub href: Option<String>,
    pub when: String,
    pub iso: String,
    pub unread: bool,
}

impl Row {
    fn read_href(&self) -> String {
        routes::NOTIFICATION_READ.replace("{nid}", &self.id.to_string())
    }

    fn kind_key(&self) -> &'static str {
        match self.kind.as_str() {
            "advisory_created" => "notifications-kind-advisory_created",
            "advisory_submitted_for_review" => "notifications-kind-advisory_submitted_for_review",
            "advisory_review_withdrawn" => "notifications-kind-advisory_review_withdrawn",
            "advisory_published" => "notifications-kind-advisory_published",
            "publication_export_status" => "notifications-kind-publication_export_status",
            "comment" => "notifications-kind-comment",
            "mention" => "notifications-kind-mention",
            _ => "notifications-kind-triage",
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "notifications/inbox.html")]
pub struct InboxPage {
    pub ctx: PageContext,
    pub rows: Vec<Row>,
    pub unread: i64,
    pub page: i64,
    pub pages: i64,
}

impl InboxPage {
    #[expect(clippy::unused_self, reason = "templates call it as a method")]
    fn read_all_href(&self) -> &'static str {
        routes::NOTIFICATIONS_READ_ALL
    }

    #[expect(clippy::unused_self, reason = "templates call it as a method")]
    fn page_href(&self, page: i64) -> String {
        format!("{}?page={page}", routes::NOTIFICATIONS)
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "notifications/row_fragment.html")]
pub struct RowFragment {
    pub ctx: PageContext,
    pub row: Row,
}

#[derive(Debug, Default, Deserialize)]
pub struct InboxQuery {
    #[serde(default)]
    page: Option<String>,
}

/// Inbox rows of `user`, newest first; `only` narrows to one row.
async fn rows(
    conn: &mut sqlx::PgConnection,
    user: i64,
    only: Option<i64>,
    offset: i64,
) -> Result<Vec<Row>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT n.id, n.kind, n.subject, n.summary, n.created_at, n.read_at,
                  a.advisory_id AS "public_id?"
           FROM notification n LEFT JOIN advisory a ON a.id = n.advisory_id
           WHERE n.recipient_id = $1 AND ($2::bigint IS NULL OR n.id = $2)
           ORDER BY n.created_at DESC, n.id DESC LIMIT $3 OFFSET $4"#,
        user,
        only,
        PAGE_SIZE,
        offset
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Row {
            id: r.id,
            kind: r.kind,
            subject: r.subject,
            summary: r.summary,
            href: r.public_id.as_deref().map(routes::advisory),
            when: when(r.created_at),
            iso: iso(r.created_at),
            unread: r.read_at.is_none(),
        })
        .collect())
}

/// `GET /notifications/?page=N`.
pub async fn inbox(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageContext,
    Query(q): Query<InboxQuery>,
) -> Result<InboxPage, AppError> {
    let page = match q.page.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        None => 1,
        Some(p) => p
            .parse::<i64>()
            .ok()
            .filter(|p| (1..=100_000).contains(p))
            .ok_or_else(|| AppError::BadRequest(format!("{p:?} is not a page number.")))?,
    };
    let user = caller.actor.user_id;
    let mut tx = caller.begin(&state).await?;
    let counts = sqlx::query!(
        r#"SELECT count(*) AS "total!", count(*) FILTER (WHERE read_at IS NULL) AS "unread!"
           FROM notification WHERE recipient_id = $1"#,
        user
    )
    .fetch_one(&mut *tx)
    .await?;
    let rows = rows(&mut tx, user, None, (page - 1) * PAGE_SIZE).await?;
    tx.commit().await?;
    Ok(InboxPage {
        ctx,
        rows,
        unread: counts.unread,
        page,
        pages: ((counts.total + PAGE_SIZE - 1) / PAGE_SIZE).max(1),
    })
}

/// `POST /notifications/{nid}/read/`: marks one of the caller's rows read.
pub async fn read_one(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageContext,
    Fragment(htmx): Fragment,
    Path(nid): Path<i64>,
) -> Result<Response, AppError> {
    let user = caller.actor.user_id;
    let mut tx = caller.begin(&state).await?;
    let found = sqlx::query_scalar!(
        "UPDATE notification SET read_at = coalesce(read_at, now())
         WHERE id = $1 AND recipient_id = $2 RETURNING id",
        nid,
        user
    )
    .fetch_optional(&mut *tx)
    .await?;
    if found.is_none() {
        return Err(AppError::NotFound);
    }
    let row = rows(&mut tx, user, Some(nid), 0).await?.pop();
    tx.commit().await?;
    match (htmx, row) {
        (true, Some(row)) => Ok(RowFragment { ctx, row }.into_response()),
        _ => Ok(Redirect::to(routes::NOTIFICATIONS).into_response()),
    }
}

/// `POST /notifications/read-all/`.
pub async fn read_all(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageContext,
    session: Session,
) -> Result<Response, AppError> {
    let mut tx = caller.begin(&state).await?;
    let marked = sqlx::query!(
        "UPDATE notification SET read_at = now() WHERE recipient_id = $1 AND read_at IS NULL",
        caller.actor.user_id
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    tx.commit().await?;
    if marked > 0 {
        flash::push(
            &session,
            Level::Success,
            ctx.t1("notifications-marked", "count", marked),
        )
        .await
        .map_err(session_error)?;
    }
    Ok(Redirect::to(routes::NOTIFICATIONS).into_response())
}
