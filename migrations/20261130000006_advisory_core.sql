-- The advisory core: projects, advisories, their versions, the intake
-- sidecar, access grants, visit markers and the audit ledger, with every rule
-- the specification puts in the database (10-domain-model §3–§13).

CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- B-2: append-only tables refuse UPDATE and DELETE unless a retention command
-- (a member of hub_retention that set advisoryhub.retention_op) does it.
CREATE FUNCTION reject_mutation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_ARGV[0] = 'retention'
       AND current_setting('advisoryhub.retention_op', true) = 'on'
       AND EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'hub_retention')
       AND pg_has_role(current_user, 'hub_retention', 'MEMBER') THEN
        RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TABLE project (
    id                     uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    slug                   varchar(100) NOT NULL UNIQUE
                           CHECK (slug ~ '^[a-z0-9](?:[a-z0-9._-]*[a-z0-9])?$'),
    name                   varchar(200) NOT NULL CHECK (btrim(name) <> ''),
    description            text NOT NULL DEFAULT '',
    homepage_url           varchar(200) NOT NULL DEFAULT '',
    -- Members are derived owners of every advisory of the project (INV-PROJECT-1).
    security_team_id       bigint NOT NULL REFERENCES oidc_group (id) ON DELETE RESTRICT,
    is_mature_publisher    boolean NOT NULL DEFAULT false,
    created_at             timestamptz NOT NULL DEFAULT now(),
    last_pmi_sync_at       timestamptz,
    last_pmi_sync_error    text NOT NULL DEFAULT '',
    last_roster_sync_at    timestamptz,
    last_roster_sync_error text NOT NULL DEFAULT ''
);
CREATE INDEX project_security_team_idx ON project (security_team_id);

-- INV-PROJECT-2: the routing sentinel, owned by the admin group. `migrate`
-- re-binds it when OIDC_ADMIN_GROUP names another group.
INSERT INTO oidc_group (name) VALUES ('advisoryhub-security') ON CONFLICT (name) DO NOTHING;
INSERT INTO project (slug, name, security_team_id)
SELECT 'unsorted', 'Unsorted reports', id FROM oidc_group WHERE name = 'advisoryhub-security';

