//! Times as people read them: in the site's time zone, with the zone's abbreviation (`CET`, `CEST`), dates
//! in each language's own format, and durations ("2 h 10 min", "2 u 10 min", "2 Std. 10 Min.").
//!
//! The zone comes from the tz database bundled into the binary (jiff's `tzdb-bundle-always`), never from the
//! machine's zoneinfo, so a page exported on a laptop and the same page rendered by the server are the same
//! bytes.

use jiff::tz::{TimeZone, TimeZoneDatabase};
use notice_types::Timestamp;

use super::Lang;

/// The time zone `name` (IANA, e.g. `Europe/Amsterdam`) from the bundled database, or `None` if unknown.
pub fn zone(name: &str) -> Option<TimeZone> {
    TimeZoneDatabase::bundled().get(name).ok()
}

fn zoned(at: Timestamp, tz: &TimeZone) -> jiff::Zoned {
    // Notice timestamps are within years 0000–9999, which jiff covers except for the first and last days;
    // there the epoch is as good an answer as any (no real notice lives there).
    let ts = jiff::Timestamp::from_second(at.unix()).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    ts.to_zoned(tz.clone())
}

const MONTHS_NL: [&str; 12] = [
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
];
const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const MONTHS_DE: [&str; 12] = [
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
];

/// The parts of one time in one zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalTime {
    /// `3 december 2026` / `3 December 2026` / `3. Dezember 2026`.
    pub date: String,
    /// `02:00`.
    pub clock: String,
    /// The zone's abbreviation at that moment: `CET`, `CEST`, `UTC`.
    pub abbreviation: String,
    /// The local calendar day, for "is it today?".
    pub day: (i16, i8, i8),
}

impl LocalTime {
    /// `at` in `tz`, worded in `lang`.
    pub fn new(at: Timestamp, tz: &TimeZone, lang: Lang) -> Self {
        let z = zoned(at, tz);
        let month = (z.month().clamp(1, 12) - 1) as usize;
        let date = match lang {
            Lang::Nl => format!("{} {} {}", z.day(), MONTHS_NL[month], z.year()),
            Lang::En => format!("{} {} {}", z.day(), MONTHS_EN[month], z.year()),
            Lang::De => format!("{}. {} {}", z.day(), MONTHS_DE[month], z.year()),
        };
        Self {
            date,
            clock: format!("{:02}:{:02}", z.hour(), z.minute()),
            abbreviation: z.strftime("%Z").to_string(),
            day: (z.year(), z.month(), z.day()),
        }
    }

    /// Date, time and zone: `3 december 2026 02:00 CET`, `3 December 2026, 02:00 CET`,
    /// `3. Dezember 2026, 02:00 CET`.
    pub fn full(&self, lang: Lang) -> String {
        match lang {
            Lang::Nl => format!("{} {} {}", self.date, self.clock, self.abbreviation),
            Lang::En | Lang::De => format!("{}, {} {}", self.date, self.clock, self.abbreviation),
        }
    }

    /// Time and zone only, `02:00 CET`.
    pub fn short(&self) -> String {
        format!("{} {}", self.clock, self.abbreviation)
    }
}

/// A span of time in words, minutes at most: `45 min`, `2 h 10 min` (nl `2 u 10 min`, de `2 Std. 10 Min.`),
/// `3 d 4 h` (nl `3 d 4 u`, de `3 T. 4 Std.`). Negative spans count as zero.
pub fn duration(seconds: i64, lang: Lang) -> String {
    let minutes = seconds.max(0) / 60;
    let (days, hours, mins) = (minutes / 1440, minutes / 60 % 24, minutes % 60);
    let (d, h, m) = match lang {
        Lang::Nl => ("d", "u", "min"),
        Lang::En => ("d", "h", "min"),
        Lang::De => ("T.", "Std.", "Min."),
    };
    if days > 0 {
        if hours > 0 {
            format!("{days} {d} {hours} {h}")
        } else {
            format!("{days} {d}")
        }
    } else if hours > 0 {
        if mins > 0 {
            format!("{hours} {h} {mins} {m}")
        } else {
            format!("{hours} {h}")
        }
    } else {
        format!("{mins} {m}")
    }
}

/// A window from `start` to `end`, shortened when both are on one local day:
/// `3 december 2026 02:00 – 04:00 CET`.
pub fn window(start: &LocalTime, end: &LocalTime, lang: Lang) -> String {
    if start.day == end.day && start.abbreviation == end.abbreviation {
        let date = match lang {
            Lang::Nl => format!("{} {}", start.date, start.clock),
            Lang::En | Lang::De => format!("{}, {}", start.date, start.clock),
        };
        format!("{date} – {} {}", end.clock, end.abbreviation)
    } else {
        format!("{} – {}", start.full(lang), end.full(lang))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        Timestamp::parse(text).unwrap()
    }

    #[test]
    fn amsterdam_has_winter_and_summer_time_with_abbreviations() {
        let tz = zone("Europe/Amsterdam").unwrap();
        let winter = LocalTime::new(at("2026-12-03T01:00:00Z"), &tz, Lang::Nl);
        assert_eq!(winter.full(Lang::Nl), "3 december 2026 02:00 CET");
        let summer = LocalTime::new(at("2026-07-01T12:14:00Z"), &tz, Lang::De);
        assert_eq!(summer.full(Lang::De), "1. Juli 2026, 14:14 CEST");
        let en = LocalTime::new(at("2026-07-01T12:14:00Z"), &tz, Lang::En);
        assert_eq!(en.full(Lang::En), "1 July 2026, 14:14 CEST");
        assert!(zone("Mars/Olympus_Mons").is_none());
        let utc = LocalTime::new(at("2026-07-01T12:14:00Z"), &TimeZone::UTC, Lang::En);
        assert_eq!(utc.short(), "12:14 UTC");
    }

    #[test]
    fn durations_are_worded_per_language() {
        assert_eq!(duration(130 * 60, Lang::En), "2 h 10 min");
        assert_eq!(duration(130 * 60, Lang::Nl), "2 u 10 min");
        assert_eq!(duration(130 * 60, Lang::De), "2 Std. 10 Min.");
        assert_eq!(duration(45 * 60 + 59, Lang::En), "45 min");
        assert_eq!(duration(3 * 86400 + 4 * 3600, Lang::Nl), "3 d 4 u");
        assert_eq!(duration(2 * 3600, Lang::En), "2 h");
        assert_eq!(duration(-5, Lang::En), "0 min");
    }

    #[test]
    fn a_window_on_one_day_names_the_day_once() {
        let tz = zone("Europe/Amsterdam").unwrap();
        let start = LocalTime::new(at("2026-12-03T01:00:00Z"), &tz, Lang::Nl);
        let end = LocalTime::new(at("2026-12-03T03:00:00Z"), &tz, Lang::Nl);
        assert_eq!(
            window(&start, &end, Lang::Nl),
            "3 december 2026 02:00 – 04:00 CET"
        );
        let later = LocalTime::new(at("2026-12-04T03:00:00Z"), &tz, Lang::En);
        let start_en = LocalTime::new(at("2026-12-03T01:00:00Z"), &tz, Lang::En);
        assert_eq!(
            window(&start_en, &later, Lang::En),
            "3 December 2026, 02:00 CET – 4 December 2026, 04:00 CET"
        );
    }
}
