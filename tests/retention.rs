//! The retention and privacy commands against a seeded database, through the
//! real binary (90-operations §8, 20-lifecycle §17.3–17.4): what goes, what
//! stays, each run's own audit row, and that the append-only triggers still
//! refuse ordinary updates and deletes afterwards (INV-AUDIT-1, INV-IMPL-2,
//! INV-IMPL-3, INV-AUDIT-5, INV-AUDIT-6, Q-7, Q-22).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::too_many_lines,
    reason = "tests fail loudly on purpose and walk whole scenarios"
)]

mod common;

use advisoryhub::db::{Principal, set_principal};
use common::world::{app_role_tx, projects, raw_advisory, user};
use common::{TestDb, run_cli};
use serde_json::{Value, json};
use sqlx::PgPool;

async fn cli(db: &TestDb, args: &[&str]) -> (i32, String, String) {
    run_cli(
        args,
        &[
            ("APP_ENV", "test"),
            ("DATABASE_URL", db.url.as_str()),
            ("LOG_FORMAT", "json"),
        ],
    )
    .await
}

async fn exec(pool: &PgPool, sql: &str) {
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
        .execute(pool)
        .await
        .unwrap();
}

async fn count(pool: &PgPool, sql: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .fetch_one(pool)
        .await
        .unwrap()
}

/// The ledger (and, with `versions`, comment versions) refuse an ordinary
/// UPDATE and DELETE, both as the connection's own role without the flag and
/// as an application role with it. The tables must hold rows: row triggers
/// do not fire on none.
async fn ledger_still_refuses(pool: &PgPool, versions: bool) {
    let mut statements = vec![
        "UPDATE audit_log_entry SET action = 'x'",
        "DELETE FROM audit_log_entry",
    ];
    if versions {
        statements.push("UPDATE comment_version SET body = 'rewritten'");
    }
    for stmt in statements {
        let err = sqlx::query(sqlx::AssertSqlSafe(stmt))
            .execute(pool)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("append-only"), "{stmt}: {err}");
        common::world::app_role(pool).await;
        let mut tx = app_role_tx(pool).await;
        // Row-level security would otherwise hide the comment versions.
        set_principal(&mut tx, Principal::System).await.unwrap();
        sqlx::query("SELECT set_config('advisoryhub.retention_op', 'on', true)")
            .execute(&mut *tx)
            .await
            .unwrap();
        let err = sqlx::query(sqlx::AssertSqlSafe(stmt))
            .execute(&mut *tx)
            .await
            .unwrap_err();
        assert!(
            err.to_string().contains("append-only"),
            "a non-member with the flag: {stmt}: {err}"
        );
    }
}

