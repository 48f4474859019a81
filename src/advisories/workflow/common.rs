//! What every workflow service of this module shares: the advisory locked
//! with the workflow columns the predicates and effects need, note
//! validation, the dismissal audit pair, a version of the row as it now is,
//! and the automatic clearing of the two request kinds (INV-AUTH-9,
//! INV-WITHDRAW).
//!
//! Refusals carry message keys of the `lifecycle` catalogue (`lifecycle-…`);
//! the routes translate them for the caller.

use serde_json::{Value, json};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::access::permissions::{self as perm, AdvisoryFacts, ProjectRef, Role};
use crate::advisories::content::{self, FieldError, FieldErrors};
use crate::advisories::repo::{self, AdvisoryRow};
use crate::advisories::service::{self, Ctx, ServiceError, lock_visible};
use crate::audit::access_log::RequestOrigin;
use crate::audit::catalogue::Action;
use crate::audit::redact::Redactor;
use crate::audit::{self, Entry};

/// A reason or note longer than this is refused: it is shown on the page.
pub const MAX_NOTE_CHARS: usize = 10_000;

/// The refusal of an action that needs a fresh step-up (30-permissions §8)
/// to a caller who holds none: the services decide on the locked row.
pub const STEP_UP_REQUIRED: &str = "lifecycle-error-step-up-required";

/// A project as the reassignment workflow names it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize)]
pub struct ProjectInfo {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    pub team_group_id: i64,
}

impl ProjectInfo {
    pub fn reference(&self) -> ProjectRef {
        ProjectRef {
            id: self.id,
            team_group_id: self.team_group_id,
        }
    }
}

/// The workflow columns [`AdvisoryRow`] does not carry.
#[derive(Clone, Debug, Default)]
pub struct Extra {
    pub dismissed_reason: String,
    pub withdrawal_requested_by: Option<i64>,
    pub withdrawal_request_note: String,
    pub reassignment_request_note: String,
    pub suggested: Option<ProjectInfo>,
}

/// The advisory under the row lock, with everything the predicates need.
#[derive(Clone, Debug)]
pub struct Locked {
    pub row: AdvisoryRow,
    pub facts: AdvisoryFacts,
    pub extra: Extra,
}

impl Locked {
    pub fn role(&self, ctx: Ctx<'_>) -> Option<Role> {
        perm::role(Some(ctx.actor), &self.facts)
    }

    pub fn is_owner(&self, ctx: Ctx<'_>) -> bool {
        self.role(ctx) == Some(Role::Owner)
    }
}

/// Locks advisory `public_id` and re-reads it (B-3); an advisory the caller
/// cannot see does not exist for them (Q-19).
pub async fn lock(
    conn: &mut PgConnection,
    ctx: Ctx<'_>,
    public_id: &str,
) -> Result<Locked, ServiceError> {
    let (row, mut facts) = lock_visible(conn, ctx.actor, public_id).await?;
    let extra = extra(conn, row.id).await?;
    facts.reassignment_suggested = extra.suggested.as_ref().map(ProjectInfo::reference);
    Ok(Locked { row, facts, extra })
}

async fn extra(conn: &mut PgConnection, advisory_id: i64) -> Result<Extra, sqlx::Error> {
    let r = sqlx::query!(
        r#"SELECT a.dismissed_reason, a.withdrawal_requested_by, a.withdrawal_request_note,
                  a.reassignment_request_note, p.id AS "suggested_id?", p.slug AS "suggested_slug?",
                  p.name AS "suggested_name?", p.security_team_id AS "suggested_team?"
           FROM advisory a LEFT JOIN project p ON p.id = a.reassignment_suggested_project_id
           WHERE a.id = $1"#,
        advisory_id
    )
    .fetch_one(conn)
    .await?;
    let suggested = match (
        r.suggested_id,
        r.suggested_slug,
        r.suggested_name,
        r.suggested_team,
    ) {
        (Some(id), Some(slug), Some(name), Some(team_group_id)) => Some(ProjectInfo {
            id,
            slug,
            name,
            team_group_id,
        }),
        _ => None,
    };
    Ok(Extra {
        dismissed_reason: r.dismissed_reason,
        withdrawal_requested_by: r.withdrawal_requested_by,
        withdrawal_request_note: r.withdrawal_request_note,
        reassignment_request_note: r.reassignment_request_note,
        suggested,
    })
}

/// A project by id.
pub async fn project(
    conn: &mut PgConnection,
    id: Uuid,
) -> Result<Option<ProjectInfo>, sqlx::Error> {
    sqlx::query_as!(
        ProjectInfo,
        r#"SELECT id, slug, name, security_team_id AS team_group_id FROM project WHERE id = $1"#,
        id
    )
    .fetch_optional(conn)
    .await
}

