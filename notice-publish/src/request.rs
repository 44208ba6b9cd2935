//! What operators send: the admin API's request bodies, and [`parse_request`], which reads one strictly.
//!
//! The server deserializes these types from requests and the `notice` CLI serializes the same ones, so the
//! two cannot drift apart. Unknown fields are rejected. Turning a request into a notice is
//! [`crate::change`]'s work; errors name the field in the operator's terms (`title.en`, `ends_at`,
//! `message.nl`), not in the feed's (`notices[3].title.en`).

use std::fmt;

use notice_types::{
    Component, InvalidField, LanguageTag, LocalizedText, NoticeId, Platform, Severity, Status,
    Timestamp,
};
use serde::de::{DeserializeOwned, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::error::Category;

use crate::error::ChangeError;

/// A language → text map as sent, before the notice-types rules: kept as pairs so a language given twice is
/// an error, not silently "last one wins".
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TextInput(Vec<(String, String)>);

impl TextInput {
    /// Text in the given languages, in this order (checked by [`TextInput::into_text`], not here).
    pub fn from_pairs<L: Into<String>, T: Into<String>>(
        pairs: impl IntoIterator<Item = (L, T)>,
    ) -> Self {
        Self(
            pairs
                .into_iter()
                .map(|(l, t)| (l.into(), t.into()))
                .collect(),
        )
    }

    /// Converts to localized text; errors are named below `field` (`title.nl`, `title.en`).
    pub fn into_text(self, field: &str) -> Result<LocalizedText, InvalidField> {
        let mut seen = Vec::with_capacity(self.0.len());
        let mut pairs = Vec::with_capacity(self.0.len());
        for (lang, text) in self.0 {
            let shown: String = lang.chars().take(40).collect();
            let tag = LanguageTag::parse(&lang)
                .map_err(|e| InvalidField::new(format!("{field}.{shown}"), e.reason))?;
            if seen.contains(&tag) {
                return Err(InvalidField::new(
                    format!("{field}.{shown}"),
                    "language given twice",
                ));
            }
            seen.push(tag.clone());
            pairs.push((tag, text));
        }
        LocalizedText::from_pairs(pairs).map_err(|e| e.within(field))
    }
}

impl From<&LocalizedText> for TextInput {
    fn from(text: &LocalizedText) -> Self {
        Self::from_pairs(text.iter().map(|(lang, text)| (lang.as_str(), text)))
    }
}

impl Serialize for TextInput {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (lang, text) in &self.0 {
            map.serialize_entry(lang, text)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for TextInput {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Pairs;
        impl<'de> Visitor<'de> for Pairs {
            type Value = TextInput;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(r#"an object of language → text, e.g. {"en": "…", "nl": "…"}"#)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<TextInput, A::Error> {
                let mut pairs = Vec::new();
                while let Some(pair) = map.next_entry::<String, String>()? {
                    pairs.push(pair);
                }
                Ok(TextInput(pairs))
            }
        }
        deserializer.deserialize_map(Pairs)
    }
}

/// Deserializes a present field (even `null`) as `Some(…)`, so an edit can tell "absent" from "clear it".
fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// `POST /v1/admin/notices`; also the format of `notice post --from-file`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateNotice {
    /// Stable id; generated when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<NoticeId>,
    /// How bad.
    pub severity: Severity,
    /// Default: investigating (incidents) or scheduled (maintenance).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    /// One line per language, `en` required.
    pub title: TextInput,
    /// A few sentences per language, `en` required.
    pub body: TextInput,
    /// Affected components.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub components: Option<Vec<Component>>,
    /// Platforms; absent means all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platforms: Option<Vec<Platform>>,
    /// Semver requirement of app versions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_versions: Option<semver::VersionReq>,
    /// Not shown before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub show_from: Option<Timestamp>,
    /// Start of the event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starts_at: Option<Timestamp>,
    /// End of the event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ends_at: Option<Timestamp>,
    /// Default: false for outages, true otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dismissible: Option<bool>,
    /// https link to a host the feed's root allows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
}

impl CreateNotice {
    /// A draft with the required fields; everything else takes its default.
    pub fn new(severity: Severity, title: TextInput, body: TextInput) -> Self {
        Self {
            id: None,
            severity,
            status: None,
            title,
            body,
            components: None,
            platforms: None,
            app_versions: None,
            show_from: None,
            starts_at: None,
            ends_at: None,
            dismissible: None,
            link: None,
        }
    }
}

/// `PATCH /v1/admin/notices/{id}`: every field optional. For an optional field of the notice, `Some(None)`
/// (sent as `null`) clears it; required fields cannot be cleared.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(clippy::option_option)] // Absent, `null` (clear) and a value are three different edits.
pub struct EditNotice {
    /// New severity.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub severity: Option<Option<Severity>>,
    /// New status (prefer an update, which also says why).
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub status: Option<Option<Status>>,
    /// New title (all languages).
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub title: Option<Option<TextInput>>,
    /// New body (all languages).
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub body: Option<Option<TextInput>>,
    /// New components; `null` clears.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub components: Option<Option<Vec<Component>>>,
    /// New platforms; `null` shows on all.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub platforms: Option<Option<Vec<Platform>>>,
    /// New app version requirement; `null` shows on all.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub app_versions: Option<Option<semver::VersionReq>>,
    /// New show-from time; `null` shows at once.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub show_from: Option<Option<Timestamp>>,
    /// New start; `null` clears.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub starts_at: Option<Option<Timestamp>>,
    /// New end; `null` clears.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub ends_at: Option<Option<Timestamp>>,
    /// Whether users may hide it; `null` restores the severity's default.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub dismissible: Option<Option<bool>>,
    /// New link; `null` removes it.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub link: Option<Option<String>>,
}

impl EditNotice {
    /// Whether the edit changes nothing at all.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// `POST /v1/admin/notices/{id}/updates`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PostUpdate {
    /// The notice's status from now on.
    pub status: Status,
    /// What happened.
    pub message: TextInput,
}

/// `POST /v1/admin/notices/{id}/resolve` (the body is optional).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resolve {
    /// Replaces the default "Resolved." / "Maintenance completed." (in en, nl and de).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<TextInput>,
}

