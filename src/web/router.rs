//! The whole route table, and the layer stack around it.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::response::Redirect;
use axum::routing::{get, post};
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;

use super::ratelimit::{self, RouteLimit};
use super::{AppState, assets, error, layers, pages, routes};
use crate::config::MetricsListener;
use crate::jobs::worker::Heartbeat;
use crate::ops::{health, metrics};
use crate::ratelimit::Rate;
use crate::{access, admin, advisories, auth, comments, notifications};

/// Longest a request may take before it is answered with 408.
const REQUEST_TIMEOUT: Duration = Duration::from_mins(1);

/// People switch language rarely; a burst is a script.
const LANGUAGE_SWITCH_RATE: Rate = Rate {
    limit: 30,
    period: Duration::from_mins(1),
};

// intake routes (50 §15)
/// The project picker's autocomplete (60-api §1.4).
const PROJECT_PICKER_RATE: Rate = Rate {
    limit: 60,
    period: Duration::from_mins(1),
};

/// The web application.
#[expect(clippy::too_many_lines, reason = "the whole route table, in one place")]
pub fn app(state: AppState) -> Router {
    let mut router = Router::new()
        .route(routes::HOME, get(pages::home))
        .route(
            routes::SET_LANGUAGE,
            post(pages::set_language).route_layer(from_fn_with_state(
                RouteLimit {
                    state: state.clone(),
                    group: "i18n.lang",
                    rate: LANGUAGE_SWITCH_RATE,
                },
                ratelimit::enforce,
            )),
        )
        .route(routes::SIGN_IN, get(auth::routes::authenticate))
        .route(routes::OIDC_CALLBACK, get(auth::routes::callback))
        .route(routes::STEP_UP, get(auth::routes::step_up))
        .route(routes::SIGN_OUT, post(auth::routes::logout))
        .route(routes::SIGNED_OUT, get(auth::routes::signed_out))
        .route(routes::ACCOUNT, get(auth::routes::account))
        .route(
            routes::ACCOUNT_LEGACY,
            get(|| async { Redirect::permanent(routes::ACCOUNT) }),
        )
        .route(
            routes::ACCOUNT_SIGN_OUT_EVERYWHERE,
            post(auth::routes::end_sessions),
        )
        .route(routes::ADVISORIES, get(advisories::pages::list))
        .route(
            routes::ADVISORY_NEW,
            get(advisories::editing::new_form).post(advisories::editing::create),
        )
        .route(routes::ADVISORY_CVSS, get(advisories::editing::cvss_score))
        .route(routes::ADVISORY, get(advisories::pages::detail))
        .route(
            routes::ADVISORY_EDIT,
            get(advisories::editing::edit_form).post(advisories::editing::edit),
        )
        .route(routes::ADVISORY_HISTORY, get(advisories::pages::history))
        .route(routes::ADVISORY_TIMELINE, get(comments::routes::show))
        .route(routes::COMMENT_NEW, post(comments::routes::create))
        .route(routes::COMMENT_MENTIONS, post(comments::routes::mentions))
        .route(
            routes::COMMENT_EDIT,
            get(comments::routes::edit_form).post(comments::routes::edit),
        )
        .route(routes::COMMENT_HISTORY, get(comments::routes::history))
        .route(routes::COMMENT_REDACT, post(comments::routes::redact))
        .route(routes::COMMENTS_LOCK, post(comments::routes::lock))
        .route(routes::COMMENTS_UNLOCK, post(comments::routes::unlock))
        .route(routes::NOTIFICATIONS, get(notifications::inbox::inbox))
        .route(
            routes::NOTIFICATION_READ,
            post(notifications::inbox::read_one),
        )
        .route(
            routes::NOTIFICATIONS_READ_ALL,
            post(notifications::inbox::read_all),
        )
        .route(
            routes::NOTIFICATION_PREFERENCES,
            get(notifications::preferences::global_page)
                .post(notifications::preferences::save_global_page),
        )
        .route(
            routes::ADVISORY_NOTIFICATION_PREFERENCES,
            get(notifications::preferences::advisory_page)
                .post(notifications::preferences::save_advisory_page),
        )
        .route(routes::ADVISORY_ACCESS, get(access::pages::show))
        .route(routes::ADVISORY_ACCESS_SAVE, post(access::pages::save))
        .route(
            routes::ADVISORY_ACCESS_REVIEW_DISMISS,
            post(access::pages::dismiss_review),
        )
        .route(routes::INVITATION, get(access::pages::follow))
        .route(routes::ADMIN_USER, get(admin::users::show))
        .route(routes::ADMIN_USER_BAN, post(admin::users::ban))
        .route(routes::ADMIN_USER_UNBAN, post(admin::users::unban))
        // admin console routes (50 §14)
        .route(routes::ADMIN_PROJECTS, get(admin::projects::list))
        .route(
            routes::ADMIN_PROJECT_NEW,
            get(admin::projects::new_form).post(admin::projects::create_page),
        )
        .route(
            routes::ADMIN_PROJECT_EDIT,
            get(admin::projects::edit_form).post(admin::projects::edit_page),
        )
        .route(routes::ADMIN_USERS, get(admin::directory::users))
        .route(routes::ADMIN_GROUPS, get(admin::directory::groups))
        .route(routes::ADMIN_GROUP, get(admin::directory::group))
        .route(routes::ADMIN_AUDIT, get(admin::audit_log::page))
        .route(routes::ADMIN_ACCESS_LOG, get(admin::access_log::page))
        .route(routes::ADMIN_JOBS, get(admin::jobs::page))
        .route(routes::ADMIN_JOB_RETRY, post(admin::jobs::retry))
        // review routes (20 §7)
        .route(routes::REVIEW_SUBMIT, post(crate::review::routes::submit))
        .route(
            routes::REVIEW_WITHDRAW,
            post(crate::review::routes::withdraw),
        )
        .route(routes::REVIEW_REOPEN, post(crate::review::routes::reopen))
        .route(routes::REVIEW_REVOKE, post(crate::review::routes::revoke))
        .route(routes::REVIEW_DECIDE, post(crate::review::routes::decide))
        // cve routes (20 §8)
        .route(
            routes::ADVISORY_CVE_REQUEST,
            post(crate::cve::routes::request),
        )
        .route(
            routes::ADVISORY_CVE_TRANSITION,
            post(crate::cve::routes::transition),
        )
        .route(
            routes::ADVISORY_CVE_UNASSIGN,
            post(crate::cve::routes::unassign),
        )
        .route(routes::ADVISORY_CVE_UNBAN, post(crate::cve::routes::unban))
        .route(routes::ADMIN_CVES, get(crate::cve::admin::page))
        .route(
            routes::ADMIN_CVE_TRANSITION,
            post(crate::cve::admin::transition),
        )
        .route(routes::ADMIN_CVE_ALLOW, post(crate::cve::admin::allow))
        .route(
            routes::ADMIN_ORPHAN_MARK_REJECTED,
            post(crate::cve::admin::mark_rejected),
        )
        .route(
            routes::ADMIN_ORPHAN_RESOLVE,
            post(crate::cve::admin::resolve),
        )
        // publication routes (50 §2.3, §11)
        .route(
            routes::PUBLICATION_PUBLISH,
            post(crate::publication::routes::publish),
        )
        .route(
            routes::PUBLICATION_RETRY,
            post(crate::publication::routes::retry),
        )
        .route(
            routes::PUBLICATION_ARTIFACT,
            get(crate::publication::routes::artifact),
        )
        .route(
            routes::PUBLICATION_ARTIFACT_DOWNLOAD,
            get(crate::publication::routes::download),
        )
        .route(
            routes::ADVISORY_PUBLICATION,
            get(crate::publication::routes::card),
        )
        .route(
            routes::ADMIN_PUBLICATIONS,
            get(crate::publication::admin::page),
        )
        // workflow routes (20 §9–11)
        .route(
            routes::ADVISORY_DISMISS,
            get(advisories::workflow::routes::dismiss_form)
                .post(advisories::workflow::routes::dismiss),
        )
        .route(
            routes::ADVISORY_REOPEN,
            post(advisories::workflow::routes::reopen),
        )
        .route(
            routes::ADVISORY_WITHDRAW,
            post(advisories::workflow::routes::withdraw),
        )
        .route(
            routes::ADVISORY_REQUEST_WITHDRAWAL,
            post(advisories::workflow::routes::request_withdrawal),
        )
        .route(
            routes::ADVISORY_CANCEL_WITHDRAWAL_REQUEST,
            post(advisories::workflow::routes::cancel_withdrawal_request),
        )
        .route(
            routes::ADVISORY_APPROVE_WITHDRAWAL,
            post(advisories::workflow::routes::approve_withdrawal),
        )
        .route(
            routes::ADVISORY_REQUEST_REASSIGNMENT_MODAL,
            get(advisories::workflow::routes::request_reassignment_form),
        )
        .route(
            routes::ADVISORY_REQUEST_REASSIGNMENT,
            post(advisories::workflow::routes::request_reassignment),
        )
        .route(
            routes::ADVISORY_WITHDRAW_REASSIGNMENT_MODAL,
            get(advisories::workflow::routes::withdraw_reassignment_form),
        )
        .route(
            routes::ADVISORY_WITHDRAW_REASSIGNMENT,
            post(advisories::workflow::routes::withdraw_reassignment),
        )
        .route(
            routes::ADVISORY_ACCEPT_REASSIGNMENT,
            post(advisories::workflow::routes::accept_reassignment),
        )
        // maintenance routes (90 §7, 50 §14.11)
        .route(routes::ADMIN_USER_FORGET, post(admin::users::forget))
        .route(
            routes::ADMIN_MAINTENANCE,
            get(admin::maintenance::show).post(admin::maintenance::save),
        )
        // admin inbox (50 §14.1)
        .route(routes::ADMIN_INBOX, get(admin::inbox::page))
        // triage routes (20 §6, 50 §2.2)
        .route(
            routes::ADVISORY_PROMOTE,
            post(advisories::workflow::triage_routes::promote),
        )
        .route(
            routes::ADVISORY_FLAG_MODAL,
            get(advisories::workflow::triage_routes::flag_form),
        )
        .route(
            routes::ADVISORY_FLAG,
            post(advisories::workflow::triage_routes::flag),
        )
        .route(
            routes::ADVISORY_CLEAR_ROUTING_FLAG,
            post(advisories::workflow::triage_routes::clear_flag),
        )
        .route(
            routes::ADVISORY_REASSIGN,
            post(advisories::workflow::triage_routes::reassign),
        )
        // intake routes (50 §15)
        .route(
            routes::REPORT,
            get(crate::intake::routes::form).post(crate::intake::routes::submit),
        )
        .route(
            routes::REPORT_THANK_YOU,
            get(crate::intake::routes::thank_you),
        )
        .route(
            routes::REPORT_PROJECTS,
            get(crate::intake::routes::projects).route_layer(from_fn_with_state(
                RouteLimit {
                    state: state.clone(),
                    group: "intake:projects",
                    rate: PROJECT_PICKER_RATE,
                },
                ratelimit::enforce,
            )),
        )
        .route(routes::HEALTHZ, get(health::healthz))
        .route(routes::READYZ, get(health::readyz))
        .route(routes::STATIC, get(assets::serve));
    if state.config.metrics == MetricsListener::WebPort {
        router = router.route(routes::METRICS, get(metrics::serve));
    }
    with_layers(router, state)
}

