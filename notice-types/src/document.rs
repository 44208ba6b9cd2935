//! The published document: the root chain and the current feed in one file, so a static mirror is one file
//! and a phone needs one request. The wrapper is not signed; each envelope in it is.

use serde::{Deserialize, Serialize};

use crate::envelope::{Envelope, EnvelopeRef, FEED_PAYLOAD_TYPE, ROOT_PAYLOAD_TYPE};
use crate::keys::{PublicKey, SecretKey};
use crate::limits::{MAX_DOCUMENT_BYTES, MAX_ROOTS};
use crate::verify::VerifyError;
use crate::{FeedPayload, InvalidField, RootPayload};

/// `{"roots": [root v1, root v2, …], "feed": feed}`. `roots[i]` is root version `i + 1`: the position is the
/// (unsigned) hint a client uses to find the next version, which it then verifies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublishedDocument {
    /// Every root version from 1, in order.
    #[serde(deserialize_with = "crate::bounded::non_empty_vec::<_, _, MAX_ROOTS>")]
    pub roots: Vec<Envelope>,
    /// The current feed.
    pub feed: Envelope,
}

/// Why a writer refused to sign or publish.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignError {
    /// The payload breaks a rule; readers would reject it.
    #[error("{0}")]
    Invalid(#[from] InvalidField),
    /// A signing key is not one the root lists for this role, so readers would not count it.
    #[error("signing key {key} is not a {role} key of root v{root_version}")]
    KeyNotInRoot {
        /// The offending key, in its public text form.
        key: String,
        /// `root` or `feed`.
        role: &'static str,
        /// The root version consulted.
        root_version: u64,
    },
    /// Fewer distinct signing keys than the root's threshold.
    #[error("{given} {role} key(s) given, root v{root_version} requires {required}")]
    NotEnoughKeys {
        /// `root` or `feed`.
        role: &'static str,
        /// Distinct keys given.
        given: usize,
        /// The threshold.
        required: u32,
        /// The root version consulted.
        root_version: u64,
    },
    /// The document would be larger than readers accept.
    #[error(
        "the published document would be {len} bytes, readers accept at most {max}; remove or shorten notices"
    )]
    TooLarge {
        /// Size it would have.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The chain of roots is not versions 1, 2, 3, … in order.
    #[error(
        "root chain must hold versions 1..=n in order; position {position} holds version {found}"
    )]
    ChainOutOfOrder {
        /// Zero-based position in the chain.
        position: usize,
        /// The version found there.
        found: u64,
    },
}

fn check_signers(
    keys: &[&SecretKey],
    allowed: &[PublicKey],
    threshold: u32,
    role: &'static str,
    root_version: u64,
) -> Result<(), SignError> {
    let mut distinct = std::collections::BTreeSet::new();
    for key in keys {
        let public = key.public_key();
        if !allowed.contains(&public) {
            return Err(SignError::KeyNotInRoot {
                key: public.to_string(),
                role,
                root_version,
            });
        }
        distinct.insert(public.to_bytes());
    }
    if distinct.len() < threshold as usize {
        return Err(SignError::NotEnoughKeys {
            role,
            given: distinct.len(),
            required: threshold,
            root_version,
        });
    }
    Ok(())
}

/// Signs a root version.
///
/// `signers` must meet the root threshold of `signed_under` (the previous root, or `root` itself for version 1)
/// and of `root` itself: a reader checks both.
pub fn sign_root(
    root: &RootPayload,
    signed_under: &RootPayload,
    signers: &[&SecretKey],
) -> Result<Envelope, SignError> {
    root.validate()?;
    if root.feed_id != signed_under.feed_id {
        return Err(
            InvalidField::new("feed_id", "a root rotation cannot change the feed id").into(),
        );
    }
    let expected_previous = if root.version == 1 {
        1
    } else {
        root.version - 1
    };
    if signed_under.version != expected_previous {
        return Err(InvalidField::new(
            "version",
            format!(
                "root v{} must be signed under v{expected_previous}, not v{}",
                root.version, signed_under.version
            ),
        )
        .into());
    }
    // A reader counts only keys listed by both roots; check against each.
    check_signers_counting(signers, signed_under, "root")?;
    check_signers_counting(signers, root, "root")?;
    let payload = serde_json::to_vec(root).map_err(|e| InvalidField::new("", e.to_string()))?;
    Ok(Envelope::sign(ROOT_PAYLOAD_TYPE, &payload, signers))
}

/// Like `check_signers` but ignores signers outside the root (they sign for the other root of a rotation).
fn check_signers_counting(
    signers: &[&SecretKey],
    root: &RootPayload,
    role: &'static str,
) -> Result<(), SignError> {
    let counted: Vec<&SecretKey> = signers
        .iter()
        .copied()
        .filter(|k| root.root_keys.contains(&k.public_key()))
        .collect();
    check_signers(
        &counted,
        &root.root_keys,
        root.root_threshold,
        role,
        root.version,
    )
}

/// Signs a feed under `root`, refusing anything a reader would refuse: invalid notices, links to hosts the
/// root does not allow, another feed id, keys that are not the root's feed keys, too few keys.
pub fn sign_feed(
    feed: &FeedPayload,
    root: &RootPayload,
    signers: &[&SecretKey],
) -> Result<Envelope, SignError> {
    feed.validate()?;
    if feed.feed_id != root.feed_id {
        return Err(InvalidField::new(
            "feed_id",
            format!(
                "root is for `{}`, feed is for `{}`",
                root.feed_id, feed.feed_id
            ),
        )
        .into());
    }
    crate::verify::check_links(feed, root)?;
    check_signers(
        signers,
        &root.feed_keys,
        root.feed_threshold,
        "feed",
        root.version,
    )?;
    let payload = serde_json::to_vec(feed).map_err(|e| InvalidField::new("", e.to_string()))?;
    Ok(Envelope::sign(FEED_PAYLOAD_TYPE, &payload, signers))
}

