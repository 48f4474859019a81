//! The Git layer of publication (70-publication §6, rulings 25, 26, 36): the
//! system `git` command, run with explicit argument vectors (never a shell),
//! a per-call environment and a timeout on every call.
//!
//! One [`push`] = one repository lock, then up to four attempts, each in a
//! fresh private scratch directory removed afterwards on every path: shallow
//! clone of the branch, the files written at their paths (refusing anything
//! outside the clone), one commit as the configured author, push. A push the
//! remote rejects because it moved is retried on a fresh clone at most three
//! times (ruling 25). Identical bytes make no commit: the current head is
//! returned.
//!
//! Credentials (INV-SECRET-1, INV-SECRET-2): an SSH key is named by path only
//! and handed to `ssh` by the wrapper in [`helper`]; an HTTPS token reaches
//! git only through the askpass helper, from the environment of the git
//! child. Neither ever appears in an argument vector, a URL, a file on disk,
//! a log line or an error: every message is built from the step name and
//! git's own output, redacted, with the token literal masked.
//!
//! Invariants kept here: INV-PUB-1 (fresh directory per run), INV-PUB-2 (SSH
//! or token, never both), INV-PUB-3 (shallow single-branch clone), INV-PUB-8
//! (writes stay inside the clone, symlinks are plain files), INV-SECRET-1/2.

pub mod helper;
pub mod lock;
pub mod remote;

use std::ffi::{OsStr, OsString};
use std::fmt;
use std::io;
use std::os::unix::fs::DirBuilderExt as _;
use std::path::{Component, Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use sqlx::PgPool;
use tokio::process::Command;

use crate::audit::redact::{MASK, Redactor};
use crate::config::{PublicationConfig, RepoAuth, Secret, SshHostKeyPolicy};

pub use lock::{RepositoryLock, lock_repository, with_repository_lock};
use remote::RemoteKind;

/// Retries of a push the remote rejected because it moved (ruling 25).
pub const MAX_PUSH_RETRIES: u32 = 3;

/// Prefix of every scratch directory, under the process's temp dir.
pub const SCRATCH_PREFIX: &str = "advisoryhub-pub-";

/// The longest piece of git output kept in an error message.
const OUTPUT_MAX_CHARS: usize = 4000;

/// Everything the Git layer needs to reach one publication repository.
/// Built from the environment ([`Remote::from_config`]) or by whoever
/// resolves a repository elsewhere.
#[derive(Clone, Debug)]
pub struct Remote {
    /// The remote URL, without credentials.
    pub url: String,
    /// The branch cloned and pushed.
    pub branch: String,
    /// SSH deploy key or HTTPS token.
    pub auth: RepoAuth,
    /// Extra PEM certificates trusted for an https remote.
    pub ca_file: Option<PathBuf>,
    /// Author and committer name.
    pub author_name: String,
    /// Author and committer e-mail.
    pub author_email: String,
    /// Clone, push and `ls-remote`.
    pub network_timeout: Duration,
    /// Add, commit, rev-parse.
    pub local_timeout: Duration,
    /// How long [`push`] waits for another worker's push to this repository.
    pub lock_wait: Duration,
}

impl Remote {
    /// The repository of the `PUB_*` settings.
    pub fn from_config(config: &PublicationConfig) -> Remote {
        Remote {
            url: config.repo_url.clone(),
            branch: config.branch.clone(),
            auth: config.auth.clone(),
            ca_file: config.ca_file.clone(),
            author_name: config.commit_author_name.clone(),
            author_email: config.commit_author_email.clone(),
            network_timeout: config.git_network_timeout,
            local_timeout: config.git_local_timeout,
            lock_wait: config.lock_wait,
        }
    }

    /// The token, when one is configured (for masking).
    fn token(&self) -> Option<&str> {
        match &self.auth {
            RepoAuth::Token { token } if !token.expose().is_empty() => Some(token.expose()),
            _ => None,
        }
    }
}

/// What a clean [`push`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PushOutcome {
    /// The commit now at the branch's tip holding the files.
    pub commit_sha: String,
    /// The branch pushed to.
    pub branch: String,
    /// False when every file already had these bytes: nothing was committed
    /// and `commit_sha` is the existing head.
    pub changed: bool,
    /// Attempts made, 1 unless the remote moved (at most
    /// `1 + MAX_PUSH_RETRIES`).
    pub attempts: u32,
}

