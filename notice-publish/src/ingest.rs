//! Break-glass ingest, planned: what taking in a document an operator signed offline
//! ([`crate::breakglass`]) changes, so versions keep going up and no notice is lost. The server applies the
//! plan in one transaction (its `ingest`); everything here is pure.
//!
//! Apps that saw the offline document hold its version as their floor. If the server simply went on from
//! its own latest version, every app that saw the offline document would refuse the server's next ones as a
//! rollback until the server's versions passed it, and the server would republish a notice set without the
//! offline changes. Ingest makes the document the server's own:
//!
//! 1. [`check_document`] verifies it against the server's current root: signed by a threshold of its feed
//!    keys, the same feed id, under the server's current root version, and a version above the server's
//!    latest (a conflict otherwise, naming both). It does **not** refuse an expired document: apps already
//!    accepted it while it was valid, so its version is their floor whether or not it has expired since, and
//!    the server re-signs it at once anyway. Expiry protects apps from frozen copies; it is no reason for the
//!    signer to forget what it signed.
//! 2. [`plan`] compares its notices with the store: new ones are added, changed ones take the document's
//!    revision and timeline (timelines are append-only: if the store has updates the document lacks, the
//!    two are merged and the revision moves past both), notices the server would publish but the document
//!    does not carry are withdrawn (it took them out of the feed), and everything else stays.

use std::collections::{BTreeMap, BTreeSet};

use notice_types::{
    FeedPayload, Notice, NoticeId, PublishedDocument, RootPayload, TrustedRoot, Update,
    VerifyError, dangerous_verify_ignoring_freshness,
};
use serde::{Deserialize, Serialize};

use crate::record::{NoticeRecord, NoticeState, closed_at};

/// Why a document was not ingested. Nothing was changed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IngestError {
    /// It does not verify under the server's root chain (tampered, another key, another feed).
    #[error("the document does not verify under this server's root chain: {0}")]
    Invalid(VerifyError),
    /// It was signed under another root version than the server's current one.
    #[error("{}", root_mismatch_message(*document, *server))]
    RootMismatch {
        /// The document's newest root version.
        document: u64,
        /// The server's.
        server: u64,
    },
    /// Its version is not above the server's latest.
    #[error("{}", not_newer_message(*document, *latest, *identical))]
    NotNewer {
        /// The document's version.
        document: u64,
        /// The server's latest published version.
        latest: u64,
        /// Whether it is byte for byte the server's latest document (ingested before).
        identical: bool,
    },
    /// A notice of the document cannot be combined with the stored one.
    #[error("notice `{id}` cannot be imported: {reason}")]
    Notice {
        /// The notice.
        id: String,
        /// Why.
        reason: String,
    },
}

fn not_newer_message(document: u64, latest: u64, identical: bool) -> String {
    if identical {
        format!(
            "this document is already the server's latest version {latest}; there is nothing to ingest"
        )
    } else {
        format!(
            "document version {document} is not above the server's latest version {latest}; make the offline document from the newest copy you have (its version must exceed {latest})"
        )
    }
}

/// A document that passed [`check_document`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedDocument {
    /// Its feed.
    pub feed: FeedPayload,
    /// The root it verified under (the server's current root).
    pub root: RootPayload,
}

/// Checks `bytes` against the server's current root `server_root` and its latest published version
/// `latest` (with its bytes, to tell a repeated ingest apart). See the module documentation for what is and
/// is not checked.
pub fn check_document(
    bytes: &[u8],
    server_root: &TrustedRoot,
    latest: Option<(u64, &[u8])>,
) -> Result<CheckedDocument, IngestError> {
    let server_version = server_root.payload().version;
    let document_root = PublishedDocument::parse(bytes)
        .map_err(IngestError::Invalid)?
        .roots
        .len() as u64;
    if document_root != server_version {
        return Err(IngestError::RootMismatch {
            document: document_root,
            server: server_version,
        });
    }
    // Freshness is deliberately not checked (module documentation); the version rule is applied below
    // against the server's own latest version.
    let (root, feed) =
        dangerous_verify_ignoring_freshness(bytes, server_root).map_err(IngestError::Invalid)?;
    if root != *server_root.payload() {
        return Err(IngestError::RootMismatch {
            document: root.version,
            server: server_version,
        });
    }
    if let Some((latest, latest_bytes)) = latest
        && feed.version <= latest
    {
        return Err(IngestError::NotNewer {
            document: feed.version,
            latest,
            identical: latest_bytes == bytes,
        });
    }
    Ok(CheckedDocument { feed, root })
}

