//! The publication documents (70-publication §4, §5, §11): golden files for
//! the OSV, CSAF and CVE builders (byte-exact), schema validation of every
//! document, the CSAF 2.0 mandatory tests (ours, each shown to fire, and the
//! secvisogram validator library as an independent judge), determinism, and
//! many generated payloads that must always give valid documents or a typed
//! error.
//!
//! Golden files live in `tests/golden/publication/<case>/`: `input.json`
//! (the pinned payload and the dates) and the expected `osv.json`,
//! `csaf.json`, `cve.json`. `UPDATE_GOLDEN=1 cargo nextest run --test
//! publication_documents` rewrites the expected files.
//!
//! The judge runs through `tests/csaf_validator/run`, which installs Node.js
//! (when the system one is older than 20) and the npm package on first use.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on purpose"
)]

use std::path::{Path, PathBuf};
use std::process::Command;

use advisoryhub::advisories::content;
use advisoryhub::publication::documents::{
    self, CveAssigner, Input, Kind, Publisher, Revision, csaf, cve, json, osv, paths, validate,
};
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

const ORG_ID: &str = "0d9d4bc2-8f6e-4c1a-9b7e-3f2a1c0d5e6f";

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn golden_dir() -> PathBuf {
    repo_root().join("tests/golden/publication")
}

fn at(s: &str) -> OffsetDateTime {
    OffsetDateTime::parse(s, &Rfc3339).unwrap()
}

fn assigner() -> CveAssigner {
    CveAssigner {
        org_id: ORG_ID.to_owned(),
        short_name: "eclipse".to_owned(),
    }
}

/// One golden case, read from its `input.json`.
struct Case {
    name: String,
    dir: PathBuf,
    payload: Value,
    version: i32,
    version_created_at: OffsetDateTime,
    first_published_at: Option<OffsetDateTime>,
    revisions: Vec<Revision>,
    project_slug: String,
    project_name: String,
}

impl Case {
    fn load(dir: &Path) -> Case {
        let input: Value =
            serde_json::from_slice(&std::fs::read(dir.join("input.json")).unwrap()).unwrap();
        let revisions = input["revisions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| Revision {
                date: at(r["date"].as_str().unwrap()),
                version: i32::try_from(r["version"].as_i64().unwrap()).unwrap(),
                withdrawn: r["withdrawn"].as_bool().unwrap(),
            })
            .collect();
        Case {
            name: dir.file_name().unwrap().to_string_lossy().into_owned(),
            dir: dir.to_owned(),
            payload: input["payload"].clone(),
            version: i32::try_from(input["version"].as_i64().unwrap()).unwrap(),
            version_created_at: at(input["version_created_at"].as_str().unwrap()),
            first_published_at: input["first_published_at"].as_str().map(at),
            revisions,
            project_slug: input["project_slug"]
                .as_str()
                .unwrap_or("legacy.project")
                .to_owned(),
            project_name: input["project_name"]
                .as_str()
                .unwrap_or("Live Project Name")
                .to_owned(),
        }
    }

    fn all() -> Vec<Case> {
        let mut dirs: Vec<PathBuf> = std::fs::read_dir(golden_dir())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.join("input.json").is_file())
            .collect();
        dirs.sort();
        assert!(dirs.len() >= 5, "golden cases missing: {dirs:?}");
        dirs.iter().map(|d| Case::load(d)).collect()
    }

    fn with<R>(&self, f: impl FnOnce(&Input<'_>) -> R) -> R {
        let publisher = Publisher::default();
        let assigner = assigner();
        let input = Input {
            payload: &self.payload,
            version: self.version,
            version_created_at: self.version_created_at,
            first_published_at: self.first_published_at,
            revisions: &self.revisions,
            project_slug: &self.project_slug,
            project_name: &self.project_name,
            publisher: &publisher,
            cve_assigner: &assigner,
        };
        f(&input)
    }

    /// The raw builder outputs (not validated), by file name.
    fn outputs(&self) -> Vec<(&'static str, Value)> {
        self.with(|input| {
            let mut out = vec![
                ("osv.json", osv::build(input)),
                ("csaf.json", csaf::build(input)),
            ];
            if !self.payload["assigned_cve_id"]
                .as_str()
                .unwrap_or_default()
                .is_empty()
            {
                out.push(("cve.json", cve::build(input).unwrap()));
            }
            out
        })
    }
}

fn update_golden() -> bool {
    std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1")
}

// ---------------------------------------------------------------------------
// Golden files

// Byte-exact serialisation of each document kind for each case (§11): OSV
// with ranges, versions, credits and every reference type; CSAF with the
// product tree, scores, remediations and revision history; CVE records
// published and rejected, with open-ended ranges, ignored `limit` events,
// non-orderable ranges and vectors that do not score.
#[test]
fn golden_documents_match_byte_for_byte() {
    let mut mismatches = Vec::new();
    for case in Case::all() {
        for (file, document) in case.outputs() {
            let bytes = json::to_bytes(&document);
            let path = case.dir.join(file);
            if update_golden() {
                std::fs::write(&path, &bytes).unwrap();
                continue;
            }
            let expected = std::fs::read(&path).unwrap_or_else(|_| {
                panic!(
                    "{} is missing; run with UPDATE_GOLDEN=1 to create it",
                    path.display()
                )
            });
            if expected != bytes {
                mismatches.push(format!(
                    "{}/{file} differs; got:\n{}",
                    case.name,
                    String::from_utf8_lossy(&bytes)
                ));
            }
        }
        if !update_golden() {
            let has_cve = case.dir.join("cve.json").is_file();
            assert_eq!(
                has_cve,
                !case.payload["assigned_cve_id"].as_str().unwrap().is_empty(),
                "{}: a cve.json exists exactly when the payload has an assigned CVE",
                case.name
            );
        }
    }
    assert!(
        mismatches.is_empty(),
        "{}\n(UPDATE_GOLDEN=1 rewrites the golden files)",
        mismatches.join("\n\n")
    );
}

