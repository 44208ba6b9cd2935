//! Root key ceremonies: root v(N+1) prepared from v(N), signed with one root key at a time on separate offline
//! machines (the file travels, the keys never do), checked against the thresholds of v(N) and v(N+1), then
//! published by the server (`POST /v1/admin/root`) or break-glass.
//!
//! The rotation file (`notice root prepare --out rotation.json`) holds the root chain it builds on and root
//! v(N+1) as a DSSE envelope whose signature list grows with each `notice root sign`. The payload bytes are
//! fixed when the file is prepared: every signer signs exactly those bytes, and what is published is exactly
//! that envelope. Whether it is enough is decided by notice-types' own chain verifier
//! ([`notice_types::verify_root_chain`]), the one every app runs, so the ceremony, the server and the apps
//! cannot disagree.

use std::collections::BTreeSet;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use notice_types::{
    Envelope, EnvelopeSignature, InvalidField, PublicKey, ROOT_PAYLOAD_TYPE, Role, RootPayload,
    SecretKey, TrustedRoot, VerifyError, verify_root_chain,
};
use serde::{Deserialize, Serialize};

/// The `format` of a rotation file.
pub const ROTATION_FORMAT: &str = "notice-root-rotation-v1";

/// Why a rotation cannot be prepared, signed or read. Nothing was written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RotationError {
    /// The file is not a rotation file, or its chain or next root does not hold together.
    #[error("not a usable rotation file: {0}")]
    InvalidFile(String),
    /// The root v(N+1) the change makes breaks a rule of roots (threshold above the key count, too many keys…).
    #[error("root v{version} would be invalid: {field}")]
    InvalidRoot {
        /// The version being prepared.
        version: u64,
        /// What is wrong.
        field: InvalidField,
    },
    /// A key to remove is not in the current root.
    #[error("{role} key {key} is not in root v{version}, so it cannot be removed")]
    NotListed {
        /// `root` or `feed`.
        role: &'static str,
        /// The key id or public key given.
        key: String,
        /// The current root version.
        version: u64,
    },
    /// A key to add is already listed, or a host to add already allowed.
    #[error("{what} is already in root v{version}")]
    AlreadyListed {
        /// What was given.
        what: String,
        /// The current root version.
        version: u64,
    },
    /// A link host to remove is not allowed by the current root.
    #[error("link host {host} is not in root v{version}, so it cannot be removed")]
    HostNotListed {
        /// The host.
        host: String,
        /// The current root version.
        version: u64,
    },
    /// The change changes nothing.
    #[error("nothing to change: give at least one --add-…, --remove-… or threshold flag")]
    NoChange,
    /// The signing key is a root key of neither v(N) nor v(N+1): apps would not count its signature.
    #[error(
        "key {key_id} is a root key of neither root v{current} nor root v{next}; its signature would not count"
    )]
    SignerNotInRoots {
        /// The key's id.
        key_id: String,
        /// v(N).
        current: u64,
        /// v(N+1).
        next: u64,
    },
}

impl RotationError {
    /// A stable snake_case code.
    pub fn code(&self) -> &'static str {
        match self {
            RotationError::InvalidFile(_) => "invalid_rotation_file",
            RotationError::InvalidRoot { .. } => "invalid_root",
            RotationError::NotListed { .. } => "key_not_listed",
            RotationError::AlreadyListed { .. } => "already_listed",
            RotationError::HostNotListed { .. } => "host_not_listed",
            RotationError::NoChange => "no_change",
            RotationError::SignerNotInRoots { .. } => "signer_not_in_roots",
        }
    }
}

/// What root v(N+1) changes from v(N). Keys to remove are named by key id (64 hex characters) or public key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RootChange {
    /// Root keys to add.
    pub add_root_keys: Vec<PublicKey>,
    /// Root keys to remove (key id or `ed25519:…`).
    pub remove_root_keys: Vec<String>,
    /// The new root threshold (default: unchanged).
    pub root_threshold: Option<u32>,
    /// Feed keys to add.
    pub add_feed_keys: Vec<PublicKey>,
    /// Feed keys to remove (key id or `ed25519:…`).
    pub remove_feed_keys: Vec<String>,
    /// The new feed threshold (default: unchanged).
    pub feed_threshold: Option<u32>,
    /// Link hosts to allow.
    pub add_link_hosts: Vec<String>,
    /// Link hosts to stop allowing.
    pub remove_link_hosts: Vec<String>,
}

