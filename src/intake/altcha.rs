//! The self-hosted proof-of-work captcha of the intake form (50-web-ui
//! §15.4), in the ALTCHA v1 format the vendored widget solves: the server
//! picks a secret number, publishes `challenge = hex(SHA-256(salt || number))`
//! with `signature = hex(HMAC-SHA-256(key, challenge))`, and the browser
//! searches for the number. The salt carries its expiry (`?expires=<unix
//! seconds>`), so no challenge is stored; a solved challenge is remembered
//! until it expires, so each is accepted once.

use std::fmt::Write as _;

use base64::Engine;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::PgExecutor;
use subtle::ConstantTimeEq;

use crate::advisories::id::Entropy;

/// The only algorithm we issue and accept.
pub const ALGORITHM: &str = "SHA-256";
/// The secret number is drawn from `0..=MAX_NUMBER`.
pub const MAX_NUMBER: u64 = 1_000_000;
/// How long a challenge may be solved and submitted (20 minutes).
pub const LIFETIME_SECONDS: i64 = 20 * 60;
/// The longest `altcha` field we decode; a real one is about 300 bytes.
const MAX_PAYLOAD_BYTES: usize = 2048;

/// A challenge as the widget reads it (its `challenge` attribute, JSON).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Challenge {
    pub algorithm: String,
    pub challenge: String,
    pub maxnumber: u64,
    pub salt: String,
    pub signature: String,
}

/// The solution the widget submits, base64 of this JSON.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Solution {
    pub algorithm: String,
    pub challenge: String,
    pub number: u64,
    pub salt: String,
    pub signature: String,
}

/// Why a solution is refused; every reason reads the same to the reporter.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Refused {
    #[error("no solution")]
    Missing,
    #[error("the solution is not base64 of the expected JSON")]
    Malformed,
    #[error("unsupported algorithm")]
    Algorithm,
    #[error("the number does not solve the challenge")]
    WrongNumber,
    #[error("the signature was not made with our key")]
    BadSignature,
    #[error("the challenge has expired")]
    Expired,
    #[error("the challenge was already used")]
    Replayed,
}

fn sha256_hex(data: &[u8]) -> String {
    format!("{:x}", Sha256::digest(data))
}