// Every golden document passes its schema, and the CSAF ones our mandatory
// tests; `documents::build` hands out exactly the golden documents.
#[test]
fn golden_documents_are_valid() {
    for case in Case::all() {
        for (file, document) in case.outputs() {
            let result = match file {
                "osv.json" => validate::osv(&document),
                "csaf.json" => validate::csaf(&document),
                _ => validate::cve(&document),
            };
            assert_eq!(result, Ok(()), "{}/{file}", case.name);
        }
        let built = case.with(documents::build).unwrap();
        let outputs = case.outputs();
        assert_eq!(built.osv.content, outputs[0].1, "{}", case.name);
        assert_eq!(built.csaf.content, outputs[1].1, "{}", case.name);
        assert_eq!(
            built.cve.map(|d| d.content),
            outputs.get(2).map(|o| o.1.clone())
        );
        assert_eq!(built.osv.kind, Kind::Osv);
    }
}

// The same pinned version gives byte-identical files, whatever the order of
// the payload's keys (§4.1: the Git step is idempotent).
#[test]
fn documents_are_deterministic() {
    for case in Case::all() {
        let first: Vec<Vec<u8>> = case
            .outputs()
            .iter()
            .map(|(_, d)| json::to_bytes(d))
            .collect();
        let second: Vec<Vec<u8>> = case
            .outputs()
            .iter()
            .map(|(_, d)| json::to_bytes(d))
            .collect();
        assert_eq!(first, second, "{}", case.name);
        for bytes in &first {
            assert!(bytes.ends_with(b"}\n") && !bytes.ends_with(b"\n\n"));
        }
    }
}

// ---------------------------------------------------------------------------
// Mapping rules

fn minimal_payload() -> Value {
    Case::load(&golden_dir().join("maven-ranges")).payload
}

fn build_with(payload: &Value, f: impl FnOnce(&Input<'_>) -> Value) -> Value {
    let publisher = Publisher::default();
    let assigner = assigner();
    let input = Input {
        payload,
        version: 3,
        version_created_at: at("2026-02-01T00:00:00Z"),
        first_published_at: None,
        revisions: &[],
        project_slug: "live.slug",
        project_name: "Live Name",
        publisher: &publisher,
        cve_assigner: &assigner,
    };
    f(&input)
}

// OSV declares the vendored schema's version; `published` is the first
// publication and stays put on re-publish while `modified` follows the
// version (00-decisions "Surfaces").
#[test]
fn osv_dates_and_schema_version() {
    let readme = std::fs::read_to_string(repo_root().join("vendor/README.md")).unwrap();
    assert!(
        readme.contains(&format!("OSV {}", osv::SCHEMA_VERSION)),
        "vendor/README.md names another OSV version than {}",
        osv::SCHEMA_VERSION
    );
    let payload = minimal_payload();
    let publisher = Publisher::default();
    let assigner = assigner();
    let mut input = Input {
        payload: &payload,
        version: 3,
        version_created_at: at("2026-02-01T10:20:30.456789Z"),
        first_published_at: None,
        revisions: &[],
        project_slug: "",
        project_name: "",
        publisher: &publisher,
        cve_assigner: &assigner,
    };
    let first = osv::build(&input);
    assert_eq!(first["schema_version"], "1.7.5");
    assert_eq!(first["published"], "2026-02-01T10:20:30.456Z");
    assert_eq!(first["modified"], "2026-02-01T10:20:30.456Z");

    input.first_published_at = Some(at("2026-02-01T12:00:00+02:00"));
    input.version_created_at = at("2026-03-01T00:00:00Z");
    let again = osv::build(&input);
    assert_eq!(again["published"], "2026-02-01T10:00:00.000Z");
    assert_eq!(again["modified"], "2026-03-01T00:00:00.000Z");
    let csaf = csaf::build(&input);
    assert_eq!(
        csaf["document"]["tracking"]["initial_release_date"],
        "2026-02-01T10:00:00.000Z"
    );
    assert_eq!(
        csaf["document"]["tracking"]["current_release_date"],
        "2026-03-01T00:00:00.000Z"
    );
}

// The CSAF revision history has one entry per publication, numbered 1..n in
// date order whatever dates the caller passes, and the withdrawal and its
// reversal say so.
#[test]
fn csaf_revision_history_is_ordered_and_numbered() {
    let mut payload = minimal_payload();
    let publisher = Publisher::default();
    let assigner = assigner();
    let revisions = [
        Revision {
            date: at("2026-01-01T00:00:00Z"),
            version: 1,
            withdrawn: false,
        },
        Revision {
            date: at("2025-12-01T00:00:00Z"),
            version: 2,
            withdrawn: true,
        },
    ];
    let input = Input {
        payload: &payload,
        version: 4,
        version_created_at: at("2025-11-01T00:00:00Z"),
        first_published_at: Some(at("2026-01-02T00:00:00Z")),
        revisions: &revisions,
        project_slug: "",
        project_name: "",
        publisher: &publisher,
        cve_assigner: &assigner,
    };
    let doc = csaf::build(&input);
    assert_eq!(validate::csaf(&doc), Ok(()));
    let tracking = &doc["document"]["tracking"];
    assert_eq!(tracking["version"], "3");
    assert_eq!(
        tracking["revision_history"],
        json!([
            {"date": "2026-01-02T00:00:00.000Z", "number": "1", "summary": "Initial publication (version 1)."},
            {"date": "2026-01-02T00:00:00.000Z", "number": "2", "summary": "Advisory withdrawn (version 2)."},
            {"date": "2026-01-02T00:00:00.000Z", "number": "3", "summary": "Withdrawal reversed; advisory republished (version 4)."},
        ])
    );
    assert_eq!(tracking["current_release_date"], "2026-01-02T00:00:00.000Z");

    payload["withdrawn_reason"] = json!("Duplicate of ECL-2222-3333-4444.");
    let withdrawn = build_with(&payload, csaf::build);
    assert_eq!(
        withdrawn["document"]["notes"],
        json!([{"category": "other", "title": "Withdrawn", "text": "Duplicate of ECL-2222-3333-4444."}])
    );
    assert_eq!(withdrawn["document"]["tracking"]["status"], "final");
    let osv = build_with(&payload, osv::build);
    assert_eq!(osv["withdrawn"], osv["modified"]);
}

// Every collection URL of the CVE mapping is one of the vendored schema's
// `collectionURL` examples (§4.4).
#[test]
fn cve_collection_urls_come_from_the_schema() {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(repo_root().join("vendor/schemas/cve.json")).unwrap(),
    )
    .unwrap();
    let examples = schema
        .pointer("/definitions/product/properties/collectionURL/examples")
        .unwrap()
        .as_array()
        .unwrap();
    assert_eq!(cve::COLLECTION_URLS.len(), 10);
    for (ecosystem, url) in cve::COLLECTION_URLS {
        assert!(
            examples.iter().any(|e| e == url),
            "{ecosystem}: {url} is not an example of the schema"
        );
    }
}

