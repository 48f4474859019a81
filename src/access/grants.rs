//! Access grants (20-lifecycle §15): granting viewer or collaborator access
//! to a user or a mirrored group, changing and revoking it, the batch the
//! access panel saves, and acknowledging the access-review banner.
//!
//! Every change runs in the caller's transaction in the shape of B-3: the
//! advisory row is locked, `can_grant_access` (P-09) is re-checked on it,
//! the whole batch is validated before anything is written, and each write
//! carries its audit row (INV-ACCESS-5). Invariants kept here:
//! * INV-ACCESS-1: one grant per (advisory, principal); a re-grant updates it.
//! * INV-ACCESS-4 / INV-AUTH-3: `owner` is refused on every path (the
//!   database's CHECK is the backstop).
//! * Q-13: a non-admin grants only groups they belong to; nobody grants the
//!   project's own security team group (it already owns the advisory).

use std::fmt;

use serde_json::json;
use sqlx::PgConnection;

use super::invitations;
use super::permissions::{self as perm, Actor};
use crate::advisories::id::Entropy;
use crate::advisories::repo::{self, AdvisoryRow, Corrupt};
use crate::advisories::service::Ctx;
use crate::audit::access_log::RequestOrigin;
use crate::audit::catalogue::Action;
use crate::audit::ledger::RecordError;
use crate::audit::redact::Redactor;
use crate::audit::{self, Entry};
use crate::jobs::EnqueueError;

/// A grantable permission. `owner` is deliberately not one (INV-AUTH-3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Permission {
    Viewer,
    Collaborator,
}

impl Permission {
    pub const ALL: [Permission; 2] = [Permission::Viewer, Permission::Collaborator];

    /// Reads a submitted or stored value; `owner` gets its own refusal
    /// (INV-ACCESS-4).
    pub fn parse(value: &str) -> Result<Permission, Problem> {
        match value.trim() {
            "viewer" => Ok(Permission::Viewer),
            "collaborator" => Ok(Permission::Collaborator),
            "owner" => Err(Problem::OwnerNotGrantable),
            other => Err(Problem::UnknownPermission(other.to_owned())),
        }
    }

    pub const fn as_str(self) -> &'static str {
        match self {
            Permission::Viewer => "viewer",
            Permission::Collaborator => "collaborator",
        }
    }
}

/// One reason a batch was refused, with the wording of 50-web-ui §9.1.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    OwnerNotGrantable,
    UnknownPermission(String),
    MissingPrincipal,
    EmptyGroupName,
    /// Q-13 rule 1 (also for a group that does not exist, so a non-admin
    /// learns nothing about groups they are not in).
    GroupNotGrantable(String),
    UnknownGroup(String),
    /// Q-13 rule 2.
    TeamGroup(String),
    UnknownGrant(i64),
    UnknownInvitation(i64),
    InvalidEmail(String),
    /// The address belongs to a banned or forgotten account.
    InactiveUser(String),
    /// A grant or invitation id that is not a number.
    InvalidId(String),
    /// A form `op` that is not one of the five.
    UnknownOperation(String),
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::OwnerNotGrantable => f.write_str(
                "owner is not grantable: it derives from project security team membership.",
            ),
            Problem::UnknownPermission(p) => write!(f, "unknown permission '{p}'"),
            Problem::MissingPrincipal => f.write_str("missing principal"),
            Problem::EmptyGroupName => f.write_str("group name is empty"),
            Problem::GroupNotGrantable(g) => write!(f, "group @{g} is not available for granting"),
            Problem::UnknownGroup(g) => write!(f, "unknown group @{g}"),
            Problem::TeamGroup(g) => write!(
                f,
                "@{g} is the project security team — it already has owner access."
            ),
            Problem::UnknownGrant(id) => write!(f, "unknown grant {id}"),
            Problem::UnknownInvitation(id) => write!(f, "unknown invitation {id}"),
            Problem::InvalidEmail(e) => write!(f, "'{e}' is not a valid e-mail address"),
            Problem::InactiveUser(e) => write!(f, "{e} belongs to a deactivated account"),
            Problem::InvalidId(v) => write!(f, "'{v}' is not a valid id"),
            Problem::UnknownOperation(op) => write!(f, "unknown operation '{op}'"),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    /// Unknown, or not visible to the caller: the same answer (Q-19).
    #[error("no such advisory")]
    NotFound,
    #[error("{0}")]
    Forbidden(String),
    /// Nothing was written.
    #[error("invalid batch: {}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<Problem>),
    #[error(transparent)]
    Corrupt(#[from] Corrupt),
    #[error(transparent)]
    Enqueue(#[from] EnqueueError),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl From<RecordError> for AccessError {
    fn from(e: RecordError) -> Self {
        AccessError::Database(e.into())
    }
}

impl From<AccessError> for sqlx::Error {
    fn from(e: AccessError) -> Self {
        match e {
            AccessError::Database(db) => db,
            other => sqlx::Error::Protocol(other.to_string()),
        }
    }
}

/// The refusal for a caller who sees the advisory but does not own it.
pub const NOT_AN_OWNER: &str = "You cannot manage access on this advisory.";

/// One change of a batch, as submitted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// `principal` is an e-mail address or `@group`.
    Add {
        principal: String,
        permission: String,
    },
    Update {
        grant_id: i64,
        permission: String,
    },
    Revoke {
        grant_id: i64,
    },
    UpdateInvitation {
        invitation_id: i64,
        permission: String,
    },
    RevokeInvitation {
        invitation_id: i64,
    },
}

