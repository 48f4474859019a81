-- 10 §15–16: the workflow task tables that ride on an advisory (review, CVE
-- requests, orphaned CVEs and their reassignment, publication runs).

-- Rejects any change of a terminal row's status, and any change of the
-- pinned version, for the task tables below.
CREATE FUNCTION workflow_task_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    terminal text[] := TG_ARGV;
BEGIN
    IF OLD.status = ANY (terminal) AND NEW.status IS DISTINCT FROM OLD.status THEN
        RAISE EXCEPTION '% % is % and cannot change status', TG_TABLE_NAME, OLD.id, OLD.status
            USING ERRCODE = 'check_violation';
    END IF;
    IF to_jsonb(NEW) ? 'version_id' AND (to_jsonb(NEW) ->> 'version_id') IS DISTINCT FROM (to_jsonb(OLD) ->> 'version_id') THEN
        RAISE EXCEPTION '% % is pinned to its version', TG_TABLE_NAME, OLD.id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$;

-- 10 §15.2; INV-REVIEW-2: the frozen content under review.
CREATE TABLE review_task (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    advisory_id    bigint NOT NULL REFERENCES advisory (id) ON DELETE RESTRICT,
    version_id     bigint NOT NULL REFERENCES advisory_version (id) ON DELETE RESTRICT,
    status         text NOT NULL DEFAULT 'open'
                   CHECK (status IN ('open', 'approved', 'changes_requested', 'withdrawn')),
    submitted_by   bigint REFERENCES app_user (id) ON DELETE SET NULL,
    reviewer       bigint REFERENCES app_user (id) ON DELETE SET NULL,
    decision_notes text NOT NULL DEFAULT '',
    created_at     timestamptz NOT NULL DEFAULT now(),
    decided_at     timestamptz,
    CHECK ((status = 'open') = (decided_at IS NULL))
);
CREATE UNIQUE INDEX review_task_one_open_idx ON review_task (advisory_id) WHERE status = 'open';
CREATE INDEX review_task_status_idx ON review_task (status, created_at);
CREATE INDEX review_task_advisory_idx ON review_task (advisory_id, status);
CREATE TRIGGER review_task_guard BEFORE UPDATE ON review_task
    FOR EACH ROW EXECUTE FUNCTION workflow_task_guard('approved', 'changes_requested', 'withdrawn');
CREATE TRIGGER review_task_no_delete BEFORE DELETE ON review_task
    FOR EACH ROW EXECUTE FUNCTION reject_mutation('none');

-- 10 §15.1; INV-CVE-1: at most one queued request per advisory.
CREATE TABLE cve_request_task (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    advisory_id  bigint NOT NULL REFERENCES advisory (id) ON DELETE RESTRICT,
    status       text NOT NULL DEFAULT 'queued'
                 CHECK (status IN ('queued', 'reserved', 'rejected', 'cancelled')),
    requested_by bigint REFERENCES app_user (id) ON DELETE SET NULL,
    assignee     bigint REFERENCES app_user (id) ON DELETE SET NULL,
    cve_id       varchar(32) NOT NULL DEFAULT ''
                 CHECK (cve_id = '' OR cve_id ~ '^CVE-[0-9]{4}-[0-9]{4,19}$'),
    notes        text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz,
    CHECK (status <> 'reserved' OR cve_id <> ''),
    CHECK (status <> 'rejected' OR btrim(notes) <> ''),
    CHECK ((status = 'queued') = (finished_at IS NULL))
);
CREATE UNIQUE INDEX cve_request_task_one_queued_idx ON cve_request_task (advisory_id) WHERE status = 'queued';
CREATE INDEX cve_request_task_status_idx ON cve_request_task (status, created_at);
CREATE INDEX cve_request_task_advisory_idx ON cve_request_task (advisory_id, status);
CREATE TRIGGER cve_request_task_guard BEFORE UPDATE ON cve_request_task
    FOR EACH ROW EXECUTE FUNCTION workflow_task_guard('reserved', 'rejected', 'cancelled');
CREATE TRIGGER cve_request_task_no_delete BEFORE DELETE ON cve_request_task
    FOR EACH ROW EXECUTE FUNCTION reject_mutation('none');

