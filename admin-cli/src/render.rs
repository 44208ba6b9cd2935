//! Human output: the app-like preview of a notice, tables, timelines, times.
//!
//! Functions here build strings with ANSI styles and take `now` as an argument; [`print`] and [`eprint`]
//! write them through `anstream`, which drops the styles when the stream is not a terminal, when `NO_COLOR`
//! is set, or with `--color never`.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use anstyle::{AnsiColor, Style};
use notice_types::{
    Context, FeedId, FeedPayload, LanguageTag, LocalizedText, Notice, Platform, Severity,
    ShownNotice, Timestamp, select,
};

use notice_publish::status_page::{Lang, Strings};
use notice_publish::{NoticeRecord, NoticeState};

/// Writes `text` to stdout (styles stripped when not wanted).
pub fn print(text: &str) {
    use std::io::Write as _;
    let mut out = anstream::stdout();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

/// Writes `text` to stderr (styles stripped when not wanted).
pub fn eprint(text: &str) {
    use std::io::Write as _;
    let mut out = anstream::stderr();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

/// Bold.
pub const BOLD: Style = Style::new().bold();
/// Dim, for secondary information.
pub const DIM: Style = Style::new().dimmed();
/// Green, for success.
pub const OK: Style = Style::new()
    .bold()
    .fg_color(Some(anstyle::Color::Ansi(AnsiColor::Green)));
/// Yellow, for warnings.
pub const WARN: Style = Style::new()
    .bold()
    .fg_color(Some(anstyle::Color::Ansi(AnsiColor::Yellow)));

/// `text` in `style`.
pub fn styled(style: Style, text: impl std::fmt::Display) -> String {
    format!("{style}{text}{style:#}")
}

/// The color of a severity, the same order of alarm as the app's banners.
pub fn severity_style(severity: Severity) -> Style {
    let color = match severity {
        Severity::Outage => AnsiColor::Red,
        Severity::Degraded => AnsiColor::Yellow,
        Severity::Maintenance => AnsiColor::Blue,
        Severity::Info => AnsiColor::Cyan,
    };
    Style::new()
        .bold()
        .fg_color(Some(anstyle::Color::Ansi(color)))
}

/// `in 2 h 5 min`, `12 min ago`, `just now`.
pub fn relative(time: Timestamp, now: Timestamp) -> String {
    let delta = time.unix() - now.unix();
    let secs = delta.unsigned_abs();
    if secs < 60 {
        return "just now".to_owned();
    }
    let (days, hours, minutes) = (secs / 86_400, secs % 86_400 / 3600, secs % 3600 / 60);
    let span = if days >= 2 {
        format!("{days} d {hours} h")
    } else if secs >= 3600 {
        format!("{} h {minutes} min", days * 24 + hours)
    } else {
        format!("{minutes} min")
    };
    if delta > 0 {
        format!("in {span}")
    } else {
        format!("{span} ago")
    }
}

/// The operator's own time zone: `TZ`, else `/etc/localtime` (UTC when neither says).
fn operator_zone() -> &'static jiff::tz::TimeZone {
    static ZONE: std::sync::OnceLock<jiff::tz::TimeZone> = std::sync::OnceLock::new();
    ZONE.get_or_init(jiff::tz::TimeZone::system)
}

/// `time` on the operator's clock: `Thu 02:00 CET`.
pub fn local(time: Timestamp) -> String {
    match jiff::Timestamp::from_second(time.unix()) {
        Ok(at) => at
            .to_zoned(operator_zone().clone())
            .strftime("%a %H:%M %Z")
            .to_string(),
        Err(_) => time.to_string(),
    }
}

/// [`relative`] in the words of a banner's language: `12 min geleden`, `vor 12 Min.`, `zojuist`.
fn relative_in(time: Timestamp, now: Timestamp, lang: Lang) -> String {
    let delta = time.unix() - now.unix();
    if delta.unsigned_abs() < 60 {
        return match lang {
            Lang::Nl => "zojuist",
            Lang::De => "gerade eben",
            Lang::En => "just now",
        }
        .to_owned();
    }
    let span = notice_publish::status_page::local_time::duration(delta.abs(), lang);
    match (lang, delta > 0) {
        (Lang::Nl, true) => format!("over {span}"),
        (Lang::Nl, false) => format!("{span} geleden"),
        (Lang::De, true) => format!("in {span}"),
        (Lang::De, false) => format!("vor {span}"),
        (Lang::En, true) => format!("in {span}"),
        (Lang::En, false) => format!("{span} ago"),
    }
}

/// [`local`] with the weekday in a banner's language: `do 02:00 CET`, `Do 02:00 CET`, `Thu 02:00 CET`.
fn local_in(time: Timestamp, lang: Lang) -> String {
    let Ok(at) = jiff::Timestamp::from_second(time.unix()) else {
        return time.to_string();
    };
    let zoned = at.to_zoned(operator_zone().clone());
    let names = match lang {
        Lang::Nl => ["ma", "di", "wo", "do", "vr", "za", "zo"],
        Lang::De => ["Mo", "Di", "Mi", "Do", "Fr", "Sa", "So"],
        Lang::En => ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
    };
    let weekday = names
        .get(usize::from(
            zoned.weekday().to_monday_zero_offset().unsigned_abs(),
        ))
        .copied()
        .unwrap_or_default();
    format!("{weekday} {}", zoned.strftime("%H:%M %Z"))
}

/// `2026-12-01T01:00:00Z (Tue 02:00 CET, in 7 d 23 h)`: UTC, the operator's local time, and how far.
pub fn when(time: Timestamp, now: Timestamp) -> String {
    format!("{time} ({}, {})", local(time), relative(time, now))
}

/// The words of an app-like banner, in the panel's language (the app speaks the user's language even
/// where a notice's text falls back to English).
struct Labels {
    latest_update: &'static str,
    from: &'static str,
    until: &'static str,
    affects: &'static str,
    more_information: &'static str,
    dismissible: &'static str,
    not_dismissible: &'static str,
    strings: &'static Strings,
}

fn labels(lang: &LanguageTag) -> Labels {
    let page_lang = Lang::from_tag(lang.as_str()).unwrap_or(Lang::En);
    let strings = Strings::of(page_lang);
    match page_lang {
        Lang::Nl => Labels {
            latest_update: "Laatste update",
            from: "Van",
            until: "tot",
            affects: strings.affects,
            more_information: strings.more_information,
            dismissible: "[gebruikers kunnen hem wegklikken]",
            not_dismissible: "[gebruikers kunnen hem niet wegklikken]",
            strings,
        },
        Lang::De => Labels {
            latest_update: "Letzte Aktualisierung",
            from: "Von",
            until: "bis",
            affects: strings.affects,
            more_information: strings.more_information,
            dismissible: "[Nutzer können sie ausblenden]",
            not_dismissible: "[Nutzer können sie nicht ausblenden]",
            strings,
        },
        Lang::En => Labels {
            latest_update: "Latest update",
            from: "From",
            until: "until",
            affects: strings.affects,
            more_information: strings.more_information,
            dismissible: "[users can dismiss it]",
            not_dismissible: "[users cannot dismiss it]",
            strings,
        },
    }
}

/// The languages of a notice's title and body, English first.
fn languages(notice: &Notice) -> Vec<LanguageTag> {
    let mut set: BTreeSet<LanguageTag> = notice.title.languages().cloned().collect();
    set.extend(notice.body.languages().cloned());
    let en = LanguageTag::en();
    set.remove(&en);
    std::iter::once(en).chain(set).collect()
}

/// What one user sees of `notice` at `now`, through the app's own selection code.
fn shown_for(
    notice: &Notice,
    platform: Platform,
    lang: &LanguageTag,
    now: Timestamp,
) -> Option<ShownNotice> {
    let feed = FeedPayload {
        feed_id: FeedId::parse("preview").ok()?,
        version: 1,
        issued_at: now,
        expires_at: now.plus_seconds(1),
        notices: vec![notice.clone()],
        service: None,
    };
    let context = Context {
        platform: Some(platform),
        app_version: None,
        locales: vec![lang.clone()],
        dismissed: BTreeSet::new(),
    };
    select(&feed, &context, now).into_iter().next()
}

/// The preview of a notice about to be published: one app-like banner per language, with the platforms that
/// see it that way, then the facts that are not on the banner. `now` is when to look (the notice's
/// `show_from`, or the current time).
pub fn preview(notice: &Notice, feed_version: Option<u64>, now: Timestamp) -> String {
    let platforms: Vec<Platform> = if notice.platforms.is_empty() {
        vec![Platform::Android, Platform::Ios]
    } else {
        notice.platforms.clone()
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} as the app will show it at {now} ({}):\n",
        styled(BOLD, format!("Preview of notice {}", notice.id)),
        local(now)
    );
    for lang in languages(notice) {
        // Group the platforms that see exactly the same thing.
        let mut groups: Vec<(Option<ShownNotice>, Vec<Platform>)> = Vec::new();
        for &platform in &platforms {
            let shown = shown_for(notice, platform, &lang, now);
            match groups.iter_mut().find(|(s, _)| *s == shown) {
                Some((_, list)) => list.push(platform),
                None => groups.push((shown, vec![platform])),
            }
        }
        for (shown, group) in groups {
            let names: Vec<&str> = group.iter().map(|p| p.as_str()).collect();
            let mut label = format!("{lang} · {}", names.join(", "));
            if lang == LanguageTag::en() {
                label.push_str(" (also everyone whose language has no text)");
            }
            match shown {
                Some(shown) => {
                    if shown.language != lang {
                        label.push_str(&format!(
                            " → shown in {}: {lang} needs both a title and a body",
                            shown.language
                        ));
                    }
                    out.push_str(&banner(&label, &shown, &lang, now));
                }
                None => {
                    let _ = writeln!(
                        out,
                        "┌─ {label}\n│ {}\n└─\n",
                        styled(
                            WARN,
                            "not shown at this time (closed, or its window has ended)"
                        )
                    );
                }
            }
        }
    }
    out.push_str(&facts(notice, now));
    let missing: Vec<&str> = ["nl", "de"]
        .into_iter()
        .filter(|l| {
            LanguageTag::parse(l).is_ok_and(|tag| {
                notice.title.get(&tag).is_none() || notice.body.get(&tag).is_none()
            })
        })
        .collect();
    if !missing.is_empty() {
        let _ = writeln!(
            out,
            "  {:<13}{}",
            "note",
            styled(
                WARN,
                format!(
                    "no complete {} text: those users see English (add --title {}=\"…\" --body {}=\"…\")",
                    missing.join("/"),
                    missing[0],
                    missing[0]
                )
            )
        );
    }
    if let Some(version) = feed_version {
        let _ = writeln!(out, "  {:<13}goes out as feed version {version}", "feed");
    }
    out
}

