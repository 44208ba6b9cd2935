//! The committed cross-language test vectors, made with the signing kit and the notice builder.

use notice_types::{RootPayload, Timestamp};

use crate::notice::NoticeBuilder;
use crate::signing::{FeedOwner, HOUR, at, base64_of, edited, key, payload_sha256};

/// The committed test vectors of `notice-types/tests/vectors/`: (file name, bytes) pairs, the manifest that
/// describes them last. `cargo run -p notice-types --example vectors` writes them and notice-types'
/// `tests/vectors.rs` fails when the committed files differ.
///
/// # Panics
/// Never for the fixed inputs here (a serialization failure would be a bug in this function).
pub fn vectors() -> Vec<(String, Vec<u8>)> {
    let owner = FeedOwner::new();
    let feed = owner.feed(
        7,
        0,
        vec![NoticeBuilder::outage("2026-07-01-keyshare").build()],
    );
    let valid = owner.publish(&feed);
    let mut out = Vectors {
        files: vec![("root-v1.json".to_owned(), owner.root_json())],
        cases: Vec::new(),
    };
    let floor = |version: u64, sha: &str| serde_json::json!({"root": owner.root(), "feed": {"version": version, "sha256": sha}, "last_issued_at": null});
    let null = serde_json::Value::Null;
    out.add(
        "valid",
        valid.clone(),
        "A valid document: root v1 and feed v7 with one outage notice.",
        null.clone(),
        HOUR,
        "ok",
    );
    let mut tampered = valid.clone();
    let pos = tampered.len() / 2;
    tampered[pos] ^= 0x01;
    out.add(
        "tampered",
        tampered,
        "The valid document with one bit flipped in the middle: inside the feed payload's base64, which still \
         decodes, so the signature no longer matches.",
        null.clone(),
        HOUR,
        "bad_signature",
    );
    out.add(
        "unknown-key",
        owner.publish_feed_with(&feed, &[9]),
        "Feed signed by a key the root does not list.",
        null.clone(),
        HOUR,
        "unknown_key",
    );
    out.add(
        "wrong-payload-type",
        owner.publish_raw(
            "application/json",
            &serde_json::to_vec(&feed).expect("serialize"),
            &[2],
        ),
        "Feed envelope with payloadType application/json.",
        null.clone(),
        HOUR,
        "wrong_payload_type",
    );
    let other = FeedOwner::for_feed("yivi-app/staging");
    let staging_feed = other.feed(7, 0, vec![]);
    out.add(
        "wrong-feed-id",
        owner.publish_feed_with(&staging_feed, &[2]),
        "A feed for yivi-app/staging signed by the production feed key.",
        null.clone(),
        HOUR,
        "wrong_feed_id",
    );
    out.add(
        "expired",
        valid.clone(),
        "The valid document, 73 hours after it was issued.",
        null.clone(),
        73 * HOUR,
        "expired",
    );
    out.add(
        "rolled-back",
        valid.clone(),
        "The valid document (v7) after v8 was seen.",
        floor(8, &"0".repeat(64)),
        HOUR,
        "rolled_back",
    );
    out.add(
        "equal-version-different-bytes",
        valid.clone(),
        "The valid document (v7) when a different v7 was seen.",
        floor(7, &"0".repeat(64)),
        HOUR,
        "equal_version_different_bytes",
    );
    out.add(
        "malformed-json",
        b"{\"roots\":[".to_vec(),
        "Truncated JSON.",
        null.clone(),
        HOUR,
        "malformed_json",
    );
    out.add(
        "malformed-base64",
        edited(&valid, |d| d["feed"]["payload"] = "not base64!".into()),
        "Feed payload is not base64.",
        null.clone(),
        HOUR,
        "malformed_base64",
    );
    out.add(
        "unknown-wrapper-field",
        edited(&valid, |d| d["unsigned_note"] = "trust me".into()),
        "Unsigned field next to roots and feed.",
        null.clone(),
        HOUR,
        "malformed_json",
    );

    // Signed payloads may carry fields a reader does not know: ignored, so that later versions can add some.
    out.add(
        "unknown-payload-fields",
        owner.publish_edited(&feed, |f| {
            f["x_future_field"] = serde_json::json!({"anything": [1, 2, 3]});
            f["notices"][0]["x_future_field"] = true.into();
        }),
        "Signed feed and notice with fields this version does not know: ignored, accepted.",
        null.clone(),
        HOUR,
        "ok",
    );
    // A signature that does not verify, under the key id of the real feed key.
    out.add(
        "bad-signature",
        edited(&valid, |d| {
            d["feed"]["signatures"][0]["sig"] = base64_of(&[0x42; 64]).into();
        }),
        "The feed's signature replaced by 64 other bytes, keyid unchanged.",
        null.clone(),
        HOUR,
        "bad_signature",
    );
    out.add(
        "no-signatures",
        edited(&valid, |d| d["feed"]["signatures"] = serde_json::json!([])),
        "A feed envelope with an empty signature list (a shape error).",
        null.clone(),
        HOUR,
        "malformed_json",
    );
    out.add(
        "invalid-payload",
        owner.publish_edited(&feed, |f| {
            f["notices"][0]["title"]["en"] = "PIN check \u{202e}nwod si".into();
        }),
        "Properly signed, but a title carries a right-to-left override (U+202E).",
        null.clone(),
        HOUR,
        "invalid_payload",
    );
    out.add(
        "lax-timestamp",
        owner.publish_edited(&feed, |f| {
            f["issued_at"] = at(0).to_string().replace('T', " ").into();
        }),
        "Properly signed, but issued_at uses a space instead of T (not RFC 3339 as this format takes it).",
        null.clone(),
        HOUR,
        "invalid_payload",
    );
    let mut padded = valid.clone();
    padded.resize(notice_types::limits::MAX_DOCUMENT_BYTES + 1, b' ');
    out.add(
        "too-large",
        padded,
        "The valid document padded with spaces to one byte over 512 KiB.",
        null.clone(),
        HOUR,
        "too_large",
    );
    // The device saw a feed issued 73 hours after this one (then its clock was set back to an hour after).
    let digest = payload_sha256(&valid);
    let seen_later = serde_json::json!({"root": owner.root(), "feed": {"version": 7, "sha256": digest},
        "last_issued_at": at(73 * HOUR).to_string()});
    out.add(
        "clock-stepped-back",
        valid.clone(),
        "The valid document on a device whose clock went back: expiry is judged at the latest issued_at seen.",
        seen_later,
        HOUR,
        "expired",
    );
    let staging = FeedOwner::for_feed("yivi-app/staging");
    out.add(
        "state-for-other-feed",
        valid.clone(),
        "The valid document with a stored state of another feed.",
        serde_json::json!({"root": staging.root(), "feed": null, "last_issued_at": null}),
        HOUR,
        "state_for_other_feed",
    );
    let other_setup = FeedOwner::builder()
        .root_keys(&[7], 1)
        .feed_keys(&[8], 1)
        .build();
    out.add(
        "state-for-other-root",
        valid.clone(),
        "The valid document with a stored state another setup of the same feed id left: its root v1 is another \
         root than the trusted v1.",
        serde_json::json!({"root": other_setup.root(), "feed": null, "last_issued_at": null}),
        HOUR,
        "state_for_other_root",
    );

    // Root rotation: v2 needs two of feed keys 4 and 5; v1 stays the trusted root.
    let mut rotated = FeedOwner::new();
    rotated.rotate_with_threshold(&[3], &[4, 5], 2);
    let rotated_feed = rotated.feed(
        8,
        0,
        vec![NoticeBuilder::outage("2026-07-01-keyshare").build()],
    );
    out.add(
        "rotation",
        rotated.publish(&rotated_feed),
        "Root v1 → v2 (new root key, feed keys 4 and 5, threshold 2), feed v8 signed by both.",
        null.clone(),
        HOUR,
        "ok",
    );
    out.add(
        "threshold-not-met",
        rotated.publish_feed_with(&rotated_feed, &[4]),
        "Under root v2 (threshold 2), the feed signed by feed key 4 only.",
        null.clone(),
        HOUR,
        "threshold_not_met",
    );
    out.add(
        "duplicate-signatures",
        rotated.publish_feed_with(&rotated_feed, &[4, 4]),
        "Under root v2 (threshold 2), the feed signed twice by feed key 4: one key counts once.",
        null.clone(),
        HOUR,
        "threshold_not_met",
    );
    out.add(
        "old-feed-key-after-rotation",
        rotated.publish_feed_with(&rotated_feed, &[2]),
        "Under root v2, the feed signed by the v1 feed key 2, which v2 no longer lists.",
        null.clone(),
        HOUR,
        "unknown_key",
    );
    out.add(
        "rotation-leaves-old-floor",
        rotated.publish(&rotated_feed),
        "After the v1 feed key signed version 2^64-1 issued in 9999, root v2 replaced it: feed v8 under v2 is accepted.",
        serde_json::json!({"root": owner.root(), "feed": {"version": u64::MAX, "sha256": "0".repeat(64)},
            "last_issued_at": "9999-12-31T00:00:00Z"}),
        HOUR,
        "ok",
    );
    // An attacker's v2 that trusts their keys (7, 8), signed only by their own new root key 7.
    let hijacked = owner.publish_under_forged_root(
        &RootPayload {
            version: 2,
            root_keys: vec![key(7).public_key()],
            feed_keys: vec![key(8).public_key()],
            ..owner.root().clone()
        },
        &[7],
        &owner.feed(8, 0, vec![NoticeBuilder::outage("phish").build()]),
        &[8],
    );
    out.add(
        "rotation-not-signed-by-previous-root",
        hijacked,
        "A root v2 signed only by its own new key, not by root v1's: the rotation is refused.",
        null,
        HOUR,
        "root_rotation_rejected",
    );
    protocol_points(&mut out, &owner, &rotated);
    let manifest = serde_json::json!({
        "about": "Test vectors for Notice verifiers. Trust root-v1.json; verify each document with the given state \
                  (null = fresh install) at `now`; `expect` is `ok`, a VerifyError code, or `any` (any rejection). \
                  Regenerate: cargo run -p notice-types --example vectors -- notice-types/tests/vectors",
        "trusted_root": "root-v1.json",
        "trusted_root_note": "A case with its own `trusted_root` is verified against that file instead; when a reader refuses \
                  to load it, that refusal (its code) is the case's result.",
        "cases": out.cases,
    });
    let mut manifest_bytes = serde_json::to_vec_pretty(&manifest).expect("serialize the manifest");
    manifest_bytes.push(b'\n');
    out.files.push(("manifest.json".to_owned(), manifest_bytes));
    out.files
}

