//! What the access panel shows (50-web-ui §9, widened by the issue): who has
//! access to an advisory and why — the admin group and the project's
//! security team as locked owners, then collaborators and viewers from
//! grants, then (owners only) the open invitations. Everyone who can view
//! the advisory sees the panel; only owners get the forms, the e-mail
//! addresses in full (P-02, INV-PRIVACY-4: others see them masked, except
//! their own) and the invitations.

use sqlx::PgConnection;

use super::grants::Permission;
use super::permissions::{self as perm, Actor, AdvisoryFacts};
use super::privacy::mask_email;
use crate::advisories::pages::when;
use crate::advisories::panels::PanelData;
use crate::advisories::repo::AdvisoryRow;
use crate::web::routes;

/// One row of a bucket.
#[derive(Clone, Debug)]
pub struct Row {
    /// The display name or `@group`.
    pub label: String,
    /// The e-mail as this reader may see it; empty for groups.
    pub email: String,
    /// Why the row is there: a catalogue key ("access-why-…").
    pub why: &'static str,
    pub is_group: bool,
    pub grant_id: Option<i64>,
    pub invitation_id: Option<i64>,
    /// `viewer` or `collaborator` for grants and invitations.
    pub permission: &'static str,
    /// An invitation's expiry, `YYYY-MM-DD HH:MM UTC`.
    pub expires: String,
    pub expired: bool,
}

impl Row {
    /// The form field naming this row's grant or invitation.
    pub fn id_field(&self) -> &'static str {
        if self.invitation_id.is_some() {
            "invitation_id"
        } else {
            "grant_id"
        }
    }

    pub fn id(&self) -> i64 {
        self.grant_id.or(self.invitation_id).unwrap_or_default()
    }

    /// A unique element id for the row's controls.
    pub fn dom_id(&self) -> String {
        match self.invitation_id {
            Some(id) => format!("invitation-{id}"),
            None => format!("grant-{}", self.id()),
        }
    }

    pub fn update_op(&self) -> &'static str {
        if self.invitation_id.is_some() {
            "update_invitation"
        } else {
            "update"
        }
    }

    pub fn revoke_op(&self) -> &'static str {
        if self.invitation_id.is_some() {
            "revoke_invitation"
        } else {
            "revoke"
        }
    }
}

/// The panel of one advisory, for one reader.
#[derive(Clone, Debug, Default)]
pub struct Panel {
    pub advisory_id: String,
    /// `can_grant_access` (P-09): the forms and the invitations.
    pub manage: bool,
    pub owners: Vec<Row>,
    pub collaborators: Vec<Row>,
    pub viewers: Vec<Row>,
    pub invitations: Vec<Row>,
    /// Groups the reader may grant (the datalist).
    pub grantable_groups: Vec<String>,
    /// The access-review banner: when the project changed, for owners.
    pub review_since: Option<String>,
    /// Problems of a refused save, already translated.
    pub errors: Vec<String>,
    /// What the add form held when a save was refused.
    pub principal: String,
    pub permission: String,
    /// A status line after a save made with htmx.
    pub status: Option<String>,
}

impl Panel {
    pub fn save_path(&self) -> String {
        routes::of_advisory(routes::ADVISORY_ACCESS_SAVE, &self.advisory_id)
    }

    pub fn panel_path(&self) -> String {
        routes::of_advisory(routes::ADVISORY_ACCESS, &self.advisory_id)
    }

    pub fn dismiss_path(&self) -> String {
        routes::of_advisory(routes::ADVISORY_ACCESS_REVIEW_DISMISS, &self.advisory_id)
    }

    /// The permissions a form offers, with their catalogue keys.
    pub fn permissions(&self) -> [(&'static str, &'static str); 2] {
        [
            (Permission::Viewer.as_str(), "role-viewer"),
            (Permission::Collaborator.as_str(), "role-collaborator"),
        ]
    }

