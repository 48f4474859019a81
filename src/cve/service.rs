//! The CVE services (20-lifecycle §8): requests and their transitions, the
//! request ban, unassigning (orphaning) a CVE, and orphan reattachment and
//! reassignment tasks. Each user-facing service is one transaction in the
//! shape of B-3: lock the advisory (then the task or orphan row), re-check
//! the predicate on the locked row, validate the input, then write the
//! change, its version (the assigned CVE is payload-visible), its audit rows
//! and its action note together.
//!
//! The building blocks other workflows call inside their own transaction
//! (dismissal, reopening, withdrawal: 20-lifecycle §9.2, §9.3, §10) take the
//! advisory row their caller already locked and authorized:
//! [`cancel_open_cve_request`], [`unassign_locked`],
//! [`restore_cancelled_request`] and [`reattach_newest_orphan`].
//!
//! Invariants kept here: INV-CVE-1 (the advisory lock serialises requests;
//! the partial unique index `cve_request_task_one_queued_idx` is the last
//! guard), INV-CVE-2 (only these services write `assigned_cve_id`), INV-CVE-3
//! (bans are set and lifted by admins only, and lifting nothing writes
//! nothing), INV-ID-3 (CVE ids are checked here with a clear message before
//! the database's CHECKs), Q-3 (re-orphaning reuses the orphan row), Q-4 (an
//! assigned CVE id belongs to one advisory: checked, and backed by the unique
//! index `advisory_assigned_cve_idx`), Q-5 and Q-27.
//!
//! Refusals change nothing. Their message is a key of `locales/*/cve.ftl`
//! (the constants of [`refusal`]), which the handlers translate for the
//! caller.
//!
//! GHSA-linked advisories: reserving a CVE for one should also queue its
//! push to GitHub (20-lifecycle §14.7, `ghsa_cve_push_task`). That task,
//! its job and `ghsa.cve_push_requested` belong to the GHSA integration and
//! are added there; here a reservation on a GHSA-linked advisory assigns the
//! CVE like any other.

use serde_json::{Value, json};
use sqlx::PgConnection;

use crate::access::permissions::{self as perm, AdvisoryFacts, State};
use crate::advisories::content::{self, FieldError, FieldErrors};
use crate::advisories::repo::{self, AdvisoryRow};
use crate::advisories::service::{Ctx, ServiceError, lock_visible, record_version, snapshot};
use crate::audit::catalogue::Action;
use crate::audit::{self, Entry};
use crate::comments::service::{MAX_BODY_CHARS, record_action_note};

/// The message keys of refusals and field errors.
pub mod refusal {
    /// Requesting needs an owner (P-10).
    pub const NOT_OWNER: &str = "cve-refused-not-owner";
    /// Requests are for drafts and published advisories only.
    pub const WRONG_STATE: &str = "cve-refused-state";
    /// Q-6: a withdrawal is in flight; its queued request was cancelled.
    pub const WITHDRAWING: &str = "cve-refused-withdrawing";
    /// INV-CVE-3: an admin banned requests on this advisory.
    pub const BANNED: &str = "cve-refused-banned";
    /// INV-CVE-2: a CVE is assigned already.
    pub const ASSIGNED: &str = "cve-refused-assigned";
    /// INV-CVE-1: a request is queued already.
    pub const PENDING: &str = "cve-refused-pending";
    /// The CNA-side actions are the global admins' (P-12, P-16, P-17).
    pub const NOT_ADMIN: &str = "cve-refused-not-admin";
    /// The request was decided (or cancelled) since the page was loaded.
    pub const NOT_QUEUED: &str = "cve-refused-not-queued";
    /// Unassigning needs an assigned CVE.
    pub const NONE_ASSIGNED: &str = "cve-refused-none-assigned";
    /// The orphan was marked rejected (or reattached) already.
    pub const ORPHAN_NOT_ORPHANED: &str = "cve-refused-orphan-not-orphaned";
    /// The reassignment task was resolved already.
    pub const TASK_RESOLVED: &str = "cve-refused-task-resolved";
    /// Reattachment: the advisory holds a CVE already.
    pub const ADVISORY_HOLDS_CVE: &str = "cve-refused-advisory-holds-cve";
    /// Reattachment: another advisory holds the orphan's CVE.
    pub const HELD_ELSEWHERE: &str = "cve-refused-held-elsewhere";
    /// Reattachment: the orphan is not this advisory's, or is reattached.
    pub const ORPHAN_UNAVAILABLE: &str = "cve-refused-orphan-unavailable";
    /// The CVE is in the orphan registry (another advisory's, or not
    /// reattached), so it cannot be assigned afresh.
    pub const ORPHANED_ELSEWHERE: &str = "cve-refused-orphaned-elsewhere";

    /// Field errors.
    pub const CVE_ID_REQUIRED: &str = "cve-field-cve-id-required";
    pub const CVE_ID_INVALID: &str = "cve-field-cve-id-invalid";
    pub const CVE_ID_TAKEN: &str = "cve-field-cve-id-taken";
    pub const CVE_ID_ORPHANED: &str = "cve-field-cve-id-orphaned";
    pub const NOTES_REQUIRED: &str = "cve-field-notes-required";
    pub const REASON_REQUIRED: &str = "cve-field-reason-required";
    pub const TEXT_INVALID: &str = "cve-field-text-invalid";
    pub const STATUS_UNKNOWN: &str = "cve-field-status-unknown";
    pub const BAN_ONLY_ON_REJECT: &str = "cve-field-ban-only-on-reject";
    pub const OUTCOME_UNKNOWN: &str = "cve-field-outcome-unknown";
}

/// The unique index that keeps an assigned CVE id on one advisory (Q-4).
const ASSIGNED_CVE_INDEX: &str = "advisory_assigned_cve_idx";

