//! The OSV ecosystem names an affected package may declare (10-domain-model
//! §2.6).
//!
//! Owns the list of base names: the vendored OSV schema's `ecosystemName`
//! enum, in its order, followed by `GIT`. Invariant kept: the list and the
//! vendored schema never drift apart (a test compares them), so a package the
//! validator accepts also passes the export's schema validation (INV-PUB-6).

/// Every accepted base name, in the order of the OSV schema's enum, then `GIT`.
/// The authoring form offers them as suggestions.
pub const ECOSYSTEMS: [&str; 47] = [
    "AlmaLinux",
    "Alpaquita",
    "Alpine",
    "Android",
    "BellSoft Hardened Containers",
    "Bioconductor",
    "Bitnami",
    "Chainguard",
    "CleanStart",
    "ConanCenter",
    "CRAN",
    "crates.io",
    "Debian",
    "Docker Hardened Images",
    "Echo",
    "FreeBSD",
    "GHC",
    "GitHub Actions",
    "Go",
    "Hackage",
    "Hex",
    "Julia",
    "Kubernetes",
    "Linux",
    "Mageia",
    "Maven",
    "MinimOS",
    "npm",
    "NuGet",
    "opam",
    "openEuler",
    "openSUSE",
    "OSS-Fuzz",
    "Packagist",
    "Photon OS",
    "Pub",
    "PyPI",
    "Red Hat",
    "Rocky Linux",
    "Root",
    "RubyGems",
    "SUSE",
    "SwiftURL",
    "Ubuntu",
    "VSCode",
    "Wolfi",
    "GIT",
];

/// Whether `value` is `Base` or `Base:suffix`, with `Base` one of
/// [`ECOSYSTEMS`] (exact, case-sensitive) and a non-empty suffix.
///
/// The suffix is free text, except that it may not contain a line break: the
/// schema's pattern is `(:.+)?$`, and `.` does not match line terminators.
pub fn is_valid_ecosystem(value: &str) -> bool {
    let (base, suffix) = match value.split_once(':') {
        Some((base, suffix)) => (base, Some(suffix)),
        None => (value, None),
    };
    ECOSYSTEMS.contains(&base)
        && suffix.is_none_or(|s| !s.is_empty() && !s.contains(['\n', '\r', '\u{2028}', '\u{2029}']))
}

#[cfg(test)]
mod tests {
    use super::*;

    const OSV_SCHEMA: &str = include_str!("../../vendor/schemas/osv.json");

    fn schema() -> serde_json::Value {
        serde_json::from_str(OSV_SCHEMA).unwrap()
    }

    // INV-PUB-6: the accepted names are exactly what the exported documents
    // are validated against.
    #[test]
    fn list_is_the_vendored_schema_enum_in_order_plus_git() {
        let schema = schema();
        let mut expected: Vec<&str> = schema["$defs"]["ecosystemName"]["enum"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        expected.push("GIT");
        assert_eq!(ECOSYSTEMS.to_vec(), expected);
        assert_eq!(ECOSYSTEMS.len(), 47);
    }

    #[test]
    fn the_schema_suffix_pattern_lists_the_same_names() {
        let schema = schema();
        let pattern = schema["$defs"]["ecosystemWithSuffix"]["pattern"]
            .as_str()
            .unwrap();
        let re = regex::Regex::new(pattern).unwrap();
        for name in ECOSYSTEMS {
            assert!(re.is_match(name), "{name}");
            assert!(re.is_match(&format!("{name}:1")), "{name}:1");
        }
    }

    #[test]
    fn base_names_match_exactly() {
        for ok in ["Maven", "crates.io", "Red Hat", "GIT", "GitHub Actions"] {
            assert!(is_valid_ecosystem(ok), "{ok}");
        }
        for bad in [
            "maven",
            "MAVEN",
            "Crates.io",
            "Git",
            "",
            " Maven",
            "Maven ",
            "cargo",
        ] {
            assert!(!is_valid_ecosystem(bad), "{bad:?}");
        }
    }

    #[test]
    fn a_suffix_must_be_non_empty() {
        assert!(is_valid_ecosystem("Debian:11"));
        assert!(is_valid_ecosystem("Red Hat:enterprise_linux:9::appstream"));
        assert!(is_valid_ecosystem("Alpine:v3.19"));
        assert!(!is_valid_ecosystem("Debian:"));
        assert!(!is_valid_ecosystem("debian:11"));
        assert!(!is_valid_ecosystem(":11"));
        assert!(!is_valid_ecosystem("Debian:11\nx"));
    }
}
