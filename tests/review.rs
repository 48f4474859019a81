//! The review sub-machine (20-lifecycle §7) on a real database: every
//! transition from every review status for every role (admin, the project's
//! security team, another project's team, a collaborator by direct grant, a
//! collaborator by group grant, a viewer), allowed or refused, with its
//! effects (tasks, status, audit rows, action notes, jobs) and refusals that
//! change nothing; the teardown dismissals call; INV-REVIEW-1..4; two
//! submissions racing from two connections; and over real HTTP (signed in
//! through the identity provider): the forms without JavaScript, the card
//! each role sees, who reads which action note, the refusal answers (303
//! with a flash, 409 for htmx, 403, 404, 400), and the withdrawn-review
//! notification reaching the admins' inbox through the real worker.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::too_many_lines,
    reason = "tests fail loudly on purpose, and walk whole scenarios"
)]

mod common;

use std::time::Duration;

use advisoryhub::access::permissions::Actor;
use advisoryhub::advisories::service::{self as advisories, Ctx, Edit, ServiceError};
use advisoryhub::audit::redact::Redactor;
use advisoryhub::db::{self, Principal, Tx};
use advisoryhub::review::service::{self as review, refusal};
use common::TestDb;
use common::mail::MailCatcher;
use common::site::{Browser, Page, Site};
use common::world::{self, actor, create_advisory, grant, projects, sign_in, summary, user};
use serde_json::Value;

// ---------------------------------------------------------------------------
// Service level.

/// Who acts, by how they stand on the advisory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Who {
    Admin,
    /// On the project's security team: an owner.
    Team,
    /// On another project's team: no role at all.
    Outsider,
    /// A direct collaborator grant.
    Collaborator,
    /// A collaborator grant to a group they belong to: grants top out at
    /// collaborator, never owner (INV-AUTH-3).
    GroupCollaborator,
    Viewer,
}

const EVERYONE: [Who; 6] = [
    Who::Admin,
    Who::Team,
    Who::Outsider,
    Who::Collaborator,
    Who::GroupCollaborator,
    Who::Viewer,
];

const STATUSES: [&str; 4] = ["none", "submitted", "changes_requested", "approved"];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Transition {
    Submit,
    Approve,
    RequestChanges,
    Withdraw,
    Reopen,
    Revoke,
}

const TRANSITIONS: [Transition; 6] = [
    Transition::Submit,
    Transition::Approve,
    Transition::RequestChanges,
    Transition::Withdraw,
    Transition::Reopen,
    Transition::Revoke,
];

/// What a transition answers.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Answer {
    Done,
    NotFound,
    Forbidden(&'static str),
    WrongState(&'static str),
}

impl Answer {
    fn of(result: Result<(), ServiceError>) -> Answer {
        match result {
            Ok(()) => Answer::Done,
            Err(ServiceError::NotFound) => Answer::NotFound,
            Err(ServiceError::Forbidden(key)) => Answer::Forbidden(leak(key)),
            Err(ServiceError::InvalidState(key)) => Answer::WrongState(leak(key)),
            Err(other) => panic!("unexpected error {other:?}"),
        }
    }
}

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

/// The expected answer, written from 20-lifecycle §7 and 30-permissions
/// P-11..P-15 (not from the predicates' code), for a native draft.
#[expect(clippy::match_same_arms, reason = "one arm per rule of the spec")]
fn expected(t: Transition, who: Who, status: &str) -> Answer {
    use Answer::{Done, Forbidden, NotFound, WrongState};
    if who == Who::Outsider {
        return NotFound;
    }
    let admin = who == Who::Admin;
    let team = who == Who::Team;
    match t {
        Transition::Submit if admin => Forbidden(refusal::ADMIN_SUBMIT),
        Transition::Submit if !team => Forbidden(refusal::NOT_OWNER),
        Transition::Submit if status == "submitted" => WrongState(refusal::ALREADY_SUBMITTED),
        Transition::Submit => Done,
        Transition::Approve | Transition::RequestChanges if !admin => {
            Forbidden(refusal::NOT_REVIEWER)
        }
        Transition::Approve | Transition::RequestChanges if status != "submitted" => {
            WrongState(refusal::ALREADY_DECIDED)
        }
        Transition::Approve | Transition::RequestChanges => Done,
        Transition::Withdraw if admin => Forbidden(refusal::ADMIN_WITHDRAW),
        Transition::Withdraw if !team => Forbidden(refusal::NOT_OWNER),
        Transition::Withdraw if status != "submitted" => WrongState(refusal::NOT_SUBMITTED),
        Transition::Withdraw => Done,
        Transition::Reopen if !admin && !team => Forbidden(refusal::NOT_TEAM),
        Transition::Reopen if status != "changes_requested" => {
            WrongState(refusal::NOT_CHANGES_REQUESTED)
        }
        Transition::Reopen => Done,
        Transition::Revoke if !admin => Forbidden(refusal::NOT_REVIEWER),
        Transition::Revoke if status != "approved" => WrongState(refusal::NOT_APPROVED),
        Transition::Revoke => Done,
    }
}

/// The review status after a transition that was done.
fn status_after(t: Transition) -> &'static str {
    match t {
        Transition::Submit => "submitted",
        Transition::Approve => "approved",
        Transition::RequestChanges => "changes_requested",
        Transition::Withdraw | Transition::Reopen | Transition::Revoke => "none",
    }
}

/// Theia and Jetty, one user per [`Who`], and a draft of Theia's.
struct World {
    db: TestDb,
    redactor: Redactor,
    theia: uuid::Uuid,
    admin: Actor,
    team: Actor,
    outsider: Actor,
    collaborator: Actor,
    group_collaborator: Actor,
    viewer: Actor,
}

impl World {
    async fn new() -> World {
        let db = TestDb::new().await;
        let pool = &db.pool;
        let theia = projects(pool).await.theia;
        let admin = user(pool, "alice@example.org", &[world::ADMIN_GROUP]).await;
        let team = user(pool, "bob@example.org", &["theia-security"]).await;
        let outsider = user(pool, "carol@example.org", &["jetty-security"]).await;
        let group_collaborator = user(pool, "dave@example.org", &["eclipse-committers"]).await;
        let viewer = user(pool, "erin@example.org", &[]).await;
        let collaborator = user(pool, "frank@example.org", &[]).await;
        World {
            redactor: Redactor::default(),
            theia,
            admin: actor(pool, admin).await,
            team: actor(pool, team).await,
            outsider: actor(pool, outsider).await,
            collaborator: actor(pool, collaborator).await,
            group_collaborator: actor(pool, group_collaborator).await,
            viewer: actor(pool, viewer).await,
            db,
        }
    }

