//! CVE requests and the CNA-side actions (20-lifecycle §8) on a real
//! database, through the services as the plain application role (row-level
//! security applies), and over real HTTP through the identity provider:
//! INV-CVE-1..3, INV-ID-3, Q-3, Q-4, Q-5, Q-19, Q-27, the building blocks
//! dismissal, reopen and withdrawal call, the CVE panel and the admin
//! console's CVE assignment page.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on purpose"
)]

mod common;

use advisoryhub::access::permissions::Actor;
use advisoryhub::advisories::repo::{self, AdvisoryRow};
use advisoryhub::advisories::service::{Ctx, ServiceError};
use advisoryhub::audit::redact::Redactor;
use advisoryhub::cve::service::{
    self as cve, OrphanDisposition, ResolveInput, TransitionInput, Transitioned, refusal,
};
use advisoryhub::db::{Principal, set_principal};
use common::TestDb;
use common::site::{Browser, Page, Site};
use common::world::{
    BobsAdvisory, actor, app_role, app_role_tx, bobs_advisory, create_advisory, grant, projects,
    sign_in, summary, user,
};
use sqlx::{PgPool, Postgres, Transaction};

// ---------------------------------------------------------------------------
// Service level.

/// Theia and Jetty; an admin, Theia's team member, Jetty's team member with
/// a collaborator grant (an owner elsewhere, only a grantee here), a
/// collaborator and a viewer; one draft of Theia's.
struct World {
    db: TestDb,
    theia: uuid::Uuid,
    admin: Actor,
    owner: Actor,
    elsewhere: Actor,
    collaborator: Actor,
    viewer: Actor,
    redactor: Redactor,
    id: String,
}

impl World {
    async fn new() -> World {
        let db = TestDb::new().await;
        let pool = &db.pool;
        app_role(pool).await;
        let theia = projects(pool).await.theia;
        let admin = user(pool, "alice@example.org", &["advisoryhub-security"]).await;
        let owner = user(pool, "bob@example.org", &["theia-security"]).await;
        let elsewhere = user(pool, "carol@example.org", &["jetty-security"]).await;
        let collaborator = user(pool, "dave@example.org", &[]).await;
        let viewer = user(pool, "erin@example.org", &[]).await;
        let owner = actor(pool, owner).await;
        let id = create_advisory(pool, &owner, theia, summary("Token leak")).await;
        grant(pool, &id, "carol@example.org", "collaborator").await;
        grant(pool, &id, "dave@example.org", "collaborator").await;
        grant(pool, &id, "erin@example.org", "viewer").await;
        World {
            theia,
            admin: actor(pool, admin).await,
            owner,
            elsewhere: actor(pool, elsewhere).await,
            collaborator: actor(pool, collaborator).await,
            viewer: actor(pool, viewer).await,
            redactor: Redactor::default(),
            id,
            db,
        }
    }

    fn pool(&self) -> &PgPool {
        &self.db.pool
    }

    fn ctx<'a>(&'a self, who: &'a Actor) -> Ctx<'a> {
        Ctx {
            actor: who,
            origin: None,
            redactor: &self.redactor,
        }
    }

