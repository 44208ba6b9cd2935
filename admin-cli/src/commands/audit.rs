//! `notice audit`: who did what, with a token of which scope, from the server's audit log
//! (`GET /v1/admin/audit`).

use clap::Args;
use notice_publish::AuditEntry;
use serde::Serialize;

use super::{Ctx, print_json};
use crate::error::CliError;
use crate::render::{self, BOLD, styled};

const EXAMPLES: &str = "\
Examples:
  notice audit
  notice audit --limit 500
  notice audit --json | jq -r '.entries[] | select(.actor == \"alice\") | .notice_id'
  notice audit --json | jq -c '.entries[] | select(.scope == \"watch\")'   # the watchdog's";

/// Show the audit log: every change with who made it, newest first.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct AuditArgs {
    /// How many entries, newest first (1 to 1000)
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=1000))]
    limit: u32,
    /// Print `{"entries": [{"id", "at", "actor", "scope", "action", "notice_id", "feed_version"}]}` as JSON
    /// (`scope`: the token's, `admin` or `watch`; absent for the server itself and its command line)
    #[arg(long)]
    json: bool,
}

#[derive(Serialize)]
struct Listing<'a> {
    entries: &'a [AuditEntry],
}

impl AuditArgs {
    /// Runs `notice audit`.
    pub fn run(self, ctx: &Ctx<'_>) -> Result<(), CliError> {
        let entries = ctx.api()?.audit(self.limit)?;
        if self.json {
            return print_json(&Listing { entries: &entries });
        }
        if entries.is_empty() {
            render::print("The audit log is empty.\n");
            return Ok(());
        }
        render::print(&table(&entries));
        Ok(())
    }
}

/// One line per entry: UTC time, the operator's local time, who, with a token of which scope (`-`: the
/// server itself or its command line, which have no token), what, which notice, which version.
fn table(entries: &[AuditEntry]) -> String {
    let rows: Vec<[String; 6]> = entries
        .iter()
        .map(|e| {
            [
                format!("{} ({})", e.at, render::local(e.at)),
                e.actor.clone(),
                e.scope.clone().unwrap_or_else(|| "-".to_owned()),
                e.action.clone(),
                e.notice_id.clone().unwrap_or_else(|| "-".to_owned()),
                e.feed_version
                    .map_or_else(|| "-".to_owned(), |v| v.to_string()),
            ]
        })
        .collect();
    let header = ["WHEN", "WHO", "SCOPE", "ACTION", "NOTICE", "VERSION"];
    let mut widths = header.map(str::len);
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: [&str; 6]| {
        let mut out = String::new();
        for (i, (cell, width)) in cells.iter().zip(widths).enumerate() {
            if i + 1 == cells.len() {
                out.push_str(cell);
            } else {
                out.push_str(&format!("{cell:<width$}  "));
            }
        }
        out.push('\n');
        out
    };
    let mut out = styled(BOLD, line(header)).to_string();
    for row in &rows {
        out.push_str(&line(row.each_ref().map(String::as_str)));
    }
    out
}
