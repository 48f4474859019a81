//! Typed route values: the one place where paths are spelled, used by the
//! router and by templates alike.

use std::fmt::Write as _;

pub const HOME: &str = "/";
pub const HEALTHZ: &str = "/healthz";
pub const READYZ: &str = "/readyz";
pub const METRICS: &str = "/metrics";
pub const SET_LANGUAGE: &str = "/i18n/lang";
pub const STATIC: &str = "/static/{*path}";
pub const SIGN_IN: &str = "/oidc/authenticate/";
pub const OIDC_CALLBACK: &str = "/oidc/callback/";
pub const STEP_UP: &str = "/oidc/step-up/";
pub const SIGN_OUT: &str = "/oidc/logout/";
pub const SIGNED_OUT: &str = "/accounts/signed-out/";
pub const ACCOUNT: &str = "/account/";
/// The specification's profile address, kept as a redirect.
pub const ACCOUNT_LEGACY: &str = "/accounts/me/";
pub const ACCOUNT_SIGN_OUT_EVERYWHERE: &str = "/account/sign-out-everywhere/";
pub const ADMIN_USER: &str = "/admin/users/{id}/";
pub const ADMIN_USER_BAN: &str = "/admin/users/{id}/ban/";
pub const ADMIN_USER_UNBAN: &str = "/admin/users/{id}/unban/";
pub const ADVISORIES: &str = "/advisories/";
pub const ADVISORY_NEW: &str = "/advisories/new/";
pub const ADVISORY: &str = "/advisories/{id}/";
/// The live CVSS score of a vector as typed.
pub const ADVISORY_CVSS: &str = "/advisories/cvss/";
pub const ADVISORY_EDIT: &str = "/advisories/{id}/edit/";
pub const ADVISORY_HISTORY: &str = "/advisories/{id}/history/";
/// The access panel (a fragment for htmx, else a page) and its save.
pub const ADVISORY_ACCESS: &str = "/advisories/{id}/access/";
pub const ADVISORY_ACCESS_SAVE: &str = "/advisories/{id}/access/save/";
pub const ADVISORY_ACCESS_REVIEW_DISMISS: &str = "/advisories/{id}/access-review/dismiss/";
/// The link an invitation e-mail carries (consistency ruling 9).
pub const INVITATION: &str = "/invitations/{token}/";
pub const ADVISORY_TIMELINE: &str = "/advisories/{id}/timeline/";
pub const COMMENT_NEW: &str = "/advisories/{id}/comments/new/";
pub const COMMENT_EDIT: &str = "/advisories/{id}/comments/{comment_id}/edit/";
pub const COMMENT_HISTORY: &str = "/advisories/{id}/comments/{comment_id}/history/";
pub const COMMENT_REDACT: &str = "/advisories/{id}/comments/{comment_id}/redact/";
pub const COMMENT_MENTIONS: &str = "/advisories/{id}/comments/mentions/";
pub const COMMENTS_LOCK: &str = "/advisories/{id}/lock-comments/";
pub const COMMENTS_UNLOCK: &str = "/advisories/{id}/unlock-comments/";
pub const NOTIFICATIONS: &str = "/notifications/";
pub const NOTIFICATION_READ: &str = "/notifications/{nid}/read/";
pub const NOTIFICATIONS_READ_ALL: &str = "/notifications/read-all/";
pub const NOTIFICATION_PREFERENCES: &str = "/notifications/preferences/";
pub const ADVISORY_NOTIFICATION_PREFERENCES: &str = "/notifications/advisory/{id}/preferences/";
// review routes (20 §7)
/// The review actions (50-web-ui §2.2).
pub const REVIEW_SUBMIT: &str = "/advisories/{id}/submit-review/";
pub const REVIEW_WITHDRAW: &str = "/advisories/{id}/withdraw-review/";
pub const REVIEW_REOPEN: &str = "/advisories/{id}/reopen-review/";
pub const REVIEW_REVOKE: &str = "/advisories/{id}/revoke-approval/";
/// Approve or request changes (`decision`), with optional `notes`.
pub const REVIEW_DECIDE: &str = "/advisories/{id}/review/decide/";
// cve routes (20 §8)
/// The CVE panel's actions (20-lifecycle §8, 50-web-ui §6.2).
pub const ADVISORY_CVE_REQUEST: &str = "/advisories/{id}/cve/request/";
pub const ADVISORY_CVE_TRANSITION: &str = "/advisories/{id}/cve/requests/{task_id}/transition/";
pub const ADVISORY_CVE_UNASSIGN: &str = "/advisories/{id}/cve/unassign/";
pub const ADVISORY_CVE_UNBAN: &str = "/advisories/{id}/cve/unban/";
/// The admin console's CVE assignment page and its row actions (50-web-ui §14.2).
pub const ADMIN_CVES: &str = "/admin/cves/";
pub const ADMIN_CVE_TRANSITION: &str = "/admin/cve/{task_id}/transition/";
pub const ADMIN_CVE_ALLOW: &str = "/admin/cve/allow/{id}/";
pub const ADMIN_ORPHAN_MARK_REJECTED: &str = "/admin/orphans/{orphan_id}/mark-rejected/";
pub const ADMIN_ORPHAN_RESOLVE: &str = "/admin/orphans/reassignment/{task_id}/resolve/";

