-- Review fixes to migrations 10 and 11.

-- The search returns only advisories the caller's principal may see: the
-- join puts `advisory` under its policy, which binds the function's owner
-- too (FORCE ROW LEVEL SECURITY), so a pattern can never probe the text of
-- an advisory the caller cannot read. The trigram index still finds the
-- candidates; the policy then checks each by primary key.
CREATE OR REPLACE FUNCTION advisory_search_ids(pattern text) RETURNS bigint[]
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT coalesce(array_agg(s.advisory_id), '{}')
    FROM advisory_search s JOIN advisory a ON a.id = s.advisory_id
    WHERE s.search_text LIKE pattern
$$;

-- Moving an advisory between two tallies locks both rows in one order, so
-- two opposite moves cannot deadlock.
CREATE OR REPLACE FUNCTION advisory_tally_sync() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    INSERT INTO advisory_tally (project_id, state, severity_level, review_status, kind, n)
    VALUES (NEW.project_id, NEW.state, NEW.severity_level, NEW.review_status, NEW.kind, 0)
    ON CONFLICT DO NOTHING;
    IF TG_OP = 'UPDATE' THEN
        IF (OLD.project_id, OLD.state, OLD.severity_level, OLD.review_status, OLD.kind)
           IS NOT DISTINCT FROM (NEW.project_id, NEW.state, NEW.severity_level, NEW.review_status, NEW.kind) THEN
            RETURN NULL;
        END IF;
        PERFORM 1 FROM advisory_tally
        WHERE (project_id, state, severity_level, review_status, kind) IN
              ((OLD.project_id, OLD.state, OLD.severity_level, OLD.review_status, OLD.kind),
               (NEW.project_id, NEW.state, NEW.severity_level, NEW.review_status, NEW.kind))
        ORDER BY project_id, state, severity_level, review_status, kind
        FOR UPDATE;
        UPDATE advisory_tally SET n = n - 1
        WHERE project_id = OLD.project_id AND state = OLD.state AND severity_level = OLD.severity_level
          AND review_status = OLD.review_status AND kind = OLD.kind;
    END IF;
    UPDATE advisory_tally SET n = n + 1
    WHERE project_id = NEW.project_id AND state = NEW.state AND severity_level = NEW.severity_level
      AND review_status = NEW.review_status AND kind = NEW.kind;
    RETURN NULL;
END
$$;

-- INV-COMMENT-4: once redacted, nothing about the comment changes but what
-- a deleted user's foreign keys set to NULL.
CREATE OR REPLACE FUNCTION advisory_comment_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.is_internal IS DISTINCT FROM OLD.is_internal THEN
        RAISE EXCEPTION 'advisory_comment.is_internal is fixed at creation'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF OLD.redacted_at IS NOT NULL
       AND (NEW.redacted_at IS DISTINCT FROM OLD.redacted_at
            OR NEW.body IS DISTINCT FROM OLD.body
            OR NEW.advisory_id IS DISTINCT FROM OLD.advisory_id
            OR NEW.edited_at IS DISTINCT FROM OLD.edited_at
            OR (NEW.redacted_by IS DISTINCT FROM OLD.redacted_by AND NEW.redacted_by IS NOT NULL)
            OR (NEW.author_id IS DISTINCT FROM OLD.author_id AND NEW.author_id IS NOT NULL)) THEN
        RAISE EXCEPTION 'a redacted comment cannot change'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$;

-- INV-CONF-2: writes, too, only on what the principal may see.
ALTER POLICY advisory_comment_visibility ON advisory_comment
    WITH CHECK (EXISTS (SELECT 1 FROM advisory a WHERE a.id = advisory_comment.advisory_id));
ALTER POLICY comment_version_visibility ON comment_version
    WITH CHECK (EXISTS (SELECT 1 FROM advisory_comment c WHERE c.id = comment_version.comment_id));
