//! Projects in the admin console (50-web-ui §14.8, 20-lifecycle §17.5):
//! the list, and creating and editing through one service each that
//! validates, binds the security team by group name (created when missing,
//! INV-PROJECT-1), sets the mature-publisher flag (INV-PERM-2) and writes
//! `project.created` / `project.updated` in the same transaction
//! (INV-AUDIT-3). The `unsorted` sentinel keeps its slug, its binding to the
//! admin group and its non-mature flag (INV-PROJECT-2).

use std::sync::LazyLock;

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use sqlx::PgConnection;
use tower_sessions::Session;
use uuid::Uuid;

use super::console::{AdminNav, Section, require_admin, when};
use crate::advisories::caller::Caller;
use crate::advisories::projects::UNSORTED;
use crate::audit::access_log::RequestOrigin;
use crate::audit::catalogue::Action;
use crate::audit::redact::Redactor;
use crate::audit::{self, Entry};
use crate::auth::session_error;
use crate::web::AppState;
use crate::web::context::PageContext;
use crate::web::error::AppError;
use crate::web::flash::{self, Level};
use crate::web::routes;

/// 10-domain-model §2.4.
static SLUG: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(r"^[a-z0-9](?:[a-z0-9._-]*[a-z0-9])?$").unwrap_or_else(|_| unreachable!())
});

/// What the form sends.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ProjectForm {
    #[serde(default)]
    pub slug: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub homepage_url: String,
    /// A checkbox: present when ticked.
    #[serde(default)]
    pub is_mature_publisher: Option<String>,
    #[serde(default)]
    pub security_team_group_name: String,
}

impl ProjectForm {
    pub fn mature(&self) -> bool {
        self.is_mature_publisher.is_some()
    }

    /// The values as saved: trimmed (the description keeps its text).
    fn normalised(&self) -> ProjectForm {
        ProjectForm {
            slug: self.slug.trim().to_owned(),
            name: self.name.trim().to_owned(),
            description: self.description.clone(),
            homepage_url: self.homepage_url.trim().to_owned(),
            is_mature_publisher: self.mature().then(|| "on".to_owned()),
            security_team_group_name: self.security_team_group_name.trim().to_owned(),
        }
    }
}

/// Who acts, from where.
pub struct Ctx<'a> {
    pub actor_id: i64,
    pub origin: Option<&'a RequestOrigin>,
    pub redactor: &'a Redactor,
    /// `OIDC_ADMIN_GROUP`: the only team `unsorted` may have.
    pub admin_group: &'a str,
}

/// A refused save.
#[derive(Debug, thiserror::Error)]
pub enum ProjectError {
    /// Field errors: the form field and a catalogue key.
    #[error("invalid project: {0:?}")]
    Invalid(Vec<(&'static str, &'static str)>),
    #[error("no such project")]
    NotFound,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// What an edit did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Saved {
    Changed,
    Unchanged,
}

fn check(
    form: &ProjectForm,
    unsorted: bool,
    admin_group: &str,
) -> Vec<(&'static str, &'static str)> {
    let mut errors = Vec::new();
    let too_long = |v: &str, max: usize| v.chars().count() > max;
    if form.slug.is_empty() {
        errors.push(("slug", "admin-project-error-required"));
    } else if too_long(&form.slug, 100) || !SLUG.is_match(&form.slug) {
        errors.push(("slug", "admin-project-error-slug"));
    }
    if form.name.is_empty() {
        errors.push(("name", "admin-project-error-required"));
    } else if too_long(&form.name, 200) {
        errors.push(("name", "admin-project-error-name"));
    }
    if !form.homepage_url.is_empty()
        && (too_long(&form.homepage_url, 200)
            || !url::Url::parse(&form.homepage_url)
                .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some()))
    {
        errors.push(("homepage_url", "admin-project-error-url"));
    }
    let team = &form.security_team_group_name;
    if team.is_empty() {
        errors.push(("security_team_group_name", "admin-project-error-required"));
    } else if too_long(team, 150) {
        errors.push(("security_team_group_name", "admin-project-error-team"));
    }
    for (field, value) in [
        ("slug", &form.slug),
        ("name", &form.name),
        ("description", &form.description),
        ("homepage_url", &form.homepage_url),
        ("security_team_group_name", team),
    ] {
        if value.contains('\0') {
            errors.push((field, "admin-project-error-nul"));
        }
    }
    // INV-PROJECT-2: the sentinel stays what routing relies on.
    if unsorted {
        if form.slug != UNSORTED {
            errors.push(("slug", "admin-project-error-unsorted-slug"));
        }
        if *team != admin_group {
            errors.push((
                "security_team_group_name",
                "admin-project-error-unsorted-team",
            ));
        }
        if form.mature() {
            errors.push(("is_mature_publisher", "admin-project-error-unsorted-mature"));
        }
    }
    errors
}

