//! Triage decisions on a native report (20-lifecycle §6, INV-AUTH-5,
//! INV-AUTH-6, INV-INTAKE-4, INV-LIFECYCLE-5): flag it for admin routing and
//! clear the flag, move it to another project, and promote it to a draft.
//! Dismissing a report is [`super::dismissal::dismiss_triage`].
//!
//! Each function is one transition in the caller's transaction: the row
//! locked first, the predicate of `access::permissions` re-checked on the
//! locked row, input validated only then, and the change, its version (when
//! the payload changed), its audit rows, its internal action note and its
//! `notify.triage_event` job written together. Refusals carry keys of the
//! `triage` and `lifecycle` catalogues.

use serde_json::json;
use sqlx::PgConnection;
use uuid::Uuid;

use super::common::{self, Locked, ProjectInfo};
use crate::access::permissions::{self as perm, Kind, State};
use crate::advisories::content::{FieldError, FieldErrors};
use crate::advisories::projects::UNSORTED;
use crate::advisories::service::{Ctx, ServiceError};
use crate::audit::catalogue::Action;
use crate::audit::{self, Entry};
use crate::comments::service::record_action_note;
use crate::jobs;
use crate::notifications::triage_event::{TriageEvent, TriageEventKind};

/// How a triage event reads on the activity timeline (20-lifecycle §19): a
/// message key of `locales/*/triage.ftl`, or `None` when `action` is not
/// one. A move in triage reads as any other move.
pub fn timeline_key(action: &str) -> Option<&'static str> {
    match action {
        "advisory.triage_submitted" => Some("timeline-triage-submitted"),
        "advisory.triage_promoted" => Some("timeline-triage-promoted"),
        "advisory.flagged_for_routing" => Some("timeline-flagged-for-routing"),
        "advisory.routing_flag_cleared" => Some("timeline-routing-flag-cleared"),
        _ => None,
    }
}

/// The routing note of a report moved to `unsorted` without one (§6.3).
pub const UNSORTED_NOTE: &str = "Reassigned to Unsorted for admin routing.";

fn invalid(field: &str, code: &'static str, key: &str) -> ServiceError {
    ServiceError::Invalid(FieldErrors::from(vec![FieldError {
        field: field.to_owned(),
        code,
        message: key.to_owned(),
    }]))
}

/// Locks the report; a caller who may see it but is not an owner is
/// refused with `forbidden`, an owner of an advisory that is no longer in
/// triage by its state, so a second click reads as a flash (ruling 8).
async fn lock_report(
    conn: &mut PgConnection,
    ctx: Ctx<'_>,
    public_id: &str,
    forbidden: &str,
) -> Result<Locked, ServiceError> {
    let locked = common::lock(conn, ctx, public_id).await?;
    if !locked.is_owner(ctx) {
        return Err(ServiceError::Forbidden(forbidden.into()));
    }
    if locked.facts.state != State::Triage {
        return Err(ServiceError::InvalidState(
            "lifecycle-error-not-triage".into(),
        ));
    }
    if locked.facts.kind == Kind::GhsaLinked {
        return Err(ServiceError::Forbidden("triage-error-ghsa".into()));
    }
    Ok(locked)
}

/// Why an owner of a native report is refused a triage decision: only
/// admins decide while it is flagged (INV-AUTH-6).
fn decision_refused(ctx: Ctx<'_>, locked: &Locked) -> Option<ServiceError> {
    (!perm::can_triage(Some(ctx.actor), &locked.facts))
        .then(|| ServiceError::Forbidden("lifecycle-error-flagged-admins-only".into()))
}

fn event(locked: &Locked, ctx: Ctx<'_>, event: TriageEventKind) -> TriageEvent {
    TriageEvent {
        advisory_id: locked.row.id,
        event,
        actor_id: Some(ctx.actor.user_id),
    }
}

/// What a promotion did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Promoted {
    /// Where the draft now lives.
    pub project: ProjectInfo,
    pub reassigned: bool,
    /// The version appended by a move; `None` when the project stayed.
    pub version: Option<i32>,
}

