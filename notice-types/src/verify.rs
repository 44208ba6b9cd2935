//! The verifier: published bytes + trusted root + stored state + now → a verified feed and the new state.
//!
//! Order of checks (each fails closed):
//! 0. the stored state is for this feed id and, at the trusted root's version, for this very root;
//! 1. size cap, then strict parse of the unsigned wrapper;
//! 2. root chain, all of it from version 1: each version signed by a threshold of the previous version's root
//!    keys and of its own, same feed id, the version its position says, and the entry at the caller's trusted
//!    version equal to that trusted root;
//! 3. feed envelope: payload type, then signatures by a threshold of the final root's feed keys, and only then
//!    the payload is parsed (strictly, with limits);
//! 4. feed id, link hosts, rollback (version floor; an equal version must be the same bytes), expiry judged at
//!    `max(now, last verified issued_at)`.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::document::DocumentRef;
use crate::envelope::{
    Envelope, EnvelopeRef, FEED_PAYLOAD_TYPE, Opened, ROOT_PAYLOAD_TYPE, truncate,
};
use crate::{FeedPayload, InvalidField, RootPayload, Timestamp};

/// Which kind of key a signature check was about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Root keys (offline; sign root versions).
    Root,
    /// Feed keys (online; sign feeds).
    Feed,
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Role::Root => "root",
            Role::Feed => "feed",
        })
    }
}

/// Why a document was rejected. Each variant has a stable [`VerifyError::code`] for logs, metrics and other
/// implementations' test vectors.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// More bytes than any reader accepts.
    #[error("document is {len} bytes, more than the {max} allowed")]
    TooLarge {
        /// Bytes received (or read so far).
        len: usize,
        /// The cap.
        max: usize,
    },
    /// The unsigned wrapper or an envelope is not valid JSON of the right shape.
    #[error("malformed document: {detail}")]
    MalformedJson {
        /// Parser message.
        detail: String,
    },
    /// A payload or signature is not valid standard base64.
    #[error("malformed base64 in {what}")]
    MalformedBase64 {
        /// Which part.
        what: &'static str,
    },
    /// The envelope says it holds something else.
    #[error("wrong payload type: expected {expected}, found {found:?}")]
    WrongPayloadType {
        /// What was expected.
        expected: &'static str,
        /// What the envelope says (truncated).
        found: String,
    },
    /// No signature is by a trusted key.
    #[error("no signature by a trusted {role} key")]
    UnknownKey {
        /// Root or feed.
        role: Role,
    },
    /// A signature names a trusted key but does not verify: the bytes were changed.
    #[error("{role} signature does not verify: the document was altered")]
    BadSignature {
        /// Root or feed.
        role: Role,
    },
    /// Some, but too few, distinct trusted keys signed.
    #[error("{valid} valid {role} signature(s) from distinct keys, {required} required")]
    ThresholdNotMet {
        /// Root or feed.
        role: Role,
        /// Distinct trusted keys with a valid signature.
        valid: usize,
        /// The threshold.
        required: usize,
    },
    /// A signed payload is not valid JSON of the right shape, or breaks a rule.
    #[error("invalid {role} payload: {detail}")]
    InvalidPayload {
        /// Root or feed.
        role: Role,
        /// What is wrong.
        detail: String,
    },
    /// A newer root in the chain is not properly signed or changes what may not change.
    #[error("root v{version} rejected: {detail}")]
    RootRotation {
        /// The version that was rejected.
        version: u64,
        /// Why.
        detail: String,
    },
    /// The document's root chain does not match the roots this client already trusts.
    #[error("root chain rejected at v{version}: {detail}")]
    RootChain {
        /// The version at which it failed.
        version: u64,
        /// Why.
        detail: String,
    },
    /// A valid feed, but for another app or environment.
    #[error("feed is for {found:?}, expected {expected:?}")]
    WrongFeedId {
        /// The trusted feed id.
        expected: String,
        /// The document's feed id.
        found: String,
    },
    /// Older than a version already verified: a replay.
    #[error("feed version {found} is older than version {floor} already seen (rollback)")]
    RolledBack {
        /// The version floor.
        floor: u64,
        /// The document's version.
        found: u64,
    },
    /// Same version as the one stored, different content: the signer equivocated or a key is misused.
    #[error("feed version {version} was already seen with different content")]
    EqualVersionDifferentBytes {
        /// The version.
        version: u64,
    },
    /// Past its expiry: a frozen or stale copy.
    #[error("feed expired at {expires_at} (judged at {as_of})")]
    Expired {
        /// The feed's expiry.
        expires_at: Timestamp,
        /// `max(now, last verified issued_at)`.
        as_of: Timestamp,
    },
    /// The stored state belongs to another feed.
    #[error("stored state is for feed {found:?}, not {expected:?}")]
    StateForOtherFeed {
        /// The trusted feed id.
        expected: String,
        /// The state's feed id.
        found: String,
    },
    /// The stored state's root has the trusted root's version but is another root (the same feed id set up
    /// twice, as every development setup does, with state left by the other one).
    #[error("stored state is for another root v{version} of this feed than the trusted one")]
    StateForOtherRoot {
        /// The version both roots have.
        version: u64,
    },
}

