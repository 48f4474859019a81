//! The advisory's activity (50-web-ui §6.4): the comments the reader may
//! see merged in time order with the ledger events of their timeline tier
//! (20-lifecycle §19), comments first at equal times. Internal comments are
//! filtered in the query by the reader's current role (INV-COMMENT-2);
//! people are named with their e-mail only for owners (INV-PRIVACY-4).

use serde_json::Value;
use time::OffsetDateTime;

use super::service::Comment;
use crate::access::permissions::{self as perm, Actor, AdvisoryFacts, Role};
use crate::access::privacy::{mask_email, user_label};
use crate::advisories::pages::{iso, when};
use crate::advisories::repo::AdvisoryRow;
use crate::web::context::PageContext;
use crate::web::markdown::{self, SanitizedHtml};
use crate::web::routes;

/// One comment as its reader sees it.
pub struct CommentItem {
    pub id: i64,
    pub author: String,
    pub when: String,
    pub iso: String,
    pub html: SanitizedHtml,
    pub is_internal: bool,
    /// When it was last edited, unless redacted.
    pub edited: Option<String>,
    /// When it was redacted.
    pub redacted: Option<String>,
    pub can_edit: bool,
    pub can_redact: bool,
    pub edit_href: String,
    pub redact_href: String,
    pub history_href: String,
}

/// One ledger event.
pub struct EventItem {
    pub when: String,
    pub iso: String,
    pub who: String,
    pub text: String,
}

pub enum Item {
    Comment(CommentItem),
    Event(EventItem),
}

/// The activity section and the comment form's state.
#[expect(
    clippy::struct_excessive_bools,
    reason = "what the reader may do, one flag each"
)]
pub struct Activity {
    pub advisory_id: String,
    pub items: Vec<Item>,
    pub can_comment: bool,
    pub can_post_internal: bool,
    pub can_lock: bool,
    pub locked: bool,
    pub lock_reason: String,
    pub is_owner: bool,
    /// What the reader typed, back after a refused post.
    pub draft: String,
    pub draft_internal: bool,
    pub errors: Vec<String>,
}

impl Activity {
    pub fn new_href(&self) -> String {
        routes::of_advisory(routes::COMMENT_NEW, &self.advisory_id)
    }

    pub fn timeline_href(&self) -> String {
        routes::of_advisory(routes::ADVISORY_TIMELINE, &self.advisory_id)
    }

    pub fn mentions_href(&self) -> String {
        routes::of_advisory(routes::COMMENT_MENTIONS, &self.advisory_id)
    }

    pub fn lock_href(&self) -> String {
        routes::of_advisory(routes::COMMENTS_LOCK, &self.advisory_id)
    }

    pub fn unlock_href(&self) -> String {
        routes::of_advisory(routes::COMMENTS_UNLOCK, &self.advisory_id)
    }
}

/// A comment the reader may see, with its author's name and address, as
/// `advisories::panels` reads it.
#[derive(Debug, serde::Deserialize)]
pub struct CommentRow {
    #[serde(flatten)]
    pub comment: Comment,
    pub name: String,
    pub email: String,
}

/// A comment as `actor` sees it.
pub fn comment_item(
    ctx: &PageContext,
    actor: &Actor,
    facts: &AdvisoryFacts,
    public_id: &str,
    comment: &Comment,
    name: &str,
    email: &str,
) -> CommentItem {
    let show_emails =
        perm::can_see_user_emails(Some(actor), facts) || comment.author_id == Some(actor.user_id);
    let author = if comment.author_id.is_some() {
        user_label(name, email, show_emails)
    } else {
        ctx.t("timeline-system")
    };
    let of = |route| routes::of_comment(route, public_id, comment.id);
    let cfacts = comment.facts();
    CommentItem {
        id: comment.id,
        author,
        when: when(comment.created_at),
        iso: iso(comment.created_at),
        html: markdown::render(&comment.body),
        is_internal: comment.is_internal,
        edited: comment
            .edited_at
            .filter(|_| comment.redacted_at.is_none())
            .map(when),
        redacted: comment.redacted_at.map(when),
        can_edit: perm::can_edit_comment(Some(actor), facts, &cfacts),
        can_redact: perm::can_redact_comment(Some(actor), facts, &cfacts),
        edit_href: of(routes::COMMENT_EDIT),
        redact_href: of(routes::COMMENT_REDACT),
        history_href: of(routes::COMMENT_HISTORY),
    }
}