/// Wraps routes in the request layers (outermost first) and the 404 fallback.
pub fn with_layers(router: Router<AppState>, state: AppState) -> Router {
    let body_limit = state.config.max_request_body_bytes;
    router
        // admin console routes (50 §14): P-46 on every path under /admin/,
        // after CSRF and before the handler's extractors.
        .route_layer(from_fn_with_state(state.clone(), admin::console::guard))
        // Matched routes only, so an unknown path or method still answers 404
        // or 405; innermost, as it reads the session loaded around it.
        .route_layer(from_fn_with_state(state.clone(), auth::csrf::protect))
        // INV-MAINT-1: paused writes stop here, before CSRF and any handler.
        .route_layer(from_fn_with_state(
            state.clone(),
            crate::ops::maintenance::gate,
        ))
        .fallback(|| async { StatusCode::NOT_FOUND })
        .layer(auth::session::layer(&state.config, state.pool.clone()))
        .layer(
            ServiceBuilder::new()
                .layer(from_fn_with_state(state.clone(), layers::observe))
                .layer(from_fn_with_state(state.clone(), layers::security_headers))
                .layer(from_fn(error::render_errors))
                .layer(CatchPanicLayer::custom(error::panic_response))
                .layer(TimeoutLayer::with_status_code(
                    StatusCode::REQUEST_TIMEOUT,
                    REQUEST_TIMEOUT,
                ))
                .layer(from_fn_with_state(state.clone(), layers::client_addr))
                .layer(from_fn_with_state(state.clone(), layers::allowed_hosts))
                .layer(from_fn_with_state(state.clone(), layers::https_redirect))
                .layer(RequestBodyLimitLayer::new(body_limit))
                .layer(DefaultBodyLimit::max(body_limit)),
        )
        // Outermost, so everything inside runs to the end even when the
        // client leaves.
        .layer(from_fn(layers::run_to_completion))
        .with_state(state)
}

/// The private metrics listener (`METRICS_PORT`) of a web process.
pub fn metrics_app(metrics: metrics::Metrics) -> Router {
    Router::new()
        .route(routes::METRICS, get(metrics::serve))
        // review routes (20 §7)
        // cve routes (20 §8)
        // workflow routes (20 §9–11)
        .route(routes::HEALTHZ, get(health::healthz))
        .with_state(metrics)
}

/// The metrics and liveness listener of a worker process: `/healthz` is 503
/// when the job loop has not polled the database for a minute.
pub fn worker_metrics_app(metrics: metrics::Metrics, heartbeat: Arc<Heartbeat>) -> Router {
    Router::new()
        .route(routes::METRICS, get(metrics::serve))
        .with_state(metrics)
        .route(
            routes::HEALTHZ,
            get(move || std::future::ready(health::worker_healthz(&heartbeat))),
        )
}
