//! Taking in a break-glass document an operator signed offline (`notice … --offline`) while the server was
//! unreachable, so versions keep going up and no notice is lost. `notice_publish::ingest` checks the
//! document and plans what it changes; this applies the plan in one transaction: the notices, the exact
//! bytes as the published version (served byte for byte until the next write) and an audit row `ingest`.
//! The next write or heartbeat publishes version + 1; a document that is expired or close to it is re-signed
//! within seconds (its `refresh_at` is at most half its validity after its signing).

use std::collections::{BTreeMap, BTreeSet};

use notice_publish::ingest::{ChangeKind, IngestError, check_document, plan};
use notice_publish::record::secs;
use notice_publish::{IngestReport, NoticeState};
use notice_types::{NoticeId, Timestamp, TrustedRoot};
use rusqlite::Connection;

use super::{Error, load_roots};
use crate::config::Settings;
use crate::storage::audit::{self, Action, Actor};
use crate::storage::feeds::{self, StoredFeed};
use crate::storage::{DataDir, StoreError, notices, write_tx};

/// Why a document was not ingested. Nothing was changed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IngestFailure {
    /// The document was refused (does not verify, other root version, not newer, notices that cannot be
    /// combined).
    #[error(transparent)]
    Refused(#[from] IngestError),
    /// The database or the data directory failed.
    #[error(transparent)]
    Server(#[from] Error),
}

impl From<StoreError> for IngestFailure {
    fn from(e: StoreError) -> Self {
        Self::Server(Error::Store(e))
    }
}

/// The result of [`ingest`]: the report, and the stored document to serve.
#[derive(Debug, Clone)]
pub struct Ingested {
    /// What happened.
    pub report: IngestReport,
    /// The stored document, for a running server to serve at once.
    pub(crate) feed: StoredFeed,
}

/// Ingests `bytes` into the database of `dir` in one transaction: check, import, store the exact bytes as
/// the published version, audit row `ingest` by `actor`. `reopen` names notices whose document state is
/// taken even where the server closed or withdrew them (`notice_publish::ingest::plan`). Blocking. A running server serves the result at
/// its next heartbeat tick (or at once when called through the admin API).
pub fn ingest(
    conn: &mut Connection,
    dir: &DataDir,
    settings: &Settings,
    bytes: &[u8],
    actor: &Actor,
    now: Timestamp,
    reopen: &BTreeSet<NoticeId>,
) -> Result<Ingested, IngestFailure> {
    let tx = write_tx(conn)?;
    let (roots, _) = load_roots(&tx, dir)?;
    let newest = roots
        .last()
        .ok_or_else(|| Error::NoRoot(dir.path().to_owned()))?;
    let server_root =
        TrustedRoot::from_envelope(newest).map_err(|e| StoreError::corrupt("root envelope", e))?;
    let latest = feeds::latest_published(&tx)?;
    let previous_version = latest.as_ref().map_or(0, |f| f.version);
    let checked = check_document(
        bytes,
        &server_root,
        latest.as_ref().map(|f| (f.version, f.bytes.as_slice())),
    )?;
    let retention = secs(settings.retention);
    let stored = notices::list(&tx, true)?;
    let in_feed: BTreeSet<NoticeId> = notices::in_feed(&tx, now.plus_seconds(-retention))?
        .into_iter()
        .map(|r| r.notice.id)
        .collect();
    let changes = plan(&checked.feed, &stored, &in_feed, reopen)?;

    let mut report: BTreeMap<ChangeKind, Vec<NoticeId>> = BTreeMap::new();
    for change in &changes {
        report
            .entry(change.kind)
            .or_default()
            .push(change.record.notice.id.clone());
        match change.kind {
            // The row's creation time orders the server's feeds: the notice's own, as if the server had
            // created it.
            ChangeKind::Added => {
                notices::insert(&tx, &change.record, change.record.notice.created_at, None)?;
            }
            ChangeKind::Updated | ChangeKind::Merged | ChangeKind::Withdrawn => {
                notices::save(&tx, &change.record, now)?;
            }
            ChangeKind::Unchanged | ChangeKind::Kept => {}
        }
    }

    let feed = &checked.feed;
    let retention_due = changes
        .iter()
        .filter(|c| c.record.state == NoticeState::Resolved)
        .filter_map(|c| c.record.closed_at)
        .map(|closed| closed.plus_seconds(retention))
        .min();
    // Re-sign by half the document's validity at the latest: an offline document may be valid for less
    // than the heartbeat interval, or already expired.
    let half_life = feed
        .issued_at
        .plus_seconds((feed.expires_at.unix() - feed.issued_at.unix()) / 2);
    // Where the server kept its own state, the document's bytes say otherwise: publish the server's state
    // at once rather than serve the document until the next write.
    let kept = changes.iter().any(|c| c.kind == ChangeKind::Kept);
    let refresh_at = if kept {
        Some(now)
    } else {
        Some(retention_due.map_or(half_life, |due| due.min(half_life)))
    };
    let stored_feed = StoredFeed {
        version: feed.version,
        bytes: bytes.to_vec(),
        issued_at: feed.issued_at,
        expires_at: feed.expires_at,
        refresh_at,
    };
    feeds::insert_published(&tx, &stored_feed, now)?;
    audit::record(&tx, now, actor, Action::Ingest, None, Some(feed.version))?;
    tx.commit().map_err(StoreError::from)?;
    Ok(Ingested {
        report: IngestReport {
            feed_version: feed.version,
            previous_version,
            issued_at: feed.issued_at,
            expires_at: feed.expires_at,
            expired: feed.is_expired(now, None),
            notices: report,
            changes: changes.iter().map(|c| c.outcome()).collect(),
        },
        feed: stored_feed,
    })
}
