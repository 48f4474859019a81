//! The intake form as submitted and its top-level checks (50-web-ui §15.1):
//! the project choice, summary, details and the optional credit name. There
//! is no e-mail field, and fields the form does not have (an `email`, say)
//! are ignored (INV-INTAKE-2).

use serde::Deserialize;

use crate::advisories::content::{INTAKE_DETAILS_MAX_CHARS, SUMMARY_MAX_CHARS};
use crate::advisories::projects::UNSORTED;

/// The "I don't know which project" choice; it files the report on
/// `unsorted`, flagged for admin routing (INV-INTAKE-4).
pub const UNSORTED_CHOICE: &str = "__unsorted__";
/// `project_slug`, as the project table's column.
pub const PROJECT_SLUG_MAX_CHARS: usize = 100;
/// `reporter_display_name`, as the sidecar's column.
pub const DISPLAY_NAME_MAX_CHARS: usize = 200;
/// What a honeypot row keeps of the trap field, as its column.
pub const HONEYPOT_VALUE_MAX_CHARS: usize = 512;

/// The form's fields; anything else in the body is ignored.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ReportForm {
    pub project_slug: String,
    pub summary: String,
    pub details: String,
    /// Anonymous reporters only: a name to credit, never a contact.
    pub reporter_display_name: String,
    /// The honeypot, anonymous only: people never see it, bots fill it.
    pub website: String,
    /// The proof-of-work solution, anonymous only, when the captcha is on.
    pub altcha: String,
}

/// Which project the reporter chose.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Choice {
    /// "I don't know which project".
    Unsorted,
    /// A project's slug (never `unsorted` itself, which the form does not offer).
    Project(String),
}

/// A report whose top-level fields passed their checks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    pub choice: Choice,
    pub summary: String,
    pub details: String,
    /// Empty for signed-in reporters, whose account identifies them.
    pub display_name: String,
}

/// One problem with one field: the field's name and the catalogue key of
/// the message (`locales/*/intake.ftl`).
pub type Problem = (&'static str, &'static str);

/// Whether `s` holds a control character; `multiline` allows line breaks
/// and tabs. Such characters have no business in a report and could hide
/// text from the people who triage it.
fn has_control(s: &str, multiline: bool) -> bool {
    s.chars()
        .any(|c| c.is_control() && !(multiline && matches!(c, '\n' | '\r' | '\t')))
}

/// Whether `slug` can be a project's slug (the project table's check).
fn is_slug(slug: &str) -> bool {
    let b = slug.as_bytes();
    let inner = |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    !b.is_empty()
        && b.first().is_some_and(inner)
        && b.last().is_some_and(inner)
        && b.iter()
            .all(|c| inner(c) || matches!(c, b'.' | b'_' | b'-'))
}

impl ReportForm {
    /// The honeypot's value, if a bot filled it (anonymous forms only).
    pub fn trap(&self) -> Option<&str> {
        let value = self.website.trim();
        (!value.is_empty()).then_some(value)
    }

    /// The trap field as a honeypot row stores it.
    pub fn trap_stored(&self) -> String {
        self.website
            .chars()
            .filter(|c| *c != '\0')
            .take(HONEYPOT_VALUE_MAX_CHARS)
            .collect()
    }

    /// Checks the top-level fields (the honeypot check never fails, §15.2).
    pub fn validate(&self, anonymous: bool) -> Result<Report, Vec<Problem>> {
        let mut problems = Vec::new();
        let choice = self.choice(&mut problems);

        let summary = self.summary.trim();
        if summary.is_empty() {
            problems.push(("summary", "intake-error-summary-required"));
        } else if summary.chars().count() > SUMMARY_MAX_CHARS {
            problems.push(("summary", "intake-error-summary-too-long"));
        } else if has_control(summary, false) {
            problems.push(("summary", "intake-error-control-characters"));
        }

        // Leading spaces are markdown (an indented code block).
        let details = self.details.trim_end();
        if details.trim_start().is_empty() {
            problems.push(("details", "intake-error-details-required"));
        } else if details.chars().count() > INTAKE_DETAILS_MAX_CHARS {
            problems.push(("details", "intake-error-details-too-long"));
        } else if has_control(details, true) {
            problems.push(("details", "intake-error-control-characters"));
        }

        let display_name = if anonymous {
            self.reporter_display_name.trim()
        } else {
            ""
        };
        if display_name.chars().count() > DISPLAY_NAME_MAX_CHARS {
            problems.push((
                "reporter_display_name",
                "intake-error-display-name-too-long",
            ));
        } else if has_control(display_name, false) {
            problems.push(("reporter_display_name", "intake-error-control-characters"));
        }

        match choice {
            Some(choice) if problems.is_empty() => Ok(Report {
                choice,
                summary: summary.to_owned(),
                details: details.to_owned(),
                display_name: display_name.to_owned(),
            }),
            _ => Err(problems),
        }
    }

