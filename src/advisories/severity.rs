//! Severity: scoring CVSS vectors and the denormalised `severity_level` /
//! `severity_score` columns (10-domain-model §5).
//!
//! Owns the qualitative [`Level`], the reading of one `severity` entry
//! ([`rate`]) and the "worst entry wins" aggregation ([`worst`]). Invariants
//! kept:
//! * the level of a CVSS entry is the bucket of its *base* score (≥ 9.0
//!   critical, ≥ 7.0 high, ≥ 4.0 medium, > 0.0 low, else none) for every CVSS
//!   version, v2 included (not NVD's three-level v2 scale);
//! * a vector counts only when it parses as the version its entry declares
//!   (a `CVSS:4.0/…` vector under `CVSS_V3` derives `none`);
//! * an advisory whose worst level is `none` has no score (never `0.0`);
//! * the derived pair is computed from the payload alone and is never part of
//!   the version snapshot (INV-VERSION-1).

use std::fmt;
use std::str::FromStr;
use std::sync::LazyLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

use super::content::{SeverityEntry, SeverityType, UbuntuPriority};

/// The stored severity level of an advisory. The derived order is the list
/// sort order: `None < Low < Medium < High < Critical`.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    #[default]
    None,
    Low,
    Medium,
    High,
    Critical,
}

impl Level {
    /// Every level, lowest first.
    pub const ALL: [Level; 5] = [
        Level::None,
        Level::Low,
        Level::Medium,
        Level::High,
        Level::Critical,
    ];

    /// The stored spelling (`critical`, `high`, `medium`, `low`, `none`).
    pub fn as_str(self) -> &'static str {
        match self {
            Level::None => "none",
            Level::Low => "low",
            Level::Medium => "medium",
            Level::High => "high",
            Level::Critical => "critical",
        }
    }

    /// The bucket of a CVSS base score: `≥ 9.0` critical, `≥ 7.0` high,
    /// `≥ 4.0` medium, `> 0.0` low, otherwise none.
    pub fn from_base_score(score: f64) -> Level {
        if score >= 9.0 {
            Level::Critical
        } else if score >= 7.0 {
            Level::High
        } else if score >= 4.0 {
            Level::Medium
        } else if score > 0.0 {
            Level::Low
        } else {
            Level::None
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A string that is not one of the five stored levels.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown severity level {0:?}; expected critical, high, medium, low or none")]
pub struct UnknownLevel(pub String);

impl FromStr for Level {
    type Err = UnknownLevel;

    /// Exactly the stored spelling: the list filter accepts the five stored
    /// levels and nothing else.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Level::ALL
            .into_iter()
            .find(|l| l.as_str() == s)
            .ok_or_else(|| UnknownLevel(s.to_owned()))
    }
}

/// The CVSS version a vector is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CvssVersion {
    V2,
    V3_0,
    V3_1,
    V4_0,
}

impl CvssVersion {
    /// The display label: `CVSS 2.0`, `CVSS 3.0`, `CVSS 3.1`, `CVSS 4.0`.
    pub fn label(self) -> &'static str {
        match self {
            CvssVersion::V2 => "CVSS 2.0",
            CvssVersion::V3_0 => "CVSS 3.0",
            CvssVersion::V3_1 => "CVSS 3.1",
            CvssVersion::V4_0 => "CVSS 4.0",
        }
    }

    /// The payload `type` a vector of this version belongs under.
    pub fn severity_type(self) -> SeverityType {
        match self {
            CvssVersion::V2 => SeverityType::CvssV2,
            CvssVersion::V3_0 | CvssVersion::V3_1 => SeverityType::CvssV3,
            CvssVersion::V4_0 => SeverityType::CvssV4,
        }
    }
}

impl fmt::Display for CvssVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// A parsed CVSS vector's base score and its bucket.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CvssScore {
    pub version: CvssVersion,
    /// The base score (0.0–10.0, one decimal). For CVSS 4.0 this is CVSS-B:
    /// threat and environmental metrics in the vector do not change it, as
    /// they do not for v2 and v3.
    pub base_score: f64,
    pub level: Level,
}

