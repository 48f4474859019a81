//! What the advisory page shows of this workflow (50-web-ui §6.1 banners,
//! §6.3 lifecycle actions): the dismissed or withdrawn banner with its
//! reason, the pending withdrawal and reassignment requests, and a form for
//! each action the caller may take, each shown only when its predicate
//! holds (hiding is display only; the services decide). Its rows come from
//! the panels statement (`advisories::panels`): the workflow columns with
//! the requesters, and the projects when a picker is shown.

use uuid::Uuid;

use super::common::ProjectInfo;
use crate::access::permissions::{self as perm, Actor, AdvisoryFacts, State};
use crate::access::privacy::user_label;
use crate::advisories::pages::{iso, when};
use crate::advisories::projects::UNSORTED;
use crate::advisories::repo::AdvisoryRow;
use crate::web::routes;

/// A `<select>` of projects.
#[derive(Clone, Debug, Default)]
pub struct Picker {
    /// The form field (`suggested_project_slug` or `project_slug`).
    pub name: &'static str,
    pub label_key: &'static str,
    /// Offers "none" first (an optional choice).
    pub optional: bool,
    /// `(slug, name)`.
    pub options: Vec<(String, String)>,
    pub selected: String,
}

impl Picker {
    pub fn is_selected(&self, slug: &str) -> bool {
        self.selected == slug
    }
}

/// A text field of an action form.
#[derive(Clone, Debug, Default)]
pub struct Field {
    /// `reason` or `note`.
    pub name: &'static str,
    pub label_key: &'static str,
    pub required: bool,
    pub value: String,
}

/// One action, as a plain form that works without JavaScript. Forms with a
/// field sit in a `<details>` disclosure; the others are one button.
#[derive(Clone, Debug, Default)]
pub struct ActionForm {
    /// A DOM id stem, unique on the page.
    pub id: &'static str,
    /// Where it posts.
    pub action: String,
    /// The disclosure's and the page's title, and the button's label.
    pub title_key: &'static str,
    /// `$project` of the title, when it names one.
    pub project: Option<String>,
    pub submit_key: &'static str,
    /// A sentence said before the form.
    pub hint_key: Option<&'static str>,
    pub field: Option<Field>,
    pub picker: Option<Picker>,
    /// Styled as a destructive action.
    pub danger: bool,
    /// A refusal to show with the form (already translated).
    pub error: Option<String>,
}

impl ActionForm {
    /// Whether the form asks for something, so it sits in a disclosure.
    pub fn has_inputs(&self) -> bool {
        self.field.is_some() || self.picker.is_some()
    }

    pub fn dom_id(&self, part: &str) -> String {
        format!("workflow-{}-{part}", self.id)
    }
}

/// Someone's request, as a banner shows it.
#[derive(Clone, Debug, Default)]
pub struct RequestBanner {
    pub by: String,
    pub when: String,
    pub iso: String,
    pub note: String,
    /// The suggested project's name (reassignment only).
    pub suggested: Option<String>,
    pub actions: Vec<ActionForm>,
}

/// Why the advisory is dismissed, or withdrawn.
#[derive(Clone, Debug, Default)]
pub struct DismissedBanner {
    /// The state key of the state it was dismissed from.
    pub from_key: &'static str,
    pub withdrawn: bool,
    pub reason: String,
}

/// The workflow section of the advisory page.
#[derive(Clone, Debug, Default)]
pub struct Panel {
    pub dismissed: Option<DismissedBanner>,
    /// A withdrawal's publication run is queued or running.
    pub withdrawal_in_progress: bool,
    /// A withdrawal reason is set and the last run failed: "Retry withdrawal".
    pub withdrawal_failed: bool,
    pub withdrawal_request: Option<RequestBanner>,
    pub reassignment_request: Option<RequestBanner>,
    /// The lifecycle actions, in the order of §6.3.
    pub actions: Vec<ActionForm>,
    /// The caller could edit this draft but its CVE keeps them from
    /// dismissing it: "ask an admin".
    pub dismiss_blocked_by_cve: bool,
}

impl Panel {
    pub fn is_empty(&self) -> bool {
        self.dismissed.is_none()
            && !self.withdrawal_in_progress
            && self.withdrawal_request.is_none()
            && self.reassignment_request.is_none()
            && self.actions.is_empty()
            && !self.dismiss_blocked_by_cve
    }
}

fn path(route: &str, public_id: &str) -> String {
    routes::of_advisory(route, public_id)
}

