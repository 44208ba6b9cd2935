//! Timestamps on the wire: RFC 3339, UTC, written with a `Z`.
//!
//! Readers accept exactly the RFC 3339 `date-time` grammar with four-digit years, an upper-case `T` and `Z`,
//! seconds `00`–`59` and offsets from `-23:59` to `+23:59`: `YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)`,
//! whose UTC value lies within the years 0000–9999. chrono alone would also take
//! a space or lower-case `t`/`z` and a leap second, which other languages' parsers (Go's `time.RFC3339`)
//! refuse; two verifiers must never disagree on whether a document is valid. Times are kept within the
//! years 0000–9999, the range the format can write, so nothing a writer produces is unreadable.
//!
//! notice-types never reads a clock. Callers pass `now` in, which keeps verification and selection
//! deterministic and lets tests step time forwards and backwards.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::InvalidField;

/// A point in time, UTC, with whole-second precision on the wire.
///
/// Kept as seconds since the Unix epoch, always within the years 0000–9999: selection compares times on every
/// call and a feed holds several per notice, so a number beats a calendar value; chrono is only asked to
/// write one out.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

impl Timestamp {
    /// The earliest time: 0000-01-01T00:00:00Z.
    pub const MIN_UNIX: i64 = -62_167_219_200;
    /// The latest time: 9999-12-31T23:59:59Z.
    pub const MAX_UNIX: i64 = 253_402_300_799;

    /// Seconds since the Unix epoch. Values outside the years 0000–9999 saturate at those limits, so
    /// arithmetic on times never wraps around and every time can be written as RFC 3339.
    pub fn from_unix(seconds: i64) -> Self {
        Self(seconds.clamp(Self::MIN_UNIX, Self::MAX_UNIX))
    }

    /// Seconds since the Unix epoch.
    pub fn unix(self) -> i64 {
        self.0
    }

    /// The same time as a chrono value.
    pub fn as_datetime(self) -> DateTime<Utc> {
        // Every value is within the years 0000–9999, which chrono represents.
        DateTime::from_timestamp(self.0, 0).unwrap_or_default()
    }

    /// Parses RFC 3339 with any offset (`2026-12-01T02:00:00+01:00`) and converts it to UTC. Fractions of a
    /// second are dropped so that what is signed is exactly what is shown.
    pub fn parse(text: &str) -> Result<Self, InvalidField> {
        let invalid = |detail: &str| {
            // Never echo more than a line of what may be hostile input.
            let shown: String = text.chars().take(40).collect();
            InvalidField::new(
                "",
                format!(
                    "`{shown}` is not an RFC 3339 time ({detail}); example: 2026-12-01T02:00:00Z"
                ),
            )
        };
        check_grammar(text.as_bytes()).map_err(invalid)?;
        // The form every writer here uses, `YYYY-MM-DDTHH:MM:SSZ`, from its digits (a notice has several
        // times, and chrono's general RFC 3339 parser costs more than the rest of reading one); any other
        // form through that parser. The two agree (test `the_short_path_agrees_with_chrono`).
        if let Some(seconds) = utc_seconds(text.as_bytes()) {
            return Ok(Self::from_unix(seconds));
        }
        let parsed = DateTime::parse_from_rfc3339(text).map_err(|e| invalid(&e.to_string()))?;
        // An offset may carry a time just outside the years 0000–9999 (`9999-12-31T23:30:00-01:00`): refused,
        // not saturated, so that no reader moves a time another reader refuses.
        let seconds = parsed.timestamp();
        if !(Self::MIN_UNIX..=Self::MAX_UNIX).contains(&seconds) {
            return Err(invalid("in UTC it falls outside the years 0000 to 9999"));
        }
        Ok(Self::from_unix(seconds))
    }

    /// This time plus `seconds` (negative goes back), saturating.
    pub fn plus_seconds(self, seconds: i64) -> Self {
        Self::from_unix(self.unix().saturating_add(seconds))
    }
}

