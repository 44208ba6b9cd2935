//! The public status page and its Atom feed, rendered from a feed payload: pure (no I/O, `now` is an
//! argument), so the server, the mirror and `notice export` all produce the same files from the same feed.
//!
//! # Files
//! A status page is a handful of static files that work on any host, with no server logic and no JavaScript:
//!
//! | file | what |
//! |---|---|
//! | `index.html` | the page in the site's default language ([`Site::default_lang`], English unless configured) |
//! | `index.nl.html`, `index.en.html`, `index.de.html` | the page in each language; the language switcher links these, relative to the page |
//! | `feed.atom` | Atom 1.0, one entry per notice and per update, in the default language |
//!
//! [`render_all`] gives all of them. The server also answers `GET /` by negotiation (`?lang=`, then
//! `Accept-Language`).
//!
//! # What the page shows
//! Sorted by [`view::section`] at `now`: current incidents and announcements with their timelines (newest
//! first), maintenance in progress (by its window: [`notice_types::effective_status`]), upcoming maintenance
//! (also before its `show_from`), and recently resolved notices (closed ones the feed still carries). The
//! headline says "all systems operational" when nothing is open. When the feed has expired, a banner says
//! the information may be stale. Notice texts use the app's fallback ([`notice_types::fallback_chain`]) from
//! the page's language, and are marked with their own `lang` where they fall back.
//!
//! # Safety
//! Notice texts are plain text from the feed; the template escapes every value (askama), so a title such as
//! `<script>` is shown as those characters. Links are only ever the notice's validated `https://` link.

pub mod atom;
pub mod html;
pub mod lang;
pub mod strings;
pub mod view;

use notice_types::{FeedId, FeedPayload, InvalidField, Timestamp, check_plain_text};
use url::Url;

pub use lang::Lang;
pub use strings::Strings;
pub use view::next_change;

/// File name of the page in the default language.
pub const INDEX_FILE: &str = "index.html";
/// File name of the Atom feed.
pub const ATOM_FILE: &str = "feed.atom";
/// Content type of the pages.
pub const HTML_CONTENT_TYPE: &str = "text/html; charset=utf-8";
/// Content type of the Atom feed.
pub const ATOM_CONTENT_TYPE: &str = "application/atom+xml; charset=utf-8";

/// Longest site name.
const MAX_SITE_NAME_CHARS: usize = 80;

/// Who the page is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    /// The service's name as the page shows it: `Yivi` gives "Yivi status", "Status van Yivi".
    pub name: String,
    /// The language of `index.html` and `feed.atom`, and of `GET /` when nothing else decides.
    pub default_lang: Lang,
    /// Where the page is published (`https://status.example.org/`), for absolute links in the Atom feed.
    /// Without it the feed has no links (still valid Atom: every entry has content).
    pub base_url: Option<Url>,
}

impl Site {
    /// Checks the name (plain text, one line, at most 80 characters) and the base URL (http or https, no
    /// query or fragment; a trailing `/` is added to the path).
    pub fn new(
        name: &str,
        default_lang: Lang,
        base_url: Option<&str>,
    ) -> Result<Self, InvalidField> {
        check_plain_text(name, MAX_SITE_NAME_CHARS, false).map_err(|e| e.within("site_name"))?;
        let base_url = base_url
            .map(|text| {
                let invalid = |reason: &str| InvalidField::new("site_url", reason);
                let mut url = Url::parse(text).map_err(|e| invalid(&e.to_string()))?;
                if !matches!(url.scheme(), "https" | "http") {
                    return Err(invalid("must be an https:// (or http://) URL"));
                }
                if url.query().is_some() || url.fragment().is_some() {
                    return Err(invalid("must not have a query or fragment"));
                }
                if !url.path().ends_with('/') {
                    let path = format!("{}/", url.path());
                    url.set_path(&path);
                }
                Ok(url)
            })
            .transpose()?;
        Ok(Self {
            name: name.to_owned(),
            default_lang,
            base_url,
        })
    }

