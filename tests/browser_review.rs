//! The review card in a real headless Chromium with JavaScript off:
//! `tests/browser/review.mjs` (playwright-core) signs in as bob (Eclipse
//! Theia's security team), submits his draft for review with the card's
//! plain form, then as alice (an administrator) opens the notes disclosure,
//! writes a note and approves; the page shows the approval and the note.
//! Console errors and CSP violations fail it. The browser must be installed
//! (Debian's `chromium`, as `.ci/run` does); a missing one is a failure,
//! never a skip.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on purpose"
)]

mod common;

use std::time::Duration;

use common::site::Site;
use common::world::{bobs_advisory, sign_in};

// Submit → approve without JavaScript; then the database holds what the
// walk did: one task, approved by alice with her note, pinned to version 1,
// and the advisory approved and still a draft (INV-REVIEW-1).
#[tokio::test]
async fn chromium_submits_and_approves_a_review_without_javascript() {
    let site = Site::start(&[]).await;
    let draft = bobs_advisory(&site).await;
    // Alice's account exists before the walk, like bob's.
    sign_in(&site, "alice").await;

    let stdout = common::browser::run("review.mjs", &site, Duration::from_secs(300)).await;
    assert!(stdout.contains("PASS"), "{stdout}");

    let (state, review_status): (String, String) =
        sqlx::query_as("SELECT state, review_status FROM advisory WHERE advisory_id = $1")
            .bind(&draft.id)
            .fetch_one(&site.db.pool)
            .await
            .unwrap();
    assert_eq!(
        (state.as_str(), review_status.as_str()),
        ("draft", "approved")
    );
    let tasks: Vec<(String, i32, String, String, String)> = sqlx::query_as(
        "SELECT t.status, v.version, s.email, r.email, t.decision_notes
         FROM review_task t JOIN advisory_version v ON v.id = t.version_id
         JOIN app_user s ON s.id = t.submitted_by JOIN app_user r ON r.id = t.reviewer",
    )
    .fetch_all(&site.db.pool)
    .await
    .unwrap();
    assert_eq!(
        tasks,
        [(
            "approved".to_owned(),
            1,
            "bob@example.org".to_owned(),
            "alice@example.org".to_owned(),
            "Affected versions and fix checked; ready to publish.".to_owned()
        )]
    );
    // The note is a public comment by alice; every row came from the
    // browser (INV-AUDIT-4).
    let agents: Vec<(String, String)> = sqlx::query_as(
        "SELECT action, user_agent FROM audit_log_entry
         WHERE action IN ('advisory.submitted_for_review', 'advisory.review_approved',
                          'review.task_status_changed', 'comment.created')
         ORDER BY id",
    )
    .fetch_all(&site.db.pool)
    .await
    .unwrap();
    let actions: Vec<&str> = agents.iter().map(|a| a.0.as_str()).collect();
    assert_eq!(
        actions,
        [
            "advisory.submitted_for_review",
            "advisory.review_approved",
            "review.task_status_changed",
            "comment.created"
        ]
    );
    assert!(agents.iter().all(|a| a.1.contains("Chrome")), "{agents:?}");
}
