//! The sign-in pages: start, callback, step-up, sign-out, signed-out, and the
//! account page with its sessions.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::json;
use time::OffsetDateTime;
use tower_sessions::Session;

use super::oidc::{PendingFlow, SignInError, keep_flows, take_flow};
use super::session::{self as store, keys};
use super::step_up::grants_step_up;
use super::{MaybeUser, RequireUser, csrf, found, session_error};
use crate::access::users::{self, SignInRefused};
use crate::audit::access_log::RequestOrigin;
use crate::audit::catalogue::Action;
use crate::audit::{self, Entry};
use crate::config::Config;
use crate::web::AppState;
use crate::web::context::PageContext;
use crate::web::error::AppError;
use crate::web::flash::{self, Level};
use crate::web::layers::is_secure;
use crate::web::routes;

/// This site's origin as the browser sees it: `ADVISORYHUB_BASE_URL`, else
/// the request's scheme and host.
pub fn public_origin(config: &Config, headers: &HeaderMap) -> String {
    if let Some(base) = &config.base_url {
        return base.clone();
    }
    let scheme = if config.secure_cookies() || is_secure(config, headers) {
        "https"
    } else {
        "http"
    };
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("localhost");
    format!("{scheme}://{host}")
}

fn now() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

#[derive(Debug, Deserialize)]
pub struct NextQuery {
    #[serde(default)]
    next: Option<String>,
}

/// The sign-in error page: what went wrong, and a way to try again.
#[derive(Template, WebTemplate)]
#[template(path = "auth/sign_in_failed.html")]
pub struct SignInFailedPage {
    pub ctx: PageContext,
    pub message: String,
}

