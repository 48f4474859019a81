//! Dismissal and reopening, withdrawal and its requests, draft reassignment
//! requests (20-lifecycle §9–11) on a real database, through the services
//! and over real HTTP through the identity provider: every action from every
//! state for every role, the dismissal cascade and what reopening restores,
//! the withdrawal's publication run (INV-WITHDRAW, Q-6, Q-14), concurrency
//! (INV-CONCURRENCY-1), reassignment (INV-AUTH-9, Q-26) and the triage
//! notification of §18.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::too_many_lines,
    reason = "tests fail loudly on purpose, and walk whole scenarios"
)]

mod common;

use std::time::Duration;

use advisoryhub::access::permissions::{Actor, State};
use advisoryhub::advisories::projects;
use advisoryhub::advisories::service::{Ctx, ServiceError};
use advisoryhub::advisories::workflow::dismissal::{self, Dismissal, Reopened};
use advisoryhub::advisories::workflow::{reassignment, withdrawal};
use advisoryhub::audit::redact::Redactor;
use common::TestDb;
use common::site::{Browser, Page, Site};
use common::world::{self, ADMIN_GROUP, actor, create_advisory, summary, user};
use serde_json::Value;
use sqlx::PgPool;
use uuid::Uuid;

/// How a service call ended, for the tables.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    /// `D`: done.
    Done,
    /// `A`: nothing to do (dismissed already).
    Already,
    /// `S`: refused because of the advisory's state (409 / flash).
    State,
    /// `F`: forbidden (403).
    Forbidden,
    /// `N`: not found, the caller cannot see it.
    NotFound,
    /// `V`: a field error (422).
    Invalid,
}

fn outcome<T>(r: &Result<T, ServiceError>) -> Outcome {
    match r {
        Ok(_) => Outcome::Done,
        Err(ServiceError::InvalidState(_)) => Outcome::State,
        Err(ServiceError::Forbidden(_)) => Outcome::Forbidden,
        Err(ServiceError::NotFound) => Outcome::NotFound,
        Err(ServiceError::Invalid(_)) => Outcome::Invalid,
        Err(e) => panic!("unexpected error: {e:?}"),
    }
}

fn parse(row: &str) -> Vec<Outcome> {
    row.split_whitespace()
        .map(|c| match c {
            "D" => Outcome::Done,
            "A" => Outcome::Already,
            "S" => Outcome::State,
            "F" => Outcome::Forbidden,
            "N" => Outcome::NotFound,
            "V" => Outcome::Invalid,
            other => panic!("bad cell {other}"),
        })
        .collect()
}

/// The actions the tables walk.
#[derive(Clone, Copy, Debug)]
enum Act {
    Dismiss,
    Reopen,
    Withdraw,
    RequestWithdrawal,
    CancelWithdrawalRequest,
    ApproveWithdrawal,
    RequestReassignment,
    WithdrawReassignment,
}

/// The roles of 30-permissions §3, each on an advisory of their own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Who {
    Admin,
    /// Theia's team; Theia is not a mature publisher.
    Team,
    /// The team of a mature-publisher project, on its advisory.
    Mature,
    /// A direct collaborator grant (the highest a grant gives, INV-AUTH-3).
    Collaborator,
    /// A collaborator grant through a group.
    GroupCollaborator,
    Viewer,
    Outsider,
}

const ROLES: [Who; 7] = [
    Who::Admin,
    Who::Team,
    Who::Mature,
    Who::Collaborator,
    Who::GroupCollaborator,
    Who::Viewer,
    Who::Outsider,
];

/// The lifecycle states the tables walk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Setup {
    Triage,
    Draft,
    Published,
    /// Dismissed from draft.
    Dismissed,
    /// Dismissed from published: withdrawn.
    Withdrawn,
    /// Published with a pending withdrawal request.
    PublishedRequested,
    /// Draft with a pending reassignment request.
    DraftRequested,
}

const STATES: [Setup; 5] = [
    Setup::Triage,
    Setup::Draft,
    Setup::Published,
    Setup::Dismissed,
    Setup::Withdrawn,
];

struct W {
    db: TestDb,
    theia: Uuid,
    jetty: Uuid,
    mature: Uuid,
    admin: Actor,
    /// Theia's team.
    bob: Actor,
    /// Jetty's team.
    carol: Actor,
    /// The mature project's team.
    mia: Actor,
    dave: Actor,
    gina: Actor,
    erin: Actor,
    olga: Actor,
    grantees: i64,
    redactor: Redactor,
}

