//! The storage layer: the data directory ([`DataDir`]) with its key files ([`keys`]) and the embedded SQLite
//! database: notices and their append-only updates, tokens (hashes only), the audit log, the root chain and
//! every published feed version.
//!
//! One connection, behind a mutex: notices are rare and there is one writer. Callers run database work off the
//! async threads (`AppState::blocking`). Every write is one `BEGIN IMMEDIATE` transaction ([`write_tx`]), so
//! two processes on the same file (the server and `notice-server token create`) never compute the same next
//! version.
//!
//! This layer knows nothing of HTTP, signing rules or the server's state; everything above uses it.

pub(crate) mod audit;
pub(crate) mod check;
mod data_dir;
pub(crate) mod feeds;
pub(crate) mod keys;
mod lock;
pub(crate) mod notices;
pub(crate) mod schema;
pub(crate) mod tokens;

pub use data_dir::DataDir;
pub use lock::DataDirLock;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

use rusqlite::{Connection, Transaction, TransactionBehavior};

/// Why a database operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// SQLite reported an error (I/O, constraint, busy for too long, …).
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The file was written by a newer notice-server.
    #[error(
        "the database has schema version {found}, this notice-server knows up to {known}; run a newer notice-server"
    )]
    SchemaTooNew {
        /// Version in the file.
        found: u32,
        /// Newest version this build knows.
        known: u32,
    },
    /// A stored value does not parse: the file was edited by hand or is damaged.
    #[error("stored {what} is unreadable: {detail}")]
    Corrupt {
        /// What was being read.
        what: &'static str,
        /// Parser message.
        detail: String,
    },
    /// A file of the data directory could not be read or written.
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        /// What was attempted (`write`, `read`, `create`).
        action: &'static str,
        /// The path concerned.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// A key file does not hold a usable key.
    #[error("{}: {source}", path.display())]
    Key {
        /// The key file.
        path: PathBuf,
        /// What is wrong with it.
        source: notice_types::KeyError,
    },
    /// Another process holds the data directory.
    #[error(
        "{} is in use by {holder}; stop that server first (two servers on one directory would sign different feeds with the same versions)",
        dir.display()
    )]
    Locked {
        /// The data directory.
        dir: PathBuf,
        /// Who holds it, as its lock file says.
        holder: String,
    },
    /// The database file is damaged.
    #[error(
        "the database {} is damaged ({detail}); stop, restore it from a backup (`notice-server restore --from FILE`) or recover it from a published copy (`notice-server recover --from URL`)",
        path.display()
    )]
    Damaged {
        /// The database file.
        path: PathBuf,
        /// What SQLite's check found (first lines).
        detail: String,
    },
    /// The database cannot be written.
    #[error(
        "the database {} cannot be written ({detail}); check that the data directory and its files belong to the server's user and are writable, and that the disk is not full or mounted read-only",
        path.display()
    )]
    NotWritable {
        /// The database file.
        path: PathBuf,
        /// SQLite's reason.
        detail: String,
    },
    /// The feed key on disk is not one the current root lists.
    #[error(
        "the feed key {} is not a feed key of root v{root_version}; restore the feed key of this data directory or run `notice-server rotate-feed-key`",
        path.display()
    )]
    FeedKeyNotInRoot {
        /// The feed key file.
        path: PathBuf,
        /// The current root version.
        root_version: u64,
    },
}

impl StoreError {
    /// An I/O error on `path`.
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        Self::Io {
            action,
            path: path.into(),
            source,
        }
    }

    /// A damaged stored value.
    pub(crate) fn corrupt(what: &'static str, detail: impl ToString) -> Self {
        Self::Corrupt {
            what,
            detail: detail.to_string(),
        }
    }
}

/// The database connection, shared by the server's tasks.
#[derive(Debug)]
pub(crate) struct Db {
    conn: Mutex<Connection>,
    uses: AtomicU64,
}

impl Db {
    /// Opens (creating if needed) and upgrades the database at `path`.
    pub(crate) fn open(path: &Path) -> Result<Self, StoreError> {
        Ok(Self {
            conn: Mutex::new(schema::open(path)?),
            uses: AtomicU64::new(0),
        })
    }

    /// Runs `f` with the connection. Blocks: call from a blocking thread, never across an `.await`.
    pub(crate) fn with<T>(&self, f: impl FnOnce(&mut Connection) -> T) -> T {
        self.uses.fetch_add(1, Ordering::Relaxed);
        // A panic while holding the lock leaves no half-done transaction behind (rusqlite rolls back on drop),
        // so the connection is still usable.
        let mut conn = self.conn.lock().unwrap_or_else(PoisonError::into_inner);
        f(&mut conn)
    }

    /// How many times the database was used since start (the public read path must not add to this).
    pub(crate) fn uses(&self) -> u64 {
        self.uses.load(Ordering::Relaxed)
    }
}

/// Starts a write transaction that takes the write lock at once, so the reads inside it (the next version
/// number) cannot be invalidated by another writer before commit.
pub(crate) fn write_tx(conn: &mut Connection) -> Result<Transaction<'_>, StoreError> {
    Ok(conn.transaction_with_behavior(TransactionBehavior::Immediate)?)
}
