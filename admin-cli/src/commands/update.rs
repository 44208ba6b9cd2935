//! `notice update`: append a timeline entry (status + localized message) to a notice.

use clap::Args;
use notice_types::NoticeId;

use super::{Ctx, StatusArg, print_json};
use crate::api::PostUpdate;
use crate::error::CliError;
use crate::input::{self, LocalizedArg};
use crate::offline::{self, OfflineArgs};
use crate::render::{self, BOLD, OK, styled};

const EXAMPLES: &str = "\
Examples:
  notice update 2026-11-23-keyshare-3f9a --status identified \\
      --message \"We found the cause and are fixing it.\" \\
      --message nl=\"We hebben de oorzaak gevonden.\"
  notice update 2026-12-01-maintenance-1a2b --status in_progress --message \"It has started.\"
  notice update 2026-11-23-keyshare-3f9a --offline --feed-key feed-key.pem --root root.json \\
      --out ./export --status identified --message \"Cause found.\"     # break-glass";

/// Add a timeline update to a notice and set its status.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct UpdateArgs {
    /// The notice's id (see `notice list`)
    id: NoticeId,
    /// The status from now on
    #[arg(long, value_enum)]
    status: StatusArg,
    /// What happened: "English" or LANG="text" (repeat per language)
    #[arg(long, value_name = "[LANG=]TEXT", value_parser = input::parse_localized, required = true)]
    message: Vec<LocalizedArg>,
    /// Print the server's answer as JSON
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    offline: OfflineArgs,
}

impl UpdateArgs {
    /// Runs `notice update`.
    pub fn run(self, ctx: &Ctx<'_>) -> Result<(), CliError> {
        let body = PostUpdate {
            status: self.status.into(),
            message: input::collect("--message", &self.message)?,
        };
        if self.offline.offline {
            let glass = self.offline.open(ctx)?;
            let draft = offline::draft_of::<notice_server::drafts::PostUpdate>(&body)?;
            glass.announce();
            let now = ctx.now();
            let write = glass.change(
                &self.id,
                notice_server::change::ChangeDraft::Update(draft),
                now,
            )?;
            let exported = glass.publish(&write, now)?;
            return glass.report("Updated", &write, &exported, self.json);
        }
        let written = ctx.api()?.post_update(&self.id, &body)?;
        if self.json {
            return print_json(&written);
        }
        render::print(&format!(
            "{} notice {} is now {} (revision {}, feed version {}).\n",
            styled(OK, "Updated:"),
            styled(BOLD, &written.notice.id),
            styled(BOLD, written.notice.status),
            written.notice.revision,
            written.feed_version_text(),
        ));
        Ok(())
    }
}
