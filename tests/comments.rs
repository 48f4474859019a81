//! Comments over real HTTP, signed in through the identity provider, on a
//! real database: posting, editing and redacting with and without htmx,
//! versions (INV-COMMENT-3, INV-IMPL-3), the fixed internal flag and who sees
//! internal comments (INV-COMMENT-1/2), redaction (INV-COMMENT-4, Q-21),
//! locks, hostile markdown, the mention autocomplete (INV-PRIVACY-4, P-49),
//! viewers commenting in triage (INV-AUTH-5, Q-1) and Q-19's 404s.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on purpose"
)]

mod common;

use advisoryhub::advisories::service::Ctx;
use advisoryhub::audit::redact::Redactor;
use advisoryhub::comments::service as comments;
use advisoryhub::db::{Principal, set_principal};
use common::site::{Browser, Page, Site};
use common::world::{
    BobsAdvisory, actor, app_role, app_role_tx, bobs_advisory, grant, projects, raw_advisory,
    sign_in, user,
};
use serde_json::Value;

struct World {
    site: Site,
    bob: Browser,
    /// An advisory of Theia's, created by bob.
    id: String,
}

impl World {
    /// Theia and Jetty, bob (Theia's team) signed in, one advisory of his.
    async fn new() -> World {
        let site = Site::start(&[]).await;
        let BobsAdvisory { bob, id, .. } = bobs_advisory(&site).await;
        World { site, bob, id }
    }

    async fn signed_in(&self, who: &str) -> Browser {
        sign_in(&self.site, who).await
    }

    /// The mention suggestions `who` gets while typing `typed`.
    async fn suggest(&self, who: &Browser, typed: &str) -> Page {
        let csrf = who
            .get(&self.site.url("/notifications/preferences/"))
            .await
            .csrf();
        who.post(
            &self.url("comments/mentions/"),
            &[("csrf_token", csrf.as_str()), ("body", typed)],
            &[("hx-request", "true")],
        )
        .await
    }

    /// Grants `who` (signed in before) `permission` on the advisory.
    async fn grant(&self, who: &str, permission: &str) {
        grant(
            &self.site.db.pool,
            &self.id,
            &format!("{who}@example.org"),
            permission,
        )
        .await;
    }

    fn url(&self, tail: &str) -> String {
        self.site.url(&format!("/advisories/{}/{tail}", self.id))
    }

    /// Posts `form` to the advisory's `tail` as `b`, with the CSRF token of
    /// the detail page; `htmx` adds the header htmx sends.
    async fn post(&self, b: &Browser, tail: &str, form: &[(&str, &str)], htmx: bool) -> Page {
        let headers: &[(&str, &str)] = if htmx { &[("hx-request", "true")] } else { &[] };
        self.post_with(b, tail, form, headers).await
    }

