//! Embedded SQLite storage: notices and their append-only updates, tokens (hashes only), the audit log, the
//! root chain and every published feed version.
//!
//! One connection, behind a mutex: notices are rare and there is one writer. Callers run database work off the
//! async threads ([`crate::state::AppState::blocking`]). Every write is one `BEGIN IMMEDIATE` transaction
//! ([`write_tx`]), so two processes on the same file (the server and `notice-server token create`) never
//! compute the same next version.

pub mod audit;
pub mod feeds;
pub mod notices;
pub mod schema;
pub mod tokens;

use std::path::Path;
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
}

impl StoreError {
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
pub struct Db {
    conn: Mutex<Connection>,
    uses: AtomicU64,
}

impl Db {
    /// Opens (creating if needed) and upgrades the database at `path`.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        Ok(Self {
            conn: Mutex::new(schema::open(path)?),
            uses: AtomicU64::new(0),
        })
    }

    /// Runs `f` with the connection. Blocks: call from a blocking thread, never across an `.await`.
    pub fn with<T>(&self, f: impl FnOnce(&mut Connection) -> T) -> T {
        self.uses.fetch_add(1, Ordering::Relaxed);
        // A panic while holding the lock leaves no half-done transaction behind (rusqlite rolls back on drop),
        // so the connection is still usable.
        let mut conn = self.conn.lock().unwrap_or_else(PoisonError::into_inner);
        f(&mut conn)
    }

    /// How many times the database was used since start (the public read path must not add to this).
    pub fn uses(&self) -> u64 {
        self.uses.load(Ordering::Relaxed)
    }
}

/// Starts a write transaction that takes the write lock at once, so the reads inside it (the next version
/// number) cannot be invalidated by another writer before commit.
pub fn write_tx(conn: &mut Connection) -> Result<Transaction<'_>, StoreError> {
    Ok(conn.transaction_with_behavior(TransactionBehavior::Immediate)?)
}
