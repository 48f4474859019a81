//! Where each document lives in the publication repository (70-publication
//! §5): `{name}` substitution into the configured path templates.
//!
//! Invariants kept: a template names only the placeholders of its kind
//! (checked by [`check`], which the configuration loader runs at startup, so
//! a typo is a configuration error and never a surprising path); a template
//! is a relative path without `..` segments; the CVE `{year}` and `{bucket}`
//! come from the CVE id (cvelistV5 layout), the OSV and CSAF `{year}` from
//! the first publication, so a path never moves on re-publish.

use std::fmt;

use super::Kind;

/// `PUB_OSV_PATH_TEMPLATE`'s default.
pub const DEFAULT_OSV_TEMPLATE: &str = "osv/{year}/{advisory_id}.json";
/// `PUB_CSAF_PATH_TEMPLATE`'s default.
pub const DEFAULT_CSAF_TEMPLATE: &str = "csaf/{year}/{advisory_id}.json";
/// `PUB_CVE_PATH_TEMPLATE`'s default.
pub const DEFAULT_CVE_TEMPLATE: &str = "cves/{year}/{bucket}/{cve_id}.json";

/// A path template the configuration must not accept.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("the {kind} path template is empty")]
    Empty { kind: Kind },
    #[error(
        "the {kind} path template names an unknown placeholder {{{name}}}; it may use {}",
        Allowed(*kind)
    )]
    UnknownPlaceholder { kind: Kind, name: String },
    #[error("the {kind} path template has an unmatched {brace:?}")]
    UnmatchedBrace { kind: Kind, brace: char },
    #[error(
        "the {kind} path template must be a relative path inside the repository, not {template:?}"
    )]
    NotRelative { kind: Kind, template: String },
}

/// The placeholders of each kind, for messages.
struct Allowed(Kind);

impl fmt::Display for Allowed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<String> = placeholders(self.0)
            .iter()
            .map(|n| format!("{{{n}}}"))
            .collect();
        f.write_str(&names.join(", "))
    }
}

fn placeholders(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::Osv | Kind::Csaf => &["year", "advisory_id"],
        Kind::Cve => &["year", "bucket", "cve_id"],
    }
}

enum Piece<'t> {
    Literal(&'t str),
    Placeholder(&'t str),
}

/// Splits a template into literals and placeholders, checking every rule.
fn parse(kind: Kind, template: &str) -> Result<Vec<Piece<'_>>, TemplateError> {
    if template.trim().is_empty() {
        return Err(TemplateError::Empty { kind });
    }
    let not_relative = || TemplateError::NotRelative {
        kind,
        template: template.to_owned(),
    };
    if template.starts_with('/')
        || template.contains('\\')
        || template.split('/').any(|segment| segment == "..")
    {
        return Err(not_relative());
    }
    let mut pieces = Vec::new();
    let mut rest = template;
    while !rest.is_empty() {
        let open = rest.find('{');
        let close = rest.find('}');
        match (open, close) {
            (None, None) => {
                pieces.push(Piece::Literal(rest));
                break;
            }
            (Some(o), Some(c)) if o < c => {
                let name = &rest[o + 1..c];
                if name.contains('{') {
                    return Err(TemplateError::UnmatchedBrace { kind, brace: '{' });
                }
                if !placeholders(kind).contains(&name) {
                    return Err(TemplateError::UnknownPlaceholder {
                        kind,
                        name: name.to_owned(),
                    });
                }
                if o > 0 {
                    pieces.push(Piece::Literal(&rest[..o]));
                }
                pieces.push(Piece::Placeholder(name));
                rest = &rest[c + 1..];
            }
            (Some(_), None) => return Err(TemplateError::UnmatchedBrace { kind, brace: '{' }),
            (_, Some(_)) => return Err(TemplateError::UnmatchedBrace { kind, brace: '}' }),
        }
    }
    Ok(pieces)
}

/// Checks a configured template of `kind` (startup, `advisoryhub check`).
pub fn check(kind: Kind, template: &str) -> Result<(), TemplateError> {
    parse(kind, template).map(|_| ())
}

fn render(
    kind: Kind,
    template: &str,
    value: impl Fn(&str) -> String,
) -> Result<String, TemplateError> {
    let mut out = String::new();
    for piece in parse(kind, template)? {
        match piece {
            Piece::Literal(text) => out.push_str(text),
            Piece::Placeholder(name) => out.push_str(&value(name)),
        }
    }
    Ok(out)
}

/// The OSV document's path. `year` is the year of the first publication
/// (the current year on the first run).
pub fn osv(template: &str, advisory_id: &str, year: i32) -> Result<String, TemplateError> {
    advisory_path(Kind::Osv, template, advisory_id, year)
}

/// The CSAF document's path; placeholders as for [`osv`].
pub fn csaf(template: &str, advisory_id: &str, year: i32) -> Result<String, TemplateError> {
    advisory_path(Kind::Csaf, template, advisory_id, year)
}

fn advisory_path(
    kind: Kind,
    template: &str,
    advisory_id: &str,
    year: i32,
) -> Result<String, TemplateError> {
    render(kind, template, |name| match name {
        "year" => year.to_string(),
        _ => advisory_id.to_owned(),
    })
}

