//! The languages the status page is written in, and choosing one for a request.

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

    /// Chooses the language of a page: `?lang=` when it names one of ours, otherwise the `Accept-Language`
    /// header, otherwise `default`. An unsupported `?lang=` (`fr`) is not an error: the visitor still gets a
    /// page, in the best language they accept.
    pub fn negotiate(query: Option<&str>, accept_language: Option<&str>, default: Lang) -> Lang {
        query
            .and_then(Lang::from_tag)
            .or_else(|| accept_language.and_then(from_accept_language))
            .unwrap_or(default)
    }
}

/// The best of our languages in an `Accept-Language` value (RFC 9110 §12.5.4): the highest q wins, the
/// earlier entry wins a tie, `q=0` means "not this one"; `*` and languages we do not have are skipped.
fn from_accept_language(header: &str) -> Option<Lang> {
    let mut best: Option<(f32, Lang)> = None;
    for item in header.split(',') {
        let mut parts = item.split(';');
        let Some(lang) = Lang::from_tag(parts.next().unwrap_or_default()) else {
            continue;
        };
        let mut q = 1.0_f32;
        for param in parts {
            let param = param.trim();
            if let Some(value) = param
                .strip_prefix("q=")
                .or_else(|| param.strip_prefix("Q="))
            {
                // An unparsable weight counts as 0: a header we cannot read must not win.
                q = value.trim().parse::<f32>().unwrap_or(0.0).clamp(0.0, 1.0);
            }
        }
        if q > 0.0 && best.is_none_or(|(best_q, _)| q > best_q) {
            best = Some((q, lang));
        }
    }
    best.map(|(_, lang)| lang)
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

    fn check(query: Option<&str>, accept: Option<&str>, expect: Lang) {
        assert_eq!(
            Lang::negotiate(query, accept, Lang::En),
            expect,
            "{query:?} {accept:?}"
        );
    }

    #[test]
    fn the_query_wins_then_accept_language_then_the_default() {
        check(None, None, Lang::En);
        check(Some("nl"), Some("de"), Lang::Nl);
        check(Some("DE"), None, Lang::De);
        check(Some("fr"), Some("de-CH, de;q=0.9"), Lang::De);
        check(Some(""), Some("nl"), Lang::Nl);
        check(None, Some("fr-FR, fr;q=0.9"), Lang::En);
        assert_eq!(Lang::negotiate(None, Some("fr"), Lang::Nl), Lang::Nl);
    }

    #[test]
    fn accept_language_follows_q_values() {
        check(None, Some("en;q=0.5, nl;q=0.8"), Lang::Nl);
        check(None, Some("nl-NL,nl;q=0.9,en-US;q=0.8,en;q=0.7"), Lang::Nl);
        check(None, Some("de;q=0.8, nl;q=0.8"), Lang::De);
        check(None, Some("nl;q=0, de;q=0.1"), Lang::De);
        check(None, Some("nl;q=0"), Lang::En);
        check(None, Some("*"), Lang::En);
        check(None, Some("fr, *;q=0.5, de;q=0.4"), Lang::De);
        check(None, Some("nl;q=nonsense, de;q=0.2"), Lang::De);
        check(None, Some("de_AT"), Lang::De);
        check(None, Some(",,;;"), Lang::En);
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
