//! What the client tells its host: the notices to show and the health of the feed.
//!
//! Everything here is serde-serializable: the C ABI hands these out as JSON, field names as written here.

use notice_types::{ShownNotice, Timestamp};
use serde::{Deserialize, Serialize};

/// How current the feed behind the notices is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Freshness {
    /// Verified and not past its `expires_at`.
    Fresh,
    /// Verified, but past its `expires_at` (judged at `max(now, newest issued_at seen)`, so a clock set back
    /// cannot make it fresh again). Its notices are still the best information there is; show them as
    /// possibly out of date.
    Expired,
    /// No verified feed yet (fresh install that has not reached a mirror).
    None,
}

/// What to show now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notices {
    /// Whether the feed they come from is current.
    pub freshness: Freshness,
    /// The version of that feed, if any.
    pub version: Option<u64>,
    /// The notices for this user, most severe first, in the best available language.
    pub notices: Vec<ShownNotice>,
}

/// Why something failed, in a form that survives JSON and restarts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorInfo {
    /// A stable snake_case code: a `VerifyError` code (`rolled_back`, `bad_signature`, `expired`, …) or a
    /// fetch code (`connect_failed`, `timeout`, `too_large`, `http_status`, `deadline`, …).
    pub code: String,
    /// A human-readable explanation (no secrets; mirror URLs never carry credentials).
    pub message: String,
    /// When it happened (the `now` of the call).
    pub at: Timestamp,
}

/// A state file that could not be read or written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StorageProblem {
    /// `state.json`, `floor.json` or `document.json`.
    pub file: String,
    /// `corrupt`, `missing`, `unreadable`, `write_failed`, or a `VerifyError` code for a stored document
    /// that no longer verifies.
    pub code: String,
    /// Details.
    pub message: String,
}

impl StorageProblem {
    pub(crate) fn new(file: &str, code: &str, message: impl Into<String>) -> Self {
        Self {
            file: file.to_owned(),
            code: code.to_owned(),
            message: message.into(),
        }
    }
}

/// The health of one mirror.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MirrorStatus {
    /// The configured URL.
    pub url: String,
    /// When a refresh last asked it.
    pub last_attempt_at: Option<Timestamp>,
    /// When it last gave a valid answer (a verified document or `304 Not Modified`).
    pub last_success_at: Option<Timestamp>,
    /// The feed version it last served.
    pub last_version: Option<u64>,
    /// Its last failure, cleared by its next success.
    pub last_error: Option<ErrorInfo>,
    /// It asked (Retry-After) not to be asked before this time.
    pub retry_after_until: Option<Timestamp>,
}

/// The client's state, for a diagnostics screen, logs or a support request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Status {
    /// The configured feed.
    pub feed_id: String,
    /// The newest root version verified.
    pub root_version: u64,
    /// The version of the feed being shown, if any.
    pub version: Option<u64>,
    /// The rollback floor: no feed below this version is ever accepted. Above `version` only when the
    /// stored document was lost.
    pub floor_version: Option<u64>,
    /// When the shown feed was signed.
    pub issued_at: Option<Timestamp>,
    /// When the shown feed expires.
    pub expires_at: Option<Timestamp>,
    /// Fresh, expired or none.
    pub freshness: Freshness,
    /// When a refresh or ingest last produced a verified answer.
    pub last_success_at: Option<Timestamp>,
    /// When a refresh last went to the network.
    pub last_attempt_at: Option<Timestamp>,
    /// Refreshes before this time return `too_soon` without touching the network.
    pub next_refresh_at: Option<Timestamp>,
    /// The last failed refresh or ingest, cleared by the next success.
    pub last_error: Option<ErrorInfo>,
    /// Per configured mirror, in configuration order.
    pub mirrors: Vec<MirrorStatus>,
    /// State files found corrupt or missing at start, and the last failed write (if it has not succeeded
    /// since).
    pub storage_problems: Vec<StorageProblem>,
}
