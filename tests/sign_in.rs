//! Sign-in end to end: the real identity provider (`bin/idp`), the
//! application over HTTP, a scripted browser with a cookie jar.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on purpose"
)]

mod common;

use common::site::{Browser, Site};

async fn groups_of(site: &Site, email: &str) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT g.name FROM user_group ug JOIN oidc_group g ON g.id = ug.group_id
         JOIN app_user u ON u.id = ug.user_id WHERE lower(u.email) = lower($1) ORDER BY g.name",
    )
    .bind(email)
    .fetch_all(&site.db.pool)
    .await
    .unwrap()
}

// INV-OIDC-1, INV-OIDC-3: groups mirrored at sign-in; the admin group makes an admin.
#[tokio::test]
async fn signing_in_creates_the_user_mirrors_groups_and_shows_who_you_are() {
    let site = Site::start(&[]).await;
    let b = Browser::new();
    let landing = b.sign_in(&site, "alice@example.org").await;
    assert_eq!(landing.status, 200, "{}", landing.body);
    assert!(landing.url.ends_with('/'), "{}", landing.url);
    assert!(landing.body.contains("alice@example.org"));
    assert!(landing.body.contains("Alice Lindqvist"));
    assert!(landing.body.contains("advisoryhub-security"));

    assert_eq!(
        groups_of(&site, "alice@example.org").await,
        ["advisoryhub-security"]
    );
    let (staff, subject): (bool, String) = sqlx::query_as(
        "SELECT is_staff, oidc_subject FROM app_user WHERE email = 'alice@example.org'",
    )
    .fetch_one(&site.db.pool)
    .await
    .unwrap();
    assert!(staff);
    assert_eq!(subject, "alice");

    let account = b.get(&site.url("/account/")).await;
    assert_eq!(account.status, 200);
    assert!(
        account.body.contains("id=\"account-admin\">Yes"),
        "{}",
        account.body
    );
    assert!(account.body.contains("this browser"));
    assert!(account.body.contains("AdvisoryHub-e2e/1.0"));

    let log = site.access_log().await;
    let login = log
        .iter()
        .find(|e| e.0 == "auth.login")
        .expect("auth.login entry");
    assert_eq!(login.1, Some(site.user_id("alice@example.org").await));
    assert_eq!(login.3.as_deref(), Some("127.0.0.1"));
    assert_eq!(login.4, "AdvisoryHub-e2e/1.0");
}

// INV-OIDC-1: a change at the provider is mirrored in full at the next sign-in.
#[tokio::test]
async fn groups_changed_at_the_provider_are_mirrored_at_the_next_sign_in() {
    let site = Site::start(&[]).await;
    let first = Browser::new();
    first.sign_in(&site, "bob@example.org").await;
    assert_eq!(
        groups_of(&site, "bob@example.org").await,
        ["theia-security"]
    );

    site.idp.update_user("bob", |u| {
        u["groups"] = serde_json::json!([
            "jetty-security@example.org",
            "advisoryhub-security@example.org",
            "idm_all_persons@example.org",
            "not-an-spn"
        ]);
    });
    // Nothing changes until bob signs in again.
    assert_eq!(
        groups_of(&site, "bob@example.org").await,
        ["theia-security"]
    );
    let second = Browser::new();
    let landing = second.sign_in(&site, "bob@example.org").await;
    assert_eq!(
        groups_of(&site, "bob@example.org").await,
        ["advisoryhub-security", "jetty-security"]
    );
    assert!(landing.body.contains("jetty-security"));
    let staff: bool =
        sqlx::query_scalar("SELECT is_staff FROM app_user WHERE email = 'bob@example.org'")
            .fetch_one(&site.db.pool)
            .await
            .unwrap();
    assert!(staff, "membership of the admin group makes an admin");
}

// INV-OIDC-2: nothing the browser sends changes groups.
#[tokio::test]
async fn a_browser_cannot_claim_groups() {
    let site = Site::start(&[]).await;
    let b = Browser::new();
    b.sign_in(&site, "erin@example.org").await;
    let page = b
        .get_with(
            &site.url("/account/?groups=advisoryhub-security"),
            &[
                ("x-groups", "advisoryhub-security"),
                ("x-forwarded-groups", "advisoryhub-security"),
            ],
        )
        .await;
    assert!(page.body.contains("id=\"account-admin\">No"));
    assert!(groups_of(&site, "erin@example.org").await.is_empty());
    let admin = b.get(&site.url("/admin/users/1/")).await;
    assert_eq!(admin.status, 403);
    // Nor may a non-admin ban, even with a valid token: refused before any
    // step-up is asked for (30-permissions §8.1).
    let erin = site.user_id("erin@example.org").await;
    let ban = b
        .post(
            &site.url(&format!("/admin/users/{erin}/ban/")),
            &[("csrf_token", &page.csrf()), ("reason", "x")],
            &[],
        )
        .await;
    assert_eq!(ban.status, 403);
    let active: bool = sqlx::query_scalar("SELECT is_active FROM app_user WHERE id = $1")
        .bind(erin)
        .fetch_one(&site.db.pool)
        .await
        .unwrap();
    assert!(active);
}