    /// The grant buckets after the owners, with their heading keys.
    pub fn buckets(&self) -> [(&'static str, &[Row]); 2] {
        [
            ("access-collaborators", &self.collaborators),
            ("access-viewers", &self.viewers),
        ]
    }

    /// The permission the add form preselects.
    pub fn chosen(&self, permission: &str) -> bool {
        if self.permission.is_empty() {
            permission == Permission::Viewer.as_str()
        } else {
            self.permission == permission
        }
    }
}

/// A grant as `advisories::panels` reads it.
#[derive(Debug, serde::Deserialize)]
pub struct GrantRow {
    id: i64,
    principal_type: String,
    principal_id: i64,
    permission: String,
    email: Option<String>,
    display_name: Option<String>,
    group_name: Option<String>,
}

/// An open invitation as `advisories::panels` reads it.
#[derive(Debug, serde::Deserialize)]
pub struct InvitationRow {
    id: i64,
    email: String,
    permission: String,
    #[serde(with = "time::serde::rfc3339")]
    expires_at: time::OffsetDateTime,
    expired: bool,
}

/// What the panel shows of an advisory's grants, as `advisories::panels`
/// reads it; invitations and groups only for those who manage access.
pub struct AccessRows {
    pub grants: Vec<GrantRow>,
    pub invitations: Vec<InvitationRow>,
    pub grantable_groups: Vec<String>,
}

/// Loads the panel in the caller's transaction. `admin_group` is
/// `OIDC_ADMIN_GROUP`.
pub async fn load(
    conn: &mut PgConnection,
    admin_group: &str,
    actor: &Actor,
    row: &AdvisoryRow,
    facts: &AdvisoryFacts,
) -> Result<Panel, sqlx::Error> {
    let data = PanelData::fetch(conn, actor, row, facts).await?;
    Ok(build(admin_group, actor, row, facts, data.access))
}

/// The panel from the advisory's grants and, for those who manage access,
/// its open invitations and the groups they may grant.
pub fn build(
    admin_group: &str,
    actor: &Actor,
    row: &AdvisoryRow,
    facts: &AdvisoryFacts,
    data: AccessRows,
) -> Panel {
    let manage = perm::can_grant_access(Some(actor), facts);
    let show_emails = perm::can_see_user_emails(Some(actor), facts);
    let team = &row.project_team_name;
    let locked = |label: String, why: &'static str| Row {
        label,
        email: String::new(),
        why,
        is_group: true,
        grant_id: None,
        invitation_id: None,
        permission: "",
        expires: String::new(),
        expired: false,
    };
    let owners = vec![
        locked(format!("@{admin_group}"), "access-why-admins"),
        locked(format!("@{team}"), "access-why-team"),
    ];

    let (collaborators, viewers) = grant_rows(data.grants, actor, show_emails);
    let invitations = data.invitations.into_iter().map(invitation_row).collect();

    Panel {
        advisory_id: row.advisory_id.clone(),
        manage,
        owners,
        collaborators,
        viewers,
        invitations,
        grantable_groups: data.grantable_groups,
        review_since: row.access_review_required_at.filter(|_| manage).map(when),
        ..Panel::default()
    }
}

/// Collaborators and viewers from the grants, sorted; explicit grants to the
/// project's team group are hidden (50-web-ui §9).
fn grant_rows(grants: Vec<GrantRow>, actor: &Actor, show_emails: bool) -> (Vec<Row>, Vec<Row>) {
    let (mut collaborators, mut viewers) = (Vec::new(), Vec::new());
    for g in grants {
        let is_group = g.principal_type == "group";
        let (label, email) = if is_group {
            (
                format!("@{}", g.group_name.unwrap_or_default()),
                String::new(),
            )
        } else {
            let email = g.email.unwrap_or_default();
            let name = g
                .display_name
                .filter(|n| !n.trim().is_empty())
                .unwrap_or_default();
            let shown = if show_emails || g.principal_id == actor.user_id {
                email
            } else {
                mask_email(&email)
            };
            if name.is_empty() {
                (shown, String::new())
            } else {
                (name, shown)
            }
        };
        let permission = Permission::parse(&g.permission).unwrap_or(Permission::Viewer);
        let entry = Row {
            label,
            email,
            why: if is_group {
                "access-why-group-grant"
            } else {
                "access-why-grant"
            },
            is_group,
            grant_id: Some(g.id),
            invitation_id: None,
            permission: permission.as_str(),
            expires: String::new(),
            expired: false,
        };
        match permission {
            Permission::Collaborator => collaborators.push(entry),
            Permission::Viewer => viewers.push(entry),
        }
    }
    // Users before groups, then by label ignoring case (50-web-ui §9).
    for bucket in [&mut collaborators, &mut viewers] {
        bucket.sort_by_key(|r| (r.is_group, r.label.to_lowercase()));
    }
    (collaborators, viewers)
}

/// An open invitation's line; expired ones stay until revoked.
fn invitation_row(i: InvitationRow) -> Row {
    Row {
        label: i.email,
        email: String::new(),
        why: "access-why-invited",
        is_group: false,
        grant_id: None,
        invitation_id: Some(i.id),
        permission: Permission::parse(&i.permission)
            .unwrap_or(Permission::Viewer)
            .as_str(),
        expires: when(i.expires_at),
        expired: i.expired,
    }
}
