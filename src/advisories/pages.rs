//! The advisory pages a team reads every day: the list, the detail page and
//! the version history with its diff. Each runs a fixed number of
//! statements, whatever the number of rows, in one transaction on behalf of
//! the caller (row-level security applies).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::caller::Caller;
use super::content::Payload;
use super::list::{self, ListQuery, RawQuery, TierActions};
use super::{cwe, id, projects, repo, severity};
use crate::access::permissions as perm;
use crate::access::privacy::user_label;
use crate::audit::access_log::RequestOrigin;
use crate::audit::catalogue::{Action, Tier};
use crate::comments::timeline::Item;
use crate::web::AppState;
use crate::web::context::PageContext;
use crate::web::error::AppError;
use crate::web::htmx::Fragment;
use crate::web::markdown::{self, SanitizedHtml};
use crate::web::routes;

/// `YYYY-MM-DD HH:MM UTC`, the text a `<time>` element shows without
/// JavaScript (50-web-ui §1.5).
pub fn when(t: OffsetDateTime) -> String {
    let f = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    t.to_offset(time::UtcOffset::UTC)
        .format(&f)
        .unwrap_or_default()
}

pub fn iso(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

fn tiers() -> TierActions {
    let of = |tier: Tier| {
        Action::ALL
            .iter()
            .filter(|a| a.tier() == Some(tier))
            .map(|a| a.as_str().to_owned())
            .collect()
    };
    TierActions {
        a: of(Tier::A),
        b: of(Tier::B),
        c: of(Tier::C),
    }
}

/// A link target keeping the list's other parameters.
fn list_url(query: &ListQuery, change: &[(&str, Option<String>)]) -> String {
    let mut pairs: Vec<(&str, String)> = Vec::new();
    let mut push = |k: &'static str, v: Option<String>| {
        if let Some(v) = v.filter(|v| !v.is_empty()) {
            pairs.push((k, v));
        }
    };
    let current = [
        ("q", query.q.clone()),
        ("project", query.project.map(|p| p.to_string())),
        ("severity", query.severity.clone()),
        ("review_status", query.review_status.clone()),
        ("kind", query.kind.clone()),
        ("state", query.state.clone()),
        (
            "sort",
            Some(query.sort.clone()).filter(|s| s != "-modified"),
        ),
        (
            "page_size",
            Some(query.page_size.to_string())
                .filter(|_| query.page_size != list::DEFAULT_PAGE_SIZE),
        ),
        (
            "page",
            Some(query.page.to_string()).filter(|_| query.page > 1),
        ),
    ];
    for (key, value) in current {
        let value = change
            .iter()
            .find(|(k, _)| *k == key)
            .map_or(value, |(_, v)| v.clone());
        push(key, value);
    }
    let qs = serde_urlencoded::to_string(&pairs).unwrap_or_default();
    if qs.is_empty() {
        routes::ADVISORIES.to_owned()
    } else {
        format!("{}?{qs}", routes::ADVISORIES)
    }
}

pub struct ListRow {
    pub row: list::Row,
    pub href: String,
    pub modified: String,
    pub modified_iso: String,
    pub score: String,
}

pub struct Tab {
    pub label: &'static str,
    pub count: i64,
    pub href: String,
    pub active: bool,
}

pub struct SortLink {
    pub label: &'static str,
    pub href: String,
    /// `ascending` / `descending` for the active column, else `none`.
    pub aria: &'static str,
}

#[derive(Template, WebTemplate)]
#[template(path = "advisories/list.html", blocks = ["results"])]
pub struct ListPage {
    pub ctx: PageContext,
    pub query: ListQuery,
    pub rows: Vec<ListRow>,
    pub tabs: Vec<Tab>,
    pub sorts: Vec<SortLink>,
    pub projects: Vec<projects::Project>,
    pub total: i64,
    pub page_count: i64,
    pub prev: Option<String>,
    pub next: Option<String>,
    pub clear: Option<String>,
    pub can_create: bool,
    /// Render the state tabs as an out-of-band swap (htmx partial).
    pub oob: bool,
}

impl ListPage {
    fn selected_project(&self, p: &projects::Project) -> bool {
        self.query.project == Some(p.id)
    }

