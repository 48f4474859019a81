//! The invitation e-mail (80-integrations §5.2–5.4): `notify.invitation`,
//! enqueued when an invitation is created or re-sent. The payload is the
//! invitation's id only; the job reads the invitation when it runs and
//! sends nothing once it is redeemed or revoked. The message names the
//! advisory, the permission, the project, the expiry and the link, never
//! advisory content (INV-SECRET-3). A retry skips an address this job
//! already mailed (ruling 1).

use std::time::Duration;

use askama::Template;
use fluent_bundle::FluentValue;
use serde::{Deserialize, Serialize};

use super::delivery::{self, Delivered, Kind};
use super::mail::OutgoingMail;
use super::send::link;
use crate::db::{self, Principal};
use crate::i18n::{Lang, Translator};
use crate::jobs::{Job, JobContext, JobError};
use crate::web::routes;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotifyInvitation {
    pub invitation_id: i64,
}

/// The parts of the message, translated.
struct Body {
    headline: String,
    facts: Vec<(String, String)>,
    instructions: String,
    link: String,
    link_label: String,
    footer: String,
}

/// The invitation as the job reads it when it runs.
struct Pending {
    email: String,
    permission: String,
    token: String,
    expires_at: time::OffsetDateTime,
    redeemed_at: Option<time::OffsetDateTime>,
    expired: bool,
    advisory: i64,
    advisory_id: String,
    project_name: String,
    user_id: Option<i64>,
    language: Option<String>,
}

#[derive(Template)]
#[template(path = "email/invitation.txt", escape = "none")]
struct InvitationText<'a> {
    body: &'a Body,
}

#[derive(Template)]
#[template(path = "email/invitation.html")]
struct InvitationHtml<'a> {
    body: &'a Body,
}

impl Job for NotifyInvitation {
    const NAME: &'static str = "notify.invitation";
    const TIMEOUT: Duration = Duration::from_secs(60);

    async fn run(&self, ctx: &JobContext) -> Result<(), JobError> {
        let mut tx = db::begin_as(&ctx.pool, Principal::System).await?;
        let found = sqlx::query_as!(
            Pending,
            r#"SELECT i.email, i.permission, i.token, i.expires_at, i.redeemed_at,
                      i.expires_at <= now() AS "expired!",
                      a.id AS advisory, a.advisory_id, p.name AS project_name,
                      u.id AS "user_id?", u.language AS "language?"
               FROM pending_invitation i
               JOIN advisory a ON a.id = i.advisory_id
               JOIN project p ON p.id = a.project_id
               LEFT JOIN app_user u ON lower(u.email) = lower(i.email)
               WHERE i.id = $1"#,
            self.invitation_id
        )
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        let Some(inv) = found else {
            tracing::info!(
                invitation = self.invitation_id,
                "invitation revoked; nothing to send"
            );
            return Ok(());
        };
        if inv.redeemed_at.is_some() || inv.expired {
            tracing::info!(
                invitation = self.invitation_id,
                "invitation redeemed or expired; nothing to send"
            );
            return Ok(());
        }
        let mut conn = ctx.pool.acquire().await?;
        if delivery::already_sent(&mut conn, ctx.job_id, &inv.email).await? {
            return Ok(());
        }
        drop(conn);

        let (subject, body) = compose(ctx, &inv);
        let render_error = |e: askama::Error| JobError::Fatal(format!("e-mail template: {e}"));
        let mail = OutgoingMail {
            to: inv.email.clone(),
            subject: subject.clone(),
            text: InvitationText { body: &body }
                .render()
                .map_err(render_error)?,
            html: Some(
                InvitationHtml { body: &body }
                    .render()
                    .map_err(render_error)?,
            ),
        };
        let redactor = ctx.config.redactor();
        if let Err(e) = ctx.mailer.send(&mail).await {
            // The error names the server, never the message or the password.
            return Err(JobError::Retry(format!(
                "invitation e-mail not sent: {}",
                redactor.redact_str(&e.to_string())
            )));
        }
        let mut tx = ctx.pool.begin().await?;
        delivery::record_sent(
            &mut tx,
            &redactor,
            &Delivered {
                job_id: ctx.job_id,
                kind: Kind::Invitation,
                recipient_id: inv.user_id,
                email: &inv.email,
                advisory_id: Some(inv.advisory),
                comment_id: None,
                subject: &subject,
                summary: &body.headline,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// The subject and the parts of the message, in the invitee's language when
/// they already have an account, else English.
fn compose(ctx: &JobContext, inv: &Pending) -> (String, Body) {
    let t = Translator::new(
        inv.language
            .as_deref()
            .and_then(Lang::from_tag)
            .unwrap_or(Lang::En),
    );
    let id = inv.advisory_id.as_str();
    let subject = t.t_with("invitation-email-subject", &[("id", FluentValue::from(id))]);
    let body = Body {
        headline: t.t_with(
            "invitation-email-headline",
            &[("id", FluentValue::from(id))],
        ),
        facts: vec![
            (t.t("invitation-email-advisory"), id.to_owned()),
            (t.t("invitation-email-project"), inv.project_name.clone()),
            (
                t.t("invitation-email-permission"),
                t.t(&format!("role-{}", inv.permission)),
            ),
            (
                t.t("invitation-email-expires"),
                crate::advisories::pages::when(inv.expires_at),
            ),
        ],
        instructions: t.t_with(
            "invitation-email-instructions",
            &[("email", FluentValue::from(inv.email.as_str()))],
        ),
        link: link(ctx, &routes::invitation(&inv.token)),
        link_label: t.t("invitation-email-open"),
        footer: t.t("invitation-email-footer"),
    };
    (subject, body)
}
