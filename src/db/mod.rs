//! The PostgreSQL pool and the embedded migrations.
//!
//! Migrations are compiled into the binary; `migrate` applies them and is
//! idempotent. A web process refuses to report ready while the database lacks
//! a migration the binary carries (`schema_status`).

use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, PgPool, Postgres, Transaction};

use crate::config::Config;

/// The migrations of this binary, embedded at compile time.
pub static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// How long a pooled connection may sit unused before it is pinged on
/// checkout.
const IDLE_BEFORE_PING: Duration = Duration::from_secs(5);

/// A transaction on the pool.
pub type Tx<'a> = Transaction<'a, Postgres>;

/// Builds the pool without connecting; the first query connects, so a process
/// starts (and answers `/healthz`) while the database is still coming up.
pub fn pool(config: &Config) -> Result<PgPool, sqlx::Error> {
    let options: PgConnectOptions = config.database_url.expose().parse()?;
    // Short OLTP statements: JIT compilation costs more than it saves.
    let options = options
        .application_name("advisoryhub")
        .options([("jit", "off")]);
    Ok(PgPoolOptions::new()
        .max_connections(config.database_max_connections)
        .acquire_timeout(Duration::from_secs(3))
        // A ping is a round trip; one before every checkout costs a busy
        // request as much as a statement. A connection in steady use is known
        // to be alive, so only one that sat idle (across a database restart,
        // say) is checked; a dead one is closed and another taken.
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for >= IDLE_BEFORE_PING {
                    conn.ping().await?;
                }
                Ok(true)
            })
        })
        .connect_lazy_with(options))
}

/// Applies every pending migration.
pub async fn migrate(pool: &PgPool) -> Result<(), sqlx::migrate::MigrateError> {
    MIGRATOR.run(pool).await
}

/// How the database schema compares with the binary's migrations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SchemaStatus {
    /// Every embedded migration is applied (the database may be ahead, which a
    /// binary one release back must tolerate during a rolling upgrade).
    Current,
    /// These embedded migration versions are not applied yet.
    Behind(Vec<i64>),
    /// A migration was started but did not finish.
    Dirty(i64),
}

/// Compares applied migrations with the embedded ones.
pub async fn schema_status(pool: &PgPool) -> Result<SchemaStatus, sqlx::Error> {
    let exists: bool =
        sqlx::query_scalar!(r#"SELECT to_regclass('_sqlx_migrations') IS NOT NULL AS "e!""#)
            .fetch_one(pool)
            .await?;
    let applied: Vec<(i64, bool)> = if exists {
        sqlx::query_as("SELECT version, success FROM _sqlx_migrations")
            .fetch_all(pool)
            .await?
    } else {
        Vec::new()
    };
    if let Some((version, _)) = applied.iter().find(|(_, ok)| !ok) {
        return Ok(SchemaStatus::Dirty(*version));
    }
    let missing: Vec<i64> = MIGRATOR
        .iter()
        .filter(|m| m.migration_type.is_up_migration())
        .map(|m| m.version)
        .filter(|v| !applied.iter().any(|(a, _)| a == v))
        .collect();
    Ok(if missing.is_empty() {
        SchemaStatus::Current
    } else {
        SchemaStatus::Behind(missing)
    })
}

/// On whose behalf a transaction reads advisory tables: row-level security
/// filters by it (INV-CONF-2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Principal {
    /// Nobody: advisory rows are invisible.
    Anonymous,
    /// A signed-in user; `is_admin` from the group mirror.
    User { id: i64, is_admin: bool },
    /// Jobs and operator commands: every row, application checks still apply.
    System,
}

/// How a transaction's prepared statements are planned (`plan_cache_mode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Plans {
    /// PostgreSQL's choice.
    Auto,
    /// Once per connection, without the parameters' values.
    Generic,
    /// For each execution, with its values.
    Custom,
}

/// Begins a transaction whose first statement sets the row-level-security
/// principal, transaction-locally, so it can never leak to the next user of
/// the pooled connection (consistency ruling 2). `rls_set_principal` also
/// resolves the principal's reach, which the policies read and which nothing
/// else sets: a principal set any other way sees nothing.
///
/// `BEGIN` and the setting go in one round trip: every request's
/// transaction starts this way.
pub async fn begin_as(pool: &PgPool, principal: Principal) -> Result<Tx<'static>, sqlx::Error> {
    begin_planned(pool, principal, Plans::Auto).await
}

/// `begin_as`, planning the transaction's statements as `plans` says; set
/// with `BEGIN`, so it holds from the first statement on.
pub async fn begin_planned(
    pool: &PgPool,
    principal: Principal,
    plans: Plans,
) -> Result<Tx<'static>, sqlx::Error> {
    let (user, admin) = principal.settings();
    let plans = match plans {
        Plans::Auto => "",
        Plans::Generic => ", set_config('plan_cache_mode', 'force_generic_plan', true)",
        Plans::Custom => ", set_config('plan_cache_mode', 'force_custom_plan', true)",
    };
    // Every value is made here (an integer, `on` or `off`, a constant),
    // never taken from input, so formatting them into the statement is safe.
    pool.begin_with(sqlx::AssertSqlSafe(format!(
        "BEGIN; SELECT rls_set_principal('{user}', '{admin}'){plans}"
    )))
    .await
}

impl Principal {
    /// The arguments of `rls_set_principal`: `advisoryhub.user_id` and
    /// `advisoryhub.is_admin`.
    fn settings(self) -> (String, &'static str) {
        match self {
            Principal::Anonymous => (String::new(), "off"),
            Principal::User { id, is_admin } => {
                (id.to_string(), if is_admin { "on" } else { "off" })
            }
            Principal::System => (String::new(), "on"),
        }
    }
}

/// Sets the principal for the rest of the current transaction.
pub async fn set_principal(
    conn: &mut sqlx::PgConnection,
    principal: Principal,
) -> Result<(), sqlx::Error> {
    let (user, admin) = principal.settings();
    sqlx::query!("SELECT FROM rls_set_principal($1, $2)", user, admin)
        .execute(conn)
        .await?;
    Ok(())
}

/// Logs a warning when the application's database role bypasses row-level
/// security (a superuser or `BYPASSRLS`): the backstop of INV-CONF-2 then
/// does nothing, and only the application's checks remain.
pub async fn warn_if_rls_bypassed(pool: PgPool) {
    match sqlx::query_scalar!(
        r#"SELECT (rolsuper OR rolbypassrls) AS "bypass!" FROM pg_roles WHERE rolname = current_user"#
    )
    .fetch_optional(&pool)
    .await
    {
        Ok(Some(true)) => tracing::warn!(
            "the database role is a superuser or has BYPASSRLS: row-level security on advisory \
             tables is not enforced for this process; use a plain role in production (docs/operations.md)"
        ),
        Ok(_) => {}
        Err(e) => tracing::debug!(error = %e, "could not check the database role"),
    }
}
