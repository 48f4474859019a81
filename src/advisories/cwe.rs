//! The CWE catalogue that `cwe_ids` are checked against (10-domain-model
//! §2.7): MITRE's weaknesses (no categories, views or deprecated entries),
//! compiled in from `vendor/cwe/cwes.json` and parsed once.
//!
//! Invariants kept: an id is known exactly when its upper-cased form is an
//! `id` of the vendored file; [`all_entries`] is sorted by CWE number; ids are
//! stored upper-case (00-decisions ruling 38), which [`normalize`] produces.

use std::collections::HashMap;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

const CATALOGUE_JSON: &str = include_str!("../../vendor/cwe/cwes.json");

/// One weakness of the catalogue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CweEntry {
    /// `CWE-<n>`, upper-case.
    pub id: String,
    pub name: String,
    /// MITRE's abstraction level: `Pillar`, `Class`, `Base`, `Variant` or
    /// `Compound`.
    pub abstraction: String,
}

#[derive(Deserialize)]
struct CatalogueFile {
    version: String,
    date: String,
    weaknesses: Vec<CweEntry>,
}

struct Catalogue {
    version: String,
    date: String,
    entries: Vec<CweEntry>,
    index: HashMap<String, usize>,
}

impl Catalogue {
    /// The file is pinned by `vendor/SHA256SUMS` and a test parses it, so the
    /// empty fallback exists only to keep this path free of panics; with it
    /// every id would be refused, which is loud rather than unsafe.
    fn load() -> Self {
        let file = serde_json::from_str::<CatalogueFile>(CATALOGUE_JSON).unwrap_or_else(|_| {
            CatalogueFile {
                version: String::new(),
                date: String::new(),
                weaknesses: Vec::new(),
            }
        });
        let mut entries = file.weaknesses;
        entries.sort_by_key(|e| number(&e.id));
        let index = entries
            .iter()
            .enumerate()
            .map(|(i, e)| (e.id.clone(), i))
            .collect();
        Self {
            version: file.version,
            date: file.date,
            entries,
            index,
        }
    }

    fn get(&self, id: &str) -> Option<&CweEntry> {
        self.index.get(&normalize(id)).map(|&i| &self.entries[i])
    }
}

static CATALOGUE: LazyLock<Catalogue> = LazyLock::new(Catalogue::load);

/// The numeric part of `CWE-<n>`, for sorting; anything else sorts last.
fn number(id: &str) -> u32 {
    id.strip_prefix("CWE-")
        .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|n| n.parse().ok())
        .unwrap_or(u32::MAX)
}

/// The stored spelling of an id: trimmed and upper-cased (`" cwe-79"` →
/// `"CWE-79"`). It does not check that the id exists.
pub fn normalize(id: &str) -> String {
    id.trim().to_ascii_uppercase()
}

/// What the edit form's CWE field means by its input: like [`normalize`], and
/// a bare number is read as that CWE (`"79"` → `"CWE-79"`, 50-web-ui §7.1).
/// The content validator itself requires the `CWE-` prefix (§2.7), so only the
/// form calls this before validating.
pub fn from_form_input(input: &str) -> String {
    let id = normalize(input);
    if !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) {
        format!("CWE-{id}")
    } else {
        id
    }
}

/// Whether the catalogue holds `id`, compared case-insensitively
/// (`cwe-79` is known).
pub fn is_known(id: &str) -> bool {
    CATALOGUE.get(id).is_some()
}

/// The weakness's name, e.g. `Improper Neutralization of Input During Web
/// Page Generation ('Cross-site Scripting')` for `CWE-79`.
pub fn name_for(id: &str) -> Option<&'static str> {
    CATALOGUE.get(id).map(|e| e.name.as_str())
}

/// The whole entry for `id`, if known.
pub fn entry(id: &str) -> Option<&'static CweEntry> {
    CATALOGUE.get(id)
}

/// The catalogue release, e.g. `4.20`.
pub fn catalog_version() -> &'static str {
    &CATALOGUE.version
}

/// The release date of the catalogue, e.g. `2026-04-30`.
pub fn catalog_date() -> &'static str {
    &CATALOGUE.date
}

/// Every weakness, sorted by CWE number (`CWE-5`, `CWE-6`, …, `CWE-1434`).
pub fn all_entries() -> &'static [CweEntry] {
    &CATALOGUE.entries
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_vendored_catalogue_parses() {
        assert_eq!(catalog_version(), "4.20");
        assert_eq!(catalog_date(), "2026-04-30");
        assert_eq!(all_entries().len(), 944);
        let raw: serde_json::Value = serde_json::from_str(CATALOGUE_JSON).unwrap();
        assert_eq!(raw["weaknesses"].as_array().unwrap().len(), 944);
    }

    #[test]
    fn entries_are_sorted_by_number_and_unique() {
        let numbers: Vec<u32> = all_entries().iter().map(|e| number(&e.id)).collect();
        assert!(numbers.iter().all(|&n| n != u32::MAX));
        assert!(numbers.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(all_entries().first().unwrap().id, "CWE-5");
    }

    #[test]
    fn lookups_are_case_insensitive() {
        assert!(is_known("CWE-79"));
        assert!(is_known("cwe-79"));
        assert!(is_known(" Cwe-79 "));
        assert_eq!(
            name_for("cwe-79"),
            Some(
                "Improper Neutralization of Input During Web Page Generation ('Cross-site Scripting')"
            )
        );
        assert_eq!(entry("CWE-1333").unwrap().abstraction, "Base");
    }

    #[test]
    fn unknown_ids_are_not_known() {
        // CWE-16 is a category, not a weakness; CWE-079 is not the spelling.
        for id in [
            "CWE-16",
            "CWE-079",
            "CWE-999999",
            "79",
            "CWE79",
            "CWE-",
            "",
            "CWE-+79",
        ] {
            assert!(!is_known(id), "{id:?}");
            assert_eq!(name_for(id), None);
        }
    }

    #[test]
    fn normalisation_upper_cases() {
        assert_eq!(normalize("cwe-79"), "CWE-79");
        assert_eq!(normalize("  CWE-1333 "), "CWE-1333");
        assert_eq!(from_form_input(" 79 "), "CWE-79");
        assert_eq!(from_form_input("cwe-79"), "CWE-79");
        assert_eq!(from_form_input(""), "");
        assert_eq!(from_form_input("x79"), "X79");
    }
}
