//! The publishing layer: everything that writes a new feed version or the data directory. Every change
//! goes through [`Publisher::write`]: the change, the newly signed feed version and an audit row in one
//! transaction. Also here: creating a data directory ([`init`]), rotating the feed key ([`rotate`]),
//! publishing root v(N+1) from a root key ceremony ([`root_rotation`]), taking
//! in a break-glass document ([`ingest`]) and admin tokens ([`tokens`]).
//!
//! It uses the storage layer and knows nothing of HTTP: the caller serves a committed document.

pub(crate) mod copies;
pub(crate) mod error;
pub(crate) mod ingest;
pub(crate) mod init;
pub(crate) mod recovery;
pub(crate) mod root_rotation;
pub(crate) mod rotate;
mod signer;
pub(crate) mod tokens;

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use notice_types::{NoticeId, RootPayload, Timestamp};
use rusqlite::{Connection, Transaction};

pub use error::Error;
pub(crate) use signer::{Signer, load_roots, publish};

use crate::clock::Clock;
use crate::config::Settings;
use crate::metrics::Metrics;
use crate::storage::audit::{self, Action, Actor};
use crate::storage::feeds::StoredFeed;
use crate::storage::{DataDir, write_tx};

/// The actor of writes the server does by itself (heartbeat, retention).
pub(crate) const SYSTEM_ACTOR: &str = "system";

/// The server's one writer of feed versions: the signer (root chain and feed key), the settings that shape
/// a feed, the clock and the data directory.
pub(crate) struct Publisher {
    signer: Mutex<Signer>,
    data_dir: DataDir,
    settings: Settings,
    clock: Arc<dyn Clock>,
    metrics: Arc<Metrics>,
}

impl std::fmt::Debug for Publisher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Publisher")
            .field("data_dir", &self.data_dir)
            .finish_non_exhaustive()
    }
}

/// What a [`Publisher::write`] did.
#[derive(Debug)]
pub(crate) struct Written<T> {
    /// What the change returned.
    pub(crate) output: T,
    /// The feed version it was signed into (committed, or for a dry run what it would have been).
    pub(crate) feed: StoredFeed,
}

impl Publisher {
    /// A publisher signing with `signer` under `settings`.
    pub(crate) fn new(
        signer: Signer,
        data_dir: DataDir,
        settings: Settings,
        clock: Arc<dyn Clock>,
        metrics: Arc<Metrics>,
    ) -> Self {
        Self {
            signer: Mutex::new(signer),
            data_dir,
            settings,
            clock,
            metrics,
        }
    }

    /// The settings.
    pub(crate) fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The time source.
    pub(crate) fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// The data directory.
    pub(crate) fn data_dir(&self) -> &DataDir {
        &self.data_dir
    }

    /// The signer. Only locked inside database work, after the connection, so the lock order is always
    /// connection → signer.
    fn signer(&self) -> MutexGuard<'_, Signer> {
        self.signer.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The newest root (feed id, keys, link hosts) the server signs under.
    pub(crate) fn root(&self) -> RootPayload {
        self.signer().root().clone()
    }

    /// One write: `change` alters the store, the next feed version is signed and stored, an audit row
    /// records who did it, all in one transaction, committed unless `mode` is a dry run. The caller serves
    /// the document only after this returns: a GET never serves something a crash could take back.
    ///
    /// Runs on a blocking thread with the connection held.
    pub(crate) fn write<T, E>(
        &self,
        conn: &mut Connection,
        mode: Mode,
        change: impl FnOnce(&Transaction<'_>, Timestamp, &RootPayload) -> Result<(T, AuditNote), E>,
    ) -> Result<Written<T>, E>
    where
        E: From<Error>,
    {
        let now = self.clock.now();
        let tx = write_tx(conn).map_err(Error::from)?;
        let root = {
            let mut signer = self.signer();
            signer.refresh(&tx, &self.data_dir)?;
            signer.root().clone()
        };
        let (output, note) = change(&tx, now, &root)?;
        let feed = {
            let signer = self.signer();
            self.metrics.record_signing();
            publish(&tx, &signer, &self.settings, now)?
        };
        audit::record(
            &tx,
            now,
            &note.actor,
            note.action,
            note.notice_id.as_ref(),
            Some(feed.version),
        )
        .map_err(Error::from)?;
        match mode {
            Mode::DryRun => drop(tx),
            Mode::Commit => tx.commit().map_err(|e| Error::Store(e.into()))?,
        }
        Ok(Written { output, feed })
    }
}

/// `Ok` when `dir` holds a database; else why not: never initialized, or its database lost beside its keys.
pub(crate) fn require_initialized(dir: &DataDir) -> Result<(), Error> {
    if dir.is_initialized() {
        Ok(())
    } else if [dir.feed_key(), dir.root_key(), dir.root_json()]
        .iter()
        .any(|file| file.exists())
    {
        Err(Error::DatabaseLost(dir.path().to_owned()))
    } else {
        Err(Error::NotInitialized(dir.path().to_owned()))
    }
}

/// Opens the database of an initialized data directory, for the local commands (`token`, `ingest`) that
/// write it beside or instead of a running server.
pub fn open_database(dir: &DataDir) -> Result<Connection, Error> {
    require_initialized(dir)?;
    Ok(crate::storage::schema::open(&dir.db())?)
}

/// The audit row a write adds.
#[derive(Debug, Clone)]
pub(crate) struct AuditNote {
    /// Who: a token's name and scope, or `system`.
    pub(crate) actor: Actor,
    /// What was done.
    pub(crate) action: Action,
    /// The notice concerned.
    pub(crate) notice_id: Option<NoticeId>,
}

/// Whether to keep the write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Commit, then serve the new document.
    Commit,
    /// Do everything, including signing, then roll back: shows what would be published.
    DryRun,
}