/// A Git publication failure (70-publication §6.2). Every message is built
/// only from the step name and git's own output, redacted, with the token
/// masked: safe for the task row, the audit ledger, the log and the UI.
/// The failure funnel stores it behind the `git: ` prefix.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum GitError {
    /// `PUB_REPO_URL` is empty.
    #[error("publication repository URL is not configured")]
    NotConfigured,
    /// The repository settings cannot be used (bad URL or branch, missing
    /// token); the message names the setting, never its secret value.
    #[error("publication repository misconfigured: {0}")]
    Misconfigured(String),
    /// The scratch directory or the helper could not be prepared.
    #[error("git scratch directory: {0}")]
    Scratch(String),
    /// `git` could not be started.
    #[error("git {step} failed to start: {error}")]
    Spawn { step: &'static str, error: String },
    /// `git` exited non-zero; `output` is its redacted stderr (else stdout).
    #[error("git {step} failed ({status}): {output}")]
    Failed {
        step: &'static str,
        status: String,
        output: String,
    },
    /// `git` ran past its timeout and was killed.
    #[error("git {step} timed out after {seconds}s")]
    TimedOut { step: &'static str, seconds: u64 },
    /// The remote kept moving: every attempt's push was rejected.
    #[error(
        "git push failed ({status}): {output} (the remote moved; gave up after {attempts} attempts)"
    )]
    RemoteMoved {
        attempts: u32,
        status: String,
        output: String,
    },
    /// A file path would land outside the clone (or inside `.git`).
    #[error("refusing to write outside the publication tree: {path}")]
    OutsideTree { path: String },
    /// A file could not be written into the clone.
    #[error("git write {path} failed: {error}")]
    Write { path: String, error: String },
    /// The repository lock could not be taken (database error, or another
    /// worker held it past the wait).
    #[error("publication repository lock: {0}")]
    Lock(String),
}

impl GitError {
    /// A short class name for `/readyz` and metrics labels.
    pub fn class(&self) -> &'static str {
        match self {
            GitError::NotConfigured => "NotConfigured",
            GitError::Misconfigured(_) => "Misconfigured",
            GitError::Scratch(_) | GitError::Write { .. } | GitError::OutsideTree { .. } => {
                "LocalError"
            }
            GitError::Spawn { .. } => "GitMissing",
            GitError::Failed { .. } | GitError::RemoteMoved { .. } => "GitFailed",
            GitError::TimedOut { .. } => "Timeout",
            GitError::Lock(_) => "LockError",
        }
    }
}

/// Which binary the SSH wrapper and askpass helper run as (see [`helper`]).
/// Defaults to the running executable; tests point it at the `advisoryhub`
/// binary, since theirs is the test harness.
static HELPER_PROGRAM: OnceLock<PathBuf> = OnceLock::new();

/// Sets the binary that acts as `ssh` and `askpass` for git (once per
/// process; later calls are ignored). Only needed when the running
/// executable is not `advisoryhub`, as in integration tests.
pub fn set_helper_program(path: impl Into<PathBuf>) {
    let _ = HELPER_PROGRAM.set(path.into());
}

fn helper_program() -> Result<PathBuf, GitError> {
    match HELPER_PROGRAM.get() {
        Some(path) => Ok(path.clone()),
        None => std::env::current_exe()
            .map_err(|e| GitError::Scratch(format!("cannot find the running executable: {e}"))),
    }
}

/// Publishes `files` (path inside the repository, bytes) in one commit with
/// `message`, holding the repository lock (ruling 36) on a dedicated
/// connection from `pool` for the whole clone → push.
pub async fn push(
    pool: &PgPool,
    remote: &Remote,
    files: &[(String, Vec<u8>)],
    message: &str,
) -> Result<PushOutcome, GitError> {
    check_remote(remote)?;
    with_repository_lock(pool, &remote.url, remote.lock_wait, || {
        push_unlocked(remote, files, message)
    })
    .await
}

/// [`push`] without the repository lock, for a caller that already holds
/// it (or a single-writer tool).
pub async fn push_unlocked(
    remote: &Remote,
    files: &[(String, Vec<u8>)],
    message: &str,
) -> Result<PushOutcome, GitError> {
    let kind = check_remote(remote)?;
    let paths = files
        .iter()
        .map(|(path, _)| checked_relative_path(path))
        .collect::<Result<Vec<_>, _>>()?;
    let mut attempt = 1;
    loop {
        match push_attempt(remote, kind, files, &paths, message).await {
            Ok((commit_sha, changed)) => {
                tracing::info!(
                    commit_sha,
                    branch = remote.branch,
                    changed,
                    attempts = attempt,
                    "publication repository updated"
                );
                return Ok(PushOutcome {
                    commit_sha,
                    branch: remote.branch.clone(),
                    changed,
                    attempts: attempt,
                });
            }
            Err(Attempt::Moved { status, output }) => {
                if attempt > MAX_PUSH_RETRIES {
                    return Err(GitError::RemoteMoved {
                        attempts: attempt,
                        status,
                        output,
                    });
                }
                tracing::warn!(
                    attempt,
                    branch = remote.branch,
                    "the publication remote moved during the push; retrying on a fresh clone"
                );
                attempt += 1;
            }
            Err(Attempt::Failed(e)) => return Err(e),
        }
    }
}

