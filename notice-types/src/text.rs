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
///
/// Held inline (at most [`LanguageTag::MAX_LEN`] bytes), not on the heap: every localized text of every notice
/// has a few, and parsing a feed or selecting from it would otherwise allocate for each. Compares, orders and
/// hashes exactly as its text does.
#[derive(Clone)]
pub struct LanguageTag {
    len: u8,
    bytes: [u8; LanguageTag::MAX_LEN],
}

impl LanguageTag {
    /// The longest tag, in bytes.
    pub const MAX_LEN: usize = 35;

    /// Parses a canonical tag: a 2–3 letter primary language, then `-` subtags of 1–8 letters or digits, all
    /// lowercase, at most [`LanguageTag::MAX_LEN`] bytes.
    pub fn parse(text: &str) -> Result<Self, InvalidField> {
        Self::check(text)?;
        let mut bytes = [0; Self::MAX_LEN];
        bytes[..text.len()].copy_from_slice(text.as_bytes());
        Ok(Self {
            // `check` bounds the length by MAX_LEN, which fits a u8.
            len: text.len() as u8,
            bytes,
        })
    }

    fn check(text: &str) -> Result<(), InvalidField> {
        // On bytes: every tag of every text is checked on every refresh.
        let mut parts = text.as_bytes().split(|&b| b == b'-');
        let primary_ok = parts
            .next()
            .is_some_and(|p| (2..=3).contains(&p.len()) && p.iter().all(u8::is_ascii_lowercase));
        let rest_ok = parts.all(|p| {
            (1..=8).contains(&p.len())
                && p.iter()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        });
        if primary_ok && rest_ok && text.len() <= Self::MAX_LEN {
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
        let mut bytes = [0; Self::MAX_LEN];
        bytes[..EN.len()].copy_from_slice(EN.as_bytes());
        Self {
            len: EN.len() as u8,
            bytes,
        }
    }

    /// The tag with its last subtag removed: `de-de` → `de`; `None` for a bare language.
    pub fn parent(&self) -> Option<Self> {
        let (parent, _) = self.as_str().rsplit_once('-')?;
        let mut bytes = self.bytes;
        bytes[parent.len()..].fill(0);
        Some(Self {
            len: parent.len() as u8,
            bytes,
        })
    }

    /// The tag as text.
    pub fn as_str(&self) -> &str {
        // Only checked ASCII is ever stored, so this never fails; "" is the unreachable fallback.
        std::str::from_utf8(self.as_bytes()).unwrap_or_default()
    }

    fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len).min(Self::MAX_LEN)]
    }
}

impl PartialEq for LanguageTag {
    fn eq(&self, other: &Self) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Eq for LanguageTag {}

impl PartialOrd for LanguageTag {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// Byte order, which is the order of the text (`str` compares bytes): maps keyed by tags keep their order
/// in serialized output.
impl Ord for LanguageTag {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_bytes().cmp(other.as_bytes())
    }
}

impl std::hash::Hash for LanguageTag {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl fmt::Debug for LanguageTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("LanguageTag").field(&self.as_str()).finish()
    }
}