    /// The site when none is configured: named after the feed id's first part (`yivi-app` for
    /// `yivi-app/production`), in English, without a public URL.
    pub fn for_feed(feed_id: &FeedId) -> Site {
        let name = feed_id
            .as_str()
            .split('/')
            .next()
            .unwrap_or(feed_id.as_str());
        Site::new(name, Lang::En, None).unwrap_or_else(|_| Site {
            name: "Service".to_owned(),
            default_lang: Lang::En,
            base_url: None,
        })
    }

    /// The absolute URL of the page in `lang`, if the base URL is known.
    pub fn page_url(&self, lang: Lang) -> Option<String> {
        self.base_url
            .as_ref()
            .map(|base| format!("{base}{}", lang.page_file()))
    }
}

/// The status page for `feed` in `lang` as of `now`: a complete HTML document with inline CSS and no
/// scripts.
pub fn render_html(feed: &FeedPayload, lang: Lang, now: Timestamp, site: &Site) -> String {
    html::render(feed, lang, now, site)
}

/// The Atom feed for `feed` in `lang` as of `now`: one entry per notice the page shows and per update of
/// each (see [`atom`] for the ids).
pub fn render_atom(feed: &FeedPayload, lang: Lang, now: Timestamp, site: &Site) -> String {
    atom::render(feed, lang, now, site)
}

/// One file of a static status page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaticFile {
    /// File name, relative to the directory the page is published from.
    pub name: &'static str,
    /// Its content type, for hosts that need to be told.
    pub content_type: &'static str,
    /// The contents.
    pub body: String,
}

/// Every file of the status page (see the module documentation), ready for a static host.
pub fn render_all(feed: &FeedPayload, now: Timestamp, site: &Site) -> Vec<StaticFile> {
    let mut files = vec![StaticFile {
        name: INDEX_FILE,
        content_type: HTML_CONTENT_TYPE,
        body: render_html(feed, site.default_lang, now, site),
    }];
    for lang in Lang::ALL {
        files.push(StaticFile {
            name: lang.page_file(),
            content_type: HTML_CONTENT_TYPE,
            body: render_html(feed, lang, now, site),
        });
    }
    files.push(StaticFile {
        name: ATOM_FILE,
        content_type: ATOM_CONTENT_TYPE,
        body: render_atom(feed, site.default_lang, now, site),
    });
    files
}

#[cfg(test)]
mod tests {
    use super::*;
    use notice_tests::NoticeBuilder;
    use notice_types::{FeedId, Notice, Severity, Status};

    const NOW: i64 = 1_790_000_000;

    fn at(offset: i64) -> Timestamp {
        Timestamp::from_unix(NOW + offset)
    }

    fn site() -> Site {
        Site::new("Yivi", Lang::En, Some("https://status.example.org")).unwrap()
    }

    /// An identified outage titled `title`, posted at `at(-100)`, with markup characters in its texts.
    fn outage(title: &str) -> Notice {
        NoticeBuilder::new("2026-09-21-keyshare-3f9a", Severity::Outage)
            .english(title, "Line one\nline two & more")
            .revision(2)
            .status(Status::Identified)
            .posted_at(at(-100))
            .updated(50)
            .link("https://yivi.app/status")
            .update(50, Status::Identified, &[("en", "Found it <b>")])
            .build()
    }

    fn feed(notices: Vec<Notice>) -> FeedPayload {
        FeedPayload {
            feed_id: FeedId::parse("yivi-app/test").unwrap(),
            version: 7,
            issued_at: at(-10),
            expires_at: at(3600),
            notices,
        }
    }

    #[test]
    fn site_names_and_urls_are_checked_and_normalized() {
        let site = site();
        assert_eq!(
            site.page_url(Lang::Nl).unwrap(),
            "https://status.example.org/index.nl.html"
        );
        let sub = Site::new("Yivi", Lang::En, Some("https://example.org/status")).unwrap();
        assert_eq!(
            sub.page_url(Lang::De).unwrap(),
            "https://example.org/status/index.de.html"
        );
        assert_eq!(
            Site::new("", Lang::En, None).unwrap_err().field,
            "site_name"
        );
        assert_eq!(
            Site::new("a\nb", Lang::En, None).unwrap_err().field,
            "site_name"
        );
        for bad in ["ftp://x.org/", "https://x.org/?a=1", "not a url"] {
            assert_eq!(
                Site::new("x", Lang::En, Some(bad)).unwrap_err().field,
                "site_url",
                "{bad}"
            );
        }
    }

