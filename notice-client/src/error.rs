//! Errors of the client. After any of them the client keeps working and keeps its last good feed.

use notice_types::VerifyError;

use crate::config::ConfigError;
use crate::status::ErrorInfo;

/// Why a client call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The configuration was refused.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The state directory cannot be created or used.
    #[error("state directory {path}: {detail}")]
    StateDir {
        /// The directory.
        path: String,
        /// What went wrong.
        detail: String,
    },
    /// A document was rejected (bad signature, rollback, expired, …); the last good feed is kept.
    #[error("document rejected ({code}): {0}", code = .0.code())]
    Rejected(VerifyError),
    /// No mirror gave a valid answer; the last good feed is kept. Per-mirror details are in `status()`.
    #[error("no mirror gave a valid answer: {}", summarize(.failures))]
    AllMirrorsFailed {
        /// One entry per mirror that was asked: the URL and why it failed.
        failures: Vec<(String, ErrorInfo)>,
    },
    /// `refresh` was called on a client without mirrors.
    #[error("no mirrors are configured; add mirror URLs or pass documents to ingest")]
    NoMirrors,
    /// An argument is malformed (a notice id, revision 0).
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// The notice exists in the current feed, but its publisher marked it as not dismissible.
    #[error("notice {id} revision {revision} is not dismissible")]
    NotDismissible {
        /// The notice.
        id: String,
        /// Its revision.
        revision: u64,
    },
}

impl ClientError {
    /// A stable snake_case code, e.g. `rolled_back` or `all_mirrors_failed`.
    pub fn code(&self) -> &'static str {
        match self {
            ClientError::Config(e) => e.code(),
            ClientError::StateDir { .. } => "state_dir",
            ClientError::Rejected(e) => e.code(),
            ClientError::AllMirrorsFailed { .. } => "all_mirrors_failed",
            ClientError::NoMirrors => "no_mirrors",
            ClientError::InvalidArgument(_) => "invalid_argument",
            ClientError::NotDismissible { .. } => "not_dismissible",
        }
    }
}

fn summarize(failures: &[(String, ErrorInfo)]) -> String {
    if failures.is_empty() {
        return "no mirror could be asked".to_owned();
    }
    failures
        .iter()
        .map(|(url, e)| format!("{url}: {} ({})", e.code, e.message))
        .collect::<Vec<_>>()
        .join("; ")
}
