//! notice-server: the operators' writer and the origin of the signed public feed, its status page, and a
//! read-only mirror of either.
//!
//! Operators post, update, resolve and withdraw notices through the admin API (bearer tokens). Every change
//! is one SQLite transaction holding the change, an audit row and the newly signed feed document; only after
//! the commit does the in-memory document that `GET /v1/feed.json` serves change. The public path never
//! touches the database or the signing key: it hands out pre-built bytes, a strong ETag and pre-compressed
//! variants. A heartbeat re-signs the feed so it never expires while the server runs. The same document is
//! shown to people as a status page (`/`, `/index.{nl,en,de}.html`) and an Atom feed (`/feed.atom`).
//!
//! When the operator's infrastructure is down, three things keep users informed (issue 6, the post-mortem's
//! lesson): `notice-server mirror` re-serves the verified bytes from another provider ([`mirror`]); the
//! status page renders to plain files for any static host ([`status_page::render_all`]); and an operator
//! with the feed key can publish without the server ([`offline`]), which the server takes in again when it
//! is back ([`ingest`]), so versions keep going up and nothing is lost.
//!
//! # Layout
//! - [`config`]: settings (durations, cache max-age, rate limit, status page site) and the data directory.
//! - [`clock`]: the [`clock::Clock`] trait; system clock in production, [`clock::ManualClock`] in tests.
//! - [`store`]: SQLite: [`store::schema`] (versioned, upgrade steps), [`store::notices`] (with an append-only
//!   timeline), [`store::tokens`] (hashes only), [`store::audit`], [`store::feeds`] (roots, published bytes).
//! - [`keys`]: key files (owner-only), generation, feed key loading with rotation recovery.
//! - [`init`], [`rotate`]: creating a data directory; rotating the feed key under a new root version.
//! - [`drafts`]: the admin API's input types and their conversion into notices, with field-named errors;
//!   [`change`]: one create/edit/update/resolve/withdraw exactly as the admin API applies it.
//! - [`publish`]: signing the next feed version, and [`publish::write`], the one transaction of every write.
//! - [`hot`]: the served document, swapped atomically after commit; [`http_cache`]: ETag and encodings.
//! - [`served`]: [`served::PublicState`], what the public routes read (no database, no key), shared by the
//!   origin and the mirror; [`pages`]: rendered status pages, cached until the document or the clock changes
//!   them.
//! - [`status_page`]: pure rendering of the page and the Atom feed from a feed payload (also for exports).
//! - [`auth`]: tokens and failed-auth rate limiting; [`metrics`]: Prometheus text; [`heartbeat`].
//! - [`routes`]: [`routes::app`] (origin) and [`routes::replica_app`] (mirror) from one route table, the
//!   public and admin handlers, [`routes::AppError`]; [`openapi`].
//! - [`offline`]: break-glass documents from the last known feed (same [`change`] code, version jump);
//!   [`ingest`]: taking such a document in (`POST /v1/admin/ingest`, `notice-server ingest`).
//! - [`mirror`]: the read-only replica: polls with the app's own client, serves through the public routes.
//! - [`state`]: [`state::AppState`], shared by handlers and tasks; [`server`]: serving with graceful shutdown.
//!
//! # Architecture invariants
//! - A public GET (feed, pages, Atom, health, metrics) reads memory only: no database use, no signing (the
//!   metrics count both, tests check). Pages are rendered at most once per page per change.
//! - Nothing is served that is not committed: the swap happens after `COMMIT`, and versions never go down,
//!   on the origin and on a mirror (whose floor persists in its state directory).
//! - A mirror serves only bytes it verified against its root, unchanged.
//! - Offline documents and the admin API apply changes with the same code ([`change`]).
//! - Tokens and keys never appear in logs, errors or the database in plain form (tokens: SHA-256 only).

pub mod auth;
pub mod change;
pub mod clock;
pub mod config;
pub mod drafts;
pub mod error;
pub mod heartbeat;
pub mod hot;
pub mod http_cache;
pub mod ingest;
pub mod init;
pub mod keys;
pub mod metrics;
pub mod mirror;
pub mod offline;
pub mod openapi;
pub mod pages;
pub mod publish;
pub mod rotate;
pub mod routes;
pub mod served;
pub mod server;
pub mod state;
pub mod status_page;
pub mod store;

pub use error::Error;
pub use routes::app;
pub use state::AppState;
