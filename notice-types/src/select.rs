//! Selection: which notices a given user sees right now, in which language, in which order.
//!
//! Pure: the same feed, context and `now` always give the same answer, on the phone, in the CLI's
//! `notice status` and on the status page. Scheduled maintenance appears at `show_from` and disappears at
//! `ends_at` by the device's clock alone, without a new feed.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::{
    FeedPayload, LanguageTag, LocalizedText, Notice, NoticeId, Platform, Severity, Status,
    Timestamp,
};

/// A user hid one revision of a notice. A new revision shows again.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Dismissal {
    /// The notice.
    pub id: NoticeId,
    /// The revision that was dismissed.
    pub revision: u64,
}

/// Who is looking. The time is passed to [`select`] separately.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// The app's platform; `None` shows notices for every platform (status pages, tools).
    pub platform: Option<Platform>,
    /// The app's version; `None` ignores version targeting.
    pub app_version: Option<semver::Version>,
    /// Preferred languages, most preferred first (`nl-nl`, `de`); `en` is always the last resort.
    pub locales: Vec<LanguageTag>,
    /// Revisions the user dismissed.
    pub dismissed: BTreeSet<Dismissal>,
}

/// A notice resolved for one user: one language, the status as of `now`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShownNotice {
    /// Notice id.
    pub id: NoticeId,
    /// Revision (pass it back to dismiss).
    pub revision: u64,
    /// Severity.
    pub severity: Severity,
    /// Status as of `now`: scheduled maintenance whose start has passed is `in_progress`.
    pub status: Status,
    /// The language the title and body are in.
    pub language: LanguageTag,
    /// Title in `language`.
    pub title: String,
    /// Body in `language`.
    pub body: String,
    /// Affected components (ids).
    pub components: Vec<String>,
    /// Their display names, in the same order: the feed's component registry (`service.components`) in
    /// the best available language, or the id where the registry has none.
    pub component_names: Vec<String>,
    /// More information (https, allowed host).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    /// Whether the user may dismiss it.
    pub dismissible: bool,
    /// Event start, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub starts_at: Option<Timestamp>,
    /// Event end, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ends_at: Option<Timestamp>,
    /// When the notice was posted: how long an incident has lasted ("since 14:14").
    pub created_at: Timestamp,
    /// When this revision was made.
    pub updated_at: Timestamp,
    /// Timeline, newest first, each in the best available language.
    pub updates: Vec<ShownUpdate>,
}

/// One timeline entry, resolved to one language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShownUpdate {
    /// When.
    pub at: Timestamp,
    /// Status from then on.
    pub status: Status,
    /// Language of `message`.
    pub language: LanguageTag,
    /// The message.
    pub message: String,
}

/// The notices `context` should see at `now`, most severe first, then most recently updated, then by id.
pub fn select(feed: &FeedPayload, context: &Context, now: Timestamp) -> Vec<ShownNotice> {
    let chain = fallback_chain(&context.locales);
    let registry = feed
        .service
        .as_ref()
        .map_or(&[][..], |service| &service.components[..]);
    let mut shown: Vec<ShownNotice> = feed
        .notices
        .iter()
        .filter(|n| is_active(n, now) && is_targeted(n, context) && !is_dismissed(n, context))
        .map(|n| resolve(n, &chain, now, registry))
        .collect();
    shown.sort_by(|a, b| {
        a.severity
            .cmp(&b.severity)
            .then(b.updated_at.cmp(&a.updated_at))
            .then_with(|| a.id.cmp(&b.id))
    });
    shown
}

/// Open (not resolved or completed) and inside its window at `now`: `show_from <= now < ends_at`.
pub fn is_active(notice: &Notice, now: Timestamp) -> bool {
    !notice.status.is_closed()
        && notice.show_from.is_none_or(|from| from <= now)
        && notice.ends_at.is_none_or(|end| now < end)
}

