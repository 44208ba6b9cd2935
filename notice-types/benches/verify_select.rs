//! Verify + select cost on a phone-sized feed: 1, 10 and 100 notices (100 is above the 50-notice cap of a
//! feed, so that case uses two feeds' worth of work: it measures scaling, not a valid document).
//!
//! `cargo bench -p notice-types --bench verify_select`. Goal (BENCHMARKS.md): 10 notices ≤ 100 µs.

// criterion's macros generate undocumented public functions.
#![allow(missing_docs)]

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use notice_tests::{FeedOwner, NoticeBuilder, at};
use notice_types::{Context, LanguageTag, select, verify};

fn feed_bytes(owner: &FeedOwner, count: usize) -> Vec<u8> {
    let notices = (0..count)
        .map(|i| {
            NoticeBuilder::outage(&format!("notice-{i}"))
                .updated(i as i64)
                .build()
        })
        .collect();
    owner.document(1, notices)
}

fn bench(c: &mut Criterion) {
    let owner = FeedOwner::new();
    let trusted = owner.trusted();
    let context = Context {
        locales: vec![LanguageTag::parse("nl").unwrap()],
        ..Context::default()
    };
    let mut group = c.benchmark_group("verify_then_select");
    for count in [1usize, 10, 50] {
        let bytes = feed_bytes(&owner, count);
        // A fresh install verifies the root chain and the feed.
        group.bench_with_input(
            BenchmarkId::new("fresh_install", count),
            &bytes,
            |b, bytes| {
                b.iter(|| {
                    let verified = verify(black_box(bytes), &trusted, None, at(60)).unwrap();
                    black_box(select(&verified.feed, &context, at(60)))
                })
            },
        );
        // Every later refresh: the state already holds this root chain, only the feed is verified.
        let state = verify(&bytes, &trusted, None, at(60)).unwrap().state;
        group.bench_with_input(
            BenchmarkId::new("known_chain", count),
            &bytes,
            |b, bytes| {
                b.iter(|| {
                    let verified =
                        verify(black_box(bytes), &trusted, Some(&state), at(60)).unwrap();
                    black_box(select(&verified.feed, &context, at(60)))
                })
            },
        );
    }
    // 100 notices: two documents of 50, verified and selected one after the other.
    let half = feed_bytes(&owner, 50);
    group.bench_function(BenchmarkId::new("fresh_install", 100), |b| {
        b.iter(|| {
            for _ in 0..2 {
                let verified = verify(black_box(&half), &trusted, None, at(60)).unwrap();
                black_box(select(&verified.feed, &context, at(60)));
            }
        })
    });
    let half_state = verify(&half, &trusted, None, at(60)).unwrap().state;
    group.bench_function(BenchmarkId::new("known_chain", 100), |b| {
        b.iter(|| {
            for _ in 0..2 {
                let verified =
                    verify(black_box(&half), &trusted, Some(&half_state), at(60)).unwrap();
                black_box(select(&verified.feed, &context, at(60)));
            }
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
