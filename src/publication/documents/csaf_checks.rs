//! The CSAF 2.0 mandatory tests (CSAF 2.0 §6.1, with the errata's 6.1.28 to
//! 6.1.33), implemented here so that a CSAF document is checked offline
//! before it is published. They read any JSON value (like the reference
//! implementations, a test whose preconditions do not hold passes), so they
//! also serve as a checker of hand-made documents.
//!
//! Where the standard leaves a judgement to a registry we do not ship, the
//! check is conservative: a language tag must be well-formed and its primary
//! language one of a short list of ISO 639-1 codes; a CVSS score that cannot
//! be recomputed from its vector is refused rather than trusted.
//!
//! Every violation message starts with the test's number (`[6.1.1] …`).

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};

use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::validate::{CvssSchema, Violation, cvss_violations};
use crate::advisories::content::SeverityType;
use crate::advisories::cwe;
use crate::advisories::severity;

/// Runs every mandatory test.
pub(super) fn run(doc: &Value) -> Vec<Violation> {
    let mut out = Vec::new();
    let tests: &[fn(&Value, &mut Vec<Violation>)] = &[
        t_6_1_1, t_6_1_2, t_6_1_3, t_6_1_4, t_6_1_5, t_6_1_6, t_6_1_7, t_6_1_8, t_6_1_9, t_6_1_10,
        t_6_1_11, t_6_1_12, t_6_1_13, t_6_1_14, t_6_1_15, t_6_1_16, t_6_1_17, t_6_1_18, t_6_1_19,
        t_6_1_20, t_6_1_21, t_6_1_22, t_6_1_23, t_6_1_24, t_6_1_25, t_6_1_26, t_6_1_27, t_6_1_28,
        t_6_1_29, t_6_1_30, t_6_1_31, t_6_1_32, t_6_1_33,
    ];
    for test in tests {
        test(doc, &mut out);
    }
    out
}

fn fail(out: &mut Vec<Violation>, test: &str, path: impl Into<String>, message: impl AsRef<str>) {
    out.push(Violation::new(
        path,
        format!("[{test}] {}", message.as_ref()),
    ));
}

// ---------------------------------------------------------------------------
// Reading helpers

fn items(value: Option<&Value>) -> &[Value] {
    value.and_then(Value::as_array).map_or(&[], Vec::as_slice)
}

fn string(value: Option<&Value>) -> Option<&str> {
    value.and_then(Value::as_str)
}

fn vulnerabilities(doc: &Value) -> &[Value] {
    items(doc.get("vulnerabilities"))
}

fn product_tree(doc: &Value) -> Option<&Value> {
    doc.get("product_tree")
}

/// Every `product` of the branch tree, with its path.
fn branch_products<'d>(branches: &'d [Value], path: &str, out: &mut Vec<(&'d Value, String)>) {
    for (i, branch) in branches.iter().enumerate() {
        let here = format!("{path}/{i}");
        if let Some(product) = branch.get("product") {
            out.push((product, format!("{here}/product")));
        }
        branch_products(
            items(branch.get("branches")),
            &format!("{here}/branches"),
            out,
        );
    }
}

/// Every full product name of the document (`full_product_names`,
/// relationships, branches), with its path.
fn full_product_names(doc: &Value) -> Vec<(&Value, String)> {
    let mut out = Vec::new();
    let Some(tree) = product_tree(doc) else {
        return out;
    };
    for (i, fpn) in items(tree.get("full_product_names")).iter().enumerate() {
        out.push((fpn, format!("/product_tree/full_product_names/{i}")));
    }
    for (i, rel) in items(tree.get("relationships")).iter().enumerate() {
        if let Some(fpn) = rel.get("full_product_name") {
            out.push((
                fpn,
                format!("/product_tree/relationships/{i}/full_product_name"),
            ));
        }
    }
    branch_products(
        items(tree.get("branches")),
        "/product_tree/branches",
        &mut out,
    );
    out
}

/// Every product id definition, with the path of its `product_id`.
fn product_definitions(doc: &Value) -> Vec<(&str, String)> {
    full_product_names(doc)
        .into_iter()
        .filter_map(|(fpn, path)| {
            string(fpn.get("product_id"))
                .filter(|id| !id.is_empty())
                .map(|id| (id, format!("{path}/product_id")))
        })
        .collect()
}

fn group_definitions(doc: &Value) -> Vec<(&str, String)> {
    let groups = product_tree(doc).map(|t| items(t.get("product_groups")));
    groups
        .unwrap_or(&[])
        .iter()
        .enumerate()
        .filter_map(|(i, g)| {
            string(g.get("group_id"))
                .filter(|id| !id.is_empty())
                .map(|id| (id, format!("/product_tree/product_groups/{i}/group_id")))
        })
        .collect()
}

const STATUS_LISTS: [&str; 8] = [
    "first_affected",
    "first_fixed",
    "fixed",
    "known_affected",
    "known_not_affected",
    "last_affected",
    "recommended",
    "under_investigation",
];

/// Every string of `list` (an array), with its path.
fn strings_at<'d>(list: Option<&'d Value>, path: &str, out: &mut Vec<(&'d str, String)>) {
    for (j, item) in items(list).iter().enumerate() {
        if let Some(s) = item.as_str().filter(|s| !s.is_empty()) {
            out.push((s, format!("{path}/{j}")));
        }
    }
}

/// Every reference to a product id, with its path.
fn product_references(doc: &Value) -> Vec<(&str, String)> {
    let mut out = Vec::new();
    if let Some(tree) = product_tree(doc) {
        for (i, group) in items(tree.get("product_groups")).iter().enumerate() {
            let path = format!("/product_tree/product_groups/{i}/product_ids");
            strings_at(group.get("product_ids"), &path, &mut out);
        }
        for (i, rel) in items(tree.get("relationships")).iter().enumerate() {
            for key in ["product_reference", "relates_to_product_reference"] {
                if let Some(id) = string(rel.get(key)).filter(|s| !s.is_empty()) {
                    out.push((id, format!("/product_tree/relationships/{i}/{key}")));
                }
            }
        }
    }
    for (i, vuln) in vulnerabilities(doc).iter().enumerate() {
        let base = format!("/vulnerabilities/{i}");
        if let Some(status) = vuln.get("product_status") {
            for list in STATUS_LISTS {
                strings_at(
                    status.get(list),
                    &format!("{base}/product_status/{list}"),
                    &mut out,
                );
            }
        }
        for (key, field) in [
            ("remediations", "product_ids"),
            ("scores", "products"),
            ("threats", "product_ids"),
            ("flags", "product_ids"),
        ] {
            for (j, item) in items(vuln.get(key)).iter().enumerate() {
                strings_at(
                    item.get(field),
                    &format!("{base}/{key}/{j}/{field}"),
                    &mut out,
                );
            }
        }
    }
    out
}

fn group_references(doc: &Value) -> Vec<(&str, String)> {
    let mut out = Vec::new();
    for (i, vuln) in vulnerabilities(doc).iter().enumerate() {
        for key in ["remediations", "threats", "flags"] {
            for (j, item) in items(vuln.get(key)).iter().enumerate() {
                let path = format!("/vulnerabilities/{i}/{key}/{j}/group_ids");
                strings_at(item.get("group_ids"), &path, &mut out);
            }
        }
    }
    out
}

