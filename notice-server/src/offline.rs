//! Break-glass publishing: a new signed document made without the server, from the last document the
//! operator knows, with the feed key.
//!
//! When the server cannot be reached, an operator holding a feed key applies a change (create, edit,
//! update, resolve, withdraw) to the last verified feed with [`apply`] — the same code the admin API runs
//! ([`crate::change`]), so ids, defaults, revisions and timelines are what the server would have made — signs
//! it with [`sign`], and publishes the bytes on a mirror or a static host. When the server is back,
//! `POST /v1/admin/ingest` or `notice-server ingest` ([`crate::ingest`]) takes the document in.
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
//! after [`OfflineOptions::retention`] counted from their closing update, as on the server.

use std::time::Duration;

use notice_types::{
    FeedPayload, Notice, NoticeId, PublishedDocument, RootPayload, SecretKey, SignError, Timestamp,
    TrustedRoot, VerifyError, dangerous_verify_ignoring_freshness, sign_feed,
};

use crate::change::{self, ChangeDraft};
use crate::clock::secs;
use crate::config::Settings;
use crate::drafts::CreateNotice;
use crate::routes::AppError;
use crate::store::notices::{NoticeRecord, NoticeState};

/// How far ahead of the last known version an offline document's version jumps. See the module
/// documentation.
pub const OFFLINE_VERSION_JUMP: u64 = 1000;

/// The version of an offline document made from a feed of version `last_known`: `last_known + 1000`
/// (saturating).
pub fn offline_version(last_known: u64) -> u64 {
    last_known.saturating_add(OFFLINE_VERSION_JUMP)
}

/// When a closed notice was closed: the time of its latest update if that update closed it, otherwise the
/// time of its last change (a status set by an edit). The server records the same moment when it resolves.
pub fn closed_at(notice: &Notice) -> Timestamp {
    match notice.latest_update() {
        Some(update) if update.status.is_closed() => update.at,
        _ => notice.updated_at,
    }
}

/// Whether a notice still belongs in a feed published at `now`: open ones always, closed ones until
/// `retention` has passed since they closed (the server's rule, [`crate::store::notices::in_feed`]).
pub fn in_retention(notice: &Notice, now: Timestamp, retention: Duration) -> bool {
    !notice.status.is_closed() || closed_at(notice) > now.plus_seconds(-secs(retention))
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
        let settings = Settings::default();
        Self {
            feed_validity: settings.feed_validity,
            retention: settings.retention,
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
        draft: ChangeDraft,
    },
}

/// The result of [`apply`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfflineWrite {
    /// The new feed, ready for [`sign`].
    pub feed: FeedPayload,
    /// The notice as changed, with its state (as a write response of the admin API).
    pub record: NoticeRecord,
}

/// Why an offline change or signature was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OfflineError {
    /// The draft was refused, exactly as the admin API would refuse it (same code and message).
    #[error("{0}")]
    Draft(AppError),
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

impl OfflineError {
    /// A stable snake_case code: the admin API's code for refused drafts (`invalid_field`, `conflict`,
    /// `not_found`), otherwise `wrong_feed`, the verifier's code, or `sign_refused`.
    pub fn code(&self) -> &'static str {
        match self {
            OfflineError::Draft(e) => e.code(),
            OfflineError::NotFound { .. } => "not_found",
            OfflineError::WrongFeed { .. } => "wrong_feed",
            OfflineError::Document(e) => e.code(),
            OfflineError::Sign(_) => "sign_refused",
        }
    }
}

impl From<AppError> for OfflineError {
    fn from(e: AppError) -> Self {
        Self::Draft(e)
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
) -> Result<OfflineWrite, OfflineError> {
    if last.feed_id != root.feed_id {
        return Err(OfflineError::WrongFeed {
            expected: root.feed_id.to_string(),
            found: last.feed_id.to_string(),
        });
    }
    let mut notices: Vec<Notice> = last.notices.clone();
    let record =
        match draft {
            Draft::Create(create) => {
                let record = change::create(
                    create,
                    now,
                    &root.link_hosts,
                    |id| Ok(last.notice(id).is_some()),
                    random,
                )?;
                notices.push(record.notice.clone());
                record
            }
            Draft::Change { id, draft } => {
                let position = notices.iter().position(|n| n.id == id).ok_or_else(|| {
                    OfflineError::NotFound {
                        id: id.to_string(),
                        version: last.version,
                    }
                })?;
                let notice = notices.remove(position);
                let record = change::apply(record_of(notice), draft, now, &root.link_hosts)?;
                if record.state != NoticeState::Withdrawn {
                    notices.push(record.notice.clone());
                }
                record
            }
        };
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
    };
    feed.validate()
        .map_err(|e| OfflineError::Sign(SignError::Invalid(e)))?;
    Ok(OfflineWrite { feed, record })
}

