-- Honeypot trips of the public intake form (10-domain-model §18,
-- INV-INTAKE-1): what the trap caught, never linked to an advisory. The
-- network fields are scrubbed by prune-reports after the retention horizon.
-- ALTCHA solutions already used are kept in the UNLOGGED cache table
-- (`altcha:used:<signature>`), which the ephemeral sweep empties.
CREATE TABLE honeypot_submission (
    id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    submitted_ip         inet,
    submitted_user_agent varchar(512) NOT NULL DEFAULT '',
    honeypot_field_value varchar(512) NOT NULL DEFAULT '',
    submitted_at         timestamptz NOT NULL DEFAULT now(),
    pii_cleared_at       timestamptz
);
CREATE INDEX honeypot_submission_submitted_idx ON honeypot_submission (submitted_at);
