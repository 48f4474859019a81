//! The public intake form end to end (50-web-ui §15, 20-lifecycle §4.1):
//! real HTTP against the application on a loopback port (and, for the rate
//! limit, against two real `advisoryhub web` processes), a real database,
//! the identity provider for signed-in reporters.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::too_many_lines,
    reason = "tests fail loudly on purpose and walk whole scenarios"
)]

mod common;

use std::collections::HashMap;

use advisoryhub::advisories::id::{Entropy, OsEntropy};
use advisoryhub::intake::altcha::{self, Challenge};
use common::site::{Browser, Page, Site};
use common::world::{projects, sign_in};
use common::{Server, TestDb};
use sqlx::PgPool;

const THANK_YOU: &str = "/report/thank-you/";

/// Form fields, as posted.
type Fields<'a> = Vec<(&'a str, &'a str)>;

/// The form's fields for a report on `project`.
fn report<'a>(project: &'a str, summary: &'a str) -> Fields<'a> {
    vec![
        ("project_slug", project),
        ("summary", summary),
        (
            "details",
            "Steps to reproduce:\n\n1. open the editor\n2. paste `<img onerror>`",
        ),
    ]
}

/// Loads the form (a session and its CSRF token) and posts `fields` to it.
async fn post_report(site: &Site, browser: &Browser, fields: &[(&str, &str)]) -> Page {
    post_at(&site.base, browser, fields).await
}

/// [`post_report`] to the application at `base`.
async fn post_at(base: &str, browser: &Browser, fields: &[(&str, &str)]) -> Page {
    let form = browser.get(&format!("{base}/report/")).await;
    assert_eq!(form.status, 200, "{}", form.body);
    let token = form.csrf();
    let mut all = fields.to_vec();
    all.push(("csrf_token", &token));
    browser.post(&format!("{base}/report/"), &all, &[]).await
}

async fn count(pool: &PgPool, sql: &'static str) -> i64 {
    sqlx::query_scalar::<_, i64>(sql)
        .fetch_one(pool)
        .await
        .unwrap()
}

/// How many advisories, intake sidecars and honeypot rows exist.
async fn stored(pool: &PgPool) -> (i64, i64, i64) {
    (
        count(pool, "SELECT count(*) FROM advisory").await,
        count(pool, "SELECT count(*) FROM advisory_intake").await,
        count(pool, "SELECT count(*) FROM honeypot_submission").await,
    )
}

fn assert_thanked(page: &Page) {
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(
        page.headers.get("location").unwrap(),
        THANK_YOU,
        "both branches redirect to the bare thank-you page"
    );
}

