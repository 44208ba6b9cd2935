//! The end-to-end test harness: start the real `notice-server` on 127.0.0.1:0, run the real `notice` CLI with
//! a clean environment, wait for things with deadlines, and sign fixture feeds (expired, tampered, another
//! feed id) with notice-types.
//!
//! Every package's end-to-end tests use it (`notice-tests.workspace = true` under `[dev-dependencies]`).
//! The binaries must have been built into the same target directory as the test executable: `cargo test
//! --workspace` does that; with `cargo test -p …` run `cargo build --bins` first.
//!
//! ```no_run
//! use notice_tests::{OutputExt as _, TestServer};
//!
//! let server = TestServer::start();
//! let out = server.notice().args(["list", "--json"]).output();
//! out.assert_code(0);
//! assert!(out.stdout_text().contains("\"notices\""));
//! ```
//!
//! # Layout
//! - `bins`: [`bin_path`], the workspace binaries next to the running test.
//! - `server`: [`TestServer`], a `notice-server` process with its own data directory.
//! - `cli`: [`NoticeCommand`] / [`notice`], the `notice` CLI with a clean environment; [`OutputExt`].
//! - `poll`: [`poll_until`], waiting for a condition with a deadline instead of sleeping.
//! - `fixtures`: [`SigningKit`], keys and roots for signing test documents; [`now`], [`sample_notice`].
//! - `http`: [`get`] and [`request`] for loopback servers; [`closed_port_url`], [`is_listening`].
//! - `mirror`: [`TestMirror`], a `notice-server mirror` process (the replica on "another provider").
//! - `static_site`: [`StaticSite`], a plain static file server (Python's) for an export directory.
//! - `chromium`: [`dump_dom`], a page's DOM after its scripts ran, in headless Chromium.
//! - `process`: starting a process and waiting for the line that says where it listens.

mod bins;
mod chromium;
mod cli;
mod fixtures;
mod http;
mod mirror;
mod poll;
mod process;
mod server;
mod static_site;

pub use bins::bin_path;
pub use chromium::{chromium_path, dump_dom};
pub use cli::{NoticeCommand, OutputExt, RUN_TIMEOUT, notice};
pub use fixtures::{SigningKit, now, sample_notice};
pub use http::{Fetched, closed_port_url, get, is_listening, request};
pub use mirror::TestMirror;
pub use poll::{poll_until, try_poll_until};
pub use server::{FEED_ID, LINK_HOST, ServerBuilder, TestServer};
pub use static_site::StaticSite;
