//! Forget a user (GDPR erasure, 20-lifecycle §17.3, 90-operations §8): one
//! transaction through the retention bypass (INV-AUDIT-1) that replaces the
//! person with a pseudonym wherever the hub keeps them, for the
//! `forget-user` command and the admin console alike.
//!
//! Comments become redacted in the same shape as a redaction (empty body,
//! `redacted_at`, INV-COMMENT-4), so the timeline shows them as redacted.
//! Credits that name the person's address are removed from the live
//! advisory and a new version records that, with no editor (Q-7); earlier
//! versions and published documents stay as they are.

use serde_json::{Map, Value, json};
use sqlx::PgConnection;

use crate::advisories::service::record_version;
use crate::audit::access_log::RequestOrigin;
use crate::audit::catalogue::Action;
use crate::audit::redact::Redactor;
use crate::audit::{self, Entry};
use crate::ops::retention::{self, RetentionError};

/// What replaces a display name inside ledger values.
pub const REDACTED_NAME: &str = "[redacted]";
/// Names shorter than this are not searched for inside ledger values: they
/// would match ordinary words.
const MIN_NAME_CHARS: usize = 3;

/// Where the request came from (recorded as `via`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Via {
    Cli,
    AdminConsole,
}

impl Via {
    fn as_str(self) -> &'static str {
        match self {
            Via::Cli => "cli",
            Via::AdminConsole => "admin_console",
        }
    }
}

/// One forget request.
#[derive(Clone, Debug)]
pub struct Request<'a> {
    /// The account's e-mail, matched case-insensitively.
    pub email: &'a str,
    /// Replacement address; `forgotten-<id>@example.invalid` when `None`.
    pub pseudo: Option<&'a str>,
    pub reason: &'a str,
    /// Delete the user row instead of keeping it pseudonymised.
    pub also_delete: bool,
    pub via: Via,
    /// The admin who asked (the console); `None` from the command line.
    pub operator: Option<i64>,
    pub origin: Option<&'a RequestOrigin>,
}

/// How many rows each source had changed.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Counters {
    pub ledger_rows: u64,
    pub access_log_rows: u64,
    pub comments: u64,
    pub comment_versions: u64,
    pub invitations_deleted: u64,
    pub invitations_readdressed: u64,
    pub intake_reports: u64,
    pub credited_advisories: u64,
    pub sessions: u64,
    pub user_deleted: bool,
}

/// The outcome of a forget.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Forgotten {
    pub user_id: i64,
    pub pseudo: String,
    pub counters: Counters,
}

#[derive(Debug, thiserror::Error)]
pub enum ForgetError {
    #[error("no account has the e-mail {0:?}")]
    NoSuchUser(String),
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Retention(#[from] RetentionError),
}

impl From<sqlx::Error> for ForgetError {
    fn from(e: sqlx::Error) -> Self {
        ForgetError::Retention(RetentionError::Database(e))
    }
}

impl From<audit::ledger::RecordError> for ForgetError {
    fn from(e: audit::ledger::RecordError) -> Self {
        ForgetError::Retention(e.into())
    }
}

/// The person as the hub knows them.
struct Person {
    id: i64,
    email: String,
    names: Vec<String>,
}

/// Forgets the account in the caller's transaction (which must run as the
/// system principal, so row-level security hides nothing) and records
/// `user.forgotten` with counters but no personal data.
pub async fn forget(
    conn: &mut PgConnection,
    redactor: &Redactor,
    req: &Request<'_>,
) -> Result<Forgotten, ForgetError> {
    let reason = req.reason.trim();
    if reason.is_empty() {
        return Err(ForgetError::Invalid(
            "a reason is required to forget an account".into(),
        ));
    }
    let person = find(conn, req.email.trim()).await?;
    let pseudo = match req.pseudo.map(str::trim) {
        Some(p) if p.contains('@') && p.len() <= 254 && !p.chars().any(char::is_whitespace) => {
            p.to_owned()
        }
        Some(p) => {
            return Err(ForgetError::Invalid(format!(
                "{p:?} is not an e-mail address"
            )));
        }
        None => format!("forgotten-{}@example.invalid", person.id),
    };
    let taken = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM app_user WHERE lower(email) = lower($1) AND id <> $2) AS "t!""#,
        pseudo,
        person.id
    )
    .fetch_one(&mut *conn)
    .await?;
    if taken {
        return Err(ForgetError::Invalid(format!(
            "{pseudo} belongs to another account"
        )));
    }
    if req.also_delete {
        refuse_delete_of_an_editor(conn, person.id).await?;
    }
    retention::open_bypass(conn).await?;
    let mut counters = Counters {
        ledger_rows: scrub_ledger(conn, &person, &pseudo).await?,
        ..Counters::default()
    };
    scrub_the_rest(conn, &person, &pseudo, &mut counters).await?;
    counters.credited_advisories = strip_credits(conn, &person.email).await?;
    if req.also_delete {
        sqlx::query!("DELETE FROM app_user WHERE id = $1", person.id)
            .execute(&mut *conn)
            .await?;
        counters.user_deleted = true;
    } else {
        sqlx::query!(
            "UPDATE app_user SET email = $2, display_name = '', first_name = '', last_name = '',
                    oidc_subject = '', is_active = false
             WHERE id = $1",
            person.id,
            pseudo
        )
        .execute(&mut *conn)
        .await?;
    }
    let entry = Entry::new(Action::UserForgotten, req.operator, req.origin).metadata(json!({
        "operation": "forget-user",
        "subject_pk": person.id,
        "counters": counters,
        "reason": reason,
        "via": req.via.as_str(),
    }));
    audit::record(conn, redactor, entry).await?;
    Ok(Forgotten {
        user_id: person.id,
        pseudo,
        counters,
    })
}

