//! Draft admin-reassignment requests (20-lifecycle §11, INV-AUTH-9): a
//! non-admin owner asks for their draft to be moved, optionally suggesting
//! a project; they or an admin withdraw the request; an admin (any target)
//! or a member of the target's team (never the requester) resolves it. A
//! pending request locks nothing: the team keeps editing and publishing.
//!
//! Resolving has the effects of a project change in the edit form (Q-26):
//! the access-review stamp, a version, an approval voided when a non-admin
//! moves it, and the `advisory_created` notice for the new team.

use serde_json::json;
use sqlx::PgConnection;
use uuid::Uuid;

use super::common::{
    self, ClearedBy, Locked, ProjectInfo, ReassignmentCleared,
    clear_reassignment_request_if_pending,
};
use crate::access::permissions::{self as perm, Kind, ReviewStatus, State};
use crate::advisories::content::{FieldError, FieldErrors};
use crate::advisories::projects::UNSORTED;
use crate::advisories::service::{Ctx, ServiceError};
use crate::audit::catalogue::Action;
use crate::audit::{self, Entry};
use crate::comments::service::record_action_note;
use crate::jobs;
use crate::notifications::advisory_event::{AdvisoryEvent, Event};

fn invalid(field: &str, key: &str) -> ServiceError {
    ServiceError::Invalid(FieldErrors::from(vec![FieldError {
        field: field.to_owned(),
        code: "invalid_project",
        message: key.to_owned(),
    }]))
}

/// `request_admin_reassignment`: a non-admin owner of a native draft with
/// no pending request; a non-blank note, posted as an internal action note;
/// an optional suggested project other than the current one.
pub async fn request_admin_reassignment(
    conn: &mut PgConnection,
    ctx: Ctx<'_>,
    public_id: &str,
    note: &str,
    suggested: Option<Uuid>,
) -> Result<(), ServiceError> {
    let locked = common::lock(conn, ctx, public_id).await?;
    let Locked { row, facts, .. } = &locked;
    if !perm::can_request_reassignment(Some(ctx.actor), facts) {
        // An owner who could ask were the advisory in another state is told
        // why; everyone else is simply refused.
        let could = locked.is_owner(ctx) && !ctx.actor.is_admin && facts.kind == Kind::Native;
        return Err(if could && facts.reassignment_pending {
            ServiceError::InvalidState("lifecycle-error-reassignment-pending".into())
        } else if could {
            ServiceError::InvalidState("lifecycle-error-reassignment-draft-only".into())
        } else {
            ServiceError::Forbidden("lifecycle-error-reassignment-request-forbidden".into())
        });
    }
    let note = common::note("note", note, true, "lifecycle-error-note-required")?;
    let suggested = match suggested {
        None => None,
        Some(id) => {
            let project = common::project(conn, id)
                .await?
                .ok_or_else(|| invalid("suggested_project", "lifecycle-error-unknown-project"))?;
            // `unsorted` only routes triage reports (10 §9.4, INV-PROJECT-2):
            // as a draft's home it is no project at all.
            if project.slug == UNSORTED {
                return Err(invalid(
                    "suggested_project",
                    "lifecycle-error-unknown-project",
                ));
            }
            if project.id == row.project_id {
                return Err(invalid("suggested_project", "lifecycle-error-same-project"));
            }
            Some(project)
        }
    };
    sqlx::query!(
        "UPDATE advisory SET reassignment_requested_at = now(), reassignment_requested_by = $2,
                reassignment_request_note = $3, reassignment_suggested_project_id = $4
         WHERE id = $1",
        row.id,
        ctx.actor.user_id,
        note,
        suggested.as_ref().map(|p| p.id)
    )
    .execute(&mut *conn)
    .await?;
    audit::record(
        conn,
        ctx.redactor,
        Entry::new(
            Action::AdvisoryReassignmentRequested,
            Some(ctx.actor.user_id),
            ctx.origin,
        )
        .advisory(row.id)
        .metadata(json!({
            "note": note,
            "suggested_project": suggested.as_ref().map_or("", |p| p.slug.as_str()),
        })),
    )
    .await?;
    record_action_note(conn, ctx, row.id, &note, true).await?;
    Ok(())
}

/// `withdraw_admin_reassignment`: an owner (admins included) withdraws the
/// pending request; the optional note is posted as an internal action note.
pub async fn withdraw_admin_reassignment(
    conn: &mut PgConnection,
    ctx: Ctx<'_>,
    public_id: &str,
    note: &str,
) -> Result<(), ServiceError> {
    let locked = common::lock(conn, ctx, public_id).await?;
    if !perm::can_withdraw_reassignment_request(Some(ctx.actor), &locked.facts) {
        return Err(if locked.is_owner(ctx) {
            ServiceError::InvalidState("lifecycle-error-no-reassignment-request".into())
        } else {
            ServiceError::Forbidden("lifecycle-error-reassignment-withdraw-forbidden".into())
        });
    }
    let note = common::note("note", note, false, "lifecycle-error-note-required")?;
    clear_reassignment_request_if_pending(
        conn,
        ClearedBy::from(ctx),
        locked.row.id,
        ReassignmentCleared::Withdrawn,
        &note,
    )
    .await?;
    record_action_note(conn, ctx, locked.row.id, &note, true).await?;
    Ok(())
}

