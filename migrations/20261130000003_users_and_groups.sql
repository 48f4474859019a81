-- Users and the mirror of the identity provider's groups. There is no local
-- credential store: every user signs in through OIDC (INV-OIDC-1..6).
CREATE TABLE app_user (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email          varchar(254) NOT NULL,
    display_name   varchar(200) NOT NULL DEFAULT '',
    first_name     varchar(150) NOT NULL DEFAULT '',
    last_name      varchar(150) NOT NULL DEFAULT '',
    -- The OIDC `sub`: the primary identity match.
    oidc_subject   varchar(255) NOT NULL DEFAULT '',
    -- A roster member who has never signed in (INV-OIDC-5).
    is_provisioned boolean NOT NULL DEFAULT false,
    -- The single enforcement switch for bans (INV-AUTH-8).
    is_active      boolean NOT NULL DEFAULT true,
    -- Mirror admin-group membership at each sign-in; they gate nothing (INV-OIDC-3).
    is_staff       boolean NOT NULL DEFAULT false,
    is_superuser   boolean NOT NULL DEFAULT false,
    banned_at      timestamptz,
    banned_by      bigint REFERENCES app_user (id) ON DELETE SET NULL,
    ban_reason     text NOT NULL DEFAULT '',
    last_login     timestamptz,
    date_joined    timestamptz NOT NULL DEFAULT now(),
    CHECK (banned_at IS NULL OR NOT is_active),
    CHECK (email <> '')
);
CREATE UNIQUE INDEX app_user_email_lower_idx ON app_user (lower(email));
CREATE INDEX app_user_oidc_subject_idx ON app_user (oidc_subject) WHERE oidc_subject <> '';
CREATE INDEX app_user_is_provisioned_idx ON app_user (is_provisioned) WHERE is_provisioned;
CREATE INDEX app_user_banned_at_idx ON app_user (banned_at) WHERE banned_at IS NOT NULL;

CREATE TABLE oidc_group (
    id   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- The bare name: the part before `@` of the SPN-form claim value.
    name varchar(150) NOT NULL UNIQUE CHECK (name <> '')
);

-- Written only by the sign-in mirror (INV-OIDC-1).
CREATE TABLE user_group (
    user_id  bigint NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
    group_id bigint NOT NULL REFERENCES oidc_group (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, group_id)
);
CREATE INDEX user_group_group_idx ON user_group (group_id);