impl VerifyError {
    /// A stable snake_case code, e.g. `rolled_back`.
    pub fn code(&self) -> &'static str {
        match self {
            VerifyError::TooLarge { .. } => "too_large",
            VerifyError::MalformedJson { .. } => "malformed_json",
            VerifyError::MalformedBase64 { .. } => "malformed_base64",
            VerifyError::WrongPayloadType { .. } => "wrong_payload_type",
            VerifyError::UnknownKey { .. } => "unknown_key",
            VerifyError::BadSignature { .. } => "bad_signature",
            VerifyError::ThresholdNotMet { .. } => "threshold_not_met",
            VerifyError::InvalidPayload { .. } => "invalid_payload",
            VerifyError::RootRotation { .. } => "root_rotation_rejected",
            VerifyError::RootChain { .. } => "root_chain_rejected",
            VerifyError::WrongFeedId { .. } => "wrong_feed_id",
            VerifyError::RolledBack { .. } => "rolled_back",
            VerifyError::EqualVersionDifferentBytes { .. } => "equal_version_different_bytes",
            VerifyError::Expired { .. } => "expired",
            VerifyError::StateForOtherFeed { .. } => "state_for_other_feed",
            VerifyError::StateForOtherRoot { .. } => "state_for_other_root",
        }
    }
}

/// The root an app ships, already checked to be signed by a threshold of its own root keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedRoot {
    payload: RootPayload,
    /// The payload bytes inside the shipped envelope: the chain's entry at this version must hold exactly
    /// these bytes (PROTOCOL.md §8 step 2), not merely the same parsed value.
    payload_bytes: Vec<u8>,
    /// `payload_bytes` in standard base64: the one text a chain entry holding them can have (the decoder
    /// refuses any other padding or trailing bits), so the cached-chain shortcut compares text, not bytes.
    payload_base64: String,
    /// Lowercase hex SHA-256 of `payload_bytes`, what a state records as its `root_sha256`: computed once, not
    /// on every verification.
    payload_sha256: String,
}

impl TrustedRoot {
    /// Reads a root envelope (the JSON file the app ships). Any root version can be shipped; the document's
    /// chain is followed from there.
    pub fn from_envelope_bytes(bytes: &[u8]) -> Result<Self, VerifyError> {
        if bytes.len() > crate::limits::MAX_DOCUMENT_BYTES {
            return Err(VerifyError::TooLarge {
                len: bytes.len(),
                max: crate::limits::MAX_DOCUMENT_BYTES,
            });
        }
        let envelope: EnvelopeRef<'_> =
            crate::bounded::from_document_json(bytes).map_err(|e| VerifyError::MalformedJson {
                detail: e.to_string(),
            })?;
        Self::from_envelope_ref(&envelope)
    }

    /// Same, from a parsed envelope.
    pub fn from_envelope(envelope: &Envelope) -> Result<Self, VerifyError> {
        Self::from_envelope_ref(&EnvelopeRef::from(envelope))
    }

    fn from_envelope_ref(envelope: &EnvelopeRef<'_>) -> Result<Self, VerifyError> {
        let unverified = peek_root(envelope)?;
        let (payload, payload_bytes) = open_root(envelope, &unverified)?;
        Ok(Self {
            payload,
            payload_base64: STANDARD.encode(&payload_bytes),
            payload_sha256: hex::encode(Sha256::digest(&payload_bytes)),
            payload_bytes,
        })
    }

