-- Per-state counts of the caller's visible set, narrowed by every filter but
-- the state (50-web-ui §5.3). $1 admin, $2 the projects whose team the caller
-- is on, $3 the advisories granted to the caller (directly or by group).
SELECT a.state, count(*) AS "n!"
FROM advisory a
WHERE ($1 OR a.project_id = ANY($2) OR a.id = ANY($3))
  AND ($4::text IS NULL OR a.search_text LIKE $4)
  AND ($5::uuid IS NULL OR a.project_id = $5)
  AND ($6::text IS NULL OR a.severity_level = $6)
  AND ($7::text IS NULL OR a.review_status = $7)
  AND ($8::text IS NULL OR a.kind = $8)
GROUP BY a.state
