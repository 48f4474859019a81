//! The advisory content payload (10-domain-model §4) and its one validator.
//!
//! Owns the OSV-aligned shapes of `summary`, `details`, `aliases`,
//! `references`, `affected`, `severity`, `cwe_ids` and `credits` as they are
//! stored in the advisory's JSONB columns and in the version snapshot (§6.1),
//! their reading from JSON (strict for input, tolerant for what the database
//! holds), and [`validate`], the single validator that every write path runs
//! (form, API, intake, GHSA import; 00-decisions ruling 38).
//!
//! Invariants kept:
//! * a [`Normalized`] payload exists only as the output of [`validate`] (or
//!   [`validate_dropping_invalid`]), so content written through
//!   [`to_json_columns`] has passed every rule of §4 and the length caps of
//!   50-web-ui §7.1;
//! * validation is idempotent: validating a normalised payload again gives
//!   the same payload, so a no-op edit appends no version (INV-VERSION-1);
//! * enumerated values are stored with their exact OSV spelling, CWE ids
//!   upper-case, text trimmed, blank versions and contacts dropped;
//! * the JSON written for a payload is deterministic (fixed keys, optional
//!   keys omitted when empty), so deep-equality of snapshots is meaningful.
//!
//! The derived severity columns are computed by [`super::severity`].

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};
use url::Url;

use super::severity::{self, Level};
use super::{cwe, ecosystems};

/// The stable error codes of §4, plus the two this module adds for the scalar
/// fields (the spec names none for them) and `invalid_body` for content that
/// is not a JSON object (60-api §1.2).
pub mod codes {
    pub const INVALID_SUMMARY: &str = "invalid_summary";
    pub const INVALID_DETAILS: &str = "invalid_details";
    pub const INVALID_ALIASES: &str = "invalid_aliases";
    pub const INVALID_REFERENCES: &str = "invalid_references";
    pub const INVALID_AFFECTED: &str = "invalid_affected";
    pub const INVALID_SEVERITY: &str = "invalid_severity";
    pub const INVALID_CWE_IDS: &str = "invalid_cwe_ids";
    pub const INVALID_CREDITS: &str = "invalid_credits";
    pub const INVALID_BODY: &str = "invalid_body";
}

// Length caps, in characters (Unicode scalar values, as Postgres counts
// them), from 50-web-ui §7.1 and §4.1. They apply on every path (ruling 38).

/// `summary` (also the column's width).
pub const SUMMARY_MAX_CHARS: usize = 300;
/// `details` on the public intake form only; the model has no cap.
pub const INTAKE_DETAILS_MAX_CHARS: usize = 16_384;
/// Each alias.
pub const ALIAS_MAX_CHARS: usize = 200;
/// Each reference URL.
pub const REFERENCE_URL_MAX_CHARS: usize = 2000;
/// `affected[].package.name`.
pub const PACKAGE_NAME_MAX_CHARS: usize = 200;
/// `affected[].package.ecosystem`, suffix included.
pub const ECOSYSTEM_MAX_CHARS: usize = 64;
/// `affected[].package.purl`.
pub const PURL_MAX_CHARS: usize = 500;
/// The version of each range event.
pub const EVENT_VALUE_MAX_CHARS: usize = 200;
/// `severity[].score`.
pub const SEVERITY_SCORE_MAX_CHARS: usize = 200;
/// `credits[].name`.
pub const CREDIT_NAME_MAX_CHARS: usize = 200;

/// The URL schemes a reference may use (§2.8).
pub const REFERENCE_URL_SCHEMES: [&str; 4] = ["http", "https", "ftp", "ftps"];

// ---------------------------------------------------------------------------
// Vocabularies

/// A string that is not one of an enumeration's values.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} {value:?}; expected {}", one_of(expected))]
pub struct UnknownValue {
    /// What was being read, e.g. `reference type`.
    pub what: &'static str,
    pub value: String,
    pub expected: Vec<&'static str>,
}

/// `A, B or C`.
fn one_of(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [only] => (*only).to_owned(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

macro_rules! vocabulary {
    (
        $(#[$meta:meta])*
        $name:ident ($what:literal) {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// Every value, in the order of the OSV schema.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The JSON spelling.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }
        }

        impl FromStr for $name {
            type Err = UnknownValue;

            /// Exactly the JSON spelling; case matters.
            fn from_str(s: &str) -> Result<Self, UnknownValue> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err(UnknownValue {
                        what: $what,
                        value: s.to_owned(),
                        expected: $name::ALL.iter().map(|v| v.as_str()).collect(),
                    }),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

vocabulary! {
    /// `references[].type` (§4.3).
    RefType ("reference type") {
        /// A published security advisory for the vulnerability.
        Advisory = "ADVISORY",
        /// An article or blog post about it.
        Article = "ARTICLE",
        /// A tool, signature or technique to detect it.
        Detection = "DETECTION",
        /// A mailing-list post, issue thread or social post discussing it.
        Discussion = "DISCUSSION",
        /// A bug-tracker or issue report of it.
        Report = "REPORT",
        /// A source change that fixes it.
        Fix = "FIX",
        /// A source change that introduced it.
        Introduced = "INTRODUCED",
        /// A web page of the project's source repository.
        Git = "GIT",
        /// A web page of the affected package.
        Package = "PACKAGE",
        /// A demonstration, e.g. a proof of concept.
        Evidence = "EVIDENCE",
        /// Any other web page; the default.
        Web = "WEB",
    }
}

vocabulary! {
    /// `affected[].ranges[].type` (§4.4 rule 6; the OSV schema's enum).
    RangeType ("range type") {
        Git = "GIT",
        Semver = "SEMVER",
        /// The authoring form's default.
        Ecosystem = "ECOSYSTEM",
    }
}

vocabulary! {
    /// The one key of a range event (§4.4 rule 8).
    EventKind ("event") {
        Introduced = "introduced",
        Fixed = "fixed",
        LastAffected = "last_affected",
        Limit = "limit",
    }
}

vocabulary! {
    /// `severity[].type` (§4.5). Note the mixed case of `Ubuntu`.
    SeverityType ("severity type") {
        CvssV2 = "CVSS_V2",
        CvssV3 = "CVSS_V3",
        CvssV4 = "CVSS_V4",
        Ubuntu = "Ubuntu",
    }
}

vocabulary! {
    /// The `score` of an `Ubuntu` severity entry (§4.5).
    UbuntuPriority ("Ubuntu priority") {
        Negligible = "negligible",
        Low = "low",
        Medium = "medium",
        High = "high",
        Critical = "critical",
    }
}

vocabulary! {
    /// `credits[].type` (§4.7).
    CreditType ("credit type") {
        Finder = "FINDER",
        Reporter = "REPORTER",
        Analyst = "ANALYST",
        Coordinator = "COORDINATOR",
        RemediationDeveloper = "REMEDIATION_DEVELOPER",
        RemediationReviewer = "REMEDIATION_REVIEWER",
        RemediationVerifier = "REMEDIATION_VERIFIER",
        Tool = "TOOL",
        Sponsor = "SPONSOR",
        Other = "OTHER",
    }
}

// ---------------------------------------------------------------------------
// Shapes

/// The content payload: the eight content keys of the version snapshot
/// (§6.1). Enumerated values are kept as strings so that whatever the
/// database holds reads back without loss; [`validate`] checks them against
/// the vocabularies above. In text fields `""` means absent (§0).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Payload {
    /// Headline, at most [`SUMMARY_MAX_CHARS`].
    pub summary: String,
    /// Markdown, stored unrendered.
    pub details: String,
    /// Other identifiers (vendor ids, GHSA ids, third-party CVEs); never the
    /// EF-assigned CVE, which lives in `assigned_cve_id`.
    pub aliases: Vec<String>,
    pub references: Vec<Reference>,
    pub affected: Vec<Affected>,
    pub severity: Vec<SeverityEntry>,
    /// `CWE-<n>`, upper-case once validated.
    pub cwe_ids: Vec<String>,
    pub credits: Vec<Credit>,
}

/// `{"type": …, "url": …}`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reference {
    /// JSON `type`: a [`RefType`]; blank on input means `WEB`.
    pub kind: String,
    pub url: String,
}

/// `{"package": …, "ranges": […], "versions": […]}`; `ranges` and `versions`
/// are omitted from the JSON when empty.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Affected {
    pub package: Package,
    pub ranges: Vec<Range>,
    pub versions: Vec<String>,
}

/// `{"ecosystem": …, "name": …, "purl": …}`; `purl` is omitted when blank.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Package {
    pub ecosystem: String,
    pub name: String,
    pub purl: String,
}

/// `{"type": …, "repo": …, "events": […]}`; `repo` is omitted when blank.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Range {
    /// JSON `type`: a [`RangeType`].
    pub kind: String,
    /// The repository URL of a `GIT` range. Required for `GIT` ranges by the
    /// export's schema validation, not by [`validate`] (§4.4 rule 6).
    pub repo: String,
    pub events: Vec<Event>,
}

/// One event: a JSON object with exactly one key, e.g. `{"fixed": "1.2.3"}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    pub kind: EventKind,
    pub value: String,
}

/// `{"type": …, "score": …}`: a CVSS vector, or an Ubuntu priority word.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SeverityEntry {
    /// JSON `type`: a [`SeverityType`].
    pub kind: String,
    pub score: String,
}

/// `{"name": …, "contact": […], "type": …}`; `contact` and `type` are omitted
/// when empty.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Credit {
    pub name: String,
    /// OSV contact strings (`mailto:…`, URLs); present on imported data. The
    /// forget-user procedure matches `mailto:<e-mail>` here.
    pub contact: Vec<String>,
    /// JSON `type`: a [`CreditType`], or blank.
    pub kind: String,
}

// ---------------------------------------------------------------------------
// Writing JSON

fn strings(items: &[String]) -> Value {
    Value::Array(items.iter().cloned().map(Value::String).collect())
}

fn objects<T>(items: &[T], to_json: fn(&T) -> Value) -> Value {
    Value::Array(items.iter().map(to_json).collect())
}

fn put_text(map: &mut Map<String, Value>, key: &str, value: &str) {
    if !value.is_empty() {
        map.insert(key.to_owned(), Value::String(value.to_owned()));
    }
}

impl Payload {
    /// The payload as one JSON object with the eight content keys.
    pub fn to_json(&self) -> Value {
        let mut map = Map::new();
        map.insert("summary".into(), Value::String(self.summary.clone()));
        map.insert("details".into(), Value::String(self.details.clone()));
        map.insert("aliases".into(), strings(&self.aliases));
        map.insert(
            "references".into(),
            objects(&self.references, Reference::to_json),
        );
        map.insert(
            "affected".into(),
            objects(&self.affected, Affected::to_json),
        );
        map.insert(
            "severity".into(),
            objects(&self.severity, SeverityEntry::to_json),
        );
        map.insert("cwe_ids".into(), strings(&self.cwe_ids));
        map.insert("credits".into(), objects(&self.credits, Credit::to_json));
        Value::Object(map)
    }
}

impl Reference {
    pub fn to_json(&self) -> Value {
        let mut map = Map::new();
        map.insert("type".into(), Value::String(self.kind.clone()));
        map.insert("url".into(), Value::String(self.url.clone()));
        Value::Object(map)
    }
}

