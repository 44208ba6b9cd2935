//! Break-glass publishing: a new signed document made without the server, from the last document the
//! operator knows, with the feed key.
//!
//! When the server cannot be reached, an operator holding a feed key applies a change (create, edit,
//! update, resolve, withdraw) to the last verified feed with [`apply`] — the same code the admin API runs
//! ([`crate::change`]), so ids, defaults, revisions and timelines are what the server would have made — signs
//! it with [`sign_with_chain`], and publishes the bytes on a mirror or a static host. When the server is
//! back, `POST /v1/admin/ingest` or `notice-server ingest` takes the document in ([`crate::ingest`] plans
//! what that changes).
//!
//! # Versions of offline documents
//! Apps accept only a higher version than they have seen, and the server may have published versions the
//! operator never saw: heartbeats re-sign every hour while the server runs, and the operator's last copy may
//! be from a mirror that is behind. So an offline document does not take "last known + 1": it jumps ahead by
//! [`OFFLINE_VERSION_JUMP`] (1000), [`offline_version`]. That covers about six weeks of hourly heartbeats
//! plus any number of writes anyone is likely to make meanwhile; versions are 64-bit, so the jump costs
//! nothing. Every offline document jumps again, also one made from a previous offline document: the server
//! may have ingested that one and published past it in the meantime. After ingesting, the server continues
//! at the document's version + 1, so nothing is ever lower than what apps have seen.
//!
//! # Time
//! Everything takes `now` (the signing machine's clock); the document is valid for
//! [`OfflineOptions::feed_validity`] from then, like a server-signed one. Resolved notices leave the feed
//! after [`OfflineOptions::retention`] counted from their closing update, as on the server
//! ([`crate::record::in_retention`]).

use std::time::Duration;

use notice_types::{
    Envelope, FeedPayload, Notice, NoticeId, PublishedDocument, RootPayload, SecretKey, SignError,
    Timestamp, TrustedRoot, VerifyError, dangerous_verify_ignoring_freshness, sign_feed,
};

use crate::change::{self, NoticeChange};
use crate::checks;
use crate::error::ChangeError;
use crate::record::{NoticeRecord, NoticeState, in_retention, secs};
use crate::request::CreateNotice;
use crate::{DEFAULT_FEED_VALIDITY, DEFAULT_RETENTION};

/// How far ahead of the last known version an offline document's version jumps. See the module
/// documentation.
pub const OFFLINE_VERSION_JUMP: u64 = 1000;

/// The version of an offline document made from a feed of version `last_known`: `last_known + 1000`
/// (saturating).
pub fn offline_version(last_known: u64) -> u64 {
    last_known.saturating_add(OFFLINE_VERSION_JUMP)
}

/// Lifetimes of an offline document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OfflineOptions {
    /// How long the document is valid (`expires_at - issued_at`). Default: the server's default, 72 h.
    pub feed_validity: Duration,
    /// How long resolved notices stay in the feed. Default: the server's default, 72 h.
    pub retention: Duration,
}

impl Default for OfflineOptions {
    fn default() -> Self {
        Self {
            feed_validity: DEFAULT_FEED_VALIDITY,
            retention: DEFAULT_RETENTION,
        }
    }
}

/// One offline change, in the admin API's own input types.
#[derive(Debug)]
pub enum Draft {
    /// Post a new notice.
    Create(CreateNotice),
    /// Change notice `id`.
    Change {
        /// The notice.
        id: NoticeId,
        /// What to do to it.
        change: NoticeChange,
    },
}

/// The result of [`apply`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfflineWrite {
    /// The new feed, ready for [`sign`].
    pub feed: FeedPayload,
    /// The notice as changed, with its state (as a write response of the admin API).
    pub record: NoticeRecord,
    /// What needs an explicit yes ([`crate::checks::cautions`]), as the server would say.
    pub cautions: Vec<String>,
}

/// Why an offline change or signature was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BreakGlassError {
    /// The change was refused, exactly as the admin API would refuse it (same code and message).
    #[error(transparent)]
    Refused(#[from] ChangeError),
    /// The draft names a notice the last known feed does not carry.
    #[error(
        "no notice `{id}` in the last known feed (version {version}); only notices in the feed can change offline"
    )]
    NotFound {
        /// The id given.
        id: String,
        /// The last known feed's version.
        version: u64,
    },
    /// The last known feed is for another feed than the root.
    #[error("the last known feed is for {found}, the root is for {expected}")]
    WrongFeed {
        /// The root's feed id.
        expected: String,
        /// The feed's.
        found: String,
    },
    /// The last known document does not verify under the trusted root.
    #[error("the last known document does not verify: {0}")]
    Document(VerifyError),
    /// Signing was refused (a key the root does not list, a feed apps would reject, too large).
    #[error(transparent)]
    Sign(#[from] SignError),
}

impl BreakGlassError {
    /// A stable snake_case code: the admin API's code for refused changes (`invalid_field`, `conflict`, …),
    /// otherwise `not_found`, `wrong_feed`, the verifier's code, or `sign_refused`.
    pub fn code(&self) -> &'static str {
        match self {
            BreakGlassError::Refused(e) => e.code(),
            BreakGlassError::NotFound { .. } => "not_found",
            BreakGlassError::WrongFeed { .. } => "wrong_feed",
            BreakGlassError::Document(e) => e.code(),
            BreakGlassError::Sign(_) => "sign_refused",
        }
    }
}

