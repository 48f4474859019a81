//! The CVE JSON 5 record (70-publication §4.4): `PUBLISHED` for a normal
//! publication of an advisory holding an assigned CVE, `REJECTED` (with the
//! withdrawal reason) when the advisory is withdrawn.
//!
//! Invariants kept: a record is built only for a well-formed assigned CVE and
//! a configured assigner (v4 UUID), otherwise the publication fails loudly;
//! a published record has at least one reference and one affected product;
//! every string respects the schema's length limits (truncated, never
//! refused); duplicates are removed with the first occurrence's order kept;
//! a CVSS vector that does not score is kept as an `other` metric, never
//! dropped.

use serde_json::{Map, Value, json};

use super::{Facts, Input, is_cve_id, timestamp, truncate};
use crate::advisories::content::{CreditType, EventKind, SeverityType};
use crate::advisories::cwe;
use crate::advisories::severity::{self, CvssVersion, Level};

/// The CVE Record Format version the records declare.
pub const DATA_VERSION: &str = "5.2.0";

/// The vendor when neither the payload nor the live project names one.
const FALLBACK_VENDOR: &str = "Eclipse Foundation";

/// Package collections with a known `collectionURL`: the OSV ecosystem, and
/// the matching example of the vendored CVE schema's `collectionURL`
/// (a test checks each URL is one of those examples).
pub const COLLECTION_URLS: &[(&str, &str)] = &[
    ("Maven", "https://repo.maven.apache.org/maven2"),
    ("npm", "https://registry.npmjs.org"),
    ("PyPI", "https://pypi.python.org"),
    ("Go", "https://golang.org/pkg"),
    ("NuGet", "https://nuget.org/packages"),
    ("RubyGems", "https://rubygems.org"),
    ("crates.io", "https://crates.io"),
    ("Packagist", "https://packagist.org"),
    ("Pub", "https://pub.dev"),
    ("Hex", "https://repo.hex.pm"),
];

/// Why no CVE record can be built.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BuildError {
    #[error("Advisory has no assigned CVE; nothing to export.")]
    NoAssignedCve,
    #[error(
        "assigned CVE id '{0}' is malformed; expected CVE-<year>-<4 to 19 digits>, e.g. CVE-2026-12345"
    )]
    MalformedCve(String),
    #[error(
        "the CVE assigner is not configured: PUB_CVE_ASSIGNER_ORG_ID must be the CNA's organisation UUID (a v4 UUID) to publish a CVE record"
    )]
    AssignerNotConfigured,
    #[error("{0}: a CVE record requires at least one reference; add a reference to the advisory")]
    NoReferences(String),
    #[error(
        "{0}: a CVE record requires at least one affected product; add an affected package to the advisory"
    )]
    NoAffected(String),
    #[error("{0}: a rejected CVE record requires a reason; the withdrawal reason is blank")]
    NoRejectionReason(String),
}

/// Whether `s` is a v4 UUID in the 8-4-4-4-12 hex form.
fn is_v4_uuid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    let hex = |g: &str| g.bytes().all(|b| b.is_ascii_hexdigit());
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, len)| g.len() == len && hex(g))
        && groups[2].starts_with('4')
        && groups[3].starts_with(['8', '9', 'a', 'b', 'A', 'B'])
}