    /// A transaction as the application role on behalf of `who`.
    async fn tx(&self, who: &Actor) -> Transaction<'static, Postgres> {
        let mut tx = app_role_tx(self.pool()).await;
        set_principal(
            &mut tx,
            Principal::User {
                id: who.user_id,
                is_admin: who.is_admin,
            },
        )
        .await
        .unwrap();
        tx
    }

    /// Another draft of Theia's.
    async fn another(&self, text: &str) -> String {
        create_advisory(self.pool(), &self.owner, self.theia, summary(text)).await
    }

    async fn request(&self, who: &Actor, id: &str) -> Result<i64, ServiceError> {
        let mut tx = self.tx(who).await;
        let out = cve::request_cve(&mut tx, self.ctx(who), id).await;
        if out.is_ok() {
            tx.commit().await.unwrap();
        }
        out
    }

    async fn transition(
        &self,
        who: &Actor,
        id: &str,
        task: i64,
        input: TransitionInput,
    ) -> Result<Transitioned, ServiceError> {
        let mut tx = self.tx(who).await;
        let out = cve::transition_cve_request(&mut tx, self.ctx(who), id, task, &input).await;
        if out.is_ok() {
            tx.commit().await.unwrap();
        }
        out
    }

    async fn reserve(&self, id: &str, cve_id: &str) -> Result<Transitioned, ServiceError> {
        let task = self.request(&self.owner, id).await.unwrap();
        self.transition(&self.admin, id, task, reserve(cve_id))
            .await
    }

    async fn unassign(&self, who: &Actor, id: &str, reason: &str) -> Result<i64, ServiceError> {
        let mut tx = self.tx(who).await;
        let out = cve::unassign_cve(&mut tx, self.ctx(who), id, reason).await;
        if out.is_ok() {
            tx.commit().await.unwrap();
        }
        out
    }

    /// The advisory, locked, in `tx` (as the building blocks' callers hold
    /// it).
    async fn locked(
        &self,
        tx: &mut Transaction<'static, Postgres>,
        who: &Actor,
        id: &str,
    ) -> AdvisoryRow {
        repo::load(tx, id, Some(who), true).await.unwrap().unwrap()
    }

    async fn reattach(&self, who: &Actor, id: &str) -> OrphanDisposition {
        let mut tx = self.tx(who).await;
        let row = self.locked(&mut tx, who, id).await;
        let out = cve::reattach_newest_orphan(&mut tx, self.ctx(who), &row)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        out
    }

    async fn assigned(&self, id: &str) -> String {
        self.scalar(
            "SELECT assigned_cve_id FROM advisory WHERE advisory_id = $1",
            id,
        )
        .await
    }

    async fn scalar<T>(&self, sql: &'static str, id: &str) -> T
    where
        T: for<'r> sqlx::Decode<'r, Postgres> + sqlx::Type<Postgres> + Send + Unpin,
    {
        sqlx::query_scalar(sql)
            .bind(id)
            .fetch_one(self.pool())
            .await
            .unwrap()
    }

    async fn exec(&self, sql: &'static str, id: &str) {
        sqlx::query(sql)
            .bind(id)
            .execute(self.pool())
            .await
            .unwrap();
    }

    /// How many ledger rows of `action` the advisory has.
    async fn audits(&self, id: &str, action: &str) -> i64 {
        sqlx::query_scalar(
            "SELECT count(*) FROM audit_log_entry e JOIN advisory a ON a.id = e.advisory_id
             WHERE a.advisory_id = $1 AND e.action = $2",
        )
        .bind(id)
        .bind(action)
        .fetch_one(self.pool())
        .await
        .unwrap()
    }

    async fn versions(&self, id: &str) -> i64 {
        self.scalar(
            "SELECT count(*) FROM advisory_version v JOIN advisory a ON a.id = v.advisory_id
             WHERE a.advisory_id = $1",
            id,
        )
        .await
    }

    /// The latest version's `assigned_cve_id`.
    async fn versioned_cve(&self, id: &str) -> String {
        self.scalar(
            "SELECT v.payload ->> 'assigned_cve_id' FROM advisory_version v
             JOIN advisory a ON a.id = v.advisory_id
             WHERE a.advisory_id = $1 ORDER BY v.version DESC LIMIT 1",
            id,
        )
        .await
    }

    /// `(status, cve_id)` of every request, oldest first.
    async fn requests(&self, id: &str) -> Vec<(String, String)> {
        sqlx::query_as(
            "SELECT t.status, t.cve_id FROM cve_request_task t JOIN advisory a ON a.id = t.advisory_id
             WHERE a.advisory_id = $1 ORDER BY t.id",
        )
        .bind(id)
        .fetch_all(self.pool())
        .await
        .unwrap()
    }

    /// `(id, status, unassign_reason)` of the orphan of `cve_id`.
    async fn orphan(&self, cve_id: &str) -> (i64, String, String) {
        sqlx::query_as("SELECT id, status, unassign_reason FROM orphan_cve WHERE cve_id = $1")
            .bind(cve_id)
            .fetch_one(self.pool())
            .await
            .unwrap()
    }

    /// `(body, is_internal)` of the advisory's comments, oldest first.
    async fn notes(&self, id: &str) -> Vec<(String, bool)> {
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

fn reserve(cve_id: &str) -> TransitionInput {
    TransitionInput {
        status: "reserved".into(),
        cve_id: cve_id.into(),
        ..TransitionInput::default()
    }
}

fn reject(notes: &str, ban: bool) -> TransitionInput {
    TransitionInput {
        status: "rejected".into(),
        notes: notes.into(),
        ban_future_requests: ban,
        ..TransitionInput::default()
    }
}

#[track_caller]
fn forbidden<T: std::fmt::Debug>(r: Result<T, ServiceError>) -> String {
    match r {
        Err(ServiceError::Forbidden(key)) => key,
        other => panic!("expected Forbidden, got {other:?}"),
    }
}

#[track_caller]
fn invalid_state<T: std::fmt::Debug>(r: Result<T, ServiceError>) -> String {
    match r {
        Err(ServiceError::InvalidState(key)) => key,
        other => panic!("expected InvalidState, got {other:?}"),
    }
}

/// `(field, message key)` of the first field error.
#[track_caller]
fn field_error<T: std::fmt::Debug>(r: Result<T, ServiceError>) -> (String, String) {
    match r {
        Err(ServiceError::Invalid(errors)) => {
            let e = errors.iter().next().unwrap();
            (e.field.clone(), e.message.clone())
        }
        other => panic!("expected field errors, got {other:?}"),
    }
}

// Every refusal of `request_cve` has its own message, and changes nothing:
// grantees whatever else they are (the Jetty team member holds only a
// collaborator grant here) are forbidden; an owner is refused by the
// advisory's state (ruling 8: a flash, not an error page): the wrong
// lifecycle state, a ban, an assigned CVE, a queued request.
#[tokio::test]
async fn inv_cve_2_request_cve_refusals_each_say_why() {
    let w = World::new().await;
    for who in [&w.viewer, &w.collaborator, &w.elsewhere] {
        assert_eq!(forbidden(w.request(who, &w.id).await), refusal::NOT_OWNER);
    }
    for state in ["triage", "dismissed"] {
        let other = w.another(state).await;
        sqlx::query(
            "UPDATE advisory SET state = $2, dismissed_reason = 'x' WHERE advisory_id = $1",
        )
        .bind(&other)
        .bind(state)
        .execute(w.pool())
        .await
        .unwrap();
        assert_eq!(
            invalid_state(w.request(&w.owner, &other).await),
            refusal::WRONG_STATE
        );
        // A non-owner who sees it is refused as such, whatever the state.
        grant(w.pool(), &other, "erin@example.org", "viewer").await;
        assert_eq!(
            forbidden(w.request(&w.viewer, &other).await),
            refusal::NOT_OWNER
        );
    }
    let banned = w.another("banned").await;
    w.exec(
        "UPDATE advisory SET cve_requests_banned = true WHERE advisory_id = $1",
        &banned,
    )
    .await;
    assert_eq!(
        invalid_state(w.request(&w.owner, &banned).await),
        refusal::BANNED
    );

    let assigned = w.another("assigned").await;
    w.reserve(&assigned, "CVE-2026-0001").await.unwrap();
    assert_eq!(
        invalid_state(w.request(&w.admin, &assigned).await),
        refusal::ASSIGNED
    );

    w.request(&w.owner, &w.id).await.unwrap();
    assert_eq!(
        invalid_state(w.request(&w.owner, &w.id).await),
        refusal::PENDING
    );
    assert_eq!(w.requests(&w.id).await.len(), 1);
    assert_eq!(w.audits(&w.id, "cve.requested").await, 1);
    // A published advisory may request too, and so may an admin.
    let published = w.another("published").await;
    w.exec(
        "UPDATE advisory SET state = 'published' WHERE advisory_id = $1",
        &published,
    )
    .await;
    w.request(&w.admin, &published).await.unwrap();
    // Someone who cannot see the advisory learns nothing.
    let outsider = user(w.pool(), "mallory@example.org", &[]).await;
    let outsider = actor(w.pool(), outsider).await;
    assert!(matches!(
        w.request(&outsider, &w.id).await,
        Err(ServiceError::NotFound)
    ));
}

// a withdrawal cancels the queued request, and the advisory stays
// `published` until the push succeeds; meanwhile (`withdrawn_reason` set)
// an owner may not open a new request: refused by state, with its own
// message, nothing written. Once the withdrawal is undone, requesting works
// again.
#[tokio::test]
async fn q_6_no_cve_request_while_a_withdrawal_is_in_flight() {
    let w = World::new().await;
    w.exec(
        "UPDATE advisory SET state = 'published' WHERE advisory_id = $1",
        &w.id,
    )
    .await;
    w.request(&w.owner, &w.id).await.unwrap();
    let mut tx = w.tx(&w.admin).await;
    let row = w.locked(&mut tx, &w.admin, &w.id).await;
    cve::cancel_open_cve_request(
        &mut tx,
        w.ctx(&w.admin),
        &row,
        "Advisory withdrawn: not a vulnerability",
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    w.exec(
        "UPDATE advisory SET withdrawn_reason = 'Not a vulnerability' WHERE advisory_id = $1",
        &w.id,
    )
    .await;
    for who in [&w.owner, &w.admin] {
        assert_eq!(
            invalid_state(w.request(who, &w.id).await),
            refusal::WITHDRAWING
        );
    }
    assert_eq!(
        forbidden(w.request(&w.viewer, &w.id).await),
        refusal::NOT_OWNER
    );
    assert_eq!(w.requests(&w.id).await.len(), 1);
    assert_eq!(w.audits(&w.id, "cve.requested").await, 1);
    // Un-withdrawn (the reason cleared): requests are open again.
    w.exec(
        "UPDATE advisory SET withdrawn_reason = '' WHERE advisory_id = $1",
        &w.id,
    )
    .await;
    w.request(&w.owner, &w.id).await.unwrap();
}

// INV-CVE-1: two requests from two connections at once: the advisory lock
// serialises them, one task is queued and the other caller is refused
// cleanly; the partial unique index refuses a second queued row outright.
#[tokio::test]
async fn inv_cve_1_two_concurrent_requests_queue_one_task() {
    let w = World::new().await;
    let (a, b) = tokio::join!(w.request(&w.owner, &w.id), w.request(&w.admin, &w.id));
    let outcomes = [a, b];
    let queued = outcomes.iter().filter(|o| o.is_ok()).count();
    assert_eq!(queued, 1, "{outcomes:?}");
    let refused = outcomes.into_iter().find(Result::is_err).unwrap();
    assert_eq!(invalid_state(refused), refusal::PENDING);
    assert_eq!(
        w.requests(&w.id).await,
        [("queued".to_owned(), String::new())]
    );
    assert_eq!(w.audits(&w.id, "cve.requested").await, 1);
    let direct = sqlx::query(
        "INSERT INTO cve_request_task (advisory_id) SELECT id FROM advisory WHERE advisory_id = $1",
    )
    .bind(&w.id)
    .execute(w.pool())
    .await
    .unwrap_err();
    assert!(
        direct
            .to_string()
            .contains("cve_request_task_one_queued_idx"),
        "{direct}"
    );
}

// Reservation (20-lifecycle §8.2): admins only; the id is validated
// (INV-ID-3) after authorization; the CVE is assigned, versioned and
// audited; a published advisory needs re-publishing; a decided request
// cannot be decided again.
#[tokio::test]
async fn inv_id_3_reserving_assigns_a_valid_cve_for_admins_only() {
    let w = World::new().await;
    let task = w.request(&w.owner, &w.id).await.unwrap();
    w.exec(
        "UPDATE advisory SET state = 'published' WHERE advisory_id = $1",
        &w.id,
    )
    .await;
    for who in [&w.owner, &w.collaborator, &w.viewer, &w.elsewhere] {
        // Forbidden even with a malformed id: no validation message first.
        assert_eq!(
            forbidden(w.transition(who, &w.id, task, reserve("nope")).await),
            refusal::NOT_ADMIN
        );
    }
    for (typed, key) in [
        ("", refusal::CVE_ID_REQUIRED),
        ("CVE-26-1234", refusal::CVE_ID_INVALID),
        ("CVE-2026-123", refusal::CVE_ID_INVALID),
        ("CVE-2026-12345678901234567890", refusal::CVE_ID_INVALID),
        ("CVE-2026-１２３４", refusal::CVE_ID_INVALID),
    ] {
        assert_eq!(
            field_error(w.transition(&w.admin, &w.id, task, reserve(typed)).await),
            ("cve_id".to_owned(), key.to_owned()),
            "{typed}"
        );
    }
    let with_ban = TransitionInput {
        ban_future_requests: true,
        ..reserve("CVE-2026-1234")
    };
    assert_eq!(
        field_error(w.transition(&w.admin, &w.id, task, with_ban).await),
        (
            "ban_future_requests".to_owned(),
            refusal::BAN_ONLY_ON_REJECT.to_owned()
        )
    );
    let before = w.versions(&w.id).await;
    assert_eq!(
        w.transition(&w.admin, &w.id, task, reserve(" cve-2026-1234 "))
            .await
            .unwrap(),
        Transitioned::Reserved("CVE-2026-1234".into())
    );
    assert_eq!(w.assigned(&w.id).await, "CVE-2026-1234");
    assert_eq!(
        w.requests(&w.id).await,
        [("reserved".to_owned(), "CVE-2026-1234".to_owned())]
    );
    assert_eq!(w.versions(&w.id).await, before + 1, "INV-VERSION-1");
    assert_eq!(w.versioned_cve(&w.id).await, "CVE-2026-1234");
    let republish: bool = w
        .scalar(
            "SELECT republish_required FROM advisory WHERE advisory_id = $1",
            &w.id,
        )
        .await;
    assert!(republish);
    assert_eq!(w.audits(&w.id, "cve.task_status_changed").await, 1);
    assert_eq!(
        invalid_state(
            w.transition(&w.admin, &w.id, task, reserve("CVE-2026-9999"))
                .await
        ),
        refusal::NOT_QUEUED
    );
}

// INV-CVE-2: once assigned, the CVE changes only through the CVE workflow:
// an owner's content edit keeps it, in the row and in the new version.
#[tokio::test]
async fn inv_cve_2_an_edit_keeps_the_assigned_cve() {
    let w = World::new().await;
    w.reserve(&w.id, "CVE-2026-2222").await.unwrap();
    let latest: i32 = w
        .scalar(
            "SELECT max(v.version) FROM advisory_version v JOIN advisory a ON a.id = v.advisory_id
             WHERE a.advisory_id = $1",
            &w.id,
        )
        .await;
    let mut tx = w.tx(&w.owner).await;
    let edited = advisoryhub::advisories::service::edit(
        &mut tx,
        w.ctx(&w.owner),
        &w.id,
        &advisoryhub::advisories::service::Edit {
            project_id: None,
            content: summary("Token leak, edited"),
            base_version: latest,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert!(edited.version.is_some());
    assert_eq!(w.assigned(&w.id).await, "CVE-2026-2222");
    assert_eq!(w.versioned_cve(&w.id).await, "CVE-2026-2222");
}

// an assigned CVE id belongs to one advisory. Reserving one another
// advisory holds is a clear field error (not a 500), and the unique index
// refuses it at the database too; an orphaned id cannot be reserved afresh.
#[tokio::test]
async fn q_4_a_cve_another_advisory_holds_is_refused_on_reservation() {
    let w = World::new().await;
    w.reserve(&w.id, "CVE-2026-4242").await.unwrap();
    let other = w.another("Second").await;
    let task = w.request(&w.owner, &other).await.unwrap();
    assert_eq!(
        field_error(
            w.transition(&w.admin, &other, task, reserve("CVE-2026-4242"))
                .await
        ),
        ("cve_id".to_owned(), refusal::CVE_ID_TAKEN.to_owned())
    );
    assert_eq!(w.assigned(&other).await, "");
    assert_eq!(
        w.requests(&other).await,
        [("queued".to_owned(), String::new())]
    );
    let direct =
        sqlx::query("UPDATE advisory SET assigned_cve_id = 'CVE-2026-4242' WHERE advisory_id = $1")
            .bind(&other)
            .execute(w.pool())
            .await
            .unwrap_err();
    assert!(
        direct.to_string().contains("advisory_assigned_cve_idx"),
        "{direct}"
    );
    w.unassign(&w.admin, &w.id, "Duplicate of another record")
        .await
        .unwrap();
    assert_eq!(
        field_error(
            w.transition(&w.admin, &other, task, reserve("CVE-2026-4242"))
                .await
        ),
        ("cve_id".to_owned(), refusal::CVE_ID_ORPHANED.to_owned())
    );
}

// Rejection: notes are required and posted as a public note; the optional
// ban is set and audited; INV-CVE-3: only admins lift it, and lifting a ban
// that is not there writes nothing, not even an audit row.
#[tokio::test]
async fn inv_cve_3_bans_are_set_on_rejection_and_lifted_by_admins_only() {
    let w = World::new().await;
    let task = w.request(&w.owner, &w.id).await.unwrap();
    assert_eq!(
        field_error(
            w.transition(&w.admin, &w.id, task, reject("  ", true))
                .await
        ),
        ("notes".to_owned(), refusal::NOTES_REQUIRED.to_owned())
    );
    assert_eq!(
        w.transition(&w.admin, &w.id, task, reject("Not a vulnerability.", true))
            .await
            .unwrap(),
        Transitioned::Rejected { banned: true }
    );
    assert_eq!(
        w.notes(&w.id).await,
        [("Not a vulnerability.".to_owned(), false)]
    );
    assert_eq!(w.audits(&w.id, "cve.request_banned").await, 1);
    assert_eq!(
        invalid_state(w.request(&w.owner, &w.id).await),
        refusal::BANNED
    );

    let unban = |who: &'static str| {
        let w = &w;
        async move {
            let who = match who {
                "owner" => &w.owner,
                _ => &w.admin,
            };
            let mut tx = w.tx(who).await;
            let out = cve::unban_cve_requests(&mut tx, w.ctx(who), &w.id).await;
            tx.commit().await.unwrap();
            out
        }
    };
    assert_eq!(forbidden(unban("owner").await), refusal::NOT_ADMIN);
    assert!(unban("admin").await.unwrap());
    assert_eq!(w.audits(&w.id, "cve.request_unbanned").await, 1);
    let ledger_before: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log_entry")
        .fetch_one(w.pool())
        .await
        .unwrap();
    assert!(!unban("admin").await.unwrap(), "nothing to lift");
    let ledger_after: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log_entry")
        .fetch_one(w.pool())
        .await
        .unwrap();
    assert_eq!(ledger_before, ledger_after, "an unban of nothing is silent");
    w.request(&w.owner, &w.id).await.unwrap();
}

// an admin may cancel a queued request, audited as
// `cve.task_status_changed`; the owners may then request again.
#[tokio::test]
async fn q_27_an_admin_cancels_a_queued_request() {
    let w = World::new().await;
    let task = w.request(&w.owner, &w.id).await.unwrap();
    let cancel = TransitionInput {
        status: "cancelled".into(),
        ..TransitionInput::default()
    };
    assert_eq!(
        forbidden(w.transition(&w.owner, &w.id, task, cancel.clone()).await),
        refusal::NOT_ADMIN
    );
    let unknown = TransitionInput {
        status: "approved".into(),
        ..TransitionInput::default()
    };
    assert_eq!(
        field_error(w.transition(&w.admin, &w.id, task, unknown).await).1,
        refusal::STATUS_UNKNOWN
    );
    assert_eq!(
        w.transition(&w.admin, &w.id, task, cancel).await.unwrap(),
        Transitioned::Cancelled
    );
    assert_eq!(w.audits(&w.id, "cve.task_status_changed").await, 1);
    assert_eq!(w.requests(&w.id).await[0].0, "cancelled");
    w.request(&w.owner, &w.id).await.unwrap();
}

// Unassigning (20-lifecycle §8.5): admins only, with a reason, with a CVE;
// the CVE goes to the orphan registry, leaves the advisory (versioned) and
// the reason is an internal note. Q-3: after the orphan was reattached, a
// second orphaning reuses its row.
#[tokio::test]
async fn q_3_re_orphaning_a_reattached_cve_reuses_its_orphan_row() {
    let w = World::new().await;
    assert_eq!(
        invalid_state(w.unassign(&w.admin, &w.id, "why").await),
        refusal::NONE_ASSIGNED
    );
    w.reserve(&w.id, "CVE-2026-3333").await.unwrap();
    assert_eq!(
        forbidden(w.unassign(&w.owner, &w.id, "why").await),
        refusal::NOT_ADMIN
    );
    assert_eq!(
        field_error(w.unassign(&w.admin, &w.id, " ").await),
        ("reason".to_owned(), refusal::REASON_REQUIRED.to_owned())
    );
    let versions = w.versions(&w.id).await;
    let first = w
        .unassign(&w.admin, &w.id, "Assigned to the wrong advisory")
        .await
        .unwrap();
    assert_eq!(w.assigned(&w.id).await, "");
    assert_eq!(w.versions(&w.id).await, versions + 1);
    assert_eq!(w.versioned_cve(&w.id).await, "");
    assert_eq!(
        w.orphan("CVE-2026-3333").await,
        (
            first,
            "orphaned".to_owned(),
            "Assigned to the wrong advisory".to_owned()
        )
    );
    assert_eq!(
        w.notes(&w.id).await,
        [("Assigned to the wrong advisory".to_owned(), true)]
    );
    assert_eq!(w.audits(&w.id, "cve.unassigned").await, 1);

    // Reopen-style reattachment, by an owner who is not an admin.
    assert_eq!(
        w.reattach(&w.owner, &w.id).await,
        OrphanDisposition::ReassignedDirect
    );
    assert_eq!(w.assigned(&w.id).await, "CVE-2026-3333");
    assert_eq!(w.orphan("CVE-2026-3333").await.1, "reassigned");
    assert_eq!(w.audits(&w.id, "cve.reassigned_from_orphan").await, 1);
    assert_eq!(
        w.reattach(&w.owner, &w.id).await,
        OrphanDisposition::AlreadyReassigned
    );

    let second = w
        .unassign(&w.admin, &w.id, "Withdrawn again")
        .await
        .unwrap();
    assert_eq!(second, first, "Q-3: the same orphan row");
    assert_eq!(
        w.orphan("CVE-2026-3333").await,
        (first, "orphaned".to_owned(), "Withdrawn again".to_owned())
    );
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM orphan_cve")
        .fetch_one(w.pool())
        .await
        .unwrap();
    assert_eq!(rows, 1);
}

// Reopen's orphan disposition (20-lifecycle §9.3 step 4, Q-5): a conflict
// (another advisory holds the CVE, invisible to the reopening owner) queues
// an admin task instead; a CVE marked rejected at cve.org queues one too,
// once; each is audited `cve.orphan_reassignment_requested`.
#[tokio::test]
async fn a_reattachment_conflict_queues_an_admin_task() {
    let w = World::new().await;
    assert_eq!(w.reattach(&w.owner, &w.id).await, OrphanDisposition::None);
    w.reserve(&w.id, "CVE-2026-5555").await.unwrap();
    w.unassign(&w.admin, &w.id, "Moved").await.unwrap();
    // Another project's advisory, invisible to bob, holds it meanwhile (a
    // legacy row: the services would not allow it).
    let jetty = projects(w.pool()).await.jetty;
    let elsewhere = create_advisory(w.pool(), &w.admin, jetty, summary("Jetty's")).await;
    w.exec(
        "UPDATE advisory SET assigned_cve_id = 'CVE-2026-5555' WHERE advisory_id = $1",
        &elsewhere,
    )
    .await;
    assert_eq!(
        w.reattach(&w.owner, &w.id).await,
        OrphanDisposition::QueuedAdminTask
    );
    assert_eq!(w.assigned(&w.id).await, "");
    assert_eq!(w.orphan("CVE-2026-5555").await.1, "orphaned");
    let tasks: Vec<(String, i64)> =
        sqlx::query_as("SELECT status, requested_by FROM orphan_cve_reassignment_task ORDER BY id")
            .fetch_all(w.pool())
            .await
            .unwrap();
    assert_eq!(tasks, [("queued".to_owned(), w.owner.user_id)]);
    assert_eq!(
        w.audits(&w.id, "cve.orphan_reassignment_requested").await,
        1
    );
    // Marked rejected at cve.org: still one queued task, audited again.
    let orphan = w.orphan("CVE-2026-5555").await.0;
    let mut tx = w.tx(&w.admin).await;
    cve::mark_orphan_rejected(&mut tx, w.ctx(&w.admin), orphan, "Rejected 2026-11-30")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        w.reattach(&w.owner, &w.id).await,
        OrphanDisposition::QueuedAdminTask
    );
    let queued: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM orphan_cve_reassignment_task WHERE status = 'queued'",
    )
    .fetch_one(w.pool())
    .await
    .unwrap();
    assert_eq!(queued, 1);
    assert_eq!(
        w.audits(&w.id, "cve.orphan_reassignment_requested").await,
        2
    );
}

// Orphans and their reassignment tasks from the admin side (20-lifecycle
// §8.5–8.6): marking rejected happens once; a task resolved `replaced`
// assigns the new CVE through a request created directly as reserved for
// the task's requester, the orphan stays marked rejected, and the task is
// resolved once; `reassigned` reattaches the orphan's own CVE.
#[tokio::test]
#[expect(clippy::too_many_lines, reason = "one scenario, step by step")]
async fn resolving_a_reassignment_task_replaced_or_reassigned() {
    let w = World::new().await;
    w.reserve(&w.id, "CVE-2026-7777").await.unwrap();
    w.unassign(&w.admin, &w.id, "Dismissed").await.unwrap();
    let orphan = w.orphan("CVE-2026-7777").await.0;
    let mark = |who: &'static str, notes: &'static str| {
        let w = &w;
        async move {
            let who = if who == "admin" { &w.admin } else { &w.owner };
            let mut tx = w.tx(who).await;
            let out = cve::mark_orphan_rejected(&mut tx, w.ctx(who), orphan, notes).await;
            if out.is_ok() {
                tx.commit().await.unwrap();
            }
            out
        }
    };
    assert_eq!(forbidden(mark("owner", "").await), refusal::NOT_ADMIN);
    mark("admin", "Rejected at cve.org").await.unwrap();
    assert_eq!(
        invalid_state(mark("admin", "again").await),
        refusal::ORPHAN_NOT_ORPHANED
    );
    assert_eq!(w.audits(&w.id, "cve.marked_rejected_at_cve_org").await, 1);
    assert_eq!(
        w.reattach(&w.owner, &w.id).await,
        OrphanDisposition::QueuedAdminTask
    );
    let task: i64 = sqlx::query_scalar("SELECT id FROM orphan_cve_reassignment_task")
        .fetch_one(w.pool())
        .await
        .unwrap();
    let resolve = |who: &'static str, outcome: &'static str, replacement: &'static str| {
        let w = &w;
        async move {
            let who = if who == "admin" { &w.admin } else { &w.owner };
            let mut tx = w.tx(who).await;
            let input = ResolveInput {
                outcome: outcome.into(),
                replacement_cve_id: replacement.into(),
                notes: "Could not undo the rejection".into(),
            };
            let out = cve::resolve_orphan_reassignment(&mut tx, w.ctx(who), task, &input).await;
            if out.is_ok() {
                tx.commit().await.unwrap();
            }
            out
        }
    };
    assert_eq!(
        forbidden(resolve("owner", "replaced", "CVE-2026-7778").await),
        refusal::NOT_ADMIN
    );
    assert_eq!(
        field_error(resolve("admin", "maybe", "").await),
        ("outcome".to_owned(), refusal::OUTCOME_UNKNOWN.to_owned())
    );
    assert_eq!(
        field_error(resolve("admin", "replaced", "").await),
        (
            "replacement_cve_id".to_owned(),
            refusal::CVE_ID_REQUIRED.to_owned()
        )
    );
    assert_eq!(
        field_error(resolve("admin", "replaced", "CVE-7778").await).1,
        refusal::CVE_ID_INVALID
    );
    let other = w.another("Holder").await;
    w.reserve(&other, "CVE-2026-8888").await.unwrap();
    assert_eq!(
        field_error(resolve("admin", "replaced", "CVE-2026-8888").await).1,
        refusal::CVE_ID_TAKEN
    );
    assert_eq!(
        resolve("admin", "replaced", "CVE-2026-7778").await.unwrap(),
        "CVE-2026-7778"
    );
    assert_eq!(w.assigned(&w.id).await, "CVE-2026-7778");
    assert_eq!(w.versioned_cve(&w.id).await, "CVE-2026-7778");
    let (status, requested_by, assignee): (String, Option<i64>, Option<i64>) = sqlx::query_as(
        "SELECT t.status, t.requested_by, t.assignee FROM cve_request_task t
         JOIN advisory a ON a.id = t.advisory_id
         WHERE a.advisory_id = $1 AND t.cve_id = 'CVE-2026-7778'",
    )
    .bind(&w.id)
    .fetch_one(w.pool())
    .await
    .unwrap();
    assert_eq!(
        (status.as_str(), requested_by, assignee),
        ("reserved", Some(w.owner.user_id), Some(w.admin.user_id))
    );
    let (task_status, replacement): (String, String) = sqlx::query_as(
        "SELECT status, replacement_cve_id FROM orphan_cve_reassignment_task WHERE id = $1",
    )
    .bind(task)
    .fetch_one(w.pool())
    .await
    .unwrap();
    assert_eq!(
        (task_status.as_str(), replacement.as_str()),
        ("resolved_replaced", "CVE-2026-7778")
    );
    assert_eq!(w.orphan("CVE-2026-7777").await.1, "marked_rejected");
    assert_eq!(w.audits(&w.id, "cve.orphan_reassignment_resolved").await, 1);
    let from_task: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log_entry
         WHERE action = 'cve.task_status_changed' AND metadata ? 'from_reassignment_task_id'",
    )
    .fetch_one(w.pool())
    .await
    .unwrap();
    assert_eq!(from_task, 1);
    assert_eq!(
        invalid_state(resolve("admin", "reassigned", "").await),
        refusal::TASK_RESOLVED
    );

    // `reassigned`: the rejection was undone; the orphan's CVE comes back.
    let third = w.another("Third").await;
    w.reserve(&third, "CVE-2026-9191").await.unwrap();
    w.unassign(&w.admin, &third, "Dismissed").await.unwrap();
    let orphan = w.orphan("CVE-2026-9191").await.0;
    let mut tx = w.tx(&w.admin).await;
    cve::mark_orphan_rejected(&mut tx, w.ctx(&w.admin), orphan, "")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        w.reattach(&w.owner, &third).await,
        OrphanDisposition::QueuedAdminTask
    );
    let task: i64 =
        sqlx::query_scalar("SELECT id FROM orphan_cve_reassignment_task WHERE status = 'queued'")
            .fetch_one(w.pool())
            .await
            .unwrap();
    let mut tx = w.tx(&w.admin).await;
    let back = cve::resolve_orphan_reassignment(
        &mut tx,
        w.ctx(&w.admin),
        task,
        &ResolveInput {
            outcome: "reassigned".into(),
            ..ResolveInput::default()
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(back, "CVE-2026-9191");
    assert_eq!(w.assigned(&third).await, "CVE-2026-9191");
    assert_eq!(w.orphan("CVE-2026-9191").await.1, "reassigned");
}

// The building blocks of dismissal and reopen (20-lifecycle §8.3, §9.3
// step 3): the queued request is cancelled with the caller's reason (and a
// no-op without one); after the reopen the cancelled request is restored
// for the reopener, unless requests were banned meanwhile.
#[tokio::test]
async fn dismissal_cancels_the_open_request_and_reopen_restores_it() {
    let w = World::new().await;
    let cancel = |reason: &'static str| {
        let w = &w;
        async move {
            let mut tx = w.tx(&w.owner).await;
            let row = w.locked(&mut tx, &w.owner, &w.id).await;
            cve::cancel_open_cve_request(&mut tx, w.ctx(&w.owner), &row, reason)
                .await
                .unwrap();
            tx.commit().await.unwrap();
        }
    };
    let restore = || {
        let w = &w;
        async move {
            let mut tx = w.tx(&w.owner).await;
            let row = w.locked(&mut tx, &w.owner, &w.id).await;
            let out = cve::restore_cancelled_request(&mut tx, w.ctx(&w.owner), &row)
                .await
                .unwrap();
            tx.commit().await.unwrap();
            out
        }
    };
    cancel("Advisory dismissed: nothing queued").await;
    assert_eq!(w.audits(&w.id, "cve.request_cancelled").await, 0);
    assert!(!restore().await, "no request was ever cancelled");
    w.request(&w.owner, &w.id).await.unwrap();
    cancel("Advisory dismissed: duplicate").await;
    let notes: String = w
        .scalar(
            "SELECT t.notes FROM cve_request_task t JOIN advisory a ON a.id = t.advisory_id
             WHERE a.advisory_id = $1",
            &w.id,
        )
        .await;
    assert_eq!(notes, "Advisory dismissed: duplicate");
    assert_eq!(w.audits(&w.id, "cve.request_cancelled").await, 1);
    assert!(restore().await);
    assert_eq!(
        w.requests(&w.id).await,
        [
            ("cancelled".to_owned(), String::new()),
            ("queued".to_owned(), String::new())
        ]
    );
    assert_eq!(w.audits(&w.id, "cve.requested").await, 2);
    assert!(!restore().await, "a request is queued");
    cancel("Advisory dismissed: again").await;
    w.exec(
        "UPDATE advisory SET cve_requests_banned = true WHERE advisory_id = $1",
        &w.id,
    )
    .await;
    assert!(!restore().await, "banned meanwhile");
    assert_eq!(w.requests(&w.id).await.last().unwrap().0, "cancelled");
}

