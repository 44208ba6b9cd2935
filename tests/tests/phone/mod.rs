#![allow(
    dead_code,
    reason = "each test binary uses the part of the phone it needs"
)]

//! One phone for the end-to-end tests: the library the app embeds (`notice-client`) with its own state
//! directory, the user's locale and short timeouts, refreshed against the real processes.

use std::time::Duration;

use notice_client::{Client, Config, RefreshOutcome, Status, Timeouts};
use notice_types::{FeedId, Status as NoticeStatus, TrustedRoot, verify};

/// The client's deadline for one whole refresh.
pub const DEADLINE: Duration = Duration::from_secs(3);

/// The library with its own state directory and the user's locale.
pub struct Phone {
    client: Client,
    _state: tempfile::TempDir,
}

impl Phone {
    /// A fresh install for `feed_id`, shipping `root`, reading `mirrors` in order, in `locale`.
    pub fn new(feed_id: &str, root: &[u8], mirrors: &[String], locale: &str) -> Phone {
        Self::with_config(feed_id, root, mirrors, locale, |_| {})
    }

    /// As [`Phone::new`], with `adjust` changing the configuration last (e.g. a private CA).
    pub fn with_config(
        feed_id: &str,
        root: &[u8],
        mirrors: &[String],
        locale: &str,
        adjust: impl FnOnce(&mut Config),
    ) -> Phone {
        let state = tempfile::tempdir().unwrap();
        let mut config = Config::new(FeedId::parse(feed_id).unwrap(), root.to_vec(), state.path());
        config.mirrors = mirrors.to_vec();
        config.context.locales = vec![locale.to_owned()];
        config.timeouts = Timeouts {
            connect: Duration::from_millis(500),
            mirror: Duration::from_millis(1500),
            deadline: DEADLINE,
            min_refresh_interval: Duration::ZERO,
        };
        adjust(&mut config);
        Phone {
            client: Client::new(config).expect("client"),
            _state: state,
        }
    }

    /// One refresh, which must not fail as a whole.
    pub fn refresh(&self) -> RefreshOutcome {
        self.client
            .refresh(notice_client::system_now())
            .unwrap_or_else(|e| panic!("refresh failed: {e}; status: {:#?}", self.status()))
    }

    /// One refresh, as it went: `Err` when no mirror gave a document that verifies.
    pub fn try_refresh(&self) -> Result<RefreshOutcome, notice_client::ClientError> {
        self.client.refresh(notice_client::system_now())
    }

    /// Refreshes and returns the version it holds afterwards.
    pub fn refreshed_version(&self) -> Option<u64> {
        match self.client.refresh(notice_client::system_now()) {
            Ok(RefreshOutcome::Updated { version }) => Some(version),
            _ => self.status().version,
        }
    }

    /// What the library says about its state and mirrors.
    pub fn status(&self) -> Status {
        self.client.status(notice_client::system_now())
    }

    /// The notices shown now: (id, title, status, newest timeline message), in display order.
    pub fn shown_all(&self) -> Vec<(String, String, NoticeStatus, Option<String>)> {
        self.client
            .notices(notice_client::system_now())
            .notices
            .into_iter()
            .map(|n| {
                (
                    n.id.to_string(),
                    n.title.clone(),
                    n.status,
                    n.updates.first().map(|u| u.message.clone()),
                )
            })
            .collect()
    }

    /// The one notice shown: (title, status, newest timeline message).
    pub fn shown(&self) -> (String, NoticeStatus, Option<String>) {
        let mut all = self.shown_all();
        assert_eq!(all.len(), 1, "{all:#?}");
        let (_, title, status, message) = all.remove(0);
        (title, status, message)
    }

    /// The error code of the last attempt on mirror `url`, if it failed.
    pub fn error_of(&self, url: &str) -> Option<String> {
        self.status()
            .mirrors
            .into_iter()
            .find(|m| m.url == url)
            .and_then(|m| m.last_error)
            .map(|e| e.code)
    }
}

/// The version `url` serves, if it answers with a document that verifies.
pub fn served_version(url: &str, trusted: &TrustedRoot) -> Option<u64> {
    let fetched = notice_tests::get(url);
    (fetched.status == 200)
        .then(|| verify(&fetched.body, trusted, None, notice_tests::now()).ok())
        .flatten()
        .map(|v| v.feed.version)
}
