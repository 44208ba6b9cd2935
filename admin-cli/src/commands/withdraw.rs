//! `notice withdraw`: take a notice out of the feed at once, for a notice that should never have been posted.
//! Asks first (unless `--yes`); without a terminal to ask on it refuses, after checking the notice exists.

use clap::Args;
use notice_publish::NoticeChange;

use super::Ctx;
use crate::backend::{Backend, Request};
use crate::error::CliError;
use crate::offline::OfflineArgs;
use crate::prompt;
use crate::render::{BOLD, OK, styled};

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
    /// The notice's id, or the start of it when only one id starts so (see `notice list`)
    #[arg(value_name = "ID")]
    id: String,
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
        // No early refusal without a terminal: an unreachable server, a rejected token or an unknown id is
        // what the operator must hear first; `confirm` below still refuses before anything is sent.
        let backend = Backend::open(ctx, &self.offline)?;
        let now = ctx.now();
        let id = backend.resolve_id(&self.id)?;
        let current = backend.current(&id)?;
        let request = Request::Change {
            id,
            change: NoticeChange::Withdraw,
        };
        let prepared = backend.prepare(request, now)?;
        let notice = &current.notice;
        let action = format!(
            "Withdraw {} notice {} \"{}\" ({})",
            notice.severity,
            notice.id,
            notice.title.en(),
            current.state,
        );
        prompt::confirm(
            &backend.question(&action, &prepared, "It disappears from every app at once."),
            self.yes,
            "withdraw",
        )?;
        let committed = backend.commit(prepared, now)?;
        let written = &committed.response;
        let summary = format!(
            "{} notice {} (feed version {}).\n",
            styled(OK, "Withdrawn:"),
            styled(BOLD, &written.notice.id),
            written.feed_version,
        );
        committed.report(&summary, self.json)
    }
}
