//! Notification preferences (10-domain-model §14.1–14.2, 20-lifecycle
//! §17.6, 50-web-ui §13.2–13.4): global defaults per user, created lazily,
//! and sparse per-advisory overrides where "inherit" is NULL / '' and a row
//! that inherits everything is deleted. There is no way to turn mentions
//! off. Every change is audited with before and after.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::PgConnection;
use tower_sessions::Session;

use crate::access::permissions as perm;
use crate::advisories::caller::Caller;
use crate::advisories::panels::PanelData;
use crate::advisories::repo;
use crate::advisories::service::{Ctx, ServiceError};
use crate::audit::access_log::RequestOrigin;
use crate::audit::catalogue::Action;
use crate::audit::{self, Entry};
use crate::auth::session_error;
use crate::web::AppState;
use crate::web::context::PageContext;
use crate::web::error::AppError;
use crate::web::flash::{self, Level};
use crate::web::htmx::Fragment;
use crate::web::routes;

/// The global defaults.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[expect(clippy::struct_excessive_bools, reason = "one switch per event")]
pub struct Global {
    pub on_advisory_created: bool,
    pub on_triage_event: bool,
    pub on_advisory_submitted_for_review: bool,
    pub on_advisory_published: bool,
    pub on_publication_export_status: bool,
    /// `all`; else `mentioned`.
    pub comments_all: bool,
}

impl Default for Global {
    fn default() -> Self {
        Global {
            on_advisory_created: true,
            on_triage_event: true,
            on_advisory_submitted_for_review: true,
            on_advisory_published: true,
            on_publication_export_status: true,
            comments_all: false,
        }
    }
}

fn level(all: bool) -> &'static str {
    if all { "all" } else { "mentioned" }
}

pub async fn global(conn: &mut PgConnection, user: i64) -> Result<Global, sqlx::Error> {
    let row = sqlx::query!(
        "SELECT on_advisory_created, on_triage_event, on_advisory_submitted_for_review,
                on_advisory_published, on_publication_export_status, comments_level
         FROM notification_preference WHERE user_id = $1",
        user
    )
    .fetch_optional(conn)
    .await?;
    Ok(row.map_or_else(Global::default, |r| Global {
        on_advisory_created: r.on_advisory_created,
        on_triage_event: r.on_triage_event,
        on_advisory_submitted_for_review: r.on_advisory_submitted_for_review,
        on_advisory_published: r.on_advisory_published,
        on_publication_export_status: r.on_publication_export_status,
        comments_all: r.comments_level == "all",
    }))
}

/// Saves the caller's defaults; audited when anything changed.
pub async fn save_global(
    conn: &mut PgConnection,
    ctx: Ctx<'_>,
    new: Global,
) -> Result<(), ServiceError> {
    let user = ctx.actor.user_id;
    let before = global(conn, user).await?;
    sqlx::query!(
        "INSERT INTO notification_preference (user_id, on_advisory_created, on_triage_event,
             on_advisory_submitted_for_review, on_advisory_published, on_publication_export_status,
             comments_level)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (user_id) DO UPDATE SET on_advisory_created = $2, on_triage_event = $3,
             on_advisory_submitted_for_review = $4, on_advisory_published = $5,
             on_publication_export_status = $6, comments_level = $7",
        user,
        new.on_advisory_created,
        new.on_triage_event,
        new.on_advisory_submitted_for_review,
        new.on_advisory_published,
        new.on_publication_export_status,
        level(new.comments_all)
    )
    .execute(&mut *conn)
    .await?;
    if before != new {
        audit::record(
            conn,
            ctx.redactor,
            Entry::new(Action::NotificationPrefsChanged, Some(user), ctx.origin)
                .values(Some(json!(before)), Some(json!(new))),
        )
        .await?;
    }
    Ok(())
}

/// A per-advisory override; `None` inherits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Override {
    pub on_advisory_submitted_for_review: Option<bool>,
    pub on_advisory_published: Option<bool>,
    pub on_publication_export_status: Option<bool>,
    /// `Some(true)` = all, `Some(false)` = mentioned.
    pub comments_all: Option<bool>,
}

/// The canned settings of the advisory panel (50-web-ui §13.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Preset {
    Default,
    All,
    Digest,
    Custom,
}

impl Preset {
    fn values(self) -> Option<Override> {
        match self {
            Preset::Default => Some(Override::default()),
            Preset::All => Some(Override {
                on_advisory_submitted_for_review: Some(true),
                on_advisory_published: Some(true),
                on_publication_export_status: Some(true),
                comments_all: Some(true),
            }),
            Preset::Digest => Some(Override {
                on_advisory_submitted_for_review: Some(false),
                on_advisory_published: Some(true),
                on_publication_export_status: Some(true),
                comments_all: Some(false),
            }),
            Preset::Custom => None,
        }
    }

