-- Seeds a migrated, empty AdvisoryHub database with a realistic advisory
-- workload for bench/advisories/run, in one transaction, in bulk SQL.
--
--   psql -v n=10000 -v member_project=rt.jetty -f seed.sql
--
-- What it writes, shaped like what the application writes:
--   * 20 Eclipse-like projects (plus the `unsorted` sentinel the migration
--     made), each with a security-team group `<name>-security`;
--   * users: 3 team members per project, 3 security admins, 20 outside
--     reporters, and the two benchmark users (`bench-admin@example.org` in
--     `advisoryhub-security`, `bench-member@example.org` in the team of
--     :member_project);
--   * :n advisories (service.rs `create`): summary, a few paragraphs of
--     Markdown details, aliases, 2–5 references, 1–3 affected packages with
--     ECOSYSTEM/GIT ranges, a CVSS 3.1 vector (10 % unscored) with the
--     derived severity_level/score, 1–2 CWE ids, credits; states
--     published 55 %, draft 25 %, triage 10 % (with an intake row), dismissed
--     10 %; 5 % GHSA-linked; about 1 % in `unsorted`, flagged for routing;
--   * versions: v1 for every advisory (the §6.1 snapshot, as
--     service::snapshot builds it), v2 for 30 % (the Workarounds section
--     added), with `advisory.created` and `advisory.edited` ledger rows;
--   * the review, CVE, publication and comment rows the advisory page
--     shows: an approved review per published advisory and a review for each
--     draft in review, a reservation per assigned CVE id, a publication run
--     with its documents per published advisory (10 % after a failed
--     attempt), 1–4 comments on 40 % of advisories (a quarter internal);
--   * access grants (5 % of advisories to an outside reporter, 2 % to another
--     project's team, and 10 grants to the benchmark member outside their
--     project), visit markers (admin: 20 % of everything; member: half of
--     their project) with their `advisory.first_seen` receipts.
--
-- Deterministic: every "random" choice is a hash of the row number.
\set ON_ERROR_STOP on
\if :{?n}
\else
  \set n 10000
\endif
\if :{?member_project}
\else
  \set member_project rt.jetty
\endif

BEGIN;

-- h(i, salt): a stable non-negative pseudo-random integer.
CREATE FUNCTION pg_temp.h(i bigint, salt text) RETURNS bigint LANGUAGE sql IMMUTABLE AS $$
  SELECT hashtextextended(i::text || ':' || salt, 0) & 2147483647
