//! Validation of the built documents (70-publication §4.2–4.5): each against
//! its vendored schema, and the CSAF document also against the CSAF 2.0
//! mandatory tests (§6.1 of the standard, our own implementation in
//! `csaf_checks`).
//!
//! Invariants kept: validators are compiled once per process from the files
//! under `vendor/schemas/` (compiled into the binary); nothing is ever
//! fetched — every `$ref` outside a schema resolves to a vendored file
//! registered under that URI, or to a stub that refuses any value (the CVE
//! tag vocabularies, which are not vendored and never emitted); a failure
//! lists every violation as `(JSON pointer, message)` with messages that
//! never repeat the offending value (user text stays out of errors); nothing
//! here panics.

use std::fmt;
use std::sync::LazyLock;

use jsonschema::{Registry, Validator};
use serde_json::{Value, json};

use super::{Kind, csaf_checks};

const OSV_SCHEMA: &str = include_str!("../../../vendor/schemas/osv.json");
const CSAF_SCHEMA: &str = include_str!("../../../vendor/schemas/csaf.json");
const CVE_SCHEMA: &str = include_str!("../../../vendor/schemas/cve.json");
const CVSS_V2_0: &str = include_str!("../../../vendor/schemas/cvss/cvss-v2.0.json");
const CVSS_V3_0: &str = include_str!("../../../vendor/schemas/cvss/cvss-v3.0.json");
const CVSS_V3_1: &str = include_str!("../../../vendor/schemas/cvss/cvss-v3.1.json");
const CVSS_V4_0: &str = include_str!("../../../vendor/schemas/cvss/cvss-v4.0.json");

/// The longest message kept per violation (§4.4).
const MESSAGE_MAX_CHARS: usize = 500;

/// One problem in a document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// A JSON pointer into the document (`""` is the whole document).
    pub path: String,
    pub message: String,
}

impl Violation {
    pub(super) fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        let message: String = message.into();
        Self {
            path: path.into(),
            message: message.chars().take(MESSAGE_MAX_CHARS).collect(),
        }
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = if self.path.is_empty() {
            "/"
        } else {
            &self.path
        };
        write!(f, "{path}: {}", self.message)
    }
}

/// A document that failed validation, with every violation found.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct ValidationError {
    pub kind: Kind,
    pub violations: Vec<Violation>,
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the {} document is invalid: ", self.kind)?;
        for (i, violation) in self.violations.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{violation}")?;
        }
        Ok(())
    }
}

fn parse(text: &str) -> Result<Value, String> {
    serde_json::from_str(text).map_err(|e| format!("vendored schema does not parse: {e}"))
}

/// Every external resource the vendored schemas name, by the URI they use.
static REGISTRY: LazyLock<Result<Registry<'static>, String>> = LazyLock::new(|| {
    let mut resources: Vec<(&str, Value)> = Vec::new();
    for (uris, text) in [
        (
            [
                "https://www.first.org/cvss/cvss-v2.0.json",
                "file:imports/cvss/cvss-v2.0.json",
            ],
            CVSS_V2_0,
        ),
        (
            [
                "https://www.first.org/cvss/cvss-v3.0.json",
                "file:imports/cvss/cvss-v3.0.json",
            ],
            CVSS_V3_0,
        ),
        (
            [
                "https://www.first.org/cvss/cvss-v3.1.json",
                "file:imports/cvss/cvss-v3.1.json",
            ],
            CVSS_V3_1,
        ),
        (
            [
                "https://www.first.org/cvss/cvss-v4.0.json",
                "file:imports/cvss/cvss-v4.0.json",
            ],
            CVSS_V4_0,
        ),
    ] {
        let schema = parse(text)?;
        for uri in uris {
            resources.push((uri, schema.clone()));
        }
    }
    // The CVE tag vocabularies are not vendored; we never emit tags, so a
    // tag of any kind is refused.
    for uri in [
        "file:tags/reference-tags.json",
        "file:tags/cna-tags.json",
        "file:tags/adp-tags.json",
    ] {
        resources.push((
            uri,
            json!({"$schema": "http://json-schema.org/draft-07/schema#", "not": {}}),
        ));
    }
    Registry::new()
        .extend(resources)
        .and_then(jsonschema::RegistryBuilder::prepare)
        .map_err(|e| format!("schema registry: {e}"))
});

fn compile(schema: &Value) -> Result<Validator, String> {
    let registry = REGISTRY.as_ref().map_err(Clone::clone)?;
    jsonschema::options()
        .offline()
        .with_registry(registry)
        .should_validate_formats(true)
        .build(schema)
        .map_err(|e| format!("vendored schema does not compile: {e}"))
}

static OSV: LazyLock<Result<Validator, String>> = LazyLock::new(|| compile(&parse(OSV_SCHEMA)?));
static CSAF: LazyLock<Result<Validator, String>> = LazyLock::new(|| compile(&parse(CSAF_SCHEMA)?));
static CVE: LazyLock<Result<Validator, String>> = LazyLock::new(|| compile(&parse(CVE_SCHEMA)?));
static CVSS_V2: LazyLock<Result<Validator, String>> =
    LazyLock::new(|| compile(&json!({"$ref": "https://www.first.org/cvss/cvss-v2.0.json"})));
static CVSS_V30: LazyLock<Result<Validator, String>> =
    LazyLock::new(|| compile(&json!({"$ref": "https://www.first.org/cvss/cvss-v3.0.json"})));
static CVSS_V31: LazyLock<Result<Validator, String>> =
    LazyLock::new(|| compile(&json!({"$ref": "https://www.first.org/cvss/cvss-v3.1.json"})));