/// Checks that the remote answers (`git ls-remote`), for `/readyz`; the
/// call is bounded by `timeout`.
pub async fn ls_remote(remote: &Remote, timeout: Duration) -> Result<(), GitError> {
    let kind = check_remote(remote)?;
    let scratch = Scratch::new()?;
    let call = CallEnv::new(remote, kind, &scratch)?;
    let branch_ref = format!("refs/heads/{}", remote.branch);
    call.run(
        "ls-remote",
        None,
        &[
            "ls-remote".as_ref(),
            "--heads".as_ref(),
            "--".as_ref(),
            remote.url.as_ref(),
            branch_ref.as_ref(),
        ],
        timeout,
    )
    .await?;
    Ok(())
}

fn check_remote(remote: &Remote) -> Result<RemoteKind, GitError> {
    if remote.url.is_empty() {
        return Err(GitError::NotConfigured);
    }
    let kind = RemoteKind::of(&remote.url)
        .map_err(|e| GitError::Misconfigured(format!("PUB_REPO_URL {e}")))?;
    if !remote::valid_branch(&remote.branch) {
        return Err(GitError::Misconfigured(
            "PUB_REPO_BRANCH is not a branch name".into(),
        ));
    }
    match &remote.auth {
        RepoAuth::Token { token } if kind == RemoteKind::Https && token.expose().is_empty() => Err(
            GitError::Misconfigured("PUB_REPO_AUTH=token without PUB_REPO_TOKEN".into()),
        ),
        RepoAuth::Token { .. } if kind == RemoteKind::Ssh => Err(GitError::Misconfigured(
            "PUB_REPO_AUTH=token with an ssh remote".into(),
        )),
        _ => Ok(kind),
    }
}

/// How one attempt ended, when not cleanly.
enum Attempt {
    /// The push was rejected because the remote moved: worth a fresh clone.
    Moved {
        status: String,
        output: String,
    },
    Failed(GitError),
}

impl From<GitError> for Attempt {
    fn from(e: GitError) -> Attempt {
        Attempt::Failed(e)
    }
}

/// One attempt in its own scratch directory, removed when it returns or is
/// dropped.
async fn push_attempt(
    remote: &Remote,
    kind: RemoteKind,
    files: &[(String, Vec<u8>)],
    paths: &[PathBuf],
    message: &str,
) -> Result<(String, bool), Attempt> {
    let scratch = Scratch::new()?;
    let call = CallEnv::new(remote, kind, &scratch)?;
    let repo = scratch.path().join("repo");
    call.run(
        "clone",
        None,
        &[
            "-c".as_ref(),
            "core.symlinks=false".as_ref(),
            "clone".as_ref(),
            "--quiet".as_ref(),
            // Nothing is checked out: the index learns the tree from HEAD
            // and only the written files touch the disk, however large the
            // repository is.
            "--no-checkout".as_ref(),
            "--depth".as_ref(),
            "1".as_ref(),
            // Only the commit and its trees travel where the server allows
            // it (a server that does not ignores the filter with a warning):
            // nothing below reads a blob of HEAD, so the clone costs the
            // same however many documents the repository holds.
            "--filter=blob:none".as_ref(),
            // A remote given as a path is cloned through the transport too:
            // git's local clone ignores `--depth` and links every object of
            // the remote, loose ones included, which grows with each push.
            "--no-local".as_ref(),
            "--single-branch".as_ref(),
            "--no-tags".as_ref(),
            "--branch".as_ref(),
            remote.branch.as_ref(),
            "--".as_ref(),
            remote.url.as_ref(),
            repo.as_os_str(),
        ],
        remote.network_timeout,
    )
    .await?;

    // Three reads of HEAD, independent of each other.
    let read_tree: [&OsStr; 2] = ["read-tree".as_ref(), "HEAD".as_ref()];
    let (indexed, head, refused) = tokio::join!(
        call.run("read-tree", Some(&repo), &read_tree, remote.local_timeout),
        head_commit_and_tree(&call, &repo, remote.local_timeout),
        refuse_non_directories(&call, &repo, files, paths, remote.local_timeout),
    );
    indexed?;
    refused?;
    let head = head?;
    write_files(&repo, files, paths).await?;
    let mut add: Vec<&OsStr> = vec!["add".as_ref(), "--".as_ref()];
    add.extend(paths.iter().map(|p| p.as_os_str()));
    call.run("add", Some(&repo), &add, remote.local_timeout)
        .await?;
    // The tree of the index, with HEAD's blobs left on the server: an
    // unchanged export gives HEAD's own tree back.
    let tree = call
        .object_id(
            "write-tree",
            &repo,
            &["write-tree".as_ref(), "--missing-ok".as_ref()],
            remote.local_timeout,
        )
        .await?;
    if tree == head.tree {
        return Ok((head.commit, false));
    }
    let commit = call
        .object_id(
            "commit-tree",
            &repo,
            &[
                // The bot never signs: host-wide signing must not break it.
                "-c".as_ref(),
                "commit.gpgsign=false".as_ref(),
                "commit-tree".as_ref(),
                "--no-gpg-sign".as_ref(),
                tree.as_ref(),
                "-p".as_ref(),
                head.commit.as_ref(),
                "-m".as_ref(),
                message.as_ref(),
            ],
            remote.local_timeout,
        )
        .await?;
    let refspec = format!("{commit}:refs/heads/{}", remote.branch);
    let push_args: [&OsStr; 4] = [
        "push".as_ref(),
        "--porcelain".as_ref(),
        "origin".as_ref(),
        refspec.as_ref(),
    ];
    let pushed = call
        .output("push", Some(&repo), &push_args, remote.network_timeout)
        .await?;
    let stdout = String::from_utf8_lossy(&pushed.stdout);
    if remote_moved(&stdout, &String::from_utf8_lossy(&pushed.stderr)) {
        return Err(Attempt::Moved {
            status: describe(pushed.status),
            output: call.output_text(&pushed.stdout, &pushed.stderr),
        });
    }
    if !pushed.status.success() || stdout.lines().any(|l| l.starts_with('!')) {
        return Err(call.failure("push", &pushed).into());
    }
    Ok((commit, true))
}

