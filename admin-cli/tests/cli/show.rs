//! `notice show`: one notice, every language, the timeline.

use notice_tests::{OutputExt as _, TestServer};

use super::post;

#[test]
fn show_prints_every_language_and_the_timeline_newest_first() {
    let server = TestServer::shared();
    post(&server, "degraded", "show-timeline")
        .args([
            "--title",
            "Slow",
            "--title",
            "nl=Traag",
            "--body",
            "It is slow.",
            "--body",
            "nl=Het is traag.",
        ])
        .output()
        .assert_code(0);
    for (status, message) in [
        ("identified", "first update"),
        ("monitoring", "second update"),
    ] {
        server
            .notice()
            .args([
                "update",
                "show-timeline",
                "--status",
                status,
                "--message",
                message,
            ])
            .output()
            .assert_code(0);
    }
    let out = server.notice().args(["show", "show-timeline"]).output();
    out.assert_code(0);
    let text = out.stdout_text();
    for expected in [
        "revision 3",
        "DEGRADED",
        "Traag",
        "Het is traag.",
        "Timeline (newest first)",
    ] {
        assert!(text.contains(expected), "missing {expected:?}\n{text}");
    }
    let second = text.find("second update").expect("second update shown");
    let first = text.find("first update").expect("first update shown");
    let posted = text.rfind("posted").expect("posted shown");
    assert!(
        second < first && first < posted,
        "not newest first:\n{text}"
    );

    let out = server
        .notice()
        .args(["show", "show-timeline", "--json"])
        .output();
    out.assert_code(0);
    let record = super::json(&out);
    assert_eq!(record["notice"]["updates"].as_array().unwrap().len(), 2);
    assert_eq!(record["state"], "active");
}

#[test]
fn show_of_an_unknown_id_exits_5_and_an_invalid_id_is_a_usage_error() {
    let server = TestServer::shared();
    let out = server.notice().args(["show", "show-missing"]).output();
    out.assert_code(5);
    out.assert_stderr_contains("no notice `show-missing`");
    let out = server.notice().args(["show", "not an id!"]).output();
    out.assert_code(2);
    out.assert_stderr_contains("not a notice id");
}
