//! Errors of the protocol core.

use std::fmt;

/// A value that breaks a rule of the wire format, with the path of the offending field.
///
/// The `field` is a JSON-ish path such as `notices[2].title.nl`, so a server can return it to an operator
/// as-is and an operator can find the mistake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidField {
    /// Path of the field, e.g. `title.en` or `notices[0].ends_at`.
    pub field: String,
    /// What is wrong with it, in words an operator understands.
    pub reason: String,
}

impl InvalidField {
    /// An error for `field` with a human-readable `reason`.
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// The same error nested below `parent`: `title` inside `notices[3]` becomes `notices[3].title`.
    pub fn within(mut self, parent: &str) -> Self {
        self.field = if self.field.is_empty() {
            parent.to_owned()
        } else if self.field.starts_with('[') {
            format!("{parent}{}", self.field)
        } else {
            format!("{parent}.{}", self.field)
        };
        self
    }
}

impl fmt::Display for InvalidField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            f.write_str(&self.reason)
        } else {
            write!(f, "{}: {}", self.field, self.reason)
        }
    }
}

impl std::error::Error for InvalidField {}
