//! End-to-end tests of the real `notice-server` binary on 127.0.0.1:0 in temp directories: durability
//! across kill -9, verification against root.json, hashed tokens, audit rows, configuration errors,
//! graceful shutdown, key rotation while serving; the mirror and break-glass ingest (`mirror.rs`).

mod mirror;
mod operations;

use std::path::Path;
use std::time::Duration;

use notice_tests::{Loopback as _, ServerBuilder, TestServer, notice_server, now, poll_until};
use notice_types::{TrustedRoot, dangerous_verify_ignoring_freshness, verify};
use serde_json::json;
use sha2::{Digest as _, Sha256};

/// A server for `yivi-app/e2e` whose notices may link to yivi.app.
fn e2e() -> ServerBuilder {
    TestServer::builder()
        .feed_id("yivi-app/e2e")
        .link_hosts(&["yivi.app"])
}

/// The admin API's body for an English outage titled `title`.
fn outage(title: &str) -> String {
    json!({"severity": "outage", "title": {"en": title}, "body": {"en": "We are working on it."}})
        .to_string()
}

/// What a finished command printed on stdout.
fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// What a finished command printed on stderr.
fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn an_acknowledged_write_survives_kill_9_and_versions_never_go_down() {
    let mut server = e2e().start();
    let token = server.token().to_owned();
    let created = server.post("/v1/admin/notices", &token, outage("PIN check is down"));
    assert_eq!(created.status, 201, "{}", created.text());
    let version = created.json()["feed_version"].as_u64().unwrap();
    let id = created.json()["notice"]["id"].as_str().unwrap().to_owned();
    server.kill9();

    server.restart();
    let feed = server.get("/v1/feed.json");
    assert_eq!(
        feed.expect_header("x-notice-feed-version"),
        version.to_string(),
        "same version after restart"
    );
    let trusted =
        TrustedRoot::from_envelope_bytes(&std::fs::read(server.root_path()).unwrap()).unwrap();
    let verified = verify(&feed.body, &trusted, None, now()).unwrap();
    assert_eq!(verified.feed.version, version);
    assert_eq!(verified.feed.notices[0].id.as_str(), id);

    let resolved = server.post(&format!("/v1/admin/notices/{id}/resolve"), &token, "");
    assert_eq!(resolved.status, 200, "{}", resolved.text());
    let next = resolved.json()["feed_version"].as_u64().unwrap();
    assert!(next > version);
    server.kill9();

    server.restart();
    let feed = server.get("/v1/feed.json");
    assert_eq!(
        feed.expect_header("x-notice-feed-version"),
        next.to_string()
    );
    let state = verified.state;
    let again = verify(&feed.body, &trusted, Some(&state), now()).unwrap();
    assert_eq!(again.feed.notices[0].status, notice_types::Status::Resolved);
}

#[test]
fn served_bytes_verify_against_the_root_json_written_by_init() {
    let server = e2e().start();
    let token = server.token();
    let mut body: serde_json::Value = serde_json::from_str(&outage("Slow logins")).unwrap();
    body["link"] = json!("https://yivi.app/status");
    assert_eq!(
        server
            .post("/v1/admin/notices", token, body.to_string())
            .status,
        201
    );

    let root_file = std::fs::read(server.root_path()).unwrap();
    assert_eq!(
        server.get("/v1/root.json").body,
        root_file,
        "served root is the file apps ship"
    );
    let trusted = TrustedRoot::from_envelope_bytes(&root_file).unwrap();
    let feed = server.get("/v1/feed.json");
    let verified = verify(&feed.body, &trusted, None, now()).unwrap();
    assert_eq!(verified.feed.feed_id.as_str(), "yivi-app/e2e");
    assert_eq!(
        verified.feed.notices[0].link.as_deref(),
        Some("https://yivi.app/status")
    );
    assert_eq!(
        feed.expect_header("etag"),
        format!("\"{}\"", hex::encode(Sha256::digest(&feed.body)))
    );
    let not_modified = server.get_with(
        "/v1/feed.json",
        &[("if-none-match", feed.expect_header("etag"))],
    );
    assert_eq!(not_modified.status, 304);
}

