//! Timestamps: microseconds since the Unix epoch, rendered as RFC 3339 UTC strings.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A point in time, microseconds since 1970-01-01T00:00:00Z.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(pub i64);

const MICROS_PER_SEC: i64 = 1_000_000;
const SECS_PER_DAY: i64 = 86_400;

impl Timestamp {
    /// From whole seconds.
    pub fn from_secs(secs: i64) -> Self {
        Timestamp(secs.saturating_mul(MICROS_PER_SEC))
    }

    /// This time plus `secs` seconds, saturating.
    pub fn plus_secs(self, secs: i64) -> Self {
        Timestamp(self.0.saturating_add(secs.saturating_mul(MICROS_PER_SEC)))
    }

    /// Microseconds since the epoch.
    pub fn micros(self) -> i64 {
        self.0
    }

    /// Parses RFC 3339 (`2026-01-02T03:04:05.123456Z` or with `+hh:mm` offset); `None` if malformed.
    pub fn parse(s: &str) -> Option<Self> {
        let b = s.as_bytes();
        if b.len() < 19
            || b[4] != b'-'
            || b[7] != b'-'
            || !(b[10] == b'T' || b[10] == b't' || b[10] == b' ')
        {
            return None;
        }
        if b[13] != b':' || b[16] != b':' {
            return None;
        }
        let num = |r: std::ops::Range<usize>| -> Option<i64> {
            let t = s.get(r)?;
            if !t.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            t.parse().ok()
        };
        let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
        let (h, mi, se) = (num(11..13)?, num(14..16)?, num(17..19)?);
        if !(1..=12).contains(&mo)
            || d < 1
            || d > days_in_month(y, mo)
            || h > 23
            || mi > 59
            || se > 60
        {
            return None;
        }
        let mut i = 19;
        let mut micros = 0i64;
        if b.get(i) == Some(&b'.') {
            i += 1;
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            let frac = &s[start..i];
            if frac.is_empty() {
                return None;
            }
            let mut padded: String = frac.chars().take(6).collect();
            while padded.len() < 6 {
                padded.push('0');
            }
            micros = padded.parse().ok()?;
        }
        let offset_secs = match s.get(i..)? {
            "Z" | "z" => 0,
            rest if rest.len() == 6 && (rest.starts_with('+') || rest.starts_with('-')) => {
                let rb = rest.as_bytes();
                if rb[3] != b':' {
                    return None;
                }
                let oh: i64 = rest.get(1..3)?.parse().ok()?;
                let om: i64 = rest.get(4..6)?.parse().ok()?;
                let sign = if rb[0] == b'-' { -1 } else { 1 };
                sign * (oh * 3600 + om * 60)
            }
            _ => return None,
        };
        let days = days_from_civil(y, mo, d);
        let secs = days * SECS_PER_DAY + h * 3600 + mi * 60 + se - offset_secs;
        Some(Timestamp(secs * MICROS_PER_SEC + micros))
    }
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

// Howard Hinnant's civil-date algorithms.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.0.div_euclid(MICROS_PER_SEC);
        let micros = self.0.rem_euclid(MICROS_PER_SEC);
        let days = secs.div_euclid(SECS_PER_DAY);
        let sod = secs.rem_euclid(SECS_PER_DAY);
        let (y, m, d) = civil_from_days(days);
        write!(
            f,
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{micros:06}Z",
            sod / 3600,
            (sod / 60) % 60,
            sod % 60
        )
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Timestamp::parse(&s).ok_or_else(|| serde::de::Error::custom("invalid RFC 3339 timestamp"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_parses_round_trip() {
        for t in [
            0i64,
            1,
            1_700_000_000_123_456,
            -86_400_000_001,
            4_102_444_800_000_000,
        ] {
            let ts = Timestamp(t);
            assert_eq!(Timestamp::parse(&ts.to_string()), Some(ts), "{ts}");
        }
        assert_eq!(Timestamp(0).to_string(), "1970-01-01T00:00:00.000000Z");
    }

    #[test]
    fn parses_offsets_and_short_fractions() {
        let a = Timestamp::parse("2026-01-02T03:04:05+01:00").unwrap();
        let b = Timestamp::parse("2026-01-02T02:04:05.0Z").unwrap();
        assert_eq!(a, b);
        assert_eq!(
            Timestamp::parse("2026-01-02T02:04:05.5Z").unwrap().0 - b.0,
            500_000
        );
    }

    #[test]
    fn rejects_malformed_timestamps() {
        for s in [
            "",
            "2026-13-01T00:00:00Z",
            "2026-02-30T00:00:00Z",
            "2026-01-01T00:00:00",
            "x026-01-01T00:00:00Z",
            "2026-01-01T00:00:00.Z",
            "2026-01-01T00:00:00Zjunk",
        ] {
            assert_eq!(Timestamp::parse(s), None, "{s}");
        }
    }
}
