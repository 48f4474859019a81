//! The review services (20-lifecycle §7), each one transaction in the shape
//! of B-3.
//!
//! Invariants kept here: INV-REVIEW-1 (only `review_status` and
//! `review_task` change, never `state`), INV-REVIEW-2 (a submission pins the
//! latest version under the advisory lock; the database refuses a change of
//! the pin), INV-REVIEW-3 (the predicates keep admins from submitting and
//! withdrawing), and "at most one open review task" (the row lock
//! serialises submissions; the partial unique index is the last guard).
//!
//! Refusals change nothing. Their message is a key of
//! `locales/*/review.ftl` (the constants of [`refusal`]), which the handlers
//! translate for the caller.

use serde_json::json;
use sqlx::PgConnection;

use crate::access::permissions::{self as perm, AdvisoryFacts, Kind, ReviewStatus, State};
use crate::advisories::content::{FieldError, FieldErrors};
use crate::advisories::repo::AdvisoryRow;
use crate::advisories::service::{Ctx, ServiceError, lock_visible};
use crate::audit::catalogue::Action;
use crate::audit::{self, Entry};
use crate::comments::service::{MAX_BODY_CHARS, record_action_note};
use crate::jobs;
use crate::notifications::advisory_event::{AdvisoryEvent, Event};

/// The message keys of refusals.
pub mod refusal {
    /// A GHSA-linked advisory has no review (20-lifecycle §7).
    pub const GHSA: &str = "review-refused-ghsa";
    /// INV-REVIEW-3: admins are the reviewers.
    pub const ADMIN_SUBMIT: &str = "review-refused-admin-submit";
    pub const ADMIN_WITHDRAW: &str = "review-refused-admin-withdraw";
    /// Submit and withdraw need an owner.
    pub const NOT_OWNER: &str = "review-refused-not-owner";
    /// Approve, request changes and revoke need an admin.
    pub const NOT_REVIEWER: &str = "review-refused-not-reviewer";
    /// Reopen needs an admin or the project's security team.
    pub const NOT_TEAM: &str = "review-refused-not-team";
    pub const NOT_DRAFT: &str = "review-refused-not-draft";
    pub const NO_VERSION: &str = "review-refused-no-version";
    pub const ALREADY_SUBMITTED: &str = "review-refused-already-submitted";
    /// The task is no longer open: someone decided, or it was withdrawn.
    pub const ALREADY_DECIDED: &str = "review-refused-already-decided";
    pub const NOT_SUBMITTED: &str = "review-refused-not-submitted";
    pub const NOT_CHANGES_REQUESTED: &str = "review-refused-not-changes-requested";
    pub const NOT_APPROVED: &str = "review-refused-not-approved";
    /// Field error of a note that is too long or holds NUL characters.
    pub const NOTE_INVALID: &str = "review-note-invalid";
}

/// What a review decision says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Approved,
    ChangesRequested,
}

impl Decision {
    /// The spelling of the task status and of the advisory's review status.
    pub const fn as_str(self) -> &'static str {
        match self {
            Decision::Approved => "approved",
            Decision::ChangesRequested => "changes_requested",
        }
    }

    fn action(self) -> Action {
        match self {
            Decision::Approved => Action::AdvisoryReviewApproved,
            Decision::ChangesRequested => Action::AdvisoryReviewChangesRequested,
        }
    }
}

/// The outcome of the permission check on the locked row: refused for the
/// caller (403), or refused for the advisory as it is now (ruling 8).
enum Gate {
    Open,
    Forbidden(&'static str),
    WrongState(&'static str),
}

impl Gate {
    /// `Forbidden` fails at once; a state refusal waits until the input
    /// was validated (20-lifecycle §2.1 steps 3–5).
    fn authorized(&self) -> Result<(), ServiceError> {
        match self {
            Gate::Forbidden(key) => Err(ServiceError::Forbidden((*key).to_owned())),
            Gate::Open | Gate::WrongState(_) => Ok(()),
        }
    }

    fn applicable(self) -> Result<(), ServiceError> {
        match self {
            Gate::Open => Ok(()),
            Gate::Forbidden(key) => Err(ServiceError::Forbidden(key.to_owned())),
            Gate::WrongState(key) => Err(ServiceError::InvalidState(key.to_owned())),
        }
    }
}

/// Decides between the two refusals: when `predicate` would pass with the
/// advisory in the state and review status it needs, the caller is allowed
/// and the advisory is what is wrong.
fn gate(
    predicate: impl Fn(&AdvisoryFacts) -> bool,
    facts: &AdvisoryFacts,
    needed: ReviewStatus,
    forbidden: &'static str,
    wrong_state: &'static str,
) -> Gate {
    if predicate(facts) {
        return Gate::Open;
    }
    let mut fixed = facts.clone();
    fixed.state = State::Draft;
    fixed.review_status = needed;
    if predicate(&fixed) {
        Gate::WrongState(wrong_state)
    } else {
        Gate::Forbidden(forbidden)
    }
}

/// An optional note as posted: trimmed, refused with NUL characters or
/// beyond a comment's length (it becomes an action note).
fn checked_note<'a>(field: &str, note: &'a str) -> Result<&'a str, ServiceError> {
    let note = note.trim();
    if note.contains('\0') || note.chars().count() > MAX_BODY_CHARS {
        return Err(ServiceError::Invalid(FieldErrors::from(vec![FieldError {
            field: field.to_owned(),
            code: "invalid",
            message: refusal::NOTE_INVALID.to_owned(),
        }])));
    }
    Ok(note)
}

