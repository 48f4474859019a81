//! The admin console's inbox (`GET /admin/`, 50-web-ui §14.1): open work of
//! every kind in one newest-first list, 25 per page, with count chips that
//! filter it through `?category=` (plain links, no JavaScript), and the most
//! recent ledger entries under "Recent activity". Global admins only (P-46):
//! anyone else is refused with 403.
//!
//! The counts follow the backlog queues of 90-operations §4 (`cve_open`,
//! `review_open`, `pub_failed`, `triage`, `triage_routing`, `orphan`,
//! `reassignment`), with the two differences §4 and §14.1 spell out: "publish
//! required" adds republish-required advisories to the failed runs, and
//! "awaiting triage" leaves GHSA-linked mirrors out. Each list source is
//! capped at 500 rows before merging (§14.1); the chips count everything.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use serde::Deserialize;
use sqlx::PgConnection;
use time::OffsetDateTime;

use super::console::{AdminNav, Section, page_number, require_admin};
use crate::advisories::caller::Caller;
use crate::advisories::pages::{iso, when};
use crate::web::AppState;
use crate::web::context::PageContext;
use crate::web::error::AppError;
use crate::web::routes;

/// Rows per page (§14.1).
pub const PER_PAGE: i64 = 25;
/// Ledger entries under "Recent activity".
pub const RECENT: i64 = 25;

/// A filter of the inbox (`?category=`); an unknown value shows everything.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Category {
    Cve,
    Review,
    /// Failed publication runs and republish-required advisories.
    NeedsPublish,
    /// Native reports in triage, flagged ones included.
    Triage,
    /// The flagged subset.
    TriageRouting,
    Orphan,
    Reassignment,
    Withdrawal,
    /// The latest ledger entries instead of open work.
    Recent,
}

impl Category {
    pub const ALL: [Category; 9] = [
        Category::Cve,
        Category::Review,
        Category::NeedsPublish,
        Category::Triage,
        Category::TriageRouting,
        Category::Orphan,
        Category::Reassignment,
        Category::Withdrawal,
        Category::Recent,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::Cve => "cve",
            Category::Review => "review",
            Category::NeedsPublish => "needs_publish",
            Category::Triage => "triage",
            Category::TriageRouting => "triage_routing",
            Category::Orphan => "orphan",
            Category::Reassignment => "reassignment",
            Category::Withdrawal => "withdrawal",
            Category::Recent => "recent",
        }
    }

    pub fn parse(raw: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.as_str() == raw.trim())
    }

    /// The item kinds this category lists.
    pub fn kinds(self) -> &'static [&'static str] {
        match self {
            Category::Cve => &["cve"],
            Category::Review => &["review"],
            Category::NeedsPublish => &["pub_failed", "republish"],
            Category::Triage => &["triage", "triage_routing"],
            Category::TriageRouting => &["triage_routing"],
            Category::Orphan => &["orphan"],
            Category::Reassignment => &["reassignment"],
            Category::Withdrawal => &["withdrawal"],
            Category::Recent => &[],
        }
    }
}

/// Every kind of open work.
const ALL_KINDS: [&str; 9] = [
    "cve",
    "review",
    "pub_failed",
    "republish",
    "triage",
    "triage_routing",
    "orphan",
    "reassignment",
    "withdrawal",
];

/// Open work, counted (uncapped).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// `cve_open`: queued CVE requests.
    pub cve: i64,
    /// `review_open`: open review tasks.
    pub review: i64,
    /// `pub_failed`: failed publication runs.
    pub pub_failed: i64,
    /// Published native advisories edited since, without a failed run.
    pub republish: i64,
    /// Native reports in triage.
    pub triage: i64,
    /// `triage_routing`: reports flagged for admin routing.
    pub triage_routing: i64,
    /// `orphan`: orphan CVEs not yet rejected at cve.org.
    pub orphan: i64,
    /// `reassignment`: queued orphan reassignment tasks.
    pub reassignment: i64,
    /// Pending withdrawal requests.
    pub withdrawal: i64,
}

impl Counts {
    /// "N publish required".
    pub fn needs_publish(&self) -> i64 {
        self.pub_failed + self.republish
    }

    /// Everything open.
    pub fn total(&self) -> i64 {
        self.cve
            + self.review
            + self.needs_publish()
            + self.triage
            + self.orphan
            + self.reassignment
            + self.withdrawal
    }
}

