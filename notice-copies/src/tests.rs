//! [`publish`] and [`read_document`] on directories; buckets are tested end to end against a real
//! S3-compatible server (`tests/tests/copies.rs` in the workspace).

use std::path::Path;
use std::time::Duration;

use notice_publish::export::{CachePolicy, files};
use notice_publish::status_page::Site;
use notice_types::{
    Envelope, FeedId, FeedPayload, LocalizedText, Notice, NoticeId, PublishedDocument, RootPayload,
    SecretKey, Severity, Status, Timestamp, TrustedRoot, sign_feed, sign_root,
};

use super::*;

struct Kit {
    key: SecretKey,
    root: RootPayload,
    root_envelope: Envelope,
    trusted: TrustedRoot,
}

fn kit(feed_id: &str) -> Kit {
    let key = SecretKey::from_seed(&[7; 32]);
    let root = RootPayload {
        feed_id: FeedId::parse(feed_id).unwrap(),
        version: 1,
        root_keys: vec![key.public_key()],
        root_threshold: 1,
        feed_keys: vec![key.public_key()],
        feed_threshold: 1,
        link_hosts: vec![],
    };
    let root_envelope = sign_root(&root, &root, &[&key]).unwrap();
    let trusted =
        TrustedRoot::from_envelope_bytes(&serde_json::to_vec(&root_envelope).unwrap()).unwrap();
    Kit {
        key,
        root,
        root_envelope,
        trusted,
    }
}

fn document(kit: &Kit, version: u64, title: &str) -> (Vec<u8>, FeedPayload) {
    let at = Timestamp::from_unix(1_790_000_000);
    let feed = FeedPayload {
        feed_id: kit.root.feed_id.clone(),
        version,
        issued_at: at,
        expires_at: at.plus_seconds(3600),
        notices: vec![Notice {
            id: NoticeId::parse("n").unwrap(),
            revision: 1,
            severity: Severity::Outage,
            status: Status::Investigating,
            title: LocalizedText::english(title),
            body: LocalizedText::english("body"),
            components: vec![],
            platforms: vec![],
            app_versions: None,
            created_at: at,
            updated_at: at,
            show_from: None,
            starts_at: None,
            ends_at: None,
            dismissible: false,
            link: None,
            updates: vec![],
        }],
        service: None,
    };
    let envelope = sign_feed(&feed, &kit.root, &[&kit.key]).unwrap();
    let bytes = PublishedDocument::assemble(vec![kit.root_envelope.clone()], envelope).unwrap();
    (bytes, feed)
}

fn export(kit: &Kit, dir: &Path, version: u64, title: &str) -> Result<Published, CopyError> {
    let (bytes, feed) = document(kit, version, title);
    let root = serde_json::to_vec(&kit.root_envelope).unwrap();
    let site = Site::for_feed(&feed.feed_id);
    let policy = CachePolicy { max_age_secs: 30 };
    let files = files(
        &bytes,
        &feed,
        Some(&root),
        feed.issued_at,
        &site,
        policy,
        &[],
    );
    publish(
        &Target::Dir(dir.to_owned()),
        &Client::new(Duration::from_secs(5)),
        &kit.trusted,
        &files,
        version,
    )
}

fn held(dir: &Path) -> Vec<u8> {
    std::fs::read(dir.join("feed.json")).unwrap()
}