/// A ledger event of the timeline as `advisories::panels` reads it.
#[derive(Debug, serde::Deserialize)]
pub struct EventRow {
    action: String,
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
    previous_value: Option<Value>,
    new_value: Option<Value>,
    metadata: Value,
    actor_id: Option<i64>,
    display_name: Option<String>,
    email: Option<String>,
}

/// The ledger's part of a timeline, as `advisories::panels` reads it.
pub struct TimelineRows {
    /// Oldest first; internal ones only for those who may see them.
    pub comments: Vec<CommentRow>,
    pub events: Vec<EventRow>,
    /// The cutoffs of the ledger's prunes.
    pub pruned_before: Vec<String>,
}

/// The merged activity of `row` for `actor`, whose role on it is `role`:
/// its comments, and the ledger's events and prune cutoffs.
pub fn build(
    ctx: &PageContext,
    actor: &Actor,
    row: &AdvisoryRow,
    facts: &AdvisoryFacts,
    role: Role,
    ledger: TimelineRows,
) -> Activity {
    let show_emails = perm::can_see_user_emails(Some(actor), facts);

    let mut timed: Vec<(OffsetDateTime, u8, Item)> = Vec::new();
    for c in &ledger.comments {
        let item = comment_item(
            ctx,
            actor,
            facts,
            &row.advisory_id,
            &c.comment,
            &c.name,
            &c.email,
        );
        timed.push((c.comment.created_at, 0, Item::Comment(item)));
    }
    for e in ledger.events {
        let who = match (e.display_name, e.email) {
            (Some(name), Some(email)) => user_label(
                &name,
                &email,
                show_emails || e.actor_id == Some(actor.user_id),
            ),
            _ => ctx.t("timeline-system"),
        };
        let text = describe(
            ctx,
            &e.action,
            e.previous_value.as_ref(),
            e.new_value.as_ref(),
            &e.metadata,
            show_emails,
        );
        timed.push((
            e.created_at,
            1,
            Item::Event(EventItem {
                when: when(e.created_at),
                iso: iso(e.created_at),
                who,
                text,
            }),
        ));
    }
    // Stable: within a kind, the queries' order stands.
    timed.sort_by_key(|(at, kind, _)| (*at, *kind));
    // retention marker (20 §19.7): events before a prune's cutoff may be gone.
    if let Some(floor) = crate::ops::retention::pruning_floor(&ledger.pruned_before)
        && row.created_at < floor
    {
        let marker = EventItem {
            when: when(floor),
            iso: iso(floor),
            who: ctx.t("timeline-system"),
            text: ctx.t("timeline-pruned-before"),
        };
        timed.insert(0, (floor, 0, Item::Event(marker)));
    }
    Activity {
        advisory_id: row.advisory_id.clone(),
        items: timed.into_iter().map(|(_, _, item)| item).collect(),
        can_comment: perm::can_comment(Some(actor), facts),
        can_post_internal: perm::can_post_internal_comment(Some(actor), facts),
        can_lock: perm::can_lock_comments(Some(actor), facts),
        locked: row.comments_locked,
        lock_reason: row.comments_lock_reason.clone(),
        is_owner: role == Role::Owner,
        draft: String::new(),
        draft_internal: false,
        errors: Vec::new(),
    }
}

/// Who a grant or an invitation names, masked unless `show_emails`
/// (INV-PRIVACY-4); group names are never masked.
fn principal(value: Option<&Value>, show_emails: bool) -> String {
    let Some(v) = value else {
        return String::new();
    };
    let label = v["principal"]
        .as_str()
        .or_else(|| v["email"].as_str())
        .unwrap_or_default();
    if show_emails || v["principal_type"] == "group" {
        label.to_owned()
    } else {
        mask_email(label)
    }
}