/// `POST /v1/admin/notices/{id}/withdraw` (the body is optional and has no fields).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Withdraw {}

/// Parses a request body into `T` strictly (unknown fields, trailing data and duplicate struct fields are
/// refused): malformed JSON is [`ChangeError::MalformedJson`]; valid JSON of the wrong shape is
/// [`ChangeError::InvalidField`] naming the path (an unknown or missing field is named itself), or
/// [`ChangeError::InvalidRequest`] when no field can be named.
pub fn parse_request<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ChangeError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let result: Result<T, _> = serde_path_to_error::deserialize(&mut deserializer);
    let value = match result {
        Ok(value) => value,
        Err(e) => {
            let path = e.path().to_string();
            let inner = e.into_inner();
            return Err(json_error(&path, &inner));
        }
    };
    deserializer.end().map_err(|e| json_error(".", &e))?;
    Ok(value)
}

fn json_error(path: &str, error: &serde_json::Error) -> ChangeError {
    let message = without_position(&error.to_string());
    match error.classify() {
        Category::Syntax | Category::Eof | Category::Io => {
            ChangeError::MalformedJson(error.to_string())
        }
        Category::Data => {
            let path = if path == "." { "" } else { path };
            let named = backticked_after(&message, "unknown field ")
                .or_else(|| backticked_after(&message, "missing field "))
                .or_else(|| backticked_after(&message, "duplicate field "));
            let field = match (path, named) {
                ("", Some(name)) => name.to_owned(),
                (path, Some(name)) if !path.ends_with(name) => format!("{path}.{name}"),
                (path, _) => path.to_owned(),
            };
            if field.is_empty() {
                ChangeError::InvalidRequest(message)
            } else {
                ChangeError::InvalidField(InvalidField::new(field, message))
            }
        }
    }
}

/// serde_json appends " at line L column C"; operators get the field path instead.
fn without_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_owned(),
        None => message.to_owned(),
    }
}