/// `OrphanDisposition` spells what `advisory.reopened` records.
#[test]
fn orphan_dispositions_are_spelled_as_the_spec_says() {
    assert_eq!(OrphanDisposition::None.as_str(), "none");
    assert_eq!(
        OrphanDisposition::ReassignedDirect.as_str(),
        "reassigned_direct"
    );
    assert_eq!(
        OrphanDisposition::QueuedAdminTask.as_str(),
        "queued_admin_task"
    );
    assert_eq!(
        OrphanDisposition::AlreadyReassigned.as_str(),
        "already_reassigned"
    );
    for ok in [
        "CVE-2026-1234",
        "CVE-1999-0001",
        "CVE-2026-1234567890123456789",
    ] {
        assert!(cve::is_valid_cve_id(ok), "{ok}");
    }
    for bad in [
        "",
        "CVE-2026-123",
        "cve-2026-1234",
        "CVE-20261-1234",
        "CVE-2026-12345678901234567890",
        "CVE-2026-1234 ",
        "CVE-2026-12a4",
    ] {
        assert!(!cve::is_valid_cve_id(bad), "{bad}");
    }
}

// ---------------------------------------------------------------------------
// Over HTTP, signed in through the identity provider.

struct Web {
    site: Site,
    id: String,
    bob: Browser,
    alice: Browser,
    /// Jetty's team, with a collaborator grant here.
    carol: Browser,
    /// Collaborator.
    dave: Browser,
    /// Viewer.
    erin: Browser,
    /// No access at all.
    mallory: Browser,
}

