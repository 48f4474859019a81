//! Retention (90-operations §8, 20-lifecycle §17.4): `prune-audit` and
//! `prune-reports`, the pruning floor that timelines show, and the one
//! controlled way past the append-only triggers that `prune-audit` and
//! `forget-user` share (INV-AUDIT-1, B-2).
//!
//! The bypass needs both a transaction-local `advisoryhub.retention_op = on`,
//! which only [`open_bypass`] sets, and a database role that is a member of
//! `hub_retention`; the triggers check both. Every run records itself in the
//! same transaction, so a run whose audit row fails leaves nothing changed.

use serde_json::json;
use sqlx::PgConnection;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::audit::catalogue::Action;
use crate::audit::redact::Redactor;
use crate::audit::{self, Entry};
use crate::jobs::exclusive;

/// Ledger actions `prune-audit` keeps whatever their age: first-view
/// receipts (Q-22) and its own records, which hold the pruning floor.
pub const KEPT_ACTIONS: [&str; 2] = ["advisory.first_seen", "audit.pruned"];
/// `prune-audit`'s default horizon (90-operations §8).
pub const DEFAULT_AUDIT_DAYS: u32 = 3650;

const AUDIT_LOCK: &str = "ops.prune_audit";
const REPORTS_LOCK: &str = "ops.prune_reports";

/// Why a retention run did not happen.
#[derive(Debug, thiserror::Error)]
pub enum RetentionError {
    #[error(
        "the database role {0:?} is not a member of hub_retention, and only members may \
         prune or rewrite the append-only ledger (docs/operations.md)"
    )]
    NotRetentionRole(String),
    #[error("{0}")]
    Invalid(String),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

impl From<audit::ledger::RecordError> for RetentionError {
    fn from(e: audit::ledger::RecordError) -> Self {
        RetentionError::Database(e.into())
    }
}

/// Lets the rest of the caller's transaction update and delete append-only
/// rows, after checking the role may; the only place that sets the flag.
pub async fn open_bypass(conn: &mut PgConnection) -> Result<(), RetentionError> {
    // CASE, not AND: pg_has_role raises for a role that does not exist.
    let row = sqlx::query!(
        r#"SELECT current_user::text AS "role!",
                  CASE WHEN EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'hub_retention')
                       THEN pg_has_role(current_user, 'hub_retention', 'MEMBER')
                       ELSE false END AS "member!""#
    )
    .fetch_one(&mut *conn)
    .await?;
    if !row.member {
        return Err(RetentionError::NotRetentionRole(row.role));
    }
    sqlx::query_scalar!("SELECT set_config('advisoryhub.retention_op', 'on', true)")
        .fetch_one(conn)
        .await?;
    Ok(())
}

/// The most aggressive of the cutoffs `prune-audit` recorded (the
/// `cutoff` of each `audit.pruned` entry): events before it may be missing,
/// which timelines say (20-lifecycle §19.7).
pub fn pruning_floor(cutoffs: &[String]) -> Option<OffsetDateTime> {
    cutoffs
        .iter()
        .filter_map(|c| OffsetDateTime::parse(c, &Rfc3339).ok())
        .max()
}

/// What `prune-audit` did, or with `dry_run` would do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditPruneReport {
    pub cutoff: OffsetDateTime,
    /// Rows deleted (or that would be).
    pub deleted: i64,
    /// Rows older than the cutoff kept anyway ([`KEPT_ACTIONS`]).
    pub kept: i64,
}

/// `prune-audit`: deletes ledger rows older than `days` before `now`, but
/// [`KEPT_ACTIONS`], and records `audit.pruned` even when nothing matched.
pub async fn prune_audit(
    conn: &mut PgConnection,
    redactor: &Redactor,
    now: OffsetDateTime,
    days: u32,
    reason: &str,
    dry_run: bool,
) -> Result<AuditPruneReport, RetentionError> {
    if days == 0 {
        return Err(RetentionError::Invalid(
            "--older-than-days must be at least 1".into(),
        ));
    }
    let reason = reason.trim();
    if reason.is_empty() && !dry_run {
        return Err(RetentionError::Invalid(
            "--reason is required: say why the ledger is pruned".into(),
        ));
    }
    let cutoff = now - time::Duration::days(i64::from(days));
    exclusive::lock(conn, AUDIT_LOCK).await?;
    let counts = sqlx::query!(
        r#"SELECT count(*) FILTER (WHERE action <> ALL($2)) AS "prunable!",
                  count(*) FILTER (WHERE action = ANY($2)) AS "kept!"
           FROM audit_log_entry WHERE created_at < $1"#,
        cutoff,
        &KEPT_ACTIONS.map(str::to_owned)
    )
    .fetch_one(&mut *conn)
    .await?;
    if dry_run {
        return Ok(AuditPruneReport {
            cutoff,
            deleted: counts.prunable,
            kept: counts.kept,
        });
    }
    open_bypass(conn).await?;
    let deleted = sqlx::query!(
        "DELETE FROM audit_log_entry WHERE created_at < $1 AND action <> ALL($2)",
        cutoff,
        &KEPT_ACTIONS.map(str::to_owned)
    )
    .execute(&mut *conn)
    .await?
    .rows_affected();
    let deleted = i64::try_from(deleted).unwrap_or(i64::MAX);
    let cutoff_text = cutoff
        .format(&Rfc3339)
        .map_err(|e| RetentionError::Invalid(e.to_string()))?;
    audit::record(
        conn,
        redactor,
        Entry::new(Action::AuditPruned, None, None).metadata(json!({
            "horizon_days": days,
            "cutoff": cutoff_text,
            "deleted": deleted,
            "kept": counts.kept,
            "reason": reason,
            "via": "cli",
        })),
    )
    .await?;
    Ok(AuditPruneReport {
        cutoff,
        deleted,
        kept: counts.kept,
    })
}

