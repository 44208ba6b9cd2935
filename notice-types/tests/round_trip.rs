//! The whole path a notice takes: sign → publish → verify → select.

use notice_tests::{FeedOwner, HOUR, NoticeBuilder, at};
use notice_types::{Change, Context, LanguageTag, Severity, Status, select};

#[test]
fn signed_published_verified_selected_yields_the_notices_in_the_users_language() {
    let owner = FeedOwner::new();
    let feed = owner.feed(
        1,
        0,
        vec![
            NoticeBuilder::outage("keyshare-down").build(),
            NoticeBuilder::maintenance("db-upgrade")
                .window(-HOUR, HOUR, 2 * HOUR)
                .build(),
        ],
    );
    let bytes = owner.publish(&feed);

    let verified = owner.verify(&bytes, None, at(60)).unwrap();
    assert_eq!(verified.change, Change::NewVersion);
    assert_eq!(verified.feed, feed);
    assert_eq!(verified.state.feed.as_ref().unwrap().version, 1);

    let context = Context {
        locales: vec![LanguageTag::parse("nl").unwrap()],
        ..Context::default()
    };
    let shown = select(&verified.feed, &context, at(60));
    let summary: Vec<(&str, Severity, Status, &str)> = shown
        .iter()
        .map(|n| (n.id.as_str(), n.severity, n.status, n.title.as_str()))
        .collect();
    assert_eq!(
        summary,
        vec![
            (
                "keyshare-down",
                Severity::Outage,
                Status::Investigating,
                "Pincode controleren werkt niet"
            ),
            (
                "db-upgrade",
                Severity::Maintenance,
                Status::Scheduled,
                "Gepland onderhoud"
            ),
        ]
    );
    assert_eq!(shown[0].updates[0].message, "We zoeken het uit.");
}

#[test]
fn the_same_document_again_is_accepted_as_same_version_and_keeps_the_state() {
    let owner = FeedOwner::new();
    let bytes = owner.document(3, vec![]);
    let first = owner.verify(&bytes, None, at(10)).unwrap();
    let again = owner.verify(&bytes, Some(&first.state), at(20)).unwrap();
    assert_eq!(again.change, Change::SameVersion);
    assert_eq!(again.state, first.state);
}

#[test]
fn an_empty_feed_is_a_signed_all_clear() {
    let owner = FeedOwner::new();
    let verified = owner
        .verify(&owner.document(2, vec![]), None, at(1))
        .unwrap();
    assert!(select(&verified.feed, &Context::default(), at(1)).is_empty());
}

#[test]
fn trust_state_survives_a_json_round_trip() {
    let owner = FeedOwner::new();
    let verified = owner
        .verify(
            &owner.document(2, vec![NoticeBuilder::outage("x").build()]),
            None,
            at(1),
        )
        .unwrap();
    let stored = serde_json::to_string(&verified.state).unwrap();
    let loaded: notice_types::TrustState = serde_json::from_str(&stored).unwrap();
    assert_eq!(loaded, verified.state);
}
