//! Every way a document must be refused, each with its own error.

use notice_tests::{FeedOwner, HOUR, NoticeBuilder, at, edited};
use notice_types::{FeedMark, Timestamp, TrustState, VerifyError};

/// Verifies `bytes` for `owner`'s trusted root and expects the error `code`.
#[track_caller]
fn check(
    owner: &FeedOwner,
    bytes: &[u8],
    state: Option<&TrustState>,
    now: Timestamp,
    code: &str,
) -> VerifyError {
    match owner.verify(bytes, state, now) {
        Ok(v) => panic!(
            "expected {code}, but version {} was accepted",
            v.feed.version
        ),
        Err(err) => {
            assert_eq!(err.code(), code, "{err}");
            err
        }
    }
}

/// Refused as `threshold_not_met`: one valid signature where the root asks for two.
#[track_caller]
fn check_one_of_two(owner: &FeedOwner, bytes: &[u8]) {
    let err = check(owner, bytes, None, at(1), "threshold_not_met");
    assert!(matches!(
        err,
        VerifyError::ThresholdNotMet {
            valid: 1,
            required: 2,
            ..
        }
    ));
}

#[test]
fn a_feed_signed_by_an_unknown_key_is_rejected() {
    let owner = FeedOwner::new();
    check(
        &owner,
        &owner.publish_feed_with(&owner.feed(1, 0, vec![]), &[9]),
        None,
        at(1),
        "unknown_key",
    );
}

#[test]
fn fewer_distinct_signers_than_the_threshold_is_rejected() {
    let owner = FeedOwner::builder().feed_keys(&[2, 3], 2).build();
    let feed = owner.feed(1, 0, vec![]);
    check_one_of_two(&owner, &owner.publish_feed_with(&feed, &[2]));
    // Both keys: accepted.
    assert!(
        owner
            .verify(&owner.publish_feed_with(&feed, &[2, 3]), None, at(1))
            .is_ok()
    );
}

#[test]
fn one_keys_duplicate_signatures_count_once() {
    let owner = FeedOwner::builder().feed_keys(&[2, 3], 2).build();
    check_one_of_two(
        &owner,
        &owner.publish_feed_with(&owner.feed(1, 0, vec![]), &[2, 2, 2]),
    );
}

#[test]
fn a_signature_that_names_a_trusted_key_but_fails_rejects_the_envelope() {
    let owner = FeedOwner::builder().feed_keys(&[2, 3], 1).build();
    let bytes = owner.publish_feed_with(&owner.feed(1, 0, vec![]), &[2, 3]);
    // Swap the two signatures' values: each keyid now points at the other key's signature.
    let swapped = edited(&bytes, |document| {
        let sigs = document["feed"]["signatures"].as_array_mut().unwrap();
        let first = sigs[0]["sig"].clone();
        sigs[0]["sig"] = sigs[1]["sig"].clone();
        sigs[1]["sig"] = first;
    });
    check(&owner, &swapped, None, at(1), "bad_signature");
}

#[test]
fn a_wrong_payload_type_is_rejected_before_anything_else() {
    let owner = FeedOwner::new();
    let payload = serde_json::to_vec(&owner.feed(1, 0, vec![])).unwrap();
    check(
        &owner,
        &owner.publish_raw("application/vnd.notice.root.v1+json", &payload, &[2]),
        None,
        at(1),
        "wrong_payload_type",
    );
}

#[test]
fn a_valid_feed_for_another_environment_is_rejected() {
    let owner = FeedOwner::new();
    let staging = FeedOwner::for_feed("yivi-app/staging");
    // Same keys, signed correctly, but for yivi-app/staging.
    check(
        &owner,
        &owner.publish_feed_with(&staging.feed(5, 0, vec![]), &[2]),
        None,
        at(1),
        "wrong_feed_id",
    );
    // And a whole staging document (its own root chain) is refused by a production client.
    check(
        &owner,
        &staging.document(5, vec![]),
        None,
        at(1),
        "root_chain_rejected",
    );
}

#[test]
fn a_version_below_the_floor_is_a_rollback() {
    let owner = FeedOwner::new();
    let v2 = owner
        .verify(&owner.document(2, vec![]), None, at(1))
        .unwrap();
    let err = check(
        &owner,
        &owner.document(1, vec![NoticeBuilder::outage("old").build()]),
        Some(&v2.state),
        at(2),
        "rolled_back",
    );
    assert!(matches!(
        err,
        VerifyError::RolledBack { floor: 2, found: 1 }
    ));
}

#[test]
fn an_equal_version_with_different_bytes_is_rejected_and_never_replaces_the_stored_copy() {
    let owner = FeedOwner::new();
    let first = owner
        .verify(&owner.document(4, vec![]), None, at(1))
        .unwrap();
    let other = owner.document(4, vec![NoticeBuilder::outage("sneaky").build()]);
    check(
        &owner,
        &other,
        Some(&first.state),
        at(2),
        "equal_version_different_bytes",
    );
}