// INV-AUDIT-1, INV-AUDIT-6, Q-22: rows older than the horizon go, except
// first-view receipts and earlier prune records; the run records
// audit.pruned with its cutoff, which becomes the pruning floor; a dry run
// changes nothing and records nothing.
#[tokio::test]
async fn prune_audit_deletes_old_rows_keeps_receipts_and_records_itself() {
    let db = TestDb::new().await;
    let pool = &db.pool;
    let theia = projects(pool).await.theia;
    let advisory = raw_advisory(pool, "ECL-2222-2222-2222", theia).await;
    exec(
        pool,
        &format!(
            "INSERT INTO audit_log_entry (action, advisory_id, created_at) VALUES
               ('advisory.created', {advisory}, now() - interval '4000 days'),
               ('advisory.edited', {advisory}, now() - interval '3700 days'),
               ('advisory.first_seen', {advisory}, now() - interval '4000 days'),
               ('advisory.edited', {advisory}, now() - interval '10 days')"
        ),
    )
    .await;

    let (code, out, err) = cli(&db, &["prune-audit", "--dry-run"]).await;
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("dry run, nothing changed: would delete 2 ledger row(s)"),
        "{out}"
    );
    assert!(out.contains("1 older row(s) kept"), "{out}");
    assert_eq!(count(pool, "SELECT count(*) FROM audit_log_entry").await, 4);

    // Bad arguments: a message and a non-zero exit, nothing changed.
    let (code, _, err) = cli(&db, &["prune-audit"]).await;
    assert_ne!(code, 0);
    assert!(err.contains("--reason is required"), "{err}");
    let (code, _, err) = cli(
        &db,
        &["prune-audit", "--older-than-days", "0", "--reason", "x"],
    )
    .await;
    assert_eq!(code, 2, "{err}");
    let (code, _, _) = cli(&db, &["prune-audit", "--older-than-days", "soon"]).await;
    assert_eq!(code, 2);
    assert_eq!(count(pool, "SELECT count(*) FROM audit_log_entry").await, 4);

    let (code, out, err) = cli(&db, &["prune-audit", "--reason", "scheduled retention"]).await;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("deleted 2 ledger row(s)"), "{out}");
    let left: Vec<String> = sqlx::query_scalar("SELECT action FROM audit_log_entry ORDER BY id")
        .fetch_all(pool)
        .await
        .unwrap();
    assert_eq!(
        left,
        ["advisory.first_seen", "advisory.edited", "audit.pruned"]
    );
    let (actor, metadata): (Option<i64>, Value) = sqlx::query_as(
        "SELECT actor_id, metadata FROM audit_log_entry WHERE action = 'audit.pruned'",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(actor, None);
    assert_eq!(metadata["horizon_days"], 3650);
    assert_eq!(metadata["deleted"], 2);
    assert_eq!(metadata["kept"], 1);
    assert_eq!(metadata["reason"], "scheduled retention");
    assert_eq!(metadata["via"], "cli");

    // The floor is the recorded cutoff; the advisory predates it.
    let floor = advisoryhub::ops::retention::pruning_floor(&recorded_cutoffs(pool).await)
        .expect("a pruning floor");
    let recorded = time::OffsetDateTime::parse(
        metadata["cutoff"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    assert_eq!(floor, recorded);
    let age = time::OffsetDateTime::now_utc() - floor;
    assert!((age.whole_days() - 3650).abs() <= 1, "{age}");

    // Nothing older is left to prune, and the run still records itself.
    let (code, out, _) = cli(&db, &["prune-audit", "--reason", "again"]).await;
    assert_eq!(code, 0);
    assert!(out.contains("deleted 0 ledger row(s)"), "{out}");
    assert_eq!(
        count(
            pool,
            "SELECT count(*) FROM audit_log_entry WHERE action = 'audit.pruned'"
        )
        .await,
        2
    );
    ledger_still_refuses(pool, false).await;
}

/// The seeded person and what refers to them.
struct Seed {
    ann: i64,
    advisory: i64,
    comment: i64,
}

async fn seed_ann(pool: &PgPool) -> Seed {
    let theia = projects(pool).await.theia;
    let ann = user(pool, "Ann@Example.org", &["theia-security"]).await;
    let bob = user(pool, "bob@example.org", &["theia-security"]).await;
    exec(
        pool,
        &format!(
            "UPDATE app_user SET display_name = 'Ann Example', first_name = 'Ann', last_name = 'Example',
                    oidc_subject = 'sub-ann' WHERE id = {ann}"
        ),
    )
    .await;
    let advisory = raw_advisory(pool, "ECL-2222-2222-2222", theia).await;
    let credits = json!([
        {"name": "Ann Example", "contact": ["mailto:ann@example.org"]},
        {"name": "Bob", "contact": ["mailto:bob@example.org"]},
    ]);
    sqlx::query("UPDATE advisory SET credits = $2 WHERE id = $1")
        .bind(advisory)
        .bind(&credits)
        .execute(pool)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO advisory_version (advisory_id, version, payload, editor_id)
         VALUES ($1, 1, jsonb_build_object('summary', 's', 'credits', $2::jsonb), $3)",
    )
    .bind(advisory)
    .bind(&credits)
    .bind(bob)
    .execute(pool)
    .await
    .unwrap();
    let comment: i64 = sqlx::query_scalar(
        "INSERT INTO advisory_comment (advisory_id, author_id, body) VALUES ($1, $2, 'second draft')
         RETURNING id",
    )
    .bind(advisory)
    .bind(ann)
    .fetch_one(pool)
    .await
    .unwrap();
    exec(
        pool,
        &format!(
            "INSERT INTO comment_version (comment_id, version, body, editor_id) VALUES
               ({comment}, 1, 'first draft by Ann', {ann}), ({comment}, 2, 'second draft', {ann});
             INSERT INTO advisory_comment (advisory_id, author_id, body) VALUES ({advisory}, {bob}, 'bob stays');
             INSERT INTO pending_invitation (advisory_id, email, permission, token, created_by) VALUES
               ({advisory}, 'guest@example.org', 'viewer', repeat('a', 43), {ann}),
               ({advisory}, 'ann@example.org', 'viewer', repeat('b', 43), {bob}),
               ({advisory}, 'other@example.org', 'viewer', repeat('c', 43), {bob});
             INSERT INTO advisory_intake (advisory_id, reporter_user_id, reporter_display_name,
                                          submitted_ip, submitted_user_agent)
               VALUES ({advisory}, {ann}, 'Ann E.', '203.0.113.7', 'Firefox');
             INSERT INTO audit_log_entry (actor_id, action, advisory_id, metadata, ip_address, user_agent) VALUES
               ({ann}, 'advisory.edited', {advisory}, '{{\"by\": \"Ann Example <ann@example.org>\"}}', '203.0.113.7', 'Firefox'),
               ({bob}, 'access.granted', {advisory}, '{{\"principal\": \"ANN@example.org\"}}', '198.51.100.1', 'Chrome'),
               ({bob}, 'advisory.edited', {advisory}, '{{}}', '198.51.100.1', 'Chrome');
             INSERT INTO access_log_entry (action, actor_id, metadata) VALUES
               ('auth.login', {ann}, '{{}}'), ('auth.login', {bob}, '{{}}');
             INSERT INTO web_session (id_hash, data, expires_at, user_id, signed_in_at)
               VALUES (sha256('s'), '{{}}', now() + interval '1 day', {ann}, now());"
        ),
    )
    .await;
    Seed {
        ann,
        advisory,
        comment,
    }
}

// 20-lifecycle §17.3, INV-AUDIT-1, INV-AUDIT-5, INV-IMPL-3, Q-7: the
// account is replaced by a pseudonym everywhere the hub keeps it, the
// others' data stays, user.forgotten carries counters and no personal data,
// and the triggers refuse ordinary rewrites afterwards.
#[tokio::test]
async fn forget_user_pseudonymises_everywhere_and_records_itself() {
    let db = TestDb::new().await;
    let pool = &db.pool;
    let Seed {
        ann,
        advisory,
        comment,
    } = seed_ann(pool).await;
    let pseudo = format!("forgotten-{ann}@example.invalid");

    let (code, _, err) = cli(&db, &["forget-user", "nobody@example.org", "--reason", "x"]).await;
    assert_ne!(code, 0);
    assert!(err.contains("no account has the e-mail"), "{err}");
    let (code, _, _) = cli(&db, &["forget-user", "ann@example.org"]).await;
    assert_eq!(code, 2, "--reason is required");
    let (code, _, err) = cli(
        &db,
        &[
            "forget-user",
            "ann@example.org",
            "--reason",
            "x",
            "--pseudo",
            "bob@example.org",
        ],
    )
    .await;
    assert_ne!(code, 0);
    assert!(err.contains("belongs to another account"), "{err}");
    assert_eq!(
        count(
            pool,
            "SELECT count(*) FROM app_user WHERE email = 'Ann@Example.org'"
        )
        .await,
        1,
        "refusals change nothing"
    );

    let (code, out, err) = cli(
        &db,
        &[
            "forget-user",
            "ANN@example.org",
            "--reason",
            "GDPR request 42",
        ],
    )
    .await;
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains(&format!("forgot user {ann} (now {pseudo})")),
        "{out}"
    );
    assert!(out.contains("2 ledger row(s) rewritten"), "{out}");

    // The user row.
    let (email, name, subject, active): (String, String, String, bool) = sqlx::query_as(
        "SELECT email, display_name || first_name || last_name, oidc_subject, is_active
         FROM app_user WHERE id = $1",
    )
    .bind(ann)
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(
        (email.as_str(), name.as_str(), subject.as_str(), active),
        (pseudo.as_str(), "", "", false)
    );

    // The ledger: the address and names replaced, Ann's own row without its
    // network data, Bob's unrelated row untouched.
    let rows: Vec<(Option<i64>, Value, Option<String>, String)> = sqlx::query_as(
        "SELECT actor_id, metadata, host(ip_address), user_agent FROM audit_log_entry
         WHERE action <> 'user.forgotten' ORDER BY id",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    assert_eq!(
        rows[0],
        (
            Some(ann),
            json!({"by": format!("[redacted] <{pseudo}>")}),
            None,
            String::new()
        )
    );
    assert_eq!(rows[1].1, json!({"principal": pseudo}));
    assert_eq!(
        rows[1].2.as_deref(),
        Some("198.51.100.1"),
        "Bob's row keeps its address"
    );
    assert_eq!(rows[2].1, json!({}));

    // The access log and sessions.
    assert_eq!(
        count(
            pool,
            &format!("SELECT count(*) FROM access_log_entry WHERE actor_id = {ann}")
        )
        .await,
        0
    );
    assert_eq!(
        count(pool, "SELECT count(*) FROM access_log_entry").await,
        1
    );
    assert_eq!(count(pool, "SELECT count(*) FROM web_session").await, 0);

    // Comments: Ann's redacted with every version scrubbed; Bob's stays.
    let (body, redacted): (String, bool) =
        sqlx::query_as("SELECT body, redacted_at IS NOT NULL FROM advisory_comment WHERE id = $1")
            .bind(comment)
            .fetch_one(pool)
            .await
            .unwrap();
    assert_eq!((body.as_str(), redacted), ("", true));
    assert_eq!(
        count(
            pool,
            &format!(
                "SELECT count(*) FROM comment_version WHERE comment_id = {comment} AND body <> ''"
            )
        )
        .await,
        0
    );
    assert_eq!(
        count(
            pool,
            "SELECT count(*) FROM advisory_comment WHERE body = 'bob stays'"
        )
        .await,
        1
    );

    // Invitations: the ones Ann sent or received are gone; Bob's other stays.
    let invited: Vec<String> = sqlx::query_scalar("SELECT email FROM pending_invitation")
        .fetch_all(pool)
        .await
        .unwrap();
    assert_eq!(invited, ["other@example.org"]);

    // The intake report.
    let (reporter, display, ip, ua, cleared): (Option<i64>, String, Option<String>, String, bool) =
        sqlx::query_as(
            "SELECT reporter_user_id, reporter_display_name, host(submitted_ip), submitted_user_agent,
                    pii_cleared_at IS NOT NULL FROM advisory_intake WHERE advisory_id = $1",
        )
        .bind(advisory)
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(
        (reporter, display.as_str(), ip, ua.as_str(), cleared),
        (None, "", None, "", true)
    );

    // Credits (Q-7): the live row and a new version without editor lose
    // Ann's credit; version 1 keeps it.
    let live: Value = sqlx::query_scalar("SELECT credits FROM advisory WHERE id = $1")
        .bind(advisory)
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(
        live,
        json!([{"name": "Bob", "contact": ["mailto:bob@example.org"]}])
    );
    let versions: Vec<(i32, Option<i64>, Value)> = sqlx::query_as(
        "SELECT version, editor_id, payload -> 'credits' FROM advisory_version
         WHERE advisory_id = $1 ORDER BY version",
    )
    .bind(advisory)
    .fetch_all(pool)
    .await
    .unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[0].2.as_array().map(Vec::len), Some(2));
    assert_eq!(
        (versions[1].0, versions[1].1, &versions[1].2),
        (2, None, &live)
    );

    // The record: counters, the reason, no address or name.
    let (actor, metadata): (Option<i64>, Value) = sqlx::query_as(
        "SELECT actor_id, metadata FROM audit_log_entry WHERE action = 'user.forgotten'",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(actor, None);
    assert_eq!(metadata["subject_pk"], ann);
    assert_eq!(metadata["via"], "cli");
    assert_eq!(metadata["reason"], "GDPR request 42");
    assert_eq!(metadata["counters"]["comments"], 1);
    assert_eq!(metadata["counters"]["comment_versions"], 2);
    assert_eq!(metadata["counters"]["invitations_deleted"], 2);
    assert_eq!(metadata["counters"]["credited_advisories"], 1);
    let text = metadata.to_string().to_lowercase();
    assert!(
        !text.contains("ann@") && !text.contains("ann example"),
        "{text}"
    );

    // Forgotten is forgotten: the address no longer finds anyone.
    let (code, _, err) = cli(
        &db,
        &["forget-user", "ann@example.org", "--reason", "again"],
    )
    .await;
    assert_ne!(code, 0);
    assert!(err.contains("no account"), "{err}");
    ledger_still_refuses(pool, true).await;
}

