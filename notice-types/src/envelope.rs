//! The DSSE v1 envelope: sign bytes, never re-serialized objects.
//!
//! ```text
//! {"payloadType": "...", "payload": "<base64>", "signatures": [{"keyid": "<hex>", "sig": "<base64>"}]}
//! sig = Ed25519(PAE(payloadType, payload))
//! PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body   (LEN: ASCII decimal, no leading zeros)
//! ```

use std::borrow::Cow;
use std::ops::Range;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

use crate::keys::{PublicKey, SecretKey};
use crate::limits::{MAX_KEYID_BYTES, MAX_SIGNATURES};
use crate::verify::{Role, VerifyError};

/// Payload type of a feed.
pub const FEED_PAYLOAD_TYPE: &str = "application/vnd.notice.feed.v1+json";
/// Payload type of a root.
pub const ROOT_PAYLOAD_TYPE: &str = "application/vnd.notice.root.v1+json";

/// A signed payload. Unknown fields are rejected: nothing unsigned may ride along.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Envelope {
    /// What the payload is; covered by the signature through PAE.
    #[serde(rename = "payloadType")]
    pub payload_type: String,
    /// Standard base64 (with padding) of the exact payload bytes.
    pub payload: String,
    /// One or more signatures.
    #[serde(deserialize_with = "crate::bounded::non_empty_vec::<_, _, MAX_SIGNATURES>")]
    pub signatures: Vec<EnvelopeSignature>,
}

/// One signature in an envelope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnvelopeSignature {
    /// The signer's key id (lowercase hex SHA-256 of its raw public key), or empty. Not signed: it only
    /// decides which trusted keys are tried for this signature (a non-empty keyid: only the key with that id;
    /// empty: every trusted key). At most [`MAX_KEYID_BYTES`] bytes.
    #[serde(deserialize_with = "crate::bounded::short_string::<_, MAX_KEYID_BYTES>")]
    pub keyid: String,
    /// Standard base64 of the 64-byte Ed25519 signature.
    pub sig: String,
}

/// DSSE's pre-authentication encoding of `payload_type` and `payload`: the bytes that are actually signed.
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload_type.len() + payload.len() + 32);
    out.extend_from_slice(b"DSSEv1 ");
    out.extend_from_slice(payload_type.len().to_string().as_bytes());
    out.push(b' ');
    out.extend_from_slice(payload_type.as_bytes());
    out.push(b' ');
    out.extend_from_slice(payload.len().to_string().as_bytes());
    out.push(b' ');
    out.extend_from_slice(payload);
    out
}

impl Envelope {
    /// Signs `payload` as `payload_type` with each key (one signature per key).
    pub fn sign(payload_type: &str, payload: &[u8], keys: &[&SecretKey]) -> Envelope {
        let message = pae(payload_type, payload);
        Envelope {
            payload_type: payload_type.to_owned(),
            payload: STANDARD.encode(payload),
            signatures: keys
                .iter()
                .map(|key| EnvelopeSignature {
                    keyid: key.public_key().key_id(),
                    sig: STANDARD.encode(key.sign(&message)),
                })
                .collect(),
        }
    }
}

impl Envelope {
    /// Opens this envelope exactly as a reader does (PROTOCOL.md §4): the type must be `expected_type`, then
    /// `threshold` distinct keys of `trusted` must have signed; only then are the payload bytes returned. For
    /// tools that ask which keys signed (one key at a time, threshold 1) without reimplementing the rules.
    pub fn open(
        &self,
        expected_type: &'static str,
        role: Role,
        trusted: &[PublicKey],
        threshold: u32,
    ) -> Result<Vec<u8>, VerifyError> {
        EnvelopeRef::from(self)
            .open(expected_type, role, trusted, threshold)
            .map(|opened| opened.payload().to_vec())
    }
}

