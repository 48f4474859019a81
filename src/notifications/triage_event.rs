//! Triage notifications (20-lifecycle §18): `notify.triage_event` for a
//! report submitted, promoted, dismissed, moved, unflagged or flagged for
//! routing, and for any reopened advisory. The recipients are the active
//! members of the advisory's current project's security team (the admins
//! alone for a routing flag), each re-checked against the advisory as it is
//! when the job runs (INV-PRIVACY-2); the gate is the global
//! `on_triage_event` preference; the inbox kind is `triage`. Whoever caused
//! the event is not told about it.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::delivery::Kind;
use super::recipients::{self, Recipient};
use super::send::{self, Addressee, Governance, Notice, Reason};
use crate::access::permissions as perm;
use crate::db::{self, Principal};
use crate::jobs::{Job, JobContext, JobError};

/// The triage events of §18.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TriageEventKind {
    AdvisoryTriageSubmitted,
    AdvisoryTriagePromoted,
    AdvisoryTriageDismissed,
    AdvisoryTriageReassigned,
    AdvisoryRoutingFlagCleared,
    AdvisoryReopened,
    /// For the admins only (no team, no shadows).
    AdvisoryFlaggedForRouting,
}

impl TriageEventKind {
    /// The event's name in §18.
    pub fn as_str(self) -> &'static str {
        match self {
            TriageEventKind::AdvisoryTriageSubmitted => "advisory_triage_submitted",
            TriageEventKind::AdvisoryTriagePromoted => "advisory_triage_promoted",
            TriageEventKind::AdvisoryTriageDismissed => "advisory_triage_dismissed",
            TriageEventKind::AdvisoryTriageReassigned => "advisory_triage_reassigned",
            TriageEventKind::AdvisoryRoutingFlagCleared => "advisory_routing_flag_cleared",
            TriageEventKind::AdvisoryReopened => "advisory_reopened",
            TriageEventKind::AdvisoryFlaggedForRouting => "advisory_flagged_for_routing",
        }
    }

    fn subject_key(self) -> &'static str {
        match self {
            TriageEventKind::AdvisoryTriageSubmitted => "lifecycle-email-subject-triage-submitted",
            TriageEventKind::AdvisoryTriagePromoted => "lifecycle-email-subject-triage-promoted",
            TriageEventKind::AdvisoryTriageDismissed => "lifecycle-email-subject-triage-dismissed",
            TriageEventKind::AdvisoryTriageReassigned => {
                "lifecycle-email-subject-triage-reassigned"
            }
            TriageEventKind::AdvisoryRoutingFlagCleared => {
                "lifecycle-email-subject-routing-flag-cleared"
            }
            TriageEventKind::AdvisoryReopened => "lifecycle-email-subject-reopened",
            TriageEventKind::AdvisoryFlaggedForRouting => {
                "lifecycle-email-subject-flagged-for-routing"
            }
        }
    }

    fn headline_key(self) -> &'static str {
        match self {
            TriageEventKind::AdvisoryTriageSubmitted => "lifecycle-email-headline-triage-submitted",
            TriageEventKind::AdvisoryTriagePromoted => "lifecycle-email-headline-triage-promoted",
            TriageEventKind::AdvisoryTriageDismissed => "lifecycle-email-headline-triage-dismissed",
            TriageEventKind::AdvisoryTriageReassigned => {
                "lifecycle-email-headline-triage-reassigned"
            }
            TriageEventKind::AdvisoryRoutingFlagCleared => {
                "lifecycle-email-headline-routing-flag-cleared"
            }
            TriageEventKind::AdvisoryReopened => "lifecycle-email-headline-reopened",
            TriageEventKind::AdvisoryFlaggedForRouting => {
                "lifecycle-email-headline-flagged-for-routing"
            }
        }
    }

    /// Whether `r` is in this event's audience: the admins for a routing
    /// flag, the project's security team otherwise.
    fn reaches(self, r: &Recipient) -> bool {
        match self {
            TriageEventKind::AdvisoryFlaggedForRouting => r.actor.is_admin,
            TriageEventKind::AdvisoryTriageSubmitted
            | TriageEventKind::AdvisoryTriagePromoted
            | TriageEventKind::AdvisoryTriageDismissed
            | TriageEventKind::AdvisoryTriageReassigned
            | TriageEventKind::AdvisoryRoutingFlagCleared
            | TriageEventKind::AdvisoryReopened => r.on_team,
        }
    }
}

/// Something happened to a report, or an advisory was reopened.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TriageEvent {
    pub advisory_id: i64,
    pub event: TriageEventKind,
    /// Who caused it; `None` for the system.
    pub actor_id: Option<i64>,
}

impl Job for TriageEvent {
    const NAME: &'static str = "notify.triage_event";
    const TIMEOUT: Duration = Duration::from_secs(120);

    async fn run(&self, ctx: &JobContext) -> Result<(), JobError> {
        let mut tx = db::begin_as(&ctx.pool, Principal::System).await?;
        let Some(row) = recipients::advisory(&mut tx, self.advisory_id).await? else {
            return Ok(());
        };
        let facts = row.facts().map_err(|e| JobError::Fatal(e.to_string()))?;
        let everyone =
            recipients::candidates(&mut tx, &row, &facts, &ctx.config.oidc.admin_group).await?;
        tx.commit().await?;
        let to: Vec<Addressee<'_>> = everyone
            .iter()
            .filter(|r| Some(r.actor.user_id) != self.actor_id)
            .filter(|r| self.event.reaches(r))
            .filter(|r| perm::can_view(Some(&r.actor), &r.facts))
            .filter(|r| r.prefs.on_triage_event)
            .map(|recipient| Addressee {
                recipient,
                reason: Reason::of(recipient),
                governance: Governance::Global,
            })
            .collect();
        let notice = Notice {
            kind: Kind::Triage,
            advisory: &row,
            comment_id: None,
            subject_key: self.event.subject_key(),
            headline_key: self.event.headline_key(),
            event: self.event.as_str(),
            author: None,
        };
        send::deliver(ctx, &notice, &to).await?;
        Ok(())
    }
}
