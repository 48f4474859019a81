//! Access-log partition maintenance on a real database (INV-AUDIT-5: the
//! access log is monthly-partitioned and retention drops whole months):
//! creating ahead, idempotence, dropping past retention only, moving rows out
//! of the default partition, dry runs, overlapping runs, the daily job and
//! the `maintain-access-log-partitions` command of the real binary.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failing test should panic"
)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use advisoryhub::audit::partitions::{self, MaintainAccessLogPartitions, PartitionMonth, Report};
use advisoryhub::jobs::{self, Job, JobContext, schedule};
use advisoryhub::notifications::mail::Mailer;
use common::{TestDb, config, run_cli};
use sqlx::{AssertSqlSafe, PgPool};
use time::OffsetDateTime;
use time::macros::datetime;

/// Drops the monthly partitions the template was migrated with (they depend
/// on the day it was built), leaving the default partition alone.
async fn clean_slate(pool: &PgPool) {
    for name in partitions(pool).await {
        if name != partitions::DEFAULT_PARTITION {
            sqlx::query(AssertSqlSafe(format!("DROP TABLE {name}")))
                .execute(pool)
                .await
                .unwrap();
        }
    }
}

/// The attached partitions of the access log, sorted by name.
async fn partitions(pool: &PgPool) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT c.relname::text FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
         WHERE i.inhparent = 'access_log_entry'::regclass ORDER BY 1",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}

async fn run(
    pool: &PgPool,
    now: OffsetDateTime,
    retention_days: Option<u32>,
    dry_run: bool,
) -> Report {
    let mut conn = pool.acquire().await.unwrap();
    partitions::maintain(&mut conn, now, retention_days, dry_run)
        .await
        .unwrap()
}

/// Inserts an access-log row dated `at`; returns its id.
async fn log_at(pool: &PgPool, at: OffsetDateTime) -> i64 {
    sqlx::query_scalar(
        "INSERT INTO access_log_entry (action, created_at) VALUES ('auth.login', $1) RETURNING id",
    )
    .bind(at)
    .fetch_one(pool)
    .await
    .unwrap()
}

/// The partition that holds row `id`, or `None` when the row is gone.
async fn home_of(pool: &PgPool, id: i64) -> Option<String> {
    sqlx::query_scalar("SELECT tableoid::regclass::text FROM access_log_entry WHERE id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await
        .unwrap()
}

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

fn month_name(at: OffsetDateTime) -> String {
    PartitionMonth::containing(at).unwrap().table_name()
}

// INV-AUDIT-5: the current and the next month exist after a run, and rows of
// those months land in them.
#[tokio::test]
async fn inv_audit_5_creates_the_current_and_next_month_ahead() {
    let db = TestDb::new().await;
    clean_slate(&db.pool).await;
    let report = run(&db.pool, datetime!(2031-03-15 12:00 UTC), None, false).await;
    assert_eq!(
        report,
        Report {
            created: names(&["access_log_entry_p2031_03", "access_log_entry_p2031_04"]),
            dropped: vec![],
            moved_rows: 0,
        }
    );
    assert_eq!(
        partitions(&db.pool).await,
        names(&[
            "access_log_entry_default",
            "access_log_entry_p2031_03",
            "access_log_entry_p2031_04"
        ])
    );
    // Bounds are UTC month starts: the last instant of March is in March,
    // midnight of April 1st in April, May still in the default partition.
    for (at, home) in [
        (datetime!(2031-03-01 0:00 UTC), "access_log_entry_p2031_03"),
        (
            datetime!(2031-03-31 23:59:59.999 UTC),
            "access_log_entry_p2031_03",
        ),
        (datetime!(2031-04-01 0:00 UTC), "access_log_entry_p2031_04"),
        (
            datetime!(2031-04-01 1:30 +02:00),
            "access_log_entry_p2031_03",
        ),
        (datetime!(2031-05-01 0:00 UTC), "access_log_entry_default"),
    ] {
        let id = log_at(&db.pool, at).await;
        assert_eq!(home_of(&db.pool, id).await.as_deref(), Some(home), "{at}");
    }
    // A created partition carries the parent's indexes and constraints.
    let indexes: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM pg_indexes WHERE tablename = 'access_log_entry_p2031_03'",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(
        indexes, 4,
        "primary key, created_at, actor and action indexes"
    );
    let empty_action = sqlx::query(
        "INSERT INTO access_log_entry (action, created_at) VALUES ('', '2031-03-02T00:00:00Z')",
    )
    .execute(&db.pool)
    .await;
    assert!(empty_action.is_err(), "the CHECK constraint holds");
}