    async fn post_with(
        &self,
        b: &Browser,
        tail: &str,
        form: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> Page {
        let csrf = b.get(&self.url("")).await.csrf();
        let mut fields = vec![("csrf_token", csrf.as_str())];
        fields.extend_from_slice(form);
        b.post(&self.url(tail), &fields, headers).await
    }

    async fn comment(&self, b: &Browser, body: &str, internal: bool) -> Page {
        let mut form = vec![("body", body)];
        if internal {
            form.push(("is_internal", "on"));
        }
        self.post(b, "comments/new/", &form, false).await
    }

    /// Ids of the advisory's comments, oldest first.
    async fn comment_ids(&self) -> Vec<i64> {
        sqlx::query_scalar(
            "SELECT c.id FROM advisory_comment c JOIN advisory a ON a.id = c.advisory_id
             WHERE a.advisory_id = $1 ORDER BY c.id",
        )
        .bind(&self.id)
        .fetch_all(&self.site.db.pool)
        .await
        .unwrap()
    }

    /// Ledger rows of `action` on the advisory: actor, comment, new value,
    /// metadata, user agent.
    async fn ledger(
        &self,
        action: &str,
    ) -> Vec<(Option<i64>, Option<i64>, Option<Value>, Value, String)> {
        sqlx::query_as(
            "SELECT e.actor_id, e.comment_id, e.new_value, e.metadata, e.user_agent
             FROM audit_log_entry e JOIN advisory a ON a.id = e.advisory_id
             WHERE a.advisory_id = $1 AND e.action = $2 ORDER BY e.id",
        )
        .bind(&self.id)
        .bind(action)
        .fetch_all(&self.site.db.pool)
        .await
        .unwrap()
    }

    async fn jobs(&self, name: &str) -> i64 {
        sqlx::query_scalar("SELECT count(*) FROM jobs WHERE name = $1")
            .bind(name)
            .fetch_one(&self.site.db.pool)
            .await
            .unwrap()
    }
}

/// The id in a `…#comment-<id>` redirect.
fn comment_id_of(page: &Page) -> i64 {
    let location = page.location().expect("a redirect");
    location
        .rsplit_once("#comment-")
        .unwrap_or_else(|| panic!("no comment anchor in {location}"))
        .1
        .parse()
        .unwrap()
}

/// The markup of comment `id` in a page: from its `<li>` to the next
/// timeline item or the comment form.
fn comment_markup(body: &str, id: i64) -> &str {
    let start = body
        .find(&format!("id=\"comment-{id}\""))
        .unwrap_or_else(|| panic!("comment {id} is not on the page: {body}"));
    let rest = &body[start..];
    let end = [
        rest.find("<li class=\""),
        rest.find("id=\"comment-form\""),
        rest.find("</ol>"),
    ]
    .into_iter()
    .flatten()
    .min()
    .unwrap_or(rest.len());
    &rest[..end]
}

// The whole life of a comment without JavaScript: post, edit (a new
// version, the "edited" marker, a word diff in the history), redact (Q-21:
// the body scrubbed from the comment and every version, the marker left,
// the history emptied) and INV-COMMENT-4: no edit and no second redaction
// afterwards. Each step is on the ledger with the request's user agent.
#[tokio::test]
#[expect(clippy::too_many_lines, reason = "one scenario, step by step")]
async fn inv_comment_4_post_edit_and_redact_without_javascript() {
    let w = World::new().await;
    let posted = w.comment(&w.bob, "The token is printed twice", false).await;
    assert_eq!(posted.status, 303, "{}", posted.body);
    let cid = comment_id_of(&posted);
    assert_eq!(
        posted.headers.get("location").unwrap(),
        &format!("/advisories/{}/#comment-{cid}", w.id)
    );
    let page = w.bob.follow(posted).await;
    assert!(page.body.contains("Comment posted."), "{}", page.body);
    assert!(comment_markup(&page.body, cid).contains("The token is printed twice"));
    assert_eq!(w.jobs("notify.comment").await, 1);

    let form = w.bob.get(&w.url(&format!("comments/{cid}/edit/"))).await;
    assert_eq!(form.status, 200);
    assert!(
        form.body.contains("<html"),
        "a page of its own without htmx"
    );
    assert!(form.body.contains(">The token is printed twice</textarea>"));
    let edited = w
        .post(
            &w.bob,
            &format!("comments/{cid}/edit/"),
            &[("body", "The token is printed three times")],
            false,
        )
        .await;
    assert_eq!(edited.status, 303, "{}", edited.body);
    assert_eq!(comment_id_of(&edited), cid);
    let page = w.bob.follow(edited).await;
    assert!(page.body.contains("Comment saved."));
    let item = comment_markup(&page.body, cid);
    assert!(item.contains("printed three times"), "{item}");
    assert!(item.contains("edited "), "the edited marker: {item}");
    let versions: Vec<(i32, String)> = sqlx::query_as(
        "SELECT version, body FROM comment_version WHERE comment_id = $1 ORDER BY version",
    )
    .bind(cid)
    .fetch_all(&w.site.db.pool)
    .await
    .unwrap();
    assert_eq!(
        versions,
        [
            (1, "The token is printed twice".to_owned()),
            (2, "The token is printed three times".to_owned())
        ]
    );
    let history = w.bob.get(&w.url(&format!("comments/{cid}/history/"))).await;
    assert_eq!(history.status, 200);
    assert!(
        history.body.contains("<span class=\"del\">twice</span>"),
        "{}",
        history.body
    );
    assert!(history.body.contains("<span class=\"add\">three</span>"));
    assert!(history.body.contains("Version 2"));

    let redacted = w
        .post(&w.bob, &format!("comments/{cid}/redact/"), &[], false)
        .await;
    assert_eq!(redacted.status, 303, "{}", redacted.body);
    let page = w.bob.follow(redacted).await;
    assert!(page.body.contains("Comment redacted."));
    let item = comment_markup(&page.body, cid);
    assert!(
        item.contains("This comment was redacted on "),
        "the marker keeps the slot: {item}"
    );
    assert!(!page.body.contains("printed"), "{}", page.body);
    let (body, redacted_by): (String, Option<i64>) =
        sqlx::query_as("SELECT body, redacted_by FROM advisory_comment WHERE id = $1")
            .bind(cid)
            .fetch_one(&w.site.db.pool)
            .await
            .unwrap();
    assert_eq!(body, "");
    assert_eq!(redacted_by, Some(w.site.user_id("bob@example.org").await));
    let bodies: Vec<String> =
        sqlx::query_scalar("SELECT body FROM comment_version WHERE comment_id = $1")
            .bind(cid)
            .fetch_all(&w.site.db.pool)
            .await
            .unwrap();
    assert_eq!(bodies, ["", ""], "Q-21: every version scrubbed, rows kept");
    let history = w.bob.get(&w.url(&format!("comments/{cid}/history/"))).await;
    assert_eq!(history.status, 200);
    assert!(
        history
            .body
            .contains("This comment has no history to show.")
    );
    assert!(!history.body.contains("printed"));

    // INV-COMMENT-4: neither edited nor redacted again.
    let again = w
        .post(
            &w.bob,
            &format!("comments/{cid}/edit/"),
            &[("body", "back again")],
            false,
        )
        .await;
    assert_eq!(again.status, 403, "{}", again.body);
    let form = w.bob.get(&w.url(&format!("comments/{cid}/edit/"))).await;
    assert_eq!(form.status, 403);
    let twice = w
        .post(&w.bob, &format!("comments/{cid}/redact/"), &[], false)
        .await;
    // Ruling 8: refused by the comment's state, back to it with the reason.
    assert_eq!(twice.status, 303, "{}", twice.body);
    let bodies: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM comment_version WHERE comment_id = $1 AND body <> ''",
    )
    .bind(cid)
    .fetch_one(&w.site.db.pool)
    .await
    .unwrap();
    assert_eq!(bodies, 0);