#[test]
fn tokens_are_stored_only_as_hashes() {
    let mut server = e2e().init();
    let admin = server.token().to_owned();
    let alice = server.run(["token", "create", "alice"]);
    assert!(alice.status.success());
    let alice = stdout(&alice).trim().to_owned();
    assert!(alice.starts_with("ntk_"), "{alice}");
    server.restart();
    for token in [&admin, &alice] {
        assert_eq!(server.get_auth("/v1/admin/whoami", token).status, 200);
    }
    server.terminate();

    let mut stored = Vec::new();
    for suffix in ["", "-wal", "-shm"] {
        if let Ok(bytes) = std::fs::read(server.data_dir().join(format!("notice.db{suffix}"))) {
            stored.extend(bytes);
        }
    }
    assert!(!stored.is_empty());
    let conn = rusqlite::Connection::open(server.data_dir().join("notice.db")).unwrap();
    for token in [&admin, &alice] {
        let secret = token.trim_start_matches("ntk_");
        for needle in [
            token.as_bytes(),
            secret.as_bytes(),
            &hex::decode(secret).unwrap()[..],
        ] {
            assert!(
                !stored.windows(needle.len()).any(|w| w == needle),
                "token material found in the database files"
            );
        }
        let hash: Vec<u8> = Sha256::digest(token.as_bytes()).to_vec();
        let (name, last_used): (String, Option<i64>) = conn
            .query_row(
                "SELECT name, last_used_at FROM tokens WHERE sha256 = ?1",
                [&hash],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert!(name == "admin" || name == "alice");
        assert!(last_used.is_some(), "last use is recorded");
    }
}

#[test]
fn each_write_adds_one_audit_row_naming_the_token() {
    let mut server = e2e().init();
    let output = server.run(["token", "create", "oncall-bob"]);
    let bob = stdout(&output).trim().to_owned();
    server.restart();
    let created = server.post("/v1/admin/notices", &bob, outage("Down"));
    let id = created.json()["notice"]["id"].as_str().unwrap().to_owned();
    let update = json!({"status": "identified", "message": {"en": "Found the cause."}}).to_string();
    assert_eq!(
        server
            .post(&format!("/v1/admin/notices/{id}/updates"), &bob, &update)
            .status,
        200
    );
    assert_eq!(
        server
            .post(&format!("/v1/admin/notices/{id}/resolve"), &bob, "")
            .status,
        200
    );

    let conn = rusqlite::Connection::open(server.data_dir().join("notice.db")).unwrap();
    let mut statement = conn
        .prepare("SELECT action, notice_id, feed_version FROM audit WHERE actor = 'oncall-bob' ORDER BY id")
        .unwrap();
    let rows: Vec<(String, String, u64)> = statement
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        rows,
        [
            ("create".to_owned(), id.clone(), 2),
            ("update".to_owned(), id.clone(), 3),
            ("resolve".to_owned(), id, 4)
        ]
    );
}

#[test]
fn serve_initializes_an_empty_data_directory_and_prints_what_it_created() {
    let server = TestServer::builder().uninitialized().start();
    let data = server.data_dir();
    let printed = server.init_output();
    for expected in [
        "initialized",
        "feed id:     notice/dev",
        "root.json",
        "WARNING: move",
        "admin token",
    ] {
        assert!(
            printed.contains(expected),
            "missing {expected:?} in:\n{printed}"
        );
    }
    assert!(
        printed.contains(&format!(
            "admin token (shown once, store it now): {}",
            server.token()
        )),
        "{printed}"
    );
    assert_eq!(
        server.get_auth("/v1/admin/whoami", server.token()).json(),
        json!({"name": "admin", "scope": "admin"})
    );
    for file in ["notice.db", "feed-key.pem", "root-key.pem", "root.json"] {
        assert!(data.join(file).exists(), "{file}");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        for file in ["feed-key.pem", "root-key.pem", "notice.db"] {
            let mode = std::fs::metadata(data.join(file))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o077, 0, "{file} is readable by others: {mode:o}");
        }
    }
}

#[test]
fn bad_configuration_is_refused_with_a_one_line_message() {
    let server = e2e().init();
    for (args, expect) in [
        (
            vec![
                "serve",
                "--feed-validity",
                "1h",
                "--heartbeat-interval",
                "1h",
            ],
            "--feed-validity",
        ),
        (vec!["serve", "--cache-max-age", "120"], "--cache-max-age"),
        (
            vec!["serve", "--heartbeat-interval", "soon"],
            "heartbeat-interval",
        ),
        (vec!["init"], "already initialized"),
        (
            vec!["serve", "--feed-id", "yivi-app/production"],
            "holds feed yivi-app/e2e",
        ),
        (
            vec!["serve", "--link-host", "evil.example"],
            "link hosts are fixed at init",
        ),
        (vec!["token", "revoke", "nobody"], "no active token"),
        (vec!["token", "create", "admin"], "exists"),
        (vec!["token", "create", "two words"], "not a token name"),
        (
            vec!["rotate-feed-key", "--root-key", "/nonexistent/root-key.pem"],
            "no root key",
        ),
    ] {
        let output = server.run(&args);
        assert!(!output.status.success(), "{args:?} succeeded");
        let stderr = stderr(&output);
        assert!(stderr.contains(expect), "{args:?}: {stderr}");
    }
    let missing = server.data_dir().join("missing").display().to_string();
    let output = notice_server(["--data-dir", &missing, "token", "list"]);
    assert!(stderr(&output).contains("not initialized"));
    // A typo on the first `serve` of a new directory creates nothing: no keys, no token printed.
    for (flag, value, expect) in [
        ("--time-zone", "Mars/Base", "not a time zone"),
        (
            "--publish-to",
            "https://example.org/copy",
            "can be read, not written",
        ),
    ] {
        let output = notice_server([
            "serve",
            "--data-dir",
            &missing,
            "--listen",
            "127.0.0.1:0",
            flag,
            value,
        ]);
        assert!(!output.status.success(), "{flag}");
        assert!(
            stderr(&output).contains(expect),
            "{flag}: {}",
            stderr(&output)
        );
        assert!(
            !stdout(&output).contains("ntk_"),
            "{flag}: a token was printed"
        );
        assert!(
            !Path::new(&missing).exists(),
            "{flag}: {missing} was created"
        );
    }
}

