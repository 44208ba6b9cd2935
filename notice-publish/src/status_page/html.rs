//! The HTML page: the view filled into `templates/status.html` (askama: checked at compile time, every
//! value HTML-escaped unless marked otherwise, and nothing is).

use askama::Template;
use notice_types::{FeedPayload, Timestamp};

use super::view::{self, NoticeView, TimeView};
use super::{ATOM_FILE, Lang, Site, Strings};

/// One section of the page.
struct SectionView {
    anchor: &'static str,
    heading: &'static str,
    notices: Vec<NoticeView>,
}

/// One entry of the language switcher.
struct LangLink {
    href: &'static str,
    code: &'static str,
    name: &'static str,
    current: bool,
}

#[derive(Template)]
#[template(path = "status.html")]
struct Page<'a> {
    s: &'static Strings,
    lang: &'static str,
    title: String,
    languages: Vec<LangLink>,
    overall_class: &'static str,
    overall_symbol: &'static str,
    overall_text: &'static str,
    stale: Option<String>,
    sections: Vec<SectionView>,
    version: u64,
    confirmed: TimeView,
    valid_until: TimeView,
    atom: &'a str,
}

/// The status page for `feed` in `lang` as of `now`. See [`super::render_html`].
pub fn render(feed: &FeedPayload, lang: Lang, now: Timestamp, site: &Site) -> String {
    let s = Strings::of(lang);
    let sorted = view::sort(feed, now);
    let sections = sorted
        .sections
        .iter()
        .map(|(section, notices)| SectionView {
            anchor: section.anchor(),
            heading: section.heading(s),
            notices: notices
                .iter()
                .map(|n| view::resolve(n, lang, now))
                .collect(),
        })
        .collect();
    let confirmed = TimeView::new(feed.issued_at);
    let valid_until = TimeView::new(feed.expires_at);
    let stale = feed.is_expired(now, None).then(|| {
        s.stale_body
            .replace("{confirmed}", &confirmed.text)
            .replace("{expired}", &valid_until.text)
    });
    let page = Page {
        s,
        lang: lang.code(),
        title: s.page_title(&site.name),
        languages: Lang::ALL
            .iter()
            .map(|l| LangLink {
                href: l.page_file(),
                code: l.code(),
                name: l.native_name(),
                current: *l == lang,
            })
            .collect(),
        overall_class: sorted.overall.class(),
        overall_symbol: sorted.overall.symbol(),
        overall_text: sorted.overall.text(s),
        stale,
        sections,
        version: feed.version,
        confirmed,
        valid_until,
        atom: ATOM_FILE,
    };
    match page.render() {
        Ok(html) => html,
        // Rendering writes into a String from Strings and numbers: it cannot fail. Should it ever, a page
        // that says so beats a panic in a request handler.
        Err(e) => {
            tracing::error!(error = %e, "status page rendering failed");
            "<!DOCTYPE html><html lang=\"en\"><meta charset=\"utf-8\"><title>Status</title><p>The status page could not be rendered.</p></html>".to_owned()
        }
    }
}
