//! The comment routes (50-web-ui §6.4): thin handlers over the comment
//! services. Every form works without JavaScript (303 back to the advisory
//! with a flash); htmx requests get the fragment to swap.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use fluent_bundle::FluentValue;
use serde::Deserialize;
use tower_sessions::Session;

use super::service::{self, Comment};
use super::timeline::{self, Activity, CommentItem, Item};
use crate::access::permissions::{self as perm, AdvisoryFacts};
use crate::advisories::caller::{Caller, checked_id};
use crate::advisories::pages;
use crate::advisories::pages::{DiffLine, diff_lines};
use crate::advisories::panels::PanelData;
use crate::advisories::repo::AdvisoryRow;
use crate::advisories::service::ServiceError;
use crate::audit::access_log::RequestOrigin;
use crate::auth::session_error;
use crate::db::Tx;
use crate::ratelimit::Rate;
use crate::web::AppState;
use crate::web::context::PageContext;
use crate::web::error::AppError;
use crate::web::flash::{self, Level};
use crate::web::htmx::Fragment;
use crate::web::ratelimit::check_user;
use crate::web::routes;

/// 20-lifecycle §20.
const COMMENT_RATE: Rate = Rate {
    limit: 30,
    period: std::time::Duration::from_mins(1),
};
const LOCK_RATE: Rate = Rate {
    limit: 20,
    period: std::time::Duration::from_hours(1),
};

/// The activity section alone (htmx swaps it).
#[derive(Template, WebTemplate)]
#[template(path = "comments/activity_fragment.html")]
pub struct ActivityFragment {
    pub ctx: PageContext,
    pub activity: Activity,
}

/// The activity section as a page of its own: the no-JavaScript answer to a
/// refused post, with what was typed and why it was refused.
#[derive(Template, WebTemplate)]
#[template(path = "comments/activity_page.html")]
pub struct ActivityPage {
    pub ctx: PageContext,
    pub activity: Activity,
    pub summary: String,
}

impl ActivityPage {
    fn advisory_href(&self) -> String {
        routes::advisory(&self.activity.advisory_id)
    }
}

/// One comment (htmx swaps it after an edit or a redaction).
#[derive(Template, WebTemplate)]
#[template(path = "comments/item_fragment.html")]
pub struct CommentFragment {
    pub ctx: PageContext,
    pub c: CommentItem,
}

async fn activity(
    state: &AppState,
    caller: &Caller,
    ctx: &PageContext,
    public_id: &str,
) -> Result<(Activity, String), AppError> {
    let mut tx = caller.begin(state).await?;
    let (row, facts) = caller.visible(&mut tx, public_id).await?;
    let role = perm::role(Some(&caller.actor), &facts).ok_or(AppError::NotFound)?;
    let data = PanelData::fetch(&mut tx, &caller.actor, &row, &facts).await?;
    let activity = timeline::build(ctx, &caller.actor, &row, &facts, role, data.timeline);
    tx.commit().await?;
    Ok((activity, row.summary))
}

/// `GET /advisories/{id}/timeline/`: the activity fragment, or the page.
pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageContext,
    Fragment(htmx): Fragment,
    Path(raw_id): Path<String>,
) -> Result<Response, AppError> {
    let (activity, summary) = activity(&state, &caller, &ctx, checked_id(&raw_id)?).await?;
    Ok(if htmx {
        ActivityFragment { ctx, activity }.into_response()
    } else {
        ActivityPage {
            ctx,
            activity,
            summary,
        }
        .into_response()
    })
}

#[derive(Debug, Default, Deserialize)]
pub struct NewComment {
    #[serde(default)]
    body: String,
    /// A checkbox: present when ticked. Read explicitly, never mass-assigned.
    #[serde(default)]
    is_internal: Option<String>,
}