/// Every entry whose id occurs more than once.
fn duplicates<'a>(entries: &'a [(&'a str, String)]) -> impl Iterator<Item = &'a (&'a str, String)> {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for (id, _) in entries {
        *counts.entry(id).or_default() += 1;
    }
    entries.iter().filter(move |(id, _)| counts[id] > 1)
}

// ---------------------------------------------------------------------------
// 6.1.1 – 6.1.7: products, groups, statuses, scores

fn t_6_1_1(doc: &Value, out: &mut Vec<Violation>) {
    let defined: HashSet<&str> = product_definitions(doc)
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    for (id, path) in product_references(doc) {
        if !defined.contains(id) {
            fail(out, "6.1.1", path, "definition of product id missing");
        }
    }
}

fn t_6_1_2(doc: &Value, out: &mut Vec<Violation>) {
    let definitions = product_definitions(doc);
    for (_, path) in duplicates(&definitions) {
        fail(
            out,
            "6.1.2",
            path.clone(),
            "duplicate definition of product id",
        );
    }
}

fn t_6_1_3(doc: &Value, out: &mut Vec<Violation>) {
    let Some(relationships) = product_tree(doc)
        .and_then(|t| t.get("relationships"))
        .and_then(Value::as_array)
    else {
        return;
    };
    let defines = |index: usize| {
        relationships[index]
            .get("full_product_name")
            .and_then(|f| string(f.get("product_id")))
    };
    let target =
        |reference: &str| (0..relationships.len()).find(|&i| defines(i) == Some(reference));
    for start in 0..relationships.len() {
        // Follow references from `start`; a path that comes back to a
        // relationship already on it is a cycle, reported once per key of
        // `start` that leads into it.
        let mut reported: HashSet<&str> = HashSet::new();
        for key in ["product_reference", "relates_to_product_reference"] {
            let Some(next) = string(relationships[start].get(key)).and_then(target) else {
                continue;
            };
            let mut stack = vec![(next, vec![start])];
            let mut steps = 0usize;
            while let Some((index, path)) = stack.pop() {
                steps += 1;
                if steps > 10_000 {
                    break;
                }
                if defines(index).is_some() && path.contains(&index) {
                    if reported.insert(key) {
                        fail(
                            out,
                            "6.1.3",
                            format!("/product_tree/relationships/{start}/{key}"),
                            "circular definition of product id",
                        );
                    }
                    break;
                }
                for k in ["product_reference", "relates_to_product_reference"] {
                    if let Some(n) = string(relationships[index].get(k)).and_then(target) {
                        let mut p = path.clone();
                        p.push(index);
                        stack.push((n, p));
                    }
                }
            }
        }
    }
}

fn t_6_1_4(doc: &Value, out: &mut Vec<Violation>) {
    let defined: HashSet<&str> = group_definitions(doc)
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    for (id, path) in group_references(doc) {
        if !defined.contains(id) {
            fail(out, "6.1.4", path, "definition of product group id missing");
        }
    }
}

fn t_6_1_5(doc: &Value, out: &mut Vec<Violation>) {
    let definitions = group_definitions(doc);
    for (_, path) in duplicates(&definitions) {
        fail(
            out,
            "6.1.5",
            path.clone(),
            "duplicate definition of product group id",
        );
    }
}

fn t_6_1_6(doc: &Value, out: &mut Vec<Violation>) {
    for (i, vuln) in vulnerabilities(doc).iter().enumerate() {
        let Some(status) = vuln.get("product_status") else {
            continue;
        };
        let set = |lists: &[&str]| -> Vec<&str> {
            let mut ids: Vec<&str> = Vec::new();
            for list in lists {
                for id in items(status.get(*list)).iter().filter_map(Value::as_str) {
                    if !ids.contains(&id) {
                        ids.push(id);
                    }
                }
            }
            ids
        };
        let groups = [
            set(&["first_affected", "known_affected", "last_affected"]),
            set(&["known_not_affected"]),
            set(&["first_fixed", "fixed"]),
            set(&["under_investigation"]),
        ];
        for (g, group) in groups.iter().enumerate() {
            for id in group {
                if groups[g + 1..].iter().any(|other| other.contains(id)) {
                    fail(
                        out,
                        "6.1.6",
                        format!("/vulnerabilities/{i}/product_status"),
                        format!("product id {id:?} is in contradicting product status groups"),
                    );
                }
            }
        }
    }
}

fn t_6_1_7(doc: &Value, out: &mut Vec<Violation>) {
    for (i, vuln) in vulnerabilities(doc).iter().enumerate() {
        let mut versions: HashMap<&str, Vec<&str>> = HashMap::new();
        for (s, score) in items(vuln.get("scores")).iter().enumerate() {
            let declared: Vec<&str> = ["cvss_v2", "cvss_v3"]
                .iter()
                .filter_map(|k| score.get(*k).and_then(|c| string(c.get("version"))))
                .collect();
            for (p, product) in items(score.get("products")).iter().enumerate() {
                let Some(product) = product.as_str() else {
                    continue;
                };
                let seen = versions.entry(product).or_default();
                if declared.iter().any(|v| seen.contains(v)) {
                    fail(
                        out,
                        "6.1.7",
                        format!("/vulnerabilities/{i}/scores/{s}/products/{p}"),
                        format!(
                            "product already has a score of CVSS version {}",
                            seen.join(", ")
                        ),
                    );
                }
                seen.extend(declared.iter().copied());
            }
        }
    }
}

// ---------------------------------------------------------------------------
// 6.1.8 – 6.1.10: CVSS

fn scores(doc: &Value) -> impl Iterator<Item = (String, &Value)> {
    vulnerabilities(doc)
        .iter()
        .enumerate()
        .flat_map(|(i, vuln)| {
            items(vuln.get("scores"))
                .iter()
                .enumerate()
                .map(move |(s, score)| (format!("/vulnerabilities/{i}/scores/{s}"), score))
        })
}

fn t_6_1_8(doc: &Value, out: &mut Vec<Violation>) {
    for (path, score) in scores(doc) {
        if let Some(v2) = score.get("cvss_v2") {
            for v in cvss_violations(CvssSchema::V2, v2, &format!("{path}/cvss_v2")) {
                fail(
                    out,
                    "6.1.8",
                    v.path,
                    format!("invalid CVSS v2 object: {}", v.message),
                );
            }
        }
        if let Some(v3) = score.get("cvss_v3") {
            let schema = if string(v3.get("version")) == Some("3.0") {
                CvssSchema::V3_0
            } else {
                CvssSchema::V3_1
            };
            for v in cvss_violations(schema, v3, &format!("{path}/cvss_v3")) {
                fail(
                    out,
                    "6.1.8",
                    v.path,
                    format!("invalid CVSS v3 object: {}", v.message),
                );
            }
        }
    }
}

fn t_6_1_9(doc: &Value, out: &mut Vec<Violation>) {
    for (path, score) in scores(doc) {
        for (key, declared) in [
            ("cvss_v2", SeverityType::CvssV2),
            ("cvss_v3", SeverityType::CvssV3),
        ] {
            let Some(cvss) = score.get(key) else {
                continue;
            };
            let Some(vector) = string(cvss.get("vectorString")) else {
                continue;
            };
            let here = format!("{path}/{key}");
            // Temporal and environmental scores are never emitted by us and
            // are not recomputed here: refuse rather than trust them.
            for field in [
                "temporalScore",
                "environmentalScore",
                "temporalSeverity",
                "environmentalSeverity",
            ] {
                if cvss.get(field).is_some() {
                    fail(
                        out,
                        "6.1.9",
                        format!("{here}/{field}"),
                        "cannot be verified by this implementation",
                    );
                }
            }
            let parsed = severity::parse_cvss(declared, vector);
            let Ok(parsed) = parsed else {
                if cvss.get("baseScore").is_some() {
                    fail(
                        out,
                        "6.1.9",
                        format!("{here}/baseScore"),
                        "the vector cannot be scored, so the score cannot be verified",
                    );
                }
                continue;
            };
            if key == "cvss_v3" {
                let announced = match parsed.version {
                    severity::CvssVersion::V3_0 => "3.0",
                    _ => "3.1",
                };
                if string(cvss.get("version")).is_some_and(|v| v != announced) {
                    fail(
                        out,
                        "6.1.9",
                        format!("{here}/version"),
                        "does not match the vector's version",
                    );
                }
            }
            let expected = super::cve::one_decimal(parsed.base_score);
            if let Some(base) = cvss.get("baseScore").and_then(Value::as_f64)
                && (base - expected).abs() > 1e-9
            {
                fail(
                    out,
                    "6.1.9",
                    format!("{here}/baseScore"),
                    format!("invalid calculated value; expected {expected:.1}"),
                );
            }
            if key == "cvss_v3"
                && let Some(word) = string(cvss.get("baseSeverity"))
                && word != super::cve::severity_word(parsed.level)
            {
                fail(
                    out,
                    "6.1.9",
                    format!("{here}/baseSeverity"),
                    "invalid calculated value",
                );
            }
        }
    }
}

type Metric = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

const CVSS_V3_METRICS: &[Metric] = &[
    (
        "attackVector",
        "AV",
        &[
            ("NETWORK", "N"),
            ("ADJACENT_NETWORK", "A"),
            ("LOCAL", "L"),
            ("PHYSICAL", "P"),
        ],
    ),
    ("attackComplexity", "AC", &[("HIGH", "H"), ("LOW", "L")]),
    (
        "privilegesRequired",
        "PR",
        &[("NONE", "N"), ("LOW", "L"), ("HIGH", "H")],
    ),
    ("userInteraction", "UI", &[("NONE", "N"), ("REQUIRED", "R")]),
    ("scope", "S", &[("UNCHANGED", "U"), ("CHANGED", "C")]),
    (
        "confidentialityImpact",
        "C",
        &[("NONE", "N"), ("LOW", "L"), ("HIGH", "H")],
    ),
    (
        "integrityImpact",
        "I",
        &[("NONE", "N"), ("LOW", "L"), ("HIGH", "H")],
    ),
    (
        "availabilityImpact",
        "A",
        &[("NONE", "N"), ("LOW", "L"), ("HIGH", "H")],
    ),
    (
        "exploitCodeMaturity",
        "E",
        &[
            ("UNPROVEN", "U"),
            ("PROOF_OF_CONCEPT", "P"),
            ("FUNCTIONAL", "F"),
            ("HIGH", "H"),
            ("NOT_DEFINED", "X"),
        ],
    ),
    (
        "remediationLevel",
        "RL",
        &[
            ("OFFICIAL_FIX", "O"),
            ("TEMPORARY_FIX", "T"),
            ("WORKAROUND", "W"),
            ("UNAVAILABLE", "U"),
            ("NOT_DEFINED", "X"),
        ],
    ),
    (
        "reportConfidence",
        "RC",
        &[
            ("UNKNOWN", "U"),
            ("REASONABLE", "R"),
            ("CONFIRMED", "C"),
            ("NOT_DEFINED", "X"),
        ],
    ),
    (
        "confidentialityRequirement",
        "CR",
        &[
            ("LOW", "L"),
            ("MEDIUM", "M"),
            ("HIGH", "H"),
            ("NOT_DEFINED", "X"),
        ],
    ),
    (
        "integrityRequirement",
        "IR",
        &[
            ("LOW", "L"),
            ("MEDIUM", "M"),
            ("HIGH", "H"),
            ("NOT_DEFINED", "X"),
        ],
    ),
    (
        "availabilityRequirement",
        "AR",
        &[
            ("LOW", "L"),
            ("MEDIUM", "M"),
            ("HIGH", "H"),
            ("NOT_DEFINED", "X"),
        ],
    ),
    (
        "modifiedAttackVector",
        "MAV",
        &[
            ("NETWORK", "N"),
            ("ADJACENT_NETWORK", "A"),
            ("LOCAL", "L"),
            ("PHYSICAL", "P"),
            ("NOT_DEFINED", "X"),
        ],
    ),
    (
        "modifiedAttackComplexity",
        "MAC",
        &[("HIGH", "H"), ("LOW", "L"), ("NOT_DEFINED", "X")],
    ),
    (
        "modifiedPrivilegesRequired",
        "MPR",
        &[
            ("HIGH", "H"),
            ("LOW", "L"),
            ("NONE", "N"),
            ("NOT_DEFINED", "X"),
        ],
    ),
    (
        "modifiedUserInteraction",
        "MUI",
        &[("NONE", "N"), ("REQUIRED", "R"), ("NOT_DEFINED", "X")],
    ),
    (
        "modifiedScope",
        "MS",
        &[("UNCHANGED", "U"), ("CHANGED", "C"), ("NOT_DEFINED", "X")],
    ),
    (
        "modifiedConfidentialityImpact",
        "MC",
        &[
            ("HIGH", "H"),
            ("LOW", "L"),
            ("NONE", "N"),
            ("NOT_DEFINED", "X"),
        ],
    ),
    (
        "modifiedIntegrityImpact",
        "MI",
        &[
            ("HIGH", "H"),
            ("LOW", "L"),
            ("NONE", "N"),
            ("NOT_DEFINED", "X"),
        ],
    ),
    (
        "modifiedAvailabilityImpact",
        "MA",
        &[
            ("HIGH", "H"),
            ("LOW", "L"),
            ("NONE", "N"),
            ("NOT_DEFINED", "X"),
        ],
    ),
];

const CVSS_V2_METRICS: &[Metric] = &[
    (
        "accessVector",
        "AV",
        &[("NETWORK", "N"), ("ADJACENT_NETWORK", "A"), ("LOCAL", "L")],
    ),
    (
        "accessComplexity",
        "AC",
        &[("HIGH", "H"), ("MEDIUM", "M"), ("LOW", "L")],
    ),
    (
        "authentication",
        "Au",
        &[("MULTIPLE", "M"), ("SINGLE", "S"), ("NONE", "N")],
    ),
    (
        "confidentialityImpact",
        "C",
        &[("NONE", "N"), ("PARTIAL", "P"), ("COMPLETE", "C")],
    ),
    (
        "integrityImpact",
        "I",
        &[("NONE", "N"), ("PARTIAL", "P"), ("COMPLETE", "C")],
    ),
    (
        "availabilityImpact",
        "A",
        &[("NONE", "N"), ("PARTIAL", "P"), ("COMPLETE", "C")],
    ),
    (
        "exploitability",
        "E",
        &[
            ("UNPROVEN", "U"),
            ("PROOF_OF_CONCEPT", "POC"),
            ("FUNCTIONAL", "F"),
            ("HIGH", "H"),
            ("NOT_DEFINED", "ND"),
        ],
    ),
    (
        "remediationLevel",
        "RL",
        &[
            ("OFFICIAL_FIX", "OF"),
            ("TEMPORARY_FIX", "TF"),
            ("WORKAROUND", "W"),
            ("UNAVAILABLE", "U"),
            ("NOT_DEFINED", "ND"),
        ],
    ),
    (
        "reportConfidence",
        "RC",
        &[
            ("UNCONFIRMED", "UC"),
            ("UNCORROBORATED", "UR"),
            ("CONFIRMED", "C"),
            ("NOT_DEFINED", "ND"),
        ],
    ),
    (
        "collateralDamagePotential",
        "CDP",
        &[
            ("NONE", "N"),
            ("LOW", "L"),
            ("LOW_MEDIUM", "LM"),
            ("MEDIUM_HIGH", "MH"),
            ("HIGH", "H"),
            ("NOT_DEFINED", "ND"),
        ],
    ),
    (
        "targetDistribution",
        "TD",
        &[
            ("NONE", "N"),
            ("LOW", "L"),
            ("MEDIUM", "M"),
            ("HIGH", "H"),
            ("NOT_DEFINED", "ND"),
        ],
    ),
    (
        "confidentialityRequirement",
        "CR",
        &[
            ("LOW", "L"),
            ("MEDIUM", "M"),
            ("HIGH", "H"),
            ("NOT_DEFINED", "ND"),
        ],
    ),
    (
        "integrityRequirement",
        "IR",
        &[
            ("LOW", "L"),
            ("MEDIUM", "M"),
            ("HIGH", "H"),
            ("NOT_DEFINED", "ND"),
        ],
    ),
    (
        "availabilityRequirement",
        "AR",
        &[
            ("LOW", "L"),
            ("MEDIUM", "M"),
            ("HIGH", "H"),
            ("NOT_DEFINED", "ND"),
        ],
    ),
];

fn t_6_1_10(doc: &Value, out: &mut Vec<Violation>) {
    for (path, score) in scores(doc) {
        for (key, metrics, skip) in [
            ("cvss_v2", CVSS_V2_METRICS, 0),
            ("cvss_v3", CVSS_V3_METRICS, 1),
        ] {
            let Some(cvss) = score.get(key) else {
                continue;
            };
            let Some(vector) = string(cvss.get("vectorString")) else {
                continue;
            };
            for component in vector.split('/').skip(skip) {
                let Some((metric, value)) = component.split_once(':') else {
                    continue;
                };
                let Some((property, _, values)) = metrics.iter().find(|m| m.1 == metric) else {
                    continue;
                };
                let Some(stated) = string(cvss.get(*property)) else {
                    continue;
                };
                let Some((expected, _)) = values.iter().find(|(_, v)| *v == value) else {
                    continue;
                };
                if stated != *expected {
                    fail(
                        out,
                        "6.1.10",
                        format!("{path}/{key}/{property}"),
                        "value is not consistent with the vector string",
                    );
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------
// 6.1.11 – 6.1.13: CWE, language, purl

fn t_6_1_11(doc: &Value, out: &mut Vec<Violation>) {
    for (i, vuln) in vulnerabilities(doc).iter().enumerate() {
        let Some(weakness) = vuln.get("cwe") else {
            continue;
        };
        let (Some(id), Some(name)) = (string(weakness.get("id")), string(weakness.get("name")))
        else {
            continue;
        };
        // The catalogue is case-insensitive; CSAF ids are exact.
        match cwe::entry(id).filter(|e| e.id == id) {
            None => fail(
                out,
                "6.1.11",
                format!("/vulnerabilities/{i}/cwe/id"),
                "no weakness with this id in the CWE catalogue",
            ),
            Some(entry) if entry.name != name => fail(
                out,
                "6.1.11",
                format!("/vulnerabilities/{i}/cwe/name"),
                "the name does not match the weakness with the given id",
            ),
            Some(_) => {}
        }
    }
}

/// The ISO 639-1 languages a tag may start with: the check cannot consult
/// the IANA registry, so it accepts a known subset and nothing else.
const LANGUAGES: &[&str] = &[
    "ar", "bg", "ca", "cs", "cy", "da", "de", "el", "en", "es", "et", "eu", "fa", "fi", "fr", "ga",
    "gl", "he", "hi", "hr", "hu", "hy", "id", "is", "it", "ja", "ka", "kk", "ko", "lt", "lv", "mk",
    "ms", "mt", "nb", "nl", "nn", "no", "pl", "pt", "ro", "ru", "sk", "sl", "sq", "sr", "sv", "th",
    "tr", "uk", "ur", "vi", "zh",
];

/// A well-formed BCP 47 language tag (RFC 5646 `langtag`, without
/// extended language subtags) whose language is one of [`LANGUAGES`].
pub(super) fn language_tag_is_valid(tag: &str) -> bool {
    let mut parts = tag.split('-').peekable();
    let Some(language) = parts.next() else {
        return false;
    };
    if !LANGUAGES.contains(&language.to_ascii_lowercase().as_str()) {
        return false;
    }
    let alpha = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphabetic());
    let digit = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let alnum = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric());
    if parts.peek().is_some_and(|s| s.len() == 4 && alpha(s)) {
        parts.next();
    }
    if parts
        .peek()
        .is_some_and(|s| (s.len() == 2 && alpha(s)) || (s.len() == 3 && digit(s)))
    {
        parts.next();
    }
    let mut variants: Vec<String> = Vec::new();
    while let Some(s) = parts.peek() {
        let variant = (5..=8).contains(&s.len()) && alnum(s)
            || s.len() == 4 && s.as_bytes()[0].is_ascii_digit() && alnum(s);
        if !variant {
            break;
        }
        let lower = s.to_ascii_lowercase();
        if variants.contains(&lower) {
            return false;
        }
        variants.push(lower);
        parts.next();
    }
    let mut singletons: Vec<String> = Vec::new();
    while let Some(s) = parts.next() {
        if s.len() != 1 || !alnum(s) {
            return false;
        }
        let singleton = s.to_ascii_lowercase();
        if singleton == "x" {
            let rest: Vec<&str> = parts.collect();
            return !rest.is_empty() && rest.iter().all(|p| p.len() <= 8 && alnum(p));
        }
        if singletons.contains(&singleton) {
            return false;
        }
        singletons.push(singleton);
        let mut count = 0;
        while parts
            .peek()
            .is_some_and(|p| (2..=8).contains(&p.len()) && alnum(p))
        {
            parts.next();
            count += 1;
        }
        if count == 0 {
            return false;
        }
    }
    true
}

fn t_6_1_12(doc: &Value, out: &mut Vec<Violation>) {
    let Some(document) = doc.get("document") else {
        return;
    };
    for key in ["lang", "source_lang"] {
        if let Some(tag) = string(document.get(key))
            && !language_tag_is_valid(tag)
        {
            fail(
                out,
                "6.1.12",
                format!("/document/{key}"),
                "is not a valid language tag",
            );
        }
    }
}

/// Whether `c` may appear in a purl type.
fn purl_type_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '+' | '-')
}

/// Whether `s` is a semantic version (semver 2.0.0).
fn is_semver(s: &str) -> bool {
    parse_semver(s).is_some()
}

/// Whether `purl` is a package URL that the purl specification and the
/// type rules of the reference parser accept.
pub(super) fn purl_is_valid(purl: &str) -> bool {
    let Some(rest) = purl
        .get(..4)
        .filter(|scheme| scheme.eq_ignore_ascii_case("pkg:"))
        .map(|_| purl[4..].trim_start_matches('/'))
    else {
        return false;
    };
    if purl.chars().any(char::is_whitespace) {
        return false;
    }
    let (rest, _subpath) = rest.split_once('#').unwrap_or((rest, ""));
    let (rest, qualifiers) = rest.split_once('?').unwrap_or((rest, ""));
    let mut qualifier_keys: Vec<String> = Vec::new();
    if !qualifiers.is_empty() {
        for pair in qualifiers.split('&') {
            let Some((key, _value)) = pair.split_once('=') else {
                return false;
            };
            let key_ok = !key.is_empty()
                && !key.starts_with(|c: char| c.is_ascii_digit())
                && key
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
            if !key_ok {
                return false;
            }
            qualifier_keys.push(key.to_ascii_lowercase());
        }
    }
    let Some((kind, rest)) = rest.split_once('/') else {
        return false;
    };
    if kind.is_empty()
        || kind.starts_with(|c: char| c.is_ascii_digit())
        || !kind.chars().all(purl_type_char)
    {
        return false;
    }
    let kind = kind.to_ascii_lowercase();
    let (path, version) = match rest.rsplit_once('@') {
        Some((path, version)) if !path.is_empty() && !path.ends_with('/') => (path, Some(version)),
        _ => (rest, None),
    };
    let path = path.trim_end_matches('/');
    let (namespace, name) = match path.rsplit_once('/') {
        Some((ns, name)) => (ns.trim_matches('/'), name),
        None => ("", path),
    };
    let decoded = |s: &str| percent_decode(s);
    let Some(name) = decoded(name).filter(|n| !n.is_empty()) else {
        return false;
    };
    let Some(namespace) = namespace
        .split('/')
        .map(decoded)
        .collect::<Option<Vec<_>>>()
    else {
        return false;
    };
    let namespace = namespace.join("/");
    let version = match version.map(decoded) {
        Some(Some(version)) => version,
        Some(None) => return false,
        None => String::new(),
    };
    match kind.as_str() {
        "maven" => !namespace.is_empty(),
        "swift" => !namespace.is_empty() && !version.is_empty(),
        "cran" => !version.is_empty(),
        "mlflow" | "oci" => namespace.is_empty(),
        "conan" => {
            if namespace.is_empty() {
                !qualifier_keys.iter().any(|k| k == "channel")
            } else {
                !qualifier_keys.is_empty()
            }
        }
        "pub" => name
            .to_lowercase()
            .replace('-', "_")
            .chars()
            .all(|c| c.is_ascii_digit() || c.is_ascii_lowercase() || c == '_'),
        "golang" => !version.starts_with('v') || is_semver(&version[1..]),
        _ => true,
    }
}

/// `%XX`-decoding; `None` when an escape is malformed or the result is not
/// UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn t_6_1_13(doc: &Value, out: &mut Vec<Violation>) {
    for (fpn, path) in full_product_names(doc) {
        if let Some(purl) = fpn
            .get("product_identification_helper")
            .and_then(|h| string(h.get("purl")))
            && !purl_is_valid(purl)
        {
            fail(
                out,
                "6.1.13",
                format!("{path}/product_identification_helper/purl"),
                "invalid purl",
            );
        }
    }
}

// ---------------------------------------------------------------------------
// 6.1.14 – 6.1.22, 6.1.30: tracking

/// A parsed semantic version: numbers, pre-release identifiers.
struct Semver<'s> {
    core: [u64; 3],
    pre: Vec<&'s str>,
}

