//! Localized plain text: language tags, the language→text map with mandatory `en`, and the plain-text rules.
//!
//! A notice reaches millions of phones, so it is a phishing channel if it can carry markup or tricks. Text is
//! plain: no control characters (a title is one line), no bidirectional overrides that reorder what is shown.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

use crate::InvalidField;
use crate::limits::MAX_LANGUAGES;

/// The tag of English, the fallback every text has.
const EN: &str = "en";

/// A BCP 47 language tag in canonical lowercase form, e.g. `en`, `nl`, `de-de`, `pt-br`.
///
/// The wire format only carries the lowercase form, so two spellings of one language can never be two keys.
/// Use [`LanguageTag::from_locale`] for what a phone reports (`de_DE`, `nl-NL.UTF-8`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct LanguageTag(String);

impl LanguageTag {
    /// Parses a canonical tag: a 2–3 letter primary language, then `-` subtags of 1–8 letters or digits, all
    /// lowercase, at most 35 bytes.
    pub fn parse(text: &str) -> Result<Self, InvalidField> {
        Self::check(text).map(|()| Self(text.to_owned()))
    }

    /// [`LanguageTag::parse`] of a string the caller owns already (no copy).
    fn parse_owned(text: String) -> Result<Self, InvalidField> {
        Self::check(&text).map(|()| Self(text))
    }

    fn check(text: &str) -> Result<(), InvalidField> {
        let mut parts = text.split('-');
        let primary_ok = parts.next().is_some_and(|p| {
            (2..=3).contains(&p.len()) && p.chars().all(|c| c.is_ascii_lowercase())
        });
        let rest_ok = parts.all(|p| {
            (1..=8).contains(&p.len())
                && p.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        });
        if primary_ok && rest_ok && text.len() <= 35 {
            Ok(())
        } else {
            Err(InvalidField::new(
                "",
                format!(
                    "`{}` is not a lowercase language tag (examples: en, nl, de, de-de)",
                    text.escape_debug()
                ),
            ))
        }
    }

    /// Reads a locale as platforms spell it (`de_DE`, `nl-NL`, `en_US.UTF-8`, `sr_RS@latin`) leniently.
    /// Returns `None` for anything that is not a language (`C`, `POSIX`, empty).
    pub fn from_locale(locale: &str) -> Option<Self> {
        let base = locale.split(['.', '@']).next().unwrap_or_default();
        let canonical = base.replace('_', "-").to_ascii_lowercase();
        Self::parse(&canonical).ok()
    }

    /// English, the language every text must have.
    pub fn en() -> Self {
        Self(EN.to_owned())
    }

    /// The tag with its last subtag removed: `de-de` → `de`; `None` for a bare language.
    pub fn parent(&self) -> Option<Self> {
        self.0
            .rsplit_once('-')
            .map(|(parent, _)| Self(parent.to_owned()))
    }

    /// The tag as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Lets maps keyed by tags be searched with a plain `&str` (`"en"`) without building a tag. Consistent with
/// `Ord`, `Eq` and `Hash`, which are those of the string.
impl std::borrow::Borrow<str> for LanguageTag {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for LanguageTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for LanguageTag {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse_owned(text).map_err(serde::de::Error::custom)
    }
}

/// Text in several languages. `en` is always present: it is the fallback of last resort.
///
/// Parsing rejects duplicate languages (two parsers must never disagree on which one wins), more than
/// [`MAX_LANGUAGES`] entries, and a missing `en`. Length and plain-text rules depend on where the text is used
/// and are checked by [`LocalizedText::check_plain`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct LocalizedText(BTreeMap<LanguageTag, String>);

impl LocalizedText {
    /// Text with only English.
    pub fn english(text: impl Into<String>) -> Self {
        let mut map = BTreeMap::new();
        map.insert(LanguageTag::en(), text.into());
        Self(map)
    }

