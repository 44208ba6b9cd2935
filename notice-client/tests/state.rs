//! What survives a restart, what corruption does (and does not) do, and what works with the network off.
//! Documents reach the client through `ingest` and mirrors that refuse connections: no server needed.

mod support;

use std::fs;
use std::path::Path;

use tempfile::TempDir;

use notice_client::{Client, ClientError, Freshness, IngestOutcome};
use notice_tests::{FeedOwner, MINUTE, NoticeBuilder, at, refusing};
use notice_types::{Notice, NoticeId, Status};
use support::config;

fn open(owner: &FeedOwner, dir: &Path) -> Client {
    Client::new(config(owner, dir, &[refusing()])).unwrap()
}

/// The state directory a client leaves when the app stops after taking in feed `version` with `notices`
/// at T0.
fn stored(owner: &FeedOwner, version: u64, notices: Vec<Notice>) -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    open(owner, dir.path())
        .ingest(&owner.document(version, notices), at(0))
        .unwrap();
    dir
}

fn problems(client: &Client) -> Vec<(String, String)> {
    client
        .status(at(0))
        .storage_problems
        .into_iter()
        .map(|p| (p.file, p.code))
        .collect()
}

fn id(text: &str) -> NoticeId {
    NoticeId::parse(text).unwrap()
}

#[test]
fn state_survives_a_restart() {
    let owner = FeedOwner::new();
    let dir = tempfile::tempdir().unwrap();
    {
        let client = open(&owner, dir.path());
        let keyshare = NoticeBuilder::outage("keyshare-down").dismissible(true);
        let issuer = NoticeBuilder::outage("issuer-slow").revision(2);
        let notices = vec![keyshare.build(), issuer.dismissible(true).build()];
        client.ingest(&owner.document(3, notices), at(0)).unwrap();
        client.dismiss(&id("issuer-slow"), 2).unwrap();
    }

    let client = open(&owner, dir.path());

    let status = client.status(at(0));
    assert_eq!(status.version, Some(3));
    assert_eq!(status.floor_version, Some(3));
    assert_eq!(status.last_success_at, Some(at(0)));
    assert!(status.storage_problems.is_empty(), "{status:?}");
    let shown = client.notices(at(0));
    let ids: Vec<&str> = shown.notices.iter().map(|n| n.id.as_str()).collect();
    assert_eq!(ids, ["keyshare-down"], "the dismissal was remembered");
    let err = client
        .ingest(&owner.document(2, vec![]), at(0))
        .unwrap_err();
    assert_eq!(err.code(), "rolled_back");
}

#[test]
fn document_gives_the_exact_bytes_last_verified_also_after_a_restart() {
    let owner = FeedOwner::new();
    let dir = tempfile::tempdir().unwrap();
    let first = owner.document(1, vec![NoticeBuilder::outage("keyshare-down").build()]);
    let second = owner.document(2, vec![]);
    {
        let client = open(&owner, dir.path());
        assert_eq!(client.document(), None, "nothing verified yet");
        client.ingest(&first, at(0)).unwrap();
        assert_eq!(client.document().as_deref(), Some(&first[..]));
        client.ingest(&second, at(0)).unwrap();
        // A refused document leaves the last good bytes in place.
        assert!(client.ingest(&first, at(0)).is_err());
        assert_eq!(client.document().as_deref(), Some(&second[..]));
    }
    let client = open(&owner, dir.path());
    assert_eq!(client.document().as_deref(), Some(&second[..]));
}

#[test]
fn offline_start_shows_the_last_good_notices_at_once() {
    let owner = FeedOwner::new();
    let outage = NoticeBuilder::outage("keyshare-down")
        .title(&[
            ("en", "PIN validation is down"),
            ("nl", "PIN-controle werkt niet"),
        ])
        .build();
    let dir = stored(&owner, 1, vec![outage]);

    // Every mirror is down; the app starts and asks for notices before any refresh.
    let client = open(&owner, dir.path());
    let shown = client.notices(at(5 * MINUTE));
    assert_eq!(shown.freshness, Freshness::Fresh);
    assert_eq!(shown.notices.len(), 1);
    assert_eq!(shown.notices[0].title, "PIN-controle werkt niet");

    #[cfg(feature = "https")]
    {
        let err = client.refresh(at(5 * MINUTE)).unwrap_err();
        assert_eq!(err.code(), "all_mirrors_failed");
        assert_eq!(client.notices(at(5 * MINUTE)).notices.len(), 1);
    }
}