    /// The root's content.
    pub fn payload(&self) -> &RootPayload {
        &self.payload
    }
}

/// What a client remembers between verifications. Persist it with the verified bytes; it only ever moves
/// forward.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrustState {
    /// The newest root verified so far.
    pub root: RootPayload,
    /// Lowercase hex SHA-256 of `root`'s payload bytes: a later document's chain must hold exactly those
    /// bytes at `root.version`. Absent in states written before this field existed; `root` is then compared
    /// by value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub root_sha256: Option<String>,
    /// Digest of the root chain that `root` was verified from; the same chain is not re-verified (an
    /// optimization: absent, everything is verified from version 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub root_chain_sha256: Option<String>,
    /// The newest feed verified so far (the rollback floor), if any.
    pub feed: Option<FeedMark>,
    /// The latest `issued_at` ever verified; expiry is judged at `max(now, this)`.
    pub last_issued_at: Option<Timestamp>,
}

/// Identifies the newest verified feed: its version and a digest of its payload bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedMark {
    /// The version floor: lower versions are rollbacks.
    pub version: u64,
    /// Lowercase hex SHA-256 of the payload bytes; an equal version must match it.
    pub sha256: String,
}

impl TrustState {
    /// The state of a fresh install: the shipped root, no feed seen.
    pub fn new(trusted: &TrustedRoot) -> Self {
        Self {
            root: trusted.payload.clone(),
            root_sha256: Some(trusted.payload_sha256.clone()),
            root_chain_sha256: None,
            feed: None,
            last_issued_at: None,
        }
    }

    /// Whether this state's root has the trusted root's version but is not the trusted root: state another
    /// setup of the same feed id left behind, which must neither anchor a chain nor set a floor.
    pub fn contradicts(&self, trusted: &TrustedRoot) -> bool {
        if self.root.version != trusted.payload.version {
            return false;
        }
        match &self.root_sha256 {
            Some(digest) => *digest != trusted.payload_sha256,
            None => self.root != trusted.payload,
        }
    }
}

/// Whether a verified document moved the feed forward.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// A higher version (or the same feed under a newer root chain, or the first feed under new feed keys):
    /// store the bytes and the new state.
    NewVersion,
    /// The version already stored, same bytes: keep the stored copy (it is identical), store the state.
    SameVersion,
}

/// A document that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The feed.
    pub feed: FeedPayload,
    /// The root it verified under.
    pub root: RootPayload,
    /// The state to persist.
    pub state: TrustState,
    /// New or same version.
    pub change: Change,
}