impl Web {
    async fn new() -> Web {
        let site = Site::start(&[]).await;
        let BobsAdvisory { bob, id, .. } = bobs_advisory(&site).await;
        let alice = sign_in(&site, "alice").await;
        let carol = sign_in(&site, "carol").await;
        let dave = sign_in(&site, "dave").await;
        let erin = sign_in(&site, "erin").await;
        let mallory = sign_in(&site, "mallory").await;
        for (who, permission) in [
            ("carol", "collaborator"),
            ("dave", "collaborator"),
            ("erin", "viewer"),
        ] {
            grant(
                &site.db.pool,
                &id,
                &format!("{who}@example.org"),
                permission,
            )
            .await;
        }
        Web {
            site,
            id,
            bob,
            alice,
            carol,
            dave,
            erin,
            mallory,
        }
    }

    fn url(&self, tail: &str) -> String {
        self.site.url(&format!("/advisories/{}/{tail}", self.id))
    }

    /// Posts `form` to `path` as `b` with a CSRF token from a page anyone
    /// signed in can open.
    async fn post(&self, b: &Browser, path: &str, form: &[(&str, &str)], htmx: bool) -> Page {
        let csrf = b
            .get(&self.site.url("/notifications/preferences/"))
            .await
            .csrf();
        let mut fields = vec![("csrf_token", csrf.as_str())];
        fields.extend_from_slice(form);
        let headers: &[(&str, &str)] = if htmx {
            &[("hx-request", "true"), ("hx-target", "cve")]
        } else {
            &[]
        };
        b.post(&self.site.url(path), &fields, headers).await
    }