    let bob = w.site.user_id("bob@example.org").await;
    for action in ["comment.created", "comment.edited", "comment.redacted"] {
        let rows = w.ledger(action).await;
        assert_eq!(rows.len(), 1, "{action}: {rows:?}");
        let (actor, comment, _, _, agent) = &rows[0];
        assert_eq!(*actor, Some(bob), "{action}");
        assert_eq!(*comment, Some(cid), "{action}");
        assert_eq!(agent, "AdvisoryHub-e2e/1.0", "{action}: INV-AUDIT-4");
    }
    let created = &w.ledger("comment.created").await[0];
    assert_eq!(
        created.2,
        Some(serde_json::json!({"length": 26, "is_internal": false})),
        "the length, never the text"
    );
}

// With htmx the post answers the activity fragment and an edit the comment
// fragment; an empty body is a 422 with the message, with and without htmx
// (ruling 7), and writes nothing.
#[tokio::test]
async fn htmx_gets_fragments_and_an_empty_body_is_a_422() {
    let w = World::new().await;
    let posted = w
        .post(&w.bob, "comments/new/", &[("body", "first **note**")], true)
        .await;
    assert_eq!(posted.status, 200, "{}", posted.body);
    assert!(
        posted
            .body
            .starts_with("<section class=\"card\" id=\"comments\">"),
        "{}",
        posted.body
    );
    assert!(!posted.body.contains("<html"));
    assert!(posted.body.contains("first <strong>note</strong>"));
    let cid = w.comment_ids().await[0];

    let inline = w
        .bob
        .get_with(
            &w.url(&format!("comments/{cid}/edit/")),
            &[("hx-request", "true")],
        )
        .await;
    assert_eq!(inline.status, 200);
    assert!(inline.body.starts_with("<form"), "{}", inline.body);
    assert!(inline.body.contains("hx-post="));
    let edited = w
        .post(
            &w.bob,
            &format!("comments/{cid}/edit/"),
            &[("body", "first *edited* note")],
            true,
        )
        .await;
    assert_eq!(edited.status, 200, "{}", edited.body);
    assert!(
        edited
            .body
            .starts_with(&format!("<li class=\"comment\" id=\"comment-{cid}\">")),
        "{}",
        edited.body
    );
    assert!(edited.body.contains("<em>edited</em>"));
    assert!(!edited.body.contains("<html"));

    for htmx in [true, false] {
        let empty = w
            .post(&w.bob, "comments/new/", &[("body", "  \n ")], htmx)
            .await;
        assert_eq!(empty.status, 422, "htmx {htmx}: {}", empty.body);
        assert!(empty.body.contains("Write a comment first."), "htmx {htmx}");
        assert_eq!(empty.body.contains("<html"), !htmx, "htmx {htmx}");
        let empty_edit = w
            .post(
                &w.bob,
                &format!("comments/{cid}/edit/"),
                &[("body", "")],
                htmx,
            )
            .await;
        assert_eq!(empty_edit.status, 422, "htmx {htmx}: {}", empty_edit.body);
        assert!(empty_edit.body.contains("Write a comment first."));
    }
    assert_eq!(w.comment_ids().await, [cid]);
    let versions: i64 =
        sqlx::query_scalar("SELECT count(*) FROM comment_version WHERE comment_id = $1")
            .bind(cid)
            .fetch_one(&w.site.db.pool)
            .await
            .unwrap();
    assert_eq!(versions, 2);

    // The full-page edit form is boosted by `hx-boost` on the body: a
    // boosted request is not a targeted one and gets the page flow (a 303
    // htmx follows), not a fragment that would replace the whole body.
    let boosted = w
        .post_with(
            &w.bob,
            &format!("comments/{cid}/edit/"),
            &[("body", "saved from the edit page")],
            &[("hx-request", "true"), ("hx-boosted", "true")],
        )
        .await;
    assert_eq!(boosted.status, 303, "{}", boosted.body);

    // Redacting with htmx answers the comment with its marker.
    let redacted = w
        .post(&w.bob, &format!("comments/{cid}/redact/"), &[], true)
        .await;
    assert_eq!(redacted.status, 200);
    assert!(redacted.body.contains("This comment was redacted on "));
}

