//! Localized plain text: language tags, the language→text map with mandatory `en`, and the plain-text rules.
//!
//! A notice reaches millions of phones, so it is a phishing channel if it can carry markup or tricks. Text is
//! plain: no control characters (a title is one line), no bidirectional overrides that reorder what is shown.

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
    /// The tag, then zeros: every constructor keeps the bytes past `len` zero, which `PartialEq` relies on.
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

/// Equal when the texts are: the bytes past `len` are always zero, so whole arrays compare, without a call to
/// `memcmp` (tags are compared for every text of every notice that is selected).
impl PartialEq for LanguageTag {
    fn eq(&self, other: &Self) -> bool {
        self.len == other.len && self.bytes == other.bytes
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
        // Read in place: a tag never needs an allocation of its own.
        crate::bounded::parse_str(deserializer, "a language tag", Self::parse)
    }
}

/// Text in several languages. `en` is always present: it is the fallback of last resort.
///
/// Parsing rejects duplicate languages (two parsers must never disagree on which one wins), more than
/// [`MAX_LANGUAGES`] entries, and a missing `en`. Length and plain-text rules depend on where the text is used
/// and are checked by [`LocalizedText::check_plain`].
///
/// Held as two allocations whatever the number of languages: the tags in order, and every text one after
/// the other in one string. Every notice has several of these and every refresh reads them all; a map of
/// strings cost a node and a string per language.
#[derive(Clone, PartialEq, Eq)]
pub struct LocalizedText {
    /// The languages in tag order, each with where its text ends in `texts` (it starts where the one before
    /// ends). Sorted and without duplicates, so equal texts are equal values.
    entries: Vec<(LanguageTag, usize)>,
    /// The texts, in the order of `entries`.
    texts: String,
}

impl LocalizedText {
    /// Text with only English.
    pub fn english(text: impl Into<String>) -> Self {
        let texts = text.into();
        Self {
            entries: vec![(LanguageTag::en(), texts.len())],
            texts,
        }
    }

    /// Builds from pairs; fails without `en`, with duplicates or with too many languages.
    pub fn from_pairs<I, S>(pairs: I) -> Result<Self, InvalidField>
    where
        I: IntoIterator<Item = (LanguageTag, S)>,
        S: Into<String>,
    {
        // Kept in tag order as they come (an insertion sort: a handful of languages, and no generic sort's code
        // in the client).
        let mut sorted: Vec<(LanguageTag, String)> = Vec::new();
        for (lang, text) in pairs {
            match sorted.binary_search_by(|(seen, _)| seen.cmp(&lang)) {
                Ok(_) => return Err(InvalidField::new(lang.as_str(), "language given twice")),
                Err(at) => sorted.insert(at, (lang, text.into())),
            }
        }
        let mut texts = String::with_capacity(sorted.iter().map(|(_, t)| t.len()).sum());
        let entries = sorted
            .iter()
            .map(|(lang, text)| {
                texts.push_str(text);
                (lang.clone(), texts.len())
            })
            .collect();
        Self::checked(entries, texts)
    }

    /// Refuses too many languages and a missing `en`; `entries` are sorted and distinct.
    fn checked(entries: Vec<(LanguageTag, usize)>, texts: String) -> Result<Self, InvalidField> {
        if entries.len() > MAX_LANGUAGES {
            return Err(InvalidField::new(
                "",
                format!("at most {MAX_LANGUAGES} languages"),
            ));
        }
        let text = Self { entries, texts };
        if text.find(&LanguageTag::en()).is_none() {
            return Err(InvalidField::new(
                "en",
                "English text is required: it is the fallback for every user",
            ));
        }
        Ok(text)
    }

    /// The position of `lang` in `entries` (a handful: a scan beats a binary search).
    fn find(&self, lang: &LanguageTag) -> Option<usize> {
        self.entries.iter().position(|(tag, _)| tag == lang)
    }

    /// The text of entry `index`.
    fn text_at(&self, index: usize) -> &str {
        let start = index
            .checked_sub(1)
            .and_then(|before| self.entries.get(before))
            .map_or(0, |(_, end)| *end);
        let end = self.entries.get(index).map_or(start, |(_, end)| *end);
        // Ends are where pushed texts ended, so always character boundaries; "" is the unreachable fallback.
        self.texts.get(start..end).unwrap_or_default()
    }

    /// The text in `lang`, if given.
    pub fn get(&self, lang: &LanguageTag) -> Option<&str> {
        self.find(lang).map(|index| self.text_at(index))
    }

    /// The English text (always present).
    pub fn en(&self) -> &str {
        self.find(&LanguageTag::en())
            .map(|index| self.text_at(index))
            .unwrap_or_default()
    }

    /// Languages and texts, in tag order.
    pub fn iter(&self) -> impl Iterator<Item = (&LanguageTag, &str)> {
        self.entries
            .iter()
            .enumerate()
            .map(|(index, (lang, _))| (lang, self.text_at(index)))
    }

    /// The languages present.
    pub fn languages(&self) -> impl Iterator<Item = &LanguageTag> {
        self.entries.iter().map(|(lang, _)| lang)
    }

    /// Checks every language's text against the plain-text rules with `max_chars` and whether line breaks
    /// are allowed. The error names the language, e.g. `nl`.
    pub fn check_plain(&self, max_chars: usize, multiline: bool) -> Result<(), InvalidField> {
        for (lang, text) in self.iter() {
            check_plain_text(text, max_chars, multiline).map_err(|e| e.within(lang.as_str()))?;
        }
        Ok(())
    }
}

impl fmt::Debug for LocalizedText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LocalizedText(")?;
        f.debug_map().entries(self.iter()).finish()?;
        f.write_str(")")
    }
}

