//! The published documents (70-publication §4, 00-decisions "Surfaces"): an
//! OSV record, a CSAF 2.0 security advisory and, when the advisory carries an
//! assigned CVE, a CVE JSON 5 record, each built from one pinned version's
//! payload and validated before anything leaves the process.
//!
//! Everything here is pure and deterministic: the only inputs are [`Input`]
//! and the schemas and CWE catalogue compiled into the binary; no clock, no
//! randomness, no network, no database. The same input always gives the same
//! bytes ([`json::to_bytes`]), which makes the Git step idempotent.
//!
//! Invariants kept:
//! * document content comes only from the pinned payload (INV-PUB), plus the
//!   dates and the publisher settings the caller passes;
//! * a document handed out by [`build`] has passed its vendored schema, and
//!   the CSAF document also our implementation of the CSAF 2.0 mandatory
//!   tests (INV-PUB-6); a failure is a typed [`Error`] listing every
//!   violation, never a panic;
//! * withdrawal mode is read from the payload (`withdrawn_reason` non-blank),
//!   never from a separate flag (§3 step 5).

pub mod csaf;
mod csaf_checks;
pub mod cve;
pub mod json;
pub mod osv;
pub mod paths;
pub mod validate;

use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;

use crate::advisories::content::Payload;

pub use validate::{ValidationError, Violation};

/// The publisher of the CSAF document (`document.publisher`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Publisher {
    /// `publisher.name`, e.g. `Eclipse Foundation`.
    pub name: String,
    /// `publisher.namespace`: an absolute URI naming the publisher, e.g.
    /// `https://www.eclipse.org/security/`.
    pub namespace: String,
    /// `publisher.contact_details`; omitted when blank.
    pub contact_details: String,
}

impl Default for Publisher {
    /// The values of 70-publication §4.3.
    fn default() -> Self {
        Self {
            name: "Eclipse Foundation".to_owned(),
            namespace: "https://www.eclipse.org/security/".to_owned(),
            contact_details: String::new(),
        }
    }
}

/// The CVE Numbering Authority identity written into CVE records
/// (`PUB_CVE_ASSIGNER_ORG_ID`, `PUB_CVE_ASSIGNER_SHORT_NAME`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CveAssigner {
    /// The CNA's organisation UUID (a v4 UUID); blank means "not
    /// configured", which fails every CVE-bearing publication.
    pub org_id: String,
    /// The CNA's short name (2–32 characters), e.g. `eclipse`; omitted when
    /// blank.
    pub short_name: String,
}

/// One earlier successful publication of the advisory: an entry of the CSAF
/// revision history.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Revision {
    /// The `created_at` of the version that publication pinned. The builder
    /// moves a date that is earlier than the first publication, or than the
    /// revision before it, forward to that time, so the history is always in
    /// order.
    pub date: OffsetDateTime,
    /// The advisory version it published (`advisory_version.version`).
    pub version: i32,
    /// It was a withdrawal (its payload had a `withdrawn_reason`).
    pub withdrawn: bool,
}

/// Everything a document is built from.
#[derive(Clone, Copy, Debug)]
pub struct Input<'a> {
    /// The pinned version's payload snapshot (10-domain-model §6.1).
    pub payload: &'a Value,
    /// The pinned version's number.
    pub version: i32,
    /// The pinned version's `created_at`: OSV `modified`, the CSAF current
    /// release and the CVE record's update time.
    pub version_created_at: OffsetDateTime,
    /// The advisory's first publication (`advisory.published_at`): OSV
    /// `published`, the CSAF initial release, the CVE `datePublished`. It
    /// never moves once set. `None` on the first publication, where the
    /// version's time stands in; a caller that knows the time it will stamp
    /// as `published_at` should pass it instead, so that the first documents
    /// already carry the date later ones repeat.
    pub first_published_at: Option<OffsetDateTime>,
    /// The earlier successful publications, oldest first (empty on the first
    /// publication). The current publication is added by the builder.
    pub revisions: &'a [Revision],
    /// The project's live slug and name, for legacy payloads without
    /// `project_slug` / `project_name` (§1).
    pub project_slug: &'a str,
    pub project_name: &'a str,
    pub publisher: &'a Publisher,
    pub cve_assigner: &'a CveAssigner,
}

/// The three kinds of published document.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Osv,
    Csaf,
    Cve,
}