// P-43 / P-44: only the author edits a comment; the author or a global
// admin redacts it, nobody else (not even the owning team).
#[tokio::test]
async fn only_the_author_edits_and_only_the_author_or_an_admin_redacts() {
    let w = World::new().await;
    let erin = w.signed_in("erin").await;
    let alice = w.signed_in("alice").await;
    w.grant("erin", "collaborator").await;
    let posted = w.comment(&erin, "erin's own words", false).await;
    let cid = comment_id_of(&posted);
    let page = w.bob.get(&w.url("")).await;
    let item = comment_markup(&page.body, cid);
    assert!(
        !item.contains("/edit/") && !item.contains("/redact/"),
        "{item}"
    );
    for b in [&w.bob, &alice] {
        let edit = w
            .post(
                b,
                &format!("comments/{cid}/edit/"),
                &[("body", "theirs")],
                false,
            )
            .await;
        assert_eq!(edit.status, 403);
    }
    let by_owner = w
        .post(&w.bob, &format!("comments/{cid}/redact/"), &[], false)
        .await;
    assert_eq!(
        by_owner.status, 403,
        "owners do not redact others' comments"
    );
    let page = alice.get(&w.url("")).await;
    assert!(comment_markup(&page.body, cid).contains("/redact/"));
    let by_admin = w
        .post(&alice, &format!("comments/{cid}/redact/"), &[], false)
        .await;
    assert_eq!(by_admin.status, 303);
    let rows = w.ledger("comment.redacted").await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].0, Some(w.site.user_id("alice@example.org").await));
}