fn numeric_identifier(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) || (s.len() > 1 && s.starts_with('0'))
    {
        return None;
    }
    s.parse().ok()
}

fn parse_semver(s: &str) -> Option<Semver<'_>> {
    let (s, build) = match s.split_once('+') {
        Some((s, build)) => (s, Some(build)),
        None => (s, None),
    };
    let ident_ok =
        |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if let Some(build) = build
        && !build.split('.').all(ident_ok)
    {
        return None;
    }
    let (core, pre) = match s.split_once('-') {
        Some((core, pre)) => (core, Some(pre)),
        None => (s, None),
    };
    let mut numbers = core.split('.');
    let mut parsed = [0u64; 3];
    for slot in &mut parsed {
        *slot = numeric_identifier(numbers.next()?)?;
    }
    if numbers.next().is_some() {
        return None;
    }
    let pre: Vec<&str> = match pre {
        Some(pre) => {
            let parts: Vec<&str> = pre.split('.').collect();
            let ok = parts.iter().all(|p| {
                ident_ok(p)
                    && (!p.bytes().all(|b| b.is_ascii_digit()) || numeric_identifier(p).is_some())
            });
            if !ok {
                return None;
            }
            parts
        }
        None => Vec::new(),
    };
    Some(Semver { core: parsed, pre })
}

