//! A notice as the operator sees it: the notice, plus where it is in its life (active, resolved, withdrawn)
//! and when it closed. The feed carries only the notice; the state decides whether it is in the feed at all.

use std::str::FromStr;
use std::time::Duration;

use notice_types::{Notice, Timestamp};
use serde::{Deserialize, Serialize};

/// Where a notice is from the operator's point of view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeState {
    /// Open and in the feed.
    Active,
    /// Resolved or completed: in the feed (closed) until its retention passes.
    Resolved,
    /// Taken out of the feed as a mistake; never published again.
    Withdrawn,
}

impl NoticeState {
    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeState::Active => "active",
            NoticeState::Resolved => "resolved",
            NoticeState::Withdrawn => "withdrawn",
        }
    }
}

impl std::fmt::Display for NoticeState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for NoticeState {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "active" => Ok(NoticeState::Active),
            "resolved" => Ok(NoticeState::Resolved),
            "withdrawn" => Ok(NoticeState::Withdrawn),
            other => Err(format!(
                "unknown notice state `{}`; expected active, resolved or withdrawn",
                other.escape_debug()
            )),
        }
    }
}

/// A notice with its state, as the admin API returns it and the server stores it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoticeRecord {
    /// The current revision, timeline included.
    pub notice: Notice,
    /// Active, resolved or withdrawn.
    pub state: NoticeState,
    /// When it was closed (resolved or completed); retention counts from here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_at: Option<Timestamp>,
}

impl NoticeRecord {
    /// A new, open record.
    pub fn new(notice: Notice) -> Self {
        Self {
            notice,
            state: NoticeState::Active,
            closed_at: None,
        }
    }

    /// A notice read from a published feed, as the store would hold it: closed ones resolved (at
    /// [`closed_at`]), open ones active.
    pub fn from_feed(notice: Notice) -> Self {
        let closed = notice.status.is_closed().then(|| closed_at(&notice));
        Self {
            state: if closed.is_some() {
                NoticeState::Resolved
            } else {
                NoticeState::Active
            },
            closed_at: closed,
            notice,
        }
    }

    /// Brings `state` and `closed_at` in line with the notice's status after a change at `now` (a closed
    /// status means resolved; reopening makes it active again). Withdrawn stays withdrawn.
    pub fn follow_status(&mut self, now: Timestamp) {
        if self.state == NoticeState::Withdrawn {
            return;
        }
        if self.notice.status.is_closed() {
            if self.state != NoticeState::Resolved {
                self.state = NoticeState::Resolved;
                self.closed_at = Some(now);
            }
        } else {
            self.state = NoticeState::Active;
            self.closed_at = None;
        }
    }
}

/// When a closed notice was closed: the time of its latest update if that update closed it, otherwise the
/// time of its last change (a status set by an edit). The server records the same moment when it resolves.
pub fn closed_at(notice: &Notice) -> Timestamp {
    match notice.latest_update() {
        Some(update) if update.status.is_closed() => update.at,
        _ => notice.updated_at,
    }
}

/// Whether a notice still belongs in a feed published at `now`: open ones always, closed ones until
/// `retention` has passed since they closed (the server's rule for its stored notices, too).
pub fn in_retention(notice: &Notice, now: Timestamp, retention: Duration) -> bool {
    !notice.status.is_closed() || closed_at(notice) > now.plus_seconds(-secs(retention))
}

/// Whole seconds of `duration`, saturating (durations here are settings of at most a year).
pub fn secs(duration: Duration) -> i64 {
    i64::try_from(duration.as_secs()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use notice_tests::NoticeBuilder;
    use notice_types::{Severity, Status};

    #[test]
    fn a_notice_closes_at_its_closing_update_or_last_change() {
        let at = Timestamp::from_unix(1_000);
        let mut notice = NoticeBuilder::new("n", Severity::Outage)
            .english("t", "b")
            .revision(2)
            .status(Status::Resolved)
            .posted_at(at)
            .updated(300)
            .update(100, Status::Resolved, &[("en", "Fixed.")])
            .build();
        assert_eq!(closed_at(&notice), at.plus_seconds(100));
        let record = NoticeRecord::from_feed(notice.clone());
        assert_eq!(record.state, NoticeState::Resolved);
        assert_eq!(record.closed_at, Some(at.plus_seconds(100)));
        let day = Duration::from_secs(86_400);
        assert!(in_retention(&notice, at.plus_seconds(86_399), day));
        assert!(!in_retention(&notice, at.plus_seconds(86_500), day));
        notice.updates[0].status = Status::Monitoring;
        assert_eq!(closed_at(&notice), at.plus_seconds(300));
        notice.status = Status::Monitoring;
        assert!(in_retention(&notice, at.plus_seconds(1_000_000), day));
        assert_eq!(NoticeRecord::from_feed(notice).state, NoticeState::Active);
    }

    #[test]
    fn states_round_trip_through_their_names() {
        for state in [
            NoticeState::Active,
            NoticeState::Resolved,
            NoticeState::Withdrawn,
        ] {
            assert_eq!(state.as_str().parse::<NoticeState>(), Ok(state));
            assert_eq!(
                serde_json::to_value(state).unwrap(),
                serde_json::Value::from(state.as_str())
            );
        }
        assert!("open".parse::<NoticeState>().is_err());
    }
}