-- 10 §15.3. A `reassigned` row goes back to `orphaned` only when the same
-- advisory orphans the same CVE again (20 §8.6, Q-3); nothing else leaves it.
CREATE TABLE orphan_cve (
    id                      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    cve_id                  varchar(32) NOT NULL UNIQUE CHECK (cve_id ~ '^CVE-[0-9]{4}-[0-9]{4,19}$'),
    previous_advisory_id    bigint REFERENCES advisory (id) ON DELETE SET NULL,
    previous_advisory_label varchar(32) NOT NULL DEFAULT '',
    status                  text NOT NULL DEFAULT 'orphaned'
                            CHECK (status IN ('orphaned', 'marked_rejected', 'reassigned')),
    unassigned_by           bigint REFERENCES app_user (id) ON DELETE SET NULL,
    unassigned_at           timestamptz NOT NULL DEFAULT now(),
    unassign_reason         text NOT NULL,
    marked_rejected_by      bigint REFERENCES app_user (id) ON DELETE SET NULL,
    marked_rejected_at      timestamptz,
    marked_rejected_notes   text NOT NULL DEFAULT ''
);
CREATE INDEX orphan_cve_status_idx ON orphan_cve (status, unassigned_at);
CREATE INDEX orphan_cve_previous_idx ON orphan_cve (previous_advisory_id, unassigned_at);
CREATE FUNCTION orphan_cve_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.cve_id IS DISTINCT FROM OLD.cve_id THEN
        RAISE EXCEPTION 'orphan_cve % cannot change its CVE id', OLD.id USING ERRCODE = 'check_violation';
    END IF;
    IF OLD.status = 'reassigned' AND NEW.status IS DISTINCT FROM OLD.status
       AND NOT (NEW.status = 'orphaned' AND NEW.previous_advisory_id = OLD.previous_advisory_id) THEN
        RAISE EXCEPTION 'orphan_cve % is reassigned', OLD.id USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER orphan_cve_guard BEFORE UPDATE ON orphan_cve
    FOR EACH ROW EXECUTE FUNCTION orphan_cve_guard();
CREATE TRIGGER orphan_cve_no_delete BEFORE DELETE ON orphan_cve
    FOR EACH ROW EXECUTE FUNCTION reject_mutation('none');

-- 10 §15.4.
CREATE TABLE orphan_cve_reassignment_task (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    orphan_cve_id      bigint NOT NULL REFERENCES orphan_cve (id) ON DELETE RESTRICT,
    advisory_id        bigint NOT NULL REFERENCES advisory (id) ON DELETE RESTRICT,
    status             text NOT NULL DEFAULT 'queued'
                       CHECK (status IN ('queued', 'resolved_reassigned', 'resolved_replaced')),
    requested_by       bigint REFERENCES app_user (id) ON DELETE SET NULL,
    resolved_by        bigint REFERENCES app_user (id) ON DELETE SET NULL,
    replacement_cve_id varchar(32) NOT NULL DEFAULT ''
                       CHECK (replacement_cve_id = '' OR replacement_cve_id ~ '^CVE-[0-9]{4}-[0-9]{4,19}$'),
    resolution_notes   text NOT NULL DEFAULT '',
    created_at         timestamptz NOT NULL DEFAULT now(),
    finished_at        timestamptz,
    CHECK (status <> 'resolved_replaced' OR replacement_cve_id <> ''),
    CHECK ((status = 'queued') = (finished_at IS NULL))
);
CREATE UNIQUE INDEX orphan_reassignment_one_queued_idx
    ON orphan_cve_reassignment_task (orphan_cve_id) WHERE status = 'queued';
CREATE INDEX orphan_reassignment_status_idx ON orphan_cve_reassignment_task (status, created_at);
CREATE INDEX orphan_reassignment_advisory_idx ON orphan_cve_reassignment_task (advisory_id, status);
CREATE TRIGGER orphan_reassignment_guard BEFORE UPDATE ON orphan_cve_reassignment_task
    FOR EACH ROW EXECUTE FUNCTION workflow_task_guard('resolved_reassigned', 'resolved_replaced');
CREATE TRIGGER orphan_reassignment_no_delete BEFORE DELETE ON orphan_cve_reassignment_task
    FOR EACH ROW EXECUTE FUNCTION reject_mutation('none');