/// The cases of PROTOCOL.md's precise points: roots compared as bytes, the keyid cap and what a keyid decides,
/// the nesting cap of signed payloads, which code a failing root envelope gets, timestamp offsets, byte order
/// marks and the shipped root file's format.
fn protocol_points(out: &mut Vectors, owner: &FeedOwner, rotated: &FeedOwner) {
    let null = serde_json::Value::Null;
    let feed = owner.feed(
        7,
        0,
        vec![NoticeBuilder::outage("2026-07-01-keyshare").build()],
    );
    let valid = owner.publish(&feed);

    // §8 step 2: the chain's entry at the trusted version is compared as bytes.
    let pretty_v1 = serde_json::to_vec_pretty(owner.root()).expect("serialize root v1");
    out.add(
        "root-v1-other-bytes",
        owner.publish_with_root_bytes(1, &pretty_v1, &[1], &feed),
        "roots[0] holds root v1's content in other bytes (indented), re-signed by the root key: not the shipped root.",
        null.clone(),
        HOUR,
        "root_chain_rejected",
    );
    let rotated_feed = rotated.feed(8, 0, vec![]);
    let pretty_v2 = serde_json::to_vec_pretty(rotated.root()).expect("serialize root v2");
    out.add(
        "state-root-other-bytes",
        rotated.publish_with_root_bytes(2, &pretty_v2, &[1, 3], &rotated_feed),
        "The state trusts root v2 (root_sha256 of its payload bytes); the document's v2 has the same content in \
         other bytes, signed by root v1's and v2's keys.",
        serde_json::json!({"root": rotated.root(), "root_sha256": rotated.root_sha256(2), "feed": null,
            "last_issued_at": null}),
        HOUR,
        "root_chain_rejected",
    );
    out.add(
        "state-root-same-bytes",
        rotated.publish(&rotated_feed),
        "The state trusts root v2 by the digest of its payload bytes; the document carries those bytes.",
        serde_json::json!({"root": rotated.root(), "root_sha256": rotated.root_sha256(2), "feed": null,
            "last_issued_at": null}),
        HOUR,
        "ok",
    );

    // §4: the keyid cap, and a non-empty keyid decides which key is tried.
    let feed_key_id = key(2).public_key().key_id();
    out.add(
        "keyid-too-long",
        edited(&valid, |d| {
            d["feed"]["signatures"][0]["keyid"] = format!("{feed_key_id}0").into();
        }),
        "The feed signature's keyid is 65 bytes (the real key id and one more digit): a shape error.",
        null.clone(),
        HOUR,
        "malformed_json",
    );
    out.add(
        "keyid-names-another-key",
        edited(&valid, |d| {
            d["feed"]["signatures"][0]["keyid"] = key(9).public_key().key_id().into();
        }),
        "A valid signature by the feed key under the key id of another key: only that key is tried, so no \
         trusted key signed.",
        null.clone(),
        HOUR,
        "unknown_key",
    );
    out.add(
        "keyid-upper-case",
        edited(&valid, |d| {
            d["feed"]["signatures"][0]["keyid"] = feed_key_id.to_uppercase().into();
        }),
        "The feed key's id in upper-case hex: key ids are compared as bytes, so it names no trusted key.",
        null.clone(),
        HOUR,
        "unknown_key",
    );
    out.add(
        "keyid-empty",
        edited(&valid, |d| d["feed"]["signatures"][0]["keyid"] = "".into()),
        "An empty keyid: every trusted key is tried, and the feed key's signature verifies.",
        null.clone(),
        HOUR,
        "ok",
    );

    // §2: nesting depth of signed payloads (the payload's object is level 1).
    let nested = |levels: usize| {
        let mut value = serde_json::json!(0);
        for _ in 0..levels {
            value = serde_json::json!([value]);
        }
        value
    };
    out.add(
        "nesting-at-limit",
        owner.publish_edited(&feed, |f| f["x_future_field"] = nested(31)),
        "An unknown field of 31 nested arrays: the payload nests 32 levels, the most allowed.",
        null.clone(),
        HOUR,
        "ok",
    );
    out.add(
        "nesting-too-deep",
        owner.publish_edited(&feed, |f| f["x_future_field"] = nested(32)),
        "An unknown field of 32 nested arrays: the payload nests 33 levels, one more than allowed.",
        null.clone(),
        HOUR,
        "invalid_payload",
    );

    // §8 step 2: inside a root envelope, every failure is the chain's code.
    out.add(
        "rotation-bad-signature",
        edited(&rotated.publish(&rotated_feed), |d| {
            d["roots"][1]["signatures"][0]["sig"] = base64_of(&[0x42; 64]).into();
        }),
        "Root v2's signature by root v1's key replaced by 64 other bytes (keyid kept): root_rotation_rejected, \
         not bad_signature.",
        null.clone(),
        HOUR,
        "root_rotation_rejected",
    );
    out.add(
        "rotation-malformed-base64",
        edited(&rotated.publish(&rotated_feed), |d| {
            d["roots"][1]["payload"] = "not base64!".into();
        }),
        "Root v2's payload is not base64: root_rotation_rejected, not malformed_base64.",
        null.clone(),
        HOUR,
        "root_rotation_rejected",
    );
    out.add(
        "root-v1-wrong-payload-type",
        edited(&valid, |d| {
            d["roots"][0]["payloadType"] = "application/json".into()
        }),
        "roots[0] with payloadType application/json: root_chain_rejected, not wrong_payload_type.",
        null.clone(),
        HOUR,
        "root_chain_rejected",
    );

    // §2: timestamp offsets.
    let issued = at(0);
    let with_offset = |offset: &str, shift: i64| {
        let local = Timestamp::from_unix(issued.unix() + shift).to_string();
        owner.publish_edited(&feed, |f| {
            f["issued_at"] = local.replace('Z', offset).into();
        })
    };
    out.add(
        "offset-at-limit",
        with_offset("+23:59", 23 * HOUR + 59 * 60),
        "issued_at written with the offset +23:59 (the same instant): accepted.",
        null.clone(),
        HOUR,
        "ok",
    );
    out.add(
        "offset-out-of-range",
        with_offset("+24:00", 24 * HOUR),
        "issued_at written with the offset +24:00: offsets range from -23:59 to +23:59.",
        null.clone(),
        HOUR,
        "invalid_payload",
    );
    out.add(
        "offset-minutes-out-of-range",
        with_offset("-01:60", -2 * HOUR),
        "issued_at written with the offset -01:60: offset minutes range from 00 to 59.",
        null.clone(),
        HOUR,
        "invalid_payload",
    );
    out.add(
        "offset-beyond-year-9999",
        owner.publish_edited(&feed, |f| {
            f["expires_at"] = "9999-12-31T23:59:59-00:01".into();
        }),
        "expires_at 9999-12-31T23:59:59-00:01, which is in the year 10000 in UTC: refused, not saturated.",
        null.clone(),
        HOUR,
        "invalid_payload",
    );

    // §2: byte order marks.
    let mut bom_document = b"\xEF\xBB\xBF".to_vec();
    bom_document.extend_from_slice(&valid);
    out.add(
        "bom-document",
        bom_document,
        "The valid document preceded by a UTF-8 byte order mark.",
        null.clone(),
        HOUR,
        "malformed_json",
    );
    let mut bom_payload = b"\xEF\xBB\xBF".to_vec();
    bom_payload.extend_from_slice(&serde_json::to_vec(&feed).expect("serialize the feed"));
    out.add(
        "bom-payload",
        owner.publish_raw(notice_types::FEED_PAYLOAD_TYPE, &bom_payload, &[2]),
        "A feed payload preceded by a byte order mark, properly signed.",
        null.clone(),
        HOUR,
        "invalid_payload",
    );

    // §10: the shipped root file.
    let pretty_file = serde_json::to_vec_pretty(&owner.chain()[0]).expect("serialize root v1");
    out.files
        .push(("root-v1-indented.json".to_owned(), pretty_file.clone()));
    out.add_with_root(
        "shipped-root-indented",
        "root-v1-indented.json",
        valid.clone(),
        "The shipped root file indented as notice-server init writes it (JSON whitespace is free): accepted.",
        HOUR,
        "ok",
    );
    let mut bom_file = b"\xEF\xBB\xBF".to_vec();
    bom_file.extend_from_slice(&pretty_file);
    out.files.push(("root-v1-bom.json".to_owned(), bom_file));
    out.add_with_root(
        "shipped-root-bom",
        "root-v1-bom.json",
        valid,
        "The shipped root file preceded by a byte order mark: the root file is refused.",
        HOUR,
        "malformed_json",
    );
}

