//! The status pages and the Atom feed as the server serves them: rendered from the served document on
//! first request, then kept (bytes, ETag, compressed variants) until the document changes or the page would
//! look different by the clock (a maintenance window opens or closes, the feed expires:
//! [`notice_publish::status_page::next_change`]). A request is then a memory copy, like the feed: no database, no
//! signing, and rendering at most once per page per change.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use notice_types::{
    FeedPayload, Timestamp, TrustedRoot, VerifyError, dangerous_verify_ignoring_freshness,
};

use notice_publish::status_page::{self, Lang, Site};

use super::hot::HotDocument;
use crate::storage::feeds::StoredFeed;

/// A rendered representation of the served document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Page {
    /// The HTML status page in a language.
    Html(Lang),
    /// The Atom feed in a language.
    Atom(Lang),
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
    feed: Option<Arc<FeedPayload>>,
    rendered: Vec<Rendered>,
}

/// The page cache of one served feed.
#[derive(Debug)]
pub(crate) struct Pages {
    site: Site,
    trusted: TrustedRoot,
    cache: Mutex<Cache>,
    renders: AtomicU64,
}

impl Pages {
    /// Pages for `site`, opening documents under `trusted` (root v1 on the server, the mirror's root).
    pub(crate) fn new(site: Site, trusted: TrustedRoot) -> Self {
        Self {
            site,
            trusted,
            cache: Mutex::new(Cache::default()),
            renders: AtomicU64::new(0),
        }
    }

    /// The site the pages are for.
    pub(crate) fn site(&self) -> &Site {
        &self.site
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
        if cache.source != doc.sha256_hex || cache.feed.is_none() {
            let (_, feed) = dangerous_verify_ignoring_freshness(&doc.identity, &self.trusted)
                .map_err(PageError::Document)?;
            *cache = Cache {
                source: doc.sha256_hex.clone(),
                feed: Some(Arc::new(feed)),
                rendered: Vec::new(),
            };
        }
        if let Some(hit) = cache.rendered.iter().find(|r| {
            r.page == page && r.rendered_at <= now && r.until.is_none_or(|until| now < until)
        }) {
            return Ok(hit.doc.clone());
        }
        let Some(feed) = cache.feed.clone() else {
            return Err(PageError::Document(VerifyError::MalformedJson {
                detail: "no feed".to_owned(),
            }));
        };
        let body = match page {
            Page::Html(lang) => status_page::render_html(&feed, lang, now, &self.site),
            Page::Atom(lang) => status_page::render_atom(&feed, lang, now, &self.site),
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
