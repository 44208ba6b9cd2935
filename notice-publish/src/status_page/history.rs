//! The history page: incidents and maintenance of the last [`HISTORY_DAYS`] days that are over, newest
//! first, each with its start, duration and whole timeline. The server renders it from its database (which
//! keeps closed notices long after the feed drops them); a copy made without the database renders it from
//! what the feed still carries ([`from_feed`]).
//!
//! What belongs: resolved incidents, completed maintenance, and notices whose window has ended. Withdrawn
//! notices do not: withdrawing is for mistakes, not events.

use askama::Template;
use notice_types::{FeedPayload, Timestamp};

use super::html::{LangLink, failed, languages, zone_note};
use super::view::{Ctx, NoticeView, resolve};
use super::{HTML_CONTENT_TYPE, Lang, Site, StaticFile, Strings, script};
use crate::record::{NoticeRecord, NoticeState, closed_at};

/// How far back the history page reaches.
pub const HISTORY_DAYS: i64 = 90;

/// File name of the history page in the default language.
pub const HISTORY_FILE: &str = "history.html";

/// The file of the history page in `lang`: `history.nl.html`.
pub fn file(lang: Lang) -> &'static str {
    match lang {
        Lang::Nl => "history.nl.html",
        Lang::En => "history.en.html",
        Lang::De => "history.de.html",
    }
}

#[derive(Template)]
#[template(path = "history.html")]
struct HistoryPage {
    s: &'static Strings,
    lang: &'static str,
    title: String,
    csp: String,
    languages: Vec<LangLink>,
    status_href: &'static str,
    intro: String,
    notices: Vec<NoticeView>,
    zone_note: String,
}

/// When a notice of the history ended: its closing update, or its window's end.
fn ended(record: &NoticeRecord) -> Timestamp {
    match record.state {
        NoticeState::Resolved => record
            .closed_at
            .unwrap_or_else(|| closed_at(&record.notice)),
        _ => record.notice.ends_at.unwrap_or(record.notice.updated_at),
    }
}

/// Whether `record` belongs on the history page at `now`.
pub fn belongs(record: &NoticeRecord, now: Timestamp) -> bool {
    let over = match record.state {
        NoticeState::Resolved => true,
        NoticeState::Active => record.notice.ends_at.is_some_and(|end| end <= now),
        NoticeState::Withdrawn => false,
    };
    over && ended(record) > now.plus_seconds(-HISTORY_DAYS * 86_400)
}

/// The history records a feed carries: its closed notices (and those whose window ended), as the store
/// would hold them.
pub fn from_feed(feed: &FeedPayload) -> Vec<NoticeRecord> {
    feed.notices
        .iter()
        .cloned()
        .map(NoticeRecord::from_feed)
        .collect()
}

/// The history page in `lang` at `now` from `records` (any records; those that do not belong are left out).
pub fn render_history(records: &[NoticeRecord], lang: Lang, now: Timestamp, site: &Site) -> String {
    let ctx = Ctx::new(lang, now, site);
    let s = ctx.s;
    let mut over: Vec<&NoticeRecord> = records.iter().filter(|r| belongs(r, now)).collect();
    over.sort_by(|a, b| {
        ended(b)
            .cmp(&ended(a))
            .then_with(|| a.notice.id.cmp(&b.notice.id))
    });
    let days = HISTORY_DAYS.to_string();
    let intro = if over.is_empty() {
        s.history_empty
    } else {
        s.history_intro
    }
    .replace("{days}", &days);
    let page = HistoryPage {
        s,
        lang: lang.code(),
        title: s.history_title.replace("{name}", &site.name),
        csp: script::meta_csp(),
        languages: languages(lang, file),
        status_href: lang.page_file(),
        intro,
        notices: over.iter().map(|r| resolve(&r.notice, &ctx)).collect(),
        zone_note: zone_note(&ctx),
    };
    page.render().unwrap_or_else(|e| failed(&e))
}

/// The history pages (`history.html` in the default language, then one per language).
pub fn render_all_history(
    records: &[NoticeRecord],
    now: Timestamp,
    site: &Site,
) -> Vec<StaticFile> {
    let mut files = vec![StaticFile {
        name: HISTORY_FILE,
        content_type: HTML_CONTENT_TYPE,
        body: render_history(records, site.default_lang, now, site),
    }];
    for lang in Lang::ALL {
        files.push(StaticFile {
            name: file(lang),
            content_type: HTML_CONTENT_TYPE,
            body: render_history(records, lang, now, site),
        });
    }
    files
}
