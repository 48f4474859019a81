-- The ephemeral access log (sign-ins, views, deliveries): monthly range
-- partitions so retention drops whole months (INV-AUDIT-5). No append-only
-- trigger, because partitions must stay droppable; the service layer never
-- updates rows.
CREATE TABLE access_log_entry (
    id          bigint GENERATED ALWAYS AS IDENTITY,
    actor_id    bigint REFERENCES app_user (id) ON DELETE SET NULL,
    action      text NOT NULL CHECK (action <> ''),
    advisory_id bigint,
    metadata    jsonb NOT NULL DEFAULT '{}',
    ip_address  inet,
    user_agent  varchar(512) NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (id, created_at)
) PARTITION BY RANGE (created_at);

-- Catches rows for a month whose partition is missing; maintenance moves them
-- out when it creates that month.
CREATE TABLE access_log_entry_default PARTITION OF access_log_entry DEFAULT;

CREATE INDEX access_log_entry_created_idx ON access_log_entry (created_at);
CREATE INDEX access_log_entry_actor_idx ON access_log_entry (actor_id, created_at);
CREATE INDEX access_log_entry_action_idx ON access_log_entry (action);

-- The current and the next month exist from the start; the maintenance job
-- keeps creating one month ahead.
DO $$
DECLARE
    month date;
BEGIN
    FOR i IN 0..1 LOOP
        month := (date_trunc('month', now() AT TIME ZONE 'UTC') + make_interval(months => i))::date;
        EXECUTE format(
            'CREATE TABLE %I PARTITION OF access_log_entry FOR VALUES FROM (%L) TO (%L)',
            'access_log_entry_p' || to_char(month, 'YYYY_MM'),
            month::timestamp AT TIME ZONE 'UTC',
            (month + interval '1 month')::timestamp AT TIME ZONE 'UTC');
    END LOOP;
END
$$;