/// Verifies `bytes` for the feed of `trusted`, given the stored `state` (`None` on a fresh install) and the
/// caller's `now`. Safe by default: nothing here skips rollback or expiry checks.
pub fn verify(
    bytes: &[u8],
    trusted: &TrustedRoot,
    state: Option<&TrustState>,
    now: Timestamp,
) -> Result<Verified, VerifyError> {
    let fresh_state;
    let state = match state {
        Some(state) => state,
        None => {
            fresh_state = TrustState::new(trusted);
            &fresh_state
        }
    };
    if state.root.feed_id != trusted.payload.feed_id {
        return Err(VerifyError::StateForOtherFeed {
            expected: trusted.payload.feed_id.to_string(),
            found: state.root.feed_id.to_string(),
        });
    }
    if state.contradicts(trusted) {
        return Err(VerifyError::StateForOtherRoot {
            version: trusted.payload.version,
        });
    }
    // An app update may ship a newer root than the one remembered; start from whichever is newer.
    let start = if trusted.payload.version > state.root.version {
        &trusted.payload
    } else {
        &state.root
    };
    let document = DocumentRef::parse(bytes)?;
    let chain_sha256 = chain_digest(&document.roots);
    // The exact chain this state was built from was fully verified before; checking its signatures again
    // would prove nothing new. Any other chain, or a newer shipped root, is verified from version 1. The
    // chain must still hold the shipped root's bytes at its version: a state built from a chain anchored
    // elsewhere (another setup of the same feed id) must not vouch for that chain here.
    let (root, root_sha256) = if start == &state.root
        && state.root_chain_sha256.as_deref() == Some(chain_sha256.as_str())
        && state.root_sha256.is_some()
        && holds_trusted_root(&document.roots, trusted)
    {
        (state.root.clone(), state.root_sha256.clone())
    } else {
        let anchors = Anchors {
            trusted,
            state: (state.root.version > trusted.payload.version).then_some(state),
        };
        let (root, bytes) = follow_chain(&document.roots, &anchors)?;
        (root, Some(hex::encode(Sha256::digest(bytes))))
    };
    let (feed, opened) = open_feed(&document, &root)?;

    // What was verified under other feed signers does not bind this feed: after a rotation that revoked a
    // feed key, neither the floor nor the latest issued_at it left behind may lock the new key out (see
    // `RootPayload::same_feed_signers`). Only a root rotation, signed by the offline root keys, gets here.
    let (floor, last_issued_at) = if root.same_feed_signers(&state.root) {
        (state.feed.as_ref(), state.last_issued_at)
    } else {
        (None, None)
    };
    let digest = hex::encode(Sha256::digest(opened.payload()));
    let same_chain = state.root_chain_sha256.as_deref() == Some(chain_sha256.as_str());
    let change = match floor {
        Some(mark) if feed.version < mark.version => {
            return Err(VerifyError::RolledBack {
                floor: mark.version,
                found: feed.version,
            });
        }
        Some(mark) if feed.version == mark.version => {
            if mark.sha256 != digest {
                return Err(VerifyError::EqualVersionDifferentBytes {
                    version: feed.version,
                });
            }
            // The same feed under a newer root chain is a new document: the stored copy must be replaced,
            // or it would no longer verify against the state that moved on to the new chain.
            if same_chain {
                Change::SameVersion
            } else {
                Change::NewVersion
            }
        }
        _ => Change::NewVersion,
    };
    let as_of = last_issued_at.map_or(now, |seen| now.max(seen));
    if as_of >= feed.expires_at {
        return Err(VerifyError::Expired {
            expires_at: feed.expires_at,
            as_of,
        });
    }
    let state = TrustState {
        root: root.clone(),
        root_sha256,
        root_chain_sha256: Some(chain_sha256),
        feed: Some(FeedMark {
            version: feed.version,
            sha256: digest,
        }),
        last_issued_at: Some(
            last_issued_at.map_or(feed.issued_at, |seen| seen.max(feed.issued_at)),
        ),
    };
    Ok(Verified {
        feed,
        root,
        state,
        change,
    })
}

/// Checks signatures, chain, feed id and links, and **nothing about freshness**: no rollback floor, no expiry.
///
/// For tools that inspect old or archived documents (a post-incident review, `notice verify --dangerous-…`),
/// never for deciding what to show users.
pub fn dangerous_verify_ignoring_freshness(
    bytes: &[u8],
    trusted: &TrustedRoot,
) -> Result<(RootPayload, FeedPayload), VerifyError> {
    let document = DocumentRef::parse(bytes)?;
    let anchors = Anchors {
        trusted,
        state: None,
    };
    let (root, _) = follow_chain(&document.roots, &anchors)?;
    let (feed, _) = open_feed(&document, &root)?;
    Ok((root, feed))
}

/// Verifies a root chain (`roots[0]` is version 1) exactly as readers verify a document's chain (PROTOCOL.md
/// §8 step 2) from the shipped root `trusted`, and returns its newest root. For writers that add a root
/// version (a root rotation) and must refuse one that apps would refuse, before publishing anything.
pub fn verify_root_chain(
    roots: &[Envelope],
    trusted: &TrustedRoot,
) -> Result<RootPayload, VerifyError> {
    let borrowed: Vec<EnvelopeRef<'_>> = roots.iter().map(EnvelopeRef::from).collect();
    let anchors = Anchors {
        trusted,
        state: None,
    };
    follow_chain(&borrowed, &anchors).map(|(root, _)| root)
}

/// Opens the feed envelope under `root` and checks what the root decides: feed id and link hosts.
fn open_feed(
    document: &DocumentRef<'_>,
    root: &RootPayload,
) -> Result<(FeedPayload, Opened), VerifyError> {
    let opened = document.feed.open(
        FEED_PAYLOAD_TYPE,
        Role::Feed,
        &root.feed_keys,
        root.feed_threshold,
    )?;
    let feed: FeedPayload = crate::bounded::from_signed_json(opened.payload()).map_err(|e| {
        VerifyError::InvalidPayload {
            role: Role::Feed,
            detail: e.to_string(),
        }
    })?;
    if feed.feed_id != root.feed_id {
        return Err(VerifyError::WrongFeedId {
            expected: root.feed_id.to_string(),
            found: feed.feed_id.to_string(),
        });
    }
    check_links(&feed, root).map_err(|e| VerifyError::InvalidPayload {
        role: Role::Feed,
        detail: e.to_string(),
    })?;
    Ok((feed, opened))
}

