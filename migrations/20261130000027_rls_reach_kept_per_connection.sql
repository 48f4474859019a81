-- INV-CONF-2, same rule, resolved once per change instead of once per
-- transaction. The caller's team projects and grants (`rls_reach`) were read
-- again by the first statement of every transaction; a member's page paid
-- for that on every request. Now a connection also keeps the reach it read
-- for each user, in a session-level setting tagged with the reach epoch it
-- was read at, and a later transaction of that user on the same connection
-- takes it while the epoch is unchanged.
--
-- The epoch is a row, not a sequence: it moves when a transaction that
-- changed a grant, a group membership or a project's team commits, in that
-- transaction, so a snapshot that sees the new epoch sees the change and one
-- that sees the old epoch does not (a sequence would move before the commit
-- and let a reach read from the old rows carry the new epoch). The reach and
-- the epoch are read by one statement, from one snapshot. The bump waits for
-- the commit (a deferred trigger), so the row is locked only while the
-- transaction commits, after every other lock it takes.
--
-- Within a transaction nothing changes: the transaction-local copy is used
-- first and cleared by any change to those tables, and after such a change
-- the transaction neither takes nor leaves a connection-level copy, so it
-- reads its own changes from the next statement on.
CREATE TABLE rls_reach_epoch (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    n bigint NOT NULL DEFAULT 0
);
INSERT INTO rls_reach_epoch DEFAULT VALUES;

CREATE OR REPLACE FUNCTION rls_reach(OUT projects uuid[], OUT granted bigint[]) LANGUAGE plpgsql STABLE AS $$
DECLARE
    principal text := coalesce(rls_user_id()::text, '');
    kept text := coalesce(current_setting('advisoryhub.reach', true), '');
    shared_name text := 'advisoryhub.reach_' || principal;
    shared text;
    epoch text;
BEGIN
    IF kept <> '' AND split_part(kept, '|', 1) = principal THEN
        projects := split_part(kept, '|', 2)::uuid[];
        granted := split_part(kept, '|', 3)::bigint[];
        RETURN;
    END IF;
    IF principal <> '' AND coalesce(current_setting('advisoryhub.reach_changed', true), '') = '' THEN
        epoch := (SELECT n FROM rls_reach_epoch)::text;
        shared := coalesce(current_setting(shared_name, true), '');
        IF epoch IS NOT NULL AND split_part(shared, '|', 1) = epoch THEN
            projects := split_part(shared, '|', 2)::uuid[];
            granted := split_part(shared, '|', 3)::bigint[];
            PERFORM set_config('advisoryhub.reach', principal || '|' || projects::text || '|' || granted::text, true);
            RETURN;
        END IF;
    END IF;
    projects := coalesce((SELECT array_agg(p.id) FROM project p
                          JOIN user_group ug ON ug.group_id = p.security_team_id
                          WHERE ug.user_id = rls_user_id()), '{}');
    granted := coalesce((SELECT array_agg(DISTINCT g.advisory_id) FROM access_grant g
                         WHERE (g.principal_type = 'user' AND g.principal_id = rls_user_id())
                            OR (g.principal_type = 'group' AND g.principal_id IN
                                (SELECT group_id FROM user_group WHERE user_id = rls_user_id()))), '{}');
    PERFORM set_config('advisoryhub.reach', principal || '|' || projects::text || '|' || granted::text, true);
    IF epoch IS NOT NULL THEN
        PERFORM set_config(shared_name, epoch || '|' || projects::text || '|' || granted::text, false);
    END IF;
END
$$;

-- Any change: the transaction's own copy goes, and the transaction stops
-- using connection-level copies. A TRUNCATE moves the epoch at once (it has
-- no row trigger to do it at commit).
CREATE OR REPLACE FUNCTION rls_forget_reach() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('advisoryhub.reach', '', true);
    PERFORM set_config('advisoryhub.reach_changed', 'on', true);
    IF TG_OP = 'TRUNCATE' THEN
        UPDATE rls_reach_epoch SET n = n + 1;
    END IF;
    RETURN NULL;
END
$$;

-- At commit, once per transaction, however many rows changed.
CREATE FUNCTION rls_reach_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF coalesce(current_setting('advisoryhub.reach_bumped', true), '') = '' THEN
        UPDATE rls_reach_epoch SET n = n + 1;
        PERFORM set_config('advisoryhub.reach_bumped', 'on', true);
    END IF;
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER access_grant_bump_reach AFTER INSERT OR UPDATE OR DELETE ON access_grant
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION rls_reach_bump();
CREATE CONSTRAINT TRIGGER user_group_bump_reach AFTER INSERT OR UPDATE OR DELETE ON user_group
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION rls_reach_bump();
CREATE CONSTRAINT TRIGGER project_bump_reach AFTER INSERT OR UPDATE OR DELETE ON project
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION rls_reach_bump();
