//! The rules the database itself enforces for the advisory core: advisories
//! never deleted, versions and the ledger append-only, identity fixed,
//! `unsorted` triage flagged, and row-level security as a fail-closed
//! backstop for a non-superuser application role.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on purpose"
)]

mod common;

use advisoryhub::db::{Plans, Principal, set_principal};
use common::TestDb;
use common::world::{Projects, app_role, app_role_tx, projects, raw_advisory, user};
use sqlx::Row;

/// A fixture: two projects with their teams, users in them, advisories.
struct World {
    db: TestDb,
    theia: uuid::Uuid,
    jetty: uuid::Uuid,
    /// user ids
    admin: i64,
    theia_member: i64,
    outsider: i64,
    grantee: i64,
    group_grantee: i64,
}

impl World {
    async fn new() -> World {
        let db = TestDb::new().await;
        let pool = &db.pool;
        let Projects { theia, jetty } = projects(pool).await;
        let admin = user(pool, "admin@example.org", &["advisoryhub-security"]).await;
        let theia_member = user(pool, "bob@example.org", &["theia-security"]).await;
        let outsider = user(pool, "out@example.org", &["jetty-security"]).await;
        let grantee = user(pool, "dave@example.org", &[]).await;
        let group_grantee = user(pool, "erin@example.org", &["committers"]).await;
        let a = raw_advisory(pool, "ECL-2222-2222-2222", theia).await;
        raw_advisory(pool, "ECL-3333-3333-3333", theia).await;
        raw_advisory(pool, "ECL-4444-4444-4444", jetty).await;
        sqlx::query("INSERT INTO access_grant (advisory_id, principal_type, principal_id, permission) VALUES ($1, 'user', $2, 'viewer')")
            .bind(a)
            .bind(grantee)
            .execute(pool)
            .await
            .unwrap();
        let committers: i64 =
            sqlx::query_scalar("SELECT id FROM oidc_group WHERE name = 'committers'")
                .fetch_one(pool)
                .await
                .unwrap();
        sqlx::query("INSERT INTO access_grant (advisory_id, principal_type, principal_id, permission) VALUES ($1, 'group', $2, 'collaborator')")
            .bind(a)
            .bind(committers)
            .execute(pool)
            .await
            .unwrap();
        app_role(pool).await;
        World {
            db,
            theia,
            jetty,
            admin,
            theia_member,
            outsider,
            grantee,
            group_grantee,
        }
    }

    /// The public ids `principal` sees through a query with no filter of its
    /// own, as the application role.
    async fn visible(&self, principal: Option<Principal>) -> Vec<String> {
        let mut tx = app_role_tx(&self.db.pool).await;
        if let Some(p) = principal {
            set_principal(&mut tx, p).await.unwrap();
        }
        let ids = sqlx::query_scalar("SELECT advisory_id FROM advisory ORDER BY advisory_id")
            .fetch_all(&mut *tx)
            .await
            .unwrap();
        tx.rollback().await.unwrap();
        ids
    }
}

impl World {
    /// The list as `user` sees it through the application role.
    async fn list_as(
        &self,
        user: i64,
        query: &advisoryhub::advisories::list::ListQuery,
    ) -> advisoryhub::advisories::list::Page {
        use advisoryhub::advisories::list::{self, TierActions};
        let mut tx = self.db.pool.begin().await.unwrap();
        let actor =
            advisoryhub::advisories::repo::load_actor(&mut tx, user, "advisoryhub-security")
                .await
                .unwrap()
                .unwrap();
        let principal = Principal::User {
            id: user,
            is_admin: actor.is_admin,
        };
        sqlx::query("SET LOCAL ROLE ah_test_app")
            .execute(&mut *tx)
            .await
            .unwrap();
        set_principal(&mut tx, principal).await.unwrap();
        // The plan mode the list's transaction is begun with in the app.
        let plans = match query.plans() {
            Plans::Generic => "SET LOCAL plan_cache_mode = force_generic_plan",
            Plans::Custom => "SET LOCAL plan_cache_mode = force_custom_plan",
            Plans::Auto => "SET LOCAL plan_cache_mode = auto",
        };
        sqlx::query(plans).execute(&mut *tx).await.unwrap();
        let page = list::fetch(&mut tx, &actor, query, &TierActions::default())
            .await
            .unwrap();
        tx.rollback().await.unwrap();
        page
    }
}

