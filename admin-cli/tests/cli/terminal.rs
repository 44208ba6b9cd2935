//! On a terminal: the confirmation question decides, and colors are on. Runs `notice` in a pseudo-terminal
//! (util-linux `script`), Linux only.
#![cfg(target_os = "linux")]

use notice_tests::{OutputExt as _, TestServer};

use super::{listed_ids, post_outage, show};

fn post_in_terminal(server: &TestServer, id: &str, answer: &str) -> std::process::Output {
    server
        .notice()
        .args([
            "post",
            "--severity",
            "info",
            "--id",
            id,
            "--title",
            "Asked",
            "--body",
            "Asked.",
        ])
        .output_in_terminal(answer)
}

#[test]
fn post_on_a_terminal_publishes_only_after_yes() {
    let server = TestServer::shared();
    let out = post_in_terminal(&server, "terminal-yes", "y\n");
    out.assert_code(0);
    let transcript = out.stdout_text();
    assert!(
        transcript.contains(&format!("Publish this notice to {}? [y/N]", server.url())),
        "{transcript}"
    );
    assert!(
        transcript.contains("\u{1b}["),
        "no colors on a terminal: {transcript}"
    );
    assert!(listed_ids(&server, false).contains(&"terminal-yes".to_owned()));

    // No, Enter alone (the default is no), anything else, Ctrl-D (end of input).
    for (i, answer) in ["n\n", "\n", "ja\n", "\u{4}"].into_iter().enumerate() {
        let id = format!("terminal-no-{i}");
        let out = post_in_terminal(&server, &id, answer);
        out.assert_code(7);
        out.assert_stdout_contains("not confirmed");
        assert!(
            !listed_ids(&server, true).contains(&id),
            "published after {answer:?}"
        );
    }
}

#[test]
fn withdraw_on_a_terminal_names_the_notice_and_asks() {
    let server = TestServer::shared();
    post_outage(&server, "terminal-withdraw");
    let out = server
        .notice()
        .args(["withdraw", "terminal-withdraw"])
        .output_in_terminal("n\n");
    out.assert_code(7);
    let transcript = out.stdout_text();
    assert!(
        transcript.contains("Withdraw outage notice terminal-withdraw"),
        "{transcript}"
    );
    assert!(
        transcript.contains("Outage terminal-withdraw"),
        "{transcript}"
    );
    assert_eq!(show(&server, "terminal-withdraw")["state"], "active");

    server
        .notice()
        .args(["withdraw", "terminal-withdraw"])
        .output_in_terminal("yes\n")
        .assert_code(0);
    assert_eq!(show(&server, "terminal-withdraw")["state"], "withdrawn");
}

#[test]
fn no_color_turns_colors_off_even_on_a_terminal() {
    let server = TestServer::shared();
    post_outage(&server, "terminal-no-color");
    let colored = server.notice().arg("list").output_in_terminal("");
    colored.assert_code(0);
    colored.assert_stdout_contains("\u{1b}[");
    let plain = server
        .notice()
        .env("NO_COLOR", "1")
        .arg("list")
        .output_in_terminal("");
    plain.assert_code(0);
    plain.assert_stdout_contains("terminal-no-color");
    assert!(
        !plain.stdout_text().contains("\u{1b}["),
        "{}",
        plain.describe()
    );
}
