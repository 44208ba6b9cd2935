//! What the page shows at a given time: which section each notice belongs in, the overall state, and every
//! notice resolved to one language. Shared by the HTML page and the Atom feed, so they never disagree.

use notice_types::{
    Component, FeedPayload, LanguageTag, LocalizedText, Notice, Severity, Status, Timestamp,
    effective_status, fallback_chain, pick,
};

use super::local_time::{self, LocalTime};
use super::{Lang, Site, Strings};

/// Where a notice goes on the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Section {
    /// Open outages and degradations.
    Incidents,
    /// Open informational notices.
    Announcements,
    /// Maintenance whose start has passed and whose end has not.
    MaintenanceNow,
    /// Maintenance that has not started, including maintenance not yet announced in the app (`show_from`
    /// ahead): a status page is where people look ahead.
    UpcomingMaintenance,
    /// Closed notices still in the feed (the server keeps them for its retention period), and open ones whose
    /// window has ended.
    RecentlyResolved,
}

impl Section {
    /// Display order.
    pub const ALL: [Section; 5] = [
        Section::Incidents,
        Section::MaintenanceNow,
        Section::Announcements,
        Section::UpcomingMaintenance,
        Section::RecentlyResolved,
    ];

    /// The section's heading.
    pub fn heading(self, s: &Strings) -> &'static str {
        match self {
            Section::Incidents => s.current_incidents,
            Section::Announcements => s.announcements,
            Section::MaintenanceNow => s.maintenance_in_progress,
            Section::UpcomingMaintenance => s.upcoming_maintenance,
            Section::RecentlyResolved => s.recently_resolved,
        }
    }

    /// A stable fragment id for the section.
    pub fn anchor(self) -> &'static str {
        match self {
            Section::Incidents => "incidents",
            Section::Announcements => "announcements",
            Section::MaintenanceNow => "maintenance-now",
            Section::UpcomingMaintenance => "upcoming-maintenance",
            Section::RecentlyResolved => "recently-resolved",
        }
    }
}

/// The section of `notice` at `now`, or `None` for an incident or announcement whose `show_from` is still
/// ahead: the operator asked for it not to be shown yet, and the app does not show it either.
pub fn section(notice: &Notice, now: Timestamp) -> Option<Section> {
    if notice.status.is_closed() || notice.ends_at.is_some_and(|end| end <= now) {
        return Some(Section::RecentlyResolved);
    }
    if notice.severity.is_maintenance() {
        return Some(match effective_status(notice, now) {
            Status::InProgress => Section::MaintenanceNow,
            _ => Section::UpcomingMaintenance,
        });
    }
    if notice.show_from.is_some_and(|from| from > now) {
        return None;
    }
    Some(if notice.severity == Severity::Info {
        Section::Announcements
    } else {
        Section::Incidents
    })
}

/// The one-line summary at the top of the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overall {
    /// An outage is open.
    Outage,
    /// A degradation is open (and no outage).
    Degraded,
    /// Maintenance is under way (and no incident).
    Maintenance,
    /// Nothing is wrong.
    Operational,
}

impl Overall {
    /// The words for it.
    pub fn text(self, s: &Strings) -> &'static str {
        match self {
            Overall::Outage => s.major_outage,
            Overall::Degraded => s.degraded,
            Overall::Maintenance => s.maintenance_now,
            Overall::Operational => s.all_operational,
        }
    }

    /// CSS class (color is decoration only: the words and the symbol carry the meaning).
    pub fn class(self) -> &'static str {
        match self {
            Overall::Outage => "outage",
            Overall::Degraded => "degraded",
            Overall::Maintenance => "maintenance",
            Overall::Operational => "operational",
        }
    }

    /// A symbol shown before the words.
    pub fn symbol(self) -> &'static str {
        match self {
            Overall::Outage => "✖",
            Overall::Degraded => "⚠",
            Overall::Maintenance => "⚙",
            Overall::Operational => "✔",
        }
    }
}

