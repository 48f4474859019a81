//! The create and edit pages (50-web-ui §7): one form for the whole payload,
//! formsets whose rows are added with a submit button (no JavaScript needed)
//! and removed with a checkbox; 422 with every field error, 409 when someone
//! else saved first (consistency rulings 7 and 10).

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use tower_sessions::Session;
use uuid::Uuid;

use super::caller::Caller;
use super::form::{self, AdvisoryForm, FormAction, FormErrors};
use super::id::OsEntropy;
use super::projects::{self, Project};
use super::service::{self, Edit, NewAdvisory, ServiceError};
use super::{cwe, ecosystems, id, repo};
use crate::access::permissions::{self as perm, Kind};
use crate::audit::access_log::RequestOrigin;
use crate::auth::session_error;
use crate::web::AppState;
use crate::web::context::PageContext;
use crate::web::error::AppError;
use crate::web::flash::{self, Level};
use crate::web::routes;

#[derive(Template, WebTemplate)]
#[template(path = "advisories/form.html")]
pub struct FormPage {
    pub ctx: PageContext,
    /// `None` when creating.
    pub advisory_id: Option<String>,
    pub form: AdvisoryForm,
    pub errors: FormErrors,
    pub projects: Vec<Project>,
    /// A conflict message (409), shown above the form.
    pub conflict: Option<String>,
}

impl FormPage {
    fn action(&self) -> String {
        self.advisory_id
            .as_deref()
            .map_or_else(|| routes::ADVISORY_NEW.to_owned(), routes::advisory_edit)
    }

    fn cancel(&self) -> String {
        self.advisory_id
            .as_deref()
            .map_or_else(|| routes::ADVISORIES.to_owned(), routes::advisory)
    }

    /// Errors of one cell of a formset row.
    #[expect(
        clippy::trivially_copy_pass_by_ref,
        reason = "askama passes template values by reference"
    )]
    fn err(&self, prefix: &str, row: &usize, column: &str) -> &[String] {
        self.errors.get(&format!("{prefix}-{row}-{column}"))
    }

    /// Errors of one cell of an affected row's events.
    #[expect(
        clippy::trivially_copy_pass_by_ref,
        reason = "askama passes template values by reference"
    )]
    fn event_err(&self, row: &usize, event: &usize, column: &str) -> &[String] {
        self.errors
            .get(&format!("{}-{event}-{column}", form::events_prefix(*row)))
    }

    #[expect(clippy::unused_self, reason = "templates call it as a method")]
    #[expect(
        clippy::trivially_copy_pass_by_ref,
        reason = "askama passes template values by reference"
    )]
    fn events_prefix(&self, row: &usize) -> String {
        form::events_prefix(*row)
    }

    fn selected_project(&self, p: &Project) -> bool {
        self.form.project == p.id.to_string()
    }

    #[expect(clippy::unused_self, reason = "templates call it as a method")]
    fn vocab(&self, name: &str) -> &'static [&'static str] {
        match name {
            "reference" => form::reference_types(),
            "range" => form::range_types(),
            "event" => form::event_kinds(),
            "severity" => form::severity_types(),
            "ubuntu" => form::ubuntu_priorities(),
            "credit" => form::credit_types(),
            "ecosystem" => &ecosystems::ECOSYSTEMS,
            _ => &[],
        }
    }

    #[expect(clippy::unused_self, reason = "templates call it as a method")]
    fn cwe_name(&self, id: &str) -> &'static str {
        cwe::name_for(&cwe::from_form_input(id)).unwrap_or("")
    }
}

/// The projects a caller may put an advisory in: all for admins, else those
/// whose team they are on, plus `current` (25-lifecycle §5).
fn offered(all: Vec<Project>, caller: &Caller, current: Option<Uuid>) -> Vec<Project> {
    all.into_iter()
        .filter(|p| {
            Some(p.id) == current
                || perm::can_create_advisory_for_project(Some(&caller.actor), p.security_team_id)
        })
        .filter(|p| !p.is_unsorted() || Some(p.id) == current)
        .collect()
}

fn page(
    ctx: PageContext,
    advisory_id: Option<String>,
    form: AdvisoryForm,
    projects: Vec<Project>,
) -> FormPage {
    FormPage {
        ctx,
        advisory_id,
        form,
        errors: FormErrors::default(),
        projects,
        conflict: None,
    }
}