/// The group named `name`, created when the identity provider has not sent
/// it yet; and whether it was created.
async fn bind_group(conn: &mut PgConnection, name: &str) -> Result<(i64, bool), sqlx::Error> {
    if let Some(id) = sqlx::query_scalar!(
        "INSERT INTO oidc_group (name) VALUES ($1) ON CONFLICT (name) DO NOTHING RETURNING id",
        name
    )
    .fetch_optional(&mut *conn)
    .await?
    {
        return Ok((id, true));
    }
    let id = sqlx::query_scalar!("SELECT id FROM oidc_group WHERE name = $1", name)
        .fetch_one(conn)
        .await?;
    Ok((id, false))
}

/// The audited snapshot; the description is recorded only as changed or not
/// (20-lifecycle §17.5).
struct Snapshot {
    slug: String,
    name: String,
    description: String,
    homepage_url: String,
    is_mature_publisher: bool,
    security_team: String,
}

impl Snapshot {
    fn of(form: &ProjectForm) -> Snapshot {
        Snapshot {
            slug: form.slug.clone(),
            name: form.name.clone(),
            description: form.description.clone(),
            homepage_url: form.homepage_url.clone(),
            is_mature_publisher: form.mature(),
            security_team: form.security_team_group_name.clone(),
        }
    }

    fn json(&self) -> Value {
        json!({
            "slug": self.slug,
            "name": self.name,
            "security_team": self.security_team,
            "homepage_url": self.homepage_url,
            "is_mature_publisher": self.is_mature_publisher,
        })
    }

    fn changed(&self, new: &Snapshot) -> Vec<&'static str> {
        [
            ("slug", self.slug != new.slug),
            ("name", self.name != new.name),
            ("description", self.description != new.description),
            ("homepage_url", self.homepage_url != new.homepage_url),
            (
                "is_mature_publisher",
                self.is_mature_publisher != new.is_mature_publisher,
            ),
            ("security_team", self.security_team != new.security_team),
        ]
        .into_iter()
        .filter_map(|(k, changed)| changed.then_some(k))
        .collect()
    }
}

fn slug_taken(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.constraint() == Some("project_slug_key"))
}

/// Creates a project from `form` (50-web-ui §14.8).
pub async fn create(
    conn: &mut PgConnection,
    ctx: &Ctx<'_>,
    form: &ProjectForm,
) -> Result<Uuid, ProjectError> {
    let form = form.normalised();
    let errors = check(&form, false, ctx.admin_group);
    if !errors.is_empty() {
        return Err(ProjectError::Invalid(errors));
    }
    let (team, created) = bind_group(conn, &form.security_team_group_name).await?;
    let inserted = sqlx::query_scalar!(
        "INSERT INTO project (slug, name, description, homepage_url, security_team_id, is_mature_publisher)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (slug) DO NOTHING RETURNING id",
        form.slug,
        form.name,
        form.description,
        form.homepage_url,
        team,
        form.mature()
    )
    .fetch_optional(&mut *conn)
    .await?;
    let Some(id) = inserted else {
        return Err(ProjectError::Invalid(vec![(
            "slug",
            "admin-project-error-taken",
        )]));
    };
    audit::record(
        conn,
        ctx.redactor,
        Entry::new(Action::ProjectCreated, Some(ctx.actor_id), ctx.origin)
            .values(None, Some(Snapshot::of(&form).json()))
            .metadata(json!({
                "project_id": id.to_string(),
                "security_team_group_created": created,
            })),
    )
    .await
    .map_err(sqlx::Error::from)?;
    Ok(id)
}