impl Affected {
    pub fn to_json(&self) -> Value {
        let mut map = Map::new();
        map.insert("package".into(), self.package.to_json());
        if !self.ranges.is_empty() {
            map.insert("ranges".into(), objects(&self.ranges, Range::to_json));
        }
        if !self.versions.is_empty() {
            map.insert("versions".into(), strings(&self.versions));
        }
        Value::Object(map)
    }
}

impl Package {
    pub fn to_json(&self) -> Value {
        let mut map = Map::new();
        map.insert("ecosystem".into(), Value::String(self.ecosystem.clone()));
        map.insert("name".into(), Value::String(self.name.clone()));
        put_text(&mut map, "purl", &self.purl);
        Value::Object(map)
    }
}

impl Range {
    pub fn to_json(&self) -> Value {
        let mut map = Map::new();
        map.insert("type".into(), Value::String(self.kind.clone()));
        put_text(&mut map, "repo", &self.repo);
        map.insert("events".into(), objects(&self.events, Event::to_json));
        Value::Object(map)
    }
}

impl Event {
    pub fn to_json(&self) -> Value {
        let mut map = Map::new();
        map.insert(self.kind.as_str().into(), Value::String(self.value.clone()));
        Value::Object(map)
    }
}

impl SeverityEntry {
    pub fn to_json(&self) -> Value {
        let mut map = Map::new();
        map.insert("type".into(), Value::String(self.kind.clone()));
        map.insert("score".into(), Value::String(self.score.clone()));
        Value::Object(map)
    }
}

impl Credit {
    pub fn to_json(&self) -> Value {
        let mut map = Map::new();
        map.insert("name".into(), Value::String(self.name.clone()));
        if !self.contact.is_empty() {
            map.insert("contact".into(), strings(&self.contact));
        }
        put_text(&mut map, "type", &self.kind);
        Value::Object(map)
    }
}

// ---------------------------------------------------------------------------
// Reading JSON

/// Walks content JSON. Strict mode records every shape problem (wrong JSON
/// type, an event that is not a one-key object, …) as a field error; lenient
/// mode, for what the database holds, skips what it cannot read instead.
struct Reader {
    strict: bool,
    errors: Vec<FieldError>,
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "true or false",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

impl Reader {
    fn strict() -> Self {
        Self {
            strict: true,
            errors: Vec::new(),
        }
    }

    fn lenient() -> Self {
        Self {
            strict: false,
            errors: Vec::new(),
        }
    }

    fn problem(&mut self, field: String, code: &'static str, message: String) {
        if self.strict {
            self.errors.push(FieldError {
                field,
                code,
                message,
            });
        }
    }

    fn finish<T>(self, value: Option<T>) -> Result<T, FieldErrors> {
        match value {
            Some(value) if self.errors.is_empty() => Ok(value),
            _ => Err(FieldErrors(self.errors)),
        }
    }

    /// A string; absent and `null` read as `""`.
    fn text(&mut self, value: Option<&Value>, field: String, code: &'static str) -> String {
        match value {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(s)) => s.clone(),
            Some(other) => {
                let message = format!("Expected a string here, not {}.", json_kind(other));
                self.problem(field, code, message);
                String::new()
            }
        }
    }

    /// A list; absent and `null` read as empty (§4.2: `null` is "absent").
    fn list<'v>(
        &mut self,
        value: Option<&'v Value>,
        field: &str,
        code: &'static str,
    ) -> &'v [Value] {
        match value {
            None | Some(Value::Null) => &[],
            Some(Value::Array(items)) => items,
            Some(other) => {
                let message = format!("Expected a list here, not {}.", json_kind(other));
                self.problem(field.to_owned(), code, message);
                &[]
            }
        }
    }

    fn texts(&mut self, value: Option<&Value>, field: &str, code: &'static str) -> Vec<String> {
        let mut out = Vec::new();
        for (i, item) in self.list(value, field, code).iter().enumerate() {
            match item {
                Value::String(s) => out.push(s.clone()),
                other => {
                    let message = format!("Expected a string here, not {}.", json_kind(other));
                    self.problem(format!("{field}[{i}]"), code, message);
                }
            }
        }
        out
    }

    fn object<'v>(
        &mut self,
        value: &'v Value,
        field: &str,
        code: &'static str,
        what: &str,
    ) -> Option<&'v Map<String, Value>> {
        if let Value::Object(map) = value {
            Some(map)
        } else {
            let message = format!("Each {what} must be an object, not {}.", json_kind(value));
            self.problem(field.to_owned(), code, message);
            None
        }
    }

    fn elements<T>(
        &mut self,
        value: Option<&Value>,
        field: &str,
        code: &'static str,
        read: fn(&mut Reader, &Value, &str) -> Option<T>,
    ) -> Vec<T> {
        let mut out = Vec::new();
        for (i, item) in self.list(value, field, code).iter().enumerate() {
            if let Some(element) = read(self, item, &format!("{field}[{i}]")) {
                out.push(element);
            }
        }
        out
    }

    fn payload(&mut self, value: &Value, _path: &str) -> Option<Payload> {
        let Value::Object(map) = value else {
            let message = format!(
                "The advisory content must be a JSON object, not {}.",
                json_kind(value)
            );
            self.problem(String::new(), codes::INVALID_BODY, message);
            return None;
        };
        Some(Payload {
            summary: self.text(map.get("summary"), "summary".into(), codes::INVALID_SUMMARY),
            details: self.text(map.get("details"), "details".into(), codes::INVALID_DETAILS),
            aliases: self.texts(map.get("aliases"), "aliases", codes::INVALID_ALIASES),
            references: self.elements(
                map.get("references"),
                "references",
                codes::INVALID_REFERENCES,
                Reader::reference,
            ),
            affected: self.elements(
                map.get("affected"),
                "affected",
                codes::INVALID_AFFECTED,
                Reader::affected,
            ),
            severity: self.elements(
                map.get("severity"),
                "severity",
                codes::INVALID_SEVERITY,
                Reader::severity_entry,
            ),
            cwe_ids: self.texts(map.get("cwe_ids"), "cwe_ids", codes::INVALID_CWE_IDS),
            credits: self.elements(
                map.get("credits"),
                "credits",
                codes::INVALID_CREDITS,
                Reader::credit,
            ),
        })
    }

    fn reference(&mut self, value: &Value, path: &str) -> Option<Reference> {
        let code = codes::INVALID_REFERENCES;
        let map = self.object(value, path, code, "reference")?;
        Some(Reference {
            kind: self.text(map.get("type"), join(path, "type"), code),
            url: self.text(map.get("url"), join(path, "url"), code),
        })
    }

    fn affected(&mut self, value: &Value, path: &str) -> Option<Affected> {
        let code = codes::INVALID_AFFECTED;
        let map = self.object(value, path, code, "affected entry")?;
        let package_path = join(path, "package");
        let package = match map.get("package") {
            Some(Value::Object(p)) => Package {
                ecosystem: self.text(p.get("ecosystem"), join(&package_path, "ecosystem"), code),
                name: self.text(p.get("name"), join(&package_path, "name"), code),
                purl: self.text(p.get("purl"), join(&package_path, "purl"), code),
            },
            other => {
                let message = match other {
                    None => "The package is missing: an object with ecosystem and name.".to_owned(),
                    Some(v) => format!(
                        "The package must be an object with ecosystem and name, not {}.",
                        json_kind(v)
                    ),
                };
                self.problem(package_path, code, message);
                Package::default()
            }
        };
        Some(Affected {
            package,
            ranges: self.elements(
                map.get("ranges"),
                &join(path, "ranges"),
                code,
                Reader::range,
            ),
            versions: self.texts(map.get("versions"), &join(path, "versions"), code),
        })
    }

    fn range(&mut self, value: &Value, path: &str) -> Option<Range> {
        let code = codes::INVALID_AFFECTED;
        let map = self.object(value, path, code, "range")?;
        Some(Range {
            kind: self.text(map.get("type"), join(path, "type"), code),
            repo: self.text(map.get("repo"), join(path, "repo"), code),
            events: self.elements(
                map.get("events"),
                &join(path, "events"),
                code,
                Reader::event,
            ),
        })
    }

    fn event(&mut self, value: &Value, path: &str) -> Option<Event> {
        let code = codes::INVALID_AFFECTED;
        let expected = "an object with exactly one key, introduced, fixed, last_affected or \
                        limit, whose value is a version, e.g. {\"fixed\": \"1.2.3\"}";
        let Value::Object(map) = value else {
            let message = format!(
                "Each event must be {expected}; this is {}.",
                json_kind(value)
            );
            self.problem(path.to_owned(), code, message);
            return None;
        };
        let mut entries = map.iter();
        let (Some((key, value)), None) = (entries.next(), entries.next()) else {
            let keys: Vec<&str> = map.keys().map(String::as_str).collect();
            let message = if keys.is_empty() {
                format!("This event is empty; each event must be {expected}.")
            } else {
                format!(
                    "This event has {} keys ({}); each event must be {expected}. Put each in its \
                     own event.",
                    keys.len(),
                    keys.join(", ")
                )
            };
            self.problem(path.to_owned(), code, message);
            return None;
        };
        let Ok(kind) = EventKind::from_str(key) else {
            let message = format!(
                "Unknown event {key:?}; expected introduced, fixed, last_affected or limit."
            );
            self.problem(path.to_owned(), code, message);
            return None;
        };
        let Value::String(version) = value else {
            let message = format!(
                "The {key} event's value must be a string (a version), not {}.",
                json_kind(value)
            );
            self.problem(path.to_owned(), code, message);
            return None;
        };
        Some(Event {
            kind,
            value: version.clone(),
        })
    }

    fn severity_entry(&mut self, value: &Value, path: &str) -> Option<SeverityEntry> {
        let code = codes::INVALID_SEVERITY;
        let map = self.object(value, path, code, "severity entry")?;
        Some(SeverityEntry {
            kind: self.text(map.get("type"), join(path, "type"), code),
            score: self.text(map.get("score"), join(path, "score"), code),
        })
    }

    fn credit(&mut self, value: &Value, path: &str) -> Option<Credit> {
        let code = codes::INVALID_CREDITS;
        let map = self.object(value, path, code, "credit")?;
        Some(Credit {
            name: self.text(map.get("name"), join(path, "name"), code),
            contact: self.texts(map.get("contact"), &join(path, "contact"), code),
            kind: self.text(map.get("type"), join(path, "type"), code),
        })
    }
}

/// The advisory row's content columns: `summary`, `details` and the six
/// JSONB arrays (the `references` column may be named `refs` in SQL; it maps
/// to the payload key `references`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct JsonColumns {
    pub summary: String,
    pub details: String,
    pub aliases: Value,
    pub references: Value,
    pub affected: Value,
    pub severity: Value,
    pub cwe_ids: Value,
    pub credits: Value,
}

impl Payload {
    /// Reads untrusted content (an API body): an object whose content keys
    /// are all optional (absent or `null` = empty). Every shape problem is a
    /// field error with the §4 code of its field; keys other than the content
    /// keys, and unknown keys inside elements, are ignored. The result still
    /// has to go through [`validate`] (or use [`validate_json`]).
    pub fn from_json(value: &Value) -> Result<Payload, FieldErrors> {
        let mut reader = Reader::strict();
        let payload = reader.payload(value, "");
        reader.finish(payload)
    }

