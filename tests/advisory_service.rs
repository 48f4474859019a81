//! Creating and editing advisories through the service, against PostgreSQL:
//! versions (INV-VERSION-1), the ledger (INV-AUDIT-3), permissions
//! (INV-AUTH-1) and concurrent edits (consistency ruling 10).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on purpose"
)]

mod common;

use advisoryhub::access::permissions::Actor;
use advisoryhub::advisories::content::{Payload, Reference, SeverityEntry};
use advisoryhub::advisories::id::OsEntropy;
use advisoryhub::advisories::service::{self, Ctx, Edit, NewAdvisory, ServiceError};
use advisoryhub::audit::redact::Redactor;
use common::TestDb;
use common::world::{Projects, actor, projects, user};
use sqlx::PgPool;

struct Env {
    db: TestDb,
    theia: uuid::Uuid,
    jetty: uuid::Uuid,
    admin: Actor,
    bob: Actor,
    carol: Actor,
    redactor: Redactor,
}

/// A user in `groups`, inserted directly, as the service sees them.
async fn member(pool: &PgPool, email: &str, groups: &[&str]) -> Actor {
    actor(pool, user(pool, email, groups).await).await
}

impl Env {
    async fn new() -> Env {
        let db = TestDb::new().await;
        let Projects { theia, jetty } = projects(&db.pool).await;
        let admin = member(&db.pool, "alice@example.org", &["advisoryhub-security"]).await;
        let bob = member(&db.pool, "bob@example.org", &["theia-security"]).await;
        let carol = member(&db.pool, "carol@example.org", &["jetty-security"]).await;
        Env {
            db,
            theia,
            jetty,
            admin,
            bob,
            carol,
            redactor: Redactor::new(Vec::<String>::new()),
        }
    }

    fn ctx<'a>(&'a self, actor: &'a Actor) -> Ctx<'a> {
        Ctx {
            actor,
            origin: None,
            redactor: &self.redactor,
        }
    }

    async fn create(&self, actor: &Actor, content: Payload) -> Result<String, ServiceError> {
        let mut tx = self.db.pool.begin().await.unwrap();
        let r = service::create(
            &mut tx,
            self.ctx(actor),
            &NewAdvisory {
                project_id: Some(self.theia),
                content,
            },
            &mut OsEntropy,
        )
        .await;
        tx.commit().await.unwrap();
        r
    }

    async fn edit(
        &self,
        actor: &Actor,
        id: &str,
        edit: Edit,
    ) -> Result<service::Edited, ServiceError> {
        let mut tx = self.db.pool.begin().await.unwrap();
        let r = service::edit(&mut tx, self.ctx(actor), id, &edit).await;
        tx.commit().await.unwrap();
        r
    }

    async fn versions(&self, id: &str) -> Vec<i32> {
        sqlx::query_scalar(
            "SELECT v.version FROM advisory_version v JOIN advisory a ON a.id = v.advisory_id
             WHERE a.advisory_id = $1 ORDER BY v.version",
        )
        .bind(id)
        .fetch_all(&self.db.pool)
        .await
        .unwrap()
    }

    async fn actions(&self, id: &str) -> Vec<String> {
        sqlx::query_scalar(
            "SELECT e.action FROM audit_log_entry e JOIN advisory a ON a.id = e.advisory_id
             WHERE a.advisory_id = $1 ORDER BY e.id",
        )
        .bind(id)
        .fetch_all(&self.db.pool)
        .await
        .unwrap()
    }
}

fn content(summary: &str) -> Payload {
    Payload {
        summary: summary.into(),
        details: "Details *here*.".into(),
        references: vec![Reference {
            kind: "FIX".into(),
            url: "https://git.example.org/commit/1".into(),
        }],
        severity: vec![SeverityEntry {
            kind: "CVSS_V3".into(),
            score: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H".into(),
        }],
        ..Payload::default()
    }
}

// INV-VERSION-1, INV-AUDIT-3
#[tokio::test]
async fn creation_writes_version_one_and_the_ledger_and_denormalises_severity() {
    let env = Env::new().await;
    let id = env
        .create(&env.bob, content("XSS in the editor"))
        .await
        .unwrap();
    assert!(advisoryhub::advisories::id::is_valid(&id));
    assert_eq!(env.versions(&id).await, [1]);
    assert_eq!(env.actions(&id).await, ["advisory.created"]);
    let (level, score, state): (String, Option<f64>, String) = sqlx::query_as(
        "SELECT severity_level, severity_score, state FROM advisory WHERE advisory_id = $1",
    )
    .bind(&id)
    .fetch_one(&env.db.pool)
    .await
    .unwrap();
    assert_eq!(
        (level.as_str(), score, state.as_str()),
        ("critical", Some(9.8), "draft")
    );
    let payload: serde_json::Value = sqlx::query_scalar(
        "SELECT v.payload FROM advisory_version v JOIN advisory a ON a.id = v.advisory_id WHERE a.advisory_id = $1",
    )
    .bind(&id)
    .fetch_one(&env.db.pool)
    .await
    .unwrap();
    let mut keys: Vec<&str> = payload
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "advisory_id",
            "affected",
            "aliases",
            "assigned_cve_id",
            "credits",
            "cwe_ids",
            "details",
            "ghsa_id",
            "ghsa_metadata_synced_at",
            "ghsa_owner",
            "ghsa_repo",
            "kind",
            "project_name",
            "project_slug",
            "references",
            "severity",
            "summary",
            "withdrawn_reason"
        ]
    );
    assert_eq!(payload["project_slug"], "ecd.theia");
}