/// One notice as the app shows it to a user whose language is `lang`: the labels in that language, times
/// on the operator's clock next to UTC.
pub fn banner(label: &str, shown: &ShownNotice, lang: &LanguageTag, now: Timestamp) -> String {
    let words = labels(lang);
    let style = severity_style(shown.severity);
    let mut out = String::new();
    let _ = writeln!(out, "┌─ {}", styled(DIM, label));
    let _ = writeln!(
        out,
        "│ {} · {}",
        styled(style, words.strings.severity(shown.severity).to_uppercase()),
        words.strings.status(shown.status)
    );
    let _ = writeln!(out, "│ {}", styled(BOLD, &shown.title));
    for line in shown.body.lines() {
        let _ = writeln!(out, "│ {line}");
    }
    if let Some(update) = shown.updates.first() {
        let _ = writeln!(
            out,
            "│ {} ({}): {}",
            styled(BOLD, words.latest_update),
            relative_in(update.at, now, words.strings.lang),
            update.message.replace('\n', " ")
        );
    }
    let at = |t: Timestamp| format!("{} ({t})", local_in(t, words.strings.lang));
    match (shown.starts_at, shown.ends_at) {
        (Some(starts), Some(ends)) => {
            let _ = writeln!(
                out,
                "│ {} {} {} {}",
                words.from,
                at(starts),
                words.until,
                at(ends)
            );
        }
        (Some(starts), None) => {
            let _ = writeln!(out, "│ {} {}", words.from, at(starts));
        }
        (None, Some(ends)) => {
            let mut until = words.until.to_owned();
            if let Some(first) = until.get_mut(..1) {
                first.make_ascii_uppercase();
            }
            let _ = writeln!(out, "│ {until} {}", at(ends));
        }
        (None, None) => {}
    }
    if !shown.components.is_empty() {
        // As the app shows them: the feed's display names where it declares them, else the ids.
        let _ = writeln!(
            out,
            "│ {}: {}",
            words.affects,
            shown.component_names.join(", ")
        );
    }
    if let Some(link) = &shown.link {
        let _ = writeln!(out, "│ {}: {link}", words.more_information);
    }
    let _ = writeln!(
        out,
        "│ {}",
        styled(
            DIM,
            if shown.dismissible {
                words.dismissible
            } else {
                words.not_dismissible
            }
        )
    );
    let _ = writeln!(out, "└─\n");
    out
}

