//! What the public endpoints serve, shared by the origin server ([`crate::http::AppState`]) and the read-only
//! mirror ([`crate::mirror`]): the document, the status pages, root v1, metrics, and how freshness is judged.
//! It holds no database connection and no key, so the public routes cannot use either.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::FromRef;
use notice_types::Timestamp;

use super::hot::{HotDocument, HotFeed};
use super::pages::Pages;
use crate::clock::Clock;
use crate::metrics::Metrics;
use crate::storage::Db;

/// How `/healthz` decides the served feed is stale.
#[derive(Debug, Clone)]
pub(crate) enum Staleness {
    /// The origin: stale when the heartbeat has not re-signed for two intervals.
    Heartbeat(Duration),
    /// A mirror: stale when the upstream has not answered validly for this long.
    Upstream {
        /// How long without a valid answer counts as stale.
        after: Duration,
        /// When the upstream last answered validly.
        last_contact: Arc<LastContact>,
    },
}

/// When an upstream last gave a valid answer (a verified document or a confirming 304).
#[derive(Debug, Default)]
pub(crate) struct LastContact(AtomicI64);

impl LastContact {
    /// Records a valid answer at `at`.
    pub fn record(&self, at: Timestamp) {
        self.0.store(at.unix(), Ordering::Relaxed);
    }

    /// The last valid answer, if there was one since start.
    pub fn get(&self) -> Option<Timestamp> {
        match self.0.load(Ordering::Relaxed) {
            0 => None,
            unix => Some(Timestamp::from_unix(unix)),
        }
    }
}

/// Everything [`PublicState`] is made of.
pub(crate) struct PublicParts {
    /// The served feed, if there is one yet (the origin always has one; a new mirror not).
    pub feed: Option<Arc<HotFeed>>,
    /// Root v1 envelope bytes for `/v1/root.json`, if this host has them.
    pub root_v1: Option<Bytes>,
    /// The status pages.
    pub pages: Pages,
    /// The time source.
    pub clock: Arc<dyn Clock>,
    /// Metrics.
    pub metrics: Arc<Metrics>,
    /// `Cache-Control: max-age` of the feed and pages.
    pub cache_max_age_secs: u32,
    /// How `/healthz` judges staleness.
    pub staleness: Staleness,
    /// The database, only so `/metrics` can report how often it was used (the origin).
    pub db: Option<Arc<Db>>,
}

/// The public endpoints' state. Cheap to clone.
#[derive(Clone)]
pub(crate) struct PublicState(Arc<Shared>);

/// What [`PublicState`] holds.
pub(crate) struct Shared {
    feed: OnceLock<Arc<HotFeed>>,
    installing: Mutex<()>,
    /// Root v1 envelope bytes for `/v1/root.json`, if this host has them.
    pub root_v1: Option<Bytes>,
    /// The status pages.
    pub pages: Pages,
    /// The time source.
    pub clock: Arc<dyn Clock>,
    /// Metrics.
    pub metrics: Arc<Metrics>,
    /// `Cache-Control: max-age` of the feed and pages.
    pub cache_max_age_secs: u32,
    /// How `/healthz` judges staleness.
    pub staleness: Staleness,
    /// The database (origin only), for the operations counter in `/metrics`.
    pub db: Option<Arc<Db>>,
}

impl std::ops::Deref for PublicState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl std::fmt::Debug for PublicState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PublicState")
            .field("version", &self.current().map(|d| d.version))
            .finish_non_exhaustive()
    }
}

impl PublicState {
    /// Assembles the state.
    pub fn new(parts: PublicParts) -> Self {
        let feed = OnceLock::new();
        if let Some(hot) = parts.feed {
            let _ = feed.set(hot);
        }
        Self(Arc::new(Shared {
            feed,
            installing: Mutex::new(()),
            root_v1: parts.root_v1,
            pages: parts.pages,
            clock: parts.clock,
            metrics: parts.metrics,
            cache_max_age_secs: parts.cache_max_age_secs,
            staleness: parts.staleness,
            db: parts.db,
        }))
    }

    /// The document served now, if there is one.
    pub fn current(&self) -> Option<Arc<HotDocument>> {
        self.0.feed.get().map(|hot| hot.current())
    }

    /// Serves `doc` from now on, unless a newer or equal version is served (versions never go down).
    /// Returns whether it was installed.
    pub fn install(&self, doc: HotDocument) -> bool {
        self.0.metrics.record_build();
        // Installs are rare; serializing them makes "first document" and "newer document" one decision.
        let _installing = self
            .0
            .installing
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        match self.0.feed.get() {
            Some(hot) => hot.install(doc),
            // Nobody else sets it while the lock is held.
            None => self.0.feed.set(Arc::new(HotFeed::new(doc))).is_ok(),
        }
    }

    /// `Cache-Control` of the feed and the pages: short `max-age` so caches pick up news within a minute,
    /// `stale-while-revalidate`, and a week of `stale-if-error` so a CDN keeps serving when every origin is
    /// down.
    pub fn cache_control(&self) -> String {
        format!(
            "public, max-age={}, stale-while-revalidate=60, stale-if-error=604800",
            self.cache_max_age_secs
        )
    }
}

impl FromRef<crate::http::AppState> for PublicState {
    fn from_ref(state: &crate::http::AppState) -> Self {
        state.public.clone()
    }
}
