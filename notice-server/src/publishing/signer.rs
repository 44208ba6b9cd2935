//! Building the published document from the store: the notices that belong in the feed, signed with the
//! feed key under the newest root, assembled with the root chain.

use notice_publish::NoticeState;
use notice_publish::breakglass::OFFLINE_VERSION_JUMP;
use notice_publish::record::secs;
use notice_types::{
    Envelope, FeedPayload, PublishedDocument, RootPayload, SecretKey, Timestamp, TrustedRoot,
    sign_feed,
};
use rusqlite::Connection;

use super::Error;
use crate::config::Settings;
use crate::storage::feeds::{self, StoredFeed};
use crate::storage::{DataDir, StoreError, audit, keys, notices};

/// Who signs: the root chain from the database and the feed key from the data directory.
#[derive(Debug)]
pub(crate) struct Signer {
    roots: Vec<Envelope>,
    root: RootPayload,
    key: SecretKey,
}

impl Signer {
    /// Loads the root chain from the database and the feed key from `dir`, checking that the key is one the
    /// newest root lists.
    pub(crate) fn load(conn: &Connection, dir: &DataDir) -> Result<Self, Error> {
        let (roots, root) = load_roots(conn, dir)?;
        let key = keys::load_feed_key(dir, &root)?;
        Ok(Self { roots, root, key })
    }

    /// A signer from parts already in hand (init and rotation, which just made them).
    pub(crate) fn from_parts(roots: Vec<Envelope>, root: RootPayload, key: SecretKey) -> Self {
        Self { roots, root, key }
    }

    /// The newest root.
    pub(crate) fn root(&self) -> &RootPayload {
        &self.root
    }

    /// Reloads if another process (`rotate-feed-key`) added a root version since this signer was loaded.
    pub(crate) fn refresh(&mut self, conn: &Connection, dir: &DataDir) -> Result<(), Error> {
        if feeds::latest_root_version(conn)? != self.root.version {
            *self = Self::load(conn, dir)?;
        }
        Ok(())
    }
}

/// Every root envelope in the database and the newest root's payload.
pub(crate) fn load_roots(
    conn: &Connection,
    dir: &DataDir,
) -> Result<(Vec<Envelope>, RootPayload), Error> {
    let roots = feeds::roots(conn)?
        .iter()
        .map(|bytes| serde_json::from_slice::<Envelope>(bytes))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| StoreError::corrupt("root envelope", e))?;
    let newest = roots
        .last()
        .ok_or_else(|| Error::NoRoot(dir.path().to_owned()))?;
    let root = TrustedRoot::from_envelope(newest)
        .map_err(|e| StoreError::corrupt("root envelope", e))?
        .payload()
        .clone();
    Ok((roots, root))
}

/// Signs and stores the next feed version inside `conn`'s transaction. The caller commits.
pub(crate) fn publish(
    conn: &Connection,
    signer: &Signer,
    settings: &Settings,
    now: Timestamp,
) -> Result<StoredFeed, Error> {
    let latest = feeds::latest_version(conn)?;
    // The first version after a restore or a recovery jumps ahead, as break-glass documents do: phones may
    // hold versions the store never saw (see `recovery`).
    let step = if audit::resumed_at(conn)? == Some(latest) {
        OFFLINE_VERSION_JUMP
    } else {
        1
    };
    publish_version(conn, signer, settings, now, latest.saturating_add(step))
}

/// Signs and stores the store's feed as `version` (above the latest) inside `conn`'s transaction.
fn publish_version(
    conn: &Connection,
    signer: &Signer,
    settings: &Settings,
    now: Timestamp,
    version: u64,
) -> Result<StoredFeed, Error> {
    let retention = secs(settings.retention);
    let records = notices::in_feed(conn, now.plus_seconds(-retention))?;
    let refresh_at = records
        .iter()
        .filter(|r| r.state == NoticeState::Resolved)
        .filter_map(|r| r.closed_at)
        .map(|closed| closed.plus_seconds(retention))
        .min();
    let payload = FeedPayload {
        feed_id: signer.root.feed_id.clone(),
        version,
        issued_at: now,
        expires_at: now.plus_seconds(secs(settings.feed_validity)),
        notices: records.into_iter().map(|r| r.notice).collect(),
        // The configured site (name, status page, time zone, components) rides signed in every feed, so
        // mirrors, copies and apps show what the origin shows. Unconfigured: nothing to say.
        service: settings.site.as_ref().map(|site| site.service()),
    };
    let envelope = sign_feed(&payload, &signer.root, &[&signer.key])?;
    let bytes = PublishedDocument::assemble(signer.roots.clone(), envelope)?;
    let feed = StoredFeed {
        version,
        bytes,
        issued_at: payload.issued_at,
        expires_at: payload.expires_at,
        refresh_at,
    };
    feeds::insert_published(conn, &feed, now)?;
    feeds::prune_published(conn, settings.keep_versions)?;
    Ok(feed)
}
