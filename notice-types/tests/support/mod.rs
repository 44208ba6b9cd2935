//! Deterministic fixtures: fixed-seed keys, a root chain that can rotate, notices and published documents.
//!
//! Shared by the tests and by `examples/vectors.rs`, which writes the committed test vectors, so the vectors
//! and the tests can never describe different documents.
#![allow(dead_code, missing_docs)]

use notice_types::{
    Envelope, FEED_PAYLOAD_TYPE, FeedId, FeedPayload, LanguageTag, LocalizedText, Notice, NoticeId,
    PublishedDocument, ROOT_PAYLOAD_TYPE, RootPayload, SecretKey, Severity, Status, Timestamp,
    TrustedRoot, Update, sign_feed, sign_root,
};

/// 2026-07-01T14:45:00Z, when the post-mortem's outage began.
pub const T0: i64 = 1_782_917_100;
pub const HOUR: i64 = 3600;

pub fn at(offset_seconds: i64) -> Timestamp {
    Timestamp::from_unix(T0 + offset_seconds)
}

/// Key `n`: seed bytes all equal to `n`. Never use fixed seeds outside tests.
pub fn key(n: u8) -> SecretKey {
    SecretKey::from_seed(&[n; 32])
}

pub fn text(pairs: &[(&str, &str)]) -> LocalizedText {
    LocalizedText::from_pairs(
        pairs
            .iter()
            .map(|(l, t)| (LanguageTag::parse(l).unwrap(), *t)),
    )
    .unwrap()
}

/// A feed owner with its signed root chain. Root keys and feed keys are identified by seed numbers.
pub struct Owner {
    pub roots: Vec<RootPayload>,
    pub envelopes: Vec<Envelope>,
    pub root_seeds: Vec<u8>,
    pub feed_seeds: Vec<u8>,
}

impl Owner {
    /// Root v1 for `yivi-app/production`: root key 1, feed key 2, thresholds 1, links to yivi.app.
    pub fn new() -> Self {
        Self::with("yivi-app/production", &[1], 1, &[2], 1)
    }

    pub fn with(
        feed_id: &str,
        root_seeds: &[u8],
        root_threshold: u32,
        feed_seeds: &[u8],
        feed_threshold: u32,
    ) -> Self {
        let root = RootPayload {
            feed_id: FeedId::parse(feed_id).unwrap(),
            version: 1,
            root_keys: root_seeds.iter().map(|n| key(*n).public_key()).collect(),
            root_threshold,
            feed_keys: feed_seeds.iter().map(|n| key(*n).public_key()).collect(),
            feed_threshold,
            link_hosts: vec!["yivi.app".to_owned()],
        };
        let keys: Vec<SecretKey> = root_seeds.iter().map(|n| key(*n)).collect();
        let refs: Vec<&SecretKey> = keys.iter().collect();
        let envelope = sign_root(&root, &root, &refs).unwrap();
        Self {
            roots: vec![root],
            envelopes: vec![envelope],
            root_seeds: root_seeds.to_vec(),
            feed_seeds: feed_seeds.to_vec(),
        }
    }

    pub fn root(&self) -> &RootPayload {
        self.roots.last().unwrap()
    }

    /// The root the app ships (v1), as the app reads it.
    pub fn trusted(&self) -> TrustedRoot {
        TrustedRoot::from_envelope_bytes(&self.root_v1_bytes()).unwrap()
    }