/// The project as stored, for the edit form and the audit's previous
/// snapshot.
pub async fn load(conn: &mut PgConnection, id: Uuid) -> Result<Option<ProjectForm>, sqlx::Error> {
    Ok(sqlx::query!(
        "SELECT p.slug, p.name, p.description, p.homepage_url, p.is_mature_publisher, g.name AS team
         FROM project p JOIN oidc_group g ON g.id = p.security_team_id WHERE p.id = $1",
        id
    )
    .fetch_optional(conn)
    .await?
    .map(|r| ProjectForm {
        slug: r.slug,
        name: r.name,
        description: r.description,
        homepage_url: r.homepage_url,
        is_mature_publisher: r.is_mature_publisher.then(|| "on".to_owned()),
        security_team_group_name: r.team,
    }))
}

/// Saves `form` over project `id`, locked first; nothing is written (and
/// nothing audited) when nothing changed.
pub async fn update(
    conn: &mut PgConnection,
    ctx: &Ctx<'_>,
    id: Uuid,
    form: &ProjectForm,
) -> Result<Saved, ProjectError> {
    sqlx::query_scalar!("SELECT id FROM project WHERE id = $1 FOR UPDATE", id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(ProjectError::NotFound)?;
    let before = load(conn, id).await?.ok_or(ProjectError::NotFound)?;
    let form = form.normalised();
    let errors = check(&form, before.slug == UNSORTED, ctx.admin_group);
    if !errors.is_empty() {
        return Err(ProjectError::Invalid(errors));
    }
    let (previous, new) = (Snapshot::of(&before), Snapshot::of(&form));
    let changed = previous.changed(&new);
    if changed.is_empty() {
        return Ok(Saved::Unchanged);
    }
    let (team, created) = bind_group(conn, &form.security_team_group_name).await?;
    let updated = sqlx::query!(
        "UPDATE project SET slug = $2, name = $3, description = $4, homepage_url = $5,
                security_team_id = $6, is_mature_publisher = $7
         WHERE id = $1",
        id,
        form.slug,
        form.name,
        form.description,
        form.homepage_url,
        team,
        form.mature()
    )
    .execute(&mut *conn)
    .await;
    match updated {
        Err(e) if slug_taken(&e) => {
            return Err(ProjectError::Invalid(vec![(
                "slug",
                "admin-project-error-taken",
            )]));
        }
        other => other?,
    };
    audit::record(
        conn,
        ctx.redactor,
        Entry::new(Action::ProjectUpdated, Some(ctx.actor_id), ctx.origin)
            .values(Some(previous.json()), Some(new.json()))
            .metadata(json!({
                "project_id": id.to_string(),
                "changed": changed,
                "security_team_group_created": created,
            })),
    )
    .await
    .map_err(sqlx::Error::from)?;
    Ok(Saved::Changed)
}

// ---------------------------------------------------------------- pages

/// One row of the list.
pub struct ProjectRow {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    pub team: String,
    pub mature: bool,
    pub advisories: i64,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/projects.html")]
pub struct ListPage {
    pub ctx: PageContext,
    pub nav: AdminNav,
    pub rows: Vec<ProjectRow>,
}

impl ListPage {
    pub fn new_path(&self) -> &'static str {
        routes::ADMIN_PROJECT_NEW
    }

    pub fn edit_path(&self, id: &Uuid) -> String {
        routes::of_admin(routes::ADMIN_PROJECT_EDIT, id)
    }
}

/// A member of a project's security team.
pub struct Member {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub last_login: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/projects_form.html")]
pub struct FormPage {
    pub ctx: PageContext,
    pub nav: AdminNav,
    /// `None` on the creation form.
    pub id: Option<Uuid>,
    pub form: ProjectForm,
    pub errors: Vec<(&'static str, &'static str)>,
    pub members: Vec<Member>,
}

impl FormPage {
    pub fn action(&self) -> String {
        self.id.map_or_else(
            || routes::ADMIN_PROJECT_NEW.to_owned(),
            |id| routes::of_admin(routes::ADMIN_PROJECT_EDIT, id),
        )
    }

    pub fn list_path(&self) -> &'static str {
        routes::ADMIN_PROJECTS
    }

    pub fn user_path(&self, id: &i64) -> String {
        routes::admin_user(*id)
    }

    /// The translated errors of `field`.
    pub fn errors_of(&self, field: &str) -> Vec<String> {
        self.errors
            .iter()
            .filter(|(f, _)| *f == field)
            .map(|(_, key)| self.ctx.t(key))
            .collect()
    }
}

/// `GET /admin/projects/`.
#[tracing::instrument(name = "http.admin.projects.list", skip_all)]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageContext,
) -> Result<ListPage, AppError> {
    require_admin(&caller, &ctx)?;
    let mut tx = caller.begin(&state).await?;
    let rows = sqlx::query!(
        r#"SELECT p.id, p.slug, p.name, g.name AS team, p.is_mature_publisher,
                  (SELECT count(*) FROM advisory a WHERE a.project_id = p.id) AS "advisories!"
           FROM project p JOIN oidc_group g ON g.id = p.security_team_id
           ORDER BY lower(p.name), p.slug"#
    )
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .map(|r| ProjectRow {
        id: r.id,
        slug: r.slug,
        name: r.name,
        team: r.team,
        mature: r.is_mature_publisher,
        advisories: r.advisories,
    })
    .collect();
    tx.commit().await?;
    Ok(ListPage {
        ctx,
        nav: AdminNav(Section::Projects),
        rows,
    })
}