/// The feed sorted into sections at `now`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sorted<'a> {
    /// Non-empty sections in display order, each with its notices in display order.
    pub sections: Vec<(Section, Vec<&'a Notice>)>,
    /// The summary.
    pub overall: Overall,
}

/// Sorts `feed` into sections at `now`. Open notices: most severe first, then most recently updated.
/// Upcoming maintenance: soonest first. Resolved: most recently closed first.
pub fn sort(feed: &FeedPayload, now: Timestamp) -> Sorted<'_> {
    let mut sections: Vec<(Section, Vec<&Notice>)> = Vec::new();
    for wanted in Section::ALL {
        let mut notices: Vec<&Notice> = feed
            .notices
            .iter()
            .filter(|n| section(n, now) == Some(wanted))
            .collect();
        match wanted {
            Section::UpcomingMaintenance => {
                notices.sort_by(|a, b| a.starts_at.cmp(&b.starts_at).then_with(|| a.id.cmp(&b.id)))
            }
            Section::RecentlyResolved => {
                notices.sort_by(|a, b| ended_at(b).cmp(&ended_at(a)).then_with(|| a.id.cmp(&b.id)))
            }
            _ => notices.sort_by(|a, b| {
                a.severity
                    .cmp(&b.severity)
                    .then(b.updated_at.cmp(&a.updated_at))
                    .then_with(|| a.id.cmp(&b.id))
            }),
        }
        if !notices.is_empty() {
            sections.push((wanted, notices));
        }
    }
    let open = |section: Section| {
        sections
            .iter()
            .find(|(s, _)| *s == section)
            .map_or(&[][..], |(_, n)| &n[..])
    };
    let overall = if open(Section::Incidents)
        .iter()
        .any(|n| n.severity == Severity::Outage)
    {
        Overall::Outage
    } else if !open(Section::Incidents).is_empty() {
        Overall::Degraded
    } else if !open(Section::MaintenanceNow).is_empty() {
        Overall::Maintenance
    } else {
        Overall::Operational
    };
    Sorted { sections, overall }
}

/// When a notice in the resolved section ended: its closing update, its last change, or its window's end.
fn ended_at(notice: &Notice) -> Timestamp {
    if notice.status.is_closed() {
        crate::record::closed_at(notice)
    } else {
        notice.ends_at.unwrap_or(notice.updated_at)
    }
}

/// The earliest time after `now` at which the page would look different without a new feed: a window opens
/// or closes, maintenance starts, or the feed expires. `None` if nothing is ahead.
pub fn next_change(feed: &FeedPayload, now: Timestamp) -> Option<Timestamp> {
    // An open incident shows how long it has lasted, in minutes: the page changes at the next minute.
    let ticking = feed.notices.iter().any(|n| {
        matches!(
            section(n, now),
            Some(Section::Incidents | Section::Announcements)
        )
    });
    let next_minute = ticking.then(|| now.plus_seconds(60 - now.unix().rem_euclid(60)));
    feed.notices
        .iter()
        .flat_map(|n| [n.show_from, n.starts_at, n.ends_at])
        .flatten()
        .chain([feed.expires_at])
        .chain(next_minute)
        .filter(|at| *at > now)
        .min()
}

/// Everything a rendering needs besides the feed: the page's language and words, the time, the site (its
/// time zone and component registry).
#[derive(Debug, Clone, Copy)]
pub struct Ctx<'a> {
    /// The page's language.
    pub lang: Lang,
    /// Its words.
    pub s: &'static Strings,
    /// The time the page is rendered for.
    pub now: Timestamp,
    /// Who the page is for.
    pub site: &'a Site,
}

impl<'a> Ctx<'a> {
    /// A context for `lang` at `now`.
    pub fn new(lang: Lang, now: Timestamp, site: &'a Site) -> Self {
        Self {
            lang,
            s: Strings::of(lang),
            now,
            site,
        }
    }

    /// `at` in the site's zone.
    pub fn local(&self, at: Timestamp) -> LocalTime {
        LocalTime::new(at, &self.site.time_zone, self.lang)
    }

