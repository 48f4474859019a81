//! What the advisory page's panels read, in one statement
//! (`sql/panels.sql`): the page takes every part of it, and a panel's own
//! refresh takes its part, so there is one source for each panel's rows and
//! a view costs one round trip for all of them (docs/performance.md). The
//! page's own read also records the view and reads what only the page shows:
//! the projects of its pickers and the triage card's intake record
//! (`fetch_viewing`).

use sqlx::PgConnection;
use sqlx::types::Json;

use super::repo::AdvisoryRow;
use crate::access::panel::{AccessRows, GrantRow, InvitationRow};
use crate::access::permissions::{self as perm, Actor, AdvisoryFacts, Role};
use crate::advisories::pages::VersionRow;
use crate::advisories::workflow::common::ProjectInfo;
use crate::advisories::workflow::panel::{self as workflow_panel, WorkflowRow};
use crate::advisories::workflow::triage_panel::{self, IntakeRow};
use crate::audit::access_log::RequestOrigin;
use crate::audit::catalogue::{Action, Store};
use crate::comments::timeline::{CommentRow, EventRow, TimelineRows};
use crate::cve::panel::CveRow;
use crate::notifications::preferences::NotificationRow;
use crate::publication::panel::PublicationRow;
use crate::review::panel::ReviewRow;

pub struct PanelData {
    pub versions: Vec<VersionRow>,
    pub workflow: WorkflowRow,
    pub review: ReviewRow,
    pub cve: Vec<CveRow>,
    pub publication: Vec<PublicationRow>,
    pub access: AccessRows,
    pub notifications: NotificationRow,
    pub timeline: TimelineRows,
    /// Every project, when a picker of the page lists them; else empty.
    pub projects: Vec<ProjectInfo>,
    /// The triage card's intake record, when the card is shown.
    pub intake: Option<IntakeRow>,
}

impl PanelData {
    /// Reads every panel's rows of `row` as `actor` may see them.
    pub async fn fetch(
        conn: &mut PgConnection,
        actor: &Actor,
        row: &AdvisoryRow,
        facts: &AdvisoryFacts,
    ) -> Result<PanelData, sqlx::Error> {
        Self::read(conn, actor, row, facts, None).await
    }

    /// `fetch`, for the advisory page: the same statement reads what only
    /// the page shows (the projects of its pickers, the triage card's intake
    /// record) and records that `actor` opened it from `origin` (50-web-ui
    /// §6): their notifications of it read, the visit marker, the view on the
    /// access log and, on the first visit, the receipt on the ledger
    /// (INV-AUDIT-6). Nothing is recorded for a caller with no role on the
    /// advisory.
    pub async fn fetch_viewing(
        conn: &mut PgConnection,
        actor: &Actor,
        row: &AdvisoryRow,
        facts: &AdvisoryFacts,
        origin: &RequestOrigin,
    ) -> Result<PanelData, sqlx::Error> {
        Self::read(conn, actor, row, facts, Some(origin)).await
    }

    async fn read(
        conn: &mut PgConnection,
        actor: &Actor,
        row: &AdvisoryRow,
        facts: &AdvisoryFacts,
        page: Option<&RequestOrigin>,
    ) -> Result<PanelData, sqlx::Error> {
        // The statement writes the rows `audit::record` would, to the stores
        // the catalogue routes these actions to.
        const _: () = assert!(
            matches!(Action::AdvisoryViewed.store(), Store::AccessLog)
                && matches!(Action::AdvisoryFirstSeen.store(), Store::Ledger)
        );
        let me = Some(actor);
        let role = perm::role(me, facts);
        let view = page.filter(|_| role.is_some());
        let projects_listed = page.is_some()
            && (workflow_panel::lists_projects(actor, facts)
                || triage_panel::lists_projects(actor, facts));
        let intake_shown = page.is_some() && triage_panel::shown(facts);
        let timeline_actions: Vec<String> = role
            .into_iter()
            .flat_map(Action::visible_on_timeline)
            .map(|a| a.as_str().to_owned())
            .collect();
        let r = sqlx::query_file!(
            "src/advisories/sql/panels.sql",
            row.id,
            role == Some(Role::Owner),
            row.project_team_id,
            perm::can_grant_access(me, facts),
            actor.is_admin,
            &actor.group_ids,
            crate::cve::panel::HISTORY_LIMIT,
            crate::publication::panel::HISTORY_LIMIT,
            actor.user_id,
            &timeline_actions,
            perm::can_see_internal_comment(me, facts),
            view.map(|_| Action::AdvisoryViewed.as_str()),
            Action::AdvisoryFirstSeen.as_str(),
            view.and_then(RequestOrigin::stored_ip),
            view.map_or("", RequestOrigin::stored_user_agent),
            projects_listed,
            intake_shown,
        )
        .fetch_one(conn)
        .await?;
        Ok(PanelData {
            versions: r.versions.0,
            workflow: r.workflow.0,
            review: r.review.0,
            cve: r.cve.0,
            publication: r.publication.0,
            access: AccessRows {
                grants: r.grants.0,
                invitations: r.invitations.0,
                grantable_groups: r.grantable_groups,
            },
            notifications: r.notifications.0,
            timeline: TimelineRows {
                comments: r.comments.0,
                events: r.events.0,
                pruned_before: r.pruned_before,
            },
            projects: r.projects.0,
            intake: r.intake.map(|i| i.0),
        })
    }
}
