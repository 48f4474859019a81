//! Monthly partitions of the access log (INV-AUDIT-5, 90-operations §8).
//!
//! `access_log_entry` is range-partitioned by `created_at` into UTC calendar
//! months named `access_log_entry_pYYYY_MM`, with a default partition that
//! catches rows for a month whose partition does not exist yet. [`maintain`]
//! keeps the current and the next month in place (moving any rows the default
//! partition holds for them, so nothing is lost) and drops whole months that
//! ended before the retention horizon — never the default partition, never a
//! partition that still holds a row inside the horizon. Runs are serialised by
//! an advisory lock, so the periodic job, the CronJob and an operator can
//! overlap safely. [`MaintainAccessLogPartitions`] is the daily job.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use sqlx::{AssertSqlSafe, Connection, PgConnection};
use time::{Date, OffsetDateTime, UtcOffset};

use crate::jobs::{Job, JobContext, JobError, exclusive};

/// The partitioned table.
pub const PARENT: &str = "access_log_entry";
/// Its default partition, never dropped.
pub const DEFAULT_PARTITION: &str = "access_log_entry_default";
const MONTHLY_PREFIX: &str = "access_log_entry_p";
/// The advisory lock that serialises maintenance runs.
const LOCK_NAME: &str = "audit.access_log_partitions";

/// What a run did, or with `dry_run` would have done.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    /// Partitions created, oldest first.
    pub created: Vec<String>,
    /// Partitions dropped, oldest first.
    pub dropped: Vec<String>,
    /// Rows moved out of the default partition into created partitions.
    pub moved_rows: u64,
}

/// A maintenance failure.
#[derive(Debug, thiserror::Error)]
pub enum PartitionError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("date out of range: {0}")]
    Date(#[from] time::error::ComponentRange),
}

/// One calendar month in UTC: the range of one monthly partition.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct PartitionMonth(Date);

impl PartitionMonth {
    /// The month `at` falls in, in UTC.
    pub fn containing(at: OffsetDateTime) -> Result<Self, time::error::ComponentRange> {
        Ok(Self(at.to_offset(UtcOffset::UTC).date().replace_day(1)?))
    }

    /// The month after this one.
    pub fn next(self) -> Result<Self, time::error::ComponentRange> {
        let (year, month) = match self.0.month() {
            time::Month::December => (self.0.year() + 1, time::Month::January),
            m => (self.0.year(), m.next()),
        };
        Ok(Self(Date::from_calendar_date(year, month, 1)?))
    }

    /// The first instant of the month (inclusive lower bound).
    pub fn start(self) -> OffsetDateTime {
        self.0.midnight().assume_utc()
    }

    /// The first instant of the next month (exclusive upper bound).
    pub fn end(self) -> Result<OffsetDateTime, time::error::ComponentRange> {
        Ok(self.next()?.start())
    }

    /// `access_log_entry_pYYYY_MM`.
    pub fn table_name(self) -> String {
        format!(
            "{MONTHLY_PREFIX}{:04}_{:02}",
            self.0.year(),
            u8::from(self.0.month())
        )
    }

    /// The month a monthly partition's name stands for; `None` for any other
    /// name (the default partition included).
    pub fn from_table_name(name: &str) -> Option<Self> {
        let (year, month) = name.strip_prefix(MONTHLY_PREFIX)?.split_once('_')?;
        let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(year, 4) || !digits(month, 2) {
            return None;
        }
        let month = time::Month::try_from(month.parse::<u8>().ok()?).ok()?;
        Date::from_calendar_date(year.parse().ok()?, month, 1)
            .ok()
            .map(Self)
    }

    /// A timestamptz literal for a partition bound, e.g. `'2026-05-01 00:00:00+00'`.
    fn bound_literal(at: OffsetDateTime) -> String {
        format!("'{} 00:00:00+00'", at.date())
    }
}