/// An [`Envelope`] as it stands in the bytes being verified, with its strings borrowed from them: the
/// payload's base64 is the bulk of a document, and copying it only to decode it once would be waste. Parses
/// exactly as [`Envelope`] does (same fields, same limits, same messages).
#[derive(Debug, Deserialize)]
#[serde(
    rename = "Envelope",
    expecting = "struct Envelope",
    deny_unknown_fields
)]
pub(crate) struct EnvelopeRef<'a> {
    #[serde(rename = "payloadType", borrow)]
    pub payload_type: Cow<'a, str>,
    #[serde(borrow)]
    pub payload: Cow<'a, str>,
    #[serde(
        borrow,
        deserialize_with = "crate::bounded::non_empty_vec::<_, _, MAX_SIGNATURES>"
    )]
    pub signatures: Vec<SignatureRef<'a>>,
}

/// An [`EnvelopeSignature`], borrowed.
#[derive(Debug, Deserialize)]
#[serde(
    rename = "EnvelopeSignature",
    expecting = "struct EnvelopeSignature",
    deny_unknown_fields
)]
pub(crate) struct SignatureRef<'a> {
    #[serde(
        borrow,
        deserialize_with = "crate::bounded::short_cow::<_, MAX_KEYID_BYTES>"
    )]
    pub keyid: Cow<'a, str>,
    #[serde(borrow)]
    pub sig: Cow<'a, str>,
}

impl<'a> From<&'a Envelope> for EnvelopeRef<'a> {
    fn from(envelope: &'a Envelope) -> Self {
        Self {
            payload_type: Cow::Borrowed(&envelope.payload_type),
            payload: Cow::Borrowed(&envelope.payload),
            signatures: envelope
                .signatures
                .iter()
                .map(|s| SignatureRef {
                    keyid: Cow::Borrowed(&s.keyid),
                    sig: Cow::Borrowed(&s.sig),
                })
                .collect(),
        }
    }
}

/// The signed message of an opened envelope, with the payload inside it.
pub(crate) struct Opened {
    /// `PAE(type, payload)`, and in front of it unused room that the header did not need.
    buffer: Vec<u8>,
    /// Where the payload is in `buffer`.
    payload: Range<usize>,
}

impl Opened {
    /// The payload bytes, verified.
    pub fn payload(&self) -> &[u8] {
        self.buffer.get(self.payload.clone()).unwrap_or_default()
    }
}

impl EnvelopeRef<'_> {
    /// Checks the type, then the signatures against `trusted` keys, requiring `threshold` distinct keys; only
    /// then returns the payload bytes, for the caller to parse.
    ///
    /// A signature's non-empty keyid decides which trusted key is tried (the one with exactly that id, compared
    /// as bytes); an empty keyid tries every trusted key. A keyid is never a reason to accept, only to narrow
    /// the search, and each trusted key counts once however often it signed.
    /// Signatures by keys the root does not list are ignored (a rotation may add them); a signature that names a
    /// trusted key and fails rejects the envelope.
    pub(crate) fn open(
        &self,
        expected_type: &'static str,
        role: Role,
        trusted: &[PublicKey],
        threshold: u32,
    ) -> Result<Opened, VerifyError> {
        if self.payload_type != expected_type {
            return Err(VerifyError::WrongPayloadType {
                expected: expected_type,
                found: truncate(&self.payload_type),
            });
        }
        let (opened, message_start) = decode_into_pae(&self.payload_type, &self.payload)?;
        let message = opened.buffer.get(message_start..).unwrap_or_default();

        // At most MAX_KEYS_PER_ROLE distinct signers: a list beats a tree (and its allocations) here.
        let mut signers: Vec<[u8; 32]> = Vec::new();
        let mut known_key_failed = false;
        for signature in &self.signatures {
            let raw = decode_signature(&signature.sig)?;
            let candidates = trusted
                .iter()
                .filter(|key| signature.keyid.is_empty() || key.has_key_id(&signature.keyid));
            for key in candidates {
                if key.verify(message, &raw) {
                    if !signers.contains(&key.to_bytes()) {
                        signers.push(key.to_bytes());
                    }
                } else if !signature.keyid.is_empty() {
                    known_key_failed = true;
                }
            }
        }
        let valid = signers.len();
        let required = threshold as usize;
        if known_key_failed {
            // A signature that names a trusted key but does not verify is evidence of tampering; the signer never
            // produces one. Fail closed even if other signatures would meet the threshold.
            Err(VerifyError::BadSignature { role })
        } else if valid >= required && required > 0 {
            Ok(opened)
        } else if valid == 0 {
            Err(VerifyError::UnknownKey { role })
        } else {
            Err(VerifyError::ThresholdNotMet {
                role,
                valid,
                required,
            })
        }
    }
}

