//! `notice post`: build a notice from flags (or a JSON file), let the server validate it in a dry run, show
//! what the app will show, ask, publish, and say which feed version carries it.

use std::path::PathBuf;

use clap::Args;
use notice_publish::{CreateNotice, TextInput};
use notice_types::{Component, NoticeId, Timestamp, check_link_syntax};

use super::{Ctx, PlatformArg, SeverityArg, StatusArg, print_json};
use crate::backend::{Backend, Request};
use crate::error::CliError;
use crate::input::{self, LocalizedArg, TimeArg};
use crate::offline::OfflineArgs;
use crate::render::{self, BOLD, OK, styled};
use crate::{document, prompt};

const EXAMPLES: &str = "\
Text flags are English unless the value starts with `LANG=` (nl=…, de=…); English is required.
Times are RFC 3339 with an offset (seconds optional), `now`, or `+2h` from now.

Examples:
  notice post --severity outage --component keyshare \\
      --title \"PIN check is down\" --title nl=\"PIN-controle werkt niet\" \\
      --title de=\"PIN-Prüfung gestört\" \\
      --body \"You cannot log in with your PIN right now. We are working on it.\" \\
      --body nl=\"Inloggen met je pincode lukt nu niet. We werken eraan.\"
  notice post --severity maintenance \\
      --starts 2026-12-01T02:00+01:00 --ends 2026-12-01T04:00+01:00 \\
      --show-from 2026-11-28T09:00+01:00 --title \"Maintenance on 1 December\" --body \"…\"
  notice post --severity info --platform ios --app-versions \"<7.4\" \\
      --title \"Update your app\" --body \"…\" --link https://yivi.app/update
  notice post --from-file notice.json --yes

  # Break-glass: the server is down. Sign with the feed key on top of the newest copy a mirror
  # or the export directory holds, into the directory the static hosts serve:
  notice post --offline --feed-key feed-key.pem --root root.json --out ./export \\
      --last https://mirror.example.net/v1/feed.json \\
      --severity outage --title \"PIN check is down\" --body \"…\"";

/// Post a new notice.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct PostArgs {
    /// How bad it is
    #[arg(long, value_enum, required_unless_present = "from_file")]
    severity: Option<SeverityArg>,
    /// Initial status [default: investigating, or scheduled for maintenance]
    #[arg(long, value_enum)]
    status: Option<StatusArg>,
    /// One-line title: "English" or LANG="text" (repeat per language)
    #[arg(long, value_name = "[LANG=]TEXT", value_parser = input::parse_localized, required_unless_present = "from_file")]
    title: Vec<LocalizedArg>,
    /// A few sentences: "English" or LANG="text" (repeat per language)
    #[arg(long, value_name = "[LANG=]TEXT", value_parser = input::parse_localized, required_unless_present = "from_file")]
    body: Vec<LocalizedArg>,
    /// Affected component, e.g. keyshare (repeatable)
    #[arg(long = "component", value_name = "NAME")]
    components: Vec<Component>,
    /// Only show on this platform (repeatable) [default: all]
    #[arg(long = "platform", value_enum, value_name = "PLATFORM")]
    platforms: Vec<PlatformArg>,
    /// Only show on these app versions, a semver requirement, e.g. "<7.4" [default: all]
    #[arg(long, visible_alias = "app-version", value_name = "REQ")]
    app_versions: Option<semver::VersionReq>,
    /// https link for more information (its host must be allowed by the feed)
    #[arg(long, value_name = "URL", value_parser = link_arg)]
    link: Option<String>,
    /// When the event starts (maintenance: required)
    #[arg(long, value_name = "TIME", value_parser = input::parse_time_arg)]
    starts: Option<TimeArg>,
    /// When the event ends; not shown from then on (maintenance: required)
    #[arg(long, value_name = "TIME", value_parser = input::parse_time_arg)]
    ends: Option<TimeArg>,
    /// Not shown before this time (announce maintenance ahead) [default: at once]
    #[arg(long, value_name = "TIME", value_parser = input::parse_time_arg)]
    show_from: Option<TimeArg>,
    /// Users may hide it [default: not for outages, yes otherwise]
    #[arg(long, conflicts_with = "not_dismissible")]
    dismissible: bool,
    /// Users may not hide it
    #[arg(long)]
    not_dismissible: bool,
    /// The notice's id [default: generated, e.g. 2026-11-23-keyshare-3f9a]
    #[arg(long)]
    id: Option<NoticeId>,
    /// Read the notice from a JSON file (the admin API's create body) instead of flags
    #[arg(long, value_name = "PATH", conflicts_with_all = [
        "severity", "status", "title", "body", "components", "platforms", "app_versions", "link",
        "starts", "ends", "show_from", "dismissible", "not_dismissible", "id"])]
    from_file: Option<PathBuf>,
    /// Publish without asking
    #[arg(short, long)]
    yes: bool,
    /// Only show the preview; publish nothing
    #[arg(long)]
    dry_run: bool,
    /// Print the server's answer as JSON on stdout (the preview goes to stderr)
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    offline: OfflineArgs,
}

