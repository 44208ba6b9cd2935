//! `notice withdraw`: take a notice out of the feed at once, for a notice that should never have been posted.
//! Asks first (unless `--yes`); refuses at once when there is no terminal to ask on.

use clap::Args;
use notice_types::NoticeId;

use super::{Ctx, print_json};
use crate::error::CliError;
use crate::offline::OfflineArgs;
use crate::prompt;
use crate::render::{self, BOLD, OK, styled};

const EXAMPLES: &str = "\
Withdrawing is for mistakes. For an incident that is over, use `notice resolve`:
users then see on the status page that it was resolved.

Examples:
  notice withdraw 2026-11-23-keyshare-3f9a
  notice withdraw 2026-11-23-keyshare-3f9a --yes
  notice withdraw 2026-11-23-keyshare-3f9a --offline --feed-key feed-key.pem \\
      --root root.json --out ./export                                  # break-glass";

/// Take a notice out of the feed at once.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct WithdrawArgs {
    /// The notice's id (see `notice list`)
    id: NoticeId,
    /// Withdraw without asking
    #[arg(short, long)]
    yes: bool,
    /// Print the server's answer as JSON
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    offline: OfflineArgs,
}

impl WithdrawArgs {
    /// Runs `notice withdraw`.
    pub fn run(self, ctx: &Ctx<'_>) -> Result<(), CliError> {
        prompt::require_way_to_confirm(self.yes, "withdraw", "")?;
        if self.offline.offline {
            return self.run_offline(ctx);
        }
        let api = ctx.api()?;
        if !self.yes {
            let record = api.get(&self.id)?;
            prompt::confirm(
                &format!(
                    "Withdraw {} notice {} \"{}\" ({}) from {}? It disappears from every app at once.",
                    record.notice.severity,
                    record.notice.id,
                    record.notice.title.en(),
                    record.state.as_str(),
                    api.server()
                ),
                false,
                "withdraw",
            )?;
        }
        let written = api.withdraw(&self.id)?;
        if self.json {
            return print_json(&written);
        }
        render::print(&format!(
            "{} notice {} (feed version {}).\n",
            styled(OK, "Withdrawn:"),
            styled(BOLD, &written.notice.id),
            written.feed_version_text(),
        ));
        Ok(())
    }

    /// Break-glass: the notice leaves the feed in a document signed here.
    fn run_offline(&self, ctx: &Ctx<'_>) -> Result<(), CliError> {
        let glass = self.offline.open(ctx)?;
        let notice = glass.notice(&self.id)?;
        glass.announce();
        let question = format!(
            "Withdraw {} notice {} \"{}\" in a document signed offline? It disappears from every app that reads it.",
            notice.severity,
            notice.id,
            notice.title.en(),
        );
        let now = ctx.now();
        let write = glass.change(&self.id, notice_server::change::ChangeDraft::Withdraw, now)?;
        if !self.yes {
            prompt::confirm(&question, false, "withdraw")?;
        }
        let exported = glass.publish(&write, now)?;
        glass.report("Withdrawn:", &write, &exported, self.json)
    }
}
