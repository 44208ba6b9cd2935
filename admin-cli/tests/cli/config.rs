//! Where server and token come from: flags > environment > config file.

use notice_tests::{NoticeCommand, OutputExt as _, TestServer};

fn config(server: &TestServer, token: &str) -> String {
    format!("server = \"{}\"\ntoken = \"{token}\"\n", server.url())
}

#[test]
fn server_and_token_can_come_from_the_config_file() {
    let server = TestServer::shared();
    let out = NoticeCommand::new()
        .with_config(&config(&server, server.token()))
        .arg("list")
        .output();
    out.assert_code(0);
}

#[test]
fn the_environment_beats_the_config_file_and_flags_beat_the_environment() {
    let server = TestServer::shared();
    let out = NoticeCommand::new()
        .with_config(&config(&server, server.token()))
        .env("NOTICE_TOKEN", "ntk_env_token_is_wrong")
        .arg("list")
        .output();
    out.assert_code(4);
    out.assert_stderr_contains("from $NOTICE_TOKEN");

    let out = NoticeCommand::new()
        .with_config(&config(&server, "ntk_file_token_is_wrong"))
        .env("NOTICE_TOKEN", "ntk_env_token_is_wrong")
        .args(["list", "--token", server.token()])
        .output();
    out.assert_code(0);
}

#[test]
fn an_explicit_config_path_is_used_and_must_exist() {
    let server = TestServer::shared();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ops.toml");
    std::fs::write(&path, config(&server, server.token())).unwrap();
    let out = NoticeCommand::new()
        .arg("--config")
        .arg(&path)
        .arg("list")
        .output();
    out.assert_code(0);
    let out = NoticeCommand::new()
        .env("NOTICE_CONFIG", dir.path().join("missing.toml"))
        .arg("list")
        .output();
    out.assert_code(1);
    out.assert_stderr_contains("missing.toml");
}

#[test]
fn a_config_file_with_an_unknown_key_is_an_error_not_ignored() {
    let out = NoticeCommand::new()
        .with_config("server = \"http://127.0.0.1:9\"\ntokn = \"x\"\n")
        .arg("list")
        .output();
    out.assert_code(2);
    out.assert_stderr_contains("tokn");
}

#[cfg(unix)]
#[test]
fn a_config_file_with_a_token_that_others_can_read_gets_a_warning() {
    use std::os::unix::fs::PermissionsExt as _;
    let server = TestServer::shared();
    let command = NoticeCommand::new().with_config(&config(&server, server.token()));
    std::fs::set_permissions(
        command.config_path(),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    let out = command.arg("list").output();
    out.assert_code(0);
    out.assert_stderr_contains("chmod 600");
}