/// A route of one CVE request of an advisory.
pub fn of_cve_task(route: &str, public_id: &str, task_id: i64) -> String {
    route
        .replace("{id}", public_id)
        .replace("{task_id}", &task_id.to_string())
}

/// An admin route of one CVE request, orphan or reassignment task.
pub fn of_cve_admin(route: &str, id: i64) -> String {
    route
        .replace("{task_id}", &id.to_string())
        .replace("{orphan_id}", &id.to_string())
}
// publication routes (50 §2.3, §11)
/// Publishing, retrying and the stored documents (50-web-ui §2.3, §11), and
/// the advisory page's publication card alone (polled while a run is open).
pub const PUBLICATION_PUBLISH: &str = "/publication/{id}/publish/";
pub const PUBLICATION_RETRY: &str = "/publication/tasks/{task_id}/retry/";
pub const PUBLICATION_ARTIFACT: &str = "/publication/tasks/{task_id}/artifact/{kind}/";
pub const PUBLICATION_ARTIFACT_DOWNLOAD: &str =
    "/publication/tasks/{task_id}/artifact/{kind}/download/";
pub const ADVISORY_PUBLICATION: &str = "/advisories/{id}/publication/";
pub const ADMIN_PUBLICATIONS: &str = "/admin/publications/";

/// A route of one publication task, and of one of its documents (`{kind}`).
pub fn of_publication_task(route: &str, task_id: i64, kind: &str) -> String {
    route
        .replace("{task_id}", &task_id.to_string())
        .replace("{kind}", kind)
}
// workflow routes (20 §9–11)
/// Dismissal, reopening, withdrawal and reassignment (50-web-ui §2.2).
pub const ADVISORY_DISMISS: &str = "/advisories/{id}/dismiss/";
pub const ADVISORY_REOPEN: &str = "/advisories/{id}/reopen/";
pub const ADVISORY_WITHDRAW: &str = "/advisories/{id}/withdraw/";
pub const ADVISORY_REQUEST_WITHDRAWAL: &str = "/advisories/{id}/request-withdrawal/";
pub const ADVISORY_CANCEL_WITHDRAWAL_REQUEST: &str = "/advisories/{id}/cancel-withdrawal-request/";
pub const ADVISORY_APPROVE_WITHDRAWAL: &str = "/advisories/{id}/approve-withdrawal/";
pub const ADVISORY_REQUEST_REASSIGNMENT: &str = "/advisories/{id}/request-reassignment/";
pub const ADVISORY_REQUEST_REASSIGNMENT_MODAL: &str =
    "/advisories/{id}/request-reassignment/modal/";
pub const ADVISORY_WITHDRAW_REASSIGNMENT: &str = "/advisories/{id}/withdraw-reassignment/";
pub const ADVISORY_WITHDRAW_REASSIGNMENT_MODAL: &str =
    "/advisories/{id}/withdraw-reassignment/modal/";
pub const ADVISORY_ACCEPT_REASSIGNMENT: &str = "/advisories/{id}/accept-reassignment/";
// admin console routes (50 §14)
/// Every admin-console path starts here; `admin::console::guard` refuses
/// anyone but a global admin on all of them (P-46).
pub const ADMIN_PREFIX: &str = "/admin/";
pub const ADMIN_PROJECTS: &str = "/admin/projects/";
pub const ADMIN_PROJECT_NEW: &str = "/admin/projects/new/";
pub const ADMIN_PROJECT_EDIT: &str = "/admin/projects/{project_id}/edit/";
pub const ADMIN_USERS: &str = "/admin/users/";
pub const ADMIN_GROUPS: &str = "/admin/groups/";
pub const ADMIN_GROUP: &str = "/admin/groups/{group_id}/";
pub const ADMIN_AUDIT: &str = "/admin/audit/";
pub const ADMIN_ACCESS_LOG: &str = "/admin/access-log/";
/// Dead-lettered jobs and their re-queue (consistency ruling 13).
pub const ADMIN_JOBS: &str = "/admin/jobs/";
pub const ADMIN_JOB_RETRY: &str = "/admin/jobs/{job_id}/retry/";