/// What the outsider sees in `tx` through the application role, with no
/// filter of the query's own; the role is reset afterwards.
async fn as_outsider(tx: &mut sqlx::PgConnection, w: &World) -> Vec<String> {
    set_principal(&mut *tx, user_principal(w.outsider))
        .await
        .unwrap();
    seen_now(tx).await
}

/// What the principal already set in `tx` sees through the application role.
async fn seen_now(tx: &mut sqlx::PgConnection) -> Vec<String> {
    sqlx::query("SET LOCAL ROLE ah_test_app")
        .execute(&mut *tx)
        .await
        .unwrap();
    let ids = sqlx::query_scalar("SELECT advisory_id FROM advisory ORDER BY advisory_id")
        .fetch_all(&mut *tx)
        .await
        .unwrap();
    sqlx::query("RESET ROLE").execute(&mut *tx).await.unwrap();
    ids
}

/// A pool of one connection, so that successive transactions share it.
async fn one_connection(w: &World) -> sqlx::PgPool {
    sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect(&w.db.url)
        .await
        .unwrap()
}

fn user_principal(id: i64) -> Principal {
    Principal::User {
        id,
        is_admin: false,
    }
}

// INV-CONF-2: the policy filters a query that forgot to, and fails closed.
#[tokio::test]
async fn row_level_security_shows_each_principal_only_what_it_may_see() {
    let w = World::new().await;
    assert!(w.visible(None).await.is_empty(), "no principal, no rows");
    assert!(w.visible(Some(Principal::Anonymous)).await.is_empty());
    assert_eq!(w.visible(Some(Principal::System)).await.len(), 3);
    assert_eq!(
        w.visible(Some(Principal::User {
            id: w.admin,
            is_admin: true
        }))
        .await
        .len(),
        3
    );
    assert_eq!(
        w.visible(Some(user_principal(w.theia_member))).await,
        ["ECL-2222-2222-2222", "ECL-3333-3333-3333"]
    );
    assert_eq!(
        w.visible(Some(user_principal(w.outsider))).await,
        ["ECL-4444-4444-4444"]
    );
    assert_eq!(
        w.visible(Some(user_principal(w.grantee))).await,
        ["ECL-2222-2222-2222"]
    );
    assert_eq!(
        w.visible(Some(user_principal(w.group_grantee))).await,
        ["ECL-2222-2222-2222"]
    );
    let _ = (w.theia, w.jetty);
}

// INV-CONF-2: the policies read only the reach `rls_set_principal` resolved
// for the principal now set, so a principal set any other way, or one set
// after another principal's reach was resolved, matches nothing.
#[tokio::test]
async fn a_reach_not_resolved_for_the_principal_now_set_matches_nothing() {
    async fn ids(tx: &mut sqlx::PgConnection) -> Vec<String> {
        sqlx::query_scalar("SELECT advisory_id FROM advisory ORDER BY advisory_id")
            .fetch_all(tx)
            .await
            .unwrap()
    }
    async fn bare_principal(tx: &mut sqlx::PgConnection, id: i64) {
        sqlx::query(
            "SELECT set_config('advisoryhub.user_id', $1, true), set_config('advisoryhub.is_admin', 'off', true)",
        )
        .bind(id.to_string())
        .execute(tx)
        .await
        .unwrap();
    }
    let w = World::new().await;
    let mut tx = app_role_tx(&w.db.pool).await;
    bare_principal(&mut tx, w.theia_member).await;
    assert!(ids(&mut tx).await.is_empty(), "set without its reach");
    set_principal(&mut tx, user_principal(w.theia_member))
        .await
        .unwrap();
    assert_eq!(
        ids(&mut tx).await,
        ["ECL-2222-2222-2222", "ECL-3333-3333-3333"]
    );
    bare_principal(&mut tx, w.outsider).await;
    assert!(ids(&mut tx).await.is_empty(), "another principal's reach");
    set_principal(&mut tx, user_principal(w.outsider))
        .await
        .unwrap();
    assert_eq!(ids(&mut tx).await, ["ECL-4444-4444-4444"]);
}

