//! `notice withdraw`: confirmation and removal from the feed.

use notice_tests::{OutputExt as _, TestServer};

use super::{json, listed_ids, post_outage, show};

#[test]
fn withdraw_without_yes_and_without_a_terminal_refuses_and_keeps_the_notice() {
    let server = TestServer::shared();
    post_outage(&server, "withdraw-refused");
    let out = server
        .notice()
        .args(["withdraw", "withdraw-refused"])
        .output();
    out.assert_code(7);
    out.assert_stderr_contains("add --yes");
    assert_eq!(show(&server, "withdraw-refused")["state"], "active");
}

#[test]
fn withdraw_with_yes_takes_the_notice_out_of_the_feed_at_once() {
    let server = TestServer::shared();
    post_outage(&server, "withdraw-done");
    let out = server
        .notice()
        .args(["withdraw", "withdraw-done", "--yes"])
        .output();
    out.assert_code(0);
    assert!(
        out.stdout_text()
            .contains("Withdrawn: notice withdraw-done"),
        "{}",
        out.describe()
    );

    assert!(!listed_ids(&server, false).contains(&"withdraw-done".to_owned()));
    assert!(listed_ids(&server, true).contains(&"withdraw-done".to_owned()));
    assert_eq!(show(&server, "withdraw-done")["state"], "withdrawn");

    let out = server
        .notice()
        .args(["verify", "--json", "--root"])
        .arg(server.root_path())
        .arg(format!("{}/v1/feed.json", server.url()))
        .output();
    out.assert_code(0);
    let in_feed = json(&out)["notices"]
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n["id"] == "withdraw-done");
    assert!(!in_feed, "a withdrawn notice is still in the feed");
}
