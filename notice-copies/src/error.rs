//! Why a copy could not be read or written. Messages name the copy (never a credential) and what to check.

/// Why a copy could not be read or written. Nothing was changed unless the message says otherwise.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CopyError {
    /// The target cannot be understood.
    #[error("copy `{text}`: {reason}")]
    Target {
        /// What was given.
        text: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Reading or writing failed (network, permissions, the store refused).
    #[error("cannot {action} {path} at {target}: {reason}")]
    Failed {
        /// The copy.
        target: String,
        /// `read` or `write`.
        action: &'static str,
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// The copy holds something that is not a document of this feed; it is left alone.
    #[error(
        "{target} holds a feed.json that is not a document of feed `{feed_id}` ({reason}); refusing to overwrite it"
    )]
    Foreign {
        /// The copy.
        target: String,
        /// The feed the caller publishes.
        feed_id: String,
        /// Why the document is not one of it.
        reason: String,
    },
    /// The copy holds the same version with other bytes: two different documents claim one version.
    #[error(
        "{target} holds another document with the same version {version}; refusing to replace it (one of the two was not signed from the newest copy)"
    )]
    Conflict {
        /// The copy.
        target: String,
        /// The version.
        version: u64,
    },
    /// The copy is read-only (an http(s) URL).
    #[error("{target} can be read, not written; give s3://BUCKET/PREFIX or a directory")]
    NotWritable {
        /// The copy.
        target: String,
    },
}

impl CopyError {
    pub(crate) fn target(text: &str, reason: impl Into<String>) -> Self {
        Self::Target {
            text: text.to_owned(),
            reason: reason.into(),
        }
    }

    /// A stable snake_case code: `bad_target`, `failed`, `foreign`, `conflict`, `not_writable`.
    pub fn code(&self) -> &'static str {
        match self {
            CopyError::Target { .. } => "bad_target",
            CopyError::Failed { .. } => "failed",
            CopyError::Foreign { .. } => "foreign",
            CopyError::Conflict { .. } => "conflict",
            CopyError::NotWritable { .. } => "not_writable",
        }
    }
}
