//! The status pages, the history pages and the Atom feed as the server serves them: rendered from the served
//! document on first request, then kept (bytes, ETag, compressed variants) until the document changes or the
//! page would look different by the clock (a maintenance window opens or closes, a minute passes while an
//! incident shows how long it has lasted, the feed expires: [`notice_publish::status_page::next_change`]).
//! A request is then a memory copy, like the feed: no database, no signing, and rendering at most once per
//! page per change.
//!
//! The history pages come from [`History`]: on the origin the records the database held after the last
//! write (put there by the write, never read here); on a mirror, which has no database, what the feed
//! carries.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use notice_types::{
    FeedPayload, Timestamp, TrustedRoot, VerifyError, dangerous_verify_ignoring_freshness,
};

use notice_publish::NoticeRecord;
use notice_publish::status_page::{self, Lang, Site, history};

use super::hot::HotDocument;
use crate::storage::feeds::StoredFeed;

/// A rendered representation of the served document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Page {
    /// The HTML status page in a language.
    Html(Lang),
    /// The Atom feed in a language.
    Atom(Lang),
    /// The history page in a language.
    History(Lang),
}

/// The records of the history page, as the last write left them (origin only).
#[derive(Debug, Default)]
pub(crate) struct History {
    /// A generation counter (bumped on every change) and the records.
    records: Mutex<(u64, Arc<Vec<NoticeRecord>>)>,
}

impl History {
    /// Replaces the records.
    pub(crate) fn set(&self, records: Vec<NoticeRecord>) {
        let mut held = self.records.lock().unwrap_or_else(PoisonError::into_inner);
        *held = (held.0.wrapping_add(1), Arc::new(records));
    }

    /// The generation and the records.
    pub(crate) fn get(&self) -> (u64, Arc<Vec<NoticeRecord>>) {
        self.records
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// Why a page could not be rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub(crate) enum PageError {
    /// The served document does not open under the trusted root (a bug or a damaged store: what is served
    /// was verified or signed by this process).
    #[error("the served document does not verify: {0}")]
    Document(VerifyError),
}

#[derive(Debug)]
struct Rendered {
    page: Page,
    doc: Arc<HotDocument>,
    rendered_at: Timestamp,
    until: Option<Timestamp>,
}

#[derive(Debug, Default)]
struct Cache {
    /// SHA-256 of the document the entries were rendered from.
    source: String,
    /// The history generation the history entries were rendered from.
    history: u64,
    feed: Option<Arc<FeedPayload>>,
    rendered: Vec<Rendered>,
}

/// The page cache of one served feed.
#[derive(Debug)]
pub(crate) struct Pages {
    site: Site,
    trusted: TrustedRoot,
    /// The origin's history records; `None` on a mirror (history from the feed).
    history: Option<History>,
    cache: Mutex<Cache>,
    renders: AtomicU64,
}

impl Pages {
    /// Pages for `site`, opening documents under `trusted` (root v1 on the server, the mirror's root).
    pub(crate) fn new(site: Site, trusted: TrustedRoot, history: Option<History>) -> Self {
        Self {
            site,
            trusted,
            history,
            cache: Mutex::new(Cache::default()),
            renders: AtomicU64::new(0),
        }
    }

    /// The site the pages are for.
    pub(crate) fn site(&self) -> &Site {
        &self.site
    }

    /// The language of `/`, `index.html`, `history.html` and `feed.atom` when nothing else decides: that of
    /// `doc`'s feed (its signed `service`), as in every copy, else this site's. Read from `doc` itself, so
    /// that the first page a fresh mirror serves, and the first after a change of language, are already in
    /// the feed's language.
    pub(crate) fn default_lang(&self, doc: &HotDocument) -> Result<Lang, PageError> {
        let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        let feed = self.load(&mut cache, doc)?;
        Ok(match &feed.service {
            Some(service) => Site::from_service(service, &self.site).default_lang,
            None => self.site.default_lang,
        })
    }

    /// The feed of `doc`, opened once per served document; a new document empties the cache.
    fn load(&self, cache: &mut Cache, doc: &HotDocument) -> Result<Arc<FeedPayload>, PageError> {
        if let Some(feed) = cache
            .feed
            .as_ref()
            .filter(|_| cache.source == doc.sha256_hex)
        {
            return Ok(feed.clone());
        }
        let (_, feed) = dangerous_verify_ignoring_freshness(&doc.identity, &self.trusted)
            .map_err(PageError::Document)?;
        let feed = Arc::new(feed);
        *cache = Cache {
            source: doc.sha256_hex.clone(),
            history: 0,
            feed: Some(feed.clone()),
            rendered: Vec::new(),
        };
        Ok(feed)
    }

    /// The history records for a copy of `feed`: the origin's (from its database), or the feed's own.
    pub(crate) fn history_records(&self, feed: &FeedPayload) -> Arc<Vec<NoticeRecord>> {
        match &self.history {
            Some(history) => history.get().1,
            None => Arc::new(history::from_feed(feed)),
        }
    }

    /// Replaces the origin's history records (after a write).
    pub(crate) fn set_history(&self, records: Vec<NoticeRecord>) {
        if let Some(history) = &self.history {
            history.set(records);
        }
    }

    /// How many pages were rendered since start.
    pub(crate) fn renders(&self) -> u64 {
        self.renders.load(Ordering::Relaxed)
    }

    /// `page` of `doc` as of `now`, from the cache when it is still what the page looks like.
    pub(crate) fn get(
        &self,
        doc: &HotDocument,
        page: Page,
        now: Timestamp,
    ) -> Result<Arc<HotDocument>, PageError> {
        // Held while rendering: concurrent first requests wait for one rendering instead of all doing it.
        let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        let feed = self.load(&mut cache, doc)?;
        let generation = self.history.as_ref().map_or(0, |h| h.get().0);
        if cache.history != generation {
            cache.history = generation;
            cache
                .rendered
                .retain(|r| !matches!(r.page, Page::History(_)));
        }
        if let Some(hit) = cache.rendered.iter().find(|r| {
            r.page == page && r.rendered_at <= now && r.until.is_none_or(|until| now < until)
        }) {
            return Ok(hit.doc.clone());
        }
        let body = match page {
            Page::Html(lang) => status_page::render_html(&feed, lang, now, &self.site),
            Page::Atom(lang) => status_page::render_atom(&feed, lang, now, &self.site),
            Page::History(lang) => status_page::render_history(
                &self.history_records(&feed),
                lang,
                now,
                &self.site.for_feed_payload(&feed),
            ),
        };
        self.renders.fetch_add(1, Ordering::Relaxed);
        // The same builder as the feed: bytes, strong ETag, gzip and brotli, once.
        let built = Arc::new(HotDocument::build(&StoredFeed {
            version: feed.version,
            bytes: body.into_bytes(),
            issued_at: feed.issued_at,
            expires_at: feed.expires_at,
            refresh_at: None,
        }));
        cache.rendered.retain(|r| r.page != page);
        cache.rendered.push(Rendered {
            page,
            doc: built.clone(),
            rendered_at: now,
            until: status_page::next_change(&feed, now),
        });
        Ok(built)
    }
}
