//! The public intake pages (50-web-ui §15, 60-api §5): the form, its POST
//! in the order of §15.2 (rate limit, top-level checks, honeypot, captcha,
//! filing), the thank-you page both branches end on, and the project picker
//! JSON.

use askama::Template;
use askama_web::WebTemplate;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::altcha::{self, ConsumeError, Refused};
use super::form::{Choice, Report, ReportForm, UNSORTED_CHOICE};
use super::service::{self, Choosable, Filing, IntakeError, Reporter};
use crate::access::permissions as perm;
use crate::advisories::caller::Caller;
use crate::advisories::id::OsEntropy;
use crate::audit::access_log::RequestOrigin;
use crate::db::{self, Principal};
use crate::web::AppState;
use crate::web::context::PageContext;
use crate::web::error::AppError;
use crate::web::ratelimit;
use crate::web::routes;

/// The rate-limit group of report submissions (both keys, 20-lifecycle §20).
const RATE_GROUP: &str = "intake:report";

#[derive(Template, WebTemplate)]
#[template(path = "intake/report.html")]
pub struct ReportPage {
    pub ctx: PageContext,
    pub projects: Vec<Choosable>,
    pub form: ReportForm,
    /// Field name and translated message.
    pub errors: Vec<(&'static str, String)>,
    /// The proof-of-work challenge (JSON) for an anonymous reporter, when
    /// the captcha is on.
    pub challenge: Option<String>,
}

impl ReportPage {
    fn anonymous(&self) -> bool {
        self.ctx.user.is_none()
    }

    fn has_error(&self, field: &str) -> bool {
        self.errors.iter().any(|(f, _)| *f == field)
    }

    fn errors_of(&self, field: &str) -> Vec<&str> {
        self.errors
            .iter()
            .filter(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
            .collect()
    }

    /// The label of a field, for the error summary.
    fn field_label(&self, field: &str) -> String {
        self.ctx.t(&format!("intake-field-{field}"))
    }

    fn selected(&self, slug: &str) -> bool {
        self.form.project_slug.trim() == slug
    }

    #[expect(clippy::unused_self, reason = "templates call it as a method")]
    fn unsorted_choice(&self) -> &'static str {
        UNSORTED_CHOICE
    }

    #[expect(clippy::unused_self, reason = "templates call it as a method")]
    fn action(&self) -> &'static str {
        routes::REPORT
    }

    #[expect(clippy::unused_self, reason = "templates call it as a method")]
    fn projects_json(&self) -> &'static str {
        routes::REPORT_PROJECTS
    }

    #[expect(clippy::unused_self, reason = "templates call it as a method")]
    fn sign_in(&self) -> String {
        routes::sign_in_url(Some(routes::REPORT))
    }

    #[expect(clippy::unused_self, reason = "templates call it as a method")]
    fn max_details(&self) -> usize {
        crate::advisories::content::INTAKE_DETAILS_MAX_CHARS
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "intake/thank_you.html")]
pub struct ThankYouPage {
    pub ctx: PageContext,
}

impl ThankYouPage {
    #[expect(clippy::unused_self, reason = "templates call it as a method")]
    fn report_path(&self) -> &'static str {
        routes::REPORT
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "intake/disabled.html")]
pub struct DisabledPage {
    pub ctx: PageContext,
}

fn now_unix() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// The form page with `form` and `errors`; a fresh challenge for an
/// anonymous reporter when the captcha is on.
async fn page(
    state: &AppState,
    ctx: PageContext,
    form: ReportForm,
    errors: Vec<(&'static str, String)>,
) -> Result<ReportPage, AppError> {
    let mut conn = state.pool.acquire().await?;
    let projects = service::choosable(&mut conn, None, service::SELECT_MAX).await?;
    let key = state.config.intake.altcha_hmac_key.expose();
    let challenge = if ctx.user.is_none() && !key.is_empty() {
        let c = altcha::issue(key, now_unix(), &mut OsEntropy)
            .map_err(|e| AppError::Internal(Box::new(e)))?;
        Some(serde_json::to_string(&c).map_err(|e| AppError::Internal(Box::new(e)))?)
    } else {
        None
    };
    Ok(ReportPage {
        ctx,
        projects,
        // What was typed comes back, except the trap and the spent solution.
        form: ReportForm {
            website: String::new(),
            altcha: String::new(),
            ..form
        },
        errors,
        challenge,
    })
}

/// 503 while intake is closed (§15.5).
fn closed(state: &AppState, ctx: &PageContext) -> Option<Response> {
    state.config.intake.disabled.then(|| {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            DisabledPage { ctx: ctx.clone() },
        )
            .into_response()
    })
}

/// `GET /report/`.
#[tracing::instrument(name = "http.intake.form.get", skip_all)]
pub async fn form(State(state): State<AppState>, ctx: PageContext) -> Result<Response, AppError> {
    if let Some(closed) = closed(&state, &ctx) {
        return Ok(closed);
    }
    Ok(page(&state, ctx, ReportForm::default(), Vec::new())
        .await?
        .into_response())
}