/// Creates the current and next month's partitions when missing and, with
/// `retention_days`, drops monthly partitions whose whole month ended at or
/// before `now - retention_days`. `dry_run` reports the same plan and changes
/// nothing. One transaction (a savepoint when `conn` is already in one).
#[tracing::instrument(name = "db.access_log.maintain_partitions", skip(conn))]
pub async fn maintain(
    conn: &mut PgConnection,
    now: OffsetDateTime,
    retention_days: Option<u32>,
    dry_run: bool,
) -> Result<Report, PartitionError> {
    let mut tx = conn.begin().await?;
    exclusive::lock(&mut tx, LOCK_NAME).await?;
    if !dry_run {
        // While DDL waits for a table lock, every new access-log insert
        // queues behind it: give up after a while and let a later run retry.
        sqlx::query("SET LOCAL lock_timeout = '10s'")
            .execute(&mut *tx)
            .await?;
    }
    let existing = monthly_partitions(&mut tx).await?;
    let mut report = Report::default();

    // Drops come first: dropping a partition takes an exclusive lock on the
    // parent, and taking it before the default partition is locked below
    // cannot deadlock with an insert that holds the parent and waits for the
    // default partition.
    if let Some(days) = retention_days {
        let horizon = now - time::Duration::days(i64::from(days));
        for (name, month) in &existing {
            if month.end()? > horizon {
                continue;
            }
            if has_rows_since(&mut tx, name, horizon).await? {
                tracing::warn!(partition = %name, %horizon, "partition past retention still holds rows inside it; kept");
                continue;
            }
            if !dry_run {
                // DDL cannot take bind parameters; `name` is a monthly
                // partition name read from the catalogue and matched against
                // our own `access_log_entry_pYYYY_MM` pattern.
                sqlx::query(AssertSqlSafe(format!("DROP TABLE {name}")))
                    .execute(&mut *tx)
                    .await?;
            }
            report.dropped.push(name.clone());
        }
    }

    let current = PartitionMonth::containing(now)?;
    for month in [current, current.next()?] {
        let name = month.table_name();
        if existing.iter().any(|(n, _)| *n == name) {
            continue;
        }
        report.moved_rows += if dry_run {
            rows_in_default(&mut tx, month).await?
        } else {
            create(&mut tx, month).await?
        };
        report.created.push(name);
    }

    if dry_run {
        tx.rollback().await?;
    } else {
        tx.commit().await?;
    }
    Ok(report)
}

/// The attached monthly partitions, oldest first.
async fn monthly_partitions(
    conn: &mut PgConnection,
) -> Result<Vec<(String, PartitionMonth)>, sqlx::Error> {
    let names = sqlx::query_scalar!(
        r#"SELECT c.relname::text AS "name!"
           FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
           WHERE i.inhparent = 'access_log_entry'::regclass
           ORDER BY c.relname"#
    )
    .fetch_all(conn)
    .await?;
    let mut months: Vec<_> = names
        .into_iter()
        .filter_map(|n| PartitionMonth::from_table_name(&n).map(|m| (n, m)))
        .collect();
    months.sort_by_key(|(_, m)| *m);
    Ok(months)
}

/// Whether partition `name` holds a row at or after `horizon`: a partition
/// whose bounds are wider than its name says is never dropped with such rows.
async fn has_rows_since(
    conn: &mut PgConnection,
    name: &str,
    horizon: OffsetDateTime,
) -> Result<bool, sqlx::Error> {
    // A table name cannot be a bind parameter; `name` is a monthly partition
    // name read from the catalogue and matched against our own pattern.
    let found: bool = sqlx::query_scalar(AssertSqlSafe(format!(
        "SELECT EXISTS (SELECT 1 FROM {name} WHERE created_at >= $1)"
    )))
    .bind(horizon)
    .fetch_one(conn)
    .await?;
    Ok(found)
}

/// Rows the default partition holds for `month`.
async fn rows_in_default(
    conn: &mut PgConnection,
    month: PartitionMonth,
) -> Result<u64, PartitionError> {
    let n = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM access_log_entry_default
           WHERE created_at >= $1 AND created_at < $2"#,
        month.start(),
        month.end()?
    )
    .fetch_one(conn)
    .await?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// Creates `month`'s partition, moving the rows the default partition holds
