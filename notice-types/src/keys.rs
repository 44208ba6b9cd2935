//! Ed25519 keys: public keys in a one-line text form, secret keys as PKCS#8 PEM, key ids.
//!
//! Text forms:
//! - public key: `ed25519:` followed by the standard base64 (with padding) of the 32 raw key bytes. A public
//!   key *file* holds that line; blank lines and lines starting with `#` are ignored.
//! - secret key: PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`, RFC 8410), read in the v1 form `openssl genpkey
//!   -algorithm ed25519` writes and written as v2 (with the public key), which OpenSSL reads, so keys can be
//!   made and inspected with standard tools. Reading and writing it needs the
//!   `key-files` feature (server and CLI); apps only verify and do without the DER/PEM code.
//! - key id: lowercase hex of SHA-256 over the 32 raw public key bytes (the DSSE `keyid`).

use std::fmt;
use std::str::FromStr;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
#[cfg(feature = "key-files")]
use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use ed25519_dalek::{Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};

/// Prefix of the public key text form.
pub const PUBLIC_KEY_PREFIX: &str = "ed25519:";

/// Why a key could not be read. Messages never include key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The text is a secret key where a public key was expected.
    #[error(
        "this is a secret key (PKCS#8 PEM), expected a public key line `ed25519:…`; never share secret keys"
    )]
    SecretWherePublicExpected,
    /// The text is a public key where a secret key was expected.
    #[error(
        "this is a public key, expected a secret key in PKCS#8 PEM (-----BEGIN PRIVATE KEY-----)"
    )]
    PublicWhereSecretExpected,
    /// The text is not in either known form.
    #[error("not a Notice key: expected `ed25519:<base64>` (public) or PKCS#8 PEM (secret)")]
    UnknownFormat,
    /// A public key line with bad base64 or a wrong length.
    #[error("malformed public key: {0}")]
    MalformedPublic(String),
    /// A public key that is a small-order point: it would let forged signatures verify.
    #[error("public key is a weak (small-order) Ed25519 point and is refused")]
    WeakPublic,
    /// PEM that does not hold an Ed25519 PKCS#8 secret key.
    #[error("malformed secret key: not an Ed25519 PKCS#8 private key ({0})")]
    MalformedSecret(String),
    /// A key file with more than one key line.
    #[error("key file holds more than one key; put one key in each file")]
    SeveralKeys,
    /// The secret key could not be written as PKCS#8 PEM.
    #[error("cannot encode the secret key as PKCS#8 PEM ({0})")]
    EncodeSecret(String),
}

/// An Ed25519 public key that verifies signatures.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct PublicKey(VerifyingKey);

impl PublicKey {
    /// From the 32 raw bytes; refuses weak keys.
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<Self, KeyError> {
        let key = VerifyingKey::from_bytes(bytes)
            .map_err(|_| KeyError::MalformedPublic("not a curve point".into()))?;
        if key.is_weak() {
            return Err(KeyError::WeakPublic);
        }
        Ok(Self(key))
    }

    /// The 32 raw bytes.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.0.to_bytes()
    }

    /// The DSSE key id: lowercase hex SHA-256 of the raw key.
    pub fn key_id(&self) -> String {
        hex::encode(Sha256::digest(self.0.as_bytes()))
    }

    /// Whether `id` is this key's DSSE key id (lowercase hex, as [`PublicKey::key_id`] writes it), without
    /// allocating: every signature of every document is matched against the trusted keys this way.
    pub(crate) fn has_key_id(&self, id: &str) -> bool {
        let mut hex = [0u8; 64];
        hex::encode_to_slice(Sha256::digest(self.0.as_bytes()), &mut hex).is_ok()
            && hex == id.as_bytes()
    }

    /// Reads a public key file: one `ed25519:` line; blank lines and `#` comments ignored.
    pub fn from_file_text(text: &str) -> Result<Self, KeyError> {
        if text.contains("PRIVATE KEY-----") {
            return Err(KeyError::SecretWherePublicExpected);
        }
        let mut lines = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'));
        let line = lines.next().ok_or(KeyError::UnknownFormat)?;
        if lines.next().is_some() {
            return Err(KeyError::SeveralKeys);
        }
        line.parse()
    }

    /// A public key file: a comment line, then the key line.
    pub fn to_file_text(&self, comment: &str) -> String {
        let comment = comment.replace(['\n', '\r'], " ");
        format!("# {comment}\n{self}\n")
    }

    /// Strict signature check (`verify_strict`: rejects non-canonical and small-order components).
    pub(crate) fn verify(&self, message: &[u8], signature: &[u8; 64]) -> bool {
        let sig = ed25519_dalek::Signature::from_bytes(signature);
        self.0.verify_strict(message, &sig).is_ok()
    }
}

