//! The comment services (20-lifecycle §12), in the transaction shape of
//! B-3: lock the advisory, re-check the predicate on the locked row, then
//! validate and write the comment, its version, its audit row and its
//! notification job together.

use serde_json::json;
use sqlx::PgConnection;
use time::OffsetDateTime;

use super::mentions;
use crate::access::permissions::{self as perm, AdvisoryFacts, CommentFacts};
use crate::advisories::content::{FieldError, FieldErrors};
use crate::advisories::service::{Ctx, ServiceError, lock_visible};
use crate::audit::catalogue::Action;
use crate::audit::{self, Entry};
use crate::jobs;
use crate::notifications::comment::{CommentPosted, MentionsAdded};

/// Bodies longer than this are refused: a comment is a note, not a file.
pub const MAX_BODY_CHARS: usize = 65_536;
/// A lock's reason is shown on every view of the advisory.
pub const MAX_LOCK_REASON_CHARS: usize = 1_000;

/// A comment as the services and the thread need it.
#[derive(Clone, Debug, serde::Deserialize)]
pub struct Comment {
    pub id: i64,
    pub advisory_id: i64,
    pub author_id: Option<i64>,
    pub body: String,
    pub is_internal: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub edited_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub redacted_at: Option<OffsetDateTime>,
}

impl Comment {
    pub fn facts(&self) -> CommentFacts {
        CommentFacts {
            author_id: self.author_id,
            is_internal: self.is_internal,
            is_redacted: self.redacted_at.is_some(),
        }
    }
}

/// A comment of this advisory the caller may see, locked; an internal one
/// they may not see is as absent as a missing one (INV-COMMENT-2).
async fn visible_comment(
    conn: &mut PgConnection,
    ctx: Ctx<'_>,
    facts: &AdvisoryFacts,
    advisory_id: i64,
    comment_id: i64,
) -> Result<Comment, ServiceError> {
    let comment = sqlx::query_as!(
        Comment,
        "SELECT id, advisory_id, author_id, body, is_internal, created_at, edited_at, redacted_at
         FROM advisory_comment WHERE id = $1 AND advisory_id = $2 FOR UPDATE",
        comment_id,
        advisory_id
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(ServiceError::NotFound)?;
    if !perm::can_see_comment(Some(ctx.actor), facts, &comment.facts()) {
        return Err(ServiceError::NotFound);
    }
    Ok(comment)
}

fn checked_body(body: &str) -> Result<&str, ServiceError> {
    let body = body.trim();
    let problem = if body.is_empty() {
        Some(("required", "Write a comment first."))
    } else if body.contains('\0') {
        Some(("invalid", "A comment cannot contain NUL characters."))
    } else if body.chars().count() > MAX_BODY_CHARS {
        Some((
            "too_long",
            "This comment is too long (at most 65,536 characters).",
        ))
    } else {
        None
    };
    match problem {
        Some((code, message)) => Err(ServiceError::Invalid(FieldErrors::from(vec![FieldError {
            field: "body".into(),
            code,
            message: message.into(),
        }]))),
        None => Ok(body),
    }
}

/// Inserts a comment and its first version.
async fn insert(
    conn: &mut PgConnection,
    advisory_id: i64,
    author_id: i64,
    body: &str,
    is_internal: bool,
) -> Result<i64, sqlx::Error> {
    let id = sqlx::query_scalar!(
        "INSERT INTO advisory_comment (advisory_id, author_id, body, is_internal)
         VALUES ($1, $2, $3, $4) RETURNING id",
        advisory_id,
        author_id,
        body,
        is_internal
    )
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query!(
        "INSERT INTO comment_version (comment_id, version, body, editor_id) VALUES ($1, 1, $2, $3)",
        id,
        body,
        author_id
    )
    .execute(&mut *conn)
    .await?;
    Ok(id)
}

fn created_entry<'a>(
    ctx: Ctx<'a>,
    advisory_id: i64,
    comment_id: i64,
    body: &str,
    is_internal: bool,
) -> Entry<'a> {
    Entry::new(Action::CommentCreated, Some(ctx.actor.user_id), ctx.origin)
        .advisory(advisory_id)
        .comment(comment_id)
        .values(
            None,
            Some(json!({"length": body.chars().count(), "is_internal": is_internal})),
        )
}