#[test]
fn a_maintenance_window_starts_and_ends_with_the_network_off() {
    let owner = FeedOwner::new();
    // Announced from +60 min, runs +120..+180 min; the feed is valid for three days.
    let maintenance = NoticeBuilder::maintenance("db-upgrade")
        .window(60 * MINUTE, 120 * MINUTE, 180 * MINUTE)
        .build();
    let dir = stored(&owner, 1, vec![maintenance]);
    let client = open(&owner, dir.path());

    let status_at = |minutes: i64| -> Option<Status> {
        let shown = client.notices(at(minutes * MINUTE));
        assert!(shown.notices.len() <= 1);
        shown.notices.first().map(|n| n.status)
    };
    assert_eq!(status_at(0), None, "not announced yet");
    assert_eq!(status_at(60), Some(Status::Scheduled));
    assert_eq!(status_at(119), Some(Status::Scheduled));
    assert_eq!(status_at(120), Some(Status::InProgress));
    assert_eq!(status_at(179), Some(Status::InProgress));
    assert_eq!(status_at(180), None, "over");
}

#[test]
fn an_expired_feed_is_shown_as_expired_not_as_current() {
    let owner = FeedOwner::new();
    let dir = tempfile::tempdir().unwrap();
    let client = open(&owner, dir.path());
    client
        .ingest(
            &owner.publish(&owner.feed_at(
                1,
                at(-MINUTE),
                at(60 * MINUTE),
                vec![NoticeBuilder::outage("keyshare-down").build()],
            )),
            at(0),
        )
        .unwrap();

    let shown = client.notices(at(61 * MINUTE));
    assert_eq!(shown.freshness, Freshness::Expired);
    assert_eq!(
        shown.notices.len(),
        1,
        "still the best information there is"
    );
    assert_eq!(client.status(at(61 * MINUTE)).freshness, Freshness::Expired);

    // After a restart the stored copy is still loaded (and still expired).
    drop(client);
    let client = open(&owner, dir.path());
    assert_eq!(
        client.notices(at(61 * MINUTE)).freshness,
        Freshness::Expired
    );
    assert_eq!(client.notices(at(30 * MINUTE)).freshness, Freshness::Fresh);
}

#[test]
fn a_corrupted_state_file_is_reported_and_the_floor_is_kept() {
    let owner = FeedOwner::new();
    let dir = stored(
        &owner,
        3,
        vec![NoticeBuilder::outage("keyshare-down").build()],
    );
    fs::write(dir.path().join("state.json"), b"\x00garbage{{{").unwrap();

    let client = open(&owner, dir.path());

    assert_eq!(
        problems(&client),
        [("state.json".to_owned(), "corrupt".to_owned())]
    );
    assert_eq!(client.status(at(0)).floor_version, Some(3));
    assert_eq!(client.notices(at(0)).notices.len(), 1);
    let err = client
        .ingest(&owner.document(2, vec![]), at(0))
        .unwrap_err();
    assert_eq!(err.code(), "rolled_back");
    // The damaged file was rewritten from the intact copy: the next start is clean.
    drop(client);
    assert!(problems(&open(&owner, dir.path())).is_empty());
}

#[test]
fn a_lowered_floor_in_an_edited_state_file_is_caught_by_its_checksum() {
    let owner = FeedOwner::new();
    let dir = stored(&owner, 7, vec![]);
    // Valid JSON with a lower version: a flipped bit that happens to parse.
    for file in ["state.json", "floor.json"] {
        let path = dir.path().join(file);
        let text = fs::read_to_string(&path).unwrap();
        assert!(text.contains("\"version\": 7"), "{text}");
        fs::write(&path, text.replace("\"version\": 7", "\"version\": 1")).unwrap();
    }
    // And no document to recover the floor from either.
    fs::remove_file(dir.path().join("document.json")).unwrap();

    let client = open(&owner, dir.path());

    let found = problems(&client);
    assert!(
        found.contains(&("state.json".to_owned(), "corrupt".to_owned()))
            && found.contains(&("floor.json".to_owned(), "corrupt".to_owned())),
        "{found:?}"
    );
    // Nothing trustworthy is left: the client starts clean, and says so.
    assert_eq!(client.notices(at(0)).freshness, Freshness::None);
}

#[test]
fn losing_the_state_file_and_the_document_keeps_the_floor_from_the_second_copy() {
    let owner = FeedOwner::new();
    let dir = stored(&owner, 5, vec![]);
    fs::remove_file(dir.path().join("state.json")).unwrap();
    fs::write(dir.path().join("document.json"), b"{\"truncated").unwrap();

    let client = open(&owner, dir.path());

    let found = problems(&client);
    assert!(
        found.contains(&("state.json".to_owned(), "missing".to_owned())),
        "{found:?}"
    );
    assert!(
        found.contains(&("document.json".to_owned(), "malformed_json".to_owned())),
        "{found:?}"
    );
    assert_eq!(client.status(at(0)).floor_version, Some(5));
    assert_eq!(client.notices(at(0)).freshness, Freshness::None);
    assert_eq!(
        client
            .ingest(&owner.document(4, vec![]), at(0))
            .unwrap_err()
            .code(),
        "rolled_back"
    );
    // The same version 5 restores what is shown.
    assert_eq!(
        client.ingest(&owner.document(5, vec![]), at(0)).unwrap(),
        IngestOutcome::Updated { version: 5 }
    );
}

