//! `notice list`: the notices in the feed (or, with `--all`, every notice ever posted).

use clap::Args;
use serde::Serialize;

use super::{Ctx, print_json};
use crate::error::CliError;
use crate::render;
use notice_publish::NoticeRecord;

const EXAMPLES: &str = "\
Examples:
  notice list
  notice list --all
  notice list --json | jq -r '.notices[].notice.id'";

/// List notices.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct ListArgs {
    /// Also resolved and withdrawn notices
    #[arg(long)]
    all: bool,
    /// Print `{"notices": [{"notice": …, "state": …}]}` as JSON
    #[arg(long)]
    json: bool,
}

#[derive(Serialize)]
struct Listing<'a> {
    notices: &'a [NoticeRecord],
}

impl ListArgs {
    /// Runs `notice list`.
    pub fn run(self, ctx: &Ctx<'_>) -> Result<(), CliError> {
        let mut records = ctx.api()?.list(self.all)?;
        // Most severe first, then most recently changed: the order of the app's banners.
        records.sort_by(|a, b| {
            a.notice
                .severity
                .cmp(&b.notice.severity)
                .then(b.notice.updated_at.cmp(&a.notice.updated_at))
                .then_with(|| a.notice.id.cmp(&b.notice.id))
        });
        if self.json {
            return print_json(&Listing { notices: &records });
        }
        if records.is_empty() {
            let text = if self.all {
                "No notices have been posted.\n"
            } else {
                "No active notices: apps show nothing. (`notice list --all` includes resolved and withdrawn ones.)\n"
            };
            render::print(text);
            return Ok(());
        }
        render::print(&render::notice_table(&records, ctx.now()));
        Ok(())
    }
}
