//! `notice edit`: change fields of a published notice (a new revision), e.g. extend maintenance that runs
//! over or fix a translation. Shows what changes and the app preview of the result, then asks.
//!
//! Text flags merge per language: `--title nl="…"` replaces only the Dutch title.

use clap::{Args, ValueEnum};
use notice_types::{Component, LanguageTag, LocalizedText, Notice, Timestamp, check_link_syntax};
use serde_json::{Map, Value, json};

use super::{Ctx, PlatformArg, SeverityArg, StatusArg, print_json};
use crate::error::CliError;
use crate::input::{self, LocalizedArg};
use crate::offline::{self, OfflineArgs};
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
    /// The notice's id (see `notice list`)
    id: notice_types::NoticeId,
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
    #[arg(long, value_name = "REQ")]
    app_versions: Option<semver::VersionReq>,
    /// Replace the link
    #[arg(long, value_name = "URL", value_parser = link_arg)]
    link: Option<String>,
    /// New start time
    #[arg(long, value_name = "TIME", value_parser = time_arg)]
    starts: Option<Timestamp>,
    /// New end time (e.g. maintenance runs over)
    #[arg(long, value_name = "TIME", value_parser = time_arg)]
    ends: Option<Timestamp>,
    /// New time from which it is shown
    #[arg(long, value_name = "TIME", value_parser = time_arg)]
    show_from: Option<Timestamp>,
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

fn time_arg(text: &str) -> Result<Timestamp, String> {
    input::parse_time(text, Timestamp::from(chrono::Utc::now()))
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
        prompt::require_way_to_confirm(self.yes, "save the edit", "")?;
        if self.offline.offline {
            return self.run_offline(ctx);
        }
        let api = ctx.api()?;
        let current = api.get(&self.id)?.notice;
        let changes = self.changes(&current)?;
        let next = apply(&current, &changes)?;
        self.show(&current, &next, ctx.now());

        prompt::confirm(
            &format!(
                "Save this as revision {} on {}? Users who dismissed it see it again.",
                current.revision + 1,
                api.server()
            ),
            self.yes,
            "save the edit",
        )?;
        let written = api.edit(&self.id, &Value::Object(changes))?;
        if self.json {
            return print_json(&written);
        }
        render::print(&format!(
            "{} notice {} is now revision {} (feed version {}).\n",
            styled(OK, "Edited:"),
            styled(BOLD, &written.notice.id),
            written.notice.revision,
            written.feed_version_text(),
        ));
        Ok(())
    }

    /// Break-glass: the same edit, applied by the server's code to the last known feed and signed here.
    fn run_offline(&self, ctx: &Ctx<'_>) -> Result<(), CliError> {
        let glass = self.offline.open(ctx)?;
        let current = glass.notice(&self.id)?.clone();
        let changes = self.changes(&current)?;
        let draft = offline::draft_of::<notice_server::drafts::EditNotice>(&changes)?;
        glass.announce();
        let now = ctx.now();
        let write = glass.change(
            &self.id,
            notice_server::change::ChangeDraft::Edit(draft),
            now,
        )?;
        self.show(&current, &write.record.notice, now);
        prompt::confirm(&glass.question(&write), self.yes, "save the edit")?;
        let exported = glass.publish(&write, now)?;
        glass.report("Edited:", &write, &exported, self.json)
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

    /// The PATCH body: only fields that change; `null` clears.
    fn changes(&self, current: &Notice) -> Result<Map<String, Value>, CliError> {
        let mut changes = Map::new();
        let mut set = |field: &str, value: Value| -> Result<(), CliError> {
            if changes.insert(field.to_owned(), value).is_some() {
                return Err(CliError::usage(format!(
                    "`{field}` is both set and cleared; do one"
                )));
            }
            Ok(())
        };
        if let Some(severity) = self.severity {
            set("severity", json!(notice_types::Severity::from(severity)))?;
        }
        if let Some(status) = self.status {
            set("status", json!(notice_types::Status::from(status)))?;
        }
        if !self.title.is_empty() {
            set(
                "title",
                json!(merge("--title", &current.title, &self.title)?),
            )?;
        }
        if !self.body.is_empty() {
            set("body", json!(merge("--body", &current.body, &self.body)?))?;
        }
        if !self.components.is_empty() {
            set("components", json!(self.components))?;
        }
        if !self.platforms.is_empty() {
            let platforms: Vec<notice_types::Platform> =
                self.platforms.iter().map(|&p| p.into()).collect();
            set("platforms", json!(platforms))?;
        }
        if let Some(req) = &self.app_versions {
            set("app_versions", json!(req.to_string()))?;
        }
        if let Some(link) = &self.link {
            set("link", json!(link))?;
        }
        for (field, time) in [
            ("starts_at", self.starts),
            ("ends_at", self.ends),
            ("show_from", self.show_from),
        ] {
            if let Some(time) = time {
                set(field, json!(time))?;
            }
        }
        if self.dismissible || self.not_dismissible {
            set("dismissible", json!(self.dismissible))?;
        }
        for clear in &self.clear {
            set(clear.field(), Value::Null)?;
        }
        if changes.is_empty() {
            return Err(CliError::usage_hint(
                "nothing to change: the edit gives no new value",
                "give at least one field, e.g. --ends +1h or --title nl=\"…\" (see notice edit --help)",
            ));
        }
        Ok(changes)
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

/// The notice with `changes` applied, as the server will apply them (for the preview only: the server
/// validates and decides).
fn apply(current: &Notice, changes: &Map<String, Value>) -> Result<Notice, CliError> {
    let mut value = serde_json::to_value(current)
        .map_err(|e| CliError::usage(format!("cannot preview the edit: {e}")))?;
    if let Value::Object(object) = &mut value {
        for (field, new) in changes {
            if new.is_null() {
                object.remove(field);
            } else {
                object.insert(field.clone(), new.clone());
            }
        }
        object.insert("revision".to_owned(), json!(current.revision + 1));
    }
    serde_json::from_value(value).map_err(|e| CliError::Usage {
        message: format!("the edited notice would be invalid: {e}"),
        hint: Some("nothing was sent; fix the values and try again".to_owned()),
    })
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
