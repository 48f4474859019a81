//! What kind of remote `PUB_REPO_URL` names (80-integrations §1.2): the
//! transport decides the authentication (SSH wrapper or HTTPS askpass), the
//! one protocol git may use (`GIT_ALLOW_PROTOCOL`) and what production
//! accepts.

use std::fmt;

/// The transport of a publication remote.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RemoteKind {
    /// `https://host/path`: the only web transport a token is sent over.
    Https,
    /// `http://host/path`: outside production only, never with credentials.
    Http,
    /// `ssh://[user@]host[:port]/path` or scp-style `[user@]host:path`.
    Ssh,
    /// `file:///path` or a filesystem path: outside production only (tests,
    /// `bin/dev`).
    File,
}

impl RemoteKind {
    /// Classifies a remote URL the way git does, refusing what the
    /// publication layer never uses: transport helpers (`ext::…`, which run
    /// commands), `git://`, credentials inside the URL, user names in web
    /// URLs, control characters, and a leading `-` (which a command line
    /// could read as an option).
    pub fn of(url: &str) -> Result<RemoteKind, String> {
        if url.is_empty() {
            return Err("is empty".into());
        }
        if url.starts_with('-') {
            return Err("must not start with `-`".into());
        }
        if url.chars().any(char::is_control) {
            return Err("must not contain control characters".into());
        }
        if let Some((scheme, _)) = url.split_once("://")
            && is_scheme(scheme)
        {
            return Self::of_scheme_url(&scheme.to_ascii_lowercase(), url);
        }
        if let Some((prefix, _)) = url.split_once("::")
            && is_scheme(prefix)
        {
            return Err(format!(
                "the transport helper syntax `{prefix}::` is not accepted"
            ));
        }
        // git's rule: a colon before the first slash makes it scp-style.
        match (url.find(':'), url.find('/')) {
            (Some(colon), slash) if slash.is_none_or(|s| colon < s) => {
                let authority = &url[..colon];
                let host = match authority.split_once('@') {
                    Some((user, host)) if user.is_empty() || host.contains('@') => {
                        return Err("is not an scp-style `user@host:path` remote".into());
                    }
                    Some((_, host)) => host,
                    None => authority,
                };
                if host.is_empty() {
                    return Err("is not an scp-style `user@host:path` remote".into());
                }
                Ok(RemoteKind::Ssh)
            }
            _ => Ok(RemoteKind::File),
        }
    }

    fn of_scheme_url(scheme: &str, url: &str) -> Result<RemoteKind, String> {
        let kind = match scheme {
            "https" => RemoteKind::Https,
            "http" => RemoteKind::Http,
            "ssh" | "git+ssh" | "ssh+git" => RemoteKind::Ssh,
            "file" => return Ok(RemoteKind::File),
            other => {
                return Err(format!(
                    "the scheme `{other}` is not accepted (https, ssh, scp-style \
                     user@host:path, or a local path outside production)"
                ));
            }
        };
        let parsed = url::Url::parse(url).map_err(|e| format!("is not a valid URL: {e}"))?;
        if parsed.password().is_some() {
            return Err("must not carry a password; use PUB_REPO_TOKEN".into());
        }
        if kind != RemoteKind::Ssh && !parsed.username().is_empty() {
            return Err("must not carry a user name; the token goes in PUB_REPO_TOKEN".into());
        }
        if parsed.host_str().is_none_or(str::is_empty) {
            return Err("has no host".into());
        }
        Ok(kind)
    }

    /// The one value of `GIT_ALLOW_PROTOCOL` for this remote, so a redirect
    /// or a crafted submodule cannot switch transport.
    pub fn protocol(self) -> &'static str {
        match self {
            RemoteKind::Https => "https",
            RemoteKind::Http => "http",
            RemoteKind::Ssh => "ssh",
            RemoteKind::File => "file",
        }
    }

    /// Whether production accepts this transport.
    pub fn allowed_in_production(self) -> bool {
        matches!(self, RemoteKind::Https | RemoteKind::Ssh)
    }
}

impl fmt::Display for RemoteKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RemoteKind::Https => "an https:// remote",
            RemoteKind::Http => "an http:// remote",
            RemoteKind::Ssh => "an ssh remote",
            RemoteKind::File => "a local path",
        })
    }
}

fn is_scheme(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

/// Whether `branch` is a safe branch name: what `git check-ref-format
/// --branch` accepts, narrowed to ASCII letters, digits and `._/-`.
pub fn valid_branch(branch: &str) -> bool {
    !branch.is_empty()
        && branch.len() <= 200
        && branch
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '/' | '-'))
        && !branch.starts_with(['-', '/', '.'])
        && !branch.ends_with(['/', '.'])
        && !branch.to_ascii_lowercase().ends_with(".lock")
        && !branch.contains("..")
        && !branch.contains("//")
        && !branch.contains("/.")
        && branch != "HEAD"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remotes_are_classified_like_git_does() {
        for (url, kind) in [
            ("https://git.example.org/a/b.git", RemoteKind::Https),
            ("HTTPS://git.example.org/a/b.git", RemoteKind::Https),
            ("http://127.0.0.1:8080/b.git", RemoteKind::Http),
            ("ssh://git@git.example.org:2222/a/b.git", RemoteKind::Ssh),
            ("git@github.com:org/repo.git", RemoteKind::Ssh),
            ("github.com:org/repo.git", RemoteKind::Ssh),
            ("file:///srv/pub.git", RemoteKind::File),
            ("/srv/pub.git", RemoteKind::File),
            (".dev/publication.git", RemoteKind::File),
            ("./a:b", RemoteKind::File),
        ] {
            assert_eq!(RemoteKind::of(url), Ok(kind), "{url}");
        }
    }

    #[test]
    fn dangerous_or_credential_bearing_remotes_are_refused() {
        for url in [
            "",
            "-uhello",
            "--upload-pack=touch /tmp/x",
            "ext::sh -c touch% /tmp/pwned",
            "fd::17",
            "git://git.example.org/a.git",
            "https://user:secret@git.example.org/a.git",
            "https://x-access-token@git.example.org/a.git",
            "ssh://git:pw@git.example.org/a.git",
            "https://",
            "ftp://git.example.org/a.git",
            "@host:path",
            "a@b@host:path",
            "https://git.example.org/a\n.git",
        ] {
            assert!(RemoteKind::of(url).is_err(), "{url:?} was accepted");
        }
    }

    #[test]
    fn branch_names_are_checked() {
        for ok in ["main", "publish/advisories", "release-1.2", "v_2"] {
            assert!(valid_branch(ok), "{ok}");
        }
        for bad in [
            "", "-f", "/main", "main/", "a..b", "a.lock", "HEAD", "a b", "a~1", "a:b", ".hidden",
            "a/.b", "a//b", "refs^",
        ] {
            assert!(!valid_branch(bad), "{bad:?}");
        }
    }
}