CREATE TABLE advisory (
    id                                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    advisory_id                       varchar(32) NOT NULL UNIQUE
                                      CHECK (advisory_id ~ '^ECL(-[23456789cfghjmpqrvwx]{4}){3}$'),
    project_id                        uuid NOT NULL REFERENCES project (id) ON DELETE RESTRICT,
    state                             text NOT NULL DEFAULT 'draft'
                                      CHECK (state IN ('triage', 'draft', 'published', 'dismissed')),
    review_status                     text NOT NULL DEFAULT 'none'
                                      CHECK (review_status IN ('none', 'submitted', 'changes_requested', 'approved')),
    submitted_for_review_at           timestamptz,
    submitted_for_review_by           bigint REFERENCES app_user (id) ON DELETE SET NULL,
    summary                           varchar(300) NOT NULL DEFAULT '',
    details                           text NOT NULL DEFAULT '',
    aliases                           jsonb NOT NULL DEFAULT '[]',
    refs                              jsonb NOT NULL DEFAULT '[]',
    affected                          jsonb NOT NULL DEFAULT '[]',
    severity                          jsonb NOT NULL DEFAULT '[]',
    cwe_ids                           jsonb NOT NULL DEFAULT '[]',
    credits                           jsonb NOT NULL DEFAULT '[]',
    -- Derived from `severity` (§5); never versioned.
    severity_level                    text NOT NULL DEFAULT 'none'
                                      CHECK (severity_level IN ('critical', 'high', 'medium', 'low', 'none')),
    severity_score                    double precision,
    published_at                      timestamptz,
    modified_at                       timestamptz NOT NULL DEFAULT now(),
    created_at                        timestamptz NOT NULL DEFAULT now(),
    created_by                        bigint REFERENCES app_user (id) ON DELETE SET NULL,
    withdrawn_reason                  text NOT NULL DEFAULT '',
    dismissed_reason                  text NOT NULL DEFAULT '',
    dismissed_from_state              text NOT NULL DEFAULT ''
                                      CHECK (dismissed_from_state IN ('', 'triage', 'draft', 'published')),
    republish_required                boolean NOT NULL DEFAULT false,
    access_review_required_at         timestamptz,
    reassignment_requested_at         timestamptz,
    reassignment_requested_by         bigint REFERENCES app_user (id) ON DELETE SET NULL,
    reassignment_request_note         text NOT NULL DEFAULT '',
    reassignment_suggested_project_id uuid REFERENCES project (id) ON DELETE SET NULL,
    withdrawal_requested_at           timestamptz,
    withdrawal_requested_by           bigint REFERENCES app_user (id) ON DELETE SET NULL,
    withdrawal_request_note           text NOT NULL DEFAULT '',
    comments_locked                   boolean NOT NULL DEFAULT false,
    comments_locked_at                timestamptz,
    comments_locked_by                bigint REFERENCES app_user (id) ON DELETE SET NULL,
    comments_lock_reason              text NOT NULL DEFAULT '',
    assigned_cve_id                   varchar(32) NOT NULL DEFAULT ''
                                      CHECK (assigned_cve_id = '' OR assigned_cve_id ~ '^CVE-[0-9]{4}-[0-9]{4,19}$'),
    cve_requests_banned               boolean NOT NULL DEFAULT false,
    kind                              text NOT NULL DEFAULT 'native'
                                      CHECK (kind IN ('native', 'ghsa_linked')),
    ghsa_id                           varchar(32) NOT NULL DEFAULT ''
                                      CHECK (ghsa_id = '' OR ghsa_id ~* '^GHSA-[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}$'),
    ghsa_owner                        varchar(100) NOT NULL DEFAULT '',
    ghsa_repo                         varchar(200) NOT NULL DEFAULT '',
    ghsa_metadata                     jsonb,
    ghsa_metadata_synced_at           timestamptz,
    ghsa_sync_error                   text NOT NULL DEFAULT '',
    ghsa_state                        text NOT NULL DEFAULT 'unknown'
                                      CHECK (ghsa_state IN ('unknown', 'draft', 'triage', 'published', 'closed', 'withdrawn')),
    ghsa_cve_push_status              text NOT NULL DEFAULT 'none'
                                      CHECK (ghsa_cve_push_status IN ('none', 'pending', 'succeeded', 'failed')),
    ghsa_cve_push_attempted_at        timestamptz,
    ghsa_cve_conflict_detected_at     timestamptz,
    ghsa_cve_conflict_ghsa_value      varchar(64) NOT NULL DEFAULT '',
    CHECK (jsonb_typeof(aliases) = 'array' AND jsonb_typeof(refs) = 'array'
           AND jsonb_typeof(affected) = 'array' AND jsonb_typeof(severity) = 'array'
           AND jsonb_typeof(cwe_ids) = 'array' AND jsonb_typeof(credits) = 'array'),
    CHECK (kind <> 'ghsa_linked' OR (ghsa_id <> '' AND ghsa_owner <> '' AND ghsa_repo <> '')),
    CHECK (state <> 'dismissed' OR btrim(dismissed_reason) <> ''),
    CHECK (reassignment_requested_at IS NOT NULL
           OR (reassignment_requested_by IS NULL AND reassignment_request_note = ''
               AND reassignment_suggested_project_id IS NULL)),
    CHECK (withdrawal_requested_at IS NOT NULL
           OR (withdrawal_requested_by IS NULL AND withdrawal_request_note = '')),
    CHECK (comments_locked
           OR (comments_locked_at IS NULL AND comments_locked_by IS NULL AND comments_lock_reason = ''))
);
-- INV-ID-2
CREATE UNIQUE INDEX advisory_ghsa_id_idx ON advisory (lower(ghsa_id)) WHERE ghsa_id <> '';
-- Q-4: an assigned CVE id belongs to at most one advisory.
CREATE UNIQUE INDEX advisory_assigned_cve_idx ON advisory (assigned_cve_id) WHERE assigned_cve_id <> '';
CREATE INDEX advisory_state_idx ON advisory (state);
CREATE INDEX advisory_project_state_idx ON advisory (project_id, state);
CREATE INDEX advisory_review_status_idx ON advisory (review_status);
CREATE INDEX advisory_kind_idx ON advisory (kind);
CREATE INDEX advisory_severity_idx ON advisory (severity_level);
CREATE INDEX advisory_modified_idx ON advisory (modified_at DESC, id DESC);
CREATE INDEX advisory_reassignment_idx ON advisory (reassignment_requested_at) WHERE reassignment_requested_at IS NOT NULL;
CREATE INDEX advisory_withdrawal_idx ON advisory (withdrawal_requested_at) WHERE withdrawal_requested_at IS NOT NULL;
CREATE INDEX advisory_aliases_idx ON advisory USING gin (aliases jsonb_path_ops);
CREATE INDEX advisory_summary_trgm_idx ON advisory USING gin (summary gin_trgm_ops);
CREATE INDEX advisory_details_trgm_idx ON advisory USING gin (details gin_trgm_ops);
CREATE INDEX advisory_public_id_trgm_idx ON advisory USING gin (advisory_id gin_trgm_ops);

