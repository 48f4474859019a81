//! Access grants, invitations, the access panel and the access-review
//! banner, on a real database and over real HTTP through the identity
//! provider: INV-ACCESS-1..5, INV-AUTH-3/4, INV-OIDC-6, INV-PRIVACY-4,
//! INV-CONF-2, Q-13 and Q-19.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on purpose"
)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use advisoryhub::access::grants::{self, AccessError, Change, Done, Problem};
use advisoryhub::access::invitations::{self, Resent};
use advisoryhub::advisories::id::OsEntropy;
use advisoryhub::advisories::service::Ctx;
use advisoryhub::audit::redact::Redactor;
use advisoryhub::jobs::{Job, JobContext};
use advisoryhub::notifications::invitation::NotifyInvitation;
use advisoryhub::notifications::mail::Mailer;
use common::mail::MailCatcher;
use common::site::{Browser, Page, Site};
use common::world::{BobsAdvisory, bobs_advisory, sign_in};
use serde_json::{Value, json};

struct World {
    site: Site,
    bob: Browser,
    id: String,
}

impl World {
    /// A site with Theia and Jetty, bob (Theia's team) signed in, and one
    /// advisory of Theia's created by bob. Others sign in when a test wants.
    async fn new(overrides: &[(&str, &str)]) -> World {
        let site = Site::start(overrides).await;
        let BobsAdvisory { bob, id, .. } = bobs_advisory(&site).await;
        World { site, bob, id }
    }

    async fn signed_in(&self, who: &str) -> Browser {
        sign_in(&self.site, who).await
    }

    /// Applies `changes` as `who` through the service, committing on success.
    async fn change(&self, who: &str, changes: &[Change]) -> Result<Vec<Done>, AccessError> {
        let actor = self.site.actor(who).await;
        let redactor = Redactor::default();
        let mut tx = self.site.db.pool.begin().await.unwrap();
        let done = grants::apply(
            &mut tx,
            Ctx {
                actor: &actor,
                origin: None,
                redactor: &redactor,
            },
            &self.id,
            changes,
            &mut OsEntropy,
        )
        .await?;
        tx.commit().await.unwrap();
        Ok(done)
    }

    async fn count(&self, sql: &'static str) -> i64 {
        sqlx::query_scalar(sql)
            .bind(&self.id)
            .fetch_one(&self.site.db.pool)
            .await
            .unwrap()
    }

    /// Ledger rows of `action` on the advisory: actor, previous, new, metadata.
    async fn ledger(
        &self,
        action: &str,
    ) -> Vec<(Option<i64>, Option<Value>, Option<Value>, Value)> {
        sqlx::query_as(
            "SELECT e.actor_id, e.previous_value, e.new_value, e.metadata
             FROM audit_log_entry e JOIN advisory a ON a.id = e.advisory_id
             WHERE a.advisory_id = $1 AND e.action = $2 ORDER BY e.id",
        )
        .bind(&self.id)
        .bind(action)
        .fetch_all(&self.site.db.pool)
        .await
        .unwrap()
    }

    /// The user's grant permission on the advisory, if any.
    async fn grant_of(&self, email: &str) -> Option<String> {
        sqlx::query_scalar(
            "SELECT g.permission FROM access_grant g JOIN advisory a ON a.id = g.advisory_id
             JOIN app_user u ON u.id = g.principal_id
             WHERE a.advisory_id = $1 AND g.principal_type = 'user' AND lower(u.email) = lower($2)",
        )
        .bind(&self.id)
        .bind(email)
        .fetch_optional(&self.site.db.pool)
        .await
        .unwrap()
    }

    fn url(&self, tail: &str) -> String {
        self.site.url(&format!("/advisories/{}/{tail}", self.id))
    }

    /// Posts one access change as a form, with the page's CSRF token.
    async fn post_change(&self, b: &Browser, form: &[(&str, &str)], htmx: bool) -> Page {
        let page = b.get(&self.url("")).await;
        let csrf = page.csrf();
        let mut fields = vec![("csrf_token", csrf.as_str())];
        fields.extend_from_slice(form);
        let headers: &[(&str, &str)] = if htmx {
            &[("hx-request", "true"), ("hx-target", "access-panel")]
        } else {
            &[]
        };
        b.post(&self.url("access/save/"), &fields, headers).await
    }

    async fn invitation(&self, email: &str) -> (i64, String, Option<i64>) {
        sqlx::query_as(
            "SELECT i.id, i.token, i.redeemed_by FROM pending_invitation i
             JOIN advisory a ON a.id = i.advisory_id
             WHERE a.advisory_id = $1 AND lower(i.email) = lower($2)",
        )
        .bind(&self.id)
        .bind(email)
        .fetch_one(&self.site.db.pool)
        .await
        .unwrap()
    }
}

fn add(principal: &str, permission: &str) -> Change {
    Change::Add {
        principal: principal.into(),
        permission: permission.into(),
    }
}

