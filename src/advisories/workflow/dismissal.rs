//! Dismissal and reopening (20-lifecycle §9, §10.4; INV-LIFECYCLE-4):
//! owners dismiss a triage report or a draft with a reason and reopen it to
//! the state it came from; a draft's dismissal tears down its review, its
//! CVE request, its reassignment request and (an admin's) its assigned CVE,
//! and reopening restores the request and the CVE where it can. Reopening a
//! withdrawal is an un-withdraw: the reason is cleared and a system
//! publication run re-publishes the advisory.

use serde_json::json;
use sqlx::PgConnection;

use super::common::{self, ClearedBy, Locked, ReassignmentCleared};
use crate::access::permissions::{self as perm, Kind, State};
use crate::advisories::service::{Ctx, ServiceError};
use crate::audit::catalogue::Action;
use crate::audit::{self, Entry};
use crate::comments::service::record_action_note;
use crate::cve::service as cve;
use crate::jobs;
use crate::notifications::triage_event::{TriageEvent, TriageEventKind};
use crate::publication;
use crate::review::service::cancel_pending_review;

/// What a dismissal did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dismissal {
    Dismissed {
        from: State,
    },
    /// It was dismissed already: nothing changed (§9.2 step 1).
    AlreadyDismissed,
}

/// `dismiss_advisory` (§9.2), the dismissal of the dismiss route: a triage
/// report goes through [`dismiss_triage`]'s rules and effects, a draft
/// through the draft cascade. An owner dismissing an advisory that is
/// dismissed already changes nothing (two clicks, one dismissal).
pub async fn dismiss_advisory(
    conn: &mut PgConnection,
    ctx: Ctx<'_>,
    public_id: &str,
    reason: &str,
) -> Result<Dismissal, ServiceError> {
    let locked = common::lock(conn, ctx, public_id).await?;
    match locked.facts.state {
        State::Triage => triage(conn, ctx, &locked, reason).await,
        State::Draft => draft(conn, ctx, &locked, reason).await,
        State::Published => Err(if locked.is_owner(ctx) {
            ServiceError::Forbidden("lifecycle-error-dismiss-published".into())
        } else {
            ServiceError::Forbidden("lifecycle-error-dismiss-forbidden".into())
        }),
        State::Dismissed => already(ctx, &locked),
    }
}

/// `dismiss_triage` (§9.1, L-6): triage reports only.
pub async fn dismiss_triage(
    conn: &mut PgConnection,
    ctx: Ctx<'_>,
    public_id: &str,
    reason: &str,
) -> Result<Dismissal, ServiceError> {
    let locked = common::lock(conn, ctx, public_id).await?;
    match locked.facts.state {
        State::Triage => triage(conn, ctx, &locked, reason).await,
        State::Dismissed => already(ctx, &locked),
        State::Draft | State::Published => Err(if locked.is_owner(ctx) {
            ServiceError::InvalidState("lifecycle-error-not-triage".into())
        } else {
            ServiceError::Forbidden("lifecycle-error-dismiss-forbidden".into())
        }),
    }
}

fn already(ctx: Ctx<'_>, locked: &Locked) -> Result<Dismissal, ServiceError> {
    if locked.is_owner(ctx) {
        Ok(Dismissal::AlreadyDismissed)
    } else {
        Err(ServiceError::Forbidden(
            "lifecycle-error-dismiss-forbidden".into(),
        ))
    }
}

/// Sets the dismissed state and writes what every dismissal writes: the
/// narrated audit pair and the public action note.
async fn mark_dismissed(
    conn: &mut PgConnection,
    ctx: Ctx<'_>,
    locked: &Locked,
    from: State,
    reason: &str,
) -> Result<(), ServiceError> {
    let row = &locked.row;
    sqlx::query!(
        "UPDATE advisory SET state = 'dismissed', dismissed_reason = $2, dismissed_from_state = $3
         WHERE id = $1",
        row.id,
        reason,
        from.as_str()
    )
    .execute(&mut *conn)
    .await?;
    common::audit_dismissed(conn, ctx, row, from.as_str(), reason, false).await?;
    record_action_note(conn, ctx, row.id, reason, false).await?;
    Ok(())
}

