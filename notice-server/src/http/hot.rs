//! The published document as the public endpoint serves it: bytes, strong ETag and pre-compressed variants,
//! built once per change and swapped in atomically. A GET reads an `Arc` and copies bytes: no database, no
//! signing, no compression, and no formatting either: every header value a GET sends is built here, once.
//!
//! The brotli variant is the one costly part (quality 11 takes milliseconds per document, ~60 times gzip's
//! time, for a few percent fewer bytes). [`HotFeed::install`] therefore serves a new document first and
//! compresses it with brotli right after, before it returns: the write that installed it still answers only
//! once every variant is ready, but GETs see the new version without waiting for brotli. A GET that prefers
//! brotli in those milliseconds gets its next choice (gzip) rather than wait ([`HotDocument::br_now`]).
//! Documents that no [`HotFeed`] installs (the status pages) are compressed with brotli on first use.

use std::io::Write as _;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock, PoisonError, RwLock};

use axum::body::Bytes;
use axum::http::HeaderValue;
use notice_types::Timestamp;
use sha2::{Digest, Sha256};

use super::cache::variant_etag;
use super::negotiate::Encoding;
use crate::metrics::FeedGauges;
use crate::storage::feeds::StoredFeed;

/// One published document, ready to serve.
#[derive(Debug)]
pub(crate) struct HotDocument {
    /// Feed version.
    pub(crate) version: u64,
    /// The feed's `issued_at`.
    pub(crate) issued_at: Timestamp,
    /// The feed's `expires_at`.
    pub(crate) expires_at: Timestamp,
    /// When a resolved notice in it passes retention.
    pub(crate) refresh_at: Option<Timestamp>,
    /// The exact published bytes.
    pub(crate) identity: Bytes,
    /// brotli of `identity`, likewise; compressed after the document is served, or on first use (see the
    /// module doc).
    br: OnceLock<Option<Variant>>,
    /// Whether [`HotFeed`] is compressing `br` (GETs do not wait for it then).
    br_compressing: AtomicBool,
    /// Lowercase hex SHA-256 of `identity`.
    pub(crate) sha256_hex: String,
    /// The `x-notice-feed-version` value.
    pub(crate) version_header: HeaderValue,
    identity_variant: Variant,
    gzip_variant: Option<Variant>,
}

/// One encoding of a document with its pre-built header values.
#[derive(Debug, Clone)]
pub(crate) struct Variant {
    /// Which encoding.
    pub(crate) encoding: Encoding,
    /// The bytes sent.
    pub(crate) body: Bytes,
    /// Its strong ETag ([`variant_etag`]).
    pub(crate) etag: HeaderValue,
    /// Its `Content-Length`.
    pub(crate) content_length: HeaderValue,
}

impl Variant {
    fn new(encoding: Encoding, body: Bytes, sha256_hex: &str) -> Self {
        Self {
            encoding,
            // The tag is a quoted hex digest with an ASCII suffix: always a valid header value.
            etag: HeaderValue::from_str(&variant_etag(sha256_hex, encoding))
                .unwrap_or_else(|_| HeaderValue::from_static("\"invalid\"")),
            content_length: HeaderValue::from(body.len()),
            body,
        }
    }
}

impl HotDocument {
    /// Hashes and gzips a stored document; brotli follows ([`HotFeed::install`], or [`HotDocument::br`] on first
    /// use).
    pub(crate) fn build(feed: &StoredFeed) -> Self {
        let identity = Bytes::from(feed.bytes.clone());
        let sha256_hex = hex::encode(Sha256::digest(&identity));
        let gzip = gzip(&identity).map(Bytes::from);
        Self {
            version: feed.version,
            issued_at: feed.issued_at,
            expires_at: feed.expires_at,
            refresh_at: feed.refresh_at,
            version_header: HeaderValue::from(feed.version),
            identity_variant: Variant::new(Encoding::Identity, identity.clone(), &sha256_hex),
            // gzip only fails on allocation trouble; identity is served then.
            gzip_variant: gzip.map(|bytes| Variant::new(Encoding::Gzip, bytes, &sha256_hex)),
            br: OnceLock::new(),
            br_compressing: AtomicBool::new(false),
            identity,
            sha256_hex,
        }
    }

    /// What the metrics show of it.
    pub(crate) fn gauges(&self) -> FeedGauges {
        FeedGauges {
            version: self.version,
            issued_at: self.issued_at,
            expires_at: self.expires_at,
        }
    }

    /// The brotli variant. Compresses it if nobody has yet; if another thread is compressing it right now,
    /// waits for that instead of compressing twice.
    pub(crate) fn br(&self) -> Option<&Variant> {
        self.br
            .get_or_init(|| {
                brotli(&self.identity)
                    .map(|bytes| Variant::new(Encoding::Br, Bytes::from(bytes), &self.sha256_hex))
            })
            .as_ref()
    }

    /// The brotli variant if it can be had without waiting: `None` while [`HotFeed::install`] is compressing
    /// it (the caller picks another encoding); compressed now if nobody has yet.
    pub(crate) fn br_now(&self) -> Option<&Variant> {
        match self.br.get() {
            Some(variant) => variant.as_ref(),
            None if self.br_compressing.load(Ordering::Acquire) => None,
            None => self.br(),
        }
    }

    /// Compresses the brotli variant on behalf of readers that will not wait for it ([`HotDocument::br_now`]).
    fn compress_br(&self) {
        self.br_compressing.store(true, Ordering::Release);
        self.br();
    }

    /// The variant to send for `encoding`: that one if it exists, else the uncompressed bytes.
    pub(crate) fn variant(&self, encoding: Encoding) -> &Variant {
        let found = match encoding {
            Encoding::Br => self.br(),
            Encoding::Gzip => self.gzip_variant.as_ref(),
            Encoding::Identity => None,
        };
        found.unwrap_or(&self.identity_variant)
    }
}

