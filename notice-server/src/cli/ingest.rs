//! `notice-server ingest FILE`: takes in a document signed offline (break-glass), on the data directory
//! directly, also before `serve` starts or while it runs (it picks the new version up within seconds).

use std::path::PathBuf;

use anyhow::Context as _;
use clap::Args;
use notice_server::clock::{Clock as _, SystemClock};
use notice_server::{Actor, DataDir, LOCAL_ACTOR, ingest, open_database};

use super::SettingsArgs;

/// Arguments of `ingest`.
#[derive(Debug, Args)]
pub struct IngestArgs {
    /// The published document (feed.json) signed offline with this server's feed key.
    file: PathBuf,
    /// Take the document's state of this notice even where the server resolved or withdrew it without the
    /// document knowing (repeatable; the report names such notices)
    #[arg(long, value_name = "ID")]
    reopen: Vec<notice_types::NoticeId>,
    #[command(flatten)]
    settings: SettingsArgs,
}

impl IngestArgs {
    pub fn run(self, dir: &DataDir) -> anyhow::Result<()> {
        let settings = self.settings.settings()?;
        let bytes = std::fs::read(&self.file)
            .with_context(|| format!("cannot read {}", self.file.display()))?;
        if bytes.len() > notice_types::limits::MAX_DOCUMENT_BYTES {
            anyhow::bail!(
                "{} is {} bytes, more than any published document ({} bytes); is it the right file?",
                self.file.display(),
                bytes.len(),
                notice_types::limits::MAX_DOCUMENT_BYTES
            );
        }
        let mut conn = open_database(dir)?;
        let ingested = ingest(
            &mut conn,
            dir,
            &settings,
            &bytes,
            &Actor::untokened(LOCAL_ACTOR),
            SystemClock.now(),
            &self.reopen.iter().cloned().collect(),
        )
        .with_context(|| format!("{} was not ingested", self.file.display()))?;
        let report = &ingested.report;
        println!(
            "ingested feed version {} (the server was at {})",
            report.feed_version, report.previous_version
        );
        for outcome in &report.changes {
            let before = outcome.before.as_ref().map_or_else(
                || "new".to_owned(),
                |b| format!("{} ({}, rev {})", b.status, b.state, b.revision),
            );
            let after = &outcome.after;
            println!(
                "  {:<10} {}: {before} → {} ({}, rev {})",
                outcome.change.as_str(),
                outcome.id,
                after.status,
                after.state,
                after.revision
            );
            if let Some(reason) = &outcome.reason {
                println!("             {reason}");
            }
        }
        if report.expired {
            println!(
                "it expired at {}: `serve` re-signs it as version {} when it starts (a running server within seconds)",
                report.expires_at,
                report.feed_version + 1
            );
        }
        Ok(())
    }
}