impl fmt::Display for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{PUBLIC_KEY_PREFIX}{}",
            STANDARD.encode(self.0.as_bytes())
        )
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({self})")
    }
}

impl FromStr for PublicKey {
    type Err = KeyError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text.contains("PRIVATE KEY-----") {
            return Err(KeyError::SecretWherePublicExpected);
        }
        let encoded = text
            .strip_prefix(PUBLIC_KEY_PREFIX)
            .ok_or(KeyError::UnknownFormat)?;
        let raw = STANDARD
            .decode(encoded)
            .map_err(|e| KeyError::MalformedPublic(e.to_string()))?;
        let bytes: [u8; 32] = raw
            .as_slice()
            .try_into()
            .map_err(|_| KeyError::MalformedPublic(format!("{} bytes, expected 32", raw.len())))?;
        Self::from_bytes(&bytes)
    }
}

impl Serialize for PublicKey {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for PublicKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// An Ed25519 signing key. Its `Debug` output never shows the key; its memory is wiped on drop.
pub struct SecretKey(SigningKey);

impl SecretKey {
    /// From 32 secret seed bytes. Callers draw the seed from the OS random source (this crate does no I/O);
    /// tests and vectors use fixed seeds.
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        Self(SigningKey::from_bytes(seed))
    }

    /// Reads a PKCS#8 PEM secret key.
    #[cfg(feature = "key-files")]
    pub fn from_pkcs8_pem(text: &str) -> Result<Self, KeyError> {
        if !text.contains("-----BEGIN") {
            return Err(
                if text.trim_start().starts_with('#') || text.contains(PUBLIC_KEY_PREFIX) {
                    KeyError::PublicWhereSecretExpected
                } else {
                    KeyError::UnknownFormat
                },
            );
        }
        if text.contains("BEGIN PUBLIC KEY") {
            return Err(KeyError::PublicWhereSecretExpected);
        }
        SigningKey::from_pkcs8_pem(text)
            .map(Self)
            .map_err(|e| KeyError::MalformedSecret(e.to_string()))
    }

    /// The key as PKCS#8 PEM. The returned string is wiped when dropped. An error (none is known to happen
    /// for a 32-byte key) is returned, never an empty or partial key, so nothing writes an unusable key file.
    #[cfg(feature = "key-files")]
    pub fn to_pkcs8_pem(&self) -> Result<zeroize::Zeroizing<String>, KeyError> {
        self.0
            .to_pkcs8_pem(ed25519_dalek::pkcs8::spki::der::pem::LineEnding::LF)
            .map_err(|e| KeyError::EncodeSecret(e.to_string()))
    }

    /// The matching public key.
    pub fn public_key(&self) -> PublicKey {
        PublicKey(self.0.verifying_key())
    }