#[test]
fn sigterm_stops_the_server_gracefully() {
    let mut server = e2e().start();
    assert_eq!(server.get("/healthz").status, 200);
    let status = server.terminate();
    assert!(status.success(), "{status:?}");
    assert!(server.log().contains("shutting down"), "{}", server.log());
}

#[test]
fn rotating_the_feed_key_while_serving_switches_to_the_new_key() {
    let server = e2e().start();
    let token = server.token();
    let trusted =
        TrustedRoot::from_envelope_bytes(&std::fs::read(server.root_path()).unwrap()).unwrap();
    let old_feed_key = trusted.payload().feed_keys[0];

    let output = server.run(["rotate-feed-key"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).contains("root version: v2"));

    // The server notices the new version within its check interval.
    let root = poll_until(
        "the server to pick up the rotation",
        Duration::from_secs(30),
        || {
            let feed = server.get("/v1/feed.json");
            let (root, _) = dangerous_verify_ignoring_freshness(&feed.body, &trusted).unwrap();
            (root.version == 2).then_some(root)
        },
    );
    assert!(!root.feed_keys.contains(&old_feed_key));
    // Writes are now signed with the new key, and still verify from root v1.
    let created = server.post("/v1/admin/notices", token, outage("After rotation"));
    assert_eq!(created.status, 201, "{}", created.text());
    let verified = verify(&server.get("/v1/feed.json").body, &trusted, None, now()).unwrap();
    assert_eq!(verified.root.version, 2);
    assert_eq!(verified.feed.notices.len(), 1);
}

#[test]
fn a_token_revoked_on_the_command_line_stops_working_on_the_running_server() {
    let server = e2e().start();
    let token = server.token();
    assert_eq!(server.get_auth("/v1/admin/whoami", token).status, 200);
    assert!(server.run(["token", "revoke", "admin"]).status.success());
    let reply = server.get_auth("/v1/admin/whoami", token);
    assert_eq!(reply.status, 401);
    assert_eq!(reply.json()["error"]["code"], "unauthorized");
}

#[test]
fn token_list_shows_names_use_and_revocation_but_never_a_token() {
    let mut server = e2e().init();
    let admin = server.token().to_owned();
    let created = server.run(["token", "create", "alice"]);
    assert!(created.status.success());
    let alice = stdout(&created).trim().to_owned();
    let watchdog = server.run(["token", "create", "--scope", "watch", "watchdog"]);
    assert!(watchdog.status.success());
    assert!(
        String::from_utf8_lossy(&watchdog.stderr).contains("watch token"),
        "the scope is said when the token is shown"
    );
    server.restart();
    assert_eq!(server.get_auth("/v1/admin/whoami", &alice).status, 200);
    assert!(server.run(["token", "revoke", "alice"]).status.success());
    let listed = server.run(["token", "list"]);
    assert!(listed.status.success());
    let text = stdout(&listed);
    let line = |name: &str| {
        text.lines()
            .find(|l| l.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("no line for {name}:\n{text}"))
            .to_owned()
    };
    assert!(line("admin").ends_with("active"), "{text}");
    assert!(
        line("admin").contains("never"),
        "admin never used it: {text}"
    );
    assert!(line("alice").contains("revoked"), "{text}");
    assert_eq!(
        line("admin").split_whitespace().nth(1),
        Some("admin"),
        "{text}"
    );
    assert_eq!(
        line("watchdog").split_whitespace().nth(1),
        Some("watch"),
        "{text}"
    );
    assert!(text.lines().next().unwrap().contains("SCOPE"), "{text}");
    assert!(
        !line("alice").contains("never"),
        "alice used hers once: {text}"
    );
    for token in [&admin, &alice] {
        assert!(
            !text.contains(token.as_str()),
            "a token was printed: {text}"
        );
    }
}

