//! Lifecycle notifications (20-lifecycle §18): `notify.advisory_event` for
//! an advisory created in (or moved to) a project, submitted for review,
//! withdrawn from review, published, or failing to publish. Recipients and their preferences are
//! read when the job runs (INV-PRIVACY-2); whoever caused the event is not
//! told about it.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::delivery::Kind;
use super::recipients::{self, Recipient, Resolved};
use super::send::{self, Addressee, Governance, Notice, Reason};
use crate::db::{self, Principal};
use crate::jobs::{Job, JobContext, JobError};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    /// Created in, or moved into, its project: its security team hears.
    AdvisoryCreated,
    AdvisorySubmittedForReview,
    AdvisoryPublished,
    /// A publication failed.
    PublicationExportStatus,
    /// An owner withdrew a pending review: news for the reviewers, the
    /// global admins.
    AdvisoryReviewWithdrawn,
}

/// Something happened to an advisory.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AdvisoryEvent {
    pub advisory_id: i64,
    pub event: Event,
    /// Who caused it; `None` for the system.
    pub actor_id: Option<i64>,
}

impl Event {
    fn as_str(self) -> &'static str {
        match self {
            Event::AdvisoryCreated => "advisory_created",
            Event::AdvisorySubmittedForReview => "advisory_submitted_for_review",
            Event::AdvisoryPublished => "advisory_published",
            Event::PublicationExportStatus => "publication_export_status",
            Event::AdvisoryReviewWithdrawn => "advisory_review_withdrawn",
        }
    }

    fn kind(self) -> Kind {
        match self {
            Event::AdvisoryCreated => Kind::AdvisoryCreated,
            Event::AdvisorySubmittedForReview => Kind::AdvisorySubmittedForReview,
            Event::AdvisoryPublished => Kind::AdvisoryPublished,
            Event::PublicationExportStatus => Kind::PublicationExportStatus,
            Event::AdvisoryReviewWithdrawn => Kind::AdvisoryReviewWithdrawn,
        }
    }

    fn subject_key(self) -> &'static str {
        match self {
            Event::AdvisoryCreated => "email-subject-created",
            Event::AdvisorySubmittedForReview => "email-subject-submitted",
            Event::AdvisoryPublished => "email-subject-published",
            Event::PublicationExportStatus => "email-subject-export-status",
            Event::AdvisoryReviewWithdrawn => "email-subject-review-withdrawn",
        }
    }

    /// Whether `r` wants it, and whether an override decided. Creation
    /// reaches the project's team only, by the global setting alone. A
    /// withdrawn review reaches the admins only, under the same
    /// setting as the submission it takes back.
    fn wanted(self, r: &Recipient) -> Option<Resolved> {
        let p = &r.prefs;
        match self {
            Event::AdvisoryCreated => r.on_team.then_some(Resolved {
                on: p.on_advisory_created,
                by_override: false,
            }),
            Event::AdvisorySubmittedForReview => Some(p.on_advisory_submitted_for_review),
            Event::AdvisoryPublished => Some(p.on_advisory_published),
            Event::PublicationExportStatus => Some(p.on_publication_export_status),
            Event::AdvisoryReviewWithdrawn => r
                .actor
                .is_admin
                .then_some(p.on_advisory_submitted_for_review),
        }
    }
}

impl Job for AdvisoryEvent {
    const NAME: &'static str = "notify.advisory_event";
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
            .filter_map(|recipient| {
                let wanted = self.event.wanted(recipient).filter(|w| w.on)?;
                Some(Addressee {
                    recipient,
                    reason: Reason::of(recipient),
                    governance: Governance::of(wanted.by_override),
                })
            })
            .collect();
        let notice = Notice {
            kind: self.event.kind(),
            advisory: &row,
            comment_id: None,
            subject_key: self.event.subject_key(),
            headline_key: "email-event-headline",
            event: self.event.as_str(),
            author: None,
        };
        send::deliver(ctx, &notice, &to).await?;
        Ok(())
    }
}