#[tokio::test]
async fn only_the_projects_team_or_an_admin_may_create_and_content_is_validated() {
    let env = Env::new().await;
    match env.create(&env.carol, content("x")).await {
        Err(ServiceError::Forbidden(_)) => {}
        other => panic!("{other:?}"),
    }
    let mut bad = content("x");
    bad.references[0].url = "javascript:alert(1)".into();
    match env.create(&env.bob, bad).await {
        Err(ServiceError::Invalid(errors)) => {
            assert!(errors.get("references[0].url").is_some(), "{errors}");
        }
        other => panic!("{other:?}"),
    }
    env.create(&env.admin, content("by an admin"))
        .await
        .unwrap();
}

// INV-VERSION-1: a version for every payload change, none for other saves.
#[tokio::test]
async fn edits_append_a_version_only_when_the_payload_changes() {
    let env = Env::new().await;
    let id = env.create(&env.bob, content("First")).await.unwrap();
    let same = env
        .edit(
            &env.bob,
            &id,
            Edit {
                project_id: None,
                content: content("First"),
                base_version: 1,
            },
        )
        .await
        .unwrap();
    assert_eq!(same.version, None);
    let changed = env
        .edit(
            &env.bob,
            &id,
            Edit {
                project_id: None,
                content: content("Second"),
                base_version: 1,
            },
        )
        .await
        .unwrap();
    assert_eq!(changed.version, Some(2));
    assert_eq!(changed.changed_fields, ["summary"]);
    assert_eq!(env.versions(&id).await, [1, 2]);
    assert_eq!(
        env.actions(&id).await,
        ["advisory.created", "advisory.edited", "advisory.edited"]
    );
}

// Consistency ruling 10.
#[tokio::test]
async fn a_stale_form_is_refused_with_what_changed() {
    let env = Env::new().await;
    let id = env.create(&env.bob, content("First")).await.unwrap();
    env.edit(
        &env.admin,
        &id,
        Edit {
            project_id: None,
            content: content("Admin's"),
            base_version: 1,
        },
    )
    .await
    .unwrap();
    match env
        .edit(
            &env.bob,
            &id,
            Edit {
                project_id: None,
                content: content("Bob's"),
                base_version: 1,
            },
        )
        .await
    {
        Err(ServiceError::Conflict {
            base: 1,
            latest: 2,
            editor,
            changed_fields,
        }) => {
            assert_eq!(editor.as_deref(), Some("alice@example.org"));
            assert_eq!(changed_fields, ["summary"]);
        }
        other => panic!("{other:?}"),
    }
}

// Q-19, INV-AUTH-1
#[tokio::test]
async fn an_outsider_cannot_see_or_edit() {
    let env = Env::new().await;
    let id = env.create(&env.bob, content("First")).await.unwrap();
    match env
        .edit(
            &env.carol,
            &id,
            Edit {
                project_id: None,
                content: content("x"),
                base_version: 1,
            },
        )
        .await
    {
        Err(ServiceError::NotFound) => {}
        other => panic!("{other:?}"),
    }
    match env
        .edit(
            &env.carol,
            "ECL-2222-3333-4444",
            Edit {
                project_id: None,
                content: content("x"),
                base_version: 1,
            },
        )
        .await
    {
        Err(ServiceError::NotFound) => {}
        other => panic!("{other:?}"),
    }
}

// INV-REVIEW-4: a non-admin edit voids an approval; an admin's does not.
#[tokio::test]
async fn a_non_admin_edit_voids_an_approval() {
    let env = Env::new().await;
    let id = env.create(&env.bob, content("First")).await.unwrap();
    sqlx::query("UPDATE advisory SET review_status = 'approved' WHERE advisory_id = $1")
        .bind(&id)
        .execute(&env.db.pool)
        .await
        .unwrap();
    let by_admin = env
        .edit(
            &env.admin,
            &id,
            Edit {
                project_id: None,
                content: content("A"),
                base_version: 1,
            },
        )
        .await
        .unwrap();
    assert!(!by_admin.approval_voided);
    let by_bob = env
        .edit(
            &env.bob,
            &id,
            Edit {
                project_id: None,
                content: content("A"),
                base_version: 2,
            },
        )
        .await
        .unwrap();
    assert!(by_bob.approval_voided);
    assert!(
        env.actions(&id)
            .await
            .contains(&"advisory.review_approval_invalidated".to_owned())
    );
}

#[tokio::test]
async fn moving_a_draft_needs_the_destination_team_and_stamps_the_access_review() {
    let env = Env::new().await;
    let id = env.create(&env.bob, content("First")).await.unwrap();
    match env
        .edit(
            &env.bob,
            &id,
            Edit {
                project_id: Some(env.jetty),
                content: content("First"),
                base_version: 1,
            },
        )
        .await
    {
        Err(ServiceError::Forbidden(_)) => {}
        other => panic!("{other:?}"),
    }
    let moved = env
        .edit(
            &env.admin,
            &id,
            Edit {
                project_id: Some(env.jetty),
                content: content("First"),
                base_version: 1,
            },
        )
        .await
        .unwrap();
    assert_eq!(moved.version, Some(2), "the project is part of the payload");
    assert_eq!(moved.changed_fields, ["project_name", "project_slug"]);
    let stamped: bool = sqlx::query_scalar(
        "SELECT access_review_required_at IS NOT NULL FROM advisory WHERE advisory_id = $1",
    )
    .bind(&id)
    .fetch_one(&env.db.pool)
    .await
    .unwrap();
    assert!(stamped);
    assert!(
        env.actions(&id)
            .await
            .contains(&"advisory.project_changed".to_owned())
    );
}