/// Who a grant is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Principal {
    User(i64),
    Group(i64),
}

impl Principal {
    fn from_columns(kind: &str, id: i64) -> Principal {
        if kind == "group" {
            Principal::Group(id)
        } else {
            Principal::User(id)
        }
    }

    fn kind(self) -> &'static str {
        match self {
            Principal::User(_) => "user",
            Principal::Group(_) => "group",
        }
    }

    fn id(self) -> i64 {
        match self {
            Principal::User(id) | Principal::Group(id) => id,
        }
    }
}

/// A validated change, ready to write.
enum Resolved {
    Grant {
        principal: Principal,
        label: String,
        permission: Permission,
    },
    Invite {
        email: String,
        permission: Permission,
    },
    Update {
        grant_id: i64,
        permission: Permission,
    },
    Revoke {
        grant_id: i64,
    },
    UpdateInvitation {
        invitation_id: i64,
        permission: Permission,
    },
    RevokeInvitation {
        invitation_id: i64,
    },
}

/// What a batch did, for the flash message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Done {
    Granted {
        label: String,
        permission: Permission,
    },
    Changed {
        label: String,
        permission: Permission,
    },
    Unchanged {
        label: String,
    },
    Invited {
        email: String,
        permission: Permission,
    },
    Revoked {
        label: String,
    },
    InvitationRevoked {
        email: String,
    },
}

/// Locks the advisory and checks the caller may manage its access, against
/// the locked row (B-3, INV-AUTH-1).
pub async fn lock_managed(
    conn: &mut PgConnection,
    actor: &Actor,
    public_id: &str,
) -> Result<AdvisoryRow, AccessError> {
    let row = repo::load(conn, public_id, Some(actor), true)
        .await?
        .ok_or(AccessError::NotFound)?;
    let facts = row.facts()?;
    if !perm::can_view(Some(actor), &facts) {
        return Err(AccessError::NotFound);
    }
    if !perm::can_grant_access(Some(actor), &facts) {
        return Err(AccessError::Forbidden(NOT_AN_OWNER.into()));
    }
    Ok(row)
}

