//! Copies on other providers that are never behind: the origin publishes every version to an S3-compatible
//! bucket (a real one, s3s-fs, on loopback) and a directory; phones read the bucket's HTTP URL; break-glass
//! goes straight into the bucket; the origin takes a copy that is ahead in on its own; one failing target
//! never holds up the rest; a mirror follows several upstreams.

use std::path::Path;
use std::time::Duration;

use notice_client::RefreshOutcome;
use notice_tests::{
    Loopback as _, NoticeCommand, OutputExt as _, S3Store, TestMirror, TestServer, get, poll_until,
};
use notice_types::{Status as NoticeStatus, TrustedRoot};
use serde_json::Value;

mod phone;
use phone::{Phone, served_version};

/// How long a copy may take to catch up: an upload after a write, a retry after a store came back (the
/// backoff is at most a few seconds this early), debug builds on a busy machine.
const CATCH_UP: Duration = Duration::from_secs(60);
/// The prefix the origin publishes under in its bucket.
const PREFIX: &str = "yivi";

/// `--copy-check-interval` for the tests' servers: a copy that is ahead is noticed within a second.
const CHECK_EVERY: [&str; 2] = ["--copy-check-interval", "1s"];

fn json(out: &std::process::Output) -> Value {
    out.assert_code(0);
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

/// Posts an outage `id` titled `title` and returns the feed version of the answer.
fn post(server: &TestServer, id: &str, title: &str) -> u64 {
    let out = server
        .notice()
        .args([
            "post",
            "--yes",
            "--json",
            "--severity",
            "outage",
            "--id",
            id,
        ])
        .args(["--title", title, "--body", "We are working on it."])
        .output();
    json(&out)["feed_version"].as_u64().unwrap()
}

/// A break-glass update to notice `id`, signed with the stopped origin's feed key and written straight
/// into `target` (its last-known document comes from there too); returns the new version.
fn break_glass(origin: &TestServer, id: &str, message: &str, target: &str) -> u64 {
    let out = NoticeCommand::new()
        .args([
            "update",
            id,
            "--offline",
            "--json",
            "--status",
            "identified",
        ])
        .args(["--message", message])
        .arg("--feed-key")
        .arg(origin.data_dir().join("feed-key.pem"))
        .arg("--root")
        .arg(origin.root_path())
        .args(["--to", target])
        .output();
    json(&out)["feed_version"].as_u64().unwrap()
}

/// The version the origin serves now.
fn origin_version(origin: &TestServer, trusted: &TrustedRoot) -> Option<u64> {
    served_version(&format!("{}/v1/feed.json", origin.url()), trusted)
}

/// The version of the `feed.json` in directory `dir`, if it verifies.
fn dir_version(dir: &Path, trusted: &TrustedRoot) -> Option<u64> {
    let bytes = std::fs::read(dir.join("feed.json")).ok()?;
    notice_types::dangerous_verify_ignoring_freshness(&bytes, trusted)
        .ok()
        .map(|(_, feed)| feed.version)
}

fn trusted(server: &TestServer) -> TrustedRoot {
    TrustedRoot::from_envelope_bytes(&std::fs::read(server.root_path()).unwrap()).unwrap()
}

#[test]
fn the_drill_through_a_bucket_break_glass_and_back_never_rolls_back() {
    let store = S3Store::start("status");
    let dir = tempfile::tempdir().unwrap();
    let mut origin = TestServer::builder()
        .serve_args(["--publish-to", &store.target(PREFIX), "--publish-to"])
        .serve_args([dir.path()])
        .serve_args(CHECK_EVERY)
        .start();
    let trusted = trusted(&origin);
    let root = std::fs::read(origin.root_path()).unwrap();
    let bucket_feed = format!("{}/v1/feed.json", store.bucket_url(PREFIX));
    // The phone knows only the bucket (behind a CDN in production).
    let phone = Phone::new(
        origin.feed_id(),
        &root,
        std::slice::from_ref(&bucket_feed),
        "en",
    );

    // 1. Each new notice reaches the bucket, and the phone reading it, without anyone exporting anything.
    let first = post(&origin, "pin-down", "PIN validation is down");
    poll_until(
        "the phone to read the first notice from the bucket",
        CATCH_UP,
        || (phone.refreshed_version() == Some(first)).then_some(()),
    );
    let second = post(&origin, "slow-login", "Logging in is slow");
    poll_until(
        "the phone to read the second notice from the bucket",
        CATCH_UP,
        || (phone.refreshed_version() == Some(second)).then_some(()),
    );
    assert_eq!(phone.shown_all().len(), 2, "{:#?}", phone.shown_all());
    poll_until(
        "the directory target to hold the second version",
        CATCH_UP,
        || (dir_version(dir.path(), &trusted) == Some(second)).then_some(()),
    );
    assert_the_bucket_holds_what_the_origin_serves(&store, &origin);

    // 2. The origin's data center goes dark; break-glass goes straight into the bucket.
    origin.kill9();
    let offline = break_glass(
        &origin,
        "pin-down",
        "Cause found: a failed disk.",
        &store.target(PREFIX),
    );
    assert!(
        offline > second,
        "break-glass version {offline} after {second}"
    );
    assert_eq!(
        phone.refresh(),
        RefreshOutcome::Updated { version: offline }
    );
    let pin = phone
        .shown_all()
        .into_iter()
        .find(|n| n.0 == "pin-down")
        .unwrap();
    assert_eq!(pin.2, NoticeStatus::Identified);

    // 3. The origin comes back and takes the bucket's document in by itself: no `notice ingest`.
    origin.restart();
    poll_until(
        "the origin to take in the break-glass document",
        CATCH_UP,
        || {
            origin_version(&origin, &trusted)
                .is_some_and(|v| v >= offline)
                .then_some(())
        },
    );
    let shown = json(
        &origin
            .notice()
            .args(["show", "pin-down", "--json"])
            .output(),
    );
    assert_eq!(shown["notice"]["status"], "identified", "{shown:#}");

    // 4. Its next change is above the break-glass version, reaches the bucket, and the phone takes it.
    let out = origin
        .notice()
        .args(["update", "pin-down", "--json", "--status", "monitoring"])
        .args(["--message", "Fixed. We are keeping an eye on it."])
        .output();
    let back = json(&out)["feed_version"].as_u64().unwrap();
    assert!(back > offline, "version {back} after break-glass {offline}");
    poll_until(
        "the phone to read the origin's change from the bucket",
        CATCH_UP,
        || (phone.refreshed_version() == Some(back)).then_some(()),
    );
    assert_eq!(
        phone.error_of(&bucket_feed),
        None,
        "no rollback: {:#?}",
        phone.status()
    );
    let pin = phone
        .shown_all()
        .into_iter()
        .find(|n| n.0 == "pin-down")
        .unwrap();
    assert_eq!(pin.2, NoticeStatus::Monitoring);
    poll_until("the directory target to follow", CATCH_UP, || {
        (dir_version(dir.path(), &trusted) == Some(back)).then_some(())
    });
}

/// Every file of the export is in the bucket with the bytes, Content-Type and Cache-Control the origin
/// serves.
fn assert_the_bucket_holds_what_the_origin_serves(store: &S3Store, origin: &TestServer) {
    let bucket = store.bucket_url(PREFIX);
    for (object, served) in [
        ("v1/feed.json", "/v1/feed.json"),
        ("feed.json", "/v1/feed.json"),
        ("v1/root.json", "/v1/root.json"),
        ("feed.atom", "/feed.atom"),
        ("index.en.html", "/?lang=en"),
    ] {
        let copy = get(&format!("{bucket}/{object}"));
        let original = origin.get(served);
        assert_eq!(copy.status, 200, "{object}");
        if object.ends_with(".json") {
            assert_eq!(
                copy.body, original.body,
                "{object}: the same bytes as {served}"
            );
        }
        for header in ["content-type", "cache-control"] {
            assert_eq!(
                copy.header(header),
                original.header(header),
                "{object}: {header} as the origin sends it"
            );
        }
    }
}

#[test]
fn a_notice_resolved_while_the_bucket_was_unreadable_stays_resolved() {
    let mut store = S3Store::start("status");
    let mut origin = TestServer::builder()
        .serve_args(["--publish-to", &store.target(PREFIX)])
        .serve_args(CHECK_EVERY)
        .start();
    let trusted = trusted(&origin);
    let bucket_feed = format!("{}/v1/feed.json", store.bucket_url(PREFIX));
    post(&origin, "pin-down", "PIN validation is down");
    let before = post(&origin, "slow-login", "Logging in is slow");
    // The top-level feed.json: a copy is written with it last, and break-glass reads it. (Waiting on
    // v1/feed.json and then killing the origin could leave feed.json a version behind, and the break-glass
    // document would then be built from the version without slow-login.)
    let bucket_top = format!("{}/feed.json", store.bucket_url(PREFIX));
    poll_until("the bucket to hold both notices", CATCH_UP, || {
        (served_version(&bucket_top, &trusted) == Some(before)).then_some(())
    });

    // Break-glass while the origin is down: the document still has slow-login open.
    origin.kill9();
    let offline = break_glass(&origin, "pin-down", "Cause found.", &store.target(PREFIX));

    // The origin comes back while the bucket's provider has trouble; someone resolves slow-login.
    store.stop();
    origin.restart();
    let out = origin
        .notice()
        .args([
            "resolve",
            "slow-login",
            "--json",
            "--message",
            "Back to normal.",
        ])
        .output();
    let resolved = json(&out);
    let warnings = resolved["warnings"].to_string();
    assert!(
        warnings.contains("s3://status/yivi"),
        "the answer says which copy it could not read: {resolved:#}"
    );

    // The bucket comes back: the origin finds the break-glass document and takes it in, without reopening
    // what was resolved after it was signed, and publishes above it.
    store.restart();
    poll_until(
        "the origin to take in the break-glass document",
        CATCH_UP,
        || {
            origin_version(&origin, &trusted)
                .is_some_and(|v| v > offline)
                .then_some(())
        },
    );
    let list = json(&origin.notice().args(["list", "--all", "--json"]).output());
    let state_of = |id: &str| {
        list["notices"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["notice"]["id"] == id)
            .map(|n| (n["state"].clone(), n["notice"]["status"].clone()))
            .unwrap_or_else(|| panic!("{id} not listed: {list:#}"))
    };
    assert_eq!(state_of("slow-login").0, "resolved", "{list:#}");
    assert_eq!(state_of("pin-down").1, "identified", "{list:#}");

    // A phone reading the bucket sees the merged result, above the break-glass version.
    let root = std::fs::read(origin.root_path()).unwrap();
    let phone = Phone::new(
        origin.feed_id(),
        &root,
        std::slice::from_ref(&bucket_feed),
        "en",
    );
    poll_until("the bucket to hold the merged version", CATCH_UP, || {
        phone
            .refreshed_version()
            .is_some_and(|v| v > offline)
            .then_some(())
    });
    let shown = phone.shown_all();
    assert!(shown.iter().all(|n| n.0 != "slow-login"), "{shown:#?}");
    assert!(
        shown
            .iter()
            .any(|n| n.0 == "pin-down" && n.2 == NoticeStatus::Identified),
        "{shown:#?}"
    );
}

#[test]
fn a_failing_target_leaves_the_origin_and_the_other_targets_working() {
    let mut open = S3Store::start("open");
    let locked = S3Store::start_with_keys("locked", "AKNOTICETEST", "the-right-secret");
    let dir = tempfile::tempdir().unwrap();
    let aws = tempfile::tempdir().unwrap();
    let credentials = aws.path().join("credentials");
    std::fs::write(
        &credentials,
        "[ops]\naws_access_key_id = AKNOTICETEST\naws_secret_access_key = a-wrong-secret\n",
    )
    .unwrap();
    let locked_target = format!("{}&profile=ops", locked.target("b"));
    let origin = TestServer::builder()
        .env("AWS_SHARED_CREDENTIALS_FILE", &credentials)
        .env("AWS_CONFIG_FILE", aws.path().join("config"))
        .serve_args([
            "--publish-to",
            &open.target("a"),
            "--publish-to",
            &locked_target,
        ])
        .serve_args(["--publish-to"])
        .serve_args([dir.path()])
        .start();
    let trusted = trusted(&origin);
    let open_feed = format!("{}/v1/feed.json", open.bucket_url("a"));

    // Wrong credentials on one bucket: the origin, the other bucket and the directory carry on.
    let first = post(&origin, "pin-down", "PIN validation is down");
    assert_eq!(origin_version(&origin, &trusted), Some(first));
    poll_until(
        "the open bucket and the directory to hold it",
        CATCH_UP,
        || {
            (served_version(&open_feed, &trusted) == Some(first)
                && dir_version(dir.path(), &trusted) == Some(first))
            .then_some(())
        },
    );
    assert!(!locked.object_path("b/v1/feed.json").exists());
    let metrics = poll_until("the locked bucket to show as down", CATCH_UP, || {
        let text = String::from_utf8(origin.get("/metrics").body).unwrap();
        (metric(&text, "notice_copy_up", "s3://locked/b") == Some(0.0)
            && metric(&text, "notice_copy_failures_total", "s3://locked/b").unwrap_or(0.0) >= 1.0)
            .then_some(text)
    });
    assert_eq!(metric(&metrics, "notice_copy_up", "s3://open/a"), Some(1.0));
    assert_eq!(
        metric(&metrics, "notice_copy_version", "s3://open/a"),
        Some(first as f64)
    );
    let status = origin.notice().arg("status").output();
    status.assert_code(0);
    let text = status.stdout_text();
    let locked_line = text
        .lines()
        .find(|l| l.contains("s3://locked/b"))
        .unwrap_or_else(|| panic!("no line for the locked bucket:\n{text}"));
    assert!(
        locked_line.contains("FAILING") && locked_line.contains("credentials"),
        "{locked_line}"
    );
    assert!(
        text.lines()
            .any(|l| l.contains("s3://open/a") && l.contains("current")),
        "{text}"
    );
    assert!(
        origin.log().contains("s3://locked/b"),
        "the server's log names the failing target"
    );
    assert!(
        !origin.log().contains("a-wrong-secret") && !text.contains("a-wrong-secret"),
        "no secret in logs or output"
    );

    // A stopped store: writes still succeed; the store gets the version once it is back.
    open.stop();
    let second = post(&origin, "slow-login", "Logging in is slow");
    assert_eq!(origin_version(&origin, &trusted), Some(second));
    poll_until("the directory to hold the second version", CATCH_UP, || {
        (dir_version(dir.path(), &trusted) == Some(second)).then_some(())
    });
    poll_until("the stopped bucket to show as down", CATCH_UP, || {
        let text = String::from_utf8(origin.get("/metrics").body).unwrap();
        (metric(&text, "notice_copy_up", "s3://open/a") == Some(0.0)).then_some(())
    });
    open.restart();
    poll_until("the bucket to catch up once it is back", CATCH_UP, || {
        (served_version(&open_feed, &trusted) == Some(second)).then_some(())
    });
}

/// The value of `name{…target="TARGET"…}` in a Prometheus text exposition.
fn metric(text: &str, name: &str, target: &str) -> Option<f64> {
    let label = format!("target=\"{target}\"");
    text.lines()
        .filter(|l| l.starts_with(&format!("{name}{{")) && l.contains(&label))
        .find_map(|l| l.rsplit(' ').next()?.parse().ok())
}

#[test]
fn a_mirror_with_two_upstreams_serves_the_higher_valid_version() {
    let store = S3Store::start("status");
    let mut origin = TestServer::builder()
        .serve_args(["--publish-to", &store.target(PREFIX)])
        .start();
    let trusted = trusted(&origin);
    let bucket = store.bucket_url(PREFIX);
    let first = post(&origin, "pin-down", "PIN validation is down");
    poll_until("the bucket to hold the first version", CATCH_UP, || {
        (served_version(&format!("{bucket}/v1/feed.json"), &trusted) == Some(first)).then_some(())
    });
    let mirror = TestMirror::start_with_upstreams(&[&origin.url(), &bucket], &origin.root_path());
    let mirror_feed = format!("{}/v1/feed.json", mirror.url());
    poll_until("the mirror to serve the first version", CATCH_UP, || {
        (served_version(&mirror_feed, &trusted) == Some(first)).then_some(())
    });

    // The origin dies; break-glass goes into the bucket only. The mirror picks it up from there.
    origin.kill9();
    let offline = break_glass(&origin, "pin-down", "Cause found.", &store.target(PREFIX));
    poll_until(
        "the mirror to serve the break-glass version",
        CATCH_UP,
        || (served_version(&mirror_feed, &trusted) == Some(offline)).then_some(()),
    );
    assert_eq!(
        get(&mirror_feed).body,
        get(&format!("{bucket}/v1/feed.json")).body,
        "the mirror serves the bucket's exact bytes"
    );
}

#[test]
fn a_dry_run_takes_in_nothing_and_the_next_write_does() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().display().to_string();
    // The copies are only looked at before writes: nothing takes the break-glass document in by itself.
    let origin = TestServer::builder()
        .serve_args(["--publish-to", &target, "--copy-check-interval", "1h"])
        .start();
    let trusted = trusted(&origin);
    let first = post(&origin, "pin-down", "PIN validation is down");
    poll_until("the directory to hold the first version", CATCH_UP, || {
        (dir_version(dir.path(), &trusted) == Some(first)).then_some(())
    });
    let offline = break_glass(&origin, "pin-down", "Cause found.", &target);
    assert!(offline > first);

    let dry = origin
        .notice()
        .args(["post", "--yes", "--json", "--dry-run", "--severity", "info"])
        .args(["--title", "A dry run", "--body", "Nothing is stored."])
        .output();
    json(&dry);
    assert_eq!(
        origin_version(&origin, &trusted),
        Some(first),
        "a dry run took the copy's document in"
    );
    assert_eq!(dir_version(dir.path(), &trusted), Some(offline));

    let next = post(&origin, "slow-login", "Logging in is slow");
    assert!(next > offline, "version {next} after break-glass {offline}");
}