/// Lets maps keyed by tags be searched with a plain `&str` (`"en"`) without building a tag. Consistent with
/// `Ord`, `Eq` and `Hash`, which are those of the string.
impl std::borrow::Borrow<str> for LanguageTag {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Display for LanguageTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for LanguageTag {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for LanguageTag {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Borrowed from the input where it can be: a tag never needs its own allocation.
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
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
    // One pass that counts, looks for a non-blank character and remembers the first forbidden one. Runs of
    // ASCII (nearly all of any notice, in every language here) go through a byte loop without early exit or
    // branches, so that it is vectorized; only the other characters are decoded. This runs for every text of
    // every notice on every refresh.
    let is_forbidden = |b: u8| ((b < 0x20) & !(multiline & (b == b'\n'))) | (b == 0x7f);
    let mut count = 0usize;
    let mut blank = true;
    let mut forbidden = None;
    let bytes = text.as_bytes();
    let mut at = 0;
    while at < bytes.len() {
        let rest = bytes.get(at..).unwrap_or_default();
        let run = &rest[..rest
            .iter()
            .position(|b| !b.is_ascii())
            .unwrap_or(rest.len())];
        count += run.len();
        blank = blank && run.iter().all(|&b| (b as char).is_whitespace());
        if forbidden.is_none() && run.iter().fold(false, |found, &b| found | is_forbidden(b)) {
            forbidden = run
                .iter()
                .copied()
                .find(|&b| is_forbidden(b))
                .map(char::from);
        }
        at += run.len();
        // A non-ASCII character starts here (`at` is on a character boundary: only ASCII bytes were skipped).
        if let Some(c) = text.get(at..).and_then(|t| t.chars().next()) {
            count += 1;
            blank &= c.is_whitespace();
            if forbidden.is_none() && (c.is_control() || is_format_trick(c)) {
                forbidden = Some(c);
            }
            at += c.len_utf8();
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

    /// The plain-text check as it was written first (two passes over characters): the reference that the
    /// faster one must agree with, on the verdict and on the message.
    fn reference_check(text: &str, max_chars: usize, multiline: bool) -> Result<(), InvalidField> {
        let count = text.chars().count();
        if text.chars().all(char::is_whitespace) {
            return Err(InvalidField::new("", "must not be empty"));
        }
        if count > max_chars {
            return Err(InvalidField::new(
                "",
                format!("too long: {count} characters, at most {max_chars}"),
            ));
        }
        let forbidden = text
            .chars()
            .find(|&c| (c.is_control() && !(multiline && c == '\n')) || is_format_trick(c));
        match forbidden {
            None => Ok(()),
            Some(c) => Err(InvalidField::new(
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
            )),
        }
    }

    proptest::proptest! {
        #[test]
        fn the_one_pass_check_agrees_with_the_reference(
            pieces in proptest::collection::vec(
                proptest::sample::select(vec![
                    "a", "Z", " ", "\n", "\t", "\r", "\u{0}", "\u{7f}", "\u{85}", "\u{a0}", "\u{2003}", "é", "ü",
                    "Ж", "中", "😀", "\u{200b}", "\u{202e}", "\u{2066}", "\u{feff}", "\u{2060}", "\u{9f}", ".",
                ]),
                0..40,
            ),
            max in 0usize..30,
            multiline in proptest::bool::ANY,
        ) {
            let text = pieces.concat();
            proptest::prop_assert_eq!(
                check_plain_text(&text, max, multiline),
                reference_check(&text, max, multiline),
                "{:?}", text
            );
        }
    }

    #[test]
    fn tags_order_and_hash_as_their_text() {
        use std::hash::{BuildHasher, RandomState};
        let texts = [
            "de",
            "de-at",
            "de-de",
            "en",
            "en-gb",
            "nl",
            "zh-hant-tw",
            "aaa",
            "ab-1",
        ];
        let mut tags: Vec<LanguageTag> = texts.iter().rev().map(|t| tag(t)).collect();
        tags.sort();
        let mut sorted = texts.to_vec();
        sorted.sort();
        assert_eq!(
            tags.iter().map(LanguageTag::as_str).collect::<Vec<_>>(),
            sorted
        );
        let hasher = RandomState::new();
        for t in texts {
            assert_eq!(hasher.hash_one(tag(t)), hasher.hash_one(t));
        }
        assert_eq!(format!("{:?}", tag("nl")), "LanguageTag(\"nl\")");
        assert_eq!(serde_json::to_string(&tag("de-de")).unwrap(), "\"de-de\"");
        let longest = "abc-12345678-12345678-12345678-1234";
        assert_eq!(longest.len(), LanguageTag::MAX_LEN);
        assert_eq!(tag(longest).as_str(), longest);
        assert!(LanguageTag::parse(&format!("{longest}5")).is_err());
        assert_eq!(
            tag(longest).parent().unwrap().as_str(),
            "abc-12345678-12345678-12345678"
        );
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