-- INV-IMPL-1: advisories are never deleted.
CREATE FUNCTION advisory_no_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'advisories are never deleted' USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER advisory_no_delete BEFORE DELETE ON advisory
    FOR EACH ROW EXECUTE FUNCTION advisory_no_delete();

-- Identity is fixed: the public id never changes, the kind changes only
-- native → ghsa_linked, a GHSA-linked advisory moves project only through the
-- PMI re-home (INV-ID-1, INV-GHSA-1, INV-GHSA-4); published_at is written once.
CREATE FUNCTION advisory_identity_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.advisory_id IS DISTINCT FROM OLD.advisory_id THEN
        RAISE EXCEPTION 'advisory_id is immutable' USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.kind IS DISTINCT FROM OLD.kind AND NOT (OLD.kind = 'native' AND NEW.kind = 'ghsa_linked') THEN
        RAISE EXCEPTION 'kind may change only from native to ghsa_linked' USING ERRCODE = 'check_violation';
    END IF;
    IF OLD.kind = 'ghsa_linked' AND NEW.project_id IS DISTINCT FROM OLD.project_id
       AND current_setting('advisoryhub.pmi_rehome', true) IS DISTINCT FROM 'on' THEN
        RAISE EXCEPTION 'a GHSA-linked advisory follows its repository''s project' USING ERRCODE = 'check_violation';
    END IF;
    IF OLD.published_at IS NOT NULL AND NEW.published_at IS DISTINCT FROM OLD.published_at THEN
        RAISE EXCEPTION 'published_at is written once' USING ERRCODE = 'check_violation';
    END IF;
    NEW.modified_at := now();
    RETURN NEW;
END
$$;
CREATE TRIGGER advisory_identity_guard BEFORE UPDATE ON advisory
    FOR EACH ROW EXECUTE FUNCTION advisory_identity_guard();

