//! The database is lost and there is no backup: the keys and a mirror's copy of the last published document
//! bring the origin back, and phones that saw later versions than that copy accept what it publishes next.

use notice_client::RefreshOutcome;
use notice_tests::{NoticeCommand, OutputExt as _, TestMirror, TestServer, poll_until};
use notice_types::TrustedRoot;
use std::time::Duration;

mod phone;
use phone::{Phone, served_version};

const FOLLOW: Duration = Duration::from_secs(30);

/// Posts an outage `id` through `cli` and returns the feed version of the answer.
fn post(cli: NoticeCommand, id: &str) -> u64 {
    let out = cli
        .args([
            "post",
            "--yes",
            "--json",
            "--severity",
            "outage",
            "--id",
            id,
        ])
        .args([
            "--title",
            "Something is down",
            "--body",
            "We are working on it.",
        ])
        .output();
    out.assert_code(0);
    let answer: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    answer["feed_version"].as_u64().unwrap()
}

#[test]
fn a_lost_database_comes_back_from_a_mirrors_copy_and_the_keys_and_phones_accept_what_follows() {
    let mut origin = TestServer::start();
    let root = std::fs::read(origin.root_path()).unwrap();
    let trusted = TrustedRoot::from_envelope_bytes(&root).unwrap();
    let mut mirror = TestMirror::start(&origin.url(), &origin.root_path());
    let origin_feed = format!("{}/v1/feed.json", origin.url());
    let mirror_feed = format!("{}/v1/feed.json", mirror.url());
    let phone = Phone::new(
        origin.feed_id(),
        &root,
        &[origin_feed.clone(), mirror_feed.clone()],
        "en",
    );

    // The mirror copies the first notice; the phone sees a later version than the mirror ever will.
    let copied = post(origin.notice(), "pin-down");
    poll_until("the mirror to copy the first notice", FOLLOW, || {
        (served_version(&mirror_feed, &trusted) == Some(copied)).then_some(())
    });
    mirror.kill9();
    let seen = post(origin.notice(), "slow-login");
    assert_eq!(phone.refresh(), RefreshOutcome::Updated { version: seen });

    // The disk with the database dies; the keys were backed up apart and copied back in.
    origin.kill9();
    for file in ["notice.db", "notice.db-wal", "notice.db-shm"] {
        let _ = std::fs::remove_file(origin.data_dir().join(file));
    }
    let refused = origin.run(["serve", "--listen", "127.0.0.1:0"]);
    assert!(!refused.status.success());
    let message = String::from_utf8_lossy(&refused.stderr).into_owned();
    assert!(
        message.contains("no database") && message.contains("notice-server recover"),
        "serve says how to get it back: {message}"
    );

    // The mirror still serves its copy; recover from it with the keys in the data directory.
    mirror.restart();
    let recovered = origin.run(["recover", "--from", &mirror_feed]);
    let report = String::from_utf8_lossy(&recovered.stdout).into_owned();
    assert!(
        recovered.status.success(),
        "{report}{}",
        String::from_utf8_lossy(&recovered.stderr)
    );
    assert!(
        report.contains(&format!("back at feed version {copied}")),
        "{report}"
    );
    let token = report
        .lines()
        .find(|l| l.contains("new admin token"))
        .and_then(|l| l.split_whitespace().last())
        .unwrap_or_else(|| panic!("no new admin token in:\n{report}"))
        .to_owned();
    origin.restart();
    assert_eq!(
        served_version(&origin_feed, &trusted),
        Some(copied),
        "it serves the copy it came back from"
    );

    // Its next change jumps ahead of anything phones may have seen since the copy was made.
    let next = post(
        NoticeCommand::new().server(&origin.url(), &token),
        "back-soon",
    );
    assert!(next > seen, "version {next} after {seen} seen by phones");
    assert_eq!(phone.refresh(), RefreshOutcome::Updated { version: next });
    assert_eq!(
        phone.error_of(&origin_feed),
        None,
        "no rollback: {:#?}",
        phone.status()
    );
    let shown: Vec<String> = phone.shown_all().into_iter().map(|n| n.0).collect();
    assert!(
        shown.contains(&"pin-down".to_owned()) && shown.contains(&"back-soon".to_owned()),
        "the copy's notices and the new one: {shown:?}"
    );
}
