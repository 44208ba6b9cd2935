//! [`NoticeBuilder`]: every test notice, from one of three presets changed where a test needs it.

use notice_types::{
    Component, LocalizedText, Notice, NoticeId, Platform, Severity, Status, Timestamp, Update,
};

use crate::signing::{HOUR, T0, text};

/// Builds a [`Notice`] as a feed carries it: start from a preset, change what the test is about, then
/// [`build`](NoticeBuilder::build).
///
/// Times are offsets in seconds from the moment the notice was posted ([`T0`] unless
/// [`posted_at`](NoticeBuilder::posted_at) says otherwise), so moving a notice in time moves all of it.
///
/// ```
/// use notice_tests::{HOUR, NoticeBuilder};
/// use notice_types::Status;
///
/// let outage = NoticeBuilder::outage("keyshare-down")
///     .revision(2)
///     .update(HOUR, Status::Identified, &[("en", "Found it.")])
///     .build();
/// assert_eq!(outage.updates.len(), 2);
/// let maintenance = NoticeBuilder::maintenance("db-upgrade").window(0, HOUR, 2 * HOUR).build();
/// assert!(maintenance.dismissible);
/// ```
#[derive(Debug, Clone)]
pub struct NoticeBuilder {
    id: String,
    revision: u64,
    severity: Severity,
    status: Status,
    title: LocalizedText,
    body: LocalizedText,
    components: Vec<String>,
    platforms: Vec<Platform>,
    app_versions: Option<String>,
    posted: Timestamp,
    updated: i64,
    show_from: Option<i64>,
    starts_at: Option<i64>,
    ends_at: Option<i64>,
    dismissible: bool,
    link: Option<String>,
    updates: Vec<(i64, Status, LocalizedText)>,
}

impl NoticeBuilder {
    /// The post-mortem's outage: PIN validation down, in English, Dutch and German, component `keyshare`,
    /// started when posted, a link to `https://yivi.app/status`, one timeline entry ("We are
    /// investigating."), not dismissible. (The committed test vectors carry exactly this notice.)
    pub fn outage(id: &str) -> Self {
        Self {
            title: text(&[
                ("en", "PIN validation is down"),
                ("nl", "Pincode controleren werkt niet"),
                ("de", "PIN-Prüfung ist gestört"),
            ]),
            body: text(&[
                (
                    "en",
                    "You cannot log in to the Yivi app right now. We are working on it.",
                ),
                (
                    "nl",
                    "Je kunt nu niet inloggen in de Yivi-app. We werken eraan.",
                ),
                (
                    "de",
                    "Die Anmeldung in der Yivi-App ist gerade nicht möglich. Wir arbeiten daran.",
                ),
            ]),
            components: vec!["keyshare".to_owned()],
            starts_at: Some(0),
            link: Some("https://yivi.app/status".to_owned()),
            updates: vec![(
                0,
                Status::Investigating,
                text(&[
                    ("en", "We are investigating."),
                    ("nl", "We zoeken het uit."),
                ]),
            )],
            ..Self::new(id, Severity::Outage)
        }
    }

    /// Planned maintenance in English and Dutch, component `keyshare`, dismissible, announced at once and
    /// running from one to three hours after it was posted (see [`window`](NoticeBuilder::window)).
    pub fn maintenance(id: &str) -> Self {
        Self {
            title: text(&[("en", "Planned maintenance"), ("nl", "Gepland onderhoud")]),
            body: text(&[
                ("en", "The app may be unavailable for a short time."),
                ("nl", "De app is even niet beschikbaar."),
            ]),
            components: vec!["keyshare".to_owned()],
            ..Self::new(id, Severity::Maintenance)
        }
    }

    /// A plain notice of `severity`: English only ("Test notice ID"), its severity's first status,
    /// dismissible unless an outage; maintenance runs from one to three hours after it was posted.
    pub fn new(id: &str, severity: Severity) -> Self {
        let maintenance = severity.is_maintenance();
        Self {
            id: id.to_owned(),
            revision: 1,
            severity,
            status: severity.initial_status(),
            title: LocalizedText::english(format!("Test notice {id}")),
            body: LocalizedText::english("Something happened; this is a test."),
            components: Vec::new(),
            platforms: Vec::new(),
            app_versions: None,
            posted: Timestamp::from_unix(T0),
            updated: 0,
            show_from: None,
            starts_at: maintenance.then_some(HOUR),
            ends_at: maintenance.then_some(3 * HOUR),
            dismissible: severity != Severity::Outage,
            link: None,
            updates: Vec::new(),
        }
    }

    /// When it was first posted (`created_at`); every other time is an offset from this.
    pub fn posted_at(mut self, at: Timestamp) -> Self {
        self.posted = at;
        self
    }

    /// When this revision was made, as an offset from posting (default 0: `updated_at = created_at`).
    pub fn updated(mut self, offset: i64) -> Self {
        self.updated = offset;
        self
    }