/// A statement run as a plain application role (no superuser, no
/// BYPASSRLS) with the system principal, rolled back; the error text if the
/// database refused it.
async fn as_app_role(pool: &sqlx::PgPool, setup: &[&str], stmt: &str) -> Option<String> {
    let mut tx = app_role_tx(pool).await;
    set_principal(&mut tx, Principal::System).await.unwrap();
    for s in setup {
        sqlx::query(sqlx::AssertSqlSafe(*s))
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    let outcome = sqlx::query(sqlx::AssertSqlSafe(stmt))
        .execute(&mut *tx)
        .await
        .err()
        .map(|e| e.to_string());
    tx.rollback().await.unwrap();
    outcome
}

// INV-COMMENT-1, INV-COMMENT-3, INV-IMPL-3 at the database, as the
// application role: the internal flag never flips; two edits make versions
// 1..3, and versions are neither updated nor deleted, except the redaction
// scrub under the redact flag of a redacted comment; a redaction is never
// undone.
#[tokio::test]
#[expect(clippy::too_many_lines, reason = "one scenario, step by step")]
async fn inv_comment_1_3_inv_impl_3_the_database_keeps_comments_honest() {
    let db = common::TestDb::new().await;
    let pool = &db.pool;
    let theia = projects(pool).await.theia;
    let bob = user(pool, "bob@example.org", &["theia-security"]).await;
    raw_advisory(pool, "ECL-2222-2222-2222", theia).await;
    let actor = actor(pool, bob).await;
    let redactor = Redactor::default();
    let ctx = Ctx {
        actor: &actor,
        origin: None,
        redactor: &redactor,
    };
    let mut tx = pool.begin().await.unwrap();
    let public = "ECL-2222-2222-2222";
    let cid = comments::add(&mut tx, ctx, public, "one", true)
        .await
        .unwrap();
    comments::edit(&mut tx, ctx, public, cid, "two")
        .await
        .unwrap();
    comments::edit(&mut tx, ctx, public, cid, "three")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let versions: Vec<(i32, String)> = sqlx::query_as(
        "SELECT version, body FROM comment_version WHERE comment_id = $1 ORDER BY version",
    )
    .bind(cid)
    .fetch_all(pool)
    .await
    .unwrap();
    assert_eq!(
        versions,
        [
            (1, "one".to_owned()),
            (2, "two".to_owned()),
            (3, "three".to_owned())
        ]
    );

    app_role(pool).await;
    let flag = "SELECT set_config('advisoryhub.redaction_op', 'on', true)";
    let retention = "SELECT set_config('advisoryhub.retention_op', 'on', true)";
    let refused = [
        // INV-COMMENT-1
        (
            vec![],
            "UPDATE advisory_comment SET is_internal = false",
            "is_internal is fixed at creation",
        ),
        // INV-COMMENT-3 / INV-IMPL-3
        (
            vec![],
            "UPDATE comment_version SET body = 'rewritten'",
            "comment_version is append-only",
        ),
        (
            vec![],
            "DELETE FROM comment_version",
            "comment_version is append-only",
        ),
        (
            vec![retention],
            "DELETE FROM comment_version",
            "comment_version is append-only",
        ),
        // The scrub only for a redacted comment, only to '' and only
        // under the flag.
        (
            vec![flag],
            "UPDATE comment_version SET body = ''",
            "comment_version is append-only",
        ),
        (
            vec![
                "UPDATE advisory_comment SET body = '', redacted_at = now()",
                flag,
            ],
            "UPDATE comment_version SET body = 'x'",
            "comment_version is append-only",
        ),
        (
            vec![
                "UPDATE advisory_comment SET body = '', redacted_at = now()",
                flag,
            ],
            "UPDATE comment_version SET body = '', version = version + 10",
            "comment_version is append-only",
        ),
        (
            vec!["UPDATE advisory_comment SET body = '', redacted_at = now()"],
            "UPDATE comment_version SET body = ''",
            "comment_version is append-only",
        ),
        // INV-COMMENT-4: never unredacted, never given a body again.
        (
            vec!["UPDATE advisory_comment SET body = '', redacted_at = now()"],
            "UPDATE advisory_comment SET redacted_at = NULL",
            "a redacted comment cannot change",
        ),
        (
            vec!["UPDATE advisory_comment SET body = '', redacted_at = now()"],
            "UPDATE advisory_comment SET redacted_at = now() - interval '1 day'",
            "a redacted comment cannot change",
        ),
        (
            vec!["UPDATE advisory_comment SET body = '', redacted_at = now()"],
            "UPDATE advisory_comment SET body = 'back'",
            "a redacted comment cannot change",
        ),
        (
            vec![],
            "DELETE FROM advisory_comment",
            "advisory_comment is append-only",
        ),
    ];
    for (setup, stmt, expected) in refused {
        let err = as_app_role(pool, &setup, stmt).await;
        let err = err.unwrap_or_else(|| panic!("{setup:?} then {stmt} was allowed"));
        assert!(err.contains(expected), "{stmt}: {err}");
    }
    // The one exception does work, for the redact service.
    let scrub = as_app_role(
        pool,
        &[
            "UPDATE advisory_comment SET body = '', redacted_at = now()",
            flag,
        ],
        "UPDATE comment_version SET body = ''",
    )
    .await;
    assert_eq!(scrub, None);
    // And so does the service itself, as the application role.
    let mut tx = app_role_tx(pool).await;
    set_principal(
        &mut tx,
        Principal::User {
            id: bob,
            is_admin: false,
        },
    )
    .await
    .unwrap();
    comments::redact(&mut tx, ctx, public, cid).await.unwrap();
    tx.commit().await.unwrap();
    let left: Vec<String> = sqlx::query_scalar(
        "SELECT body FROM comment_version WHERE comment_id = $1 ORDER BY version",
    )
    .bind(cid)
    .fetch_all(pool)
    .await
    .unwrap();
    assert_eq!(left, ["", "", ""]);
}

// INV-COMMENT-2: internal comments are seen by collaborators and owners as
// they are now: a viewer never sees one (page or fragment), a collaborator
// demoted to viewer loses sight of their own and cannot edit it, and a
// viewer's internal post is refused with nothing written.
#[tokio::test]
async fn inv_comment_2_internal_comments_follow_the_current_role() {
    let w = World::new().await;
    let dave = w.signed_in("dave").await;
    let erin = w.signed_in("erin").await;
    w.grant("dave", "collaborator").await;
    w.grant("erin", "viewer").await;
    let page = dave.get(&w.url("")).await;
    assert!(
        page.body.contains("name=\"is_internal\""),
        "collaborators may"
    );
    let posted = w.comment(&dave, "Internal: patch is in review", true).await;
    assert_eq!(posted.status, 303, "{}", posted.body);
    let cid = comment_id_of(&posted);
    let page = dave.follow(posted).await;
    assert!(comment_markup(&page.body, cid).contains("Internal: patch is in review"));
    assert!(
        w.bob
            .get(&w.url(""))
            .await
            .body
            .contains("patch is in review")
    );

    let viewer = erin.get(&w.url("")).await;
    assert_eq!(viewer.status, 200);
    assert!(!viewer.body.contains("patch is in review"));
    assert!(!viewer.body.contains(&format!("comment-{cid}")));
    assert!(!viewer.body.contains("name=\"is_internal\""));
    let fragment = erin
        .get_with(&w.url("timeline/"), &[("hx-request", "true")])
        .await;
    assert_eq!(fragment.status, 200);
    assert!(!fragment.body.contains("patch is in review"));
    let history = erin.get(&w.url(&format!("comments/{cid}/history/"))).await;
    assert_eq!(
        history.status, 404,
        "an internal comment is absent for a viewer"
    );

    // Demotion takes effect at once, for the author too.
    w.grant("dave", "viewer").await;
    let demoted = dave.get(&w.url("")).await;
    assert!(!demoted.body.contains("patch is in review"));
    let timeline = dave.get(&w.url("timeline/")).await;
    assert_eq!(timeline.status, 200);
    assert!(!timeline.body.contains("patch is in review"));
    // Q-19 style: what they may not see is absent, so 404 (not 403).
    let form = dave.get(&w.url(&format!("comments/{cid}/edit/"))).await;
    assert_eq!(form.status, 404);
    let edit = w
        .post(
            &dave,
            &format!("comments/{cid}/edit/"),
            &[("body", "changed after demotion")],
            false,
        )
        .await;
    assert_eq!(edit.status, 404, "{}", edit.body);
    let redact = w
        .post(&dave, &format!("comments/{cid}/redact/"), &[], false)
        .await;
    assert_eq!(redact.status, 404);
    let body: String = sqlx::query_scalar("SELECT body FROM advisory_comment WHERE id = $1")
        .bind(cid)
        .fetch_one(&w.site.db.pool)
        .await
        .unwrap();
    assert_eq!(body, "Internal: patch is in review");

    // A viewer asking for an internal post: 403, nothing written.
    let jobs = w.jobs("notify.comment").await;
    let refused = w.comment(&erin, "sneaky internal note", true).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert_eq!(w.comment_ids().await, [cid]);
    assert_eq!(w.jobs("notify.comment").await, jobs);
    assert_eq!(w.ledger("comment.created").await.len(), 1);
}

// INV-AUTH-5 / Q-1: in triage, viewers keep "view" and "post comment"
// (non-internal).
#[tokio::test]
async fn inv_auth_5_viewers_may_comment_on_a_triage_advisory() {
    let w = World::new().await;
    let erin = w.signed_in("erin").await;
    let triage = "ECL-2222-3333-4444";
    sqlx::query(
        "INSERT INTO advisory (advisory_id, project_id, state, summary)
         SELECT $1, id, 'triage', 'A report' FROM project WHERE slug = 'ecd.theia'",
    )
    .bind(triage)
    .execute(&w.site.db.pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO access_grant (advisory_id, principal_type, principal_id, permission)
         SELECT a.id, 'user', u.id, 'viewer' FROM advisory a, app_user u
         WHERE a.advisory_id = $1 AND u.email = 'erin@example.org'",
    )
    .bind(triage)
    .execute(&w.site.db.pool)
    .await
    .unwrap();
    let url = |tail: &str| w.site.url(&format!("/advisories/{triage}/{tail}"));
    let page = erin.get(&url("")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("id=\"comment-form\""));
    let csrf = page.csrf();
    let posted = erin
        .post(
            &url("comments/new/"),
            &[("csrf_token", &csrf), ("body", "I can reproduce it")],
            &[],
        )
        .await;
    assert_eq!(posted.status, 303, "{}", posted.body);
    let internal = erin
        .post(
            &url("comments/new/"),
            &[
                ("csrf_token", &csrf),
                ("body", "internal from a viewer"),
                ("is_internal", "on"),
            ],
            &[],
        )
        .await;
    assert_eq!(internal.status, 403);
    let page = erin.open(&url("")).await;
    assert!(page.body.contains("I can reproduce it"));
    assert!(!page.body.contains("internal from a viewer"));
}

// Locks (20-lifecycle §12.1): an owner locks with a reason (a public action
// note, `advisory.comments_locked` on the ledger); only owners post while
// locked; locking twice is a flash (ruling 8), not an error page; a
// non-owner may not lock; unlocking restores.
#[tokio::test]
async fn comment_locks_hold_everyone_but_owners() {
    let w = World::new().await;
    let erin = w.signed_in("erin").await;
    w.grant("erin", "viewer").await;
    let locked = w
        .post(
            &w.bob,
            "lock-comments/",
            &[("reason", "Cooling down")],
            false,
        )
        .await;
    assert_eq!(locked.status, 303, "{}", locked.body);
    assert_eq!(
        locked.headers.get("location").unwrap(),
        &format!("/advisories/{}/#comments", w.id)
    );
    let page = w.bob.follow(locked).await;
    assert!(page.body.contains("Comments locked."));
    assert!(
        page.body
            .contains("Comments are locked: only owners can post.")
    );
    let rows = w.ledger("advisory.comments_locked").await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].3["reason"], "Cooling down");
    assert_eq!(rows[0].3["project"], "ecd.theia");
    let note: (String, bool) =
        sqlx::query_as("SELECT body, is_internal FROM advisory_comment ORDER BY id")
            .fetch_one(&w.site.db.pool)
            .await
            .unwrap();
    assert_eq!(note, ("Cooling down".to_owned(), false));
    assert_eq!(
        w.jobs("notify.comment").await,
        0,
        "action notes notify nobody"
    );

    let viewer = erin.get(&w.url("")).await;
    assert!(viewer.body.contains("Comments are locked by the owners"));
    assert!(viewer.body.contains("Cooling down"), "the public note");
    assert!(!viewer.body.contains("id=\"comment-form\""));
    let refused = w.comment(&erin, "let me in", false).await;
    assert_eq!(refused.status, 403);
    let owner = w.comment(&w.bob, "owners still talk", false).await;
    assert_eq!(owner.status, 303);

    let twice = w
        .post(&w.bob, "lock-comments/", &[("reason", "again")], false)
        .await;
    assert_eq!(twice.status, 303, "{}", twice.body);
    let page = w.bob.follow(twice).await;
    assert!(page.body.contains("Comments are already locked."));
    assert_eq!(w.ledger("advisory.comments_locked").await.len(), 1);
    for tail in ["lock-comments/", "unlock-comments/"] {
        let not_owner = w.post(&erin, tail, &[], false).await;
        assert_eq!(not_owner.status, 403, "{tail}");
    }

    let unlocked = w.post(&w.bob, "unlock-comments/", &[], false).await;
    assert_eq!(unlocked.status, 303);
    let page = w.bob.follow(unlocked).await;
    assert!(page.body.contains("Comments unlocked."));
    let rows = w.ledger("advisory.comments_unlocked").await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].3["previous_reason"], "Cooling down");
    let again = w.post(&w.bob, "unlock-comments/", &[], false).await;
    assert_eq!(again.status, 303);
    assert!(
        w.bob
            .follow(again)
            .await
            .body
            .contains("Comments are not locked.")
    );
    let viewer = w.comment(&erin, "thanks for unlocking", false).await;
    assert_eq!(viewer.status, 303, "{}", viewer.body);
    let stored: bool = sqlx::query_scalar("SELECT comments_locked FROM advisory")
        .fetch_one(&w.site.db.pool)
        .await
        .unwrap();
    assert!(!stored);
}

