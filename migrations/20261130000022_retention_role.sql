-- INV-AUDIT-1, B-2: the append-only triggers let a retention command
-- (prune-audit, forget-user) through only when the transaction set
-- advisoryhub.retention_op and the role is a member of hub_retention. The
-- group role is created here when the migrating role may create roles;
-- otherwise the operator creates it (docs/operations.md). It has no login
-- and no rights of its own: membership only marks who may run retention.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'hub_retention') THEN
        CREATE ROLE hub_retention NOLOGIN;
    END IF;
EXCEPTION
    WHEN duplicate_object OR unique_violation THEN
        NULL; -- another database of the cluster created it meanwhile
    WHEN insufficient_privilege THEN
        RAISE NOTICE 'hub_retention does not exist and this role cannot create it; '
                     'retention commands need it (docs/operations.md)';
END
$$;