fn compare_semver(a: &Semver<'_>, b: &Semver<'_>) -> Ordering {
    a.core
        .cmp(&b.core)
        .then_with(|| match (a.pre.is_empty(), b.pre.is_empty()) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Greater,
            (false, true) => Ordering::Less,
            (false, false) => {
                for (x, y) in a.pre.iter().zip(&b.pre) {
                    let order = match (numeric_identifier(x), numeric_identifier(y)) {
                        (Some(x), Some(y)) => x.cmp(&y),
                        (Some(_), None) => Ordering::Less,
                        (None, Some(_)) => Ordering::Greater,
                        (None, None) => x.cmp(y),
                    };
                    if order != Ordering::Equal {
                        return order;
                    }
                }
                a.pre.len().cmp(&b.pre.len())
            }
        })
}

/// JavaScript's `parseInt` on a version number: the leading decimal digits.
fn leading_integer(s: &str) -> Option<u64> {
    let s = s.trim_start();
    let digits: String = s.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// The integer versioning of CSAF: a plain non-negative integer.
fn is_integer_version(s: &str) -> bool {
    numeric_identifier(s).is_some()
}

fn datetime(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s, &Rfc3339).ok()
}

/// Revision entries with string `date` and `number`, or `None` when some
/// entry lacks them (the tests then do not apply).
fn revisions(doc: &Value) -> Option<Vec<(usize, &str, &str)>> {
    let history = doc
        .pointer("/document/tracking/revision_history")?
        .as_array()?;
    history
        .iter()
        .enumerate()
        .map(|(i, r)| Some((i, string(r.get("date"))?, string(r.get("number"))?)))
        .collect()
}

