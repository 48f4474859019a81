//! The one place permissions are decided (INV-AUTH-1).
//!
//! Owns role resolution (30-permissions §3), every predicate of the catalogue
//! (§4, P-01 … P-49), the state, review, kind and comment-lock overrides (§6)
//! and the mature-publisher rules (§7). Handlers call these to render or
//! refuse; services call them again on the row they locked. Nothing here
//! touches the database: the caller loads an [`Actor`] once per request and
//! the [`AdvisoryFacts`] of the advisory, and every predicate is a pure
//! function of those values.
//!
//! Invariants kept here:
//! * INV-AUTH-2: a role is exactly one of [`Role`], or none (`Option<Role>`).
//! * INV-AUTH-3: `Owner` comes only from the admin group or the project's
//!   security team, never from a grant (`grant_rank` tops out at
//!   collaborator).
//! * INV-AUTH-4: grants combine by maximum (the caller's `grant_rank`).
//! * INV-AUTH-5/6: triage mutation is owner-only, and admin-only while the
//!   row is flagged for routing.
//! * INV-AUTH-7: resolution never reads the lifecycle state.
//! * INV-AUTH-8: an anonymous or banned caller is `None` and resolves to no
//!   role; every predicate is then false except P-27.
//! * INV-LIFECYCLE-1: every state-dependent rule matches [`State`]
//!   exhaustively, so adding a state fails compilation here.
//! * INV-PERM-1..3, INV-REVIEW-3, INV-GHSA-1/3/4, INV-SIM-1, INV-AUTH-9.
//! * [`authorize`] answers "not found" for an advisory the caller cannot
//!   see, whatever the action, so existence never leaks.
//!
//! The §6 overrides only remove capabilities, so every advisory-scoped
//! predicate implies [`can_view`]; a unit test checks this over every
//! combination of facts.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The signed-in, active caller, loaded once per request from the group
/// mirror (INV-OIDC-2: never from request input).
///
/// An anonymous caller, and a banned one (the session layer treats an
/// inactive account as anonymous, INV-AUTH-8), is represented by
/// `Option<&Actor>::None` in every function of this module. Shadow roster
/// users never sign in, so they never become an `Actor` either.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    pub user_id: i64,
    /// Member of the `OIDC_ADMIN_GROUP` group.
    pub is_admin: bool,
    /// Every mirrored group the user belongs to.
    pub group_ids: Vec<i64>,
}

impl Actor {
    /// Whether the user belongs to `group_id`.
    pub fn is_member_of(&self, group_id: i64) -> bool {
        self.group_ids.contains(&group_id)
    }
}

/// A user's role on one advisory, ranked `Viewer < Collaborator < Owner`
/// (INV-AUTH-2). "No role" is `Option::<Role>::None`, which orders below
/// every role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Viewer,
    Collaborator,
    Owner,
}

impl Role {
    /// The rank of 30-permissions §3: 1, 2 or 3.
    pub const fn rank(self) -> u8 {
        match self {
            Role::Viewer => 1,
            Role::Collaborator => 2,
            Role::Owner => 3,
        }
    }

    pub const fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Collaborator => "collaborator",
            Role::Owner => "owner",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A database value that is not one of an enum's spellings.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} {value:?}")]
pub struct ParseEnumError {
    what: &'static str,
    value: String,
}

impl ParseEnumError {
    fn new(what: &'static str, value: &str) -> ParseEnumError {
        ParseEnumError {
            what,
            value: value.to_owned(),
        }
    }
}

/// The lifecycle state (`advisory.state`, INV-LIFECYCLE-1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Triage,
    Draft,
    Published,
    Dismissed,
}

impl State {
    pub const ALL: [State; 4] = [
        State::Triage,
        State::Draft,
        State::Published,
        State::Dismissed,
    ];

    /// The database spelling (10-domain-model §3.1).
    pub const fn as_str(self) -> &'static str {
        match self {
            State::Triage => "triage",
            State::Draft => "draft",
            State::Published => "published",
            State::Dismissed => "dismissed",
        }
    }

    /// Reads `advisory.dismissed_from_state`, where `''` means "never
    /// dismissed".
    pub fn parse_dismissed_from(value: &str) -> Result<Option<State>, ParseEnumError> {
        if value.is_empty() {
            Ok(None)
        } else {
            value.parse().map(Some)
        }
    }
}

impl FromStr for State {
    type Err = ParseEnumError;

    fn from_str(s: &str) -> Result<State, ParseEnumError> {
        match s {
            "triage" => Ok(State::Triage),
            "draft" => Ok(State::Draft),
            "published" => Ok(State::Published),
            "dismissed" => Ok(State::Dismissed),
            _ => Err(ParseEnumError::new("lifecycle state", s)),
        }
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The review status (`advisory.review_status`), orthogonal to the state
/// (INV-REVIEW-1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewStatus {
    None,
    Submitted,
    ChangesRequested,
    Approved,
}

impl ReviewStatus {
    pub const ALL: [ReviewStatus; 4] = [
        ReviewStatus::None,
        ReviewStatus::Submitted,
        ReviewStatus::ChangesRequested,
        ReviewStatus::Approved,
    ];

    /// The database spelling (10-domain-model §3.1).
    pub const fn as_str(self) -> &'static str {
        match self {
            ReviewStatus::None => "none",
            ReviewStatus::Submitted => "submitted",
            ReviewStatus::ChangesRequested => "changes_requested",
            ReviewStatus::Approved => "approved",
        }
    }
}

impl FromStr for ReviewStatus {
    type Err = ParseEnumError;

    fn from_str(s: &str) -> Result<ReviewStatus, ParseEnumError> {
        match s {
            "none" => Ok(ReviewStatus::None),
            "submitted" => Ok(ReviewStatus::Submitted),
            "changes_requested" => Ok(ReviewStatus::ChangesRequested),
            "approved" => Ok(ReviewStatus::Approved),
            _ => Err(ParseEnumError::new("review status", s)),
        }
    }
}

impl fmt::Display for ReviewStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where an advisory's content comes from (`advisory.kind`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Native,
    GhsaLinked,
}

impl Kind {
    pub const ALL: [Kind; 2] = [Kind::Native, Kind::GhsaLinked];

    /// The database spelling (10-domain-model §3.1).
    pub const fn as_str(self) -> &'static str {
        match self {
            Kind::Native => "native",
            Kind::GhsaLinked => "ghsa_linked",
        }
    }
}

impl FromStr for Kind {
    type Err = ParseEnumError;

    fn from_str(s: &str) -> Result<Kind, ParseEnumError> {
        match s {
            "native" => Ok(Kind::Native),
            "ghsa_linked" => Ok(Kind::GhsaLinked),
            _ => Err(ParseEnumError::new("advisory kind", s)),
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A project as the predicates see it: its identity and the group bound as
/// its security team.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProjectRef {
    pub id: Uuid,
    pub team_group_id: i64,
}

/// What the predicates need to know about one advisory, for one caller.
///
/// Loaded together with the advisory (inside the request transaction, and
/// again under the row lock in services). Every field is a plain value so
/// the predicates stay pure.
#[derive(Clone, Debug, PartialEq, Eq)]
#[expect(
    clippy::struct_excessive_bools,
    reason = "each flag is one column or one EXISTS the spec's predicates read"
)]
pub struct AdvisoryFacts {
    pub state: State,
    pub review_status: ReviewStatus,
    pub kind: Kind,
    /// `advisory.project_id`.
    pub project_id: Uuid,
    /// `project.security_team_id`. `None` (not expected: the column is NOT
    /// NULL) makes nobody a team member, which fails closed.
    pub project_team_group_id: Option<i64>,
    /// `project.is_mature_publisher` (INV-PERM-2).
    pub project_is_mature_publisher: bool,
    /// `project.slug = 'unsorted'` (INV-PROJECT-2).
    pub project_is_unsorted: bool,
    /// The project has an active repository whose cached `pvr_enabled` is
    /// true (P-37).
    pub project_has_pvr_repo: bool,
    /// The intake sidecar's `needs_admin_routing`; false without a sidecar.
    pub needs_admin_routing: bool,
    pub comments_locked: bool,
    /// `advisory.assigned_cve_id = ''`.
    pub assigned_cve_id_blank: bool,
    pub cve_requests_banned: bool,
    /// A `cve_request_task` of this advisory is `queued`.
    pub has_queued_cve_request: bool,
    /// `withdrawal_requested_at IS NOT NULL`.
    pub withdrawal_pending: bool,
    /// `reassignment_requested_at IS NOT NULL`.
    pub reassignment_pending: bool,
    /// `reassignment_requested_by` (null once the requester is forgotten).
    pub reassignment_requested_by: Option<i64>,
    /// `reassignment_suggested_project_id`, with that project's team.
    pub reassignment_suggested: Option<ProjectRef>,
    /// `advisory.dismissed_from_state`; `None` for `''`.
    pub dismissed_from_state: Option<State>,
    /// Maximum rank over the caller's direct and group grants on this
    /// advisory: 0 none, 1 viewer, 2 collaborator (INV-AUTH-4). Values above
    /// 2 cannot be stored (INV-AUTH-3) and are read as collaborator.
    pub grant_rank: u8,
}

/// What predicates P-43/P-44 need to know about one comment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CommentFacts {
    pub author_id: Option<i64>,
    pub is_internal: bool,
    /// `redacted_at IS NOT NULL` (INV-COMMENT-4).
    pub is_redacted: bool,
}

// ---------------------------------------------------------------------------
// Helper terms (30-permissions §3). All false for an anonymous caller.

/// `admin(u)`.
fn admin(actor: Option<&Actor>) -> bool {
    actor.is_some_and(|a| a.is_admin)
}

/// `team(u, p)` for the project whose security team is `team_group_id`.
fn team(actor: Option<&Actor>, team_group_id: Option<i64>) -> bool {
    match (actor, team_group_id) {
        (Some(actor), Some(group)) => actor.is_member_of(group),
        _ => false,
    }
}

/// `team(u, a.project)`.
fn own_team(actor: Option<&Actor>, facts: &AdvisoryFacts) -> bool {
    team(actor, facts.project_team_group_id)
}

/// `mature_member(u, a.project)`.
fn mature_member(actor: Option<&Actor>, facts: &AdvisoryFacts) -> bool {
    facts.project_is_mature_publisher && own_team(actor, facts)
}

/// `native(a)`.
fn native(facts: &AdvisoryFacts) -> bool {
    match facts.kind {
        Kind::Native => true,
        Kind::GhsaLinked => false,
    }
}

/// `flagged(a)`.
fn flagged(facts: &AdvisoryFacts) -> bool {
    facts.needs_admin_routing
}