// INV-AUDIT-5: a second run finds nothing to do; the year wraps in December.
#[tokio::test]
async fn inv_audit_5_maintenance_is_idempotent() {
    let db = TestDb::new().await;
    clean_slate(&db.pool).await;
    let now = datetime!(2031-12-20 8:00 UTC);
    let first = run(&db.pool, now, Some(90), false).await;
    assert_eq!(
        first.created,
        names(&["access_log_entry_p2031_12", "access_log_entry_p2032_01"])
    );
    let before = partitions(&db.pool).await;
    for _ in 0..2 {
        assert_eq!(run(&db.pool, now, Some(90), false).await, Report::default());
    }
    assert_eq!(partitions(&db.pool).await, before);
}

// INV-AUDIT-5: only months that ended before `now - retention` are dropped,
// with their rows; newer months, the default partition and its rows stay.
#[tokio::test]
async fn inv_audit_5_drops_whole_months_past_retention_only() {
    let db = TestDb::new().await;
    clean_slate(&db.pool).await;
    run(&db.pool, datetime!(2031-01-10 0:00 UTC), None, false).await; // Jan, Feb
    run(&db.pool, datetime!(2031-03-10 0:00 UTC), None, false).await; // Mar, Apr
    let jan = log_at(&db.pool, datetime!(2031-01-20 0:00 UTC)).await;
    let feb = log_at(&db.pool, datetime!(2031-02-28 23:00 UTC)).await;
    let mar = log_at(&db.pool, datetime!(2031-03-05 0:00 UTC)).await;
    let ancient = log_at(&db.pool, datetime!(2020-01-01 0:00 UTC)).await;

    // February ends 2031-03-01; 90 days later is 2031-05-30. One second
    // before, February is still inside the retention.
    let horizon_feb = datetime!(2031-05-30 0:00 UTC);
    let report = run(
        &db.pool,
        horizon_feb - time::Duration::seconds(1),
        Some(90),
        false,
    )
    .await;
    assert_eq!(report.dropped, names(&["access_log_entry_p2031_01"]));
    assert_eq!(
        report.created,
        names(&["access_log_entry_p2031_05", "access_log_entry_p2031_06"])
    );
    assert_eq!(home_of(&db.pool, jan).await, None, "dropped with its month");
    assert!(home_of(&db.pool, feb).await.is_some());

    let report = run(&db.pool, horizon_feb, Some(90), false).await;
    assert_eq!(report.dropped, names(&["access_log_entry_p2031_02"]));
    assert_eq!(home_of(&db.pool, feb).await, None);
    assert_eq!(
        home_of(&db.pool, mar).await.as_deref(),
        Some("access_log_entry_p2031_03")
    );
    assert_eq!(
        home_of(&db.pool, ancient).await.as_deref(),
        Some("access_log_entry_default"),
        "the default partition is never dropped"
    );
    assert_eq!(
        partitions(&db.pool).await,
        names(&[
            "access_log_entry_default",
            "access_log_entry_p2031_03",
            "access_log_entry_p2031_04",
            "access_log_entry_p2031_05",
            "access_log_entry_p2031_06"
        ])
    );

    // Without a retention nothing is dropped, however old.
    let report = run(&db.pool, datetime!(2040-01-15 0:00 UTC), None, false).await;
    assert!(report.dropped.is_empty());
    assert!(home_of(&db.pool, mar).await.is_some());
}

