-- What the advisory page's panels read, in one statement: the page and each
-- panel's own refresh take their part from it (`advisories::panels`), so a
-- view costs one round trip for all of them. $1 the advisory, $2 whether
-- publication errors show (owners), $3 the project's team group (grants to
-- it are not listed), $4 whether the caller manages access (invitations and
-- grantable groups), $5 admin, $6 the caller's groups, $7 and $8 how many CVE
-- requests and publication runs to list, $9 the caller, $10 the ledger
-- actions their role shows on the timeline, $11 whether internal comments
-- show, $12 the access-log action when the statement also records the
-- caller's view of the page (NULL for a panel's refresh), $13 the ledger's
-- first-view action, $14 and $15 the request's IP and User-Agent, $16
-- whether a panel offers a project picker, $17 whether the triage card shows
-- the intake record. Each list keeps its subquery's order.
--
-- The view rides on this statement because every page view pays for it:
-- opening the advisory reads its notifications (20-lifecycle §17.7), moves
-- the visit marker, appends the access-log row and, on the first visit, the
-- ledger's receipt, which carries no network data (INV-AUDIT-6). The rows
-- are those `audit::record` writes for these actions (their metadata is
-- empty, nothing to redact). The panels read the snapshot from before the
-- view, as they did when it came after them.
WITH seen AS (UPDATE notification SET read_at = now()
              WHERE $12::text IS NOT NULL
                AND recipient_id = $9 AND advisory_id = $1 AND read_at IS NULL),
     visit AS (INSERT INTO advisory_visit (user_id, advisory_id)
               SELECT $9, $1 WHERE $12::text IS NOT NULL
               ON CONFLICT (user_id, advisory_id) DO UPDATE SET last_visited_at = now()
               RETURNING (xmax = 0) AS first),
     viewed AS (INSERT INTO access_log_entry (actor_id, action, advisory_id, metadata, ip_address, user_agent)
                SELECT $9, $12, $1, '{}', $14, $15 WHERE $12::text IS NOT NULL),
     receipt AS (INSERT INTO audit_log_entry (actor_id, action, advisory_id, metadata, ip_address, user_agent)
                 SELECT $9, $13, $1, '{}', NULL, '' FROM visit WHERE first),
     -- The advisory's versions, review tasks and publication runs, each read
     -- once (and checked by row-level security once) for the panels that
     -- show them.
     versions AS (SELECT id, version, created_at, editor_id FROM advisory_version WHERE advisory_id = $1),
     reviews AS (SELECT id, status, version_id, created_at, submitted_by, decided_at, decision_notes, reviewer
                 FROM review_task WHERE advisory_id = $1),
     runs AS (SELECT id, status, attempts, last_error, commit_sha, created_at, finished_at, version_id,
                     enqueued_by
              FROM publication_task WHERE advisory_id = $1)