    /// The revision (default 1).
    pub fn revision(mut self, revision: u64) -> Self {
        self.revision = revision;
        self
    }

    /// The severity; status and dismissibility stay as they are (say so with
    /// [`status`](NoticeBuilder::status) and [`dismissible`](NoticeBuilder::dismissible) where it matters).
    pub fn severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    /// The status (default: the severity's first).
    pub fn status(mut self, status: Status) -> Self {
        self.status = status;
        self
    }

    /// The title, as `(language, text)` pairs; English is required.
    pub fn title(mut self, pairs: &[(&str, &str)]) -> Self {
        self.title = text(pairs);
        self
    }

    /// The body, as `(language, text)` pairs; English is required.
    pub fn body(mut self, pairs: &[(&str, &str)]) -> Self {
        self.body = text(pairs);
        self
    }

    /// English title and body only.
    pub fn english(self, title: &str, body: &str) -> Self {
        self.title(&[("en", title)]).body(&[("en", body)])
    }

    /// The affected components (default: none, or `keyshare` for the outage and maintenance presets).
    pub fn components(mut self, components: &[&str]) -> Self {
        self.components = components.iter().map(|c| (*c).to_owned()).collect();
        self
    }

    /// The platforms to show on (default: all).
    pub fn platforms(mut self, platforms: &[Platform]) -> Self {
        self.platforms = platforms.to_vec();
        self
    }

    /// The app versions to show on, as a semver requirement (default: all).
    pub fn app_versions(mut self, requirement: &str) -> Self {
        self.app_versions = Some(requirement.to_owned());
        self
    }

    /// Not shown before this offset from posting (`None`: at once).
    pub fn show_from(mut self, offset: impl Into<Option<i64>>) -> Self {
        self.show_from = offset.into();
        self
    }

    /// When the event starts, as an offset from posting (`None`: not set).
    pub fn starts_at(mut self, offset: impl Into<Option<i64>>) -> Self {
        self.starts_at = offset.into();
        self
    }

    /// When the event ends, as an offset from posting (`None`: not set).
    pub fn ends_at(mut self, offset: impl Into<Option<i64>>) -> Self {
        self.ends_at = offset.into();
        self
    }

    /// Shown from `show_from`, running from `starts_at` to `ends_at` (offsets from posting).
    pub fn window(self, show_from: i64, starts_at: i64, ends_at: i64) -> Self {
        self.show_from(show_from)
            .starts_at(starts_at)
            .ends_at(ends_at)
    }

    /// Whether a user may hide it (default: all but outages).
    pub fn dismissible(mut self, dismissible: bool) -> Self {
        self.dismissible = dismissible;
        self
    }

    /// The link for more information (`None`: no link).
    pub fn link<'a>(mut self, link: impl Into<Option<&'a str>>) -> Self {
        self.link = link.into().map(str::to_owned);
        self
    }

    /// Appends a timeline entry at `offset` from posting.
    pub fn update(mut self, offset: i64, status: Status, message: &[(&str, &str)]) -> Self {
        self.updates.push((offset, status, text(message)));
        self
    }

    /// Removes every timeline entry (the outage preset has one).
    pub fn no_updates(mut self) -> Self {
        self.updates.clear();
        self
    }

    /// The notice. It is not validated: a test may build one that readers must refuse.
    ///
    /// # Panics
    /// When the id, a component or the app version requirement does not parse.
    pub fn build(&self) -> Notice {
        let at = |offset: i64| self.posted.plus_seconds(offset);
        Notice {
            id: NoticeId::parse(&self.id)
                .unwrap_or_else(|e| panic!("notice id {:?}: {e}", self.id)),
            revision: self.revision,
            severity: self.severity,
            status: self.status,
            title: self.title.clone(),
            body: self.body.clone(),
            components: self
                .components
                .iter()
                .map(|c| Component::parse(c).unwrap_or_else(|e| panic!("component {c:?}: {e}")))
                .collect(),
            platforms: self.platforms.clone(),
            app_versions: self.app_versions.as_ref().map(|r| {
                r.parse()
                    .unwrap_or_else(|e| panic!("app versions {r:?}: {e}"))
            }),
            created_at: self.posted,
            updated_at: at(self.updated),
            show_from: self.show_from.map(at),
            starts_at: self.starts_at.map(at),
            ends_at: self.ends_at.map(at),
            dismissible: self.dismissible,
            link: self.link.clone(),
            updates: self
                .updates
                .iter()
                .map(|(offset, status, message)| Update {
                    at: at(*offset),
                    status: *status,
                    message: message.clone(),
                })
                .collect(),
        }
    }
}

impl From<NoticeBuilder> for Notice {
    fn from(builder: NoticeBuilder) -> Notice {
        builder.build()
    }
}
