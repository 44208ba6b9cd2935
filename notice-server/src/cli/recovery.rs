//! `notice-server backup`, `restore` and `recover`: getting the data directory back after losing it.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::Args;
use notice_server::clock::{Clock as _, SystemClock};
use notice_server::{DataDir, DataDirLock, backup, read_key, recover, restore};

use super::SettingsArgs;

/// Arguments of `backup`.
#[derive(Debug, Args)]
pub struct BackupArgs {
    /// The backup file to write (never overwritten). A consistent copy of the database, taken while the
    /// server runs.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
}

impl BackupArgs {
    pub fn run(self, dir: &DataDir) -> anyhow::Result<()> {
        let report = backup(dir, &self.out)?;
        println!("{report}");
        Ok(())
    }
}

/// Arguments of `restore`.
#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// A file written by `notice-server backup`.
    #[arg(long, value_name = "FILE")]
    from: PathBuf,
    /// Move the data directory's current database aside (notice.db.replaced-TIME) instead of refusing.
    #[arg(long)]
    replace: bool,
    #[command(flatten)]
    settings: SettingsArgs,
}

impl RestoreArgs {
    pub fn run(self, dir: &DataDir) -> anyhow::Result<()> {
        let settings = self.settings.settings()?;
        let now = SystemClock.now();
        if !dir.path().is_dir() {
            anyhow::bail!(
                "{} is not a directory; give --data-dir the server's data directory (root.json and feed-key.pem are in it)",
                dir.path().display()
            );
        }
        // A running server would keep its own copy of the old database open: it must be stopped first.
        let _lock = DataDirLock::acquire(dir, "restore", now)?;
        let report = restore(dir, &self.from, self.replace, &settings, now)?;
        println!("{report}");
        Ok(())
    }
}

/// Arguments of `recover`.
#[derive(Debug, Args)]
pub struct RecoverArgs {
    /// The last published document: a copy's feed.json as a file, a directory holding one (an export), an
    /// s3://BUCKET/PREFIX copy, or an https:// URL (a mirror's /v1/feed.json, a static copy).
    #[arg(long, value_name = "FILE|DIR|URL")]
    from: String,
    /// The feed key (feed-key.pem from a backup of the keys, or a break-glass copy) [default: the data
    /// directory's feed-key.pem, when the keys were copied there]
    #[arg(long, value_name = "FILE", env = "NOTICE_FEED_KEY")]
    feed_key: Option<PathBuf>,
    /// The root the apps ship (root.json) [default: the data directory's root.json]
    #[arg(long, value_name = "FILE", env = "NOTICE_ROOT")]
    root: Option<PathBuf>,
    /// The root key, if it is to live in the new directory too (better: keep it offline and pass it to
    /// `rotate-feed-key` only when needed).
    #[arg(long, value_name = "FILE")]
    root_key: Option<PathBuf>,
    #[command(flatten)]
    settings: SettingsArgs,
}

impl RecoverArgs {
    pub fn run(self, dir: &DataDir) -> anyhow::Result<()> {
        let settings = self.settings.settings()?;
        let root_path = given_or_in_dir(
            self.root,
            dir.root_json(),
            "--root root.json (the root the apps ship)",
        )?;
        let feed_key_path = given_or_in_dir(
            self.feed_key,
            dir.feed_key(),
            "--feed-key feed-key.pem (from the backup of the keys or a break-glass copy)",
        )?;
        let document = read_document(&self.from)?;
        let root = std::fs::read(&root_path)
            .with_context(|| format!("cannot read the root file {}", root_path.display()))?;
        let feed_key = read_key(&feed_key_path)?;
        let root_key = self.root_key.as_deref().map(read_key).transpose()?;
        let report = recover(
            dir,
            &document,
            &root,
            &feed_key,
            root_key.as_ref(),
            &settings,
            SystemClock.now(),
        )?;
        println!("{report}");
        Ok(())
    }
}

/// `given`, or `in_dir` when that file exists; else an error saying to give `flag`.
fn given_or_in_dir(given: Option<PathBuf>, in_dir: PathBuf, flag: &str) -> anyhow::Result<PathBuf> {
    match given {
        Some(path) => Ok(path),
        None if in_dir.is_file() => Ok(in_dir),
        None => anyhow::bail!("{} does not exist; give {flag}", in_dir.display()),
    }
}

/// The document at `from`: a file, or the `feed.json` of a copy (a directory, a bucket, a URL).
fn read_document(from: &str) -> anyhow::Result<Vec<u8>> {
    let path = std::path::Path::new(from);
    if path.is_file() {
        let bytes = std::fs::read(path).with_context(|| format!("cannot read {from}"))?;
        anyhow::ensure!(
            bytes.len() <= notice_types::limits::MAX_DOCUMENT_BYTES,
            "{from} is larger than any published document; is it the right file?"
        );
        return Ok(bytes);
    }
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let target = notice_copies::Target::parse(from, &env)?;
    let client = notice_copies::Client::new(std::time::Duration::from_secs(15));
    notice_copies::read_document(&target, &client)?
        .map(|held| held.document)
        .with_context(|| format!("{target} holds no feed.json"))
}