/// The project a resolution moves the advisory to, and whether it is the
/// suggested one, once the caller is known to be allowed to move it there.
async fn resolution_target(
    conn: &mut PgConnection,
    ctx: Ctx<'_>,
    locked: &Locked,
    target: Option<Uuid>,
) -> Result<(ProjectInfo, bool), ServiceError> {
    let Locked { row, facts, extra } = locked;
    let actor = Some(ctx.actor);
    let target = match target {
        Some(id) => common::project(conn, id).await?,
        None => extra.suggested.clone(),
    };
    let Some(target) = target else {
        // Authorization first: only someone who may pick a project is told
        // to pick one.
        return Err(if perm::can_pick_reassignment_target(actor, facts) {
            invalid("project", "lifecycle-error-choose-project")
        } else {
            ServiceError::Forbidden("lifecycle-error-reassignment-resolve-forbidden".into())
        });
    };
    let takes_suggestion = extra.suggested.as_ref().is_some_and(|s| s.id == target.id);
    if !perm::can_resolve_reassignment(actor, facts, Some(target.reference()))
        || (!takes_suggestion && !perm::can_pick_reassignment_target(actor, facts))
    {
        return Err(
            if target.id == row.project_id && perm::can_pick_reassignment_target(actor, facts) {
                invalid("project", "lifecycle-error-same-project")
            } else {
                ServiceError::Forbidden("lifecycle-error-reassignment-resolve-forbidden".into())
            },
        );
    }
    // Authorized: a draft is never moved to `unsorted` (INV-PROJECT-2).
    if target.slug == UNSORTED {
        return Err(invalid("project", "lifecycle-error-unknown-project"));
    }
    Ok((target, takes_suggestion))
}

/// How a request was resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolved {
    /// Where the advisory now lives.
    pub project: ProjectInfo,
    /// `reassignment_accepted` (the suggestion was taken) or
    /// `reassignment_resolved` (an admin picked another project).
    pub cause: &'static str,
    pub version: Option<i32>,
    pub approval_voided: bool,
}

/// `resolve_admin_reassignment`: moves the advisory to `target`, or to the
/// suggested project when `target` is `None`. Admins may pick any project;
/// anyone else only accepts the suggestion, as a member of its team who did
/// not ask (P-34, P-35).
pub async fn resolve_admin_reassignment(
    conn: &mut PgConnection,
    ctx: Ctx<'_>,
    public_id: &str,
    target: Option<Uuid>,
) -> Result<Resolved, ServiceError> {
    let locked = common::lock(conn, ctx, public_id).await?;
    let Locked { row, facts, extra } = &locked;
    if !facts.reassignment_pending {
        return Err(if locked.is_owner(ctx) {
            ServiceError::InvalidState("lifecycle-error-no-reassignment-request".into())
        } else {
            ServiceError::Forbidden("lifecycle-error-reassignment-resolve-forbidden".into())
        });
    }
    let (target, takes_suggestion) = resolution_target(conn, ctx, &locked, target).await?;
    let cause = if takes_suggestion {
        "reassignment_accepted"
    } else {
        "reassignment_resolved"
    };
    // Q-26: the effects of a project change in the edit form (§5 step 4).
    let void_approval = facts.review_status == ReviewStatus::Approved && !ctx.actor.is_admin;
    sqlx::query!(
        r#"UPDATE advisory SET project_id = $2, access_review_required_at = now(),
               review_status = CASE WHEN $3 THEN 'none' ELSE review_status END,
               republish_required = republish_required OR state = 'published'
           WHERE id = $1"#,
        row.id,
        target.id,
        void_approval
    )
    .execute(&mut *conn)
    .await?;
    let version = common::record_current_version(conn, ctx, public_id).await?;
    let by = Some(ctx.actor.user_id);
    audit::record(
        conn,
        ctx.redactor,
        Entry::new(Action::AdvisoryProjectChanged, by, ctx.origin)
            .advisory(row.id)
            .values(Some(json!(row.project_slug)), Some(json!(target.slug)))
            .metadata(json!({
                "cause": cause,
                "suggested_project_slug": extra.suggested.as_ref().map_or("", |p| p.slug.as_str()),
                "in_triage": false,
                "version": version,
            })),
    )
    .await?;
    clear_reassignment_request_if_pending(
        conn,
        ClearedBy::from(ctx),
        row.id,
        ReassignmentCleared::Accepted,
        "",
    )
    .await?;
    if void_approval {
        audit::record(
            conn,
            ctx.redactor,
            Entry::new(Action::AdvisoryReviewApprovalInvalidated, by, ctx.origin)
                .advisory(row.id)
                .values(Some(json!("approved")), Some(json!("none"))),
        )
        .await?;
    }
    // The new project's team hears of the advisory as of a new one (§18).
    if facts.state != State::Triage {
        jobs::enqueue(
            conn,
            &AdvisoryEvent {
                advisory_id: row.id,
                event: Event::AdvisoryCreated,
                actor_id: by,
            },
        )
        .await?;
    }
    Ok(Resolved {
        project: target,
        cause,
        version,
        approval_voided: void_approval,
    })
}