/// Whether `id` has the form of 10-domain-model §2.2:
/// `^CVE-\d{4}-\d{4,19}$` (ASCII digits only, like the database's CHECK).
pub fn is_valid_cve_id(id: &str) -> bool {
    let Some((year, sequence)) = id.strip_prefix("CVE-").and_then(|r| r.split_once('-')) else {
        return false;
    };
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    year.len() == 4 && digits(year) && (4..=19).contains(&sequence.len()) && digits(sequence)
}

/// A CVE id as typed, trimmed and upper-cased (`cve-2026-1234` is meant as
/// `CVE-2026-1234`).
pub fn normalize_cve_id(raw: &str) -> String {
    raw.trim().to_ascii_uppercase()
}

fn field(field: &str, code: &'static str, key: &str) -> ServiceError {
    ServiceError::Invalid(FieldErrors::from(vec![FieldError {
        field: field.to_owned(),
        code,
        message: key.to_owned(),
    }]))
}

/// A CVE id field: required, of the §2.2 form (INV-ID-3).
fn checked_cve_id(name: &str, raw: &str) -> Result<String, ServiceError> {
    let id = normalize_cve_id(raw);
    if id.is_empty() {
        Err(field(name, "required", refusal::CVE_ID_REQUIRED))
    } else if !is_valid_cve_id(&id) {
        Err(field(name, "invalid_cve_id", refusal::CVE_ID_INVALID))
    } else {
        Ok(id)
    }
}

/// A free-text note, trimmed; `required` refuses a blank one with
/// `required_key`.
fn checked_text<'a>(
    name: &str,
    raw: &'a str,
    required: Option<&'static str>,
) -> Result<&'a str, ServiceError> {
    let text = raw.trim();
    if let Some(key) = required
        && text.is_empty()
    {
        return Err(field(name, "required", key));
    }
    if text.contains('\0') || text.chars().count() > MAX_BODY_CHARS {
        return Err(field(name, "invalid", refusal::TEXT_INVALID));
    }
    Ok(text)
}

/// Whether `e` is the violation of the one-advisory-per-CVE index (Q-4).
fn is_cve_taken(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.constraint() == Some(ASSIGNED_CVE_INDEX))
}

/// The CVE columns of the advisory as they are now (the caller holds the
/// row lock).
struct CveColumns {
    public_id: String,
    state: String,
    assigned_cve_id: String,
    cve_requests_banned: bool,
}

async fn cve_columns(conn: &mut PgConnection, advisory: i64) -> Result<CveColumns, ServiceError> {
    sqlx::query_as!(
        CveColumns,
        "SELECT advisory_id AS public_id, state, assigned_cve_id, cve_requests_banned
         FROM advisory WHERE id = $1",
        advisory
    )
    .fetch_optional(conn)
    .await?
    .ok_or(ServiceError::NotFound)
}

/// Appends a version after `assigned_cve_id` changed (INV-VERSION-1: it is
/// payload-visible). The snapshot is built from the row as it is now, so a
/// caller that changes more of the payload in the same transaction and
/// appends its own version `if_changed` afterwards gets one version for
/// both. Content that no longer passes validation (a rule added since it was
/// stored) keeps the latest version's content and only takes the new CVE.
async fn record_cve_version(
    conn: &mut PgConnection,
    ctx: Ctx<'_>,
    public_id: &str,
) -> Result<Option<i32>, ServiceError> {
    let row = repo::load(conn, public_id, Some(ctx.actor), false)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let payload = if let Ok(content) = content::validate(&row.payload()) {
        snapshot(&row, &row.project_slug, &row.project_name, &content)
    } else {
        let latest: Option<Value> = sqlx::query_scalar!(
            "SELECT payload FROM advisory_version WHERE advisory_id = $1
             ORDER BY version DESC LIMIT 1",
            row.id
        )
        .fetch_optional(&mut *conn)
        .await?;
        let Some(mut payload) = latest else {
            return Ok(None);
        };
        if let Value::Object(map) = &mut payload {
            map.insert("assigned_cve_id".into(), json!(row.assigned_cve_id));
        }
        payload
    };
    Ok(record_version(conn, row.id, Some(ctx.actor.user_id), &payload, true).await?)
}

/// An orphaned CVE (10-domain-model §15.3).
#[derive(Clone, Debug)]
struct Orphan {
    id: i64,
    cve_id: String,
    previous_advisory_id: Option<i64>,
    status: String,
}

// ---------------------------------------------------------------------------
// Building blocks for the dismissal, reopen and withdrawal services. The
// caller holds the advisory's row lock and has authorized the action.

/// `cancel_open_cve_request` (20-lifecycle §8.3, Q-6): the queued request,
/// if any, becomes `cancelled` with `reason` as its notes (the caller words
/// it, e.g. "Advisory dismissed: …"); audited `cve.request_cancelled`.
/// Nothing happens without a queued request.
pub async fn cancel_open_cve_request(
    conn: &mut PgConnection,
    ctx: Ctx<'_>,
    advisory: &AdvisoryRow,
    reason: &str,
) -> Result<(), ServiceError> {
    let reason = reason.trim();
    let cancelled = sqlx::query_scalar!(
        "UPDATE cve_request_task SET status = 'cancelled', notes = $2, finished_at = now()
         WHERE advisory_id = $1 AND status = 'queued' RETURNING id",
        advisory.id,
        reason
    )
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(task_id) = cancelled {
        audit::record(
            conn,
            ctx.redactor,
            Entry::new(
                Action::CveRequestCancelled,
                Some(ctx.actor.user_id),
                ctx.origin,
            )
            .advisory(advisory.id)
            .values(
                Some(json!({"task_id": task_id, "status": "queued"})),
                Some(json!({"task_id": task_id, "status": "cancelled"})),
            )
            .metadata(json!({"reason": reason})),
        )
        .await?;
    }
    Ok(())
}

