//! The create/edit advisory form (50-web-ui §7, §7.1): the codec between the
//! submitted HTML form and the content [`Payload`], and the form's errors.
//!
//! The form is a set of Django-style formsets (`<prefix>-TOTAL_FORMS`,
//! `<prefix>-N-<column>`, a per-row `<prefix>-N-DELETE`), with the events of
//! each affected row nested as `affected-N-events-M-<column>`. One affected
//! row is one (package, range) pair: [`AdvisoryForm::from_payload`] explodes
//! an OSV `affected` entry into one row per range, and
//! [`AdvisoryForm::to_payload`] groups rows of the same package back into one
//! entry.
//!
//! Invariants kept:
//! * parsing never panics and allocates at most [`MAX_ROWS`] rows per
//!   formset and [`MAX_EVENTS`] events per affected row, whatever the
//!   submitted `TOTAL_FORMS` or indexes say;
//! * payload → form → payload is the identity for a validated payload whose
//!   affected entries have distinct packages (entries sharing a package are
//!   merged into one);
//! * a row that is entirely blank (text cells empty, selects at their default
//!   or empty) never reaches the payload, so empty rows and the `_add` button
//!   change nothing that is saved;
//! * every element of the payload built by `to_payload` is traced to its form
//!   row in a [`RowMap`], so the content validator's errors land on the field
//!   the person typed into;
//! * this module does not validate content: the one validator is
//!   [`content::validate`], run by the service; only what the form itself
//!   must decide (the project id, the Ubuntu priority select, the cells that
//!   grouping depends on, event kinds) is checked here.

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::LazyLock;

use uuid::Uuid;

use super::content::{
    self, Affected, Credit, CreditType, Event, EventKind, FieldError, FieldErrors, Package,
    Payload, Range, RangeType, RefType, Reference, SeverityEntry, SeverityType, UbuntuPriority,
    codes,
};
use super::cwe;

/// The most rows a formset keeps, whatever `TOTAL_FORMS` says; also the
/// `MAX_NUM_FORMS` the template announces.
pub const MAX_ROWS: usize = 200;
/// The most events one affected row keeps.
pub const MAX_EVENTS: usize = 50;

/// The submit button that adds a row instead of saving (50-web-ui §1.1 item 7).
pub const ADD_BUTTON: &str = "_add";

/// The formset prefixes; an affected row's events use [`events_prefix`].
pub mod prefix {
    pub const ALIASES: &str = "aliases";
    pub const CWE_IDS: &str = "cwe_ids";
    pub const REFERENCES: &str = "references";
    pub const SEVERITY: &str = "severity";
    pub const CREDITS: &str = "credits";
    pub const AFFECTED: &str = "affected";
}

/// The prefix of the events formset of affected row `row`: `affected-3-events`.
pub fn events_prefix(row: usize) -> String {
    format!("{}-{row}-events", prefix::AFFECTED)
}

/// The reference type a new row starts with.
pub const DEFAULT_REFERENCE_TYPE: &str = "WEB";
/// The severity type a new row starts with.
pub const DEFAULT_SEVERITY_TYPE: &str = "CVSS_V3";
/// The range type a new affected row starts with.
pub const DEFAULT_RANGE_TYPE: &str = "ECOSYSTEM";
/// The kind a new event row starts with.
pub const DEFAULT_EVENT_KIND: &str = "introduced";

const UBUNTU: &str = "Ubuntu";

// ---------------------------------------------------------------------------
// Vocabularies for the selects

fn spellings<T: Copy>(all: &[T], as_str: fn(T) -> &'static str) -> Vec<&'static str> {
    all.iter().map(|&v| as_str(v)).collect()
}

static REFERENCE_TYPES: LazyLock<Vec<&'static str>> =
    LazyLock::new(|| spellings(RefType::ALL, RefType::as_str));
static RANGE_TYPES: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    std::iter::once("")
        .chain(RangeType::ALL.iter().map(|t| t.as_str()))
        .collect()
});
static EVENT_KINDS: LazyLock<Vec<&'static str>> =
    LazyLock::new(|| spellings(EventKind::ALL, EventKind::as_str));
static SEVERITY_TYPES: LazyLock<Vec<&'static str>> =
    LazyLock::new(|| spellings(SeverityType::ALL, SeverityType::as_str));
static UBUNTU_PRIORITIES: LazyLock<Vec<&'static str>> =
    LazyLock::new(|| spellings(UbuntuPriority::ALL, UbuntuPriority::as_str));
static CREDIT_TYPES: LazyLock<Vec<&'static str>> =
    LazyLock::new(|| spellings(CreditType::ALL, CreditType::as_str));

/// `references-N-type` options.
pub fn reference_types() -> &'static [&'static str] {
    REFERENCE_TYPES.as_slice()
}

/// `affected-N-range_type` options; the first, `""`, is shown as "—" and
/// means "no range, versions only".
pub fn range_types() -> &'static [&'static str] {
    RANGE_TYPES.as_slice()
}

/// `affected-N-events-M-kind` options.
pub fn event_kinds() -> &'static [&'static str] {
    EVENT_KINDS.as_slice()
}

/// `severity-N-type` options.
pub fn severity_types() -> &'static [&'static str] {
    SEVERITY_TYPES.as_slice()
}

/// `severity-N-score_ubuntu` options (the template adds an empty choice).
pub fn ubuntu_priorities() -> &'static [&'static str] {
    UBUNTU_PRIORITIES.as_slice()
}

/// `credits-N-type` options (the template adds the empty "no type" choice).
pub fn credit_types() -> &'static [&'static str] {
    CREDIT_TYPES.as_slice()
}

// ---------------------------------------------------------------------------
// The form

/// The form's values as submitted or as loaded, each cell as text so that a
/// re-render shows exactly what was typed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AdvisoryForm {
    /// The submitted project id: a UUID string, possibly blank or garbage.
    pub project: String,
    pub summary: String,
    pub details: String,
    /// Hidden `base_version` (edit only): the version the form was loaded from.
    pub base_version: Option<i32>,
    /// `aliases-N-value`.
    pub aliases: Vec<TextRow>,
    /// `cwe_ids-N-value`.
    pub cwe_ids: Vec<TextRow>,
    /// `references-N-type`, `references-N-url`.
    pub references: Vec<ReferenceRow>,
    /// `severity-N-type`, `severity-N-score`, `severity-N-score_ubuntu`.
    pub severity: Vec<SeverityRow>,
    /// `credits-N-name`, `credits-N-type`, `credits-N-contact`.
    pub credits: Vec<CreditRow>,
    /// `affected-N-…` with nested `affected-N-events-M-…`.
    pub affected: Vec<AffectedRow>,
}

/// A one-value row (`aliases`, `cwe_ids`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TextRow {
    pub value: String,
}

/// A `references` row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReferenceRow {
    /// `type`.
    pub kind: String,
    pub url: String,
}

/// A `severity` row: a CVSS vector in `score`, or for `Ubuntu` a priority in
/// `score_ubuntu`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeverityRow {
    /// `type`.
    pub kind: String,
    pub score: String,
    pub score_ubuntu: String,
}

/// A `credits` row.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CreditRow {
    pub name: String,
    /// `type`; blank means none.
    pub kind: String,
    /// `contact`: the OSV contact strings (`mailto:…`, URLs), one per line.
    /// Imported credits carry them; the form keeps them so an edit does not
    /// drop them.
    pub contact: String,
}

/// An `affected` row: one package with at most one range.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AffectedRow {
    pub package_name: String,
    pub package_ecosystem: String,
    pub package_purl: String,
    /// Blank: no range, only the listed versions.
    pub range_type: String,
    /// `range_repo`: the repository URL of a `GIT` range.
    pub range_repo: String,
    /// Affected versions, one per line.
    pub versions: String,
    /// `affected-N-events-M-…`.
    pub events: Vec<EventRow>,
}

/// An event of an affected row's range.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventRow {
    pub kind: String,
    pub value: String,
}

/// The empty row a new reference starts as.
impl Default for ReferenceRow {
    fn default() -> Self {
        ReferenceRow {
            kind: DEFAULT_REFERENCE_TYPE.to_owned(),
            url: String::new(),
        }
    }
}

/// The empty row a new severity starts as.
impl Default for SeverityRow {
    fn default() -> Self {
        SeverityRow {
            kind: DEFAULT_SEVERITY_TYPE.to_owned(),
            score: String::new(),
            score_ubuntu: String::new(),
        }
    }
}

/// The empty row a new affected package starts as: an `ECOSYSTEM` range
/// with one empty `introduced` event.
impl Default for AffectedRow {
    fn default() -> Self {
        AffectedRow {
            package_name: String::new(),
            package_ecosystem: String::new(),
            package_purl: String::new(),
            range_type: DEFAULT_RANGE_TYPE.to_owned(),
            range_repo: String::new(),
            versions: String::new(),
            events: vec![EventRow::default()],
        }
    }
}

