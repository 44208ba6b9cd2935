//! The feed payload: every notice currently published for one feed, with a version and a lifetime.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::limits::MAX_NOTICES;
use crate::{FeedId, InvalidField, Notice, ServiceInfo, Timestamp};

/// The signed list of notices. An empty list is a signed "all clear".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "FeedFields")]
pub struct FeedPayload {
    /// Which app and environment this feed is for.
    pub feed_id: FeedId,
    /// Strictly increasing across everything the feed owner ever signs.
    pub version: u64,
    /// When it was signed.
    pub issued_at: Timestamp,
    /// After this, clients report the feed as expired instead of current. The server re-signs on a heartbeat
    /// so a live feed never gets here; a frozen mirror does.
    pub expires_at: Timestamp,
    /// The notices, in no particular order (selection orders them).
    pub notices: Vec<Notice>,
    /// What the feed is about: name, status page, time zone, components (optional; see [`ServiceInfo`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<ServiceInfo>,
}

#[derive(Deserialize)]
struct FeedFields {
    feed_id: FeedId,
    version: u64,
    issued_at: Timestamp,
    expires_at: Timestamp,
    #[serde(deserialize_with = "crate::bounded::vec::<_, _, MAX_NOTICES>")]
    notices: Vec<Notice>,
    #[serde(default)]
    service: Option<ServiceInfo>,
}

impl TryFrom<FeedFields> for FeedPayload {
    type Error = InvalidField;
    fn try_from(f: FeedFields) -> Result<Self, Self::Error> {
        let feed = FeedPayload {
            feed_id: f.feed_id,
            version: f.version,
            issued_at: f.issued_at,
            expires_at: f.expires_at,
            notices: f.notices,
            service: f.service,
        };
        // Every notice was checked as it was parsed (`Notice` parses through its own `TryFrom`); checking
        // them again would double the cost of every refresh for nothing.
        feed.check(false)?;
        Ok(feed)
    }
}

impl FeedPayload {
    /// Checks the feed-level rules and every notice.
    pub fn validate(&self) -> Result<(), InvalidField> {
        self.check(true)
    }

    /// The feed-level rules, and each notice's own rules when `notices` (already done for parsed ones).
    fn check(&self, notices: bool) -> Result<(), InvalidField> {
        if self.version == 0 {
            return Err(InvalidField::new("version", "starts at 1"));
        }
        if self.expires_at <= self.issued_at {
            return Err(InvalidField::new("expires_at", "is not after issued_at"));
        }
        if self.notices.len() > MAX_NOTICES {
            return Err(InvalidField::new(
                "notices",
                format!("at most {MAX_NOTICES} notices in one feed"),
            ));
        }
        if notices && let Some(service) = &self.service {
            service.validate().map_err(|e| e.within("service"))?;
        }
        let mut ids = BTreeSet::new();
        for (i, notice) in self.notices.iter().enumerate() {
            let at = || format!("notices[{i}]");
            if notices {
                notice.validate().map_err(|e| e.within(&at()))?;
            }
            if !ids.insert(&notice.id) {
                return Err(InvalidField::new(
                    "id",
                    format!("notice `{}` appears twice", notice.id),
                )
                .within(&at()));
            }
        }
        Ok(())
    }

    /// Whether the feed is past its expiry, judged at `max(now, last_verified_issued_at)` so that a clock
    /// stepped back cannot make an expired feed look current again.
    pub fn is_expired(&self, now: Timestamp, last_verified_issued_at: Option<Timestamp>) -> bool {
        let as_of = last_verified_issued_at.map_or(now, |seen| now.max(seen));
        as_of >= self.expires_at
    }

    /// The notice with `id`, if published.
    pub fn notice(&self, id: &crate::NoticeId) -> Option<&Notice> {
        self.notices.iter().find(|n| &n.id == id)
    }
}