/// for it; returns how many moved.
///
/// A plain `CREATE TABLE … PARTITION OF` fails while the default partition
/// holds rows of the new range, and locks the whole parent exclusively; so
/// the table is created detached, filled from the default partition, and
/// attached (which locks the parent only against other DDL).
async fn create(conn: &mut PgConnection, month: PartitionMonth) -> Result<u64, PartitionError> {
    let name = month.table_name();
    let from = PartitionMonth::bound_literal(month.start());
    let to = PartitionMonth::bound_literal(month.end()?);
    // New rows for this month keep arriving in the default partition until
    // the attach commits; block them (readers go on) so none is left behind
    // between the move and the attach.
    sqlx::query("LOCK TABLE access_log_entry_default IN SHARE ROW EXCLUSIVE MODE")
        .execute(&mut *conn)
        .await?;
    // DDL cannot take bind parameters, so the statements below are built
    // with format!; the name and the bounds come from `month`, a date we
    // computed, never from input.
    sqlx::query(AssertSqlSafe(format!(
        "CREATE TABLE {name} (LIKE {PARENT} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"
    )))
    .execute(&mut *conn)
    .await?;
    let moved = sqlx::query(AssertSqlSafe(format!(
        "WITH moved AS (
             DELETE FROM {DEFAULT_PARTITION} WHERE created_at >= $1 AND created_at < $2
             RETURNING *
         )
         INSERT INTO {name} SELECT * FROM moved"
    )))
    .bind(month.start())
    .bind(month.end()?)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    sqlx::query(AssertSqlSafe(format!(
        "ALTER TABLE {PARENT} ATTACH PARTITION {name} FOR VALUES FROM ({from}) TO ({to})"
    )))
    .execute(&mut *conn)
    .await?;
    tracing::info!(partition = %name, moved, "created access-log partition");
    Ok(moved)
}

/// The daily partition maintenance: always creates ahead; drops old months
/// only when `AUDIT_ACCESS_LOG_RETENTION_ENABLED`.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct MaintainAccessLogPartitions;

impl Job for MaintainAccessLogPartitions {
    const NAME: &'static str = "audit.maintain_access_log_partitions";
    const MAX_ATTEMPTS: i32 = 3;
    const RETRY_BASE: Duration = Duration::from_mins(1);
    const TIMEOUT: Duration = Duration::from_mins(10);

    async fn run(&self, ctx: &JobContext) -> Result<(), JobError> {
        let retention = ctx
            .config
            .access_log_retention_enabled
            .then_some(ctx.config.access_log_retention_days);
        let mut conn = ctx.pool.acquire().await?;
        let report = maintain(&mut conn, OffsetDateTime::now_utc(), retention, false)
            .await
            .map_err(|e| JobError::Retry(e.to_string()))?;
        tracing::info!(
            created = ?report.created,
            dropped = ?report.dropped,
            moved_rows = report.moved_rows,
            retention_days = ?retention,
            "access-log partitions maintained"
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn months_are_utc_calendar_months() {
        let m = PartitionMonth::containing(datetime!(2026-12-31 23:30 -02:00)).unwrap();
        assert_eq!(m.table_name(), "access_log_entry_p2027_01");
        let m = PartitionMonth::containing(datetime!(2026-12-31 23:30 UTC)).unwrap();
        assert_eq!(m.table_name(), "access_log_entry_p2026_12");
        assert_eq!(m.start(), datetime!(2026-12-01 0:00 UTC));
        assert_eq!(m.end().unwrap(), datetime!(2027-01-01 0:00 UTC));
        assert_eq!(m.next().unwrap().table_name(), "access_log_entry_p2027_01");
        assert_eq!(
            PartitionMonth::bound_literal(m.start()),
            "'2026-12-01 00:00:00+00'"
        );
    }

    #[test]
    fn only_monthly_names_parse() {
        let m = PartitionMonth::from_table_name("access_log_entry_p2026_05").unwrap();
        assert_eq!(m.table_name(), "access_log_entry_p2026_05");
        for other in [
            "access_log_entry_default",
            "access_log_entry_p2026_13",
            "access_log_entry_p2026_5",
            "access_log_entry_p26_05",
            "access_log_entry_p2026_05x",
            "access_log_entry_p2026_05; DROP TABLE x",
            "other_p2026_05",
        ] {
            assert_eq!(PartitionMonth::from_table_name(other), None, "{other}");
        }
    }
}