    /// The preset a stored override matches; anything else is custom.
    pub fn of(o: &Override) -> Preset {
        [Preset::Default, Preset::All, Preset::Digest]
            .into_iter()
            .find(|p| p.values().as_ref() == Some(o))
            .unwrap_or(Preset::Custom)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Preset::Default => "default",
            Preset::All => "all",
            Preset::Digest => "digest",
            Preset::Custom => "custom",
        }
    }
}

impl Override {
    fn inherits_everything(self) -> bool {
        self == Override::default()
    }
}

pub async fn advisory_override(
    conn: &mut PgConnection,
    user: i64,
    advisory: i64,
) -> Result<Override, sqlx::Error> {
    let row = sqlx::query!(
        "SELECT on_advisory_submitted_for_review, on_advisory_published,
                on_publication_export_status, comments_level
         FROM advisory_notification_override WHERE user_id = $1 AND advisory_id = $2",
        user,
        advisory
    )
    .fetch_optional(conn)
    .await?;
    Ok(row.map_or_else(Override::default, |r| Override {
        on_advisory_submitted_for_review: r.on_advisory_submitted_for_review,
        on_advisory_published: r.on_advisory_published,
        on_publication_export_status: r.on_publication_export_status,
        comments_all: comments_override(&r.comments_level),
    }))
}

/// A stored override's `comments_level`: '' inherits.
fn comments_override(level: &str) -> Option<bool> {
    match level {
        "all" => Some(true),
        "mentioned" => Some(false),
        _ => None,
    }
}

/// Sets the caller's override on an advisory they can see; inheriting
/// everything deletes it. Audited when anything changed.
pub async fn save_override(
    conn: &mut PgConnection,
    ctx: Ctx<'_>,
    public_id: &str,
    new: Override,
) -> Result<(), ServiceError> {
    let row = repo::load(conn, public_id, Some(ctx.actor), false)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let facts = row.facts()?;
    if !perm::can_override_advisory_notifications(Some(ctx.actor), &facts) {
        return Err(ServiceError::NotFound);
    }
    let user = ctx.actor.user_id;
    let before = advisory_override(conn, user, row.id).await?;
    if before == new {
        return Ok(());
    }
    if new.inherits_everything() {
        sqlx::query!(
            "DELETE FROM advisory_notification_override WHERE user_id = $1 AND advisory_id = $2",
            user,
            row.id
        )
        .execute(&mut *conn)
        .await?;
    } else {
        let comments = new.comments_all.map_or("", level);
        sqlx::query!(
            "INSERT INTO advisory_notification_override (user_id, advisory_id,
                 on_advisory_submitted_for_review, on_advisory_published,
                 on_publication_export_status, comments_level)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (user_id, advisory_id) DO UPDATE SET
                 on_advisory_submitted_for_review = $3, on_advisory_published = $4,
                 on_publication_export_status = $5, comments_level = $6, updated_at = now()",
            user,
            row.id,
            new.on_advisory_submitted_for_review,
            new.on_advisory_published,
            new.on_publication_export_status,
            comments
        )
        .execute(&mut *conn)
        .await?;
    }
    audit::record(
        conn,
        ctx.redactor,
        Entry::new(Action::NotificationPrefsChanged, Some(user), ctx.origin)
            .advisory(row.id)
            .values(Some(json!(before)), Some(json!(new))),
    )
    .await?;
    Ok(())
}

// ---------------------------------------------------------------------------
// Pages.

#[derive(Template, WebTemplate)]
#[template(path = "notifications/preferences.html")]
pub struct GlobalPage {
    pub ctx: PageContext,
    pub prefs: Global,
}

/// `GET /notifications/preferences/`.
pub async fn global_page(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageContext,
) -> Result<GlobalPage, AppError> {
    let mut tx = caller.begin(&state).await?;
    let prefs = global(&mut tx, caller.actor.user_id).await?;
    tx.commit().await?;
    Ok(GlobalPage { ctx, prefs })
}

/// The global form: a checkbox is present when ticked.
#[derive(Debug, Default, Deserialize)]
pub struct GlobalForm {
    #[serde(default)]
    on_advisory_created: Option<String>,
    #[serde(default)]
    on_triage_event: Option<String>,
    #[serde(default)]
    on_advisory_submitted_for_review: Option<String>,
    #[serde(default)]
    on_advisory_published: Option<String>,
    #[serde(default)]
    on_publication_export_status: Option<String>,
    #[serde(default)]
    comments_level: String,
}