/// `add_comment` (§12.2): any role may comment (owners only while locked);
/// an internal comment needs collaborator or above. Returns the comment id.
pub async fn add(
    conn: &mut PgConnection,
    ctx: Ctx<'_>,
    public_id: &str,
    body: &str,
    is_internal: bool,
) -> Result<i64, ServiceError> {
    let (row, facts) = lock_visible(conn, ctx.actor, public_id).await?;
    let actor = Some(ctx.actor);
    if !perm::can_comment(actor, &facts) {
        return Err(ServiceError::Forbidden(
            "You cannot comment on this advisory.".into(),
        ));
    }
    if is_internal && !perm::can_post_internal_comment(actor, &facts) {
        return Err(ServiceError::Forbidden(
            "Only collaborators and owners may post internal comments.".into(),
        ));
    }
    let body = checked_body(body)?;
    let id = insert(conn, row.id, ctx.actor.user_id, body, is_internal).await?;
    audit::record(
        conn,
        ctx.redactor,
        created_entry(ctx, row.id, id, body, is_internal),
    )
    .await?;
    jobs::enqueue(
        conn,
        &CommentPosted {
            advisory_id: row.id,
            comment_id: id,
        },
    )
    .await?;
    Ok(id)
}

/// `edit_comment` (§12.3): the author, while they can still see it, never
/// once redacted. Appends a version; `is_internal` never changes
/// (INV-COMMENT-1). Users and groups the edit newly mentions are notified,
/// nobody else.
pub async fn edit(
    conn: &mut PgConnection,
    ctx: Ctx<'_>,
    public_id: &str,
    comment_id: i64,
    body: &str,
) -> Result<(), ServiceError> {
    let (row, facts) = lock_visible(conn, ctx.actor, public_id).await?;
    let comment = visible_comment(conn, ctx, &facts, row.id, comment_id).await?;
    if !perm::can_edit_comment(Some(ctx.actor), &facts, &comment.facts()) {
        return Err(ServiceError::Forbidden(
            "Only the author may edit this comment.".into(),
        ));
    }
    let body = checked_body(body)?;
    if body == comment.body {
        return Ok(());
    }
    sqlx::query!(
        "UPDATE advisory_comment SET body = $2, edited_at = now() WHERE id = $1",
        comment.id,
        body
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        "INSERT INTO comment_version (comment_id, version, body, editor_id)
         SELECT $1, max(version) + 1, $2, $3 FROM comment_version WHERE comment_id = $1",
        comment.id,
        body,
        ctx.actor.user_id
    )
    .execute(&mut *conn)
    .await?;
    audit::record(
        conn,
        ctx.redactor,
        Entry::new(Action::CommentEdited, Some(ctx.actor.user_id), ctx.origin)
            .advisory(row.id)
            .comment(comment.id)
            .values(
                Some(json!({"length": comment.body.chars().count()})),
                Some(json!({"length": body.chars().count()})),
            ),
    )
    .await?;
    let added = mentions::added(&comment.body, body);
    let named = mentions::resolve(conn, &added).await?;
    if !named.user_ids.is_empty() || !named.group_ids.is_empty() {
        jobs::enqueue(
            conn,
            &MentionsAdded {
                advisory_id: row.id,
                comment_id: comment.id,
                user_ids: named.user_ids,
                group_ids: named.group_ids,
            },
        )
        .await?;
    }
    Ok(())
}

