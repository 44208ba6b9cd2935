//! `notice-server mirror` and `notice-server ingest` as real processes on loopback.

use std::path::Path;
use std::time::Duration;

use notice_publish::NoticeChange;
use notice_publish::breakglass::{self as offline, Draft, OfflineOptions};
use notice_tests::{
    Answer, FakeMirror, Fetched, Loopback as _, TestMirror, notice_server, now, poll_until,
};
use notice_types::{NoticeId, TrustedRoot};
use serde_json::json;

use crate::{e2e, outage, stderr, stdout};

/// How long a test waits for the mirror to poll and follow its upstream.
const FOLLOW: Duration = Duration::from_secs(30);

fn version(reply: &Fetched) -> Option<u64> {
    (reply.status == 200)
        .then(|| reply.expect_header("x-notice-feed-version").parse().ok())
        .flatten()
}

fn failed_polls(mirror: &TestMirror) -> u64 {
    mirror
        .get("/metrics")
        .text()
        .lines()
        .find_map(|l| l.strip_prefix("notice_mirror_polls_total{result=\"failed\"}"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0)
}

#[test]
fn the_mirror_serves_the_primary_bytes_and_etags_and_outlives_the_primary() {
    let mut primary = e2e().start();
    let token = primary.token().to_owned();
    let mut body: serde_json::Value = serde_json::from_str(&outage("PIN check is down")).unwrap();
    body["title"]["nl"] = json!("PIN-controle werkt niet");
    body["body"]["nl"] = json!("We werken eraan.");
    let created = primary.post("/v1/admin/notices", &token, body.to_string());
    assert_eq!(created.status, 201, "{}", created.text());
    let expected = created.json()["feed_version"].as_u64().unwrap();

    let mirror = TestMirror::start(&primary.url(), &primary.root_path());
    poll_until("the mirror to serve the primary's version", FOLLOW, || {
        (version(&mirror.get("/v1/feed.json")) == Some(expected)).then_some(())
    });
    for accept in ["identity", "gzip", "br"] {
        let from_primary = primary.get_with("/v1/feed.json", &[("accept-encoding", accept)]);
        let from_mirror = mirror.get_with("/v1/feed.json", &[("accept-encoding", accept)]);
        assert_eq!(from_mirror.body, from_primary.body, "{accept}: same bytes");
        for header in ["etag", "cache-control", "content-type", "vary"] {
            assert_eq!(
                from_mirror.expect_header(header),
                from_primary.expect_header(header),
                "{accept}: {header}"
            );
        }
        assert_eq!(
            from_mirror.expect_header("access-control-allow-origin"),
            "*"
        );
    }
    let etag = primary
        .get("/v1/feed.json")
        .expect_header("etag")
        .to_owned();
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
    primary.kill9();
    let failed = failed_polls(&mirror);
    poll_until("a failed poll after the primary died", FOLLOW, || {
        (failed_polls(&mirror) > failed).then_some(())
    });
    let after = mirror.get("/v1/feed.json");
    assert_eq!(after.status, 200);
    assert_eq!(after.body, before);
    let health = mirror.get("/healthz");
    assert_eq!(health.status, 200);
    assert_eq!(health.json()["feed_version"], expected);
}

#[test]
fn a_fresh_mirror_serves_its_first_pages_in_the_feeds_language() {
    let primary = e2e().serve_args(["--site-lang", "nl"]).start();
    let version = version(&primary.get("/v1/feed.json")).unwrap();
    // Nothing has been rendered on the mirror before each first request: each is its first page of that
    // kind, and the mirror's own default (English) must not leak into any of them.
    for path in ["/index.html", "/history.html", "/", "/feed.atom"] {
        let mirror = TestMirror::start(&primary.url(), &primary.root_path());
        poll_until("the mirror to serve the primary's version", FOLLOW, || {
            (version_of_mirror(&mirror) == Some(version)).then_some(())
        });
        let first = mirror.get(path);
        assert_eq!(first.status, 200, "{path}");
        assert_eq!(first.expect_header("content-language"), "nl", "{path}");
        if path != "/feed.atom" {
            assert!(first.text().contains("<html lang=\"nl\">"), "{path}");
        }
    }
}

/// The version a mirror serves, read from the feed's header (not from a page, which would render one).
fn version_of_mirror(mirror: &TestMirror) -> Option<u64> {
    version(&mirror.get("/v1/feed.json"))
}

#[test]
fn the_mirror_never_serves_a_lower_version_than_it_has_seen_even_after_a_restart() {
    let mut primary = e2e().start();
    let version_1 = primary.get("/v1/feed.json").body;
    assert_eq!(
        primary
            .post("/v1/admin/notices", primary.token(), outage("Down"))
            .status,
        201
    );
    let version_2 = primary.get("/v1/feed.json").body;

    let mut mirror = TestMirror::start(&primary.url(), &primary.root_path());
    poll_until("the mirror to see version 2", FOLLOW, || {
        (version(&mirror.get("/v1/feed.json")) == Some(2)).then_some(())
    });

    // Something else takes the primary's address and serves the older, validly signed version 1.
    let address = primary.addr().to_string();
    primary.kill9();
    let stale = FakeMirror::bind(&address, Answer::Bytes(version_1));
    poll_until("the mirror to poll the stale upstream", FOLLOW, || {
        (stale.requests().len() >= 3).then_some(())
    });
    assert_eq!(mirror.get("/v1/feed.json").body, version_2);
    assert!(failed_polls(&mirror) >= 1);

    // Restarted, it serves version 2 from its state directory at once and still refuses version 1.
    mirror.restart();
    assert_eq!(mirror.get("/v1/feed.json").body, version_2);
    let seen = stale.requests().len();
    poll_until(
        "the restarted mirror to poll the stale upstream",
        FOLLOW,
        || (stale.requests().len() >= seen + 2).then_some(()),
    );
    let served = mirror.get("/v1/feed.json");
    assert_eq!(served.body, version_2);
    assert_eq!(version(&served), Some(2));

    // With the document gone but the floor kept, it serves nothing rather than the lower version.
    mirror.kill9();
    std::fs::remove_file(mirror.state_dir().join("document.json")).unwrap();
    mirror.restart();
    let seen = stale.requests().len();
    poll_until("polls without a document", FOLLOW, || {
        (stale.requests().len() >= seen + 2).then_some(())
    });
    let reply = mirror.get("/v1/feed.json");
    assert_eq!(reply.status, 503, "{}", reply.text());
    assert_eq!(reply.json()["error"]["code"], "unavailable");
    assert_eq!(mirror.get("/healthz").status, 503);
}

#[test]
fn a_mirror_given_another_setups_state_directory_serves_only_what_its_own_root_verifies() {
    // Two setups of one feed id (as every development setup is `notice/dev`), each with its own keys; A is
    // at version 3, B at 1.
    let a = e2e().start();
    for title in ["One", "Two"] {
        assert_eq!(
            a.post("/v1/admin/notices", a.token(), outage(title)).status,
            201
        );
    }
    let mut mirror_of_a = TestMirror::start(&a.url(), &a.root_path());
    poll_until("the mirror of A to see version 3", FOLLOW, || {
        (version_of_mirror(&mirror_of_a) == Some(3)).then_some(())
    });
    mirror_of_a.kill9();

    let b = e2e().start();
    let mut mirror_of_b = TestMirror::start(&b.url(), &b.root_path());
    poll_until("the mirror of B to see version 1", FOLLOW, || {
        (version_of_mirror(&mirror_of_b) == Some(1)).then_some(())
    });
    // The operator points B's mirror at the state directory A's mirror left.
    mirror_of_b.kill9();
    for file in ["state.json", "floor.json", "document.json"] {
        std::fs::copy(
            mirror_of_a.state_dir().join(file),
            mirror_of_b.state_dir().join(file),
        )
        .unwrap();
    }
    mirror_of_b.restart();

    let trusted = TrustedRoot::from_envelope_bytes(&std::fs::read(b.root_path()).unwrap()).unwrap();
    let served = mirror_of_b.get("/v1/feed.json");
    if served.status == 200 {
        notice_types::dangerous_verify_ignoring_freshness(&served.body, &trusted)
            .expect("whatever B's mirror serves verifies under B's root");
    }
    // A's floor (version 3) does not hold B's feed back: B's version 1 is served again.
    poll_until("B's mirror to serve B's feed", FOLLOW, || {
        (version_of_mirror(&mirror_of_b) == Some(1)).then_some(())
    });
    let served = mirror_of_b.get("/v1/feed.json");
    notice_types::dangerous_verify_ignoring_freshness(&served.body, &trusted).unwrap();
    let log = mirror_of_b.log();
    assert!(log.contains("state_for_other_root"), "{log}");
}

#[test]
fn a_mirror_without_a_usable_root_refuses_to_start_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().to_str().unwrap();
    let output = notice_server([
        "--data-dir",
        data_dir,
        "mirror",
        "--upstream",
        "http://127.0.0.1:9",
        "--root",
        "/nonexistent/root.json",
    ]);
    assert!(!output.status.success());
    let stderr = stderr(&output);
    assert!(stderr.contains("cannot read the root file"), "{stderr}");
    let root = dir.path().join("root.json");
    std::fs::write(&root, b"{}").unwrap();
    let output = notice_server([
        "--data-dir",
        data_dir,
        "mirror",
        "--upstream",
        "http://example.org",
        "--root",
        root.to_str().unwrap(),
    ]);
    assert!(!output.status.success());
    assert!(crate::stderr(&output).contains("not a valid root document"));
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
    let mut server = e2e().start();
    let token = server.token().to_owned();
    let created = server.post("/v1/admin/notices", &token, outage("Down"));
    let id = created.json()["notice"]["id"].as_str().unwrap().to_owned();
    let last = server.get("/v1/feed.json").body;
    server.terminate();

    let update = serde_json::from_value(
        json!({"status": "identified", "message": {"en": "Found the cause."}}),
    )
    .unwrap();
    let document = break_glass(
        server.data_dir(),
        &last,
        Draft::Change {
            id: NoticeId::parse(&id).unwrap(),
            change: NoticeChange::Update(update),
        },
    );
    let file = server.data_dir().join("break-glass.json");
    std::fs::write(&file, &document).unwrap();
    let output = server.run(["ingest".as_ref(), file.as_os_str()]);
    let stdout = stdout(&output);
    assert!(output.status.success(), "{stdout}{}", stderr(&output));
    assert!(
        stdout.contains("ingested feed version 1002 (the server was at 2)"),
        "{stdout}"
    );
    assert!(stdout.contains(&id), "{stdout}");

    server.restart();
    assert_eq!(
        server.get("/v1/feed.json").body,
        document,
        "served byte for byte"
    );
    let next = server.post(&format!("/v1/admin/notices/{id}/resolve"), &token, "");
    assert_eq!(next.json()["feed_version"], 1003);

    // Ingesting it again is refused with a one-line message naming both versions.
    let output = server.run(["ingest".as_ref(), file.as_os_str()]);
    assert!(!output.status.success());
    let stderr = stderr(&output);
    assert!(
        stderr.contains("document version 1002 is not above the server's latest version 1003"),
        "{stderr}"
    );
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");

    // The admin API route does the same on the running server.
    let again = server.post("/v1/admin/ingest", &token, &document);
    assert_eq!(again.status, 409);
    assert_eq!(again.json()["error"]["code"], "conflict");
}