/// INV-PUB-8 without a checkout: every directory on a target's way must be a
/// directory in HEAD (not a symlink or a file, which `git add` would
/// silently replace), and the target itself a file or absent.
async fn refuse_non_directories(
    call: &CallEnv<'_>,
    repo: &Path,
    files: &[(String, Vec<u8>)],
    paths: &[PathBuf],
    timeout: Duration,
) -> Result<(), GitError> {
    let mut args: Vec<OsString> = vec!["ls-tree".into(), "-z".into(), "HEAD".into(), "--".into()];
    for path in paths {
        args.extend(
            path.ancestors()
                .filter(|a| !a.as_os_str().is_empty())
                .map(|a| a.as_os_str().to_owned()),
        );
    }
    let args: Vec<&OsStr> = args.iter().map(OsString::as_os_str).collect();
    let out = call.run("ls-tree", Some(repo), &args, timeout).await?;
    // `<mode> <type> <object>\t<path>`, NUL-terminated.
    let modes: std::collections::HashMap<&[u8], &[u8]> = out
        .stdout
        .split(|b| *b == 0)
        .filter_map(|entry| {
            let tab = entry.iter().position(|b| *b == b'\t')?;
            let mode = entry[..tab].split(|b| *b == b' ').next()?;
            Some((&entry[tab + 1..], mode))
        })
        .collect();
    for ((shown, _), path) in files.iter().zip(paths) {
        for at in path.ancestors().filter(|a| !a.as_os_str().is_empty()) {
            let Some(mode) = at.to_str().and_then(|a| modes.get(a.as_bytes())) else {
                continue;
            };
            let allowed: &[u8] = if at == path { b"100644" } else { b"040000" };
            let executable_file = at == path && *mode == b"100755";
            if *mode != allowed && !executable_file {
                return Err(GitError::OutsideTree {
                    path: shown.clone(),
                });
            }
        }
    }
    Ok(())
}

/// The commit HEAD names and its tree.
struct Head {
    commit: String,
    tree: String,
}

async fn head_commit_and_tree(
    call: &CallEnv<'_>,
    repo: &Path,
    timeout: Duration,
) -> Result<Head, GitError> {
    let out = call
        .run(
            "rev-parse",
            Some(repo),
            &[
                "rev-parse".as_ref(),
                "HEAD^{commit}".as_ref(),
                "HEAD^{tree}".as_ref(),
            ],
            timeout,
        )
        .await?;
    let text = String::from_utf8_lossy(&out.stdout);
    let mut ids = text.lines().map(str::trim);
    match (ids.next(), ids.next()) {
        (Some(commit), Some(tree)) if is_object_id(commit) && is_object_id(tree) => Ok(Head {
            commit: commit.to_owned(),
            tree: tree.to_owned(),
        }),
        _ => Err(not_an_object_id("rev-parse")),
    }
}

fn is_object_id(text: &str) -> bool {
    text.len() >= 40 && text.chars().all(|c| c.is_ascii_hexdigit())
}

fn not_an_object_id(step: &'static str) -> GitError {
    GitError::Failed {
        step,
        status: "exit 0".into(),
        output: "not an object id".into(),
    }
}

/// Whether `git push --porcelain` reported the branch rejected because the
/// remote has commits we do not (`porcelain`), or because it changed under
/// us mid-push (`stderr` names the ref's unexpected value).
fn remote_moved(porcelain: &str, stderr: &str) -> bool {
    let raced = stderr.contains("but expected") || stderr.contains("incorrect old value");
    porcelain.lines().any(|line| {
        line.starts_with('!')
            && ((line.contains("[rejected]")
                && (line.contains("fetch first")
                    || line.contains("non-fast-forward")
                    || line.contains("stale info")))
                || (line.contains("[remote rejected]")
                    && (line.contains("cannot lock ref")
                        || line.contains("incorrect old value")
                        || (line.contains("failed to update ref") && raced))))
    })
}