// INV-CONF-2: the policy reads the caller's grants and teams as resolved for
// the transaction, and any change to them resolves them again, so a grant, a
// lost membership or a moved team counts from the transaction's next
// statement, and a savepoint rolled back takes the change back for the policy
// too.
#[tokio::test]
async fn a_grant_or_a_team_change_counts_from_the_next_statement() {
    async fn change<T>(tx: &mut sqlx::PgConnection, sql: &'static str, value: T)
    where
        T: for<'q> sqlx::Encode<'q, sqlx::Postgres> + sqlx::Type<sqlx::Postgres> + Send + 'static,
    {
        sqlx::query(sql).bind(value).execute(tx).await.unwrap();
    }
    let w = World::new().await;
    let mut tx = w.db.pool.begin().await.unwrap();
    assert_eq!(as_outsider(&mut tx, &w).await, ["ECL-4444-4444-4444"]);
    change(
        &mut tx,
        "INSERT INTO access_grant (advisory_id, principal_type, principal_id, permission)
         SELECT id, 'user', $1, 'viewer' FROM advisory WHERE advisory_id = 'ECL-3333-3333-3333'",
        w.outsider,
    )
    .await;
    assert_eq!(
        seen_now(&mut tx).await,
        ["ECL-3333-3333-3333", "ECL-4444-4444-4444"]
    );
    change(
        &mut tx,
        "DELETE FROM user_group WHERE user_id = $1",
        w.outsider,
    )
    .await;
    assert_eq!(seen_now(&mut tx).await, ["ECL-3333-3333-3333"]);
    // A change undone by a savepoint's rollback is undone for the policy too.
    sqlx::query("SAVEPOINT moved")
        .execute(&mut *tx)
        .await
        .unwrap();
    change(
        &mut tx,
        "UPDATE project SET security_team_id = (SELECT id FROM oidc_group WHERE name = 'committers') WHERE id = $1",
        w.jetty,
    )
    .await;
    change(
        &mut tx,
        "INSERT INTO user_group (user_id, group_id) SELECT $1, id FROM oidc_group WHERE name = 'committers'",
        w.outsider,
    )
    .await;
    assert_eq!(
        seen_now(&mut tx).await,
        [
            "ECL-2222-2222-2222",
            "ECL-3333-3333-3333",
            "ECL-4444-4444-4444"
        ]
    );
    sqlx::query("ROLLBACK TO SAVEPOINT moved")
        .execute(&mut *tx)
        .await
        .unwrap();
    assert_eq!(seen_now(&mut tx).await, ["ECL-3333-3333-3333"]);
    tx.rollback().await.unwrap();
}

// INV-CONF-2: a connection keeps each user's reach across transactions, but
// only while no transaction that changed a grant, a membership or a team has
// committed since: another transaction's change counts from the user's next
// transaction on that connection, an uncommitted one does not count, and a
// transaction that changed them and rolled back leaves nothing behind.
#[tokio::test]
async fn a_connection_keeps_the_reach_only_until_a_change_commits() {
    async fn outsider_sees(pool: &sqlx::PgPool, w: &World) -> Vec<String> {
        let mut tx = pool.begin().await.unwrap();
        let ids = as_outsider(&mut tx, w).await;
        tx.commit().await.unwrap();
        ids
    }
    async fn epoch(pool: &sqlx::PgPool) -> i64 {
        sqlx::query_scalar("SELECT n FROM rls_reach_epoch")
            .fetch_one(pool)
            .await
            .unwrap()
    }
    let w = World::new().await;
    let one = one_connection(&w).await;
    assert_eq!(outsider_sees(&one, &w).await, ["ECL-4444-4444-4444"]);
    let kept: String = sqlx::query_scalar("SELECT current_setting($1, true)")
        .bind(format!("advisoryhub.reach_{}", w.outsider))
        .fetch_one(&one)
        .await
        .unwrap();
    assert!(!kept.is_empty(), "the connection keeps the reach it read");
    assert_eq!(outsider_sees(&one, &w).await, ["ECL-4444-4444-4444"]);

    // Committed elsewhere, two rows in one transaction: the epoch moves once.
    let before = epoch(&w.db.pool).await;
    sqlx::query(
        "INSERT INTO access_grant (advisory_id, principal_type, principal_id, permission)
         SELECT id, 'user', $1, 'viewer' FROM advisory
         WHERE advisory_id IN ('ECL-3333-3333-3333', 'ECL-2222-2222-2222')",
    )
    .bind(w.outsider)
    .execute(&w.db.pool)
    .await
    .unwrap();
    assert_eq!(epoch(&w.db.pool).await, before + 1);
    assert_eq!(
        outsider_sees(&one, &w).await,
        [
            "ECL-2222-2222-2222",
            "ECL-3333-3333-3333",
            "ECL-4444-4444-4444"
        ]
    );

    // Not yet committed elsewhere: not seen; committed: seen.
    let mut other = w.db.pool.begin().await.unwrap();
    sqlx::query("DELETE FROM user_group WHERE user_id = $1")
        .bind(w.outsider)
        .execute(&mut *other)
        .await
        .unwrap();
    assert_eq!(outsider_sees(&one, &w).await.len(), 3);
    other.commit().await.unwrap();
    assert_eq!(
        outsider_sees(&one, &w).await,
        ["ECL-2222-2222-2222", "ECL-3333-3333-3333"]
    );

    // A change on this connection, seen by its own transaction, then rolled
    // back: the next transaction does not see it.
    let mut tx = one.begin().await.unwrap();
    sqlx::query("DELETE FROM access_grant WHERE principal_type = 'user' AND principal_id = $1")
        .bind(w.outsider)
        .execute(&mut *tx)
        .await
        .unwrap();
    let inside = as_outsider(&mut tx, &w).await;
    assert!(inside.is_empty(), "{inside:?}");
    tx.rollback().await.unwrap();
    assert_eq!(
        outsider_sees(&one, &w).await,
        ["ECL-2222-2222-2222", "ECL-3333-3333-3333"]
    );
}

// INV-CONF-2: child tables defer to the advisory.
#[tokio::test]
async fn versions_are_visible_only_with_their_advisory() {
    let w = World::new().await;
    sqlx::query("INSERT INTO advisory_version (advisory_id, version, payload) SELECT id, 1, '{}' FROM advisory")
        .execute(&w.db.pool)
        .await
        .unwrap();
    let mut tx = app_role_tx(&w.db.pool).await;
    set_principal(
        &mut tx,
        Principal::User {
            id: w.outsider,
            is_admin: false,
        },
    )
    .await
    .unwrap();
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM advisory_version")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(n, 1);
}

// The principal is transaction-local: it never outlives its transaction on a
// pooled connection.
#[tokio::test]
async fn the_principal_does_not_leak_to_the_next_transaction() {
    let w = World::new().await;
    let pool = one_connection(&w).await;
    let tx = advisoryhub::db::begin_as(&pool, Principal::System)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let row = sqlx::query("SELECT current_setting('advisoryhub.is_admin', true) AS a, current_setting('advisoryhub.user_id', true) AS u")
        .fetch_one(&pool)
        .await
        .unwrap();
    let admin: Option<String> = row.get("a");
    assert_ne!(admin.as_deref(), Some("on"));
}

// INV-IMPL-1
#[tokio::test]
async fn advisories_cannot_be_deleted() {
    let w = World::new().await;
    let err = sqlx::query("DELETE FROM advisory")
        .execute(&w.db.pool)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("never deleted"), "{err}");
}

