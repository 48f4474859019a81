//! The review card of the advisory page (50-web-ui §6.3): the review status
//! with its hint, the open task and the version it pinned (with a link to
//! the changes since), the latest decision and its notes, and the actions
//! the caller may take, each shown only when its predicate holds (the
//! services check again under the row lock, INV-AUTH-1). One statement.

use time::OffsetDateTime;

use crate::access::permissions::{self as perm, Actor, AdvisoryFacts, Kind, ReviewStatus, State};
use crate::access::privacy::user_label;
use crate::advisories::pages::when;
use crate::advisories::repo::AdvisoryRow;
use crate::web::routes;

/// The open task: who submitted which version, and when.
pub struct OpenTask {
    /// The pinned version's number (INV-REVIEW-2).
    pub version: i32,
    pub submitter: String,
    pub when: String,
    /// The history page comparing the pinned version with the latest, when
    /// an admin edited since.
    pub diff_href: Option<String>,
}

/// The latest decided task.
pub struct Decision {
    /// `review-status-approved` or `review-status-changes_requested`.
    pub status_key: &'static str,
    pub reviewer: String,
    pub when: String,
    pub notes: String,
}

/// What the card shows.
#[expect(
    clippy::struct_excessive_bools,
    reason = "one flag per action the card may offer"
)]
pub struct Panel {
    /// GHSA-linked advisories have no review, and no card.
    pub shown: bool,
    pub public_id: String,
    /// The review status as stored, for the badge's class.
    pub status: String,
    pub status_key: &'static str,
    pub hint_key: &'static str,
    pub open: Option<OpenTask>,
    pub decision: Option<Decision>,
    pub can_submit: bool,
    pub can_withdraw: bool,
    pub can_decide: bool,
    pub can_revoke: bool,
    pub can_reopen: bool,
}

impl Panel {
    pub fn submit_href(&self) -> String {
        routes::of_advisory(routes::REVIEW_SUBMIT, &self.public_id)
    }

    pub fn withdraw_href(&self) -> String {
        routes::of_advisory(routes::REVIEW_WITHDRAW, &self.public_id)
    }

    pub fn decide_href(&self) -> String {
        routes::of_advisory(routes::REVIEW_DECIDE, &self.public_id)
    }

    pub fn revoke_href(&self) -> String {
        routes::of_advisory(routes::REVIEW_REVOKE, &self.public_id)
    }

    pub fn reopen_href(&self) -> String {
        routes::of_advisory(routes::REVIEW_REOPEN, &self.public_id)
    }

    /// Whether any action is offered.
    pub fn has_actions(&self) -> bool {
        self.can_submit
            || self.can_withdraw
            || self.can_decide
            || self.can_revoke
            || self.can_reopen
    }
}

/// The message key of a review status.
pub fn status_key(status: &str) -> &'static str {
    match status {
        "submitted" => "review-status-submitted",
        "approved" => "review-status-approved",
        "changes_requested" => "review-status-changes_requested",
        _ => "review-status-none",
    }
}

/// The one-line, role-neutral hint (50-web-ui §6.3).
fn hint_key(facts: &AdvisoryFacts) -> &'static str {
    match (facts.state, facts.review_status) {
        (State::Triage, _) => "review-hint-triage",
        (State::Dismissed, _) => "review-hint-dismissed",
        (State::Published, ReviewStatus::None) => "review-hint-published",
        (State::Draft, ReviewStatus::None) => "review-hint-none",
        (State::Draft | State::Published, ReviewStatus::Submitted) => "review-hint-submitted",
        (State::Draft | State::Published, ReviewStatus::Approved) => "review-hint-approved",
        (State::Draft | State::Published, ReviewStatus::ChangesRequested) => {
            "review-hint-changes-requested"
        }
    }
}

/// The open review and the last decision, as `advisories::panels` reads them.
#[derive(Debug, serde::Deserialize)]
pub struct ReviewRow {
    open_version: Option<i32>,
    #[serde(with = "time::serde::rfc3339::option")]
    open_at: Option<OffsetDateTime>,
    submitter_id: Option<i64>,
    submitter_name: Option<String>,
    submitter_email: Option<String>,
    decided_status: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    decided_at: Option<OffsetDateTime>,
    decision_notes: Option<String>,
    reviewer_id: Option<i64>,
    reviewer_name: Option<String>,
    reviewer_email: Option<String>,
}

/// The card for `actor` on `row`, from its review tasks.
pub fn build(actor: &Actor, row: &AdvisoryRow, facts: &AdvisoryFacts, tasks: ReviewRow) -> Panel {
    let mut panel = Panel {
        shown: facts.kind == Kind::Native,
        public_id: row.advisory_id.clone(),
        status: row.review_status.clone(),
        status_key: status_key(&row.review_status),
        hint_key: hint_key(facts),
        open: None,
        decision: None,
        can_submit: false,
        can_withdraw: false,
        can_decide: false,
        can_revoke: false,
        can_reopen: false,
    };
    // Triage reports have never been reviewed; nothing to show.
    if !panel.shown || facts.state == State::Triage {
        return panel;
    }
    let show_emails = perm::can_see_user_emails(Some(actor), facts);
    // Everyone sees their own address (INV-PRIVACY-4).
    let label = |id: Option<i64>, name: Option<String>, email: Option<String>| match email {
        Some(email) => user_label(
            name.as_deref().unwrap_or_default(),
            &email,
            show_emails || id == Some(actor.user_id),
        ),
        None => String::new(),
    };
    if let (Some(version), Some(at)) = (tasks.open_version, tasks.open_at) {
        panel.open = Some(OpenTask {
            version,
            submitter: label(
                tasks.submitter_id,
                tasks.submitter_name,
                tasks.submitter_email,
            ),
            when: when(at),
            diff_href: (version < row.latest_version).then(|| {
                format!(
                    "{}?from={version}&to={}",
                    routes::advisory_history(&row.advisory_id),
                    row.latest_version
                )
            }),
        });
    }
    if let (Some(status), Some(at)) = (tasks.decided_status, tasks.decided_at) {
        panel.decision = Some(Decision {
            status_key: status_key(&status),
            reviewer: label(tasks.reviewer_id, tasks.reviewer_name, tasks.reviewer_email),
            when: when(at),
            notes: tasks.decision_notes.unwrap_or_default(),
        });
    }
    let who = Some(actor);
    panel.can_submit = perm::can_submit_for_review(who, facts);
    panel.can_withdraw = perm::can_withdraw_review(who, facts);
    panel.can_decide = perm::can_review(who) && panel.open.is_some();
    panel.can_revoke = perm::can_revoke_approval(who, facts);
    panel.can_reopen = perm::can_reopen_review(who, facts);
    panel
}