// Hostile markdown renders inert on the detail page: raw HTML is text,
// `javascript:` links lose their target, no event or `hx-*` attribute
// survives, HTML in a code span stays code.
#[tokio::test]
async fn hostile_markdown_in_a_comment_renders_inert() {
    let w = World::new().await;
    let body = "<script>alert('s')</script>\n\n\
                [click me](javascript:alert(1)) and <a href=\"javascript:alert(2)\">raw</a>\n\n\
                <img src=x onerror=alert(3)>\n\n\
                <div hx-get=\"/evil\" hx-trigger=\"load\">boom</div>\n\n\
                *<span onclick=\"alert(4)\" class=\"mention\">x</span>*\n\n\
                `<b>code</b>` and [ok](https://example.org/a)";
    let posted = w.comment(&w.bob, body, false).await;
    assert_eq!(posted.status, 303);
    let cid = comment_id_of(&posted);
    let page = w.bob.follow(posted).await;
    let item = comment_markup(&page.body, cid);
    let start = item
        .find("<div class=\"markdown\">")
        .expect("the rendered body")
        + 22;
    let rendered = &item[start..start + item[start..].find("</div>").unwrap()];
    // Every real tag (text `<` is escaped) is on the allowlist and carries
    // no script, event, htmx or source attribute.
    for tag in rendered
        .split('<')
        .skip(1)
        .map(|t| &t[..t.find('>').unwrap()])
    {
        let name = tag
            .trim_start_matches('/')
            .split([' ', '/'])
            .next()
            .unwrap();
        assert!(
            ["p", "br", "strong", "em", "code", "a", "span"].contains(&name),
            "<{tag}> in {rendered}"
        );
        for bad in ["javascript", " on", "hx-", "src", "style"] {
            assert!(!tag.contains(bad), "<{tag}> in {rendered}");
        }
    }
    assert!(
        rendered.contains("&lt;script&gt;"),
        "shown as text: {rendered}"
    );
    assert!(
        rendered.contains("<code>&lt;b&gt;code&lt;/b&gt;</code>"),
        "{rendered}"
    );
    assert!(
        rendered.contains("<a href=\"https://example.org/a\" rel=\"nofollow noopener\">ok</a>"),
        "{rendered}"
    );
    assert!(!page.body.contains("<script>alert"));
}