/// The CVE record of `input` (not yet validated).
pub fn build(input: &Input<'_>) -> Result<Value, BuildError> {
    let facts = Facts::read(input);
    let cve_id = facts.assigned_cve_id;
    if cve_id.is_empty() {
        return Err(BuildError::NoAssignedCve);
    }
    if !is_cve_id(cve_id, 4, 19) {
        return Err(BuildError::MalformedCve(cve_id.to_owned()));
    }
    let assigner = input.cve_assigner;
    let org_id = assigner.org_id.trim();
    if !is_v4_uuid(org_id) {
        return Err(BuildError::AssignerNotConfigured);
    }
    let short_name = assigner.short_name.trim();

    let mut provider = Map::new();
    provider.insert("orgId".into(), json!(org_id));
    provider.insert("dateUpdated".into(), json!(timestamp(facts.current)));
    let mut metadata = Map::new();
    metadata.insert("cveId".into(), json!(cve_id));
    metadata.insert("assignerOrgId".into(), json!(org_id));
    if !short_name.is_empty() {
        provider.insert("shortName".into(), json!(short_name));
        metadata.insert("assignerShortName".into(), json!(short_name));
    }

    let cna = if facts.withdrawn() {
        metadata.insert("state".into(), json!("REJECTED"));
        metadata.insert("dateRejected".into(), json!(timestamp(facts.current)));
        metadata.insert("dateUpdated".into(), json!(timestamp(facts.current)));
        if let Some(published) = input.first_published_at {
            metadata.insert("datePublished".into(), json!(timestamp(published)));
        }
        let reason = truncate(facts.withdrawn_reason, 4096);
        if reason.trim().is_empty() {
            return Err(BuildError::NoRejectionReason(cve_id.to_owned()));
        }
        json!({
            "providerMetadata": provider,
            "rejectedReasons": [{"lang": "en", "value": reason}],
        })
    } else {
        metadata.insert("state".into(), json!("PUBLISHED"));
        metadata.insert("datePublished".into(), json!(timestamp(facts.published)));
        metadata.insert("dateUpdated".into(), json!(timestamp(facts.current)));
        published_container(&facts, cve_id, provider)?
    };

    Ok(json!({
        "dataType": "CVE_RECORD",
        "dataVersion": DATA_VERSION,
        "cveMetadata": metadata,
        "containers": {"cna": cna},
    }))
}

fn published_container(
    facts: &Facts<'_>,
    cve_id: &str,
    provider: Map<String, Value>,
) -> Result<Value, BuildError> {
    let content = &facts.content;
    let mut cna = Map::new();
    cna.insert("providerMetadata".into(), Value::Object(provider));
    cna.insert("title".into(), json!(truncate(facts.title(), 256)));

    let description = [content.details.trim(), content.summary.trim()]
        .into_iter()
        .find(|t| !t.is_empty())
        .map_or_else(
            || format!("Security advisory {}.", facts.advisory_id),
            str::to_owned,
        );
    cna.insert(
        "descriptions".into(),
        json!([{"lang": "en", "value": truncate(&description, 4096)}]),
    );

    let affected = affected(facts);
    if affected.is_empty() {
        return Err(BuildError::NoAffected(cve_id.to_owned()));
    }
    cna.insert("affected".into(), Value::Array(affected));

    let mut references: Vec<Value> = Vec::new();
    for reference in &content.references {
        let url = reference.url.trim();
        let entry = json!({"url": url});
        if !url.is_empty() && !references.contains(&entry) {
            references.push(entry);
        }
    }
    if references.is_empty() {
        return Err(BuildError::NoReferences(cve_id.to_owned()));
    }
    cna.insert("references".into(), Value::Array(references));

    let problems = problem_types(facts);
    if !problems.is_empty() {
        cna.insert("problemTypes".into(), json!([{"descriptions": problems}]));
    }
    let metrics = metrics(facts);
    if !metrics.is_empty() {
        cna.insert("metrics".into(), Value::Array(metrics));
    }
    let credits = credits(facts);
    if !credits.is_empty() {
        cna.insert("credits".into(), Value::Array(credits));
    }
    Ok(Value::Object(cna))
}

/// The base name of an ecosystem (`Debian:11` → `Debian`).
fn ecosystem_base(ecosystem: &str) -> &str {
    ecosystem.split(':').next().unwrap_or_default().trim()
}

/// `versionType` of a range (§4.4).
fn version_type(range_kind: &str, ecosystem: &str) -> &'static str {
    match range_kind.trim() {
        "SEMVER" => "semver",
        "GIT" => "git",
        _ => match ecosystem_base(ecosystem) {
            "Maven" => "maven",
            "PyPI" => "python",
            "npm" | "Go" | "NuGet" | "RubyGems" | "crates.io" | "Packagist" | "Pub" | "Hex" => {
                "semver"
            }
            _ => "custom",
        },
    }
}

