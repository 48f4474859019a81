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

/// Loads the panel in the caller's transaction. `admin_group` is
/// `OIDC_ADMIN_GROUP`.
pub async fn load(
    conn: &mut PgConnection,
    admin_group: &str,
    actor: &Actor,
    row: &AdvisoryRow,
    facts: &AdvisoryFacts,
) -> Result<Panel, sqlx::Error> {
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

    let (collaborators, viewers) = grant_rows(conn, actor, row, show_emails).await?;

    let mut invitations = Vec::new();
    let mut grantable_groups = Vec::new();
    if manage {
        invitations = invitation_rows(conn, row.id).await?;
        // Q-13: admins may grant any group, others their own; never the team.
        grantable_groups = sqlx::query_scalar!(
            "SELECT name FROM oidc_group
             WHERE id <> $1 AND ($2 OR id = ANY($3)) ORDER BY name LIMIT 500",
            row.project_team_id,
            actor.is_admin,
            &actor.group_ids
        )
        .fetch_all(&mut *conn)
        .await?;
    }

    Ok(Panel {
        advisory_id: row.advisory_id.clone(),
        manage,
        owners,
        collaborators,
        viewers,
        invitations,
        grantable_groups,
        review_since: row.access_review_required_at.filter(|_| manage).map(when),
        ..Panel::default()
    })
}

/// Collaborators and viewers from the grants, sorted; explicit grants to the
/// project's team group are hidden (50-web-ui §9).
async fn grant_rows(
    conn: &mut PgConnection,
    actor: &Actor,
    row: &AdvisoryRow,
    show_emails: bool,
) -> Result<(Vec<Row>, Vec<Row>), sqlx::Error> {
    let grants = sqlx::query!(
        r#"SELECT g.id AS "id!", g.principal_type AS "principal_type!",
                  g.principal_id AS "principal_id!", g.permission AS "permission!",
                  u.email AS "email?", u.display_name AS "display_name?", og.name AS "group_name?"
           FROM access_grant g
           LEFT JOIN app_user u ON g.principal_type = 'user' AND u.id = g.principal_id
           LEFT JOIN oidc_group og ON g.principal_type = 'group' AND og.id = g.principal_id
           WHERE g.advisory_id = $1
             AND NOT (g.principal_type = 'group' AND g.principal_id = $2)"#,
        row.id,
        row.project_team_id
    )
    .fetch_all(&mut *conn)
    .await?;
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
    Ok((collaborators, viewers))
}

/// The open invitations, expired ones included (an owner may revoke them).
async fn invitation_rows(conn: &mut PgConnection, advisory: i64) -> Result<Vec<Row>, sqlx::Error> {
    Ok(sqlx::query!(
        r#"SELECT id, email, permission, expires_at, expires_at <= now() AS "expired!"
               FROM pending_invitation WHERE advisory_id = $1 AND redeemed_at IS NULL
               ORDER BY lower(email)"#,
        advisory
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|i| Row {
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
    })
    .collect())
}
