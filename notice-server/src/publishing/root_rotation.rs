//! Publishing root v(N+1), made in a root key ceremony (`notice root prepare|sign|check`), through the server
//! (`POST /v1/admin/root`, `notice root publish`).
//!
//! Nothing is published unless the apps would accept it: the stored chain with the new root appended is
//! verified by notice-types' own chain verifier from the stored root v1, the server must hold a feed key the
//! new root lists, and the first document signed under it is verified as a fresh app would before the
//! transaction commits. The new root, that document and an audit row `rotate_root` are one transaction.
//!
//! The feed key: when v(N+1) still lists the server's `feed-key.pem`, nothing changes. When it replaces the
//! feed key, the operator first puts the new key on the server (`notice-server prepare-feed-key` writes
//! `next-feed-key.pem` and prints its public key for `notice root prepare --add-feed-key`); the rotation
//! signs with it and renames it into place after the commit, as `rotate-feed-key` does (a crash between the
//! two is finished by the next load, [`crate::storage::keys::load_feed_key`]). The server signs with one
//! key, so a root whose feed threshold is above 1 is refused here.

use std::fs;

use notice_publish::RootPublished;
use notice_types::{
    Envelope, RootPayload, SecretKey, TrustedRoot, VerifyError,
    dangerous_verify_ignoring_freshness, verify_root_chain,
};
use rusqlite::Connection;

use super::{Error, Mode, Publisher, Signer, Written, load_roots, publish};
use crate::storage::audit::{self, Action, Actor};
use crate::storage::{DataDir, StoreError, feeds, keys, write_tx};

/// Why a root was not published. Nothing was changed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RootRefused {
    /// The root is not the next version of the server's chain (prepared from an older chain, or published
    /// already).
    #[error(
        "the server's newest root is v{server}; this root is v{found}, not v{}{}: prepare the rotation again from the server (`notice root prepare --server URL …`)",
        server + 1,
        if found == server { " (it was published already)" } else { "" }
    )]
    NotNext {
        /// The server's newest root version.
        server: u64,
        /// The version the envelope holds.
        found: u64,
    },
    /// The apps' verifier refuses the chain with this root (too few signatures, a bad signature, another
    /// feed id…).
    #[error("{0}; apps would refuse this root, so nothing was published")]
    Rejected(VerifyError),
    /// The server holds no feed key the new root lists, or the root needs more feed signatures than the one
    /// key a server signs with.
    #[error("{0}")]
    NoFeedKey(String),
    /// The database or the data directory failed.
    #[error(transparent)]
    Server(#[from] Error),
}

impl From<StoreError> for RootRefused {
    fn from(e: StoreError) -> Self {
        Self::Server(Error::Store(e))
    }
}

impl Publisher {
    /// Appends root v(N+1) `envelope` to the chain and publishes the feed under it, or refuses before
    /// anything is stored. With [`Mode::DryRun`] everything is done and rolled back. Blocking.
    pub(crate) fn rotate_root(
        &self,
        conn: &mut Connection,
        mode: Mode,
        envelope: &Envelope,
        actor: &Actor,
    ) -> Result<Written<RootPublished>, RootRefused> {
        let now = self.clock.now();
        let tx = write_tx(conn)?;
        // Held to the end: the signer is replaced by one for the new root when the transaction commits.
        let mut signer = self.signer();
        signer.refresh(&tx, &self.data_dir)?;
        let (mut chain, current) = load_roots(&tx, &self.data_dir)?;
        let first = chain
            .first()
            .ok_or_else(|| Error::NoRoot(self.data_dir.path().to_owned()))?;
        let trusted = TrustedRoot::from_envelope(first)
            .map_err(|e| StoreError::corrupt("root envelope", e))?;
        // A self-signed look at the version first, for a clear answer to a stale ceremony; whether it is
        // properly signed is the verifier's question just below.
        if let Ok(claimed) = TrustedRoot::from_envelope(envelope) {
            let found = claimed.payload().version;
            if found != current.version + 1 {
                return Err(RootRefused::NotNext {
                    server: current.version,
                    found,
                });
            }
        }
        chain.push(envelope.clone());
        let next = verify_root_chain(&chain, &trusted).map_err(RootRefused::Rejected)?;
        let (key, from_next_file) = feed_key_for(&self.data_dir, &next)?;
        let envelope_bytes = serde_json::to_vec(envelope)
            .map_err(|e| Error::Invalid(notice_types::InvalidField::new("", e.to_string())))?;
        feeds::insert_root(&tx, next.version, &envelope_bytes, now)?;
        let feed_key_id = key.public_key().key_id();
        let rotated = Signer::from_parts(chain, next.clone(), key);
        self.metrics.record_signing();
        let feed = publish(&tx, &rotated, &self.settings, now)?;
        // Writers refuse what readers refuse; this checks the very bytes phones will get.
        dangerous_verify_ignoring_freshness(&feed.bytes, &trusted)
            .map_err(RootRefused::Rejected)?;
        audit::record(
            &tx,
            now,
            actor,
            Action::RotateRoot,
            None,
            Some(feed.version),
        )?;
        match mode {
            Mode::DryRun => drop(tx),
            Mode::Commit => {
                tx.commit().map_err(|e| Error::Store(e.into()))?;
                if from_next_file {
                    finish_key_rename(&self.data_dir)?;
                }
                *signer = rotated;
            }
        }
        Ok(Written {
            output: RootPublished {
                root_version: next.version,
                feed_version: feed.version,
                feed_key_id,
                root: next,
            },
            feed,
        })
    }
}