// INV-AUTH-8
#[tokio::test]
async fn a_banned_account_cannot_sign_in() {
    let site = Site::start(&[]).await;
    Browser::new().sign_in(&site, "mallory@example.org").await;
    let id = site.user_id("mallory@example.org").await;
    let mut conn = site.db.pool.acquire().await.unwrap();
    advisoryhub::access::users::ban(&mut conn, id, None, "test")
        .await
        .unwrap();

    let b = Browser::new();
    let page = b.sign_in(&site, "mallory@example.org").await;
    assert_eq!(page.status, 403);
    assert!(page.body.contains("banned"), "{}", page.body);
    assert!(b.get(&site.url("/account/")).await.status == 302);
    let log = site.access_log().await;
    let failed = log
        .iter()
        .rev()
        .find(|e| e.0 == "auth.failed_login")
        .expect("failed login");
    assert_eq!(failed.1, None);
    assert_eq!(failed.2["reason"], "banned");
}

// INV-AUTH-8: a live session stops working on its next request.
#[tokio::test]
async fn a_ban_ends_live_sessions_on_their_next_request() {
    let site = Site::start(&[]).await;
    let b = Browser::new();
    b.sign_in(&site, "dave@example.org").await;
    assert_eq!(b.get(&site.url("/account/")).await.status, 200);

    // Banned behind the application's back: the session must stop loading
    // even though its row is still there.
    sqlx::query(
        "UPDATE app_user SET is_active = false, banned_at = now() WHERE email = 'dave@example.org'",
    )
    .execute(&site.db.pool)
    .await
    .unwrap();
    let page = b.get(&site.url("/account/")).await;
    assert_eq!(page.status, 302);
    assert!(
        page.location()
            .unwrap()
            .contains("/oidc/authenticate/?next=/account/")
    );
    let home = b.get(&site.url("/")).await;
    assert!(!home.body.contains("dave@example.org"));
}

#[tokio::test]
async fn step_up_is_demanded_and_satisfied_by_a_fresh_login() {
    let site = Site::start(&[]).await;
    Browser::new().sign_in(&site, "dave@example.org").await;
    let dave = site.user_id("dave@example.org").await;
    let admin = Browser::new();
    admin.sign_in(&site, "alice@example.org").await;
    let user_page = site.url(&format!("/admin/users/{dave}/"));
    let page = admin.get(&user_page).await;
    assert_eq!(page.status, 200, "{}", page.body);

    // An ordinary sign-in does not satisfy the step-up.
    let ban_url = site.url(&format!("/admin/users/{dave}/ban/"));
    let refused = admin
        .post(
            &ban_url,
            &[("csrf_token", &page.csrf()), ("reason", "abuse")],
            &[],
        )
        .await;
    assert_eq!(refused.status, 303, "{}", refused.body);
    assert_eq!(refused.location().unwrap(), site.url("/oidc/step-up/"));
    let not_banned: bool = sqlx::query_scalar("SELECT is_active FROM app_user WHERE id = $1")
        .bind(dave)
        .fetch_one(&site.db.pool)
        .await
        .unwrap();
    assert!(not_banned);

    // The provider asks for the password again although its session is alive.
    let prompt = admin.open(&site.url("/oidc/step-up/")).await;
    assert!(
        prompt.body.contains("id=\"login-form\""),
        "no fresh login asked: {}",
        prompt.url
    );
    let back = admin
        .log_in_at_provider(prompt, "alice@example.org", "demo")
        .await;
    assert_eq!(back.url, user_page, "lands on the GET page of the action");
    assert!(back.body.contains("Re-authenticated"));

    let page = admin
        .post(
            &ban_url,
            &[("csrf_token", &back.csrf()), ("reason", "abuse")],
            &[],
        )
        .await;
    assert_eq!(page.status, 303);
    assert_eq!(page.location().unwrap(), user_page);
    let active: bool = sqlx::query_scalar("SELECT is_active FROM app_user WHERE id = $1")
        .bind(dave)
        .fetch_one(&site.db.pool)
        .await
        .unwrap();
    assert!(!active);
    let log = site.access_log().await;
    assert!(log.iter().any(|e| e.0 == "auth.step_up_completed"));
}

