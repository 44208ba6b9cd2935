//! Verification never panics, whatever the bytes.

use notice_tests::{FeedOwner, NoticeBuilder, at};
use notice_types::verify;
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let owner = FeedOwner::new();
        let _ = verify(&bytes, &owner.trusted(), None, at(1));
    }

    #[test]
    fn mutations_of_a_valid_document_never_panic_and_are_never_accepted(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
    ) {
        let owner = FeedOwner::new();
        let original = owner.document(1, vec![NoticeBuilder::outage("x").build()]);
        let mut bytes = original.clone();
        for (index, value) in edits {
            let i = index.index(bytes.len());
            bytes[i] = value;
        }
        let result = verify(&bytes, &owner.trusted(), None, at(1));
        prop_assert!(bytes == original || result.is_err());
    }

    #[test]
    fn arbitrary_json_shaped_documents_never_panic(json in arb_json(3)) {
        let owner = FeedOwner::new();
        let _ = verify(json.to_string().as_bytes(), &owner.trusted(), None, at(1));
    }
}

fn arb_json(depth: u32) -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        "[a-zA-Z0-9+/=:._-]{0,40}".prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(depth, 64, 8, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
            proptest::collection::btree_map(
                prop_oneof![
                    Just("roots".to_owned()),
                    Just("feed".to_owned()),
                    Just("payloadType".to_owned()),
                    Just("payload".to_owned()),
                    Just("signatures".to_owned()),
                    Just("sig".to_owned()),
                    Just("keyid".to_owned()),
                    "[a-z]{1,6}"
                ],
                inner,
                0..5,
            )
            .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}