/// The advisory as it is now in this transaction (after the caller's own
/// writes); the lock is already held.
pub async fn reload(
    conn: &mut PgConnection,
    ctx: Ctx<'_>,
    public_id: &str,
) -> Result<AdvisoryRow, ServiceError> {
    repo::load(conn, public_id, Some(ctx.actor), false)
        .await?
        .ok_or(ServiceError::NotFound)
}

fn field_error(field: &str, code: &'static str, key: &str) -> ServiceError {
    ServiceError::Invalid(FieldErrors::from(vec![FieldError {
        field: field.to_owned(),
        code,
        message: key.to_owned(),
    }]))
}

/// A note as stored: trimmed, no NUL, at most [`MAX_NOTE_CHARS`]. A blank
/// one is refused with `blank_key` when `required`. Checked after
/// authorization (§2.1 step 4).
pub fn note(
    field: &str,
    text: &str,
    required: bool,
    blank_key: &str,
) -> Result<String, ServiceError> {
    let text = text.trim();
    if required && text.is_empty() {
        return Err(field_error(field, "required", blank_key));
    }
    if text.contains('\0') {
        return Err(field_error(field, "invalid", "lifecycle-error-note-nul"));
    }
    if text.chars().count() > MAX_NOTE_CHARS {
        return Err(field_error(
            field,
            "too_long",
            "lifecycle-error-note-too-long",
        ));
    }
    Ok(text.to_owned())
}

/// The narrated pair of a dismissal or a completed withdrawal (§2.2, §3.1
/// L-11): the descriptive `advisory.dismissed` and its
/// `advisory.state_changed` twin, both marked `withdrawn` for a withdrawal.
pub async fn audit_dismissed(
    conn: &mut PgConnection,
    ctx: Ctx<'_>,
    row: &AdvisoryRow,
    from_state: &str,
    reason: &str,
    withdrawn: bool,
) -> Result<(), ServiceError> {
    let actor = Some(ctx.actor.user_id);
    let mut metadata = json!({
        "advisory_id": row.advisory_id,
        "project": row.project_slug,
        "reason": reason,
        "from_state": from_state,
    });
    let mut twin = json!({"narrated": true});
    if withdrawn {
        metadata["withdrawn"] = json!(true);
        twin["withdrawn"] = json!(true);
    }
    audit::record(
        conn,
        ctx.redactor,
        Entry::new(Action::AdvisoryDismissed, actor, ctx.origin)
            .advisory(row.id)
            .values(Some(json!(from_state)), Some(json!("dismissed")))
            .metadata(metadata),
    )
    .await?;
    audit::record(
        conn,
        ctx.redactor,
        Entry::new(Action::AdvisoryStateChanged, actor, ctx.origin)
            .advisory(row.id)
            .values(Some(json!(from_state)), Some(json!("dismissed")))
            .metadata(twin),
    )
    .await?;
    Ok(())
}

/// `advisory.state_changed`; `narrated` when a descriptive row tells the
/// same story (the timeline then hides this one).
pub async fn audit_state_changed(
    conn: &mut PgConnection,
    ctx: Ctx<'_>,
    advisory_id: i64,
    from: &str,
    to: &str,
    narrated: bool,
) -> Result<(), ServiceError> {
    let metadata = if narrated {
        json!({"narrated": true})
    } else {
        json!({})
    };
    audit::record(
        conn,
        ctx.redactor,
        Entry::new(
            Action::AdvisoryStateChanged,
            Some(ctx.actor.user_id),
            ctx.origin,
        )
        .advisory(advisory_id)
        .values(Some(json!(from)), Some(json!(to)))
        .metadata(metadata),
    )
    .await?;
    Ok(())
}

/// The version snapshot of `row` as stored now (§6.1).
pub fn current_snapshot(row: &AdvisoryRow) -> Value {
    // Stored content passed validation when it was written; nothing is
    // dropped here, and if something were, the version would say so.
    let (content, _) = content::validate_dropping_invalid(&row.payload());
    service::snapshot(row, &row.project_slug, &row.project_name, &content)
}

/// Appends the row as it now is as a version, unless it equals the latest
/// (`if_changed`, §6.2). The caller holds the row lock.
pub async fn record_current_version(
    conn: &mut PgConnection,
    ctx: Ctx<'_>,
    public_id: &str,
) -> Result<Option<i32>, ServiceError> {
    let row = reload(conn, ctx, public_id).await?;
    let snap = current_snapshot(&row);
    Ok(service::record_version(conn, row.id, Some(ctx.actor.user_id), &snap, true).await?)
}