fn invalid(result: Result<Vec<Done>, AccessError>) -> Vec<Problem> {
    match result {
        Err(AccessError::Invalid(problems)) => problems,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

// INV-ACCESS-1 and INV-ACCESS-5: one grant per principal, updated in place;
// each change writes its audit row, a same-permission re-grant none.
#[tokio::test]
async fn a_regrant_updates_in_place_and_every_change_is_audited() {
    let w = World::new(&[]).await;
    w.signed_in("dave").await;
    w.change("bob@example.org", &[add("Dave@Example.org", "viewer")])
        .await
        .unwrap();
    assert_eq!(
        w.grant_of("dave@example.org").await.as_deref(),
        Some("viewer")
    );
    let granted = w.ledger("access.granted").await;
    assert_eq!(granted.len(), 1);
    let bob = w.site.user_id("bob@example.org").await;
    let dave = w.site.user_id("dave@example.org").await;
    assert_eq!(granted[0].0, Some(bob));
    assert_eq!(granted[0].2.as_ref().unwrap()["principal_type"], "user");
    assert_eq!(granted[0].2.as_ref().unwrap()["principal_id"], dave);
    assert_eq!(granted[0].2.as_ref().unwrap()["permission"], "viewer");

    let same = w
        .change("bob@example.org", &[add("dave@example.org", "viewer")])
        .await
        .unwrap();
    assert!(matches!(same[0], Done::Unchanged { .. }));
    assert_eq!(
        w.ledger("access.granted").await.len(),
        1,
        "no audit for a no-op"
    );

    w.change(
        "bob@example.org",
        &[add("dave@example.org", "collaborator")],
    )
    .await
    .unwrap();
    let granted = w.ledger("access.granted").await;
    assert_eq!(granted.len(), 2);
    assert_eq!(granted[1].1, Some(json!({"permission": "viewer"})));
    assert_eq!(granted[1].3["updated"], true);
    assert_eq!(
        w.count(
            "SELECT count(*) FROM access_grant g JOIN advisory a ON a.id = g.advisory_id
             WHERE a.advisory_id = $1"
        )
        .await,
        1,
        "updated, not duplicated"
    );
    // The unique constraint is the backstop.
    let duplicate = sqlx::query(
        "INSERT INTO access_grant (advisory_id, principal_type, principal_id, permission)
         SELECT a.id, 'user', $2, 'viewer' FROM advisory a WHERE a.advisory_id = $1",
    )
    .bind(&w.id)
    .bind(dave)
    .execute(&w.site.db.pool)
    .await;
    assert!(
        duplicate.is_err(),
        "a second grant row for the same principal"
    );

    let grant_id: i64 = sqlx::query_scalar("SELECT id FROM access_grant WHERE principal_id = $1")
        .bind(dave)
        .fetch_one(&w.site.db.pool)
        .await
        .unwrap();
    w.change("bob@example.org", &[Change::Revoke { grant_id }])
        .await
        .unwrap();
    let revoked = w.ledger("access.revoked").await;
    assert_eq!(revoked.len(), 1);
    assert_eq!(revoked[0].1.as_ref().unwrap()["permission"], "collaborator");
    assert_eq!(w.grant_of("dave@example.org").await, None);
}

// INV-ACCESS-4 / INV-AUTH-3: owner is refused by the grant, update and
// invitation paths, by the panel, and by the database itself.
#[tokio::test]
async fn owner_is_never_granted_on_any_path() {
    let w = World::new(&[]).await;
    w.signed_in("dave").await;
    let problems = invalid(
        w.change("bob@example.org", &[add("dave@example.org", "owner")])
            .await,
    );
    assert_eq!(problems, [Problem::OwnerNotGrantable]);
    let problems = invalid(
        w.change("bob@example.org", &[add("outsider@example.net", "owner")])
            .await,
    );
    assert_eq!(problems, [Problem::OwnerNotGrantable]);
    w.change(
        "bob@example.org",
        &[
            add("dave@example.org", "viewer"),
            add("outsider@example.net", "viewer"),
        ],
    )
    .await
    .unwrap();
    let grant_id: i64 = sqlx::query_scalar("SELECT id FROM access_grant")
        .fetch_one(&w.site.db.pool)
        .await
        .unwrap();
    let (invitation_id, _, _) = w.invitation("outsider@example.net").await;
    let problems = invalid(
        w.change(
            "bob@example.org",
            &[
                Change::Update {
                    grant_id,
                    permission: "owner".into(),
                },
                Change::UpdateInvitation {
                    invitation_id,
                    permission: "owner".into(),
                },
            ],
        )
        .await,
    );
    assert_eq!(
        problems,
        [Problem::OwnerNotGrantable, Problem::OwnerNotGrantable]
    );

    let page = w
        .post_change(
            &w.bob,
            &[
                ("op", "add"),
                ("principal", "dave@example.org"),
                ("permission", "owner"),
            ],
            false,
        )
        .await;
    assert_eq!(page.status, 422);
    assert!(
        page.body
            .contains("owner is not grantable: it derives from project security team membership."),
        "{}",
        page.body
    );
    for sql in [
        "UPDATE access_grant SET permission = 'owner'",
        "UPDATE pending_invitation SET permission = 'owner'",
    ] {
        assert!(
            sqlx::query(sql).execute(&w.site.db.pool).await.is_err(),
            "{sql}"
        );
    }
    assert_eq!(
        w.grant_of("dave@example.org").await.as_deref(),
        Some("viewer")
    );
}

// group grants are limited to the caller's own groups (admins: any),
// never the project's team group; enforced in the service.
#[tokio::test]
async fn group_grants_follow_q13_for_admins_and_team_members() {
    let w = World::new(&[]).await;
    w.signed_in("dave").await; // creates @eclipse-committers
    w.signed_in("alice").await;
    let problems = invalid(
        w.change(
            "bob@example.org",
            &[
                add("@eclipse-committers", "viewer"),
                add("@theia-security", "viewer"),
                add("@no-such-group", "viewer"),
                add("@", "viewer"),
                add("", "viewer"),
            ],
        )
        .await,
    );
    assert_eq!(
        problems,
        [
            Problem::GroupNotGrantable("eclipse-committers".into()),
            Problem::TeamGroup("theia-security".into()),
            Problem::GroupNotGrantable("no-such-group".into()),
            Problem::EmptyGroupName,
            Problem::MissingPrincipal,
        ]
    );
    assert_eq!(
        problems[1].to_string(),
        "@theia-security is the project security team — it already has owner access."
    );
    let problems = invalid(
        w.change(
            "alice@example.org",
            &[
                add("@theia-security", "viewer"),
                add("@no-such-group", "viewer"),
            ],
        )
        .await,
    );
    assert_eq!(
        problems,
        [
            Problem::TeamGroup("theia-security".into()),
            Problem::UnknownGroup("no-such-group".into()),
        ]
    );
    w.change("alice@example.org", &[add("@eclipse-committers", "viewer")])
        .await
        .unwrap();
    // Raising a group's access is granting it: bob is not in the group.
    let grant_id: i64 =
        sqlx::query_scalar("SELECT id FROM access_grant WHERE principal_type = 'group'")
            .fetch_one(&w.site.db.pool)
            .await
            .unwrap();
    let problems = invalid(
        w.change(
            "bob@example.org",
            &[Change::Update {
                grant_id,
                permission: "collaborator".into(),
            }],
        )
        .await,
    );
    assert_eq!(
        problems,
        [Problem::GroupNotGrantable("eclipse-committers".into())]
    );
    // Removing it is not.
    w.change("bob@example.org", &[Change::Revoke { grant_id }])
        .await
        .unwrap();
}

// INV-AUTH-4: a direct viewer grant and a collaborator grant through a group
// make a collaborator; INV-CONF-2: a revoke hides the advisory at once.
#[tokio::test]
async fn grants_combine_by_maximum_and_a_revoke_hides_the_advisory_at_once() {
    let w = World::new(&[]).await;
    let dave = w.signed_in("dave").await;
    w.signed_in("alice").await;
    assert_eq!(dave.get(&w.url("")).await.status, 404);
    w.change("bob@example.org", &[add("dave@example.org", "viewer")])
        .await
        .unwrap();
    w.change(
        "alice@example.org",
        &[add("@eclipse-committers", "collaborator")],
    )
    .await
    .unwrap();
    let page = dave.get(&w.url("")).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("<dd>collaborator</dd>"), "{}", page.body);
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM access_grant ORDER BY id")
        .fetch_all(&w.site.db.pool)
        .await
        .unwrap();
    w.change(
        "bob@example.org",
        &ids.iter()
            .map(|&grant_id| Change::Revoke { grant_id })
            .collect::<Vec<_>>(),
    )
    .await
    .unwrap();
    assert_eq!(dave.get(&w.url("")).await.status, 404);
    assert_eq!(dave.get(&w.url("access/")).await.status, 404);
}

// A batch is validated in full before anything is written (50-web-ui §9.1).
#[tokio::test]
async fn a_batch_with_one_bad_change_writes_nothing() {
    let w = World::new(&[]).await;
    w.signed_in("dave").await;
    let problems = invalid(
        w.change(
            "bob@example.org",
            &[
                add("dave@example.org", "viewer"),
                add("new@example.net", "viewer"),
                add("not an address", "viewer"),
                Change::Revoke { grant_id: 999_999 },
                add("dave@example.org", "admin"),
            ],
        )
        .await,
    );
    assert_eq!(
        problems,
        [
            Problem::InvalidEmail("not an address".into()),
            Problem::UnknownGrant(999_999),
            Problem::UnknownPermission("admin".into()),
        ]
    );
    assert_eq!(w.grant_of("dave@example.org").await, None);
    assert_eq!(
        w.count("SELECT count(*) FROM pending_invitation WHERE $1 <> ''")
            .await,
        0
    );
    assert_eq!(
        w.count("SELECT count(*) FROM jobs WHERE name = 'notify.invitation' AND $1 <> ''")
            .await,
        0
    );
    assert!(w.ledger("access.granted").await.is_empty());
}

// INV-PRIVACY-4: the panel masks e-mails for non-owners, except the
// reader's own; owners see them in full and get the forms.
#[tokio::test]
async fn the_panel_masks_addresses_for_everyone_but_owners_and_oneself() {
    let w = World::new(&[]).await;
    let dave = w.signed_in("dave").await;
    w.signed_in("erin").await;
    w.change(
        "bob@example.org",
        &[
            add("dave@example.org", "viewer"),
            add("erin@example.org", "collaborator"),
            add("guest@example.net", "viewer"),
        ],
    )
    .await
    .unwrap();
    let page = dave.get(&w.url("")).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("id=\"access-panel\""));
    assert!(page.body.contains("e•••@example.org"), "{}", page.body);
    assert!(!page.body.contains("erin@example.org"));
    assert!(page.body.contains("dave@example.org"), "their own address");
    assert!(page.body.contains("@theia-security"));
    assert!(page.body.contains("@advisoryhub-security"));
    assert!(
        !page.body.contains("guest@example.net"),
        "invitations are for owners"
    );
    assert!(!page.body.contains("id=\"access-add\""), "read-only");

    let owner = w.bob.get(&w.url("")).await;
    assert!(owner.body.contains("erin@example.org"));
    assert!(owner.body.contains("dave@example.org"));
    assert!(owner.body.contains("guest@example.net"));
    assert!(owner.body.contains("id=\"access-add\""));
    assert!(!owner.body.contains("•••"), "{}", owner.body);
}