/// `promote_triage` (§6.4, L-4): the report becomes a draft of `target`
/// (its own project when `None`), in place: same row, id, `created_at`,
/// comments, grants, sidecar and history (INV-LIFECYCLE-5). A report on
/// `unsorted` needs a real target; a non-admin moving it elsewhere must be
/// on the target's team. The routing columns are cleared.
pub async fn promote_triage(
    conn: &mut PgConnection,
    ctx: Ctx<'_>,
    public_id: &str,
    target: Option<Uuid>,
) -> Result<Promoted, ServiceError> {
    let locked = lock_report(conn, ctx, public_id, "triage-error-forbidden").await?;
    if let Some(refused) = decision_refused(ctx, &locked) {
        return Err(refused);
    }
    let row = &locked.row;
    let current = ProjectInfo {
        id: row.project_id,
        slug: row.project_slug.clone(),
        name: row.project_name.clone(),
        team_group_id: row.project_team_id,
    };
    let target = match target {
        None => current.clone(),
        Some(id) => common::project(conn, id).await?.ok_or_else(|| {
            invalid(
                "project_slug",
                "invalid_project",
                "triage-error-unknown-project",
            )
        })?,
    };
    if !perm::can_promote_triage_to(Some(ctx.actor), &locked.facts, target.reference()) {
        return Err(ServiceError::Forbidden(
            "triage-error-promote-target-forbidden".into(),
        ));
    }
    // A draft always has a real home (INV-PROJECT-2).
    if target.slug == UNSORTED {
        return Err(invalid(
            "project_slug",
            "required",
            "triage-error-promote-unsorted",
        ));
    }
    let reassigned = target.id != current.id;
    sqlx::query!(
        "UPDATE advisory SET state = 'draft', project_id = $2 WHERE id = $1",
        row.id,
        target.id
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        "UPDATE advisory_intake SET needs_admin_routing = false, admin_routing_note = '',
                flagged_for_routing_at = NULL, flagged_for_routing_by = NULL
         WHERE advisory_id = $1
           AND (needs_admin_routing OR admin_routing_note <> '' OR flagged_for_routing_at IS NOT NULL)",
        row.id
    )
    .execute(&mut *conn)
    .await?;
    let version = common::record_current_version(conn, ctx, public_id).await?;
    audit::record(
        conn,
        ctx.redactor,
        Entry::new(
            Action::AdvisoryTriagePromoted,
            Some(ctx.actor.user_id),
            ctx.origin,
        )
        .advisory(row.id)
        .values(Some(json!("triage")), Some(json!("draft")))
        .metadata(json!({
            "advisory_id": row.advisory_id,
            "previous_project": current.slug,
            "project": target.slug,
            "reassigned": reassigned,
            "version": version,
        })),
    )
    .await?;
    common::audit_state_changed(conn, ctx, row.id, "triage", "draft", true).await?;
    jobs::enqueue(
        conn,
        &event(&locked, ctx, TriageEventKind::AdvisoryTriagePromoted),
    )
    .await?;
    Ok(Promoted {
        project: target,
        reassigned,
        version,
    })
}

/// `flag_for_admin_routing` (§6.1): a non-admin owner hands a report on a
/// real project to the admins with a required note, posted as an internal
/// action note. From then on only admins decide on it (INV-AUTH-6).
pub async fn flag_for_admin_routing(
    conn: &mut PgConnection,
    ctx: Ctx<'_>,
    public_id: &str,
    note: &str,
) -> Result<(), ServiceError> {
    let locked = lock_report(conn, ctx, public_id, "triage-error-flag-forbidden").await?;
    if !perm::can_flag_for_admin_routing(Some(ctx.actor), &locked.facts) {
        return Err(if locked.facts.needs_admin_routing {
            ServiceError::InvalidState("triage-error-already-flagged".into())
        } else {
            // Admins are where a flag sends a report.
            ServiceError::Forbidden("triage-error-flag-forbidden".into())
        });
    }
    let note = common::note("note", note, true, "lifecycle-error-note-required")?;
    let row = &locked.row;
    raise_flag(conn, row.id, &note, ctx.actor.user_id).await?;
    audit::record(
        conn,
        ctx.redactor,
        Entry::new(
            Action::AdvisoryFlaggedForRouting,
            Some(ctx.actor.user_id),
            ctx.origin,
        )
        .advisory(row.id)
        .metadata(json!({
            "advisory_id": row.advisory_id,
            "project": row.project_slug,
            "note": note,
        })),
    )
    .await?;
    record_action_note(conn, ctx, row.id, &note, true).await?;
    jobs::enqueue(
        conn,
        &event(&locked, ctx, TriageEventKind::AdvisoryFlaggedForRouting),
    )
    .await?;
    Ok(())
}