/// The empty row a new event starts as.
impl Default for EventRow {
    fn default() -> Self {
        EventRow {
            kind: DEFAULT_EVENT_KIND.to_owned(),
            value: String::new(),
        }
    }
}

fn blank(text: &str) -> bool {
    text.trim().is_empty()
}

/// A select says nothing when it is empty or at its default.
fn unchosen(select: &str, default: &str) -> bool {
    let select = select.trim();
    select.is_empty() || select == default
}

impl TextRow {
    pub fn is_blank(&self) -> bool {
        blank(&self.value)
    }
}

impl ReferenceRow {
    pub fn is_blank(&self) -> bool {
        blank(&self.url) && unchosen(&self.kind, DEFAULT_REFERENCE_TYPE)
    }
}

impl SeverityRow {
    /// Choosing `Ubuntu` (or any non-default type) counts as content, so an
    /// Ubuntu row without a priority is reported rather than ignored.
    pub fn is_blank(&self) -> bool {
        blank(&self.score)
            && blank(&self.score_ubuntu)
            && unchosen(&self.kind, DEFAULT_SEVERITY_TYPE)
    }

    fn is_ubuntu(&self) -> bool {
        self.kind.trim() == UBUNTU
    }
}

impl CreditRow {
    pub fn is_blank(&self) -> bool {
        blank(&self.name) && blank(&self.kind) && blank(&self.contact)
    }
}

impl EventRow {
    pub fn is_blank(&self) -> bool {
        blank(&self.value) && unchosen(&self.kind, DEFAULT_EVENT_KIND)
    }
}

impl AffectedRow {
    pub fn is_blank(&self) -> bool {
        blank(&self.package_name)
            && blank(&self.package_ecosystem)
            && blank(&self.package_purl)
            && unchosen(&self.range_type, DEFAULT_RANGE_TYPE)
            && blank(&self.range_repo)
            && blank(&self.versions)
            && self.events.iter().all(EventRow::is_blank)
    }
}

/// What the submit asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FormAction {
    /// Validate and persist.
    Save,
    /// Re-render with one more empty row in this formset and persist nothing
    /// (the `_add` button). The prefix is in the numbering of the parsed
    /// form (rows deleted in the same submit are gone); it is empty when it
    /// named a deleted row.
    Add(String),
}

fn push_capped<T>(rows: &mut Vec<T>, row: T, cap: usize) {
    if rows.len() < cap {
        rows.push(row);
    }
}

fn lines(text: &str) -> Vec<&str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect()
}

/// `affected-3-events` → 3.
fn parse_events_prefix(prefix: &str) -> Option<usize> {
    let index = prefix
        .strip_prefix(prefix::AFFECTED)?
        .strip_prefix('-')?
        .strip_suffix("-events")?;
    canonical_index(index)
}

/// A row index as the template writes it: decimal digits, no leading zero.
fn canonical_index(text: &str) -> Option<usize> {
    let digits = !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
    if !digits || (text.len() > 1 && text.starts_with('0')) {
        return None;
    }
    text.parse().ok()
}

impl AdvisoryForm {
    /// An empty create form with one empty row in every formset (blank rows
    /// are ignored on save); the affected row has an `ECOSYSTEM` range with
    /// one `introduced` event.
    pub fn blank(project: Option<Uuid>) -> AdvisoryForm {
        AdvisoryForm {
            project: project.map(|p| p.to_string()).unwrap_or_default(),
            summary: String::new(),
            details: String::new(),
            base_version: None,
            aliases: vec![TextRow::default()],
            cwe_ids: vec![TextRow::default()],
            references: vec![ReferenceRow::default()],
            severity: vec![SeverityRow::default()],
            credits: vec![CreditRow::default()],
            affected: vec![AffectedRow::default()],
        }
    }

    /// The form for an existing advisory (edit GET): exactly its content, no
    /// extra empty rows. An affected entry with N ranges becomes N rows, its
    /// explicit versions on the first; an entry without ranges becomes one
    /// row with range type `""`.
    pub fn from_payload(
        payload: &Payload,
        project: Uuid,
        base_version: Option<i32>,
    ) -> AdvisoryForm {
        let text_rows = |items: &[String]| {
            items
                .iter()
                .map(|value| TextRow {
                    value: value.clone(),
                })
                .collect()
        };
        AdvisoryForm {
            project: project.to_string(),
            summary: payload.summary.clone(),
            details: payload.details.clone(),
            base_version,
            aliases: text_rows(&payload.aliases),
            cwe_ids: text_rows(&payload.cwe_ids),
            references: payload
                .references
                .iter()
                .map(|r| ReferenceRow {
                    kind: r.kind.clone(),
                    url: r.url.clone(),
                })
                .collect(),
            severity: payload.severity.iter().map(severity_row).collect(),
            credits: payload
                .credits
                .iter()
                .map(|c| CreditRow {
                    name: c.name.clone(),
                    kind: c.kind.clone(),
                    contact: c.contact.join("\n"),
                })
                .collect(),
            affected: payload.affected.iter().flat_map(affected_rows).collect(),
        }
    }

    /// Adds one empty row to the formset named by `prefix` (`aliases`, …,
    /// `affected`, or `affected-N-events`), up to the caps. An unknown prefix
    /// or a row that does not exist changes nothing.
    pub fn add_row(&mut self, prefix: &str) {
        match prefix {
            prefix::ALIASES => push_capped(&mut self.aliases, TextRow::default(), MAX_ROWS),
            prefix::CWE_IDS => push_capped(&mut self.cwe_ids, TextRow::default(), MAX_ROWS),
            prefix::REFERENCES => {
                push_capped(&mut self.references, ReferenceRow::default(), MAX_ROWS);
            }
            prefix::SEVERITY => push_capped(&mut self.severity, SeverityRow::default(), MAX_ROWS),
            prefix::CREDITS => push_capped(&mut self.credits, CreditRow::default(), MAX_ROWS),
            prefix::AFFECTED => push_capped(&mut self.affected, AffectedRow::default(), MAX_ROWS),
            other => {
                if let Some(row) = parse_events_prefix(other).and_then(|i| self.affected.get_mut(i))
                {
                    push_capped(&mut row.events, EventRow::default(), MAX_EVENTS);
                }
            }
        }
    }

    /// Reads the urlencoded pairs as submitted (`axum::Form<Vec<(String,
    /// String)>>`). Rows are counted by `<prefix>-TOTAL_FORMS` (or, when it
    /// is missing or not a number, by the highest row index present), capped
    /// at [`MAX_ROWS`] / [`MAX_EVENTS`]; rows with a `DELETE` are dropped and
    /// the rest renumbered from 0. Line breaks are normalised to `\n`
    /// (browsers submit textareas with CRLF, which would otherwise make every
    /// save of a multi-line text a change). The action is [`FormAction::Add`]
    /// whenever the `_add` button was used; this does not add the row (call
    /// [`AdvisoryForm::add_row`]).
    pub fn parse(pairs: &[(String, String)]) -> (AdvisoryForm, FormAction) {
        let submitted = Submitted::new(pairs);
        let text_rows = |prefix: &str| {
            submitted
                .rows(prefix, MAX_ROWS)
                .into_iter()
                .map(|i| TextRow {
                    value: submitted.cell(prefix, i, "value"),
                })
                .collect()
        };
        let aliases = text_rows(prefix::ALIASES);
        let cwe_ids = text_rows(prefix::CWE_IDS);
        let references = submitted
            .rows(prefix::REFERENCES, MAX_ROWS)
            .into_iter()
            .map(|i| ReferenceRow {
                kind: submitted.cell(prefix::REFERENCES, i, "type"),
                url: submitted.cell(prefix::REFERENCES, i, "url"),
            })
            .collect();
        let severity = submitted
            .rows(prefix::SEVERITY, MAX_ROWS)
            .into_iter()
            .map(|i| SeverityRow {
                kind: submitted.cell(prefix::SEVERITY, i, "type"),
                score: submitted.cell(prefix::SEVERITY, i, "score"),
                score_ubuntu: submitted.cell(prefix::SEVERITY, i, "score_ubuntu"),
            })
            .collect();
        let credits = submitted
            .rows(prefix::CREDITS, MAX_ROWS)
            .into_iter()
            .map(|i| CreditRow {
                name: submitted.cell(prefix::CREDITS, i, "name"),
                kind: submitted.cell(prefix::CREDITS, i, "type"),
                contact: submitted.cell(prefix::CREDITS, i, "contact"),
            })
            .collect();
        let affected_indexes = submitted.rows(prefix::AFFECTED, MAX_ROWS);
        let affected = affected_indexes
            .iter()
            .map(|&i| submitted.affected_row(i))
            .collect();

        let form = AdvisoryForm {
            project: submitted.value("project"),
            summary: submitted.value("summary"),
            details: submitted.value("details"),
            base_version: submitted
                .get("base_version")
                .and_then(|v| v.trim().parse().ok()),
            aliases,
            cwe_ids,
            references,
            severity,
            credits,
            affected,
        };
        let action = match submitted.get(ADD_BUTTON) {
            None => FormAction::Save,
            Some(target) => FormAction::Add(renumbered_prefix(target.trim(), &affected_indexes)),
        };
        (form, action)
    }

