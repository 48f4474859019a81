//! Invitations (20-lifecycle §15, 10-domain-model §11.2): access offered to
//! an address that has no account yet, redeemed when someone signs in with
//! that address verified.
//!
//! Invariants kept here:
//! * INV-ACCESS-2: redemption compares the verified e-mail with the
//!   invitation's ignoring case, and a different address never redeems; the
//!   token alone never redeems either.
//! * INV-ACCESS-3: unexpired only (`expires_at` defaults to 14 days); an
//!   admin resend restarts the window with the same token.
//! * INV-ACCESS-4: the permission is viewer or collaborator (typed).
//! * INV-ACCESS-5: create, permission change, revoke, resend and redeem each
//!   write their audit row.
//! * INV-OIDC-6: sign-in redeems only with a verified e-mail.
//!
//! Creating and re-sending enqueue `notify.invitation` in the same
//! transaction, so a rolled-back change mails nobody.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::json;
use sqlx::PgConnection;
use time::OffsetDateTime;

use super::grants::{self, AccessError, GrantBy, Mode, Permission, Principal};
use crate::advisories::id::Entropy;
use crate::advisories::service::Ctx;
use crate::audit::access_log::RequestOrigin;
use crate::audit::catalogue::Action;
use crate::audit::redact::Redactor;
use crate::audit::{self, Entry};
use crate::jobs;
use crate::notifications::invitation::NotifyInvitation;

/// An invitation as stored.
#[derive(Clone, Debug)]
pub struct Invitation {
    pub id: i64,
    pub advisory_id: i64,
    pub email: String,
    pub permission: String,
    pub token: String,
    pub expires_at: OffsetDateTime,
    pub created_by: Option<i64>,
    pub redeemed_at: Option<OffsetDateTime>,
    pub redeemed_by: Option<i64>,
}

impl Invitation {
    pub fn expired(&self, now: OffsetDateTime) -> bool {
        now >= self.expires_at
    }
}

