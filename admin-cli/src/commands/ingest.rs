//! `notice ingest`: after an outage, hand the server the document that was signed offline (break-glass), so
//! it continues from that version and keeps the changes made while it was down.

use clap::Args;
use notice_publish::ingest::ChangeKind;

use super::{Ctx, print_json};
use crate::document::{self, Location};
use crate::error::CliError;
use crate::render::{self, BOLD, OK, WARN, styled};

const EXAMPLES: &str = "\
Run it when the server is back, before any other change: until then the server's own
versions are below the offline one, and apps that saw it refuse them as rollbacks.
The server checks the signatures and that the version is above its own (exit 5 if not).

A notice the server resolved or withdrew without the document knowing stays as the server has
it (the report says so for each); --reopen ID takes the document's state for that notice.

Examples:
  notice ingest ./export/feed.json
  notice ingest https://static.example.net/feed.json
  notice ingest ./export/feed.json --reopen 2026-11-23-keyshare-3f9a";

/// Give the server a document signed offline (break-glass) so it continues from there.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct IngestArgs {
    /// The document: a file (e.g. the export directory's feed.json) or an http(s) URL
    #[arg(value_name = "FILE|URL")]
    source: String,
    /// Take the document's state of this notice even where the server resolved or withdrew it meanwhile
    /// (repeatable)
    #[arg(long, value_name = "ID")]
    reopen: Vec<notice_types::NoticeId>,
    /// Print the server's report as JSON
    #[arg(long)]
    json: bool,
}

impl IngestArgs {
    /// Runs `notice ingest`.
    pub fn run(self, ctx: &Ctx<'_>) -> Result<(), CliError> {
        let api = ctx.api()?;
        let location = Location::parse(&self.source)?;
        let bytes = document::read(&location, &ctx.http(5)?)?;
        let report = api.ingest(&bytes, &self.reopen)?;
        if self.json {
            return print_json(&report);
        }
        let mut text = format!(
            "{} {} into {}: it now serves feed version {} (was {}).\n",
            styled(OK, "Ingested"),
            location,
            api.server(),
            styled(BOLD, report.feed_version),
            report.previous_version,
        );
        for outcome in &report.changes {
            if outcome.change == ChangeKind::Unchanged {
                continue;
            }
            let before = outcome.before.as_ref().map_or_else(
                || "new".to_owned(),
                |b| format!("{} ({}, rev {})", b.status, b.state, b.revision),
            );
            let after = &outcome.after;
            text.push_str(&format!(
                "  {:<10}{}: {before} → {} ({}, rev {})\n",
                outcome.change.as_str(),
                styled(BOLD, &outcome.id),
                after.status,
                after.state,
                after.revision,
            ));
            if let Some(reason) = &outcome.reason {
                let style = if outcome.change == ChangeKind::Kept {
                    WARN
                } else {
                    anstyle::Style::new()
                };
                text.push_str(&format!("            {}\n", styled(style, reason)));
            }
        }
        if report.expired {
            text.push_str(&format!(
                "{} the document had expired; the server re-signs it within seconds\n",
                styled(WARN, "note:")
            ));
        }
        text.push_str(
            "  next:     notice export --out DIR, so the static copies follow the server again\n",
        );
        render::print(&text);
        Ok(())
    }
}
