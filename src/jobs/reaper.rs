//! A reusable reaper for domain rows that track background work with a
//! status (`queued` → `running` → `succeeded`/`failed`): rows stuck in
//! `queued` or `running` past a deadline are failed with a fixed reason that
//! names no payload, so nothing sensitive lands in the error column.

use std::time::Duration;

use sqlx::{PgConnection, Postgres, QueryBuilder};

/// Which table and columns to reap, and the deadlines.
#[derive(Clone, Debug)]
pub struct StaleRule {
    pub table: &'static str,
    pub status_column: &'static str,
    /// When the row entered its current status.
    pub since_column: &'static str,
    pub error_column: &'static str,
    pub finished_column: &'static str,
    pub queued_after: Duration,
    pub running_after: Duration,
}

/// Fails stale rows; returns how many.
pub async fn fail_stale(conn: &mut PgConnection, rule: &StaleRule) -> Result<u64, sqlx::Error> {
    // Table and column names are compile-time constants of the calling domain,
    // never input, so building the statement here is safe; values are bound.
    let StaleRule {
        table,
        status_column: status,
        since_column: since,
        error_column: error,
        finished_column: finished,
        ..
    } = rule;
    let mut q: QueryBuilder<Postgres> = QueryBuilder::new(format!(
        "UPDATE {table} SET {status} = 'failed', {finished} = now(), {error} = CASE {status} \
         WHEN 'queued' THEN 'stale: still queued after ' || "
    ));
    q.push_bind(rule.queued_after.as_secs().to_string());
    q.push(" || ' s' ELSE 'stale: still running after ' || ");
    q.push_bind(rule.running_after.as_secs().to_string());
    q.push(format!(
        " || ' s' END WHERE ({status} = 'queued' AND {since} < now() - make_interval(secs => "
    ));
    q.push_bind(rule.queued_after.as_secs_f64());
    q.push(format!(
        ")) OR ({status} = 'running' AND {since} < now() - make_interval(secs => "
    ));
    q.push_bind(rule.running_after.as_secs_f64());
    q.push("))");
    Ok(q.build().execute(conn).await?.rows_affected())
}
