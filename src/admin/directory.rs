//! The read-only directories of the admin console (50-web-ui §14.9): users
//! (each linking to its page with the break-glass actions) and the groups
//! mirrored from the identity provider, which nothing here changes
//! (INV-OIDC-1). Filters are GET parameters; a bad value is a 400 naming it.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use serde::Deserialize;

use super::console::{
    AdminNav, PER_PAGE, Pager, Section, contains_pattern, offset, page_number, require_admin,
    text_filter, when,
};
use crate::advisories::caller::Caller;
use crate::web::AppState;
use crate::web::context::PageContext;
use crate::web::error::AppError;
use crate::web::routes;

/// The user directory's query string, as sent.
#[derive(Debug, Default, Deserialize)]
pub struct UsersQuery {
    q: Option<String>,
    group: Option<String>,
    status: Option<String>,
    page: Option<String>,
}

/// The user directory's filters, checked.
pub struct UserFilters {
    pub q: Option<String>,
    pub group: Option<i64>,
    /// `active` or `banned`.
    pub status: Option<String>,
    pub page: i64,
}

impl UserFilters {
    fn parse(raw: &UsersQuery, ctx: &PageContext) -> Result<UserFilters, AppError> {
        let bad = |name: &str, expected: &str| {
            AppError::BadRequest(ctx.t2("admin-filter-invalid", "name", name, "expected", expected))
        };
        let group = match raw
            .group
            .as_deref()
            .map(str::trim)
            .filter(|g| !g.is_empty())
        {
            None => None,
            Some(g) => Some(g.parse::<i64>().map_err(|_| bad("group", "a group id"))?),
        };
        let status = match raw
            .status
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => None,
            Some(s @ ("active" | "banned")) => Some(s.to_owned()),
            Some(_) => return Err(bad("status", "active, banned")),
        };
        Ok(UserFilters {
            q: text_filter("q", raw.q.as_deref(), 200, ctx)?,
            group,
            status,
            page: page_number(raw.page.as_deref()),
        })
    }

    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        vec![
            ("q", self.q.clone().unwrap_or_default()),
            (
                "group",
                self.group.map(|g| g.to_string()).unwrap_or_default(),
            ),
            ("status", self.status.clone().unwrap_or_default()),
        ]
    }

    pub fn q(&self) -> &str {
        self.q.as_deref().unwrap_or_default()
    }

    pub fn status_is(&self, s: &str) -> bool {
        self.status.as_deref() == Some(s)
    }

    pub fn group_is(&self, id: &i64) -> bool {
        self.group == Some(*id)
    }
}

/// One row of the user directory.
pub struct UserRow {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub groups: Vec<String>,
    pub last_login: String,
    pub admin: bool,
    pub active: bool,
}

/// A group for the directory's group filter.
pub struct GroupChoice {
    pub id: i64,
    pub name: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/users.html")]
pub struct UsersPage {
    pub ctx: PageContext,
    pub nav: AdminNav,
    pub filters: UserFilters,
    pub groups: Vec<GroupChoice>,
    pub rows: Vec<UserRow>,
    pub pager: Pager,
}

impl UsersPage {
    pub fn base(&self) -> &'static str {
        routes::ADMIN_USERS
    }

    pub fn user_path(&self, id: &i64) -> String {
        routes::admin_user(*id)
    }

    pub fn filtered(&self) -> bool {
        self.filters.q.is_some() || self.filters.group.is_some() || self.filters.status.is_some()
    }
}