// INV-INTAKE-2, INV-LIFECYCLE-2: an anonymous report becomes a triage
// advisory with version 1, a sidecar holding where it came from and no
// reporter, its ledger entry and the triage notification job; an `email`
// field has no effect and the form has none.
#[tokio::test]
async fn inv_intake_2_an_anonymous_report_files_a_triage_advisory_without_identity() {
    let site = Site::start(&[]).await;
    let p = projects(&site.db.pool).await;
    let anon = Browser::new();

    let form = anon.get(&site.url("/report/")).await;
    assert_eq!(form.status, 200);
    assert!(!form.body.contains("type=\"email\""), "no e-mail field");
    assert!(!form.body.contains("name=\"email\""), "no e-mail field");
    for field in [
        "project_slug",
        "summary",
        "details",
        "reporter_display_name",
        "website",
    ] {
        assert!(form.body.contains(&format!("name=\"{field}\"")), "{field}");
    }
    assert!(form.body.contains("value=\"__unsorted__\""));
    assert!(form.body.contains("value=\"rt.jetty\""));
    assert!(
        !form.body.contains("value=\"unsorted\""),
        "the sentinel is offered only as \"I don't know\""
    );
    assert!(form.body.contains("/oidc/authenticate/?next=/report/"));

    let mut fields = report("ecd.theia", "XSS in the markdown preview");
    fields.push(("reporter_display_name", "Jane H."));
    fields.push(("email", "jane@example.org"));
    let answer = post_report(&site, &anon, &fields).await;
    assert_thanked(&answer);
    let thanks = anon.follow(answer).await;
    assert_eq!(thanks.status, 200);
    assert!(thanks.body.contains("id=\"intake-thanks\""));
    assert!(thanks.body.contains("name=\"robots\" content=\"noindex\""));
    assert!(
        !thanks.body.contains("ECL-"),
        "no reference on the page (Q-16)"
    );

    let row: (
        i64,
        String,
        String,
        String,
        Option<i64>,
        uuid::Uuid,
        String,
        i32,
    ) = sqlx::query_as(
        "SELECT a.id, a.advisory_id, a.state, a.kind, a.created_by, a.project_id, a.summary,
                (SELECT max(version) FROM advisory_version v WHERE v.advisory_id = a.id)
         FROM advisory a",
    )
    .fetch_one(&site.db.pool)
    .await
    .unwrap();
    let (id, public_id, state, kind, created_by, project, summary, version) = row;
    assert_eq!((state.as_str(), kind.as_str()), ("triage", "native"));
    assert_eq!(created_by, None);
    assert_eq!(project, p.theia);
    assert_eq!(summary, "XSS in the markdown preview");
    assert_eq!(version, 1);

    let sidecar: (Option<i64>, String, Option<String>, String, bool) = sqlx::query_as(
        "SELECT reporter_user_id, reporter_display_name, host(submitted_ip), submitted_user_agent,
                needs_admin_routing
         FROM advisory_intake WHERE advisory_id = $1",
    )
    .bind(id)
    .fetch_one(&site.db.pool)
    .await
    .unwrap();
    assert_eq!(
        sidecar,
        (
            None,
            "Jane H.".to_owned(),
            Some("127.0.0.1".to_owned()),
            "AdvisoryHub-e2e/1.0".to_owned(),
            false
        )
    );
    let email_anywhere = count(
        &site.db.pool,
        "SELECT count(*) FROM advisory_intake i JOIN advisory a ON a.id = i.advisory_id
         WHERE i::text LIKE '%jane@example.org%' OR a::text LIKE '%jane@example.org%'",
    )
    .await;
    assert_eq!(email_anywhere, 0, "the e-mail field was ignored");
    assert_eq!(
        count(&site.db.pool, "SELECT count(*) FROM access_grant").await,
        0,
        "an anonymous reporter gets nothing"
    );

    let audit: (Option<i64>, serde_json::Value, Option<String>) = sqlx::query_as(
        "SELECT actor_id, metadata, host(ip_address) FROM audit_log_entry
         WHERE action = 'advisory.triage_submitted' AND advisory_id = $1",
    )
    .bind(id)
    .fetch_one(&site.db.pool)
    .await
    .unwrap();
    assert_eq!(audit.0, None);
    assert_eq!(
        audit.1,
        serde_json::json!({"advisory_id": public_id, "project_slug": "ecd.theia",
                           "authenticated": false, "unsorted": false})
    );
    assert_eq!(audit.2.as_deref(), Some("127.0.0.1"));
    let job: serde_json::Value =
        sqlx::query_scalar("SELECT payload FROM jobs WHERE name = 'notify.triage_event'")
            .fetch_one(&site.db.pool)
            .await
            .unwrap();
    assert_eq!(job["advisory_id"], id);
    assert_eq!(job["event"], "advisory_triage_submitted");
    assert_eq!(job["actor_id"], serde_json::Value::Null);

    // Nobody can claim it later: signing in (as anyone) gives no access.
    let erin = sign_in(&site, "erin").await;
    let page = erin
        .get(&site.url(&format!("/advisories/{public_id}/")))
        .await;
    assert_eq!(page.status, 404, "an anonymous report is linked to nobody");
}

