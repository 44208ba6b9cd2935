//! Root key ceremonies end to end (ROOT-KEYS.md): an app ships root v1 of a real `notice-server`; the
//! operators rotate twice with `notice root prepare|sign|check|publish` (to 2-of-3 root keys, then replacing
//! one root key and the feed key), and the library the app embeds follows to v3 and the feed v3's feed key
//! signs. Rotations with too few signatures are refused by the CLI's check, by the server (before it stores
//! anything) and by the app.

use std::path::{Path, PathBuf};
use std::time::Duration;

use notice_client::{Client, ClientError, Config, RefreshOutcome, Timeouts};
use notice_tests::{NoticeCommand, OutputExt as _, TestServer, get, poll_until, request};
use notice_types::{FeedId, PublicKey, PublishedDocument, RootPayload, TrustedRoot};

/// How long the server may take to serve what it acknowledged.
const SERVED: Duration = Duration::from_secs(10);

/// A root key made by `notice keygen --role root` in `dir`: (secret key path, public key path).
fn root_key(dir: &Path, name: &str) -> (PathBuf, PathBuf) {
    let secret = dir.join(format!("{name}.pem"));
    NoticeCommand::new()
        .args(["keygen", "--role", "root", "--out"])
        .arg(&secret)
        .output()
        .assert_code(0);
    let public = dir.join(format!("{name}.pem.pub"));
    (secret, public)
}

/// The document the server serves now.
fn served(server: &TestServer) -> Vec<u8> {
    let fetched = get(&format!("{}/v1/feed.json", server.url()));
    assert_eq!(fetched.status, 200);
    fetched.body
}

/// The newest root of the served document.
fn served_root(server: &TestServer) -> RootPayload {
    let document = PublishedDocument::parse(&served(server)).unwrap();
    TrustedRoot::from_envelope(document.roots.last().unwrap())
        .unwrap()
        .payload()
        .clone()
}

/// The served document with `next` (root v(N+1) of a rotation file) appended to its chain: what a host
/// that took an under-signed rotation would hand the app.
fn with_next_root(document: &[u8], rotation: &Path) -> Vec<u8> {
    let file: serde_json::Value =
        serde_json::from_slice(&std::fs::read(rotation).unwrap()).unwrap();
    let mut value: serde_json::Value = serde_json::from_slice(document).unwrap();
    value["roots"]
        .as_array_mut()
        .unwrap()
        .push(file["next"].clone());
    serde_json::to_vec(&value).unwrap()
}

fn sign(rotation: &Path, key: &Path) {
    NoticeCommand::new()
        .args(["root", "sign"])
        .arg(rotation)
        .arg("--key")
        .arg(key)
        .output()
        .assert_code(0);
}

fn check(rotation: &Path, current: &Path) -> std::process::Output {
    NoticeCommand::new()
        .args(["root", "check"])
        .arg(rotation)
        .arg("--current")
        .arg(current)
        .output()
}

/// The app: notice-client with root v1 and the server as its one mirror.
fn app(server: &TestServer, state: &Path) -> Client {
    let root = std::fs::read(server.root_path()).unwrap();
    let mut config = Config::new(FeedId::parse(server.feed_id()).unwrap(), root, state);
    config.mirrors = vec![format!("{}/v1/feed.json", server.url())];
    config.timeouts = Timeouts {
        connect: Duration::from_millis(500),
        mirror: Duration::from_millis(2000),
        deadline: Duration::from_secs(4),
        min_refresh_interval: Duration::ZERO,
    };
    Client::new(config).unwrap()
}

/// Refreshes until the app holds root `version`; returns the feed version it holds then.
fn app_reaches_root(app: &Client, version: u64) -> u64 {
    poll_until(&format!("the app at root v{version}"), SERVED, || {
        let _ = app.refresh(notice_client::system_now());
        let status = app.status(notice_client::system_now());
        (status.root_version == version).then_some(status.version)
    })
    .unwrap_or_default()
}