async fn find(conn: &mut PgConnection, email: &str) -> Result<Person, ForgetError> {
    let row = sqlx::query!(
        "SELECT id, email, display_name, first_name, last_name FROM app_user
         WHERE lower(email) = lower($1) FOR UPDATE",
        email
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| ForgetError::NoSuchUser(email.to_owned()))?;
    // Whole names only: a first or last name alone would also match
    // ordinary words and other people's addresses.
    let full_name = format!("{} {}", row.first_name.trim(), row.last_name.trim());
    let mut names: Vec<String> = [row.display_name.trim(), full_name.trim()]
        .into_iter()
        .filter(|n| n.chars().count() >= MIN_NAME_CHARS)
        .map(str::to_owned)
        .collect();
    // Longest first, so a full name goes before its parts.
    names.sort_by_key(|n| std::cmp::Reverse(n.len()));
    names.dedup();
    Ok(Person {
        id: row.id,
        email: row.email,
        names,
    })
}

/// Advisory versions are append-only without exception, and deleting their
/// editor would rewrite them.
async fn refuse_delete_of_an_editor(conn: &mut PgConnection, id: i64) -> Result<(), ForgetError> {
    let edited = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM advisory_version WHERE editor_id = $1) AS "e!""#,
        id
    )
    .fetch_one(conn)
    .await?;
    if edited {
        Err(ForgetError::Invalid(
            "--also-delete is refused: this account edited advisories, whose versions are \
             append-only; run without it to keep the pseudonymised row"
                .into(),
        ))
    } else {
        Ok(())
    }
}