/// Who clears a request automatically: an actor (a request) or the system
/// (a job).
#[derive(Clone, Copy, Debug)]
pub struct ClearedBy<'a> {
    pub actor_id: Option<i64>,
    pub origin: Option<&'a RequestOrigin>,
    pub redactor: &'a Redactor,
}

impl<'a> From<Ctx<'a>> for ClearedBy<'a> {
    fn from(ctx: Ctx<'a>) -> Self {
        ClearedBy {
            actor_id: Some(ctx.actor.user_id),
            origin: ctx.origin,
            redactor: ctx.redactor,
        }
    }
}

/// Why a draft reassignment request was cleared (§11).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReassignmentCleared {
    /// The requester (or an admin) withdrew it.
    Withdrawn,
    /// Resolved, or the project was changed in the edit form.
    Accepted,
    Dismissed,
    Published,
    MovedToGhsa,
}

impl ReassignmentCleared {
    pub fn as_str(self) -> &'static str {
        match self {
            ReassignmentCleared::Withdrawn => "withdrawn",
            ReassignmentCleared::Accepted => "accepted",
            ReassignmentCleared::Dismissed => "dismissed",
            ReassignmentCleared::Published => "published",
            ReassignmentCleared::MovedToGhsa => "moved_to_ghsa",
        }
    }
}

/// `clear_reassignment_request_if_pending` (§11): clears the four request
/// columns and audits `advisory.reassignment_request_cleared` with `cause`;
/// nothing, and no audit, when no request is pending. Returns whether one
/// was cleared. For every exit path: withdraw, accept, an edit-form project
/// change, dismissal, publication, Move to GHSA.
pub async fn clear_reassignment_request_if_pending(
    conn: &mut PgConnection,
    by: ClearedBy<'_>,
    advisory_id: i64,
    cause: ReassignmentCleared,
    note: &str,
) -> Result<bool, ServiceError> {
    let previous = sqlx::query_scalar!(
        r#"WITH before AS (SELECT reassignment_request_note AS note FROM advisory
                           WHERE id = $1 AND reassignment_requested_at IS NOT NULL FOR UPDATE)
           UPDATE advisory a SET reassignment_requested_at = NULL, reassignment_requested_by = NULL,
                  reassignment_request_note = '', reassignment_suggested_project_id = NULL
           FROM before WHERE a.id = $1
           RETURNING before.note"#,
        advisory_id
    )
    .fetch_optional(&mut *conn)
    .await?;
    let Some(previous) = previous else {
        return Ok(false);
    };
    audit::record(
        conn,
        by.redactor,
        Entry::new(
            Action::AdvisoryReassignmentRequestCleared,
            by.actor_id,
            by.origin,
        )
        .advisory(advisory_id)
        .metadata(json!({"cause": cause.as_str(), "previous_note": previous, "note": note})),
    )
    .await?;
    Ok(true)
}

/// Why a withdrawal request was cleared (§10.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WithdrawalCleared {
    Cancelled,
    /// The advisory is being withdrawn (directly or by approval).
    Approved,
}

impl WithdrawalCleared {
    pub fn as_str(self) -> &'static str {
        match self {
            WithdrawalCleared::Cancelled => "cancelled",
            WithdrawalCleared::Approved => "approved",
        }
    }
}

/// Clears a pending withdrawal request and audits
/// `advisory.withdrawal_request_cleared` with `cause`; nothing when none is
/// pending. Returns whether one was cleared.
pub async fn clear_withdrawal_request_if_pending(
    conn: &mut PgConnection,
    by: ClearedBy<'_>,
    advisory_id: i64,
    cause: WithdrawalCleared,
    note: &str,
) -> Result<bool, ServiceError> {
    let previous = sqlx::query_scalar!(
        r#"WITH before AS (SELECT withdrawal_request_note AS note FROM advisory
                           WHERE id = $1 AND withdrawal_requested_at IS NOT NULL FOR UPDATE)
           UPDATE advisory a SET withdrawal_requested_at = NULL, withdrawal_requested_by = NULL,
                  withdrawal_request_note = ''
           FROM before WHERE a.id = $1
           RETURNING before.note"#,
        advisory_id
    )
    .fetch_optional(&mut *conn)
    .await?;
    let Some(previous) = previous else {
        return Ok(false);
    };
    audit::record(
        conn,
        by.redactor,
        Entry::new(
            Action::AdvisoryWithdrawalRequestCleared,
            by.actor_id,
            by.origin,
        )
        .advisory(advisory_id)
        .metadata(json!({"cause": cause.as_str(), "previous_note": previous, "note": note})),
    )
    .await?;
    Ok(true)
}