#[tokio::test]
async fn replayed_and_forged_callbacks_are_rejected() {
    let site = Site::start(&[]).await;
    let b = Browser::new();
    b.sign_in(&site, "erin@example.org").await;
    let callback = b.last_callback().expect("a callback was visited");

    let replay = b.get(&callback).await;
    assert_eq!(replay.status, 400);
    assert!(
        replay
            .body
            .contains("does not match a sign-in started here"),
        "{}",
        replay.body
    );

    let forged = Browser::new();
    let page = forged
        .get(&site.url("/oidc/callback/?code=forged&state=forged"))
        .await;
    assert_eq!(page.status, 400);
    assert!(page.body.contains("Try signing in again"));

    // A callback whose code belongs to another sign-in: state matches, code does not.
    let c = Browser::new();
    let started = c.get(&site.url("/oidc/authenticate/")).await;
    let auth = url::Url::parse(&started.location().unwrap()).unwrap();
    let state = auth
        .query_pairs()
        .find(|(k, _)| k == "state")
        .unwrap()
        .1
        .into_owned();
    let page = c
        .get(&site.url(&format!(
            "/oidc/callback/?code=not-a-real-code&state={state}"
        )))
        .await;
    assert_eq!(page.status, 400);
    assert!(
        page.body.contains("authorization code was not accepted"),
        "{}",
        page.body
    );

    let denied = Browser::new()
        .get(&site.url("/oidc/callback/?error=access_denied&error_description=User+cancelled"))
        .await;
    assert_eq!(denied.status, 400);
    assert!(denied.body.contains("access_denied"));

    let mangled = Browser::new()
        .get(&site.url("/oidc/callback/?%zz=%%"))
        .await;
    assert_eq!(mangled.status, 400);

    let log = site.access_log().await;
    let failures: Vec<_> = log.iter().filter(|e| e.0 == "auth.failed_login").collect();
    assert_eq!(failures.len(), 5, "{log:?}");
    assert!(failures.iter().any(|e| e.2["error"] == "access_denied"));
}

#[tokio::test]
async fn an_unreachable_provider_gives_a_sign_in_error_page() {
    let db_site = Site::start(&[("OIDC_OP_ISSUER", "http://127.0.0.1:9")]).await;
    let b = Browser::new();
    let page = b.get(&db_site.url("/oidc/authenticate/")).await;
    assert_eq!(page.status, 502);
    assert!(page.body.contains("could not be reached"), "{}", page.body);
    let log = db_site.access_log().await;
    assert_eq!(log.last().unwrap().2["reason"], "provider_unavailable");
}

#[tokio::test]
async fn the_session_id_changes_at_sign_in() {
    let site = Site::start(&[]).await;
    let b = Browser::new();
    b.get(&site.url("/")).await;
    let before = b
        .cookie(&site.base, "sessionid")
        .expect("an anonymous session");
    b.sign_in(&site, "erin@example.org").await;
    let after = b.cookie(&site.base, "sessionid").unwrap();
    assert_ne!(before, after);

    // The planted id is worthless after the sign-in.
    let attacker = Browser::new();
    attacker.jar.add_cookie_str(
        &format!("sessionid={before}; Path=/"),
        &site.base.parse().unwrap(),
    );
    let page = attacker.get(&site.url("/account/")).await;
    assert_eq!(page.status, 302);
}

#[tokio::test]
async fn unsafe_requests_without_a_valid_csrf_token_are_refused() {
    let site = Site::start(&[]).await;
    let b = Browser::new();
    b.sign_in(&site, "erin@example.org").await;
    let account = b.get(&site.url("/account/")).await;
    let token = account.csrf();
    let url = site.url("/account/sign-out-everywhere/");

    let missing = b.post(&url, &[], &[]).await;
    assert_eq!(missing.status, 403);
    assert!(
        missing.body.contains("could not be verified"),
        "{}",
        missing.body
    );
    assert!(missing.body.contains("id=\"retry\""));
    let wrong = b.post(&url, &[("csrf_token", "0123456789")], &[]).await;
    assert_eq!(wrong.status, 403);
    let cross_origin = b
        .post(
            &url,
            &[("csrf_token", &token)],
            &[("origin", "http://evil.example")],
        )
        .await;
    assert_eq!(cross_origin.status, 403);
    let cross_site = b
        .post(
            &url,
            &[("csrf_token", &token)],
            &[("sec-fetch-site", "cross-site")],
        )
        .await;
    assert_eq!(cross_site.status, 403);
    let htmx_wrong = b
        .post(
            &url,
            &[],
            &[("hx-request", "true"), ("x-csrf-token", "nope")],
        )
        .await;
    assert_eq!(htmx_wrong.status, 403);
    let language = b
        .post(&site.url("/i18n/lang"), &[("lang", "fr")], &[])
        .await;
    assert_eq!(language.status, 403);
    assert_eq!(
        b.get(&site.url("/account/")).await.status,
        200,
        "still signed in"
    );

    // The meta tag's token in the htmx header works.
    let htmx_right = b
        .post(
            &url,
            &[],
            &[("hx-request", "true"), ("x-csrf-token", &token)],
        )
        .await;
    assert_eq!(htmx_right.status, 303);
    assert_eq!(
        b.get(&site.url("/account/")).await.status,
        302,
        "signed out everywhere"
    );
}

