-- The job queue. A job row is inserted in the same transaction as the change
-- that causes it; workers claim pending rows with FOR UPDATE SKIP LOCKED.
CREATE TABLE jobs (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    queue        text NOT NULL CHECK (length(queue) BETWEEN 1 AND 100),
    payload      jsonb NOT NULL,
    -- Higher runs first.
    priority     smallint NOT NULL DEFAULT 0,
    status       text NOT NULL DEFAULT 'pending'
                 CHECK (status IN ('pending', 'running', 'completed', 'dead', 'cancelled')),
    attempts     integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    max_attempts integer NOT NULL CHECK (max_attempts >= 1),
    -- Not before this time; retries push it out with exponential backoff.
    run_at       timestamptz NOT NULL DEFAULT now(),
    -- While pending or running, at most one job per key (see the index).
    dedupe_key   text CHECK (length(dedupe_key) BETWEEN 1 AND 300),
    locked_by    text,
    -- When the job was last claimed (kept after a failure: run_at − locked_at
    -- is the backoff it got).
    locked_at    timestamptz,
    last_error   text,
    -- The request that caused the job, so its logs can be followed.
    request_id   text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz,
    CHECK ((status = 'running') = (locked_by IS NOT NULL))
);

-- Every job is inserted and updated twice; vacuum early so the index scans
-- that claim jobs do not wade through dead entries.
ALTER TABLE jobs SET (
    autovacuum_vacuum_scale_factor = 0.01,
    autovacuum_vacuum_threshold = 1000,
    autovacuum_vacuum_cost_delay = 0,
    autovacuum_analyze_scale_factor = 0.02
);

CREATE UNIQUE INDEX jobs_dedupe_key_live_idx ON jobs (dedupe_key)
    WHERE dedupe_key IS NOT NULL AND status IN ('pending', 'running');
CREATE INDEX jobs_pending_idx ON jobs (queue, priority DESC, run_at, id)
    WHERE status = 'pending';
CREATE INDEX jobs_running_idx ON jobs (locked_by) WHERE status = 'running';
CREATE INDEX jobs_finished_idx ON jobs (finished_at) WHERE status IN ('completed', 'cancelled');
CREATE INDEX jobs_dead_idx ON jobs (finished_at) WHERE status = 'dead';

-- Live worker processes. A worker refreshes its row every second; the jobs
-- of a worker whose row went stale are handed back to the queue.
CREATE TABLE job_workers (
    id           text PRIMARY KEY,
    host         text NOT NULL,
    pid          integer NOT NULL,
    started_at   timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now()
);

-- One row per periodic tick: the first replica to insert it enqueues the job.
CREATE TABLE schedule_runs (
    schedule    text NOT NULL,
    tick        bigint NOT NULL,
    job_id      bigint,
    enqueued_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (schedule, tick)
);

-- Rate-limit counters: fixed windows, one atomic upsert per hit. UNLOGGED:
-- a crash resets the counters, which is harmless.
CREATE UNLOGGED TABLE rate_limits (
    key          text NOT NULL CHECK (length(key) BETWEEN 1 AND 300),
    window_start timestamptz NOT NULL,
    count        integer NOT NULL,
    expires_at   timestamptz NOT NULL,
    PRIMARY KEY (key, window_start)
);

CREATE INDEX rate_limits_expires_at_idx ON rate_limits (expires_at);

-- Wake idle workers when jobs are inserted: one notification per queue per
-- statement, delivered when the inserting transaction commits (so a job of a
-- rolled-back change never wakes anyone).
CREATE FUNCTION jobs_notify_insert() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('advisoryhub_jobs', q.queue)
    FROM (SELECT DISTINCT queue FROM inserted) AS q;
    RETURN NULL;
END;
$$;

CREATE TRIGGER jobs_notify_insert
    AFTER INSERT ON jobs
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION jobs_notify_insert();
