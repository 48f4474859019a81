//! The audit ledger in the admin console (`/admin/audit/`, 50-web-ui §14.5),
//! and the filters it shares with the access log (§14.6): actions
//! (repeatable checkboxes over the catalogue), actor (substring of e-mail or
//! names; `system` for rows without one), advisory id substring, a preset
//! window or `since`/`until` days, and `q` over the stored values. All are
//! GET parameters, AND-ed, 50 rows a page; a value outside what is accepted
//! is a 400 naming it, never a 500. Read-only: the ledger is append-only
//! (INV-AUDIT-1).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{RawQuery, State};
use time::{Duration, OffsetDateTime};

use super::console::{
    AdminNav, PER_PAGE, Pager, Section, contains_pattern, offset, page_number, parse_day,
    require_admin, text_filter,
};
use crate::advisories::caller::Caller;
use crate::audit::catalogue::{Action, Store};
use crate::web::AppState;
use crate::web::context::PageContext;
use crate::web::error::AppError;
use crate::web::routes;

/// The preset windows (50-web-ui §14.5).
const PRESETS: [(&str, i64); 3] = [("24h", 1), ("7d", 7), ("30d", 30)];

/// Longest `q`, `actor` and `advisory` accepted.
const MAX_TEXT: usize = 200;

/// The checked filters of a log page.
#[derive(Debug, Default)]
pub struct LogFilters {
    pub actions: Vec<Action>,
    pub actor: Option<String>,
    pub advisory: Option<String>,
    pub preset: Option<&'static str>,
    pub since: Option<String>,
    pub until: Option<String>,
    pub q: Option<String>,
    pub page: i64,
    since_at: Option<OffsetDateTime>,
    until_at: Option<OffsetDateTime>,
}

impl LogFilters {
    /// Parses the query string (`action` may repeat); `store` bounds the
    /// actions that may be asked for.
    pub fn parse(raw: Option<&str>, store: Store, ctx: &PageContext) -> Result<Self, AppError> {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw.unwrap_or_default())
            .map_err(|_| AppError::BadRequest(ctx.t("admin-filter-malformed")))?;
        let one = |name: &str| {
            pairs
                .iter()
                .rev()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        let bad = |name: &str, expected: &str| {
            AppError::BadRequest(ctx.t2("admin-filter-invalid", "name", name, "expected", expected))
        };
        let mut actions = Vec::new();
        for (_, value) in pairs.iter().filter(|(k, _)| k == "action") {
            let value = value.trim();
            if value.is_empty() {
                continue;
            }
            let action = value
                .parse::<Action>()
                .ok()
                .filter(|a| a.store() == store)
                .ok_or_else(|| bad("action", "an action of this log"))?;
            if !actions.contains(&action) {
                actions.push(action);
            }
        }
        let day = |name: &str| -> Result<Option<(String, OffsetDateTime)>, AppError> {
            match one(name).map(str::trim).filter(|v| !v.is_empty()) {
                None => Ok(None),
                Some(v) => parse_day(v)
                    .map(|at| Some((v.to_owned(), at)))
                    .ok_or_else(|| bad(name, "YYYY-MM-DD")),
            }
        };
        let since = day("since")?;
        let until = day("until")?;
        let preset = match one("preset").map(str::trim).filter(|v| !v.is_empty()) {
            None => None,
            Some(p) => Some(
                PRESETS
                    .iter()
                    .find(|(name, _)| *name == p)
                    .ok_or_else(|| bad("preset", "24h, 7d, 30d"))?,
            ),
        };
        let now = OffsetDateTime::now_utc();
        // The preset fills `since` only when no explicit day is given.
        let since_at = since
            .as_ref()
            .map(|(_, at)| *at)
            .or_else(|| preset.map(|(_, days)| now - Duration::days(*days)));
        Ok(LogFilters {
            actions,
            actor: text_filter("actor", one("actor"), MAX_TEXT, ctx)?,
            advisory: text_filter("advisory", one("advisory"), MAX_TEXT, ctx)?,
            preset: preset.map(|(name, _)| *name),
            since_at,
            // `until` covers its whole day.
            until_at: until.as_ref().map(|(_, at)| *at + Duration::days(1)),
            since: since.map(|(v, _)| v),
            until: until.map(|(v, _)| v),
            q: text_filter("q", one("q"), MAX_TEXT, ctx)?,
            page: page_number(one("page")),
        })
    }