/// Ledger rows by the person or naming their address: the address becomes
/// the pseudonym and their names `[redacted]` inside every value; their own
/// rows also lose the network address and browser.
async fn scrub_ledger(
    conn: &mut PgConnection,
    person: &Person,
    pseudo: &str,
) -> Result<u64, ForgetError> {
    let rows = sqlx::query!(
        "SELECT id, actor_id, previous_value, new_value, metadata FROM audit_log_entry
         WHERE actor_id = $1
            OR strpos(lower(coalesce(previous_value::text, '')), lower($2)) > 0
            OR strpos(lower(coalesce(new_value::text, '')), lower($2)) > 0
            OR strpos(lower(metadata::text), lower($2)) > 0",
        person.id,
        person.email
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut changed = 0;
    for row in rows {
        let scrub = |v: Value| scrub_value(v, person, pseudo);
        let previous = row.previous_value.map(scrub);
        let new = row.new_value.map(scrub);
        let metadata = scrub(row.metadata);
        let own = row.actor_id == Some(person.id);
        sqlx::query!(
            "UPDATE audit_log_entry SET previous_value = $2, new_value = $3, metadata = $4,
                    ip_address = CASE WHEN $5 THEN NULL ELSE ip_address END,
                    user_agent = CASE WHEN $5 THEN '' ELSE user_agent END
             WHERE id = $1",
            row.id,
            previous,
            new,
            metadata,
            own
        )
        .execute(&mut *conn)
        .await?;
        changed += 1;
    }
    Ok(changed)
}

/// The access log, sessions, comments, invitations and intake reports.
async fn scrub_the_rest(
    conn: &mut PgConnection,
    person: &Person,
    pseudo: &str,
    counters: &mut Counters,
) -> Result<(), ForgetError> {
    let (id, email) = (person.id, person.email.as_str());
    counters.access_log_rows = sqlx::query!(
        "DELETE FROM access_log_entry
         WHERE actor_id = $1 OR strpos(lower(metadata::text), lower($2)) > 0",
        id,
        email
    )
    .execute(&mut *conn)
    .await?
    .rows_affected();
    counters.sessions = sqlx::query!("DELETE FROM web_session WHERE user_id = $1", id)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    counters.comments = sqlx::query!(
        "UPDATE advisory_comment SET body = '', redacted_at = now()
         WHERE author_id = $1 AND redacted_at IS NULL",
        id
    )
    .execute(&mut *conn)
    .await?
    .rows_affected();
    counters.comment_versions = sqlx::query!(
        "UPDATE comment_version SET body = ''
         WHERE body <> '' AND comment_id IN (SELECT id FROM advisory_comment WHERE author_id = $1)",
        id
    )
    .execute(&mut *conn)
    .await?
    .rows_affected();
    counters.invitations_deleted = sqlx::query!(
        "DELETE FROM pending_invitation
         WHERE redeemed_at IS NULL AND (created_by = $1 OR lower(email) = lower($2))",
        id,
        email
    )
    .execute(&mut *conn)
    .await?
    .rows_affected();
    counters.invitations_readdressed = sqlx::query!(
        "UPDATE pending_invitation SET email = $2 WHERE lower(email) = lower($1)",
        email,
        pseudo
    )
    .execute(&mut *conn)
    .await?
    .rows_affected();
    counters.intake_reports = sqlx::query!(
        "UPDATE advisory_intake SET reporter_user_id = NULL, reporter_display_name = '',
                submitted_ip = NULL, submitted_user_agent = '', pii_cleared_at = now()
         WHERE reporter_user_id = $1",
        id
    )
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(())
}

/// Removes credits whose contacts name `mailto:<email>` from live advisories,
/// appending a version without editor for each one changed (Q-7).
async fn strip_credits(conn: &mut PgConnection, email: &str) -> Result<u64, ForgetError> {
    let mailto = format!("mailto:{email}");
    let rows = sqlx::query!(
        "SELECT id, credits FROM advisory
         WHERE strpos(lower(credits::text), lower($1)) > 0 ORDER BY id FOR UPDATE",
        mailto
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut changed = 0;
    for row in rows {
        let (credits, removed) = without_credits_of(row.credits, &mailto);
        if !removed {
            continue;
        }
        sqlx::query!(
            "UPDATE advisory SET credits = $2 WHERE id = $1",
            row.id,
            credits
        )
        .execute(&mut *conn)
        .await?;
        let latest = sqlx::query_scalar!(
            "SELECT payload FROM advisory_version WHERE advisory_id = $1 ORDER BY version DESC LIMIT 1",
            row.id
        )
        .fetch_optional(&mut *conn)
        .await?;
        if let Some(mut payload) = latest {
            if let Some(c) = payload.get_mut("credits") {
                *c = without_credits_of(c.take(), &mailto).0;
            }
            record_version(conn, row.id, None, &payload, true).await?;
        }
        changed += 1;
    }
    Ok(changed)
}

/// `credits` without the entries whose `contact` holds `mailto` (compared
/// case-insensitively); whether any went.
fn without_credits_of(credits: Value, mailto: &str) -> (Value, bool) {
    let Value::Array(items) = credits else {
        return (credits, false);
    };
    let before = items.len();
    let kept: Vec<Value> = items
        .into_iter()
        .filter(|credit| {
            !credit["contact"].as_array().is_some_and(|contacts| {
                contacts
                    .iter()
                    .filter_map(Value::as_str)
                    .any(|c| c.trim().eq_ignore_ascii_case(mailto))
            })
        })
        .collect();
    let removed = kept.len() != before;
    (Value::Array(kept), removed)
}

/// `value` with the person's address replaced by `pseudo` and their names
/// by [`REDACTED_NAME`], in every string and object key.
fn scrub_value(value: Value, person: &Person, pseudo: &str) -> Value {
    match value {
        Value::String(s) => Value::String(scrub_text(&s, person, pseudo)),
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .map(|v| scrub_value(v, person, pseudo))
                .collect(),
        ),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| {
                    (
                        scrub_text(&k, person, pseudo),
                        scrub_value(v, person, pseudo),
                    )
                })
                .collect::<Map<String, Value>>(),
        ),
        other => other,
    }
}

