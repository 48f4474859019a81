//! Triage decisions on a report (20-lifecycle §6): promote, flag for admin
//! routing and clear the flag, move to another project, on a real database
//! through the services (who may, what each writes: the row, its version,
//! its ledger rows, its action note, its job) and over real HTTP through
//! the identity provider (the triage card, plain forms and htmx, refusals),
//! plus the notifications through the real worker.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::too_many_lines,
    reason = "tests fail loudly on purpose, and walk whole scenarios"
)]

mod common;

use std::time::Duration;

use advisoryhub::access::permissions::Actor;
use advisoryhub::advisories::service::{Ctx, ServiceError};
use advisoryhub::advisories::workflow::triage;
use advisoryhub::audit::redact::Redactor;
use advisoryhub::comments::service::record_action_note;
use common::TestDb;
use common::site::{Browser, Page, Site};
use common::world::{self, ADMIN_GROUP, actor, create_advisory, summary, user};
use serde_json::Value;
use sqlx::PgPool;
use uuid::Uuid;

struct W {
    db: TestDb,
    theia: Uuid,
    jetty: Uuid,
    unsorted: Uuid,
    alice: Actor,
    /// Theia's team.
    bob: Actor,
    /// Jetty's team.
    carol: Actor,
    /// Theia's and Jetty's teams.
    tom: Actor,
    /// Collaborator grant.
    dave: Actor,
    /// Viewer grant (the reporter's, INV-INTAKE-3).
    erin: Actor,
    /// No access.
    olga: Actor,
    redactor: Redactor,
}

fn is_forbidden<T: std::fmt::Debug>(r: &Result<T, ServiceError>) -> bool {
    matches!(r, Err(ServiceError::Forbidden(_)))
}

fn state_refusal<T: std::fmt::Debug>(r: Result<T, ServiceError>) -> String {
    match r {
        Err(ServiceError::InvalidState(key)) => key,
        other => panic!("expected a state refusal, got {other:?}"),
    }
}

fn field_refusal<T: std::fmt::Debug>(r: Result<T, ServiceError>) -> String {
    match r {
        Err(ServiceError::Invalid(errors)) => errors.iter().next().unwrap().message.clone(),
        other => panic!("expected a field error, got {other:?}"),
    }
}

impl W {
    async fn new() -> W {
        let db = TestDb::new().await;
        let pool = &db.pool;
        let p = world::projects(pool).await;
        let unsorted: Uuid = sqlx::query_scalar("SELECT id FROM project WHERE slug = 'unsorted'")
            .fetch_one(pool)
            .await
            .unwrap();
        let ids = [
            user(pool, "alice@example.org", &[ADMIN_GROUP]).await,
            user(pool, "bob@example.org", &["theia-security"]).await,
            user(pool, "carol@example.org", &["jetty-security"]).await,
            user(
                pool,
                "tom@example.org",
                &["theia-security", "jetty-security"],
            )
            .await,
            user(pool, "dave@example.org", &[]).await,
            user(pool, "erin@example.org", &[]).await,
            user(pool, "olga@example.org", &[]).await,
        ];
        W {
            theia: p.theia,
            jetty: p.jetty,
            unsorted,
            alice: actor(pool, ids[0]).await,
            bob: actor(pool, ids[1]).await,
            carol: actor(pool, ids[2]).await,
            tom: actor(pool, ids[3]).await,
            dave: actor(pool, ids[4]).await,
            erin: actor(pool, ids[5]).await,
            olga: actor(pool, ids[6]).await,
            redactor: Redactor::default(),
            db,
        }
    }

    fn pool(&self) -> &PgPool {
        &self.db.pool
    }

    fn ctx<'a>(&'a self, actor: &'a Actor) -> Ctx<'a> {
        Ctx {
            actor,
            origin: None,
            redactor: &self.redactor,
        }
    }