// INV-IMPL-5: no bypass, not even with the retention flag.
#[tokio::test]
async fn versions_are_append_only() {
    let w = World::new().await;
    sqlx::query("INSERT INTO advisory_version (advisory_id, version, payload) SELECT id, 1, '{}' FROM advisory LIMIT 1")
        .execute(&w.db.pool)
        .await
        .unwrap();
    for stmt in [
        "UPDATE advisory_version SET payload = '{\"x\":1}'",
        "DELETE FROM advisory_version",
    ] {
        let mut tx = w.db.pool.begin().await.unwrap();
        sqlx::query("SELECT set_config('advisoryhub.retention_op', 'on', true)")
            .execute(&mut *tx)
            .await
            .unwrap();
        let err = sqlx::query(stmt).execute(&mut *tx).await.unwrap_err();
        assert!(err.to_string().contains("append-only"), "{stmt}: {err}");
    }
}

// INV-AUDIT-1, INV-IMPL-2
#[tokio::test]
async fn the_ledger_is_append_only_outside_retention() {
    let w = World::new().await;
    sqlx::query("INSERT INTO audit_log_entry (action) VALUES ('advisory.created')")
        .execute(&w.db.pool)
        .await
        .unwrap();
    for stmt in [
        "UPDATE audit_log_entry SET action = 'x'",
        "DELETE FROM audit_log_entry",
    ] {
        let err = sqlx::query(stmt).execute(&w.db.pool).await.unwrap_err();
        assert!(err.to_string().contains("append-only"), "{stmt}: {err}");
    }
}