// INV-AUDIT-5: a partition whose name says "past retention" but which holds a
// row inside the retention (its bounds are wider than its name) is kept.
#[tokio::test]
async fn inv_audit_5_never_drops_a_month_with_rows_inside_retention() {
    let db = TestDb::new().await;
    clean_slate(&db.pool).await;
    sqlx::query(
        "CREATE TABLE access_log_entry_p2031_01 PARTITION OF access_log_entry
         FOR VALUES FROM ('2031-01-01 00:00:00+00') TO ('2031-06-01 00:00:00+00')",
    )
    .execute(&db.pool)
    .await
    .unwrap();
    let recent = log_at(&db.pool, datetime!(2031-05-20 0:00 UTC)).await;
    let report = run(&db.pool, datetime!(2031-06-10 0:00 UTC), Some(30), false).await;
    assert!(report.dropped.is_empty(), "{report:?}");
    assert_eq!(
        home_of(&db.pool, recent).await.as_deref(),
        Some("access_log_entry_p2031_01")
    );
}

// INV-AUDIT-5: rows that went to the default partition because their month
// had no partition yet are moved into the partition when it is created, with
// their ids and values, and nothing else moves.
#[tokio::test]
async fn inv_audit_5_rows_in_the_default_partition_are_moved_not_lost() {
    let db = TestDb::new().await;
    clean_slate(&db.pool).await;
    let march = [
        log_at(&db.pool, datetime!(2031-03-01 0:00 UTC)).await,
        log_at(&db.pool, datetime!(2031-03-14 9:00 UTC)).await,
        log_at(&db.pool, datetime!(2031-03-31 23:59:59 UTC)).await,
    ];
    let april = log_at(&db.pool, datetime!(2031-04-02 0:00 UTC)).await;
    let may = log_at(&db.pool, datetime!(2031-05-01 0:00 UTC)).await;
    let old = log_at(&db.pool, datetime!(2020-01-01 0:00 UTC)).await;
    let snapshot = |pool: PgPool| async move {
        sqlx::query_as::<_, (i64, String, OffsetDateTime)>(
            "SELECT id, action, created_at FROM access_log_entry ORDER BY id",
        )
        .fetch_all(&pool)
        .await
        .unwrap()
    };
    let before = snapshot(db.pool.clone()).await;

    let report = run(&db.pool, datetime!(2031-03-15 12:00 UTC), Some(90), false).await;
    assert_eq!(report.moved_rows, 4);
    assert_eq!(snapshot(db.pool.clone()).await, before, "nothing lost");
    for id in march {
        assert_eq!(
            home_of(&db.pool, id).await.as_deref(),
            Some("access_log_entry_p2031_03")
        );
    }
    assert_eq!(
        home_of(&db.pool, april).await.as_deref(),
        Some("access_log_entry_p2031_04")
    );
    for id in [may, old] {
        assert_eq!(
            home_of(&db.pool, id).await.as_deref(),
            Some("access_log_entry_default")
        );
    }
    // New rows for March go to March now.
    let fresh = log_at(&db.pool, datetime!(2031-03-16 0:00 UTC)).await;
    assert_eq!(
        home_of(&db.pool, fresh).await.as_deref(),
        Some("access_log_entry_p2031_03")
    );
}