/// A fresh token: 32 random bytes, URL-safe base64 without padding (43
/// characters).
fn new_token(entropy: &mut impl Entropy) -> Result<String, AccessError> {
    let mut bytes = [0u8; 32];
    entropy
        .fill(&mut bytes)
        .map_err(|e| AccessError::Database(sqlx::Error::Protocol(e.to_string())))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// The unredeemed invitation `id` of `advisory`, locked.
pub async fn open_of(
    conn: &mut PgConnection,
    advisory: i64,
    id: i64,
) -> Result<Option<Invitation>, sqlx::Error> {
    sqlx::query_as!(
        Invitation,
        "SELECT id, advisory_id, email, permission, token, expires_at, created_by, redeemed_at, redeemed_by
         FROM pending_invitation WHERE id = $1 AND advisory_id = $2 AND redeemed_at IS NULL
         FOR UPDATE",
        id,
        advisory
    )
    .fetch_optional(conn)
    .await
}

/// Invites `email` (no account has it) to `advisory`. An open invitation to
/// the same address is changed instead of adding a second one. The caller
/// holds the advisory lock and has authorized the change.
pub async fn invite(
    conn: &mut PgConnection,
    ctx: Ctx<'_>,
    advisory: i64,
    email: &str,
    permission: Permission,
    entropy: &mut impl Entropy,
) -> Result<(), AccessError> {
    let email = email.trim();
    let open = sqlx::query!(
        r#"SELECT id, expires_at <= now() AS "expired!" FROM pending_invitation
           WHERE advisory_id = $1 AND lower(email) = lower($2) AND redeemed_at IS NULL FOR UPDATE"#,
        advisory,
        email
    )
    .fetch_optional(&mut *conn)
    .await?;
    let token = new_token(entropy)?;
    let id = match open {
        Some(open) if !open.expired => {
            change_permission(conn, ctx, advisory, open.id, permission).await?;
            return Ok(());
        }
        // Inviting again after the invitation expired starts it afresh:
        // a new link (the old one stays dead), a new window, a new e-mail.
        Some(open) => {
            sqlx::query!(
                "UPDATE pending_invitation SET permission = $2, token = $3, created_by = $4,
                        created_at = now(), expires_at = now() + interval '14 days'
                 WHERE id = $1",
                open.id,
                permission.as_str(),
                token,
                ctx.actor.user_id
            )
            .execute(&mut *conn)
            .await?;
            open.id
        }
        None => {
            sqlx::query_scalar!(
                "INSERT INTO pending_invitation (advisory_id, email, permission, token, created_by)
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
                advisory,
                email,
                permission.as_str(),
                token,
                ctx.actor.user_id
            )
            .fetch_one(&mut *conn)
            .await?
        }
    };
    audit::record(
        conn,
        ctx.redactor,
        Entry::new(
            Action::InvitationCreated,
            Some(ctx.actor.user_id),
            ctx.origin,
        )
        .advisory(advisory)
        .values(
            None,
            Some(json!({"email": email, "permission": permission.as_str()})),
        )
        .metadata(json!({"invitation_id": id})),
    )
    .await?;
    jobs::enqueue(conn, &NotifyInvitation { invitation_id: id }).await?;
    Ok(())
}

/// Changes the permission of an open invitation; the same permission writes
/// nothing. Returns the invited address.
pub async fn change_permission(
    conn: &mut PgConnection,
    ctx: Ctx<'_>,
    advisory: i64,
    id: i64,
    permission: Permission,
) -> Result<String, AccessError> {
    let inv = open_of(conn, advisory, id)
        .await?
        .ok_or(AccessError::Invalid(vec![
            grants::Problem::UnknownInvitation(id),
        ]))?;
    if inv.permission == permission.as_str() {
        return Ok(inv.email);
    }
    sqlx::query!(
        "UPDATE pending_invitation SET permission = $2 WHERE id = $1",
        id,
        permission.as_str()
    )
    .execute(&mut *conn)
    .await?;
    // Parity with the original: a change is recorded as `invitation.created`.
    audit::record(
        conn,
        ctx.redactor,
        Entry::new(
            Action::InvitationCreated,
            Some(ctx.actor.user_id),
            ctx.origin,
        )
        .advisory(advisory)
        .values(
            Some(json!({"permission": inv.permission})),
            Some(json!({"email": inv.email, "permission": permission.as_str()})),
        )
        .metadata(json!({"invitation_id": id, "updated": true})),
    )
    .await?;
    Ok(inv.email)
}

/// Revokes an open invitation: the audit row, then the delete. Returns the
/// invited address.
pub async fn revoke(
    conn: &mut PgConnection,
    ctx: Ctx<'_>,
    advisory: i64,
    id: i64,
) -> Result<String, AccessError> {
    let inv = open_of(conn, advisory, id)
        .await?
        .ok_or(AccessError::Invalid(vec![
            grants::Problem::UnknownInvitation(id),
        ]))?;
    audit::record(
        conn,
        ctx.redactor,
        Entry::new(
            Action::InvitationRevoked,
            Some(ctx.actor.user_id),
            ctx.origin,
        )
        .advisory(advisory)
        .values(
            Some(json!({"email": inv.email, "permission": inv.permission})),
            None,
        )
        .metadata(json!({"invitation_id": id})),
    )
    .await?;
    sqlx::query!("DELETE FROM pending_invitation WHERE id = $1", id)
        .execute(&mut *conn)
        .await?;
    Ok(inv.email)
}

/// What a resend did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Resent {
    /// Valid again until the new expiry; the e-mail job is queued.
    Resent { email: String },
    /// Already redeemed: nothing to do.
    AlreadyRedeemed { email: String },
}