/// A repository path as given, checked lexically: relative, no `.`/`..`,
/// no `.git` component, no empty component.
fn checked_relative_path(path: &str) -> Result<PathBuf, GitError> {
    let outside = || GitError::OutsideTree {
        path: path.to_owned(),
    };
    if path.is_empty() || path.contains('\0') || path.contains('\\') || path.ends_with('/') {
        return Err(outside());
    }
    let p = Path::new(path);
    let mut out = PathBuf::new();
    for component in p.components() {
        match component {
            Component::Normal(name) if !name.eq_ignore_ascii_case(".git") => out.push(name),
            _ => return Err(outside()),
        }
    }
    if path.split('/').any(str::is_empty) {
        return Err(outside());
    }
    Ok(out)
}

/// Writes each file into the clone, which checked nothing out (an unchanged
/// file is found by `git diff --cached` afterwards). Every target's parent
/// is resolved and must lie inside
/// the resolved clone root, and the target itself must not be a symlink or a
/// directory (INV-PUB-8).
async fn write_files(
    repo: &Path,
    files: &[(String, Vec<u8>)],
    paths: &[PathBuf],
) -> Result<(), GitError> {
    let repo = repo.to_owned();
    let jobs: Vec<(String, PathBuf, Vec<u8>)> = files
        .iter()
        .zip(paths)
        .map(|((shown, bytes), path)| (shown.clone(), path.clone(), bytes.clone()))
        .collect();
    tokio::task::spawn_blocking(move || {
        let root = repo.canonicalize().map_err(|e| GitError::Write {
            path: ".".into(),
            error: e.kind().to_string(),
        })?;
        for (shown, path, bytes) in jobs {
            write_one(&root, &shown, &path, &bytes)?;
        }
        Ok(())
    })
    .await
    .map_err(|e| GitError::Write {
        path: "*".into(),
        error: e.to_string(),
    })?
}

fn write_one(root: &Path, shown: &str, path: &Path, bytes: &[u8]) -> Result<(), GitError> {
    let outside = || GitError::OutsideTree {
        path: shown.to_owned(),
    };
    let io_error = |e: io::Error| GitError::Write {
        path: shown.to_owned(),
        error: e.kind().to_string(),
    };
    let target = root.join(path);
    let parent = target.parent().ok_or_else(outside)?;
    std::fs::create_dir_all(parent).map_err(io_error)?;
    let resolved_parent = parent.canonicalize().map_err(io_error)?;
    if !resolved_parent.starts_with(root) {
        return Err(outside());
    }
    let file_name = target.file_name().ok_or_else(outside)?;
    let target = resolved_parent.join(file_name);
    match std::fs::symlink_metadata(&target) {
        Ok(meta) if meta.file_type().is_symlink() || meta.is_dir() => return Err(outside()),
        Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(io_error(e)),
        _ => {}
    }
    std::fs::write(&target, bytes).map_err(io_error)
}

/// A private scratch directory (`advisoryhub-pub-<pid>-<random>`, mode
/// 0700) under the temp dir, removed on drop: success, error, timeout or a
/// cancelled run alike.
pub struct Scratch {
    path: PathBuf,
}

impl Scratch {
    /// Creates a fresh one.
    pub fn new() -> Result<Scratch, GitError> {
        let name = format!(
            "{SCRATCH_PREFIX}{}-{}",
            std::process::id(),
            uuid::Uuid::new_v4().simple()
        );
        let path = std::env::temp_dir().join(name);
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&path)
            .map_err(|e| GitError::Scratch(e.to_string()))?;
        Ok(Scratch { path })
    }

    /// Where it is.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        // A killed git's children may still be finishing a write; try again
        // briefly rather than leave the directory behind.
        for _ in 0..5 {
            match std::fs::remove_dir_all(&self.path) {
                Ok(()) => return,
                Err(e) if e.kind() == io::ErrorKind::NotFound => return,
                Err(_) => std::thread::sleep(Duration::from_millis(20)),
            }
        }
        if let Err(e) = std::fs::remove_dir_all(&self.path) {
            tracing::error!(path = %self.path.display(), error = %e, "cannot remove a git scratch directory");
        }
    }
}

/// The environment of every git call of one attempt: the process's own
/// (keeping what an entrypoint set for arbitrary UIDs, such as
/// `LD_PRELOAD`/`NSS_WRAPPER_*`) minus anything that could steer git, plus
/// the author, the isolation settings and the authentication wiring.
struct CallEnv<'a> {
    set: Vec<(OsString, OsString)>,
    remove: Vec<OsString>,
    redactor: Redactor,
    token: Option<&'a str>,
}