#[test]
fn an_expired_feed_is_rejected() {
    let owner = FeedOwner::new();
    let bytes = owner.document(1, vec![]);
    assert!(owner.verify(&bytes, None, at(72 * HOUR - 1)).is_ok());
    check(&owner, &bytes, None, at(72 * HOUR), "expired");
}

#[test]
fn a_clock_stepped_back_cannot_revive_an_expired_feed() {
    let owner = FeedOwner::new();
    // The client verified a feed issued at T0+100h, so it knows it is at least that late.
    let late = owner.feed(2, 100 * HOUR, vec![]);
    let seen = owner
        .verify(&owner.publish(&late), None, at(100 * HOUR))
        .unwrap();
    // Now the device clock says T0+1h and an older-issued but higher-version feed (expired at T0+72h) arrives.
    let stale = owner.feed(3, 0, vec![]);
    let err = check(
        &owner,
        &owner.publish(&stale),
        Some(&seen.state),
        at(HOUR),
        "expired",
    );
    assert!(matches!(err, VerifyError::Expired { as_of, .. } if as_of == at(100 * HOUR)));
}

#[test]
fn an_oversize_document_is_rejected_before_parsing() {
    let owner = FeedOwner::new();
    let mut bytes = owner.document(1, vec![]);
    bytes.resize(notice_types::limits::MAX_DOCUMENT_BYTES + 1, b' ');
    check(&owner, &bytes, None, at(1), "too_large");
}

#[test]
fn malformed_json_and_base64_are_rejected() {
    let owner = FeedOwner::new();
    let bytes = owner.document(1, vec![]);
    check(
        &owner,
        &bytes[..bytes.len() - 1],
        None,
        at(1),
        "malformed_json",
    );
    check(&owner, b"", None, at(1), "malformed_json");
    check(&owner, b"[]", None, at(1), "malformed_json");
    for edit in [
        |d: &mut serde_json::Value| d["feed"]["payload"] = "%%%".into(),
        |d: &mut serde_json::Value| d["feed"]["signatures"][0]["sig"] = "AAAA".into(),
    ] {
        check(
            &owner,
            &edited(&bytes, edit),
            None,
            at(1),
            "malformed_base64",
        );
    }
}

#[test]
fn a_signed_payload_that_breaks_the_rules_is_rejected_after_the_signature_check() {
    let owner = FeedOwner::new();
    let feed = owner.feed(1, 0, vec![NoticeBuilder::outage("x").build()]);
    let err = check(
        &owner,
        &owner.publish_edited(&feed, |f| {
            f["notices"][0]["title"] = serde_json::json!({"nl": "geen Engels"});
        }),
        None,
        at(1),
        "invalid_payload",
    );
    assert!(
        err.to_string().contains("English text is required"),
        "{err}"
    );
}

#[test]
fn a_link_to_a_host_the_root_does_not_allow_is_rejected_even_when_signed() {
    // A stolen feed key can sign anything; the root's link policy still holds.
    let owner = FeedOwner::new();
    let mut notice = NoticeBuilder::outage("x").build();
    notice.link = Some("https://evil.example/reset-pin".to_owned());
    let err = check(
        &owner,
        &owner.publish_feed_with(&owner.feed(1, 0, vec![notice]), &[2]),
        None,
        at(1),
        "invalid_payload",
    );
    assert!(err.to_string().contains("notices[0].link"), "{err}");
}

#[test]
fn state_from_another_feed_is_refused() {
    let owner = FeedOwner::new();
    let staging = FeedOwner::for_feed("yivi-app/staging");
    let state = TrustState::new(&staging.trusted());
    check(
        &owner,
        &owner.document(1, vec![]),
        Some(&state),
        at(1),
        "state_for_other_feed",
    );
}

#[test]
fn state_left_by_another_setup_of_the_same_feed_id_is_refused() {
    // Two setups of one feed id (every development setup is `notice/dev`), each with its own root v1.
    let ours = FeedOwner::new();
    let theirs = FeedOwner::builder()
        .root_keys(&[7], 1)
        .feed_keys(&[8], 1)
        .build();
    assert_eq!(ours.feed_id(), theirs.feed_id());
    let their_state = theirs
        .verify(&theirs.document(4005, vec![]), None, at(1))
        .unwrap()
        .state;
    let err = check(
        &ours,
        &ours.document(1, vec![]),
        Some(&their_state),
        at(2),
        "state_for_other_root",
    );
    assert!(err.to_string().contains("another root v1"), "{err}");
    // Their own document, with the state it left, is not vouched for either.
    check(
        &ours,
        &theirs.document(4005, vec![]),
        Some(&their_state),
        at(2),
        "state_for_other_root",
    );
    // A state written before `root_sha256` existed is compared by value.
    let legacy = TrustState {
        root_sha256: None,
        ..their_state
    };
    check(
        &ours,
        &ours.document(1, vec![]),
        Some(&legacy),
        at(2),
        "state_for_other_root",
    );
}

