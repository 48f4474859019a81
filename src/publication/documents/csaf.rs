//! The CSAF 2.0 security advisory (70-publication §4.3 as completed by
//! 00-decisions "Surfaces"): document metadata and publisher, tracking with
//! one revision per publication, a product tree built from the affected
//! packages and ranges, product status, CVSS scores, remediations for fixed
//! versions, CWE with its catalogue name, references, notes and
//! acknowledgments.
//!
//! The product tree is `vendor` (the project) → `product_name` (a package)
//! → leaves: a `product_version_range` per affected window of a range (in
//! `vers` notation where the ecosystem has a scheme), a `product_version`
//! per fixed version and per explicitly listed affected version. Windows and
//! listed versions are `known_affected`; fixed versions are `fixed`, with a
//! `vendor_fix` remediation for the windows they close. An advisory without
//! affected packages gets one product for the project itself, so the
//! security-advisory profile (a product tree, a product status) always holds.
//!
//! Invariants kept (the CSAF 2.0 mandatory tests this builder must never
//! trip): product ids are unique and every reference to one is defined; no
//! product is both affected and fixed; at most one score per CVSS version;
//! a `product_version` name never reads as a range; revision numbers are the
//! integers 1..n in date order and the document version is the last one; the
//! CWE name is the vendored catalogue's.

use std::fmt::Write as _;

use serde_json::{Map, Value, json};

use super::cve::{one_decimal, severity_word};
use super::{Facts, Input, Revision, is_cve_id, timestamp};
use crate::advisories::content::{CreditType, EventKind, SeverityType};
use crate::advisories::cwe;
use crate::advisories::severity::{self, CvssVersion, Level};

/// The generator named in `document.tracking.generator`.
const GENERATOR: &str = "AdvisoryHub";

/// The CSAF document of `input` (not yet validated).
pub fn build(input: &Input<'_>) -> Value {
    let facts = Facts::read(input);
    let tree = Tree::build(&facts);
    let mut doc = Map::new();
    doc.insert("document".into(), document(input, &facts));
    doc.insert("product_tree".into(), tree.to_json());
    doc.insert(
        "vulnerabilities".into(),
        json!([vulnerability(&facts, &tree)]),
    );
    Value::Object(doc)
}

// ---------------------------------------------------------------------------
// document

