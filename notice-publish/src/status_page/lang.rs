//! The languages the status page is written in. (Choosing one for a request, from `?lang=` and
//! `Accept-Language`, is the server's HTTP work.)

use std::fmt;
use std::str::FromStr;

use notice_types::LanguageTag;

/// A language the page's own words (headings, labels) exist in. Notice texts can be in more languages; they
/// fall back to English as in the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Lang {
    /// Dutch.
    Nl,
    /// English: the default and the fallback of every notice text.
    En,
    /// German.
    De,
}

impl Lang {
    /// Every language, in the order the language switcher lists them.
    pub const ALL: [Lang; 3] = [Lang::Nl, Lang::En, Lang::De];

    /// The language code: `nl`, `en`, `de`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Nl => "nl",
            Lang::En => "en",
            Lang::De => "de",
        }
    }

    /// The notice-types language tag, the start of the fallback chain for notice texts.
    pub fn tag(self) -> LanguageTag {
        match LanguageTag::parse(self.code()) {
            Ok(tag) => tag,
            // The three codes are valid tags; English is the right answer for any language anyway.
            Err(_) => LanguageTag::en(),
        }
    }

    /// The language's name in itself, as the switcher shows it.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::Nl => "Nederlands",
            Lang::En => "English",
            Lang::De => "Deutsch",
        }
    }

    /// The file of the page in this language: `index.nl.html`. These names work on any static host, so the
    /// switcher links relative to the page and needs no server.
    pub fn page_file(self) -> &'static str {
        match self {
            Lang::Nl => "index.nl.html",
            Lang::En => "index.en.html",
            Lang::De => "index.de.html",
        }
    }

    /// Reads a language tag leniently (`nl`, `NL`, `nl-BE`, `de_CH`): only the primary language counts.
    /// `None` for a language the page is not written in.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next().unwrap_or_default();
        Lang::ALL
            .into_iter()
            .find(|lang| primary.eq_ignore_ascii_case(lang.code()))
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Lang {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Lang::ALL
            .into_iter()
            .find(|lang| lang.code() == s)
            .ok_or_else(|| {
                format!(
                    "unknown page language `{}`; use nl, en or de",
                    s.escape_debug()
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_read_by_their_primary_language_only() {
        assert_eq!(Lang::from_tag("nl"), Some(Lang::Nl));
        assert_eq!(Lang::from_tag(" NL-be "), Some(Lang::Nl));
        assert_eq!(Lang::from_tag("de_AT"), Some(Lang::De));
        assert_eq!(Lang::from_tag("fr"), None);
        assert_eq!(Lang::from_tag(""), None);
    }

    #[test]
    fn page_files_and_codes_round_trip() {
        for lang in Lang::ALL {
            assert_eq!(lang.code().parse::<Lang>(), Ok(lang));
            assert_eq!(lang.page_file(), format!("index.{}.html", lang.code()));
            assert_eq!(lang.tag().as_str(), lang.code());
        }
        assert!("fr".parse::<Lang>().is_err());
    }
}
