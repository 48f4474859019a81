-- One advisory with everything the predicates and pages need, for one
-- caller ($2 user id, $3 the user's group ids). `grant_rank` is the best of
-- the caller's direct and group grants (INV-AUTH-4).
SELECT a.id, a.advisory_id, a.project_id, p.slug AS project_slug, p.name AS project_name,
       p.security_team_id AS project_team_id, tg.name AS project_team_name,
       p.is_mature_publisher AS project_mature,
       a.state, a.review_status, a.kind, a.summary, a.details, a.aliases, a.refs, a.affected,
       a.severity, a.cwe_ids, a.credits, a.severity_level, a.severity_score, a.assigned_cve_id,
       a.withdrawn_reason, a.ghsa_id, a.ghsa_owner, a.ghsa_repo, a.ghsa_metadata_synced_at,
       a.created_at, a.created_by, a.modified_at, a.published_at, a.republish_required,
       a.comments_locked, a.comments_lock_reason, a.comments_locked_at, a.cve_requests_banned, a.dismissed_from_state,
       a.withdrawal_requested_at, a.reassignment_requested_at, a.reassignment_requested_by,
       a.access_review_required_at,
       coalesce((SELECT i.needs_admin_routing FROM advisory_intake i WHERE i.advisory_id = a.id), false)
         AS "needs_admin_routing!",
       coalesce((SELECT max(CASE g.permission WHEN 'collaborator' THEN 2 ELSE 1 END)
                 FROM access_grant g WHERE g.advisory_id = a.id
                   AND ((g.principal_type = 'user' AND g.principal_id = $2)
                        OR (g.principal_type = 'group' AND g.principal_id = ANY($3)))), 0)
         AS "grant_rank!",
       coalesce((SELECT max(v.version) FROM advisory_version v WHERE v.advisory_id = a.id), 0)
         AS "latest_version!"
FROM advisory a JOIN project p ON p.id = a.project_id JOIN oidc_group tg ON tg.id = p.security_team_id
WHERE a.advisory_id = $1
