//! The publication card of the advisory page (50-web-ui §6.3): the latest
//! run's status, the hint for the advisory's state, the latest run's details
//! and documents, a short history, and the Publish / Re-publish and Retry
//! forms, each shown only when `can_publish` holds (the handlers and the
//! service check again). One statement; the advisory row carries the rest.
//!
//! While a run is queued or running the card polls its own address (the
//! polling paragraph before 50-web-ui §11); without JavaScript it offers a
//! link that reloads the page.

use sqlx::PgConnection;
use time::OffsetDateTime;

use crate::access::permissions::{
    self as perm, Actor, AdvisoryFacts, Kind, ReviewStatus, Role, State,
};
use crate::access::privacy::user_label;
use crate::advisories::pages::{iso, when};
use crate::advisories::panels::PanelData;
use crate::advisories::repo::AdvisoryRow;
use crate::web::routes;

/// Runs shown in the history, newest first.
pub const HISTORY_LIMIT: i64 = 10;

/// The document kinds, in the order the card lists them.
pub const KINDS: [&str; 3] = ["osv", "csaf", "cve"];

/// One publication run as the card shows it.
#[derive(Clone, Debug)]
pub struct RunView {
    pub id: i64,
    /// `queued`, `running`, `succeeded` or `failed`.
    pub status: String,
    pub attempts: i32,
    /// The first 12 characters of the pushed commit, or `""`.
    pub commit: String,
    /// The redacted error, only for owners (`""` otherwise).
    pub last_error: String,
    /// The pinned version number.
    pub version: i32,
    pub enqueued_by: String,
    pub created: String,
    pub created_iso: String,
    pub finished: String,
    /// The stored documents' kinds, in [`KINDS`] order.
    pub kinds: Vec<String>,
}

impl RunView {
    /// The catalogue key of the status.
    pub fn status_key(&self) -> &'static str {
        status_key(&self.status)
    }
}

/// The catalogue key of a task status.
pub fn status_key(status: &str) -> &'static str {
    match status {
        "queued" => "publication-status-queued",
        "running" => "publication-status-running",
        "succeeded" => "publication-status-succeeded",
        "failed" => "publication-status-failed",
        _ => "publication-status-unknown",
    }
}

/// The card (the advisory page includes `publication/panel.html` with it as
/// `publication`).
#[derive(Clone, Debug, Default)]
#[expect(
    clippy::struct_excessive_bools,
    reason = "one flag per thing the card shows or offers"
)]
pub struct Panel {
    pub advisory_id: String,
    pub republish_required: bool,
    /// The catalogue key of the one-line hint.
    pub hint: &'static str,
    /// A run is queued or running: the card polls, no form is offered.
    pub busy: bool,
    /// Every run shown, newest first; the first is the latest.
    pub runs: Vec<RunView>,
    /// Owners see the redacted errors (50-web-ui §6.3).
    pub show_errors: bool,
    /// The catalogue key of the Publish… or Re-publish… disclosure, when
    /// the caller may start a run now.
    pub publish_label: Option<&'static str>,
    /// The latest run failed and the caller may publish.
    pub can_retry: bool,
    /// The advisory's newest version number (0 when it never ran).
    pub latest_version: i32,
}

impl Panel {
    /// The latest run, if any.
    pub fn latest(&self) -> Option<&RunView> {
        self.runs.first()
    }

    /// The catalogue key of the badge: the latest run's status or "Never
    /// run".
    pub fn badge_key(&self) -> &'static str {
        self.latest()
            .map_or("publication-never-run", RunView::status_key)
    }

    /// The badge's CSS modifier.
    pub fn badge_class(&self) -> &str {
        self.latest().map_or("never", |r| r.status.as_str())
    }

    /// The catalogue key of a document kind's preview link.
    pub fn preview_key(&self, kind: &str) -> &'static str {
        preview_key(kind)
    }

    /// "Diff against current": the run's pinned version against the newest,
    /// when they differ.
    pub fn diff_path(&self, run: &RunView) -> Option<String> {
        (run.version < self.latest_version).then(|| {
            format!(
                "{}?from={}&to={}",
                routes::of_advisory(routes::ADVISORY_HISTORY, &self.advisory_id),
                run.version,
                self.latest_version
            )
        })
    }

    pub fn publish_path(&self) -> String {
        routes::of_advisory(routes::PUBLICATION_PUBLISH, &self.advisory_id)
    }

    pub fn retry_path(&self, task_id: &i64) -> String {
        routes::of_publication_task(routes::PUBLICATION_RETRY, *task_id, "")
    }

    pub fn artifact_path(&self, task_id: &i64, kind: &str) -> String {
        routes::of_publication_task(routes::PUBLICATION_ARTIFACT, *task_id, kind)
    }

    /// The card alone, which it polls while a run is open.
    pub fn poll_path(&self) -> String {
        routes::of_advisory(routes::ADVISORY_PUBLICATION, &self.advisory_id)
    }

    /// The advisory page, at this card (the no-JavaScript refresh).
    pub fn back_path(&self) -> String {
        format!("{}#publication", routes::advisory(&self.advisory_id))
    }
}

