//! Signing test documents with notice-types: fresh keys for another feed, or a test server's own keys to make
//! an expired or otherwise special document that still carries valid signatures.

use std::path::Path;

use notice_types::{
    Envelope, FeedId, FeedPayload, LocalizedText, Notice, NoticeId, PublishedDocument, RootPayload,
    SecretKey, Severity, Status, Timestamp, TrustedRoot, sign_feed, sign_root,
};
use rand::RngCore as _;

/// The current time from the system clock.
pub fn now() -> Timestamp {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    Timestamp::from_unix(i64::try_from(secs).unwrap_or(i64::MAX))
}

/// A valid open notice: `severity` with its first status, English title and body, created at `at`.
/// Maintenance gets a window from `at + 1 h` to `at + 3 h`.
///
/// # Panics
/// When `id` is not a valid notice id.
pub fn sample_notice(id: &str, severity: Severity, at: Timestamp) -> Notice {
    let maintenance = severity.is_maintenance();
    Notice {
        id: NoticeId::parse(id).expect("valid notice id"),
        revision: 1,
        severity,
        status: if maintenance {
            Status::Scheduled
        } else {
            Status::Investigating
        },
        title: LocalizedText::english(format!("Test notice {id}")),
        body: LocalizedText::english("Something happened; this is a test."),
        components: Vec::new(),
        platforms: Vec::new(),
        app_versions: None,
        created_at: at,
        updated_at: at,
        show_from: None,
        starts_at: maintenance.then(|| at.plus_seconds(3600)),
        ends_at: maintenance.then(|| at.plus_seconds(3 * 3600)),
        dismissible: severity != Severity::Outage,
        link: None,
        updates: Vec::new(),
    }
}

/// A root key, a feed key and root v1 (threshold 1 each): everything needed to publish documents for one
/// feed.
pub struct SigningKit {
    /// Signs root versions.
    pub root_key: SecretKey,
    /// Signs feeds.
    pub feed_key: SecretKey,
    /// Root v1's payload.
    pub root: RootPayload,
    /// Root v1, signed.
    pub root_envelope: Envelope,
}

impl std::fmt::Debug for SigningKit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKit")
            .field("root", &self.root)
            .finish_non_exhaustive()
    }
}

fn random_key() -> SecretKey {
    let mut seed = zeroize::Zeroizing::new([0u8; 32]);
    rand::rngs::OsRng.fill_bytes(seed.as_mut());
    SecretKey::from_seed(&seed)
}

impl SigningKit {
    /// New random keys and a root v1 for `feed_id` that allows links to `link_hosts`.
    ///
    /// # Panics
    /// When `feed_id` or a host is invalid.
    pub fn generate(feed_id: &str, link_hosts: &[&str]) -> Self {
        let root_key = random_key();
        let feed_key = random_key();
        let root = RootPayload {
            feed_id: FeedId::parse(feed_id).expect("valid feed id"),
            version: 1,
            root_keys: vec![root_key.public_key()],
            root_threshold: 1,
            feed_keys: vec![feed_key.public_key()],
            feed_threshold: 1,
            link_hosts: link_hosts.iter().map(|h| (*h).to_owned()).collect(),
        };
        let root_envelope = sign_root(&root, &root, &[&root_key]).expect("sign root v1");
        Self {
            root_key,
            feed_key,
            root,
            root_envelope,
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
                    .unwrap_or_else(|e| panic!("read {name}: {e}")),
            );
            SecretKey::from_pkcs8_pem(&text).unwrap_or_else(|e| panic!("{name}: {e}"))
        };
        let root_bytes = std::fs::read(dir.join("root.json")).expect("read root.json");
        let root_envelope: Envelope = serde_json::from_slice(&root_bytes).expect("root.json");
        let root = TrustedRoot::from_envelope(&root_envelope)
            .expect("root.json verifies")
            .payload()
            .clone();
        Self {
            root_key: read_key("root-key.pem"),
            feed_key: read_key("feed-key.pem"),
            root,
            root_envelope,
        }
    }

    /// Root v1 as a file's bytes (what the app ships).
    pub fn root_json(&self) -> Vec<u8> {
        serde_json::to_vec_pretty(&self.root_envelope).expect("serialize root")
    }

    /// A feed payload for this kit's feed.
    pub fn feed(
        &self,
        version: u64,
        issued_at: Timestamp,
        expires_at: Timestamp,
        notices: Vec<Notice>,
    ) -> FeedPayload {
        FeedPayload {
            feed_id: self.root.feed_id.clone(),
            version,
            issued_at,
            expires_at,
            notices,
            service: None,
        }
    }

    /// The published document (root chain v1 + `feed` signed with the feed key), as a server serves it.
    ///
    /// # Panics
    /// When notice-types refuses to sign `feed` (e.g. invalid notices).
    pub fn document(&self, feed: &FeedPayload) -> Vec<u8> {
        let envelope = sign_feed(feed, &self.root, &[&self.feed_key]).expect("sign feed");
        PublishedDocument::assemble(vec![self.root_envelope.clone()], envelope)
            .expect("assemble document")
    }
}
