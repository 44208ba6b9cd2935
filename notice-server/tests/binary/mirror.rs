//! `notice-server mirror` and `notice-server ingest` as real processes on loopback.

use std::path::Path;
use std::time::{Duration, Instant};

use notice_publish::NoticeChange;
use notice_publish::breakglass::{self as offline, Draft, OfflineOptions};
use notice_types::{NoticeId, TrustedRoot};
use serde_json::json;

use crate::server::{self, Reply, Server, init};
use crate::static_host::StaticHost;
use crate::{now, outage};

/// Polls `condition` every 50 ms until it holds, failing after 30 s.
fn wait_for(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !condition() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn version(reply: &Reply) -> Option<u64> {
    (reply.status == 200)
        .then(|| reply.header("x-notice-feed-version").parse().ok())
        .flatten()
}

fn metric(server: &Server, line_prefix: &str) -> u64 {
    server
        .get("/metrics")
        .text()
        .lines()
        .find_map(|l| l.strip_prefix(line_prefix))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0)
}

#[test]
fn the_mirror_serves_the_primary_bytes_and_etags_and_outlives_the_primary() {
    let dir = tempfile::tempdir().unwrap();
    let state = tempfile::tempdir().unwrap();
    let token = init(dir.path());
    let mut primary = Server::start(dir.path(), &[]);
    let mut body: serde_json::Value = serde_json::from_str(&outage("PIN check is down")).unwrap();
    body["title"]["nl"] = json!("PIN-controle werkt niet");
    body["body"]["nl"] = json!("We werken eraan.");
    let created = primary.post("/v1/admin/notices", &token, &body.to_string());
    assert_eq!(created.status, 201, "{}", created.text());
    let expected = created.json()["feed_version"].as_u64().unwrap();

    let mirror = Server::mirror(primary.base(), &dir.path().join("root.json"), state.path());
    wait_for("the mirror to serve the primary's version", || {
        version(&mirror.get("/v1/feed.json")) == Some(expected)
    });
    for accept in ["identity", "gzip", "br"] {
        let from_primary = primary.get_with("/v1/feed.json", &[("accept-encoding", accept)]);
        let from_mirror = mirror.get_with("/v1/feed.json", &[("accept-encoding", accept)]);
        assert_eq!(from_mirror.body, from_primary.body, "{accept}: same bytes");
        for header in ["etag", "cache-control", "content-type", "vary"] {
            assert_eq!(
                from_mirror.header(header),
                from_primary.header(header),
                "{accept}: {header}"
            );
        }
        assert_eq!(from_mirror.header("access-control-allow-origin"), "*");
    }
    let etag = primary.get("/v1/feed.json").header("etag").to_owned();
    assert_eq!(
        mirror
            .get_with("/v1/feed.json", &[("if-none-match", &etag)])
            .status,
        304
    );
    for path in ["/v1/root.json", "/index.nl.html", "/feed.atom"] {
        assert_eq!(mirror.get(path).body, primary.get(path).body, "{path}");
    }
    let page = mirror.get_with("/", &[("accept-language", "nl")]).text();
    assert!(page.contains("PIN-controle werkt niet"), "{page}");
    // A replica has no admin API (and so no description of one).
    assert_eq!(mirror.get_auth("/v1/admin/whoami", &token).status, 404);
    assert_eq!(mirror.get("/v1/openapi.json").status, 404);

    // The primary dies; the mirror keeps serving its last good copy.
    let before = mirror.get("/v1/feed.json").body;
    primary.kill_9();
    let failed = metric(&mirror, "notice_mirror_polls_total{result=\"failed\"}");
    wait_for("a failed poll after the primary died", || {
        metric(&mirror, "notice_mirror_polls_total{result=\"failed\"}") > failed
    });
    let after = mirror.get("/v1/feed.json");
    assert_eq!(after.status, 200);
    assert_eq!(after.body, before);
    let health = mirror.get("/healthz");
    assert_eq!(health.status, 200);
    assert_eq!(health.json()["feed_version"], expected);
}

