-- Per-state counts of the caller's visible set, narrowed by every filter but
-- the state (50-web-ui §5.3). $1 admin, $2 user id, $3 the user's group ids.
SELECT a.state, count(*) AS "n!"
FROM advisory a JOIN project p ON p.id = a.project_id
WHERE ($1 OR p.security_team_id = ANY($3)
       OR EXISTS (SELECT 1 FROM access_grant g WHERE g.advisory_id = a.id
                  AND ((g.principal_type = 'user' AND g.principal_id = $2)
                       OR (g.principal_type = 'group' AND g.principal_id = ANY($3)))))
  AND ($4::text IS NULL OR a.summary ILIKE $4 OR a.details ILIKE $4
       OR a.advisory_id ILIKE $4 OR a.aliases::text ILIKE $4)
  AND ($5::uuid IS NULL OR a.project_id = $5)
  AND ($6::text IS NULL OR a.severity_level = $6)
  AND ($7::text IS NULL OR a.review_status = $7)
  AND ($8::text IS NULL OR a.kind = $8)
GROUP BY a.state