fn hmac_hex(key: &str, message: &str) -> String {
    // HMAC accepts keys of any length.
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(message.as_bytes());
    format!("{:x}", mac.finalize().into_bytes())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// A fresh challenge signed with `key`, valid until `now + LIFETIME_SECONDS`.
pub fn issue(
    key: &str,
    now_unix: i64,
    entropy: &mut impl Entropy,
) -> Result<Challenge, getrandom::Error> {
    let mut random = [0u8; 20];
    entropy.fill(&mut random)?;
    let (salt_bytes, number_bytes) = random.split_at(16);
    let number = u64::from(u32::from_be_bytes([
        number_bytes[0],
        number_bytes[1],
        number_bytes[2],
        number_bytes[3],
    ])) % (MAX_NUMBER + 1);
    let salt = format!(
        "{}?expires={}",
        hex(salt_bytes),
        now_unix + LIFETIME_SECONDS
    );
    let challenge = sha256_hex(format!("{salt}{number}").as_bytes());
    let signature = hmac_hex(key, &challenge);
    Ok(Challenge {
        algorithm: ALGORITHM.to_owned(),
        challenge,
        maxnumber: MAX_NUMBER,
        salt,
        signature,
    })
}

/// The `expires` parameter of a salt (`<random>?expires=<unix seconds>`).
fn expiry(salt: &str) -> Option<i64> {
    let (_, params) = salt.split_once('?')?;
    params
        .split('&')
        .find_map(|p| p.strip_prefix("expires="))
        .and_then(|v| v.parse().ok())
}

/// Checks a submitted `altcha` field against `key` at `now_unix`: the
/// algorithm, the number, our signature (constant-time compares) and the
/// expiry. Returns the solution, whose signature [`consume`] then spends.
pub fn verify(key: &str, field: &str, now_unix: i64) -> Result<Solution, Refused> {
    let field = field.trim();
    if field.is_empty() {
        return Err(Refused::Missing);
    }
    if field.len() > MAX_PAYLOAD_BYTES {
        return Err(Refused::Malformed);
    }
    let json = base64::engine::general_purpose::STANDARD
        .decode(field)
        .map_err(|_| Refused::Malformed)?;
    let solution: Solution = serde_json::from_slice(&json).map_err(|_| Refused::Malformed)?;
    if solution.algorithm != ALGORITHM {
        return Err(Refused::Algorithm);
    }
    if solution.number > MAX_NUMBER {
        return Err(Refused::WrongNumber);
    }
    let expected = sha256_hex(format!("{}{}", solution.salt, solution.number).as_bytes());
    if !bool::from(expected.as_bytes().ct_eq(solution.challenge.as_bytes())) {
        return Err(Refused::WrongNumber);
    }
    let signature = hmac_hex(key, &solution.challenge);
    if !bool::from(signature.as_bytes().ct_eq(solution.signature.as_bytes())) {
        return Err(Refused::BadSignature);
    }
    match expiry(&solution.salt) {
        Some(expires) if expires > now_unix => Ok(solution),
        _ => Err(Refused::Expired),
    }
}

/// Spends a verified solution: remembered in the UNLOGGED cache table until
/// its challenge expires (the ephemeral sweep removes it after), so a second
/// use is refused. One statement, so two replicas cannot both accept it; a
/// leftover expired row is taken over.
pub async fn consume(db: impl PgExecutor<'_>, solution: &Solution) -> Result<(), ConsumeError> {
    let expires = expiry(&solution.salt).ok_or(ConsumeError::Refused(Refused::Expired))?;
    let key = format!("altcha:used:{}", solution.signature);
    let fresh = sqlx::query_scalar!(
        r#"INSERT INTO cache_entries AS c (key, value, expires_at)
           VALUES ($1, 'true', to_timestamp($2::bigint))
           ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, expires_at = EXCLUDED.expires_at
               WHERE c.expires_at <= now()
           RETURNING true AS "fresh!""#,
        key,
        expires
    )
    .fetch_optional(db)
    .await?;
    match fresh {
        Some(_) => Ok(()),
        None => Err(ConsumeError::Refused(Refused::Replayed)),
    }
}

/// [`verify`] then [`consume`]: the one call the form needs.
pub async fn redeem(
    conn: &mut sqlx::PgConnection,
    key: &str,
    field: &str,
    now_unix: i64,
) -> Result<(), ConsumeError> {
    let solution = verify(key, field, now_unix).map_err(ConsumeError::Refused)?;
    consume(conn, &solution).await
}

#[derive(Debug, thiserror::Error)]
pub enum ConsumeError {
    #[error(transparent)]
    Refused(Refused),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Solves `challenge` the way the widget does (tests, and the harness that
/// stands in for a browser with JavaScript).
pub fn solve(challenge: &Challenge) -> Option<Solution> {
    (0..=challenge.maxnumber)
        .find(|n| sha256_hex(format!("{}{n}", challenge.salt).as_bytes()) == challenge.challenge)
        .map(|number| Solution {
            algorithm: challenge.algorithm.clone(),
            challenge: challenge.challenge.clone(),
            number,
            salt: challenge.salt.clone(),
            signature: challenge.signature.clone(),
        })
}

impl Solution {
    /// The `altcha` form field carrying this solution.
    pub fn to_field(&self) -> String {
        base64::engine::general_purpose::STANDARD
            .encode(serde_json::to_vec(self).unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::advisories::id::OsEntropy;

    const KEY: &str = "altcha-test-key";
    const NOW: i64 = 1_800_000_000;

    /// Fixed bytes, so the secret number is small and tests solve fast.
    struct Fixed;
    impl Entropy for Fixed {
        fn fill(&mut self, buf: &mut [u8]) -> Result<(), getrandom::Error> {
            buf.fill(0);
            buf[buf.len() - 1] = 42;
            Ok(())
        }
    }

    #[test]
    fn hmac_matches_rfc_4231_case_2() {
        // Key "Jefe", data "what do ya want for nothing?".
        assert_eq!(
            hmac_hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn an_issued_challenge_is_solvable_and_verifies() {
        let c = issue(KEY, NOW, &mut Fixed).unwrap();
        assert_eq!(c.algorithm, "SHA-256");
        assert!(
            c.salt
                .ends_with(&format!("?expires={}", NOW + LIFETIME_SECONDS))
        );
        let s = solve(&c).unwrap();
        assert_eq!(s.number, 42);
        assert_eq!(verify(KEY, &s.to_field(), NOW + 60).unwrap().number, 42);
    }

    #[test]
    fn random_challenges_differ() {
        let a = issue(KEY, NOW, &mut OsEntropy).unwrap();
        let b = issue(KEY, NOW, &mut OsEntropy).unwrap();
        assert_ne!(a.salt, b.salt);
        assert!(a.maxnumber == MAX_NUMBER);
    }

    #[test]
    fn refusals() {
        let c = issue(KEY, NOW, &mut Fixed).unwrap();
        let good = solve(&c).unwrap();
        assert_eq!(verify(KEY, "", NOW), Err(Refused::Missing));
        assert_eq!(verify(KEY, "%%%", NOW), Err(Refused::Malformed));
        assert_eq!(verify(KEY, "e30=", NOW), Err(Refused::Malformed));
        // Expired: at or after the salt's expiry.
        assert_eq!(
            verify(KEY, &good.to_field(), NOW + LIFETIME_SECONDS),
            Err(Refused::Expired)
        );
        // Signed with another key.
        assert_eq!(
            verify("another key", &good.to_field(), NOW),
            Err(Refused::BadSignature)
        );
        // A wrong number.
        let mut wrong = good.clone();
        wrong.number = 43;
        assert_eq!(
            verify(KEY, &wrong.to_field(), NOW),
            Err(Refused::WrongNumber)
        );
        // A forged challenge of our own choosing fails the signature.
        let mut forged = good.clone();
        forged.salt = format!("00?expires={}", NOW + 999_999);
        forged.challenge = sha256_hex(format!("{}{}", forged.salt, forged.number).as_bytes());
        assert_eq!(
            verify(KEY, &forged.to_field(), NOW),
            Err(Refused::BadSignature)
        );
        // A salt without an expiry, even correctly signed, never verifies.
        let mut no_expiry = good.clone();
        no_expiry.salt = "abc".into();
        no_expiry.challenge = sha256_hex(format!("abc{}", no_expiry.number).as_bytes());
        no_expiry.signature = hmac_hex(KEY, &no_expiry.challenge);
        assert_eq!(
            verify(KEY, &no_expiry.to_field(), NOW),
            Err(Refused::Expired)
        );
        let mut algorithm = good;
        algorithm.algorithm = "SHA-1".into();
        assert_eq!(
            verify(KEY, &algorithm.to_field(), NOW),
            Err(Refused::Algorithm)
        );
    }
}
