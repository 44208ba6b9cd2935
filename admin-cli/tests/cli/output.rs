//! Colors only on a terminal (or when asked for), never with NO_COLOR or in a pipe.

use notice_tests::{OutputExt as _, TestServer};

use super::post_outage;

const ESC: &str = "\u{1b}[";

#[test]
fn output_has_no_colors_in_a_pipe_or_with_no_color_and_has_them_when_forced() {
    let server = TestServer::shared();
    post_outage(&server, "output-colors");
    let out = server.notice().arg("list").output();
    out.assert_code(0);
    assert!(!out.stdout_text().contains(ESC), "{}", out.describe());

    let out = server.notice().args(["show", "no-such-id"]).output();
    out.assert_code(5);
    assert!(!out.stderr_text().contains(ESC), "{}", out.describe());

    let out = server.notice().args(["list", "--color", "always"]).output();
    out.assert_code(0);
    out.assert_stdout_contains(ESC);

    let out = server
        .notice()
        .env("NO_COLOR", "1")
        .args(["list", "--color", "auto"])
        .output();
    out.assert_code(0);
    assert!(!out.stdout_text().contains(ESC), "{}", out.describe());
}
