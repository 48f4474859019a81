//! The main sign-in flow in a real headless Chromium: `tests/browser/sign_in.mjs`
//! (playwright-core) against the application on loopback and the dev identity
//! provider (`bin/idp`), once with JavaScript and once without. The browser
//! must be installed (Debian's `chromium`, as `.ci/run` does); a missing one is
//! a failure, never a skip.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on purpose"
)]

mod common;

use std::time::Duration;

use common::site::Site;

const LOGIN: &str = "alice@example.org";

// The whole sign-in / sign-out round trip in a real browser, with and without
// JavaScript: the CSP lets the flow through (form-action covers the
// provider's origin), no console errors, and the access log records it.
#[tokio::test]
async fn chromium_signs_in_and_out_with_and_without_javascript() {
    let site = Site::start(&[]).await;

    let stdout = common::browser::run("sign_in.mjs", &site, Duration::from_secs(240)).await;

    let user_agent = stdout
        .lines()
        .find_map(|l| l.strip_prefix("user-agent: "))
        .expect("sign_in.mjs prints the browser's User-Agent")
        .trim()
        .to_owned();
    assert!(
        user_agent.contains("Chrome/"),
        "not a Chromium User-Agent: {user_agent}"
    );

    // Two walks (with and without JavaScript), each one sign-in and one
    // sign-out, recorded against alice with the browser's own User-Agent.
    let alice = site.user_id(LOGIN).await;
    let log = site.access_log().await;
    for action in ["auth.login", "auth.logout"] {
        let from_chromium = log
            .iter()
            .filter(|e| e.0 == action && e.1 == Some(alice) && e.4 == user_agent)
            .count();
        assert_eq!(
            from_chromium, 2,
            "expected two {action} entries for {LOGIN} with User-Agent {user_agent:?}; \
             the access log: {log:#?}"
        );
    }
}
