//! Feeds arbitrary bytes to the verifier as a published document, with and without stored state, and to the
//! trusted-root parser. Any panic, overflow or hang is a bug.
#![no_main]

use libfuzzer_sys::fuzz_target;
use notice_types::{FeedId, RootPayload, SecretKey, Timestamp, TrustState, TrustedRoot, sign_root, verify};

fuzz_target!(|data: &[u8]| {
    let root_key = SecretKey::from_seed(&[1; 32]);
    let root = RootPayload {
        feed_id: FeedId::parse("yivi-app/production").expect("valid id"),
        version: 1,
        root_keys: vec![root_key.public_key()],
        root_threshold: 1,
        feed_keys: vec![SecretKey::from_seed(&[2; 32]).public_key()],
        feed_threshold: 1,
        link_hosts: vec!["yivi.app".to_owned()],
    };
    let envelope = sign_root(&root, &root, &[&root_key]).expect("valid root");
    let trusted = TrustedRoot::from_envelope_bytes(&serde_json::to_vec(&envelope).expect("serializes"))
        .expect("trusted root");
    let now = Timestamp::from_unix(1_782_917_100);
    let _ = verify(data, &trusted, None, now);
    let state = TrustState { last_issued_at: Some(now), ..TrustState::new(&trusted) };
    let _ = verify(data, &trusted, Some(&state), now);
    let _ = TrustedRoot::from_envelope_bytes(data);
});
