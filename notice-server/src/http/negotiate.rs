//! Content negotiation: reading `Accept-Encoding` and `Accept-Language` (RFC 9110 §12.4.2, §12.5.3, §12.5.4).
//! Both are lists of `token;q=weight`; one parser, [`weighted`], reads them.

use notice_publish::status_page::Lang;

/// The items of a weighted list with their weights: `gzip;q=0.5, br` gives `("gzip", 0.5)`, `("br", 1.0)`.
/// A missing weight is 1; an unparsable one counts as 0, so a header nobody can read never wins anything.
/// Tokens are trimmed, not lowercased (callers compare case-insensitively, in place: this runs per GET).
fn weighted(header: &str) -> impl Iterator<Item = (&str, f32)> {
    header.split(',').map(|item| {
        let mut parts = item.split(';');
        let token = parts.next().unwrap_or_default().trim();
        let mut q = 1.0_f32;
        for param in parts {
            let param = param.trim();
            if let Some(value) = param
                .strip_prefix("q=")
                .or_else(|| param.strip_prefix("Q="))
            {
                q = value.trim().parse::<f32>().unwrap_or(0.0).clamp(0.0, 1.0);
            }
        }
        (token, q)
    })
}

/// A content coding the server has a variant for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Encoding {
    /// Brotli.
    Br,
    /// gzip.
    Gzip,
    /// Uncompressed.
    Identity,
}

impl Encoding {
    /// The `Content-Encoding` value, or `None` for identity (no header).
    pub(crate) fn header(self) -> Option<&'static str> {
        match self {
            Encoding::Br => Some("br"),
            Encoding::Gzip => Some("gzip"),
            Encoding::Identity => None,
        }
    }

    /// The encoding for an `Accept-Encoding` value: the highest q wins, `q=0` means "not acceptable", `*`
    /// covers codings not named, brotli wins ties (it is smaller) when `br_offered`. Identity is the answer
    /// when nothing else is acceptable, even if the client refused it: sending the plain document beats a
    /// 406 for a notice feed.
    pub(crate) fn choose(accept_encoding: Option<&str>, br_offered: bool) -> Encoding {
        let Some(header) = accept_encoding else {
            return Encoding::Identity;
        };
        let (mut br, mut gzip, mut star) = (None, None, None);
        for (coding, q) in weighted(header) {
            if coding.eq_ignore_ascii_case("br") {
                br = Some(q);
            } else if coding.eq_ignore_ascii_case("gzip") || coding.eq_ignore_ascii_case("x-gzip") {
                gzip = Some(q);
            } else if coding == "*" {
                star = Some(q);
            }
        }
        let br = if br_offered {
            br.or(star).unwrap_or(0.0)
        } else {
            0.0
        };
        let gzip = gzip.or(star).unwrap_or(0.0);
        if br > 0.0 && br >= gzip {
            Encoding::Br
        } else if gzip > 0.0 {
            Encoding::Gzip
        } else {
            Encoding::Identity
        }
    }
}

/// The language of a page: `?lang=` when it names one of ours, otherwise the best of ours in
/// `Accept-Language` (highest q, the earlier entry wins a tie, `q=0` means "not this one", `*` and languages
/// we do not have are skipped), otherwise `default`. An unsupported `?lang=` (`fr`) is not an error: the
/// visitor still gets a page, in the best language they accept.
pub(crate) fn page_lang(query: Option<&str>, accept_language: Option<&str>, default: Lang) -> Lang {
    query
        .and_then(Lang::from_tag)
        .or_else(|| accept_language.and_then(best_lang))
        .unwrap_or(default)
}