fn gzip(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes).ok()?;
    encoder.finish().ok()
}

fn brotli(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    {
        // Quality 11 (best): compressed once per change, read millions of times. The window only as large as
        // the document (brotli's window is 2^lgwin - 16 bytes, 2^10 to 2^24): a larger one compresses no
        // better and costs memory.
        let lgwin = (usize::BITS - (bytes.len() + 16).leading_zeros()).clamp(10, 24);
        let mut writer = brotli::CompressorWriter::new(&mut out, 4096, 11, lgwin);
        writer.write_all(bytes).ok()?;
        writer.flush().ok()?;
    }
    Some(out)
}

/// The document currently served.
#[derive(Debug)]
pub(crate) struct HotFeed(RwLock<Arc<HotDocument>>);

impl HotFeed {
    /// Starts serving `doc`, with all its variants.
    pub(crate) fn new(doc: HotDocument) -> Self {
        doc.br();
        Self(RwLock::new(Arc::new(doc)))
    }

    /// The document to serve now. The lock is held only to clone the `Arc`.
    pub(crate) fn current(&self) -> Arc<HotDocument> {
        self.0
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Serves `doc` from now on, unless a newer version is already served (versions never go down). Then
    /// compresses its brotli variant, so that is ready when this returns; GETs do not wait for it.
    pub(crate) fn install(&self, doc: HotDocument) -> bool {
        let doc = Arc::new(doc);
        {
            let mut current = self.0.write().unwrap_or_else(PoisonError::into_inner);
            if doc.version <= current.version {
                return false;
            }
            *current = doc.clone();
        }
        doc.compress_br();
        true
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read as _;

    use super::*;

    fn stored(version: u64, bytes: &[u8]) -> StoredFeed {
        StoredFeed {
            version,
            bytes: bytes.to_vec(),
            issued_at: Timestamp::from_unix(1),
            expires_at: Timestamp::from_unix(2),
            refresh_at: None,
        }
    }

    fn unbrotli(bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        brotli::Decompressor::new(bytes, 4096)
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    #[test]
    fn variants_decompress_to_the_identity_bytes() {
        let doc = HotDocument::build(&stored(1, &b"{\"roots\":[]} ".repeat(100)));
        let mut unzipped = Vec::new();
        let gzip = doc.variant(Encoding::Gzip);
        assert_eq!(gzip.encoding, Encoding::Gzip);
        flate2::read::GzDecoder::new(&gzip.body[..])
            .read_to_end(&mut unzipped)
            .unwrap();
        assert_eq!(unzipped, doc.identity);
        let br = doc.br().unwrap();
        assert_eq!(unbrotli(&br.body), doc.identity);
        assert!(br.body.len() < doc.identity.len());
    }

    #[test]
    fn brotli_window_fits_documents_of_any_size() {
        // Pseudo-random text, so matches span the whole document: empty, tiny, window edges, above 2^16.
        let mut seed = 7_u32;
        let text: Vec<u8> = (0..300_000)
            .map(|_| {
                seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                b"abcdefgh{}\":, "[(seed >> 16) as usize % 14]
            })
            .collect();
        for len in [0, 1, 1008, 1009, 65_520, 65_521, 300_000] {
            let doc = HotDocument::build(&stored(1, &text[..len]));
            assert_eq!(
                unbrotli(&doc.br().unwrap().body),
                &text[..len],
                "{len} bytes"
            );
        }
    }

    #[test]
    fn variants_carry_their_own_tag_and_length() {
        let doc = HotDocument::build(&stored(3, &b"notice ".repeat(50)));
        for encoding in [Encoding::Identity, Encoding::Gzip, Encoding::Br] {
            let variant = doc.variant(encoding);
            assert_eq!(variant.encoding, encoding);
            assert_eq!(
                variant.etag.to_str().unwrap(),
                variant_etag(&doc.sha256_hex, encoding)
            );
            assert_eq!(
                variant.content_length.to_str().unwrap(),
                variant.body.len().to_string()
            );
        }
        assert_eq!(doc.variant(Encoding::Identity).body, doc.identity);
        assert_eq!(doc.version_header, HeaderValue::from_static("3"));
    }

    #[test]
    fn a_document_is_served_before_its_brotli_variant_and_install_returns_with_it() {
        let doc = HotDocument::build(&stored(1, b"one"));
        assert!(
            doc.br.get().is_none(),
            "building does not compress with brotli"
        );
        let hot = HotFeed::new(doc);
        assert!(
            hot.current().br.get().is_some(),
            "the first document is complete"
        );
        assert!(hot.install(HotDocument::build(&stored(2, b"two"))));
        assert!(
            hot.current().br.get().is_some(),
            "install returns once brotli is done"
        );
    }

    #[test]
    fn etag_is_the_quoted_sha256_of_the_bytes() {
        let doc = HotDocument::build(&stored(1, b"abc"));
        assert_eq!(
            doc.variant(Encoding::Identity).etag,
            "\"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\""
        );
    }

    #[test]
    fn an_older_version_never_replaces_a_newer_one() {
        let hot = HotFeed::new(HotDocument::build(&stored(5, b"five")));
        assert!(!hot.install(HotDocument::build(&stored(4, b"four"))));
        assert!(!hot.install(HotDocument::build(&stored(5, b"other five"))));
        assert_eq!(hot.current().identity, Bytes::from_static(b"five"));
        assert!(hot.install(HotDocument::build(&stored(6, b"six"))));
        assert_eq!(hot.current().version, 6);
    }
}
