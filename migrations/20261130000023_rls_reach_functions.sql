-- INV-CONF-2, same rule, cheaper to start: the caller's team projects and
-- grants are read by two functions, once per statement (each call is an
-- InitPlan), and compared as arrays. The joins and scans the policy held
-- were set up again for every reference to a table whose policy reaches
-- `advisory` — several per statement of the advisory page. The functions
-- read the same tables as before, in the caller's own transaction, so a
-- grant or a team change is seen by the next statement; an unset principal
-- still matches nothing.
CREATE FUNCTION rls_team_projects() RETURNS uuid[] LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN coalesce((SELECT array_agg(p.id) FROM project p
                     JOIN user_group ug ON ug.group_id = p.security_team_id
                     WHERE ug.user_id = rls_user_id()), '{}');
END
$$;

CREATE FUNCTION rls_granted() RETURNS bigint[] LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN coalesce((SELECT array_agg(DISTINCT g.advisory_id) FROM access_grant g
                     WHERE (g.principal_type = 'user' AND g.principal_id = rls_user_id())
                        OR (g.principal_type = 'group' AND g.principal_id IN
                            (SELECT group_id FROM user_group WHERE user_id = rls_user_id()))), '{}');
END
$$;

ALTER POLICY advisory_visibility ON advisory
    USING (
        (SELECT rls_is_admin())
        OR project_id = ANY ((SELECT rls_team_projects())::uuid[])
        OR id = ANY ((SELECT rls_granted())::bigint[])
    );

ALTER POLICY advisory_tally_visibility ON advisory_tally
    USING (
        (SELECT rls_is_admin())
        OR project_id = ANY ((SELECT rls_team_projects())::uuid[])
    );