// INV-INTAKE-4: "I don't know" files on `unsorted`, flagged for routing;
// the sentinel's slug typed directly is an unknown project.
#[tokio::test]
async fn inv_intake_4_i_dont_know_files_on_unsorted_flagged_for_routing() {
    let site = Site::start(&[]).await;
    projects(&site.db.pool).await;
    let anon = Browser::new();

    let refused = post_report(&site, &anon, &report("unsorted", "Typed the sentinel")).await;
    assert_eq!(refused.status, 422);
    assert!(
        refused.body.contains("Unknown project."),
        "{}",
        refused.body
    );
    assert_eq!(stored(&site.db.pool).await, (0, 0, 0));

    assert_thanked(
        &post_report(
            &site,
            &anon,
            &report("__unsorted__", "Somewhere in Eclipse"),
        )
        .await,
    );
    let (slug, flagged, flagged_at): (String, bool, bool) = sqlx::query_as(
        "SELECT p.slug, i.needs_admin_routing, i.flagged_for_routing_at IS NOT NULL
         FROM advisory a JOIN project p ON p.id = a.project_id
         JOIN advisory_intake i ON i.advisory_id = a.id",
    )
    .fetch_one(&site.db.pool)
    .await
    .unwrap();
    assert_eq!(
        (slug.as_str(), flagged, flagged_at),
        ("unsorted", true, true)
    );
    let metadata: serde_json::Value = sqlx::query_scalar(
        "SELECT metadata FROM audit_log_entry WHERE action = 'advisory.triage_submitted'",
    )
    .fetch_one(&site.db.pool)
    .await
    .unwrap();
    assert_eq!(metadata["unsorted"], true);
    assert_eq!(metadata["project_slug"], "unsorted");
}

/// A response's status, headers that are not per-request, and body.
fn shape(page: &Page) -> (u16, Vec<(String, String)>, String) {
    let mut headers: Vec<(String, String)> = page
        .headers
        .iter()
        .filter(|(k, _)| {
            !matches!(
                k.as_str(),
                "date" | "x-request-id" | "content-security-policy"
            )
        })
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap().to_owned()))
        .collect();
    headers.sort();
    (page.status, headers, page.body.clone())
}

/// A page with its CSP nonce (the one per-request value) blanked.
fn without_nonce(body: &str) -> String {
    let mut out = String::new();
    let mut rest = body;
    while let Some(at) = rest.find("nonce=\"") {
        out.push_str(&rest[..at + 7]);
        rest = &rest[at + 7..];
        rest = &rest[rest.find('"').unwrap()..];
    }
    out.push_str(rest);
    out
}

// INV-INTAKE-1, Q-16: a filled honeypot stores one honeypot row and nothing
// else, and its answer — the redirect and the page it leads to — is
// byte-identical to a real submission's.
#[tokio::test]
async fn inv_intake_1_a_honeypot_trip_answers_exactly_like_a_real_report() {
    let site = Site::start(&[]).await;
    projects(&site.db.pool).await;
    let anon = Browser::new();

    let real = post_report(&site, &anon, &report("ecd.theia", "A real report")).await;
    let mut trapped_fields = report("ecd.theia", "A bot's report");
    trapped_fields.push(("website", "http://spam.example/"));
    let trapped = post_report(&site, &anon, &trapped_fields).await;
    assert_thanked(&real);
    assert_eq!(shape(&real), shape(&trapped), "the two answers differ");

    let real_page = anon.follow(real).await;
    let trapped_page = anon.follow(trapped).await;
    assert_eq!(real_page.status, 200);
    assert_eq!(shape(&real_page).1, shape(&trapped_page).1);
    assert_eq!(
        without_nonce(&real_page.body),
        without_nonce(&trapped_page.body),
        "the thank-you pages differ beyond the nonce"
    );

    assert_eq!(stored(&site.db.pool).await, (1, 1, 1));
    let (summary,): (String,) = sqlx::query_as("SELECT summary FROM advisory")
        .fetch_one(&site.db.pool)
        .await
        .unwrap();
    assert_eq!(summary, "A real report");
    let trap: (Option<String>, String, String) = sqlx::query_as(
        "SELECT host(submitted_ip), submitted_user_agent, honeypot_field_value FROM honeypot_submission",
    )
    .fetch_one(&site.db.pool)
    .await
    .unwrap();
    assert_eq!(
        trap,
        (
            Some("127.0.0.1".to_owned()),
            "AdvisoryHub-e2e/1.0".to_owned(),
            "http://spam.example/".to_owned()
        )
    );
    assert_eq!(
        count(
            &site.db.pool,
            "SELECT count(*) FROM audit_log_entry WHERE action = 'advisory.triage_submitted'"
        )
        .await,
        1,
        "no audit entry for the trip"
    );
    assert_eq!(
        count(
            &site.db.pool,
            "SELECT count(*) FROM jobs WHERE name = 'notify.triage_event'"
        )
        .await,
        1,
        "no notification for the trip"
    );
}