#[test]
fn unknown_fields_in_the_unsigned_wrapper_or_envelope_are_rejected() {
    let owner = FeedOwner::new();
    let bytes = owner.document(1, vec![]);
    for pointer in ["", "/feed", "/feed/signatures/0"] {
        let noted = edited(&bytes, |d| {
            d.pointer_mut(pointer).unwrap()["note"] = "unsigned".into();
        });
        check(&owner, &noted, None, at(1), "malformed_json");
    }
}

#[test]
fn unknown_fields_in_signed_payloads_are_ignored_for_forward_compatibility() {
    let owner = FeedOwner::new();
    let feed = owner.feed(1, 0, vec![NoticeBuilder::outage("x").build()]);
    let bytes = owner.publish_edited(&feed, |f| {
        f["future_field"] = "added by a later server".into();
        f["notices"][0]["image"] = "https://yivi.app/banner.png".into();
    });
    let verified = owner.verify(&bytes, None, at(1)).unwrap();
    assert_eq!(verified.feed.notices[0].id.as_str(), "x");
}

#[test]
fn the_rollback_floor_and_digest_are_what_the_state_records() {
    let owner = FeedOwner::new();
    let verified = owner
        .verify(&owner.document(9, vec![]), None, at(1))
        .unwrap();
    let FeedMark { version, sha256 } = verified.state.feed.unwrap();
    assert_eq!(version, 9);
    assert_eq!(sha256.len(), 64);
    assert_eq!(verified.state.last_issued_at, Some(at(0)));
}

/// The valid feed as JSON, changed by `edit`, signed by the feed key without the writer's checks.
fn signed_with(owner: &FeedOwner, edit: impl FnOnce(&mut serde_json::Value)) -> Vec<u8> {
    owner.publish_edited(
        &owner.feed(1, 0, vec![NoticeBuilder::outage("n").build()]),
        edit,
    )
}

#[test]
fn every_limit_is_enforced_while_reading_a_signed_document() {
    use notice_types::limits::*;
    let owner = FeedOwner::new();
    let notice = serde_json::to_value(NoticeBuilder::outage("n").build()).unwrap();
    let update = notice["updates"][0].clone();
    let many_notices = (0..=MAX_NOTICES)
        .map(|i| {
            let mut n = notice.clone();
            n["id"] = format!("n{i}").into();
            n
        })
        .collect::<Vec<_>>();
    type Edit = Box<dyn FnOnce(&mut serde_json::Value)>;
    let cases: Vec<(&str, Edit)> = vec![
        (
            "notices",
            Box::new(move |f| f["notices"] = many_notices.into()),
        ),
        (
            "updates",
            Box::new(move |f| f["notices"][0]["updates"] = vec![update; MAX_UPDATES + 1].into()),
        ),
        (
            "title",
            Box::new(|f| f["notices"][0]["title"]["en"] = "x".repeat(MAX_TITLE_CHARS + 1).into()),
        ),
        (
            "body",
            Box::new(|f| f["notices"][0]["body"]["en"] = "x".repeat(MAX_BODY_CHARS + 1).into()),
        ),
        (
            "message",
            Box::new(|f| {
                f["notices"][0]["updates"][0]["message"]["en"] =
                    "x".repeat(MAX_MESSAGE_CHARS + 1).into()
            }),
        ),
        (
            "components",
            Box::new(|f| {
                f["notices"][0]["components"] = (0..=MAX_COMPONENTS)
                    .map(|i| format!("c{i}"))
                    .collect::<Vec<_>>()
                    .into()
            }),
        ),
        (
            "link",
            Box::new(|f| {
                f["notices"][0]["link"] =
                    format!("https://yivi.app/{}", "a".repeat(MAX_LINK_BYTES)).into()
            }),
        ),
    ];
    for (what, edit) in cases {
        let err = check(
            &owner,
            &signed_with(&owner, edit),
            None,
            at(1),
            "invalid_payload",
        );
        let text = err.to_string();
        assert!(
            ["at most", "more than", "too long", "longer than"]
                .iter()
                .any(|says| text.contains(says)),
            "{what}: the error does not name the limit: {err}"
        );
    }
    // Exactly at the limits is fine.
    let at_limit = signed_with(&owner, |f| {
        f["notices"][0]["title"]["en"] = "x".repeat(MAX_TITLE_CHARS).into();
        f["notices"][0]["body"]["en"] = "é".repeat(MAX_BODY_CHARS).into();
    });
    owner.verify(&at_limit, None, at(1)).unwrap();
}

#[test]
fn too_many_signatures_or_roots_are_shape_errors() {
    use notice_types::limits::{MAX_ROOTS, MAX_SIGNATURES};
    let owner = FeedOwner::new();
    let bytes = owner.document(1, vec![]);
    let signatures = edited(&bytes, |d| {
        let signature = d["feed"]["signatures"][0].clone();
        d["feed"]["signatures"] = vec![signature; MAX_SIGNATURES + 1].into();
    });
    check(&owner, &signatures, None, at(1), "malformed_json");
    let roots = edited(&bytes, |d| {
        let root = d["roots"][0].clone();
        d["roots"] = vec![root; MAX_ROOTS + 1].into();
    });
    check(&owner, &roots, None, at(1), "malformed_json");
}