/// A notice from a feed as the store would hold it.
fn record_of(notice: Notice) -> NoticeRecord {
    let closed = notice.status.is_closed().then(|| closed_at(&notice));
    NoticeRecord {
        state: if closed.is_some() {
            NoticeState::Resolved
        } else {
            NoticeState::Active
        },
        closed_at: closed,
        notice,
    }
}

/// The last known document, checked: its root chain and feed verify under `trusted` (freshness is not
/// checked: the last copy may well have expired by the time the server is down long enough to need this).
/// Returns the newest root and the feed.
pub fn open_last_known(
    document: &[u8],
    trusted: &TrustedRoot,
) -> Result<(RootPayload, FeedPayload), OfflineError> {
    dangerous_verify_ignoring_freshness(document, trusted).map_err(OfflineError::Document)
}

/// Signs `feed` with `keys` (as many distinct feed keys as the root's threshold asks; one by default) under
/// the root chain of `previous_document` (the last known document, which must verify under `trusted`) and
/// returns the bytes to publish: the same root chain, the new feed.
pub fn sign(
    previous_document: &[u8],
    trusted: &TrustedRoot,
    feed: &FeedPayload,
    keys: &[&SecretKey],
) -> Result<Vec<u8>, OfflineError> {
    let (root, _) = open_last_known(previous_document, trusted)?;
    let roots = PublishedDocument::parse(previous_document)
        .map_err(OfflineError::Document)?
        .roots;
    sign_with_chain(roots, &root, feed, keys)
}

/// [`sign`] for a caller that verified the last known document already: `roots` is its root chain and
/// `root` the newest root of it (from [`open_last_known`]). The writer's checks still apply.
pub fn sign_with_chain(
    roots: Vec<notice_types::Envelope>,
    root: &RootPayload,
    feed: &FeedPayload,
    keys: &[&SecretKey],
) -> Result<Vec<u8>, OfflineError> {
    let envelope = sign_feed(feed, root, keys)?;
    Ok(PublishedDocument::assemble(roots, envelope)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use notice_types::{LocalizedText, Severity, Status, Update};

    #[test]
    fn offline_versions_jump_ahead_by_a_thousand() {
        assert_eq!(offline_version(7), 1007);
        assert_eq!(offline_version(u64::MAX - 1), u64::MAX);
    }

    #[test]
    fn a_notice_closes_at_its_closing_update_or_last_change() {
        let at = Timestamp::from_unix(1_000);
        let mut notice = Notice {
            id: NoticeId::parse("n").unwrap(),
            revision: 2,
            severity: Severity::Outage,
            status: Status::Resolved,
            title: LocalizedText::english("t"),
            body: LocalizedText::english("b"),
            components: vec![],
            platforms: vec![],
            app_versions: None,
            created_at: at,
            updated_at: at.plus_seconds(300),
            show_from: None,
            starts_at: None,
            ends_at: None,
            dismissible: false,
            link: None,
            updates: vec![Update {
                at: at.plus_seconds(100),
                status: Status::Resolved,
                message: LocalizedText::english("Fixed."),
            }],
        };
        assert_eq!(closed_at(&notice), at.plus_seconds(100));
        let day = Duration::from_secs(86_400);
        assert!(in_retention(&notice, at.plus_seconds(86_399), day));
        assert!(!in_retention(&notice, at.plus_seconds(86_500), day));
        notice.updates[0].status = Status::Monitoring;
        assert_eq!(closed_at(&notice), at.plus_seconds(300));
        notice.status = Status::Monitoring;
        assert!(in_retention(&notice, at.plus_seconds(1_000_000), day));
    }
}