fn link_arg(text: &str) -> Result<String, String> {
    check_link_syntax(text)
        .map(|_| text.to_owned())
        .map_err(|e| e.reason)
}

impl PostArgs {
    /// Runs `notice post`.
    pub fn run(self, ctx: &Ctx<'_>) -> Result<(), CliError> {
        let now = ctx.now();
        let body = self.create_body(now)?;
        if !self.dry_run {
            // Fail before talking to the server: a script without --yes can never be asked.
            prompt::require_way_to_confirm(
                self.yes,
                "publish",
                ", or --dry-run to only see the preview",
            )?;
        }
        let backend = Backend::open(ctx, &self.offline)?;
        let prepared = backend.prepare(Request::Create(body), now)?;
        let draft = &prepared.response;
        let at = draft.notice.show_from.map_or(now, |from| from.max(now));
        let preview = render::preview(&draft.notice, Some(draft.feed_version), at);
        if self.json {
            render::eprint(&preview);
        } else {
            render::print(&preview);
        }
        prompt::warn_cautions(&draft.cautions);
        if self.dry_run {
            if self.json {
                print_json(draft)?;
            }
            render::eprint("Dry run: nothing was published.\n");
            return Ok(());
        }
        prompt::confirm(
            &backend.question("Publish this notice", &prepared, ""),
            self.yes,
            "publish",
        )?;
        let committed = backend.commit(prepared, now)?;
        let written = &committed.response;
        let id = &written.notice.id;
        let summary = format!(
            "{} notice {} in feed version {}.\n  update:   notice update {id} --status identified --message \"…\"\n  resolve:  notice resolve {id}\n  check:    notice status --lang nl\n",
            styled(OK, "Published"),
            styled(BOLD, id),
            written.feed_version,
        );
        committed.report(&summary, self.json)
    }

    /// The admin API's create body from the flags (or the file), with relative times counted from `now`.
    fn create_body(&self, now: Timestamp) -> Result<CreateNotice, CliError> {
        if let Some(path) = &self.from_file {
            let bytes = document::read_file(path)?;
            return notice_publish::parse_request(&bytes).map_err(|e| {
                CliError::usage_hint(
                    format!("{}: {e}", path.display()),
                    "the file is the admin API's create body: {\"severity\": \"outage\", \"title\": {\"en\": \"…\"}, \"body\": {\"en\": \"…\"}, …}",
                )
            });
        }
        let severity = self
            .severity
            .ok_or_else(|| CliError::usage("--severity is required"))?;
        let dismissible = match (self.dismissible, self.not_dismissible) {
            (true, _) => Some(true),
            (_, true) => Some(false),
            _ => None,
        };
        let title = TextInput::from(&input::collect("--title", &self.title)?);
        let body = TextInput::from(&input::collect("--body", &self.body)?);
        let mut create = CreateNotice::new(severity.into(), title, body);
        create.id = self.id.clone();
        create.status = self.status.map(Into::into);
        create.components = (!self.components.is_empty()).then(|| self.components.clone());
        create.platforms = (!self.platforms.is_empty())
            .then(|| self.platforms.iter().map(|&p| p.into()).collect());
        create.app_versions = self.app_versions.clone();
        create.show_from = self.show_from.map(|t| t.at(now));
        create.starts_at = self.starts.map(|t| t.at(now));
        create.ends_at = self.ends.map(|t| t.at(now));
        create.dismissible = dismissible;
        create.link = self.link.clone();
        Ok(create)
    }
}