/// Root v(N+1) on its way: the payload type, the exact payload bytes (base64) and the signatures gathered so
/// far. With at least one signature its JSON is a DSSE envelope, byte for byte the one that gets published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PendingRoot {
    /// `application/vnd.notice.root.v1+json`.
    #[serde(rename = "payloadType")]
    pub payload_type: String,
    /// Standard base64 of the payload bytes every signer signs.
    pub payload: String,
    /// The signatures so far (none right after `prepare`).
    pub signatures: Vec<EnvelopeSignature>,
}

/// The file that travels between the signers' machines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RotationFile {
    format: String,
    chain: Vec<Envelope>,
    next: PendingRoot,
}

/// A rotation read from its file or just prepared: the chain v1..vN, root v(N+1) and its signatures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rotation {
    chain: Vec<Envelope>,
    current: RootPayload,
    next: RootPayload,
    payload: Vec<u8>,
    pending: PendingRoot,
}

/// How many of one root version's keys signed, against its threshold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tally {
    /// The root version whose keys and threshold these are.
    pub version: u64,
    /// Its root threshold.
    pub threshold: u32,
    /// Its root keys with a valid signature.
    pub signed: Vec<PublicKey>,
    /// Its root keys without one.
    pub missing: Vec<PublicKey>,
}

impl Tally {
    /// Whether the threshold is met.
    pub fn is_met(&self) -> bool {
        self.signed.len() >= self.threshold as usize
    }

    /// How many more signatures of these keys are needed.
    pub fn short_by(&self) -> usize {
        (self.threshold as usize).saturating_sub(self.signed.len())
    }
}

/// What `notice root check` reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// v(N)'s keys: a rotation must be signed by a threshold of the root it replaces.
    pub current: Tally,
    /// v(N+1)'s keys: and by a threshold of its own.
    pub next: Tally,
    /// The verdict of the apps' own chain verifier on chain + v(N+1).
    pub verdict: Result<RootPayload, VerifyError>,
}

/// Whether `sign` added a signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signed {
    /// A new signature.
    Added,
    /// The key had signed already; the file is unchanged.
    AlreadySigned,
}

impl Rotation {
    /// Root v(N+1) from the chain v1..vN (as a published document carries it) and `change`.
    pub fn prepare(chain: Vec<Envelope>, change: &RootChange) -> Result<Self, RotationError> {
        let current = chain_root(&chain)?;
        let next = apply(&current, change)?;
        let payload = serde_json::to_vec(&next)
            .map_err(|e| RotationError::InvalidFile(format!("cannot serialize root: {e}")))?;
        let pending = PendingRoot {
            payload_type: ROOT_PAYLOAD_TYPE.to_owned(),
            payload: STANDARD.encode(&payload),
            signatures: Vec::new(),
        };
        Ok(Self {
            chain,
            current,
            next,
            payload,
            pending,
        })
    }

    /// Reads a rotation file: its chain must verify from its own version 1, and its next root must be a valid
    /// root of the next version for the same feed.
    pub fn parse(bytes: &[u8]) -> Result<Self, RotationError> {
        let invalid = |m: String| RotationError::InvalidFile(m);
        let file: RotationFile =
            serde_json::from_slice(bytes).map_err(|e| invalid(format!("{e}")))?;
        if file.format != ROTATION_FORMAT {
            return Err(invalid(format!(
                "format is {:?}, expected {ROTATION_FORMAT:?}",
                file.format
            )));
        }
        let current = chain_root(&file.chain)?;
        if file.next.payload_type != ROOT_PAYLOAD_TYPE {
            return Err(invalid(format!(
                "next.payloadType must be {ROOT_PAYLOAD_TYPE}"
            )));
        }
        let payload = STANDARD
            .decode(&file.next.payload)
            .map_err(|_| invalid("next.payload is not standard base64".to_owned()))?;
        let next: RootPayload = serde_json::from_slice(&payload)
            .map_err(|e| invalid(format!("next.payload is not a valid root: {e}")))?;
        if next.version != current.version + 1 || next.feed_id != current.feed_id {
            return Err(invalid(format!(
                "next.payload is root v{} of {}, not v{} of {}",
                next.version,
                next.feed_id,
                current.version + 1,
                current.feed_id
            )));
        }
        Ok(Self {
            chain: file.chain,
            current,
            next,
            payload,
            pending: file.next,
        })
    }

