//! Maintenance mode (INV-MAINT-1, 90-operations §7, 50-web-ui §3, §14.11):
//! the switch's outcomes and audit rows, the gate in front of every handler,
//! and the switch reaching two real `advisoryhub web` processes at once.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::too_many_lines,
    reason = "tests fail loudly on purpose and walk whole scenarios"
)]

mod common;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use advisoryhub::audit::redact::Redactor;
use advisoryhub::ops::maintenance::{self, Outcome, SaveError};
use axum::body::Body;
use axum::http::Request;
use common::site::{Browser, Site};
use common::world::{sign_in, user};
use common::{Csrf, Server, TestDb, app, config, get, send};
use serde_json::{Value, json};
use sqlx::PgPool;

async fn save(pool: &PgPool, admin: i64, on: bool, message: &str) -> Result<Outcome, SaveError> {
    let mut tx = pool.begin().await.unwrap();
    let outcome = maintenance::save(&mut tx, &Redactor::new([]), admin, on, message, None).await;
    tx.commit().await.unwrap();
    outcome
}

async fn maintenance_rows(pool: &PgPool) -> Vec<(String, Option<i64>, Value)> {
    sqlx::query_as(
        "SELECT action, actor_id, metadata FROM audit_log_entry
         WHERE action LIKE 'maintenance.%' ORDER BY id",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}

// INV-AUDIT-3, 20-lifecycle §17.5: switching on, or changing the message
// while on, records maintenance.enabled; switching off records
// maintenance.disabled with the previous message; a message saved while off
// and a save that changes nothing record nothing.
#[tokio::test]
async fn each_outcome_records_exactly_what_the_spec_says() {
    let db = TestDb::new().await;
    let pool = &db.pool;
    let admin = user(pool, "root@example.org", &["advisoryhub-security"]).await;
    assert!(
        !maintenance::current(&mut pool.acquire().await.unwrap())
            .await
            .unwrap()
            .is_enabled,
        "no row reads as off"
    );
    assert_eq!(
        save(pool, admin, false, " Soon ").await.unwrap(),
        Outcome::MessageSaved
    );
    assert_eq!(
        save(pool, admin, false, "Soon").await.unwrap(),
        Outcome::Unchanged
    );
    assert_eq!(save(pool, admin, true, "Soon").await.unwrap(), Outcome::On);
    assert_eq!(
        save(pool, admin, true, "Soon").await.unwrap(),
        Outcome::Unchanged
    );
    assert_eq!(
        save(pool, admin, true, "Until 14:00").await.unwrap(),
        Outcome::On
    );
    assert_eq!(save(pool, admin, false, "").await.unwrap(), Outcome::Off);
    assert!(matches!(
        save(pool, admin, true, &"x".repeat(2001)).await,
        Err(SaveError::TooLong)
    ));
    assert_eq!(
        maintenance_rows(pool).await,
        [
            (
                "maintenance.enabled".to_owned(),
                Some(admin),
                json!({"message": "Soon"})
            ),
            (
                "maintenance.enabled".to_owned(),
                Some(admin),
                json!({"message": "Until 14:00"})
            ),
            (
                "maintenance.disabled".to_owned(),
                Some(admin),
                json!({"previous_message": "Until 14:00"})
            ),
        ]
    );
    let now = maintenance::current(&mut pool.acquire().await.unwrap())
        .await
        .unwrap();
    assert!(!now.is_enabled);
    assert_eq!(now.updated_by.as_deref(), Some("root@example.org"));
}

fn language_post(htmx: bool) -> Request<Body> {
    let mut req = Request::post("/i18n/lang")
        .header("host", "localhost")
        .header("content-type", "application/x-www-form-urlencoded");
    if htmx {
        req = req.header("hx-request", "true");
    }
    req.body(Body::from("lang=fr&next=/")).unwrap()
}

// INV-MAINT-1: an anonymous write is refused before its handler (no
// language cookie is set) with 503 and Retry-After, as a page or, for htmx,
// with HX-Refresh; reads go on and show the banner; sign-out stays open;
// the row, not a cache, decides.
#[tokio::test]
async fn inv_maint_1_anonymous_writes_are_paused_and_reads_go_on() {
    let db = TestDb::new().await;
    let app = app(config(&[("RATELIMIT_ENABLE", "false")]), db.pool.clone());
    let csrf = Csrf::from_home(&app).await;
    let before = send(&app, csrf.sign(language_post(false))).await;
    assert_eq!(before.status, 303, "{}", before.body);

    let admin = user(&db.pool, "root@example.org", &["advisoryhub-security"]).await;
    save(&db.pool, admin, true, "Database upgrade until 14:00 UTC")
        .await
        .unwrap();
    // The home page was just read with the switch off: the refusal does not
    // wait for any snapshot.
    let paused = send(&app, csrf.sign(language_post(false))).await;
    assert_eq!(paused.status, 503, "{}", paused.body);
    assert_eq!(paused.header("retry-after"), "3600");
    assert!(paused.header("content-type").starts_with("text/html"));
    assert!(
        paused.body.contains("Maintenance in progress"),
        "{}",
        paused.body
    );
    assert!(paused.body.contains("Database upgrade until 14:00 UTC"));
    assert!(
        paused.headers.get("set-cookie").is_none(),
        "the handler never ran"
    );
    assert!(paused.headers.get("hx-refresh").is_none());

    let htmx = send(&app, csrf.sign(language_post(true))).await;
    assert_eq!(htmx.status, 503);
    assert_eq!(htmx.header("hx-refresh"), "true");
    assert_eq!(htmx.header("retry-after"), "3600");

    // Without a CSRF token too: nothing unsafe reaches the handlers.
    assert_eq!(send(&app, language_post(false)).await.status, 503);

    let home = send(&app, get("/")).await;
    assert_eq!(home.status, 200);
    assert!(
        home.body.contains("id=\"maintenance-banner\""),
        "{}",
        home.body
    );
    assert!(home.body.contains("Database upgrade until 14:00 UTC"));
    assert!(home.body.contains("data-maintenance-paused"));

    save(&db.pool, admin, false, "").await.unwrap();
    let after = send(&app, csrf.sign(language_post(false))).await;
    assert_eq!(after.status, 303, "{}", after.body);

    // Sign-out stays open while paused (it ends this session, so it goes last).
    save(&db.pool, admin, true, "").await.unwrap();
    let sign_out = send(
        &app,
        csrf.sign(
            Request::post("/oidc/logout/")
                .header("host", "localhost")
                .body(Body::empty())
                .unwrap(),
        ),
    )
    .await;
    assert!(
        (300..400).contains(&sign_out.status),
        "sign-out stays open: {}",
        sign_out.status
    );
}

fn web_env(db: &TestDb) -> HashMap<&'static str, String> {
    HashMap::from([
        ("APP_ENV", "test".to_owned()),
        ("DATABASE_URL", db.url.clone()),
        ("LOG_FORMAT", "json".to_owned()),
        ("RATELIMIT_ENABLE", "false".to_owned()),
        // The admin's saves are the subject here, not the re-authentication.
        ("STEP_UP_REQUIRED", "false".to_owned()),
    ])
}

/// Reads `path` on `base` as `who` until `done` holds, at most 10 s (the
/// banner snapshot may otherwise be 30 s old); how long it took.
async fn wait_for_page(who: &Browser, url: &str, done: impl Fn(&str) -> bool) -> Duration {
    let started = Instant::now();
    loop {
        let page = who.get(url).await;
        assert_eq!(page.status, 200, "{url}: {}", page.body);
        if done(&page.body) {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{url} never changed: {}",
            page.body
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn toggle(admin: &Browser, base: &str, on: bool, message: &str) -> u16 {
    let page = admin.get(&format!("{base}/admin/maintenance/")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let csrf = page.csrf();
    let mut form = vec![("csrf_token", csrf.as_str()), ("message", message)];
    if on {
        form.push(("is_enabled", "on"));
    }
    let saved = admin
        .post(&format!("{base}/admin/maintenance/"), &form, &[])
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    admin.follow(saved).await.status
}

async fn read_all(who: &Browser, base: &str) -> common::site::Page {
    let page = who.get(&format!("{base}/notifications/")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    who.post(
        &format!("{base}/notifications/read-all/"),
        &[("csrf_token", &page.csrf())],
        &[],
    )
    .await
}

// INV-MAINT-1 across replicas: the switch set through one web process
// pauses a non-admin's write on the other at once, leaves reads and the
// admin's writes alone, reaches the other's banner through NOTIFY well
// inside the 30-second snapshot age, and lifting it frees both.
#[tokio::test]
async fn inv_maint_1_a_toggle_on_one_web_process_holds_on_the_other() {
    // The provider signs people in through an in-process site on the same
    // database; the session cookie then works on both binaries (same key).
    let site = Site::start(&[]).await;
    let alice = sign_in(&site, "alice").await;
    let erin = sign_in(&site, "erin").await;
    let first = Server::start(&["web"], &web_env(&site.db)).await;
    let second = Server::start(&["web"], &web_env(&site.db)).await;
    let (a, b) = (first.base.as_str(), second.base.as_str());

    // Both processes have read the switch as off.
    for base in [a, b] {
        let home = erin.get(&format!("{base}/")).await;
        assert!(!home.body.contains("maintenance-banner"));
    }
    assert_eq!(read_all(&erin, b).await.status, 303);

    assert_eq!(toggle(&alice, a, true, "Upgrade in progress").await, 200);
    let waited = wait_for_page(&erin, &format!("{b}/"), |body| {
        body.contains("Upgrade in progress")
    })
    .await;
    assert!(waited < Duration::from_secs(10));

    let paused = read_all(&erin, b).await;
    assert_eq!(paused.status, 503, "{}", paused.body);
    assert_eq!(paused.headers["retry-after"], "3600");
    assert!(paused.body.contains("Maintenance in progress"));
    let anonymous = Browser::new()
        .post(&format!("{b}/i18n/lang"), &[("lang", "fr")], &[])
        .await;
    assert_eq!(anonymous.status, 503);

    // Reads go on for everyone; the admin still writes, on either process.
    let inbox = erin.get(&format!("{b}/notifications/")).await;
    assert_eq!(inbox.status, 200);
    assert!(inbox.body.contains("data-maintenance-paused"));
    assert_eq!(read_all(&alice, b).await.status, 303);
    let admin_home = alice.get(&format!("{b}/")).await;
    assert!(admin_home.body.contains("Maintenance mode is ON"));
    assert!(!admin_home.body.contains("data-maintenance-paused"));

    // Lifted through the second process: writes work again on both.
    assert_eq!(toggle(&alice, b, false, "").await, 200);
    assert_eq!(read_all(&erin, a).await.status, 303);
    assert_eq!(read_all(&erin, b).await.status, 303);
    wait_for_page(&erin, &format!("{a}/"), |body| {
        !body.contains("maintenance-banner")
    })
    .await;

    let actions: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM audit_log_entry WHERE action LIKE 'maintenance.%' ORDER BY id",
    )
    .fetch_all(&site.db.pool)
    .await
    .unwrap();
    assert_eq!(actions, ["maintenance.enabled", "maintenance.disabled"]);
}

// 50-web-ui §14.11: the page is the admin console's (403 for anyone else);
// saving needs a step-up and comes back to the page afterwards (§2.9); an
// over-long message is a form error that changes nothing.
#[tokio::test]
async fn the_maintenance_page_is_for_admins_and_saving_needs_a_step_up() {
    let site = Site::start(&[]).await;
    let alice = sign_in(&site, "alice").await;
    let erin = sign_in(&site, "erin").await;
    let url = site.url("/admin/maintenance/");
    assert_eq!(erin.get(&url).await.status, 403);
    let page = alice.get(&url).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Currently OFF"));
    let refused = erin
        .post(
            &url,
            &[("csrf_token", &page.csrf()), ("is_enabled", "on")],
            &[],
        )
        .await;
    assert_eq!(refused.status, 403);

    let csrf = page.csrf();
    let stale = alice
        .post(&url, &[("csrf_token", &csrf), ("is_enabled", "on")], &[])
        .await;
    assert_eq!(stale.location().unwrap(), site.url("/oidc/step-up/"));
    let prompt = alice.open(&site.url("/oidc/step-up/")).await;
    let back = alice
        .log_in_at_provider(prompt, "alice@example.org", "demo")
        .await;
    assert_eq!(back.url, url, "lands on the GET page of the action");
    assert!(maintenance_rows(&site.db.pool).await.is_empty());

    let long = "x".repeat(2001);
    let too_long = alice
        .post(
            &url,
            &[
                ("csrf_token", &back.csrf()),
                ("is_enabled", "on"),
                ("message", &long),
            ],
            &[],
        )
        .await;
    assert_eq!(too_long.status, 422, "{}", too_long.body);
    assert!(too_long.body.contains("too long"));
    assert!(maintenance_rows(&site.db.pool).await.is_empty());

    let saved = alice
        .post(
            &url,
            &[
                ("csrf_token", &back.csrf()),
                ("is_enabled", "on"),
                ("message", "Back at 3"),
            ],
            &[],
        )
        .await;
    assert_eq!(saved.location().unwrap(), url);
    let shown = alice.follow(saved).await;
    assert!(
        shown.body.contains("Maintenance mode is now ON"),
        "{}",
        shown.body
    );
    assert!(shown.body.contains("Currently ON"));
    assert!(shown.body.contains("Changed by alice@example.org"));
    let rows = maintenance_rows(&site.db.pool).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].2, json!({"message": "Back at 3"}));
}
