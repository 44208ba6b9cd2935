//! The state every request handler and background task of the origin shares.

use std::ops::Deref;
use std::sync::Arc;
use std::time::Instant;

use axum::body::Bytes;
use notice_publish::status_page::{Site, history};
use notice_types::{RootPayload, Timestamp, TrustedRoot, dangerous_verify_ignoring_freshness};
use rusqlite::{Connection, Transaction};

use tokio::sync::watch;

use super::AppError;
use super::auth::AuthLimiter;
use super::hot::{HotDocument, HotFeed};
use super::pages::{History, Pages};
use super::served::{OriginChecks, PublicParts, PublicState, Staleness};
use crate::clock::Clock;
use crate::config::Settings;
use crate::metrics::Metrics;
use crate::publishing::copies::{self, Copies};
use crate::publishing::{self, AuditNote, Error, Mode, Publisher, Signer, Written};
use crate::storage::feeds::{self, StoredFeed};
use crate::storage::{DataDir, Db, StoreError, check, notices, write_tx};

/// Whether the configured site (what `settings` would sign) differs from what `feed` carries.
fn site_changed(feed: &StoredFeed, root_v1: &[u8], settings: &Settings) -> bool {
    let wanted = settings.site.as_ref().map(Site::service);
    // The stored document was signed by this server: opening it cannot fail unless the store is damaged,
    // and then the ordinary start-up path reports that.
    let opened = TrustedRoot::from_envelope_bytes(root_v1)
        .and_then(|trusted| dangerous_verify_ignoring_freshness(&feed.bytes, &trusted));
    match opened {
        Ok((_, payload)) => payload.service != wanted,
        Err(_) => false,
    }
}

/// The origin's shared state. Cheap to clone; everything lives behind one `Arc`.
#[derive(Clone)]
pub struct AppState(Arc<AppParts>);

/// What [`AppState`] holds (only this crate sees inside).
pub struct AppParts {
    /// The database.
    pub(crate) db: Arc<Db>,
    /// The document being served (the same one [`AppParts::public`] serves).
    pub(crate) hot: Arc<HotFeed>,
    /// What the public endpoints see: the served document, pages, root v1; no database, no key.
    pub(crate) public: PublicState,
    /// The one writer of feed versions.
    pub(crate) publisher: Publisher,
    /// Metrics.
    pub(crate) metrics: Arc<Metrics>,
    /// Failed-auth rate limiting.
    pub(crate) limiter: AuthLimiter,
    /// The copies on other providers: written after every version, read before every write.
    pub(crate) copies: Arc<Copies>,
    /// Root v1, what apps ship: copies are checked against it.
    pub(crate) trusted: TrustedRoot,
    /// The version served, for the tasks that follow it (uploads to the copies).
    pub(crate) served: watch::Sender<u64>,
    /// What `/readyz` reports of the database and the copies.
    pub(crate) origin: Arc<OriginChecks>,
}

impl Deref for AppState {
    type Target = AppParts;
    fn deref(&self) -> &AppParts {
        &self.0
    }
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("data_dir", self.publisher.data_dir())
            .field("version", &self.hot.current().version)
            .finish_non_exhaustive()
    }
}