    /// What the rendered form submits for these values, management fields
    /// included (the template's encoding; for tests and tools that post the
    /// form).
    pub fn to_pairs(&self) -> Vec<(String, String)> {
        let mut out = Pairs::default();
        out.push("project", &self.project);
        out.push("summary", &self.summary);
        out.push("details", &self.details);
        if let Some(version) = self.base_version {
            out.push("base_version", &version.to_string());
        }
        out.formset(prefix::ALIASES, &self.aliases, |row| {
            vec![("value", &row.value)]
        });
        out.formset(prefix::CWE_IDS, &self.cwe_ids, |row| {
            vec![("value", &row.value)]
        });
        out.formset(prefix::REFERENCES, &self.references, |row| {
            vec![("type", &row.kind), ("url", &row.url)]
        });
        out.formset(prefix::SEVERITY, &self.severity, |row| {
            vec![
                ("type", &row.kind),
                ("score", &row.score),
                ("score_ubuntu", &row.score_ubuntu),
            ]
        });
        out.formset(prefix::CREDITS, &self.credits, |row| {
            vec![
                ("name", &row.name),
                ("type", &row.kind),
                ("contact", &row.contact),
            ]
        });
        out.formset(prefix::AFFECTED, &self.affected, |row| {
            vec![
                ("package_name", &row.package_name),
                ("package_ecosystem", &row.package_ecosystem),
                ("package_purl", &row.package_purl),
                ("range_type", &row.range_type),
                ("range_repo", &row.range_repo),
                ("versions", &row.versions),
            ]
        });
        for (i, row) in self.affected.iter().enumerate() {
            out.formset(&events_prefix(i), &row.events, |event| {
                vec![("kind", &event.kind), ("value", &event.value)]
            });
        }
        out.0
    }

    /// Assembles the payload and the project id. Blank rows are skipped;
    /// affected rows with the same (ecosystem, name, purl) become one entry
    /// whose ranges and versions follow row order; a blank range type means
    /// no range; CWE input goes through [`cwe::from_form_input`], reference
    /// URLs through [`content::reference_url_from_form_input`]; an Ubuntu
    /// severity takes `score_ubuntu`. The payload is not validated: run
    /// [`content::validate`] on it and show its errors through the
    /// [`RowMap`]. The errors returned here are keyed by form field name.
    pub fn to_payload(&self) -> Result<(Uuid, Payload, RowMap), FieldErrors> {
        let mut errors = Vec::new();
        let project = self.project_id(&mut errors);
        let mut payload = Payload {
            summary: self.summary.clone(),
            details: self.details.clone(),
            ..Payload::default()
        };
        let mut map = RowMap::default();

        for (i, row) in self
            .aliases
            .iter()
            .enumerate()
            .filter(|(_, r)| !r.is_blank())
        {
            payload.aliases.push(row.value.trim().to_owned());
            map.aliases.push(i);
        }
        for (i, row) in self
            .cwe_ids
            .iter()
            .enumerate()
            .filter(|(_, r)| !r.is_blank())
        {
            payload.cwe_ids.push(cwe::from_form_input(&row.value));
            map.cwe_ids.push(i);
        }
        for (i, row) in self
            .references
            .iter()
            .enumerate()
            .filter(|(_, r)| !r.is_blank())
        {
            payload.references.push(Reference {
                kind: row.kind.trim().to_owned(),
                url: content::reference_url_from_form_input(&row.url),
            });
            map.references.push(i);
        }
        for (i, row) in self
            .severity
            .iter()
            .enumerate()
            .filter(|(_, r)| !r.is_blank())
        {
            let ubuntu = row.is_ubuntu();
            let score = if ubuntu {
                &row.score_ubuntu
            } else {
                &row.score
            };
            if ubuntu && blank(score) {
                errors.push(FieldError {
                    field: format!("{}-{i}-score_ubuntu", prefix::SEVERITY),
                    code: codes::INVALID_SEVERITY,
                    message: "Pick an Ubuntu priority: negligible, low, medium, high or critical."
                        .to_owned(),
                });
            }
            payload.severity.push(SeverityEntry {
                kind: row.kind.trim().to_owned(),
                score: score.trim().to_owned(),
            });
            map.severity.push((i, ubuntu));
        }
        for (i, row) in self
            .credits
            .iter()
            .enumerate()
            .filter(|(_, r)| !r.is_blank())
        {
            payload.credits.push(Credit {
                name: row.name.trim().to_owned(),
                contact: lines(&row.contact).into_iter().map(str::to_owned).collect(),
                kind: row.kind.trim().to_owned(),
            });
            map.credits.push(i);
        }
        (payload.affected, map.affected) = self.group_affected(&mut errors);

        match project {
            Some(project) if errors.is_empty() => Ok((project, payload, map)),
            _ => Err(FieldErrors::from(errors)),
        }
    }

    fn project_id(&self, errors: &mut Vec<FieldError>) -> Option<Uuid> {
        let text = self.project.trim();
        let message = if text.is_empty() {
            "Choose the project this advisory belongs to."
        } else if let Ok(id) = Uuid::parse_str(text) {
            return Some(id);
        } else {
            "Choose a project from the list."
        };
        errors.push(FieldError {
            field: "project".to_owned(),
            code: "invalid_project",
            message: message.to_owned(),
        });
        None
    }

    /// The affected entries, one per distinct package in order of first
    /// appearance, and where each part came from.
    fn group_affected(&self, errors: &mut Vec<FieldError>) -> (Vec<Affected>, Vec<AffectedOrigin>) {
        let mut entries: Vec<Affected> = Vec::new();
        let mut origins: Vec<AffectedOrigin> = Vec::new();
        for (i, row) in self
            .affected
            .iter()
            .enumerate()
            .filter(|(_, r)| !r.is_blank())
        {
            let Some(part) = affected_part(i, row, errors) else {
                continue;
            };
            let group = entries.iter().position(|e| e.package == part.package);
            let (entry, origin) = if let Some(g) = group {
                (&mut entries[g], &mut origins[g])
            } else {
                entries.push(Affected {
                    package: part.package,
                    ranges: Vec::new(),
                    versions: Vec::new(),
                });
                origins.push(AffectedOrigin {
                    first_row: i,
                    ranges: Vec::new(),
                    versions: Vec::new(),
                });
                let g = entries.len() - 1;
                (&mut entries[g], &mut origins[g])
            };
            if let Some((range, event_rows)) = part.range {
                entry.ranges.push(range);
                origin.ranges.push(RangeOrigin {
                    row: i,
                    events: event_rows,
                });
            }
            origin
                .versions
                .extend(std::iter::repeat_n(i, part.versions.len()));
            entry.versions.extend(part.versions);
        }
        (entries, origins)
    }
}

/// One non-blank affected row, read: its package, its range with the form
/// index of each kept event, its versions.
struct AffectedPart {
    package: Package,
    range: Option<(Range, Vec<usize>)>,
    versions: Vec<String>,
}

/// Reads affected row `i`, or records why it cannot be placed in a group.
fn affected_part(
    i: usize,
    row: &AffectedRow,
    errors: &mut Vec<FieldError>,
) -> Option<AffectedPart> {
    let before = errors.len();
    let mut error = |column: String, message: String| {
        errors.push(FieldError {
            field: format!("{}-{i}-{column}", prefix::AFFECTED),
            code: codes::INVALID_AFFECTED,
            message,
        });
    };
    let package = Package {
        ecosystem: row.package_ecosystem.trim().to_owned(),
        name: row.package_name.trim().to_owned(),
        purl: row.package_purl.trim().to_owned(),
    };
    if package.name.is_empty() {
        error(
            "package_name".to_owned(),
            "The package name is required, e.g. org.eclipse.jetty:jetty-server for Maven."
                .to_owned(),
        );
    }
    if package.ecosystem.is_empty() {
        error(
            "package_ecosystem".to_owned(),
            "The ecosystem is required: one of the OSV ecosystems such as Maven, npm or PyPI, \
             optionally followed by a suffix such as Debian:11."
                .to_owned(),
        );
    }

    let mut events = Vec::new();
    let mut event_rows = Vec::new();
    for (m, event) in row.events.iter().enumerate().filter(|(_, e)| !e.is_blank()) {
        let kind = match event.kind.trim() {
            "" => Ok(EventKind::Introduced),
            kind => EventKind::from_str(kind),
        };
        match kind {
            Ok(kind) => {
                events.push(Event {
                    kind,
                    value: event.value.trim().to_owned(),
                });
                event_rows.push(m);
            }
            Err(e) => error(
                format!("events-{m}-kind"),
                format!("{}.", capitalised(&e.to_string())),
            ),
        }
    }

    let range_type = row.range_type.trim();
    let range = if range_type.is_empty() {
        if !events.is_empty() || !blank(&row.range_repo) {
            error(
                "range_type".to_owned(),
                "Choose a range type (SEMVER, ECOSYSTEM or GIT) for these events, or remove them."
                    .to_owned(),
            );
        }
        None
    } else {
        let range = Range {
            kind: range_type.to_owned(),
            repo: row.range_repo.trim().to_owned(),
            events,
        };
        Some((range, event_rows))
    };

    (errors.len() == before).then(|| AffectedPart {
        package,
        range,
        versions: lines(&row.versions)
            .into_iter()
            .map(str::to_owned)
            .collect(),
    })
}

