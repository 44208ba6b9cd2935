//! What one user sees: window, targeting, language, dismissals, order.

use std::collections::BTreeSet;

use notice_tests::{FeedOwner, HOUR, NoticeBuilder, at};
use notice_types::{
    Context, Dismissal, FeedPayload, LanguageTag, Notice, Platform, Severity, Status, Timestamp,
    select,
};

fn feed(notices: Vec<Notice>) -> FeedPayload {
    FeedOwner::new().feed(1, 0, notices)
}

fn ids(feed: &FeedPayload, context: &Context, now: Timestamp) -> Vec<String> {
    select(feed, context, now)
        .into_iter()
        .map(|n| n.id.to_string())
        .collect()
}

fn locales(tags: &[&str]) -> Context {
    Context {
        locales: tags
            .iter()
            .map(|t| LanguageTag::from_locale(t).unwrap())
            .collect(),
        ..Context::default()
    }
}

#[test]
fn scheduled_maintenance_appears_at_show_from_and_disappears_at_ends_at_without_a_new_feed() {
    let feed = feed(vec![
        NoticeBuilder::maintenance("m")
            .window(10 * HOUR, 20 * HOUR, 22 * HOUR)
            .build(),
    ]);
    let context = Context::default();
    let seen = |t: i64| select(&feed, &context, at(t)).first().map(|n| n.status);
    assert_eq!(seen(10 * HOUR - 1), None, "not before show_from");
    assert_eq!(
        seen(10 * HOUR),
        Some(Status::Scheduled),
        "announced from show_from"
    );
    assert_eq!(
        seen(20 * HOUR),
        Some(Status::InProgress),
        "in progress from starts_at, by the device clock"
    );
    assert_eq!(seen(22 * HOUR - 1), Some(Status::InProgress));
    assert_eq!(seen(22 * HOUR), None, "gone at ends_at");
}

#[test]
fn resolved_and_completed_notices_are_not_shown() {
    let resolved = NoticeBuilder::outage("r").status(Status::Resolved).build();
    let completed = NoticeBuilder::maintenance("c")
        .window(0, HOUR, 2 * HOUR)
        .status(Status::Completed)
        .build();
    assert!(
        ids(
            &feed(vec![resolved, completed]),
            &Context::default(),
            at(HOUR)
        )
        .is_empty()
    );
}

#[test]
fn platform_targeting() {
    let ios_only = NoticeBuilder::outage("ios-only")
        .platforms(&[Platform::Ios])
        .build();
    let feed = feed(vec![ios_only, NoticeBuilder::outage("everyone").build()]);
    let on = |platform| Context {
        platform: Some(platform),
        ..Context::default()
    };
    assert_eq!(ids(&feed, &on(Platform::Android), at(1)), ["everyone"]);
    assert_eq!(
        ids(&feed, &on(Platform::Ios), at(1)),
        ["everyone", "ios-only"]
    );
    assert_eq!(
        ids(&feed, &Context::default(), at(1)).len(),
        2,
        "no platform given: everything (status pages)"
    );
}

#[test]
fn semver_targeting() {
    let old_apps = NoticeBuilder::outage("update-your-app")
        .app_versions("<7.4.0")
        .build();
    let feed = feed(vec![old_apps]);
    let on = |v: &str| Context {
        app_version: Some(semver::Version::parse(v).unwrap()),
        ..Context::default()
    };
    assert_eq!(ids(&feed, &on("7.3.9"), at(1)), ["update-your-app"]);
    assert!(ids(&feed, &on("7.4.0"), at(1)).is_empty());
    assert!(ids(&feed, &on("8.0.0"), at(1)).is_empty());
}