    fn actor(&self, who: Who) -> &Actor {
        match who {
            Who::Admin => &self.admin,
            Who::Team => &self.team,
            Who::Outsider => &self.outsider,
            Who::Collaborator => &self.collaborator,
            Who::GroupCollaborator => &self.group_collaborator,
            Who::Viewer => &self.viewer,
        }
    }

    fn ctx<'a>(&'a self, actor: &'a Actor) -> Ctx<'a> {
        Ctx {
            actor,
            origin: None,
            redactor: &self.redactor,
        }
    }

    /// A draft of Theia's created by the team member, with the grants of
    /// [`Who`].
    async fn draft(&self, text: &str) -> String {
        let id = create_advisory(&self.db.pool, &self.team, self.theia, summary(text)).await;
        grant(&self.db.pool, &id, "frank@example.org", "collaborator").await;
        grant(&self.db.pool, &id, "erin@example.org", "viewer").await;
        sqlx::query(
            "INSERT INTO access_grant (advisory_id, principal_type, principal_id, permission)
             SELECT a.id, 'group', g.id, 'collaborator' FROM advisory a, oidc_group g
             WHERE a.advisory_id = $1 AND g.name = 'eclipse-committers'",
        )
        .bind(&id)
        .execute(&self.db.pool)
        .await
        .unwrap();
        id
    }

    /// A transaction as `actor` (row-level security applies).
    async fn tx(&self, actor: &Actor) -> Tx<'static> {
        db::begin_as(
            &self.db.pool,
            Principal::User {
                id: actor.user_id,
                is_admin: actor.is_admin,
            },
        )
        .await
        .unwrap()
    }

    /// Runs `t` as `actor` in `tx`.
    async fn run(
        &self,
        tx: &mut Tx<'static>,
        actor: &Actor,
        t: Transition,
        id: &str,
        note: &str,
    ) -> Result<(), ServiceError> {
        let ctx = self.ctx(actor);
        match t {
            Transition::Submit => review::submit_for_review(tx, ctx, id).await.map(|_| ()),
            Transition::Approve => review::approve_review(tx, ctx, id, note).await,
            Transition::RequestChanges => review::request_changes(tx, ctx, id, note).await,
            Transition::Withdraw => review::withdraw_review(tx, ctx, id).await,
            Transition::Reopen => review::reopen_review(tx, ctx, id).await,
            Transition::Revoke => review::revoke_approval(tx, ctx, id, note).await,
        }
    }

    /// Runs `t` as `actor` and commits when it was done.
    async fn commit(&self, actor: &Actor, t: Transition, id: &str, note: &str) -> Answer {
        let mut tx = self.tx(actor).await;
        let result = self.run(&mut tx, actor, t, id, note).await;
        if result.is_ok() {
            tx.commit().await.unwrap();
        }
        Answer::of(result)
    }

    /// Brings advisory `id` to review `status` through the services.
    async fn reach(&self, id: &str, status: &str) {
        let steps: &[(Who, Transition)] = match status {
            "none" => &[],
            "submitted" => &[(Who::Team, Transition::Submit)],
            "changes_requested" => &[
                (Who::Team, Transition::Submit),
                (Who::Admin, Transition::RequestChanges),
            ],
            "approved" => &[
                (Who::Team, Transition::Submit),
                (Who::Admin, Transition::Approve),
            ],
            other => panic!("no way to {other}"),
        };
        for (who, t) in steps {
            let answer = self.commit(self.actor(*who), *t, id, "").await;
            assert_eq!(answer, Answer::Done, "{who:?} {t:?} on the way to {status}");
        }
    }
}

/// A task: id, status, version number, reviewer, notes, decided.
type TaskRow = (i64, String, i32, Option<i64>, String, bool);
/// An audit row: action, actor, previous, new, metadata.
type AuditRow = (String, Option<i64>, Option<Value>, Option<Value>, Value);

/// What the database holds about one advisory's review.
#[derive(Clone, Debug, PartialEq)]
struct Snapshot {
    state: String,
    review_status: String,
    tasks: Vec<TaskRow>,
    audit: Vec<AuditRow>,
    /// body, internal, author.
    comments: Vec<(String, bool, Option<i64>)>,
    /// name, payload.
    jobs: Vec<(String, Value)>,
}

async fn snapshot(conn: &mut sqlx::PgConnection, id: &str) -> Snapshot {
    let (advisory, state, review_status): (i64, String, String) =
        sqlx::query_as("SELECT id, state, review_status FROM advisory WHERE advisory_id = $1")
            .bind(id)
            .fetch_one(&mut *conn)
            .await
            .unwrap();
    let tasks = sqlx::query_as(
        "SELECT t.id, t.status, v.version, t.reviewer, t.decision_notes, t.decided_at IS NOT NULL
         FROM review_task t JOIN advisory_version v ON v.id = t.version_id
         WHERE t.advisory_id = $1 ORDER BY t.id",
    )
    .bind(advisory)
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    let audit = sqlx::query_as(
        "SELECT action, actor_id, previous_value, new_value, metadata FROM audit_log_entry
         WHERE advisory_id = $1 AND action <> 'comment.created' ORDER BY id",
    )
    .bind(advisory)
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    let comments = sqlx::query_as(
        "SELECT body, is_internal, author_id FROM advisory_comment WHERE advisory_id = $1
         ORDER BY id",
    )
    .bind(advisory)
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    let jobs = sqlx::query_as(
        "SELECT name, payload FROM jobs WHERE (payload ->> 'advisory_id')::bigint = $1
         ORDER BY id",
    )
    .bind(advisory)
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    Snapshot {
        state,
        review_status,
        tasks,
        audit,
        comments,
        jobs,
    }
}

/// The rows `after` has that `before` had not (everything is append-only
/// but tasks, which are compared whole).
fn added<T: Clone>(before: &[T], after: &[T]) -> Vec<T> {
    after[before.len()..].to_vec()
}