/// Why a vector does not score.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CvssError {
    #[error("{0} is not a CVSS type")]
    NotCvss(SeverityType),
    #[error("this is a {found} vector but the type says {declared}; change the type to {}", .found.severity_type())]
    TypeMismatch {
        declared: SeverityType,
        found: CvssVersion,
    },
    #[error(
        "unsupported CVSS version {0:?}; expected 3.0, 3.1 or 4.0 after \"CVSS:\", or a v2 vector without prefix"
    )]
    UnsupportedVersion(String),
    #[error("not a valid {declared} vector: {reason}")]
    Invalid {
        declared: SeverityType,
        reason: String,
    },
}

/// The OSV schema's `score` patterns for the three CVSS types. The `cvss`
/// crate reads vectors case-insensitively and in any order; the export is
/// validated against these patterns (INV-PUB-6), so a vector is accepted only
/// when it satisfies both.
struct SchemaPatterns {
    v2: Regex,
    v3: Regex,
    v4: Regex,
}

const OSV_SCHEMA: &str = include_str!("../../vendor/schemas/osv.json");

static SCHEMA_PATTERNS: LazyLock<Option<SchemaPatterns>> = LazyLock::new(|| {
    let schema: serde_json::Value = serde_json::from_str(OSV_SCHEMA).ok()?;
    let rules = schema.pointer("/$defs/severity/items/allOf")?.as_array()?;
    let pattern = |kind: &str| -> Option<Regex> {
        let rule = rules.iter().find(|r| {
            r.pointer("/if/properties/type/const")
                .and_then(|c| c.as_str())
                == Some(kind)
        })?;
        Regex::new(rule.pointer("/then/properties/score/pattern")?.as_str()?).ok()
    };
    Some(SchemaPatterns {
        v2: pattern("CVSS_V2")?,
        v3: pattern("CVSS_V3")?,
        v4: pattern("CVSS_V4")?,
    })
});

/// The version a vector announces: `CVSS:3.0/`, `CVSS:3.1/`, `CVSS:4.0/`, or
/// none at all for v2.
fn announced_version(vector: &str) -> Result<CvssVersion, CvssError> {
    let Some(rest) = vector.strip_prefix("CVSS:") else {
        return Ok(CvssVersion::V2);
    };
    let version = rest.split('/').next().unwrap_or_default();
    match version {
        "3.0" => Ok(CvssVersion::V3_0),
        "3.1" => Ok(CvssVersion::V3_1),
        "4.0" => Ok(CvssVersion::V4_0),
        other => Err(CvssError::UnsupportedVersion(other.to_owned())),
    }
}

const V3_BASE_METRICS: [&str; 8] = ["AV", "AC", "PR", "UI", "S", "C", "I", "A"];

/// The crate scores a v3 vector with base metrics missing as if they were
/// absent (a `CVSS:3.1/AV:N` vector scores 0.0), and the schema's v3 pattern
/// allows any subset; a base score needs all eight.
fn v3_require_base_metrics(vector: &str) -> Result<(), String> {
    let missing: Vec<&str> = V3_BASE_METRICS
        .into_iter()
        .filter(|metric| {
            !vector.split('/').skip(1).any(|c| {
                c.split(':')
                    .next()
                    .is_some_and(|k| k.eq_ignore_ascii_case(metric))
            })
        })
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "missing mandatory base metric{} {}",
            if missing.len() == 1 { "" } else { "s" },
            missing.join(", ")
        ))
    }
}

const V4_BASE_METRICS: [&str; 11] = [
    "AV", "AC", "AT", "PR", "UI", "VC", "VI", "VA", "SC", "SI", "SA",
];

/// CVSS-B: the score of the vector's base metrics alone.
fn v4_base_score(vector: &str) -> Result<f64, cvss::Error> {
    let mut base = String::from("CVSS:4.0");
    for metric in V4_BASE_METRICS {
        if let Some(component) = vector.split('/').find(|c| {
            c.split(':')
                .next()
                .is_some_and(|k| k.eq_ignore_ascii_case(metric))
        }) {
            base.push('/');
            base.push_str(component);
        }
    }
    Ok(cvss::v4::Vector::from_str(&base)?.score().value())
}

