//! The page's own words in Dutch, English and German. Notice texts are not here: they come from the feed.

use notice_types::{Severity, Status};

use super::Lang;

/// Every fixed text of the page and the Atom feed in one language.
#[derive(Debug)]
pub struct Strings {
    /// Which language these are.
    pub lang: Lang,
    /// `{name}` is replaced by the site name.
    pub title: &'static str,
    /// Label of the language switcher (a `nav` landmark).
    pub languages: &'static str,
    /// Overall state: nothing open.
    pub all_operational: &'static str,
    /// Overall state: an outage is open.
    pub major_outage: &'static str,
    /// Overall state: something is degraded.
    pub degraded: &'static str,
    /// Overall state: maintenance is under way.
    pub maintenance_now: &'static str,
    /// Heading of the stale banner.
    pub stale_heading: &'static str,
    /// Body of the stale banner; `{confirmed}` and `{expired}` are replaced by times.
    pub stale_body: &'static str,
    /// Section: open incidents.
    pub current_incidents: &'static str,
    /// Section: open informational notices.
    pub announcements: &'static str,
    /// Section: maintenance under way.
    pub maintenance_in_progress: &'static str,
    /// Section: maintenance ahead.
    pub upcoming_maintenance: &'static str,
    /// Section: closed notices still in the feed.
    pub recently_resolved: &'static str,
    /// Before the time window.
    pub window: &'static str,
    /// Between the start and end of a window.
    pub until: &'static str,
    /// Before the components list.
    pub affects: &'static str,
    /// Before the platforms list.
    pub platforms: &'static str,
    /// Before the app version requirement.
    pub app_versions: &'static str,
    /// Heading of a notice's timeline.
    pub updates: &'static str,
    /// Before the time the notice was last changed.
    pub last_updated: &'static str,
    /// Text of a notice's link.
    pub more_information: &'static str,
    /// Status shown for an open notice whose window has passed.
    pub ended: &'static str,
    /// Footer: before the feed version.
    pub feed_version: &'static str,
    /// Footer: before the signing time.
    pub confirmed_at: &'static str,
    /// Footer: before the expiry.
    pub valid_until: &'static str,
    /// Heading of the component list.
    pub components: &'static str,
    /// A component with nothing open.
    pub operational: &'static str,
    /// An open incident: `{time}` (when it started) and `{duration}` (how long so far).
    pub since: &'static str,
    /// A closed one: `{duration}` and `{window}` (start – end).
    pub lasted: &'static str,
    /// The first entry of a timeline: the notice was posted.
    pub posted: &'static str,
    /// Summary of a resolved notice's original text (folded away).
    pub original_notice: &'static str,
    /// Link to, and heading of, the history page.
    pub history: &'static str,
    /// Intro of the history page; `{days}` is replaced.
    pub history_intro: &'static str,
    /// The history page without entries; `{days}` is replaced.
    pub history_empty: &'static str,
    /// Link from the history page back to the status page.
    pub back_to_status: &'static str,
    /// Footer: the time zone note; `{zone}` is replaced by the zone's name and abbreviation.
    pub times_in: &'static str,
    /// Title of the history page; `{name}` is replaced by the site name.
    pub history_title: &'static str,
    /// Link text of the Atom feed.
    pub subscribe: &'static str,
    /// Atom: subtitle of the feed.
    pub atom_subtitle: &'static str,
}

