//! The triage card of the advisory page (50-web-ui §6.1 routing banner,
//! §6.2 reporter, §6.3 "Accept as draft" and "Flag for admin routing"):
//! who reported it, the routing flag with its note, and a plain form for
//! each triage decision the caller may take, each shown only when its
//! predicate holds (the services decide again). Dismissal stays with the
//! lifecycle actions. Native triage reports only: a GHSA-linked one has no
//! human triage action (20-lifecycle §6).

use super::common::ProjectInfo;
use super::panel::{ActionForm, Field, Picker, RequestBanner};
use crate::access::permissions::{self as perm, Actor, AdvisoryFacts, Kind, State};
use crate::access::privacy::user_label;
use crate::advisories::pages::{iso, when};
use crate::advisories::projects::UNSORTED;
use crate::advisories::repo::AdvisoryRow;
use crate::web::routes;

/// The triage card.
#[derive(Clone, Debug, Default)]
pub struct Panel {
    /// A native report in triage: the card is shown.
    pub shown: bool,
    pub flagged: bool,
    /// The signed-in reporter's label, or the name they gave; empty for an
    /// anonymous report.
    pub reporter: String,
    pub submitted: Option<Submitted>,
    pub hint_key: &'static str,
    /// Who flagged it for routing, when, and the note (internal: shown to
    /// collaborators and above), with the clear-flag form.
    pub routing: Option<RequestBanner>,
    pub actions: Vec<ActionForm>,
}

/// When the report came in.
#[derive(Clone, Debug, Default)]
pub struct Submitted {
    pub when: String,
    pub iso: String,
}

fn path(route: &str, public_id: &str) -> String {
    routes::of_advisory(route, public_id)
}

/// "Accept as draft"; with a picker when the caller may also promote it to
/// another project (the current one selected).
pub fn promote_form(public_id: &str, picker: Option<Picker>) -> ActionForm {
    ActionForm {
        id: "promote",
        action: path(routes::ADVISORY_PROMOTE, public_id),
        title_key: "triage-promote",
        submit_key: "triage-promote-submit",
        hint_key: Some("triage-promote-hint"),
        picker,
        ..ActionForm::default()
    }
}

pub fn flag_form(public_id: &str) -> ActionForm {
    ActionForm {
        id: "flag",
        action: path(routes::ADVISORY_FLAG, public_id),
        title_key: "triage-flag",
        submit_key: "triage-flag-submit",
        hint_key: Some("triage-flag-hint"),
        field: Some(Field {
            name: "note",
            label_key: "lifecycle-note-internal",
            required: true,
            value: String::new(),
        }),
        ..ActionForm::default()
    }
}

pub fn clear_flag_form(public_id: &str) -> ActionForm {
    ActionForm {
        id: "clear-routing-flag",
        action: path(routes::ADVISORY_CLEAR_ROUTING_FLAG, public_id),
        title_key: "triage-clear-flag",
        submit_key: "triage-clear-flag-submit",
        field: Some(Field {
            name: "note",
            label_key: "lifecycle-note-optional",
            required: false,
            value: String::new(),
        }),
        ..ActionForm::default()
    }
}

/// The admins' "Assign to project" picker: every project but the current
/// one, `unsorted` included.
pub fn reassign_form(public_id: &str, projects: Vec<(String, String)>) -> ActionForm {
    ActionForm {
        id: "reassign",
        action: path(routes::ADVISORY_REASSIGN, public_id),
        title_key: "triage-reassign",
        submit_key: "triage-reassign-submit",
        field: Some(Field {
            name: "note",
            label_key: "triage-reassign-note",
            required: false,
            value: String::new(),
        }),
        picker: Some(Picker {
            name: "project_slug",
            label_key: "lifecycle-project",
            optional: false,
            options: projects,
            selected: String::new(),
        }),
        ..ActionForm::default()
    }
}

/// The report's intake record with the reporter and the flagger, as the
/// panels statement (`advisories::panels`) reads it.
#[derive(Debug, serde::Deserialize)]
pub struct IntakeRow {
    reporter_display_name: String,
    #[serde(with = "time::serde::rfc3339")]
    submitted_at: time::OffsetDateTime,
    reporter_id: Option<i64>,
    reporter_name: Option<String>,
    reporter_email: Option<String>,
    admin_routing_note: String,
    #[serde(with = "time::serde::rfc3339::option")]
    flagged_for_routing_at: Option<time::OffsetDateTime>,
    flagger_id: Option<i64>,
    flagger_name: Option<String>,
    flagger_email: Option<String>,
}

