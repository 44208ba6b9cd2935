//! Runs verify + select of a 10-notice document (the benchmark's "known chain" case) a given number of
//! times, for instruction counts that do not depend on the machine's load:
//!
//! ```sh
//! cargo build --release -p notice-types --example verify_select_loop
//! valgrind --tool=callgrind target/release/examples/verify_select_loop 200
//! ```
//!
//! `bench/verify-select.sh` runs it with 0 and with N iterations and reports the difference per iteration.

use std::hint::black_box;

use notice_tests::{FeedOwner, NoticeBuilder, at};
use notice_types::{Context, LanguageTag, select, verify};

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
    for _ in 0..iterations {
        let verified = verify(black_box(&bytes), &trusted, Some(&state), at(60)).unwrap();
        black_box(select(&verified.feed, &context, at(60)));
    }
    println!(
        "{} bytes, {count} notices, {iterations} iterations",
        bytes.len()
    );
}
