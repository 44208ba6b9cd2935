//! A notice: what an operator says and what an app shows.

use std::fmt;

use serde::{Deserialize, Serialize};

// The link rules live in `link`; the tests below reach them through here.
use crate::limits::{
    MAX_BODY_CHARS, MAX_COMPONENTS, MAX_MESSAGE_CHARS, MAX_TITLE_CHARS, MAX_UPDATES,
};
use crate::link::check_link_syntax;
#[cfg(test)]
use crate::link::{check_checked_link, check_link};
use crate::{Component, InvalidField, LocalizedText, NoticeId, Timestamp};

/// How bad it is. The declaration order is the display order: outages first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The service does not work (e.g. PIN validation is down).
    Outage,
    /// The service works partly or slowly.
    Degraded,
    /// Planned work, announced ahead.
    Maintenance,
    /// Anything else users should know.
    Info,
}

impl Severity {
    /// Every severity, in display order.
    pub const ALL: [Severity; 4] = [
        Severity::Outage,
        Severity::Degraded,
        Severity::Maintenance,
        Severity::Info,
    ];

    /// The wire name (`outage`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Outage => "outage",
            Severity::Degraded => "degraded",
            Severity::Maintenance => "maintenance",
            Severity::Info => "info",
        }
    }

    /// Maintenance follows the maintenance lifecycle; every other severity the incident lifecycle.
    pub fn is_maintenance(self) -> bool {
        self == Severity::Maintenance
    }

    /// Where a new notice of this severity starts: `scheduled` for maintenance, `investigating` otherwise.
    pub fn initial_status(self) -> Status {
        if self.is_maintenance() {
            Status::Scheduled
        } else {
            Status::Investigating
        }
    }

    /// The status that closes a notice of this severity: `completed` for maintenance, `resolved` otherwise.
    pub fn closing_status(self) -> Status {
        if self.is_maintenance() {
            Status::Completed
        } else {
            Status::Resolved
        }
    }
}

impl std::str::FromStr for Severity {
    type Err = InvalidField;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Severity::ALL
            .into_iter()
            .find(|severity| severity.as_str() == s)
            .ok_or_else(|| {
                InvalidField::new(
                    "",
                    format!(
                        "unknown severity `{}` (use outage, degraded, maintenance or info)",
                        s.escape_debug()
                    ),
                )
            })
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a notice is in its lifecycle.
///
/// Incidents (outage, degraded, info) go `investigating → identified → monitoring → resolved`; maintenance goes
/// `scheduled → in_progress → completed`. [`Status::fits`] says which belong to which.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Something is wrong; the cause is not known yet.
    Investigating,
    /// The cause is known; a fix is under way.
    Identified,
    /// A fix is in place; watching that it holds.
    Monitoring,
    /// Over.
    Resolved,
    /// Maintenance announced for later.
    Scheduled,
    /// Maintenance happening now.
    InProgress,
    /// Maintenance over.
    Completed,
}

impl Status {
    /// Every status: the incident lifecycle, then the maintenance lifecycle.
    pub const ALL: [Status; 7] = [
        Status::Investigating,
        Status::Identified,
        Status::Monitoring,
        Status::Resolved,
        Status::Scheduled,
        Status::InProgress,
        Status::Completed,
    ];

    /// The wire name (`investigating`, `in_progress`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Investigating => "investigating",
            Status::Identified => "identified",
            Status::Monitoring => "monitoring",
            Status::Resolved => "resolved",
            Status::Scheduled => "scheduled",
            Status::InProgress => "in_progress",
            Status::Completed => "completed",
        }
    }

    /// Whether this status belongs to the lifecycle of `severity`.
    pub fn fits(self, severity: Severity) -> bool {
        let maintenance_status = matches!(
            self,
            Status::Scheduled | Status::InProgress | Status::Completed
        );
        maintenance_status == severity.is_maintenance()
    }

    /// Resolved or completed: the notice is history and apps no longer show it.
    pub fn is_closed(self) -> bool {
        matches!(self, Status::Resolved | Status::Completed)
    }
}

impl std::str::FromStr for Status {
    type Err = InvalidField;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Status::ALL.into_iter().find(|status| status.as_str() == s).ok_or_else(|| {
            InvalidField::new(
                "",
                format!(
                    "unknown status `{}` (incidents: investigating, identified, monitoring, resolved; maintenance: scheduled, in_progress, completed)",
                    s.escape_debug()
                ),
            )
        })
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The app platforms a notice can target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Platform {
    /// Android phones.
    Android,
    /// iPhones.
    Ios,
}

impl Platform {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Android => "android",
            Platform::Ios => "ios",
        }
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Platform {
    type Err = InvalidField;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "android" => Ok(Platform::Android),
            "ios" => Ok(Platform::Ios),
            other => Err(InvalidField::new(
                "",
                format!(
                    "unknown platform `{}` (use android or ios)",
                    other.escape_debug()
                ),
            )),
        }
    }
}