    pub fn root_v1_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(&self.envelopes[0]).unwrap()
    }

    /// Publishes root N+1 with new root and feed keys, signed by the old and the new root keys.
    pub fn rotate(&mut self, root_seeds: &[u8], feed_seeds: &[u8]) {
        self.rotate_with_threshold(root_seeds, feed_seeds, 1);
    }

    /// [`Owner::rotate`] with a feed threshold other than 1.
    pub fn rotate_with_threshold(
        &mut self,
        root_seeds: &[u8],
        feed_seeds: &[u8],
        feed_threshold: u32,
    ) {
        let previous = self.root().clone();
        let next = RootPayload {
            version: previous.version + 1,
            root_keys: root_seeds.iter().map(|n| key(*n).public_key()).collect(),
            root_threshold: 1,
            feed_keys: feed_seeds.iter().map(|n| key(*n).public_key()).collect(),
            feed_threshold,
            ..previous.clone()
        };
        let mut seeds = self.root_seeds.clone();
        seeds.extend(root_seeds.iter().filter(|n| !self.root_seeds.contains(n)));
        let keys: Vec<SecretKey> = seeds.iter().map(|n| key(*n)).collect();
        let refs: Vec<&SecretKey> = keys.iter().collect();
        let envelope = sign_root(&next, &previous, &refs).unwrap();
        self.roots.push(next);
        self.envelopes.push(envelope);
        self.root_seeds = root_seeds.to_vec();
        self.feed_seeds = feed_seeds.to_vec();
    }

    pub fn feed(&self, version: u64, issued_offset: i64, notices: Vec<Notice>) -> FeedPayload {
        FeedPayload {
            feed_id: self.root().feed_id.clone(),
            version,
            issued_at: at(issued_offset),
            expires_at: at(issued_offset + 72 * HOUR),
            notices,
            service: None,
        }
    }

    /// Signs with the current feed keys through the checked writer path.
    pub fn publish(&self, feed: &FeedPayload) -> Vec<u8> {
        let keys: Vec<SecretKey> = self.feed_seeds.iter().map(|n| key(*n)).collect();
        let refs: Vec<&SecretKey> = keys.iter().collect();
        let envelope = sign_feed(feed, self.root(), &refs).unwrap();
        PublishedDocument::assemble(self.envelopes.clone(), envelope).unwrap()
    }

    /// Signs `payload` bytes as a feed with arbitrary keys and type, bypassing every writer check: for building
    /// documents a reader must reject.
    pub fn publish_raw(&self, payload_type: &str, payload: &[u8], seeds: &[u8]) -> Vec<u8> {
        let keys: Vec<SecretKey> = seeds.iter().map(|n| key(*n)).collect();
        let refs: Vec<&SecretKey> = keys.iter().collect();
        let envelope = Envelope::sign(payload_type, payload, &refs);
        serde_json::to_vec(&PublishedDocument {
            roots: self.envelopes.clone(),
            feed: envelope,
        })
        .unwrap()
    }

    pub fn publish_feed_with(&self, feed: &FeedPayload, seeds: &[u8]) -> Vec<u8> {
        self.publish_raw(FEED_PAYLOAD_TYPE, &serde_json::to_vec(feed).unwrap(), seeds)
    }
}

pub fn outage(id: &str) -> Notice {
    Notice {
        id: NoticeId::parse(id).unwrap(),
        revision: 1,
        severity: Severity::Outage,
        status: Status::Investigating,
        title: text(&[
            ("en", "PIN validation is down"),
            ("nl", "Pincode controleren werkt niet"),
            ("de", "PIN-Prüfung ist gestört"),
        ]),
        body: text(&[
            (
                "en",
                "You cannot log in to the Yivi app right now. We are working on it.",
            ),
            (
                "nl",
                "Je kunt nu niet inloggen in de Yivi-app. We werken eraan.",
            ),
            (
                "de",
                "Die Anmeldung in der Yivi-App ist gerade nicht möglich. Wir arbeiten daran.",
            ),
        ]),
        components: vec!["keyshare".parse().unwrap()],
        platforms: vec![],
        app_versions: None,
        created_at: at(0),
        updated_at: at(0),
        show_from: None,
        starts_at: Some(at(0)),
        ends_at: None,
        dismissible: false,
        link: Some("https://yivi.app/status".to_owned()),
        updates: vec![Update {
            at: at(0),
            status: Status::Investigating,
            message: text(&[
                ("en", "We are investigating."),
                ("nl", "We zoeken het uit."),
            ]),
        }],
    }
}

