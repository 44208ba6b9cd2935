//! The token is never printed: not in output, errors, verbose logs or JSON.

use notice_tests::{NoticeCommand, OutputExt as _, TestServer};

use super::post_outage;

#[test]
fn the_token_never_appears_in_any_output() {
    let server = TestServer::shared();
    post_outage(&server, "secrecy-notice");
    let good = server.token().to_owned();
    let bad = "ntk_distinctive_wrong_token_value_0123456789";
    // Each run with the exit code it must end with, so that none passes by failing before it gets anywhere.
    let post = [
        "post",
        "--verbose",
        "--severity",
        "info",
        "--title",
        "T",
        "--body",
        "B",
    ];
    let runs: Vec<(&str, Vec<&str>, i32)> = vec![
        (&good, vec!["list", "--verbose"], 0),
        (&good, vec!["list", "--json", "--verbose"], 0),
        (&good, vec!["show", "secrecy-notice", "--verbose"], 0),
        (&good, vec!["show", "secrecy-missing", "--verbose"], 5),
        (
            &good,
            vec![
                "update",
                "secrecy-notice",
                "--status",
                "identified",
                "--message",
                "x",
                "--verbose",
            ],
            0,
        ),
        (&good, [&post[..], &["--dry-run"]].concat(), 0),
        // Refused before sending (no terminal to ask on), and sent.
        (&good, post.to_vec(), 7),
        (&good, [&post[..], &["--yes"]].concat(), 0),
        (
            &good,
            [&post[..], &["--yes", "--link", "https://evil.example/"]].concat(),
            5,
        ),
        (&good, vec!["status", "--verbose", "--json"], 0),
        (
            &good,
            vec!["export", "--verbose", "--out", "secrecy-export"],
            0,
        ),
        (&good, vec!["withdraw", "secrecy-notice", "--verbose"], 7),
        (
            &good,
            vec!["withdraw", "secrecy-notice", "--verbose", "--yes"],
            0,
        ),
        (bad, vec!["list", "--verbose"], 4),
        (bad, [&post[..], &["--yes"]].concat(), 4),
    ];
    let export_home = tempfile::tempdir().unwrap();
    for (token, args, code) in runs {
        let out = NoticeCommand::new()
            .server(&server.url(), token)
            .args(args.iter().map(|a| {
                if *a == "secrecy-export" {
                    export_home.path().join("export").into_os_string()
                } else {
                    (*a).into()
                }
            }))
            .output();
        assert_eq!(out.code(), Some(code), "{args:?}\n{}", out.describe());
        for (stream, text) in [("stdout", out.stdout_text()), ("stderr", out.stderr_text())] {
            assert!(
                !text.contains(token),
                "{args:?} printed the token on {stream}:\n{text}"
            );
        }
    }
    // Given as a flag, in a config file, or malformed: still never printed.
    let out = NoticeCommand::new()
        .env("NOTICE_SERVER", server.url())
        .args(["list", "--verbose", "--token", bad])
        .output();
    out.assert_code(4);
    assert!(!out.stderr_text().contains(bad) && !out.stdout_text().contains(bad));
    let out = NoticeCommand::new()
        .with_config(&format!("server = \"{}\"\ntoken = {bad}\n", server.url()))
        .args(["list", "--verbose"])
        .output();
    out.assert_code(2);
    assert!(!out.stderr_text().contains(bad), "{}", out.describe());
    let out = NoticeCommand::new()
        .server(&server.url(), "ntk_with space_secret")
        .arg("list")
        .output();
    out.assert_code(2);
    assert!(
        !out.stderr_text().contains("space_secret"),
        "{}",
        out.describe()
    );
}
