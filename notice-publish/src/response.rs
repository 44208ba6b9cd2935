//! What the admin API answers. The server serializes these types and the `notice` CLI deserializes the very
//! same ones, so the two cannot drift apart.

use std::collections::BTreeMap;

use notice_types::{Notice, NoticeId, Timestamp};
use serde::{Deserialize, Serialize};

use crate::ingest::{ChangeKind, NoticeOutcome};
use crate::record::{NoticeRecord, NoticeState};

/// Every error answer of the server's HTTP API: `{"error": {"code": "invalid_field", "message": "…", "field":
/// "title.en"}}`, with the status code. The server writes it; the CLI reads it (leniently: a proxy's error
/// without a code or message is still read, and told apart by the empty code).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorAnswer {
    /// What went wrong.
    pub error: ErrorDetail,
}

/// The body of an [`ErrorAnswer`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorDetail {
    /// A stable snake_case code (`unauthorized`, `invalid_field`, `conflict`, …).
    #[serde(default)]
    pub code: String,
    /// What is wrong and what to do, for people.
    #[serde(default)]
    pub message: String,
    /// The field at fault, for `invalid_field`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// A write's answer: the notice after the change, its state, and the feed version that carries it (for a
/// dry run: the version it would get).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WriteResponse {
    /// The notice after the change.
    pub notice: Notice,
    /// Its state.
    pub state: NoticeState,
    /// The feed version carrying it.
    pub feed_version: u64,
    /// What the operator should know about the write beyond its result: a document taken in from a copy
    /// first (a break-glass document found ahead of the server), or copies that could not be read.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// What the change does that is allowed but probably a mistake (maintenance started well before its
    /// start, a second open outage on one component): the CLI publishes it only with an explicit yes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cautions: Vec<String>,
}

impl WriteResponse {
    /// The answer for `record` published in feed version `feed_version`.
    pub fn new(record: NoticeRecord, feed_version: u64) -> Self {
        Self {
            notice: record.notice,
            state: record.state,
            feed_version,
            warnings: Vec::new(),
            cautions: Vec::new(),
        }
    }
}

/// `GET /v1/admin/notices`: `{"notices": […]}`, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeList {
    /// Records, newest first.
    pub notices: Vec<NoticeRecord>,
}

/// One row of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Increasing id.
    pub id: i64,
    /// When.
    pub at: Timestamp,
    /// The token name (or `system`/`local` for the server itself and its local command line).
    pub actor: String,
    /// The scope of the actor's token (`admin`, `watch`); absent for the server itself and its command line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// What: `create`, `update`, `edit`, `resolve`, `withdraw`, `ingest`, `heartbeat`, `retention`, `init`,
    /// `token_create`, `token_revoke`, `rotate_feed_key`, `rotate_root`. A string, so an older reader still lists what a
    /// newer server records.
    pub action: String,
    /// The notice concerned, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notice_id: Option<String>,
    /// The feed version that carried the change, if one was published.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feed_version: Option<u64>,
}

/// `GET /v1/admin/audit`: `{"entries": […]}`, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditList {
    /// Entries, newest first.
    pub entries: Vec<AuditEntry>,
}

/// `GET /v1/admin/whoami`: the name and scope of the token used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WhoAmI {
    /// The token's name.
    pub name: String,
    /// What it may do: `admin`, or `watch` (create notices; change only its own). Absent from
    /// servers older than scopes, whose tokens are all admin tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

/// `POST /v1/admin/root`: root v(N+1) appended to the chain and the feed signed under it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RootPublished {
    /// The new root version.
    pub root_version: u64,
    /// The feed version signed under it (now served).
    pub feed_version: u64,
    /// The key id of the feed key the server signs with from now on.
    pub feed_key_id: String,
    /// The new root.
    pub root: notice_types::RootPayload,
}

/// `POST /v1/admin/ingest`: what taking in a break-glass document did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IngestReport {
    /// The version now served (the document's).
    pub feed_version: u64,
    /// The server's latest version before.
    pub previous_version: u64,
    /// The document's `issued_at`.
    pub issued_at: Timestamp,
    /// The document's `expires_at`.
    pub expires_at: Timestamp,
    /// Whether it had expired when it was ingested (the server re-signs it within seconds).
    pub expired: bool,
    /// Notice ids by what happened to them.
    pub notices: BTreeMap<ChangeKind, Vec<NoticeId>>,
    /// Each notice: what happened, its state before and after, and why where it is not obvious (a notice
    /// the server closed and the document did not know of is kept closed; the reason says how to reopen).
    #[serde(default)]
    pub changes: Vec<NoticeOutcome>,
}

/// Whether the server writes a copy or only reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CopyKind {
    /// A publish target: written after every version.
    Publish,
    /// Watched: read, to take in a document that is ahead of the server.
    Watch,
}