/// Unix seconds of a valid `YYYY-MM-DDTHH:MM:SSZ` (20 bytes, after `check_grammar`); `None` for another form
/// or an invalid date or time, which are left to chrono's parser and its messages.
fn utc_seconds(text: &[u8]) -> Option<i64> {
    if text.len() != 20 || text.get(19) != Some(&b'Z') {
        return None;
    }
    let number = |range: std::ops::Range<usize>| {
        text.get(range)?
            .iter()
            .try_fold(0u32, |n, &d| Some(n * 10 + u32::from(d.checked_sub(b'0')?)))
    };
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
    let valid = (1..=12).contains(&month)
        && (1..=days_in_month(year, month)).contains(&day)
        && hour < 24
        && minute < 60
        && second < 60;
    valid.then(|| {
        days_from_civil(year, month, day) * 86_400 + i64::from(hour * 3600 + minute * 60 + second)
    })
}

/// Days in `month` (1–12) of `year`, proleptic Gregorian (year 0 is a leap year).
fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to a valid date, proleptic Gregorian: years counted from March, so that the leap day
/// ends a year, in 400-year eras of 146 097 days (Howard Hinnant's `days_from_civil`).
fn days_from_civil(year: u32, month: u32, day: u32) -> i64 {
    let year = i64::from(year) - i64::from(month <= 2);
    let (era, year_of_era) = (year.div_euclid(400), year.rem_euclid(400));
    let month_from_march = i64::from((month + 9) % 12);
    let day_of_year = (153 * month_from_march + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// `YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)`, upper case, seconds below 60. Ranges of the fields
/// (month 13, 31 February) are left to chrono.
fn check_grammar(text: &[u8]) -> Result<(), &'static str> {
    let digits = |range: std::ops::Range<usize>| {
        text.get(range)
            .is_some_and(|part| part.iter().all(u8::is_ascii_digit))
    };
    let at = |i: usize, c: u8| text.get(i) == Some(&c);
    if !(digits(0..4) && at(4, b'-') && digits(5..7) && at(7, b'-') && digits(8..10)) {
        return Err("the date must be YYYY-MM-DD");
    }
    if !at(10, b'T') {
        return Err("date and time must be separated by an upper-case T");
    }
    if !(digits(11..13) && at(13, b':') && digits(14..16) && at(16, b':') && digits(17..19)) {
        return Err("the time must be HH:MM:SS");
    }
    if text[17] > b'5' {
        return Err("seconds must be 00 to 59");
    }
    let mut rest = &text[19..];
    if let Some(fraction) = rest.strip_prefix(b".") {
        let len = fraction.iter().take_while(|c| c.is_ascii_digit()).count();
        if len == 0 {
            return Err("a fraction of a second needs digits");
        }
        rest = &fraction[len..];
    }
    match rest {
        b"Z" => Ok(()),
        [b'+' | b'-', h1, h2, b':', m1, m2]
            if [h1, h2, m1, m2].iter().all(|c| c.is_ascii_digit()) =>
        {
            // RFC 3339's `time-numoffset`: hours 00–23, minutes 00–59 (`-00:00` is UTC).
            if (*h1, *h2) > (b'2', b'3') || *m1 > b'5' {
                Err("an offset ranges from -23:59 to +23:59")
            } else {
                Ok(())
            }
        }
        _ => Err("it must end in an upper-case Z or an offset such as +01:00"),
    }
}

impl From<DateTime<Utc>> for Timestamp {
    fn from(value: DateTime<Utc>) -> Self {
        Self::from_unix(value.timestamp())
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            &self
                .as_datetime()
                .to_rfc3339_opts(SecondsFormat::Secs, true),
        )
    }
}

/// `Timestamp(2026-12-01T02:00:00Z)`: the time as it is written, not a count of seconds.
impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Timestamp")
            .field(&format_args!("{self}"))
            .finish()
    }
}

impl FromStr for Timestamp {
    type Err = InvalidField;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        crate::bounded::parse_str(deserializer, "an RFC 3339 timestamp", Self::parse)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_are_converted_to_utc_and_written_with_z() {
        let t = Timestamp::parse("2026-12-01T02:00:00+01:00").unwrap();
        assert_eq!(t.to_string(), "2026-12-01T01:00:00Z");
    }