/// Lowercase hex SHA-256 over the chain's envelopes, field by field with length prefixes: equal for equal
/// envelopes, whatever whitespace the document used, and computed without serializing anything.
fn chain_digest(roots: &[EnvelopeRef<'_>]) -> String {
    fn field(hasher: &mut Sha256, bytes: &[u8]) {
        hasher.update((bytes.len() as u64).to_le_bytes());
        hasher.update(bytes);
    }
    let mut hasher = Sha256::new();
    hasher.update(b"notice root chain v2");
    for envelope in roots {
        field(&mut hasher, envelope.payload_type.as_bytes());
        field(&mut hasher, envelope.payload.as_bytes());
        hasher.update((envelope.signatures.len() as u64).to_le_bytes());
        for signature in &envelope.signatures {
            field(&mut hasher, signature.keyid.as_bytes());
            field(&mut hasher, signature.sig.as_bytes());
        }
    }
    hex::encode(hasher.finalize())
}

/// Whether the chain's entry at the trusted root's version carries the trusted root's payload bytes (its
/// signatures are not checked here: the caller knows the chain was verified before). Compared as base64
/// text: equal text is equal bytes; any other text either fails to decode or is refused by the full check.
fn holds_trusted_root(roots: &[EnvelopeRef<'_>], trusted: &TrustedRoot) -> bool {
    usize::try_from(trusted.payload.version)
        .ok()
        .and_then(|version| version.checked_sub(1))
        .and_then(|index| roots.get(index))
        .is_some_and(|entry| *entry.payload == *trusted.payload_base64)
}

/// What a document's root chain must hold: the shipped root's exact payload bytes at its version, and the
/// stored state's root (when newer) at its version.
struct Anchors<'a> {
    trusted: &'a TrustedRoot,
    /// The stored state, when its root is newer than the shipped one.
    state: Option<&'a TrustState>,
}

impl Anchors<'_> {
    /// The newest root the client already trusts: the chain must reach it.
    fn start(&self) -> &RootPayload {
        self.state
            .map_or(&self.trusted.payload, |state| &state.root)
    }

    /// Why the chain's entry `root` (with payload `bytes`) at its version is not the one already trusted at
    /// that version, if it is not.
    fn mismatch(&self, root: &RootPayload, bytes: &[u8]) -> Option<&'static str> {
        if root.version == self.trusted.payload.version && bytes != self.trusted.payload_bytes {
            return Some("its payload bytes differ from the shipped root's");
        }
        let state = self
            .state
            .filter(|state| state.root.version == root.version)?;
        match &state.root_sha256 {
            Some(digest) if *digest != hex::encode(Sha256::digest(bytes)) => {
                Some("its payload bytes differ from the root this client verified before")
            }
            Some(_) => None,
            None if *root != state.root => {
                Some("differs from the root this client verified before")
            }
            None => None,
        }
    }
}