impl<'a> CallEnv<'a> {
    fn new(
        remote: &'a Remote,
        kind: RemoteKind,
        scratch: &Scratch,
    ) -> Result<CallEnv<'a>, GitError> {
        let home = scratch.path().join("home");
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&home)
            .map_err(|e| GitError::Scratch(e.to_string()))?;
        let mut set: Vec<(OsString, OsString)> = [
            ("GIT_TERMINAL_PROMPT", "0"),
            ("GIT_CONFIG_NOSYSTEM", "1"),
            ("GIT_CONFIG_GLOBAL", "/dev/null"),
            ("GIT_ALLOW_PROTOCOL", kind.protocol()),
            ("GIT_AUTHOR_NAME", remote.author_name.as_str()),
            ("GIT_AUTHOR_EMAIL", remote.author_email.as_str()),
            ("GIT_COMMITTER_NAME", remote.author_name.as_str()),
            ("GIT_COMMITTER_EMAIL", remote.author_email.as_str()),
            // English messages, so rejections read the same everywhere.
            ("LC_ALL", "C"),
            ("LANGUAGE", ""),
            // Configuration for every git process of the call, through the
            // environment: never follow a redirect (credentials would go to
            // a host they were not issued for), no credential helper, and no
            // background housekeeping, which would outlive the call in a
            // clone that is thrown away (a fetch starts it detached).
            ("GIT_CONFIG_COUNT", "4"),
            ("GIT_CONFIG_KEY_0", "http.followRedirects"),
            ("GIT_CONFIG_VALUE_0", "false"),
            ("GIT_CONFIG_KEY_1", "credential.helper"),
            ("GIT_CONFIG_VALUE_1", ""),
            ("GIT_CONFIG_KEY_2", "maintenance.auto"),
            ("GIT_CONFIG_VALUE_2", "false"),
            ("GIT_CONFIG_KEY_3", "gc.auto"),
            ("GIT_CONFIG_VALUE_3", "0"),
        ]
        .into_iter()
        .map(|(k, v)| (OsString::from(k), OsString::from(v)))
        .collect();
        set.push(("HOME".into(), home.clone().into_os_string()));
        set.push(("XDG_CONFIG_HOME".into(), home.into_os_string()));
        if matches!(kind, RemoteKind::Https | RemoteKind::Http) {
            // A stalled transfer ends on its own even if only git is killed.
            set.push(("GIT_HTTP_LOW_SPEED_LIMIT".into(), "1".into()));
            set.push((
                "GIT_HTTP_LOW_SPEED_TIME".into(),
                remote.network_timeout.as_secs().max(1).to_string().into(),
            ));
        }
        if let Some(ca) = &remote.ca_file {
            set.push(("GIT_SSL_CAINFO".into(), ca.clone().into_os_string()));
        }
        match (&remote.auth, kind) {
            (
                RepoAuth::Ssh {
                    key_path,
                    host_key_policy,
                    known_hosts,
                },
                RemoteKind::Ssh,
            ) => {
                set.extend(ssh_wiring(
                    scratch,
                    key_path.as_deref(),
                    *host_key_policy,
                    known_hosts.as_deref(),
                    remote.network_timeout,
                )?);
            }
            (RepoAuth::Token { token: secret }, RemoteKind::Https) => {
                set.extend(askpass_wiring(scratch, secret)?);
            }
            // Token mode over anything but https sends no credentials
            // (70-publication §6.1); ssh settings only matter for ssh.
            _ => {}
        }
        // Anything inherited that could redirect git, run a program, prompt
        // or supply other credentials.
        let dropped = std::env::vars_os()
            .map(|(name, _)| name)
            .filter(|name| {
                let name = name.to_string_lossy();
                name.starts_with("GIT_")
                    || name.starts_with("ADVISORYHUB_SSH_")
                    || name == helper::ENV_TOKEN
                    || name == "SSH_ASKPASS"
                    || name == "SSH_AUTH_SOCK"
            })
            .collect();
        Ok(CallEnv {
            set,
            remove: dropped,
            redactor: Redactor::new(remote.token().map(str::to_owned)),
            token: remote.token(),
        })
    }

    /// Runs git and fails on a non-zero exit.
    async fn run(
        &self,
        step: &'static str,
        cwd: Option<&Path>,
        args: &[&OsStr],
        timeout: Duration,
    ) -> Result<std::process::Output, GitError> {
        let out = self.output(step, cwd, args, timeout).await?;
        if out.status.success() {
            Ok(out)
        } else {
            Err(self.failure(step, &out))
        }
    }

    /// Runs git in `repo` for the object id it prints.
    async fn object_id(
        &self,
        step: &'static str,
        repo: &Path,
        args: &[&OsStr],
        timeout: Duration,
    ) -> Result<String, GitError> {
        let out = self.run(step, Some(repo), args, timeout).await?;
        let id = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        if is_object_id(&id) {
            Ok(id)
        } else {
            Err(not_an_object_id(step))
        }
    }

    /// Runs git and returns whatever it exited with; a timeout kills it and
    /// every process it started (its transport helper, ssh), which run in
    /// its own process group.
    async fn output(
        &self,
        step: &'static str,
        cwd: Option<&Path>,
        args: &[&OsStr],
        timeout: Duration,
    ) -> Result<std::process::Output, GitError> {
        let mut cmd = Command::new("git");
        if let Some(dir) = cwd {
            cmd.arg("-C").arg(dir);
        }
        cmd.args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .kill_on_drop(true);
        for k in &self.remove {
            cmd.env_remove(k);
        }
        cmd.envs(self.set.iter().map(|(k, v)| (k, v)));
        let started = Instant::now();
        let child = cmd.spawn().map_err(|e| GitError::Spawn {
            step,
            error: self.clean(&e.to_string()),
        })?;
        let group = child
            .id()
            .and_then(|pid| rustix::process::Pid::from_raw(pid.try_into().ok()?));
        match tokio::time::timeout(timeout, child.wait_with_output()).await {
            Ok(Ok(out)) => {
                tracing::debug!(
                    step,
                    elapsed_ms = started.elapsed().as_secs_f64() * 1000.0,
                    "git call finished"
                );
                Ok(out)
            }
            Ok(Err(e)) => Err(GitError::Spawn {
                step,
                error: self.clean(&e.to_string()),
            }),
            // Dropping the future drops the child, which kills it; the rest
            // of its group goes with it.
            Err(_) => {
                if let Some(group) = group {
                    let _ =
                        rustix::process::kill_process_group(group, rustix::process::Signal::Kill);
                }
                Err(GitError::TimedOut {
                    step,
                    seconds: timeout.as_secs(),
                })
            }
        }
    }

    fn failure(&self, step: &'static str, out: &std::process::Output) -> GitError {
        GitError::Failed {
            step,
            status: describe(out.status),
            output: self.output_text(&out.stdout, &out.stderr),
        }
    }

    /// Git's own words: stderr, else stdout, else "no output"; redacted.
    fn output_text(&self, stdout: &[u8], stderr: &[u8]) -> String {
        let stderr = String::from_utf8_lossy(stderr);
        let stdout = String::from_utf8_lossy(stdout);
        let text = [stderr.trim(), stdout.trim()]
            .into_iter()
            .find(|s| !s.is_empty())
            .unwrap_or("no output");
        let cleaned = self.clean(text);
        match cleaned.char_indices().nth(OUTPUT_MAX_CHARS) {
            Some((end, _)) => format!("{}…", &cleaned[..end]),
            None => cleaned,
        }
    }

    /// The secret redactor, then the token literal whatever its length, and
    /// the Basic credential built from it (a remote may echo the header).
    fn clean(&self, s: &str) -> String {
        use base64::Engine as _;
        let redacted = self.redactor.redact_str(s).into_owned();
        match self.token {
            Some(token) => {
                let basic = base64::engine::general_purpose::STANDARD
                    .encode(format!("{}:{token}", helper::TOKEN_USER));
                redacted.replace(token, MASK).replace(&basic, MASK)
            }
            None => redacted,
        }
    }
}