$$;
-- pick(arr, i, salt): one element of arr.
CREATE FUNCTION pg_temp.pick(arr text[], i bigint, salt text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT arr[1 + pg_temp.h(i, salt) % array_length(arr, 1)]
$$;
-- code12(x): twelve characters of the public-id alphabet, the base-20 digits of x.
CREATE FUNCTION pg_temp.code12(x numeric) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT string_agg(substr('23456789cfghjmpqrvwx', (floor(x / 20::numeric ^ k) % 20)::int + 1, 1), '' ORDER BY k)
  FROM generate_series(0, 11) AS k
$$;
-- A bijection of i onto [0, 20^12): distinct rows get distinct ids.
CREATE FUNCTION pg_temp.mix(i bigint, a bigint) RETURNS numeric LANGUAGE sql IMMUTABLE AS $$
  SELECT ((i::numeric * a + 777) * 1000003) % (20::numeric ^ 12)
$$;
CREATE FUNCTION pg_temp.dashed(prefix text, c text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT prefix || '-' || substr(c, 1, 4) || '-' || substr(c, 5, 4) || '-' || substr(c, 9, 4)
$$;

-- ------------------------------------------------------------- projects

CREATE TEMP TABLE bp (
  n int PRIMARY KEY, slug text, name text, team text, ecosystem text, repo text,
  packages text[], components text[], version_base text
) ON COMMIT DROP;
INSERT INTO bp VALUES
 (1, 'rt.jetty', 'Eclipse Jetty', 'jetty-security', 'Maven', 'https://github.com/eclipse/jetty.project',
  '{org.eclipse.jetty:jetty-server,org.eclipse.jetty:jetty-http,org.eclipse.jetty:jetty-util,org.eclipse.jetty.http2:http2-server}',
  '{HttpURI parser,HTTP/2 HPACK decoder,multipart parser,gzip handler,SslContextFactory,request logging}', '12.0'),
 (2, 'ecd.theia', 'Eclipse Theia', 'theia-security', 'npm', 'https://github.com/eclipse-theia/theia',
  '{@theia/core,@theia/plugin-ext,@theia/mini-browser,@theia/filesystem}',
  '{webview host,plugin host,mini-browser,file service,terminal widget,preferences editor}', '1.4'),
 (3, 'rt.vertx', 'Eclipse Vert.x', 'vertx-security', 'Maven', 'https://github.com/eclipse-vertx/vert.x',
  '{io.vertx:vertx-core,io.vertx:vertx-web,io.vertx:vertx-auth-jwt}',
  '{HTTP server,StaticHandler,JWT provider,event bus bridge,WebSocket handshake,CORS handler}', '4.5'),
 (4, 'iot.paho', 'Eclipse Paho', 'paho-security', 'PyPI', 'https://github.com/eclipse/paho.mqtt.python',
  '{paho-mqtt,paho-mqtt-client}',
  '{MQTT client,TLS setup,reconnect logic,packet decoder,websocket transport}', '2.1'),
 (5, 'iot.mosquitto', 'Eclipse Mosquitto', 'mosquitto-security', 'GIT', 'https://github.com/eclipse/mosquitto',
  '{https://github.com/eclipse/mosquitto}',
  '{broker,persistence,bridge,dynamic security plugin,websockets listener}', '2.0'),
 (6, 'ee4j.jersey', 'Eclipse Jersey', 'jersey-security', 'Maven', 'https://github.com/eclipse-ee4j/jersey',
  '{org.glassfish.jersey.core:jersey-server,org.glassfish.jersey.core:jersey-client,org.glassfish.jersey.media:jersey-media-multipart}',
  '{multipart reader,entity filtering,client redirects,WADL generator}', '3.1'),
 (7, 'ee4j.glassfish', 'Eclipse GlassFish', 'glassfish-security', 'Maven', 'https://github.com/eclipse-ee4j/glassfish',
  '{org.glassfish.main:glassfish-embedded-all,org.glassfish.main.admin:rest-service}',
  '{admin console,REST admin service,JNDI lookup,deployment descriptor parser}', '7.0'),
 (8, 'technology.jgit', 'Eclipse JGit', 'jgit-security', 'Maven', 'https://github.com/eclipse-jgit/jgit',
  '{org.eclipse.jgit:org.eclipse.jgit,org.eclipse.jgit:org.eclipse.jgit.ssh.apache}',
  '{checkout,submodule handling,SSH transport,pack parser,.gitattributes filters}', '6.9'),
 (9, 'technology.openj9', 'Eclipse OpenJ9', 'openj9-security', 'GIT', 'https://github.com/eclipse-openj9/openj9',
  '{https://github.com/eclipse-openj9/openj9}',
  '{JIT compiler,shared classes cache,JNI layer,bytecode verifier}', '0.43'),
 (10, 'ecd.che', 'Eclipse Che', 'che-security', 'npm', 'https://github.com/eclipse-che/che-dashboard',
  '{@eclipse-che/dashboard-backend,@eclipse-che/che-devworkspace-generator}',
  '{dashboard backend,devfile resolver,workspace proxy,OAuth callback}', '7.8'),
 (11, 'iot.hono', 'Eclipse Hono', 'hono-security', 'Maven', 'https://github.com/eclipse-hono/hono',
  '{org.eclipse.hono:hono-service-base,org.eclipse.hono:hono-adapter-mqtt}',
  '{MQTT adapter,device registry,tenant service,AMQP adapter}', '2.5'),
 (12, 'iot.ditto', 'Eclipse Ditto', 'ditto-security', 'Maven', 'https://github.com/eclipse-ditto/ditto',
  '{org.eclipse.ditto:ditto-json,org.eclipse.ditto:ditto-gateway-service}',
  '{gateway,policy enforcement,JSON parser,connectivity service}', '3.5'),
 (13, 'iot.kura', 'Eclipse Kura', 'kura-security', 'Maven', 'https://github.com/eclipse/kura',
  '{org.eclipse.kura:org.eclipse.kura.core,org.eclipse.kura:org.eclipse.kura.web2}',
  '{web UI,package installer,network configuration,cloud connection}', '5.4'),
 (14, 'iot.milo', 'Eclipse Milo', 'milo-security', 'Maven', 'https://github.com/eclipse/milo',
  '{org.eclipse.milo:stack-core,org.eclipse.milo:sdk-server}',
  '{OPC UA binary decoder,secure channel,session manager}', '0.6'),
 (15, 'iot.californium', 'Eclipse Californium', 'californium-security', 'Maven', 'https://github.com/eclipse-californium/californium',
  '{org.eclipse.californium:californium-core,org.eclipse.californium:scandium}',
  '{DTLS handshake,CoAP blockwise transfer,observe relation}', '3.11'),
 (16, 'iot.leshan', 'Eclipse Leshan', 'leshan-security', 'Maven', 'https://github.com/eclipse-leshan/leshan',
  '{org.eclipse.leshan:leshan-server-cf,org.eclipse.leshan:leshan-client-cf}',
  '{LwM2M registration,bootstrap server,SenML decoder}', '2.0'),
 (17, 'technology.birt', 'Eclipse BIRT', 'birt-security', 'Maven', 'https://github.com/eclipse-birt/birt',
  '{org.eclipse.birt:birt-runtime}',
  '{report viewer,expression evaluator,XML report parser}', '4.15'),
 (18, 'rt.equinox', 'Eclipse Equinox', 'equinox-security', 'Maven', 'https://github.com/eclipse-equinox/equinox',
  '{org.eclipse.platform:org.eclipse.equinox.common,org.eclipse.platform:org.eclipse.equinox.p2.core}',
  '{p2 installer,HTTP service,bundle loader}', '3.19'),
 (19, 'ecd.openvsx', 'Eclipse Open VSX', 'openvsx-security', 'npm', 'https://github.com/eclipse/openvsx',
  '{ovsx,openvsx-webui}',
  '{publish CLI,registry server,extension upload,namespace verification}', '0.9'),
 (20, 'iot.zenoh', 'Eclipse Zenoh', 'zenoh-security', 'crates.io', 'https://github.com/eclipse-zenoh/zenoh',
  '{zenoh,zenoh-transport,zenoh-protocol}',
  '{transport layer,routing table,key expression parser,TLS link}', '1.0');

INSERT INTO oidc_group (name) SELECT team FROM bp ON CONFLICT (name) DO NOTHING;
INSERT INTO project (slug, name, description, homepage_url, security_team_id, is_mature_publisher, created_at)
SELECT bp.slug, bp.name, bp.name || ' security advisories.', 'https://projects.eclipse.org/projects/' || bp.slug,
       g.id, bp.n % 3 = 0, now() - interval '4 years'
FROM bp JOIN oidc_group g ON g.name = bp.team;

-- ---------------------------------------------------------------- users

CREATE TEMP TABLE bu (email text PRIMARY KEY, display_name text, first_name text, last_name text,
                      groups text[], kind text, project int) ON COMMIT DROP;
INSERT INTO bu
SELECT lower(f || '.' || l) || '@example.org', f || ' ' || l, f, l, ARRAY[bp.team], 'team', bp.n
FROM bp, LATERAL (SELECT k,
  pg_temp.pick('{Alice,Bruno,Chiara,Dmitri,Elena,Farid,Greta,Hiro,Ines,Jonas,Kofi,Lena,Mateo,Nadia,Oskar,Priya,Quentin,Rosa,Sven,Tomas,Uma,Viktor,Wanda,Yusuf,Zoe}'::text[], bp.n * 10 + k, 'first') AS f,
  pg_temp.pick('{Keller,Moreau,Rossi,Novak,Schmidt,Dubois,Silva,Tanaka,Kowalski,Jensen,Okafor,Haddad,Larsen,Costa,Fischer,Nguyen,Petrov,Meyer,Garcia,Laurent}'::text[], bp.n * 10 + k, 'last') AS l
  FROM generate_series(1, 3) AS k) AS x
ON CONFLICT (email) DO NOTHING;
INSERT INTO bu VALUES
 ('mikael.barbero@example.org', 'Mikael Security', 'Mikael', 'Security', '{advisoryhub-security}', 'admin', NULL),
 ('marta.security@example.org', 'Marta Security', 'Marta', 'Security', '{advisoryhub-security}', 'admin', NULL),
 ('tiago.security@example.org', 'Tiago Security', 'Tiago', 'Security', '{advisoryhub-security}', 'admin', NULL),
 ('bench-admin@example.org', 'Bench Admin', 'Bench', 'Admin', '{advisoryhub-security}', 'bench-admin', NULL),
 ('bench-member@example.org', 'Bench Member', 'Bench', 'Member',
  ARRAY[(SELECT team FROM bp WHERE slug = :'member_project')], 'bench-member',
  (SELECT n FROM bp WHERE slug = :'member_project'));
INSERT INTO bu
SELECT 'reporter' || k || '@researcher.example.net', 'Reporter ' || k, 'Reporter', k::text, '{}', 'reporter', NULL
FROM generate_series(1, 20) AS k;

INSERT INTO app_user (email, display_name, first_name, last_name, oidc_subject, is_staff, is_superuser,
                      last_login, date_joined)
SELECT email, display_name, first_name, last_name, md5(email), 'advisoryhub-security' = ANY(groups),
       'advisoryhub-security' = ANY(groups), now() - interval '1 day', now() - interval '3 years'
FROM bu;
INSERT INTO user_group (user_id, group_id)
SELECT u.id, g.id FROM bu JOIN app_user u ON lower(u.email) = bu.email
CROSS JOIN LATERAL unnest(bu.groups) AS gn JOIN oidc_group g ON g.name = gn;

-- ----------------------------------------------------------- advisories

-- One row per advisory with every derived value.
CREATE TEMP TABLE ba ON COMMIT DROP AS
WITH base AS (
  SELECT i,
         CASE WHEN pg_temp.h(i, 'unsorted') % 100 = 0 THEN 0 ELSE 1 + i % 20 END AS pn,
         pg_temp.h(i, 'state') % 100 AS state_roll,
         pg_temp.h(i, 'sev') % 100 AS sev_roll,
         pg_temp.h(i, 'redos') % 100 = 0 AS redos,
         pg_temp.h(i, 'v2') % 100 < 30 AS has_v2,
         pg_temp.h(i, 'ghsa') % 100 < 5 AND pg_temp.h(i, 'unsorted') % 100 <> 0 AS ghsa_linked,
         -- up to ~3 years old
         now() - make_interval(secs => 3600 + pg_temp.h(i, 'age') % (3 * 365 * 86400)) AS created_at
  FROM generate_series(1, :n) AS i
), typed AS (
  SELECT b.*,
         CASE WHEN pn = 0 THEN 'triage'
              WHEN state_roll < 55 THEN 'published'
              WHEN state_roll < 80 THEN 'draft'
              WHEN state_roll < 90 THEN 'triage'
              ELSE 'dismissed' END AS state,
         -- vulnerability class: (summary phrase, CWE, second CWE or '')
         CASE WHEN redos THEN ARRAY[ARRAY['Regular expression denial of service (ReDoS)', 'CWE-1333', 'CWE-400']]
              ELSE (ARRAY[
                ARRAY['Cross-site scripting', 'CWE-79', ''],
                ARRAY['Path traversal', 'CWE-22', ''],
                ARRAY['Uncontrolled resource consumption', 'CWE-400', 'CWE-770'],
                ARRAY['Improper input validation', 'CWE-20', ''],
                ARRAY['Server-side request forgery', 'CWE-918', ''],
                ARRAY['Deserialization of untrusted data', 'CWE-502', ''],
                ARRAY['XML external entity injection', 'CWE-611', ''],
                ARRAY['Missing authorization', 'CWE-862', 'CWE-285'],
                ARRAY['Improper certificate validation', 'CWE-295', ''],
                ARRAY['HTTP request smuggling', 'CWE-444', ''],
                ARRAY['Open redirect', 'CWE-601', ''],
                ARRAY['Information exposure through error messages', 'CWE-209', 'CWE-200'],
                ARRAY['Integer overflow', 'CWE-190', ''],
                ARRAY['Out-of-bounds read', 'CWE-125', ''],
                ARRAY['Use after free', 'CWE-416', ''],
                ARRAY['Command injection', 'CWE-78', ''],
                ARRAY['Cross-site request forgery', 'CWE-352', ''],
                ARRAY['Session fixation', 'CWE-384', ''],
                ARRAY['Improper neutralization of CRLF sequences', 'CWE-93', ''],
                ARRAY['Insecure temporary file', 'CWE-377', ''],
                ARRAY['Authentication bypass', 'CWE-287', ''],
                ARRAY['NULL pointer dereference', 'CWE-476', ''],
                ARRAY['Race condition', 'CWE-362', ''],
                ARRAY['Memory leak', 'CWE-401', '']
              ])[1 + pg_temp.h(i, 'vclass') % 24:1 + pg_temp.h(i, 'vclass') % 24] END AS vclass
  FROM base b
)
SELECT t.i, t.pn, t.state, t.redos, t.has_v2, t.ghsa_linked, t.created_at,
       -- flatten the 2-d slice above
       (t.vclass)[1][1] AS vphrase, (t.vclass)[1][2] AS cwe1, (t.vclass)[1][3] AS cwe2,
       p.slug, p.name AS project_name, p.id AS project_id, bp.ecosystem, bp.repo, bp.packages, bp.components,
       bp.version_base,
       pg_temp.dashed('ECL', pg_temp.code12(pg_temp.mix(t.i, 2654435761))) AS public_id,
       pg_temp.dashed('GHSA', pg_temp.code12(pg_temp.mix(t.i, 40503))) AS ghsa,
       pg_temp.dashed('GHSA', pg_temp.code12(pg_temp.mix(t.i, 97531))) AS alias_ghsa,
       pg_temp.pick(bp.components, t.i, 'comp') AS component,
       1 + pg_temp.h(t.i, 'npkg') % LEAST(3, array_length(bp.packages, 1)) AS npkg,
       -- ReDoS is usually a network-reachable availability issue: 7.5, high.
       CASE WHEN t.redos AND t.sev_roll < 70 THEN 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H'
            WHEN t.sev_roll < 10 THEN NULL
            WHEN t.sev_roll < 20 THEN pg_temp.pick('{CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H,CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H}', t.i, 'vec')
            WHEN t.sev_roll < 45 THEN pg_temp.pick('{CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H,CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N,CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H,CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H,CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H}', t.i, 'vec')
            WHEN t.sev_roll < 85 THEN pg_temp.pick('{CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N,CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N,CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:L/I:L/A:N,CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N,CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:N/I:N/A:H,CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N}', t.i, 'vec')
            ELSE pg_temp.pick('{CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:N/A:N,CVSS:3.1/AV:L/AC:H/PR:L/UI:N/S:U/C:L/I:N/A:N,CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:L/I:N/A:N}', t.i, 'vec')
       END AS vector,
       (SELECT u.id FROM bu JOIN app_user u ON lower(u.email) = bu.email
        WHERE bu.kind = 'team' AND bu.project = t.pn ORDER BY u.id
        OFFSET pg_temp.h(t.i, 'author') % 3 LIMIT 1) AS team_author,
       (SELECT u.id FROM bu JOIN app_user u ON lower(u.email) = bu.email
        WHERE bu.kind = 'reporter' ORDER BY u.id OFFSET pg_temp.h(t.i, 'reporter') % 20 LIMIT 1) AS reporter,
       (SELECT u.id FROM bu JOIN app_user u ON lower(u.email) = bu.email
        WHERE bu.kind = 'admin' ORDER BY u.id OFFSET pg_temp.h(t.i, 'admin') % 3 LIMIT 1) AS admin_author
FROM typed t
JOIN project p ON p.slug = CASE WHEN t.pn = 0 THEN 'unsorted' ELSE (SELECT slug FROM bp WHERE bp.n = t.pn) END
LEFT JOIN bp ON bp.n = t.pn;

-- `unsorted` reports name a package of a random project.
UPDATE ba SET ecosystem = bp.ecosystem, repo = bp.repo, packages = bp.packages, components = bp.components,
              version_base = bp.version_base, component = pg_temp.pick(bp.components, ba.i, 'comp'), npkg = 1
FROM bp WHERE ba.pn = 0 AND bp.n = 1 + pg_temp.h(ba.i, 'uproj') % 20;

-- Versions (introduced / fixed), derived columns and the content JSON.
ALTER TABLE ba ADD COLUMN introduced text, ADD COLUMN fixed text, ADD COLUMN level text, ADD COLUMN score float8,
  ADD COLUMN summary text, ADD COLUMN details_v1 text, ADD COLUMN details text, ADD COLUMN aliases jsonb,
  ADD COLUMN refs jsonb, ADD COLUMN affected jsonb, ADD COLUMN severity jsonb, ADD COLUMN cwe_ids jsonb,
  ADD COLUMN credits jsonb, ADD COLUMN author bigint, ADD COLUMN modified_at timestamptz,
  ADD COLUMN published_at timestamptz, ADD COLUMN cve text, ADD COLUMN review_status text;

UPDATE ba SET
  introduced = version_base || '.' || (pg_temp.h(i, 'intro') % 5),
  fixed = version_base || '.' || (5 + pg_temp.h(i, 'fix') % 20),
  score = CASE vector
    WHEN 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' THEN 9.8
    WHEN 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H' THEN 10.0
    WHEN 'CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H' THEN 8.8
    WHEN 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N' THEN 7.5
    WHEN 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H' THEN 7.5
    WHEN 'CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H' THEN 8.1
    WHEN 'CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H' THEN 8.8
    WHEN 'CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N' THEN 6.1
    WHEN 'CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N' THEN 5.5
    WHEN 'CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:L/I:L/A:N' THEN 5.4
    WHEN 'CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N' THEN 5.9
    WHEN 'CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:N/I:N/A:H' THEN 5.5
    WHEN 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N' THEN 5.3
    WHEN 'CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:N/A:N' THEN 3.7
    WHEN 'CVSS:3.1/AV:L/AC:H/PR:L/UI:N/S:U/C:L/I:N/A:N' THEN 2.5
    WHEN 'CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:L/I:N/A:N' THEN 2.7
  END,
  author = CASE WHEN state = 'triage' THEN reporter
                WHEN pg_temp.h(i, 'byadmin') % 10 = 0 THEN admin_author
                ELSE COALESCE(team_author, admin_author) END,
  review_status = CASE WHEN state <> 'draft' THEN 'none'
                       ELSE (ARRAY['none','none','none','submitted','changes_requested','approved'])[1 + pg_temp.h(i, 'review') % 6] END;
UPDATE ba SET level = CASE WHEN score IS NULL THEN 'none' WHEN score >= 9 THEN 'critical' WHEN score >= 7 THEN 'high'
                           WHEN score >= 4 THEN 'medium' ELSE 'low' END;

UPDATE ba SET summary = left(format('%s in %s %s %s', vphrase,
    CASE WHEN ecosystem = 'GIT' THEN project_name ELSE packages[1] END,
    component,
    (ARRAY['before ' || fixed, 'when handling crafted input', 'via a malicious request',
           'allows remote attackers to crash the server', 'through specially crafted headers',
           'in default configurations', 'with untrusted plugins enabled', 'on Windows hosts'])[1 + pg_temp.h(i, 'tail') % 8]), 300);

-- Details: a few paragraphs of Markdown, 1.5–4 KB.
CREATE FUNCTION pg_temp.details(r ba, with_workarounds boolean) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  a text[] := ARRAY[
    'The %2$s in %1$s does not bound the amount of data it buffers before validating it, so a client that keeps a connection open and trickles data can make the server allocate memory until it runs out.',
    'When %2$s receives input that mixes encoded and literal separators, the normalisation step runs after the security check instead of before it, and the check is applied to a different value than the one later used.',
    '%1$s trusts a length field read from the peer in %2$s and uses it to size a buffer without checking it against the configured maximum.',
    'A missing check in %2$s lets an authenticated user with the lowest role reach an operation that the documentation describes as restricted to administrators.',
    'Error responses produced by %2$s include the full exception message, which can contain file system paths, configuration values and, in some deployments, credentials.',
    'The default configuration of %2$s enables a feature that was meant for development only; production deployments that did not override it are exposed.',
    'The parser used by %2$s accepts nested constructs without a depth limit, and each level multiplies the work done for the next one.',
    'Concurrent requests that reach %2$s during shutdown or reconfiguration can observe a partially initialised object, which leads to inconsistent security decisions.',
    'The fix for an earlier advisory in %2$s covered the common code path but not the variant reached through the asynchronous API.',
    'Input passed to %2$s is written back into an HTML page without escaping when the request carries an unexpected content type.'];
  b text[] := ARRAY[
    'An unauthenticated remote attacker can exploit this over the network without user interaction.',
    'Exploitation requires the attacker to control a resource that the victim opens, such as a project, a plugin or a link.',
    'The impact is limited to denial of service: no data is disclosed or modified, but the affected process stops answering other clients until it is restarted.',
    'Deployments that sit behind a reverse proxy which normalises requests are not affected in practice.',
    'Confidential data handled by the same process, including session identifiers of other users, may be disclosed.',
    'An attacker who can already write configuration files gains nothing new; the issue matters where configuration is accepted from less trusted sources.',
    'Only installations that enabled the optional module are affected; it is off by default since the previous major version.',
    'Successful exploitation gives the attacker the privileges of the service account, which is often broader than intended.'];
  c text[] := ARRAY[
    'Users should upgrade to %3$s or later; the fix is also included in every later release of the maintained branches.',
    'The patch adds an explicit limit, checks it before allocating, and rejects the request with a clear error when it is exceeded.',
    'Older branches that have reached end of life will not receive a fix; their users should move to a maintained release.',
    'Distributions that package %1$s have been notified and are shipping the fix in their security updates.'];
  d text[] := ARRAY[
    'Disable the affected feature in the configuration until an upgrade is possible.',
    'Restrict access to the affected endpoint with a firewall rule or a reverse proxy so that only trusted clients can reach it.',
    'Set the maximum request size explicitly to a value appropriate for the deployment; the default is too generous.',
    'Run the service with a dedicated account that has no access beyond what it needs, which limits the impact.'];
  e text[] := ARRAY[
    'To reproduce, send a request to an endpoint served by the %2$s whose body repeats the same short token a few hundred thousand times; memory use of the %1$s process grows with every repetition and is not released when the request fails.',
    'The vulnerable code path is reached from the public API: any application that passes data received from a client to the %2$s without validating it first is affected, whatever its own configuration.',
    'The problem was introduced when the %2$s was refactored to share its parsing code with the asynchronous API; the old synchronous implementation performed the check that the shared code lost.',
    'Static analysis flags the call site, but the warning was suppressed because the value was assumed to come from a trusted configuration file; in %1$s it can also come from a request.',
    'The check compares the decoded value with an allow-list, but the comparison is case-sensitive while the later lookup is not, so a value that differs only in letter case passes the check.',
    'A proof of concept was shared privately with the %1$s security team; it is not being published until most users have had time to upgrade to %3$s.'];
  t text;
  k int;
  pkgs text := '';
BEGIN
  -- Sentences of a pool are drawn at distinct offsets, so none repeats.
  t := format('%s in %s. ', r.vphrase, r.component) || format(a[1 + pg_temp.h(r.i, 'a') % 10], r.project_name, r.component, r.fixed);
  FOR k IN 1 .. 1 + pg_temp.h(r.i, 'na') % 3 LOOP
    t := t || ' ' || format(a[1 + (pg_temp.h(r.i, 'a') + 3 * k) % 10], r.project_name, r.component, r.fixed);
  END LOOP;
  IF r.redos THEN
    t := t || ' The regular expression used to validate the input backtracks catastrophically on inputs such as long runs of whitespace followed by an invalid character (ReDoS).';
  END IF;
  IF pg_temp.h(r.i, 'tech') % 10 < 6 THEN
    t := t || E'\n\n### Technical details\n\n' || format(e[1 + pg_temp.h(r.i, 'e') % 6], r.project_name, r.component, r.fixed)
           || ' ' || format(e[1 + (pg_temp.h(r.i, 'e') + 1 + pg_temp.h(r.i, 'e2') % 5) % 6], r.project_name, r.component, r.fixed);
  END IF;
  t := t || E'\n\n### Impact\n\n' || b[1 + pg_temp.h(r.i, 'b') % 8] || ' '
         || b[1 + (pg_temp.h(r.i, 'b') + 1 + pg_temp.h(r.i, 'b2') % 7) % 8];
  FOR k IN 1 .. r.npkg LOOP
    pkgs := pkgs || format(E'\n- `%s` from %s before %s', r.packages[k], r.introduced, r.fixed);
  END LOOP;
  t := t || E'\n\n### Affected versions\n' || pkgs;
  t := t || E'\n\n### Patches\n\n' || format(c[1], r.project_name, r.component, r.fixed) || ' '
         || format(c[2 + pg_temp.h(r.i, 'c') % 3], r.project_name, r.component, r.fixed);
  IF with_workarounds THEN
    t := t || E'\n\n### Workarounds\n\n' || d[1 + pg_temp.h(r.i, 'd') % 4] || ' '
           || d[1 + (pg_temp.h(r.i, 'd') + 1 + pg_temp.h(r.i, 'd2') % 3) % 4];
    IF pg_temp.h(r.i, 'code') % 3 = 0 THEN
      t := t || E'\n\nFor example:\n\n```\n# ' || r.project_name || E' configuration\nsecurity.limits.max-request-size = 65536\nsecurity.limits.max-nesting-depth = 64\nfeatures.' || replace(lower(r.component), ' ', '-') || E'.enabled = false\n```';
    END IF;
  END IF;
  t := t || E'\n\n### Credits\n\nThanks to the reporter for a detailed report and for coordinating the disclosure with the ' || r.project_name || ' team.';
  RETURN t;
END
$$;

UPDATE ba SET details = pg_temp.details(ba, has_v2 OR pg_temp.h(i, 'wa') % 10 < 7);
UPDATE ba SET details_v1 = CASE WHEN has_v2 THEN pg_temp.details(ba, false) ELSE details END;

UPDATE ba SET
  modified_at = CASE WHEN has_v2 OR state IN ('published', 'dismissed')
                     THEN created_at + (now() - created_at) * ((pg_temp.h(i, 'mod') % 1000) / 1000.0)
                     ELSE created_at END,
  cve = CASE WHEN state = 'published' AND pg_temp.h(i, 'cve') % 10 < 8
             THEN 'CVE-' || (2023 + i % 3) || '-' || (20000 + i) ELSE '' END,
  aliases = CASE WHEN pg_temp.h(i, 'alias') % 4 = 0 AND NOT ghsa_linked THEN jsonb_build_array(alias_ghsa)
                 ELSE '[]'::jsonb END,
  severity = CASE WHEN vector IS NULL THEN '[]'::jsonb
                  ELSE jsonb_build_array(jsonb_build_object('type', 'CVSS_V3', 'score', vector)) END,
  cwe_ids = CASE WHEN cwe2 <> '' AND pg_temp.h(i, 'cwe2') % 2 = 0 THEN jsonb_build_array(cwe1, cwe2)
                 ELSE jsonb_build_array(cwe1) END,
  credits = CASE pg_temp.h(i, 'credits') % 3
              WHEN 0 THEN '[]'::jsonb
              WHEN 1 THEN jsonb_build_array(jsonb_build_object('name', 'Reporter ' || (1 + pg_temp.h(i, 'reporter') % 20), 'type', 'FINDER'))
              ELSE jsonb_build_array(
                     jsonb_build_object('name', 'Reporter ' || (1 + pg_temp.h(i, 'reporter') % 20),
                                        'contact', jsonb_build_array('mailto:reporter' || (1 + pg_temp.h(i, 'reporter') % 20) || '@researcher.example.net'),
                                        'type', 'FINDER'),
                     jsonb_build_object('name', 'Security Lab ' || (1 + pg_temp.h(i, 'lab') % 7), 'type', 'ANALYST')) END;
UPDATE ba SET published_at = CASE WHEN state = 'published' THEN created_at + (modified_at - created_at) / 2 END;

UPDATE ba SET refs = (
  SELECT jsonb_agg(r ORDER BY k) FROM (
    SELECT 1 AS k, jsonb_build_object('type', 'ADVISORY', 'url', repo || '/security/advisories/' || alias_ghsa) AS r
    UNION ALL SELECT 2, jsonb_build_object('type', 'FIX', 'url', repo || '/commit/' || md5(public_id || 'fix') || substr(md5(public_id), 1, 8))
    UNION ALL SELECT 3, jsonb_build_object('type', 'REPORT', 'url', repo || '/issues/' || (1000 + pg_temp.h(i, 'issue') % 9000))
      WHERE pg_temp.h(i, 'nref') % 4 >= 1
    UNION ALL SELECT 4, jsonb_build_object('type', 'WEB', 'url', 'https://www.eclipse.org/lists/' || split_part(slug, '.', 2) || '-dev/msg' || lpad((pg_temp.h(i, 'msg') % 99999)::text, 5, '0') || '.html')
      WHERE pg_temp.h(i, 'nref') % 4 >= 2
    UNION ALL SELECT 5, jsonb_build_object('type', 'PACKAGE', 'url', repo || '/releases/tag/v' || fixed)
      WHERE pg_temp.h(i, 'nref') % 4 = 3
  ) AS x);

UPDATE ba SET affected = (
  SELECT jsonb_agg(
    CASE WHEN ecosystem = 'GIT' THEN
      jsonb_build_object('package', jsonb_build_object('ecosystem', 'GIT', 'name', packages[k]),
        'ranges', jsonb_build_array(jsonb_build_object('type', 'GIT', 'repo', repo,
          'events', jsonb_build_array(jsonb_build_object('introduced', md5(public_id || k || 'in')),
                                      jsonb_build_object('fixed', md5(public_id || k || 'fx'))))))
    ELSE
      jsonb_build_object('package',
          jsonb_build_object('ecosystem', ecosystem, 'name', packages[k])
          || CASE WHEN ecosystem = 'Maven' THEN jsonb_build_object('purl', 'pkg:maven/' || replace(packages[k], ':', '/'))
                  WHEN ecosystem = 'npm' THEN jsonb_build_object('purl', 'pkg:npm/' || replace(packages[k], '@', '%40'))
                  ELSE '{}'::jsonb END,
        'ranges', jsonb_build_array(jsonb_build_object('type', 'ECOSYSTEM',
          'events', jsonb_build_array(jsonb_build_object('introduced', introduced), jsonb_build_object('fixed', fixed)))))
    END ORDER BY k)
  FROM generate_series(1, npkg) AS k);

ALTER TABLE ba ADD PRIMARY KEY (i);

INSERT INTO advisory (advisory_id, project_id, state, review_status, submitted_for_review_at, submitted_for_review_by,
                      summary, details, aliases, refs, affected, severity, cwe_ids, credits,
                      severity_level, severity_score, published_at, modified_at, created_at, created_by,
                      dismissed_reason, dismissed_from_state, assigned_cve_id, kind, ghsa_id, ghsa_owner, ghsa_repo,
                      ghsa_state)
SELECT public_id, project_id, state, review_status,
       CASE WHEN review_status <> 'none' THEN modified_at END,
       CASE WHEN review_status <> 'none' THEN author END,
       summary, details, aliases, refs, affected, severity, cwe_ids, credits,
       level, score, published_at, modified_at, created_at, author,
       CASE WHEN state = 'dismissed' THEN 'Not a vulnerability in ' || project_name || ': the behaviour is documented and requires a trusted configuration.' ELSE '' END,
       CASE WHEN state = 'dismissed' THEN 'triage' ELSE '' END,
       cve,
       CASE WHEN ghsa_linked THEN 'ghsa_linked' ELSE 'native' END,
       CASE WHEN ghsa_linked THEN ghsa ELSE '' END,
       CASE WHEN ghsa_linked THEN 'eclipse' ELSE '' END,
       CASE WHEN ghsa_linked THEN split_part(repo, '/', 5) ELSE '' END,
       CASE WHEN ghsa_linked THEN CASE WHEN state = 'published' THEN 'published' ELSE 'draft' END ELSE 'unknown' END
FROM ba ORDER BY created_at;

ALTER TABLE ba ADD COLUMN aid bigint;
UPDATE ba SET aid = a.id FROM advisory a WHERE a.advisory_id = ba.public_id;

-- Intake sidecar for triage reports; those on `unsorted` are flagged (INV-INTAKE-4).
INSERT INTO advisory_intake (advisory_id, reporter_user_id, reporter_display_name, submitted_ip, submitted_user_agent,
                             needs_admin_routing, admin_routing_note, flagged_for_routing_at, submitted_at)
SELECT aid, reporter, 'Reporter ' || (1 + pg_temp.h(i, 'reporter') % 20),
       ('198.51.100.' || (1 + pg_temp.h(i, 'ip') % 250))::inet,
       'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
       pn = 0, CASE WHEN pn = 0 THEN 'Reporter did not name a project.' ELSE '' END,
       CASE WHEN pn = 0 THEN created_at END, created_at
FROM ba WHERE state = 'triage';

-- Versions: the §6.1 snapshot (service::snapshot): the eight content keys
-- plus the identity keys.
INSERT INTO advisory_version (advisory_id, version, payload, editor_id, created_at)
SELECT aid, 1,
       jsonb_build_object('summary', summary, 'details', details_v1, 'aliases', aliases, 'references', refs,
                          'affected', affected, 'severity', severity, 'cwe_ids', cwe_ids, 'credits', credits,
                          'advisory_id', public_id, 'project_slug', slug, 'project_name', project_name,
                          'assigned_cve_id', cve, 'withdrawn_reason', '',
                          'kind', CASE WHEN ghsa_linked THEN 'ghsa_linked' ELSE 'native' END,
                          'ghsa_id', CASE WHEN ghsa_linked THEN ghsa ELSE '' END,
                          'ghsa_owner', CASE WHEN ghsa_linked THEN 'eclipse' ELSE '' END,
                          'ghsa_repo', CASE WHEN ghsa_linked THEN split_part(repo, '/', 5) ELSE '' END,
                          'ghsa_metadata_synced_at', NULL),
       author, created_at
FROM ba
UNION ALL
SELECT aid, 2,
       jsonb_build_object('summary', summary, 'details', details, 'aliases', aliases, 'references', refs,
                          'affected', affected, 'severity', severity, 'cwe_ids', cwe_ids, 'credits', credits,
                          'advisory_id', public_id, 'project_slug', slug, 'project_name', project_name,
                          'assigned_cve_id', cve, 'withdrawn_reason', '',
                          'kind', CASE WHEN ghsa_linked THEN 'ghsa_linked' ELSE 'native' END,
                          'ghsa_id', CASE WHEN ghsa_linked THEN ghsa ELSE '' END,
                          'ghsa_owner', CASE WHEN ghsa_linked THEN 'eclipse' ELSE '' END,
                          'ghsa_repo', CASE WHEN ghsa_linked THEN split_part(repo, '/', 5) ELSE '' END,
                          'ghsa_metadata_synced_at', NULL),
       COALESCE(team_author, admin_author), modified_at
FROM ba WHERE has_v2;

-- The ledger: advisory.created for all, advisory.edited for the v2 ones.
INSERT INTO audit_log_entry (actor_id, action, advisory_id, previous_value, new_value, metadata, ip_address,
                             user_agent, created_at)
SELECT author, 'advisory.created', aid, NULL, jsonb_build_object('project', slug, 'advisory_id', public_id), '{}',
       ('10.20.' || (pg_temp.h(i, 'ip1') % 250) || '.' || (1 + pg_temp.h(i, 'ip2') % 250))::inet,
       'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
       created_at
FROM ba
UNION ALL
SELECT COALESCE(team_author, admin_author), 'advisory.edited', aid,
       jsonb_build_object('summary', summary, 'project', slug, 'state', state),
       jsonb_build_object('summary', summary, 'project', slug, 'state', state, 'version', 2),
       jsonb_build_object('changed_fields', jsonb_build_array('details')),
       ('10.20.' || (pg_temp.h(i, 'ip3') % 250) || '.' || (1 + pg_temp.h(i, 'ip4') % 250))::inet,
       'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
       modified_at
FROM ba WHERE has_v2;

-- ------------------------------------------ reviews, CVEs, runs, comments
-- What the advisory page's other panels show: the approved review of every
-- published advisory and a draft's open, returned or approved one (its
-- review_status); the reservation of every assigned CVE id; one publication
-- run per published advisory with its documents, after a failed attempt for
-- one in ten; and comments on two advisories in five, a quarter of them
-- internal.
CREATE TEMP TABLE blv ON COMMIT DROP AS
SELECT DISTINCT ON (advisory_id) advisory_id AS aid, id AS version_id
FROM advisory_version ORDER BY advisory_id, version DESC;

INSERT INTO review_task (advisory_id, version_id, status, submitted_by, reviewer, decision_notes, created_at,
                         decided_at)
SELECT aid, version_id,
       CASE WHEN state = 'published' THEN 'approved' WHEN review_status = 'submitted' THEN 'open'
            ELSE review_status END,
       COALESCE(team_author, admin_author),
       CASE WHEN state = 'published' OR review_status <> 'submitted' THEN admin_author END,
       CASE WHEN review_status = 'changes_requested'
            THEN 'Please name the first fixed release in the details and add the upstream fix as a reference.'
            ELSE '' END,
       COALESCE(published_at, modified_at) - interval '1 day',
       CASE WHEN state = 'published' OR review_status <> 'submitted'
            THEN COALESCE(published_at, modified_at) - interval '1 hour' END
FROM ba JOIN blv USING (aid)
WHERE state = 'published' OR (state = 'draft' AND review_status <> 'none');

INSERT INTO cve_request_task (advisory_id, status, requested_by, assignee, cve_id, created_at, finished_at)
SELECT aid, 'reserved', COALESCE(team_author, admin_author), admin_author, cve,
       created_at + interval '1 day', created_at + interval '2 days'
FROM ba WHERE cve <> '';

INSERT INTO publication_task (advisory_id, version_id, status, attempts, last_error, started_at, finished_at,
                              enqueued_by, commit_sha, created_at)
SELECT aid, version_id, 'failed', 3,
       'git push to the publication repository was rejected: the remote moved on (non-fast-forward)',
       published_at - interval '2 hours', published_at - interval '1 hour', admin_author, '',
       published_at - interval '2 hours'
FROM ba JOIN blv USING (aid) WHERE state = 'published' AND pg_temp.h(i, 'failedrun') % 10 = 0
UNION ALL
SELECT aid, version_id, 'succeeded', 1, '', published_at, published_at + interval '40 seconds', admin_author,
       md5(public_id) || left(md5(public_id || 'sha'), 8), published_at
FROM ba JOIN blv USING (aid) WHERE state = 'published';

INSERT INTO publication_artifact (task_id, kind, path, content, created_at)
SELECT t.id, k.kind, k.kind || '/' || ba.public_id || '.json',
       jsonb_build_object('id', ba.public_id, 'summary', ba.summary, 'modified', t.finished_at),
       t.finished_at
FROM publication_task t JOIN ba ON ba.aid = t.advisory_id
CROSS JOIN (VALUES ('osv'), ('csaf'), ('cve')) AS k (kind)
WHERE t.status = 'succeeded' AND (k.kind <> 'cve' OR ba.cve <> '');

INSERT INTO advisory_comment (advisory_id, author_id, body, is_internal, created_at)
SELECT aid,
       CASE WHEN k % 2 = 0 THEN COALESCE(team_author, admin_author) ELSE admin_author END,
       (ARRAY['Reproduced on the latest release; the fix in the linked commit closes it.',
              'Can we hold the publication until the **downstream** distributions have the patch?',
              'The CVSS vector looks right to me. `AC:L` holds: no special configuration is needed.',
              'Added the affected range for the 4.x branch as well.',
              'Reporter confirmed the fix works for them.'])[1 + pg_temp.h(i, 'comment' || k) % 5],
       pg_temp.h(i, 'internal' || k) % 4 = 0,
       created_at + (modified_at - created_at) * (k / 5.0)
FROM ba CROSS JOIN generate_series(1, 4) AS k
WHERE pg_temp.h(i, 'comments') % 5 < 2 AND k <= 1 + pg_temp.h(i, 'ncomments') % 4;

-- ------------------------------------------------------- grants, visits

INSERT INTO access_grant (advisory_id, principal_type, principal_id, permission, created_at, created_by)
SELECT aid, 'user', reporter, CASE WHEN pg_temp.h(i, 'perm') % 3 = 0 THEN 'collaborator' ELSE 'viewer' END,
       created_at + interval '1 hour', author
FROM ba WHERE pn <> 0 AND state <> 'triage' AND pg_temp.h(i, 'grant') % 100 < 5
UNION ALL
SELECT aid, 'group', g.id, 'viewer', created_at + interval '2 hours', author
FROM ba JOIN bp ON bp.n = 1 + (ba.pn + 4) % 20 JOIN oidc_group g ON g.name = bp.team
WHERE pn <> 0 AND pg_temp.h(i, 'ggrant') % 100 < 2;

-- The benchmark member: 10 grants outside their project.
INSERT INTO access_grant (advisory_id, principal_type, principal_id, permission, created_at, created_by)
SELECT aid, 'user', (SELECT id FROM app_user WHERE email = 'bench-member@example.org'),
       CASE WHEN row_number() OVER () % 2 = 0 THEN 'collaborator' ELSE 'viewer' END, created_at + interval '3 hours', author
FROM (SELECT * FROM ba WHERE pn NOT IN (0, (SELECT n FROM bp WHERE slug = :'member_project'))
      ORDER BY pg_temp.h(i, 'membergrant') LIMIT 10) AS x
ON CONFLICT DO NOTHING;

CREATE TEMP TABLE bv ON COMMIT DROP AS
SELECT u.id AS user_id, ba.aid, ba.i,
       ba.created_at + (now() - ba.created_at) * ((pg_temp.h(ba.i, 'visit' || u.id) % 1000) / 1000.0) AS last_visited_at,
       ba.created_at AS advisory_created_at
FROM ba CROSS JOIN app_user u
WHERE (u.email = 'bench-admin@example.org' AND pg_temp.h(ba.i, 'adminvisit') % 100 < 20)
   OR (u.email = 'bench-member@example.org' AND ba.pn = (SELECT n FROM bp WHERE slug = :'member_project')
       AND pg_temp.h(ba.i, 'membervisit') % 100 < 50);
INSERT INTO advisory_visit (user_id, advisory_id, last_visited_at)
SELECT user_id, aid, last_visited_at FROM bv;
-- INV-AUDIT-6: the first-view receipt, without network data.
INSERT INTO audit_log_entry (actor_id, action, advisory_id, metadata, created_at)
SELECT user_id, 'advisory.first_seen', aid, '{}',
       advisory_created_at + (last_visited_at - advisory_created_at) / 2
FROM bv;

COMMIT;

-- The seed writes every advisory in one transaction, so each advisory left
-- a dead version of its tally row behind (907 rows over 113 pages); on a
-- live system each change is a transaction of its own and page pruning
-- keeps the tally at the few pages its rows fill. Rewrite it to that size.
VACUUM FULL advisory_tally;

-- The steady state autovacuum reaches on a live system: visibility map set,
-- index statistics (GIN metapage counts) filled in, planner statistics.
VACUUM ANALYZE;

-- What was written.
SELECT json_build_object(
  'advisories', (SELECT count(*) FROM advisory),
  'projects', (SELECT count(*) FROM project),
  'users', (SELECT count(*) FROM app_user),
  'versions', (SELECT count(*) FROM advisory_version),
  'ledger_rows', (SELECT count(*) FROM audit_log_entry),
  'grants', (SELECT count(*) FROM access_grant),
  'visits', (SELECT count(*) FROM advisory_visit),
  'reviews', (SELECT count(*) FROM review_task),
  'cve_requests', (SELECT count(*) FROM cve_request_task),
  'publication_runs', (SELECT count(*) FROM publication_task),
  'comments', (SELECT count(*) FROM advisory_comment),
  'by_state', (SELECT json_object_agg(state, n) FROM (SELECT state, count(*) AS n FROM advisory GROUP BY state) s),
  'by_severity', (SELECT json_object_agg(severity_level, n) FROM (SELECT severity_level, count(*) AS n FROM advisory GROUP BY severity_level) s),
  'details_bytes_avg', (SELECT round(avg(octet_length(details))) FROM advisory),
  'details_bytes_min', (SELECT min(octet_length(details)) FROM advisory),
  'details_bytes_max', (SELECT max(octet_length(details)) FROM advisory),
  'row_json_bytes_avg', (SELECT round(avg(octet_length(aliases::text) + octet_length(refs::text) + octet_length(affected::text)
                                        + octet_length(severity::text) + octet_length(cwe_ids::text) + octet_length(credits::text))) FROM advisory),
  'advisory_table_mb', (SELECT round(pg_total_relation_size('advisory') / 1048576.0, 1)),
  'database_mb', (SELECT round(pg_database_size(current_database()) / 1048576.0, 1))
);