fn document(input: &Input<'_>, facts: &Facts<'_>) -> Value {
    let publisher = input.publisher;
    let mut publisher_json = Map::new();
    publisher_json.insert("category".into(), json!("vendor"));
    publisher_json.insert("name".into(), json!(publisher.name.trim()));
    publisher_json.insert("namespace".into(), json!(publisher.namespace.trim()));
    if !publisher.contact_details.trim().is_empty() {
        publisher_json.insert(
            "contact_details".into(),
            json!(publisher.contact_details.trim()),
        );
    }

    let mut doc = Map::new();
    doc.insert("category".into(), json!("csaf_security_advisory"));
    doc.insert("csaf_version".into(), json!("2.0"));
    doc.insert("lang".into(), json!("en"));
    doc.insert("title".into(), json!(facts.title()));
    doc.insert("publisher".into(), Value::Object(publisher_json));
    doc.insert("distribution".into(), json!({"tlp": {"label": "WHITE"}}));
    let (level, _) = severity::worst(&facts.content.severity);
    if level != Level::None {
        doc.insert(
            "aggregate_severity".into(),
            json!({"text": capitalised(level.as_str())}),
        );
    }
    if facts.withdrawn() {
        doc.insert(
            "notes".into(),
            json!([{"category": "other", "title": "Withdrawn", "text": facts.withdrawn_reason}]),
        );
    }
    doc.insert("tracking".into(), tracking(input, facts));
    Value::Object(doc)
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

fn revision_summary(index: usize, revision: &Revision, previous: Option<&Revision>) -> String {
    let version = revision.version;
    if revision.withdrawn {
        format!("Advisory withdrawn (version {version}).")
    } else if index == 0 {
        format!("Initial publication (version {version}).")
    } else if previous.is_some_and(|p| p.withdrawn) {
        format!("Withdrawal reversed; advisory republished (version {version}).")
    } else {
        format!("Updated advisory (version {version}).")
    }
}

/// `document.tracking`: the earlier publications, then this one, numbered
/// 1..n with dates never before the initial release nor the entry before.
fn tracking(input: &Input<'_>, facts: &Facts<'_>) -> Value {
    let current = Revision {
        date: facts.current,
        version: input.version,
        withdrawn: facts.withdrawn(),
    };
    let revisions: Vec<Revision> = input.revisions.iter().copied().chain([current]).collect();
    let mut history = Vec::new();
    let mut floor = facts.published;
    for (index, revision) in revisions.iter().enumerate() {
        let date = revision.date.max(floor);
        floor = date;
        let previous = index.checked_sub(1).map(|i| &revisions[i]);
        history.push(json!({
            "date": timestamp(date),
            "number": (index + 1).to_string(),
            "summary": revision_summary(index, revision, previous),
        }));
    }
    json!({
        "id": facts.advisory_id,
        "status": "final",
        "version": revisions.len().to_string(),
        "initial_release_date": timestamp(facts.published),
        "current_release_date": timestamp(floor),
        "revision_history": history,
        "generator": {"engine": {"name": GENERATOR}},
    })
}

// ---------------------------------------------------------------------------
// product tree

struct Product {
    id: String,
    name: String,
    purl: Option<String>,
}

impl Product {
    fn to_json(&self) -> Value {
        let mut product = Map::new();
        product.insert("name".into(), json!(self.name));
        product.insert("product_id".into(), json!(self.id));
        if let Some(purl) = &self.purl {
            product.insert(
                "product_identification_helper".into(),
                json!({"purl": purl}),
            );
        }
        Value::Object(product)
    }
}

struct Leaf {
    category: &'static str,
    name: String,
    product: Product,
}

struct PackageNode {
    ecosystem: String,
    name: String,
    /// The package's purl without a version, when it is one we can vouch for.
    purl: Option<String>,
    leaves: Vec<Leaf>,
    /// A product for the package as a whole, when it has no leaves.
    whole: Option<Product>,
}

struct Remediation {
    details: String,
    product_ids: Vec<String>,
}

/// The product tree and the per-product facts the vulnerability needs.
struct Tree {
    vendor: String,
    packages: Vec<PackageNode>,
    next_id: usize,
    known_affected: Vec<String>,
    fixed: Vec<String>,
    remediations: Vec<Remediation>,
}

/// An affected window of a range.
struct Window<'e> {
    start: Option<&'e str>,
    end: End<'e>,
}

