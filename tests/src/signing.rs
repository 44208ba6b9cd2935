//! The signing kit: deterministic keys, a feed owner with a root chain that rotates, feeds and published
//! documents, and the hostile variants a reader must refuse.
//!
//! Everything here is deterministic unless it reads a server's own keys ([`FeedOwner::from_data_dir`]): key
//! `n` is the secret seed `[n; 32]` ([`key`]) and time is an offset from [`T0`] ([`at`]). The committed test
//! vectors ([`crate::vectors`]) are made with it, so they and the tests can never describe different
//! documents.

use std::path::Path;

use notice_types::{
    Envelope, FEED_PAYLOAD_TYPE, FeedId, FeedPayload, LanguageTag, LocalizedText, Notice,
    PublishedDocument, ROOT_PAYLOAD_TYPE, RootPayload, SecretKey, Timestamp, TrustState,
    TrustedRoot, Verified, VerifyError, sign_feed, sign_root, verify,
};

/// 2026-07-01T14:45:00Z, when the post-mortem's outage began: the "now" of deterministic tests.
pub const T0: i64 = 1_782_917_100;
/// One minute in seconds, for offsets from [`T0`].
pub const MINUTE: i64 = 60;
/// One hour in seconds.
pub const HOUR: i64 = 3600;
/// One day in seconds.
pub const DAY: i64 = 24 * HOUR;
/// How long a feed from [`FeedOwner::feed`] is valid after it was issued.
pub const FEED_VALIDITY: i64 = 72 * HOUR;

/// [`T0`] plus `offset_seconds`.
pub fn at(offset_seconds: i64) -> Timestamp {
    Timestamp::from_unix(T0 + offset_seconds)
}

/// The current time from the system clock, for documents that real binaries check against their clock.
pub fn now() -> Timestamp {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    Timestamp::from_unix(i64::try_from(secs).unwrap_or(i64::MAX))
}

/// Key `n`: its secret seed is 32 bytes all equal to `n`. Test keys only: anyone can derive them.
pub fn key(n: u8) -> SecretKey {
    SecretKey::from_seed(&[n; 32])
}

fn keys(seeds: &[u8]) -> Vec<SecretKey> {
    seeds.iter().map(|n| key(*n)).collect()
}

/// Localized text from `(language, text)` pairs, e.g. `text(&[("en", "Down"), ("nl", "Storing")])`.
///
/// # Panics
/// When a language tag is invalid or English is missing.
pub fn text(pairs: &[(&str, &str)]) -> LocalizedText {
    LocalizedText::from_pairs(pairs.iter().map(|(lang, text)| {
        (
            LanguageTag::parse(lang).unwrap_or_else(|e| panic!("language tag {lang:?}: {e}")),
            *text,
        )
    }))
    .unwrap_or_else(|e| panic!("localized text {pairs:?}: {e}"))
}

