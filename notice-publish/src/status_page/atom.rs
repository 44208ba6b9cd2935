//! The Atom 1.0 feed (RFC 4287): one entry per notice and one per timeline update, for feed readers and
//! chat integrations.
//!
//! # Ids
//! Entry ids are URNs built from the feed id and the notice id, so they never change for the same thing:
//! - the feed: `urn:notice:<feed_id>`;
//! - a notice: `urn:notice:<feed_id>:notice:<notice_id>` — the same across revisions, with `updated` moving, so
//!   a reader shows an edited notice as updated rather than as a new item;
//! - an update: `urn:notice:<feed_id>:notice:<notice_id>:update:<n>`, `n` counting from 0 in the notice's
//!   timeline, which is append-only, so `n` always names the same update.
//!
//! Feed ids and notice ids only contain characters a URN allows (`a-z 0-9 - _ . /`).

use atom_syndication::{
    Category, Content, Entry, Feed, FixedDateTime, Generator, Link, Person, Text, WriteConfig,
};
use notice_types::{FeedPayload, Timestamp};

use super::view::{self, Ctx, NoticeView};
use super::{ATOM_FILE, Lang, Site, Strings};

fn time(at: Timestamp) -> FixedDateTime {
    at.as_datetime().fixed_offset()
}

fn link(href: String, rel: &str, mime: Option<&str>) -> Link {
    Link {
        href,
        rel: rel.to_owned(),
        mime_type: mime.map(str::to_owned),
        ..Link::default()
    }
}

/// The Atom feed for `feed` in `lang` as of `now`. See [`super::render_atom`].
pub fn render(feed: &FeedPayload, lang: Lang, now: Timestamp, site: &Site) -> String {
    let s = Strings::of(lang);
    let ctx = Ctx::new(lang, now, site);
    let feed_urn = format!("urn:notice:{}", feed.feed_id);
    // Without a configured URL, links are relative: a reader resolves them against the feed's own address,
    // which is right on the origin, a mirror and any static copy alike.
    let page_url = Some(
        site.page_url(lang)
            .unwrap_or_else(|| lang.page_file().to_owned()),
    );
    let mut entries = Vec::new();
    let mut latest = None::<Timestamp>;
    for (_, notices) in view::sort(feed, now).sections {
        for notice in notices {
            latest = Some(latest.map_or(notice.updated_at, |l| l.max(notice.updated_at)));
            let view = view::resolve(notice, &ctx);
            let notice_urn = format!("{feed_urn}:notice:{}", view.id);
            let alternate = page_url.as_ref().map(|url| {
                link(
                    format!("{url}#{}", view.anchor),
                    "alternate",
                    Some("text/html"),
                )
            });
            entries.push(notice_entry(&view, s, &notice_urn, alternate.clone(), site));
            for update in view.updates.iter().filter(|u| u.index.is_some()) {
                entries.push(update_entry(
                    &view,
                    update,
                    &notice_urn,
                    alternate.clone(),
                    site,
                ));
            }
        }
    }
    let mut links = Vec::new();
    if let Some(url) = &page_url {
        links.push(link(url.clone(), "alternate", Some("text/html")));
    }
    let base = site
        .base_url
        .as_ref()
        .map_or(String::new(), ToString::to_string);
    links.push(link(
        format!("{base}{ATOM_FILE}"),
        "self",
        Some("application/atom+xml"),
    ));
    let atom = Feed {
        title: Text::plain(s.page_title(&site.name)),
        subtitle: Some(Text::plain(s.atom_subtitle)),
        id: feed_urn,
        // The latest change to a notice, not the signing time: heartbeats re-sign hourly without news.
        updated: time(latest.unwrap_or(feed.issued_at)),
        authors: vec![author(site)],
        generator: Some(Generator {
            value: "notice-server".to_owned(),
            uri: None,
            version: Some(env!("CARGO_PKG_VERSION").to_owned()),
        }),
        links,
        lang: Some(lang.code().to_owned()),
        entries,
        ..Feed::default()
    };
    let config = WriteConfig {
        write_document_declaration: true,
        indent_size: Some(1),
    };
    match atom.write_with_config(Vec::new(), config) {
        Ok(bytes) => String::from_utf8(bytes).unwrap_or_default(),
        Err(e) => {
            // Writing into memory only fails on an XML writer bug; an empty feed beats a panic.
            tracing::error!(error = %e, "Atom rendering failed");
            String::new()
        }
    }
}

fn author(site: &Site) -> Person {
    Person {
        name: site.name.clone(),
        uri: site.base_url.as_ref().map(ToString::to_string),
        ..Person::default()
    }
}

fn text_in(value: String, lang: &Option<String>) -> Text {
    Text {
        lang: lang.clone(),
        ..Text::plain(value)
    }
}

fn notice_entry(
    view: &NoticeView,
    s: &Strings,
    urn: &str,
    alternate: Option<Link>,
    site: &Site,
) -> Entry {
    // The status, when (a maintenance window, or since when / how long), then the text.
    let mut content = vec![view.status_label.to_owned()];
    if let Some(window) = &view.window {
        content.push(format!("{}: {window}", s.window));
    }
    content.extend(view.since.clone());
    content.extend(view.lasted.clone());
    content.push(String::new());
    content.push(view.body.clone());
    Entry {
        id: urn.to_owned(),
        title: text_in(
            format!("[{}] {}", view.badge_label, view.title),
            &view.lang_attr,
        ),
        updated: time(view.updated.at),
        published: Some(time(view.created.at)),
        authors: vec![author(site)],
        categories: vec![Category {
            term: view.severity.as_str().to_owned(),
            scheme: None,
            label: Some(view.severity_label.to_owned()),
        }],
        content: Some(Content {
            value: Some(content.join("\n")),
            content_type: Some("text".to_owned()),
            lang: view.lang_attr.clone(),
            ..Content::default()
        }),
        links: alternate.into_iter().collect(),
        ..Entry::default()
    }
}

fn update_entry(
    view: &NoticeView,
    update: &view::UpdateView,
    notice_urn: &str,
    alternate: Option<Link>,
    site: &Site,
) -> Entry {
    let at = time(update.at.at);
    Entry {
        id: format!("{notice_urn}:update:{}", update.index.unwrap_or_default()),
        title: text_in(
            format!("{}: {}", update.status_label, view.title),
            &view.lang_attr,
        ),
        updated: at,
        published: Some(at),
        authors: vec![author(site)],
        categories: vec![Category {
            term: view.severity.as_str().to_owned(),
            scheme: None,
            label: Some(view.severity_label.to_owned()),
        }],
        content: Some(Content {
            value: Some(update.message.clone()),
            content_type: Some("text".to_owned()),
            lang: update.lang_attr.clone(),
            ..Content::default()
        }),
        links: alternate.into_iter().collect(),
        ..Entry::default()
    }
}