enum End<'e> {
    Fixed(&'e str),
    LastAffected(&'e str),
    Open,
}

fn push_unique(list: &mut Vec<String>, id: &str) {
    if !list.iter().any(|x| x == id) {
        list.push(id.to_owned());
    }
}

impl Tree {
    fn build(facts: &Facts<'_>) -> Self {
        let vendor = [facts.project_name, "Eclipse Foundation"]
            .into_iter()
            .find(|v| !v.trim().is_empty())
            .unwrap_or("Eclipse Foundation")
            .trim()
            .to_owned();
        let mut tree = Tree {
            vendor,
            packages: Vec::new(),
            next_id: 0,
            known_affected: Vec::new(),
            fixed: Vec::new(),
            remediations: Vec::new(),
        };
        for entry in &facts.content.affected {
            let name = entry.package.name.trim();
            if name.is_empty() {
                continue;
            }
            let ecosystem = entry.package.ecosystem.trim();
            let package = tree.package(ecosystem, name, entry.package.purl.trim());
            for range in &entry.ranges {
                tree.range(package, &range.kind, range.repo.trim(), &range.events);
            }
            for version in &entry.versions {
                let version = version.trim();
                if !version.is_empty() {
                    let id = tree.version_leaf(package, version);
                    push_unique(&mut tree.known_affected, &id);
                }
            }
        }
        // A package that yielded no leaf, or an advisory without packages,
        // is affected as a whole.
        for index in 0..tree.packages.len() {
            if tree.packages[index].leaves.is_empty() {
                let node = &tree.packages[index];
                let (name, purl) = (node.name.clone(), node.purl.clone());
                let product = tree.product(name, purl);
                push_unique(&mut tree.known_affected, &product.id);
                tree.packages[index].whole = Some(product);
            }
        }
        if tree.packages.is_empty() {
            let name = [facts.project_name, facts.project_slug, facts.advisory_id]
                .into_iter()
                .find(|v| !v.trim().is_empty())
                .unwrap_or("Unnamed product")
                .trim()
                .to_owned();
            let product = tree.product(name.clone(), None);
            push_unique(&mut tree.known_affected, &product.id);
            tree.packages.push(PackageNode {
                ecosystem: String::new(),
                name,
                purl: None,
                leaves: Vec::new(),
                whole: Some(product),
            });
        }
        let affected = tree.known_affected.clone();
        tree.fixed.retain(|id| !affected.contains(id));
        tree
    }

    fn product(&mut self, name: String, purl: Option<String>) -> Product {
        self.next_id += 1;
        Product {
            id: format!("CSAFPID-{:04}", self.next_id),
            name,
            purl,
        }
    }

    /// The index of the package node for `(ecosystem, name)`, created on
    /// first sight.
    fn package(&mut self, ecosystem: &str, name: &str, purl: &str) -> usize {
        if let Some(index) = self
            .packages
            .iter()
            .position(|p| p.ecosystem == ecosystem && p.name == name)
        {
            if self.packages[index].purl.is_none() {
                self.packages[index].purl = versionless_purl(purl);
            }
            return index;
        }
        self.packages.push(PackageNode {
            ecosystem: ecosystem.to_owned(),
            name: name.to_owned(),
            purl: versionless_purl(purl),
            leaves: Vec::new(),
            whole: None,
        });
        self.packages.len() - 1
    }

    /// The product id of the leaf `(category, name)` of `package`, created on
    /// first sight.
    fn leaf(
        &mut self,
        package: usize,
        category: &'static str,
        name: &str,
        product_name: String,
        purl: Option<String>,
    ) -> String {
        if let Some(leaf) = self.packages[package]
            .leaves
            .iter()
            .find(|l| l.category == category && l.name == name)
        {
            return leaf.product.id.clone();
        }
        let product = self.product(product_name, purl);
        let id = product.id.clone();
        self.packages[package].leaves.push(Leaf {
            category,
            name: name.to_owned(),
            product,
        });
        id
    }

    /// The leaf of one version of `package`.
    fn version_leaf(&mut self, package: usize, version: &str) -> String {
        let node = &self.packages[package];
        let product_name = format!("{} {version}", node.name);
        let purl = node.purl.as_deref().and_then(|p| with_version(p, version));
        let category = if reads_as_range(version) {
            "product_version_range"
        } else {
            "product_version"
        };
        self.leaf(package, category, version, product_name, purl)
    }

    fn range(
        &mut self,
        package: usize,
        kind: &str,
        repo: &str,
        events: &[crate::advisories::content::Event],
    ) {
        let git = kind.trim() == "GIT";
        let scheme = vers_scheme(kind, &self.packages[package].ecosystem);
        let mut windows = Vec::new();
        let mut start: Option<&str> = None;
        let mut open = false;
        for event in events {
            let value = event.value.trim();
            if value.is_empty() {
                continue;
            }
            match event.kind {
                EventKind::Introduced => {
                    start = Some(value);
                    open = true;
                }
                EventKind::Fixed => {
                    windows.push(Window {
                        start: start.take(),
                        end: End::Fixed(value),
                    });
                    open = false;
                }
                EventKind::LastAffected => {
                    windows.push(Window {
                        start: start.take(),
                        end: End::LastAffected(value),
                    });
                    open = false;
                }
                EventKind::Limit => {}
            }
        }
        if open {
            windows.push(Window {
                start,
                end: End::Open,
            });
        }
        for window in windows {
            let package_name = self.packages[package].name.clone();
            let (branch, product_name) = if git {
                let text = git_window(&window);
                let product_name = if repo.is_empty() {
                    format!("{package_name} {text}")
                } else {
                    format!("{package_name} ({repo}) {text}")
                };
                (format!("git: {text}"), product_name)
            } else {
                (
                    vers(scheme, &window),
                    format!("{package_name} {}", human_window(&window)),
                )
            };
            let id = self.leaf(
                package,
                "product_version_range",
                &branch,
                product_name,
                None,
            );
            push_unique(&mut self.known_affected, &id);
            if let End::Fixed(fixed) = window.end {
                let fixed_id = self.version_leaf(package, fixed);
                push_unique(&mut self.fixed, &fixed_id);
                let details = if git {
                    if repo.is_empty() {
                        format!("Apply commit {fixed} to {package_name}.")
                    } else {
                        format!("Apply commit {fixed} of {repo} to {package_name}.")
                    }
                } else {
                    format!("Upgrade {package_name} to version {fixed}, which contains the fix.")
                };
                match self.remediations.iter_mut().find(|r| r.details == details) {
                    Some(remediation) => push_unique(&mut remediation.product_ids, &id),
                    None => self.remediations.push(Remediation {
                        details,
                        product_ids: vec![id],
                    }),
                }
            }
        }
    }

    fn to_json(&self) -> Value {
        // Two packages of the same name from different ecosystems get the
        // ecosystem in their branch name, so the branches tell them apart.
        let branches: Vec<Value> = self
            .packages
            .iter()
            .map(|node| {
                let twin = self
                    .packages
                    .iter()
                    .any(|other| other.name == node.name && other.ecosystem != node.ecosystem);
                let name = if twin && !node.ecosystem.is_empty() {
                    format!("{} ({})", node.name, node.ecosystem)
                } else {
                    node.name.clone()
                };
                let mut branch = Map::new();
                branch.insert("category".into(), json!("product_name"));
                branch.insert("name".into(), json!(name));
                if let Some(product) = &node.whole {
                    branch.insert("product".into(), product.to_json());
                } else {
                    let leaves: Vec<Value> = node
                        .leaves
                        .iter()
                        .map(|leaf| {
                            json!({
                                "category": leaf.category,
                                "name": leaf.name,
                                "product": leaf.product.to_json(),
                            })
                        })
                        .collect();
                    branch.insert("branches".into(), Value::Array(leaves));
                }
                Value::Object(branch)
            })
            .collect();
        json!({
            "branches": [{
                "category": "vendor",
                "name": self.vendor,
                "branches": branches,
            }]
        })
    }
}

/// Whether a version string would trip mandatory test 6.1.31 as the name of
/// a `product_version` branch.
pub(super) fn reads_as_range(name: &str) -> bool {
    let lower = name.to_lowercase();
    ['<', '>'].iter().any(|c| lower.contains(*c))
        || lower.split_whitespace().any(|word| {
            matches!(
                word,
                "after" | "all" | "before" | "earlier" | "later" | "prior" | "versions"
            )
        })
}

/// The `vers` versioning scheme of a range.
fn vers_scheme(kind: &str, ecosystem: &str) -> &'static str {
    if kind.trim() == "SEMVER" {
        return "semver";
    }
    match ecosystem.split(':').next().unwrap_or_default().trim() {
        "Maven" => "maven",
        "npm" => "npm",
        "PyPI" => "pypi",
        "Go" => "golang",
        "NuGet" => "nuget",
        "RubyGems" => "gem",
        "crates.io" => "cargo",
        "Packagist" => "composer",
        "Pub" => "pub",
        "Hex" => "hex",
        "Debian" | "Ubuntu" => "deb",
        "Alpine" => "alpine",
        "Red Hat" | "AlmaLinux" | "Rocky Linux" | "openSUSE" | "SUSE" | "Mageia" | "openEuler" => {
            "rpm"
        }
        _ => "generic",
    }
}