impl AppState {
    /// Opens an initialized data directory: database, root chain, feed key and the newest published document.
    /// Blocking; call before serving or from a blocking thread.
    pub fn open(dir: &DataDir, settings: Settings, clock: Arc<dyn Clock>) -> Result<Self, Error> {
        settings.validate()?;
        crate::publishing::require_initialized(dir)?;
        let db = Arc::new(Db::open(&dir.db())?);
        let metrics = Arc::new(Metrics::default());
        let (signer, latest, root_v1, history_records) = db.with(|conn| -> Result<_, Error> {
            // A damaged or read-only database refuses to start, rather than serve while every write fails.
            check::check(conn, &dir.db())?;
            let signer = Signer::load(conn, dir)?;
            let root_v1 = feeds::roots(conn)?
                .into_iter()
                .next()
                .ok_or_else(|| Error::NoRoot(dir.path().to_owned()))?;
            let latest = match feeds::latest_published(conn)? {
                // The site settings changed since the last signature (a new time zone, a component
                // declared): sign now, so copies and apps need not wait for the next heartbeat.
                Some(feed) if site_changed(&feed, &root_v1, &settings) => {
                    let tx = write_tx(conn)?;
                    metrics.record_signing();
                    let feed = publishing::publish(&tx, &signer, &settings, clock.now())?;
                    tx.commit().map_err(|e| Error::Store(e.into()))?;
                    feed
                }
                Some(feed) => feed,
                None => {
                    // Only an interrupted init gets here; publish the first version now.
                    let tx = write_tx(conn)?;
                    metrics.record_signing();
                    let feed = publishing::publish(&tx, &signer, &settings, clock.now())?;
                    tx.commit().map_err(|e| Error::Store(e.into()))?;
                    feed
                }
            };
            let since = clock.now().plus_seconds(-history::HISTORY_DAYS * 86_400);
            let history_records = notices::history(conn, since)?;
            Ok((signer, latest, root_v1, history_records))
        })?;
        metrics.record_build();
        let trusted = TrustedRoot::from_envelope_bytes(&root_v1)
            .map_err(|e| StoreError::corrupt("root v1", e))?;
        let site = match &settings.site {
            Some(site) => site.clone(),
            None => Site::for_feed(&trusted.payload().feed_id),
        };
        let hot = Arc::new(HotFeed::new(HotDocument::build(&latest)));
        let copies = Arc::new(Copies::new(&settings, metrics.clone()));
        let origin = Arc::new(OriginChecks::new(copies.clone()));
        let public = PublicState::new(
            PublicParts {
                root_v1: Some(Bytes::from(root_v1)),
                pages: Pages::new(site, trusted.clone(), Some(History::default())),
                clock: clock.clone(),
                metrics: metrics.clone(),
                cache_max_age_secs: settings.cache_max_age_secs,
                staleness: Staleness::Heartbeat(settings.heartbeat_interval),
                db: Some(db.clone()),
                origin: Some(origin.clone()),
                metrics_apart: settings.metrics_listen.is_some(),
            },
            Some(hot.clone()),
        );
        public.pages.set_history(history_records);
        let limiter = AuthLimiter::new(settings.auth_failures_per_minute);
        let (served, _) = watch::channel(latest.version);
        let publisher = Publisher::new(signer, dir.clone(), settings, clock, metrics.clone());
        Ok(Self(Arc::new(AppParts {
            db,
            hot,
            public,
            publisher,
            metrics,
            limiter,
            copies,
            trusted,
            served,
            origin,
        })))
    }

    /// The settings it runs with.
    pub fn settings(&self) -> &Settings {
        self.publisher.settings()
    }

