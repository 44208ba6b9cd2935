//! The token is never printed: not in output, errors, verbose logs or JSON.

use notice_tests::{NoticeCommand, OutputExt as _, TestServer};

use super::post_outage;

#[test]
fn the_token_never_appears_in_any_output() {
    let server = TestServer::shared();
    post_outage(&server, "secrecy-notice");
    let good = server.token().to_owned();
    let bad = "ntk_distinctive_wrong_token_value_0123456789";
    let runs: Vec<(String, Vec<&str>)> = vec![
        (good.clone(), vec!["list", "--verbose"]),
        (good.clone(), vec!["list", "--json", "--verbose"]),
        (good.clone(), vec!["show", "secrecy-notice", "--verbose"]),
        (good.clone(), vec!["show", "secrecy-missing", "--verbose"]),
        (
            good.clone(),
            vec![
                "update",
                "secrecy-notice",
                "--status",
                "identified",
                "--message",
                "x",
                "--verbose",
            ],
        ),
        (
            good.clone(),
            vec![
                "post",
                "--dry-run",
                "--verbose",
                "--severity",
                "info",
                "--title",
                "T",
                "--body",
                "B",
            ],
        ),
        (
            good.clone(),
            vec![
                "post",
                "--verbose",
                "--severity",
                "info",
                "--title",
                "T",
                "--body",
                "B",
            ],
        ),
        (
            good.clone(),
            vec![
                "post",
                "--yes",
                "--verbose",
                "--severity",
                "info",
                "--link",
                "https://evil.example/",
                "--title",
                "T",
                "--body",
                "B",
            ],
        ),
        (good.clone(), vec!["status", "--verbose", "--json"]),
        (
            good.clone(),
            vec!["withdraw", "secrecy-notice", "--verbose"],
        ),
        (bad.to_owned(), vec!["list", "--verbose"]),
    ];
    for (token, args) in runs {
        let out = NoticeCommand::new()
            .server(&server.url(), &token)
            .args(&args)
            .output();
        for (stream, text) in [("stdout", out.stdout_text()), ("stderr", out.stderr_text())] {
            assert!(
                !text.contains(&token),
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
