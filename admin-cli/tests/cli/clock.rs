//! One clock per command: relative times (`--starts +2h`) count from the command's "now", which `--now`
//! pins (rehearsals, and these tests), not from whenever clap happened to parse the flag.

use notice_tests::{OutputExt as _, TestServer};

use crate::json;

#[test]
fn relative_times_count_from_the_commands_clock() {
    let server = TestServer::shared();
    let out = server
        .notice()
        .args([
            "post",
            "--dry-run",
            "--json",
            "--now",
            "2030-01-01T10:00:00Z",
            "--id",
            "clock-pinned",
            "--severity",
            "maintenance",
            "--starts",
            "+2h",
            "--ends",
            "+3h",
            "--show-from",
            "now",
            "--title",
            "Maintenance",
            "--body",
            "Work.",
        ])
        .output();
    out.assert_code(0);
    let draft = json(&out);
    assert_eq!(
        draft["notice"]["starts_at"], "2030-01-01T12:00:00Z",
        "{draft}"
    );
    assert_eq!(draft["notice"]["ends_at"], "2030-01-01T13:00:00Z");
    assert_eq!(draft["notice"]["show_from"], "2030-01-01T10:00:00Z");
    assert!(
        out.stderr_text()
            .contains("as the app will show it at 2030-01-01T10:00:00Z"),
        "the preview uses the same clock: {}",
        out.describe()
    );
}

#[test]
fn now_must_be_an_absolute_time() {
    let server = TestServer::shared();
    let out = server.notice().args(["list", "--now", "+2h"]).output();
    out.assert_code(2);
    assert!(
        out.stderr_text().contains("absolute time"),
        "{}",
        out.describe()
    );
}
