//! The bookkeeping of a sent e-mail (80-integrations §5.5): a delivery
//! record that lets a retried job skip whoever it already mailed (ruling 1),
//! the inbox row (not for invitations), and `notification.sent` in the access
//! log (INV-AUDIT-5), written together once the message went out.

use serde_json::json;
use sqlx::PgConnection;

use crate::audit::catalogue::Action;
use crate::audit::ledger::{self, Entry};
use crate::audit::redact::Redactor;

/// Inbox kinds (the `notification.kind` check).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    AdvisoryCreated,
    AdvisorySubmittedForReview,
    /// Q-11: the reviewers hear of a withdrawn review.
    AdvisoryReviewWithdrawn,
    AdvisoryPublished,
    PublicationExportStatus,
    Comment,
    Mention,
    Triage,
    /// No inbox row: the invitee may have no account.
    Invitation,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::AdvisoryCreated => "advisory_created",
            Kind::AdvisorySubmittedForReview => "advisory_submitted_for_review",
            Kind::AdvisoryReviewWithdrawn => "advisory_review_withdrawn",
            Kind::AdvisoryPublished => "advisory_published",
            Kind::PublicationExportStatus => "publication_export_status",
            Kind::Comment => "comment",
            Kind::Mention => "mention",
            Kind::Triage => "triage",
            Kind::Invitation => "invitation",
        }
    }
}

/// One delivered message.
#[derive(Clone, Debug)]
pub struct Delivered<'a> {
    /// The job that sent it; a retry of the same job has the same id.
    pub job_id: i64,
    pub kind: Kind,
    /// `None` for an invitation to someone without an account.
    pub recipient_id: Option<i64>,
    pub email: &'a str,
    pub advisory_id: Option<i64>,
    pub comment_id: Option<i64>,
    pub subject: &'a str,
    /// Never a comment body (30-permissions §10.6).
    pub summary: &'a str,
}

/// Whether job `job_id` already mailed `email` (an earlier attempt).
pub async fn already_sent(
    conn: &mut PgConnection,
    job_id: i64,
    email: &str,
) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM notification_delivery
                          WHERE job_id = $1 AND recipient = lower($2)) AS "sent!""#,
        job_id,
        email
    )
    .fetch_one(conn)
    .await
}

/// Records a sent message. Run it in one transaction, right after the send:
/// the delivery record, the inbox row and the access-log row exist together
/// or not at all.
pub async fn record_sent(
    conn: &mut PgConnection,
    redactor: &Redactor,
    sent: &Delivered<'_>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO notification_delivery (job_id, recipient) VALUES ($1, lower($2))
         ON CONFLICT DO NOTHING",
        sent.job_id,
        sent.email
    )
    .execute(&mut *conn)
    .await?;
    if let (Some(recipient), true) = (sent.recipient_id, sent.kind != Kind::Invitation) {
        sqlx::query!(
            "INSERT INTO notification (recipient_id, advisory_id, kind, comment_id, subject, summary)
             VALUES ($1, $2, $3, $4, left($5, 255), left($6, 255))",
            recipient,
            sent.advisory_id,
            sent.kind.as_str(),
            sent.comment_id,
            sent.subject,
            sent.summary
        )
        .execute(&mut *conn)
        .await?;
    }
    let mut metadata = json!({
        "kind": sent.kind.as_str(),
        "recipient_email": sent.email,
    });
    if let Some(id) = sent.recipient_id {
        metadata["recipient_id"] = json!(id);
    }
    if let Some(id) = sent.comment_id {
        metadata["comment_id"] = json!(id);
    }
    let mut entry = Entry::new(Action::NotificationSent, None, None).metadata(metadata);
    if let Some(advisory) = sent.advisory_id {
        entry = entry.advisory(advisory);
    }
    ledger::record(conn, redactor, entry).await?;
    Ok(())
}
