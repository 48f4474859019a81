//! The advisory list (50-web-ui §5): filters, sort, pagination, state counts
//! and "new" / "changed" markers, over the caller's visible set only
//! (INV-PRIVACY-1: nothing outside it is ever counted).
//!
//! Two statements whatever the number of rows: the caller's reach with the
//! projects they may filter by and the state counts (the pager's total comes
//! with them), and the page (markers included).

use serde::Deserialize;
use sqlx::PgConnection;
use time::OffsetDateTime;
use uuid::Uuid;

use super::projects::Project;
use crate::access::permissions::Actor;
use crate::db::Plans;

pub const STATES: [&str; 4] = ["triage", "draft", "published", "dismissed"];
pub const SEVERITIES: [&str; 5] = ["critical", "high", "medium", "low", "none"];
pub const REVIEW_STATUSES: [&str; 4] = ["none", "submitted", "changes_requested", "approved"];
pub const KINDS: [&str; 2] = ["native", "ghsa_linked"];
pub const SORTS: [&str; 5] = ["id", "project", "state", "severity", "modified"];

/// The query string as sent.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct RawQuery {
    pub q: Option<String>,
    pub project: Option<String>,
    pub severity: Option<String>,
    pub state: Option<String>,
    pub review_status: Option<String>,
    pub kind: Option<String>,
    pub sort: Option<String>,
    pub page: Option<String>,
    pub page_size: Option<String>,
}

/// A checked query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListQuery {
    pub q: Option<String>,
    pub project: Option<Uuid>,
    pub severity: Option<String>,
    pub state: Option<String>,
    pub review_status: Option<String>,
    pub kind: Option<String>,
    /// One of `SORTS`, optionally prefixed with `-`.
    pub sort: String,
    pub page: i64,
    pub page_size: i64,
}

pub const DEFAULT_PAGE_SIZE: i64 = 50;

/// Why a query was refused: an unknown filter value is a 400 with this
/// message (00-decisions, Surfaces).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("unknown {param} {value:?}; expected one of: {expected}")]
pub struct BadFilter {
    pub param: &'static str,
    pub value: String,
    pub expected: String,
}

fn one_of(
    param: &'static str,
    value: Option<String>,
    allowed: &[&str],
) -> Result<Option<String>, BadFilter> {
    match value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) if allowed.contains(&v.as_str()) => Ok(Some(v)),
        Some(v) => Err(BadFilter {
            param,
            value: v.chars().take(40).collect(),
            expected: allowed.join(", "),
        }),
    }
}

impl ListQuery {
    pub fn parse(raw: RawQuery) -> Result<ListQuery, BadFilter> {
        let project = match raw
            .project
            .map(|p| p.trim().to_owned())
            .filter(|p| !p.is_empty())
        {
            None => None,
            Some(p) => Some(Uuid::parse_str(&p).map_err(|_| BadFilter {
                param: "project",
                value: p.chars().take(40).collect(),
                expected: "a project id".into(),
            })?),
        };
        let sort = raw
            .sort
            .map(|s| s.trim().to_owned())
            .filter(|s| SORTS.contains(&s.trim_start_matches('-')))
            .unwrap_or_else(|| "-modified".into());
        let page = raw
            .page
            .and_then(|p| p.trim().parse::<i64>().ok())
            .filter(|p| *p >= 1)
            .unwrap_or(1);
        let page_size = raw
            .page_size
            .and_then(|p| p.trim().parse::<i64>().ok())
            .map_or(DEFAULT_PAGE_SIZE, |p| p.clamp(1, 200));
        Ok(ListQuery {
            q: raw
                .q
                .map(|q| q.trim().chars().take(200).collect::<String>())
                .filter(|q| !q.is_empty()),
            project,
            severity: one_of("severity", raw.severity, &SEVERITIES)?,
            state: one_of("state", raw.state, &STATES)?,
            review_status: one_of("review_status", raw.review_status, &REVIEW_STATUSES)?,
            kind: one_of("kind", raw.kind, &KINDS)?,
            sort,
            page,
            page_size,
        })
    }

    /// No search, no filter, the default order: the list most requests
    /// ask for, whose page statement has a branch that plans well once for
    /// all parameters (`list_page.sql`).
    fn is_plain(&self) -> bool {
        self.q.is_none()
            && self.project.is_none()
            && self.severity.is_none()
            && self.state.is_none()
            && self.review_status.is_none()
            && self.kind.is_none()
            && self.sort == "-modified"
    }

    /// How the list's transaction plans its statements. The filters are
    /// optional (`$n IS NULL OR …`) and only a plan made for the actual
    /// values uses the right index, so a filtered list plans each statement
    /// for its parameters — except the plain list and a search, which have
    /// branches of their own whose plans made once per connection are as
    /// good and save planning on every request (`list_page.sql`).
    pub fn plans(&self) -> Plans {
        if self.is_plain() || self.q.is_some() {
            Plans::Generic
        } else {
            Plans::Custom
        }
    }

    /// `q` as a LIKE pattern over the lower-cased search text (the
    /// `advisory_search` table), wildcards in the user's text escaped.
    fn pattern(&self) -> Option<String> {
        self.q.as_ref().map(|q| {
            let escaped = q
                .to_lowercase()
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            format!("%{escaped}%")
        })
    }
}