    /// A report of `project` as the intake form leaves it: triage, its
    /// sidecar (flagged on `unsorted`, INV-INTAKE-4), erin's viewer grant
    /// and dave's collaborator grant.
    async fn report(&self, project: Uuid) -> String {
        let id = create_advisory(
            self.pool(),
            &self.alice,
            project,
            summary("XSS in the editor"),
        )
        .await;
        // One transaction: a report on `unsorted` is flagged at commit.
        let mut tx = self.pool().begin().await.unwrap();
        sqlx::query(
            "UPDATE advisory SET state = 'triage', created_by = NULL WHERE advisory_id = $1",
        )
        .bind(&id)
        .execute(&mut *tx)
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO advisory_intake (advisory_id, reporter_user_id, reporter_display_name,
                 needs_admin_routing, admin_routing_note, flagged_for_routing_at)
             SELECT a.id, $2, 'Erin R.', p.slug = 'unsorted',
                    CASE WHEN p.slug = 'unsorted' THEN 'Filed without a project.' ELSE '' END,
                    CASE WHEN p.slug = 'unsorted' THEN now() END
             FROM advisory a JOIN project p ON p.id = a.project_id WHERE a.advisory_id = $1",
        )
        .bind(&id)
        .bind(self.erin.user_id)
        .execute(&mut *tx)
        .await
        .unwrap();
        tx.commit().await.unwrap();
        for (who, permission) in [
            (self.erin.user_id, "viewer"),
            (self.dave.user_id, "collaborator"),
        ] {
            sqlx::query(
                "INSERT INTO access_grant (advisory_id, principal_type, principal_id, permission)
                 SELECT id, 'user', $2, $3 FROM advisory WHERE advisory_id = $1",
            )
            .bind(&id)
            .bind(who)
            .bind(permission)
            .execute(self.pool())
            .await
            .unwrap();
        }
        id
    }

    async fn promote(
        &self,
        who: &Actor,
        id: &str,
        target: Option<Uuid>,
    ) -> Result<triage::Promoted, ServiceError> {
        let mut tx = self.pool().begin().await.unwrap();
        let r = triage::promote_triage(&mut tx, self.ctx(who), id, target).await;
        if r.is_ok() {
            tx.commit().await.unwrap();
        }
        r
    }

    async fn flag(&self, who: &Actor, id: &str, note: &str) -> Result<(), ServiceError> {
        let mut tx = self.pool().begin().await.unwrap();
        let r = triage::flag_for_admin_routing(&mut tx, self.ctx(who), id, note).await;
        if r.is_ok() {
            tx.commit().await.unwrap();
        }
        r
    }

    async fn clear(&self, who: &Actor, id: &str, note: &str) -> Result<(), ServiceError> {
        let mut tx = self.pool().begin().await.unwrap();
        let r = triage::clear_admin_routing_flag(&mut tx, self.ctx(who), id, note).await;
        if r.is_ok() {
            tx.commit().await.unwrap();
        }
        r
    }

    async fn reassign(
        &self,
        who: &Actor,
        id: &str,
        to: Option<Uuid>,
        note: &str,
    ) -> Result<triage::Reassigned, ServiceError> {
        let mut tx = self.pool().begin().await.unwrap();
        let r = triage::reassign_triage_project(&mut tx, self.ctx(who), id, to, note).await;
        if r.is_ok() {
            tx.commit().await.unwrap();
        }
        r
    }

    /// `(state, project slug, internal id, created_at as text)`.
    async fn row(&self, id: &str) -> (String, String, i64, String) {
        sqlx::query_as(
            "SELECT a.state, p.slug, a.id, a.created_at::text FROM advisory a
             JOIN project p ON p.id = a.project_id WHERE a.advisory_id = $1",
        )
        .bind(id)
        .fetch_one(self.pool())
        .await
        .unwrap()
    }

    /// `(needs_admin_routing, note, flagged_by)` of the sidecar.
    async fn routing(&self, id: &str) -> (bool, String, Option<i64>) {
        sqlx::query_as(
            "SELECT i.needs_admin_routing, i.admin_routing_note, i.flagged_for_routing_by
             FROM advisory_intake i JOIN advisory a ON a.id = i.advisory_id WHERE a.advisory_id = $1",
        )
        .bind(id)
        .fetch_one(self.pool())
        .await
        .unwrap()
    }

    /// Ledger rows of `action`: actor, previous, new, metadata.
    async fn ledger(
        &self,
        id: &str,
        action: &str,
    ) -> Vec<(Option<i64>, Option<Value>, Option<Value>, Value)> {
        sqlx::query_as(
            "SELECT e.actor_id, e.previous_value, e.new_value, e.metadata
             FROM audit_log_entry e JOIN advisory a ON a.id = e.advisory_id
             WHERE a.advisory_id = $1 AND e.action = $2 ORDER BY e.id",
        )
        .bind(id)
        .bind(action)
        .fetch_all(self.pool())
        .await
        .unwrap()
    }

    async fn count(&self, sql: &'static str, id: &str) -> i64 {
        sqlx::query_scalar(sql)
            .bind(id)
            .fetch_one(self.pool())
            .await
            .unwrap()
    }

    async fn versions(&self, id: &str) -> i64 {
        self.count(
            "SELECT count(*) FROM advisory_version v JOIN advisory a ON a.id = v.advisory_id
             WHERE a.advisory_id = $1",
            id,
        )
        .await
    }

    /// The events of the advisory's `notify.triage_event` jobs, in order.
    async fn events(&self, id: &str) -> Vec<String> {
        sqlx::query_scalar(
            "SELECT j.payload ->> 'event' FROM jobs j, advisory a
             WHERE a.advisory_id = $1 AND j.name = 'notify.triage_event'
               AND (j.payload ->> 'advisory_id')::bigint = a.id ORDER BY j.id",
        )
        .bind(id)
        .fetch_all(self.pool())
        .await
        .unwrap()
    }

    /// Comments: body and internal flag.
    async fn comments(&self, id: &str) -> Vec<(String, bool)> {
        sqlx::query_as(
            "SELECT c.body, c.is_internal FROM advisory_comment c
             JOIN advisory a ON a.id = c.advisory_id WHERE a.advisory_id = $1 ORDER BY c.id",
        )
        .bind(id)
        .fetch_all(self.pool())
        .await
        .unwrap()
    }
}