// --also-delete removes the row outright, except for an editor of
// advisories, whose versions are append-only without exception.
#[tokio::test]
async fn forget_user_also_delete_removes_the_row_unless_it_edited_advisories() {
    let db = TestDb::new().await;
    let pool = &db.pool;
    let Seed { ann, advisory, .. } = seed_ann(pool).await;
    let carol = user(pool, "carol@example.org", &[]).await;
    exec(
        pool,
        &format!(
            "INSERT INTO advisory_version (advisory_id, version, payload, editor_id)
             VALUES ({advisory}, 2, '{{}}', {carol})"
        ),
    )
    .await;
    let (code, _, err) = cli(
        &db,
        &[
            "forget-user",
            "carol@example.org",
            "--reason",
            "r",
            "--also-delete",
        ],
    )
    .await;
    assert_ne!(code, 0);
    assert!(err.contains("--also-delete is refused"), "{err}");
    assert_eq!(
        count(
            pool,
            &format!("SELECT count(*) FROM app_user WHERE id = {carol}")
        )
        .await,
        1
    );

    let (code, out, err) = cli(
        &db,
        &[
            "forget-user",
            "ann@example.org",
            "--reason",
            "r",
            "--also-delete",
            "--pseudo",
            "gone@example.invalid",
        ],
    )
    .await;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("user row deleted"), "{out}");
    assert_eq!(
        count(
            pool,
            &format!("SELECT count(*) FROM app_user WHERE id = {ann}")
        )
        .await,
        0
    );
    let by: String = sqlx::query_scalar(
        "SELECT metadata::text FROM audit_log_entry WHERE action = 'access.granted'",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    assert!(by.contains("gone@example.invalid"), "{by}");
    let actors = count(
        pool,
        &format!("SELECT count(*) FROM audit_log_entry WHERE actor_id = {ann}"),
    )
    .await;
    assert_eq!(actors, 0, "the ledger's references became NULL");
}