/// `GET /admin/users/`.
#[tracing::instrument(name = "http.admin.users.list", skip_all)]
pub async fn users(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageContext,
    Query(raw): Query<UsersQuery>,
) -> Result<UsersPage, AppError> {
    require_admin(&caller, &ctx)?;
    let filters = UserFilters::parse(&raw, &ctx)?;
    let pattern = filters.q.as_deref().map(contains_pattern);
    let active = filters.status.as_deref().map(|s| s == "active");
    let mut tx = caller.begin(&state).await?;
    let total = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM app_user u
           WHERE ($1::text IS NULL OR u.email ILIKE $1 OR u.display_name ILIKE $1
                  OR u.first_name ILIKE $1 OR u.last_name ILIKE $1)
             AND ($2::bigint IS NULL OR EXISTS
                  (SELECT 1 FROM user_group x WHERE x.user_id = u.id AND x.group_id = $2))
             AND ($3::bool IS NULL OR u.is_active = $3)"#,
        pattern,
        filters.group,
        active
    )
    .fetch_one(&mut *tx)
    .await?;
    let rows = sqlx::query!(
        r#"SELECT u.id, u.email, u.display_name, u.last_login, u.is_active,
                  coalesce(array_agg(g.name ORDER BY g.name) FILTER (WHERE g.id IS NOT NULL),
                           '{}') AS "groups!",
                  coalesce(bool_or(g.name = $4), false) AS "admin!"
           FROM app_user u
           LEFT JOIN user_group ug ON ug.user_id = u.id
           LEFT JOIN oidc_group g ON g.id = ug.group_id
           WHERE ($1::text IS NULL OR u.email ILIKE $1 OR u.display_name ILIKE $1
                  OR u.first_name ILIKE $1 OR u.last_name ILIKE $1)
             AND ($2::bigint IS NULL OR EXISTS
                  (SELECT 1 FROM user_group x WHERE x.user_id = u.id AND x.group_id = $2))
             AND ($3::bool IS NULL OR u.is_active = $3)
           GROUP BY u.id
           ORDER BY lower(u.email), u.id
           LIMIT $5 OFFSET $6"#,
        pattern,
        filters.group,
        active,
        state.config.oidc.admin_group,
        PER_PAGE,
        offset(filters.page)
    )
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .map(|r| UserRow {
        id: r.id,
        email: r.email,
        display_name: r.display_name,
        groups: r.groups,
        last_login: when(r.last_login),
        admin: r.admin,
        active: r.is_active,
    })
    .collect();
    let groups = sqlx::query_as!(
        GroupChoice,
        "SELECT id, name FROM oidc_group ORDER BY lower(name)"
    )
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    let pager = Pager::new(routes::ADMIN_USERS, &filters.pairs(), filters.page, total);
    Ok(UsersPage {
        ctx,
        nav: AdminNav(Section::Users),
        filters,
        groups,
        rows,
        pager,
    })
}

/// The group directory's query string.
#[derive(Debug, Default, Deserialize)]
pub struct GroupsQuery {
    q: Option<String>,
    page: Option<String>,
}

/// One row of the group directory.
pub struct GroupRow {
    pub id: i64,
    pub name: String,
    pub members: i64,
    pub projects: Vec<String>,
    pub is_admin_group: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/groups.html")]
pub struct GroupsPage {
    pub ctx: PageContext,
    pub nav: AdminNav,
    pub q: String,
    pub rows: Vec<GroupRow>,
    pub pager: Pager,
}

impl GroupsPage {
    pub fn base(&self) -> &'static str {
        routes::ADMIN_GROUPS
    }

    pub fn group_path(&self, id: &i64) -> String {
        routes::of_admin(routes::ADMIN_GROUP, id)
    }
}

