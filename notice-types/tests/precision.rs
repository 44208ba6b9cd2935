//! The points PROTOCOL.md settles precisely so that two implementations cannot disagree on one document: roots
//! compared as bytes, the keyid cap and what a keyid decides, the nesting cap of signed payloads, the code a
//! failing root envelope gets, timestamp offsets, byte order marks and the shipped root file. Each also has a
//! committed vector (`tests/vectors/`).

use notice_tests::{FeedOwner, HOUR, NoticeBuilder, at, base64_of, edited, key};
use notice_types::{
    FEED_PAYLOAD_TYPE, PublishedDocument, Timestamp, TrustedRoot, VerifyError, limits,
};

fn outage_feed(owner: &FeedOwner) -> notice_types::FeedPayload {
    owner.feed(7, 0, vec![NoticeBuilder::outage("keyshare").build()])
}

#[track_caller]
fn refused(owner: &FeedOwner, bytes: &[u8], code: &str) -> VerifyError {
    match owner.verify(bytes, None, at(HOUR)) {
        Ok(_) => panic!("expected {code}, accepted"),
        Err(err) => {
            assert_eq!(err.code(), code, "{err}");
            err
        }
    }
}

#[test]
fn root_v1_with_the_same_content_in_other_bytes_is_not_the_shipped_root() {
    let owner = FeedOwner::new();
    let feed = outage_feed(&owner);
    // Same value, other bytes (indented; and with the fields in another order), re-signed by the root key.
    let indented = serde_json::to_vec_pretty(owner.root()).unwrap();
    let mut reordered: serde_json::Map<String, serde_json::Value> = serde_json::Map::new();
    let value = serde_json::to_value(owner.root()).unwrap();
    for (k, v) in value.as_object().unwrap().iter().rev() {
        reordered.insert(k.clone(), v.clone());
    }
    for payload in [indented, serde_json::to_vec(&reordered).unwrap()] {
        assert_ne!(payload, owner.root_payload_bytes(1));
        let document = owner.publish_with_root_bytes(1, &payload, &[1], &feed);
        let err = refused(&owner, &document, "root_chain_rejected");
        assert!(err.to_string().contains("bytes differ"), "{err}");
    }
    // The original bytes, re-signed (a new signature over the same bytes), are still that root.
    let same = owner.publish_with_root_bytes(1, &owner.root_payload_bytes(1), &[1], &feed);
    owner.verify(&same, None, at(HOUR)).unwrap();
}

#[test]
fn a_state_remembers_its_roots_bytes_and_holds_later_documents_to_them() {
    let mut owner = FeedOwner::new();
    owner.rotate(&[3], &[4]);
    let feed = owner.feed(8, 0, vec![]);
    let verified = owner.verify(&owner.publish(&feed), None, at(HOUR)).unwrap();
    assert_eq!(verified.state.root_sha256, Some(owner.root_sha256(2)));
    let indented = serde_json::to_vec_pretty(owner.root()).unwrap();
    let document = owner.publish_with_root_bytes(2, &indented, &[1, 3], &feed);
    let err = owner
        .verify(&document, Some(&verified.state), at(HOUR))
        .unwrap_err();
    assert_eq!(err.code(), "root_chain_rejected", "{err}");
    // A state written before the digest existed compares the root by value, and learns the digest.
    let mut old = verified.state.clone();
    old.root_sha256 = None;
    old.root_chain_sha256 = None;
    let again = owner
        .verify(
            &owner.publish(&owner.feed(9, 0, vec![])),
            Some(&old),
            at(HOUR),
        )
        .unwrap();
    assert_eq!(again.state.root_sha256, Some(owner.root_sha256(2)));
}

#[test]
fn a_keyid_longer_than_a_key_id_is_a_shape_error() {
    let owner = FeedOwner::new();
    let valid = owner.document(7, vec![]);
    for len in [limits::MAX_KEYID_BYTES + 1, 60 * 1024] {
        let document = edited(&valid, |d| {
            d["feed"]["signatures"][0]["keyid"] = "a".repeat(len).into()
        });
        let err = refused(&owner, &document, "malformed_json");
        assert!(err.to_string().contains("keyid"), "{err}");
        assert_eq!(
            PublishedDocument::parse(&document).unwrap_err().code(),
            "malformed_json"
        );
    }
    // Exactly 64 bytes that are not the key's id: a shape that is fine, naming no trusted key.
    let document = edited(&valid, |d| {
        d["feed"]["signatures"][0]["keyid"] = "a".repeat(limits::MAX_KEYID_BYTES).into();
    });
    refused(&owner, &document, "unknown_key");
}

#[test]
fn a_non_empty_keyid_decides_which_key_is_tried() {
    let owner = FeedOwner::new();
    let valid = owner.document(7, vec![]);
    let feed_id = key(2).public_key().key_id();
    for other in [
        key(9).public_key().key_id(),
        feed_id.to_uppercase(),
        format!(" {feed_id}")[..64].to_owned(),
    ] {
        let document = edited(&valid, |d| {
            d["feed"]["signatures"][0]["keyid"] = other.clone().into()
        });
        refused(&owner, &document, "unknown_key");
    }
    let document = edited(&valid, |d| d["feed"]["signatures"][0]["keyid"] = "".into());
    owner.verify(&document, None, at(HOUR)).unwrap();
}

fn nested(levels: usize) -> serde_json::Value {
    let mut value = serde_json::json!("[{\"not\": [\"counted\"]}]");
    for _ in 0..levels {
        value = serde_json::json!([value]);
    }
    value
}