fn best_lang(header: &str) -> Option<Lang> {
    let mut best: Option<(f32, Lang)> = None;
    for (tag, q) in weighted(header) {
        let Some(lang) = Lang::from_tag(tag) else {
            continue;
        };
        if q > 0.0 && best.is_none_or(|(best_q, _)| q > best_q) {
            best = Some((q, lang));
        }
    }
    best.map(|(_, lang)| lang)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(header: Option<&str>, expect: Encoding) {
        assert_eq!(Encoding::choose(header, true), expect, "{header:?}");
    }

    #[test]
    fn weights_are_read_the_same_for_every_header() {
        let items: Vec<_> =
            weighted("gzip;q=0.5, br ,x;Q=2, y;q=nonsense, z;level=1;q=0.1").collect();
        assert_eq!(
            items,
            [
                ("gzip", 0.5),
                ("br", 1.0),
                ("x", 1.0),
                ("y", 0.0),
                ("z", 0.1)
            ]
        );
    }

    #[test]
    fn encoding_follows_q_values() {
        check(None, Encoding::Identity);
        check(Some(""), Encoding::Identity);
        check(Some("gzip"), Encoding::Gzip);
        check(Some("gzip, deflate, br"), Encoding::Br);
        check(Some("br;q=0, gzip"), Encoding::Gzip);
        check(Some("br;q=0.5, gzip;q=0.8"), Encoding::Gzip);
        check(Some("br;q=0.8, gzip;q=0.8"), Encoding::Br);
        check(Some("gzip;q=0, br;q=0"), Encoding::Identity);
        check(Some("*"), Encoding::Br);
        check(Some("*;q=0"), Encoding::Identity);
        check(Some("*, br;q=0"), Encoding::Gzip);
        check(Some("identity"), Encoding::Identity);
        check(Some("GZIP ; Q=1"), Encoding::Gzip);
        check(Some("br;q=nonsense, gzip"), Encoding::Gzip);
        check(Some("deflate"), Encoding::Identity);
    }

    #[test]
    fn without_brotli_the_next_choice_wins() {
        for (header, expect) in [
            (Some("gzip, deflate, br"), Encoding::Gzip),
            (Some("br"), Encoding::Identity),
            (Some("*"), Encoding::Gzip),
            (Some("br;q=1, gzip;q=0.1"), Encoding::Gzip),
            (None, Encoding::Identity),
        ] {
            assert_eq!(Encoding::choose(header, false), expect, "{header:?}");
        }
    }

    fn check_lang(query: Option<&str>, accept: Option<&str>, expect: Lang) {
        assert_eq!(
            page_lang(query, accept, Lang::En),
            expect,
            "{query:?} {accept:?}"
        );
    }

    #[test]
    fn the_query_wins_then_accept_language_then_the_default() {
        check_lang(None, None, Lang::En);
        check_lang(Some("nl"), Some("de"), Lang::Nl);
        check_lang(Some("DE"), None, Lang::De);
        check_lang(Some("fr"), Some("de-CH, de;q=0.9"), Lang::De);
        check_lang(Some(""), Some("nl"), Lang::Nl);
        check_lang(None, Some("fr-FR, fr;q=0.9"), Lang::En);
        assert_eq!(page_lang(None, Some("fr"), Lang::Nl), Lang::Nl);
    }

    #[test]
    fn accept_language_follows_q_values() {
        check_lang(None, Some("en;q=0.5, nl;q=0.8"), Lang::Nl);
        check_lang(None, Some("nl-NL,nl;q=0.9,en-US;q=0.8,en;q=0.7"), Lang::Nl);
        check_lang(None, Some("de;q=0.8, nl;q=0.8"), Lang::De);
        check_lang(None, Some("nl;q=0, de;q=0.1"), Lang::De);
        check_lang(None, Some("nl;q=0"), Lang::En);
        check_lang(None, Some("*"), Lang::En);
        check_lang(None, Some("fr, *;q=0.5, de;q=0.4"), Lang::De);
        check_lang(None, Some("nl;q=nonsense, de;q=0.2"), Lang::De);
        check_lang(None, Some("de_AT"), Lang::De);
        check_lang(None, Some(",,;;"), Lang::En);
    }
}