    async fn queued_task(&self) -> i64 {
        sqlx::query_scalar(
            "SELECT t.id FROM cve_request_task t JOIN advisory a ON a.id = t.advisory_id
             WHERE a.advisory_id = $1 AND t.status = 'queued'",
        )
        .bind(&self.id)
        .fetch_one(&self.site.db.pool)
        .await
        .unwrap()
    }

    fn path(&self, tail: &str) -> String {
        format!("/advisories/{}/cve/{tail}", self.id)
    }

    async fn detail(&self, b: &Browser) -> Page {
        b.get(&self.url("")).await
    }
}

// Every CVE action of the advisory page for admin, project team member,
// Jetty's team member holding only a collaborator grant, collaborator and
// viewer; outsiders get 404. Forms are shown only to who may use
// them; success is 303 back to the panel with a flash; field errors answer
// 422 with the panel and what was typed; a stale decision is a flash.
#[tokio::test]
#[expect(clippy::too_many_lines, reason = "one scenario, step by step")]
async fn cve_actions_by_role_over_http() {
    let w = Web::new().await;
    let page = w.detail(&w.bob).await;
    assert!(page.body.contains("id=\"cve\""), "{}", page.body);
    assert!(page.body.contains("id=\"cve-request\""));
    for b in [&w.carol, &w.dave, &w.erin] {
        let page = w.detail(b).await;
        assert_eq!(page.status, 200);
        assert!(page.body.contains("id=\"cve\""));
        assert!(!page.body.contains("id=\"cve-request\""));
        assert!(!page.body.contains("id=\"cve-admin-link\""));
    }
    let request = w.path("request/");
    for b in [&w.carol, &w.dave, &w.erin] {
        let refused = w.post(b, &request, &[], false).await;
        assert_eq!(refused.status, 403, "{}", refused.body);
        assert!(
            refused.body.contains("may request a CVE."),
            "{}",
            refused.body
        );
    }
    assert_eq!(w.post(&w.mallory, &request, &[], false).await.status, 404);
    let done = w.post(&w.bob, &request, &[], false).await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(
        done.headers.get("location").unwrap(),
        &format!("/advisories/{}/#cve", w.id)
    );
    let page = w.bob.follow(done).await;
    assert!(page.body.contains("CVE requested."), "{}", page.body);
    assert!(page.body.contains("id=\"cve-queued\""));
    assert!(!page.body.contains("id=\"cve-request\""));
    // A second click is refused by state: back to the panel with a flash
    // (ruling 8), or 409 with the panel for htmx.
    let again = w.post(&w.bob, &request, &[], false).await;
    assert_eq!(again.status, 303, "{}", again.body);
    let page = w.bob.follow(again).await;
    assert!(
        page.body
            .contains("A CVE request is already pending for this advisory."),
        "{}",
        page.body
    );
    let again = w.post(&w.bob, &request, &[], true).await;
    assert_eq!(again.status, 409, "{}", again.body);
    assert!(
        again
            .body
            .contains("A CVE request is already pending for this advisory.")
    );
    let tasks: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM cve_request_task t JOIN advisory a ON a.id = t.advisory_id
         WHERE a.advisory_id = $1",
    )
    .bind(&w.id)
    .fetch_one(&w.site.db.pool)
    .await
    .unwrap();
    assert_eq!(tasks, 1);

    let task = w.queued_task().await;
    let transition = w.path(&format!("requests/{task}/transition/"));
    for b in [&w.bob, &w.carol, &w.dave, &w.erin] {
        let refused = w
            .post(
                b,
                &transition,
                &[("status", "reserved"), ("cve_id", "CVE-2026-1000")],
                false,
            )
            .await;
        assert_eq!(refused.status, 403, "{}", refused.body);
    }
    assert_eq!(
        w.post(&w.mallory, &transition, &[("status", "reserved")], false)
            .await
            .status,
        404
    );
    let admin_page = w.detail(&w.alice).await;
    assert!(admin_page.body.contains("id=\"cve-reserve\""));
    assert!(admin_page.body.contains("id=\"cve-reject\""));
    assert!(admin_page.body.contains("id=\"cve-admin-link\""));
    let bad = w
        .post(
            &w.alice,
            &transition,
            &[("status", "reserved"), ("cve_id", "CVE-12")],
            false,
        )
        .await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert!(bad.body.contains("<html"), "a page of its own");
    assert!(
        bad.body.contains("A CVE id looks like CVE-2026-12345"),
        "{}",
        bad.body
    );
    assert!(
        bad.body.contains("value=\"CVE-12\""),
        "what was typed is kept"
    );
    let fragment = w
        .post(
            &w.alice,
            &transition,
            &[("status", "rejected"), ("notes", " ")],
            true,
        )
        .await;
    assert_eq!(fragment.status, 422);
    assert!(!fragment.body.contains("<html"), "a fragment for htmx");
    assert!(fragment.body.contains("Write why the request is rejected."));
    let reserved = w
        .post(
            &w.alice,
            &transition,
            &[("status", "reserved"), ("cve_id", "cve-2026-1000")],
            false,
        )
        .await;
    assert_eq!(reserved.status, 303, "{}", reserved.body);
    let page = w.alice.follow(reserved).await;
    assert!(
        page.body
            .contains("CVE-2026-1000 reserved for this advisory."),
        "{}",
        page.body
    );
    assert!(page.body.contains("<strong>CVE-2026-1000</strong>"));
    // A stale form: the request was decided meanwhile.
    let stale = w
        .post(
            &w.alice,
            &transition,
            &[("status", "reserved"), ("cve_id", "CVE-2026-1001")],
            false,
        )
        .await;
    assert_eq!(stale.status, 303);
    let page = w.alice.follow(stale).await;
    assert!(
        page.body.contains("This CVE request is no longer pending"),
        "{}",
        page.body
    );
    let stale = w
        .post(
            &w.alice,
            &transition,
            &[("status", "reserved"), ("cve_id", "CVE-2026-1001")],
            true,
        )
        .await;
    assert_eq!(stale.status, 409);
    assert!(stale.body.contains("This CVE request is no longer pending"));

    // Unassigning: admins only, with a reason.
    let unassign = w.path("unassign/");
    for b in [&w.bob, &w.carol, &w.dave, &w.erin] {
        assert_eq!(
            w.post(b, &unassign, &[("reason", "x")], false).await.status,
            403
        );
    }
    assert_eq!(
        w.post(&w.mallory, &unassign, &[("reason", "x")], false)
            .await
            .status,
        404
    );
    let blank = w.post(&w.alice, &unassign, &[("reason", "")], false).await;
    assert_eq!(blank.status, 422);
    assert!(blank.body.contains("Write why the CVE is removed."));
    let done = w
        .post(&w.alice, &unassign, &[("reason", "Wrong advisory")], false)
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    let page = w.alice.follow(done).await;
    assert!(page.body.contains("CVE unassigned"), "{}", page.body);
    let orphans: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM orphan_cve WHERE cve_id = 'CVE-2026-1000' AND status = 'orphaned'",
    )
    .fetch_one(&w.site.db.pool)
    .await
    .unwrap();
    assert_eq!(orphans, 1);
    // The reason is internal: the viewer does not see it, the collaborator does.
    assert!(!w.detail(&w.erin).await.body.contains("Wrong advisory"));
    assert!(w.detail(&w.dave).await.body.contains("Wrong advisory"));

    // Reject with a ban, then the ban is lifted by an admin only.
    w.post(&w.bob, &request, &[], false).await;
    let task = w.queued_task().await;
    let transition = w.path(&format!("requests/{task}/transition/"));
    let rejected = w
        .post(
            &w.alice,
            &transition,
            &[
                ("status", "rejected"),
                ("notes", "Not a vulnerability"),
                ("ban_future_requests", "1"),
            ],
            true,
        )
        .await;
    assert_eq!(rejected.status, 200, "{}", rejected.body);
    assert!(rejected.body.contains("further requests are disabled"));
    let page = w.detail(&w.bob).await;
    assert!(
        page.body
            .contains("CVE requests are disabled for this advisory.")
    );
    assert!(!page.body.contains("id=\"cve-request\""));
    let unban = w.path("unban/");
    for b in [&w.bob, &w.carol, &w.dave, &w.erin] {
        assert_eq!(w.post(b, &unban, &[], false).await.status, 403);
    }
    let lifted = w.post(&w.alice, &unban, &[], false).await;
    assert_eq!(lifted.status, 303);
    assert!(
        w.alice
            .follow(lifted)
            .await
            .body
            .contains("CVE requests re-allowed.")
    );
    assert!(w.detail(&w.bob).await.body.contains("id=\"cve-request\""));
}

