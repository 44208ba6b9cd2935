//! One of each test tool for every package of the workspace: a signing kit with a notice builder, a
//! process harness that runs the real binaries, and a poll helper.
//!
//! Every package's tests use it through `notice-tests.workspace = true` under `[dev-dependencies]`
//! (notice-types too: its integration tests and `examples/vectors.rs` link the same notice-types this crate
//! does; only its own unit tests would see two copies, so they keep their few local values). The harness
//! builds the binaries it runs with cargo when they are missing or stale ([`bin_path`]), so
//! `cargo test -p <any package>` works from a fresh clone.
//!
//! ```no_run
//! use notice_tests::{FeedOwner, NoticeBuilder, OutputExt as _, TestServer, at};
//!
//! // Sign a document in-test: deterministic keys, time as an offset from T0.
//! let owner = FeedOwner::new();
//! let document = owner.document(3, vec![NoticeBuilder::outage("keyshare-down").revision(2).build()]);
//! assert!(owner.verify(&document, None, at(60)).is_ok());
//!
//! // Or run the real server and CLI.
//! let server = TestServer::start();
//! let out = server.notice().args(["list", "--json"]).output();
//! out.assert_code(0);
//! assert!(out.stdout_text().contains("\"notices\""));
//! ```
//!
//! # Layout
//! - `signing`: the signing kit. [`FeedOwner`] holds a root chain that rotates (thresholds, new keys) and
//!   signs feeds and published documents through the checked writer path, or raw and hostile ones (unknown
//!   keys, other feed ids, edited payloads, forged rotations) for tests of what readers refuse; [`edited`]
//!   changes a document's JSON; [`key`] is the deterministic key `n`, [`at`] a time as an offset from
//!   [`T0`], [`now`] the system clock for the real binaries.
//! - `notice`: [`NoticeBuilder`], every test notice: a preset ([`NoticeBuilder::outage`],
//!   [`NoticeBuilder::maintenance`], [`NoticeBuilder::new`]) changed where a test needs it.
//! - `vectors`: [`vectors`], the committed cross-language test vectors, made with the kit.
//! - `server`: [`TestServer`], the one process harness for `notice-server`: a temporary data directory,
//!   `init` and `serve` on 127.0.0.1:0, custom flags and environment, `kill -9`, SIGTERM, restart on the
//!   same address, its log, one-shot subcommands ([`TestServer::run`], [`notice_server`]).
//! - `mirror`: [`TestMirror`], a `notice-server mirror` process (the replica on "another provider").
//! - `cli`: [`NoticeCommand`] / [`notice`], the `notice` CLI with a clean environment; [`OutputExt`].
//! - `bins`: [`bin_path`], the workspace binaries: the test's own package's as cargo built it, the others
//!   built with cargo on first use in a test process, in a target directory of their own (its doc says why).
//! - `process`: starting a process and waiting for the line that says where it listens; short commands
//!   with a deadline.
//! - `poll`: [`poll_until`], the one way to wait: a condition polled until a deadline, never a sleep.
//! - `http`: [`Loopback`] (`server.get("/v1/feed.json")` on every process above), [`get`], [`get_with`]
//!   and [`request`] for URLs; [`closed_port_url`], [`is_listening`].
//! - `fake`: [`FakeMirror`], [`BlackHole`], [`endless`], [`refusing`]: in-process mirrors that misbehave
//!   on purpose.
//! - `static_site`: [`StaticSite`], a plain static file server (Python's) for an export directory.
//! - `tls_front`: [`TlsFront`], Debian's nginx running the deploy kit's TLS front, with a [`TestPki`] (a
//!   private CA and a certificate for localhost) made by the test.
//! - `s3_store`: [`S3Store`], a real S3-compatible object store (s3s-fs from crates.io) with one bucket:
//!   a publish target for the server and `notice export --to`, and a public bucket URL for phones.
//! - `health`: [`HealthEndpoint`], a health endpoint the test makes fail (500, silent, refusing, flapping).
//! - `webhook`: [`WebhookReceiver`], keeps what `notice watch` POSTs to its webhooks.
//! - `watchdog`: [`TestWatchdog`], a `notice watch` process; [`watch_token`], a token of scope watch.
//! - `chromium`: [`dump_dom`], a page's DOM after its scripts ran, in headless Chromium.

mod bins;
mod chromium;
mod cli;
mod fake;
mod health;
mod http;
mod mirror;
mod notice;
mod poll;
mod process;
mod s3_store;
mod server;
mod signing;
mod static_site;
mod tls_front;
mod vectors;
mod watchdog;
mod webhook;

pub use bins::bin_path;
pub use chromium::{chromium_path, dump_dom};
pub use cli::{NoticeCommand, OutputExt, RUN_TIMEOUT, notice};
pub use fake::{Answer, BlackHole, FakeMirror, endless, refusing};
pub use health::{Behaviour, HealthEndpoint};
pub use http::{
    Fetched, Loopback, closed_port_url, get, get_trusting, get_with, is_listening, request,
};
pub use mirror::TestMirror;
pub use notice::NoticeBuilder;
pub use poll::{poll_until, try_poll_until};
pub use process::output_within;
pub use s3_store::S3Store;
pub use server::{FEED_ID, LINK_HOST, ServerBuilder, TestServer, notice_server};
pub use signing::{
    DAY, FEED_VALIDITY, FeedOwner, HOUR, MINUTE, OwnerBuilder, T0, at, base64_of, edited, key, now,
    payload_sha256, text,
};
pub use static_site::StaticSite;
pub use tls_front::{TestPki, TlsFront};
pub use vectors::vectors;
pub use watchdog::{TestWatchdog, watch_token};
pub use webhook::{Received, WebhookReceiver};
