//! The pages of the web shell: the landing page and the language switcher.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::AppState;
use super::context::PageContext;
use super::error::AppError;
use super::routes;
use crate::advisories::caller::Caller;
use crate::advisories::{dashboard, list};
use crate::auth::MaybeUser;
use crate::i18n::{LANG_COOKIE, Lang};

/// The signed-in user's panels.
pub struct Dashboard {
    pub mine: Vec<DashboardItem>,
    pub recent: Vec<DashboardItem>,
    pub needs_action: Vec<DashboardItem>,
    pub counts: list::Counts,
    pub can_create: bool,
}

pub struct DashboardItem {
    pub item: dashboard::Item,
    pub href: String,
    pub modified: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "home.html")]
pub struct HomePage {
    pub ctx: PageContext,
    pub dashboard: Option<Dashboard>,
}

impl HomePage {
    /// "N advisories visible to you: …".
    fn counts_text(&self) -> String {
        use fluent_bundle::FluentValue;
        let Some(d) = &self.dashboard else {
            return String::new();
        };
        let c = &d.counts;
        self.ctx.t.t_with(
            "dashboard-counts",
            &[
                ("all", FluentValue::from(c.all())),
                ("triage", FluentValue::from(c.triage)),
                ("draft", FluentValue::from(c.draft)),
                ("published", FluentValue::from(c.published)),
                ("dismissed", FluentValue::from(c.dismissed)),
            ],
        )
    }
}

/// `GET /`: the landing page, or for a signed-in user who they are and
/// their dashboard.
#[tracing::instrument(name = "http.home.get", skip_all)]
pub async fn home(
    State(state): State<AppState>,
    caller: Option<Caller>,
    ctx: PageContext,
) -> Result<HomePage, AppError> {
    let dashboard = match &caller {
        Some(caller) => Some(load_dashboard(&state, caller).await?),
        None => None,
    };
    Ok(HomePage { ctx, dashboard })
}

async fn load_dashboard(state: &AppState, caller: &Caller) -> Result<Dashboard, AppError> {
    let actor = &caller.actor;
    let recent_query = list::ListQuery::parse(list::RawQuery {
        page_size: Some("10".into()),
        ..list::RawQuery::default()
    })
    .map_err(|e| AppError::BadRequest(e.to_string()))?;
    let mut tx = caller.begin_planned(state, recent_query.plans()).await?;
    let recent = list::fetch(&mut tx, actor, &recent_query, &list::TierActions::default()).await?;
    let mine = dashboard::mine(&mut tx, actor).await?;
    let needs_action = dashboard::needs_action(&mut tx, actor).await?;
    tx.commit().await?;
    let on_a_team = recent
        .projects
        .iter()
        .any(|p| actor.is_member_of(p.security_team_id));
    let item = |item: dashboard::Item| DashboardItem {
        href: routes::advisory(&item.advisory_id),
        modified: crate::advisories::pages::when(item.modified_at),
        item,
    };
    Ok(Dashboard {
        mine: mine.into_iter().map(item).collect(),
        recent: recent
            .rows
            .into_iter()
            .map(|r| {
                item(dashboard::Item {
                    advisory_id: r.advisory_id,
                    summary: r.summary,
                    project_name: r.project_name,
                    state: r.state,
                    review_status: r.review_status,
                    severity_level: r.severity_level,
                    modified_at: r.modified_at,
                })
            })
            .collect(),
        needs_action: needs_action.into_iter().map(item).collect(),
        counts: recent.counts,
        can_create: crate::access::permissions::can_author_any_advisory(Some(actor), on_a_team),
    })
}

/// The language switcher's form.
#[derive(Debug, Deserialize)]
pub struct LanguageForm {
    lang: String,
    #[serde(default)]
    next: String,
}

/// `POST /i18n/lang`: remembers the language in a cookie and returns to the
/// page the form was on (a local path only, never another site).
#[tracing::instrument(name = "http.i18n.lang.post", skip_all)]
pub async fn set_language(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    Form(form): Form<LanguageForm>,
) -> Result<Response, AppError> {
    let Some(lang) = Lang::from_tag(&form.lang).filter(|l| l.tag() == form.lang) else {
        return Err(AppError::BadRequest(format!(
            "Unknown language {:?}.",
            form.lang.chars().take(16).collect::<String>()
        )));
    };
    // Ruling 40: e-mails follow the language the user chose.
    if let Some(user) = user {
        sqlx::query!(
            "UPDATE app_user SET language = $2 WHERE id = $1",
            user.id,
            lang.tag()
        )
        .execute(&state.pool)
        .await?;
    }
    let next = if routes::is_local_path(&form.next) {
        form.next.as_str()
    } else {
        routes::HOME
    };
    let secure = if state.config.secure_cookies() {
        "; Secure"
    } else {
        ""
    };
    let cookie = format!(
        "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax{secure}",
        lang.tag()
    );
    let cookie = HeaderValue::from_str(&cookie).map_err(|e| AppError::Internal(Box::new(e)))?;
    let mut resp = Redirect::to(next).into_response();
    *resp.status_mut() = StatusCode::SEE_OTHER;
    resp.headers_mut().insert(header::SET_COOKIE, cookie);
    Ok(resp)
}