/// The counts behind the chips.
pub async fn counts(conn: &mut PgConnection) -> Result<Counts, sqlx::Error> {
    let r = sqlx::query!(
        r#"SELECT
             (SELECT count(*) FROM cve_request_task WHERE status = 'queued') AS "cve!",
             (SELECT count(*) FROM review_task WHERE status = 'open') AS "review!",
             (SELECT count(*) FROM publication_task WHERE status = 'failed') AS "pub_failed!",
             (SELECT count(*) FROM advisory a
              WHERE a.state = 'published' AND a.republish_required AND a.kind = 'native'
                AND NOT EXISTS (SELECT 1 FROM publication_task t
                                WHERE t.advisory_id = a.id AND t.status = 'failed')) AS "republish!",
             (SELECT count(*) FROM advisory WHERE state = 'triage' AND kind = 'native') AS "triage!",
             (SELECT count(*) FROM advisory a JOIN advisory_intake i ON i.advisory_id = a.id
              WHERE a.state = 'triage' AND i.needs_admin_routing) AS "triage_routing!",
             (SELECT count(*) FROM orphan_cve WHERE status = 'orphaned') AS "orphan!",
             (SELECT count(*) FROM orphan_cve_reassignment_task WHERE status = 'queued') AS "reassignment!",
             (SELECT count(*) FROM advisory WHERE withdrawal_requested_at IS NOT NULL) AS "withdrawal!""#
    )
    .fetch_one(conn)
    .await?;
    Ok(Counts {
        cve: r.cve,
        review: r.review,
        pub_failed: r.pub_failed,
        republish: r.republish,
        triage: r.triage,
        triage_routing: r.triage_routing,
        orphan: r.orphan,
        reassignment: r.reassignment,
        withdrawal: r.withdrawal,
    })
}

/// One line of open work as stored.
struct ItemRow {
    kind: String,
    ref_id: i64,
    title: String,
    subtitle: String,
    advisory: String,
    at: OffsetDateTime,
    total: i64,
}

/// One page of the merged list: the kinds in `kinds`, newest first.
async fn items(
    conn: &mut PgConnection,
    kinds: &[&str],
    page: i64,
) -> Result<Vec<ItemRow>, sqlx::Error> {
    let kinds: Vec<String> = kinds.iter().map(|k| (*k).to_owned()).collect();
    sqlx::query_file_as!(
        ItemRow,
        "src/admin/sql/inbox_items.sql",
        &kinds,
        PER_PAGE,
        (page - 1) * PER_PAGE
    )
    .fetch_all(conn)
    .await
}

/// One line of the inbox as shown.
pub struct Item {
    pub kind: String,
    pub badge_key: &'static str,
    pub title: String,
    pub subtitle: String,
    pub href: String,
    pub when: String,
    pub iso: String,
}

fn item(ctx: &PageContext, r: ItemRow) -> Item {
    let (badge_key, href, subtitle) = match r.kind.as_str() {
        "cve" => (
            "admin-inbox-badge-cve",
            format!("{}#cve-task-{}", routes::ADMIN_CVES, r.ref_id),
            r.subtitle,
        ),
        "review" => (
            "admin-inbox-badge-review",
            routes::advisory(&r.advisory),
            ctx.t1("admin-inbox-submitted-by", "who", r.subtitle),
        ),
        "pub_failed" => (
            "admin-inbox-badge-publish",
            format!("{}#pub-task-{}", routes::ADMIN_PUBLICATIONS, r.ref_id),
            r.subtitle,
        ),
        "republish" => (
            "admin-inbox-badge-publish",
            routes::advisory(&r.advisory),
            ctx.t1("admin-inbox-edited-since-publish", "project", r.subtitle),
        ),
        "triage" | "triage_routing" => (
            if r.kind == "triage" {
                "admin-inbox-badge-triage"
            } else {
                "admin-inbox-badge-routing"
            },
            routes::advisory(&r.advisory),
            if r.subtitle.is_empty() {
                ctx.t("admin-inbox-anonymous")
            } else {
                r.subtitle
            },
        ),
        "orphan" => (
            "admin-inbox-badge-orphan",
            routes::ADMIN_CVES.to_owned(),
            if r.subtitle.is_empty() {
                ctx.t("admin-inbox-advisory-deleted")
            } else {
                r.subtitle
            },
        ),
        "reassignment" => (
            "admin-inbox-badge-reassign",
            routes::ADMIN_CVES.to_owned(),
            ctx.t1("admin-inbox-reopened", "id", r.subtitle),
        ),
        _ => (
            "admin-inbox-badge-withdraw",
            routes::advisory(&r.advisory),
            ctx.t1("admin-inbox-withdrawal-requested", "project", r.subtitle),
        ),
    };
    Item {
        badge_key,
        href,
        subtitle,
        title: r.title,
        when: when(r.at),
        iso: iso(r.at),
        kind: r.kind,
    }
}

/// One entry of "Recent activity".
pub struct Activity {
    pub action: String,
    pub who: String,
    pub advisory: Option<String>,
    pub when: String,
    pub iso: String,
}