#[test]
fn with_both_state_files_corrupt_the_stored_document_still_sets_the_floor() {
    let owner = FeedOwner::new();
    let dir = stored(
        &owner,
        6,
        vec![NoticeBuilder::outage("keyshare-down").build()],
    );
    fs::write(dir.path().join("state.json"), b"").unwrap();
    fs::write(dir.path().join("floor.json"), b"not json").unwrap();

    let client = open(&owner, dir.path());

    assert_eq!(problems(&client).len(), 2, "{:?}", problems(&client));
    assert_eq!(client.status(at(0)).floor_version, Some(6));
    assert_eq!(client.notices(at(0)).notices.len(), 1);
    assert_eq!(
        client
            .ingest(&owner.document(5, vec![]), at(0))
            .unwrap_err()
            .code(),
        "rolled_back"
    );
}

#[test]
fn a_missing_document_is_reported_and_the_floor_holds() {
    let owner = FeedOwner::new();
    let dir = stored(&owner, 2, vec![]);
    fs::remove_file(dir.path().join("document.json")).unwrap();

    let client = open(&owner, dir.path());

    assert_eq!(
        problems(&client),
        [("document.json".to_owned(), "missing".to_owned())]
    );
    let status = client.status(at(0));
    assert_eq!((status.version, status.floor_version), (None, Some(2)));
}

#[test]
fn a_tampered_stored_document_is_refused_at_start_and_the_floor_holds() {
    let owner = FeedOwner::new();
    let dir = stored(
        &owner,
        3,
        vec![NoticeBuilder::outage("keyshare-down").build()],
    );
    // Swap the stored copy for an older, validly signed document.
    fs::write(dir.path().join("document.json"), owner.document(2, vec![])).unwrap();

    let client = open(&owner, dir.path());

    assert_eq!(
        problems(&client),
        [("document.json".to_owned(), "rolled_back".to_owned())]
    );
    assert_eq!(client.notices(at(0)).freshness, Freshness::None);
    assert_eq!(client.status(at(0)).floor_version, Some(3));
}

#[test]
fn state_another_setup_of_the_same_feed_id_left_is_ignored_not_trusted() {
    // A mirror or test run that reuses a state directory across two setups of one feed id (`notice/dev` in
    // every development setup): the other setup's document, floor and root must not carry over.
    let theirs = FeedOwner::builder()
        .root_keys(&[7], 1)
        .feed_keys(&[8], 1)
        .build();
    let dir = stored(
        &theirs,
        4005,
        vec![NoticeBuilder::outage("their-outage").build()],
    );
    let ours = FeedOwner::new();

    let client = open(&ours, dir.path());

    let found = problems(&client);
    for file in ["state.json", "floor.json"] {
        assert!(
            found.contains(&(file.to_owned(), "state_for_other_root".to_owned())),
            "{found:?}"
        );
    }
    assert!(
        found.contains(&("document.json".to_owned(), "root_chain_rejected".to_owned())),
        "{found:?}"
    );
    assert_eq!(client.notices(at(0)).freshness, Freshness::None);
    assert_eq!(client.status(at(0)).floor_version, None);
    // Our feed, at a version far below theirs, is taken: no floor of theirs holds it back.
    assert_eq!(
        client.ingest(&ours.document(1, vec![]), at(1)).unwrap(),
        IngestOutcome::Updated { version: 1 }
    );
}

#[test]
fn a_failed_write_is_reported_and_the_client_keeps_working() {
    let owner = FeedOwner::new();
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("state");
    let client = open(&owner, &dir);
    // The state directory disappears under the client and a file takes its place.
    fs::remove_dir_all(&dir).unwrap();
    fs::write(&dir, b"in the way").unwrap();

    let outcome = client
        .ingest(
            &owner.document(1, vec![NoticeBuilder::outage("keyshare-down").build()]),
            at(0),
        )
        .unwrap();

    assert_eq!(outcome, IngestOutcome::Updated { version: 1 });
    assert_eq!(client.notices(at(0)).notices.len(), 1);
    let found = problems(&client);
    assert!(
        found
            .iter()
            .any(|(file, code)| file == "document.json" && code == "write_failed"),
        "{found:?}"
    );

    fs::remove_file(&dir).unwrap();
    fs::create_dir(&dir).unwrap();
    client
        .ingest(
            &owner.document(
                2,
                vec![NoticeBuilder::outage("keyshare-down").revision(2).build()],
            ),
            at(0),
        )
        .unwrap();
    assert!(problems(&client).is_empty(), "{:?}", problems(&client));
}

