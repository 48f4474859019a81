//! Withdrawal of a published advisory (20-lifecycle §10.1–10.3,
//! INV-WITHDRAW): admins and mature-publisher teams withdraw directly (the
//! reason goes on a new version and a system publication run exports the
//! withdrawal; the advisory becomes dismissed only when that push succeeds);
//! other teams request it, and an admin approves or anyone of them cancels.
//! a withdrawal cancels the open CVE request in the same transaction.
//!
//! The step-up of §8 is checked by the services on the locked row, after
//! the predicate; the routes ask for it beforehand to send the browser to
//! re-authenticate.

use serde_json::json;
use sqlx::PgConnection;

use super::common::{
    self, ClearedBy, Locked, WithdrawalCleared, clear_withdrawal_request_if_pending,
};
use crate::access::permissions::{self as perm, State};
use crate::advisories::service::{Ctx, ServiceError};
use crate::audit::catalogue::Action;
use crate::audit::{self, Entry};
use crate::comments::service::record_action_note;
use crate::cve::service as cve;
use crate::publication;

/// The reason of an approved request that carried no note (§10.3).
pub const DEFAULT_REASON: &str = "Withdrawal requested by the team.";

/// What a withdrawal started.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Withdrawal {
    /// The queued publication task that exports the withdrawal.
    pub task_id: i64,
    pub version: Option<i32>,
}

/// `withdraw_advisory` (§10.1, transaction 1): an admin or a member of a
/// mature-publisher team withdraws a published advisory with a non-blank
/// reason. Refused while a publication run is queued or running. The
/// gates in the order of §10.1 on the locked row: the predicate, a fresh
/// step-up (`stepped_up`, else [`common::STEP_UP_REQUIRED`]), the reason.
pub async fn withdraw_advisory(
    conn: &mut PgConnection,
    ctx: Ctx<'_>,
    public_id: &str,
    reason: &str,
    stepped_up: bool,
) -> Result<Withdrawal, ServiceError> {
    let locked = common::lock(conn, ctx, public_id).await?;
    if !perm::can_withdraw_published(Some(ctx.actor), &locked.facts) {
        return Err(refusal(ctx, &locked));
    }
    if !stepped_up {
        return Err(ServiceError::Forbidden(common::STEP_UP_REQUIRED.into()));
    }
    let reason = common::note(
        "reason",
        reason,
        true,
        "lifecycle-error-withdraw-reason-required",
    )?;
    withdraw_locked(conn, ctx, &locked, &reason).await
}

/// `approve_withdrawal` (§10.3): an admin withdraws with the request's note
/// as the reason ([`DEFAULT_REASON`] when it had none); without a fresh
/// step-up (`stepped_up`) it is refused with [`common::STEP_UP_REQUIRED`].
pub async fn approve_withdrawal(
    conn: &mut PgConnection,
    ctx: Ctx<'_>,
    public_id: &str,
    stepped_up: bool,
) -> Result<Withdrawal, ServiceError> {
    let locked = common::lock(conn, ctx, public_id).await?;
    if !perm::can_approve_withdrawal(Some(ctx.actor), &locked.facts) {
        return Err(if ctx.actor.is_admin {
            ServiceError::InvalidState("lifecycle-error-no-withdrawal-request".into())
        } else {
            ServiceError::Forbidden("lifecycle-error-withdrawal-approve-forbidden".into())
        });
    }
    if !perm::can_withdraw_published(Some(ctx.actor), &locked.facts) {
        return Err(refusal(ctx, &locked));
    }
    if !stepped_up {
        return Err(ServiceError::Forbidden(common::STEP_UP_REQUIRED.into()));
    }
    let note = locked.extra.withdrawal_request_note.trim();
    let reason = if note.is_empty() {
        DEFAULT_REASON
    } else {
        note
    }
    .to_owned();
    withdraw_locked(conn, ctx, &locked, &reason).await
}

/// Why someone may not withdraw: the state for those who could were the
/// advisory published, a plain refusal for the rest.
fn refusal(ctx: Ctx<'_>, locked: &Locked) -> ServiceError {
    let facts = &locked.facts;
    let mature = facts.project_is_mature_publisher
        && facts
            .project_team_group_id
            .is_some_and(|g| ctx.actor.is_member_of(g));
    if (ctx.actor.is_admin || mature) && facts.state != State::Published {
        ServiceError::InvalidState("lifecycle-error-not-published".into())
    } else {
        ServiceError::Forbidden("lifecycle-error-withdraw-forbidden".into())
    }
}