SELECT
  (SELECT coalesce(json_agg(v), '[]')
   FROM (SELECT v.version, v.created_at, u.display_name, u.email
         FROM versions v LEFT JOIN app_user u ON u.id = v.editor_id
         ORDER BY v.version DESC) v)
    AS "versions!: Json<Vec<VersionRow>>",
  -- The workflow columns, the requesters and the last publication run.
  (SELECT to_json(w)
   FROM (SELECT a.dismissed_reason, a.withdrawal_requested_at, a.withdrawal_request_note,
                wu.id AS withdrawal_by_id, wu.display_name AS withdrawal_by_name,
                wu.email AS withdrawal_by_email,
                a.reassignment_requested_at, a.reassignment_request_note,
                ru.id AS reassignment_by_id, ru.display_name AS reassignment_by_name,
                ru.email AS reassignment_by_email,
                sp.id AS suggested_id, sp.slug AS suggested_slug, sp.name AS suggested_name,
                sp.security_team_id AS suggested_team,
                (SELECT t.status FROM runs t ORDER BY t.id DESC LIMIT 1) AS last_task_status
         FROM advisory a
         LEFT JOIN app_user wu ON wu.id = a.withdrawal_requested_by
         LEFT JOIN app_user ru ON ru.id = a.reassignment_requested_by
         LEFT JOIN project sp ON sp.id = a.reassignment_suggested_project_id
         WHERE a.id = $1) w)
    AS "workflow!: Json<WorkflowRow>",
  -- Every project, for the pickers of the workflow panel and the triage card.
  (SELECT coalesce(json_agg(p ORDER BY lower(p.name), p.slug), '[]')
   FROM (SELECT id, slug, name, security_team_id AS team_group_id FROM project WHERE $16) p)
    AS "projects!: Json<Vec<ProjectInfo>>",
  -- A triage report's intake record, with its reporter and who flagged it.
  (SELECT to_json(i)
   FROM (SELECT i.reporter_display_name, i.submitted_at,
                ru.id AS reporter_id, ru.display_name AS reporter_name, ru.email AS reporter_email,
                i.admin_routing_note, i.flagged_for_routing_at,
                fu.id AS flagger_id, fu.display_name AS flagger_name, fu.email AS flagger_email
         FROM advisory_intake i
         LEFT JOIN app_user ru ON ru.id = i.reporter_user_id
         LEFT JOIN app_user fu ON fu.id = i.flagged_for_routing_by
         WHERE $17 AND i.advisory_id = $1) i)
    AS "intake: Json<IntakeRow>",
  -- The open review and the last decision.
  (SELECT to_json(r)
   FROM (SELECT ov.version AS open_version, o.created_at AS open_at,
                su.id AS submitter_id, su.display_name AS submitter_name,
                su.email AS submitter_email,
                d.status AS decided_status, d.decided_at, d.decision_notes,
                ru.id AS reviewer_id, ru.display_name AS reviewer_name,
                ru.email AS reviewer_email
         FROM (SELECT 1) one
         LEFT JOIN reviews o ON o.status = 'open'
         LEFT JOIN versions ov ON ov.id = o.version_id
         LEFT JOIN app_user su ON su.id = o.submitted_by
         LEFT JOIN LATERAL (
             SELECT t.status, t.decided_at, t.decision_notes, t.reviewer
             FROM reviews t
             WHERE t.status IN ('approved', 'changes_requested')
             ORDER BY t.decided_at DESC, t.id DESC LIMIT 1
         ) d ON true
         LEFT JOIN app_user ru ON ru.id = d.reviewer) r)
    AS "review!: Json<ReviewRow>",
  -- CVE requests, queued first. Rejection notes are public (20-lifecycle
  -- §2.3), and so is the dismissal or withdrawal reason a cancellation
  -- carries; a reservation's notes may be an admin's orphan-registry
  -- resolution notes, which are never shown, so they do not leave the
  -- database.
  (SELECT coalesce(json_agg(t), '[]')
   FROM (SELECT t.id, t.status, t.cve_id,
                CASE WHEN t.status IN ('rejected', 'cancelled') THEN t.notes ELSE '' END AS notes,
                t.created_at, t.finished_at,
                t.requested_by, r.display_name AS requester_name, r.email AS requester_email,
                t.assignee, s.display_name AS assignee_name, s.email AS assignee_email
         FROM cve_request_task t
         LEFT JOIN app_user r ON r.id = t.requested_by
         LEFT JOIN app_user s ON s.id = t.assignee
         WHERE t.advisory_id = $1
         ORDER BY (t.status = 'queued') DESC, t.created_at DESC, t.id DESC
         LIMIT $7) t)
    AS "cve!: Json<Vec<CveRow>>",
  -- Publication runs, newest first; the error text does not leave the
  -- database for non-owners.
  (SELECT coalesce(json_agg(t), '[]')
   FROM (SELECT t.id, t.status, t.attempts,
                CASE WHEN $2 THEN t.last_error ELSE '' END AS last_error,
                t.commit_sha, t.created_at, t.finished_at, v.version,
                t.enqueued_by, u.display_name AS enqueuer_name, u.email AS enqueuer_email,
                ARRAY(SELECT a.kind FROM publication_artifact a WHERE a.task_id = t.id
                      ORDER BY array_position(ARRAY['osv', 'csaf', 'cve'], a.kind)) AS kinds
         FROM runs t
         JOIN versions v ON v.id = t.version_id
         LEFT JOIN app_user u ON u.id = t.enqueued_by
         ORDER BY t.created_at DESC, t.id DESC
         LIMIT $8) t)
    AS "publication!: Json<Vec<PublicationRow>>",
  -- Grants; explicit grants to the project's team group are hidden (50-web-ui §9).
  (SELECT coalesce(json_agg(g), '[]')
   FROM (SELECT g.id, g.principal_type, g.principal_id, g.permission,
                u.email, u.display_name, og.name AS group_name
         FROM access_grant g
         LEFT JOIN app_user u ON g.principal_type = 'user' AND u.id = g.principal_id
         LEFT JOIN oidc_group og ON g.principal_type = 'group' AND og.id = g.principal_id
         WHERE g.advisory_id = $1
           AND NOT (g.principal_type = 'group' AND g.principal_id = $3)) g)
    AS "grants!: Json<Vec<GrantRow>>",
  -- The open invitations, expired ones included (an owner may revoke them).
  (SELECT coalesce(json_agg(i), '[]')
   FROM (SELECT id, email, permission, expires_at, expires_at <= now() AS expired
         FROM pending_invitation
         WHERE $4 AND advisory_id = $1 AND redeemed_at IS NULL
         ORDER BY lower(email)) i)
    AS "invitations!: Json<Vec<InvitationRow>>",
  -- Q-13: admins may grant any group, others their own; never the team.
  array(SELECT name FROM oidc_group
        WHERE $4 AND id <> $3 AND ($5 OR id = ANY($6)) ORDER BY name LIMIT 500)
    AS "grantable_groups!",
  -- The caller's notification override on the advisory and their defaults.
  (SELECT to_json(n)
   FROM (SELECT o.on_advisory_submitted_for_review AS o_submitted,
                o.on_advisory_published AS o_published,
                o.on_publication_export_status AS o_export,
                coalesce(o.comments_level, '') AS o_comments,
                coalesce(p.on_advisory_created, true) AS created,
                coalesce(p.on_triage_event, true) AS triage,
                coalesce(p.on_advisory_submitted_for_review, true) AS submitted,
                coalesce(p.on_advisory_published, true) AS published,
                coalesce(p.on_publication_export_status, true) AS export,
                coalesce(p.comments_level, 'mentioned') AS comments
         FROM (SELECT 1) one
         LEFT JOIN advisory_notification_override o ON o.user_id = $9 AND o.advisory_id = $1
         LEFT JOIN notification_preference p ON p.user_id = $9) n)
    AS "notifications!: Json<NotificationRow>",
  -- The comments the caller may see, oldest first.
  (SELECT coalesce(json_agg(c), '[]')
   FROM (SELECT c.id, c.advisory_id, c.author_id, c.body, c.is_internal, c.created_at,
                c.edited_at, c.redacted_at,
                coalesce(u.display_name, '') AS name, coalesce(u.email, '') AS email
         FROM advisory_comment c LEFT JOIN app_user u ON u.id = c.author_id
         WHERE c.advisory_id = $1 AND (NOT c.is_internal OR $11)
         ORDER BY c.created_at, c.id) c)
    AS "comments!: Json<Vec<CommentRow>>",
  -- The timeline's ledger events: the 200 latest, oldest first.
  (SELECT coalesce(json_agg(e ORDER BY e.created_at, e.id), '[]')
   FROM (SELECT e.id, e.action, e.created_at, e.previous_value, e.new_value, e.metadata,
                e.actor_id, u.display_name, u.email
         FROM audit_log_entry e LEFT JOIN app_user u ON u.id = e.actor_id
         WHERE e.advisory_id = $1 AND e.action = ANY($10)
           AND NOT coalesce((e.metadata ->> 'narrated')::boolean, false)
           -- §19.3: a cleared reassignment request shows only when withdrawn.
           AND (e.action <> 'advisory.reassignment_request_cleared'
                OR e.metadata ->> 'cause' = 'withdrawn')
         ORDER BY e.created_at DESC, e.id DESC LIMIT 200) e)
    AS "events!: Json<Vec<EventRow>>",
  -- Where the ledger was pruned (20-lifecycle §19.7).
  array(SELECT metadata ->> 'cutoff' FROM audit_log_entry
        WHERE action = 'audit.pruned' AND metadata ->> 'cutoff' IS NOT NULL)
    AS "pruned_before!"
