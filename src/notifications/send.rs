//! Rendering and sending one notice to its recipients (80-integrations
//! §5.4–5.5): one message per recipient in their language, skipping whoever
//! this job already mailed (a retry), each delivery recorded with its inbox
//! and access-log rows. Bodies say what happened and link back; they never
//! carry advisory content, comment text or error text (INV-SECRET-3).

use askama::Template;
use fluent_bundle::FluentValue;

use super::delivery::{self, Delivered, Kind};
use super::mail::OutgoingMail;
use super::recipients::Recipient;
use crate::access::permissions::Role;
use crate::access::privacy::user_label;
use crate::advisories::repo::AdvisoryRow;
use crate::i18n::Translator;
use crate::jobs::{JobContext, JobError};
use crate::web::routes;

/// Why the recipient gets it (the footer's first line).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    Mentioned,
    Admin,
    Team,
    Grant(Role),
}

impl Reason {
    /// The standing of a recipient who was not mentioned.
    pub fn of(recipient: &Recipient) -> Reason {
        if recipient.actor.is_admin {
            Reason::Admin
        } else if recipient.on_team {
            Reason::Team
        } else {
            Reason::Grant(recipient.role)
        }
    }
}

/// Which setting let it through (the footer's second line).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Governance {
    /// Mentions always arrive.
    Always,
    /// A per-advisory override decided.
    Advisory,
    Global,
}

impl Governance {
    pub fn of(by_override: bool) -> Governance {
        if by_override {
            Governance::Advisory
        } else {
            Governance::Global
        }
    }
}

/// What happened, in identifiers only.
#[derive(Clone, Debug)]
pub struct Notice<'a> {
    pub kind: Kind,
    pub advisory: &'a AdvisoryRow,
    pub comment_id: Option<i64>,
    /// Message keys: the subject and the body's first line, both given
    /// `$id` (the public id) and `$event`.
    pub subject_key: &'static str,
    pub headline_key: &'static str,
    pub event: &'a str,
    /// Who commented: user id, display name, e-mail (masked for recipients
    /// who are not owners, INV-PRIVACY-4).
    pub author: Option<(i64, &'a str, &'a str)>,
}

/// One recipient of a notice.
#[derive(Clone, Debug)]
pub struct Addressee<'a> {
    pub recipient: &'a Recipient,
    pub reason: Reason,
    pub governance: Governance,
}

#[derive(Template)]
#[template(path = "email/notice.txt", escape = "none")]
struct NoticeText<'a> {
    body: &'a Body,
}

#[derive(Template)]
#[template(path = "email/notice.html")]
struct NoticeHtml<'a> {
    body: &'a Body,
}

/// The parts of a message, translated.
struct Body {
    headline: String,
    facts: Vec<(String, String)>,
    link: String,
    link_label: String,
    reason: String,
    governance: String,
    settings_label: String,
    settings_link: String,
    advisory_settings: Option<(String, String)>,
}

/// An absolute link when `ADVISORYHUB_BASE_URL` is set, else site-relative.
pub fn link(ctx: &JobContext, path: &str) -> String {
    match &ctx.config.base_url {
        Some(base) => format!("{}{path}", base.trim_end_matches('/')),
        None => path.to_owned(),
    }
}