// INV-LIFECYCLE-5, L-4: promotion mutates the same row: internal id, public
// id and `created_at` unchanged; versions, comments, grants (the reporter's
// viewer grant included), the sidecar and the ledger stay attached; no
// version when the project stays, one when it moves; the audit pair and the
// `advisory_triage_promoted` job.
#[tokio::test]
async fn inv_lifecycle_5_promotion_keeps_the_row_its_id_and_history() {
    let w = W::new().await;
    let id = w.report(w.theia).await;
    let before = w.row(&id).await;
    {
        let mut tx = w.pool().begin().await.unwrap();
        record_action_note(&mut tx, w.ctx(&w.bob), before.2, "Looks real.", false)
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
    let versions = w.versions(&id).await;
    let ledger_before = w
        .count(
            "SELECT count(*) FROM audit_log_entry e JOIN advisory a ON a.id = e.advisory_id
             WHERE a.advisory_id = $1",
            &id,
        )
        .await;

    let done = w.promote(&w.bob, &id, None).await.unwrap();
    assert!(!done.reassigned);
    assert_eq!(done.version, None, "state is not part of the payload");
    let after = w.row(&id).await;
    assert_eq!(after.0, "draft");
    assert_eq!(
        (&after.1, after.2, &after.3),
        (&before.1, before.2, &before.3)
    );
    assert_eq!(w.versions(&id).await, versions);
    assert_eq!(w.comments(&id).await, [("Looks real.".to_owned(), false)]);
    assert_eq!(
        w.count(
            "SELECT count(*) FROM access_grant g JOIN advisory a ON a.id = g.advisory_id
             WHERE a.advisory_id = $1",
            &id
        )
        .await,
        2
    );
    assert_eq!(w.routing(&id).await, (false, String::new(), None));
    let ledger_after = w
        .count(
            "SELECT count(*) FROM audit_log_entry e JOIN advisory a ON a.id = e.advisory_id
             WHERE a.advisory_id = $1",
            &id,
        )
        .await;
    assert_eq!(
        ledger_after,
        ledger_before + 2,
        "history kept, two rows added"
    );
    let promoted = w.ledger(&id, "advisory.triage_promoted").await;
    assert_eq!(promoted.len(), 1);
    assert_eq!(promoted[0].0, Some(w.bob.user_id));
    assert_eq!(promoted[0].1, Some(Value::from("triage")));
    assert_eq!(promoted[0].2, Some(Value::from("draft")));
    assert_eq!(promoted[0].3["previous_project"], "ecd.theia");
    assert_eq!(promoted[0].3["project"], "ecd.theia");
    assert_eq!(promoted[0].3["reassigned"], false);
    let twin = w.ledger(&id, "advisory.state_changed").await;
    assert_eq!(twin.len(), 1);
    assert_eq!(twin[0].3["narrated"], true);
    assert_eq!(w.events(&id).await, ["advisory_triage_promoted"]);

    // Promoted into another project: a version records the move.
    let other = w.report(w.theia).await;
    let versions = w.versions(&other).await;
    let done = w.promote(&w.tom, &other, Some(w.jetty)).await.unwrap();
    assert!(done.reassigned);
    assert_eq!(done.project.slug, "rt.jetty");
    assert_eq!(done.version, Some(i32::try_from(versions).unwrap() + 1));
    assert_eq!(w.row(&other).await.1, "rt.jetty");
    let payload: Value = sqlx::query_scalar(
        "SELECT v.payload FROM advisory_version v JOIN advisory a ON a.id = v.advisory_id
         WHERE a.advisory_id = $1 ORDER BY v.version DESC LIMIT 1",
    )
    .bind(&other)
    .fetch_one(w.pool())
    .await
    .unwrap();
    assert_eq!(payload["project_slug"], "rt.jetty");
    assert_eq!(
        w.ledger(&other, "advisory.triage_promoted").await[0].3["reassigned"],
        true
    );
}

// P-28, INV-AUTH-5, INV-AUTH-6, L-4: who may promote, and where to.
#[tokio::test]
async fn promotion_refusals_inv_auth_5_and_6() {
    let w = W::new().await;
    let id = w.report(w.theia).await;
    for who in [&w.dave, &w.erin, &w.carol] {
        let r = w.promote(who, &id, None).await;
        assert!(
            is_forbidden(&r) || matches!(r, Err(ServiceError::NotFound)),
            "{r:?}"
        );
    }
    assert!(is_forbidden(&w.promote(&w.dave, &id, None).await));
    assert!(matches!(
        w.promote(&w.olga, &id, None).await,
        Err(ServiceError::NotFound)
    ));
    // Not on Jetty's team: Theia's team promotes into Theia only.
    assert!(is_forbidden(&w.promote(&w.bob, &id, Some(w.jetty)).await));
    assert_eq!(
        field_refusal(w.promote(&w.alice, &id, Some(Uuid::nil())).await),
        "triage-error-unknown-project"
    );
    assert_eq!(w.row(&id).await.0, "triage", "refusals change nothing");
    assert!(w.ledger(&id, "advisory.triage_promoted").await.is_empty());
    assert!(w.events(&id).await.is_empty());

    // Flagged: admins only (INV-AUTH-6).
    w.flag(&w.bob, &id, "Not ours, maybe Jetty's.")
        .await
        .unwrap();
    assert!(is_forbidden(&w.promote(&w.bob, &id, None).await));
    w.promote(&w.alice, &id, None).await.unwrap();
    assert_eq!(
        state_refusal(w.promote(&w.bob, &id, None).await),
        "lifecycle-error-not-triage"
    );

    // On `unsorted` a real target is needed (INV-PROJECT-2).
    let unsorted = w.report(w.unsorted).await;
    assert_eq!(
        field_refusal(w.promote(&w.alice, &unsorted, None).await),
        "triage-error-promote-unsorted"
    );
    let done = w.promote(&w.alice, &unsorted, Some(w.theia)).await.unwrap();
    assert_eq!(done.project.slug, "ecd.theia");
    assert!(!w.routing(&unsorted).await.0, "routing columns cleared");
}

// §6.1, §6.2, INV-AUTH-6, INV-INTAKE-4: a non-admin owner flags with a
// required note (internal action note, audit, admins' job); admins cannot
// flag; the team and admins clear the flag on a real project, nobody on
// `unsorted`.
#[tokio::test]
async fn inv_auth_6_flag_and_clear_for_admin_routing() {
    let w = W::new().await;
    let id = w.report(w.theia).await;
    assert_eq!(
        field_refusal(w.flag(&w.bob, &id, "  ").await),
        "lifecycle-error-note-required"
    );
    assert!(is_forbidden(&w.flag(&w.alice, &id, "Admins route.").await));
    assert!(is_forbidden(&w.flag(&w.dave, &id, "x").await));
    assert!(matches!(
        w.flag(&w.olga, &id, "x").await,
        Err(ServiceError::NotFound)
    ));
    w.flag(&w.bob, &id, "Belongs to another project.")
        .await
        .unwrap();
    assert_eq!(
        w.routing(&id).await,
        (
            true,
            "Belongs to another project.".to_owned(),
            Some(w.bob.user_id)
        )
    );
    assert_eq!(
        w.comments(&id).await,
        [("Belongs to another project.".to_owned(), true)],
        "internal action note (20 §2.3)"
    );
    let flagged = w.ledger(&id, "advisory.flagged_for_routing").await;
    assert_eq!(flagged.len(), 1);
    assert_eq!(flagged[0].0, Some(w.bob.user_id));
    assert_eq!(flagged[0].3["note"], "Belongs to another project.");
    assert_eq!(flagged[0].3["project"], "ecd.theia");
    assert_eq!(
        state_refusal(w.flag(&w.bob, &id, "Again.").await),
        "triage-error-already-flagged"
    );

    assert!(is_forbidden(&w.clear(&w.dave, &id, "").await));
    w.clear(&w.bob, &id, "We will handle it after all.")
        .await
        .unwrap();
    assert_eq!(w.routing(&id).await, (false, String::new(), None));
    let cleared = w.ledger(&id, "advisory.routing_flag_cleared").await;
    assert_eq!(cleared.len(), 1);
    assert_eq!(cleared[0].3["previous_note"], "Belongs to another project.");
    assert_eq!(cleared[0].3["note"], "We will handle it after all.");
    assert_eq!(w.comments(&id).await.len(), 2);
    assert_eq!(
        state_refusal(w.clear(&w.bob, &id, "").await),
        "triage-error-not-flagged"
    );
    assert_eq!(
        w.events(&id).await,
        [
            "advisory_flagged_for_routing",
            "advisory_routing_flag_cleared"
        ]
    );

    let unsorted = w.report(w.unsorted).await;
    assert_eq!(
        state_refusal(w.clear(&w.alice, &unsorted, "").await),
        "triage-error-clear-unsorted"
    );
    assert!(w.routing(&unsorted).await.0);

    // Not in triage any more: a state refusal for the owner.
    w.promote(&w.bob, &id, None).await.unwrap();
    assert_eq!(
        state_refusal(w.flag(&w.bob, &id, "Late.").await),
        "lifecycle-error-not-triage"
    );
}

// §6.3, P-31, INV-INTAKE-4: admins move a report anywhere, raising the flag
// on `unsorted` and clearing it elsewhere; a team member moves it only to
// a project of theirs, never while it is flagged; each move is a version,
// an `advisory.project_changed` row (in triage) and a job.
#[tokio::test]
async fn inv_intake_4_reassigning_a_report() {
    let w = W::new().await;
    let id = w.report(w.theia).await;
    let versions = w.versions(&id).await;
    assert!(is_forbidden(
        &w.reassign(&w.bob, &id, Some(w.jetty), "").await
    ));
    assert!(is_forbidden(
        &w.reassign(&w.dave, &id, Some(w.jetty), "").await
    ));
    assert_eq!(
        field_refusal(w.reassign(&w.alice, &id, Some(w.theia), "").await),
        "lifecycle-error-same-project"
    );
    assert_eq!(
        field_refusal(w.reassign(&w.alice, &id, None, "").await),
        "triage-error-choose-project"
    );

    let moved = w
        .reassign(&w.alice, &id, Some(w.unsorted), "")
        .await
        .unwrap();
    assert!(moved.flagged_for_routing);
    assert_eq!(
        w.routing(&id).await,
        (
            true,
            triage::UNSORTED_NOTE.to_owned(),
            Some(w.alice.user_id)
        )
    );
    assert_eq!(w.versions(&id).await, versions + 1);
    let moved = w
        .reassign(&w.alice, &id, Some(w.jetty), "Jetty's HTTP/2 stack.")
        .await
        .unwrap();
    assert!(moved.cleared_flag);
    assert!(!w.routing(&id).await.0);
    assert_eq!(w.row(&id).await.1, "rt.jetty");
    assert_eq!(w.versions(&id).await, versions + 2);
    let changes = w.ledger(&id, "advisory.project_changed").await;
    assert_eq!(changes.len(), 2);
    assert_eq!(changes[1].1, Some(Value::from("unsorted")));
    assert_eq!(changes[1].2, Some(Value::from("rt.jetty")));
    assert_eq!(changes[1].3["in_triage"], true);
    assert_eq!(changes[1].3["cleared_flag"], true);
    assert_eq!(changes[1].3["note"], "Jetty's HTTP/2 stack.");
    assert!(
        w.comments(&id).await.is_empty(),
        "a move's note stays in the ledger (20 §2.3)"
    );
    let stamp: Option<String> = sqlx::query_scalar(
        "SELECT access_review_required_at::text FROM advisory WHERE advisory_id = $1",
    )
    .bind(&id)
    .fetch_one(w.pool())
    .await
    .unwrap();
    assert_eq!(stamp, None, "no access-review stamp in triage");

    // A member of both teams moves it between them; not while flagged.
    w.reassign(&w.tom, &id, Some(w.theia), "").await.unwrap();
    assert_eq!(w.row(&id).await.1, "ecd.theia");
    w.flag(&w.tom, &id, "Unsure.").await.unwrap();
    assert!(is_forbidden(
        &w.reassign(&w.tom, &id, Some(w.jetty), "").await
    ));
    assert_eq!(
        w.events(&id).await,
        [
            "advisory_triage_reassigned",
            "advisory_triage_reassigned",
            "advisory_triage_reassigned",
            "advisory_flagged_for_routing"
        ]
    );
}

// §18: a routing flag reaches the admins only; a promotion reaches the
// project's team; never the one who acted; through the real worker.
#[tokio::test]
async fn triage_notifications_reach_admins_for_a_flag_and_the_team_otherwise() {
    let w = W::new().await;
    let id = w.report(w.theia).await;
    w.flag(&w.bob, &id, "For the admins.").await.unwrap();
    common::worker::drain(&w.db, &[], Duration::from_secs(30)).await;
    let inbox = |pool: PgPool| async move {
        sqlx::query_as::<_, (String, String)>(
            "SELECT u.email, n.kind FROM notification n JOIN app_user u ON u.id = n.recipient_id
             WHERE n.kind = 'triage' ORDER BY n.id",
        )
        .fetch_all(&pool)
        .await
        .unwrap()
    };
    assert_eq!(
        inbox(w.pool().clone()).await,
        [("alice@example.org".to_owned(), "triage".to_owned())]
    );
    w.promote(&w.alice, &id, None).await.unwrap();
    common::worker::drain(&w.db, &[], Duration::from_secs(30)).await;
    let all = inbox(w.pool().clone()).await;
    let promoted: Vec<&str> = all[1..].iter().map(|(e, _)| e.as_str()).collect();
    let mut promoted = promoted;
    promoted.sort_unstable();
    assert_eq!(promoted, ["bob@example.org", "tom@example.org"]);
}

// ---------------------------------------------------------------------------
// Over HTTP.

struct Web {
    site: Site,
    id: String,
    bob: Browser,
    alice: Browser,
    /// Collaborator.
    dave: Browser,
    /// No access.
    erin: Browser,
}

impl Web {
    async fn new() -> Web {
        let site = Site::start(&[]).await;
        let world::BobsAdvisory { bob, id, .. } = world::bobs_advisory(&site).await;
        world::projects(&site.db.pool).await;
        let alice = world::sign_in(&site, "alice").await;
        let dave = world::sign_in(&site, "dave").await;
        let erin = world::sign_in(&site, "erin").await;
        world::grant(&site.db.pool, &id, "dave@example.org", "collaborator").await;
        sqlx::query("UPDATE advisory SET state = 'triage' WHERE advisory_id = $1")
            .bind(&id)
            .execute(&site.db.pool)
            .await
            .unwrap();
        sqlx::query(
            "INSERT INTO advisory_intake (advisory_id, reporter_display_name)
             SELECT id, 'Rita Reporter' FROM advisory WHERE advisory_id = $1",
        )
        .bind(&id)
        .execute(&site.db.pool)
        .await
        .unwrap();
        Web {
            site,
            id,
            bob,
            alice,
            dave,
            erin,
        }
    }

    fn url(&self, tail: &str) -> String {
        self.site.url(&format!("/advisories/{}/{tail}", self.id))
    }

    async fn post(&self, b: &Browser, tail: &str, form: &[(&str, &str)], htmx: bool) -> Page {
        let csrf = b.get(&self.site.url("/advisories/")).await.csrf();
        let mut fields = vec![("csrf_token", csrf.as_str())];
        fields.extend_from_slice(form);
        let headers: &[(&str, &str)] = if htmx { &[("hx-request", "true")] } else { &[] };
        b.post(&self.url(tail), &fields, headers).await
    }

    async fn state(&self) -> (String, String) {
        sqlx::query_as(
            "SELECT a.state, p.slug FROM advisory a JOIN project p ON p.id = a.project_id
             WHERE a.advisory_id = $1",
        )
        .bind(&self.id)
        .fetch_one(&self.site.db.pool)
        .await
        .unwrap()
    }
}

// 50-web-ui §6.1–6.3, §6.6, ruling 8: the triage card shows the reporter
// and the forms each caller may use; plain forms answer 303 with a flash,
// htmx 204 with HX-Refresh; a missing note re-shows the form with 422;
// collaborators get 403, outsiders 404.
#[tokio::test]
async fn the_triage_card_and_its_forms_over_http() {
    let w = Web::new().await;
    let page = w.bob.get(&w.url("")).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("id=\"triage\""), "{}", page.body);
    assert!(page.body.contains("Rita Reporter"));
    assert!(page.body.contains("id=\"workflow-promote-form\""));
    assert!(page.body.contains("id=\"workflow-flag-form\""));
    assert!(
        !page.body.contains("id=\"workflow-reassign-form\""),
        "the picker is the admins' (P-31)"
    );
    let theirs = w.dave.get(&w.url("")).await;
    assert!(theirs.body.contains("id=\"triage\""));
    assert!(!theirs.body.contains("workflow-promote-form"));
    assert!(!theirs.body.contains("workflow-flag-form"));
    let admins = w.alice.get(&w.url("")).await;
    assert!(admins.body.contains("id=\"workflow-reassign-form\""));
    let reassign = &admins.body[admins.body.find("id=\"workflow-reassign-form\"").unwrap()..];
    let reassign = &reassign[..reassign.find("</form>").unwrap()];
    assert!(
        reassign.contains("value=\"rt.jetty\"") && !reassign.contains("value=\"ecd.theia\""),
        "every project but the report's own: {reassign}"
    );
    assert!(admins.body.contains("id=\"workflow-promote-form\""));
    assert!(
        !admins.body.contains("id=\"workflow-flag-form\""),
        "admins are the routing destination"
    );

    assert_eq!(w.post(&w.dave, "promote/", &[], false).await.status, 403);
    assert_eq!(w.post(&w.erin, "promote/", &[], false).await.status, 404);
    assert_eq!(
        w.post(&w.dave, "flag/", &[("note", "x")], false)
            .await
            .status,
        403
    );

    // The flag form alone, and with what was missing.
    let modal = w.bob.get(&w.url("flag/modal/")).await;
    assert_eq!(modal.status, 200);
    assert!(modal.body.contains("<html"));
    assert!(modal.body.contains("id=\"workflow-flag-form\""));
    let fragment = w
        .bob
        .get_with(&w.url("flag/modal/"), &[("hx-request", "true")])
        .await;
    assert!(!fragment.body.contains("<html"));
    let missing = w.post(&w.bob, "flag/", &[("note", " ")], false).await;
    assert_eq!(missing.status, 422, "{}", missing.body);
    assert!(missing.body.contains("id=\"workflow-flag-form\""));

    let flagged = w
        .post(&w.bob, "flag/", &[("note", "Looks like Jetty's.")], false)
        .await;
    assert_eq!(flagged.status, 303, "{}", flagged.body);
    assert_eq!(flagged.location().unwrap(), w.url(""));
    let page = w.bob.follow(flagged).await;
    assert!(
        page.body.contains("Flagged for admin routing."),
        "{}",
        page.body
    );
    assert!(page.body.contains("id=\"triage-routing\""));
    // §19: the timeline tells it in words.
    assert!(page.body.contains("flagged it for admin routing"));
    assert!(
        page.body.contains("Looks like Jetty&#x27;s.") || page.body.contains("Looks like Jetty's.")
    );
    assert!(
        page.body
            .contains("id=\"workflow-clear-routing-flag-form\"")
    );
    assert!(!page.body.contains("id=\"workflow-promote-form\""));
    // INV-AUDIT-4: the request's address and agent are on the ledger row.
    let (ip, agent): (Option<String>, String) = sqlx::query_as(
        "SELECT host(e.ip_address), e.user_agent FROM audit_log_entry e
         JOIN advisory a ON a.id = e.advisory_id
         WHERE a.advisory_id = $1 AND e.action = 'advisory.flagged_for_routing'",
    )
    .bind(&w.id)
    .fetch_one(&w.site.db.pool)
    .await
    .unwrap();
    assert!(ip.is_some());
    assert!(!agent.is_empty());
    // A second flag is refused by state: a flash, or 409 for htmx.
    let again = w.post(&w.bob, "flag/", &[("note", "Again.")], true).await;
    assert_eq!(again.status, 409, "{}", again.body);
    // While flagged only admins decide (INV-AUTH-6).
    assert_eq!(w.post(&w.bob, "promote/", &[], false).await.status, 403);
    assert_eq!(w.bob.get(&w.url("flag/modal/")).await.status, 403);

    let moved = w
        .post(
            &w.alice,
            "reassign/",
            &[("project_slug", "rt.jetty"), ("note", "")],
            false,
        )
        .await;
    assert_eq!(moved.status, 303, "{}", moved.body);
    let page = w.alice.follow(moved).await;
    assert!(
        page.body.contains("Advisory assigned to Eclipse Jetty."),
        "{}",
        page.body
    );
    assert!(
        !page.body.contains("id=\"triage-routing\""),
        "an admin's move clears the flag"
    );
    assert_eq!(
        w.state().await,
        ("triage".to_owned(), "rt.jetty".to_owned())
    );
    let unknown = w
        .post(&w.alice, "reassign/", &[("project_slug", "no.such")], false)
        .await;
    assert_eq!(unknown.status, 303);
    assert!(
        w.alice
            .follow(unknown)
            .await
            .body
            .contains("Choose a project to assign this advisory to.")
    );

    let promoted = w.post(&w.alice, "promote/", &[], true).await;
    assert_eq!(promoted.status, 204, "{}", promoted.body);
    assert_eq!(promoted.headers.get("hx-refresh").unwrap(), "true");
    assert_eq!(w.state().await, ("draft".to_owned(), "rt.jetty".to_owned()));
    let page = w.alice.get(&w.url("")).await;
    assert!(
        page.body.contains("Advisory accepted as draft."),
        "{}",
        page.body
    );
    assert!(!page.body.contains("id=\"triage\""), "no card once a draft");
    assert!(page.body.contains("accepted the report as a draft"));
    assert!(
        !page.body.contains("changed the state"),
        "the narrated twin is hidden"
    );
    assert_eq!(w.bob.get(&w.url("flag/modal/")).await.status, 404);
}