#[tokio::test]
async fn sign_out_ends_the_session_here_and_at_the_provider() {
    let site = Site::start(&[]).await;
    let b = Browser::new();
    let landing = b.sign_in(&site, "carol@example.org").await;
    let out = b
        .post(
            &site.url("/oidc/logout/"),
            &[("csrf_token", &landing.csrf())],
            &[],
        )
        .await;
    assert_eq!(out.status, 302);
    let confirm = b.follow(out).await;
    assert!(confirm.url.starts_with(&site.idp.issuer), "{}", confirm.url);
    let xsrf = confirm.field("xsrf").expect("the provider's confirm form");
    let done = b
        .post(
            &format!("{}/session/end/confirm", site.idp.issuer),
            &[("xsrf", &xsrf), ("logout", "yes")],
            &[],
        )
        .await;
    let signed_out = b.follow(done).await;
    assert_eq!(signed_out.url, site.url("/accounts/signed-out/"));
    assert!(signed_out.body.contains("id=\"signed-out\""));
    assert_eq!(b.get(&site.url("/account/")).await.status, 302);
    let sessions: i64 =
        sqlx::query_scalar("SELECT count(*) FROM web_session WHERE user_id IS NOT NULL")
            .fetch_one(&site.db.pool)
            .await
            .unwrap();
    assert_eq!(sessions, 0);
    assert!(site.access_log().await.iter().any(|e| e.0 == "auth.logout"));

    // The provider's session is over too: signing in asks for the password.
    let again = b.open(&site.url("/oidc/authenticate/")).await;
    assert!(again.body.contains("id=\"login-form\""));
}

#[tokio::test]
async fn pages_that_need_a_user_send_anonymous_visitors_to_sign_in() {
    let site = Site::start(&[]).await;
    let b = Browser::new();
    let page = b.get(&site.url("/account/")).await;
    assert_eq!(page.status, 302);
    assert_eq!(
        page.location().unwrap(),
        site.url("/oidc/authenticate/?next=/account/")
    );
    let htmx = b
        .get_with(&site.url("/account/"), &[("hx-request", "true")])
        .await;
    assert_eq!(htmx.status, 200);
    assert_eq!(
        htmx.headers.get("hx-redirect").unwrap(),
        "/oidc/authenticate/?next=/account/"
    );
    let legacy = b.get(&site.url("/accounts/me/")).await;
    assert_eq!(legacy.status, 308);
    assert_eq!(legacy.location().unwrap(), site.url("/account/"));
    // After signing in, the user lands where they were going.
    let landing = b.open(&site.url("/account/")).await;
    let landing = b
        .log_in_at_provider(landing, "erin@example.org", "demo")
        .await;
    assert_eq!(landing.url, site.url("/account/"));
}

#[tokio::test]
async fn an_id_token_signed_otherwise_than_configured_is_refused() {
    // The provider signs with ES256; the application accepts only RS256.
    let site = Site::start(&[("OIDC_RP_SIGN_ALGO", "RS256")]).await;
    let b = Browser::new();
    let page = b.sign_in(&site, "alice@example.org").await;
    assert_eq!(page.status, 400);
    assert!(
        page.body.contains("identity token is not valid"),
        "{}",
        page.body
    );
    assert_eq!(b.get(&site.url("/account/")).await.status, 302);
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM app_user")
        .fetch_one(&site.db.pool)
        .await
        .unwrap();
    assert_eq!(count, 0, "no account from an unverified token");
    let log = site.access_log().await;
    assert_eq!(log.last().unwrap().2["reason"], "invalid_id_token");
}

#[tokio::test]
async fn a_session_ends_at_its_absolute_lifetime_however_much_it_is_used() {
    let site = Site::start(&[]).await;
    let b = Browser::new();
    b.sign_in(&site, "erin@example.org").await;
    assert_eq!(b.get(&site.url("/account/")).await.status, 200);
    sqlx::query("UPDATE web_session SET signed_in_at = now() - interval '14 days 1 minute' WHERE user_id IS NOT NULL")
        .execute(&site.db.pool)
        .await
        .unwrap();
    assert_eq!(b.get(&site.url("/account/")).await.status, 302);
}