// INV-ID-1, INV-GHSA-4
#[tokio::test]
async fn identity_columns_are_fixed() {
    let w = World::new().await;
    for (stmt, msg) in [
        (
            "UPDATE advisory SET advisory_id = 'ECL-5555-5555-5555' WHERE advisory_id = 'ECL-2222-2222-2222'",
            "immutable",
        ),
        (
            "INSERT INTO advisory (advisory_id, project_id) VALUES ('ECL-0000-2222-2222', (SELECT id FROM project LIMIT 1))",
            "check",
        ),
        (
            "UPDATE advisory SET state = 'dismissed' WHERE advisory_id = 'ECL-2222-2222-2222'",
            "check",
        ),
        (
            "UPDATE advisory SET published_at = now() WHERE advisory_id = 'ECL-2222-2222-2222'",
            "",
        ),
    ] {
        let r = sqlx::query(stmt).execute(&w.db.pool).await;
        if msg.is_empty() {
            r.unwrap();
        } else {
            let err = r.unwrap_err().to_string();
            assert!(err.to_lowercase().contains(msg), "{stmt}: {err}");
        }
    }
    let err = sqlx::query("UPDATE advisory SET published_at = now() + interval '1 day' WHERE advisory_id = 'ECL-2222-2222-2222'")
        .execute(&w.db.pool)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("written once"), "{err}");
}

