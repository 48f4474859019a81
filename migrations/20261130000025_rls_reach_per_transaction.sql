-- INV-CONF-2, same rule, resolved once per transaction: the caller's team
-- projects and grants are kept in a transaction-local setting, tagged with
-- the principal they were read for, instead of being read again by every
-- statement (and by every reference to a table whose policy reaches
-- `advisory`). Any change to the tables they are read from clears it, so a
-- grant or a team change still counts from the next statement of the
-- transaction that made it; a savepoint rolled back restores the setting
-- with the rows. Another transaction's change counts from the caller's next
-- transaction, which is one request.

-- The caller's reach, read at most once per transaction and principal.
CREATE FUNCTION rls_reach(OUT projects uuid[], OUT granted bigint[]) LANGUAGE plpgsql STABLE AS $$
DECLARE
    principal text := coalesce(rls_user_id()::text, '');
    kept text := coalesce(current_setting('advisoryhub.reach', true), '');
BEGIN
    IF kept <> '' AND split_part(kept, '|', 1) = principal THEN
        projects := split_part(kept, '|', 2)::uuid[];
        granted := split_part(kept, '|', 3)::bigint[];
        RETURN;
    END IF;
    projects := coalesce((SELECT array_agg(p.id) FROM project p
                          JOIN user_group ug ON ug.group_id = p.security_team_id
                          WHERE ug.user_id = rls_user_id()), '{}');
    granted := coalesce((SELECT array_agg(DISTINCT g.advisory_id) FROM access_grant g
                         WHERE (g.principal_type = 'user' AND g.principal_id = rls_user_id())
                            OR (g.principal_type = 'group' AND g.principal_id IN
                                (SELECT group_id FROM user_group WHERE user_id = rls_user_id()))), '{}');
    PERFORM set_config('advisoryhub.reach', principal || '|' || projects::text || '|' || granted::text, true);
END
$$;

CREATE OR REPLACE FUNCTION rls_team_projects() RETURNS uuid[] LANGUAGE sql STABLE AS $$
    SELECT (rls_reach()).projects
$$;

CREATE OR REPLACE FUNCTION rls_granted() RETURNS bigint[] LANGUAGE sql STABLE AS $$
    SELECT (rls_reach()).granted
$$;

CREATE FUNCTION rls_forget_reach() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('advisoryhub.reach', '', true);
    RETURN NULL;
END
$$;

CREATE TRIGGER access_grant_forget_reach AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON access_grant
    FOR EACH STATEMENT EXECUTE FUNCTION rls_forget_reach();
CREATE TRIGGER user_group_forget_reach AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON user_group
    FOR EACH STATEMENT EXECUTE FUNCTION rls_forget_reach();
CREATE TRIGGER project_forget_reach AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON project
    FOR EACH STATEMENT EXECUTE FUNCTION rls_forget_reach();