    pub(crate) fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.0.sign(message).to_bytes()
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretKey(public: {})", self.public_key())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(feature = "key-files")]
    #[test]
    fn secret_keys_round_trip_through_pem() {
        for seed in [[0u8; 32], [7; 32], [0xff; 32]] {
            let key = SecretKey::from_seed(&seed);
            let pem = key.to_pkcs8_pem().unwrap();
            assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"), "{seed:?}");
            assert!(pem.ends_with("-----END PRIVATE KEY-----\n"), "{seed:?}");
            let back = SecretKey::from_pkcs8_pem(&pem).unwrap();
            assert_eq!(back.public_key(), key.public_key());
        }
    }

    /// Written as RFC 8410 PKCS#8 v2 (seed and public key); read also as v1 (seed only), the form
    /// `openssl genpkey -algorithm ed25519` writes.
    #[cfg(feature = "key-files")]
    #[test]
    fn secret_key_pem_is_standard_pkcs8() {
        let key = SecretKey::from_seed(&[7; 32]);
        let pem = key.to_pkcs8_pem().unwrap();
        let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        let der = STANDARD.decode(body).unwrap();
        assert_eq!(hex::encode(&der[..16]), "3051020101300506032b657004220420");
        assert_eq!(der[16..48], [7; 32]);
        assert_eq!(hex::encode(&der[48..51]), "812100");
        assert_eq!(der[51..], key.public_key().to_bytes());

        let mut v1 = hex::decode("302e020100300506032b657004220420").unwrap();
        v1.extend_from_slice(&[7; 32]);
        let openssl_style = format!(
            "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
            STANDARD.encode(&v1)
        );
        let read = SecretKey::from_pkcs8_pem(&openssl_style).unwrap();
        assert_eq!(read.public_key(), key.public_key());
    }

    #[test]
    fn public_keys_round_trip_through_text_and_files() {
        let public = SecretKey::from_seed(&[7; 32]).public_key();
        assert_eq!(public.to_string().parse::<PublicKey>().unwrap(), public);
        assert_eq!(
            PublicKey::from_file_text(&public.to_file_text("feed key")).unwrap(),
            public
        );
        assert_eq!(public.key_id().len(), 64);
        assert!(public.has_key_id(&public.key_id()));
        assert!(!public.has_key_id(&public.key_id().to_uppercase()));
        assert!(!public.has_key_id(""));
    }

    #[cfg(feature = "key-files")]
    #[test]
    fn wrong_files_get_errors_that_say_what_they_are() {
        let secret = SecretKey::from_seed(&[7; 32]);
        let public_file = secret.public_key().to_file_text("x");
        assert_eq!(
            SecretKey::from_pkcs8_pem(&public_file).unwrap_err(),
            KeyError::PublicWhereSecretExpected
        );
        assert_eq!(
            PublicKey::from_file_text(&secret.to_pkcs8_pem().unwrap()).unwrap_err(),
            KeyError::SecretWherePublicExpected
        );
        assert_eq!(
            PublicKey::from_file_text("hello").unwrap_err(),
            KeyError::UnknownFormat
        );
        assert!(matches!(
            "ed25519:AAAA".parse::<PublicKey>(),
            Err(KeyError::MalformedPublic(_))
        ));
        let two = format!("{public_file}{}\n", secret.public_key());
        assert_eq!(
            PublicKey::from_file_text(&two).unwrap_err(),
            KeyError::SeveralKeys
        );
        assert!(matches!(
            SecretKey::from_pkcs8_pem(
                "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"
            ),
            Err(KeyError::MalformedSecret(_))
        ));
    }

    #[test]
    fn weak_public_keys_are_refused() {
        // The identity point (small order): every "signature" with it would be suspect.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        assert_eq!(
            PublicKey::from_bytes(&identity).unwrap_err(),
            KeyError::WeakPublic
        );
    }

    #[test]
    fn debug_output_hides_the_secret() {
        let key = SecretKey::from_seed(&[9; 32]);
        let shown = format!("{key:?}");
        assert!(shown.starts_with("SecretKey(public: ed25519:"), "{shown}");
        assert!(!shown.contains(&hex::encode([9u8; 32])));
    }
}
