//! Comment notifications (20-lifecycle §18): `notify.comment` for a new
//! comment (the mention pass first, then the ordinary comment mail to the
//! rest, so nobody gets two), and `notify.comment_mention` for users and
//! groups an edit newly mentions. Payloads carry ids only; who may read the
//! comment is decided now (INV-PRIVACY-2): an internal comment reaches only
//! collaborators and owners, mentioned or not (INV-COMMENT-2).

use std::collections::BTreeSet;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use sqlx::PgConnection;

use super::delivery::Kind;
use super::recipients::{self, Recipient};
use super::send::{self, Addressee, Governance, Notice, Reason};
use crate::access::permissions as perm;
use crate::comments::mentions;
use crate::db::{self, Principal};
use crate::jobs::{Job, JobContext, JobError};

/// A comment was posted.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CommentPosted {
    pub advisory_id: i64,
    pub comment_id: i64,
}

/// An edit mentioned these users and groups for the first time.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct MentionsAdded {
    pub advisory_id: i64,
    pub comment_id: i64,
    pub user_ids: Vec<i64>,
    pub group_ids: Vec<i64>,
}

struct Posted {
    author_id: Option<i64>,
    author_name: String,
    author_email: String,
    /// As posted (version 1): mentions an edit added are the edit's job.
    body: String,
    is_internal: bool,
    redacted: bool,
}

async fn comment(conn: &mut PgConnection, id: i64) -> Result<Option<Posted>, sqlx::Error> {
    sqlx::query_as!(
        Posted,
        r#"SELECT c.author_id, coalesce(u.display_name, '') AS "author_name!",
                  coalesce(u.email, '') AS "author_email!",
                  coalesce((SELECT v.body FROM comment_version v
                            WHERE v.comment_id = c.id AND v.version = 1), '') AS "body!",
                  c.is_internal,
                  c.redacted_at IS NOT NULL AS "redacted!"
           FROM advisory_comment c LEFT JOIN app_user u ON u.id = c.author_id
           WHERE c.id = $1"#,
        id
    )
    .fetch_optional(conn)
    .await
}

/// Users mentioned directly, and the members of mentioned groups.
async fn mentioned_users(
    conn: &mut PgConnection,
    user_ids: &[i64],
    group_ids: &[i64],
) -> Result<BTreeSet<i64>, sqlx::Error> {
    let members = sqlx::query_scalar!(
        "SELECT user_id FROM user_group WHERE group_id = ANY($1)",
        group_ids
    )
    .fetch_all(conn)
    .await?;
    Ok(user_ids.iter().copied().chain(members).collect())
}

/// Sends the mention mail to the mentioned, and (for a new comment) the
/// comment mail to those who asked for every comment.
async fn notify(
    ctx: &JobContext,
    advisory_id: i64,
    comment_id: i64,
    mentioned: Mentions,
) -> Result<(), JobError> {
    let mut tx = db::begin_as(&ctx.pool, Principal::System).await?;
    let Some(row) = recipients::advisory(&mut tx, advisory_id).await? else {
        return Ok(());
    };
    // A comment redacted before its notice went out is not announced.
    let Some(posted) = comment(&mut tx, comment_id).await? else {
        return Ok(());
    };
    if posted.redacted {
        return Ok(());
    }
    let facts = row.facts().map_err(|e| JobError::Fatal(e.to_string()))?;
    let everyone =
        recipients::candidates(&mut tx, &row, &facts, &ctx.config.oidc.admin_group).await?;
    let (users, groups, everyone_else) = match mentioned {
        Mentions::InBody => {
            let named = mentions::resolve(
                &mut tx,
                &mentions::handles(&posted.body)
                    .into_iter()
                    .collect::<Vec<_>>(),
            )
            .await?;
            (named.user_ids, named.group_ids, true)
        }
        Mentions::Added {
            user_ids,
            group_ids,
        } => (user_ids, group_ids, false),
    };
    let mentioned = mentioned_users(&mut tx, &users, &groups).await?;
    tx.commit().await?;

    let readers: Vec<&Recipient> = everyone
        .iter()
        .filter(|r| Some(r.actor.user_id) != posted.author_id)
        .filter(|r| !posted.is_internal || perm::can_see_internal_comment(Some(&r.actor), &r.facts))
        .collect();
    let (named, rest): (Vec<&Recipient>, Vec<&Recipient>) = readers
        .into_iter()
        .partition(|r| mentioned.contains(&r.actor.user_id));
    let author = Some((
        posted.author_id.unwrap_or_default(),
        posted.author_name.as_str(),
        posted.author_email.as_str(),
    ))
    .filter(|_| posted.author_id.is_some());
    let notice = |kind, subject_key, headline_key| Notice {
        kind,
        advisory: &row,
        comment_id: Some(comment_id),
        subject_key,
        headline_key,
        event: "",
        author,
    };
    let to_named: Vec<Addressee<'_>> = named
        .into_iter()
        .map(|recipient| Addressee {
            recipient,
            reason: Reason::Mentioned,
            governance: Governance::Always,
        })
        .collect();
    let mention = notice(
        Kind::Mention,
        "email-subject-mention",
        "email-mention-headline",
    );
    let first = send::deliver(ctx, &mention, &to_named).await;
    if everyone_else {
        let to_rest: Vec<Addressee<'_>> = rest
            .into_iter()
            .filter(|r| r.prefs.comments_all.on)
            .map(|recipient| Addressee {
                recipient,
                reason: Reason::of(recipient),
                governance: Governance::of(recipient.prefs.comments_all.by_override),
            })
            .collect();
        let ordinary = notice(
            Kind::Comment,
            "email-subject-comment",
            "email-comment-headline",
        );
        send::deliver(ctx, &ordinary, &to_rest).await?;
    }
    first.map(|_| ())
}

enum Mentions {
    /// Whatever the body mentions (a new comment).
    InBody,
    /// Only these (an edit's additions).
    Added {
        user_ids: Vec<i64>,
        group_ids: Vec<i64>,
    },
}

impl Job for CommentPosted {
    const NAME: &'static str = "notify.comment";
    const TIMEOUT: Duration = Duration::from_secs(120);

    async fn run(&self, ctx: &JobContext) -> Result<(), JobError> {
        notify(ctx, self.advisory_id, self.comment_id, Mentions::InBody).await
    }
}

impl Job for MentionsAdded {
    const NAME: &'static str = "notify.comment_mention";
    const TIMEOUT: Duration = Duration::from_secs(120);

    async fn run(&self, ctx: &JobContext) -> Result<(), JobError> {
        notify(
            ctx,
            self.advisory_id,
            self.comment_id,
            Mentions::Added {
                user_ids: self.user_ids.clone(),
                group_ids: self.group_ids.clone(),
            },
        )
        .await
    }
}