// INV-AUDIT-5: a dry run reports exactly what a real run then does, and
// changes nothing.
#[tokio::test]
async fn inv_audit_5_dry_run_changes_nothing() {
    let db = TestDb::new().await;
    clean_slate(&db.pool).await;
    run(&db.pool, datetime!(2030-06-10 0:00 UTC), None, false).await; // 2030-06, 2030-07
    let stray = log_at(&db.pool, datetime!(2031-03-03 0:00 UTC)).await;
    let old = log_at(&db.pool, datetime!(2030-06-11 0:00 UTC)).await;
    let before = partitions(&db.pool).await;
    let now = datetime!(2031-03-15 0:00 UTC);

    let planned = run(&db.pool, now, Some(90), true).await;
    assert_eq!(
        planned,
        Report {
            created: names(&["access_log_entry_p2031_03", "access_log_entry_p2031_04"]),
            dropped: names(&["access_log_entry_p2030_06", "access_log_entry_p2030_07"]),
            moved_rows: 1,
        }
    );
    assert_eq!(partitions(&db.pool).await, before);
    assert_eq!(
        home_of(&db.pool, stray).await.as_deref(),
        Some("access_log_entry_default")
    );
    assert_eq!(
        home_of(&db.pool, old).await.as_deref(),
        Some("access_log_entry_p2030_06")
    );

    assert_eq!(run(&db.pool, now, Some(90), false).await, planned);
}

// INV-AUDIT-5: overlapping runs (job, CronJob, operator) are serialised by
// the advisory lock: each partition is created once and neither run fails.
#[tokio::test]
async fn inv_audit_5_overlapping_runs_do_not_race() {
    let db = TestDb::new().await;
    clean_slate(&db.pool).await;
    log_at(&db.pool, datetime!(2031-03-03 0:00 UTC)).await;
    let now = datetime!(2031-03-15 0:00 UTC);
    let reports =
        futures_util::future::join_all((0..4).map(|_| run(&db.pool, now, Some(90), false))).await;
    let mut created: Vec<String> = reports.iter().flat_map(|r| r.created.clone()).collect();
    created.sort();
    assert_eq!(
        created,
        names(&["access_log_entry_p2031_03", "access_log_entry_p2031_04"])
    );
    assert_eq!(reports.iter().map(|r| r.moved_rows).sum::<u64>(), 1);
}

fn job_context(pool: &PgPool, overrides: &[(&str, &str)]) -> JobContext {
    let config = config(overrides);
    JobContext {
        pool: pool.clone(),
        mailer: Mailer::from_config(&config).unwrap(),
        metrics: advisoryhub::ops::metrics::Metrics::new().unwrap(),
        config: Arc::new(config),
        job_id: 1,
        attempt: 1,
    }
}

// INV-AUDIT-5: the daily job always creates ahead, and drops old months only
// when AUDIT_ACCESS_LOG_RETENTION_ENABLED.
#[tokio::test]
async fn inv_audit_5_the_daily_job_drops_only_when_retention_is_enabled() {
    let db = TestDb::new().await;
    clean_slate(&db.pool).await;
    run(&db.pool, datetime!(2020-01-10 0:00 UTC), None, false).await;
    let now = OffsetDateTime::now_utc();

    let disabled = job_context(&db.pool, &[("AUDIT_ACCESS_LOG_RETENTION_ENABLED", "false")]);
    MaintainAccessLogPartitions.run(&disabled).await.unwrap();
    let after = partitions(&db.pool).await;
    assert!(after.contains(&month_name(now)), "{after:?}");
    assert!(after.contains(&"access_log_entry_p2020_01".to_owned()));

    let enabled = job_context(&db.pool, &[("AUDIT_ACCESS_LOG_RETENTION_DAYS", "90")]);
    MaintainAccessLogPartitions.run(&enabled).await.unwrap();
    let after = partitions(&db.pool).await;
    assert!(!after.contains(&"access_log_entry_p2020_01".to_owned()));
    assert!(!after.contains(&"access_log_entry_p2020_02".to_owned()));
    assert!(after.contains(&month_name(now)), "{after:?}");
}

#[test]
fn the_job_is_registered_and_scheduled_daily() {
    assert!(
        jobs::kinds::registry()
            .get(MaintainAccessLogPartitions::NAME)
            .is_some()
    );
    let schedules = schedule::schedules(&config(&[]));
    let daily = schedules
        .iter()
        .find(|s| s.name == "access-log-partitions")
        .expect("access-log-partitions schedule");
    assert_eq!(daily.interval, Duration::from_secs(86_400));
    assert_eq!(
        (daily.job)().unwrap().name,
        MaintainAccessLogPartitions::NAME
    );
}

