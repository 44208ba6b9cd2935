//! What operators send: the admin API's input types and their conversion into notice-types values.
//!
//! Inputs reject unknown fields. Conversion is pure (time and the allowed link hosts are arguments) and
//! every failure names the field in the operator's terms (`title.en`, `ends_at`, `message.nl`), not in the
//! feed's (`notices[3].title.en`).

use std::fmt;

use notice_types::{
    Component, InvalidField, LanguageTag, LocalizedText, Notice, NoticeId, Platform, Severity,
    Status, Timestamp, Update, check_link,
    limits::{MAX_MESSAGE_CHARS, MAX_UPDATES},
};
use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

use crate::routes::AppError;

/// A language → text map as sent, before the notice-types rules: kept as pairs so a language given twice is
/// an error, not silently "last one wins".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextInput(Vec<(String, String)>);

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

impl TextInput {
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

/// Deserializes a present field (even `null`) as `Some(…)`, so an edit can tell "absent" from "clear it".
fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// `POST /v1/admin/notices`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateNotice {
    /// Stable id; generated when absent.
    #[serde(default)]
    pub id: Option<NoticeId>,
    /// How bad.
    pub severity: Severity,
    /// Default: investigating (incidents) or scheduled (maintenance).
    #[serde(default)]
    pub status: Option<Status>,
    /// One line per language, `en` required.
    pub title: TextInput,
    /// A few sentences per language, `en` required.
    pub body: TextInput,
    /// Affected components.
    #[serde(default)]
    pub components: Option<Vec<Component>>,
    /// Platforms; absent means all.
    #[serde(default)]
    pub platforms: Option<Vec<Platform>>,
    /// Semver requirement of app versions.
    #[serde(default)]
    pub app_versions: Option<semver::VersionReq>,
    /// Not shown before.
    #[serde(default)]
    pub show_from: Option<Timestamp>,
    /// Start of the event.
    #[serde(default)]
    pub starts_at: Option<Timestamp>,
    /// End of the event.
    #[serde(default)]
    pub ends_at: Option<Timestamp>,
    /// Default: false for outages, true otherwise.
    #[serde(default)]
    pub dismissible: Option<bool>,
    /// https link to an allowed host.
    #[serde(default)]
    pub link: Option<String>,
}

/// `PATCH /v1/admin/notices/{id}`: every field optional; `null` clears an optional one.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EditNotice {
    #[serde(default, deserialize_with = "present")]
    severity: Option<Option<Severity>>,
    #[serde(default, deserialize_with = "present")]
    status: Option<Option<Status>>,
    #[serde(default, deserialize_with = "present")]
    title: Option<Option<TextInput>>,
    #[serde(default, deserialize_with = "present")]
    body: Option<Option<TextInput>>,
    #[serde(default, deserialize_with = "present")]
    components: Option<Option<Vec<Component>>>,
    #[serde(default, deserialize_with = "present")]
    platforms: Option<Option<Vec<Platform>>>,
    #[serde(default, deserialize_with = "present")]
    app_versions: Option<Option<semver::VersionReq>>,
    #[serde(default, deserialize_with = "present")]
    show_from: Option<Option<Timestamp>>,
    #[serde(default, deserialize_with = "present")]
    starts_at: Option<Option<Timestamp>>,
    #[serde(default, deserialize_with = "present")]
    ends_at: Option<Option<Timestamp>>,
    #[serde(default, deserialize_with = "present")]
    dismissible: Option<Option<bool>>,
    #[serde(default, deserialize_with = "present")]
    link: Option<Option<String>>,
}

/// `POST /v1/admin/notices/{id}/updates`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PostUpdate {
    /// The notice's status from now on.
    pub status: Status,
    /// What happened.
    pub message: TextInput,
}

/// `POST /v1/admin/notices/{id}/resolve` (the body is optional).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resolve {
    /// Replaces the default "Resolved." / "Maintenance completed.".
    #[serde(default)]
    pub message: Option<TextInput>,
}

