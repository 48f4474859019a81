//! Notifications end to end: comments posted over real HTTP (signed in
//! through the identity provider), the real worker sending through a real
//! SMTP server on loopback, and the inbox, preferences and bookkeeping that
//! follow. Exactly one message per user per event, never comment text,
//! recipients resolved at send time (INV-PRIVACY-2), internal comments only
//! to collaborators and owners (INV-COMMENT-2), banned users never
//! (INV-AUTH-8), retries then dead letters when SMTP is down (ruling 1), and
//! the recipient's language (ruling 40).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on purpose"
)]

mod common;

use std::time::Duration;

use common::mail::{CaughtMail, MailCatcher};
use common::site::{Browser, Page, Site, free_port};
use common::worker;
use common::world::{BobsAdvisory, bobs_advisory, create_advisory, grant, sign_in, summary};
use serde_json::{Value, json};

/// Long enough for a worker on a busy machine, short enough to fail fast.
const DRAIN: Duration = Duration::from_secs(20);

struct World {
    site: Site,
    mail: MailCatcher,
    bob: Browser,
    theia: uuid::Uuid,
    /// An advisory of Theia's, created by bob.
    id: String,
}

impl World {
    /// Theia and Jetty, a mail catcher, bob (Theia's team) signed in, and
    /// one advisory of his.
    async fn new() -> World {
        let (site, mail) = tokio::join!(Site::start(&[]), MailCatcher::start());
        let BobsAdvisory { theia, bob, id } = bobs_advisory(&site).await;
        World {
            site,
            mail,
            bob,
            theia,
            id,
        }
    }

    /// Creates an advisory of Theia's as bob, through the service.
    async fn create(&self, text: &str) -> String {
        let bob = self.site.actor("bob@example.org").await;
        create_advisory(&self.site.db.pool, &bob, self.theia, summary(text)).await
    }

    async fn signed_in(&self, who: &str) -> Browser {
        sign_in(&self.site, who).await
    }

    /// Runs `stmt` with `who`'s address as `$1`.
    async fn sql(&self, stmt: &'static str, who: &str) {
        sqlx::query(stmt)
            .bind(format!("{who}@example.org"))
            .execute(&self.site.db.pool)
            .await
            .unwrap();
    }

    /// Grants `who` (signed in before) `permission` on advisory `id`.
    async fn grant_on(&self, id: &str, who: &str, permission: &str) {
        grant(
            &self.site.db.pool,
            id,
            &format!("{who}@example.org"),
            permission,
        )
        .await;
    }

    async fn grant(&self, who: &str, permission: &str) {
        self.grant_on(&self.id, who, permission).await;
    }

    /// Sets `who`'s global comments level to `all`.
    async fn every_comment(&self, who: &str) {
        self.sql(
            "INSERT INTO notification_preference (user_id, comments_level)
             SELECT id, 'all' FROM app_user WHERE email = $1",
            who,
        )
        .await;
    }

    fn url(&self, path: &str) -> String {
        self.site.url(path)
    }

    /// The session's CSRF token, from a page without side effects (the
    /// advisory page would mark notifications read).
    async fn csrf(&self, b: &Browser) -> String {
        b.get(&self.url("/notifications/preferences/")).await.csrf()
    }

    async fn post(&self, b: &Browser, path: &str, form: &[(&str, &str)], htmx: bool) -> Page {
        let csrf = self.csrf(b).await;
        let mut fields = vec![("csrf_token", csrf.as_str())];
        fields.extend_from_slice(form);
        let headers: &[(&str, &str)] = if htmx { &[("hx-request", "true")] } else { &[] };
        b.post(&self.url(path), &fields, headers).await
    }

    /// Posts a comment on advisory `id` over HTTP; its id.
    async fn comment_on(&self, id: &str, b: &Browser, body: &str, internal: bool) -> i64 {
        let mut form = vec![("body", body)];
        if internal {
            form.push(("is_internal", "on"));
        }
        let page = self
            .post(b, &format!("/advisories/{id}/comments/new/"), &form, false)
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
        page.location()
            .unwrap()
            .rsplit_once("#comment-")
            .unwrap()
            .1
            .parse()
            .unwrap()
    }

    async fn comment(&self, b: &Browser, body: &str, internal: bool) -> i64 {
        self.comment_on(&self.id, b, body, internal).await
    }