impl W {
    async fn new() -> W {
        let db = TestDb::new().await;
        let pool = &db.pool;
        let p = world::projects(pool).await;
        let mut conn = pool.acquire().await.unwrap();
        let mature = projects::upsert(
            &mut conn,
            "ee.mature",
            "Eclipse Mature",
            "mature-security",
            true,
        )
        .await
        .unwrap();
        drop(conn);
        let ids = [
            user(pool, "alice@example.org", &[ADMIN_GROUP]).await,
            user(pool, "bob@example.org", &["theia-security"]).await,
            user(pool, "carol@example.org", &["jetty-security"]).await,
            user(pool, "mia@example.org", &["mature-security"]).await,
            user(pool, "dave@example.org", &["eclipse-committers"]).await,
            user(pool, "gina@example.org", &["grantees"]).await,
            user(pool, "erin@example.org", &[]).await,
            user(pool, "olga@example.org", &["other-team"]).await,
        ];
        let grantees: i64 = sqlx::query_scalar("SELECT id FROM oidc_group WHERE name = 'grantees'")
            .fetch_one(pool)
            .await
            .unwrap();
        W {
            theia: p.theia,
            jetty: p.jetty,
            mature,
            admin: actor(pool, ids[0]).await,
            bob: actor(pool, ids[1]).await,
            carol: actor(pool, ids[2]).await,
            mia: actor(pool, ids[3]).await,
            dave: actor(pool, ids[4]).await,
            gina: actor(pool, ids[5]).await,
            erin: actor(pool, ids[6]).await,
            olga: actor(pool, ids[7]).await,
            grantees,
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

    fn who(&self, who: Who) -> &Actor {
        match who {
            Who::Admin => &self.admin,
            Who::Team => &self.bob,
            Who::Mature => &self.mia,
            Who::Collaborator => &self.dave,
            Who::GroupCollaborator => &self.gina,
            Who::Viewer => &self.erin,
            Who::Outsider => &self.olga,
        }
    }

    /// A draft of `project` by its team, with dave (collaborator), the
    /// `grantees` group (collaborator) and erin (viewer) granted.
    async fn advisory(&self, project: Uuid) -> String {
        let author = if project == self.mature {
            &self.mia
        } else if project == self.jetty {
            &self.carol
        } else {
            &self.bob
        };
        let id = create_advisory(self.pool(), author, project, summary("Heap overflow")).await;
        for (kind, principal, permission) in [
            ("user", self.dave.user_id, "collaborator"),
            ("group", self.grantees, "collaborator"),
            ("user", self.erin.user_id, "viewer"),
        ] {
            sqlx::query(
                "INSERT INTO access_grant (advisory_id, principal_type, principal_id, permission)
                 SELECT id, $2, $3, $4 FROM advisory WHERE advisory_id = $1",
            )
            .bind(&id)
            .bind(kind)
            .bind(principal)
            .bind(permission)
            .execute(self.pool())
            .await
            .unwrap();
        }
        id
    }

    async fn sql(&self, sql: &'static str, id: &str) {
        sqlx::query(sql)
            .bind(id)
            .execute(self.pool())
            .await
            .unwrap();
    }

    /// Puts the advisory in `setup`, as the lifecycle would have.
    async fn set(&self, id: &str, setup: Setup, requester: &Actor) {
        match setup {
            Setup::Triage => {
                self.sql(
                    "UPDATE advisory SET state = 'triage' WHERE advisory_id = $1",
                    id,
                )
                .await;
            }
            Setup::Draft => {}
            Setup::Published => self.publish(id).await,
            Setup::Dismissed => {
                self.sql(
                    "UPDATE advisory SET state = 'dismissed', dismissed_reason = 'Duplicate.',
                            dismissed_from_state = 'draft' WHERE advisory_id = $1",
                    id,
                )
                .await;
            }
            Setup::Withdrawn => {
                self.sql(
                    "UPDATE advisory SET state = 'dismissed', published_at = now(),
                            withdrawn_reason = 'Not a vulnerability.',
                            dismissed_reason = 'Not a vulnerability.',
                            dismissed_from_state = 'published' WHERE advisory_id = $1",
                    id,
                )
                .await;
            }
            Setup::PublishedRequested => {
                self.publish(id).await;
                sqlx::query(
                    "UPDATE advisory SET withdrawal_requested_at = now(), withdrawal_requested_by = $2,
                            withdrawal_request_note = 'Please withdraw: false positive.'
                     WHERE advisory_id = $1",
                )
                .bind(id)
                .bind(requester.user_id)
                .execute(self.pool())
                .await
                .unwrap();
            }
            Setup::DraftRequested => {
                sqlx::query(
                    "UPDATE advisory SET reassignment_requested_at = now(), reassignment_requested_by = $2,
                            reassignment_request_note = 'Wrong project.'
                     WHERE advisory_id = $1",
                )
                .bind(id)
                .bind(requester.user_id)
                .execute(self.pool())
                .await
                .unwrap();
            }
        }
    }

    async fn publish(&self, id: &str) {
        self.sql(
            "UPDATE advisory SET state = 'published', published_at = now() WHERE advisory_id = $1",
            id,
        )
        .await;
    }

    /// Runs `act` as `who` in a transaction committed on success.
    async fn act(&self, who: &Actor, act: Act, id: &str, text: &str) -> Outcome {
        let ctx = self.ctx(who);
        let mut tx = self.pool().begin().await.unwrap();
        let result = match act {
            Act::Dismiss => dismissal::dismiss_advisory(&mut tx, ctx, id, text)
                .await
                .map(|d| d == Dismissal::AlreadyDismissed),
            Act::Reopen => dismissal::reopen_advisory(&mut tx, ctx, id, true)
                .await
                .map(|_| false),
            Act::Withdraw => withdrawal::withdraw_advisory(&mut tx, ctx, id, text, true)
                .await
                .map(|_| false),
            Act::RequestWithdrawal => withdrawal::request_withdrawal(&mut tx, ctx, id, text)
                .await
                .map(|()| false),
            Act::CancelWithdrawalRequest => {
                withdrawal::cancel_withdrawal_request(&mut tx, ctx, id, text)
                    .await
                    .map(|()| false)
            }
            Act::ApproveWithdrawal => withdrawal::approve_withdrawal(&mut tx, ctx, id, true)
                .await
                .map(|_| false),
            Act::RequestReassignment => {
                reassignment::request_admin_reassignment(&mut tx, ctx, id, text, None)
                    .await
                    .map(|()| false)
            }
            Act::WithdrawReassignment => {
                reassignment::withdraw_admin_reassignment(&mut tx, ctx, id, text)
                    .await
                    .map(|()| false)
            }
        };
        let o = match &result {
            Ok(true) => Outcome::Already,
            _ => outcome(&result),
        };
        if result.is_ok() {
            tx.commit().await.unwrap();
        } else {
            tx.rollback().await.unwrap();
        }
        o
    }

    /// Walks `act` over `setups` for every role, each case on a fresh
    /// advisory, and compares with `table` (one row per role of [`ROLES`]).
    async fn walk(&self, act: Act, setups: &[Setup], table: [&str; 7]) {
        let mut wrong = Vec::new();
        for (who, row) in ROLES.iter().zip(table) {
            let expected = parse(row);
            assert_eq!(expected.len(), setups.len(), "{act:?} {who:?}");
            for (setup, want) in setups.iter().zip(expected) {
                let project = if *who == Who::Mature {
                    self.mature
                } else {
                    self.theia
                };
                let id = self.advisory(project).await;
                let requester = if *who == Who::Mature {
                    &self.mia
                } else {
                    &self.bob
                };
                self.set(&id, *setup, requester).await;
                let got = self.act(self.who(*who), act, &id, "Because.").await;
                if got != want {
                    wrong.push(format!(
                        "{act:?} as {who:?} from {setup:?}: {got:?}, expected {want:?}"
                    ));
                }
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }

    async fn scalar<T>(&self, sql: &'static str, id: &str) -> T
    where
        T: for<'r> sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres> + Send + Unpin,
    {
        sqlx::query_scalar(sql)
            .bind(id)
            .fetch_one(self.pool())
            .await
            .unwrap()
    }

    async fn count(&self, sql: &'static str, id: &str) -> i64 {
        self.scalar(sql, id).await
    }

    /// Ledger rows of `action` on the advisory: actor, previous, new, metadata.
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

    /// Comments of the advisory: author, body, internal.
    async fn comments(&self, id: &str) -> Vec<(Option<i64>, String, bool)> {
        sqlx::query_as(
            "SELECT c.author_id, c.body, c.is_internal FROM advisory_comment c
             JOIN advisory a ON a.id = c.advisory_id WHERE a.advisory_id = $1 ORDER BY c.id",
        )
        .bind(id)
        .fetch_all(self.pool())
        .await
        .unwrap()
    }

    /// Jobs of `name` about the advisory.
    async fn jobs(&self, id: &str, name: &str) -> Vec<Value> {
        sqlx::query_scalar(
            "SELECT j.payload FROM jobs j, advisory a
             WHERE a.advisory_id = $1 AND j.name = $2
               AND ((j.payload ->> 'advisory_id')::bigint = a.id
                    OR (j.payload ->> 'task_id')::bigint IN
                       (SELECT t.id FROM publication_task t WHERE t.advisory_id = a.id))
             ORDER BY j.id",
        )
        .bind(id)
        .bind(name)
        .fetch_all(self.pool())
        .await
        .unwrap()
    }

    async fn state(&self, id: &str) -> (String, String, String) {
        sqlx::query_as(
            "SELECT state, dismissed_from_state, dismissed_reason FROM advisory WHERE advisory_id = $1",
        )
        .bind(id)
        .fetch_one(self.pool())
        .await
        .unwrap()
    }
}

// ---------------------------------------------------------------------------
// Every action, from every state, for every role.

// INV-LIFECYCLE-4, P-18, P-28: owners dismiss triage and drafts, never a
// published advisory; a second dismissal is a no-op; grants never dismiss.
#[tokio::test]
async fn inv_lifecycle_4_dismissal_by_role_and_state() {
    let w = W::new().await;
    w.walk(
        Act::Dismiss,
        &STATES,
        [
            "D D F A A", // admin
            "D D F A A", // team
            "D D F A A", // mature team
            "F F F F F", // collaborator
            "F F F F F", // group collaborator
            "F F F F F", // viewer
            "N N N N N", // outsider
        ],
    )
    .await;
}

// INV-LIFECYCLE-4, INV-WITHDRAW, P-19: owners reopen a dismissal; only
// admins and mature teams reopen a withdrawal; a live advisory is a state
// refusal.
#[tokio::test]
async fn inv_lifecycle_4_reopen_by_role_and_state() {
    let w = W::new().await;
    w.walk(
        Act::Reopen,
        &STATES,
        [
            "S S S D D",
            "S S S D F",
            "S S S D D",
            "F F F F F",
            "F F F F F",
            "F F F F F",
            "N N N N N",
        ],
    )
    .await;
}

// INV-WITHDRAW, P-21: admins and mature teams withdraw published advisories.
#[tokio::test]
async fn inv_withdraw_direct_withdrawal_by_role_and_state() {
    let w = W::new().await;
    w.walk(
        Act::Withdraw,
        &STATES,
        [
            "S S D S S",
            "F F F F F",
            "S S D S S",
            "F F F F F",
            "F F F F F",
            "F F F F F",
            "N N N N N",
        ],
    )
    .await;
}

// INV-WITHDRAW, P-22: non-mature teams (never admins) request withdrawals.
#[tokio::test]
async fn inv_withdraw_requests_by_role_and_state() {
    let w = W::new().await;
    w.walk(
        Act::RequestWithdrawal,
        &STATES,
        [
            "F F F F F",
            "S S D S S",
            "F F F F F",
            "F F F F F",
            "F F F F F",
            "F F F F F",
            "N N N N N",
        ],
    )
    .await;
    let pending = [Setup::PublishedRequested, Setup::Published];
    // P-23: the team or an admin cancels.
    w.walk(
        Act::CancelWithdrawalRequest,
        &pending,
        ["D S", "D S", "D S", "F F", "F F", "F F", "N N"],
    )
    .await;
    // P-24: admins approve.
    w.walk(
        Act::ApproveWithdrawal,
        &pending,
        ["D S", "F F", "F F", "F F", "F F", "F F", "N N"],
    )
    .await;
}

// INV-AUTH-9, P-32, P-33: non-admin owners request a draft's reassignment;
// owners and admins withdraw it.
#[tokio::test]
async fn inv_auth_9_reassignment_requests_by_role_and_state() {
    let w = W::new().await;
    w.walk(
        Act::RequestReassignment,
        &STATES,
        [
            "F F F F F",
            "S D S S S",
            "S D S S S",
            "F F F F F",
            "F F F F F",
            "F F F F F",
            "N N N N N",
        ],
    )
    .await;
    w.walk(
        Act::WithdrawReassignment,
        &[Setup::DraftRequested, Setup::Draft],
        ["D S", "D S", "D S", "F F", "F F", "F F", "N N"],
    )
    .await;
}

// §2.1 step 4: input is validated after authorization, so a caller without
// the right learns nothing from a validation message.
#[tokio::test]
async fn required_notes_are_checked_after_authorization() {
    let w = W::new().await;
    let id = w.advisory(w.theia).await;
    assert_eq!(
        w.act(&w.dave, Act::Dismiss, &id, "  ").await,
        Outcome::Forbidden
    );
    assert_eq!(
        w.act(&w.bob, Act::Dismiss, &id, "  ").await,
        Outcome::Invalid
    );
    assert_eq!(
        w.act(&w.bob, Act::RequestReassignment, &id, "").await,
        Outcome::Invalid
    );
    w.publish(&id).await;
    assert_eq!(
        w.act(&w.dave, Act::Withdraw, &id, "").await,
        Outcome::Forbidden
    );
    assert_eq!(
        w.act(&w.admin, Act::Withdraw, &id, "").await,
        Outcome::Invalid
    );
    assert_eq!(
        w.act(&w.bob, Act::RequestWithdrawal, &id, " ").await,
        Outcome::Invalid
    );
    assert_eq!(w.state(&id).await.0, "published", "refusals change nothing");
    assert_eq!(
        w.count(
            "SELECT count(*) FROM audit_log_entry e JOIN advisory a ON a.id = e.advisory_id
             WHERE a.advisory_id = $1 AND e.action <> 'advisory.created'",
            &id
        )
        .await,
        0
    );
}

// ---------------------------------------------------------------------------
// Dismissal and reopening.

// §9.1, Q-25: a triage dismissal records `advisory.dismissed` and its
// narrated twin, posts the reason publicly and notifies the team.
#[tokio::test]
async fn triage_dismissal_is_audited_noted_and_announced() {
    let w = W::new().await;
    let id = w.advisory(w.theia).await;
    w.set(&id, Setup::Triage, &w.bob).await;
    assert_eq!(
        w.act(&w.bob, Act::Dismiss, &id, "  Spam report.  ").await,
        Outcome::Done
    );
    assert_eq!(
        w.state(&id).await,
        ("dismissed".into(), "triage".into(), "Spam report.".into())
    );
    let dismissed = w.ledger(&id, "advisory.dismissed").await;
    assert_eq!(dismissed.len(), 1);
    assert_eq!(dismissed[0].0, Some(w.bob.user_id));
    assert_eq!(dismissed[0].3["from_state"], "triage");
    assert_eq!(dismissed[0].3["reason"], "Spam report.");
    let twin = w.ledger(&id, "advisory.state_changed").await;
    assert_eq!(twin.len(), 1);
    assert_eq!(twin[0].3["narrated"], true);
    assert_eq!(
        w.comments(&id).await,
        [(Some(w.bob.user_id), "Spam report.".to_owned(), false)]
    );
    let jobs = w.jobs(&id, "notify.triage_event").await;
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0]["event"], "advisory_triage_dismissed");
}

/// A draft with an open review, a queued CVE request and a pending
/// reassignment request.
async fn busy_draft(w: &W) -> String {
    let id = w.advisory(w.theia).await;
    w.sql(
        "INSERT INTO review_task (advisory_id, version_id, submitted_by)
         SELECT a.id, v.id, a.created_by FROM advisory a
         JOIN advisory_version v ON v.advisory_id = a.id WHERE a.advisory_id = $1",
        &id,
    )
    .await;
    w.sql(
        "UPDATE advisory SET review_status = 'submitted' WHERE advisory_id = $1",
        &id,
    )
    .await;
    w.sql(
        "INSERT INTO cve_request_task (advisory_id, requested_by)
         SELECT id, created_by FROM advisory WHERE advisory_id = $1",
        &id,
    )
    .await;
    w.set(&id, Setup::DraftRequested, &w.bob).await;
    id
}

// INV-LIFECYCLE-4, §9.2: a draft's dismissal clears the reassignment
// request, cancels the CVE request and tears the review down, in one
// transaction, and announces nothing.
#[tokio::test]
async fn inv_lifecycle_4_draft_dismissal_cascade() {
    let w = W::new().await;
    let id = busy_draft(&w).await;
    assert_eq!(
        w.act(&w.bob, Act::Dismiss, &id, "Duplicate of another.")
            .await,
        Outcome::Done
    );
    let (review, requested): (String, Option<time::OffsetDateTime>) = sqlx::query_as(
        "SELECT review_status, reassignment_requested_at FROM advisory WHERE advisory_id = $1",
    )
    .bind(&id)
    .fetch_one(w.pool())
    .await
    .unwrap();
    assert_eq!(review, "none", "a later reopen starts from no review");
    assert!(requested.is_none());
    let (task, notes): (String, String) = sqlx::query_as(
        "SELECT t.status, t.notes FROM cve_request_task t JOIN advisory a ON a.id = t.advisory_id
         WHERE a.advisory_id = $1",
    )
    .bind(&id)
    .fetch_one(w.pool())
    .await
    .unwrap();
    assert_eq!(
        (task.as_str(), notes.as_str()),
        ("cancelled", "Advisory dismissed: Duplicate of another.")
    );
    assert_eq!(
        w.count(
            "SELECT count(*) FROM review_task t JOIN advisory a ON a.id = t.advisory_id
             WHERE a.advisory_id = $1 AND t.status = 'open'",
            &id
        )
        .await,
        0
    );
    let cleared = w.ledger(&id, "advisory.reassignment_request_cleared").await;
    assert_eq!(cleared.len(), 1);
    assert_eq!(cleared[0].3["cause"], "dismissed");
    assert_eq!(cleared[0].3["previous_note"], "Wrong project.");
    assert_eq!(w.ledger(&id, "cve.request_cancelled").await.len(), 1);
    assert_eq!(w.ledger(&id, "advisory.review_withdrawn").await.len(), 1);
    assert_eq!(
        w.ledger(&id, "advisory.dismissed").await[0].3["from_state"],
        "draft"
    );
    assert!(w.jobs(&id, "notify.triage_event").await.is_empty());
}

// P-18, §9.2 step 8: an assigned CVE keeps a team from dismissing; an
// admin's dismissal orphans it with an internal note, and reopening
// reattaches it (§9.3 step 4).
#[tokio::test]
async fn an_admin_dismissal_orphans_the_cve_and_reopening_reattaches_it() {
    let w = W::new().await;
    let id = w.advisory(w.theia).await;
    w.sql(
        "UPDATE advisory SET assigned_cve_id = 'CVE-2026-41001' WHERE advisory_id = $1",
        &id,
    )
    .await;
    let mut tx = w.pool().begin().await.unwrap();
    let refused = dismissal::dismiss_advisory(&mut tx, w.ctx(&w.bob), &id, "Dupe.").await;
    assert!(
        matches!(&refused, Err(ServiceError::Forbidden(m)) if m == "lifecycle-error-dismiss-cve-assigned"),
        "{refused:?}"
    );
    drop(tx);
    assert_eq!(
        w.act(&w.admin, Act::Dismiss, &id, "Dupe.").await,
        Outcome::Done
    );
    let (cve, orphan_status, orphan_reason): (String, String, String) = sqlx::query_as(
        "SELECT a.assigned_cve_id, o.status, o.unassign_reason FROM advisory a
         JOIN orphan_cve o ON o.previous_advisory_id = a.id WHERE a.advisory_id = $1",
    )
    .bind(&id)
    .fetch_one(w.pool())
    .await
    .unwrap();
    assert_eq!(cve, "");
    assert_eq!(orphan_status, "orphaned");
    assert_eq!(orphan_reason, "Advisory dismissed: Dupe.");
    let notes = w.comments(&id).await;
    assert_eq!(
        notes,
        [
            (Some(w.admin.user_id), "Dupe.".to_owned(), false),
            (
                Some(w.admin.user_id),
                "Advisory dismissed: Dupe.".to_owned(),
                true
            ),
        ],
        "the reason publicly, the unassignment internally"
    );

    let mut tx = w.pool().begin().await.unwrap();
    let reopened = dismissal::reopen_advisory(&mut tx, w.ctx(&w.bob), &id, true)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        reopened,
        Reopened::Restored {
            state: State::Draft,
            cve_request_restored: false,
            orphan_disposition: "reassigned_direct",
        }
    );
    let cve: String = w
        .scalar(
            "SELECT assigned_cve_id FROM advisory WHERE advisory_id = $1",
            &id,
        )
        .await;
    assert_eq!(cve, "CVE-2026-41001");
    let reopened = w.ledger(&id, "advisory.reopened").await;
    assert_eq!(reopened[0].3["orphan_disposition"], "reassigned_direct");
    assert_eq!(reopened[0].1, Some(Value::from("dismissed")));
    assert_eq!(reopened[0].2, Some(Value::from("draft")));
    let changed = w.ledger(&id, "advisory.state_changed").await;
    assert_eq!(changed.len(), 2, "dismissal twin and the reopen");
    assert_eq!(changed[1].3.get("narrated"), None, "reopen is not narrated");
}

// §9.3 step 3: reopening restores the CVE request the dismissal
// cancelled, and tells the team (§18 `advisory_reopened`).
#[tokio::test]
async fn reopening_restores_the_cancelled_cve_request() {
    let w = W::new().await;
    let id = busy_draft(&w).await;
    assert_eq!(
        w.act(&w.bob, Act::Dismiss, &id, "Oops.").await,
        Outcome::Done
    );
    assert_eq!(w.act(&w.bob, Act::Reopen, &id, "").await, Outcome::Done);
    assert_eq!(
        w.state(&id).await,
        ("draft".into(), "draft".into(), "Oops.".into())
    );
    let statuses: Vec<String> = sqlx::query_scalar(
        "SELECT t.status FROM cve_request_task t JOIN advisory a ON a.id = t.advisory_id
         WHERE a.advisory_id = $1 ORDER BY t.id",
    )
    .bind(&id)
    .fetch_all(w.pool())
    .await
    .unwrap();
    assert_eq!(statuses, ["cancelled", "queued"]);
    assert_eq!(
        w.ledger(&id, "advisory.reopened").await[0].3["cve_request_restored"],
        true
    );
    let review: String = w
        .scalar(
            "SELECT review_status FROM advisory WHERE advisory_id = $1",
            &id,
        )
        .await;
    assert_eq!(review, "none");
    let jobs = w.jobs(&id, "notify.triage_event").await;
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0]["event"], "advisory_reopened");
}