/// A version inside a `vers` constraint: the separators `|`, `/`, `%` and
/// spaces are percent-encoded.
fn vers_version(version: &str) -> String {
    let mut out = String::new();
    for c in version.chars() {
        match c {
            '|' | '%' | '/' | ' ' | '\t' | '\n' | '\r' => {
                let mut buf = [0; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    let _ = write!(out, "%{b:02X}");
                }
            }
            _ => out.push(c),
        }
    }
    out
}

fn introduced(window: &Window<'_>) -> Option<String> {
    window.start.filter(|s| *s != "0").map(str::to_owned)
}

/// `vers:<scheme>/<constraints>` of a window.
fn vers(scheme: &str, window: &Window<'_>) -> String {
    let mut constraints = Vec::new();
    if let Some(start) = introduced(window) {
        constraints.push(format!(">={}", vers_version(&start)));
    }
    match window.end {
        End::Fixed(v) => constraints.push(format!("<{}", vers_version(v))),
        End::LastAffected(v) => constraints.push(format!("<={}", vers_version(v))),
        End::Open => {}
    }
    if constraints.is_empty() {
        format!("vers:{scheme}/*")
    } else {
        format!("vers:{scheme}/{}", constraints.join("|"))
    }
}

fn human_window(window: &Window<'_>) -> String {
    let mut parts = Vec::new();
    if let Some(start) = introduced(window) {
        parts.push(format!(">={start}"));
    }
    match window.end {
        End::Fixed(v) => parts.push(format!("<{v}")),
        End::LastAffected(v) => parts.push(format!("<={v}")),
        End::Open => {}
    }
    if parts.is_empty() {
        "all versions".to_owned()
    } else {
        parts.join(" ")
    }
}

