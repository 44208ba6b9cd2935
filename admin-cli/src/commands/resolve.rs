//! `notice resolve`: close an incident (resolved) or maintenance (completed). The notice stays in the feed,
//! closed, for the server's retention period; apps stop showing it at once.

use clap::Args;
use notice_types::NoticeId;

use super::{Ctx, print_json};
use crate::api::Resolve;
use crate::error::CliError;
use crate::input::{self, LocalizedArg};
use crate::offline::{self, OfflineArgs};
use crate::render::{self, BOLD, OK, styled};

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
    /// The notice's id (see `notice list`)
    id: NoticeId,
    /// Closing message: "English" or LANG="text" (repeat per language) [default: the server's]
    #[arg(long, value_name = "[LANG=]TEXT", value_parser = input::parse_localized)]
    message: Vec<LocalizedArg>,
    /// Print the server's answer as JSON
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    offline: OfflineArgs,
}

impl ResolveArgs {
    /// Runs `notice resolve`.
    pub fn run(self, ctx: &Ctx<'_>) -> Result<(), CliError> {
        let body = Resolve {
            message: input::collect_optional("--message", &self.message)?,
        };
        if self.offline.offline {
            let glass = self.offline.open(ctx)?;
            let draft = offline::draft_of::<notice_server::drafts::Resolve>(&body)?;
            glass.announce();
            let now = ctx.now();
            let write = glass.change(
                &self.id,
                notice_server::change::ChangeDraft::Resolve(draft),
                now,
            )?;
            let exported = glass.publish(&write, now)?;
            return glass.report("Resolved", &write, &exported, self.json);
        }
        let written = ctx.api()?.resolve(&self.id, &body)?;
        if self.json {
            return print_json(&written);
        }
        render::print(&format!(
            "{} notice {} is {} (revision {}, feed version {}); apps no longer show it.\n",
            styled(OK, "Resolved:"),
            styled(BOLD, &written.notice.id),
            styled(BOLD, written.notice.status),
            written.notice.revision,
            written.feed_version_text(),
        ));
        Ok(())
    }
}