impl Kind {
    /// The stored spelling (`publication_artifact.kind`).
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Osv => "osv",
            Kind::Csaf => "csaf",
            Kind::Cve => "cve",
        }
    }

    /// The display name, e.g. `CSAF`.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Osv => "OSV",
            Kind::Csaf => "CSAF",
            Kind::Cve => "CVE record",
        }
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// Why a document could not be produced. Every variant is a `validation:`
/// failure of 70-publication §7.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The CVE record cannot be built from this payload or configuration.
    #[error(transparent)]
    Cve(#[from] cve::BuildError),
    /// A built document failed its schema or the CSAF mandatory tests.
    #[error(transparent)]
    Invalid(#[from] ValidationError),
}

/// One built, validated document.
#[derive(Clone, Debug, PartialEq)]
pub struct Document {
    pub kind: Kind,
    pub content: Value,
}

impl Document {
    /// The bytes to commit (§4.1).
    pub fn to_bytes(&self) -> Vec<u8> {
        json::to_bytes(&self.content)
    }
}

/// The documents of one publication.
#[derive(Clone, Debug, PartialEq)]
pub struct Documents {
    pub osv: Document,
    pub csaf: Document,
    /// Present when the payload has an `assigned_cve_id`.
    pub cve: Option<Document>,
}

/// Builds and validates every document of a publication, OSV first, then
/// CSAF, then the CVE record (§3 steps 6–8). The first failure ends it.
pub fn build(input: &Input<'_>) -> Result<Documents, Error> {
    Ok(Documents {
        osv: build_osv(input)?,
        csaf: build_csaf(input)?,
        cve: build_cve(input)?,
    })
}

/// The OSV document, validated.
pub fn build_osv(input: &Input<'_>) -> Result<Document, Error> {
    let content = osv::build(input);
    validate::osv(&content)?;
    Ok(Document {
        kind: Kind::Osv,
        content,
    })
}

/// The CSAF document, validated against the schema and the mandatory tests.
pub fn build_csaf(input: &Input<'_>) -> Result<Document, Error> {
    let content = csaf::build(input);
    validate::csaf(&content)?;
    Ok(Document {
        kind: Kind::Csaf,
        content,
    })
}

/// The CVE record, validated; `None` when the payload has no assigned CVE.
pub fn build_cve(input: &Input<'_>) -> Result<Option<Document>, Error> {
    if text(input.payload, "assigned_cve_id").trim().is_empty() {
        return Ok(None);
    }
    let content = cve::build(input)?;
    validate::cve(&content)?;
    Ok(Some(Document {
        kind: Kind::Cve,
        content,
    }))
}

// ---------------------------------------------------------------------------
// Shared reading of the input

/// `YYYY-MM-DDTHH:MM:SS.mmmZ` (§4.1).
const TIMESTAMP: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");

/// A timestamp in UTC with milliseconds and a literal `Z` (§4.1).
pub fn timestamp(at: OffsetDateTime) -> String {
    at.to_offset(time::UtcOffset::UTC)
        .format(TIMESTAMP)
        .unwrap_or_default()
}

/// A string field of the payload; anything else reads as `""`.
fn text<'v>(payload: &'v Value, key: &str) -> &'v str {
    payload.get(key).and_then(Value::as_str).unwrap_or_default()
}

/// The readings of the input that every builder shares.
struct Facts<'a> {
    advisory_id: &'a str,
    content: Payload,
    assigned_cve_id: &'a str,
    withdrawn_reason: &'a str,
    project_slug: &'a str,
    project_name: &'a str,
    /// OSV `published`, CSAF initial release.
    published: OffsetDateTime,
    /// OSV `modified`.
    modified: OffsetDateTime,
    /// CSAF current release, CVE update time: never before `published`.
    current: OffsetDateTime,
}

impl<'a> Facts<'a> {
    fn read(input: &Input<'a>) -> Self {
        let payload = input.payload;
        let published = input.first_published_at.unwrap_or(input.version_created_at);
        let or = |value: &'a str, fallback: &'a str| {
            if value.trim().is_empty() {
                fallback
            } else {
                value
            }
        };
        Facts {
            advisory_id: text(payload, "advisory_id").trim(),
            content: Payload::from_snapshot(payload),
            assigned_cve_id: text(payload, "assigned_cve_id").trim(),
            withdrawn_reason: text(payload, "withdrawn_reason").trim(),
            project_slug: or(text(payload, "project_slug"), input.project_slug).trim(),
            project_name: or(text(payload, "project_name"), input.project_name).trim(),
            published,
            modified: input.version_created_at,
            current: input.version_created_at.max(published),
        }
    }

    fn withdrawn(&self) -> bool {
        !self.withdrawn_reason.is_empty()
    }

    /// `summary`, or the advisory id when it is blank.
    fn title(&self) -> &str {
        let summary = self.content.summary.trim();
        if summary.is_empty() {
            self.advisory_id
        } else {
            summary
        }
    }
}

/// The first `max` characters of `s`.
fn truncate(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

/// Whether `s` has the shape `CVE-<4 digits>-<at least min digits>`.
fn is_cve_id(s: &str, min: usize, max: usize) -> bool {
    let Some(rest) = s.strip_prefix("CVE-") else {
        return false;
    };
    let Some((year, number)) = rest.split_once('-') else {
        return false;
    };
    year.len() == 4
        && year.bytes().all(|b| b.is_ascii_digit())
        && (min..=max).contains(&number.len())
        && number.bytes().all(|b| b.is_ascii_digit())
}