    /// Whether any time bound was asked for.
    pub fn has_window(&self) -> bool {
        self.since_at.is_some() || self.until_at.is_some()
    }

    /// The access log's default window: the last `days` days when none was
    /// asked for.
    pub fn default_window(&mut self, days: i64) {
        if !self.has_window() {
            self.since_at = Some(OffsetDateTime::now_utc() - Duration::days(days));
        }
    }

    /// The query's pairs without `page`, for links that keep the filters.
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs: Vec<(&'static str, String)> = self
            .actions
            .iter()
            .map(|a| ("action", a.as_str().to_owned()))
            .collect();
        for (name, value) in [
            ("actor", &self.actor),
            ("advisory", &self.advisory),
            ("since", &self.since),
            ("until", &self.until),
            ("q", &self.q),
        ] {
            pairs.push((name, value.clone().unwrap_or_default()));
        }
        pairs.push(("preset", self.preset.unwrap_or_default().to_owned()));
        pairs
    }

    /// The actor filter for SQL: a LIKE pattern, or "rows without an actor".
    pub(super) fn actor_sql(&self) -> (Option<String>, bool) {
        match self.actor.as_deref() {
            Some(a) if a.eq_ignore_ascii_case("system") => (None, true),
            other => (other.map(contains_pattern), false),
        }
    }

    /// The time bounds: from (inclusive) and to (exclusive).
    pub(super) fn window(&self) -> (Option<OffsetDateTime>, Option<OffsetDateTime>) {
        (self.since_at, self.until_at)
    }

    pub(super) fn action_sql(&self) -> Vec<String> {
        self.actions.iter().map(|a| a.as_str().to_owned()).collect()
    }

    pub fn text(&self, name: &str) -> &str {
        match name {
            "actor" => self.actor.as_deref(),
            "advisory" => self.advisory.as_deref(),
            "since" => self.since.as_deref(),
            "until" => self.until.as_deref(),
            "q" => self.q.as_deref(),
            _ => None,
        }
        .unwrap_or_default()
    }

    pub fn is_filtered(&self) -> bool {
        !self.pairs().iter().all(|(_, v)| v.is_empty())
    }
}

/// One row of a log page.
pub struct LogRow {
    pub at: OffsetDateTime,
    pub actor: String,
    pub action: String,
    pub advisory: Option<String>,
    pub ip: String,
    pub user_agent: String,
    pub metadata: String,
}

/// What both log pages show.
pub struct LogView {
    pub base: &'static str,
    pub filters: LogFilters,
    /// The actions offered as checkboxes.
    pub choices: Vec<&'static str>,
    pub rows: Vec<LogRow>,
    pub pager: Pager,
    /// The access log's extra columns.
    pub network: bool,
    /// The latest pruning cutoff of the ledger, if it was ever pruned.
    pub pruned_before: Option<String>,
}

impl LogView {
    pub fn new(
        base: &'static str,
        store: Store,
        filters: LogFilters,
        rows: Vec<LogRow>,
        total: i64,
    ) -> LogView {
        let pager = Pager::new(base, &filters.pairs(), filters.page, total);
        LogView {
            base,
            choices: Action::ALL
                .iter()
                .filter(|a| a.store() == store)
                .map(|a| a.as_str())
                .collect(),
            filters,
            rows,
            pager,
            network: store == Store::AccessLog,
            pruned_before: None,
        }
    }

    pub fn checked(&self, action: &str) -> bool {
        self.filters.actions.iter().any(|a| a.as_str() == action)
    }

    pub fn preset_link(&self, preset: &str) -> String {
        let mut pairs: Vec<(&str, String)> = self
            .filters
            .pairs()
            .into_iter()
            .filter(|(k, _)| *k != "preset" && *k != "since")
            .collect();
        pairs.push(("preset", preset.to_owned()));
        super::console::url(self.base, &pairs)
    }

    pub fn presets(&self) -> [&'static str; 3] {
        PRESETS.map(|(name, _)| name)
    }

    pub fn preset_is(&self, preset: &str) -> bool {
        self.filters.preset == Some(preset)
    }

    pub fn advisory_path(&self, id: &str) -> String {
        routes::advisory(id)
    }

