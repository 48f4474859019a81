-- The advisory list under row-level security (docs/performance.md).
--
-- 1. Free-text search. Under a policy a qual can use an index only when its
-- operator is LEAKPROOF, and LIKE is not, so a trigram index on `advisory`
-- never serves the application role. The search text moves to a side table
-- that no policy applies to its owner (RLS enabled, not forced, no policy: the
-- application role reads nothing from it), and the list asks
-- `advisory_search_ids()`, which runs as the owner, uses the trigram index and
-- returns only ids. The rows themselves still pass the advisory policy.
--
-- 2. Per-state counts. The list's tabs counted the whole visible set on every
-- request. `advisory_tally` keeps the number of advisories per project and
-- per value of every list filter, maintained with the rows by trigger, so the
-- counts read a few dozen rows whatever the number of advisories.

-- Backfills read every advisory: the migrating role may be bound by the
-- forced policy, so act as the system principal for this transaction.
SELECT set_config('advisoryhub.is_admin', 'on', true);

ALTER TABLE advisory DROP COLUMN search_text;
DROP INDEX advisory_summary_trgm_idx;
DROP INDEX advisory_details_trgm_idx;
DROP INDEX advisory_public_id_trgm_idx;

CREATE TABLE advisory_search (
    advisory_id bigint PRIMARY KEY REFERENCES advisory (id) ON DELETE RESTRICT,
    -- What the list's `q` matches: public id, summary, aliases and details.
    search_text text NOT NULL
);
ALTER TABLE advisory_search ALTER COLUMN search_text SET STORAGE MAIN;
CREATE INDEX advisory_search_trgm_idx ON advisory_search USING gin (search_text gin_trgm_ops)
    WITH (fastupdate = off);
ALTER TABLE advisory_search ENABLE ROW LEVEL SECURITY;

CREATE FUNCTION advisory_search_text(a advisory) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT lower(a.advisory_id || ' ' || a.summary || ' ' || a.aliases::text || ' ' || a.details)
$$;

CREATE FUNCTION advisory_search_sync() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    INSERT INTO advisory_search (advisory_id, search_text)
    VALUES (NEW.id, advisory_search_text(NEW))
    ON CONFLICT (advisory_id) DO UPDATE SET search_text = EXCLUDED.search_text;
    RETURN NULL;
END
$$;
CREATE TRIGGER advisory_search_sync AFTER INSERT OR UPDATE OF advisory_id, summary, aliases, details
    ON advisory FOR EACH ROW EXECUTE FUNCTION advisory_search_sync();

-- `pattern` is a LIKE pattern over the lower-cased text. Returns the ids of
-- every match, visible or not: only the caller's own query, under the policy,
-- turns them into rows.
CREATE FUNCTION advisory_search_ids(pattern text) RETURNS bigint[]
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT coalesce(array_agg(advisory_id), '{}') FROM advisory_search WHERE search_text LIKE pattern
$$;

INSERT INTO advisory_search (advisory_id, search_text)
SELECT a.id, advisory_search_text(a) FROM advisory a;

CREATE TABLE advisory_tally (
    project_id     uuid NOT NULL REFERENCES project (id) ON DELETE RESTRICT,
    state          text NOT NULL,
    severity_level text NOT NULL,
    review_status  text NOT NULL,
    kind           text NOT NULL,
    n              bigint NOT NULL CHECK (n >= 0),
    PRIMARY KEY (project_id, state, severity_level, review_status, kind)
);
-- INV-CONF-2: counts of a project are visible as its advisories are, to
-- admins and the project's team (granted advisories are counted from their
-- rows). The owner, which maintains the table by trigger, is not bound.
ALTER TABLE advisory_tally ENABLE ROW LEVEL SECURITY;
CREATE POLICY advisory_tally_visibility ON advisory_tally FOR SELECT
    USING (
        (SELECT rls_is_admin())
        OR project_id IN (SELECT p.id FROM project p JOIN user_group ug ON ug.group_id = p.security_team_id
                          WHERE ug.user_id = (SELECT rls_user_id()))
    );

CREATE FUNCTION advisory_tally_sync() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF (OLD.project_id, OLD.state, OLD.severity_level, OLD.review_status, OLD.kind)
           IS NOT DISTINCT FROM (NEW.project_id, NEW.state, NEW.severity_level, NEW.review_status, NEW.kind) THEN
            RETURN NULL;
        END IF;
        UPDATE advisory_tally SET n = n - 1
        WHERE project_id = OLD.project_id AND state = OLD.state AND severity_level = OLD.severity_level
          AND review_status = OLD.review_status AND kind = OLD.kind;
    END IF;
    INSERT INTO advisory_tally (project_id, state, severity_level, review_status, kind, n)
    VALUES (NEW.project_id, NEW.state, NEW.severity_level, NEW.review_status, NEW.kind, 1)
    ON CONFLICT (project_id, state, severity_level, review_status, kind) DO UPDATE SET n = advisory_tally.n + 1;
    RETURN NULL;
END
$$;
CREATE TRIGGER advisory_tally_sync AFTER INSERT OR UPDATE OF project_id, state, severity_level, review_status, kind
    ON advisory FOR EACH ROW EXECUTE FUNCTION advisory_tally_sync();

INSERT INTO advisory_tally (project_id, state, severity_level, review_status, kind, n)
SELECT project_id, state, severity_level, review_status, kind, count(*)
FROM advisory GROUP BY 1, 2, 3, 4, 5;