impl PublishedDocument {
    /// Puts a signed root chain and feed together and serializes them, refusing a document readers would
    /// refuse for its size or chain order. The chain's order is checked from the payloads, which the caller
    /// signed itself.
    pub fn assemble(roots: Vec<Envelope>, feed: Envelope) -> Result<Vec<u8>, SignError> {
        for (position, envelope) in roots.iter().enumerate() {
            let version = crate::verify::peek_root_version(&envelope.into()).unwrap_or(0);
            if version != position as u64 + 1 {
                return Err(SignError::ChainOutOfOrder {
                    position,
                    found: version,
                });
            }
        }
        if roots.len() > MAX_ROOTS {
            return Err(
                InvalidField::new("roots", format!("at most {MAX_ROOTS} root versions")).into(),
            );
        }
        let bytes = serde_json::to_vec(&PublishedDocument { roots, feed })
            .map_err(|e| InvalidField::new("", e.to_string()))?;
        if bytes.len() > MAX_DOCUMENT_BYTES {
            return Err(SignError::TooLarge {
                len: bytes.len(),
                max: MAX_DOCUMENT_BYTES,
            });
        }
        Ok(bytes)
    }

    /// Parses the wrapper strictly after checking the size. Envelopes are not opened here.
    pub fn parse(bytes: &[u8]) -> Result<Self, VerifyError> {
        parse_capped(bytes)
    }
}

/// A [`PublishedDocument`] with its envelopes borrowed from the bytes: what the verifier reads. Parses exactly
/// as [`PublishedDocument::parse`] (same fields, limits and messages; a test compares the two).
#[derive(Debug, Deserialize)]
#[serde(
    rename = "PublishedDocument",
    expecting = "struct PublishedDocument",
    deny_unknown_fields
)]
pub(crate) struct DocumentRef<'a> {
    #[serde(
        borrow,
        deserialize_with = "crate::bounded::non_empty_vec::<_, _, MAX_ROOTS>"
    )]
    pub roots: Vec<EnvelopeRef<'a>>,
    #[serde(borrow)]
    pub feed: EnvelopeRef<'a>,
}

impl<'a> DocumentRef<'a> {
    pub(crate) fn parse(bytes: &'a [u8]) -> Result<Self, VerifyError> {
        parse_capped(bytes)
    }
}

fn parse_capped<'a, T: Deserialize<'a>>(bytes: &'a [u8]) -> Result<T, VerifyError> {
    if bytes.len() > MAX_DOCUMENT_BYTES {
        return Err(VerifyError::TooLarge {
            len: bytes.len(),
            max: MAX_DOCUMENT_BYTES,
        });
    }
    crate::bounded::from_document_json(bytes).map_err(|e| VerifyError::MalformedJson {
        detail: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Both parsers accept the same documents and refuse the others with the same message.
    fn same_verdict(bytes: &[u8]) {
        let owned = PublishedDocument::parse(bytes).map(|_| ());
        let borrowed = DocumentRef::parse(bytes).map(|_| ());
        assert_eq!(owned, borrowed, "{}", String::from_utf8_lossy(bytes));
    }

    const VALID: &str = r#"{"roots":[{"payloadType":"t","payload":"cA==","signatures":[{"keyid":"","sig":"cw=="}]}],"feed":{"payloadType":"t","payload":"cA==","signatures":[{"keyid":"k","sig":"cw=="}]}}"#;

    #[test]
    fn the_borrowing_parser_reads_as_the_owning_one() {
        same_verdict(VALID.as_bytes());
        for edit in [
            ("\"roots\"", "\"root\""),
            ("\"keyid\":\"k\"", "\"keyid\":\"k\",\"x\":1"),
            ("\"payload\":\"cA==\"", "\"payload\":7"),
            ("\"payload\":\"cA==\"", "\"payload\":\"c\\/A==\""),
            ("\"payload\":\"cA==\"", "\"payload\":\"c\\u0041\""),
            ("\"payload\":\"cA==\"", "\"payload\":\"\\ud800\""),
            ("[{\"keyid\":\"\"", "[]}],\"x\":[{\"keyid\":\"\""),
            (
                "\"signatures\":[{\"keyid\":\"k\",\"sig\":\"cw==\"}]",
                "\"signatures\":[]",
            ),
            ("{\"roots\"", "{\"feed\":null,\"roots\""),
            ("}}", "}},"),
            ("}}", "}"),
        ] {
            same_verdict(VALID.replacen(edit.0, edit.1, 1).as_bytes());
        }
        let many = format!(
            r#"{{"roots":[{}],"feed":{{"payloadType":"t","payload":"","signatures":[{{"keyid":"","sig":""}}]}}}}"#,
            vec![
                r#"{"payloadType":"t","payload":"","signatures":[{"keyid":"","sig":""}]}"#;
                MAX_ROOTS + 1
            ]
            .join(",")
        );
        same_verdict(many.as_bytes());
        same_verdict(&vec![b' '; MAX_DOCUMENT_BYTES + 1]);
    }

    proptest! {
        #[test]
        fn any_edit_gets_the_same_verdict_from_both(at in 0..VALID.len(), byte in any::<u8>()) {
            let mut bytes = VALID.as_bytes().to_vec();
            bytes[at] = byte;
            same_verdict(&bytes);
            bytes.remove(at);
            same_verdict(&bytes);
        }
    }
}