/// Checks the effects of a done transition `t` by `actor`, from `before`
/// to `after` (20-lifecycle §7's table, §2.3's note visibility).
#[expect(clippy::too_many_lines, reason = "one arm per transition")]
fn check_effects(t: Transition, actor: &Actor, before: &Snapshot, after: &Snapshot, note: &str) {
    let me = Some(actor.user_id);
    // INV-REVIEW-1: the lifecycle state never moves.
    assert_eq!(after.state, before.state, "{t:?} moved the state");
    assert_eq!(after.review_status, status_after(t), "{t:?}");
    let audit = added(&before.audit, &after.audit);
    let actions: Vec<&str> = audit.iter().map(|a| a.0.as_str()).collect();
    let comments = added(&before.comments, &after.comments);
    let jobs = added(&before.jobs, &after.jobs);
    let open_before: Vec<_> = before.tasks.iter().filter(|t| t.1 == "open").collect();
    let open_after: Vec<_> = after.tasks.iter().filter(|t| t.1 == "open").collect();
    let from = Some(Value::from(before.review_status.clone()));
    match t {
        Transition::Submit => {
            assert_eq!(actions, ["advisory.submitted_for_review"]);
            assert_eq!(after.tasks.len(), before.tasks.len() + 1, "a new task");
            let task = after.tasks.last().unwrap();
            assert_eq!(open_after, [task], "exactly one open task, the new one");
            assert_eq!(task.2, 1, "INV-REVIEW-2: pinned to the latest version");
            assert_eq!(audit[0].1, me);
            assert_eq!(audit[0].2, from);
            let new = audit[0].3.as_ref().unwrap();
            assert_eq!(new["task_id"], task.0);
            assert_eq!(new["version"], 1);
            // Earlier tasks keep their outcome (a new submission supersedes
            // an approval, it does not rewrite it).
            assert_eq!(&after.tasks[..before.tasks.len()], &before.tasks[..]);
            assert!(comments.is_empty());
            assert_eq!(jobs.len(), 1, "{jobs:?}");
            assert_eq!(jobs[0].0, "notify.advisory_event");
            assert_eq!(jobs[0].1["event"], "advisory_submitted_for_review");
            assert_eq!(jobs[0].1["actor_id"], actor.user_id);
        }
        Transition::Approve | Transition::RequestChanges => {
            let (action, status) = if t == Transition::Approve {
                ("advisory.review_approved", "approved")
            } else {
                ("advisory.review_changes_requested", "changes_requested")
            };
            assert_eq!(actions, [action, "review.task_status_changed"]);
            assert_eq!(open_before.len(), 1);
            assert!(open_after.is_empty(), "the task is closed");
            let task = after
                .tasks
                .iter()
                .find(|x| x.0 == open_before[0].0)
                .unwrap();
            assert_eq!(
                (task.1.as_str(), task.3, task.4.as_str(), task.5),
                (status, me, note, true)
            );
            assert_eq!(audit[0].2, Some(Value::from("submitted")));
            assert_eq!(audit[0].3, Some(Value::from(status)));
            assert_eq!(audit[0].4["task_id"], task.0);
            assert_eq!(audit[1].2, Some(Value::from("open")));
            assert_eq!(audit[1].3, Some(Value::from(status)));
            // Decision notes are a public action note (§2.3).
            if note.is_empty() {
                assert!(comments.is_empty());
            } else {
                assert_eq!(comments, [(note.to_owned(), false, me)]);
            }
            assert!(jobs.is_empty(), "no notification for a decision");
        }
        Transition::Withdraw => {
            assert_eq!(
                actions,
                ["advisory.review_withdrawn", "review.task_status_changed"]
            );
            assert!(open_after.is_empty());
            let task = after
                .tasks
                .iter()
                .find(|x| x.0 == open_before[0].0)
                .unwrap();
            assert_eq!((task.1.as_str(), task.3, task.5), ("withdrawn", None, true));
            assert_eq!(audit[0].4["task_id"], task.0);
            assert_eq!(audit[0].4.get("cancelled_on_dismiss"), None);
            assert!(comments.is_empty());
            // the reviewers hear of it.
            assert_eq!(jobs.len(), 1, "{jobs:?}");
            assert_eq!(jobs[0].0, "notify.advisory_event");
            assert_eq!(jobs[0].1["event"], "advisory_review_withdrawn");
        }
        Transition::Reopen => {
            assert_eq!(actions, ["advisory.state_changed"]);
            assert_eq!(audit[0].2, Some(Value::from("changes_requested")));
            assert_eq!(audit[0].3, Some(Value::from("none")));
            assert_eq!(audit[0].4["reopened"], true);
            assert_eq!(audit[0].4.get("narrated"), None, "shown on the timeline");
            assert_eq!(after.tasks, before.tasks);
            assert!(comments.is_empty() && jobs.is_empty());
        }
        Transition::Revoke => {
            assert_eq!(actions, ["advisory.review_approval_revoked"]);
            assert_eq!(audit[0].2, Some(Value::from("approved")));
            assert_eq!(audit[0].3, Some(Value::from("none")));
            assert_eq!(
                after.tasks, before.tasks,
                "the approved task stays approved"
            );
            // The reason is an internal action note (§2.3).
            if note.is_empty() {
                assert_eq!(audit[0].4.get("reason"), None);
                assert!(comments.is_empty());
            } else {
                assert_eq!(audit[0].4["reason"], note);
                assert_eq!(comments, [(note.to_owned(), true, me)]);
            }
            assert!(jobs.is_empty());
        }
    }
    for a in &audit {
        assert_eq!(a.1, me, "{} is the actor's", a.0);
    }
}

// The whole table: every transition, from every review status, by every
// role, with and without a note. A refusal is the one the spec names and
// leaves the database exactly as it was; a transition that is done has the
// effects of §7. Each case runs in its own transaction, rolled back.
#[tokio::test]
async fn every_transition_from_every_status_for_every_role() {
    let w = World::new().await;
    let mut drafts = Vec::new();
    for status in STATUSES {
        let id = w.draft(&format!("Review status {status}")).await;
        w.reach(&id, status).await;
        drafts.push((status, id));
    }
    let mut cases = 0;
    for (status, id) in &drafts {
        for t in TRANSITIONS {
            for who in EVERYONE {
                for note in ["", "Looks right to me."] {
                    let actor = w.actor(who);
                    let mut tx = w.tx(actor).await;
                    let before = snapshot(&mut tx, id).await;
                    assert_eq!(&before.review_status, status);
                    let result = w.run(&mut tx, actor, t, id, note).await;
                    let answer = Answer::of(result);
                    let want = expected(t, who, status);
                    assert_eq!(answer, want, "{who:?} {t:?} from {status} (note {note:?})");
                    let after = snapshot(&mut tx, id).await;
                    if answer == Answer::Done {
                        check_effects(t, actor, &before, &after, note);
                    } else {
                        assert_eq!(after, before, "{who:?} {t:?} from {status}: refused");
                    }
                    tx.rollback().await.unwrap();
                    cases += 1;
                }
            }
        }
    }
    assert_eq!(cases, 4 * 6 * 6 * 2);
}