// The CVE builder's refusals (§4.4 preconditions), each a typed error.
#[test]
fn cve_build_errors_are_typed() {
    let mut payload = minimal_payload();
    payload["assigned_cve_id"] = json!("CVE-2026-0001");
    let build = |payload: &Value, org: &str| {
        let publisher = Publisher::default();
        let assigner = CveAssigner {
            org_id: org.to_owned(),
            short_name: String::new(),
        };
        let input = Input {
            payload,
            version: 1,
            version_created_at: at("2026-02-01T00:00:00Z"),
            first_published_at: None,
            revisions: &[],
            project_slug: "",
            project_name: "",
            publisher: &publisher,
            cve_assigner: &assigner,
        };
        (cve::build(&input), documents::build(&input).map(|_| ()))
    };
    let ok = build(&payload, ORG_ID).0.unwrap();
    assert!(ok["cveMetadata"].get("assignerShortName").is_none());
    assert_eq!(validate::cve(&ok), Ok(()));

    assert_eq!(
        build(&payload, "").0,
        Err(cve::BuildError::AssignerNotConfigured)
    );
    assert_eq!(
        build(&payload, "0d9d4bc2-8f6e-1c1a-9b7e-3f2a1c0d5e6f").1,
        Err(documents::Error::Cve(
            cve::BuildError::AssignerNotConfigured
        ))
    );
    let mut p = payload.clone();
    p["assigned_cve_id"] = json!("CVE-26-1");
    assert_eq!(
        build(&p, ORG_ID).0,
        Err(cve::BuildError::MalformedCve("CVE-26-1".into()))
    );
    p["assigned_cve_id"] = json!("");
    assert_eq!(build(&p, ORG_ID).0, Err(cve::BuildError::NoAssignedCve));
    assert_eq!(build(&p, ORG_ID).1, Ok(()), "no CVE, no record, no error");
    let mut p = payload.clone();
    p["references"] = json!([]);
    assert_eq!(
        build(&p, ORG_ID).0,
        Err(cve::BuildError::NoReferences("CVE-2026-0001".into()))
    );
    let mut p = payload.clone();
    p["affected"] = json!([]);
    assert_eq!(
        build(&p, ORG_ID).0,
        Err(cve::BuildError::NoAffected("CVE-2026-0001".into()))
    );
    // A withdrawn advisory needs neither: the record is REJECTED.
    p["references"] = json!([]);
    p["withdrawn_reason"] = json!("Withdrawn.");
    let rejected = build(&p, ORG_ID).0.unwrap();
    assert_eq!(rejected["cveMetadata"]["state"], "REJECTED");
    assert_eq!(validate::cve(&rejected), Ok(()));
    assert_eq!(
        cve::BuildError::NoReferences("CVE-2026-0001".into()).to_string(),
        "CVE-2026-0001: a CVE record requires at least one reference; add a reference to the advisory"
    );
}

// A schema failure is a typed error listing each violation with its path.
#[test]
fn validation_failures_list_every_violation() {
    let payload = minimal_payload();
    let mut doc = build_with(&payload, osv::build);
    doc["id"] = json!("NOPE-1");
    doc["modified"] = json!("yesterday");
    let err = validate::osv(&doc).unwrap_err();
    assert_eq!(err.kind, Kind::Osv);
    let mut paths: Vec<&str> = err.violations.iter().map(|v| v.path.as_str()).collect();
    paths.dedup();
    assert_eq!(paths, ["/id", "/modified"], "{err}");
    assert!(!err.to_string().contains("yesterday"), "{err}");
    assert!(
        err.to_string()
            .starts_with("the OSV document is invalid: /id: "),
        "{err}"
    );

    // A GIT range without a repository passes the content validator but not
    // the OSV schema (10-domain-model §4.4 rule 6).
    let mut payload = minimal_payload();
    payload["affected"][0]["ranges"] = json!([{"type": "GIT", "events": [{"introduced": "abc"}]}]);
    let publisher = Publisher::default();
    let assigner = assigner();
    let input = Input {
        payload: &payload,
        version: 1,
        version_created_at: at("2026-02-01T00:00:00Z"),
        first_published_at: None,
        revisions: &[],
        project_slug: "",
        project_name: "",
        publisher: &publisher,
        cve_assigner: &assigner,
    };
    match documents::build(&input) {
        Err(documents::Error::Invalid(e)) => {
            assert_eq!(e.kind, Kind::Osv);
            assert!(
                e.violations
                    .iter()
                    .any(|v| v.path == "/affected/0/ranges/0"),
                "{e}"
            );
        }
        other => panic!("expected an OSV validation error, got {other:?}"),
    }
}

// §5: the paths of the three documents.
#[test]
fn document_paths() {
    assert_eq!(
        paths::osv(paths::DEFAULT_OSV_TEMPLATE, "ECL-cf23-gh45-jm67", 2026).unwrap(),
        "osv/2026/ECL-cf23-gh45-jm67.json"
    );
    assert_eq!(
        paths::csaf(paths::DEFAULT_CSAF_TEMPLATE, "ECL-cf23-gh45-jm67", 2026).unwrap(),
        "csaf/2026/ECL-cf23-gh45-jm67.json"
    );
    assert_eq!(
        paths::cve(paths::DEFAULT_CVE_TEMPLATE, "CVE-2026-0001").unwrap(),
        "cves/2026/0xxx/CVE-2026-0001.json"
    );
    assert!(paths::check(Kind::Osv, "{year}/{cve_id}.json").is_err());
}

