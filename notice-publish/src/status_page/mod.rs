//! The public status page and its Atom feed, rendered from a feed payload: pure (no I/O, `now` is an
//! argument), so the server, the mirror and `notice export` all produce the same files from the same feed.
//!
//! # Files
//! A status page is a handful of static files that work on any host, with no server logic. Their one inline
//! script ([`script`]) only unhides the stale banner once the feed has expired by the reader's clock;
//! without it the page still says until when it is valid:
//!
//! | file | what |
//! |---|---|
//! | `index.html` | the page in the site's default language ([`Site::default_lang`], English unless configured) |
//! | `index.nl.html`, `index.en.html`, `index.de.html` | the page in each language; the language switcher links these, relative to the page |
//! | `history.html`, `history.nl.html`, `history.en.html`, `history.de.html` | the past notices ([`HISTORY_DAYS`] days), in the default language and in each |
//! | `feed.atom` | Atom 1.0, one entry per notice and per update, in the default language |
//!
//! [`render_all`] gives the pages and the Atom feed, [`render_history`] the history pages; an export
//! ([`crate::export`]) writes all of them. The server also answers `GET /` by negotiation (`?lang=`, then
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
pub mod history;
pub mod html;
pub mod lang;
pub mod local_time;
pub mod script;
pub mod strings;
pub mod view;

use jiff::tz::TimeZone;
use notice_types::{
    ComponentInfo, FeedId, FeedPayload, InvalidField, LanguageTag, ServiceInfo, Timestamp,
    check_plain_text,
};
use url::Url;

pub use history::{HISTORY_DAYS, render_history};
pub use script::{meta_csp, page_csp};

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
    /// Without it the feed's links are relative to the feed's own address (which works on any host).
    pub base_url: Option<Url>,
    /// The IANA name of the zone times are shown in (`Europe/Amsterdam`); `UTC` unless configured.
    pub time_zone_name: String,
    /// That zone, from the bundled tz database.
    pub time_zone: TimeZone,
    /// The component registry, in display order.
    pub components: Vec<ComponentInfo>,
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
            time_zone_name: "UTC".to_owned(),
            time_zone: TimeZone::UTC,
            components: Vec::new(),
        })
    }

    /// The same site showing times in `name`, an IANA time zone of the bundled database.
    pub fn with_time_zone(mut self, name: &str) -> Result<Self, InvalidField> {
        let zone = local_time::zone(name).ok_or_else(|| {
            InvalidField::new(
                "time_zone",
                format!(
                    "`{}` is not a time zone of the IANA database (e.g. Europe/Amsterdam, UTC)",
                    name.escape_debug()
                ),
            )
        })?;
        // Checked by the protocol's rules too, since the name is signed into every feed.
        self.time_zone_name = name.to_owned();
        self.time_zone = zone;
        self.service()
            .validate()
            .map_err(|e| InvalidField::new("time_zone", e.reason))?;
        Ok(self)
    }

    /// The same site with the component registry `components` (display order; ids unique, names with
    /// `en`, one line each).
    pub fn with_components(mut self, components: Vec<ComponentInfo>) -> Result<Self, InvalidField> {
        self.components = components;
        self.service().validate()?;
        Ok(self)
    }

    /// What the origin signs into every feed (the payload's `service`), so mirrors, exports and apps show
    /// the same names, links, times and components.
    pub fn service(&self) -> ServiceInfo {
        ServiceInfo {
            name: self.name.clone(),
            url: self.base_url.as_ref().map(ToString::to_string),
            time_zone: (self.time_zone_name != "UTC").then(|| self.time_zone_name.clone()),
            lang: Some(self.default_lang.tag()),
            components: self.components.clone(),
        }
    }

    /// The site a feed describes (its signed `service`), or this one for a feed without. Everything that
    /// renders a feed it did not sign (a mirror, an export) shows the origin's site this way.
    pub fn for_feed_payload(&self, feed: &FeedPayload) -> Site {
        match &feed.service {
            Some(service) => Site::from_service(service, self),
            None => self.clone(),
        }
    }

    /// `service` as a site; what it leaves out (or what this build cannot use: an unknown zone, a
    /// language the page is not written in) comes from `fallback`.
    pub fn from_service(service: &ServiceInfo, fallback: &Site) -> Site {
        let default_lang = service
            .lang
            .as_ref()
            .map(LanguageTag::as_str)
            .and_then(Lang::from_tag)
            .unwrap_or(fallback.default_lang);
        let base_url = service
            .url
            .as_deref()
            .and_then(|url| Url::parse(url).ok())
            .or_else(|| fallback.base_url.clone());
        let (time_zone_name, time_zone) = match service
            .time_zone
            .as_deref()
            .and_then(|name| local_time::zone(name).map(|zone| (name.to_owned(), zone)))
        {
            Some(found) => found,
            None => (fallback.time_zone_name.clone(), fallback.time_zone.clone()),
        };
        Site {
            name: service.name.clone(),
            default_lang,
            base_url,
            time_zone_name,
            time_zone,
            components: service.components.clone(),
        }
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
            time_zone_name: "UTC".to_owned(),
            time_zone: TimeZone::UTC,
            components: Vec::new(),
        })
    }

    /// The absolute URL of the page in `lang`, if the base URL is known.
    pub fn page_url(&self, lang: Lang) -> Option<String> {
        self.base_url
            .as_ref()
            .map(|base| format!("{base}{}", lang.page_file()))
    }
}