    /// The display name of component `id` in the page's language: the registry's name (with the app's
    /// fallback), or the id itself when it is not declared.
    pub fn component_name(&self, id: &Component) -> String {
        match self.site.components.iter().find(|c| &c.id == id) {
            Some(component) => {
                let chain = fallback_chain(std::slice::from_ref(&self.lang.tag()));
                pick(&component.name, &chain).1.to_owned()
            }
            None => id.to_string(),
        }
    }
}

/// A time for people and for machines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeView {
    /// The time itself.
    pub at: Timestamp,
    /// RFC 3339, for `<time datetime>`.
    pub datetime: String,
    /// In the site's zone and the page's language: `3 december 2026 02:00 CET`.
    pub text: String,
    /// Time of day and zone: `02:00 CET`.
    pub short: String,
}

impl TimeView {
    /// Formats `at` for `ctx`.
    pub fn new(at: Timestamp, ctx: &Ctx<'_>) -> Self {
        let local = ctx.local(at);
        Self {
            at,
            datetime: at.to_string(),
            text: local.full(ctx.lang),
            short: local.short(),
        }
    }
}

/// A notice resolved to one language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeView {
    /// The notice id.
    pub id: String,
    /// Fragment id of its article: `notice-<id>`.
    pub anchor: String,
    /// The language of title and body (the first one of the chain that has both).
    pub language: LanguageTag,
    /// `Some(tag)` when that language is not the page's, so the markup can say so (screen readers switch
    /// voices by it).
    pub lang_attr: Option<String>,
    /// Title.
    pub title: String,
    /// Body (line breaks kept by CSS, never as markup).
    pub body: String,
    /// The severity.
    pub severity: Severity,
    /// The severity in words.
    pub severity_label: &'static str,
    /// Whether it is over (resolved, completed, or its window ended): it then looks resolved.
    pub closed: bool,
    /// The badge: the severity while open, "resolved"/"completed" once over.
    pub badge_label: &'static str,
    /// CSS class of the badge.
    pub badge_class: &'static str,
    /// A symbol for the badge, besides its words.
    pub badge_symbol: &'static str,
    /// Status as of `now` (maintenance becomes in progress by its start time), in words.
    pub status_label: &'static str,
    /// When it started: the window's start if it has one, else when it was posted.
    pub started: TimeView,
    /// Open incidents and announcements: "Since 14:14 CET (2 h 10 min)".
    pub since: Option<String>,
    /// Closed ones: "Lasted 2 h 6 min (…)".
    pub lasted: Option<String>,
    /// Event window in words, if it has one: `3 december 2026 02:00 – 04:00 CET`.
    pub window: Option<String>,
    /// Components by their display names, comma-separated; empty if none.
    pub components: String,
    /// Platforms, comma-separated; empty means all.
    pub platforms: String,
    /// The app version requirement, if any.
    pub app_versions: Option<String>,
    /// The https link, if any.
    pub link: Option<String>,
    /// Revision.
    pub revision: u64,
    /// When the notice was posted.
    pub created: TimeView,
    /// When this revision was made.
    pub updated: TimeView,
    /// Timeline, newest first, ending with the first post.
    pub updates: Vec<UpdateView>,
}

/// One timeline entry in one language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateView {
    /// Position in the notice's timeline, oldest = 0 (stable: timelines are append-only). The first post
    /// (the notice itself) has none.
    pub index: Option<usize>,
    /// When.
    pub at: TimeView,
    /// The status from then on, in words ("Posted · Investigating" for the first post).
    pub status_label: String,
    /// The message (empty for the first post: the notice's text is above the timeline).
    pub message: String,
    /// Language of the message when it is not the page's.
    pub lang_attr: Option<String>,
}