// The panel works without JavaScript (303 + flash) and with htmx (the panel
// fragment); refusals re-render it with 422 and the messages.
#[expect(
    clippy::too_many_lines,
    reason = "one walk through every form of the panel"
)]
#[tokio::test]
async fn the_panel_forms_work_with_and_without_htmx() {
    let w = World::new(&[]).await;
    w.signed_in("dave").await;
    let posted = w
        .post_change(
            &w.bob,
            &[
                ("op", "add"),
                ("principal", "dave@example.org"),
                ("permission", "viewer"),
            ],
            false,
        )
        .await;
    assert_eq!(posted.status, 303, "{}", posted.body);
    assert_eq!(
        posted.headers.get("location").unwrap(),
        &format!("/advisories/{}/#access-panel", w.id)
    );
    let landed = w.bob.follow(posted).await;
    assert!(
        landed
            .body
            .contains("dave@example.org now has viewer access."),
        "{}",
        landed.body
    );

    let grant_id: i64 = sqlx::query_scalar("SELECT id FROM access_grant")
        .fetch_one(&w.site.db.pool)
        .await
        .unwrap();
    let grant = grant_id.to_string();
    let fragment = w
        .post_change(
            &w.bob,
            &[
                ("op", "update"),
                ("grant_id", &grant),
                ("permission", "collaborator"),
            ],
            true,
        )
        .await;
    assert_eq!(fragment.status, 200);
    assert!(
        fragment
            .body
            .starts_with("<section class=\"card\" id=\"access-panel\"")
    );
    assert!(!fragment.body.contains("<html"));
    assert!(
        fragment.body.contains("is now collaborator"),
        "{}",
        fragment.body
    );
    assert_eq!(
        w.grant_of("dave@example.org").await.as_deref(),
        Some("collaborator")
    );

    let refused = w
        .post_change(
            &w.bob,
            &[
                ("op", "add"),
                ("principal", "@theia-security"),
                ("permission", "viewer"),
            ],
            true,
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.starts_with("<section"));
    assert!(
        refused
            .body
            .contains("@theia-security is the project security team")
    );
    assert!(
        refused.body.contains("value=\"@theia-security\""),
        "the form keeps the input"
    );
    let refused = w
        .post_change(&w.bob, &[("op", "promote"), ("grant_id", &grant)], false)
        .await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("<html"), "a full page without htmx");
    assert!(
        refused
            .body
            .contains("unknown operation &#x27;promote&#x27;")
            || refused.body.contains("unknown operation &#39;promote&#39;"),
        "{}",
        refused.body
    );
    let refused = w
        .post_change(&w.bob, &[("op", "revoke"), ("grant_id", "x1")], false)
        .await;
    assert_eq!(refused.status, 422);

    // The panel on its own: a fragment for htmx, a page otherwise.
    let alone = w
        .bob
        .get_with(&w.url("access/"), &[("hx-request", "true")])
        .await;
    assert_eq!(alone.status, 200);
    assert!(alone.body.starts_with("<section"));
    let page = w.bob.get(&w.url("access/")).await;
    assert!(page.body.contains("<html") && page.body.contains("id=\"access-panel\""));
}