// The mention autocomplete (P-49, INV-PRIVACY-4): everyone who may comment
// gets candidates who can see the advisory; labels are the display name,
// or the e-mail masked for non-owners and in full for owners; an advisory
// the caller cannot see is 404.
#[tokio::test]
async fn mention_autocomplete_masks_addresses_for_non_owners() {
    let w = World::new().await;
    let erin = w.signed_in("erin").await;
    let dave = w.signed_in("dave").await;
    let carol = w.signed_in("carol").await;
    w.grant("erin", "viewer").await;
    w.grant("dave", "collaborator").await;
    sqlx::query("UPDATE app_user SET display_name = '' WHERE email = 'dave@example.org'")
        .execute(&w.site.db.pool)
        .await
        .unwrap();

    let viewer = w.suggest(&erin, "hi @bo").await;
    assert_eq!(viewer.status, 200, "{}", viewer.body);
    assert!(
        viewer.body.contains("data-mention=\"bob\""),
        "{}",
        viewer.body
    );
    assert!(viewer.body.contains("Bob Okafor"));
    assert!(!viewer.body.contains("bob@example.org"));
    let masked = w.suggest(&erin, "@da").await;
    assert!(
        masked.body.contains("data-mention=\"dave\""),
        "{}",
        masked.body
    );
    assert!(masked.body.contains("d•••@example.org"), "{}", masked.body);
    assert!(!masked.body.contains("dave@example.org"));
    // Nobody outside the advisory is offered.
    let outsider = w.suggest(&erin, "@ca").await;
    assert!(!outsider.body.contains("carol"), "{}", outsider.body);

    let owner = w.suggest(&w.bob, "@da").await;
    assert!(owner.body.contains("dave@example.org"), "{}", owner.body);
    // Everyone sees their own address.
    let own = w.suggest(&dave, "@da").await;
    assert!(own.body.contains("dave@example.org"), "{}", own.body);
    // Groups that grant visibility are offered too.
    let team = w.suggest(&erin, "@theia").await;
    assert!(
        team.body.contains("data-mention=\"theia-security\""),
        "{}",
        team.body
    );
    // Not typing a handle: no suggestions.
    let none = w.suggest(&erin, "hello").await;
    assert_eq!(none.status, 200);
    assert!(!none.body.contains("data-mention"));

    let invisible = w.suggest(&carol, "@bo").await;
    assert_eq!(invisible.status, 404);
}

