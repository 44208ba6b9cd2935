//! `notice show`: one notice with all its languages and its update timeline.

use clap::Args;
use notice_types::NoticeId;

use super::{Ctx, print_json};
use crate::error::CliError;
use crate::render;

const EXAMPLES: &str = "\
Examples:
  notice show 2026-11-23-keyshare-3f9a
  notice show 2026-11-23-keyshare-3f9a --json";

/// Show one notice with its update timeline.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct ShowArgs {
    /// The notice's id, or the start of it when only one id starts so (see `notice list --all`)
    #[arg(value_name = "ID")]
    id: String,
    /// Print `{"notice": …, "state": …}` as JSON
    #[arg(long)]
    json: bool,
}

impl ShowArgs {
    /// Runs `notice show`.
    pub fn run(self, ctx: &Ctx<'_>) -> Result<(), CliError> {
        let api = ctx.api()?;
        let ids: Vec<NoticeId> = api.list(true)?.into_iter().map(|r| r.notice.id).collect();
        let id = crate::backend::resolve_prefix(&self.id, &ids)?;
        let record = api.get(&id)?;
        if self.json {
            return print_json(&record);
        }
        render::print(&render::notice_details(&record, ctx.now()));
        Ok(())
    }
}