/// Applies a batch of access changes to advisory `public_id`: all of them,
/// or none when any is invalid (50-web-ui §9.1).
pub async fn apply(
    conn: &mut PgConnection,
    ctx: Ctx<'_>,
    public_id: &str,
    changes: &[Change],
    entropy: &mut impl Entropy,
) -> Result<Vec<Done>, AccessError> {
    let row = lock_managed(conn, ctx.actor, public_id).await?;
    let mut problems = Vec::new();
    let mut resolved = Vec::new();
    for change in changes {
        match resolve(conn, ctx.actor, &row, change).await? {
            Ok(r) => resolved.push(r),
            Err(p) => problems.push(p),
        }
    }
    if !problems.is_empty() {
        return Err(AccessError::Invalid(problems));
    }
    let mut done = Vec::with_capacity(resolved.len());
    for change in resolved {
        done.push(write(conn, ctx, &row, change, entropy).await?);
    }
    Ok(done)
}

/// Validates one change without writing anything.
async fn resolve(
    conn: &mut PgConnection,
    actor: &Actor,
    row: &AdvisoryRow,
    change: &Change,
) -> Result<Result<Resolved, Problem>, sqlx::Error> {
    Ok(match change {
        Change::Add {
            principal,
            permission,
        } => match Permission::parse(permission) {
            Err(p) => Err(p),
            Ok(permission) => resolve_principal(conn, actor, row, principal)
                .await?
                .map(|target| match target {
                    Target::Existing(principal, label) => Resolved::Grant {
                        principal,
                        label,
                        permission,
                    },
                    Target::Invite(email) => Resolved::Invite { email, permission },
                }),
        },
        Change::Update {
            grant_id,
            permission,
        } => match Permission::parse(permission) {
            Err(p) => Err(p),
            Ok(permission) => match grant_of(conn, row.id, *grant_id).await? {
                None => Err(Problem::UnknownGrant(*grant_id)),
                Some(g) => match g.principal {
                    // Raising or lowering a group's access is granting it (Q-13).
                    Principal::Group(id) => {
                        group_rule(actor, row, id, &g.label).map(|()| Resolved::Update {
                            grant_id: *grant_id,
                            permission,
                        })
                    }
                    Principal::User(_) => Ok(Resolved::Update {
                        grant_id: *grant_id,
                        permission,
                    }),
                },
            },
        },
        Change::Revoke { grant_id } => match grant_of(conn, row.id, *grant_id).await? {
            None => Err(Problem::UnknownGrant(*grant_id)),
            Some(_) => Ok(Resolved::Revoke {
                grant_id: *grant_id,
            }),
        },
        Change::UpdateInvitation {
            invitation_id,
            permission,
        } => match Permission::parse(permission) {
            Err(p) => Err(p),
            Ok(permission) => {
                if invitations::open_of(conn, row.id, *invitation_id)
                    .await?
                    .is_some()
                {
                    Ok(Resolved::UpdateInvitation {
                        invitation_id: *invitation_id,
                        permission,
                    })
                } else {
                    Err(Problem::UnknownInvitation(*invitation_id))
                }
            }
        },
        Change::RevokeInvitation { invitation_id } => {
            if invitations::open_of(conn, row.id, *invitation_id)
                .await?
                .is_some()
            {
                Ok(Resolved::RevokeInvitation {
                    invitation_id: *invitation_id,
                })
            } else {
                Err(Problem::UnknownInvitation(*invitation_id))
            }
        }
    })
}

enum Target {
    Existing(Principal, String),
    Invite(String),
}

