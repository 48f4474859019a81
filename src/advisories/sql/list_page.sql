-- One page of the caller's visible set with the "new" and "changed"
-- markers (50-web-ui §5.5). `rank` is the caller's role on the row (3 owner,
-- 2 collaborator, 1 viewer, NULL none): it decides visibility and which
-- timeline tiers count as a change.
WITH visible AS (
  SELECT a.*, p.name AS project_name,
         CASE WHEN $1 OR p.security_team_id = ANY($3) THEN 3
              ELSE (SELECT max(CASE g.permission WHEN 'collaborator' THEN 2 ELSE 1 END)
                    FROM access_grant g WHERE g.advisory_id = a.id
                      AND ((g.principal_type = 'user' AND g.principal_id = $2)
                           OR (g.principal_type = 'group' AND g.principal_id = ANY($3))))
         END AS rank
  FROM advisory a JOIN project p ON p.id = a.project_id
  WHERE ($4::text IS NULL OR a.summary ILIKE $4 OR a.details ILIKE $4
         OR a.advisory_id ILIKE $4 OR a.aliases::text ILIKE $4)
    AND ($5::uuid IS NULL OR a.project_id = $5)
    AND ($6::text IS NULL OR a.severity_level = $6)
    AND ($7::text IS NULL OR a.review_status = $7)
    AND ($8::text IS NULL OR a.kind = $8)
    AND ($9::text IS NULL OR a.state = $9)
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
             AND e.actor_id IS DISTINCT FROM $2
             AND (e.action = ANY($12) OR (v.rank >= 2 AND e.action = ANY($13))
                  OR (v.rank >= 3 AND e.action = ANY($14)))
       )) AS "is_changed!"
FROM visible v
LEFT JOIN advisory_visit vis ON vis.advisory_id = v.id AND vis.user_id = $2
WHERE v.rank IS NOT NULL
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
LIMIT $11 OFFSET $15