async fn intake(
    pool: &PgPool,
    public_id: &str,
    state: &str,
    age_days: i32,
    project: uuid::Uuid,
) -> i64 {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO advisory (advisory_id, project_id, summary, state, modified_at)
         VALUES ($1, $2, 's', $3, now() - make_interval(days => $4)) RETURNING id",
    )
    .bind(public_id)
    .bind(project)
    .bind(state)
    .bind(age_days)
    .fetch_one(pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO advisory_intake (advisory_id, reporter_display_name, submitted_ip, submitted_user_agent)
         VALUES ($1, 'Reporter', '203.0.113.9', 'Firefox')",
    )
    .bind(id)
    .execute(pool)
    .await
    .unwrap();
    id
}

async fn scrubbed(pool: &PgPool, advisory: i64) -> bool {
    sqlx::query_scalar(
        "SELECT pii_cleared_at IS NOT NULL AND submitted_ip IS NULL AND submitted_user_agent = ''
                AND reporter_display_name = ''
         FROM advisory_intake WHERE advisory_id = $1",
    )
    .bind(advisory)
    .fetch_one(pool)
    .await
    .unwrap()
}

// 90-operations §8: reports of advisories out of triage and unmodified past
// the horizon are scrubbed, as are old honeypot rows; recent ones and
// triage reports stay; one advisory's report on demand, whatever its age.
#[tokio::test]
async fn prune_reports_scrubs_old_reports_and_honeypots_only() {
    let db = TestDb::new().await;
    let pool = &db.pool;
    let p = projects(pool).await;
    let old_draft = intake(pool, "ECL-2222-2222-2222", "draft", 400, p.theia).await;
    let old_triage = intake(pool, "ECL-3333-3333-3333", "triage", 400, p.jetty).await;
    let recent = intake(pool, "ECL-4444-4444-4444", "draft", 10, p.theia).await;
    exec(
        pool,
        "INSERT INTO honeypot_submission (submitted_ip, submitted_user_agent, honeypot_field_value, submitted_at)
         VALUES ('198.51.100.5', 'bot', 'spam', now() - interval '400 days'),
                ('198.51.100.6', 'bot', 'spam', now())",
    )
    .await;

    let (code, out, err) = cli(&db, &["prune-reports", "--dry-run"]).await;
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("would scrub 1 intake report(s) and 1 honeypot row(s) older than 365 day(s)"),
        "{out}"
    );
    assert!(!scrubbed(pool, old_draft).await);

    let (code, _, _) = cli(
        &db,
        &[
            "prune-reports",
            "--advisory-id",
            "ECL-2222-2222-2222",
            "--retention-days",
            "3",
        ],
    )
    .await;
    assert_eq!(code, 2, "the two scopes exclude each other");
    let (code, _, err) = cli(
        &db,
        &["prune-reports", "--advisory-id", "ECL-9999-9999-9999"],
    )
    .await;
    assert_ne!(code, 0);
    assert!(err.contains("no advisory ECL-9999-9999-9999"), "{err}");

    let (code, out, err) = cli(&db, &["prune-reports"]).await;
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("scrubbed 1 intake report(s) and 1 honeypot row(s)"),
        "{out}"
    );
    assert!(scrubbed(pool, old_draft).await);
    assert!(!scrubbed(pool, old_triage).await, "still in triage");
    assert!(!scrubbed(pool, recent).await, "recently modified");
    assert_eq!(
        count(pool, "SELECT count(*) FROM honeypot_submission WHERE submitted_ip IS NULL AND honeypot_field_value = '' AND pii_cleared_at IS NOT NULL").await,
        1
    );

    let (code, out, err) = cli(
        &db,
        &["prune-reports", "--advisory-id", "ECL-4444-4444-4444"],
    )
    .await;
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("scrubbed 1 intake report(s) and 0 honeypot row(s) of ECL-4444-4444-4444"),
        "{out}"
    );
    assert!(scrubbed(pool, recent).await);

    let runs: Vec<Value> = sqlx::query_scalar(
        "SELECT metadata FROM audit_log_entry WHERE action = 'intake.reports_pruned' ORDER BY id",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    assert_eq!(
        runs,
        [
            json!({"retention_days": 365, "advisory": null, "sidecars": 1, "honeypots": 1, "via": "cli"}),
            json!({"retention_days": null, "advisory": "ECL-4444-4444-4444", "sidecars": 1, "honeypots": 0, "via": "cli"}),
        ]
    );
    ledger_still_refuses(pool, false).await;
}