    /// The file's bytes (indented JSON, a trailing newline).
    pub fn to_bytes(&self) -> Vec<u8> {
        let file = RotationFile {
            format: ROTATION_FORMAT.to_owned(),
            chain: self.chain.clone(),
            next: self.pending.clone(),
        };
        let mut bytes = serde_json::to_vec_pretty(&file).unwrap_or_default();
        bytes.push(b'\n');
        bytes
    }

    /// Root v(N).
    pub fn current(&self) -> &RootPayload {
        &self.current
    }

    /// Root v(N+1).
    pub fn next(&self) -> &RootPayload {
        &self.next
    }

    /// The chain v1..vN the rotation builds on.
    pub fn chain(&self) -> &[Envelope] {
        &self.chain
    }

    /// The exact payload bytes of root v(N+1).
    pub fn payload(&self) -> &[u8] {
        &self.payload
    }

    /// How many signatures it carries.
    pub fn signature_count(&self) -> usize {
        self.pending.signatures.len()
    }

    /// Root v(N+1) as the envelope to publish; `None` before anyone signed.
    pub fn envelope(&self) -> Option<Envelope> {
        if self.pending.signatures.is_empty() {
            return None;
        }
        Some(Envelope {
            payload_type: self.pending.payload_type.clone(),
            payload: self.pending.payload.clone(),
            signatures: self.pending.signatures.clone(),
        })
    }

    /// The chain with root v(N+1) appended (for a document signed break-glass).
    pub fn extended_chain(&self) -> Option<Vec<Envelope>> {
        let mut chain = self.chain.clone();
        chain.push(self.envelope()?);
        Some(chain)
    }

    /// Adds `key`'s signature over the payload bytes. The key must be a root key of v(N) or v(N+1); signing
    /// twice with one key changes nothing (an earlier signature of it that does not verify is replaced).
    pub fn sign(&mut self, key: &SecretKey) -> Result<Signed, RotationError> {
        let public = key.public_key();
        if !self.current.root_keys.contains(&public) && !self.next.root_keys.contains(&public) {
            return Err(RotationError::SignerNotInRoots {
                key_id: public.key_id(),
                current: self.current.version,
                next: self.next.version,
            });
        }
        if signers_among(&self.pending, std::slice::from_ref(&public)).contains(&public) {
            return Ok(Signed::AlreadySigned);
        }
        let key_id = public.key_id();
        self.pending.signatures.retain(|s| s.keyid != key_id);
        let signed = Envelope::sign(ROOT_PAYLOAD_TYPE, &self.payload, &[key]);
        self.pending.signatures.extend(signed.signatures);
        Ok(Signed::Added)
    }

    /// Counts the signatures against v(N)'s and v(N+1)'s root keys and thresholds, and asks the apps'
    /// verifier for its verdict on the chain with v(N+1) appended, anchored at `trusted` (the root the apps
    /// ship; default: the chain's own version 1).
    pub fn check(&self, trusted: Option<&TrustedRoot>) -> Report {
        let tally = |root: &RootPayload| {
            let signed = signers_among(&self.pending, &root.root_keys);
            Tally {
                version: root.version,
                threshold: root.root_threshold,
                missing: root
                    .root_keys
                    .iter()
                    .filter(|k| !signed.contains(k))
                    .cloned()
                    .collect(),
                signed,
            }
        };
        let verdict = match (self.extended_chain(), trusted) {
            (None, _) => Err(VerifyError::RootRotation {
                version: self.next.version,
                detail: "no signatures yet".to_owned(),
            }),
            (Some(chain), Some(trusted)) => verify_root_chain(&chain, trusted),
            (Some(chain), None) => TrustedRoot::from_envelope(&chain[0])
                .and_then(|own| verify_root_chain(&chain, &own)),
        };
        Report {
            current: tally(&self.current),
            next: tally(&self.next),
            verdict,
        }
    }

    /// What v(N+1) changes, one line each (`root keys: + 1a2b…, - 3c4d…`, `root threshold: 1 → 2`).
    pub fn changes(&self) -> Vec<String> {
        describe(&self.current, &self.next)
    }
}

/// The newest root of `chain`, which must verify from its own version 1.
fn chain_root(chain: &[Envelope]) -> Result<RootPayload, RotationError> {
    let first = chain
        .first()
        .ok_or_else(|| RotationError::InvalidFile("the root chain is empty".to_owned()))?;
    TrustedRoot::from_envelope(first)
        .and_then(|own| verify_root_chain(chain, &own))
        .map_err(|e| RotationError::InvalidFile(format!("the root chain does not verify: {e}")))
}