/// The feed key to sign with under `next`: `feed-key.pem` if `next` lists it, else a prepared
/// `next-feed-key.pem` it lists (and `true`: rename it into place after the commit).
fn feed_key_for(dir: &DataDir, next: &RootPayload) -> Result<(SecretKey, bool), RootRefused> {
    if next.feed_threshold > 1 {
        return Err(RootRefused::NoFeedKey(format!(
            "root v{} needs {} feed signatures, but a server signs with one feed key; prepare the rotation with --feed-threshold 1",
            next.version, next.feed_threshold
        )));
    }
    let current = keys::read(&dir.feed_key())?;
    if next.feed_keys.contains(&current.public_key()) {
        return Ok((current, false));
    }
    let next_path = dir.next_feed_key();
    let prepared = if next_path.exists() {
        let key = keys::read(&next_path)?;
        if next.feed_keys.contains(&key.public_key()) {
            return Ok((key, true));
        }
        format!(
            ", nor its prepared {} ({})",
            next_path.display(),
            key.public_key().key_id()
        )
    } else {
        String::new()
    };
    Err(RootRefused::NoFeedKey(format!(
        "root v{} lists none of this server's feed keys: not {} ({}){prepared}. Put the new feed key on the server first: `notice-server prepare-feed-key --data-dir {}` writes it and prints the public key to list with `notice root prepare --add-feed-key`",
        next.version,
        dir.feed_key().display(),
        current.public_key().key_id(),
        dir.path().display(),
    )))
}

/// `next-feed-key.pem` → `feed-key.pem`, after the root that lists it was committed.
fn finish_key_rename(dir: &DataDir) -> Result<(), StoreError> {
    match fs::rename(dir.next_feed_key(), dir.feed_key()) {
        Ok(()) => Ok(()),
        // A concurrent load finished the rename already.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(StoreError::io("rename", dir.next_feed_key(), e)),
    }
}

/// What `prepare-feed-key` did.
#[derive(Debug, Clone)]
pub struct PreparedFeedKey {
    /// Where the key is.
    pub path: std::path::PathBuf,
    /// Its public key.
    pub public: notice_types::PublicKey,
    /// Whether it was made just now (false: an earlier one was there and is kept).
    pub created: bool,
}

/// Writes a new feed key to `next-feed-key.pem` for a root rotation to list, or reports the one already
/// there. Blocking.
pub fn prepare_feed_key(dir: &DataDir) -> Result<PreparedFeedKey, Error> {
    super::require_initialized(dir)?;
    let path = dir.next_feed_key();
    if path.exists() {
        let key = keys::read(&path)?;
        return Ok(PreparedFeedKey {
            path,
            public: key.public_key(),
            created: false,
        });
    }
    let key = keys::generate();
    keys::write_new(&path, &key)?;
    Ok(PreparedFeedKey {
        path,
        public: key.public_key(),
        created: true,
    })
}
