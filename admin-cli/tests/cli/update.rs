//! `notice update`: status and localized timeline entries.

use notice_tests::{OutputExt as _, TestServer};

use super::{post_outage, show};

#[test]
fn update_sets_the_status_and_appends_a_localized_timeline_entry() {
    let server = TestServer::shared();
    let posted_in = post_outage(&server, "update-timeline");
    let out = server
        .notice()
        .args(["update", "update-timeline", "--status", "identified"])
        .args([
            "--message",
            "We found the cause.",
            "--message",
            "nl=Oorzaak gevonden.",
        ])
        .output();
    out.assert_code(0);
    let text = out.stdout_text();
    assert!(text.contains("update-timeline is now identified"), "{text}");
    assert!(text.contains("revision 2"), "{text}");

    let record = show(&server, "update-timeline");
    let notice = &record["notice"];
    assert_eq!(notice["status"], "identified");
    assert_eq!(notice["revision"], 2);
    let last = notice["updates"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["status"], "identified");
    assert_eq!(last["message"]["en"], "We found the cause.");
    assert_eq!(last["message"]["nl"], "Oorzaak gevonden.");

    let out = server
        .notice()
        .args([
            "update",
            "update-timeline",
            "--status",
            "monitoring",
            "--json",
        ])
        .args(["--message", "Fixed; watching."])
        .output();
    out.assert_code(0);
    let answer = super::json(&out);
    assert!(
        answer["feed_version"].as_u64().unwrap() > posted_in,
        "{answer}"
    );
    assert_eq!(answer["notice"]["status"], "monitoring");
}

#[test]
fn update_with_a_status_of_the_other_lifecycle_is_refused_naming_the_field() {
    let server = TestServer::shared();
    post_outage(&server, "update-wrong-status");
    let out = server
        .notice()
        .args(["update", "update-wrong-status", "--status", "in_progress"])
        .args(["--message", "Started."])
        .output();
    out.assert_code(5);
    out.assert_stderr_contains("`status`");
    assert_eq!(
        show(&server, "update-wrong-status")["notice"]["status"],
        "investigating"
    );
}

#[test]
fn update_of_an_unknown_notice_says_so_and_where_to_find_ids() {
    let server = TestServer::shared();
    let out = server
        .notice()
        .args([
            "update",
            "no-such-notice",
            "--status",
            "identified",
            "--message",
            "x",
        ])
        .output();
    out.assert_code(5);
    let stderr = out.stderr_text();
    assert!(stderr.contains("no notice `no-such-notice`"), "{stderr}");
    assert!(stderr.contains("notice list --all"), "{stderr}");
}

#[test]
fn update_needs_an_english_message() {
    let server = TestServer::shared();
    let out = server
        .notice()
        .args([
            "update",
            "whatever",
            "--status",
            "identified",
            "--message",
            "nl=Gevonden",
        ])
        .output();
    out.assert_code(2);
    out.assert_stderr_contains("--message has no English text");
    let out = server
        .notice()
        .args(["update", "whatever", "--status", "identified"])
        .output();
    out.assert_code(2);
    out.assert_stderr_contains("--message");
}
