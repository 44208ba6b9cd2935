//! Errors of setting up and running the server outside the HTTP layer (which maps them to its own
//! `AppError`). Messages say what to do and never contain key material or tokens.

use std::path::PathBuf;

use notice_types::{InvalidField, SignError};

use crate::config::ConfigError;
use crate::storage::StoreError;

/// Why a server operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The database or a file of the data directory failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Signing or assembling a document was refused.
    #[error(transparent)]
    Sign(#[from] SignError),
    /// A setting cannot work.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A value (feed id, link host, token name) breaks a rule.
    #[error("{0}")]
    Invalid(InvalidField),
    /// `init` found an existing data directory.
    #[error(
        "{} is already initialized (found {}); use it with `serve`, or pick another --data-dir",
        dir.display(), found.display()
    )]
    AlreadyInitialized {
        /// The data directory.
        dir: PathBuf,
        /// The file that shows it.
        found: PathBuf,
    },
    /// A command that needs a data directory found none.
    #[error(
        "{} is not initialized; run `notice-server init --data-dir {}` first",
        .0.display(), .0.display()
    )]
    NotInitialized(PathBuf),
    /// The data directory has its keys but no database: it was lost (or the keys were copied into a new
    /// directory to get it back).
    #[error(
        "{} has keys but no database (notice.db): to get it back, restore a backup with `notice-server restore --data-dir {} --from BACKUP`, or without one `notice-server recover --data-dir {} --from COPY` (a mirror's /v1/feed.json, a bucket, an export); not `init`, whose new keys no shipped app trusts",
        .0.display(), .0.display(), .0.display()
    )]
    DatabaseLost(PathBuf),
    /// `rotate-feed-key` found no root key.
    #[error(
        "no root key at {}: pass --root-key PATH to the offline copy of root-key.pem",
        .0.display()
    )]
    RootKeyMissing(PathBuf),
    /// `rotate-feed-key` found a next feed key that no root lists yet; rotating would overwrite it.
    #[error(
        "{} holds a feed key that no root lists yet: one prepared for a root rotation (`notice-server prepare-feed-key`), or left by a rotation that stopped before its commit; publish the root rotation that lists it (`notice root publish`), or move the file away, then run rotate-feed-key again",
        .0.display()
    )]
    NextFeedKeyWaiting(PathBuf),
    /// The given root key is not a root key of the current root.
    #[error(
        "{} is not a root key of root v{root_version}; pass the root key that signed this feed's root",
        path.display()
    )]
    RootKeyNotInRoot {
        /// The key file given.
        path: PathBuf,
        /// The current root version.
        root_version: u64,
    },
    /// The database holds no root (an interrupted `init`).
    #[error(
        "the database in {} holds no root document; move the directory away and run `notice-server init` again",
        .0.display()
    )]
    NoRoot(PathBuf),
    /// A token name is taken by an unrevoked token.
    #[error(
        "a token named `{0}` exists; revoke it first (`notice-server token revoke {0}`) or pick another name"
    )]
    TokenNameTaken(String),
    /// No unrevoked token has this name.
    #[error("no active token named `{0}` (see `notice-server token list`)")]
    TokenNotFound(String),
    /// A backup cannot be restored.
    #[error("cannot restore {}: {reason}", path.display())]
    Restore {
        /// The backup file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// A data directory cannot be recovered from the document and keys given.
    #[error("cannot recover: {0}")]
    Recover(String),
    /// A blocking task died (a bug); details are in the log.
    #[error("internal error in a background task")]
    Task,
}