// Q-19: someone who cannot see the advisory gets 404 from every comment
// route, and nothing is written.
#[tokio::test]
async fn q19_every_comment_route_is_404_for_who_cannot_see_the_advisory() {
    let w = World::new().await;
    let carol = w.signed_in("carol").await;
    let posted = w.comment(&w.bob, "a team note", false).await;
    let cid = comment_id_of(&posted);
    let csrf = carol
        .get(&w.site.url("/notifications/preferences/"))
        .await
        .csrf();
    for tail in [
        "timeline/".to_owned(),
        format!("comments/{cid}/edit/"),
        format!("comments/{cid}/history/"),
    ] {
        let page = carol.get(&w.url(&tail)).await;
        assert_eq!(page.status, 404, "GET {tail}");
        assert!(!page.body.contains("a team note"));
    }
    for tail in [
        "comments/mentions/".to_owned(),
        "comments/new/".to_owned(),
        format!("comments/{cid}/edit/"),
        format!("comments/{cid}/redact/"),
        "lock-comments/".to_owned(),
        "unlock-comments/".to_owned(),
    ] {
        let page = carol
            .post(
                &w.url(&tail),
                &[("csrf_token", &csrf), ("body", "hello"), ("reason", "r")],
                &[],
            )
            .await;
        assert_eq!(page.status, 404, "POST {tail}: {}", page.body);
    }
    assert_eq!(w.comment_ids().await, [cid]);
    let (body, locked): (String, bool) = sqlx::query_as(
        "SELECT c.body, a.comments_locked FROM advisory_comment c JOIN advisory a ON a.id = c.advisory_id",
    )
    .fetch_one(&w.site.db.pool)
    .await
    .unwrap();
    assert_eq!((body.as_str(), locked), ("a team note", false));
}
