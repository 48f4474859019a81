//! From a public report to a draft in a real headless Chromium:
//! `tests/browser/triage.mjs` (playwright-core) files an anonymous report,
//! then signs in as an administrator, follows the inbox's "awaiting triage"
//! chip to it and accepts it as a draft from the triage card, once with
//! JavaScript disabled and once with it. The two reports must then be
//! drafts of the same rows, with their sidecars, their single version and
//! alice's `advisory.triage_promoted` (INV-LIFECYCLE-5). The browser must be
//! installed (Debian's `chromium`, as `.ci/run` does); a missing one is a
//! failure, never a skip.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on purpose"
)]

mod common;

use std::time::Duration;

use common::site::Site;
use common::world::projects;

#[tokio::test]
async fn chromium_promotes_an_anonymous_report_with_and_without_javascript() {
    let site = Site::start(&[]).await;
    let jetty = projects(&site.db.pool).await.jetty;

    let stdout = common::browser::run("triage.mjs", &site, Duration::from_secs(240)).await;

    let mut promoted: Vec<String> = stdout
        .lines()
        .filter_map(|l| {
            l.split_once("]: ")
                .filter(|(k, _)| k.starts_with("promoted ["))
        })
        .map(|(_, id)| id.trim().to_owned())
        .collect();
    promoted.sort();
    assert_eq!(
        promoted.len(),
        2,
        "triage.mjs promotes two reports:\n{stdout}"
    );

    let alice = site.user_id("alice@example.org").await;
    let rows: Vec<(String, String, uuid::Uuid, i64, i64, Option<i64>)> = sqlx::query_as(
        "SELECT a.advisory_id, a.state, a.project_id,
                (SELECT count(*) FROM advisory_version v WHERE v.advisory_id = a.id),
                (SELECT count(*) FROM advisory_intake i WHERE i.advisory_id = a.id),
                (SELECT e.actor_id FROM audit_log_entry e
                 WHERE e.advisory_id = a.id AND e.action = 'advisory.triage_promoted')
         FROM advisory a ORDER BY a.advisory_id",
    )
    .fetch_all(&site.db.pool)
    .await
    .unwrap();
    let ids: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
    assert_eq!(ids, promoted, "the promoted reports are the ones filed");
    for (id, state, project, versions, sidecars, promoter) in rows {
        assert_eq!(state, "draft", "{id}");
        assert_eq!(project, jetty, "{id}");
        assert_eq!(versions, 1, "{id}: promotion in place appends no version");
        assert_eq!(sidecars, 1, "{id}: the intake sidecar stays attached");
        assert_eq!(promoter, Some(alice), "{id}");
    }
}
