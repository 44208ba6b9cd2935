//! `notice-server init`.

use clap::Args;
use notice_server::clock::{Clock as _, SystemClock};
use notice_server::{DataDir, InitOptions, init};

use notice_types::{FeedId, RootPayload};

use super::{FeedArgs, SettingsArgs};

/// The feed id of a data directory initialized without --feed-id.
const DEFAULT_FEED_ID: &str = "notice/dev";

/// Arguments of `init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    #[command(flatten)]
    feed: FeedArgs,
    #[command(flatten)]
    settings: SettingsArgs,
}

impl InitArgs {
    pub fn run(self, dir: &DataDir) -> anyhow::Result<()> {
        let settings = self.settings.settings()?;
        let options = self.feed.options()?;
        let report = init(dir, &options, &settings, SystemClock.now())?;
        print!("{report}");
        Ok(())
    }
}

impl FeedArgs {
    pub fn options(&self) -> anyhow::Result<InitOptions> {
        let feed_id = match &self.feed_id {
            Some(id) => id.clone(),
            None => FeedId::parse(DEFAULT_FEED_ID)?,
        };
        Ok(InitOptions {
            feed_id,
            link_hosts: self.link_hosts.clone(),
        })
    }

    /// Refuses to serve a directory whose root says something else than the flags given.
    pub fn check_matches(&self, root: &RootPayload) -> anyhow::Result<()> {
        if let Some(id) = &self.feed_id
            && id != &root.feed_id
        {
            anyhow::bail!(
                "--feed-id is {id} but this data directory holds feed {}; point --data-dir at the right directory or drop --feed-id",
                root.feed_id
            );
        }
        if !self.link_hosts.is_empty() && self.link_hosts != root.link_hosts {
            anyhow::bail!(
                "--link-host is {} but this feed's root allows {}; link hosts are fixed at init",
                self.link_hosts.join(","),
                if root.link_hosts.is_empty() {
                    "none".to_owned()
                } else {
                    root.link_hosts.join(",")
                }
            );
        }
        Ok(())
    }
}