// an advisory the caller cannot see does not exist on any access
// route; a viewer sees the panel but may not change it.
#[tokio::test]
async fn access_routes_hide_invisible_advisories_and_refuse_non_owners() {
    let w = World::new(&[]).await;
    let carol = w.signed_in("carol").await;
    let dave = w.signed_in("dave").await;
    w.change("bob@example.org", &[add("dave@example.org", "viewer")])
        .await
        .unwrap();
    let csrf = carol.get(&w.site.url("/")).await.csrf();
    assert_eq!(carol.get(&w.url("access/")).await.status, 404);
    for path in ["access/save/", "access-review/dismiss/"] {
        let page = carol
            .post(
                &w.url(path),
                &[
                    ("csrf_token", &csrf),
                    ("op", "add"),
                    ("principal", "carol@example.org"),
                    ("permission", "viewer"),
                ],
                &[],
            )
            .await;
        assert_eq!(page.status, 404, "{path}");
    }
    let denied = w
        .post_change(
            &dave,
            &[
                ("op", "add"),
                ("principal", "erin@example.org"),
                ("permission", "viewer"),
            ],
            false,
        )
        .await;
    assert_eq!(denied.status, 403);
    assert_eq!(w.grant_of("erin@example.org").await, None);
    let denied = dave
        .post(
            &w.url("access-review/dismiss/"),
            &[("csrf_token", &dave.get(&w.url("")).await.csrf())],
            &[],
        )
        .await;
    assert_eq!(denied.status, 403);
}