#[test]
fn the_mirror_never_serves_a_lower_version_than_it_has_seen_even_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let state = tempfile::tempdir().unwrap();
    let root = dir.path().join("root.json");
    let token = init(dir.path());
    let mut primary = Server::start(dir.path(), &[]);
    let version_1 = primary.get("/v1/feed.json").body;
    assert_eq!(
        primary
            .post("/v1/admin/notices", &token, &outage("Down"))
            .status,
        201
    );
    let version_2 = primary.get("/v1/feed.json").body;

    let mut mirror = Server::mirror(primary.base(), &root, state.path());
    wait_for("the mirror to see version 2", || {
        version(&mirror.get("/v1/feed.json")) == Some(2)
    });

    // Something else takes the primary's address and serves the older, validly signed version 1.
    let address = primary.base().trim_start_matches("http://").to_owned();
    primary.kill_9();
    let stale = StaticHost::bind(&address, version_1);
    wait_for("the mirror to poll the stale upstream", || {
        stale.requests() >= 3
    });
    assert_eq!(mirror.get("/v1/feed.json").body, version_2);
    assert!(metric(&mirror, "notice_mirror_polls_total{result=\"failed\"}") >= 1);

    // Restarted, it serves version 2 from its state directory at once and still refuses version 1.
    mirror.kill_9();
    let upstream = format!("http://{address}");
    let mirror = Server::mirror(&upstream, &root, state.path());
    assert_eq!(mirror.get("/v1/feed.json").body, version_2);
    let seen = stale.requests();
    wait_for("the restarted mirror to poll the stale upstream", || {
        stale.requests() >= seen + 2
    });
    let served = mirror.get("/v1/feed.json");
    assert_eq!(served.body, version_2);
    assert_eq!(version(&served), Some(2));

    // With the document gone but the floor kept, it serves nothing rather than the lower version.
    let mut mirror = mirror;
    mirror.kill_9();
    std::fs::remove_file(state.path().join("document.json")).unwrap();
    let mirror = Server::mirror(&upstream, &root, state.path());
    let seen = stale.requests();
    wait_for("polls without a document", || stale.requests() >= seen + 2);
    let reply = mirror.get("/v1/feed.json");
    assert_eq!(reply.status, 503, "{}", reply.text());
    assert_eq!(reply.json()["error"]["code"], "unavailable");
    assert_eq!(mirror.get("/healthz").status, 503);
}

#[test]
fn a_mirror_without_a_usable_root_refuses_to_start_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let output = server::cli(
        dir.path(),
        &[
            "mirror",
            "--upstream",
            "http://127.0.0.1:9",
            "--root",
            "/nonexistent/root.json",
        ],
    );
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("cannot read the root file"), "{stderr}");
    std::fs::write(dir.path().join("root.json"), b"{}").unwrap();
    let output = server::cli(
        dir.path(),
        &[
            "mirror",
            "--upstream",
            "http://example.org",
            "--root",
            dir.path().join("root.json").to_str().unwrap(),
        ],
    );
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("not a valid root document"));
}

/// A break-glass document made from `last` with the data directory's feed key.
fn break_glass(dir: &Path, last: &[u8], draft: Draft) -> Vec<u8> {
    let trusted =
        TrustedRoot::from_envelope_bytes(&std::fs::read(dir.join("root.json")).unwrap()).unwrap();
    let (root, feed) = offline::open_last_known(last, &trusted).unwrap();
    let write =
        offline::apply(&feed, &root, draft, now(), &OfflineOptions::default(), || 1).unwrap();
    let key = notice_server::read_key(&dir.join("feed-key.pem")).unwrap();
    offline::sign(last, &trusted, &write.feed, &[&key]).unwrap()
}

#[test]
fn notice_server_ingest_takes_a_break_glass_document_before_serve_starts() {
    let dir = tempfile::tempdir().unwrap();
    let token = init(dir.path());
    let mut server = Server::start(dir.path(), &[]);
    let created = server.post("/v1/admin/notices", &token, &outage("Down"));
    let id = created.json()["notice"]["id"].as_str().unwrap().to_owned();
    let last = server.get("/v1/feed.json").body;
    server.terminate();

    let update = serde_json::from_value(
        json!({"status": "identified", "message": {"en": "Found the cause."}}),
    )
    .unwrap();
    let document = break_glass(
        dir.path(),
        &last,
        Draft::Change {
            id: NoticeId::parse(&id).unwrap(),
            change: NoticeChange::Update(update),
        },
    );
    let file = dir.path().join("break-glass.json");
    std::fs::write(&file, &document).unwrap();
    let output = server::cli(dir.path(), &["ingest", file.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("ingested feed version 1002 (the server was at 2)"),
        "{stdout}"
    );
    assert!(stdout.contains(&id), "{stdout}");

    let server = Server::start(dir.path(), &[]);
    assert_eq!(
        server.get("/v1/feed.json").body,
        document,
        "served byte for byte"
    );
    let next = server.post(&format!("/v1/admin/notices/{id}/resolve"), &token, "");
    assert_eq!(next.json()["feed_version"], 1003);

    // Ingesting it again is refused with a one-line message naming both versions.
    let output = server::cli(dir.path(), &["ingest", file.to_str().unwrap()]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("document version 1002 is not above the server's latest version 1003"),
        "{stderr}"
    );
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");

    // The admin API route does the same on the running server.
    let again = server.post_bytes("/v1/admin/ingest", &token, &document);
    assert_eq!(again.status, 409);
    assert_eq!(again.json()["error"]["code"], "conflict");
}