    fn smtp(&self) -> Vec<(&'static str, String)> {
        self.mail.settings().to_vec()
    }

    /// Runs the real worker against the catcher until no job is due.
    async fn drain(&self) {
        drain_with(&self.site, &self.smtp()).await;
    }

    /// Messages to `who` so far.
    async fn mails_to(&self, who: &str) -> Vec<CaughtMail> {
        let address = format!("{who}@example.org");
        self.mail
            .messages()
            .await
            .into_iter()
            .filter(|m| m.to.contains(&address))
            .collect()
    }

    /// `who`'s inbox: kind, subject, summary, read.
    async fn inbox(&self, who: &str) -> Vec<(String, String, String, bool)> {
        sqlx::query_as(
            "SELECT n.kind, n.subject, n.summary, n.read_at IS NOT NULL FROM notification n
             JOIN app_user u ON u.id = n.recipient_id WHERE u.email = $1 ORDER BY n.id",
        )
        .bind(format!("{who}@example.org"))
        .fetch_all(&self.site.db.pool)
        .await
        .unwrap()
    }

    /// `notification.sent` rows: actor, metadata.
    async fn sent_log(&self) -> Vec<(Option<i64>, Value)> {
        self.site
            .access_log()
            .await
            .into_iter()
            .filter(|(action, ..)| action == "notification.sent")
            .map(|(_, actor, metadata, ..)| (actor, metadata))
            .collect()
    }
}