/// `POST /notifications/preferences/`.
pub async fn save_global_page(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageContext,
    origin: RequestOrigin,
    session: Session,
    Form(form): Form<GlobalForm>,
) -> Result<Response, AppError> {
    let comments_all = match form.comments_level.as_str() {
        "all" => true,
        "mentioned" => false,
        other => {
            return Err(AppError::BadRequest(format!(
                "comments_level must be all or mentioned, not {other:?}."
            )));
        }
    };
    let prefs = Global {
        on_advisory_created: form.on_advisory_created.is_some(),
        on_triage_event: form.on_triage_event.is_some(),
        on_advisory_submitted_for_review: form.on_advisory_submitted_for_review.is_some(),
        on_advisory_published: form.on_advisory_published.is_some(),
        on_publication_export_status: form.on_publication_export_status.is_some(),
        comments_all,
    };
    let mut tx = caller.begin(&state).await?;
    save_global(&mut tx, caller.service_ctx(&state, &origin), prefs).await?;
    tx.commit().await?;
    flash::push(&session, Level::Success, ctx.t("prefs-saved"))
        .await
        .map_err(session_error)?;
    Ok(Redirect::to(routes::NOTIFICATION_PREFERENCES).into_response())
}

/// The per-advisory panel (`#advisory-notifications`).
pub struct Panel {
    pub advisory_id: String,
    pub stored: Override,
    pub global: Global,
    pub preset: Preset,
}

/// The caller's override on an advisory (unset fields inherit) and their
/// defaults, as `advisories::panels` reads them.
#[derive(Debug, serde::Deserialize)]
#[expect(
    clippy::struct_excessive_bools,
    reason = "one per notification setting"
)]
pub struct NotificationRow {
    o_submitted: Option<bool>,
    o_published: Option<bool>,
    o_export: Option<bool>,
    o_comments: String,
    created: bool,
    triage: bool,
    submitted: bool,
    published: bool,
    export: bool,
    comments: String,
}

impl Panel {
    /// The panel from the caller's override on the advisory and their
    /// defaults, as `advisories::panels` reads them.
    pub fn from_row(public_id: &str, r: &NotificationRow) -> Panel {
        let stored = Override {
            on_advisory_submitted_for_review: r.o_submitted,
            on_advisory_published: r.o_published,
            on_publication_export_status: r.o_export,
            comments_all: comments_override(&r.o_comments),
        };
        Panel {
            advisory_id: public_id.to_owned(),
            preset: Preset::of(&stored),
            stored,
            global: Global {
                on_advisory_created: r.created,
                on_triage_event: r.triage,
                on_advisory_submitted_for_review: r.submitted,
                on_advisory_published: r.published,
                on_publication_export_status: r.export,
                comments_all: r.comments == "all",
            },
        }
    }

    pub fn action(&self) -> String {
        routes::of_advisory(routes::ADVISORY_NOTIFICATION_PREFERENCES, &self.advisory_id)
    }

    pub fn overridden(&self) -> bool {
        !self.stored.inherits_everything()
    }

    pub fn is(&self, preset: &str) -> bool {
        self.preset.as_str() == preset
    }

    /// The effective switches, for the summary: (message key, on).
    pub fn effective(&self) -> [(&'static str, bool); 3] {
        let s = &self.stored;
        let g = &self.global;
        [
            (
                "prefs-on-submitted",
                s.on_advisory_submitted_for_review
                    .unwrap_or(g.on_advisory_submitted_for_review),
            ),
            (
                "prefs-on-published",
                s.on_advisory_published.unwrap_or(g.on_advisory_published),
            ),
            (
                "prefs-on-export-status",
                s.on_publication_export_status
                    .unwrap_or(g.on_publication_export_status),
            ),
        ]
    }

    pub fn comments_key(&self) -> &'static str {
        if self.stored.comments_all.unwrap_or(self.global.comments_all) {
            "prefs-comments-all"
        } else {
            "prefs-comments-mentioned"
        }
    }

    /// The custom selects: (field, form name, label key).
    pub fn custom_fields(&self) -> [(&'static str, &'static str, &'static str); 3] {
        [
            (
                "submitted",
                "on_advisory_submitted_for_review",
                "prefs-on-submitted",
            ),
            ("published", "on_advisory_published", "prefs-on-published"),
            (
                "export",
                "on_publication_export_status",
                "prefs-on-export-status",
            ),
        ]
    }

    /// A tri-state select's current value: "", "on" or "off".
    pub fn tri(&self, field: &str) -> &'static str {
        let v = match field {
            "submitted" => self.stored.on_advisory_submitted_for_review,
            "published" => self.stored.on_advisory_published,
            _ => self.stored.on_publication_export_status,
        };
        match v {
            None => "",
            Some(true) => "on",
            Some(false) => "off",
        }
    }

    pub fn comments_value(&self) -> &'static str {
        self.stored.comments_all.map_or("", level)
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "notifications/advisory_panel_fragment.html")]
pub struct PanelFragment {
    pub ctx: PageContext,
    pub panel: Panel,
}