#[test]
fn an_app_shipping_root_v1_follows_two_ceremonies_and_trusts_v3s_feed_key() {
    let server = TestServer::start();
    let keys = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let state = tempfile::tempdir().unwrap();
    let app = app(&server, state.path());
    assert!(matches!(
        app.refresh(notice_client::system_now()).unwrap(),
        RefreshOutcome::Updated { .. }
    ));
    assert_eq!(app.status(notice_client::system_now()).root_version, 1);
    let root_v1 = server.root_path();

    // Holder A has the root key init wrote; B and C make theirs.
    let a = server.data_dir().join("root-key.pem");
    let (b, b_pub) = root_key(keys.path(), "holder-b");
    let (c, c_pub) = root_key(keys.path(), "holder-c");

    // Ceremony 1: root keys A, B, C with threshold 2.
    let r2 = work.path().join("rotation-v2.json");
    server
        .notice()
        .args(["root", "prepare", "--add-root-key"])
        .arg(&b_pub)
        .arg("--add-root-key")
        .arg(&c_pub)
        .args(["--root-threshold", "2", "--out"])
        .arg(&r2)
        .output()
        .assert_code(0)
        .assert_stdout_contains("root threshold: 1 → 2");
    sign(&r2, &a);
    // One signature: enough for v1 (1 of 1), not for v2 (1 of 2).
    check(&r2, &root_v1)
        .assert_code(5)
        .assert_stderr_contains("1 more signature(s) of v2's root keys");
    // The server refuses it before storing anything, through the CLI and on the wire.
    server
        .notice()
        .args(["root", "publish"])
        .arg(&r2)
        .output()
        .assert_code(5)
        .assert_stderr_contains("root_rotation_rejected")
        .assert_stderr_contains("2 required");
    let file: serde_json::Value = serde_json::from_slice(&std::fs::read(&r2).unwrap()).unwrap();
    let answer = request(
        "POST",
        &format!("{}/v1/admin/root", server.url()),
        Some(server.token()),
        Some(&serde_json::to_vec(&file["next"]).unwrap()),
    );
    assert_eq!(answer.status, 422);
    assert_eq!(answer.json()["error"]["code"], "root_rotation_rejected");
    assert_eq!(served_root(&server).version, 1, "nothing was published");
    // And the app refuses it where a host hands it over anyway.
    let forged = with_next_root(&served(&server), &r2);
    match app.ingest(&forged, notice_client::system_now()) {
        Err(ClientError::Rejected(e)) => assert_eq!(e.code(), "root_rotation_rejected", "{e}"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    // A key of neither root cannot sign.
    let (stranger, _) = root_key(keys.path(), "stranger");
    NoticeCommand::new()
        .args(["root", "sign"])
        .arg(&r2)
        .arg("--key")
        .arg(&stranger)
        .output()
        .assert_code(5)
        .assert_stderr_contains("neither root v1 nor root v2");
    // B signs: ready, published, followed.
    sign(&r2, &b);
    check(&r2, &root_v1)
        .assert_code(0)
        .assert_stdout_contains("Ready");
    server
        .notice()
        .args(["root", "publish"])
        .arg(&r2)
        .output()
        .assert_code(0)
        .assert_stdout_contains("Published root v2");
    let v2 = served_root(&server);
    assert_eq!(
        (v2.version, v2.root_keys.len(), v2.root_threshold),
        (2, 3, 2)
    );
    app_reaches_root(&app, 2);
    // Published once: again is a conflict.
    server
        .notice()
        .args(["root", "publish"])
        .arg(&r2)
        .output()
        .assert_code(5)
        .assert_stderr_contains("not v3");

    // Ceremony 2: C's key is replaced by D's, and the feed key by one made on the server.
    let (d, d_pub) = root_key(keys.path(), "holder-d");
    let old_feed = v2.feed_keys[0];
    let prepared = server.run(["prepare-feed-key", "--quiet"]);
    prepared.assert_code(0);
    let new_feed: PublicKey = prepared.stdout_text().trim().parse().unwrap();
    // Beside the current key, under the name the guide and `--help` give.
    assert_eq!(
        notice_server_key(&server.data_dir().join("next-feed-key.pem")),
        new_feed
    );
    let r3 = work.path().join("rotation-v3.json");
    server
        .notice()
        .args(["root", "prepare", "--remove-root-key"])
        .arg(&c_pub)
        .arg("--add-root-key")
        .arg(&d_pub)
        .arg("--add-feed-key")
        .arg(new_feed.to_string())
        .arg("--remove-feed-key")
        .arg(old_feed.key_id())
        .arg("--out")
        .arg(&r3)
        .output()
        .assert_code(0);
    // C (leaving) and D (joining): one of v2's two required, one of v3's two.
    sign(&r3, &c);
    sign(&r3, &d);
    check(&r3, &root_v1)
        .assert_code(5)
        .assert_stderr_contains("1 more signature(s) of v2's root keys")
        .assert_stderr_contains("1 more signature(s) of v3's root keys");
    server
        .notice()
        .args(["root", "publish"])
        .arg(&r3)
        .output()
        .assert_code(5)
        .assert_stderr_contains("root_rotation_rejected");
    let forged = with_next_root(&served(&server), &r3);
    match app.ingest(&forged, notice_client::system_now()) {
        Err(ClientError::Rejected(e)) => assert_eq!(e.code(), "root_rotation_rejected", "{e}"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(served_root(&server).version, 2);
    // A signs (a key of both): 2 of v2's (A, C), 2 of v3's (A, D).
    sign(&r3, &a);
    check(&r3, &root_v1).assert_code(0);
    server
        .notice()
        .args(["root", "publish"])
        .arg(&r3)
        .output()
        .assert_code(0)
        .assert_stdout_contains(&new_feed.key_id());
    let v3 = served_root(&server);
    assert_eq!(v3.version, 3);
    assert_eq!(v3.feed_keys, vec![new_feed]);
    let c_key = PublicKey::from_file_text(&std::fs::read_to_string(&c_pub).unwrap()).unwrap();
    assert!(!v3.root_keys.contains(&c_key), "C's key was replaced");
    assert_eq!(v3.root_keys.len(), 3);
    // The server signs with the new key from now on: the prepared key took the place of feed-key.pem.
    let on_disk = notice_server_key(&server.data_dir().join("feed-key.pem"));
    assert_eq!(on_disk, new_feed);
    assert!(!server.data_dir().join("next-feed-key.pem").exists());

    // A notice posted after the rotations reaches the app under v3, signed by v3's feed key.
    server
        .notice()
        .args([
            "post",
            "--severity",
            "outage",
            "--title",
            "PIN validation is down",
            "--body",
            "We are working on it.",
            "--yes",
        ])
        .output()
        .assert_code(0);
    let version = poll_until("the notice reaches the app", SERVED, || {
        let _ = app.refresh(notice_client::system_now());
        let notices = app.notices(notice_client::system_now()).notices;
        (notices.len() == 1).then(|| app.status(notice_client::system_now()))
    });
    assert_eq!(version.root_version, 3);
    // The app verified it against root v1 alone, which it ships: the chain carried it to v3.
    let document = app.document().unwrap();
    let trusted = TrustedRoot::from_envelope_bytes(&std::fs::read(&root_v1).unwrap()).unwrap();
    let verified = notice_types::verify(&document, &trusted, None, notice_tests::now()).unwrap();
    assert_eq!(verified.root.version, 3);
    let feed_envelope = PublishedDocument::parse(&document).unwrap().feed;
    assert_eq!(feed_envelope.signatures[0].keyid, new_feed.key_id());
}

/// The public key of a PEM key file the server wrote.
fn notice_server_key(path: &Path) -> PublicKey {
    let text = std::fs::read_to_string(path).unwrap();
    notice_types::SecretKey::from_pkcs8_pem(&text)
        .unwrap()
        .public_key()
}

#[test]
fn a_rotation_the_server_cannot_sign_under_is_refused_before_anything_is_stored() {
    let server = TestServer::start();
    let work = tempfile::tempdir().unwrap();
    let keys = tempfile::tempdir().unwrap();
    let a = server.data_dir().join("root-key.pem");
    // A new feed key made elsewhere, never put on the server.
    let elsewhere = keys.path().join("feed.pem");
    NoticeCommand::new()
        .args(["keygen", "--role", "feed", "--out"])
        .arg(&elsewhere)
        .output()
        .assert_code(0);
    let old_feed = served_root(&server).feed_keys[0];
    let rotation = work.path().join("rotation.json");
    server
        .notice()
        .args(["root", "prepare", "--add-feed-key"])
        .arg(keys.path().join("feed.pem.pub"))
        .arg("--remove-feed-key")
        .arg(old_feed.to_string())
        .arg("--out")
        .arg(&rotation)
        .output()
        .assert_code(0);
    sign(&rotation, &a);
    check(&rotation, &server.root_path()).assert_code(0);
    server
        .notice()
        .args(["root", "publish"])
        .arg(&rotation)
        .output()
        .assert_code(5)
        .assert_stderr_contains("prepare-feed-key");
    assert_eq!(served_root(&server).version, 1);
    // A dry run of a good one stores nothing either.
    let good = work.path().join("good.json");
    server
        .notice()
        .args([
            "root",
            "prepare",
            "--add-link-host",
            "status.example.org",
            "--out",
        ])
        .arg(&good)
        .output()
        .assert_code(0);
    sign(&good, &a);
    server
        .notice()
        .args(["root", "publish", "--dry-run"])
        .arg(&good)
        .output()
        .assert_code(0)
        .assert_stdout_contains("Would publish root v2");
    assert_eq!(served_root(&server).version, 1);
    // A watch token may not publish roots.
    let watch = server.run(["token", "create", "watchdog", "--scope", "watch"]);
    watch.assert_code(0);
    let token = watch
        .stdout_text()
        .split_whitespace()
        .find(|w| w.starts_with("ntk_"))
        .unwrap()
        .to_owned();
    let file: serde_json::Value = serde_json::from_slice(&std::fs::read(&good).unwrap()).unwrap();
    let answer = request(
        "POST",
        &format!("{}/v1/admin/root", server.url()),
        Some(&token),
        Some(&serde_json::to_vec(&file["next"]).unwrap()),
    );
    assert_eq!(answer.status, 403);
    // Not an envelope: 400 naming what the body must be.
    let answer = request(
        "POST",
        &format!("{}/v1/admin/root", server.url()),
        Some(server.token()),
        Some(b"{\"roots\": []}"),
    );
    assert_eq!(answer.status, 400);
    assert!(
        answer.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("DSSE envelope")
    );
}