/// `POST /v1/admin/notices/{id}/withdraw` (the body is optional and has no fields).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Withdraw {}

fn default_status(severity: Severity) -> Status {
    if severity.is_maintenance() {
        Status::Scheduled
    } else {
        Status::Investigating
    }
}

fn default_dismissible(severity: Severity) -> bool {
    severity != Severity::Outage
}

/// A readable generated id: `2026-11-23-keyshare-3f9a` (date, first component or severity, 16 random bits).
/// Component names only use characters ids allow and are at most 32 long, so this always parses.
pub fn generate_id(
    now: Timestamp,
    severity: Severity,
    components: &[Component],
    random: u16,
) -> Result<NoticeId, InvalidField> {
    let topic = components
        .first()
        .map_or(severity.as_str(), Component::as_str);
    let date = now.as_datetime().format("%Y-%m-%d");
    NoticeId::parse(&format!("{date}-{topic}-{random:04x}")).map_err(|e| e.within("id"))
}

/// The time of a change: now, but never before the notice's last change (a clock stepped back must not make
/// a timeline go backwards).
fn change_time(notice: &Notice, now: Timestamp) -> Timestamp {
    let last_update = notice.latest_update().map_or(notice.updated_at, |u| u.at);
    now.max(notice.updated_at).max(last_update)
}

fn check_not_past(field: &str, at: Option<Timestamp>, now: Timestamp) -> Result<(), InvalidField> {
    match at {
        Some(at) if at <= now => Err(InvalidField::new(
            field,
            format!("{at} is in the past (now {now}): a notice that has ended is never shown"),
        )),
        _ => Ok(()),
    }
}

fn check_link_field(link: Option<&str>, link_hosts: &[String]) -> Result<(), InvalidField> {
    match link {
        Some(link) => check_link(link, link_hosts).map_err(|e| e.within("link")),
        None => Ok(()),
    }
}

impl CreateNotice {
    /// The first revision. `id` is used when the draft has none.
    pub fn into_notice(
        self,
        now: Timestamp,
        link_hosts: &[String],
        id: impl FnOnce(Severity, &[Component]) -> Result<NoticeId, InvalidField>,
    ) -> Result<Notice, InvalidField> {
        let components = self.components.unwrap_or_default();
        let id = match self.id {
            Some(id) => id,
            None => id(self.severity, &components)?,
        };
        let notice = Notice {
            id,
            revision: 1,
            severity: self.severity,
            status: self.status.unwrap_or(default_status(self.severity)),
            title: self.title.into_text("title")?,
            body: self.body.into_text("body")?,
            components,
            platforms: self.platforms.unwrap_or_default(),
            app_versions: self.app_versions,
            created_at: now,
            updated_at: now,
            show_from: self.show_from,
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            dismissible: self
                .dismissible
                .unwrap_or(default_dismissible(self.severity)),
            link: self.link,
            updates: Vec::new(),
        };
        notice.validate()?;
        check_not_past("ends_at", notice.ends_at, now)?;
        check_link_field(notice.link.as_deref(), link_hosts)?;
        Ok(notice)
    }
}

fn required<T>(field: &str, value: Option<T>) -> Result<T, InvalidField> {
    value.ok_or_else(|| InvalidField::new(field, "cannot be cleared; give a value"))
}

impl EditNotice {
    /// Whether the edit changes nothing at all.
    pub fn is_empty(&self) -> bool {
        self.severity.is_none()
            && self.status.is_none()
            && self.title.is_none()
            && self.body.is_none()
            && self.components.is_none()
            && self.platforms.is_none()
            && self.app_versions.is_none()
            && self.show_from.is_none()
            && self.starts_at.is_none()
            && self.ends_at.is_none()
            && self.dismissible.is_none()
            && self.link.is_none()
    }

