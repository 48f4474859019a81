-- The visibility policy reads the principal once per statement instead of
-- once per row: a scalar subquery becomes an InitPlan, where a bare
-- current_setting() call is evaluated for every row checked.
DROP POLICY advisory_visibility ON advisory;
CREATE POLICY advisory_visibility ON advisory
    USING (
        (SELECT rls_is_admin())
        OR project_id IN (SELECT p.id FROM project p JOIN user_group ug ON ug.group_id = p.security_team_id
                          WHERE ug.user_id = (SELECT rls_user_id()))
        OR id IN (SELECT g.advisory_id FROM access_grant g
                  WHERE (g.principal_type = 'user' AND g.principal_id = (SELECT rls_user_id()))
                     OR (g.principal_type = 'group' AND g.principal_id IN
                         (SELECT group_id FROM user_group WHERE user_id = (SELECT rls_user_id()))))
    )
    WITH CHECK (true);