#[test]
fn the_mirror_follows_a_plain_http_upstreams_redirect_on_its_own_host_and_port_only() {
    let primary = e2e().start();
    let document = primary.get("/v1/feed.json").body;
    let moved = |location: String| Answer::Moved {
        path: "/v1/feed.json".to_owned(),
        code: 307,
        location,
        body: document.clone(),
    };
    // To another loopback address: never asked; the mirror has nothing to serve.
    let elsewhere = FakeMirror::bind("127.0.0.2:0", Answer::Bytes(document.clone()));
    let redirecting = FakeMirror::answering(moved(elsewhere.url()));
    let mirror = TestMirror::start(
        &format!("http://{}", redirecting.addr()),
        &primary.root_path(),
    );
    poll_until("two refused polls", FOLLOW, || {
        (failed_polls(&mirror) >= 2).then_some(())
    });
    assert!(
        elsewhere.requests().is_empty(),
        "{:?}",
        elsewhere.requests()
    );
    assert_eq!(mirror.get("/v1/feed.json").status, 503);

    // On the upstream's own host and port: followed, and served.
    let same = FakeMirror::answering(moved("/moved/feed.json".to_owned()));
    let mirror = TestMirror::start(&format!("http://{}", same.addr()), &primary.root_path());
    poll_until(
        "the mirror to serve the redirected document",
        FOLLOW,
        || (mirror.get("/v1/feed.json").body == document).then_some(()),
    );
    assert!(
        same.requests()
            .iter()
            .any(|r| r.starts_with("GET /moved/feed.json ")),
        "{:?}",
        same.requests()
    );
}