/// `POST /report/`, in the order of 50-web-ui §15.2.
#[tracing::instrument(name = "http.intake.form.post", skip_all)]
pub async fn submit(
    State(state): State<AppState>,
    caller: Option<Caller>,
    ctx: PageContext,
    origin: RequestOrigin,
    body: Bytes,
) -> Result<Response, AppError> {
    if let Some(closed) = closed(&state, &ctx) {
        return Ok(closed);
    }
    // The limit is counted before anything else (INV-RATELIMIT-1).
    let intake = &state.config.intake;
    match &caller {
        Some(c) => {
            ratelimit::check_user(&state, RATE_GROUP, intake.rate_user, c.actor.user_id).await?;
        }
        None => ratelimit::check_ip(&state, RATE_GROUP, intake.rate_anonymous, origin.ip).await?,
    }
    // P-27: anyone may report; abuse is met by the limit, the trap and the
    // captcha.
    if !perm::can_submit_triage_report(caller.as_ref().map(|c| &c.actor)) {
        return Err(AppError::Forbidden(String::new()));
    }
    let user = caller.map(|c| c.identity);
    let Ok(form) = serde_urlencoded::from_bytes::<ReportForm>(&body) else {
        let errors = vec![("", ctx.t("intake-error-malformed"))];
        return refuse(
            &state,
            ctx,
            ReportForm::default(),
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let anonymous = user.is_none();
    let report = match form.validate(anonymous) {
        Ok(report) => report,
        Err(problems) => {
            let errors = problems.iter().map(|(f, key)| (*f, ctx.t(key))).collect();
            return refuse(&state, ctx, form, errors, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let mut tx = db::begin_as(&state.pool, Principal::System).await?;
    let Some(project) = service::project_of(&mut tx, &report.choice).await? else {
        drop(tx);
        let errors = vec![("project_slug", ctx.t("intake-error-project-unknown"))];
        return refuse(&state, ctx, form, errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    // The trap wins over everything after it, a solved captcha included,
    // and answers exactly as a filed report does (INV-INTAKE-1, Q-16).
    if anonymous && form.trap().is_some() {
        service::record_honeypot(&mut tx, &origin, &form.trap_stored()).await?;
        tx.commit().await?;
        return Ok(thank_you_redirect());
    }
    let key = intake.altcha_hmac_key.expose();
    if anonymous && !key.is_empty() {
        match altcha::redeem(&mut tx, key, &form.altcha, now_unix()).await {
            Ok(()) => {}
            Err(ConsumeError::Refused(refused)) => {
                drop(tx);
                tracing::info!(reason = %refused, "intake captcha refused");
                let errors = vec![("altcha", ctx.t(captcha_message(&refused)))];
                return refuse(&state, ctx, form, errors, StatusCode::BAD_REQUEST).await;
            }
            Err(ConsumeError::Database(e)) => return Err(e.into()),
        }
    }
    let filing = Filing {
        reporter: user.as_ref().map(|u| Reporter {
            user_id: u.id,
            email: &u.email,
        }),
        origin: &origin,
        redactor: &state.redactor,
    };
    file(&state, tx, filing, &project, &report, ctx, form).await
}

/// The message for a refused captcha: one for a missing solution (no
/// JavaScript), one for everything else.
fn captcha_message(refused: &Refused) -> &'static str {
    match refused {
        Refused::Missing => "intake-error-captcha-missing",
        _ => "intake-error-captcha-invalid",
    }
}

/// Files the report and commits; 303 to the thank-you page.
async fn file(
    state: &AppState,
    mut tx: db::Tx<'static>,
    filing: Filing<'_>,
    project: &Choosable,
    report: &Report,
    ctx: PageContext,
    form: ReportForm,
) -> Result<Response, AppError> {
    match service::submit(&mut tx, filing, project, report, &mut OsEntropy).await {
        Ok(public_id) => {
            tx.commit().await?;
            tracing::info!(advisory = %public_id, unsorted = report.choice == Choice::Unsorted, "report filed");
            Ok(thank_you_redirect())
        }
        Err(IntakeError::Invalid(problems)) => {
            drop(tx);
            let errors = problems
                .iter()
                .map(|p| (field_of(&p.field), p.message.clone()))
                .collect();
            refuse(state, ctx, form, errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(other) => Err(AppError::Internal(Box::new(other))),
    }
}

/// The form field a content-validator path belongs to.
fn field_of(path: &str) -> &'static str {
    match path {
        "summary" => "summary",
        "details" => "details",
        _ => "",
    }
}

/// Re-renders the form with `errors`; nothing was stored.
async fn refuse(
    state: &AppState,
    ctx: PageContext,
    form: ReportForm,
    errors: Vec<(&'static str, String)>,
    status: StatusCode,
) -> Result<Response, AppError> {
    Ok((status, page(state, ctx, form, errors).await?).into_response())
}

/// Both branches end here, with nothing that tells them apart.
fn thank_you_redirect() -> Response {
    Redirect::to(routes::REPORT_THANK_YOU).into_response()
}

/// `GET /report/thank-you/`: the same page for every submission (§15.3).
#[tracing::instrument(name = "http.intake.thank_you.get", skip_all)]
pub async fn thank_you(ctx: PageContext) -> ThankYouPage {
    ThankYouPage { ctx }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PickerQuery {
    pub q: String,
}

/// `GET /report/projects.json?q=` (60-api §5): public, cacheable.
#[tracing::instrument(name = "http.intake.projects.get", skip_all)]
pub async fn projects(
    State(state): State<AppState>,
    Query(query): Query<PickerQuery>,
) -> Result<Response, AppError> {
    let mut conn = state.pool.acquire().await?;
    let found = service::choosable(&mut conn, Some(&query.q), service::PICKER_MAX).await?;
    let mut resp = Json(found).into_response();
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    Ok(resp)
}