// INV-INTAKE-3: a signed-in reporter is linked from the session and granted
// exactly `viewer` by the system; their form has no trap and no name field
// (anything posted in them is ignored), and they can open the report.
#[tokio::test]
async fn inv_intake_3_a_signed_in_reporter_gets_a_viewer_grant() {
    let site = Site::start(&[]).await;
    let p = projects(&site.db.pool).await;
    let erin = sign_in(&site, "erin").await;
    let erin_id = site.user_id("erin@example.org").await;

    let form = erin.get(&site.url("/report/")).await;
    assert!(!form.body.contains("name=\"website\""));
    assert!(!form.body.contains("name=\"reporter_display_name\""));
    assert!(!form.body.contains("id=\"intake-sign-in\""));

    let mut fields = report("rt.jetty", "Request smuggling");
    fields.push(("website", "filled by an autofill"));
    fields.push(("reporter_display_name", "Someone else"));
    assert_thanked(&post_report(&site, &erin, &fields).await);
    assert_eq!(
        stored(&site.db.pool).await,
        (1, 1, 0),
        "not a honeypot trip"
    );

    let (id, public_id, created_by, project): (i64, String, Option<i64>, uuid::Uuid) =
        sqlx::query_as("SELECT id, advisory_id, created_by, project_id FROM advisory")
            .fetch_one(&site.db.pool)
            .await
            .unwrap();
    assert_eq!(created_by, Some(erin_id));
    assert_eq!(project, p.jetty);
    let sidecar: (Option<i64>, String) = sqlx::query_as(
        "SELECT reporter_user_id, reporter_display_name FROM advisory_intake WHERE advisory_id = $1",
    )
    .bind(id)
    .fetch_one(&site.db.pool)
    .await
    .unwrap();
    assert_eq!(sidecar, (Some(erin_id), String::new()));
    let grants: Vec<(String, i64, String, Option<i64>)> = sqlx::query_as(
        "SELECT principal_type, principal_id, permission, created_by FROM access_grant WHERE advisory_id = $1",
    )
    .bind(id)
    .fetch_all(&site.db.pool)
    .await
    .unwrap();
    assert_eq!(
        grants,
        [("user".to_owned(), erin_id, "viewer".to_owned(), None)]
    );
    let granted: (Option<i64>, serde_json::Value) = sqlx::query_as(
        "SELECT actor_id, new_value FROM audit_log_entry WHERE action = 'access.granted' AND advisory_id = $1",
    )
    .bind(id)
    .fetch_one(&site.db.pool)
    .await
    .unwrap();
    assert_eq!(granted.0, None, "the system grants it");
    assert_eq!(granted.1["permission"], "viewer");
    let submitted: (Option<i64>, serde_json::Value) = sqlx::query_as(
        "SELECT actor_id, metadata FROM audit_log_entry WHERE action = 'advisory.triage_submitted'",
    )
    .fetch_one(&site.db.pool)
    .await
    .unwrap();
    assert_eq!(submitted.0, Some(erin_id));
    assert_eq!(submitted.1["authenticated"], true);

    let page = erin
        .get(&site.url(&format!("/advisories/{public_id}/")))
        .await;
    assert_eq!(page.status, 200, "the reporter can view their report");
}