/// Verifies the whole chain `roots[0..]` and returns its newest root with its payload bytes.
///
/// `roots[i]` must be version `i + 1`; version 1 is signed by a threshold of its own root keys; every later
/// version by a threshold of the previous version's root keys and of its own, for the same feed id. The entry at
/// the shipped root's version must hold that root's payload bytes exactly, and the entry at the stored root's
/// version that root's (by digest), which anchors the older entries (each signed into the next) and the newer
/// ones (each signed by the one before). Every byte of the chain is thereby authenticated: nothing in a
/// published document goes unchecked.
///
/// Any failure in an entry is reported as [`VerifyError::RootChain`] (at or below the newest trusted version) or
/// [`VerifyError::RootRotation`] (above it), whatever the reason inside the envelope (type, base64, signatures,
/// payload): the first failing entry decides.
fn follow_chain(
    roots: &[EnvelopeRef<'_>],
    anchors: &Anchors<'_>,
) -> Result<(RootPayload, Vec<u8>), VerifyError> {
    let start = anchors.start();
    if (roots.len() as u64) < start.version {
        return Err(VerifyError::RootChain {
            version: roots.len() as u64 + 1,
            detail: format!(
                "the document carries {} root version(s); this client trusts v{}",
                roots.len(),
                start.version
            ),
        });
    }
    let mut previous: Option<(RootPayload, Vec<u8>)> = None;
    for (index, envelope) in roots.iter().enumerate() {
        let version = index as u64 + 1;
        let rejected = |detail: String| {
            if version > start.version {
                VerifyError::RootRotation { version, detail }
            } else {
                VerifyError::RootChain { version, detail }
            }
        };
        let (current, bytes) = match &previous {
            None => {
                let claimed = peek_root(envelope).map_err(|e| rejected(e.to_string()))?;
                open_root(envelope, &claimed)
                    .map_err(|e| rejected(format!("not signed by its own root keys: {e}")))?
            }
            Some((previous, _)) => {
                let payload = envelope
                    .open(
                        ROOT_PAYLOAD_TYPE,
                        Role::Root,
                        &previous.root_keys,
                        previous.root_threshold,
                    )
                    .map_err(|e| {
                        rejected(format!("not signed by root v{}: {e}", previous.version))
                    })?;
                let next: RootPayload = crate::bounded::from_signed_json(payload.payload())
                    .map_err(|e| rejected(e.to_string()))?;
                open_root(envelope, &next)
                    .map_err(|e| rejected(format!("not signed by its own root keys: {e}")))?
            }
        };
        if current.version != version {
            return Err(rejected(format!(
                "position {index} of the chain holds version {}",
                current.version
            )));
        }
        if current.feed_id != start.feed_id {
            return Err(rejected(format!(
                "is for feed {:?}",
                current.feed_id.as_str()
            )));
        }
        if let Some(why) = anchors.mismatch(&current, &bytes) {
            return Err(rejected(why.to_owned()));
        }
        previous = Some((current, bytes));
    }
    // Non-empty: the chain holds at least `start.version >= 1` entries.
    previous.ok_or_else(|| VerifyError::RootChain {
        version: 1,
        detail: "empty root chain".to_owned(),
    })
}

/// Every link in the feed must satisfy the root's link policy.
pub(crate) fn check_links(feed: &FeedPayload, root: &RootPayload) -> Result<(), InvalidField> {
    for (i, notice) in feed.notices.iter().enumerate() {
        if let Some(link) = &notice.link {
            crate::link::check_checked_link(link, &root.link_hosts)
                .map_err(|e| e.within(&format!("notices[{i}].link")))?;
        }
    }
    Ok(())
}

/// Parses a root payload without checking signatures: only to learn which keys to check with for a
/// self-signed root the caller already chose to trust, or a chain the caller signed itself.
fn peek_root(envelope: &EnvelopeRef<'_>) -> Result<RootPayload, VerifyError> {
    if envelope.payload_type != ROOT_PAYLOAD_TYPE {
        return Err(VerifyError::WrongPayloadType {
            expected: ROOT_PAYLOAD_TYPE,
            found: truncate(&envelope.payload_type),
        });
    }
    let payload = STANDARD
        .decode(envelope.payload.as_bytes())
        .map_err(|_| VerifyError::MalformedBase64 { what: "payload" })?;
    crate::bounded::from_signed_json(&payload).map_err(|e| VerifyError::InvalidPayload {
        role: Role::Root,
        detail: e.to_string(),
    })
}

/// The version inside a root envelope the caller signed itself (for assembling documents).
pub(crate) fn peek_root_version(envelope: &EnvelopeRef<'_>) -> Option<u64> {
    peek_root(envelope).ok().map(|root| root.version)
}

/// Opens a root envelope with the keys and threshold of `claimed` (the payload itself, parsed before) and
/// returns the parsed payload and its bytes.
fn open_root(
    envelope: &EnvelopeRef<'_>,
    claimed: &RootPayload,
) -> Result<(RootPayload, Vec<u8>), VerifyError> {
    let opened = envelope.open(
        ROOT_PAYLOAD_TYPE,
        Role::Root,
        &claimed.root_keys,
        claimed.root_threshold,
    )?;
    let root = crate::bounded::from_signed_json(opened.payload()).map_err(|e| {
        VerifyError::InvalidPayload {
            role: Role::Root,
            detail: e.to_string(),
        }
    })?;
    Ok((root, opened.payload().to_vec()))
}
