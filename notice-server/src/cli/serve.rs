//! `notice-server serve`.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context as _;
use clap::Args;
use notice_server::clock::{Clock as _, SystemClock};
use notice_server::{AppState, DataDir, DataDirLock, init, serve, shutdown_signal};

use super::{FeedArgs, SettingsArgs, SiteArgs, run_listening};

/// Arguments of `serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on. Port 0 picks a free port; the chosen address is printed as
    /// `listening on http://ADDR`.
    #[arg(long, env = "NOTICE_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// A copy on another provider to write after every new version: s3://BUCKET/PREFIX (endpoint, region
    /// and credentials as the AWS tools take them: AWS_* variables and profiles, or ?endpoint=&region=
    /// &profile=), or a directory (repeatable; env: comma-separated). A copy found ahead of the server (a
    /// break-glass document) is taken in before anything else is published.
    #[arg(
        long = "publish-to",
        env = "NOTICE_PUBLISH_TO",
        value_delimiter = ',',
        value_name = "URL"
    )]
    publish_to: Vec<String>,
    /// A copy to read but not write (https://… of a CDN or static host, s3://…, a directory), to take in a
    /// break-glass document found there (repeatable; env: comma-separated).
    #[arg(
        long = "watch",
        env = "NOTICE_WATCH",
        value_delimiter = ',',
        value_name = "URL"
    )]
    watch: Vec<String>,
    /// How often the copies are read to notice one that is ahead (they are also read before every write).
    #[arg(long, env = "NOTICE_COPY_CHECK_INTERVAL", default_value = "30s", value_parser = humantime::parse_duration)]
    copy_check_interval: std::time::Duration,
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
        // Everything on the command line is checked before anything is created: a typo must not leave a new
        // data directory (and a printed admin token) behind.
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let target = |text: &String| {
            notice_copies::Target::parse(text, &env).map_err(|e| anyhow::anyhow!("{e}"))
        };
        settings.publish_to = self
            .publish_to
            .iter()
            .map(target)
            .collect::<Result<_, _>>()?;
        if let Some(read_only) = settings.publish_to.iter().find(|t| !t.is_writable()) {
            anyhow::bail!(
                "--publish-to {read_only}: an http(s) URL can be read, not written; give s3://BUCKET/PREFIX or a directory, or use --watch"
            );
        }
        settings.watch = self.watch.iter().map(target).collect::<Result<_, _>>()?;
        let to_init = if dir.is_initialized() {
            None
        } else {
            let options = self.feed.options()?;
            self.site.site(&options.feed_id)?;
            Some(options)
        };
        // Held until the process ends: a second server on this directory refuses to start.
        let _lock = if dir.path().exists() {
            Some(DataDirLock::acquire(dir, "serve", SystemClock.now())?)
        } else {
            None
        };
        if let Some(options) = to_init.filter(|_| !dir.is_initialized()) {
            let report = init(dir, &options, &settings, SystemClock.now())?;
            print!("{report}");
        }
        let _lock = match _lock {
            Some(lock) => lock,
            None => DataDirLock::acquire(dir, "serve", SystemClock.now())?,
        };
        let root = std::fs::read(dir.root_json())
            .with_context(|| format!("cannot read {}", dir.root_json().display()))?;
        let feed_id = notice_types::TrustedRoot::from_envelope_bytes(&root)
            .with_context(|| format!("{} is not a root document", dir.root_json().display()))?
            .payload()
            .feed_id
            .clone();
        settings.site = self.site.site(&feed_id)?;
        settings.copy_check_interval = self.copy_check_interval;
        let state = AppState::open(dir, settings, Arc::new(SystemClock))
            .with_context(|| format!("cannot open {}", dir.path().display()))?;
        self.feed.check_matches(&state.root())?;
        tracing::info!(data_dir = %dir.path().display(), "serving");
        run_listening(self.listen, "server failed", |listener| {
            serve(listener, state, shutdown_signal())
        })
    }
}