    #[test]
    fn arithmetic_saturates_within_the_years_the_format_can_write() {
        let far = Timestamp::from_unix(0).plus_seconds(i64::MAX);
        assert_eq!(far.to_string(), "9999-12-31T23:59:59Z");
        assert_eq!(Timestamp::parse(&far.to_string()).unwrap(), far);
        let early = Timestamp::from_unix(i64::MIN);
        assert_eq!(early.to_string(), "0000-01-01T00:00:00Z");
        assert_eq!(Timestamp::parse(&early.to_string()).unwrap(), early);
        assert!(early < Timestamp::from_unix(0));
    }

    #[test]
    fn only_the_strict_rfc3339_grammar_is_accepted() {
        for good in [
            "2026-12-01T02:00:00Z",
            "2026-12-01T02:00:00+01:00",
            "2026-12-01T02:00:00-05:30",
            "2026-12-01T02:00:00.250Z",
            "2026-12-01T02:00:00+23:59",
            "2026-12-01T02:00:00-23:59",
            "2026-12-01T02:00:00-00:00",
            "0000-01-01T00:00:00-00:01",
            "9999-12-31T23:59:59+00:01",
        ] {
            assert!(Timestamp::parse(good).is_ok(), "{good}");
        }
        for bad in [
            "2026-12-01 02:00:00Z",
            "2026-12-01t02:00:00Z",
            "2026-12-01T02:00:00z",
            "2026-12-31T23:59:60Z",
            "2026-12-01T02:00Z",
            "2026-12-01T02:00:00",
            "2026-12-01T02:00:00.Z",
            "2026-12-01T02:00:00+0100",
            "+10000-01-01T00:00:00Z",
            "2026-13-01T02:00:00Z",
            "2026-12-01T02:00:00+24:00",
            "2026-12-01T02:00:00-24:00",
            "2026-12-01T02:00:00+01:60",
            "2026-12-01T02:00:00+99:99",
            "9999-12-31T23:59:59-00:01",
            "0000-01-01T00:00:00+00:01",
            "",
        ] {
            assert!(Timestamp::parse(bad).is_err(), "{bad}");
        }
    }

    proptest::proptest! {
        /// Dates and times in and out of range (month 13, 30 February, hour 24, minute 60), leap years.
        #[test]
        fn the_short_path_agrees_with_chrono(
            y in 0u32..=9999, mo in 0u32..=13, d in 0u32..=32, h in 0u32..=24, mi in 0u32..=60, s in 0u32..=59,
        ) {
            let text = format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z");
            let chrono = DateTime::parse_from_rfc3339(&text).ok().map(|t| t.timestamp());
            proptest::prop_assert_eq!(utc_seconds(text.as_bytes()), chrono, "{}", text);
            proptest::prop_assert_eq!(Timestamp::parse(&text).ok().map(Timestamp::unix), chrono, "{}", text);
        }
    }

    #[test]
    fn the_ends_of_the_range_are_the_first_and_last_second_the_format_writes() {
        let first = Timestamp::parse("0000-01-01T00:00:00Z").unwrap();
        assert_eq!(first.unix(), Timestamp::MIN_UNIX);
        let last = Timestamp::parse("9999-12-31T23:59:59Z").unwrap();
        assert_eq!(last.unix(), Timestamp::MAX_UNIX);
        assert_eq!(Timestamp::from_unix(0).to_string(), "1970-01-01T00:00:00Z");
    }

    #[test]
    fn debug_shows_the_time_as_written() {
        let t = Timestamp::parse("2026-12-01T02:00:00Z").unwrap();
        assert_eq!(format!("{t:?}"), "Timestamp(2026-12-01T02:00:00Z)");
    }

    #[test]
    fn non_rfc3339_is_rejected_with_an_example() {
        let err = Timestamp::parse("1 dec 2026").unwrap_err();
        assert!(err.reason.contains("2026-12-01T02:00:00Z"), "{err}");
    }
}