/// A publication run as `advisories::panels` reads it.
#[derive(Debug, serde::Deserialize)]
pub struct PublicationRow {
    id: i64,
    status: String,
    attempts: i32,
    last_error: String,
    commit_sha: String,
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    finished_at: Option<OffsetDateTime>,
    version: i32,
    enqueued_by: Option<i64>,
    enqueuer_name: Option<String>,
    enqueuer_email: Option<String>,
    kinds: Vec<String>,
}

/// The hint of 50-web-ui §6.3 for the advisory as it is.
fn hint(facts: &AdvisoryFacts, republish_required: bool, latest: Option<&str>) -> &'static str {
    let failed = latest == Some("failed");
    if matches!(latest, Some("queued" | "running")) {
        return "publication-hint-in-progress";
    }
    if failed && facts.state == State::Published {
        return "publication-hint-failed";
    }
    match (facts.kind, facts.state) {
        (_, State::Dismissed) => "publication-hint-dismissed",
        (Kind::GhsaLinked, State::Triage | State::Draft) => "publication-hint-ghsa-pending",
        (Kind::GhsaLinked, State::Published) if republish_required => {
            "publication-hint-ghsa-republish"
        }
        (Kind::GhsaLinked, State::Published) => "publication-hint-ghsa-live",
        (Kind::Native, State::Triage) => "publication-hint-triage",
        (Kind::Native, State::Draft) => match facts.review_status {
            ReviewStatus::Submitted => "publication-hint-review-submitted",
            ReviewStatus::Approved => "publication-hint-approved",
            ReviewStatus::ChangesRequested => "publication-hint-changes-requested",
            ReviewStatus::None => "publication-hint-draft",
        },
        (Kind::Native, State::Published) if republish_required => "publication-hint-republish",
        (Kind::Native, State::Published) => "publication-hint-live",
    }
}

/// Loads the card for `actor`.
pub async fn load(
    conn: &mut PgConnection,
    actor: &Actor,
    row: &AdvisoryRow,
    facts: &AdvisoryFacts,
) -> Result<Panel, sqlx::Error> {
    let data = PanelData::fetch(conn, actor, row, facts).await?;
    Ok(build(actor, row, facts, data.publication))
}

/// The card for `actor` from the advisory's publication runs, newest first
/// (their error text is empty unless the caller owns the advisory).
pub fn build(
    actor: &Actor,
    row: &AdvisoryRow,
    facts: &AdvisoryFacts,
    tasks: Vec<PublicationRow>,
) -> Panel {
    let me = Some(actor);
    let show_errors = perm::role(me, facts) == Some(Role::Owner);
    let show_emails = perm::can_see_user_emails(me, facts);
    let runs: Vec<RunView> = tasks
        .into_iter()
        .map(|t| RunView {
            id: t.id,
            status: t.status,
            attempts: t.attempts,
            commit: t.commit_sha.chars().take(12).collect(),
            last_error: t.last_error,
            version: t.version,
            enqueued_by: match (t.enqueuer_name, t.enqueuer_email) {
                (Some(name), Some(email)) => user_label(
                    &name,
                    &email,
                    show_emails || t.enqueued_by == Some(actor.user_id),
                ),
                _ => String::new(),
            },
            created: when(t.created_at),
            created_iso: iso(t.created_at),
            finished: t.finished_at.map(when).unwrap_or_default(),
            kinds: t.kinds,
        })
        .collect();
    let latest = runs.first().map(|r| r.status.as_str());
    let busy = matches!(latest, Some("queued" | "running"));
    let may_publish = !busy && perm::can_publish(me, facts);
    let publish_label = match facts.state {
        State::Draft if may_publish => Some("publication-publish"),
        State::Published if may_publish && row.republish_required => Some("publication-republish"),
        _ => None,
    };
    Panel {
        advisory_id: row.advisory_id.clone(),
        republish_required: row.republish_required,
        hint: hint(facts, row.republish_required, latest),
        busy,
        can_retry: may_publish && latest == Some("failed"),
        show_errors,
        publish_label,
        runs,
        latest_version: row.latest_version,
    }
}

/// The catalogue key of the link to a stored document's preview.
pub fn preview_key(kind: &str) -> &'static str {
    match kind {
        "osv" => "publication-preview-osv",
        "csaf" => "publication-preview-csaf",
        _ => "publication-preview-cve",
    }
}
