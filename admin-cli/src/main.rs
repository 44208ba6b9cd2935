//! `notice`: the command an on-call operator uses to tell users what is going on.
//!
//! It talks to `notice-server`'s admin API to post, update, edit, resolve and withdraw notices, shows a
//! preview of what the app will show before anything is published, and checks published documents (the
//! server, a mirror, a CDN) with the same verification and selection code the app runs.
//!
//! # Layout
//! - `cli`: the flags (clap derive) and the help texts, including the exit codes.
//! - `commands`: one module per subcommand, each with an `Args` struct and its `run`.
//! - `config`: where the server URL and token come from (flags, environment, config file).
//! - `api`: the admin API client (the request and answer types are `notice_publish`'s, the server's own);
//!   turns HTTP failures into [`error::CliError`]s that say what to do.
//! - `backend`: where a change goes: the admin API, or break-glass signing. Every command that changes
//!   notices runs prepare → preview → confirm → commit against it, with no branch of its own.
//! - `error`: the error type, its exit code and its hint.
//! - `http`: one request with a deadline and a size cap; transport failures in words.
//! - `input`: parsing of localized text flags and times.
//! - `document`: reading a published document from a URL or file, capped like the app caps it.
//! - `render`: previews, tables and colors.
//! - `export`: the static export directory (document, status page, Atom), written atomically and never
//!   backwards.
//! - `offline`: break-glass, `--offline` on every command that changes notices: `notice_publish`'s change
//!   rules (the server's own) on the last known document, signed with the feed key, into an export directory.
//! - `prompt`: the confirmation question, and the refusal when there is no terminal to ask on.
//! - `watch`: the watchdog (`notice watch`): health checks, hysteresis, its notice through the admin API or
//!   break-glass, webhooks, `/metrics`, the state file.

mod api;
mod backend;
mod cli;
mod commands;
mod config;
mod document;
mod error;
mod export;
mod http;
mod input;
mod offline;
mod prompt;
mod render;
mod watch;

use std::process::ExitCode;

use clap::Parser as _;

use crate::cli::Cli;
use crate::error::CliError;

fn main() -> ExitCode {
    let cli = Cli::parse();
    cli.global.color.apply();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => report(&err),
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    commands::run(cli.command, &cli.global)?;
    Ok(())
}

/// Prints `error: …` (one line) and, when there is a next step, `hint: …`; returns the documented exit code.
fn report(err: &anyhow::Error) -> ExitCode {
    use std::io::Write as _;
    let cli_error = err.chain().find_map(|e| e.downcast_ref::<CliError>());
    let message = format!("{err:#}").replace('\n', " ");
    let (red, bold) = (
        anstyle::Style::new()
            .bold()
            .fg_color(Some(anstyle::AnsiColor::Red.into())),
        anstyle::Style::new().bold(),
    );
    // Nothing useful can be done if stderr itself is gone; never panic over it.
    let mut stderr = anstream::stderr();
    let _ = writeln!(stderr, "{red}error:{red:#} {message}");
    if let Some(hint) = cli_error.and_then(CliError::hint) {
        let _ = writeln!(stderr, "{bold}hint:{bold:#} {hint}");
    }
    ExitCode::from(cli_error.map_or(error::exit::FAILURE, CliError::exit_code))
}