/// Resolves `notice` for a page in `ctx.lang` at `ctx.now`. Title and body come in one language, chosen as
/// the app does (the first language of the fallback chain that has both); each update message is in the
/// page's language when it has that text, else the next best ([`notice_types::fallback_chain`],
/// [`notice_types::pick`]).
pub fn resolve(notice: &Notice, ctx: &Ctx<'_>) -> NoticeView {
    let s = ctx.s;
    let now = ctx.now;
    let page_tag = ctx.lang.tag();
    let chain = fallback_chain(std::slice::from_ref(&page_tag));
    let language = chain
        .iter()
        .find(|l| notice.title.get(l).is_some() && notice.body.get(l).is_some())
        .cloned()
        .unwrap_or_else(LanguageTag::en);
    let text = |t: &LocalizedText| t.get(&language).unwrap_or(t.en()).to_owned();
    let lang_attr = |tag: &LanguageTag| (*tag != page_tag).then(|| tag.to_string());
    let mut updates: Vec<UpdateView> = notice
        .updates
        .iter()
        .enumerate()
        .rev()
        .map(|(index, update)| {
            let (message_lang, message) = pick(&update.message, &chain);
            UpdateView {
                index: Some(index),
                at: TimeView::new(update.at, ctx),
                status_label: s.status(update.status).to_owned(),
                message: message.to_owned(),
                lang_attr: lang_attr(&message_lang),
            }
        })
        .collect();
    // The first post is the notice itself; its status then is not recorded, but without later updates it
    // is the status now, and with them it was the severity's first one (what `post` sets by default).
    let first_status = if notice.updates.is_empty() {
        notice.status
    } else {
        notice.severity.initial_status()
    };
    updates.push(UpdateView {
        index: None,
        at: TimeView::new(notice.created_at, ctx),
        status_label: format!("{} · {}", s.posted, s.status(first_status)),
        message: String::new(),
        lang_attr: None,
    });
    let window_ended = !notice.status.is_closed() && notice.ends_at.is_some_and(|end| end <= now);
    let closed = notice.status.is_closed() || window_ended;
    let started_at = match notice.starts_at {
        Some(start) if !notice.severity.is_maintenance() => start.min(notice.created_at),
        Some(start) => start,
        None => notice.created_at,
    };
    let started = TimeView::new(started_at, ctx);
    let window = notice
        .starts_at
        .zip(notice.ends_at)
        .map(|(start, end)| local_time::window(&ctx.local(start), &ctx.local(end), ctx.lang));
    let is_open_event = !closed && !notice.severity.is_maintenance() && started_at <= now;
    let since = is_open_event.then(|| {
        let local = ctx.local(started_at);
        let when = if local.day == ctx.local(now).day {
            local.short()
        } else {
            local.full(ctx.lang)
        };
        s.since.replace("{time}", &when).replace(
            "{duration}",
            &local_time::duration(now.unix() - started_at.unix(), ctx.lang),
        )
    });
    let lasted = closed.then(|| {
        let end = if window_ended {
            notice.ends_at.unwrap_or(notice.updated_at)
        } else {
            crate::record::closed_at(notice)
        };
        s.lasted
            .replace(
                "{duration}",
                &local_time::duration(end.unix() - started_at.unix(), ctx.lang),
            )
            .replace(
                "{window}",
                &local_time::window(&ctx.local(started_at), &ctx.local(end), ctx.lang),
            )
    });
    let (badge_label, badge_class, badge_symbol) = if closed {
        let status = if notice.status.is_closed() {
            notice.status
        } else {
            notice.severity.closing_status()
        };
        (s.status(status), "resolved", "✔")
    } else {
        (
            s.severity(notice.severity),
            notice.severity.as_str(),
            severity_symbol(notice.severity),
        )
    };
    NoticeView {
        id: notice.id.to_string(),
        anchor: format!("notice-{}", notice.id),
        lang_attr: lang_attr(&language),
        title: text(&notice.title),
        body: text(&notice.body),
        language,
        severity: notice.severity,
        severity_label: s.severity(notice.severity),
        closed,
        badge_label,
        badge_class,
        badge_symbol,
        status_label: if window_ended {
            s.ended
        } else {
            s.status(effective_status(notice, now))
        },
        started,
        since,
        lasted,
        window,
        components: notice
            .components
            .iter()
            .map(|c| ctx.component_name(c))
            .collect::<Vec<_>>()
            .join(", "),
        platforms: join(notice.platforms.iter().map(|p| p.as_str())),
        app_versions: notice.app_versions.as_ref().map(ToString::to_string),
        // Signing already refused anything but https to an allowed host; a page never links elsewhere.
        link: notice
            .link
            .clone()
            .filter(|link| link.starts_with("https://")),
        revision: notice.revision,
        created: TimeView::new(notice.created_at, ctx),
        updated: TimeView::new(notice.updated_at, ctx),
        updates,
    }
}

