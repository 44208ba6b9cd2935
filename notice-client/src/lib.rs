//! The library an app embeds to show outage and maintenance notices that keep working when the operator's
//! own infrastructure does not.
//!
//! A [`Client`] fetches the signed published document from several mirrors, trusts nothing but the
//! signatures (via [`notice_types::verify`]), remembers the last verified document and the rollback floor
//! on disk, and selects what one user sees now (via [`notice_types::select`]). It never blocks app start:
//! [`Client::new`] loads the last good document from disk without touching the network, and
//! [`Client::notices`] answers from memory, offline, with maintenance windows starting and ending by the
//! clock alone.
//!
//! ```no_run
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use notice_client::{Client, Config};
//! use notice_types::FeedId;
//!
//! let root = std::fs::read("root.json")?; // the root document the app ships
//! let mut config = Config::new(FeedId::parse("yivi-app/production")?, root, "/data/app/notices");
//! config.mirrors = vec!["https://notices.example.org/v1/feed.json".into()];
//! let client = Client::new(config)?;
//! let now = notice_client::system_now();
//! # #[cfg(feature = "https")]
//! client.refresh(now)?; // on a background thread, on start and on resume
//! for notice in client.notices(now).notices {
//!     println!("{}: {}", notice.title, notice.body);
//! }
//! # Ok(())
//! # }
//! ```
//!
//! Apps that are not written in Rust use the C ABI in [`ffi`] (header: `include/notice_client.h`), with
//! JSON in and out; `examples/c` and `examples/go` show it from C and from Go (cgo, gomobile-style).
//!
//! # Cargo features
//! - `https` (default): [`Client::refresh`] with a built-in HTTPS client (ureq + rustls/ring + bundled
//!   webpki roots, which cross-compile to Android and iOS without OpenSSL, with the target's C compiler for
//!   ring). Without it the crate has no HTTP or TLS dependency; hosts fetch the document themselves and pass
//!   it to [`Client::ingest`]. Phone builds leave it out (MOBILE.md).
//! - `strip-logs`: with `https`, compiles the `log` records of ureq and rustls out of optimized builds
//!   (about 100 KiB of a phone library); for hosts that install no `log` logger.
//!
//! # Layout
//! - `config`: [`Config`], [`AppContext`], [`Timeouts`] and their checks; the configuration JSON.
//!   `mirror_url`: the strict check of mirror URLs (ASCII, no Unicode tables).
//! - `state`: the state directory: atomic writes, checksummed state files, the duplicated rollback floor.
//! - `fetch` (feature `https`): one mirror request, with timeouts, the size cap, ETag and Retry-After; why
//!   mirrors are asked in parallel.
//! - `client`: [`Client`]: load, ingest, notices, dismiss, status; `client/refresh`: the refresh.
//! - `status`: what the client reports: [`Notices`], [`Status`], [`Freshness`].
//! - `error`: [`ClientError`].
//! - [`ffi`]: the C ABI, the only module with `unsafe`.

mod client;
mod config;
mod error;
#[cfg(feature = "https")]
mod fetch;
pub mod ffi;
mod mirror_url;
mod state;
mod status;

pub use client::{Client, IngestOutcome, RefreshOutcome};
pub use config::{AppContext, Config, ConfigError, MAX_MIRRORS, MAX_RETRY_AFTER, Timeouts};
pub use error::ClientError;
#[cfg(feature = "https")]
pub use fetch::USER_AGENT;
pub use status::{ErrorInfo, Freshness, MirrorStatus, Notices, Status, StorageProblem};

/// The system clock as a [`notice_types::Timestamp`], for hosts without a clock of their own (the C ABI
/// uses it when given `0` for "now"). A clock before 1970 reads as the epoch.
pub fn system_now() -> notice_types::Timestamp {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    notice_types::Timestamp::from_unix(i64::try_from(seconds).unwrap_or(i64::MAX))
}
