//! `notice post`: preview per language and platform, confirmation, publishing, and bad input.

use notice_tests::{OutputExt as _, TestServer, now};

use super::{json, listed_ids, post, show};

#[test]
fn post_previews_each_language_then_publishes_and_names_the_id_and_feed_version() {
    let server = TestServer::shared();
    let out = post(&server, "outage", "post-preview")
        .args(["--component", "keyshare"])
        .args([
            "--title",
            "PIN check is down",
            "--title",
            "nl=PIN-controle werkt niet",
        ])
        .args(["--title", "DE-de=PIN-Prüfung gestört"])
        .args(["--body", "We are on it.", "--body", "nl=We werken eraan."])
        .args(["--body", "de-DE=Wir arbeiten daran."])
        .output();
    out.assert_code(0);
    let text = out.stdout_text();
    for expected in [
        "en · android, ios",
        "nl · android, ios",
        "de-de · android, ios",
        "PIN-controle werkt niet",
        "PIN-Prüfung gestört",
        "Wir arbeiten daran.",
        "Affects: keyshare",
        "[users cannot dismiss it]",
    ] {
        assert!(
            text.contains(expected),
            "missing {expected:?}\n{}",
            out.describe()
        );
    }
    let published = text
        .lines()
        .find(|l| l.starts_with("Published notice post-preview in feed version "))
        .unwrap_or_else(|| panic!("no publish line\n{}", out.describe()));
    let version: u64 = published
        .trim_end_matches('.')
        .rsplit(' ')
        .next()
        .and_then(|v| v.parse().ok())
        .expect("a version number");

    // The notice is in the signed feed from that version on.
    let out = server
        .notice()
        .args(["verify", "--json", "--root"])
        .arg(server.root_path())
        .arg(format!("{}/v1/feed.json", server.url()))
        .output();
    out.assert_code(0);
    let report = json(&out);
    assert!(report["version"].as_u64().unwrap() >= version, "{report}");
    let ids: Vec<&str> = report["notices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"post-preview"), "{ids:?}");
}

#[test]
fn post_dry_run_shows_the_preview_and_publishes_nothing() {
    let server = TestServer::shared();
    let out = server
        .notice()
        .args([
            "post",
            "--dry-run",
            "--severity",
            "degraded",
            "--id",
            "post-dry-run",
        ])
        .args(["--title", "Slow logins", "--body", "Logging in is slow."])
        .output();
    out.assert_code(0);
    out.assert_stdout_contains("Preview of notice post-dry-run");
    out.assert_stderr_contains("nothing was published");
    assert!(!listed_ids(&server, true).contains(&"post-dry-run".to_owned()));
}

#[test]
fn post_without_yes_and_without_a_terminal_refuses_at_once_and_publishes_nothing() {
    let server = TestServer::shared();
    // The harness runs `notice` with stdin closed and fails the test if it waits for input.
    let out = server
        .notice()
        .args(["post", "--severity", "outage", "--id", "post-no-terminal"])
        .args(["--title", "Down", "--body", "Down."])
        .output();
    out.assert_code(7);
    let stderr = out.stderr_text();
    assert!(stderr.contains("not a terminal"), "{stderr}");
    assert!(stderr.contains("add --yes"), "{stderr}");
    assert!(!listed_ids(&server, true).contains(&"post-no-terminal".to_owned()));
}

#[test]
fn post_without_english_text_is_refused_naming_the_flag() {
    let server = TestServer::shared();
    let out = server
        .notice()
        .args([
            "post",
            "--yes",
            "--severity",
            "outage",
            "--title",
            "nl=Storing",
        ])
        .args(["--body", "Down."])
        .output();
    out.assert_code(2);
    out.assert_stderr_contains("--title has no English text");

    let out = server
        .notice()
        .args(["post", "--yes", "--severity", "outage", "--title", "Down"])
        .args(["--body", "nl=Storing.", "--body", "de=Störung."])
        .output();
    out.assert_code(2);
    out.assert_stderr_contains("--body has no English text");
}

#[test]
fn post_with_an_unknown_severity_lists_the_valid_ones() {
    let server = TestServer::shared();
    let out = server
        .notice()
        .args([
            "post",
            "--yes",
            "--severity",
            "outtage",
            "--title",
            "Down",
            "--body",
            "Down.",
        ])
        .output();
    out.assert_code(2);
    let stderr = out.stderr_text();
    assert!(stderr.contains("'outtage'"), "{stderr}");
    assert!(
        stderr.contains("outage, degraded, maintenance, info"),
        "{stderr}"
    );
}

#[test]
fn post_with_ends_before_starts_is_refused_naming_the_field_and_flag() {
    let server = TestServer::shared();
    let out = post(&server, "maintenance", "post-ends-early")
        .args([
            "--starts",
            "+3h",
            "--ends",
            "+2h",
            "--title",
            "Maintenance",
            "--body",
            "Work.",
        ])
        .output();
    out.assert_code(5);
    let stderr = out.stderr_text();
    assert!(stderr.contains("field `ends_at` (--ends)"), "{stderr}");
    assert!(stderr.contains("not after starts_at"), "{stderr}");
    assert!(!listed_ids(&server, true).contains(&"post-ends-early".to_owned()));
}

#[test]
fn post_with_a_time_without_offset_is_refused_with_an_example() {
    let out = notice_tests::notice([
        "post",
        "--yes",
        "--severity",
        "maintenance",
        "--starts",
        "2026-12-01T02:00",
        "--ends",
        "+2h",
        "--title",
        "M",
        "--body",
        "B",
    ]);
    out.assert_code(2);
    out.assert_stderr_contains("2026-12-01T02:00+01:00");
}

#[test]
fn maintenance_times_with_offsets_and_without_seconds_are_sent_in_utc() {
    let server = TestServer::shared();
    let day = &now().plus_seconds(10 * 86_400).to_string()[..10];
    let out = post(&server, "maintenance", "post-maintenance")
        .args(["--starts", &format!("{day}T02:00+01:00")])
        .args(["--ends", &format!("{day}T04:30+01:00")])
        .args(["--show-from", "now"])
        .args([
            "--title",
            "Maintenance tonight",
            "--body",
            "The app may not work.",
        ])
        .output();
    out.assert_code(0);
    let record = show(&server, "post-maintenance");
    assert_eq!(record["notice"]["starts_at"], format!("{day}T01:00:00Z"));
    assert_eq!(record["notice"]["ends_at"], format!("{day}T03:30:00Z"));
    assert_eq!(record["notice"]["status"], "scheduled");
    assert_eq!(record["notice"]["dismissible"], true);
}

#[test]
fn post_previews_only_the_targeted_platform_and_versions() {
    let server = TestServer::shared();
    let out = post(&server, "info", "post-targeted")
        .args([
            "--platform",
            "ios",
            "--app-versions",
            "<7.4",
            "--not-dismissible",
        ])
        .args(["--link", "https://example.org/update"])
        .args([
            "--title",
            "Update your app",
            "--body",
            "Version 7.4 fixes logins.",
        ])
        .output();
    out.assert_code(0);
    let text = out.stdout_text();
    assert!(text.contains("en · ios"), "{text}");
    assert!(!text.contains("android"), "{text}");
    assert!(text.contains("<7.4 only"), "{text}");
    assert!(
        text.contains("More information: https://example.org/update"),
        "{text}"
    );
    let record = show(&server, "post-targeted");
    assert_eq!(record["notice"]["platforms"], serde_json::json!(["ios"]));
    assert_eq!(record["notice"]["app_versions"], "<7.4");
    assert_eq!(record["notice"]["dismissible"], false);
}

#[test]
fn post_with_a_link_to_a_host_the_feed_does_not_allow_is_refused() {
    let server = TestServer::shared();
    let out = server
        .notice()
        .args([
            "post",
            "--yes",
            "--severity",
            "info",
            "--link",
            "https://evil.example/",
        ])
        .args(["--title", "Click", "--body", "Here."])
        .output();
    out.assert_code(5);
    let stderr = out.stderr_text();
    assert!(stderr.contains("field `link` (--link)"), "{stderr}");
    assert!(stderr.contains("evil.example"), "{stderr}");
}

#[test]
fn post_from_a_file_publishes_the_files_notice() {
    let server = TestServer::shared();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notice.json");
    std::fs::write(
        &path,
        r#"{"id": "post-from-file", "severity": "info",
            "title": {"en": "From a file", "nl": "Uit een bestand"},
            "body": {"en": "Long text.\nSecond line.", "nl": "Lange tekst."}}"#,
    )
    .unwrap();
    let out = server
        .notice()
        .args(["post", "--yes", "--from-file"])
        .arg(&path)
        .output();
    out.assert_code(0);
    out.assert_stdout_contains("Second line.");
    let record = show(&server, "post-from-file");
    assert_eq!(record["notice"]["title"]["nl"], "Uit een bestand");

    std::fs::write(
        &path,
        r#"{"severity": "info", "title": {"en": "x"}, "body": {"en": "y"}, "colour": 1}"#,
    )
    .unwrap();
    let out = server
        .notice()
        .args(["post", "--yes", "--from-file"])
        .arg(&path)
        .output();
    out.assert_code(2);
    out.assert_stderr_contains("colour");
}

#[test]
fn post_without_a_terminal_refuses_before_contacting_the_server() {
    // A closed port: had post tried the server first, it would exit 3 (unreachable), not 7. (`withdraw` and
    // `edit` find the notice first, so an unreachable server or a rejected token is what they report; see
    // errors.rs.)
    let url = notice_tests::closed_port_url();
    let out = notice_tests::NoticeCommand::new()
        .server(&url, "ntk_unused")
        .args([
            "post",
            "--severity",
            "outage",
            "--title",
            "Down",
            "--body",
            "Down.",
        ])
        .output();
    out.assert_code(7);
}
