-- Per-state counts of the caller's visible set, narrowed by every filter but
-- the state (50-web-ui §5.3). $1 admin, $2 the projects whose team the caller
-- is on, $3 the advisories granted to the caller (directly or by group), $4
-- the advisories a search matches (`advisory_search_ids`, once per request).
-- Without a search, whole projects come from the tally and granted
-- advisories outside them are counted one by one; a search counts its
-- matches.
-- One row, so nothing is sorted or hashed by state.
SELECT coalesce(sum(c.n) FILTER (WHERE c.state = 'triage'), 0)::bigint AS "triage!",
       coalesce(sum(c.n) FILTER (WHERE c.state = 'draft'), 0)::bigint AS "draft!",
       coalesce(sum(c.n) FILTER (WHERE c.state = 'published'), 0)::bigint AS "published!",
       coalesce(sum(c.n) FILTER (WHERE c.state = 'dismissed'), 0)::bigint AS "dismissed!"
FROM (
    SELECT t.state, t.n
    FROM (
        SELECT * FROM advisory_tally WHERE $1
        UNION ALL
        SELECT * FROM advisory_tally WHERE NOT $1 AND project_id = ANY($2)
    ) t
    WHERE $4::bigint[] IS NULL
      AND ($5::uuid IS NULL OR t.project_id = $5)
      AND ($6::text IS NULL OR t.severity_level = $6)
      AND ($7::text IS NULL OR t.review_status = $7)
      AND ($8::text IS NULL OR t.kind = $8)
    UNION ALL
    SELECT a.state, 1
    FROM (
        SELECT * FROM advisory
        WHERE $4::bigint[] IS NULL AND NOT $1 AND id = ANY($3) AND NOT project_id = ANY($2)
        UNION ALL
        SELECT * FROM advisory
        WHERE $4::bigint[] IS NOT NULL AND id = ANY($4)
          AND ($1 OR project_id = ANY($2) OR id = ANY($3))
    ) a
    WHERE ($5::uuid IS NULL OR a.project_id = $5)
      AND ($6::text IS NULL OR a.severity_level = $6)
      AND ($7::text IS NULL OR a.review_status = $7)
      AND ($8::text IS NULL OR a.kind = $8)
) c
