-- Working together: invitations, comments and their versions, the in-app
-- inbox, delivery records and notification preferences (10-domain-model
-- §11.2, §12, §14).

-- Ruling 40: e-mails go out in the recipient's language, kept from the
-- language switcher and the sign-in request. '' = not known yet (English).
ALTER TABLE app_user ADD COLUMN language text NOT NULL DEFAULT ''
    CHECK (language IN ('', 'en', 'fr'));

-- 10 §11.2, INV-ACCESS-2/3/4.
CREATE TABLE pending_invitation (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    advisory_id bigint NOT NULL REFERENCES advisory (id) ON DELETE RESTRICT,
    email       varchar(254) NOT NULL CHECK (btrim(email) <> '' AND email = btrim(email)),
    permission  text NOT NULL CHECK (permission IN ('viewer', 'collaborator')),
    -- 32 random bytes, URL-safe base64 without padding.
    token       varchar(64) NOT NULL UNIQUE CHECK (length(token) >= 43),
    expires_at  timestamptz NOT NULL DEFAULT now() + interval '14 days',
    created_at  timestamptz NOT NULL DEFAULT now(),
    created_by  bigint REFERENCES app_user (id) ON DELETE SET NULL,
    redeemed_at timestamptz,
    redeemed_by bigint REFERENCES app_user (id) ON DELETE SET NULL,
    CHECK (redeemed_by IS NULL OR redeemed_at IS NOT NULL)
);
CREATE INDEX pending_invitation_email_idx ON pending_invitation (lower(email));
CREATE INDEX pending_invitation_advisory_idx ON pending_invitation (advisory_id, redeemed_at);
-- Inviting an address again changes the open invitation instead of adding one.
CREATE UNIQUE INDEX pending_invitation_open_idx ON pending_invitation (advisory_id, lower(email))
    WHERE redeemed_at IS NULL;

-- 10 §12.1, INV-COMMENT-1..4.
CREATE TABLE advisory_comment (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    advisory_id bigint NOT NULL REFERENCES advisory (id) ON DELETE RESTRICT,
    author_id   bigint REFERENCES app_user (id) ON DELETE SET NULL,
    -- Raw markdown, never rendered HTML; '' once redacted (Q-21).
    body        text NOT NULL,
    is_internal boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now(),
    edited_at   timestamptz,
    redacted_at timestamptz,
    redacted_by bigint REFERENCES app_user (id) ON DELETE SET NULL,
    CHECK (redacted_at IS NULL OR body = '')
);
CREATE INDEX advisory_comment_advisory_idx ON advisory_comment (advisory_id, created_at);
CREATE INDEX advisory_comment_internal_idx ON advisory_comment (advisory_id, is_internal, created_at);

-- INV-COMMENT-1: the internal flag is fixed at creation. INV-COMMENT-4:
-- redaction is stamped once and never undone, and a redacted comment's body
-- stays scrubbed.
CREATE FUNCTION advisory_comment_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.is_internal IS DISTINCT FROM OLD.is_internal THEN
        RAISE EXCEPTION 'advisory_comment.is_internal is fixed at creation'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF OLD.redacted_at IS NOT NULL AND (NEW.redacted_at IS DISTINCT FROM OLD.redacted_at
                                       OR NEW.body IS DISTINCT FROM OLD.body) THEN
        RAISE EXCEPTION 'a redacted comment cannot change'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER advisory_comment_guard BEFORE UPDATE ON advisory_comment
    FOR EACH ROW EXECUTE FUNCTION advisory_comment_guard();
CREATE TRIGGER advisory_comment_no_delete BEFORE DELETE ON advisory_comment
    FOR EACH ROW EXECUTE FUNCTION reject_mutation('retention');

-- 10 §12.2, INV-COMMENT-3, INV-IMPL-3: append-only, with one narrow
-- exception (ruling 3, Q-21): the redact service, under its own
-- transaction-local flag, scrubs the bodies of a redacted comment's versions.
CREATE TABLE comment_version (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    comment_id bigint NOT NULL REFERENCES advisory_comment (id) ON DELETE RESTRICT,
    version    integer NOT NULL CHECK (version >= 1),
    body       text NOT NULL,
    editor_id  bigint REFERENCES app_user (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (comment_id, version)
);
CREATE FUNCTION comment_version_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND current_setting('advisoryhub.redaction_op', true) = 'on'
       AND NEW.body = ''
       AND (NEW.id, NEW.comment_id, NEW.version, NEW.editor_id, NEW.created_at)
           IS NOT DISTINCT FROM (OLD.id, OLD.comment_id, OLD.version, OLD.editor_id, OLD.created_at)
       AND EXISTS (SELECT 1 FROM advisory_comment c WHERE c.id = NEW.comment_id AND c.redacted_at IS NOT NULL) THEN
        RETURN NEW;
    END IF;
    RETURN reject_mutation_row(TG_OP, TG_TABLE_NAME, OLD, NEW);
END
$$;

-- reject_mutation() as a callable: the same retention exception, for
-- triggers that add their own before it.
CREATE FUNCTION reject_mutation_row(op text, tbl text, old_row anyelement, new_row anyelement)
RETURNS anyelement LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('advisoryhub.retention_op', true) = 'on'
       AND EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'hub_retention')
       AND pg_has_role(current_user, 'hub_retention', 'MEMBER') THEN
        RETURN CASE op WHEN 'DELETE' THEN old_row ELSE new_row END;
    END IF;
    RAISE EXCEPTION '% is append-only: % refused', tbl, op
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER comment_version_append_only BEFORE UPDATE OR DELETE ON comment_version
    FOR EACH ROW EXECUTE FUNCTION comment_version_guard();