/// The vector files and the manifest's cases, in the order they are added.
struct Vectors {
    files: Vec<(String, Vec<u8>)>,
    cases: Vec<serde_json::Value>,
}

impl Vectors {
    /// Like [`Vectors::add`] for a fresh install that trusts the root file `root_file` (already in the
    /// files) instead of `root-v1.json`.
    fn add_with_root(
        &mut self,
        name: &str,
        root_file: &str,
        bytes: Vec<u8>,
        description: &str,
        now: i64,
        expect: &str,
    ) {
        self.add(
            name,
            bytes,
            description,
            serde_json::Value::Null,
            now,
            expect,
        );
        if let Some(serde_json::Value::Object(case)) = self.cases.last_mut() {
            case.insert("trusted_root".to_owned(), root_file.into());
        }
    }

    /// Adds `NAME.json` with `bytes` and its manifest case: verified with `state` at `at(now)`, `expect` is
    /// `ok`, a `VerifyError` code or `any`.
    fn add(
        &mut self,
        name: &str,
        bytes: Vec<u8>,
        description: &str,
        state: serde_json::Value,
        now: i64,
        expect: &str,
    ) {
        let file = format!("{name}.json");
        self.files.push((file.clone(), bytes));
        self.cases.push(serde_json::json!({
            "name": name,
            "description": description,
            "document": file,
            "state": state,
            "now": at(now).to_string(),
            "expect": expect,
        }));
    }
}