    /// Reads a stored JSON object with the content keys, such as a version
    /// snapshot (§6.1), tolerating what it cannot read: a missing or
    /// mistyped key is empty, an unreadable element is skipped.
    pub fn from_snapshot(value: &Value) -> Payload {
        Reader::lenient().payload(value, "").unwrap_or_default()
    }

    /// Reads the advisory row's content columns, as tolerantly as
    /// [`Payload::from_snapshot`].
    pub fn from_columns(columns: JsonColumns) -> Payload {
        let mut reader = Reader::lenient();
        Payload {
            summary: columns.summary,
            details: columns.details,
            aliases: reader.texts(Some(&columns.aliases), "aliases", codes::INVALID_ALIASES),
            references: reader.elements(
                Some(&columns.references),
                "references",
                codes::INVALID_REFERENCES,
                Reader::reference,
            ),
            affected: reader.elements(
                Some(&columns.affected),
                "affected",
                codes::INVALID_AFFECTED,
                Reader::affected,
            ),
            severity: reader.elements(
                Some(&columns.severity),
                "severity",
                codes::INVALID_SEVERITY,
                Reader::severity_entry,
            ),
            cwe_ids: reader.texts(Some(&columns.cwe_ids), "cwe_ids", codes::INVALID_CWE_IDS),
            credits: reader.elements(
                Some(&columns.credits),
                "credits",
                codes::INVALID_CREDITS,
                Reader::credit,
            ),
        }
    }
}

/// The values to write to the advisory row's content columns. The derived
/// `severity_level` / `severity_score` come from [`Normalized::severity`].
pub fn to_json_columns(content: &Normalized) -> JsonColumns {
    let p = &content.0;
    JsonColumns {
        summary: p.summary.clone(),
        details: p.details.clone(),
        aliases: strings(&p.aliases),
        references: objects(&p.references, Reference::to_json),
        affected: objects(&p.affected, Affected::to_json),
        severity: objects(&p.severity, SeverityEntry::to_json),
        cwe_ids: strings(&p.cwe_ids),
        credits: objects(&p.credits, Credit::to_json),
    }
}

macro_rules! serde_through_json {
    ($($ty:ty => $read:path),+ $(,)?) => {
        $(
            impl Serialize for $ty {
                fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                    self.to_json().serialize(serializer)
                }
            }

            /// Strict: a shape problem is an error listing the field errors.
            impl<'de> Deserialize<'de> for $ty {
                fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                    let value = Value::deserialize(deserializer)?;
                    let mut reader = Reader::strict();
                    let read = $read(&mut reader, &value, "");
                    reader.finish(read).map_err(serde::de::Error::custom)
                }
            }
        )+
    };
}

serde_through_json! {
    Payload => Reader::payload,
    Reference => Reader::reference,
    Affected => Reader::affected,
    Range => Reader::range,
    Event => Reader::event,
    SeverityEntry => Reader::severity_entry,
    Credit => Reader::credit,
}

impl Serialize for Package {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_json().serialize(serializer)
    }
}

// ---------------------------------------------------------------------------
// Errors

/// One problem, attached to one field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// The path of the offending value, e.g. `summary`, `references[2].url`,
    /// `affected[0].package.ecosystem`, `affected[0].ranges[1].events`,
    /// `affected[0].ranges[1].events[0]`, `cwe_ids[3]`. Indexes are 0-based
    /// positions in the payload that was validated.
    pub field: String,
    /// The stable code of the field's group ([`codes`]).
    pub code: &'static str,
    /// What is wrong and what is expected, for people.
    pub message: String,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.field, self.message)
        }
    }
}

/// Every problem found, in payload order (summary, details, aliases,
/// references, affected, severity, cwe_ids, credits; then by index, then by
/// key within an element). Never empty when returned as an error.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct FieldErrors(Vec<FieldError>);

impl FieldErrors {
    pub fn as_slice(&self) -> &[FieldError] {
        &self.0
    }

    pub fn iter(&self) -> std::slice::Iter<'_, FieldError> {
        self.0.iter()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The first error on exactly `field`.
    pub fn get(&self, field: &str) -> Option<&FieldError> {
        self.0.iter().find(|e| e.field == field)
    }

    /// The errors on `field` and everything inside it (`affected[0]` covers
    /// `affected[0].package.name` and `affected[0].ranges[1].events`, not
    /// `affected[10]`).
    pub fn within<'a>(&'a self, field: &'a str) -> impl Iterator<Item = &'a FieldError> + 'a {
        self.0.iter().filter(move |e| {
            e.field
                .strip_prefix(field)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[']))
        })
    }

    pub fn into_vec(self) -> Vec<FieldError> {
        self.0
    }
}

impl fmt::Display for FieldErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for FieldErrors {}

/// Errors found outside the content validator (the form's own fields, the
/// project choice), reported the same way.
impl From<Vec<FieldError>> for FieldErrors {
    fn from(errors: Vec<FieldError>) -> Self {
        FieldErrors(errors)
    }
}

impl IntoIterator for FieldErrors {
    type Item = FieldError;
    type IntoIter = std::vec::IntoIter<FieldError>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a FieldErrors {
    type Item = &'a FieldError;
    type IntoIter = std::slice::Iter<'a, FieldError>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

// ---------------------------------------------------------------------------
// Validated content

/// A payload that passed [`validate`], in its stored spelling. The only
/// values that may be written to the content columns or a version snapshot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Normalized(Payload);

impl Normalized {
    pub fn payload(&self) -> &Payload {
        &self.0
    }

    pub fn into_payload(self) -> Payload {
        self.0
    }

    /// The derived `(severity_level, severity_score)` of §5.
    pub fn severity(&self) -> (Level, Option<f64>) {
        severity::worst(&self.0.severity)
    }

    /// The eight content keys as one JSON object (for the version snapshot).
    pub fn to_json(&self) -> Value {
        self.0.to_json()
    }
}

impl Serialize for Normalized {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

// ---------------------------------------------------------------------------
// Value checks shared with other paths

/// Why `url` is not an acceptable reference URL (§2.8), or `Ok`.
fn check_reference_url(url: &str) -> Result<(), String> {
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(
            "A URL cannot contain spaces, tabs or line breaks; encode a space as %20.".to_owned(),
        );
    }
    match Url::parse(url) {
        Err(url::ParseError::RelativeUrlWithoutBase) => Err(format!(
            "{} is not an absolute URL; write it in full, starting with https://.",
            shown(url)
        )),
        Err(e) => Err(format!("{} is not a valid URL: {e}.", shown(url))),
        Ok(parsed) if !REFERENCE_URL_SCHEMES.contains(&parsed.scheme()) => Err(format!(
            "{}: URLs are not allowed; a reference URL must start with http://, https://, \
             ftp:// or ftps://.",
            parsed.scheme()
        )),
        Ok(parsed) if parsed.host_str().is_none_or(str::is_empty) => Err(format!(
            "{} has no host name; write the full address, e.g. https://example.org/advisory.",
            shown(url)
        )),
        Ok(_) => Ok(()),
    }
}

/// The §2.8 predicate: a syntactically valid absolute URL with a host and
/// the scheme `http`, `https`, `ftp` or `ftps`, without whitespace.
/// Surrounding whitespace is ignored. The GHSA import drops references that
/// fail it; pages may use it before linking any other stored URL.
pub fn is_safe_reference_url(url: &str) -> bool {
    check_reference_url(url.trim()).is_ok()
}

/// What the edit form's reference URL field means by its input: trimmed,
/// and a scheme-less address is taken as `https://` (50-web-ui §7.1). The
/// validator itself requires an absolute URL.
pub fn reference_url_from_form_input(input: &str) -> String {
    let url = input.trim();
    if !url.is_empty() && Url::parse(url) == Err(url::ParseError::RelativeUrlWithoutBase) {
        format!("https://{}", url.trim_start_matches('/'))
    } else {
        url.to_owned()
    }
}

/// The loose purl shape of §2.5: `^pkg:[A-Za-z0-9.+-]+/\S+$`. Qualifiers and
/// `@version` are tolerated (ruling 38).
pub fn is_purl_shaped(purl: &str) -> bool {
    let Some(rest) = purl.strip_prefix("pkg:") else {
        return false;
    };
    let Some((kind, name)) = rest.split_once('/') else {
        return false;
    };
    !kind.is_empty()
        && kind
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '+' | '-'))
        && !name.is_empty()
        && !name.chars().any(char::is_whitespace)
}

/// A value quoted for a message, shortened so a pasted essay does not become
/// the message.
fn shown(value: &str) -> String {
    const MAX: usize = 60;
    if value.chars().count() > MAX {
        let head: String = value.chars().take(MAX).collect();
        format!("{:?}", format!("{head}…"))
    } else {
        format!("{value:?}")
    }
}

