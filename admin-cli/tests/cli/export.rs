//! `notice export`: the static copy of the feed and the status page.

use std::path::Path;

use notice_tests::{FeedOwner, OutputExt as _, TestServer, get};

use super::{json, post};

/// Posts an outage in English, Dutch and German.
fn post_in_three_languages(server: &TestServer, id: &str) {
    post(server, "outage", id)
        .args([
            "--title",
            "PIN check is down",
            "--title",
            "nl=PIN-controle werkt niet",
        ])
        .args([
            "--title",
            "de=PIN-Prüfung gestört",
            "--body",
            "You cannot log in.",
        ])
        .args([
            "--body",
            "nl=Inloggen lukt nu niet.",
            "--body",
            "de=Anmelden geht nicht.",
        ])
        .output()
        .assert_code(0);
}

fn export(server: &TestServer, out: &Path) -> std::process::Output {
    server
        .notice()
        .args(["export", "--json", "--out"])
        .arg(out)
        .arg("--root")
        .arg(server.root_path())
        .output()
}

fn read(dir: &Path, name: &str) -> Vec<u8> {
    std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn export_writes_the_servers_exact_bytes_and_the_status_page_in_each_language() {
    let server = TestServer::start();
    post_in_three_languages(&server, "export-languages");
    let dir = tempfile::tempdir().unwrap();
    let out = export(&server, dir.path());
    out.assert_code(0);
    assert_eq!(json(&out)["version"], 2, "{}", out.describe());

    let served = get(&format!("{}/v1/feed.json", server.url())).body;
    assert_eq!(read(dir.path(), "feed.json"), served);
    assert_eq!(read(dir.path(), "v1/feed.json"), served);
    for (page, title) in [
        ("index.html", "PIN check is down"),
        ("index.en.html", "PIN check is down"),
        ("index.nl.html", "PIN-controle werkt niet"),
        ("index.de.html", "PIN-Prüfung gestört"),
        ("feed.atom", "PIN check is down"),
    ] {
        let text = String::from_utf8(read(dir.path(), page)).unwrap();
        assert!(text.contains(title), "{page} lacks {title:?}:\n{text}");
    }
    // The copy verifies exactly as the app verifies it.
    server
        .notice()
        .args(["verify", "--root"])
        .arg(server.root_path())
        .arg(dir.path().join("feed.json"))
        .output()
        .assert_code(0);
}

#[test]
fn export_updates_the_directory_in_place_and_never_goes_back_to_a_lower_version() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    export(&server, dir.path()).assert_code(0);
    let old = read(dir.path(), "feed.json");

    post_in_three_languages(&server, "export-in-place");
    let out = export(&server, dir.path());
    out.assert_code(0);
    let report = json(&out);
    assert_eq!(report["previous_version"], 1);
    assert_eq!(report["version"], 2);
    let new = read(dir.path(), "feed.json");
    assert!(String::from_utf8_lossy(&read(dir.path(), "index.html")).contains("PIN check is down"));

    // An older copy (a lagging mirror) never replaces a newer export: apps would refuse it anyway.
    let older = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(older.path(), &old).unwrap();
    let out = server
        .notice()
        .args(["export", "--out"])
        .arg(dir.path())
        .arg("--root")
        .arg(server.root_path())
        .arg("--from")
        .arg(older.path())
        .output();
    out.assert_code(2);
    out.assert_stderr_contains("holds feed version 2");
    assert_eq!(read(dir.path(), "feed.json"), new);
    let hidden: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with('.'))
        .collect();
    assert!(hidden.is_empty(), "temporary files left behind: {hidden:?}");
}

#[test]
fn export_refuses_a_copy_that_does_not_verify_and_writes_nothing() {
    let server = TestServer::start();
    let mut bytes = get(&format!("{}/v1/feed.json", server.url())).body;
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    let tampered = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(tampered.path(), &bytes).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = server
        .notice()
        .args(["export", "--out"])
        .arg(dir.path().join("site"))
        .arg("--root")
        .arg(server.root_path())
        .arg("--from")
        .arg(tampered.path())
        .output();
    out.assert_code(6);
    assert!(!dir.path().join("site").exists(), "{}", out.describe());
}