async fn members(conn: &mut PgConnection, id: Uuid) -> Result<Vec<Member>, sqlx::Error> {
    Ok(sqlx::query!(
        "SELECT u.id, u.email, u.display_name, u.last_login
         FROM project p JOIN user_group ug ON ug.group_id = p.security_team_id
         JOIN app_user u ON u.id = ug.user_id
         WHERE p.id = $1 ORDER BY lower(u.email)",
        id
    )
    .fetch_all(conn)
    .await?
    .into_iter()
    .map(|r| Member {
        id: r.id,
        email: r.email,
        display_name: r.display_name,
        last_login: when(r.last_login),
    })
    .collect())
}

/// `GET /admin/projects/new/`.
#[tracing::instrument(name = "http.admin.projects.new", skip_all)]
pub async fn new_form(caller: Caller, ctx: PageContext) -> Result<FormPage, AppError> {
    require_admin(&caller, &ctx)?;
    Ok(FormPage {
        ctx,
        nav: AdminNav(Section::Projects),
        id: None,
        form: ProjectForm::default(),
        errors: Vec::new(),
        members: Vec::new(),
    })
}

/// `GET /admin/projects/{project_id}/edit/`.
#[tracing::instrument(name = "http.admin.projects.edit", skip_all)]
pub async fn edit_form(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageContext,
    Path(id): Path<String>,
) -> Result<FormPage, AppError> {
    require_admin(&caller, &ctx)?;
    let id = Uuid::parse_str(&id).map_err(|_| AppError::NotFound)?;
    let mut tx = caller.begin(&state).await?;
    let form = load(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    let members = members(&mut tx, id).await?;
    tx.commit().await?;
    Ok(FormPage {
        ctx,
        nav: AdminNav(Section::Projects),
        id: Some(id),
        form,
        errors: Vec::new(),
        members,
    })
}

/// The answer to a save: 303 to the list with a flash, or the form again
/// with its errors (422).
struct Save<'a> {
    state: &'a AppState,
    caller: &'a Caller,
    ctx: PageContext,
    session: &'a Session,
}

impl Save<'_> {
    async fn answer(
        self,
        id: Option<Uuid>,
        form: ProjectForm,
        outcome: Result<(Level, String), ProjectError>,
    ) -> Result<Response, AppError> {
        match outcome {
            Ok((level, message)) => {
                flash::push(self.session, level, message)
                    .await
                    .map_err(session_error)?;
                Ok(Redirect::to(routes::ADMIN_PROJECTS).into_response())
            }
            Err(ProjectError::Invalid(errors)) => {
                let members = match id {
                    Some(id) => {
                        let mut tx = self.caller.begin(self.state).await?;
                        let m = members(&mut tx, id).await?;
                        tx.commit().await?;
                        m
                    }
                    None => Vec::new(),
                };
                let page = FormPage {
                    ctx: self.ctx,
                    nav: AdminNav(Section::Projects),
                    id,
                    form,
                    errors,
                    members,
                };
                Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
            }
            Err(ProjectError::NotFound) => Err(AppError::NotFound),
            Err(ProjectError::Db(e)) => Err(e.into()),
        }
    }
}