/// The facts about a notice that are not on its banner.
fn facts(notice: &Notice, now: Timestamp) -> String {
    let mut out = String::new();
    let mut row = |name: &str, value: String| {
        let _ = writeln!(out, "  {name:<13}{value}");
    };
    row(
        "id",
        format!("{} (revision {})", notice.id, notice.revision),
    );
    row(
        "severity",
        format!(
            "{} · status {}",
            styled(severity_style(notice.severity), notice.severity),
            notice.status
        ),
    );
    row("platforms", platforms_text(&notice.platforms));
    row(
        "app versions",
        notice
            .app_versions
            .as_ref()
            .map_or_else(|| "all".to_owned(), |r| format!("{r} only")),
    );
    row("window", window_text(notice, now));
    row(
        "dismissible",
        if notice.dismissible { "yes" } else { "no" }.to_owned(),
    );
    row(
        "languages",
        languages(notice)
            .iter()
            .map(LanguageTag::to_string)
            .collect::<Vec<_>>()
            .join(", "),
    );
    out
}

fn platforms_text(platforms: &[Platform]) -> String {
    if platforms.is_empty() {
        "all (android, ios)".to_owned()
    } else {
        platforms
            .iter()
            .map(|p| p.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn window_text(notice: &Notice, now: Timestamp) -> String {
    if notice.show_from.is_none() && notice.starts_at.is_none() && notice.ends_at.is_none() {
        return "shown at once, until resolved".to_owned();
    }
    let mut parts = Vec::new();
    match notice.show_from {
        Some(from) => parts.push(format!("shown from {}", when(from, now))),
        None => parts.push("shown at once".to_owned()),
    }
    if let Some(starts) = notice.starts_at {
        parts.push(format!("starts {}", when(starts, now)));
    }
    match notice.ends_at {
        Some(ends) => parts.push(format!("ends {}", when(ends, now))),
        None => parts.push("until resolved".to_owned()),
    }
    parts.join("\n               ")
}

/// The table of `notice list`.
pub fn notice_table(records: &[NoticeRecord], now: Timestamp) -> String {
    let header = ["ID", "SEVERITY", "STATUS", "STATE", "UPDATED", "TITLE"];
    let rows: Vec<[String; 6]> = records
        .iter()
        .map(|r| {
            [
                r.notice.id.to_string(),
                r.notice.severity.to_string(),
                r.notice.status.to_string(),
                r.state.as_str().to_owned(),
                relative(r.notice.updated_at, now),
                r.notice.title.en().to_owned(),
            ]
        })
        .collect();
    let mut widths = header.map(|h| h.chars().count());
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let line = |cells: &[String; 6], styles: [Style; 6]| {
        let mut text = String::new();
        for (i, cell) in cells.iter().enumerate() {
            let pad = if i == 5 {
                String::new()
            } else {
                " ".repeat(widths[i] - cell.chars().count() + 2)
            };
            let _ = write!(text, "{}{pad}", styled(styles[i], cell));
        }
        text.trim_end().to_owned()
    };
    let _ = writeln!(out, "{}", line(&header.map(str::to_owned), [BOLD; 6]));
    for (row, record) in rows.iter().zip(records) {
        let state_style = match record.state {
            NoticeState::Active => Style::new(),
            NoticeState::Resolved | NoticeState::Withdrawn => DIM,
        };
        let styles = [
            Style::new(),
            severity_style(record.notice.severity),
            Style::new(),
            state_style,
            Style::new(),
            Style::new(),
        ];
        let _ = writeln!(out, "{}", line(row, styles));
    }
    out
}

/// Every language of a localized text, one per line, continuation lines indented.
fn localized(text: &LocalizedText, indent: usize) -> String {
    let mut out = String::new();
    for (i, (lang, value)) in text.iter().enumerate() {
        let pad = if i == 0 {
            String::new()
        } else {
            " ".repeat(indent)
        };
        let continuation = format!("\n{}", " ".repeat(indent + lang.as_str().len() + 2));
        let _ = writeln!(
            out,
            "{pad}{}  {}",
            styled(DIM, lang),
            value.replace('\n', &continuation)
        );
    }
    out
}

/// `notice show`: everything about one notice, with its timeline, newest first.
pub fn notice_details(record: &NoticeRecord, now: Timestamp) -> String {
    let notice = &record.notice;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}  revision {} · {}",
        styled(BOLD, &notice.id),
        notice.revision,
        record.state.as_str()
    );
    let _ = writeln!(
        out,
        "{} · {}\n",
        styled(
            severity_style(notice.severity),
            notice.severity.as_str().to_uppercase()
        ),
        notice.status
    );
    let indent = 15;
    let _ = write!(out, "  {:<13}{}", "title", localized(&notice.title, indent));
    let _ = write!(out, "  {:<13}{}", "body", localized(&notice.body, indent));
    let mut row = |name: &str, value: String| {
        let _ = writeln!(out, "  {name:<13}{value}");
    };
    if !notice.components.is_empty() {
        row(
            "components",
            notice
                .components
                .iter()
                .map(|c| c.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        );
    }
    row("platforms", platforms_text(&notice.platforms));
    row(
        "app versions",
        notice
            .app_versions
            .as_ref()
            .map_or_else(|| "all".to_owned(), |r| format!("{r} only")),
    );
    row("window", window_text(notice, now));
    row(
        "dismissible",
        if notice.dismissible { "yes" } else { "no" }.to_owned(),
    );
    if let Some(link) = &notice.link {
        row("link", link.clone());
    }
    row("created", when(notice.created_at, now));
    row("updated", when(notice.updated_at, now));
    let _ = writeln!(out, "\n{}", styled(BOLD, "Timeline (newest first)"));
    for update in notice.updates.iter().rev() {
        let _ = writeln!(
            out,
            "  {}  {}",
            when(update.at, now),
            styled(BOLD, update.status)
        );
        let _ = write!(out, "      {}", localized(&update.message, 6));
    }
    let _ = writeln!(out, "  {}  posted", when(notice.created_at, now));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Timestamp {
        Timestamp::parse(s).unwrap()
    }

    #[test]
    fn relative_times_read_naturally() {
        let now = t("2026-11-23T02:00:00Z");
        assert_eq!(relative(t("2026-11-23T02:00:30Z"), now), "just now");
        assert_eq!(relative(t("2026-11-23T01:48:00Z"), now), "12 min ago");
        assert_eq!(relative(t("2026-11-23T04:05:00Z"), now), "in 2 h 5 min");
        assert_eq!(relative(t("2026-11-24T03:00:00Z"), now), "in 25 h 0 min");
        assert_eq!(relative(t("2026-12-01T05:00:00Z"), now), "in 8 d 3 h");
    }

    fn notice(json: &str) -> Notice {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn the_preview_shows_each_language_and_groups_platforms_that_see_the_same() {
        let n = notice(
            r#"{"id":"n1","revision":1,"severity":"outage","status":"investigating",
            "title":{"en":"PIN check is down","nl":"PIN-controle werkt niet"},
            "body":{"en":"We are on it.","nl":"We werken eraan."},
            "created_at":"2026-11-23T02:00:00Z","updated_at":"2026-11-23T02:00:00Z","dismissible":false}"#,
        );
        let text = preview(&n, Some(7), t("2026-11-23T02:00:00Z"));
        assert!(text.contains("en · android, ios"), "{text}");
        assert!(text.contains("nl · android, ios"), "{text}");
        assert!(text.contains("PIN-controle werkt niet"), "{text}");
        assert!(text.contains("no complete de text"), "{text}");
        assert!(text.contains("goes out as feed version 7"), "{text}");
        assert!(text.contains("[users cannot dismiss it]"), "{text}");
    }

    #[test]
    fn a_dutch_or_german_banner_has_no_english_words_for_times() {
        let n = notice(
            r#"{"id":"n1","revision":1,"severity":"maintenance","status":"scheduled",
            "title":{"en":"Maintenance","nl":"Onderhoud","de":"Wartung"},
            "body":{"en":"Planned.","nl":"Gepland.","de":"Geplant."},
            "starts_at":"2026-11-26T01:00:00Z","ends_at":"2026-11-26T03:00:00Z",
            "updates":[{"at":"2026-11-23T01:48:00Z","status":"scheduled",
                "message":{"en":"Moved.","nl":"Verzet.","de":"Verschoben."}}],
            "created_at":"2026-11-23T01:00:00Z","updated_at":"2026-11-23T01:48:00Z","dismissible":true}"#,
        );
        let text = preview(&n, None, t("2026-11-23T02:00:00Z"));
        let panel = |lang: &str| {
            let start = text.find(&format!("{lang} · android")).unwrap();
            let end = text[start..].find("└").map_or(text.len(), |e| start + e);
            text[start..end].to_owned()
        };
        let (nl, de, en) = (panel("nl"), panel("de"), panel("en"));
        assert!(nl.contains("(12 min geleden)"), "{nl}");
        assert!(de.contains("(vor 12 Min.)"), "{de}");
        assert!(en.contains("(12 min ago)"), "{en}");
        // 2026-11-26 is a Thursday.
        assert!(nl.contains("Van do "), "{nl}");
        assert!(de.contains("Von Do "), "{de}");
        assert!(en.contains("From Thu "), "{en}");
        for english in ["ago", "just now", "Thu", "From"] {
            assert!(
                !nl.contains(english) && !de.contains(english),
                "{english} in\n{nl}\n{de}"
            );
        }
    }

    #[test]
    fn the_preview_only_lists_targeted_platforms() {
        let n = notice(
            r#"{"id":"n1","revision":1,"severity":"info","status":"investigating",
            "title":{"en":"Update your app"},"body":{"en":"Please."},"platforms":["ios"],
            "created_at":"2026-11-23T02:00:00Z","updated_at":"2026-11-23T02:00:00Z","dismissible":true}"#,
        );
        let text = preview(&n, None, t("2026-11-23T02:00:00Z"));
        assert!(text.contains("en · ios"), "{text}");
        assert!(!text.contains("android"), "{text}");
    }
}
