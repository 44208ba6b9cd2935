//! Root rotation: how a stolen feed key is revoked without an app release.

use notice_tests::{FeedOwner, NoticeBuilder, at, edited, key};
use notice_types::{FeedPayload, RootPayload, Timestamp, VerifyError};

#[test]
fn a_client_shipping_root_v1_follows_v2_and_v3() {
    let mut owner = FeedOwner::new();
    let v1 = owner
        .verify(&owner.document(1, vec![]), None, at(1))
        .unwrap();
    owner.rotate(&[1], &[4]); // v2: new feed key
    owner.rotate(&[5], &[6]); // v3: new root key and feed key
    let v3 = owner
        .verify(&owner.document(2, vec![]), Some(&v1.state), at(2))
        .unwrap();
    assert_eq!(v3.root.version, 3);
    assert_eq!(v3.state.root.version, 3);
    // A fresh install that ships v1 gets there in one step as well.
    assert_eq!(
        owner
            .verify(&owner.document(2, vec![]), None, at(2))
            .unwrap()
            .root
            .version,
        3
    );
}

#[test]
fn a_new_root_signed_only_by_its_own_new_keys_is_rejected() {
    let owner = FeedOwner::new();
    // An attacker with a stolen feed key makes a "v2" that trusts their keys, signed only by their root key 7.
    // (The writer API refuses to make this; the kit builds the envelope by hand.)
    let v2 = RootPayload {
        version: 2,
        root_keys: vec![key(7).public_key()],
        feed_keys: vec![key(8).public_key()],
        ..owner.root().clone()
    };
    let feed = owner.feed(2, 0, vec![NoticeBuilder::outage("phish").build()]);
    let bytes = owner.publish_under_forged_root(&v2, &[7], &feed, &[8]);
    let err = owner.verify(&bytes, None, at(1)).unwrap_err();
    assert!(
        matches!(err, VerifyError::RootRotation { version: 2, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("not signed by root v1"), "{err}");
}

#[test]
fn after_rotation_the_old_feed_key_no_longer_verifies() {
    let mut owner = FeedOwner::new();
    owner.rotate(&[1], &[4]);
    let seen = owner
        .verify(&owner.document(5, vec![]), None, at(1))
        .unwrap();
    // The thief still has feed key 2 and signs a higher version, with the current chain attached.
    let phish = owner.feed(6, 0, vec![NoticeBuilder::outage("phish").build()]);
    let stolen = owner.publish_feed_with(&phish, &[2]);
    let err = owner.verify(&stolen, Some(&seen.state), at(2)).unwrap_err();
    assert_eq!(err.code(), "unknown_key", "{err}");
    // Serving an old chain (v1 only) to a client that already saw v2 does not help either.
    let old_chain = FeedOwner::new().publish(&phish);
    let err = owner
        .verify(&old_chain, Some(&seen.state), at(2))
        .unwrap_err();
    assert_eq!(err.code(), "root_chain_rejected", "{err}");
}

/// `owner`'s document of feed version 1, with `edit` applied to its JSON, verified as a fresh install.
fn verify_edited(owner: &FeedOwner, edit: impl FnOnce(&mut serde_json::Value)) -> VerifyError {
    let document = edited(&owner.document(1, vec![]), edit);
    owner.verify(&document, None, at(1)).unwrap_err()
}

#[test]
fn a_chain_with_a_tampered_older_root_is_rejected() {
    let mut owner = FeedOwner::new();
    owner.rotate(&[1], &[4]);
    let err = verify_edited(&owner, |document| {
        document["roots"][0]["signatures"][0]["keyid"] = "00".repeat(32).into();
    });
    assert_eq!(err.code(), "root_chain_rejected", "{err}");
}

#[test]
fn roots_out_of_order_are_rejected() {
    let mut owner = FeedOwner::new();
    owner.rotate(&[1], &[4]);
    owner.rotate(&[1], &[5]);
    let err = verify_edited(&owner, |document| {
        document["roots"].as_array_mut().unwrap().swap(1, 2);
    });
    assert_eq!(err.code(), "root_rotation_rejected", "{err}");
}

#[test]
fn a_cached_chain_anchored_at_another_setups_root_vouches_for_nothing() {
    // Another setup of the same feed id rotated to v2; its state (newer than our shipped v1) and its document
    // share one chain digest. Skipping the chain because the digest matches would take its document.
    let ours = FeedOwner::new();
    let mut theirs = FeedOwner::builder()
        .root_keys(&[7], 1)
        .feed_keys(&[8], 1)
        .build();
    theirs.rotate(&[7], &[9]);
    let document = theirs.document(4005, vec![]);
    let their_state = notice_types::verify(&document, &theirs.trusted(), None, at(1))
        .unwrap()
        .state;
    assert_eq!(their_state.root.version, 2);
    let err =
        notice_types::verify(&document, &ours.trusted(), Some(&their_state), at(2)).unwrap_err();
    assert_eq!(err.code(), "root_chain_rejected", "{err}");
    assert!(err.to_string().contains("shipped root"), "{err}");
}

#[test]
fn a_client_that_cached_a_chain_still_follows_a_longer_one() {
    let mut owner = FeedOwner::new();
    let first = owner
        .verify(&owner.document(1, vec![]), None, at(1))
        .unwrap();
    assert!(first.state.root_chain_sha256.is_some());
    owner.rotate(&[1], &[4]);
    let second = owner
        .verify(&owner.document(2, vec![]), Some(&first.state), at(2))
        .unwrap();
    assert_eq!(second.root.version, 2);
    assert_ne!(
        second.state.root_chain_sha256,
        first.state.root_chain_sha256
    );
}

#[test]
fn a_stolen_feed_keys_floor_and_future_issue_time_are_left_behind_by_the_rotation_that_revokes_it()
{
    let mut owner = FeedOwner::new();
    let genuine = owner
        .verify(&owner.document(5, vec![]), None, at(1))
        .unwrap();
    // The thief holds feed key 2 and signs the highest version there is, issued at the end of time.
    let end = Timestamp::from_unix(Timestamp::MAX_UNIX);
    let poisoned = FeedPayload {
        version: u64::MAX,
        issued_at: end.plus_seconds(-60),
        expires_at: end,
        ..owner.feed(0, 0, vec![NoticeBuilder::outage("phish").build()])
    };
    let seen = owner
        .verify(&owner.publish(&poisoned), Some(&genuine.state), at(2))
        .unwrap();
    // Without a rotation every genuine feed is now refused: a rollback, and expired "as of" year 9999.
    let locked_out = owner
        .verify(
            &owner.publish(&owner.feed(6, 3, vec![])),
            Some(&seen.state),
            at(3),
        )
        .unwrap_err();
    assert_eq!(locked_out.code(), "rolled_back", "{locked_out}");

    // The owner revokes key 2 with the offline root key: root v2 with feed key 4.
    owner.rotate(&[1], &[4]);
    let recovered = owner
        .verify(
            &owner.publish(&owner.feed(7, 4, vec![])),
            Some(&seen.state),
            at(4),
        )
        .unwrap();
    assert_eq!(recovered.feed.version, 7);
    assert_eq!(recovered.state.last_issued_at, Some(at(4)));
    // From then on the floor is the new key's: replays below it are refused again.
    let replay = owner
        .verify(
            &owner.publish(&owner.feed(6, 4, vec![])),
            Some(&recovered.state),
            at(5),
        )
        .unwrap_err();
    assert_eq!(replay.code(), "rolled_back", "{replay}");
}

#[test]
fn a_rotation_that_keeps_the_feed_keys_keeps_the_floor() {
    let mut owner = FeedOwner::new();
    let seen = owner
        .verify(&owner.document(5, vec![]), None, at(1))
        .unwrap();
    owner.rotate(&[3], &[2]); // a new root key, the same feed key
    let err = owner
        .verify(&owner.document(4, vec![]), Some(&seen.state), at(2))
        .unwrap_err();
    assert_eq!(err.code(), "rolled_back", "{err}");
}

#[test]
fn the_same_feed_under_a_newer_root_chain_is_a_new_document_to_store() {
    let mut owner = FeedOwner::new();
    let feed = owner.feed(5, 0, vec![]);
    let first = owner.verify(&owner.publish(&feed), None, at(1)).unwrap();
    owner.rotate(&[3], &[2]); // same feed key, so the very same feed still verifies
    let longer = owner.publish(&feed);
    let second = owner.verify(&longer, Some(&first.state), at(2)).unwrap();
    assert_eq!(
        second.change,
        notice_types::Change::NewVersion,
        "the stored copy carries the old chain and must be replaced"
    );
    assert_eq!(second.state.root.version, 2);
    let again = owner.verify(&longer, Some(&second.state), at(3)).unwrap();
    assert_eq!(again.change, notice_types::Change::SameVersion);
}

#[test]
fn a_new_root_signed_only_by_the_previous_root_keys_and_not_its_own_is_rejected() {
    let owner = FeedOwner::new();
    // v2 lists a new root key 3, but only the old root key 1 signed it: whoever holds key 3 never agreed.
    let v2 = RootPayload {
        version: 2,
        root_keys: vec![key(3).public_key()],
        ..owner.root().clone()
    };
    let bytes = owner.publish_under_forged_root(&v2, &[1], &owner.feed(2, 0, vec![]), &[2]);
    let err = owner.verify(&bytes, None, at(1)).unwrap_err();
    assert!(
        matches!(err, VerifyError::RootRotation { version: 2, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("its own root keys"), "{err}");
}