// Hostile and malformed input: each answer is the form again with a message
// (422), the input escaped, and nothing is stored.
#[tokio::test]
async fn hostile_input_is_refused_with_a_form_error_and_nothing_is_stored() {
    let site = Site::start(&[]).await;
    projects(&site.db.pool).await;
    let anon = Browser::new();
    let long_summary = "s".repeat(301);
    let long_details = "d".repeat(16_385);
    let long_name = "n".repeat(201);
    let cases: Vec<(&str, Fields<'_>, &str)> = vec![
        ("missing everything", vec![], "A summary is required."),
        (
            "missing project",
            vec![("summary", "s"), ("details", "d")],
            "Choose a project",
        ),
        (
            "unknown project",
            report("no.such.project", "s"),
            "Unknown project.",
        ),
        (
            "malformed slug",
            report("../etc/passwd", "s"),
            "Unknown project.",
        ),
        (
            "summary too long",
            report("ecd.theia", &long_summary),
            "at most 300",
        ),
        (
            "details too long",
            vec![
                ("project_slug", "ecd.theia"),
                ("summary", "s"),
                ("details", &long_details),
            ],
            "at most 16,384",
        ),
        (
            "name too long",
            [
                report("ecd.theia", "s"),
                vec![("reporter_display_name", &long_name)],
            ]
            .concat(),
            "at most 200",
        ),
        (
            "control characters in the summary",
            report("ecd.theia", "bell\u{7} and escape\u{1b}[2J"),
            "control characters",
        ),
        (
            "NUL in the details",
            vec![
                ("project_slug", "ecd.theia"),
                ("summary", "s"),
                ("details", "a\0b"),
            ],
            "control characters",
        ),
        (
            "blank details",
            vec![
                ("project_slug", "ecd.theia"),
                ("summary", "s"),
                ("details", " \n\t "),
            ],
            "Details are required.",
        ),
        (
            "markup with a missing summary",
            vec![
                ("project_slug", "ecd.theia"),
                ("summary", ""),
                (
                    "details",
                    "<script>alert(1)</script>\"><img src=x onerror=alert(2)>",
                ),
            ],
            "A summary is required.",
        ),
        (
            "a trap with an invalid form",
            vec![("website", "http://spam.example/"), ("summary", "s")],
            "Details are required.",
        ),
    ];
    for (what, fields, message) in cases {
        let page = post_report(&site, &anon, &fields).await;
        assert_eq!(page.status, 422, "{what}: {}", page.body);
        assert!(page.body.contains("id=\"form-errors\""), "{what}");
        assert!(
            page.body.contains(message),
            "{what}: no {message:?} in {}",
            page.body
        );
        assert!(
            !page.body.contains("<script>alert(1)"),
            "{what}: reflected markup"
        );
        assert!(
            !page.body.contains("<img src=x"),
            "{what}: reflected markup"
        );
        assert_eq!(
            stored(&site.db.pool).await,
            (0, 0, 0),
            "{what} stored something"
        );
    }
    // The markup came back escaped, as typed.
    let page = post_report(
        &site,
        &anon,
        &[
            ("project_slug", "ecd.theia"),
            ("details", "<script>alert(1)</script>"),
        ],
    )
    .await;
    assert!(
        page.body
            .contains("&#60;script&#62;alert(1)&#60;/script&#62;"),
        "{}",
        page.body
    );

    // A body that is not a form at all, and one above the size limit.
    let form = anon.get(&site.url("/report/")).await;
    let token = form.csrf();
    let garbage = anon
        .client
        .post(site.url("/report/"))
        .header("origin", &site.base)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-csrf-token", &token)
        .body("summary=%FF%FE&summary=twice")
        .send()
        .await
        .unwrap();
    assert_eq!(garbage.status().as_u16(), 422);
    let huge = "x".repeat(2 * 1024 * 1024);
    let oversized = anon
        .post(
            &site.url("/report/"),
            &[
                ("csrf_token", token.as_str()),
                ("project_slug", "ecd.theia"),
                ("summary", "s"),
                ("details", &huge),
            ],
            &[],
        )
        .await;
    assert_eq!(oversized.status, 413);
    assert_eq!(stored(&site.db.pool).await, (0, 0, 0));

    // Markup in a valid report is kept as typed: it is markdown, sanitised
    // when shown, and a report about an XSS may well need it.
    assert_thanked(
        &post_report(
            &site,
            &anon,
            &[
                ("project_slug", "ecd.theia"),
                ("summary", "XSS"),
                ("details", "<script>alert(1)</script>"),
            ],
        )
        .await,
    );
    let details: String = sqlx::query_scalar("SELECT details FROM advisory")
        .fetch_one(&site.db.pool)
        .await
        .unwrap();
    assert_eq!(details, "<script>alert(1)</script>");
}