// INV-AUDIT-5 through the real binary: one line per partition, a summary,
// exit 0; a dry run changes nothing; disabled retention only creates.
#[tokio::test]
async fn inv_audit_5_the_command_prints_what_it_does() {
    let db = TestDb::new().await;
    clean_slate(&db.pool).await;
    run(&db.pool, datetime!(2020-01-10 0:00 UTC), None, false).await;
    let env = [("APP_ENV", "test"), ("DATABASE_URL", db.url.as_str())];
    let current = month_name(OffsetDateTime::now_utc());
    let next = PartitionMonth::containing(OffsetDateTime::now_utc())
        .unwrap()
        .next()
        .unwrap()
        .table_name();

    let (code, out, err) = run_cli(
        &[
            "maintain-access-log-partitions",
            "--dry-run",
            "--retention-days",
            "30",
        ],
        &env,
    )
    .await;
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        [
            format!("would create {current}"),
            format!("would create {next}"),
            "would drop access_log_entry_p2020_01".to_owned(),
            "would drop access_log_entry_p2020_02".to_owned(),
            "dry run, nothing changed: 2 partition(s) created, 2 dropped, 0 row(s) moved \
             from the default partition (retention 30 day(s))"
                .to_owned(),
        ]
    );
    assert_eq!(
        partitions(&db.pool).await,
        names(&[
            "access_log_entry_default",
            "access_log_entry_p2020_01",
            "access_log_entry_p2020_02"
        ])
    );

    let disabled = [
        ("APP_ENV", "test"),
        ("DATABASE_URL", db.url.as_str()),
        ("AUDIT_ACCESS_LOG_RETENTION_ENABLED", "false"),
    ];
    let (code, out, err) = run_cli(&["maintain-access-log-partitions"], &disabled).await;
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("access-log retention is disabled"), "{out}");
    assert!(
        out.contains(&format!("\ncreated {current}\ncreated {next}\n")),
        "{out}"
    );
    assert!(!out.lines().any(|l| l.starts_with("dropped")), "{out}");
    assert!(out.contains("(no retention)"), "{out}");

    // The default retention (90 days) applies without the flag.
    let (code, out, err) = run_cli(&["maintain-access-log-partitions"], &env).await;
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "dropped access_log_entry_p2020_01\ndropped access_log_entry_p2020_02\n\
         0 partition(s) created, 2 dropped, 0 row(s) moved from the default partition \
         (retention 90 day(s))\n"
    );
    assert_eq!(
        partitions(&db.pool).await,
        names(&["access_log_entry_default", &current, &next])
    );
}

// Usage errors exit 2, failures 1 (90-operations §8).
#[tokio::test]
async fn the_command_exits_2_on_usage_errors_and_1_on_failures() {
    let env = [("APP_ENV", "test")];
    for bad in [
        &["--retention-days", "abc"][..],
        &["--retention-days", "0"],
        &["--retention-days"],
        &["--frobnicate"],
    ] {
        let mut args = vec!["maintain-access-log-partitions"];
        args.extend_from_slice(bad);
        let (code, out, err) = run_cli(&args, &env).await;
        assert_eq!(code, 2, "{bad:?}: {out} {err}");
        assert!(err.starts_with("error:"), "{err}");
    }

    let db = TestDb::new().await;
    let missing = common::url_for(&format!("{}_missing", db.name));
    let (code, out, err) = run_cli(
        &["maintain-access-log-partitions"],
        &[("APP_ENV", "test"), ("DATABASE_URL", missing.as_str())],
    )
    .await;
    assert_eq!(code, 1, "{out}");
    assert!(err.contains("database"), "{err}");
}