/// A route of one project (`{project_id}`), group (`{group_id}`) or job
/// (`{job_id}`) of the admin console.
pub fn of_admin(route: &str, id: impl std::fmt::Display) -> String {
    let id = id.to_string();
    route
        .replace("{project_id}", &id)
        .replace("{group_id}", &id)
        .replace("{job_id}", &id)
}

// triage routes (20 §6, 50 §2.2)
/// Triage decisions on a report (50-web-ui §2.2, §6.6).
pub const ADVISORY_PROMOTE: &str = "/advisories/{id}/promote/";
pub const ADVISORY_FLAG: &str = "/advisories/{id}/flag/";
pub const ADVISORY_FLAG_MODAL: &str = "/advisories/{id}/flag/modal/";
pub const ADVISORY_CLEAR_ROUTING_FLAG: &str = "/advisories/{id}/clear-routing-flag/";
pub const ADVISORY_REASSIGN: &str = "/advisories/{id}/reassign/";
// admin inbox (50 §14.1)
/// The admin console's inbox, filtered by `?category=` (50-web-ui §14.1).
pub const ADMIN_INBOX: &str = "/admin/";
// maintenance routes (90 §7, 50 §14.11)
/// The maintenance switch, and a user's right to be forgotten (50-web-ui §2.6).
pub const ADMIN_MAINTENANCE: &str = "/admin/maintenance/";
pub const ADMIN_USER_FORGET: &str = "/admin/users/{id}/forget/";

pub fn admin_user_forget(id: i64) -> String {
    ADMIN_USER_FORGET.replace("{id}", &id.to_string())
}
// intake routes (50 §15)
/// The public report form, the page every submission ends on, and the
/// project picker's JSON (50-web-ui §2.7, 60-api §5).
pub const REPORT: &str = "/report/";
pub const REPORT_THANK_YOU: &str = "/report/thank-you/";
pub const REPORT_PROJECTS: &str = "/report/projects.json";
/// Prefix of the JSON API, whose errors are JSON.
pub const API_PREFIX: &str = "/api/";

/// Paths that never redirect to HTTPS (probes come in over plain HTTP).
pub fn exempt_from_https_redirect(path: &str) -> bool {
    matches!(path, HEALTHZ | READYZ | METRICS)
}

/// Where sign-in starts, returning to `next` afterwards.
pub fn sign_in_url(next: Option<&str>) -> String {
    match next.filter(|n| is_local_path(n) && *n != HOME) {
        Some(n) => format!("{SIGN_IN}?next={}", percent_encode(n)),
        None => SIGN_IN.to_owned(),
    }
}

pub fn advisory(public_id: &str) -> String {
    ADVISORY.replace("{id}", public_id)
}

/// A route of one advisory (`{id}`), and of one comment (`{comment_id}`).
pub fn of_advisory(route: &str, public_id: &str) -> String {
    route.replace("{id}", public_id)
}

pub fn of_comment(route: &str, public_id: &str, comment_id: i64) -> String {
    route
        .replace("{id}", public_id)
        .replace("{comment_id}", &comment_id.to_string())
}

pub fn invitation(token: &str) -> String {
    INVITATION.replace("{token}", token)
}

pub fn advisory_edit(public_id: &str) -> String {
    ADVISORY_EDIT.replace("{id}", public_id)
}

pub fn advisory_history(public_id: &str) -> String {
    ADVISORY_HISTORY.replace("{id}", public_id)
}

/// The page of one user in the admin console.
pub fn admin_user(id: i64) -> String {
    ADMIN_USER.replace("{id}", &id.to_string())
}

pub fn admin_user_ban(id: i64) -> String {
    ADMIN_USER_BAN.replace("{id}", &id.to_string())
}

pub fn admin_user_unban(id: i64) -> String {
    ADMIN_USER_UNBAN.replace("{id}", &id.to_string())
}

/// Percent-encodes everything but unreserved characters, for a query value.
pub fn percent_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// Whether `next` is a path on this site, safe to redirect to.
pub fn is_local_path(next: &str) -> bool {
    next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && !next.chars().any(char::is_control)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_in_returns_only_to_local_paths() {
        assert_eq!(sign_in_url(None), SIGN_IN);
        assert_eq!(
            sign_in_url(Some("/account/?a=1&b=2")),
            "/oidc/authenticate/?next=/account/%3Fa%3D1%26b%3D2"
        );
        assert_eq!(sign_in_url(Some("//evil.example/")), SIGN_IN);
        assert_eq!(sign_in_url(Some("https://evil.example/")), SIGN_IN);
    }
}