fn ghsa(facts: &AdvisoryFacts) -> bool {
    facts.kind == Kind::GhsaLinked
}

/// `submit_for_review` (§7): a non-admin owner submits a native draft that
/// is not already submitted (P-11, INV-REVIEW-3). The open task pins the
/// latest version, read under the advisory lock (INV-REVIEW-2); a submission
/// from `approved` supersedes that approval. Returns the task id.
pub async fn submit_for_review(
    conn: &mut PgConnection,
    ctx: Ctx<'_>,
    public_id: &str,
) -> Result<i64, ServiceError> {
    let actor = ctx.actor;
    let (row, facts) = lock_visible(conn, actor, public_id).await?;
    let forbidden = if ghsa(&facts) {
        refusal::GHSA
    } else if actor.is_admin {
        refusal::ADMIN_SUBMIT
    } else {
        refusal::NOT_OWNER
    };
    let wrong_state = if facts.state == State::Draft {
        refusal::ALREADY_SUBMITTED
    } else {
        refusal::NOT_DRAFT
    };
    gate(
        |f| perm::can_submit_for_review(Some(actor), f),
        &facts,
        ReviewStatus::None,
        forbidden,
        wrong_state,
    )
    .applicable()?;
    let Some(latest) = sqlx::query!(
        "SELECT id, version FROM advisory_version WHERE advisory_id = $1
         ORDER BY version DESC LIMIT 1",
        row.id
    )
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Err(ServiceError::InvalidState(refusal::NO_VERSION.to_owned()));
    };
    sqlx::query!(
        "UPDATE advisory SET review_status = 'submitted', submitted_for_review_at = now(),
                submitted_for_review_by = $2
         WHERE id = $1",
        row.id,
        actor.user_id
    )
    .execute(&mut *conn)
    .await?;
    // The row lock already serialises submissions; the partial unique index
    // is the last guard and its refusal reads like the lock's.
    let task = sqlx::query_scalar!(
        "INSERT INTO review_task (advisory_id, version_id, submitted_by) VALUES ($1, $2, $3)
         RETURNING id",
        row.id,
        latest.id,
        actor.user_id
    )
    .fetch_one(&mut *conn)
    .await
    .map_err(|e| match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            ServiceError::InvalidState(refusal::ALREADY_SUBMITTED.to_owned())
        }
        _ => ServiceError::Database(e),
    })?;
    audit::record(
        conn,
        ctx.redactor,
        Entry::new(
            Action::AdvisorySubmittedForReview,
            Some(actor.user_id),
            ctx.origin,
        )
        .advisory(row.id)
        .values(
            Some(json!(row.review_status)),
            Some(json!({"version_id": latest.id, "version": latest.version, "task_id": task})),
        ),
    )
    .await?;
    jobs::enqueue(
        conn,
        &AdvisoryEvent {
            advisory_id: row.id,
            event: Event::AdvisorySubmittedForReview,
            actor_id: Some(actor.user_id),
        },
    )
    .await?;
    Ok(task)
}

/// `approve_review` (§7): an admin approves the open task; the optional
/// notes become a public action note.
pub async fn approve_review(
    conn: &mut PgConnection,
    ctx: Ctx<'_>,
    public_id: &str,
    notes: &str,
) -> Result<(), ServiceError> {
    decide(conn, ctx, public_id, Decision::Approved, notes).await
}

/// `request_changes` (§7): an admin sends the open task back; the optional
/// notes become a public action note.
pub async fn request_changes(
    conn: &mut PgConnection,
    ctx: Ctx<'_>,
    public_id: &str,
    notes: &str,
) -> Result<(), ServiceError> {
    decide(conn, ctx, public_id, Decision::ChangesRequested, notes).await
}