/// The core of unassigning (`orphan_cve`, 20-lifecycle §8.5): the assigned
/// CVE goes to the orphan registry and leaves the advisory (a published one
/// then needs re-publishing), a version records it, `cve.unassigned` is
/// audited and `reason` is posted as an internal action note. Returns the
/// orphan's id.
///
/// Q-3: when the CVE already has an orphan row that was reattached to this
/// same advisory, that row is reused (back to `orphaned`, with fresh
/// unassign fields) instead of inserting a second row for the CVE.
///
/// Refused with [`refusal::NONE_ASSIGNED`] when no CVE is assigned, and with
/// [`refusal::ORPHANED_ELSEWHERE`] when the registry holds the CVE for
/// another reason (which the reservation checks prevent).
pub async fn unassign_locked(
    conn: &mut PgConnection,
    ctx: Ctx<'_>,
    advisory: &AdvisoryRow,
    reason: &str,
) -> Result<i64, ServiceError> {
    let orphan_id = orphan_cve(conn, ctx, advisory, reason).await?;
    record_action_note(conn, ctx, advisory.id, reason.trim(), true).await?;
    Ok(orphan_id)
}

/// `orphan_cve` (§8.5), the core of [`unassign_locked`] without its action
/// note: a completed withdrawal orphans its CVE this way (§10.1).
pub async fn orphan_cve(
    conn: &mut PgConnection,
    ctx: Ctx<'_>,
    advisory: &AdvisoryRow,
    reason: &str,
) -> Result<i64, ServiceError> {
    let now = cve_columns(conn, advisory.id).await?;
    if now.assigned_cve_id.is_empty() {
        return Err(ServiceError::InvalidState(refusal::NONE_ASSIGNED.into()));
    }
    let reason = reason.trim();
    let cve_id = now.assigned_cve_id;
    let existing = sqlx::query_as!(
        Orphan,
        "SELECT id, cve_id, previous_advisory_id, status FROM orphan_cve
         WHERE cve_id = $1 FOR UPDATE",
        cve_id
    )
    .fetch_optional(&mut *conn)
    .await?;
    let (orphan_id, reused) = match existing {
        None => {
            let id = sqlx::query_scalar!(
                "INSERT INTO orphan_cve (cve_id, previous_advisory_id, previous_advisory_label,
                                         unassigned_by, unassign_reason)
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
                cve_id,
                advisory.id,
                now.public_id,
                ctx.actor.user_id,
                reason
            )
            .fetch_one(&mut *conn)
            .await?;
            (id, false)
        }
        Some(o) if o.status == "reassigned" && o.previous_advisory_id == Some(advisory.id) => {
            // The earlier rejection stamp belonged to the earlier orphaning.
            sqlx::query!(
                "UPDATE orphan_cve SET status = 'orphaned', previous_advisory_label = $2,
                        unassigned_by = $3, unassigned_at = now(), unassign_reason = $4,
                        marked_rejected_by = NULL, marked_rejected_at = NULL,
                        marked_rejected_notes = ''
                 WHERE id = $1",
                o.id,
                now.public_id,
                ctx.actor.user_id,
                reason
            )
            .execute(&mut *conn)
            .await?;
            (o.id, true)
        }
        Some(_) => {
            return Err(ServiceError::InvalidState(
                refusal::ORPHANED_ELSEWHERE.into(),
            ));
        }
    };
    sqlx::query!(
        "UPDATE advisory SET assigned_cve_id = '',
                republish_required = republish_required OR state = 'published'
         WHERE id = $1",
        advisory.id
    )
    .execute(&mut *conn)
    .await?;
    record_cve_version(conn, ctx, &now.public_id).await?;
    audit::record(
        conn,
        ctx.redactor,
        Entry::new(Action::CveUnassigned, Some(ctx.actor.user_id), ctx.origin)
            .advisory(advisory.id)
            .values(
                Some(json!({"cve_id": cve_id})),
                Some(json!({"cve_id": "", "orphan_id": orphan_id})),
            )
            .metadata(json!({
                "reason_length": reason.chars().count(),
                "reused_orphan": reused,
            })),
    )
    .await?;
    Ok(orphan_id)
}

/// CVE request restoration on reopen (20-lifecycle §9.3 step 3): when the
/// advisory has no CVE, no queued request, and its most recent request was
/// cancelled, a new request is queued for the reopener (`cve.requested`).
/// The caller has moved the state back to `draft` already. A ban, or a state
/// in which nobody may request, restores nothing. Returns whether a request
/// was queued.
pub async fn restore_cancelled_request(
    conn: &mut PgConnection,
    ctx: Ctx<'_>,
    advisory: &AdvisoryRow,
) -> Result<bool, ServiceError> {
    let now = cve_columns(conn, advisory.id).await?;
    let requestable = matches!(now.state.as_str(), "draft" | "published");
    if !requestable || now.cve_requests_banned || !now.assigned_cve_id.is_empty() {
        return Ok(false);
    }
    let statuses = sqlx::query_scalar!(
        "SELECT status FROM cve_request_task WHERE advisory_id = $1
         ORDER BY (status = 'queued') DESC, created_at DESC, id DESC LIMIT 1",
        advisory.id
    )
    .fetch_optional(&mut *conn)
    .await?;
    if statuses.as_deref() != Some("cancelled") {
        return Ok(false);
    }
    insert_request(conn, ctx, advisory.id, json!({"restored_on_reopen": true})).await?;
    Ok(true)
}

/// A queued request and its `cve.requested` row; the task id.
async fn insert_request(
    conn: &mut PgConnection,
    ctx: Ctx<'_>,
    advisory: i64,
    metadata: Value,
) -> Result<i64, ServiceError> {
    let task_id = sqlx::query_scalar!(
        "INSERT INTO cve_request_task (advisory_id, requested_by) VALUES ($1, $2) RETURNING id",
        advisory,
        ctx.actor.user_id
    )
    .fetch_one(&mut *conn)
    .await?;
    audit::record(
        conn,
        ctx.redactor,
        Entry::new(Action::CveRequested, Some(ctx.actor.user_id), ctx.origin)
            .advisory(advisory)
            .values(None, Some(json!({"task_id": task_id, "status": "queued"})))
            .metadata(metadata),
    )
    .await?;
    Ok(task_id)
}