fn scrub_text(text: &str, person: &Person, pseudo: &str) -> String {
    // The address is parked under a marker no name can match, so a name
    // never rewrites it (or the pseudonym) halfway.
    const MARK: &str = "\u{1}";
    let mut out = replace_ignoring_case(text, &person.email, MARK);
    for name in &person.names {
        out = replace_ignoring_case(&out, name, REDACTED_NAME);
    }
    out.replace(MARK, pseudo)
}

/// Replaces every case-insensitive (ASCII and simple Unicode lower-case)
/// occurrence of `needle`.
fn replace_ignoring_case(haystack: &str, needle: &str, with: &str) -> String {
    if needle.is_empty() {
        return haystack.to_owned();
    }
    let lower_needle: Vec<char> = needle.chars().flat_map(char::to_lowercase).collect();
    let chars: Vec<(usize, char)> = haystack.char_indices().collect();
    let mut out = String::with_capacity(haystack.len());
    let mut i = 0;
    while i < chars.len() {
        let mut matched = 0;
        let mut folded = Vec::with_capacity(lower_needle.len());
        for &(_, c) in &chars[i..] {
            if folded.len() >= lower_needle.len() {
                break;
            }
            folded.extend(c.to_lowercase());
            matched += 1;
        }
        if folded == lower_needle {
            out.push_str(with);
            i += matched;
        } else {
            out.push(chars[i].1);
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ann() -> Person {
        Person {
            id: 7,
            email: "Ann@Example.org".into(),
            names: vec!["Ann Example".into()],
        }
    }

    #[test]
    fn addresses_and_names_are_replaced_in_values_and_keys() {
        let v = json!({
            "target_email": "ann@example.ORG",
            "list": ["x ann@example.org y", 3, null],
            "ann@example.org": "Invited by ann example <Ann@Example.org>",
        });
        let out = scrub_value(v, &ann(), "ann-example@example.invalid");
        assert_eq!(
            out,
            json!({
                "target_email": "ann-example@example.invalid",
                "list": ["x ann-example@example.invalid y", 3, null],
                "ann-example@example.invalid": "Invited by [redacted] <ann-example@example.invalid>",
            })
        );
    }

    #[test]
    fn only_credits_naming_the_address_go() {
        let credits = json!([
            {"name": "Ann", "contact": ["MAILTO:ann@example.org"]},
            {"name": "Bob", "contact": ["mailto:bob@example.org", "https://x"]},
            {"name": "Carol"},
        ]);
        let (kept, removed) = without_credits_of(credits, "mailto:ann@example.org");
        assert!(removed);
        assert_eq!(kept.as_array().map(Vec::len), Some(2));
        let (_, removed) = without_credits_of(kept, "mailto:ann@example.org");
        assert!(!removed);
    }

    #[test]
    fn case_folding_keeps_other_text() {
        assert_eq!(replace_ignoring_case("aXbxc", "x", "-"), "a-b-c");
        assert_eq!(replace_ignoring_case("Émile é", "émile", "E"), "E é");
        assert_eq!(replace_ignoring_case("abc", "", "z"), "abc");
    }
}