fn git_window(window: &Window<'_>) -> String {
    let mut parts = Vec::new();
    if let Some(start) = introduced(window) {
        parts.push(format!("introduced in commit {start}"));
    }
    match window.end {
        End::Fixed(v) => parts.push(format!("fixed in commit {v}")),
        End::LastAffected(v) => parts.push(format!("last affected commit {v}")),
        End::Open => {}
    }
    if parts.is_empty() {
        "all commits".to_owned()
    } else {
        parts.join(", ")
    }
}

// ---------------------------------------------------------------------------
// purl

/// The package's purl without its version, qualifiers kept, when it is a
/// purl the CSAF purl test accepts.
fn versionless_purl(purl: &str) -> Option<String> {
    let purl = purl.trim();
    if purl.is_empty() {
        return None;
    }
    let (head, tail) = split_purl_tail(purl);
    let base = match head.rfind('@') {
        Some(at) if at > head.rfind('/').unwrap_or(0) => &head[..at],
        _ => head,
    };
    let candidate = format!("{base}{tail}");
    super::csaf_checks::purl_is_valid(&candidate).then_some(candidate)
}

/// `(pkg:type/namespace/name[@version], ?qualifiers#subpath)`.
fn split_purl_tail(purl: &str) -> (&str, &str) {
    let cut = purl.find(['?', '#']).unwrap_or(purl.len());
    purl.split_at(cut)
}

/// `purl` (versionless) at `version`, when the result is a valid purl.
fn with_version(purl: &str, version: &str) -> Option<String> {
    let (head, tail) = split_purl_tail(purl);
    let mut encoded = String::new();
    for c in version.chars() {
        if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '~' | '+') {
            encoded.push(c);
        } else {
            let mut buf = [0; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                let _ = write!(encoded, "%{b:02X}");
            }
        }
    }
    let candidate = format!("{head}@{encoded}{tail}");
    super::csaf_checks::purl_is_valid(&candidate).then_some(candidate)
}

// ---------------------------------------------------------------------------
// vulnerability

