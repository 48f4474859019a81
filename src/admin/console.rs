//! What every page of the admin console shares (50-web-ui §14): the admin
//! check (P-46, 403 for anyone else), the section navigation
//! (`templates/admin/_nav.html`), and GET-parameter paging and filter links
//! that work without JavaScript.

use axum::extract::{FromRequestParts, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use time::{Date, Month, OffsetDateTime, Time};

use crate::access::permissions as perm;
use crate::advisories::caller::Caller;
use crate::i18n::{Lang, Translator};
use crate::web::AppState;
use crate::web::context::PageContext;
use crate::web::error::AppError;
use crate::web::routes;

/// Rows per page of the console's directories and logs (50-web-ui §14.5–14.9).
pub const PER_PAGE: i64 = 50;

/// P-46: every admin-console handler asks this first.
pub fn require_admin(caller: &Caller, ctx: &PageContext) -> Result<(), AppError> {
    if perm::admin_console(Some(&caller.actor)) {
        Ok(())
    } else {
        Err(AppError::Forbidden(ctx.t("admin-forbidden")))
    }
}

/// P-46 for every route under `/admin/`, before the handler's own
/// extractors run (so a form or path a non-admin sends is never parsed):
/// anonymous callers are sent to sign in, signed-in non-admins get 403. A
/// route added to the console is covered without being listed anywhere;
/// handlers still ask [`require_admin`] themselves.
pub async fn guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if !req.uri().path().starts_with(routes::ADMIN_PREFIX) {
        return next.run(req).await;
    }
    let (mut parts, body) = req.into_parts();
    match Caller::from_request_parts(&mut parts, &state).await {
        Err(sign_in) => sign_in,
        Ok(caller) if perm::admin_console(Some(&caller.actor)) => {
            next.run(Request::from_parts(parts, body)).await
        }
        Ok(_) => {
            let t = Translator::new(Lang::negotiate(&parts.headers));
            AppError::Forbidden(t.t("admin-forbidden")).into_response()
        }
    }
}

/// A section of the console, for the navigation's current item.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Section {
    Inbox,
    Projects,
    Users,
    Groups,
    Cves,
    Publications,
    Audit,
    AccessLog,
    Maintenance,
    Jobs,
}

/// One link of the navigation.
pub struct NavItem {
    pub label: &'static str,
    pub href: &'static str,
    pub current: bool,
}

/// The console's navigation, included by every console page as
/// `{% include "admin/_nav.html" %}` with a `nav` field.
#[derive(Clone, Copy, Debug)]
pub struct AdminNav(pub Section);

impl AdminNav {
    pub fn items(&self) -> Vec<NavItem> {
        // 50-web-ui §14's order; sections not built yet are left out.
        [
            (Section::Inbox, "admin-nav-inbox", routes::ADMIN_INBOX),
            (
                Section::Projects,
                "admin-nav-projects",
                routes::ADMIN_PROJECTS,
            ),
            (Section::Users, "admin-nav-users", routes::ADMIN_USERS),
            (Section::Groups, "admin-nav-groups", routes::ADMIN_GROUPS),
            (Section::Cves, "admin-nav-cves", routes::ADMIN_CVES),
            (
                Section::Publications,
                "admin-nav-publications",
                routes::ADMIN_PUBLICATIONS,
            ),
            (Section::Audit, "admin-nav-audit", routes::ADMIN_AUDIT),
            (
                Section::AccessLog,
                "admin-nav-access-log",
                routes::ADMIN_ACCESS_LOG,
            ),
            (
                Section::Maintenance,
                "admin-nav-maintenance",
                routes::ADMIN_MAINTENANCE,
            ),
            (Section::Jobs, "admin-nav-jobs", routes::ADMIN_JOBS),
        ]
        .into_iter()
        .map(|(section, label, href)| NavItem {
            label,
            href,
            current: section == self.0,
        })
        .collect()
    }
}

/// A page number from the query string: anything but a positive number is
/// the first page.
pub fn page_number(raw: Option<&str>) -> i64 {
    raw.and_then(|p| p.trim().parse::<i64>().ok())
        .filter(|p| (1..=1_000_000).contains(p))
        .unwrap_or(1)
}

/// The row offset of page `page`.
pub fn offset(page: i64) -> i64 {
    (page - 1).saturating_mul(PER_PAGE)
}