// INV-LIFECYCLE-2: reopening restores `triage` only to a report dismissed
// from triage.
#[tokio::test]
async fn inv_lifecycle_2_reopen_returns_a_report_to_triage() {
    let w = W::new().await;
    let id = w.advisory(w.theia).await;
    w.set(&id, Setup::Triage, &w.bob).await;
    assert_eq!(
        w.act(&w.bob, Act::Dismiss, &id, "Spam.").await,
        Outcome::Done
    );
    assert_eq!(w.act(&w.bob, Act::Reopen, &id, "").await, Outcome::Done);
    assert_eq!(w.state(&id).await.0, "triage");
    assert_eq!(
        w.count(
            "SELECT count(*) FROM cve_request_task t JOIN advisory a ON a.id = t.advisory_id
             WHERE a.advisory_id = $1",
            &id
        )
        .await,
        0
    );
}

// INV-CONCURRENCY-1: two dismissals at once from two connections: the
// second waits for the first's row lock, then finds it dismissed: one
// dismissal, one audit pair, one note.
#[tokio::test]
async fn inv_concurrency_1_concurrent_dismissals_dismiss_once() {
    let w = W::new().await;
    let id = w.advisory(w.theia).await;
    let mut first = w.pool().begin().await.unwrap();
    let pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(&mut *first)
        .await
        .unwrap();
    let done = dismissal::dismiss_advisory(&mut first, w.ctx(&w.bob), &id, "First.")
        .await
        .unwrap();
    assert_eq!(done, Dismissal::Dismissed { from: State::Draft });

    let pool = w.pool().clone();
    let second_id = id.clone();
    let admin = w.admin.clone();
    let second = tokio::spawn(async move {
        let redactor = Redactor::default();
        let mut tx = pool.begin().await.unwrap();
        let ctx = Ctx {
            actor: &admin,
            origin: None,
            redactor: &redactor,
        };
        let r = dismissal::dismiss_advisory(&mut tx, ctx, &second_id, "Second.").await;
        tx.commit().await.unwrap();
        r
    });
    // Wait until the second transaction is blocked on the first's lock.
    loop {
        let blocked: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM pg_stat_activity
                            WHERE $1 = ANY(pg_blocking_pids(pid)))",
        )
        .bind(pid)
        .fetch_one(w.pool())
        .await
        .unwrap();
        if blocked {
            break;
        }
        tokio::task::yield_now().await;
    }
    first.commit().await.unwrap();
    let second = second.await.unwrap().unwrap();
    assert_eq!(second, Dismissal::AlreadyDismissed);
    assert_eq!(w.ledger(&id, "advisory.dismissed").await.len(), 1);
    assert_eq!(w.ledger(&id, "advisory.state_changed").await.len(), 1);
    assert_eq!(w.comments(&id).await.len(), 1);
    assert_eq!(w.state(&id).await.2, "First.");
}

// ---------------------------------------------------------------------------
// Withdrawal.