/// A review decision (P-12 on the open task): the task closes with the
/// reviewer, the notes and the time; the advisory takes the decision as its
/// review status.
pub async fn decide(
    conn: &mut PgConnection,
    ctx: Ctx<'_>,
    public_id: &str,
    decision: Decision,
    notes: &str,
) -> Result<(), ServiceError> {
    let actor = ctx.actor;
    let (row, facts) = lock_visible(conn, actor, public_id).await?;
    if !perm::can_review(Some(actor)) {
        return Err(ServiceError::Forbidden(refusal::NOT_REVIEWER.to_owned()));
    }
    let notes = checked_note("notes", notes)?;
    if facts.review_status != ReviewStatus::Submitted {
        return Err(ServiceError::InvalidState(
            refusal::ALREADY_DECIDED.to_owned(),
        ));
    }
    let Some(task) =
        close_open_task(conn, row.id, decision.as_str(), Some(actor.user_id), notes).await?
    else {
        return Err(ServiceError::InvalidState(
            refusal::ALREADY_DECIDED.to_owned(),
        ));
    };
    set_status(conn, row.id, decision.as_str()).await?;
    audit::record(
        conn,
        ctx.redactor,
        Entry::new(decision.action(), Some(actor.user_id), ctx.origin)
            .advisory(row.id)
            .values(Some(json!("submitted")), Some(json!(decision.as_str())))
            .metadata(json!({"task_id": task})),
    )
    .await?;
    record_task_change(conn, ctx, row.id, task, decision.as_str()).await?;
    record_action_note(conn, ctx, row.id, notes, false).await?;
    Ok(())
}

/// `withdraw_review` (§7): any non-admin owner takes a pending submission
/// back (P-14, INV-REVIEW-3); the reviewers are told (Q-11).
pub async fn withdraw_review(
    conn: &mut PgConnection,
    ctx: Ctx<'_>,
    public_id: &str,
) -> Result<(), ServiceError> {
    let actor = ctx.actor;
    let (row, facts) = lock_visible(conn, actor, public_id).await?;
    let forbidden = if ghsa(&facts) {
        refusal::GHSA
    } else if actor.is_admin {
        refusal::ADMIN_WITHDRAW
    } else {
        refusal::NOT_OWNER
    };
    gate(
        |f| perm::can_withdraw_review(Some(actor), f),
        &facts,
        ReviewStatus::Submitted,
        forbidden,
        refusal::NOT_SUBMITTED,
    )
    .applicable()?;
    set_status(conn, row.id, "none").await?;
    let task = close_open_task(conn, row.id, "withdrawn", None, "").await?;
    audit::record(
        conn,
        ctx.redactor,
        Entry::new(
            Action::AdvisoryReviewWithdrawn,
            Some(actor.user_id),
            ctx.origin,
        )
        .advisory(row.id)
        .values(Some(json!("submitted")), Some(json!("none")))
        .metadata(json!({"task_id": task})),
    )
    .await?;
    if let Some(task) = task {
        record_task_change(conn, ctx, row.id, task, "withdrawn").await?;
    }
    jobs::enqueue(
        conn,
        &AdvisoryEvent {
            advisory_id: row.id,
            event: Event::AdvisoryReviewWithdrawn,
            actor_id: Some(actor.user_id),
        },
    )
    .await?;
    Ok(())
}

/// `reopen_review` (§7): an admin or a member of the project's security
/// team (P-15) turns `changes_requested` back into `none`, so the draft can
/// be edited and submitted again. Audited as `advisory.state_changed` over
/// the review status (metadata `reopened`, not narrated: it shows on the
/// timeline).
pub async fn reopen_review(
    conn: &mut PgConnection,
    ctx: Ctx<'_>,
    public_id: &str,
) -> Result<(), ServiceError> {
    let actor = ctx.actor;
    let (row, facts) = lock_visible(conn, actor, public_id).await?;
    let forbidden = if ghsa(&facts) {
        refusal::GHSA
    } else {
        refusal::NOT_TEAM
    };
    gate(
        |f| perm::can_reopen_review(Some(actor), f),
        &facts,
        ReviewStatus::ChangesRequested,
        forbidden,
        refusal::NOT_CHANGES_REQUESTED,
    )
    .applicable()?;
    set_status(conn, row.id, "none").await?;
    audit::record(
        conn,
        ctx.redactor,
        Entry::new(
            Action::AdvisoryStateChanged,
            Some(actor.user_id),
            ctx.origin,
        )
        .advisory(row.id)
        .values(Some(json!("changes_requested")), Some(json!("none")))
        .metadata(json!({"reopened": true, "field": "review_status"})),
    )
    .await?;
    Ok(())
}