// The access-review banner (20-lifecycle §5.2): owners see it while the
// stamp is set; "Mark as reviewed" clears it once and audits the old value.
// (The edit service's stamp is tested in tests/advisory_service.rs.)
#[tokio::test]
async fn the_access_review_banner_is_dismissed_by_an_owner() {
    let w = World::new(&[]).await;
    let dave = w.signed_in("dave").await;
    w.change(
        "bob@example.org",
        &[add("dave@example.org", "collaborator")],
    )
    .await
    .unwrap();
    sqlx::query("UPDATE advisory SET access_review_required_at = now() WHERE advisory_id = $1")
        .bind(&w.id)
        .execute(&w.site.db.pool)
        .await
        .unwrap();
    let page = w.bob.get(&w.url("")).await;
    assert!(page.body.contains("id=\"access-review-banner\""));
    assert!(
        !dave
            .get(&w.url(""))
            .await
            .body
            .contains("access-review-banner")
    );
    let csrf = page.csrf();
    for _ in 0..2 {
        let done = w
            .bob
            .post(
                &w.url("access-review/dismiss/"),
                &[("csrf_token", &csrf)],
                &[],
            )
            .await;
        assert_eq!(done.status, 303);
        assert_eq!(
            done.headers.get("location").unwrap(),
            &format!("/advisories/{}/", w.id)
        );
    }
    let dismissed = w.ledger("advisory.access_review_dismissed").await;
    assert_eq!(dismissed.len(), 1, "the second dismissal is a no-op");
    assert!(dismissed[0].1.as_ref().unwrap().is_string());
    assert!(
        !w.bob
            .get(&w.url(""))
            .await
            .body
            .contains("access-review-banner")
    );
}

// An unknown address becomes an invitation whose e-mail job is enqueued in
// the same transaction: exactly one, and none when the change rolls back.
#[tokio::test]
async fn an_invitation_enqueues_exactly_one_job_in_its_transaction() {
    let w = World::new(&[]).await;
    let actor = w.site.actor("bob@example.org").await;
    let redactor = Redactor::default();
    let ctx = Ctx {
        actor: &actor,
        origin: None,
        redactor: &redactor,
    };
    let mut tx = w.site.db.pool.begin().await.unwrap();
    grants::apply(
        &mut tx,
        ctx,
        &w.id,
        &[add("gone@example.net", "viewer")],
        &mut OsEntropy,
    )
    .await
    .unwrap();
    tx.rollback().await.unwrap();
    assert_eq!(
        w.count("SELECT count(*) FROM jobs WHERE name = 'notify.invitation' AND $1 <> ''")
            .await,
        0
    );
    assert_eq!(
        w.count("SELECT count(*) FROM pending_invitation WHERE $1 <> ''")
            .await,
        0
    );

    let done = w
        .change(
            "bob@example.org",
            &[add("New.Person@Example.net", "viewer")],
        )
        .await
        .unwrap();
    assert!(matches!(done[0], Done::Invited { .. }));
    let (invitation_id, token, _) = w.invitation("new.person@example.net").await;
    assert_eq!(token.len(), 43);
    let jobs: Vec<(String, Value)> =
        sqlx::query_as("SELECT name, payload FROM jobs WHERE name = 'notify.invitation'")
            .fetch_all(&w.site.db.pool)
            .await
            .unwrap();
    assert_eq!(
        jobs,
        [(
            "notify.invitation".to_owned(),
            json!({"invitation_id": invitation_id})
        )]
    );
    let created = w.ledger("invitation.created").await;
    assert_eq!(
        created[0].2,
        Some(json!({"email": "New.Person@Example.net", "permission": "viewer"}))
    );
    // Inviting again changes the open invitation; no second e-mail.
    w.change(
        "bob@example.org",
        &[add("new.person@example.net", "collaborator")],
    )
    .await
    .unwrap();
    assert_eq!(
        w.count("SELECT count(*) FROM pending_invitation WHERE $1 <> ''")
            .await,
        1
    );
    assert_eq!(
        w.count("SELECT count(*) FROM jobs WHERE name = 'notify.invitation' AND $1 <> ''")
            .await,
        1
    );
    let created = w.ledger("invitation.created").await;
    assert_eq!(created.len(), 2);
    assert_eq!(created[1].1, Some(json!({"permission": "viewer"})));
    assert_eq!(created[1].3["updated"], true);
    // Revoked: audited first, then deleted.
    w.change(
        "bob@example.org",
        &[Change::RevokeInvitation { invitation_id }],
    )
    .await
    .unwrap();
    assert_eq!(w.ledger("invitation.revoked").await.len(), 1);
    assert_eq!(
        w.count("SELECT count(*) FROM pending_invitation WHERE $1 <> ''")
            .await,
        0
    );
}