/// `redact_comment` (§12.4, Q-21): an admin or the author, once. The body is
/// scrubbed from the comment and from every version (the versions' one
/// exception to append-only, under this service's own flag); the comment
/// keeps its place with its redaction marker.
pub async fn redact(
    conn: &mut PgConnection,
    ctx: Ctx<'_>,
    public_id: &str,
    comment_id: i64,
) -> Result<(), ServiceError> {
    let (row, facts) = lock_visible(conn, ctx.actor, public_id).await?;
    let comment = visible_comment(conn, ctx, &facts, row.id, comment_id).await?;
    if comment.redacted_at.is_some() {
        return Err(ServiceError::InvalidState(
            "This comment is already redacted.".into(),
        ));
    }
    if !perm::can_redact_comment(Some(ctx.actor), &facts, &comment.facts()) {
        return Err(ServiceError::Forbidden(
            "Only the author or an administrator may redact this comment.".into(),
        ));
    }
    sqlx::query!(
        "UPDATE advisory_comment SET body = '', redacted_at = now(), redacted_by = $2 WHERE id = $1",
        comment.id,
        ctx.actor.user_id
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(r#"SELECT set_config('advisoryhub.redaction_op', 'on', true) AS "on!""#)
        .fetch_one(&mut *conn)
        .await?;
    sqlx::query!(
        "UPDATE comment_version SET body = '' WHERE comment_id = $1",
        comment.id
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(r#"SELECT set_config('advisoryhub.redaction_op', '', true) AS "off!""#)
        .fetch_one(&mut *conn)
        .await?;
    audit::record(
        conn,
        ctx.redactor,
        Entry::new(Action::CommentRedacted, Some(ctx.actor.user_id), ctx.origin)
            .advisory(row.id)
            .comment(comment.id),
    )
    .await?;
    Ok(())
}

/// `record_action_note` (§2.3): the note a workflow action leaves on the
/// thread. Posted with the system flag (no `can_comment`, rank or lock
/// check: the action itself was authorised), audited, never notified.
/// Nothing when there is no author or the note is blank.
pub async fn record_action_note(
    conn: &mut PgConnection,
    ctx: Ctx<'_>,
    advisory_id: i64,
    body: &str,
    is_internal: bool,
) -> Result<Option<i64>, ServiceError> {
    let body = body.trim();
    if body.is_empty() {
        return Ok(None);
    }
    let body: String = body.chars().take(MAX_BODY_CHARS).collect();
    let id = insert(conn, advisory_id, ctx.actor.user_id, &body, is_internal).await?;
    audit::record(
        conn,
        ctx.redactor,
        created_entry(ctx, advisory_id, id, &body, is_internal),
    )
    .await?;
    Ok(Some(id))
}

/// `lock_comments` (§12.1): owners, in any state; the optional reason is
/// posted as a public action note. Refused when already locked.
pub async fn lock(
    conn: &mut PgConnection,
    ctx: Ctx<'_>,
    public_id: &str,
    reason: &str,
) -> Result<(), ServiceError> {
    let (row, facts) = lock_visible(conn, ctx.actor, public_id).await?;
    if !perm::can_lock_comments(Some(ctx.actor), &facts) {
        return Err(ServiceError::Forbidden(
            "Only owners may lock comments.".into(),
        ));
    }
    if row.comments_locked {
        return Err(ServiceError::InvalidState(
            "Comments are already locked.".into(),
        ));
    }
    let reason = reason.trim();
    if reason.contains('\0') || reason.chars().count() > MAX_LOCK_REASON_CHARS {
        return Err(ServiceError::Invalid(FieldErrors::from(vec![FieldError {
            field: "reason".into(),
            code: "invalid",
            message: "The reason must be at most 1,000 characters of text.".into(),
        }])));
    }
    sqlx::query!(
        "UPDATE advisory SET comments_locked = true, comments_locked_at = now(),
                comments_locked_by = $2, comments_lock_reason = $3
         WHERE id = $1",
        row.id,
        ctx.actor.user_id,
        reason
    )
    .execute(&mut *conn)
    .await?;
    audit::record(
        conn,
        ctx.redactor,
        Entry::new(
            Action::AdvisoryCommentsLocked,
            Some(ctx.actor.user_id),
            ctx.origin,
        )
        .advisory(row.id)
        .metadata(json!({"project": row.project_slug, "reason": reason})),
    )
    .await?;
    record_action_note(conn, ctx, row.id, reason, false).await?;
    Ok(())
}

/// `unlock_comments` (§12.1): owners; refused when not locked.
pub async fn unlock(
    conn: &mut PgConnection,
    ctx: Ctx<'_>,
    public_id: &str,
) -> Result<(), ServiceError> {
    let (row, facts) = lock_visible(conn, ctx.actor, public_id).await?;
    if !perm::can_lock_comments(Some(ctx.actor), &facts) {
        return Err(ServiceError::Forbidden(
            "Only owners may unlock comments.".into(),
        ));
    }
    if !row.comments_locked {
        return Err(ServiceError::InvalidState(
            "Comments are not locked.".into(),
        ));
    }
    sqlx::query!(
        "UPDATE advisory SET comments_locked = false, comments_locked_at = NULL,
                comments_locked_by = NULL, comments_lock_reason = ''
         WHERE id = $1",
        row.id
    )
    .execute(&mut *conn)
    .await?;
    audit::record(
        conn,
        ctx.redactor,
        Entry::new(
            Action::AdvisoryCommentsUnlocked,
            Some(ctx.actor.user_id),
            ctx.origin,
        )
        .advisory(row.id)
        .metadata(json!({"previous_reason": row.comments_lock_reason})),
    )
    .await?;
    Ok(())
}