/// Standard base64 with padding.
pub fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Hex SHA-256 of the feed payload bytes inside a published document (what a trust state's feed mark
/// holds).
///
/// # Panics
/// When `document` is not a published document with a base64 payload.
pub fn payload_sha256(document: &[u8]) -> String {
    use base64::Engine as _;
    use sha2::Digest as _;
    let document = PublishedDocument::parse(document).expect("a published document");
    let payload = base64::engine::general_purpose::STANDARD
        .decode(&document.feed.payload)
        .expect("a base64 feed payload");
    hex::encode(sha2::Sha256::digest(payload))
}

/// `json` (a document's bytes, say) parsed, changed by `edit` and serialized again: for changes to the
/// unsigned parts of a document, or to a payload before it is signed without checks
/// ([`FeedOwner::publish_edited`]).
///
/// # Panics
/// When `json` is not JSON.
pub fn edited(json: &[u8], edit: impl FnOnce(&mut serde_json::Value)) -> Vec<u8> {
    let mut value: serde_json::Value = serde_json::from_slice(json).expect("JSON to edit");
    edit(&mut value);
    serde_json::to_vec(&value).expect("serialize the edited JSON")
}

/// What a [`FeedOwner`] starts with; from [`FeedOwner::builder`].
#[derive(Debug, Clone)]
pub struct OwnerBuilder {
    feed_id: String,
    root_keys: Vec<u8>,
    root_threshold: u32,
    feed_keys: Vec<u8>,
    feed_threshold: u32,
    link_hosts: Vec<String>,
}

impl OwnerBuilder {
    /// The feed id (default `yivi-app/production`).
    pub fn feed_id(mut self, feed_id: &str) -> Self {
        self.feed_id = feed_id.to_owned();
        self
    }

    /// Root keys by number (see [`key`]) and how many must sign (default key 1, threshold 1).
    pub fn root_keys(mut self, seeds: &[u8], threshold: u32) -> Self {
        self.root_keys = seeds.to_vec();
        self.root_threshold = threshold;
        self
    }

    /// Feed keys by number (see [`key`]) and how many must sign (default key 2, threshold 1).
    pub fn feed_keys(mut self, seeds: &[u8], threshold: u32) -> Self {
        self.feed_keys = seeds.to_vec();
        self.feed_threshold = threshold;
        self
    }

    /// The hosts links may point to (default `yivi.app`); an empty list allows no links.
    pub fn link_hosts(mut self, hosts: &[&str]) -> Self {
        self.link_hosts = hosts.iter().map(|h| (*h).to_owned()).collect();
        self
    }

    /// Signs root v1 with every root key.
    ///
    /// # Panics
    /// When notice-types refuses the root (an invalid feed id or host, a threshold above the key count).
    pub fn build(self) -> FeedOwner {
        FeedOwner::signed(
            &self.feed_id,
            (keys(&self.root_keys), self.root_threshold),
            (keys(&self.feed_keys), self.feed_threshold),
            self.link_hosts,
        )
    }
}

/// A feed's owner: its signed root chain (v1 is what the app ships) and the current root and feed keys.
///
/// ```
/// use notice_tests::{FeedOwner, NoticeBuilder, at};
///
/// let owner = FeedOwner::new();
/// let document = owner.document(7, vec![NoticeBuilder::outage("keyshare-down").build()]);
/// let verified = owner.verify(&document, None, at(60)).expect("valid");
/// assert_eq!(verified.feed.version, 7);
/// ```
pub struct FeedOwner {
    roots: Vec<RootPayload>,
    envelopes: Vec<Envelope>,
    root_keys: Vec<SecretKey>,
    feed_keys: Vec<SecretKey>,
}

impl std::fmt::Debug for FeedOwner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FeedOwner")
            .field("root", self.root())
            .finish_non_exhaustive()
    }
}

impl Default for FeedOwner {
    fn default() -> Self {
        Self::new()
    }
}

impl FeedOwner {
    /// Root v1 for `yivi-app/production`: root key 1, feed key 2, thresholds 1, links to `yivi.app`.
    pub fn new() -> Self {
        Self::builder().build()
    }

    /// The same keys as [`FeedOwner::new`] for another feed id (a staging feed, say).
    pub fn for_feed(feed_id: &str) -> Self {
        Self::builder().feed_id(feed_id).build()
    }

    /// Another owner: start from [`FeedOwner::new`]'s settings and change some.
    pub fn builder() -> OwnerBuilder {
        OwnerBuilder {
            feed_id: "yivi-app/production".to_owned(),
            root_keys: vec![1],
            root_threshold: 1,
            feed_keys: vec![2],
            feed_threshold: 1,
            link_hosts: vec!["yivi.app".to_owned()],
        }
    }