    #[expect(clippy::unused_self, reason = "templates call it as a method")]
    fn severities(&self) -> [&'static str; 5] {
        list::SEVERITIES
    }

    fn severity_selected(&self, level: &str) -> bool {
        self.query.severity.as_deref() == Some(level)
    }

    fn severity_label(&self, level: &str) -> String {
        if level == "none" {
            self.ctx.t("advisories-unscored")
        } else {
            level.to_owned()
        }
    }

    #[expect(clippy::unused_self, reason = "templates call it as a method")]
    fn state_key(&self, state: &str) -> &'static str {
        state_key(state)
    }

    fn default_sort(&self) -> bool {
        self.query.sort == "-modified"
    }

    fn q(&self) -> &str {
        self.query.q.as_deref().unwrap_or("")
    }
}

fn sort_links(query: &ListQuery) -> Vec<SortLink> {
    [
        ("id", "advisories-col-id", "id"),
        ("project", "advisories-col-project", "project"),
        ("state", "advisories-col-state", "state"),
        ("severity", "advisories-col-severity", "-severity"),
        ("modified", "advisories-col-modified", "-modified"),
    ]
    .into_iter()
    .map(|(column, label, natural)| {
        let active = query.sort.trim_start_matches('-') == column;
        let descending = query.sort.starts_with('-');
        let target = if active {
            if descending {
                column.to_owned()
            } else {
                format!("-{column}")
            }
        } else {
            natural.to_owned()
        };
        SortLink {
            label,
            href: list_url(query, &[("sort", Some(target)), ("page", None)]),
            aria: match (active, descending) {
                (false, _) => "none",
                (true, true) => "descending",
                (true, false) => "ascending",
            },
        }
    })
    .collect()
}

/// `GET /advisories/`.
#[tracing::instrument(name = "http.advisories.list", skip_all)]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageContext,
    Fragment(fragment): Fragment,
    Query(raw): Query<RawQuery>,
) -> Result<Response, AppError> {
    let query = ListQuery::parse(raw).map_err(|e| AppError::BadRequest(e.to_string()))?;
    let mut tx = caller.begin_planned(&state, query.plans()).await?;
    let page = list::fetch(&mut tx, &caller.actor, &query, &tiers()).await?;
    tx.commit().await?;

    let actor = &caller.actor;
    let on_a_team = page
        .projects
        .iter()
        .any(|p| actor.is_member_of(p.security_team_id));
    let total = page.counts.of(query.state.as_deref());
    let page_count = ((total + query.page_size - 1) / query.page_size).max(1);
    let tabs = std::iter::once((None, "advisories-tab-all"))
        .chain(list::STATES.iter().map(|s| (Some(*s), state_key(s))))
        .map(|(state, label)| Tab {
            label,
            count: page.counts.of(state),
            href: list_url(
                &query,
                &[("state", state.map(str::to_owned)), ("page", None)],
            ),
            active: query.state.as_deref() == state,
        })
        .collect();
    let rows = page
        .rows
        .into_iter()
        .map(|row| ListRow {
            href: routes::advisory(&row.advisory_id),
            modified: when(row.modified_at),
            modified_iso: iso(row.modified_at),
            score: row
                .severity_score
                .map(|s| format!("{s:.1}"))
                .unwrap_or_default(),
            row,
        })
        .collect();
    let filtered = query.q.is_some() || query.project.is_some() || query.severity.is_some();
    let view = ListPage {
        sorts: sort_links(&query),
        tabs,
        rows,
        projects: page.projects,
        total,
        page_count,
        prev: (query.page > 1)
            .then(|| list_url(&query, &[("page", Some((query.page - 1).to_string()))])),
        next: (query.page < page_count)
            .then(|| list_url(&query, &[("page", Some((query.page + 1).to_string()))])),
        clear: filtered.then(|| {
            list_url(
                &query,
                &[
                    ("q", None),
                    ("project", None),
                    ("severity", None),
                    ("page", None),
                ],
            )
        }),
        can_create: perm::can_author_any_advisory(Some(actor), on_a_team),
        oob: fragment,
        ctx,
        query,
    };
    if view.oob {
        return Ok(axum::response::Html(view.as_results().render()?).into_response());
    }
    Ok(view.into_response())
}