/// `exit 1`, `signal 9`.
fn describe(status: ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt as _;
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exit {code}"),
        (None, Some(signal)) => format!("signal {signal}"),
        (None, None) => "unknown status".into(),
    }
}

/// `GIT_SSH` → a scratch symlink named `ssh` to the helper binary, which
/// `exec`s the real ssh with the key and host-key options (git runs
/// `GIT_SSH_COMMAND` through a shell, and the image has none).
fn ssh_wiring(
    scratch: &Scratch,
    key_path: Option<&Path>,
    policy: SshHostKeyPolicy,
    known_hosts: Option<&Path>,
    network_timeout: Duration,
) -> Result<Vec<(OsString, OsString)>, GitError> {
    let program = helper_program()?;
    let link = scratch.path().join("ssh");
    std::os::unix::fs::symlink(&program, &link)
        .map_err(|e| GitError::Scratch(format!("ssh wrapper: {e}")))?;
    // Accepted keys land in the scratch copy and die with it; the
    // configured file is never written to.
    let known = scratch.path().join("known_hosts");
    let seed = match known_hosts {
        Some(path) => std::fs::read(path).map_err(|e| {
            GitError::Misconfigured(format!(
                "PUB_REPO_SSH_KNOWN_HOSTS cannot be read: {}",
                e.kind()
            ))
        })?,
        None => Vec::new(),
    };
    std::fs::write(&known, seed).map_err(|e| GitError::Scratch(e.to_string()))?;
    let mut env = vec![
        (OsString::from("GIT_SSH"), link.into_os_string()),
        (OsString::from("GIT_SSH_VARIANT"), OsString::from("ssh")),
        (
            OsString::from(helper::ENV_SSH_POLICY),
            OsString::from(policy.ssh_option()),
        ),
        (
            OsString::from(helper::ENV_SSH_KNOWN_HOSTS),
            known.into_os_string(),
        ),
        (
            OsString::from(helper::ENV_SSH_CONNECT_TIMEOUT),
            // Past the call's own timeout, so that one reports first; bounded
            // so an orphaned ssh still ends.
            OsString::from((network_timeout.as_secs() + 5).min(60).to_string()),
        ),
    ];
    if let Some(key) = key_path {
        env.push((
            OsString::from(helper::ENV_SSH_IDENTITY),
            key.as_os_str().to_owned(),
        ));
    }
    Ok(env)
}