fn tracking_str<'d>(doc: &'d Value, key: &str) -> Option<&'d str> {
    doc.pointer("/document/tracking")
        .and_then(|t| string(t.get(key)))
}

/// Compares two dates; unparseable dates compare equal.
fn compare_dates(a: &str, b: &str) -> Ordering {
    match (datetime(a), datetime(b)) {
        (Some(a), Some(b)) => a.cmp(&b),
        _ => Ordering::Equal,
    }
}

/// Compares two revision numbers (semantic when both are, else by their
/// leading integers; incomparable numbers compare equal).
fn compare_numbers(a: &str, b: &str) -> Ordering {
    match (parse_semver(a), parse_semver(b)) {
        (Some(x), Some(y)) => compare_semver(&x, &y),
        _ => match (leading_integer(a), leading_integer(b)) {
            (Some(x), Some(y)) => x.cmp(&y),
            _ => Ordering::Equal,
        },
    }
}

fn t_6_1_14(doc: &Value, out: &mut Vec<Violation>) {
    let Some(mut history) = revisions(doc) else {
        return;
    };
    history.sort_by(|a, b| compare_dates(a.1, b.1).then_with(|| compare_numbers(a.2, b.2)));
    let mut previous: Option<&str> = None;
    for (_, _, number) in &history {
        if let Some(prev) = previous
            && compare_numbers(number, prev) == Ordering::Less
        {
            fail(
                out,
                "6.1.14",
                "/document/tracking/revision_history",
                "the items must be in ascending order of their numbers when sorted by date",
            );
            return;
        }
        previous = Some(number);
    }
}