/// One entry of a notice's append-only timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Update {
    /// When the update was posted.
    pub at: Timestamp,
    /// The notice's status from this update on.
    pub status: Status,
    /// What happened, localized.
    pub message: LocalizedText,
}

/// A notice as signed into a feed.
///
/// Fields are public for building and reading; [`Notice::validate`] holds every rule and runs when a notice is
/// parsed from the wire and before one is signed, so an invalid notice never leaves a writer nor reaches an app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "NoticeFields")]
pub struct Notice {
    /// Stable id across revisions.
    pub id: NoticeId,
    /// Bumped on every change; a user's dismissal applies to one id + revision.
    pub revision: u64,
    /// How bad it is.
    pub severity: Severity,
    /// Where it is in its lifecycle; must fit the severity.
    pub status: Status,
    /// One line, localized, `en` required.
    pub title: LocalizedText,
    /// A few sentences, localized, `en` required.
    pub body: LocalizedText,
    /// Affected components, e.g. `keyshare`. Informational.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub components: Vec<Component>,
    /// Platforms to show on; empty means all.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub platforms: Vec<Platform>,
    /// App versions to show on, as a semver requirement (`<25.4.0`); absent means all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_versions: Option<semver::VersionReq>,
    /// When the notice was first posted.
    pub created_at: Timestamp,
    /// When this revision was made.
    pub updated_at: Timestamp,
    /// Not shown before this time (announce maintenance ahead); absent means at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub show_from: Option<Timestamp>,
    /// When the event starts (maintenance: required).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starts_at: Option<Timestamp>,
    /// When the event ends; not shown from then on (maintenance: required).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ends_at: Option<Timestamp>,
    /// Whether a user may hide this revision.
    pub dismissible: bool,
    /// An https link for more information, to a host the root document allows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    /// Timeline, oldest first; append-only.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub updates: Vec<Update>,
}

/// The wire shape before validation; see [`Notice`] for the meaning of each field.
#[derive(Deserialize)]
struct NoticeFields {
    id: NoticeId,
    revision: u64,
    severity: Severity,
    status: Status,
    title: LocalizedText,
    body: LocalizedText,
    #[serde(
        default,
        deserialize_with = "crate::bounded::vec::<_, _, MAX_COMPONENTS>"
    )]
    components: Vec<Component>,
    #[serde(default, deserialize_with = "crate::bounded::vec::<_, _, 2>")]
    platforms: Vec<Platform>,
    #[serde(default)]
    app_versions: Option<semver::VersionReq>,
    created_at: Timestamp,
    updated_at: Timestamp,
    #[serde(default)]
    show_from: Option<Timestamp>,
    #[serde(default)]
    starts_at: Option<Timestamp>,
    #[serde(default)]
    ends_at: Option<Timestamp>,
    dismissible: bool,
    #[serde(default)]
    link: Option<String>,
    #[serde(default, deserialize_with = "crate::bounded::vec::<_, _, MAX_UPDATES>")]
    updates: Vec<Update>,
}

impl TryFrom<NoticeFields> for Notice {
    type Error = InvalidField;
    fn try_from(f: NoticeFields) -> Result<Self, Self::Error> {
        let notice = Notice {
            id: f.id,
            revision: f.revision,
            severity: f.severity,
            status: f.status,
            title: f.title,
            body: f.body,
            components: f.components,
            platforms: f.platforms,
            app_versions: f.app_versions,
            created_at: f.created_at,
            updated_at: f.updated_at,
            show_from: f.show_from,
            starts_at: f.starts_at,
            ends_at: f.ends_at,
            dismissible: f.dismissible,
            link: f.link,
            updates: f.updates,
        };
        notice.validate()?;
        Ok(notice)
    }
}

