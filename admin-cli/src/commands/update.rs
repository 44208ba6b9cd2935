//! `notice update`: append a timeline entry (status + localized message) to a notice.

use clap::Args;
use notice_publish::{NoticeChange, PostUpdate, TextInput};

use super::{Ctx, StatusArg};
use crate::backend::{Backend, Request};
use crate::error::CliError;
use crate::input::{self, LocalizedArg};
use crate::offline::OfflineArgs;
use crate::prompt;
use crate::render::{BOLD, OK, styled};

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
    /// The notice's id, or the start of it when only one id starts so (see `notice list`)
    #[arg(value_name = "ID")]
    id: String,
    /// The status from now on
    #[arg(long, value_enum)]
    status: StatusArg,
    /// What happened: "English" or LANG="text" (repeat per language)
    #[arg(long, value_name = "[LANG=]TEXT", value_parser = input::parse_localized, required = true)]
    message: Vec<LocalizedArg>,
    /// Publish even when the change looks like a mistake (maintenance set in progress well before its
    /// start, a second open outage on a component): the warning is printed either way
    #[arg(short, long)]
    yes: bool,
    /// Print the server's answer as JSON
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    offline: OfflineArgs,
}

impl UpdateArgs {
    /// Runs `notice update`.
    pub fn run(self, ctx: &Ctx<'_>) -> Result<(), CliError> {
        let update = PostUpdate {
            status: self.status.into(),
            message: TextInput::from(&input::collect("--message", &self.message)?),
        };
        let backend = Backend::open(ctx, &self.offline)?;
        let now = ctx.now();
        let request = Request::Change {
            id: backend.resolve_id(&self.id)?,
            change: NoticeChange::Update(update),
        };
        let prepared = backend.prepare(request, now)?;
        prompt::confirm_cautions(&prepared.response.cautions, self.yes, "publish the update")?;
        let committed = backend.commit(prepared, now)?;
        let written = &committed.response;
        let summary = format!(
            "{} notice {} is now {} (revision {}, feed version {}).\n",
            styled(OK, "Updated:"),
            styled(BOLD, &written.notice.id),
            styled(BOLD, written.notice.status),
            written.notice.revision,
            written.feed_version,
        );
        committed.report(&summary, self.json)
    }
}
