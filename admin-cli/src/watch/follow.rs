//! "Optionally on every publish by anyone": the watchdog reads the public feed (`/v1/feed.json`, or any
//! mirror), verifies it with the root as an app does, and for each new version tells the webhooks with
//! `publishes = true` what changed (new, updated, resolved, removed notices), so people learn what the
//! phones show. The server itself sends nothing outward.
//!
//! Each verified document read is also kept in the state directory ([`KeptFeed`]): when the server is down
//! and the copies have no document yet (a fresh export directory), break-glass signs on top of it.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use notice_types::{FeedPayload, Notice, Timestamp, TrustedRoot, Verified, verify};

use crate::document::{self, Location};
use crate::error::CliError;
use crate::http::Http;
use crate::watch::config::Follow;
use crate::watch::metrics::Metrics;
use crate::watch::notify::{Message, Notifier};
use crate::watch::state::KeptFeed;
use crate::watch::{Clock, Stop};

/// Everything following needs.
pub struct Follower {
    /// What to follow.
    pub follow: Follow,
    /// The root the apps ship.
    pub trusted: TrustedRoot,
    /// A client (the CA of the configuration).
    pub http: Http,
    /// Where the messages go.
    pub notifier: Notifier,
    /// Where the version is shown.
    pub metrics: Arc<Metrics>,
    /// The command's clock.
    pub clock: Clock,
    /// The last version seen (0: none), shared with the state file's writer.
    pub seen: Arc<AtomicU64>,
    /// Where the newest verified document is kept for break-glass; none in a dry run (nothing written).
    pub keep: Option<KeptFeed>,
}

/// Reads the document at `feed` and verifies it under `trusted` at `now`, as an app does.
fn fetch(
    feed: &str,
    http: &Http,
    trusted: &TrustedRoot,
    now: Timestamp,
) -> Result<(Vec<u8>, Verified), CliError> {
    let bytes = document::read(&Location::Url(feed.to_owned()), http)?;
    let verified = verify(&bytes, trusted, None, now).map_err(|e| CliError::Verification {
        what: feed.to_owned(),
        code: e.code(),
        message: e.to_string(),
        hint: None,
    })?;
    Ok((bytes, verified))
}

/// Keeps `bytes` (verified, feed `version`) for break-glass; a failure is logged, never fatal.
fn keep(kept: &mut KeptFeed, bytes: &[u8], version: u64) {
    match kept.keep(bytes, version) {
        Ok(true) => tracing::debug!(version, "kept the followed feed for break-glass"),
        Ok(false) => {}
        Err(e) => {
            tracing::warn!(error = %e, "cannot keep the followed feed; break-glass uses the copies' own documents")
        }
    }
}

/// `--once` (cron) with break-glass: reads the followed feed once and keeps it in `state_dir`, so that a
/// run that finds the server down can break glass into copies that have no document yet. No webhooks: one
/// run has nothing to compare with.
pub fn keep_once(
    follow: &Follow,
    http: &Http,
    trusted: &TrustedRoot,
    state_dir: &Path,
    now: Timestamp,
) {
    match fetch(&follow.feed, http, trusted, now) {
        Ok((bytes, verified)) => keep(
            &mut KeptFeed::open(state_dir, trusted),
            &bytes,
            verified.feed.version,
        ),
        Err(e) => {
            tracing::warn!(feed = %follow.feed, error = %e, "cannot read the followed feed")
        }
    }
}

impl Follower {
    /// Reads the feed every interval until `stop`.
    pub fn run(mut self, stop: &Stop) {
        let mut last: Option<FeedPayload> = None;
        loop {
            let now = self.clock.now();
            match fetch(&self.follow.feed, &self.http, &self.trusted, now) {
                Ok((bytes, verified)) => {
                    if let Some(kept) = &mut self.keep {
                        keep(kept, &bytes, verified.feed.version);
                    }
                    let feed = verified.feed;
                    let before = self.seen.load(Ordering::Relaxed);
                    if feed.version > before {
                        self.metrics.followed(feed.version);
                        let previous = (before > 0).then_some(before);
                        if let Some(text) = describe(previous, last.as_ref(), &feed) {
                            tracing::info!(event = "published", version = feed.version, "{text}");
                            self.notifier.send(Message {
                                event: "published",
                                check: None,
                                notice_id: None,
                                message: text,
                                at: now,
                            });
                        }
                        self.seen.store(feed.version, Ordering::Relaxed);
                    }
                    last = Some(feed);
                }
                Err(e) => {
                    tracing::warn!(feed = %self.follow.feed, error = %e, "cannot read the followed feed")
                }
            }
            if stop.wait(self.follow.interval) {
                return;
            }
        }
    }
}