fn is_owner(actor: Option<&Actor>, facts: &AdvisoryFacts) -> bool {
    role(actor, facts) == Some(Role::Owner)
}

fn at_least(actor: Option<&Actor>, facts: &AdvisoryFacts, min: Role) -> bool {
    role(actor, facts) >= Some(min)
}

fn review_submitted(facts: &AdvisoryFacts) -> bool {
    match facts.review_status {
        ReviewStatus::Submitted => true,
        ReviewStatus::None | ReviewStatus::ChangesRequested | ReviewStatus::Approved => false,
    }
}

fn is_triage(facts: &AdvisoryFacts) -> bool {
    match facts.state {
        State::Triage => true,
        State::Draft | State::Published | State::Dismissed => false,
    }
}

fn is_draft(facts: &AdvisoryFacts) -> bool {
    match facts.state {
        State::Draft => true,
        State::Triage | State::Published | State::Dismissed => false,
    }
}

fn is_published(facts: &AdvisoryFacts) -> bool {
    match facts.state {
        State::Published => true,
        State::Triage | State::Draft | State::Dismissed => false,
    }
}

/// The caller requested the pending draft reassignment (INV-AUTH-9: the
/// requester never accepts their own request).
fn is_reassignment_requester(actor: Option<&Actor>, facts: &AdvisoryFacts) -> bool {
    match (actor, facts.reassignment_requested_by) {
        (Some(actor), Some(requester)) => actor.user_id == requester,
        _ => false,
    }
}

// ---------------------------------------------------------------------------
// Resolution (30-permissions §3).

/// `role(u, a)`, first match wins:
/// 1. anonymous or inactive → none;
/// 2. `admin(u)` → owner;
/// 3. `team(u, a.project)` → owner;
/// 4. `grant_rank ≥ 2` → collaborator;
/// 5. `grant_rank = 1` → viewer;
/// 6. otherwise none.
///
/// The lifecycle state is never consulted (INV-AUTH-7).
pub fn role(actor: Option<&Actor>, facts: &AdvisoryFacts) -> Option<Role> {
    let actor = actor?;
    if actor.is_admin || team(Some(actor), facts.project_team_group_id) {
        return Some(Role::Owner);
    }
    match facts.grant_rank {
        0 => None,
        1 => Some(Role::Viewer),
        _ => Some(Role::Collaborator),
    }
}

// ---------------------------------------------------------------------------
// Predicate catalogue (30-permissions §4).

/// P-01: any role.
pub fn can_view(actor: Option<&Actor>, facts: &AdvisoryFacts) -> bool {
    role(actor, facts).is_some()
}

/// P-02: owners see other participants' e-mail addresses (INV-PRIVACY-4).
/// Every user always sees their own, which the renderer applies.
pub fn can_see_user_emails(actor: Option<&Actor>, facts: &AdvisoryFacts) -> bool {
    is_owner(actor, facts)
}

/// P-03: any role, in any lifecycle state; only owners while comments are
/// locked (§6.4). System action notes do not go through this predicate.
pub fn can_comment(actor: Option<&Actor>, facts: &AdvisoryFacts) -> bool {
    match role(actor, facts) {
        None => false,
        Some(role) => !facts.comments_locked || role == Role::Owner,
    }
}

/// P-04: owners lock and unlock comments, in any state.
pub fn can_lock_comments(actor: Option<&Actor>, facts: &AdvisoryFacts) -> bool {
    is_owner(actor, facts)
}

/// P-05: collaborator and above, and the post itself must pass
/// [`can_comment`] (so only owners while locked).
pub fn can_post_internal_comment(actor: Option<&Actor>, facts: &AdvisoryFacts) -> bool {
    at_least(actor, facts, Role::Collaborator) && can_comment(actor, facts)
}

/// P-06: collaborator and above; re-evaluated on every read and at
/// notification time (INV-COMMENT-2).
pub fn can_see_internal_comment(actor: Option<&Actor>, facts: &AdvisoryFacts) -> bool {
    at_least(actor, facts, Role::Collaborator)
}

/// P-07: edit the content. Native only (no edit surface for GHSA-linked,
/// INV-GHSA-1); never when dismissed; collaborator+ in draft and published;
/// owner-only in triage (INV-AUTH-5) and admin-only while flagged
/// (INV-AUTH-6); admin-only while a review is submitted (§6.2).
pub fn can_edit(actor: Option<&Actor>, facts: &AdvisoryFacts) -> bool {
    let Some(role) = role(actor, facts) else {
        return false;
    };
    let by_state = match facts.state {
        State::Dismissed => false,
        State::Triage => role == Role::Owner && (!flagged(facts) || admin(actor)),
        State::Draft | State::Published => role >= Role::Collaborator,
    };
    native(facts) && by_state && (!review_submitted(facts) || admin(actor))
}

/// P-08: move a native advisory to `destination`: an owner who is an admin
/// or on the destination's security team.
pub fn can_change_project(
    actor: Option<&Actor>,
    facts: &AdvisoryFacts,
    destination_team_group_id: i64,
) -> bool {
    native(facts)
        && is_owner(actor, facts)
        && (admin(actor) || team(actor, Some(destination_team_group_id)))
}

/// P-09: owners manage grants and invitations, see the access panel and
/// acknowledge the access-review banner.
pub fn can_grant_access(actor: Option<&Actor>, facts: &AdvisoryFacts) -> bool {
    is_owner(actor, facts)
}

/// P-10: owners request a CVE on a draft or published advisory that has
/// none assigned, no queued request and no ban (INV-CVE-3).
pub fn can_request_cve(actor: Option<&Actor>, facts: &AdvisoryFacts) -> bool {
    let state_ok = match facts.state {
        State::Draft | State::Published => true,
        State::Triage | State::Dismissed => false,
    };
    state_ok
        && is_owner(actor, facts)
        && !facts.cve_requests_banned
        && facts.assigned_cve_id_blank
        && !facts.has_queued_cve_request
}

/// P-11: a non-admin owner submits a native draft that is not already
/// submitted (INV-REVIEW-3: admins are the reviewers).
pub fn can_submit_for_review(actor: Option<&Actor>, facts: &AdvisoryFacts) -> bool {
    native(facts)
        && !admin(actor)
        && is_owner(actor, facts)
        && is_draft(facts)
        && !review_submitted(facts)
}

/// P-12: review decisions, CVE task transitions: global admins.
pub fn can_review(actor: Option<&Actor>) -> bool {
    admin(actor)
}

/// P-13: an admin revokes the approval of a native advisory.
pub fn can_revoke_approval(actor: Option<&Actor>, facts: &AdvisoryFacts) -> bool {
    let approved = match facts.review_status {
        ReviewStatus::Approved => true,
        ReviewStatus::None | ReviewStatus::Submitted | ReviewStatus::ChangesRequested => false,
    };
    native(facts) && admin(actor) && approved
}

/// P-14: a non-admin owner withdraws a pending review (INV-REVIEW-3).
pub fn can_withdraw_review(actor: Option<&Actor>, facts: &AdvisoryFacts) -> bool {
    native(facts) && !admin(actor) && is_owner(actor, facts) && review_submitted(facts)
}

/// P-15: an admin or the project's team reopens a review after changes were
/// requested. Native only: GHSA-linked advisories have no review actions
/// (§6.3), so this removes nothing the spec grants.
pub fn can_reopen_review(actor: Option<&Actor>, facts: &AdvisoryFacts) -> bool {
    let changes_requested = match facts.review_status {
        ReviewStatus::ChangesRequested => true,
        ReviewStatus::None | ReviewStatus::Submitted | ReviewStatus::Approved => false,
    };
    native(facts) && (admin(actor) || own_team(actor, facts)) && changes_requested
}

/// P-16: global admins unassign a CVE.
pub fn can_unassign_cve(actor: Option<&Actor>) -> bool {
    admin(actor)
}

/// P-17: global admins manage the orphan-CVE registry.
pub fn can_manage_orphan_cves(actor: Option<&Actor>) -> bool {
    admin(actor)
}

/// P-18: dismiss. Owners dismiss a draft (an admin is needed when a CVE is
/// assigned); never a published advisory (retraction is withdrawal). Triage
/// rows use P-28 ([`can_triage`]) instead, so this answers exactly that for
/// them. False on a dismissed row (§6.1: reopen is the only state-changing
/// action); a service that wants the idempotent no-op of 20-lifecycle §9.2
/// checks "already dismissed" first.
pub fn can_dismiss(actor: Option<&Actor>, facts: &AdvisoryFacts) -> bool {
    match facts.state {
        State::Triage => can_triage(actor, facts),
        State::Draft => is_owner(actor, facts) && (facts.assigned_cve_id_blank || admin(actor)),
        State::Published | State::Dismissed => false,
    }
}

/// P-19: reopen a dismissed advisory. A withdrawal (dismissed from
/// `published`) is reopened only by an admin or a mature-publisher team
/// member (§7); any other dismissal by any owner.
pub fn can_reopen(actor: Option<&Actor>, facts: &AdvisoryFacts) -> bool {
    match facts.state {
        State::Dismissed => match facts.dismissed_from_state {
            Some(State::Published) => admin(actor) || mature_member(actor, facts),
            Some(State::Triage | State::Draft | State::Dismissed) | None => is_owner(actor, facts),
        },
        State::Triage | State::Draft | State::Published => false,
    }
}

/// P-20: publish, re-publish and retry. Never from triage or dismissed;
/// nobody while a review is submitted, admins included (INV-PERM-3). Admins
/// otherwise (also the break-glass for GHSA-linked advisories, whose
/// upstream gate the service checks); the project's team for native
/// advisories that are approved or whose project is a mature publisher
/// (INV-PERM-1).
pub fn can_publish(actor: Option<&Actor>, facts: &AdvisoryFacts) -> bool {
    let state_ok = match facts.state {
        State::Draft | State::Published => true,
        State::Triage | State::Dismissed => false,
    };
    let approved = match facts.review_status {
        ReviewStatus::Approved => true,
        ReviewStatus::None | ReviewStatus::Submitted | ReviewStatus::ChangesRequested => false,
    };
    state_ok
        && !review_submitted(facts)
        && (admin(actor)
            || (native(facts)
                && own_team(actor, facts)
                && (approved || facts.project_is_mature_publisher)))
}

/// P-21: withdraw a published advisory directly: admins and mature-publisher
/// team members (INV-PERM-1).
pub fn can_withdraw_published(actor: Option<&Actor>, facts: &AdvisoryFacts) -> bool {
    is_published(facts) && (admin(actor) || mature_member(actor, facts))
}

/// P-22: a non-admin member of a non-mature team asks the admins to
/// withdraw a published advisory, when no request is pending.
pub fn can_request_withdrawal(actor: Option<&Actor>, facts: &AdvisoryFacts) -> bool {
    is_published(facts)
        && !facts.withdrawal_pending
        && !admin(actor)
        && own_team(actor, facts)
        && !mature_member(actor, facts)
}

