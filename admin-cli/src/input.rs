//! Parsing what operators type: localized text flags (`--title "…"`, `--title nl="…"`) and times
//! (`2026-12-01T02:00+01:00`, `now`, `+2h`).
//!
//! Pure: the current time is an argument.

use chrono::{DateTime, NaiveDateTime};
use notice_types::{LanguageTag, LocalizedText, Timestamp};

use crate::error::CliError;

/// One value of a localized flag: `en` unless the value starts with `<lang>=`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalizedArg {
    /// The language.
    pub lang: LanguageTag,
    /// The text as given.
    pub text: String,
}

/// Reads `nl=Tekst`, `de-DE=Text` (lowercased) or plain `Text` (English).
///
/// Only a two-letter primary language counts as a prefix, so English text such as `PIN=1234 fails` stays
/// English; an English text that itself starts with `xx=` can be written as `en=xx=…`.
pub fn parse_localized(value: &str) -> Result<LocalizedArg, String> {
    if let Some((prefix, text)) = value.split_once('=')
        && looks_like_tag(prefix)
    {
        let lang = LanguageTag::parse(&prefix.to_ascii_lowercase()).map_err(|e| e.reason)?;
        return Ok(LocalizedArg {
            lang,
            text: text.to_owned(),
        });
    }
    Ok(LocalizedArg {
        lang: LanguageTag::en(),
        text: value.to_owned(),
    })
}

