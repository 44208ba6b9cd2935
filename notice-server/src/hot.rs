//! The published document as the public endpoint serves it: bytes, strong ETag and pre-compressed variants,
//! built once per change and swapped in atomically. A GET reads an `Arc` and copies bytes: no database, no
//! signing, no compression.

use std::io::Write as _;
use std::sync::{Arc, PoisonError, RwLock};

use axum::body::Bytes;
use notice_types::Timestamp;
use sha2::{Digest, Sha256};

use crate::store::feeds::StoredFeed;

/// One published document, ready to serve.
#[derive(Debug)]
pub struct HotDocument {
    /// Feed version.
    pub version: u64,
    /// The feed's `issued_at`.
    pub issued_at: Timestamp,
    /// The feed's `expires_at`.
    pub expires_at: Timestamp,
    /// When a resolved notice in it passes retention.
    pub refresh_at: Option<Timestamp>,
    /// The exact published bytes.
    pub identity: Bytes,
    /// gzip of `identity`, if compression worked (it only fails on allocation trouble).
    pub gzip: Option<Bytes>,
    /// brotli of `identity`, likewise.
    pub br: Option<Bytes>,
    /// Lowercase hex SHA-256 of `identity`.
    pub sha256_hex: String,
}

impl HotDocument {
    /// Hashes and compresses a stored document.
    pub fn build(feed: &StoredFeed) -> Self {
        let identity = Bytes::from(feed.bytes.clone());
        Self {
            version: feed.version,
            issued_at: feed.issued_at,
            expires_at: feed.expires_at,
            refresh_at: feed.refresh_at,
            sha256_hex: hex::encode(Sha256::digest(&identity)),
            gzip: gzip(&identity).map(Bytes::from),
            br: brotli(&identity).map(Bytes::from),
            identity,
        }
    }

    /// The strong ETag of the uncompressed bytes: the quoted hex SHA-256.
    pub fn etag(&self) -> String {
        format!("\"{}\"", self.sha256_hex)
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
        // Quality 11 (best) and a 4 MiB window: the document is compressed once per change, read millions
        // of times.
        let mut writer = brotli::CompressorWriter::new(&mut out, 4096, 11, 22);
        writer.write_all(bytes).ok()?;
        writer.flush().ok()?;
    }
    Some(out)
}

/// The document currently served.
#[derive(Debug)]
pub struct HotFeed(RwLock<Arc<HotDocument>>);

impl HotFeed {
    /// Starts serving `doc`.
    pub fn new(doc: HotDocument) -> Self {
        Self(RwLock::new(Arc::new(doc)))
    }

    /// The document to serve now. The lock is held only to clone the `Arc`.
    pub fn current(&self) -> Arc<HotDocument> {
        self.0
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Serves `doc` from now on, unless a newer version is already served (versions never go down).
    pub fn install(&self, doc: HotDocument) -> bool {
        let mut current = self.0.write().unwrap_or_else(PoisonError::into_inner);
        if doc.version > current.version {
            *current = Arc::new(doc);
            true
        } else {
            false
        }
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

    #[test]
    fn variants_decompress_to_the_identity_bytes() {
        let doc = HotDocument::build(&stored(1, &b"{\"roots\":[]} ".repeat(100)));
        let mut unzipped = Vec::new();
        flate2::read::GzDecoder::new(&doc.gzip.as_ref().unwrap()[..])
            .read_to_end(&mut unzipped)
            .unwrap();
        assert_eq!(unzipped, doc.identity);
        let mut unbrotlied = Vec::new();
        brotli::Decompressor::new(&doc.br.as_ref().unwrap()[..], 4096)
            .read_to_end(&mut unbrotlied)
            .unwrap();
        assert_eq!(unbrotlied, doc.identity);
        assert!(doc.br.as_ref().unwrap().len() < doc.identity.len());
    }

    #[test]
    fn etag_is_the_quoted_sha256_of_the_bytes() {
        let doc = HotDocument::build(&stored(1, b"abc"));
        assert_eq!(
            doc.etag(),
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