fn respond(status: StatusCode, page: FormPage) -> Response {
    (status, page).into_response()
}

/// `GET /advisories/new/`.
#[tracing::instrument(name = "http.advisories.new.get", skip_all)]
pub async fn new_form(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageContext,
) -> Result<Response, AppError> {
    let mut conn = state.pool.acquire().await?;
    let projects = offered(projects::all(&mut conn).await?, &caller, None);
    if projects.is_empty() {
        return Err(AppError::Forbidden(
            "You are not on any project's security team.".into(),
        ));
    }
    let default = (projects.len() == 1).then(|| projects[0].id);
    Ok(page(ctx, None, AdvisoryForm::blank(default), projects).into_response())
}

/// `POST /advisories/new/`.
#[tracing::instrument(name = "http.advisories.new.post", skip_all)]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageContext,
    session: Session,
    origin: RequestOrigin,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let mut tx = caller.begin(&state).await?;
    let projects = offered(projects::all(&mut tx).await?, &caller, None);
    if projects.is_empty() {
        return Err(AppError::Forbidden(
            "You are not on any project's security team.".into(),
        ));
    }
    let (mut form, action) = AdvisoryForm::parse(&pairs);
    if let FormAction::Add(prefix) = action {
        form.add_row(&prefix);
        return Ok(page(ctx, None, form, projects).into_response());
    }
    let (project_id, payload, rows) = match form.to_payload() {
        Ok(parts) => parts,
        Err(errors) => {
            let mut view = page(ctx, None, form, projects);
            view.errors = FormErrors::from_form_level(errors);
            return Ok(respond(StatusCode::UNPROCESSABLE_ENTITY, view));
        }
    };
    let ctx_service = caller.service_ctx(&state, &origin);
    let input = NewAdvisory {
        project_id: Some(project_id),
        content: payload,
    };
    match service::create(&mut tx, ctx_service, &input, &mut OsEntropy).await {
        Ok(public_id) => {
            tx.commit().await?;
            flash::push(&session, Level::Success, ctx.t("advisory-created-flash"))
                .await
                .map_err(session_error)?;
            Ok(Redirect::to(&routes::advisory(&public_id)).into_response())
        }
        Err(ServiceError::Invalid(errors)) => {
            let mut view = page(ctx, None, form, projects);
            view.errors = form_errors(&rows, &errors);
            Ok(respond(StatusCode::UNPROCESSABLE_ENTITY, view))
        }
        Err(e) => Err(e.into()),
    }
}

/// Content errors on their form fields.
fn form_errors(rows: &form::RowMap, errors: &super::content::FieldErrors) -> FormErrors {
    rows.to_form_errors(errors)
}

/// Loads an advisory the caller may edit, or the answer to give instead.
async fn editable(
    tx: &mut sqlx::PgConnection,
    caller: &Caller,
    raw_id: &str,
) -> Result<repo::AdvisoryRow, AppError> {
    if !id::is_valid(raw_id) {
        return Err(AppError::NotFound);
    }
    let row = repo::load(tx, raw_id, Some(&caller.actor), false)
        .await?
        .ok_or(AppError::NotFound)?;
    let facts = row.facts().map_err(|e| AppError::Internal(Box::new(e)))?;
    if !perm::can_view(Some(&caller.actor), &facts) {
        return Err(AppError::NotFound);
    }
    if facts.kind != Kind::Native {
        return Err(AppError::Forbidden(
            "A GHSA-linked advisory is edited on GitHub; its content here follows the GHSA.".into(),
        ));
    }
    if !perm::can_edit(Some(&caller.actor), &facts) {
        return Err(AppError::Forbidden(
            "You may not edit this advisory in its current state.".into(),
        ));
    }
    Ok(row)
}

/// `GET /advisories/{id}/edit/`.
#[tracing::instrument(name = "http.advisories.edit.get", skip_all)]
pub async fn edit_form(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageContext,
    Path(raw_id): Path<String>,
) -> Result<Response, AppError> {
    let mut tx = caller.begin(&state).await?;
    let row = editable(&mut tx, &caller, &raw_id).await?;
    let projects = offered(projects::all(&mut tx).await?, &caller, Some(row.project_id));
    tx.commit().await?;
    let form = AdvisoryForm::from_payload(&row.payload(), row.project_id, Some(row.latest_version));
    Ok(page(ctx, Some(row.advisory_id), form, projects).into_response())
}