/// The catalogue key of a lifecycle state's name.
pub fn state_key(state: &str) -> &'static str {
    match state {
        "triage" => "state-triage",
        "draft" => "state-draft",
        "published" => "state-published",
        _ => "state-dismissed",
    }
}

/// A severity entry as shown: its type, vector and rating.
pub struct SeverityView {
    pub kind: String,
    pub score: String,
    pub level: &'static str,
    pub base: String,
}

pub struct CweView {
    pub id: String,
    pub name: &'static str,
}

/// A version as `advisories::panels` reads it.
#[derive(Debug, Deserialize)]
pub struct VersionRow {
    version: i32,
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
    display_name: Option<String>,
    email: Option<String>,
}

pub struct VersionItem {
    pub version: i32,
    pub when: String,
    pub iso: String,
    pub editor: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "advisories/detail.html")]
pub struct DetailPage {
    pub ctx: PageContext,
    pub advisory: repo::AdvisoryRow,
    pub content: Payload,
    pub details_html: SanitizedHtml,
    pub severities: Vec<SeverityView>,
    pub cwes: Vec<CweView>,
    pub activity: crate::comments::timeline::Activity,
    pub versions: Vec<VersionItem>,
    pub role: &'static str,
    pub can_edit: bool,
    pub created: String,
    pub modified: String,
    /// Who has access and why; the forms and the review banner for owners.
    pub access: crate::access::panel::Panel,
    /// The caller's notification settings for it (not in triage).
    pub notifications: Option<crate::notifications::preferences::Panel>,
    /// Dismissal, reopening, withdrawal and reassignment.
    pub workflow: super::workflow::panel::Panel,
    /// The triage card: reporter, routing flag, triage decisions.
    pub triage: super::workflow::triage_panel::Panel,
    pub review: crate::review::panel::Panel,
    pub cve: crate::cve::panel::Panel,
    pub publication: crate::publication::panel::Panel,
}

impl DetailPage {
    fn edit_path(&self) -> String {
        routes::advisory_edit(&self.advisory.advisory_id)
    }

    fn history_path(&self) -> String {
        routes::advisory_history(&self.advisory.advisory_id)
    }

    fn state_key(&self) -> &'static str {
        state_key(&self.advisory.state)
    }

    fn role_key(&self) -> &'static str {
        match self.role {
            "owner" => "role-owner",
            "collaborator" => "role-collaborator",
            _ => "role-viewer",
        }
    }

    fn score(&self) -> String {
        self.advisory
            .severity_score
            .map(|s| format!("{s:.1}"))
            .unwrap_or_default()
    }

    #[expect(clippy::unused_self, reason = "templates call it as a method")]
    fn safe_url<'a>(&self, url: &'a str) -> Option<&'a str> {
        super::content::is_safe_reference_url(url).then_some(url)
    }
}

/// Parses the id in the path; a malformed id never matches (404).
fn public_id(raw: &str) -> Result<&str, AppError> {
    if id::is_valid(raw) {
        Ok(raw)
    } else {
        Err(AppError::NotFound)
    }
}