/// Whether the card is shown: a native report in triage. The panels
/// statement reads its intake record then.
pub fn shown(facts: &AdvisoryFacts) -> bool {
    facts.state == State::Triage && facts.kind == Kind::Native
}

/// Whether the card offers `actor` a project picker: the panels statement
/// then reads the projects.
pub fn lists_projects(actor: &Actor, facts: &AdvisoryFacts) -> bool {
    let me = Some(actor);
    (perm::can_triage(me, facts) && !facts.project_is_unsorted)
        || perm::can_reassign_triage(me, facts)
}

/// The card of `row` for `actor`, from its intake record and, when
/// [`lists_projects`], every project; empty unless it is a native report.
pub fn build(
    actor: &Actor,
    row: &AdvisoryRow,
    facts: &AdvisoryFacts,
    intake: Option<IntakeRow>,
    projects: &[ProjectInfo],
) -> Panel {
    if !shown(facts) {
        return Panel::default();
    }
    let me = Some(actor);
    let show_emails = perm::can_see_user_emails(me, facts);
    let label = |id: Option<i64>, name: Option<String>, email: Option<String>| match (name, email) {
        (Some(n), Some(e)) => user_label(&n, &e, show_emails || id == Some(actor.user_id)),
        _ => String::new(),
    };
    let mut panel = Panel {
        shown: true,
        flagged: facts.needs_admin_routing,
        hint_key: if facts.project_is_unsorted {
            "triage-hint-unsorted"
        } else if facts.needs_admin_routing {
            "triage-hint-flagged"
        } else {
            "triage-hint"
        },
        ..Panel::default()
    };
    let id = row.advisory_id.as_str();
    if let Some(i) = intake {
        panel.submitted = Some(Submitted {
            when: when(i.submitted_at),
            iso: iso(i.submitted_at),
        });
        panel.reporter = match label(i.reporter_id, i.reporter_name, i.reporter_email) {
            signed_in if !signed_in.is_empty() => signed_in,
            _ => i.reporter_display_name,
        };
        if facts.needs_admin_routing {
            let mut actions = Vec::new();
            if perm::can_clear_admin_routing_flag(me, facts) {
                actions.push(clear_flag_form(id));
            }
            let at = i.flagged_for_routing_at;
            panel.routing = Some(RequestBanner {
                by: label(i.flagger_id, i.flagger_name, i.flagger_email),
                when: at.map(when).unwrap_or_default(),
                iso: at.map(iso).unwrap_or_default(),
                // Posted as an internal action note (20 §2.3).
                note: if perm::can_see_internal_comment(me, facts) {
                    i.admin_routing_note
                } else {
                    String::new()
                },
                suggested: None,
                actions,
            });
        }
    }
    actions(&mut panel, actor, row, facts, projects);
    panel
}

/// Promote, reassign and flag, each when its predicate holds.
fn actions(
    panel: &mut Panel,
    actor: &Actor,
    row: &AdvisoryRow,
    facts: &AdvisoryFacts,
    all: &[ProjectInfo],
) {
    let me = Some(actor);
    let id = row.advisory_id.as_str();
    let can_triage = perm::can_triage(me, facts);
    let can_reassign = perm::can_reassign_triage(me, facts);
    // On `unsorted` the report is given a project first (the reassign
    // picker, 50 §6.3); elsewhere it is accepted where it is, or moved on
    // the way to a project of the caller's.
    if can_triage && !facts.project_is_unsorted {
        let targets: Vec<(String, String)> = all
            .iter()
            .filter(|p| p.slug != UNSORTED)
            .filter(|p| perm::can_promote_triage_to(me, facts, p.reference()))
            .map(|p| (p.slug.clone(), p.name.clone()))
            .collect();
        let picker = (targets.len() > 1).then(|| Picker {
            name: "project_slug",
            label_key: "lifecycle-project",
            optional: false,
            options: targets,
            selected: row.project_slug.clone(),
        });
        panel.actions.push(promote_form(id, picker));
    }
    if can_reassign {
        let others = all
            .iter()
            .filter(|p| p.id != row.project_id)
            .map(|p| (p.slug.clone(), p.name.clone()))
            .collect();
        panel.actions.push(reassign_form(id, others));
    }
    if perm::can_flag_for_admin_routing(me, facts) {
        panel.actions.push(flag_form(id));
    }
}