/// Raises the routing flag with `note`, by `by`; a report without a
/// sidecar (one not filed through the form) gets one (§6.1).
async fn raise_flag(
    conn: &mut PgConnection,
    advisory_id: i64,
    note: &str,
    by: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO advisory_intake (advisory_id, needs_admin_routing, admin_routing_note,
                                      flagged_for_routing_at, flagged_for_routing_by)
         VALUES ($1, true, $2, now(), $3)
         ON CONFLICT (advisory_id) DO UPDATE SET needs_admin_routing = true,
             admin_routing_note = EXCLUDED.admin_routing_note,
             flagged_for_routing_at = EXCLUDED.flagged_for_routing_at,
             flagged_for_routing_by = EXCLUDED.flagged_for_routing_by",
        advisory_id,
        note,
        by
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Clears the four routing columns; the note they held, or `None` when the
/// report was not flagged.
async fn clear_flag(
    conn: &mut PgConnection,
    advisory_id: i64,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar!(
        r#"WITH before AS (SELECT admin_routing_note AS note FROM advisory_intake
                           WHERE advisory_id = $1 AND needs_admin_routing FOR UPDATE)
           UPDATE advisory_intake i SET needs_admin_routing = false, admin_routing_note = '',
                  flagged_for_routing_at = NULL, flagged_for_routing_by = NULL
           FROM before WHERE i.advisory_id = $1
           RETURNING before.note"#,
        advisory_id
    )
    .fetch_optional(conn)
    .await
}

/// `clear_admin_routing_flag` (§6.2): an owner (the flagging team may take
/// its handoff back) clears the flag of a report on a real project; on
/// `unsorted` only a move, a promotion or a dismissal clears it
/// (INV-INTAKE-4). The optional note is posted as an internal action note.
pub async fn clear_admin_routing_flag(
    conn: &mut PgConnection,
    ctx: Ctx<'_>,
    public_id: &str,
    note: &str,
) -> Result<(), ServiceError> {
    let locked = lock_report(conn, ctx, public_id, "triage-error-clear-forbidden").await?;
    if !perm::can_clear_admin_routing_flag(Some(ctx.actor), &locked.facts) {
        return Err(ServiceError::InvalidState(
            "triage-error-clear-unsorted".into(),
        ));
    }
    if !locked.facts.needs_admin_routing {
        return Err(ServiceError::InvalidState(
            "triage-error-not-flagged".into(),
        ));
    }
    let note = common::note("note", note, false, "lifecycle-error-note-required")?;
    let row = &locked.row;
    let previous = clear_flag(conn, row.id).await?.unwrap_or_default();
    audit::record(
        conn,
        ctx.redactor,
        Entry::new(
            Action::AdvisoryRoutingFlagCleared,
            Some(ctx.actor.user_id),
            ctx.origin,
        )
        .advisory(row.id)
        .metadata(json!({
            "advisory_id": row.advisory_id,
            "previous_note": previous,
            "note": note,
        })),
    )
    .await?;
    record_action_note(conn, ctx, row.id, &note, true).await?;
    jobs::enqueue(
        conn,
        &event(&locked, ctx, TriageEventKind::AdvisoryRoutingFlagCleared),
    )
    .await?;
    Ok(())
}

