//! The data directory: where the database and the keys of one server live.

use std::path::{Path, PathBuf};

/// The files of one server. Keys are kept next to the database so a backup of the directory is complete;
/// the root key should not stay there (init says so).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataDir {
    root: PathBuf,
}

impl DataDir {
    /// The directory at `path` (it may not exist yet).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { root: path.into() }
    }

    /// The directory itself.
    pub fn path(&self) -> &Path {
        &self.root
    }

    /// The SQLite database.
    pub fn db(&self) -> PathBuf {
        self.root.join("notice.db")
    }

    /// The online feed signing key (PKCS#8 PEM, mode 0600).
    pub fn feed_key(&self) -> PathBuf {
        self.root.join("feed-key.pem")
    }

    /// The next feed key: written by `prepare-feed-key` for a root rotation to list, and by
    /// `rotate-feed-key` before its new root is committed; renamed to `feed-key.pem` once a root lists it.
    pub fn next_feed_key(&self) -> PathBuf {
        self.root.join("next-feed-key.pem")
    }

    /// Where earlier builds put the next feed key: a rotation they left half done (committed, not yet
    /// renamed) is finished from there.
    pub fn legacy_next_feed_key(&self) -> PathBuf {
        self.root.join("feed-key.pem.next")
    }

    /// The root key as `init` leaves it (to be moved offline).
    pub fn root_key(&self) -> PathBuf {
        self.root.join("root-key.pem")
    }

    /// Root v1 envelope: the file apps ship.
    pub fn root_json(&self) -> PathBuf {
        self.root.join("root.json")
    }

    /// The lock a running server holds (see `DataDirLock`).
    pub fn lock_file(&self) -> PathBuf {
        self.root.join("notice.lock")
    }

    /// Whether `init` has run here (the database exists).
    pub fn is_initialized(&self) -> bool {
        self.db().exists()
    }
}
