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

/// `notice watch check` with `args` around it (e.g. `--config FILE` before or after `check`).
fn watch(args: &[&std::ffi::OsStr]) -> std::process::Output {
    NoticeCommand::new().arg("watch").args(args).output()
}

#[test]
fn check_takes_the_config_before_or_after_the_subcommand_but_not_the_run_flags() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(&dir, CONFIG);
    let (config, check): (&std::ffi::OsStr, &std::ffi::OsStr) =
        ("--config".as_ref(), "check".as_ref());
    for args in [
        [check, config, path.as_os_str()],
        [config, path.as_os_str(), check],
    ] {
        let out = watch(&args);
        out.assert_code(0);
        assert!(out.stdout_text().contains("configuration OK"), "{args:?}");
    }
    // --once and --dry-run run the watchdog: with `check` they are a mistake, said so, not ignored.
    for flag in ["--once", "--dry-run"] {
        for args in [
            [flag.as_ref(), config, path.as_os_str(), check],
            [config, path.as_os_str(), flag.as_ref(), check],
            [check, flag.as_ref(), config, path.as_os_str()],
        ] {
            let out = watch(&args);
            out.assert_code(2);
            let stderr = out.stderr_text();
            assert!(stderr.contains(flag), "{args:?}: {stderr}");
            assert!(!out.stdout_text().contains("configuration OK"), "{args:?}");
        }
    }
    assert!(!dir.path().join("state").exists(), "nothing ran");
}

#[test]
fn every_wrong_file_the_configuration_names_is_one_line_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing");
    let shown = missing.display().to_string();
    let out = watch(&[
        "check".as_ref(),
        "--config".as_ref(),
        missing.join("watch.toml").as_os_str(),
    ]);
    out.assert_code(2);
    let stderr = out.stderr_text();
    assert!(
        stderr.contains("watch.toml") && stderr.contains("--config"),
        "{stderr}"
    );
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");

    for (from, to, key, what_to_do) in [
        (
            "metrics_listen = ",
            format!("root = \"{shown}/root.json\"\nmetrics_listen = "),
            "root:",
            "root.json",
        ),
        (
            "url = \"https://keyshare.example.org/api/v1/health?key=secret-query\"",
            format!(
                "url = \"https://keyshare.example.org/health\"\nca_cert = \"{shown}/keyshare-ca.pem\""
            ),
            "check[0].ca_cert:",
            "give the PEM file",
        ),
        (
            "metrics_listen = ",
            format!("ca_cert = \"{shown}/ca.pem\"\nmetrics_listen = "),
            "ca_cert:",
            "give the PEM file",
        ),
    ] {
        let path = write(&dir, &CONFIG.replace(from, &to));
        let out = watch(&["check".as_ref(), "--config".as_ref(), path.as_os_str()]);
        out.assert_code(2);
        let stderr = out.stderr_text();
        assert!(
            stderr.contains("watch.toml") && stderr.contains(key) && stderr.contains(&shown),
            "{key}: {stderr}"
        );
        assert!(
            stderr.contains(what_to_do),
            "{key}: says what to do: {stderr}"
        );
        assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
    }
}

#[test]
fn a_configuration_error_names_the_line_of_the_key() {
    let dir = tempfile::tempdir().unwrap();
    // Line 5 of the file (the replaced text starts on line 4).
    let text = CONFIG.replacen(
        "metrics_listen = \"127.0.0.1:9466\"\n",
        "metrics_listen = \"127.0.0.1:9466\"\nstate_dri = \"/tmp\"\n",
        1,
    );
    assert_eq!(text.lines().nth(4), Some("state_dri = \"/tmp\""));
    let path = write(&dir, &text);
    let out = watch(&["check".as_ref(), "--config".as_ref(), path.as_os_str()]);
    out.assert_code(2);
    let stderr = out.stderr_text();
    assert!(
        stderr.contains("(line 5)") && stderr.contains("state_dri"),
        "{stderr}"
    );
}

#[test]
fn a_dry_run_writes_no_state_not_even_the_directory_or_its_lock() {
    let dir = tempfile::tempdir().unwrap();
    // Nothing answers on port 1 of loopback: the server is down and the check fails, at once.
    let config = r#"
state_dir = "STATE"
server = "http://127.0.0.1:1"
api_timeout = "1s"

[[check]]
name = "database"
tcp = "127.0.0.1:1"
timeout = "1s"
raise_after = 2

[check.notice]
title = { en = "Logging in may fail" }
body = { en = "Some logins fail." }
"#;
    let path = write(&dir, config);
    let state = dir.path().join("state");
    let once = || {
        NoticeCommand::new()
            .env("NOTICE_TOKEN", "ntk_watchdog_secret")
            .args(["watch", "--dry-run", "--once", "--config"])
            .arg(&path)
            .output()
    };
    once().assert_code(0);
    assert!(!state.exists(), "a dry run created {}", state.display());

    // What earlier runs left stays as it is, even a state file that does not parse.
    std::fs::create_dir(&state).unwrap();
    std::fs::write(state.join("state.json"), "{not json").unwrap();
    once().assert_code(0);
    let left: Vec<String> = std::fs::read_dir(&state)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left, ["state.json"]);
    assert_eq!(
        std::fs::read_to_string(state.join("state.json")).unwrap(),
        "{not json"
    );
}
