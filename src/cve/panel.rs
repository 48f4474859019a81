//! The CVE panel of the advisory page (50-web-ui §6.2): the assigned CVE,
//! the open request and the history of requests, the ban, and the forms the
//! caller may use, each shown only when its predicate holds (the services
//! check again). One statement: the advisory row carries the rest.

use sqlx::PgConnection;
use time::OffsetDateTime;

use super::service;
use crate::access::permissions::{self as perm, Actor, AdvisoryFacts, State};
use crate::access::privacy::user_label;
use crate::advisories::pages::{iso, when};
use crate::advisories::panels::PanelData;
use crate::advisories::repo::AdvisoryRow;
use crate::web::routes;

/// Requests shown in the history, newest first.
pub const HISTORY_LIMIT: i64 = 50;

/// One CVE request as the panel shows it.
#[derive(Clone, Debug)]
pub struct RequestView {
    pub id: i64,
    /// `queued`, `reserved`, `rejected` or `cancelled`.
    pub status: String,
    pub cve_id: String,
    pub notes: String,
    pub requester: String,
    /// The admin who decided, or `""`.
    pub assignee: String,
    pub created: String,
    pub created_iso: String,
    pub finished: String,
}

impl RequestView {
    /// The catalogue key of the status.
    pub fn status_key(&self) -> &'static str {
        status_key(&self.status)
    }
}

/// The catalogue key of a request status.
pub fn status_key(status: &str) -> &'static str {
    match status {
        "queued" => "cve-status-queued",
        "reserved" => "cve-status-reserved",
        "rejected" => "cve-status-rejected",
        "cancelled" => "cve-status-cancelled",
        _ => "cve-status-unknown",
    }
}

/// What the caller typed, and what went wrong, when a form comes back.
#[derive(Clone, Debug, Default)]
pub struct FormState {
    pub cve_id: String,
    pub notes: String,
    pub ban: bool,
    pub reason: String,
    /// Translated messages.
    pub errors: Vec<String>,
    /// A translated confirmation (htmx answers, which have no flash).
    pub status: Option<String>,
}

/// The panel (the advisory page includes `cve/panel.html` with it as
/// `cve`).
#[derive(Clone, Debug, Default)]
#[expect(
    clippy::struct_excessive_bools,
    reason = "one flag per form the caller may use"
)]
pub struct Panel {
    pub advisory_id: String,
    /// Triage reports have no CVE workflow until they are accepted.
    pub applicable: bool,
    pub assigned: String,
    pub banned: bool,
    /// The catalogue key of the one-line summary of the request state.
    pub hint: &'static str,
    pub queued: Option<RequestView>,
    /// Every request, newest first (the queued one included).
    pub history: Vec<RequestView>,
    /// A withdrawal is in flight: no new request meanwhile.
    pub withdrawing: bool,
    /// P-10, and no withdrawal in flight.
    pub can_request: bool,
    /// An admin, with a queued request to decide (P-12).
    pub can_decide: bool,
    /// An admin, with a CVE assigned (P-16).
    pub can_unassign: bool,
    /// An admin, with requests banned (P-12).
    pub can_unban: bool,
    /// Admins get a link to the CVE assignment page.
    pub is_admin: bool,
    pub form: FormState,
}

impl Panel {
    pub fn request_path(&self) -> String {
        routes::of_advisory(routes::ADVISORY_CVE_REQUEST, &self.advisory_id)
    }

    pub fn transition_path(&self, task_id: &i64) -> String {
        routes::of_cve_task(routes::ADVISORY_CVE_TRANSITION, &self.advisory_id, *task_id)
    }

    pub fn unassign_path(&self) -> String {
        routes::of_advisory(routes::ADVISORY_CVE_UNASSIGN, &self.advisory_id)
    }

    pub fn unban_path(&self) -> String {
        routes::of_advisory(routes::ADVISORY_CVE_UNBAN, &self.advisory_id)
    }