/// A published advisory with a queued CVE request.
async fn published_with_cve_request(w: &W, project: Uuid) -> String {
    let id = w.advisory(project).await;
    w.publish(&id).await;
    w.sql(
        "INSERT INTO cve_request_task (advisory_id, requested_by)
         SELECT id, created_by FROM advisory WHERE advisory_id = $1",
        &id,
    )
    .await;
    id
}

// INV-WITHDRAW, INV-VERSION-2, Q-6: a withdrawal appends a version carrying
// the reason, queues a system publication run pinned to it, clears the
// pending request (cause approved), cancels the open CVE request, and leaves
// the advisory published until the push.
#[tokio::test]
async fn inv_withdraw_pins_a_version_with_the_reason_and_cancels_the_cve_request_q6() {
    let w = W::new().await;
    let id = published_with_cve_request(&w, w.mature).await;
    w.sql(
        "UPDATE advisory SET withdrawal_requested_at = now(), withdrawal_request_note = 'Stale.'
         WHERE advisory_id = $1",
        &id,
    )
    .await;
    let mut tx = w.pool().begin().await.unwrap();
    let started =
        withdrawal::withdraw_advisory(&mut tx, w.ctx(&w.mia), &id, " Not exploitable. ", true)
            .await
            .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(started.version, Some(2));

    let (state, reason): (String, String) =
        sqlx::query_as("SELECT state, withdrawn_reason FROM advisory WHERE advisory_id = $1")
            .bind(&id)
            .fetch_one(w.pool())
            .await
            .unwrap();
    assert_eq!(state, "published", "dismissed only once the push succeeds");
    assert_eq!(reason, "Not exploitable.");
    let (status, version, payload_reason, enqueued_by): (String, i32, String, Option<i64>) =
        sqlx::query_as(
            "SELECT t.status, v.version, v.payload ->> 'withdrawn_reason', t.enqueued_by
             FROM publication_task t JOIN advisory_version v ON v.id = t.version_id
             WHERE t.id = $1",
        )
        .bind(started.task_id)
        .fetch_one(w.pool())
        .await
        .unwrap();
    assert_eq!(
        (
            status.as_str(),
            version,
            payload_reason.as_str(),
            enqueued_by
        ),
        ("queued", 2, "Not exploitable.", Some(w.mia.user_id))
    );
    let runs = w.jobs(&id, "publication.run").await;
    assert_eq!(runs, [serde_json::json!({"task_id": started.task_id})]);
    let export = w.ledger(&id, "publication.export_started").await;
    assert_eq!(export.len(), 1);
    assert_eq!(export[0].3["version"], 2);
    let cleared = w.ledger(&id, "advisory.withdrawal_request_cleared").await;
    assert_eq!(cleared[0].3["cause"], "approved");
    let (cve_status, cve_notes): (String, String) = sqlx::query_as(
        "SELECT t.status, t.notes FROM cve_request_task t JOIN advisory a ON a.id = t.advisory_id
         WHERE a.advisory_id = $1",
    )
    .bind(&id)
    .fetch_one(w.pool())
    .await
    .unwrap();
    assert_eq!(
        (cve_status.as_str(), cve_notes.as_str()),
        ("cancelled", "Advisory withdrawn: Not exploitable.")
    );
    assert_eq!(
        w.comments(&id).await,
        [(Some(w.mia.user_id), "Not exploitable.".to_owned(), false)]
    );

    // INV-CONCURRENCY-1: a second withdrawal while the run is queued is
    // refused and changes nothing.
    let mut tx = w.pool().begin().await.unwrap();
    let again = withdrawal::withdraw_advisory(&mut tx, w.ctx(&w.admin), &id, "Again.", true).await;
    assert!(
        matches!(&again, Err(ServiceError::InvalidState(m)) if m == "lifecycle-error-publication-in-progress"),
        "{again:?}"
    );
    drop(tx);
    assert_eq!(
        w.count(
            "SELECT count(*) FROM advisory_version v JOIN advisory a ON a.id = v.advisory_id
             WHERE a.advisory_id = $1",
            &id
        )
        .await,
        2
    );
    assert_eq!(
        w.count(
            "SELECT count(*) FROM publication_task t JOIN advisory a ON a.id = t.advisory_id
             WHERE a.advisory_id = $1",
            &id
        )
        .await,
        1
    );
}

// §10.3: approving uses the request's note as the reason, or the fixed
// sentence when it had none; the request is cleared with cause approved.
#[tokio::test]
async fn approving_a_withdrawal_request_withdraws_with_its_note() {
    let w = W::new().await;
    let id = w.advisory(w.theia).await;
    w.publish(&id).await;
    assert_eq!(
        w.act(
            &w.bob,
            Act::RequestWithdrawal,
            &id,
            "Fixed upstream, not a vuln."
        )
        .await,
        Outcome::Done
    );
    assert_eq!(
        w.comments(&id).await,
        [(
            Some(w.bob.user_id),
            "Fixed upstream, not a vuln.".to_owned(),
            true
        )],
        "the request note is internal"
    );
    assert_eq!(
        w.act(&w.bob, Act::RequestWithdrawal, &id, "Again.").await,
        Outcome::State
    );
    assert_eq!(
        w.act(&w.admin, Act::ApproveWithdrawal, &id, "").await,
        Outcome::Done
    );
    let reason: String = w
        .scalar(
            "SELECT withdrawn_reason FROM advisory WHERE advisory_id = $1",
            &id,
        )
        .await;
    assert_eq!(reason, "Fixed upstream, not a vuln.");
    assert_eq!(
        w.ledger(&id, "advisory.withdrawal_request_cleared").await[0].3["cause"],
        "approved"
    );

    let blank = w.advisory(w.theia).await;
    w.set(&blank, Setup::PublishedRequested, &w.bob).await;
    w.sql(
        "UPDATE advisory SET withdrawal_request_note = '' WHERE advisory_id = $1",
        &blank,
    )
    .await;
    assert_eq!(
        w.act(&w.admin, Act::ApproveWithdrawal, &blank, "").await,
        Outcome::Done
    );
    let reason: String = w
        .scalar(
            "SELECT withdrawn_reason FROM advisory WHERE advisory_id = $1",
            &blank,
        )
        .await;
    assert_eq!(reason, withdrawal::DEFAULT_REASON);
}

// §10.3: cancelling clears the request with cause cancelled and the notes.
#[tokio::test]
async fn cancelling_a_withdrawal_request_records_why() {
    let w = W::new().await;
    let id = w.advisory(w.theia).await;
    w.set(&id, Setup::PublishedRequested, &w.bob).await;
    assert_eq!(
        w.act(
            &w.bob,
            Act::CancelWithdrawalRequest,
            &id,
            "Changed our mind."
        )
        .await,
        Outcome::Done
    );
    let cleared = w.ledger(&id, "advisory.withdrawal_request_cleared").await;
    assert_eq!(cleared[0].3["cause"], "cancelled");
    assert_eq!(
        cleared[0].3["previous_note"],
        "Please withdraw: false positive."
    );
    assert_eq!(cleared[0].3["note"], "Changed our mind.");
    assert_eq!(
        w.comments(&id).await,
        [(Some(w.bob.user_id), "Changed our mind.".to_owned(), true)]
    );
}

// INV-WITHDRAW, §10.4, Q-5: un-withdrawing clears the reason, reattaches
// an orphaned CVE, appends a version and queues a system publication run
// from the dismissed state; a CVE marked rejected gets an admin task,
// audited.
#[tokio::test]
async fn inv_withdraw_unwithdraw_republishes_and_brings_the_cve_back() {
    let w = W::new().await;
    let id = w.advisory(w.mature).await;
    w.set(&id, Setup::Withdrawn, &w.mia).await;
    w.sql(
        "INSERT INTO orphan_cve (cve_id, previous_advisory_id, previous_advisory_label, unassign_reason)
         SELECT 'CVE-2026-42001', id, advisory_id, 'Advisory withdrawn: x' FROM advisory
         WHERE advisory_id = $1",
        &id,
    )
    .await;
    let mut tx = w.pool().begin().await.unwrap();
    let done = dismissal::reopen_advisory(&mut tx, w.ctx(&w.mia), &id, true)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let Reopened::Unwithdrawn {
        task_id,
        orphan_disposition,
    } = done
    else {
        panic!("{done:?}")
    };
    assert_eq!(orphan_disposition, "reassigned_direct");
    let (state, reason, cve): (String, String, String) = sqlx::query_as(
        "SELECT state, withdrawn_reason, assigned_cve_id FROM advisory WHERE advisory_id = $1",
    )
    .bind(&id)
    .fetch_one(w.pool())
    .await
    .unwrap();
    assert_eq!(
        (state.as_str(), reason.as_str(), cve.as_str()),
        ("dismissed", "", "CVE-2026-42001"),
        "published again only by the run"
    );
    let (status, payload_reason, payload_cve): (String, String, String) = sqlx::query_as(
        "SELECT t.status, v.payload ->> 'withdrawn_reason', v.payload ->> 'assigned_cve_id'
         FROM publication_task t JOIN advisory_version v ON v.id = t.version_id WHERE t.id = $1",
    )
    .bind(task_id)
    .fetch_one(w.pool())
    .await
    .unwrap();
    assert_eq!(
        (
            status.as_str(),
            payload_reason.as_str(),
            payload_cve.as_str()
        ),
        ("queued", "", "CVE-2026-42001")
    );
    let reopened = w.ledger(&id, "advisory.reopened").await;
    assert_eq!(reopened[0].3["unwithdraw"], true);

    // Rejected at cve.org: an admin task, audited.
    let rejected = w.advisory(w.mature).await;
    w.set(&rejected, Setup::Withdrawn, &w.mia).await;
    w.sql(
        "INSERT INTO orphan_cve (cve_id, previous_advisory_id, previous_advisory_label, unassign_reason,
                                 status, marked_rejected_at)
         SELECT 'CVE-2026-42002', id, advisory_id, 'Advisory withdrawn: x', 'marked_rejected', now()
         FROM advisory WHERE advisory_id = $1",
        &rejected,
    )
    .await;
    assert_eq!(
        w.act(&w.admin, Act::Reopen, &rejected, "").await,
        Outcome::Done
    );
    assert_eq!(
        w.count(
            "SELECT count(*) FROM orphan_cve_reassignment_task t JOIN advisory a ON a.id = t.advisory_id
             WHERE a.advisory_id = $1 AND t.status = 'queued'",
            &rejected
        )
        .await,
        1
    );
    assert_eq!(
        w.ledger(&rejected, "cve.orphan_reassignment_requested")
            .await
            .len(),
        1
    );
    assert_eq!(
        w.ledger(&rejected, "advisory.reopened").await[0].3["orphan_disposition"],
        "queued_admin_task"
    );
}

