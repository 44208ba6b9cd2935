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
//! What a change *means* (the admin API's types, draft validation, the change rules, break-glass, ingest
//! planning, the status page renderer) lives in the pure `notice-publish` crate, which the `notice` CLI uses
//! too. This crate is the I/O around it: HTTP, SQLite, keys on disk, timers.
//!
//! # Layout
//! Four layers; each uses only the layers below it (a test reads the imports and checks):
//! 1. `storage`: the data directory ([`DataDir`]), key files and SQLite (schema with upgrade steps,
//!    notices with an append-only timeline, tokens as hashes, the audit log, roots and published documents).
//! 2. `publishing`: the one writer (`Publisher::write`: change + newly signed feed + audit row in one
//!    transaction), `init`, `rotate-feed-key`, ingest of break-glass documents, admin tokens.
//! 3. `http`: the router from one route table ([`routes`], [`app`], [`replica_app`]), admin and public
//!    handlers, `AppError` (the one place domain errors become statuses), bearer auth with failed-auth
//!    limiting, the served document with its ETag and compressed variants, status pages, OpenAPI, and
//!    [`serve_connections`] with a fast path for feed GETs. [`AppState`] is what handlers share.
//! 4. `tasks`: what runs beside the HTTP server: the heartbeat ([`tick`]) and the mirror ([`Mirror`]).
//!
//! Below all four: [`config`] (settings), [`clock`] (the time source), `metrics` (Prometheus text).
//! [`serve`] runs the origin: HTTP and heartbeat together, stopped gracefully.
//!
//! # Architecture invariants
//! - A public GET (feed, pages, Atom, health, metrics) reads memory only: no database use, no signing (the
//!   metrics count both, tests check). Pages are rendered at most once per page per change.
//! - Nothing is served that is not committed: the swap happens after `COMMIT`, and versions never go down,
//!   on the origin and on a mirror (whose floor persists in its state directory).
//! - A mirror serves only bytes it verified against its root, unchanged.
//! - Offline documents and the admin API apply changes with the same code (`notice_publish::change`).
//! - Tokens and keys never appear in logs, errors or the database in plain form (tokens: SHA-256 only).

pub mod clock;
pub mod config;
mod http;
mod metrics;
mod publishing;
mod service;
mod storage;
mod tasks;

#[cfg(test)]
mod layers;

pub use http::openapi::document as openapi_document;
pub use http::{Access, AppState, Route, app, routes};
pub use publishing::ingest::{IngestFailure, Ingested, ingest};
pub use publishing::init::{FIRST_TOKEN_NAME, InitOptions, Initialized, LOCAL_ACTOR, init};
pub use publishing::recovery::{BackedUp, Resumed, backup, recover, restore};
pub use publishing::root_rotation::{PreparedFeedKey, RootRefused, prepare_feed_key};
pub use publishing::rotate::{Rotated, rotate_feed_key};
pub use publishing::tokens::{issue_token, revoke_token};
pub use publishing::{Error, open_database};
pub use service::{serve, shutdown_signal};
pub use storage::audit::Actor;
pub use storage::tokens::{Scope, TokenInfo};
pub use storage::{
    DataDir, DataDirLock, StoreError, keys::read as read_key, tokens::list as list_tokens,
};
pub use tasks::heartbeat::{Ticked, tick};
pub use tasks::mirror::{Mirror, MirrorConfig};