    pub fn admin_path(&self) -> &'static str {
        routes::ADMIN_CVES
    }

    /// The advisory page, at this panel.
    pub fn back_path(&self) -> String {
        format!("{}#cve", routes::advisory(&self.advisory_id))
    }
}

/// A CVE request as `advisories::panels` reads it.
#[derive(Debug, serde::Deserialize)]
pub struct CveRow {
    id: i64,
    status: String,
    cve_id: String,
    notes: String,
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    finished_at: Option<OffsetDateTime>,
    requested_by: Option<i64>,
    requester_name: Option<String>,
    requester_email: Option<String>,
    assignee: Option<i64>,
    assignee_name: Option<String>,
    assignee_email: Option<String>,
}

/// Loads the panel for `actor`.
pub async fn load(
    conn: &mut PgConnection,
    actor: &Actor,
    row: &AdvisoryRow,
    facts: &AdvisoryFacts,
) -> Result<Panel, sqlx::Error> {
    let data = PanelData::fetch(conn, actor, row, facts).await?;
    Ok(build(actor, row, facts, data.cve))
}

/// The panel for `actor` from the advisory's CVE requests (none in triage).
pub fn build(actor: &Actor, row: &AdvisoryRow, facts: &AdvisoryFacts, tasks: Vec<CveRow>) -> Panel {
    let mut panel = Panel {
        advisory_id: row.advisory_id.clone(),
        applicable: facts.state != State::Triage,
        assigned: row.assigned_cve_id.clone(),
        banned: row.cve_requests_banned,
        is_admin: perm::admin_console(Some(actor)),
        ..Panel::default()
    };
    if !panel.applicable {
        return panel;
    }
    let show_emails = perm::can_see_user_emails(Some(actor), facts);
    let label = |id: Option<i64>, name: Option<String>, email: Option<String>| match (name, email) {
        (Some(name), Some(email)) => {
            user_label(&name, &email, show_emails || id == Some(actor.user_id))
        }
        _ => String::new(),
    };
    panel.history = tasks
        .into_iter()
        .map(|t| RequestView {
            id: t.id,
            status: t.status,
            cve_id: t.cve_id,
            notes: t.notes,
            requester: label(t.requested_by, t.requester_name, t.requester_email),
            assignee: label(t.assignee, t.assignee_name, t.assignee_email),
            created: when(t.created_at),
            created_iso: iso(t.created_at),
            finished: t.finished_at.map(when).unwrap_or_default(),
        })
        .collect();
    panel.queued = panel.history.iter().find(|t| t.status == "queued").cloned();
    let mut facts = facts.clone();
    facts.has_queued_cve_request = panel.queued.is_some();
    let actor = Some(actor);
    panel.withdrawing = service::withdrawal_in_flight(row);
    panel.can_request = perm::can_request_cve(actor, &facts) && !panel.withdrawing;
    panel.can_decide = perm::can_review(actor) && panel.queued.is_some();
    panel.can_unassign = perm::can_unassign_cve(actor) && !panel.assigned.is_empty();
    panel.can_unban = perm::can_review(actor) && panel.banned;
    panel.hint = hint(&panel, facts.state);
    panel
}

/// The request state of 50-web-ui §6.2 (`assigned`, `banned`, `pending`,
/// `available`, `not_allowed`, the last told apart by why) as one line.
fn hint(panel: &Panel, state: State) -> &'static str {
    if !panel.assigned.is_empty() {
        "cve-hint-assigned"
    } else if panel.queued.is_some() {
        "cve-hint-pending"
    } else if panel.banned {
        "cve-hint-banned"
    } else if panel.can_request {
        "cve-hint-available"
    } else if panel.withdrawing && state == State::Published {
        "cve-hint-withdrawing"
    } else if state == State::Dismissed {
        "cve-hint-dismissed"
    } else {
        "cve-hint-none"
    }
}