async fn drain_with(site: &Site, settings: &[(&'static str, String)]) {
    let vars: Vec<(&str, &str)> = settings.iter().map(|(k, v)| (*k, v.as_str())).collect();
    worker::drain(&site.db, &vars, DRAIN).await;
}

fn subjects(mails: &[CaughtMail]) -> Vec<&str> {
    mails.iter().map(|m| m.subject.as_str()).collect()
}

fn text(mail: &CaughtMail) -> &str {
    mail.text.as_deref().unwrap_or_default()
}

// One comment, one message per recipient: the mentioned teammate gets the
// mention mail only (although he also asked for every comment), a
// collaborator who asked for every comment gets the comment mail, an admin
// who did not gets nothing, and neither does the author. Each delivery has
// its inbox row and its `notification.sent` row; no mail, inbox row or log
// row carries the comment's text (30-permissions §10.6).
#[tokio::test]
async fn a_comment_reaches_each_recipient_once_and_never_its_text() {
    let w = World::new().await;
    let erin = w.signed_in("erin").await;
    w.signed_in("dave").await;
    w.signed_in("alice").await;
    w.grant("erin", "viewer").await;
    w.grant("dave", "collaborator").await;
    w.every_comment("dave").await;
    w.every_comment("bob").await;
    let cid = w
        .comment(&erin, "@bob the XYZZY-SECRET token is in the logs", false)
        .await;
    w.drain().await;

    let all = w.mail.messages().await;
    assert_eq!(all.len(), 2, "{all:#?}");
    let bob = w.mails_to("bob").await;
    assert_eq!(subjects(&bob), [format!("[{}] you were mentioned", w.id)]);
    let dave = w.mails_to("dave").await;
    assert_eq!(subjects(&dave), [format!("[{}] new comment", w.id)]);
    for m in &all {
        assert_eq!(m.to.len(), 1);
        let html = m.html.as_deref().unwrap_or_default();
        assert!(
            !text(m).contains("XYZZY") && !html.contains("XYZZY"),
            "{m:#?}"
        );
        assert!(!m.subject.contains("XYZZY"));
        assert!(
            text(m).contains(&format!("/advisories/{}/#comment-{cid}", w.id)),
            "{}",
            text(m)
        );
        // The author is named, never by a non-owner's full address.
        assert!(text(m).contains("Erin Castillo"), "{}", text(m));
    }
    assert!(text(&bob[0]).contains("mentioned in a comment on this advisory"));
    assert!(text(&bob[0]).contains("always delivered"));
    assert!(text(&dave[0]).contains("a holder of collaborator access to this advisory"));
    assert!(text(&dave[0]).contains("default (global) notification settings"));

    let bob_inbox = w.inbox("bob").await;
    assert_eq!(bob_inbox.len(), 1);
    assert_eq!(bob_inbox[0].0, "mention");
    assert_eq!(bob_inbox[0].1, format!("[{}] you were mentioned", w.id));
    let dave_inbox = w.inbox("dave").await;
    assert_eq!(dave_inbox.len(), 1);
    assert_eq!(dave_inbox[0].0, "comment");
    for who in ["erin", "alice"] {
        assert!(w.inbox(who).await.is_empty(), "{who}");
        assert!(w.mails_to(who).await.is_empty(), "{who}");
    }
    for (_, subject, summary, _) in bob_inbox.iter().chain(&dave_inbox) {
        assert!(!subject.contains("XYZZY") && !summary.contains("XYZZY"));
    }

    let log = w.sent_log().await;
    assert_eq!(log.len(), 2, "{log:?}");
    let bob_id = w.site.user_id("bob@example.org").await;
    let (actor, mention) = log
        .iter()
        .find(|(_, m)| m["recipient_id"] == json!(bob_id))
        .unwrap();
    assert_eq!(*actor, None, "sent by the system");
    assert_eq!(mention["kind"], "mention");
    assert_eq!(mention["recipient_email"], "bob@example.org");
    assert_eq!(mention["comment_id"], json!(cid));
    assert!(!log.iter().any(|(_, m)| m.to_string().contains("XYZZY")));

    // The job is done: running the worker again sends nothing more.
    w.drain().await;
    assert_eq!(w.mail.messages().await.len(), 2);
}

// INV-PRIVACY-2: recipients are resolved when the job runs, so a grant
// revoked after the comment but before the send drops its holder.
#[tokio::test]
async fn inv_privacy_2_a_grant_revoked_before_the_send_drops_the_recipient() {
    let w = World::new().await;
    w.signed_in("erin").await;
    w.signed_in("dave").await;
    w.grant("erin", "viewer").await;
    w.grant("dave", "viewer").await;
    w.comment(&w.bob, "@erin and @dave, please confirm", false)
        .await;
    w.sql(
        "DELETE FROM access_grant WHERE principal_type = 'user'
           AND principal_id = (SELECT id FROM app_user WHERE email = $1)",
        "dave",
    )
    .await;
    w.drain().await;
    assert_eq!(w.mails_to("erin").await.len(), 1);
    assert!(w.mails_to("dave").await.is_empty());
    assert!(w.inbox("dave").await.is_empty());
    assert_eq!(w.mail.messages().await.len(), 1);
    assert_eq!(w.sent_log().await.len(), 1);
}

// INV-COMMENT-2: a mention never elevates visibility. An internal comment
// that mentions a viewer (who even asked for every comment) sends them
// nothing; the mentioned collaborator still hears.
#[tokio::test]
async fn inv_comment_2_an_internal_comment_mentioning_a_viewer_sends_it_nothing() {
    let w = World::new().await;
    w.signed_in("erin").await;
    w.signed_in("dave").await;
    w.grant("erin", "viewer").await;
    w.grant("dave", "collaborator").await;
    w.every_comment("erin").await;
    w.comment(&w.bob, "Internal: @erin must not know, @dave should", true)
        .await;
    w.drain().await;
    assert!(w.mails_to("erin").await.is_empty());
    assert!(w.inbox("erin").await.is_empty());
    let dave = w.mails_to("dave").await;
    assert_eq!(subjects(&dave), [format!("[{}] you were mentioned", w.id)]);
    assert_eq!(w.mail.messages().await.len(), 1);
}

// INV-AUTH-8: a banned user is never a recipient, mentioned or not.
#[tokio::test]
async fn inv_auth_8_a_banned_user_receives_nothing() {
    let w = World::new().await;
    w.signed_in("erin").await;
    w.signed_in("dave").await;
    w.grant("erin", "viewer").await;
    w.grant("dave", "viewer").await;
    w.every_comment("erin").await;
    w.sql(
        "UPDATE app_user SET is_active = false, banned_at = now() WHERE email = $1",
        "erin",
    )
    .await;
    w.comment(&w.bob, "@erin @dave have a look", false).await;
    w.drain().await;
    assert!(w.mails_to("erin").await.is_empty());
    assert!(w.inbox("erin").await.is_empty());
    assert_eq!(w.mails_to("dave").await.len(), 1);
    assert_eq!(w.mail.messages().await.len(), 1);
}

// A new advisory is announced to the rest of its project's security team
// (by the global `on_advisory_created` switch alone), not to its author,
// not to an admin outside the team.
#[tokio::test]
async fn a_new_advisory_is_announced_to_the_rest_of_its_team() {
    let w = World::new().await;
    w.signed_in("alice").await;
    for (email, wants) in [("frank@example.org", true), ("grace@example.org", false)] {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO app_user (email, display_name) VALUES ($1, 'Team mate') RETURNING id",
        )
        .bind(email)
        .fetch_one(&w.site.db.pool)
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO user_group (user_id, group_id)
             SELECT $1, id FROM oidc_group WHERE name = 'theia-security'",
        )
        .bind(id)
        .execute(&w.site.db.pool)
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO notification_preference (user_id, on_advisory_created) VALUES ($1, $2)",
        )
        .bind(id)
        .bind(wants)
        .execute(&w.site.db.pool)
        .await
        .unwrap();
    }
    // The advisory was created (and its job enqueued) before frank joined:
    // the team is read when the job runs.
    w.drain().await;
    let frank = w.mails_to("frank").await;
    assert_eq!(
        subjects(&frank),
        [format!("[{}] new advisory created", w.id)]
    );
    assert!(
        text(&frank[0]).contains("a member of the Eclipse Theia security team"),
        "{}",
        text(&frank[0])
    );
    assert!(text(&frank[0]).contains("Eclipse Theia"));
    assert!(
        !text(&frank[0]).contains("Token leak"),
        "no advisory content"
    );
    let inbox = w.inbox("frank").await;
    assert_eq!(inbox.len(), 1);
    assert_eq!(inbox[0].0, "advisory_created");
    for who in ["bob", "alice", "grace"] {
        assert!(w.mails_to(who).await.is_empty(), "{who}");
    }
    assert_eq!(w.mail.messages().await.len(), 1);
}

