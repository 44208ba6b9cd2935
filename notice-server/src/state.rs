//! The state every request handler and background task shares.

use std::ops::Deref;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::body::Bytes;
use notice_types::{FeedId, TrustedRoot};
use rusqlite::Connection;

use crate::auth::AuthLimiter;
use crate::clock::Clock;
use crate::config::{DataDir, Settings};
use crate::error::Error;
use crate::hot::{HotDocument, HotFeed};
use crate::metrics::Metrics;
use crate::pages::Pages;
use crate::publish::{self, Signer};
use crate::served::{PublicParts, PublicState, Staleness};
use crate::status_page::{Lang, Site};
use crate::store::feeds::{self, StoredFeed};
use crate::store::{Db, StoreError, write_tx};

/// Cheap to clone; everything lives behind one `Arc`.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

/// What [`AppState`] holds.
pub struct Shared {
    /// The database.
    pub db: Arc<Db>,
    /// The document being served (the same one [`Shared::public`] serves).
    pub hot: Arc<HotFeed>,
    /// What the public endpoints see: the served document, pages, root v1; no database, no key.
    pub public: PublicState,
    /// Settings.
    pub settings: Settings,
    /// The time source.
    pub clock: Arc<dyn Clock>,
    /// Metrics.
    pub metrics: Arc<Metrics>,
    /// Failed-auth rate limiting.
    pub limiter: AuthLimiter,
    /// Files.
    pub data_dir: DataDir,
    signer: Mutex<Signer>,
}

impl Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("data_dir", &self.data_dir)
            .field("version", &self.hot.current().version)
            .finish_non_exhaustive()
    }
}

impl AppState {
    /// Opens an initialized data directory: database, root chain, feed key and the newest published document.
    /// Blocking; call before serving or from a blocking thread.
    pub fn open(dir: &DataDir, settings: Settings, clock: Arc<dyn Clock>) -> Result<Self, Error> {
        settings.validate()?;
        if !dir.is_initialized() {
            return Err(Error::NotInitialized(dir.path().to_owned()));
        }
        let db = Arc::new(Db::open(&dir.db())?);
        let metrics = Arc::new(Metrics::default());
        let (signer, latest, root_v1) = db.with(|conn| -> Result<_, Error> {
            let signer = Signer::load(conn, dir)?;
            let root_v1 = feeds::roots(conn)?
                .into_iter()
                .next()
                .ok_or_else(|| Error::NoRoot(dir.path().to_owned()))?;
            let latest = match feeds::latest_published(conn)? {
                Some(feed) => feed,
                None => {
                    // Only an interrupted init gets here; publish the first version now.
                    let tx = write_tx(conn)?;
                    metrics.record_signing();
                    let feed = publish::publish(&tx, &signer, &settings, clock.now())?;
                    tx.commit().map_err(|e| Error::Store(e.into()))?;
                    feed
                }
            };
            Ok((signer, latest, root_v1))
        })?;
        metrics.record_build();
        let trusted = TrustedRoot::from_envelope_bytes(&root_v1)
            .map_err(|e| StoreError::corrupt("root v1", e))?;
        let site = match &settings.site {
            Some(site) => site.clone(),
            None => default_site(&trusted.payload().feed_id),
        };
        let hot = Arc::new(HotFeed::new(HotDocument::build(&latest)));
        let public = PublicState::new(PublicParts {
            feed: Some(hot.clone()),
            root_v1: Some(Bytes::from(root_v1)),
            pages: Pages::new(site, trusted),
            clock: clock.clone(),
            metrics: metrics.clone(),
            cache_max_age_secs: settings.cache_max_age_secs,
            staleness: Staleness::Heartbeat(settings.heartbeat_interval),
            db: Some(db.clone()),
        });
        let limiter = AuthLimiter::new(settings.auth_failures_per_minute);
        Ok(Self(Arc::new(Shared {
            db,
            hot,
            public,
            settings,
            clock,
            metrics,
            limiter,
            data_dir: dir.clone(),
            signer: Mutex::new(signer),
        })))
    }

    /// Runs database work on a blocking thread with the connection held.
    pub async fn blocking<T, F>(&self, f: F) -> Result<T, Error>
    where
        T: Send + 'static,
        F: FnOnce(&AppState, &mut Connection) -> T + Send + 'static,
    {
        let state = self.clone();
        tokio::task::spawn_blocking(move || state.db.with(|conn| f(&state, conn)))
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "database task failed");
                Error::Task
            })
    }

    /// The signer. Only locked inside [`AppState::blocking`] work, after the connection, so the lock order is
    /// always connection → signer.
    pub(crate) fn signer(&self) -> MutexGuard<'_, Signer> {
        self.0.signer.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The newest root (feed id, keys, link hosts) the server signs under.
    pub fn root(&self) -> notice_types::RootPayload {
        self.signer().root().clone()
    }

    /// Serves a committed document from now on (if it is newer than the one served).
    pub fn install(&self, feed: &StoredFeed) {
        if self.public.install(HotDocument::build(feed)) {
            tracing::info!(version = feed.version, expires_at = %feed.expires_at, "serving new feed version");
        }
    }
}

/// The status page's site when none is configured: named after the feed id's first part (`yivi-app` for
/// `yivi-app/production`), in English, without a public URL.
pub fn default_site(feed_id: &FeedId) -> Site {
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