/// The status page for `feed` in `lang` as of `now`: a complete HTML document with inline CSS and one small
/// inline script (the stale banner, allowed by its hash: [`page_csp`]). The feed's own `service` decides
/// name, links, time zone and components when it has one ([`Site::for_feed_payload`]).
pub fn render_html(feed: &FeedPayload, lang: Lang, now: Timestamp, site: &Site) -> String {
    html::render(feed, lang, now, &site.for_feed_payload(feed))
}

/// The Atom feed for `feed` in `lang` as of `now`: one entry per notice the page shows and per update of
/// each (see [`atom`] for the ids).
pub fn render_atom(feed: &FeedPayload, lang: Lang, now: Timestamp, site: &Site) -> String {
    atom::render(feed, lang, now, &site.for_feed_payload(feed))
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
    let site = &site.for_feed_payload(feed);
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
    use notice_types::{
        ComponentInfo, FeedId, LanguageTag, LocalizedText, Notice, NoticeId, Severity, Status,
        Update,
    };

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
            service: None,
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
        assert!(!html.contains("<script>alert"), "{html}");
        assert_eq!(
            html.matches("<script>").count(),
            1,
            "only the page's own script"
        );
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
            "<time datetime=\"2026-09-21T14:12:30Z\">21. September 2026, 14:12 UTC</time>",
            "Schwere Störung",
            "<h3 id=\"notice-2026-09-21-keyshare-3f9a-title\" lang=\"en\">Down</h3>",
            "href=\"https://yivi.app/status\"",
            "Feed-Version 7",
            "href=\"history.de.html\"",
        ] {
            assert!(html.contains(needle), "missing {needle:?} in\n{html}");
        }
        let csp = format!(
            "<meta http-equiv=\"Content-Security-Policy\" content=\"{}\">",
            meta_csp().replace('\'', "&#39;")
        );
        assert!(html.contains(&csp), "{html}");
        assert!(html.contains(&format!("<script>{}</script>", script::SCRIPT)));
    }

    #[test]
    fn an_empty_feed_says_all_systems_operational() {
        let html = render_html(&feed(vec![]), Lang::Nl, at(0), &site());
        assert!(html.contains("Alle systemen werken normaal"), "{html}");
        assert!(!html.contains("<h2 id=\"incidents\""), "no empty sections");
        assert!(
            !html.contains("<h2 id=\"components\""),
            "no registry, no list"
        );
    }

    #[test]
    fn the_stale_banner_is_shown_when_expired_and_otherwise_waits_for_the_script() {
        let f = feed(vec![]);
        let fresh = render_html(&f, Lang::En, at(0), &site());
        assert!(
            fresh.contains("<section id=\"stale\" class=\"stale\" aria-labelledby=\"stale-heading\" data-expires=\"2026-09-21T15:13:20Z\" hidden>"),
            "{fresh}"
        );
        let stale = render_html(&f, Lang::En, at(3600), &site());
        assert!(
            stale.contains("data-expires=\"2026-09-21T15:13:20Z\">"),
            "{stale}"
        );
        assert!(stale.contains("This information may be stale"), "{stale}");
        assert!(
            stale.contains("expired on 21 September 2026, 15:13 UTC"),
            "{stale}"
        );
        // Without JavaScript, "last confirmed … valid until …" is at the top, not only in the footer.
        let top = &fresh[..fresh.find("<footer>").unwrap()];
        assert!(
            top.contains("<p class=\"confirmed\" id=\"confirmed\"><strong>Last confirmed</strong>")
        );
        assert!(top.contains("Valid until <time datetime=\"2026-09-21T15:13:20Z\">"));
    }

    /// The Yivi site of the examples: Dutch by default, Amsterdam time, two components.
    fn yivi() -> Site {
        let component = |id: &str, en: &str, nl: &str, de: &str| ComponentInfo {
            id: notice_types::Component::parse(id).unwrap(),
            name: LocalizedText::from_pairs([
                (LanguageTag::en(), en),
                (LanguageTag::parse("nl").unwrap(), nl),
                (LanguageTag::parse("de").unwrap(), de),
            ])
            .unwrap(),
        };
        Site::new("Yivi", Lang::Nl, Some("https://status.yivi.app/"))
            .unwrap()
            .with_time_zone("Europe/Amsterdam")
            .unwrap()
            .with_components(vec![
                component(
                    "keyshare",
                    "PIN validation",
                    "Pincode controleren",
                    "PIN-Prüfung",
                ),
                component(
                    "issuance",
                    "Issuing cards",
                    "Kaarten uitgeven",
                    "Karten ausstellen",
                ),
            ])
            .unwrap()
    }

    fn t(text: &str) -> Timestamp {
        Timestamp::parse(text).unwrap()
    }

    fn nl_en(en: &str, nl: &str) -> LocalizedText {
        LocalizedText::from_pairs([
            (LanguageTag::en(), en),
            (LanguageTag::parse("nl").unwrap(), nl),
        ])
        .unwrap()
    }

    /// 1 July 2026, 16:24 in Amsterdam: an outage open since 14:14, one resolved this morning, and
    /// maintenance in December.
    fn summer_day() -> (FeedPayload, Timestamp) {
        let mut open = outage("PIN validation is down");
        open.id = NoticeId::parse("open-outage").unwrap();
        open.title = nl_en("PIN validation is down", "Pincode controleren werkt niet");
        open.body = nl_en("You cannot log in.", "Inloggen lukt nu niet.");
        open.components = vec![notice_types::Component::parse("keyshare").unwrap()];
        open.created_at = t("2026-07-01T12:14:00Z");
        open.updated_at = t("2026-07-01T13:00:00Z");
        open.updates = vec![Update {
            at: t("2026-07-01T13:00:00Z"),
            status: Status::Identified,
            message: nl_en("Cause found.", "Oorzaak gevonden."),
        }];
        let mut resolved = outage("Issuing was slow");
        resolved.id = NoticeId::parse("resolved-one").unwrap();
        resolved.severity = Severity::Outage;
        resolved.status = Status::Resolved;
        resolved.components = vec![notice_types::Component::parse("issuance").unwrap()];
        resolved.created_at = t("2026-07-01T06:00:00Z");
        resolved.updated_at = t("2026-07-01T07:30:00Z");
        resolved.updates = vec![Update {
            at: t("2026-07-01T07:30:00Z"),
            status: Status::Resolved,
            message: LocalizedText::english("Fixed."),
        }];
        let mut maintenance = outage("Database upgrade");
        maintenance.id = NoticeId::parse("maintenance").unwrap();
        maintenance.severity = Severity::Maintenance;
        maintenance.status = Status::Scheduled;
        maintenance.created_at = t("2026-06-30T10:00:00Z");
        maintenance.updated_at = t("2026-06-30T10:00:00Z");
        maintenance.starts_at = Some(t("2026-12-03T01:00:00Z"));
        maintenance.ends_at = Some(t("2026-12-03T03:00:00Z"));
        maintenance.updates = vec![];
        let now = t("2026-07-01T14:24:00Z");
        let feed = FeedPayload {
            feed_id: FeedId::parse("yivi-app/test").unwrap(),
            version: 9,
            issued_at: t("2026-07-01T14:00:00Z"),
            expires_at: t("2026-07-04T14:00:00Z"),
            notices: vec![open, resolved, maintenance],
            service: Some(yivi().service()),
        };
        (feed, now)
    }

    #[test]
    fn each_language_shows_local_times_durations_components_resolved_styling_and_the_first_post() {
        let (feed, now) = summer_day();
        // A site that knows nothing: the feed's own service decides (as on a mirror or in an export).
        let bare = Site::for_feed(&feed.feed_id);
        let cases = [
            (
                Lang::Nl,
                [
                    "<h1>Status van Yivi</h1>",
                    "Sinds 14:14 CEST (2 u 10 min)",
                    "<span>Pincode controleren</span> <span class=\"badge outage\">",
                    "Storing</span></li>",
                    "<span>Kaarten uitgeven</span> <span class=\"badge operational\"><span aria-hidden=\"true\">✔ </span>Werkt normaal</span>",
                    "<span class=\"badge resolved\"><span aria-hidden=\"true\">✔ </span>Opgelost</span>",
                    "Duurde 1 u 30 min (1 juli 2026 08:00 – 09:30 CEST)",
                    "<strong>Gemeld · Wordt onderzocht</strong>",
                    "<p>Oorzaak gevonden.</p>",
                    "3 december 2026 02:00 – 04:00 CET",
                    "Alle tijden in Europe/Amsterdam (CEST).",
                    "<time datetime=\"2026-07-01T14:00:00Z\">1 juli 2026 16:00 CEST</time>",
                ],
            ),
            (
                Lang::En,
                [
                    "<h1>Yivi status</h1>",
                    "Since 14:14 CEST (2 h 10 min)",
                    "<span>PIN validation</span> <span class=\"badge outage\">",
                    "Outage</span></li>",
                    "<span>Issuing cards</span> <span class=\"badge operational\"><span aria-hidden=\"true\">✔ </span>Operational</span>",
                    "<span class=\"badge resolved\"><span aria-hidden=\"true\">✔ </span>Resolved</span>",
                    "Lasted 1 h 30 min (1 July 2026, 08:00 – 09:30 CEST)",
                    "<strong>Posted · Investigating</strong>",
                    "<p>Cause found.</p>",
                    "3 December 2026, 02:00 – 04:00 CET",
                    "All times in Europe/Amsterdam (CEST).",
                    "<time datetime=\"2026-07-01T14:00:00Z\">1 July 2026, 16:00 CEST</time>",
                ],
            ),
            (
                Lang::De,
                [
                    "<h1>Yivi Status</h1>",
                    "Seit 14:14 CEST (2 Std. 10 Min.)",
                    "<span>PIN-Prüfung</span> <span class=\"badge outage\">",
                    "Störung</span></li>",
                    "<span>Karten ausstellen</span> <span class=\"badge operational\"><span aria-hidden=\"true\">✔ </span>Funktioniert</span>",
                    "<span class=\"badge resolved\"><span aria-hidden=\"true\">✔ </span>Behoben</span>",
                    "Dauerte 1 Std. 30 Min. (1. Juli 2026, 08:00 – 09:30 CEST)",
                    "<strong>Gemeldet · Wird untersucht</strong>",
                    // No German text: the Dutch page's fallback is English, marked as such.
                    "<p lang=\"en\">Cause found.</p>",
                    "3. Dezember 2026, 02:00 – 04:00 CET",
                    "Alle Zeiten in Europe/Amsterdam (CEST).",
                    "<time datetime=\"2026-07-01T14:00:00Z\">1. Juli 2026, 16:00 CEST</time>",
                ],
            ),
        ];
        for (lang, needles) in cases {
            let html = render_html(&feed, lang, now, &bare);
            for needle in needles {
                assert!(
                    html.contains(needle),
                    "{lang}: missing {needle:?} in\n{html}"
                );
            }
            assert!(html.contains("<article id=\"notice-resolved-one\" aria-labelledby=\"notice-resolved-one-title\" class=\"closed\">"));
            assert!(!html.contains("UTC"), "{lang}: a UTC time left:\n{html}");
        }
        // index.html is in the feed's default language, Dutch.
        let files = render_all(&feed, now, &bare);
        assert!(
            files[0]
                .body
                .starts_with("<!DOCTYPE html>\n<html lang=\"nl\">")
        );
    }

    #[test]
    fn an_update_is_in_the_pages_language_when_it_has_that_text() {
        let (mut feed, now) = summer_day();
        // Title and body in English only; the update has Dutch.
        feed.notices[0].title = LocalizedText::english("Down");
        feed.notices[0].body = LocalizedText::english("Cannot log in.");
        let html = render_html(&feed, Lang::Nl, now, &yivi());
        assert!(html.contains("<p>Oorzaak gevonden.</p>"), "{html}");
    }

    #[test]
    fn the_site_travels_in_the_feed_and_survives_an_unknown_zone() {
        let site = yivi();
        let service = site.service();
        assert_eq!(service.time_zone.as_deref(), Some("Europe/Amsterdam"));
        assert_eq!(
            Site::from_service(&service, &Site::for_feed(&FeedId::parse("a/b").unwrap())),
            site
        );
        let mut odd = service.clone();
        odd.time_zone = Some("Mars/Base".to_owned());
        let fallback = Site::for_feed(&FeedId::parse("a/b").unwrap());
        assert_eq!(Site::from_service(&odd, &fallback).time_zone_name, "UTC");
        assert_eq!(
            Site::new("x", Lang::En, None)
                .unwrap()
                .with_time_zone("Mars/Base")
                .unwrap_err()
                .field,
            "time_zone"
        );
    }

    #[test]
    fn the_history_page_lists_what_is_over_with_its_timeline() {
        let (feed, now) = summer_day();
        let records = history::from_feed(&feed);
        let html = render_history(&records, Lang::En, now, &yivi());
        assert!(html.contains("<h1>Yivi history</h1>"), "{html}");
        assert!(html.contains("Issuing was slow"));
        assert!(
            !html.contains("PIN validation is down"),
            "open ones are not history"
        );
        assert!(html.contains("Lasted 1 h 30 min"));
        assert!(html.contains("href=\"index.en.html\""));
        let mut withdrawn = records[1].clone();
        withdrawn.state = crate::NoticeState::Withdrawn;
        let html = render_history(&[withdrawn], Lang::Nl, now, &yivi());
        assert!(
            html.contains("Geen storingen of onderhoud in de afgelopen 90 dagen."),
            "{html}"
        );
        let long_ago = render_history(&records, Lang::En, now.plus_seconds(91 * 86_400), &yivi());
        assert!(!long_ago.contains("Issuing was slow"));
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
    fn atom_carries_maintenance_windows_and_relative_links_without_a_site_url() {
        let (feed, now) = summer_day();
        let bare = Site::for_feed(&feed.feed_id);
        let mut unsigned = feed.clone();
        unsigned.service = None;
        let text = render_atom(&unsigned, Lang::En, now, &bare);
        let atom: atom_syndication::Feed = text.parse().unwrap();
        let maintenance = atom
            .entries
            .iter()
            .find(|e| e.id.ends_with(":notice:maintenance"))
            .unwrap();
        let content = maintenance
            .content
            .as_ref()
            .unwrap()
            .value
            .as_deref()
            .unwrap();
        assert!(
            content.contains("When: 3 December 2026, 01:00 – 03:00 UTC"),
            "{content}"
        );
        assert_eq!(
            maintenance.links[0].href,
            "index.en.html#notice-maintenance"
        );
        assert!(
            atom.links
                .iter()
                .any(|l| l.rel == "self" && l.href == "feed.atom")
        );
        // With the site in the feed: its name, zone and absolute links.
        let text = render_atom(&feed, Lang::En, now, &bare);
        let atom: atom_syndication::Feed = text.parse().unwrap();
        assert_eq!(atom.title.value, "Yivi status");
        assert!(
            atom.links
                .iter()
                .any(|l| l.href == "https://status.yivi.app/feed.atom")
        );
        assert!(text.contains("3 December 2026, 02:00 – 04:00 CET"));
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