/// Decodes the base64 payload straight into its place in `PAE(payload_type, payload)`: one buffer, and no
/// copy of the payload, instead of a decoded payload and then a PAE message that copies it again. The header
/// holds the payload's length, known only after decoding, so it is written last, right in front of it.
/// Returns the buffer and where the message starts in it.
fn decode_into_pae(payload_type: &str, encoded: &str) -> Result<(Opened, usize), VerifyError> {
    let malformed = VerifyError::MalformedBase64 { what: "payload" };
    // "DSSEv1 " + two decimal lengths of at most 20 digits + the type + three separators.
    let room = 7 + 20 + 1 + payload_type.len() + 1 + 20 + 1;
    let capacity = base64::decoded_len_estimate(encoded.len());
    let mut buffer = vec![0u8; room + capacity];
    let written = STANDARD
        .decode_slice(encoded, buffer.get_mut(room..).unwrap_or_default())
        .map_err(|_| malformed.clone())?;
    buffer.truncate(room + written);
    let header = format!("DSSEv1 {} {payload_type} {written} ", payload_type.len());
    let message_start = room.checked_sub(header.len()).ok_or(malformed)?;
    buffer
        .get_mut(message_start..room)
        .unwrap_or_default()
        .copy_from_slice(header.as_bytes());
    Ok((
        Opened {
            buffer,
            payload: room..room + written,
        },
        message_start,
    ))
}

/// A signature's base64 as its 64 bytes.
fn decode_signature(sig: &str) -> Result<[u8; 64], VerifyError> {
    let raw = STANDARD
        .decode(sig)
        .map_err(|_| VerifyError::MalformedBase64 { what: "signature" })?;
    <[u8; 64]>::try_from(raw.as_slice()).map_err(|_| VerifyError::MalformedBase64 {
        what: "signature (not 64 bytes)",
    })
}

/// Attacker-controlled strings are cut before they are put into an error message.
pub(crate) fn truncate(text: &str) -> String {
    text.chars().take(80).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pae_matches_the_dsse_spec_example() {
        // From the DSSE v1 protocol description.
        assert_eq!(
            pae("http://example.com/HelloWorld", b"hello world"),
            b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"
        );
    }

    #[test]
    fn pae_of_empty_values() {
        assert_eq!(pae("", b""), b"DSSEv1 0  0 ");
    }

    #[test]
    fn decoding_into_the_message_gives_the_pae_of_the_payload() {
        for payload in [&b""[..], b"x", b"hello world", &[0xffu8; 1000][..]] {
            for payload_type in ["", FEED_PAYLOAD_TYPE] {
                let (opened, start) =
                    decode_into_pae(payload_type, &STANDARD.encode(payload)).unwrap();
                assert_eq!(opened.payload(), payload);
                assert_eq!(&opened.buffer[start..], pae(payload_type, payload));
            }
        }
        for bad in ["x", "a===", "aGVsbG8", "aGVsbG8=\n", "****"] {
            assert_eq!(
                decode_into_pae(FEED_PAYLOAD_TYPE, bad).is_err(),
                STANDARD.decode(bad).is_err(),
                "{bad}"
            );
        }
    }
}