    /// The keys and root v1 of a `notice-server` data directory (`root-key.pem`, `feed-key.pem`,
    /// `root.json`), to sign documents the server's root trusts. Valid until the feed key is rotated.
    ///
    /// # Panics
    /// When a file is missing or invalid.
    pub fn from_data_dir(dir: &Path) -> Self {
        let read_key = |name: &str| {
            let text = zeroize::Zeroizing::new(
                std::fs::read_to_string(dir.join(name))
                    .unwrap_or_else(|e| panic!("read {name} in {}: {e}", dir.display())),
            );
            SecretKey::from_pkcs8_pem(&text).unwrap_or_else(|e| panic!("{name}: {e}"))
        };
        let root_bytes = std::fs::read(dir.join("root.json")).expect("read root.json");
        let envelope: Envelope = serde_json::from_slice(&root_bytes).expect("root.json");
        let root = TrustedRoot::from_envelope(&envelope)
            .expect("root.json verifies")
            .payload()
            .clone();
        Self {
            roots: vec![root],
            envelopes: vec![envelope],
            root_keys: vec![read_key("root-key.pem")],
            feed_keys: vec![read_key("feed-key.pem")],
        }
    }

    /// Root v1 for `feed_id` with the given keys (thresholds 1, no link hosts), e.g. keys `notice keygen`
    /// wrote.
    ///
    /// # Panics
    /// When `feed_id` is invalid.
    pub fn from_keys(feed_id: &str, root_key: SecretKey, feed_key: SecretKey) -> Self {
        Self::signed(
            feed_id,
            (vec![root_key], 1),
            (vec![feed_key], 1),
            Vec::new(),
        )
    }

    /// Root v1 signed by all `root_keys`.
    fn signed(
        feed_id: &str,
        (root_keys, root_threshold): (Vec<SecretKey>, u32),
        (feed_keys, feed_threshold): (Vec<SecretKey>, u32),
        link_hosts: Vec<String>,
    ) -> Self {
        let root = RootPayload {
            feed_id: FeedId::parse(feed_id).expect("a valid feed id"),
            version: 1,
            root_keys: root_keys.iter().map(SecretKey::public_key).collect(),
            root_threshold,
            feed_keys: feed_keys.iter().map(SecretKey::public_key).collect(),
            feed_threshold,
            link_hosts,
        };
        let signers: Vec<&SecretKey> = root_keys.iter().collect();
        let envelope = sign_root(&root, &root, &signers).expect("sign root v1");
        Self {
            roots: vec![root],
            envelopes: vec![envelope],
            root_keys,
            feed_keys,
        }
    }

    /// The newest root.
    pub fn root(&self) -> &RootPayload {
        self.roots.last().expect("a chain has root v1")
    }

    /// The feed id.
    pub fn feed_id(&self) -> &str {
        self.root().feed_id.as_str()
    }

    /// The signed root chain, v1 first.
    pub fn chain(&self) -> &[Envelope] {
        &self.envelopes
    }

    /// The root the app ships (v1), as the app reads it.
    pub fn trusted(&self) -> TrustedRoot {
        TrustedRoot::from_envelope_bytes(&self.root_json()).expect("root v1 verifies")
    }

    /// Root v1 as the file the app ships (`root.json`).
    pub fn root_json(&self) -> Vec<u8> {
        serde_json::to_vec(&self.envelopes[0]).expect("serialize root v1")
    }

    /// Publishes root N+1 with root keys `root_seeds` and feed keys `feed_seeds` (thresholds 1), signed by
    /// the old and the new root keys.
    pub fn rotate(&mut self, root_seeds: &[u8], feed_seeds: &[u8]) {
        self.rotate_with_threshold(root_seeds, feed_seeds, 1);
    }

    /// [`FeedOwner::rotate`] with a feed threshold other than 1.
    ///
    /// # Panics
    /// When notice-types refuses the rotation.
    pub fn rotate_with_threshold(
        &mut self,
        root_seeds: &[u8],
        feed_seeds: &[u8],
        feed_threshold: u32,
    ) {
        let previous = self.root().clone();
        let next_keys = keys(root_seeds);
        let next = RootPayload {
            version: previous.version + 1,
            root_keys: next_keys.iter().map(SecretKey::public_key).collect(),
            root_threshold: 1,
            feed_keys: keys(feed_seeds).iter().map(SecretKey::public_key).collect(),
            feed_threshold,
            ..previous.clone()
        };
        // The old keys, then the new ones that are not among them: a rotation is signed under both roots.
        let mut signers: Vec<&SecretKey> = self.root_keys.iter().collect();
        for key in &next_keys {
            if !signers.iter().any(|k| k.public_key() == key.public_key()) {
                signers.push(key);
            }
        }
        let envelope = sign_root(&next, &previous, &signers).expect("sign the rotated root");
        self.roots.push(next);
        self.envelopes.push(envelope);
        self.root_keys = next_keys;
        self.feed_keys = keys(feed_seeds);
    }