/// P-23: the team or an admin cancels a pending withdrawal request.
pub fn can_cancel_withdrawal_request(actor: Option<&Actor>, facts: &AdvisoryFacts) -> bool {
    facts.withdrawal_pending && (admin(actor) || own_team(actor, facts))
}

/// P-24: an admin approves a pending withdrawal request.
pub fn can_approve_withdrawal(actor: Option<&Actor>, facts: &AdvisoryFacts) -> bool {
    facts.withdrawal_pending && admin(actor)
}

/// P-25: create an advisory in the project whose security team is
/// `project_team_group_id`.
pub fn can_create_advisory_for_project(actor: Option<&Actor>, project_team_group_id: i64) -> bool {
    admin(actor) || team(actor, Some(project_team_group_id))
}

/// P-26: the "New advisory" display gate. `on_any_security_team` says
/// whether any of the caller's groups is bound as some project's security
/// team.
pub fn can_author_any_advisory(actor: Option<&Actor>, on_any_security_team: bool) -> bool {
    actor.is_some() && (admin(actor) || on_any_security_team)
}

/// P-27: anyone, anonymous included, may file a public report; abuse is
/// handled by rate limits, the honeypot and the captcha.
pub fn can_submit_triage_report(_actor: Option<&Actor>) -> bool {
    true
}

/// P-28: promote or dismiss a native triage report: owners, and only admins
/// while it is flagged for routing (INV-AUTH-5, INV-AUTH-6). GHSA-linked
/// triage rows have no human triage action (§6.1).
pub fn can_triage(actor: Option<&Actor>, facts: &AdvisoryFacts) -> bool {
    is_triage(facts) && native(facts) && (!flagged(facts) || admin(actor)) && is_owner(actor, facts)
}

/// P-29: a non-admin owner flags a native triage report on a real project
/// for admin routing.
pub fn can_flag_for_admin_routing(actor: Option<&Actor>, facts: &AdvisoryFacts) -> bool {
    is_triage(facts)
        && native(facts)
        && !facts.project_is_unsorted
        && !flagged(facts)
        && !admin(actor)
        && is_owner(actor, facts)
}

/// P-30: an owner clears the routing flag, except on `unsorted`, where only
/// a move to a real project clears it (INV-INTAKE-4). The service also
/// requires the flag to be set.
pub fn can_clear_admin_routing_flag(actor: Option<&Actor>, facts: &AdvisoryFacts) -> bool {
    is_triage(facts) && !facts.project_is_unsorted && is_owner(actor, facts)
}

/// P-31 (display): the "assign to project" picker on a native triage report,
/// shown to admins only.
pub fn can_reassign_triage(actor: Option<&Actor>, facts: &AdvisoryFacts) -> bool {
    is_triage(facts) && native(facts) && admin(actor)
}

/// P-31 (service authority for `reassign_triage_project(dest)`): an admin,
/// or a caller with triage rights ([`can_triage`], so not while flagged)
/// who is on the destination's team. Native triage rows only, for admins
/// too (§6.1: no human reassignment of GHSA-linked rows).
pub fn can_reassign_triage_to(
    actor: Option<&Actor>,
    facts: &AdvisoryFacts,
    destination_team_group_id: i64,
) -> bool {
    is_triage(facts)
        && native(facts)
        && (admin(actor)
            || (can_triage(actor, facts) && team(actor, Some(destination_team_group_id))))
}

// triage: promote target (20 §6.4)
/// P-28 with a target (20-lifecycle §6.4, L-4): promote a native triage
/// report to `target`: triage rights, and a non-admin moving it to another
/// project must be on that project's team.
pub fn can_promote_triage_to(
    actor: Option<&Actor>,
    facts: &AdvisoryFacts,
    target: ProjectRef,
) -> bool {
    can_triage(actor, facts)
        && (target.id == facts.project_id
            || admin(actor)
            || team(actor, Some(target.team_group_id)))
}

/// P-32: a non-admin owner asks the admins to move a native draft, when no
/// request is pending (INV-AUTH-9).
pub fn can_request_reassignment(actor: Option<&Actor>, facts: &AdvisoryFacts) -> bool {
    is_draft(facts)
        && native(facts)
        && !facts.reassignment_pending
        && !admin(actor)
        && is_owner(actor, facts)
}

/// P-33: an owner (admins included) withdraws the pending request.
pub fn can_withdraw_reassignment_request(actor: Option<&Actor>, facts: &AdvisoryFacts) -> bool {
    facts.reassignment_pending && (admin(actor) || is_owner(actor, facts))
}

/// P-34: one-click accept of the suggested project: an admin or a member of
/// the suggested project's team, never the requester (INV-AUTH-9).
pub fn can_accept_reassignment_suggestion(actor: Option<&Actor>, facts: &AdvisoryFacts) -> bool {
    let Some(suggested) = facts.reassignment_suggested else {
        return false;
    };
    facts.reassignment_pending
        && (admin(actor)
            || (team(actor, Some(suggested.team_group_id))
                && !is_reassignment_requester(actor, facts)))
}

/// P-35: the authoritative check of both accept paths: a target other than
/// the current project, and an admin or a member of the target's team who
/// is not the requester (INV-AUTH-9).
pub fn can_resolve_reassignment(
    actor: Option<&Actor>,
    facts: &AdvisoryFacts,
    target: Option<ProjectRef>,
) -> bool {
    let Some(target) = target else {
        return false;
    };
    facts.reassignment_pending
        && target.id != facts.project_id
        && (admin(actor)
            || (team(actor, Some(target.team_group_id))
                && !is_reassignment_requester(actor, facts)))
}

/// P-36: admins pick any target for a pending request.
pub fn can_pick_reassignment_target(actor: Option<&Actor>, facts: &AdvisoryFacts) -> bool {
    facts.reassignment_pending && admin(actor)
}

/// P-37: an owner converts a native triage or draft advisory to GHSA-linked
/// (INV-GHSA-4), when the feature is on and the project has an active
/// repository with private vulnerability reporting enabled.
pub fn can_move_to_ghsa(
    actor: Option<&Actor>,
    facts: &AdvisoryFacts,
    ghsa_feature_enabled: bool,
) -> bool {
    let state_ok = match facts.state {
        State::Triage | State::Draft => true,
        State::Published | State::Dismissed => false,
    };
    ghsa_feature_enabled
        && native(facts)
        && state_ok
        && is_owner(actor, facts)
        && facts.project_has_pvr_repo
}

/// P-38: an owner refreshes one GHSA-linked advisory from GitHub.
pub fn can_sync_ghsa(actor: Option<&Actor>, facts: &AdvisoryFacts) -> bool {
    !native(facts) && is_owner(actor, facts)
}

/// P-39: sync GHSAs and the PMI repositories of one project: admins and the
/// project's team.
pub fn can_sync_project_ghsas(actor: Option<&Actor>, project_team_group_id: i64) -> bool {
    admin(actor) || team(actor, Some(project_team_group_id))
}

/// P-40: organisation-wide GHSA and PMI operations: admins.
pub fn can_sync_all_ghsas(actor: Option<&Actor>) -> bool {
    admin(actor)
}

/// P-41: GitHub App configuration: admins.
pub fn can_configure_github_app(actor: Option<&Actor>) -> bool {
    admin(actor)
}

/// P-42: retry failed CVE pushes: admins.
pub fn can_retry_cve_push(actor: Option<&Actor>) -> bool {
    admin(actor)
}

/// P-43: the author edits their own comment while they can still see it
/// (a demoted author loses their internal comments, INV-COMMENT-2); never
/// once redacted (INV-COMMENT-4).
pub fn can_edit_comment(
    actor: Option<&Actor>,
    facts: &AdvisoryFacts,
    comment: &CommentFacts,
) -> bool {
    is_author(actor, comment) && !comment.is_redacted && can_see_comment(actor, facts, comment)
}

/// P-44: an admin or the author redacts a comment they can see, once.
pub fn can_redact_comment(
    actor: Option<&Actor>,
    facts: &AdvisoryFacts,
    comment: &CommentFacts,
) -> bool {
    !comment.is_redacted
        && (admin(actor) || is_author(actor, comment))
        && can_see_comment(actor, facts, comment)
}

fn is_author(actor: Option<&Actor>, comment: &CommentFacts) -> bool {
    match (actor, comment.author_id) {
        (Some(actor), Some(author)) => actor.user_id == author,
        _ => false,
    }
}

/// Whether the comment shows in the caller's thread (P-06 for internal ones).
pub fn can_see_comment(
    actor: Option<&Actor>,
    facts: &AdvisoryFacts,
    comment: &CommentFacts,
) -> bool {
    can_view(actor, facts) && (!comment.is_internal || can_see_internal_comment(actor, facts))
}

/// P-45: duplicate-check results and re-runs: owners, with the feature on
/// (INV-SIM-1; with it off every similarity route is a 404, INV-SIM-2).
pub fn can_view_similarity(
    actor: Option<&Actor>,
    facts: &AdvisoryFacts,
    similarity_enabled: bool,
) -> bool {
    similarity_enabled && is_owner(actor, facts)
}

/// P-46: every admin-console route.
pub fn admin_console(actor: Option<&Actor>) -> bool {
    admin(actor)
}

// maintenance (30 §9)
/// INV-MAINT-1: while maintenance is on, only global admins may write;
/// everyone else, anonymous included, is paused.
pub fn can_write_during_maintenance(actor: Option<&Actor>) -> bool {
    admin(actor)
}

/// P-47: one's own notification settings and inbox: any signed-in user
/// (inbox rows of others answer 404, which the query scopes).
pub fn can_manage_own_notifications(actor: Option<&Actor>) -> bool {
    actor.is_some()
}

/// P-47: a per-advisory notification override also needs [`can_view`].
pub fn can_override_advisory_notifications(actor: Option<&Actor>, facts: &AdvisoryFacts) -> bool {
    can_manage_own_notifications(actor) && can_view(actor, facts)
}

/// P-48: artifact preview and download, version history and diffs,
/// description history, publication status.
pub fn can_view_history(actor: Option<&Actor>, facts: &AdvisoryFacts) -> bool {
    can_view(actor, facts)
}

/// P-49: mention autocomplete, which reveals the advisory's roster.
pub fn can_autocomplete_mentions(actor: Option<&Actor>, facts: &AdvisoryFacts) -> bool {
    can_comment(actor, facts)
}

// ---------------------------------------------------------------------------
// Refusals (30-permissions §10.2, §12; Q-19).

