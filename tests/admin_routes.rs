//! Every admin-console route refuses everyone but global admins (P-46,
//! 50-web-ui §2.6): anonymous callers are sent to sign in, signed-in
//! non-admins (a viewer, a project's security team member) get 403.
//!
//! The routes are not listed here: every path under `/admin/` is spelled
//! once, in `src/web/routes.rs`, and this test reads them from that file, so
//! a route added to the console is walked without anyone remembering to add
//! it. A second check makes sure every route is registered with one of those
//! constants (so none can escape the walk).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on purpose"
)]

mod common;

use std::path::Path;

use common::site::{Browser, Page, Site, repo_root};
use common::world::{projects, sign_in};

/// Every `/admin…` path literal of `src/web/routes.rs`.
fn admin_paths() -> Vec<String> {
    let source = std::fs::read_to_string(repo_root().join("src/web/routes.rs")).unwrap();
    let literal = regex::Regex::new(r#""(/admin(?:/[^"]*)?)""#).unwrap();
    let mut paths: Vec<String> = literal
        .captures_iter(&source)
        .map(|c| c[1].to_owned())
        .collect();
    paths.sort();
    paths.dedup();
    paths
}

/// A concrete URL path for a route template: project parameters get a
/// UUID, every other parameter a number (which also fits string ids).
fn concrete(template: &str) -> String {
    let param = regex::Regex::new(r"\{([^}]+)\}").unwrap();
    param
        .replace_all(template, |c: &regex::Captures<'_>| {
            if c[1].contains("project") || c[1].contains("uuid") {
                "00000000-0000-0000-0000-000000000000".to_owned()
            } else {
                "1".to_owned()
            }
        })
        .into_owned()
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

// What makes the walk complete: every route of the application is
// registered with a path constant of `src/web/routes.rs`, never a literal or a
// constant kept elsewhere, so no admin route can escape `admin_paths`.
#[test]
fn every_route_is_registered_from_the_route_table() {
    let paths = admin_paths();
    assert!(
        paths.len() >= 12,
        "the route walk found too few admin paths: {paths:?}"
    );
    let mut files = Vec::new();
    rust_files(&repo_root().join("src"), &mut files);
    let registration =
        regex::Regex::new(r"\.(route|route_service|nest|nest_service)\(\s*([^,\s]+)").unwrap();
    let mut registrations = 0;
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for c in registration.captures_iter(&text) {
            registrations += 1;
            assert!(
                c[2].starts_with("routes::"),
                "{}: .{}({} …) — register routes with a constant of src/web/routes.rs, \
                 where tests/admin_routes.rs finds the admin ones",
                file.display(),
                &c[1],
                &c[2]
            );
        }
    }
    assert!(
        registrations > 50,
        "found only {registrations} route registrations"
    );
}

/// A CSRF token of `b`'s session, from a page with a form.
async fn token(site: &Site, b: &Browser) -> String {
    b.get(&site.url("/")).await.csrf()
}

/// `method` on `url` as `b`; a POST carries `b`'s CSRF token, so only the
/// admin check can refuse it.
async fn request(b: &Browser, method: &str, url: &str, token: &str) -> Page {
    if method == "GET" {
        b.get(url).await
    } else {
        b.post(url, &[("csrf_token", token)], &[]).await
    }
}

// P-46 over every route of the console.
#[tokio::test]
async fn p_46_every_admin_route_refuses_non_admins() {
    let site = Site::start(&[]).await;
    projects(&site.db.pool).await;
    let alice = sign_in(&site, "alice").await;
    // Theia's security team: an owner of Theia's advisories, not an admin.
    let bob = sign_in(&site, "bob").await;
    // A viewer in no group.
    let erin = sign_in(&site, "erin").await;
    let anonymous = Browser::new();
    let tokens = [
        token(&site, &alice).await,
        token(&site, &bob).await,
        token(&site, &erin).await,
        token(&site, &anonymous).await,
    ];
    let mut walked = 0;
    for template in admin_paths() {
        let url = site.url(&concrete(&template));
        // A routed path answers an admin 405 for a method it does not serve;
        // an unrouted one falls through to 404.
        let probe = alice
            .client
            .delete(&url)
            .header("x-csrf-token", &tokens[0])
            .header("origin", site.url(""))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16();
        if probe == 404 {
            // A path constant that is not (yet) a route, such as the prefix.
            continue;
        }
        assert_eq!(probe, 405, "{template}: DELETE");
        let mut served = 0;
        for method in ["GET", "POST"] {
            // The admin passes: the refusals below are P-46, not a route
            // that refuses everyone.
            let for_alice = request(&alice, method, &url, &tokens[0]).await;
            if for_alice.status == 405 {
                continue;
            }
            served += 1;
            assert_ne!(
                for_alice.status, 403,
                "{method} {template} as an admin: {}",
                for_alice.body
            );
            let for_bob = request(&bob, method, &url, &tokens[1]).await;
            assert_eq!(
                for_bob.status, 403,
                "{method} {template} as a project security team member: {}",
                for_bob.body
            );
            let for_erin = request(&erin, method, &url, &tokens[2]).await;
            assert_eq!(
                for_erin.status, 403,
                "{method} {template} as a viewer: {}",
                for_erin.body
            );
            assert!(
                !for_erin.body.contains("could not be verified"),
                "{method} {template}: refused by CSRF, not by the admin check"
            );
            let for_anonymous = request(&anonymous, method, &url, &tokens[3]).await;
            assert_eq!(
                for_anonymous.status, 302,
                "{method} {template} anonymously: {}",
                for_anonymous.body
            );
            assert!(
                for_anonymous
                    .location()
                    .unwrap()
                    .contains("/oidc/authenticate/"),
                "{method} {template}"
            );
        }
        assert!(served > 0, "{template} serves neither GET nor POST");
        walked += 1;
    }
    assert!(walked >= 12, "only {walked} admin routes were walked");

    // htmx: an anonymous request is told where to sign in (50-web-ui §1.4).
    let htmx = anonymous
        .get_with(&site.url("/admin/projects/"), &[("hx-request", "true")])
        .await;
    assert_eq!(htmx.status, 200);
    assert!(
        htmx.headers["hx-redirect"]
            .to_str()
            .unwrap()
            .contains("/oidc/authenticate/")
    );
}