/// The status as of `now`: scheduled maintenance becomes `in_progress` once `starts_at` has passed, even
/// offline; every other status is as published.
pub fn effective_status(notice: &Notice, now: Timestamp) -> Status {
    match (notice.status, notice.starts_at) {
        (Status::Scheduled, Some(start)) if now >= start => Status::InProgress,
        (status, _) => status,
    }
}

fn is_targeted(notice: &Notice, context: &Context) -> bool {
    let platform_ok = match context.platform {
        Some(platform) => notice.platforms.is_empty() || notice.platforms.contains(&platform),
        None => true,
    };
    let version_ok = match (&notice.app_versions, &context.app_version) {
        (Some(requirement), Some(version)) => requirement.matches(version),
        _ => true,
    };
    platform_ok && version_ok
}

fn is_dismissed(notice: &Notice, context: &Context) -> bool {
    notice.dismissible
        && context.dismissed.contains(&Dismissal {
            id: notice.id.clone(),
            revision: notice.revision,
        })
}

/// RFC 4647 "lookup" order: each preferred tag, then its shorter forms, before the next preference; `en` last.
/// `[de-de, nl]` → `de-de, de, nl, en`.
pub fn fallback_chain(locales: &[LanguageTag]) -> Vec<LanguageTag> {
    let mut chain: Vec<LanguageTag> = Vec::new();
    for locale in locales {
        let mut tag = Some(locale.clone());
        while let Some(current) = tag {
            tag = current.parent();
            if !chain.contains(&current) {
                chain.push(current);
            }
        }
    }
    if !chain.iter().any(|tag| tag.as_str() == "en") {
        chain.push(LanguageTag::en());
    }
    chain
}

/// The first language of `chain` that `text` has, and the text; `en` always exists.
pub fn pick<'a>(text: &'a LocalizedText, chain: &[LanguageTag]) -> (LanguageTag, &'a str) {
    chain
        .iter()
        .find_map(|lang| text.get(lang).map(|t| (lang.clone(), t)))
        .unwrap_or_else(|| (LanguageTag::en(), text.en()))
}

fn resolve(
    notice: &Notice,
    chain: &[LanguageTag],
    now: Timestamp,
    registry: &[crate::ComponentInfo],
) -> ShownNotice {
    // Title and body come in the same language: the first one both have (en at worst), never a mix.
    let language = chain
        .iter()
        .find(|lang| notice.title.get(lang).is_some() && notice.body.get(lang).is_some())
        .cloned()
        .unwrap_or_else(LanguageTag::en);
    let title = notice
        .title
        .get(&language)
        .unwrap_or(notice.title.en())
        .to_owned();
    let body = notice
        .body
        .get(&language)
        .unwrap_or(notice.body.en())
        .to_owned();
    // Updates prefer the notice's language, then the rest of the chain (walked in place: no list per notice).
    let updates = notice
        .updates
        .iter()
        .rev()
        .map(|update| {
            let (language, message) = std::iter::once(&language)
                .chain(chain.iter().filter(|l| **l != language))
                .find_map(|lang| update.message.get(lang).map(|t| (lang.clone(), t)))
                .unwrap_or_else(|| (LanguageTag::en(), update.message.en()));
            ShownUpdate {
                at: update.at,
                status: update.status,
                language,
                message: message.to_owned(),
            }
        })
        .collect();
    ShownNotice {
        id: notice.id.clone(),
        revision: notice.revision,
        severity: notice.severity,
        status: effective_status(notice, now),
        language,
        title,
        body,
        components: notice
            .components
            .iter()
            .map(|c| c.as_str().to_owned())
            .collect(),
        component_names: notice
            .components
            .iter()
            .map(|c| match registry.iter().find(|r| &r.id == c) {
                Some(declared) => pick(&declared.name, chain).1.to_owned(),
                None => c.as_str().to_owned(),
            })
            .collect(),
        created_at: notice.created_at,
        link: notice.link.clone(),
        dismissible: notice.dismissible,
        starts_at: notice.starts_at,
        ends_at: notice.ends_at,
        updated_at: notice.updated_at,
        updates,
    }
}