/// `POST /advisories/{id}/comments/new/`.
#[tracing::instrument(name = "http.comments.create", skip_all)]
#[expect(clippy::too_many_arguments, reason = "one extractor per input")]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageContext,
    origin: RequestOrigin,
    session: Session,
    Fragment(htmx): Fragment,
    Path(raw_id): Path<String>,
    Form(form): Form<NewComment>,
) -> Result<Response, AppError> {
    check_user(
        &state,
        "comments.create",
        COMMENT_RATE,
        caller.actor.user_id,
    )
    .await?;
    let public_id = checked_id(&raw_id)?;
    let internal = form.is_internal.is_some();
    let mut tx = caller.begin(&state).await?;
    let sctx = caller.service_ctx(&state, &origin);
    match service::add(&mut tx, sctx, public_id, &form.body, internal).await {
        Ok(comment_id) => {
            tx.commit().await?;
            if htmx {
                let (activity, _) = activity(&state, &caller, &ctx, public_id).await?;
                return Ok(ActivityFragment { ctx, activity }.into_response());
            }
            flash::push(&session, Level::Success, ctx.t("comments-posted"))
                .await
                .map_err(session_error)?;
            Ok(Redirect::to(&format!(
                "{}#comment-{comment_id}",
                routes::advisory(public_id)
            ))
            .into_response())
        }
        Err(ServiceError::Invalid(errors)) => {
            tx.rollback().await?;
            let (mut activity, summary) = activity(&state, &caller, &ctx, public_id).await?;
            activity.draft = form.body;
            activity.draft_internal = internal;
            activity.errors = errors.iter().map(|e| e.message.clone()).collect();
            let body = if htmx {
                ActivityFragment { ctx, activity }.into_response()
            } else {
                ActivityPage {
                    ctx,
                    activity,
                    summary,
                }
                .into_response()
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// The comment with its author, for the edit form and the fragments.
async fn one_comment(
    tx: &mut Tx<'static>,
    caller: &Caller,
    row: &AdvisoryRow,
    facts: &AdvisoryFacts,
    comment_id: i64,
) -> Result<(Comment, String, String), AppError> {
    PanelData::fetch(tx, &caller.actor, row, facts)
        .await?
        .timeline
        .comments
        .into_iter()
        .find(|c| c.comment.id == comment_id)
        .map(|c| (c.comment, c.name, c.email))
        .ok_or(AppError::NotFound)
}

async fn comment_fragment(
    state: &AppState,
    caller: &Caller,
    ctx: PageContext,
    public_id: &str,
    comment_id: i64,
) -> Result<Response, AppError> {
    let mut tx = caller.begin(state).await?;
    let (row, facts) = caller.visible(&mut tx, public_id).await?;
    let (comment, name, email) = one_comment(&mut tx, caller, &row, &facts, comment_id).await?;
    tx.commit().await?;
    let c = timeline::comment_item(
        &ctx,
        &caller.actor,
        &facts,
        public_id,
        &comment,
        &name,
        &email,
    );
    Ok(CommentFragment { ctx, c }.into_response())
}

/// The edit form's state.
pub struct EditForm {
    pub advisory_id: String,
    pub comment_id: i64,
    pub body: String,
    pub errors: Vec<String>,
    /// Inline in the thread (htmx) rather than a page of its own.
    pub inline: bool,
}

impl EditForm {
    fn action(&self) -> String {
        routes::of_comment(routes::COMMENT_EDIT, &self.advisory_id, self.comment_id)
    }

    fn cancel(&self) -> String {
        format!(
            "{}#comment-{}",
            routes::advisory(&self.advisory_id),
            self.comment_id
        )
    }

    fn respond(self, ctx: PageContext) -> Response {
        if self.inline {
            EditFragment { ctx, form: self }.into_response()
        } else {
            EditPage { ctx, form: self }.into_response()
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "comments/edit.html")]
pub struct EditPage {
    pub ctx: PageContext,
    pub form: EditForm,
}

#[derive(Template, WebTemplate)]
#[template(path = "comments/edit_form.html")]
pub struct EditFragment {
    pub ctx: PageContext,
    pub form: EditForm,
}

/// `GET /advisories/{id}/comments/{comment_id}/edit/`.
pub async fn edit_form(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageContext,
    Fragment(htmx): Fragment,
    Path((raw_id, comment_id)): Path<(String, i64)>,
) -> Result<Response, AppError> {
    let public_id = checked_id(&raw_id)?;
    let mut tx = caller.begin(&state).await?;
    let (row, facts) = caller.visible(&mut tx, public_id).await?;
    let (comment, _, _) = one_comment(&mut tx, &caller, &row, &facts, comment_id).await?;
    tx.commit().await?;
    if !perm::can_edit_comment(Some(&caller.actor), &facts, &comment.facts()) {
        return Err(AppError::Forbidden(
            "Only the author may edit this comment.".into(),
        ));
    }
    Ok(EditForm {
        advisory_id: public_id.to_owned(),
        comment_id,
        body: comment.body,
        errors: Vec::new(),
        inline: htmx,
    }
    .respond(ctx))
}

#[derive(Debug, Default, Deserialize)]
pub struct EditComment {
    #[serde(default)]
    body: String,
}

/// `POST /advisories/{id}/comments/{comment_id}/edit/`.
#[tracing::instrument(name = "http.comments.edit", skip_all)]
#[expect(clippy::too_many_arguments, reason = "one extractor per input")]
pub async fn edit(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageContext,
    origin: RequestOrigin,
    session: Session,
    Fragment(htmx): Fragment,
    Path((raw_id, comment_id)): Path<(String, i64)>,
    Form(form): Form<EditComment>,
) -> Result<Response, AppError> {
    // The full-page form is boosted, not targeted: it wants the page flow.
    let public_id = checked_id(&raw_id)?;
    let mut tx = caller.begin(&state).await?;
    let sctx = caller.service_ctx(&state, &origin);
    match service::edit(&mut tx, sctx, public_id, comment_id, &form.body).await {
        Ok(()) => {
            tx.commit().await?;
            let done = Done {
                htmx,
                public_id,
                comment_id,
            };
            done.answer(&state, &caller, ctx, &session, "comments-saved")
                .await
        }
        Err(ServiceError::Invalid(errors)) => {
            tx.rollback().await?;
            let page = EditForm {
                advisory_id: public_id.to_owned(),
                comment_id,
                body: form.body,
                errors: errors.iter().map(|e| e.message.clone()).collect(),
                inline: htmx,
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page.respond(ctx)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /advisories/{id}/comments/{comment_id}/redact/`.
#[tracing::instrument(name = "http.comments.redact", skip_all)]
pub async fn redact(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageContext,
    origin: RequestOrigin,
    session: Session,
    Fragment(htmx): Fragment,
    Path((raw_id, comment_id)): Path<(String, i64)>,
) -> Result<Response, AppError> {
    let public_id = checked_id(&raw_id)?;
    let mut tx = caller.begin(&state).await?;
    let sctx = caller.service_ctx(&state, &origin);
    match service::redact(&mut tx, sctx, public_id, comment_id).await {
        Ok(()) => tx.commit().await?,
        // Ruling 8: the comment's state refuses it; say so where it is.
        Err(ServiceError::InvalidState(message)) if !htmx => {
            flash::push(&session, Level::Error, message)
                .await
                .map_err(session_error)?;
            return Ok(Redirect::to(&format!(
                "{}#comment-{comment_id}",
                routes::advisory(public_id)
            ))
            .into_response());
        }
        Err(e) => return Err(e.into()),
    }
    let done = Done {
        htmx,
        public_id,
        comment_id,
    };
    done.answer(&state, &caller, ctx, &session, "comments-redacted-flash")
        .await
}

/// A change to one comment, committed.
struct Done<'a> {
    htmx: bool,
    public_id: &'a str,
    comment_id: i64,
}

impl Done<'_> {
    /// The comment again for htmx; otherwise back to it with a flash.
    async fn answer(
        &self,
        state: &AppState,
        caller: &Caller,
        ctx: PageContext,
        session: &Session,
        flash_key: &str,
    ) -> Result<Response, AppError> {
        if self.htmx {
            return comment_fragment(state, caller, ctx, self.public_id, self.comment_id).await;
        }
        flash::push(session, Level::Success, ctx.t(flash_key))
            .await
            .map_err(session_error)?;
        Ok(Redirect::to(&format!(
            "{}#comment-{}",
            routes::advisory(self.public_id),
            self.comment_id
        ))
        .into_response())
    }
}

/// One version of a comment against the one before it, word by word.
pub struct HistoryEntry {
    pub version: i32,
    /// "Version N, when, by whom".
    pub line: String,
    pub words: Vec<DiffLine>,
}

/// A page of a comment's edits.
pub struct History {
    pub advisory_id: String,
    pub comment_id: i64,
    pub entries: Vec<HistoryEntry>,
    /// The version to continue below, when older ones remain.
    pub older: Option<i32>,
}

impl History {
    fn advisory_href(&self) -> String {
        format!(
            "{}#comment-{}",
            routes::advisory(&self.advisory_id),
            self.comment_id
        )
    }

    #[expect(
        clippy::trivially_copy_pass_by_ref,
        reason = "askama passes template values by reference"
    )]
    fn older_href(&self, before: &i32) -> String {
        format!(
            "{}?before={before}",
            routes::of_comment(routes::COMMENT_HISTORY, &self.advisory_id, self.comment_id)
        )
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "comments/history.html")]
pub struct HistoryPage {
    pub ctx: PageContext,
    pub history: History,
}

/// Only the list, for a "load older edits" request.
#[derive(Template, WebTemplate)]
#[template(path = "comments/history_list.html")]
pub struct HistoryFragment {
    pub ctx: PageContext,
    pub history: History,
}

#[derive(Debug, Default, Deserialize)]
pub struct HistoryQuery {
    #[serde(default)]
    before: Option<i32>,
}

/// Versions shown per page (50-web-ui §6.4).
const HISTORY_PAGE: i64 = 10;
/// Word diffs are quadratic: past this many word pairs a version is shown
/// whole instead of diffed.
const MAX_DIFF_CELLS: usize = 4_000_000;

fn word_diff(old: &str, new: &str) -> Vec<DiffLine> {
    let words = |s: &str| s.split_whitespace().map(str::to_owned).collect::<Vec<_>>();
    let (old, new) = (words(old), words(new));
    if old.len().saturating_mul(new.len()) > MAX_DIFF_CELLS {
        return new
            .into_iter()
            .map(|text| DiffLine { sign: '+', text })
            .collect();
    }
    diff_lines(&old, &new)
}

/// `GET /advisories/{id}/comments/{comment_id}/history/[?before=N]`: the
/// edits, newest first, ten at a time; nothing for a redacted comment.
pub async fn history(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageContext,
    Fragment(htmx): Fragment,
    Path((raw_id, comment_id)): Path<(String, i64)>,
    Query(q): Query<HistoryQuery>,
) -> Result<Response, AppError> {
    let public_id = checked_id(&raw_id)?;
    let mut tx = caller.begin(&state).await?;
    let (row, facts) = caller.visible(&mut tx, public_id).await?;
    let (comment, _, _) = one_comment(&mut tx, &caller, &row, &facts, comment_id).await?;
    let before = q.before.unwrap_or(i32::MAX);
    // One more than a page, and the version before the page's last, for
    // the last diff.
    let versions = if comment.redacted_at.is_some() {
        Vec::new()
    } else {
        sqlx::query!(
            r#"SELECT v.version, v.body, v.created_at,
                      u.display_name AS "name?", u.email AS "email?"
               FROM comment_version v LEFT JOIN app_user u ON u.id = v.editor_id
               WHERE v.comment_id = $1 AND v.version < $2
               ORDER BY v.version DESC LIMIT $3"#,
            comment.id,
            before,
            HISTORY_PAGE + 1
        )
        .fetch_all(&mut *tx)
        .await?
    };
    tx.commit().await?;
    let show_emails = perm::can_see_user_emails(Some(&caller.actor), &facts);
    let page_len = usize::try_from(HISTORY_PAGE).unwrap_or(10);
    let entries: Vec<HistoryEntry> = versions
        .iter()
        .enumerate()
        .take(page_len)
        .map(|(i, v)| {
            let previous = versions.get(i + 1).map_or("", |p| p.body.as_str());
            let who = match (&v.name, &v.email) {
                (Some(name), Some(email)) => crate::access::privacy::user_label(
                    name,
                    email,
                    show_emails || *email == caller.identity.email,
                ),
                _ => ctx.t("timeline-system"),
            };
            HistoryEntry {
                version: v.version,
                line: ctx.t.t_with(
                    "comments-history-version",
                    &[
                        ("version", FluentValue::from(v.version)),
                        ("when", FluentValue::from(pages::when(v.created_at))),
                        ("who", FluentValue::from(who)),
                    ],
                ),
                words: if v.version == 1 {
                    word_diff("", &v.body)
                } else {
                    word_diff(previous, &v.body)
                },
            }
        })
        .collect();
    let older = (versions.len() > page_len)
        .then(|| entries.last().map(|e| e.version))
        .flatten();
    let history = History {
        advisory_id: public_id.to_owned(),
        comment_id,
        entries,
        older,
    };
    Ok(if htmx && q.before.is_some() {
        HistoryFragment { ctx, history }.into_response()
    } else {
        HistoryPage { ctx, history }.into_response()
    })
}

#[derive(Debug, Default, Deserialize)]
pub struct LockForm {
    #[serde(default)]
    reason: String,
}

/// `POST /advisories/{id}/lock-comments/`.
#[tracing::instrument(name = "http.comments.lock", skip_all)]
pub async fn lock(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageContext,
    origin: RequestOrigin,
    session: Session,
    Path(raw_id): Path<String>,
    Form(form): Form<LockForm>,
) -> Result<Response, AppError> {
    check_user(&state, "comments.lock", LOCK_RATE, caller.actor.user_id).await?;
    let public_id = checked_id(&raw_id)?;
    let mut tx = caller.begin(&state).await?;
    let sctx = caller.service_ctx(&state, &origin);
    let outcome = service::lock(&mut tx, sctx, public_id, &form.reason).await;
    settle(
        tx,
        outcome,
        &session,
        &ctx,
        "comments-locked-flash",
        public_id,
    )
    .await
}

/// `POST /advisories/{id}/unlock-comments/`.
#[tracing::instrument(name = "http.comments.unlock", skip_all)]
pub async fn unlock(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageContext,
    origin: RequestOrigin,
    session: Session,
    Path(raw_id): Path<String>,
) -> Result<Response, AppError> {
    check_user(&state, "comments.unlock", LOCK_RATE, caller.actor.user_id).await?;
    let public_id = checked_id(&raw_id)?;
    let mut tx = caller.begin(&state).await?;
    let sctx = caller.service_ctx(&state, &origin);
    let outcome = service::unlock(&mut tx, sctx, public_id).await;
    settle(
        tx,
        outcome,
        &session,
        &ctx,
        "comments-unlocked-flash",
        public_id,
    )
    .await
}

/// Commits a lock change and goes back to the advisory with a flash; a
/// refusal because of the advisory's state is a flash too (ruling 8).
async fn settle(
    tx: Tx<'static>,
    outcome: Result<(), ServiceError>,
    session: &Session,
    ctx: &PageContext,
    done_key: &str,
    public_id: &str,
) -> Result<Response, AppError> {
    let (level, message) = match outcome {
        Ok(()) => {
            tx.commit().await?;
            (Level::Success, ctx.t(done_key))
        }
        Err(ServiceError::InvalidState(message)) => (Level::Error, message),
        Err(e) => return Err(e.into()),
    };
    flash::push(session, level, message)
        .await
        .map_err(session_error)?;
    Ok(Redirect::to(&format!("{}#comments", routes::advisory(public_id))).into_response())
}

/// Someone who could be mentioned.
pub struct Candidate {
    pub handle: String,
    pub label: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "comments/mentions.html")]
pub struct MentionsFragment {
    pub ctx: PageContext,
    pub candidates: Vec<Candidate>,
}

#[derive(Debug, Default, Deserialize)]
pub struct MentionQuery {
    /// The comment typed so far; the handle being typed is its last word.
    #[serde(default)]
    body: String,
}

/// The `@handle` being typed at the end of `body`, lower-cased.
fn typed_handle(body: &str) -> Option<String> {
    let last = body.rsplit(char::is_whitespace).next()?;
    let handle = last.strip_prefix('@')?;
    handle
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_.+-@".contains(c))
        .then(|| handle.to_lowercase())
}

/// `POST /advisories/{id}/comments/mentions/` with the draft as `body`:
/// people and groups who can see the advisory whose handle starts with what
/// is being typed (P-49). A POST, so that drafts (embargoed, internal) never
/// travel in a URL that proxies log.
/// Labels show e-mail addresses only to owners (INV-PRIVACY-4); handles are
/// e-mail local parts, so a mention still resolves.
pub async fn mentions(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageContext,
    Path(raw_id): Path<String>,
    Form(q): Form<MentionQuery>,
) -> Result<Response, AppError> {
    let public_id = checked_id(&raw_id)?;
    let mut tx = caller.begin(&state).await?;
    let (row, facts) = caller.visible(&mut tx, public_id).await?;
    if !perm::can_autocomplete_mentions(Some(&caller.actor), &facts) {
        return Err(AppError::Forbidden(
            "You cannot comment on this advisory.".into(),
        ));
    }
    let Some(prefix) = typed_handle(&q.body) else {
        tx.commit().await?;
        return Ok(MentionsFragment {
            ctx,
            candidates: Vec::new(),
        }
        .into_response());
    };
    let people = crate::notifications::recipients::candidates(
        &mut tx,
        &row,
        &facts,
        &state.config.oidc.admin_group,
    )
    .await?;
    let groups = sqlx::query!(
        "SELECT g.name FROM oidc_group g
         WHERE g.id = $1 OR g.name = $2
            OR g.id IN (SELECT principal_id FROM access_grant
                        WHERE advisory_id = $3 AND principal_type = 'group')
         ORDER BY g.name",
        row.project_team_id,
        state.config.oidc.admin_group,
        row.id
    )
    .fetch_all(&mut *tx)
    .await?;
    let names: Vec<(i64, String)> = sqlx::query!(
        "SELECT id, display_name FROM app_user WHERE id = ANY($1)",
        &people.iter().map(|p| p.actor.user_id).collect::<Vec<_>>()
    )
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .map(|r| (r.id, r.display_name))
    .collect();
    tx.commit().await?;
    let show_emails = perm::can_see_user_emails(Some(&caller.actor), &facts);
    let mut candidates: Vec<Candidate> = people
        .iter()
        .filter_map(|p| {
            let local = p.email.split('@').next()?.to_lowercase();
            if !local.starts_with(&prefix) {
                return None;
            }
            let name = names
                .iter()
                .find(|(id, _)| *id == p.actor.user_id)
                .map_or("", |(_, n)| n.as_str());
            let own = p.actor.user_id == caller.actor.user_id;
            Some(Candidate {
                handle: local,
                label: crate::access::privacy::user_label(name, &p.email, show_emails || own),
            })
        })
        .chain(groups.into_iter().filter_map(|g| {
            g.name
                .to_lowercase()
                .starts_with(&prefix)
                .then(|| Candidate {
                    handle: g.name.clone(),
                    label: g.name,
                })
        }))
        .take(10)
        .collect();
    candidates.dedup_by(|a, b| a.handle == b.handle && a.label == b.label);
    Ok(MentionsFragment { ctx, candidates }.into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_handle_being_typed_is_the_last_word() {
        assert_eq!(typed_handle("hi @Ali"), Some("ali".into()));
        assert_eq!(typed_handle("hi @"), Some(String::new()));
        assert_eq!(typed_handle("hi @ali "), None);
        assert_eq!(typed_handle("mail a@b"), None);
        assert_eq!(typed_handle("@x<y"), None);
    }

    #[test]
    fn huge_edits_are_shown_whole_instead_of_diffed() {
        let big = "w ".repeat(3000);
        assert!(word_diff(&big, &big).iter().all(|w| w.sign == '+'));
        let d = word_diff("a b c", "a x c");
        let signs: String = d.iter().map(|w| w.sign).collect();
        assert_eq!(signs, " -+ ");
    }
}