/// What a new version changed, in one sentence; `None` for the first version seen at all (nothing to
/// compare with, and nothing new to anyone).
pub fn describe(
    previous: Option<u64>,
    old: Option<&FeedPayload>,
    new: &FeedPayload,
) -> Option<String> {
    let previous = previous?;
    let Some(old) = old else {
        // Seen before this process started: the notices as they are now.
        let open: Vec<String> = new
            .notices
            .iter()
            .filter(|n| !n.status.is_closed())
            .map(one)
            .collect();
        return Some(format!(
            "feed version {} published (was {previous}); open now: {}",
            new.version,
            if open.is_empty() {
                "none".to_owned()
            } else {
                open.join("; ")
            }
        ));
    };
    let before: BTreeMap<&str, &Notice> = old.notices.iter().map(|n| (n.id.as_str(), n)).collect();
    let mut changes = Vec::new();
    for notice in &new.notices {
        match before.get(notice.id.as_str()) {
            None => changes.push(format!("new {}", one(notice))),
            Some(earlier) if earlier.revision != notice.revision => {
                let what = if notice.status.is_closed() && !earlier.status.is_closed() {
                    "resolved"
                } else {
                    "updated"
                };
                changes.push(format!("{what} {}", one(notice)));
            }
            Some(_) => {}
        }
    }
    for notice in &old.notices {
        if !new.notices.iter().any(|n| n.id == notice.id) {
            changes.push(format!("removed {}", notice.id));
        }
    }
    let what = if changes.is_empty() {
        "no notice changed (re-signed)".to_owned()
    } else {
        changes.join("; ")
    };
    Some(format!(
        "feed version {} published (was {previous}): {what}",
        new.version
    ))
}

/// `ID "Title" (severity, status)`.
fn one(notice: &Notice) -> String {
    let title = notice
        .title
        .get(&notice_types::LanguageTag::en())
        .unwrap_or_default();
    format!(
        "{} \"{title}\" ({}, {})",
        notice.id, notice.severity, notice.status
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use notice_types::Status;

    fn feed(version: u64, notices: Vec<Notice>) -> FeedPayload {
        let mut feed: FeedPayload = serde_json::from_value(serde_json::json!({
            "feed_id": "yivi-app/test",
            "version": version,
            "issued_at": "2026-11-23T16:45:00Z",
            "expires_at": "2026-11-26T16:45:00Z",
            "notices": []
        }))
        .unwrap();
        feed.notices = notices;
        feed
    }

    fn notice(id: &str, revision: u64, status: Status) -> Notice {
        let mut notice: Notice = serde_json::from_value(serde_json::json!({
            "id": id, "revision": revision, "severity": "outage", "status": "investigating",
            "title": {"en": "PIN validation is down"}, "body": {"en": "We know."},
            "created_at": "2026-11-23T16:45:00Z", "updated_at": "2026-11-23T16:45:00Z",
            "dismissible": false
        }))
        .unwrap();
        notice.status = status;
        notice
    }

    #[test]
    fn a_new_version_is_described_by_what_changed() {
        let old = feed(
            3,
            vec![
                notice("a", 1, Status::Investigating),
                notice("gone", 1, Status::Investigating),
            ],
        );
        let new = feed(
            4,
            vec![
                notice("a", 2, Status::Resolved),
                notice("watch-keyshare-20261123-1", 1, Status::Investigating),
            ],
        );
        let text = describe(Some(3), Some(&old), &new).unwrap();
        assert_eq!(
            text,
            "feed version 4 published (was 3): resolved a \"PIN validation is down\" (outage, resolved); new watch-keyshare-20261123-1 \"PIN validation is down\" (outage, investigating); removed gone"
        );
        assert_eq!(
            describe(None, None, &new),
            None,
            "the first version seen is the baseline"
        );
        assert!(
            describe(Some(3), Some(&new), &feed(5, new.notices.clone()))
                .unwrap()
                .contains("re-signed")
        );
    }
}