/// `GIT_ASKPASS` → a scratch symlink named `askpass` to the helper binary,
/// which answers `x-access-token` and the token from the git child's
/// environment (never argv, never a file).
fn askpass_wiring(
    scratch: &Scratch,
    token: &Secret,
) -> Result<Vec<(OsString, OsString)>, GitError> {
    let program = helper_program()?;
    let link = scratch.path().join("askpass");
    std::os::unix::fs::symlink(&program, &link)
        .map_err(|e| GitError::Scratch(format!("askpass helper: {e}")))?;
    Ok(vec![
        (OsString::from("GIT_ASKPASS"), link.into_os_string()),
        (
            OsString::from(helper::ENV_TOKEN),
            OsString::from(token.expose()),
        ),
    ])
}

impl fmt::Display for PushOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} on {}", self.commit_sha, self.branch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repository_paths_stay_relative_and_out_of_dot_git() {
        for ok in [
            "osv/2026/ECL-1.json",
            "cves/2026/0xxx/CVE-2026-0001.json",
            "a",
        ] {
            assert!(checked_relative_path(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "/etc/passwd",
            "../x",
            "osv/../../x",
            "./x",
            ".git/config",
            "a/.GIT/hooks/pre-commit",
            "a//b",
            "a/",
            "a\\b",
            "a\0b",
        ] {
            assert!(
                matches!(
                    checked_relative_path(bad),
                    Err(GitError::OutsideTree { .. })
                ),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn rejections_because_the_remote_moved_are_recognised() {
        for moved in [
            "To /tmp/x.git\n!\tHEAD:refs/heads/main\t[rejected] (fetch first)\nDone",
            "!\tHEAD:refs/heads/main\t[rejected] (non-fast-forward)",
            "!\tHEAD:refs/heads/main\t[remote rejected] (cannot lock ref 'refs/heads/main': is at 1 but expected 2)",
            "!\tHEAD:refs/heads/main\t[remote rejected] (incorrect old value provided)",
        ] {
            assert!(remote_moved(moved, ""), "{moved}");
        }
        assert!(remote_moved(
            "!\tHEAD:refs/heads/main\t[remote rejected] (failed to update ref)",
            "remote: error: cannot lock ref 'refs/heads/main': is at 8c88 but expected 0466"
        ));
        assert!(!remote_moved(
            "!\tHEAD:refs/heads/main\t[remote rejected] (failed to update ref)",
            "remote: error: disk full"
        ));
        for other in [
            "=\tHEAD:refs/heads/main\t[up to date]",
            "*\tHEAD:refs/heads/main\t[new branch]",
            "!\tHEAD:refs/heads/main\t[remote rejected] (pre-receive hook declined)",
            "!\tHEAD:refs/heads/main\t[remote rejected] (protected branch hook declined)",
        ] {
            assert!(!remote_moved(other, ""), "{other}");
        }
    }

    #[test]
    fn error_messages_mask_the_token_whatever_its_shape() {
        let remote = Remote {
            url: "https://git.example.org/pub.git".into(),
            branch: "main".into(),
            auth: RepoAuth::Token {
                token: Secret::new("plain-looking-token-42"),
            },
            ca_file: None,
            author_name: "Bot".into(),
            author_email: "bot@example.org".into(),
            network_timeout: Duration::from_secs(5),
            local_timeout: Duration::from_secs(5),
            lock_wait: Duration::from_secs(5),
        };
        let call = CallEnv {
            set: Vec::new(),
            remove: Vec::new(),
            redactor: Redactor::new(vec!["plain-looking-token-42".to_owned()]),
            token: remote.token(),
        };
        let text = call.output_text(
            b"",
            b"fatal: unable to access 'https://x:plain-looking-token-42@git.example.org/': token=abc ghp_0123456789abcdefghijklmnop",
        );
        assert!(!text.contains("plain-looking-token-42"), "{text}");
        assert!(!text.contains("ghp_0123456789"), "{text}");
        assert!(text.starts_with("fatal: unable to access"), "{text}");
        assert_eq!(call.output_text(b"", b"  \n"), "no output");
    }
}