    /// Builds from pairs; fails without `en`, with duplicates or with too many languages.
    pub fn from_pairs<I, S>(pairs: I) -> Result<Self, InvalidField>
    where
        I: IntoIterator<Item = (LanguageTag, S)>,
        S: Into<String>,
    {
        let mut map = BTreeMap::new();
        for (lang, text) in pairs {
            let field = lang.to_string();
            if map.insert(lang, text.into()).is_some() {
                return Err(InvalidField::new(field, "language given twice"));
            }
        }
        Self::from_map(map)
    }

    fn from_map(map: BTreeMap<LanguageTag, String>) -> Result<Self, InvalidField> {
        if map.len() > MAX_LANGUAGES {
            return Err(InvalidField::new(
                "",
                format!("at most {MAX_LANGUAGES} languages"),
            ));
        }
        if !map.contains_key(EN) {
            return Err(InvalidField::new(
                "en",
                "English text is required: it is the fallback for every user",
            ));
        }
        Ok(Self(map))
    }

    /// The text in `lang`, if given.
    pub fn get(&self, lang: &LanguageTag) -> Option<&str> {
        self.0.get(lang).map(String::as_str)
    }

    /// The English text (always present).
    pub fn en(&self) -> &str {
        self.0.get(EN).map(String::as_str).unwrap_or_default()
    }

    /// Languages and texts, in tag order.
    pub fn iter(&self) -> impl Iterator<Item = (&LanguageTag, &str)> {
        self.0.iter().map(|(k, v)| (k, v.as_str()))
    }

    /// The languages present.
    pub fn languages(&self) -> impl Iterator<Item = &LanguageTag> {
        self.0.keys()
    }

    /// Checks every language's text against the plain-text rules with `max_chars` and whether line breaks
    /// are allowed. The error names the language, e.g. `nl`.
    pub fn check_plain(&self, max_chars: usize, multiline: bool) -> Result<(), InvalidField> {
        for (lang, text) in &self.0 {
            check_plain_text(text, max_chars, multiline).map_err(|e| e.within(lang.as_str()))?;
        }
        Ok(())
    }
}

/// The plain-text rule: not blank, at most `max_chars` characters, no control characters (except line breaks
/// where `multiline`), no bidirectional overrides or invisible formatting that could disguise a link.
pub fn check_plain_text(text: &str, max_chars: usize, multiline: bool) -> Result<(), InvalidField> {
    // One pass that counts, looks for a non-blank character and remembers the first forbidden one, with a
    // byte loop for ASCII (most notices are): this runs for every text of every notice on every refresh.
    let mut count = 0usize;
    let mut blank = true;
    let mut forbidden = None;
    if text.is_ascii() {
        count = text.len();
        let bytes = text.as_bytes();
        blank = bytes.iter().all(|&b| (b as char).is_whitespace());
        let is_forbidden = |b: u8| ((b < 0x20) & !(multiline & (b == b'\n'))) | (b == 0x7f);
        // Without early exit or branches, so that the common case (nothing found) is vectorized.
        if bytes
            .iter()
            .fold(false, |found, &b| found | is_forbidden(b))
        {
            forbidden = bytes
                .iter()
                .copied()
                .find(|&b| is_forbidden(b))
                .map(char::from);
        }
    } else {
        for c in text.chars() {
            count += 1;
            blank &= c.is_whitespace();
            let allowed_break = multiline && c == '\n';
            if forbidden.is_none() && ((c.is_control() && !allowed_break) || is_format_trick(c)) {
                forbidden = Some(c);
            }
        }
    }
    if blank {
        return Err(InvalidField::new("", "must not be empty"));
    }
    if count > max_chars {
        return Err(InvalidField::new(
            "",
            format!("too long: {count} characters, at most {max_chars}"),
        ));
    }
    if let Some(c) = forbidden {
        return Err(InvalidField::new(
            "",
            format!(
                "contains {} (U+{:04X}); notices are plain text{}",
                if c.is_control() {
                    "a control character"
                } else {
                    "an invisible formatting character"
                },
                c as u32,
                if multiline { "" } else { " on one line" }
            ),
        ));
    }
    Ok(())
}

/// Bidirectional embeddings/overrides/isolates and zero-width characters: they let a text display differently
/// from what it says, the classic way to disguise a domain name.
fn is_format_trick(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200B}'..='\u{200F}' | '\u{2060}' | '\u{FEFF}')
}