#[test]
fn locale_fallback_goes_through_the_base_language_to_english() {
    let pairs = [("en", "EN"), ("de", "DE"), ("nl", "NL")];
    let notice = NoticeBuilder::outage("x")
        .title(&pairs)
        .body(&pairs)
        .build();
    let feed = feed(vec![notice]);
    let title = |context: Context| select(&feed, &context, at(1)).remove(0);
    for (tags, expect) in [
        (vec!["nl"], "NL"),
        (vec!["de-DE"], "DE"),
        (vec!["de_AT"], "DE"),
        (vec!["fr"], "EN"),
        (vec!["fr", "de-CH"], "DE"),
        (vec![], "EN"),
    ] {
        let shown = title(locales(&tags));
        assert_eq!(shown.title, expect, "{tags:?}");
        assert_eq!(shown.language.as_str(), expect.to_lowercase(), "{tags:?}");
    }
}

#[test]
fn a_dutch_user_gets_english_when_there_is_no_dutch() {
    let notice = NoticeBuilder::outage("x")
        .english("Only English", "Body")
        .build();
    assert_eq!(
        select(&feed(vec![notice]), &locales(&["nl"]), at(1))[0].title,
        "Only English"
    );
}

#[test]
fn title_and_body_never_mix_languages() {
    let notice = NoticeBuilder::outage("x")
        .title(&[("en", "EN title"), ("nl", "NL titel")])
        .body(&[("en", "EN body")])
        .build();
    let shown = select(&feed(vec![notice]), &locales(&["nl"]), at(1)).remove(0);
    assert_eq!(
        (shown.title.as_str(), shown.body.as_str()),
        ("EN title", "EN body")
    );
}

#[test]
fn dismissal_hides_one_revision_and_a_new_revision_shows_again() {
    let mut notice = NoticeBuilder::maintenance("m")
        .window(0, HOUR, 2 * HOUR)
        .build();
    let dismissed = Context {
        dismissed: BTreeSet::from([Dismissal {
            id: notice.id.clone(),
            revision: 1,
        }]),
        ..Context::default()
    };
    assert!(ids(&feed(vec![notice.clone()]), &dismissed, at(1)).is_empty());
    notice.revision = 2;
    assert_eq!(ids(&feed(vec![notice]), &dismissed, at(1)), ["m"]);
}

#[test]
fn non_dismissible_notices_ignore_dismissals() {
    let notice = NoticeBuilder::outage("o").build();
    assert!(!notice.dismissible);
    let context = Context {
        dismissed: BTreeSet::from([Dismissal {
            id: notice.id.clone(),
            revision: 1,
        }]),
        ..Context::default()
    };
    assert_eq!(ids(&feed(vec![notice]), &context, at(1)), ["o"]);
}

#[test]
fn ordered_by_severity_then_newest_then_id() {
    let info = NoticeBuilder::outage("info").severity(Severity::Info);
    let degraded = |id| NoticeBuilder::outage(id).severity(Severity::Degraded);
    let maint = NoticeBuilder::maintenance("maint").window(0, HOUR, 2 * HOUR);
    let feed = feed(vec![
        info.build(),
        maint.build(),
        degraded("degraded-old").build(),
        degraded("degraded-new").updated(60).build(),
        NoticeBuilder::outage("b").updated(5).build(),
        NoticeBuilder::outage("a").updated(5).build(),
    ]);
    assert_eq!(
        ids(&feed, &Context::default(), at(100)),
        ["a", "b", "degraded-new", "degraded-old", "maint", "info"]
    );
}

#[test]
fn updates_are_shown_newest_first_in_the_best_language() {
    let notice = NoticeBuilder::outage("x")
        .status(Status::Identified)
        .update(
            600,
            Status::Identified,
            &[("en", "Cause found."), ("de", "Ursache gefunden.")],
        )
        .build();
    let shown = select(&feed(vec![notice]), &locales(&["de"]), at(700)).remove(0);
    let timeline: Vec<(&str, &str)> = shown
        .updates
        .iter()
        .map(|u| (u.language.as_str(), u.message.as_str()))
        .collect();
    assert_eq!(
        timeline,
        [("de", "Ursache gefunden."), ("en", "We are investigating.")]
    );
}