// INV-INTAKE-4: checked at commit.
#[tokio::test]
async fn a_triage_report_on_unsorted_must_be_flagged_for_routing() {
    let w = World::new().await;
    let insert = "INSERT INTO advisory (advisory_id, project_id, state)
                  SELECT 'ECL-6666-6666-6666', id, 'triage' FROM project WHERE slug = 'unsorted' RETURNING id";
    let mut tx = w.db.pool.begin().await.unwrap();
    sqlx::query(insert).execute(&mut *tx).await.unwrap();
    let err = tx.commit().await.unwrap_err();
    assert!(
        err.to_string().contains("flagged for admin routing"),
        "{err}"
    );

    let mut tx = w.db.pool.begin().await.unwrap();
    let id: i64 = sqlx::query_scalar(insert)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    sqlx::query("INSERT INTO advisory_intake (advisory_id, needs_admin_routing) VALUES ($1, true)")
        .bind(id)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

// INV-PROJECT-2
#[tokio::test]
async fn unsorted_exists_and_follows_the_configured_admin_group() {
    let w = World::new().await;
    let mut conn = w.db.pool.acquire().await.unwrap();
    let p = advisoryhub::advisories::projects::by_slug(&mut conn, "unsorted")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(p.security_team, "advisoryhub-security");
    advisoryhub::advisories::projects::ensure_unsorted(&mut conn, "psirt")
        .await
        .unwrap();
    let p = advisoryhub::advisories::projects::by_slug(&mut conn, "unsorted")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(p.security_team, "psirt");
}

// INV-AUTH-3: owner is never stored; grants point at real principals.
#[tokio::test]
async fn grants_are_viewer_or_collaborator_for_real_principals() {
    let w = World::new().await;
    let a: i64 = sqlx::query_scalar("SELECT id FROM advisory LIMIT 1")
        .fetch_one(&w.db.pool)
        .await
        .unwrap();
    let owner = sqlx::query("INSERT INTO access_grant (advisory_id, principal_type, principal_id, permission) VALUES ($1, 'user', $2, 'owner')")
        .bind(a)
        .bind(w.outsider)
        .execute(&w.db.pool)
        .await;
    assert!(owner.is_err());
    let ghost = sqlx::query("INSERT INTO access_grant (advisory_id, principal_type, principal_id, permission) VALUES ($1, 'user', 999999, 'viewer')")
        .bind(a)
        .execute(&w.db.pool)
        .await
        .unwrap_err();
    assert!(ghost.to_string().contains("does not exist"), "{ghost}");
}

// Mandatory test 6 of 30-permissions §11.4: the policy and the application's
// visible-set query agree for every principal, run as the application role
// (so the search's SECURITY DEFINER function and the tally's policy take
// part), with and without a search, after rows moved between projects and
// states (so the tally's trigger did).
#[tokio::test]
async fn row_level_security_and_the_list_query_agree() {
    use advisoryhub::advisories::list::{ListQuery, RawQuery};
    let w = World::new().await;
    sqlx::query("UPDATE advisory SET project_id = $1, state = 'published', summary = 'ReDoS in the parser' WHERE advisory_id = 'ECL-3333-3333-3333'")
        .bind(w.jetty)
        .execute(&w.db.pool)
        .await
        .unwrap();
    sqlx::query("UPDATE advisory SET severity_level = 'high', details = 'a redos too' WHERE advisory_id = 'ECL-2222-2222-2222'")
        .execute(&w.db.pool)
        .await
        .unwrap();
    let tally_agrees: bool = sqlx::query_scalar(
        "SELECT NOT EXISTS (
             (SELECT project_id, state, severity_level, review_status, kind, count(*) FROM advisory GROUP BY 1, 2, 3, 4, 5)
             EXCEPT (SELECT project_id, state, severity_level, review_status, kind, n FROM advisory_tally WHERE n > 0))
         AND NOT EXISTS (SELECT 1 FROM advisory_tally WHERE n < 0)",
    )
    .fetch_one(&w.db.pool)
    .await
    .unwrap();
    assert!(tally_agrees);
    for q in [None, Some("REDOS"), Some("ecl-2222"), Some("%")] {
        let query = ListQuery::parse(RawQuery {
            page_size: Some("200".into()),
            q: q.map(str::to_owned),
            ..RawQuery::default()
        })
        .unwrap();
        for user in [
            w.admin,
            w.theia_member,
            w.outsider,
            w.grantee,
            w.group_grantee,
        ] {
            let page = w.list_as(user, &query).await;
            let principal = Principal::User {
                id: user,
                is_admin: user == w.admin,
            };
            let mut app: Vec<String> = page.rows.into_iter().map(|r| r.advisory_id).collect();
            app.sort();
            let rls: Vec<String> = w
                .visible(Some(principal))
                .await
                .into_iter()
                .filter(|id| match q {
                    None => true,
                    Some("REDOS") => id != "ECL-4444-4444-4444",
                    Some("ecl-2222") => id == "ECL-2222-2222-2222",
                    Some(_) => false,
                })
                .collect();
            assert_eq!(app, rls, "user {user}, search {q:?}");
            assert_eq!(page.counts.all(), i64::try_from(rls.len()).unwrap());
        }
    }
}