// ---------------------------------------------------------------------------
// Our mandatory tests, each shown to fire on a hand-made bad document

fn good_csaf() -> Value {
    let case = Case::load(&golden_dir().join("cve-republished"));
    case.with(csaf::build)
}

fn mutate(f: impl FnOnce(&mut Value)) -> Value {
    let mut doc = good_csaf();
    f(&mut doc);
    doc
}

/// The hand-made bad documents: (the test that must fire, the document).
#[expect(clippy::too_many_lines, reason = "one hand-made document per test")]
fn bad_documents() -> Vec<(&'static str, Value)> {
    let first_product = "CSAFPID-0001";
    let second_product = "CSAFPID-0002";
    let product_status = "/vulnerabilities/0/product_status";
    vec![
        (
            "6.1.1",
            mutate(|d| {
                d.pointer_mut(product_status).unwrap()["known_affected"]
                    .as_array_mut()
                    .unwrap()
                    .push(json!("CSAFPID-9999"));
            }),
        ),
        (
            "6.1.2",
            mutate(|d| {
                d.pointer_mut("/product_tree/branches/0/branches/0/branches/1/product/product_id")
                    .map(|id| *id = json!(first_product))
                    .unwrap();
            }),
        ),
        (
            "6.1.3",
            mutate(|d| {
                d["product_tree"]["relationships"] = json!([
                    {"category": "default_component_of", "product_reference": "REL-2",
                     "relates_to_product_reference": first_product,
                     "full_product_name": {"name": "a in b", "product_id": "REL-1"}},
                    {"category": "default_component_of", "product_reference": "REL-1",
                     "relates_to_product_reference": first_product,
                     "full_product_name": {"name": "b in a", "product_id": "REL-2"}},
                ]);
            }),
        ),
        (
            "6.1.4",
            mutate(|d| {
                d["vulnerabilities"][0]["remediations"][0]["group_ids"] = json!(["GROUP-1"]);
            }),
        ),
        (
            "6.1.5",
            mutate(|d| {
                d["product_tree"]["product_groups"] = json!([
                    {"group_id": "GROUP-1", "product_ids": [first_product, second_product]},
                    {"group_id": "GROUP-1", "product_ids": [first_product, second_product]},
                ]);
            }),
        ),
        (
            "6.1.6",
            mutate(|d| {
                d.pointer_mut(product_status).unwrap()["fixed"]
                    .as_array_mut()
                    .unwrap()
                    .push(json!(first_product));
            }),
        ),
        (
            "6.1.7",
            mutate(|d| {
                let score = d["vulnerabilities"][0]["scores"][0].clone();
                d["vulnerabilities"][0]["scores"]
                    .as_array_mut()
                    .unwrap()
                    .push(score);
            }),
        ),
        (
            "6.1.8",
            mutate(|d| {
                d["vulnerabilities"][0]["scores"][0]["cvss_v3"]["attackVector"] = json!("NEARBY");
            }),
        ),
        (
            "6.1.9",
            mutate(|d| {
                d["vulnerabilities"][0]["scores"][0]["cvss_v3"]["baseScore"] = json!(9.9);
            }),
        ),
        (
            "6.1.10",
            mutate(|d| {
                d["vulnerabilities"][0]["scores"][0]["cvss_v3"]["attackVector"] = json!("LOCAL");
            }),
        ),
        (
            "6.1.11",
            mutate(|d| {
                d["vulnerabilities"][0]["cwe"]["name"] = json!("Path Traversal");
            }),
        ),
        ("6.1.12", mutate(|d| d["document"]["lang"] = json!("en-"))),
        (
            "6.1.13",
            mutate(|d| {
                d.pointer_mut("/product_tree/branches/0/branches/0/branches/1/product")
                    .unwrap()["product_identification_helper"] =
                    json!({"purl": "pkg:maven/vertx-web@4.5.1"});
            }),
        ),
        (
            "6.1.14",
            mutate(|d| {
                let history = &mut d["document"]["tracking"]["revision_history"];
                history[0]["number"] = json!("2");
                history[1]["number"] = json!("1");
                d["document"]["tracking"]["version"] = json!("1");
            }),
        ),
        (
            "6.1.15",
            mutate(|d| d["document"]["publisher"]["category"] = json!("translator")),
        ),
        (
            "6.1.16",
            mutate(|d| d["document"]["tracking"]["version"] = json!("1")),
        ),
        (
            "6.1.17",
            mutate(|d| {
                d["document"]["tracking"]["version"] = json!("0");
                d["document"]["tracking"]["revision_history"][1]["number"] = json!("0");
            }),
        ),
        (
            "6.1.18",
            mutate(|d| {
                d["document"]["tracking"]["revision_history"][0]["number"] = json!("0");
            }),
        ),
        (
            "6.1.19",
            mutate(|d| {
                d["document"]["tracking"]["revision_history"][0]["number"] = json!("1.0.0-rc.1");
            }),
        ),
        (
            "6.1.20",
            mutate(|d| {
                d["document"]["tracking"]["version"] = json!("2.0.0-rc.1");
            }),
        ),
        (
            "6.1.21",
            mutate(|d| {
                d["document"]["tracking"]["revision_history"][1]["number"] = json!("3");
                d["document"]["tracking"]["version"] = json!("3");
            }),
        ),
        (
            "6.1.22",
            mutate(|d| {
                d["document"]["tracking"]["revision_history"][1]["number"] = json!("1");
            }),
        ),
        (
            "6.1.23",
            mutate(|d| {
                let vuln = d["vulnerabilities"][0].clone();
                d["vulnerabilities"].as_array_mut().unwrap().push(vuln);
            }),
        ),
        (
            "6.1.24",
            mutate(|d| {
                d["vulnerabilities"][0]["involvements"] = json!([
                    {"party": "vendor", "status": "in_progress", "date": "2026-01-01T00:00:00.000Z"},
                    {"party": "vendor", "status": "completed", "date": "2026-01-01T00:00:00.000Z"},
                ]);
            }),
        ),
        (
            "6.1.25",
            mutate(|d| {
                d.pointer_mut("/product_tree/branches/0/branches/0/branches/1/product/product_identification_helper")
                .unwrap()["hashes"] = json!([{"filename": "a.jar", "file_hashes": [
                    {"algorithm": "sha256", "value": "0".repeat(64)},
                    {"algorithm": "sha256", "value": "1".repeat(64)}]}]);
            }),
        ),
        (
            "6.1.26",
            mutate(|d| d["document"]["category"] = json!("Security Advisory")),
        ),
        (
            "6.1.26",
            mutate(|d| d["document"]["category"] = json!("csaf_whatever")),
        ),
        (
            "6.1.27.1",
            mutate(|d| d["document"]["category"] = json!("csaf_security_incident_response")),
        ),
        (
            "6.1.27.2",
            mutate(|d| d["document"]["category"] = json!("csaf_security_incident_response")),
        ),
        (
            "6.1.27.3",
            mutate(|d| d["document"]["category"] = json!("csaf_informational_advisory")),
        ),
        (
            "6.1.27.4",
            mutate(|d| {
                d.as_object_mut().unwrap().remove("product_tree");
            }),
        ),
        (
            "6.1.27.5",
            mutate(|d| {
                d["vulnerabilities"][0]
                    .as_object_mut()
                    .unwrap()
                    .remove("notes");
            }),
        ),
        (
            "6.1.27.6",
            mutate(|d| {
                d["vulnerabilities"][0]
                    .as_object_mut()
                    .unwrap()
                    .remove("product_status");
            }),
        ),
        (
            "6.1.27.7",
            mutate(|d| {
                d["document"]["category"] = json!("csaf_vex");
                d["vulnerabilities"][0]["product_status"] =
                    json!({"last_affected": [first_product]});
            }),
        ),
        (
            "6.1.27.8",
            mutate(|d| {
                d["document"]["category"] = json!("csaf_vex");
                let vuln = d["vulnerabilities"][0].as_object_mut().unwrap();
                vuln.remove("cve");
                vuln.remove("ids");
            }),
        ),
        (
            "6.1.27.9",
            mutate(|d| {
                d["document"]["category"] = json!("csaf_vex");
                d["vulnerabilities"][0]["product_status"] =
                    json!({"known_not_affected": [first_product]});
                d["vulnerabilities"][0]
                    .as_object_mut()
                    .unwrap()
                    .remove("threats");
            }),
        ),
        (
            "6.1.27.10",
            mutate(|d| {
                d["document"]["category"] = json!("csaf_vex");
                d["vulnerabilities"][0]
                    .as_object_mut()
                    .unwrap()
                    .remove("remediations");
            }),
        ),
        (
            "6.1.27.11",
            mutate(|d| {
                d.as_object_mut().unwrap().remove("vulnerabilities");
            }),
        ),
        (
            "6.1.28",
            mutate(|d| d["document"]["source_lang"] = json!("en")),
        ),
        (
            "6.1.29",
            mutate(|d| {
                d["vulnerabilities"][0]["remediations"][0]
                    .as_object_mut()
                    .unwrap()
                    .remove("product_ids");
            }),
        ),
        (
            "6.1.30",
            mutate(|d| {
                d["document"]["tracking"]["revision_history"][1]["number"] = json!("2.0.0");
                d["document"]["tracking"]["version"] = json!("2.0.0");
            }),
        ),
        (
            "6.1.31",
            mutate(|d| {
                d["product_tree"]["branches"][0]["branches"][0]["branches"][1]["name"] =
                    json!("<= 4.5.1");
            }),
        ),
        (
            "6.1.32",
            mutate(|d| {
                d["vulnerabilities"][0]["flags"] = json!([{"label": "component_not_present"}]);
            }),
        ),
        (
            "6.1.33",
            mutate(|d| {
                d["vulnerabilities"][0]["flags"] = json!([
                    {"label": "component_not_present", "product_ids": [first_product]},
                    {"label": "vulnerable_code_not_present", "product_ids": [first_product]},
                ]);
            }),
        ),
    ]
}

