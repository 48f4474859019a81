//! Exclusive sections across replicas: a transaction-scoped advisory lock on
//! a name, released at commit or rollback, so work that must never run twice
//! at once (one push per publication repository) cannot, however many workers
//! run. Nothing to clean up after a crash: the lock dies with its session.

use sqlx::PgConnection;

/// Waits for the lock on `name` for the rest of the current transaction.
pub async fn lock(tx: &mut PgConnection, name: &str) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
        name
    )
    .execute(tx)
    .await?;
    Ok(())
}

/// Takes the lock on `name` for the rest of the current transaction if no
/// one holds it; `false` means another transaction is inside.
pub async fn try_lock(tx: &mut PgConnection, name: &str) -> Result<bool, sqlx::Error> {
    let got = sqlx::query_scalar!(
        r#"SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0)) AS "got!""#,
        name
    )
    .fetch_one(tx)
    .await?;
    Ok(got)
}