fn vulnerability(facts: &Facts<'_>, tree: &Tree) -> Value {
    let content = &facts.content;
    let mut vuln = Map::new();
    vuln.insert("title".into(), json!(facts.title()));
    identifiers(facts, &mut vuln);
    let others = weaknesses(facts, &mut vuln);

    let mut notes = Vec::new();
    if !content.summary.trim().is_empty() {
        notes.push(json!({"category": "summary", "title": "Summary", "text": content.summary}));
    }
    if !content.details.trim().is_empty() {
        notes.push(json!({"category": "description", "title": "Details", "text": content.details}));
    }
    if notes.is_empty() {
        notes.push(json!({"category": "summary", "title": "Summary",
                          "text": format!("Security advisory {}.", facts.advisory_id)}));
    }
    if !others.is_empty() {
        let text: Vec<String> = others
            .iter()
            .map(|(id, name)| format!("{id}: {name}"))
            .collect();
        notes.push(
            json!({"category": "other", "title": "Additional weaknesses (CWE)",
                          "text": text.join("\n")}),
        );
    }

    let affected = &tree.known_affected;
    let (scores, threats, unrepresented) = severities(facts, affected);
    if !unrepresented.is_empty() {
        notes.push(
            json!({"category": "other", "title": "Other severity ratings",
                          "text": unrepresented.join("\n")}),
        );
    }
    vuln.insert("notes".into(), Value::Array(notes));

    let mut status = Map::new();
    if !tree.known_affected.is_empty() {
        status.insert("known_affected".into(), json!(tree.known_affected));
    }
    if !tree.fixed.is_empty() {
        status.insert("fixed".into(), json!(tree.fixed));
    }
    vuln.insert("product_status".into(), Value::Object(status));

    if !tree.remediations.is_empty() {
        let remediations: Vec<Value> = tree
            .remediations
            .iter()
            .map(|r| {
                json!({"category": "vendor_fix", "details": r.details,
                            "product_ids": r.product_ids})
            })
            .collect();
        vuln.insert("remediations".into(), Value::Array(remediations));
    }
    if !scores.is_empty() {
        vuln.insert("scores".into(), Value::Array(scores));
    }
    if !threats.is_empty() {
        vuln.insert("threats".into(), Value::Array(threats));
    }

    let mut references: Vec<Value> = Vec::new();
    for reference in &content.references {
        let url = reference.url.trim();
        let summary = match reference.kind.trim() {
            "" => "WEB",
            kind => kind,
        };
        let entry = json!({"category": "external", "summary": summary, "url": url});
        if !url.is_empty() && !references.contains(&entry) {
            references.push(entry);
        }
    }
    if !references.is_empty() {
        vuln.insert("references".into(), Value::Array(references));
    }

    let acknowledgments = acknowledgments(facts);
    if !acknowledgments.is_empty() {
        vuln.insert("acknowledgments".into(), Value::Array(acknowledgments));
    }
    Value::Object(vuln)
}

/// `cve`: the assigned CVE, else the first CVE-shaped alias; `ids`: every
/// other alias, as an id of another system.
fn identifiers(facts: &Facts<'_>, vuln: &mut Map<String, Value>) {
    let mut cve: Option<&str> = None;
    let mut ids: Vec<&str> = Vec::new();
    for alias in [facts.assigned_cve_id]
        .into_iter()
        .chain(facts.content.aliases.iter().map(|a| a.trim()))
        .filter(|a| !a.is_empty())
    {
        if cve.is_none() && is_cve_id(alias, 4, usize::MAX) {
            cve = Some(alias);
        } else if cve != Some(alias) {
            ids.push(alias);
        }
    }
    ids.sort_unstable();
    ids.dedup();
    if let Some(cve) = cve {
        vuln.insert("cve".into(), json!(cve));
    }
    if !ids.is_empty() {
        let ids: Vec<Value> = ids
            .iter()
            .map(|id| json!({"system_name": system_name(id), "text": id}))
            .collect();
        vuln.insert("ids".into(), Value::Array(ids));
    }
}