/// Previous and next links of a paged list, each keeping the filters.
pub struct Pager {
    pub page: i64,
    pub pages: i64,
    pub total: i64,
    pub prev: Option<String>,
    pub next: Option<String>,
}

impl Pager {
    /// `filters` are the current query's pairs without `page`.
    pub fn new(base: &str, filters: &[(&str, String)], page: i64, total: i64) -> Pager {
        let pages = ((total + PER_PAGE - 1) / PER_PAGE).max(1);
        let link = |p: i64| {
            let mut pairs: Vec<(&str, String)> = filters.to_vec();
            if p > 1 {
                pairs.push(("page", p.to_string()));
            }
            url(base, &pairs)
        };
        Pager {
            page,
            pages,
            total,
            prev: (page > 1).then(|| link(page - 1)),
            next: (page < pages).then(|| link(page + 1)),
        }
    }
}

/// `base` with the non-empty `pairs` as its query string.
pub fn url(base: &str, pairs: &[(&str, String)]) -> String {
    let kept: Vec<&(&str, String)> = pairs.iter().filter(|(_, v)| !v.is_empty()).collect();
    let qs = serde_urlencoded::to_string(&kept).unwrap_or_default();
    if qs.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{qs}")
    }
}

/// A trimmed text filter, `None` when blank; longer than `max` characters
/// is refused with a message naming the parameter.
pub fn text_filter(
    name: &str,
    raw: Option<&str>,
    max: usize,
    ctx: &PageContext,
) -> Result<Option<String>, AppError> {
    let Some(value) = raw.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    if value.chars().count() > max || value.contains('\0') {
        return Err(AppError::BadRequest(ctx.t2(
            "admin-filter-too-long",
            "name",
            name,
            "max",
            max,
        )));
    }
    Ok(Some(value.to_owned()))
}

/// `value` as a LIKE pattern matching it anywhere, its wildcards escaped.
pub fn contains_pattern(value: &str) -> String {
    let escaped = value
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// An ISO calendar date (`YYYY-MM-DD`) as the start of that day in UTC.
pub fn parse_day(raw: &str) -> Option<OffsetDateTime> {
    let mut parts = raw.trim().splitn(3, '-');
    let year: i32 = parts.next()?.parse().ok()?;
    let month: u8 = parts.next()?.parse().ok()?;
    let day: u8 = parts.next()?.parse().ok()?;
    let date = Date::from_calendar_date(year, Month::try_from(month).ok()?, day).ok()?;
    Some(date.with_time(Time::MIDNIGHT).assume_utc())
}

/// A timestamp as the console shows it, `—` when there is none.
pub fn when(t: Option<OffsetDateTime>) -> String {
    t.map_or_else(|| "—".to_owned(), crate::advisories::pages::when)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_default_to_the_first() {
        assert_eq!(page_number(None), 1);
        assert_eq!(page_number(Some("0")), 1);
        assert_eq!(page_number(Some("-3")), 1);
        assert_eq!(page_number(Some("x")), 1);
        assert_eq!(page_number(Some(" 4 ")), 4);
        assert_eq!(offset(3), 100);
    }

    #[test]
    fn pager_links_keep_the_filters() {
        let p = Pager::new(
            "/list/",
            &[("q", "a b".into()), ("status", String::new())],
            2,
            120,
        );
        assert_eq!(p.pages, 3);
        assert_eq!(p.prev.as_deref(), Some("/list/?q=a+b"));
        assert_eq!(p.next.as_deref(), Some("/list/?q=a+b&page=3"));
        let last = Pager::new("/list/", &[], 3, 120);
        assert!(last.next.is_none());
        assert_eq!(Pager::new("/x/", &[], 1, 0).pages, 1);
    }

    #[test]
    fn days_parse_strictly() {
        assert_eq!(
            parse_day("2026-02-28").map(OffsetDateTime::unix_timestamp),
            Some(1_772_236_800)
        );
        assert!(parse_day("2026-02-30").is_none());
        assert!(parse_day("2026-13-01").is_none());
        assert!(parse_day("yesterday").is_none());
        assert!(parse_day("2026-1").is_none());
    }

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(contains_pattern("a_b%c\\"), "%a\\_b\\%c\\\\%");
    }
}