fn capitalised(message: &str) -> String {
    let mut chars = message.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn severity_row(entry: &SeverityEntry) -> SeverityRow {
    if entry.kind == UBUNTU {
        SeverityRow {
            kind: entry.kind.clone(),
            score: String::new(),
            score_ubuntu: entry.score.clone(),
        }
    } else {
        SeverityRow {
            kind: entry.kind.clone(),
            score: entry.score.clone(),
            score_ubuntu: String::new(),
        }
    }
}

fn affected_rows(entry: &Affected) -> Vec<AffectedRow> {
    let row =
        |range_type: &str, range_repo: &str, events: Vec<EventRow>, versions: String| AffectedRow {
            package_name: entry.package.name.clone(),
            package_ecosystem: entry.package.ecosystem.clone(),
            package_purl: entry.package.purl.clone(),
            range_type: range_type.to_owned(),
            range_repo: range_repo.to_owned(),
            versions,
            events,
        };
    let versions = entry.versions.join("\n");
    if entry.ranges.is_empty() {
        return vec![row("", "", Vec::new(), versions)];
    }
    let mut versions = Some(versions);
    entry
        .ranges
        .iter()
        .map(|range| {
            let events = range
                .events
                .iter()
                .map(|e| EventRow {
                    kind: e.kind.as_str().to_owned(),
                    value: e.value.clone(),
                })
                .collect();
            row(
                &range.kind,
                &range.repo,
                events,
                versions.take().unwrap_or_default(),
            )
        })
        .collect()
}

/// `_add=affected-5-events` names submitted row 5; after deletions it may
/// be row 3 of the parsed form, or gone.
fn renumbered_prefix(target: &str, kept_affected: &[usize]) -> String {
    match parse_events_prefix(target) {
        Some(submitted) => kept_affected
            .iter()
            .position(|&i| i == submitted)
            .map(events_prefix)
            .unwrap_or_default(),
        None => target.to_owned(),
    }
}

// ---------------------------------------------------------------------------
// Reading the submitted pairs

/// The submitted pairs by name (the last value of a repeated name wins, as
/// in Django), with the highest row index seen per formset prefix.
struct Submitted<'a> {
    values: HashMap<&'a str, &'a str>,
    /// Prefix → highest canonical row index below [`MAX_ROWS`] plus one.
    seen_rows: HashMap<String, usize>,
}

impl<'a> Submitted<'a> {
    fn new(pairs: &'a [(String, String)]) -> Self {
        let mut values = HashMap::with_capacity(pairs.len());
        let mut seen_rows: HashMap<String, usize> = HashMap::new();
        for (name, value) in pairs {
            values.insert(name.as_str(), value.as_str());
            // The form's own names are short; a long one cannot name a row,
            // and scanning it would cost quadratic time.
            if name.len() > 100 {
                continue;
            }
            // `affected-3-events-1-value` has rows in `affected` (3) and in
            // `affected-3-events` (1): every numeric segment followed by a
            // column counts for the prefix before it.
            for (dash, _) in name.match_indices('-') {
                let rest = &name[dash + 1..];
                let Some((segment, column)) = rest.split_once('-') else {
                    break;
                };
                if !column.is_empty()
                    && let Some(index) = canonical_index(segment).filter(|&i| i < MAX_ROWS)
                {
                    let count = seen_rows.entry(name[..dash].to_owned()).or_default();
                    *count = (*count).max(index + 1);
                }
            }
        }
        Submitted { values, seen_rows }
    }

    fn get(&self, name: &str) -> Option<&'a str> {
        self.values.get(name).copied()
    }

    /// The value with line breaks normalised, or empty.
    fn value(&self, name: &str) -> String {
        self.get(name).map(normalise_newlines).unwrap_or_default()
    }

    fn cell(&self, prefix: &str, row: usize, column: &str) -> String {
        self.value(&format!("{prefix}-{row}-{column}"))
    }

    /// How many rows the formset announces, within `cap`.
    fn total(&self, prefix: &str, cap: usize) -> usize {
        let announced = self
            .get(&format!("{prefix}-TOTAL_FORMS"))
            .map(str::trim)
            .filter(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()));
        match announced {
            // All digits: a number too large for usize is simply too many.
            Some(total) => total.parse().unwrap_or(usize::MAX).min(cap),
            None => self.seen_rows.get(prefix).copied().unwrap_or(0).min(cap),
        }
    }

    /// The submitted indexes of the rows kept (not deleted), in order.
    fn rows(&self, prefix: &str, cap: usize) -> Vec<usize> {
        (0..self.total(prefix, cap))
            .filter(|i| !self.deleted(&format!("{prefix}-{i}-DELETE")))
            .collect()
    }

    /// A checked `DELETE` checkbox (its value is `on` unless the template
    /// says otherwise); explicit false values do not delete.
    fn deleted(&self, name: &str) -> bool {
        self.get(name).is_some_and(|v| {
            let v = v.trim();
            !(v.is_empty()
                || v.eq_ignore_ascii_case("false")
                || v.eq_ignore_ascii_case("off")
                || v == "0")
        })
    }

    fn affected_row(&self, i: usize) -> AffectedRow {
        let events = events_prefix(i);
        let cell = |column: &str| self.cell(prefix::AFFECTED, i, column);
        AffectedRow {
            package_name: cell("package_name"),
            package_ecosystem: cell("package_ecosystem"),
            package_purl: cell("package_purl"),
            range_type: cell("range_type"),
            range_repo: cell("range_repo"),
            versions: cell("versions"),
            events: self
                .rows(&events, MAX_EVENTS)
                .into_iter()
                .map(|m| EventRow {
                    kind: self.cell(&events, m, "kind"),
                    value: self.cell(&events, m, "value"),
                })
                .collect(),
        }
    }
}

fn normalise_newlines(text: &str) -> String {
    if text.contains('\r') {
        text.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        text.to_owned()
    }
}

#[derive(Default)]
struct Pairs(Vec<(String, String)>);

impl Pairs {
    fn push(&mut self, name: &str, value: &str) {
        self.0.push((name.to_owned(), value.to_owned()));
    }

    fn formset<T>(&mut self, prefix: &str, rows: &[T], cells: impl Fn(&T) -> Vec<(&str, &String)>) {
        self.push(&format!("{prefix}-TOTAL_FORMS"), &rows.len().to_string());
        self.push(&format!("{prefix}-INITIAL_FORMS"), "0");
        self.push(&format!("{prefix}-MIN_NUM_FORMS"), "0");
        let max = if prefix.ends_with("-events") {
            MAX_EVENTS
        } else {
            MAX_ROWS
        };
        self.push(&format!("{prefix}-MAX_NUM_FORMS"), &max.to_string());
        for (i, row) in rows.iter().enumerate() {
            for (column, value) in cells(row) {
                self.push(&format!("{prefix}-{i}-{column}"), value);
            }
        }
    }
}

// ---------------------------------------------------------------------------
// From payload paths to form fields