/// `@group`, the e-mail of an existing active user, or an address to invite.
async fn resolve_principal(
    conn: &mut PgConnection,
    actor: &Actor,
    row: &AdvisoryRow,
    text: &str,
) -> Result<Result<Target, Problem>, sqlx::Error> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(Err(Problem::MissingPrincipal));
    }
    // PostgreSQL refuses NUL in text: such input is bad, not an error.
    if text.chars().any(char::is_control) {
        return Ok(Err(Problem::InvalidEmail(
            text.replace(char::is_control, ""),
        )));
    }
    if let Some(name) = text.strip_prefix('@') {
        let name = name.trim();
        if name.is_empty() {
            return Ok(Err(Problem::EmptyGroupName));
        }
        let id = sqlx::query_scalar!("SELECT id FROM oidc_group WHERE name = $1", name)
            .fetch_optional(&mut *conn)
            .await?;
        return Ok(match id {
            None if actor.is_admin => Err(Problem::UnknownGroup(name.to_owned())),
            None => Err(Problem::GroupNotGrantable(name.to_owned())),
            Some(id) => group_rule(actor, row, id, name)
                .map(|()| Target::Existing(Principal::Group(id), format!("@{name}"))),
        });
    }
    let user = sqlx::query!(
        "SELECT id, email, is_active FROM app_user WHERE lower(email) = lower($1)",
        text
    )
    .fetch_optional(&mut *conn)
    .await?;
    Ok(match user {
        Some(u) if u.is_active => Ok(Target::Existing(Principal::User(u.id), u.email)),
        Some(u) => Err(Problem::InactiveUser(u.email)),
        None if is_email(text) => Ok(Target::Invite(text.to_owned())),
        None => Err(Problem::InvalidEmail(text.to_owned())),
    })
}

/// Q-13, for every entry point: never the project's own team group; only
/// groups the caller belongs to unless they are an admin.
fn group_rule(actor: &Actor, row: &AdvisoryRow, group: i64, name: &str) -> Result<(), Problem> {
    let name = name.trim_start_matches('@');
    if group == row.project_team_id {
        Err(Problem::TeamGroup(name.to_owned()))
    } else if actor.is_admin || actor.is_member_of(group) {
        Ok(())
    } else {
        Err(Problem::GroupNotGrantable(name.to_owned()))
    }
}

/// A plausible address: one `@`, something on each side, a dot in the
/// domain, no spaces or controls, at most 254 characters (the column).
pub fn is_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    text.len() <= 254
        && !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !text.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// A grant of this advisory with its principal's label.
struct GrantOf {
    principal: Principal,
    permission: String,
    label: String,
}

async fn grant_of(
    conn: &mut PgConnection,
    advisory: i64,
    grant_id: i64,
) -> Result<Option<GrantOf>, sqlx::Error> {
    let row = sqlx::query!(
        r#"SELECT g.principal_type, g.principal_id, g.permission,
                  coalesce(u.email, '@' || og.name, '') AS "label!"
           FROM access_grant g
           LEFT JOIN app_user u ON g.principal_type = 'user' AND u.id = g.principal_id
           LEFT JOIN oidc_group og ON g.principal_type = 'group' AND og.id = g.principal_id
           WHERE g.id = $1 AND g.advisory_id = $2
           FOR UPDATE OF g"#,
        grant_id,
        advisory
    )
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|r| GrantOf {
        principal: Principal::from_columns(&r.principal_type, r.principal_id),
        permission: r.permission,
        label: r.label,
    }))
}

