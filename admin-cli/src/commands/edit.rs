//! `notice edit`: change fields of a published notice (a new revision), e.g. extend maintenance that runs
//! over or fix a translation. Shows what changes and the app preview of the result, then asks.
//!
//! Text flags merge per language: `--title nl="…"` replaces only the Dutch title.

use clap::{Args, ValueEnum};
use notice_publish::{EditNotice, NoticeChange, TextInput};
use notice_types::{Component, LanguageTag, LocalizedText, Notice, Timestamp, check_link_syntax};
use serde_json::{Map, Value};

use super::{Ctx, PlatformArg, SeverityArg, StatusArg};
use crate::backend::{Backend, Request};
use crate::error::CliError;
use crate::input::{self, LocalizedArg, TimeArg};
use crate::offline::OfflineArgs;
use crate::prompt;
use crate::render::{self, BOLD, OK, styled};

const EXAMPLES: &str = "\
Users who dismissed the notice see the new revision again.

Examples:
  notice edit 2026-12-01-maintenance-1a2b --ends 2026-12-01T05:00+01:00
  notice edit 2026-11-23-keyshare-3f9a --title nl=\"PIN-controle werkt niet\" --yes
  notice edit 2026-11-23-keyshare-3f9a --clear link --platform android
  notice edit 2026-12-01-maintenance-1a2b --ends +1h --offline --feed-key feed-key.pem \\
      --root root.json --out ./export                                  # break-glass";

/// Change fields of a notice (a new revision).
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct EditArgs {
    /// The notice's id, or the start of it when only one id starts so (see `notice list`)
    #[arg(value_name = "ID")]
    id: String,
    /// New severity
    #[arg(long, value_enum)]
    severity: Option<SeverityArg>,
    /// New status (prefer `notice update`, which also tells users why)
    #[arg(long, value_enum)]
    status: Option<StatusArg>,
    /// Title in one language: "English" or LANG="text"; other languages stay (repeatable)
    #[arg(long, value_name = "[LANG=]TEXT", value_parser = input::parse_localized)]
    title: Vec<LocalizedArg>,
    /// Body in one language: "English" or LANG="text"; other languages stay (repeatable)
    #[arg(long, value_name = "[LANG=]TEXT", value_parser = input::parse_localized)]
    body: Vec<LocalizedArg>,
    /// Replace the affected components (repeatable)
    #[arg(long = "component", value_name = "NAME")]
    components: Vec<Component>,
    /// Replace the targeted platforms (repeatable)
    #[arg(long = "platform", value_enum, value_name = "PLATFORM")]
    platforms: Vec<PlatformArg>,
    /// Replace the app version requirement, e.g. "<7.4"
    #[arg(long, visible_alias = "app-version", value_name = "REQ")]
    app_versions: Option<semver::VersionReq>,
    /// Replace the link
    #[arg(long, value_name = "URL", value_parser = link_arg)]
    link: Option<String>,
    /// New start time
    #[arg(long, value_name = "TIME", value_parser = input::parse_time_arg)]
    starts: Option<TimeArg>,
    /// New end time (e.g. maintenance runs over)
    #[arg(long, value_name = "TIME", value_parser = input::parse_time_arg)]
    ends: Option<TimeArg>,
    /// New time from which it is shown
    #[arg(long, value_name = "TIME", value_parser = input::parse_time_arg)]
    show_from: Option<TimeArg>,
    /// Users may hide it
    #[arg(long, conflicts_with = "not_dismissible")]
    dismissible: bool,
    /// Users may not hide it
    #[arg(long)]
    not_dismissible: bool,
    /// Remove an optional field (repeatable)
    #[arg(long, value_enum, value_name = "FIELD")]
    clear: Vec<Clearable>,
    /// Save without asking
    #[arg(short, long)]
    yes: bool,
    /// Print the server's answer as JSON on stdout (the preview goes to stderr)
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    offline: OfflineArgs,
}

/// Optional fields `--clear` can remove.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Clearable {
    /// All components.
    Components,
    /// Platform targeting (show on all).
    Platforms,
    /// App version targeting (show on all).
    AppVersions,
    /// The link.
    Link,
    /// The show-from time (show at once).
    ShowFrom,
    /// The start time.
    Starts,
    /// The end time.
    Ends,
}

impl Clearable {
    fn field(self) -> &'static str {
        match self {
            Clearable::Components => "components",
            Clearable::Platforms => "platforms",
            Clearable::AppVersions => "app_versions",
            Clearable::Link => "link",
            Clearable::ShowFrom => "show_from",
            Clearable::Starts => "starts_at",
            Clearable::Ends => "ends_at",
        }
    }
}

fn link_arg(text: &str) -> Result<String, String> {
    check_link_syntax(text)
        .map(|_| text.to_owned())
        .map_err(|e| e.reason)
}

/// The fields an edit can touch, in display order.
const FIELDS: [&str; 12] = [
    "severity",
    "status",
    "title",
    "body",
    "components",
    "platforms",
    "app_versions",
    "show_from",
    "starts_at",
    "ends_at",
    "dismissible",
    "link",
];