/// The CVSS JSON schemas the CSAF mandatory test 6.1.8 applies.
#[derive(Clone, Copy, Debug)]
pub(super) enum CvssSchema {
    V2,
    V3_0,
    V3_1,
}

/// The violations of `value` against one FIRST CVSS schema, with paths
/// under `prefix`.
pub(super) fn cvss_violations(schema: CvssSchema, value: &Value, prefix: &str) -> Vec<Violation> {
    let validator = match schema {
        CvssSchema::V2 => &*CVSS_V2,
        CvssSchema::V3_0 => &*CVSS_V30,
        CvssSchema::V3_1 => &*CVSS_V31,
    };
    schema_violations(validator, value)
        .into_iter()
        .map(|v| Violation::new(format!("{prefix}{}", v.path), v.message))
        .collect()
}

/// Every violation of `document` against a compiled schema, ordered by path.
fn schema_violations(validator: &Result<Validator, String>, document: &Value) -> Vec<Violation> {
    let validator = match validator {
        Ok(v) => v,
        Err(e) => return vec![Violation::new("", e.clone())],
    };
    let mut out: Vec<Violation> = validator
        .iter_errors(document)
        .map(|e| Violation::new(e.instance_path().as_str(), e.masked().to_string()))
        .collect();
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

fn result(kind: Kind, violations: Vec<Violation>) -> Result<(), ValidationError> {
    if violations.is_empty() {
        Ok(())
    } else {
        Err(ValidationError { kind, violations })
    }
}

/// Validates an OSV document against the vendored OSV schema.
pub fn osv(document: &Value) -> Result<(), ValidationError> {
    result(Kind::Osv, schema_violations(&OSV, document))
}

/// The violations of a CSAF document against the vendored CSAF 2.0 schema.
pub fn csaf_schema(document: &Value) -> Vec<Violation> {
    schema_violations(&CSAF, document)
}

/// The violations of a CSAF document against our implementation of the
/// CSAF 2.0 mandatory tests; each message starts with the test's number,
/// e.g. `[6.1.1] …`.
pub fn csaf_mandatory(document: &Value) -> Vec<Violation> {
    csaf_checks::run(document)
}

/// Validates a CSAF document against the schema and the mandatory tests.
pub fn csaf(document: &Value) -> Result<(), ValidationError> {
    let mut violations = csaf_schema(document);
    violations.extend(csaf_mandatory(document));
    result(Kind::Csaf, violations)
}

/// Validates a CVE record against the vendored CVE JSON 5 schema. The
/// schema's top level is a `oneOf` (published or rejected), so a failure
/// reports the errors of the branch the record's `state` names (else the
/// branch with the fewest errors), not "matches none of the schemas".
pub fn cve(document: &Value) -> Result<(), ValidationError> {
    let validator = match &*CVE {
        Ok(v) => v,
        Err(e) => return result(Kind::Cve, vec![Violation::new("", e.clone())]),
    };
    let mut violations = Vec::new();
    for error in validator.iter_errors(document) {
        if let jsonschema::error::ValidationErrorKind::OneOfNotValid { context } = error.kind()
            && error.instance_path().as_str().is_empty()
        {
            let state = document
                .pointer("/cveMetadata/state")
                .and_then(Value::as_str);
            let branch = match state {
                Some("PUBLISHED") => context.first(),
                Some("REJECTED") => context.get(1),
                _ => context.iter().min_by_key(|errors| errors.len()),
            };
            if let Some(errors) = branch {
                violations.extend(
                    errors.iter().map(|e| {
                        Violation::new(e.instance_path().as_str(), e.masked().to_string())
                    }),
                );
                continue;
            }
        }
        violations.push(Violation::new(
            error.instance_path().as_str(),
            error.masked().to_string(),
        ));
    }
    violations.sort_by(|a, b| a.path.cmp(&b.path));
    result(Kind::Cve, violations)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_vendored_schema_compiles_offline() {
        for (name, validator) in [
            ("osv", &*OSV),
            ("csaf", &*CSAF),
            ("cve", &*CVE),
            ("cvss v2", &*CVSS_V2),
            ("cvss v3.0", &*CVSS_V30),
            ("cvss v3.1", &*CVSS_V31),
        ] {
            assert!(validator.is_ok(), "{name}: {:?}", validator.as_ref().err());
        }
    }

    #[test]
    fn messages_do_not_repeat_the_value() {
        let secret = "a secret summary that must not show up in the error";
        let err = osv(&json!({"id": "ECL-cf23-gh45-jm67", "modified": secret})).unwrap_err();
        assert!(!err.to_string().contains(secret), "{err}");
        assert_eq!(err.violations[0].path, "/modified");
    }

    #[test]
    fn cve_errors_come_from_the_branch_the_state_names() {
        let err = cve(&json!({
            "dataType": "CVE_RECORD", "dataVersion": "5.2.0",
            "cveMetadata": {"cveId": "CVE-2026-0001",
                            "assignerOrgId": "0d9d4bc2-8f6e-4c1a-9b7e-3f2a1c0d5e6f",
                            "state": "REJECTED"},
            "containers": {"cna": {"providerMetadata": {"orgId": "0d9d4bc2-8f6e-4c1a-9b7e-3f2a1c0d5e6f"}}}
        }))
        .unwrap_err();
        assert_eq!(err.violations.len(), 1, "{err}");
        assert_eq!(err.violations[0].path, "/containers/cna");
        assert!(
            err.violations[0].message.contains("rejectedReasons"),
            "{err}"
        );
    }
}