// Ruling 1: with SMTP down the job retries with backoff and ends
// dead-lettered, leaving no inbox row and no `notification.sent` row (they
// exist only for mail that went out); re-queued as an admin would, with the
// server up, the mail goes out once.
#[tokio::test]
async fn smtp_down_retries_then_dead_letters_and_a_requeue_sends_once() {
    let w = World::new().await;
    w.signed_in("erin").await;
    w.grant("erin", "viewer").await;
    w.comment(&w.bob, "@erin is this fixed?", false).await;
    let down = [
        ("EMAIL_BACKEND", "smtp".to_owned()),
        ("EMAIL_HOST", "127.0.0.1".to_owned()),
        ("EMAIL_PORT", free_port().to_string()),
        ("EMAIL_TIMEOUT", "2".to_owned()),
    ];
    let job = || async {
        sqlx::query_as::<_, (i64, String, i32, i32, Option<String>)>(
            "SELECT id, status, attempts, max_attempts, last_error FROM jobs
             WHERE name = 'notify.comment'",
        )
        .fetch_one(&w.site.db.pool)
        .await
        .unwrap()
    };
    let mut runs = 0;
    loop {
        drain_with(&w.site, &down).await;
        runs += 1;
        let (_, status, attempts, max, _) = job().await;
        assert_eq!(attempts, runs, "one attempt per run");
        if status == "dead" {
            assert_eq!(attempts, max);
            break;
        }
        assert_eq!(status, "pending", "a retry is scheduled");
        assert!(runs < max, "still not dead after {runs} runs");
        worker::hurry(&w.site.db).await;
    }
    let (id, _, _, _, error) = job().await;
    assert!(
        error
            .as_deref()
            .unwrap_or_default()
            .contains("could not be sent"),
        "{error:?}"
    );
    assert!(w.inbox("erin").await.is_empty());
    assert!(w.sent_log().await.is_empty());
    assert!(w.mail.messages().await.is_empty());

    sqlx::query(
        "UPDATE jobs SET status = 'pending', attempts = 0, run_at = now(), finished_at = NULL
         WHERE id = $1",
    )
    .bind(id)
    .execute(&w.site.db.pool)
    .await
    .unwrap();
    w.drain().await;
    let erin = w.mails_to("erin").await;
    assert_eq!(subjects(&erin), [format!("[{}] you were mentioned", w.id)]);
    assert_eq!(w.inbox("erin").await.len(), 1);
    assert_eq!(w.sent_log().await.len(), 1);
    assert_eq!(job().await.1, "completed");
    w.drain().await;
    assert_eq!(w.mail.messages().await.len(), 1);
}