struct Failure {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl From<SignInError> for Failure {
    fn from(e: SignInError) -> Self {
        let status = match e {
            SignInError::NotConfigured => StatusCode::SERVICE_UNAVAILABLE,
            SignInError::ProviderUnavailable(_) => StatusCode::BAD_GATEWAY,
            _ => StatusCode::BAD_REQUEST,
        };
        Failure {
            status,
            code: e.code(),
            message: e.to_string(),
        }
    }
}

impl From<SignInRefused> for Failure {
    fn from(e: SignInRefused) -> Self {
        let (status, code) = match e {
            SignInRefused::Banned => (StatusCode::FORBIDDEN, "banned"),
            SignInRefused::UntrustedEmail => (StatusCode::FORBIDDEN, "untrusted_email"),
            SignInRefused::SubjectConflict => (StatusCode::FORBIDDEN, "subject_conflict"),
            SignInRefused::Database(ref db) => {
                tracing::error!(error = %db, "sign-in failed on the database");
                (StatusCode::SERVICE_UNAVAILABLE, "database")
            }
        };
        let message = if matches!(e, SignInRefused::Database(_)) {
            "the sign-in could not be saved; try again in a moment".to_owned()
        } else {
            e.to_string()
        };
        Failure {
            status,
            code,
            message,
        }
    }
}

/// Starts an authorization request and sends the browser to the provider.
async fn start(
    state: &AppState,
    session: &Session,
    headers: &HeaderMap,
    next: Option<String>,
    step_up: bool,
) -> Result<Response, Failure> {
    let redirect_uri = format!(
        "{}{}",
        public_origin(&state.config, headers),
        routes::OIDC_CALLBACK
    );
    let next = next.filter(|n| routes::is_local_path(n));
    let now = now();
    let (url, flow) = state.oidc.begin(&redirect_uri, next, step_up, now).await?;
    let flows: Vec<PendingFlow> = session
        .get(keys::OIDC_FLOWS)
        .await
        .map_err(|e| Failure::from(SignInError::ProviderError(e.to_string())))?
        .unwrap_or_default();
    session
        .insert(keys::OIDC_FLOWS, keep_flows(flows, now, flow))
        .await
        .map_err(|e| Failure::from(SignInError::ProviderError(e.to_string())))?;
    Ok(found(&url))
}

/// Renders a failure and records it (`auth.failed_login`, no actor).
async fn fail(
    state: &AppState,
    ctx: PageContext,
    origin: &RequestOrigin,
    failure: Failure,
    query: &CallbackQuery,
) -> Response {
    tracing::warn!(reason = failure.code, message = %failure.message, "sign-in failed");
    let clip = |s: &Option<String>| {
        s.as_deref()
            .map(|v| v.chars().take(500).collect::<String>())
    };
    let metadata = json!({
        "reason": failure.code,
        "error": clip(&query.error),
        "error_description": clip(&query.error_description),
    });
    match state.pool.acquire().await {
        Ok(mut conn) => {
            let entry = Entry::new(Action::AuthFailedLogin, None, Some(origin)).metadata(metadata);
            if let Err(e) = audit::record(&mut conn, &state.redactor, entry).await {
                tracing::error!(error = %e, "could not record a failed sign-in");
            }
        }
        Err(e) => tracing::error!(error = %e, "could not record a failed sign-in"),
    }
    let page = SignInFailedPage {
        ctx,
        message: failure.message,
    };
    (failure.status, page).into_response()
}

/// `GET /oidc/authenticate/[?next=<path>]`.
#[tracing::instrument(name = "http.oidc.authenticate", skip_all)]
pub async fn authenticate(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
    ctx: PageContext,
    origin: RequestOrigin,
    Query(q): Query<NextQuery>,
) -> Response {
    match start(&state, &session, &headers, q.next, false).await {
        Ok(resp) => resp,
        Err(f) => fail(&state, ctx, &origin, f, &CallbackQuery::default()).await,
    }
}

/// `GET /oidc/step-up/`: a forced re-authentication, returning to the page
/// the step-up gate remembered.
#[tracing::instrument(name = "http.oidc.step_up", skip_all)]
pub async fn step_up(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
    ctx: PageContext,
    origin: RequestOrigin,
    _user: RequireUser,
    Query(q): Query<NextQuery>,
) -> Response {
    let remembered: Option<String> = session.get(keys::STEP_UP_NEXT).await.ok().flatten();
    let next = remembered.or(q.next);
    match start(&state, &session, &headers, next, true).await {
        Ok(resp) => resp,
        Err(f) => fail(&state, ctx, &origin, f, &CallbackQuery::default()).await,
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

/// `GET /oidc/callback/`: completes the sign-in.
#[tracing::instrument(name = "http.oidc.callback", skip_all)]
pub async fn callback(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
    ctx: PageContext,
    origin: RequestOrigin,
    RawQuery(raw): RawQuery,
) -> Response {
    // Parsed here rather than by an extractor, so that even a mangled
    // callback ends on the sign-in error page and in the access log.
    let query: CallbackQuery = raw
        .as_deref()
        .and_then(|q| serde_urlencoded::from_str(q).ok())
        .unwrap_or_default();
    match complete(&state, &session, &headers, &origin, &query).await {
        Ok(resp) => resp,
        Err(f) => fail(&state, ctx, &origin, f, &query).await,
    }
}

async fn complete(
    state: &AppState,
    session: &Session,
    headers: &HeaderMap,
    origin: &RequestOrigin,
    query: &CallbackQuery,
) -> Result<Response, Failure> {
    let store_error = |e: tower_sessions::session::Error| Failure {
        status: StatusCode::SERVICE_UNAVAILABLE,
        code: "session",
        message: format!("the session could not be read: {e}"),
    };
    let now = now();
    let mut flows: Vec<PendingFlow> = session
        .get(keys::OIDC_FLOWS)
        .await
        .map_err(store_error)?
        .unwrap_or_default();
    // The flow is consumed whatever happens next: a callback works once.
    let flow = query
        .state
        .as_deref()
        .and_then(|s| take_flow(&mut flows, s, now));
    session
        .insert(keys::OIDC_FLOWS, &flows)
        .await
        .map_err(store_error)?;
    if let Some(error) = &query.error {
        let description = query.error_description.as_deref().unwrap_or_default();
        return Err(SignInError::ProviderError(
            format!("{error} {description}")
                .trim()
                .chars()
                .take(300)
                .collect(),
        )
        .into());
    }
    let flow = flow.ok_or(SignInError::UnknownState)?;
    let code = query
        .code
        .as_deref()
        .filter(|c| !c.is_empty())
        .ok_or_else(|| SignInError::CodeRejected("the response carries no code".into()))?;
    let redirect_uri = format!(
        "{}{}",
        public_origin(&state.config, headers),
        routes::OIDC_CALLBACK
    );
    let verified = state.oidc.finish(&flow, &redirect_uri, code).await?;

    let step_up = flow.step_up && grants_step_up(verified.auth_time, now, &state.config);
    if flow.step_up && !step_up {
        tracing::warn!(
            auth_time = ?verified.auth_time,
            "step-up not granted: the provider did not prove a fresh credential entry"
        );
    }
    let signed_in_at = OffsetDateTime::from_unix_timestamp(now)
        .map_err(|e| SignInError::ProviderError(e.to_string()))?;
    let mut tx = state.pool.begin().await.map_err(SignInRefused::from)?;
    let user = users::sign_in(
        &mut tx,
        &verified.claims,
        &state.config.oidc.admin_group,
        signed_in_at,
    )
    .await?;
    // Step 7 of 80-integrations §2.3: before the login is recorded.
    crate::access::invitations::redeem_at_sign_in(
        &mut tx,
        &state.redactor,
        Some(origin),
        user.id,
        verified.claims.trusted_email(),
    )
    .await
    .map_err(|e| SignInRefused::from(sqlx::Error::from(e)))?;
    // Ruling 40: until the user picks one, e-mails follow the language the
    // browser asked for at sign-in.
    sqlx::query!(
        "UPDATE app_user SET language = $2 WHERE id = $1 AND language = ''",
        user.id,
        crate::i18n::Lang::negotiate(headers).tag()
    )
    .execute(&mut *tx)
    .await
    .map_err(SignInRefused::from)?;
    let action = if step_up {
        Action::AuthStepUpCompleted
    } else {
        Action::AuthLogin
    };
    audit::record(
        &mut tx,
        &state.redactor,
        Entry::new(action, Some(user.id), Some(origin)),
    )
    .await
    .map_err(|e| SignInRefused::from(sqlx::Error::from(e)))?;
    tx.commit().await.map_err(SignInRefused::from)?;

    establish(session, &user, &verified, origin, now, step_up)
        .await
        .map_err(store_error)?;
    let target = flow
        .next
        .filter(|n| routes::is_local_path(n))
        .unwrap_or_else(|| routes::HOME.to_owned());
    Ok(found(&target))
}

/// Turns the session into a signed-in one.
async fn establish(
    session: &Session,
    user: &users::SignedInUser,
    verified: &super::oidc::VerifiedSignIn,
    origin: &RequestOrigin,
    now: i64,
    step_up: bool,
) -> Result<(), tower_sessions::session::Error> {
    // A new session id at every sign-in: an id planted before it is worthless.
    session.clear().await;
    session.cycle_id().await?;
    let ip = origin.ip.map(|ip| ip.to_string());
    let inserts: [(&str, serde_json::Value); 6] = [
        (keys::IDENTITY, json!(user)),
        (keys::SIGNED_IN_AT, json!(now)),
        (keys::TOUCHED_AT, json!(now)),
        (keys::ID_TOKEN, json!(verified.id_token)),
        (keys::IP, json!(ip)),
        (keys::USER_AGENT, json!(origin.user_agent)),
    ];
    for (key, value) in inserts {
        session.insert_value(key, value).await?;
    }
    csrf::rotate(session).await?;
    if step_up {
        session.insert(keys::STEP_UP_AT, now).await?;
        flash::push(
            session,
            Level::Info,
            "Re-authenticated — repeat the action to continue.",
        )
        .await?;
    }
    Ok(())
}

/// `POST /oidc/logout/`: ends the session, then the provider's session when
/// it offers an end-session endpoint.
#[tracing::instrument(name = "http.oidc.logout", skip_all)]
pub async fn logout(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
    origin: RequestOrigin,
    MaybeUser(user): MaybeUser,
) -> Result<Response, AppError> {
    let id_token: Option<String> = session.get(keys::ID_TOKEN).await.map_err(session_error)?;
    if let Some(user) = &user {
        let mut conn = state.pool.acquire().await?;
        let entry = Entry::new(Action::AuthLogout, Some(user.id), Some(&origin));
        audit::record(&mut conn, &state.redactor, entry)
            .await
            .map_err(sqlx::Error::from)?;
    }
    session.flush().await.map_err(session_error)?;
    let signed_out = format!(
        "{}{}",
        public_origin(&state.config, &headers),
        routes::SIGNED_OUT
    );
    let target = match &id_token {
        Some(hint) => state.oidc.end_session_url(&signed_out, Some(hint)).await,
        None => None,
    };
    Ok(found(target.as_deref().unwrap_or(routes::SIGNED_OUT)))
}

#[derive(Template, WebTemplate)]
#[template(path = "auth/signed_out.html")]
pub struct SignedOutPage {
    pub ctx: PageContext,
}

/// `GET /accounts/signed-out/`.
#[tracing::instrument(name = "http.accounts.signed_out", skip_all)]
pub async fn signed_out(ctx: PageContext) -> SignedOutPage {
    SignedOutPage { ctx }
}

/// One row of the account page's session list.
pub struct SessionRow {
    pub current: bool,
    pub signed_in_at: String,
    pub last_used_at: String,
    pub ip: String,
    pub user_agent: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "auth/account.html")]
pub struct AccountPage {
    pub ctx: PageContext,
    pub email: String,
    pub display_name: String,
    pub groups: Vec<String>,
    pub admin_group: String,
    pub is_admin: bool,
    pub sessions: Vec<SessionRow>,
}

impl AccountPage {
    pub fn end_sessions_path(&self) -> &'static str {
        routes::ACCOUNT_SIGN_OUT_EVERYWHERE
    }
}

fn format_time(t: OffsetDateTime) -> String {
    let f = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    t.to_offset(time::UtcOffset::UTC)
        .format(&f)
        .unwrap_or_default()
}

/// `GET /account/`: profile, groups and live sessions.
#[tracing::instrument(name = "http.account.get", skip_all)]
pub async fn account(
    State(state): State<AppState>,
    session: Session,
    ctx: PageContext,
    RequireUser(user): RequireUser,
) -> Result<AccountPage, AppError> {
    let mut conn = state.pool.acquire().await?;
    let groups = users::group_names(&mut conn, user.id).await?;
    let current = session.id().map(|id| store::stored_id(&id));
    let sessions = store::active_for_user(&mut conn, user.id, state.config.session_max_age)
        .await?
        .into_iter()
        .map(|s| SessionRow {
            current: current.as_deref() == Some(s.id_hash.as_slice()),
            signed_in_at: format_time(s.signed_in_at),
            last_used_at: format_time(s.last_used_at),
            ip: s.ip.unwrap_or_default(),
            user_agent: s.user_agent,
        })
        .collect();
    Ok(AccountPage {
        ctx,
        email: user.email,
        display_name: user.display_name,
        is_admin: groups.contains(&state.config.oidc.admin_group),
        groups,
        admin_group: state.config.oidc.admin_group.clone(),
        sessions,
    })
}

/// `POST /account/sign-out-everywhere/`: signs the user out everywhere,
/// this browser included.
#[tracing::instrument(name = "http.account.end_sessions", skip_all)]
pub async fn end_sessions(
    State(state): State<AppState>,
    session: Session,
    origin: RequestOrigin,
    RequireUser(user): RequireUser,
) -> Result<Response, AppError> {
    let mut tx = state.pool.begin().await?;
    let ended = store::end_all_for_user(&mut tx, user.id).await?;
    let entry = Entry::new(Action::AuthLogout, Some(user.id), Some(&origin))
        .metadata(json!({"everywhere": true, "sessions": ended}));
    audit::record(&mut tx, &state.redactor, entry)
        .await
        .map_err(sqlx::Error::from)?;
    tx.commit().await?;
    session.flush().await.map_err(session_error)?;
    Ok(Redirect::to(routes::SIGNED_OUT).into_response())
}