-- INV-CONF-2: comments and their versions defer to the advisory.
ALTER TABLE advisory_comment ENABLE ROW LEVEL SECURITY;
ALTER TABLE advisory_comment FORCE ROW LEVEL SECURITY;
CREATE POLICY advisory_comment_visibility ON advisory_comment
    USING (EXISTS (SELECT 1 FROM advisory a WHERE a.id = advisory_comment.advisory_id))
    WITH CHECK (true);
ALTER TABLE comment_version ENABLE ROW LEVEL SECURITY;
ALTER TABLE comment_version FORCE ROW LEVEL SECURITY;
CREATE POLICY comment_version_visibility ON comment_version
    USING (EXISTS (SELECT 1 FROM advisory_comment c WHERE c.id = comment_version.comment_id))
    WITH CHECK (true);

-- 10 §14.3: the in-app inbox. A row is written only after its e-mail went out.
CREATE TABLE notification (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    recipient_id bigint NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
    advisory_id  bigint REFERENCES advisory (id) ON DELETE RESTRICT,
    kind         text NOT NULL CHECK (kind IN ('advisory_created', 'advisory_submitted_for_review',
                                               'advisory_published', 'publication_export_status',
                                               'comment', 'mention', 'triage')),
    comment_id   bigint,
    subject      varchar(255) NOT NULL,
    -- Never a comment body (30 §10.6).
    summary      varchar(255) NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now(),
    read_at      timestamptz
);
CREATE INDEX notification_unread_idx ON notification (recipient_id, read_at);
CREATE INDEX notification_recent_idx ON notification (recipient_id, created_at DESC);
CREATE INDEX notification_advisory_idx ON notification (recipient_id, advisory_id, read_at);

-- Ruling 1: a retried notification job skips whoever it already mailed. One
-- row per delivered e-mail, keyed by the job (a retry keeps its job id),
-- written in the transaction that records the inbox row.
CREATE TABLE notification_delivery (
    job_id    bigint NOT NULL,
    -- The lower-cased address the message went to.
    recipient varchar(254) NOT NULL,
    sent_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (job_id, recipient)
);
CREATE INDEX notification_delivery_sent_idx ON notification_delivery (sent_at);

-- 10 §14.1: global preferences, one row per user, created lazily.
CREATE TABLE notification_preference (
    id                               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id                          bigint NOT NULL UNIQUE REFERENCES app_user (id) ON DELETE CASCADE,
    on_advisory_created              boolean NOT NULL DEFAULT true,
    on_triage_event                  boolean NOT NULL DEFAULT true,
    on_advisory_submitted_for_review boolean NOT NULL DEFAULT true,
    on_advisory_published            boolean NOT NULL DEFAULT true,
    on_publication_export_status     boolean NOT NULL DEFAULT true,
    -- Deliberately no 'none': mentions always arrive.
    comments_level                   text NOT NULL DEFAULT 'mentioned'
                                     CHECK (comments_level IN ('all', 'mentioned'))
);

-- 10 §14.2: sparse per-advisory overrides; NULL / '' inherit.
CREATE TABLE advisory_notification_override (
    id                               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id                          bigint NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
    advisory_id                      bigint NOT NULL REFERENCES advisory (id) ON DELETE RESTRICT,
    on_advisory_submitted_for_review boolean,
    on_advisory_published            boolean,
    on_publication_export_status     boolean,
    comments_level                   text NOT NULL DEFAULT ''
                                     CHECK (comments_level IN ('', 'all', 'mentioned')),
    created_at                       timestamptz NOT NULL DEFAULT now(),
    updated_at                       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (user_id, advisory_id),
    CHECK (on_advisory_submitted_for_review IS NOT NULL OR on_advisory_published IS NOT NULL
           OR on_publication_export_status IS NOT NULL OR comments_level <> '')
);
CREATE INDEX advisory_notification_override_advisory_idx ON advisory_notification_override (advisory_id);
