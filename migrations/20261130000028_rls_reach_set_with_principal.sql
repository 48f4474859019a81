-- INV-CONF-2, same rule, with no resolution left in the policies. Each
-- policy instance (about ten in a statement of the advisory page: every
-- child table's check reaches `advisory`) carried a call to `rls_reach()`,
-- which cost a member's statements a fifth of their time even when the
-- transaction's kept copy answered it. Now the reach is resolved when the
-- principal is set (`rls_set_principal`, the only way the application sets
-- it) and again after any change to the tables it is read from, and the
-- policies only read the transaction's setting.
--
-- Fail closed: a principal set any other way (a bare `set_config`), or a
-- reach kept for another principal, matches nothing but what an admin flag
-- allows.

-- Only a user who is not an admin needs a reach: the policies let admins
-- and the system principal through on the flag, and find nothing for an
-- anonymous one. Those transactions read none of the three tables for it, so
-- a role without rights on them can still begin one.
CREATE FUNCTION rls_resolve_reach() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF rls_user_id() IS NOT NULL AND NOT rls_is_admin() THEN
        PERFORM rls_reach();
    END IF;
END
$$;

CREATE FUNCTION rls_set_principal(user_id text, is_admin text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('advisoryhub.user_id', user_id, true);
    PERFORM set_config('advisoryhub.is_admin', is_admin, true);
    PERFORM rls_resolve_reach();
END
$$;

-- Any change to grants, memberships or teams: the transaction stops using
-- connection-level copies and reads its reach again, seeing its own change.
-- A TRUNCATE moves the epoch at once (it has no row trigger to do it at
-- commit).
CREATE FUNCTION rls_reach_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('advisoryhub.reach', '', true);
    PERFORM set_config('advisoryhub.reach_changed', 'on', true);
    IF TG_OP = 'TRUNCATE' THEN
        UPDATE rls_reach_epoch SET n = n + 1;
    END IF;
    PERFORM rls_resolve_reach();
    RETURN NULL;
END
$$;

DROP TRIGGER access_grant_forget_reach ON access_grant;
DROP TRIGGER user_group_forget_reach ON user_group;
DROP TRIGGER project_forget_reach ON project;
DROP FUNCTION rls_forget_reach();

CREATE TRIGGER access_grant_reach_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON access_grant
    FOR EACH STATEMENT EXECUTE FUNCTION rls_reach_changed();
CREATE TRIGGER user_group_reach_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON user_group
    FOR EACH STATEMENT EXECUTE FUNCTION rls_reach_changed();
CREATE TRIGGER project_reach_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON project
    FOR EACH STATEMENT EXECUTE FUNCTION rls_reach_changed();

-- Plain expressions over the settings, so the planner inlines them: the
-- reach counts only when it was resolved for the principal now set.
CREATE OR REPLACE FUNCTION rls_team_projects() RETURNS uuid[] LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN split_part(current_setting('advisoryhub.reach', true), '|', 1) = rls_user_id()::text
                THEN split_part(current_setting('advisoryhub.reach', true), '|', 2)::uuid[]
                ELSE '{}'::uuid[] END
$$;

CREATE OR REPLACE FUNCTION rls_granted() RETURNS bigint[] LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN split_part(current_setting('advisoryhub.reach', true), '|', 1) = rls_user_id()::text
                THEN split_part(current_setting('advisoryhub.reach', true), '|', 3)::bigint[]
                ELSE '{}'::bigint[] END
$$;
