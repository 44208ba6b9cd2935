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
use crate::publishing::copies::Copies;
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
    pub(crate) fn record(&self, at: Timestamp) {
        self.0.store(at.unix(), Ordering::Relaxed);
    }

    /// The last valid answer, if there was one since start.
    pub(crate) fn get(&self) -> Option<Timestamp> {
        match self.0.load(Ordering::Relaxed) {
            0 => None,
            unix => Some(Timestamp::from_unix(unix)),
        }
    }
}

/// What the public endpoints serve from, as the origin or a mirror fills it in. The served document itself
/// is not here: it changes while the process runs ([`PublicState::install`]).
pub(crate) struct PublicParts {
    /// Root v1 envelope bytes for `/v1/root.json`, if this host has them.
    pub(crate) root_v1: Option<Bytes>,
    /// The status pages.
    pub(crate) pages: Pages,
    /// The time source.
    pub(crate) clock: Arc<dyn Clock>,
    /// Metrics.
    pub(crate) metrics: Arc<Metrics>,
    /// `Cache-Control: max-age` of the feed and pages.
    pub(crate) cache_max_age_secs: u32,
    /// How `/healthz` judges staleness.
    pub(crate) staleness: Staleness,
    /// The database (origin only), for the operations counter in `/metrics`; public routes never use it.
    pub(crate) db: Option<Arc<Db>>,
    /// What `/readyz` checks on the origin besides the served document: the database's last probe and the
    /// copies. `None` on a mirror.
    pub(crate) origin: Option<Arc<OriginChecks>>,
    /// Whether `/metrics` is served on its own address (`--metrics-listen`) and not by the public routes.
    pub(crate) metrics_apart: bool,
}

/// The origin's own readiness: whether its database took the last probe write, and its copies.
#[derive(Debug)]
pub(crate) struct OriginChecks {
    /// `None` while the last probe passed; the error while it fails.
    database: Mutex<Option<String>>,
    /// The copies on other providers.
    pub(crate) copies: Arc<Copies>,
}

impl OriginChecks {
    /// Checks over `copies`, with a database that passed its start check.
    pub(crate) fn new(copies: Arc<Copies>) -> Self {
        Self {
            database: Mutex::new(None),
            copies,
        }
    }

    /// Records the outcome of a database probe.
    pub(crate) fn record_database(&self, outcome: Result<(), String>) {
        let mut database = self.database.lock().unwrap_or_else(PoisonError::into_inner);
        match (&*database, &outcome) {
            (None, Err(e)) => {
                tracing::error!(error = %e, "the database cannot be written: not ready")
            }
            (Some(_), Ok(())) => tracing::info!("the database can be written again: ready"),
            _ => {}
        }
        *database = outcome.err();
    }

    /// Why the database is not writable, if it is not.
    pub(crate) fn database_problem(&self) -> Option<String> {
        self.database
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// The public endpoints' state: the [`PublicParts`] and the served document. Cheap to clone.
#[derive(Clone)]
pub(crate) struct PublicState(Arc<(PublicParts, Served)>);

/// The document served now: none yet on a mirror that has not reached its upstream.
struct Served {
    feed: OnceLock<Arc<HotFeed>>,
    installing: Mutex<()>,
}

impl std::ops::Deref for PublicState {
    type Target = PublicParts;
    fn deref(&self) -> &PublicParts {
        &self.0.0
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
    /// The state serving `feed` (if there is one yet) with `parts`.
    pub(crate) fn new(parts: PublicParts, feed: Option<Arc<HotFeed>>) -> Self {
        let slot = OnceLock::new();
        if let Some(hot) = feed {
            let _ = slot.set(hot);
        }
        let served = Served {
            feed: slot,
            installing: Mutex::new(()),
        };
        Self(Arc::new((parts, served)))
    }

    /// The document served now, if there is one.
    pub(crate) fn current(&self) -> Option<Arc<HotDocument>> {
        self.0.1.feed.get().map(|hot| hot.current())
    }

    /// Serves `doc` from now on, unless a newer or equal version is served (versions never go down).
    /// Returns whether it was installed.
    pub(crate) fn install(&self, doc: HotDocument) -> bool {
        self.0.0.metrics.record_build();
        // Installs are rare; serializing them makes "first document" and "newer document" one decision.
        let _installing = self
            .0
            .1
            .installing
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        match self.0.1.feed.get() {
            Some(hot) => hot.install(doc),
            // Nobody else sets it while the lock is held.
            None => self.0.1.feed.set(Arc::new(HotFeed::new(doc))).is_ok(),
        }
    }

    /// `Cache-Control` of the feed: short `max-age` so caches pick up news within a minute,
    /// `stale-while-revalidate`, and a week of `stale-if-error` so a CDN keeps serving when every origin is
    /// down. (Pages get a day: `notice_publish::export::CachePolicy::pages`.)
    pub(crate) fn cache_control(&self) -> String {
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