/// The keys of `among` whose signature on `pending` verifies, each checked alone by the readers' own rules.
fn signers_among(pending: &PendingRoot, among: &[PublicKey]) -> Vec<PublicKey> {
    if pending.signatures.is_empty() {
        return Vec::new();
    }
    let envelope = Envelope {
        payload_type: pending.payload_type.clone(),
        payload: pending.payload.clone(),
        signatures: pending.signatures.clone(),
    };
    among
        .iter()
        .filter(|key| {
            envelope
                .open(ROOT_PAYLOAD_TYPE, Role::Root, std::slice::from_ref(*key), 1)
                .is_ok()
        })
        .cloned()
        .collect()
}

/// `key` (a key id or `ed25519:…`) among `keys`, by position.
fn position(keys: &[PublicKey], key: &str) -> Option<usize> {
    keys.iter()
        .position(|k| k.key_id() == key || k.to_string() == key)
}

fn apply(current: &RootPayload, change: &RootChange) -> Result<RootPayload, RotationError> {
    if *change == RootChange::default() {
        return Err(RotationError::NoChange);
    }
    let version = current.version;
    let mut next = RootPayload {
        version: version + 1,
        ..current.clone()
    };
    for (role, keys, add, remove) in [
        (
            "root",
            &mut next.root_keys,
            &change.add_root_keys,
            &change.remove_root_keys,
        ),
        (
            "feed",
            &mut next.feed_keys,
            &change.add_feed_keys,
            &change.remove_feed_keys,
        ),
    ] {
        for key in remove {
            let at = position(keys, key).ok_or_else(|| RotationError::NotListed {
                role,
                key: key.clone(),
                version,
            })?;
            keys.remove(at);
        }
        for key in add {
            if keys.contains(key) {
                return Err(RotationError::AlreadyListed {
                    what: format!("{role} key {key}"),
                    version,
                });
            }
            keys.push(*key);
        }
    }
    for host in &change.remove_link_hosts {
        let at = next
            .link_hosts
            .iter()
            .position(|h| h == host)
            .ok_or_else(|| RotationError::HostNotListed {
                host: host.clone(),
                version,
            })?;
        next.link_hosts.remove(at);
    }
    for host in &change.add_link_hosts {
        if next.link_hosts.contains(host) {
            return Err(RotationError::AlreadyListed {
                what: format!("link host {host}"),
                version,
            });
        }
        next.link_hosts.push(host.clone());
    }
    if let Some(threshold) = change.root_threshold {
        next.root_threshold = threshold;
    }
    if let Some(threshold) = change.feed_threshold {
        next.feed_threshold = threshold;
    }
    next.validate()
        .map_err(|field| RotationError::InvalidRoot {
            version: next.version,
            field,
        })?;
    if next
        == (RootPayload {
            version: next.version,
            ..current.clone()
        })
    {
        return Err(RotationError::NoChange);
    }
    Ok(next)
}

