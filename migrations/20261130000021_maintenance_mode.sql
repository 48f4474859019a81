-- Maintenance mode (10-domain-model §20, INV-MAINT-1): the site-wide write
-- pause and its banner message. One row at most; no row reads as "off".
-- Enforcement reads it on every unsafe request; a change is announced on
-- the `maintenance` channel so every web replica refreshes its banner.
CREATE TABLE maintenance_mode (
    id         smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    is_enabled boolean NOT NULL DEFAULT false,
    message    text NOT NULL DEFAULT '',
    updated_at timestamptz NOT NULL DEFAULT now(),
    updated_by bigint REFERENCES app_user (id) ON DELETE SET NULL
);