#[test]
fn export_from_a_file_without_a_root_beside_it_needs_one_and_an_export_needs_a_directory() {
    // A document with no root.json beside it.
    let lonely = tempfile::tempdir().unwrap();
    let document = lonely.path().join("feed.json");
    std::fs::write(&document, FeedOwner::new().document(1, vec![])).unwrap();
    let out = notice_tests::NoticeCommand::new()
        .args(["export", "--out", "x", "--from"])
        .arg(&document)
        .output();
    out.assert_code(2);
    out.assert_stderr_contains("no root.json found beside it");
    out.assert_stderr_contains("--root");
    let out = notice_tests::notice(["export", "--root", "root.json"]);
    out.assert_code(2);
    out.assert_stderr_contains("--out");
}

#[test]
fn export_takes_a_published_document_from_a_url_or_a_file() {
    let server = TestServer::start();
    post_in_three_languages(&server, "export-from");
    let served = get(&format!("{}/v1/feed.json", server.url())).body;
    let saved = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(saved.path(), &served).unwrap();
    for from in [
        format!("{}/v1/feed.json", server.url()),
        saved.path().display().to_string(),
    ] {
        let dir = tempfile::tempdir().unwrap();
        // No server configured: the document and the root are all it needs.
        let out = notice_tests::NoticeCommand::new()
            .args(["export", "--json", "--from", &from, "--out"])
            .arg(dir.path())
            .arg("--root")
            .arg(server.root_path())
            .output();
        out.assert_code(0);
        assert_eq!(json(&out)["version"], 2, "{from}");
        assert_eq!(read(dir.path(), "feed.json"), served, "{from}");
        assert!(
            String::from_utf8(read(dir.path(), "index.nl.html"))
                .unwrap()
                .contains("PIN-controle werkt niet")
        );
    }
}

#[test]
fn without_root_a_published_document_is_verified_against_the_root_published_beside_it() {
    let server = TestServer::start();
    post_in_three_languages(&server, "export-beside");
    let served = get(&format!("{}/v1/feed.json", server.url())).body;
    // From the server's URL: its /v1/root.json is beside /v1/feed.json.
    let first = tempfile::tempdir().unwrap();
    let out = notice_tests::NoticeCommand::new()
        .args(["export", "--json", "--out"])
        .arg(first.path())
        .args(["--from", &format!("{}/v1/feed.json", server.url())])
        .output();
    out.assert_code(0);
    out.assert_stderr_contains("/v1/root.json, the root published beside the document");
    out.assert_stderr_contains("pass --root to pin");
    assert_eq!(read(first.path(), "feed.json"), served);
    // From that copy's top-level feed.json: its v1/root.json is below it.
    let second = tempfile::tempdir().unwrap();
    let out = notice_tests::NoticeCommand::new()
        .args(["export", "--json", "--out"])
        .arg(second.path())
        .arg("--from")
        .arg(first.path().join("feed.json"))
        .output();
    out.assert_code(0);
    assert_eq!(read(second.path(), "feed.json"), served);
    assert_eq!(
        read(second.path(), "v1/root.json"),
        std::fs::read(server.root_path()).unwrap()
    );
}

#[test]
fn a_copy_that_cannot_be_reached_is_a_failure_with_what_to_check() {
    let server = TestServer::start();
    // Nothing listens on this port: the bucket's store cannot be reached.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let out = server
        .notice()
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .args(["export", "--root"])
        .arg(server.root_path())
        .arg("--to")
        .arg(format!(
            "s3://status/yivi?endpoint=http://127.0.0.1:{port}&region=test"
        ))
        .output();
    out.assert_code(1);
    out.assert_stderr_contains("hint: check the path or bucket, the credentials");
}
