//! What the advisory page shows of this workflow, and which actions the
//! caller may take.

use sqlx::PgConnection;

use crate::access::permissions::{Actor, AdvisoryFacts};
use crate::advisories::repo::AdvisoryRow;

pub struct Panel {}

pub async fn load(
    _conn: &mut PgConnection,
    _actor: &Actor,
    _row: &AdvisoryRow,
    _facts: &AdvisoryFacts,
) -> Result<Panel, sqlx::Error> {
    Ok(Panel {})
}