// 50-web-ui §14.9: the admin console's forget runs the same operation after
// the admin check and a step-up: never oneself, a justification and the
// retyped address first; then user.forgotten via the console, by the admin.
#[tokio::test]
async fn the_admin_console_forgets_through_the_same_operation() {
    let site = common::site::Site::start(&[("STEP_UP_REQUIRED", "false")]).await;
    let dave = common::world::sign_in(&site, "dave").await;
    drop(dave);
    let alice = common::world::sign_in(&site, "alice").await;
    let pool = &site.db.pool;
    let dave_id = site.user_id("dave@example.org").await;
    let alice_id = site.user_id("alice@example.org").await;
    let page_url = site.url(&format!("/admin/users/{dave_id}/"));
    let forget_url = site.url(&format!("/admin/users/{dave_id}/forget/"));
    let page = alice.get(&page_url).await;
    assert!(page.body.contains("id=\"forget-account\""), "{}", page.body);

    for (reason, confirm, message) in [
        (
            "",
            "dave@example.org",
            "A justification message is required",
        ),
        (
            "GDPR",
            "dave@example.com",
            "The confirmation email did not match.",
        ),
    ] {
        let refused = alice
            .post(
                &forget_url,
                &[
                    ("csrf_token", &page.csrf()),
                    ("reason", reason),
                    ("confirm_email", confirm),
                ],
                &[],
            )
            .await;
        assert_eq!(refused.location().unwrap(), page_url);
        assert!(alice.follow(refused).await.body.contains(message));
    }
    let own = alice
        .get(&site.url(&format!("/admin/users/{alice_id}/")))
        .await;
    assert!(
        !own.body.contains("forget-account"),
        "no control on one's own page"
    );
    let refused = alice
        .post(
            &site.url(&format!("/admin/users/{alice_id}/forget/")),
            &[
                ("csrf_token", &page.csrf()),
                ("reason", "r"),
                ("confirm_email", "alice@example.org"),
            ],
            &[],
        )
        .await;
    assert!(
        alice
            .follow(refused)
            .await
            .body
            .contains("You cannot forget your own account.")
    );
    assert_eq!(
        count(
            pool,
            "SELECT count(*) FROM audit_log_entry WHERE action = 'user.forgotten'"
        )
        .await,
        0
    );

    let done = alice
        .post(
            &forget_url,
            &[
                ("csrf_token", &page.csrf()),
                ("reason", "GDPR request 7"),
                ("confirm_email", "DAVE@example.org"),
            ],
            &[],
        )
        .await;
    assert_eq!(done.location().unwrap(), page_url);
    let shown = alice.follow(done).await;
    assert!(
        shown
            .body
            .contains("dave@example.org has been forgotten and anonymized."),
        "{}",
        shown.body
    );
    let (actor, metadata): (Option<i64>, Value) = sqlx::query_as(
        "SELECT actor_id, metadata FROM audit_log_entry WHERE action = 'user.forgotten'",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(actor, Some(alice_id));
    assert_eq!(metadata["via"], "admin_console");
    assert_eq!(metadata["subject_pk"], dave_id);
    let email: String = sqlx::query_scalar("SELECT email FROM app_user WHERE id = $1")
        .bind(dave_id)
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(email, format!("forgotten-{dave_id}@example.invalid"));
}

// 20-lifecycle §19.7: a timeline of an advisory created before the pruning
// floor opens with the retention marker; one created after it does not.
#[tokio::test]
async fn timelines_of_advisories_older_than_the_floor_say_events_were_pruned() {
    let site = common::site::Site::start(&[]).await;
    let common::world::BobsAdvisory { bob, id, .. } = common::world::bobs_advisory(&site).await;
    let page_url = site.url(&format!("/advisories/{id}/"));
    let marker = "Events before this date were removed by audit retention";
    let page = bob.get(&page_url).await;
    assert_eq!(page.status, 200);
    assert!(!page.body.contains(marker));

    // A prune whose cutoff is after the advisory's creation.
    exec(
        &site.db.pool,
        "INSERT INTO audit_log_entry (action, metadata) VALUES
           ('audit.pruned', jsonb_build_object('cutoff', to_char((now() + interval '1 minute') AT TIME ZONE 'UTC',
                                                                   'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')))",
    )
    .await;
    let page = bob.get(&page_url).await;
    assert!(page.body.contains(marker), "{}", page.body);

    let floor =
        advisoryhub::ops::retention::pruning_floor(&recorded_cutoffs(&site.db.pool).await).unwrap();
    assert!(floor > time::OffsetDateTime::now_utc());
}

// INV-AUDIT-1 (B-2): the bypass needs membership of hub_retention; a role
// outside it, reached through RETENTION_DATABASE_URL, is refused with a
// message and nothing is deleted. INTAKE_REPORT_RETENTION_DAYS sets
// prune-reports' horizon.
#[tokio::test]
async fn a_role_outside_hub_retention_is_refused_and_the_horizon_is_configurable() {
    let db = TestDb::new().await;
    let pool = &db.pool;
    exec(
        pool,
        "DO $$ BEGIN CREATE ROLE ah_test_outsider LOGIN NOSUPERUSER NOBYPASSRLS;
         EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;
         GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ah_test_outsider;
         GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO ah_test_outsider;
         INSERT INTO audit_log_entry (action, created_at)
           VALUES ('advisory.created', now() - interval '4000 days');",
    )
    .await;
    let mut outsider = url::Url::parse(&db.url).unwrap();
    outsider.set_username("ah_test_outsider").unwrap();
    let env = |extra: (&'static str, String)| {
        vec![
            ("APP_ENV", "test".to_owned()),
            ("DATABASE_URL", db.url.clone()),
            ("LOG_FORMAT", "json".to_owned()),
            extra,
        ]
    };
    let (code, _, err) = run_cli(
        &["prune-audit", "--reason", "r"],
        &env(("RETENTION_DATABASE_URL", outsider.to_string())),
    )
    .await;
    assert_eq!(code, 1);
    assert!(
        err.contains("\"ah_test_outsider\" is not a member of hub_retention"),
        "{err}"
    );
    assert_eq!(count(pool, "SELECT count(*) FROM audit_log_entry").await, 1);

    let (code, out, err) = run_cli(
        &["prune-reports", "--dry-run"],
        &env(("INTAKE_REPORT_RETENTION_DAYS", "5".to_owned())),
    )
    .await;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("older than 5 day(s)"), "{out}");
    let (code, _, err) = run_cli(
        &["prune-reports", "--dry-run"],
        &env(("INTAKE_REPORT_RETENTION_DAYS", "0".to_owned())),
    )
    .await;
    assert_eq!(code, 1);
    assert!(err.contains("INTAKE_REPORT_RETENTION_DAYS"), "{err}");
}