// Outside a native draft the card offers nothing and the services say why:
// a triage report, a published or a dismissed advisory cannot be submitted
// (the team is told it is about the state), and a GHSA-linked one has no
// review for anyone (§6.3).
#[tokio::test]
async fn submission_needs_a_native_draft() {
    let w = World::new().await;
    for state in ["triage", "published", "dismissed"] {
        let id = w.draft(&format!("In {state}")).await;
        sqlx::query(
            "UPDATE advisory SET state = $2, dismissed_reason = 'Not a vulnerability',
                    dismissed_from_state = 'draft'
             WHERE advisory_id = $1",
        )
        .bind(&id)
        .bind(state)
        .execute(&w.db.pool)
        .await
        .unwrap();
        let answer = w.commit(&w.team, Transition::Submit, &id, "").await;
        assert_eq!(answer, Answer::WrongState(refusal::NOT_DRAFT), "{state}");
        assert_eq!(
            w.commit(&w.admin, Transition::Submit, &id, "").await,
            Answer::Forbidden(refusal::ADMIN_SUBMIT),
            "{state}"
        );
    }
    let id = w.draft("Mirrored from GitHub").await;
    sqlx::query(
        "UPDATE advisory SET kind = 'ghsa_linked', ghsa_id = 'GHSA-aaaa-bbbb-cccc', ghsa_owner = 'eclipse', ghsa_repo = 'theia'
         WHERE advisory_id = $1",
    )
    .bind(&id)
    .execute(&w.db.pool)
    .await
    .unwrap();
    for t in [
        Transition::Submit,
        Transition::Withdraw,
        Transition::Revoke,
        Transition::Reopen,
    ] {
        for who in [Who::Team, Who::Admin] {
            assert!(
                matches!(
                    w.commit(w.actor(who), t, &id, "").await,
                    Answer::Forbidden(_)
                ),
                "{who:?} {t:?} on a GHSA-linked advisory"
            );
        }
    }
    assert_eq!(
        w.commit(&w.team, Transition::Submit, &id, "").await,
        Answer::Forbidden(refusal::GHSA)
    );
}

// A note that could not be a comment is a validation error, after the
// permission check: NUL characters, or more than a comment may hold.
#[tokio::test]
async fn notes_are_validated_after_authorisation() {
    let w = World::new().await;
    let id = w.draft("Notes").await;
    w.reach(&id, "submitted").await;
    let long = "x".repeat(65_537);
    for note in ["nul \0 inside", long.as_str()] {
        let mut tx = w.tx(&w.admin).await;
        let result = w
            .run(&mut tx, &w.admin, Transition::Approve, &id, note)
            .await;
        assert!(
            matches!(result, Err(ServiceError::Invalid(_))),
            "{result:?}"
        );
        tx.rollback().await.unwrap();
        let mut tx = w.tx(&w.viewer).await;
        let result = w
            .run(&mut tx, &w.viewer, Transition::Approve, &id, note)
            .await;
        assert!(
            matches!(result, Err(ServiceError::Forbidden(_))),
            "forbidden before any validation: {result:?}"
        );
    }
}

/// The teardown's rows on advisory `id`: review status, task statuses, and
/// the audit rows it wrote.
async fn teardown(w: &World, id: &str, reason: &str) -> Snapshot {
    let mut tx = w.tx(&w.team).await;
    let row = advisoryhub::advisories::repo::load(&mut tx, id, Some(&w.team), true)
        .await
        .unwrap()
        .unwrap();
    review::cancel_pending_review(&mut tx, w.ctx(&w.team), &row, reason)
        .await
        .unwrap();
    let after = snapshot(&mut tx, id).await;
    tx.commit().await.unwrap();
    after
}

// `cancel_pending_review` from each status: nothing at all from `none`;
// otherwise back to `none`, an open task withdrawn (with its twin row), and
// `advisory.review_withdrawn` marked as a dismissal's, with the reason's
// length but not the reason (§7 teardown row, INV-LIFECYCLE-4).
#[tokio::test]
async fn inv_lifecycle_4_dismissal_teardown_from_every_status() {
    let w = World::new().await;
    let reason = "Duplicate of another report";
    for status in STATUSES {
        let id = w.draft(&format!("Teardown from {status}")).await;
        w.reach(&id, status).await;
        let mut conn = w.db.pool.acquire().await.unwrap();
        let before = snapshot(&mut conn, &id).await;
        drop(conn);
        let after = teardown(&w, &id, reason).await;
        if status == "none" {
            assert_eq!(after, before, "a no-op from none");
            continue;
        }
        assert_eq!(after.review_status, "none", "{status}");
        assert_eq!(after.state, before.state);
        assert!(after.tasks.iter().all(|t| t.1 != "open"), "{status}");
        let audit = added(&before.audit, &after.audit);
        let actions: Vec<&str> = audit.iter().map(|a| a.0.as_str()).collect();
        let withdrawn = &audit[0];
        assert_eq!(withdrawn.2, Some(Value::from(status)));
        assert_eq!(withdrawn.3, Some(Value::from("none")));
        assert_eq!(withdrawn.4["cancelled_on_dismiss"], true);
        assert_eq!(withdrawn.4["reason_length"], reason.chars().count());
        assert!(!withdrawn.4.to_string().contains("Duplicate"));
        if status == "submitted" {
            assert_eq!(
                actions,
                ["advisory.review_withdrawn", "review.task_status_changed"]
            );
            let task = after.tasks.last().unwrap();
            assert_eq!((task.1.as_str(), task.5), ("withdrawn", true));
            assert_eq!(withdrawn.4["task_id"], task.0);
        } else {
            assert_eq!(actions, ["advisory.review_withdrawn"], "{status}");
            assert_eq!(withdrawn.4["task_id"], Value::Null);
            assert_eq!(
                after.tasks, before.tasks,
                "decided tasks keep their outcome"
            );
        }
        assert_eq!(after.jobs, before.jobs, "no notification for a teardown");
        // Idempotent: a second call finds `none`.
        let again = teardown(&w, &id, reason).await;
        assert_eq!(again, after);
    }
}