async fn recent(conn: &mut PgConnection) -> Result<Vec<Activity>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT e.action, e.created_at, a.advisory_id AS "advisory?",
                  u.display_name AS "name?", u.email AS "email?"
           FROM audit_log_entry e
           LEFT JOIN advisory a ON a.id = e.advisory_id
           LEFT JOIN app_user u ON u.id = e.actor_id
           ORDER BY e.created_at DESC, e.id DESC LIMIT $1"#,
        RECENT
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Activity {
            action: r.action,
            // The console shows e-mail addresses (30-permissions §10.4).
            who: match (r.name, r.email) {
                (Some(n), _) if !n.trim().is_empty() => n,
                (_, Some(e)) => e,
                _ => String::new(),
            },
            advisory: r.advisory,
            when: when(r.created_at),
            iso: iso(r.created_at),
        })
        .collect())
}

/// A count chip: a link to its category.
pub struct Chip {
    pub id: &'static str,
    pub label: String,
    pub href: String,
    /// `danger` or `warn` when the count calls for attention.
    pub tone: &'static str,
    pub current: bool,
}

fn chips(ctx: &PageContext, counts: &Counts, current: Option<Category>) -> Vec<Chip> {
    let chip = |c: Category, key: &str, n: i64, tone: &'static str| Chip {
        id: c.as_str(),
        label: ctx.t1(key, "count", n),
        href: format!("{}?category={}", routes::ADMIN_INBOX, c.as_str()),
        tone: if n > 0 { tone } else { "" },
        current: current == Some(c),
    };
    let mut out = vec![
        chip(Category::Cve, "admin-inbox-chip-cve", counts.cve, ""),
        chip(
            Category::Review,
            "admin-inbox-chip-review",
            counts.review,
            "",
        ),
        chip(
            Category::NeedsPublish,
            "admin-inbox-chip-needs-publish",
            counts.needs_publish(),
            "danger",
        ),
        chip(
            Category::Triage,
            "admin-inbox-chip-triage",
            counts.triage,
            "warn",
        ),
    ];
    // "N awaiting routing" only when there is some (§14.1).
    if counts.triage_routing > 0 || current == Some(Category::TriageRouting) {
        out.push(chip(
            Category::TriageRouting,
            "admin-inbox-chip-routing",
            counts.triage_routing,
            "warn",
        ));
    }
    out.extend([
        chip(
            Category::Orphan,
            "admin-inbox-chip-orphan",
            counts.orphan,
            "",
        ),
        chip(
            Category::Reassignment,
            "admin-inbox-chip-reassignment",
            counts.reassignment,
            "",
        ),
        chip(
            Category::Withdrawal,
            "admin-inbox-chip-withdrawal",
            counts.withdrawal,
            "",
        ),
    ]);
    let mut recent = chip(Category::Recent, "admin-inbox-chip-recent", 0, "");
    recent.label = ctx.t("admin-inbox-chip-recent");
    out.push(recent);
    out
}

/// A link of the "show more" strip: a section page and how many of its
/// items this page does not show.
pub struct More {
    pub label_key: &'static str,
    pub href: &'static str,
    pub hidden: i64,
}

/// The strip of §14.1: CVE requests, publish required, orphan CVEs and CVE
/// reassignments, each when the listed categories include it and some of
/// its items are not on this page.
fn more(counts: &Counts, kinds: &[&str], shown: &[Item]) -> Vec<More> {
    let on_page = |of: &[&str]| {
        i64::try_from(
            shown
                .iter()
                .filter(|i| of.contains(&i.kind.as_str()))
                .count(),
        )
        .unwrap_or(i64::MAX)
    };
    [
        (
            "admin-inbox-more-cve",
            routes::ADMIN_CVES,
            &["cve"][..],
            counts.cve,
        ),
        (
            "admin-inbox-more-publish",
            routes::ADMIN_PUBLICATIONS,
            &["pub_failed", "republish"][..],
            counts.needs_publish(),
        ),
        (
            "admin-inbox-more-orphan",
            routes::ADMIN_CVES,
            &["orphan"][..],
            counts.orphan,
        ),
        (
            "admin-inbox-more-reassignment",
            routes::ADMIN_CVES,
            &["reassignment"][..],
            counts.reassignment,
        ),
    ]
    .into_iter()
    .filter(|(_, _, of, _)| of.iter().any(|k| kinds.contains(k)))
    .map(|(label_key, href, of, total)| More {
        label_key,
        href,
        hidden: total - on_page(of),
    })
    .filter(|m| m.hidden > 0)
    .collect()
}