#[test]
fn the_good_document_passes_every_mandatory_test() {
    assert_eq!(validate::csaf_mandatory(&good_csaf()), vec![]);
    assert_eq!(validate::csaf_schema(&good_csaf()), vec![]);
}

// Each mandatory test fires on a document made to break it, and only
// tests that the change concerns fire.
#[test]
fn each_mandatory_test_fires() {
    for (test, doc) in bad_documents() {
        let violations = validate::csaf_mandatory(&doc);
        let tag = format!("[{test}]");
        assert!(
            violations.iter().any(|v| v.message.starts_with(&tag)),
            "{test} did not fire; violations: {violations:#?}"
        );
        assert!(validate::csaf(&doc).is_err());
    }
    // An unknown CWE id, and a CWE id spelled in lower case.
    let doc = mutate(|d| d["vulnerabilities"][0]["cwe"]["id"] = json!("CWE-999999"));
    assert!(
        validate::csaf_mandatory(&doc)
            .iter()
            .any(|v| v.path == "/vulnerabilities/0/cwe/id")
    );
    let doc = mutate(|d| d["vulnerabilities"][0]["cwe"]["id"] = json!("cwe-22"));
    assert!(
        validate::csaf_mandatory(&doc)
            .iter()
            .any(|v| v.message.starts_with("[6.1.11]"))
    );
    // A cycle through three relationships.
    let doc = mutate(|d| {
        d["product_tree"]["relationships"] = json!([
            {"category": "installed_on", "product_reference": "R3", "relates_to_product_reference": "CSAFPID-0001",
             "full_product_name": {"name": "1", "product_id": "R1"}},
            {"category": "installed_on", "product_reference": "R1", "relates_to_product_reference": "CSAFPID-0001",
             "full_product_name": {"name": "2", "product_id": "R2"}},
            {"category": "installed_on", "product_reference": "CSAFPID-0002", "relates_to_product_reference": "R2",
             "full_product_name": {"name": "3", "product_id": "R3"}},
        ]);
    });
    assert!(
        validate::csaf_mandatory(&doc)
            .iter()
            .any(|v| v.message.starts_with("[6.1.3]"))
    );
    // Not a cycle: a chain.
    let doc = mutate(|d| {
        d["product_tree"]["relationships"] = json!([
            {"category": "installed_on", "product_reference": "CSAFPID-0001", "relates_to_product_reference": "CSAFPID-0002",
             "full_product_name": {"name": "1", "product_id": "R1"}},
            {"category": "installed_on", "product_reference": "R1", "relates_to_product_reference": "CSAFPID-0002",
             "full_product_name": {"name": "2", "product_id": "R2"}},
        ]);
    });
    assert_eq!(validate::csaf_mandatory(&doc), vec![]);
    // The schemas' CVSS references resolve to the vendored FIRST schemas
    // (no network): a bad CVSS object fails the CSAF and the CVE schema.
    let doc = mutate(|d| {
        d["vulnerabilities"][0]["scores"][0]["cvss_v3"]["attackVector"] = json!("NEARBY");
    });
    assert!(
        validate::csaf_schema(&doc)
            .iter()
            .any(|v| v.path.starts_with("/vulnerabilities/0/scores/0/cvss_v3")),
        "{:#?}",
        validate::csaf_schema(&doc)
    );
    let case = Case::load(&golden_dir().join("cve-republished"));
    let mut record = case.with(|input| cve::build(input).unwrap());
    record["containers"]["cna"]["metrics"][1]["cvssV3_0"]["baseSeverity"] = json!("SEVERE");
    let err = validate::cve(&record).unwrap_err();
    assert!(
        err.violations
            .iter()
            .any(|v| v.path.starts_with("/containers/cna/metrics/1/cvssV3_0")),
        "{err}"
    );
    // Garbage never panics.
    for garbage in [
        json!(null),
        json!([]),
        json!("x"),
        json!({"document": 1, "vulnerabilities": {}}),
        json!({"product_tree": {"branches": [1, {"branches": "x"}]}, "vulnerabilities": [null, 1]}),
    ] {
        let _ = validate::csaf(&garbage);
        let _ = validate::osv(&garbage);
        let _ = validate::cve(&garbage);
    }
}