// INV-ACCESS-2: the verified e-mail redeems at sign-in whatever its case;
// another address does not. The grant's actor is the inviter, the
// redemption's the user.
#[tokio::test]
async fn sign_in_redeems_invitations_to_the_verified_address_ignoring_case() {
    let w = World::new(&[]).await;
    w.change(
        "bob@example.org",
        &[
            add("ERIN@Example.ORG", "collaborator"),
            add("someone.else@example.org", "viewer"),
        ],
    )
    .await
    .unwrap();
    let erin = w.signed_in("erin").await;
    assert_eq!(
        w.grant_of("erin@example.org").await.as_deref(),
        Some("collaborator")
    );
    let erin_id = w.site.user_id("erin@example.org").await;
    let (_, _, redeemed_by) = w.invitation("erin@example.org").await;
    assert_eq!(redeemed_by, Some(erin_id));
    let (_, _, other) = w.invitation("someone.else@example.org").await;
    assert_eq!(other, None);
    let granted = w.ledger("access.granted").await;
    assert_eq!(
        granted.last().unwrap().0,
        Some(w.site.user_id("bob@example.org").await)
    );
    let redeemed = w.ledger("invitation.redeemed").await;
    assert_eq!(redeemed.len(), 1);
    assert_eq!(redeemed[0].0, Some(erin_id));
    assert_eq!(erin.get(&w.url("")).await.status, 200);
}

// INV-ACCESS-3: an owner inviting an address again after its invitation
// expired starts it afresh: a new link, a new window, a new e-mail, audited.
#[tokio::test]
async fn inviting_again_after_expiry_starts_afresh() {
    let w = World::new(&[]).await;
    w.change("bob@example.org", &[add("erin@example.org", "viewer")])
        .await
        .unwrap();
    let (id, token, _) = w.invitation("erin@example.org").await;
    sqlx::query("UPDATE pending_invitation SET expires_at = now() - interval '1 day'")
        .execute(&w.site.db.pool)
        .await
        .unwrap();
    w.change(
        "bob@example.org",
        &[add("erin@example.org", "collaborator")],
    )
    .await
    .unwrap();
    let (again, new_token, _) = w.invitation("erin@example.org").await;
    assert_eq!(again, id, "the same invitation, renewed");
    assert_ne!(new_token, token, "the expired link stays dead");
    assert_eq!(
        w.count("SELECT count(*) FROM pending_invitation WHERE expires_at > now() AND permission = 'collaborator' AND $1 <> ''")
            .await,
        1
    );
    assert_eq!(w.ledger("invitation.created").await.len(), 2);
    assert_eq!(
        w.count("SELECT count(*) FROM jobs WHERE name = 'notify.invitation' AND $1 <> ''")
            .await,
        2
    );
}