/// What `prune-reports` scrubbed, or with `dry_run` would scrub.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReportsPruneReport {
    /// Intake sidecars whose reporter link, name, address and browser went.
    pub sidecars: i64,
    /// Honeypot rows whose address, browser and field value went.
    pub honeypots: i64,
}

/// Which intake data `prune-reports` scrubs.
#[derive(Clone, Copy, Debug)]
pub enum ReportsScope<'a> {
    /// Sidecars of advisories out of triage and unmodified for `days`, and
    /// honeypot rows older than `days`.
    OlderThan(u32),
    /// The sidecar of one advisory (public id), whatever its age.
    Advisory(&'a str),
}

/// `prune-reports` (90-operations §8): scrubs reporter data from intake
/// sidecars and honeypot rows, stamps `pii_cleared_at`, and records
/// `intake.reports_pruned` with the counts.
pub async fn prune_reports(
    conn: &mut PgConnection,
    redactor: &Redactor,
    now: OffsetDateTime,
    scope: ReportsScope<'_>,
    dry_run: bool,
) -> Result<ReportsPruneReport, RetentionError> {
    exclusive::lock(conn, REPORTS_LOCK).await?;
    let (sidecar_ids, cutoff) = match scope {
        ReportsScope::Advisory(public_id) => {
            let found = sqlx::query!(
                r#"SELECT i.id AS "intake?" FROM advisory a
                   LEFT JOIN advisory_intake i ON i.advisory_id = a.id
                   WHERE a.advisory_id = $1"#,
                public_id
            )
            .fetch_optional(&mut *conn)
            .await?
            .ok_or_else(|| RetentionError::Invalid(format!("no advisory {public_id}")))?;
            let id = found.intake.ok_or_else(|| {
                RetentionError::Invalid(format!("advisory {public_id} has no intake report"))
            })?;
            (vec![id], None)
        }
        ReportsScope::OlderThan(days) => {
            if days == 0 {
                return Err(RetentionError::Invalid(
                    "--retention-days must be at least 1".into(),
                ));
            }
            let cutoff = now - time::Duration::days(i64::from(days));
            let ids = sqlx::query_scalar!(
                "SELECT i.id FROM advisory_intake i JOIN advisory a ON a.id = i.advisory_id
                 WHERE a.state <> 'triage' AND a.modified_at < $1 AND i.pii_cleared_at IS NULL",
                cutoff
            )
            .fetch_all(&mut *conn)
            .await?;
            (ids, Some(cutoff))
        }
    };
    let honeypots = match cutoff {
        Some(cutoff) => {
            sqlx::query_scalar!(
                r#"SELECT count(*) AS "n!" FROM honeypot_submission
               WHERE submitted_at < $1 AND pii_cleared_at IS NULL"#,
                cutoff
            )
            .fetch_one(&mut *conn)
            .await?
        }
        None => 0,
    };
    let mut report = ReportsPruneReport {
        sidecars: i64::try_from(sidecar_ids.len()).unwrap_or(i64::MAX),
        honeypots,
    };
    if dry_run {
        return Ok(report);
    }
    sqlx::query!(
        "UPDATE advisory_intake SET reporter_user_id = NULL, reporter_display_name = '',
                submitted_ip = NULL, submitted_user_agent = '', pii_cleared_at = $2
         WHERE id = ANY($1)",
        &sidecar_ids,
        now
    )
    .execute(&mut *conn)
    .await?;
    if let Some(cutoff) = cutoff {
        let scrubbed = sqlx::query!(
            "UPDATE honeypot_submission SET submitted_ip = NULL, submitted_user_agent = '',
                    honeypot_field_value = '', pii_cleared_at = $2
             WHERE submitted_at < $1 AND pii_cleared_at IS NULL",
            cutoff,
            now
        )
        .execute(&mut *conn)
        .await?
        .rows_affected();
        report.honeypots = i64::try_from(scrubbed).unwrap_or(i64::MAX);
    }
    let (days, advisory) = match scope {
        ReportsScope::OlderThan(days) => (Some(days), None),
        ReportsScope::Advisory(id) => (None, Some(id)),
    };
    audit::record(
        conn,
        redactor,
        Entry::new(Action::IntakeReportsPruned, None, None).metadata(json!({
            "retention_days": days,
            "advisory": advisory,
            "sidecars": report.sidecars,
            "honeypots": report.honeypots,
            "via": "cli",
        })),
    )
    .await?;
    Ok(report)
}
