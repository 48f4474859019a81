-- 10 §16.2: the validated documents of a run, the source of the previews.
CREATE TABLE publication_artifact (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    task_id    bigint NOT NULL REFERENCES publication_task (id) ON DELETE RESTRICT,
    kind       text NOT NULL CHECK (kind IN ('osv', 'csaf', 'cve')),
    path       varchar(255) NOT NULL CHECK (path <> ''),
    content    jsonb NOT NULL CHECK (jsonb_typeof(content) = 'object'),
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (task_id, kind)
);

-- Immutable once the task is terminal (10 §16.2).
CREATE FUNCTION publication_artifact_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM publication_task t
               WHERE t.id = OLD.task_id AND t.status IN ('succeeded', 'failed')) THEN
        RAISE EXCEPTION 'the artifacts of a finished publication task are immutable'
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$$;
CREATE TRIGGER publication_artifact_guard BEFORE UPDATE OR DELETE ON publication_artifact
    FOR EACH ROW EXECUTE FUNCTION publication_artifact_guard();

ALTER TABLE publication_artifact ENABLE ROW LEVEL SECURITY;
ALTER TABLE publication_artifact FORCE ROW LEVEL SECURITY;
CREATE POLICY publication_artifact_visibility ON publication_artifact
    USING (EXISTS (SELECT 1 FROM publication_task t WHERE t.id = publication_artifact.task_id))
    WITH CHECK (EXISTS (SELECT 1 FROM publication_task t WHERE t.id = publication_artifact.task_id));