fn t_6_1_15(doc: &Value, out: &mut Vec<Violation>) {
    if doc
        .pointer("/document/publisher/category")
        .and_then(Value::as_str)
        == Some("translator")
        && doc.pointer("/document/source_lang").is_none()
    {
        fail(
            out,
            "6.1.15",
            "/document/publisher/category",
            "source language attribute is missing",
        );
    }
}

fn t_6_1_16(doc: &Value, out: &mut Vec<Violation>) {
    let (Some(version), Some(status), Some(history)) = (
        tracking_str(doc, "version"),
        tracking_str(doc, "status"),
        revisions(doc),
    ) else {
        return;
    };
    let Some(latest) = history
        .iter()
        .max_by(|a, b| compare_dates(a.1, b.1).then_with(|| compare_numbers(a.2, b.2)))
    else {
        return;
    };
    let normalise = |v: &str| -> String {
        let cut = if status == "draft" {
            v.find(['+', '-'])
        } else {
            v.find('+')
        };
        v[..cut.unwrap_or(v.len())].to_owned()
    };
    if normalise(latest.2) != normalise(version) {
        fail(
            out,
            "6.1.16",
            "/document/tracking/version",
            "version does not match the latest revision",
        );
    }
}

fn is_pre_release(version: &str) -> bool {
    parse_semver(version).is_some_and(|v| !v.pre.is_empty())
}

fn major_is_zero(version: &str) -> bool {
    version == "0" || parse_semver(version).is_some_and(|v| v.core[0] == 0)
}

fn t_6_1_17(doc: &Value, out: &mut Vec<Violation>) {
    let (Some(version), Some(status)) = (tracking_str(doc, "version"), tracking_str(doc, "status"))
    else {
        return;
    };
    if status != "draft" && (major_is_zero(version) || is_pre_release(version)) {
        fail(
            out,
            "6.1.17",
            "/document/tracking/status",
            "the status is not compatible with the version",
        );
    }
}

fn t_6_1_18(doc: &Value, out: &mut Vec<Violation>) {
    let (Some(status), Some(history)) = (tracking_str(doc, "status"), revisions(doc)) else {
        return;
    };
    if matches!(status, "final" | "interim") && history.iter().any(|(_, _, n)| major_is_zero(n)) {
        fail(
            out,
            "6.1.18",
            "/document/tracking/status",
            "some revision history entries are not compatible with the status",
        );
    }
}

fn t_6_1_19(doc: &Value, out: &mut Vec<Violation>) {
    let Some(history) = revisions(doc) else {
        return;
    };
    for (i, _, number) in history {
        if is_pre_release(number) {
            fail(
                out,
                "6.1.19",
                format!("/document/tracking/revision_history/{i}/number"),
                "contains a pre-release part",
            );
        }
    }
}

fn t_6_1_20(doc: &Value, out: &mut Vec<Violation>) {
    let (Some(version), Some(status)) = (tracking_str(doc, "version"), tracking_str(doc, "status"))
    else {
        return;
    };
    if matches!(status, "final" | "interim") && is_pre_release(version) {
        fail(
            out,
            "6.1.20",
            "/document/tracking/version",
            "a pre-release part is not allowed for this status",
        );
    }
}

fn t_6_1_21(doc: &Value, out: &mut Vec<Violation>) {
    let Some(mut history) = revisions(doc) else {
        return;
    };
    history.sort_by(|a, b| compare_dates(a.1, b.1));
    let mut majors: Vec<Option<u64>> = Vec::new();
    for (_, _, number) in &history {
        let major = leading_integer(number);
        if !majors.contains(&major) {
            majors.push(major);
        }
    }
    let Some(&first) = majors.first() else {
        return;
    };
    let Some(first) = first.filter(|f| *f <= 1) else {
        fail(
            out,
            "6.1.21",
            "/document/tracking/revision_history",
            "the revision history does not start with version 0 or 1 when sorted by date",
        );
        return;
    };
    for (i, major) in majors.iter().enumerate() {
        let expected = first + i as u64;
        match major {
            Some(m) if *m == expected => {}
            _ => {
                fail(
                    out,
                    "6.1.21",
                    "/document/tracking/revision_history",
                    format!("major version {expected} is missing"),
                );
                return;
            }
        }
    }
}

fn t_6_1_22(doc: &Value, out: &mut Vec<Violation>) {
    let Some(history) = revisions(doc) else {
        return;
    };
    let mut seen: HashSet<&str> = HashSet::new();
    for (i, _, number) in history {
        if !seen.insert(number) {
            fail(
                out,
                "6.1.22",
                format!("/document/tracking/revision_history/{i}/number"),
                "version was already used",
            );
        }
    }
}

fn t_6_1_30(doc: &Value, out: &mut Vec<Violation>) {
    let Some(tracking) = doc.pointer("/document/tracking") else {
        return;
    };
    let mut scheme: Option<bool> = None;
    for (i, revision) in items(tracking.get("revision_history")).iter().enumerate() {
        if let Some(number) = string(revision.get("number")) {
            let integer = is_integer_version(number);
            match scheme {
                None => scheme = Some(integer),
                Some(s) if s != integer => fail(
                    out,
                    "6.1.30",
                    format!("/document/tracking/revision_history/{i}/number"),
                    "mixed integer and semantic versioning",
                ),
                Some(_) => {}
            }
        }
    }
    if let (Some(s), Some(version)) = (scheme, string(tracking.get("version")))
        && s != is_integer_version(version)
    {
        fail(
            out,
            "6.1.30",
            "/document/tracking/version",
            "mixed integer and semantic versioning",
        );
    }
}

