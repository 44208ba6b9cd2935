//! The command line: global flags, the subcommands, and the help texts (exit codes, configuration, examples).

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::commands::{
    audit::AuditArgs, completions::CompletionsArgs, edit::EditArgs, export::ExportArgs,
    ingest::IngestArgs, keygen::KeygenArgs, list::ListArgs, post::PostArgs, resolve::ResolveArgs,
    root::RootArgs, show::ShowArgs, status::StatusArgs, update::UpdateArgs, verify::VerifyArgs,
    watch::WatchArgs, withdraw::WithdrawArgs,
};
use crate::config::SecretArg;

const AFTER_HELP: &str = "\
Configuration (first found wins):
  server: --server, $NOTICE_SERVER, then `server = \"…\"` in the config file
  token:  --token, $NOTICE_TOKEN, then `token = \"…\"` in the config file
  CA:     --ca-cert, $NOTICE_CA_CERT, then `ca_cert = \"…\"` (default: the public CAs)
  config file: --config, $NOTICE_CONFIG, $XDG_CONFIG_HOME/notice/config.toml,
               else ~/.config/notice/config.toml
  The token is never printed. Prefer $NOTICE_TOKEN or the file (chmod 600) over --token,
  which other users can see in the process list.

Exit codes:
  0  success
  1  failure (server error, file error)
  2  usage: bad flags or input, nothing was sent
  3  server unreachable
  4  token missing or rejected (or too many failed attempts)
  5  the server (or --offline) refused the change (invalid field, unknown notice,
     conflict); nothing was changed
  6  a published document failed verification
  7  not confirmed (declined, or no terminal to ask on and no --yes);
     nothing was changed

Examples:
  export NOTICE_SERVER=https://notice.example.org NOTICE_TOKEN=ntk_…
  notice post --severity outage --component keyshare \\
      --title \"PIN check is down\" --title nl=\"PIN-controle werkt niet\" \\
      --body \"You cannot log in with your PIN right now. We are working on it.\" \\
      --body nl=\"Inloggen met je pincode lukt nu niet. We werken eraan.\"
  notice list
  notice status --lang nl --platform android
  notice export --out ./export --root root.json      # static copy for other providers
  notice watch --config /etc/notice/watch.toml         # watchdog: health checks → notice

Server down? Every command that changes notices takes --offline: it signs with the feed
key into an export directory (see `notice post --help`); `notice ingest` hands the
result to the server when it is back.";

/// Post, update and resolve in-app notices, and check what users see.
#[derive(Debug, Parser)]
#[command(name = "notice", version, after_help = AFTER_HELP, max_term_width = 100)]
pub struct Cli {
    /// Flags every subcommand takes.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Flags every subcommand takes.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Base URL of notice-server [env: NOTICE_SERVER]
    #[arg(long, global = true, value_name = "URL")]
    pub server: Option<String>,
    /// Admin token; prefer $NOTICE_TOKEN or the config file [env: NOTICE_TOKEN]
    #[arg(long, global = true, value_name = "TOKEN")]
    pub token: Option<SecretArg>,
    /// Config file [env: NOTICE_CONFIG] [default: ~/.config/notice/config.toml]; for `notice watch`, the
    /// watchdog's configuration (required)
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Trust the CA certificates in this PEM file for HTTPS instead of the public ones, as curl --cacert
    /// does (a server behind a proxy with a certificate of your own PKI) [env: NOTICE_CA_CERT]
    #[arg(long, global = true, value_name = "PEM")]
    pub ca_cert: Option<PathBuf>,
    /// Give up on the server after this long (e.g. 10s, 1m)
    #[arg(long, global = true, value_name = "DURATION", default_value = "15s", value_parser = parse_duration)]
    pub timeout: Duration,
    /// Colors: auto (only on a terminal, and not with NO_COLOR), always, never
    #[arg(long, global = true, value_enum, default_value_t = ColorArg::Auto)]
    pub color: ColorArg,
    /// Print each request and where the settings came from (never the token) on stderr
    #[arg(short, long, global = true)]
    pub verbose: bool,
    /// Pretend it is this time (RFC 3339 with an offset): for rehearsals and tests. Relative times, previews
    /// and signatures use it. Hidden: on a real incident the clock is the clock.
    #[arg(long, global = true, hide = true, value_name = "TIME", value_parser = parse_now)]
    pub now: Option<notice_types::Timestamp>,
}

