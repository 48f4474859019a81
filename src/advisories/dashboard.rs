//! The signed-in home page: my advisories, what changed recently and what
//! waits for me, each over the visible set only (INV-PRIVACY-1), in a fixed
//! number of statements.

use sqlx::PgConnection;
use time::OffsetDateTime;

use crate::access::permissions::Actor;

/// One advisory in a dashboard panel.
#[derive(Clone, Debug)]
pub struct Item {
    pub advisory_id: String,
    pub summary: String,
    pub project_name: String,
    pub state: String,
    pub review_status: String,
    pub severity_level: String,
    pub modified_at: OffsetDateTime,
}

/// Advisories I created that are still open, most recently changed first.
pub async fn mine(conn: &mut PgConnection, viewer: &Actor) -> Result<Vec<Item>, sqlx::Error> {
    sqlx::query_as!(
        Item,
        "SELECT a.advisory_id, a.summary, p.name AS project_name, a.state, a.review_status,
                a.severity_level, a.modified_at
         FROM advisory a JOIN project p ON p.id = a.project_id
         WHERE a.created_by = $1 AND a.state <> 'dismissed'
         ORDER BY a.modified_at DESC, a.id DESC LIMIT 10",
        viewer.user_id
    )
    .fetch_all(conn)
    .await
}

/// What waits for the caller (50-web-ui §14.1 for admins, the owner's
/// counterparts for security teams): reviews to decide for an admin; for a
/// team member, triage reports to sort, changes requested by the reviewer and
/// approved drafts to publish on their projects.
pub async fn needs_action(
    conn: &mut PgConnection,
    viewer: &Actor,
) -> Result<Vec<Item>, sqlx::Error> {
    sqlx::query_as!(
        Item,
        "SELECT a.advisory_id, a.summary, p.name AS project_name, a.state, a.review_status,
                a.severity_level, a.modified_at
         FROM advisory a JOIN project p ON p.id = a.project_id
         WHERE ($1 AND a.review_status = 'submitted')
            OR (($1 OR p.security_team_id = ANY($2))
                AND (a.state = 'triage'
                     OR (a.state = 'draft' AND a.review_status IN ('changes_requested', 'approved'))
                     OR (a.state = 'published' AND a.republish_required)))
         ORDER BY a.modified_at ASC, a.id ASC LIMIT 20",
        viewer.is_admin,
        &viewer.group_ids
    )
    .fetch_all(conn)
    .await
}

impl Item {
    /// Why it is on the "needs my action" panel: a catalogue key.
    pub fn reason(&self) -> &'static str {
        match (self.state.as_str(), self.review_status.as_str()) {
            (_, "submitted") => "reason-review-requested",
            ("triage", _) => "reason-triage",
            ("draft", "changes_requested") => "reason-changes-requested",
            ("draft", "approved") => "reason-approved",
            _ => "reason-republish",
        }
    }
}
