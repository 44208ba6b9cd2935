//! `notice audit`: the audit log, as a table and as JSON.

use notice_tests::{OutputExt as _, TestServer};

use super::json;

/// Posts an outage on `component` with `id`.
fn post_on(server: &TestServer, id: &str, component: &str) -> std::process::Output {
    super::cautions::post_on(server, id, component)
}

#[test]
fn audit_lists_who_did_what() {
    let server = TestServer::shared();
    post_on(&server, "audited-notice", "audit-part").assert_code(0);
    let out = server
        .notice()
        .args(["audit", "--json", "--limit", "1000"])
        .output();
    out.assert_code(0);
    let entries = json(&out)["entries"].as_array().unwrap().clone();
    assert!(
        entries
            .iter()
            .any(|e| e["action"] == "create" && e["notice_id"] == "audited-notice"),
        "{entries:?}"
    );
    let out = server.notice().args(["audit", "--limit", "5"]).output();
    out.assert_code(0);
    let text = out.stdout_text();
    assert!(text.starts_with("WHEN"), "{text}");
    assert!(text.lines().count() <= 6, "{text}");
    let out = server.notice().args(["audit", "--limit", "0"]).output();
    out.assert_code(2);
}