impl<'de> Deserialize<'de> for LocalizedText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor;
        impl<'de> Visitor<'de> for TextVisitor {
            type Value = LocalizedText;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object of language tag → text, with \"en\"")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
                let mut map = BTreeMap::new();
                while let Some((lang, text)) = access.next_entry::<LanguageTag, String>()? {
                    if map.len() == MAX_LANGUAGES {
                        return Err(serde::de::Error::custom(format!(
                            "at most {MAX_LANGUAGES} languages"
                        )));
                    }
                    if map.contains_key(&lang) {
                        return Err(serde::de::Error::custom(format!(
                            "language `{lang}` given twice"
                        )));
                    }
                    map.insert(lang, text);
                }
                LocalizedText::from_map(map).map_err(serde::de::Error::custom)
            }
        }
        deserializer.deserialize_map(TextVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(s: &str) -> LanguageTag {
        LanguageTag::parse(s).unwrap()
    }

    #[test]
    fn platform_locales_become_canonical_tags() {
        for (locale, expect) in [
            ("de_DE", "de-de"),
            ("nl-NL", "nl-nl"),
            ("en_US.UTF-8", "en-us"),
            ("NL", "nl"),
        ] {
            assert_eq!(
                LanguageTag::from_locale(locale),
                Some(tag(expect)),
                "{locale}"
            );
        }
        assert_eq!(LanguageTag::from_locale("C"), None);
        assert_eq!(LanguageTag::from_locale(""), None);
    }

    #[test]
    fn parent_drops_the_last_subtag() {
        assert_eq!(tag("de-de").parent(), Some(tag("de")));
        assert_eq!(tag("de").parent(), None);
    }

    #[test]
    fn english_is_required() {
        let err = serde_json::from_str::<LocalizedText>(r#"{"nl":"Storing"}"#).unwrap_err();
        assert!(
            err.to_string().contains("English text is required"),
            "{err}"
        );
    }

    #[test]
    fn duplicate_languages_are_rejected_not_resolved() {
        let err = serde_json::from_str::<LocalizedText>(r#"{"en":"a","en":"b"}"#).unwrap_err();
        assert!(err.to_string().contains("given twice"), "{err}");
    }

    #[test]
    fn non_canonical_tags_are_rejected() {
        assert!(serde_json::from_str::<LocalizedText>(r#"{"en":"a","de-DE":"b"}"#).is_err());
    }

    #[test]
    fn too_many_languages_are_rejected_while_parsing() {
        let mut json = String::from(r#"{"en":"x""#);
        for i in 0..MAX_LANGUAGES {
            json.push_str(&format!(
                r#","l{}{}":"x""#,
                (b'a' + (i / 26) as u8) as char,
                (b'a' + (i % 26) as u8) as char
            ));
        }
        json.push('}');
        let err = serde_json::from_str::<LocalizedText>(&json).unwrap_err();
        assert!(err.to_string().contains("at most"), "{err}");
    }

    #[test]
    fn plain_text_rules() {
        assert!(check_plain_text("PIN check is down", 50, false).is_ok());
        assert!(check_plain_text("line\nbreak", 50, true).is_ok());
        assert!(check_plain_text("line\nbreak", 50, false).is_err());
        assert!(check_plain_text("  ", 50, false).is_err());
        assert!(check_plain_text("abc", 2, false).is_err());
        assert!(check_plain_text("visit yivi.app\u{202E}moc.live", 50, false).is_err());
        assert!(check_plain_text("bell\u{7}", 50, true).is_err());
    }
}