    /// The next revision of `current` with this edit applied.
    pub fn apply(
        self,
        current: &Notice,
        now: Timestamp,
        link_hosts: &[String],
    ) -> Result<Notice, AppError> {
        if self.is_empty() {
            return Err(AppError::InvalidJson {
                status: axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                message: "the edit names no field to change".to_owned(),
            });
        }
        let at = change_time(current, now);
        let mut next = current.clone();
        if let Some(severity) = self.severity {
            next.severity = required("severity", severity)?;
        }
        if let Some(status) = self.status {
            next.status = required("status", status)?;
        }
        if let Some(title) = self.title {
            next.title = required("title", title)?.into_text("title")?;
        }
        if let Some(body) = self.body {
            next.body = required("body", body)?.into_text("body")?;
        }
        if let Some(components) = self.components {
            next.components = components.unwrap_or_default();
        }
        if let Some(platforms) = self.platforms {
            next.platforms = platforms.unwrap_or_default();
        }
        if let Some(app_versions) = self.app_versions {
            next.app_versions = app_versions;
        }
        if let Some(show_from) = self.show_from {
            next.show_from = show_from;
        }
        if let Some(starts_at) = self.starts_at {
            next.starts_at = starts_at;
        }
        let ends_changed = self.ends_at.is_some();
        if let Some(ends_at) = self.ends_at {
            next.ends_at = ends_at;
        }
        if let Some(dismissible) = self.dismissible {
            next.dismissible = dismissible.unwrap_or(default_dismissible(next.severity));
        }
        let link_changed = self.link.is_some();
        if let Some(link) = self.link {
            next.link = link;
        }
        next.revision = current.revision.saturating_add(1);
        next.updated_at = at;
        next.validate()?;
        if ends_changed {
            check_not_past("ends_at", next.ends_at, now)?;
        }
        if link_changed {
            check_link_field(next.link.as_deref(), link_hosts)?;
        }
        Ok(next)
    }
}

fn check_room_for_update(notice: &Notice) -> Result<(), AppError> {
    if notice.updates.len() >= MAX_UPDATES {
        return Err(AppError::Conflict(format!(
            "notice `{}` has {MAX_UPDATES} updates, the most one notice can carry; resolve it and post a new notice",
            notice.id
        )));
    }
    Ok(())
}

fn message_text(input: TextInput) -> Result<LocalizedText, InvalidField> {
    let text = input.into_text("message")?;
    text.check_plain(MAX_MESSAGE_CHARS, true)
        .map_err(|e| e.within("message"))?;
    Ok(text)
}

impl PostUpdate {
    /// The next revision of `current` with this timeline entry appended and its status set.
    pub fn apply(self, current: &Notice, now: Timestamp) -> Result<Notice, AppError> {
        check_room_for_update(current)?;
        if !self.status.fits(current.severity) {
            let allowed = if current.severity.is_maintenance() {
                "scheduled, in_progress or completed"
            } else {
                "investigating, identified, monitoring or resolved"
            };
            return Err(InvalidField::new(
                "status",
                format!(
                    "`{}` does not fit a {} notice; use {allowed}",
                    self.status, current.severity
                ),
            )
            .into());
        }
        let message = message_text(self.message)?;
        let at = change_time(current, now);
        let mut next = current.clone();
        next.updates.push(Update {
            at,
            status: self.status,
            message,
        });
        next.status = self.status;
        next.revision = current.revision.saturating_add(1);
        next.updated_at = at;
        next.validate()?;
        Ok(next)
    }
}

/// The default closing message, in the languages the app ships.
fn default_resolution(severity: Severity) -> Result<LocalizedText, InvalidField> {
    let texts: [(&str, &str); 3] = if severity.is_maintenance() {
        [
            ("en", "Maintenance completed."),
            ("nl", "Onderhoud voltooid."),
            ("de", "Wartung abgeschlossen."),
        ]
    } else {
        [("en", "Resolved."), ("nl", "Opgelost."), ("de", "Behoben.")]
    };
    let pairs = texts
        .iter()
        .map(|(lang, text)| LanguageTag::parse(lang).map(|tag| (tag, *text)))
        .collect::<Result<Vec<_>, _>>()?;
    LocalizedText::from_pairs(pairs)
}