/// The challenge embedded in a form page.
fn challenge_of(page: &Page) -> Challenge {
    let marker = "challenge=\"";
    let at = page
        .body
        .find(marker)
        .unwrap_or_else(|| panic!("no challenge in {}", page.body))
        + marker.len();
    let end = at + page.body[at..].find('"').unwrap();
    let json = page.body[at..end]
        .replace("&#34;", "\"")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    serde_json::from_str(&json).unwrap()
}

/// Random salts with a small secret number, so that the challenges the
/// test issues itself solve fast.
struct SmallNumber;

impl Entropy for SmallNumber {
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), getrandom::Error> {
        OsEntropy.fill(buf)?;
        let n = buf.len();
        buf[n - 4..n - 1].fill(0);
        Ok(())
    }
}

/// Posts a report with `solution` as the `altcha` field.
async fn post_solved(site: &Site, browser: &Browser, summary: &str, solution: &str) -> Page {
    let mut fields = report("ecd.theia", summary);
    fields.push(("altcha", solution));
    post_report(site, browser, &fields).await
}

// The proof-of-work captcha (§15.4): a solution of one of our challenges is
// accepted once; a replay, a missing one, one signed with another key and an
// expired one are refused with 400 and store nothing. Signed-in reporters
// never see it.
#[tokio::test]
async fn captcha_solutions_are_accepted_once_and_forgeries_refused() {
    const KEY: &str = "intake-test-altcha-key";
    let site = Site::start(&[("ALTCHA_HMAC_KEY", KEY)]).await;
    projects(&site.db.pool).await;
    let anon = Browser::new();

    let form = anon.get(&site.url("/report/")).await;
    assert!(form.body.contains("<altcha-widget"));
    assert!(
        form.body.contains("id=\"altcha-noscript\""),
        "the no-JS notice"
    );
    assert!(
        form.body
            .contains("data-worker-url=\"/static/altcha@3.1.0/workers/sha.")
    );
    let challenge = challenge_of(&form);
    assert_eq!(challenge.algorithm, "SHA-256");
    let solution = altcha::solve(&challenge).unwrap().to_field();

    assert_thanked(&post_solved(&site, &anon, "Solved", &solution).await);
    assert_eq!(stored(&site.db.pool).await, (1, 1, 0));

    let replay = post_solved(&site, &anon, "Replayed", &solution).await;
    assert_eq!(replay.status, 400, "{}", replay.body);
    assert!(
        replay
            .body
            .contains("The spam check failed or has expired.")
    );

    let missing = post_report(&site, &anon, &report("ecd.theia", "No JavaScript")).await;
    assert_eq!(missing.status, 400);
    assert!(missing.body.contains("It needs JavaScript; sign in"));

    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let forged = altcha::issue("some other key", now, &mut SmallNumber).unwrap();
    let forged = altcha::solve(&forged).unwrap().to_field();
    assert_eq!(
        post_solved(&site, &anon, "Forged", &forged).await.status,
        400
    );

    let old = altcha::issue(KEY, now - altcha::LIFETIME_SECONDS - 1, &mut SmallNumber).unwrap();
    let old = altcha::solve(&old).unwrap().to_field();
    assert_eq!(post_solved(&site, &anon, "Expired", &old).await.status, 400);

    assert_eq!(
        stored(&site.db.pool).await,
        (1, 1, 0),
        "refusals store nothing"
    );

    // The trap wins over a solved captcha, which stays unspent.
    let fresh = altcha::solve(&challenge_of(&anon.get(&site.url("/report/")).await))
        .unwrap()
        .to_field();
    let mut trapped = report("ecd.theia", "Bot");
    trapped.push(("altcha", &fresh));
    trapped.push(("website", "spam"));
    assert_thanked(&post_report(&site, &anon, &trapped).await);
    assert_eq!(stored(&site.db.pool).await, (1, 1, 1));
    assert_thanked(&post_solved(&site, &anon, "Second real", &fresh).await);
    assert_eq!(stored(&site.db.pool).await, (2, 2, 1));

    let erin = sign_in(&site, "erin").await;
    let form = erin.get(&site.url("/report/")).await;
    assert!(
        !form.body.contains("<altcha-widget"),
        "signed-in reporters are exempt"
    );
    assert_thanked(&post_report(&site, &erin, &report("ecd.theia", "Signed in")).await);
}

