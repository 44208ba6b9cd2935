//! `notice-server rotate-feed-key` and `notice-server prepare-feed-key`.

use std::path::PathBuf;

use clap::Args;
use notice_server::clock::{Clock as _, SystemClock};
use notice_server::{DataDir, prepare_feed_key, rotate_feed_key};

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

/// Arguments of `prepare-feed-key`.
#[derive(Debug, Args)]
pub struct PrepareFeedKeyArgs {
    /// Print only the public key (`ed25519:…`), for scripts
    #[arg(long)]
    quiet: bool,
}

impl PrepareFeedKeyArgs {
    pub fn run(self, dir: &DataDir) -> anyhow::Result<()> {
        let prepared = prepare_feed_key(dir)?;
        if self.quiet {
            println!("{}", prepared.public);
            return Ok(());
        }
        let what = if prepared.created {
            "wrote a new feed key to"
        } else {
            "kept the feed key already prepared in"
        };
        println!("{what} {}", prepared.path.display());
        println!("  public key: {}", prepared.public);
        println!("  key id:     {}", prepared.public.key_id());
        println!(
            "List it in the next root version: notice root prepare --add-feed-key {} [--remove-feed-key OLD] …; the server signs with it once that root is published (notice root publish).",
            prepared.public
        );
        Ok(())
    }
}
