//! The public report form in a real headless Chromium: `tests/browser/intake.mjs`
//! (playwright-core) files an anonymous report from the top bar's link,
//! with JavaScript turned off (the plain project select) and with it on (the
//! select filtered through `/report/projects.json`); both reach the
//! thank-you page. The reports must then be in the database as triage
//! advisories with their intake sidecars. Console errors and CSP violations
//! fail it. The browser must be installed (Debian's `chromium`, as `.ci/run`
//! does); a missing one is a failure, never a skip.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on purpose"
)]

mod common;

use std::time::Duration;

use common::site::Site;
use common::world::projects;

/// A filed report: summary, state, project, reporter, credit name, user
/// agent, routing flag.
type Filed = (
    String,
    String,
    uuid::Uuid,
    Option<i64>,
    String,
    String,
    bool,
);

#[tokio::test]
async fn chromium_files_anonymous_reports_with_and_without_javascript() {
    let site = Site::start(&[]).await;
    let jetty = projects(&site.db.pool).await.jetty;

    let stdout = common::browser::run("intake.mjs", &site, Duration::from_secs(180)).await;

    let mut reported: Vec<String> = stdout
        .lines()
        .filter_map(|l| {
            l.split_once("]: ")
                .filter(|(k, _)| k.starts_with("report ["))
        })
        .map(|(_, summary)| summary.trim().to_owned())
        .collect();
    reported.sort();
    assert_eq!(
        reported.len(),
        2,
        "intake.mjs reports two reports:\n{stdout}"
    );

    let rows: Vec<Filed> = sqlx::query_as(
        "SELECT a.summary, a.state, a.project_id, i.reporter_user_id, i.reporter_display_name,
                i.submitted_user_agent, i.needs_admin_routing
         FROM advisory a JOIN advisory_intake i ON i.advisory_id = a.id
         ORDER BY a.summary",
    )
    .fetch_all(&site.db.pool)
    .await
    .unwrap();
    let summaries: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
    assert_eq!(
        summaries, reported,
        "the reports in the database are not the ones filed"
    );
    for (summary, state, project, reporter, name, user_agent, routing) in &rows {
        assert_eq!(state, "triage", "{summary}");
        assert_eq!(*project, jetty, "{summary}");
        assert_eq!(*reporter, None, "{summary}: anonymous");
        assert_eq!(name, "Jane H.", "{summary}");
        assert!(user_agent.contains("Chrome"), "{summary}: {user_agent}");
        assert!(!routing, "{summary}");
    }
    let details: Vec<String> = sqlx::query_scalar("SELECT details FROM advisory")
        .fetch_all(&site.db.pool)
        .await
        .unwrap();
    assert!(
        details
            .iter()
            .all(|d| d.contains("<script>alert(1)</script>")),
        "the markdown is stored as typed: {details:?}"
    );
}

// The proof-of-work captcha in the browser (50-web-ui §15.4): with
// JavaScript the vendored widget solves our challenge under the page's CSP
// and the report is filed; without it the form explains the check and the
// report is refused (400), storing nothing.
#[tokio::test]
async fn chromium_solves_the_captcha_with_javascript_and_is_told_why_without() {
    let site = Site::start(&[("ALTCHA_HMAC_KEY", "browser-test-altcha-key")]).await;
    projects(&site.db.pool).await;

    let stdout = common::browser::run("intake.mjs", &site, Duration::from_secs(240)).await;
    assert!(stdout.contains("refused [no-js]: "), "{stdout}");
    let filed: Vec<String> = sqlx::query_scalar("SELECT summary FROM advisory")
        .fetch_all(&site.db.pool)
        .await
        .unwrap();
    assert_eq!(
        filed,
        ["Request smuggling in the HTTP/1 parser (js walk)"],
        "only the walk with JavaScript filed a report"
    );
    let spent: i64 =
        sqlx::query_scalar("SELECT count(*) FROM cache_entries WHERE key LIKE 'altcha:used:%'")
            .fetch_one(&site.db.pool)
            .await
            .unwrap();
    assert_eq!(spent, 1, "the solution was recorded as used");
}
