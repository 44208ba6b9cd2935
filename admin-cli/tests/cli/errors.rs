//! Failures that must say what to do: an unreachable server, a rejected or missing token, rate limiting,
//! a token that would cross the network in clear text.

use notice_tests::{NoticeCommand, OutputExt as _, TestServer, closed_port_url, poll_until};
use std::time::Duration;

/// One invocation of every subcommand that talks to the server.
fn server_commands() -> Vec<Vec<&'static str>> {
    vec![
        vec![
            "post",
            "--yes",
            "--severity",
            "outage",
            "--title",
            "Down",
            "--body",
            "Down.",
        ],
        vec![
            "update",
            "some-id",
            "--status",
            "identified",
            "--message",
            "Found it.",
        ],
        vec!["resolve", "some-id"],
        vec!["resolve", "some-id", "--yes"],
        // Without --yes and without a terminal these still reach the server first: its error is the one to
        // hear, and the refusal to go on without confirmation comes only once the notice is found.
        vec!["withdraw", "some-id"],
        vec!["withdraw", "some-id", "--yes"],
        vec!["edit", "some-id", "--title", "nl=Storing"],
        vec!["list"],
        vec!["show", "some-id"],
        vec!["ingest", "Cargo.toml"],
        vec!["status"],
        vec!["export", "--out", "unused-export-dir"],
    ]
}

/// Whether a command of [`server_commands`] needs the admin token (the others read public documents).
fn needs_token(args: &[&str]) -> bool {
    !matches!(args[0], "status" | "export")
}

#[test]
fn an_unreachable_server_is_named_with_what_to_check() {
    let url = closed_port_url();
    for args in server_commands() {
        let out = NoticeCommand::new()
            .server(&url, "ntk_unused")
            .args(&args)
            .output();
        out.assert_code(3);
        let stderr = out.stderr_text();
        assert!(
            stderr.contains(&format!("cannot reach the server at {url}")),
            "{args:?}: {stderr}"
        );
        assert!(stderr.contains("from $NOTICE_SERVER"), "{args:?}: {stderr}");
        assert!(
            stderr.contains("hint: check --server / NOTICE_SERVER"),
            "{args:?}: {stderr}"
        );
    }
}

#[test]
fn a_rejected_token_says_so_and_how_to_get_a_new_one() {
    // Its own server with room for every command's failure before the rate limit answers instead.
    let server = TestServer::builder()
        .serve_args(["--auth-failures-per-minute", "100"])
        .start();
    for args in server_commands().into_iter().filter(|a| needs_token(a)) {
        let out = NoticeCommand::new()
            .server(&server.url(), "ntk_not_a_valid_token")
            .args(&args)
            .output();
        out.assert_code(4);
        let stderr = out.stderr_text();
        assert!(
            stderr.contains("the server rejected the token (from $NOTICE_TOKEN)"),
            "{args:?}: {stderr}"
        );
        assert!(stderr.contains("notice-server token create"), "{stderr}");
    }
}

#[test]
fn a_missing_token_or_server_is_explained() {
    let server = TestServer::shared();
    let out = NoticeCommand::new()
        .env("NOTICE_SERVER", server.url())
        .arg("list")
        .output();
    out.assert_code(4);
    out.assert_stderr_contains("no admin token given");
    out.assert_stderr_contains("NOTICE_TOKEN");

    let out = NoticeCommand::new().arg("list").output();
    out.assert_code(2);
    out.assert_stderr_contains("no server given");
    out.assert_stderr_contains("NOTICE_SERVER");
}

#[test]
fn repeated_failed_authentication_reports_when_to_retry() {
    let server = TestServer::start_with(["--auth-failures-per-minute", "1"]);
    let stderr = poll_until(
        "the server to refuse more attempts",
        Duration::from_secs(30),
        || {
            let out = NoticeCommand::new()
                .server(&server.url(), "ntk_wrong_again")
                .arg("list")
                .output();
            out.assert_code(4);
            let stderr = out.stderr_text();
            stderr
                .contains("too many failed authentications")
                .then_some(stderr)
        },
    );
    assert!(stderr.contains("retry after"), "{stderr}");
}

#[test]
fn the_token_is_never_sent_over_plain_http_to_another_host() {
    // 192.0.2.1 is TEST-NET-1: nothing answers there; the command must refuse before trying.
    let out = NoticeCommand::new()
        .server("http://192.0.2.1:8080", "ntk_secret")
        .arg("list")
        .output();
    out.assert_code(2);
    out.assert_stderr_contains("over plain http");
}