/// An edit of advisory `id` by `actor` changing its summary to `text`.
async fn edit(w: &World, actor: &Actor, id: &str, text: &str) -> Result<(), ServiceError> {
    let base: i32 = sqlx::query_scalar(
        "SELECT max(v.version) FROM advisory_version v JOIN advisory a ON a.id = v.advisory_id
         WHERE a.advisory_id = $1",
    )
    .bind(id)
    .fetch_one(&w.db.pool)
    .await
    .unwrap();
    let mut tx = w.tx(actor).await;
    let edited = advisories::edit(
        &mut tx,
        w.ctx(actor),
        id,
        &Edit {
            project_id: None,
            content: summary(text),
            base_version: base,
        },
    )
    .await?;
    assert!(edited.version.is_some());
    tx.commit().await.unwrap();
    Ok(())
}

async fn review_status(w: &World, id: &str) -> String {
    sqlx::query_scalar("SELECT review_status FROM advisory WHERE advisory_id = $1")
        .bind(id)
        .fetch_one(&w.db.pool)
        .await
        .unwrap()
}

/// Version numbers the advisory's tasks pinned, oldest first.
async fn pinned(w: &World, id: &str) -> Vec<(String, i32)> {
    sqlx::query_as(
        "SELECT t.status, v.version FROM review_task t
         JOIN advisory_version v ON v.id = t.version_id JOIN advisory a ON a.id = t.advisory_id
         WHERE a.advisory_id = $1 ORDER BY t.id",
    )
    .bind(id)
    .fetch_all(&w.db.pool)
    .await
    .unwrap()
}

// INV-REVIEW-2: a submission pins the then-latest version; while it is
// submitted the team cannot edit (P-07) but an admin can, and the pin does
// not move; the database refuses to move it; a new submission pins the
// new latest.
#[tokio::test]
async fn inv_review_2_submission_pins_the_latest_version() {
    let w = World::new().await;
    let id = w.draft("Pinned v1").await;
    edit(&w, &w.team, &id, "Pinned v2").await.unwrap();
    w.reach(&id, "submitted").await;
    assert_eq!(pinned(&w, &id).await, [("open".to_owned(), 2)]);

    let frozen = edit(&w, &w.team, &id, "Team edit while submitted").await;
    assert!(
        matches!(frozen, Err(ServiceError::Forbidden(_))),
        "{frozen:?}"
    );
    let frozen = edit(&w, &w.collaborator, &id, "Collaborator edit").await;
    assert!(matches!(frozen, Err(ServiceError::Forbidden(_))));
    edit(&w, &w.admin, &id, "Admin fix while submitted")
        .await
        .unwrap();
    assert_eq!(pinned(&w, &id).await, [("open".to_owned(), 2)]);

    let moved = sqlx::query(
        "UPDATE review_task SET version_id = (SELECT max(id) FROM advisory_version)
         WHERE status = 'open'",
    )
    .execute(&w.db.pool)
    .await;
    assert!(moved.is_err(), "the pin cannot move");

    assert_eq!(
        w.commit(&w.admin, Transition::RequestChanges, &id, "Fix it")
            .await,
        Answer::Done
    );
    assert_eq!(
        w.commit(&w.team, Transition::Reopen, &id, "").await,
        Answer::Done
    );
    edit(&w, &w.team, &id, "Pinned v4").await.unwrap();
    assert_eq!(
        w.commit(&w.team, Transition::Submit, &id, "").await,
        Answer::Done
    );
    assert_eq!(
        pinned(&w, &id).await,
        [("changes_requested".to_owned(), 2), ("open".to_owned(), 4)]
    );
}

// INV-REVIEW-3: admins neither submit nor withdraw, in any status; the
// team may.
#[tokio::test]
async fn inv_review_3_admins_cannot_submit_or_withdraw() {
    let w = World::new().await;
    let id = w.draft("Admins review").await;
    for status in ["none", "changes_requested", "approved"] {
        let id = w.draft(&format!("Admin submit from {status}")).await;
        w.reach(&id, status).await;
        assert_eq!(
            w.commit(&w.admin, Transition::Submit, &id, "").await,
            Answer::Forbidden(refusal::ADMIN_SUBMIT)
        );
        assert_eq!(review_status(&w, &id).await, status);
    }
    w.reach(&id, "submitted").await;
    assert_eq!(
        w.commit(&w.admin, Transition::Withdraw, &id, "").await,
        Answer::Forbidden(refusal::ADMIN_WITHDRAW)
    );
    assert_eq!(review_status(&w, &id).await, "submitted");
    assert_eq!(
        w.commit(&w.team, Transition::Withdraw, &id, "").await,
        Answer::Done
    );
}

// INV-REVIEW-4: an edit by the team voids an approval (audited); an admin
// edit keeps it; after a non-admin voided it, the team must submit again.
#[tokio::test]
async fn inv_review_4_a_non_admin_edit_voids_the_approval() {
    let w = World::new().await;
    let id = w.draft("Approved draft").await;
    w.reach(&id, "approved").await;
    edit(&w, &w.admin, &id, "Admin polish").await.unwrap();
    assert_eq!(review_status(&w, &id).await, "approved");
    edit(&w, &w.collaborator, &id, "Collaborator change")
        .await
        .unwrap();
    assert_eq!(review_status(&w, &id).await, "none");
    let voided: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log_entry e JOIN advisory a ON a.id = e.advisory_id
         WHERE a.advisory_id = $1 AND e.action = 'advisory.review_approval_invalidated'",
    )
    .bind(&id)
    .fetch_one(&w.db.pool)
    .await
    .unwrap();
    assert_eq!(voided, 1);
    assert_eq!(
        w.commit(&w.admin, Transition::Revoke, &id, "").await,
        Answer::WrongState(refusal::NOT_APPROVED)
    );

    let id = w.draft("Approved by team edit").await;
    w.reach(&id, "approved").await;
    edit(&w, &w.team, &id, "Team change").await.unwrap();
    assert_eq!(review_status(&w, &id).await, "none");
    assert_eq!(
        pinned(&w, &id).await,
        [("approved".to_owned(), 1)],
        "the task keeps its outcome"
    );
}

