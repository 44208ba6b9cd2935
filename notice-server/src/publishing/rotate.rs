//! Feed key rotation: a new feed key and a new root version, signed with the (offline) root key, so phones
//! stop trusting the old feed key without an app release.

use std::fs;
use std::path::Path;

use notice_types::{PublicKey, RootPayload, Timestamp, sign_root};

use super::init::LOCAL_ACTOR;
use super::{Error, Signer, publish};
use crate::config::Settings;
use crate::storage::audit::{self, Action, Actor};
use crate::storage::{DataDir, StoreError, feeds, keys, schema, write_tx};

/// What a rotation did.
#[derive(Debug, Clone)]
pub struct Rotated {
    /// The new root version.
    pub root_version: u64,
    /// The new feed key's public half.
    pub feed_public: PublicKey,
    /// The feed version signed with the new key.
    pub feed_version: u64,
}

/// Rotates the feed key of `dir` using the root key at `root_key_path`.
///
/// Order, so that a crash at any point leaves a working directory: the next key is written beside the current
/// one; the new root and a feed signed with the next key are committed in one transaction; then the next key
/// is renamed into place (a later start finishes that rename if it did not happen, see
/// [`keys::load_feed_key`]). A running server picks up the new version within seconds.
pub fn rotate_feed_key(
    dir: &DataDir,
    root_key_path: &Path,
    settings: &Settings,
    now: Timestamp,
) -> Result<Rotated, Error> {
    settings.validate()?;
    crate::publishing::require_initialized(dir)?;
    if !root_key_path.exists() {
        return Err(Error::RootKeyMissing(root_key_path.to_owned()));
    }
    let root_key = keys::read(root_key_path)?;
    let mut conn = schema::open(&dir.db())?;
    let tx = write_tx(&mut conn)?;
    let (mut roots, current) = super::load_roots(&tx, dir)?;
    if !current.root_keys.contains(&root_key.public_key()) {
        return Err(Error::RootKeyNotInRoot {
            path: root_key_path.to_owned(),
            root_version: current.version,
        });
    }
    // A rotation that committed but did not rename its key is finished first; a next key still there after
    // that is listed by no root, and may be one a root rotation in preparation lists: never overwritten.
    keys::load_feed_key(dir, &current)?;
    if dir.next_feed_key().exists() {
        return Err(Error::NextFeedKeyWaiting(dir.next_feed_key()));
    }
    let feed_key = keys::generate();
    let feed_public = feed_key.public_key();
    let next = RootPayload {
        version: current.version + 1,
        feed_keys: vec![feed_key.public_key()],
        ..current.clone()
    };
    let envelope = sign_root(&next, &current, &[&root_key])?;
    let envelope_bytes = serde_json::to_vec(&envelope)
        .map_err(|e| Error::Invalid(notice_types::InvalidField::new("", e.to_string())))?;
    keys::write_replacing(&dir.next_feed_key(), &feed_key)?;

    feeds::insert_root(&tx, next.version, &envelope_bytes, now)?;
    roots.push(envelope);
    let signer = Signer::from_parts(roots, next, feed_key);
    let feed = publish(&tx, &signer, settings, now)?;
    audit::record(
        &tx,
        now,
        &Actor::untokened(LOCAL_ACTOR),
        Action::RotateFeedKey,
        None,
        Some(feed.version),
    )?;
    tx.commit().map_err(|e| Error::Store(e.into()))?;

    match fs::rename(dir.next_feed_key(), dir.feed_key()) {
        Ok(()) => {}
        // A running server finished the rename already.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(StoreError::io("rename", dir.next_feed_key(), e).into()),
    }
    Ok(Rotated {
        root_version: signer.root().version,
        feed_public,
        feed_version: feed.version,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::publishing::Signer;
    use crate::publishing::init::{InitOptions, init};

    fn initialized() -> (tempfile::TempDir, DataDir) {
        let tmp = tempfile::tempdir().unwrap();
        let dir = DataDir::new(tmp.path().join("d"));
        let options = InitOptions {
            feed_id: notice_types::FeedId::parse("t/rotate").unwrap(),
            link_hosts: vec![],
        };
        init(
            &dir,
            &options,
            &Settings::default(),
            Timestamp::from_unix(1_000),
        )
        .unwrap();
        (tmp, dir)
    }

    #[test]
    fn rotation_adds_a_root_version_with_a_new_feed_key() {
        let (_tmp, dir) = initialized();
        let old = keys::read(&dir.feed_key()).unwrap().public_key();
        let rotated = rotate_feed_key(
            &dir,
            &dir.root_key(),
            &Settings::default(),
            Timestamp::from_unix(2_000),
        )
        .unwrap();
        assert_eq!(rotated.root_version, 2);
        assert_eq!(rotated.feed_version, 2);
        assert_ne!(rotated.feed_public, old);
        assert_eq!(
            keys::read(&dir.feed_key()).unwrap().public_key(),
            rotated.feed_public
        );
        assert!(!dir.next_feed_key().exists());
    }

    /// A rotation committed, then the state a crash before the key rename leaves: the new key at `next`
    /// (beside the current one), the old key still in place.
    fn rotate_and_stop_before_the_rename(dir: &DataDir, next: &std::path::Path) {
        let old_pem = fs::read(dir.feed_key()).unwrap();
        rotate_feed_key(
            dir,
            &dir.root_key(),
            &Settings::default(),
            Timestamp::from_unix(2_000),
        )
        .unwrap();
        fs::rename(dir.feed_key(), next).unwrap();
        fs::write(dir.feed_key(), old_pem).unwrap();
    }

    #[test]
    fn a_rotation_interrupted_before_the_key_rename_is_finished_at_the_next_load() {
        let (_tmp, dir) = initialized();
        rotate_and_stop_before_the_rename(&dir, &dir.next_feed_key());

        let conn = schema::open(&dir.db()).unwrap();
        let signer = Signer::load(&conn, &dir).unwrap();
        assert_eq!(signer.root().version, 2);
        assert!(!dir.next_feed_key().exists(), "the rename was finished");
        let key = keys::read(&dir.feed_key()).unwrap();
        assert!(signer.root().feed_keys.contains(&key.public_key()));
    }

    #[test]
    fn a_rotation_left_half_done_by_an_earlier_build_is_finished_from_its_old_file_name() {
        let (_tmp, dir) = initialized();
        rotate_and_stop_before_the_rename(&dir, &dir.legacy_next_feed_key());

        let conn = schema::open(&dir.db()).unwrap();
        let signer = Signer::load(&conn, &dir).unwrap();
        assert!(
            !dir.legacy_next_feed_key().exists(),
            "the rename was finished"
        );
        let key = keys::read(&dir.feed_key()).unwrap();
        assert!(signer.root().feed_keys.contains(&key.public_key()));
    }

    #[test]
    fn a_prepared_feed_key_is_never_overwritten_by_a_rotation() {
        let (_tmp, dir) = initialized();
        let prepared = crate::publishing::root_rotation::prepare_feed_key(&dir).unwrap();
        assert_eq!(prepared.path, dir.path().join("next-feed-key.pem"));
        let pem = fs::read(&prepared.path).unwrap();
        let err = rotate_feed_key(
            &dir,
            &dir.root_key(),
            &Settings::default(),
            Timestamp::from_unix(2_000),
        )
        .unwrap_err();
        assert!(matches!(err, Error::NextFeedKeyWaiting(_)), "{err}");
        assert!(err.to_string().contains("move the file away"), "{err}");
        assert_eq!(
            fs::read(&prepared.path).unwrap(),
            pem,
            "the prepared key is kept"
        );
    }

    #[test]
    fn a_root_key_that_is_not_this_feeds_is_refused() {
        let (tmp, dir) = initialized();
        let stranger = tmp.path().join("stranger.pem");
        keys::write_new(&stranger, &keys::generate()).unwrap();
        let err = rotate_feed_key(
            &dir,
            &stranger,
            &Settings::default(),
            Timestamp::from_unix(2_000),
        )
        .unwrap_err();
        assert!(
            matches!(
                err,
                Error::RootKeyNotInRoot {
                    root_version: 1,
                    ..
                }
            ),
            "{err}"
        );
        // Nothing changed.
        let conn = schema::open(&dir.db()).unwrap();
        assert_eq!(feeds::latest_root_version(&conn).unwrap(), 1);
    }
}