async fn withdraw_locked(
    conn: &mut PgConnection,
    ctx: Ctx<'_>,
    locked: &Locked,
    reason: &str,
) -> Result<Withdrawal, ServiceError> {
    let row = &locked.row;
    // Checked before any write, so the refusal is the whole answer.
    if publication::service::in_progress(conn, row.id).await? {
        return Err(ServiceError::InvalidState(
            publication::service::IN_PROGRESS.into(),
        ));
    }
    sqlx::query!(
        "UPDATE advisory SET withdrawn_reason = $2 WHERE id = $1",
        row.id,
        reason
    )
    .execute(&mut *conn)
    .await?;
    let version = common::record_current_version(conn, ctx, &row.advisory_id).await?;
    clear_withdrawal_request_if_pending(
        conn,
        ClearedBy::from(ctx),
        row.id,
        WithdrawalCleared::Approved,
        "",
    )
    .await?;
    record_action_note(conn, ctx, row.id, reason, false).await?;
    // the request would otherwise stay queued on a withdrawn advisory.
    cve::cancel_open_cve_request(conn, ctx, row, &format!("Advisory withdrawn: {reason}")).await?;
    let task_id = publication::start(conn, ctx, row, true, false).await?;
    Ok(Withdrawal { task_id, version })
}

/// `request_withdrawal` (§10.2): a member of a non-mature team (not an
/// admin) asks for a published advisory to be withdrawn; the note is
/// required and posted as an internal action note.
pub async fn request_withdrawal(
    conn: &mut PgConnection,
    ctx: Ctx<'_>,
    public_id: &str,
    note: &str,
) -> Result<(), ServiceError> {
    let locked = common::lock(conn, ctx, public_id).await?;
    let Locked { row, facts, .. } = &locked;
    if !perm::can_request_withdrawal(Some(ctx.actor), facts) {
        let team = facts
            .project_team_group_id
            .is_some_and(|g| ctx.actor.is_member_of(g));
        let could = team && !ctx.actor.is_admin && !facts.project_is_mature_publisher;
        return Err(if could && facts.withdrawal_pending {
            ServiceError::InvalidState("lifecycle-error-withdrawal-pending".into())
        } else if could {
            ServiceError::InvalidState("lifecycle-error-not-published".into())
        } else {
            ServiceError::Forbidden("lifecycle-error-withdrawal-request-forbidden".into())
        });
    }
    let note = common::note(
        "note",
        note,
        true,
        "lifecycle-error-withdrawal-note-required",
    )?;
    sqlx::query!(
        "UPDATE advisory SET withdrawal_requested_at = now(), withdrawal_requested_by = $2,
                withdrawal_request_note = $3
         WHERE id = $1",
        row.id,
        ctx.actor.user_id,
        note
    )
    .execute(&mut *conn)
    .await?;
    audit::record(
        conn,
        ctx.redactor,
        Entry::new(
            Action::AdvisoryWithdrawalRequested,
            Some(ctx.actor.user_id),
            ctx.origin,
        )
        .advisory(row.id)
        .metadata(json!({"advisory_id": row.advisory_id, "note": note})),
    )
    .await?;
    record_action_note(conn, ctx, row.id, &note, true).await?;
    Ok(())
}

/// `cancel_withdrawal_request` (§10.3): the team or an admin; the optional
/// note is posted as an internal action note.
pub async fn cancel_withdrawal_request(
    conn: &mut PgConnection,
    ctx: Ctx<'_>,
    public_id: &str,
    note: &str,
) -> Result<(), ServiceError> {
    let locked = common::lock(conn, ctx, public_id).await?;
    let facts = &locked.facts;
    if !perm::can_cancel_withdrawal_request(Some(ctx.actor), facts) {
        let team = facts
            .project_team_group_id
            .is_some_and(|g| ctx.actor.is_member_of(g));
        return Err(if ctx.actor.is_admin || team {
            ServiceError::InvalidState("lifecycle-error-no-withdrawal-request".into())
        } else {
            ServiceError::Forbidden("lifecycle-error-withdrawal-cancel-forbidden".into())
        });
    }
    let note = common::note("note", note, false, "lifecycle-error-note-required")?;
    clear_withdrawal_request_if_pending(
        conn,
        ClearedBy::from(ctx),
        locked.row.id,
        WithdrawalCleared::Cancelled,
        &note,
    )
    .await?;
    record_action_note(conn, ctx, locked.row.id, &note, true).await?;
    Ok(())
}
