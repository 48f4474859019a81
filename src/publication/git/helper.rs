//! The binary's two helper personalities for git (70-publication §6.1 step 4),
//! chosen by the name it is started under, before anything else runs:
//!
//! - as `ssh` (git's `GIT_SSH`, a scratch symlink): `exec`s the real `ssh`
//!   with the deploy key (`-i`), `IdentitiesOnly=yes`, `BatchMode=yes`, the
//!   host-key policy (ruling 26) and the run's known-hosts file, then git's
//!   own arguments. No config file is read (`-F /dev/null`), so nothing on
//!   the host changes what is trusted.
//! - as `askpass` (git's `GIT_ASKPASS`): prints `x-access-token` for a
//!   user-name prompt and the token for a password prompt; the token comes
//!   from this process's environment, set only on the git child.
//!
//! Each personality acts only when its variables are present, so starting
//! the binary under either name by accident does nothing surprising.

use std::ffi::OsString;
use std::io::Write as _;
use std::os::unix::process::CommandExt as _;
use std::path::Path;
use std::process::ExitCode;

/// The token, in the environment of the git child only.
pub const ENV_TOKEN: &str = "ADVISORYHUB_GIT_TOKEN";
/// The deploy key file.
pub const ENV_SSH_IDENTITY: &str = "ADVISORYHUB_SSH_IDENTITY";
/// `yes` or `accept-new`.
pub const ENV_SSH_POLICY: &str = "ADVISORYHUB_SSH_HOST_KEY_POLICY";
/// The run's known-hosts file (a scratch copy).
pub const ENV_SSH_KNOWN_HOSTS: &str = "ADVISORYHUB_SSH_KNOWN_HOSTS";
/// Seconds for the TCP connection and the SSH banner.
pub const ENV_SSH_CONNECT_TIMEOUT: &str = "ADVISORYHUB_SSH_CONNECT_TIMEOUT";

/// The user name sent with a token (the legacy system's, kept).
pub const TOKEN_USER: &str = "x-access-token";

/// Runs a helper personality if the binary was started as one; `None`
/// means carry on as `advisoryhub`. Call first thing in `main`.
pub fn dispatch() -> Option<ExitCode> {
    let argv0 = std::env::args_os().next()?;
    let name = Path::new(&argv0).file_name()?.to_str()?.to_owned();
    match name.as_str() {
        "ssh" => Some(ssh(std::env::args_os().skip(1).collect())),
        "askpass" => Some(askpass(std::env::args_os().nth(1))),
        _ => None,
    }
}

fn ssh(args: Vec<OsString>) -> ExitCode {
    let (Some(policy), Some(known_hosts)) = (
        std::env::var_os(ENV_SSH_POLICY),
        std::env::var_os(ENV_SSH_KNOWN_HOSTS),
    ) else {
        eprintln!("advisoryhub: started as ssh outside a publication run");
        return ExitCode::from(255);
    };
    let Some(policy @ ("yes" | "accept-new")) = policy.to_str() else {
        eprintln!("advisoryhub: unknown host-key policy");
        return ExitCode::from(255);
    };
    let connect_timeout = std::env::var(ENV_SSH_CONNECT_TIMEOUT)
        .ok()
        .filter(|s| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit()))
        .unwrap_or_else(|| "30".into());
    let mut cmd = std::process::Command::new("ssh");
    cmd.arg("-F").arg("/dev/null");
    if let Some(key) = std::env::var_os(ENV_SSH_IDENTITY).filter(|k| !k.is_empty()) {
        cmd.arg("-i").arg(key);
    }
    cmd.arg("-o").arg("IdentitiesOnly=yes");
    cmd.arg("-o").arg("BatchMode=yes");
    cmd.arg("-o").arg(format!("StrictHostKeyChecking={policy}"));
    let mut known = OsString::from("UserKnownHostsFile=");
    known.push(quote_ssh_option(known_hosts));
    cmd.arg("-o").arg(known);
    cmd.arg("-o")
        .arg(format!("ConnectTimeout={connect_timeout}"));
    cmd.arg("-o").arg("ServerAliveInterval=15");
    cmd.arg("-o").arg("ServerAliveCountMax=4");
    cmd.args(args);
    for var in [
        ENV_TOKEN,
        ENV_SSH_IDENTITY,
        ENV_SSH_POLICY,
        ENV_SSH_KNOWN_HOSTS,
        ENV_SSH_CONNECT_TIMEOUT,
    ] {
        cmd.env_remove(var);
    }
    // Only returns on failure.
    let error = cmd.exec();
    eprintln!("advisoryhub: cannot run ssh: {error}");
    ExitCode::from(255)
}

/// ssh splits option values on whitespace; a path with spaces is quoted.
fn quote_ssh_option(value: OsString) -> OsString {
    let needs_quotes = value
        .to_str()
        .is_none_or(|s| s.chars().any(char::is_whitespace));
    if needs_quotes {
        let mut quoted = OsString::from("\"");
        quoted.push(value);
        quoted.push("\"");
        quoted
    } else {
        value
    }
}

fn askpass(prompt: Option<OsString>) -> ExitCode {
    let Some(token) = std::env::var_os(ENV_TOKEN) else {
        eprintln!("advisoryhub: started as askpass outside a publication run");
        return ExitCode::from(1);
    };
    let prompt = prompt
        .map(|p| p.to_string_lossy().trim_start().to_ascii_lowercase())
        .unwrap_or_default();
    let answer = if prompt.starts_with("username") {
        OsString::from(TOKEN_USER)
    } else if prompt.starts_with("password") {
        token
    } else {
        return ExitCode::from(1);
    };
    let mut out = std::io::stdout().lock();
    let written = out
        .write_all(answer.as_encoded_bytes())
        .and_then(|()| out.write_all(b"\n"))
        .and_then(|()| out.flush());
    if written.is_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
