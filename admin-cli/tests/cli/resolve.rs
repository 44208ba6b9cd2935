//! `notice resolve`: closing incidents and maintenance.

use notice_tests::{OutputExt as _, TestServer};

use super::{post_outage, show};

#[test]
fn resolve_closes_the_notice_with_the_default_message_in_three_languages() {
    let server = TestServer::shared();
    post_outage(&server, "resolve-default");
    let out = server
        .notice()
        .args(["resolve", "resolve-default"])
        .output();
    out.assert_code(0);
    assert!(
        out.stdout_text().contains("resolve-default is resolved"),
        "{}",
        out.describe()
    );

    let record = show(&server, "resolve-default");
    assert_eq!(record["state"], "resolved");
    assert_eq!(record["notice"]["status"], "resolved");
    let last = record["notice"]["updates"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
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
    let record = show(&server, "resolve-message");
    let last = record["notice"]["updates"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
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
    assert!(
        out.stderr_text().contains("withdrawn"),
        "{}",
        out.describe()
    );
}
