//! The HTML page: the view filled into `templates/status.html` (askama: checked at compile time, every
//! value HTML-escaped unless marked otherwise, and only the constant script is).

use askama::Template;
use notice_types::{FeedPayload, Timestamp};

use super::view::{self, ComponentView, Ctx, NoticeView, TimeView};
use super::{ATOM_FILE, Lang, Site, Strings, history, script};

/// One section of the page.
struct SectionView {
    anchor: &'static str,
    heading: &'static str,
    notices: Vec<NoticeView>,
}

/// One entry of the language switcher.
pub(crate) struct LangLink {
    pub(crate) href: &'static str,
    pub(crate) code: &'static str,
    pub(crate) name: &'static str,
    pub(crate) current: bool,
}

/// The switcher's entries, linking `file(lang)` for each language.
pub(crate) fn languages(current: Lang, file: fn(Lang) -> &'static str) -> Vec<LangLink> {
    Lang::ALL
        .iter()
        .map(|l| LangLink {
            href: file(*l),
            code: l.code(),
            name: l.native_name(),
            current: *l == current,
        })
        .collect()
}

#[derive(Template)]
#[template(path = "status.html")]
struct Page<'a> {
    s: &'static Strings,
    lang: &'static str,
    title: String,
    csp: String,
    languages: Vec<LangLink>,
    overall_class: &'static str,
    overall_symbol: &'static str,
    overall_text: &'static str,
    stale_now: bool,
    stale_text: String,
    components: Vec<ComponentView>,
    sections: Vec<SectionView>,
    version: u64,
    confirmed: TimeView,
    valid_until: TimeView,
    atom: &'a str,
    history_href: &'static str,
    zone_note: String,
    script: &'static str,
}

/// "Europe/Amsterdam (CET)": the zone's name and its abbreviation now.
pub(crate) fn zone_note(ctx: &Ctx<'_>) -> String {
    let abbreviation = ctx.local(ctx.now).abbreviation;
    let zone = if ctx.site.time_zone_name == abbreviation {
        abbreviation
    } else {
        format!("{} ({abbreviation})", ctx.site.time_zone_name)
    };
    ctx.s.times_in.replace("{zone}", &zone)
}

/// The status page for `feed` in `lang` as of `now`. See [`super::render_html`].
pub fn render(feed: &FeedPayload, lang: Lang, now: Timestamp, site: &Site) -> String {
    let ctx = Ctx::new(lang, now, site);
    let s = ctx.s;
    let sorted = view::sort(feed, now);
    let sections = sorted
        .sections
        .iter()
        .map(|(section, notices)| SectionView {
            anchor: section.anchor(),
            heading: section.heading(s),
            notices: notices.iter().map(|n| view::resolve(n, &ctx)).collect(),
        })
        .collect();
    let confirmed = TimeView::new(feed.issued_at, &ctx);
    let valid_until = TimeView::new(feed.expires_at, &ctx);
    let stale_text = s
        .stale_body
        .replace("{confirmed}", &confirmed.text)
        .replace("{expired}", &valid_until.text);
    let page = Page {
        s,
        lang: lang.code(),
        title: s.page_title(&site.name),
        csp: script::meta_csp(),
        languages: languages(lang, Lang::page_file),
        overall_class: sorted.overall.class(),
        overall_symbol: sorted.overall.symbol(),
        overall_text: sorted.overall.text(s),
        stale_now: feed.is_expired(now, None),
        stale_text,
        components: view::components(feed, &ctx),
        sections,
        version: feed.version,
        confirmed,
        valid_until,
        atom: ATOM_FILE,
        history_href: history::file(lang),
        zone_note: zone_note(&ctx),
        script: script::SCRIPT,
    };
    page.render().unwrap_or_else(|e| failed(&e))
}

/// What is served if a template fails, which writing Strings and numbers into a String cannot: a page that
/// says so beats a panic in a request handler.
pub(crate) fn failed(e: &askama::Error) -> String {
    tracing::error!(error = %e, "status page rendering failed");
    "<!DOCTYPE html><html lang=\"en\"><meta charset=\"utf-8\"><title>Status</title><p>The status page could not be rendered.</p></html>".to_owned()
}