    /// A feed payload for this owner's feed: `version`, issued at `at(issued_offset)`, valid for
    /// [`FEED_VALIDITY`].
    pub fn feed(&self, version: u64, issued_offset: i64, notices: Vec<Notice>) -> FeedPayload {
        self.feed_at(
            version,
            at(issued_offset),
            at(issued_offset + FEED_VALIDITY),
            notices,
        )
    }

    /// A feed payload with explicit times (for documents around the real time, see [`now`]).
    pub fn feed_at(
        &self,
        version: u64,
        issued_at: Timestamp,
        expires_at: Timestamp,
        notices: Vec<Notice>,
    ) -> FeedPayload {
        FeedPayload {
            feed_id: self.root().feed_id.clone(),
            version,
            issued_at,
            expires_at,
            notices,
            service: None,
        }
    }

    /// Signs `feed` with the current feed keys through the checked writer path and assembles the published
    /// document with the whole root chain, as a server serves it.
    ///
    /// # Panics
    /// When notice-types refuses to sign (invalid notices, a link the root does not allow, another feed id).
    pub fn publish(&self, feed: &FeedPayload) -> Vec<u8> {
        let signers: Vec<&SecretKey> = self.feed_keys.iter().collect();
        let envelope = sign_feed(feed, self.root(), &signers).expect("sign feed");
        PublishedDocument::assemble(self.envelopes.clone(), envelope).expect("assemble document")
    }

    /// The published document of feed `version` with `notices`, issued at [`T0`]: `publish(&feed(version, 0,
    /// notices))`.
    pub fn document(&self, version: u64, notices: Vec<Notice>) -> Vec<u8> {
        self.publish(&self.feed(version, 0, notices))
    }

    /// `notice_types::verify` of `bytes` against root v1 (what the app ships).
    pub fn verify(
        &self,
        bytes: &[u8],
        state: Option<&TrustState>,
        now: Timestamp,
    ) -> Result<Verified, VerifyError> {
        verify(bytes, &self.trusted(), state, now)
    }

    /// Signs `feed` with the current feed keys *without* the writer's checks (another feed id, a link the
    /// root does not allow, invalid notices): for documents a reader must refuse.
    pub fn publish_unchecked(&self, feed: &FeedPayload) -> Vec<u8> {
        let signers: Vec<&SecretKey> = self.feed_keys.iter().collect();
        self.raw_document(
            self.envelopes.clone(),
            FEED_PAYLOAD_TYPE,
            &serde_json::to_vec(feed).expect("serialize the feed"),
            &signers,
        )
    }

    /// Signs `feed`'s JSON, changed by `edit`, with the current feed keys and without any check: a payload
    /// that breaks the rules, or carries fields this version does not know.
    pub fn publish_edited(
        &self,
        feed: &FeedPayload,
        edit: impl FnOnce(&mut serde_json::Value),
    ) -> Vec<u8> {
        let payload = edited(&serde_json::to_vec(feed).expect("serialize the feed"), edit);
        let signers: Vec<&SecretKey> = self.feed_keys.iter().collect();
        self.raw_document(
            self.envelopes.clone(),
            FEED_PAYLOAD_TYPE,
            &payload,
            &signers,
        )
    }

    /// Signs `feed` with keys `seeds` (any keys, also unknown or revoked ones), without the writer's checks.
    pub fn publish_feed_with(&self, feed: &FeedPayload, seeds: &[u8]) -> Vec<u8> {
        self.publish_raw(
            FEED_PAYLOAD_TYPE,
            &serde_json::to_vec(feed).expect("serialize the feed"),
            seeds,
        )
    }

