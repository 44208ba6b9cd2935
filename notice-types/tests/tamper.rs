//! Any change to the bytes of a published document is rejected: exhaustively, every bit of a small document.

use notice_tests::{FeedOwner, NoticeBuilder, at};
use notice_types::{VerifyError, verify};

#[test]
fn flipping_any_single_bit_of_a_small_document_is_rejected() {
    let owner = FeedOwner::new();
    let bytes = owner.document(1, vec![]);
    let trusted = owner.trusted();
    assert!(
        verify(&bytes, &trusted, None, at(1)).is_ok(),
        "the untouched document must verify"
    );

    // Fresh install, and a client that already verified this very document (its state caches the chain).
    let seen = verify(&bytes, &trusted, None, at(1)).unwrap().state;
    let mut accepted = Vec::new();
    for state in [None, Some(&seen)] {
        for index in 0..bytes.len() {
            for bit in 0..8 {
                let mut flipped = bytes.clone();
                flipped[index] ^= 1 << bit;
                if verify(&flipped, &trusted, state, at(1)).is_ok() {
                    accepted.push((state.is_some(), index, bit));
                }
            }
        }
    }
    assert!(
        accepted.is_empty(),
        "accepted after flipping (with state, byte, bit): {accepted:?} of {} bytes",
        bytes.len()
    );
}

#[test]
fn a_changed_notice_text_fails_the_feed_signature() {
    let owner = FeedOwner::new();
    let bytes = owner.document(1, vec![NoticeBuilder::outage("x").build()]);
    let mut document: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    // Re-encode the payload with one word changed: valid base64, valid JSON, wrong signature.
    use base64::Engine as _;
    let engine = base64::engine::general_purpose::STANDARD;
    let payload = engine
        .decode(document["feed"]["payload"].as_str().unwrap())
        .unwrap();
    let changed = String::from_utf8(payload)
        .unwrap()
        .replace("We are working on it.", "Reset your PIN at evil.example.");
    document["feed"]["payload"] = engine.encode(changed).into();
    let err = verify(
        &serde_json::to_vec(&document).unwrap(),
        &owner.trusted(),
        None,
        at(1),
    )
    .unwrap_err();
    assert!(matches!(err, VerifyError::BadSignature { .. }), "{err}");
}