/// The CVE record's path: `{year}` and `{bucket}` from the id (see
/// [`cve_year_and_bucket`]), `{cve_id}` the id itself.
pub fn cve(template: &str, cve_id: &str) -> Result<String, TemplateError> {
    let (year, bucket) = cve_year_and_bucket(cve_id);
    render(Kind::Cve, template, |name| match name {
        "year" => year.clone(),
        "bucket" => bucket.clone(),
        _ => cve_id.to_owned(),
    })
}

/// The cvelistV5 directory of a CVE id: its year, and `floor(sequence /
/// 1000)` followed by `xxx` (`CVE-2026-0001` → `("2026", "0xxx")`,
/// `CVE-2026-12345` → `("2026", "12xxx")`). An id not shaped
/// `CVE-<year>-<n>` gives `("unknown", "xxx")`.
pub fn cve_year_and_bucket(cve_id: &str) -> (String, String) {
    let parsed = cve_id
        .strip_prefix("CVE-")
        .and_then(|rest| rest.split_once('-'))
        .filter(|(year, number)| {
            year.len() == 4
                && year.bytes().all(|b| b.is_ascii_digit())
                && !number.is_empty()
                && number.bytes().all(|b| b.is_ascii_digit())
        })
        .and_then(|(year, number)| Some((year, number.parse::<u128>().ok()?)));
    match parsed {
        Some((year, sequence)) => (year.to_owned(), format!("{}xxx", sequence / 1000)),
        None => ("unknown".to_owned(), "xxx".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_render_as_the_spec_says() {
        assert_eq!(
            osv(DEFAULT_OSV_TEMPLATE, "ECL-cf23-gh45-jm67", 2026).unwrap(),
            "osv/2026/ECL-cf23-gh45-jm67.json"
        );
        assert_eq!(
            csaf(DEFAULT_CSAF_TEMPLATE, "ECL-cf23-gh45-jm67", 2027).unwrap(),
            "csaf/2027/ECL-cf23-gh45-jm67.json"
        );
        assert_eq!(
            cve(DEFAULT_CVE_TEMPLATE, "CVE-2026-0001").unwrap(),
            "cves/2026/0xxx/CVE-2026-0001.json"
        );
        assert_eq!(
            cve(DEFAULT_CVE_TEMPLATE, "CVE-2026-12345").unwrap(),
            "cves/2026/12xxx/CVE-2026-12345.json"
        );
        assert_eq!(
            cve(DEFAULT_CVE_TEMPLATE, "CVE-2026-1234567890123456789").unwrap(),
            "cves/2026/1234567890123456xxx/CVE-2026-1234567890123456789.json"
        );
        assert_eq!(
            cve(DEFAULT_CVE_TEMPLATE, "not-a-cve").unwrap(),
            "cves/unknown/xxx/not-a-cve.json"
        );
        for kind in [Kind::Osv, Kind::Csaf, Kind::Cve] {
            let template = match kind {
                Kind::Osv => DEFAULT_OSV_TEMPLATE,
                Kind::Csaf => DEFAULT_CSAF_TEMPLATE,
                Kind::Cve => DEFAULT_CVE_TEMPLATE,
            };
            assert_eq!(check(kind, template), Ok(()));
        }
    }

    #[test]
    fn bad_templates_are_refused_with_the_reason() {
        assert_eq!(
            check(Kind::Osv, "osv/{yaer}/{advisory_id}.json"),
            Err(TemplateError::UnknownPlaceholder {
                kind: Kind::Osv,
                name: "yaer".into()
            })
        );
        assert_eq!(
            check(Kind::Csaf, "csaf/{bucket}/{advisory_id}.json")
                .unwrap_err()
                .to_string(),
            "the CSAF path template names an unknown placeholder {bucket}; it may use {year}, {advisory_id}"
        );
        assert!(matches!(
            check(Kind::Cve, "cves/{advisory_id}.json"),
            Err(TemplateError::UnknownPlaceholder { .. })
        ));
        assert!(matches!(
            check(Kind::Osv, "osv/{year/{advisory_id}.json"),
            Err(TemplateError::UnmatchedBrace { brace: '{', .. })
        ));
        assert!(matches!(
            check(Kind::Osv, "osv/{year}}/x.json"),
            Err(TemplateError::UnmatchedBrace { brace: '}', .. })
        ));
        assert!(matches!(
            check(Kind::Osv, "osv/{year"),
            Err(TemplateError::UnmatchedBrace { brace: '{', .. })
        ));
        assert!(matches!(
            check(Kind::Osv, " "),
            Err(TemplateError::Empty { .. })
        ));
        for template in [
            "/osv/{advisory_id}.json",
            "../{advisory_id}.json",
            "a/../../b",
            "a\\b",
        ] {
            assert!(
                matches!(
                    check(Kind::Osv, template),
                    Err(TemplateError::NotRelative { .. })
                ),
                "{template}"
            );
        }
        assert!(osv("{nope}", "ECL-cf23-gh45-jm67", 2026).is_err());
    }
}