// ---------------------------------------------------------------------------
// 6.1.23 – 6.1.29, 6.1.31 – 6.1.33

fn t_6_1_23(doc: &Value, out: &mut Vec<Violation>) {
    let mut seen: HashSet<&str> = HashSet::new();
    for (i, vuln) in vulnerabilities(doc).iter().enumerate() {
        if let Some(cve) = string(vuln.get("cve"))
            && !seen.insert(cve)
        {
            fail(
                out,
                "6.1.23",
                format!("/vulnerabilities/{i}/cve"),
                "CVE identifier was already used",
            );
        }
    }
}

fn t_6_1_24(doc: &Value, out: &mut Vec<Violation>) {
    for (i, vuln) in vulnerabilities(doc).iter().enumerate() {
        let mut seen: HashSet<(&str, &str)> = HashSet::new();
        for (j, involvement) in items(vuln.get("involvements")).iter().enumerate() {
            if let (Some(date), Some(party)) = (
                string(involvement.get("date")),
                string(involvement.get("party")),
            ) && !seen.insert((date, party))
            {
                fail(
                    out,
                    "6.1.24",
                    format!("/vulnerabilities/{i}/involvements/{j}"),
                    "the party already has an involvement at this date",
                );
            }
        }
    }
}

fn t_6_1_25(doc: &Value, out: &mut Vec<Violation>) {
    for (fpn, path) in full_product_names(doc) {
        let Some(helper) = fpn.get("product_identification_helper") else {
            continue;
        };
        for (h, hash) in items(helper.get("hashes")).iter().enumerate() {
            let mut seen: HashSet<&str> = HashSet::new();
            for (f, file_hash) in items(hash.get("file_hashes")).iter().enumerate() {
                if let Some(algorithm) = string(file_hash.get("algorithm"))
                    && !seen.insert(algorithm)
                {
                    fail(
                        out,
                        "6.1.25",
                        format!("{path}/product_identification_helper/hashes/{h}/file_hashes/{f}"),
                        format!("there is already a hash with the algorithm {algorithm}"),
                    );
                }
            }
        }
    }
}

fn t_6_1_26(doc: &Value, out: &mut Vec<Violation>) {
    const PROFILES: [&str; 5] = [
        "csaf_base",
        "csaf_security_incident_response",
        "csaf_informational_advisory",
        "csaf_security_advisory",
        "csaf_vex",
    ];
    let Some(category) = doc.pointer("/document/category").and_then(Value::as_str) else {
        return;
    };
    if PROFILES.contains(&category) {
        return;
    }
    if category.to_lowercase().starts_with("csaf_") {
        fail(out, "6.1.26", "/document/category", "reserved prefix used");
        return;
    }
    let squashed: String = category
        .chars()
        .filter(|c| !(c.is_whitespace() || *c == '-' || *c == '_'))
        .collect::<String>()
        .to_lowercase();
    if matches!(
        squashed.as_str(),
        "securityincidentresponse" | "informationaladvisory" | "securityadvisory" | "vex"
    ) {
        fail(
            out,
            "6.1.26",
            "/document/category",
            "value prohibited: too close to a profile name",
        );
    }
}

/// Whether a product is referenced, directly or through one of its groups,
/// by an item of `list`.
fn mentions(doc: &Value, list: &[Value], product: &str, accept: impl Fn(&Value) -> bool) -> bool {
    let groups = product_tree(doc).map_or(&[][..], |t| items(t.get("product_groups")));
    list.iter().filter(|item| accept(item)).any(|item| {
        items(item.get("product_ids"))
            .iter()
            .any(|p| p.as_str() == Some(product))
            || items(item.get("group_ids"))
                .iter()
                .filter_map(Value::as_str)
                .any(|g| {
                    groups.iter().any(|group| {
                        string(group.get("group_id")) == Some(g)
                            && items(group.get("product_ids"))
                                .iter()
                                .any(|p| p.as_str() == Some(product))
                    })
                })
    })
}

/// 6.1.27.1 – 6.1.27.11: the profile tests.
fn t_6_1_27(doc: &Value, out: &mut Vec<Violation>) {
    let category = doc
        .pointer("/document/category")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let incident_or_informational = matches!(
        category,
        "csaf_security_incident_response" | "csaf_informational_advisory"
    );
    let advisory_or_vex = matches!(category, "csaf_security_advisory" | "csaf_vex");
    let vex = category == "csaf_vex";

    if incident_or_informational {
        let notes = items(doc.pointer("/document/notes"));
        if !notes.iter().any(|n| {
            matches!(
                string(n.get("category")),
                Some("description" | "details" | "general" | "summary")
            )
        }) {
            fail(
                out,
                "6.1.27.1",
                "/document/notes",
                "needs a document note of category description, details, general or summary",
            );
        }
        let references = items(doc.pointer("/document/references"));
        if !references
            .iter()
            .any(|r| string(r.get("category")) == Some("external"))
        {
            fail(
                out,
                "6.1.27.2",
                "/document/references",
                "needs a document reference of category external",
            );
        }
    }
    if category == "csaf_informational_advisory" && doc.get("vulnerabilities").is_some() {
        fail(
            out,
            "6.1.27.3",
            "/vulnerabilities",
            "must not exist in an informational advisory",
        );
    }
    if advisory_or_vex {
        if doc.get("product_tree").is_none_or(Value::is_null) {
            fail(out, "6.1.27.4", "", "needs a product_tree");
        }
        if doc.get("vulnerabilities").is_none_or(Value::is_null) {
            fail(out, "6.1.27.11", "", "needs vulnerabilities");
        }
    }
    for (i, vuln) in vulnerabilities(doc).iter().enumerate() {
        let path = format!("/vulnerabilities/{i}");
        if advisory_or_vex && vuln.get("notes").is_none_or(Value::is_null) {
            fail(out, "6.1.27.5", path.clone(), "needs notes");
        }
        let status = vuln.get("product_status").filter(|s| !s.is_null());
        if category == "csaf_security_advisory" && status.is_none() {
            fail(out, "6.1.27.6", path.clone(), "needs a product_status");
        }
        if vex {
            t_6_1_27_vex(doc, &path, vuln, out);
        }
    }
}

