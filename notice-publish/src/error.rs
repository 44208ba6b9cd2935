//! Why an operator's change was refused. One error type for request parsing, draft validation and the change
//! rules; the server maps it to HTTP statuses in one place (its routes), the CLI to exit codes.

use notice_types::InvalidField;

/// Why a change to a feed was refused. Nothing was changed. Messages are written for the operator who sent
/// the change and never contain key material or tokens.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ChangeError {
    /// The request is not JSON (a syntax error, or it ends too early).
    #[error("malformed JSON: {0}")]
    MalformedJson(String),
    /// One field is at fault: its path in the operator's terms (`title.en`, `ends_at`) and why.
    #[error("{0}")]
    InvalidField(InvalidField),
    /// Well-formed, but not a change this operation takes, and no single field is at fault (an edit that
    /// names no field).
    #[error("{0}")]
    InvalidRequest(String),
    /// The notice named does not exist (or cannot be a notice id).
    #[error("no notice `{0}`")]
    NotFound(String),
    /// The change conflicts with the notice's state (already resolved, withdrawn, id taken, timeline full).
    #[error("{0}")]
    Conflict(String),
}

impl ChangeError {
    /// A stable snake_case code, the same the admin API answers with: `invalid_json`, `invalid_field`,
    /// `not_found`, `conflict`.
    pub fn code(&self) -> &'static str {
        match self {
            ChangeError::MalformedJson(_) | ChangeError::InvalidRequest(_) => "invalid_json",
            ChangeError::InvalidField(_) => "invalid_field",
            ChangeError::NotFound(_) => "not_found",
            ChangeError::Conflict(_) => "conflict",
        }
    }

    /// The notice `id` was not found; the id is shortened and escaped, because it may be anything a
    /// request path held.
    pub fn not_found(id: &str) -> Self {
        let shown: String = id.chars().take(64).collect();
        Self::NotFound(shown.escape_debug().to_string())
    }
}

impl From<InvalidField> for ChangeError {
    fn from(e: InvalidField) -> Self {
        Self::InvalidField(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_found_ids_are_shortened_and_escaped() {
        let long = format!("{}\n", "a".repeat(100));
        let ChangeError::NotFound(shown) = ChangeError::not_found(&long) else {
            panic!("not a NotFound");
        };
        assert_eq!(shown, "a".repeat(64));
        let ChangeError::NotFound(shown) = ChangeError::not_found("x\ny") else {
            panic!("not a NotFound");
        };
        assert_eq!(shown, "x\\ny");
    }
}
