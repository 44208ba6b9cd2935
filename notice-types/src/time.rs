//! Timestamps on the wire: RFC 3339, UTC, written with a `Z`.
//!
//! notice-types never reads a clock. Callers pass `now` in, which keeps verification and selection
//! deterministic and lets tests step time forwards and backwards.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::InvalidField;

/// A point in time, UTC, with whole-second precision on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(DateTime<Utc>);

impl Timestamp {
    /// Seconds since the Unix epoch. Values beyond what chrono represents (±262,000 years) saturate at its
    /// limits, so arithmetic on times never wraps around to 1970.
    pub fn from_unix(seconds: i64) -> Self {
        let clamped = seconds.clamp(
            DateTime::<Utc>::MIN_UTC.timestamp(),
            DateTime::<Utc>::MAX_UTC.timestamp(),
        );
        Self(DateTime::from_timestamp(clamped, 0).unwrap_or_default())
    }

    /// Seconds since the Unix epoch.
    pub fn unix(self) -> i64 {
        self.0.timestamp()
    }

    /// The underlying chrono value.
    pub fn as_datetime(self) -> DateTime<Utc> {
        self.0
    }

    /// Parses RFC 3339 with any offset (`2026-12-01T02:00:00+01:00`) and converts it to UTC. Fractions of a
    /// second are dropped so that what is signed is exactly what is shown.
    pub fn parse(text: &str) -> Result<Self, InvalidField> {
        let parsed = DateTime::parse_from_rfc3339(text).map_err(|e| {
            InvalidField::new(
                "",
                format!("`{text}` is not an RFC 3339 time ({e}); example: 2026-12-01T02:00:00Z"),
            )
        })?;
        Ok(Self::from_unix(parsed.timestamp()))
    }

    /// This time plus `seconds` (negative goes back), saturating.
    pub fn plus_seconds(self, seconds: i64) -> Self {
        Self::from_unix(self.unix().saturating_add(seconds))
    }
}

impl From<DateTime<Utc>> for Timestamp {
    fn from(value: DateTime<Utc>) -> Self {
        Self::from_unix(value.timestamp())
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.to_rfc3339_opts(SecondsFormat::Secs, true))
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
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
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
    fn arithmetic_saturates_instead_of_wrapping_to_1970() {
        let far = Timestamp::from_unix(0).plus_seconds(i64::MAX);
        assert!(far > Timestamp::parse("9999-12-31T23:59:59Z").unwrap());
        assert!(Timestamp::from_unix(i64::MIN) < Timestamp::from_unix(0));
    }

    #[test]
    fn non_rfc3339_is_rejected_with_an_example() {
        let err = Timestamp::parse("1 dec 2026").unwrap_err();
        assert!(err.reason.contains("2026-12-01T02:00:00Z"), "{err}");
    }
}