/// One row of the results table.
#[derive(Clone, Debug)]
pub struct Row {
    pub advisory_id: String,
    pub project_id: Uuid,
    pub project_name: String,
    pub state: String,
    pub review_status: String,
    pub kind: String,
    pub severity_level: String,
    pub severity_score: Option<f64>,
    pub summary: String,
    pub modified_at: OffsetDateTime,
    pub republish_required: bool,
    /// The viewer never opened it.
    pub is_new: bool,
    /// A ledger entry by someone else, on a tier the viewer sees, is newer
    /// than the viewer's last visit.
    pub is_changed: bool,
}

/// Per-state counts over the filtered set, ignoring the state filter.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub triage: i64,
    pub draft: i64,
    pub published: i64,
    pub dismissed: i64,
}

impl Counts {
    pub fn all(&self) -> i64 {
        self.triage + self.draft + self.published + self.dismissed
    }

    pub fn of(&self, state: Option<&str>) -> i64 {
        match state {
            Some("triage") => self.triage,
            Some("draft") => self.draft,
            Some("published") => self.published,
            Some("dismissed") => self.dismissed,
            _ => self.all(),
        }
    }
}

/// Timeline tiers, as action lists, for the "changed" marker.
#[derive(Clone, Debug, Default)]
pub struct TierActions {
    /// Seen by viewers and up.
    pub a: Vec<String>,
    /// Seen by collaborators and up.
    pub b: Vec<String>,
    /// Seen by owners.
    pub c: Vec<String>,
}

pub struct Page {
    pub rows: Vec<Row>,
    pub counts: Counts,
    /// The projects the caller may filter by: every project for an admin,
    /// else those whose security team they are on; by name.
    pub projects: Vec<Project>,
}

/// What the caller may see, resolved once (the projects whose team they
/// are on, the advisories granted to them directly or through a group, the
/// advisories a search matches), and the counts over it: one statement.
struct Reach {
    projects: Vec<Uuid>,
    granted: Vec<i64>,
    collaborator: Vec<i64>,
    matches: Option<Vec<i64>>,
    offered: Vec<Project>,
    counts: Counts,
}

async fn reach(
    conn: &mut PgConnection,
    viewer: &Actor,
    query: &ListQuery,
) -> Result<Reach, sqlx::Error> {
    let row = sqlx::query_file!(
        "src/advisories/sql/list_reach.sql",
        &viewer.group_ids,
        viewer.user_id,
        query.pattern(),
        viewer.is_admin,
        query.project,
        query.severity,
        query.review_status,
        query.kind,
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok(Reach {
        projects: row.projects,
        granted: row.granted,
        collaborator: row.collaborator,
        matches: row.matches,
        offered: row.offered.0,
        counts: Counts {
            triage: row.triage,
            draft: row.draft,
            published: row.published,
            dismissed: row.dismissed,
        },
    })
}

/// The counts and the page: two statements, whatever the number of rows.
/// Run it in a transaction begun with `query.plans()`.
pub async fn fetch(
    conn: &mut PgConnection,
    viewer: &Actor,
    query: &ListQuery,
    tiers: &TierActions,
) -> Result<Page, sqlx::Error> {
    let reach = reach(conn, viewer, query).await?;

    let offset = (query.page - 1).saturating_mul(query.page_size);
    let rows = sqlx::query_file_as!(
        Row,
        "src/advisories/sql/list_page.sql",
        viewer.is_admin,
        &reach.projects,
        &reach.granted,
        reach.matches.as_deref(),
        query.project,
        query.severity,
        query.review_status,
        query.kind,
        query.state,
        query.sort,
        query.page_size,
        viewer.user_id,
        &tiers.a,
        &tiers.b,
        offset,
        &reach.collaborator,
        &tiers.c,
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(Page {
        rows,
        counts: reach.counts,
        projects: reach.offered,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_filter_values_are_refused_and_the_rest_defaults() {
        let q = ListQuery::parse(RawQuery::default()).unwrap();
        assert_eq!(q.sort, "-modified");
        assert_eq!((q.page, q.page_size), (1, DEFAULT_PAGE_SIZE));
        let err = ListQuery::parse(RawQuery {
            review_status: Some("maybe".into()),
            ..RawQuery::default()
        })
        .unwrap_err();
        assert_eq!(err.param, "review_status");
        let q = ListQuery::parse(RawQuery {
            sort: Some("-bogus".into()),
            page: Some("-3".into()),
            page_size: Some("5000".into()),
            state: Some(" draft ".into()),
            ..RawQuery::default()
        })
        .unwrap();
        assert_eq!(
            (q.sort.as_str(), q.page, q.page_size),
            ("-modified", 1, 200)
        );
        assert_eq!(q.state.as_deref(), Some("draft"));
        assert!(
            ListQuery::parse(RawQuery {
                project: Some("nope".into()),
                ..RawQuery::default()
            })
            .is_err()
        );
    }

    #[test]
    fn search_text_is_matched_literally() {
        let q = ListQuery::parse(RawQuery {
            q: Some("50%_Off\\".into()),
            ..RawQuery::default()
        })
        .unwrap();
        assert_eq!(q.pattern().unwrap(), "%50\\%\\_off\\\\%");
    }
}