fn push_unique(list: &mut Vec<Value>, value: Value) {
    if !list.contains(&value) {
        list.push(value);
    }
}

/// One CVE `affected` entry per OSV entry with a package name.
fn affected(facts: &Facts<'_>) -> Vec<Value> {
    let vendor = [facts.project_name, FALLBACK_VENDOR]
        .into_iter()
        .find(|v| !v.trim().is_empty())
        .unwrap_or(FALLBACK_VENDOR);
    let mut out = Vec::new();
    for entry in &facts.content.affected {
        let name = entry.package.name.trim();
        if name.is_empty() {
            continue;
        }
        let ecosystem = entry.package.ecosystem.trim();
        let mut product = Map::new();
        product.insert("vendor".into(), json!(truncate(vendor.trim(), 512)));
        product.insert("product".into(), json!(truncate(name, 2048)));
        let base = ecosystem_base(ecosystem);
        if let Some((_, url)) = COLLECTION_URLS.iter().find(|(e, _)| *e == base) {
            product.insert("collectionURL".into(), json!(url));
            product.insert("packageName".into(), json!(truncate(name, 2048)));
        }

        let mut versions: Vec<Value> = Vec::new();
        let mut orderable = true;
        for range in &entry.ranges {
            let kind = version_type(&range.kind, ecosystem);
            if !matches!(kind, "semver" | "maven" | "python") {
                orderable = false;
            }
            let mut start: Option<String> = None;
            for event in &range.events {
                let value = event.value.trim();
                if value.is_empty() {
                    continue;
                }
                let value = truncate(value, 1024);
                let from = || start.clone().unwrap_or_else(|| "0".to_owned());
                match event.kind {
                    EventKind::Introduced => start = Some(value),
                    EventKind::Fixed => {
                        let v = json!({"version": from(), "status": "affected",
                                       "versionType": kind, "lessThan": value});
                        push_unique(&mut versions, v);
                        start = None;
                    }
                    EventKind::LastAffected => {
                        let v = json!({"version": from(), "status": "affected",
                                       "versionType": kind, "lessThanOrEqual": value});
                        push_unique(&mut versions, v);
                        start = None;
                    }
                    EventKind::Limit => {}
                }
            }
            if let Some(start) = start {
                let v = json!({"version": start, "status": "affected",
                               "versionType": kind, "lessThan": "*"});
                push_unique(&mut versions, v);
            }
        }
        for version in &entry.versions {
            let version = version.trim();
            if !version.is_empty() {
                let v = json!({"version": truncate(version, 1024), "status": "affected"});
                push_unique(&mut versions, v);
            }
        }
        if versions.is_empty() {
            product.insert("defaultStatus".into(), json!("affected"));
        } else {
            if orderable {
                product.insert("defaultStatus".into(), json!("unaffected"));
            }
            product.insert("versions".into(), Value::Array(versions));
        }
        push_unique(&mut out, Value::Object(product));
    }
    out
}

fn problem_types(facts: &Facts<'_>) -> Vec<Value> {
    let mut out = Vec::new();
    for id in &facts.content.cwe_ids {
        let id = cwe::normalize(id);
        if id.is_empty() {
            continue;
        }
        let name = cwe::name_for(&id).unwrap_or(&id);
        push_unique(
            &mut out,
            json!({"lang": "en", "description": truncate(name, 4096), "cweId": id, "type": "CWE"}),
        );
    }
    out
}

/// A score with one decimal, as the CVSS specifications print it.
pub(super) fn one_decimal(score: f64) -> f64 {
    (score * 10.0).round() / 10.0
}

/// `NONE`, `LOW`, `MEDIUM`, `HIGH` or `CRITICAL`.
pub(super) fn severity_word(level: Level) -> String {
    level.as_str().to_ascii_uppercase()
}

