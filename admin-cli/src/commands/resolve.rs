//! `notice resolve`: close an incident (resolved) or maintenance (completed). The notice stays in the feed,
//! closed, for the server's retention period; apps stop showing it at once.

use clap::Args;
use notice_publish::{NoticeChange, Resolve, TextInput};

use super::Ctx;
use crate::backend::{Backend, Request};
use crate::error::CliError;
use crate::input::{self, LocalizedArg};
use crate::offline::OfflineArgs;
use crate::prompt;
use crate::render::{BOLD, OK, styled};

const EXAMPLES: &str = "\
Without --message the server adds \"Resolved.\" (or \"Maintenance completed.\")
in English, Dutch and German.

Examples:
  notice resolve 2026-11-23-keyshare-3f9a
  notice resolve 2026-11-23-keyshare-3f9a --message \"PIN checks work again.\" \\
      --message nl=\"Pincodecontrole werkt weer.\"
  notice resolve 2026-11-23-keyshare-3f9a --offline --feed-key feed-key.pem \\
      --root root.json --out ./export                                  # break-glass";

/// Resolve an incident or complete maintenance.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct ResolveArgs {
    /// The notice's id, or the start of it when only one id starts so (see `notice list`)
    #[arg(value_name = "ID")]
    id: String,
    /// Closing message: "English" or LANG="text" (repeat per language) [default: the server's]
    #[arg(long, value_name = "[LANG=]TEXT", value_parser = input::parse_localized)]
    message: Vec<LocalizedArg>,
    /// Resolve even when the server cautions that it is probably a mistake (as `post`, `update`, `edit` and
    /// `withdraw` take it, so a script can pass it to all of them)
    #[arg(short, long)]
    yes: bool,
    /// Print the server's answer as JSON
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    offline: OfflineArgs,
}

impl ResolveArgs {
    /// Runs `notice resolve`.
    pub fn run(self, ctx: &Ctx<'_>) -> Result<(), CliError> {
        let resolve = Resolve {
            message: input::collect_optional("--message", &self.message)?
                .as_ref()
                .map(TextInput::from),
        };
        let backend = Backend::open(ctx, &self.offline)?;
        let now = ctx.now();
        let request = Request::Change {
            id: backend.resolve_id(&self.id)?,
            change: NoticeChange::Resolve(resolve),
        };
        let prepared = backend.prepare(request, now)?;
        prompt::confirm_cautions(&prepared.response.cautions, self.yes, "resolve")?;
        let committed = backend.commit(prepared, now)?;
        let written = &committed.response;
        let summary = format!(
            "{} notice {} is {} (revision {}, feed version {}); apps no longer show it.\n",
            styled(OK, "Resolved:"),
            styled(BOLD, &written.notice.id),
            styled(BOLD, written.notice.status),
            written.notice.revision,
            written.feed_version,
        );
        committed.report(&summary, self.json)
    }
}