/// `cwe`: the first catalogued CWE with its catalogue name. CSAF 2.0 holds
/// one; the others are returned for a note.
fn weaknesses(facts: &Facts<'_>, vuln: &mut Map<String, Value>) -> Vec<(String, &'static str)> {
    let mut known = facts
        .content
        .cwe_ids
        .iter()
        .map(|id| cwe::normalize(id))
        .filter_map(|id| cwe::name_for(&id).map(|name| (id, name)));
    let first = known.next();
    if let Some((id, name)) = &first {
        vuln.insert("cwe".into(), json!({"id": id, "name": name}));
    }
    let mut others: Vec<(String, &'static str)> = Vec::new();
    for (id, name) in known {
        if first.as_ref().is_none_or(|(f, _)| *f != id) && !others.iter().any(|(o, _)| *o == id) {
            others.push((id, name));
        }
    }
    others
}

/// The numbering system an alias belongs to, read from its prefix
/// (`GHSA-…` → `GHSA`).
fn system_name(alias: &str) -> String {
    match alias.split_once('-') {
        Some((prefix, rest))
            if !rest.is_empty()
                && !prefix.is_empty()
                && prefix.len() <= 20
                && prefix.chars().all(|c| c.is_ascii_alphanumeric()) =>
        {
            prefix.to_ascii_uppercase()
        }
        _ => "Other".to_owned(),
    }
}

/// CVSS v2 and v3 vectors become scores (one per CVSS version), Ubuntu
/// priorities impact threats; what CSAF 2.0 cannot hold (CVSS v4, vectors
/// that do not score) is listed for a note.
fn severities(facts: &Facts<'_>, products: &[String]) -> (Vec<Value>, Vec<Value>, Vec<String>) {
    let mut scores = Vec::new();
    let mut threats: Vec<Value> = Vec::new();
    let mut other = Vec::new();
    let mut seen_versions: Vec<CvssVersion> = Vec::new();
    for entry in &facts.content.severity {
        let kind = entry.kind.trim();
        let score = entry.score.trim();
        if score.is_empty() {
            continue;
        }
        let line = match kind.parse::<SeverityType>() {
            Ok(SeverityType::Ubuntu) => {
                let threat = json!({"category": "impact",
                                    "details": format!("Ubuntu priority: {}", score.to_lowercase()),
                                    "product_ids": products});
                if !threats.contains(&threat) {
                    threats.push(threat);
                }
                None
            }
            Ok(declared) => match severity::parse_cvss(declared, score) {
                Ok(parsed) => {
                    let base = one_decimal(parsed.base_score);
                    let word = severity_word(parsed.level);
                    let cvss = match parsed.version {
                        CvssVersion::V2 => Some((
                            "cvss_v2",
                            json!({"version": "2.0", "vectorString": score, "baseScore": base}),
                        )),
                        CvssVersion::V3_0 | CvssVersion::V3_1 => {
                            let version = if parsed.version == CvssVersion::V3_0 {
                                "3.0"
                            } else {
                                "3.1"
                            };
                            Some((
                                "cvss_v3",
                                json!({"version": version, "vectorString": score,
                                       "baseScore": base, "baseSeverity": word}),
                            ))
                        }
                        CvssVersion::V4_0 => None,
                    };
                    match cvss {
                        Some((key, cvss)) if !seen_versions.contains(&parsed.version) => {
                            seen_versions.push(parsed.version);
                            scores.push(json!({"products": products, key: cvss}));
                            None
                        }
                        Some(_) | None => Some(format!(
                            "{}: {score} (base score {base:.1}, {})",
                            parsed.version.label(),
                            parsed.level
                        )),
                    }
                }
                Err(_) => Some(format!("{kind}: {score}")),
            },
            Err(_) => Some(format!("{kind}: {score}")),
        };
        if let Some(line) = line
            && !other.contains(&line)
        {
            other.push(line);
        }
    }
    if products.is_empty() {
        scores.clear();
        threats.clear();
    }
    (scores, threats, other)
}

/// The CSAF wording of a credit type.
fn credit_role(kind: &str) -> Option<&'static str> {
    Some(match kind.trim().parse::<CreditType>().ok()? {
        CreditType::Finder => "Finder",
        CreditType::Reporter => "Reporter",
        CreditType::Analyst => "Analyst",
        CreditType::Coordinator => "Coordinator",
        CreditType::RemediationDeveloper => "Remediation developer",
        CreditType::RemediationReviewer => "Remediation reviewer",
        CreditType::RemediationVerifier => "Remediation verifier",
        CreditType::Tool => "Tool",
        CreditType::Sponsor => "Sponsor",
        CreditType::Other => "Other",
    })
}

fn acknowledgments(facts: &Facts<'_>) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    for credit in &facts.content.credits {
        let name = credit.name.trim();
        if name.is_empty() {
            continue;
        }
        let mut ack = Map::new();
        ack.insert("names".into(), json!([name]));
        if let Some(role) = credit_role(&credit.kind) {
            ack.insert("summary".into(), json!(role));
        }
        let mut urls: Vec<&str> = Vec::new();
        for contact in &credit.contact {
            let contact = contact.trim();
            let web = url::Url::parse(contact)
                .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.has_host());
            if web && !urls.contains(&contact) {
                urls.push(contact);
            }
        }
        if !urls.is_empty() {
            ack.insert("urls".into(), json!(urls));
        }
        let ack = Value::Object(ack);
        if !out.contains(&ack) {
            out.push(ack);
        }
    }
    out
}
