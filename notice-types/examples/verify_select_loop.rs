//! Runs verify + select of a 10-notice document (the benchmark's "known chain" case) a given number of
//! times, for instruction counts that do not depend on the machine's load:
//!
//! ```sh
//! cargo build --release -p notice-types --example verify_select_loop
//! valgrind --tool=callgrind target/release/examples/verify_select_loop 200         # verify + select
//! valgrind --tool=callgrind target/release/examples/verify_select_loop 200 10 floor  # bare verify_strict
//! ```
//!
//! `bench/verify-select.sh` runs it with 0 and with N iterations and reports the difference per iteration.
//! With `floor`, each iteration is one bare `verify_strict` of the same signed bytes instead (the benchmark's
//! floor), so the two counts give the ratio without timing noise.

use std::hint::black_box;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use notice_tests::{FeedOwner, NoticeBuilder, at};
use notice_types::{Context, LanguageTag, PublishedDocument, pae, select, verify};

fn main() {
    let iterations: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(1000);
    let count: usize = std::env::args()
        .nth(2)
        .and_then(|n| n.parse().ok())
        .unwrap_or(10);
    let owner = FeedOwner::new();
    let trusted = owner.trusted();
    let notices = (0..count)
        .map(|i| {
            NoticeBuilder::outage(&format!("notice-{i}"))
                .updated(i as i64)
                .build()
        })
        .collect();
    let bytes = owner.document(1, notices);
    let context = Context {
        locales: vec![LanguageTag::parse("nl").unwrap()],
        ..Context::default()
    };
    let state = verify(&bytes, &trusted, None, at(60)).unwrap().state;
    if std::env::args().nth(3).as_deref() == Some("floor") {
        let document = PublishedDocument::parse(&bytes).unwrap();
        let payload = STANDARD.decode(&document.feed.payload).unwrap();
        let message = pae(&document.feed.payload_type, &payload);
        let signature: [u8; 64] = STANDARD
            .decode(&document.feed.signatures[0].sig)
            .unwrap()
            .try_into()
            .unwrap();
        let signature = ed25519_dalek::Signature::from_bytes(&signature);
        let key =
            ed25519_dalek::VerifyingKey::from_bytes(&owner.root().feed_keys[0].to_bytes()).unwrap();
        for _ in 0..iterations {
            key.verify_strict(black_box(&message), black_box(&signature))
                .unwrap();
        }
        println!(
            "{} bytes signed, floor, {iterations} iterations",
            message.len()
        );
        return;
    }
    for _ in 0..iterations {
        let verified = verify(black_box(&bytes), &trusted, Some(&state), at(60)).unwrap();
        black_box(select(&verified.feed, &context, at(60)));
    }
    println!(
        "{} bytes, {count} notices, {iterations} iterations",
        bytes.len()
    );
}