    /// Signs `payload` bytes as the feed envelope with any type and keys `seeds`, bypassing every writer
    /// check, under this owner's root chain.
    pub fn publish_raw(&self, payload_type: &str, payload: &[u8], seeds: &[u8]) -> Vec<u8> {
        let keys = keys(seeds);
        let signers: Vec<&SecretKey> = keys.iter().collect();
        self.raw_document(self.envelopes.clone(), payload_type, payload, &signers)
    }

    /// A document whose chain is root v1 followed by `forged` signed only by keys `root_seeds` (not as a
    /// rotation must be signed), with `feed` signed by keys `feed_seeds`: an attacker's root rotation.
    pub fn publish_under_forged_root(
        &self,
        forged: &RootPayload,
        root_seeds: &[u8],
        feed: &FeedPayload,
        feed_seeds: &[u8],
    ) -> Vec<u8> {
        let root_keys = keys(root_seeds);
        let signers: Vec<&SecretKey> = root_keys.iter().collect();
        let root = Envelope::sign(
            ROOT_PAYLOAD_TYPE,
            &serde_json::to_vec(forged).expect("serialize the root"),
            &signers,
        );
        let feed_keys = keys(feed_seeds);
        let signers: Vec<&SecretKey> = feed_keys.iter().collect();
        self.raw_document(
            vec![self.envelopes[0].clone(), root],
            FEED_PAYLOAD_TYPE,
            &serde_json::to_vec(feed).expect("serialize the feed"),
            &signers,
        )
    }

    /// The document of `feed` (signed with the current feed keys, checked) whose root at `version` is replaced
    /// by an envelope of `payload` (any bytes) signed by keys `root_seeds`: a root with the same content in
    /// other bytes, say, which readers must refuse where they hold the original.
    ///
    /// # Panics
    /// When `version` is not in the chain or notice-types refuses to sign the feed.
    pub fn publish_with_root_bytes(
        &self,
        version: u64,
        payload: &[u8],
        root_seeds: &[u8],
        feed: &FeedPayload,
    ) -> Vec<u8> {
        let root_keys = keys(root_seeds);
        let signers: Vec<&SecretKey> = root_keys.iter().collect();
        let mut roots = self.envelopes.clone();
        let index = usize::try_from(version - 1).expect("a root version");
        roots[index] = Envelope::sign(ROOT_PAYLOAD_TYPE, payload, &signers);
        let feed_signers: Vec<&SecretKey> = self.feed_keys.iter().collect();
        let envelope = sign_feed(feed, self.root(), &feed_signers).expect("sign feed");
        serde_json::to_vec(&PublishedDocument {
            roots,
            feed: envelope,
        })
        .expect("serialize document")
    }

    /// The payload bytes of root `version` as signed in this owner's chain.
    ///
    /// # Panics
    /// When `version` is not in the chain.
    pub fn root_payload_bytes(&self, version: u64) -> Vec<u8> {
        use base64::Engine as _;
        let index = usize::try_from(version - 1).expect("a root version");
        base64::engine::general_purpose::STANDARD
            .decode(&self.envelopes[index].payload)
            .expect("base64 root payload")
    }

    /// Lowercase hex SHA-256 of root `version`'s payload bytes (what a trust state's `root_sha256` holds).
    pub fn root_sha256(&self, version: u64) -> String {
        use sha2::Digest as _;
        hex::encode(sha2::Sha256::digest(self.root_payload_bytes(version)))
    }

    fn raw_document(
        &self,
        roots: Vec<Envelope>,
        payload_type: &str,
        payload: &[u8],
        signers: &[&SecretKey],
    ) -> Vec<u8> {
        let feed = Envelope::sign(payload_type, payload, signers);
        serde_json::to_vec(&PublishedDocument { roots, feed }).expect("serialize document")
    }
}
