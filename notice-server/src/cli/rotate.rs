//! `notice-server rotate-feed-key`.

use std::path::PathBuf;

use clap::Args;
use notice_server::clock::{Clock as _, SystemClock};
use notice_server::{DataDir, rotate_feed_key};

use super::SettingsArgs;

/// Arguments of `rotate-feed-key`.
#[derive(Debug, Args)]
pub struct RotateArgs {
    /// The root key (PKCS#8 PEM). Default: root-key.pem in the data directory, if it is still there.
    #[arg(long, env = "NOTICE_ROOT_KEY")]
    root_key: Option<PathBuf>,
    #[command(flatten)]
    settings: SettingsArgs,
}

impl RotateArgs {
    pub fn run(self, dir: &DataDir) -> anyhow::Result<()> {
        let settings = self.settings.settings()?;
        let root_key = self.root_key.unwrap_or_else(|| dir.root_key());
        let rotated = rotate_feed_key(dir, &root_key, &settings, SystemClock.now())?;
        println!("rotated the feed key of {}", dir.path().display());
        println!("  root version: v{}", rotated.root_version);
        println!("  feed key:     {}", rotated.feed_public);
        println!(
            "  feed version: {} (signed with the new key)",
            rotated.feed_version
        );
        println!(
            "A running server serves it within seconds; the old feed key is no longer trusted by apps."
        );
        Ok(())
    }
}