-- 10 §16.1; INV-CONCURRENCY-1: one queued or running run per advisory.
CREATE TABLE publication_task (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    advisory_id bigint NOT NULL REFERENCES advisory (id) ON DELETE RESTRICT,
    version_id  bigint NOT NULL REFERENCES advisory_version (id) ON DELETE RESTRICT,
    status      text NOT NULL DEFAULT 'queued'
                CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
    attempts    integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    last_error  text NOT NULL DEFAULT '' CHECK (length(last_error) <= 8000),
    started_at  timestamptz,
    finished_at timestamptz,
    job_id      bigint,
    enqueued_by bigint REFERENCES app_user (id) ON DELETE SET NULL,
    commit_sha  varchar(64) NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX publication_task_one_active_idx ON publication_task (advisory_id)
    WHERE status IN ('queued', 'running');
CREATE INDEX publication_task_status_idx ON publication_task (status, created_at);
CREATE INDEX publication_task_advisory_idx ON publication_task (advisory_id, status);
CREATE TRIGGER publication_task_guard BEFORE UPDATE ON publication_task
    FOR EACH ROW EXECUTE FUNCTION workflow_task_guard('succeeded', 'failed');
CREATE TRIGGER publication_task_no_delete BEFORE DELETE ON publication_task
    FOR EACH ROW EXECUTE FUNCTION reject_mutation('none');

-- INV-CONF-2: every task defers to the advisory it belongs to; an orphan
-- whose advisory is gone is an admin matter.
ALTER TABLE review_task ENABLE ROW LEVEL SECURITY;
ALTER TABLE review_task FORCE ROW LEVEL SECURITY;
CREATE POLICY review_task_visibility ON review_task
    USING (EXISTS (SELECT 1 FROM advisory a WHERE a.id = review_task.advisory_id))
    WITH CHECK (EXISTS (SELECT 1 FROM advisory a WHERE a.id = review_task.advisory_id));
ALTER TABLE cve_request_task ENABLE ROW LEVEL SECURITY;
ALTER TABLE cve_request_task FORCE ROW LEVEL SECURITY;
CREATE POLICY cve_request_task_visibility ON cve_request_task
    USING (EXISTS (SELECT 1 FROM advisory a WHERE a.id = cve_request_task.advisory_id))
    WITH CHECK (EXISTS (SELECT 1 FROM advisory a WHERE a.id = cve_request_task.advisory_id));
ALTER TABLE orphan_cve ENABLE ROW LEVEL SECURITY;
ALTER TABLE orphan_cve FORCE ROW LEVEL SECURITY;
CREATE POLICY orphan_cve_visibility ON orphan_cve
    USING (rls_is_admin() OR EXISTS (SELECT 1 FROM advisory a WHERE a.id = orphan_cve.previous_advisory_id))
    WITH CHECK (rls_is_admin() OR EXISTS (SELECT 1 FROM advisory a WHERE a.id = orphan_cve.previous_advisory_id));
ALTER TABLE orphan_cve_reassignment_task ENABLE ROW LEVEL SECURITY;
ALTER TABLE orphan_cve_reassignment_task FORCE ROW LEVEL SECURITY;
CREATE POLICY orphan_reassignment_visibility ON orphan_cve_reassignment_task
    USING (EXISTS (SELECT 1 FROM advisory a WHERE a.id = orphan_cve_reassignment_task.advisory_id))
    WITH CHECK (EXISTS (SELECT 1 FROM advisory a WHERE a.id = orphan_cve_reassignment_task.advisory_id));
ALTER TABLE publication_task ENABLE ROW LEVEL SECURITY;
ALTER TABLE publication_task FORCE ROW LEVEL SECURITY;
CREATE POLICY publication_task_visibility ON publication_task
    USING (EXISTS (SELECT 1 FROM advisory a WHERE a.id = publication_task.advisory_id))
    WITH CHECK (EXISTS (SELECT 1 FROM advisory a WHERE a.id = publication_task.advisory_id));

-- Q-11: a withdrawn review is news for the reviewers.
ALTER TABLE notification DROP CONSTRAINT notification_kind_check;
ALTER TABLE notification ADD CONSTRAINT notification_kind_check
    CHECK (kind IN ('advisory_created', 'advisory_submitted_for_review', 'advisory_review_withdrawn',
                    'advisory_published', 'publication_export_status', 'comment', 'mention', 'triage'));