/// What reopening did with the advisory's newest orphan (20-lifecycle §9.3
/// step 4, §10.4 step 2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OrphanDisposition {
    /// No orphan of this advisory.
    None,
    /// The orphan was `orphaned` and is assigned to the advisory again.
    ReassignedDirect,
    /// An admin must resolve it: the orphan was marked rejected at cve.org,
    /// or reattaching it conflicted.
    QueuedAdminTask,
    /// The newest orphan was reattached before.
    AlreadyReassigned,
}

impl OrphanDisposition {
    /// The spelling recorded in `advisory.reopened`'s metadata.
    pub const fn as_str(self) -> &'static str {
        match self {
            OrphanDisposition::None => "none",
            OrphanDisposition::ReassignedDirect => "reassigned_direct",
            OrphanDisposition::QueuedAdminTask => "queued_admin_task",
            OrphanDisposition::AlreadyReassigned => "already_reassigned",
        }
    }
}

/// The orphan disposition of a reopen (20-lifecycle §9.3 steps 4–5, §10.4
/// step 2), for the newest orphan whose previous advisory is this one:
/// `orphaned` is reattached, or on a conflict gets a reassignment task;
/// `marked_rejected` gets a task unless one is queued already. Whenever the
/// outcome is an admin task, `cve.orphan_reassignment_requested` is written
/// (Q-5, for un-withdrawal too).
///
/// Un-withdrawal (§10.4 step 2) considers the orphan only when the advisory
/// holds no CVE: its caller checks `assigned_cve_id` first. Reopen (§9.3)
/// calls it unconditionally; an advisory that holds a CVE then gets the
/// admin task (reattachment conflicts).
pub async fn reattach_newest_orphan(
    conn: &mut PgConnection,
    ctx: Ctx<'_>,
    advisory: &AdvisoryRow,
) -> Result<OrphanDisposition, ServiceError> {
    let newest = sqlx::query_as!(
        Orphan,
        "SELECT id, cve_id, previous_advisory_id, status FROM orphan_cve
         WHERE previous_advisory_id = $1 ORDER BY unassigned_at DESC, id DESC LIMIT 1
         FOR UPDATE",
        advisory.id
    )
    .fetch_optional(&mut *conn)
    .await?;
    let Some(orphan) = newest else {
        return Ok(OrphanDisposition::None);
    };
    match orphan.status.as_str() {
        "reassigned" => return Ok(OrphanDisposition::AlreadyReassigned),
        "orphaned" => {
            if let Reattach::Done = reassign_orphan_cve(conn, ctx, advisory.id, &orphan).await? {
                return Ok(OrphanDisposition::ReassignedDirect);
            }
        }
        _ => {}
    }
    let (task_id, created) = queue_reassignment(conn, ctx, advisory.id, &orphan).await?;
    audit::record(
        conn,
        ctx.redactor,
        Entry::new(
            Action::CveOrphanReassignmentRequested,
            Some(ctx.actor.user_id),
            ctx.origin,
        )
        .advisory(advisory.id)
        .values(None, Some(json!({"task_id": task_id, "status": "queued"})))
        .metadata(json!({
            "orphan_id": orphan.id,
            "orphan_status": orphan.status,
            "cve_id": orphan.cve_id,
            "already_queued": !created,
        })),
    )
    .await?;
    Ok(OrphanDisposition::QueuedAdminTask)
}