/// Where each element of a payload built by [`AdvisoryForm::to_payload`]
/// came from (indexes are rows of that form).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RowMap {
    aliases: Vec<usize>,
    cwe_ids: Vec<usize>,
    references: Vec<usize>,
    /// Row, and whether it is an Ubuntu row (its score is `score_ubuntu`).
    severity: Vec<(usize, bool)>,
    credits: Vec<usize>,
    affected: Vec<AffectedOrigin>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct AffectedOrigin {
    /// The row that holds the package cells shown for the entry.
    first_row: usize,
    ranges: Vec<RangeOrigin>,
    /// The row of each version.
    versions: Vec<usize>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct RangeOrigin {
    row: usize,
    /// The event row of each event.
    events: Vec<usize>,
}

/// `"references[2].url"` → `("references", 2, ".url")`.
fn split_index(path: &str) -> Option<(&str, usize, &str)> {
    let (head, tail) = path.split_once('[')?;
    let (index, rest) = tail.split_once(']')?;
    Some((head, canonical_index(index)?, rest))
}

impl RowMap {
    /// The content validator's errors keyed by form field name:
    /// `references[2].url` → `references-4-url` when blank rows were
    /// skipped, `affected[1].ranges[0].events` → `affected-3-events` (the
    /// events formset of that row), `affected[0].package.ecosystem` →
    /// the first row of that package. `summary`, `details` and `project`
    /// stay as they are; a path that names nothing in the form goes to `""`
    /// (the form's general errors).
    pub fn to_form_errors(&self, errors: &FieldErrors) -> FormErrors {
        let mut out = FormErrors::default();
        for error in errors {
            out.add(self.form_field(&error.field), error.message.clone());
        }
        out
    }

    /// The form field for a payload path, or `""`.
    pub fn form_field(&self, path: &str) -> String {
        if matches!(path, "project" | "summary" | "details") {
            return path.to_owned();
        }
        let Some((list, index, rest)) = split_index(path) else {
            return String::new();
        };
        let field = match list {
            prefix::ALIASES => self.aliases.get(index).map(|row| (*row, "value")),
            prefix::CWE_IDS => self.cwe_ids.get(index).map(|row| (*row, "value")),
            prefix::REFERENCES => self.references.get(index).map(|row| {
                let column = if rest.starts_with(".type") {
                    "type"
                } else {
                    "url"
                };
                (*row, column)
            }),
            prefix::SEVERITY => self.severity.get(index).map(|&(row, ubuntu)| {
                let column = match rest {
                    ".type" => "type",
                    _ if ubuntu => "score_ubuntu",
                    _ => "score",
                };
                (row, column)
            }),
            prefix::CREDITS => self.credits.get(index).map(|row| {
                let column = if rest.starts_with(".type") {
                    "type"
                } else if rest.starts_with(".contact") {
                    "contact"
                } else {
                    "name"
                };
                (*row, column)
            }),
            prefix::AFFECTED => {
                return self
                    .affected
                    .get(index)
                    .map(|origin| affected_field(origin, rest))
                    .unwrap_or_default();
            }
            _ => None,
        };
        field
            .map(|(row, column)| format!("{list}-{row}-{column}"))
            .unwrap_or_default()
    }
}

fn affected_field(origin: &AffectedOrigin, rest: &str) -> String {
    let field = |row: usize, column: &str| format!("{}-{row}-{column}", prefix::AFFECTED);
    let first = origin.first_row;
    if let Some(package) = rest.strip_prefix(".package") {
        let column = match package {
            ".ecosystem" => "package_ecosystem",
            ".purl" => "package_purl",
            _ => "package_name",
        };
        return field(first, column);
    }
    if let Some(versions) = rest.strip_prefix(".versions") {
        let row = split_index(versions)
            .and_then(|(_, v, _)| origin.versions.get(v).copied())
            .or_else(|| origin.versions.first().copied())
            .unwrap_or(first);
        return field(row, "versions");
    }
    if let Some(ranges) = rest.strip_prefix(".ranges") {
        let Some(("", r, range_rest)) = split_index(ranges) else {
            return String::new();
        };
        let Some(range) = origin.ranges.get(r) else {
            return String::new();
        };
        let row = range.row;
        return match range_rest {
            ".repo" => field(row, "range_repo"),
            ".events" => events_prefix(row),
            _ => match range_rest.strip_prefix(".events") {
                Some(events) => split_index(events)
                    .and_then(|(_, k, _)| range.events.get(k))
                    .map_or_else(
                        || events_prefix(row),
                        |m| format!("{}-{m}-value", events_prefix(row)),
                    ),
                None => field(row, "range_type"),
            },
        };
    }
    if rest.is_empty() {
        // The entry as a whole (neither ranges nor versions): listing
        // versions is the simplest fix.
        field(first, "versions")
    } else {
        String::new()
    }
}

// ---------------------------------------------------------------------------
// Errors for the template

/// Error messages keyed by form field name, kept in form order, for the
/// template (`errors.get("references-4-url")`) and its error summary.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FormErrors {
    /// Sorted by [`form_order`]; `""` (general errors) first.
    fields: Vec<(String, Vec<String>)>,
}

/// The order of names in the form: sections, then columns within a row.
const FORM_ORDER: [&str; 25] = [
    "project",
    "summary",
    "details",
    "base_version",
    "aliases",
    "cwe_ids",
    "references",
    "severity",
    "credits",
    "affected",
    "package_name",
    "package_ecosystem",
    "package_purl",
    "range_type",
    "range_repo",
    "versions",
    "events",
    "name",
    "type",
    "url",
    "score",
    "score_ubuntu",
    "contact",
    "kind",
    "value",
];

/// A sort key for a field name: each `-`-separated segment by its rank in
/// [`FORM_ORDER`] or its row number.
fn form_order(field: &str) -> Vec<usize> {
    if field.is_empty() {
        return Vec::new();
    }
    field
        .split('-')
        .map(|segment| {
            canonical_index(segment)
                .or_else(|| FORM_ORDER.iter().position(|name| *name == segment))
                .unwrap_or(usize::MAX)
        })
        .collect()
}

impl FormErrors {
    /// Errors whose `field` already is a form field name (those of
    /// [`AdvisoryForm::to_payload`], or the service's `project` errors).
    pub fn from_form_level(errors: FieldErrors) -> FormErrors {
        let mut out = FormErrors::default();
        for error in errors {
            out.add(error.field, error.message);
        }
        out
    }