/// `GET /advisories/{id}/`.
#[tracing::instrument(name = "http.advisories.detail", skip_all)]
pub async fn detail(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageContext,
    origin: RequestOrigin,
    Path(raw_id): Path<String>,
) -> Result<DetailPage, AppError> {
    let public_id = public_id(&raw_id)?;
    let actor = &caller.actor;
    let mut tx = caller.begin(&state).await?;
    let row = repo::load(&mut tx, public_id, Some(actor), false)
        .await?
        .ok_or(AppError::NotFound)?;
    let facts = row.facts().map_err(|e| AppError::Internal(Box::new(e)))?;
    // Q-19: what the caller may not see does not exist for them.
    let role = perm::role(Some(actor), &facts).ok_or(AppError::NotFound)?;
    let panels =
        super::panels::PanelData::fetch_viewing(&mut tx, actor, &row, &facts, &origin).await?;
    let activity =
        crate::comments::timeline::build(&ctx, actor, &row, &facts, role, panels.timeline);
    let notifications = (facts.state != perm::State::Triage).then(|| {
        crate::notifications::preferences::Panel::from_row(&row.advisory_id, &panels.notifications)
    });
    let workflow =
        super::workflow::panel::build(actor, &row, &facts, panels.workflow, &panels.projects);
    let triage =
        super::workflow::triage_panel::build(actor, &row, &facts, panels.intake, &panels.projects);
    let review = crate::review::panel::build(actor, &row, &facts, panels.review);
    let cve = crate::cve::panel::build(actor, &row, &facts, panels.cve);
    let publication = crate::publication::panel::build(actor, &row, &facts, panels.publication);
    let access = crate::access::panel::build(
        &state.config.oidc.admin_group,
        actor,
        &row,
        &facts,
        panels.access,
    );
    tx.commit().await?;

    let show_emails = perm::can_see_user_emails(Some(actor), &facts);
    let label = |name, email| person(&ctx, &caller, show_emails, name, email);
    let content = row.payload();
    Ok(DetailPage {
        details_html: markdown::render_kept(row.id, &content.details),
        severities: content
            .severity
            .iter()
            .map(|s| {
                let rating = severity::rate(s);
                SeverityView {
                    kind: s.kind.clone(),
                    score: s.score.clone(),
                    level: rating.map_or("none", |r| r.level.as_str()),
                    base: rating
                        .and_then(|r| r.score)
                        .map(|v| format!("{v:.1}"))
                        .unwrap_or_default(),
                }
            })
            .collect(),
        cwes: content
            .cwe_ids
            .iter()
            .map(|c| CweView {
                id: c.clone(),
                name: cwe::name_for(c).unwrap_or(""),
            })
            .collect(),
        activity,
        versions: panels
            .versions
            .into_iter()
            .map(|v| VersionItem {
                version: v.version,
                when: when(v.created_at),
                iso: iso(v.created_at),
                editor: label(v.display_name, v.email),
            })
            .collect(),
        role: role.as_str(),
        can_edit: perm::can_edit(Some(actor), &facts),
        created: when(row.created_at),
        modified: when(row.modified_at),
        access,
        notifications,
        workflow,
        triage,
        review,
        cve,
        publication,
        content,
        advisory: row,
        ctx,
    })
}

#[derive(Debug, Default, Deserialize)]
pub struct DiffQuery {
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    to: Option<String>,
}

/// One changed key of the snapshot, old and new rendered as text.
pub struct DiffRow {
    pub key: String,
    pub lines: Vec<DiffLine>,
}

pub struct DiffLine {
    /// `+`, `-` or ` `.
    pub sign: char,
    pub text: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "advisories/history.html")]
pub struct HistoryPage {
    pub ctx: PageContext,
    pub advisory_id: String,
    pub summary: String,
    pub versions: Vec<VersionItem>,
    pub from: i32,
    pub to: i32,
    pub diff: Vec<DiffRow>,
}

impl HistoryPage {
    fn detail_path(&self) -> String {
        routes::advisory(&self.advisory_id)
    }

    fn history_path(&self) -> String {
        routes::advisory_history(&self.advisory_id)
    }
}

/// A snapshot value as lines of text, for a line diff.
fn as_lines(v: Option<&Value>) -> Vec<String> {
    match v {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(s)) => s.lines().map(str::to_owned).collect(),
        Some(other) => serde_json::to_string_pretty(other)
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect(),
    }
}