fn service_ctx<'a>(state: &'a AppState, caller: &Caller, origin: &'a RequestOrigin) -> Ctx<'a> {
    Ctx {
        actor_id: caller.actor.user_id,
        origin: Some(origin),
        redactor: &state.redactor,
        admin_group: &state.config.oidc.admin_group,
    }
}

/// `POST /admin/projects/new/`.
#[tracing::instrument(name = "http.admin.projects.create", skip_all)]
pub async fn create_page(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageContext,
    session: Session,
    origin: RequestOrigin,
    Form(form): Form<ProjectForm>,
) -> Result<Response, AppError> {
    require_admin(&caller, &ctx)?;
    let mut tx = caller.begin(&state).await?;
    let outcome = create(&mut tx, &service_ctx(&state, &caller, &origin), &form).await;
    if outcome.is_ok() {
        tx.commit().await?;
    }
    let slug = form.slug.trim().to_owned();
    let outcome = outcome.map(|_| {
        (
            Level::Success,
            ctx.t1("admin-project-created", "slug", &slug),
        )
    });
    let save = Save {
        state: &state,
        caller: &caller,
        ctx,
        session: &session,
    };
    save.answer(None, form, outcome).await
}

/// `POST /admin/projects/{project_id}/edit/`.
#[tracing::instrument(name = "http.admin.projects.update", skip_all)]
pub async fn edit_page(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageContext,
    session: Session,
    origin: RequestOrigin,
    Path(id): Path<String>,
    Form(form): Form<ProjectForm>,
) -> Result<Response, AppError> {
    require_admin(&caller, &ctx)?;
    let id = Uuid::parse_str(&id).map_err(|_| AppError::NotFound)?;
    let mut tx = caller.begin(&state).await?;
    let outcome = update(&mut tx, &service_ctx(&state, &caller, &origin), id, &form).await;
    if outcome.is_ok() {
        tx.commit().await?;
    }
    let slug = form.slug.trim().to_owned();
    let outcome = outcome.map(|saved| match saved {
        Saved::Changed => (
            Level::Success,
            ctx.t1("admin-project-updated", "slug", &slug),
        ),
        Saved::Unchanged => (Level::Info, ctx.t("admin-no-change")),
    });
    let save = Save {
        state: &state,
        caller: &caller,
        ctx,
        session: &session,
    };
    save.answer(Some(id), form, outcome).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(slug: &str, team: &str) -> ProjectForm {
        ProjectForm {
            slug: slug.into(),
            name: "Name".into(),
            security_team_group_name: team.into(),
            ..ProjectForm::default()
        }
    }

    #[test]
    fn slugs_follow_the_pmi_format() {
        for ok in ["technology.jetty", "a", "a-b_c.d", "x9"] {
            assert!(check(&form(ok, "t"), false, "adm").is_empty(), "{ok}");
        }
        for bad in ["-a", "a-", "A", "a b", "é", &"a".repeat(101)] {
            assert_eq!(
                check(&form(bad, "t"), false, "adm"),
                [("slug", "admin-project-error-slug")],
                "{bad}"
            );
        }
    }

    #[test]
    fn homepage_must_be_a_web_url() {
        let mut f = form("p", "t");
        for (url, ok) in [
            ("https://eclipse.dev/", true),
            ("http://x.org", true),
            ("javascript:alert(1)", false),
            ("ftp://x.org", false),
            ("not a url", false),
        ] {
            f.homepage_url = url.into();
            assert_eq!(check(&f, false, "adm").is_empty(), ok, "{url}");
        }
    }

    // INV-PROJECT-2
    #[test]
    fn unsorted_keeps_its_slug_team_and_flag() {
        assert!(check(&form("unsorted", "adm"), true, "adm").is_empty());
        let mut f = form("elsewhere", "other");
        f.is_mature_publisher = Some("on".into());
        let fields: Vec<&str> = check(&f, true, "adm").iter().map(|(f, _)| *f).collect();
        assert_eq!(
            fields,
            ["slug", "security_team_group_name", "is_mature_publisher"]
        );
    }

    #[test]
    fn the_description_is_a_changed_flag_only() {
        let a = Snapshot::of(&form("p", "t"));
        let mut f = form("p", "t");
        f.description = "secret plans".into();
        let b = Snapshot::of(&f);
        assert_eq!(a.changed(&b), ["description"]);
        assert!(!b.json().to_string().contains("secret"));
    }
}
