//! `notice-server serve`.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context as _;
use clap::Args;
use notice_server::clock::{Clock as _, SystemClock};
use notice_server::{AppState, DataDir, init, serve, shutdown_signal};

use super::{FeedArgs, SettingsArgs, SiteArgs, run_listening};

/// Arguments of `serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on. Port 0 picks a free port; the chosen address is printed as
    /// `listening on http://ADDR`.
    #[arg(long, env = "NOTICE_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    #[command(flatten)]
    feed: FeedArgs,
    #[command(flatten)]
    settings: SettingsArgs,
    #[command(flatten)]
    site: SiteArgs,
}

impl ServeArgs {
    pub fn run(self, dir: &DataDir) -> anyhow::Result<()> {
        let mut settings = self.settings.settings()?;
        if !dir.is_initialized() {
            let report = init(dir, &self.feed.options()?, &settings, SystemClock.now())?;
            print!("{report}");
        }
        let root = std::fs::read(dir.root_json())
            .with_context(|| format!("cannot read {}", dir.root_json().display()))?;
        let feed_id = notice_types::TrustedRoot::from_envelope_bytes(&root)
            .with_context(|| format!("{} is not a root document", dir.root_json().display()))?
            .payload()
            .feed_id
            .clone();
        settings.site = self.site.site(&feed_id)?;
        let state = AppState::open(dir, settings, Arc::new(SystemClock))
            .with_context(|| format!("cannot open {}", dir.path().display()))?;
        self.feed.check_matches(&state.root())?;
        tracing::info!(data_dir = %dir.path().display(), "serving");
        run_listening(self.listen, "server failed", |listener| {
            serve(listener, state, shutdown_signal())
        })
    }
}