/// The name in "<prefix>`name`…".
fn backticked_after<'a>(message: &'a str, prefix: &str) -> Option<&'a str> {
    let rest = message.strip_prefix(prefix)?.strip_prefix('`')?;
    rest.split('`').next()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(error: ChangeError) -> String {
        match error {
            ChangeError::InvalidField(e) => e.field,
            other => panic!("not a field error: {other:?}"),
        }
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)] // fields are read only through Debug in failure messages
    struct Sample {
        name: String,
        inner: Option<Inner>,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        count: u32,
    }

    fn sample_error(json: &str) -> (&'static str, Option<String>) {
        match parse_request::<Sample>(json.as_bytes()).unwrap_err() {
            ChangeError::InvalidField(e) => ("field", Some(e.field)),
            ChangeError::InvalidRequest(_) => ("request", None),
            ChangeError::MalformedJson(_) => ("malformed", None),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn json_errors_name_the_field_path() {
        let unprocessable = "field";
        assert_eq!(
            sample_error(r#"{"name": 1}"#),
            (unprocessable, Some("name".into()))
        );
        assert_eq!(
            sample_error(r#"{"name": "a", "extra": 1}"#),
            (unprocessable, Some("extra".into()))
        );
        assert_eq!(sample_error(r#"{}"#), (unprocessable, Some("name".into())));
        assert_eq!(
            sample_error(r#"{"name": "a", "inner": {"count": -1}}"#),
            (unprocessable, Some("inner.count".into()))
        );
        assert_eq!(
            sample_error(r#"{"name": "a", "inner": {"cnt": 1}}"#),
            (unprocessable, Some("inner.cnt".into()))
        );
        assert_eq!(
            sample_error(r#"{"name": "a", "inner": {}}"#),
            (unprocessable, Some("inner.count".into()))
        );
        assert_eq!(
            sample_error(r#"{"name": "a", "name": "b"}"#),
            (unprocessable, Some("name".into()))
        );
        assert_eq!(sample_error(r#"[1]"#), (unprocessable, Some("[0]".into())));
        assert_eq!(sample_error(r#"1"#), ("request", None));
        assert_eq!(sample_error(r#"{"name": "#), ("malformed", None));
        assert_eq!(sample_error(r#"{"name": "a"} x"#), ("malformed", None));
        assert_eq!(sample_error(""), ("malformed", None));
    }

    #[test]
    fn parse_errors_name_the_field_or_say_it_is_not_json() {
        let err = parse_request::<CreateNotice>(b"{").unwrap_err();
        assert!(matches!(err, ChangeError::MalformedJson(_)), "{err:?}");
        let err = parse_request::<Resolve>(br#"{} x"#).unwrap_err();
        assert!(matches!(err, ChangeError::MalformedJson(_)), "{err:?}");
        let err =
            parse_request::<CreateNotice>(br#"{"severity": "outage", "tittle": {}}"#).unwrap_err();
        assert_eq!(field_of(err), "tittle");
        let err = parse_request::<CreateNotice>(br#"{"severity": "outage", "body": {"en": "b"}}"#)
            .unwrap_err();
        assert_eq!(field_of(err), "title");
        let err = parse_request::<CreateNotice>(
            br#"{"severity": "outage", "title": {"en": 1}, "body": {"en": "b"}}"#,
        )
        .unwrap_err();
        assert_eq!(field_of(err), "title.en");
        let err = parse_request::<PostUpdate>(b"[]").unwrap_err();
        assert!(matches!(err, ChangeError::InvalidRequest(_)), "{err:?}");
    }

    #[test]
    fn requests_round_trip_through_the_wire_format() {
        let mut create = CreateNotice::new(
            Severity::Outage,
            TextInput::from_pairs([("en", "Down"), ("nl", "Stuk")]),
            TextInput::from_pairs([("en", "We are on it.")]),
        );
        create.components = Some(vec![Component::parse("keyshare").unwrap()]);
        let bytes = serde_json::to_vec(&create).unwrap();
        assert_eq!(parse_request::<CreateNotice>(&bytes).unwrap(), create);
        assert!(!String::from_utf8(bytes).unwrap().contains("null"));

        let edit = EditNotice {
            link: Some(None),
            ends_at: Some(Some(Timestamp::from_unix(1_800_000_000))),
            ..EditNotice::default()
        };
        let json = serde_json::to_value(&edit).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"link": null, "ends_at": "2027-01-15T08:00:00Z"})
        );
        assert_eq!(
            parse_request::<EditNotice>(json.to_string().as_bytes()).unwrap(),
            edit
        );
        assert!(EditNotice::default().is_empty());
        assert!(!edit.is_empty());
    }

    #[test]
    fn a_language_given_twice_is_refused_not_overwritten() {
        let draft: CreateNotice = parse_request(
            br#"{"severity": "info", "title": {"en": "a", "nl": "b", "nl": "c"}, "body": {"en": "x"}}"#,
        )
        .unwrap();
        let err = draft.title.into_text("title").unwrap_err();
        assert_eq!(err.field, "title.nl");
    }
}
