//! Who hears about an advisory, computed when the job runs
//! (INV-PRIVACY-2): active, signed-up users linked to the advisory (admins,
//! the project's security team, grantees directly or through a group), each
//! re-checked by the permissions module against the advisory as it is now,
//! with their preferences for it. Banned users are never recipients
//! (INV-AUTH-8).

use sqlx::PgConnection;

use crate::access::permissions::{self as perm, Actor, AdvisoryFacts, Role};
use crate::advisories::repo::{self, AdvisoryRow};
use crate::i18n::Lang;

/// A possible recipient and their standing on the advisory.
#[derive(Clone, Debug)]
pub struct Recipient {
    pub actor: Actor,
    pub email: String,
    pub lang: Lang,
    /// Their role now; recipients without one are never listed.
    pub role: Role,
    /// On the project's security team.
    pub on_team: bool,
    /// The advisory's facts as this recipient's predicates see them.
    pub facts: AdvisoryFacts,
    pub prefs: Prefs,
}

/// Resolved preferences (10-domain-model §14): the per-advisory override
/// where set, else the global value, else the default.
#[derive(Clone, Debug)]
pub struct Prefs {
    pub on_advisory_created: bool,
    pub on_triage_event: bool,
    pub on_advisory_submitted_for_review: Resolved,
    pub on_advisory_published: Resolved,
    pub on_publication_export_status: Resolved,
    pub comments_all: Resolved,
}

/// A preference value and whether a per-advisory override decided it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Resolved {
    pub on: bool,
    pub by_override: bool,
}

/// The advisory by surrogate key, as the system sees it (jobs run with the
/// system principal). `None` if it does not exist.
pub async fn advisory(
    conn: &mut PgConnection,
    advisory_id: i64,
) -> Result<Option<AdvisoryRow>, sqlx::Error> {
    let public_id = sqlx::query_scalar!(
        "SELECT advisory_id FROM advisory WHERE id = $1",
        advisory_id
    )
    .fetch_optional(&mut *conn)
    .await?;
    match public_id {
        Some(public_id) => repo::load(conn, &public_id, None, false).await,
        None => Ok(None),
    }
}

/// Everyone who may view `row` now.
pub async fn candidates(
    conn: &mut PgConnection,
    row: &AdvisoryRow,
    facts: &AdvisoryFacts,
    admin_group: &str,
) -> Result<Vec<Recipient>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"WITH linked AS (
               SELECT u.id, u.email, u.language,
                      array(SELECT ug.group_id FROM user_group ug WHERE ug.user_id = u.id) AS groups
               FROM app_user u
               WHERE u.is_active AND NOT u.is_provisioned
                 AND (EXISTS (SELECT 1 FROM user_group ug JOIN oidc_group g ON g.id = ug.group_id
                              WHERE ug.user_id = u.id AND (g.name = $3 OR g.id = $2))
                      OR EXISTS (SELECT 1 FROM access_grant ag
                                 WHERE ag.advisory_id = $1
                                   AND ((ag.principal_type = 'user' AND ag.principal_id = u.id)
                                        OR (ag.principal_type = 'group' AND ag.principal_id IN
                                            (SELECT group_id FROM user_group WHERE user_id = u.id)))))
           )
           SELECT l.id AS "id!", l.email AS "email!", l.language AS "language!",
                  l.groups AS "groups!",
                  EXISTS (SELECT 1 FROM oidc_group g WHERE g.name = $3 AND g.id = ANY(l.groups)) AS "is_admin!",
                  coalesce((SELECT max(CASE ag.permission WHEN 'collaborator' THEN 2 ELSE 1 END)
                            FROM access_grant ag WHERE ag.advisory_id = $1
                              AND ((ag.principal_type = 'user' AND ag.principal_id = l.id)
                                   OR (ag.principal_type = 'group' AND ag.principal_id = ANY(l.groups)))), 0)
                    AS "grant_rank!",
                  coalesce(p.on_advisory_created, true) AS "on_advisory_created!",
                  coalesce(p.on_triage_event, true) AS "on_triage_event!",
                  coalesce(o.on_advisory_submitted_for_review, p.on_advisory_submitted_for_review, true)
                    AS "on_submitted!",
                  o.on_advisory_submitted_for_review IS NOT NULL AS "on_submitted_override!",
                  coalesce(o.on_advisory_published, p.on_advisory_published, true) AS "on_published!",
                  o.on_advisory_published IS NOT NULL AS "on_published_override!",
                  coalesce(o.on_publication_export_status, p.on_publication_export_status, true)
                    AS "on_export!",
                  o.on_publication_export_status IS NOT NULL AS "on_export_override!",
                  coalesce(nullif(o.comments_level, ''), p.comments_level, 'mentioned') = 'all'
                    AS "comments_all!",
                  coalesce(o.comments_level, '') <> '' AS "comments_override!"
           FROM linked l
           LEFT JOIN notification_preference p ON p.user_id = l.id
           LEFT JOIN advisory_notification_override o ON o.user_id = l.id AND o.advisory_id = $1
           ORDER BY l.id"#,
        row.id,
        row.project_team_id,
        admin_group
    )
    .fetch_all(conn)
    .await?;
    let resolved = |on, by_override| Resolved { on, by_override };
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let actor = Actor {
                user_id: r.id,
                is_admin: r.is_admin,
                group_ids: r.groups,
            };
            let mut theirs = facts.clone();
            theirs.grant_rank = u8::try_from(r.grant_rank.clamp(0, 2)).unwrap_or(0);
            let role = perm::role(Some(&actor), &theirs)?;
            Some(Recipient {
                on_team: actor.is_member_of(row.project_team_id),
                actor,
                email: r.email,
                lang: Lang::from_tag(&r.language).unwrap_or(Lang::En),
                role,
                facts: theirs,
                prefs: Prefs {
                    on_advisory_created: r.on_advisory_created,
                    on_triage_event: r.on_triage_event,
                    on_advisory_submitted_for_review: resolved(
                        r.on_submitted,
                        r.on_submitted_override,
                    ),
                    on_advisory_published: resolved(r.on_published, r.on_published_override),
                    on_publication_export_status: resolved(r.on_export, r.on_export_override),
                    comments_all: resolved(r.comments_all, r.comments_override),
                },
            })
        })
        .collect())
}