impl EditArgs {
    /// Runs `notice edit`.
    pub fn run(self, ctx: &Ctx<'_>) -> Result<(), CliError> {
        // No early refusal without a terminal: server and input errors come first, and `confirm` below
        // still refuses before anything is sent.
        let backend = Backend::open(ctx, &self.offline)?;
        let now = ctx.now();
        let id = backend.resolve_id(&self.id)?;
        let current = backend.current(&id)?.notice;
        let edit = self.edit(&current, now)?;
        let request = Request::Change {
            id,
            change: NoticeChange::Edit(edit),
        };
        let prepared = backend.prepare(request, now)?;
        self.show(&current, &prepared.response.notice, now);
        prompt::warn_cautions(&prepared.response.cautions);
        prompt::confirm(
            &backend.question(
                &format!(
                    "Save this as revision {}",
                    prepared.response.notice.revision
                ),
                &prepared,
                "Users who dismissed it see it again.",
            ),
            self.yes,
            "save the edit",
        )?;
        let committed = backend.commit(prepared, now)?;
        let written = &committed.response;
        let summary = format!(
            "{} notice {} is now revision {} (feed version {}).\n",
            styled(OK, "Edited:"),
            styled(BOLD, &written.notice.id),
            written.notice.revision,
            written.feed_version,
        );
        committed.report(&summary, self.json)
    }

    /// Prints what changes and the preview of the result (on stderr with `--json`).
    fn show(&self, current: &Notice, next: &Notice, now: Timestamp) {
        let mut text = format!(
            "{} of notice {} (revision {} → {}):\n",
            styled(BOLD, "Changes"),
            current.id,
            current.revision,
            next.revision
        );
        let (before, after) = (fields(current), fields(next));
        for field in FIELDS {
            if before.get(field) != after.get(field) {
                text.push_str(&format!(
                    "  {field:<13}{} → {}\n",
                    shown(before.get(field)),
                    shown(after.get(field))
                ));
            }
        }
        text.push('\n');
        text.push_str(&render::preview(
            next,
            None,
            next.show_from.map_or(now, |from| from.max(now)),
        ));
        if self.json {
            render::eprint(&text);
        } else {
            render::print(&text);
        }
    }

    /// The PATCH body: only fields that change; a cleared field is `null`. Relative times count from `now`.
    fn edit(&self, current: &Notice, now: Timestamp) -> Result<EditNotice, CliError> {
        let mut edit = EditNotice::default();
        if let Some(severity) = self.severity {
            edit.severity = Some(Some(severity.into()));
        }
        if let Some(status) = self.status {
            edit.status = Some(Some(status.into()));
        }
        if !self.title.is_empty() {
            let title = merge("--title", &current.title, &self.title)?;
            edit.title = Some(Some(TextInput::from(&title)));
        }
        if !self.body.is_empty() {
            let body = merge("--body", &current.body, &self.body)?;
            edit.body = Some(Some(TextInput::from(&body)));
        }
        if !self.components.is_empty() {
            edit.components = Some(Some(self.components.clone()));
        }
        if !self.platforms.is_empty() {
            edit.platforms = Some(Some(self.platforms.iter().map(|&p| p.into()).collect()));
        }
        if let Some(req) = &self.app_versions {
            edit.app_versions = Some(Some(req.clone()));
        }
        if let Some(link) = &self.link {
            edit.link = Some(Some(link.clone()));
        }
        edit.starts_at = self.starts.map(|t| Some(t.at(now)));
        edit.ends_at = self.ends.map(|t| Some(t.at(now)));
        edit.show_from = self.show_from.map(|t| Some(t.at(now)));
        if self.dismissible || self.not_dismissible {
            edit.dismissible = Some(Some(self.dismissible));
        }
        for clear in &self.clear {
            // `replace(None)` sends `null` (clear) and returns what was there: a value given as well.
            let already_set = match clear {
                Clearable::Components => edit.components.replace(None).is_some(),
                Clearable::Platforms => edit.platforms.replace(None).is_some(),
                Clearable::AppVersions => edit.app_versions.replace(None).is_some(),
                Clearable::Link => edit.link.replace(None).is_some(),
                Clearable::ShowFrom => edit.show_from.replace(None).is_some(),
                Clearable::Starts => edit.starts_at.replace(None).is_some(),
                Clearable::Ends => edit.ends_at.replace(None).is_some(),
            };
            if already_set {
                return Err(CliError::usage(format!(
                    "`{}` is both set and cleared; do one",
                    clear.field()
                )));
            }
        }
        if edit.is_empty() {
            return Err(CliError::usage_hint(
                "nothing to change: the edit gives no new value",
                "give at least one field, e.g. --ends +1h or --title nl=\"…\" (see notice edit --help)",
            ));
        }
        Ok(edit)
    }
}

/// `current` with the given languages replaced; English stays required.
fn merge(
    flag: &str,
    current: &LocalizedText,
    args: &[LocalizedArg],
) -> Result<LocalizedText, CliError> {
    let mut pairs: Vec<(LanguageTag, String)> = current
        .iter()
        .map(|(lang, text)| (lang.clone(), text.to_owned()))
        .collect();
    let mut seen: Vec<&LanguageTag> = Vec::new();
    for arg in args {
        if seen.contains(&&arg.lang) {
            return Err(CliError::usage(format!(
                "{flag} gives `{}` text twice",
                arg.lang
            )));
        }
        seen.push(&arg.lang);
        match pairs.iter_mut().find(|(lang, _)| *lang == arg.lang) {
            Some(pair) => pair.1.clone_from(&arg.text),
            None => pairs.push((arg.lang.clone(), arg.text.clone())),
        }
    }
    LocalizedText::from_pairs(pairs).map_err(|e| CliError::usage(format!("{flag}: {e}")))
}

fn fields(notice: &Notice) -> Map<String, Value> {
    match serde_json::to_value(notice) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    }
}

fn shown(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => "(none)".to_owned(),
        Some(Value::String(text)) => format!("{text:?}"),
        Some(other) => other.to_string(),
    }
}
