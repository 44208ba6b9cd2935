//! Verify + select cost on a phone-sized feed: 1, 10 and 100 notices (100 is above the 50-notice cap of a
//! feed, so that case uses two feeds' worth of work: it measures scaling, not a valid document).
//!
//! `cargo bench -p notice-types --bench verify_select`. Each document size also gets its floor, measured in
//! the same run: one bare `verify_strict` of the same signed bytes (the feed envelope's pre-authentication
//! encoding), the least any verifier of this format must do. Goal (BENCHMARKS.md): verify + select of 10
//! notices with a known chain ≤ 1.5 × that floor.

// criterion's macros generate undocumented public functions.
#![allow(missing_docs)]

use std::hint::black_box;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use notice_tests::{FeedOwner, NoticeBuilder, at};
use notice_types::{Context, FeedPayload, LanguageTag, PublishedDocument, pae, select, verify};
use sha2::{Digest, Sha256};

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

/// The feed signature's inputs, straight from the published bytes: the signed message (PAE of the payload),
/// the signature and the feed key, ready for a bare `verify_strict`.
fn floor_inputs(
    owner: &FeedOwner,
    bytes: &[u8],
) -> (
    Vec<u8>,
    ed25519_dalek::Signature,
    ed25519_dalek::VerifyingKey,
) {
    let document = PublishedDocument::parse(bytes).unwrap();
    let payload = STANDARD.decode(&document.feed.payload).unwrap();
    let message = pae(&document.feed.payload_type, &payload);
    let signature: [u8; 64] = STANDARD
        .decode(&document.feed.signatures[0].sig)
        .unwrap()
        .try_into()
        .unwrap();
    let key =
        ed25519_dalek::VerifyingKey::from_bytes(&owner.root().feed_keys[0].to_bytes()).unwrap();
    (
        message,
        ed25519_dalek::Signature::from_bytes(&signature),
        key,
    )
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
        // The floor: one signature check of the same signed bytes, nothing else.
        let (message, signature, key) = floor_inputs(&owner, &bytes);
        group.bench_with_input(
            BenchmarkId::new("bare_verify_strict", count),
            &message,
            |b, message| {
                b.iter(|| {
                    key.verify_strict(black_box(message), black_box(&signature))
                        .unwrap()
                })
            },
        );
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

/// The payload's shape with every value borrowed and nothing checked: what a serde_json read into typed
/// fields costs at least (each field matched by name and handed over), without building or checking
/// anything. Strings with escapes would be copied (`Cow`); the benchmark's texts have none.
mod borrowed {
    use std::borrow::Cow;

    use serde::Deserialize;

    /// A localized text as its pairs, in document order.
    pub struct Text<'a>(#[allow(dead_code)] pub Vec<(&'a str, Cow<'a, str>)>);

    impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
        fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            struct Pairs;
            impl<'de> serde::de::Visitor<'de> for Pairs {
                type Value = Text<'de>;
                fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    f.write_str("an object of language tag to text")
                }
                fn visit_map<A: serde::de::MapAccess<'de>>(
                    self,
                    mut map: A,
                ) -> Result<Text<'de>, A::Error> {
                    let mut pairs = Vec::new();
                    while let Some(pair) = map.next_entry::<&'de str, Cow<'de, str>>()? {
                        pairs.push(pair);
                    }
                    Ok(Text(pairs))
                }
            }
            deserializer.deserialize_map(Pairs)
        }
    }

    #[derive(Deserialize)]
    #[allow(dead_code)]
    pub struct Update<'a> {
        #[serde(borrow)]
        at: &'a str,
        #[serde(borrow)]
        status: &'a str,
        #[serde(borrow)]
        message: Text<'a>,
    }

    #[derive(Deserialize)]
    #[allow(dead_code)]
    pub struct Notice<'a> {
        #[serde(borrow)]
        id: &'a str,
        revision: u64,
        #[serde(borrow)]
        severity: &'a str,
        #[serde(borrow)]
        status: &'a str,
        #[serde(borrow)]
        title: Text<'a>,
        #[serde(borrow)]
        body: Text<'a>,
        #[serde(borrow, default)]
        components: Vec<&'a str>,
        #[serde(borrow, default)]
        platforms: Vec<&'a str>,
        #[serde(borrow, default)]
        app_versions: Option<&'a str>,
        #[serde(borrow)]
        created_at: &'a str,
        #[serde(borrow)]
        updated_at: &'a str,
        #[serde(borrow, default)]
        show_from: Option<&'a str>,
        #[serde(borrow, default)]
        starts_at: Option<&'a str>,
        #[serde(borrow, default)]
        ends_at: Option<&'a str>,
        dismissible: bool,
        #[serde(borrow, default)]
        link: Option<&'a str>,
        #[serde(borrow, default)]
        updates: Vec<Update<'a>>,
    }

    #[derive(Deserialize)]
    #[allow(dead_code)]
    pub struct Feed<'a> {
        #[serde(borrow)]
        feed_id: &'a str,
        version: u64,
        #[serde(borrow)]
        issued_at: &'a str,
        #[serde(borrow)]
        expires_at: &'a str,
        #[serde(borrow)]
        notices: Vec<Notice<'a>>,
        #[serde(default)]
        service: Option<serde::de::IgnoredAny>,
    }
}

/// Where verify + select of 10 notices spends what it spends above its floor: each part of reading a feed
/// alone, on the same bytes, for BENCHMARKS.md's breakdown. The *skims* parse JSON into `IgnoredAny`: what
/// any JSON reader must at least do with these bytes, without building or checking anything. Each JSON read
/// checks UTF-8 once and then reads text, as `verify` does.
fn parts(c: &mut Criterion) {
    fn read<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> T {
        serde_json::from_str(std::str::from_utf8(bytes).unwrap()).unwrap()
    }
    let owner = FeedOwner::new();
    let bytes = feed_bytes(&owner, 10);
    let document = PublishedDocument::parse(&bytes).unwrap();
    let payload = STANDARD.decode(&document.feed.payload).unwrap();
    let feed: FeedPayload = serde_json::from_slice(&payload).unwrap();
    let context = Context {
        locales: vec![LanguageTag::parse("nl").unwrap()],
        ..Context::default()
    };
    let mut group = c.benchmark_group("parts_of_10");
    group.bench_function("document_skim", |b| {
        b.iter(|| read::<serde::de::IgnoredAny>(black_box(&bytes)))
    });
    group.bench_function("payload_base64", |b| {
        b.iter(|| STANDARD.decode(black_box(&document.feed.payload)).unwrap())
    });
    group.bench_function("payload_skim", |b| {
        b.iter(|| read::<serde::de::IgnoredAny>(black_box(&payload)))
    });
    // The least a serde_json read into the payload's fields costs: borrowed, unchecked (see `borrowed`).
    let text = std::str::from_utf8(&payload).unwrap();
    group.bench_function("payload_borrowed", |b| {
        b.iter(|| serde_json::from_str::<borrowed::Feed<'_>>(black_box(text)).unwrap())
    });
    // Typed: every notice built and checked (texts, times, ids, links), then dropped.
    group.bench_function("payload_typed", |b| {
        b.iter(|| read::<FeedPayload>(black_box(&payload)))
    });
    group.bench_function("payload_sha256", |b| {
        b.iter(|| Sha256::digest(black_box(&payload)))
    });
    group.bench_function("select", |b| {
        b.iter(|| select(black_box(&feed), &context, at(60)))
    });
    group.finish();
}

criterion_group!(benches, bench, parts);
criterion_main!(benches);