// Two submissions of the same draft from two connections at once: the row
// lock serialises them, so one opens the task and the other is refused as
// "already submitted"; one open task, one audit row, one job. The partial
// unique index would refuse a second open task even without the lock.
#[tokio::test]
async fn two_concurrent_submissions_open_one_task() {
    let w = World::new().await;
    let second = w.team.clone();
    let second = Actor {
        user_id: user(&w.db.pool, "grace@example.org", &["theia-security"]).await,
        ..second
    };
    for round in 0..5 {
        let id = w.draft(&format!("Race {round}")).await;
        let (a, b) = tokio::join!(
            w.commit(&w.team, Transition::Submit, &id, ""),
            w.commit(&second, Transition::Submit, &id, "")
        );
        let mut answers = [a, b];
        answers.sort_by_key(|a| format!("{a:?}"));
        assert_eq!(
            answers,
            [Answer::Done, Answer::WrongState(refusal::ALREADY_SUBMITTED)],
            "round {round}"
        );
        let mut conn = w.db.pool.acquire().await.unwrap();
        let after = snapshot(&mut conn, &id).await;
        assert_eq!(after.review_status, "submitted");
        assert_eq!(after.tasks.len(), 1);
        assert_eq!(
            after
                .audit
                .iter()
                .filter(|a| a.0 == "advisory.submitted_for_review")
                .count(),
            1
        );
        assert_eq!(
            after.jobs.len(),
            2,
            "created and submitted: {:?}",
            after.jobs
        );
        let twice = sqlx::query(
            "INSERT INTO review_task (advisory_id, version_id)
             SELECT advisory_id, version_id FROM review_task WHERE id = $1",
        )
        .bind(after.tasks[0].0)
        .execute(&w.db.pool)
        .await;
        assert!(twice.is_err(), "the index allows one open task");
    }
}

// Two admins deciding the same task at once: one decision wins, the other
// is told the review was already decided; the task holds the winner's.
#[tokio::test]
async fn two_concurrent_decisions_decide_once() {
    let w = World::new().await;
    let other_admin = Actor {
        user_id: user(&w.db.pool, "heidi@example.org", &[world::ADMIN_GROUP]).await,
        ..w.admin.clone()
    };
    let id = w.draft("Decided once").await;
    w.reach(&id, "submitted").await;
    let (a, b) = tokio::join!(
        w.commit(&w.admin, Transition::Approve, &id, "Fine"),
        w.commit(&other_admin, Transition::RequestChanges, &id, "Not yet")
    );
    let done = [&a, &b].iter().filter(|x| ***x == Answer::Done).count();
    assert_eq!(done, 1, "{a:?} {b:?}");
    assert!(
        [&a, &b]
            .iter()
            .any(|x| **x == Answer::WrongState(refusal::ALREADY_DECIDED))
    );
    let mut conn = w.db.pool.acquire().await.unwrap();
    let after = snapshot(&mut conn, &id).await;
    assert_eq!(after.tasks.len(), 1);
    let winner = if a == Answer::Done {
        "approved"
    } else {
        "changes_requested"
    };
    assert_eq!(after.tasks[0].1, winner);
    assert_eq!(after.review_status, winner);
    assert_eq!(after.comments.len(), 1, "one decision note");
}

// ---------------------------------------------------------------------------
// Over HTTP.

/// The site, bob (Theia's team) signed in, and a draft of his.
struct Web {
    site: Site,
    bob: Browser,
    id: String,
}

impl Web {
    async fn new(site: Site) -> Web {
        let theia = projects(&site.db.pool).await.theia;
        let bob = sign_in(&site, "bob").await;
        let author = site.actor("bob@example.org").await;
        let id = create_advisory(
            &site.db.pool,
            &author,
            theia,
            summary("Token leak in the terminal"),
        )
        .await;
        Web { site, bob, id }
    }

    fn url(&self, tail: &str) -> String {
        self.site.url(&format!("/advisories/{}/{tail}", self.id))
    }

    /// Posts `form` to `tail` as `b` with the CSRF token of a page without
    /// side effects; `htmx` adds the header a targeted htmx request sends.
    async fn post(&self, b: &Browser, tail: &str, form: &[(&str, &str)], htmx: bool) -> Page {
        let csrf = b
            .get(&self.site.url("/notifications/preferences/"))
            .await
            .csrf();
        let mut fields = vec![("csrf_token", csrf.as_str())];
        fields.extend_from_slice(form);
        let headers: &[(&str, &str)] = if htmx { &[("hx-request", "true")] } else { &[] };
        b.post(&self.url(tail), &fields, headers).await
    }

    /// Posts and expects the 303 back to the review card; the page it lands on.
    async fn act(&self, b: &Browser, tail: &str, form: &[(&str, &str)]) -> Page {
        let page = self.post(b, tail, form, false).await;
        assert_eq!(page.status, 303, "{tail}: {}", page.body);
        assert_eq!(
            page.location().unwrap(),
            self.site.url(&format!("/advisories/{}/#review", self.id))
        );
        b.follow(page).await
    }

    async fn grant(&self, who: &str, permission: &str) {
        grant(
            &self.site.db.pool,
            &self.id,
            &format!("{who}@example.org"),
            permission,
        )
        .await;
    }

    async fn status(&self) -> String {
        sqlx::query_scalar("SELECT review_status FROM advisory WHERE advisory_id = $1")
            .bind(&self.id)
            .fetch_one(&self.site.db.pool)
            .await
            .unwrap()
    }
}

/// The review card of a page.
fn card(page: &Page) -> &str {
    let start = page
        .body
        .find("id=\"review\"")
        .unwrap_or_else(|| panic!("no review card: {}", page.body));
    let rest = &page.body[start..];
    &rest[..rest.find("</section>").unwrap()]
}

/// The action forms a card offers, by id.
fn offered(page: &Page) -> Vec<&'static str> {
    [
        "review-submit",
        "review-withdraw",
        "review-decide",
        "review-revoke",
        "review-reopen",
    ]
    .into_iter()
    .filter(|id| card(page).contains(&format!(" id=\"{id}\"")))
    .collect()
}

