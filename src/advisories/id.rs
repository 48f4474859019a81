//! The public advisory id `ECL-xxxx-xxxx-xxxx` (INV-ID-1, INV-IMPL-4): twelve
//! characters drawn uniformly from a 20-letter alphabet without look-alike
//! glyphs, with a CSPRNG. Collisions are retried a bounded number of times by
//! the creation service.

/// The alphabet: no `0/o`, `1/i/l`, `a/e`, `b/d`, ….
pub const ALPHABET: &[u8; 20] = b"23456789cfghjmpqrvwx";

/// How many candidates creation tries before giving up.
pub const MAX_ATTEMPTS: usize = 8;

/// Whether `s` is a well-formed public id (`^ECL(-[alphabet]{4}){3}$`).
pub fn is_valid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 18
        && b.starts_with(b"ECL")
        && [3, 8, 13].iter().all(|&i| b[i] == b'-')
        && b.iter()
            .enumerate()
            .filter(|(i, _)| *i > 3 && ![8, 13].contains(i))
            .all(|(_, c)| ALPHABET.contains(c))
}

/// A source of random bytes; tests rig it to force collisions.
pub trait Entropy {
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), getrandom::Error>;
}

/// The operating system's CSPRNG.
#[derive(Debug, Default, Clone, Copy)]
pub struct OsEntropy;

impl Entropy for OsEntropy {
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), getrandom::Error> {
        getrandom::fill(buf)
    }
}

/// One candidate id. Bytes of 240 and above are rejected so every letter is
/// equally likely (240 = 12 × 20).
pub fn generate(entropy: &mut impl Entropy) -> Result<String, getrandom::Error> {
    let mut chars = Vec::with_capacity(12);
    let mut buf = [0u8; 32];
    while chars.len() < 12 {
        entropy.fill(&mut buf)?;
        chars.extend(
            buf.iter()
                .filter(|&&b| b < 240)
                .map(|&b| ALPHABET[usize::from(b % 20)])
                .take(12 - chars.len()),
        );
    }
    let s = String::from_utf8_lossy(&chars).into_owned();
    Ok(format!("ECL-{}-{}-{}", &s[0..4], &s[4..8], &s[8..12]))
}

#[cfg(test)]
mod tests {
    use super::*;

    // INV-ID-1
    #[test]
    fn generated_ids_are_well_formed_and_differ() {
        let a = generate(&mut OsEntropy).unwrap();
        let b = generate(&mut OsEntropy).unwrap();
        assert!(is_valid(&a), "{a}");
        assert_ne!(a, b);
    }

    #[test]
    fn the_format_is_checked_exactly() {
        assert!(is_valid("ECL-cf23-gh45-jm67"));
        for bad in [
            "ECL-cf23-gh45-jm6",
            "ECL-CF23-gh45-jm67",
            "ecl-cf23-gh45-jm67",
            "ECL-cf23-gh45-jm60",
            "ECL-cf23_gh45-jm67",
            "ECL-cf23-gh45-jm67-",
            "ECL-ab23-gh45-jm67",
        ] {
            assert!(!is_valid(bad), "{bad}");
        }
    }

    struct Fixed(u8);
    impl Entropy for Fixed {
        fn fill(&mut self, buf: &mut [u8]) -> Result<(), getrandom::Error> {
            buf.fill(self.0);
            Ok(())
        }
    }

    #[test]
    fn a_rigged_source_gives_the_same_id_every_time() {
        assert_eq!(generate(&mut Fixed(0)).unwrap(), "ECL-2222-2222-2222");
        assert_eq!(generate(&mut Fixed(19)).unwrap(), "ECL-xxxx-xxxx-xxxx");
    }
}