async fn triage(
    conn: &mut PgConnection,
    ctx: Ctx<'_>,
    locked: &Locked,
    reason: &str,
) -> Result<Dismissal, ServiceError> {
    let facts = &locked.facts;
    if !perm::can_triage(Some(ctx.actor), facts) {
        let key = if !locked.is_owner(ctx) {
            "lifecycle-error-dismiss-forbidden"
        } else if facts.kind == Kind::GhsaLinked {
            "lifecycle-error-ghsa-triage"
        } else {
            "lifecycle-error-flagged-admins-only"
        };
        return Err(ServiceError::Forbidden(key.into()));
    }
    let reason = common::note("reason", reason, true, "lifecycle-error-reason-required")?;
    mark_dismissed(conn, ctx, locked, State::Triage, &reason).await?;
    cancel_pending_review(conn, ctx, &locked.row, &reason).await?;
    jobs::enqueue(
        conn,
        &TriageEvent {
            advisory_id: locked.row.id,
            event: TriageEventKind::AdvisoryTriageDismissed,
            actor_id: Some(ctx.actor.user_id),
        },
    )
    .await?;
    Ok(Dismissal::Dismissed {
        from: State::Triage,
    })
}

async fn draft(
    conn: &mut PgConnection,
    ctx: Ctx<'_>,
    locked: &Locked,
    reason: &str,
) -> Result<Dismissal, ServiceError> {
    let row = &locked.row;
    if !perm::can_dismiss(Some(ctx.actor), &locked.facts) {
        let key = if locked.is_owner(ctx) && !row.assigned_cve_id.is_empty() {
            "lifecycle-error-dismiss-cve-assigned"
        } else {
            "lifecycle-error-dismiss-forbidden"
        };
        return Err(ServiceError::Forbidden(key.into()));
    }
    let reason = common::note("reason", reason, true, "lifecycle-error-reason-required")?;
    mark_dismissed(conn, ctx, locked, State::Draft, &reason).await?;
    // §9.2 steps 5–8, in this order.
    common::clear_reassignment_request_if_pending(
        conn,
        ClearedBy::from(ctx),
        row.id,
        ReassignmentCleared::Dismissed,
        "",
    )
    .await?;
    let cascade = format!("Advisory dismissed: {reason}");
    cve::cancel_open_cve_request(conn, ctx, row, &cascade).await?;
    cancel_pending_review(conn, ctx, row, &cascade).await?;
    if !row.assigned_cve_id.is_empty() {
        // `can_dismiss` let only an admin get here with a CVE assigned.
        cve::unassign_locked(conn, ctx, row, &cascade).await?;
    }
    Ok(Dismissal::Dismissed { from: State::Draft })
}

/// What a reopen did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reopened {
    /// Back to `triage` or `draft` (§9.3).
    Restored {
        state: State,
        cve_request_restored: bool,
        orphan_disposition: &'static str,
    },
    /// An un-withdraw (§10.4): the advisory stays dismissed until the
    /// publication run `task_id` succeeds.
    Unwithdrawn {
        task_id: i64,
        orphan_disposition: &'static str,
    },
}

/// Whether reopening `locked` would be an un-withdraw (the route asks for a
/// fresh step-up first, Q-14).
pub fn is_unwithdraw(dismissed_from_state: Option<State>) -> bool {
    dismissed_from_state == Some(State::Published)
}

/// `reopen_advisory` (§9.3, L-12; §10.4, L-13). Refused with `InvalidState`
/// once the advisory is no longer dismissed. `stepped_up` says whether the
/// caller holds a fresh step-up: an un-withdraw, decided on the locked row,
/// is refused with [`common::STEP_UP_REQUIRED`] without one.
pub async fn reopen_advisory(
    conn: &mut PgConnection,
    ctx: Ctx<'_>,
    public_id: &str,
    stepped_up: bool,
) -> Result<Reopened, ServiceError> {
    let locked = common::lock(conn, ctx, public_id).await?;
    let facts = &locked.facts;
    if facts.state != State::Dismissed {
        return Err(if locked.is_owner(ctx) {
            ServiceError::InvalidState("lifecycle-error-not-dismissed".into())
        } else {
            ServiceError::Forbidden("lifecycle-error-reopen-forbidden".into())
        });
    }
    if !perm::can_reopen(Some(ctx.actor), facts) {
        let key = if is_unwithdraw(facts.dismissed_from_state) && locked.is_owner(ctx) {
            "lifecycle-error-unwithdraw-forbidden"
        } else {
            "lifecycle-error-reopen-forbidden"
        };
        return Err(ServiceError::Forbidden(key.into()));
    }
    if is_unwithdraw(facts.dismissed_from_state) {
        if !stepped_up {
            return Err(ServiceError::Forbidden(common::STEP_UP_REQUIRED.into()));
        }
        unwithdraw(conn, ctx, &locked).await
    } else {
        restore(conn, ctx, &locked).await
    }
}