/// The dismiss form, for the panel and its page.
pub fn dismiss_form(public_id: &str, cve_assigned: bool) -> ActionForm {
    ActionForm {
        id: "dismiss",
        action: path(routes::ADVISORY_DISMISS, public_id),
        title_key: "lifecycle-dismiss",
        submit_key: "lifecycle-dismiss-submit",
        hint_key: Some(if cve_assigned {
            "lifecycle-dismiss-hint-cve"
        } else {
            "lifecycle-dismiss-hint"
        }),
        field: Some(Field {
            name: "reason",
            label_key: "lifecycle-reason",
            required: true,
            value: String::new(),
        }),
        danger: true,
        ..ActionForm::default()
    }
}

/// The withdraw form; `retry` pre-fills the reason of a failed withdrawal.
pub fn withdraw_form(public_id: &str, retry: Option<&str>) -> ActionForm {
    ActionForm {
        id: "withdraw",
        action: path(routes::ADVISORY_WITHDRAW, public_id),
        title_key: if retry.is_some() {
            "lifecycle-retry-withdrawal"
        } else {
            "lifecycle-withdraw"
        },
        submit_key: "lifecycle-withdraw-submit",
        hint_key: Some("lifecycle-withdraw-hint"),
        field: Some(Field {
            name: "reason",
            label_key: "lifecycle-withdraw-reason",
            required: true,
            value: retry.unwrap_or_default().to_owned(),
        }),
        danger: true,
        ..ActionForm::default()
    }
}

pub fn request_withdrawal_form(public_id: &str) -> ActionForm {
    ActionForm {
        id: "request-withdrawal",
        action: path(routes::ADVISORY_REQUEST_WITHDRAWAL, public_id),
        title_key: "lifecycle-request-withdrawal",
        submit_key: "lifecycle-request-withdrawal-submit",
        hint_key: Some("lifecycle-request-withdrawal-hint"),
        field: Some(Field {
            name: "note",
            label_key: "lifecycle-note-internal",
            required: true,
            value: String::new(),
        }),
        ..ActionForm::default()
    }
}

pub fn cancel_withdrawal_request_form(public_id: &str) -> ActionForm {
    ActionForm {
        id: "cancel-withdrawal-request",
        action: path(routes::ADVISORY_CANCEL_WITHDRAWAL_REQUEST, public_id),
        title_key: "lifecycle-cancel-withdrawal-request",
        submit_key: "lifecycle-cancel-withdrawal-request-submit",
        field: Some(Field {
            name: "note",
            label_key: "lifecycle-note-optional",
            required: false,
            value: String::new(),
        }),
        ..ActionForm::default()
    }
}

pub fn approve_withdrawal_form(public_id: &str) -> ActionForm {
    ActionForm {
        id: "approve-withdrawal",
        action: path(routes::ADVISORY_APPROVE_WITHDRAWAL, public_id),
        title_key: "lifecycle-approve-withdrawal",
        submit_key: "lifecycle-approve-withdrawal",
        hint_key: Some("lifecycle-approve-withdrawal-hint"),
        danger: true,
        ..ActionForm::default()
    }
}

pub fn reopen_form(public_id: &str, unwithdraw: bool) -> ActionForm {
    ActionForm {
        id: "reopen",
        action: path(routes::ADVISORY_REOPEN, public_id),
        title_key: if unwithdraw {
            "lifecycle-reopen-republish"
        } else {
            "lifecycle-reopen"
        },
        submit_key: if unwithdraw {
            "lifecycle-reopen-republish"
        } else {
            "lifecycle-reopen"
        },
        hint_key: Some(if unwithdraw {
            "lifecycle-unwithdraw-hint"
        } else {
            "lifecycle-reopen-hint"
        }),
        ..ActionForm::default()
    }
}

/// The request form; `projects` are `(slug, name)`, the current project and
/// `unsorted` left out.
pub fn request_reassignment_form(public_id: &str, projects: Vec<(String, String)>) -> ActionForm {
    ActionForm {
        id: "request-reassignment",
        action: path(routes::ADVISORY_REQUEST_REASSIGNMENT, public_id),
        title_key: "lifecycle-request-reassignment",
        submit_key: "lifecycle-request-reassignment-submit",
        hint_key: Some("lifecycle-request-reassignment-hint"),
        field: Some(Field {
            name: "note",
            label_key: "lifecycle-note-internal",
            required: true,
            value: String::new(),
        }),
        picker: Some(Picker {
            name: "suggested_project_slug",
            label_key: "lifecycle-suggested-project",
            optional: true,
            options: projects,
            selected: String::new(),
        }),
        ..ActionForm::default()
    }
}