// ---------------------------------------------------------------------------
// The independent judge

/// Runs `tests/csaf_validator/run` on `files` and returns its report.
fn judge(files: &[PathBuf]) -> Vec<Value> {
    let out = Command::new(repo_root().join("tests/csaf_validator/run"))
        .args(files)
        .output()
        .expect("run tests/csaf_validator/run (bash, and npm from the npm registry)");
    assert!(
        out.status.success(),
        "tests/csaf_validator/run failed: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "unreadable report ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    report.as_array().unwrap().clone()
}

fn scratch_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("advisoryhub-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

// Every CSAF document we generate — the golden ones and a few hundred
// generated ones — passes the secvisogram validator library's CSAF 2.0
// strict schema and every one of its mandatory tests; and every hand-made
// bad document that our tests refuse, it refuses too, under the same test.
#[test]
fn the_secvisogram_validator_accepts_our_csaf_and_agrees_on_the_bad_ones() {
    let dir = scratch_dir("csaf-judge");
    let mut files = Vec::new();
    for case in Case::all() {
        let path = dir.join(format!("golden-{}.json", case.name));
        std::fs::write(&path, json::to_bytes(&case.with(csaf::build))).unwrap();
        files.push(path);
    }
    let mut generated = 0;
    for seed in 0..300u64 {
        if let Some(doc) = Generated::new(seed).csaf_if_valid() {
            let path = dir.join(format!("generated-{seed}.json"));
            std::fs::write(&path, json::to_bytes(&doc)).unwrap();
            files.push(path);
            generated += 1;
        }
    }
    assert!(
        generated >= 250,
        "only {generated} generated payloads gave a CSAF document"
    );
    let mut expected_failures = Vec::new();
    for (i, (test, doc)) in bad_documents().into_iter().enumerate() {
        let path = dir.join(format!("bad-{i}-{test}.json"));
        std::fs::write(&path, json::to_bytes(&doc)).unwrap();
        expected_failures.push((path.clone(), test));
        files.push(path);
    }

    let report = judge(&files);
    assert_eq!(report.len(), files.len());
    let mut problems = Vec::new();
    for entry in &report {
        let file = entry["file"].as_str().unwrap();
        let failures = entry["failures"].as_array().unwrap();
        assert!(
            entry["tests"].as_u64().unwrap() >= 40,
            "too few tests ran: {entry}"
        );
        match expected_failures
            .iter()
            .find(|(p, _)| p.to_str() == Some(file))
        {
            None => {
                if !failures.is_empty() {
                    problems.push(format!("{file} was refused: {failures:#?}"));
                }
            }
            Some((_, test)) => {
                let name = format!("mandatoryTest_{}", test.replace('.', "_"));
                if !failures.iter().any(|f| f["test"] == name.as_str()) {
                    problems.push(format!(
                        "{file}: the judge did not fail {name}: {failures:#?}"
                    ));
                }
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

// ---------------------------------------------------------------------------
// Generated payloads

/// A small deterministic generator (xorshift64*), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n as u64).unwrap()
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const ECOSYSTEMS: &[&str] = &[
    "Maven",
    "npm",
    "PyPI",
    "Go",
    "NuGet",
    "RubyGems",
    "crates.io",
    "Packagist",
    "Pub",
    "Hex",
    "Debian:12",
    "Alpine",
    "Ubuntu:22.04",
    "GitHub Actions",
    "SwiftURL",
    "Red Hat",
];
const VERSIONS: &[&str] = &[
    "1.0.0",
    "1.2.3",
    "2.0",
    "2.0.0-beta.1",
    "10.4.1",
    "0.9",
    "1.0.0+build",
    "v1.2.3",
    "4.5.6.Final",
    "2024.1",
    "1:2.3-4",
    "1.2-3+deb12u1",
    "älpha-1",
    "3.0 RC",
    "1.0|2",
    "all",
    "<2.0",
];
const VECTORS: &[(&str, &str)] = &[
    ("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
    ("CVSS_V3", "CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:C/C:L/I:N/A:N"),
    ("CVSS_V3", "CVSS:3.0/AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:L/A:N"),
    ("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N"),
    (
        "CVSS_V3",
        "CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N/E:U/RL:O/RC:C",
    ),
    ("CVSS_V2", "AV:N/AC:L/Au:N/C:P/I:P/A:P"),
    ("CVSS_V2", "AV:L/AC:H/Au:M/C:N/I:N/A:C"),
    (
        "CVSS_V4",
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
    ),
    (
        "CVSS_V4",
        "CVSS:4.0/AV:A/AC:H/AT:P/PR:L/UI:A/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N/E:U",
    ),
    ("Ubuntu", "negligible"),
    ("Ubuntu", "critical"),
];
const REFERENCE_TYPES: &[&str] = &[
    "ADVISORY",
    "ARTICLE",
    "DETECTION",
    "DISCUSSION",
    "REPORT",
    "FIX",
    "INTRODUCED",
    "GIT",
    "PACKAGE",
    "EVIDENCE",
    "WEB",
];
const CREDIT_TYPES: &[&str] = &[
    "",
    "FINDER",
    "REPORTER",
    "ANALYST",
    "COORDINATOR",
    "REMEDIATION_DEVELOPER",
    "REMEDIATION_REVIEWER",
    "REMEDIATION_VERIFIER",
    "TOOL",
    "SPONSOR",
    "OTHER",
];
const TEXTS: &[&str] = &[
    "",
    "Remote code execution",
    "Déni de service — « crafted » input",
    "日本語の説明",
    "Line one\nLine two\n\n* bullet",
    "Quotes \" and \\ backslashes",
    "   padded   ",
    "emoji 🛡️ inside",
    "<script>alert(1)</script>",
];
const ALIASES: &[&str] = &[
    "GHSA-abcd-efgh-ijkl",
    "CVE-2024-1234",
    "CVE-2023-99999",
    "OSV-2024-1",
    "PYSEC-2024-12",
    "CVE-99-1",
    "vendor advisory 7",
    "RUSTSEC-2024-0001",
];
/// CWE ids whose name differs between the vendored catalogue (4.20) and the
/// older one inside the judge, or that the judge does not know: the judge
/// would refuse the (correct) 4.20 name.
const JUDGE_CWE_DIFFERENCES: &[&str] = &["CWE-598", "CWE-942", "CWE-1116", "CWE-1434"];

#[derive(Clone)]
struct Generated {
    payload: Value,
    version: i32,
    revisions: Vec<Revision>,
    first_published_at: Option<OffsetDateTime>,
}

impl Generated {
    #[expect(clippy::too_many_lines, reason = "one payload, field by field")]
    fn new(seed: u64) -> Generated {
        let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
        let mut affected = Vec::new();
        for p in 0..rng.below(4) {
            let ecosystem = *rng.pick(ECOSYSTEMS);
            let name = match ecosystem {
                "Maven" => format!("org.eclipse.pkg{p}:artifact-{}", rng.below(3)),
                "npm" => format!("@eclipse/pkg-{}", rng.below(3)),
                _ => format!("pkg-{}", rng.below(3)),
            };
            let mut package = json!({"ecosystem": ecosystem, "name": name});
            if rng.chance(50) {
                let purl = match ecosystem {
                    "Maven" => format!("pkg:maven/org.eclipse.pkg{p}/artifact"),
                    "npm" => "pkg:npm/%40eclipse/pkg".to_owned(),
                    "PyPI" => "pkg:pypi/eclipse-pkg@1.0".to_owned(),
                    "Pub" => "pkg:pub/eclipse_pkg".to_owned(),
                    _ => format!("pkg:generic/{name}"),
                };
                package["purl"] = json!(purl);
            }
            let mut ranges = Vec::new();
            for _ in 0..rng.below(3) {
                let kind = *rng.pick(&["ECOSYSTEM", "ECOSYSTEM", "SEMVER", "GIT"]);
                let mut events = vec![
                    json!({"introduced": if rng.chance(30) { "0" } else { *rng.pick(VERSIONS) }}),
                ];
                let closing = *rng.pick(&["fixed", "last_affected", "open"]);
                for _ in 0..rng.below(3) {
                    if closing != "open" {
                        events.push(json!({closing: *rng.pick(VERSIONS)}));
                    }
                    if rng.chance(50) {
                        events.push(json!({"introduced": *rng.pick(VERSIONS)}));
                    }
                }
                if rng.chance(20) {
                    events.push(json!({"limit": *rng.pick(VERSIONS)}));
                }
                let mut range = json!({"type": kind, "events": events});
                if kind == "GIT" {
                    range["repo"] = json!("https://github.com/eclipse/example");
                }
                ranges.push(range);
            }
            let versions: Vec<&str> = (0..rng.below(3)).map(|_| *rng.pick(VERSIONS)).collect();
            let mut entry = json!({"package": package});
            if !ranges.is_empty() {
                entry["ranges"] = json!(ranges);
            }
            if !versions.is_empty() || ranges.is_empty() {
                let versions = if versions.is_empty() {
                    vec!["1.0.0"]
                } else {
                    versions
                };
                entry["versions"] = json!(versions);
            }
            affected.push(entry);
        }
        let severity: Vec<Value> = (0..rng.below(4))
            .map(|_| {
                let (kind, score) = *rng.pick(VECTORS);
                json!({"type": kind, "score": score})
            })
            .collect();
        let references: Vec<Value> = (0..rng.below(5))
            .map(|i| json!({"type": *rng.pick(REFERENCE_TYPES), "url": format!("https://example.org/ref/{}", i % 3)}))
            .collect();
        let catalogue = advisoryhub::advisories::cwe::all_entries();
        let cwe_ids: Vec<String> = (0..rng.below(3))
            .map(|_| rng.pick(catalogue).id.clone())
            .filter(|id| !JUDGE_CWE_DIFFERENCES.contains(&id.as_str()))
            .collect();
        let credits: Vec<Value> = (0..rng.below(4))
            .map(|_| {
                let mut credit =
                    json!({"name": *rng.pick(&["Ada", "Zoë Müller", "Team 💡", "Ada"])});
                let kind = *rng.pick(CREDIT_TYPES);
                if !kind.is_empty() {
                    credit["type"] = json!(kind);
                }
                if rng.chance(30) {
                    credit["contact"] =
                        json!(["https://example.org/ada", "mailto:ada@example.org"]);
                }
                credit
            })
            .collect();
        let aliases: Vec<&str> = (0..rng.below(3)).map(|_| *rng.pick(ALIASES)).collect();
        let summary = rng.pick(TEXTS).trim().to_owned();
        let payload = json!({
            "advisory_id": "ECL-cf23-gh45-jm67",
            "project_slug": "technology.example",
            "project_name": *rng.pick(&["Eclipse Example", "", "Éclipse Ünïcode"]),
            "summary": summary,
            "details": *rng.pick(TEXTS),
            "aliases": aliases,
            "assigned_cve_id": if rng.chance(40) { "CVE-2026-0042" } else { "" },
            "references": references,
            "affected": affected,
            "severity": severity,
            "cwe_ids": cwe_ids,
            "credits": credits,
            "withdrawn_reason": if rng.chance(15) { "Withdrawn: not a vulnerability." } else { "" },
            "kind": "native",
            "ghsa_id": "",
            "ghsa_owner": "",
            "ghsa_repo": "",
            "ghsa_metadata_synced_at": null,
        });
        let published = rng.chance(50);
        let revisions: Vec<Revision> = if published {
            (0..rng.below(4))
                .map(|i| Revision {
                    date: at("2026-01-01T00:00:00Z")
                        + time::Duration::days(i64::try_from(rng.below(60)).unwrap()),
                    version: i32::try_from(i + 1).unwrap(),
                    withdrawn: rng.chance(20),
                })
                .collect()
        } else {
            Vec::new()
        };
        Generated {
            payload,
            version: i32::try_from(rng.below(20) + 1).unwrap(),
            first_published_at: published.then(|| at("2026-01-02T03:04:05.678Z")),
            revisions,
        }
    }

    fn with<R>(&self, f: impl FnOnce(&Input<'_>) -> R) -> R {
        let publisher = Publisher::default();
        let assigner = assigner();
        let input = Input {
            payload: &self.payload,
            version: self.version,
            version_created_at: at("2026-02-15T12:00:00.123Z"),
            first_published_at: self.first_published_at,
            revisions: &self.revisions,
            project_slug: "live.slug",
            project_name: "Live Name",
            publisher: &publisher,
            cve_assigner: &assigner,
        };
        f(&input)
    }

    /// The content as the content validator normalises it, in a snapshot;
    /// `None` when the validator refuses the generated content.
    fn normalised(&self) -> Option<Value> {
        let normalized = content::validate_json(&self.payload).ok()?;
        let mut snapshot = normalized.payload().to_json();
        for key in [
            "advisory_id",
            "project_slug",
            "project_name",
            "assigned_cve_id",
            "withdrawn_reason",
            "kind",
            "ghsa_id",
            "ghsa_owner",
            "ghsa_repo",
            "ghsa_metadata_synced_at",
        ] {
            snapshot[key] = self.payload[key].clone();
        }
        Some(snapshot)
    }

    /// The validated CSAF document of the normalised payload, when the
    /// content validator accepts the payload.
    fn csaf_if_valid(&self) -> Option<Value> {
        let snapshot = self.normalised()?;
        let normal = Generated {
            payload: snapshot,
            ..self.clone()
        };
        Some(
            normal
                .with(documents::build_csaf)
                .expect("a valid payload gives a valid CSAF document")
                .content,
        )
    }
}

// Many generated payloads: building never panics; raw (unvalidated) payloads
// give valid documents or a typed error; payloads the content validator
// accepts always give a valid OSV and CSAF document, and a CVE record or one
// of the CVE build errors.
#[test]
fn generated_payloads_give_valid_documents_or_typed_errors() {
    let mut valid_payloads = 0;
    let mut cve_records = 0;
    for seed in 0..1500u64 {
        let generated = Generated::new(seed);
        // Raw: anything goes, but no panic and only typed errors.
        let raw = generated.with(documents::build);
        if let Err(e) = &raw {
            assert!(!e.to_string().is_empty());
        }
        for (doc, check) in generated.with(|i| {
            [
                (
                    osv::build(i),
                    validate::osv as fn(&Value) -> Result<(), validate::ValidationError>,
                ),
                (csaf::build(i), validate::csaf),
            ]
        }) {
            let _ = check(&doc);
        }

        let Some(snapshot) = generated.normalised() else {
            continue;
        };
        valid_payloads += 1;
        let normal = Generated {
            payload: snapshot,
            ..generated.clone()
        };
        let osv_doc = normal.with(documents::build_osv);
        assert!(
            osv_doc.is_ok(),
            "seed {seed}: {:?}\n{:#}",
            osv_doc.err(),
            normal.payload
        );
        let csaf_doc = normal.with(documents::build_csaf);
        assert!(
            csaf_doc.is_ok(),
            "seed {seed}: {:?}\n{:#}",
            csaf_doc.err(),
            normal.payload
        );
        match normal.with(documents::build_cve) {
            Ok(Some(_)) => cve_records += 1,
            Ok(None) => assert_eq!(normal.payload["assigned_cve_id"], ""),
            Err(documents::Error::Cve(
                cve::BuildError::NoReferences(_) | cve::BuildError::NoAffected(_),
            )) => {}
            Err(e) => panic!("seed {seed}: {e}\n{:#}", normal.payload),
        }
        // Same input, same bytes.
        let again = normal.with(documents::build_csaf).unwrap();
        assert_eq!(again.to_bytes(), csaf_doc.unwrap().to_bytes());
    }
    assert!(
        valid_payloads >= 1200,
        "only {valid_payloads} generated payloads were valid content"
    );
    assert!(
        cve_records >= 200,
        "only {cve_records} CVE records were built"
    );
}
