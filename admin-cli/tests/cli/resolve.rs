//! `notice resolve`: closing incidents and maintenance.

use notice_tests::{OutputExt as _, TestServer};

use super::{post_outage, show};

/// The newest timeline entry of a record as `notice show --json` prints it.
fn last_update(record: &serde_json::Value) -> serde_json::Value {
    let updates = record["notice"]["updates"].as_array().expect("updates");
    updates.last().expect("a timeline entry").clone()
}

#[test]
fn resolve_closes_the_notice_with_the_default_message_in_three_languages() {
    let server = TestServer::shared();
    post_outage(&server, "resolve-default");
    let out = server
        .notice()
        .args(["resolve", "resolve-default"])
        .output();
    out.assert_code(0);
    out.assert_stdout_contains("resolve-default is resolved");

    let record = show(&server, "resolve-default");
    assert_eq!(record["state"], "resolved");
    assert_eq!(record["notice"]["status"], "resolved");
    let last = last_update(&record);
    for lang in ["en", "nl", "de"] {
        assert!(
            last["message"][lang].is_string(),
            "no {lang} message: {last}"
        );
    }
}

#[test]
fn resolve_takes_a_localized_closing_message() {
    let server = TestServer::shared();
    post_outage(&server, "resolve-message");
    let out = server
        .notice()
        .args(["resolve", "resolve-message", "--message", "Works again."])
        .args(["--message", "nl=Werkt weer."])
        .output();
    out.assert_code(0);
    let last = last_update(&show(&server, "resolve-message"));
    assert_eq!(last["message"]["en"], "Works again.");
    assert_eq!(last["message"]["nl"], "Werkt weer.");
}

#[test]
fn resolving_a_withdrawn_notice_is_refused_as_a_conflict() {
    let server = TestServer::shared();
    post_outage(&server, "resolve-withdrawn");
    server
        .notice()
        .args(["withdraw", "resolve-withdrawn", "--yes"])
        .output()
        .assert_code(0);
    let out = server
        .notice()
        .args(["resolve", "resolve-withdrawn"])
        .output();
    out.assert_code(5);
    out.assert_stderr_contains("withdrawn");
}