/// `POST /advisories/{id}/edit/`.
#[tracing::instrument(name = "http.advisories.edit.post", skip_all)]
pub async fn edit(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageContext,
    session: Session,
    origin: RequestOrigin,
    Path(raw_id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let mut tx = caller.begin(&state).await?;
    let row = editable(&mut tx, &caller, &raw_id).await?;
    let projects = offered(projects::all(&mut tx).await?, &caller, Some(row.project_id));
    let public_id = row.advisory_id.clone();
    let (mut form, action) = AdvisoryForm::parse(&pairs);
    if let FormAction::Add(prefix) = action {
        form.add_row(&prefix);
        return Ok(page(ctx, Some(public_id), form, projects).into_response());
    }
    let (project_id, payload, rows) = match form.to_payload() {
        Ok(parts) => parts,
        Err(errors) => {
            let mut view = page(ctx, Some(public_id), form, projects);
            view.errors = FormErrors::from_form_level(errors);
            return Ok(respond(StatusCode::UNPROCESSABLE_ENTITY, view));
        }
    };
    let input = Edit {
        project_id: Some(project_id),
        content: payload,
        base_version: form.base_version.unwrap_or(0),
    };
    let ctx_service = caller.service_ctx(&state, &origin);
    match service::edit(&mut tx, ctx_service, &public_id, &input).await {
        Ok(_) => {
            tx.commit().await?;
            flash::push(&session, Level::Success, ctx.t("advisory-saved-flash"))
                .await
                .map_err(session_error)?;
            Ok(Redirect::to(&routes::advisory(&public_id)).into_response())
        }
        Err(ServiceError::Invalid(errors)) => {
            let mut view = page(ctx, Some(public_id), form, projects);
            view.errors = form_errors(&rows, &errors);
            Ok(respond(StatusCode::UNPROCESSABLE_ENTITY, view))
        }
        Err(ServiceError::Conflict {
            latest,
            editor,
            changed_fields,
            ..
        }) => {
            let who = editor.unwrap_or_else(|| "someone else".to_owned());
            let what = if changed_fields.is_empty() {
                String::new()
            } else {
                format!(" They changed: {}.", changed_fields.join(", "))
            };
            // Saving again overwrites their version on purpose, now that the
            // user has been told about it.
            form.base_version = Some(latest);
            let mut view = page(ctx, Some(public_id), form, projects);
            view.conflict = Some(format!(
                "{who} saved version {latest} while you were editing.{what} Your changes are not saved yet: \
                 open the advisory in another tab to compare, then save again to replace their version."
            ));
            Ok(respond(StatusCode::CONFLICT, view))
        }
        Err(e) => Err(e.into()),
    }
}

/// `GET /advisories/cvss/`: the score and level of the vector in the
/// submitted severity row, for the live badge beside the field (JavaScript
/// on; the same scorer the save uses). Reads the first `*-type` and
/// `*-score` parameters, whatever the row's prefix.
#[tracing::instrument(name = "http.advisories.cvss", skip_all)]
pub async fn cvss_score(
    _user: crate::auth::RequireUser,
    axum::extract::Query(params): axum::extract::Query<Vec<(String, String)>>,
) -> axum::response::Html<String> {
    use std::str::FromStr;

    use super::content::SeverityType;
    use super::severity;
    let find = |suffix: &str| {
        params
            .iter()
            .find(|(k, _)| k.ends_with(suffix))
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_default()
    };
    let (kind, vector) = (find("-type"), find("-score"));
    let text = if vector.is_empty() {
        String::new()
    } else {
        match SeverityType::from_str(&kind) {
            Ok(declared) => match severity::parse_cvss(declared, &vector) {
                Ok(score) => format!(
                    "<span class=\"sev {level}\">{base:.1} {level}</span>",
                    level = score.level.as_str(),
                    base = score.base_score
                ),
                Err(e) => format!(
                    "<span class=\"field-error\">{}</span>",
                    askama::filters::escape(e.to_string(), askama::filters::Html)
                        .map(|s| s.to_string())
                        .unwrap_or_default()
                ),
            },
            Err(_) => String::new(),
        }
    };
    axum::response::Html(text)
}
