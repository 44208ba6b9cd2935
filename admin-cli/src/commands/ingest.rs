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

Examples:
  notice ingest ./export/feed.json
  notice ingest https://static.example.net/feed.json";

/// Give the server a document signed offline (break-glass) so it continues from there.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct IngestArgs {
    /// The document: a file (e.g. the export directory's feed.json) or an http(s) URL
    #[arg(value_name = "FILE|URL")]
    source: String,
    /// Print the server's report as JSON
    #[arg(long)]
    json: bool,
}

impl IngestArgs {
    /// Runs `notice ingest`.
    pub fn run(self, ctx: &Ctx<'_>) -> Result<(), CliError> {
        let api = ctx.api()?;
        let location = Location::parse(&self.source);
        let bytes = document::read(&location, &ctx.http(5))?;
        let report = api.ingest(&bytes)?;
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
        for (what, ids) in &report.notices {
            if *what != ChangeKind::Unchanged && !ids.is_empty() {
                let ids: Vec<&str> = ids.iter().map(|id| id.as_str()).collect();
                text.push_str(&format!("  {:<10}{}\n", what.as_str(), ids.join(", ")));
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