impl Notice {
    /// Checks every rule of a notice. Link hosts are checked against a root's allow-list separately
    /// ([`check_link`](crate::check_link)), since which hosts are allowed is the feed owner's policy.
    pub fn validate(&self) -> Result<(), InvalidField> {
        if self.revision == 0 {
            return Err(InvalidField::new("revision", "starts at 1"));
        }
        if !self.status.fits(self.severity) {
            return Err(InvalidField::new(
                "status",
                status_mismatch(self.status, self.severity),
            ));
        }
        self.title
            .check_plain(MAX_TITLE_CHARS, false)
            .map_err(|e| e.within("title"))?;
        self.body
            .check_plain(MAX_BODY_CHARS, true)
            .map_err(|e| e.within("body"))?;
        check_unique("components", &self.components, MAX_COMPONENTS)?;
        check_unique("platforms", &self.platforms, 2)?;
        if self.updated_at < self.created_at {
            return Err(InvalidField::new("updated_at", "is before created_at"));
        }
        if self.severity.is_maintenance() {
            if self.starts_at.is_none() {
                return Err(InvalidField::new(
                    "starts_at",
                    "maintenance needs a start time",
                ));
            }
            if self.ends_at.is_none() {
                return Err(InvalidField::new(
                    "ends_at",
                    "maintenance needs an end time",
                ));
            }
        }
        if let (Some(starts), Some(ends)) = (self.starts_at, self.ends_at)
            && ends <= starts
        {
            return Err(InvalidField::new(
                "ends_at",
                format!("{ends} is not after starts_at {starts}"),
            ));
        }
        if let (Some(show), Some(ends)) = (self.show_from, self.ends_at)
            && ends <= show
        {
            return Err(InvalidField::new(
                "ends_at",
                format!("{ends} is not after show_from {show}"),
            ));
        }
        if let Some(link) = &self.link {
            check_link_syntax(link).map_err(|e| e.within("link"))?;
        }
        if self.updates.len() > MAX_UPDATES {
            return Err(InvalidField::new(
                "updates",
                format!("at most {MAX_UPDATES} updates"),
            ));
        }
        let mut previous: Option<Timestamp> = None;
        for (i, update) in self.updates.iter().enumerate() {
            // The path is only spelled out for an error: this runs for every update on every refresh.
            let at = |e: InvalidField| e.within(&format!("updates[{i}]"));
            if !update.status.fits(self.severity) {
                return Err(at(InvalidField::new(
                    "status",
                    status_mismatch(update.status, self.severity),
                )));
            }
            update
                .message
                .check_plain(MAX_MESSAGE_CHARS, true)
                .map_err(|e| at(e.within("message")))?;
            if previous.is_some_and(|p| update.at < p) {
                return Err(at(InvalidField::new(
                    "at",
                    "updates must be in time order, oldest first",
                )));
            }
            previous = Some(update.at);
        }
        Ok(())
    }

    /// The latest update, if any.
    pub fn latest_update(&self) -> Option<&Update> {
        self.updates.last()
    }
}

fn status_mismatch(status: Status, severity: Severity) -> String {
    if severity.is_maintenance() {
        format!(
            "`{status}` is an incident status; maintenance uses scheduled, in_progress or completed"
        )
    } else {
        format!(
            "`{status}` is a maintenance status; {severity} uses investigating, identified, monitoring or resolved"
        )
    }
}

fn check_unique<T: PartialEq>(field: &str, items: &[T], max: usize) -> Result<(), InvalidField> {
    if items.len() > max {
        return Err(InvalidField::new(field, format!("at most {max} entries")));
    }
    // At most `max` (16) entries: comparing each with those before it beats building a set.
    if items
        .iter()
        .enumerate()
        .any(|(i, item)| items[..i].contains(item))
    {
        return Err(InvalidField::new(field, "lists an entry twice"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_host_of_a_checked_link_is_read_as_the_url_parser_reads_it() {
        let hosts = vec!["yivi.app".to_owned()];
        for link in [
            "https://yivi.app/",
            "https://yivi.app/status?lang=nl",
            "https://yivi.app/#incident",
            "https://yivi.app.evil.example/",
            "https://evil.example/yivi.app",
            "https://evil.example/?next=https://yivi.app/",
            "https://xn--yvi-cla.app/",
        ] {
            if check_link_syntax(link).is_ok() {
                assert_eq!(
                    check_checked_link(link, &hosts).is_ok(),
                    check_link(link, &hosts).is_ok(),
                    "{link}"
                );
            }
        }
    }

    #[test]
    fn names_parse_back_to_their_values() {
        for severity in Severity::ALL {
            assert_eq!(severity.as_str().parse::<Severity>().unwrap(), severity);
            assert!(
                severity.initial_status().fits(severity)
                    && severity.closing_status().fits(severity)
            );
            assert!(
                severity.closing_status().is_closed() && !severity.initial_status().is_closed()
            );
        }
        for status in Status::ALL {
            assert_eq!(status.as_str().parse::<Status>().unwrap(), status);
        }
        assert!(
            "critical"
                .parse::<Severity>()
                .unwrap_err()
                .reason
                .contains("outage, degraded")
        );
        assert!("done".parse::<Status>().is_err());
    }

    #[test]
    fn statuses_fit_their_lifecycle() {
        assert!(Status::Investigating.fits(Severity::Outage));
        assert!(Status::Resolved.fits(Severity::Info));
        assert!(!Status::Scheduled.fits(Severity::Outage));
        assert!(Status::InProgress.fits(Severity::Maintenance));
        assert!(!Status::Identified.fits(Severity::Maintenance));
    }

    #[test]
    fn links_must_be_plain_https_to_an_allowed_domain() {
        let hosts = vec!["yivi.app".to_owned()];
        assert!(check_link("https://yivi.app/status", &hosts).is_ok());
        for (bad, why) in [
            ("http://yivi.app/", "https"),
            ("https://yivi.app@evil.example/", "user name"),
            ("https://evil.example/", "not allowed"),
            ("https://yivi.app:8443/", "port"),
            ("https://192.0.2.1/", "domain"),
            ("https://YIVI.app/", "normal form"),
            ("javascript:alert(1)", "https"),
        ] {
            let err = check_link(bad, &hosts).unwrap_err();
            assert!(err.reason.contains(why), "{bad}: {err}");
        }
        assert!(
            check_link("https://yivi.app/", &[])
                .unwrap_err()
                .reason
                .contains("no links")
        );
    }
}
