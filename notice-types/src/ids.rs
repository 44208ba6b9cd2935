//! Validated identifiers: feed ids, notice ids, component names.
//!
//! Each is a string newtype whose existence proves its syntax was checked, so code further in never re-checks.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

use crate::InvalidField;

macro_rules! validated_string {
    ($(#[$doc:meta])* $name:ident, $check:path) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Checks `text` and wraps it.
            pub fn parse(text: &str) -> Result<Self, InvalidField> {
                $check(text).map_err(|reason| InvalidField::new("", reason))?;
                Ok(Self(text.to_owned()))
            }

            /// The identifier as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::str::FromStr for $name {
            type Err = InvalidField;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = String::deserialize(deserializer)?;
                $check(&text).map_err(serde::de::Error::custom)?;
                Ok(Self(text))
            }
        }
    };
}

validated_string!(
    /// Which feed a document belongs to, e.g. `yivi-app/production`. Binds a feed to one app and environment:
    /// a client for `yivi-app/production` rejects a validly signed `yivi-app/staging` feed.
    FeedId,
    check_feed_id
);

validated_string!(
    /// A notice's stable id, e.g. `2026-07-01-keyshare-down`. Stays the same across revisions.
    NoticeId,
    check_notice_id
);

validated_string!(
    /// A part of the service a notice is about, e.g. `keyshare` or `issuance`.
    Component,
    check_component
);

fn is_slug_char(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_' || c == '.'
}

fn check_feed_id(text: &str) -> Result<(), String> {
    let ok = !text.is_empty()
        && text.len() <= 128
        && text.split('/').all(|segment| {
            segment
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
                && segment.chars().all(is_slug_char)
        });
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{}` is not a feed id: use lowercase segments of a-z, 0-9, '-', '_', '.' separated by '/', at most 128 bytes (example: yivi-app/production)",
            text.escape_debug()
        ))
    }
}

fn check_notice_id(text: &str) -> Result<(), String> {
    let ok = !text.is_empty()
        && text.len() <= 64
        && text
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric())
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{}` is not a notice id: 1 to 64 of A-Z, a-z, 0-9, '-', '_', '.', starting with a letter or digit",
            text.escape_debug()
        ))
    }
}

fn check_component(text: &str) -> Result<(), String> {
    let ok = !text.is_empty()
        && text.len() <= 32
        && text
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && text.chars().all(is_slug_char);
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{}` is not a component name: 1 to 32 of a-z, 0-9, '-', '_', '.' (example: keyshare)",
            text.escape_debug()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feed_ids_are_lowercase_slash_separated_slugs() {
        for good in ["yivi-app/production", "a", "x/y/z", "app.v2/prod_1"] {
            assert!(FeedId::parse(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "Yivi/prod",
            "/prod",
            "prod/",
            "a//b",
            "a b",
            &"a".repeat(129),
        ] {
            assert!(FeedId::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn notice_ids_reject_paths_and_markup() {
        assert!(NoticeId::parse("2026-07-01-keyshare").is_ok());
        for bad in ["", "../etc", "<b>", "-x", &"a".repeat(65)] {
            assert!(NoticeId::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn deserialization_checks_syntax() {
        assert!(serde_json::from_str::<Component>("\"keyshare\"").is_ok());
        assert!(serde_json::from_str::<Component>("\"Key Share\"").is_err());
    }
}