/// Why an advisory-scoped action was refused, in the order the edge must
/// check them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Denial {
    /// No signed-in caller: HTML redirects to sign-in, the API answers 401.
    #[error("sign-in required")]
    NotAuthenticated,
    /// The caller cannot see the advisory: 404 on every route, HTML and API,
    /// exactly as if it did not exist.
    #[error("not found")]
    NotFound,
    /// The caller sees the advisory but may not do this: 403.
    #[error("forbidden")]
    Forbidden,
}

/// Turns a predicate's answer into the refusal to render: not signed in,
/// then not visible (never revealing existence), then forbidden. Typical
/// use: `authorize(actor, &facts, can_edit(actor, &facts))?`.
pub fn authorize(
    actor: Option<&Actor>,
    facts: &AdvisoryFacts,
    allowed: bool,
) -> Result<(), Denial> {
    if actor.is_none() {
        Err(Denial::NotAuthenticated)
    } else if !can_view(actor, facts) {
        Err(Denial::NotFound)
    } else if allowed {
        Ok(())
    } else {
        Err(Denial::Forbidden)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const USER_VIEWER: i64 = 10;
    const USER_COLLABORATOR: i64 = 11;
    const USER_OWNER: i64 = 12;
    const USER_ADMIN: i64 = 13;
    const USER_OUTSIDER: i64 = 14;

    const ADMIN_GROUP: i64 = 1;
    /// The advisory's project's security team.
    const TEAM: i64 = 100;
    /// Another project's team the owner also belongs to.
    const OTHER_TEAM: i64 = 101;
    /// A team none of the test users belongs to.
    const FOREIGN_TEAM: i64 = 102;
    const GRANTEE_GROUP: i64 = 500;

    fn project(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    /// The base case of §5: draft, no review, native, comments open,
    /// non-mature project, nothing pending.
    fn base() -> AdvisoryFacts {
        AdvisoryFacts {
            state: State::Draft,
            review_status: ReviewStatus::None,
            kind: Kind::Native,
            project_id: project(1),
            project_team_group_id: Some(TEAM),
            project_is_mature_publisher: false,
            project_is_unsorted: false,
            project_has_pvr_repo: true,
            needs_admin_routing: false,
            comments_locked: false,
            assigned_cve_id_blank: true,
            cve_requests_banned: false,
            has_queued_cve_request: false,
            withdrawal_pending: false,
            reassignment_pending: false,
            reassignment_requested_by: None,
            reassignment_suggested: None,
            dismissed_from_state: None,
            grant_rank: 0,
        }
    }

    /// The actor kinds of the §5 matrix, plus the two that hold no role.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    enum Who {
        Viewer,
        Collaborator,
        Owner,
        Admin,
        Outsider,
        Anonymous,
    }

    const EVERYONE: [Who; 6] = [
        Who::Viewer,
        Who::Collaborator,
        Who::Owner,
        Who::Admin,
        Who::Outsider,
        Who::Anonymous,
    ];

    fn actor(who: Who) -> Option<Actor> {
        let (user_id, is_admin, group_ids) = match who {
            Who::Viewer => (USER_VIEWER, false, vec![GRANTEE_GROUP]),
            Who::Collaborator => (USER_COLLABORATOR, false, vec![GRANTEE_GROUP]),
            Who::Owner => (USER_OWNER, false, vec![TEAM, OTHER_TEAM]),
            Who::Admin => (USER_ADMIN, true, vec![ADMIN_GROUP]),
            Who::Outsider => (USER_OUTSIDER, false, vec![FOREIGN_TEAM + 1]),
            Who::Anonymous => return None,
        };
        Some(Actor {
            user_id,
            is_admin,
            group_ids,
        })
    }

    /// `facts` as loaded for `who`: the grant rank is per caller.
    fn facts_for(who: Who, facts: &AdvisoryFacts) -> AdvisoryFacts {
        let grant_rank = match who {
            Who::Viewer => 1,
            Who::Collaborator => 2,
            Who::Owner | Who::Admin | Who::Outsider | Who::Anonymous => 0,
        };
        AdvisoryFacts {
            grant_rank,
            ..facts.clone()
        }
    }

    fn check(
        who: Who,
        facts: &AdvisoryFacts,
        predicate: impl Fn(Option<&Actor>, &AdvisoryFacts) -> bool,
    ) -> bool {
        let actor = actor(who);
        predicate(actor.as_ref(), &facts_for(who, facts))
    }

    type Predicate = fn(Option<&Actor>, &AdvisoryFacts) -> bool;

    /// One row of a capability table: the predicate, the facts it is asked
    /// about, and the answers for [`EVERYONE`] in order (viewer,
    /// collaborator, owner, admin, outsider, anonymous).
    struct Row {
        name: &'static str,
        facts: AdvisoryFacts,
        predicate: Predicate,
        expected: [bool; 6],
    }

    fn row(
        name: &'static str,
        facts: AdvisoryFacts,
        predicate: Predicate,
        expected: [u8; 6],
    ) -> Row {
        Row {
            name,
            facts,
            predicate,
            expected: expected.map(|x| x == 1),
        }
    }

    fn assert_rows(rows: &[Row]) {
        let mut failures = Vec::new();
        for row in rows {
            for (who, expected) in EVERYONE.iter().zip(row.expected) {
                let got = check(*who, &row.facts, row.predicate);
                if got != expected {
                    failures.push(format!(
                        "{} / {who:?}: expected {expected}, got {got}",
                        row.name
                    ));
                }
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    fn with(f: impl FnOnce(&mut AdvisoryFacts)) -> AdvisoryFacts {
        let mut facts = base();
        f(&mut facts);
        facts
    }

    fn own_comment(actor: Option<&Actor>) -> CommentFacts {
        CommentFacts {
            author_id: actor.map(|a| a.user_id),
            is_internal: false,
            is_redacted: false,
        }
    }

    fn others_comment() -> CommentFacts {
        CommentFacts {
            author_id: Some(999),
            is_internal: false,
            is_redacted: false,
        }
    }

    fn suggested(team_group_id: i64) -> ProjectRef {
        ProjectRef {
            id: project(2),
            team_group_id,
        }
    }

    // -- §3 resolution --------------------------------------------------------

    #[test]
    fn resolution_order_inv_auth_2_3_4() {
        let facts = base();
        let cases = [
            (Who::Anonymous, 0, None),
            (Who::Anonymous, 2, None),
            (Who::Admin, 0, Some(Role::Owner)),
            (Who::Admin, 1, Some(Role::Owner)),
            (Who::Owner, 0, Some(Role::Owner)),
            // INV-AUTH-4: owner via the team beats any grant.
            (Who::Owner, 1, Some(Role::Owner)),
            (Who::Outsider, 0, None),
            (Who::Outsider, 1, Some(Role::Viewer)),
            (Who::Outsider, 2, Some(Role::Collaborator)),
            // INV-AUTH-3: no grant ever yields owner.
            (Who::Outsider, 3, Some(Role::Collaborator)),
            (Who::Outsider, u8::MAX, Some(Role::Collaborator)),
        ];
        for (who, grant_rank, expected) in cases {
            let actor = actor(who);
            let facts = AdvisoryFacts {
                grant_rank,
                ..facts.clone()
            };
            assert_eq!(
                role(actor.as_ref(), &facts),
                expected,
                "{who:?} rank {grant_rank}"
            );
        }
    }

    #[test]
    fn roles_are_ranked_inv_auth_2() {
        assert!(Role::Viewer < Role::Collaborator);
        assert!(Role::Collaborator < Role::Owner);
        assert!(None < Some(Role::Viewer));
        assert_eq!(
            [Role::Viewer, Role::Collaborator, Role::Owner].map(Role::rank),
            [1, 2, 3]
        );
    }

    #[test]
    fn unsorted_is_owned_by_admins_through_its_team_inv_project_2() {
        let facts = with(|f| {
            f.project_is_unsorted = true;
            f.project_team_group_id = Some(ADMIN_GROUP);
        });
        // An admin whose flag were somehow stale still owns it through rule 3.
        let member = Actor {
            user_id: 1,
            is_admin: false,
            group_ids: vec![ADMIN_GROUP],
        };
        assert_eq!(role(Some(&member), &facts), Some(Role::Owner));
        assert!(!check(Who::Owner, &facts, can_view));
    }

    #[test]
    fn publication_grants_no_read_access_inv_auth_7() {
        for state in State::ALL {
            let facts = with(|f| f.state = state);
            assert!(!check(Who::Outsider, &facts, can_view), "{state}");
            assert!(!check(Who::Anonymous, &facts, can_view), "{state}");
            assert!(check(Who::Viewer, &facts, can_view), "{state}");
        }
    }

    #[test]
    fn missing_team_binding_fails_closed() {
        let facts = with(|f| f.project_team_group_id = None);
        assert!(!check(Who::Owner, &facts, can_view));
        assert!(check(Who::Admin, &facts, can_view));
    }

    // -- §5 capability matrix, base case ---------------------------------------

    #[test]
    #[expect(clippy::too_many_lines, reason = "one row per cell of the §5 table")]
    fn capability_matrix_base_case() {
        let published = with(|f| f.state = State::Published);
        let published_mature = with(|f| {
            f.state = State::Published;
            f.project_is_mature_publisher = true;
        });
        let withdrawal_pending = with(|f| {
            f.state = State::Published;
            f.withdrawal_pending = true;
        });
        let dismissed = with(|f| {
            f.state = State::Dismissed;
            f.dismissed_from_state = Some(State::Draft);
        });
        let withdrawn = with(|f| {
            f.state = State::Dismissed;
            f.dismissed_from_state = Some(State::Published);
        });
        let withdrawn_mature = with(|f| {
            f.state = State::Dismissed;
            f.dismissed_from_state = Some(State::Published);
            f.project_is_mature_publisher = true;
        });
        let reassignment = with(|f| {
            f.reassignment_pending = true;
            f.reassignment_requested_by = Some(999);
            f.reassignment_suggested = Some(suggested(OTHER_TEAM));
        });
        let reassignment_foreign = with(|f| {
            f.reassignment_pending = true;
            f.reassignment_requested_by = Some(999);
            f.reassignment_suggested = Some(suggested(FOREIGN_TEAM));
        });
        let ghsa = with(|f| f.kind = Kind::GhsaLinked);

        let rows = [
            row(
                "view advisory, history, diffs, artifacts (P-01)",
                base(),
                can_view,
                [1, 1, 1, 1, 0, 0],
            ),
            row("P-48", base(), can_view_history, [1, 1, 1, 1, 0, 0]),
            row(
                "post comment (P-03)",
                base(),
                can_comment,
                [1, 1, 1, 1, 0, 0],
            ),
            row(
                "see internal comments (P-06)",
                base(),
                can_see_internal_comment,
                [0, 1, 1, 1, 0, 0],
            ),
            row(
                "post internal comments (P-05)",
                base(),
                can_post_internal_comment,
                [0, 1, 1, 1, 0, 0],
            ),
            row(
                "edit own comment (P-43)",
                base(),
                |a, f| can_edit_comment(a, f, &own_comment(a)),
                [1, 1, 1, 1, 0, 0],
            ),
            row(
                "redact own comment (P-44)",
                base(),
                |a, f| can_redact_comment(a, f, &own_comment(a)),
                [1, 1, 1, 1, 0, 0],
            ),
            row(
                "edit someone else's comment (P-43)",
                base(),
                |a, f| can_edit_comment(a, f, &others_comment()),
                [0, 0, 0, 0, 0, 0],
            ),
            row(
                "redact someone else's comment (P-44)",
                base(),
                |a, f| can_redact_comment(a, f, &others_comment()),
                [0, 0, 0, 1, 0, 0],
            ),
            row(
                "lock / unlock comments (P-04)",
                base(),
                can_lock_comments,
                [0, 0, 1, 1, 0, 0],
            ),
            row(
                "see other users' e-mails (P-02)",
                base(),
                can_see_user_emails,
                [0, 0, 1, 1, 0, 0],
            ),
            row("edit content (P-07)", base(), can_edit, [0, 1, 1, 1, 0, 0]),
            row(
                "grant / revoke access (P-09)",
                base(),
                can_grant_access,
                [0, 0, 1, 1, 0, 0],
            ),
            row(
                "duplicate-check results (P-45)",
                base(),
                |a, f| can_view_similarity(a, f, true),
                [0, 0, 1, 1, 0, 0],
            ),
            row(
                "change project to one whose team the owner is on (P-08)",
                base(),
                |a, f| can_change_project(a, f, OTHER_TEAM),
                [0, 0, 1, 1, 0, 0],
            ),
            row(
                "change project to a foreign project (P-08)",
                base(),
                |a, f| can_change_project(a, f, FOREIGN_TEAM),
                [0, 0, 0, 1, 0, 0],
            ),
            row(
                "request draft reassignment (P-32)",
                base(),
                can_request_reassignment,
                [0, 0, 1, 0, 0, 0],
            ),
            row(
                "withdraw a reassignment request (P-33)",
                reassignment.clone(),
                can_withdraw_reassignment_request,
                [0, 0, 1, 1, 0, 0],
            ),
            row(
                "accept a suggestion for a team the owner is on (P-34)",
                reassignment.clone(),
                can_accept_reassignment_suggestion,
                [0, 0, 1, 1, 0, 0],
            ),
            row(
                "accept a suggestion for a foreign team (P-34)",
                reassignment_foreign.clone(),
                can_accept_reassignment_suggestion,
                [0, 0, 0, 1, 0, 0],
            ),
            row(
                "resolve to the owner's other project (P-35)",
                reassignment.clone(),
                |a, f| can_resolve_reassignment(a, f, Some(suggested(OTHER_TEAM))),
                [0, 0, 1, 1, 0, 0],
            ),
            row(
                "resolve to a foreign project (P-35)",
                reassignment.clone(),
                |a, f| can_resolve_reassignment(a, f, Some(suggested(FOREIGN_TEAM))),
                [0, 0, 0, 1, 0, 0],
            ),
            row(
                "pick a reassignment target (P-36)",
                reassignment,
                can_pick_reassignment_target,
                [0, 0, 0, 1, 0, 0],
            ),
            row("dismiss (P-18)", base(), can_dismiss, [0, 0, 1, 1, 0, 0]),
            row(
                "dismiss with an assigned CVE (P-18)",
                with(|f| f.assigned_cve_id_blank = false),
                can_dismiss,
                [0, 0, 0, 1, 0, 0],
            ),
            row(
                "reopen a dismissal (P-19)",
                dismissed,
                can_reopen,
                [0, 0, 1, 1, 0, 0],
            ),
            row(
                "reopen a withdrawal, non-mature (P-19)",
                withdrawn,
                can_reopen,
                [0, 0, 0, 1, 0, 0],
            ),
            row(
                "reopen a withdrawal, mature (P-19)",
                withdrawn_mature,
                can_reopen,
                [0, 0, 1, 1, 0, 0],
            ),
            row(
                "request a CVE (P-10)",
                base(),
                can_request_cve,
                [0, 0, 1, 1, 0, 0],
            ),
            row(
                "request a CVE with one open (P-10)",
                with(|f| f.has_queued_cve_request = true),
                can_request_cve,
                [0, 0, 0, 0, 0, 0],
            ),
            row(
                "request a CVE with one assigned (P-10)",
                with(|f| f.assigned_cve_id_blank = false),
                can_request_cve,
                [0, 0, 0, 0, 0, 0],
            ),
            row(
                "request a CVE while banned (P-10)",
                with(|f| f.cve_requests_banned = true),
                can_request_cve,
                [0, 0, 0, 0, 0, 0],
            ),
            row(
                "submit for review (P-11, INV-REVIEW-3)",
                base(),
                can_submit_for_review,
                [0, 0, 1, 0, 0, 0],
            ),
            row(
                "withdraw a pending review (P-14, INV-REVIEW-3)",
                with(|f| f.review_status = ReviewStatus::Submitted),
                can_withdraw_review,
                [0, 0, 1, 0, 0, 0],
            ),
            row(
                "approve / request changes (P-12)",
                base(),
                |a, _| can_review(a),
                [0, 0, 0, 1, 0, 0],
            ),
            row(
                "reopen review after changes requested (P-15)",
                with(|f| f.review_status = ReviewStatus::ChangesRequested),
                can_reopen_review,
                [0, 0, 1, 1, 0, 0],
            ),
            row(
                "revoke an approval (P-13)",
                with(|f| f.review_status = ReviewStatus::Approved),
                can_revoke_approval,
                [0, 0, 0, 1, 0, 0],
            ),
            row(
                "publish, not approved, non-mature (P-20)",
                base(),
                can_publish,
                [0, 0, 0, 1, 0, 0],
            ),
            row(
                "publish, changes requested, non-mature (P-20)",
                with(|f| f.review_status = ReviewStatus::ChangesRequested),
                can_publish,
                [0, 0, 0, 1, 0, 0],
            ),
            row(
                "publish, approved (P-20)",
                with(|f| f.review_status = ReviewStatus::Approved),
                can_publish,
                [0, 0, 1, 1, 0, 0],
            ),
            row(
                "publish, mature publisher (P-20, INV-PERM-1)",
                with(|f| f.project_is_mature_publisher = true),
                can_publish,
                [0, 0, 1, 1, 0, 0],
            ),
            row(
                "withdraw a published advisory, non-mature (P-21)",
                published.clone(),
                can_withdraw_published,
                [0, 0, 0, 1, 0, 0],
            ),
            row(
                "withdraw a published advisory, mature (P-21)",
                published_mature.clone(),
                can_withdraw_published,
                [0, 0, 1, 1, 0, 0],
            ),
            row(
                "request withdrawal, non-mature (P-22)",
                published,
                can_request_withdrawal,
                [0, 0, 1, 0, 0, 0],
            ),
            row(
                "request withdrawal, mature (P-22)",
                published_mature,
                can_request_withdrawal,
                [0, 0, 0, 0, 0, 0],
            ),
            row(
                "request withdrawal when one is pending (P-22)",
                withdrawal_pending.clone(),
                can_request_withdrawal,
                [0, 0, 0, 0, 0, 0],
            ),
            row(
                "cancel a withdrawal request (P-23)",
                withdrawal_pending.clone(),
                can_cancel_withdrawal_request,
                [0, 0, 1, 1, 0, 0],
            ),
            row(
                "approve a withdrawal request (P-24)",
                withdrawal_pending,
                can_approve_withdrawal,
                [0, 0, 0, 1, 0, 0],
            ),
            row(
                "unassign a CVE (P-16)",
                base(),
                |a, _| can_unassign_cve(a),
                [0, 0, 0, 1, 0, 0],
            ),
            row(
                "reserve / reject CVE requests, lift bans (P-12)",
                base(),
                |a, _| can_review(a),
                [0, 0, 0, 1, 0, 0],
            ),
            row(
                "orphan CVEs (P-17)",
                base(),
                |a, _| can_manage_orphan_cves(a),
                [0, 0, 0, 1, 0, 0],
            ),
            row(
                "move a native draft to GHSA (P-37)",
                base(),
                |a, f| can_move_to_ghsa(a, f, true),
                [0, 0, 1, 1, 0, 0],
            ),
            row(
                "sync one GHSA-linked advisory (P-38)",
                ghsa,
                can_sync_ghsa,
                [0, 0, 1, 1, 0, 0],
            ),
            row(
                "sync GHSA / PMI for the own project (P-39)",
                base(),
                |a, _| can_sync_project_ghsas(a, TEAM),
                [0, 0, 1, 1, 0, 0],
            ),
            row(
                "sync GHSA / PMI for another project (P-39)",
                base(),
                |a, _| can_sync_project_ghsas(a, FOREIGN_TEAM),
                [0, 0, 0, 1, 0, 0],
            ),
            row(
                "org-wide GHSA / PMI (P-40)",
                base(),
                |a, _| can_sync_all_ghsas(a),
                [0, 0, 0, 1, 0, 0],
            ),
            row(
                "GitHub App configuration (P-41)",
                base(),
                |a, _| can_configure_github_app(a),
                [0, 0, 0, 1, 0, 0],
            ),
            row(
                "retry CVE pushes (P-42)",
                base(),
                |a, _| can_retry_cve_push(a),
                [0, 0, 0, 1, 0, 0],
            ),
            row(
                "admin console (P-46)",
                base(),
                |a, _| admin_console(a),
                [0, 0, 0, 1, 0, 0],
            ),
            row(
                "submit a public report (P-27)",
                base(),
                |a, _| can_submit_triage_report(a),
                [1, 1, 1, 1, 1, 1],
            ),
            row(
                "create an advisory in the project (P-25)",
                base(),
                |a, _| can_create_advisory_for_project(a, TEAM),
                [0, 0, 1, 1, 0, 0],
            ),
            row(
                "create an advisory in a foreign project (P-25)",
                base(),
                |a, _| can_create_advisory_for_project(a, FOREIGN_TEAM),
                [0, 0, 0, 1, 0, 0],
            ),
            row(
                "own notification settings (P-47)",
                base(),
                |a, _| can_manage_own_notifications(a),
                [1, 1, 1, 1, 1, 0],
            ),
            row(
                "per-advisory notification override (P-47)",
                base(),
                can_override_advisory_notifications,
                [1, 1, 1, 1, 0, 0],
            ),
            row(
                "mention autocomplete (P-49)",
                base(),
                can_autocomplete_mentions,
                [1, 1, 1, 1, 0, 0],
            ),
        ];
        assert_rows(&rows);
    }

    #[test]
    fn new_advisory_gate_p26() {
        for who in EVERYONE {
            let actor = actor(who);
            let on_team = matches!(who, Who::Owner);
            let expected = matches!(who, Who::Owner | Who::Admin);
            assert_eq!(
                can_author_any_advisory(actor.as_ref(), on_team),
                expected,
                "{who:?}"
            );
        }
        assert!(!can_author_any_advisory(None, true));
    }

    // -- §6.1 overrides by lifecycle state -------------------------------------

    #[test]
    fn triage_native_inv_auth_5() {
        let triage = with(|f| f.state = State::Triage);
        let flagged = with(|f| {
            f.state = State::Triage;
            f.needs_admin_routing = true;
        });
        assert_rows(&[
            row("view", triage.clone(), can_view, [1, 1, 1, 1, 0, 0]),
            // grantees may comment on triage rows.
            row(
                "comment (Q-1)",
                triage.clone(),
                can_comment,
                [1, 1, 1, 1, 0, 0],
            ),
            row(
                "internal comments still collaborator+",
                triage.clone(),
                can_post_internal_comment,
                [0, 1, 1, 1, 0, 0],
            ),
            row(
                "edit is owner-only",
                triage.clone(),
                can_edit,
                [0, 0, 1, 1, 0, 0],
            ),
            row(
                "submit for review refused",
                triage.clone(),
                can_submit_for_review,
                [0, 0, 0, 0, 0, 0],
            ),
            row(
                "publish refused",
                triage.clone(),
                can_publish,
                [0, 0, 0, 0, 0, 0],
            ),
            row(
                "request a CVE refused",
                triage.clone(),
                can_request_cve,
                [0, 0, 0, 0, 0, 0],
            ),
            row(
                "triage (P-28)",
                triage.clone(),
                can_triage,
                [0, 0, 1, 1, 0, 0],
            ),
            row(
                "dismiss goes through P-28",
                triage.clone(),
                can_dismiss,
                [0, 0, 1, 1, 0, 0],
            ),
            row(
                "flag (P-29), not admins",
                triage.clone(),
                can_flag_for_admin_routing,
                [0, 0, 1, 0, 0, 0],
            ),
            row(
                "clear flag (P-30)",
                flagged,
                can_clear_admin_routing_flag,
                [0, 0, 1, 1, 0, 0],
            ),
            row(
                "reassign picker (P-31)",
                triage.clone(),
                can_reassign_triage,
                [0, 0, 0, 1, 0, 0],
            ),
            row(
                "reassign to the owner's other project (P-31)",
                triage.clone(),
                |a, f| can_reassign_triage_to(a, f, OTHER_TEAM),
                [0, 0, 1, 1, 0, 0],
            ),
            row(
                "reassign to a foreign project (P-31)",
                triage.clone(),
                |a, f| can_reassign_triage_to(a, f, FOREIGN_TEAM),
                [0, 0, 0, 1, 0, 0],
            ),
            row(
                "request draft reassignment refused",
                triage.clone(),
                can_request_reassignment,
                [0, 0, 0, 0, 0, 0],
            ),
            row(
                "move to GHSA (P-37)",
                triage,
                |a, f| can_move_to_ghsa(a, f, true),
                [0, 0, 1, 1, 0, 0],
            ),
        ]);
    }

    // triage: promote target (20 §6.4)
    #[test]
    fn promote_triage_to_a_target_l_4() {
        fn to(n: u128, team_group_id: i64) -> ProjectRef {
            ProjectRef {
                id: project(n),
                team_group_id,
            }
        }
        let triage = with(|f| f.state = State::Triage);
        let flagged = with(|f| {
            f.state = State::Triage;
            f.needs_admin_routing = true;
        });
        assert_rows(&[
            row(
                "its own project",
                triage.clone(),
                |a, f| can_promote_triage_to(a, f, to(1, TEAM)),
                [0, 0, 1, 1, 0, 0],
            ),
            row(
                "the owner's other project",
                triage.clone(),
                |a, f| can_promote_triage_to(a, f, to(2, OTHER_TEAM)),
                [0, 0, 1, 1, 0, 0],
            ),
            row(
                "a foreign project: admins only",
                triage.clone(),
                |a, f| can_promote_triage_to(a, f, to(3, FOREIGN_TEAM)),
                [0, 0, 0, 1, 0, 0],
            ),
            row(
                "flagged: admins only (INV-AUTH-6)",
                flagged,
                |a, f| can_promote_triage_to(a, f, to(1, TEAM)),
                [0, 0, 0, 1, 0, 0],
            ),
            row(
                "not in triage",
                base(),
                |a, f| can_promote_triage_to(a, f, to(1, TEAM)),
                [0, 0, 0, 0, 0, 0],
            ),
            row(
                "GHSA-linked: nobody",
                with(|f| {
                    f.state = State::Triage;
                    f.kind = Kind::GhsaLinked;
                }),
                |a, f| can_promote_triage_to(a, f, to(1, TEAM)),
                [0, 0, 0, 0, 0, 0],
            ),
        ]);
    }

    #[test]
    fn triage_flagged_for_routing_inv_auth_6() {
        let flagged = with(|f| {
            f.state = State::Triage;
            f.needs_admin_routing = true;
        });
        let flagged_unsorted = with(|f| {
            f.state = State::Triage;
            f.needs_admin_routing = true;
            f.project_is_unsorted = true;
        });
        assert_rows(&[
            row(
                "edit is admin-only",
                flagged.clone(),
                can_edit,
                [0, 0, 0, 1, 0, 0],
            ),
            row(
                "promote / dismiss admin-only",
                flagged.clone(),
                can_triage,
                [0, 0, 0, 1, 0, 0],
            ),
            row(
                "dismiss admin-only",
                flagged.clone(),
                can_dismiss,
                [0, 0, 0, 1, 0, 0],
            ),
            row(
                "no second flag",
                flagged.clone(),
                can_flag_for_admin_routing,
                [0, 0, 0, 0, 0, 0],
            ),
            row(
                "team clears on a real project",
                flagged.clone(),
                can_clear_admin_routing_flag,
                [0, 0, 1, 1, 0, 0],
            ),
            row(
                "nobody clears on unsorted (INV-INTAKE-4)",
                flagged_unsorted.clone(),
                can_clear_admin_routing_flag,
                [0, 0, 0, 0, 0, 0],
            ),
            row(
                "no flag on unsorted",
                with(|f| {
                    f.state = State::Triage;
                    f.project_is_unsorted = true;
                }),
                can_flag_for_admin_routing,
                [0, 0, 0, 0, 0, 0],
            ),
            row(
                "team may not reassign while flagged",
                flagged,
                |a, f| can_reassign_triage_to(a, f, OTHER_TEAM),
                [0, 0, 0, 1, 0, 0],
            ),
            row(
                "admins own unsorted and triage it",
                flagged_unsorted,
                can_triage,
                [0, 0, 0, 1, 0, 0],
            ),
        ]);
    }

    #[test]
    fn triage_ghsa_linked_has_no_human_triage_action() {
        let facts = with(|f| {
            f.state = State::Triage;
            f.kind = Kind::GhsaLinked;
        });
        let none = [0, 0, 0, 0, 0, 0];
        assert_rows(&[
            row("promote", facts.clone(), can_triage, none),
            row("dismiss", facts.clone(), can_dismiss, none),
            row("flag", facts.clone(), can_flag_for_admin_routing, none),
            row("reassign picker", facts.clone(), can_reassign_triage, none),
            row(
                "reassign",
                facts.clone(),
                |a, f| can_reassign_triage_to(a, f, OTHER_TEAM),
                none,
            ),
            row("edit", facts.clone(), can_edit, none),
            row("view stays", facts, can_view, [1, 1, 1, 1, 0, 0]),
        ]);
    }

    #[test]
    fn published_overrides() {
        let published = with(|f| f.state = State::Published);
        assert_rows(&[
            row(
                "dismiss refused",
                published.clone(),
                can_dismiss,
                [0, 0, 0, 0, 0, 0],
            ),
            row(
                "dismiss refused even with a CVE",
                with(|f| {
                    f.state = State::Published;
                    f.assigned_cve_id_blank = false;
                }),
                can_dismiss,
                [0, 0, 0, 0, 0, 0],
            ),
            row(
                "edit stays",
                published.clone(),
                can_edit,
                [0, 1, 1, 1, 0, 0],
            ),
            row(
                "submit for review refused",
                published.clone(),
                can_submit_for_review,
                [0, 0, 0, 0, 0, 0],
            ),
            row(
                "draft reassignment refused",
                published.clone(),
                can_request_reassignment,
                [0, 0, 0, 0, 0, 0],
            ),
            row(
                "re-publish by admin",
                published.clone(),
                can_publish,
                [0, 0, 0, 1, 0, 0],
            ),
            row(
                "request a CVE",
                published.clone(),
                can_request_cve,
                [0, 0, 1, 1, 0, 0],
            ),
            row(
                "move to GHSA refused",
                published,
                |a, f| can_move_to_ghsa(a, f, true),
                [0, 0, 0, 0, 0, 0],
            ),
        ]);
    }

    #[test]
    fn dismissed_overrides() {
        let dismissed = with(|f| {
            f.state = State::Dismissed;
            f.dismissed_from_state = Some(State::Draft);
            f.review_status = ReviewStatus::Approved;
            f.project_is_mature_publisher = true;
        });
        let none = [0, 0, 0, 0, 0, 0];
        assert_rows(&[
            row("edit refused", dismissed.clone(), can_edit, none),
            row("publish refused", dismissed.clone(), can_publish, none),
            row(
                "submit refused",
                dismissed.clone(),
                can_submit_for_review,
                none,
            ),
            row(
                "request a CVE refused",
                dismissed.clone(),
                can_request_cve,
                none,
            ),
            row(
                "dismiss again refused",
                dismissed.clone(),
                can_dismiss,
                none,
            ),
            row(
                "reopen (owner)",
                dismissed.clone(),
                can_reopen,
                [0, 0, 1, 1, 0, 0],
            ),
            row("view", dismissed.clone(), can_view, [1, 1, 1, 1, 0, 0]),
            row(
                "comment",
                dismissed.clone(),
                can_comment,
                [1, 1, 1, 1, 0, 0],
            ),
            row(
                "lock comments",
                dismissed.clone(),
                can_lock_comments,
                [0, 0, 1, 1, 0, 0],
            ),
            row(
                "manage access",
                dismissed.clone(),
                can_grant_access,
                [0, 0, 1, 1, 0, 0],
            ),
            row(
                "reopen a dismissal from triage",
                with(|f| {
                    f.state = State::Dismissed;
                    f.dismissed_from_state = Some(State::Triage);
                }),
                can_reopen,
                [0, 0, 1, 1, 0, 0],
            ),
            row(
                "reopen with a blank dismissed_from_state",
                with(|f| f.state = State::Dismissed),
                can_reopen,
                [0, 0, 1, 1, 0, 0],
            ),
        ]);
        for state in [State::Triage, State::Draft, State::Published] {
            let facts = with(|f| {
                f.state = state;
                f.dismissed_from_state = Some(State::Draft);
            });
            assert!(!check(Who::Admin, &facts, can_reopen), "{state}");
        }
    }

    // -- §6.2 overrides by review state -----------------------------------------

    #[test]
    fn submitted_review_inv_perm_3() {
        for state in [State::Draft, State::Published] {
            for mature in [false, true] {
                let facts = with(|f| {
                    f.state = state;
                    f.review_status = ReviewStatus::Submitted;
                    f.project_is_mature_publisher = mature;
                });
                assert_rows(&[
                    row(
                        "edit admin-only",
                        facts.clone(),
                        can_edit,
                        [0, 0, 0, 1, 0, 0],
                    ),
                    row(
                        "publish refused to everyone",
                        facts.clone(),
                        can_publish,
                        [0, 0, 0, 0, 0, 0],
                    ),
                    row(
                        "withdraw review",
                        facts.clone(),
                        can_withdraw_review,
                        [0, 0, 1, 0, 0, 0],
                    ),
                    row(
                        "no second submission",
                        facts.clone(),
                        can_submit_for_review,
                        [0, 0, 0, 0, 0, 0],
                    ),
                    row(
                        "admins decide",
                        facts,
                        |a, _| can_review(a),
                        [0, 0, 0, 1, 0, 0],
                    ),
                ]);
            }
        }
    }

    #[test]
    fn approved_review() {
        let approved = with(|f| f.review_status = ReviewStatus::Approved);
        assert_rows(&[
            row(
                "team publishes (INV-PERM-1)",
                approved.clone(),
                can_publish,
                [0, 0, 1, 1, 0, 0],
            ),
            row(
                "submitting again supersedes",
                approved.clone(),
                can_submit_for_review,
                [0, 0, 1, 0, 0, 0],
            ),
            row(
                "collaborators still edit",
                approved.clone(),
                can_edit,
                [0, 1, 1, 1, 0, 0],
            ),
            row("revoke", approved, can_revoke_approval, [0, 0, 0, 1, 0, 0]),
        ]);
    }

    // -- §6.3 overrides by kind ---------------------------------------------------

    #[test]
    fn ghsa_linked_overrides_inv_ghsa_1_3() {
        let ghsa = with(|f| f.kind = Kind::GhsaLinked);
        let approved = with(|f| {
            f.kind = Kind::GhsaLinked;
            f.review_status = ReviewStatus::Approved;
            f.project_is_mature_publisher = true;
        });
        let none = [0, 0, 0, 0, 0, 0];
        assert_rows(&[
            row("no edit surface", ghsa.clone(), can_edit, none),
            row(
                "no project change",
                ghsa.clone(),
                |a, f| can_change_project(a, f, OTHER_TEAM),
                none,
            ),
            row("no submit", ghsa.clone(), can_submit_for_review, none),
            row(
                "no withdraw review",
                with(|f| {
                    f.kind = Kind::GhsaLinked;
                    f.review_status = ReviewStatus::Submitted;
                }),
                can_withdraw_review,
                none,
            ),
            row("no revoke", approved.clone(), can_revoke_approval, none),
            row(
                "no reopen review",
                with(|f| {
                    f.kind = Kind::GhsaLinked;
                    f.review_status = ReviewStatus::ChangesRequested;
                }),
                can_reopen_review,
                none,
            ),
            row(
                "no draft reassignment request",
                ghsa.clone(),
                can_request_reassignment,
                none,
            ),
            row(
                "no routing flag",
                with(|f| {
                    f.kind = Kind::GhsaLinked;
                    f.state = State::Triage;
                }),
                can_flag_for_admin_routing,
                none,
            ),
            row(
                "owners cannot publish; admin break-glass",
                approved,
                can_publish,
                [0, 0, 0, 1, 0, 0],
            ),
            row(
                "move to GHSA not applicable",
                ghsa.clone(),
                |a, f| can_move_to_ghsa(a, f, true),
                none,
            ),
            row(
                "CVE requests apply",
                ghsa.clone(),
                can_request_cve,
                [0, 0, 1, 1, 0, 0],
            ),
            row(
                "comments apply",
                ghsa.clone(),
                can_comment,
                [1, 1, 1, 1, 0, 0],
            ),
            row(
                "access management applies",
                ghsa.clone(),
                can_grant_access,
                [0, 0, 1, 1, 0, 0],
            ),
            row(
                "sync applies",
                ghsa.clone(),
                can_sync_ghsa,
                [0, 0, 1, 1, 0, 0],
            ),
            row(
                "withdrawal rules apply",
                with(|f| {
                    f.kind = Kind::GhsaLinked;
                    f.state = State::Published;
                    f.project_is_mature_publisher = true;
                }),
                can_withdraw_published,
                [0, 0, 1, 1, 0, 0],
            ),
        ]);
        assert_rows(&[row("native is not synced", base(), can_sync_ghsa, none)]);
    }

    // -- §6.4 comment lock ----------------------------------------------------------

    #[test]
    fn comment_lock_only_owners_post() {
        let locked = with(|f| f.comments_locked = true);
        assert_rows(&[
            row("post", locked.clone(), can_comment, [0, 0, 1, 1, 0, 0]),
            row(
                "post internal",
                locked.clone(),
                can_post_internal_comment,
                [0, 0, 1, 1, 0, 0],
            ),
            row(
                "autocomplete follows posting",
                locked.clone(),
                can_autocomplete_mentions,
                [0, 0, 1, 1, 0, 0],
            ),
            row(
                "reading is unaffected",
                locked.clone(),
                can_see_internal_comment,
                [0, 1, 1, 1, 0, 0],
            ),
            row("unlock", locked, can_lock_comments, [0, 0, 1, 1, 0, 0]),
        ]);
    }

    // -- §7 mature publisher ----------------------------------------------------------

    #[test]
    fn publish_eligibility_matrix_inv_perm_1_2_3() {
        // (mature, review) → [viewer, collaborator, owner, admin]
        let cases = [
            (false, ReviewStatus::None, [0, 0, 0, 1]),
            (false, ReviewStatus::ChangesRequested, [0, 0, 0, 1]),
            (false, ReviewStatus::Approved, [0, 0, 1, 1]),
            (false, ReviewStatus::Submitted, [0, 0, 0, 0]),
            (true, ReviewStatus::None, [0, 0, 1, 1]),
            (true, ReviewStatus::ChangesRequested, [0, 0, 1, 1]),
            (true, ReviewStatus::Approved, [0, 0, 1, 1]),
            (true, ReviewStatus::Submitted, [0, 0, 0, 0]),
        ];
        for (mature, review, expected) in cases {
            let facts = with(|f| {
                f.project_is_mature_publisher = mature;
                f.review_status = review;
            });
            let [v, c, o, a] = expected;
            assert_rows(&[row(
                if mature { "mature" } else { "non-mature" },
                facts,
                can_publish,
                [v, c, o, a, 0, 0],
            )]);
        }
    }

    #[test]
    fn mature_status_comes_only_from_the_project_column_inv_perm_2() {
        // A collaborator of a mature project gains nothing from maturity.
        let facts = with(|f| {
            f.state = State::Published;
            f.project_is_mature_publisher = true;
        });
        assert!(!check(Who::Collaborator, &facts, can_withdraw_published));
        assert!(!check(Who::Collaborator, &facts, can_publish));
    }

    // -- INV-AUTH-9 draft reassignment ------------------------------------------------

    #[test]
    fn requester_never_accepts_inv_auth_9() {
        let facts = with(|f| {
            f.reassignment_pending = true;
            f.reassignment_requested_by = Some(USER_OWNER);
            f.reassignment_suggested = Some(suggested(OTHER_TEAM));
        });
        assert!(!check(
            Who::Owner,
            &facts,
            can_accept_reassignment_suggestion
        ));
        assert!(!check(Who::Owner, &facts, |a, f| {
            can_resolve_reassignment(a, f, Some(suggested(OTHER_TEAM)))
        }));
        assert!(check(Who::Owner, &facts, can_withdraw_reassignment_request));
        // The team keeps editing and publishing while a request is pending.
        let approved = AdvisoryFacts {
            review_status: ReviewStatus::Approved,
            ..facts
        };
        assert!(check(Who::Owner, &approved, can_edit));
        assert!(check(Who::Owner, &approved, can_publish));
    }

    #[test]
    fn resolve_needs_a_different_target() {
        let facts = with(|f| f.reassignment_pending = true);
        let same = ProjectRef {
            id: facts.project_id,
            team_group_id: TEAM,
        };
        assert!(!check(Who::Admin, &facts, |a, f| can_resolve_reassignment(
            a,
            f,
            Some(same)
        )));
        assert!(!check(Who::Admin, &facts, |a, f| can_resolve_reassignment(
            a, f, None
        )));
        assert!(!check(
            Who::Admin,
            &facts,
            can_accept_reassignment_suggestion
        ));
        let idle = base();
        assert!(!check(Who::Admin, &idle, |a, f| {
            can_resolve_reassignment(a, f, Some(suggested(OTHER_TEAM)))
        }));
    }

    // -- feature flags and comments ------------------------------------------------------

    #[test]
    fn feature_flags_gate_p37_p45_inv_sim_2() {
        let facts = base();
        for who in EVERYONE {
            assert!(
                !check(who, &facts, |a, f| can_move_to_ghsa(a, f, false)),
                "{who:?}"
            );
            assert!(
                !check(who, &facts, |a, f| can_view_similarity(a, f, false)),
                "{who:?}"
            );
        }
        let no_pvr = with(|f| f.project_has_pvr_repo = false);
        assert!(!check(Who::Admin, &no_pvr, |a, f| can_move_to_ghsa(
            a, f, true
        )));
    }

    #[test]
    fn comments_p43_p44_inv_comment_2_4() {
        fn internal(a: Option<&Actor>) -> CommentFacts {
            CommentFacts {
                is_internal: true,
                ..own_comment(a)
            }
        }
        fn redacted(a: Option<&Actor>) -> CommentFacts {
            CommentFacts {
                is_redacted: true,
                ..own_comment(a)
            }
        }
        assert_rows(&[
            // A viewer (say, a demoted collaborator) loses their own internal comments.
            row(
                "edit own internal comment",
                base(),
                |a, f| can_edit_comment(a, f, &internal(a)),
                [0, 1, 1, 1, 0, 0],
            ),
            row(
                "redact own internal comment",
                base(),
                |a, f| can_redact_comment(a, f, &internal(a)),
                [0, 1, 1, 1, 0, 0],
            ),
            row(
                "see own internal comment",
                base(),
                |a, f| can_see_comment(a, f, &internal(a)),
                [0, 1, 1, 1, 0, 0],
            ),
            row(
                "edit a redacted comment",
                base(),
                |a, f| can_edit_comment(a, f, &redacted(a)),
                [0; 6],
            ),
            row(
                "redact twice",
                base(),
                |a, f| can_redact_comment(a, f, &redacted(a)),
                [0; 6],
            ),
            row(
                "a forgotten author's comment",
                base(),
                |a, f| {
                    let c = CommentFacts {
                        author_id: None,
                        ..own_comment(a)
                    };
                    can_edit_comment(a, f, &c)
                },
                [0; 6],
            ),
        ]);
    }

    // -- Q-19 refusals ---------------------------------------------------------------------

    #[test]
    fn authorize_hides_existence_q19() {
        let facts = base();
        let refusal = |who: Who, allowed: bool| {
            let actor = actor(who);
            authorize(actor.as_ref(), &facts_for(who, &facts), allowed)
        };
        assert_eq!(refusal(Who::Anonymous, true), Err(Denial::NotAuthenticated));
        // An invisible advisory is "not found" even for an action the caller
        // would otherwise pass.
        assert_eq!(refusal(Who::Outsider, true), Err(Denial::NotFound));
        assert_eq!(refusal(Who::Outsider, false), Err(Denial::NotFound));
        assert_eq!(refusal(Who::Viewer, false), Err(Denial::Forbidden));
        assert_eq!(refusal(Who::Viewer, true), Ok(()));
    }

    // -- Exhaustive properties ----------------------------------------------------------------

    /// Every combination of the facts the predicates branch on.
    fn all_facts() -> Vec<AdvisoryFacts> {
        let mut out = Vec::new();
        let dismissed_from = [
            None,
            Some(State::Triage),
            Some(State::Draft),
            Some(State::Published),
        ];
        for state in State::ALL {
            for review_status in ReviewStatus::ALL {
                for kind in Kind::ALL {
                    for from in dismissed_from {
                        for bits in 0u32..(1 << 10) {
                            let bit = |n: u32| bits & (1 << n) != 0;
                            out.push(AdvisoryFacts {
                                state,
                                review_status,
                                kind,
                                dismissed_from_state: from,
                                project_is_mature_publisher: bit(0),
                                project_is_unsorted: bit(1),
                                needs_admin_routing: bit(2),
                                comments_locked: bit(3),
                                assigned_cve_id_blank: bit(4),
                                cve_requests_banned: bit(5),
                                has_queued_cve_request: bit(6),
                                withdrawal_pending: bit(7),
                                reassignment_pending: bit(8),
                                reassignment_suggested: bit(9).then(|| suggested(OTHER_TEAM)),
                                ..base()
                            });
                        }
                    }
                }
            }
        }
        out
    }

    fn advisory_predicates() -> Vec<(&'static str, Predicate)> {
        vec![
            ("can_see_user_emails", can_see_user_emails),
            ("can_comment", can_comment),
            ("can_lock_comments", can_lock_comments),
            ("can_post_internal_comment", can_post_internal_comment),
            ("can_see_internal_comment", can_see_internal_comment),
            ("can_edit", can_edit),
            ("can_change_project", |a, f| {
                can_change_project(a, f, OTHER_TEAM)
            }),
            ("can_grant_access", can_grant_access),
            ("can_request_cve", can_request_cve),
            ("can_submit_for_review", can_submit_for_review),
            ("can_withdraw_review", can_withdraw_review),
            ("can_dismiss", can_dismiss),
            ("can_reopen", can_reopen),
            ("can_request_withdrawal", can_request_withdrawal),
            ("can_triage", can_triage),
            ("can_flag_for_admin_routing", can_flag_for_admin_routing),
            ("can_clear_admin_routing_flag", can_clear_admin_routing_flag),
            ("can_reassign_triage_to", |a, f| {
                can_reassign_triage_to(a, f, OTHER_TEAM)
            }),
            ("can_promote_triage_to", |a, f| {
                can_promote_triage_to(
                    a,
                    f,
                    ProjectRef {
                        id: project(2),
                        team_group_id: OTHER_TEAM,
                    },
                )
            }),
            ("can_request_reassignment", can_request_reassignment),
            (
                "can_withdraw_reassignment_request",
                can_withdraw_reassignment_request,
            ),
            (
                "can_accept_reassignment_suggestion",
                can_accept_reassignment_suggestion,
            ),
            ("can_move_to_ghsa", |a, f| can_move_to_ghsa(a, f, true)),
            ("can_sync_ghsa", can_sync_ghsa),
            ("can_edit_comment", |a, f| {
                can_edit_comment(a, f, &own_comment(a))
            }),
            ("can_redact_comment", |a, f| {
                can_redact_comment(a, f, &others_comment())
            }),
            ("can_view_similarity", |a, f| {
                can_view_similarity(a, f, true)
            }),
            ("can_view_history", can_view_history),
            ("can_autocomplete_mentions", can_autocomplete_mentions),
            (
                "can_override_advisory_notifications",
                can_override_advisory_notifications,
            ),
            ("can_publish (team)", |a, f| !admin(a) && can_publish(a, f)),
            ("can_reopen_review (team)", |a, f| {
                !admin(a) && can_reopen_review(a, f)
            }),
            ("can_withdraw_published (team)", |a, f| {
                !admin(a) && can_withdraw_published(a, f)
            }),
            ("can_cancel_withdrawal_request (team)", |a, f| {
                !admin(a) && can_cancel_withdrawal_request(a, f)
            }),
        ]
    }

    /// Overrides only remove (§6): no advisory action for someone who cannot
    /// see the advisory (INV-AUTH-1, Q-19), and anonymous callers get nothing.
    #[test]
    fn every_advisory_predicate_implies_can_view() {
        let predicates = advisory_predicates();
        for facts in all_facts() {
            for who in EVERYONE {
                let visible = check(who, &facts, can_view);
                for (name, predicate) in &predicates {
                    if check(who, &facts, predicate) {
                        assert!(
                            visible,
                            "{name} true without can_view for {who:?} on {facts:?}"
                        );
                    }
                }
            }
        }
    }

    /// INV-AUTH-5, INV-PERM-3, INV-REVIEW-3 and the dismissed override hold
    /// over every combination of facts.
    #[test]
    fn invariants_hold_over_every_combination() {
        for facts in all_facts() {
            for who in EVERYONE {
                let r = {
                    let actor = actor(who);
                    role(actor.as_ref(), &facts_for(who, &facts))
                };
                let is_admin = who == Who::Admin;
                if facts.state == State::Triage {
                    // INV-AUTH-5: triage mutation is owner-only; nobody publishes or submits.
                    if check(who, &facts, can_edit) || check(who, &facts, can_triage) {
                        assert_eq!(r, Some(Role::Owner), "{who:?} {facts:?}");
                    }
                    assert!(!check(who, &facts, can_publish));
                    assert!(!check(who, &facts, can_submit_for_review));
                    assert!(!check(who, &facts, can_request_cve));
                    // INV-AUTH-6.
                    if facts.needs_admin_routing {
                        assert!(!check(who, &facts, can_edit) || is_admin);
                        assert!(!check(who, &facts, can_triage) || is_admin);
                        assert!(!check(who, &facts, can_dismiss) || is_admin);
                    }
                }
                if facts.review_status == ReviewStatus::Submitted {
                    assert!(
                        !check(who, &facts, can_publish),
                        "INV-PERM-3 {who:?} {facts:?}"
                    );
                    assert!(!check(who, &facts, can_edit) || is_admin);
                }
                if is_admin {
                    assert!(!check(who, &facts, can_submit_for_review), "INV-REVIEW-3");
                    assert!(!check(who, &facts, can_withdraw_review), "INV-REVIEW-3");
                    assert!(!check(who, &facts, can_flag_for_admin_routing));
                    assert!(!check(who, &facts, can_request_withdrawal));
                    assert!(!check(who, &facts, can_request_reassignment));
                }
                if facts.state == State::Dismissed {
                    for p in [
                        can_edit,
                        can_publish,
                        can_submit_for_review,
                        can_request_cve,
                        can_dismiss,
                    ] {
                        assert!(!check(who, &facts, p), "{who:?} {facts:?}");
                    }
                }
                if facts.kind == Kind::GhsaLinked {
                    assert!(!check(who, &facts, can_edit), "INV-GHSA-1");
                    assert!(!check(who, &facts, can_publish) || is_admin, "INV-GHSA-3");
                }
                if who == Who::Anonymous {
                    assert_eq!(r, None, "INV-AUTH-8");
                }
            }
        }
    }

    // -- database spellings ---------------------------------------------------------------------

    #[test]
    fn enums_round_trip_their_database_spelling() {
        for state in State::ALL {
            assert_eq!(state.as_str().parse::<State>(), Ok(state));
        }
        for review in ReviewStatus::ALL {
            assert_eq!(review.as_str().parse::<ReviewStatus>(), Ok(review));
        }
        for kind in Kind::ALL {
            assert_eq!(kind.as_str().parse::<Kind>(), Ok(kind));
        }
        assert_eq!(
            State::ALL.map(State::as_str),
            ["triage", "draft", "published", "dismissed"]
        );
        assert_eq!(
            ReviewStatus::ALL.map(ReviewStatus::as_str),
            ["none", "submitted", "changes_requested", "approved"]
        );
        assert_eq!(Kind::ALL.map(Kind::as_str), ["native", "ghsa_linked"]);
        assert!("Draft".parse::<State>().is_err());
        assert!("".parse::<State>().is_err());
        assert!("pending".parse::<ReviewStatus>().is_err());
        assert!("ghsa".parse::<Kind>().is_err());
        assert_eq!(State::parse_dismissed_from(""), Ok(None));
        assert_eq!(
            State::parse_dismissed_from("published"),
            Ok(Some(State::Published))
        );
        assert!(State::parse_dismissed_from("gone").is_err());
    }

    #[test]
    fn serde_uses_the_database_spelling() {
        assert_eq!(
            serde_json::to_string(&ReviewStatus::ChangesRequested).unwrap(),
            "\"changes_requested\""
        );
        assert_eq!(
            serde_json::to_string(&Kind::GhsaLinked).unwrap(),
            "\"ghsa_linked\""
        );
        assert_eq!(serde_json::to_string(&Role::Owner).unwrap(), "\"owner\"");
    }
}