/// The queued reassignment task of `orphan`, inserted unless one is queued
/// already (the orphan's row lock serialises this); its id and whether it
/// was inserted now.
async fn queue_reassignment(
    conn: &mut PgConnection,
    ctx: Ctx<'_>,
    advisory: i64,
    orphan: &Orphan,
) -> Result<(i64, bool), ServiceError> {
    let queued = sqlx::query_scalar!(
        "SELECT id FROM orphan_cve_reassignment_task WHERE orphan_cve_id = $1 AND status = 'queued'",
        orphan.id
    )
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(id) = queued {
        return Ok((id, false));
    }
    let id = sqlx::query_scalar!(
        "INSERT INTO orphan_cve_reassignment_task (orphan_cve_id, advisory_id, requested_by)
         VALUES ($1, $2, $3) RETURNING id",
        orphan.id,
        advisory,
        ctx.actor.user_id
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok((id, true))
}

/// How a reattachment went.
enum Reattach {
    Done,
    /// Refused for the reason named by this key; nothing was changed.
    Conflict(&'static str),
}

/// `reassign_orphan_cve` (20-lifecycle §8.6): the orphan's CVE goes back to
/// its advisory. Needs the orphan to be this advisory's and `orphaned` or
/// `marked_rejected`, the advisory to hold no CVE and no other advisory to
/// hold this one; otherwise a conflict, with nothing changed. Effects: the
/// orphan is `reassigned`, the advisory holds the CVE again (a published one
/// then needs re-publishing), a version, and `cve.reassigned_from_orphan`.
///
/// Another advisory may be invisible to the caller (row-level security), so
/// "held elsewhere" is learnt from the unique index, inside a savepoint that
/// keeps the caller's transaction usable.
async fn reassign_orphan_cve(
    conn: &mut PgConnection,
    ctx: Ctx<'_>,
    advisory: i64,
    orphan: &Orphan,
) -> Result<Reattach, ServiceError> {
    let usable = matches!(orphan.status.as_str(), "orphaned" | "marked_rejected");
    if orphan.previous_advisory_id != Some(advisory) || !usable {
        return Ok(Reattach::Conflict(refusal::ORPHAN_UNAVAILABLE));
    }
    let now = cve_columns(conn, advisory).await?;
    if !now.assigned_cve_id.is_empty() {
        return Ok(Reattach::Conflict(refusal::ADVISORY_HOLDS_CVE));
    }
    let mut savepoint = sqlx::Connection::begin(&mut *conn).await?;
    let claimed = sqlx::query!(
        "UPDATE advisory SET assigned_cve_id = $2,
                republish_required = republish_required OR state = 'published'
         WHERE id = $1",
        advisory,
        orphan.cve_id
    )
    .execute(&mut *savepoint)
    .await;
    match claimed {
        Ok(_) => savepoint.commit().await?,
        Err(e) if is_cve_taken(&e) => {
            savepoint.rollback().await?;
            return Ok(Reattach::Conflict(refusal::HELD_ELSEWHERE));
        }
        Err(e) => return Err(e.into()),
    }
    sqlx::query!(
        "UPDATE orphan_cve SET status = 'reassigned' WHERE id = $1",
        orphan.id
    )
    .execute(&mut *conn)
    .await?;
    record_cve_version(conn, ctx, &now.public_id).await?;
    audit::record(
        conn,
        ctx.redactor,
        Entry::new(
            Action::CveReassignedFromOrphan,
            Some(ctx.actor.user_id),
            ctx.origin,
        )
        .advisory(advisory)
        .values(
            Some(json!({"cve_id": "", "orphan_status": orphan.status})),
            Some(json!({"cve_id": orphan.cve_id, "orphan_status": "reassigned"})),
        )
        .metadata(json!({"orphan_id": orphan.id})),
    )
    .await?;
    Ok(Reattach::Done)
}

// ---------------------------------------------------------------------------
// The user-facing services.

/// The advisory, locked, if the caller may see it (Q-19: otherwise it does
/// not exist for them), with its predicate facts, which include whether a
/// request is queued.
async fn visible_locked(
    conn: &mut PgConnection,
    ctx: Ctx<'_>,
    public_id: &str,
) -> Result<(AdvisoryRow, AdvisoryFacts), ServiceError> {
    let (row, mut facts) = lock_visible(conn, ctx.actor, public_id).await?;
    facts.has_queued_cve_request = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM cve_request_task
                          WHERE advisory_id = $1 AND status = 'queued') AS "queued!""#,
        row.id
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok((row, facts))
}

/// `request_cve` (20-lifecycle §8.1): an owner asks the admins for a CVE.
/// Refused, each with its own message: `Forbidden` for a non-owner; for an
/// owner, `InvalidState` (ruling 8: a flash, not an error page, since a
/// double click lands here) outside draft and published, while a
/// withdrawal is in flight (Q-6 cancelled the queued request; the state
/// stays `published` until the push succeeds), while requests are banned
/// (INV-CVE-3), while a CVE is assigned (INV-CVE-2) and while a request is
/// queued (INV-CVE-1). Returns the task id.
pub async fn request_cve(
    conn: &mut PgConnection,
    ctx: Ctx<'_>,
    public_id: &str,
) -> Result<i64, ServiceError> {
    let (row, facts) = visible_locked(conn, ctx, public_id).await?;
    let actor = Some(ctx.actor);
    if perm::role(actor, &facts) != Some(perm::Role::Owner) {
        return Err(ServiceError::Forbidden(refusal::NOT_OWNER.into()));
    }
    let refusal = if !matches!(facts.state, State::Draft | State::Published) {
        Some(refusal::WRONG_STATE)
    } else if withdrawal_in_flight(&row) {
        Some(refusal::WITHDRAWING)
    } else if facts.cve_requests_banned {
        Some(refusal::BANNED)
    } else if !facts.assigned_cve_id_blank {
        Some(refusal::ASSIGNED)
    } else if facts.has_queued_cve_request {
        Some(refusal::PENDING)
    } else {
        None
    };
    if let Some(key) = refusal {
        return Err(ServiceError::InvalidState(key.into()));
    }
    if !perm::can_request_cve(actor, &facts) {
        return Err(ServiceError::Forbidden(refusal::NOT_OWNER.into()));
    }
    insert_request(conn, ctx, row.id, json!({"project": row.project_slug}))
        .await
        .map_err(|e| match e {
            // The advisory lock serialises requests; the index is the last
            // guard (INV-CVE-1).
            ServiceError::Database(sqlx::Error::Database(db))
                if db.constraint() == Some("cve_request_task_one_queued_idx") =>
            {
                ServiceError::InvalidState(refusal::PENDING.into())
            }
            other => other,
        })
}

/// A withdrawal was started and has not completed: `withdrawn_reason` is
/// set while the advisory is still `published` (20-lifecycle §10.1); a
/// completed withdrawal is `dismissed`, refused by state.
pub fn withdrawal_in_flight(row: &AdvisoryRow) -> bool {
    !row.withdrawn_reason.trim().is_empty()
}

/// What an admin does with a queued request (20-lifecycle §8.2), as typed.
#[derive(Clone, Debug, Default)]
pub struct TransitionInput {
    /// `reserved`, `rejected` or `cancelled`.
    pub status: String,
    /// The CVE to reserve (§2.2).
    pub cve_id: String,
    /// The rejection notes (required to reject; posted as a public note).
    pub notes: String,
    /// Ban further requests (rejection only).
    pub ban_future_requests: bool,
}

/// Where a queued request went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Transitioned {
    /// Reserved with this CVE id.
    Reserved(String),
    /// Rejected; `banned` when this rejection set the ban.
    Rejected {
        banned: bool,
    },
    Cancelled,
}

/// A request task as the transition needs it.
struct Task {
    id: i64,
    status: String,
}

