-- One page of the caller's visible set with the "new" and "changed"
-- markers (50-web-ui §5.5). $1 admin, $2 the caller's team projects, $3 the
-- advisories granted to the caller, $16 those granted as collaborator.
-- `rank` is the caller's role on the row (3 owner, 2 collaborator, 1
-- viewer): it decides which timeline tiers count as a change.
WITH base AS NOT MATERIALIZED (
  SELECT a.id, a.advisory_id, a.project_id, p.name AS project_name, a.state, a.review_status,
         a.kind, a.severity_level, a.severity_score, a.summary, a.modified_at,
         a.republish_required,
         CASE WHEN $1 OR a.project_id = ANY($2) THEN 3
              WHEN a.id = ANY($16) THEN 2
              ELSE 1
         END AS rank
  FROM advisory a JOIN project p ON p.id = a.project_id
  WHERE ($1 OR a.project_id = ANY($2) OR a.id = ANY($3))
),
-- The plain list (no search, no filter, the default order) has a branch of
-- its own without the filters' predicates, and a search an arm of its own
-- that starts from the matches: the plans made once for them without
-- knowing the parameters (see `list::fetch`) stop after the page — an admin
-- walks the index on `modified_at`, a member each team project's newest
-- rows and their grants — or read only the matches. Only one branch, and
-- one arm of each, runs.
visible AS (
  (SELECT * FROM (
       (SELECT * FROM base WHERE $1 ORDER BY modified_at DESC, id DESC LIMIT $11::bigint + $15::bigint)
       UNION ALL
       SELECT newest.* FROM unnest($2::uuid[]) AS team(project_id)
       CROSS JOIN LATERAL (SELECT * FROM base
                           WHERE NOT $1 AND base.project_id = team.project_id
                           ORDER BY modified_at DESC, id DESC LIMIT $11::bigint + $15::bigint) newest
       UNION ALL
       SELECT * FROM base WHERE NOT $1 AND id = ANY($3) AND NOT project_id = ANY($2)
   ) reachable
   WHERE $4::bigint[] IS NULL AND $5::uuid IS NULL AND $6::text IS NULL AND $7::text IS NULL
     AND $8::text IS NULL AND $9::text IS NULL AND $10 = '-modified'
   ORDER BY modified_at DESC, id DESC
   LIMIT $11 OFFSET $15)
  UNION ALL
  (SELECT * FROM (
       SELECT * FROM base WHERE $4::bigint[] IS NOT NULL AND id = ANY($4)
       UNION ALL
       SELECT * FROM base WHERE $4::bigint[] IS NULL
   ) b
   WHERE NOT ($4::bigint[] IS NULL AND $5::uuid IS NULL AND $6::text IS NULL AND $7::text IS NULL
              AND $8::text IS NULL AND $9::text IS NULL AND $10 = '-modified')
     AND ($5::uuid IS NULL OR b.project_id = $5)
     AND ($6::text IS NULL OR b.severity_level = $6)
     AND ($7::text IS NULL OR b.review_status = $7)
     AND ($8::text IS NULL OR b.kind = $8)
     AND ($9::text IS NULL OR b.state = $9)
   ORDER BY
     CASE WHEN $10 = 'id' THEN b.advisory_id END ASC,
     CASE WHEN $10 = '-id' THEN b.advisory_id END DESC,
     CASE WHEN $10 = 'project' THEN lower(b.project_name) END ASC,
     CASE WHEN $10 = '-project' THEN lower(b.project_name) END DESC,
     CASE WHEN $10 = 'state' THEN array_position(ARRAY['triage','draft','published','dismissed'], b.state) END ASC,
     CASE WHEN $10 = '-state' THEN array_position(ARRAY['triage','draft','published','dismissed'], b.state) END DESC,
     CASE WHEN $10 = 'severity' THEN array_position(ARRAY['none','low','medium','high','critical'], b.severity_level) END ASC,
     CASE WHEN $10 = 'severity' THEN b.severity_score END ASC NULLS LAST,
     CASE WHEN $10 = '-severity' THEN array_position(ARRAY['none','low','medium','high','critical'], b.severity_level) END DESC,
     CASE WHEN $10 = '-severity' THEN b.severity_score END DESC NULLS LAST,
     CASE WHEN $10 = 'modified' THEN b.modified_at END ASC,
     CASE WHEN $10 = '-modified' THEN b.modified_at END DESC,
     b.id DESC
   LIMIT $11 OFFSET $15)
)
SELECT v.advisory_id AS "advisory_id!", v.project_id AS "project_id!",
       v.project_name AS "project_name!", v.state AS "state!",
       v.review_status AS "review_status!", v.kind AS "kind!",
       v.severity_level AS "severity_level!", v.severity_score,
       v.summary AS "summary!", v.modified_at AS "modified_at!",
       v.republish_required AS "republish_required!",
       (vis.last_visited_at IS NULL) AS "is_new!",
       (vis.last_visited_at IS NOT NULL AND EXISTS (
           SELECT 1 FROM audit_log_entry e
           WHERE e.advisory_id = v.id AND e.created_at > vis.last_visited_at
             AND e.actor_id IS DISTINCT FROM $12
             AND (e.action = ANY($13) OR (v.rank >= 2 AND e.action = ANY($14))
                  OR (v.rank >= 3 AND e.action = ANY($17)))
       )) AS "is_changed!"
FROM visible v
LEFT JOIN advisory_visit vis ON vis.advisory_id = v.id AND vis.user_id = $12
ORDER BY
  CASE WHEN $10 = 'id' THEN v.advisory_id END ASC,
  CASE WHEN $10 = '-id' THEN v.advisory_id END DESC,
  CASE WHEN $10 = 'project' THEN lower(v.project_name) END ASC,
  CASE WHEN $10 = '-project' THEN lower(v.project_name) END DESC,
  CASE WHEN $10 = 'state' THEN array_position(ARRAY['triage','draft','published','dismissed'], v.state) END ASC,
  CASE WHEN $10 = '-state' THEN array_position(ARRAY['triage','draft','published','dismissed'], v.state) END DESC,
  CASE WHEN $10 = 'severity' THEN array_position(ARRAY['none','low','medium','high','critical'], v.severity_level) END ASC,
  CASE WHEN $10 = 'severity' THEN v.severity_score END ASC NULLS LAST,
  CASE WHEN $10 = '-severity' THEN array_position(ARRAY['none','low','medium','high','critical'], v.severity_level) END DESC,
  CASE WHEN $10 = '-severity' THEN v.severity_score END DESC NULLS LAST,
  CASE WHEN $10 = 'modified' THEN v.modified_at END ASC,
  CASE WHEN $10 = '-modified' THEN v.modified_at END DESC,
  v.id DESC
