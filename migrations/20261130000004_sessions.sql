-- Browser sessions (tower-sessions with our own store). The cookie carries the
-- session id; the table keeps only its SHA-256, so a read of this table does
-- not hand out live sessions.
CREATE TABLE web_session (
    id_hash      bytea PRIMARY KEY CHECK (length(id_hash) = 32),
    data         jsonb NOT NULL,
    -- Idle expiry: pushed forward while the session is used.
    expires_at   timestamptz NOT NULL,
    -- Set at sign-in; the session ends SESSION_MAX_AGE_SECONDS after it
    -- whatever its use.
    user_id      bigint REFERENCES app_user (id) ON DELETE CASCADE,
    signed_in_at timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    ip_address   inet,
    user_agent   varchar(512) NOT NULL DEFAULT '',
    CHECK ((user_id IS NULL) = (signed_in_at IS NULL))
);
CREATE INDEX web_session_user_idx ON web_session (user_id) WHERE user_id IS NOT NULL;
CREATE INDEX web_session_expires_idx ON web_session (expires_at);
