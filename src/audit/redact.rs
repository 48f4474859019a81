//! The secret redactor (B-6; 10-domain-model §13.4, 80-integrations §1.3).
//!
//! Owns the one function every writer of audit values, error columns, the
//! maintenance banner and log lines calls before a string leaves process
//! memory. Keeps INV-AUDIT-2 (secrets are redacted before persistence) and
//! INV-SECRET-1 (no token-bearing URL, bearer token or key material in an
//! error string or audit metadata).
//!
//! Order, each step on the output of the one before:
//! 0. every configured secret value of at least [`MIN_SECRET_CHARS`]
//!    characters is replaced literally (longest first), before any pattern
//!    can cut one in half;
//! 1. first pass, whole match → `***`: PEM private-key blocks, GitHub tokens,
//!    JWT-shaped strings;
//! 2. second pass, prefix kept: URL user-info, `token=`, `Authorization:`
//!    headers, JSON `"private_key"` string values.
//!
//! Where the spec leaves a gap this module closes it on the safe side, and
//! says so next to the pattern: a PEM block whose END line is missing (cut
//! by a truncated excerpt) is redacted to the end of the string; GitHub's
//! fine-grained `github_pat_` tokens are matched too; user-info is removed
//! from a URL of any scheme, with or without a password; `token` and `basic`
//! authorization schemes are treated like `bearer`; in JSON, an
//! `authorization` key's string value is masked like a header.

use std::borrow::Cow;
use std::fmt;
use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;

/// What every secret is replaced with.
pub const MASK: &str = "***";

/// Configured secret values shorter than this are not replaced literally:
/// they would match ordinary words.
pub const MIN_SECRET_CHARS: usize = 8;

/// Task, sync and webhook error columns keep at most this many characters.
pub const ERROR_MAX_CHARS: usize = 8000;

#[expect(
    clippy::expect_used,
    reason = "constant patterns; every one is compiled by the unit tests"
)]
fn compile(pattern: &str) -> Regex {
    Regex::new(pattern).expect("redaction pattern compiles")
}

/// Pass 1, pattern 1: a PEM private-key block, multi-line. The second
/// alternative catches a block whose END line was cut off.
static PEM_PRIVATE_KEY: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r"(?is)-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----(?:.*?-----END [A-Z0-9 ]*PRIVATE KEY-----|.*)",
    )
});

/// Pass 1, pattern 2: `gh[opusr]_` tokens, plus fine-grained `github_pat_`.
static GITHUB_TOKEN: LazyLock<Regex> =
    LazyLock::new(|| compile(r"\b(?:gh[opusr]_|github_pat_)[A-Za-z0-9_]{20,}"));

/// Pass 1, pattern 3: JWT-shaped strings (GitHub App JWTs, ID tokens).
static JWT: LazyLock<Regex> =
    LazyLock::new(|| compile(r"\beyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+"));

/// Pass 2, pattern 4: `scheme://user:secret@` → `scheme://***`. User,
/// secret and `@` are all replaced as 10-domain-model §13.4 (the text
/// INV-AUDIT-2 cites) says; 80-integrations §1.3 writes `<scheme>***@`,
/// which is equally safe. The user-info of a URL cannot contain `/`, `?`,
/// `#` or `@`, so the match stops at the host.
static URL_USERINFO: LazyLock<Regex> =
    LazyLock::new(|| compile(r"(?i)([a-z][a-z0-9+.-]*://)[^\s/?#@]+@"));