    /// The time source.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        self.publisher.clock()
    }

    /// Runs database work on a blocking thread with the connection held.
    pub(crate) async fn blocking<T, F>(&self, f: F) -> Result<T, Error>
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

    /// The newest root (feed id, keys, link hosts) the server signs under.
    pub fn root(&self) -> RootPayload {
        self.publisher.root()
    }

    /// One write through the publisher ([`Publisher::write`]); after a commit the new document is served
    /// at once. Returns what `change` returned and the feed version. Runs on a blocking thread with the
    /// connection held.
    ///
    /// A write that fails for the server's own reasons (not the request's) checks the database at once, so
    /// that `/healthz` and `/readyz` say so from the failed write on, not from the next periodic probe.
    pub(crate) fn write<T, E>(
        &self,
        conn: &mut Connection,
        mode: Mode,
        change: impl FnOnce(&Transaction<'_>, Timestamp, &RootPayload) -> Result<(T, AuditNote), E>,
    ) -> Result<(T, u64), E>
    where
        E: From<Error> + ServerFailure,
    {
        let started = Instant::now();
        let Written { output, feed } = match self.publisher.write(conn, mode, change) {
            Ok(written) => written,
            Err(e) => {
                if e.is_server_failure() {
                    self.check_database_after_failure(conn);
                }
                return Err(e);
            }
        };
        if mode == Mode::Commit {
            // A commit is proof the database takes writes.
            self.record_database(Ok(()));
            self.refresh_history(conn);
            self.install(&feed);
            self.metrics.record_publish(started.elapsed());
        }
        Ok((output, feed.version))
    }

    /// Reloads the history page's records from the database (after a change to notices). A failure keeps
    /// the previous records: the history page is not worth failing a committed write for.
    pub(crate) fn refresh_history(&self, conn: &Connection) {
        let since = self
            .clock()
            .now()
            .plus_seconds(-history::HISTORY_DAYS * 86_400);
        match notices::history(conn, since) {
            Ok(records) => self.public.pages.set_history(records),
            Err(e) => tracing::warn!(error = %e, "cannot read the history page's notices"),
        }
    }

    /// Serves a committed document from now on (if it is newer than the one served), and tells the tasks
    /// that follow the served version (uploads to the copies).
    pub(crate) fn install(&self, feed: &StoredFeed) {
        if self.public.install(HotDocument::build(feed)) {
            tracing::info!(version = feed.version, expires_at = %feed.expires_at, "serving new feed version");
            self.served.send_replace(feed.version);
        }
    }

    /// Writes a probe to the database and records whether it worked (for `/readyz`, `/healthz`, `/metrics`).
    pub(crate) async fn probe_database(&self) {
        let outcome = self
            .blocking(|state, conn| {
                check::probe(conn, &state.publisher.data_dir().db()).map_err(|e| e.to_string())
            })
            .await
            .unwrap_or_else(|e| Err(e.to_string()));
        self.record_database(outcome);
    }

    /// After a use of the database failed for the server's own reasons (a write, a token check): SQLite's
    /// structural check and the probe, on the connection that failed. A damaged file whose first page is
    /// intact passes the probe alone.
    pub(crate) fn check_database_after_failure(&self, conn: &mut Connection) {
        let outcome =
            check::check(conn, &self.publisher.data_dir().db()).map_err(|e| e.to_string());
        self.record_database(outcome);
    }

    fn record_database(&self, outcome: Result<(), String>) {
        self.metrics.record_database(outcome.is_ok());
        self.origin.record_database(outcome);
    }

    /// Looks at every copy and takes in the highest valid document above the server's latest version
    /// (a break-glass document written there while the server was down), so nothing published after this
    /// is lower than what phones already hold. Returns what the operator should know: the document taken
    /// in, copies that could not be read.
    pub(crate) async fn reconcile(&self) -> Result<Vec<String>, AppError> {
        if self.copies.is_empty() {
            return Ok(Vec::new());
        }
        let state = self.clone();
        let seen = tokio::task::spawn_blocking(move || state.copies.look(state.clock().now()))
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "reading the copies failed");
                AppError::Internal
            })?;
        let reconciled = self
            .blocking(move |state, conn| {
                copies::reconcile(
                    conn,
                    state.publisher.data_dir(),
                    state.settings(),
                    &state.trusted,
                    seen,
                    state.clock().now(),
                )
            })
            .await??;
        let mut notes = reconciled.warnings;
        if let (Some(ingested), Some(source)) = (reconciled.ingested, reconciled.source) {
            let _ = self
                .blocking(|state, conn| state.refresh_history(conn))
                .await;
            self.install(&ingested.feed);
            notes.insert(0, copies::describe(&ingested.report, &source));
        }
        for note in &notes {
            tracing::warn!(note = %note, "copies");
        }
        Ok(notes)
    }
}

/// Whether a failed write is the server's fault (the database, a task) rather than the request's: only then
/// is the database checked again.
pub(crate) trait ServerFailure {
    /// True for a failure of the server itself.
    fn is_server_failure(&self) -> bool;
}

impl ServerFailure for Error {
    fn is_server_failure(&self) -> bool {
        matches!(self, Error::Store(_) | Error::Task)
    }
}

impl ServerFailure for AppError {
    fn is_server_failure(&self) -> bool {
        matches!(self, AppError::Internal)
    }
}