/// Parses `vector` as the CVSS version `declared` names and computes its
/// base score. Surrounding whitespace is ignored.
pub fn parse_cvss(declared: SeverityType, vector: &str) -> Result<CvssScore, CvssError> {
    let vector = vector.trim();
    if declared == SeverityType::Ubuntu {
        return Err(CvssError::NotCvss(declared));
    }
    let found = announced_version(vector)?;
    if found.severity_type() != declared {
        return Err(CvssError::TypeMismatch { declared, found });
    }
    let invalid = |reason: String| CvssError::Invalid { declared, reason };
    let base_score = match cvss::Cvss::from_str(vector).map_err(|e| invalid(e.to_string()))? {
        cvss::Cvss::CvssV20(v) => v.score().value(),
        cvss::Cvss::CvssV30(v) | cvss::Cvss::CvssV31(v) => {
            v3_require_base_metrics(vector).map_err(invalid)?;
            v.base_score().value()
        }
        cvss::Cvss::CvssV40(_) => v4_base_score(vector).map_err(|e| invalid(e.to_string()))?,
        _ => return Err(invalid("unsupported CVSS version".to_owned())),
    };
    if let Some(patterns) = SCHEMA_PATTERNS.as_ref() {
        let pattern = match declared {
            SeverityType::CvssV2 => &patterns.v2,
            SeverityType::CvssV3 => &patterns.v3,
            _ => &patterns.v4,
        };
        if !pattern.is_match(vector) {
            return Err(invalid(
                "it is not in the canonical form the OSV schema requires (upper-case metric \
                 names and values, each metric once, in the standard order); copy it as a \
                 CVSS calculator prints it"
                    .to_owned(),
            ));
        }
    }
    Ok(CvssScore {
        version: found,
        base_score,
        level: Level::from_base_score(base_score),
    })
}

/// The reading of one `severity` entry (§5, per-entry table).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rating {
    /// The entry's level; an Ubuntu `negligible` reads as [`Level::Low`].
    pub level: Level,
    /// The entry is Ubuntu `negligible`, which ranks between none and low when
    /// the worst entry is picked.
    pub negligible: bool,
    /// The CVSS base score; `None` for Ubuntu entries and unscored vectors.
    pub score: Option<f64>,
    /// The CVSS version, when the entry is a vector that scored.
    pub cvss: Option<CvssVersion>,
}

impl Rating {
    const UNRATED: Rating = Rating {
        level: Level::None,
        negligible: false,
        score: None,
        cvss: None,
    };

    /// The selection rank: none 0 < negligible 1 < low 2 < medium 3 <
    /// high 4 < critical 5.
    fn rank(&self) -> u8 {
        match self.level {
            Level::None => 0,
            Level::Low if self.negligible => 1,
            Level::Low => 2,
            Level::Medium => 3,
            Level::High => 4,
            Level::Critical => 5,
        }
    }
}

/// Reads one entry. `None` means the entry is ignored (blank score); an
/// unknown type, an unknown Ubuntu word or an unparseable vector rates
/// [`Level::None`] without a score.
pub fn rate(entry: &SeverityEntry) -> Option<Rating> {
    let score = entry.score.trim();
    if score.is_empty() {
        return None;
    }
    let Ok(kind) = SeverityType::from_str(entry.kind.trim()) else {
        return Some(Rating::UNRATED);
    };
    if kind == SeverityType::Ubuntu {
        let Ok(priority) = UbuntuPriority::from_str(&score.to_lowercase()) else {
            return Some(Rating::UNRATED);
        };
        let level = match priority {
            UbuntuPriority::Negligible | UbuntuPriority::Low => Level::Low,
            UbuntuPriority::Medium => Level::Medium,
            UbuntuPriority::High => Level::High,
            UbuntuPriority::Critical => Level::Critical,
        };
        return Some(Rating {
            level,
            negligible: priority == UbuntuPriority::Negligible,
            score: None,
            cvss: None,
        });
    }
    Some(match parse_cvss(kind, score) {
        Ok(s) => Rating {
            level: s.level,
            negligible: false,
            score: Some(s.base_score),
            cvss: Some(s.version),
        },
        Err(_) => Rating::UNRATED,
    })
}