#[test]
fn the_real_server_refuses_large_bodies_and_never_logs_tokens() {
    let mut server = e2e().env("NOTICE_LOG", "trace").start();
    let token = server.token().to_owned();
    let big = "x".repeat(100 * 1024);
    let reply = server.post("/v1/admin/notices", &token, &big);
    assert_eq!(reply.status, 413);
    assert_eq!(reply.json()["error"]["code"], "payload_too_large");
    assert_eq!(
        server.post("/v1/admin/notices", &token, outage("x")).status,
        201
    );
    assert_eq!(
        server
            .get_auth("/v1/admin/whoami", "ntk_wrong-guess")
            .status,
        401
    );
    server.terminate();
    let logs = server.log();
    assert!(
        logs.contains("notice written"),
        "logs were captured: {logs}"
    );
    assert!(!logs.contains(&token));
    assert!(!logs.contains("ntk_wrong-guess"));
    assert!(!logs.to_ascii_lowercase().contains("authorization: bearer"));
}

#[test]
fn a_client_that_stalls_mid_body_gets_408_in_json() {
    use std::io::{Read as _, Write as _};
    let server = e2e().env("NOTICE_REQUEST_TIMEOUT", "1s").start();
    let token = server.token();
    let address = server.addr().to_string();
    let mut stream = std::net::TcpStream::connect(&address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    // Promise 100 bytes, send 2, then stall.
    write!(
        stream,
        "POST /v1/admin/notices HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\""
    )
    .unwrap();
    let mut response = Vec::new();
    let mut buf = [0u8; 1024];
    while !String::from_utf8_lossy(&response).contains("}}") {
        let n = stream.read(&mut buf).unwrap();
        assert!(
            n > 0,
            "connection closed: {}",
            String::from_utf8_lossy(&response)
        );
        response.extend_from_slice(&buf[..n]);
    }
    let text = String::from_utf8_lossy(&response);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains(r#""code":"timeout""#), "{text}");
}

#[test]
fn a_client_that_never_finishes_its_request_head_is_disconnected() {
    use std::io::{Read as _, Write as _};
    let server = e2e().env("NOTICE_REQUEST_TIMEOUT", "1s").start();
    let address = server.addr().to_string();
    let mut slow = std::net::TcpStream::connect(&address).unwrap();
    // Half a request head, and then nothing (slowloris).
    slow.write_all(b"GET /v1/feed.json HTTP/1.1\r\nHost: notice\r\n")
        .unwrap();
    // The server closes it after the 1 s header timeout; the read deadline only bounds a broken server.
    slow.set_read_timeout(Some(std::time::Duration::from_secs(20)))
        .unwrap();
    let mut answer = Vec::new();
    let read = slow.read_to_end(&mut answer);
    assert!(
        read.is_ok(),
        "the connection was not closed by the server: {read:?}"
    );
    // Meanwhile everyone else is served.
    assert_eq!(server.get("/v1/feed.json").status, 200);
}

/// Issue 16: someone behind the operator's NAT (here: the same 127.0.0.1) guesses tokens; the guesses get 401,
/// then 429 with Retry-After, and the valid token keeps working throughout, on a real server over TCP.
#[test]
fn a_burst_of_failed_attempts_from_one_address_does_not_stop_the_valid_token_from_there() {
    let server = TestServer::start();
    let token = server.token().to_owned();
    let mut limited = 0;
    for round in 0..40 {
        let guess = server.get_auth("/v1/admin/whoami", "ntk_guess");
        match guess.status {
            401 => {}
            429 => {
                limited += 1;
                let retry: u64 = guess.expect_header("retry-after").parse().unwrap();
                assert!((1..=60).contains(&retry), "{retry}");
                assert_eq!(guess.json()["error"]["code"], "rate_limited");
            }
            other => panic!("a wrong token got {other}: {}", guess.text()),
        }
        if round % 5 == 4 {
            let valid = server.get_auth("/v1/admin/whoami", &token);
            assert_eq!(
                valid.status,
                200,
                "after {} guesses: {}",
                round + 1,
                valid.text()
            );
            assert_eq!(valid.json()["name"], "admin");
        }
    }
    assert!(
        limited >= 20,
        "guessing is still limited: {limited} of 40 got 429"
    );
    let posted = server.post("/v1/admin/notices", &token, outage("Still works"));
    assert_eq!(posted.status, 201, "{}", posted.text());
}