/// 6.1.27.7 – 6.1.27.10: the VEX profile's statements.
fn t_6_1_27_vex(doc: &Value, path: &str, vuln: &Value, out: &mut Vec<Violation>) {
    let Some(status) = vuln.get("product_status").filter(|s| !s.is_null()) else {
        fail(out, "6.1.27.7", path, "needs a product_status");
        return;
    };
    if ![
        "fixed",
        "known_affected",
        "known_not_affected",
        "under_investigation",
    ]
    .iter()
    .any(|k| status.get(*k).is_some_and(Value::is_array))
    {
        fail(
            out,
            "6.1.27.7",
            format!("{path}/product_status"),
            "needs fixed, known_affected, known_not_affected or under_investigation",
        );
    }
    if vuln.get("ids").is_none() && vuln.get("cve").is_none() {
        fail(out, "6.1.27.8", path, "needs ids or cve");
    }
    for (j, product) in items(status.get("known_not_affected")).iter().enumerate() {
        let Some(product) = product.as_str() else {
            continue;
        };
        let threat = mentions(doc, items(vuln.get("threats")), product, |t| {
            string(t.get("category")) == Some("impact")
        });
        let flag = mentions(doc, items(vuln.get("flags")), product, |_| true);
        if !threat && !flag {
            fail(
                out,
                "6.1.27.9",
                format!("{path}/product_status/known_not_affected/{j}"),
                "no impact statement for this product",
            );
        }
    }
    for (j, product) in items(status.get("known_affected")).iter().enumerate() {
        let Some(product) = product.as_str() else {
            continue;
        };
        if !mentions(doc, items(vuln.get("remediations")), product, |_| true) {
            fail(
                out,
                "6.1.27.10",
                format!("{path}/product_status/known_affected/{j}"),
                "no action statement for this product",
            );
        }
    }
}

fn t_6_1_28(doc: &Value, out: &mut Vec<Violation>) {
    let lang = doc.pointer("/document/lang").and_then(Value::as_str);
    let source = doc.pointer("/document/source_lang").and_then(Value::as_str);
    if lang.is_some() && lang == source {
        fail(
            out,
            "6.1.28",
            "/document/lang",
            "is the same as /document/source_lang",
        );
    }
}

fn t_6_1_29(doc: &Value, out: &mut Vec<Violation>) {
    for (i, vuln) in vulnerabilities(doc).iter().enumerate() {
        for (j, remediation) in items(vuln.get("remediations")).iter().enumerate() {
            if remediation.get("product_ids").is_none() && remediation.get("group_ids").is_none() {
                fail(
                    out,
                    "6.1.29",
                    format!("/vulnerabilities/{i}/remediations/{j}"),
                    "remediation without product reference",
                );
            }
        }
    }
}

fn t_6_1_31(doc: &Value, out: &mut Vec<Violation>) {
    fn walk(branches: &[Value], path: &str, out: &mut Vec<Violation>) {
        for (i, branch) in branches.iter().enumerate() {
            let here = format!("{path}/{i}");
            if string(branch.get("category")) == Some("product_version")
                && let Some(name) = string(branch.get("name"))
                && super::csaf::reads_as_range(name)
            {
                fail(
                    out,
                    "6.1.31",
                    format!("{here}/name"),
                    "version range in product version",
                );
            }
            walk(
                items(branch.get("branches")),
                &format!("{here}/branches"),
                out,
            );
        }
    }
    if let Some(tree) = product_tree(doc) {
        walk(items(tree.get("branches")), "/product_tree/branches", out);
    }
}

fn t_6_1_32(doc: &Value, out: &mut Vec<Violation>) {
    for (i, vuln) in vulnerabilities(doc).iter().enumerate() {
        for (j, flag) in items(vuln.get("flags")).iter().enumerate() {
            if flag.get("product_ids").is_none() && flag.get("group_ids").is_none() {
                fail(
                    out,
                    "6.1.32",
                    format!("/vulnerabilities/{i}/flags/{j}"),
                    "flag without product reference",
                );
            }
        }
    }
}

fn t_6_1_33(doc: &Value, out: &mut Vec<Violation>) {
    let groups = product_tree(doc).map_or(&[][..], |t| items(t.get("product_groups")));
    for (i, vuln) in vulnerabilities(doc).iter().enumerate() {
        let mut flagged: HashSet<&str> = HashSet::new();
        for (j, flag) in items(vuln.get("flags")).iter().enumerate() {
            let mut products: Vec<&str> = items(flag.get("product_ids"))
                .iter()
                .filter_map(Value::as_str)
                .collect();
            for group_id in items(flag.get("group_ids"))
                .iter()
                .filter_map(Value::as_str)
            {
                if let Some(group) = groups
                    .iter()
                    .find(|g| string(g.get("group_id")) == Some(group_id))
                {
                    products.extend(
                        items(group.get("product_ids"))
                            .iter()
                            .filter_map(Value::as_str),
                    );
                }
            }
            let mut repeated = false;
            for product in products {
                repeated |= !flagged.insert(product);
            }
            if repeated {
                fail(
                    out,
                    "6.1.33",
                    format!("/vulnerabilities/{i}/flags/{j}"),
                    "multiple flags with VEX justification codes per product",
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purls_follow_the_reference_parser() {
        for ok in [
            "pkg:maven/org.eclipse.jetty/jetty-server@9.4.51",
            "pkg:npm/%40angular/core@1.0",
            "pkg:npm/@angular/core@1.0",
            "pkg:pypi/django@4.2?x=1#sub",
            "pkg:golang/github.com/a/b@v1.0.0",
            "pkg:generic/foo",
            "PKG:maven/a/b@1",
        ] {
            assert!(purl_is_valid(ok), "{ok}");
        }
        for bad in [
            "pkg:maven/foo@1",
            "pkg:swift/foo@1",
            "pkg:cran/A",
            "pkg:oci/ns/name@1",
            "pkg:pub/foo.bar@1",
            "pkg:golang/github.com/a/b@vX",
            "maven/a/b@1",
            "pkg:/a",
            "pkg:1ab/a",
            "pkg:maven/a/b@1 0",
            "pkg:maven/a/b?1x=2",
            "pkg:maven/a/%zz",
            "pkg:maven",
        ] {
            assert!(!purl_is_valid(bad), "{bad}");
        }
    }

    #[test]
    fn semantic_versions_and_their_order() {
        assert!(is_semver("1.0.0"));
        assert!(is_semver("1.0.0-alpha.1+build.5"));
        assert!(!is_semver("1.0"));
        assert!(!is_semver("01.0.0"));
        assert!(!is_semver("1.0.0-01"));
        let order =
            |a: &str, b: &str| compare_semver(&parse_semver(a).unwrap(), &parse_semver(b).unwrap());
        assert_eq!(order("1.0.0-alpha", "1.0.0"), Ordering::Less);
        assert_eq!(order("1.0.0-alpha.1", "1.0.0-alpha.beta"), Ordering::Less);
        assert_eq!(order("1.0.0-2", "1.0.0-11"), Ordering::Less);
        assert_eq!(order("2.0.0", "1.9.9"), Ordering::Greater);
    }

    #[test]
    fn language_tags() {
        for ok in [
            "en",
            "en-US",
            "de-CH-1901",
            "zh-Hant-TW",
            "en-x-private",
            "fr-419",
            "en-a-bbb-x-a",
        ] {
            assert!(language_tag_is_valid(ok), "{ok}");
        }
        for bad in [
            "",
            "english",
            "en-",
            "en_US",
            "xx",
            "en-a",
            "en-x",
            "en-a-bb-a-cc",
            "q1-US",
        ] {
            assert!(!language_tag_is_valid(bad), "{bad}");
        }
    }
}
