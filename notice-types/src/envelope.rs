//! The DSSE v1 envelope: sign bytes, never re-serialized objects.
//!
//! ```text
//! {"payloadType": "...", "payload": "<base64>", "signatures": [{"keyid": "<hex>", "sig": "<base64>"}]}
//! sig = Ed25519(PAE(payloadType, payload))
//! PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body   (LEN: ASCII decimal, no leading zeros)
//! ```

use std::collections::BTreeSet;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

use crate::keys::{PublicKey, SecretKey};
use crate::limits::MAX_SIGNATURES;
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
    /// Unauthenticated hint: hex SHA-256 of the signer's raw public key, or empty.
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

    /// Checks the type, then the signatures against `trusted` keys, requiring `threshold` distinct keys; only
    /// then returns the payload bytes, for the caller to parse.
    ///
    /// A signature's keyid selects the key to try; an empty keyid tries every trusted key. A keyid is never a
    /// reason to accept, only to narrow the search, and each trusted key counts once however often it signed.
    /// Signatures by keys the root does not list are ignored (a rotation may add them); a signature that names a
    /// trusted key and fails rejects the envelope.
    pub(crate) fn open(
        &self,
        expected_type: &'static str,
        role: Role,
        trusted: &[PublicKey],
        threshold: u32,
    ) -> Result<Vec<u8>, VerifyError> {
        if self.payload_type != expected_type {
            return Err(VerifyError::WrongPayloadType {
                expected: expected_type,
                found: truncate(&self.payload_type),
            });
        }
        let payload = STANDARD
            .decode(&self.payload)
            .map_err(|_| VerifyError::MalformedBase64 { what: "payload" })?;
        let message = pae(&self.payload_type, &payload);

        let mut signers: BTreeSet<[u8; 32]> = BTreeSet::new();
        let mut known_key_failed = false;
        for signature in &self.signatures {
            let raw = STANDARD
                .decode(&signature.sig)
                .map_err(|_| VerifyError::MalformedBase64 { what: "signature" })?;
            let Ok(raw) = <[u8; 64]>::try_from(raw.as_slice()) else {
                return Err(VerifyError::MalformedBase64 {
                    what: "signature (not 64 bytes)",
                });
            };
            let candidates = trusted
                .iter()
                .filter(|key| signature.keyid.is_empty() || key.key_id() == signature.keyid);
            for key in candidates {
                if key.verify(&message, &raw) {
                    signers.insert(key.to_bytes());
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
            Ok(payload)
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
}