// INV-ACCESS-3: an expired invitation is not redeemed; an admin resend makes
// it redeemable again (same token), is audited and mails again.
#[tokio::test]
async fn an_expired_invitation_waits_for_an_admin_resend() {
    let w = World::new(&[]).await;
    w.signed_in("alice").await;
    w.change("bob@example.org", &[add("erin@example.org", "viewer")])
        .await
        .unwrap();
    let (invitation_id, token, _) = w.invitation("erin@example.org").await;
    sqlx::query("UPDATE pending_invitation SET expires_at = now() - interval '1 day'")
        .execute(&w.site.db.pool)
        .await
        .unwrap();
    w.signed_in("erin").await;
    assert_eq!(w.grant_of("erin@example.org").await, None);

    let bob = w.site.actor("bob@example.org").await;
    let admin = w.site.actor("alice@example.org").await;
    let redactor = Redactor::default();
    let mut tx = w.site.db.pool.begin().await.unwrap();
    let refused = invitations::resend(
        &mut tx,
        Ctx {
            actor: &bob,
            origin: None,
            redactor: &redactor,
        },
        invitation_id,
    )
    .await;
    assert!(matches!(refused, Err(AccessError::Forbidden(_))));
    let resent = invitations::resend(
        &mut tx,
        Ctx {
            actor: &admin,
            origin: None,
            redactor: &redactor,
        },
        invitation_id,
    )
    .await
    .unwrap();
    assert_eq!(
        resent,
        Resent::Resent {
            email: "erin@example.org".into()
        }
    );
    tx.commit().await.unwrap();
    let resent = w.ledger("invitation.resent").await;
    assert_eq!(resent.len(), 1);
    assert_eq!(resent[0].2.as_ref().unwrap()["email"], "erin@example.org");
    assert_eq!(
        w.count("SELECT count(*) FROM jobs WHERE name = 'notify.invitation' AND $1 <> ''")
            .await,
        2
    );
    let (_, same_token, _) = w.invitation("erin@example.org").await;
    assert_eq!(same_token, token);

    w.signed_in("erin").await;
    assert_eq!(
        w.grant_of("erin@example.org").await.as_deref(),
        Some("viewer")
    );
}

// INV-OIDC-6: an unverified e-mail redeems nothing, even for an existing
// account; the same address verified does.
#[tokio::test]
async fn an_unverified_address_redeems_nothing() {
    let w = World::new(&[]).await;
    w.signed_in("erin").await;
    let erin_id = w.site.user_id("erin@example.org").await;
    w.change("bob@example.org", &[add("erin.alt@example.org", "viewer")])
        .await
        .unwrap();
    w.site.idp.update_user("erin", |u| {
        u["email"] = json!("erin.alt@example.org");
        u["email_verified"] = json!(false);
    });
    let erin = Browser::new();
    erin.sign_in(&w.site, "erin.alt@example.org").await;
    assert_eq!(
        w.site.user_id("erin@example.org").await,
        erin_id,
        "the same account"
    );
    assert_eq!(w.grant_of("erin@example.org").await, None);
    assert_eq!(w.invitation("erin.alt@example.org").await.2, None);
    assert_eq!(erin.get(&w.url("")).await.status, 404);

    w.site.idp.update_user("erin", |u| {
        u["email_verified"] = json!(true);
    });
    Browser::new()
        .sign_in(&w.site, "erin.alt@example.org")
        .await;
    assert_eq!(
        w.grant_of("erin@example.org").await.as_deref(),
        Some("viewer")
    );
}

/// An invitation row addressed to `email`, as if made before the account
/// existed (the service turns an existing user's address into a grant).
async fn raw_invitation(w: &World, email: &str, permission: &str, token: &str) {
    let bob = w.site.user_id("bob@example.org").await;
    sqlx::query(
        "INSERT INTO pending_invitation (advisory_id, email, permission, token, created_by)
         SELECT id, $2, $3, $4, $5 FROM advisory WHERE advisory_id = $1",
    )
    .bind(&w.id)
    .bind(email)
    .bind(permission)
    .bind(token)
    .bind(bob)
    .execute(&w.site.db.pool)
    .await
    .unwrap();
}

// Consistency ruling 9: the invitation link redeems for the invited,
// signed-in address and refuses everything else with a page that says why.
#[tokio::test]
async fn the_invitation_link_redeems_or_explains_the_refusal() {
    let w = World::new(&[]).await;
    let dave = w.signed_in("dave").await;
    let erin = w.signed_in("erin").await;
    let token = "t".repeat(43);
    raw_invitation(&w, "Dave@example.org", "viewer", &token).await;
    sqlx::query("UPDATE pending_invitation SET expires_at = now() - interval '1 minute'")
        .execute(&w.site.db.pool)
        .await
        .unwrap();
    let link = w.site.url(&format!("/invitations/{token}/"));

    let anonymous = Browser::new().get(&link).await;
    assert_eq!(anonymous.status, 302, "sign in first");
    let unknown = dave
        .get(&w.site.url(&format!("/invitations/{}/", "u".repeat(43))))
        .await;
    assert_eq!(unknown.status, 404);
    assert!(
        unknown
            .body
            .contains("does not exist or has been cancelled")
    );
    let expired = dave.get(&link).await;
    assert_eq!(expired.status, 410);
    assert!(expired.body.contains("This invitation has expired."));
    let mismatched = erin.get(&link).await;
    assert_eq!(mismatched.status, 403);
    assert!(
        mismatched.body.contains("D•••@example.org"),
        "{}",
        mismatched.body
    );
    assert!(mismatched.body.contains("erin@example.org"));
    assert_eq!(w.grant_of("erin@example.org").await, None);

    sqlx::query("UPDATE pending_invitation SET expires_at = now() + interval '1 day'")
        .execute(&w.site.db.pool)
        .await
        .unwrap();
    let accepted = dave.get(&link).await;
    assert_eq!(accepted.status, 303);
    assert_eq!(
        accepted.headers.get("location").unwrap(),
        &format!("/advisories/{}/", w.id)
    );
    let landed = dave.follow(accepted).await;
    assert_eq!(landed.status, 200);
    assert!(landed.body.contains("Invitation accepted"));
    assert_eq!(
        w.grant_of("dave@example.org").await.as_deref(),
        Some("viewer")
    );
    let again = dave.follow(dave.get(&link).await).await;
    assert!(again.body.contains("You accepted this invitation earlier."));
    assert_eq!(w.ledger("invitation.redeemed").await.len(), 1);
}

