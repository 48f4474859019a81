-- What the caller may see, the projects they may filter by, and the
-- per-state counts of their visible set narrowed by every filter but the
-- state (50-web-ui §5.3), in one statement. $1 the caller's group ids, $2
-- their user id, $3 the search as a LIKE pattern, $4 admin, $5–$8 the
-- project, severity, review status and kind filters.
-- The reach: the projects whose team the caller is on, the advisories
-- granted to them (directly or by group; as collaborator), and the
-- advisories a search matches, resolved once for the counts and the page.
-- The counts: without a search, whole projects come from the tally and
-- granted advisories outside them are counted one by one; a search counts
-- its matches. One row, so nothing is sorted or hashed by state.
WITH reach AS MATERIALIZED (
    SELECT array(SELECT id FROM project WHERE security_team_id = ANY($1)) AS projects,
           array(SELECT DISTINCT advisory_id FROM access_grant
                 WHERE (principal_type = 'user' AND principal_id = $2)
                    OR (principal_type = 'group' AND principal_id = ANY($1))) AS granted,
           array(SELECT DISTINCT advisory_id FROM access_grant
                 WHERE permission = 'collaborator'
                   AND ((principal_type = 'user' AND principal_id = $2)
                        OR (principal_type = 'group' AND principal_id = ANY($1)))) AS collaborator,
           CASE WHEN $3::text IS NOT NULL THEN advisory_search_ids($3) END AS matches
)
SELECT r.projects AS "projects!", r.granted AS "granted!", r.collaborator AS "collaborator!",
       r.matches,
       (SELECT coalesce(json_agg(json_build_object(
                   'id', p.id, 'slug', p.slug, 'name', p.name,
                   'security_team_id', p.security_team_id, 'security_team', g.name,
                   'is_mature_publisher', p.is_mature_publisher)
                 ORDER BY lower(p.name), p.slug), '[]')
        FROM project p JOIN oidc_group g ON g.id = p.security_team_id
        WHERE $4 OR p.security_team_id = ANY($1)) AS "offered!: sqlx::types::Json<Vec<Project>>",
       counts.triage AS "triage!", counts.draft AS "draft!",
       counts.published AS "published!", counts.dismissed AS "dismissed!"
FROM reach r
CROSS JOIN LATERAL (
    SELECT coalesce(sum(c.n) FILTER (WHERE c.state = 'triage'), 0)::bigint AS triage,
           coalesce(sum(c.n) FILTER (WHERE c.state = 'draft'), 0)::bigint AS draft,
           coalesce(sum(c.n) FILTER (WHERE c.state = 'published'), 0)::bigint AS published,
           coalesce(sum(c.n) FILTER (WHERE c.state = 'dismissed'), 0)::bigint AS dismissed
    FROM (
        SELECT t.state, t.n
        FROM (
            SELECT * FROM advisory_tally WHERE $4
            UNION ALL
            SELECT * FROM advisory_tally WHERE NOT $4 AND project_id = ANY(r.projects)
        ) t
        WHERE r.matches IS NULL
          AND ($5::uuid IS NULL OR t.project_id = $5)
          AND ($6::text IS NULL OR t.severity_level = $6)
          AND ($7::text IS NULL OR t.review_status = $7)
          AND ($8::text IS NULL OR t.kind = $8)
        UNION ALL
        SELECT a.state, 1
        FROM (
            SELECT * FROM advisory
            WHERE r.matches IS NULL AND NOT $4 AND id = ANY(r.granted) AND NOT project_id = ANY(r.projects)
            UNION ALL
            SELECT * FROM advisory
            WHERE r.matches IS NOT NULL AND id = ANY(r.matches)
              AND ($4 OR project_id = ANY(r.projects) OR id = ANY(r.granted))
        ) a
        WHERE ($5::uuid IS NULL OR a.project_id = $5)
          AND ($6::text IS NULL OR a.severity_level = $6)
          AND ($7::text IS NULL OR a.review_status = $7)
          AND ($8::text IS NULL OR a.kind = $8)
    ) c
) counts