/// One copy on another provider, as the server last saw it (`GET /v1/admin/copies`, `notice status`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CopyState {
    /// The copy (`s3://bucket/prefix`, a directory, a URL), without credentials.
    pub target: String,
    /// Written or watched.
    pub kind: CopyKind,
    /// The version it holds, as far as the server knows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<u64>,
    /// When it was last read or written without error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_success_at: Option<Timestamp>,
    /// When the server last tried.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_attempt_at: Option<Timestamp>,
    /// Since when every attempt has failed (absent while it works).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failing_since: Option<Timestamp>,
    /// The last error, while it fails.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The last write's error, until a write works: a copy that can be read but not written (a read-only
    /// key, a full disk) is behind, however often it is read.
    #[serde(skip)]
    write_error: Option<String>,
}

impl CopyState {
    /// A copy not tried yet.
    pub fn new(target: String, kind: CopyKind) -> Self {
        Self {
            target,
            kind,
            version: None,
            last_success_at: None,
            last_attempt_at: None,
            failing_since: None,
            error: None,
            write_error: None,
        }
    }

    fn succeeded(&mut self, now: Timestamp) {
        self.last_attempt_at = Some(now);
        self.last_success_at = Some(now);
        self.failing_since = None;
        self.error = None;
    }

    /// Read without error at `now`. A write that failed since the last one that worked still stands.
    pub fn seen(&mut self, now: Timestamp) {
        match self.write_error.clone() {
            Some(error) => {
                self.last_attempt_at = Some(now);
                self.failing_since.get_or_insert(now);
                self.error = Some(error);
            }
            None => self.succeeded(now),
        }
    }

    /// Written with `version` at `now` (or found holding it already).
    pub fn written(&mut self, now: Timestamp, version: u64) {
        self.write_error = None;
        self.succeeded(now);
        self.version = Some(version);
    }

    /// Found holding a higher `version` than the server's at `now`, when writing to it.
    pub fn ahead(&mut self, now: Timestamp, version: u64) {
        self.write_error = None;
        self.succeeded(now);
        self.version = Some(version);
    }

    /// Reading failed at `now` with `error`.
    pub fn failed(&mut self, now: Timestamp, error: String) {
        self.last_attempt_at = Some(now);
        self.failing_since.get_or_insert(now);
        self.error = Some(error);
    }

    /// Writing failed at `now` with `error`: failing until a write works.
    pub fn failed_writing(&mut self, now: Timestamp, error: String) {
        self.write_error = Some(error.clone());
        self.failed(now, error);
    }

    /// Whether the last attempt failed.
    pub fn is_failing(&self) -> bool {
        self.error.is_some()
    }
}

/// `GET /v1/admin/copies`: `{"copies": […]}`, publish targets first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CopyList {
    /// Every copy the server writes or watches.
    pub copies: Vec<CopyState>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_copy_that_can_be_read_but_not_written_stays_failing_until_a_write_works() {
        let mut state = CopyState::new("s3://b/p".to_owned(), CopyKind::Publish);
        let at = |s: i64| Timestamp::from_unix(1_000 + s);
        state.written(at(0), 1);
        state.failed_writing(at(10), "access denied".to_owned());
        state.seen(at(20));
        assert!(state.is_failing(), "a read does not make up for a write");
        assert_eq!(state.error.as_deref(), Some("access denied"));
        assert_eq!(state.failing_since, Some(at(10)));
        assert_eq!(state.last_success_at, Some(at(0)));
        assert_eq!(state.last_attempt_at, Some(at(20)));
        state.written(at(30), 2);
        assert!(!state.is_failing());
        state.seen(at(40));
        assert!(!state.is_failing());
        assert_eq!(state.last_success_at, Some(at(40)));
    }

    #[test]
    fn a_copy_fails_since_its_first_failure_and_recovers_at_its_next_success() {
        let mut state = CopyState::new("s3://b/p".to_owned(), CopyKind::Publish);
        let at = |s: i64| Timestamp::from_unix(1_000 + s);
        state.failed(at(0), "connection refused".to_owned());
        state.failed(at(10), "timed out".to_owned());
        assert!(state.is_failing());
        assert_eq!(state.failing_since, Some(at(0)));
        assert_eq!(state.error.as_deref(), Some("timed out"));
        state.written(at(20), 7);
        assert!(!state.is_failing());
        assert_eq!(state.failing_since, None);
        assert_eq!(
            (state.version, state.last_success_at),
            (Some(7), Some(at(20)))
        );
        let json = serde_json::to_value(&state).unwrap();
        assert_eq!(json["kind"], "publish");
        assert!(json.get("error").is_none());
    }
}
