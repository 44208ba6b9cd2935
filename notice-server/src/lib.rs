//! notice-server: the operators' writer and the origin of the signed public feed.
//!
//! Operators post, update, resolve and withdraw notices through the admin API (bearer tokens). Every change
//! is one SQLite transaction holding the change, an audit row and the newly signed feed document; only after
//! the commit does the in-memory document that `GET /v1/feed.json` serves change. The public path never
//! touches the database or the signing key: it hands out pre-built bytes, a strong ETag and pre-compressed
//! variants. A heartbeat re-signs the feed so it never expires while the server runs.
//!
//! # Layout
//! - [`config`]: settings (durations, cache max-age, rate limit) and the data directory's files.
//! - [`clock`]: the [`clock::Clock`] trait; system clock in production, [`clock::ManualClock`] in tests.
//! - [`store`]: SQLite: [`store::schema`] (versioned, upgrade steps), [`store::notices`] (with an append-only
//!   timeline), [`store::tokens`] (hashes only), [`store::audit`], [`store::feeds`] (roots, published bytes).
//! - [`keys`]: key files (owner-only), generation, feed key loading with rotation recovery.
//! - [`init`], [`rotate`]: creating a data directory; rotating the feed key under a new root version.
//! - [`drafts`]: the admin API's input types and their conversion into notices, with field-named errors.
//! - [`publish`]: signing the next feed version, and [`publish::write`], the one transaction of every write.
//! - [`hot`]: the served document, swapped atomically after commit; [`http_cache`]: ETag and encodings.
//! - [`auth`]: tokens and failed-auth rate limiting; [`metrics`]: Prometheus text; [`heartbeat`].
//! - [`routes`]: [`routes::app`], the public and admin handlers, [`routes::AppError`]; [`openapi`].
//! - [`state`]: [`state::AppState`], shared by handlers and tasks; [`server`]: serving with graceful shutdown.
//!
//! # Architecture invariants
//! - A GET of the feed reads memory only: no database use, no signing (the metrics count both, tests check).
//! - Nothing is served that is not committed: the swap happens after `COMMIT`, and versions never go down.
//! - Tokens and keys never appear in logs, errors or the database in plain form (tokens: SHA-256 only).

pub mod auth;
pub mod clock;
pub mod config;
pub mod drafts;
pub mod error;
pub mod heartbeat;
pub mod hot;
pub mod http_cache;
pub mod init;
pub mod keys;
pub mod metrics;
pub mod openapi;
pub mod publish;
pub mod rotate;
pub mod routes;
pub mod server;
pub mod state;
pub mod store;

pub use error::Error;
pub use routes::app;
pub use state::AppState;