/// The denormalised `(severity_level, severity_score)` of an advisory: the
/// entry with the highest `(rank, score or −1)` wins, so the rank decides and
/// the score only breaks ties between equal ranks; `negligible` folds into
/// `low`; a `none` result, an empty list and an all-ignored list give
/// `(none, None)`.
pub fn worst(entries: &[SeverityEntry]) -> (Level, Option<f64>) {
    let key = |r: &Rating| (r.rank(), r.score.unwrap_or(-1.0));
    let chosen = entries.iter().filter_map(rate).max_by(|a, b| {
        let (ra, sa) = key(a);
        let (rb, sb) = key(b);
        ra.cmp(&rb).then_with(|| sa.total_cmp(&sb))
    });
    match chosen {
        Some(r) if r.level != Level::None => (r.level, r.score),
        _ => (Level::None, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(kind: &str, score: &str) -> SeverityEntry {
        SeverityEntry {
            kind: kind.to_owned(),
            score: score.to_owned(),
        }
    }

    const V2_HIGH: &str = "AV:N/AC:L/Au:N/C:P/I:P/A:P"; // 7.5
    const V2_CRITICAL: &str = "AV:N/AC:L/Au:N/C:C/I:C/A:C"; // 10.0
    const V2_ZERO: &str = "AV:N/AC:L/Au:N/C:N/I:N/A:N"; // 0.0
    const V30_CRITICAL: &str = "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"; // 9.8
    const V31_HIGH: &str = "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:N"; // 8.1
    const V31_MEDIUM: &str = "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N"; // 6.1
    const V31_LOW: &str = "CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N"; // 1.8
    const V31_ZERO: &str = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N"; // 0.0
    const V40_CRITICAL: &str = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"; // 9.3
    const V40_MEDIUM: &str = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:L/SC:N/SI:N/SA:N"; // 6.9
    const V40_LOW: &str = "CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:P/VC:L/VI:L/VA:N/SC:N/SI:N/SA:N"; // 2.3

    fn score(kind: SeverityType, vector: &str) -> (f64, Level) {
        let s = parse_cvss(kind, vector).unwrap();
        (s.base_score, s.level)
    }

    // Golden buckets per version (§5 implementation note).
    #[test]
    fn v2_vectors_use_the_same_buckets_as_v3() {
        assert_eq!(score(SeverityType::CvssV2, V2_HIGH), (7.5, Level::High));
        // NVD's v2 scale would call 10.0 "high"; §5 buckets it critical.
        assert_eq!(
            score(SeverityType::CvssV2, V2_CRITICAL),
            (10.0, Level::Critical)
        );
        // The crate's v2 scale would call 0.0 "low"; §5 says none.
        assert_eq!(score(SeverityType::CvssV2, V2_ZERO), (0.0, Level::None));
        assert_eq!(
            parse_cvss(SeverityType::CvssV2, V2_HIGH).unwrap().version,
            CvssVersion::V2
        );
    }

    #[test]
    fn v3_vectors_score_and_bucket() {
        assert_eq!(
            score(SeverityType::CvssV3, V30_CRITICAL),
            (9.8, Level::Critical)
        );
        assert_eq!(score(SeverityType::CvssV3, V31_HIGH), (8.1, Level::High));
        assert_eq!(
            score(SeverityType::CvssV3, V31_MEDIUM),
            (6.1, Level::Medium)
        );
        assert_eq!(score(SeverityType::CvssV3, V31_LOW), (1.8, Level::Low));
        assert_eq!(score(SeverityType::CvssV3, V31_ZERO), (0.0, Level::None));
    }

    #[test]
    fn v3_labels_follow_the_declared_minor_version() {
        let v30 = parse_cvss(SeverityType::CvssV3, V30_CRITICAL).unwrap();
        let v31 = parse_cvss(SeverityType::CvssV3, V31_HIGH).unwrap();
        assert_eq!(v30.version.label(), "CVSS 3.0");
        assert_eq!(v31.version.label(), "CVSS 3.1");
    }

    #[test]
    fn v4_vectors_score_and_bucket() {
        assert_eq!(
            score(SeverityType::CvssV4, V40_CRITICAL),
            (9.3, Level::Critical)
        );
        assert_eq!(
            score(SeverityType::CvssV4, V40_MEDIUM),
            (6.9, Level::Medium)
        );
        assert_eq!(score(SeverityType::CvssV4, V40_LOW), (2.3, Level::Low));
        assert_eq!(
            parse_cvss(SeverityType::CvssV4, V40_CRITICAL)
                .unwrap()
                .version
                .label(),
            "CVSS 4.0"
        );
    }

    #[test]
    fn v4_base_score_ignores_threat_metrics() {
        let with_threat = format!("{V40_CRITICAL}/E:U");
        assert!(
            cvss::v4::Vector::from_str(&with_threat)
                .unwrap()
                .score()
                .value()
                < 9.3
        );
        assert_eq!(
            score(SeverityType::CvssV4, &with_threat),
            (9.3, Level::Critical)
        );
    }

    #[test]
    fn a_vector_must_match_its_declared_type() {
        let err = parse_cvss(SeverityType::CvssV3, V40_CRITICAL).unwrap_err();
        assert_eq!(
            err,
            CvssError::TypeMismatch {
                declared: SeverityType::CvssV3,
                found: CvssVersion::V4_0
            }
        );
        assert_eq!(
            err.to_string(),
            "this is a CVSS 4.0 vector but the type says CVSS_V3; change the type to CVSS_V4"
        );
        assert!(matches!(
            parse_cvss(SeverityType::CvssV2, V31_HIGH),
            Err(CvssError::TypeMismatch { .. })
        ));
        assert!(matches!(
            parse_cvss(SeverityType::CvssV4, V2_HIGH),
            Err(CvssError::TypeMismatch { .. })
        ));
        assert!(matches!(
            parse_cvss(SeverityType::Ubuntu, "high"),
            Err(CvssError::NotCvss(SeverityType::Ubuntu))
        ));
    }

    #[test]
    fn unparseable_vectors_are_refused_with_a_reason() {
        for (kind, bad) in [
            (SeverityType::CvssV3, "CVSS:3.1/AV:N/AC:L"),
            (
                SeverityType::CvssV3,
                "CVSS:3.1/AV:Q/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            ),
            (SeverityType::CvssV2, "garbage"),
            (SeverityType::CvssV4, "CVSS:4.0/AV:N"),
        ] {
            let err = parse_cvss(kind, bad).unwrap_err();
            assert!(matches!(err, CvssError::Invalid { .. }), "{bad}: {err:?}");
        }
        assert_eq!(
            parse_cvss(SeverityType::CvssV3, "CVSS:3.1/AV:N/AC:L")
                .unwrap_err()
                .to_string(),
            "not a valid CVSS_V3 vector: missing mandatory base metrics PR, UI, S, C, I, A"
        );
        assert_eq!(
            parse_cvss(SeverityType::CvssV3, "CVSS:3.2/AV:N").unwrap_err(),
            CvssError::UnsupportedVersion("3.2".to_owned())
        );
    }

    // INV-PUB-6: what scores here also passes the export's schema patterns.
    #[test]
    fn non_canonical_spellings_the_crate_reads_are_refused() {
        assert!(SCHEMA_PATTERNS.is_some());
        let lower = V31_HIGH.replace("AV:N", "av:n");
        assert!(cvss::Cvss::from_str(&lower).is_ok());
        assert!(parse_cvss(SeverityType::CvssV3, &lower).is_err());
        let reordered = "CVSS:4.0/AC:L/AV:N/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N";
        assert!(cvss::Cvss::from_str(reordered).is_ok());
        assert!(parse_cvss(SeverityType::CvssV4, reordered).is_err());
    }

    #[test]
    fn surrounding_whitespace_is_ignored() {
        assert_eq!(
            score(SeverityType::CvssV3, &format!("  {V31_HIGH}\n")),
            (8.1, Level::High)
        );
    }

    #[test]
    fn level_spelling_order_and_serde() {
        for level in Level::ALL {
            assert_eq!(level.as_str().parse::<Level>().unwrap(), level);
            assert_eq!(level.to_string(), level.as_str());
            assert_eq!(
                serde_json::to_value(level).unwrap(),
                serde_json::json!(level.as_str())
            );
        }
        assert!(Level::None < Level::Low && Level::High < Level::Critical);
        assert!("High".parse::<Level>().is_err());
        assert!("negligible".parse::<Level>().is_err());
        assert_eq!(
            serde_json::from_str::<Level>("\"medium\"").unwrap(),
            Level::Medium
        );
    }

    #[test]
    fn bucket_edges() {
        assert_eq!(Level::from_base_score(10.0), Level::Critical);
        assert_eq!(Level::from_base_score(9.0), Level::Critical);
        assert_eq!(Level::from_base_score(8.9), Level::High);
        assert_eq!(Level::from_base_score(7.0), Level::High);
        assert_eq!(Level::from_base_score(6.9), Level::Medium);
        assert_eq!(Level::from_base_score(4.0), Level::Medium);
        assert_eq!(Level::from_base_score(3.9), Level::Low);
        assert_eq!(Level::from_base_score(0.1), Level::Low);
        assert_eq!(Level::from_base_score(0.0), Level::None);
    }

    #[test]
    fn per_entry_ratings() {
        assert_eq!(rate(&entry("CVSS_V3", "  ")), None);
        assert_eq!(rate(&entry("CVSS_V3", "")), None);
        let unknown = rate(&entry("CVSS_V5", V31_HIGH)).unwrap();
        assert_eq!((unknown.level, unknown.score), (Level::None, None));
        let broken = rate(&entry("CVSS_V3", "CVSS:3.1/nonsense")).unwrap();
        assert_eq!((broken.level, broken.score), (Level::None, None));
        let ubuntu = rate(&entry("Ubuntu", "High")).unwrap();
        assert_eq!((ubuntu.level, ubuntu.score), (Level::High, None));
        let negligible = rate(&entry("Ubuntu", "negligible")).unwrap();
        assert_eq!(
            (negligible.level, negligible.negligible),
            (Level::Low, true)
        );
        let odd = rate(&entry("Ubuntu", "urgent")).unwrap();
        assert_eq!(odd.level, Level::None);
        // The type is case-sensitive: `ubuntu` is an unknown type.
        assert_eq!(rate(&entry("ubuntu", "high")).unwrap().level, Level::None);
        let cvss = rate(&entry("CVSS_V3", V31_HIGH)).unwrap();
        assert_eq!(
            (cvss.level, cvss.score, cvss.cvss),
            (Level::High, Some(8.1), Some(CvssVersion::V3_1))
        );
    }

    #[test]
    fn worst_of_nothing_is_none_without_score() {
        assert_eq!(worst(&[]), (Level::None, None));
        assert_eq!(worst(&[entry("CVSS_V3", " ")]), (Level::None, None));
        assert_eq!(worst(&[entry("CVSS_V3", "nonsense")]), (Level::None, None));
        // An unscored advisory never shows 0.0.
        assert_eq!(worst(&[entry("CVSS_V3", V31_ZERO)]), (Level::None, None));
    }

    #[test]
    fn worst_picks_the_highest_rank_then_the_highest_score() {
        assert_eq!(
            worst(&[
                entry("CVSS_V3", V31_MEDIUM),
                entry("CVSS_V3", V31_HIGH),
                entry("CVSS_V2", V2_HIGH),
            ]),
            (Level::High, Some(8.1))
        );
        assert_eq!(
            worst(&[entry("CVSS_V4", V40_MEDIUM), entry("CVSS_V3", V30_CRITICAL)]),
            (Level::Critical, Some(9.8))
        );
    }

    // §5: rank decides first, so an Ubuntu critical beats a CVSS 8.1 and the
    // stored score is then NULL.
    #[test]
    fn rank_beats_score() {
        assert_eq!(
            worst(&[entry("CVSS_V3", V31_HIGH), entry("Ubuntu", "critical")]),
            (Level::Critical, None)
        );
        // Equal rank: the numeric score breaks the tie, so CVSS 9.8 beats an
        // unscored Ubuntu critical.
        assert_eq!(
            worst(&[entry("Ubuntu", "critical"), entry("CVSS_V3", V30_CRITICAL)]),
            (Level::Critical, Some(9.8))
        );
    }

    #[test]
    fn negligible_ranks_below_low_and_folds_into_low() {
        assert_eq!(worst(&[entry("Ubuntu", "negligible")]), (Level::Low, None));
        assert_eq!(
            worst(&[entry("Ubuntu", "negligible"), entry("CVSS_V3", V31_LOW)]),
            (Level::Low, Some(1.8))
        );
        assert_eq!(
            worst(&[entry("CVSS_V3", V31_LOW), entry("Ubuntu", "negligible")]),
            (Level::Low, Some(1.8))
        );
        assert_eq!(
            worst(&[entry("Ubuntu", "negligible"), entry("CVSS_V3", "broken")]),
            (Level::Low, None)
        );
    }
}