#[test]
fn a_copy_holds_the_exact_bytes_twice_the_root_and_every_page() {
    let kit = kit("yivi-app/test");
    let dir = tempfile::tempdir().unwrap();
    let outcome = export(&kit, dir.path(), 3, "PIN check is down").unwrap();
    assert_eq!(outcome, Published::Written { previous: None });
    let (bytes, _) = document(&kit, 3, "PIN check is down");
    assert_eq!(held(dir.path()), bytes);
    assert_eq!(
        std::fs::read(dir.path().join("v1/feed.json")).unwrap(),
        bytes
    );
    assert_eq!(
        std::fs::read(dir.path().join("v1/root.json")).unwrap(),
        serde_json::to_vec(&kit.root_envelope).unwrap()
    );
    for page in [
        "index.html",
        "index.nl.html",
        "index.en.html",
        "index.de.html",
    ] {
        let html = std::fs::read_to_string(dir.path().join(page)).unwrap();
        assert!(html.contains("PIN check is down"), "{page}");
    }
    assert!(
        std::fs::read_to_string(dir.path().join("feed.atom"))
            .unwrap()
            .contains("<feed")
    );
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    let read = read_document(
        &Target::Dir(dir.path().to_owned()),
        &Client::new(Duration::from_secs(1)),
    )
    .unwrap()
    .unwrap();
    assert_eq!(read.document, bytes);
}

#[test]
fn a_copy_never_goes_back_and_reports_a_copy_that_is_ahead() {
    let kit = kit("yivi-app/test");
    let dir = tempfile::tempdir().unwrap();
    export(&kit, dir.path(), 5, "five").unwrap();
    let (v5, _) = document(&kit, 5, "five");

    match export(&kit, dir.path(), 4, "four").unwrap() {
        Published::Ahead { version, document } => {
            assert_eq!(version, 5);
            assert_eq!(document, v5);
        }
        other => panic!("{other:?}"),
    }
    let err = export(&kit, dir.path(), 5, "another five").unwrap_err();
    assert!(
        matches!(err, CopyError::Conflict { version: 5, .. }),
        "{err}"
    );
    assert_eq!(held(dir.path()), v5);

    // The same bytes again refresh the pages; a higher version replaces.
    assert_eq!(
        export(&kit, dir.path(), 5, "five").unwrap(),
        Published::Refreshed
    );
    assert_eq!(
        export(&kit, dir.path(), 6, "six").unwrap(),
        Published::Written { previous: Some(5) }
    );
    assert_eq!(held(dir.path()), document(&kit, 6, "six").0);
}

#[test]
fn a_copy_holding_something_else_is_not_overwritten() {
    let production = kit("yivi-app/test");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("feed.json"), b"{\"not\": \"ours\"}").unwrap();
    let err = export(&production, dir.path(), 1, "x").unwrap_err();
    assert!(err.to_string().contains("refusing to overwrite"), "{err}");
    assert_eq!(held(dir.path()), b"{\"not\": \"ours\"}");

    // Another feed's document is someone else's too.
    let other = kit("yivi-app/staging");
    let staging = tempfile::tempdir().unwrap();
    export(&other, staging.path(), 9, "staging").unwrap();
    let err = export(&production, staging.path(), 10, "production").unwrap_err();
    assert_eq!(err.code(), "foreign", "{err}");
}

#[test]
fn an_http_copy_is_read_only_and_its_document_url_is_derived() {
    let target = Target::Http("https://cdn.example.org/notice".parse().unwrap());
    let kit = kit("yivi-app/test");
    let err = publish(
        &target,
        &Client::new(Duration::from_secs(1)),
        &kit.trusted,
        &[],
        1,
    )
    .unwrap_err();
    assert_eq!(err.code(), "not_writable");
    for (given, expect) in [
        (
            "https://cdn.example.org/notice",
            "https://cdn.example.org/notice/feed.json",
        ),
        (
            "https://cdn.example.org/notice/",
            "https://cdn.example.org/notice/feed.json",
        ),
        (
            "https://mirror.example.org/v1/feed.json",
            "https://mirror.example.org/v1/feed.json",
        ),
    ] {
        assert_eq!(document_url(&given.parse().unwrap()).as_str(), expect);
    }
}

#[test]
fn an_unreachable_copy_is_an_error_naming_it() {
    let target = Target::Http("http://127.0.0.1:9/notice/".parse().unwrap());
    let err = read_document(&target, &Client::new(Duration::from_secs(2))).unwrap_err();
    assert_eq!(err.code(), "failed");
    assert!(err.to_string().contains("127.0.0.1:9"), "{err}");
}