pub fn withdraw_reassignment_form(public_id: &str) -> ActionForm {
    ActionForm {
        id: "withdraw-reassignment",
        action: path(routes::ADVISORY_WITHDRAW_REASSIGNMENT, public_id),
        title_key: "lifecycle-withdraw-reassignment",
        submit_key: "lifecycle-withdraw-reassignment-submit",
        field: Some(Field {
            name: "note",
            label_key: "lifecycle-note-optional",
            required: false,
            value: String::new(),
        }),
        ..ActionForm::default()
    }
}

/// One click: move to the suggested project.
pub fn accept_suggestion_form(public_id: &str, project_name: &str) -> ActionForm {
    ActionForm {
        id: "accept-reassignment",
        action: path(routes::ADVISORY_ACCEPT_REASSIGNMENT, public_id),
        title_key: "lifecycle-accept-reassignment",
        project: Some(project_name.to_owned()),
        submit_key: "lifecycle-accept-reassignment",
        ..ActionForm::default()
    }
}

/// The admins' picker, pre-selected to the suggestion.
pub fn pick_target_form(
    public_id: &str,
    projects: Vec<(String, String)>,
    suggested: &str,
) -> ActionForm {
    ActionForm {
        id: "pick-reassignment",
        action: path(routes::ADVISORY_ACCEPT_REASSIGNMENT, public_id),
        title_key: "lifecycle-pick-reassignment",
        submit_key: "lifecycle-pick-reassignment-submit",
        picker: Some(Picker {
            name: "project_slug",
            label_key: "lifecycle-project",
            optional: false,
            options: projects,
            selected: suggested.to_owned(),
        }),
        ..ActionForm::default()
    }
}

/// The workflow columns, the requesters and the last publication run, as
/// `advisories::panels` reads them.
#[derive(Debug, serde::Deserialize)]
pub struct WorkflowRow {
    dismissed_reason: String,
    #[serde(with = "time::serde::rfc3339::option")]
    withdrawal_requested_at: Option<time::OffsetDateTime>,
    withdrawal_request_note: String,
    withdrawal_by_id: Option<i64>,
    withdrawal_by_name: Option<String>,
    withdrawal_by_email: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    reassignment_requested_at: Option<time::OffsetDateTime>,
    reassignment_request_note: String,
    reassignment_by_id: Option<i64>,
    reassignment_by_name: Option<String>,
    reassignment_by_email: Option<String>,
    suggested_id: Option<Uuid>,
    suggested_slug: Option<String>,
    suggested_name: Option<String>,
    suggested_team: Option<i64>,
    last_task_status: Option<String>,
}

/// Whether the panel offers a project picker to `actor`: the panels
/// statement then reads the projects.
pub fn lists_projects(actor: &Actor, facts: &AdvisoryFacts) -> bool {
    let me = Some(actor);
    perm::can_request_reassignment(me, facts) || perm::can_pick_reassignment_target(me, facts)
}

/// The panel of `row` for `actor`, from its workflow row and, when
/// [`lists_projects`], every project.
pub fn build(
    actor: &Actor,
    row: &AdvisoryRow,
    facts: &AdvisoryFacts,
    r: WorkflowRow,
    all_projects: &[ProjectInfo],
) -> Panel {
    let suggested = match (
        r.suggested_id,
        r.suggested_slug.clone(),
        r.suggested_name.clone(),
        r.suggested_team,
    ) {
        (Some(id), Some(slug), Some(name), Some(team_group_id)) => Some(ProjectInfo {
            id,
            slug,
            name,
            team_group_id,
        }),
        _ => None,
    };
    let mut facts = facts.clone();
    facts.reassignment_suggested = suggested.as_ref().map(ProjectInfo::reference);
    // `unsorted` only routes triage reports (10 §9.4, INV-PROJECT-2): no
    // draft is moved there.
    let projects: Vec<(String, String)> = all_projects
        .iter()
        .filter(|p| p.id != row.project_id && p.slug != UNSORTED)
        .map(|p| (p.slug.clone(), p.name.clone()))
        .collect();
    let busy = matches!(r.last_task_status.as_deref(), Some("queued" | "running"));
    let failed = r.last_task_status.as_deref() == Some("failed");
    let withdrawing = !row.withdrawn_reason.is_empty() && facts.state == State::Published;
    let mut panel = Panel {
        withdrawal_in_progress: withdrawing && busy,
        withdrawal_failed: withdrawing && failed,
        ..Panel::default()
    };
    if facts.state == State::Dismissed {
        let from = facts.dismissed_from_state.unwrap_or(State::Draft);
        panel.dismissed = Some(DismissedBanner {
            from_key: crate::advisories::pages::state_key(from.as_str()),
            withdrawn: from == State::Published,
            reason: r.dismissed_reason.clone(),
        });
    }
    banners(&mut panel, actor, row, &facts, r, suggested, &projects);
    actions(&mut panel, actor, row, &facts, projects);
    panel
}