/// Pass 2, pattern 5: `token=<value>`, also as the tail of `access_token=`.
static QUERY_TOKEN: LazyLock<Regex> = LazyLock::new(|| compile(r#"(?i)(token=)[^\s&#"'<>]+"#));

/// Pass 2, pattern 6: an authorization header, bare or quoted as in a
/// serialized header map.
static AUTHORIZATION: LazyLock<Regex> = LazyLock::new(|| {
    compile(r#"(?i)(authorization["']?\s*[:=]\s*["']?(?:bearer|token|basic)\s+)[^\s"',;]+"#)
});

/// Pass 2, pattern 7: the string value of a `"private_key"` / `"privatekey"`
/// field in JSON text.
static JSON_PRIVATE_KEY: LazyLock<Regex> =
    LazyLock::new(|| compile(r#"(?i)("private[_-]?key"\s*:\s*")(?:[^"\\]|\\.)*(")"#));

/// Applies one replacement, keeping the input borrowed when nothing matched.
fn replace<'a>(input: Cow<'a, str>, re: &Regex, replacement: &str) -> Cow<'a, str> {
    match input {
        Cow::Borrowed(s) => re.replace_all(s, replacement),
        Cow::Owned(s) => match re.replace_all(&s, replacement) {
            Cow::Borrowed(_) => Cow::Owned(s),
            Cow::Owned(replaced) => Cow::Owned(replaced),
        },
    }
}

/// Whether a JSON object key names a private key (pattern 7).
fn is_private_key_field(key: &str) -> bool {
    ["private_key", "privatekey", "private-key"]
        .iter()
        .any(|name| key.eq_ignore_ascii_case(name))
}

/// The redactor, built once at start-up with the deployment's secret values
/// (80-integrations §1.3 lists them) and shared.
#[derive(Clone, Default)]
pub struct Redactor {
    /// Longest first, so a secret containing another is replaced whole.
    secrets: Vec<String>,
}

/// Never prints the secrets themselves.
impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Redactor")
            .field("secrets", &self.secrets.len())
            .finish()
    }
}

impl Redactor {
    /// A redactor that also replaces each of `secrets` literally. Values
    /// shorter than [`MIN_SECRET_CHARS`] characters are ignored; duplicates
    /// are dropped.
    pub fn new(secrets: impl IntoIterator<Item = String>) -> Redactor {
        let mut secrets: Vec<String> = secrets
            .into_iter()
            .filter(|s| s.chars().count() >= MIN_SECRET_CHARS)
            .collect();
        secrets.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        secrets.dedup();
        Redactor { secrets }
    }

    /// `s` with every secret replaced by [`MASK`]; borrowed when there was
    /// nothing to replace.
    pub fn redact_str<'a>(&self, s: &'a str) -> Cow<'a, str> {
        let mut out = Cow::Borrowed(s);
        for secret in &self.secrets {
            if out.contains(secret.as_str()) {
                out = Cow::Owned(out.replace(secret.as_str(), MASK));
            }
        }
        // First pass: the whole match is secret.
        out = replace(out, &PEM_PRIVATE_KEY, MASK);
        out = replace(out, &GITHUB_TOKEN, MASK);
        out = replace(out, &JWT, MASK);
        // Second pass: keep the recognisable prefix.
        out = replace(out, &URL_USERINFO, "${1}***");
        out = replace(out, &QUERY_TOKEN, "${1}***");
        out = replace(out, &AUTHORIZATION, "${1}***");
        replace(out, &JSON_PRIVATE_KEY, "${1}***${2}")
    }

    /// `value` with every string redacted, recursively through arrays and
    /// objects, object keys included. The string value of a `private_key` /
    /// `privatekey` or `authorization` key is replaced whole. (Two keys that
    /// redact to the same text keep the later value.)
    pub fn redact_json(&self, value: Value) -> Value {
        match value {
            Value::String(s) => Value::String(self.redact_string(s)),
            Value::Array(items) => {
                Value::Array(items.into_iter().map(|v| self.redact_json(v)).collect())
            }
            Value::Object(map) => Value::Object(
                map.into_iter()
                    .map(|(key, value)| {
                        let value = match value {
                            Value::String(_)
                                if is_private_key_field(&key)
                                    || key.eq_ignore_ascii_case("authorization") =>
                            {
                                Value::String(MASK.to_owned())
                            }
                            other => self.redact_json(other),
                        };
                        (self.redact_string(key), value)
                    })
                    .collect(),
            ),
            other @ (Value::Null | Value::Bool(_) | Value::Number(_)) => other,
        }
    }

    /// What an error column stores: redacted first, then truncated to
    /// [`ERROR_MAX_CHARS`] (redacting first so a cut cannot expose half a
    /// token).
    pub fn redact_error(&self, s: &str) -> String {
        truncate_error(&self.redact_str(s)).to_owned()
    }

    fn redact_string(&self, s: String) -> String {
        match self.redact_str(&s) {
            Cow::Borrowed(_) => s,
            Cow::Owned(redacted) => redacted,
        }
    }
}