// 50-web-ui §5.3: every sort, in both directions, and every filter, paged a
// few rows at a time, give the visible set in the order the page promises
// (ties broken by the newest row first), whichever branch of the page
// statement and whichever plan mode serves them.
#[tokio::test]
async fn the_list_pages_through_every_sort_and_filter_in_order() {
    use advisoryhub::advisories::list::{RawQuery, SORTS};
    let w = World::new().await;
    seed_list_shapes(&w).await;
    let all = ListRow::load_all(&w).await;
    for sort in SORTS {
        for sort in [sort.to_owned(), format!("-{sort}")] {
            let got = w
                .paged(
                    w.admin,
                    RawQuery {
                        sort: Some(sort.clone()),
                        ..RawQuery::default()
                    },
                )
                .await;
            assert_eq!(got, expected_order(&all, &sort, |_| true), "sort {sort}");
        }
    }
    let theia = w.theia;
    let filters: [(RawQuery, Keep); 7] = [
        (
            RawQuery {
                q: Some("XXXX".into()),
                ..RawQuery::default()
            },
            Box::new(|r| r.public.ends_with("-xxxx-xxxx")),
        ),
        (
            RawQuery {
                state: Some("draft".into()),
                ..RawQuery::default()
            },
            Box::new(|r| r.state == 1),
        ),
        (
            RawQuery {
                severity: Some("high".into()),
                ..RawQuery::default()
            },
            Box::new(|r| r.severity == 3),
        ),
        (
            RawQuery {
                review_status: Some("approved".into()),
                ..RawQuery::default()
            },
            Box::new(|r| r.review == "approved"),
        ),
        (
            RawQuery {
                kind: Some("native".into()),
                ..RawQuery::default()
            },
            Box::new(|r| r.kind == "native"),
        ),
        (
            RawQuery {
                project: Some(theia.to_string()),
                ..RawQuery::default()
            },
            Box::new(move |r| r.project_id == theia),
        ),
        (
            RawQuery {
                state: Some("draft".into()),
                severity: Some("medium".into()),
                sort: Some("severity".into()),
                ..RawQuery::default()
            },
            Box::new(|r| r.state == 1 && r.severity == 2),
        ),
    ];
    for (raw, keep) in filters {
        let sort = raw.sort.clone().unwrap_or_else(|| "-modified".into());
        let got = w.paged(w.admin, raw.clone()).await;
        let want = expected_order(&all, &sort, keep);
        assert!(!want.is_empty(), "{raw:?} matches something");
        assert_eq!(got, want, "{raw:?}");
    }
}

/// INV-CONF-2: a member's list is their team projects' advisories and those
/// granted to them elsewhere, each once, in order across pages — the plain
/// list reads each team project's newest rows and the grants apart.
#[tokio::test]
async fn a_members_list_pages_through_their_team_and_grants_in_order() {
    use advisoryhub::advisories::list::RawQuery;
    let w = World::new().await;
    seed_list_shapes(&w).await;
    for public in ["ECL-6666-xxxx-xxxx", "ECL-5555-xxxx-xxxx"] {
        sqlx::query(
            "INSERT INTO access_grant (advisory_id, principal_type, principal_id, permission)
             SELECT id, 'user', $2, 'viewer' FROM advisory WHERE advisory_id = $1",
        )
        .bind(public)
        .bind(w.theia_member)
        .execute(&w.db.pool)
        .await
        .unwrap();
    }
    let all = ListRow::load_all(&w).await;
    let theia = w.theia;
    let sees = move |r: &ListRow| r.project_id == theia || r.public == "ECL-6666-xxxx-xxxx";
    let shapes: [(RawQuery, Keep); 3] = [
        (RawQuery::default(), Box::new(sees)),
        (
            RawQuery {
                q: Some("xxxx".into()),
                ..RawQuery::default()
            },
            Box::new(move |r| sees(r) && r.public.ends_with("-xxxx-xxxx")),
        ),
        (
            RawQuery {
                q: Some("xxxx".into()),
                sort: Some("-severity".into()),
                ..RawQuery::default()
            },
            Box::new(move |r| sees(r) && r.public.ends_with("-xxxx-xxxx")),
        ),
    ];
    for (raw, keep) in shapes {
        let sort = raw.sort.clone().unwrap_or_else(|| "-modified".into());
        let want = expected_order(&all, &sort, keep);
        assert!(want.contains(&"ECL-6666-xxxx-xxxx".to_owned()), "{raw:?}");
        assert_eq!(w.paged(w.theia_member, raw.clone()).await, want, "{raw:?}");
    }
}

type Keep = Box<dyn Fn(&ListRow) -> bool>;