#[test]
fn signed_payloads_nest_at_most_32_levels() {
    let owner = FeedOwner::new();
    let feed = outage_feed(&owner);
    let at_limit = owner.publish_edited(&feed, |f| f["x"] = nested(limits::MAX_NESTING_DEPTH - 1));
    owner.verify(&at_limit, None, at(HOUR)).unwrap();
    let deeper = owner.publish_edited(&feed, |f| f["x"] = nested(limits::MAX_NESTING_DEPTH));
    let err = refused(&owner, &deeper, "invalid_payload");
    assert!(
        err.to_string().contains("nested more than 32 levels"),
        "{err}"
    );
    // 150 000 levels, written by hand (serde_json would not write them): refused before parsing, quickly.
    let mut payload = serde_json::to_vec(&feed).unwrap();
    payload.pop();
    payload.extend_from_slice(b",\"x\":");
    payload.extend(std::iter::repeat_n(b'[', 150_000));
    payload.extend(std::iter::repeat_n(b']', 150_000));
    payload.push(b'}');
    let document = owner.publish_raw(FEED_PAYLOAD_TYPE, &payload, &[2]);
    refused(&owner, &document, "invalid_payload");
}

#[test]
fn a_failing_root_envelope_gets_the_chains_code() {
    let mut owner = FeedOwner::new();
    owner.rotate(&[3], &[4]);
    let document = owner.publish(&owner.feed(8, 0, vec![]));
    for (edit, code) in [
        (("roots", 1, "sig"), "root_rotation_rejected"),
        (("roots", 1, "payloadType"), "root_rotation_rejected"),
        (("roots", 1, "payload"), "root_rotation_rejected"),
        (("roots", 0, "sig"), "root_chain_rejected"),
        (("roots", 0, "payloadType"), "root_chain_rejected"),
    ] {
        let (_, index, field) = edit;
        let changed = edited(&document, |d| match field {
            "sig" => d["roots"][index]["signatures"][0]["sig"] = base64_of(&[0x42; 64]).into(),
            "payloadType" => d["roots"][index]["payloadType"] = "application/json".into(),
            _ => d["roots"][index]["payload"] = "not base64!".into(),
        });
        refused(&owner, &changed, code);
    }
    // The chain is checked before the feed: a bad root and a bad feed is the root's code.
    let both = edited(&document, |d| {
        d["roots"][1]["payloadType"] = "x".into();
        d["feed"]["payloadType"] = "x".into();
    });
    refused(&owner, &both, "root_rotation_rejected");
}

#[test]
fn offsets_range_from_minus_to_plus_23_59_and_stay_within_the_years_0000_to_9999() {
    let owner = FeedOwner::new();
    let feed = outage_feed(&owner);
    let with = |issued: &str| owner.publish_edited(&feed, |f| f["issued_at"] = issued.into());
    for good in [
        "2026-07-02T14:44:00+23:59",
        "2026-06-30T14:46:00-23:59",
        "2026-07-01T14:45:00-00:00",
    ] {
        let verified = owner.verify(&with(good), None, at(HOUR)).unwrap();
        assert_eq!(verified.feed.issued_at, at(0), "{good}");
    }
    for bad in [
        "2026-07-02T14:45:00+24:00",
        "2026-07-01T13:45:00-01:60",
        "2026-07-01T14:45:00+0000",
    ] {
        refused(&owner, &with(bad), "invalid_payload");
    }
    assert!(Timestamp::parse("9999-12-31T23:59:59-00:01").is_err());
    assert!(Timestamp::parse("0000-01-01T00:00:00+00:01").is_err());
}

#[test]
fn a_byte_order_mark_is_refused_everywhere() {
    let owner = FeedOwner::new();
    let feed = outage_feed(&owner);
    let bom = b"\xEF\xBB\xBF";
    let mut document = bom.to_vec();
    document.extend_from_slice(&owner.publish(&feed));
    refused(&owner, &document, "malformed_json");
    let mut payload = bom.to_vec();
    payload.extend_from_slice(&serde_json::to_vec(&feed).unwrap());
    refused(
        &owner,
        &owner.publish_raw(FEED_PAYLOAD_TYPE, &payload, &[2]),
        "invalid_payload",
    );
    let mut root_file = bom.to_vec();
    root_file.extend_from_slice(&owner.root_json());
    let err = TrustedRoot::from_envelope_bytes(&root_file).unwrap_err();
    assert_eq!(err.code(), "malformed_json", "{err}");
    assert!(err.to_string().contains("byte order mark"), "{err}");
}

#[test]
fn the_shipped_root_file_is_one_root_envelope_in_any_json_whitespace() {
    let owner = FeedOwner::new();
    let valid = owner.publish(&outage_feed(&owner));
    let indented = serde_json::to_vec_pretty(&owner.chain()[0]).unwrap();
    let trusted = TrustedRoot::from_envelope_bytes(&indented).unwrap();
    notice_types::verify(&valid, &trusted, None, at(HOUR)).unwrap();
    // Not a published document, no unknown fields, not a feed envelope.
    for (bytes, code) in [
        (valid.clone(), "malformed_json"),
        (
            edited(&owner.root_json(), |e| e["note"] = "x".into()),
            "malformed_json",
        ),
        (
            serde_json::to_vec(&PublishedDocument::parse(&valid).unwrap().feed).unwrap(),
            "wrong_payload_type",
        ),
    ] {
        let err = TrustedRoot::from_envelope_bytes(&bytes).unwrap_err();
        assert_eq!(err.code(), code, "{err}");
    }
}
