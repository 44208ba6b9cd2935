//! What the admin API answers. The server serializes these types and the `notice` CLI deserializes the very
//! same ones, so the two cannot drift apart.

use std::collections::BTreeMap;

use notice_types::{Notice, NoticeId, Timestamp};
use serde::{Deserialize, Serialize};

use crate::ingest::{ChangeKind, NoticeOutcome};
use crate::record::{NoticeRecord, NoticeState};

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
}

impl WriteResponse {
    /// The answer for `record` published in feed version `feed_version`.
    pub fn new(record: NoticeRecord, feed_version: u64) -> Self {
        Self {
            notice: record.notice,
            state: record.state,
            feed_version,
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
    /// What: `create`, `update`, `edit`, `resolve`, `withdraw`, `ingest`, `heartbeat`, `retention`, `init`,
    /// `token_create`, `token_revoke`, `rotate_feed_key`. A string, so an older reader still lists what a
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

/// `GET /v1/admin/whoami`: the name of the token used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WhoAmI {
    /// The token's name.
    pub name: String,
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