CREATE TABLE advisory_version (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    advisory_id bigint NOT NULL REFERENCES advisory (id) ON DELETE RESTRICT,
    version     integer NOT NULL CHECK (version >= 1),
    payload     jsonb NOT NULL CHECK (jsonb_typeof(payload) = 'object'),
    editor_id   bigint REFERENCES app_user (id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (advisory_id, version)
);
-- INV-IMPL-5: no bypass at all.
CREATE TRIGGER advisory_version_append_only BEFORE UPDATE OR DELETE ON advisory_version
    FOR EACH ROW EXECUTE FUNCTION reject_mutation('none');

CREATE TABLE advisory_intake (
    id                     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    advisory_id            bigint NOT NULL UNIQUE REFERENCES advisory (id) ON DELETE RESTRICT,
    reporter_user_id       bigint REFERENCES app_user (id) ON DELETE SET NULL,
    reporter_display_name  varchar(200) NOT NULL DEFAULT '',
    submitted_ip           inet,
    submitted_user_agent   varchar(512) NOT NULL DEFAULT '',
    needs_admin_routing    boolean NOT NULL DEFAULT false,
    admin_routing_note     text NOT NULL DEFAULT '',
    flagged_for_routing_at timestamptz,
    flagged_for_routing_by bigint REFERENCES app_user (id) ON DELETE SET NULL,
    submitted_at           timestamptz NOT NULL DEFAULT now(),
    pii_cleared_at         timestamptz,
    CHECK (needs_admin_routing
           OR (admin_routing_note = '' AND flagged_for_routing_at IS NULL AND flagged_for_routing_by IS NULL))
);
CREATE INDEX advisory_intake_routing_idx ON advisory_intake (needs_admin_routing) WHERE needs_admin_routing;
CREATE INDEX advisory_intake_submitted_idx ON advisory_intake (submitted_at);

-- INV-INTAKE-4: a native triage advisory on `unsorted` is always flagged for
-- routing. Checked at commit, so the advisory and its sidecar can be written
-- in either order within one transaction.
CREATE FUNCTION check_unsorted_triage_flagged() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    target bigint;
BEGIN
    -- Each branch reads a column of its own table only.
    IF TG_TABLE_NAME = 'advisory' THEN
        target := NEW.id;
    ELSE
        target := NEW.advisory_id;
    END IF;
    IF EXISTS (
        SELECT 1 FROM advisory a JOIN project p ON p.id = a.project_id
        WHERE a.id = target AND a.kind = 'native' AND a.state = 'triage' AND p.slug = 'unsorted'
          AND NOT EXISTS (SELECT 1 FROM advisory_intake i
                          WHERE i.advisory_id = a.id AND i.needs_admin_routing)
    ) THEN
        RAISE EXCEPTION 'a triage report on unsorted must stay flagged for admin routing'
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER advisory_unsorted_triage_flagged
    AFTER INSERT OR UPDATE ON advisory DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION check_unsorted_triage_flagged();
CREATE CONSTRAINT TRIGGER advisory_intake_unsorted_triage_flagged
    AFTER INSERT OR UPDATE ON advisory_intake DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION check_unsorted_triage_flagged();

CREATE TABLE advisory_visit (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id         bigint NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
    advisory_id     bigint NOT NULL REFERENCES advisory (id) ON DELETE RESTRICT,
    last_visited_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (user_id, advisory_id)
);
CREATE INDEX advisory_visit_advisory_idx ON advisory_visit (advisory_id);

CREATE TABLE access_grant (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    advisory_id    bigint NOT NULL REFERENCES advisory (id) ON DELETE RESTRICT,
    principal_type text NOT NULL CHECK (principal_type IN ('user', 'group')),
    principal_id   bigint NOT NULL,
    -- Owner is never stored: it is derived (INV-AUTH-3).
    permission     text NOT NULL CHECK (permission IN ('viewer', 'collaborator')),
    created_at     timestamptz NOT NULL DEFAULT now(),
    created_by     bigint REFERENCES app_user (id) ON DELETE SET NULL,
    UNIQUE (advisory_id, principal_type, principal_id)
);
CREATE INDEX access_grant_principal_idx ON access_grant (principal_type, principal_id);
CREATE INDEX access_grant_advisory_permission_idx ON access_grant (advisory_id, permission);

-- A polymorphic reference cannot be a foreign key; check it instead, and
-- remove a principal's grants with the principal.
CREATE FUNCTION access_grant_principal_exists() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.principal_type = 'user' AND NOT EXISTS (SELECT 1 FROM app_user WHERE id = NEW.principal_id))
       OR (NEW.principal_type = 'group' AND NOT EXISTS (SELECT 1 FROM oidc_group WHERE id = NEW.principal_id)) THEN
        RAISE EXCEPTION 'grant principal %:% does not exist', NEW.principal_type, NEW.principal_id
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER access_grant_principal_exists BEFORE INSERT OR UPDATE ON access_grant
    FOR EACH ROW EXECUTE FUNCTION access_grant_principal_exists();
