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

    /// The first instant of year 0000, the start of RFC 3339's range.
    pub const RFC3339_MIN: Timestamp = Timestamp(-62_167_219_200 * MICROS_PER_SEC);
    /// The last microsecond of year 9999, the end of RFC 3339's range.
    pub const RFC3339_MAX: Timestamp = Timestamp(253_402_300_800 * MICROS_PER_SEC - 1);

    /// True when the time lies in years 0000–9999 (what a host clock must read).
    pub fn is_rfc3339(self) -> bool {
        (Self::RFC3339_MIN..=Self::RFC3339_MAX).contains(&self)
    }

    /// Parses RFC 3339 (`2026-01-02T03:04:05.123456Z` or with `+hh:mm` offset); `None` if
    /// malformed or out of range. Years outside 0000–9999 are read in the ISO 8601 expanded
    /// form `Display` writes for them (`+055970-…`, `-000001-…`), so every timestamp that
    /// is written reads back.
    pub fn parse(s: &str) -> Option<Self> {
        let (year_sign, year_digits) = match s.as_bytes().first() {
            Some(b'+') => (1, 6),
            Some(b'-') => (-1, 6),
            _ => (1, 4),
        };
        let skip = usize::from(year_digits == 6);
        let year: i64 = {
            let t = s.get(skip..skip + year_digits)?;
            if !t.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            year_sign * t.parse::<i64>().ok()?
        };
        // The rest is parsed as if the year were 4 digits long.
        let s = s.get(skip + year_digits - 4..)?;
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
        let (y, mo, d) = (year, num(5..7)?, num(8..10)?);
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
        // In i128: the floor second of i64::MIN microseconds is itself out of i64 range.
        let micros = secs as i128 * MICROS_PER_SEC as i128 + micros as i128;
        Some(Timestamp(i64::try_from(micros).ok()?))
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
        if (0..=9999).contains(&y) {
            write!(f, "{y:04}")?;
        } else {
            // ISO 8601 expanded year (as JavaScript's `toISOString` writes it): every i64 of
            // microseconds (about ±292,277 years) fits six digits.
            write!(
                f,
                "{}{:06}",
                if y < 0 { '-' } else { '+' },
                y.unsigned_abs()
            )?;
        }
        write!(
            f,
            "-{m:02}-{d:02}T{:02}:{:02}:{:02}.{micros:06}Z",
            sod / 3600,
            (sod / 60) % 60,
            sod % 60
        )
    }
}

impl Timestamp {
    /// `YYYY-MM-DDTHH:MM:SS.ffffffZ` into `buf` for years 0000–9999 (the common case, written
    /// without `fmt`); `None` for expanded years.
    pub(crate) fn rfc3339<'b>(&self, buf: &'b mut [u8; 27]) -> Option<&'b str> {
        let secs = self.0.div_euclid(MICROS_PER_SEC);
        let micros = self.0.rem_euclid(MICROS_PER_SEC) as u64;
        let days = secs.div_euclid(SECS_PER_DAY);
        let sod = secs.rem_euclid(SECS_PER_DAY) as u64;
        let (y, m, d) = civil_from_days(days);
        if !(0..=9999).contains(&y) {
            return None;
        }
        let mut put = |at: usize, width: usize, mut v: u64| {
            for i in (at..at + width).rev() {
                buf[i] = b'0' + (v % 10) as u8;
                v /= 10;
            }
        };
        put(0, 4, y as u64);
        put(5, 2, m as u64);
        put(8, 2, d as u64);
        put(11, 2, sod / 3600);
        put(14, 2, (sod / 60) % 60);
        put(17, 2, sod % 60);
        put(20, 6, micros);
        for (i, c) in [
            (4, b'-'),
            (7, b'-'),
            (10, b'T'),
            (13, b':'),
            (16, b':'),
            (19, b'.'),
            (26, b'Z'),
        ] {
            buf[i] = c;
        }
        std::str::from_utf8(buf).ok()
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut buf = [0u8; 27];
        match self.rfc3339(&mut buf) {
            Some(text) => s.serialize_str(text),
            None => s.collect_str(self),
        }
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
    fn timestamps_are_total_over_the_whole_s64_range() {
        // Every value of the interface's s64 timestamp writes and reads back, including the
        // extremes a host clock in nanoseconds produces (year 55,970).
        let mut t = i64::MIN;
        let mut n = 0;
        while n < 4096 {
            for v in [t, -t.saturating_add(1), t / 3, t / 1_000_003] {
                let ts = Timestamp(v);
                assert_eq!(Timestamp::parse(&ts.to_string()), Some(ts), "{v} {ts}");
            }
            t = t
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            n += 1;
        }
        for v in [i64::MIN, i64::MAX, 0, -1, 1_764_547_200_000_000_000] {
            let ts = Timestamp(v);
            assert_eq!(Timestamp::parse(&ts.to_string()), Some(ts), "{v} {ts}");
        }
        assert_eq!(
            Timestamp::RFC3339_MAX.to_string(),
            "9999-12-31T23:59:59.999999Z"
        );
        assert_eq!(
            Timestamp::RFC3339_MIN.to_string(),
            "0000-01-01T00:00:00.000000Z"
        );
        assert_eq!(
            Timestamp(Timestamp::RFC3339_MAX.0 + 1).to_string(),
            "+010000-01-01T00:00:00.000000Z"
        );
        assert_eq!(
            Timestamp(Timestamp::RFC3339_MIN.0 - 1).to_string(),
            "-000001-12-31T23:59:59.999999Z"
        );
        // Beyond i64 is malformed, not a wrapped-around time.
        assert_eq!(Timestamp::parse("+294248-01-01T00:00:00Z"), None);
        assert_eq!(Timestamp::parse("-294248-01-01T00:00:00Z"), None);
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