    #[test]
    fn every_value_is_escaped() {
        let html = render_html(
            &feed(vec![outage("<script>alert(1)</script>")]),
            Lang::En,
            at(0),
            &site(),
        );
        assert!(!html.contains("<script>"), "{html}");
        assert!(
            html.contains("&#60;script&#62;alert(1)&#60;/script&#62;"),
            "{html}"
        );
        assert!(html.contains("Found it &#60;b&#62;"));
        assert!(html.contains("line two &#38; more"));
    }

    #[test]
    fn the_page_is_semantic_and_links_the_other_languages() {
        let html = render_html(&feed(vec![outage("Down")]), Lang::De, at(0), &site());
        for needle in [
            "<html lang=\"de\">",
            "<meta name=\"viewport\"",
            "<main>",
            "<nav aria-label=\"Sprache\">",
            "<footer>",
            "href=\"index.nl.html\" hreflang=\"nl\" lang=\"nl\">Nederlands</a>",
            "href=\"index.de.html\" hreflang=\"de\" lang=\"de\" aria-current=\"page\">Deutsch</a>",
            "<h1>Yivi Status</h1>",
            "<h2 id=\"incidents\">Aktuelle Störungen</h2>",
            "<time datetime=\"2026-09-21T14:12:30Z\">2026-09-21 14:12 UTC</time>",
            "Schwere Störung",
            "<h3 id=\"notice-2026-09-21-keyshare-3f9a-title\" lang=\"en\">Down</h3>",
            "href=\"https://yivi.app/status\"",
            "Feed-Version 7",
        ] {
            assert!(html.contains(needle), "missing {needle:?} in\n{html}");
        }
        assert!(!html.to_ascii_lowercase().contains("<script"));
    }

    #[test]
    fn an_empty_feed_says_all_systems_operational() {
        let html = render_html(&feed(vec![]), Lang::Nl, at(0), &site());
        assert!(html.contains("Alle systemen werken normaal"), "{html}");
        assert!(!html.contains("<h2"), "no empty sections");
    }

    #[test]
    fn an_expired_feed_gets_the_stale_banner() {
        let f = feed(vec![]);
        let fresh = render_html(&f, Lang::En, at(0), &site());
        assert!(!fresh.contains("may be stale"));
        let stale = render_html(&f, Lang::En, at(3600), &site());
        assert!(stale.contains("This information may be stale"), "{stale}");
        assert!(stale.contains("expired at 2026-09-21 15:13 UTC"), "{stale}");
    }

    #[test]
    fn atom_has_one_entry_per_notice_and_update_with_stable_ids() {
        let text = render_atom(&feed(vec![outage("Down")]), Lang::En, at(0), &site());
        let atom: atom_syndication::Feed = text.parse().unwrap();
        assert_eq!(atom.id, "urn:notice:yivi-app/test");
        let ids: Vec<&str> = atom.entries.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "urn:notice:yivi-app/test:notice:2026-09-21-keyshare-3f9a",
                "urn:notice:yivi-app/test:notice:2026-09-21-keyshare-3f9a:update:0"
            ]
        );
        assert_eq!(atom.entries[0].title.value, "[Outage] Down");
        assert_eq!(
            atom.entries[0].links[0].href,
            "https://status.example.org/index.en.html#notice-2026-09-21-keyshare-3f9a"
        );
        assert!(
            atom.links
                .iter()
                .any(|l| l.rel == "self" && l.href == "https://status.example.org/feed.atom")
        );
        assert_eq!(atom.updated, at(-50).as_datetime().fixed_offset());
    }

    #[test]
    fn all_static_files_are_rendered() {
        let names: Vec<&str> = render_all(&feed(vec![]), at(0), &site())
            .iter()
            .map(|f| f.name)
            .collect();
        assert_eq!(
            names,
            [
                "index.html",
                "index.nl.html",
                "index.en.html",
                "index.de.html",
                "feed.atom"
            ]
        );
    }
}