// The inbox (50-web-ui §13.1, ruling 22): the rows with the unread count,
// the header badge, marking one read (someone else's row is 404), all read
// (with the flash), and reading by visiting the advisory.
#[tokio::test]
async fn the_inbox_counts_and_marks_notifications_read() {
    let w = World::new().await;
    let erin = w.signed_in("erin").await;
    let other = w.create("Second issue").await;
    w.grant("erin", "viewer").await;
    w.grant_on(&other, "erin", "viewer").await;
    w.comment(&w.bob, "@erin one", false).await;
    w.comment(&w.bob, "@erin two", false).await;
    w.comment_on(&other, &w.bob, "@erin three", false).await;
    w.drain().await;
    assert_eq!(w.mails_to("erin").await.len(), 3);

    let page = erin.get(&w.url("/notifications/")).await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("3 unread notifications."),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("aria-label=\"Notifications — 3 unread\"")
    );
    assert!(page.body.contains("<span class=\"badge unread\">3</span>"));
    assert!(page.body.contains("id=\"read-all\""));
    assert_eq!(
        page.body.matches("class=\"notification unread\"").count(),
        3
    );
    assert!(page.body.contains(&format!(
        "<a href=\"/advisories/{other}/\">[{other}] you were mentioned</a>"
    )));
    assert!(!page.body.contains("@erin"), "no comment text in the inbox");
    // The worker may send the three in any order: pick a row of the first
    // advisory.
    let first: i64 = sqlx::query_scalar(
        "SELECT n.id FROM notification n JOIN advisory a ON a.id = n.advisory_id
         WHERE a.advisory_id = $1 ORDER BY n.id LIMIT 1",
    )
    .bind(&w.id)
    .fetch_one(&w.site.db.pool)
    .await
    .unwrap();
    let unread_on = |id: String| {
        let pool = w.site.db.pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>(
                "SELECT count(*) FROM notification n JOIN advisory a ON a.id = n.advisory_id
                 WHERE a.advisory_id = $1 AND n.read_at IS NULL",
            )
            .bind(id)
            .fetch_one(&pool)
            .await
            .unwrap()
        }
    };

    // Someone else's row does not exist for bob.
    let foreign = w
        .post(&w.bob, &format!("/notifications/{first}/read/"), &[], false)
        .await;
    assert_eq!(foreign.status, 404);
    let read = w
        .post(&erin, &format!("/notifications/{first}/read/"), &[], false)
        .await;
    assert_eq!(read.status, 303);
    assert_eq!(read.headers.get("location").unwrap(), "/notifications/");
    let row = w
        .post(&erin, &format!("/notifications/{first}/read/"), &[], true)
        .await;
    assert_eq!(row.status, 200, "reading twice is harmless");
    assert!(
        row.body
            .starts_with(&format!("<li id=\"notif-{first}\" class=\"notification\">")),
        "{}",
        row.body
    );
    let page = erin.get(&w.url("/notifications/")).await;
    assert!(page.body.contains("2 unread notifications."));

    // Opening the second advisory reads its notification.
    assert_eq!(
        erin.get(&w.url(&format!("/advisories/{other}/")))
            .await
            .status,
        200
    );
    assert_eq!(unread_on(other.clone()).await, 0);
    assert_eq!(unread_on(w.id.clone()).await, 1);

    let all = w.post(&erin, "/notifications/read-all/", &[], false).await;
    assert_eq!(all.status, 303);
    let page = erin.follow(all).await;
    assert!(
        page.body.contains("Marked 1 notification as read."),
        "{}",
        page.body
    );
    assert!(page.body.contains("0 unread notifications."));
    assert!(!page.body.contains("id=\"read-all\""));
    assert!(!page.body.contains("badge unread"));
    assert!(w.inbox("erin").await.iter().all(|r| r.3));
    // Nothing left to mark: no flash.
    let none = w.post(&erin, "/notifications/read-all/", &[], false).await;
    assert!(!erin.follow(none).await.body.contains("Marked"));
}

/// The stored override of `who` on the advisory: submitted, published,
/// export status, comments level.
type Stored = (Option<bool>, Option<bool>, Option<bool>, String);