/// A line diff by longest common subsequence: snapshots are small, so the
/// quadratic table is cheap.
pub fn diff_lines(old: &[String], new: &[String]) -> Vec<DiffLine> {
    let (n, m) = (old.len(), new.len());
    let mut lcs = vec![vec![0usize; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if old[i] == new[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < n || j < m {
        if i < n && j < m && old[i] == new[j] {
            out.push(DiffLine {
                sign: ' ',
                text: old[i].clone(),
            });
            i += 1;
            j += 1;
        } else if i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1]) {
            // Removals before additions, as diff tools show them.
            out.push(DiffLine {
                sign: '-',
                text: old[i].clone(),
            });
            i += 1;
        } else {
            out.push(DiffLine {
                sign: '+',
                text: new[j].clone(),
            });
            j += 1;
        }
    }
    out
}

/// Who did something, as the caller may see them: other people's addresses
/// only for owners (INV-PRIVACY-4); the system when nobody.
fn person(
    ctx: &PageContext,
    caller: &Caller,
    show_emails: bool,
    name: Option<String>,
    email: Option<String>,
) -> String {
    match (name, email) {
        (Some(name), Some(email)) => {
            let own = email == caller.identity.email;
            user_label(&name, &email, show_emails || own)
        }
        _ => ctx.t("timeline-system"),
    }
}

/// `GET /advisories/{id}/history/[?from=N&to=M]`: the versions with editor
/// and time, and the diff between two of them (consistency ruling 23).
#[tracing::instrument(name = "http.advisories.history", skip_all)]
pub async fn history(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageContext,
    Path(raw_id): Path<String>,
    Query(q): Query<DiffQuery>,
) -> Result<HistoryPage, AppError> {
    let public_id = public_id(&raw_id)?;
    let mut tx = caller.begin(&state).await?;
    let row = repo::load(&mut tx, public_id, Some(&caller.actor), false)
        .await?
        .ok_or(AppError::NotFound)?;
    let facts = row.facts().map_err(|e| AppError::Internal(Box::new(e)))?;
    if perm::role(Some(&caller.actor), &facts).is_none() {
        return Err(AppError::NotFound);
    }
    let versions = sqlx::query!(
        r#"SELECT v.version, v.created_at, v.payload, u.display_name AS "display_name?", u.email AS "email?"
           FROM advisory_version v LEFT JOIN app_user u ON u.id = v.editor_id
           WHERE v.advisory_id = $1 ORDER BY v.version DESC"#,
        row.id
    )
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    let show_emails = perm::can_see_user_emails(Some(&caller.actor), &facts);
    let latest = versions.first().map_or(1, |v| v.version);
    let number = |raw: Option<&String>, default: i32| -> Result<i32, AppError> {
        match raw.map(|s| s.trim()).filter(|s| !s.is_empty()) {
            None => Ok(default),
            Some(s) => s
                .parse::<i32>()
                .ok()
                .filter(|n| (1..=latest).contains(n))
                .ok_or_else(|| {
                    AppError::BadRequest(format!(
                        "No version {s:?}; versions run from 1 to {latest}."
                    ))
                }),
        }
    };
    let to = number(q.to.as_ref(), latest)?;
    let from = number(q.from.as_ref(), (to - 1).max(1))?;
    let payload_of = |n: i32| {
        versions
            .iter()
            .find(|v| v.version == n)
            .map_or(json!({}), |v| v.payload.clone())
    };
    let (old, new) = (payload_of(from), payload_of(to));
    let mut keys: Vec<String> = super::service::changed_fields(&old, &new);
    keys.retain(|k| k != "ghsa_metadata_synced_at");
    let diff = keys
        .into_iter()
        .map(|key| DiffRow {
            lines: diff_lines(&as_lines(old.get(&key)), &as_lines(new.get(&key))),
            key,
        })
        .collect();
    Ok(HistoryPage {
        advisory_id: row.advisory_id,
        summary: row.summary,
        versions: versions
            .into_iter()
            .map(|v| VersionItem {
                version: v.version,
                when: when(v.created_at),
                iso: iso(v.created_at),
                editor: person(&ctx, &caller, show_emails, v.display_name, v.email),
            })
            .collect(),
        from,
        to,
        diff,
        ctx,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(s: &str) -> Vec<String> {
        s.lines().map(str::to_owned).collect()
    }

    #[test]
    fn the_diff_keeps_common_lines_and_marks_the_rest() {
        let d = diff_lines(&lines("a\nb\nc"), &lines("a\nx\nc\nd"));
        let text: Vec<String> = d.iter().map(|l| format!("{}{}", l.sign, l.text)).collect();
        assert_eq!(text, [" a", "-b", "+x", " c", "+d"]);
    }
}