CREATE FUNCTION access_grant_drop_for_principal() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM access_grant WHERE principal_type = TG_ARGV[0] AND principal_id = OLD.id;
    RETURN OLD;
END
$$;
CREATE TRIGGER app_user_drop_grants AFTER DELETE ON app_user
    FOR EACH ROW EXECUTE FUNCTION access_grant_drop_for_principal('user');
CREATE TRIGGER oidc_group_drop_grants AFTER DELETE ON oidc_group
    FOR EACH ROW EXECUTE FUNCTION access_grant_drop_for_principal('group');

CREATE TABLE audit_log_entry (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    actor_id       bigint REFERENCES app_user (id) ON DELETE SET NULL,
    action         text NOT NULL CHECK (action <> ''),
    advisory_id    bigint REFERENCES advisory (id) ON DELETE SET NULL,
    comment_id     bigint,
    previous_value jsonb,
    new_value      jsonb,
    metadata       jsonb NOT NULL DEFAULT '{}',
    ip_address     inet,
    user_agent     varchar(512) NOT NULL DEFAULT '',
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_entry_created_idx ON audit_log_entry (created_at);
CREATE INDEX audit_log_entry_advisory_idx ON audit_log_entry (advisory_id, created_at);
CREATE INDEX audit_log_entry_actor_idx ON audit_log_entry (actor_id, created_at);
CREATE INDEX audit_log_entry_action_idx ON audit_log_entry (action);
-- INV-AUDIT-1, INV-IMPL-2
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log_entry
    FOR EACH ROW EXECUTE FUNCTION reject_mutation('retention');

-- INV-CONF-2: row-level security as a fail-closed backstop. The principal is
-- set per transaction (set_config(..., true)); unset matches nothing.
-- Superusers and table owners without FORCE bypass it, so the application
-- role must be neither (docs/operations).
CREATE FUNCTION rls_user_id() RETURNS bigint LANGUAGE sql STABLE AS $$
    SELECT nullif(current_setting('advisoryhub.user_id', true), '')::bigint
$$;
CREATE FUNCTION rls_is_admin() RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT coalesce(current_setting('advisoryhub.is_admin', true), '') = 'on'
$$;

ALTER TABLE advisory ENABLE ROW LEVEL SECURITY;
ALTER TABLE advisory FORCE ROW LEVEL SECURITY;
CREATE POLICY advisory_visibility ON advisory
    USING (
        rls_is_admin()
        OR EXISTS (SELECT 1 FROM project p JOIN user_group ug ON ug.group_id = p.security_team_id
                   WHERE p.id = advisory.project_id AND ug.user_id = rls_user_id())
        OR EXISTS (SELECT 1 FROM access_grant g
                   WHERE g.advisory_id = advisory.id
                     AND ((g.principal_type = 'user' AND g.principal_id = rls_user_id())
                          OR (g.principal_type = 'group' AND g.principal_id IN
                              (SELECT group_id FROM user_group WHERE user_id = rls_user_id()))))
    )
    WITH CHECK (true);

ALTER TABLE advisory_version ENABLE ROW LEVEL SECURITY;
ALTER TABLE advisory_version FORCE ROW LEVEL SECURITY;
CREATE POLICY advisory_version_visibility ON advisory_version
    USING (EXISTS (SELECT 1 FROM advisory a WHERE a.id = advisory_version.advisory_id))
    WITH CHECK (true);

ALTER TABLE advisory_intake ENABLE ROW LEVEL SECURITY;
ALTER TABLE advisory_intake FORCE ROW LEVEL SECURITY;
CREATE POLICY advisory_intake_visibility ON advisory_intake
    USING (EXISTS (SELECT 1 FROM advisory a WHERE a.id = advisory_intake.advisory_id))
    WITH CHECK (true);

ALTER TABLE advisory_visit ENABLE ROW LEVEL SECURITY;
ALTER TABLE advisory_visit FORCE ROW LEVEL SECURITY;
CREATE POLICY advisory_visit_visibility ON advisory_visit
    USING (EXISTS (SELECT 1 FROM advisory a WHERE a.id = advisory_visit.advisory_id))
    WITH CHECK (true);