static NL: Strings = Strings {
    lang: Lang::Nl,
    title: "Status van {name}",
    languages: "Taal",
    all_operational: "Alle systemen werken normaal",
    major_outage: "Ernstige storing",
    degraded: "Sommige diensten werken beperkt",
    maintenance_now: "Er wordt onderhoud uitgevoerd",
    stale_heading: "Deze informatie is mogelijk verouderd",
    stale_body: "Deze pagina is voor het laatst bevestigd op {confirmed} en is verlopen op {expired}. Misschien kunnen we haar nu niet bijwerken; kijk later opnieuw.",
    current_incidents: "Actuele storingen",
    announcements: "Mededelingen",
    maintenance_in_progress: "Onderhoud bezig",
    upcoming_maintenance: "Gepland onderhoud",
    recently_resolved: "Recent opgelost",
    window: "Wanneer",
    until: "tot",
    affects: "Betreft",
    platforms: "Platforms",
    app_versions: "App-versies",
    updates: "Updates",
    last_updated: "Laatst bijgewerkt",
    more_information: "Meer informatie",
    ended: "Afgelopen",
    feed_version: "Feedversie",
    confirmed_at: "Laatst bevestigd",
    valid_until: "Geldig tot",
    components: "Onderdelen",
    operational: "Werkt normaal",
    since: "Sinds {time} ({duration})",
    lasted: "Duurde {duration} ({window})",
    posted: "Gemeld",
    original_notice: "Oorspronkelijke melding",
    history: "Eerdere storingen en onderhoud",
    history_intro: "Opgeloste storingen en afgerond onderhoud van de afgelopen {days} dagen, nieuwste eerst.",
    history_empty: "Geen storingen of onderhoud in de afgelopen {days} dagen.",
    back_to_status: "Terug naar de actuele status",
    times_in: "Alle tijden in {zone}.",
    history_title: "Geschiedenis van {name}",
    subscribe: "Abonneren (Atom-feed)",
    atom_subtitle: "Storingen en onderhoud",
};

static EN: Strings = Strings {
    lang: Lang::En,
    title: "{name} status",
    languages: "Language",
    all_operational: "All systems operational",
    major_outage: "Major outage",
    degraded: "Some services are degraded",
    maintenance_now: "Maintenance in progress",
    stale_heading: "This information may be stale",
    stale_body: "This page was last confirmed on {confirmed} and expired on {expired}. We may be unable to update it right now; check again later.",
    current_incidents: "Current incidents",
    announcements: "Announcements",
    maintenance_in_progress: "Maintenance in progress",
    upcoming_maintenance: "Upcoming maintenance",
    recently_resolved: "Recently resolved",
    window: "When",
    until: "until",
    affects: "Affects",
    platforms: "Platforms",
    app_versions: "App versions",
    updates: "Updates",
    last_updated: "Last updated",
    more_information: "More information",
    ended: "Ended",
    feed_version: "Feed version",
    confirmed_at: "Last confirmed",
    valid_until: "Valid until",
    components: "Components",
    operational: "Operational",
    since: "Since {time} ({duration})",
    lasted: "Lasted {duration} ({window})",
    posted: "Posted",
    original_notice: "Original notice",
    history: "Past incidents and maintenance",
    history_intro: "Resolved incidents and completed maintenance of the last {days} days, newest first.",
    history_empty: "No incidents or maintenance in the last {days} days.",
    back_to_status: "Back to the current status",
    times_in: "All times in {zone}.",
    history_title: "{name} history",
    subscribe: "Subscribe (Atom feed)",
    atom_subtitle: "Incidents and maintenance",
};