// The whole cycle with plain forms (no JavaScript): bob submits, alice asks
// for changes with a note everyone with access reads, bob reopens, edits and
// submits again, alice approves, then revokes with a reason only
// collaborators and owners read. At each step the card says where the
// review stands and offers each role exactly what it may do; the edit link
// is gone for the team while submitted.
#[tokio::test]
#[expect(clippy::too_many_lines, reason = "one scenario, step by step")]
async fn the_review_cycle_without_javascript() {
    let w = Web::new(Site::start(&[]).await).await;
    let alice = sign_in(&w.site, "alice").await;
    let dave = sign_in(&w.site, "dave").await;
    let erin = sign_in(&w.site, "erin").await;
    w.grant("dave", "collaborator").await;
    w.grant("erin", "viewer").await;
    let url = w.url("");

    let bobs = w.bob.get(&url).await;
    assert!(card(&bobs).contains("Not submitted."), "{}", card(&bobs));
    assert_eq!(offered(&bobs), ["review-submit"]);
    assert!(
        offered(&alice.get(&url).await).is_empty(),
        "admins do not submit"
    );
    assert!(offered(&dave.get(&url).await).is_empty());
    assert!(offered(&erin.get(&url).await).is_empty());

    let landed = w.act(&w.bob, "submit-review/", &[]).await;
    assert!(landed.body.contains("Submitted for review."), "the flash");
    assert_eq!(w.status().await, "submitted");
    assert!(
        card(&landed).contains("Submitted by Bob Okafor"),
        "{}",
        card(&landed)
    );
    assert!(card(&landed).contains("version 1"));
    assert!(
        !card(&landed).contains("id=\"review-diff\""),
        "nothing changed since"
    );
    assert_eq!(offered(&landed), ["review-withdraw"]);
    assert!(
        !landed.body.contains("id=\"edit\""),
        "edits frozen for the team"
    );
    let alices = alice.get(&url).await;
    assert_eq!(offered(&alices), ["review-decide"]);
    assert!(alices.body.contains("id=\"edit\""), "admins still edit");
    assert!(offered(&dave.get(&url).await).is_empty());

    let notes = "Please add the affected versions.";
    let landed = w
        .act(
            &alice,
            "review/decide/",
            &[("decision", "changes_requested"), ("notes", notes)],
        )
        .await;
    assert!(landed.body.contains("Changes requested."));
    assert_eq!(w.status().await, "changes_requested");
    for b in [&w.bob, &dave, &erin] {
        let p = b.get(&url).await;
        assert!(card(&p).contains(notes), "the decision notes on the card");
        assert!(p.body.contains(notes), "and on the thread");
    }
    let bobs = w.bob.get(&url).await;
    assert_eq!(offered(&bobs), ["review-submit", "review-reopen"]);
    assert_eq!(offered(&alice.get(&url).await), ["review-reopen"]);
    assert!(offered(&dave.get(&url).await).is_empty());

    let landed = w.act(&w.bob, "reopen-review/", &[]).await;
    assert!(landed.body.contains("Review reopened."));
    assert_eq!(w.status().await, "none");
    let bob = w.site.actor("bob@example.org").await;
    let mut tx = w.site.db.pool.begin().await.unwrap();
    advisories::edit(
        &mut tx,
        Ctx {
            actor: &bob,
            origin: None,
            redactor: &Redactor::default(),
        },
        &w.id,
        &Edit {
            project_id: None,
            content: summary("Token leak in the terminal, versions added"),
            base_version: 1,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    w.act(&w.bob, "submit-review/", &[]).await;
    assert!(card(&alice.get(&url).await).contains("version 2"));

    let landed = w
        .act(&alice, "review/decide/", &[("decision", "approved")])
        .await;
    assert!(landed.body.contains("Review approved."));
    assert_eq!(w.status().await, "approved");
    assert_eq!(offered(&landed), ["review-revoke"]);
    assert_eq!(offered(&w.bob.get(&url).await), ["review-submit"]);

    let reason = "The fix version was wrong after all.";
    let landed = w
        .act(&alice, "revoke-approval/", &[("reason", reason)])
        .await;
    assert!(landed.body.contains("Approval revoked."));
    assert_eq!(w.status().await, "none");
    assert!(
        dave.get(&url).await.body.contains(reason),
        "collaborators read it"
    );
    assert!(w.bob.get(&url).await.body.contains(reason));
    assert!(
        !erin.get(&url).await.body.contains(reason),
        "an internal note: viewers do not"
    );

    // Every row came from the request: IP and user agent (INV-AUDIT-4).
    let agents: Vec<(String, String)> = sqlx::query_as(
        "SELECT e.action, e.user_agent FROM audit_log_entry e JOIN advisory a ON a.id = e.advisory_id
         WHERE a.advisory_id = $1 AND (e.action LIKE 'advisory.review%' OR e.action LIKE 'review.%'
               OR e.action = 'advisory.submitted_for_review') ORDER BY e.id",
    )
    .bind(&w.id)
    .fetch_all(&w.site.db.pool)
    .await
    .unwrap();
    assert_eq!(agents.len(), 7, "{agents:?}");
    assert!(
        agents.iter().all(|(_, ua)| ua == "AdvisoryHub-e2e/1.0"),
        "{agents:?}"
    );
}

// How refusals answer over HTTP: a state refusal is a 303 back with the
// reason as a flash (ruling 8), or a 409 fragment for htmx; a caller who
// may not act gets 403 with the reason; an outsider 404 on every
// review route; an unknown decision 400; a POST without the CSRF token 403.
// None of them changes anything.
#[tokio::test]
async fn refusals_over_http() {
    let w = Web::new(Site::start(&[]).await).await;
    let alice = sign_in(&w.site, "alice").await;
    let carol = sign_in(&w.site, "carol").await;
    let erin = sign_in(&w.site, "erin").await;
    w.grant("erin", "viewer").await;

    let refused = w.post(&alice, "submit-review/", &[], false).await;
    assert_eq!(refused.status, 403);
    assert!(
        refused.body.contains("they cannot submit them for review"),
        "{}",
        refused.body
    );
    assert_eq!(
        w.post(&erin, "withdraw-review/", &[], false).await.status,
        403
    );

    let stale = w.post(&w.bob, "withdraw-review/", &[], false).await;
    assert_eq!(stale.status, 303);
    let landed = w.bob.follow(stale).await;
    assert!(
        landed
            .body
            .contains("This advisory is not submitted for review."),
        "the reason as a flash"
    );
    let stale = w.post(&w.bob, "withdraw-review/", &[], true).await;
    assert_eq!(stale.status, 409);
    assert!(!stale.body.contains("<html"), "a fragment");
    assert!(
        stale
            .body
            .contains("This advisory is not submitted for review.")
    );
    let stale = w
        .post(&alice, "review/decide/", &[("decision", "approved")], true)
        .await;
    assert_eq!(stale.status, 409);
    assert!(stale.body.contains("already decided or withdrawn"));

    for (tail, form) in [
        ("submit-review/", vec![]),
        ("withdraw-review/", vec![]),
        ("reopen-review/", vec![]),
        ("revoke-approval/", vec![("reason", "x")]),
        ("review/decide/", vec![("decision", "approved")]),
        ("review/decide/", vec![("decision", "maybe")]),
    ] {
        let page = w.post(&carol, tail, &form, false).await;
        assert_eq!(page.status, 404, "{tail} for an outsider");
        assert!(!page.body.contains("Token leak"));
    }

    w.act(&w.bob, "submit-review/", &[]).await;
    let unknown = w
        .post(&alice, "review/decide/", &[("decision", "maybe")], false)
        .await;
    assert_eq!(unknown.status, 400);
    assert!(
        unknown.body.contains("Unknown decision &#39;maybe&#39;."),
        "{}",
        unknown.body
    );
    // Authorization comes before validation (20 §2.1): a team member who
    // sends a nonsense decision is refused, not told what is wrong with it.
    let unauthorized = w
        .post(&w.bob, "review/decide/", &[("decision", "maybe")], false)
        .await;
    assert_eq!(unauthorized.status, 403);
    // Ruling 7: an invalid note is 422.
    let long = "x".repeat(70_000);
    let invalid = w
        .post(
            &alice,
            "review/decide/",
            &[("decision", "approved"), ("notes", long.as_str())],
            false,
        )
        .await;
    assert_eq!(invalid.status, 422);
    let forged = alice
        .post(&w.url("review/decide/"), &[("decision", "approved")], &[])
        .await;
    assert_eq!(forged.status, 403, "no CSRF token");
    let again = w.post(&w.bob, "submit-review/", &[], false).await;
    assert_eq!(again.status, 303);
    assert!(
        w.bob
            .follow(again)
            .await
            .body
            .contains("This advisory is already submitted for review.")
    );
    assert_eq!(w.status().await, "submitted");
    let tasks: i64 = sqlx::query_scalar("SELECT count(*) FROM review_task")
        .fetch_one(&w.site.db.pool)
        .await
        .unwrap();
    assert_eq!(tasks, 1);

    // A targeted htmx request that succeeds reloads the page, the flash
    // waiting for it.
    let done = w.post(&w.bob, "withdraw-review/", &[], true).await;
    assert_eq!(done.status, 204);
    assert_eq!(done.headers.get("hx-refresh").unwrap(), "true");
    assert!(
        w.bob
            .get(&w.url(""))
            .await
            .body
            .contains("Review withdrawn.")
    );
}

// An admin edit while submitted moves the latest version past the pinned
// one: the card links to the history diff between the two (INV-REVIEW-2).
#[tokio::test]
async fn the_card_links_the_changes_since_the_submitted_version() {
    let w = Web::new(Site::start(&[]).await).await;
    let alice = sign_in(&w.site, "alice").await;
    w.act(&w.bob, "submit-review/", &[]).await;
    let admin = w.site.actor("alice@example.org").await;
    let mut tx = w.site.db.pool.begin().await.unwrap();
    advisories::edit(
        &mut tx,
        Ctx {
            actor: &admin,
            origin: None,
            redactor: &Redactor::default(),
        },
        &w.id,
        &Edit {
            project_id: None,
            content: summary("Token leak in the terminal (admin wording)"),
            base_version: 1,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let page = alice.get(&w.url("")).await;
    let href = format!("/advisories/{}/history/?from=1&#38;to=2", w.id);
    assert!(card(&page).contains(&href), "{}", card(&page));
    let diff = alice
        .get(
            &w.site
                .url(&format!("/advisories/{}/history/?from=1&to=2", w.id)),
        )
        .await;
    assert_eq!(diff.status, 200);
    assert!(diff.body.contains("admin wording"));
}

// bob withdraws his submission; the worker mails the admins and files
// it in their inbox as a withdrawn review; nobody else hears of it, bob
// least of all.
#[tokio::test]
async fn q_11_a_withdrawn_review_reaches_the_admins_inbox() {
    let (site, mail) = tokio::join!(Site::start(&[]), MailCatcher::start());
    let w = Web::new(site).await;
    let alice = sign_in(&w.site, "alice").await;
    let _dave = sign_in(&w.site, "dave").await;
    w.grant("dave", "collaborator").await;
    let grace = user(&w.site.db.pool, "grace@example.org", &["theia-security"]).await;
    w.act(&w.bob, "submit-review/", &[]).await;
    // The submission's own mails are not what this test is about.
    let settings: Vec<(&str, String)> = mail.settings().to_vec();
    let vars: Vec<(&str, &str)> = settings.iter().map(|(k, v)| (*k, v.as_str())).collect();
    common::worker::drain(&w.site.db, &vars, Duration::from_secs(20)).await;
    let before = mail.messages().await.len();

    w.act(&w.bob, "withdraw-review/", &[]).await;
    common::worker::drain(&w.site.db, &vars, Duration::from_secs(20)).await;
    let mails: Vec<_> = mail.messages().await.into_iter().skip(before).collect();
    let to: Vec<&str> = mails
        .iter()
        .flat_map(|m| m.to.iter().map(String::as_str))
        .collect();
    assert_eq!(to, ["alice@example.org"], "{mails:#?}");
    assert_eq!(
        mails[0].subject,
        format!("[{}] withdrawn from review", w.id)
    );
    let inbox: Vec<(String, String, Option<i64>)> = sqlx::query_as(
        "SELECT n.kind, n.subject, n.recipient_id FROM notification n
         WHERE n.kind = 'advisory_review_withdrawn'",
    )
    .fetch_all(&w.site.db.pool)
    .await
    .unwrap();
    let alice_id = w.site.user_id("alice@example.org").await;
    assert_eq!(inbox.len(), 1, "{inbox:?}");
    assert_eq!(inbox[0].2, Some(alice_id));
    assert_ne!(inbox[0].2, Some(grace));
    let listed = alice.get(&w.site.url("/notifications/")).await;
    assert!(
        listed.body.contains("Withdrawn from review"),
        "{}",
        listed.body
    );
}