async fn stored_override(w: &World, who: &str) -> Option<Stored> {
    sqlx::query_as(
        "SELECT o.on_advisory_submitted_for_review, o.on_advisory_published,
                o.on_publication_export_status, o.comments_level
         FROM advisory_notification_override o JOIN app_user u ON u.id = o.user_id
         WHERE u.email = $1",
    )
    .bind(format!("{who}@example.org"))
    .fetch_optional(&w.site.db.pool)
    .await
    .unwrap()
}

// Preferences (20-lifecycle §17.6, 50-web-ui §13.2–13.4): the global page
// saves and audits before/after; the advisory panel's presets store the
// sparse override (default deletes it), custom stores tri-states, and the
// next comment's recipients honour what is stored; an advisory the user
// cannot see has no panel.
#[tokio::test]
#[expect(clippy::too_many_lines, reason = "one scenario, step by step")]
async fn preferences_are_saved_audited_and_honoured() {
    let w = World::new().await;
    let erin = w.signed_in("erin").await;
    let carol = w.signed_in("carol").await;
    w.grant("erin", "viewer").await;
    let erin_id = w.site.user_id("erin@example.org").await;

    let page = erin.get(&w.url("/notifications/preferences/")).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("value=\"mentioned\" checked"));
    let saved = w
        .post(
            &erin,
            "/notifications/preferences/",
            &[
                ("on_advisory_created", "on"),
                ("on_triage_event", "on"),
                ("comments_level", "all"),
            ],
            false,
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let page = erin.follow(saved).await;
    assert!(page.body.contains("Notification preferences saved."));
    assert!(page.body.contains("value=\"all\" checked"));
    let changes = || async {
        sqlx::query_as::<_, (Option<i64>, Option<Value>, Option<Value>)>(
            "SELECT advisory_id, previous_value, new_value FROM audit_log_entry
             WHERE action = 'notification.prefs_changed' AND actor_id = $1 ORDER BY id",
        )
        .bind(erin_id)
        .fetch_all(&w.site.db.pool)
        .await
        .unwrap()
    };
    let rows = changes().await;
    assert_eq!(rows.len(), 1);
    let (advisory, before, after) = &rows[0];
    assert_eq!(*advisory, None);
    let (before, after) = (before.as_ref().unwrap(), after.as_ref().unwrap());
    assert_eq!(before["comments_all"], false);
    assert_eq!(before["on_advisory_published"], true);
    assert_eq!(after["comments_all"], true);
    assert_eq!(after["on_advisory_published"], false);
    let bad = w
        .post(
            &erin,
            "/notifications/preferences/",
            &[("comments_level", "never")],
            false,
        )
        .await;
    assert_eq!(bad.status, 400, "no 'none' level");
    assert_eq!(changes().await.len(), 1);

    let panel = format!("/notifications/advisory/{}/preferences/", w.id);
    let preset = |p: &'static str| {
        let (erin, panel) = (&erin, &panel);
        let w = &w;
        async move {
            let page = w.post(erin, panel, &[("preset", p)], false).await;
            assert_eq!(page.status, 303, "{p}: {}", page.body);
            assert_eq!(
                page.headers.get("location").unwrap(),
                &format!("/advisories/{}/#advisory-notifications", w.id)
            );
        }
    };
    // Key events + mentions: erin's global "every comment" no longer
    // applies here.
    preset("digest").await;
    assert_eq!(
        stored_override(&w, "erin").await,
        Some((Some(false), Some(true), Some(true), "mentioned".into()))
    );
    w.comment(&w.bob, "first update", false).await;
    w.drain().await;
    assert!(w.mails_to("erin").await.is_empty());

    preset("all").await;
    assert_eq!(
        stored_override(&w, "erin").await,
        Some((Some(true), Some(true), Some(true), "all".into()))
    );
    w.comment(&w.bob, "second update", false).await;
    w.drain().await;
    let mails = w.mails_to("erin").await;
    assert_eq!(subjects(&mails), [format!("[{}] new comment", w.id)]);
    assert!(text(&mails[0]).contains("your notification settings for this advisory"));
    assert!(text(&mails[0]).contains("#advisory-notifications"));

    // Default deletes the row: the global "every comment" is back.
    preset("default").await;
    assert_eq!(stored_override(&w, "erin").await, None);
    w.comment(&w.bob, "third update", false).await;
    w.drain().await;
    let mails = w.mails_to("erin").await;
    assert_eq!(mails.len(), 2);
    assert!(text(&mails[1]).contains("default (global) notification settings"));

    let custom = w
        .post(
            &erin,
            &panel,
            &[
                ("preset", "custom"),
                ("on_advisory_submitted_for_review", ""),
                ("on_advisory_published", "off"),
                ("on_publication_export_status", ""),
                ("comments_level", "mentioned"),
            ],
            true,
        )
        .await;
    assert_eq!(custom.status, 200, "{}", custom.body);
    assert!(
        custom
            .body
            .starts_with("<section class=\"card\" id=\"advisory-notifications\">")
    );
    assert!(custom.body.contains("value=\"custom\" checked"));
    assert!(custom.body.contains("per-advisory override active"));
    assert_eq!(
        stored_override(&w, "erin").await,
        Some((None, Some(false), None, "mentioned".into()))
    );
    w.comment(&w.bob, "fourth update", false).await;
    w.drain().await;
    assert_eq!(w.mails_to("erin").await.len(), 2, "mentions only here now");
    let page = erin.get(&w.url(&panel)).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("value=\"custom\" checked"));
    assert!(page.body.contains("<option value=\"off\" selected>"));
    // Four panel changes, each audited against the advisory, plus the
    // global one.
    let rows = changes().await;
    assert_eq!(rows.len(), 5);
    assert!(rows[1..].iter().all(|(a, _, _)| a.is_some()));
    let last = rows.last().unwrap();
    assert_eq!(last.1.as_ref().unwrap()["comments_all"], Value::Null);
    assert_eq!(last.2.as_ref().unwrap()["on_advisory_published"], false);

    // carol cannot see the advisory, so it has no panel for her.
    assert_eq!(carol.get(&w.url(&panel)).await.status, 404);
    let refused = w.post(&carol, &panel, &[("preset", "all")], false).await;
    assert_eq!(refused.status, 404);
    assert_eq!(stored_override(&w, "carol").await, None);
}