    /// Adds a message to `field` (`""`: the form as a whole); a message
    /// already there is not repeated.
    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        let (field, message) = (field.into(), message.into());
        if let Some((_, messages)) = self.fields.iter_mut().find(|(f, _)| *f == field) {
            if !messages.contains(&message) {
                messages.push(message);
            }
            return;
        }
        let key = form_order(&field);
        let at = self
            .fields
            .iter()
            .position(|(f, _)| form_order(f) > key)
            .unwrap_or(self.fields.len());
        self.fields.insert(at, (field, vec![message]));
    }

    /// The messages on `field`; empty when none.
    pub fn get(&self, field: &str) -> &[String] {
        self.fields
            .iter()
            .find(|(f, _)| f == field)
            .map_or(&[], |(_, messages)| messages.as_slice())
    }

    pub fn has(&self, field: &str) -> bool {
        !self.get(field).is_empty()
    }

    /// The messages about the form as a whole (field `""`).
    pub fn general(&self) -> &[String] {
        self.get("")
    }

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// The number of messages.
    pub fn len(&self) -> usize {
        self.fields.iter().map(|(_, messages)| messages.len()).sum()
    }

    /// Every (field name, message) in form order, general errors first.
    pub fn all(&self) -> Vec<(String, String)> {
        self.fields
            .iter()
            .flat_map(|(field, messages)| messages.iter().map(|m| (field.clone(), m.clone())))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROJECT: &str = "6f1c2d4e-8a0b-4c3d-9e7f-102030405060";
    const V31: &str = "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:N";

    fn project() -> Uuid {
        Uuid::parse_str(PROJECT).unwrap()
    }

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn event(kind: EventKind, value: &str) -> Event {
        Event {
            kind,
            value: value.to_owned(),
        }
    }

    fn range(kind: &str, repo: &str, events: Vec<Event>) -> Range {
        Range {
            kind: kind.to_owned(),
            repo: repo.to_owned(),
            events,
        }
    }

    fn package(ecosystem: &str, name: &str, purl: &str) -> Package {
        Package {
            ecosystem: ecosystem.to_owned(),
            name: name.to_owned(),
            purl: purl.to_owned(),
        }
    }

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    /// Every formset used, several ranges per package, versions with and
    /// without ranges, an Ubuntu severity, a GIT range with its repo, a
    /// credit with contacts.
    fn rich() -> Payload {
        use EventKind::{Fixed, Introduced, LastAffected, Limit};
        Payload {
            summary: "Path traversal in the static file handler".to_owned(),
            details: "## Impact\n\nA crafted path reads files.\n\n  indented".to_owned(),
            aliases: strings(&["GHSA-abcd-efgh-ijkl", "VENDOR-2024-1"]),
            references: vec![
                Reference {
                    kind: "ADVISORY".to_owned(),
                    url: "https://example.org/advisory/1".to_owned(),
                },
                Reference {
                    kind: "FIX".to_owned(),
                    url: "https://github.com/eclipse/jetty/commit/abc".to_owned(),
                },
            ],
            affected: vec![
                Affected {
                    package: package(
                        "Maven",
                        "org.eclipse.jetty:jetty-server",
                        "pkg:maven/org.eclipse.jetty/jetty-server",
                    ),
                    ranges: vec![
                        range(
                            "ECOSYSTEM",
                            "",
                            vec![event(Introduced, "9.0.0"), event(Fixed, "9.4.52")],
                        ),
                        range(
                            "ECOSYSTEM",
                            "",
                            vec![event(Introduced, "10.0.0"), event(Fixed, "10.0.16")],
                        ),
                        range(
                            "ECOSYSTEM",
                            "",
                            vec![event(Introduced, "11.0.0"), event(LastAffected, "11.0.15")],
                        ),
                    ],
                    versions: strings(&["9.4.51", "10.0.15"]),
                },
                Affected {
                    package: package("npm", "left-pad", ""),
                    ranges: vec![
                        range("SEMVER", "", vec![event(Introduced, "0")]),
                        range(
                            "GIT",
                            "https://github.com/left/pad",
                            vec![
                                event(Introduced, "aaaa"),
                                event(Fixed, "bbbb"),
                                event(Limit, "cccc"),
                            ],
                        ),
                    ],
                    versions: Vec::new(),
                },
                Affected {
                    package: package("Debian:11", "jetty9", ""),
                    ranges: Vec::new(),
                    versions: strings(&["9.4.39-3", "9.4.50-4"]),
                },
            ],
            severity: vec![
                SeverityEntry {
                    kind: "CVSS_V3".to_owned(),
                    score: V31.to_owned(),
                },
                SeverityEntry {
                    kind: "Ubuntu".to_owned(),
                    score: "high".to_owned(),
                },
            ],
            cwe_ids: strings(&["CWE-22", "CWE-79"]),
            credits: vec![
                Credit {
                    name: "Ada Lovelace".to_owned(),
                    contact: strings(&["mailto:ada@example.org", "https://ada.example.org"]),
                    kind: "FINDER".to_owned(),
                },
                Credit {
                    name: "Charles Babbage".to_owned(),
                    contact: Vec::new(),
                    kind: String::new(),
                },
            ],
        }
    }

    #[test]
    fn the_rich_payload_is_valid_content() {
        let payload = rich();
        assert_eq!(content::validate(&payload).unwrap().payload(), &payload);
    }

    #[test]
    fn payload_to_form_to_payload_is_the_identity() {
        let payload = rich();
        let form = AdvisoryForm::from_payload(&payload, project(), Some(7));
        let (id, back, _) = form.to_payload().unwrap();
        assert_eq!(id, project());
        assert_eq!(back, payload);
    }

    #[test]
    fn the_round_trip_survives_the_urlencoded_form() {
        let payload = rich();
        let form = AdvisoryForm::from_payload(&payload, project(), Some(7));
        let (parsed, action) = AdvisoryForm::parse(&form.to_pairs());
        assert_eq!(action, FormAction::Save);
        assert_eq!(parsed, form);
        assert_eq!(parsed.to_payload().unwrap().1, payload);
    }

    #[test]
    fn entries_are_exploded_into_one_row_per_range() {
        let form = AdvisoryForm::from_payload(&rich(), project(), None);
        let rows: Vec<(&str, &str, &str, usize)> = form
            .affected
            .iter()
            .map(|r| {
                (
                    r.package_name.as_str(),
                    r.range_type.as_str(),
                    r.versions.as_str(),
                    r.events.len(),
                )
            })
            .collect();
        assert_eq!(
            rows,
            [
                (
                    "org.eclipse.jetty:jetty-server",
                    "ECOSYSTEM",
                    "9.4.51\n10.0.15",
                    2
                ),
                ("org.eclipse.jetty:jetty-server", "ECOSYSTEM", "", 2),
                ("org.eclipse.jetty:jetty-server", "ECOSYSTEM", "", 2),
                ("left-pad", "SEMVER", "", 1),
                ("left-pad", "GIT", "", 3),
                ("jetty9", "", "9.4.39-3\n9.4.50-4", 0),
            ]
        );
        assert_eq!(form.affected[4].range_repo, "https://github.com/left/pad");
        assert_eq!(form.severity[1].score_ubuntu, "high");
        assert_eq!(form.severity[1].score, "");
        assert_eq!(
            form.credits[0].contact,
            "mailto:ada@example.org\nhttps://ada.example.org"
        );
        assert_eq!(form.base_version, None);
    }

    #[test]
    fn the_blank_form_has_one_empty_row_per_formset_and_saves_nothing() {
        let form = AdvisoryForm::blank(Some(project()));
        assert_eq!(form.project, PROJECT);
        assert_eq!(form.references, [ReferenceRow::default()]);
        assert_eq!(form.affected[0].range_type, "ECOSYSTEM");
        assert_eq!(form.affected[0].events, [EventRow::default()]);
        assert_eq!(form.affected[0].events[0].kind, "introduced");
        let (_, payload, _) = form.to_payload().unwrap();
        assert_eq!(payload, Payload::default());
        assert_eq!(AdvisoryForm::blank(None).project, "");
    }

    #[test]
    fn deleted_rows_are_dropped_and_the_rest_renumbered() {
        let (form, action) = AdvisoryForm::parse(&pairs(&[
            ("project", PROJECT),
            ("aliases-TOTAL_FORMS", "3"),
            ("aliases-0-value", "A-0"),
            ("aliases-0-DELETE", "on"),
            ("aliases-1-value", "A-1"),
            ("aliases-2-value", "A-2"),
            ("aliases-2-DELETE", ""),
            ("affected-TOTAL_FORMS", "2"),
            ("affected-0-package_name", "gone"),
            ("affected-0-DELETE", "on"),
            ("affected-1-package_name", "kept"),
            ("affected-1-package_ecosystem", "npm"),
            ("affected-1-range_type", "SEMVER"),
            ("affected-1-events-TOTAL_FORMS", "2"),
            ("affected-1-events-0-kind", "introduced"),
            ("affected-1-events-0-value", "0"),
            ("affected-1-events-1-kind", "fixed"),
            ("affected-1-events-1-value", "1.0"),
            ("affected-1-events-1-DELETE", "on"),
        ]));
        assert_eq!(action, FormAction::Save);
        let values: Vec<&str> = form.aliases.iter().map(|r| r.value.as_str()).collect();
        assert_eq!(values, ["A-1", "A-2"]);
        assert_eq!(form.affected.len(), 1);
        assert_eq!(form.affected[0].package_name, "kept");
        assert_eq!(
            form.affected[0].events,
            [EventRow {
                kind: "introduced".to_owned(),
                value: "0".to_owned()
            }]
        );
        let (_, payload, _) = form.to_payload().unwrap();
        assert_eq!(payload.aliases, ["A-1", "A-2"]);
        assert_eq!(
            payload.affected[0].ranges,
            [range("SEMVER", "", vec![event(EventKind::Introduced, "0")])]
        );
    }

    #[test]
    fn the_add_button_names_the_formset_and_add_row_extends_it() {
        let base = AdvisoryForm::from_payload(&rich(), project(), Some(3));
        for prefix in [
            "aliases",
            "cwe_ids",
            "references",
            "severity",
            "credits",
            "affected",
        ] {
            let mut submitted = base.to_pairs();
            submitted.push((ADD_BUTTON.to_owned(), prefix.to_owned()));
            let (mut form, action) = AdvisoryForm::parse(&submitted);
            assert_eq!(action, FormAction::Add(prefix.to_owned()));
            assert_eq!(form, base);
            form.add_row(prefix);
            let lengths = |f: &AdvisoryForm| {
                [
                    f.aliases.len(),
                    f.cwe_ids.len(),
                    f.references.len(),
                    f.severity.len(),
                    f.credits.len(),
                    f.affected.len(),
                ]
            };
            let grown: usize = lengths(&form)
                .iter()
                .zip(lengths(&base))
                .map(|(a, b)| a - b)
                .sum();
            assert_eq!(grown, 1, "{prefix}");
            // The extra row is blank, so saving now would change nothing.
            assert_eq!(form.to_payload().unwrap().1, rich());
        }

        let mut submitted = base.to_pairs();
        submitted.push((ADD_BUTTON.to_owned(), "affected-1-events".to_owned()));
        let (mut form, action) = AdvisoryForm::parse(&submitted);
        assert_eq!(action, FormAction::Add("affected-1-events".to_owned()));
        form.add_row("affected-1-events");
        assert_eq!(form.affected[1].events.len(), 3);
        assert_eq!(form.affected[1].events[2], EventRow::default());
        assert_eq!(form.affected[0].events.len(), 2);
        assert_eq!(form.affected.len(), base.affected.len());
        assert_eq!(form.to_payload().unwrap().1, rich());
    }

    #[test]
    fn the_add_target_follows_rows_deleted_in_the_same_submit() {
        let base = AdvisoryForm::from_payload(&rich(), project(), None);
        let mut submitted = base.to_pairs();
        submitted.push(("affected-0-DELETE".to_owned(), "on".to_owned()));
        submitted.push((ADD_BUTTON.to_owned(), "affected-4-events".to_owned()));
        let (_, action) = AdvisoryForm::parse(&submitted);
        assert_eq!(action, FormAction::Add("affected-3-events".to_owned()));

        submitted.push((ADD_BUTTON.to_owned(), "affected-0-events".to_owned()));
        let (form, action) = AdvisoryForm::parse(&submitted);
        assert_eq!(action, FormAction::Add(String::new()));
        let mut added = form.clone();
        added.add_row("");
        added.add_row("nonsense");
        added.add_row("affected-99-events");
        added.add_row("affected-x-events");
        assert_eq!(added, form);
    }

    #[test]
    fn rows_stop_at_the_caps() {
        let mut form = AdvisoryForm::default();
        for _ in 0..MAX_ROWS + 5 {
            form.add_row("references");
        }
        assert_eq!(form.references.len(), MAX_ROWS);
        form.add_row("affected");
        for _ in 0..MAX_EVENTS + 5 {
            form.add_row("affected-0-events");
        }
        assert_eq!(form.affected[0].events.len(), MAX_EVENTS);
    }

    #[test]
    fn blank_rows_are_skipped_wherever_they_are() {
        let (form, _) = AdvisoryForm::parse(&pairs(&[
            ("project", PROJECT),
            ("references-TOTAL_FORMS", "4"),
            ("references-0-type", "WEB"),
            ("references-0-url", "  "),
            ("references-1-type", "FIX"),
            ("references-1-url", "example.org/fix"),
            ("references-2-type", ""),
            ("references-3-type", "WEB"),
            ("references-3-url", "https://example.org/"),
            ("severity-TOTAL_FORMS", "2"),
            ("severity-0-type", "CVSS_V3"),
            ("severity-1-type", "CVSS_V4"),
            ("credits-TOTAL_FORMS", "2"),
            ("credits-0-name", ""),
            ("credits-1-name", "Ada"),
            ("cwe_ids-TOTAL_FORMS", "2"),
            ("cwe_ids-0-value", ""),
            ("cwe_ids-1-value", " 79 "),
            ("affected-TOTAL_FORMS", "2"),
            ("affected-0-range_type", "ECOSYSTEM"),
            ("affected-0-events-TOTAL_FORMS", "1"),
            ("affected-0-events-0-kind", "introduced"),
            ("affected-0-events-0-value", ""),
            ("affected-1-range_type", ""),
        ]));
        let (_, payload, map) = form.to_payload().unwrap();
        assert_eq!(
            payload.references,
            [
                Reference {
                    kind: "FIX".to_owned(),
                    url: "https://example.org/fix".to_owned()
                },
                Reference {
                    kind: "WEB".to_owned(),
                    url: "https://example.org/".to_owned()
                },
            ]
        );
        // A deliberately chosen type is content: the validator will ask for
        // the vector.
        assert_eq!(
            payload.severity,
            [SeverityEntry {
                kind: "CVSS_V4".to_owned(),
                score: String::new()
            }]
        );
        assert_eq!(map.form_field("severity[0].score"), "severity-1-score");
        assert_eq!(payload.credits.len(), 1);
        assert_eq!(payload.cwe_ids, ["CWE-79"]);
        assert!(payload.affected.is_empty());
    }

    #[test]
    fn rows_of_the_same_package_are_grouped_in_order() {
        let mut form = AdvisoryForm::blank(Some(project()));
        let row = |name: &str,
                   ecosystem: &str,
                   range_type: &str,
                   events: &[(&str, &str)],
                   versions: &str| {
            AffectedRow {
                package_name: name.to_owned(),
                package_ecosystem: ecosystem.to_owned(),
                package_purl: String::new(),
                range_type: range_type.to_owned(),
                range_repo: String::new(),
                versions: versions.to_owned(),
                events: events
                    .iter()
                    .map(|(kind, value)| EventRow {
                        kind: (*kind).to_owned(),
                        value: (*value).to_owned(),
                    })
                    .collect(),
            }
        };
        form.affected = vec![
            row(
                "a",
                "npm",
                "SEMVER",
                &[("introduced", "0"), ("fixed", "1.0")],
                "0.9\n",
            ),
            row("b", "npm", "SEMVER", &[("introduced", "0")], ""),
            AffectedRow::default(),
            row(
                " a ",
                "npm",
                "SEMVER",
                &[("introduced", "2.0"), ("fixed", "2.1")],
                "2.0\r\n\n 2.0.1 ",
            ),
            row("a", "PyPI", "", &[("introduced", "")], "1"),
        ];
        let (_, payload, map) = form.to_payload().unwrap();
        let a = &payload.affected[0];
        assert_eq!(a.package, package("npm", "a", ""));
        assert_eq!(
            a.ranges,
            [
                range(
                    "SEMVER",
                    "",
                    vec![
                        event(EventKind::Introduced, "0"),
                        event(EventKind::Fixed, "1.0")
                    ]
                ),
                range(
                    "SEMVER",
                    "",
                    vec![
                        event(EventKind::Introduced, "2.0"),
                        event(EventKind::Fixed, "2.1")
                    ]
                ),
            ]
        );
        assert_eq!(a.versions, ["0.9", "2.0", "2.0.1"]);
        assert_eq!(payload.affected[1].package.name, "b");
        assert_eq!(payload.affected[2].package, package("PyPI", "a", ""));
        assert!(payload.affected[2].ranges.is_empty());
        assert_eq!(payload.affected.len(), 3);
        assert_eq!(
            map.form_field("affected[0].ranges[1].type"),
            "affected-3-range_type"
        );
        assert_eq!(
            map.form_field("affected[0].versions[2]"),
            "affected-3-versions"
        );
        assert_eq!(map.form_field("affected[2]"), "affected-4-versions");
    }

    #[test]
    fn validator_errors_land_on_the_rows_they_came_from() {
        let (form, _) = AdvisoryForm::parse(&pairs(&[
            ("project", PROJECT),
            ("summary", &"x".repeat(400)),
            ("references-TOTAL_FORMS", "5"),
            ("references-2-url", "https://example.org/ok"),
            ("references-4-url", "javascript:alert(1)"),
            ("cwe_ids-TOTAL_FORMS", "4"),
            ("cwe_ids-1-value", "CWE-79"),
            ("cwe_ids-3-value", "CWE-999999"),
            ("severity-TOTAL_FORMS", "3"),
            ("severity-1-type", "Ubuntu"),
            ("severity-1-score_ubuntu", "urgent"),
            ("severity-2-type", "CVSS_V3"),
            ("severity-2-score", "CVSS:3.1/nonsense"),
            ("credits-TOTAL_FORMS", "2"),
            ("credits-1-name", "Ada"),
            ("credits-1-type", "HERO"),
            ("affected-TOTAL_FORMS", "4"),
            ("affected-0-package_name", "a"),
            ("affected-0-package_ecosystem", "Nonsense"),
            ("affected-0-range_type", "SEMVER"),
            ("affected-0-events-TOTAL_FORMS", "1"),
            ("affected-0-events-0-value", "0"),
            ("affected-2-package_name", "b"),
            ("affected-2-package_ecosystem", "npm"),
            ("affected-2-range_type", "SEMVER"),
            ("affected-2-events-TOTAL_FORMS", "3"),
            ("affected-2-events-1-kind", "fixed"),
            ("affected-2-events-1-value", "1.0"),
            ("affected-2-events-2-kind", "introduced"),
            ("affected-2-events-2-value", &"9".repeat(300)),
            ("affected-3-package_name", "a"),
            ("affected-3-package_ecosystem", "Nonsense"),
            ("affected-3-range_type", "ECOSYSTEM"),
        ]));
        let (_, payload, map) = form.to_payload().unwrap();
        let errors = content::validate(&payload).unwrap_err();
        let paths: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            paths,
            [
                "summary",
                "references[1].url",
                "affected[0].package.ecosystem",
                "affected[0].ranges[1].events",
                "affected[1].ranges[0].events[1]",
                "severity[0].score",
                "severity[1].score",
                "cwe_ids[1]",
                "credits[0].type",
            ]
        );
        let form_errors = map.to_form_errors(&errors);
        let fields: Vec<String> = form_errors.all().into_iter().map(|(f, _)| f).collect();
        assert_eq!(
            fields,
            [
                "summary",
                "cwe_ids-3-value",
                "references-4-url",
                "severity-1-score_ubuntu",
                "severity-2-score",
                "credits-1-type",
                "affected-0-package_ecosystem",
                "affected-2-events-2-value",
                "affected-3-events",
            ]
        );
        assert!(form_errors.has("references-4-url"));
        assert!(!form_errors.has("references-1-url"));
        assert_eq!(form_errors.len(), 9);
        assert!(form_errors.general().is_empty());
    }

    #[test]
    fn unknown_paths_are_general_errors() {
        let (_, _, map) = AdvisoryForm::from_payload(&rich(), project(), None)
            .to_payload()
            .unwrap();
        for path in [
            "",
            "nonsense",
            "aliases[9]",
            "aliases[x]",
            "affected[9].package.name",
            "affected[0].ranges[9].events",
            "widgets[0]",
        ] {
            assert_eq!(map.form_field(path), "", "{path}");
        }
        assert_eq!(map.form_field("project"), "project");
        assert_eq!(map.form_field("details"), "details");
        assert_eq!(map.form_field("aliases[1]"), "aliases-1-value");
        assert_eq!(
            map.form_field("affected[1].ranges[1].repo"),
            "affected-4-range_repo"
        );
        assert_eq!(
            map.form_field("affected[1].package.purl"),
            "affected-3-package_purl"
        );
        assert_eq!(
            map.form_field("affected[0].ranges[2].events[1]"),
            "affected-2-events-1-value"
        );
        assert_eq!(map.form_field("credits[0].contact[1]"), "credits-0-contact");
        let errors = FieldErrors::from(vec![FieldError {
            field: "widgets[0]".to_owned(),
            code: "x",
            message: "Something else.".to_owned(),
        }]);
        let form_errors = map.to_form_errors(&errors);
        assert_eq!(form_errors.general(), ["Something else."]);
        assert_eq!(
            form_errors.all(),
            [(String::new(), "Something else.".to_owned())]
        );
    }

    #[test]
    fn form_level_problems_are_keyed_by_form_field() {
        let (form, _) = AdvisoryForm::parse(&pairs(&[
            ("project", "not-a-uuid"),
            ("severity-TOTAL_FORMS", "3"),
            ("severity-2-type", "Ubuntu"),
            ("severity-2-score", "CVSS:3.1/AV:N"),
            ("affected-TOTAL_FORMS", "2"),
            ("affected-1-package_purl", "pkg:npm/x"),
            ("affected-1-range_type", ""),
            ("affected-1-events-TOTAL_FORMS", "2"),
            ("affected-1-events-0-kind", "introduced"),
            ("affected-1-events-0-value", "0"),
            ("affected-1-events-1-kind", "patched"),
            ("affected-1-events-1-value", "1"),
        ]));
        let errors = form.to_payload().unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "project",
                "severity-2-score_ubuntu",
                "affected-1-package_name",
                "affected-1-package_ecosystem",
                "affected-1-events-1-kind",
                "affected-1-range_type",
            ]
        );
        assert!(
            errors
                .get("affected-1-events-1-kind")
                .unwrap()
                .message
                .contains("\"patched\"")
        );
        let form_errors = FormErrors::from_form_level(errors);
        assert_eq!(form_errors.len(), 6);
        assert_eq!(
            form_errors.get("project"),
            ["Choose a project from the list."]
        );

        let (form, _) = AdvisoryForm::parse(&pairs(&[("summary", "s")]));
        let errors = form.to_payload().unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(
            errors.get("project").unwrap().message,
            "Choose the project this advisory belongs to."
        );
    }

    #[test]
    fn form_errors_keep_form_order_and_do_not_repeat() {
        let mut errors = FormErrors::default();
        assert!(errors.is_empty());
        assert_eq!(errors.get("summary"), [] as [String; 0]);
        errors.add("affected-10-package_name", "j");
        errors.add("affected-2-events-0-value", "i");
        errors.add("affected-2-events", "h");
        errors.add("affected-2-package_name", "g");
        errors.add("references-0-url", "f");
        errors.add("references-0-type", "e");
        errors.add("aliases-1-value", "d");
        errors.add("summary", "c");
        errors.add("project", "b");
        errors.add("", "a");
        errors.add("summary", "c");
        errors.add("summary", "c2");
        let order: Vec<String> = errors.all().into_iter().map(|(_, m)| m).collect();
        assert_eq!(
            order,
            ["a", "b", "c", "c2", "d", "e", "f", "g", "h", "i", "j"]
        );
        assert_eq!(errors.len(), 11);
        assert_eq!(errors.get("summary"), ["c", "c2"]);
        assert!(errors.has("affected-2-events"));
        assert!(!errors.has("affected-2"));
        assert_eq!(errors.general(), ["a"]);
    }

    #[test]
    fn scalars_and_line_breaks_are_read_as_submitted() {
        let (form, action) = AdvisoryForm::parse(&pairs(&[
            ("project", PROJECT),
            ("summary", "first"),
            ("summary", "last wins"),
            ("details", "line 1\r\nline 2\rline 3"),
            ("base_version", " 12 "),
        ]));
        assert_eq!(action, FormAction::Save);
        assert_eq!(form.summary, "last wins");
        assert_eq!(form.details, "line 1\nline 2\nline 3");
        assert_eq!(form.base_version, Some(12));
        let (form, _) = AdvisoryForm::parse(&pairs(&[("base_version", "twelve")]));
        assert_eq!(form.base_version, None);
    }

    #[test]
    fn garbage_never_panics_and_stays_small() {
        let huge = "9".repeat(40);
        let long_name = format!("affected{}-value", "-1".repeat(50_000));
        let cases: Vec<Vec<(String, String)>> = vec![
            Vec::new(),
            // No management fields: rows are counted from the indexes seen.
            pairs(&[
                ("aliases-0-value", "A"),
                ("aliases-3-value", "B"),
                ("aliases-x-value", "C"),
                ("aliases--1-value", "D"),
                ("aliases-07-value", "E"),
                ("aliases-1", "no column"),
                ("affected-1-events-4-value", "1.0"),
            ]),
            pairs(&[
                ("aliases-TOTAL_FORMS", &huge),
                ("references-TOTAL_FORMS", "1000000"),
                ("severity-TOTAL_FORMS", "-3"),
                ("credits-TOTAL_FORMS", "lots"),
                ("affected-TOTAL_FORMS", "4294967296"),
                ("affected-0-events-TOTAL_FORMS", "99999"),
                ("affected-199-events-TOTAL_FORMS", &huge),
                ("cwe_ids-TOTAL_FORMS", " "),
                ("-", "-"),
                ("--", ""),
                ("affected-", "x"),
                ("affected-0-", "x"),
                ("_add", "affected-99999999999999999999-events"),
            ]),
            vec![
                (long_name, "x".to_owned()),
                ("é-0-ü".to_owned(), "ß".to_owned()),
            ],
        ];
        for case in &cases {
            let (mut form, _) = AdvisoryForm::parse(case);
            assert!(form.aliases.len() <= MAX_ROWS);
            assert!(form.references.len() <= MAX_ROWS);
            assert!(form.affected.len() <= MAX_ROWS);
            assert!(form.affected.iter().all(|r| r.events.len() <= MAX_EVENTS));
            form.add_row("affected-0-events");
            let _ = form.to_payload();
            let _ = form.to_pairs();
        }

        let (form, _) = AdvisoryForm::parse(&cases[1]);
        let values: Vec<&str> = form.aliases.iter().map(|r| r.value.as_str()).collect();
        assert_eq!(values, ["A", "", "", "B"]);
        assert_eq!(form.affected.len(), 2);
        assert_eq!(form.affected[1].events.len(), 5);
        assert_eq!(form.affected[1].events[4].value, "1.0");

        let (form, action) = AdvisoryForm::parse(&cases[2]);
        assert_eq!(form.aliases.len(), MAX_ROWS);
        assert_eq!(form.references.len(), MAX_ROWS);
        assert_eq!(form.severity.len(), 0);
        assert_eq!(form.affected.len(), MAX_ROWS);
        assert_eq!(form.affected[0].events.len(), MAX_EVENTS);
        assert_eq!(form.affected[199].events.len(), MAX_EVENTS);
        assert_eq!(form.affected[1].events.len(), 0);
        assert_eq!(
            action,
            FormAction::Add("affected-99999999999999999999-events".to_owned())
        );
        // All those rows are blank: nothing but the missing project.
        let errors = form.to_payload().unwrap_err();
        assert_eq!(errors.len(), 1);
    }

    #[test]
    fn the_vocabularies_back_the_selects() {
        assert_eq!(reference_types().len(), RefType::ALL.len());
        assert!(reference_types().contains(&DEFAULT_REFERENCE_TYPE));
        assert_eq!(range_types()[0], "");
        assert_eq!(&range_types()[1..], ["GIT", "SEMVER", "ECOSYSTEM"]);
        assert!(range_types().contains(&DEFAULT_RANGE_TYPE));
        assert_eq!(
            event_kinds(),
            ["introduced", "fixed", "last_affected", "limit"]
        );
        assert_eq!(event_kinds()[0], DEFAULT_EVENT_KIND);
        assert!(severity_types().contains(&DEFAULT_SEVERITY_TYPE));
        assert!(severity_types().contains(&UBUNTU));
        assert_eq!(
            ubuntu_priorities(),
            ["negligible", "low", "medium", "high", "critical"]
        );
        assert_eq!(credit_types().len(), 10);
    }
}