// The admin console's CVE page: admins only (403 for everyone else, a
// sign-in for nobody); queued requests, orphans with "mark rejected at
// cve.org", queued reassignment tasks with the resolve form; Q-4 over HTTP.
#[tokio::test]
#[expect(clippy::too_many_lines, reason = "one scenario, step by step")]
async fn the_admin_cve_page_is_for_admins() {
    let w = Web::new().await;
    let admin = w.site.url("/admin/cves/");
    for b in [&w.bob, &w.carol, &w.dave, &w.erin, &w.mallory] {
        assert_eq!(b.get(&admin).await.status, 403);
    }
    let anonymous = Browser::new().get(&admin).await;
    assert!(
        matches!(anonymous.status, 302 | 303),
        "{}",
        anonymous.status
    );
    assert!(
        anonymous
            .location()
            .unwrap()
            .contains("/oidc/authenticate/")
    );
    let empty = w.alice.get(&admin).await;
    assert_eq!(empty.status, 200, "{}", empty.body);
    assert!(empty.body.contains("Advisories awaiting CVE reservation"));

    w.post(&w.bob, &w.path("request/"), &[], false).await;
    let task = w.queued_task().await;
    let page = w.alice.get(&admin).await;
    assert!(
        page.body.contains(&format!("id=\"cve-task-{task}\"")),
        "{}",
        page.body
    );
    assert!(page.body.contains(&w.id));
    let transition = format!("/admin/cve/{task}/transition/");
    for b in [&w.bob, &w.erin] {
        assert_eq!(
            w.post(
                b,
                &transition,
                &[("status", "reserved"), ("cve_id", "CVE-2026-2000")],
                false
            )
            .await
            .status,
            403
        );
    }
    let done = w
        .post(
            &w.alice,
            &transition,
            &[("status", "reserved"), ("cve_id", "CVE-2026-2000")],
            false,
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert!(done.location().unwrap().contains("/admin/cves/"));

    // Q-4 over HTTP: a second advisory cannot get the same CVE.
    let author = w.site.actor("bob@example.org").await;
    let theia = projects(&w.site.db.pool).await.theia;
    let second = create_advisory(&w.site.db.pool, &author, theia, summary("Second")).await;
    w.post(
        &w.bob,
        &format!("/advisories/{second}/cve/request/"),
        &[],
        false,
    )
    .await;
    let second_task: i64 = sqlx::query_scalar(
        "SELECT t.id FROM cve_request_task t JOIN advisory a ON a.id = t.advisory_id
         WHERE a.advisory_id = $1",
    )
    .bind(&second)
    .fetch_one(&w.site.db.pool)
    .await
    .unwrap();
    let taken = w
        .post(
            &w.alice,
            &format!("/admin/cve/{second_task}/transition/"),
            &[("status", "reserved"), ("cve_id", "CVE-2026-2000")],
            false,
        )
        .await;
    assert_eq!(taken.status, 422, "{}", taken.body);
    assert!(
        taken
            .body
            .contains("This CVE id is already assigned to another advisory.")
    );
    assert!(taken.body.contains("value=\"CVE-2026-2000\""));

    // An orphan, marked rejected at cve.org from the page.
    w.post(
        &w.alice,
        &w.path("unassign/"),
        &[("reason", "Withdrawn")],
        false,
    )
    .await;
    let orphan: i64 =
        sqlx::query_scalar("SELECT id FROM orphan_cve WHERE cve_id = 'CVE-2026-2000'")
            .fetch_one(&w.site.db.pool)
            .await
            .unwrap();
    let page = w.alice.get(&admin).await;
    assert!(
        page.body.contains(&format!("id=\"orphan-{orphan}\"")),
        "{}",
        page.body
    );
    let mark = format!("/admin/orphans/{orphan}/mark-rejected/");
    assert_eq!(w.post(&w.bob, &mark, &[], false).await.status, 403);
    let marked = w
        .post(&w.alice, &mark, &[("notes", "REJECTED 2026-11-30")], false)
        .await;
    assert_eq!(marked.status, 303);
    let page = w.alice.follow(marked).await;
    assert!(
        page.body
            .contains("CVE-2026-2000 marked rejected at cve.org."),
        "{}",
        page.body
    );

    // Reopen-style disposition queues a reassignment task; resolve it.
    let redactor = Redactor::default();
    let owner = w.site.actor("bob@example.org").await;
    let mut tx = w.site.db.pool.begin().await.unwrap();
    let row = repo::load(&mut tx, &w.id, Some(&owner), true)
        .await
        .unwrap()
        .unwrap();
    let disposition = cve::reattach_newest_orphan(
        &mut tx,
        Ctx {
            actor: &owner,
            origin: None,
            redactor: &redactor,
        },
        &row,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(disposition, OrphanDisposition::QueuedAdminTask);
    let reassignment: i64 = sqlx::query_scalar("SELECT id FROM orphan_cve_reassignment_task")
        .fetch_one(&w.site.db.pool)
        .await
        .unwrap();
    let page = w.alice.get(&admin).await;
    assert!(
        page.body
            .contains(&format!("id=\"reassignment-{reassignment}\""))
    );
    let resolve = format!("/admin/orphans/reassignment/{reassignment}/resolve/");
    assert_eq!(
        w.post(&w.bob, &resolve, &[("outcome", "reassigned")], false)
            .await
            .status,
        403
    );
    let missing = w
        .post(
            &w.alice,
            &resolve,
            &[("outcome", "replaced"), ("replacement_cve_id", "")],
            false,
        )
        .await;
    assert_eq!(missing.status, 422);
    assert!(missing.body.contains("Enter the CVE id to assign."));
    let resolved = w
        .post(
            &w.alice,
            &resolve,
            &[
                ("outcome", "replaced"),
                ("replacement_cve_id", "CVE-2026-2001"),
                ("notes", "New id"),
            ],
            false,
        )
        .await;
    assert_eq!(resolved.status, 303, "{}", resolved.body);
    let page = w.alice.follow(resolved).await;
    assert!(
        page.body.contains("the advisory holds CVE-2026-2001"),
        "{}",
        page.body
    );
    assert!(
        w.detail(&w.erin)
            .await
            .body
            .contains("<strong>CVE-2026-2001</strong>")
    );
    // Without the CSRF token, nothing happens.
    let forged = w
        .alice
        .post(&w.site.url(&resolve), &[("outcome", "reassigned")], &[])
        .await;
    assert_eq!(forged.status, 403);
}

// 20-lifecycle §2.3: orphan-registry notes are never posted. The `replaced`
// resolution stores the admin's resolution notes on the reserved request it
// creates; the advisory's CVE panel shows no reservation's notes, to anyone
// who can see the advisory, while rejection notes stay public there.
#[tokio::test]
#[expect(clippy::too_many_lines, reason = "one scenario, step by step")]
async fn orphan_resolution_notes_stay_off_the_advisory_page() {
    let w = Web::new().await;
    w.post(&w.bob, &w.path("request/"), &[], false).await;
    let task = w.queued_task().await;
    let reserved = w
        .post(
            &w.alice,
            &w.path(&format!("requests/{task}/transition/")),
            &[("status", "reserved"), ("cve_id", "CVE-2026-3000")],
            false,
        )
        .await;
    assert_eq!(reserved.status, 303, "{}", reserved.body);
    let unassigned = w
        .post(
            &w.alice,
            &w.path("unassign/"),
            &[("reason", "Wrong product")],
            false,
        )
        .await;
    assert_eq!(unassigned.status, 303, "{}", unassigned.body);
    let orphan: i64 =
        sqlx::query_scalar("SELECT id FROM orphan_cve WHERE cve_id = 'CVE-2026-3000'")
            .fetch_one(&w.site.db.pool)
            .await
            .unwrap();
    let marked = w
        .post(
            &w.alice,
            &format!("/admin/orphans/{orphan}/mark-rejected/"),
            &[("notes", "Marked per CNA ticket 4711")],
            false,
        )
        .await;
    assert_eq!(marked.status, 303, "{}", marked.body);
    let redactor = Redactor::default();
    let owner = w.site.actor("bob@example.org").await;
    let mut tx = w.site.db.pool.begin().await.unwrap();
    let row = repo::load(&mut tx, &w.id, Some(&owner), true)
        .await
        .unwrap()
        .unwrap();
    let disposition = cve::reattach_newest_orphan(
        &mut tx,
        Ctx {
            actor: &owner,
            origin: None,
            redactor: &redactor,
        },
        &row,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(disposition, OrphanDisposition::QueuedAdminTask);
    let reassignment: i64 = sqlx::query_scalar("SELECT id FROM orphan_cve_reassignment_task")
        .fetch_one(&w.site.db.pool)
        .await
        .unwrap();
    let resolved = w
        .post(
            &w.alice,
            &format!("/admin/orphans/reassignment/{reassignment}/resolve/"),
            &[
                ("outcome", "replaced"),
                ("replacement_cve_id", "CVE-2026-3001"),
                ("notes", "Replacement per CNA ticket 8842"),
            ],
            false,
        )
        .await;
    assert_eq!(resolved.status, 303, "{}", resolved.body);
    // The notes are stored on the reserved request, as the spec says...
    let notes: String =
        sqlx::query_scalar("SELECT notes FROM cve_request_task WHERE cve_id = 'CVE-2026-3001'")
            .fetch_one(&w.site.db.pool)
            .await
            .unwrap();
    assert_eq!(notes, "Replacement per CNA ticket 8842");
    // ...and no advisory page shows them, nor the mark-rejected notes.
    for b in [&w.erin, &w.dave, &w.bob, &w.alice] {
        let page = w.detail(b).await;
        assert_eq!(page.status, 200);
        assert!(page.body.contains("<strong>CVE-2026-3001</strong>"));
        assert!(
            !page.body.contains("CNA ticket 8842"),
            "resolution notes leak: {}",
            page.body
        );
        assert!(!page.body.contains("CNA ticket 4711"));
    }

    // Rejection notes are public: the viewer sees them in the panel.
    w.post(
        &w.alice,
        &w.path("unassign/"),
        &[("reason", "Replaced again")],
        false,
    )
    .await;
    w.post(&w.bob, &w.path("request/"), &[], false).await;
    let task = w.queued_task().await;
    let rejected = w
        .post(
            &w.alice,
            &w.path(&format!("requests/{task}/transition/")),
            &[("status", "rejected"), ("notes", "Out of scope for a CVE")],
            false,
        )
        .await;
    assert_eq!(rejected.status, 303, "{}", rejected.body);
    let page = w.detail(&w.erin).await;
    assert!(
        page.body
            .contains("<blockquote class=\"cve-notes\">Out of scope for a CVE</blockquote>"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("CNA ticket 8842"));
}

// Q-6 on the advisory page: while a withdrawal is in flight (the advisory
// still `published`, `withdrawn_reason` set) the panel offers no request
// and says why; a form posted anyway comes back with a flash (ruling 8),
// or 409 for htmx, and queues nothing.
#[tokio::test]
async fn q_6_the_panel_closes_requests_while_a_withdrawal_is_in_flight() {
    let w = Web::new().await;
    sqlx::query(
        "UPDATE advisory SET state = 'published', withdrawn_reason = 'Not a vulnerability'
         WHERE advisory_id = $1",
    )
    .bind(&w.id)
    .execute(&w.site.db.pool)
    .await
    .unwrap();
    let page = w.detail(&w.bob).await;
    assert_eq!(page.status, 200);
    assert!(!page.body.contains("id=\"cve-request\""), "{}", page.body);
    assert!(
        page.body
            .contains("A withdrawal of this advisory is in progress"),
        "{}",
        page.body
    );
    let request = w.path("request/");
    let refused = w.post(&w.bob, &request, &[], false).await;
    assert_eq!(refused.status, 303, "{}", refused.body);
    let page = w.bob.follow(refused).await;
    assert!(
        page.body
            .contains("This advisory is being withdrawn; a CVE cannot be requested for it."),
        "{}",
        page.body
    );
    let refused = w.post(&w.bob, &request, &[], true).await;
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert!(refused.body.contains("This advisory is being withdrawn"));
    // A viewer is still simply not allowed.
    assert_eq!(w.post(&w.erin, &request, &[], false).await.status, 403);
    let tasks: i64 = sqlx::query_scalar("SELECT count(*) FROM cve_request_task")
        .fetch_one(&w.site.db.pool)
        .await
        .unwrap();
    assert_eq!(tasks, 0);
}