/// `revoke_approval` (§7): an admin withdraws an approval (P-13); the
/// optional reason is kept in the audit metadata and posted as an internal
/// action note.
pub async fn revoke_approval(
    conn: &mut PgConnection,
    ctx: Ctx<'_>,
    public_id: &str,
    reason: &str,
) -> Result<(), ServiceError> {
    let actor = ctx.actor;
    let (row, facts) = lock_visible(conn, actor, public_id).await?;
    let forbidden = if ghsa(&facts) {
        refusal::GHSA
    } else {
        refusal::NOT_REVIEWER
    };
    let gate = gate(
        |f| perm::can_revoke_approval(Some(actor), f),
        &facts,
        ReviewStatus::Approved,
        forbidden,
        refusal::NOT_APPROVED,
    );
    gate.authorized()?;
    let reason = checked_note("reason", reason)?;
    gate.applicable()?;
    set_status(conn, row.id, "none").await?;
    let metadata = if reason.is_empty() {
        json!({})
    } else {
        json!({"reason": reason})
    };
    audit::record(
        conn,
        ctx.redactor,
        Entry::new(
            Action::AdvisoryReviewApprovalRevoked,
            Some(actor.user_id),
            ctx.origin,
        )
        .advisory(row.id)
        .values(Some(json!("approved")), Some(json!("none")))
        .metadata(metadata),
    )
    .await?;
    record_action_note(conn, ctx, row.id, reason, true).await?;
    Ok(())
}

async fn set_status(
    conn: &mut PgConnection,
    advisory_id: i64,
    status: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE advisory SET review_status = $2 WHERE id = $1",
        advisory_id,
        status
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// `cancel_pending_review` (§7, teardown): the side effect of an
/// authorised dismissal (or Move to GHSA) on a row the caller has already
/// locked. Nothing when the review status is `none`; otherwise the status
/// returns to `none` and an open task is closed as `withdrawn`, with
/// `advisory.review_withdrawn` (metadata `cancelled_on_dismiss`,
/// `reason_length`, `task_id`) and, when a task was closed,
/// `review.task_status_changed`.
///
/// The status is read from the database, not from `advisory`, so a copy
/// loaded before the caller's own writes cannot make this skip or repeat.
pub async fn cancel_pending_review(
    conn: &mut PgConnection,
    ctx: Ctx<'_>,
    advisory: &AdvisoryRow,
    reason: &str,
) -> Result<(), ServiceError> {
    let previous = sqlx::query_scalar!(
        r#"WITH before AS (SELECT review_status FROM advisory WHERE id = $1 FOR UPDATE)
           UPDATE advisory a SET review_status = 'none'
           FROM before WHERE a.id = $1 AND before.review_status <> 'none'
           RETURNING before.review_status"#,
        advisory.id
    )
    .fetch_optional(&mut *conn)
    .await?;
    let Some(previous) = previous else {
        return Ok(());
    };
    let task = close_open_task(conn, advisory.id, "withdrawn", None, "").await?;
    let actor = Some(ctx.actor.user_id);
    audit::record(
        conn,
        ctx.redactor,
        Entry::new(Action::AdvisoryReviewWithdrawn, actor, ctx.origin)
            .advisory(advisory.id)
            .values(Some(json!(previous)), Some(json!("none")))
            .metadata(json!({
                "cancelled_on_dismiss": true,
                "reason_length": reason.trim().chars().count(),
                "task_id": task,
            })),
    )
    .await?;
    if let Some(task) = task {
        record_task_change(conn, ctx, advisory.id, task, "withdrawn").await?;
    }
    Ok(())
}

/// Closes the advisory's open task, if any, as `status`; its id.
async fn close_open_task(
    conn: &mut PgConnection,
    advisory_id: i64,
    status: &str,
    reviewer: Option<i64>,
    notes: &str,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar!(
        "UPDATE review_task SET status = $2, decided_at = now(),
                reviewer = coalesce($3, reviewer), decision_notes = $4
         WHERE advisory_id = $1 AND status = 'open'
         RETURNING id",
        advisory_id,
        status,
        reviewer,
        notes
    )
    .fetch_optional(conn)
    .await
}

/// The ledger-only twin of a task closing (`open → status`).
async fn record_task_change(
    conn: &mut PgConnection,
    ctx: Ctx<'_>,
    advisory_id: i64,
    task: i64,
    status: &str,
) -> Result<(), ServiceError> {
    audit::record(
        conn,
        ctx.redactor,
        Entry::new(
            Action::ReviewTaskStatusChanged,
            Some(ctx.actor.user_id),
            ctx.origin,
        )
        .advisory(advisory_id)
        .values(Some(json!("open")), Some(json!(status)))
        .metadata(json!({"task_id": task})),
    )
    .await?;
    Ok(())
}
