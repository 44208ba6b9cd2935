//! `notice list`: a table for people, JSON for scripts.

use notice_tests::{OutputExt as _, TestServer};

use super::{json, post_outage};

#[test]
fn list_shows_active_notices_and_all_adds_closed_ones() {
    let server = TestServer::shared();
    post_outage(&server, "list-open");
    post_outage(&server, "list-closed");
    server
        .notice()
        .args(["resolve", "list-closed"])
        .output()
        .assert_code(0);

    let out = server.notice().arg("list").output();
    out.assert_code(0);
    let text = out.stdout_text();
    let header = text.lines().next().unwrap_or_default();
    for column in ["ID", "SEVERITY", "STATUS", "STATE", "UPDATED", "TITLE"] {
        assert!(header.contains(column), "{header}");
    }
    let row = text
        .lines()
        .find(|l| l.starts_with("list-open "))
        .unwrap_or_else(|| panic!("no row for list-open\n{text}"));
    for cell in ["outage", "investigating", "active", "Outage list-open"] {
        assert!(row.contains(cell), "{row}");
    }
    assert!(!text.contains("list-closed"), "{text}");

    let out = server.notice().args(["list", "--all", "--json"]).output();
    out.assert_code(0);
    let records = json(&out)["notices"].as_array().unwrap().clone();
    let closed = records
        .iter()
        .find(|r| r["notice"]["id"] == "list-closed")
        .expect("list --all includes the resolved notice");
    assert_eq!(closed["state"], "resolved");
}
