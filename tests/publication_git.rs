//! The publication Git layer against real remotes started by the tests
//! (70-publication §6, §11; rulings 25, 26, 36): a bare repository over
//! `file://`, the same over SSH (Debian's `sshd` on a loopback port, as the
//! current user, with throwaway keys) and over HTTPS with a token (`git
//! http-backend` behind tests/support/git-http-server.py).
//!
//! Needs `git`, `sshd` (openssh-server), `ssh`/`ssh-keygen`
//! (openssh-client), `openssl` and `python3`; `.ci/run` installs them.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failing test should panic"
)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

use advisoryhub::config::{RepoAuth, Secret, SshHostKeyPolicy};
use advisoryhub::publication::git::{self, GitError, Remote};
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

const TOKEN: &str = "pub-token-5f2c9e1a7b3d";

// ---------------------------------------------------------------- harness

/// A directory removed at the end of the test.
struct TestDir(PathBuf);

impl TestDir {
    fn new(label: &str) -> TestDir {
        let path =
            std::env::temp_dir().join(format!("ah-test-{label}-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&path).unwrap();
        TestDir(path.canonicalize().unwrap())
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TestDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Plain git for setting up and inspecting repositories, isolated from any
/// host configuration.
fn git_cmd(cwd: &Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new("git")
        .current_dir(cwd)
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_NAME", "Seeder")
        .env("GIT_AUTHOR_EMAIL", "seeder@example.org")
        .env("GIT_COMMITTER_NAME", "Seeder")
        .env("GIT_COMMITTER_EMAIL", "seeder@example.org")
        .output()
        .expect("git is on PATH")
}

fn git_ok(cwd: &Path, args: &[&str]) -> String {
    let out = git_cmd(cwd, args);
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// A bare repository `pub.git` with a seed commit on `main`.
struct Bare {
    dir: TestDir,
}

impl Bare {
    fn new() -> Bare {
        Self::seeded(&[("README.md", "publication repository\n")])
    }

    fn seeded(files: &[(&str, &str)]) -> Bare {
        let dir = TestDir::new("bare");
        git_ok(
            dir.path(),
            &["init", "--quiet", "--bare", "-b", "main", "pub.git"],
        );
        let work = dir.path().join("seed");
        std::fs::create_dir_all(&work).unwrap();
        git_ok(&work, &["init", "--quiet", "-b", "main"]);
        for (path, content) in files {
            let target = work.join(path);
            std::fs::create_dir_all(target.parent().unwrap()).unwrap();
            std::fs::write(target, content).unwrap();
        }
        git_ok(&work, &["add", "-A"]);
        git_ok(&work, &["commit", "--quiet", "-m", "seed"]);
        let bare = dir.path().join("pub.git");
        git_ok(
            &work,
            &["push", "--quiet", bare.to_str().unwrap(), "HEAD:main"],
        );
        Bare { dir }
    }

    /// Adds a symlink to the seed commit's tree and pushes it.
    fn commit_symlink(&self, link: &str, target: &str) {
        let work = self.dir.path().join("seed");
        std::os::unix::fs::symlink(target, work.join(link)).unwrap();
        git_ok(&work, &["add", link]);
        git_ok(&work, &["commit", "--quiet", "-m", "a symlink"]);
        git_ok(
            &work,
            &[
                "push",
                "--quiet",
                self.path().to_str().unwrap(),
                "HEAD:main",
            ],
        );
    }

    fn path(&self) -> PathBuf {
        self.dir.path().join("pub.git")
    }

    fn file_url(&self) -> String {
        format!("file://{}", self.path().display())
    }

    fn head(&self) -> String {
        git_ok(&self.path(), &["rev-parse", "refs/heads/main"])
    }

    /// `sha|author name|author email|committer name|committer email|subject`,
    /// newest first.
    fn log(&self) -> Vec<String> {
        git_ok(
            &self.path(),
            &["log", "--format=%H|%an|%ae|%cn|%ce|%s", "main"],
        )
        .lines()
        .map(str::to_owned)
        .collect()
    }

    fn show(&self, rev_path: &str) -> String {
        git_ok(&self.path(), &["show", rev_path])
    }

    /// Files changed by `sha`.
    fn changed_in(&self, sha: &str) -> Vec<String> {
        git_ok(
            &self.path(),
            &["diff-tree", "--no-commit-id", "--name-only", "-r", sha],
        )
        .lines()
        .map(str::to_owned)
        .collect()
    }

    /// A `pre-receive` hook that advances `main` by one foreign commit, the
    /// first `times` pushes only: the remote moves between our clone and our
    /// push.
    fn move_on_push(&self, times: u32) {
        let counter = self.dir.path().join("moved");
        write_script(
            &self.path().join("hooks/pre-receive"),
            &advance_script(&self.path(), &counter, times),
        );
    }
}

/// Shell that adds one foreign commit on `main` of `repo` while `counter`
/// is below `times`.
fn advance_script(repo: &Path, counter: &Path, times: u32) -> String {
    format!(
        r#"n=$(cat '{counter}' 2>/dev/null || echo 0)
if [ "$n" -lt {times} ]; then
  echo $((n + 1)) > '{counter}'
  (
    unset GIT_QUARANTINE_PATH GIT_OBJECT_DIRECTORY GIT_ALTERNATE_OBJECT_DIRECTORIES GIT_DIR
    export GIT_DIR='{repo}' GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
    export GIT_AUTHOR_NAME=Other GIT_AUTHOR_EMAIL=other@example.org
    export GIT_COMMITTER_NAME=Other GIT_COMMITTER_EMAIL=other@example.org
    old=$(git rev-parse refs/heads/main)
    blob=$(echo "foreign $n" | git hash-object -w --stdin)
    tree=$( (git ls-tree "$old"; printf '100644 blob %s\tforeign-%s.txt\n' "$blob" "$n") | git mktree)
    new=$(git commit-tree "$tree" -p "$old" -m "foreign commit $n")
    git update-ref refs/heads/main "$new" "$old"
  )
fi
"#,
        counter = counter.display(),
        repo = repo.display(),
    )
}

fn write_script(path: &Path, body: &str) {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::write(path, format!("#!/bin/sh\n{body}")).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn remote(url: &str) -> Remote {
    Remote {
        url: url.to_owned(),
        branch: "main".into(),
        auth: RepoAuth::Ssh {
            key_path: None,
            host_key_policy: SshHostKeyPolicy::AcceptNew,
            known_hosts: None,
        },
        ca_file: None,
        author_name: "AdvisoryHub Test Bot".into(),
        author_email: "pub-bot@example.org".into(),
        network_timeout: Duration::from_secs(60),
        local_timeout: Duration::from_secs(30),
        lock_wait: Duration::from_secs(60),
    }
}

fn files(pairs: &[(&str, &str)]) -> Vec<(String, Vec<u8>)> {
    pairs
        .iter()
        .map(|(p, c)| ((*p).to_owned(), c.as_bytes().to_vec()))
        .collect()
}

async fn pool() -> PgPool {
    PgPoolOptions::new()
        .max_connections(4)
        .connect(&common::database_url())
        .await
        .expect("connect to DATABASE_URL")
}

/// This process's scratch directories still on disk.
fn leftover_scratch() -> Vec<PathBuf> {
    let prefix = format!("{}{}-", git::SCRATCH_PREFIX, std::process::id());
    std::fs::read_dir(std::env::temp_dir())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
        .map(|e| e.path())
        .collect()
}

fn assert_no_scratch_left() {
    let left = leftover_scratch();
    assert!(left.is_empty(), "scratch directories left: {left:?}");
}

/// The helper personalities run as the `advisoryhub` binary, not the test
/// harness.
fn use_the_binary_as_helper() {
    git::set_helper_program(env!("CARGO_BIN_EXE_advisoryhub"));
}

/// Everything the crate logs during the test, at every level.
static LOGS: LazyLock<Arc<Mutex<Vec<u8>>>> = LazyLock::new(|| {
    let sink = Arc::new(Mutex::new(Vec::new()));
    let writer = sink.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter("trace")
        .with_ansi(false)
        .with_writer(move || LogWriter(writer.clone()))
        .finish();
    tracing::subscriber::set_global_default(subscriber).unwrap();
    sink
});

struct LogWriter(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn logs() -> String {
    String::from_utf8_lossy(&LOGS.lock().unwrap()).into_owned()
}

fn require(program: &str, hint: &str) -> PathBuf {
    let found = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/sbin")])
        .map(|dir| dir.join(program))
        .find(|p| p.is_file());
    found.unwrap_or_else(|| panic!("{program} not found: install {hint} (.ci/run does)"))
}

fn user_name() -> String {
    let out = std::process::Command::new("id")
        .arg("-un")
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

// ---------------------------------------------------------------- servers

/// `sshd` on a loopback port, as the current user, accepting one throwaway
/// user key; its host key is throwaway too.
struct Sshd {
    dir: TestDir,
    port: u16,
    _child: Child,
}

impl Sshd {
    async fn start() -> Sshd {
        Self::start_with(None).await
    }

    /// `forced`: a command every session runs instead of the client's
    /// (it sees the client's in `SSH_ORIGINAL_COMMAND`).
    async fn start_with(forced: Option<&str>) -> Sshd {
        let sshd = require("sshd", "openssh-server");
        require("ssh-keygen", "openssh-client");
        let dir = TestDir::new("sshd");
        for key in ["host_key", "user_key"] {
            let out = std::process::Command::new("ssh-keygen")
                .args(["-q", "-t", "ed25519", "-N", "", "-C", "throwaway", "-f"])
                .arg(dir.path().join(key))
                .output()
                .unwrap();
            assert!(out.status.success(), "ssh-keygen failed");
        }
        let user_pub = std::fs::read_to_string(dir.path().join("user_key.pub")).unwrap();
        let entry = match forced {
            Some(script) => {
                let path = dir.path().join("forced.sh");
                write_script(&path, script);
                format!("command=\"{}\" {user_pub}", path.display())
            }
            None => user_pub,
        };
        std::fs::write(dir.path().join("authorized_keys"), entry).unwrap();
        if is_root() {
            // sshd's privilege separation directory, missing in containers.
            std::fs::create_dir_all("/run/sshd").unwrap();
        }
        for _ in 0..5 {
            let port = free_port();
            let config = dir.path().join("sshd_config");
            std::fs::write(
                &config,
                format!(
                    "Port {port}\nListenAddress 127.0.0.1\nHostKey {dir}/host_key\n\
                     AuthorizedKeysFile {dir}/authorized_keys\nPidFile {dir}/sshd.pid\n\
                     StrictModes no\nUsePAM no\nPasswordAuthentication no\n\
                     KbdInteractiveAuthentication no\nPermitRootLogin prohibit-password\n\
                     AllowTcpForwarding no\nX11Forwarding no\nPrintMotd no\n\
                     PermitUserEnvironment no\nLogLevel ERROR\n",
                    dir = dir.path().display()
                ),
            )
            .unwrap();
            let mut cmd = Command::new(&sshd);
            cmd.arg("-D")
                .arg("-e")
                .arg("-f")
                .arg(&config)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .kill_on_drop(true);
            let mut child = cmd.spawn().unwrap();
            if wait_for_banner(port, &mut child).await {
                return Sshd {
                    dir,
                    port,
                    _child: child,
                };
            }
        }
        panic!("sshd did not start");
    }

    fn url(&self, repo: &Path) -> String {
        format!(
            "ssh://{}@127.0.0.1:{}{}",
            user_name(),
            self.port,
            repo.display()
        )
    }

    fn key(&self) -> PathBuf {
        self.dir.path().join("user_key")
    }

    /// A known-hosts file that trusts this server's host key.
    fn known_hosts(&self) -> PathBuf {
        let host_pub = std::fs::read_to_string(self.dir.path().join("host_key.pub")).unwrap();
        let mut parts = host_pub.split_whitespace();
        let line = format!(
            "[127.0.0.1]:{} {} {}\n",
            self.port,
            parts.next().unwrap(),
            parts.next().unwrap()
        );
        let path = self.dir.path().join("known_hosts");
        std::fs::write(&path, line).unwrap();
        path
    }

    fn remote(&self, repo: &Path, policy: SshHostKeyPolicy, known: Option<PathBuf>) -> Remote {
        Remote {
            auth: RepoAuth::Ssh {
                key_path: Some(self.key()),
                host_key_policy: policy,
                known_hosts: known,
            },
            ..remote(&self.url(repo))
        }
    }
}

fn is_root() -> bool {
    user_name() == "root"
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn wait_for_banner(port: u16, child: &mut Child) -> bool {
    for _ in 0..200 {
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        if let Ok(mut stream) = tokio::net::TcpStream::connect(("127.0.0.1", port)).await {
            let mut buf = [0u8; 8];
            let read = tokio::time::timeout(
                Duration::from_secs(2),
                tokio::io::AsyncReadExt::read(&mut stream, &mut buf),
            )
            .await;
            if matches!(read, Ok(Ok(n)) if n >= 4 && buf.starts_with(b"SSH-")) {
                return true;
            }
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    false
}

/// tests/support/git-http-server.py over TLS with a self-signed
/// certificate, serving `root`'s repositories.
struct HttpServer {
    dir: TestDir,
    port: u16,
    tls: bool,
    child: Child,
    log: Arc<Mutex<Vec<String>>>,
}

impl HttpServer {
    /// `token`: the credential the server demands.
    async fn start(root: &Path, tls: bool, token: Option<&str>, extra: &[&str]) -> HttpServer {
        require("python3", "python3");
        let dir = TestDir::new("http");
        let mut cmd = Command::new("python3");
        cmd.arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/support/git-http-server.py"
        ))
        .arg("--root")
        .arg(root)
        .args(extra)
        .stderr(Stdio::piped());
        if let Some(token) = token {
            let file = dir.path().join("token");
            std::fs::write(&file, token).unwrap();
            cmd.arg("--token-file").arg(file);
        }
        if tls {
            require("openssl", "openssl");
            let out = std::process::Command::new("openssl")
                .args([
                    "req",
                    "-x509",
                    "-newkey",
                    "ec",
                    "-pkeyopt",
                    "ec_paramgen_curve:prime256v1",
                    "-nodes",
                    "-subj",
                    "/CN=127.0.0.1",
                    "-addext",
                    "subjectAltName=IP:127.0.0.1",
                    "-days",
                    "2",
                    "-keyout",
                ])
                .arg(dir.path().join("tls.key"))
                .arg("-out")
                .arg(dir.path().join("tls.crt"))
                .output()
                .unwrap();
            assert!(out.status.success(), "openssl req failed");
            cmd.arg("--cert")
                .arg(dir.path().join("tls.crt"))
                .arg("--key")
                .arg(dir.path().join("tls.key"));
        }
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .kill_on_drop(true);
        let mut child = cmd.spawn().unwrap();
        let log = Arc::new(Mutex::new(Vec::new()));
        let stderr = child.stderr.take().unwrap();
        let sink = log.clone();
        tokio::spawn(async move {
            let mut lines = BufReader::new(stderr).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                sink.lock().unwrap().push(line);
            }
        });
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let line = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
            .await
            .expect("http server start timed out")
            .unwrap()
            .expect("http server exited early");
        let port = line.strip_prefix("READY ").unwrap().trim().parse().unwrap();
        HttpServer {
            dir,
            port,
            tls,
            child,
            log,
        }
    }

    fn url(&self, repo: &str) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://127.0.0.1:{}/{repo}", self.port)
    }

    fn ca_file(&self) -> PathBuf {
        self.dir.path().join("tls.crt")
    }

    fn token_remote(&self, repo: &str, token: &str) -> Remote {
        Remote {
            auth: RepoAuth::Token {
                token: Secret::new(token),
            },
            ca_file: self.tls.then(|| self.ca_file()),
            ..remote(&self.url(repo))
        }
    }

    fn log(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}

// ------------------------------------------------------------------ file://

#[tokio::test]
async fn files_land_in_one_commit_with_the_configured_author() {
    let bare = Bare::new();
    let before = bare.head();
    let out = git::push(
        &pool().await,
        &remote(&bare.file_url()),
        &files(&[
            (
                "osv/2026/ECL-2026-0001.json",
                "{\"id\":\"ECL-2026-0001\"}\n",
            ),
            ("csaf/2026/ECL-2026-0001.json", "{\"document\":{}}\n"),
        ]),
        "Publish advisory ECL-2026-0001",
    )
    .await
    .unwrap();

    assert!(out.changed);
    assert_eq!(out.attempts, 1);
    assert_eq!(out.branch, "main");
    assert_eq!(out.commit_sha, bare.head());
    let log = bare.log();
    assert_eq!(log.len(), 2, "{log:?}");
    assert_eq!(
        log[0],
        format!(
            "{}|AdvisoryHub Test Bot|pub-bot@example.org|AdvisoryHub Test Bot|pub-bot@example.org|Publish advisory ECL-2026-0001",
            out.commit_sha
        )
    );
    assert_eq!(
        git_ok(
            &bare.path(),
            &["rev-parse", &format!("{}^", out.commit_sha)]
        ),
        before
    );
    let mut changed = bare.changed_in(&out.commit_sha);
    changed.sort();
    assert_eq!(
        changed,
        vec![
            "csaf/2026/ECL-2026-0001.json",
            "osv/2026/ECL-2026-0001.json"
        ]
    );
    assert_eq!(
        bare.show("main:osv/2026/ECL-2026-0001.json"),
        "{\"id\":\"ECL-2026-0001\"}"
    );
    assert_no_scratch_left();
}

#[tokio::test]
async fn identical_bytes_make_no_commit_and_return_the_head() {
    let bare = Bare::new();
    let pool = pool().await;
    let remote = remote(&bare.file_url());
    let docs = files(&[("osv/2026/ECL-2026-0002.json", "{\"v\":1}\n")]);
    let first = git::push(&pool, &remote, &docs, "Publish advisory ECL-2026-0002")
        .await
        .unwrap();
    let again = git::push(&pool, &remote, &docs, "Publish advisory ECL-2026-0002")
        .await
        .unwrap();
    assert!(!again.changed);
    assert_eq!(again.commit_sha, first.commit_sha);
    assert_eq!(bare.log().len(), 2);

    // One changed file among unchanged ones: a commit with only that file.
    let mut docs = docs;
    docs.push(("csaf/2026/ECL-2026-0002.json".into(), b"{}\n".to_vec()));
    let third = git::push(&pool, &remote, &docs, "Publish advisory ECL-2026-0002")
        .await
        .unwrap();
    assert!(third.changed);
    assert_eq!(
        bare.changed_in(&third.commit_sha),
        vec!["csaf/2026/ECL-2026-0002.json"]
    );
    assert_no_scratch_left();
}

// A server that serves partial clones sends no blob of HEAD; the commit is
// still built on the whole tree, and a path remote is cloned through the
// transport as a URL is.
#[tokio::test]
async fn a_partial_clone_keeps_every_other_document_of_the_tree() {
    let bare = Bare::seeded(&[
        ("README.md", "publication repository\n"),
        ("osv/2025/ECL-2025-0001.json", "{\"old\":1}\n"),
        ("osv/2026/ECL-2026-0003.json", "{\"v\":1}\n"),
        ("csaf/2026/ECL-2026-0003.json", "{\"csaf\":1}\n"),
    ]);
    git_ok(&bare.path(), &["config", "uploadpack.allowFilter", "true"]);
    let pool = pool().await;
    let remote = remote(bare.path().to_str().unwrap());
    let docs = files(&[
        ("osv/2026/ECL-2026-0003.json", "{\"v\":2}\n"),
        ("csaf/2026/ECL-2026-0003.json", "{\"csaf\":1}\n"),
        ("osv/2026/ECL-2026-0004.json", "{\"new\":1}\n"),
    ]);
    let out = git::push(&pool, &remote, &docs, "Publish advisory ECL-2026-0003")
        .await
        .unwrap();
    assert!(out.changed);
    assert_eq!(out.commit_sha, bare.head());
    let mut changed = bare.changed_in(&out.commit_sha);
    changed.sort();
    assert_eq!(
        changed,
        vec!["osv/2026/ECL-2026-0003.json", "osv/2026/ECL-2026-0004.json"]
    );
    assert_eq!(
        git_ok(&bare.path(), &["ls-tree", "-r", "--name-only", "main"])
            .lines()
            .collect::<Vec<_>>(),
        vec![
            "README.md",
            "csaf/2026/ECL-2026-0003.json",
            "osv/2025/ECL-2025-0001.json",
            "osv/2026/ECL-2026-0003.json",
            "osv/2026/ECL-2026-0004.json",
        ]
    );
    assert_eq!(bare.show("main:osv/2025/ECL-2025-0001.json"), "{\"old\":1}");
    assert_eq!(bare.show("main:osv/2026/ECL-2026-0003.json"), "{\"v\":2}");
    git_ok(&bare.path(), &["fsck", "--strict", "--no-progress"]);

    let again = git::push(&pool, &remote, &docs, "Publish advisory ECL-2026-0003")
        .await
        .unwrap();
    assert!(!again.changed);
    assert_eq!(again.commit_sha, out.commit_sha);
    assert_no_scratch_left();
}

#[tokio::test]
async fn a_push_rejected_because_the_remote_moved_is_retried_on_a_fresh_clone() {
    let bare = Bare::new();
    bare.move_on_push(2);
    let out = git::push(
        &pool().await,
        &remote(&bare.file_url()),
        &files(&[("osv/2026/ECL-2026-0003.json", "{}\n")]),
        "Publish advisory ECL-2026-0003",
    )
    .await
    .unwrap();
    assert_eq!(out.attempts, 3);
    assert_eq!(out.commit_sha, bare.head());
    let subjects: Vec<String> = bare
        .log()
        .iter()
        .map(|l| l.rsplit('|').next().unwrap().to_owned())
        .collect();
    // Nothing lost: both foreign commits, then ours on top.
    assert_eq!(
        subjects,
        vec![
            "Publish advisory ECL-2026-0003",
            "foreign commit 1",
            "foreign commit 0",
            "seed"
        ]
    );
    assert!(bare.show("main:foreign-0.txt").contains("foreign 0"));
    assert_no_scratch_left();
}

#[tokio::test]
async fn a_remote_that_keeps_moving_fails_after_three_retries() {
    let bare = Bare::new();
    bare.move_on_push(100);
    let err = git::push(
        &pool().await,
        &remote(&bare.file_url()),
        &files(&[("osv/2026/ECL-2026-0004.json", "{}\n")]),
        "Publish advisory ECL-2026-0004",
    )
    .await
    .unwrap_err();
    let GitError::RemoteMoved { attempts, .. } = &err else {
        panic!("{err:?}");
    };
    assert_eq!(*attempts, 1 + git::MAX_PUSH_RETRIES);
    let text = err.to_string();
    assert!(text.starts_with("git push failed (exit 1): "), "{text}");
    assert!(text.contains("gave up after 4 attempts"), "{text}");
    assert!(!bare.log()[0].ends_with("ECL-2026-0004"));
    assert_no_scratch_left();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_pushes_at_once_both_land_one_after_the_other() {
    let bare = Bare::new();
    let pool = pool().await;
    let remote = remote(&bare.file_url());
    let push = |id: &'static str| {
        let pool = pool.clone();
        let remote = remote.clone();
        tokio::spawn(async move {
            git::push(
                &pool,
                &remote,
                &files(&[(&format!("osv/2026/{id}.json"), "{}\n")]),
                &format!("Publish advisory {id}"),
            )
            .await
        })
    };
    let (a, b) = tokio::join!(push("ECL-2026-0010"), push("ECL-2026-0011"));
    let (a, b) = (a.unwrap().unwrap(), b.unwrap().unwrap());
    // The repository lock serialised them: neither saw the remote move.
    assert_eq!((a.attempts, b.attempts), (1, 1));
    assert_ne!(a.commit_sha, b.commit_sha);
    let log = bare.log();
    assert_eq!(log.len(), 3, "{log:?}");
    for id in ["ECL-2026-0010", "ECL-2026-0011"] {
        bare.show(&format!("main:osv/2026/{id}.json"));
    }
    assert_no_scratch_left();
}

#[tokio::test]
async fn the_repository_lock_holds_off_other_pushes_and_dies_with_its_holder() {
    let bare = Bare::new();
    let pool = pool().await;
    let mut remote = remote(&bare.file_url());
    remote.lock_wait = Duration::from_millis(300);
    let docs = files(&[("osv/2026/ECL-2026-0020.json", "{}\n")]);

    let held = git::lock_repository(&pool, &remote.url, Duration::from_secs(5))
        .await
        .unwrap();
    let err = git::push(&pool, &remote, &docs, "Publish advisory ECL-2026-0020")
        .await
        .unwrap_err();
    assert!(matches!(err, GitError::Lock(_)), "{err:?}");
    assert_eq!(bare.log().len(), 1);
    held.release().await;
    git::push(&pool, &remote, &docs, "Publish advisory ECL-2026-0020")
        .await
        .unwrap();

    // A holder dropped without releasing (a cancelled run) closes its
    // connection, and the session's end frees the lock.
    let dropped = git::lock_repository(&pool, &remote.url, Duration::from_secs(5))
        .await
        .unwrap();
    drop(dropped);
    let again = git::lock_repository(&pool, &remote.url, Duration::from_secs(10))
        .await
        .unwrap();
    again.release().await;

    // A cancelled push (its future dropped mid-clone) leaves no lock and no
    // scratch directory behind.
    let slow = bare.path().join("hooks/pre-receive");
    write_script(&slow, "sleep 5\n");
    let cancelled = tokio::time::timeout(
        Duration::from_millis(1500),
        git::push(
            &pool,
            &remote,
            &files(&[("osv/2026/ECL-2026-0021.json", "{}\n")]),
            "Publish advisory ECL-2026-0021",
        ),
    )
    .await;
    assert!(cancelled.is_err(), "the push should still be running");
    std::fs::remove_file(&slow).unwrap();
    let again = git::lock_repository(&pool, &remote.url, Duration::from_secs(10))
        .await
        .unwrap();
    again.release().await;
    assert_no_scratch_left();
}

#[tokio::test]
async fn paths_outside_the_tree_and_repository_symlinks_are_refused() {
    let outside = TestDir::new("outside");
    let bare = Bare::new();
    bare.commit_symlink("osv", outside.path().to_str().unwrap());
    let pool = pool().await;
    let remote = remote(&bare.file_url());
    for path in [
        "../escape.json",
        "/etc/advisoryhub.json",
        ".git/hooks/post-commit",
    ] {
        let err = git::push(
            &pool,
            &remote,
            &files(&[(path, "{}")]),
            "Publish advisory X",
        )
        .await
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("refusing to write outside the publication tree: {path}")
        );
    }
    // Nothing is checked out, and a path through the repository's `osv`
    // symlink is refused rather than replacing the link with a directory.
    let err = git::push(
        &pool,
        &remote,
        &files(&[("osv/2026/ECL-2026-0030.json", "{}")]),
        "Publish advisory ECL-2026-0030",
    )
    .await
    .unwrap_err();
    assert_eq!(
        err,
        GitError::OutsideTree {
            path: "osv/2026/ECL-2026-0030.json".into()
        }
    );
    assert_eq!(std::fs::read_dir(outside.path()).unwrap().count(), 0);
    assert_no_scratch_left();
}

#[tokio::test]
async fn an_unreachable_remote_fails_cleanly() {
    let pool = pool().await;
    let missing = TestDir::new("missing");
    let err = git::push(
        &pool,
        &remote(&format!("file://{}/nothing.git", missing.path().display())),
        &files(&[("a.json", "{}")]),
        "Publish advisory X",
    )
    .await
    .unwrap_err();
    let GitError::Failed { step, .. } = &err else {
        panic!("{err:?}");
    };
    assert_eq!(*step, "clone");
    assert!(
        err.to_string().starts_with("git clone failed (exit 128): "),
        "{err}"
    );

    // Nothing listens on the port.
    let url = format!("http://127.0.0.1:{}/pub.git", free_port());
    let err = git::push(&pool, &remote(&url), &files(&[("a.json", "{}")]), "m")
        .await
        .unwrap_err();
    assert!(
        matches!(err, GitError::Failed { step: "clone", .. }),
        "{err:?}"
    );
    assert_eq!(err.class(), "GitFailed");

    let err = git::push(&pool, &remote(""), &files(&[("a.json", "{}")]), "m")
        .await
        .unwrap_err();
    assert_eq!(err, GitError::NotConfigured);
    assert_eq!(
        err.to_string(),
        "publication repository URL is not configured"
    );
    assert_no_scratch_left();
}

/// Waits until no process of ours but the test itself mentions `needle`
/// in its command line.
async fn assert_none_left(needle: &str) {
    let me = std::process::id().to_string();
    let mut left = Vec::new();
    for _ in 0..40 {
        left = std::fs::read_dir("/proc")
            .unwrap()
            .flatten()
            .filter(|e| {
                e.file_name()
                    .to_string_lossy()
                    .chars()
                    .all(|c| c.is_ascii_digit())
            })
            .filter(|e| e.file_name().to_string_lossy() != me)
            .filter_map(|e| std::fs::read(e.path().join("cmdline")).ok())
            .map(|raw| String::from_utf8_lossy(&raw).replace('\0', " "))
            .filter(|cmd| cmd.contains(needle) && !cmd.contains("git-http-server.py"))
            .collect();
        if left.is_empty() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("still running: {left:?}");
}

#[tokio::test]
async fn a_remote_that_never_answers_times_out() {
    use_the_binary_as_helper();
    let root = TestDir::new("hang");
    let server = HttpServer::start(root.path(), false, None, &["--hang"]).await;
    let pool = pool().await;
    let mut http = remote(&server.url("pub.git"));
    http.network_timeout = Duration::from_secs(2);
    let err = git::push(&pool, &http, &files(&[("a.json", "{}")]), "m")
        .await
        .unwrap_err();
    assert_eq!(
        err,
        GitError::TimedOut {
            step: "clone",
            seconds: 2
        }
    );
    assert_eq!(err.to_string(), "git clone timed out after 2s");
    assert_eq!(err.class(), "Timeout");
    assert_no_scratch_left();
    // The transport helper git started is killed along with it.
    assert_none_left(&server.url("pub.git")).await;

    // The same over SSH: the server accepts and never sends its banner.
    let key = TestDir::new("key");
    let mut ssh = remote(&format!("ssh://git@127.0.0.1:{}/pub.git", server.port));
    let key_path = key.path().join("id");
    std::fs::write(&key_path, "not a key").unwrap();
    ssh.auth = RepoAuth::Ssh {
        key_path: Some(key_path),
        host_key_policy: SshHostKeyPolicy::AcceptNew,
        known_hosts: None,
    };
    ssh.network_timeout = Duration::from_secs(2);
    let err = git::push(&pool, &ssh, &files(&[("a.json", "{}")]), "m")
        .await
        .unwrap_err();
    assert!(
        matches!(err, GitError::TimedOut { step: "clone", .. }),
        "{err:?}"
    );
    assert_none_left(&format!("-p {} git@", server.port)).await;

    // And for /readyz.
    let err = git::ls_remote(&http, Duration::from_secs(1))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            GitError::TimedOut {
                step: "ls-remote",
                ..
            }
        ),
        "{err:?}"
    );
    assert_no_scratch_left();
}

#[tokio::test]
async fn ls_remote_tells_whether_the_remote_answers() {
    let bare = Bare::new();
    git::ls_remote(&remote(&bare.file_url()), Duration::from_secs(10))
        .await
        .unwrap();
    let err = git::ls_remote(
        &remote(&format!("{}-missing", bare.file_url())),
        Duration::from_secs(10),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(
            err,
            GitError::Failed {
                step: "ls-remote",
                ..
            }
        ),
        "{err:?}"
    );
    assert_no_scratch_left();
}

#[tokio::test]
async fn readyz_checks_the_publication_repository_when_asked() {
    let bare = Bare::new();
    let db = common::TestDb::new().await;
    let url = bare.file_url();
    let app = common::app(
        common::config(&[("READYZ_INCLUDE_PUB_REPO", "true"), ("PUB_REPO_URL", &url)]),
        db.pool.clone(),
    );
    let a = common::send(&app, common::get("/readyz")).await;
    assert_eq!(a.status, 200, "{}", a.body);

    let missing = format!("{url}-missing");
    let app = common::app(
        common::config(&[
            ("READYZ_INCLUDE_PUB_REPO", "true"),
            ("PUB_REPO_URL", &missing),
        ]),
        db.pool.clone(),
    );
    let a = common::send(&app, common::get("/readyz")).await;
    assert_eq!(a.status, 503);
    assert_eq!(a.json()["failures"]["publication_repo"], "GitFailed");
    assert!(a.json()["failures"].get("db").is_none());

    // Not asked: the repository is not contacted.
    let app = common::app(
        common::config(&[("PUB_REPO_URL", &missing)]),
        db.pool.clone(),
    );
    let a = common::send(&app, common::get("/readyz")).await;
    assert_eq!(a.status, 200, "{}", a.body);
}

// ----------------------------------------------------------------- https

/// Watches every process's command line, and every file of this process's
/// scratch directories, while `f` runs.
async fn watching<T>(needle: &'static str, f: impl Future<Output = T>) -> (T, Watch) {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let watcher = tokio::task::spawn_blocking(move || {
        let mut watch = Watch::default();
        while !flag.load(Ordering::Relaxed) {
            watch.sample(needle);
            std::thread::sleep(Duration::from_millis(2));
        }
        watch
    });
    let out = f.await;
    stop.store(true, Ordering::Relaxed);
    (out, watcher.await.unwrap())
}

#[derive(Default)]
struct Watch {
    git_processes: usize,
    scratch_files: usize,
    leaks: Vec<String>,
}

impl Watch {
    fn sample(&mut self, needle: &str) {
        for entry in std::fs::read_dir("/proc").unwrap().filter_map(Result::ok) {
            let name = entry.file_name();
            if !name.to_string_lossy().bytes().all(|b| b.is_ascii_digit()) {
                continue;
            }
            let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
                continue;
            };
            let text = String::from_utf8_lossy(&cmdline).replace('\0', " ");
            if text.starts_with("git ") || text.contains("/git-remote-http") {
                self.git_processes += 1;
            }
            if text.contains(needle) {
                self.leaks
                    .push(format!("process {}: {text}", name.to_string_lossy()));
            }
        }
        for dir in leftover_scratch() {
            self.scan(&dir, needle);
        }
    }

    fn scan(&mut self, dir: &Path, needle: &str) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.filter_map(Result::ok) {
            let Ok(meta) = entry.path().symlink_metadata() else {
                continue;
            };
            if meta.is_dir() {
                self.scan(&entry.path(), needle);
            } else if meta.is_file() {
                self.scratch_files += 1;
                if let Ok(bytes) = std::fs::read(entry.path())
                    && bytes.windows(needle.len()).any(|w| w == needle.as_bytes())
                {
                    self.leaks.push(format!("file {}", entry.path().display()));
                }
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_reaches_the_server_and_nothing_else() {
    use_the_binary_as_helper();
    let _ = &*LOGS;
    let bare = Bare::new();
    // Slow answers, so the watcher sees the push's processes.
    let server = HttpServer::start(bare.dir.path(), true, Some(TOKEN), &["--delay", "0.3"]).await;
    let remote = server.token_remote("pub.git", TOKEN);
    let pool = pool().await;
    let (out, watch) = watching(
        TOKEN,
        git::push(
            &pool,
            &remote,
            &files(&[("osv/2026/ECL-2026-0040.json", "{}\n")]),
            "Publish advisory ECL-2026-0040",
        ),
    )
    .await;
    let out = out.unwrap();
    assert_eq!(out.commit_sha, bare.head());
    assert!(watch.git_processes > 0, "the watcher saw no git process");
    assert!(watch.scratch_files > 0, "the watcher saw no scratch file");
    assert!(watch.leaks.is_empty(), "token seen: {:?}", watch.leaks);
    // The server got the credential: user x-access-token, the token.
    let log = server.log();
    assert!(
        log.iter()
            .any(|l| l.starts_with("POST /pub.git/git-receive-pack auth=ok")),
        "{log:?}"
    );
    assert!(!log.iter().any(|l| l.contains("auth=bad")), "{log:?}");
    assert_no_scratch_left();
    assert!(!logs().contains(TOKEN));
    assert!(logs().contains("publication repository updated"));
}

#[tokio::test]
async fn a_refused_or_echoed_token_never_shows_in_the_error() {
    use base64::Engine as _;
    use_the_binary_as_helper();
    let _ = &*LOGS;
    let bare = Bare::new();
    let pool = pool().await;
    let server = HttpServer::start(bare.dir.path(), true, Some(TOKEN), &[]).await;
    let wrong = "wrong-token-0123456789";
    let err = git::push(
        &pool,
        &server.token_remote("pub.git", wrong),
        &files(&[("a.json", "{}")]),
        "m",
    )
    .await
    .unwrap_err();
    let text = err.to_string();
    assert!(text.starts_with("git clone failed (exit 128): "), "{text}");
    assert!(text.contains("Authentication failed"), "{text}");
    assert!(!text.contains(wrong), "{text}");

    // A remote whose error repeats the Authorization header it received.
    let echo = HttpServer::start(bare.dir.path(), true, None, &["--echo-auth"]).await;
    let err = git::push(
        &pool,
        &echo.token_remote("pub.git", TOKEN),
        &files(&[("a.json", "{}")]),
        "m",
    )
    .await
    .unwrap_err();
    let text = err.to_string();
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("x-access-token:{TOKEN}"));
    assert!(text.contains("access denied for"), "{text}");
    assert!(!text.contains(TOKEN) && !text.contains(&basic), "{text}");
    let logged = logs();
    assert!(!logged.contains(TOKEN) && !logged.contains(&basic));
    assert_no_scratch_left();
}

#[tokio::test]
async fn a_redirect_is_not_followed_so_the_token_stays_with_its_host() {
    use_the_binary_as_helper();
    let bare = Bare::new();
    // The real repository, and a server that redirects to it: the token
    // was issued for the second one only.
    let target = HttpServer::start(bare.dir.path(), true, None, &[]).await;
    let port = target.port.to_string();
    let redirecting = HttpServer::start(bare.dir.path(), true, None, &["--redirect", &port]).await;
    // Both servers' certificates trusted, so only the redirect is refused.
    let both = redirecting.dir.path().join("both.crt");
    std::fs::write(
        &both,
        [
            std::fs::read(target.ca_file()).unwrap(),
            std::fs::read(redirecting.ca_file()).unwrap(),
        ]
        .concat(),
    )
    .unwrap();
    let mut remote = redirecting.token_remote("pub.git", TOKEN);
    remote.ca_file = Some(both);
    let err = git::push(&pool().await, &remote, &files(&[("a.json", "{}")]), "m")
        .await
        .unwrap_err();
    assert!(
        matches!(err, GitError::Failed { step: "clone", .. }),
        "{err:?}"
    );
    assert!(!redirecting.log().is_empty());
    assert!(target.log().is_empty(), "{:?}", target.log());
}

#[tokio::test]
async fn a_token_is_never_sent_over_plain_http() {
    use_the_binary_as_helper();
    let bare = Bare::new();
    let server = HttpServer::start(bare.dir.path(), false, Some(TOKEN), &[]).await;
    let err = git::push(
        &pool().await,
        &server.token_remote("pub.git", TOKEN),
        &files(&[("a.json", "{}")]),
        "m",
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, GitError::Failed { step: "clone", .. }),
        "{err:?}"
    );
    let log = server.log();
    assert!(!log.is_empty());
    assert!(log.iter().all(|l| l.ends_with("auth=missing")), "{log:?}");
}

// ------------------------------------------------------------------- ssh

#[tokio::test]
async fn ssh_with_accept_new_trusts_the_first_contact_for_the_run() {
    use_the_binary_as_helper();
    let bare = Bare::new();
    let sshd = Sshd::start().await;
    let out = git::push(
        &pool().await,
        &sshd.remote(&bare.path(), SshHostKeyPolicy::AcceptNew, None),
        &files(&[("osv/2026/ECL-2026-0050.json", "{\"ssh\":true}\n")]),
        "Publish advisory ECL-2026-0050",
    )
    .await
    .unwrap();
    assert_eq!(out.commit_sha, bare.head());
    assert_eq!(
        bare.show("main:osv/2026/ECL-2026-0050.json"),
        "{\"ssh\":true}"
    );
    assert_no_scratch_left();
}

#[tokio::test]
async fn strict_host_key_checking_refuses_an_unknown_host() {
    use_the_binary_as_helper();
    let bare = Bare::new();
    let sshd = Sshd::start().await;
    let pool = pool().await;
    let docs = files(&[("osv/2026/ECL-2026-0051.json", "{}\n")]);
    let err = git::push(
        &pool,
        &sshd.remote(&bare.path(), SshHostKeyPolicy::Strict, None),
        &docs,
        "Publish advisory ECL-2026-0051",
    )
    .await
    .unwrap_err();
    let text = err.to_string();
    assert!(text.starts_with("git clone failed (exit 128): "), "{text}");
    assert!(text.contains("Host key verification failed"), "{text}");
    assert!(!text.contains(&sshd.key().display().to_string()), "{text}");
    assert_eq!(bare.log().len(), 1);

    // A wrong key for the host is refused under either policy.
    let other = Sshd::start().await;
    let wrong_known = other.known_hosts();
    let wrong = std::fs::read_to_string(&wrong_known)
        .unwrap()
        .replace(&format!(":{}", other.port), &format!(":{}", sshd.port));
    std::fs::write(&wrong_known, wrong).unwrap();
    for policy in [SshHostKeyPolicy::Strict, SshHostKeyPolicy::AcceptNew] {
        let err = git::push(
            &pool,
            &sshd.remote(&bare.path(), policy, Some(wrong_known.clone())),
            &docs,
            "Publish advisory ECL-2026-0051",
        )
        .await
        .unwrap_err();
        assert!(
            err.to_string().contains("Host key verification failed"),
            "{policy:?}: {err}"
        );
    }

    // With the host's key pinned, strict checking lets the push through.
    let out = git::push(
        &pool,
        &sshd.remote(
            &bare.path(),
            SshHostKeyPolicy::Strict,
            Some(sshd.known_hosts()),
        ),
        &docs,
        "Publish advisory ECL-2026-0051",
    )
    .await
    .unwrap();
    assert_eq!(out.commit_sha, bare.head());
    assert_no_scratch_left();
}

#[tokio::test]
async fn over_ssh_a_push_behind_a_moved_remote_is_retried() {
    use_the_binary_as_helper();
    let bare = Bare::new();
    // The server adds a foreign commit just before our push reaches it:
    // the client sees the branch ahead of its clone ("fetch first").
    let counter = bare.dir.path().join("moved");
    let script = format!(
        "case \"$SSH_ORIGINAL_COMMAND\" in\n  git-receive-pack*)\n{}  ;;\nesac\nexec sh -c \"$SSH_ORIGINAL_COMMAND\"\n",
        advance_script(&bare.path(), &counter, 1)
    );
    let sshd = Sshd::start_with(Some(&script)).await;
    let out = git::push(
        &pool().await,
        &sshd.remote(&bare.path(), SshHostKeyPolicy::AcceptNew, None),
        &files(&[("osv/2026/ECL-2026-0052.json", "{}\n")]),
        "Publish advisory ECL-2026-0052",
    )
    .await
    .unwrap();
    assert_eq!(out.attempts, 2);
    let log = bare.log();
    assert!(
        log[0].ends_with("Publish advisory ECL-2026-0052"),
        "{log:?}"
    );
    assert!(log[1].ends_with("foreign commit 0"), "{log:?}");
    assert_no_scratch_left();
}

#[test]
fn the_helper_refuses_to_act_outside_a_run() {
    let dir = TestDir::new("helper");
    for name in ["ssh", "askpass"] {
        let link = dir.path().join(name);
        std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_advisoryhub"), &link).unwrap();
        let out = std::process::Command::new(&link)
            .arg("Password for 'https://example.org': ")
            .env_remove("ADVISORYHUB_GIT_TOKEN")
            .env_remove("ADVISORYHUB_SSH_HOST_KEY_POLICY")
            .env_remove("ADVISORYHUB_SSH_KNOWN_HOSTS")
            .output()
            .unwrap();
        assert!(!out.status.success(), "{name}");
        assert!(out.stdout.is_empty(), "{name}");
    }
    // As askpass within a run: the user name, then the token, nothing else.
    let askpass = dir.path().join("askpass");
    let ask = |prompt: &str| {
        let out = std::process::Command::new(&askpass)
            .arg(prompt)
            .env("ADVISORYHUB_GIT_TOKEN", TOKEN)
            .output()
            .unwrap();
        (out.status.success(), String::from_utf8(out.stdout).unwrap())
    };
    assert_eq!(
        ask("Username for 'https://127.0.0.1:1': "),
        (true, "x-access-token\n".into())
    );
    assert_eq!(
        ask("Password for 'https://x-access-token@127.0.0.1:1': "),
        (true, format!("{TOKEN}\n"))
    );
    assert_eq!(ask("Passphrase for key: "), (false, String::new()));
}

#[test]
fn the_ssh_wrapper_passes_the_key_and_the_policy_before_gits_arguments() {
    let dir = TestDir::new("wrapper");
    // A stand-in for the real ssh, first on PATH, that prints its argv.
    let bin = dir.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    write_script(&bin.join("ssh"), "for a in \"$@\"; do echo \"$a\"; done\n");
    let link = dir.path().join("ssh");
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_advisoryhub"), &link).unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = std::process::Command::new(&link)
        .args([
            "-p",
            "2222",
            "git@example.org",
            "git-receive-pack '/pub.git'",
        ])
        .env("PATH", path)
        .env("ADVISORYHUB_SSH_IDENTITY", "/keys/deploy key")
        .env("ADVISORYHUB_SSH_HOST_KEY_POLICY", "yes")
        .env("ADVISORYHUB_SSH_KNOWN_HOSTS", "/tmp/run dir/known_hosts")
        .env("ADVISORYHUB_SSH_CONNECT_TIMEOUT", "30")
        .output()
        .unwrap();
    assert!(out.status.success());
    let argv: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        argv,
        vec![
            "-F",
            "/dev/null",
            "-i",
            "/keys/deploy key",
            "-o",
            "IdentitiesOnly=yes",
            "-o",
            "BatchMode=yes",
            "-o",
            "StrictHostKeyChecking=yes",
            "-o",
            "UserKnownHostsFile=\"/tmp/run dir/known_hosts\"",
            "-o",
            "ConnectTimeout=30",
            "-o",
            "ServerAliveInterval=15",
            "-o",
            "ServerAliveCountMax=4",
            "-p",
            "2222",
            "git@example.org",
            "git-receive-pack '/pub.git'",
        ]
    );
    // Any other policy value is refused rather than passed on.
    let out = std::process::Command::new(&link)
        .arg("host")
        .env("ADVISORYHUB_SSH_HOST_KEY_POLICY", "no")
        .env("ADVISORYHUB_SSH_KNOWN_HOSTS", "/dev/null")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(255));
}