// INV-AUDIT-1: a prune whose own audit row cannot be written rolls back
// whole; nothing is deleted without its record.
#[tokio::test]
async fn a_prune_whose_record_fails_deletes_nothing() {
    let db = TestDb::new().await;
    let pool = &db.pool;
    exec(
        pool,
        "INSERT INTO audit_log_entry (action, created_at)
           VALUES ('advisory.created', now() - interval '4000 days');
         CREATE FUNCTION refuse_pruned_record() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN RAISE EXCEPTION 'no record today'; END $$;
         CREATE TRIGGER refuse_pruned_record BEFORE INSERT ON audit_log_entry
           FOR EACH ROW WHEN (NEW.action = 'audit.pruned') EXECUTE FUNCTION refuse_pruned_record();",
    )
    .await;
    let (code, _, err) = cli(&db, &["prune-audit", "--reason", "r"]).await;
    assert_eq!(code, 1);
    assert!(err.contains("no record today"), "{err}");
    assert_eq!(count(pool, "SELECT count(*) FROM audit_log_entry").await, 1);
}

/// The cutoffs `prune-audit` recorded on the ledger.
async fn recorded_cutoffs(pool: &sqlx::PgPool) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT metadata ->> 'cutoff' FROM audit_log_entry WHERE action = 'audit.pruned'",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}
