//! `notice verify`: checks a published document as the app does, and says precisely why one fails.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use notice_tests::{FeedOwner, NoticeBuilder, NoticeCommand, OutputExt as _, TestServer, get, now};
use notice_types::{PublishedDocument, Severity, limits::MAX_DOCUMENT_BYTES};

use super::{json, post_outage};

/// `notice verify --root ROOT` with the root of `server`.
fn verify(server: &TestServer) -> NoticeCommand {
    server
        .notice()
        .args(["verify", "--root"])
        .arg(server.root_path())
}

fn verify_file(server: &TestServer, bytes: &[u8]) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("feed.json");
    std::fs::write(&path, bytes).unwrap();
    verify(server).arg(&path).output()
}

fn served_document(server: &TestServer) -> Vec<u8> {
    let fetched = get(&format!("{}/v1/feed.json", server.url()));
    assert_eq!(fetched.status, 200);
    fetched.body
}

#[test]
fn verify_passes_on_the_servers_feed_by_url_and_as_a_file() {
    let server = TestServer::shared();
    let version = post_outage(&server, "verify-ok");
    let url = format!("{}/v1/feed.json", server.url());
    let out = verify(&server).arg(&url).output();
    out.assert_code(0);
    let text = out.stdout_text();
    for expected in [
        "OK",
        "notice-tests/e2e",
        "version",
        "issued",
        "expires",
        "verify-ok",
    ] {
        assert!(text.contains(expected), "missing {expected:?}\n{text}");
    }

    let out = verify_file(&server, &served_document(&server));
    out.assert_code(0);
    let out = verify(&server).arg("--json").arg(&url).output();
    out.assert_code(0);
    let report = json(&out);
    assert_eq!(report["ok"], true);
    assert_eq!(report["feed_id"], "notice-tests/e2e");
    assert!(report["version"].as_u64().unwrap() >= version);
}

/// The server's document with one byte of the signed feed payload changed (the version number).
fn tampered(document: &[u8]) -> Vec<u8> {
    let mut parsed: PublishedDocument = serde_json::from_slice(document).unwrap();
    let payload = STANDARD.decode(&parsed.feed.payload).unwrap();
    let text = String::from_utf8(payload).unwrap();
    let changed = text.replacen("\"version\":", "\"version\":9", 1);
    assert_ne!(text, changed);
    parsed.feed.payload = STANDARD.encode(changed);
    serde_json::to_vec(&parsed).unwrap()
}

#[test]
fn verify_fails_with_distinct_messages_on_tampered_other_feed_and_expired_documents() {
    let server = TestServer::shared();
    let t = now();
    let server_keys = FeedOwner::from_data_dir(server.data_dir());

    let tampered = tampered(&served_document(&server));

    // A valid document of another feed (its own keys and root).
    let other = FeedOwner::for_feed("notice-tests/other");
    let other_feed = other.publish(&other.feed_at(1, t, t.plus_seconds(3600), vec![]));

    // Signed with this server's own feed key, but for another feed id.
    let mut payload = server_keys.feed_at(5, t, t.plus_seconds(3600), vec![]);
    payload.feed_id = notice_types::FeedId::parse("notice-tests/staging").unwrap();
    let same_keys_other_id = server_keys.publish_unchecked(&payload);

    // Properly signed by this server's keys, but expired a day ago.
    let posted = t.plus_seconds(-4 * 86_400);
    let expired = server_keys.publish(&server_keys.feed_at(
        1,
        posted,
        t.plus_seconds(-86_400),
        vec![
            NoticeBuilder::new("verify-expired", Severity::Outage)
                .posted_at(posted)
                .build(),
        ],
    ));

    let mut first_lines = Vec::new();
    for (name, bytes, code, words) in [
        ("tampered", tampered, "bad_signature", "altered"),
        (
            "other feed",
            other_feed,
            "root_chain_rejected",
            "notice-tests/other",
        ),
        (
            "same keys, other feed id",
            same_keys_other_id,
            "wrong_feed_id",
            "notice-tests/staging",
        ),
        ("expired", expired, "expired", "expired"),
    ] {
        let out = verify_file(&server, &bytes);
        out.assert_code(6);
        let stderr = out.stderr_text();
        let first = stderr.lines().next().unwrap_or_default().to_owned();
        assert!(first.contains("failed verification"), "{name}: {stderr}");
        assert!(first.contains(&format!("[{code}]")), "{name}: {stderr}");
        assert!(first.contains(words), "{name}: {stderr}");
        assert!(stderr.contains("hint:"), "{name}: {stderr}");
        first_lines.push(
            first
                .split(" failed verification")
                .nth(1)
                .unwrap()
                .to_owned(),
        );
    }
    for (i, a) in first_lines.iter().enumerate() {
        for b in &first_lines[i + 1..] {
            assert_ne!(a, b, "two failures gave the same message");
        }
    }
}

