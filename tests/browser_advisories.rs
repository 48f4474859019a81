//! The advisory editor in a real headless Chromium: `tests/browser/advisories.mjs`
//! (playwright-core) signs in as bob (Eclipse Theia's security team) through
//! the dev identity provider, creates an advisory through the whole form
//! (rows added with the "Add …" buttons, a CVSS v4 vector, a CWE), checks the
//! detail page, edits it (new summary, a reference removed), reads the
//! History diff and gets a 422 for an invalid reference URL; once with
//! JavaScript (htmx swaps, live CVSS score) and once without. Console errors
//! and CSP violations fail it. The browser must be installed (Debian's
//! `chromium`, as `.ci/run` does); a missing one is a failure, never a skip.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on purpose"
)]

mod common;

use std::time::Duration;

use common::site::Site;
use common::world::projects;

// Create, view, edit, diff and a rejected save, in a real browser with and
// without JavaScript; then the database holds exactly what the two walks
// saved: two advisories of two versions each (the 422 saved nothing).
#[tokio::test]
async fn chromium_creates_and_edits_advisories_with_and_without_javascript() {
    let site = Site::start(&[]).await;
    let theia = projects(&site.db.pool).await.theia;

    let stdout = common::browser::run("advisories.mjs", &site, Duration::from_secs(300)).await;

    // The ids the script reports, one per walk.
    let mut reported: Vec<String> = stdout
        .lines()
        .filter_map(|l| {
            l.split_once("]: ")
                .filter(|(k, _)| k.starts_with("advisory ["))
        })
        .map(|(_, id)| id.trim().to_owned())
        .collect();
    reported.sort();
    assert_eq!(
        reported.len(),
        2,
        "advisories.mjs reports two advisories:\n{stdout}"
    );

    let rows: Vec<(String, uuid::Uuid, String, i64, Option<i32>)> = sqlx::query_as(
        "SELECT a.advisory_id, a.project_id, a.summary, count(v.id), max(v.version)
         FROM advisory a LEFT JOIN advisory_version v ON v.advisory_id = a.id
         GROUP BY a.id ORDER BY a.advisory_id",
    )
    .fetch_all(&site.db.pool)
    .await
    .unwrap();
    assert_eq!(
        rows.len(),
        2,
        "expected the two advisories the walks created: {rows:#?}"
    );
    let ids: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
    assert_eq!(
        ids, reported,
        "the advisories in the database are not the ones reported"
    );
    let mut summaries: Vec<&str> = rows.iter().map(|r| r.2.as_str()).collect();
    summaries.sort_unstable();
    assert_eq!(
        summaries,
        [
            "Remote code execution in the debug adapter (js walk)",
            "Remote code execution in the debug adapter (no-js walk)",
        ],
        "each advisory holds its walk's edited summary (the rejected save changed nothing)"
    );
    for (id, project, _, versions, latest) in &rows {
        assert_eq!(*project, theia, "{id} is not in Eclipse Theia");
        assert_eq!(
            (*versions, *latest),
            (2, Some(2)),
            "{id} should have versions 1 and 2 (created, edited; the 422 saved nothing)"
        );
    }
}