fn describe(current: &RootPayload, next: &RootPayload) -> Vec<String> {
    let mut lines = Vec::new();
    for (role, old, new) in [
        ("root keys", &current.root_keys, &next.root_keys),
        ("feed keys", &current.feed_keys, &next.feed_keys),
    ] {
        let old_ids: BTreeSet<String> = old.iter().map(PublicKey::key_id).collect();
        let new_ids: BTreeSet<String> = new.iter().map(PublicKey::key_id).collect();
        let mut parts: Vec<String> = new_ids
            .difference(&old_ids)
            .map(|id| format!("+ {id}"))
            .collect();
        parts.extend(old_ids.difference(&new_ids).map(|id| format!("- {id}")));
        if !parts.is_empty() {
            lines.push(format!("{role}: {}", parts.join(", ")));
        }
    }
    for (name, old, new) in [
        (
            "root threshold",
            current.root_threshold,
            next.root_threshold,
        ),
        (
            "feed threshold",
            current.feed_threshold,
            next.feed_threshold,
        ),
    ] {
        if old != new {
            lines.push(format!("{name}: {old} → {new}"));
        }
    }
    let old_hosts: BTreeSet<&String> = current.link_hosts.iter().collect();
    let new_hosts: BTreeSet<&String> = next.link_hosts.iter().collect();
    let mut hosts: Vec<String> = new_hosts
        .difference(&old_hosts)
        .map(|h| format!("+ {h}"))
        .collect();
    hosts.extend(old_hosts.difference(&new_hosts).map(|h| format!("- {h}")));
    if !hosts.is_empty() {
        lines.push(format!("link hosts: {}", hosts.join(", ")));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use notice_tests::{FeedOwner, key};

    fn two_of_three() -> FeedOwner {
        FeedOwner::builder().root_keys(&[1, 3, 5], 2).build()
    }

    #[test]
    fn a_rotation_needs_a_threshold_of_the_old_and_of_the_new_root_keys() {
        let owner = two_of_three();
        let change = RootChange {
            add_root_keys: vec![key(7).public_key()],
            remove_root_keys: vec![key(5).public_key().key_id()],
            ..RootChange::default()
        };
        let mut rotation = Rotation::prepare(owner.chain().to_vec(), &change).unwrap();
        assert_eq!(rotation.next().version, 2);
        assert_eq!(rotation.check(None).current.short_by(), 2);
        assert_eq!(rotation.sign(&key(1)).unwrap(), Signed::Added);
        assert_eq!(rotation.sign(&key(1)).unwrap(), Signed::AlreadySigned);
        // The file travels: what one signer wrote, the next reads.
        let mut rotation = Rotation::parse(&rotation.to_bytes()).unwrap();
        let report = rotation.check(None);
        assert_eq!((report.current.short_by(), report.next.short_by()), (1, 1));
        assert_eq!(report.verdict.unwrap_err().code(), "root_rotation_rejected");
        rotation.sign(&key(5)).unwrap();
        let report = rotation.check(None);
        assert!(report.current.is_met() && !report.next.is_met());
        assert!(report.verdict.is_err());
        rotation.sign(&key(7)).unwrap();
        let report = rotation.check(Some(&owner.trusted()));
        assert!(report.current.is_met() && report.next.is_met());
        assert_eq!(report.verdict.unwrap().version, 2);
        assert_eq!(rotation.signature_count(), 3);
    }

    #[test]
    fn a_key_of_neither_root_cannot_sign() {
        let owner = two_of_three();
        let change = RootChange {
            root_threshold: Some(3),
            ..RootChange::default()
        };
        let mut rotation = Rotation::prepare(owner.chain().to_vec(), &change).unwrap();
        let err = rotation.sign(&key(9)).unwrap_err();
        assert_eq!(err.code(), "signer_not_in_roots");
        assert_eq!(rotation.changes(), vec!["root threshold: 2 → 3"]);
    }

    #[test]
    fn changes_that_make_an_invalid_root_are_refused_before_anyone_signs() {
        let owner = two_of_three();
        for (change, code) in [
            (RootChange::default(), "no_change"),
            (
                RootChange {
                    root_threshold: Some(4),
                    ..RootChange::default()
                },
                "invalid_root",
            ),
            (
                RootChange {
                    remove_root_keys: vec![key(9).public_key().key_id()],
                    ..RootChange::default()
                },
                "key_not_listed",
            ),
            (
                RootChange {
                    add_root_keys: vec![key(1).public_key()],
                    ..RootChange::default()
                },
                "already_listed",
            ),
            (
                RootChange {
                    root_threshold: Some(2),
                    ..RootChange::default()
                },
                "no_change",
            ),
        ] {
            let err = Rotation::prepare(owner.chain().to_vec(), &change).unwrap_err();
            assert_eq!(err.code(), code, "{err}");
        }
    }

    #[test]
    fn a_file_whose_next_root_is_not_the_next_version_is_refused() {
        let owner = two_of_three();
        let change = RootChange {
            add_link_hosts: vec!["status.yivi.app".to_owned()],
            ..RootChange::default()
        };
        let rotation = Rotation::prepare(owner.chain().to_vec(), &change).unwrap();
        let mut value: serde_json::Value = serde_json::from_slice(&rotation.to_bytes()).unwrap();
        let bumped = serde_json::to_vec(&RootPayload {
            version: 3,
            ..rotation.next().clone()
        })
        .unwrap();
        value["next"]["payload"] = STANDARD.encode(bumped).into();
        let err = Rotation::parse(&serde_json::to_vec(&value).unwrap()).unwrap_err();
        assert_eq!(err.code(), "invalid_rotation_file", "{err}");
    }
}