/// The first [`ERROR_MAX_CHARS`] characters of `s` (characters, not bytes),
/// for task `last_error` and sync-error columns. Redact before truncating
/// ([`Redactor::redact_error`] does both).
pub fn truncate_error(s: &str) -> &str {
    s.char_indices()
        .nth(ERROR_MAX_CHARS)
        .map_or(s, |(end, _)| &s[..end])
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn redact(s: &str) -> String {
        Redactor::default().redact_str(s).into_owned()
    }

    const PEM_BODY: &str = "MIIEowIBAAKCAQEA7vX2\nq0e9YjJ8xk1+/abc==\nZm9vYmFy";

    #[test]
    fn pem_private_key_blocks_inv_secret_1() {
        for label in ["RSA ", "EC ", "OPENSSH ", "ENCRYPTED ", ""] {
            let text = format!(
                "key:\n-----BEGIN {label}PRIVATE KEY-----\n{PEM_BODY}\n-----END {label}PRIVATE KEY-----\nafter"
            );
            assert_eq!(redact(&text), "key:\n***\nafter", "{label:?}");
        }
    }

    #[test]
    fn two_pem_blocks_keep_the_text_between() {
        let text = format!(
            "-----BEGIN RSA PRIVATE KEY-----\n{PEM_BODY}\n-----END RSA PRIVATE KEY----- and \
             -----BEGIN EC PRIVATE KEY-----\n{PEM_BODY}\n-----END EC PRIVATE KEY-----"
        );
        assert_eq!(redact(&text), "*** and ***");
    }

    #[test]
    fn pem_with_escaped_newlines_and_crlf() {
        let escaped = "\"-----BEGIN PRIVATE KEY-----\\nMIIE\\n-----END PRIVATE KEY-----\\n\"";
        assert_eq!(redact(escaped), "\"***\\n\"");
        let crlf = "-----BEGIN RSA PRIVATE KEY-----\r\nMIIE\r\n-----END RSA PRIVATE KEY-----\r\n";
        assert_eq!(redact(crlf), "***\r\n");
    }

    #[test]
    fn truncated_pem_block_is_redacted_to_the_end() {
        let text = format!("error: -----BEGIN RSA PRIVATE KEY-----\n{PEM_BODY}");
        assert_eq!(redact(&text), "error: ***");
    }

    #[test]
    fn public_keys_and_certificates_are_not_secrets() {
        let text = "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----\n\
                    -----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----";
        assert_eq!(redact(text), text);
    }

    #[test]
    fn github_tokens() {
        let tail = "A1b2C3d4E5f6G7h8I9j0_kLm";
        for prefix in ["ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"] {
            let text = format!("push failed with {prefix}{tail}: denied");
            assert_eq!(redact(&text), "push failed with ***: denied", "{prefix}");
        }
        // Too short, another letter, or glued to a word: not a token.
        for text in [
            "ghp_short",
            "ghx_A1b2C3d4E5f6G7h8I9j0_kLm",
            "xghp_A1b2C3d4E5f6G7h8I9j0_kLm",
        ] {
            assert_eq!(redact(text), text);
        }
    }

    #[test]
    fn jwt_shaped_tokens() {
        let jwt = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiIxMjM0NSJ9.c2lnbmF0dXJl-_x";
        assert_eq!(redact(&format!("jwt {jwt} rejected")), "jwt *** rejected");
        // Only a header without the rest is not a JWT.
        assert_eq!(redact("eyJhbGciOiJSUzI1NiJ9"), "eyJhbGciOiJSUzI1NiJ9");
    }

    #[test]
    fn url_user_info() {
        let cases = [
            (
                "fatal: https://x-access-token:s3cr3tvalue@github.com/org/repo.git",
                "fatal: https://***github.com/org/repo.git",
            ),
            ("HTTP://user:pw@example.org/", "HTTP://***example.org/"),
            ("http://token@example.org", "http://***example.org"),
            (
                "postgres://hub:hunter2@db:5432/hub",
                "postgres://***db:5432/hub",
            ),
            (
                "git+https://u:p@host/x and https://a:b@c/",
                "git+https://***host/x and https://***c/",
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(redact(input), expected, "{input}");
        }
    }

    #[test]
    fn query_tokens() {
        let cases = [
            ("GET /a?token=abc123&x=1", "GET /a?token=***&x=1"),
            ("TOKEN=abc123 next", "TOKEN=*** next"),
            ("?access_token=abc#frag", "?access_token=***#frag"),
            ("\"url\":\"/x?Token=zz\"", "\"url\":\"/x?Token=***\""),
        ];
        for (input, expected) in cases {
            assert_eq!(redact(input), expected, "{input}");
        }
    }

    #[test]
    fn authorization_headers() {
        let cases = [
            ("Authorization: Bearer abc.def", "Authorization: Bearer ***"),
            ("authorization:bearer   abc", "authorization:bearer   ***"),
            (
                "AUTHORIZATION :  BEARER\tabc rest",
                "AUTHORIZATION :  BEARER\t*** rest",
            ),
            ("Authorization: token abc", "Authorization: token ***"),
            (
                "Authorization: Basic dXNlcjpwdw==",
                "Authorization: Basic ***",
            ),
            (
                "{\"authorization\": \"Bearer abc\"}",
                "{\"authorization\": \"Bearer ***\"}",
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(redact(input), expected, "{input}");
        }
    }

    #[test]
    fn json_private_key_fields_in_text() {
        let cases = [
            (
                r#"{"type":"service_account","private_key":"abc\"def","id":1}"#,
                r#"{"type":"service_account","private_key":"***","id":1}"#,
            ),
            (r#"{"PrivateKey" : "xyz"}"#, r#"{"PrivateKey" : "***"}"#),
            (r#"{"private_key_id":"xyz"}"#, r#"{"private_key_id":"xyz"}"#),
        ];
        for (input, expected) in cases {
            assert_eq!(redact(input), expected, "{input}");
        }
    }

    #[test]
    fn configured_secrets_are_replaced_literally() {
        let redactor = Redactor::new([
            "short".to_owned(),
            "s3cr3t-value".to_owned(),
            "s3cr3t-value-longer".to_owned(),
            "s3cr3t-value".to_owned(),
        ]);
        assert_eq!(
            redactor.redact_str("a s3cr3t-value-longer b s3cr3t-value c short"),
            "a *** b *** c short"
        );
        // Replaced before any pattern can split it.
        let redactor = Redactor::new(["pw:with@chars".to_owned()]);
        assert_eq!(redactor.redact_str("x pw:with@chars y"), "x *** y");
    }

    #[test]
    fn no_false_positives_on_ordinary_text() {
        for text in [
            "The token expired; request a new token.",
            "token",
            "Use a bearer token in the Authorization header.",
            "https://example.org/advisories/ECL-cf23-gh45-jm67/?page=2#c-4",
            "mailto:security@example.org",
            "Contact alice@example.org or @bob.",
            "the private key is stored elsewhere",
            "ghp_",
            "eyJ",
            "-----BEGIN PGP SIGNATURE-----",
            "",
        ] {
            assert!(
                matches!(Redactor::default().redact_str(text), Cow::Borrowed(_)),
                "{text:?}"
            );
        }
    }

    #[test]
    fn redaction_is_idempotent() {
        let text = format!(
            "https://u:p@h token=abc Authorization: Bearer x ghp_A1b2C3d4E5f6G7h8I9j0_kLm \
             -----BEGIN RSA PRIVATE KEY-----\n{PEM_BODY}\n-----END RSA PRIVATE KEY-----"
        );
        let once = redact(&text);
        assert_eq!(redact(&once), once);
    }

    #[test]
    fn json_is_redacted_recursively_inv_audit_2() {
        let redactor = Redactor::new(["configured-secret".to_owned()]);
        let value = json!({
            "error": "clone https://x:ghs_A1b2C3d4E5f6G7h8I9j0_kLm@github.com/o/r failed",
            "count": 3,
            "ok": false,
            "none": null,
            "nested": {
                "list": ["fine", "token=abc", {"deep": "configured-secret"}],
                "private_key": "-----BEGIN RSA PRIVATE KEY-----\nabc\n-----END RSA PRIVATE KEY-----",
                "PrivateKey": "raw",
                "private_key_id": "kept",
                "Authorization": "Bearer abc",
                "https://u:p@host/": "key redacted too",
            },
            "private_key": 7,
        });
        let expected = json!({
            "error": "clone https://***github.com/o/r failed",
            "count": 3,
            "ok": false,
            "none": null,
            "nested": {
                "list": ["fine", "token=***", {"deep": "***"}],
                "private_key": "***",
                "PrivateKey": "***",
                "private_key_id": "kept",
                "Authorization": "***",
                "https://***host/": "key redacted too",
            },
            "private_key": 7,
        });
        assert_eq!(redactor.redact_json(value), expected);
    }

    #[test]
    fn truncation_counts_characters() {
        let short = "é".repeat(ERROR_MAX_CHARS);
        assert_eq!(truncate_error(&short), short);
        let long = format!("{short}überlong");
        assert_eq!(truncate_error(&long), short);
        assert_eq!(truncate_error(""), "");
    }

    #[test]
    fn redact_error_redacts_then_truncates() {
        let secret = "ghp_A1b2C3d4E5f6G7h8I9j0_kLm";
        let text = format!("{} {secret}", "x".repeat(ERROR_MAX_CHARS - 6));
        let stored = Redactor::default().redact_error(&text);
        assert_eq!(stored.chars().count(), ERROR_MAX_CHARS - 2);
        assert!(stored.ends_with(MASK));
        assert!(!stored.contains("ghp_"));
    }

    #[test]
    fn debug_never_shows_secrets() {
        let redactor = Redactor::new(["very-secret-value".to_owned()]);
        let debug = format!("{redactor:?}");
        assert!(!debug.contains("very-secret"), "{debug}");
        assert_eq!(debug, "Redactor { secrets: 1 }");
    }

    #[test]
    fn every_pattern_compiles() {
        for re in [
            &PEM_PRIVATE_KEY,
            &GITHUB_TOKEN,
            &JWT,
            &URL_USERINFO,
            &QUERY_TOKEN,
            &AUTHORIZATION,
            &JSON_PRIVATE_KEY,
        ] {
            assert!(!re.as_str().is_empty());
        }
    }
}