/// The symbol shown beside a severity's words.
pub fn severity_symbol(severity: Severity) -> &'static str {
    match severity {
        Severity::Outage => "✖",
        Severity::Degraded => "⚠",
        Severity::Maintenance => "⚙",
        Severity::Info => "ℹ",
    }
}

/// One row of the component list: a component and its state now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComponentView {
    /// The id (`keyshare`).
    pub id: String,
    /// Its name in the page's language.
    pub name: String,
    /// Its state in words.
    pub state_label: &'static str,
    /// CSS class of the state.
    pub state_class: &'static str,
    /// A symbol for the state.
    pub state_symbol: &'static str,
}

/// Every declared component in registry order, then any other component an open notice names, each with
/// the worst state of the open notices shown now that name it (an outage, a degradation, maintenance under
/// way), or operational.
pub fn components(feed: &FeedPayload, ctx: &Ctx<'_>) -> Vec<ComponentView> {
    let mut ids: Vec<Component> = ctx.site.components.iter().map(|c| c.id.clone()).collect();
    let live: Vec<&Notice> = feed
        .notices
        .iter()
        .filter(|n| {
            matches!(
                section(n, ctx.now),
                Some(Section::Incidents | Section::MaintenanceNow)
            )
        })
        .collect();
    for notice in &live {
        for component in &notice.components {
            if !ids.contains(component) {
                ids.push(component.clone());
            }
        }
    }
    ids.into_iter()
        .map(|id| {
            let worst = live
                .iter()
                .filter(|n| n.components.contains(&id))
                .map(|n| n.severity)
                .min();
            let (state_label, state_class, state_symbol) = match worst {
                Some(severity) => (
                    ctx.s.severity(severity),
                    severity.as_str(),
                    severity_symbol(severity),
                ),
                None => (ctx.s.operational, "operational", "✔"),
            };
            ComponentView {
                name: ctx.component_name(&id),
                id: id.to_string(),
                state_label,
                state_class,
                state_symbol,
            }
        })
        .collect()
}