#[test]
fn verify_explains_a_document_of_another_feed_in_its_hint() {
    let server = TestServer::shared();
    let other = FeedOwner::for_feed("notice-tests/other");
    let t = now();
    let out = verify_file(
        &server,
        &other.publish(&other.feed_at(1, t, t.plus_seconds(60), vec![])),
    );
    out.assert_code(6);
    let stderr = out.stderr_text();
    assert!(
        stderr.contains("claims to be for feed `notice-tests/other`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("the root is for `notice-tests/e2e`"),
        "{stderr}"
    );
}

#[test]
fn verify_json_reports_the_failure_code() {
    let server = TestServer::shared();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("feed.json");
    std::fs::write(&path, tampered(&served_document(&server))).unwrap();
    let out = verify(&server).arg("--json").arg(&path).output();
    out.assert_code(6);
    let report = json(&out);
    assert_eq!(report["ok"], false);
    assert_eq!(report["code"], "bad_signature");
}

#[test]
fn verify_refuses_documents_that_are_too_large_or_not_documents() {
    let server = TestServer::shared();
    let out = verify_file(&server, &vec![b' '; MAX_DOCUMENT_BYTES + 1]);
    out.assert_code(6);
    out.assert_stderr_contains("[too_large]");
    let out = verify_file(&server, b"<html>502 Bad Gateway</html>");
    out.assert_code(6);
    out.assert_stderr_contains("[malformed_json]");
}

#[test]
fn verify_with_a_root_that_is_not_a_root_is_a_usage_error() {
    let server = TestServer::shared();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("root.json");
    std::fs::write(&path, served_document(&server)).unwrap();
    let out = server
        .notice()
        .args(["verify", "--root"])
        .arg(&path)
        .arg(format!("{}/v1/feed.json", server.url()))
        .output();
    out.assert_code(2);
    out.assert_stderr_contains("is not a valid root file");
}

#[test]
fn verify_of_an_unreachable_url_exits_3_naming_it() {
    let server = TestServer::shared();
    let url = format!("{}/v1/feed.json", notice_tests::closed_port_url());
    let out = verify(&server).arg(&url).output();
    out.assert_code(3);
    let stderr = out.stderr_text();
    assert!(
        stderr.contains(&format!("cannot reach the server at {url}")),
        "{stderr}"
    );
    assert!(stderr.contains("check the URL"), "{stderr}");
}

#[test]
fn verify_by_url_follows_a_plain_http_redirect_on_the_same_host_and_port_only() {
    use notice_tests::{Answer, FakeMirror};
    let server = TestServer::shared();
    post_outage(&server, "verify-redirect");
    let document = served_document(&server);
    let moved = |location: String| Answer::Moved {
        path: "/v1/feed.json".to_owned(),
        code: 302,
        location,
        body: document.clone(),
    };
    // On its own host and port: followed.
    let same = FakeMirror::answering(moved("/moved/feed.json".to_owned()));
    let out = verify(&server).arg(same.url()).output();
    out.assert_code(0);
    let requests = same.requests();
    assert_eq!(requests.len(), 2, "{requests:?}");
    assert!(
        requests[1].starts_with("GET /moved/feed.json "),
        "{}",
        requests[1]
    );

    // Another host, or another port: refused before anything is asked there.
    let elsewhere = FakeMirror::bind("127.0.0.2:0", Answer::Bytes(document.clone()));
    let other_port = FakeMirror::answering(Answer::Bytes(document.clone()));
    for target in [elsewhere.url(), other_port.url()] {
        let redirecting = FakeMirror::answering(moved(target.clone()));
        let out = verify(&server).arg(redirecting.url()).output();
        assert_ne!(out.status.code(), Some(0), "{target}");
        let stderr = out.stderr_text();
        assert!(
            stderr.contains("refused a redirect from plain http"),
            "{target}: {stderr}"
        );
    }
    assert!(elsewhere.requests().is_empty());
    assert!(other_port.requests().is_empty());
}