/// `transition_cve_request` (20-lifecycle §8.2, Q-4, Q-27): a global admin
/// reserves a CVE for a queued request, rejects it (with notes, optionally
/// banning further requests), or cancels it. Anything but a queued request
/// is `InvalidState`; `ban_future_requests` with a target other than
/// `rejected` is a field error.
pub async fn transition_cve_request(
    conn: &mut PgConnection,
    ctx: Ctx<'_>,
    public_id: &str,
    task_id: i64,
    input: &TransitionInput,
) -> Result<Transitioned, ServiceError> {
    let (row, facts) = visible_locked(conn, ctx, public_id).await?;
    if !perm::can_review(Some(ctx.actor)) {
        return Err(ServiceError::Forbidden(refusal::NOT_ADMIN.into()));
    }
    let task = sqlx::query_as!(
        Task,
        "SELECT id, status FROM cve_request_task WHERE id = $1 AND advisory_id = $2 FOR UPDATE",
        task_id,
        row.id
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(ServiceError::NotFound)?;
    let target = input.status.trim();
    if !matches!(target, "reserved" | "rejected" | "cancelled") {
        return Err(field("status", "invalid_status", refusal::STATUS_UNKNOWN));
    }
    if input.ban_future_requests && target != "rejected" {
        return Err(field(
            "ban_future_requests",
            "invalid",
            refusal::BAN_ONLY_ON_REJECT,
        ));
    }
    let cve_id = if target == "reserved" {
        checked_cve_id("cve_id", &input.cve_id)?
    } else {
        String::new()
    };
    let notes = checked_text(
        "notes",
        &input.notes,
        (target == "rejected").then_some(refusal::NOTES_REQUIRED),
    )?;
    if task.status != "queued" {
        return Err(ServiceError::InvalidState(refusal::NOT_QUEUED.into()));
    }
    let outcome = match target {
        "reserved" => {
            if !facts.assigned_cve_id_blank {
                return Err(ServiceError::InvalidState(refusal::ASSIGNED.into()));
            }
            reserve(conn, ctx, &row, task.id, &cve_id).await?;
            Transitioned::Reserved(cve_id.clone())
        }
        "rejected" => {
            let banned = input.ban_future_requests && !facts.cve_requests_banned;
            reject(conn, ctx, row.id, task.id, notes, banned).await?;
            Transitioned::Rejected { banned }
        }
        _ => {
            sqlx::query!(
                "UPDATE cve_request_task SET status = 'cancelled', assignee = $2,
                        finished_at = now()
                 WHERE id = $1",
                task.id,
                ctx.actor.user_id
            )
            .execute(&mut *conn)
            .await?;
            Transitioned::Cancelled
        }
    };
    audit::record(
        conn,
        ctx.redactor,
        Entry::new(
            Action::CveTaskStatusChanged,
            Some(ctx.actor.user_id),
            ctx.origin,
        )
        .advisory(row.id)
        .values(
            Some(json!({"task_id": task.id, "status": "queued", "cve_id": ""})),
            Some(json!({"task_id": task.id, "status": target, "cve_id": cve_id})),
        )
        .metadata(json!({"notes_length": notes.chars().count()})),
    )
    .await?;
    Ok(outcome)
}

/// The `reserved` transition: the CVE is assigned (Q-4 checks), the task
/// records it, and a version the new payload.
async fn reserve(
    conn: &mut PgConnection,
    ctx: Ctx<'_>,
    row: &AdvisoryRow,
    task_id: i64,
    cve_id: &str,
) -> Result<(), ServiceError> {
    assign(conn, row.id, cve_id, "cve_id").await?;
    sqlx::query!(
        "UPDATE cve_request_task SET status = 'reserved', cve_id = $2, assignee = $3,
                finished_at = now()
         WHERE id = $1",
        task_id,
        cve_id,
        ctx.actor.user_id
    )
    .execute(&mut *conn)
    .await?;
    record_cve_version(conn, ctx, &row.advisory_id).await?;
    Ok(())
}

/// The `rejected` transition: the notes go on the task and, as a public
/// action note, on the thread; `ban` sets the request ban.
async fn reject(
    conn: &mut PgConnection,
    ctx: Ctx<'_>,
    advisory: i64,
    task_id: i64,
    notes: &str,
    ban: bool,
) -> Result<(), ServiceError> {
    sqlx::query!(
        "UPDATE cve_request_task SET status = 'rejected', notes = $2, assignee = $3,
                finished_at = now()
         WHERE id = $1",
        task_id,
        notes,
        ctx.actor.user_id
    )
    .execute(&mut *conn)
    .await?;
    record_action_note(conn, ctx, advisory, notes, false).await?;
    if ban {
        set_ban(conn, ctx, advisory, true).await?;
    }
    Ok(())
}

/// Assigns `cve_id` to the advisory after checking that no other advisory
/// holds it and that the orphan registry does not (Q-4): both are field
/// errors on `field_name`. The caller is an admin, who sees every advisory;
/// the unique index still answers a concurrent reservation of the same id.
async fn assign(
    conn: &mut PgConnection,
    advisory: i64,
    cve_id: &str,
    field_name: &str,
) -> Result<(), ServiceError> {
    let taken = sqlx::query!(
        r#"SELECT EXISTS (SELECT 1 FROM advisory WHERE assigned_cve_id = $1 AND id <> $2) AS "held!",
                  EXISTS (SELECT 1 FROM orphan_cve WHERE cve_id = $1) AS "orphaned!""#,
        cve_id,
        advisory
    )
    .fetch_one(&mut *conn)
    .await?;
    let (held, orphaned) = (taken.held, taken.orphaned);
    if held {
        return Err(field(field_name, "cve_taken", refusal::CVE_ID_TAKEN));
    }
    if orphaned {
        return Err(field(field_name, "cve_orphaned", refusal::CVE_ID_ORPHANED));
    }
    sqlx::query!(
        "UPDATE advisory SET assigned_cve_id = $2,
                republish_required = republish_required OR state = 'published'
         WHERE id = $1",
        advisory,
        cve_id
    )
    .execute(&mut *conn)
    .await
    .map_err(|e| {
        if is_cve_taken(&e) {
            field(field_name, "cve_taken", refusal::CVE_ID_TAKEN)
        } else {
            e.into()
        }
    })?;
    Ok(())
}

/// Sets or lifts the request ban, with its audit row.
async fn set_ban(
    conn: &mut PgConnection,
    ctx: Ctx<'_>,
    advisory: i64,
    banned: bool,
) -> Result<(), ServiceError> {
    sqlx::query!(
        "UPDATE advisory SET cve_requests_banned = $2 WHERE id = $1",
        advisory,
        banned
    )
    .execute(&mut *conn)
    .await?;
    let action = if banned {
        Action::CveRequestBanned
    } else {
        Action::CveRequestUnbanned
    };
    audit::record(
        conn,
        ctx.redactor,
        Entry::new(action, Some(ctx.actor.user_id), ctx.origin)
            .advisory(advisory)
            .values(Some(json!(!banned)), Some(json!(banned))),
    )
    .await?;
    Ok(())
}

/// `unban_cve_requests` (20-lifecycle §8.4): a global admin lifts the ban.
/// Without a ban nothing is written, not even an audit row (INV-CVE-3).
/// Returns whether a ban was lifted.
pub async fn unban_cve_requests(
    conn: &mut PgConnection,
    ctx: Ctx<'_>,
    public_id: &str,
) -> Result<bool, ServiceError> {
    let (row, facts) = visible_locked(conn, ctx, public_id).await?;
    if !perm::can_review(Some(ctx.actor)) {
        return Err(ServiceError::Forbidden(refusal::NOT_ADMIN.into()));
    }
    if !facts.cve_requests_banned {
        return Ok(false);
    }
    set_ban(conn, ctx, row.id, false).await?;
    Ok(true)
}

/// `unassign_cve` (20-lifecycle §8.5): a global admin moves the assigned CVE
/// to the orphan registry, with a non-blank reason posted as an internal
/// note. Returns the orphan's id.
pub async fn unassign_cve(
    conn: &mut PgConnection,
    ctx: Ctx<'_>,
    public_id: &str,
    reason: &str,
) -> Result<i64, ServiceError> {
    let (row, facts) = visible_locked(conn, ctx, public_id).await?;
    if !perm::can_unassign_cve(Some(ctx.actor)) {
        return Err(ServiceError::Forbidden(refusal::NOT_ADMIN.into()));
    }
    let reason = checked_text("reason", reason, Some(refusal::REASON_REQUIRED))?;
    if facts.assigned_cve_id_blank {
        return Err(ServiceError::InvalidState(refusal::NONE_ASSIGNED.into()));
    }
    unassign_locked(conn, ctx, &row, reason).await
}

/// Locks the advisory `advisory` (when there is one) before a row that
/// hangs off it, in the order every CVE service takes its locks; its public
/// id.
async fn lock_advisory(
    conn: &mut PgConnection,
    advisory: i64,
) -> Result<Option<String>, ServiceError> {
    Ok(sqlx::query_scalar!(
        "SELECT advisory_id FROM advisory WHERE id = $1 FOR UPDATE",
        advisory
    )
    .fetch_optional(conn)
    .await?)
}

/// `mark_orphan_rejected` (20-lifecycle §8.5): a global admin records that
/// the orphan was rejected at cve.org, with optional notes (kept on the
/// orphan, never posted as a comment). Only an `orphaned` orphan.
pub async fn mark_orphan_rejected(
    conn: &mut PgConnection,
    ctx: Ctx<'_>,
    orphan_id: i64,
    notes: &str,
) -> Result<(), ServiceError> {
    if !perm::can_manage_orphan_cves(Some(ctx.actor)) {
        return Err(ServiceError::Forbidden(refusal::NOT_ADMIN.into()));
    }
    let previous = sqlx::query_scalar!(
        "SELECT previous_advisory_id FROM orphan_cve WHERE id = $1",
        orphan_id
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(ServiceError::NotFound)?;
    if let Some(advisory) = previous {
        lock_advisory(conn, advisory).await?;
    }
    let orphan = sqlx::query_as!(
        Orphan,
        "SELECT id, cve_id, previous_advisory_id, status FROM orphan_cve WHERE id = $1 FOR UPDATE",
        orphan_id
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(ServiceError::NotFound)?;
    let notes = checked_text("notes", notes, None)?;
    if orphan.status != "orphaned" {
        return Err(ServiceError::InvalidState(
            refusal::ORPHAN_NOT_ORPHANED.into(),
        ));
    }
    sqlx::query!(
        "UPDATE orphan_cve SET status = 'marked_rejected', marked_rejected_by = $2,
                marked_rejected_at = now(), marked_rejected_notes = $3
         WHERE id = $1",
        orphan.id,
        ctx.actor.user_id,
        notes
    )
    .execute(&mut *conn)
    .await?;
    let mut entry = Entry::new(
        Action::CveMarkedRejectedAtCveOrg,
        Some(ctx.actor.user_id),
        ctx.origin,
    )
    .values(
        Some(json!({"orphan_id": orphan.id, "status": "orphaned"})),
        Some(json!({"orphan_id": orphan.id, "status": "marked_rejected"})),
    )
    .metadata(json!({"cve_id": orphan.cve_id, "notes": notes}));
    if let Some(advisory) = orphan.previous_advisory_id {
        entry = entry.advisory(advisory);
    }
    audit::record(conn, ctx.redactor, entry).await?;
    Ok(())
}

/// An admin's resolution of an orphan reassignment task, as typed.
#[derive(Clone, Debug, Default)]
pub struct ResolveInput {
    /// `reassigned` (the rejection was undone at cve.org) or `replaced`.
    pub outcome: String,
    /// The new CVE (required when replaced).
    pub replacement_cve_id: String,
    pub notes: String,
}

/// A reassignment task as its resolution needs it.
struct ReassignmentTask {
    id: i64,
    orphan_cve_id: i64,
    advisory_id: i64,
    status: String,
    requested_by: Option<i64>,
}

/// `resolve_orphan_reassignment` (20-lifecycle §8.6): a global admin
/// resolves a queued task: `reassigned` reattaches the orphan's CVE;
/// `replaced` assigns a new CVE through a request created directly in
/// `reserved` (the orphan stays as it is, awaiting rejection). Returns the
/// CVE the advisory holds afterwards.
pub async fn resolve_orphan_reassignment(
    conn: &mut PgConnection,
    ctx: Ctx<'_>,
    task_id: i64,
    input: &ResolveInput,
) -> Result<String, ServiceError> {
    if !perm::can_manage_orphan_cves(Some(ctx.actor)) {
        return Err(ServiceError::Forbidden(refusal::NOT_ADMIN.into()));
    }
    let advisory = sqlx::query_scalar!(
        "SELECT advisory_id FROM orphan_cve_reassignment_task WHERE id = $1",
        task_id
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(ServiceError::NotFound)?;
    let public_id = lock_advisory(conn, advisory)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let task = sqlx::query_as!(
        ReassignmentTask,
        "SELECT id, orphan_cve_id, advisory_id, status, requested_by
         FROM orphan_cve_reassignment_task WHERE id = $1 FOR UPDATE",
        task_id
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(ServiceError::NotFound)?;
    let orphan = sqlx::query_as!(
        Orphan,
        "SELECT id, cve_id, previous_advisory_id, status FROM orphan_cve WHERE id = $1 FOR UPDATE",
        task.orphan_cve_id
    )
    .fetch_one(&mut *conn)
    .await?;
    let outcome = input.outcome.trim();
    let replacement = match outcome {
        "reassigned" => None,
        "replaced" => Some(checked_cve_id(
            "replacement_cve_id",
            &input.replacement_cve_id,
        )?),
        _ => return Err(field("outcome", "invalid", refusal::OUTCOME_UNKNOWN)),
    };
    let notes = checked_text("notes", &input.notes, None)?;
    if task.status != "queued" {
        return Err(ServiceError::InvalidState(refusal::TASK_RESOLVED.into()));
    }
    let cve_id = if let Some(replacement) = replacement {
        replace(conn, ctx, &task, &public_id, &replacement, notes).await?;
        replacement
    } else {
        match reassign_orphan_cve(conn, ctx, task.advisory_id, &orphan).await? {
            Reattach::Done => {}
            Reattach::Conflict(key) => return Err(ServiceError::InvalidState(key.into())),
        }
        sqlx::query!(
            "UPDATE orphan_cve_reassignment_task SET status = 'resolved_reassigned',
                    resolved_by = $2, resolution_notes = $3, finished_at = now()
             WHERE id = $1",
            task.id,
            ctx.actor.user_id,
            notes
        )
        .execute(&mut *conn)
        .await?;
        orphan.cve_id.clone()
    };
    let status = if outcome == "replaced" {
        "resolved_replaced"
    } else {
        "resolved_reassigned"
    };
    audit::record(
        conn,
        ctx.redactor,
        Entry::new(
            Action::CveOrphanReassignmentResolved,
            Some(ctx.actor.user_id),
            ctx.origin,
        )
        .advisory(task.advisory_id)
        .values(
            Some(json!({"task_id": task.id, "status": "queued"})),
            Some(json!({"task_id": task.id, "status": status, "cve_id": cve_id})),
        )
        .metadata(json!({
            "orphan_id": orphan.id,
            "orphan_cve_id": orphan.cve_id,
            "notes": notes,
        })),
    )
    .await?;
    Ok(cve_id)
}

/// The `replaced` resolution: the advisory must hold no CVE; the
/// replacement is assigned (Q-4 checks) through a request created directly
/// in `reserved` for the task's requester.
async fn replace(
    conn: &mut PgConnection,
    ctx: Ctx<'_>,
    task: &ReassignmentTask,
    public_id: &str,
    replacement: &str,
    notes: &str,
) -> Result<(), ServiceError> {
    let now = cve_columns(conn, task.advisory_id).await?;
    if !now.assigned_cve_id.is_empty() {
        return Err(ServiceError::InvalidState(
            refusal::ADVISORY_HOLDS_CVE.into(),
        ));
    }
    assign(conn, task.advisory_id, replacement, "replacement_cve_id").await?;
    let request = sqlx::query_scalar!(
        "INSERT INTO cve_request_task (advisory_id, status, requested_by, assignee, cve_id,
                                       notes, finished_at)
         VALUES ($1, 'reserved', $2, $3, $4, $5, now()) RETURNING id",
        task.advisory_id,
        task.requested_by,
        ctx.actor.user_id,
        replacement,
        notes
    )
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query!(
        "UPDATE orphan_cve_reassignment_task SET status = 'resolved_replaced',
                resolved_by = $2, replacement_cve_id = $3, resolution_notes = $4,
                finished_at = now()
         WHERE id = $1",
        task.id,
        ctx.actor.user_id,
        replacement,
        notes
    )
    .execute(&mut *conn)
    .await?;
    record_cve_version(conn, ctx, public_id).await?;
    audit::record(
        conn,
        ctx.redactor,
        Entry::new(
            Action::CveTaskStatusChanged,
            Some(ctx.actor.user_id),
            ctx.origin,
        )
        .advisory(task.advisory_id)
        .values(
            None,
            Some(json!({"task_id": request, "status": "reserved", "cve_id": replacement})),
        )
        .metadata(json!({"from_reassignment_task_id": task.id})),
    )
    .await?;
    Ok(())
}