/// An admin re-sends invitation `id` (the admin console): the window starts
/// again from now, the token stays, the e-mail goes out again.
pub async fn resend(conn: &mut PgConnection, ctx: Ctx<'_>, id: i64) -> Result<Resent, AccessError> {
    if !ctx.actor.is_admin {
        return Err(AccessError::Forbidden(
            "Only an administrator re-sends invitations.".into(),
        ));
    }
    let inv = sqlx::query_as!(
        Invitation,
        "SELECT id, advisory_id, email, permission, token, expires_at, created_by, redeemed_at, redeemed_by
         FROM pending_invitation WHERE id = $1 FOR UPDATE",
        id
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(AccessError::NotFound)?;
    if inv.redeemed_at.is_some() {
        return Ok(Resent::AlreadyRedeemed { email: inv.email });
    }
    let expires = sqlx::query_scalar!(
        "UPDATE pending_invitation SET expires_at = now() + interval '14 days' WHERE id = $1
         RETURNING expires_at",
        id
    )
    .fetch_one(&mut *conn)
    .await?;
    let expires = expires
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    audit::record(
        conn,
        ctx.redactor,
        Entry::new(
            Action::InvitationResent,
            Some(ctx.actor.user_id),
            ctx.origin,
        )
        .advisory(inv.advisory_id)
        .values(
            None,
            Some(json!({"email": inv.email, "permission": inv.permission, "expires_at": expires})),
        )
        .metadata(json!({"invitation_id": id})),
    )
    .await?;
    jobs::enqueue(conn, &NotifyInvitation { invitation_id: id }).await?;
    Ok(Resent::Resent { email: inv.email })
}

/// Turns an invitation into a grant for `user_id` (actor: the inviter) and
/// marks it redeemed (actor: the user). An existing grant is never lowered:
/// the higher permission stays (docs/decisions.md).
async fn redeem(
    conn: &mut PgConnection,
    redactor: &Redactor,
    origin: Option<&RequestOrigin>,
    user_id: i64,
    user_email: &str,
    inv: &Invitation,
) -> Result<(), AccessError> {
    let permission = Permission::parse(&inv.permission)
        .map_err(|p| AccessError::Database(sqlx::Error::Protocol(p.to_string())))?;
    let by = GrantBy {
        actor_id: inv.created_by,
        origin,
        redactor,
    };
    grants::upsert(
        conn,
        by,
        inv.advisory_id,
        Principal::User(user_id),
        user_email,
        permission,
        Mode::NeverDowngrade,
    )
    .await?;
    sqlx::query!(
        "UPDATE pending_invitation SET redeemed_at = now(), redeemed_by = $2 WHERE id = $1",
        inv.id,
        user_id
    )
    .execute(&mut *conn)
    .await?;
    audit::record(
        conn,
        redactor,
        Entry::new(Action::InvitationRedeemed, Some(user_id), origin)
            .advisory(inv.advisory_id)
            .values(
                None,
                Some(json!({"email": inv.email, "permission": inv.permission})),
            )
            .metadata(json!({"invitation_id": inv.id})),
    )
    .await?;
    Ok(())
}

/// The sign-in step (80-integrations §2.3 step 7): every unexpired,
/// unredeemed invitation addressed to the user's verified e-mail, ignoring
/// case, becomes a grant. Without a verified e-mail nothing is redeemed
/// (INV-OIDC-6). Returns how many were redeemed.
pub async fn redeem_at_sign_in(
    conn: &mut PgConnection,
    redactor: &Redactor,
    origin: Option<&RequestOrigin>,
    user_id: i64,
    verified_email: Option<&str>,
) -> Result<usize, AccessError> {
    let Some(email) = verified_email else {
        return Ok(0);
    };
    let open = sqlx::query_as!(
        Invitation,
        "SELECT id, advisory_id, email, permission, token, expires_at, created_by, redeemed_at, redeemed_by
         FROM pending_invitation
         WHERE lower(email) = lower($1) AND redeemed_at IS NULL AND expires_at > now()
         ORDER BY id FOR UPDATE",
        email
    )
    .fetch_all(&mut *conn)
    .await?;
    for inv in &open {
        redeem(conn, redactor, origin, user_id, email, inv).await?;
    }
    Ok(open.len())
}

/// Why `GET /invitations/{token}/` refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Unknown or revoked (a revoked invitation is deleted).
    Unknown,
    Expired,
    /// Redeemed by another account.
    Used,
    /// Addressed to another e-mail; carries that address, for masking.
    OtherAddress(String),
}

/// What following an invitation link did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Followed {
    Redeemed {
        advisory_id: i64,
    },
    /// This user redeemed it before.
    AlreadyRedeemed {
        advisory_id: i64,
    },
}

/// Redeems the invitation whose link carries `token` for the signed-in user
/// (consistency ruling 9), whose account e-mail `user_email` was verified
/// when the account was linked (INV-OIDC-6). The token names the invitation;
/// the address decides (INV-ACCESS-2).
pub async fn follow_link(
    conn: &mut PgConnection,
    redactor: &Redactor,
    origin: Option<&RequestOrigin>,
    user_id: i64,
    user_email: &str,
    token: &str,
) -> Result<Result<Followed, Refusal>, AccessError> {
    let inv = sqlx::query_as!(
        Invitation,
        "SELECT id, advisory_id, email, permission, token, expires_at, created_by, redeemed_at, redeemed_by
         FROM pending_invitation WHERE token = $1 FOR UPDATE",
        token
    )
    .fetch_optional(&mut *conn)
    .await?;
    let Some(inv) = inv else {
        return Ok(Err(Refusal::Unknown));
    };
    if inv.redeemed_by == Some(user_id) {
        return Ok(Ok(Followed::AlreadyRedeemed {
            advisory_id: inv.advisory_id,
        }));
    }
    // The address first: whoever holds someone else's link learns nothing
    // more about it.
    if inv.email.to_lowercase() != user_email.to_lowercase() {
        return Ok(Err(Refusal::OtherAddress(inv.email)));
    }
    if inv.redeemed_at.is_some() {
        return Ok(Err(Refusal::Used));
    }
    if inv.expired(OffsetDateTime::now_utc()) {
        return Ok(Err(Refusal::Expired));
    }
    redeem(conn, redactor, origin, user_id, user_email, &inv).await?;
    Ok(Ok(Followed::Redeemed {
        advisory_id: inv.advisory_id,
    }))
}