/// Applies `draft` to `last` (the last verified feed the operator has) at `now`, as the server would, and
/// returns the next feed: version [`offline_version`]`(last.version)`, issued `now`, valid for
/// `options.feed_validity`, without resolved notices past `options.retention`, ordered as the server orders
/// them. `root` is the root the document will be signed under (its link hosts apply); `random` draws the
/// random part of a generated id.
pub fn apply(
    last: &FeedPayload,
    root: &RootPayload,
    draft: Draft,
    now: Timestamp,
    options: &OfflineOptions,
    random: impl FnMut() -> u16,
) -> Result<OfflineWrite, BreakGlassError> {
    if last.feed_id != root.feed_id {
        return Err(BreakGlassError::WrongFeed {
            expected: root.feed_id.to_string(),
            found: last.feed_id.to_string(),
        });
    }
    let mut notices: Vec<Notice> = last.notices.clone();
    // The registry the origin signed into the last feed: break-glass checks components as the server does.
    let registry = last
        .service
        .as_ref()
        .map_or(&[][..], |service| &service.components[..]);
    let others: Vec<NoticeRecord> = last
        .notices
        .iter()
        .cloned()
        .map(NoticeRecord::from_feed)
        .collect();
    let mut before = None;
    let record = match draft {
        Draft::Create(create) => {
            let record = change::create::<ChangeError>(
                create,
                now,
                &root.link_hosts,
                |id| Ok(last.notice(id).is_some()),
                random,
            )?;
            notices.push(record.notice.clone());
            record
        }
        Draft::Change { id, change } => {
            let position = notices.iter().position(|n| n.id == id).ok_or_else(|| {
                BreakGlassError::NotFound {
                    id: id.to_string(),
                    version: last.version,
                }
            })?;
            let notice = notices.remove(position);
            before = Some(notice.clone());
            let record = change::apply(
                NoticeRecord::from_feed(notice),
                change,
                now,
                &root.link_hosts,
            )?;
            if record.state != NoticeState::Withdrawn {
                notices.push(record.notice.clone());
            }
            record
        }
    };
    checks::known_components(before.as_ref(), &record.notice, registry)?;
    let cautions = checks::cautions(before.as_ref(), &record, &others, now);
    notices.retain(|n| in_retention(n, now, options.retention));
    // The server publishes in creation order (then id); so does this.
    notices.sort_by(|a, b| {
        a.created_at
            .cmp(&b.created_at)
            .then_with(|| a.id.cmp(&b.id))
    });
    let feed = FeedPayload {
        feed_id: root.feed_id.clone(),
        version: offline_version(last.version),
        issued_at: now,
        expires_at: now.plus_seconds(secs(options.feed_validity)),
        notices,
        // What the origin said about itself travels on: break-glass pages look like the origin's.
        service: last.service.clone(),
    };
    feed.validate()
        .map_err(|e| BreakGlassError::Sign(SignError::Invalid(e)))?;
    Ok(OfflineWrite {
        feed,
        record,
        cautions,
    })
}

/// The last known document, checked: its root chain and feed verify under `trusted` (freshness is not
/// checked: the last copy may well have expired by the time the server is down long enough to need this).
/// Returns the newest root and the feed.
pub fn open_last_known(
    document: &[u8],
    trusted: &TrustedRoot,
) -> Result<(RootPayload, FeedPayload), BreakGlassError> {
    dangerous_verify_ignoring_freshness(document, trusted).map_err(BreakGlassError::Document)
}

/// Signs `feed` with `keys` (as many distinct feed keys as the root's threshold asks; one by default) under
/// the root chain of `previous_document` (the last known document, which must verify under `trusted`) and
/// returns the bytes to publish: the same root chain, the new feed.
pub fn sign(
    previous_document: &[u8],
    trusted: &TrustedRoot,
    feed: &FeedPayload,
    keys: &[&SecretKey],
) -> Result<Vec<u8>, BreakGlassError> {
    let (root, _) = open_last_known(previous_document, trusted)?;
    let roots = PublishedDocument::parse(previous_document)
        .map_err(BreakGlassError::Document)?
        .roots;
    sign_with_chain(roots, &root, feed, keys)
}

/// [`sign`] for a caller that verified the last known document already: `roots` is its root chain and
/// `root` the newest root of it (from [`open_last_known`]). The writer's checks still apply.
pub fn sign_with_chain(
    roots: Vec<Envelope>,
    root: &RootPayload,
    feed: &FeedPayload,
    keys: &[&SecretKey],
) -> Result<Vec<u8>, BreakGlassError> {
    let envelope = sign_feed(feed, root, keys)?;
    Ok(PublishedDocument::assemble(roots, envelope)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offline_versions_jump_ahead_by_a_thousand() {
        assert_eq!(offline_version(7), 1007);
        assert_eq!(offline_version(u64::MAX - 1), u64::MAX);
    }
}