async fn write(
    conn: &mut PgConnection,
    ctx: Ctx<'_>,
    row: &AdvisoryRow,
    change: Resolved,
    entropy: &mut impl Entropy,
) -> Result<Done, AccessError> {
    Ok(match change {
        Resolved::Grant {
            principal,
            label,
            permission,
        } => {
            let by = GrantBy::caller(ctx);
            match upsert(
                conn,
                by,
                row.id,
                principal,
                &label,
                permission,
                Mode::Replace,
            )
            .await?
            {
                Upserted::Inserted => Done::Granted { label, permission },
                Upserted::Updated => Done::Changed { label, permission },
                Upserted::Unchanged => Done::Unchanged { label },
            }
        }
        Resolved::Invite { email, permission } => {
            invitations::invite(conn, ctx, row.id, &email, permission, entropy).await?;
            Done::Invited { email, permission }
        }
        Resolved::Update {
            grant_id,
            permission,
        } => {
            let g = grant_of(conn, row.id, grant_id)
                .await?
                .ok_or(AccessError::Invalid(vec![Problem::UnknownGrant(grant_id)]))?;
            let by = GrantBy::caller(ctx);
            match upsert(
                conn,
                by,
                row.id,
                g.principal,
                &g.label,
                permission,
                Mode::Replace,
            )
            .await?
            {
                Upserted::Unchanged => Done::Unchanged { label: g.label },
                Upserted::Inserted | Upserted::Updated => Done::Changed {
                    label: g.label,
                    permission,
                },
            }
        }
        Resolved::Revoke { grant_id } => {
            let g = grant_of(conn, row.id, grant_id)
                .await?
                .ok_or(AccessError::Invalid(vec![Problem::UnknownGrant(grant_id)]))?;
            // INV-ACCESS-5: the audit row first, then the delete.
            audit::record(
                conn,
                ctx.redactor,
                Entry::new(Action::AccessRevoked, Some(ctx.actor.user_id), ctx.origin)
                    .advisory(row.id)
                    .values(
                        Some(principal_value(g.principal, &g.label, &g.permission)),
                        None,
                    ),
            )
            .await?;
            sqlx::query!("DELETE FROM access_grant WHERE id = $1", grant_id)
                .execute(&mut *conn)
                .await?;
            Done::Revoked { label: g.label }
        }
        Resolved::UpdateInvitation {
            invitation_id,
            permission,
        } => {
            let email =
                invitations::change_permission(conn, ctx, row.id, invitation_id, permission)
                    .await?;
            Done::Changed {
                label: email,
                permission,
            }
        }
        Resolved::RevokeInvitation { invitation_id } => {
            let email = invitations::revoke(conn, ctx, row.id, invitation_id).await?;
            Done::InvitationRevoked { email }
        }
    })
}

/// What `access.granted` and `access.revoked` say about a principal.
fn principal_value(principal: Principal, label: &str, permission: &str) -> serde_json::Value {
    json!({
        "principal_type": principal.kind(),
        "principal_id": principal.id(),
        "principal": label,
        "permission": permission,
    })
}

/// Whether a re-grant may lower an existing grant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// The owner's choice replaces the existing permission.
    Replace,
    /// Invitation redemption: the higher of the two is kept.
    NeverDowngrade,
}

/// What an upsert did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Upserted {
    Inserted,
    Updated,
    /// Same permission (or a lower one under [`Mode::NeverDowngrade`]):
    /// nothing written, nothing audited.
    Unchanged,
}

/// Who a grant is recorded as coming from: the audit actor (the inviter on
/// redemption, `None` for the system) and the request it was made in.
#[derive(Clone, Copy)]
pub struct GrantBy<'a> {
    pub actor_id: Option<i64>,
    pub origin: Option<&'a RequestOrigin>,
    pub redactor: &'a Redactor,
}