// Ruling 40: the message is in the recipient's language.
#[tokio::test]
async fn ruling_40_a_french_recipient_gets_french_mail() {
    let w = World::new().await;
    w.signed_in("erin").await;
    w.grant("erin", "viewer").await;
    w.sql(
        "UPDATE app_user SET language = 'fr' WHERE email = $1",
        "erin",
    )
    .await;
    w.comment(&w.bob, "@erin bonjour", false).await;
    w.drain().await;
    let mails = w.mails_to("erin").await;
    assert_eq!(
        subjects(&mails),
        [format!("[{}] vous avez été mentionné·e", w.id)]
    );
    assert!(
        text(&mails[0]).contains(&format!("Vous avez été mentionné·e sur l’avis {}", w.id)),
        "{}",
        text(&mails[0])
    );
    assert_eq!(w.inbox("erin").await[0].1, mails[0].subject);
}

// An edit notifies only whoever it newly mentions (20-lifecycle §12.3):
// nobody already mentioned and nobody who asked for every comment hears
// about it again.
#[tokio::test]
async fn an_edit_mails_only_the_newly_mentioned() {
    let w = World::new().await;
    w.signed_in("erin").await;
    w.signed_in("dave").await;
    w.signed_in("alice").await;
    w.grant("erin", "viewer").await;
    w.grant("dave", "viewer").await;
    w.every_comment("alice").await;
    let cid = w.comment(&w.bob, "@erin is this yours?", false).await;
    w.drain().await;
    assert_eq!(
        w.mail.messages().await.len(),
        2,
        "erin's mention, alice's comment"
    );
    let edited = w
        .post(
            &w.bob,
            &format!("/advisories/{}/comments/{cid}/edit/", w.id),
            &[("body", "@Erin is this yours? Or @dave's?")],
            false,
        )
        .await;
    assert_eq!(edited.status, 303, "{}", edited.body);
    w.drain().await;
    let all = w.mail.messages().await;
    assert_eq!(all.len(), 3, "{all:#?}");
    assert_eq!(
        subjects(&w.mails_to("dave").await),
        [format!("[{}] you were mentioned", w.id)]
    );
    assert_eq!(w.mails_to("erin").await.len(), 1);
    assert_eq!(w.mails_to("alice").await.len(), 1);
}