// ---------------------------------------------------------------------------
// Reassignment.

// INV-AUTH-9, Q-26: a pending request locks nothing; the requester cannot
// accept it; a member of the suggested team accepts it, which moves the
// project with the effects of an edit-form move.
#[tokio::test]
async fn inv_auth_9_accepting_a_suggestion_moves_the_project_with_the_q26_effects() {
    let w = W::new().await;
    let pool = w.pool();
    // tom is on both teams: the requester never accepts their own request.
    let tom = actor(
        pool,
        user(
            pool,
            "tom@example.org",
            &["theia-security", "jetty-security"],
        )
        .await,
    )
    .await;
    let id = w.advisory(w.theia).await;
    w.sql(
        "UPDATE advisory SET review_status = 'approved' WHERE advisory_id = $1",
        &id,
    )
    .await;
    let mut tx = pool.begin().await.unwrap();
    reassignment::request_admin_reassignment(
        &mut tx,
        w.ctx(&tom),
        &id,
        "Belongs to Jetty.",
        Some(w.jetty),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let requested = w.ledger(&id, "advisory.reassignment_requested").await;
    assert_eq!(requested[0].3["suggested_project"], "rt.jetty");

    // The team keeps its rights while the request is pending.
    let row = {
        let mut conn = pool.acquire().await.unwrap();
        advisoryhub::advisories::repo::load(&mut conn, &id, Some(&w.bob), false)
            .await
            .unwrap()
            .unwrap()
    };
    let facts = row.facts().unwrap();
    assert!(advisoryhub::access::permissions::can_edit(
        Some(&w.bob),
        &facts
    ));
    assert!(advisoryhub::access::permissions::can_publish(
        Some(&w.bob),
        &facts
    ));

    let mut tx = pool.begin().await.unwrap();
    let own = reassignment::resolve_admin_reassignment(&mut tx, w.ctx(&tom), &id, None).await;
    assert!(matches!(own, Err(ServiceError::Forbidden(_))), "{own:?}");
    drop(tx);
    // carol (Jetty) cannot see it until she holds a grant.
    let mut tx = pool.begin().await.unwrap();
    let unseen =
        reassignment::resolve_admin_reassignment(&mut tx, w.ctx(&w.carol), &id, None).await;
    assert!(matches!(unseen, Err(ServiceError::NotFound)), "{unseen:?}");
    drop(tx);
    world::grant(pool, &id, "carol@example.org", "viewer").await;
    // She accepts the suggestion only, never another project.
    let mut tx = pool.begin().await.unwrap();
    let other =
        reassignment::resolve_admin_reassignment(&mut tx, w.ctx(&w.carol), &id, Some(w.mature))
            .await;
    assert!(
        matches!(other, Err(ServiceError::Forbidden(_))),
        "{other:?}"
    );
    drop(tx);
    let mut tx = pool.begin().await.unwrap();
    let done = reassignment::resolve_admin_reassignment(&mut tx, w.ctx(&w.carol), &id, None)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(done.project.slug, "rt.jetty");
    assert_eq!(done.cause, "reassignment_accepted");
    assert!(done.approval_voided);

    let (project, review, access_review, requested_at): (
        String,
        String,
        Option<time::OffsetDateTime>,
        Option<time::OffsetDateTime>,
    ) = sqlx::query_as(
        "SELECT p.slug, a.review_status, a.access_review_required_at, a.reassignment_requested_at
         FROM advisory a JOIN project p ON p.id = a.project_id WHERE a.advisory_id = $1",
    )
    .bind(&id)
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(project, "rt.jetty");
    assert_eq!(
        review, "none",
        "Q-26: a non-admin's move voids the approval"
    );
    assert!(
        access_review.is_some(),
        "the access-review banner is raised"
    );
    assert!(requested_at.is_none());
    let slug: String = w
        .scalar(
            "SELECT v.payload ->> 'project_slug' FROM advisory_version v
             JOIN advisory a ON a.id = v.advisory_id WHERE a.advisory_id = $1
             ORDER BY v.version DESC LIMIT 1",
            &id,
        )
        .await;
    assert_eq!(slug, "rt.jetty", "a version records the move");
    let moved = w.ledger(&id, "advisory.project_changed").await;
    assert_eq!(moved[0].1, Some(Value::from("ecd.theia")));
    assert_eq!(moved[0].2, Some(Value::from("rt.jetty")));
    assert_eq!(moved[0].3["cause"], "reassignment_accepted");
    assert_eq!(moved[0].3["in_triage"], false);
    assert_eq!(
        w.ledger(&id, "advisory.reassignment_request_cleared").await[0].3["cause"],
        "accepted"
    );
    assert_eq!(
        w.ledger(&id, "advisory.review_approval_invalidated")
            .await
            .len(),
        1
    );
    let created = w.jobs(&id, "notify.advisory_event").await;
    assert_eq!(created.last().unwrap()["event"], "advisory_created");
    assert_eq!(created.last().unwrap()["actor_id"], w.carol.user_id);
}

// P-36: an admin picks any project (cause `reassignment_resolved`) and
// keeps the approval; the same project is a field error.
#[tokio::test]
async fn an_admin_resolves_a_request_to_any_project() {
    let w = W::new().await;
    let id = w.advisory(w.theia).await;
    w.sql(
        "UPDATE advisory SET review_status = 'approved' WHERE advisory_id = $1",
        &id,
    )
    .await;
    let mut tx = w.pool().begin().await.unwrap();
    reassignment::request_admin_reassignment(
        &mut tx,
        w.ctx(&w.bob),
        &id,
        "Move it.",
        Some(w.jetty),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let mut tx = w.pool().begin().await.unwrap();
    let same =
        reassignment::resolve_admin_reassignment(&mut tx, w.ctx(&w.admin), &id, Some(w.theia))
            .await;
    assert!(matches!(same, Err(ServiceError::Invalid(_))), "{same:?}");
    drop(tx);
    let mut tx = w.pool().begin().await.unwrap();
    let done =
        reassignment::resolve_admin_reassignment(&mut tx, w.ctx(&w.admin), &id, Some(w.mature))
            .await
            .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(done.cause, "reassignment_resolved");
    assert!(!done.approval_voided);
    let review: String = w
        .scalar(
            "SELECT review_status FROM advisory WHERE advisory_id = $1",
            &id,
        )
        .await;
    assert_eq!(review, "approved");
    assert_eq!(
        w.ledger(&id, "advisory.project_changed").await[0].3["suggested_project_slug"],
        "rt.jetty"
    );
}

// §11: withdrawing clears with cause `withdrawn` and the note, internally.
#[tokio::test]
async fn inv_auth_9_withdrawing_a_request_clears_it() {
    let w = W::new().await;
    let id = w.advisory(w.theia).await;
    w.set(&id, Setup::DraftRequested, &w.bob).await;
    assert_eq!(
        w.act(&w.bob, Act::WithdrawReassignment, &id, "Sorted it out.")
            .await,
        Outcome::Done
    );
    let cleared = w.ledger(&id, "advisory.reassignment_request_cleared").await;
    assert_eq!(cleared[0].3["cause"], "withdrawn");
    assert_eq!(cleared[0].3["note"], "Sorted it out.");
    assert_eq!(
        w.comments(&id).await,
        [(Some(w.bob.user_id), "Sorted it out.".to_owned(), true)]
    );
    // A suggestion of the advisory's own project is refused.
    let mut tx = w.pool().begin().await.unwrap();
    let same =
        reassignment::request_admin_reassignment(&mut tx, w.ctx(&w.bob), &id, "x", Some(w.theia))
            .await;
    assert!(matches!(same, Err(ServiceError::Invalid(_))), "{same:?}");
}

// ---------------------------------------------------------------------------
// Notifications.

// §18: `advisory_triage_dismissed` reaches the active members of the
// project's team who want triage events, not the actor, not grantees,
// through the real worker, with inbox kind `triage`.
#[tokio::test]
async fn triage_events_reach_the_team_that_wants_them() {
    let w = W::new().await;
    let pool = w.pool();
    let quiet = user(pool, "quiet@example.org", &["theia-security"]).await;
    sqlx::query(
        "INSERT INTO notification_preference (user_id, on_triage_event) VALUES ($1, false)",
    )
    .bind(quiet)
    .execute(pool)
    .await
    .unwrap();
    let _teammate = user(pool, "tess@example.org", &["theia-security"]).await;
    let id = w.advisory(w.theia).await;
    w.set(&id, Setup::Triage, &w.bob).await;
    assert_eq!(
        w.act(&w.bob, Act::Dismiss, &id, "Spam.").await,
        Outcome::Done
    );
    common::worker::drain(&w.db, &[], Duration::from_secs(30)).await;
    let inbox: Vec<(String, String)> = sqlx::query_as(
        "SELECT u.email, n.kind FROM notification n JOIN app_user u ON u.id = n.recipient_id
         WHERE n.kind = 'triage' ORDER BY u.email",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    assert_eq!(
        inbox,
        [("tess@example.org".to_owned(), "triage".to_owned())]
    );
}

// ---------------------------------------------------------------------------
// Over HTTP.

struct Web {
    site: Site,
    bob: Browser,
    id: String,
}

impl Web {
    async fn new() -> Web {
        let site = Site::start(&[]).await;
        let world::BobsAdvisory { bob, id, .. } = world::bobs_advisory(&site).await;
        Web { site, bob, id }
    }

    fn url(&self, tail: &str) -> String {
        self.site.url(&format!("/advisories/{}/{tail}", self.id))
    }

    async fn post(&self, b: &Browser, tail: &str, form: &[(&str, &str)], htmx: bool) -> Page {
        let csrf = b.get(&self.url("")).await.csrf();
        let mut fields = vec![("csrf_token", csrf.as_str())];
        fields.extend_from_slice(form);
        let headers: &[(&str, &str)] = if htmx { &[("hx-request", "true")] } else { &[] };
        b.post(&self.url(tail), &fields, headers).await
    }

    async fn state(&self) -> String {
        sqlx::query_scalar("SELECT state FROM advisory WHERE advisory_id = $1")
            .bind(&self.id)
            .fetch_one(&self.site.db.pool)
            .await
            .unwrap()
    }

    async fn sql(&self, sql: &'static str) {
        sqlx::query(sql)
            .bind(&self.id)
            .execute(&self.site.db.pool)
            .await
            .unwrap();
    }
}

// 50-web-ui §6.3, §6.6, ruling 8: the owner sees "Dismiss…" and dismisses
// through a plain form (303 back with a flash); the page then shows the
// banner with the reason and "Reopen"; a collaborator sees neither and is
// refused with 403; an outsider gets 404.
#[tokio::test]
async fn dismiss_and_reopen_through_plain_forms() {
    let w = Web::new().await;
    let dave = world::sign_in(&w.site, "dave").await;
    let erin = world::sign_in(&w.site, "erin").await;
    world::grant(&w.site.db.pool, &w.id, "dave@example.org", "collaborator").await;

    let page = w.bob.get(&w.url("")).await;
    assert!(
        page.body.contains("id=\"workflow-dismiss-form\""),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("id=\"workflow-request-reassignment-form\"")
    );
    let theirs = dave.get(&w.url("")).await;
    assert_eq!(theirs.status, 200);
    assert!(!theirs.body.contains("workflow-dismiss-form"));
    assert_eq!(
        w.post(&dave, "dismiss/", &[("reason", "x")], false)
            .await
            .status,
        403
    );
    let csrf = erin.get(&w.site.url("/advisories/")).await.csrf();
    let outsider = erin
        .post(
            &w.url("dismiss/"),
            &[("csrf_token", &csrf), ("reason", "x")],
            &[],
        )
        .await;
    assert_eq!(outsider.status, 404);

    let done = w
        .post(
            &w.bob,
            "dismiss/",
            &[("reason", "A duplicate of ECL-1.")],
            false,
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(done.location().unwrap(), w.url(""));
    let page = w.bob.follow(done).await;
    assert!(page.body.contains("Advisory dismissed."));
    assert!(page.body.contains("id=\"workflow-dismissed\""));
    assert!(page.body.contains("A duplicate of ECL-1."));
    assert!(page.body.contains("id=\"workflow-reopen-form\""));
    // §19: the timeline tells it in words, the narrated twin hidden.
    assert!(page.body.contains("dismissed it"), "{}", page.body);
    assert!(!page.body.contains("changed the state"));
    assert_eq!(w.state().await, "dismissed");

    // The dismiss page without JavaScript, and its refusals.
    let again = w
        .post(&w.bob, "dismiss/", &[("reason", "Twice.")], false)
        .await;
    assert_eq!(again.status, 303);
    assert!(w.bob.follow(again).await.body.contains("already dismissed"));

    let reopened = w.post(&w.bob, "reopen/", &[], false).await;
    assert_eq!(reopened.status, 303);
    assert!(
        w.bob
            .follow(reopened)
            .await
            .body
            .contains("Advisory reopened.")
    );
    assert_eq!(w.state().await, "draft");
    assert!(
        w.bob
            .get(&w.url(""))
            .await
            .body
            .contains("changed the state from dismissed to draft")
    );
}

// Ruling 7 and 8: a blank reason re-renders the form with 422 (the page
// without JavaScript, a fragment for htmx); a refusal of state is a flash
// and 303, or 409 for htmx; htmx success asks for a refresh.
#[tokio::test]
async fn refusals_answer_422_409_or_a_flash() {
    let w = Web::new().await;
    let form = w.bob.get(&w.url("dismiss/")).await;
    assert_eq!(form.status, 200);
    assert!(form.body.contains("name=\"reason\""));

    let blank = w.post(&w.bob, "dismiss/", &[("reason", "  ")], false).await;
    assert_eq!(blank.status, 422, "{}", blank.body);
    assert!(
        blank
            .body
            .contains("A reason is required to dismiss an advisory.")
    );
    assert!(blank.body.contains("id=\"workflow-dismiss-form\""));
    let blank = w.post(&w.bob, "dismiss/", &[("reason", "")], true).await;
    assert_eq!(blank.status, 422);
    assert!(blank.body.contains("A reason is required"));
    assert_eq!(w.state().await, "draft");

    let state = w.post(&w.bob, "reopen/", &[], true).await;
    assert_eq!(state.status, 409, "{}", state.body);
    assert!(state.body.contains("This advisory is not dismissed."));
    let state = w.post(&w.bob, "reopen/", &[], false).await;
    assert_eq!(state.status, 303);
    assert!(
        w.bob
            .follow(state)
            .await
            .body
            .contains("This advisory is not dismissed.")
    );

    let done = w
        .post(&w.bob, "dismiss/", &[("reason", "Spam.")], true)
        .await;
    assert_eq!(done.status, 204);
    assert_eq!(done.headers.get("hx-refresh").unwrap(), "true");
    assert_eq!(w.state().await, "dismissed");
}

// §10.2 over HTTP, and the banner: a non-mature team requests a
// withdrawal, the banner shows it with "Cancel request" for the team and
// "Approve withdrawal" for an admin.
#[tokio::test]
async fn a_withdrawal_request_shows_in_the_banner() {
    let w = Web::new().await;
    let alice = world::sign_in(&w.site, "alice").await;
    w.sql("UPDATE advisory SET state = 'published', published_at = now() WHERE advisory_id = $1")
        .await;
    let page = w.bob.get(&w.url("")).await;
    assert!(
        page.body
            .contains("id=\"workflow-request-withdrawal-form\"")
    );
    assert!(
        !page.body.contains("id=\"workflow-withdraw-form\""),
        "non-mature teams request"
    );
    let blank = w
        .post(&w.bob, "request-withdrawal/", &[("note", "")], false)
        .await;
    assert_eq!(blank.status, 422);
    assert!(blank.body.contains("A withdrawal note is required."));
    let done = w
        .post(
            &w.bob,
            "request-withdrawal/",
            &[("note", "Not a vulnerability.")],
            false,
        )
        .await;
    assert_eq!(done.status, 303);
    let page = w.bob.follow(done).await;
    assert!(page.body.contains("id=\"workflow-withdrawal-request\""));
    assert!(page.body.contains("Not a vulnerability."));
    assert!(
        page.body
            .contains("id=\"workflow-cancel-withdrawal-request-form\"")
    );
    assert!(
        !page
            .body
            .contains("id=\"workflow-approve-withdrawal-form\"")
    );
    let admin_page = alice.get(&w.url("")).await;
    assert!(
        admin_page
            .body
            .contains("id=\"workflow-approve-withdrawal-form\"")
    );
}

// 30-permissions §8, Q-14, 50-web-ui §2.9: withdrawing, approving a
// withdrawal and un-withdrawing need a fresh step-up; the browser is sent
// to re-authenticate and comes back to the advisory page (a GET), where
// repeating the action works. Nobody without the right is sent there.
#[tokio::test]
async fn withdraw_approve_and_unwithdraw_need_a_fresh_step_up() {
    let w = Web::new().await;
    let alice = world::sign_in(&w.site, "alice").await;
    w.sql("UPDATE advisory SET state = 'published', published_at = now() WHERE advisory_id = $1")
        .await;
    let step_up = w.site.url("/oidc/step-up/");

    // bob (non-mature team) is refused outright, not sent to re-authenticate.
    let refused = w.post(&w.bob, "withdraw/", &[("reason", "x")], false).await;
    assert_eq!(refused.status, 403);

    let sent = w
        .post(&alice, "withdraw/", &[("reason", "Bogus.")], false)
        .await;
    assert_eq!(sent.status, 303);
    assert_eq!(sent.location().unwrap(), step_up);
    w.sql("UPDATE advisory SET withdrawal_requested_at = now(), withdrawal_request_note = 'n' WHERE advisory_id = $1")
        .await;
    let sent = w.post(&alice, "approve-withdrawal/", &[], false).await;
    assert_eq!(sent.location().unwrap(), step_up);
    let htmx = w.post(&alice, "approve-withdrawal/", &[], true).await;
    assert_eq!(htmx.headers.get("hx-redirect").unwrap(), "/oidc/step-up/");
    let tasks: i64 = sqlx::query_scalar("SELECT count(*) FROM publication_task")
        .fetch_one(&w.site.db.pool)
        .await
        .unwrap();
    assert_eq!(tasks, 0, "nothing happened");

    let prompt = alice.open(&step_up).await;
    assert!(prompt.body.contains("id=\"login-form\""));
    let back = alice
        .log_in_at_provider(prompt, "alice@example.org", "demo")
        .await;
    assert_eq!(back.url, w.url(""), "back on the advisory page");
    assert_eq!(back.status, 200);

    let done = w
        .post(&alice, "withdraw/", &[("reason", "Bogus.")], false)
        .await;
    assert_eq!(done.status, 303);
    assert_eq!(done.location().unwrap(), w.url(""));
    let page = alice.follow(done).await;
    assert!(page.body.contains("Withdrawal started"));
    assert!(page.body.contains("id=\"workflow-withdrawal-in-progress\""));

    // The run "succeeded": the advisory is withdrawn; reopening it needs a
    // fresh step-up too, which alice has.
    w.sql(
        "UPDATE publication_task SET status = 'succeeded', finished_at = now()
         WHERE advisory_id = (SELECT id FROM advisory WHERE advisory_id = $1)",
    )
    .await;
    w.sql(
        "UPDATE advisory SET state = 'dismissed', dismissed_from_state = 'published',
                dismissed_reason = withdrawn_reason WHERE advisory_id = $1",
    )
    .await;
    let reopened = w.post(&alice, "reopen/", &[], false).await;
    assert_eq!(reopened.status, 303);
    assert_eq!(reopened.location().unwrap(), w.url(""));
    assert!(
        alice
            .follow(reopened)
            .await
            .body
            .contains("being published again")
    );

    // Without a fresh step-up, un-withdrawing sends to re-authenticate.
    let carol = world::sign_in(&w.site, "carol").await;
    let mut conn = w.site.db.pool.acquire().await.unwrap();
    projects::upsert(
        &mut conn,
        "rt.jetty",
        "Eclipse Jetty",
        "jetty-security",
        true,
    )
    .await
    .unwrap();
    drop(conn);
    let jetty: Uuid = sqlx::query_scalar("SELECT id FROM project WHERE slug = 'rt.jetty'")
        .fetch_one(&w.site.db.pool)
        .await
        .unwrap();
    let theirs = create_advisory(
        &w.site.db.pool,
        &w.site.actor("carol@example.org").await,
        jetty,
        summary("Withdrawn"),
    )
    .await;
    sqlx::query(
        "UPDATE advisory SET state = 'dismissed', dismissed_from_state = 'published', published_at = now(),
                dismissed_reason = 'w', withdrawn_reason = 'w' WHERE advisory_id = $1",
    )
    .bind(&theirs)
    .execute(&w.site.db.pool)
    .await
    .unwrap();
    let url = w.site.url(&format!("/advisories/{theirs}/"));
    let csrf = carol.get(&url).await.csrf();
    let sent = carol
        .post(
            &format!("{url}reopen/"),
            &[("csrf_token", csrf.as_str())],
            &[],
        )
        .await;
    assert_eq!(sent.location().unwrap(), step_up);
}

// INV-AUTH-9 over HTTP: the request form (also at its modal address), the
// banner with the admin's picker pre-selected to the suggestion, an unknown
// project refused, and the one-click accept.
#[tokio::test]
async fn reassignment_through_the_banner() {
    let w = Web::new().await;
    let alice = world::sign_in(&w.site, "alice").await;
    let dave = world::sign_in(&w.site, "dave").await;
    world::grant(&w.site.db.pool, &w.id, "dave@example.org", "collaborator").await;

    let modal = w.bob.get(&w.url("request-reassignment/modal/")).await;
    assert_eq!(modal.status, 200);
    assert!(modal.body.contains("value=\"rt.jetty\""));
    assert!(
        !modal.body.contains("value=\"ecd.theia\""),
        "not the current project"
    );
    assert!(!modal.body.contains("value=\"unsorted\""));
    let fragment = w
        .bob
        .get_with(
            &w.url("request-reassignment/modal/"),
            &[("hx-request", "true")],
        )
        .await;
    assert!(!fragment.body.contains("<html"), "htmx gets the form alone");
    assert_eq!(
        dave.get(&w.url("request-reassignment/modal/")).await.status,
        403
    );

    let done = w
        .post(
            &w.bob,
            "request-reassignment/",
            &[
                ("note", "This is Jetty's."),
                ("suggested_project_slug", "rt.jetty"),
            ],
            false,
        )
        .await;
    assert_eq!(done.status, 303);
    let page = w.bob.follow(done).await;
    assert!(page.body.contains("id=\"workflow-reassignment-request\""));
    assert!(page.body.contains("Suggested project: Eclipse Jetty"));
    assert!(
        page.body
            .contains("id=\"workflow-withdraw-reassignment-form\"")
    );
    assert!(!page.body.contains("id=\"workflow-pick-reassignment-form\""));

    let admin_page = alice.get(&w.url("")).await;
    assert!(
        admin_page
            .body
            .contains("<option value=\"rt.jetty\" selected>Eclipse Jetty</option>"),
        "the picker starts on the suggestion"
    );
    let unknown = w
        .post(
            &alice,
            "accept-reassignment/",
            &[("project_slug", "no.such")],
            true,
        )
        .await;
    assert_eq!(unknown.status, 422);
    assert!(unknown.body.contains("Choose a project"));
    let done = w
        .post(
            &alice,
            "accept-reassignment/",
            &[("project_slug", "")],
            false,
        )
        .await;
    assert_eq!(done.status, 303);
    assert!(
        alice
            .follow(done)
            .await
            .body
            .contains("Advisory reassigned to Eclipse Jetty.")
    );
    let project: String = sqlx::query_scalar(
        "SELECT p.slug FROM advisory a JOIN project p ON p.id = a.project_id WHERE a.advisory_id = $1",
    )
    .bind(&w.id)
    .fetch_one(&w.site.db.pool)
    .await
    .unwrap();
    assert_eq!(project, "rt.jetty");
}

// §20, INV-RATELIMIT-1: requesting a reassignment is limited to 20 an hour
// per user, counted before the handler runs (so refusals count too).
#[tokio::test]
async fn reassignment_requests_are_rate_limited() {
    let site = Site::start(&[("RATELIMIT_ENABLE", "true")]).await;
    let world::BobsAdvisory { bob, id, .. } = world::bobs_advisory(&site).await;
    let url = site.url(&format!("/advisories/{id}/request-reassignment/"));
    let csrf = bob
        .get(&site.url(&format!("/advisories/{id}/")))
        .await
        .csrf();
    for n in 0..20 {
        let page = bob
            .post(
                &url,
                &[("csrf_token", csrf.as_str()), ("note", "Move it.")],
                &[],
            )
            .await;
        assert_eq!(page.status, 303, "request {n}");
    }
    let limited = bob
        .post(
            &url,
            &[("csrf_token", csrf.as_str()), ("note", "Move it.")],
            &[],
        )
        .await;
    assert_eq!(limited.status, 429);
    assert!(limited.headers.get("retry-after").is_some());
}

// §5 step 8: moving a draft to another project in the edit form settles a
// pending reassignment request with cause `accepted`.
#[tokio::test]
async fn inv_auth_9_an_edit_form_project_change_accepts_a_pending_request() {
    let w = W::new().await;
    let id = w.advisory(w.theia).await;
    w.set(&id, Setup::DraftRequested, &w.bob).await;
    let mut tx = w.pool().begin().await.unwrap();
    advisoryhub::advisories::service::edit(
        &mut tx,
        w.ctx(&w.admin),
        &id,
        &advisoryhub::advisories::service::Edit {
            project_id: Some(w.jetty),
            content: common::world::summary("Moved by the admin"),
            base_version: 1,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let pending: bool = w
        .scalar(
            "SELECT reassignment_requested_at IS NOT NULL FROM advisory WHERE advisory_id = $1",
            &id,
        )
        .await;
    assert!(!pending);
    let cleared = w.ledger(&id, "advisory.reassignment_request_cleared").await;
    assert_eq!(cleared.len(), 1);
    assert_eq!(cleared[0].3["cause"], "accepted");
}

// ---------------------------------------------------------------------------
// Review of issue #7: the fixes, each with the case that showed the defect.

/// The id of the `unsorted` routing project.
async fn unsorted(pool: &PgPool) -> Uuid {
    let mut conn = pool.acquire().await.unwrap();
    projects::ensure_unsorted(&mut conn, ADMIN_GROUP)
        .await
        .unwrap();
    sqlx::query_scalar("SELECT id FROM project WHERE slug = 'unsorted'")
        .fetch_one(&mut *conn)
        .await
        .unwrap()
}

fn needs_step_up<T>(r: &Result<T, ServiceError>) -> bool {
    matches!(r, Err(ServiceError::Forbidden(m)) if m == "lifecycle-error-step-up-required")
}

fn is_unknown_project<T: std::fmt::Debug>(r: &Result<T, ServiceError>) -> bool {
    matches!(r, Err(ServiceError::Invalid(errors))
        if errors.iter().any(|e| e.message == "lifecycle-error-unknown-project"))
}

// 10 §9.4, INV-PROJECT-2: `unsorted` only routes triage reports. A draft's
// owner cannot suggest it, and an admin cannot resolve a request into it
// (the picker does not offer it; the service refuses it as no project).
#[tokio::test]
async fn inv_project_2_no_draft_is_reassigned_to_unsorted() {
    let w = W::new().await;
    let unsorted = unsorted(w.pool()).await;
    let id = w.advisory(w.theia).await;

    let mut tx = w.pool().begin().await.unwrap();
    let suggested = reassignment::request_admin_reassignment(
        &mut tx,
        w.ctx(&w.bob),
        &id,
        "Nobody's.",
        Some(unsorted),
    )
    .await;
    assert!(is_unknown_project(&suggested), "{suggested:?}");
    drop(tx);
    let pending: bool = w
        .scalar(
            "SELECT reassignment_requested_at IS NOT NULL FROM advisory WHERE advisory_id = $1",
            &id,
        )
        .await;
    assert!(!pending, "the refusal changed nothing");

    w.set(&id, Setup::DraftRequested, &w.bob).await;
    let mut tx = w.pool().begin().await.unwrap();
    let resolved =
        reassignment::resolve_admin_reassignment(&mut tx, w.ctx(&w.admin), &id, Some(unsorted))
            .await;
    assert!(is_unknown_project(&resolved), "{resolved:?}");
    drop(tx);
    let slug: String = w
        .scalar(
            "SELECT p.slug FROM advisory a JOIN project p ON p.id = a.project_id
             WHERE a.advisory_id = $1",
            &id,
        )
        .await;
    assert_eq!(slug, "ecd.theia");

    // A suggestion of `unsorted` stored before it was refused is refused
    // when accepted as well.
    w.sql(
        "UPDATE advisory SET reassignment_suggested_project_id =
                (SELECT id FROM project WHERE slug = 'unsorted') WHERE advisory_id = $1",
        &id,
    )
    .await;
    let mut tx = w.pool().begin().await.unwrap();
    let accepted =
        reassignment::resolve_admin_reassignment(&mut tx, w.ctx(&w.admin), &id, None).await;
    assert!(is_unknown_project(&accepted), "{accepted:?}");
    drop(tx);
}

// Q-14, §2.1 step 3: the service decides the step-up on the locked row. An
// un-withdraw, a withdrawal and an approval without a fresh step-up are
// refused and change nothing; the predicate is still checked first, and a
// reopen that is no un-withdraw needs none.
#[tokio::test]
async fn unwithdraw_withdraw_and_approval_without_a_step_up_are_refused() {
    let w = W::new().await;
    let tasks = "SELECT count(*) FROM publication_task t JOIN advisory a ON a.id = t.advisory_id
                 WHERE a.advisory_id = $1";
    let versions = "SELECT count(*) FROM advisory_version v JOIN advisory a ON a.id = v.advisory_id
                    WHERE a.advisory_id = $1";

    let id = w.advisory(w.mature).await;
    w.set(&id, Setup::Withdrawn, &w.mia).await;
    let before = w.count(versions, &id).await;
    let mut tx = w.pool().begin().await.unwrap();
    let refused = dismissal::reopen_advisory(&mut tx, w.ctx(&w.mia), &id, false).await;
    assert!(needs_step_up(&refused), "{refused:?}");
    drop(tx);
    let (state, from, _) = w.state(&id).await;
    assert_eq!((state.as_str(), from.as_str()), ("dismissed", "published"));
    let reason: String = w
        .scalar(
            "SELECT withdrawn_reason FROM advisory WHERE advisory_id = $1",
            &id,
        )
        .await;
    assert_eq!(reason, "Not a vulnerability.");
    assert_eq!(w.count(tasks, &id).await, 0);
    assert_eq!(w.count(versions, &id).await, before);
    assert!(w.ledger(&id, "advisory.reopened").await.is_empty());
    // A viewer is refused for what they are, not sent to re-authenticate.
    let mut tx = w.pool().begin().await.unwrap();
    let viewer = dismissal::reopen_advisory(&mut tx, w.ctx(&w.erin), &id, false).await;
    assert!(
        matches!(&viewer, Err(ServiceError::Forbidden(m)) if m == "lifecycle-error-reopen-forbidden"),
        "{viewer:?}"
    );
    drop(tx);

    // Reopening a dismissed draft is no un-withdraw: no step-up.
    let draft = w.advisory(w.theia).await;
    w.set(&draft, Setup::Dismissed, &w.bob).await;
    let mut tx = w.pool().begin().await.unwrap();
    let restored = dismissal::reopen_advisory(&mut tx, w.ctx(&w.bob), &draft, false).await;
    assert!(
        matches!(restored, Ok(Reopened::Restored { .. })),
        "{restored:?}"
    );
    drop(tx);

    // Withdrawing: the predicate, then the step-up, then the reason.
    let published = w.advisory(w.mature).await;
    w.set(&published, Setup::Published, &w.mia).await;
    for reason in ["Bogus.", ""] {
        let mut tx = w.pool().begin().await.unwrap();
        let refused =
            withdrawal::withdraw_advisory(&mut tx, w.ctx(&w.mia), &published, reason, false).await;
        assert!(needs_step_up(&refused), "{reason:?}: {refused:?}");
        drop(tx);
    }
    let mut tx = w.pool().begin().await.unwrap();
    let team = withdrawal::withdraw_advisory(&mut tx, w.ctx(&w.dave), &published, "x", false).await;
    assert!(
        matches!(&team, Err(ServiceError::Forbidden(m)) if m == "lifecycle-error-withdraw-forbidden"),
        "{team:?}"
    );
    drop(tx);
    let withdrawn: String = w
        .scalar(
            "SELECT withdrawn_reason FROM advisory WHERE advisory_id = $1",
            &published,
        )
        .await;
    assert_eq!(withdrawn, "");
    assert_eq!(w.count(tasks, &published).await, 0);

    // Approving a request.
    let requested = w.advisory(w.theia).await;
    w.set(&requested, Setup::PublishedRequested, &w.bob).await;
    let mut tx = w.pool().begin().await.unwrap();
    let refused = withdrawal::approve_withdrawal(&mut tx, w.ctx(&w.admin), &requested, false).await;
    assert!(needs_step_up(&refused), "{refused:?}");
    drop(tx);
    let pending: bool = w
        .scalar(
            "SELECT withdrawal_requested_at IS NOT NULL FROM advisory WHERE advisory_id = $1",
            &requested,
        )
        .await;
    assert!(pending);
    assert_eq!(w.count(tasks, &requested).await, 0);
}

// 20 §2.3: the notes of withdrawal and reassignment requests are internal
// (collaborator+). The banners tell a viewer that a request is pending, not
// what it says; a collaborator reads the note.
#[tokio::test]
async fn request_notes_are_shown_to_collaborators_not_viewers() {
    let w = Web::new().await;
    let dave = world::sign_in(&w.site, "dave").await;
    let erin = world::sign_in(&w.site, "erin").await;
    world::grant(&w.site.db.pool, &w.id, "dave@example.org", "collaborator").await;
    world::grant(&w.site.db.pool, &w.id, "erin@example.org", "viewer").await;

    let done = w
        .post(
            &w.bob,
            "request-reassignment/",
            &[("note", "Routing secret: see the embargo list.")],
            false,
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    let viewer = erin.get(&w.url("")).await;
    assert_eq!(viewer.status, 200);
    assert!(
        viewer.body.contains("id=\"workflow-reassignment-request\""),
        "the viewer sees that a request is pending"
    );
    assert!(!viewer.body.contains("Routing secret"), "{}", viewer.body);
    let collaborator = dave.get(&w.url("")).await;
    assert!(
        collaborator
            .body
            .contains("id=\"workflow-reassignment-request\"")
    );
    assert!(collaborator.body.contains("Routing secret"));

    w.sql(
        "UPDATE advisory SET reassignment_requested_at = NULL, reassignment_requested_by = NULL,
                reassignment_request_note = '', state = 'published', published_at = now()
         WHERE advisory_id = $1",
    )
    .await;
    let done = w
        .post(
            &w.bob,
            "request-withdrawal/",
            &[("note", "Withdrawal secret: the reporter retracted.")],
            false,
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    let viewer = erin.get(&w.url("")).await;
    assert!(viewer.body.contains("id=\"workflow-withdrawal-request\""));
    assert!(
        !viewer.body.contains("Withdrawal secret"),
        "{}",
        viewer.body
    );
    let collaborator = dave.get(&w.url("")).await;
    assert!(
        collaborator
            .body
            .contains("id=\"workflow-withdrawal-request\"")
    );
    assert!(collaborator.body.contains("Withdrawal secret"));
}

// A NUL in a project slug, which PostgreSQL refuses in text, is an unknown
// project, answered before any query: no 500. The request suggests nothing
// (as for any unknown slug), the admin's pick asks for a project, and a
// caller who cannot see the advisory still gets 404.
#[tokio::test]
async fn a_nul_in_a_project_slug_is_an_unknown_project() {
    let w = Web::new().await;
    let alice = world::sign_in(&w.site, "alice").await;
    let erin = world::sign_in(&w.site, "erin").await;

    let done = w
        .post(
            &w.bob,
            "request-reassignment/",
            &[("note", "Move it."), ("suggested_project_slug", "\0")],
            false,
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    let suggested: Option<Uuid> = sqlx::query_scalar(
        "SELECT reassignment_suggested_project_id FROM advisory WHERE advisory_id = $1",
    )
    .bind(&w.id)
    .fetch_one(&w.site.db.pool)
    .await
    .unwrap();
    assert_eq!(suggested, None);

    for htmx in [true, false] {
        let picked = w
            .post(
                &alice,
                "accept-reassignment/",
                &[("project_slug", "\0")],
                htmx,
            )
            .await;
        if htmx {
            assert_eq!(picked.status, 422, "{}", picked.body);
            assert!(picked.body.contains("Choose a project"));
        } else {
            assert_eq!(picked.status, 303, "{}", picked.body);
        }
    }
    let long = "a".repeat(101);
    let picked = w
        .post(
            &alice,
            "accept-reassignment/",
            &[("project_slug", &long)],
            true,
        )
        .await;
    assert_eq!(picked.status, 422);

    let csrf = erin.get(&w.site.url("/advisories/")).await.csrf();
    for (tail, field) in [
        ("request-reassignment/", "suggested_project_slug"),
        ("accept-reassignment/", "project_slug"),
    ] {
        let outsider = erin
            .post(
                &w.url(tail),
                &[("csrf_token", &csrf), ("note", "x"), (field, "\0")],
                &[],
            )
            .await;
        assert_eq!(outsider.status, 404, "{tail}");
    }
}

// INV-PROJECT-2 over HTTP: the admin's picker does not offer `unsorted`,
// and naming it is refused as an unknown project.
#[tokio::test]
async fn the_admin_picker_does_not_offer_unsorted() {
    let w = Web::new().await;
    unsorted(&w.site.db.pool).await;
    let alice = world::sign_in(&w.site, "alice").await;
    let done = w
        .post(
            &w.bob,
            "request-reassignment/",
            &[("note", "Move it."), ("suggested_project_slug", "unsorted")],
            false,
        )
        .await;
    assert_eq!(done.status, 303);
    let page = alice.get(&w.url("")).await;
    assert!(page.body.contains("id=\"workflow-pick-reassignment-form\""));
    assert!(page.body.contains("value=\"rt.jetty\""));
    assert!(!page.body.contains("value=\"unsorted\""), "{}", page.body);
    let refused = w
        .post(
            &alice,
            "accept-reassignment/",
            &[("project_slug", "unsorted")],
            true,
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(refused.body.contains("This project does not exist."));
    let slug: String = sqlx::query_scalar(
        "SELECT p.slug FROM advisory a JOIN project p ON p.id = a.project_id WHERE a.advisory_id = $1",
    )
    .bind(&w.id)
    .fetch_one(&w.site.db.pool)
    .await
    .unwrap();
    assert_eq!(slug, "ecd.theia");
}

// 50-web-ui §6.3, INV-PROJECT-2: the owner's "Request reassignment" picker
// offers every other project but `unsorted`; a collaborator gets no form.
#[tokio::test]
async fn the_reassignment_request_picker_offers_other_projects_to_owners_only() {
    let w = Web::new().await;
    unsorted(&w.site.db.pool).await;
    let dave = world::sign_in(&w.site, "dave").await;
    world::grant(&w.site.db.pool, &w.id, "dave@example.org", "collaborator").await;
    let page = w.bob.get(&w.url("")).await;
    let start = page
        .body
        .find("id=\"workflow-request-reassignment-form\"")
        .expect("the owner's request form");
    let form = &page.body[start..];
    let form = &form[..form.find("</form>").expect("the form ends")];
    assert!(form.contains("value=\"rt.jetty\""), "{form}");
    assert!(
        !form.contains("value=\"ecd.theia\""),
        "not its own project: {form}"
    );
    assert!(!form.contains("value=\"unsorted\""), "{form}");
    let theirs = dave.get(&w.url("")).await;
    assert_eq!(theirs.status, 200);
    assert!(!theirs.body.contains("workflow-request-reassignment-form"));
}