/// An object of language tag → text, in tag order.
impl Serialize for LocalizedText {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}

/// The plain-text rule: not blank, at most `max_chars` characters, no control characters (except line breaks
/// where `multiline`), no bidirectional overrides or invisible formatting that could disguise a link.
pub fn check_plain_text(text: &str, max_chars: usize, multiline: bool) -> Result<(), InvalidField> {
    // This runs for every text of every notice on every refresh, so the verdict comes from loops over bytes
    // without early exits, which the compiler vectorizes; only non-ASCII characters (a few per text in
    // Dutch and German) are decoded, and the forbidden character is only looked up for the error message.
    let bytes = text.as_bytes();
    let is_forbidden_ascii = |b: u8| ((b < 0x20) & !(multiline & (b == b'\n'))) | (b == 0x7f);
    // std counts characters a word at a time.
    let count = text.chars().count();
    let mut forbidden = bytes
        .iter()
        .fold(false, |found, &b| found | is_forbidden_ascii(b));
    if !text.is_ascii() {
        let mut rest = text;
        while let Some(at) = rest.bytes().position(|b| !b.is_ascii()) {
            let wide = rest.get(at..).unwrap_or_default();
            let Some(c) = wide.chars().next() else { break };
            forbidden |= c.is_control() || is_format_trick(c);
            rest = wide.get(c.len_utf8()..).unwrap_or_default();
        }
    }
    if text.chars().all(char::is_whitespace) {
        return Err(InvalidField::new("", "must not be empty"));
    }
    if count > max_chars {
        return Err(InvalidField::new(
            "",
            format!("too long: {count} characters, at most {max_chars}"),
        ));
    }
    let is_forbidden =
        |c: char| (c.is_control() && !(multiline && c == '\n')) || is_format_trick(c);
    if let Some(c) = forbidden
        .then(|| text.chars().find(|&c| is_forbidden(c)))
        .flatten()
    {
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
                let mut entries: Vec<(LanguageTag, usize)> = Vec::new();
                let mut texts = String::new();
                while let Some(lang) = access.next_key::<LanguageTag>()? {
                    if entries.len() == MAX_LANGUAGES {
                        return Err(serde::de::Error::custom(format!(
                            "at most {MAX_LANGUAGES} languages"
                        )));
                    }
                    if entries.iter().any(|(seen, _)| *seen == lang) {
                        return Err(serde::de::Error::custom(format!(
                            "language `{lang}` given twice"
                        )));
                    }
                    access.next_value_seed(AppendTo(&mut texts))?;
                    entries.push((lang, texts.len()));
                }
                let text = LocalizedText { entries, texts };
                // Writers put the languages in tag order; any other order is read and put in order.
                let text = if text.entries.is_sorted_by(|a, b| a.0 < b.0) {
                    LocalizedText::checked(text.entries, text.texts)
                } else {
                    LocalizedText::from_pairs(text.iter().map(|(lang, t)| (lang.clone(), t)))
                };
                text.map_err(serde::de::Error::custom)
            }
        }
        deserializer.deserialize_map(TextVisitor)
    }
}

/// Reads a JSON string onto the end of a `String`, without an allocation of its own.
struct AppendTo<'a>(&'a mut String);

impl<'de> serde::de::DeserializeSeed<'de> for AppendTo<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl Visitor<'_> for AppendTo<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<(), E> {
        if self.0.is_empty() {
            // The other languages are about as long as the first: room for three more, one allocation for
            // most texts instead of one per doubling.
            self.0.reserve(v.len().saturating_mul(4));
        }
        self.0.push_str(v);
        Ok(())
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
    fn texts_in_any_order_are_one_value_in_tag_order() {
        let sorted: LocalizedText =
            serde_json::from_str(r#"{"de":"Stö\u0072ung","en":"Outage","nl":"Storing"}"#).unwrap();
        let shuffled: LocalizedText =
            serde_json::from_str(r#"{"nl":"Storing","en":"Outage","de":"Störung"}"#).unwrap();
        assert_eq!(sorted, shuffled);
        assert_eq!(
            serde_json::to_string(&shuffled).unwrap(),
            r#"{"de":"Störung","en":"Outage","nl":"Storing"}"#
        );
        assert_eq!(shuffled.get(&tag("de")), Some("Störung"));
        assert_eq!(shuffled.get(&tag("nl")), Some("Storing"));
        assert_eq!(shuffled.get(&tag("fr")), None);
        assert_eq!(shuffled.en(), "Outage");
        let pairs: Vec<_> = shuffled.iter().map(|(l, t)| (l.as_str(), t)).collect();
        assert_eq!(
            pairs,
            [("de", "Störung"), ("en", "Outage"), ("nl", "Storing")]
        );
        let built = LocalizedText::from_pairs([
            (tag("nl"), "Storing"),
            (tag("de"), "Störung"),
            (tag("en"), "Outage"),
        ])
        .unwrap();
        assert_eq!(built, sorted);
        assert_eq!(
            format!("{built:?}"),
            r#"LocalizedText({LanguageTag("de"): "Störung", LanguageTag("en"): "Outage", LanguageTag("nl"): "Storing"})"#
        );
        // Empty texts are values like any other (the plain-text check refuses them where they are used).
        let empty = LocalizedText::from_pairs([(tag("en"), ""), (tag("nl"), "x")]).unwrap();
        assert_eq!((empty.en(), empty.get(&tag("nl"))), ("", Some("x")));
        assert!(
            LocalizedText::from_pairs([(tag("en"), "a"), (tag("en"), "b")])
                .unwrap_err()
                .to_string()
                .contains("given twice")
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