fn root_mismatch_message(document: u64, server: u64) -> String {
    let next = if document > server {
        "a root key ceremony published break-glass: give the server that root first (`notice root publish ROTATION`), then ingest this document"
    } else {
        "sign it again from a document of this server's current root"
    };
    format!(
        "the document carries root v{document} but this server signs under root v{server}; {next}"
    )
}

/// What ingest does to one notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// New to the server.
    Added,
    /// Takes the document's revision and timeline.
    Updated,
    /// The store had updates the document lacks: timelines merged, revision moved past both.
    Merged,
    /// In the server's feed but not in the document: withdrawn.
    Withdrawn,
    /// Already as the document has it.
    Unchanged,
    /// The server's state was kept and the document's not taken: the server closed or withdrew the notice,
    /// or created it, without the document's knowledge (the reason says which). Taking the document's
    /// state needs the operator's word ([`plan`]'s `reopen`).
    Kept,
}

impl ChangeKind {
    /// The wire name: `added`, `updated`, `merged`, `withdrawn`, `unchanged`.
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Added => "added",
            ChangeKind::Updated => "updated",
            ChangeKind::Merged => "merged",
            ChangeKind::Withdrawn => "withdrawn",
            ChangeKind::Unchanged => "unchanged",
            ChangeKind::Kept => "kept",
        }
    }
}

/// One notice's change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedChange {
    /// What happens.
    pub kind: ChangeKind,
    /// The record as it will be stored (for [`ChangeKind::Kept`]: as it is stored).
    pub record: NoticeRecord,
    /// The record before, if the server had the notice.
    pub before: Option<NoticeRecord>,
    /// Why, where it is not obvious (always for [`ChangeKind::Kept`]).
    pub reason: Option<String>,
}

impl PlannedChange {
    fn new(kind: ChangeKind, record: NoticeRecord, before: Option<&NoticeRecord>) -> Self {
        Self {
            kind,
            record,
            before: before.cloned(),
            reason: None,
        }
    }

    fn because(mut self, reason: String) -> Self {
        self.reason = Some(reason);
        self
    }

    /// What the report says of it.
    pub fn outcome(&self) -> NoticeOutcome {
        NoticeOutcome {
            id: self.record.notice.id.clone(),
            change: self.kind,
            before: self.before.as_ref().map(NoticeSummary::of),
            after: NoticeSummary::of(&self.record),
            reason: self.reason.clone(),
        }
    }
}

/// A notice's state in one line: what an operator checks after an ingest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeSummary {
    /// Its status (`investigating`, `resolved`, …).
    pub status: notice_types::Status,
    /// Active, resolved or withdrawn.
    pub state: NoticeState,
    /// Its revision.
    pub revision: u64,
}

impl NoticeSummary {
    fn of(record: &NoticeRecord) -> Self {
        Self {
            status: record.notice.status,
            state: record.state,
            revision: record.notice.revision,
        }
    }
}

/// What an ingest did to one notice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeOutcome {
    /// The notice.
    pub id: NoticeId,
    /// What happened.
    pub change: ChangeKind,
    /// The server's record before, if it had the notice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<NoticeSummary>,
    /// The record now.
    pub after: NoticeSummary,
    /// Why, where it is not obvious; for `kept`, also how to take the document's state instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// Compares the document's feed with the stored notices (`stored`: all of them, any state) and the ids the