/// Advisories in every state, with ties and an unscored one, in both
/// projects.
async fn seed_list_shapes(w: &World) {
    let shapes = [
        ("triage", "critical", Some(9.8), "none"),
        ("draft", "high", Some(7.5), "submitted"),
        ("draft", "high", Some(8.1), "none"),
        ("published", "medium", Some(5.0), "approved"),
        ("published", "low", Some(2.0), "approved"),
        ("dismissed", "none", None, "none"),
        ("draft", "medium", Some(5.0), "changes_requested"),
    ];
    for (i, (state, severity, score, review)) in shapes.iter().enumerate() {
        let project = if i % 2 == 0 { w.theia } else { w.jetty };
        let c = char::from(b"56789cf"[i]);
        let id = raw_advisory(&w.db.pool, &format!("ECL-{c}{c}{c}{c}-xxxx-xxxx"), project).await;
        sqlx::query(
            "UPDATE advisory SET state = $2, severity_level = $3, severity_score = $4, review_status = $5,
                    dismissed_reason = CASE WHEN $2 = 'dismissed' THEN 'duplicate' ELSE '' END
             WHERE id = $1",
        )
        .bind(id)
        .bind(state)
        .bind(severity)
        .bind(score)
        .bind(review)
        .execute(&w.db.pool)
        .await
        .unwrap();
    }
}

/// What a row's place in the list depends on, read past the policy.
struct ListRow {
    id: i64,
    public: String,
    project: String,
    state: usize,
    severity: usize,
    score: Option<f64>,
    review: String,
    kind: String,
    project_id: uuid::Uuid,
    modified: time::OffsetDateTime,
}

impl ListRow {
    async fn load_all(w: &World) -> Vec<ListRow> {
        let position = |list: &[&str], v: &str| list.iter().position(|x| *x == v).unwrap();
        sqlx::query(
            "SELECT a.id, a.advisory_id, lower(p.name) AS project, a.state, a.severity_level,
                    a.severity_score, a.review_status, a.kind, a.project_id, a.modified_at
             FROM advisory a JOIN project p ON p.id = a.project_id",
        )
        .fetch_all(&w.db.pool)
        .await
        .unwrap()
        .iter()
        .map(|r| ListRow {
            id: r.get("id"),
            public: r.get("advisory_id"),
            project: r.get("project"),
            state: position(
                &["triage", "draft", "published", "dismissed"],
                r.get("state"),
            ),
            severity: position(
                &["none", "low", "medium", "high", "critical"],
                r.get("severity_level"),
            ),
            score: r.get("severity_score"),
            review: r.get("review_status"),
            kind: r.get("kind"),
            project_id: r.get("project_id"),
            modified: r.get("modified_at"),
        })
        .collect()
    }
}

/// The rows `keep` lets through, in the order `sort` promises.
fn expected_order(all: &[ListRow], sort: &str, keep: impl Fn(&ListRow) -> bool) -> Vec<String> {
    use std::cmp::Ordering;
    let desc = sort.starts_with('-');
    // Unscored rows come last in both directions, so before the whole order
    // is reversed for a descending sort they come first.
    let score = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(x), Some(y)) => x.total_cmp(&y),
        (None, None) => Ordering::Equal,
        (None, Some(_)) if desc => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (Some(_), None) if desc => Ordering::Greater,
        (Some(_), None) => Ordering::Less,
    };
    let mut rows: Vec<&ListRow> = all.iter().filter(|r| keep(r)).collect();
    rows.sort_by(|a, b| {
        let primary = match sort.trim_start_matches('-') {
            "id" => a.public.cmp(&b.public),
            "project" => a.project.cmp(&b.project),
            "state" => a.state.cmp(&b.state),
            "severity" => a
                .severity
                .cmp(&b.severity)
                .then_with(|| score(a.score, b.score)),
            _ => a.modified.cmp(&b.modified),
        };
        let primary = if desc { primary.reverse() } else { primary };
        primary.then_with(|| b.id.cmp(&a.id))
    });
    rows.into_iter().map(|r| r.public.clone()).collect()
}

impl World {
    /// Every page of the admin's list for `raw`, three rows at a time.
    async fn paged(&self, user: i64, raw: advisoryhub::advisories::list::RawQuery) -> Vec<String> {
        use advisoryhub::advisories::list::{ListQuery, RawQuery};
        let mut got = Vec::new();
        for page in 1.. {
            let query = ListQuery::parse(RawQuery {
                page: Some(page.to_string()),
                page_size: Some("3".into()),
                ..raw.clone()
            })
            .unwrap();
            let rows = self.list_as(user, &query).await.rows;
            if rows.is_empty() {
                break;
            }
            got.extend(rows.into_iter().map(|r| r.advisory_id));
        }
        got
    }
}