/// §9.3: back to the state it was dismissed from, with the CVE request and
/// the orphaned CVE restored where possible.
async fn restore(
    conn: &mut PgConnection,
    ctx: Ctx<'_>,
    locked: &Locked,
) -> Result<Reopened, ServiceError> {
    let row = &locked.row;
    let target = match locked.facts.dismissed_from_state {
        Some(State::Triage) => State::Triage,
        Some(State::Draft | State::Published | State::Dismissed) | None => State::Draft,
    };
    sqlx::query!(
        "UPDATE advisory SET state = $2 WHERE id = $1",
        row.id,
        target.as_str()
    )
    .execute(&mut *conn)
    .await?;
    let now = common::reload(conn, ctx, &row.advisory_id).await?;
    let cve_request_restored = match target {
        State::Draft => cve::restore_cancelled_request(conn, ctx, &now).await?,
        State::Triage | State::Published | State::Dismissed => false,
    };
    let disposition = cve::reattach_newest_orphan(conn, ctx, &now).await?;
    let by = Some(ctx.actor.user_id);
    audit::record(
        conn,
        ctx.redactor,
        Entry::new(Action::AdvisoryReopened, by, ctx.origin)
            .advisory(row.id)
            .values(Some(json!("dismissed")), Some(json!(target.as_str())))
            .metadata(json!({
                "project": row.project_slug,
                "cve_request_restored": cve_request_restored,
                "orphan_disposition": disposition.as_str(),
            })),
    )
    .await?;
    common::audit_state_changed(conn, ctx, row.id, "dismissed", target.as_str(), false).await?;
    jobs::enqueue(
        conn,
        &TriageEvent {
            advisory_id: row.id,
            event: TriageEventKind::AdvisoryReopened,
            actor_id: by,
        },
    )
    .await?;
    Ok(Reopened::Restored {
        state: target,
        cve_request_restored,
        orphan_disposition: disposition.as_str(),
    })
}

/// §10.4: clears the withdrawal reason, brings the CVE back where it can,
/// records the version and starts a system publication run from the
/// dismissed state.
async fn unwithdraw(
    conn: &mut PgConnection,
    ctx: Ctx<'_>,
    locked: &Locked,
) -> Result<Reopened, ServiceError> {
    let row = &locked.row;
    if publication::service::in_progress(conn, row.id).await? {
        return Err(ServiceError::InvalidState(
            publication::service::IN_PROGRESS.into(),
        ));
    }
    sqlx::query!(
        "UPDATE advisory SET withdrawn_reason = '' WHERE id = $1",
        row.id
    )
    .execute(&mut *conn)
    .await?;
    let disposition = if row.assigned_cve_id.is_empty() {
        let now = common::reload(conn, ctx, &row.advisory_id).await?;
        cve::reattach_newest_orphan(conn, ctx, &now).await?
    } else {
        cve::OrphanDisposition::None
    };
    let version = common::record_current_version(conn, ctx, &row.advisory_id).await?;
    audit::record(
        conn,
        ctx.redactor,
        Entry::new(
            Action::AdvisoryReopened,
            Some(ctx.actor.user_id),
            ctx.origin,
        )
        .advisory(row.id)
        .values(Some(json!("dismissed")), Some(json!("published")))
        .metadata(json!({
            "project": row.project_slug,
            "unwithdraw": true,
            "orphan_disposition": disposition.as_str(),
            "version": version,
        })),
    )
    .await?;
    let task_id = publication::start(conn, ctx, row, true, true).await?;
    Ok(Reopened::Unwithdrawn {
        task_id,
        orphan_disposition: disposition.as_str(),
    })
}