/// A ledger event as one line of prose.
fn describe(
    ctx: &PageContext,
    action: &str,
    previous: Option<&Value>,
    new: Option<&Value>,
    metadata: &Value,
    show_emails: bool,
) -> String {
    let fields = metadata["changed_fields"]
        .as_array()
        .map(|f| {
            f.iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default();
    let text = |v: Option<&Value>| v.and_then(Value::as_str).unwrap_or_default().to_owned();
    if let Some(key) = crate::review::timeline::key(action, metadata) {
        return ctx.t(key);
    }
    // triage prose (20 §6)
    if let Some(key) = crate::advisories::workflow::triage::timeline_key(action) {
        return ctx.t(key);
    }
    let cve = |v: Option<&Value>| {
        v.and_then(|v| v["cve_id"].as_str())
            .unwrap_or_default()
            .to_owned()
    };
    match action {
        "advisory.created" => ctx.t("timeline-created"),
        "advisory.edited" if fields.is_empty() => ctx.t("timeline-saved-unchanged"),
        "advisory.edited" => ctx.t1("timeline-edited", "fields", fields),
        "advisory.project_changed" => {
            ctx.t2("timeline-moved", "from", text(previous), "to", text(new))
        }
        "advisory.review_approval_invalidated" => ctx.t("timeline-approval-voided"),
        "advisory.state_changed" => ctx.t2(
            "timeline-state-changed",
            "from",
            text(previous),
            "to",
            text(new),
        ),
        "access.granted" | "invitation.created" => {
            let permission = new.map_or("", |v| v["permission"].as_str().unwrap_or_default());
            let key = if action == "access.granted" {
                "timeline-access-granted"
            } else {
                "timeline-invited"
            };
            ctx.t2(
                key,
                "who",
                principal(new, show_emails),
                "permission",
                ctx.t(role_key(permission)),
            )
        }
        "access.revoked" => ctx.t1(
            "timeline-access-revoked",
            "who",
            principal(previous, show_emails),
        ),
        "invitation.revoked" => ctx.t1(
            "timeline-invitation-revoked",
            "who",
            principal(previous, show_emails),
        ),
        "invitation.redeemed" => ctx.t("timeline-invitation-redeemed"),
        "advisory.access_review_dismissed" => ctx.t("timeline-access-reviewed"),
        "advisory.comments_locked" => ctx.t("timeline-comments-locked"),
        "advisory.comments_unlocked" => ctx.t("timeline-comments-unlocked"),
        "advisory.dismissed" if metadata["withdrawn"].as_bool() == Some(true) => {
            ctx.t("timeline-withdrawn")
        }
        "advisory.dismissed" => ctx.t("timeline-dismissed"),
        "advisory.reassignment_requested" => ctx.t("timeline-reassignment-requested"),
        "advisory.reassignment_request_cleared" => ctx.t("timeline-reassignment-withdrawn"),
        "advisory.published" => ctx.t("timeline-published"),
        "publication.export_started" => ctx.t("timeline-publication-started"),
        "cve.requested" => ctx.t("timeline-cve-requested"),
        "cve.task_status_changed" => match new.map(|v| &v["status"]).and_then(Value::as_str) {
            Some("reserved") => ctx.t1("timeline-cve-reserved", "cve", cve(new)),
            Some("rejected") => ctx.t("timeline-cve-rejected"),
            _ => ctx.t("timeline-cve-cancelled"),
        },
        "cve.request_cancelled" => ctx.t("timeline-cve-cancelled"),
        "cve.unassigned" => ctx.t1("timeline-cve-unassigned", "cve", cve(previous)),
        "cve.request_banned" => ctx.t("timeline-cve-banned"),
        other => other.replace(['.', '_'], " "),
    }
}

fn role_key(permission: &str) -> &'static str {
    if permission == "collaborator" {
        "role-collaborator"
    } else {
        "role-viewer"
    }
}