fn capitalised(message: &str) -> String {
    let mut chars = message.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

// ---------------------------------------------------------------------------
// The validator

struct Validator {
    errors: Vec<FieldError>,
}

impl Validator {
    fn error(&mut self, field: impl Into<String>, code: &'static str, message: impl Into<String>) {
        self.errors.push(FieldError {
            field: field.into(),
            code,
            message: message.into(),
        });
    }

    /// Records an error and returns `true` when `value` is longer than `max`.
    fn too_long(
        &mut self,
        field: &str,
        code: &'static str,
        value: &str,
        max: usize,
        what: &str,
    ) -> bool {
        let length = value.chars().count();
        if length > max {
            self.error(
                field,
                code,
                format!("{what} is {length} characters long; at most {max} are allowed."),
            );
        }
        length > max
    }

    fn summary(&mut self, summary: &str) -> String {
        let summary = summary.trim();
        self.too_long(
            "summary",
            codes::INVALID_SUMMARY,
            summary,
            SUMMARY_MAX_CHARS,
            "The summary",
        );
        summary.to_owned()
    }

    fn alias(&mut self, i: usize, alias: &str) -> String {
        let field = format!("aliases[{i}]");
        let code = codes::INVALID_ALIASES;
        let alias = alias.trim();
        if alias.is_empty() {
            self.error(
                field,
                code,
                "An alias cannot be blank; enter an identifier (a GHSA id, a vendor id, another \
                 CVE) or remove it.",
            );
        } else {
            self.too_long(&field, code, alias, ALIAS_MAX_CHARS, "The alias");
        }
        alias.to_owned()
    }

    fn reference(&mut self, i: usize, reference: &Reference) -> Reference {
        let path = format!("references[{i}]");
        let code = codes::INVALID_REFERENCES;
        let kind = match reference.kind.trim() {
            "" => RefType::Web.as_str(),
            kind => {
                if let Err(e) = RefType::from_str(kind) {
                    self.error(
                        join(&path, "type"),
                        code,
                        format!("{} (WEB when unsure).", capitalised(&e.to_string())),
                    );
                }
                kind
            }
        };
        let url = reference.url.trim();
        let url_field = join(&path, "url");
        if url.is_empty() {
            self.error(
                url_field,
                code,
                "A reference needs a URL, e.g. https://example.org/advisory.",
            );
        } else if !self.too_long(&url_field, code, url, REFERENCE_URL_MAX_CHARS, "The URL")
            && let Err(message) = check_reference_url(url)
        {
            self.error(url_field, code, message);
        }
        Reference {
            kind: kind.to_owned(),
            url: url.to_owned(),
        }
    }

    fn package(&mut self, path: &str, package: &Package) -> Package {
        let code = codes::INVALID_AFFECTED;
        let name = package.name.trim();
        let name_field = join(path, "name");
        if name.is_empty() {
            self.error(
                name_field,
                code,
                "The package name is required, e.g. org.eclipse.jetty:jetty-server for Maven.",
            );
        } else {
            self.too_long(
                &name_field,
                code,
                name,
                PACKAGE_NAME_MAX_CHARS,
                "The package name",
            );
        }

        let ecosystem = package.ecosystem.trim();
        let ecosystem_field = join(path, "ecosystem");
        if ecosystem.is_empty() {
            self.error(
                ecosystem_field,
                code,
                "The ecosystem is required: one of the OSV ecosystems such as Maven, npm or \
                 PyPI, optionally followed by a suffix such as Debian:11.",
            );
        } else if !self.too_long(
            &ecosystem_field,
            code,
            ecosystem,
            ECOSYSTEM_MAX_CHARS,
            "The ecosystem",
        ) && !ecosystems::is_valid_ecosystem(ecosystem)
        {
            self.error(ecosystem_field, code, ecosystem_message(ecosystem));
        }

        let purl = package.purl.trim();
        let purl_field = join(path, "purl");
        if !purl.is_empty()
            && !self.too_long(&purl_field, code, purl, PURL_MAX_CHARS, "The package URL")
            && !is_purl_shaped(purl)
        {
            self.error(
                purl_field,
                code,
                format!(
                    "{} is not a package URL; expected pkg:<type>/<name>, e.g. \
                     pkg:maven/org.eclipse.jetty/jetty-server (an @version is allowed), or \
                     leave it empty.",
                    shown(purl)
                ),
            );
        }

        Package {
            ecosystem: ecosystem.to_owned(),
            name: name.to_owned(),
            purl: purl.to_owned(),
        }
    }

    fn affected(&mut self, i: usize, affected: &Affected) -> Affected {
        let path = format!("affected[{i}]");
        let package = self.package(&join(&path, "package"), &affected.package);
        let versions: Vec<String> = affected
            .versions
            .iter()
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
            .collect();
        if affected.ranges.is_empty() && versions.is_empty() {
            self.error(
                path.clone(),
                codes::INVALID_AFFECTED,
                "This package needs at least one version range or a list of affected versions.",
            );
        }
        let ranges = affected
            .ranges
            .iter()
            .enumerate()
            .map(|(j, range)| self.range(&format!("{path}.ranges[{j}]"), range))
            .collect();
        Affected {
            package,
            ranges,
            versions,
        }
    }

    fn range(&mut self, path: &str, range: &Range) -> Range {
        let code = codes::INVALID_AFFECTED;
        let kind = range.kind.trim();
        if kind.is_empty() {
            self.error(
                join(path, "type"),
                code,
                "A range needs a type: SEMVER, ECOSYSTEM or GIT.",
            );
        } else if let Err(e) = RangeType::from_str(kind) {
            self.error(
                join(path, "type"),
                code,
                format!("{}.", capitalised(&e.to_string())),
            );
        }

        let events_field = join(path, "events");
        let mut events = Vec::with_capacity(range.events.len());
        for (k, event) in range.events.iter().enumerate() {
            let value = event.value.trim();
            let field = format!("{events_field}[{k}]");
            if value.is_empty() {
                let hint = if event.kind == EventKind::Introduced {
                    " (\"0\" means from the first version on)"
                } else {
                    ""
                };
                self.error(
                    field,
                    code,
                    format!("The {} event needs a version{hint}.", event.kind),
                );
            } else {
                self.too_long(&field, code, value, EVENT_VALUE_MAX_CHARS, "The version");
            }
            events.push(Event {
                kind: event.kind,
                value: value.to_owned(),
            });
        }

        let has = |kind: EventKind| events.iter().any(|e| e.kind == kind);
        if events.is_empty() {
            self.error(
                events_field,
                code,
                "A range needs events: at least an introduced event, usually followed by a \
                 fixed or last_affected event.",
            );
        } else {
            let (introduced, fixed, last_affected) = (
                has(EventKind::Introduced),
                has(EventKind::Fixed),
                has(EventKind::LastAffected),
            );
            if !introduced {
                self.error(
                    events_field.clone(),
                    code,
                    "A range needs an introduced event; use \"0\" if every version before the \
                     fix is affected.",
                );
            }
            if fixed && last_affected {
                self.error(
                    events_field,
                    code,
                    "A range cannot have both fixed and last_affected events; keep the one that \
                     applies, or split it into two ranges.",
                );
            }
        }

        Range {
            kind: kind.to_owned(),
            repo: range.repo.trim().to_owned(),
            events,
        }
    }

    fn severity(&mut self, i: usize, entry: &SeverityEntry) -> SeverityEntry {
        let path = format!("severity[{i}]");
        let code = codes::INVALID_SEVERITY;
        let kind = entry.kind.trim();
        let declared = if kind.is_empty() {
            self.error(
                join(&path, "type"),
                code,
                "A severity needs a type: CVSS_V3, CVSS_V4, CVSS_V2 or Ubuntu.",
            );
            None
        } else {
            match SeverityType::from_str(kind) {
                Ok(declared) => Some(declared),
                Err(e) => {
                    self.error(
                        join(&path, "type"),
                        code,
                        format!("{} (the case matters).", capitalised(&e.to_string())),
                    );
                    None
                }
            }
        };

        let mut score = entry.score.trim().to_owned();
        let score_field = join(&path, "score");
        if score.is_empty() {
            let message = if declared == Some(SeverityType::Ubuntu) {
                "Pick an Ubuntu priority: negligible, low, medium, high or critical."
            } else {
                "Enter the CVSS vector, e.g. CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H."
            };
            self.error(score_field, code, message);
        } else if !self.too_long(
            &score_field,
            code,
            &score,
            SEVERITY_SCORE_MAX_CHARS,
            "The score",
        ) {
            match declared {
                Some(SeverityType::Ubuntu) => match UbuntuPriority::from_str(&score.to_lowercase())
                {
                    Ok(priority) => priority.as_str().clone_into(&mut score),
                    Err(_) => self.error(
                        score_field,
                        code,
                        format!(
                            "{} is not an Ubuntu priority; expected negligible, low, medium, \
                             high or critical.",
                            shown(&score)
                        ),
                    ),
                },
                Some(declared) => {
                    if let Err(e) = severity::parse_cvss(declared, &score) {
                        self.error(
                            score_field,
                            code,
                            format!("{}.", capitalised(&e.to_string())),
                        );
                    }
                }
                None => {}
            }
        }
        SeverityEntry {
            kind: kind.to_owned(),
            score,
        }
    }

    fn cwe_id(&mut self, i: usize, id: &str) -> String {
        let field = format!("cwe_ids[{i}]");
        let code = codes::INVALID_CWE_IDS;
        let normalized = cwe::normalize(id);
        if normalized.is_empty() {
            self.error(
                field,
                code,
                "A CWE id cannot be blank; enter one such as CWE-79, or remove it.",
            );
        } else if !normalized.starts_with("CWE-") {
            self.error(
                field,
                code,
                format!(
                    "{} is not a CWE id; expected CWE- followed by a number, e.g. CWE-79.",
                    shown(id.trim())
                ),
            );
        } else if !cwe::is_known(&normalized) {
            self.error(
                field,
                code,
                format!(
                    "{normalized} is not a weakness in the CWE catalogue (version {}); pick one \
                     from the list. Categories, views and deprecated entries are not accepted.",
                    cwe::catalog_version()
                ),
            );
        }
        normalized
    }

    fn credit(&mut self, i: usize, credit: &Credit) -> Credit {
        let path = format!("credits[{i}]");
        let code = codes::INVALID_CREDITS;
        let name = credit.name.trim();
        let name_field = join(&path, "name");
        if name.is_empty() {
            self.error(name_field, code, "A credit needs a name.");
        } else {
            self.too_long(&name_field, code, name, CREDIT_NAME_MAX_CHARS, "The name");
        }
        let kind = credit.kind.trim();
        if !kind.is_empty()
            && let Err(e) = CreditType::from_str(kind)
        {
            self.error(
                join(&path, "type"),
                code,
                format!("{}, or no type.", capitalised(&e.to_string())),
            );
        }
        Credit {
            name: name.to_owned(),
            contact: credit
                .contact
                .iter()
                .map(|c| c.trim())
                .filter(|c| !c.is_empty())
                .map(str::to_owned)
                .collect(),
            kind: kind.to_owned(),
        }
    }
}

/// The most helpful explanation for an ecosystem that is not accepted.
fn ecosystem_message(ecosystem: &str) -> String {
    let (base, suffix) = match ecosystem.split_once(':') {
        Some((base, suffix)) => (base, Some(suffix)),
        None => (ecosystem, None),
    };
    if ecosystems::ECOSYSTEMS.contains(&base) {
        return if suffix.is_some_and(str::is_empty) {
            format!(
                "Nothing follows the colon in {}; remove the colon or add a release, e.g. \
                 Debian:11.",
                shown(ecosystem)
            )
        } else {
            "The ecosystem's suffix cannot contain a line break.".to_owned()
        };
    }
    if let Some(known) = ecosystems::ECOSYSTEMS
        .iter()
        .find(|known| known.eq_ignore_ascii_case(base))
    {
        let suggestion = match suffix {
            Some(suffix) => format!("{known}:{suffix}"),
            None => (*known).to_owned(),
        };
        return format!(
            "Unknown ecosystem {}: ecosystem names are case-sensitive; did you mean {}?",
            shown(ecosystem),
            shown(&suggestion)
        );
    }
    format!(
        "Unknown ecosystem {}; expected one of the OSV ecosystems (e.g. Maven, npm, PyPI, Go, \
         crates.io, Debian), optionally followed by a suffix such as Debian:11.",
        shown(ecosystem)
    )
}

/// Checks `payload` against every rule of §4 with the caps of 50-web-ui §7.1
/// and returns it in its stored spelling, or every problem found.
///
/// Normalisation: NUL characters are removed, text is trimmed (`details`
/// only at its end, since leading spaces are markdown), a blank reference type becomes `WEB`, an Ubuntu
/// priority is lower-cased, CWE ids are upper-cased, blank `versions` and
/// `contact` entries are dropped. CVSS vectors must parse as the version their
/// `type` declares and in the spelling the OSV schema requires.
pub fn validate(payload: &Payload) -> Result<Normalized, FieldErrors> {
    // Postgres refuses NUL in `text` and `jsonb` strings; no advisory text
    // means anything by it, so it is dropped rather than failing the write.
    let mut cleaned = payload.clone();
    for_each_string(&mut cleaned, |s| s.retain(|c| c != '\0'));
    let payload = &cleaned;
    let mut v = Validator { errors: Vec::new() };
    let normalized = Payload {
        summary: v.summary(&payload.summary),
        details: payload.details.trim_end().to_owned(),
        aliases: enumerate_map(&payload.aliases, |i, a| v.alias(i, a)),
        references: enumerate_map(&payload.references, |i, r| v.reference(i, r)),
        affected: enumerate_map(&payload.affected, |i, a| v.affected(i, a)),
        severity: enumerate_map(&payload.severity, |i, s| v.severity(i, s)),
        cwe_ids: enumerate_map(&payload.cwe_ids, |i, c| v.cwe_id(i, c)),
        credits: enumerate_map(&payload.credits, |i, c| v.credit(i, c)),
    };
    if v.errors.is_empty() {
        Ok(Normalized(normalized))
    } else {
        Err(FieldErrors(v.errors))
    }
}

/// Calls `f` on every string of `payload`.
fn for_each_string(payload: &mut Payload, f: impl Fn(&mut String)) {
    f(&mut payload.summary);
    f(&mut payload.details);
    payload.aliases.iter_mut().for_each(&f);
    for reference in &mut payload.references {
        f(&mut reference.kind);
        f(&mut reference.url);
    }
    for affected in &mut payload.affected {
        f(&mut affected.package.ecosystem);
        f(&mut affected.package.name);
        f(&mut affected.package.purl);
        for range in &mut affected.ranges {
            f(&mut range.kind);
            f(&mut range.repo);
            range.events.iter_mut().for_each(|e| f(&mut e.value));
        }
        affected.versions.iter_mut().for_each(&f);
    }
    for entry in &mut payload.severity {
        f(&mut entry.kind);
        f(&mut entry.score);
    }
    payload.cwe_ids.iter_mut().for_each(&f);
    for credit in &mut payload.credits {
        f(&mut credit.name);
        credit.contact.iter_mut().for_each(&f);
        f(&mut credit.kind);
    }
}

fn enumerate_map<T, U>(items: &[T], mut f: impl FnMut(usize, &T) -> U) -> Vec<U> {
    items
        .iter()
        .enumerate()
        .map(|(i, item)| f(i, item))
        .collect()
}

/// [`Payload::from_json`] then [`validate`]: the API's entry point.
pub fn validate_json(value: &Value) -> Result<Normalized, FieldErrors> {
    validate(&Payload::from_json(value)?)
}

/// For paths that must not reject (the GHSA import, §4): validates, drops
/// every element that has an error (an alias, reference, severity entry, CWE
/// id or credit; a range, or a whole affected entry when its package is
/// wrong or nothing valid is left of it) and shortens an over-long summary,
/// then returns the valid remainder with the errors that caused the drops.
/// The drops happen in passes (an affected entry whose ranges were all
/// dropped goes in the next one); an error's indexes refer to the payload as
/// it was at the start of its pass.
pub fn validate_dropping_invalid(payload: &Payload) -> (Normalized, FieldErrors) {
    let mut current = payload.clone();
    let mut dropped = Vec::new();
    // Dropping ranges can empty an affected entry, which the next pass drops;
    // nothing else can fail after that, so three passes always suffice.
    for _ in 0..3 {
        match validate(&current) {
            Ok(normalized) => return (normalized, FieldErrors(dropped)),
            Err(errors) => {
                drop_invalid(&mut current, &errors);
                dropped.extend(errors);
            }
        }
    }
    for_each_string(&mut current, |s| s.retain(|c| c != '\0'));
    let fallback = Payload {
        summary: current
            .summary
            .trim()
            .chars()
            .take(SUMMARY_MAX_CHARS)
            .collect(),
        details: current.details.trim_end().to_owned(),
        ..Payload::default()
    };
    (Normalized(fallback), FieldErrors(dropped))
}

/// `"references[2].url"` → `("references", Some(2), rest ".url")`.
fn split_index(field: &str) -> Option<(&str, usize, &str)> {
    let (head, tail) = field.split_once('[')?;
    let (index, rest) = tail.split_once(']')?;
    Some((head, index.parse().ok()?, rest))
}

fn drop_invalid(payload: &mut Payload, errors: &FieldErrors) {
    let mut drop: Vec<(String, usize)> = Vec::new();
    let mut drop_ranges: Vec<(usize, usize)> = Vec::new();
    for error in errors {
        if error.field == "summary" {
            let shortened: String = payload
                .summary
                .trim()
                .chars()
                .take(SUMMARY_MAX_CHARS - 1)
                .collect();
            payload.summary = format!("{shortened}…");
            continue;
        }
        let Some((list, index, rest)) = split_index(&error.field) else {
            continue;
        };
        if list == "affected"
            && let Some((".ranges", range, _)) = split_index(rest)
        {
            drop_ranges.push((index, range));
            continue;
        }
        drop.push((list.to_owned(), index));
    }
    drop_ranges.sort_unstable();
    drop_ranges.dedup();
    for &(a, r) in drop_ranges.iter().rev() {
        if let Some(affected) = payload.affected.get_mut(a) {
            remove_at(&mut affected.ranges, r);
        }
    }
    drop.sort_unstable();
    drop.dedup();
    for (list, index) in drop.iter().rev() {
        match list.as_str() {
            "aliases" => remove_at(&mut payload.aliases, *index),
            "references" => remove_at(&mut payload.references, *index),
            "affected" => remove_at(&mut payload.affected, *index),
            "severity" => remove_at(&mut payload.severity, *index),
            "cwe_ids" => remove_at(&mut payload.cwe_ids, *index),
            "credits" => remove_at(&mut payload.credits, *index),
            _ => {}
        }
    }
}

fn remove_at<T>(items: &mut Vec<T>, index: usize) {
    if index < items.len() {
        items.remove(index);
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const V31_HIGH: &str = "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:N";
    const V40_CRITICAL: &str = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N";

    fn event(kind: EventKind, value: &str) -> Event {
        Event {
            kind,
            value: value.to_owned(),
        }
    }

    fn range(kind: &str, events: Vec<Event>) -> Range {
        Range {
            kind: kind.to_owned(),
            repo: String::new(),
            events,
        }
    }

    fn package(ecosystem: &str, name: &str) -> Package {
        Package {
            ecosystem: ecosystem.to_owned(),
            name: name.to_owned(),
            purl: String::new(),
        }
    }

    fn valid() -> Payload {
        Payload {
            summary: "Heap overflow in the HTTP/2 HPACK decoder".into(),
            details: "A crafted `HEADERS` frame overflows the decoder's table.".into(),
            aliases: vec!["GHSA-wgh7-54f2-x98r".into()],
            references: vec![Reference {
                kind: "FIX".into(),
                url: "https://github.com/jetty/jetty.project/commit/0b1f8b5".into(),
            }],
            affected: vec![Affected {
                package: Package {
                    ecosystem: "Maven".into(),
                    name: "org.eclipse.jetty.http2:http2-hpack".into(),
                    purl: "pkg:maven/org.eclipse.jetty.http2/http2-hpack".into(),
                },
                ranges: vec![range(
                    "ECOSYSTEM",
                    vec![
                        event(EventKind::Introduced, "9.3.0"),
                        event(EventKind::Fixed, "9.4.52"),
                    ],
                )],
                versions: vec![],
            }],
            severity: vec![SeverityEntry {
                kind: "CVSS_V3".into(),
                score: V31_HIGH.into(),
            }],
            cwe_ids: vec!["CWE-787".into()],
            credits: vec![Credit {
                name: "Ada Lovelace".into(),
                contact: vec![],
                kind: "FINDER".into(),
            }],
        }
    }

    fn errors(payload: &Payload) -> FieldErrors {
        validate(payload).unwrap_err()
    }

    /// The one error `payload` has; fails when it has none or several.
    fn single(payload: &Payload) -> FieldError {
        let errors = errors(payload);
        assert_eq!(errors.len(), 1, "{errors}");
        errors.into_vec().remove(0)
    }

    fn assert_error(payload: &Payload, field: &str, code: &str, needle: &str) {
        let error = single(payload);
        assert_eq!(error.field, field, "{error}");
        assert_eq!(error.code, code, "{error}");
        assert!(
            error.message.contains(needle),
            "{:?} does not mention {needle:?}",
            error.message
        );
    }

    // --- the whole payload -------------------------------------------------

    #[test]
    fn a_complete_payload_is_valid() {
        let normalized = validate(&valid()).unwrap();
        assert_eq!(normalized.payload(), &valid());
        assert_eq!(normalized.severity(), (Level::High, Some(8.1)));
    }

    #[test]
    fn an_empty_payload_is_valid() {
        let normalized = validate(&Payload::default()).unwrap();
        assert_eq!(normalized.severity(), (Level::None, None));
    }

    // INV-VERSION-1: re-validating stored content changes nothing, so a
    // no-op edit appends no version.
    #[test]
    fn validation_is_idempotent() {
        let mut messy = valid();
        messy.summary = "  Overflow \n".into();
        messy.details = "    indented code\n\n".into();
        messy.aliases = vec![" GHSA-wgh7-54f2-x98r ".into()];
        messy.references[0].kind = String::new();
        messy.references[0].url = " https://example.org/a ".into();
        messy.affected[0].versions = vec![" 1.0 ".into(), "  ".into(), String::new()];
        messy.affected[0].ranges[0].events[0].value = " 9.3.0".into();
        messy.severity.push(SeverityEntry {
            kind: " Ubuntu ".into(),
            score: "High".into(),
        });
        messy.cwe_ids = vec![" cwe-79".into()];
        messy.credits[0].contact = vec![" mailto:ada@example.org ".into(), " ".into()];
        let once = validate(&messy).unwrap();
        let twice = validate(once.payload()).unwrap();
        assert_eq!(once, twice);
    }

    #[test]
    fn normalisation_trims_defaults_and_upper_cases() {
        let mut p = valid();
        p.summary = "  Overflow \n".into();
        p.details = "    indented code\n\n".into();
        p.references[0].kind = "  ".into();
        p.references[0].url = " https://example.org/a ".into();
        p.affected[0].package.name = " org.example:lib ".into();
        p.affected[0].versions = vec![" 1.0 ".into(), "  ".into(), String::new()];
        p.affected[0].ranges[0].repo = " https://github.com/jetty/jetty.project ".into();
        p.severity = vec![SeverityEntry {
            kind: "Ubuntu".into(),
            score: " High ".into(),
        }];
        p.cwe_ids = vec![" cwe-79".into()];
        p.credits[0].contact = vec![" mailto:ada@example.org ".into(), " ".into()];
        let n = validate(&p).unwrap().into_payload();
        assert_eq!(n.summary, "Overflow");
        assert_eq!(n.details, "    indented code");
        assert_eq!(n.references[0].kind, "WEB");
        assert_eq!(n.references[0].url, "https://example.org/a");
        assert_eq!(n.affected[0].package.name, "org.example:lib");
        assert_eq!(n.affected[0].versions, vec!["1.0"]);
        assert_eq!(
            n.affected[0].ranges[0].repo,
            "https://github.com/jetty/jetty.project"
        );
        assert_eq!(n.severity[0].score, "high");
        assert_eq!(n.cwe_ids, vec!["CWE-79"]);
        assert_eq!(n.credits[0].contact, vec!["mailto:ada@example.org"]);
    }

    #[test]
    fn nul_characters_are_dropped() {
        let mut p = valid();
        p.summary = "Over\0flow".into();
        p.affected[0].ranges[0].events[0].value = "9.3.0\0".into();
        p.credits[0].contact = vec!["\0".into()];
        let n = validate(&p).unwrap().into_payload();
        assert_eq!(n.summary, "Overflow");
        assert_eq!(n.affected[0].ranges[0].events[0].value, "9.3.0");
        assert!(n.credits[0].contact.is_empty());
    }

    #[test]
    fn errors_come_in_payload_order_with_their_codes() {
        let mut p = valid();
        p.summary = "x".repeat(301);
        p.aliases = vec![" ".into()];
        p.references[0].url = "javascript:alert(1)".into();
        p.affected[0].package.ecosystem = "Mavem".into();
        p.severity[0].kind = "CVSS_V5".into();
        p.cwe_ids = vec!["CWE-0".into()];
        p.credits[0].name = String::new();
        let got: Vec<(String, &str)> = errors(&p).into_iter().map(|e| (e.field, e.code)).collect();
        assert_eq!(
            got,
            vec![
                ("summary".to_owned(), "invalid_summary"),
                ("aliases[0]".to_owned(), "invalid_aliases"),
                ("references[0].url".to_owned(), "invalid_references"),
                (
                    "affected[0].package.ecosystem".to_owned(),
                    "invalid_affected"
                ),
                ("severity[0].type".to_owned(), "invalid_severity"),
                ("cwe_ids[0]".to_owned(), "invalid_cwe_ids"),
                ("credits[0].name".to_owned(), "invalid_credits"),
            ]
        );
    }

    // --- summary and details (§4.1, 50 §7.1) -------------------------------

    #[test]
    fn summary_is_capped_at_300_characters() {
        let mut p = valid();
        p.summary = "é".repeat(300);
        assert!(validate(&p).is_ok(), "characters, not bytes");
        p.summary = "x".repeat(301);
        assert_error(
            &p,
            "summary",
            codes::INVALID_SUMMARY,
            "301 characters long; at most 300",
        );
    }

    #[test]
    fn details_have_no_cap_in_the_model() {
        let mut p = valid();
        p.details = "x".repeat(INTAKE_DETAILS_MAX_CHARS * 2);
        assert!(validate(&p).is_ok());
    }

    // --- aliases (§4.2) ------------------------------------------------------

    #[test]
    fn aliases_must_not_be_blank() {
        let mut p = valid();
        p.aliases = vec!["CVE-2024-1234".into(), "   ".into()];
        assert_error(&p, "aliases[1]", codes::INVALID_ALIASES, "cannot be blank");
    }

    #[test]
    fn aliases_are_capped_at_200_characters() {
        let mut p = valid();
        p.aliases = vec!["a".repeat(200)];
        assert!(validate(&p).is_ok());
        p.aliases = vec!["a".repeat(201)];
        assert_error(&p, "aliases[0]", codes::INVALID_ALIASES, "at most 200");
    }

    #[test]
    fn aliases_are_free_form() {
        let mut p = valid();
        p.aliases = vec![
            "RHSA-2024:1234".into(),
            "vendor id #7".into(),
            "CVE-2023-44487".into(),
        ];
        assert!(validate(&p).is_ok());
    }

    // --- references (§4.3, §2.8) -------------------------------------------

    #[test]
    fn reference_url_is_required() {
        let mut p = valid();
        p.references[0].url = "  ".into();
        assert_error(
            &p,
            "references[0].url",
            codes::INVALID_REFERENCES,
            "needs a URL",
        );
    }

    #[test]
    fn unsafe_reference_schemes_are_rejected() {
        for (url, scheme) in [
            ("javascript:alert(1)", "javascript:"),
            ("JavaScript:alert(1)", "javascript:"),
            ("data:text/html,<script>alert(1)</script>", "data:"),
            ("vbscript:msgbox", "vbscript:"),
            ("mailto:security@example.org", "mailto:"),
            ("file:///etc/passwd", "file:"),
            ("git://github.com/jetty/jetty.project", "git:"),
        ] {
            let mut p = valid();
            p.references[0].url = url.into();
            assert_error(&p, "references[0].url", codes::INVALID_REFERENCES, scheme);
        }
    }

    #[test]
    fn reference_urls_must_be_absolute_with_a_host_and_no_spaces() {
        for (url, needle) in [
            ("example.org/advisory", "not an absolute URL"),
            ("/advisories/1", "not an absolute URL"),
            ("https://exa mple.org/", "cannot contain spaces"),
            ("https://example.org/a b", "cannot contain spaces"),
            ("https://example.org/\nx", "cannot contain spaces"),
            ("ftps:relative", "has no host"),
            ("https://", "not a valid URL"),
            ("http://[::1", "not a valid URL"),
        ] {
            let mut p = valid();
            p.references[0].url = url.into();
            assert_error(&p, "references[0].url", codes::INVALID_REFERENCES, needle);
        }
    }

    #[test]
    fn the_four_allowed_schemes_pass() {
        for url in [
            "http://example.org",
            "https://example.org/advisory?id=1#x",
            "HTTPS://EXAMPLE.ORG/",
            "ftp://ftp.example.org/pub/patch.diff",
            "ftps://ftp.example.org/pub/patch.diff",
        ] {
            let mut p = valid();
            p.references[0].url = url.into();
            assert!(validate(&p).is_ok(), "{url}");
            assert!(is_safe_reference_url(url), "{url}");
        }
    }

    #[test]
    fn reference_urls_are_capped_at_2000_characters() {
        let mut p = valid();
        let base = "https://example.org/";
        p.references[0].url = format!("{base}{}", "a".repeat(2000 - base.len()));
        assert!(validate(&p).is_ok());
        p.references[0].url.push('a');
        assert_error(
            &p,
            "references[0].url",
            codes::INVALID_REFERENCES,
            "2001 characters long",
        );
    }

    #[test]
    fn reference_type_defaults_to_web_and_must_be_known() {
        for kind in RefType::ALL {
            let mut p = valid();
            p.references[0].kind = kind.as_str().into();
            assert!(validate(&p).is_ok(), "{kind}");
        }
        let mut p = valid();
        p.references[0].kind = "fix".into();
        assert_error(
            &p,
            "references[0].type",
            codes::INVALID_REFERENCES,
            "ADVISORY, ARTICLE",
        );
        p.references[0].kind = "BLOG".into();
        assert_error(
            &p,
            "references[0].type",
            codes::INVALID_REFERENCES,
            "\"BLOG\"",
        );
    }

    #[test]
    fn the_safety_predicate_is_the_validator_rule() {
        assert!(is_safe_reference_url(" https://example.org "));
        assert!(!is_safe_reference_url("javascript:alert(1)"));
        assert!(!is_safe_reference_url(""));
        assert!(!is_safe_reference_url("//example.org"));
    }

    #[test]
    fn the_form_assumes_https_for_scheme_less_input() {
        assert_eq!(
            reference_url_from_form_input(" example.org/a "),
            "https://example.org/a"
        );
        assert_eq!(
            reference_url_from_form_input("//example.org/a"),
            "https://example.org/a"
        );
        assert_eq!(
            reference_url_from_form_input("http://example.org"),
            "http://example.org"
        );
        assert_eq!(
            reference_url_from_form_input("javascript:alert(1)"),
            "javascript:alert(1)"
        );
        assert_eq!(reference_url_from_form_input("  "), "");
    }

    // --- affected (§4.4, §2.5, §2.6) ----------------------------------------

    #[test]
    fn package_name_is_required_and_capped() {
        let mut p = valid();
        p.affected[0].package.name = " ".into();
        assert_error(
            &p,
            "affected[0].package.name",
            codes::INVALID_AFFECTED,
            "name is required",
        );
        p.affected[0].package.name = "n".repeat(201);
        assert_error(
            &p,
            "affected[0].package.name",
            codes::INVALID_AFFECTED,
            "at most 200",
        );
    }

    #[test]
    fn ecosystem_is_required_and_must_be_an_osv_ecosystem() {
        let cases = [
            ("", "ecosystem is required"),
            ("Mavem", "Unknown ecosystem \"Mavem\""),
            ("maven", "did you mean \"Maven\""),
            ("debian:11", "did you mean \"Debian:11\""),
            ("Debian:", "Nothing follows the colon"),
            ("Debian:11\n12", "line break"),
        ];
        for (ecosystem, needle) in cases {
            let mut p = valid();
            p.affected[0].package.ecosystem = ecosystem.into();
            assert_error(
                &p,
                "affected[0].package.ecosystem",
                codes::INVALID_AFFECTED,
                needle,
            );
        }
        let mut p = valid();
        p.affected[0].package.ecosystem = format!("Debian:{}", "1".repeat(60));
        assert_error(
            &p,
            "affected[0].package.ecosystem",
            codes::INVALID_AFFECTED,
            "at most 64",
        );
        for ok in [
            "Debian:11",
            "GIT",
            "crates.io",
            "Red Hat:rhel_aus:8.2::appstream",
        ] {
            p.affected[0].package.ecosystem = ok.into();
            assert!(validate(&p).is_ok(), "{ok}");
        }
    }

    #[test]
    fn purl_is_optional_loosely_shaped_and_may_carry_a_version() {
        let mut p = valid();
        for ok in [
            "",
            "pkg:maven/org.eclipse.jetty/jetty-server",
            "pkg:maven/org.eclipse.jetty/jetty-server@12.0.1",
            "pkg:npm/%40angular/core@1.0?arch=x86#sub/path",
            "pkg:c++/x",
        ] {
            p.affected[0].package.purl = ok.into();
            assert!(validate(&p).is_ok(), "{ok}");
        }
        for bad in [
            "maven/org.eclipse/jetty",
            "pkg:maven",
            "pkg:/name",
            "pkg:mav en/x",
            "pkg:maven/a b",
            "pkg:maven/",
        ] {
            p.affected[0].package.purl = bad.into();
            assert_error(
                &p,
                "affected[0].package.purl",
                codes::INVALID_AFFECTED,
                "expected pkg:<type>/<name>",
            );
        }
        p.affected[0].package.purl = format!("pkg:maven/{}", "a".repeat(500));
        assert_error(
            &p,
            "affected[0].package.purl",
            codes::INVALID_AFFECTED,
            "at most 500",
        );
    }

    #[test]
    fn an_entry_needs_ranges_or_versions() {
        let mut p = valid();
        p.affected[0].ranges.clear();
        p.affected[0].versions = vec![" ".into()];
        assert_error(
            &p,
            "affected[0]",
            codes::INVALID_AFFECTED,
            "at least one version range or a list",
        );
        p.affected[0].versions = vec!["1.0".into(), "1.1".into()];
        assert!(validate(&p).is_ok(), "explicit versions alone are enough");
    }

    #[test]
    fn a_range_needs_a_known_type() {
        let mut p = valid();
        p.affected[0].ranges[0].kind = String::new();
        assert_error(
            &p,
            "affected[0].ranges[0].type",
            codes::INVALID_AFFECTED,
            "SEMVER, ECOSYSTEM or GIT",
        );
        p.affected[0].ranges[0].kind = "semver".into();
        assert_error(
            &p,
            "affected[0].ranges[0].type",
            codes::INVALID_AFFECTED,
            "Unknown range type \"semver\"",
        );
        for kind in RangeType::ALL {
            p.affected[0].ranges[0].kind = kind.as_str().into();
            assert!(validate(&p).is_ok(), "{kind}");
        }
    }

    #[test]
    fn a_git_range_without_repo_is_left_to_export_validation() {
        let mut p = valid();
        p.affected[0].ranges[0] = range(
            "GIT",
            vec![
                event(EventKind::Introduced, "0"),
                event(EventKind::Fixed, "0b1f8b5"),
            ],
        );
        assert!(validate(&p).is_ok());
    }

    #[test]
    fn a_range_needs_events() {
        let mut p = valid();
        p.affected[0].ranges[0].events.clear();
        assert_error(
            &p,
            "affected[0].ranges[0].events",
            codes::INVALID_AFFECTED,
            "needs events",
        );
    }

    #[test]
    fn a_range_needs_an_introduced_event() {
        let mut p = valid();
        p.affected[0]
            .ranges
            .push(range("SEMVER", vec![event(EventKind::Fixed, "2.0.0")]));
        assert_error(
            &p,
            "affected[0].ranges[1].events",
            codes::INVALID_AFFECTED,
            "needs an introduced event",
        );
    }

    #[test]
    fn fixed_and_last_affected_exclude_each_other_within_a_range() {
        let mut p = valid();
        p.affected[0].ranges[0]
            .events
            .push(event(EventKind::LastAffected, "9.4.51"));
        assert_error(
            &p,
            "affected[0].ranges[0].events",
            codes::INVALID_AFFECTED,
            "both fixed and last_affected",
        );
        // In different ranges of one package they are fine.
        let mut p = valid();
        p.affected[0].ranges.push(range(
            "ECOSYSTEM",
            vec![
                event(EventKind::Introduced, "10.0.0"),
                event(EventKind::LastAffected, "10.0.15"),
            ],
        ));
        assert!(validate(&p).is_ok());
    }

    #[test]
    fn limit_and_several_introduced_events_are_allowed() {
        let mut p = valid();
        p.affected[0].ranges[0].events = vec![
            event(EventKind::Introduced, "0"),
            event(EventKind::Fixed, "1.0"),
            event(EventKind::Introduced, "2.0"),
            event(EventKind::Fixed, "2.3"),
            event(EventKind::Limit, "3.0"),
        ];
        assert!(validate(&p).is_ok());
    }

    #[test]
    fn event_values_are_required_and_capped() {
        let mut p = valid();
        p.affected[0].ranges[0].events[1].value = "  ".into();
        assert_error(
            &p,
            "affected[0].ranges[0].events[1]",
            codes::INVALID_AFFECTED,
            "fixed event needs a version",
        );
        p.affected[0].ranges[0].events[1].value = "9".repeat(201);
        assert_error(
            &p,
            "affected[0].ranges[0].events[1]",
            codes::INVALID_AFFECTED,
            "at most 200",
        );
        let mut p = valid();
        p.affected[0].ranges[0].events[0].value = String::new();
        assert_error(
            &p,
            "affected[0].ranges[0].events[0]",
            codes::INVALID_AFFECTED,
            "\"0\" means",
        );
    }

    #[test]
    fn errors_name_the_right_entry_and_range() {
        let mut p = valid();
        p.affected.push(p.affected[0].clone());
        p.affected[1].ranges.push(range("ECOSYSTEM", vec![]));
        let error = single(&p);
        assert_eq!(error.field, "affected[1].ranges[1].events");
    }

    // --- severity (§4.5, §5) -------------------------------------------------

    #[test]
    fn severity_type_must_be_known_and_is_case_sensitive() {
        let mut p = valid();
        p.severity[0].kind = String::new();
        assert_error(
            &p,
            "severity[0].type",
            codes::INVALID_SEVERITY,
            "needs a type",
        );
        p.severity[0].kind = "CVSS_V5".into();
        assert_error(
            &p,
            "severity[0].type",
            codes::INVALID_SEVERITY,
            "CVSS_V2, CVSS_V3, CVSS_V4 or Ubuntu",
        );
        p.severity[0] = SeverityEntry {
            kind: "ubuntu".into(),
            score: "high".into(),
        };
        assert_error(
            &p,
            "severity[0].type",
            codes::INVALID_SEVERITY,
            "\"ubuntu\"",
        );
    }

    #[test]
    fn severity_score_is_required() {
        let mut p = valid();
        p.severity[0].score = " ".into();
        assert_error(
            &p,
            "severity[0].score",
            codes::INVALID_SEVERITY,
            "Enter the CVSS vector",
        );
        p.severity[0].kind = "Ubuntu".into();
        assert_error(
            &p,
            "severity[0].score",
            codes::INVALID_SEVERITY,
            "Pick an Ubuntu priority",
        );
    }

    #[test]
    fn ubuntu_scores_are_the_five_words() {
        let mut p = valid();
        p.severity[0].kind = "Ubuntu".into();
        for word in UbuntuPriority::ALL {
            p.severity[0].score = word.as_str().into();
            assert!(validate(&p).is_ok(), "{word}");
        }
        p.severity[0].score = "important".into();
        assert_error(
            &p,
            "severity[0].score",
            codes::INVALID_SEVERITY,
            "\"important\" is not an Ubuntu priority",
        );
    }

    #[test]
    fn cvss_vectors_must_parse_as_their_declared_type() {
        let mut p = valid();
        p.severity[0].score = V40_CRITICAL.into();
        assert_error(
            &p,
            "severity[0].score",
            codes::INVALID_SEVERITY,
            "This is a CVSS 4.0 vector but the type says CVSS_V3",
        );
        p.severity[0].kind = "CVSS_V4".into();
        assert!(validate(&p).is_ok());
        p.severity[0].score = "CVSS:4.0/AV:N/AC:L".into();
        assert_error(
            &p,
            "severity[0].score",
            codes::INVALID_SEVERITY,
            "Not a valid CVSS_V4 vector",
        );
        p.severity[0] = SeverityEntry {
            kind: "CVSS_V2".into(),
            score: "AV:N/AC:L/Au:N/C:P/I:P/A:P".into(),
        };
        assert!(validate(&p).is_ok());
    }

    #[test]
    fn severity_scores_are_capped_at_200_characters() {
        let mut p = valid();
        p.severity[0].score = format!("{V31_HIGH}/{}", "E:X/".repeat(40));
        assert_error(
            &p,
            "severity[0].score",
            codes::INVALID_SEVERITY,
            "at most 200",
        );
    }

    // --- cwe_ids (§4.6, §2.7, ruling 38) ------------------------------------

    #[test]
    fn cwe_ids_are_upper_cased_and_must_be_catalogued() {
        let mut p = valid();
        p.cwe_ids = vec!["cwe-79".into(), "Cwe-1333".into()];
        assert_eq!(
            validate(&p).unwrap().payload().cwe_ids,
            vec!["CWE-79", "CWE-1333"]
        );
        p.cwe_ids = vec!["CWE-79".into(), "CWE-99999".into()];
        assert_error(
            &p,
            "cwe_ids[1]",
            codes::INVALID_CWE_IDS,
            "CWE-99999 is not a weakness in the CWE catalogue (version 4.20)",
        );
        // A category is not a weakness.
        p.cwe_ids = vec!["CWE-16".into()];
        assert_error(&p, "cwe_ids[0]", codes::INVALID_CWE_IDS, "not a weakness");
    }

    #[test]
    fn cwe_ids_need_the_prefix() {
        let mut p = valid();
        p.cwe_ids = vec!["79".into()];
        assert_error(
            &p,
            "cwe_ids[0]",
            codes::INVALID_CWE_IDS,
            "\"79\" is not a CWE id",
        );
        p.cwe_ids = vec![" ".into()];
        assert_error(&p, "cwe_ids[0]", codes::INVALID_CWE_IDS, "cannot be blank");
    }

    // --- credits (§4.7) --------------------------------------------------------

    #[test]
    fn credits_need_a_name() {
        let mut p = valid();
        p.credits[0].name = " ".into();
        assert_error(
            &p,
            "credits[0].name",
            codes::INVALID_CREDITS,
            "needs a name",
        );
        p.credits[0].name = "n".repeat(201);
        assert_error(&p, "credits[0].name", codes::INVALID_CREDITS, "at most 200");
    }

    #[test]
    fn credit_type_is_optional_but_must_be_known() {
        let mut p = valid();
        p.credits[0].kind = String::new();
        assert!(validate(&p).is_ok());
        for kind in CreditType::ALL {
            p.credits[0].kind = kind.as_str().into();
            assert!(validate(&p).is_ok(), "{kind}");
        }
        p.credits[0].kind = "finder".into();
        assert_error(
            &p,
            "credits[0].type",
            codes::INVALID_CREDITS,
            "FINDER, REPORTER",
        );
    }

    // --- JSON shapes ------------------------------------------------------------

    #[test]
    fn the_stored_json_has_the_osv_shape() {
        let mut p = valid();
        p.affected[0].ranges[0].repo = "https://github.com/jetty/jetty.project".into();
        p.affected.push(Affected {
            package: package("npm", "left-pad"),
            ranges: vec![],
            versions: vec!["1.0.0".into()],
        });
        p.credits.push(Credit {
            name: "Bob".into(),
            contact: vec!["mailto:bob@example.org".into()],
            kind: String::new(),
        });
        let n = validate(&p).unwrap();
        assert_eq!(
            n.to_json(),
            json!({
                "summary": "Heap overflow in the HTTP/2 HPACK decoder",
                "details": "A crafted `HEADERS` frame overflows the decoder's table.",
                "aliases": ["GHSA-wgh7-54f2-x98r"],
                "references": [{"type": "FIX", "url": "https://github.com/jetty/jetty.project/commit/0b1f8b5"}],
                "affected": [
                    {
                        "package": {
                            "ecosystem": "Maven",
                            "name": "org.eclipse.jetty.http2:http2-hpack",
                            "purl": "pkg:maven/org.eclipse.jetty.http2/http2-hpack"
                        },
                        "ranges": [{
                            "type": "ECOSYSTEM",
                            "repo": "https://github.com/jetty/jetty.project",
                            "events": [{"introduced": "9.3.0"}, {"fixed": "9.4.52"}]
                        }]
                    },
                    {"package": {"ecosystem": "npm", "name": "left-pad"}, "versions": ["1.0.0"]}
                ],
                "severity": [{"type": "CVSS_V3", "score": V31_HIGH}],
                "cwe_ids": ["CWE-787"],
                "credits": [
                    {"name": "Ada Lovelace", "type": "FINDER"},
                    {"name": "Bob", "contact": ["mailto:bob@example.org"]}
                ]
            })
        );
        assert_eq!(serde_json::to_value(&n).unwrap(), n.to_json());
    }

    #[test]
    fn serde_round_trips() {
        let p = valid();
        let text = serde_json::to_string(&p).unwrap();
        assert_eq!(serde_json::from_str::<Payload>(&text).unwrap(), p);
        let e: Event = serde_json::from_value(json!({"last_affected": "1.2"})).unwrap();
        assert_eq!(e, event(EventKind::LastAffected, "1.2"));
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            json!({"last_affected": "1.2"})
        );
        let err = serde_json::from_value::<Event>(json!({"fixed": "1", "introduced": "0"}))
            .unwrap_err()
            .to_string();
        assert!(err.contains("has 2 keys"), "{err}");
    }

    #[test]
    fn columns_round_trip() {
        let n = validate(&valid()).unwrap();
        let columns = to_json_columns(&n);
        assert_eq!(
            columns.references,
            json!([{"type": "FIX", "url": "https://github.com/jetty/jetty.project/commit/0b1f8b5"}])
        );
        assert_eq!(columns.cwe_ids, json!(["CWE-787"]));
        assert_eq!(Payload::from_columns(columns), valid());
        assert_eq!(Payload::from_snapshot(&n.to_json()), valid());
    }

    // --- strict reading of untrusted JSON ----------------------------------------

    #[test]
    fn null_and_absent_lists_are_empty() {
        let p = Payload::from_json(&json!({"summary": "x", "aliases": null, "references": null}))
            .unwrap();
        assert_eq!(
            p,
            Payload {
                summary: "x".into(),
                ..Payload::default()
            }
        );
        assert!(validate_json(&json!({})).is_ok());
    }

    fn assert_shape_error(input: &Value, field: &str, code: &str, needle: &str) {
        let errors = Payload::from_json(input).unwrap_err();
        assert_eq!(errors.len(), 1, "{input}: {errors}");
        let error = &errors.as_slice()[0];
        assert_eq!((error.field.as_str(), error.code), (field, code), "{input}");
        assert!(error.message.contains(needle), "{input}: {error}");
    }

    fn with_events(events: &Value) -> Value {
        json!({"affected": [{
            "package": {"ecosystem": "npm", "name": "x"},
            "ranges": [{"type": "SEMVER", "events": events}]
        }]})
    }

    #[test]
    fn shape_errors_land_on_their_field() {
        let cases = [
            (
                json!({"summary": 3}),
                "summary",
                "invalid_summary",
                "not a number",
            ),
            (
                json!({"details": ["x"]}),
                "details",
                "invalid_details",
                "not a list",
            ),
            (
                json!({"aliases": "GHSA-x"}),
                "aliases",
                "invalid_aliases",
                "Expected a list",
            ),
            (
                json!({"aliases": ["ok", 7]}),
                "aliases[1]",
                "invalid_aliases",
                "not a number",
            ),
            (
                json!({"references": ["https://x.org"]}),
                "references[0]",
                "invalid_references",
                "Each reference must be an object",
            ),
            (
                json!({"references": [{"url": 1}]}),
                "references[0].url",
                "invalid_references",
                "not a number",
            ),
            (
                json!({"severity": [{"type": "CVSS_V3", "score": 9.8}]}),
                "severity[0].score",
                "invalid_severity",
                "not a number",
            ),
            (
                json!({"cwe_ids": [79]}),
                "cwe_ids[0]",
                "invalid_cwe_ids",
                "not a number",
            ),
            (
                json!({"credits": ["Ada"]}),
                "credits[0]",
                "invalid_credits",
                "Each credit must be an object",
            ),
            (
                json!({"credits": [{"name": "Ada", "contact": "mailto:a@x.org"}]}),
                "credits[0].contact",
                "invalid_credits",
                "Expected a list",
            ),
            (json!([]), "", "invalid_body", "must be a JSON object"),
        ];
        for (input, field, code, needle) in cases {
            assert_shape_error(&input, field, code, needle);
        }
    }

    // §4.4 rules 1, 2 and 5.
    #[test]
    fn affected_shape_errors_land_on_their_field() {
        let cases = [
            (
                json!({"affected": [3]}),
                "affected[0]",
                "Each affected entry must be an object",
            ),
            (
                json!({"affected": [{"versions": ["1"]}]}),
                "affected[0].package",
                "The package is missing",
            ),
            (
                json!({"affected": [{"package": "npm/x"}]}),
                "affected[0].package",
                "must be an object with ecosystem and name",
            ),
            (
                json!({"affected": [{"package": {"ecosystem": "npm", "name": "x"}, "ranges": {}}]}),
                "affected[0].ranges",
                "Expected a list",
            ),
            (
                json!({"affected": [{"package": {"ecosystem": "npm", "name": "x"}, "versions": [1]}]}),
                "affected[0].versions[0]",
                "not a number",
            ),
        ];
        for (input, field, needle) in cases {
            assert_shape_error(&input, field, "invalid_affected", needle);
        }
    }

    // §4.4 rule 8: each event is an object with exactly one known key and a
    // string value.
    #[test]
    fn malformed_events_land_on_the_event() {
        let cases = [
            (
                json!([{"introduced": "0", "fixed": "1"}]),
                "has 2 keys (fixed, introduced)",
            ),
            (json!([{}]), "This event is empty"),
            (json!([{"patched": "1"}]), "Unknown event \"patched\""),
            (json!([{"fixed": 2}]), "value must be a string"),
            (json!(["0"]), "Each event must be an object"),
        ];
        for (events, needle) in cases {
            let input = with_events(&events);
            assert_shape_error(
                &input,
                "affected[0].ranges[0].events[0]",
                "invalid_affected",
                needle,
            );
        }
    }

    #[test]
    fn unknown_keys_are_ignored() {
        let p = Payload::from_json(&json!({
            "project": "technology.jetty",
            "affected": [{"package": {"ecosystem": "npm", "name": "x"}, "versions": ["1"], "database_specific": {"a": 1}}]
        }))
        .unwrap();
        assert_eq!(p.affected[0].versions, vec!["1"]);
    }

    #[test]
    fn validate_json_reports_rule_errors_after_shape_errors() {
        let errors =
            validate_json(&json!({"references": [{"url": "javascript:alert(1)"}]})).unwrap_err();
        assert_eq!(errors.as_slice()[0].field, "references[0].url");
        let n = validate_json(&json!({"references": [{"url": "https://example.org"}]})).unwrap();
        assert_eq!(n.payload().references[0].kind, "WEB");
    }

    // --- tolerant reading of stored JSON ------------------------------------------

    #[test]
    fn stored_columns_are_read_tolerantly() {
        let p = Payload::from_columns(JsonColumns {
            summary: "s".into(),
            details: String::new(),
            aliases: json!(["A", 3, null, "B"]),
            references: json!({"not": "a list"}),
            affected: json!([
                7,
                {"package": {"ecosystem": "npm", "name": "x"}, "ranges": [
                    {"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": 1}, {"a": "1", "b": "2"}, {"fixed": "1.1"}]}
                ]},
                {"versions": ["1"]}
            ]),
            severity: json!([{"type": "CVSS_V3", "score": V31_HIGH}, "CVSS:3.1/…", {"type": 3, "score": "x"}]),
            cwe_ids: Value::Null,
            credits: json!([{"name": "Ada", "type": null}]),
        });
        assert_eq!(p.aliases, vec!["A", "B"]);
        assert!(p.references.is_empty());
        assert_eq!(p.affected.len(), 2);
        assert_eq!(
            p.affected[0].ranges[0].events,
            vec![
                event(EventKind::Introduced, "0"),
                event(EventKind::Fixed, "1.1")
            ]
        );
        assert_eq!(p.affected[1].package, Package::default());
        assert_eq!(p.severity.len(), 2);
        assert_eq!(p.severity[1].kind, "");
        assert!(p.cwe_ids.is_empty());
        assert_eq!(p.credits[0].kind, "");
        assert_eq!(severity::worst(&p.severity), (Level::High, Some(8.1)));
    }

    #[test]
    fn a_snapshot_reads_its_content_keys() {
        let snapshot = json!({
            "advisory_id": "ECL-cf23-gh45-jm67",
            "project_slug": "technology.jetty",
            "summary": "s",
            "details": "d",
            "aliases": [],
            "assigned_cve_id": "",
            "references": [],
            "affected": [],
            "severity": [{"type": "Ubuntu", "score": "low"}],
            "cwe_ids": ["CWE-79"],
            "credits": [],
            "withdrawn_reason": ""
        });
        let p = Payload::from_snapshot(&snapshot);
        assert_eq!(p.summary, "s");
        assert_eq!(p.cwe_ids, vec!["CWE-79"]);
        assert_eq!(
            Payload::from_snapshot(&json!("garbage")),
            Payload::default()
        );
    }

    // --- the non-rejecting path (GHSA import) ---------------------------------------

    #[test]
    fn dropping_keeps_the_valid_remainder() {
        let mut p = valid();
        p.summary = "s".repeat(400);
        p.references.push(Reference {
            kind: "WEB".into(),
            url: "javascript:alert(1)".into(),
        });
        p.affected[0]
            .ranges
            .push(range("ECOSYSTEM", vec![event(EventKind::Fixed, "2")]));
        p.affected.push(Affected {
            package: package("npm", "only-a-bad-range"),
            ranges: vec![range("SEMVER", vec![])],
            versions: vec![],
        });
        p.cwe_ids.push("CWE-99999".into());
        let (n, dropped) = validate_dropping_invalid(&p);
        let n = n.into_payload();
        assert_eq!(n.summary.chars().count(), SUMMARY_MAX_CHARS);
        assert!(n.summary.ends_with('…'));
        assert_eq!(n.references, valid().references);
        assert_eq!(n.affected, valid().affected);
        assert_eq!(n.cwe_ids, valid().cwe_ids);
        let fields: Vec<&str> = dropped.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            vec![
                "summary",
                "references[1].url",
                "affected[0].ranges[1].events",
                "affected[1].ranges[0].events",
                "cwe_ids[1]",
                "affected[1]",
            ]
        );
        let (n, dropped) = validate_dropping_invalid(&valid());
        assert_eq!(n.payload(), &valid());
        assert!(dropped.is_empty());
    }

    // --- helpers ------------------------------------------------------------------------

    #[test]
    fn field_errors_can_be_looked_up_by_field() {
        let mut p = valid();
        p.affected[0].package.name = String::new();
        p.affected[0].ranges[0].events.clear();
        let errors = errors(&p);
        assert!(errors.get("affected[0].package.name").is_some());
        assert_eq!(errors.within("affected[0]").count(), 2);
        assert_eq!(errors.within("affected[0].ranges[0]").count(), 1);
        assert_eq!(errors.within("affected[1]").count(), 0);
        assert_eq!(errors.within("affected").count(), 2);
        assert!(errors.to_string().starts_with("affected[0].package.name: "));
    }

    #[test]
    fn messages_quote_long_values_briefly() {
        let long = "x".repeat(500);
        let shown = shown(&long);
        assert!(shown.chars().count() < 70, "{shown}");
        assert_eq!(one_of(&["A", "B", "C"]), "A, B or C");
    }

    // INV-PUB-6: the vocabularies are the OSV schema's enums, so validated
    // content passes the export's schema validation.
    #[test]
    fn vocabularies_match_the_vendored_osv_schema() {
        let schema: Value =
            serde_json::from_str(include_str!("../../vendor/schemas/osv.json")).unwrap();
        let enum_at = |pointer: &str| -> Vec<String> {
            schema
                .pointer(pointer)
                .unwrap()
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap().to_owned())
                .collect()
        };
        let names = |all: &[&str]| all.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            enum_at("/properties/references/items/properties/type/enum"),
            names(&RefType::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>())
        );
        assert_eq!(
            enum_at("/properties/affected/items/properties/ranges/items/properties/type/enum"),
            names(
                &RangeType::ALL
                    .iter()
                    .map(|v| v.as_str())
                    .collect::<Vec<_>>()
            )
        );
        assert_eq!(
            enum_at("/properties/credits/items/properties/type/enum"),
            names(
                &CreditType::ALL
                    .iter()
                    .map(|v| v.as_str())
                    .collect::<Vec<_>>()
            )
        );
        assert_eq!(
            enum_at("/$defs/severity/items/properties/type/enum"),
            names(
                &SeverityType::ALL
                    .iter()
                    .map(|v| v.as_str())
                    .collect::<Vec<_>>()
            )
        );
        assert_eq!(
            enum_at("/$defs/severity/items/allOf/3/then/properties/score/enum"),
            names(
                &UbuntuPriority::ALL
                    .iter()
                    .map(|v| v.as_str())
                    .collect::<Vec<_>>()
            )
        );
    }
}
