-- Cache entries with a time to live. UNLOGGED: a crash empties the table,
-- which is harmless for a cache, and writes skip the WAL.
CREATE UNLOGGED TABLE cache_entries (
    key        text PRIMARY KEY CHECK (length(key) BETWEEN 1 AND 512),
    value      jsonb NOT NULL,
    expires_at timestamptz NOT NULL
);

CREATE INDEX cache_entries_expires_at_idx ON cache_entries (expires_at);
