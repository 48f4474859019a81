//! Reading advisories and the caller: the actor snapshot (one query) and one
//! advisory with the facts its predicates need (one query, optionally under
//! the row lock).

use serde_json::Value;
use sqlx::PgConnection;
use time::OffsetDateTime;
use uuid::Uuid;

use super::content::{JsonColumns, Payload};
use crate::access::permissions::{Actor, AdvisoryFacts, Kind, ReviewStatus, State};

/// The caller as the predicates see them, from the group mirror; `None` when
/// the account is unknown or inactive (INV-AUTH-8).
pub async fn load_actor(
    conn: &mut PgConnection,
    user_id: i64,
    admin_group: &str,
) -> Result<Option<Actor>, sqlx::Error> {
    let row = sqlx::query!(
        r#"SELECT coalesce(array_agg(ug.group_id) FILTER (WHERE ug.group_id IS NOT NULL), '{}') AS "group_ids!",
                  coalesce(bool_or(g.name = $2), false) AS "is_admin!"
           FROM app_user u
           LEFT JOIN user_group ug ON ug.user_id = u.id
           LEFT JOIN oidc_group g ON g.id = ug.group_id
           WHERE u.id = $1 AND u.is_active
           GROUP BY u.id"#,
        user_id,
        admin_group
    )
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|r| Actor {
        user_id,
        is_admin: r.is_admin,
        group_ids: r.group_ids,
    }))
}

/// One advisory as stored, with its project and the caller's grant rank.
#[derive(Clone, Debug)]
#[expect(clippy::struct_excessive_bools, reason = "one field per column")]
pub struct AdvisoryRow {
    pub id: i64,
    pub advisory_id: String,
    pub project_id: Uuid,
    pub project_slug: String,
    pub project_name: String,
    pub project_team_id: i64,
    /// The security team's group name.
    pub project_team_name: String,
    pub project_mature: bool,
    pub state: String,
    pub review_status: String,
    pub kind: String,
    pub summary: String,
    pub details: String,
    pub aliases: Value,
    pub refs: Value,
    pub affected: Value,
    pub severity: Value,
    pub cwe_ids: Value,
    pub credits: Value,
    pub severity_level: String,
    pub severity_score: Option<f64>,
    pub assigned_cve_id: String,
    pub withdrawn_reason: String,
    pub ghsa_id: String,
    pub ghsa_owner: String,
    pub ghsa_repo: String,
    pub ghsa_metadata_synced_at: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
    pub created_by: Option<i64>,
    pub modified_at: OffsetDateTime,
    pub published_at: Option<OffsetDateTime>,
    pub republish_required: bool,
    pub comments_locked: bool,
    pub comments_lock_reason: String,
    pub comments_locked_at: Option<OffsetDateTime>,
    pub cve_requests_banned: bool,
    pub dismissed_from_state: String,
    pub withdrawal_requested_at: Option<OffsetDateTime>,
    pub reassignment_requested_at: Option<OffsetDateTime>,
    pub reassignment_requested_by: Option<i64>,
    pub access_review_required_at: Option<OffsetDateTime>,
    pub needs_admin_routing: bool,
    pub grant_rank: i32,
    pub latest_version: i32,
}

/// A value the database holds that the code does not know: a schema the
/// binary is too old for. Reported, never guessed.
#[derive(Debug, thiserror::Error)]
#[error("advisory {advisory}: {what}")]
pub struct Corrupt {
    pub advisory: String,
    pub what: String,
}

impl AdvisoryRow {
    /// The predicate inputs for the caller whose grant rank was loaded.
    pub fn facts(&self) -> Result<AdvisoryFacts, Corrupt> {
        let bad = |e: &dyn std::fmt::Display| Corrupt {
            advisory: self.advisory_id.clone(),
            what: e.to_string(),
        };
        Ok(AdvisoryFacts {
            state: self.state.parse::<State>().map_err(|e| bad(&e))?,
            review_status: self
                .review_status
                .parse::<ReviewStatus>()
                .map_err(|e| bad(&e))?,
            kind: self.kind.parse::<Kind>().map_err(|e| bad(&e))?,
            project_id: self.project_id,
            project_team_group_id: Some(self.project_team_id),
            project_is_mature_publisher: self.project_mature,
            project_is_unsorted: self.project_slug == super::projects::UNSORTED,
            project_has_pvr_repo: false,
            needs_admin_routing: self.needs_admin_routing,
            comments_locked: self.comments_locked,
            assigned_cve_id_blank: self.assigned_cve_id.is_empty(),
            cve_requests_banned: self.cve_requests_banned,
            has_queued_cve_request: false,
            withdrawal_pending: self.withdrawal_requested_at.is_some(),
            reassignment_pending: self.reassignment_requested_at.is_some(),
            reassignment_requested_by: self.reassignment_requested_by,
            reassignment_suggested: None,
            dismissed_from_state: State::parse_dismissed_from(&self.dismissed_from_state)
                .map_err(|e| bad(&e))?,
            grant_rank: u8::try_from(self.grant_rank.clamp(0, 2)).unwrap_or(0),
        })
    }

    /// The stored content.
    pub fn payload(&self) -> Payload {
        Payload::from_columns(JsonColumns {
            summary: self.summary.clone(),
            details: self.details.clone(),
            aliases: self.aliases.clone(),
            references: self.refs.clone(),
            affected: self.affected.clone(),
            severity: self.severity.clone(),
            cwe_ids: self.cwe_ids.clone(),
            credits: self.credits.clone(),
        })
    }
}

/// Loads one advisory by public id for `actor` (row-level security applies
/// to the caller's transaction). `lock` takes the row lock services need
/// (B-3).
pub async fn load(
    conn: &mut PgConnection,
    public_id: &str,
    actor: Option<&Actor>,
    lock: bool,
) -> Result<Option<AdvisoryRow>, sqlx::Error> {
    let (user_id, groups) = actor.map_or((0, Vec::new()), |a| (a.user_id, a.group_ids.clone()));
    if lock {
        // The lock first, so the read below sees the row as it is now.
        sqlx::query!(
            "SELECT id FROM advisory WHERE advisory_id = $1 FOR UPDATE",
            public_id
        )
        .fetch_optional(&mut *conn)
        .await?;
    }
    sqlx::query_file_as!(
        AdvisoryRow,
        "src/advisories/sql/load.sql",
        public_id,
        user_id,
        &groups
    )
    .fetch_optional(conn)
    .await
}