    fn choice(&self, problems: &mut Vec<Problem>) -> Option<Choice> {
        let slug = self.project_slug.trim();
        if slug.is_empty() {
            problems.push(("project_slug", "intake-error-project-required"));
            None
        } else if slug == UNSORTED_CHOICE {
            Some(Choice::Unsorted)
        } else if slug == UNSORTED
            || slug.chars().count() > PROJECT_SLUG_MAX_CHARS
            || !is_slug(slug)
        {
            problems.push(("project_slug", "intake-error-project-unknown"));
            None
        } else {
            Some(Choice::Project(slug.to_owned()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(project: &str, summary: &str, details: &str) -> ReportForm {
        ReportForm {
            project_slug: project.into(),
            summary: summary.into(),
            details: details.into(),
            ..ReportForm::default()
        }
    }

    fn fields(r: Result<Report, Vec<Problem>>) -> Vec<&'static str> {
        r.map_or_else(|p| p.into_iter().map(|(f, _)| f).collect(), |_| Vec::new())
    }

    #[test]
    fn a_complete_form_passes() {
        let r = form("ecd.theia", "  XSS in the editor ", "Steps:\n\n    code\n")
            .validate(true)
            .unwrap();
        assert_eq!(r.choice, Choice::Project("ecd.theia".into()));
        assert_eq!(r.summary, "XSS in the editor");
        assert_eq!(r.details, "Steps:\n\n    code");
        let r = form(UNSORTED_CHOICE, "s", "d").validate(true).unwrap();
        assert_eq!(r.choice, Choice::Unsorted);
    }

    #[test]
    fn missing_fields_are_named() {
        assert_eq!(
            fields(form("", " ", "\n").validate(true)),
            ["project_slug", "summary", "details"]
        );
    }

    #[test]
    fn the_sentinel_and_malformed_slugs_are_unknown_projects() {
        for slug in [
            "unsorted",
            "Ecd.Theia",
            "-x",
            "a b",
            "a/../b",
            &"a".repeat(101),
        ] {
            assert_eq!(
                form(slug, "s", "d").validate(true).unwrap_err(),
                [("project_slug", "intake-error-project-unknown")],
                "{slug}"
            );
        }
    }

    #[test]
    fn lengths_are_capped() {
        assert_eq!(
            fields(form("p", &"s".repeat(301), "d").validate(true)),
            ["summary"]
        );
        assert!(form("p", &"é".repeat(300), "d").validate(true).is_ok());
        assert_eq!(
            fields(form("p", "s", &"d".repeat(16_385)).validate(true)),
            ["details"]
        );
        let mut f = form("p", "s", "d");
        f.reporter_display_name = "n".repeat(201);
        assert_eq!(fields(f.validate(true)), ["reporter_display_name"]);
        // A signed-in reporter's form has no name field: whatever comes is ignored.
        assert!(f.validate(false).unwrap().display_name.is_empty());
    }

    #[test]
    fn control_characters_are_refused() {
        assert_eq!(
            fields(form("p", "a\u{7}b", "d").validate(true)),
            ["summary"]
        );
        assert_eq!(fields(form("p", "a\nb", "d").validate(true)), ["summary"]);
        assert_eq!(fields(form("p", "s", "a\0b").validate(true)), ["details"]);
        assert!(form("p", "s", "line\r\nnext\tcell").validate(true).is_ok());
        let mut f = form("p", "s", "d");
        f.reporter_display_name = "x\u{1b}[2J".into();
        assert_eq!(fields(f.validate(true)), ["reporter_display_name"]);
    }

    #[test]
    fn the_trap_is_kept_short() {
        let mut f = form("p", "s", "d");
        assert_eq!(f.trap(), None);
        f.website = " \t".into();
        assert_eq!(f.trap(), None);
        f.website = format!("http://spam\0{}", "x".repeat(600));
        assert!(f.trap().is_some());
        assert_eq!(f.trap_stored().chars().count(), 512);
        assert!(!f.trap_stored().contains('\0'));
    }
}