/// server's own next feed would carry (`in_feed`). Pure.
///
/// The document is the newer truth, except where the server knows something it did not:
/// - a notice the server resolved or completed stays closed when the document never saw that closing
///   update (it was signed from an older copy, or before the server closed it): otherwise the operator's
///   stale copy would silently reopen it;
/// - a withdrawn notice stays withdrawn (withdrawn notices never change);
/// - a notice the document lacks is withdrawn only if it is open and existed when the document was signed
///   (one created on the server later, or resolved and dropped by the document's retention, stays).
///
/// `reopen` names notices for which the operator wants the document's state anyway.
pub fn plan(
    feed: &FeedPayload,
    stored: &[NoticeRecord],
    in_feed: &BTreeSet<NoticeId>,
    reopen: &BTreeSet<NoticeId>,
) -> Result<Vec<PlannedChange>, IngestError> {
    let by_id: BTreeMap<&NoticeId, &NoticeRecord> =
        stored.iter().map(|r| (&r.notice.id, r)).collect();
    let mut changes = Vec::new();
    for notice in &feed.notices {
        let change = match by_id.get(&notice.id) {
            None => PlannedChange::new(ChangeKind::Added, record_from(notice.clone(), None), None),
            Some(existing) if !reopen.contains(&notice.id) => match kept(notice, existing) {
                Some(reason) => {
                    PlannedChange::new(ChangeKind::Kept, (*existing).clone(), Some(existing))
                        .because(format!(
                            "{reason}; the server's state was kept. To take the document's state, ingest it with `--reopen {}` (`?reopen={}`)",
                            notice.id, notice.id
                        ))
                }
                None => import(notice, existing)?,
            },
            Some(existing) => {
                let change = import(notice, existing)?;
                let reason = format!("the document's state was taken as asked (reopen {})", notice.id);
                change.because(reason)
            }
        };
        changes.push(change);
    }
    for record in stored {
        let id = &record.notice.id;
        if !in_feed.contains(id) || feed.notice(id).is_some() {
            continue;
        }
        let change = if record.state != NoticeState::Active {
            // Resolved ones leave a feed by retention; that is no reason to call them withdrawn.
            continue;
        } else if record.notice.created_at > feed.issued_at {
            PlannedChange::new(ChangeKind::Kept, record.clone(), Some(record)).because(format!(
                "created on the server at {} after the document was signed at {}; it stays",
                record.notice.created_at, feed.issued_at
            ))
        } else {
            let mut withdrawn = record.clone();
            withdrawn.state = NoticeState::Withdrawn;
            PlannedChange::new(ChangeKind::Withdrawn, withdrawn, Some(record))
                .because("the document took it out of the feed".to_owned())
        };
        changes.push(change);
    }
    Ok(changes)
}

/// Why the server's record of `notice` must not take the document's state without the operator's word, if
/// it must not.
fn kept(notice: &Notice, existing: &NoticeRecord) -> Option<String> {
    if existing.state == NoticeState::Withdrawn {
        return Some(format!(
            "it was withdrawn on the server; the document still carries it (status {})",
            notice.status
        ));
    }
    let stored = &existing.notice;
    if !stored.status.is_closed() || notice.status.is_closed() {
        return None;
    }
    // Closed on the server, open in the document: reopening is right only if the document saw the closing
    // update and then reopened it.
    let closing = stored.latest_update().filter(|u| u.status.is_closed());
    let saw_closing = closing.is_some_and(|update| notice.updates.contains(update));
    (!saw_closing).then(|| {
        format!(
            "it was {} on the server at {}, which the document did not see (it has it {})",
            stored.status,
            closing.map_or(stored.updated_at, |u| u.at),
            notice.status
        )
    })
}

