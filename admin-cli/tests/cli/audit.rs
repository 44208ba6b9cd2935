//! `notice audit`: the audit log, as a table and as JSON.

use notice_tests::{OutputExt as _, TestServer};

use super::json;

/// Posts an outage on `component` with `id`.
fn post_on(server: &TestServer, id: &str, component: &str) -> std::process::Output {
    super::cautions::post_on(server, id, component)
}

/// `notice audit --json`'s entries, as many as the server keeps.
fn audit_entries(server: &TestServer) -> Vec<serde_json::Value> {
    let out = server
        .notice()
        .args(["audit", "--json", "--limit", "1000"])
        .output();
    out.assert_code(0);
    json(&out)["entries"].as_array().unwrap().clone()
}

#[test]
fn audit_lists_who_did_what() {
    let server = TestServer::shared();
    post_on(&server, "audited-notice", "audit-part").assert_code(0);
    let entries = audit_entries(&server);
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

/// The cell of column `name` in `line` of a table whose header is `header` (columns start where their
/// heading does).
fn cell<'a>(header: &str, line: &'a str, name: &str) -> &'a str {
    let start = header
        .find(name)
        .unwrap_or_else(|| panic!("no {name} column: {header}"));
    let chars = header[..start].chars().count();
    let from = line
        .char_indices()
        .nth(chars)
        .map_or(line.len(), |(i, _)| i);
    line[from..].split_whitespace().next().unwrap_or("")
}

#[test]
fn audit_shows_the_scope_of_each_token() {
    let server = TestServer::start();
    let watch = notice_tests::watch_token(&server, "watchdog");
    post_on(&server, "by-a-person", "audit-scope").assert_code(0);
    notice_tests::NoticeCommand::new()
        .server(&server.url(), &watch)
        .args([
            "post",
            "--yes",
            "--severity",
            "outage",
            "--id",
            "watch-keyshare-20260101-1",
        ])
        .args(["--title", "Down", "--body", "Down."])
        .output()
        .assert_code(0);

    let out = server.notice().args(["audit", "--limit", "1000"]).output();
    out.assert_code(0);
    let text = out.stdout_text();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let headings: Vec<&str> = header.split_whitespace().collect();
    assert_eq!(
        headings,
        ["WHEN", "WHO", "SCOPE", "ACTION", "NOTICE", "VERSION"],
        "{text}"
    );
    let rows: Vec<&str> = lines.collect();
    let row = |action: &str, notice: &str| {
        *rows
            .iter()
            .find(|l| cell(header, l, "ACTION") == action && cell(header, l, "NOTICE") == notice)
            .unwrap_or_else(|| panic!("no {action} of {notice} in\n{text}"))
    };
    let by_watchdog = row("create", "watch-keyshare-20260101-1");
    assert_eq!(cell(header, by_watchdog, "WHO"), "watchdog", "{text}");
    assert_eq!(cell(header, by_watchdog, "SCOPE"), "watch", "{text}");
    assert_eq!(
        cell(header, row("create", "by-a-person"), "SCOPE"),
        "admin",
        "{text}"
    );
    // The server's own command line has no token, so no scope.
    assert_eq!(cell(header, row("init", "-"), "SCOPE"), "-", "{text}");

    // --json carries it, and its help says so.
    let entries = audit_entries(&server);
    assert!(
        entries
            .iter()
            .any(|e| e["notice_id"] == "watch-keyshare-20260101-1" && e["scope"] == "watch"),
        "{entries:?}"
    );
    let help = notice_tests::notice(["audit", "--help"]).stdout_text();
    assert!(help.contains("\"scope\""), "{help}");
}