fn parse_now(text: &str) -> Result<notice_types::Timestamp, String> {
    match crate::input::parse_time_arg(text)? {
        crate::input::TimeArg::At(at) => Ok(at),
        _ => Err("give an absolute time, e.g. 2026-12-01T02:00+01:00".to_owned()),
    }
}

fn parse_duration(text: &str) -> Result<Duration, String> {
    let duration =
        humantime::parse_duration(text).map_err(|e| format!("{e}; examples: 10s, 1m"))?;
    if duration.is_zero() {
        return Err("must be longer than zero".to_owned());
    }
    Ok(duration)
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorArg {
    /// Colors on a terminal, unless NO_COLOR is set.
    Auto,
    /// Always colors.
    Always,
    /// Never colors.
    Never,
}

impl ColorArg {
    /// Makes every `anstream` output follow this choice.
    pub fn apply(self) {
        let choice = match self {
            ColorArg::Auto => anstream::ColorChoice::Auto,
            ColorArg::Always => anstream::ColorChoice::Always,
            ColorArg::Never => anstream::ColorChoice::Never,
        };
        choice.write_global();
    }
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Post a new notice (shows a preview and asks before publishing)
    Post(PostArgs),
    /// Add a timeline update to a notice and set its status
    Update(UpdateArgs),
    /// Change fields of a notice, e.g. extend maintenance that runs over (asks before saving)
    Edit(EditArgs),
    /// Resolve an incident or complete maintenance (stays listed as resolved, apps hide it)
    Resolve(ResolveArgs),
    /// Take a notice out of the feed at once (a mistake, not an event)
    Withdraw(WithdrawArgs),
    /// List notices
    List(ListArgs),
    /// Show one notice with its update timeline
    Show(ShowArgs),
    /// What a user sees right now, from the live signed feed
    Status(StatusArgs),
    /// Verify a published document (server, mirror, CDN, file) exactly as the app does
    Verify(VerifyArgs),
    /// Make a new feed or root signing key
    Keygen(KeygenArgs),
    /// Root key ceremonies: prepare, sign (one key at a time), check and publish root v(N+1)
    Root(RootArgs),
    /// Write the feed and status page as static files for other hosts
    Export(ExportArgs),
    /// Hand the server a document signed with --offline, once it is back
    Ingest(IngestArgs),
    /// Watchdog: failing health checks become an "investigating" notice
    Watch(WatchArgs),
    /// Show the audit log: every change with who made it, newest first
    Audit(AuditArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell)
    Completions(CompletionsArgs),
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory as _;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn debug_output_of_the_parsed_command_line_hides_the_token() {
        let cli = Cli::parse_from(["notice", "--token", "ntk_secret_value", "list"]);
        let debug = format!("{cli:?}");
        assert!(!debug.contains("ntk_secret_value"), "{debug}");
        assert!(debug.contains("<hidden>"), "{debug}");
    }

    #[test]
    fn help_texts_fit_the_terminal_so_examples_are_not_wrapped() {
        let mut command = Cli::command();
        command.build();
        let mut texts = vec![(
            "notice".to_owned(),
            command.get_after_help().map(|t| t.to_string()),
        )];
        for sub in command.get_subcommands() {
            texts.push((
                sub.get_name().to_owned(),
                sub.get_after_help().map(|t| t.to_string()),
            ));
        }
        for (name, text) in texts {
            for line in text.unwrap_or_default().lines() {
                assert!(
                    line.chars().count() <= 96,
                    "{name}: line too long for the help: {line}"
                );
            }
        }
    }
}