    pub fn when(&self, at: &OffsetDateTime) -> String {
        crate::advisories::pages::when(*at)
    }

    pub fn iso(&self, at: &OffsetDateTime) -> String {
        crate::advisories::pages::iso(*at)
    }
}

/// "Name <e-mail>", the e-mail alone, or `system` for rows without an actor
/// (admin pages show addresses, 30-permissions §10.4).
pub fn actor_label(id: Option<i64>, name: Option<String>, email: Option<String>) -> String {
    match (id, name.filter(|n| !n.trim().is_empty()), email) {
        (None, _, _) => "system".to_owned(),
        (Some(_), Some(name), Some(email)) => format!("{name} <{email}>"),
        (Some(_), None, Some(email)) => email,
        (Some(id), _, None) => format!("#{id}"),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/audit.html")]
pub struct AuditPage {
    pub ctx: PageContext,
    pub nav: AdminNav,
    pub view: LogView,
}

/// `GET /admin/audit/`.
#[tracing::instrument(name = "http.admin.audit", skip_all)]
pub async fn page(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageContext,
    RawQuery(raw): RawQuery,
) -> Result<AuditPage, AppError> {
    require_admin(&caller, &ctx)?;
    let filters = LogFilters::parse(raw.as_deref(), Store::Ledger, &ctx)?;
    let (since, until) = filters.window();
    let (actor, system) = filters.actor_sql();
    let mut tx = caller.begin(&state).await?;
    let records = sqlx::query!(
        r#"SELECT e.created_at, e.action, e.actor_id, u.display_name AS "name?", u.email AS "email?",
                  a.advisory_id AS "advisory?", host(e.ip_address) AS ip, e.user_agent,
                  e.metadata::text AS "metadata!", count(*) OVER () AS "total!"
           FROM audit_log_entry e
           LEFT JOIN app_user u ON u.id = e.actor_id
           LEFT JOIN advisory a ON a.id = e.advisory_id
           WHERE (cardinality($1::text[]) = 0 OR e.action = ANY($1))
             AND (NOT $2 OR e.actor_id IS NULL)
             AND ($3::text IS NULL OR u.email ILIKE $3 OR u.display_name ILIKE $3
                  OR u.first_name ILIKE $3 OR u.last_name ILIKE $3)
             AND ($4::text IS NULL OR a.advisory_id ILIKE $4)
             AND ($5::timestamptz IS NULL OR e.created_at >= $5)
             AND ($6::timestamptz IS NULL OR e.created_at < $6)
             AND ($7::text IS NULL OR e.metadata::text ILIKE $7
                  OR e.previous_value::text ILIKE $7 OR e.new_value::text ILIKE $7)
           ORDER BY e.created_at DESC, e.id DESC
           LIMIT $8 OFFSET $9"#,
        &filters.action_sql(),
        system,
        actor,
        filters.advisory.as_deref().map(contains_pattern),
        since,
        until,
        filters.q.as_deref().map(contains_pattern),
        PER_PAGE,
        offset(filters.page)
    )
    .fetch_all(&mut *tx)
    .await?;
    let pruned_before = sqlx::query_scalar!(
        "SELECT max(metadata->>'cutoff') FROM audit_log_entry WHERE action = 'audit.pruned'"
    )
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    let total = records.first().map_or(0, |r| r.total);
    let rows = records
        .into_iter()
        .map(|r| LogRow {
            at: r.created_at,
            actor: actor_label(r.actor_id, r.name, r.email),
            action: r.action,
            advisory: r.advisory,
            ip: r.ip.unwrap_or_default(),
            user_agent: r.user_agent,
            metadata: r.metadata,
        })
        .collect();
    let mut view = LogView::new(routes::ADMIN_AUDIT, Store::Ledger, filters, rows, total);
    view.pruned_before = pruned_before.map(|c| c.chars().take(10).collect());
    Ok(AuditPage {
        ctx,
        nav: AdminNav(Section::Audit),
        view,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actors_are_labelled_with_their_address() {
        assert_eq!(actor_label(None, None, None), "system");
        assert_eq!(
            actor_label(Some(1), Some("Ann".into()), Some("a@x.org".into())),
            "Ann <a@x.org>"
        );
        assert_eq!(
            actor_label(Some(1), Some(" ".into()), Some("a@x.org".into())),
            "a@x.org"
        );
    }
}