fn body(ctx: &JobContext, notice: &Notice<'_>, to: &Addressee<'_>) -> Body {
    let t = Translator::new(to.recipient.lang);
    let id = notice.advisory.advisory_id.as_str();
    let args = [
        ("id", FluentValue::from(id)),
        ("event", FluentValue::from(notice.event)),
        (
            "project",
            FluentValue::from(notice.advisory.project_name.as_str()),
        ),
    ];
    let mut facts = vec![
        (t.t("email-advisory"), id.to_owned()),
        (t.t("email-project"), notice.advisory.project_name.clone()),
    ];
    if notice.comment_id.is_none() {
        let mut state = t.t(crate::advisories::pages::state_key(&notice.advisory.state));
        if notice.advisory.review_status != "none" {
            state = format!("{state} · {}", notice.advisory.review_status);
        }
        facts.push((t.t("email-state"), state));
    }
    if let Some((author_id, name, email)) = notice.author {
        let recipient = to.recipient;
        let show = recipient.role == Role::Owner || recipient.actor.user_id == author_id;
        facts.push((t.t("email-author"), user_label(name, email, show)));
    }
    let mut path = routes::advisory(id);
    if let Some(comment) = notice.comment_id {
        path = format!("{path}#comment-{comment}");
    }
    let reason = match to.reason {
        Reason::Mentioned => t.t("email-reason-mentioned"),
        Reason::Admin => t.t("email-reason-admin"),
        Reason::Team => t.t_with("email-reason-team", &args),
        Reason::Grant(Role::Collaborator) => t.t("email-reason-collaborator"),
        Reason::Grant(Role::Viewer) => t.t("email-reason-viewer"),
        Reason::Grant(Role::Owner) => t.t("email-reason-access"),
    };
    let governance = match to.governance {
        Governance::Always => t.t("email-governance-always"),
        Governance::Advisory => t.t("email-governance-advisory"),
        Governance::Global => t.t("email-governance-global"),
    };
    Body {
        headline: t.t_with(notice.headline_key, &args),
        facts,
        link: link(ctx, &path),
        link_label: t.t("email-open"),
        reason: t.t_with(
            "email-footer-reason",
            &[("reason", FluentValue::from(reason))],
        ),
        governance,
        settings_label: t.t("email-settings"),
        settings_link: link(ctx, routes::NOTIFICATION_PREFERENCES),
        advisory_settings: (to.governance == Governance::Advisory).then(|| {
            (
                t.t("email-advisory-settings"),
                link(
                    ctx,
                    &format!("{}#advisory-notifications", routes::advisory(id)),
                ),
            )
        }),
    }
}

/// Sends `notice` to each addressee once. A failed send is logged and the
/// others still go out; the job then fails so that a retry, which skips
/// everyone already mailed, tries the rest. Returns how many were sent.
pub async fn deliver(
    ctx: &JobContext,
    notice: &Notice<'_>,
    to: &[Addressee<'_>],
) -> Result<usize, JobError> {
    let redactor = ctx.config.redactor();
    let mut sent = 0;
    let mut failed = 0;
    for addressee in to {
        let recipient = addressee.recipient;
        let mut conn = ctx.pool.acquire().await?;
        if delivery::already_sent(&mut conn, ctx.job_id, &recipient.email).await? {
            continue;
        }
        drop(conn);
        let parts = body(ctx, notice, addressee);
        let t = Translator::new(recipient.lang);
        let subject = t.t_with(
            notice.subject_key,
            &[
                (
                    "id",
                    FluentValue::from(notice.advisory.advisory_id.as_str()),
                ),
                ("event", FluentValue::from(notice.event)),
            ],
        );
        let mail = OutgoingMail {
            to: recipient.email.clone(),
            subject: subject.clone(),
            text: NoticeText { body: &parts }
                .render()
                .map_err(|e| JobError::Fatal(format!("e-mail template: {e}")))?,
            html: Some(
                NoticeHtml { body: &parts }
                    .render()
                    .map_err(|e| JobError::Fatal(format!("e-mail template: {e}")))?,
            ),
        };
        if let Err(e) = ctx.mailer.send(&mail).await {
            tracing::warn!(job = ctx.job_id, recipient = recipient.actor.user_id, error = %e, "notification not sent");
            // A refused address will be refused again: only what may pass
            // later is worth a retry.
            if !e.is_permanent() {
                failed += 1;
            }
            continue;
        }
        let mut tx = ctx.pool.begin().await?;
        delivery::record_sent(
            &mut tx,
            &redactor,
            &Delivered {
                job_id: ctx.job_id,
                kind: notice.kind,
                recipient_id: Some(recipient.actor.user_id),
                email: &recipient.email,
                advisory_id: Some(notice.advisory.id),
                comment_id: notice.comment_id,
                subject: &subject,
                summary: &parts.headline,
            },
        )
        .await?;
        tx.commit().await?;
        sent += 1;
    }
    if failed > 0 {
        return Err(JobError::Retry(format!(
            "{failed} of {} messages could not be sent",
            to.len()
        )));
    }
    Ok(sent)
}