// INV-RATELIMIT-1 across processes: two `advisoryhub web` processes share
// the per-address counter, so the limit holds whichever one a reporter hits,
// and the refused report stores nothing.
#[tokio::test]
async fn inv_ratelimit_1_the_anonymous_limit_holds_across_two_web_processes() {
    let db = TestDb::new().await;
    projects(&db.pool).await;
    let env: HashMap<&str, String> = HashMap::from([
        ("APP_ENV", "test".to_owned()),
        ("DATABASE_URL", db.url.clone()),
        ("LOG_FORMAT", "json".to_owned()),
        ("RATELIMIT_INTAKE_ANON", "3/h".to_owned()),
    ]);
    // Windows are fixed, starting at multiples of the period: a run that
    // straddles the top of the hour would count in two of them.
    let into_hour = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        % 3600;
    if into_hour > 3600 - 60 {
        tokio::time::sleep(std::time::Duration::from_secs(3600 - into_hour + 1)).await;
    }
    let first = Server::start(&["web"], &env).await;
    let second = Server::start(&["web"], &env).await;
    let (a, b) = (Browser::new(), Browser::new());
    let mut statuses = Vec::new();
    for (i, (server, browser)) in [
        (&first, &a),
        (&second, &b),
        (&first, &a),
        (&second, &b),
        (&first, &a),
    ]
    .into_iter()
    .enumerate()
    {
        let summary = format!("report {i}");
        statuses.push(
            post_at(&server.base, browser, &report("ecd.theia", &summary))
                .await
                .status,
        );
    }
    assert_eq!(statuses, [303, 303, 303, 429, 429]);
    assert_eq!(stored(&db.pool).await, (3, 3, 0));
    let refused = post_at(&second.base, &b, &report("ecd.theia", "one more")).await;
    assert_eq!(refused.status, 429);
    assert!(refused.headers.get("retry-after").is_some());
    assert_eq!(count(&db.pool, "SELECT count(*) FROM jobs").await, 3);
}

