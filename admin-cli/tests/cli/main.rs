//! End-to-end tests of the `notice` CLI against a real `notice-server` on 127.0.0.1 (one test binary, a
//! module per command).
//!
//! Most tests share one server ([`TestServer::shared`]) and only look at notices with their own ids; tests
//! that need an exact view of the feed or special server settings start their own.

mod audit;
mod cautions;
mod clock;
mod completions;
mod config;
mod edit;
mod errors;
mod export;
mod help;
mod keygen;
mod list;
mod offline;
mod output;
mod post;
mod resolve;
mod root;
mod secrecy;
mod show;
mod status;
mod terminal;
mod update;
mod verify;
mod watch;
mod withdraw;

use std::process::Output;

use notice_tests::{NoticeCommand, OutputExt as _, TestServer};
use serde_json::Value;

/// `notice post --yes --severity SEVERITY --id ID` against `server`: a post that asks nothing, to complete
/// with the texts and flags of the test.
fn post(server: &TestServer, severity: &str, id: &str) -> NoticeCommand {
    server
        .notice()
        .args(["post", "--yes", "--severity", severity, "--id", id])
}

/// Posts a plain English outage with `id` to `server` (non-interactively) and returns the feed version it
/// went out in.
fn post_outage(server: &TestServer, id: &str) -> u64 {
    let out = post(server, "outage", id)
        .arg("--json")
        .args([
            "--title",
            &format!("Outage {id}"),
            "--body",
            "Something is down.",
        ])
        .output();
    out.assert_code(0);
    json(&out)["feed_version"]
        .as_u64()
        .expect("feed_version in the answer")
}

/// Standard output parsed as JSON.
fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e})\n{}", out.describe()))
}

/// The record of notice `id` as `notice show --json` prints it.
fn show(server: &TestServer, id: &str) -> Value {
    let out = server.notice().args(["show", id, "--json"]).output();
    out.assert_code(0);
    json(&out)
}

/// The ids `notice list --json [--all]` prints.
fn listed_ids(server: &TestServer, all: bool) -> Vec<String> {
    let mut command = server.notice().args(["list", "--json"]);
    if all {
        command = command.arg("--all");
    }
    let out = command.output();
    out.assert_code(0);
    json(&out)["notices"]
        .as_array()
        .expect("notices array")
        .iter()
        .map(|r| r["notice"]["id"].as_str().expect("id").to_owned())
        .collect()
}