impl Resolve {
    /// The next revision of `current`, resolved (incidents) or completed (maintenance).
    pub fn apply(self, current: &Notice, now: Timestamp) -> Result<Notice, AppError> {
        if current.status.is_closed() {
            return Err(AppError::Conflict(format!(
                "notice `{}` is already {}",
                current.id, current.status
            )));
        }
        let status = if current.severity.is_maintenance() {
            Status::Completed
        } else {
            Status::Resolved
        };
        let message = match self.message {
            Some(input) => message_text(input)?,
            None => default_resolution(current.severity)?,
        };
        PostUpdate::apply_text(current, status, message, now)
    }
}

impl PostUpdate {
    fn apply_text(
        current: &Notice,
        status: Status,
        message: LocalizedText,
        now: Timestamp,
    ) -> Result<Notice, AppError> {
        check_room_for_update(current)?;
        let at = change_time(current, now);
        let mut next = current.clone();
        next.updates.push(Update {
            at,
            status,
            message,
        });
        next.status = status;
        next.revision = current.revision.saturating_add(1);
        next.updated_at = at;
        next.validate()?;
        Ok(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_790_000_000; // 2026-09-21

    fn now() -> Timestamp {
        Timestamp::from_unix(NOW)
    }

    fn hosts() -> Vec<String> {
        vec!["yivi.app".to_owned()]
    }

    fn create(json: serde_json::Value) -> Result<Notice, InvalidField> {
        let draft: CreateNotice =
            serde_json::from_value(json).map_err(|e| InvalidField::new("", e.to_string()))?;
        draft.into_notice(now(), &hosts(), |severity, components| {
            generate_id(now(), severity, components, 0x3f9a)
        })
    }

    fn minimal() -> serde_json::Value {
        serde_json::json!({"severity": "outage", "title": {"en": "PIN check down"}, "body": {"en": "We are on it."}})
    }

    #[test]
    fn defaults_follow_the_severity() {
        let notice = create(minimal()).unwrap();
        assert_eq!(notice.status, Status::Investigating);
        assert!(!notice.dismissible);
        assert_eq!(notice.revision, 1);
        assert_eq!(notice.id.as_str(), "2026-09-21-outage-3f9a");

        let mut json = minimal();
        json["severity"] = "maintenance".into();
        json["starts_at"] = "2026-10-01T01:00:00Z".into();
        json["ends_at"] = "2026-10-01T03:00:00+01:00".into();
        json["components"] = serde_json::json!(["keyshare"]);
        let notice = create(json).unwrap();
        assert_eq!(notice.status, Status::Scheduled);
        assert!(notice.dismissible);
        assert_eq!(notice.id.as_str(), "2026-09-21-keyshare-3f9a");
    }

    fn check_field(json: serde_json::Value, field: &str) {
        let err = create(json.clone()).unwrap_err();
        assert_eq!(err.field, field, "{json}: {err}");
    }

    #[test]
    fn conversion_errors_name_the_operators_field() {
        let mut j = minimal();
        j["title"] = serde_json::json!({"nl": "Storing"});
        check_field(j, "title.en");

        let mut j = minimal();
        j["title"] = serde_json::json!({"en": "a", "EN": "b"});
        check_field(j, "title.EN");

        let draft: CreateNotice = serde_json::from_str(
            r#"{"severity": "info", "title": {"en": "a", "nl": "b", "nl": "c"}, "body": {"en": "x"}}"#,
        )
        .unwrap();
        let err = draft
            .into_notice(now(), &hosts(), |s, c| generate_id(now(), s, c, 1))
            .unwrap_err();
        assert_eq!(err.field, "title.nl");

        let mut j = minimal();
        j["title"] = serde_json::json!({"en": "x".repeat(201)});
        check_field(j, "title.en");

        let mut j = minimal();
        j["starts_at"] = "2026-10-02T00:00:00Z".into();
        j["ends_at"] = "2026-10-01T00:00:00Z".into();
        check_field(j, "ends_at");

        let mut j = minimal();
        j["ends_at"] = "2020-01-01T00:00:00Z".into();
        check_field(j, "ends_at");

        let mut j = minimal();
        j["link"] = "http://yivi.app/status".into();
        check_field(j, "link");

        let mut j = minimal();
        j["link"] = "https://evil.example/".into();
        check_field(j, "link");

        let mut j = minimal();
        j["status"] = "scheduled".into();
        check_field(j, "status");
    }

    #[test]
    fn edits_bump_the_revision_and_null_clears() {
        let mut j = minimal();
        j["link"] = "https://yivi.app/status".into();
        j["components"] = serde_json::json!(["keyshare"]);
        let notice = create(j).unwrap();
        let edit: EditNotice = serde_json::from_value(
            serde_json::json!({"link": null, "components": null, "title": {"en": "Still down"}}),
        )
        .unwrap();
        let later = now().plus_seconds(60);
        let next = edit.apply(&notice, later, &hosts()).unwrap();
        assert_eq!(next.revision, 2);
        assert_eq!(next.link, None);
        assert!(next.components.is_empty());
        assert_eq!(next.title.en(), "Still down");
        assert_eq!(next.updated_at, later);
        assert_eq!(next.created_at, notice.created_at);

        let clear_title: EditNotice =
            serde_json::from_value(serde_json::json!({"title": null})).unwrap();
        match clear_title.apply(&notice, later, &hosts()) {
            Err(AppError::InvalidField { field, .. }) => assert_eq!(field, "title"),
            other => panic!("{other:?}"),
        }
        let empty = EditNotice::default();
        assert!(matches!(
            empty.apply(&notice, later, &hosts()),
            Err(AppError::InvalidJson { .. })
        ));
    }

    #[test]
    fn updates_append_and_must_fit_the_lifecycle() {
        let notice = create(minimal()).unwrap();
        let update: PostUpdate = serde_json::from_value(
            serde_json::json!({"status": "identified", "message": {"en": "Database overheated.", "nl": "Database oververhit."}}),
        )
        .unwrap();
        let next = update.apply(&notice, now().plus_seconds(10)).unwrap();
        assert_eq!(next.status, Status::Identified);
        assert_eq!(next.updates.len(), 1);
        assert_eq!(next.revision, 2);

        let wrong: PostUpdate = serde_json::from_value(
            serde_json::json!({"status": "in_progress", "message": {"en": "x"}}),
        )
        .unwrap();
        assert!(
            matches!(wrong.apply(&notice, now()), Err(AppError::InvalidField { field, .. }) if field == "status")
        );

        let no_en: PostUpdate = serde_json::from_value(
            serde_json::json!({"status": "identified", "message": {"nl": "x"}}),
        )
        .unwrap();
        assert!(
            matches!(no_en.apply(&notice, now()), Err(AppError::InvalidField { field, .. }) if field == "message.en")
        );
    }

    #[test]
    fn resolving_appends_a_localized_default_and_only_once() {
        let notice = create(minimal()).unwrap();
        let resolved = Resolve::default().apply(&notice, now()).unwrap();
        assert_eq!(resolved.status, Status::Resolved);
        let message = &resolved.updates[0].message;
        assert_eq!(message.en(), "Resolved.");
        assert_eq!(
            message.get(&LanguageTag::parse("nl").unwrap()),
            Some("Opgelost.")
        );
        assert_eq!(
            message.get(&LanguageTag::parse("de").unwrap()),
            Some("Behoben.")
        );
        assert!(matches!(
            Resolve::default().apply(&resolved, now()),
            Err(AppError::Conflict(_))
        ));
    }

    #[test]
    fn a_clock_stepped_back_does_not_reorder_the_timeline() {
        let notice = create(minimal()).unwrap();
        let update: PostUpdate = serde_json::from_value(
            serde_json::json!({"status": "identified", "message": {"en": "x"}}),
        )
        .unwrap();
        let next = update.apply(&notice, now().plus_seconds(-3600)).unwrap();
        assert_eq!(next.updates[0].at, notice.updated_at);
        assert!(next.validate().is_ok());
    }
}
