-- The admin inbox (50-web-ui §14.1): open work of the kinds in $1, each
-- source capped at 500 rows before merging, newest first; $2 rows from
-- offset $3, each carrying the number of rows in the merged list.
WITH items AS (
    (SELECT 'cve' AS kind, t.id AS ref_id, a.advisory_id AS title, p.slug AS subtitle,
            a.advisory_id AS advisory, t.created_at AS at
     FROM cve_request_task t
     JOIN advisory a ON a.id = t.advisory_id
     JOIN project p ON p.id = a.project_id
     WHERE t.status = 'queued' AND 'cve' = ANY($1)
     ORDER BY t.created_at DESC LIMIT 500)
    UNION ALL
    (SELECT 'review', t.id, a.advisory_id, coalesce(u.email, ''), a.advisory_id, t.created_at
     FROM review_task t
     JOIN advisory a ON a.id = t.advisory_id
     LEFT JOIN app_user u ON u.id = t.submitted_by
     WHERE t.status = 'open' AND 'review' = ANY($1)
     ORDER BY t.created_at DESC LIMIT 500)
    UNION ALL
    (SELECT 'pub_failed', t.id, a.advisory_id, left(t.last_error, 80), a.advisory_id,
            coalesce(t.finished_at, t.created_at)
     FROM publication_task t
     JOIN advisory a ON a.id = t.advisory_id
     WHERE t.status = 'failed' AND 'pub_failed' = ANY($1)
     ORDER BY t.finished_at DESC NULLS LAST, t.created_at DESC LIMIT 500)
    UNION ALL
    (SELECT 'republish', a.id, a.advisory_id, p.slug, a.advisory_id, a.modified_at
     FROM advisory a
     JOIN project p ON p.id = a.project_id
     WHERE a.state = 'published' AND a.republish_required AND a.kind = 'native'
       AND NOT EXISTS (SELECT 1 FROM publication_task f WHERE f.advisory_id = a.id AND f.status = 'failed')
       AND 'republish' = ANY($1)
     ORDER BY a.modified_at DESC LIMIT 500)
    UNION ALL
    (SELECT CASE WHEN coalesce(i.needs_admin_routing, false) THEN 'triage_routing' ELSE 'triage' END,
            a.id, left(a.summary, 80),
            CASE WHEN coalesce(i.needs_admin_routing, false)
                 THEN p.slug || ' · ' || left(i.admin_routing_note, 70)
                 ELSE coalesce(nullif(ru.email, ''), nullif(i.reporter_display_name, ''), '') END,
            a.advisory_id, a.created_at
     FROM advisory a
     JOIN project p ON p.id = a.project_id
     LEFT JOIN advisory_intake i ON i.advisory_id = a.id
     LEFT JOIN app_user ru ON ru.id = i.reporter_user_id
     WHERE a.state = 'triage' AND a.kind = 'native'
       AND (CASE WHEN coalesce(i.needs_admin_routing, false) THEN 'triage_routing' ELSE 'triage' END) = ANY($1)
     ORDER BY a.created_at DESC LIMIT 500)
    UNION ALL
    (SELECT 'orphan', o.id, o.cve_id, coalesce(pa.advisory_id, ''), coalesce(pa.advisory_id, ''),
            o.unassigned_at
     FROM orphan_cve o
     LEFT JOIN advisory pa ON pa.id = o.previous_advisory_id
     WHERE o.status = 'orphaned' AND 'orphan' = ANY($1)
     ORDER BY o.unassigned_at DESC LIMIT 500)
    UNION ALL
    (SELECT 'reassignment', t.id, o.cve_id, a.advisory_id, a.advisory_id, t.created_at
     FROM orphan_cve_reassignment_task t
     JOIN orphan_cve o ON o.id = t.orphan_cve_id
     JOIN advisory a ON a.id = t.advisory_id
     WHERE t.status = 'queued' AND 'reassignment' = ANY($1)
     ORDER BY t.created_at DESC LIMIT 500)
    UNION ALL
    (SELECT 'withdrawal', a.id, a.advisory_id, p.slug, a.advisory_id, a.withdrawal_requested_at
     FROM advisory a
     JOIN project p ON p.id = a.project_id
     WHERE a.withdrawal_requested_at IS NOT NULL AND 'withdrawal' = ANY($1)
     ORDER BY a.withdrawal_requested_at DESC LIMIT 500)
)
SELECT kind AS "kind!", ref_id AS "ref_id!", title AS "title!", subtitle AS "subtitle!",
       advisory AS "advisory!", at AS "at!", count(*) OVER () AS "total!"
FROM items
ORDER BY at DESC, kind, ref_id DESC
LIMIT $2 OFFSET $3
