//! `notice watch check --config FILE`: a good configuration is summarized, a bad one is refused with exit 2
//! and one line naming the file and the key; `notice watch --help` documents every key. The watchdog's runs
//! are in tests/tests/watch.rs (they need a phone and a server that goes down).

use notice_tests::{NoticeCommand, OutputExt as _, notice};

const CONFIG: &str = r#"
state_dir = "STATE"
server = "https://notice.example.org"
metrics_listen = "127.0.0.1:9466"

[[webhook]]
url = "https://hooks.slack.example/services/T000/B000/secret-part"
format = "slack"

[[check]]
name = "keyshare"
url = "https://keyshare.example.org/api/v1/health?key=secret-query"

[check.notice]
title = { en = "PIN validation is down", nl = "Pincode controleren werkt niet", de = "PIN-Prüfung gestört" }
body = { en = "We know.", nl = "We weten het.", de = "Wir wissen es." }

[[check]]
name = "database"
tcp = "db.example.org:5432"
raise_after = 3
raise_window = 5
resolve_after = "30m"

[check.notice]
severity = "degraded"
title = { en = "Logging in may fail" }
body = { en = "Some logins fail." }
"#;

fn write(dir: &tempfile::TempDir, text: &str) -> std::path::PathBuf {
    let path = dir.path().join("watch.toml");
    let state = dir.path().join("state");
    std::fs::write(&path, text.replace("STATE", &state.display().to_string())).unwrap();
    path
}

#[test]
fn check_summarizes_a_good_configuration_without_its_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(&dir, CONFIG);
    let out = NoticeCommand::new()
        .env("NOTICE_TOKEN", "ntk_watchdog_secret")
        .args(["watch", "check", "--config"])
        .arg(&path)
        .output();
    out.assert_code(0);
    let text = out.stdout_text();
    for expected in [
        "2 check(s)",
        "keyshare: GET https://keyshare.example.org/api/v1/health expecting 200-299, every 10s, timeout 5s",
        "raise after 3 failures in a row, recover after 3 successes in a row; a person resolves",
        "at most 35s from failure to raised",
        "database: TCP db.example.org:5432",
        "raise after 3 failures among the last 5 checks",
        "resolved after 30m quiet",
        "note: no `nl` title or body",
        "server: https://notice.example.org (from",
        "token from $NOTICE_TOKEN (not shown)",
        "break-glass: not configured",
        "webhook: https://hooks.slack.example (Slack)",
        "configuration OK",
    ] {
        assert!(text.contains(expected), "{expected:?} in\n{text}");
    }
    for secret in ["secret-part", "secret-query", "ntk_watchdog_secret"] {
        assert!(!text.contains(secret), "{secret} shown:\n{text}");
    }
    assert!(
        !dir.path().join("state").exists(),
        "checking writes nothing"
    );
}

#[test]
fn a_bad_configuration_is_refused_with_one_line_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    for (from, to, expected) in [
        (
            "raise_window = 5",
            "raise_windw = 5",
            "unknown field `raise_windw`",
        ),
        (
            "raise_window = 5",
            "raise_window = 2",
            "check[1].raise_window",
        ),
        (
            "resolve_after = \"30m\"",
            "resolve_after = \"soon\"",
            "check[1].resolve_after",
        ),
        (
            "format = \"slack\"",
            "format = \"teams\"",
            "unknown variant `teams`",
        ),
        ("name = \"database\"", "name = \"keyshare\"", "used twice"),
        (
            "tcp = \"db.example.org:5432\"",
            "tcp = \"db.example.org\"",
            "check[1].tcp",
        ),
    ] {
        let path = write(&dir, &CONFIG.replace(from, to));
        let out = notice([
            "watch".as_ref(),
            "check".as_ref(),
            "--config".as_ref(),
            path.as_os_str(),
        ]);
        out.assert_code(2);
        let stderr = out.stderr_text();
        assert!(stderr.contains(expected), "{expected}: {stderr}");
        assert!(stderr.contains("watch.toml"), "names the file: {stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
    }
    let out = notice(["watch", "check"]);
    out.assert_code(2);
    assert!(
        out.stderr_text().contains("--config"),
        "{}",
        out.stderr_text()
    );
}

#[test]
fn the_help_documents_every_key() {
    let out = notice(["watch", "--help"]);
    out.assert_code(0);
    let help = out.stdout_text();
    for key in [
        "state_dir",
        "server",
        "ca_cert",
        "root",
        "metrics_listen",
        "log_format",
        "api_timeout",
        "[breakglass]",
        "feed_key",
        "to =",
        "out =",
        "last =",
        "feed_validity",
        "retention",
        "site_name",
        "[follow]",
        "feed =",
        "interval",
        "[[webhook]]",
        "url =",
        "format =",
        "publishes",
        "timeout",
        "[[check]]",
        "name =",
        "tcp =",
        "method",
        "expect_status",
        "body_contains",
        "raise_after",
        "raise_window",
        "recover_after",
        "resolve_after",
        "component",
        "[check.notice]",
        "severity",
        "platforms",
        "link",
        "title",
        "body",
        "monitoring",
        "investigating",
        "resolved",
    ] {
        assert!(help.contains(key), "{key} is not in `notice watch --help`");
    }
}