#[derive(Template, WebTemplate)]
#[template(path = "notifications/advisory_page.html")]
pub struct PanelPage {
    pub ctx: PageContext,
    pub panel: Panel,
}

async fn visible_panel(state: &AppState, caller: &Caller, raw_id: &str) -> Result<Panel, AppError> {
    let mut tx = caller.begin(state).await?;
    let (row, facts) = caller.visible(&mut tx, raw_id).await?;
    if !perm::can_override_advisory_notifications(Some(&caller.actor), &facts) {
        return Err(AppError::NotFound);
    }
    let data = PanelData::fetch(&mut tx, &caller.actor, &row, &facts).await?;
    let panel = Panel::from_row(&row.advisory_id, &data.notifications);
    tx.commit().await?;
    Ok(panel)
}

/// `GET /notifications/advisory/{id}/preferences/`.
pub async fn advisory_page(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageContext,
    Fragment(htmx): Fragment,
    Path(raw_id): Path<String>,
) -> Result<Response, AppError> {
    let panel = visible_panel(&state, &caller, &raw_id).await?;
    Ok(if htmx {
        PanelFragment { ctx, panel }.into_response()
    } else {
        PanelPage { ctx, panel }.into_response()
    })
}

#[derive(Debug, Default, Deserialize)]
pub struct PanelForm {
    #[serde(default)]
    preset: String,
    #[serde(default)]
    on_advisory_submitted_for_review: String,
    #[serde(default)]
    on_advisory_published: String,
    #[serde(default)]
    on_publication_export_status: String,
    #[serde(default)]
    comments_level: String,
}

fn tri_state(field: &str, v: &str) -> Result<Option<bool>, AppError> {
    match v {
        "" => Ok(None),
        "on" => Ok(Some(true)),
        "off" => Ok(Some(false)),
        other => Err(AppError::BadRequest(format!(
            "{field} must be empty, on or off, not {other:?}."
        ))),
    }
}

impl PanelForm {
    fn to_override(&self) -> Result<(Override, Preset), AppError> {
        let preset = match self.preset.as_str() {
            "default" => Preset::Default,
            "all" => Preset::All,
            "digest" => Preset::Digest,
            "custom" => Preset::Custom,
            other => {
                return Err(AppError::BadRequest(format!(
                    "preset must be default, all, digest or custom, not {other:?}."
                )));
            }
        };
        if let Some(values) = preset.values() {
            return Ok((values, preset));
        }
        let custom = Override {
            on_advisory_submitted_for_review: tri_state(
                "on_advisory_submitted_for_review",
                &self.on_advisory_submitted_for_review,
            )?,
            on_advisory_published: tri_state("on_advisory_published", &self.on_advisory_published)?,
            on_publication_export_status: tri_state(
                "on_publication_export_status",
                &self.on_publication_export_status,
            )?,
            comments_all: match self.comments_level.as_str() {
                "" => None,
                "all" => Some(true),
                "mentioned" => Some(false),
                other => {
                    return Err(AppError::BadRequest(format!(
                        "comments_level must be empty, all or mentioned, not {other:?}."
                    )));
                }
            },
        };
        Ok((custom, preset))
    }
}

/// `POST /notifications/advisory/{id}/preferences/`.
#[expect(clippy::too_many_arguments, reason = "one extractor per input")]
pub async fn save_advisory_page(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageContext,
    origin: RequestOrigin,
    session: Session,
    Fragment(htmx): Fragment,
    Path(raw_id): Path<String>,
    Form(form): Form<PanelForm>,
) -> Result<Response, AppError> {
    let mut tx = caller.begin(&state).await?;
    caller.visible(&mut tx, &raw_id).await?;
    let (values, preset) = form.to_override()?;
    save_override(
        &mut tx,
        caller.service_ctx(&state, &origin),
        &raw_id,
        values,
    )
    .await?;
    tx.commit().await?;
    if htmx {
        let mut panel = visible_panel(&state, &caller, &raw_id).await?;
        // "Custom" stays open even when the values match a preset.
        if preset == Preset::Custom {
            panel.preset = Preset::Custom;
        }
        return Ok(PanelFragment { ctx, panel }.into_response());
    }
    flash::push(&session, Level::Success, ctx.t("prefs-saved"))
        .await
        .map_err(session_error)?;
    Ok(Redirect::to(&format!(
        "{}#advisory-notifications",
        routes::advisory(&raw_id)
    ))
    .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_are_recognised_from_what_is_stored() {
        for p in [Preset::Default, Preset::All, Preset::Digest] {
            assert_eq!(Preset::of(&p.values().unwrap_or_default()), p);
        }
        let odd = Override {
            on_advisory_published: Some(false),
            ..Override::default()
        };
        assert_eq!(Preset::of(&odd), Preset::Custom);
    }
}
