//! Rate limits shared by every replica: fixed windows aligned to multiples of
//! the period, counted in an UNLOGGED table with one atomic upsert per hit,
//! so two replicas can never both let the last allowed request through.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use sqlx::PgExecutor;

/// A limit such as `5/h`: at most `limit` hits per `period`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rate {
    pub limit: u32,
    pub period: Duration,
}

impl FromStr for Rate {
    type Err = String;

    fn from_str(s: &str) -> Result<Rate, String> {
        let (n, unit) = s
            .trim()
            .split_once('/')
            .ok_or_else(|| format!("{s:?} is not a rate such as 5/h"))?;
        let limit: u32 = n
            .trim()
            .parse()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| format!("{s:?}: the count must be a positive whole number"))?;
        let period = match unit.trim() {
            "s" => Duration::from_secs(1),
            "m" => Duration::from_mins(1),
            "h" => Duration::from_hours(1),
            "d" => Duration::from_hours(24),
            other => return Err(format!("{s:?}: unit {other:?} is not one of s, m, h, d")),
        };
        Ok(Rate { limit, period })
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unit = match self.period.as_secs() {
            1 => "s",
            60 => "m",
            3600 => "h",
            _ => "d",
        };
        write!(f, "{}/{unit}", self.limit)
    }
}

/// The verdict on one hit.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Decision {
    /// Hits in the current window, this one included.
    pub count: i64,
    pub limited: bool,
    /// Until the window resets.
    pub retry_after: Duration,
}

/// Counts one hit on `key` and says whether it is over `rate`.
pub async fn hit(db: impl PgExecutor<'_>, key: &str, rate: Rate) -> Result<Decision, sqlx::Error> {
    let row = sqlx::query!(
        r#"INSERT INTO rate_limits AS r (key, window_start, count, expires_at)
           SELECT $1, w, 1, w + make_interval(secs => $2::float8)
           FROM (SELECT to_timestamp(floor(extract(epoch FROM clock_timestamp())::float8 / $2::float8) * $2::float8) AS w) AS win
           ON CONFLICT (key, window_start) DO UPDATE SET count = r.count + 1
           RETURNING r.count AS "count!",
                     greatest(extract(epoch FROM r.expires_at - clock_timestamp()), 0)::float8 AS "remaining!""#,
        key,
        rate.period.as_secs_f64(),
    )
    .fetch_one(db)
    .await?;
    let count = i64::from(row.count);
    Ok(Decision {
        count,
        limited: count > i64::from(rate.limit),
        retry_after: Duration::from_secs_f64(row.remaining.ceil().max(1.0)),
    })
}

/// Deletes expired windows; returns how many.
pub async fn purge_expired(db: impl PgExecutor<'_>) -> Result<u64, sqlx::Error> {
    Ok(
        sqlx::query!("DELETE FROM rate_limits WHERE expires_at <= now()")
            .execute(db)
            .await?
            .rows_affected(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_parse_and_print() {
        let r: Rate = "5/h".parse().unwrap();
        assert_eq!(
            r,
            Rate {
                limit: 5,
                period: Duration::from_hours(1)
            }
        );
        assert_eq!(r.to_string(), "5/h");
        assert_eq!(
            "20/m".parse::<Rate>().unwrap().period,
            Duration::from_mins(1)
        );
        assert_eq!(" 3 / s ".parse::<Rate>().unwrap().limit, 3);
        for bad in ["", "5", "0/h", "-1/h", "5/w", "x/h", "5/"] {
            assert!(bad.parse::<Rate>().is_err(), "{bad}");
        }
    }
}