/// `GET /admin/groups/`.
#[tracing::instrument(name = "http.admin.groups.list", skip_all)]
pub async fn groups(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageContext,
    Query(raw): Query<GroupsQuery>,
) -> Result<GroupsPage, AppError> {
    require_admin(&caller, &ctx)?;
    let q = text_filter("q", raw.q.as_deref(), 150, &ctx)?;
    let page = page_number(raw.page.as_deref());
    let pattern = q.as_deref().map(contains_pattern);
    let mut tx = caller.begin(&state).await?;
    let total = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM oidc_group WHERE $1::text IS NULL OR name ILIKE $1"#,
        pattern
    )
    .fetch_one(&mut *tx)
    .await?;
    let rows = sqlx::query!(
        r#"SELECT g.id, g.name,
                  (SELECT count(*) FROM user_group ug WHERE ug.group_id = g.id) AS "members!",
                  coalesce((SELECT array_agg(p.slug ORDER BY p.slug) FROM project p
                            WHERE p.security_team_id = g.id), '{}') AS "projects!"
           FROM oidc_group g
           WHERE $1::text IS NULL OR g.name ILIKE $1
           ORDER BY g.name = $2 DESC, lower(g.name)
           LIMIT $3 OFFSET $4"#,
        pattern,
        state.config.oidc.admin_group,
        PER_PAGE,
        offset(page)
    )
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .map(|r| GroupRow {
        is_admin_group: r.name == state.config.oidc.admin_group,
        id: r.id,
        name: r.name,
        members: r.members,
        projects: r.projects,
    })
    .collect();
    tx.commit().await?;
    let q = q.unwrap_or_default();
    let pager = Pager::new(routes::ADMIN_GROUPS, &[("q", q.clone())], page, total);
    Ok(GroupsPage {
        ctx,
        nav: AdminNav(Section::Groups),
        q,
        rows,
        pager,
    })
}

/// A member of a group.
pub struct MemberRow {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub last_login: String,
}

/// A project a group secures.
pub struct SecuredRow {
    pub id: uuid::Uuid,
    pub slug: String,
    pub name: String,
}

/// A grant made to the whole group.
pub struct GrantRow {
    pub advisory_id: String,
    pub permission: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/groups_detail.html")]
pub struct GroupPage {
    pub ctx: PageContext,
    pub nav: AdminNav,
    pub name: String,
    pub is_admin_group: bool,
    pub members: Vec<MemberRow>,
    pub projects: Vec<SecuredRow>,
    pub grants: Vec<GrantRow>,
}

impl GroupPage {
    pub fn user_path(&self, id: &i64) -> String {
        routes::admin_user(*id)
    }

    pub fn project_path(&self, id: &uuid::Uuid) -> String {
        routes::of_admin(routes::ADMIN_PROJECT_EDIT, id)
    }

    pub fn advisory_path(&self, id: &str) -> String {
        routes::advisory(id)
    }
}

/// `GET /admin/groups/{group_id}/`.
#[tracing::instrument(name = "http.admin.groups.show", skip_all)]
pub async fn group(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageContext,
    Path(id): Path<String>,
) -> Result<GroupPage, AppError> {
    require_admin(&caller, &ctx)?;
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let mut tx = caller.begin(&state).await?;
    let name = sqlx::query_scalar!("SELECT name FROM oidc_group WHERE id = $1", id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(AppError::NotFound)?;
    let members = sqlx::query!(
        "SELECT u.id, u.email, u.display_name, u.last_login
         FROM user_group ug JOIN app_user u ON u.id = ug.user_id
         WHERE ug.group_id = $1 ORDER BY lower(u.email)",
        id
    )
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .map(|r| MemberRow {
        id: r.id,
        email: r.email,
        display_name: r.display_name,
        last_login: when(r.last_login),
    })
    .collect();
    let projects = sqlx::query_as!(
        SecuredRow,
        "SELECT id, slug, name FROM project WHERE security_team_id = $1 ORDER BY slug",
        id
    )
    .fetch_all(&mut *tx)
    .await?;
    let grants = sqlx::query_as!(
        GrantRow,
        "SELECT a.advisory_id, g.permission
         FROM access_grant g JOIN advisory a ON a.id = g.advisory_id
         WHERE g.principal_type = 'group' AND g.principal_id = $1
         ORDER BY a.advisory_id",
        id
    )
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(GroupPage {
        ctx,
        nav: AdminNav(Section::Groups),
        is_admin_group: name == state.config.oidc.admin_group,
        name,
        members,
        projects,
        grants,
    })
}