fn join<'a>(items: impl Iterator<Item = &'a str>) -> String {
    items.collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use notice_tests::NoticeBuilder;
    use notice_types::{FeedId, Update};

    const NOW: i64 = 1_790_000_000;

    fn at(offset: i64) -> Timestamp {
        Timestamp::from_unix(NOW + offset)
    }

    /// Posted at `at(-100)`, dismissible; maintenance runs from `at(100)` to `at(200)`.
    fn notice(id: &str, severity: Severity) -> Notice {
        let maintenance = severity.is_maintenance();
        NoticeBuilder::new(id, severity)
            .english("Title", "Body")
            .posted_at(at(-100))
            .starts_at(maintenance.then_some(200))
            .ends_at(maintenance.then_some(300))
            .dismissible(true)
            .build()
    }

    fn site() -> Site {
        Site::new("T", Lang::En, None).unwrap()
    }

    fn feed(notices: Vec<Notice>) -> FeedPayload {
        FeedPayload {
            feed_id: FeedId::parse("t/view").unwrap(),
            version: 1,
            issued_at: at(-10),
            expires_at: at(1000),
            notices,
            service: None,
        }
    }

    #[test]
    fn notices_go_to_their_section_by_status_and_time() {
        let outage = notice("o", Severity::Outage);
        assert_eq!(section(&outage, at(0)), Some(Section::Incidents));
        let info = notice("i", Severity::Info);
        assert_eq!(section(&info, at(0)), Some(Section::Announcements));

        let mut later = notice("l", Severity::Degraded);
        later.show_from = Some(at(50));
        assert_eq!(section(&later, at(0)), None, "not shown before show_from");
        assert_eq!(section(&later, at(50)), Some(Section::Incidents));

        let mut maintenance = notice("m", Severity::Maintenance);
        maintenance.show_from = Some(at(50));
        assert_eq!(
            section(&maintenance, at(0)),
            Some(Section::UpcomingMaintenance),
            "upcoming even before show_from"
        );
        assert_eq!(
            section(&maintenance, at(100)),
            Some(Section::MaintenanceNow)
        );
        assert_eq!(
            section(&maintenance, at(200)),
            Some(Section::RecentlyResolved)
        );

        let mut resolved = notice("r", Severity::Outage);
        resolved.status = Status::Resolved;
        assert_eq!(section(&resolved, at(0)), Some(Section::RecentlyResolved));
    }

    #[test]
    fn the_overall_state_is_the_worst_open_thing() {
        let mut maintenance = notice("m", Severity::Maintenance);
        maintenance.starts_at = Some(at(-5));
        let degraded = notice("d", Severity::Degraded);
        let outage = notice("o", Severity::Outage);
        let mut resolved = notice("r", Severity::Outage);
        resolved.status = Status::Resolved;
        let check = |notices: Vec<Notice>, expect: Overall| {
            assert_eq!(sort(&feed(notices), at(0)).overall, expect);
        };
        check(vec![], Overall::Operational);
        check(vec![resolved.clone()], Overall::Operational);
        check(vec![maintenance.clone()], Overall::Maintenance);
        check(
            vec![maintenance.clone(), degraded.clone()],
            Overall::Degraded,
        );
        check(vec![degraded, outage, maintenance], Overall::Outage);
    }

    #[test]
    fn the_page_changes_next_at_the_nearest_window_edge_or_expiry() {
        let maintenance = notice("m", Severity::Maintenance);
        let f = feed(vec![maintenance]);
        assert_eq!(next_change(&f, at(0)), Some(at(100)));
        assert_eq!(next_change(&f, at(100)), Some(at(200)));
        assert_eq!(next_change(&f, at(200)), Some(at(1000)));
        assert_eq!(next_change(&f, at(1000)), None);
    }

    #[test]
    fn texts_fall_back_like_the_app_and_say_their_language() {
        let mut n = notice("o", Severity::Outage);
        n.title = LocalizedText::from_pairs([
            (LanguageTag::en(), "Down"),
            (LanguageTag::parse("nl").unwrap(), "Storing"),
        ])
        .unwrap();
        n.updates.push(Update {
            at: at(-50),
            status: Status::Identified,
            message: LocalizedText::english("Found it"),
        });
        // Dutch title but English body: title and body stay in one language, English.
        let view = resolve(&n, &Ctx::new(Lang::Nl, at(0), &site()));
        assert_eq!(view.title, "Down");
        assert_eq!(view.lang_attr.as_deref(), Some("en"));
        assert_eq!(view.updates[0].lang_attr.as_deref(), Some("en"));

        n.body = LocalizedText::from_pairs([
            (LanguageTag::en(), "Body"),
            (LanguageTag::parse("nl").unwrap(), "Tekst"),
        ])
        .unwrap();
        let view = resolve(&n, &Ctx::new(Lang::Nl, at(0), &site()));
        assert_eq!(view.title, "Storing");
        assert_eq!(view.lang_attr, None);
        assert_eq!(view.status_label, "Wordt onderzocht");
        assert_eq!(
            resolve(&n, &Ctx::new(Lang::De, at(0), &site())).title,
            "Down"
        );
    }
}