static DE: Strings = Strings {
    lang: Lang::De,
    title: "{name} Status",
    languages: "Sprache",
    all_operational: "Alle Systeme funktionieren normal",
    major_outage: "Schwere Störung",
    degraded: "Einige Dienste sind eingeschränkt",
    maintenance_now: "Wartung läuft",
    stale_heading: "Diese Informationen sind möglicherweise veraltet",
    stale_body: "Diese Seite wurde zuletzt am {confirmed} bestätigt und ist am {expired} abgelaufen. Möglicherweise können wir sie gerade nicht aktualisieren; schauen Sie später wieder vorbei.",
    current_incidents: "Aktuelle Störungen",
    announcements: "Mitteilungen",
    maintenance_in_progress: "Laufende Wartung",
    upcoming_maintenance: "Geplante Wartung",
    recently_resolved: "Kürzlich behoben",
    window: "Wann",
    until: "bis",
    affects: "Betrifft",
    platforms: "Plattformen",
    app_versions: "App-Versionen",
    updates: "Aktualisierungen",
    last_updated: "Zuletzt aktualisiert",
    more_information: "Weitere Informationen",
    ended: "Beendet",
    feed_version: "Feed-Version",
    confirmed_at: "Zuletzt bestätigt",
    valid_until: "Gültig bis",
    components: "Komponenten",
    operational: "Funktioniert",
    since: "Seit {time} ({duration})",
    lasted: "Dauerte {duration} ({window})",
    posted: "Gemeldet",
    original_notice: "Ursprüngliche Meldung",
    history: "Frühere Störungen und Wartungen",
    history_intro: "Behobene Störungen und abgeschlossene Wartungen der letzten {days} Tage, neueste zuerst.",
    history_empty: "Keine Störungen oder Wartungen in den letzten {days} Tagen.",
    back_to_status: "Zurück zum aktuellen Status",
    times_in: "Alle Zeiten in {zone}.",
    history_title: "{name} Verlauf",
    subscribe: "Abonnieren (Atom-Feed)",
    atom_subtitle: "Störungen und Wartung",
};

impl Strings {
    /// The texts of `lang`.
    pub fn of(lang: Lang) -> &'static Strings {
        match lang {
            Lang::Nl => &NL,
            Lang::En => &EN,
            Lang::De => &DE,
        }
    }

    /// The page title for a site called `name`.
    pub fn page_title(&self, name: &str) -> String {
        self.title.replace("{name}", name)
    }

    /// A severity as a word.
    pub fn severity(&self, severity: Severity) -> &'static str {
        match severity {
            Severity::Outage => self.pick("Storing", "Outage", "Störung"),
            Severity::Degraded => self.pick("Verminderde werking", "Degraded", "Eingeschränkt"),
            Severity::Maintenance => self.pick("Onderhoud", "Maintenance", "Wartung"),
            Severity::Info => self.pick("Informatie", "Information", "Information"),
        }
    }

    /// A status as words.
    pub fn status(&self, status: Status) -> &'static str {
        match status {
            Status::Investigating => {
                self.pick("Wordt onderzocht", "Investigating", "Wird untersucht")
            }
            Status::Identified => self.pick("Oorzaak gevonden", "Identified", "Ursache gefunden"),
            Status::Monitoring => self.pick("Wordt gevolgd", "Monitoring", "Wird beobachtet"),
            Status::Resolved => self.pick("Opgelost", "Resolved", "Behoben"),
            Status::Scheduled => self.pick("Gepland", "Scheduled", "Geplant"),
            Status::InProgress => self.pick("Bezig", "In progress", "Läuft"),
            Status::Completed => self.pick("Voltooid", "Completed", "Abgeschlossen"),
        }
    }

    fn pick(&self, nl: &'static str, en: &'static str, de: &'static str) -> &'static str {
        match self.lang {
            Lang::Nl => nl,
            Lang::En => en,
            Lang::De => de,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_has_its_own_words_for_every_severity_and_status() {
        for severity in Severity::ALL {
            let words: Vec<&str> = Lang::ALL
                .iter()
                .map(|l| Strings::of(*l).severity(severity))
                .collect();
            assert!(words.iter().all(|w| !w.is_empty()), "{severity}");
        }
        for status in Status::ALL {
            let nl = Strings::of(Lang::Nl).status(status);
            let en = Strings::of(Lang::En).status(status);
            assert_ne!(nl, en, "{status} is not translated to Dutch");
        }
        assert_eq!(Strings::of(Lang::De).page_title("Yivi"), "Yivi Status");
        assert_eq!(Strings::of(Lang::Nl).page_title("Yivi"), "Status van Yivi");
    }
}