fn metrics(facts: &Facts<'_>) -> Vec<Value> {
    let mut out = Vec::new();
    for entry in &facts.content.severity {
        let kind = entry.kind.trim();
        let score = entry.score.trim();
        if score.is_empty() {
            continue;
        }
        let metric = match kind.parse::<SeverityType>() {
            Ok(SeverityType::Ubuntu) => {
                json!({"other": {"type": "Ubuntu", "content": {"severity": score.to_lowercase()}}})
            }
            Ok(declared) => match severity::parse_cvss(declared, score) {
                Ok(parsed) => {
                    let base = one_decimal(parsed.base_score);
                    let word = severity_word(parsed.level);
                    match parsed.version {
                        CvssVersion::V2 => json!({"cvssV2_0": {
                            "version": "2.0", "vectorString": score, "baseScore": base}}),
                        CvssVersion::V3_0 => json!({"cvssV3_0": {
                            "version": "3.0", "vectorString": score, "baseScore": base,
                            "baseSeverity": word}}),
                        CvssVersion::V3_1 => json!({"cvssV3_1": {
                            "version": "3.1", "vectorString": score, "baseScore": base,
                            "baseSeverity": word}}),
                        CvssVersion::V4_0 => json!({"cvssV4_0": {
                            "version": "4.0", "vectorString": score, "baseScore": base,
                            "baseSeverity": word}}),
                    }
                }
                Err(_) => unscored(kind, score),
            },
            Err(_) => unscored(kind, score),
        };
        push_unique(&mut out, metric);
    }
    out
}

fn unscored(kind: &str, vector: &str) -> Value {
    let kind = if kind.is_empty() { "severity" } else { kind };
    json!({"other": {"type": truncate(kind, 128), "content": {"vectorString": vector}}})
}

/// The CVE spelling of a credit type; `None` when it has none.
fn credit_type(kind: &str) -> Option<&'static str> {
    Some(match kind.trim().parse::<CreditType>().ok()? {
        CreditType::Finder => "finder",
        CreditType::Reporter => "reporter",
        CreditType::Analyst => "analyst",
        CreditType::Coordinator => "coordinator",
        CreditType::RemediationDeveloper => "remediation developer",
        CreditType::RemediationReviewer => "remediation reviewer",
        CreditType::RemediationVerifier => "remediation verifier",
        CreditType::Tool => "tool",
        CreditType::Sponsor => "sponsor",
        CreditType::Other => "other",
    })
}

fn credits(facts: &Facts<'_>) -> Vec<Value> {
    let mut out = Vec::new();
    for credit in &facts.content.credits {
        let name = credit.name.trim();
        if name.is_empty() {
            continue;
        }
        let mut entry = Map::new();
        entry.insert("lang".into(), json!("en"));
        entry.insert("value".into(), json!(truncate(name, 4096)));
        if let Some(kind) = credit_type(&credit.kind) {
            entry.insert("type".into(), json!(kind));
        }
        push_unique(&mut out, Value::Object(entry));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v4_uuids_are_recognised() {
        assert!(is_v4_uuid("0d9d4bc2-8f6e-4c1a-9b7e-3f2a1c0d5e6f"));
        assert!(is_v4_uuid("0D9D4BC2-8F6E-4C1A-AB7E-3F2A1C0D5E6F"));
        for bad in [
            "",
            "0d9d4bc2-8f6e-1c1a-9b7e-3f2a1c0d5e6f",
            "0d9d4bc2-8f6e-4c1a-7b7e-3f2a1c0d5e6f",
            "0d9d4bc28f6e4c1a9b7e3f2a1c0d5e6f",
            "0d9d4bc2-8f6e-4c1a-9b7e-3f2a1c0d5e6g",
        ] {
            assert!(!is_v4_uuid(bad), "{bad}");
        }
    }

    #[test]
    fn version_types_follow_range_then_ecosystem() {
        assert_eq!(version_type("SEMVER", "Maven"), "semver");
        assert_eq!(version_type("GIT", "Maven"), "git");
        assert_eq!(version_type("ECOSYSTEM", "Maven"), "maven");
        assert_eq!(version_type("ECOSYSTEM", "PyPI"), "python");
        assert_eq!(version_type("ECOSYSTEM", "crates.io"), "semver");
        assert_eq!(version_type("ECOSYSTEM", "Debian:12"), "custom");
    }
}