/// The stored state of `notice`: closed notices are resolved (keeping the time the store already has for
/// a notice that was resolved before), open ones active.
fn record_from(notice: Notice, existing: Option<&NoticeRecord>) -> NoticeRecord {
    let (state, closed) = if notice.status.is_closed() {
        let closed = match existing {
            Some(r) if r.state == NoticeState::Resolved && r.closed_at.is_some() => r.closed_at,
            _ => Some(closed_at(&notice)),
        };
        (NoticeState::Resolved, closed)
    } else {
        (NoticeState::Active, None)
    };
    NoticeRecord {
        notice,
        state,
        closed_at: closed,
    }
}

fn import(notice: &Notice, existing: &NoticeRecord) -> Result<PlannedChange, IngestError> {
    let stored = &existing.notice;
    let extends = notice.updates.starts_with(&stored.updates);
    if extends {
        let mut next = notice.clone();
        // A revision number never goes back, and never names two different contents.
        if next.revision <= stored.revision && next != *stored {
            next.revision = stored.revision.saturating_add(1);
        }
        let record = record_from(next, Some(existing));
        let kind = if record == *existing {
            ChangeKind::Unchanged
        } else {
            ChangeKind::Updated
        };
        return Ok(PlannedChange::new(kind, record, Some(existing)));
    }
    // The store has updates the document never saw (posted before the server went down, after the copy the
    // operator worked from). Both were told to users; keep both: the stored timeline, then the document's
    // updates it lacks, never earlier than the update before them.
    let mut merged = notice.clone();
    merged.updates = stored.updates.clone();
    for update in &notice.updates {
        if !stored.updates.contains(update) {
            let previous = merged.updates.last().map(|u| u.at);
            merged.updates.push(Update {
                at: previous.map_or(update.at, |p| p.max(update.at)),
                ..update.clone()
            });
        }
    }
    merged.revision = notice.revision.max(stored.revision).saturating_add(1);
    merged.updated_at = merged
        .updated_at
        .max(merged.updates.last().map_or(merged.updated_at, |u| u.at));
    merged.validate().map_err(|e| IngestError::Notice {
        id: notice.id.to_string(),
        reason: format!("its timeline and the stored one cannot be merged: {e}"),
    })?;
    Ok(PlannedChange::new(
        ChangeKind::Merged,
        record_from(merged, Some(existing)),
        Some(existing),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use notice_tests::NoticeBuilder;
    use notice_types::{FeedId, LocalizedText, Severity, Status, Timestamp};

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_unix(1_790_000_000 + seconds)
    }

    /// An outage posted at `at(0)` with a timeline entry `at {t}` per `(t, status)`, one revision each.
    fn notice(id: &str, updates: &[(i64, Status)]) -> Notice {
        let mut notice = NoticeBuilder::new(id, Severity::Outage)
            .english("Down", "Body")
            .posted_at(at(0))
            .revision(1 + updates.len() as u64)
            .status(updates.last().map_or(Status::Investigating, |u| u.1))
            .updated(updates.last().map_or(0, |u| u.0));
        for (t, status) in updates {
            notice = notice.update(*t, *status, &[("en", &format!("at {t}"))]);
        }
        notice.build()
    }

    fn feed(notices: Vec<Notice>) -> FeedPayload {
        FeedPayload {
            feed_id: FeedId::parse("t/ingest").unwrap(),
            version: 1000,
            issued_at: at(500),
            expires_at: at(5000),
            notices,
            service: None,
        }
    }

    fn kinds(changes: &[PlannedChange]) -> Vec<(String, ChangeKind, u64)> {
        changes
            .iter()
            .map(|c| {
                (
                    c.record.notice.id.to_string(),
                    c.kind,
                    c.record.notice.revision,
                )
            })
            .collect()
    }

    #[test]
    fn the_document_is_the_new_truth_and_absent_feed_notices_are_withdrawn() {
        let kept = NoticeRecord::new(notice("kept", &[]));
        let extended = NoticeRecord::new(notice("extended", &[(10, Status::Identified)]));
        let dropped = NoticeRecord::new(notice("dropped", &[]));
        let mut old = NoticeRecord::new(notice("old", &[(5, Status::Resolved)]));
        old.follow_status(at(5));
        let stored = vec![kept.clone(), extended, dropped, old];
        let in_feed: BTreeSet<NoticeId> = ["kept", "extended", "dropped"]
            .iter()
            .map(|id| NoticeId::parse(id).unwrap())
            .collect();
        let document = feed(vec![
            notice("kept", &[]),
            notice(
                "extended",
                &[(10, Status::Identified), (20, Status::Resolved)],
            ),
            notice("new", &[]),
        ]);
        let changes = plan(&document, &stored, &in_feed, &BTreeSet::new()).unwrap();
        assert_eq!(
            kinds(&changes),
            [
                ("kept".to_owned(), ChangeKind::Unchanged, 1),
                ("extended".to_owned(), ChangeKind::Updated, 3),
                ("new".to_owned(), ChangeKind::Added, 1),
                ("dropped".to_owned(), ChangeKind::Withdrawn, 1),
            ],
            "a notice already out of the feed (old) is left alone"
        );
        let extended = &changes[1].record;
        assert_eq!(extended.state, NoticeState::Resolved);
        assert_eq!(extended.closed_at, Some(at(20)));
    }

    #[test]
    fn diverged_timelines_are_merged_and_the_revision_moves_past_both() {
        let stored = NoticeRecord::new(notice(
            "n",
            &[(10, Status::Identified), (30, Status::Monitoring)],
        ));
        // The operator worked from a copy with only the first update, and resolved it (clock a bit behind).
        let document = feed(vec![notice(
            "n",
            &[(10, Status::Identified), (25, Status::Resolved)],
        )]);
        let changes = plan(&document, &[stored], &BTreeSet::new(), &BTreeSet::new()).unwrap();
        assert_eq!(changes[0].kind, ChangeKind::Merged);
        let merged = &changes[0].record.notice;
        assert_eq!(merged.revision, 4);
        let timeline: Vec<(Timestamp, Status)> =
            merged.updates.iter().map(|u| (u.at, u.status)).collect();
        assert_eq!(
            timeline,
            [
                (at(10), Status::Identified),
                (at(30), Status::Monitoring),
                (at(30), Status::Resolved)
            ]
        );
        assert_eq!(merged.status, Status::Resolved);
        assert_eq!(changes[0].record.state, NoticeState::Resolved);
    }

    #[test]
    fn a_reused_revision_number_with_other_content_is_bumped() {
        let stored = NoticeRecord::new(notice("n", &[(10, Status::Identified)]));
        let mut other = stored.notice.clone();
        other.title = LocalizedText::english("Edited offline");
        let changes = plan(
            &feed(vec![other]),
            &[stored],
            &BTreeSet::new(),
            &BTreeSet::new(),
        )
        .unwrap();
        assert_eq!(changes[0].kind, ChangeKind::Updated);
        assert_eq!(changes[0].record.notice.revision, 3);
        assert_eq!(changes[0].record.notice.title.en(), "Edited offline");
    }

    fn ids(list: &[&str]) -> BTreeSet<NoticeId> {
        list.iter().map(|id| NoticeId::parse(id).unwrap()).collect()
    }

    fn resolved(id: &str, updates: &[(i64, Status)]) -> NoticeRecord {
        let mut record = NoticeRecord::new(notice(id, updates));
        let closed = updates.last().map_or(at(0), |u| at(u.0));
        record.follow_status(closed);
        record
    }

    #[test]
    fn a_notice_resolved_on_the_server_is_not_reopened_by_a_document_that_never_saw_it() {
        let stored = resolved("n", &[(10, Status::Identified), (40, Status::Resolved)]);
        // Signed from an older copy: it has the first update and one of its own, not the resolution.
        let document = feed(vec![notice(
            "n",
            &[(10, Status::Identified), (30, Status::Monitoring)],
        )]);
        let changes = plan(
            &document,
            std::slice::from_ref(&stored),
            &ids(&["n"]),
            &BTreeSet::new(),
        )
        .unwrap();
        assert_eq!(kinds(&changes), [("n".to_owned(), ChangeKind::Kept, 3)]);
        assert_eq!(changes[0].record, stored, "the stored record is untouched");
        let outcome = changes[0].outcome();
        let reason = outcome.reason.unwrap();
        assert!(reason.contains("resolved on the server"), "{reason}");
        assert!(reason.contains("--reopen n"), "{reason}");
        assert_eq!(outcome.before.unwrap().state, NoticeState::Resolved);
        assert_eq!(outcome.after.status, Status::Resolved);

        // The operator says so: the timelines are merged and the document's status wins.
        let changes = plan(&document, &[stored], &ids(&["n"]), &ids(&["n"])).unwrap();
        assert_eq!(changes[0].kind, ChangeKind::Merged);
        assert_eq!(changes[0].record.state, NoticeState::Active);
        assert!(changes[0].reason.as_deref().unwrap().contains("as asked"));
    }

    #[test]
    fn a_document_that_saw_the_resolution_and_reopened_it_is_taken() {
        let stored = resolved("n", &[(10, Status::Identified), (40, Status::Resolved)]);
        let document = feed(vec![notice(
            "n",
            &[
                (10, Status::Identified),
                (40, Status::Resolved),
                (50, Status::Investigating),
            ],
        )]);
        let changes = plan(&document, &[stored], &ids(&["n"]), &BTreeSet::new()).unwrap();
        assert_eq!(changes[0].kind, ChangeKind::Updated);
        assert_eq!(changes[0].record.state, NoticeState::Active);
        assert_eq!(changes[0].record.notice.status, Status::Investigating);
    }

    #[test]
    fn a_withdrawn_notice_stays_withdrawn_unless_the_operator_says_otherwise() {
        let mut stored = NoticeRecord::new(notice("w", &[]));
        stored.state = NoticeState::Withdrawn;
        let document = feed(vec![notice("w", &[])]);
        let changes = plan(
            &document,
            &[stored.clone()],
            &BTreeSet::new(),
            &BTreeSet::new(),
        )
        .unwrap();
        assert_eq!(changes[0].kind, ChangeKind::Kept);
        assert_eq!(changes[0].record.state, NoticeState::Withdrawn);
        assert!(
            changes[0]
                .reason
                .as_deref()
                .unwrap()
                .contains("withdrawn on the server")
        );
        let changes = plan(&document, &[stored], &BTreeSet::new(), &ids(&["w"])).unwrap();
        assert_eq!(changes[0].record.state, NoticeState::Active);
    }

    #[test]
    fn notices_the_document_could_not_know_are_not_withdrawn() {
        // Created on the server after the document was signed (at 500).
        let mut newer = NoticeRecord::new(notice("newer", &[]));
        newer.notice.created_at = at(600);
        newer.notice.updated_at = at(600);
        // Resolved and dropped from the document by its retention.
        let closed = resolved("closed", &[(10, Status::Resolved)]);
        let changes = plan(
            &feed(vec![]),
            &[newer, closed],
            &ids(&["newer", "closed"]),
            &BTreeSet::new(),
        )
        .unwrap();
        assert_eq!(kinds(&changes), [("newer".to_owned(), ChangeKind::Kept, 1)]);
        assert!(
            changes[0]
                .reason
                .as_deref()
                .unwrap()
                .contains("after the document was signed")
        );
    }

    #[test]
    fn change_kinds_have_their_wire_names() {
        for kind in [
            ChangeKind::Added,
            ChangeKind::Updated,
            ChangeKind::Merged,
            ChangeKind::Withdrawn,
            ChangeKind::Unchanged,
            ChangeKind::Kept,
        ] {
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.as_str());
        }
    }
}