fn looks_like_tag(prefix: &str) -> bool {
    let mut parts = prefix.split('-');
    let primary_ok = parts
        .next()
        .is_some_and(|p| p.len() == 2 && p.chars().all(|c| c.is_ascii_alphabetic()));
    primary_ok
        && parts.all(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

/// Puts the values of one repeatable flag together; English is required, each language once.
pub fn collect(flag: &str, args: &[LocalizedArg]) -> Result<LocalizedText, CliError> {
    let mut seen: Vec<&LanguageTag> = Vec::new();
    for arg in args {
        if seen.contains(&&arg.lang) {
            return Err(CliError::usage_hint(
                format!("{flag} gives `{}` text twice", arg.lang),
                format!("give each language once: {flag} \"English\" {flag} nl=\"Nederlands\""),
            ));
        }
        seen.push(&arg.lang);
    }
    if !seen.contains(&&LanguageTag::en()) {
        let given: Vec<String> = seen.iter().map(|l| l.to_string()).collect();
        return Err(CliError::usage_hint(
            format!(
                "{flag} has no English text (given: {}); English is what every user without their own language sees",
                if given.is_empty() {
                    "none".to_owned()
                } else {
                    given.join(", ")
                }
            ),
            format!("add {flag} \"English text\" (a value without a `lang=` prefix is English)"),
        ));
    }
    LocalizedText::from_pairs(args.iter().map(|a| (a.lang.clone(), a.text.clone())))
        .map_err(|e| CliError::usage(format!("{flag}: {e}")))
}

/// Like [`collect`], but no values at all is fine (`None`).
pub fn collect_optional(
    flag: &str,
    args: &[LocalizedArg],
) -> Result<Option<LocalizedText>, CliError> {
    if args.is_empty() {
        Ok(None)
    } else {
        collect(flag, args).map(Some)
    }
}

/// A time as the operator typed it: an absolute time, `now`, or `+DURATION` from now. Relative times are
/// resolved with the command's clock ([`TimeArg::at`]) when it runs, not while flags are parsed, so that one
/// command uses one "now" throughout (and a rehearsal with `--now` moves all of them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeArg {
    /// An RFC 3339 time with an offset.
    At(Timestamp),
    /// `now`.
    Now,
    /// `+DURATION`, in seconds from now.
    After(i64),
}

impl TimeArg {
    /// The time this names when the command's clock says `now`.
    pub fn at(self, now: Timestamp) -> Timestamp {
        match self {
            TimeArg::At(at) => at,
            TimeArg::Now => now,
            TimeArg::After(seconds) => now.plus_seconds(seconds),
        }
    }
}

/// Reads a time: RFC 3339 with an offset (seconds optional, `T` or a space between date and time), `now`, or
/// `+DURATION` from now (`+30m`, `+2h`, `+1day`). A clap value parser: it reads no clock.
pub fn parse_time_arg(value: &str) -> Result<TimeArg, String> {
    let value = value.trim();
    if value.eq_ignore_ascii_case("now") {
        return Ok(TimeArg::Now);
    }
    if let Some(duration) = value.strip_prefix('+') {
        let duration = humantime::parse_duration(duration.trim())
            .map_err(|e| format!("`{value}`: {e}; examples: +30m, +2h, +1day"))?;
        let seconds = i64::try_from(duration.as_secs()).unwrap_or(i64::MAX);
        return Ok(TimeArg::After(seconds));
    }
    let normalized = with_seconds(&value.replacen(' ', "T", 1));
    match DateTime::parse_from_rfc3339(&normalized) {
        Ok(time) => Ok(TimeArg::At(Timestamp::from(time.to_utc()))),
        Err(_) if NaiveDateTime::parse_from_str(&normalized, "%Y-%m-%dT%H:%M:%S").is_ok() => {
            Err(format!(
                "`{value}` has no UTC offset, so it is ambiguous; add one: {value}+01:00 (Amsterdam, winter), {value}+02:00 (summer) or {value}Z (UTC)"
            ))
        }
        Err(e) => Err(format!(
            "`{value}` is not a time ({e}); use RFC 3339 with an offset, e.g. 2026-12-01T02:00+01:00, or `now`, or `+2h`"
        )),
    }
}

/// Inserts `:00` seconds into `YYYY-MM-DDTHH:MM<offset>`; leaves anything else alone.
fn with_seconds(value: &str) -> String {
    let Some((date, time)) = value.split_once(['T', 't']) else {
        return value.to_owned();
    };
    let bytes = time.as_bytes();
    let hh_mm = bytes.len() >= 5
        && bytes[..2].iter().all(u8::is_ascii_digit)
        && bytes[2] == b':'
        && bytes[3..5].iter().all(u8::is_ascii_digit);
    let then_offset_or_end = bytes
        .get(5)
        .is_none_or(|b| matches!(b, b'Z' | b'z' | b'+' | b'-'));
    if hh_mm && then_offset_or_end {
        format!("{date}T{}:00{}", &time[..5], &time[5..])
    } else {
        value.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> Timestamp {
        Timestamp::parse("2026-11-23T02:00:00Z").unwrap()
    }

    fn parse_time(value: &str, now: Timestamp) -> Result<Timestamp, String> {
        parse_time_arg(value).map(|arg| arg.at(now))
    }

    #[test]
    fn a_lang_prefix_selects_the_language_otherwise_english() {
        let nl = parse_localized("nl=PIN-controle werkt niet").unwrap();
        assert_eq!(
            (nl.lang.as_str(), nl.text.as_str()),
            ("nl", "PIN-controle werkt niet")
        );
        let de = parse_localized("de-DE=Text").unwrap();
        assert_eq!(de.lang.as_str(), "de-de");
        for english in ["PIN check is down", "PIN=1234 fails", "a = b", "=x"] {
            let arg = parse_localized(english).unwrap();
            assert_eq!((arg.lang.as_str(), arg.text.as_str()), ("en", english));
        }
        let explicit = parse_localized("en=ok=fine").unwrap();
        assert_eq!(
            (explicit.lang.as_str(), explicit.text.as_str()),
            ("en", "ok=fine")
        );
    }

    #[test]
    fn english_is_required_and_named_in_the_error() {
        let args = vec![parse_localized("nl=Storing").unwrap()];
        let err = collect("--title", &args).unwrap_err();
        assert!(
            err.to_string().contains("--title has no English text"),
            "{err}"
        );
        assert!(err.hint().unwrap().contains("--title \"English text\""));
    }

    #[test]
    fn a_language_twice_is_an_error() {
        let args = vec![
            parse_localized("Down").unwrap(),
            parse_localized("en=Down again").unwrap(),
        ];
        assert!(
            collect("--body", &args)
                .unwrap_err()
                .to_string()
                .contains("twice")
        );
    }

    #[test]
    fn times_take_offsets_minutes_now_and_relative() {
        for (input, expect) in [
            ("2026-12-01T02:00+01:00", "2026-12-01T01:00:00Z"),
            ("2026-12-01T02:00:30+01:00", "2026-12-01T01:00:30Z"),
            ("2026-12-01 02:00Z", "2026-12-01T02:00:00Z"),
            ("2026-12-01T02:00-05:00", "2026-12-01T07:00:00Z"),
            ("now", "2026-11-23T02:00:00Z"),
            ("+2h", "2026-11-23T04:00:00Z"),
            ("+30m", "2026-11-23T02:30:00Z"),
        ] {
            assert_eq!(
                parse_time(input, now()).unwrap().to_string(),
                expect,
                "{input}"
            );
        }
    }

    #[test]
    fn relative_times_are_resolved_by_the_commands_clock_not_while_parsing() {
        let arg = parse_time_arg("+2h").unwrap();
        assert_eq!(arg, TimeArg::After(7200));
        let later = now().plus_seconds(86_400);
        assert_eq!(arg.at(later), later.plus_seconds(7200));
        assert_eq!(parse_time_arg("now").unwrap().at(later), later);
        let fixed = parse_time_arg("2026-12-01T02:00+01:00").unwrap();
        assert_eq!(fixed.at(now()), fixed.at(later));
    }

    #[test]
    fn a_time_without_offset_is_refused_with_a_suggestion() {
        let err = parse_time("2026-12-01T02:00", now()).unwrap_err();
        assert!(
            err.contains("no UTC offset") && err.contains("2026-12-01T02:00+01:00"),
            "{err}"
        );
        let err = parse_time("tomorrow", now()).unwrap_err();
        assert!(err.contains("RFC 3339"), "{err}");
    }
}