// The per-user limit counts a signed-in reporter, not their address: an
// anonymous reporter on the same address is not held back by it.
#[tokio::test]
async fn inv_ratelimit_1_signed_in_reporters_are_limited_per_user() {
    let site = Site::start(&[
        ("RATELIMIT_ENABLE", "true"),
        ("RATELIMIT_INTAKE_USER", "2/h"),
        ("RATELIMIT_INTAKE_ANON", "5/h"),
    ])
    .await;
    projects(&site.db.pool).await;
    let erin = sign_in(&site, "erin").await;
    let mut statuses = Vec::new();
    for i in 0..3 {
        let summary = format!("erin {i}");
        statuses.push(
            post_report(&site, &erin, &report("ecd.theia", &summary))
                .await
                .status,
        );
    }
    assert_eq!(statuses, [303, 303, 429]);
    let anon = Browser::new();
    assert_thanked(&post_report(&site, &anon, &report("ecd.theia", "anonymous")).await);
    assert_eq!(stored(&site.db.pool).await, (3, 3, 0));
}

// 60-api §5: the picker's JSON is public, GET-only, cacheable, filtered by
// `q` over slug and name, and never lists the sentinel.
#[tokio::test]
async fn projects_json_is_get_only_cacheable_and_filtered() {
    let site = Site::start(&[]).await;
    projects(&site.db.pool).await;
    let anon = Browser::new();

    let all = anon.get(&site.url("/report/projects.json")).await;
    assert_eq!(all.status, 200);
    assert_eq!(
        all.headers.get("cache-control").unwrap(),
        "public, max-age=300"
    );
    assert!(
        all.headers.get("set-cookie").is_none(),
        "no session on a cacheable answer"
    );
    assert!(
        all.headers
            .get("content-type")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let list: serde_json::Value = serde_json::from_str(&all.body).unwrap();
    assert_eq!(
        list,
        serde_json::json!([
            {"slug": "rt.jetty", "name": "Eclipse Jetty"},
            {"slug": "ecd.theia", "name": "Eclipse Theia"},
        ]),
        "by name, without the sentinel"
    );
    for (q, expected) in [
        ("JET", vec!["rt.jetty"]),
        ("ecd.", vec!["ecd.theia"]),
        ("unsorted", vec![]),
        ("%", vec![]),
    ] {
        let page = anon
            .get(&site.url(&format!(
                "/report/projects.json?q={}",
                url::form_urlencoded::byte_serialize(q.as_bytes()).collect::<String>()
            )))
            .await;
        let slugs: Vec<String> = serde_json::from_str::<Vec<serde_json::Value>>(&page.body)
            .unwrap()
            .iter()
            .map(|p| p["slug"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(slugs, expected, "q={q}");
    }
    let form = anon.get(&site.url("/report/")).await;
    let token = form.csrf();
    let posted = anon
        .post(
            &site.url("/report/projects.json"),
            &[("csrf_token", token.as_str())],
            &[],
        )
        .await;
    assert_eq!(posted.status, 405);
}

// §15.5: while intake is closed, the form and its POST answer 503 and
// nothing is stored.
#[tokio::test]
async fn a_closed_intake_answers_503_and_stores_nothing() {
    let site = Site::start(&[("INTAKE_DISABLED", "true")]).await;
    projects(&site.db.pool).await;
    let anon = Browser::new();
    let page = anon.get(&site.url("/report/")).await;
    assert_eq!(page.status, 503);
    assert!(page.body.contains("Report intake is temporarily closed."));
    // A 503 saves no session: the token comes from another page.
    let token = anon.get(&site.url("/")).await.csrf();
    let mut fields = report("ecd.theia", "s");
    fields.push(("csrf_token", &token));
    let posted = anon.post(&site.url("/report/"), &fields, &[]).await;
    assert_eq!(posted.status, 503);
    assert_eq!(stored(&site.db.pool).await, (0, 0, 0));
}