impl<'a> GrantBy<'a> {
    /// The caller of a service, acting themselves.
    pub fn caller(ctx: Ctx<'a>) -> GrantBy<'a> {
        GrantBy {
            actor_id: Some(ctx.actor.user_id),
            origin: ctx.origin,
            redactor: ctx.redactor,
        }
    }
}

/// Inserts or updates the grant of `principal` on `advisory` with its
/// `access.granted` row (INV-ACCESS-1, INV-ACCESS-5). The caller holds the
/// advisory lock and has authorized the change.
pub async fn upsert(
    conn: &mut PgConnection,
    by: GrantBy<'_>,
    advisory: i64,
    principal: Principal,
    label: &str,
    permission: Permission,
    mode: Mode,
) -> Result<Upserted, AccessError> {
    let entry = |previous: Option<&str>| {
        let mut e = Entry::new(Action::AccessGranted, by.actor_id, by.origin)
            .advisory(advisory)
            .values(
                previous.map(|p| json!({"permission": p})),
                Some(principal_value(principal, label, permission.as_str())),
            );
        if previous.is_some() {
            e = e.metadata(json!({"updated": true}));
        }
        e
    };
    // Not every caller holds the advisory's lock (redemption at sign-in runs
    // without a principal): a grant inserted meanwhile by someone else makes
    // the insert do nothing, and the next round updates that grant instead.
    let outcome = loop {
        let existing = sqlx::query!(
            "SELECT id, permission FROM access_grant
             WHERE advisory_id = $1 AND principal_type = $2 AND principal_id = $3 FOR UPDATE",
            advisory,
            principal.kind(),
            principal.id()
        )
        .fetch_optional(&mut *conn)
        .await?;
        let Some(g) = existing else {
            let inserted = sqlx::query_scalar!(
                "INSERT INTO access_grant (advisory_id, principal_type, principal_id, permission, created_by)
                 VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (advisory_id, principal_type, principal_id) DO NOTHING
                 RETURNING id",
                advisory,
                principal.kind(),
                principal.id(),
                permission.as_str(),
                by.actor_id
            )
            .fetch_optional(&mut *conn)
            .await?;
            if inserted.is_none() {
                continue;
            }
            audit::record(conn, by.redactor, entry(None)).await?;
            break Upserted::Inserted;
        };
        let current = Permission::parse(&g.permission).ok();
        let keep = current == Some(permission)
            || (mode == Mode::NeverDowngrade && current > Some(permission));
        if keep {
            break Upserted::Unchanged;
        }
        sqlx::query!(
            "UPDATE access_grant SET permission = $2 WHERE id = $1",
            g.id,
            permission.as_str()
        )
        .execute(&mut *conn)
        .await?;
        audit::record(conn, by.redactor, entry(Some(&g.permission))).await?;
        break Upserted::Updated;
    };
    Ok(outcome)
}

/// "Mark as reviewed" on the access-review banner (20-lifecycle §5.2): an
/// owner clears `access_review_required_at` and the ledger keeps the old
/// timestamp. A no-op when it is not set. Returns whether it was set.
pub async fn dismiss_access_review(
    conn: &mut PgConnection,
    ctx: Ctx<'_>,
    public_id: &str,
) -> Result<bool, AccessError> {
    let row = lock_managed(conn, ctx.actor, public_id).await?;
    let Some(stamped) = row.access_review_required_at else {
        return Ok(false);
    };
    sqlx::query!(
        "UPDATE advisory SET access_review_required_at = NULL WHERE id = $1",
        row.id
    )
    .execute(&mut *conn)
    .await?;
    let previous = stamped
        .format(&time::format_description::well_known::Rfc3339)
        .map_err(|e| AccessError::Database(sqlx::Error::Protocol(e.to_string())))?;
    audit::record(
        conn,
        ctx.redactor,
        Entry::new(
            Action::AdvisoryAccessReviewDismissed,
            Some(ctx.actor.user_id),
            ctx.origin,
        )
        .advisory(row.id)
        .values(Some(json!(previous)), None),
    )
    .await?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owner_is_never_a_permission_inv_access_4() {
        assert_eq!(Permission::parse("owner"), Err(Problem::OwnerNotGrantable));
        assert_eq!(
            Problem::OwnerNotGrantable.to_string(),
            "owner is not grantable: it derives from project security team membership."
        );
        assert_eq!(
            Permission::parse("admin"),
            Err(Problem::UnknownPermission("admin".into()))
        );
        assert_eq!(Permission::parse(" viewer "), Ok(Permission::Viewer));
        assert!(Permission::Collaborator > Permission::Viewer);
    }

    #[test]
    fn messages_follow_the_spec() {
        assert_eq!(
            Problem::TeamGroup("theia-security".into()).to_string(),
            "@theia-security is the project security team — it already has owner access."
        );
        assert_eq!(
            Problem::GroupNotGrantable("x".into()).to_string(),
            "group @x is not available for granting"
        );
        assert_eq!(Problem::UnknownGrant(7).to_string(), "unknown grant 7");
    }

    #[test]
    fn addresses_are_checked_loosely() {
        for ok in ["a@example.org", "Mixed.Case+tag@sub.example.org"] {
            assert!(is_email(ok), "{ok}");
        }
        for bad in [
            "",
            "plain",
            "@example.org",
            "a@b",
            "a@@b.org",
            "a b@example.org",
            "a@example.org.",
        ] {
            assert!(!is_email(bad), "{bad}");
        }
    }
}