/// Maintenance announced from `show` to run from `start` to `end` (offsets from T0).
pub fn maintenance(id: &str, show: i64, start: i64, end: i64) -> Notice {
    Notice {
        id: NoticeId::parse(id).unwrap(),
        severity: Severity::Maintenance,
        status: Status::Scheduled,
        title: text(&[("en", "Planned maintenance"), ("nl", "Gepland onderhoud")]),
        body: text(&[
            ("en", "The app may be unavailable for a short time."),
            ("nl", "De app is even niet beschikbaar."),
        ]),
        dismissible: true,
        show_from: Some(at(show)),
        starts_at: Some(at(start)),
        ends_at: Some(at(end)),
        link: None,
        updates: vec![],
        ..outage(id)
    }
}

/// Standard base64 with padding.
pub fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Hex SHA-256 of the feed payload bytes inside a published document (what a state's feed mark holds).
pub fn payload_sha256(document: &[u8]) -> String {
    use base64::Engine as _;
    use sha2::Digest as _;
    let document = PublishedDocument::parse(document).unwrap();
    let payload = base64::engine::general_purpose::STANDARD
        .decode(&document.feed.payload)
        .unwrap();
    hex::encode(sha2::Sha256::digest(payload))
}

/// The committed test vectors: (file name, bytes) pairs and the manifest that describes them.
pub fn vectors() -> Vec<(String, Vec<u8>)> {
    let owner = Owner::new();
    let feed = owner.feed(7, 0, vec![outage("2026-07-01-keyshare")]);
    let valid = owner.publish(&feed);
    let mut files = vec![("root-v1.json".to_owned(), owner.root_v1_bytes())];
    let mut cases: Vec<serde_json::Value> = Vec::new();
    let mut add = |files: &mut Vec<(String, Vec<u8>)>,
                   name: &str,
                   bytes: Vec<u8>,
                   description: &str,
                   state: serde_json::Value,
                   now: i64,
                   expect: &str| {
        let file = format!("{name}.json");
        files.push((file.clone(), bytes));
        cases.push(serde_json::json!({
            "name": name,
            "description": description,
            "document": file,
            "state": state,
            "now": at(now).to_string(),
            "expect": expect,
        }));
    };
    let floor = |version: u64, sha: &str| serde_json::json!({"root": owner.root(), "feed": {"version": version, "sha256": sha}, "last_issued_at": null});
    let null = serde_json::Value::Null;
    add(
        &mut files,
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
    add(
        &mut files,
        "tampered",
        tampered,
        "The valid document with one bit flipped in the middle.",
        null.clone(),
        HOUR,
        "any",
    );
    add(
        &mut files,
        "unknown-key",
        owner.publish_feed_with(&feed, &[9]),
        "Feed signed by a key the root does not list.",
        null.clone(),
        HOUR,
        "unknown_key",
    );
    add(
        &mut files,
        "wrong-payload-type",
        owner.publish_raw(
            "application/json",
            &serde_json::to_vec(&feed).unwrap(),
            &[2],
        ),
        "Feed envelope with payloadType application/json.",
        null.clone(),
        HOUR,
        "wrong_payload_type",
    );
    let other = Owner::with("yivi-app/staging", &[1], 1, &[2], 1);
    let staging_feed = other.feed(7, 0, vec![]);
    add(
        &mut files,
        "wrong-feed-id",
        owner.publish_feed_with(&staging_feed, &[2]),
        "A feed for yivi-app/staging signed by the production feed key.",
        null.clone(),
        HOUR,
        "wrong_feed_id",
    );
    add(
        &mut files,
        "expired",
        valid.clone(),
        "The valid document, 73 hours after it was issued.",
        null.clone(),
        73 * HOUR,
        "expired",
    );
    add(
        &mut files,
        "rolled-back",
        valid.clone(),
        "The valid document (v7) after v8 was seen.",
        floor(8, &"0".repeat(64)),
        HOUR,
        "rolled_back",
    );
    add(
        &mut files,
        "equal-version-different-bytes",
        valid.clone(),
        "The valid document (v7) when a different v7 was seen.",
        floor(7, &"0".repeat(64)),
        HOUR,
        "equal_version_different_bytes",
    );
    add(
        &mut files,
        "malformed-json",
        b"{\"roots\":[".to_vec(),
        "Truncated JSON.",
        null.clone(),
        HOUR,
        "malformed_json",
    );
    let mut bad_b64: serde_json::Value = serde_json::from_slice(&valid).unwrap();
    bad_b64["feed"]["payload"] = serde_json::Value::String("not base64!".to_owned());
    add(
        &mut files,
        "malformed-base64",
        serde_json::to_vec(&bad_b64).unwrap(),
        "Feed payload is not base64.",
        null.clone(),
        HOUR,
        "malformed_base64",
    );
    let mut extra: serde_json::Value = serde_json::from_slice(&valid).unwrap();
    extra["unsigned_note"] = serde_json::Value::String("trust me".to_owned());
    add(
        &mut files,
        "unknown-wrapper-field",
        serde_json::to_vec(&extra).unwrap(),
        "Unsigned field next to roots and feed.",
        null.clone(),
        HOUR,
        "malformed_json",
    );

    // Signed payloads may carry fields a reader does not know: ignored, so that later versions can add some.
    let mut future: serde_json::Value = serde_json::to_value(&feed).unwrap();
    future["x_future_field"] = serde_json::json!({"anything": [1, 2, 3]});
    future["notices"][0]["x_future_field"] = serde_json::Value::Bool(true);
    add(
        &mut files,
        "unknown-payload-fields",
        owner.publish_raw(
            FEED_PAYLOAD_TYPE,
            &serde_json::to_vec(&future).unwrap(),
            &[2],
        ),
        "Signed feed and notice with fields this version does not know: ignored, accepted.",
        null.clone(),
        HOUR,
        "ok",
    );
    // A signature that does not verify, under the key id of the real feed key.
    let mut forged: serde_json::Value = serde_json::from_slice(&valid).unwrap();
    forged["feed"]["signatures"][0]["sig"] = serde_json::Value::String(base64_of(&[0x42; 64]));
    add(
        &mut files,
        "bad-signature",
        serde_json::to_vec(&forged).unwrap(),
        "The feed's signature replaced by 64 other bytes, keyid unchanged.",
        null.clone(),
        HOUR,
        "bad_signature",
    );
    let mut no_signatures: serde_json::Value = serde_json::from_slice(&valid).unwrap();
    no_signatures["feed"]["signatures"] = serde_json::json!([]);
    add(
        &mut files,
        "no-signatures",
        serde_json::to_vec(&no_signatures).unwrap(),
        "A feed envelope with an empty signature list (a shape error).",
        null.clone(),
        HOUR,
        "malformed_json",
    );
    let mut bad_text = serde_json::to_value(&feed).unwrap();
    bad_text["notices"][0]["title"]["en"] =
        serde_json::Value::String("PIN check \u{202e}nwod si".to_owned());
    add(
        &mut files,
        "invalid-payload",
        owner.publish_raw(
            FEED_PAYLOAD_TYPE,
            &serde_json::to_vec(&bad_text).unwrap(),
            &[2],
        ),
        "Properly signed, but a title carries a right-to-left override (U+202E).",
        null.clone(),
        HOUR,
        "invalid_payload",
    );
    let mut lax_time = serde_json::to_value(&feed).unwrap();
    lax_time["issued_at"] = serde_json::Value::String(at(0).to_string().replace('T', " "));
    add(
        &mut files,
        "lax-timestamp",
        owner.publish_raw(
            FEED_PAYLOAD_TYPE,
            &serde_json::to_vec(&lax_time).unwrap(),
            &[2],
        ),
        "Properly signed, but issued_at uses a space instead of T (not RFC 3339 as this format takes it).",
        null.clone(),
        HOUR,
        "invalid_payload",
    );
    let mut padded = valid.clone();
    padded.resize(notice_types::limits::MAX_DOCUMENT_BYTES + 1, b' ');
    add(
        &mut files,
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
    add(
        &mut files,
        "clock-stepped-back",
        valid.clone(),
        "The valid document on a device whose clock went back: expiry is judged at the latest issued_at seen.",
        seen_later,
        HOUR,
        "expired",
    );
    let staging = Owner::with("yivi-app/staging", &[1], 1, &[2], 1);
    add(
        &mut files,
        "state-for-other-feed",
        valid.clone(),
        "The valid document with a stored state of another feed.",
        serde_json::json!({"root": staging.root(), "feed": null, "last_issued_at": null}),
        HOUR,
        "state_for_other_feed",
    );

    // Root rotation: v2 needs two of feed keys 4 and 5; v1 stays the trusted root.
    let mut rotated = Owner::new();
    rotated.rotate_with_threshold(&[3], &[4, 5], 2);
    let rotated_feed = rotated.feed(8, 0, vec![outage("2026-07-01-keyshare")]);
    add(
        &mut files,
        "rotation",
        rotated.publish(&rotated_feed),
        "Root v1 → v2 (new root key, feed keys 4 and 5, threshold 2), feed v8 signed by both.",
        null.clone(),
        HOUR,
        "ok",
    );
    add(
        &mut files,
        "threshold-not-met",
        rotated.publish_feed_with(&rotated_feed, &[4]),
        "Under root v2 (threshold 2), the feed signed by feed key 4 only.",
        null.clone(),
        HOUR,
        "threshold_not_met",
    );
    add(
        &mut files,
        "duplicate-signatures",
        rotated.publish_feed_with(&rotated_feed, &[4, 4]),
        "Under root v2 (threshold 2), the feed signed twice by feed key 4: one key counts once.",
        null.clone(),
        HOUR,
        "threshold_not_met",
    );
    add(
        &mut files,
        "old-feed-key-after-rotation",
        rotated.publish_feed_with(&rotated_feed, &[2]),
        "Under root v2, the feed signed by the v1 feed key 2, which v2 no longer lists.",
        null.clone(),
        HOUR,
        "unknown_key",
    );
    add(
        &mut files,
        "rotation-leaves-old-floor",
        rotated.publish(&rotated_feed),
        "After the v1 feed key signed version 2^64-1 issued in 9999, root v2 replaced it: feed v8 under v2 is accepted.",
        serde_json::json!({"root": owner.root(), "feed": {"version": u64::MAX, "sha256": "0".repeat(64)},
            "last_issued_at": "9999-12-31T00:00:00Z"}),
        HOUR,
        "ok",
    );
    let hijacked = {
        // An attacker's v2 that trusts their keys (7, 8), signed only by their own new root key 7.
        let v2 = RootPayload {
            version: 2,
            root_keys: vec![key(7).public_key()],
            feed_keys: vec![key(8).public_key()],
            ..owner.root().clone()
        };
        let envelope = Envelope::sign(
            ROOT_PAYLOAD_TYPE,
            &serde_json::to_vec(&v2).unwrap(),
            &[&key(7)],
        );
        let feed = serde_json::to_vec(&owner.feed(8, 0, vec![outage("phish")])).unwrap();
        serde_json::to_vec(&PublishedDocument {
            roots: vec![owner.envelopes[0].clone(), envelope],
            feed: Envelope::sign(FEED_PAYLOAD_TYPE, &feed, &[&key(8)]),
        })
        .unwrap()
    };
    add(
        &mut files,
        "rotation-not-signed-by-previous-root",
        hijacked,
        "A root v2 signed only by its own new key, not by root v1's: the rotation is refused.",
        null,
        HOUR,
        "root_rotation_rejected",
    );
    let manifest = serde_json::json!({
        "about": "Test vectors for Notice verifiers. Trust root-v1.json; verify each document with the given state \
                  (null = fresh install) at `now`; `expect` is `ok`, a VerifyError code, or `any` (any rejection). \
                  Regenerate: cargo run -p notice-types --example vectors -- notice-types/tests/vectors",
        "trusted_root": "root-v1.json",
        "cases": cases,
    });
    let mut manifest_bytes = serde_json::to_vec_pretty(&manifest).unwrap();
    manifest_bytes.push(b'\n');
    files.push(("manifest.json".to_owned(), manifest_bytes));
    files
}