/// What a triage move did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reassigned {
    pub project: ProjectInfo,
    pub version: Option<i32>,
    /// An admin's move to a real project cleared the routing flag.
    pub cleared_flag: bool,
    /// A move to `unsorted` raised it.
    pub flagged_for_routing: bool,
}

/// `reassign_triage_project` (§6.3): an admin moves a report anywhere,
/// `unsorted` included; a non-admin with triage rights moves it to a
/// project whose team they are on. A move to `unsorted` raises the routing
/// flag (INV-INTAKE-4); an admin's move elsewhere clears it. The note stays
/// in the audit metadata (§2.3: never posted). No access-review stamp in
/// triage.
pub async fn reassign_triage_project(
    conn: &mut PgConnection,
    ctx: Ctx<'_>,
    public_id: &str,
    destination: Option<Uuid>,
    note: &str,
) -> Result<Reassigned, ServiceError> {
    let locked = lock_report(conn, ctx, public_id, "triage-error-reassign-forbidden").await?;
    let actor = Some(ctx.actor);
    let facts = &locked.facts;
    if !ctx.actor.is_admin
        && let Some(refused) = decision_refused(ctx, &locked)
    {
        return Err(refused);
    }
    let destination = match destination {
        Some(id) => common::project(conn, id).await?,
        None => None,
    };
    let Some(destination) = destination else {
        return Err(invalid(
            "project_slug",
            "invalid_project",
            "triage-error-choose-project",
        ));
    };
    if !perm::can_reassign_triage_to(actor, facts, destination.team_group_id) {
        return Err(ServiceError::Forbidden(
            "triage-error-reassign-target-forbidden".into(),
        ));
    }
    let row = &locked.row;
    if destination.id == row.project_id {
        return Err(invalid(
            "project_slug",
            "invalid_project",
            "lifecycle-error-same-project",
        ));
    }
    let note = common::note("note", note, false, "lifecycle-error-note-required")?;
    sqlx::query!(
        "UPDATE advisory SET project_id = $2 WHERE id = $1",
        row.id,
        destination.id
    )
    .execute(&mut *conn)
    .await?;
    let to_unsorted = destination.slug == UNSORTED;
    let flagged_for_routing = to_unsorted && !facts.needs_admin_routing;
    if flagged_for_routing {
        let routing_note = if note.is_empty() {
            UNSORTED_NOTE
        } else {
            &note
        };
        raise_flag(conn, row.id, routing_note, ctx.actor.user_id).await?;
    }
    let cleared_flag = !to_unsorted
        && ctx.actor.is_admin
        && facts.needs_admin_routing
        && clear_flag(conn, row.id).await?.is_some();
    let version = common::record_current_version(conn, ctx, public_id).await?;
    audit::record(
        conn,
        ctx.redactor,
        Entry::new(
            Action::AdvisoryProjectChanged,
            Some(ctx.actor.user_id),
            ctx.origin,
        )
        .advisory(row.id)
        .values(Some(json!(row.project_slug)), Some(json!(destination.slug)))
        .metadata(json!({
            "note": note,
            "cleared_flag": cleared_flag,
            "flagged_for_routing": flagged_for_routing,
            "in_triage": true,
            "version": version,
        })),
    )
    .await?;
    jobs::enqueue(
        conn,
        &event(&locked, ctx, TriageEventKind::AdvisoryTriageReassigned),
    )
    .await?;
    Ok(Reassigned {
        project: destination,
        version,
        cleared_flag,
        flagged_for_routing,
    })
}

#[cfg(test)]
mod tests {
    use super::timeline_key;

    #[test]
    fn every_triage_event_has_prose_and_nothing_else_does() {
        for action in [
            "advisory.triage_submitted",
            "advisory.triage_promoted",
            "advisory.flagged_for_routing",
            "advisory.routing_flag_cleared",
        ] {
            assert!(timeline_key(action).is_some(), "{action}");
        }
        assert_eq!(timeline_key("advisory.project_changed"), None);
        assert_eq!(timeline_key("advisory.dismissed"), None);
    }
}