#[derive(Debug, Default, Deserialize)]
pub struct InboxQuery {
    category: Option<String>,
    page: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/inbox.html")]
pub struct InboxPage {
    pub ctx: PageContext,
    pub nav: AdminNav,
    pub counts: Counts,
    pub chips: Vec<Chip>,
    pub category: Option<Category>,
    pub items: Vec<Item>,
    pub recent: Vec<Activity>,
    pub more: Vec<More>,
    pub page: i64,
    pub pages: i64,
    pub prev: Option<String>,
    pub next: Option<String>,
}

impl InboxPage {
    #[expect(clippy::unused_self, reason = "templates call it as a method")]
    fn all_href(&self) -> &'static str {
        routes::ADMIN_INBOX
    }

    #[expect(clippy::unused_self, reason = "templates call it as a method")]
    fn advisory_href(&self, id: &str) -> String {
        routes::advisory(id)
    }

    fn showing_recent(&self) -> bool {
        self.category == Some(Category::Recent)
    }

    fn page_href(&self, page: i64) -> String {
        let mut pairs = Vec::new();
        if let Some(c) = self.category {
            pairs.push(("category", c.as_str().to_owned()));
        }
        if page > 1 {
            pairs.push(("page", page.to_string()));
        }
        super::console::url(routes::ADMIN_INBOX, &pairs)
    }
}

/// `GET /admin/?category=&page=`.
#[tracing::instrument(name = "http.admin.inbox", skip_all)]
pub async fn page(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageContext,
    Query(query): Query<InboxQuery>,
) -> Result<InboxPage, AppError> {
    require_admin(&caller, &ctx)?;
    let category = query.category.as_deref().and_then(Category::parse);
    let page = page_number(query.page.as_deref());
    let mut tx = caller.begin(&state).await?;
    let counts = counts(&mut tx).await?;
    let kinds: &[&str] = category.map_or(&ALL_KINDS[..], Category::kinds);
    let (rows, recent) = match category {
        Some(Category::Recent) => (Vec::new(), recent(&mut tx).await?),
        _ => (items(&mut tx, kinds, page).await?, Vec::new()),
    };
    tx.commit().await?;
    let total = rows.first().map_or(0, |r| r.total);
    let pages = ((total + PER_PAGE - 1) / PER_PAGE).max(1);
    let items: Vec<Item> = rows.into_iter().map(|r| item(&ctx, r)).collect();
    let mut view = InboxPage {
        nav: AdminNav(Section::Inbox),
        chips: chips(&ctx, &counts, category),
        more: more(&counts, kinds, &items),
        items,
        counts,
        category,
        recent,
        page,
        pages,
        prev: None,
        next: None,
        ctx,
    };
    view.prev = (page > 1).then(|| view.page_href(page - 1));
    view.next = (page < pages).then(|| view.page_href(page + 1));
    Ok(view)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_round_trip_and_unknown_ones_show_everything() {
        for c in Category::ALL {
            assert_eq!(Category::parse(c.as_str()), Some(c));
        }
        assert_eq!(Category::parse("nope"), None);
        assert_eq!(Category::parse(""), None);
    }

    #[test]
    fn every_kind_belongs_to_a_category() {
        for kind in ALL_KINDS {
            assert!(
                Category::ALL.iter().any(|c| c.kinds().contains(&kind)),
                "{kind}"
            );
        }
        // Routing is the flagged subset of triage (§14.1).
        assert!(Category::Triage.kinds().contains(&"triage_routing"));
    }

    fn shown(kind: &str, n: usize) -> Vec<Item> {
        (0..n)
            .map(|_| Item {
                kind: kind.to_owned(),
                badge_key: "",
                title: String::new(),
                subtitle: String::new(),
                href: String::new(),
                when: String::new(),
                iso: String::new(),
            })
            .collect()
    }

    #[test]
    fn the_strip_counts_what_the_page_does_not_show() {
        let counts = Counts {
            cve: 30,
            orphan: 2,
            triage: 40,
            ..Counts::default()
        };
        let strip = more(&counts, &ALL_KINDS, &shown("cve", 25));
        let got: Vec<(&str, i64)> = strip.iter().map(|m| (m.label_key, m.hidden)).collect();
        assert_eq!(
            got,
            [("admin-inbox-more-cve", 5), ("admin-inbox-more-orphan", 2)]
        );
        // Only the sections of the listed category; triage has none.
        assert!(more(&counts, Category::Triage.kinds(), &shown("triage", 25)).is_empty());
        assert!(more(&counts, Category::Cve.kinds(), &shown("cve", 30)).is_empty());
    }

    #[test]
    fn publish_required_adds_republish_to_failed_runs() {
        let c = Counts {
            pub_failed: 2,
            republish: 3,
            triage: 4,
            triage_routing: 1,
            ..Counts::default()
        };
        assert_eq!(c.needs_publish(), 5);
        // The routing subset is not counted twice.
        assert_eq!(c.total(), 9);
    }
}
