//! The whole path a notice takes: sign → publish → verify → select.

mod support;

use notice_types::{Change, Context, LanguageTag, Severity, Status, select, verify};
use support::*;

#[test]
fn signed_published_verified_selected_yields_the_notices_in_the_users_language() {
    let owner = Owner::new();
    let feed = owner.feed(
        1,
        0,
        vec![
            outage("keyshare-down"),
            maintenance("db-upgrade", -HOUR, HOUR, 2 * HOUR),
        ],
    );
    let bytes = owner.publish(&feed);

    let verified = verify(&bytes, &owner.trusted(), None, at(60)).unwrap();
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
    let owner = Owner::new();
    let bytes = owner.publish(&owner.feed(3, 0, vec![]));
    let first = verify(&bytes, &owner.trusted(), None, at(10)).unwrap();
    let again = verify(&bytes, &owner.trusted(), Some(&first.state), at(20)).unwrap();
    assert_eq!(again.change, Change::SameVersion);
    assert_eq!(again.state, first.state);
}

#[test]
fn an_empty_feed_is_a_signed_all_clear() {
    let owner = Owner::new();
    let verified = verify(
        &owner.publish(&owner.feed(2, 0, vec![])),
        &owner.trusted(),
        None,
        at(1),
    )
    .unwrap();
    assert!(select(&verified.feed, &Context::default(), at(1)).is_empty());
}

#[test]
fn trust_state_survives_a_json_round_trip() {
    let owner = Owner::new();
    let verified = verify(
        &owner.publish(&owner.feed(2, 0, vec![outage("x")])),
        &owner.trusted(),
        None,
        at(1),
    )
    .unwrap();
    let stored = serde_json::to_string(&verified.state).unwrap();
    let loaded: notice_types::TrustState = serde_json::from_str(&stored).unwrap();
    assert_eq!(loaded, verified.state);
}