// Redemption never lowers an existing grant (docs/decisions.md).
#[tokio::test]
async fn redeeming_keeps_a_higher_existing_grant() {
    let w = World::new(&[]).await;
    let dave = w.signed_in("dave").await;
    w.change(
        "bob@example.org",
        &[add("dave@example.org", "collaborator")],
    )
    .await
    .unwrap();
    let token = "v".repeat(43);
    raw_invitation(&w, "dave@example.org", "viewer", &token).await;
    let accepted = dave
        .get(&w.site.url(&format!("/invitations/{token}/")))
        .await;
    assert_eq!(accepted.status, 303);
    assert_eq!(
        w.grant_of("dave@example.org").await.as_deref(),
        Some("collaborator")
    );
    assert_eq!(
        w.ledger("access.granted").await.len(),
        1,
        "no downgrade, no audit"
    );
    assert_eq!(w.ledger("invitation.redeemed").await.len(), 1);
}

// The invitation e-mail through a real SMTP server: once per job (a retry
// skips the address), the spec's subject, the link, no advisory content,
// and the delivery in the access log.
#[tokio::test]
async fn the_invitation_email_goes_out_once_through_smtp() {
    let catcher = MailCatcher::start().await;
    let w = World::new(&[]).await;
    w.change(
        "bob@example.org",
        &[add("guest@example.net", "collaborator")],
    )
    .await
    .unwrap();
    let (invitation_id, token, _) = w.invitation("guest@example.net").await;
    let job_id: i64 = sqlx::query_scalar("SELECT id FROM jobs WHERE name = 'notify.invitation'")
        .fetch_one(&w.site.db.pool)
        .await
        .unwrap();
    let mut vars: Vec<(&str, &str)> = vec![("ADVISORYHUB_BASE_URL", "https://hub.example.org/")];
    let settings = catcher.settings();
    vars.extend(settings.iter().map(|(k, v)| (*k, v.as_str())));
    let config = common::config(&vars);
    let ctx = JobContext {
        pool: w.site.db.pool.clone(),
        mailer: Mailer::from_config(&config).unwrap(),
        metrics: advisoryhub::ops::metrics::Metrics::new().unwrap(),
        config: Arc::new(config),
        job_id,
        attempt: 1,
    };
    let job = NotifyInvitation { invitation_id };
    job.run(&ctx).await.unwrap();
    job.run(&ctx).await.unwrap();
    let mails = catcher.wait_for(1, Duration::from_secs(20)).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mails = if catcher.messages().await.len() > mails.len() {
        catcher.messages().await
    } else {
        mails
    };
    assert_eq!(mails.len(), 1, "a retry does not mail twice: {mails:#?}");
    let mail = &mails[0];
    assert_eq!(mail.to, ["guest@example.net"]);
    assert_eq!(
        mail.subject,
        format!("[{}] you're invited to view a security advisory", w.id)
    );
    let text = mail.text.as_deref().unwrap();
    assert!(
        text.contains(&format!("https://hub.example.org/invitations/{token}/")),
        "{text}"
    );
    assert!(text.contains("Eclipse Theia"));
    assert!(text.contains("collaborator"));
    assert!(text.contains(" UTC"));
    assert!(!text.contains("Token leak"), "never advisory content");
    assert!(mail.html.as_deref().unwrap().contains("/invitations/"));
    let sent: Vec<Value> = sqlx::query_scalar(
        "SELECT metadata FROM access_log_entry WHERE action = 'notification.sent'",
    )
    .fetch_all(&w.site.db.pool)
    .await
    .unwrap();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["kind"], "invitation");
    assert_eq!(sent[0]["recipient_email"], "guest@example.net");

    // Redeemed or revoked before the job runs: nothing is sent.
    w.change(
        "bob@example.org",
        &[Change::RevokeInvitation { invitation_id }],
    )
    .await
    .unwrap();
    let later = JobContext {
        job_id: job_id + 1000,
        ..ctx
    };
    job.run(&later).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(catcher.messages().await.len(), 1);
}