/// The pending requests, with the actions each offers the caller.
fn banners(
    panel: &mut Panel,
    actor: &Actor,
    row: &AdvisoryRow,
    facts: &AdvisoryFacts,
    r: WorkflowRow,
    suggested: Option<ProjectInfo>,
    projects: &[(String, String)],
) {
    let me = Some(actor);
    let id = row.advisory_id.as_str();
    let show_emails = perm::can_see_user_emails(me, facts);
    // The request notes are posted as internal comments (§2.3): a viewer
    // sees that a request is pending, not what it says.
    let internal = perm::can_see_internal_comment(me, facts);
    let note = |text: String| if internal { text } else { String::new() };
    // A suggestion of `unsorted` (from before it was refused) is offered
    // to nobody.
    let offered = suggested.as_ref().filter(|s| s.slug != UNSORTED);
    let label = |id: Option<i64>, name: Option<String>, email: Option<String>| {
        let shown = show_emails || id == Some(actor.user_id);
        match (name, email) {
            (Some(n), Some(e)) => user_label(&n, &e, shown),
            _ => String::new(),
        }
    };
    if let Some(at) = r.withdrawal_requested_at {
        let mut actions = Vec::new();
        if perm::can_approve_withdrawal(me, facts) && facts.state == State::Published {
            actions.push(approve_withdrawal_form(id));
        }
        if perm::can_cancel_withdrawal_request(me, facts) {
            actions.push(cancel_withdrawal_request_form(id));
        }
        panel.withdrawal_request = Some(RequestBanner {
            by: label(
                r.withdrawal_by_id,
                r.withdrawal_by_name,
                r.withdrawal_by_email,
            ),
            when: when(at),
            iso: iso(at),
            note: note(r.withdrawal_request_note),
            suggested: None,
            actions,
        });
    }
    if let Some(at) = r.reassignment_requested_at {
        let mut actions = Vec::new();
        if perm::can_pick_reassignment_target(me, facts) {
            let suggested_slug = offered.map_or("", |p| p.slug.as_str());
            actions.push(pick_target_form(id, projects.to_vec(), suggested_slug));
        } else if let Some(s) = offered
            && perm::can_accept_reassignment_suggestion(me, facts)
        {
            actions.push(accept_suggestion_form(id, &s.name));
        }
        if perm::can_withdraw_reassignment_request(me, facts) {
            actions.push(withdraw_reassignment_form(id));
        }
        panel.reassignment_request = Some(RequestBanner {
            by: label(
                r.reassignment_by_id,
                r.reassignment_by_name,
                r.reassignment_by_email,
            ),
            when: when(at),
            iso: iso(at),
            note: note(r.reassignment_request_note),
            suggested: suggested.map(|s| s.name),
            actions,
        });
    }
}

/// The lifecycle actions the caller may take, in the order of §6.3.
fn actions(
    panel: &mut Panel,
    actor: &Actor,
    row: &AdvisoryRow,
    facts: &AdvisoryFacts,
    projects: Vec<(String, String)>,
) {
    let me = Some(actor);
    let id = row.advisory_id.as_str();
    if perm::can_request_reassignment(me, facts) {
        panel.actions.push(request_reassignment_form(id, projects));
    }
    let dismissable = match facts.state {
        State::Triage => perm::can_triage(me, facts),
        State::Draft => perm::can_dismiss(me, facts),
        State::Published | State::Dismissed => false,
    };
    if dismissable {
        panel
            .actions
            .push(dismiss_form(id, !row.assigned_cve_id.is_empty()));
    } else if facts.state == State::Draft
        && perm::can_edit(me, facts)
        && perm::role(me, facts) == Some(perm::Role::Owner)
        && !row.assigned_cve_id.is_empty()
    {
        panel.dismiss_blocked_by_cve = true;
    }
    if perm::can_withdraw_published(me, facts) && !panel.withdrawal_in_progress {
        let retry = panel
            .withdrawal_failed
            .then_some(row.withdrawn_reason.as_str());
        panel.actions.push(withdraw_form(id, retry));
    }
    if perm::can_request_withdrawal(me, facts) {
        panel.actions.push(request_withdrawal_form(id));
    }
    if perm::can_reopen(me, facts) {
        panel.actions.push(reopen_form(
            id,
            super::dismissal::is_unwithdraw(facts.dismissed_from_state),
        ));
    }
}