#[test]
fn a_state_directory_that_cannot_be_created_is_an_error() {
    let owner = FeedOwner::new();
    let parent = tempfile::tempdir().unwrap();
    let file = parent.path().join("a-file");
    fs::write(&file, b"x").unwrap();
    let err = Client::new(config(&owner, &file.join("state"), &[])).unwrap_err();
    assert_eq!(err.code(), "state_dir");
}

#[test]
fn a_dismissal_lasts_until_the_next_revision() {
    let owner = FeedOwner::new();
    let dir = tempfile::tempdir().unwrap();
    let client = open(&owner, dir.path());
    let outage = NoticeBuilder::outage("keyshare-down").dismissible(true);
    client
        .ingest(&owner.document(1, vec![outage.build()]), at(0))
        .unwrap();
    client.dismiss(&id("keyshare-down"), 1).unwrap();
    assert!(client.notices(at(0)).notices.is_empty());

    let revised = outage.revision(2).build();
    client
        .ingest(&owner.document(2, vec![revised]), at(0))
        .unwrap();
    let shown = client.notices(at(0));
    assert_eq!(shown.notices.len(), 1, "revision 2 shows again");
    assert_eq!(shown.notices[0].revision, 2);
}

#[test]
fn a_notice_that_is_not_dismissible_cannot_be_dismissed() {
    let owner = FeedOwner::new();
    let dir = tempfile::tempdir().unwrap();
    let client = open(&owner, dir.path());
    client
        .ingest(
            &owner.document(1, vec![NoticeBuilder::outage("keyshare-down").build()]),
            at(0),
        )
        .unwrap();
    assert_eq!(
        client.dismiss(&id("keyshare-down"), 1).unwrap_err(),
        ClientError::NotDismissible {
            id: "keyshare-down".to_owned(),
            revision: 1
        }
    );
    assert_eq!(
        client.dismiss(&id("keyshare-down"), 0).unwrap_err().code(),
        "invalid_argument"
    );
    assert_eq!(client.notices(at(0)).notices.len(), 1);
}

#[test]
fn a_rejected_document_is_reported_and_changes_nothing() {
    let owner = FeedOwner::new();
    let dir = tempfile::tempdir().unwrap();
    let client = open(&owner, dir.path());
    let good = owner.document(1, vec![NoticeBuilder::outage("keyshare-down").build()]);
    client.ingest(&good, at(0)).unwrap();

    let mut tampered = owner.document(2, vec![]);
    let middle = tampered.len() / 2;
    tampered[middle] ^= 0x04;
    let err = client.ingest(&tampered, at(MINUTE)).unwrap_err();

    assert!(matches!(err, ClientError::Rejected(_)), "{err}");
    let status = client.status(at(MINUTE));
    assert_eq!(status.version, Some(1));
    assert_eq!(status.last_error.unwrap().code, err.code());
    assert_eq!(client.notices(at(MINUTE)).notices.len(), 1);
    assert_eq!(
        client.ingest(&good, at(2 * MINUTE)).unwrap(),
        IngestOutcome::Unchanged { version: 1 }
    );
    assert_eq!(client.status(at(2 * MINUTE)).last_error, None);
}

#[test]
fn a_changed_context_changes_the_language() {
    let owner = FeedOwner::new();
    let dir = tempfile::tempdir().unwrap();
    let client = open(&owner, dir.path());
    // English and Dutch only.
    let outage = NoticeBuilder::outage("keyshare-down")
        .title(&[
            ("en", "PIN validation is down"),
            ("nl", "PIN-controle werkt niet"),
        ])
        .body(&[("en", "We are working on it."), ("nl", "We werken eraan.")])
        .build();
    client
        .ingest(&owner.document(1, vec![outage]), at(0))
        .unwrap();
    assert_eq!(client.notices(at(0)).notices[0].language.as_str(), "nl");
    client.set_context(notice_client::AppContext {
        locales: vec!["de_DE".to_owned()],
        ..Default::default()
    });
    let shown = client.notices(at(0));
    assert_eq!(
        shown.notices[0].language.as_str(),
        "en",
        "no German: English"
    );
    assert_eq!(shown.notices[0].title, "PIN validation is down");
}
