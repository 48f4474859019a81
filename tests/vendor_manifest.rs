//! Every vendored file is listed in vendor/SHA256SUMS with its hash, and every
//! listed file exists: a silent change to a vendored file fails here.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failing test should panic"
)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

fn files_under(dir: &Path, root: &Path, out: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path: PathBuf = entry.unwrap().path();
        if path.is_dir() {
            files_under(&path, root, out);
        } else {
            out.push(
                path.strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned(),
            );
        }
    }
}

#[test]
fn vendored_files_match_their_manifest() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("vendor");
    let manifest = std::fs::read_to_string(root.join("SHA256SUMS")).unwrap();
    let listed: BTreeMap<&str, &str> = manifest
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let (hash, path) = l.split_once("  ").expect("`<sha256>  <path>` lines");
            (path, hash)
        })
        .collect();
    let mut present = Vec::new();
    files_under(&root, &root, &mut present);
    present.retain(|p| p != "SHA256SUMS");
    for path in &present {
        let hash = listed
            .get(path.as_str())
            .unwrap_or_else(|| panic!("{path} is not in vendor/SHA256SUMS"));
        let actual = format!(
            "{:x}",
            Sha256::digest(std::fs::read(root.join(path)).unwrap())
        );
        assert_eq!(
            &actual, hash,
            "{path} changed; run bin/vendor manifest if on purpose"
        );
    }
    for path in listed.keys() {
        assert!(
            present.iter().any(|p| p == path),
            "{path} is listed but missing"
        );
    }
}

#[test]
fn schemas_match_the_upstream_checksums() {
    // The checksums published with the shared data files, for the schemas.
    let expected = [
        (
            "schemas/osv.json",
            "df8ac73f20ae01a67b3bb3051f381be356860fe535dd98fb386d8ef9f221520f",
        ),
        (
            "schemas/csaf.json",
            "29c114b35b0a30831f1674f2ab8b3ed9b2890cfeaa63b924ac6ed9d70ef44262",
        ),
        (
            "schemas/cve.json",
            "33f7517424facfc712c7b808be1b6503fc74b2e6b85979bbaacb9b623ddfde67",
        ),
    ];
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("vendor");
    for (path, hash) in expected {
        let actual = format!(
            "{:x}",
            Sha256::digest(std::fs::read(root.join(path)).unwrap())
        );
        assert_eq!(actual, hash, "{path}");
    }
}

#[test]
fn data_files_parse() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("vendor");
    let cwe: serde_json::Value =
        serde_json::from_slice(&std::fs::read(root.join("cwe/cwes.json")).unwrap()).unwrap();
    assert_eq!(cwe["version"], "4.20");
    assert!(cwe["weaknesses"].as_array().unwrap().len() > 900);
    for schema in ["osv", "csaf", "cve"] {
        let v: serde_json::Value = serde_json::from_slice(
            &std::fs::read(root.join(format!("schemas/{schema}.json"))).unwrap(),
        )
        .unwrap();
        assert!(v.is_object());
    }
}
