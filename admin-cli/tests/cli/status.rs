//! `notice status`: what a given user sees, from the verified live feed, with the app's selection code.
//! Each test has its own server so it knows exactly what the feed holds.

use notice_tests::{FeedOwner, OutputExt as _, TestServer};

use super::{json, post};

#[test]
fn status_shows_what_each_user_sees_from_the_verified_feed() {
    let server = TestServer::start();
    let root = server.root_path();

    let out = server.notice().arg("status").output();
    out.assert_code(0);
    out.assert_stdout_contains("sees nothing");
    out.assert_stderr_contains("trusting the root served by");

    post(&server, "outage", "status-android")
        .args(["--platform", "android"])
        .args([
            "--title",
            "PIN check is down",
            "--title",
            "nl=PIN-controle werkt niet",
        ])
        .args(["--body", "We are on it.", "--body", "nl=We werken eraan."])
        .output()
        .assert_code(0);
    post(&server, "info", "status-old-ios")
        // `--app-version`, as the issue spells it for both commands; `--app-versions` is the same flag.
        .args(["--platform", "ios", "--app-version", "<7.4"])
        .args(["--title", "Update your app", "--body", "Please update."])
        .output()
        .assert_code(0);

    // A pinned root: no warning; the Dutch Android user sees the Dutch outage only.
    let out = server
        .notice()
        .args(["status", "--lang", "nl", "--platform", "android", "--root"])
        .arg(&root)
        .output();
    out.assert_code(0);
    let text = out.stdout_text();
    assert!(text.contains("Verified feed notice-tests/e2e"), "{text}");
    assert!(text.contains("PIN-controle werkt niet"), "{text}");
    assert!(!text.contains("Update your app"), "{text}");
    assert!(
        !out.stderr_text().contains("trusting the root"),
        "{}",
        out.describe()
    );

    let shown = |args: &[&str]| -> Vec<String> {
        let out = server
            .notice()
            .args(["status", "--json", "--root"])
            .arg(&root)
            .args(args)
            .output();
        out.assert_code(0);
        json(&out)["notices"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| {
                format!(
                    "{} {}",
                    n["id"].as_str().unwrap(),
                    n["language"].as_str().unwrap()
                )
            })
            .collect()
    };
    assert_eq!(
        shown(&["--platform", "ios", "--app-version", "7.3.0"]),
        ["status-old-ios en"]
    );
    assert!(shown(&["--platform", "ios", "--app-version", "7.5.0"]).is_empty());
    // A version as people say it: 7.3 is 7.3.0, 8 is 8.0.0.
    assert_eq!(
        shown(&["--platform", "ios", "--app-version", "7.3"]),
        ["status-old-ios en"]
    );
    assert!(shown(&["--platform", "ios", "--app-version", "8"]).is_empty());
    // de_DE has no German text: English, as in the app.
    assert_eq!(
        shown(&["--platform", "android", "--lang", "de_DE"]),
        ["status-android en"]
    );
    // No platform: every notice, most severe first.
    assert_eq!(
        shown(&["--lang", "nl", "--lang", "en"]),
        ["status-android nl", "status-old-ios en"]
    );
}

#[test]
fn status_shows_scheduled_maintenance_only_inside_its_window() {
    let server = TestServer::start();
    post(&server, "maintenance", "status-window")
        .args(["--show-from", "+1h", "--starts", "+2h", "--ends", "+3h"])
        .args(["--title", "Maintenance", "--body", "Planned work."])
        .output()
        .assert_code(0);
    let ids_at = |at: Option<&str>| -> Vec<(String, String)> {
        let mut command = server.notice().args(["status", "--json"]);
        if let Some(at) = at {
            command = command.args(["--at", at]);
        }
        let out = command.output();
        out.assert_code(0);
        json(&out)["notices"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| {
                (
                    n["id"].as_str().unwrap().to_owned(),
                    n["status"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    assert!(ids_at(None).is_empty(), "shown before show_from");
    assert_eq!(
        ids_at(Some("+90m")),
        [("status-window".to_owned(), "scheduled".to_owned())]
    );
    assert_eq!(
        ids_at(Some("+150m")),
        [("status-window".to_owned(), "in_progress".to_owned())]
    );
    assert!(ids_at(Some("+4h")).is_empty(), "shown after ends_at");
}

#[test]
fn status_against_another_feeds_root_fails_verification() {
    let server = TestServer::shared();
    let dir = tempfile::tempdir().unwrap();
    let other_root = dir.path().join("other-root.json");
    std::fs::write(
        &other_root,
        FeedOwner::for_feed("notice-tests/other").root_json(),
    )
    .unwrap();
    let out = server
        .notice()
        .args(["status", "--root"])
        .arg(&other_root)
        .output();
    out.assert_code(6);
    out.assert_stderr_contains("failed verification");
}
